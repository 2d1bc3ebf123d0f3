//! Stage 1: expression text → tokens, each with its byte span.
//!
//! The lexer follows yq's tokenizer where it matters for meaning (what ends a key after `.`,
//! string escapes, number forms, the attribute assignments `style=`, `tag=`, `*_comment=`) and
//! turns yq features this engine does not implement into "not supported" errors at their
//! position, so nothing is silently read another way.

use std::ops::Range;

use super::error::{ErrorKind, ExprError};

/// A byte range in the expression.
pub(crate) type Span = Range<usize>;

pub(crate) use super::Attribute as Attr;

/// How `*` merges (yq's flags after `*`): `+` appends sequences, `d` merges sequences item by
/// item, `?` sets only keys that exist, `n` only keys that do not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct MergeFlags {
    /// `+`
    pub append: bool,
    /// `d`
    pub deep_arrays: bool,
    /// `?`
    pub only_existing: bool,
    /// `n`
    pub only_new: bool,
}

/// One token.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// `.` on its own: the identity.
    Dot,
    /// `..`: recursive descent.
    DotDot,
    /// `.name`: a key, as yq reads it (`.a-b` is the key `a-b`).
    Key(String),
    /// `.[`: indexing or iterating the current value.
    DotBracket,
    /// `."name"`: a quoted key (may hold `{{NAME}}` parts).
    DotStr(Vec<Part>),
    /// `?` after a path: errors traversing it yield nothing.
    Question,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `{` (object construction)
    LBrace,
    /// `}`
    RBrace,
    /// `:`
    Colon,
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
    /// `*=` with its flags.
    MulAssign(MergeFlags),
    /// `style=`, `tag |=`, `line_comment=`, …: `update` for `|=`.
    AttrAssign {
        /// The attribute set.
        attr: Attr,
        /// `|=` rather than `=`.
        update: bool,
    },
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*` with its flags.
    Star(MergeFlags),
    /// `//`
    Alt,
    /// `~` (null)
    Tilde,
    /// A double-quoted string literal.
    Str(Vec<Part>),
    /// A number literal, as written (`-1`, `1.10`, `0x1F`, `1e3`).
    Num(String),
    /// A bare word: a function name, `and`/`or`/`not`/`as`, `true`/`false`/`null`.
    Ident(String),
    /// `{{NAME}}` outside a string literal.
    Var(String),
    /// `$name`: a variable.
    Variable(String),
}

/// A piece of a string literal.
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
    /// `\(expr)`: the expression's value as text; the span is the expression's, inside the
    /// parentheses.
    Interpolation(Span),
}

/// A token and where it is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    /// What it is.
    pub tok: Tok,
    /// Its byte range in the expression.
    pub span: Span,
}

