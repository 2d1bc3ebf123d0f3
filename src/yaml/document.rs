//! A light YAML tree over the source bytes: every node keeps its byte span, style, tag and
//! anchor, so later stages can change exactly the bytes of one value.
//!
//! Parsing is granit-parser's; this module only assembles its span-carrying events into a tree.

use std::borrow::Cow;
use std::ops::Range;

use granit_parser::{Event, Parser, ScalarStyle, StructureStyle};

use crate::value::{Map, ScalarType, Value};

/// How a scalar is written in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// `'…'`.
    SingleQuoted,
    /// `"…"`.
    DoubleQuoted,
    /// `|` block.
    Literal,
    /// `>` block.
    Folded,
}

/// A node's explicit tag, as written (`!!str`, `!Ref`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeTag {
    /// The resolved tag handle (`tag:yaml.org,2002:` for `!!`).
    pub handle: String,
    /// The tag suffix (`str`, `int`, …).
    pub suffix: String,
}

impl NodeTag {
    /// The core-schema type the tag forces (`str`, `int`, `float`, `bool`, `null`, `map`, `seq`),
    /// if it is a core-schema tag.
    pub fn core(&self) -> Option<&str> {
        (self.handle == "tag:yaml.org,2002:").then_some(self.suffix.as_str())
    }
}

/// What a node is.
#[derive(Clone, Debug)]
pub enum NodeKind<'s> {
    /// A scalar with its decoded text.
    Scalar {
        /// The scalar's content after YAML escape processing and line folding (borrowed from
        /// the source where it is written as it reads).
        text: Cow<'s, str>,
        /// How it is written.
        style: Style,
    },
    /// A sequence.
    Seq {
        /// `[…]` rather than `- ` items.
        flow: bool,
        /// The items in order.
        items: Vec<Node<'s>>,
    },
    /// A mapping.
    Map {
        /// `{…}` rather than `key: value` lines.
        flow: bool,
        /// Key and value nodes in order.
        entries: Vec<(Node<'s>, Node<'s>)>,
    },
    /// `*name`: a reference to an anchored node.
    Alias {
        /// The anchor id it refers to.
        target: usize,
    },
}

/// One node of the tree.
#[derive(Clone, Debug)]
pub struct Node<'s> {
    /// What the node is.
    pub kind: NodeKind<'s>,
    /// The node's content bytes: a scalar's text with its quotes, a flow collection from its
    /// opening to its closing bracket, a block collection from its first to its last content
    /// byte (see [`Node::content_end`]). An empty scalar has an empty span.
    pub span: Range<usize>,
    /// The anchor id defined on this node, or 0.
    pub anchor: usize,
    /// The explicit tag, if any.
    pub tag: Option<Box<NodeTag>>,
}

impl Node<'_> {
    /// Whether this is a scalar with no text in the source (`key:` with nothing after it).
    pub fn is_empty_scalar(&self) -> bool {
        matches!(self.kind, NodeKind::Scalar { .. }) && self.span.is_empty()
    }

    /// The offset just past the node's last content byte: for block collections, the end of
    /// their last descendant; for block scalars, the end of their last non-blank line's break.
    pub fn content_end(&self, src: &str) -> usize {
        match &self.kind {
            NodeKind::Seq { flow: false, items } => items.last().map_or(self.span.end, |n| n.content_end(src)),
            NodeKind::Map { flow: false, entries } => entries.last().map_or(self.span.end, |(_, v)| {
                // An empty value sits at its `:`, which is still content.
                let colon = usize::from(v.is_empty_scalar() && src[v.span.start..].starts_with(':'));
                v.content_end(src).max(v.span.start + colon)
            }),
            NodeKind::Scalar { style: Style::Literal | Style::Folded, .. } => block_scalar_body_end(src, &self.span),
            _ => self.span.end,
        }
    }
}

/// Where a block scalar's own lines end, leaving trailing blank lines (which its span includes)
/// outside.
pub fn block_scalar_body_end(src: &str, span: &Range<usize>) -> usize {
    let body = &src[span.clone()];
    let trimmed = body.trim_end_matches(['\n', '\r', ' ', '\t']);
    let mut end = span.start + trimmed.len();
    // Keep the line break that ends the last content line.
    let rest = &src[end..span.end];
    if rest.starts_with("\r\n") {
        end += 2;
    } else if rest.starts_with('\n') {
        end += 1;
    }
    end
}

