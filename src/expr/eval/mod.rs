//! Stage 3: syntax tree → values.
//!
//! Evaluation follows yq's model, where what flows through an expression are *places*: a
//! document and a path inside it. An assignment updates the document at the places its left
//! side names and passes its input on, so `.a = 1 | .b = 2` sees the first update. The input
//! is document 0; literals and computed values become new documents. The outputs are read
//! when evaluation is done, after every update, as yq prints them.
//!
//! Beside the data, a place has a tag, a style and comments: for the input document they are
//! read from its source ([`Source`]) until an assignment replaces the value; computed values
//! carry the tag their operator gave them. Setting a style, tag or comment on a place of the
//! input is recorded as an [`AttributeChange`] for the engine to write.
//!
//! Evaluation is pure: nothing outside `vars` and the source is read.

use regex_lite::Regex;

use crate::value::{resolve_plain, Value};

use super::builtins::Func;
use super::error::{ErrorKind, ExprError};
use super::lex::{Attr, Span};
use super::parse::{Kind, Node, StrPart};
use super::{AttributeChange, Evaluated, Output, Source, Step, Vars};

mod assign;
mod calls;
mod ops;
mod path;
pub(crate) mod time;

/// A place: a document and a path in it. The value there may not exist yet (reads as null;
/// assigning creates it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Place {
    doc: usize,
    path: Vec<Step>,
}

impl Place {
    fn child(&self, step: Step) -> Place {
        let mut path = self.path.clone();
        path.push(step);
        Place { doc: self.doc, path }
    }

    fn is_input(&self) -> bool {
        self.doc == 0
    }
}

/// The outputs of an expression for one input. `same` is set when the expression passed its
/// input through as itself (`.`, assignments, `with`, `del`, and pipes of those): as in yq,
/// `(.a = 1), (.b = 2)` then outputs the document once, with both updates.
pub(crate) struct Out {
    places: Vec<Place>,
    same: bool,
}

impl Out {
    fn input(input: &Place) -> Out {
        Out { places: vec![input.clone()], same: true }
    }

    fn of(places: Vec<Place>) -> Out {
        Out { places, same: false }
    }
}

/// Evaluates `root` against `input`, whose presentation `source` describes.
pub(crate) fn evaluate(root: &Node, input: Value, vars: &Vars, source: &dyn Source) -> Result<Evaluated, ExprError> {
    check_names(root, vars, &mut Vec::new())?;
    let mut cx = Cx::new(vars, source, input);
    let start = Place { doc: 0, path: Vec::new() };
    let out = cx.eval(root, &start)?;
    let mut outputs = Vec::with_capacity(out.places.len());
    for place in &out.places {
        let tag = cx.tag_of(place);
        let path = place.is_input().then(|| place.path.clone());
        outputs.push(Output { path, tag, value: Value::Null });
    }
    // The usual update: one output, the whole (updated) document, moved out rather than copied.
    match out.places.as_slice() {
        [only] if only.path.is_empty() && only.is_input() => {
            outputs[0].value = std::mem::replace(&mut cx.docs[0], Value::Null)
        }
        places => {
            for (output, place) in outputs.iter_mut().zip(places) {
                output.value = cx.get(place).clone();
            }
        }
    }
    Ok(Evaluated { outputs, attributes: cx.attributes })
}

/// Checks every `{{NAME}}`, `strenv(NAME)`, `env(NAME)` and `$name` before evaluating, so a
/// misspelt name is reported even where evaluation would not reach it.
fn check_names<'n>(node: &'n Node, vars: &Vars, bound: &mut Vec<&'n str>) -> Result<(), ExprError> {
    let check = |name: &str, span: &Span| {
        if vars.contains_key(name) {
            return Ok(());
        }
        let available = if vars.is_empty() {
            "no names are available".to_string()
        } else {
            let names: Vec<&str> = vars.keys().map(String::as_str).collect();
            format!("available names: {}", names.join(", "))
        };
        Err(ExprError::new(ErrorKind::UnknownName, span.clone(), format!("unknown name '{name}'; {available}")))
    };
    match &node.kind {
        Kind::Str(parts) => {
            for part in parts {
                if let StrPart::Var { name, span } = part {
                    check(name, span)?;
                }
            }
        }
        Kind::Var(name) => check(name, &node.span)?,
        Kind::Env { name, name_span, .. } => check(name, name_span)?,
        Kind::Variable(name) if !bound.contains(&name.as_str()) => {
            return Err(ExprError::new(
                ErrorKind::UnknownName,
                node.span.clone(),
                format!("${name} is not defined (bind it with `… as ${name} | …`)"),
            ));
        }
        Kind::As { source, name, body } => {
            check_names(source, vars, bound)?;
            bound.push(name);
            let result = check_names(body, vars, bound);
            bound.pop();
            return result;
        }
        _ => {}
    }
    node.children().into_iter().try_for_each(|child| check_names(child, vars, bound))
}

