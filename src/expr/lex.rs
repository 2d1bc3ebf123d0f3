//! Stage 1: expression text → tokens, each with its byte span.
//!
//! The lexer follows yq's tokenizer where it matters for meaning (what ends a key after `.`,
//! string escapes, number forms) and turns yq features this engine does not implement into
//! "not supported" errors at their position, so nothing is silently read another way.

use std::ops::Range;

use super::error::ExprError;

/// A byte range in the expression.
pub(crate) type Span = Range<usize>;

/// One token.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// `.` on its own: the identity.
    Dot,
    /// `.name`: a key, as yq reads it (`.a-b` is the key `a-b`).
    Key(String),
    /// `.[`: indexing or iterating the current value.
    DotBracket,
    /// `."name"`: a quoted key (may hold `{{NAME}}` parts).
    DotStr(Vec<Part>),
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `;` (separates function arguments)
    Semi,
    /// `|`
    Pipe,
    /// `=`
    Assign,
    /// `|=`
    UpdateAssign,
    /// `+=`
    AddAssign,
    /// `-=`
    SubAssign,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `//`
    Alt,
    /// `~` (null)
    Tilde,
    /// A double-quoted string literal.
    Str(Vec<Part>),
    /// A number literal, as written (`-1`, `1.10`, `0x1F`, `1e3`).
    Num(String),
    /// A bare word: a function name, `and`/`or`/`not`, `true`/`false`/`null`.
    Ident(String),
    /// `{{NAME}}` outside a string literal.
    Var(String),
}

/// A piece of a string literal: literal text, or a `{{NAME}}` template bound at evaluation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Part {
    /// Text, escapes already processed.
    Text(String),
    /// `{{NAME}}`: the named value is inserted here as data.
    Var {
        /// The name between the braces.
        name: String,
        /// Where the template is, braces included.
        span: Span,
    },
}

/// A token and where it is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    /// What it is.
    pub tok: Tok,
    /// Its byte range in the expression.
    pub span: Span,
}

