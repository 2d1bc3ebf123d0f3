//! The yq (v4) expression language: lexer, parser and evaluator.
//!
//! Three stages, each testable on its own: the lexer turns text into tokens with byte spans,
//! the parser builds a syntax tree by precedence climbing over yq's operator table, and the
//! evaluator runs the tree over a [`Value`](crate::value::Value). [`parse`] does the first two;
//! the evaluator follows.

mod error;
mod lex;
mod parse;

pub use error::ExprError;

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
}

/// Parses a yq expression. Errors carry the byte span of the offending part and say where it
/// is in their message; [`ExprError::render`] shows it under the expression.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    let tokens = lex::lex(src)?;
    let root = parse::parse(src, tokens)?;
    Ok(Expr {
        src: src.to_string(),
        root,
    })
}
