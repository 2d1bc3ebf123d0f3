//! Stage 3: syntax tree → values.
//!
//! Evaluation follows yq's model, where what flows through an expression are *places*: a
//! document and a path inside it. An assignment updates the document at the places its left
//! side names and passes its input on, so `.a = 1 | .b = 2` sees the first update. The input
//! is document 0; literals and computed values become new documents. The outputs are read
//! when evaluation is done, after every update, as yq prints them.
//!
//! Evaluation is pure: the input is cloned, nothing outside `vars` is read.

use std::collections::HashMap;
use std::fmt::Display;

use regex_lite::Regex;

use crate::value::{parse_int, parse_number, resolve_plain, Map, Value};

use super::error::ExprError;
use super::lex::{Part, Span};
use super::parse::{AssignOp, BinOp, Call, Kind, Node};
use super::Vars;

/// How far past the end of a sequence an assignment may pad it with nulls.
const MAX_PAD: usize = 10_000;

/// How much data one evaluation may store by assignment, in rough bytes (64 a value, plus its
/// text). An assignment whose right side is the document copies it: `.a = .b = .c = …` and
/// `.* = .` double it at each step. Past this the expression stops with an error instead of
/// exhausting memory (files are at most 10 MiB, so a file copied into itself a few times fits).
const MAX_STORED_BYTES: usize = 256 * 1024 * 1024;

static NULL: Value = Value::Null;

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Seg {
    Key(String),
    Index(usize),
}

/// A place: a document and a path in it. The value there may not exist yet (reads as null;
/// assigning creates it).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Place {
    doc: usize,
    path: Vec<Seg>,
}

impl Place {
    fn child(&self, seg: Seg) -> Place {
        let mut path = self.path.clone();
        path.push(seg);
        Place { doc: self.doc, path }
    }
}

/// The outputs of an expression for one input. `same` is set when the expression passed its
/// input through as itself (`.`, assignments, `with`, `del`, and pipes of those): as in yq,
/// `(.a = 1), (.b = 2)` then outputs the document once, with both updates.
struct Out {
    places: Vec<Place>,
    same: bool,
}

impl Out {
    fn input(input: &Place) -> Out {
        Out { places: vec![input.clone()], same: true }
    }
}

/// Evaluates `root` (parsed from `src`) against `input`.
pub(crate) fn evaluate(root: &Node, src: &str, input: Value, vars: &Vars) -> Result<Vec<Value>, ExprError> {
    check_names(root, src, vars)?;
    let mut cx = Cx { src, vars, docs: vec![input], regexes: HashMap::new(), stored: 0 };
    let start = Place { doc: 0, path: Vec::new() };
    let out = cx.eval(root, &start)?;
    match out.places.as_slice() {
        // The usual update: one output, the whole (updated) document, moved out.
        [only] if only.path.is_empty() => Ok(vec![std::mem::replace(&mut cx.docs[only.doc], Value::Null)]),
        places => Ok(places.iter().map(|p| cx.get(p).clone()).collect()),
    }
}

/// Checks every `{{NAME}}`, `strenv(NAME)` and `env(NAME)` before evaluating, so a misspelt
/// name is reported even where evaluation would not reach it.
fn check_names(node: &Node, src: &str, vars: &Vars) -> Result<(), ExprError> {
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
        Err(ExprError::new(src, span.clone(), format!("unknown name '{name}'; {available}")))
    };
    match &node.kind {
        Kind::Str(parts) => {
            for part in parts {
                if let Part::Var { name, span } = part {
                    check(name, span)?;
                }
            }
        }
        Kind::Var(name) => check(name, &node.span)?,
        Kind::Call(Call::Env { name, name_span, .. }) => check(name, name_span)?,
        _ => {}
    }
    node.children().into_iter().try_for_each(|child| check_names(child, src, vars))
}

struct Cx<'a> {
    src: &'a str,
    vars: &'a Vars,
    docs: Vec<Value>,
    regexes: HashMap<String, Regex>,
    /// What assignments have stored so far, as [`stored_size`] counts it.
    stored: usize,
}