/// Splits `src` into tokens.
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, ExprError> {
    let mut lexer = Lexer { src, pos: 0, tokens: Vec::new() };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token>,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn eat_while(&mut self, f: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&f) {
            self.bump();
        }
    }

    fn error(&self, span: Span, message: impl std::fmt::Display) -> ExprError {
        ExprError::new(self.src, span, message)
    }

    fn unsupported(&self, start: usize, what: &str) -> ExprError {
        self.error(start..self.pos, format!("{what} is not supported"))
    }

    fn push(&mut self, tok: Tok, start: usize) {
        self.tokens.push(Token { tok, span: start..self.pos });
    }

    /// Whether the previous token ends a value, which makes a following `-` a subtraction
    /// rather than the sign of a number.
    fn after_value(&self) -> bool {
        self.tokens.last().is_some_and(|t| {
            matches!(
                t.tok,
                Tok::Dot
                    | Tok::Key(_)
                    | Tok::DotStr(_)
                    | Tok::RBracket
                    | Tok::RParen
                    | Tok::Tilde
                    | Tok::Str(_)
                    | Tok::Num(_)
                    | Tok::Ident(_)
                    | Tok::Var(_)
            )
        })
    }

    fn run(&mut self) -> Result<(), ExprError> {
        loop {
            self.eat_while(char::is_whitespace);
            if self.peek() == Some('#') {
                // A comment, as in yq: to the end of the line.
                self.eat_while(|c| c != '\n');
                continue;
            }
            let start = self.pos;
            let Some(c) = self.bump() else { return Ok(()) };
            let tok = match c {
                '.' => self.dot(start)?,
                '"' => Tok::Str(self.string(start)?),
                '(' => Tok::LParen,
                ')' => Tok::RParen,
                '[' => Tok::LBracket,
                ']' => Tok::RBracket,
                ',' => Tok::Comma,
                ';' => Tok::Semi,
                '~' => Tok::Tilde,
                '|' if self.eat('=') => Tok::UpdateAssign,
                '|' => Tok::Pipe,
                '=' if self.eat('=') => Tok::Eq,
                '=' => Tok::Assign,
                '!' if self.eat('=') => Tok::Ne,
                '!' => return Err(self.error(start..self.pos, "`!` is not supported; negate with `| not`")),
                '+' if self.eat('=') => Tok::AddAssign,
                '+' => Tok::Plus,
                '-' if self.eat('=') => Tok::SubAssign,
                '-' if self.peek().is_some_and(|d| d.is_ascii_digit()) && !self.after_value() => self.number(start)?,
                '-' => Tok::Minus,
                '/' if self.eat('/') => Tok::Alt,
                '/' => return Err(self.unsupported(start, "`/` (divide)")),
                '*' => {
                    let what = if self.eat('=') { "`*=` (multiply-assign)" } else { "`*` (multiply/merge)" };
                    return Err(self.unsupported(start, what));
                }
                '%' => return Err(self.unsupported(start, "`%` (modulo)")),
                '<' | '>' => {
                    self.eat('=');
                    let what = format!("`{}` (comparison)", &self.src[start..self.pos]);
                    return Err(self.unsupported(start, &what));
                }
                ':' => return Err(self.unsupported(start, "`:` (object construction or slicing)")),
                '?' => return Err(self.unsupported(start, "`?` (optional traversal)")),
                '$' => {
                    self.eat_while(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    let what = format!("`{}` (variables)", &self.src[start..self.pos]);
                    return Err(self.unsupported(start, &what));
                }
                '@' => {
                    self.eat_while(|c| c.is_ascii_alphanumeric() || c == '_');
                    let what = format!("`{}` (format operators)", &self.src[start..self.pos]);
                    return Err(self.unsupported(start, &what));
                }
                '\'' => {
                    return Err(
                        self.error(start..self.pos, "single-quoted strings are not supported; use double quotes")
                    )
                }
                '{' if self.peek() == Some('{') => Tok::Var(self.template(start)?),
                '{' => return Err(self.unsupported(start, "`{...}` (object construction)")),
                '}' => return Err(self.error(start..self.pos, "unexpected `}`")),
                c if c.is_ascii_digit() => self.number(start)?,
                c if c.is_ascii_alphabetic() || c == '_' => {
                    self.eat_while(|c| c.is_ascii_alphanumeric() || c == '_');
                    Tok::Ident(self.src[start..self.pos].to_string())
                }
                c => return Err(self.error(start..self.pos, format!("unexpected character `{c}`"))),
            };
            self.push(tok, start);
        }
    }

    /// After a `.`: identity, `.key`, `.[`, `."key"` or `..`.
    fn dot(&mut self, start: usize) -> Result<Tok, ExprError> {
        match self.peek() {
            Some('.') => {
                self.eat_while(|c| c == '.');
                Err(self.unsupported(start, "`..` (recursive descent)"))
            }
            Some('[') => {
                self.bump();
                Ok(Tok::DotBracket)
            }
            Some('"') => {
                let quote = self.pos;
                self.bump();
                Ok(Tok::DotStr(self.string(quote)?))
            }
            Some(c) if is_key_char(c) => self.key(start),
            _ => Ok(Tok::Dot),
        }
    }

    /// `.key`: as in yq, the key runs to the next space or one of `; { } : [ ] , | . ( ) = !`.
    /// Characters yq would silently take into the key but a reader may take for an operator
    /// (`.a+1` is the key `a+1` in yq) are rejected instead.
    fn key(&mut self, start: usize) -> Result<Tok, ExprError> {
        self.eat_while(is_key_char);
        let key = &self.src[start + 1..self.pos];
        if key.ends_with('?') {
            return Err(self.unsupported(start, &format!("`.{key}` (optional traversal `?`)")));
        }
        if let Some(bad) =
            key.chars().find(|&c| c.is_ascii() && !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '*' | '?')))
        {
            return Err(self.error(
                start..self.pos,
                format!(
                    "ambiguous `.{key}`: yq reads it as the key {key:?}; put spaces around `{bad}` \
                     if it is an operator, or write .[{key:?}] if it is part of the key"
                ),
            ));
        }
        if key.ends_with('-') && self.peek() == Some('=') {
            return Err(self.error(
                start..self.pos + 1,
                format!(
                    "ambiguous `.{key}=`: yq reads it as the key {key:?} followed by `=`; \
                     write `.{} -= …` to subtract",
                    &key[..key.len() - 1]
                ),
            ));
        }
        Ok(Tok::Key(key.to_string()))
    }

    /// A number: `0x1F`, `12`, `-3`, `1.5`, `1e3`. Anything else glued to it (`1.2.3`, `1abc`)
    /// is an error rather than a number followed by something.
    fn number(&mut self, start: usize) -> Result<Tok, ExprError> {
        let mut prev = '\0';
        while let Some(c) = self.peek() {
            let exponent_sign =
                matches!(c, '+' | '-') && matches!(prev, 'e' | 'E') && !self.src[start..self.pos].contains(['x', 'X']);
            let fraction = c == '.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit());
            if !(c.is_ascii_alphanumeric() || c == '_' || fraction || exponent_sign) {
                break;
            }
            prev = c;
            self.bump();
        }
        let text = &self.src[start..self.pos];
        if is_number_literal(text) {
            Ok(Tok::Num(text.to_string()))
        } else {
            Err(self
                .error(start..self.pos, format!("malformed number `{text}` (to write a string, quote it: \"{text}\")")))
        }
    }

    /// A double-quoted string; `start` is the opening quote, already consumed. Escapes are
    /// yq's: `\" \\ \n \t \r \f \v \b \a`; any other backslash is kept as written, so regexes
    /// like `"\d+"` work.
    fn string(&mut self, start: usize) -> Result<Vec<Part>, ExprError> {
        let mut parts = Vec::new();
        let mut text = String::new();
        loop {
            let at = self.pos;
            let Some(c) = self.bump() else {
                return Err(self.error(start..self.pos, "unterminated string literal"));
            };
            match c {
                '"' => break,
                '\\' => {
                    let Some(e) = self.bump() else {
                        return Err(self.error(start..self.pos, "unterminated string literal"));
                    };
                    match e {
                        '"' => text.push('"'),
                        '\\' => text.push('\\'),
                        'n' => text.push('\n'),
                        't' => text.push('\t'),
                        'r' => text.push('\r'),
                        'f' => text.push('\u{c}'),
                        'v' => text.push('\u{b}'),
                        'b' => text.push('\u{8}'),
                        'a' => text.push('\u{7}'),
                        '(' => {
                            return Err(self.error(
                                at..self.pos,
                                "string interpolation `\\(...)` is not supported; \
                                 use `+` or a {{NAME}} template",
                            ))
                        }
                        other => {
                            text.push('\\');
                            text.push(other);
                        }
                    }
                }
                '{' if self.peek() == Some('{') && self.template_follows() => {
                    let name = self.template(at)?;
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Var { name, span: at..self.pos });
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() || parts.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(parts)
    }

    /// Whether the `{{` at the current position (after the first `{`) starts a template: a name
    /// follows, possibly after spaces. Other `{{` text (`"{{ .Values.x }}"`) stays literal.
    fn template_follows(&self) -> bool {
        let rest = self.src[self.pos + 1..].trim_start_matches([' ', '\t']);
        rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
    }

    /// `{{NAME}}` (spaces allowed inside the braces); `start` is the first `{`, already consumed.
    fn template(&mut self, start: usize) -> Result<String, ExprError> {
        self.bump();
        self.eat_while(|c| c == ' ' || c == '\t');
        let name_start = self.pos;
        if self.peek().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') {
            self.eat_while(|c| c.is_ascii_alphanumeric() || c == '_');
        }
        let name = self.src[name_start..self.pos].to_string();
        self.eat_while(|c| c == ' ' || c == '\t');
        if name.is_empty() || !(self.eat('}') && self.eat('}')) {
            return Err(self.error(
                start..self.pos,
                "malformed template: expected {{NAME}} with NAME made of letters, digits and `_`",
            ));
        }
        Ok(name)
    }
}

