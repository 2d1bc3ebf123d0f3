//! The yq (v4) expression language: lexer, parser and evaluator.
//!
//! Three stages, each testable on its own: the lexer (`lex`) turns text into tokens with byte
//! spans, the parser (`parse`) builds a syntax tree by precedence climbing over yq's operator
//! table, looking functions up in one table (`builtins`), and the evaluator (`eval`) runs the
//! tree over a [`Value`]. [`parse`] does the first two, [`evaluate`] the third. Errors are data
//! ([`ExprError`]: a kind, a message and a span); [`Expr::render_error`] shows one under the
//! expression.
//!
//! ```
//! use gitops_action::expr::{evaluate, parse, Vars};
//! use gitops_action::value::{Map, Value};
//!
//! let expr = parse(r#".image.tag = "{{VERSION}}""#).unwrap();
//! let vars = Vars::from([("VERSION".to_string(), "1.2.3".to_string())]);
//! let mut image = Map::new();
//! image.insert("tag".into(), Value::String("1.0.0".into()));
//! let mut doc = Map::new();
//! doc.insert("image".into(), Value::Map(image));
//! let out = evaluate(&expr, Value::Map(doc), &vars).unwrap();
//! assert_eq!(out.len(), 1);
//! assert_eq!(out[0].to_string(), "{image: {tag: 1.2.3}}");
//! ```
//!
//! # Supported
//!
//! - Paths: `.`, `.a.b`, `."a.b"`, `.["a b"]`, `.a-b`, `.a[0]`, `.a[-1]`, `.a[]`, `.a[1:3]`,
//!   `.a[0, 2]`, `.a?`, `..`, `.<<`, keys with yq's `*`/`?` wildcards (`.app*`); merge keys
//!   (`<<: *base`) are followed on reads, as yq's spec mode does.
//! - `|`, `,`, `( )`, `[…]`, `{k: v, …}`, `$x`, `… as $x | …`, `"…\(expr)…"`.
//! - `=`, `|=`, `+=`, `-=`, `*=`, `+`, `-`, `*` (with `*+`, `*d`, `*?`, `*n`), `//`, `==`,
//!   `!=`, `<`, `<=`, `>`, `>=`, `and`, `or`, `not`; dates plus or minus durations.
//! - Attributes, read and set: `style`, `tag`, `line_comment`, `head_comment`, `foot_comment`.
//! - The functions of [`builtins::BUILTINS`]: `select`, `has`, `with`, `del`, `sub`, `test`,
//!   `match`, `capture` (with yq's `"g"`/`"i"` flags), `split`, `join`,
//!   `upcase`/`downcase`, `trim`, `to_string`, `strenv`, `env`, `envsubst` (with `nu`, `ne`,
//!   `ff`), `map`, `map_values`, `first`, `length`, `keys`, `key`, `to_entries`,
//!   `from_entries`, `with_entries`, `sort`, `sort_by`, `unique`, `unique_by`, `reverse`,
//!   `flatten`, `any`, `all`, `any_c`, `all_c`, `min`, `max`, `add`, `collect`.
//! - Literals: `"strings"` (escapes `\" \\ \n \t \r \f \v \b \a`; other backslashes are kept,
//!   so `"\d+"` is a regex), numbers (kept as written: `1.10` stays `1.10`), `true`, `false`,
//!   `null`, `~`. `#` starts a comment.
//!
//! Everything else yq has (`reduce`, `load`, `...`, format operators `@base64`, `key: value`
//! outside braces, `key` on the left of an assignment, …) is reported as "not supported" at its
//! column. yq's precedences and right-grouping are followed; where that grouping differs from
//! the usual reading (`a - b - c`) the parser asks for parentheses.
//!
//! # Named values and `{{NAME}}`
//!
//! [`Vars`] are the only outside data an expression sees; the process environment is never
//! read. `strenv(NAME)` is the value as a string; `env(NAME)` is the value read as YAML;
//! `{{NAME}}` (NAME = `[A-Za-z_][A-Za-z0-9_]*`, spaces inside the braces allowed) is bound as a
//! value, never pasted into the expression text: inside a string literal it is a part of that
//! literal (`"repo/app:{{VERSION}}"`), elsewhere it is the value as a string
//! (`.v = {{VERSION}}`). Unknown names are errors, found before evaluation starts.
//!
//! # Deliberate deviations (so nothing is silently misread)
//!
//! README's "Differences from yq" lists them, each with its reason, and
//! tests/yq-scenarios/differences.txt the yq scenarios they show in.

mod builtins;
mod error;
mod eval;
mod lex;
mod parse;

#[cfg(test)]
mod tests;

pub use error::{ErrorKind, ExprError};
pub use eval::time::is_timestamp;

use crate::value::Value;

