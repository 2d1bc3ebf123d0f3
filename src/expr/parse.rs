//! Stage 2: tokens → syntax tree, by precedence climbing over yq v4's operator table.
//!
//! yq's precedences (pkg/yqlib/operation.go), lowest first:
//!
//! | level | operators |
//! |-------|-----------|
//! | 10 | `,` |
//! | 20 | `and` `or` (one level) |
//! | 30 | `\|` |
//! | 40 | `=` `\|=` `+=` `-=` `==` `!=` |
//! | 42 | `+` `-` `//` |
//! | tighter | `.key` / `[i]` / `[]` chains, function calls, literals |
//!
//! yq's shunting-yard only pops an operator of *strictly* higher precedence, so operators of
//! one level group to the right: `a - b - c` is `a - (b - c)` and `a and b or c` is
//! `a and (b or c)`. This parser groups the same way, and rejects the mixes where that grouping
//! differs from the usual reading (`a - b - c`, `a - b + c`, `+`/`-` with `//`, `a and b or c`)
//! unless parenthesised, rather than pick one reading silently.

use crate::value::Value;

use super::error::ExprError;
use super::lex::{Part, Span, Tok, Token};

/// How deeply the parser may recurse (parentheses, operators, path segments).
const MAX_DEPTH: usize = 100;

/// How tall the finished tree may be (chains of `|` and `,` count once). Keeps the recursive
/// evaluator well inside small (WebAssembly) stacks; real expressions are a few levels tall.
const MAX_HEIGHT: usize = 64;

/// A syntax tree node and the part of the expression it came from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    /// What it is.
    pub kind: Kind,
    /// Its byte range in the expression.
    pub span: Span,
}

/// The kinds of node.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    /// `.`
    Identity,
    /// `.key` applied to the input.
    Key(String),
    /// `target[index]`; the index is evaluated against the same input as the target.
    Index { target: Box<Node>, index: Box<Node> },
    /// `target[]`
    Iterate(Box<Node>),
    /// `true`, `false`, `null`, `~`, a number.
    Literal(Value),
    /// A string literal, possibly with `{{NAME}}` parts.
    Str(Vec<Part>),
    /// `{{NAME}}` outside a string literal: the named value as a string.
    Var(String),
    /// `( … )`
    Paren(Box<Node>),
    /// `a | b`, including the implicit pipe between path segments (`.a.b` is `.a | .b`).
    Pipe(Box<Node>, Box<Node>),
    /// `a, b`
    Union(Box<Node>, Box<Node>),
    /// A binary operator.
    Binary(BinOp, Box<Node>, Box<Node>),
    /// An assignment; the left side is a path expression.
    Assign(AssignOp, Box<Node>, Box<Node>),
    /// A built-in function.
    Call(Call),
}

/// Binary operators that compute values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    /// `and`
    And,
    /// `or`
    Or,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `//`
    Alt,
}

/// Assignment operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AssignOp {
    /// `=`
    Set,
    /// `|=`
    Update,
    /// `+=`
    Add,
    /// `-=`
    Sub,
}

/// Built-in functions.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Call {
    /// `select(cond)`
    Select(Box<Node>),
    /// `has(key)`
    Has(Box<Node>),
    /// `with(path; update)`
    With(Box<Node>, Box<Node>),
    /// `del(path)`
    Del(Box<Node>),
    /// `sub(regex; replacement)`
    Sub(Box<Node>, Box<Node>),
    /// `test(regex)`
    Test(Box<Node>),
    /// `strenv(NAME)` (`string`) or `env(NAME)`.
    Env { name: String, name_span: Span, string: bool },
    /// `not`
    Not,
}

impl BinOp {
    fn text(self) -> &'static str {
        match self {
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Alt => "//",
        }
    }
}

impl AssignOp {
    fn text(self) -> &'static str {
        match self {
            AssignOp::Set => "=",
            AssignOp::Update => "|=",
            AssignOp::Add => "+=",
            AssignOp::Sub => "-=",
        }
    }
}

/// Infix operators, as the parser meets them.
#[derive(Clone, Copy)]
enum Infix {
    Union,
    Pipe,
    Bin(BinOp),
    Assign(AssignOp),
}

/// The precedence level and operator of `tok` in infix position.
fn infix(tok: &Tok) -> Option<(u8, Infix)> {
    Some(match tok {
        Tok::Comma => (10, Infix::Union),
        Tok::Ident(w) if w == "and" => (20, Infix::Bin(BinOp::And)),
        Tok::Ident(w) if w == "or" => (20, Infix::Bin(BinOp::Or)),
        Tok::Pipe => (30, Infix::Pipe),
        Tok::Assign => (40, Infix::Assign(AssignOp::Set)),
        Tok::UpdateAssign => (40, Infix::Assign(AssignOp::Update)),
        Tok::AddAssign => (40, Infix::Assign(AssignOp::Add)),
        Tok::SubAssign => (40, Infix::Assign(AssignOp::Sub)),
        Tok::Eq => (40, Infix::Bin(BinOp::Eq)),
        Tok::Ne => (40, Infix::Bin(BinOp::Ne)),
        Tok::Plus => (42, Infix::Bin(BinOp::Add)),
        Tok::Minus => (42, Infix::Bin(BinOp::Sub)),
        Tok::Alt => (42, Infix::Bin(BinOp::Alt)),
        _ => return None,
    })
}