/// One document of a stream.
#[derive(Clone, Debug)]
pub struct Document<'s> {
    /// The root node (an empty scalar for a document with no content).
    pub root: Node<'s>,
    /// The byte where the document's content starts (after `---`, if any).
    pub start: usize,
}

/// A parsed YAML (or JSON) stream with its source.
#[derive(Debug)]
pub struct Stream<'s> {
    /// The source text.
    pub src: &'s str,
    /// The documents in order; a file with no content has one empty document.
    pub docs: Vec<Document<'s>>,
    anchors: ById<Node<'s>>,
    aliased: ById<()>,
}

/// Values by anchor id. The parser numbers anchors from 1 up, so the ids are small and dense:
/// a vector indexed by id serves where a hash map would.
#[derive(Debug)]
struct ById<T>(Vec<Option<T>>);

impl<T> ById<T> {
    fn new() -> Self {
        ById(Vec::new())
    }

    fn get(&self, id: usize) -> Option<&T> {
        self.0.get(id).and_then(Option::as_ref)
    }

    fn insert(&mut self, id: usize, value: T) {
        if self.0.len() <= id {
            self.0.resize_with(id + 1, || None);
        }
        self.0[id] = Some(value);
    }
}

/// A YAML syntax error with its 1-based position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// What the parser found.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.col, self.message)
    }
}

enum Open<'s> {
    Seq {
        start: usize,
        flow: bool,
        anchor: usize,
        tag: Option<Box<NodeTag>>,
        items: Vec<Node<'s>>,
    },
    Map {
        start: usize,
        flow: bool,
        anchor: usize,
        tag: Option<Box<NodeTag>>,
        entries: Vec<(Node<'s>, Node<'s>)>,
        key: Option<Node<'s>>,
    },
}

impl Open<'_> {
    fn anchor(&self) -> usize {
        match self {
            Open::Seq { anchor, .. } | Open::Map { anchor, .. } => *anchor,
        }
    }
}

/// How many more values than the source writes its aliases may expand to: past this, a
/// document is refused as an alias bomb (go-yaml likewise refuses "excessive aliasing").
pub const MAX_ALIAS_EXPANSION: u64 = 1_000_000;

