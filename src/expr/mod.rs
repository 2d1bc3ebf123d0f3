//! The yq (v4) expression language: lexer, parser and evaluator.
//!
//! Three stages, each testable on its own: the lexer turns text into tokens with byte spans,
//! the parser builds a syntax tree by precedence climbing over yq's operator table, and the
//! evaluator runs the tree over a [`Value`]. [`parse`] does the first two, [`evaluate`] the
//! third.
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
//! - Paths: `.`, `.a.b`, `."a.b"`, `.["a b"]`, `.a-b` (a key: as in yq, `-` does not end a key;
//!   `.a - .b` with spaces subtracts), `.a[0]`, `.a[-1]`, `.a[]`, `.[]`, `.a."b"`, `.a[.i]`.
//!   Keys with `*`/`?` are yq wildcards (`.app*`).
//! - `|`, `,`, `( )`, `=`, `|=`, `+=`, `-=`, `==`, `!=`, `and`, `or`, `not`, `+`, `-`, `//`.
//! - `select(c)`, `has(k)`, `with(path; update)`, `del(path)`, `sub(regex; replacement)`
//!   (all matches; `$1`/`${1}`/`${name}` in the replacement), `test(regex)`, `strenv(NAME)`,
//!   `env(NAME)`.
//! - Literals: `"strings"` (escapes `\" \\ \n \t \r \f \v \b \a`; other backslashes are kept,
//!   so `"\d+"` is a regex), numbers (kept as written: `1.10` stays `1.10`), `true`, `false`,
//!   `null`, `~`. `#` starts a comment.
//!
//! Precedence, loosest first, as yq: `,` < `and` = `or` < `|` < `=` `|=` `+=` `-=` `==` `!=` <
//! `+` `-` `//` < path segments and function calls. So `.a = "x" | .b = "y"` sets both and
//! `.a == 1 and .b == 2` compares first. Operators of one level group to the right (yq's
//! shunting-yard); where that differs from the usual reading (`a - b - c`, `a - b + c`, `+`/`-`
//! mixed with `//`, `a and b or c`) the parser asks for parentheses instead of guessing.
//!
//! Everything else yq has (`..`, `*`, `sort_by`, `$var`, `as`, `reduce`, `[...]`, `{...}`,
//! comparisons, `\(...)` interpolation, …) is reported as "not supported" at its column.
//!
//! # Named values and `{{NAME}}`
//!
//! [`Vars`] are the only outside data an expression sees; the process environment is never
//! read. `strenv(NAME)` is the value as a string; `env(NAME)` is the value read as a plain YAML
//! scalar ([`resolve_plain`](crate::value::resolve_plain)); `{{NAME}}` (NAME =
//! `[A-Za-z_][A-Za-z0-9_]*`, spaces inside the braces allowed) is bound as a value, never
//! pasted into the expression text: inside a string literal it is a part of that literal
//! (`"repo/app:{{VERSION}}"`), elsewhere it is the value as a string (`.v = {{VERSION}}`).
//! A value holding `"`, `\` or `" | .x = "evil` is just string content. Unknown names are
//! errors, found before evaluation starts, listing the names available. A value used as a
//! regex or a `sub` replacement is read as one (`$1` in a replacement is a group).
//! `{{` not followed by a name (`"{{ .Values.x }}"`) is ordinary text.
//!
//! # yq behaviours matched
//!
//! - Assignment outputs the whole updated input; `(.a = 1), (.b = 2)` outputs it once with
//!   both updates. Missing maps are created, short or missing sequences padded with null.
//! - `lhs = rhs`: rhs is evaluated against the assignment's input (once per place the left side
//!   names, seeing earlier updates); with several outputs the **last** is stored, with none
//!   nothing changes. `|=` takes the first output of rhs evaluated at each place, last place
//!   first. `+=`/`-=` are `old + rhs` / `old - rhs` with rhs evaluated against the input.
//! - `==` compares scalars by text with the right side a glob (`.name == "app-*"`); numbers by
//!   value. `//` keeps each truthy left output and replaces each falsy one by the right side.
//! - Operators cross their operands' outputs, left outer; `+` with an empty side gives the
//!   other side; `null + x` and `null - x` are `x`; integer arithmetic keeps integers.
//! - Keys run as yq reads them (`.a-b`, `.a.0` indexes a sequence); string escapes as yq.
//!
//! # Deliberate deviations (so nothing is silently misread)
//!
//! - Indexing a scalar (`.image.tag` where `image` is a string), a sequence by a name, or
//!   iterating a scalar is an error naming the value and path; yq yields nothing, which makes
//!   an assignment silently do nothing.
//! - Keys yq would silently stretch over operator characters (`.a+1` is the key `a+1`, `.a-=1`
//!   the key `a-`) and a trailing `?` are errors asking for spaces or quotes.
//! - Unknown names in `strenv`/`env`/`{{}}` are errors (yq: empty string); `env` of an empty
//!   value is an error as in yq.
//! - Sequences and maps compare structurally with `==` (yq: never equal). `sub`/`test` use
//!   Rust's regex crate, whose `\d`, `\w`, `\s`, `\b` also match non-ASCII text (Go: ASCII only).
//! - Each value flowing through a pipe is processed on its own (jq-like); yq passes lists, which
//!   only differs when several values flow into one `=` at once.
//! - Float results are written as Go would, but infinities and NaN as YAML's `.inf`/`.nan`.

mod error;
mod eval;
mod lex;
mod parse;

#[cfg(test)]
mod tests;

pub use error::ExprError;

use crate::value::Value;

/// Named values the expression can see through `strenv(NAME)`, `env(NAME)` and `{{NAME}}`
/// (VERSION, SOURCE_REPO, …). Nothing else from the environment is visible.
pub type Vars = std::collections::BTreeMap<String, String>;

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

    /// An error of this expression, shown under the line of the expression it points at.
    pub fn render_error(&self, error: &ExprError) -> String {
        error.render(&self.src)
    }
}

/// Parses a yq expression. Errors carry the byte span of the offending part and say where it
/// is in their message; [`ExprError::render`] shows it under the expression.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    let tokens = lex::lex(src)?;
    let root = parse::parse(src, tokens)?;
    Ok(Expr { src: src.to_string(), root })
}

/// Evaluates `expr` against one document, returning every output (yq semantics: `.a = 1`
/// outputs the whole updated document, `select(false)` outputs nothing, `.a, .b` outputs two).
/// Only `vars` is visible to `strenv`, `env` and `{{NAME}}`. The document is taken by value:
/// an update changes it in place, with no copy.
pub fn evaluate(expr: &Expr, input: Value, vars: &Vars) -> Result<Vec<Value>, ExprError> {
    eval::evaluate(&expr.root, &expr.src, input, vars)
}