/// yq operators and common jq words this engine does not implement, compared lowercase and
/// without `_` (yq accepts both `sort_by` and `sortBy`).
const UNSUPPORTED: &[&str] = &[
    "add",
    "alias",
    "all",
    "allc",
    "anchor",
    "any",
    "anyc",
    "arraytomap",
    "as",
    "ascii",
    "asciidowncase",
    "asciiupcase",
    "capture",
    "catch",
    "collect",
    "column",
    "comments",
    "contains",
    "debug",
    "def",
    "delpaths",
    "di",
    "documentindex",
    "downcase",
    "elif",
    "else",
    "empty",
    "end",
    "endswith",
    "envsubst",
    "error",
    "eval",
    "explode",
    "fi",
    "fileindex",
    "filename",
    "filter",
    "first",
    "flatten",
    "footcomment",
    "foreach",
    "formatdatetime",
    "fromcsv",
    "fromentries",
    "fromjson",
    "fromprops",
    "fromtsv",
    "fromunix",
    "fromxml",
    "fromyaml",
    "getpath",
    "groupby",
    "gsub",
    "headcomment",
    "if",
    "input",
    "inputs",
    "ireduce",
    "iskey",
    "join",
    "key",
    "keys",
    "kind",
    "label",
    "length",
    "limit",
    "line",
    "linecomment",
    "load",
    "loadbase64",
    "loadprops",
    "loadstr",
    "loadxml",
    "ltrimstr",
    "map",
    "mapvalues",
    "match",
    "max",
    "min",
    "now",
    "omit",
    "parent",
    "parents",
    "path",
    "paths",
    "pick",
    "pivot",
    "range",
    "recurse",
    "reduce",
    "ref",
    "reverse",
    "root",
    "rtrimstr",
    "setpath",
    "shuffle",
    "sort",
    "sortby",
    "sortkeys",
    "split",
    "splitdoc",
    "splits",
    "startswith",
    "strload",
    "style",
    "system",
    "tag",
    "then",
    "tocsv",
    "toentries",
    "tojson",
    "tonumber",
    "toprops",
    "tostring",
    "totsv",
    "tounix",
    "toxml",
    "toyaml",
    "trim",
    "try",
    "type",
    "tz",
    "unique",
    "uniqueby",
    "until",
    "upcase",
    "while",
    "withdtf",
    "withentries",
    "xmlload",
];

fn is_unsupported(word: &str) -> bool {
    UNSUPPORTED.contains(&word.replace('_', "").to_ascii_lowercase().as_str())
}

/// Parses a token list (from [`super::lex::lex`] over `src`) into a syntax tree.
pub(crate) fn parse(src: &str, tokens: Vec<Token>) -> Result<Node, ExprError> {
    if tokens.is_empty() {
        return Err(ExprError::new(src, 0..src.len(), "empty expression"));
    }
    let mut parser = Parser { src, tokens, pos: 0, depth: 0 };
    let node = parser.expr(0)?;
    if let Some(tok) = parser.tokens.get(parser.pos) {
        return Err(parser.unexpected(tok));
    }
    if node.height() > MAX_HEIGHT {
        return Err(ExprError::new(src, node.span, format!("expression nests too deeply (limit {MAX_HEIGHT})")));
    }
    Ok(node)
}

impl Node {
    /// The nodes directly inside this one, in source order.
    pub(crate) fn children(&self) -> Vec<&Node> {
        match &self.kind {
            Kind::Index { target, index } => vec![target, index],
            Kind::Iterate(x) | Kind::Paren(x) => vec![x],
            Kind::Pipe(a, b) | Kind::Union(a, b) | Kind::Binary(_, a, b) | Kind::Assign(_, a, b) => vec![a, b],
            Kind::Call(Call::Select(x) | Call::Has(x) | Call::Del(x) | Call::Test(x)) => vec![x],
            Kind::Call(Call::With(a, b) | Call::Sub(a, b)) => vec![a, b],
            Kind::Call(Call::Env { .. } | Call::Not)
            | Kind::Identity
            | Kind::Key(_)
            | Kind::Literal(_)
            | Kind::Str(_)
            | Kind::Var(_) => Vec::new(),
        }
    }

    /// The members of a chain of `|` (or of `,`) this node heads, in order: `a | (b | c)` and
    /// `(a | b) | c` both give `[a, b, c]`. Any other node is a chain of itself.
    pub(crate) fn spine(&self) -> Vec<&Node> {
        let mut members = Vec::new();
        let mut pending = vec![self];
        while let Some(node) = pending.pop() {
            match (&self.kind, &node.kind) {
                (Kind::Pipe(..), Kind::Pipe(a, b)) | (Kind::Union(..), Kind::Union(a, b)) => {
                    pending.extend([&**b, &**a]);
                }
                _ => members.push(node),
            }
        }
        members
    }

