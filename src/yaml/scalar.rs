//! Writing scalars: which plain texts are safe, and how each quoting style escapes.
//!
//! A plain scalar must read back as the same string under YAML 1.2 (yq, go-yaml v3) and under
//! YAML 1.1 (Helm and many Kubernetes tools still use 1.1 readers), so `1.10`, `0755`, `yes`,
//! `on`, `12:30` or `2024-01-01` are written quoted, as yq does.

use crate::value::{ScalarType, Value};

use super::document::Style;

/// Where a scalar is written: flow collections forbid more characters in plain scalars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// In a block mapping or sequence, or at the top level.
    Block,
    /// Inside `[…]` or `{…}`.
    Flow,
}

/// Whether `text` can be written as a plain scalar and read back as the same string by both
/// YAML 1.1 and YAML 1.2 readers.
pub fn plain_is_safe(text: &str, context: Context) -> bool {
    let Some(first) = text.chars().next() else { return false };
    if text.starts_with([' ', '\t']) || text.ends_with([' ', '\t']) {
        return false;
    }
    if ScalarType::of_plain(text) != ScalarType::String || reads_as_non_string_in_yaml_1_1(text) {
        return false;
    }
    if matches!(first, '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' | ',') {
        return false;
    }
    if matches!(first, '-' | '?' | ':') {
        let second = text[1..].chars().next();
        if second.is_none_or(|c| c == ' ' || c == '\t') {
            return false;
        }
    }
    if text == "<<" || text.starts_with("---") || text.starts_with("...") {
        return false;
    }
    if text.contains(": ") || text.contains(" #") || text.contains(":\t") || text.contains("\t#") || text.ends_with(':')
    {
        return false;
    }
    if text.chars().any(|c| c.is_control() || c == '\u{feff}' || c == '\u{85}' || c == '\u{2028}' || c == '\u{2029}') {
        return false;
    }
    if context == Context::Flow && text.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    true
}

/// Whether a YAML 1.1 reader would take the plain text as a bool, null, int, float or timestamp.
fn reads_as_non_string_in_yaml_1_1(text: &str) -> bool {
    const BOOLS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF",
    ];
    if BOOLS.contains(&text) || text == "~" || text == "=" {
        return true;
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if unsigned.is_empty() {
        return false;
    }
    let is_digits_ = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    // Integers: decimal, octal (0755), binary (0b…), hex (0x…), sexagesimal (190:20:30), with `_`.
    if is_digits_(unsigned) {
        return true;
    }
    if let Some(bin) = unsigned.strip_prefix("0b") {
        if !bin.is_empty() && bin.bytes().all(|b| matches!(b, b'0' | b'1' | b'_')) {
            return true;
        }
    }
    if let Some(hex) = unsigned.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit() || b == b'_') {
            return true;
        }
    }
    if unsigned.contains(':') {
        let mut parts = unsigned.split(':');
        let head = parts.next().unwrap_or("");
        let tail_ok = parts.all(|p| {
            let (whole, frac) = p.split_once('.').unwrap_or((p, "0"));
            !whole.is_empty() && whole.len() <= 2 && whole.bytes().all(|b| b.is_ascii_digit()) && is_digits_(frac)
        });
        if is_digits_(head) && head.as_bytes()[0] != b'_' && tail_ok {
            return true;
        }
    }
    // Floats as 1.1 readers (PyYAML, go-yaml v2) match them: [-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?.
    if matches!(unsigned, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    if let Some(dot) = mantissa.find('.') {
        let (whole, frac) = (&mantissa[..dot], &mantissa[dot + 1..]);
        let whole_ok = whole.is_empty() || is_digits_(whole);
        let frac_ok = frac.bytes().all(|b| b.is_ascii_digit() || b == b'_');
        let exp_ok = exponent.is_none_or(|e| {
            let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        });
        if whole_ok && frac_ok && exp_ok && (!whole.is_empty() || !frac.is_empty()) {
            return true;
        }
    }
    is_timestamp(text)
}

