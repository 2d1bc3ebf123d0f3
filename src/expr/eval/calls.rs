//! The built-in functions (see [`super::super::builtins`]).

use std::cmp::Ordering;

use regex_lite::Regex;

use crate::sorting::sort_by;
use crate::value::{parse_int, Map, Value};

use super::super::builtins::{EnvsubstFlags, Func};
use super::super::error::ExprError;
use super::super::lex::Span;
use super::super::parse::Node;
use super::super::Step;
use super::ops::{scalar_text, to_text, total_order};
use super::path::{at, describe};
use super::{Cx, Out, Place};

impl Cx<'_> {
    pub(crate) fn call(&mut self, func: Func, args: &[Node], input: &Place, span: &Span) -> Result<Out, ExprError> {
        let value = match func {
            Func::Select => {
                let keep = self.values(&args[0], input)?.iter().any(Value::is_truthy);
                return Ok(Out::of(if keep { vec![input.clone()] } else { Vec::new() }));
            }
            Func::With => {
                for target in &self.eval(&args[0], input)?.places {
                    self.eval(&args[1], target)?;
                }
                return Ok(Out::input(input));
            }
            Func::Del => {
                let mut targets = self.eval(&args[0], input)?.places;
                // Deepest and last first, so earlier places stay valid (as yq deletes).
                sort_by(&mut targets, |x, y| (y.doc, &y.path).cmp(&(x.doc, &x.path)));
                targets.dedup();
                let mut deleted_input = false;
                for target in &targets {
                    deleted_input |= target == input;
                    self.remove(target, span)?;
                }
                if deleted_input {
                    return Ok(Out::of(Vec::new()));
                }
                return Ok(Out::input(input));
            }
            Func::First => return self.first(args, input, span),
            Func::Map | Func::MapValues => return self.map(func, &args[0], input, span),
            Func::Collect => Value::Seq(self.values(&args[0], input)?),
            Func::Has => {
                let key = self.values(&args[0], input)?.into_iter().next().unwrap_or(Value::Null);
                let found = match (self.get(input), &key) {
                    (Value::Map(map), key) => scalar_text(key).is_some_and(|k| map.contains_key(&k)),
                    (Value::Seq(items), Value::Number(text)) => {
                        parse_int(text).and_then(|i| usize::try_from(i).ok()).is_some_and(|i| i < items.len())
                    }
                    _ => false,
                };
                Value::Bool(found)
            }
            Func::Test => {
                let (regex, _) = self.regex_with_flags(args, input)?;
                let text = self.input_text(input, span, "match with")?;
                Value::Bool(regex.is_match(&text))
            }
            Func::Match | Func::Capture => {
                let (regex, global) = self.regex_with_flags(args, input)?;
                let text = self.input_text(input, span, "match with")?;
                let found: Vec<Value> = regex
                    .captures_iter(&text)
                    .take(if global { usize::MAX } else { 1 })
                    .map(|captures| {
                        if func == Func::Match {
                            match_value(&regex, &text, &captures)
                        } else {
                            capture_value(&regex, &captures)
                        }
                    })
                    .collect();
                return Ok(Out::of(found.into_iter().map(|v| self.new_place(v)).collect()));
            }
            Func::Sub => {
                let regex = self.regex_arg(&args[0], input)?;
                let replacement = self.text_arg(&args[1], input, "replacement")?;
                match self.get(input) {
                    Value::String(s) => Value::String(regex.replace_all(s, replacement.as_str()).into_owned()),
                    other => {
                        return Err(self.type_error(
                            span,
                            format!(
                                "cannot substitute with {}, can only substitute strings (to change a value in \
                                 place, use `|=` rather than `=`)",
                                other.type_name()
                            ),
                        ))
                    }
                }
            }
            Func::Split => {
                let separator = self.text_arg(&args[0], input, "separator")?;
                match self.get(input) {
                    Value::String(s) if s.is_empty() => Value::Seq(Vec::new()),
                    Value::String(s) if separator.is_empty() => {
                        Value::Seq(s.chars().map(|c| Value::String(c.to_string())).collect())
                    }
                    Value::String(s) => {
                        Value::Seq(s.split(separator.as_str()).map(|p| Value::String(p.into())).collect())
                    }
                    Value::Null => return Ok(Out::of(Vec::new())),
                    other => {
                        return Err(
                            self.type_error(span, format!("cannot split {}: only strings split", describe(other)))
                        )
                    }
                }
            }
            Func::Join => {
                let separator = self.text_arg(&args[0], input, "separator")?;
                match self.get(input) {
                    Value::Seq(items) => Value::String(
                        items
                            .iter()
                            .map(|v| if *v == Value::Null { String::new() } else { to_text(v) })
                            .collect::<Vec<_>>()
                            .join(&separator),
                    ),
                    other => {
                        return Err(
                            self.type_error(span, format!("cannot join {}: only sequences join", describe(other)))
                        )
                    }
                }
            }
            Func::Upcase | Func::Downcase | Func::Trim => {
                let text = self.input_text(input, span, "change the case of")?;
                let value = Value::String(match func {
                    Func::Upcase => text.to_uppercase(),
                    Func::Downcase => text.to_lowercase(),
                    _ => text.trim().to_string(),
                });
                // A custom tag (`!camel água`) stays on the result, as in yq.
                let tag = Some(self.tag_of(input)).filter(|t| !t.starts_with("!!"));
                return Ok(Out::of(vec![self.new_tagged(value, tag)]));
            }
            Func::ToString => Value::String(to_text(self.get(input))),
            Func::Envsubst(flags) => {
                let text = self.input_text(input, span, "substitute variables in")?;
                Value::String(envsubst(&text, self.vars, flags).map_err(|m| self.type_error(span, m))?)
            }
            Func::Not => Value::Bool(!self.get(input).is_truthy()),
            Func::Length => match self.get(input) {
                Value::Seq(items) => number(items.len()),
                Value::Map(map) => number(map.len()),
                Value::String(s) => number(s.chars().count()),
                Value::Null => number(0),
                Value::Number(n) => Value::Number(n.trim_start_matches('-').to_string()),
                Value::Bool(_) => return Err(self.type_error(span, format!("!!bool has no length{}", at(input)))),
            },
            Func::Keys => match self.get(input) {
                Value::Map(map) => Value::Seq(map.keys().map(|k| Value::String(k.clone())).collect()),
                Value::Seq(items) => Value::Seq((0..items.len()).map(number).collect()),
                other => return Err(self.type_error(span, format!("{} has no keys{}", describe(other), at(input)))),
            },
            Func::Key => match input.path.last() {
                Some(Step::Key(k)) => Value::String(k.clone()),
                Some(Step::Index(i)) => number(*i),
                None => return Ok(Out::of(Vec::new())),
            },
            Func::ToEntries => match self.get(input) {
                Value::Map(map) => {
                    Value::Seq(map.iter().map(|(k, v)| entry(Value::String(k.clone()), v.clone())).collect())
                }
                Value::Seq(items) => {
                    Value::Seq(items.iter().enumerate().map(|(i, v)| entry(number(i), v.clone())).collect())
                }
                Value::Null => return Ok(Out::of(Vec::new())),
                other => {
                    return Err(
                        self.type_error(span, format!("cannot make entries of {}{}", describe(other), at(input)))
                    )
                }
            },
            Func::FromEntries => {
                let entries = self.get(input).clone();
                Value::Map(from_entries(&entries).map_err(|m| self.type_error(span, m))?)
            }
            Func::WithEntries => {
                let entries: Vec<Value> = match self.get(input) {
                    Value::Map(map) => map.iter().map(|(k, v)| entry(Value::String(k.clone()), v.clone())).collect(),
                    Value::Seq(items) => items.iter().enumerate().map(|(i, v)| entry(number(i), v.clone())).collect(),
                    other => {
                        return Err(
                            self.type_error(span, format!("cannot make entries of {}{}", describe(other), at(input)))
                        )
                    }
                };
                let mut mapped = Vec::new();
                for item in entries {
                    let place = self.new_place(item);
                    mapped.extend(self.values(&args[0], &place)?);
                }
                Value::Map(from_entries(&Value::Seq(mapped)).map_err(|m| self.type_error(span, m))?)
            }
            Func::SortBy | Func::UniqueBy | Func::Sort | Func::Unique => {
                let items = self.items(input, span, func)?;
                let mut keyed: Vec<(Vec<Value>, Value)> = Vec::with_capacity(items.len());
                for (place, value) in items {
                    let key = match args.first() {
                        Some(f) => self.values(f, &place)?,
                        None => vec![value.clone()],
                    };
                    keyed.push((key, value));
                }
                let by_key = |a: &(Vec<Value>, Value), b: &(Vec<Value>, Value)| {
                    total_order(&Value::Seq(a.0.clone()), &Value::Seq(b.0.clone()))
                };
                if matches!(func, Func::SortBy | Func::Sort) {
                    // A map's entries are sorted by their values, and it stays a map.
                    let keys: Option<Vec<String>> = match self.get(input) {
                        Value::Map(map) => Some(map.keys().cloned().collect()),
                        _ => None,
                    };
                    let mut order: Vec<usize> = (0..keyed.len()).collect();
                    sort_by(&mut order, |&a, &b| by_key(&keyed[a], &keyed[b]));
                    match keys {
                        Some(keys) => {
                            Value::Map(order.into_iter().map(|i| (keys[i].clone(), keyed[i].1.clone())).collect())
                        }
                        None => Value::Seq(order.into_iter().map(|i| keyed[i].1.clone()).collect()),
                    }
                } else {
                    let mut seen: Vec<Vec<Value>> = Vec::new();
                    let mut out = Vec::new();
                    for (key, value) in keyed {
                        if !seen.iter().any(|k| {
                            total_order(&Value::Seq(k.clone()), &Value::Seq(key.clone())) == Ordering::Equal
                                && Value::Seq(k.clone()).loosely_equals(&Value::Seq(key.clone()))
                        }) {
                            seen.push(key);
                            out.push(value);
                        }
                    }
                    Value::Seq(out)
                }
            }
            Func::Reverse => match self.get(input) {
                Value::Seq(items) => Value::Seq(items.iter().rev().cloned().collect()),
                Value::String(s) => Value::String(s.chars().rev().collect()),
                Value::Null => Value::Null,
                other => return Err(self.type_error(span, format!("cannot reverse {}{}", describe(other), at(input)))),
            },
            Func::Flatten => {
                let depth = match args.first() {
                    Some(arg) => self
                        .values(arg, input)?
                        .first()
                        .and_then(|v| scalar_text(v).and_then(|t| t.parse::<usize>().ok()))
                        .ok_or_else(|| self.type_error(&arg.span, "flatten's depth must be a non-negative integer"))?,
                    None => usize::MAX,
                };
                match self.get(input) {
                    Value::Seq(items) => Value::Seq(flatten(items, depth)),
                    other => {
                        return Err(self.type_error(span, format!("cannot flatten {}{}", describe(other), at(input))))
                    }
                }
            }
            Func::Any | Func::All => {
                let items = self.items(input, span, func)?;
                let truthy = items.iter().map(|(_, v)| v.is_truthy());
                Value::Bool(if func == Func::Any { truthy.clone().any(|t| t) } else { truthy.clone().all(|t| t) })
            }
            Func::AnyC | Func::AllC => {
                let items = self.items(input, span, func)?;
                let mut results = Vec::new();
                for (place, _) in items {
                    results.push(self.values(&args[0], &place)?.iter().any(Value::is_truthy));
                }
                Value::Bool(if func == Func::AnyC { results.iter().any(|r| *r) } else { results.iter().all(|r| *r) })
            }
            Func::Min | Func::Max => {
                let items = self.items(input, span, func)?;
                let best = items.into_iter().map(|(_, v)| v).reduce(|a, b| {
                    let order = total_order(&a, &b);
                    if (func == Func::Min && order == Ordering::Greater)
                        || (func == Func::Max && order == Ordering::Less)
                    {
                        b
                    } else {
                        a
                    }
                });
                match best {
                    Some(v) => v,
                    None => return Ok(Out::of(Vec::new())),
                }
            }
            Func::Add => {
                let items = self.items(input, span, func)?;
                let mut places = items.into_iter().map(|(p, _)| p);
                let Some(mut total) = places.next() else { return Ok(Out::of(vec![self.new_place(Value::Null)])) };
                for next in places {
                    let (l, r) = (self.get(&total).clone(), self.get(&next).clone());
                    let lt = super::ops::Tagged { value: &l, tag: self.tag_of(&total) };
                    let rt = super::ops::Tagged { value: &r, tag: self.tag_of(&next) };
                    let (value, tag) = super::ops::arithmetic(super::super::parse::BinOp::Add, &lt, &rt)
                        .map_err(|m| self.type_error(span, m))?;
                    total = self.new_tagged(value, tag);
                }
                return Ok(Out::of(vec![total]));
            }
            Func::Strenv | Func::Env => unreachable!("parsed as Kind::Env"),
            Func::Attribute(attr) => self.attribute(attr, input, span)?,
        };
        let place = self.new_place(value);
        if func == Func::Key {
            self.keys.push(place.doc);
        }
        Ok(Out::of(vec![place]))
    }

    /// The items of the sequence (or the values of the map) at `input`, with their places.
    fn items(&self, input: &Place, span: &Span, func: Func) -> Result<Vec<(Place, Value)>, ExprError> {
        match self.get(input) {
            Value::Seq(_) | Value::Map(_) => Ok(self
                .iterate(input, span)?
                .into_iter()
                .map(|p| {
                    let v = self.get(&p).clone();
                    (p, v)
                })
                .collect()),
            Value::Null => Ok(Vec::new()),
            other => Err(self.type_error(
                span,
                format!("`{}` needs a sequence, not {}{}", Cx::func_name(func), describe(other), at(input)),
            )),
        }
    }

    /// The string at `input`, for functions that only take strings.
    fn input_text(&self, input: &Place, span: &Span, what: &str) -> Result<String, ExprError> {
        match self.get(input) {
            Value::String(s) => Ok(s.clone()),
            other => {
                let verb = what.split(' ').next().unwrap_or(what);
                Err(self.type_error(
                    span,
                    format!("cannot {what} {}, can only {verb} strings{}", other.type_name(), at(input)),
                ))
            }
        }
    }

    /// `first`: the first item; `first(cond)`: the first item (or map value) for which `cond`
    /// holds. Places are kept, so `first(…) = x` assigns.
    fn first(&mut self, args: &[Node], input: &Place, span: &Span) -> Result<Out, ExprError> {
        let candidates = match self.get(input) {
            Value::Seq(_) | Value::Map(_) => self.iterate(input, span)?,
            _ => return Ok(Out::of(Vec::new())),
        };
        for place in candidates {
            let keep = match args.first() {
                Some(cond) => self.values(cond, &place)?.iter().any(Value::is_truthy),
                None => true,
            };
            if keep {
                return Ok(Out::of(vec![place]));
            }
        }
        Ok(Out::of(Vec::new()))
    }

    /// `map(f)`: the outputs of `f` on each item, as a sequence; `map_values(f)`: each value
    /// replaced by `f`'s first output (dropped when it has none), the collection kept.
    fn map(&mut self, func: Func, f: &Node, input: &Place, span: &Span) -> Result<Out, ExprError> {
        let value = self.get(input).clone();
        let copy = self.new_place(value.clone());
        let items = match &value {
            Value::Seq(_) | Value::Map(_) => self.iterate(&copy, span)?,
            Value::Null => Vec::new(),
            other => return Err(self.type_error(span, format!("cannot map over {}{}", describe(other), at(input)))),
        };
        let result = if func == Func::Map {
            let mut out = Vec::new();
            for item in &items {
                out.extend(self.values(f, item)?);
            }
            Value::Seq(out)
        } else {
            let mut mapped = Vec::with_capacity(items.len());
            for item in &items {
                mapped.push(self.values(f, item)?.into_iter().next());
            }
            match value {
                Value::Map(map) => {
                    Value::Map(map.keys().cloned().zip(mapped).filter_map(|(k, v)| Some((k, v?))).collect())
                }
                _ => Value::Seq(mapped.into_iter().flatten().collect()),
            }
        };
        let place = self.new_place(result);
        Ok(Out::of(vec![place]))
    }
}