    /// How many nested evaluation steps the node takes: its height, with chains of `|` and `,`
    /// counting once (they are evaluated in a loop).
    fn height(&self) -> usize {
        let members = self.spine();
        let inner: Vec<&Node> = if members.len() > 1 { members } else { self.children() };
        1 + inner.into_iter().map(Node::height).max().unwrap_or(0)
    }
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

fn boxed(node: Node) -> Box<Node> {
    Box::new(node)
}

fn pipe(a: Node, b: Node) -> Node {
    let span = a.span.start..b.span.end;
    Node { kind: Kind::Pipe(boxed(a), boxed(b)), span }
}

fn identity_at(at: usize) -> Node {
    Node { kind: Kind::Identity, span: at..at + 1 }
}

/// Whether `node` denotes places in the input (what assignments, `del` and `with` need).
pub(crate) fn is_path(node: &Node) -> bool {
    match &node.kind {
        Kind::Identity | Kind::Key(_) | Kind::Assign(..) => true,
        Kind::Index { target, .. } | Kind::Iterate(target) | Kind::Paren(target) => is_path(target),
        Kind::Pipe(a, b) | Kind::Union(a, b) | Kind::Binary(BinOp::Alt, a, b) => is_path(a) && is_path(b),
        Kind::Call(call) => matches!(call, Call::Select(_) | Call::With(..) | Call::Del(_)),
        _ => false,
    }
}

/// A short description of a non-path node, for "must be a path" errors.
fn describe(node: &Node) -> String {
    match &node.kind {
        Kind::Literal(Value::Null) => "null".into(),
        Kind::Literal(Value::Bool(_)) => "a boolean".into(),
        Kind::Literal(_) => "a number".into(),
        Kind::Str(_) => "a string literal".into(),
        Kind::Var(name) => format!("the template {{{{{name}}}}}"),
        Kind::Index { target, .. } | Kind::Iterate(target) | Kind::Paren(target) => describe(target),
        Kind::Pipe(a, b) | Kind::Union(a, b) | Kind::Binary(BinOp::Alt, a, b) => {
            describe(if is_path(a) { b } else { a })
        }
        Kind::Binary(op, ..) => format!("the result of `{}`", op.text()),
        Kind::Call(Call::Has(_)) => "a call to `has`".into(),
        Kind::Call(Call::Sub(..)) => "a call to `sub`".into(),
        Kind::Call(Call::Test(_)) => "a call to `test`".into(),
        Kind::Call(Call::Env { string: true, .. }) => "a call to `strenv`".into(),
        Kind::Call(Call::Env { string: false, .. }) => "a call to `env`".into(),
        Kind::Call(Call::Not) => "`not`".into(),
        _ => "a path".into(),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn error(&self, span: Span, message: impl std::fmt::Display) -> ExprError {
        ExprError::new(self.src, span, message)
    }

    fn end(&self) -> Span {
        self.src.len()..self.src.len()
    }

    /// The source text of a token, shortened, in backticks.
    fn quote(&self, span: &Span) -> String {
        let text = &self.src[span.clone()];
        match text.char_indices().nth(30) {
            Some((cut, _)) => format!("`{}…`", &text[..cut]),
            None => format!("`{text}`"),
        }
    }

    fn unexpected(&self, token: &Token) -> ExprError {
        match &token.tok {
            Tok::Ident(w) if is_unsupported(w) => self.error(token.span.clone(), format!("`{w}` is not supported")),
            _ => self.error(
                token.span.clone(),
                format!(
                    "unexpected {}: expected an operator (like `|`, `,` or `=`) or the end of \
                     the expression",
                    self.quote(&token.span)
                ),
            ),
        }
    }

    fn enter(&mut self, span: Span) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(span, format!("expression nests too deeply (limit {MAX_DEPTH})")));
        }
        Ok(())
    }

    fn current_span(&self) -> Span {
        self.tokens.get(self.pos).map_or_else(|| self.end(), |t| t.span.clone())
    }

    /// Consumes the closing `close` of the opener at `open`, returning its span.
    fn close(&mut self, close: Tok, open: &Span) -> Result<Span, ExprError> {
        match self.tokens.get(self.pos) {
            Some(t) if t.tok == close => {
                self.pos += 1;
                Ok(t.span.clone())
            }
            Some(t) => {
                let want = if close == Tok::RParen { "`)`" } else { "`]`" };
                Err(self.error(t.span.clone(), format!("expected {want}, found {}", self.quote(&t.span))))
            }
            None => Err(self
                .error(open.clone(), format!("unclosed {}: the expression ends before its match", self.quote(open)))),
        }
    }

    /// An expression whose operators all bind at least as tightly as `min` (right-grouping).
    fn expr(&mut self, min: u8) -> Result<Node, ExprError> {
        let entered = self.depth;
        self.enter(self.current_span())?;
        let mut lhs = self.postfix()?;
        while let Some((level, op)) = self.peek().and_then(infix) {
            if level < min {
                break;
            }
            let op_span = self.current_span();
            self.pos += 1;
            let rhs = self.expr(level)?;
            lhs = self.combine(op, op_span, lhs, rhs)?;
        }
        self.depth = entered;
        Ok(lhs)
    }

    fn combine(&self, op: Infix, op_span: Span, lhs: Node, rhs: Node) -> Result<Node, ExprError> {
        let span = lhs.span.start..rhs.span.end;
        let kind = match op {
            Infix::Union => Kind::Union(boxed(lhs), boxed(rhs)),
            Infix::Pipe => Kind::Pipe(boxed(lhs), boxed(rhs)),
            Infix::Bin(op) => {
                self.check_grouping(op, &op_span, &rhs)?;
                Kind::Binary(op, boxed(lhs), boxed(rhs))
            }
            Infix::Assign(op) => {
                if !is_path(&lhs) {
                    return Err(self.error(
                        lhs.span.clone(),
                        format!(
                            "the left side of `{}` must be a path (like .a.b or .items[0]), not {}",
                            op.text(),
                            describe(&lhs)
                        ),
                    ));
                }
                Kind::Assign(op, boxed(lhs), boxed(rhs))
            }
        };
        Ok(Node { kind, span })
    }

    /// Rejects `a OP b INNER c` where yq's right grouping differs from the usual reading.
    fn check_grouping(&self, op: BinOp, op_span: &Span, rhs: &Node) -> Result<(), ExprError> {
        let Kind::Binary(inner, ..) = rhs.kind else {
            return Ok(());
        };
        use BinOp::{Add, Alt, And, Or, Sub};
        let ambiguous = match (op, inner) {
            (And, Or) => true,
            (Add | Sub | Alt, Add | Sub | Alt) => !(op == inner && op != Sub),
            _ => false,
        };
        if !ambiguous {
            return Ok(());
        }
        let (o, i) = (op.text(), inner.text());
        Err(self.error(
            op_span.clone(),
            format!(
                "ambiguous: yq reads `a {o} b {i} c` as `a {o} (b {i} c)`; add parentheses to \
                 say which grouping you mean"
            ),
        ))
    }

    /// A primary followed by path segments: `.key`, `."key"`, `.[…]` start a new segment
    /// (piped from the previous one, as yq does); `[…]` / `[]` index the current segment.
    fn postfix(&mut self) -> Result<Node, ExprError> {
        let mut current = self.primary()?;
        let mut done: Option<Node> = None;
        let entered = self.depth;
        loop {
            let span = self.current_span();
            if !matches!(self.peek(), Some(Tok::Key(_) | Tok::DotStr(_) | Tok::DotBracket | Tok::LBracket)) {
                break;
            }
            self.enter(span.clone())?;
            let next = match self.peek() {
                Some(Tok::Key(name)) => {
                    let kind = Kind::Key(name.clone());
                    self.pos += 1;
                    Node { kind, span }
                }
                Some(Tok::DotStr(parts)) => {
                    let index = Node { kind: Kind::Str(parts.clone()), span: span.start + 1..span.end };
                    self.pos += 1;
                    let kind = Kind::Index { target: boxed(identity_at(span.start)), index: boxed(index) };
                    Node { kind, span }
                }
                Some(Tok::DotBracket) => {
                    self.pos += 1;
                    self.bracket(identity_at(span.start), &span)?
                }
                _ => {
                    // `[`: indexes the current segment.
                    self.pos += 1;
                    current = self.bracket(current, &span)?;
                    continue;
                }
            };
            let previous = std::mem::replace(&mut current, next);
            done = Some(match done {
                None => previous,
                Some(d) => pipe(d, previous),
            });
        }
        self.depth = entered;
        Ok(match done {
            None => current,
            Some(d) => pipe(d, current),
        })
    }

    /// After a `[` (at `open`): `]` iterates `target`, `expr]` indexes it.
    fn bracket(&mut self, target: Node, open: &Span) -> Result<Node, ExprError> {
        if self.peek() == Some(&Tok::RBracket) {
            let close = self.current_span();
            self.pos += 1;
            let span = target.span.start..close.end;
            return Ok(Node { kind: Kind::Iterate(boxed(target)), span });
        }
        let index = self.expr(0)?;
        let close = self.close(Tok::RBracket, open)?;
        let span = target.span.start..close.end;
        Ok(Node { kind: Kind::Index { target: boxed(target), index: boxed(index) }, span })
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        let Some(token) = self.tokens.get(self.pos).cloned() else {
            return Err(self.error(self.end(), "unexpected end of the expression: expected a value or a path"));
        };
        self.pos += 1;
        let span = token.span;
        let kind = match token.tok {
            Tok::Dot => Kind::Identity,
            Tok::Key(name) => Kind::Key(name),
            Tok::DotBracket => return self.bracket(identity_at(span.start), &span),
            Tok::DotStr(parts) => {
                let index = Node { kind: Kind::Str(parts), span: span.start + 1..span.end };
                Kind::Index { target: boxed(identity_at(span.start)), index: boxed(index) }
            }
            Tok::Str(parts) => Kind::Str(parts),
            Tok::Num(text) => Kind::Literal(Value::Number(text)),
            Tok::Tilde => Kind::Literal(Value::Null),
            Tok::Var(name) => Kind::Var(name),
            Tok::LParen => {
                let inner = self.expr(0)?;
                let close = self.close(Tok::RParen, &span)?;
                return Ok(Node { kind: Kind::Paren(boxed(inner)), span: span.start..close.end });
            }
            Tok::LBracket => return Err(self.error(span, "`[...]` (collecting into an array) is not supported")),
            Tok::Ident(word) => return self.word(word, span),
            _ => {
                return Err(self.error(span.clone(), format!("expected a value or a path, found {}", self.quote(&span))))
            }
        };
        Ok(Node { kind, span })
    }

    /// A bare word in value position: a literal or a function call.
    fn word(&mut self, word: String, span: Span) -> Result<Node, ExprError> {
        let literal = match word.to_ascii_lowercase().as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            "null" => Some(Value::Null),
            _ => None,
        };
        if let Some(value) = literal {
            return Ok(Node { kind: Kind::Literal(value), span });
        }
        let call = match word.as_str() {
            "not" => {
                if self.peek() == Some(&Tok::LParen) {
                    return Err(self.error(span, "`not` takes no arguments; write `… | not`"));
                }
                return Ok(Node { kind: Kind::Call(Call::Not), span });
            }
            "and" | "or" => return Err(self.error(span, format!("expected a value before `{word}`"))),
            "strenv" | "env" => return self.env(word == "strenv", span),
            "select" | "has" | "del" | "test" | "with" | "sub" => word.as_str(),
            _ if is_unsupported(&word) => return Err(self.error(span, format!("`{word}` is not supported"))),
            _ => return Err(self.error(span, format!("unknown function '{word}'"))),
        };
        let (usage, count) = match call {
            "with" => ("with(path; update)", 2),
            "sub" => ("sub(regex; replacement)", 2),
            "select" => ("select(condition)", 1),
            "has" => ("has(key)", 1),
            "del" => ("del(path)", 1),
            _ => ("test(regex)", 1),
        };
        let (mut args, end) = self.args(call, usage, &span)?;
        let span = span.start..end;
        // yq reads `sub(a, b)` like `sub(a; b)`: it takes the two sides of whatever operator
        // joins its argument. Accept the `,` form (common in the wild); refuse the others.
        if call == "sub" && matches!(args.as_slice(), [Node { kind: Kind::Union(..), .. }]) {
            if let Some(Node { kind: Kind::Union(a, b), .. }) = args.pop() {
                args = vec![*a, *b];
            }
        }
        if args.len() != count {
            let plural = if count == 1 { "argument" } else { "arguments" };
            return Err(self.error(span, format!("`{call}` takes {count} {plural}, as in {usage}; got {}", args.len())));
        }
        if matches!(call, "with" | "del") && !is_path(&args[0]) {
            return Err(self.error(
                args[0].span.clone(),
                format!(
                    "the first argument of `{call}` must be a path (like .a.b or .items[0]), not {}",
                    describe(&args[0])
                ),
            ));
        }
        let second = if count == 2 { args.pop().map(boxed) } else { None };
        let first = args.pop().map(boxed);
        let call = match (call, first, second) {
            ("with", Some(p), Some(u)) => Call::With(p, u),
            ("sub", Some(re), Some(with)) => Call::Sub(re, with),
            ("select", Some(c), None) => Call::Select(c),
            ("has", Some(k), None) => Call::Has(k),
            ("del", Some(p), None) => Call::Del(p),
            (_, Some(re), None) => Call::Test(re),
            _ => return Err(self.error(span, format!("bad arguments to `{call}`"))),
        };
        Ok(Node { kind: Kind::Call(call), span })
    }

    /// `(arg; arg; …)` after a function name; returns the arguments and the end of `)`.
    fn args(&mut self, name: &str, usage: &str, span: &Span) -> Result<(Vec<Node>, usize), ExprError> {
        let open = self.current_span();
        if self.peek() != Some(&Tok::LParen) {
            return Err(self.error(span.clone(), format!("`{name}` needs arguments, as in {usage}")));
        }
        self.pos += 1;
        let mut args = Vec::new();
        if self.peek() == Some(&Tok::RParen) {
            let close = self.current_span();
            self.pos += 1;
            return Ok((args, close.end));
        }
        loop {
            args.push(self.expr(0)?);
            match self.tokens.get(self.pos) {
                Some(Token { tok: Tok::Semi, .. }) => self.pos += 1,
                Some(Token { tok: Tok::RParen, span }) => {
                    let end = span.end;
                    self.pos += 1;
                    return Ok((args, end));
                }
                Some(t) => {
                    return Err(self.error(
                        t.span.clone(),
                        format!("expected `;` or `)` in the arguments of `{name}`, found {}", self.quote(&t.span)),
                    ))
                }
                None => {
                    return Err(self
                        .error(open.clone(), format!("unclosed `(` of `{name}`: the expression ends before its `)`")))
                }
            }
        }
    }

    /// `strenv(NAME)` / `env(NAME)`: the argument is a bare name, as in yq.
    fn env(&mut self, string: bool, span: Span) -> Result<Node, ExprError> {
        let function = if string { "strenv" } else { "env" };
        let bad =
            |p: &Self, at: Span| p.error(at, format!("`{function}` takes a bare name, as in {function}(VERSION)"));
        match self.tokens.get(self.pos..self.pos + 3) {
            Some(
                [Token { tok: Tok::LParen, .. }, Token { tok: Tok::Ident(name), span: name_span }, Token { tok: Tok::RParen, span: close }],
            ) => {
                let call = Call::Env { name: name.clone(), name_span: name_span.clone(), string };
                let span = span.start..close.end;
                self.pos += 3;
                Ok(Node { kind: Kind::Call(call), span })
            }
            _ => Err(bad(self, span)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::lex::lex;

    /// The tree as an s-expression, to compare shapes compactly.
    fn sx(node: &Node) -> String {
        let bin = |op: &str, a: &Node, b: &Node| format!("({op} {} {})", sx(a), sx(b));
        match &node.kind {
            Kind::Identity => ".".into(),
            Kind::Key(k) => format!(".{k}"),
            Kind::Index { target, index } => bin("idx", target, index),
            Kind::Iterate(target) => format!("(iter {})", sx(target)),
            Kind::Literal(v) => v.to_string(),
            Kind::Str(parts) => {
                let text: String = parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => t.clone(),
                        Part::Var { name, .. } => format!("{{{{{name}}}}}"),
                    })
                    .collect();
                format!("{text:?}")
            }
            Kind::Var(name) => format!("{{{{{name}}}}}"),
            Kind::Paren(inner) => format!("(group {})", sx(inner)),
            Kind::Pipe(a, b) => bin("|", a, b),
            Kind::Union(a, b) => bin(",", a, b),
            Kind::Binary(op, a, b) => bin(op.text(), a, b),
            Kind::Assign(op, a, b) => bin(op.text(), a, b),
            Kind::Call(call) => match call {
                Call::Select(c) => format!("(select {})", sx(c)),
                Call::Has(k) => format!("(has {})", sx(k)),
                Call::With(p, u) => bin("with", p, u),
                Call::Del(p) => format!("(del {})", sx(p)),
                Call::Sub(r, w) => bin("sub", r, w),
                Call::Test(r) => format!("(test {})", sx(r)),
                Call::Env { name, string: true, .. } => format!("(strenv {name})"),
                Call::Env { name, string: false, .. } => format!("(env {name})"),
                Call::Not => "not".into(),
            },
        }
    }

    fn tree(src: &str) -> Node {
        parse(src, lex(src).unwrap()).unwrap()
    }

    fn p(src: &str) -> String {
        sx(&tree(src))
    }

    fn err(src: &str) -> (String, Span) {
        let e = parse(src, lex(src).unwrap()).unwrap_err();
        (e.message, e.span)
    }

    #[test]
    fn paths() {
        assert_eq!(p("."), ".");
        assert_eq!(p(".a.b"), "(| .a .b)");
        assert_eq!(p(".a[0].b"), "(| (idx .a 0) .b)");
        assert_eq!(p(".a[-1]"), "(idx .a -1)");
        assert_eq!(p(".a[]"), "(iter .a)");
        assert_eq!(p(".[]"), "(iter .)");
        assert_eq!(p(".[0][1]"), "(idx (idx . 0) 1)");
        assert_eq!(p(".[\"a b\"]"), "(idx . \"a b\")");
        assert_eq!(p(".\"a.b\""), "(idx . \"a.b\")");
        assert_eq!(p(".a.\"b\""), "(| .a (idx . \"b\"))");
        assert_eq!(p(".a-b"), ".a-b");
        assert_eq!(p(".a - .b"), "(- .a .b)");
        assert_eq!(p(".a.b.c"), "(| (| .a .b) .c)");
        // Index expressions belong to their own segment, as in yq: `.j` is read from `.x[.i]`.
        assert_eq!(p(".x[.i].y[.j]"), "(| (idx .x .i) (idx .y .j))");
        assert_eq!(p(".a.[0]"), "(| .a (idx . 0))");
        assert_eq!(p("(.a | .b).c"), "(| (group (| .a .b)) .c)");
        assert_eq!(p("select(.a)[0]"), "(idx (select .a) 0)");
    }

    #[test]
    fn chains_flatten_to_their_members() {
        let spine = |src: &str| tree(src).spine().into_iter().map(sx).collect::<Vec<_>>();
        assert_eq!(spine(".a | .b | .c"), [".a", ".b", ".c"]);
        assert_eq!(spine(".a.b | .c"), [".a", ".b", ".c"]);
        assert_eq!(spine(".a, (.b, .c), .d"), [".a", "(group (, .b .c))", ".d"]);
        assert_eq!(spine(".a, .b | .c"), [".a", "(| .b .c)"]);
        assert_eq!(spine(".a"), [".a"]);
    }

    #[test]
    fn spans() {
        let t = tree(".image.tag = \"x\"");
        assert_eq!(t.span, 0..16);
        let Kind::Assign(_, lhs, rhs) = t.kind else { panic!() };
        assert_eq!(lhs.span, 0..10);
        let Kind::Pipe(a, b) = lhs.kind else { panic!() };
        assert_eq!((a.span, b.span), (0..6, 6..10));
        assert_eq!(rhs.span, 13..16);
        assert_eq!(tree("strenv(VERSION) + \"x\"").span, 0..21);
    }

    #[test]
    fn literals() {
        assert_eq!(p("\"x\""), "\"x\"");
        assert_eq!(p("1.10"), "1.10");
        assert_eq!(p("TRUE, false, Null, ~"), "(, true (, false (, null null)))");
        assert_eq!(p("{{VERSION}}"), "{{VERSION}}");
        assert_eq!(p("\"v{{VERSION}}\""), "\"v{{VERSION}}\"");
    }

    #[test]
    fn precedence_follows_yq() {
        // Assignment binds tighter than pipe.
        assert_eq!(p(".a = \"x\" | .b = \"y\""), "(| (= .a \"x\") (= .b \"y\"))");
        // Pipe binds tighter than `,`.
        assert_eq!(p(".a, .b | .c"), "(, .a (| .b .c))");
        // `==` binds tighter than `and`/`or`, which bind looser than `|`.
        assert_eq!(p(".a == \"x\" and .b == \"y\""), "(and (== .a \"x\") (== .b \"y\"))");
        assert_eq!(p(".a | .b and .c"), "(and (| .a .b) .c)");
        assert_eq!(p(".a or .b and .c"), "(or .a (and .b .c))");
        // `+` binds tighter than assignment; paths tighter than `+`.
        assert_eq!(p(".x = \"a:\" + strenv(V)"), "(= .x (+ \"a:\" (strenv V)))");
        assert_eq!(p(".a + .b.c"), "(+ .a (| .b .c))");
        assert_eq!(p(".a |= sub(\":.*$\"; \":1\")"), "(|= .a (sub \":.*$\" \":1\"))");
        // yq takes `sub(a, b)` as `sub(a; b)`.
        assert_eq!(p(".a |= sub(\":.*$\", \":1\")"), "(|= .a (sub \":.*$\" \":1\"))");
        assert_eq!(p("sub(\"a\", \"b\", \"c\")"), "(sub \"a\" (, \"b\" \"c\"))");
        assert_eq!(p("sub((\"a\", \"b\"); \"c\")"), "(sub (group (, \"a\" \"b\")) \"c\")");
        assert_eq!(p(".a // \"d\""), "(// .a \"d\")");
        // Same level groups to the right, as in yq.
        assert_eq!(p(".a = .b == 1"), "(= .a (== .b 1))");
        assert_eq!(p("1 + 2 + 3"), "(+ 1 (+ 2 3))");
        assert_eq!(p(".a // .b // .c"), "(// .a (// .b .c))");
        assert_eq!(p("(1 - 2) - 3"), "(- (group (- 1 2)) 3)");
        assert_eq!(p(".a | not"), "(| .a not)");
    }

    #[test]
    fn real_world_forms() {
        assert_eq!(
            p("(.dependencies[] | select(.name == \"redis\")).version = \"{{VERSION}}\""),
            "(= (| (group (| (iter .dependencies) (select (== .name \"redis\")))) .version) \"{{VERSION}}\")"
        );
        assert_eq!(
            p(".spec.template.spec.containers[0].image = \"repo/app:\" + strenv(VERSION)"),
            "(= (| (| (| (| .spec .template) .spec) (idx .containers 0)) .image) (+ \"repo/app:\" (strenv VERSION)))"
        );
        assert_eq!(p("with(.a; .b = 1 | .c = 2)"), "(with .a (| (= .b 1) (= .c 2)))");
        assert_eq!(p("del(.a[0], .b)"), "(del (, (idx .a 0) .b))");
        assert_eq!(p(".a += 1, .b -= 2"), "(, (+= .a 1) (-= .b 2))");
        assert_eq!(p("has(\"k\") | not"), "(| (has \"k\") not)");
        assert_eq!(p("env(N) | test(\"^v\")"), "(| (env N) (test \"^v\"))");
    }

    #[test]
    fn ambiguous_groupings_are_rejected() {
        assert_eq!(
            err("5 - 2 - 1"),
            (
                "ambiguous: yq reads `a - b - c` as `a - (b - c)`; add parentheses to say which \
              grouping you mean at column 3"
                    .into(),
                2..3
            )
        );
        assert_eq!(err(".a - 1 + 2").1, 3..4);
        assert_eq!(err(".a + .b // \"x\"").1, 3..4);
        assert_eq!(err(".a // .b + 1").1, 3..5);
        assert_eq!(
            err(".a and .b or .c").0,
            "ambiguous: yq reads `a and b or c` as `a and (b or c)`; add parentheses to say \
             which grouping you mean at column 4"
        );
        assert_eq!(p("(.a and .b) or .c"), "(or (group (and .a .b)) .c)");
        assert_eq!(p(".a - (1 + 2)"), "(- .a (group (+ 1 2)))");
    }

    #[test]
    fn assignment_needs_a_path() {
        assert_eq!(
            err("\"x\" = 1"),
            (
                "the left side of `=` must be a path (like .a.b or .items[0]), not a string literal at column 1".into(),
                0..3
            )
        );
        assert_eq!(
            err(".a + .b |= 1").0,
            "the left side of `|=` must be a path (like .a.b or .items[0]), not the result of `+` at column 1"
        );
        assert_eq!(
            err("strenv(X) += 1").0,
            "the left side of `+=` must be a path (like .a.b or .items[0]), not a call to `strenv` at column 1"
        );
        assert_eq!(
            err("(.a | \"x\") = 1").0,
            "the left side of `=` must be a path (like .a.b or .items[0]), not a string literal at column 1"
        );
        assert_eq!(
            err("del(1)").0,
            "the first argument of `del` must be a path (like .a.b or .items[0]), not a number at column 5"
        );
        assert_eq!(p("(.a // .b) = 1"), "(= (group (// .a .b)) 1)");
        assert_eq!(p("select(.a) = 1"), "(= (select .a) 1)");
    }

    #[test]
    fn function_errors() {
        assert_eq!(err("foo(1)"), ("unknown function 'foo' at column 1".into(), 0..3));
        assert_eq!(err(".a | sort_by(.b)"), ("`sort_by` is not supported at column 6".into(), 5..12));
        assert_eq!(err("reduce(.a)").0, "`reduce` is not supported at column 1");
        assert_eq!(err(".a | length").0, "`length` is not supported at column 6");
        assert_eq!(err("select(.a; .b)").0, "`select` takes 1 argument, as in select(condition); got 2 at column 1");
        assert_eq!(err("select()").0, "`select` takes 1 argument, as in select(condition); got 0 at column 1");
        assert_eq!(err("with(.a)").0, "`with` takes 2 arguments, as in with(path; update); got 1 at column 1");
        assert_eq!(err("select").0, "`select` needs arguments, as in select(condition) at column 1");
        assert_eq!(err("select(.a").0, "unclosed `(` of `select`: the expression ends before its `)` at column 7");
        assert_eq!(err("strenv(\"X\")").0, "`strenv` takes a bare name, as in strenv(VERSION) at column 1");
        assert_eq!(err("env()").0, "`env` takes a bare name, as in env(VERSION) at column 1");
        assert_eq!(err("not(.a)").0, "`not` takes no arguments; write `… | not` at column 1");
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(err("(.a"), ("unclosed `(`: the expression ends before its match at column 1".into(), 0..1));
        assert_eq!(err(".a[0"), ("unclosed `[`: the expression ends before its match at column 3".into(), 2..3));
        assert_eq!(
            err(".a[0,"),
            ("unexpected end of the expression: expected a value or a path at column 6".into(), 5..5)
        );
        assert_eq!(err("(.a]").0, "expected `)`, found `]` at column 4");
        assert_eq!(err(".a |").1, 4..4);
        assert_eq!(
            err(".a .b c").0,
            "unexpected `c`: expected an operator (like `|`, `,` or `=`) or the end of the expression at column 7"
        );
        assert_eq!(err(".a as").0, "`as` is not supported at column 4");
        assert_eq!(err("[.a]").0, "`[...]` (collecting into an array) is not supported at column 1");
        assert_eq!(err("| .a").0, "expected a value or a path, found `|` at column 1");
        assert_eq!(err("and").0, "expected a value before `and` at column 1");
        assert_eq!(err("").0, "empty expression at column 1");
        assert_eq!(err("  # only a comment").0, "empty expression at column 1");
    }

    #[test]
    fn nesting_is_limited() {
        let deep = format!("{}.a{}", "(".repeat(200), ")".repeat(200));
        assert!(err(&deep).0.starts_with("expression nests too deeply (limit 100)"));
        let long = ".a".repeat(200);
        assert!(err(&long).0.starts_with("expression nests too deeply"));
        let chain = vec![".a"; 200].join(" | ");
        assert!(err(&chain).0.starts_with("expression nests too deeply"));
        // Operators that build to the left nest without recursion; the tree height catches them.
        let left = format!("{}.a{}", "(".repeat(60), ") + .a == .a".repeat(60));
        assert!(err(&left).0.starts_with("expression nests too deeply (limit 64)"));
        // Long chains of `|` and `,` are flat for evaluation and stay accepted.
        let assignments: Vec<String> = (0..90).map(|i| format!(".k{i} = {i}")).collect();
        assert!(parse(&assignments.join(" | "), lex(&assignments.join(" | ")).unwrap()).is_ok());
        assert!(parse(&assignments.join(", "), lex(&assignments.join(", ")).unwrap()).is_ok());
        let fine = format!("{}.a{}", "(".repeat(20), ")".repeat(20));
        assert_eq!(p(&fine), format!("{}.a{}", "(group ".repeat(20), ")".repeat(20)));
    }
}
