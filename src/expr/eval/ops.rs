//! Binary operators: `+ - *` (with yq's tag rules, date arithmetic and merge flags), `==`,
//! `!=`, `< <= > >=`, `and`, `or` and `//`.

use std::cmp::Ordering;

use crate::value::{parse_int, parse_number, Map, Value};

use super::super::error::ExprError;
use super::super::lex::{MergeFlags, Span};
use super::super::parse::{BinOp, Node};
use super::{time, Cx, Place};

/// A value with the tag it carries into an operator.
pub(crate) struct Tagged<'v> {
    pub value: &'v Value,
    pub tag: String,
}

impl Tagged<'_> {
    /// The core type a custom tag stands for (yq's `guessTagFromCustomType`): the value's.
    fn core_tag(&self) -> String {
        if self.tag.starts_with("!!") {
            self.tag.clone()
        } else {
            self.value.type_name().to_string()
        }
    }

    fn is_custom(&self) -> bool {
        !self.tag.starts_with("!!") && !self.tag.is_empty()
    }
}

impl Cx<'_> {
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
            // The right side may have set the left one (`(.a // (.a = 0)) += 1`): yq's nodes
            // are shared, so the left is then truthy and taken.
            if rights.is_empty() || self.get(&left).is_truthy() {
                places.push(left);
            } else {
                places.extend(rights);
            }
        }
        Ok(places)
    }

    /// Binary operators, over every pair of outputs (left outer, right inner, the right side
    /// evaluated once per left output, as yq does). Where one side has no outputs yq still
    /// answers: `+` gives the other side, `==` compares with null, `and`/`or` treat it as false.
    pub(crate) fn binary(
        &mut self,
        op: BinOp,
        a: &Node,
        b: &Node,
        input: &Place,
        span: &Span,
    ) -> Result<Vec<Place>, ExprError> {
        if op == BinOp::Alt {
            return self.alternative(a, b, input);
        }
        let lefts = self.eval(a, input)?.places;
        let mut results: Vec<Place> = Vec::new();
        if lefts.is_empty() {
            let rights = self.eval(b, input)?.places;
            match op {
                BinOp::Add => return Ok(rights),
                BinOp::Eq | BinOp::Ne if rights.is_empty() => {
                    results.push(self.new_place(Value::Bool(op == BinOp::Eq)))
                }
                BinOp::Eq | BinOp::Ne => {
                    for r in &rights {
                        let value = Value::Bool((*self.get(r) == Value::Null) == (op == BinOp::Eq));
                        results.push(self.new_place(value));
                    }
                }
                BinOp::Or if !rights.is_empty() => {
                    for r in &rights {
                        let value = Value::Bool(self.get(r).is_truthy());
                        results.push(self.new_place(value));
                    }
                }
                BinOp::And | BinOp::Or => results.push(self.new_place(Value::Bool(false))),
                _ => {}
            }
            return Ok(results);
        }
        for left in lefts {
            let left_value = self.get(&left).clone();
            match op {
                BinOp::And if !left_value.is_truthy() => {
                    results.push(self.new_place(Value::Bool(false)));
                    continue;
                }
                BinOp::Or if left_value.is_truthy() => {
                    results.push(self.new_place(Value::Bool(true)));
                    continue;
                }
                _ => {}
            }
            let rights = self.eval(b, input)?.places;
            if rights.is_empty() {
                match op {
                    BinOp::Add | BinOp::Sub => results.push(left),
                    BinOp::Eq | BinOp::Ne => {
                        results.push(self.new_place(Value::Bool((left_value == Value::Null) == (op == BinOp::Eq))))
                    }
                    BinOp::And | BinOp::Or => results.push(self.new_place(Value::Bool(false))),
                    _ => {}
                }
                continue;
            }
            for right in &rights {
                let place = self.pair(op, &left, right, span)?;
                results.push(place);
            }
        }
        Ok(results)
    }

    /// `left op right` for one pair of outputs (a function of its own: [`Cx::binary`] is on
    /// the recursion path and keeps a small frame).
    #[inline(never)]
    fn pair(&mut self, op: BinOp, left: &Place, right: &Place, span: &Span) -> Result<Place, ExprError> {
        let (left_value, right_value) = (self.get(left).clone(), self.get(right).clone());
        Ok(match op {
            BinOp::Eq | BinOp::Ne => {
                let equal = equals(&left_value, &right_value);
                self.new_place(Value::Bool(equal == (op == BinOp::Eq)))
            }
            // yq: a comparison with null on one side (a missing value) is false, whichever way.
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
                if (left_value == Value::Null) != (right_value == Value::Null) =>
            {
                self.new_place(Value::Bool(false))
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let (lt, rt) = (self.tag_of(left), self.tag_of(right));
                let order = compare(&left_value, &lt, &right_value, &rt).map_err(|m| self.type_error(span, m))?;
                let value = match op {
                    BinOp::Lt => order == Ordering::Less,
                    BinOp::Le => order != Ordering::Greater,
                    BinOp::Gt => order == Ordering::Greater,
                    _ => order != Ordering::Less,
                };
                self.new_place(Value::Bool(value))
            }
            BinOp::And | BinOp::Or => self.new_place(Value::Bool(right_value.is_truthy())),
            BinOp::Add | BinOp::Sub | BinOp::Mul(_) => {
                let l = Tagged { value: &left_value, tag: self.tag_of(left) };
                let r = Tagged { value: &right_value, tag: self.tag_of(right) };
                let (value, tag) = arithmetic(op, &l, &r).map_err(|m| self.type_error(span, m))?;
                self.new_tagged(value, tag)
            }
            BinOp::Alt => unreachable!("handled in binary"),
        })
    }
}