/// How much data one evaluation may store by assignment, in rough bytes (64 a value, plus its
/// text). An assignment whose right side is the document copies it: `.a = .b = .c = …` and
/// `.* = .` double it at each step. Past this the expression stops with an error instead of
/// exhausting memory (files are at most 10 MiB, so a file copied into itself a few times fits).
const MAX_STORED_BYTES: usize = 256 * 1024 * 1024;

/// The evaluation's state.
pub(crate) struct Cx<'a> {
    vars: &'a Vars,
    source: &'a dyn Source,
    docs: Vec<Value>,
    /// Regexes compiled so far, by pattern.
    regexes: Vec<(String, Regex)>,
    /// What assignments have stored so far, as [`ops::stored_size`] counts it.
    stored: usize,
    /// Variables in scope, innermost last.
    variables: Vec<(String, Vec<Place>)>,
    /// Tags of computed documents, by document index (ascending: documents are numbered in
    /// the order they are made).
    tags: Vec<(usize, String)>,
    /// Paths of the input whose values assignments replaced: their source tag, style and
    /// comments no longer apply.
    replaced: Vec<Vec<Step>>,
    /// Attributes set on places of the input, in order.
    attributes: Vec<AttributeChange>,
    /// Computed documents that are keys (`key`'s outputs, ascending): their comments are not read.
    keys: Vec<usize>,
}

impl<'a> Cx<'a> {
    fn new(vars: &'a Vars, source: &'a dyn Source, input: Value) -> Self {
        Cx {
            vars,
            source,
            docs: vec![input],
            regexes: Vec::new(),
            stored: 0,
            variables: Vec::new(),
            tags: Vec::new(),
            replaced: Vec::new(),
            attributes: Vec::new(),
            keys: Vec::new(),
        }
    }

    fn error(&self, kind: ErrorKind, span: &Span, message: impl std::fmt::Display) -> ExprError {
        ExprError::new(kind, span.clone(), message)
    }

    fn type_error(&self, span: &Span, message: impl std::fmt::Display) -> ExprError {
        self.error(ErrorKind::Type, span, message)
    }

    /// A new document holding `value`.
    fn new_place(&mut self, value: Value) -> Place {
        self.docs.push(value);
        Place { doc: self.docs.len() - 1, path: Vec::new() }
    }

    /// A new document holding `value`, with `tag`.
    fn new_tagged(&mut self, value: Value, tag: Option<String>) -> Place {
        let place = self.new_place(value);
        if let Some(tag) = tag {
            self.tags.push((place.doc, tag));
        }
        place
    }

