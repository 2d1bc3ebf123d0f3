//! Turns tree edits into byte patches on the original source, writing new text in the file's
//! own conventions (indentation, line ending, block or flow style, JSON quoting), and applies them.

use std::ops::Range;

use crate::expr::{is_timestamp, Step};
use crate::sorting::sort_by;
use crate::value::Value;

use super::diff::{Edit, Slot};
use super::document::{block_scalar_body_end, Node, NodeKind, Style};
use super::render::{block_scalar, Renderer, Styles, Written};
use super::scalar::{double_quoted, render, Context};

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
    /// The conventions of `src`: its line ending (from the first line break), with the indent
    /// step the caller measured and whether it is JSON.
    pub fn of(src: &str, indent_step: usize, json: bool) -> Self {
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

/// The patches that perform `edit`, the change of the value at `steps` of its document, on
/// `src`; new text honours the styles an expression set (`styles`, by path).
pub fn patches_for(
    src: &str,
    edit: &Edit<'_>,
    steps: &[Step],
    layout: &Layout,
    styles: Option<&Styles<'_>>,
) -> Result<Vec<Patch>, SpliceError> {
    let w = Writer { src, layout, r: Renderer { layout, styles }, steps };
    match edit {
        Edit::SetScalar { node, value, context } => w.set_scalar(node, value, *context),
        Edit::ReplaceNode { node, slot, value, context } => w.replace_node(node, *slot, value, *context),
        Edit::InsertKey { map, key, value } => w.insert_key(map, key, value),
        Edit::DeleteKey { map, index } => w.delete_key(map, *index),
        Edit::AppendItems { seq, values } => w.append_items(seq, values),
        Edit::DeleteItem { seq, index } => w.delete_item(seq, *index),
    }
}

/// The patches that remove entries or items `indices` (ascending, not all of them) from a flow
/// collection: each run of neighbours goes with one comma.
pub fn flow_deletions(collection: &Node, indices: &[usize]) -> Vec<Patch> {
    let spans: Vec<Range<usize>> = match &collection.kind {
        NodeKind::Map { entries, .. } => {
            entries.iter().map(|(k, v)| k.span.start..v.span.end.max(k.span.end)).collect()
        }
        NodeKind::Seq { items, .. } => items.iter().map(|n| n.span.clone()).collect(),
        _ => return Vec::new(),
    };
    let mut patches = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let first = indices[i];
        let mut last = first;
        while i + 1 < indices.len() && indices[i + 1] == last + 1 {
            i += 1;
            last += 1;
        }
        i += 1;
        let range = if last + 1 < spans.len() {
            spans[first].start..spans[last + 1].start
        } else if first > 0 {
            spans[first - 1].end..spans[last].end
        } else {
            spans[first].start..spans[last].end
        };
        patches.push(Patch { range, text: String::new() });
    }
    patches
}

/// What is written before a node's own text: its tag and anchor (`!t &a value`).
pub struct Properties {
    /// Where they begin (the node's start when it has none).
    pub first: usize,
    /// Where the node's own text begins: a block scalar's header, else its span's start.
    pub start: usize,
    /// The tag's bytes, when one is written.
    pub tag: Option<Range<usize>>,
}

/// The properties written before `node` in `src`.
pub fn properties(src: &str, node: &Node) -> Result<Properties, SpliceError> {
    let mut start = node.span.start;
    if let NodeKind::Scalar { style: Style::Literal | Style::Folded, .. } = node.kind {
        start = src[..start].rfind(['|', '>']).ok_or_else(|| SpliceError("block scalar without a header".into()))?;
    }
    let block_collection = matches!(node.kind, NodeKind::Map { flow: false, .. } | NodeKind::Seq { flow: false, .. });
    let mut found = Properties { first: start, start, tag: None };
    if node.tag.is_none() && node.anchor == 0 {
        return Ok(found);
    }
    for _ in 0..2 {
        let before = &src[..found.first];
        let trimmed = if block_collection { before.trim_end() } else { before.trim_end_matches([' ', '\t']) };
        let token_start = trimmed.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let token = &trimmed[token_start..];
        if token.starts_with('!') && node.tag.is_some() && found.tag.is_none() {
            found.tag = Some(token_start..trimmed.len());
        } else if !(token.starts_with('&') && node.anchor != 0) {
            break;
        }
        found.first = token_start;
    }
    Ok(found)
}

/// Applies non-overlapping patches to `src`.
pub fn apply(src: &str, mut patches: Vec<Patch>) -> Result<String, SpliceError> {
    sort_by(&mut patches, |a, b| (a.range.start, a.range.end).cmp(&(b.range.start, b.range.end)));
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
    r: Renderer<'a>,
    /// Where the edited value sits in its document.
    steps: &'a [Step],
}