/// `l op r` for `+`, `-`, `*`: the value and, where it is not the value's own, its tag.
pub(crate) fn arithmetic(op: BinOp, l: &Tagged<'_>, r: &Tagged<'_>) -> Result<(Value, Option<String>), String> {
    match op {
        BinOp::Add => add(l, r),
        BinOp::Sub => subtract(l, r),
        BinOp::Mul(flags) => multiply(l.value, r.value, flags).map(|v| (v, l.is_custom().then(|| l.tag.clone()))),
        _ => unreachable!("not arithmetic"),
    }
}

/// yq's `+` (pkg/yqlib/operator_add.go): null gives the other side; maps merge (right keys
/// win); sequences concatenate (a scalar is appended); strings join; numbers add; a timestamp
/// plus a duration is a later timestamp. A custom-tagged scalar counts as the type its value
/// reads as, and the result keeps the custom tag.
fn add(l: &Tagged<'_>, r: &Tagged<'_>) -> Result<(Value, Option<String>), String> {
    let cannot = || format!("{} cannot be added to a {}", r.tag, l.tag);
    let keep = |t: &Tagged<'_>| t.is_custom().then(|| t.tag.clone());
    Ok(match (l.value, r.value) {
        (Value::Null, _) => (r.value.clone(), keep(r)),
        (_, Value::Null) => (l.value.clone(), keep(l)),
        (Value::Map(a), Value::Map(b)) => {
            let mut merged = a.clone();
            for (k, v) in b.iter() {
                merged.insert(k.clone(), v.clone());
            }
            (Value::Map(merged), keep(l))
        }
        (Value::Seq(a), Value::Seq(b)) => (Value::Seq(a.iter().chain(b).cloned().collect()), keep(l)),
        (Value::Seq(a), Value::Map(_)) => (Value::Seq(a.iter().chain([r.value]).cloned().collect()), keep(l)),
        (Value::Seq(a), _) => (Value::Seq(a.iter().chain([r.value]).cloned().collect()), keep(l)),
        (Value::Map(_), _) => return Err(format!("{} () cannot be added to a !!map", r.value.type_name())),
        (_, Value::Seq(_) | Value::Map(_)) => return Err(cannot()),
        _ if l.tag == "!!timestamp" => {
            let text = scalar_text(r.value).unwrap_or_default();
            let sum = time::add_duration(&scalar_text(l.value).unwrap_or_default(), &text, 1)?;
            (Value::String(sum), Some("!!timestamp".into()))
        }
        _ => {
            let (lt, rt) = (l.core_tag(), r.core_tag());
            let (a, b) = (scalar_text(l.value).unwrap_or_default(), scalar_text(r.value).unwrap_or_default());
            if lt == "!!str" {
                (Value::String(a + &b), Some(l.tag.clone()))
            } else if rt == "!!str" {
                (Value::String(a + &b), Some(r.tag.clone()))
            } else if matches!((lt.as_str(), rt.as_str()), ("!!int" | "!!float", "!!int" | "!!float")) {
                let value = number_op(&a, &b, '+')?;
                let tag = if l.is_custom() { Some(l.tag.clone()) } else { None };
                (value, tag)
            } else {
                return Err(format!("{rt} cannot be added to {lt}"));
            }
        }
    })
}

