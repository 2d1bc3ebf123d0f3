//! Places: reading the value at one, and traversal (`.key`, `[i]`, `[]`, `[a:b]`, `..`),
//! following merge keys (`<<: *base`) on reads as yq's spec mode does.

use crate::value::{parse_int, Value};

use super::super::error::ErrorKind;
use super::super::lex::Span;
use super::super::{ExprError, Step};
use super::ops::{glob, scalar_text};
use super::{path_text, Cx, Place};

/// The merge key.
pub(crate) const MERGE_KEY: &str = "<<";

static NULL: Value = Value::Null;

impl Cx<'_> {
    /// The value at `place`, null if it does not exist.
    pub(crate) fn get(&self, place: &Place) -> &Value {
        let Some(mut value) = self.docs.get(place.doc) else {
            return &NULL;
        };
        for step in &place.path {
            let next = match (step, value) {
                (Step::Key(k), Value::Map(m)) => m.get(k),
                (Step::Index(i), Value::Seq(s)) => s.get(*i),
                _ => None,
            };
            match next {
                Some(v) => value = v,
                None => return &NULL,
            }
        }
        value
    }

    /// Where key `name` of the map at `place` is: the map's own entry, else the entry a merge
    /// key brings (`<<: *base` or `<<: [*a, *b]`, the first map that has it), else a new entry.
    fn key_place(&self, place: &Place, name: &str) -> Place {
        let Value::Map(map) = self.get(place) else { return place.child(Step::Key(name.to_string())) };
        if map.contains_key(name) || name == MERGE_KEY {
            return place.child(Step::Key(name.to_string()));
        }
        let merged = place.child(Step::Key(MERGE_KEY.to_string()));
        match map.get(MERGE_KEY) {
            Some(Value::Map(m)) if m.contains_key(name) => merged.child(Step::Key(name.to_string())),
            Some(Value::Seq(items)) => {
                items.iter().position(|item| matches!(item, Value::Map(m) if m.contains_key(name))).map_or_else(
                    || place.child(Step::Key(name.to_string())),
                    |i| merged.child(Step::Index(i)).child(Step::Key(name.to_string())),
                )
            }
            _ => place.child(Step::Key(name.to_string())),
        }
    }

    /// The entries of the map at `place` as yq's spec mode iterates them: its own keys, and
    /// each merged map's keys not set before (merged maps later in a list first, so earlier
    /// ones win), in the order they were first seen; the merge key itself is not an entry.
    fn entries(&self, place: &Place) -> Vec<Place> {
        let Value::Map(map) = self.get(place) else { return Vec::new() };
        if !map.contains_key(MERGE_KEY) {
            return map.keys().map(|k| place.child(Step::Key(k.clone()))).collect();
        }
        // Each key once, where it was first seen, with the place it reads from in the end.
        let mut entries: Vec<(String, Place)> = Vec::new();
        fn set(entries: &mut Vec<(String, Place)>, key: &str, at: Place) {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some(entry) => entry.1 = at,
                None => entries.push((key.to_string(), at)),
            }
        }
        let merged = place.child(Step::Key(MERGE_KEY.to_string()));
        for (key, value) in map.iter() {
            if key != MERGE_KEY {
                set(&mut entries, key, place.child(Step::Key(key.clone())));
                continue;
            }
            let sources: Vec<(Place, &crate::value::Map)> = match value {
                Value::Map(m) => vec![(merged.clone(), m)],
                Value::Seq(items) => items
                    .iter()
                    .enumerate()
                    .rev()
                    .filter_map(|(i, item)| match item {
                        Value::Map(m) => Some((merged.child(Step::Index(i)), m)),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for (source, m) in sources {
                for k in m.keys() {
                    if map.contains_key(k) {
                        // A key written in the map wins; it keeps its first place in the order.
                        if !entries.iter().any(|(e, _)| e == k) {
                            set(&mut entries, k, place.child(Step::Key(k.clone())));
                        }
                    } else {
                        set(&mut entries, k, source.child(Step::Key(k.clone())));
                    }
                }
            }
        }
        entries.into_iter().map(|(_, at)| at).collect()
    }

    /// `target[key]` / `target.key`, as yq traverses: map keys by text (with yq's `*`/`?`
    /// wildcards, and through merge keys), sequence items by integer (negative from the end),
    /// null as whatever the key suggests. Scalars and sequences-by-name are errors (yq silently
    /// yields nothing).
    pub(crate) fn index(&self, place: &Place, key: &Value, span: &Span) -> Result<Vec<Place>, ExprError> {
        let target = self.get(place);
        match target {
            Value::Map(map) => {
                let Some(name) = scalar_text(key) else {
                    return Err(
                        self.type_error(span, format!("cannot index !!map with {}{}", describe(key), at(place)))
                    );
                };
                if name.contains(['*', '?']) {
                    let matches: Vec<Place> = self
                        .entries(place)
                        .into_iter()
                        .filter(|p| matches!(p.path.last(), Some(Step::Key(k)) if glob(k, &name)))
                        .collect();
                    if !matches.is_empty() || map.is_empty() {
                        return Ok(matches);
                    }
                }
                Ok(vec![self.key_place(place, &name)])
            }
            Value::Seq(items) => {
                let Some(i) = int_index(key) else {
                    let hint = if matches!(key, Value::String(_)) {
                        "; use [] to go through its items, or [N] for one of them"
                    } else {
                        ""
                    };
                    return Err(
                        self.type_error(span, format!("cannot index !!seq with {}{}{hint}", repr(key), at(place)))
                    );
                };
                let len = items.len();
                Ok(vec![place.child(Step::Index(self.resolve_index(i, len, place, span)?))])
            }
            Value::Null => match key {
                Value::Number(text) if parse_int(text).is_some() => {
                    let i = parse_int(text).unwrap_or_default();
                    Ok(vec![place.child(Step::Index(self.resolve_index(i, 0, place, span)?))])
                }
                _ => match scalar_text(key) {
                    Some(name) => Ok(vec![place.child(Step::Key(name))]),
                    None => {
                        Err(self.type_error(span, format!("cannot index !!null with {}{}", describe(key), at(place))))
                    }
                },
            },
            other => {
                Err(self.type_error(span, format!("cannot index {} with {}{}", describe(other), repr(key), at(place))))
            }
        }
    }

    /// A sequence index, negative counting from the end of a sequence of `len` items.
    fn resolve_index(&self, i: i64, len: usize, place: &Place, span: &Span) -> Result<usize, ExprError> {
        let resolved = if i < 0 { i.checked_add(i64::try_from(len).unwrap_or(i64::MAX)) } else { Some(i) };
        match resolved.map(usize::try_from) {
            Some(Ok(index)) => Ok(index),
            Some(Err(_)) if i < 0 => {
                Err(self.type_error(span, format!("index [{i}] out of range, array size is {len}{}", at(place))))
            }
            _ => Err(self.error(ErrorKind::Limit, span, format!("index [{i}] is too large{}", at(place)))),
        }
    }

    /// `target[]`: a sequence's items or a map's values (merged entries included); nothing for
    /// null.
    pub(crate) fn iterate(&self, place: &Place, span: &Span) -> Result<Vec<Place>, ExprError> {
        match self.get(place) {
            Value::Map(_) => Ok(self.entries(place)),
            Value::Seq(items) => Ok((0..items.len()).map(|i| place.child(Step::Index(i))).collect()),
            Value::Null => Ok(Vec::new()),
            other => Err(self.type_error(span, format!("cannot iterate over {}{}", describe(other), at(place)))),
        }
    }

    /// `..`: the value at `place`, then everything below it, depth first.
    pub(crate) fn recurse(&self, place: &Place) -> Vec<Place> {
        let mut out = Vec::new();
        let mut pending = vec![place.clone()];
        while let Some(next) = pending.pop() {
            let children: Vec<Place> = match self.get(&next) {
                Value::Map(map) => map.keys().map(|k| next.child(Step::Key(k.clone()))).collect(),
                Value::Seq(items) => (0..items.len()).map(|i| next.child(Step::Index(i))).collect(),
                _ => Vec::new(),
            };
            out.push(next);
            pending.extend(children.into_iter().rev());
        }
        out
    }

    /// `target[from:to]` of a sequence or string (negative ends count from the end).
    pub(crate) fn slice(
        &self,
        place: &Place,
        from: Option<&Value>,
        to: Option<&Value>,
        span: &Span,
    ) -> Result<Value, ExprError> {
        let bound = |value: Option<&Value>, len: usize, default: usize| -> Result<usize, ExprError> {
            let Some(value) = value else { return Ok(default) };
            let i = int_index(value).ok_or_else(|| {
                self.type_error(span, format!("a slice bound must be an integer, not {}", repr(value)))
            })?;
            let len_i = i64::try_from(len).unwrap_or(i64::MAX);
            let resolved = if i < 0 { (len_i + i).max(0) } else { i.min(len_i) };
            Ok(usize::try_from(resolved).unwrap_or(0))
        };
        match self.get(place) {
            Value::Seq(items) => {
                let (a, b) = (bound(from, items.len(), 0)?, bound(to, items.len(), items.len())?);
                Ok(Value::Seq(if a < b { items[a..b].to_vec() } else { Vec::new() }))
            }
            Value::String(text) => {
                let chars: Vec<char> = text.chars().collect();
                let (a, b) = (bound(from, chars.len(), 0)?, bound(to, chars.len(), chars.len())?);
                Ok(Value::String(if a < b { chars[a..b].iter().collect() } else { String::new() }))
            }
            Value::Null => Ok(Value::Null),
            other => Err(self.type_error(span, format!("cannot slice {}{}", describe(other), at(place)))),
        }
    }

    /// Stores `value` at `place`, creating missing maps and sequences on the way (a sequence is
    /// padded with nulls up to the index). A path through a merge key is refused: writing there
    /// would change the anchored map every alias of it shares.
    pub(crate) fn set(&mut self, place: &Place, value: Value, span: &Span) -> Result<(), ExprError> {
        match super::ops::stored_size(&value, MAX_STORED_BYTES - self.stored) {
            Some(size) => self.stored += size,
            None => {
                return Err(self.error(
                    ErrorKind::Limit,
                    span,
                    format!(
                        "the expression stores more than {} MiB of data: does it copy the document into \
                         itself (`.a = .`, `.* = .`, `.a = .b = .c`)?",
                        MAX_STORED_BYTES >> 20
                    ),
                ))
            }
        }
        if place.is_input() {
            if place.path.iter().any(|s| *s == Step::Key(MERGE_KEY.to_string())) {
                return Err(self.error(
                    ErrorKind::Refused,
                    span,
                    format!(
                        "cannot set {}: it comes from a merge key (<<), and writing there would change the \
                         anchored map that every alias of it shares; set the key in the map itself",
                        path_text(&place.path)
                    ),
                ));
            }
            self.replaced.push(place.path.clone());
        }
        let fail = |depth: usize, what: &Value| {
            let message = format!(
                "cannot set {}: {} is {}",
                path_text(&place.path),
                path_text(&place.path[..depth]),
                describe(what)
            );
            ExprError::new(ErrorKind::Type, span.clone(), message)
        };
        let Some(mut slot) = self.docs.get_mut(place.doc) else {
            return Err(fail(0, &NULL));
        };
        for (depth, step) in place.path.iter().enumerate() {
            if *slot == Value::Null {
                *slot = match step {
                    Step::Key(_) => Value::Map(crate::value::Map::new()),
                    Step::Index(_) => Value::Seq(Vec::new()),
                };
            }
            slot = match (step, slot) {
                (Step::Key(k), Value::Map(map)) => {
                    if !map.contains_key(k) {
                        map.insert(k.clone(), Value::Null);
                    }
                    match map.get_mut(k) {
                        Some(v) => v,
                        None => return Err(fail(depth, &NULL)),
                    }
                }
                (Step::Index(i), Value::Seq(items)) => {
                    if *i > items.len().saturating_add(MAX_PAD) {
                        let message = format!(
                            "cannot set {}: index {i} is more than {MAX_PAD} past the end of the sequence (length {})",
                            path_text(&place.path),
                            items.len()
                        );
                        return Err(ExprError::new(ErrorKind::Limit, span.clone(), message));
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
    pub(crate) fn remove(&mut self, place: &Place, span: &Span) -> Result<(), ExprError> {
        let Some((last, parent)) = place.path.split_last() else {
            return Ok(());
        };
        if place.is_input() && parent.iter().any(|s| *s == Step::Key(MERGE_KEY.to_string())) {
            return Err(self.error(
                ErrorKind::Refused,
                span,
                format!(
                    "cannot delete {}: it comes from a merge key (<<); delete it from the anchored map",
                    path_text(&place.path)
                ),
            ));
        }
        if place.is_input() {
            self.replaced.push(parent.to_vec());
        }
        let Some(mut slot) = self.docs.get_mut(place.doc) else {
            return Ok(());
        };
        for step in parent {
            let next = match (step, slot) {
                (Step::Key(k), Value::Map(m)) => m.get_mut(k),
                (Step::Index(i), Value::Seq(s)) => s.get_mut(*i),
                _ => None,
            };
            match next {
                Some(v) => slot = v,
                None => return Ok(()),
            }
        }
        match (last, slot) {
            (Step::Key(k), Value::Map(m)) => {
                m.remove(k);
            }
            (Step::Index(i), Value::Seq(s)) if *i < s.len() => {
                s.remove(*i);
            }
            _ => {}
        }
        Ok(())
    }
}

/// How far past the end of a sequence an assignment may pad it with nulls.
const MAX_PAD: usize = 10_000;

/// See [`super::MAX_STORED_BYTES`].
const MAX_STORED_BYTES: usize = super::MAX_STORED_BYTES;

/// A value used as a sequence index: an integer, or a string holding one (as yq parses it).
pub(crate) fn int_index(key: &Value) -> Option<i64> {
    match key {
        Value::Number(text) | Value::String(text) => parse_int(text),
        _ => None,
    }
}

/// A scalar for messages: strings quoted (and shortened), others as written.
pub(crate) fn repr(value: &Value) -> String {
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
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Seq(_) | Value::Map(_) => value.type_name().to_string(),
        _ => format!("{} {}", value.type_name(), repr(value)),
    }
}

/// ` (at path .a.b[0])` for places in the input document; nothing for computed values.
pub(crate) fn at(place: &Place) -> String {
    if place.is_input() {
        format!(" (at path {})", path_text(&place.path))
    } else {
        String::new()
    }
}