impl<'a> Cx<'a> {
    fn error(&self, span: &Span, message: impl Display) -> ExprError {
        ExprError::new(self.src, span.clone(), message)
    }

    /// The value at `place`, null if it does not exist.
    fn get(&self, place: &Place) -> &Value {
        let Some(mut value) = self.docs.get(place.doc) else {
            return &NULL;
        };
        for seg in &place.path {
            let next = match (seg, value) {
                (Seg::Key(k), Value::Map(m)) => m.get(k),
                (Seg::Index(i), Value::Seq(s)) => s.get(*i),
                _ => None,
            };
            match next {
                Some(v) => value = v,
                None => return &NULL,
            }
        }
        value
    }

    /// A new document holding `value`.
    fn new_place(&mut self, value: Value) -> Place {
        self.docs.push(value);
        Place { doc: self.docs.len() - 1, path: Vec::new() }
    }

    fn var(&self, name: &str, span: &Span) -> Result<&'a str, ExprError> {
        match self.vars.get(name) {
            Some(value) => Ok(value),
            None => Err(self.error(span, format!("unknown name '{name}'"))),
        }
    }

    /// The values `node` outputs for `input`.
    fn values(&mut self, node: &Node, input: &Place) -> Result<Vec<Value>, ExprError> {
        let out = self.eval(node, input)?;
        Ok(out.places.iter().map(|p| self.get(p).clone()).collect())
    }

    fn eval(&mut self, node: &Node, input: &Place) -> Result<Out, ExprError> {
        let places = match &node.kind {
            Kind::Identity => return Ok(Out::input(input)),
            Kind::Paren(inner) => return self.eval(inner, input),
            // Chains of `|` and `,` are walked in a loop, not recursively, so long chains (many
            // assignments in one expression) cost no stack.
            Kind::Pipe(..) => {
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
                return Ok(current);
            }
            Kind::Union(..) => {
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
                return Ok(combined);
            }
            Kind::Key(name) => self.index(input, &Value::String(name.clone()), &node.span)?,
            Kind::Index { target, index } => {
                let targets = self.eval(target, input)?.places;
                let keys = self.values(index, input)?;
                let mut places = Vec::new();
                for target in &targets {
                    for key in &keys {
                        places.extend(self.index(target, key, &index.span)?);
                    }
                }
                places
            }
            Kind::Iterate(target) => {
                let targets = self.eval(target, input)?.places;
                let mut places = Vec::new();
                for target in &targets {
                    places.extend(self.iterate(target, &node.span)?);
                }
                places
            }
            Kind::Literal(value) => vec![self.new_place(value.clone())],
            Kind::Str(parts) => {
                let mut text = String::new();
                for part in parts {
                    match part {
                        Part::Text(t) => text.push_str(t),
                        Part::Var { name, span } => text.push_str(self.var(name, span)?),
                    }
                }
                vec![self.new_place(Value::String(text))]
            }
            Kind::Var(name) => {
                let value = self.var(name, &node.span)?;
                vec![self.new_place(Value::String(value.to_string()))]
            }
            Kind::Binary(BinOp::Alt, a, b) => self.alternative(a, b, input)?,
            Kind::Binary(op, a, b) => self.binary(*op, a, b, input, &node.span)?,
            Kind::Assign(op, a, b) => {
                self.assign(*op, a, b, input)?;
                return Ok(Out::input(input));
            }
            Kind::Call(call) => return self.call(call, input, &node.span),
        };
        Ok(Out { places, same: false })
    }

    /// `target[key]` / `target.key`, as yq traverses: map keys by text (with yq's `*`/`?`
    /// wildcards), sequence items by integer (negative from the end), null as whatever the key
    /// suggests. Scalars and sequences-by-name are errors (yq silently yields nothing).
    fn index(&self, place: &Place, key: &Value, span: &Span) -> Result<Vec<Place>, ExprError> {
        let target = self.get(place);
        match target {
            Value::Map(map) => {
                let Some(name) = scalar_text(key) else {
                    return Err(self.error(span, format!("cannot index !!map with {}{}", describe(key), at(place))));
                };
                if name.contains(['*', '?']) {
                    let matches: Vec<Place> =
                        map.keys().filter(|k| glob(k, &name)).map(|k| place.child(Seg::Key(k.clone()))).collect();
                    if !matches.is_empty() {
                        return Ok(matches);
                    }
                }
                Ok(vec![place.child(Seg::Key(name))])
            }
            Value::Seq(items) => {
                let Some(i) = int_index(key) else {
                    let hint = if matches!(key, Value::String(_)) {
                        "; use [] to go through its items, or [N] for one of them"
                    } else {
                        ""
                    };
                    return Err(self.error(span, format!("cannot index !!seq with {}{}{hint}", repr(key), at(place))));
                };
                let len = items.len();
                Ok(vec![place.child(Seg::Index(self.resolve_index(i, len, place, span)?))])
            }
            Value::Null => match key {
                Value::Number(text) if parse_int(text).is_some() => {
                    let i = parse_int(text).unwrap_or_default();
                    Ok(vec![place.child(Seg::Index(self.resolve_index(i, 0, place, span)?))])
                }
                _ => match scalar_text(key) {
                    Some(name) => Ok(vec![place.child(Seg::Key(name))]),
                    None => Err(self.error(span, format!("cannot index !!null with {}{}", describe(key), at(place)))),
                },
            },
            other => Err(self.error(span, format!("cannot index {} with {}{}", describe(other), repr(key), at(place)))),
        }
    }

    /// A sequence index, negative counting from the end of a sequence of `len` items.
    fn resolve_index(&self, i: i64, len: usize, place: &Place, span: &Span) -> Result<usize, ExprError> {
        let resolved = if i < 0 { i.checked_add(i64::try_from(len).unwrap_or(i64::MAX)) } else { Some(i) };
        match resolved.map(usize::try_from) {
            Some(Ok(index)) => Ok(index),
            Some(Err(_)) if i < 0 => {
                Err(self.error(span, format!("index [{i}] out of range, array size is {len}{}", at(place))))
            }
            _ => Err(self.error(span, format!("index [{i}] is too large{}", at(place)))),
        }
    }

    /// `target[]`: a sequence's items or a map's values; nothing for null.
    fn iterate(&self, place: &Place, span: &Span) -> Result<Vec<Place>, ExprError> {
        match self.get(place) {
            Value::Map(map) => Ok(map.keys().map(|k| place.child(Seg::Key(k.clone()))).collect()),
            Value::Seq(items) => Ok((0..items.len()).map(|i| place.child(Seg::Index(i))).collect()),
            Value::Null => Ok(Vec::new()),
            other => Err(self.error(span, format!("cannot iterate over {}{}", describe(other), at(place)))),
        }
    }

    /// `a // b`: each output of `a` that is truthy, else `b`'s outputs (or the falsy output
    /// itself if `b` has none); `b`'s outputs if `a` has none. Places are kept, so
    /// `(.a // .b) = 1` assigns.
    fn alternative(&mut self, a: &Node, b: &Node, input: &Place) -> Result<Vec<Place>, ExprError> {
        let lefts = self.eval(a, input)?.places;
        if lefts.is_empty() {
            return Ok(self.eval(b, input)?.places);
        }
        let mut places = Vec::new();
        for left in lefts {
            if self.get(&left).is_truthy() {
                places.push(left);
                continue;
            }
            let rights = self.eval(b, input)?.places;
            if rights.is_empty() {
                places.push(left);
            } else {
                places.extend(rights);
            }
        }
        Ok(places)
    }

    /// Binary operators other than `//`, over every pair of outputs (left outer, right inner,
    /// the right side evaluated once per left output, as yq does). Where one side has no
    /// outputs yq still answers: `+` gives the other side, `==` compares with null, `and`/`or`
    /// treat it as false.
    fn binary(&mut self, op: BinOp, a: &Node, b: &Node, input: &Place, span: &Span) -> Result<Vec<Place>, ExprError> {
        let lefts = self.values(a, input)?;
        let mut results = Vec::new();
        if lefts.is_empty() {
            let rights = self.values(b, input)?;
            match op {
                BinOp::Add => results = rights,
                BinOp::Eq | BinOp::Ne if rights.is_empty() => results.push(Value::Bool(op == BinOp::Eq)),
                BinOp::Eq | BinOp::Ne => {
                    results.extend(rights.iter().map(|r| Value::Bool((*r == Value::Null) == (op == BinOp::Eq))))
                }
                BinOp::Or if !rights.is_empty() => results.extend(rights.iter().map(|r| Value::Bool(r.is_truthy()))),
                BinOp::And | BinOp::Or => results.push(Value::Bool(false)),
                BinOp::Sub | BinOp::Alt => {}
            }
        }
        for left in lefts {
            match op {
                BinOp::And if !left.is_truthy() => {
                    results.push(Value::Bool(false));
                    continue;
                }
                BinOp::Or if left.is_truthy() => {
                    results.push(Value::Bool(true));
                    continue;
                }
                _ => {}
            }
            let rights = self.values(b, input)?;
            if rights.is_empty() {
                match op {
                    BinOp::Add => results.push(left),
                    BinOp::Eq | BinOp::Ne => results.push(Value::Bool((left == Value::Null) == (op == BinOp::Eq))),
                    BinOp::And | BinOp::Or => results.push(Value::Bool(false)),
                    BinOp::Sub | BinOp::Alt => {}
                }
                continue;
            }
            for right in &rights {
                let value = match op {
                    BinOp::Add => add(&left, right).map_err(|m| self.error(span, m))?,
                    BinOp::Sub | BinOp::Alt => subtract(&left, right).map_err(|m| self.error(span, m))?,
                    BinOp::Eq => Value::Bool(equals(&left, right)),
                    BinOp::Ne => Value::Bool(!equals(&left, right)),
                    BinOp::And | BinOp::Or => Value::Bool(right.is_truthy()),
                };
                results.push(value);
            }
        }
        Ok(results.into_iter().map(|v| self.new_place(v)).collect())
    }

    /// Assignments. `=`: for each place the left side names (in order), the right side is
    /// evaluated against the assignment's input and its last output stored (no output: no
    /// change). `|=`: for each place (last first, as yq), the right side is evaluated with that
    /// place as `.` and its first output stored. `+=`/`-=`: the old value plus/minus the right
    /// side's output, the right side evaluated against the assignment's input.
    fn assign(&mut self, op: AssignOp, lhs: &Node, rhs: &Node, input: &Place) -> Result<(), ExprError> {
        let targets = self.eval(lhs, input)?.places;
        match op {
            AssignOp::Set => {
                for target in &targets {
                    if let Some(value) = self.values(rhs, input)?.pop() {
                        self.set(target, value, &lhs.span)?;
                    }
                }
            }
            AssignOp::Update => {
                for target in targets.iter().rev() {
                    let out = self.eval(rhs, target)?;
                    if let Some(first) = out.places.first() {
                        let value = self.get(first).clone();
                        self.set(target, value, &lhs.span)?;
                    }
                }
            }
            AssignOp::Add | AssignOp::Sub => {
                for target in &targets {
                    let old = self.get(target).clone();
                    let mut new = None;
                    for right in &self.values(rhs, input)? {
                        let value = if op == AssignOp::Add { add(&old, right) } else { subtract(&old, right) };
                        new = Some(value.map_err(|m| self.error(&rhs.span, m))?);
                    }
                    if let Some(value) = new {
                        self.set(target, value, &lhs.span)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Stores `value` at `place`, creating missing maps and sequences on the way (a sequence is
    /// padded with nulls up to the index).
    fn set(&mut self, place: &Place, value: Value, span: &Span) -> Result<(), ExprError> {
        let src = self.src;
        match stored_size(&value, MAX_STORED_BYTES - self.stored) {
            Some(size) => self.stored += size,
            None => {
                let message = format!(
                    "the expression stores more than {} MiB of data: does it copy the document into \
                     itself (`.a = .`, `.* = .`, `.a = .b = .c`)?",
                    MAX_STORED_BYTES >> 20
                );
                return Err(ExprError::new(src, span.clone(), message));
            }
        }
        let fail = |depth: usize, what: &Value| {
            let message = format!(
                "cannot set {}: {} is {}",
                path_text(&place.path),
                path_text(&place.path[..depth]),
                describe(what)
            );
            ExprError::new(src, span.clone(), message)
        };
        let Some(mut slot) = self.docs.get_mut(place.doc) else {
            return Err(fail(0, &NULL));
        };
        for (depth, seg) in place.path.iter().enumerate() {
            if *slot == Value::Null {
                *slot = match seg {
                    Seg::Key(_) => Value::Map(Map::new()),
                    Seg::Index(_) => Value::Seq(Vec::new()),
                };
            }
            slot = match (seg, slot) {
                (Seg::Key(k), Value::Map(map)) => {
                    if !map.contains_key(k) {
                        map.insert(k.clone(), Value::Null);
                    }
                    match map.get_mut(k) {
                        Some(v) => v,
                        None => return Err(fail(depth, &NULL)),
                    }
                }
                (Seg::Index(i), Value::Seq(items)) => {
                    if *i > items.len().saturating_add(MAX_PAD) {
                        let message = format!(
                            "cannot set {}: index {i} is more than {MAX_PAD} past the end of the \
                             sequence (length {})",
                            path_text(&place.path),
                            items.len()
                        );
                        return Err(ExprError::new(src, span.clone(), message));
                    }
                    if items.len() <= *i {
                        items.resize(*i + 1, Value::Null);
                    }
                    match items.get_mut(*i) {
                        Some(v) => v,
                        None => return Err(fail(depth, &NULL)),
                    }
                }
                (_, other) => return Err(fail(depth, other)),
            };
        }
        *slot = value;
        Ok(())
    }

    /// Removes the value at `place` from its parent, if it is there.
    fn remove(&mut self, place: &Place) {
        let Some((last, parent)) = place.path.split_last() else {
            return;
        };
        let Some(mut slot) = self.docs.get_mut(place.doc) else {
            return;
        };
        for seg in parent {
            let next = match (seg, slot) {
                (Seg::Key(k), Value::Map(m)) => m.get_mut(k),
                (Seg::Index(i), Value::Seq(s)) => s.get_mut(*i),
                _ => None,
            };
            match next {
                Some(v) => slot = v,
                None => return,
            }
        }
        match (last, slot) {
            (Seg::Key(k), Value::Map(m)) => {
                m.remove(k);
            }
            (Seg::Index(i), Value::Seq(s)) if *i < s.len() => {
                s.remove(*i);
            }
            _ => {}
        }
    }

    fn call(&mut self, call: &Call, input: &Place, span: &Span) -> Result<Out, ExprError> {
        let value = match call {
            Call::Select(cond) => {
                let keep = self.values(cond, input)?.iter().any(Value::is_truthy);
                let places = if keep { vec![input.clone()] } else { Vec::new() };
                return Ok(Out { places, same: false });
            }
            Call::With(path, update) => {
                for target in &self.eval(path, input)?.places {
                    self.eval(update, target)?;
                }
                return Ok(Out::input(input));
            }
            Call::Del(path) => {
                let mut targets = self.eval(path, input)?.places;
                // Deepest and last first, so earlier places stay valid (as yq deletes).
                targets.sort_by(|x, y| (y.doc, &y.path).cmp(&(x.doc, &x.path)));
                targets.dedup();
                let mut deleted_input = false;
                for target in &targets {
                    deleted_input |= target == input;
                    self.remove(target);
                }
                if deleted_input {
                    return Ok(Out { places: Vec::new(), same: false });
                }
                return Ok(Out::input(input));
            }
            Call::Has(key) => {
                let key = self.values(key, input)?.into_iter().next().unwrap_or(Value::Null);
                let found = match (self.get(input), &key) {
                    (Value::Map(map), key) => scalar_text(key).is_some_and(|k| map.contains_key(&k)),
                    (Value::Seq(items), Value::Number(text)) => {
                        parse_int(text).and_then(|i| usize::try_from(i).ok()).is_some_and(|i| i < items.len())
                    }
                    _ => false,
                };
                Value::Bool(found)
            }
            Call::Test(re) => {
                let regex = self.regex_arg(re, input)?;
                match self.get(input) {
                    Value::String(s) => Value::Bool(regex.is_match(s)),
                    other => {
                        return Err(self
                            .error(span, format!("cannot match with {}, can only match strings", other.type_name())))
                    }
                }
            }
            Call::Sub(re, with) => {
                let regex = self.regex_arg(re, input)?;
                let replacement = self.text_arg(with, input, "replacement")?;
                match self.get(input) {
                    Value::String(s) => Value::String(regex.replace_all(s, replacement.as_str()).into_owned()),
                    other => {
                        return Err(self.error(
                            span,
                            format!(
                                "cannot substitute with {}, can only substitute strings (to change \
                                 a value in place, use `|=` rather than `=`)",
                                other.type_name()
                            ),
                        ))
                    }
                }
            }
            Call::Env { name, name_span, string } => {
                let raw = self.var(name, name_span)?;
                if *string {
                    Value::String(raw.to_string())
                } else if raw.is_empty() {
                    return Err(self.error(
                        name_span,
                        format!("the value of '{name}' is empty, which env() refuses (strenv({name}) gives \"\")"),
                    ));
                } else {
                    resolve_plain(raw)
                }
            }
            Call::Not => Value::Bool(!self.get(input).is_truthy()),
        };
        Ok(Out { places: vec![self.new_place(value)], same: false })
    }

    /// The text of an argument's first output ("" if it has none), as yq takes it.
    fn text_arg(&mut self, node: &Node, input: &Place, what: &str) -> Result<String, ExprError> {
        match self.values(node, input)?.into_iter().next() {
            None => Ok(String::new()),
            Some(value) => scalar_text(&value).ok_or_else(|| {
                self.error(&node.span, format!("the {what} must be a string, not {}", value.type_name()))
            }),
        }
    }

    /// The regex an argument names, compiled once per evaluation.
    fn regex_arg(&mut self, node: &Node, input: &Place) -> Result<Regex, ExprError> {
        let pattern = self.text_arg(node, input, "regex")?;
        if let Some(regex) = self.regexes.get(&pattern) {
            return Ok(regex.clone());
        }
        let regex = Regex::new(&pattern).map_err(|e| {
            let text = e.to_string();
            let detail = text.lines().rev().find_map(|l| l.strip_prefix("error: ")).unwrap_or(&text).to_string();
            self.error(&node.span, format!("invalid regular expression {pattern:?}: {detail}"))
        })?;
        self.regexes.insert(pattern, regex.clone());
        Ok(regex)
    }
}

/// Roughly how many bytes `value` takes (64 a value, plus its text and keys), if at most
/// `budget`.
fn stored_size(value: &Value, budget: usize) -> Option<usize> {
    let mut size = 64;
    match value {
        Value::Null | Value::Bool(_) => {}
        Value::Number(text) | Value::String(text) => size += text.len(),
        Value::Seq(items) => {
            for item in items {
                size += stored_size(item, budget.checked_sub(size)?)?;
            }
        }
        Value::Map(map) => {
            for (key, item) in map.iter() {
                size += key.len();
                size += stored_size(item, budget.checked_sub(size)?)?;
            }
        }
    }
    (size <= budget).then_some(size)
}

/// The text yq uses for a scalar (map keys, regexes, string concatenation); `None` for
/// collections.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(text) | Value::String(text) => Some(text.clone()),
        Value::Seq(_) | Value::Map(_) => None,
    }
}

/// A value used as a sequence index: an integer, or a string holding one (as yq parses it).
fn int_index(key: &Value) -> Option<i64> {
    match key {
        Value::Number(text) | Value::String(text) => parse_int(text),
        _ => None,
    }
}

/// A scalar for messages: strings quoted (and shortened), others as written.
fn repr(value: &Value) -> String {
    match value {
        Value::String(s) => match s.char_indices().nth(40) {
            Some((cut, _)) => format!("{:?}…", &s[..cut]),
            None => format!("{s:?}"),
        },
        Value::Seq(_) | Value::Map(_) => value.type_name().to_string(),
        other => other.to_string(),
    }
}

/// A value's type, and for scalars the value: `!!str "nginx"`, `!!int 3`, `!!map`.
fn describe(value: &Value) -> String {
    match value {
        Value::Seq(_) | Value::Map(_) => value.type_name().to_string(),
        _ => format!("{} {}", value.type_name(), repr(value)),
    }
}

/// ` (at path .a.b[0])` for places in the input document; nothing for computed values.
fn at(place: &Place) -> String {
    if place.doc == 0 {
        format!(" (at path {})", path_text(&place.path))
    } else {
        String::new()
    }
}

/// A path as an expression: `.`, `.a.b[0]`, `.a["b.c"]`.
fn path_text(path: &[Seg]) -> String {
    let mut text = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') => {
                text.push('.');
                text.push_str(k);
            }
            Seg::Key(k) => text.push_str(&format!("[{k:?}]")),
            Seg::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    if !text.starts_with('.') {
        text.insert(0, '.');
    }
    text
}

/// yq's `==`: null equals only null; numbers compare by value; other scalars compare by text,
/// the right side a glob where `*` matches any run and `?` any one character (yq's
/// `.name == "app-*"`); sequences and maps compare structurally.
fn equals(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Null, _) | (_, Value::Null) => left == right,
        (Value::Number(_), Value::Number(_)) => left.loosely_equals(right),
        (Value::Seq(_) | Value::Map(_), _) | (_, Value::Seq(_) | Value::Map(_)) => left.loosely_equals(right),
        _ => match (scalar_text(left), scalar_text(right)) {
            (Some(name), Some(pattern)) => glob(&name, &pattern),
            _ => false,
        },
    }
}