impl<'s> Stream<'s> {
    /// Parses every document of `src`.
    pub fn parse(src: &'s str) -> Result<Self, SyntaxError> {
        let options = granit_parser::options! { emit_anchor_events: true };
        let mut docs = Vec::new();
        let mut anchors = ById::new();
        let mut aliased = ById::new();
        let mut stack: Vec<Open> = Vec::new();
        let mut doc_start = 0;
        let mut root: Option<Node<'s>> = None;
        // Values each anchored node stands for once aliases are expanded, open collections'
        // running totals, and how many values aliases add in all.
        let mut weights: ById<u64> = ById::new();
        let mut open_weights: Vec<u64> = Vec::new();
        let mut expansion: u64 = 0;
        for event in Parser::new_from_str_with_options(src, options) {
            let (event, span) = event.map_err(|e| SyntaxError {
                message: e.info(),
                line: e.marker().line(),
                col: e.marker().col() + 1,
            })?;
            let range = span.byte_range().unwrap_or(0..0);
            let complete = match event {
                Event::DocumentStart(..) => {
                    doc_start = range.end;
                    None
                }
                Event::DocumentEnd => {
                    let root = root.take().unwrap_or_else(|| empty_scalar(doc_start));
                    docs.push(Document { root, start: doc_start });
                    None
                }
                Event::Scalar(text, style, anchor, tag) => Some(Node {
                    kind: NodeKind::Scalar { text: written_text(text, &range), style: convert_style(style) },
                    span: range,
                    anchor,
                    tag: tag.map(|t| convert_tag(&t)),
                }),
                Event::Alias(target) => {
                    let refuse =
                        |message: String| SyntaxError { message, line: span.start.line(), col: span.start.col() + 1 };
                    if stack.iter().any(|open| open.anchor() == target) {
                        return Err(refuse(format!(
                            "{} refers to the node it is in (a recursive alias)",
                            &src[range.clone()]
                        )));
                    }
                    expansion = expansion.saturating_add(weights.get(target).copied().unwrap_or(1));
                    if expansion > MAX_ALIAS_EXPANSION {
                        return Err(refuse(format!(
                            "aliases expand to more than {MAX_ALIAS_EXPANSION} values (an alias bomb?)"
                        )));
                    }
                    aliased.insert(target, ());
                    Some(Node { kind: NodeKind::Alias { target }, span: range, anchor: 0, tag: None })
                }
                Event::SequenceStart(style, anchor, tag) => {
                    open_weights.push(1);
                    stack.push(Open::Seq {
                        start: range.start,
                        flow: style == StructureStyle::Flow,
                        anchor,
                        tag: tag.map(|t| convert_tag(&t)),
                        items: Vec::new(),
                    });
                    None
                }
                Event::MappingStart(style, anchor, tag) => {
                    open_weights.push(1);
                    stack.push(Open::Map {
                        start: range.start,
                        flow: style == StructureStyle::Flow,
                        anchor,
                        tag: tag.map(|t| convert_tag(&t)),
                        entries: Vec::new(),
                        key: None,
                    });
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => stack.pop().map(|open| close(open, range, src)),
                Event::Anchor(..) => None,
                Event::UnresolvedAlias(name) => {
                    return Err(SyntaxError {
                        message: format!("unknown anchor *{name}"),
                        line: span.start.line(),
                        col: span.start.col() + 1,
                    })
                }
                _ => None,
            };
            if let Some(node) = complete {
                let weight = match &node.kind {
                    NodeKind::Alias { target } => weights.get(*target).copied().unwrap_or(1),
                    NodeKind::Scalar { .. } => 1,
                    NodeKind::Seq { .. } | NodeKind::Map { .. } => open_weights.pop().unwrap_or(1),
                };
                if let Some(parent) = open_weights.last_mut() {
                    *parent = parent.saturating_add(weight);
                }
                if node.anchor != 0 {
                    weights.insert(node.anchor, weight);
                    anchors.insert(node.anchor, node.clone());
                }
                match stack.last_mut() {
                    Some(Open::Seq { items, .. }) => items.push(node),
                    Some(Open::Map { entries, key, .. }) => match key.take() {
                        Some(k) => entries.push((k, node)),
                        None => *key = Some(node),
                    },
                    None => root = Some(node),
                }
            }
        }
        if docs.is_empty() {
            // An empty (or comment-only) file is one empty document, as yq reads it.
            docs.push(Document { root: empty_scalar(src.len()), start: src.len() });
        }
        Ok(Stream { src, docs, anchors, aliased })
    }

    /// The data a node stands for.
    pub fn value_of(&self, node: &Node) -> Value {
        self.value_at_depth(node, 0)
    }

    fn value_at_depth(&self, node: &Node, depth: usize) -> Value {
        match &node.kind {
            NodeKind::Scalar { text, style } => scalar_value(text, *style, node.tag.as_deref()),
            NodeKind::Seq { items, .. } => Value::Seq(items.iter().map(|n| self.value_at_depth(n, depth)).collect()),
            NodeKind::Map { entries, .. } => {
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(self.key_text(k).to_string(), self.value_at_depth(v, depth));
                }
                Value::Map(map)
            }
            // Aliases nest at most as deep as anchors do; the bound stops alias bombs.
            NodeKind::Alias { target } => match self.anchors.get(*target) {
                Some(anchored) if depth < 64 => self.value_at_depth(anchored, depth + 1),
                _ => Value::Null,
            },
        }
    }

    /// Whether a node holds exactly `value`: [`Stream::value_of`]`(node) == *value`, without
    /// building the value.
    pub fn holds(&self, node: &Node, value: &Value) -> bool {
        self.holds_at_depth(node, value, 0)
    }

    fn holds_at_depth(&self, node: &Node, value: &Value, depth: usize) -> bool {
        match (&node.kind, value) {
            (NodeKind::Scalar { text, style }, _) => scalar_is(text, *style, node.tag.as_deref(), value),
            (NodeKind::Seq { items, .. }, Value::Seq(values)) => {
                items.len() == values.len() && items.iter().zip(values).all(|(n, v)| self.holds_at_depth(n, v, depth))
            }
            (NodeKind::Map { entries, .. }, Value::Map(map)) => {
                // Repeated keys collapse in the data; compare through the built value then.
                if entries.len() != map.len() {
                    return self.value_of(node) == *value;
                }
                entries
                    .iter()
                    .zip(map.iter())
                    .all(|((k, n), (key, v))| self.key_text(k) == *key && self.holds_at_depth(n, v, depth))
            }
            (NodeKind::Alias { target }, _) => match self.anchors.get(*target) {
                Some(anchored) if depth < 64 => self.holds_at_depth(anchored, value, depth + 1),
                _ => *value == Value::Null,
            },
            _ => false,
        }
    }

