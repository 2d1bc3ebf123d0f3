//! End-to-end tests: expression text and a document in, outputs (or an error) out.

use super::*;
use crate::value::Map;

/// A small order-preserving JSON reader for test documents (numbers keep their text).
fn json(text: &str) -> Value {
    fn skip(s: &[u8], i: &mut usize) {
        while s.get(*i).is_some_and(u8::is_ascii_whitespace) {
            *i += 1;
        }
    }
    fn string(s: &[u8], i: &mut usize) -> String {
        *i += 1;
        let mut out = Vec::new();
        while s[*i] != b'"' {
            if s[*i] == b'\\' {
                *i += 1;
                out.push(match s[*i] {
                    b'n' => b'\n',
                    b't' => b'\t',
                    c => c,
                });
            } else {
                out.push(s[*i]);
            }
            *i += 1;
        }
        *i += 1;
        String::from_utf8(out).unwrap()
    }
    fn value(s: &[u8], i: &mut usize) -> Value {
        skip(s, i);
        match s[*i] {
            b'{' => {
                *i += 1;
                let mut map = Map::new();
                loop {
                    skip(s, i);
                    if s[*i] == b'}' {
                        *i += 1;
                        return Value::Map(map);
                    }
                    let key = string(s, i);
                    skip(s, i);
                    assert_eq!(s[*i], b':');
                    *i += 1;
                    map.insert(key, value(s, i));
                    skip(s, i);
                    if s[*i] == b',' {
                        *i += 1;
                    }
                }
            }
            b'[' => {
                *i += 1;
                let mut items = Vec::new();
                loop {
                    skip(s, i);
                    if s[*i] == b']' {
                        *i += 1;
                        return Value::Seq(items);
                    }
                    items.push(value(s, i));
                    skip(s, i);
                    if s[*i] == b',' {
                        *i += 1;
                    }
                }
            }
            b'"' => Value::String(string(s, i)),
            _ => {
                let start = *i;
                while s.get(*i).is_some_and(|c| !b",]} \n".contains(c)) {
                    *i += 1;
                }
                match std::str::from_utf8(&s[start..*i]).unwrap() {
                    "null" => Value::Null,
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    n => Value::Number(n.to_string()),
                }
            }
        }
    }
    let mut i = 0;
    value(text.as_bytes(), &mut i)
}

/// A value as compact JSON (map order kept, numbers as written).
fn show(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.clone(),
        Value::String(s) => format!("{s:?}"),
        Value::Seq(items) => format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(",")),
        Value::Map(map) => {
            format!("{{{}}}", map.iter().map(|(k, v)| format!("{k:?}:{}", show(v))).collect::<Vec<_>>().join(","))
        }
    }
}

fn vars() -> Vars {
    Vars::from([
        ("VERSION".to_string(), "1.2.3".to_string()),
        ("SOURCE_REPO".to_string(), "org/app".to_string()),
        ("EMPTY".to_string(), String::new()),
        ("NUM".to_string(), "42".to_string()),
    ])
}

fn run_with(src: &str, doc: &str, vars: &Vars) -> Result<Vec<String>, ExprError> {
    let expr = parse(src)?;
    Ok(evaluate(&expr, json(doc), vars)?.iter().map(show).collect())
}

/// Outputs of `src` on `doc`, as compact JSON.
fn run(src: &str, doc: &str) -> Vec<String> {
    run_with(src, doc, &vars()).unwrap_or_else(|e| panic!("{src}: {}", e.render(src)))
}

/// The single output of `src` on `doc`.
fn one(src: &str, doc: &str) -> String {
    let out = run(src, doc);
    assert_eq!(out.len(), 1, "{src}: {out:?}");
    out.into_iter().next().unwrap()
}

/// The error `src` gives on `doc`: message and span.
fn fails(src: &str, doc: &str) -> (String, std::ops::Range<usize>) {
    match run_with(src, doc, &vars()) {
        Ok(out) => panic!("{src}: expected an error, got {out:?}"),
        Err(e) => (format!("{} at {}", e.message, e.position(src)), e.span),
    }
}

const CHART: &str = r#"{"name":"app","version":"0.1.0","dependencies":[
    {"name":"postgresql","version":"12.1.0"},{"name":"redis","version":"17.0.0"}]}"#;

// ---- real-world forms -------------------------------------------------------------------

