//! Stage 2: tokens → syntax tree, by precedence climbing over yq v4's operator table.
//!
//! yq's precedences (pkg/yqlib/operation.go), lowest first:
//!
//! | level | operators |
//! |-------|-----------|
//! | 10 | `,` |
//! | 15 | `:` (a map entry) |
//! | 20 | `and` `or` (one level) |
//! | 30 | `\|` |
//! | 40 | `=` `\|=` `+=` `-=` `*=` `==` `!=` `<` `<=` `>` `>=` `as` `style=` `tag=` `*_comment=` |
//! | 42 | `+` `-` `*` `//` |
//! | tighter | `.key` / `[i]` / `[a:b]` / `[]` / `?` chains, function calls, literals |
//!
//! yq's shunting-yard only pops an operator of *strictly* higher precedence, so operators of
//! one level group to the right: `a - b - c` is `a - (b - c)` and `a and b or c` is
//! `a and (b or c)`. This parser groups the same way, and rejects the mixes where that grouping
//! differs from the usual reading (`a - b - c`, `a - b + c`, `+`/`-` with `//`, `a and b or c`)
//! unless parenthesised, rather than pick one reading silently.

use crate::value::Value;

use super::builtins::{self, EnvsubstFlags, Func};
use super::error::{ErrorKind, ExprError};
use super::lex::{self, Attr, MergeFlags, Part, Span, Tok, Token};

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

/// A piece of a string literal, parsed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StrPart {
    /// Text.
    Text(String),
    /// `{{NAME}}`.
    Var {
        /// The name.
        name: String,
        /// Where the template is.
        span: Span,
    },
    /// `\(expr)`.
    Expr(Node),
}