    /// A mapping key's text, as the expression language addresses it.
    pub fn key_text<'a>(&'a self, key: &'a Node) -> &'a str {
        match &key.kind {
            NodeKind::Scalar { text, .. } => text,
            _ => &self.src[key.span.clone()],
        }
    }

    /// The node an alias stands for (itself for any other node).
    pub fn resolve<'a>(&'a self, node: &'a Node<'s>) -> &'a Node<'s> {
        match node.kind {
            NodeKind::Alias { target } => self.anchors.get(target).unwrap_or(node),
            _ => node,
        }
    }

    /// Whether an alias refers to anchor `id`.
    pub fn is_aliased(&self, id: usize) -> bool {
        id != 0 && self.aliased.get(id).is_some()
    }
}

/// Whether `src` certainly reads as the documents `expected`, checked on the parser's events
/// without building a tree. `false` means "not shown": a mismatch, a syntax error, or a form
/// this check leaves to [`Stream::parse`] and [`Stream::holds`] (repeated or non-scalar keys,
/// aliases to an anchor still open).
pub fn reads_as(src: &str, expected: &[Value]) -> bool {
    enum Frame<'v> {
        Seq { items: &'v [Value], next: usize, anchor: usize },
        Map { map: &'v Map, next: usize, value: Option<&'v Value>, anchor: usize },
    }
    impl Frame<'_> {
        fn anchor(&self) -> usize {
            match self {
                Frame::Seq { anchor, .. } | Frame::Map { anchor, .. } => *anchor,
            }
        }
    }
    let options = granit_parser::options! { emit_anchor_events: true };
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut anchors: ById<&Value> = ById::new();
    let mut docs = 0;
    let mut root_seen = false;
    for event in Parser::new_from_str_with_options(src, options) {
        let Ok((event, span)) = event else { return false };
        let range = span.byte_range().unwrap_or(0..0);
        // A node event at a key position is a key; everywhere else it is a value, whose expected
        // data is found here.
        let is_node =
            matches!(event, Event::Scalar(..) | Event::Alias(_) | Event::SequenceStart(..) | Event::MappingStart(..));
        if is_node {
            if let Some(Frame::Map { map, next, value: value @ None, .. }) = stack.last_mut() {
                let Event::Scalar(text, ..) = &event else { return false };
                match map.get_index(*next) {
                    Some((key, v)) if *key == written_text(Cow::Borrowed(text), &range) => *value = Some(v),
                    _ => return false,
                }
                *next += 1;
                continue;
            }
        }
        let want = if is_node {
            match stack.last_mut() {
                None if !root_seen && docs < expected.len() => {
                    root_seen = true;
                    &expected[docs]
                }
                None => return false,
                Some(Frame::Seq { items, next, .. }) => {
                    let Some(item) = items.get(*next) else { return false };
                    *next += 1;
                    item
                }
                Some(Frame::Map { value, .. }) => {
                    let Some(value) = value.take() else { return false };
                    value
                }
            }
        } else {
            &Value::Null
        };
        match event {
            Event::DocumentEnd => {
                // A document with no node reads as null.
                if !root_seen && expected.get(docs) != Some(&Value::Null) {
                    return false;
                }
                docs += 1;
                root_seen = false;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| convert_tag(&t));
                if !scalar_is(&written_text(text, &range), convert_style(style), tag.as_deref(), want) {
                    return false;
                }
                if anchor != 0 {
                    anchors.insert(anchor, want);
                }
            }
            Event::Alias(target)
                if stack.iter().any(|frame| frame.anchor() == target) || anchors.get(target) != Some(&want) =>
            {
                return false;
            }
            Event::SequenceStart(_, anchor, _) => {
                let Value::Seq(items) = want else { return false };
                if anchor != 0 {
                    anchors.insert(anchor, want);
                }
                stack.push(Frame::Seq { items, next: 0, anchor });
            }
            Event::MappingStart(_, anchor, _) => {
                let Value::Map(map) = want else { return false };
                if anchor != 0 {
                    anchors.insert(anchor, want);
                }
                stack.push(Frame::Map { map, next: 0, value: None, anchor });
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq { items, next, .. }) if next == items.len() => {}
                Some(Frame::Map { map, next, value: None, .. }) if next == map.len() => {}
                _ => return false,
            },
            _ => {}
        }
    }
    docs == expected.len()
}