/// A number value from a count.
fn number(n: usize) -> Value {
    Value::Number(n.to_string())
}

/// `{key: k, value: v}`.
fn entry(key: Value, value: Value) -> Value {
    let mut map = Map::with_capacity(2);
    map.insert("key".into(), key);
    map.insert("value".into(), value);
    Value::Map(map)
}

/// A map from `[{key, value}]` (jq also takes `k`/`name` and `v`).
fn from_entries(entries: &Value) -> Result<Map, String> {
    let Value::Seq(items) = entries else {
        return Err(format!("from_entries needs a sequence of {{key, value}}, not {}", entries.type_name()));
    };
    let mut map = Map::with_capacity(items.len());
    for item in items {
        let Value::Map(fields) = item else {
            return Err(format!("from_entries needs {{key, value}} maps, not {}", item.type_name()));
        };
        let key = ["key", "k", "name"].iter().find_map(|k| fields.get(k)).cloned().unwrap_or(Value::Null);
        let value = ["value", "v"].iter().find_map(|k| fields.get(k)).cloned().unwrap_or(Value::Null);
        let key =
            scalar_text(&key).ok_or_else(|| format!("an entry's key must be a scalar, not {}", key.type_name()))?;
        map.insert(key, value);
    }
    Ok(map)
}