/// Splits `src[range]` into tokens (spans relative to `src`).
pub(crate) fn lex(src: &str, range: Range<usize>) -> Result<Vec<Token>, ExprError> {
    let mut lexer = Lexer { src: &src[..range.end], pos: range.start, tokens: Vec::new() };
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
        ExprError::new(ErrorKind::Syntax, span, message)
    }

    fn unsupported(&self, start: usize, what: &str) -> ExprError {
        ExprError::new(ErrorKind::Unsupported, start..self.pos, format!("{what} is not supported"))
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
                    | Tok::DotDot
                    | Tok::Key(_)
                    | Tok::DotStr(_)
                    | Tok::RBracket
                    | Tok::RParen
                    | Tok::RBrace
                    | Tok::Question
                    | Tok::Tilde
                    | Tok::Str(_)
                    | Tok::Num(_)
                    | Tok::Ident(_)
                    | Tok::Var(_)
                    | Tok::Variable(_)
            )
        })
    }

    /// yq's merge flags after `*` or `*=`.
    fn merge_flags(&mut self) -> Result<MergeFlags, ExprError> {
        let mut flags = MergeFlags::default();
        loop {
            match self.peek() {
                Some('+') => flags.append = true,
                Some('d') => flags.deep_arrays = true,
                Some('?') => flags.only_existing = true,
                Some('n') => flags.only_new = true,
                Some('c') => {
                    let start = self.pos;
                    self.bump();
                    return Err(self.unsupported(start, "the merge flag `c` (custom tags of the right side win)"));
                }
                _ => return Ok(flags),
            }
            self.bump();
        }
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
                '{' if self.peek() == Some('{') => Tok::Var(self.template(start)?),
                '{' => Tok::LBrace,
                '}' => Tok::RBrace,
                ':' => Tok::Colon,
                ',' => Tok::Comma,
                ';' => Tok::Semi,
                '~' => Tok::Tilde,
                '?' => Tok::Question,
                '|' if self.eat('=') => Tok::UpdateAssign,
                '|' => Tok::Pipe,
                '=' if self.eat('=') => Tok::Eq,
                '=' if self.peek() == Some('c') && !self.peek_at(1).is_some_and(|c| c.is_ascii_alphanumeric()) => {
                    self.bump();
                    return Err(self.unsupported(start, "`=c` (assigning without comments)"));
                }
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
                '*' if self.eat('=') => Tok::MulAssign(self.merge_flags()?),
                '*' => Tok::Star(self.merge_flags()?),
                '%' => return Err(self.unsupported(start, "`%` (modulo)")),
                '<' if self.eat('=') => Tok::Le,
                '<' => Tok::Lt,
                '>' if self.eat('=') => Tok::Ge,
                '>' => Tok::Gt,
                '$' => {
                    self.eat_while(|c| c.is_ascii_alphanumeric() || c == '_');
                    if self.pos == start + 1 {
                        return Err(self.error(start..self.pos, "`$` must start a variable name, e.g. $x"));
                    }
                    Tok::Variable(self.src[start + 1..self.pos].to_string())
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
                c if c.is_ascii_digit() => self.number(start)?,
                c if c.is_ascii_alphabetic() || c == '_' => self.word(start),
                c => return Err(self.error(start..self.pos, format!("unexpected character `{c}`"))),
            };
            self.push(tok, start);
        }
    }

    /// A bare word, or an attribute assignment (`style = …`, `tag |= …`).
    fn word(&mut self, start: usize) -> Tok {
        self.eat_while(|c| c.is_ascii_alphanumeric() || c == '_');
        let word = &self.src[start..self.pos];
        if let Some(attr) = Attr::named(word) {
            let rest = &self.src[self.pos..];
            let spaces = rest.len() - rest.trim_start().len();
            let after = &rest[spaces..];
            let update = after.starts_with("|=");
            if update || (after.starts_with('=') && !after.starts_with("==")) {
                self.pos += spaces + if update { 2 } else { 1 };
                return Tok::AttrAssign { attr, update };
            }
        }
        Tok::Ident(word.to_string())
    }

    /// After a `.`: identity, `.key`, `.[`, `."key"` or `..`.
    fn dot(&mut self, start: usize) -> Result<Tok, ExprError> {
        match self.peek() {
            Some('.') => {
                self.bump();
                if self.peek() == Some('.') {
                    self.eat_while(|c| c == '.');
                    return Err(self.unsupported(start, "`...` (recursive descent including keys)"));
                }
                Ok(Tok::DotDot)
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

    /// `.key`: as in yq, the key runs to the next space or one of `; { } : [ ] , | . ( ) = !`;
    /// a final `?` makes the traversal optional. Characters yq would silently take into the key
    /// but a reader may take for an operator (`.a+1` is the key `a+1` in yq) are rejected.
    fn key(&mut self, start: usize) -> Result<Tok, ExprError> {
        self.eat_while(is_key_char);
        let mut key = &self.src[start + 1..self.pos];
        if key.ends_with('?') && !key.ends_with("??") {
            // `.a?`: the `?` is the optional marker, pushed as its own token.
            key = &key[..key.len() - 1];
            self.pos -= 1;
        }
        // `.<<` is the merge key itself, as yq reads it.
        let merge_key = key == "<<";
        if let Some(bad) = key
            .chars()
            .find(|&c| c.is_ascii() && !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '*' | '?')))
            .filter(|_| !merge_key)
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
    /// yq's: `\" \\ \n \t \r \f \v \b \a`, and `\(expr)` interpolates; any other backslash is
    /// kept as written, so regexes like `"\d+"` work.
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
                            let inner = self.interpolation(at)?;
                            if !text.is_empty() {
                                parts.push(Part::Text(std::mem::take(&mut text)));
                            }
                            parts.push(Part::Interpolation(inner));
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

    /// The span of an interpolated expression: from after `\(` to its matching `)` (consumed),
    /// skipping parentheses inside nested string literals.
    fn interpolation(&mut self, at: usize) -> Result<Span, ExprError> {
        let inner_start = self.pos;
        let mut depth = 1;
        let mut in_string = false;
        while let Some(c) = self.bump() {
            match c {
                '\\' if in_string => {
                    self.bump();
                }
                '"' => in_string = !in_string,
                '(' if !in_string => depth += 1,
                ')' if !in_string => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(inner_start..self.pos - 1);
                    }
                }
                _ => {}
            }
        }
        Err(self.error(at..self.pos, "unclosed `\\(` in a string"))
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

/// `0x`/`0X` hex digits (unsigned, as the YAML core schema has them), `0o` octal, or
/// `-? digits (. digits)? ([eE] [+-]? digits)?`.
fn is_number_literal(text: &str) -> bool {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return !octal.is_empty() && octal.chars().all(|c| c.is_digit(8));
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
mod tests;