/// A scalar event's text as the document holds it: empty for a node with nothing written, for
/// which the parser reports placeholder text.
fn written_text<'s>(text: Cow<'s, str>, range: &Range<usize>) -> Cow<'s, str> {
    if range.is_empty() {
        Cow::Borrowed("")
    } else {
        text
    }
}

fn empty_scalar<'s>(at: usize) -> Node<'s> {
    Node { kind: NodeKind::Scalar { text: Cow::Borrowed(""), style: Style::Plain }, span: at..at, anchor: 0, tag: None }
}

fn close<'s>(open: Open<'s>, end: Range<usize>, src: &str) -> Node<'s> {
    match open {
        Open::Seq { start, flow, anchor, tag, items } => {
            let mut node = Node { kind: NodeKind::Seq { flow, items }, span: start..end.end, anchor, tag };
            if !flow {
                node.span.end = node.content_end(src).max(start);
            }
            node
        }
        Open::Map { start, flow, anchor, tag, entries, .. } => {
            let mut node = Node { kind: NodeKind::Map { flow, entries }, span: start..end.end, anchor, tag };
            if !flow {
                node.span.end = node.content_end(src).max(start);
            }
            node
        }
    }
}

fn convert_tag(tag: &granit_parser::Tag) -> Box<NodeTag> {
    Box::new(NodeTag { handle: tag.handle().to_string(), suffix: tag.suffix().to_string() })
}

fn convert_style(style: ScalarStyle) -> Style {
    match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}

/// The value of a scalar, from its text, style and tag (YAML 1.2 core schema, as yq reads it).
pub fn scalar_value(text: &str, style: Style, tag: Option<&NodeTag>) -> Value {
    scalar_type(text, style, tag).value(text)
}

/// Whether a scalar stands for `value`: [`scalar_value`]`(text, style, tag) == *value`, without
/// building the value.
pub fn scalar_is(text: &str, style: Style, tag: Option<&NodeTag>, value: &Value) -> bool {
    scalar_type(text, style, tag).is(text, value)
}

