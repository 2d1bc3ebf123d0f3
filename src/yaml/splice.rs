//! Turns tree edits into byte patches on the original source, writing new text in the file's
//! own conventions (indentation, line ending, block or flow style, JSON quoting), and applies them.

use std::ops::Range;

use crate::value::Value;

use super::diff::{Edit, Slot};
use super::document::{block_scalar_body_end, Node, NodeKind, Style};
use super::scalar::{double_quoted, plain_is_safe, render, Context};

/// The conventions new text follows, read off the file.
#[derive(Clone, Debug)]
pub struct Layout {
    /// `"\n"` or `"\r\n"`.
    pub eol: &'static str,
    /// Spaces per nesting level for new nested block collections.
    pub indent_step: usize,
    /// Whether the file is JSON (every string and key double-quoted).
    pub json: bool,
}

impl Layout {
    /// Reads the line ending from the first line break; the indent step is given by the caller.
    pub fn detect(src: &str, indent_step: usize, json: bool) -> Self {
        let eol = match src.find('\n') {
            Some(i) if i > 0 && src.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        Layout { eol, indent_step, json }
    }
}

/// A byte range of the source and the text that replaces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patch {
    /// The bytes replaced (empty for an insertion).
    pub range: Range<usize>,
    /// The new text.
    pub text: String,
}

/// An edit the splicer cannot express without touching bytes it must keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpliceError(pub String);

/// The patches that perform `edit` on `src`.
pub fn patches_for(src: &str, edit: &Edit<'_>, layout: &Layout) -> Result<Vec<Patch>, SpliceError> {
    let w = Writer { src, layout };
    match edit {
        Edit::SetScalar { node, value, context } => w.set_scalar(node, value, *context),
        Edit::ReplaceNode { node, slot, value, context } => w.replace_node(node, *slot, value, *context),
        Edit::InsertKey { map, key, value } => w.insert_key(map, key, value),
        Edit::DeleteKey { map, index } => w.delete_key(map, *index),
        Edit::AppendItems { seq, values } => w.append_items(seq, values),
        Edit::DeleteItem { seq, index } => w.delete_item(seq, *index),
    }
}

/// Applies non-overlapping patches to `src`.
pub fn apply(src: &str, mut patches: Vec<Patch>) -> Result<String, SpliceError> {
    patches.sort_by_key(|p| (p.range.start, p.range.end));
    let mut out = String::with_capacity(src.len() + patches.iter().map(|p| p.text.len()).sum::<usize>());
    let mut at = 0;
    for patch in &patches {
        if patch.range.start < at {
            return Err(SpliceError("two edits overlap; apply them in separate steps".into()));
        }
        out.push_str(&src[at..patch.range.start]);
        out.push_str(&patch.text);
        at = patch.range.end;
    }
    out.push_str(&src[at..]);
    Ok(out)
}

struct Writer<'a> {
    src: &'a str,
    layout: &'a Layout,
}

