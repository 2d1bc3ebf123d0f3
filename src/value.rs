//! The plain data model the expression language evaluates over.
//!
//! A [`Value`] is what a YAML or JSON document means, without its presentation: no spans,
//! styles or comments. The document layer (`crate::yaml`) turns source bytes into values and,
//! after evaluation, compares old and new values to find the bytes to change.

use std::fmt;

use indexmap::IndexMap;

/// One YAML/JSON datum.
///
/// Numbers keep their source text (`1.10` stays `1.10`, `0x1F` stays `0x1F`), so an untouched
/// number compares equal to itself and is never rewritten; arithmetic parses the text on demand.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~`, or an empty scalar.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer or float, as written.
    Number(String),
    /// A string.
    String(String),
    /// A sequence, in order.
    Seq(Vec<Value>),
    /// A mapping, in source order.
    Map(Map),
}

/// An insertion-ordered mapping with string keys (YAML keys are compared by their text).
/// Two maps are equal only with the same entries in the same order.
#[derive(Clone, Debug, Default)]
pub struct Map {
    entries: IndexMap<String, Value, foldhash::fast::RandomState>,
}

impl PartialEq for Map {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Map {
    /// An empty mapping.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty mapping with room for `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Map { entries: IndexMap::with_capacity_and_hasher(capacity, Default::default()) }
    }

    /// The value under `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.get(key)
    }

    /// A mutable reference to the value under `key`, if present.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries.get_mut(key)
    }

    /// Sets `key` to `value`, keeping its position if it exists, appending it otherwise.
    pub fn insert(&mut self, key: String, value: Value) {
        self.entries.insert(key, value);
    }

    /// Removes `key`, returning its value; later entries keep their order.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.entries.shift_remove(key)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the mapping has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry at `index` in order, if there is one.
    pub fn get_index(&self, index: usize) -> Option<(&String, &Value)> {
        self.entries.get_index(index)
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.entries.iter()
    }

    /// The entries in order, values mutable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut Value)> {
        self.entries.iter_mut()
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.entries.keys()
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut map = Map::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl Value {
    /// yq's name for the value's type, as used in error messages (`!!str`, `!!map`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "!!null",
            Value::Bool(_) => "!!bool",
            Value::Number(text) => {
                if parse_int(text).is_some() {
                    "!!int"
                } else {
                    "!!float"
                }
            }
            Value::String(_) => "!!str",
            Value::Seq(_) => "!!seq",
            Value::Map(_) => "!!map",
        }
    }

    /// Whether the value counts as true in a condition (everything but `null` and `false`).
    pub fn is_truthy(&self) -> bool {
        !matches!(self, Value::Null | Value::Bool(false))
    }

    /// The number's value as `f64`, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(text) => parse_number(text),
            _ => None,
        }
    }

    /// Equality as yq's `==` sees it: numbers by value (`1.0 == 1`), everything else structurally.
    pub fn loosely_equals(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Number(a), Value::Number(b)) => {
                a == b || matches!((parse_number(a), parse_number(b)), (Some(x), Some(y)) if x == y)
            }
            (Value::Seq(a), Value::Seq(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.loosely_equals(y)),
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v.loosely_equals(w)))
            }
            _ => self == other,
        }
    }
}

impl fmt::Display for Value {
    /// The value as a short, single-line text for messages and change lists.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(text) | Value::String(text) => f.write_str(text),
            Value::Seq(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

/// Resolves the text of a plain (unquoted, untagged) scalar to a value with the YAML 1.2 core
/// schema, as yq (go-yaml v3) reads it.
pub fn resolve_plain(text: &str) -> Value {
    ScalarType::of_plain(text).value(text)
}

/// The type a scalar's text stands for, without building the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarType {
    /// [`Value::Null`].
    Null,
    /// [`Value::Bool`].
    Bool(bool),
    /// [`Value::Number`] with the text.
    Number,
    /// [`Value::String`] with the text.
    String,
}

impl ScalarType {
    /// The type of a plain (unquoted, untagged) scalar's text (YAML 1.2 core schema).
    pub fn of_plain(text: &str) -> Self {
        match text {
            "" | "~" | "null" | "Null" | "NULL" => ScalarType::Null,
            "true" | "True" | "TRUE" => ScalarType::Bool(true),
            "false" | "False" | "FALSE" => ScalarType::Bool(false),
            _ if is_number(text) => ScalarType::Number,
            _ => ScalarType::String,
        }
    }