/// yq's wildcard match (linear time, after research.swtch.com/glob), over characters.
fn glob(name: &str, pattern: &str) -> bool {
    if pattern.is_empty() {
        return name.is_empty();
    }
    let name: Vec<char> = name.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    let (mut px, mut nx, mut next_px, mut next_nx) = (0, 0, 0, 0);
    while px < pattern.len() || nx < name.len() {
        if let Some(&c) = pattern.get(px) {
            match c {
                '?' if nx < name.len() => {
                    px += 1;
                    nx += 1;
                    continue;
                }
                '*' => {
                    next_px = px;
                    next_nx = nx + 1;
                    px += 1;
                    continue;
                }
                c if c != '?' && name.get(nx) == Some(&c) => {
                    px += 1;
                    nx += 1;
                    continue;
                }
                _ => {}
            }
        }
        if 0 < next_nx && next_nx <= name.len() {
            px = next_px;
            nx = next_nx;
            continue;
        }
        return false;
    }
    true
}

/// yq's `+`.
fn add(left: &Value, right: &Value) -> Result<Value, String> {
    let cannot = || format!("cannot add {} to {}", right.type_name(), left.type_name());
    Ok(match (left, right) {
        (Value::Null, _) => right.clone(),
        (Value::Map(a), Value::Map(b)) => {
            let mut merged = a.clone();
            for (k, v) in b.iter() {
                merged.insert(k.clone(), v.clone());
            }
            Value::Map(merged)
        }
        (Value::Seq(a), Value::Seq(b)) => Value::Seq(a.iter().chain(b).cloned().collect()),
        (Value::Seq(_), Value::Null) => left.clone(),
        (Value::Seq(a), _) => Value::Seq(a.iter().chain([right]).cloned().collect()),
        (Value::Map(_), _) | (_, Value::Seq(_) | Value::Map(_)) => return Err(cannot()),
        (Value::String(_), Value::Null) => left.clone(),
        (Value::Number(a), Value::Number(b)) => arithmetic(a, b, '+')?,
        (Value::String(_), _) | (_, Value::String(_)) => {
            let (Some(a), Some(b)) = (scalar_text(left), scalar_text(right)) else {
                return Err(cannot());
            };
            Value::String(a + &b)
        }
        _ => return Err(cannot()),
    })
}

