//! Tags and comments an expression set (`.a tag = "!!str"`, `.image line_comment = "…"`),
//! written as patches on the source, and read back after the edit. Styles are written with the
//! values themselves, by the splicer.

use std::ops::Range;

use crate::expr::{Attribute, AttributeChange, Source, Step};
use crate::value::Value;

use super::document::{NodeKind, Stream, Style};
use super::source::{Comments, DocumentSource, Found};
use super::splice::{properties, Layout, Patch, Properties, SpliceError};

/// Writes tags and comments on one document of a stream.
pub struct Presentation<'a, 's> {
    stream: &'a Stream<'s>,
    source: DocumentSource<'a, 's>,
    index: usize,
    layout: &'a Layout,
}

impl<'a, 's> Presentation<'a, 's> {
    /// Document `index` of `stream`, new text in `layout`'s conventions.
    pub fn new(stream: &'a Stream<'s>, index: usize, layout: &'a Layout) -> Self {
        Presentation { stream, source: DocumentSource::new(stream, index), index, layout }
    }

    fn src(&self) -> &'s str {
        self.stream.src
    }

    fn comments(&self) -> Comments<'s> {
        Comments { src: self.src() }
    }

    fn line_start(&self, at: usize) -> usize {
        self.src()[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    /// The end of the line holding `at`, before its line break (`\r\n` too).
    fn line_end(&self, at: usize) -> usize {
        let end = self.src()[at..].find('\n').map_or(self.src().len(), |i| at + i);
        if end > at && self.src().as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        }
    }

    /// The offset after the line break ending the line `at` is on.
    fn next_line(&self, at: usize) -> usize {
        self.src()[at..].find('\n').map_or(self.src().len(), |i| at + i + 1)
    }

    /// The column of `at`, in characters (a byte-order mark at the start of the file is not one).
    fn column(&self, at: usize) -> usize {
        self.line_prefix(at).chars().count()
    }

    /// The text before `at` on its line, without a byte-order mark.
    fn line_prefix(&self, at: usize) -> &'s str {
        let line = self.line_start(at);
        let text = &self.src()[line..at];
        text.strip_prefix('\u{feff}').filter(|_| line == 0).unwrap_or(text)
    }

    /// The patches that set a tag or comment; `value` is the value at the change's path after
    /// the edit (a tag the written value implies is not written).
    pub fn patches(&self, change: &AttributeChange, value: &Value) -> Result<Vec<Patch>, SpliceError> {
        let found = self.source.find(&change.path).ok_or_else(|| {
            SpliceError(format!(
                "the {} is set on a value this expression adds; add the value first, then set its {} in a second step",
                change.attribute, change.attribute
            ))
        })?;
        let text = change.value.as_str();
        match change.attribute {
            Attribute::Tag => self.tag(&found, text, value),
            Attribute::LineComment => self.line_comment(&found, &change.path, text),
            Attribute::HeadComment if change.path.is_empty() => Ok(self.document_head(text)),
            Attribute::HeadComment => self.head_comment(&found, text),
            Attribute::FootComment if change.path.is_empty() => Ok(self.document_foot(text)),
            Attribute::FootComment => Ok(self.foot_comment(&found, text)),
            Attribute::Style => Ok(Vec::new()),
        }
    }

    /// `# line` for each line of `text`, at `indent`, each ending with the line break.
    fn comment_lines(&self, text: &str, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let mut out = String::new();
        for line in text.split('\n') {
            out.push_str(&pad);
            out.push('#');
            if !line.is_empty() {
                out.push(' ');
                out.push_str(line);
            }
            out.push_str(self.layout.eol);
        }
        out
    }

    fn tag(&self, found: &Found<'_, 's>, tag: &str, value: &Value) -> Result<Vec<Patch>, SpliceError> {
        let node = found.node;
        let Properties { start, tag: written, .. } = properties(self.src(), node)?;
        let implied = match value {
            Value::Null => "!!null",
            Value::Bool(_) => "!!bool",
            Value::Number(text) if crate::value::parse_int(text).is_some() => "!!int",
            Value::Number(_) => "!!float",
            Value::String(_) => "!!str",
            Value::Seq(_) => "!!seq",
            Value::Map(_) => "!!map",
        };
        // A plain date reads as !!timestamp without a tag, as yq reads it.
        let implied_timestamp = matches!(&node.kind, NodeKind::Scalar { style: Style::Plain, text } if crate::expr::is_timestamp(text))
            && tag == "!!timestamp";
        let needed = tag != implied && !implied_timestamp;
        Ok(match (written, needed) {
            (Some(range), true) if &self.src()[range.clone()] == tag => Vec::new(),
            (Some(range), true) => vec![Patch { range, text: tag.to_string() }],
            (Some(range), false) => {
                // Remove the tag and the space after it.
                let end =
                    range.end + self.src()[range.end..].len() - self.src()[range.end..].trim_start_matches(' ').len();
                vec![Patch { range: range.start..end, text: String::new() }]
            }
            (None, false) => Vec::new(),
            (None, true) => match (&node.kind, found.key) {
                (NodeKind::Map { flow: false, .. } | NodeKind::Seq { flow: false, .. }, Some(key)) => {
                    let colon = self.src()[key.span.end..]
                        .find(':')
                        .map(|i| key.span.end + i + 1)
                        .ok_or_else(|| SpliceError("mapping entry without ':'".into()))?;
                    vec![Patch { range: colon..colon, text: format!(" {tag}") }]
                }
                (NodeKind::Map { flow: false, .. } | NodeKind::Seq { flow: false, .. }, None) => {
                    return Err(SpliceError(format!(
                        "a tag on this block collection ({tag}) cannot be written in place"
                    )))
                }
                _ if node.span.is_empty() => {
                    return Err(SpliceError(format!("a tag ({tag}) on an empty value cannot be written in place")))
                }
                _ => vec![Patch { range: start..start, text: format!("{tag} ") }],
            },
        })
    }

    fn line_comment(&self, found: &Found<'_, 's>, path: &[Step], text: &str) -> Result<Vec<Patch>, SpliceError> {
        if text.contains('\n') {
            return Err(SpliceError("a line comment is one line; use head_comment or foot_comment for more".into()));
        }
        if text.is_empty() && self.source.comment(path, Attribute::LineComment).is_none() {
            return Ok(Vec::new());
        }
        let node = found.node;
        let block = matches!(node.kind, NodeKind::Scalar { style: Style::Literal | Style::Folded, .. });
        let block_collection =
            matches!(node.kind, NodeKind::Map { flow: false, .. } | NodeKind::Seq { flow: false, .. });
        if block || (block_collection && found.key.is_none()) || (path.is_empty() && block_collection) {
            return Err(SpliceError(
                "a line comment here has no line of its own (a block scalar or a collection without a key)".into(),
            ));
        }
        let anchor = self.comments().line_anchor(node, found.key);
        let end = self.line_end(anchor);
        let rest = &self.src()[anchor..end];
        let existing = self.comments().comment_after(anchor).filter(|at| *at < end.max(anchor + 1));
        if existing.is_none() && !rest.trim().is_empty() {
            return Err(SpliceError(
                "the value shares its line with others (a flow collection): a comment there would hide them".into(),
            ));
        }
        Ok(match (existing, text.is_empty()) {
            (Some(at), true) => {
                let from = anchor + self.src()[anchor..at].trim_end().len();
                vec![Patch { range: from..end, text: String::new() }]
            }
            (Some(at), false) => vec![Patch { range: at..end, text: format!("# {text}") }],
            (None, true) => Vec::new(),
            (None, false) => vec![Patch { range: anchor..anchor, text: format!(" # {text}") }],
        })
    }

    fn head_comment(&self, found: &Found<'_, 's>, text: &str) -> Result<Vec<Patch>, SpliceError> {
        let owner = found.key.unwrap_or(found.node);
        let line = self.line_start(owner.span.start);
        let prefix = self.line_prefix(owner.span.start);
        let item = found.key.is_none() && prefix.trim_start().starts_with('-');
        if !(prefix.trim().is_empty() || item && prefix.trim_matches([' ', '-']).is_empty()) {
            return Err(SpliceError("a head comment needs the value to start its line".into()));
        }
        let range = self.comments().head_lines(owner);
        let indent = prefix.len() - prefix.trim_start().len();
        let lines = if text.is_empty() { String::new() } else { self.comment_lines(text, indent) };
        Ok(if range.is_empty() {
            if lines.is_empty() {
                Vec::new()
            } else {
                vec![Patch { range: line..line, text: lines }]
            }
        } else {
            vec![Patch { range, text: lines }]
        })
    }

    fn foot_comment(&self, found: &Found<'_, 's>, text: &str) -> Vec<Patch> {
        let range = self.comments().foot_lines(found.node, found.key);
        let owner = found.key.unwrap_or(found.node);
        let line = self.line_start(owner.span.start);
        let indent =
            self.column(owner.span.start).min(self.src()[line..].len() - self.src()[line..].trim_start().len());
        let lines = if text.is_empty() { String::new() } else { self.comment_lines(text, indent) };
        if range.is_empty() && lines.is_empty() {
            return Vec::new();
        }
        if range.is_empty() && range.start == self.src().len() && !self.src().ends_with('\n') {
            return vec![Patch { range: range.clone(), text: format!("{}{lines}", self.layout.eol) }];
        }
        vec![Patch { range, text: lines }]
    }

    /// The comment lines before a document's content: from its start (after `---`) up to its
    /// root's line, the blank lines among them included.
    fn document_head_lines(&self) -> Range<usize> {
        let doc = &self.stream.docs[self.index];
        let root_line = self.line_start(doc.root.span.start.max(doc.start));
        // After the `---` line, if the document has one.
        let marker_line = !self.src()[self.line_start(doc.start)..doc.start].trim().is_empty();
        let start = if marker_line { self.next_line(doc.start) } else { self.line_start(doc.start) };
        start.min(root_line)..root_line
    }

    fn document_head(&self, text: &str) -> Vec<Patch> {
        let region = self.document_head_lines();
        let lines = if text.is_empty() { String::new() } else { self.comment_lines(text, 0) };
        let comments = self.comment_range(region.clone());
        match comments {
            Some(range) => vec![Patch { range, text: lines }],
            None if lines.is_empty() => Vec::new(),
            None => vec![Patch { range: region.end..region.end, text: lines }],
        }
    }

    /// From the first to the end of the last comment line in `region`, if it has any.
    fn comment_range(&self, region: Range<usize>) -> Option<Range<usize>> {
        let mut first = None;
        let mut last = region.start;
        let mut at = region.start;
        while at < region.end {
            let next = self.next_line(at).min(region.end);
            if self.src()[at..next].trim_start().starts_with('#') {
                first.get_or_insert(at);
                last = next;
            }
            at = next;
        }
        first.map(|first| first..last)
    }

    /// The lines after a document's content up to the next document (or the end): blank and
    /// comment lines only.
    fn document_foot_lines(&self) -> Range<usize> {
        let doc = &self.stream.docs[self.index];
        let content_end = doc.root.content_end(self.src()).max(doc.root.span.end);
        let start = self.next_line(content_end.saturating_sub(1)).max(content_end);
        let start =
            if content_end > 0 && self.src().as_bytes()[content_end - 1] == b'\n' { content_end } else { start };
        let mut end = start;
        while end < self.src().len() {
            let next = self.next_line(end);
            let line = self.src()[end..next].trim();
            if !(line.is_empty() || line.starts_with('#')) {
                break;
            }
            end = next;
        }
        start..end
    }

    fn document_foot(&self, text: &str) -> Vec<Patch> {
        let region = self.document_foot_lines();
        let lines = if text.is_empty() { String::new() } else { self.comment_lines(text, 0) };
        let lead = if region.start == self.src().len() && !self.src().ends_with('\n') { self.layout.eol } else { "" };
        if region.is_empty() && lines.is_empty() {
            return Vec::new();
        }
        vec![Patch { range: region, text: format!("{lead}{lines}") }]
    }
}