impl Writer<'_> {
    fn patch(range: Range<usize>, text: impl Into<String>) -> Vec<Patch> {
        vec![Patch { range, text: text.into() }]
    }

    fn line_start(&self, at: usize) -> usize {
        self.src[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    fn column(&self, at: usize) -> usize {
        self.src[self.line_start(at)..at].chars().count()
    }

    /// The offset after the line break ending the line that `at` is on (or `at` itself when it
    /// already starts a line); `None` when that line is the last and has no break.
    fn after_line(&self, at: usize) -> Option<usize> {
        if at == 0 || self.src.as_bytes()[at - 1] == b'\n' {
            return Some(at);
        }
        self.src[at..].find('\n').map(|i| at + i + 1)
    }

    /// Where new lines go after the content ending at `end`, and the text to put first (a line
    /// break when the file ends without one).
    fn insertion_after(&self, end: usize) -> (usize, &'static str) {
        match self.after_line(end) {
            Some(at) => (at, ""),
            None => (self.src.len(), self.layout.eol),
        }
    }

    fn key_text(&self, key: &str) -> String {
        if self.layout.json || !plain_is_safe(key, Context::Block) {
            double_quoted(key, self.layout.json)
        } else {
            key.to_string()
        }
    }

    fn set_scalar(&self, node: &Node, value: &Value, context: Context) -> Result<Vec<Patch>, SpliceError> {
        let style = match &node.kind {
            NodeKind::Scalar { style, .. } => *style,
            _ => Style::Plain,
        };
        if matches!(style, Style::Literal | Style::Folded) {
            return self.set_block_scalar(node, style, value);
        }
        let text = render(value, style, context, self.layout.json);
        if node.span.is_empty() {
            // `key:` with no value: the empty scalar sits at the `:`.
            let at = node.span.start;
            return Ok(if self.src[at..].starts_with(':') {
                Self::patch(at + 1..at + 1, format!(" {text}"))
            } else {
                let spaced = at > 0 && !self.src.as_bytes()[at - 1].is_ascii_whitespace();
                Self::patch(at..at, if spaced { format!(" {text}") } else { text })
            });
        }
        Ok(Self::patch(node.span.clone(), text))
    }

    /// A new value for a `|` or `>` scalar: the header stays, the body lines are rewritten at the
    /// body's indentation, and trailing blank lines stay where they were.
    fn set_block_scalar(&self, node: &Node, style: Style, value: &Value) -> Result<Vec<Patch>, SpliceError> {
        let header_at = self.src[..node.span.start]
            .rfind(['|', '>'])
            .ok_or_else(|| SpliceError("block scalar without a header".into()))?;
        let header_end = header_at + self.src[header_at..].find(['\n', '\r', ' ', '#']).unwrap_or(1);
        let header = &self.src[header_at..header_end];
        let body_end = block_scalar_body_end(self.src, &node.span);
        let body_start = self.line_start(node.span.start);
        let Value::String(text) = value else {
            let plain = render(value, Style::Plain, Context::Block, false);
            return Ok(Self::patch(header_at..body_end, format!("{plain}{}", self.layout.eol)));
        };
        let content = text.trim_end_matches('\n');
        let trailing = text.len() - content.len();
        let folds = style == Style::Folded && content.contains('\n');
        // What a block scalar cannot hold as written: line breaks of other kinds (\r, NEL, LS,
        // PS), a BOM, control characters, leading indentation, or more than one final break.
        let unwritable = content.chars().any(|c| {
            (c.is_control() && c != '\t' && c != '\n') || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
        });
        if content.is_empty() || folds || unwritable || trailing > 1 || content.starts_with([' ', '\t']) {
            let quoted = double_quoted(text, false);
            return Ok(Self::patch(header_at..body_end, format!("{quoted}{}", self.layout.eol)));
        }
        let indent = " ".repeat(self.column(node.span.start));
        let mut body = String::new();
        for line in content.split('\n') {
            if !line.is_empty() {
                body.push_str(&indent);
                body.push_str(line);
            }
            body.push_str(self.layout.eol);
        }
        let chomp = if trailing == 0 { "-" } else { "" };
        let indicator_pos = header.find(['-', '+']);
        let current = indicator_pos.map_or("", |i| &header[i..=i]);
        let mut patches = Self::patch(body_start..body_end, body);
        if current != chomp {
            let new_header = match indicator_pos {
                Some(i) => format!("{}{chomp}{}", &header[..i], &header[i + 1..]),
                None => format!("{header}{chomp}"),
            };
            patches.push(Patch { range: header_at..header_end, text: new_header });
        }
        Ok(patches)
    }

    fn replace_node(
        &self,
        node: &Node,
        slot: Slot<'_>,
        value: &Value,
        context: Context,
    ) -> Result<Vec<Patch>, SpliceError> {
        let is_collection = matches!(value, Value::Map(_) | Value::Seq(_));
        let block_node = matches!(node.kind, NodeKind::Map { flow: false, .. } | NodeKind::Seq { flow: false, .. });
        if !is_collection && !block_node {
            return self.set_scalar(node, value, context);
        }
        let end = node.content_end(self.src).max(node.span.end);
        let flow = self.layout.json || context == Context::Flow || empty_collection(value);
        if !is_collection || flow {
            let text =
                if is_collection { self.flow(value) } else { render(value, Style::Plain, context, self.layout.json) };
            return Ok(match slot {
                Slot::MapValue { key } if block_node => {
                    let colon = self.colon_after(key)?;
                    // The content ends with its line break; keep one.
                    let keep_eol = if self.src[..end].ends_with('\n') { self.layout.eol } else { "" };
                    Self::patch(colon + 1..end, format!(" {text}{keep_eol}"))
                }
                _ => Self::patch(node.span.start..end.max(node.span.start), text),
            });
        }
        // A block collection written where a scalar or another collection was.
        let keep_eol = self.src[..end].ends_with('\n');
        let eol = self.layout.eol;
        Ok(match slot {
            Slot::Root => {
                let mut text = self.block(value, 0);
                if node.span.is_empty() {
                    // An empty document: start on a line of its own.
                    if self.after_line(node.span.start) != Some(node.span.start) {
                        text.insert_str(0, eol);
                    }
                } else if !keep_eol {
                    text.truncate(text.len() - eol.len());
                }
                Self::patch(node.span.start..end, text)
            }
            Slot::MapValue { key } => {
                let colon = self.colon_after(key)?;
                let indent = self.column(key.span.start) + self.layout.indent_step;
                let mut text = format!("{eol}{}", self.block(value, indent));
                if !keep_eol {
                    text.truncate(text.len() - eol.len());
                }
                Self::patch(colon + 1..end, text)
            }
            Slot::SeqItem => {
                let indent = self.column(node.span.start);
                let text = self.block(value, indent);
                let text = text[indent..].to_string();
                let text = if keep_eol { text } else { text[..text.len() - eol.len()].to_string() };
                Self::patch(node.span.start..end, text)
            }
        })
    }

    fn colon_after(&self, key: &Node) -> Result<usize, SpliceError> {
        self.src[key.span.end..]
            .find(':')
            .map(|i| key.span.end + i)
            .ok_or_else(|| SpliceError("mapping entry without ':'".into()))
    }

    fn insert_key(&self, map: &Node, key: &str, value: &Value) -> Result<Vec<Patch>, SpliceError> {
        let NodeKind::Map { flow, entries } = &map.kind else { unreachable!("insert_key on a mapping") };
        let key_text = self.key_text(key);
        if *flow || self.layout.json {
            let entry = format!("{key_text}: {}", self.flow_or_scalar(value, Context::Flow));
            return Ok(self.flow_insert(map, entries.last().map(|(k, v)| (k, v)), entry));
        }
        let (first_key, _) = entries.first().ok_or_else(|| SpliceError("empty block mapping".into()))?;
        let indent = self.column(first_key.span.start);
        let (at, lead) = self.insertion_after(map.content_end(self.src));
        let entry = self.block_entry(&key_text, value, indent);
        Ok(Self::patch(at..at, format!("{lead}{}{entry}", " ".repeat(indent))))
    }

    /// `key: value` + line break for a block mapping at `indent` (the key's own indentation is
    /// the caller's).
    fn block_entry(&self, key_text: &str, value: &Value, indent: usize) -> String {
        let eol = self.layout.eol;
        match value {
            Value::Map(_) | Value::Seq(_) if !empty_collection(value) => {
                format!("{key_text}:{eol}{}", self.block(value, indent + self.layout.indent_step))
            }
            _ => format!("{key_text}: {}{eol}", self.flow_or_scalar(value, Context::Block)),
        }
    }

    /// Inserts `entry` into a flow collection after `last` (its last key/value or item), or just
    /// inside the opening bracket when it is empty.
    fn flow_insert(&self, collection: &Node, last: Option<(&Node, &Node)>, entry: String) -> Vec<Patch> {
        let Some((first_of_last, last_node)) = last else {
            let open = collection.span.start + 1;
            return Self::patch(open..open, entry);
        };
        let end = last_node.span.end.max(first_of_last.span.end);
        let open_line = self.line_start(collection.span.start);
        if self.line_start(first_of_last.span.start) != open_line {
            let indent = " ".repeat(self.column(first_of_last.span.start));
            return Self::patch(end..end, format!(",{}{indent}{entry}", self.layout.eol));
        }
        Self::patch(end..end, format!(", {entry}"))
    }

    fn delete_key(&self, map: &Node, index: usize) -> Result<Vec<Patch>, SpliceError> {
        let NodeKind::Map { flow, entries } = &map.kind else { unreachable!("delete_key on a mapping") };
        let (key, value) = &entries[index];
        let value_end = value.content_end(self.src).max(value.span.end).max(key.span.end);
        if *flow || self.layout.json {
            let spans: Vec<Range<usize>> =
                entries.iter().map(|(k, v)| k.span.start..v.span.end.max(k.span.end)).collect();
            return Ok(self.flow_delete(&spans, index));
        }
        if entries.len() == 1 {
            return Ok(self.empty_block_collection(map, value_end, "{}"));
        }
        let start = self.line_start(key.span.start);
        if self.src[start..key.span.start].trim().is_empty() {
            let end = self.after_line(value_end).unwrap_or(self.src.len());
            return Ok(Self::patch(start..end, ""));
        }
        // The first entry of a `- key: value` item: the next key moves up beside the dash.
        let Some((next, _)) = entries.get(index + 1) else {
            return Err(SpliceError("a mapping entry that does not start its line".into()));
        };
        Ok(Self::patch(key.span.start..next.span.start, ""))
    }

    /// Replaces the only entry of a block collection with an empty flow collection, next to its
    /// parent's `:` or `-` when there is one.
    fn empty_block_collection(&self, collection: &Node, end: usize, empty: &str) -> Vec<Patch> {
        let end = self.src[..end].strip_suffix('\n').map_or(end, |s| s.strip_suffix('\r').unwrap_or(s).len());
        let before = self.src[..collection.span.start].trim_end();
        if before.ends_with(':') || before.ends_with('-') {
            return Self::patch(before.len()..end, format!(" {empty}"));
        }
        Self::patch(collection.span.start..end, empty.to_string())
    }

    /// Removes entry `index` of a flow collection whose entries cover `spans`, with one comma.
    fn flow_delete(&self, spans: &[Range<usize>], index: usize) -> Vec<Patch> {
        let span = &spans[index];
        if let Some(next) = spans.get(index + 1) {
            Self::patch(span.start..next.start, "")
        } else if index > 0 {
            Self::patch(spans[index - 1].end..span.end, "")
        } else {
            Self::patch(span.clone(), "")
        }
    }

    fn append_items(&self, seq: &Node, values: &[Value]) -> Result<Vec<Patch>, SpliceError> {
        let NodeKind::Seq { flow, items } = &seq.kind else { unreachable!("append_items on a sequence") };
        if *flow || self.layout.json {
            let mut patches = Vec::new();
            let text: Vec<String> = values.iter().map(|v| self.flow_or_scalar(v, Context::Flow)).collect();
            let last = items.last().map(|n| (n, n));
            patches.extend(self.flow_insert(seq, last, text.join(", ")));
            return Ok(patches);
        }
        let first = items.first().ok_or_else(|| SpliceError("empty block sequence".into()))?;
        let dash = self.dash_before(first)?;
        let indent = self.column(dash);
        let (at, lead) = self.insertion_after(seq.content_end(self.src));
        let mut text = lead.to_string();
        for value in values {
            text.push_str(&" ".repeat(indent));
            text.push_str(&self.block_item(value, indent));
        }
        Ok(Self::patch(at..at, text))
    }

    /// `- value` + line break for a block sequence whose dashes are at `indent` (the dash's own
    /// indentation is the caller's).
    fn block_item(&self, value: &Value, indent: usize) -> String {
        match value {
            Value::Map(_) if !empty_collection(value) => {
                let block = self.block(value, indent + 2);
                format!("- {}", &block[indent + 2..])
            }
            _ => format!("- {}{}", self.flow_or_scalar(value, Context::Block), self.layout.eol),
        }
    }

    fn delete_item(&self, seq: &Node, index: usize) -> Result<Vec<Patch>, SpliceError> {
        let NodeKind::Seq { flow, items } = &seq.kind else { unreachable!("delete_item on a sequence") };
        if *flow || self.layout.json {
            let spans: Vec<Range<usize>> = items.iter().map(|n| n.span.clone()).collect();
            return Ok(self.flow_delete(&spans, index));
        }
        let item = &items[index];
        let item_end = item.content_end(self.src).max(item.span.end);
        if items.len() == 1 {
            let mut seq_start = seq.clone();
            seq_start.span.start = self.dash_before(item)?;
            return Ok(self.empty_block_collection(&seq_start, item_end, "[]"));
        }
        let dash = self.dash_before(item)?;
        let start = self.line_start(dash);
        if !self.src[start..dash].trim().is_empty() {
            // `- - a` or `key: - a` forms: remove up to the next item's dash.
            let next = self.dash_before(&items[index + 1])?;
            return Ok(Self::patch(dash..next, ""));
        }
        let end = self.after_line(item_end).unwrap_or(self.src.len());
        Ok(Self::patch(start..end, ""))
    }

    /// The `-` that introduces a block sequence item.
    fn dash_before(&self, item: &Node) -> Result<usize, SpliceError> {
        let before = &self.src[..item.span.start];
        let trimmed = before.trim_end();
        if trimmed.ends_with('-') {
            return Ok(trimmed.len() - 1);
        }
        // Properties (`- &a !t x`) or a comment sit between the dash and the item.
        let line = self.line_start(item.span.start);
        let mut at = line;
        loop {
            let text = &self.src[at..];
            let indent = text.len() - text.trim_start_matches(' ').len();
            if text[indent..].starts_with('-') {
                return Ok(at + indent);
            }
            if at == 0 {
                return Err(SpliceError("sequence item without '-'".into()));
            }
            at = self.line_start(at - 1);
        }
    }

    fn flow_or_scalar(&self, value: &Value, context: Context) -> String {
        match value {
            Value::Map(_) | Value::Seq(_) => self.flow(value),
            _ => render(value, Style::Plain, context, self.layout.json),
        }
    }

    /// `value` in flow style (`{a: 1, b: [x]}`; JSON syntax in JSON files).
    fn flow(&self, value: &Value) -> String {
        match value {
            Value::Map(map) => {
                let entries: Vec<String> = map
                    .iter()
                    .map(|(k, v)| {
                        let key = if self.layout.json || !plain_is_safe(k, Context::Flow) {
                            double_quoted(k, self.layout.json)
                        } else {
                            k.clone()
                        };
                        format!("{key}: {}", self.flow(v))
                    })
                    .collect();
                format!("{{{}}}", entries.join(", "))
            }
            Value::Seq(items) => {
                let items: Vec<String> = items.iter().map(|v| self.flow(v)).collect();
                format!("[{}]", items.join(", "))
            }
            _ => render(value, Style::Plain, Context::Flow, self.layout.json),
        }
    }

    /// `value` as block lines at `indent`, each ending with the line break.
    fn block(&self, value: &Value, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let mut out = String::new();
        match value {
            Value::Map(map) => {
                for (k, v) in map.iter() {
                    out.push_str(&pad);
                    out.push_str(&self.block_entry(&self.key_text(k), v, indent));
                }
            }
            Value::Seq(items) => {
                for v in items {
                    out.push_str(&pad);
                    out.push_str(&self.block_item(v, indent));
                }
            }
            _ => {
                out.push_str(&pad);
                out.push_str(&render(value, Style::Plain, Context::Block, false));
                out.push_str(self.layout.eol);
            }
        }
        out
    }
}

fn empty_collection(value: &Value) -> bool {
    match value {
        Value::Map(m) => m.is_empty(),
        Value::Seq(s) => s.is_empty(),
        _ => false,
    }
}