/// The kinds of node.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    /// `.`
    Identity,
    /// `..`: the input and everything below it.
    Recurse,
    /// `.key` applied to the input.
    Key(String),
    /// `target[index]`; the index is evaluated against the same input as the target.
    Index { target: Box<Node>, index: Box<Node> },
    /// `target[from:to]` (either end may be left out).
    Slice { target: Box<Node>, from: Option<Box<Node>>, to: Option<Box<Node>> },
    /// `target[]`
    Iterate(Box<Node>),
    /// `target?`: errors traversing it yield nothing.
    Optional(Box<Node>),
    /// `true`, `false`, `null`, `~`, a number.
    Literal(Value),
    /// A string literal, possibly with `{{NAME}}` and `\(…)` parts.
    Str(Vec<StrPart>),
    /// `{{NAME}}` outside a string literal: the named value as a string.
    Var(String),
    /// `$name`
    Variable(String),
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
    /// `path style = value` (and `tag`, comments); `update` for `|=`.
    SetAttr { attr: Attr, update: bool, target: Box<Node>, value: Box<Node> },
    /// `source as $name | body`
    As { source: Box<Node>, name: String, body: Box<Node> },
    /// `[ … ]` (`None`: `[]`).
    Collect(Option<Box<Node>>),
    /// `{k: v, …}`, and a bare `k: v`.
    Object(Vec<(Node, Node)>),
    /// `strenv(NAME)` (`string`) or `env(NAME)`.
    Env { name: String, name_span: Span, string: bool },
    /// A built-in function and its arguments.
    Call(Func, Vec<Node>),
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
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*` (multiply, or merge with flags)
    Mul(MergeFlags),
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
    /// `*=`
    Mul(MergeFlags),
}

impl BinOp {
    fn text(self) -> &'static str {
        match self {
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul(_) => "*",
            BinOp::Alt => "//",
        }
    }
}

/// Infix operators, as the parser meets them.
#[derive(Clone, Copy)]
enum Infix {
    Union,
    Entry,
    Pipe,
    Bin(BinOp),
    Assign(AssignOp),
    Attr(Attr, bool),
    As,
}

/// The precedence level and operator of `tok` in infix position.
fn infix(tok: &Tok) -> Option<(u8, Infix)> {
    Some(match tok {
        Tok::Comma => (10, Infix::Union),
        Tok::Colon => (15, Infix::Entry),
        Tok::Ident(w) if w == "and" => (20, Infix::Bin(BinOp::And)),
        Tok::Ident(w) if w == "or" => (20, Infix::Bin(BinOp::Or)),
        Tok::Pipe => (30, Infix::Pipe),
        Tok::Assign => (40, Infix::Assign(AssignOp::Set)),
        Tok::UpdateAssign => (40, Infix::Assign(AssignOp::Update)),
        Tok::AddAssign => (40, Infix::Assign(AssignOp::Add)),
        Tok::SubAssign => (40, Infix::Assign(AssignOp::Sub)),
        Tok::MulAssign(flags) => (40, Infix::Assign(AssignOp::Mul(*flags))),
        Tok::AttrAssign { attr, update } => (40, Infix::Attr(*attr, *update)),
        Tok::Ident(w) if w == "as" => (40, Infix::As),
        Tok::Eq => (40, Infix::Bin(BinOp::Eq)),
        Tok::Ne => (40, Infix::Bin(BinOp::Ne)),
        Tok::Lt => (40, Infix::Bin(BinOp::Lt)),
        Tok::Le => (40, Infix::Bin(BinOp::Le)),
        Tok::Gt => (40, Infix::Bin(BinOp::Gt)),
        Tok::Ge => (40, Infix::Bin(BinOp::Ge)),
        Tok::Plus => (42, Infix::Bin(BinOp::Add)),
        Tok::Minus => (42, Infix::Bin(BinOp::Sub)),
        Tok::Star(flags) => (42, Infix::Bin(BinOp::Mul(*flags))),
        Tok::Alt => (42, Infix::Bin(BinOp::Alt)),
        _ => return None,
    })
}

/// Parses `src[range]` (tokens already lexed) into a syntax tree.
pub(crate) fn parse(src: &str, tokens: Vec<Token>, range: Span) -> Result<Node, ExprError> {
    if tokens.is_empty() {
        return Err(ExprError::new(ErrorKind::Syntax, range, "empty expression"));
    }
    let mut parser = Parser { src, tokens, pos: 0, depth: 0, end: range.end };
    let node = parser.expr(0)?;
    if let Some(tok) = parser.tokens.get(parser.pos) {
        return Err(parser.unexpected(tok));
    }
    if node.height() > MAX_HEIGHT {
        return Err(ExprError::new(
            ErrorKind::Limit,
            node.span,
            format!("expression nests too deeply (limit {MAX_HEIGHT})"),
        ));
    }
    Ok(node)
}

impl Node {
    /// The nodes directly inside this one, in source order.
    pub(crate) fn children(&self) -> Vec<&Node> {
        match &self.kind {
            Kind::Index { target, index } => vec![target, index],
            Kind::Slice { target, from, to } => {
                let mut out = vec![&**target];
                out.extend(from.as_deref());
                out.extend(to.as_deref());
                out
            }
            Kind::Iterate(x) | Kind::Paren(x) | Kind::Optional(x) => vec![x],
            Kind::Pipe(a, b) | Kind::Union(a, b) | Kind::Binary(_, a, b) | Kind::Assign(_, a, b) => vec![a, b],
            Kind::SetAttr { target, value, .. } => vec![target, value],
            Kind::As { source, body, .. } => vec![source, body],
            Kind::Collect(inner) => inner.as_deref().into_iter().collect(),
            Kind::Object(entries) => entries.iter().flat_map(|(k, v)| [k, v]).collect(),
            Kind::Call(_, args) => args.iter().collect(),
            Kind::Str(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    StrPart::Expr(node) => Some(node),
                    _ => None,
                })
                .collect(),
            Kind::Env { .. }
            | Kind::Identity
            | Kind::Recurse
            | Kind::Key(_)
            | Kind::Literal(_)
            | Kind::Var(_)
            | Kind::Variable(_) => Vec::new(),
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
    /// Where the parsed text ends.
    end: usize,
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
        Kind::Identity | Kind::Recurse | Kind::Key(_) | Kind::Assign(..) | Kind::SetAttr { .. } => true,
        Kind::Index { target, .. }
        | Kind::Slice { target, .. }
        | Kind::Iterate(target)
        | Kind::Paren(target)
        | Kind::Optional(target) => is_path(target),
        Kind::Pipe(a, b) | Kind::Union(a, b) | Kind::Binary(BinOp::Alt, a, b) => is_path(a) && is_path(b),
        Kind::As { body, .. } => is_path(body),
        Kind::Call(func, _) => matches!(func, Func::Select | Func::With | Func::Del | Func::First),
        _ => false,
    }
}

/// Whether a path ends in `key` (`.a | key`, `(.a | key)`).
fn ends_in_key(node: &Node) -> bool {
    match &node.kind {
        Kind::Call(Func::Key, _) => true,
        Kind::Paren(inner) => ends_in_key(inner),
        Kind::Pipe(_, last) => ends_in_key(last),
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
        Kind::Variable(name) => format!("the variable ${name}"),
        Kind::Index { target, .. } | Kind::Iterate(target) | Kind::Paren(target) | Kind::Optional(target) => {
            describe(target)
        }
        Kind::Pipe(a, b) | Kind::Union(a, b) | Kind::Binary(BinOp::Alt, a, b) => {
            describe(if is_path(a) { b } else { a })
        }
        Kind::Binary(op, ..) => format!("the result of `{}`", op.text()),
        Kind::Collect(_) => "a collected array `[…]`".into(),
        Kind::Object(_) => "a constructed map `{…}`".into(),
        Kind::Env { string: true, .. } => "a call to `strenv`".into(),
        Kind::Env { string: false, .. } => "a call to `env`".into(),
        Kind::Call(func, _) => {
            let name = builtins::BUILTINS.iter().find(|b| b.func == *func).map_or("a function", |b| b.names[0]);
            format!("a call to `{name}`")
        }
        _ => "a path".into(),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn error(&self, span: Span, message: impl std::fmt::Display) -> ExprError {
        ExprError::new(ErrorKind::Syntax, span, message)
    }

    fn unsupported(&self, span: Span, message: impl std::fmt::Display) -> ExprError {
        ExprError::new(ErrorKind::Unsupported, span, message)
    }

    fn end(&self) -> Span {
        self.end..self.end
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
            Tok::Ident(w) if builtins::is_unsupported(w) => {
                self.unsupported(token.span.clone(), format!("`{w}` is not supported"))
            }
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
            return Err(ExprError::new(
                ErrorKind::Limit,
                span,
                format!("expression nests too deeply (limit {MAX_DEPTH})"),
            ));
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
                let want = match close {
                    Tok::RParen => "`)`",
                    Tok::RBrace => "`}`",
                    _ => "`]`",
                };
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
            if let Infix::As = op {
                lhs = self.binding(lhs, op_span)?;
                continue;
            }
            let rhs = self.expr(level)?;
            lhs = self.combine(op, op_span, lhs, rhs)?;
        }
        self.depth = entered;
        Ok(lhs)
    }

    /// After `source as`: `$name | body`.
    fn binding(&mut self, source: Node, as_span: Span) -> Result<Node, ExprError> {
        let name = match self.tokens.get(self.pos) {
            Some(Token { tok: Tok::Variable(name), .. }) => name.clone(),
            Some(Token { tok: Tok::LBracket | Tok::LBrace, span }) => {
                return Err(self.unsupported(span.clone(), "destructuring `as [$a, $b]` / `as {…}` is not supported"))
            }
            _ => return Err(self.error(as_span, "`as` must be followed by a variable, as in `.a as $x | …`")),
        };
        self.pos += 1;
        if self.peek() != Some(&Tok::Pipe) {
            return Err(
                self.error(self.current_span(), format!("`as ${name}` must be followed by `|` and what uses it"))
            );
        }
        self.pos += 1;
        let body = self.expr(30)?;
        let span = source.span.start..body.span.end;
        Ok(Node { kind: Kind::As { source: boxed(source), name, body: boxed(body) }, span })
    }

    fn combine(&self, op: Infix, op_span: Span, lhs: Node, rhs: Node) -> Result<Node, ExprError> {
        let span = lhs.span.start..rhs.span.end;
        let kind = match op {
            Infix::Union => Kind::Union(boxed(lhs), boxed(rhs)),
            Infix::Pipe => Kind::Pipe(boxed(lhs), boxed(rhs)),
            Infix::Entry => {
                // yq reads a bare `k: v` as a list of lists holding the map; write `{k: v}`.
                return Err(self.unsupported(
                    lhs.span.start..rhs.span.end,
                    "`key: value` outside `{…}` is not supported; write the map as {key: value}",
                ));
            }
            Infix::As => unreachable!("bound in expr"),
            Infix::Bin(op) => {
                self.check_grouping(op, &op_span, &rhs)?;
                Kind::Binary(op, boxed(lhs), boxed(rhs))
            }
            Infix::Assign(op) => {
                self.require_path(&lhs, &op_span)?;
                Kind::Assign(op, boxed(lhs), boxed(rhs))
            }
            Infix::Attr(attr, update) => {
                self.require_path(&lhs, &op_span)?;
                Kind::SetAttr { attr, update, target: boxed(lhs), value: boxed(rhs) }
            }
        };
        Ok(Node { kind, span })
    }

    fn require_path(&self, lhs: &Node, op_span: &Span) -> Result<(), ExprError> {
        if is_path(lhs) {
            return Ok(());
        }
        if ends_in_key(lhs) {
            return Err(self.unsupported(
                lhs.span.clone(),
                format!(
                    "`key` on the left of `{}` (renaming a key, or a key's comment) is not supported; \
                     set it on the value instead (`.a line_comment = …`)",
                    &self.src[op_span.clone()].trim()
                ),
            ));
        }
        Err(self.error(
            lhs.span.clone(),
            format!(
                "the left side of `{}` must be a path (like .a.b or .items[0]), not {}",
                &self.src[op_span.clone()].trim(),
                describe(lhs)
            ),
        ))
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
            (BinOp::Mul(_), Add | Sub) | (Add | Sub, BinOp::Mul(_)) => true,
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
    /// (piped from the previous one, as yq does); `[…]`, `[]`, `[a:b]` and `?` apply to the
    /// current segment. (Recursion passes through here and [`Parser::primary`]: both keep small
    /// frames, leaving the work to functions of their own.)
    fn postfix(&mut self) -> Result<Node, ExprError> {
        let mut current = self.primary()?;
        let mut done: Option<Node> = None;
        let entered = self.depth;
        while self.segment(&mut current, &mut done)? {}
        self.depth = entered;
        Ok(match done {
            None => current,
            Some(d) => pipe(d, current),
        })
    }

    /// One path segment after `current`, if one follows: `true` when it took one.
    #[inline(never)]
    fn segment(&mut self, current: &mut Node, done: &mut Option<Node>) -> Result<bool, ExprError> {
        let span = self.current_span();
        let next = match self.peek() {
            Some(Tok::Key(name)) => Node { kind: Kind::Key(name.clone()), span: span.clone() },
            Some(Tok::DotStr(parts)) => {
                let index = Node { kind: Kind::Str(self.str_parts(parts.clone())?), span: span.start + 1..span.end };
                let kind = Kind::Index { target: boxed(identity_at(span.start)), index: boxed(index) };
                Node { kind, span: span.clone() }
            }
            Some(Tok::DotBracket) => {
                self.enter(span.clone())?;
                self.pos += 1;
                let next = self.bracket(identity_at(span.start), &span)?;
                let previous = std::mem::replace(current, next);
                *done = Some(match done.take() {
                    None => previous,
                    Some(d) => pipe(d, previous),
                });
                return Ok(true);
            }
            Some(Tok::LBracket) => {
                self.enter(span.clone())?;
                self.pos += 1;
                let target = std::mem::replace(current, identity_at(0));
                *current = self.bracket(target, &span)?;
                return Ok(true);
            }
            Some(Tok::Question) => {
                self.pos += 1;
                let span = current.span.start..span.end;
                let target = std::mem::replace(current, identity_at(0));
                *current = Node { kind: Kind::Optional(boxed(target)), span };
                return Ok(true);
            }
            _ => return Ok(false),
        };
        self.enter(span.clone())?;
        self.pos += 1;
        let previous = std::mem::replace(current, next);
        *done = Some(match done.take() {
            None => previous,
            Some(d) => pipe(d, previous),
        });
        Ok(true)
    }

    /// After a `[` (at `open`): `]` iterates `target`, `expr]` indexes it, `a:b]` slices it.
    fn bracket(&mut self, target: Node, open: &Span) -> Result<Node, ExprError> {
        let start = target.span.start.min(open.start);
        if self.peek() == Some(&Tok::RBracket) {
            let close = self.current_span();
            self.pos += 1;
            return Ok(Node { kind: Kind::Iterate(boxed(target)), span: start..close.end });
        }
        let from = if self.peek() == Some(&Tok::Colon) { None } else { Some(boxed(self.expr(16)?)) };
        if self.peek() == Some(&Tok::Colon) {
            self.pos += 1;
            let to = if self.peek() == Some(&Tok::RBracket) { None } else { Some(boxed(self.expr(16)?)) };
            let close = self.close(Tok::RBracket, open)?;
            return Ok(Node { kind: Kind::Slice { target: boxed(target), from, to }, span: start..close.end });
        }
        let first = *from.expect("an index before `]`");
        // `[a, b]` indexes with each of a union's outputs.
        let index = if self.peek() == Some(&Tok::Comma) {
            self.pos += 1;
            let rest = self.expr(0)?;
            let span = first.span.start..rest.span.end;
            Node { kind: Kind::Union(boxed(first), boxed(rest)), span }
        } else {
            first
        };
        let close = self.close(Tok::RBracket, open)?;
        Ok(Node { kind: Kind::Index { target: boxed(target), index: boxed(index) }, span: start..close.end })
    }

    /// A string literal's parts, interpolations parsed.
    fn str_parts(&self, parts: Vec<Part>) -> Result<Vec<StrPart>, ExprError> {
        parts
            .into_iter()
            .map(|part| {
                Ok(match part {
                    Part::Text(text) => StrPart::Text(text),
                    Part::Var { name, span } => StrPart::Var { name, span },
                    Part::Interpolation(range) => {
                        let tokens = lex::lex(self.src, range.clone())?;
                        StrPart::Expr(parse(self.src, tokens, range)?)
                    }
                })
            })
            .collect()
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        if self.peek() == Some(&Tok::LParen) {
            return self.parenthesised();
        }
        self.atom()
    }

    /// `( … )`.
    #[inline(never)]
    fn parenthesised(&mut self) -> Result<Node, ExprError> {
        let span = self.current_span();
        self.pos += 1;
        let inner = self.expr(0)?;
        let close = self.close(Tok::RParen, &span)?;
        Ok(Node { kind: Kind::Paren(boxed(inner)), span: span.start..close.end })
    }

    /// Any primary but `( … )`.
    #[inline(never)]
    fn atom(&mut self) -> Result<Node, ExprError> {
        let Some(token) = self.tokens.get(self.pos).cloned() else {
            return Err(self.error(self.end(), "unexpected end of the expression: expected a value or a path"));
        };
        self.pos += 1;
        let span = token.span;
        let kind = match token.tok {
            Tok::Dot => Kind::Identity,
            Tok::DotDot => Kind::Recurse,
            Tok::Key(name) => Kind::Key(name),
            Tok::DotBracket => return self.bracket(identity_at(span.start), &span),
            Tok::DotStr(parts) => {
                let index = Node { kind: Kind::Str(self.str_parts(parts)?), span: span.start + 1..span.end };
                Kind::Index { target: boxed(identity_at(span.start)), index: boxed(index) }
            }
            Tok::Str(parts) => Kind::Str(self.str_parts(parts)?),
            Tok::Num(text) => Kind::Literal(Value::Number(text)),
            Tok::Tilde => Kind::Literal(Value::Null),
            Tok::Var(name) => Kind::Var(name),
            Tok::Variable(name) => Kind::Variable(name),
            Tok::LBracket => {
                if self.peek() == Some(&Tok::RBracket) {
                    let close = self.current_span();
                    self.pos += 1;
                    return Ok(Node { kind: Kind::Collect(None), span: span.start..close.end });
                }
                let inner = self.expr(0)?;
                let close = self.close(Tok::RBracket, &span)?;
                return Ok(Node { kind: Kind::Collect(Some(boxed(inner))), span: span.start..close.end });
            }
            Tok::LBrace => return self.object(span),
            Tok::Ident(word) => return self.word(word, span),
            _ => {
                return Err(self.error(span.clone(), format!("expected a value or a path, found {}", self.quote(&span))))
            }
        };
        Ok(Node { kind, span })
    }

    /// After `{`: entries `key: value` (a bare word as the key is its text) or `$name`
    /// (`$name: $name`), separated by `,`.
    fn object(&mut self, open: Span) -> Result<Node, ExprError> {
        let mut entries = Vec::new();
        if self.peek() == Some(&Tok::RBrace) {
            let close = self.current_span();
            self.pos += 1;
            return Ok(Node { kind: Kind::Object(entries), span: open.start..close.end });
        }
        loop {
            let key_span = self.current_span();
            let key = match self.tokens.get(self.pos..self.pos + 2) {
                // A bare word before `:` is the key's text, as in `{a: 1}`.
                Some([Token { tok: Tok::Ident(word), span }, Token { tok: Tok::Colon, .. }]) => {
                    let node = Node { kind: Kind::Str(vec![StrPart::Text(word.clone())]), span: span.clone() };
                    self.pos += 1;
                    node
                }
                Some([Token { tok: Tok::Ident(_), span }, Token { tok: Tok::Comma | Tok::RBrace, .. }]) => {
                    return Err(self.error(span.clone(), "a map entry needs `key: value`"));
                }
                Some([Token { tok: Tok::Variable(name), span }, next]) if next.tok != Tok::Colon => {
                    let key = Node { kind: Kind::Str(vec![StrPart::Text(name.clone())]), span: span.clone() };
                    let value = Node { kind: Kind::Variable(name.clone()), span: span.clone() };
                    self.pos += 1;
                    entries.push((key, value));
                    if self.object_separator(&open)? {
                        return Ok(Node {
                            kind: Kind::Object(entries),
                            span: open.start..self.tokens[self.pos - 1].span.end,
                        });
                    }
                    continue;
                }
                _ => self.expr(16)?,
            };
            if self.peek() != Some(&Tok::Colon) {
                return Err(self.error(key_span, "a map entry needs `key: value`"));
            }
            self.pos += 1;
            let value = self.expr(16)?;
            entries.push((key, value));
            if self.object_separator(&open)? {
                return Ok(Node { kind: Kind::Object(entries), span: open.start..self.tokens[self.pos - 1].span.end });
            }
        }
    }

    /// After an entry: `,` (more follow: `false`) or `}` (done: `true`).
    fn object_separator(&mut self, open: &Span) -> Result<bool, ExprError> {
        match self.peek() {
            Some(Tok::Comma) => {
                self.pos += 1;
                Ok(false)
            }
            Some(Tok::RBrace) => {
                self.pos += 1;
                Ok(true)
            }
            _ => {
                self.close(Tok::RBrace, open)?;
                Ok(true)
            }
        }
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
        if matches!(word.as_str(), "and" | "or" | "as") {
            return Err(self.error(span, format!("expected a value before `{word}`")));
        }
        let Some(builtin) = builtins::find(&word) else {
            if builtins::is_unsupported(&word) {
                return Err(self.unsupported(span, format!("`{word}` is not supported")));
            }
            return Err(self.error(span, format!("unknown function '{word}'")));
        };
        if builtin.takes_name {
            return self.env(builtin.func == Func::Strenv, span);
        }
        if let (Func::Envsubst(_), Some(Tok::LParen)) = (builtin.func, self.peek()) {
            return self.envsubst_flags(span);
        }
        let (mut args, end) =
            if self.peek() == Some(&Tok::LParen) { self.args(&word)? } else { (Vec::new(), span.end) };
        let span = span.start..end;
        // yq reads `sub(a, b)` like `sub(a; b)` (and `match`, `capture`, `test` too): it takes
        // the two sides of whatever operator joins its argument. Accept the `,` form (common in
        // the wild); refuse the others.
        let two_sided = matches!(builtin.func, Func::Sub | Func::Match | Func::Capture | Func::Test);
        if two_sided && matches!(args.as_slice(), [Node { kind: Kind::Union(..), .. }]) {
            if let Some(Node { kind: Kind::Union(a, b), .. }) = args.pop() {
                args = vec![*a, *b];
            }
        }
        if !builtin.arities.contains(&args.len()) {
            let wanted = builtin.arities.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" or ");
            let plural = if builtin.arities == [1] { "argument" } else { "arguments" };
            return Err(self.error(
                span,
                format!("`{word}` takes {wanted} {plural}, as in {}; got {}", builtin.usage, args.len()),
            ));
        }
        if matches!(builtin.func, Func::With | Func::Del) && !is_path(&args[0]) {
            return Err(self.error(
                args[0].span.clone(),
                format!(
                    "the first argument of `{word}` must be a path (like .a.b or .items[0]), not {}",
                    describe(&args[0])
                ),
            ));
        }
        Ok(Node { kind: Kind::Call(builtin.func, args), span })
    }

    /// `envsubst(ne, nu, ff)`: the flags, as words.
    fn envsubst_flags(&mut self, span: Span) -> Result<Node, ExprError> {
        let open = self.current_span();
        self.pos += 1;
        let mut flags = EnvsubstFlags::NONE;
        loop {
            let here = self.current_span();
            match self.peek().cloned() {
                Some(Tok::Ident(word)) => {
                    match word.as_str() {
                        "nu" => flags.no_unset = true,
                        "ne" => flags.no_empty = true,
                        "ff" => flags.fail_fast = true,
                        _ => return Err(self.error(here, format!("unknown envsubst flag `{word}`: use nu, ne or ff"))),
                    }
                    self.pos += 1;
                }
                _ => return Err(self.error(here, "expected an envsubst flag: nu, ne or ff")),
            }
            if self.peek() == Some(&Tok::Comma) {
                self.pos += 1;
                continue;
            }
            let close = self.close(Tok::RParen, &open)?;
            return Ok(Node { kind: Kind::Call(Func::Envsubst(flags), Vec::new()), span: span.start..close.end });
        }
    }

    /// `(arg; arg; …)` after a function name; returns the arguments and the end of `)`.
    fn args(&mut self, name: &str) -> Result<(Vec<Node>, usize), ExprError> {
        let open = self.current_span();
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
        match self.tokens.get(self.pos..self.pos + 3) {
            Some(
                [Token { tok: Tok::LParen, .. }, Token { tok: Tok::Ident(name), span: name_span }, Token { tok: Tok::RParen, span: close }],
            ) => {
                let kind = Kind::Env { name: name.clone(), name_span: name_span.clone(), string };
                let span = span.start..close.end;
                self.pos += 3;
                Ok(Node { kind, span })
            }
            _ => Err(self.error(span, format!("`{function}` takes a bare name, as in {function}(VERSION)"))),
        }
    }
}

#[cfg(test)]
mod tests;