fn flatten(items: &[Value], depth: usize) -> Vec<Value> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Value::Seq(inner) if depth > 0 => out.extend(flatten(inner, depth - 1)),
            other => out.push(other.clone()),
        }
    }
    out
}

/// `match`'s result: `{string, offset, length, captures: [{string, offset, length, name?}]}`.
fn match_value(regex: &Regex, text: &str, captures: &regex_lite::Captures<'_>) -> Value {
    let whole = captures.get(0).expect("a match has group 0");
    let offset = |at: usize| number(text[..at].chars().count());
    let mut map = Map::new();
    map.insert("string".into(), Value::String(whole.as_str().into()));
    map.insert("offset".into(), offset(whole.start()));
    map.insert("length".into(), number(whole.as_str().chars().count()));
    let groups: Vec<Value> = regex
        .capture_names()
        .enumerate()
        .skip(1)
        .map(|(i, name)| {
            let mut group = Map::new();
            match captures.get(i) {
                Some(m) => {
                    group.insert("string".into(), Value::String(m.as_str().into()));
                    group.insert("offset".into(), offset(m.start()));
                    group.insert("length".into(), number(m.as_str().chars().count()));
                }
                None => {
                    group.insert("string".into(), Value::Null);
                    group.insert("offset".into(), Value::Number("-1".into()));
                    group.insert("length".into(), number(0));
                }
            }
            if let Some(name) = name {
                group.insert("name".into(), Value::String(name.into()));
            }
            Value::Map(group)
        })
        .collect();
    map.insert("captures".into(), Value::Seq(groups));
    Value::Map(map)
}

