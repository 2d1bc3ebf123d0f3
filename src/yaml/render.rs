//! Writing new values as YAML text in a file's conventions (indentation step, line ending, JSON
//! quoting), in flow (`{a: 1}`) or block (`a: 1` lines) form, honouring the styles an
//! expression set on the values inside (`.. style="double"`).

use crate::expr::Step;
use crate::value::Value;

use super::document::Style;
use super::scalar::{double_quoted, plain_is_safe, render, Context};
use super::splice::Layout;

/// How an expression asked for a value to be written (yq's style names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// `""`: plain scalars (quoted only when they must be), block collections.
    Default,
    /// `'…'`.
    Single,
    /// `"…"`.
    Double,
    /// `|` block scalar.
    Literal,
    /// `>` block scalar.
    Folded,
    /// `{…}`/`[…]` collections; plain scalars.
    Flow,
}

impl Written {
    /// The style yq names `name` (`double`, `single`, `literal`, `folded`, `flow`, `""`).
    pub fn named(name: &str) -> Option<Written> {
        Some(match name {
            "" => Written::Default,
            "single" => Written::Single,
            "double" => Written::Double,
            "literal" => Written::Literal,
            "folded" => Written::Folded,
            "flow" => Written::Flow,
            _ => return None,
        })
    }

    /// The scalar style it gives.
    pub fn scalar_style(self) -> Style {
        match self {
            Written::Default | Written::Flow => Style::Plain,
            Written::Single => Style::SingleQuoted,
            Written::Double => Style::DoubleQuoted,
            Written::Literal => Style::Literal,
            Written::Folded => Style::Folded,
        }
    }
}

/// The styles to honour, by path: those an expression set, and for a collection
/// (`true`) the flow form the file already has there.
pub type Styles<'a> = dyn Fn(&[Step], bool) -> Option<Written> + 'a;

/// Renders new values. Paths passed in are where the value sits in its document, for looking
/// up the styles set on it and below.
pub struct Renderer<'a> {
    /// The file's conventions.
    pub layout: &'a Layout,
    /// The styles set by path, if any.
    pub styles: Option<&'a Styles<'a>>,
}

impl Renderer<'_> {
    fn style_at(&self, path: &[Step], collection: bool) -> Option<Written> {
        self.styles.and_then(|styles| styles(path, collection))
    }

    /// A mapping key: plain when it can be, else double-quoted (always in JSON).
    pub fn key_text(&self, key: &str) -> String {
        if self.layout.json || !plain_is_safe(key, Context::Block) {
            double_quoted(key, self.layout.json)
        } else {
            key.to_string()
        }
    }

    /// A scalar on one line (block scalars fall back to double quotes), or a collection in
    /// flow form.
    pub fn flow_or_scalar(&self, value: &Value, context: Context, path: &mut Vec<Step>) -> String {
        match value {
            Value::Map(_) | Value::Seq(_) => self.flow(value, path),
            _ => self.scalar_line(value, context, path),
        }
    }

    fn scalar_line(&self, value: &Value, context: Context, path: &[Step]) -> String {
        let style = self.style_at(path, false).map_or(Style::Plain, Written::scalar_style);
        let style = if matches!(style, Style::Literal | Style::Folded) { Style::DoubleQuoted } else { style };
        render(value, style, context, self.layout.json)
    }

    /// `value` in flow style (`{a: 1, b: [x]}`; JSON syntax in JSON files).
    pub fn flow(&self, value: &Value, path: &mut Vec<Step>) -> String {
        match value {
            Value::Map(map) => {
                let mut entries = Vec::with_capacity(map.len());
                for (k, v) in map.iter() {
                    let key = if self.layout.json || !plain_is_safe(k, Context::Flow) {
                        double_quoted(k, self.layout.json)
                    } else {
                        k.clone()
                    };
                    path.push(Step::Key(k.clone()));
                    entries.push(format!("{key}: {}", self.flow(v, path)));
                    path.pop();
                }
                format!("{{{}}}", entries.join(", "))
            }
            Value::Seq(items) => {
                let mut texts = Vec::with_capacity(items.len());
                for (i, v) in items.iter().enumerate() {
                    path.push(Step::Index(i));
                    texts.push(self.flow(v, path));
                    path.pop();
                }
                format!("[{}]", texts.join(", "))
            }
            _ => self.scalar_line(value, Context::Flow, path),
        }
    }

    /// `value` as block lines at `indent`, each ending with the line break.
    pub fn block(&self, value: &Value, indent: usize, path: &mut Vec<Step>) -> String {
        let pad = " ".repeat(indent);
        let mut out = String::new();
        match value {
            Value::Map(map) => {
                for (k, v) in map.iter() {
                    out.push_str(&pad);
                    path.push(Step::Key(k.clone()));
                    out.push_str(&self.block_entry(&self.key_text(k), v, indent, path));
                    path.pop();
                }
            }
            Value::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    out.push_str(&pad);
                    path.push(Step::Index(i));
                    out.push_str(&self.block_item(v, indent, path));
                    path.pop();
                }
            }
            _ => {
                out.push_str(&pad);
                out.push_str(&self.block_scalar_or_line(value, indent + self.layout.indent_step, path));
                out.push_str(self.layout.eol);
            }
        }
        out
    }

    /// Whether the value at `path` is written as block lines (a non-empty collection not asked
    /// to be flow; never in JSON).
    fn is_block(&self, value: &Value, path: &[Step]) -> bool {
        let non_empty = match value {
            Value::Map(m) => !m.is_empty(),
            Value::Seq(s) => !s.is_empty(),
            _ => false,
        };
        non_empty && !self.layout.json && self.style_at(path, true) != Some(Written::Flow)
    }

    /// `key: value` + line break for a block mapping at `indent` (the key's own indentation is
    /// the caller's).
    pub fn block_entry(&self, key_text: &str, value: &Value, indent: usize, path: &mut Vec<Step>) -> String {
        let eol = self.layout.eol;
        if self.is_block(value, path) {
            return format!("{key_text}:{eol}{}", self.block(value, indent + self.layout.indent_step, path));
        }
        let text = match value {
            Value::Map(_) | Value::Seq(_) => self.flow(value, path),
            _ => self.block_scalar_or_line(value, indent + self.layout.indent_step, path),
        };
        format!("{key_text}: {text}{eol}")
    }

    /// `- value` + line break for a block sequence whose dashes are at `indent` (the dash's own
    /// indentation is the caller's).
    pub fn block_item(&self, value: &Value, indent: usize, path: &mut Vec<Step>) -> String {
        // A mapping item goes on the dash's line; a sequence in a sequence stays in flow form.
        if matches!(value, Value::Map(_)) && self.is_block(value, path) {
            let block = self.block(value, indent + 2, path);
            return format!("- {}", &block[indent + 2..]);
        }
        let text = match value {
            Value::Map(_) | Value::Seq(_) => self.flow(value, path),
            _ => self.block_scalar_or_line(value, indent + 2, path),
        };
        format!("- {text}{}", self.layout.eol)
    }

    /// A scalar in block context: a `|`/`>` block scalar whose body lines sit at `body_indent`
    /// when that style was asked for and can hold the text, else one line.
    pub fn block_scalar_or_line(&self, value: &Value, body_indent: usize, path: &[Step]) -> String {
        let style = self.style_at(path, false).map(Written::scalar_style);
        if let (Some(style @ (Style::Literal | Style::Folded)), Value::String(text)) = (style, value) {
            if let Some(block) = block_scalar(text, style, body_indent, self.layout.eol) {
                return block;
            }
        }
        self.scalar_line(value, Context::Block, path)
    }
}