/// Named values the expression can see through `strenv(NAME)`, `env(NAME)` and `{{NAME}}`
/// (VERSION, SOURCE_REPO, …). Nothing else from the environment is visible.
pub type Vars = std::collections::BTreeMap<String, String>;

/// One step of a path into a document.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// A map key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// A node attribute expressions read and set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attribute {
    /// `style`: yq's names (`double`, `single`, `literal`, `folded`, `flow`, `""`).
    Style,
    /// `tag`: `!!str`, `!custom`, …
    Tag,
    /// `line_comment`: the comment after the value on its line, without `# `.
    LineComment,
    /// `head_comment`: the comment lines above the entry.
    HeadComment,
    /// `foot_comment`: the comment lines below it.
    FootComment,
}

impl Attribute {
    /// The attribute a word names (yq also spells the comments in camel case).
    pub(crate) fn named(word: &str) -> Option<Attribute> {
        Some(match word {
            "style" => Attribute::Style,
            "tag" => Attribute::Tag,
            "line_comment" | "lineComment" => Attribute::LineComment,
            "head_comment" | "headComment" => Attribute::HeadComment,
            "foot_comment" | "footComment" => Attribute::FootComment,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Attribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Attribute::Style => "style",
            Attribute::Tag => "tag",
            Attribute::LineComment => "line_comment",
            Attribute::HeadComment => "head_comment",
            Attribute::FootComment => "foot_comment",
        })
    }
}

/// What the evaluator may read of the input document besides its data: tags, styles and
/// comments, by path. The engine implements it over the parsed file.
pub trait Source {
    /// The tag of the value at `path`: as written, or implied (`!!timestamp` for a plain
    /// date); `None` for the value's own type.
    fn tag(&self, path: &[Step]) -> Option<String>;
    /// The style of the value at `path`, in yq's words.
    fn style(&self, path: &[Step]) -> Option<String>;
    /// A comment of the value at `path`, without its `# ` markers.
    fn comment(&self, path: &[Step], which: Attribute) -> Option<String>;
}

/// A document with no presentation: tags are the values' types, there are no comments.
pub struct Plain;

impl Source for Plain {
    fn tag(&self, _: &[Step]) -> Option<String> {
        None
    }

    fn style(&self, _: &[Step]) -> Option<String> {
        None
    }

    fn comment(&self, _: &[Step], _: Attribute) -> Option<String> {
        None
    }
}

/// An attribute set on a place of the input (`.a style = "double"`), for the engine to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeChange {
    /// Where.
    pub path: Vec<Step>,
    /// Which attribute.
    pub attribute: Attribute,
    /// Its new value (`""` removes a comment).
    pub value: String,
}

/// One output of an expression, with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// The output's path in the input document, or `None` for a value the expression computed.
    pub path: Option<Vec<Step>>,
    /// Its tag (`!!str`, `!!map`, a custom `!tag`, …).
    pub tag: String,
    /// The value.
    pub value: Value,
}

/// What evaluating an expression on a document gives: its outputs and the attributes it set.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluated {
    /// The outputs, in order.
    pub outputs: Vec<Output>,
    /// Attributes set on places of the input, in order.
    pub attributes: Vec<AttributeChange>,
}

/// A parsed expression, ready to evaluate against any number of documents.
#[derive(Clone, Debug)]
pub struct Expr {
    src: String,
    root: parse::Node,
}

impl Expr {
    /// The expression text it was parsed from (error spans index into it).
    pub fn source(&self) -> &str {
        &self.src
    }

    /// An error of this expression, with its position, shown under the line it points at.
    pub fn render_error(&self, error: &ExprError) -> String {
        error.render(&self.src)
    }
}

/// Parses a yq expression. Errors carry the byte span of the offending part; [`ExprError::render`]
/// shows it under the expression.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    let tokens = lex::lex(src, 0..src.len())?;
    let root = parse::parse(src, tokens, 0..src.len())?;
    Ok(Expr { src: src.to_string(), root })
}

/// Evaluates `expr` against one document, returning every output (yq semantics: `.a = 1`
/// outputs the whole updated document, `select(false)` outputs nothing, `.a, .b` outputs two).
/// Only `vars` is visible to `strenv`, `env` and `{{NAME}}`. The document is taken by value:
/// an update changes it in place, with no copy.
pub fn evaluate(expr: &Expr, input: Value, vars: &Vars) -> Result<Vec<Value>, ExprError> {
    Ok(evaluate_document(expr, input, vars, &Plain)?.outputs.into_iter().map(|o| o.value).collect())
}

/// Evaluates `expr` against one document whose tags, styles and comments `source` describes,
/// with each output's path and tag, and the attributes the expression set.
pub fn evaluate_document(expr: &Expr, input: Value, vars: &Vars, source: &dyn Source) -> Result<Evaluated, ExprError> {
    eval::evaluate(&expr.root, input, vars, source)
}