/// `YYYY-MM-DD`, optionally followed by a time: what YAML 1.1 and go-yaml read as a timestamp.
fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && {
        let rest = &text[5..];
        let mut parts = rest.splitn(3, ['-', 'T', 't', ' ']);
        let month = parts.next().unwrap_or("");
        let day: String = parts.next().unwrap_or("").chars().take_while(char::is_ascii_digit).collect();
        (1..=2).contains(&month.len()) && month.bytes().all(|c| c.is_ascii_digit()) && (1..=2).contains(&day.len())
    }
}

/// `text` in double quotes with YAML escapes (also valid JSON for JSON's escapable set).
pub fn double_quoted(text: &str, json: bool) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}' if !json => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` in single quotes (`'` doubled), or `None` when single quotes cannot hold it on one
/// line (line breaks and other control characters need double-quote escapes).
pub fn single_quoted(text: &str) -> Option<String> {
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return None;
    }
    Some(format!("'{}'", text.replace('\'', "''")))
}

/// The text of a scalar value written in place of a scalar of `style` (a flow or single-line
/// form; block scalars are handled by the splicer). Strings keep the style when it can hold them
/// and fall back to double quotes; numbers, booleans and null are written plain.
pub fn render(value: &Value, style: Style, context: Context, json: bool) -> String {
    match value {
        Value::String(s) if json => double_quoted(s, true),
        Value::String(s) => match style {
            Style::SingleQuoted => single_quoted(s).unwrap_or_else(|| double_quoted(s, false)),
            Style::DoubleQuoted => double_quoted(s, false),
            Style::Plain | Style::Literal | Style::Folded => {
                if plain_is_safe(s, context) {
                    s.clone()
                } else {
                    double_quoted(s, false)
                }
            }
        },
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(text) => text.clone(),
        Value::Seq(_) | Value::Map(_) => unreachable!("collections are rendered by the splicer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_plain_texts_are_unsafe() {
        for text in [
            "",
            " a",
            "a ",
            "1.10",
            "1e3",
            "007",
            "0755",
            "on",
            "yes",
            "no",
            "Y",
            "~",
            "null",
            "true",
            "12:30",
            "190:20:30",
            "#x",
            "a #b",
            "a: b",
            "a:",
            "- a",
            "-",
            "[x",
            "{x",
            "*a",
            "&a",
            "!a",
            "|",
            ">",
            "'a",
            "\"a",
            "%a",
            "@a",
            "`a",
            "2024-01-01",
            "0x1F",
            "0b101",
            "1_000",
            ".5",
            "+1",
            ".inf",
            "a\nb",
            "1.",
            "---",
            "<<",
            "=",
        ] {
            assert!(!plain_is_safe(text, Context::Block), "{text:?} should need quotes");
        }
    }

    #[test]
    fn ordinary_versions_and_tags_stay_plain() {
        for text in [
            "1.2.3",
            "v1.10",
            "1.2.3-rc.1+build.5",
            "nginx:1.25",
            "repo/app:1.2.3",
            "sha-abc123",
            "latest",
            "a-b",
            "-a",
            "?a",
            ":a",
            "a:b",
            "a#b",
            "1.2.3.4",
            "10.0.0.1",
            "x86_64",
        ] {
            assert!(plain_is_safe(text, Context::Block), "{text:?} should stay plain");
        }
        assert!(!plain_is_safe("a,b", Context::Flow));
        assert!(plain_is_safe("a,b", Context::Block));
    }

    #[test]
    fn styles_render_and_escape() {
        let s = |t: &str| Value::String(t.to_string());
        assert_eq!(render(&s("1.2.3"), Style::Plain, Context::Block, false), "1.2.3");
        assert_eq!(render(&s("1.10"), Style::Plain, Context::Block, false), "\"1.10\"");
        assert_eq!(render(&s("it's"), Style::SingleQuoted, Context::Block, false), "'it''s'");
        assert_eq!(render(&s("a\nb"), Style::SingleQuoted, Context::Block, false), "\"a\\nb\"");
        assert_eq!(render(&s("q\"\\"), Style::DoubleQuoted, Context::Block, false), "\"q\\\"\\\\\"");
        assert_eq!(render(&s("x"), Style::Plain, Context::Block, true), "\"x\"");
        assert_eq!(render(&Value::Number("3".into()), Style::DoubleQuoted, Context::Block, false), "3");
        assert_eq!(double_quoted("\u{1}", false), "\"\\u0001\"");
    }
}