fn scalar_type(text: &str, style: Style, tag: Option<&NodeTag>) -> ScalarType {
    match tag.and_then(NodeTag::core) {
        Some("str") => return ScalarType::String,
        Some("int" | "float") => return ScalarType::Number,
        Some("null") => return ScalarType::Null,
        Some("bool") => {
            if let bool @ ScalarType::Bool(_) = ScalarType::of_plain(text) {
                return bool;
            }
        }
        _ => {}
    }
    match style {
        // A custom tag (`!horse 1.2`) is read as what its text is, as yq guesses it
        // (pkg/yqlib/candidate_node.go guessTagFromCustomType).
        Style::Plain if tag.is_none_or(|t| t.core().is_none()) => ScalarType::of_plain(text),
        _ => ScalarType::String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Stream<'_> {
        Stream::parse(src).expect("parses")
    }

    #[test]
    fn builds_tree_with_spans_styles_and_anchors() {
        let src = "a: &x 1\nb: *x\nc: 'q'\nd: [1, \"2\"]\ne:\n";
        let stream = parse(src);
        assert_eq!(stream.docs.len(), 1);
        let NodeKind::Map { entries, flow: false } = &stream.docs[0].root.kind else { panic!("map") };
        assert_eq!(entries.len(), 5);
        assert_eq!(&src[entries[0].1.span.clone()], "1");
        assert_eq!(entries[0].1.anchor, 1);
        assert!(matches!(entries[1].1.kind, NodeKind::Alias { target: 1 }));
        assert_eq!(&src[entries[2].1.span.clone()], "'q'");
        assert_eq!(&src[entries[3].1.span.clone()], "[1, \"2\"]");
        assert!(entries[4].1.is_empty_scalar());
        let value = stream.value_of(&stream.docs[0].root);
        let Value::Map(map) = value else { panic!() };
        assert_eq!(map.get("b"), Some(&Value::Number("1".into())));
        assert_eq!(map.get("c"), Some(&Value::String("q".into())));
        assert_eq!(map.get("d"), Some(&Value::Seq(vec![Value::Number("1".into()), Value::String("2".into())])));
        assert_eq!(map.get("e"), Some(&Value::Null));
    }

    #[test]
    fn block_collection_span_ends_at_last_content() {
        let src = "a:\n  b: 1 # c\n  d: |\n    x\n\n# tail\ne: 2\n";
        let stream = parse(src);
        let NodeKind::Map { entries, .. } = &stream.docs[0].root.kind else { panic!() };
        let inner = &entries[0].1;
        assert_eq!(&src[inner.span.clone()], "b: 1 # c\n  d: |\n    x\n");
    }

    #[test]
    fn multi_document_and_empty_documents() {
        let stream = parse("---\na: 1\n---\n---\nb: 2\n");
        assert_eq!(stream.docs.len(), 3);
        assert!(stream.docs[1].root.is_empty_scalar());
        assert!(parse("").docs[0].root.is_empty_scalar());
        assert_eq!(parse("# only a comment\n").docs[0].root.span, 17..17);
    }

    #[test]
    fn tags_force_types() {
        let stream = parse("a: !!str 12\nb: !!int '7'\nc: !custom x\n");
        let Value::Map(map) = stream.value_of(&stream.docs[0].root) else { panic!() };
        assert_eq!(map.get("a"), Some(&Value::String("12".into())));
        assert_eq!(map.get("b"), Some(&Value::Number("7".into())));
        assert_eq!(map.get("c"), Some(&Value::String("x".into())));
        // A custom tag reads the text as what it is.
        let stream = parse("a: !horse 1.2\nb: !horse '1.2'\n");
        let Value::Map(map) = stream.value_of(&stream.docs[0].root) else { panic!() };
        assert_eq!(map.get("a"), Some(&Value::Number("1.2".into())));
        assert_eq!(map.get("b"), Some(&Value::String("1.2".into())));
    }

    #[test]
    fn recursive_aliases_and_alias_bombs_are_refused() {
        let err = Stream::parse("a: &x\n  b: *x\n").unwrap_err();
        assert!(err.message.contains("recursive alias"), "{err}");
        let mut bomb = String::from("l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n");
        for i in 1..7 {
            bomb.push_str(&format!("l{i}: &l{i} [{}]\n", vec![format!("*l{}", i - 1); 10].join(", ")));
        }
        let err = Stream::parse(&bomb).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err}");
        assert!(Stream::parse("a: &a {x: 1}\nb: *a\nc: *a\n").is_ok());
    }

    #[test]
    fn reads_as_checks_events_against_the_data() {
        let read = |src: &str| {
            let stream = parse(src);
            stream.docs.iter().map(|d| stream.value_of(&d.root)).collect::<Vec<_>>()
        };
        let src = "a: &x {b: 1, c: [t, 'u', \"\"]}\nd: *x\ne: !!str 12\nf:\n---\n- x\n---\n";
        let data = read(src);
        assert!(reads_as(src, &data));
        // Any difference in the data, the number of documents or the keys is not shown.
        assert!(!reads_as("a: &x {b: 1, c: [t, 'u', \"\"]}\nd: *x\ne: 12\nf:\n---\n- x\n---\n", &data));
        assert!(!reads_as(src, &data[..2]));
        assert!(!reads_as("a: 1\nc: 2\n", &read("a: 1\nb: 2\n")));
        assert!(!reads_as("a: [1, 2]\n", &read("a: [1]\n")));
        assert!(!reads_as("a: [1]\n", &read("a: [1, 2]\n")));
        assert!(!reads_as("a: {b: 1}\n", &read("a: [b]\n")));
        assert!(!reads_as("a: 'unclosed\n", &read("a: x\n")));
        // Forms left to the tree: repeated keys, non-scalar keys.
        assert!(!reads_as("a: 1\na: 2\n", &read("a: 1\na: 2\n")));
        assert!(!reads_as("? [a]\n: 1\n", &read("? [a]\n: 1\n")));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = Stream::parse("a: 1\n  b: 2\n").unwrap_err();
        assert_eq!((err.line, err.col), (2, 4));
    }
}