/// `text` as a block scalar: the header (`|`, `|-`, `>-`, …), then each line at `body_indent`,
/// without a final line break. `None` when the style cannot hold the text as it is (control
/// characters, leading spaces, several trailing line breaks, a folded text of several lines).
pub fn block_scalar(text: &str, style: Style, body_indent: usize, eol: &str) -> Option<String> {
    let content = text.trim_end_matches('\n');
    let trailing = text.len() - content.len();
    let unwritable = content.chars().any(|c| {
        (c.is_control() && c != '\t' && c != '\n') || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
    });
    let folds = style == Style::Folded && content.contains('\n');
    if content.is_empty() || unwritable || folds || trailing > 1 || content.starts_with([' ', '\t']) {
        return None;
    }
    let indicator = if style == Style::Literal { '|' } else { '>' };
    let chomp = if trailing == 0 { "-" } else { "" };
    let pad = " ".repeat(body_indent);
    let mut out = format!("{indicator}{chomp}");
    for line in content.split('\n') {
        out.push_str(eol);
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Map;

    fn layout() -> Layout {
        Layout { eol: "\n", indent_step: 2, json: false }
    }

    #[test]
    fn block_scalars() {
        assert_eq!(block_scalar("a\nb", Style::Literal, 4, "\n").as_deref(), Some("|-\n    a\n    b"));
        assert_eq!(block_scalar("a\n", Style::Literal, 2, "\n").as_deref(), Some("|\n  a"));
        assert_eq!(block_scalar("a", Style::Folded, 2, "\n").as_deref(), Some(">-\n  a"));
        assert_eq!(block_scalar("a\nb", Style::Folded, 2, "\n"), None);
        assert_eq!(block_scalar(" a", Style::Literal, 2, "\n"), None);
    }

    #[test]
    fn styles_by_path() {
        let layout = layout();
        let styles = |path: &[Step], _: bool| match path {
            [Step::Key(k)] if k == "a" => Some(Written::Double),
            [Step::Key(k)] if k == "f" => Some(Written::Flow),
            [Step::Key(k)] if k == "l" => Some(Written::Literal),
            _ => None,
        };
        let r = Renderer { layout: &layout, styles: Some(&styles) };
        let mut map = Map::new();
        map.insert("a".into(), Value::String("cat".into()));
        map.insert("f".into(), Value::Seq(vec![Value::Number("1".into())]));
        map.insert("l".into(), Value::String("x\ny".into()));
        let value = Value::Map(map);
        assert_eq!(r.block(&value, 0, &mut Vec::new()), "a: \"cat\"\nf: [1]\nl: |-\n  x\n  y\n");
        assert_eq!(r.flow(&value, &mut Vec::new()), "{a: \"cat\", f: [1], l: \"x\\ny\"}");
    }
}