    /// The value of `text` read as this type.
    pub fn value(self, text: &str) -> Value {
        match self {
            ScalarType::Null => Value::Null,
            ScalarType::Bool(b) => Value::Bool(b),
            ScalarType::Number => Value::Number(text.to_string()),
            ScalarType::String => Value::String(text.to_string()),
        }
    }

    /// Whether `text` read as this type is `value`, without building it.
    pub fn is(self, text: &str, value: &Value) -> bool {
        match (self, value) {
            (ScalarType::Null, Value::Null) => true,
            (ScalarType::Bool(a), Value::Bool(b)) => a == *b,
            (ScalarType::Number, Value::Number(t)) | (ScalarType::String, Value::String(t)) => t == text,
            _ => false,
        }
    }
}

/// Whether `text` is an integer or float in the YAML 1.2 core schema.
pub fn is_number(text: &str) -> bool {
    parse_number(text).is_some()
}

/// Parses a core-schema integer (`12`, `-3`, `0o17`, `0x1F`), returning `None` for anything else.
pub fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        if text.starts_with(['-', '+']) {
            return None;
        }
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        if text.starts_with(['-', '+']) {
            return None;
        }
        i64::from_str_radix(oct, 8).ok()?
    } else {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<i64>().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Parses a core-schema number (integer or float: `1.5`, `-2e3`, `.5`, `.inf`, `-.Inf`, `.nan`).
pub fn parse_number(text: &str) -> Option<f64> {
    if let Some(i) = parse_int(text) {
        return Some(i as f64);
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let sign = if text.starts_with('-') { -1.0 } else { 1.0 };
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(sign * f64::INFINITY),
        _ => {}
    }
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return Some(f64::NAN);
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let bytes = unsigned.as_bytes();
    let mut i = 0;
    let int_digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp_digits == 0 {
            return None;
        }
        i += exp_digits;
    }
    if i != bytes.len() {
        return None;
    }
    text.parse::<f64>().ok().or_else(|| {
        // Rust rejects "1." and ".5e3" forms it does not know; normalise and retry.
        let normalised = format!("{}0", unsigned.replace(".e", ".0e").replace(".E", ".0E"));
        normalised.trim_end_matches('0').parse::<f64>().ok().map(|v| sign * v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_core_schema_plain_scalars() {
        assert_eq!(resolve_plain(""), Value::Null);
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("True"), Value::Bool(true));
        assert_eq!(resolve_plain("1.10"), Value::Number("1.10".into()));
        assert_eq!(resolve_plain("0x1F"), Value::Number("0x1F".into()));
        assert_eq!(resolve_plain("-.inf"), Value::Number("-.inf".into()));
        assert_eq!(resolve_plain("1e3"), Value::Number("1e3".into()));
        assert_eq!(resolve_plain("yes"), Value::String("yes".into()));
        assert_eq!(resolve_plain("1.2.3"), Value::String("1.2.3".into()));
        assert_eq!(resolve_plain("v1"), Value::String("v1".into()));
        assert_eq!(resolve_plain("-"), Value::String("-".into()));
        assert_eq!(resolve_plain("."), Value::String(".".into()));
    }

    #[test]
    fn numbers_compare_by_value() {
        let a = Value::Number("1.0".into());
        let b = Value::Number("1".into());
        assert!(a.loosely_equals(&b));
        assert_ne!(a, b);
        assert_eq!(parse_number("1."), Some(1.0));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("-0x1"), None);
    }
}