/// yq's `-` (pkg/yqlib/operator_subtract.go): numbers subtract; sequences lose the items of
/// the right side; a timestamp minus a duration is an earlier timestamp; strings cannot be.
fn subtract(l: &Tagged<'_>, r: &Tagged<'_>) -> Result<(Value, Option<String>), String> {
    let keep = |t: &Tagged<'_>| t.is_custom().then(|| t.tag.clone());
    Ok(match (l.value, r.value) {
        (Value::Null, _) => (r.value.clone(), keep(r)),
        (_, Value::Null) => (l.value.clone(), keep(l)),
        (Value::Map(_), _) => return Err("maps cannot be subtracted".into()),
        (Value::Seq(a), Value::Seq(b)) => {
            (Value::Seq(a.iter().filter(|x| !b.iter().any(|y| x.loosely_equals(y))).cloned().collect()), keep(l))
        }
        (Value::Seq(a), _) => (Value::Seq(a.iter().filter(|x| !x.loosely_equals(r.value)).cloned().collect()), keep(l)),
        _ if l.tag == "!!timestamp" => {
            let text = scalar_text(r.value).unwrap_or_default();
            let sum = time::add_duration(&scalar_text(l.value).unwrap_or_default(), &text, -1)?;
            (Value::String(sum), Some("!!timestamp".into()))
        }
        _ => {
            let (lt, rt) = (l.core_tag(), r.core_tag());
            if lt == "!!str" {
                return Err("strings cannot be subtracted".into());
            }
            if !matches!((lt.as_str(), rt.as_str()), ("!!int" | "!!float", "!!int" | "!!float")) {
                return Err(format!("{rt} cannot be subtracted from {lt}"));
            }
            let (a, b) = (scalar_text(l.value).unwrap_or_default(), scalar_text(r.value).unwrap_or_default());
            (number_op(&a, &b, '-')?, keep(l))
        }
    })
}

/// yq's `*`: numbers multiply; a string times an integer repeats; maps merge deeply (right
/// wins, with the flags' choices for sequences and keys); anything else is the right side.
fn multiply(l: &Value, r: &Value, flags: MergeFlags) -> Result<Value, String> {
    Ok(match (l, r) {
        (Value::Map(a), Value::Map(b)) => Value::Map(merge_maps(a, b, flags)),
        (Value::Seq(a), Value::Seq(b)) if flags.append => Value::Seq(a.iter().chain(b).cloned().collect()),
        (Value::Seq(a), Value::Seq(b)) if flags.deep_arrays => {
            let mut items = a.clone();
            for (i, item) in b.iter().enumerate() {
                match items.get_mut(i) {
                    Some(old) => *old = multiply(old, item, flags)?,
                    None => items.push(item.clone()),
                }
            }
            Value::Seq(items)
        }
        (Value::Number(a), Value::Number(b)) => number_op(a, b, '*')?,
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => match parse_int(n) {
            Some(count) if (0..=1_000_000).contains(&count) && s.len().saturating_mul(count as usize) <= 16 << 20 => {
                Value::String(s.repeat(count as usize))
            }
            _ => return Err(format!("cannot repeat a string {n} times")),
        },
        (Value::Null, _) | (_, Value::Null) if !matches!(r, Value::Null) => r.clone(),
        (_, Value::Null) => l.clone(),
        (Value::Map(_) | Value::Seq(_), _) | (_, Value::Map(_) | Value::Seq(_)) => r.clone(),
        _ => return Err(format!("cannot multiply {} with {}", l.type_name(), r.type_name())),
    })
}