#[test]
fn set_from_template() {
    assert_eq!(one(".version = \"{{VERSION}}\"", CHART).split(',').nth(1).unwrap(), "\"version\":\"1.2.3\"");
    assert_eq!(one(".version = {{VERSION}}", r#"{"version":"0"}"#), r#"{"version":"1.2.3"}"#);
    assert_eq!(one(".version = \"{{ VERSION }}\"", r#"{"version":"0"}"#), r#"{"version":"1.2.3"}"#);
}

#[test]
fn set_from_strenv() {
    assert_eq!(
        one(".image.tag = strenv(VERSION)", r#"{"image":{"repo":"x","tag":"1.0"}}"#),
        r#"{"image":{"repo":"x","tag":"1.2.3"}}"#
    );
}

#[test]
fn set_container_image_by_index() {
    let doc = r#"{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"repo/app:1.0"},{"name":"side","image":"s:1"}]}}}}"#;
    assert_eq!(
        one(".spec.template.spec.containers[0].image = \"repo/app:\" + strenv(VERSION)", doc),
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"repo/app:1.2.3"},{"name":"side","image":"s:1"}]}}}}"#
    );
}

#[test]
fn set_selected_dependency() {
    assert_eq!(
        one("(.dependencies[] | select(.name == \"redis\")).version = \"{{VERSION}}\"", CHART),
        r#"{"name":"app","version":"0.1.0","dependencies":[{"name":"postgresql","version":"12.1.0"},{"name":"redis","version":"1.2.3"}]}"#
    );
    // No match: nothing changes, the document is still output.
    assert_eq!(one("(.dependencies[] | select(.name == \"nope\")).version = \"x\"", CHART), show(&json(CHART)));
}

#[test]
fn set_kustomize_image() {
    let doc = r#"{"images":[{"name":"app","newTag":"1.0"},{"name":"db","newTag":"9"}]}"#;
    assert_eq!(
        one("(.images[] | select(.name == \"app\")).newTag = \"{{VERSION}}\"", doc),
        r#"{"images":[{"name":"app","newTag":"1.2.3"},{"name":"db","newTag":"9"}]}"#
    );
}