/// Whether yq would keep `c` in a key after `.`.
fn is_key_char(c: char) -> bool {
    !c.is_whitespace() && !";{}:[],|.()=!".contains(c)
}

/// `0x` hex digits (unsigned, as the YAML core schema has them), or
/// `-? digits (. digits)? ([eE] [+-]? digits)?`.
fn is_number_literal(text: &str) -> bool {
    if let Some(hex) = text.strip_prefix("0x") {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<(Tok, Span)> {
        lex(src).unwrap().into_iter().map(|t| (t.tok, t.span)).collect()
    }

    fn kinds(src: &str) -> Vec<Tok> {
        lex(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    fn err(src: &str) -> (String, Span) {
        let e = lex(src).unwrap_err();
        (e.message, e.span)
    }

    fn text(s: &str) -> Part {
        Part::Text(s.into())
    }

    #[test]
    fn paths_and_spans() {
        assert_eq!(
            toks(".a.b[0] | .[]"),
            vec![
                (Tok::Key("a".into()), 0..2),
                (Tok::Key("b".into()), 2..4),
                (Tok::LBracket, 4..5),
                (Tok::Num("0".into()), 5..6),
                (Tok::RBracket, 6..7),
                (Tok::Pipe, 8..9),
                (Tok::DotBracket, 10..12),
                (Tok::RBracket, 12..13),
            ]
        );
        assert_eq!(toks("."), vec![(Tok::Dot, 0..1)]);
        assert_eq!(toks(".\"a.b\""), vec![(Tok::DotStr(vec![text("a.b")]), 0..6)]);
        assert_eq!(kinds(".a.\"b\""), vec![Tok::Key("a".into()), Tok::DotStr(vec![text("b")])]);
    }

    #[test]
    fn keys_take_dashes_but_spaced_minus_subtracts() {
        assert_eq!(kinds(".a-b"), vec![Tok::Key("a-b".into())]);
        assert_eq!(kinds(".a - .b"), vec![Tok::Key("a".into()), Tok::Minus, Tok::Key("b".into())]);
        assert_eq!(kinds(".a -1"), vec![Tok::Key("a".into()), Tok::Minus, Tok::Num("1".into())]);
        assert_eq!(kinds(".x = -1"), vec![Tok::Key("x".into()), Tok::Assign, Tok::Num("-1".into())]);
        assert_eq!(kinds("(-1)"), vec![Tok::LParen, Tok::Num("-1".into()), Tok::RParen]);
        assert_eq!(kinds(".a==1"), vec![Tok::Key("a".into()), Tok::Eq, Tok::Num("1".into())]);
        assert_eq!(kinds(".a!=1"), vec![Tok::Key("a".into()), Tok::Ne, Tok::Num("1".into())]);
        assert_eq!(kinds(".app*"), vec![Tok::Key("app*".into())]);
        assert_eq!(kinds(".café"), vec![Tok::Key("café".into())]);
    }

    #[test]
    fn operators() {
        assert_eq!(
            kinds("| |= = == != + += - -= // , ; ~"),
            vec![
                Tok::Pipe,
                Tok::UpdateAssign,
                Tok::Assign,
                Tok::Eq,
                Tok::Ne,
                Tok::Plus,
                Tok::AddAssign,
                Tok::Minus,
                Tok::SubAssign,
                Tok::Alt,
                Tok::Comma,
                Tok::Semi,
                Tok::Tilde,
            ]
        );
        assert_eq!(
            kinds("select(.a) and not"),
            vec![
                Tok::Ident("select".into()),
                Tok::LParen,
                Tok::Key("a".into()),
                Tok::RParen,
                Tok::Ident("and".into()),
                Tok::Ident("not".into()),
            ]
        );
    }

    #[test]
    fn numbers_keep_their_text() {
        for n in ["0", "12", "1.10", "0x1F", "1e3", "2.5E-3", "-7", "-0.5"] {
            assert_eq!(kinds(n), vec![Tok::Num(n.into())], "{n}");
        }
        assert_eq!(
            err(".v = 1.2.3").0,
            "malformed number `1.2.3` (to write a string, quote it: \"1.2.3\") at column 6"
        );
        assert_eq!(err("1abc").1, 0..4);
        assert_eq!(err("0x").1, 0..2);
        assert_eq!(err("-0x1F").1, 0..5);
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(kinds(r#""a\"b\\c\nd\te""#), vec![Tok::Str(vec![text("a\"b\\c\nd\te")])]);
        // Unknown escapes keep their backslash, as in yq, so regexes read naturally.
        assert_eq!(kinds(r#""\d+\.""#), vec![Tok::Str(vec![text(r"\d+\.")])]);
        assert_eq!(kinds(r#""""#), vec![Tok::Str(vec![text("")])]);
        assert_eq!(toks("\"é\" +"), vec![(Tok::Str(vec![text("é")]), 0..4), (Tok::Plus, 5..6)]);
    }

    #[test]
    fn templates_inside_strings_are_parts() {
        assert_eq!(
            toks(r#""repo/app:{{VERSION}}-x""#),
            vec![(
                Tok::Str(vec![text("repo/app:"), Part::Var { name: "VERSION".into(), span: 10..21 }, text("-x"),]),
                0..24
            )]
        );
        assert_eq!(
            kinds(r#""{{ A }}{{B_2}}""#),
            vec![Tok::Str(vec![
                Part::Var { name: "A".into(), span: 1..8 },
                Part::Var { name: "B_2".into(), span: 8..15 },
            ])]
        );
        // `{{` not followed by a name is ordinary text (Helm templates as values).
        assert_eq!(kinds(r#""{{ .Values.x }}""#), vec![Tok::Str(vec![text("{{ .Values.x }}")])]);
        assert_eq!(
            err(r#""{{VERSION}""#).0,
            "malformed template: expected {{NAME}} with NAME made of letters, digits and `_` at column 2"
        );
    }

    #[test]
    fn templates_outside_strings_are_tokens() {
        assert_eq!(
            toks(".version = {{VERSION}}"),
            vec![(Tok::Key("version".into()), 0..8), (Tok::Assign, 9..10), (Tok::Var("VERSION".into()), 11..22),]
        );
        assert_eq!(err("{{ 1 }}").1, 0..3);
    }

    #[test]
    fn comments_are_skipped() {
        assert_eq!(kinds(".a # the a key\n| .b"), vec![Tok::Key("a".into()), Tok::Pipe, Tok::Key("b".into())]);
    }

    #[test]
    fn errors_name_what_and_where() {
        assert_eq!(err("\"abc"), ("unterminated string literal at column 1".into(), 0..4));
        assert_eq!(err("\"abc\\"), ("unterminated string literal at column 1".into(), 0..5));
        assert_eq!(err(".a | .."), ("`..` (recursive descent) is not supported at column 6".into(), 5..7));
        assert_eq!(err(".a * 2"), ("`*` (multiply/merge) is not supported at column 4".into(), 3..4));
        assert_eq!(err(". as $x"), ("`$x` (variables) is not supported at column 6".into(), 5..7));
        assert_eq!(err(".a < 2").0, "`<` (comparison) is not supported at column 4");
        assert_eq!(err(".a >= 2").0, "`>=` (comparison) is not supported at column 4");
        assert_eq!(err("{a: 1}").0, "`{...}` (object construction) is not supported at column 1");
        assert_eq!(err(".a?").0, "`.a?` (optional traversal `?`) is not supported at column 1");
        assert_eq!(err("'x'").0, "single-quoted strings are not supported; use double quotes at column 1");
        assert_eq!(err("\"\\(.a)\"").1, 1..3);
        assert_eq!(
            err(".a+1").0,
            "ambiguous `.a+1`: yq reads it as the key \"a+1\"; put spaces around `+` if it is an \
             operator, or write .[\"a+1\"] if it is part of the key at column 1"
        );
        assert_eq!(
            err(".a-=1").0,
            "ambiguous `.a-=`: yq reads it as the key \"a-\" followed by `=`; write `.a -= …` to \
             subtract at column 1"
        );
        assert_eq!(err("! .a").0, "`!` is not supported; negate with `| not` at column 1");
        assert_eq!(
            err(".a[\"x\"]|.b\"c"),
            (
                "ambiguous `.b\"c`: yq reads it as the key \"b\\\"c\"; put spaces around `\"` if it \
                 is an operator, or write .[\"b\\\"c\"] if it is part of the key at column 9"
                    .into(),
                8..12
            )
        );
    }
}
