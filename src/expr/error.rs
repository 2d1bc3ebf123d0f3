//! The error type shared by the lexer, the parser and the evaluator: a kind, a message and the
//! span of the expression it is about. Where it is (line and column) is worked out when the
//! error is shown, from the expression it came from ([`ExprError::render`]).

use std::fmt;
use std::ops::Range;

/// What kind of problem an expression has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not an expression.
    Syntax,
    /// A yq feature this engine does not implement.
    Unsupported,
    /// A `{{NAME}}`, `strenv(NAME)`, `env(NAME)` or `$name` that is not defined.
    UnknownName,
    /// An operation on a value of the wrong type (indexing a string, adding a map to a number).
    Type,
    /// A regular expression that does not compile.
    Regex,
    /// An expression past a bound (depth, data stored, padding).
    Limit,
    /// A write the engine refuses (through a merge key).
    Refused,
}

/// An error found while parsing or evaluating an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// What kind of problem it is.
    pub kind: ErrorKind,
    /// What went wrong, without where.
    pub message: String,
    /// The byte range in the expression the error is about; empty when it points at the end.
    pub span: Range<usize>,
}

impl ExprError {
    /// An error of `kind` about `span`.
    pub(crate) fn new(kind: ErrorKind, span: Range<usize>, message: impl fmt::Display) -> Self {
        ExprError { kind, message: message.to_string(), span }
    }

    /// Where the error is in `src`: `column 7`, or `line 2, column 3` for an expression written
    /// over several lines (1-based, in characters).
    pub fn position(&self, src: &str) -> String {
        let span = clamp(src, self.span.clone());
        let line_start = src[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let column = src[line_start..span.start].chars().count() + 1;
        if src.contains('\n') {
            let line = src[..span.start].matches('\n').count() + 1;
            format!("line {line}, column {column}")
        } else {
            format!("column {column}")
        }
    }

    /// The message with its position, then the line of `src` (the expression the error came
    /// from) holding the error, then a caret line (`    ^^^`) under the span:
    ///
    /// ```text
    /// unknown function 'foo' at column 6
    ///     .a | foo
    ///          ^^^
    /// ```
    pub fn render(&self, src: &str) -> String {
        let span = clamp(src, self.span.clone());
        let line_start = src[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[span.start..].find('\n').map_or(src.len(), |i| span.start + i);
        let line = src[line_start..line_end].trim_end_matches('\r');
        // Keep tabs so the carets line up under tab-indented text.
        let pad: String = src[line_start..span.start].chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
        let width = src[span.start..span.end.min(line_end)].chars().count().max(1);
        format!("{} at {}\n    {line}\n    {pad}{}", self.message, self.position(src), "^".repeat(width))
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExprError {}

/// `span` limited to `src` and widened to character boundaries, so slicing with it is safe.
fn clamp(src: &str, span: Range<usize>) -> Range<usize> {
    let mut start = span.start.min(src.len());
    let mut end = span.end.clamp(start, src.len());
    while !src.is_char_boundary(start) {
        start -= 1;
    }
    while !src.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_adds_a_one_based_character_column() {
        let err = ExprError::new(ErrorKind::Syntax, 6..9, "unknown function 'foo'");
        assert_eq!(err.to_string(), "unknown function 'foo'");
        assert_eq!(err.render(".é | foo"), "unknown function 'foo' at column 6\n    .é | foo\n         ^^^");
    }

    #[test]
    fn multi_line_expressions_report_line_and_column() {
        let src = ".a = 1 |\n\t.b = foo";
        let err = ExprError::new(ErrorKind::Syntax, 15..18, "unknown function 'foo'");
        assert_eq!(err.position(src), "line 2, column 7");
        assert_eq!(err.render(src), "unknown function 'foo' at line 2, column 7\n    \t.b = foo\n    \t     ^^^");
    }

    #[test]
    fn spans_at_the_end_or_out_of_range_still_render() {
        let err = ExprError::new(ErrorKind::Syntax, 4..4, "unterminated string");
        assert_eq!(err.render("\"abc"), "unterminated string at column 5\n    \"abc\n        ^");
        // A span past the end or inside a character is clamped rather than panicking.
        let err = ExprError::new(ErrorKind::Syntax, 2..99, "m");
        assert_eq!(err.render("é"), "m at column 2\n    é\n     ^");
    }
}