#[test]
fn assignments_chained_by_pipe_both_apply() {
    assert_eq!(one(".a = \"x\" | .b = \"y\"", r#"{"a":1}"#), r#"{"a":"x","b":"y"}"#);
    // yq outputs the document once when both sides of `,` pass it through.
    assert_eq!(run("(.a = 1), (.b = 2)", "{}"), vec![r#"{"a":1,"b":2}"#]);
    assert_eq!(run(".a = 1, .b = 2", "{}"), vec![r#"{"a":1,"b":2}"#]);
}

#[test]
fn update_with_sub() {
    assert_eq!(
        one(".image |= sub(\":.*$\", \":{{VERSION}}\")", r#"{"image":"nginx:1.0"}"#),
        r#"{"image":"nginx:1.2.3"}"#
    );
    assert_eq!(
        one(".image |= sub(\":.*$\"; \":{{VERSION}}\")", r#"{"image":"nginx:1.0"}"#),
        r#"{"image":"nginx:1.2.3"}"#
    );
}

// ---- paths -----------------------------------------------------------------------------

#[test]
fn reading_paths() {
    let doc = r#"{"a":{"b":1,"c-d":2,"e.f":3,"g h":4},"s":[10,20,30],"m":{"x":1,"y":2}}"#;
    assert_eq!(run(".", "1"), vec!["1"]);
    assert_eq!(run(".a.b", doc), vec!["1"]);
    assert_eq!(run(".a.c-d", doc), vec!["2"]);
    assert_eq!(run(".a.\"e.f\"", doc), vec!["3"]);
    assert_eq!(run(".a[\"g h\"]", doc), vec!["4"]);
    assert_eq!(run(".[\"a\"].b", doc), vec!["1"]);
    assert_eq!(run(".s[0], .s[-1], .s[5]", doc), vec!["10", "30", "null"]);
    assert_eq!(run(".s[]", doc), vec!["10", "20", "30"]);
    assert_eq!(run(".m[]", doc), vec!["1", "2"]);
    assert_eq!(run(".[]", r#"[1,2]"#), vec!["1", "2"]);
    assert_eq!(run(".s.1", doc), vec!["20"]);
    assert_eq!(run(".missing.deeper", doc), vec!["null"]);
    assert_eq!(run(".missing[]", doc), Vec::<String>::new());
    assert_eq!(run(".s[.a.b]", doc), vec!["20"]);
    assert_eq!(run(".s[0, 2]", doc), vec!["10", "30"]);
    assert_eq!(run(".m.*", doc), vec!["1", "2"]);
}

#[test]
fn assignment_creates_missing_paths() {
    assert_eq!(one(".a.b.c = 1", "{}"), r#"{"a":{"b":{"c":1}}}"#);
    assert_eq!(one(".a[2] = 1", "{}"), r#"{"a":[null,null,1]}"#);
    assert_eq!(one(".a[2] = 1", r#"{"a":[0]}"#), r#"{"a":[0,null,1]}"#);
    assert_eq!(one(".a[-1] = 9", r#"{"a":[0,1]}"#), r#"{"a":[0,9]}"#);
    assert_eq!(one(".a[0].b = 1", "{}"), r#"{"a":[{"b":1}]}"#);
    assert_eq!(one(".[\"x y\"] = 1", "{}"), r#"{"x y":1}"#);
    assert_eq!(one(". = 5", "{}"), "5");
    assert_eq!(one(".a = .b", r#"{"b":[1]}"#), r#"{"b":[1],"a":[1]}"#);
    assert_eq!(one(".a[] = 0", r#"{"a":[1,2]}"#), r#"{"a":[0,0]}"#);
    assert_eq!(one(".m.* = 0", r#"{"m":{"ax":1,"b":2}}"#), r#"{"m":{"ax":0,"b":0}}"#);
    // Several outputs on the right: the last is stored (yq); none: no change.
    assert_eq!(one(".a = (1, 2)", "{}"), r#"{"a":2}"#);
    assert_eq!(one(".a = select(false)", r#"{"a":1}"#), r#"{"a":1}"#);
    // The right side is evaluated against the input (the root here), not the place.
    assert_eq!(one(".a.b = .c", r#"{"a":{"c":1},"c":2}"#), r#"{"a":{"c":1,"b":2},"c":2}"#);
}

#[test]
fn update_assign() {
    assert_eq!(one(".a |= . + 1", r#"{"a":1}"#), r#"{"a":2}"#);
    assert_eq!(one(".a[] |= . + 1", r#"{"a":[1,2]}"#), r#"{"a":[2,3]}"#);
    assert_eq!(one(".a.b |= .c", r#"{"a":{"b":{"c":5}}}"#), r#"{"a":{"b":5}}"#);
    assert_eq!(one(".x |= \"new\"", "{}"), r#"{"x":"new"}"#);
    assert_eq!(one(".a |= select(false)", r#"{"a":1}"#), r#"{"a":1}"#);
    assert_eq!(one(".a |= (1, 2)", "{}"), r#"{"a":1}"#);
}

#[test]
fn add_and_subtract_assign() {
    assert_eq!(one(".a += 1", r#"{"a":1}"#), r#"{"a":2}"#);
    assert_eq!(one(".a += .b", r#"{"a":1,"b":2}"#), r#"{"a":3,"b":2}"#);
    assert_eq!(one(".a += 1", "{}"), r#"{"a":1}"#);
    assert_eq!(one(".l += 3", r#"{"l":[1]}"#), r#"{"l":[1,3]}"#);
    assert_eq!(one(".l += .m", r#"{"l":[1],"m":[2]}"#), r#"{"l":[1,2],"m":[2]}"#);
    assert_eq!(one(".s += \"-rc\"", r#"{"s":"v1"}"#), r#"{"s":"v1-rc"}"#);
    assert_eq!(one(".a[] += 10", r#"{"a":[1,2]}"#), r#"{"a":[11,12]}"#);
    assert_eq!(one(".a -= 1", r#"{"a":5}"#), r#"{"a":4}"#);
}

#[test]
fn pipe_union_and_parens() {
    let doc = r#"{"a":{"b":1},"c":2}"#;
    assert_eq!(run(".a | .b", doc), vec!["1"]);
    assert_eq!(run(".a.b, .c", doc), vec!["1", "2"]);
    assert_eq!(run("(.a, .c) | . ", doc), vec![r#"{"b":1}"#, "2"]);
    assert_eq!(run(".c, .a | .b", doc), vec!["2", "1"]);
    assert_eq!(run("(.a).b", doc), vec!["1"]);
}

#[test]
fn with_del() {
    let doc = r#"{"a":{"deep":{"x":1}},"l":[1,2,3,4]}"#;
    assert_eq!(one("with(.a.deep; .x = 2 | .y = 3)", doc), r#"{"a":{"deep":{"x":2,"y":3}},"l":[1,2,3,4]}"#);
    assert_eq!(one("with(.l[]; . = 0)", doc), r#"{"a":{"deep":{"x":1}},"l":[0,0,0,0]}"#);
    // A non-updating second argument changes nothing (yq).
    assert_eq!(one("with(.a; .deep)", doc), show(&json(doc)));
    assert_eq!(one("del(.a)", doc), r#"{"l":[1,2,3,4]}"#);
    assert_eq!(one("del(.l[0], .l[2])", doc), r#"{"a":{"deep":{"x":1}},"l":[2,4]}"#);
    assert_eq!(one("del(.l[2], .l[0])", doc), r#"{"a":{"deep":{"x":1}},"l":[2,4]}"#);
    assert_eq!(one("del(.l[] | select(. == 3))", doc), r#"{"a":{"deep":{"x":1}},"l":[1,2,4]}"#);
    assert_eq!(one("del(.missing.x)", "{}"), "{}");
    assert_eq!(run("del(.)", "{}"), Vec::<String>::new());
    assert_eq!(one("del(.a.deep.x) | .l = null", doc), r#"{"a":{"deep":{}},"l":null}"#);
}

// ---- operators -------------------------------------------------------------------------

#[test]
fn equality_and_booleans() {
    let doc = r#"{"a":"x","b":"y","n":1,"f":1.0,"z":null,"l":[1]}"#;
    assert_eq!(run(".a == \"x\"", doc), vec!["true"]);
    assert_eq!(run(".a != \"x\"", doc), vec!["false"]);
    assert_eq!(run(".a == \"x\" and .b == \"y\"", doc), vec!["true"]);
    assert_eq!(run(".a == \"x\" and .b == \"z\"", doc), vec!["false"]);
    assert_eq!(run(".a == \"q\" or .b == \"y\"", doc), vec!["true"]);
    assert_eq!(run(".n == 1, .f == 1, .n == \"1\"", doc), vec!["true", "true", "true"]);
    assert_eq!(run(".z == null, .missing == null, .a == null", doc), vec!["true", "true", "false"]);
    assert_eq!(run(".a == \"*\", \"app-1\" == \"app-*\", \"app\" == \"ap?\"", doc), vec!["true", "true", "true"]);
    assert_eq!(run(".l == .l, .l == .a", doc), vec!["true", "false"]);
    assert_eq!(run(".a | not", doc), vec!["false"]);
    assert_eq!(run(".z | not", doc), vec!["true"]);
    assert_eq!(run("true and null, false or 1", doc), vec!["false", "true"]);
    // Crossing: every left output with every right output.
    assert_eq!(run("(1, 2) == (1, 2)", doc), vec!["true", "false", "false", "true"]);
    assert_eq!(run("select(false) and true", doc), vec!["false"]);
}

#[test]
fn select_and_has() {
    let doc = r#"[{"n":"a","on":true},{"n":"b","on":false},{"n":"c"}]"#;
    assert_eq!(run(".[] | select(.on) | .n", doc), vec!["\"a\""]);
    assert_eq!(run(".[] | select(.on | not) | .n", doc), vec!["\"b\"", "\"c\""]);
    assert_eq!(run(".[] | select(has(\"on\")) | .n", doc), vec!["\"a\"", "\"b\""]);
    assert_eq!(run("has(0), has(3), has(-1), has(\"0\")", doc), vec!["true", "false", "false", "false"]);
    assert_eq!(run("has(\"x\")", "\"str\""), vec!["false"]);
    assert_eq!(run(".[] | select(.n == \"b\", .n == \"c\") | .n", doc), vec!["\"b\"", "\"c\""]);
}

#[test]
fn addition() {
    assert_eq!(run("1 + 2", "null"), vec!["3"]);
    assert_eq!(run("1.5 + 1", "null"), vec!["2.5"]);
    assert_eq!(run("\"a\" + \"b\"", "null"), vec!["\"ab\""]);
    assert_eq!(
        run("\"v\" + 1, 1 + \"v\", \"v\" + true, \"v\" + null", "null"),
        vec!["\"v1\"", "\"1v\"", "\"vtrue\"", "\"v\""]
    );
    assert_eq!(run(".a + .b", r#"{"a":[1],"b":[2,3]}"#), vec!["[1,2,3]"]);
    assert_eq!(run(".a + 4", r#"{"a":[1]}"#), vec!["[1,4]"]);
    assert_eq!(run(".a + .b", r#"{"a":{"x":1,"y":2},"b":{"y":3,"z":4}}"#), vec![r#"{"x":1,"y":3,"z":4}"#]);
    assert_eq!(run("null + 1, .missing + \"x\"", "{}"), vec!["1", "\"x\""]);
    assert_eq!(run("select(false) + 1, 1 + select(false)", "{}"), vec!["1", "1"]);
    assert_eq!(run("(1, 2) + (10, 20)", "{}"), vec!["11", "21", "12", "22"]);
    assert_eq!(run("0x10 + 1", "{}"), vec!["0x11"]);
}

#[test]
fn subtraction() {
    assert_eq!(run(".a - .b", r#"{"a":5,"b":3}"#), vec!["2"]);
    assert_eq!(run("1.5 - 0.5", "null"), vec!["1"]);
    assert_eq!(run("(5 - 2) - 1, 5 - (2 - 1)", "null"), vec!["2", "4"]);
    assert_eq!(run(".a - .b", r#"{"a":[1,2,3,2],"b":[2]}"#), vec!["[1,3]"]);
    assert_eq!(run(".a-b", r#"{"a-b":7}"#), vec!["7"]);
    assert_eq!(run("select(false) - 1", "null"), Vec::<String>::new());
}

#[test]
fn alternative() {
    let doc = r#"{"a":null,"b":false,"c":"x","l":[null,1,false]}"#;
    assert_eq!(run(".a // \"d\"", doc), vec!["\"d\""]);
    assert_eq!(run(".b // \"d\"", doc), vec!["\"d\""]);
    assert_eq!(run(".c // \"d\"", doc), vec!["\"x\""]);
    assert_eq!(run(".missing // .c", doc), vec!["\"x\""]);
    assert_eq!(run(".l[] // 5", doc), vec!["5", "1", "5"]);
    assert_eq!(run("select(false) // 1", doc), vec!["1"]);
    assert_eq!(run(".a // select(false)", doc), vec!["null"]);
    assert_eq!(one("(.a // .c) = 1", doc), r#"{"a":null,"b":false,"c":1,"l":[null,1,false]}"#);
}

#[test]
fn sub_and_test() {
    assert_eq!(run("sub(\"a\"; \"b\")", "\"banana\""), vec!["\"bbnbnb\""]);
    assert_eq!(run("sub(\"(\\d+)\\.(\\d+)\"; \"${2}.$1\")", "\"v1.2\""), vec!["\"v2.1\""]);
    assert_eq!(run("sub(\"(?P<maj>\\d+)\"; \"<${maj}>\")", "\"v1.2\""), vec!["\"v<1>.<2>\""]);
    assert_eq!(run("test(\"^v\\d\")", "\"v1\""), vec!["true"]);
    assert_eq!(run(".[] | select(test(\"^a\"))", r#"["ab","ba","ac"]"#), vec!["\"ab\"", "\"ac\""]);
    assert_eq!(one(".tags[] |= sub(\"^\"; \"v\")", r#"{"tags":["1","2"]}"#), r#"{"tags":["v1","v2"]}"#);
}

#[test]
fn literals_and_env() {
    assert_eq!(run("\"a\\\"b\\\\c\\n\\t\"", "null"), vec![r#""a\"b\\c\n\t""#]);
    assert_eq!(run("1.10, 0x1F, -3, 1e3", "null"), vec!["1.10", "0x1F", "-3", "1e3"]);
    assert_eq!(run("true, false, null, ~, TRUE", "null"), vec!["true", "false", "null", "null", "true"]);
    assert_eq!(
        run("strenv(NUM), env(NUM), env(VERSION), strenv(EMPTY)", "null"),
        vec!["\"42\"", "42", "\"1.2.3\"", "\"\""]
    );
    assert_eq!(run("{{NUM}}", "null"), vec!["\"42\""]);
    assert_eq!(one(".v = env(NUM)", "{}"), r#"{"v":42}"#);
    // Numbers keep their text: 1.10 is not rewritten as 1.1.
    assert_eq!(one(".v = 1.10", "{}"), r#"{"v":1.10}"#);
    assert_eq!(run(". # a comment", "7"), vec!["7"]);
}

// ---- templating safety -------------------------------------------------------------------

#[test]
fn template_values_are_data_not_expression_text() {
    let evil = r#"" | .x = "evil"#;
    let vars = Vars::from([("VERSION".to_string(), evil.to_string())]);
    for src in [".version = \"{{VERSION}}\"", ".version = {{VERSION}}", ".version = strenv(VERSION)"] {
        let out = run_with(src, r#"{"version":"0"}"#, &vars).unwrap();
        assert_eq!(out, vec![format!("{{\"version\":{evil:?}}}")], "{src}");
    }
    let tricky = Vars::from([("V".to_string(), r#"a\"b\\{{V}}\n"#.to_string())]);
    assert_eq!(
        run_with(".v = \"x-{{V}}-y\"", "{}", &tricky).unwrap(),
        vec![format!("{{\"v\":{:?}}}", r#"x-a\"b\\{{V}}\n-y"#)]
    );
}

#[test]
fn unknown_names_are_reported_with_the_available_ones() {
    assert_eq!(
        fails(".version = \"v{{VERSON}}\"", "{}"),
        ("unknown name 'VERSON'; available names: EMPTY, NUM, SOURCE_REPO, VERSION at column 14".into(), 13..23)
    );
    assert_eq!(fails(".v = strenv(NOPE)", "{}").1, 12..16);
    assert_eq!(fails(".v = env(NOPE)", "{}").1, 9..13);
    assert_eq!(fails(".v = {{NOPE}}", "{}").1, 5..13);
    // Checked before evaluation, even where evaluation would not reach.
    assert_eq!(fails("select(false) | .v = {{NOPE}}", "{}").1, 21..29);
    let err = run_with(".v = {{X}}", "{}", &Vars::new()).unwrap_err();
    assert_eq!(err.message, "unknown name 'X'; no names are available");
    assert_eq!(err.kind, ErrorKind::UnknownName);
}

// ---- errors ----------------------------------------------------------------------------------

#[test]
fn indexing_a_scalar_is_an_error() {
    let (message, span) = fails(".image.tag = \"x\"", r#"{"image":"nginx"}"#);
    assert_eq!(message, "cannot index !!str \"nginx\" with \"tag\" (at path .image) at column 7");
    assert_eq!(span, 6..10);
    let src = ".image.tag = \"x\"";
    let err = parse(src).and_then(|e| evaluate(&e, json(r#"{"image":"nginx"}"#), &vars())).unwrap_err();
    assert_eq!(
        err.render(src),
        "cannot index !!str \"nginx\" with \"tag\" (at path .image) at column 7\n    .image.tag = \"x\"\n          ^^^^"
    );
    assert_eq!(fails(".a[0]", r#"{"a":3}"#).0, "cannot index !!int 3 with 0 (at path .a) at column 4");
    assert_eq!(fails(".a[]", r#"{"a":true}"#).0, "cannot iterate over !!bool true (at path .a) at column 1");
    assert_eq!(fails("\"x\" | .a", "{}").0, "cannot index !!str \"x\" with \"a\" at column 7");
}

#[test]
fn indexing_a_sequence_by_name_is_an_error() {
    assert_eq!(
        fails(".spec.containers.image = \"x\"", r#"{"spec":{"containers":[{"image":"a"}]}}"#).0,
        "cannot index !!seq with \"image\" (at path .spec.containers); use [] to go through its \
         items, or [N] for one of them at column 17"
    );
    assert_eq!(
        fails(".a[-3]", r#"{"a":[1,2]}"#).0,
        "index [-3] out of range, array size is 2 (at path .a) at column 4"
    );
    assert_eq!(fails(".a[1.5]", r#"{"a":[1]}"#).0, "cannot index !!seq with 1.5 (at path .a) at column 4");
}

#[test]
fn operator_errors() {
    // yq's words (pkg/yqlib/operator_add.go).
    assert_eq!(fails(".a + .b", r#"{"a":"x","b":[1]}"#).0, "!!seq cannot be added to a !!str at column 1");
    assert_eq!(fails(".a + 1", r#"{"a":{}}"#).0, "!!int () cannot be added to a !!map at column 1");
    assert_eq!(fails("true + 1", "{}").0, "!!int cannot be added to !!bool at column 1");
    assert_eq!(fails("\"a\" - 1", "{}").0, "strings cannot be subtracted at column 1");
    assert_eq!(
        fails("9223372036854775807 + 1", "{}").0,
        "integer overflow computing 9223372036854775807 + 1 at column 1"
    );
    assert_eq!(
        fails(".a = sub(\"x\"; \"y\")", r#"{"a":1}"#).0,
        "cannot substitute with !!map, can only substitute strings (to change a value in place, \
         use `|=` rather than `=`) at column 6"
    );
    assert_eq!(fails("test(\"x\")", "1").0, "cannot match with !!int, can only match strings (at path .) at column 1");
    let (message, span) = fails(".a |= sub(\"(\"; \"y\")", r#"{"a":"s"}"#);
    assert_eq!(message, "invalid regular expression \"(\": found open group without closing ')' at column 11");
    assert_eq!(span, 10..13);
    assert_eq!(
        fails("env(EMPTY)", "{}").0,
        "the value of 'EMPTY' is empty, which env() refuses (strenv(EMPTY) gives \"\") at column 5"
    );
    assert_eq!(
        fails(".a[100000] = 1", r#"{"a":[]}"#).0,
        "cannot set .a[100000]: index 100000 is more than 10000 past the end of the sequence (length 0) at column 1"
    );
    assert_eq!(fails("(.a, .a.b) = 1", r#"{"a":{"b":0}}"#).0, "cannot set .a.b: .a is !!int 1 at column 1");
}

#[test]
fn parse_errors_render_with_a_caret() {
    let src = ".a | foo(1)";
    let err = parse(src).unwrap_err();
    assert_eq!((err.message.as_str(), err.kind), ("unknown function 'foo'", ErrorKind::Syntax));
    assert_eq!(err.span, 5..8);
    assert_eq!(err.render(src), "unknown function 'foo' at column 6\n    .a | foo(1)\n         ^^^");
    assert_eq!(parse(src).unwrap_err().to_string(), "unknown function 'foo'");
    let err = parse(".a = \"x").unwrap_err();
    assert_eq!((err.message.as_str(), err.span.clone()), ("unterminated string literal", 5..7));
    let err = parse(".a | sort_keys(.b)").unwrap_err();
    assert_eq!((err.message.as_str(), err.kind), ("`sort_keys` is not supported", ErrorKind::Unsupported));
    let boxed: Box<dyn std::error::Error> = Box::new(parse("@base64").unwrap_err());
    assert_eq!(boxed.to_string(), "`@base64` (format operators) is not supported");
}

#[test]
fn expr_keeps_its_source() {
    assert_eq!(parse(" .a ").unwrap().source(), " .a ");
}

// ---- robustness ----------------------------------------------------------------------------

const FORMS: &[&str] = &[
    ".version = \"{{VERSION}}\"",
    ".image.tag = strenv(VERSION)",
    ".spec.template.spec.containers[0].image = \"repo/app:\" + strenv(VERSION)",
    "(.dependencies[] | select(.name == \"redis\")).version = \"{{VERSION}}\"",
    "(.images[] | select(.name == \"app\")).newTag = \"{{VERSION}}\"",
    ".a = \"x\" | .b = \"y\"",
    ".image |= sub(\":.*$\", \":{{VERSION}}\")",
    "with(.a; .b += 1 | .c -= 2) | del(.d[0], .e) | .f // \"x\" | has(\"k\") | not",
    ".a[-1] = env(NUM) | .b[\"c d\"] = {{SOURCE_REPO}} | .x.\"y\" = test(\"^v\\d\") and true or false",
    ".a[.i] == 1, .a[] != null | .m.* = ~ | .a-b = (1 - 2) + 0x1F + 1.5e3",
];

/// Parses and evaluates `src` on a few documents; it may fail, but must not panic.
fn exercise(src: &str) {
    let docs =
        [CHART, r#"{"a":[1,{"b":"x"}],"image":"nginx:1","d":[1],"i":0,"m":{"k":null}}"#, "null", "\"s\"", "[[]]"];
    match parse(src) {
        Ok(expr) => {
            for doc in docs {
                if let Err(e) = evaluate(&expr, json(doc), &vars()) {
                    e.render(src);
                }
            }
        }
        Err(e) => {
            assert!(e.span.start <= e.span.end && e.span.end <= src.len(), "{src:?}: {e:?}");
            e.render(src);
        }
    }
}

/// The deepest tree the parser accepts: every level wraps the next in an operator chain that
/// builds to the left, parentheses and path segments.
fn deepest_expression() -> String {
    let mut src = String::from(".a");
    loop {
        let next = format!("(({src}).a[0] + .a == .a | .a or .a , .a)");
        if parse(&next).is_err() {
            return src;
        }
        src = next;
    }
}

#[test]
fn long_chains_evaluate() {
    let assignments: Vec<String> = (0..90).map(|i| format!(".k{i} = {i}")).collect();
    let out = one(&assignments.join(" | "), "{}");
    assert!(out.starts_with(r#"{"k0":0,"k1":1,"#) && out.ends_with(r#""k89":89}"#), "{out}");
    assert_eq!(one(&assignments.join(", "), "{}"), out);
    assert_eq!(run(".a, (.b = 1), (.c = 2)", r#"{"a":0}"#), vec!["0", r#"{"a":0,"b":1,"c":2}"#]);
    // `,` groups to the right: `(.c = 2), .a` is already a new list, so (as in yq) the
    // document is output for both assignments.
    let doc = r#"{"a":0,"b":1,"c":2}"#;
    assert_eq!(run("(.b = 1), (.c = 2), .a", r#"{"a":0}"#), vec![doc, doc, "0"]);
}

#[test]
fn the_deepest_accepted_expression_fits_a_small_stack() {
    let src = deepest_expression();
    assert!(src.len() > 150, "{src}");
    // 1 MiB: the default WebAssembly stack; debug frames are larger than release ones. The
    // innermost segment is evaluated first, so reaching its error means full depth was reached
    // (a stack overflow would abort the test run).
    let worker = std::thread::Builder::new().stack_size(1 << 20).spawn(move || {
        for depth in [99, 100, 1000] {
            let nested = format!("{}.a{}", "(".repeat(depth), ")".repeat(depth));
            let _ = parse(&nested).map(|e| evaluate(&e, json("{}"), &vars()));
        }
        let expr = parse(&src).unwrap();
        evaluate(&expr, json(r#"{"a":[{"a":1}]}"#), &vars()).unwrap_err().message
    });
    let message = worker.unwrap().join().unwrap();

    assert!(message.starts_with("cannot index !!seq with \"a\" (at path .a)"), "{message}");
}

#[test]
fn truncations_of_real_world_forms_never_panic() {
    for form in FORMS {
        for (i, _) in form.char_indices() {
            exercise(&form[..i]);
            exercise(&form[i..]);
        }
    }
}

#[test]
fn random_soups_never_panic() {
    // A tiny deterministic LCG; bytes drawn from the language's own alphabet plus some noise.
    let alphabet = "..[]()|=,;+-/*!<>\"\\{}~#$?:abcdeflnorstuvwxyz019 \t\n_ é".as_bytes();
    let words = [
        "select(",
        "has(",
        "with(",
        "del(",
        "sub(",
        "test(",
        "strenv(VERSION)",
        "env(NUM)",
        "not",
        " and ",
        " or ",
        "{{VERSION}}",
        "{{NOPE}}",
        "\"{{VERSION}}\"",
        ".a",
        ".[0]",
        ".[]",
        "[-1]",
        " |= ",
        " += ",
        " // ",
        "\"x\"",
        "1.5",
        "null",
        ")",
        "]",
        ";",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    for _ in 0..3000 {
        let len = next() % 24;
        let mut bytes = Vec::new();
        for _ in 0..len {
            match next() % 4 {
                0 => bytes.extend_from_slice(words[next() % words.len()].as_bytes()),
                1 => bytes.push((next() % 256) as u8),
                _ => bytes.push(alphabet[next() % alphabet.len()]),
            }
        }
        exercise(&String::from_utf8_lossy(&bytes));
    }
    // Mutations of the real-world forms: one character replaced, dropped or doubled.
    for form in FORMS {
        for _ in 0..200 {
            let chars: Vec<char> = form.chars().collect();
            let at = next() % chars.len();
            let mut mutated: Vec<char> = chars.clone();
            match next() % 3 {
                0 => mutated[at] = char::from(alphabet[next() % alphabet.len()]),
                1 => {
                    mutated.remove(at);
                }
                _ => mutated.insert(at, chars[at]),
            }
            exercise(&mutated.into_iter().collect::<String>());
        }
    }
}
