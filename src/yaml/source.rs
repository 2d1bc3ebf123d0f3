//! What expressions may read of a parsed document besides its data ([`crate::expr::Source`]):
//! each node's tag, style and comments, found by path, through aliases and merge keys.

use crate::expr::{is_timestamp, Attribute, Source, Step};

use super::document::{Node, NodeKind, Stream, Style};
use super::presentation::document_comment;

/// One document of a stream, as an expression's [`Source`].
pub struct DocumentSource<'a, 's> {
    stream: &'a Stream<'s>,
    index: usize,
    root: &'a Node<'s>,
}

/// A node found by path, with the key node of the entry it is the value of.
pub(crate) struct Found<'a, 's> {
    /// The node.
    pub node: &'a Node<'s>,
    /// The key node when the node is a map value.
    pub key: Option<&'a Node<'s>>,
}

impl<'a, 's> DocumentSource<'a, 's> {
    /// Document `index` of `stream`.
    pub fn new(stream: &'a Stream<'s>, index: usize) -> Self {
        DocumentSource { stream, index, root: &stream.docs[index].root }
    }

    /// The node at `path`, aliases followed.
    pub(crate) fn find(&self, path: &[Step]) -> Option<Found<'a, 's>> {
        let mut found = Found { node: self.stream.resolve(self.root), key: None };
        for step in path {
            found = match (&found.node.kind, step) {
                (NodeKind::Map { entries, .. }, Step::Key(k)) => {
                    let (key, value) = entries.iter().rev().find(|(key, _)| self.stream.key_text(key) == k)?;
                    Found { node: self.stream.resolve(value), key: Some(key) }
                }
                (NodeKind::Seq { items, .. }, Step::Index(i)) => {
                    Found { node: self.stream.resolve(items.get(*i)?), key: None }
                }
                _ => return None,
            };
        }
        Some(found)
    }
}

/// A tag as yq writes it: `!!str` for the core schema's, `!name` for local ones.
pub(crate) fn tag_text(handle: &str, suffix: &str) -> String {
    match handle {
        "tag:yaml.org,2002:" => format!("!!{suffix}"),
        "!" => format!("!{suffix}"),
        _ => format!("{handle}{suffix}"),
    }
}

impl Source for DocumentSource<'_, '_> {
    fn tag(&self, path: &[Step]) -> Option<String> {
        let node = self.find(path)?.node;
        if let Some(tag) = &node.tag {
            return Some(tag_text(&tag.handle, &tag.suffix));
        }
        match &node.kind {
            NodeKind::Scalar { text, style: Style::Plain } if is_timestamp(text) => Some("!!timestamp".into()),
            _ => None,
        }
    }

    fn style(&self, path: &[Step]) -> Option<String> {
        let node = self.find(path)?.node;
        Some(
            match &node.kind {
                NodeKind::Scalar { style, .. } => match style {
                    Style::Plain => "",
                    Style::SingleQuoted => "single",
                    Style::DoubleQuoted => "double",
                    Style::Literal => "literal",
                    Style::Folded => "folded",
                },
                NodeKind::Map { flow: true, .. } | NodeKind::Seq { flow: true, .. } => "flow",
                _ => "",
            }
            .to_string(),
        )
    }

    fn comment(&self, path: &[Step], which: Attribute) -> Option<String> {
        if path.is_empty() && matches!(which, Attribute::HeadComment | Attribute::FootComment) {
            return document_comment(self.stream, self.index, which);
        }
        let found = self.find(path)?;
        let comments = Comments { src: self.stream.src };
        let block_collection =
            matches!(found.node.kind, NodeKind::Map { flow: false, .. } | NodeKind::Seq { flow: false, .. });
        match which {
            // A block collection's line is its key's: without a key it has none.
            Attribute::LineComment if block_collection && found.key.is_none() => None,
            Attribute::LineComment => comments.line(found.node, found.key),
            Attribute::HeadComment => comments.head(found.key.unwrap_or(found.node)),
            Attribute::FootComment => comments.foot(found.node, found.key),
            Attribute::Style | Attribute::Tag => None,
        }
    }
}

/// Comments around nodes, read off the source text.
pub(crate) struct Comments<'s> {
    pub src: &'s str,
}