impl Writer<'_> {
    fn patch(range: Range<usize>, text: impl Into<String>) -> Vec<Patch> {
        vec![Patch { range, text: text.into() }]
    }

    fn line_start(&self, at: usize) -> usize {
        self.src[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    /// The column of `at`, in characters (a byte-order mark at the start of the file is not one).
    fn column(&self, at: usize) -> usize {
        let line = self.line_start(at);
        let text = &self.src[line..at];
        text.strip_prefix('\u{feff}').filter(|_| line == 0).unwrap_or(text).chars().count()
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

    /// The style an expression set on the edited value, if any.
    fn forced(&self, collection: bool) -> Option<Written> {
        self.r.styles.and_then(|styles| styles(self.steps, collection))
    }

    fn set_scalar(&self, node: &Node, value: &Value, context: Context) -> Result<Vec<Patch>, SpliceError> {
        let current = match &node.kind {
            NodeKind::Scalar { style, .. } => *style,
            _ => Style::Plain,
        };
        let style = self.forced(false).map_or(current, Written::scalar_style);
        let is_block = |s: Style| matches!(s, Style::Literal | Style::Folded);
        if is_block(current) && current == style {
            return self.set_block_scalar(node, style, value);
        }
        if is_block(style) && context == Context::Block && !self.layout.json {
            if let Some(patches) = self.new_block_scalar(node, current, style, value) {
                return Ok(patches);
            }
        }
        let style = if is_block(style) { Style::DoubleQuoted } else { style };
        let text = match (&node.kind, value) {
            // A plain date stays a plain date (yq's !!timestamp arithmetic).
            (NodeKind::Scalar { text: old, style: Style::Plain }, Value::String(new))
                if style == Style::Plain && !self.layout.json && is_timestamp(old) && is_timestamp(new) =>
            {
                new.clone()
            }
            _ => render(value, style, context, self.layout.json),
        };
        if is_block(current) {
            // A `|` or `>` scalar written as one line: header and body give way to it.
            let (header_at, _) = self.block_header(node)?;
            let body_end = block_scalar_body_end(self.src, &node.span);
            return Ok(Self::patch(header_at..body_end, format!("{text}{}", self.layout.eol)));
        }
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

    /// A one-line scalar rewritten as a `|` or `>` block scalar (the style set on it), when the
    /// text fits that style and nothing follows the scalar on its line.
    fn new_block_scalar(&self, node: &Node, current: Style, style: Style, value: &Value) -> Option<Vec<Patch>> {
        let Value::String(text) = value else { return None };
        if node.span.is_empty()
            || current != Style::Plain && !matches!(current, Style::SingleQuoted | Style::DoubleQuoted)
        {
            return None;
        }
        let line_end = self.src[node.span.end..].find('\n').map_or(self.src.len(), |i| node.span.end + i);
        if !self.src[node.span.end..line_end].trim().is_empty() {
            return None;
        }
        // Deeper than whatever owns the line: its key, or the item after `- `.
        let line = &self.src[self.line_start(node.span.start)..node.span.start];
        let owner = line.len() - line.trim_start_matches([' ', '-']).len();
        let indent = line[..owner].chars().count() + self.layout.indent_step;
        let block = block_scalar(text, style, indent, self.layout.eol)?;
        Some(Self::patch(node.span.clone(), block))
    }

    /// Where a block scalar's header (`|-`, `>2`, …) starts and ends.
    fn block_header(&self, node: &Node) -> Result<(usize, usize), SpliceError> {
        let header_at = self.src[..node.span.start]
            .rfind(['|', '>'])
            .ok_or_else(|| SpliceError("block scalar without a header".into()))?;
        let header_end = header_at + self.src[header_at..].find(['\n', '\r', ' ', '#']).unwrap_or(1);
        Ok((header_at, header_end))
    }

    /// A new value for a `|` or `>` scalar: the header stays, the body lines are rewritten at the
    /// body's indentation, and trailing blank lines stay where they were.
    fn set_block_scalar(&self, node: &Node, style: Style, value: &Value) -> Result<Vec<Patch>, SpliceError> {
        let (header_at, header_end) = self.block_header(node)?;
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
        // Flow where it must be, where the expression asked for it, and where the node was
        // flow and no other style was asked for.
        let forced = self.forced(is_collection);
        let flow = self.layout.json
            || context == Context::Flow
            || empty_collection(value)
            || forced == Some(Written::Flow)
            || (forced.is_none() && !block_node && matches!(node.kind, NodeKind::Map { .. } | NodeKind::Seq { .. }));
        let mut path = self.steps.to_vec();
        // A value of another kind (a list where a tagged scalar was) drops the old tag and anchor.
        let same_kind = matches!(
            (&node.kind, value),
            (NodeKind::Map { .. }, Value::Map(_))
                | (NodeKind::Seq { .. }, Value::Seq(_))
                | (NodeKind::Scalar { .. }, _)
        ) && !is_collection == matches!(node.kind, NodeKind::Scalar { .. });
        let first = if same_kind { node.span.start } else { properties(self.src, node)?.first };
        if !is_collection || flow {
            let text = self.r.flow_or_scalar(value, context, &mut path);
            return Ok(match slot {
                Slot::MapValue { key } if block_node => {
                    let colon = self.colon_after(key)?;
                    // The content ends with its line break; keep one, and a comment on the key's line.
                    let keep_eol = if self.src[..end].ends_with('\n') { self.layout.eol } else { "" };
                    let line_end = self.src[colon..].find(['\r', '\n']).map_or(self.src.len(), |i| colon + i);
                    let rest = &self.src[colon + 1..line_end];
                    let comment = if rest.trim_start().starts_with('#') { rest } else { "" };
                    Self::patch(colon + 1..end, format!(" {text}{comment}{keep_eol}"))
                }
                _ => Self::patch(first..end.max(node.span.start), text),
            });
        }
        // A block collection written where a scalar or another collection was.
        let keep_eol = self.src[..end].ends_with('\n');
        let eol = self.layout.eol;
        Ok(match slot {
            Slot::Root => {
                let mut text = self.r.block(value, 0, &mut path);
                if node.span.is_empty() {
                    // An empty document: start on a line of its own.
                    if self.after_line(node.span.start) != Some(node.span.start) {
                        text.insert_str(0, eol);
                    }
                } else if !keep_eol {
                    text.truncate(text.len() - eol.len());
                }
                Self::patch(first..end, text)
            }
            Slot::MapValue { key } => {
                let colon = self.colon_after(key)?;
                let indent = self.column(key.span.start) + self.layout.indent_step;
                let mut text = format!("{eol}{}", self.r.block(value, indent, &mut path));
                if !keep_eol {
                    text.truncate(text.len() - eol.len());
                }
                Self::patch(colon + 1..end, text)
            }
            Slot::SeqItem => {
                let indent = self.column(first);
                let text = self.r.block(value, indent, &mut path);
                let text = text[indent..].to_string();
                let text = if keep_eol { text } else { text[..text.len() - eol.len()].to_string() };
                Self::patch(first..end, text)
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
        let key_text = self.r.key_text(key);
        let mut path = self.steps.to_vec();
        if *flow || self.layout.json {
            let entry = format!("{key_text}: {}", self.r.flow_or_scalar(value, Context::Flow, &mut path));
            return Ok(self.flow_insert(map, entries.last().map(|(k, v)| (k, v)), entry));
        }
        let (first_key, _) = entries.first().ok_or_else(|| SpliceError("empty block mapping".into()))?;
        let indent = self.column(first_key.span.start);
        let (at, lead) = self.insertion_after(map.content_end(self.src));
        let entry = self.r.block_entry(&key_text, value, indent, &mut path);
        Ok(Self::patch(at..at, format!("{lead}{}{entry}", " ".repeat(indent))))
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
            return Ok(flow_deletions(map, &[index]));
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

    fn append_items(&self, seq: &Node, values: &[Value]) -> Result<Vec<Patch>, SpliceError> {
        let NodeKind::Seq { flow, items } = &seq.kind else { unreachable!("append_items on a sequence") };
        // The path of each new item, for the styles set on it.
        let mut path = self.steps.to_vec();
        let mut item_path = |i: usize| {
            if let Some(Step::Index(last)) = path.last_mut() {
                *last = items.len() + i;
            }
            path.clone()
        };
        if *flow || self.layout.json {
            let text: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, v)| self.r.flow_or_scalar(v, Context::Flow, &mut item_path(i)))
                .collect();
            let last = items.last().map(|n| (n, n));
            return Ok(self.flow_insert(seq, last, text.join(", ")));
        }
        let first = items.first().ok_or_else(|| SpliceError("empty block sequence".into()))?;
        let dash = self.dash_before(first)?;
        let indent = self.column(dash);
        let (at, lead) = self.insertion_after(seq.content_end(self.src));
        let mut text = lead.to_string();
        for (i, value) in values.iter().enumerate() {
            text.push_str(&" ".repeat(indent));
            text.push_str(&self.r.block_item(value, indent, &mut item_path(i)));
        }
        Ok(Self::patch(at..at, text))
    }

    fn delete_item(&self, seq: &Node, index: usize) -> Result<Vec<Patch>, SpliceError> {
        let NodeKind::Seq { flow, items } = &seq.kind else { unreachable!("delete_item on a sequence") };
        if *flow || self.layout.json {
            return Ok(flow_deletions(seq, &[index]));
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
}

fn empty_collection(value: &Value) -> bool {
    match value {
        Value::Map(m) => m.is_empty(),
        Value::Seq(s) => s.is_empty(),
        _ => false,
    }
}
