//! The error type shared by the lexer, the parser and the evaluator.

use std::fmt;
use std::ops::Range;

/// An error found while parsing or evaluating an expression, pointing at the part of the
/// expression it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// What went wrong, ending with where: `… at column 7` (1-based, in characters), or
    /// `… at line 2, column 3` for an expression written over several lines.
    pub message: String,
    /// The byte range in the expression the error is about; empty when it points at the end.
    pub span: Range<usize>,
}

impl ExprError {
    /// An error about `span` of `src`, with the location appended to `message`.
    pub(crate) fn new(src: &str, span: Range<usize>, message: impl fmt::Display) -> Self {
        let span = clamp(src, span);
        let line_start = src[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let column = src[line_start..span.start].chars().count() + 1;
        let message = if src.contains('\n') {
            let line = src[..span.start].matches('\n').count() + 1;
            format!("{message} at line {line}, column {column}")
        } else {
            format!("{message} at column {column}")
        };
        ExprError { message, span }
    }

    /// The message, then the line of `src` (the expression the error came from) holding the
    /// error, then a caret line (`    ^^^`) under the span:
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
        format!("{}\n    {line}\n    {pad}{}", self.message, "^".repeat(width))
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
    fn message_gets_a_one_based_character_column() {
        let err = ExprError::new(".é | foo", 6..9, "unknown function 'foo'");
        assert_eq!(err.message, "unknown function 'foo' at column 6");
        assert_eq!(err.to_string(), err.message);
        assert_eq!(err.render(".é | foo"), "unknown function 'foo' at column 6\n    .é | foo\n         ^^^");
    }

    #[test]
    fn multi_line_expressions_report_line_and_column() {
        let src = ".a = 1 |\n\t.b = foo";
        let err = ExprError::new(src, 15..18, "unknown function 'foo'");
        assert_eq!(err.message, "unknown function 'foo' at line 2, column 7");
        assert_eq!(err.render(src), "unknown function 'foo' at line 2, column 7\n    \t.b = foo\n    \t     ^^^");
    }

    #[test]
    fn spans_at_the_end_or_out_of_range_still_render() {
        let err = ExprError::new("\"abc", 4..4, "unterminated string");
        assert_eq!(err.message, "unterminated string at column 5");
        assert_eq!(err.render("\"abc"), "unterminated string at column 5\n    \"abc\n        ^");
        // A span past the end or inside a character is clamped rather than panicking.
        let err = ExprError { message: "m".into(), span: 2..99 };
        assert_eq!(err.render("é"), "m\n    é\n     ^");
    }
}