impl Comments<'_> {
    /// The start of the line holding `at`.
    fn line_start(&self, at: usize) -> usize {
        self.src[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    /// The end of the line holding `at` (before its line break).
    fn line_end(&self, at: usize) -> usize {
        self.src[at..].find('\n').map_or(self.src.len(), |i| at + i)
    }

    /// Where a `#` comment starts on the line after `from`, if only spaces come before it.
    pub(crate) fn comment_after(&self, from: usize) -> Option<usize> {
        let end = self.line_end(from);
        let rest = &self.src[from..end];
        let trimmed = rest.trim_start_matches([' ', '\t']);
        (trimmed.starts_with('#') && (trimmed.len() < rest.len() || from == self.line_start(from)))
            .then(|| end - trimmed.len())
    }

    /// Where the line comment of a node is looked for: after a scalar or flow collection, after
    /// the key's `:` for a block collection (`key: # comment`).
    pub(crate) fn line_anchor(&self, node: &Node, key: Option<&Node>) -> usize {
        match (&node.kind, key) {
            (NodeKind::Map { flow: false, .. } | NodeKind::Seq { flow: false, .. }, Some(key)) => {
                self.src[key.span.end..].find(':').map_or(key.span.end, |i| key.span.end + i + 1)
            }
            _ => node.span.end,
        }
    }

    /// The comment on the node's line, after it.
    pub(crate) fn line(&self, node: &Node, key: Option<&Node>) -> Option<String> {
        let at = self.comment_after(self.line_anchor(node, key))?;
        Some(strip_marker(self.src[at..self.line_end(at)].trim_end_matches('\r')))
    }

    /// The comment lines right above the line `node` starts on (no blank line between).
    pub(crate) fn head_lines(&self, node: &Node) -> std::ops::Range<usize> {
        let start = self.line_start(node.span.start);
        let mut first = start;
        while first > 0 {
            let previous = self.line_start(first - 1);
            let text = self.src[previous..first].trim();
            if !text.starts_with('#') {
                break;
            }
            first = previous;
        }
        first..start
    }

    pub(crate) fn head(&self, node: &Node) -> Option<String> {
        let range = self.head_lines(node);
        (!range.is_empty()).then(|| comment_block(&self.src[range]))
    }

    /// The comment lines right below the node's last line, indented at least as far as it (or
    /// its key), up to a blank line or other content.
    pub(crate) fn foot_lines(&self, node: &Node, key: Option<&Node>) -> std::ops::Range<usize> {
        let owner = key.unwrap_or(node);
        let indent = owner.span.start - self.line_start(owner.span.start);
        let end = node.content_end(self.src).max(node.span.end);
        let start = if end > 0 && self.src.as_bytes()[end - 1] == b'\n' {
            end
        } else {
            (self.line_end(end) + 1).min(self.src.len())
        };
        let mut last = start;
        while last < self.src.len() {
            let line_end = self.line_end(last);
            let line = &self.src[last..line_end];
            let text = line.trim_start();
            if !text.starts_with('#') || line.len() - text.len() < indent {
                break;
            }
            last = (line_end + 1).min(self.src.len());
        }
        start..last
    }

    pub(crate) fn foot(&self, node: &Node, key: Option<&Node>) -> Option<String> {
        let range = self.foot_lines(node, key);
        (!range.is_empty()).then(|| comment_block(&self.src[range]))
    }
}

/// A comment's text without `#` and the one space after it.
fn strip_marker(line: &str) -> String {
    let text = line.trim_start().trim_start_matches('#');
    text.strip_prefix(' ').unwrap_or(text).to_string()
}

/// Comment lines as one text, each line without its marker.
fn comment_block(lines: &str) -> String {
    lines.lines().map(|l| strip_marker(l.trim_end_matches('\r'))).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(src: &str, path: &[Step], which: Attribute) -> Option<String> {
        let stream = Stream::parse(src).unwrap();
        let source = DocumentSource::new(&stream, 0);
        match which {
            Attribute::Style => source.style(path),
            Attribute::Tag => source.tag(path),
            other => source.comment(path, other),
        }
    }

    fn key(k: &str) -> Step {
        Step::Key(k.into())
    }

    #[test]
    fn tags_and_styles() {
        let src = "a: !cool cat\nb: \"x\"\nc: 2021-01-01\nd: [1]\ne: &x 'q'\nf: *x\n";
        assert_eq!(read(src, &[key("a")], Attribute::Tag).as_deref(), Some("!cool"));
        assert_eq!(read(src, &[key("b")], Attribute::Tag), None);
        assert_eq!(read(src, &[key("c")], Attribute::Tag).as_deref(), Some("!!timestamp"));
        assert_eq!(read(src, &[key("b")], Attribute::Style).as_deref(), Some("double"));
        assert_eq!(read(src, &[key("d")], Attribute::Style).as_deref(), Some("flow"));
        assert_eq!(read(src, &[key("f")], Attribute::Style).as_deref(), Some("single"));
        assert_eq!(read("a: !!str 1\n", &[key("a")], Attribute::Tag).as_deref(), Some("!!str"));
    }

    #[test]
    fn comments() {
        let src = "# head of a\na: 1 # line of a\n# foot of a\n\nb: # on b\n  # head of c\n  c: x\n";
        assert_eq!(read(src, &[key("a")], Attribute::LineComment).as_deref(), Some("line of a"));
        assert_eq!(read(src, &[key("a")], Attribute::HeadComment).as_deref(), Some("head of a"));
        assert_eq!(read(src, &[key("a")], Attribute::FootComment).as_deref(), Some("foot of a"));
        assert_eq!(read(src, &[key("b")], Attribute::LineComment).as_deref(), Some("on b"));
        assert_eq!(read(src, &[key("b"), key("c")], Attribute::HeadComment).as_deref(), Some("head of c"));
        assert_eq!(read(src, &[key("b"), key("c")], Attribute::LineComment), None);
        let flux = "image: ghcr.io/app:1.0.0 # {\"$imagepolicy\": \"flux-system:app\"}\n";
        assert_eq!(
            read(flux, &[key("image")], Attribute::LineComment).as_deref(),
            Some("{\"$imagepolicy\": \"flux-system:app\"}")
        );
    }
}