/// Reads a document's head comment (its leading comment lines, blank lines as empty lines; for
/// the first document, those before `---` too) and foot comment (the comment lines after its
/// content), as yq gives them for `.`.
pub fn document_comment(stream: &Stream<'_>, index: usize, which: Attribute) -> Option<String> {
    let layout = Layout { eol: "\n", indent_step: 2, json: false };
    let p = Presentation::new(stream, index, &layout);
    let range = match which {
        Attribute::HeadComment => {
            let region = p.document_head_lines();
            let from = if index == 0 { 0 } else { region.start };
            from..region.end
        }
        Attribute::FootComment => p.document_foot_lines(),
        _ => return None,
    };
    let mut lines: Vec<&str> = Vec::new();
    for line in stream.src[range].lines() {
        let line = line.trim_end_matches('\r').trim();
        if let Some(comment) = line.strip_prefix('#') {
            lines.push(comment.strip_prefix(' ').unwrap_or(comment));
        } else if line.is_empty() && which == Attribute::HeadComment && !lines.is_empty() {
            lines.push("");
        }
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Whether the written file shows each attribute as set: read back through the same
/// [`Source`] expressions read.
pub fn reads_back(stream: &Stream<'_>, index: usize, change: &AttributeChange) -> bool {
    let source = DocumentSource::new(stream, index);
    let got = match change.attribute {
        Attribute::Style => source.style(&change.path),
        Attribute::Tag => source.tag(&change.path),
        comment => source.comment(&change.path, comment),
    };
    let got = got.unwrap_or_default();
    let want = change.value.as_str();
    match change.attribute {
        Attribute::Style => {
            let node = source.find(&change.path).map(|f| f.node);
            let collection = node.is_some_and(|n| matches!(n.kind, NodeKind::Map { .. } | NodeKind::Seq { .. }));
            match (collection, want) {
                (true, "flow") => got == "flow",
                (true, _) => got.is_empty(),
                // Where a style cannot hold the text, double quotes stand in, as yq's writer does.
                (false, "" | "flow") => got.is_empty() || got == "double" || got == "single",
                (false, _) => got == want || got == "double",
            }
        }
        // A tag the value's type implies is not written.
        Attribute::Tag => {
            got == want
                || got.is_empty()
                    && source.find(&change.path).is_some_and(|f| stream.value_of(f.node).type_name() == want)
        }
        _ => got.trim_end_matches('\n') == want.trim_end_matches('\n'),
    }
}