/// `capture`'s result: a map of the named groups.
fn capture_value(regex: &Regex, captures: &regex_lite::Captures<'_>) -> Value {
    let mut map = Map::new();
    for (i, name) in regex.capture_names().enumerate().skip(1) {
        if let Some(name) = name {
            let value = captures.get(i).map_or(Value::Null, |m| Value::String(m.as_str().into()));
            map.insert(name.into(), value);
        }
    }
    Value::Map(map)
}

/// `envsubst`: `${NAME}`, `$NAME`, `${NAME:-default}` and `${NAME-default}` replaced by the
/// named values. An unknown name reads as empty, as in yq, unless `nu` is set; `ne` refuses an
/// empty value; every such error is reported unless `ff` stops at the first.
fn envsubst(text: &str, vars: &super::super::Vars, flags: EnvsubstFlags) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut errors: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let (name, default, empty_takes_default) = if let Some(inner) = rest.strip_prefix('{') {
            let Some(close) = inner.find('}') else {
                return Err(format!("envsubst: unclosed ${{ in {text:?}"));
            };
            let body = &inner[..close];
            rest = &inner[close + 1..];
            match body.split_once(":-") {
                Some((name, default)) => (name, Some(default), true),
                None => match body.split_once('-') {
                    Some((name, default)) => (name, Some(default), false),
                    None => (body, None, false),
                },
            }
        } else {
            let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            if len == 0 {
                out.push('$');
                continue;
            }
            let name = &rest[..len];
            rest = &rest[len..];
            (name, None, false)
        };
        let problem = match vars.get(name) {
            Some(value) if value.is_empty() && flags.no_empty => Some(format!("variable ${{{name}}} set but empty")),
            Some(value) if !(value.is_empty() && empty_takes_default) => {
                out.push_str(value);
                None
            }
            None if default.is_none() && flags.no_unset => Some(format!("variable ${{{name}}} not set")),
            _ => {
                out.push_str(default.unwrap_or(""));
                None
            }
        };
        if let Some(problem) = problem {
            errors.push(problem);
            if flags.fail_fast {
                break;
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    out.push_str(rest);
    Ok(out)
}

/// A value written as YAML in an `env(NAME)` value (`[a, b]`, `{x: 1}`), where it is one;
/// `None` for plain scalars, which [`crate::value::resolve_plain`] reads.
pub(crate) fn read_yaml(text: &str) -> Option<Value> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('[') || trimmed.starts_with('{')) {
        return None;
    }
    let stream = crate::yaml::document::Stream::parse(text).ok()?;
    let doc = stream.docs.first()?;
    Some(stream.value_of(&doc.root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envsubst_forms() {
        let vars =
            super::super::super::Vars::from([("A".to_string(), "x".to_string()), ("E".to_string(), String::new())]);
        let sub = |t: &str| envsubst(t, &vars, EnvsubstFlags::NONE).unwrap();
        assert_eq!(sub("a=$A b=${A} c=${B:-def} d=${E:-def} e=${E-def} f=$"), "a=x b=x c=def d=def e= f=$");
        assert_eq!(sub("${missing}|$missing"), "|");
    }
}