/// A deep merge of `b` into `a`.
fn merge_maps(a: &Map, b: &Map, flags: MergeFlags) -> Map {
    let mut out = a.clone();
    for (k, v) in b.iter() {
        let exists = a.contains_key(k);
        if (flags.only_existing && !exists) || (flags.only_new && exists) {
            continue;
        }
        let merged = match (a.get(k), v) {
            (Some(Value::Map(x)), Value::Map(y)) => Value::Map(merge_maps(x, y, flags)),
            (Some(old @ Value::Seq(_)), Value::Seq(_)) if flags.append || flags.deep_arrays => {
                multiply(old, v, flags).unwrap_or_else(|_| v.clone())
            }
            _ => v.clone(),
        };
        out.insert(k.clone(), merged);
    }
    out
}

/// The order of two values for `<` and friends: numbers by value, timestamps by time,
/// strings by text; anything else cannot be compared.
fn compare(l: &Value, lt: &str, r: &Value, rt: &str) -> Result<Ordering, String> {
    match (l, r) {
        (Value::Number(a), Value::Number(b)) => {
            let (x, y) = (parse_number(a).unwrap_or(f64::NAN), parse_number(b).unwrap_or(f64::NAN));
            x.partial_cmp(&y).ok_or_else(|| format!("cannot compare {a} with {b}"))
        }
        (Value::String(a), Value::String(b)) if lt == "!!timestamp" && rt == "!!timestamp" => time::compare(a, b),
        (Value::String(a), Value::String(b)) => Ok(a.cmp(b)),
        (Value::Null, Value::Null) => Ok(Ordering::Equal),
        (Value::Bool(a), Value::Bool(b)) => Ok(a.cmp(b)),
        _ => Err(format!("{} and {} cannot be compared", l.type_name(), r.type_name())),
    }
}

/// The order of two values for `sort`, `sort_by`, `min`, `max`: as jq orders types (null,
/// booleans, numbers, strings, sequences, maps), values within a type by [`compare`].
pub(crate) fn total_order(l: &Value, r: &Value) -> Ordering {
    let rank = |v: &Value| match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Seq(_) => 4,
        Value::Map(_) => 5,
    };
    match (l, r) {
        (Value::Seq(a), Value::Seq(b)) => {
            a.iter().zip(b).map(|(x, y)| total_order(x, y)).find(|o| o.is_ne()).unwrap_or(a.len().cmp(&b.len()))
        }
        (Value::Map(_), Value::Map(_)) => Ordering::Equal,
        _ if rank(l) == rank(r) => compare(l, "", r, "").unwrap_or(Ordering::Equal),
        _ => rank(l).cmp(&rank(r)),
    }
}

/// Adds, subtracts or multiplies two number texts: integers stay integers (in the left side's
/// base), anything else is computed as a float and written as yq (Go) writes it.
pub(crate) fn number_op(a: &str, b: &str, op: char) -> Result<Value, String> {
    if let (Some(x), Some(y)) = (parse_int(a), parse_int(b)) {
        let result = match op {
            '+' => x.checked_add(y),
            '-' => x.checked_sub(y),
            _ => x.checked_mul(y),
        };
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
        (Some(x), Some(y)) => Ok(Value::Number(go_float(match op {
            '+' => x + y,
            '-' => x - y,
            _ => x * y,
        }))),
        _ => Err(format!("cannot compute {a} {op} {b}")),
    }
}