/// yq's `-`.
fn subtract(left: &Value, right: &Value) -> Result<Value, String> {
    Ok(match (left, right) {
        (Value::Null, _) => right.clone(),
        (Value::Map(_), _) => return Err("maps cannot be subtracted".into()),
        (Value::Seq(a), Value::Seq(b)) => {
            Value::Seq(a.iter().filter(|x| !b.iter().any(|y| x.loosely_equals(y))).cloned().collect())
        }
        (Value::String(_), _) => return Err("strings cannot be subtracted".into()),
        (Value::Number(a), Value::Number(b)) => arithmetic(a, b, '-')?,
        _ => return Err(format!("cannot subtract {} from {}", right.type_name(), left.type_name())),
    })
}

/// Adds or subtracts two number texts: integers stay integers (in the left side's base),
/// anything else is computed as a float and written as yq (Go) writes it.
fn arithmetic(a: &str, b: &str, op: char) -> Result<Value, String> {
    if let (Some(x), Some(y)) = (parse_int(a), parse_int(b)) {
        let result = if op == '+' { x.checked_add(y) } else { x.checked_sub(y) };
        let n = result.ok_or_else(|| format!("integer overflow computing {a} {op} {b}"))?;
        let digits = a.trim_start_matches(['-', '+']);
        let text = match () {
            _ if n >= 0 && digits.starts_with("0x") => format!("0x{n:X}"),
            _ if n >= 0 && digits.starts_with("0o") => format!("0o{n:o}"),
            _ => n.to_string(),
        };
        return Ok(Value::Number(text));
    }
    match (parse_number(a), parse_number(b)) {
        (Some(x), Some(y)) => Ok(Value::Number(go_float(if op == '+' { x + y } else { x - y }))),
        _ => Err(format!("cannot compute {a} {op} {b}")),
    }
}