    fn var(&self, name: &str, span: &Span) -> Result<&'a str, ExprError> {
        match self.vars.get(name) {
            Some(value) => Ok(value),
            None => Err(self.error(ErrorKind::UnknownName, span, format!("unknown name '{name}'"))),
        }
    }

    /// The values `node` outputs for `input`.
    fn values(&mut self, node: &Node, input: &Place) -> Result<Vec<Value>, ExprError> {
        let out = self.eval(node, input)?;
        Ok(out.places.iter().map(|p| self.get(p).clone()).collect())
    }

    /// Whether the value at `place` of the input is still the source's.
    fn is_original(&self, place: &Place) -> bool {
        place.is_input() && !self.replaced.iter().any(|r| place.path.starts_with(r))
    }

    /// The tag of the value at `place`: a computed value's, the source's for an original place
    /// of the input, else the type's.
    fn tag_of(&self, place: &Place) -> String {
        if let Some(change) =
            self.attributes.iter().rev().find(|c| c.attribute == Attr::Tag && c.path == place.path && place.is_input())
        {
            return change.value.clone();
        }
        if place.path.is_empty() {
            if let Ok(at) = self.tags.binary_search_by_key(&place.doc, |(doc, _)| *doc) {
                return self.tags[at].1.clone();
            }
        }
        if self.is_original(place) {
            if let Some(tag) = self.source.tag(&place.path) {
                return tag;
            }
        }
        self.get(place).type_name().to_string()
    }

    /// The outputs of `node` for `input`. Each kind of node is evaluated by a function of its
    /// own, so this one, which recursion passes through at every level, keeps a small frame
    /// (a WebAssembly stack is 1 MiB).
    fn eval(&mut self, node: &Node, input: &Place) -> Result<Out, ExprError> {
        match &node.kind {
            Kind::Identity => Ok(Out::input(input)),
            Kind::Paren(inner) => self.eval(inner, input),
            Kind::Pipe(..) => self.pipe(node, input),
            Kind::Union(..) => self.union(node, input),
            Kind::Key(name) => Ok(Out::of(self.index(input, &Value::String(name.clone()), &node.span)?)),
            Kind::Index { target, index } => self.index_node(target, index, input),
            Kind::Slice { target, from, to } => {
                self.slice_node(target, from.as_deref(), to.as_deref(), input, &node.span)
            }
            Kind::Iterate(target) => self.iterate_node(target, input, &node.span),
            Kind::Optional(inner) => match self.eval(inner, input) {
                Err(e) if e.kind == ErrorKind::Type => Ok(Out::of(Vec::new())),
                other => other,
            },
            Kind::Recurse => Ok(Out::of(self.recurse(input))),
            Kind::Literal(value) => Ok(Out::of(vec![self.literal(value)])),
            Kind::Str(parts) => self.string(parts, input),
            Kind::Var(name) => {
                let value = self.var(name, &node.span)?;
                Ok(Out::of(vec![self.new_place(Value::String(value.to_string()))]))
            }
            Kind::Variable(name) => self.variable(name, &node.span),
            Kind::As { source, name, body } => self.bind(source, name, body, input),
            Kind::Collect(inner) => self.collect(inner.as_deref(), input),
            Kind::Object(entries) => Ok(Out::of(self.object(entries, input)?)),
            Kind::Env { name, name_span, string } => self.env(name, name_span, *string),
            Kind::Binary(op, a, b) => Ok(Out::of(self.binary(*op, a, b, input, &node.span)?)),
            Kind::Assign(op, a, b) => {
                self.assign(*op, a, b, input)?;
                Ok(Out::input(input))
            }
            Kind::SetAttr { attr, update, target, value } => {
                self.set_attribute(*attr, *update, target, value, input)?;
                Ok(Out::input(input))
            }
            Kind::Call(func, args) => self.call(*func, args, input, &node.span),
        }
    }

    /// `a | b | …`: walked in a loop, not recursively, so long chains (many assignments in one
    /// expression) cost no stack.
    #[inline(never)]
    fn pipe(&mut self, node: &Node, input: &Place) -> Result<Out, ExprError> {
        let mut current = Out::input(input);
        for stage in node.spine() {
            let mut next = Out { places: Vec::new(), same: current.same };
            for place in &current.places {
                let out = self.eval(stage, place)?;
                next.same &= out.same;
                next.places.extend(out.places);
            }
            current = next;
        }
        Ok(current)
    }

    /// `a, b, …`.
    #[inline(never)]
    fn union(&mut self, node: &Node, input: &Place) -> Result<Out, ExprError> {
        let mut outs = Vec::new();
        for member in node.spine() {
            outs.push(self.eval(member, input)?);
        }
        // Combine from the right, as `a, (b, c)` nests.
        let mut combined = outs.pop().unwrap_or(Out { places: Vec::new(), same: false });
        while let Some(mut left) = outs.pop() {
            if !(left.same && combined.same) {
                left.places.extend(combined.places);
                left.same = false;
            }
            combined = left;
        }
        Ok(combined)
    }

    #[inline(never)]
    fn index_node(&mut self, target: &Node, index: &Node, input: &Place) -> Result<Out, ExprError> {
        let targets = self.eval(target, input)?.places;
        let keys = self.values(index, input)?;
        let mut places = Vec::new();
        for target in &targets {
            for key in &keys {
                places.extend(self.index(target, key, &index.span)?);
            }
        }
        Ok(Out::of(places))
    }

    #[inline(never)]
    fn slice_node(
        &mut self,
        target: &Node,
        from: Option<&Node>,
        to: Option<&Node>,
        input: &Place,
        span: &Span,
    ) -> Result<Out, ExprError> {
        let targets = self.eval(target, input)?.places;
        let from = match from {
            Some(node) => self.values(node, input)?.into_iter().next(),
            None => None,
        };
        let to = match to {
            Some(node) => self.values(node, input)?.into_iter().next(),
            None => None,
        };
        let mut places = Vec::new();
        for target in &targets {
            let value = self.slice(target, from.as_ref(), to.as_ref(), span)?;
            places.push(self.new_place(value));
        }
        Ok(Out::of(places))
    }

    #[inline(never)]
    fn iterate_node(&mut self, target: &Node, input: &Place, span: &Span) -> Result<Out, ExprError> {
        let targets = self.eval(target, input)?.places;
        let mut places = Vec::new();
        for target in &targets {
            places.extend(self.iterate(target, span)?);
        }
        Ok(Out::of(places))
    }

    /// A literal; `0X12` is yq's `0x12`.
    fn literal(&mut self, value: &Value) -> Place {
        let value = match value {
            Value::Number(text) if text.starts_with("0X") => Value::Number(format!("0x{}", &text[2..])),
            other => other.clone(),
        };
        self.new_place(value)
    }

    /// A string literal: one output per combination of its interpolations' outputs.
    #[inline(never)]
    fn string(&mut self, parts: &[StrPart], input: &Place) -> Result<Out, ExprError> {
        let mut texts = vec![String::new()];
        for part in parts {
            match part {
                StrPart::Text(t) => texts.iter_mut().for_each(|text| text.push_str(t)),
                StrPart::Var { name, span } => {
                    let value = self.var(name, span)?;
                    texts.iter_mut().for_each(|text| text.push_str(value));
                }
                StrPart::Expr(inner) => {
                    let pieces: Vec<String> = self.values(inner, input)?.iter().map(ops::to_text).collect();
                    texts = texts.iter().flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}"))).collect();
                }
            }
        }
        Ok(Out::of(texts.into_iter().map(|t| self.new_place(Value::String(t))).collect()))
    }

    fn variable(&self, name: &str, span: &Span) -> Result<Out, ExprError> {
        let bound = self.variables.iter().rev().find(|(n, _)| n == name).map(|(_, places)| places.clone());
        let places =
            bound.ok_or_else(|| self.error(ErrorKind::UnknownName, span, format!("${name} is not defined")))?;
        Ok(Out::of(places))
    }

    /// `source as $name | body`: the body once for each output of the source. The variable
    /// holds the value as it was bound: later updates of the document do not change it.
    #[inline(never)]
    fn bind(&mut self, source: &Node, name: &str, body: &Node, input: &Place) -> Result<Out, ExprError> {
        let bound = self.eval(source, input)?.places;
        let mut out = Out { places: Vec::new(), same: true };
        for place in bound {
            let place = if place.is_input() {
                let tag = self.tag_of(&place);
                let value = self.get(&place).clone();
                self.new_tagged(value, Some(tag))
            } else {
                place
            };
            self.variables.push((name.to_string(), vec![place]));
            let result = self.eval(body, input);
            self.variables.pop();
            let result = result?;
            out.same &= result.same;
            out.places.extend(result.places);
        }
        // A body that passes its input through outputs it once, however many values were bound.
        if out.same {
            out.places.dedup();
        }
        Ok(out)
    }

    #[inline(never)]
    fn collect(&mut self, inner: Option<&Node>, input: &Place) -> Result<Out, ExprError> {
        let items = match inner {
            Some(inner) => self.values(inner, input)?,
            None => Vec::new(),
        };
        Ok(Out::of(vec![self.new_place(Value::Seq(items))]))
    }

    /// `strenv(NAME)`: the value as a string; `env(NAME)`: read as YAML.
    fn env(&mut self, name: &str, name_span: &Span, string: bool) -> Result<Out, ExprError> {
        let raw = self.var(name, name_span)?;
        let value = if string {
            Value::String(raw.to_string())
        } else if raw.is_empty() {
            return Err(self.type_error(
                name_span,
                format!("the value of '{name}' is empty, which env() refuses (strenv({name}) gives \"\")"),
            ));
        } else {
            calls::read_yaml(raw).unwrap_or_else(|| resolve_plain(raw))
        };
        Ok(Out::of(vec![self.new_place(value)]))
    }

    /// `{k: v, …}`: one map for each combination of the entries' key and value outputs.
    fn object(&mut self, entries: &[(Node, Node)], input: &Place) -> Result<Vec<Place>, ExprError> {
        let mut maps = vec![crate::value::Map::new()];
        for (key, value) in entries {
            let keys = self.values(key, input)?;
            let values = self.values(value, input)?;
            let mut next = Vec::with_capacity(maps.len() * keys.len() * values.len());
            for map in &maps {
                for k in &keys {
                    let Some(text) = ops::scalar_text(k) else {
                        return Err(
                            self.type_error(&key.span, format!("a map key must be a scalar, not {}", k.type_name()))
                        );
                    };
                    for v in &values {
                        let mut map = map.clone();
                        map.insert(text.clone(), v.clone());
                        next.push(map);
                    }
                }
            }
            maps = next;
        }
        Ok(maps.into_iter().map(|m| self.new_place(Value::Map(m))).collect())
    }

    /// The first output's text of an argument (`""` if it has none), as yq takes it.
    fn text_arg(&mut self, node: &Node, input: &Place, what: &str) -> Result<String, ExprError> {
        match self.values(node, input)?.into_iter().next() {
            None => Ok(String::new()),
            Some(value) => ops::scalar_text(&value).ok_or_else(|| {
                self.type_error(&node.span, format!("the {what} must be a string, not {}", value.type_name()))
            }),
        }
    }

    /// The regex of `match`, `capture` and `test` with their flags argument (yq's: `g` for
    /// every match rather than the first, `i` to ignore case), and whether `g` was given.
    fn regex_with_flags(&mut self, args: &[Node], input: &Place) -> Result<(Regex, bool), ExprError> {
        let flags = match args.get(1) {
            Some(node) => self.text_arg(node, input, "flags")?,
            None => String::new(),
        };
        if let Some(bad) = flags.chars().find(|c| !matches!(c, 'g' | 'i')) {
            let span = args.get(1).map_or(0..0, |n| n.span.clone());
            return Err(
                self.type_error(&span, format!("unknown regex flag `{bad}`: use g (every match) or i (ignore case)"))
            );
        }
        let pattern = self.text_arg(&args[0], input, "regex")?;
        let pattern = if flags.contains('i') { format!("(?i){pattern}") } else { pattern };
        Ok((self.regex(pattern, &args[0].span)?, flags.contains('g')))
    }

    /// The regex an argument names, compiled once per evaluation.
    fn regex_arg(&mut self, node: &Node, input: &Place) -> Result<Regex, ExprError> {
        let pattern = self.text_arg(node, input, "regex")?;
        self.regex(pattern, &node.span)
    }

    fn regex(&mut self, pattern: String, span: &Span) -> Result<Regex, ExprError> {
        if let Some((_, regex)) = self.regexes.iter().find(|(p, _)| *p == pattern) {
            return Ok(regex.clone());
        }
        let regex = Regex::new(&pattern).map_err(|e| {
            let text = e.to_string();
            let detail = text.lines().rev().find_map(|l| l.strip_prefix("error: ")).unwrap_or(&text).to_string();
            self.error(ErrorKind::Regex, span, format!("invalid regular expression {pattern:?}: {detail}"))
        })?;
        // Expressions use a few patterns; one that builds them from data is not cached past 64.
        if self.regexes.len() < 64 {
            self.regexes.push((pattern, regex.clone()));
        }
        Ok(regex)
    }

    /// The functions that read an attribute of the current value.
    fn attribute(&self, attr: Attr, place: &Place, span: &Span) -> Result<Value, ExprError> {
        if attr != Attr::Tag && self.keys.binary_search(&place.doc).is_ok() {
            return Err(self.error(
                ErrorKind::Unsupported,
                span,
                format!(
                    "reading the {attr} of a key (`key | {attr}`) is not supported; read the value's (`.a | {attr}`)"
                ),
            ));
        }
        if place.is_input() {
            if let Some(change) = self.attributes.iter().rev().find(|c| c.attribute == attr && c.path == place.path) {
                return Ok(Value::String(change.value.clone()));
            }
        }
        let original = self.is_original(place);
        let text = match attr {
            Attr::Tag => self.tag_of(place),
            Attr::Style => {
                if original {
                    self.source.style(&place.path).unwrap_or_default()
                } else {
                    String::new()
                }
            }
            comment => {
                if original {
                    self.source.comment(&place.path, comment).unwrap_or_default()
                } else {
                    String::new()
                }
            }
        };
        Ok(Value::String(text))
    }

    /// What `func` refers to, for messages.
    fn func_name(func: Func) -> &'static str {
        super::builtins::BUILTINS.iter().find(|b| b.func == func).map_or("function", |b| b.names[0])
    }
}

/// The text yq prints for a path step in messages: `.a`, `[0]`, `["a.b"]`.
pub(crate) fn path_text(path: &[Step]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Key(k) if !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') => {
                text.push('.');
                text.push_str(k);
            }
            Step::Key(k) => text.push_str(&format!("[{k:?}]")),
            Step::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    if !text.starts_with('.') {
        text.insert(0, '.');
    }
    text
}