/// A float as Go's `%v` writes it (shortest digits; exponent form below 1e-4 and from 1e6),
/// with YAML's spellings for infinities and NaN.
pub(crate) fn go_float(f: f64) -> String {
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
    let (digits, exponent) = shortest_digits(f.abs());
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

/// The shortest digits that read back as `f` (finite, positive), without leading or trailing
/// zeros, and the decimal exponent of the first: `1500.0` gives `("15", 3)`. They come from
/// zmij, the formatter serde_json already carries, so the core links no second float printer.
fn shortest_digits(f: f64) -> (String, i32) {
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format_finite(f);
    let (mantissa, shift) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = format!("{int}{fraction}");
    let leading_zeros = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0').to_string();
    (digits, int.len() as i32 - 1 - leading_zeros as i32 + shift)
}

/// yq's `==`: null equals only null; numbers compare by value; other scalars compare by text,
/// the right side a glob where `*` matches any run and `?` any one character (yq's
/// `.name == "app-*"`); sequences and maps compare structurally.
pub(crate) fn equals(left: &Value, right: &Value) -> bool {
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
pub(crate) fn glob(name: &str, pattern: &str) -> bool {
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

/// The text yq uses for a scalar (map keys, regexes, string concatenation); `None` for
/// collections.
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(text) | Value::String(text) => Some(text.clone()),
        Value::Seq(_) | Value::Map(_) => None,
    }
}

/// A value as text for string interpolation and `to_string`: scalars as written, collections
/// in flow style.
pub(crate) fn to_text(value: &Value) -> String {
    scalar_text(value).unwrap_or_else(|| value.to_string())
}

/// Roughly how many bytes `value` takes (64 a value, plus its text and keys), if at most
/// `budget`.
pub(crate) fn stored_size(value: &Value, budget: usize) -> Option<usize> {
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
        assert_eq!(go_float(3.5), "3.5");
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
    fn shortest_digits_are_std_s_but_ties_round_to_even() {
        // Bit patterns spread over the whole range of finite positive doubles.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..100_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let f = f64::from_bits(state >> 1);
            if !f.is_finite() || f == 0.0 {
                continue;
            }
            let std = format!("{f:e}");
            let (mantissa, exponent) = std.split_once('e').unwrap();
            let (std_digits, std_exponent) = (mantissa.replace('.', ""), exponent.parse::<i32>().unwrap());
            let (digits, exponent) = shortest_digits(f);
            assert_eq!((digits.len(), exponent), (std_digits.len(), std_exponent), "{f:e}");
            let back: f64 = format!("{}.{}e{exponent}", &digits[..1], &digits[1..]).parse().unwrap();
            assert_eq!(back, f, "{digits} e{exponent} does not read back");
            if digits != std_digits {
                // A tie between two shortest candidates: Go rounds half to even
                // (strconv/ftoaryu.go, ryuDigits32); Rust's printer rounds up.
                let last = |d: &str| d.as_bytes()[d.len() - 1] - b'0';
                assert_eq!(digits[..digits.len() - 1], std_digits[..std_digits.len() - 1], "{f:e}");
                assert_eq!((last(&digits) % 2, last(&std_digits)), (0, last(&digits) + 1), "{f:e}");
            }
        }
        // 162214972029042.125 lies halfway between ...042.12 and ...042.13.
        assert_eq!(go_float(162_214_972_029_042.0 + 0.125), "1.6221497202904212e+14");
    }

    #[test]
    fn integer_arithmetic_keeps_the_base() {
        assert_eq!(number_op("1", "2", '+'), Ok(Value::Number("3".into())));
        assert_eq!(number_op("0x10", "1", '+'), Ok(Value::Number("0x11".into())));
        assert_eq!(number_op("0o7", "1", '+'), Ok(Value::Number("0o10".into())));
        assert_eq!(number_op("0x1", "2", '-'), Ok(Value::Number("-1".into())));
        assert_eq!(number_op("1.5", "1", '+'), Ok(Value::Number("2.5".into())));
        assert_eq!(number_op("3", "4", '*'), Ok(Value::Number("12".into())));
        assert!(number_op("9223372036854775807", "1", '+').unwrap_err().contains("overflow"));
    }
}