/// A float as Go's `%v` writes it (shortest digits; exponent form below 1e-4 and from 1e6),
/// with YAML's spellings for infinities and NaN.
fn go_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    let scientific = format!("{:e}", f.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if !(-4..6).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}{fraction}e{exponent_sign}{:02}", exponent.unsigned_abs());
    }
    let point = exponent + 1; // digits before the decimal point
    let count = digits.len() as i32;
    let body = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point >= count {
        format!("{digits}{}", "0".repeat((point - count) as usize))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_like_yq() {
        assert!(glob("redis", "redis"));
        assert!(glob("redis", "red*"));
        assert!(glob("redis", "*"));
        assert!(glob("redis", "r?dis"));
        assert!(glob("app-1", "app-*"));
        assert!(glob("a.b.c", "*.c"));
        assert!(glob("", ""));
        assert!(!glob("x", ""));
        assert!(!glob("redis", "red"));
        assert!(!glob("redis", "r?d"));
        assert!(glob("ünï", "?n?"));
    }

    #[test]
    fn floats_are_written_as_go_writes_them() {
        assert_eq!(go_float(1.5), "1.5");
        assert_eq!(go_float(3.0), "3");
        assert_eq!(go_float(-2.25), "-2.25");
        assert_eq!(go_float(100000.0), "100000");
        assert_eq!(go_float(1e6), "1e+06");
        assert_eq!(go_float(1234567.5), "1.2345675e+06");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(go_float(f64::INFINITY), ".inf");
        assert_eq!(go_float(f64::NAN), ".nan");
        assert_eq!(go_float(-0.0), "-0");
    }

    #[test]
    fn integer_arithmetic_keeps_the_base() {
        assert_eq!(arithmetic("1", "2", '+'), Ok(Value::Number("3".into())));
        assert_eq!(arithmetic("0x10", "1", '+'), Ok(Value::Number("0x11".into())));
        assert_eq!(arithmetic("0o7", "1", '+'), Ok(Value::Number("0o10".into())));
        assert_eq!(arithmetic("0x1", "2", '-'), Ok(Value::Number("-1".into())));
        assert_eq!(arithmetic("1.5", "1", '+'), Ok(Value::Number("2.5".into())));
        assert!(arithmetic("9223372036854775807", "1", '+').unwrap_err().contains("overflow"));
    }

    #[test]
    fn paths_render_as_expressions() {
        let key = |k: &str| Seg::Key(k.into());
        assert_eq!(path_text(&[]), ".");
        assert_eq!(path_text(&[key("a"), Seg::Index(0), key("b-c")]), ".a[0].b-c");
        assert_eq!(path_text(&[key("a.b")]), ".[\"a.b\"]");
        assert_eq!(path_text(&[Seg::Index(2)]), ".[2]");
    }
}
