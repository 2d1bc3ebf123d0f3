//! yq's own operator scenarios (tests/yq-scenarios/scenarios.json: mikefarah/yq's
//! `operator_*_test.go` tables, MIT) run through the engine.
//!
//! Each scenario's document is parsed, the expression evaluated on each document (this engine
//! evaluates documents one at a time; yq evaluates them together), and the results compared
//! with yq's: their number and order, document index, tag and data (scalars by value, numbers
//! by numeric value; maps and sequences structurally; a value yq prints as a bare alias is
//! not compared). An update whose yq result is the whole document also goes through the real
//! pipeline (`engine::edit`: splice and verify), whose output must re-read as yq's data and
//! show every style, tag and comment the expression set as yq's output shows it. A scenario
//! that expects an error passes when evaluation (or reading the document) fails.
//!
//! Every scenario of the tables below must pass, stop at an operator the engine does not
//! support (at most [`MAX_UNSUPPORTED`] in the tables issue #13 names), or be listed in
//! tests/yq-scenarios/differences.txt with the reason (README's table of differences). A listed
//! scenario that passes fails the test, so the list stays true.
//!
//! `cargo test --test yq_scenarios -- --nocapture` prints the tally per table;
//! `YQ_SCENARIO=table:index` runs one scenario and prints it with the edited file.

use std::collections::BTreeMap;

use gitops_action::engine::{edit, EditError};
use gitops_action::expr::{evaluate_document, parse, Attribute, Expr, Output, Source, Step, Vars};
use gitops_action::value::Value;
use gitops_action::yaml::document::Stream;
use gitops_action::yaml::source::DocumentSource;
use serde_json::Value as Json;

/// The tables issue #13 holds to at most [`MAX_UNSUPPORTED`] scenarios stopping at an
/// unsupported operator.
const NAMED: &[&str] = &[
    "traverse_path",
    "pipe",
    "union",
    "collect",
    "assign",
    "add",
    "subtract",
    "equals",
    "booleans",
    "select",
    "has",
    "with",
    "delete",
    "strings",
    "alternative",
    "env",
    "value",
];
/// Further tables of operators the engine implements.
const MORE: &[&str] = &[
    "collect_object",
    "compare",
    "create_map",
    "entries",
    "first",
    "keys",
    "length",
    "map",
    "recursive_descent",
    "slice",
    "sort",
    "style",
    "comments",
    "tag",
    "unique",
    "variables",
    "multiply",
    "reverse",
];
const MAX_UNSUPPORTED: usize = 40;

#[derive(Debug, PartialEq)]
enum Verdict {
    Pass,
    Unsupported(String),
    Fail(String),
}

fn corpus() -> Vec<Json> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/yq-scenarios/scenarios.json")).unwrap();
    serde_json::from_str::<Json>(&text).unwrap().as_array().unwrap().clone()
}

/// `table index` → reason, from differences.txt (`table index reason`, `#` comments).
fn differences() -> BTreeMap<(String, u64), String> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/yq-scenarios/differences.txt")).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            let table = parts.next().unwrap().to_string();
            let index = parts.next().unwrap().parse().unwrap();
            ((table, index), parts.next().unwrap_or("").to_string())
        })
        .collect()
}

/// One expected result: `D0, P[a b], (!!str)::cat\n`.
struct Expected {
    doc: usize,
    path: String,
    tag: String,
    value: String,
}

fn expected(text: &str) -> Expected {
    let rest = text.strip_prefix('D').unwrap();
    let (doc, rest) = rest.split_once(", P[").unwrap();
    let (path, rest) = rest.split_once("], (").unwrap();
    let (tag, value) = rest.split_once(")::").unwrap();
    Expected { doc: doc.parse().unwrap(), path: path.into(), tag: tag.into(), value: value.into() }
}

/// The data of an expected value, read by its tag.
fn expected_data(e: &Expected) -> Option<Value> {
    let text = e.value.strip_suffix('\n').unwrap_or(&e.value);
    Some(match e.tag.as_str() {
        // A document printed with its comments.
        "!!str" if e.path.is_empty() && text.starts_with('#') => {
            let stream = Stream::parse(&e.value).ok()?;
            stream.value_of(&stream.docs.last()?.root)
        }
        "!!str" => Value::String(text.to_string()),
        "!!int" | "!!float" => Value::Number(text.to_string()),
        "!!bool" => Value::Bool(text == "true"),
        "!!null" => Value::Null,
        _ => {
            let stream = Stream::parse(&e.value).ok()?;
            // A leading-content comment or a document separator is not data.
            stream.value_of(&stream.docs.last()?.root)
        }
    })
}

fn same(ours: &Value, theirs: &Value) -> bool {
    match (ours, theirs) {
        (Value::Number(a), Value::Number(b)) => a == b || ours.loosely_equals(theirs),
        (Value::Seq(a), Value::Seq(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
        (Value::Map(a), Value::Map(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|((k, x), (l, y))| k == l && same(x, y))
        }
        (Value::String(a), Value::Number(b)) | (Value::Number(a), Value::String(b)) => a == b,
        _ => ours == theirs,
    }
}

fn is_unsupported(message: &str) -> bool {
    message.contains("is not supported")
}

fn run(s: &Json) -> Verdict {
    let get = |k: &str| s.get(k).and_then(Json::as_str);
    let expression = get("expression").unwrap_or("");
    if s.get("unresolved").is_some() {
        return Verdict::Unsupported("unresolved in the corpus".into());
    }
    let vars: Vars = s
        .get("env")
        .and_then(Json::as_object)
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect())
        .unwrap_or_default();
    let expr = match parse(expression) {
        Ok(expr) => expr,
        Err(e) if is_unsupported(&e.to_string()) => return Verdict::Unsupported(e.to_string()),
        Err(e) if get("expected_error").is_some() => return Verdict::Pass.when_error(&e.to_string()),
        Err(e) => return Verdict::Fail(format!("parse error: {e}")),
    };
    let mut sources: Vec<String> = Vec::new();
    if let Some(doc) = get("document") {
        sources.push(doc.to_string());
        if let Some(doc2) = get("document2") {
            sources.push(doc2.to_string());
        }
    }
    let mut streams = Vec::new();
    for source in &sources {
        match Stream::parse(source) {
            Ok(stream) => streams.push(stream),
            // A document yq fails on (an alias cycle) that is not even valid YAML here.
            Err(_) if get("expected_error").is_some() => return Verdict::Pass,
            Err(e) => return Verdict::Fail(format!("document does not parse: {e}")),
        }
    }
    let mut outputs: Vec<(usize, Output)> = Vec::new();
    let mut evaluate = |doc: usize, input: Value, source: &dyn gitops_action::expr::Source| -> Option<Verdict> {
        match evaluate_document(&expr, input, &vars, source) {
            Ok(out) => {
                outputs.extend(out.outputs.into_iter().map(|o| (doc, o)));
                None
            }
            Err(e) if get("expected_error").is_some() => Some(Verdict::Pass.when_error(&e.to_string())),
            Err(e) if is_unsupported(&e.to_string()) => Some(Verdict::Unsupported(e.to_string())),
            Err(e) => Some(Verdict::Fail(format!("evaluation failed: {e}"))),
        }
    };
    for stream in &streams {
        for (i, d) in stream.docs.iter().enumerate() {
            if let Some(verdict) = evaluate(i, stream.value_of(&d.root), &DocumentSource::new(stream, i)) {
                return verdict;
            }
        }
    }
    if streams.is_empty() {
        if let Some(verdict) = evaluate(0, Value::Null, &gitops_action::expr::Plain) {
            return verdict;
        }
    }
    if let Some(error) = get("expected_error") {
        return Verdict::Fail(format!("yq fails ({error}); this engine gives {} results", outputs.len()));
    }
    let wanted: Vec<Expected> = s
        .get("expected")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(expected)
        .collect();
    if wanted.len() != outputs.len() {
        return Verdict::Fail(format!("{} results, yq gives {}", outputs.len(), wanted.len()));
    }
    for ((doc, ours), theirs) in outputs.iter().zip(&wanted) {
        if *doc != theirs.doc {
            return Verdict::Fail(format!("document {doc}, yq's {}", theirs.doc));
        }
        match expected_data(theirs) {
            Some(data) if !same(&ours.value, &data) => return Verdict::Fail(format!("{} (yq: {})", ours.value, data)),
            Some(_) => {}
            // yq prints an alias whose anchor is outside the value as a bare `*name`.
            None if theirs.value.contains('*') => {}
            None => return Verdict::Fail("yq's value does not parse".into()),
        }
        if !theirs.tag.is_empty() && theirs.tag != "alias" && ours.tag != theirs.tag {
            return Verdict::Fail(format!("tag {} (yq: {})", ours.tag, theirs.tag));
        }
        // Paths through aliases name the alias here and the anchor in yq (a listed difference).
        if let Some(path) = ours.path.as_ref().filter(|_| !sources.iter().any(|s| s.contains('*'))) {
            let text: Vec<String> = path
                .iter()
                .map(|s| match s {
                    Step::Key(k) => k.clone(),
                    Step::Index(i) => i.to_string(),
                })
                .collect();
            if text.join(" ") != theirs.path {
                return Verdict::Fail(format!("path [{}] (yq: [{}])", text.join(" "), theirs.path));
            }
        }
    }
    // An update whose result is the document goes through splice and verify too.
    let updates_documents = !sources.is_empty() && wanted.iter().all(|w| w.path.is_empty() && !w.tag.is_empty());
    if updates_documents && sources.len() == 1 && wanted.len() == Stream::parse(&sources[0]).map_or(0, |s| s.docs.len())
    {
        match edit(sources[0].as_bytes(), &expr, &vars, false) {
            Ok(edited) => {
                let text = String::from_utf8(edited.bytes).unwrap();
                if std::env::var("YQ_SCENARIO").is_ok() {
                    println!("edited file:\n{text}");
                }
                let stream = Stream::parse(&text).unwrap();
                for (doc, theirs) in stream.docs.iter().zip(&wanted) {
                    let ours = stream.value_of(&doc.root);
                    if !same(&ours, &expected_data(theirs).unwrap()) {
                        return Verdict::Fail(format!("the edited file reads {ours}:\n{text}"));
                    }
                }
                if let Some(why) = presentation_differs(&sources[0], &stream, &wanted, &expr, &vars) {
                    return Verdict::Fail(format!("{why}:\n{text}"));
                }
            }
            Err(EditError::Unsafe(why)) => return Verdict::Fail(format!("the edit is refused: {why}")),
            Err(e) => return Verdict::Fail(format!("the edit fails: {e}")),
        }
    }
    Verdict::Pass
}

/// Where the edited file shows an attribute the expression set (style, tag, comment)
/// otherwise than yq's output does.
fn presentation_differs(
    source: &str,
    edited: &Stream<'_>,
    wanted: &[Expected],
    expr: &Expr,
    vars: &Vars,
) -> Option<String> {
    let original = Stream::parse(source).ok()?;
    for (index, theirs) in wanted.iter().enumerate() {
        let input = original.value_of(&original.docs[index].root);
        let evaluated = evaluate_document(expr, input, vars, &DocumentSource::new(&original, index)).ok()?;
        let yq = Stream::parse(&theirs.value).ok()?;
        let read = |stream: &Stream<'_>, doc: usize, path: &[Step], attribute: Attribute| {
            let source = DocumentSource::new(stream, doc);
            let text = match attribute {
                Attribute::Style => source.style(path),
                Attribute::Tag => source.tag(path),
                comment => source.comment(path, comment),
            };
            text.unwrap_or_default().trim_end_matches('\n').to_string()
        };
        for change in &evaluated.attributes {
            let ours = read(edited, index, &change.path, change.attribute);
            let yqs = read(&yq, yq.docs.len() - 1, &change.path, change.attribute);
            if ours != yqs {
                return Some(format!("the {} of {:?} reads {ours:?}, yq's {yqs:?}", change.attribute, change.path));
            }
        }
    }
    None
}

impl Verdict {
    /// An expected error met: unsupported operators still count as such.
    fn when_error(self, message: &str) -> Verdict {
        if is_unsupported(message) {
            Verdict::Unsupported(message.into())
        } else {
            self
        }
    }
}

#[test]
fn yq_scenarios() {
    let differences = differences();
    let verbose = std::env::var("YQ_SCENARIOS_VERBOSE").is_ok();
    // `YQ_SCENARIO=table:index` runs that one scenario and prints it.
    let only = std::env::var("YQ_SCENARIO").ok();
    let mut failures = Vec::new();
    let mut unsupported_named = 0;
    let mut tally: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for s in corpus() {
        let table = s["table"].as_str().unwrap();
        if !NAMED.contains(&table) && !MORE.contains(&table) {
            continue;
        }
        let index = s["index"].as_u64().unwrap();
        let key = (table.to_string(), index);
        if only.as_ref().is_some_and(|o| *o != format!("{table}:{index}")) {
            continue;
        }
        if only.is_some() {
            println!("{}", serde_json::to_string_pretty(&s).unwrap());
        }
        let verdict = run(&s);
        let counts = tally.entry(NAMED.iter().chain(MORE).find(|t| **t == table).unwrap()).or_default();
        let expression = s["expression"].as_str().unwrap_or("");
        match (&verdict, differences.get(&key)) {
            (Verdict::Pass, Some(_)) => failures.push(format!("{table} {index}: passes, but differences.txt lists it")),
            (Verdict::Pass, None) => counts[0] += 1,
            (Verdict::Unsupported(why), _) => {
                counts[1] += 1;
                if NAMED.contains(&table) {
                    unsupported_named += 1;
                }
                if verbose {
                    println!("unsupported {table} {index}: {expression}  --  {why}");
                }
            }
            (Verdict::Fail(_), Some(_)) => counts[2] += 1,
            (Verdict::Fail(why), None) => {
                counts[3] += 1;
                failures.push(format!("{table} {index}: `{expression}`: {why}"));
            }
        }
    }
    println!("{:<18} {:>5} {:>12} {:>11} {:>7}", "table", "pass", "unsupported", "difference", "fail");
    for (table, [pass, unsupported, difference, fail]) in &tally {
        println!("{table:<18} {pass:>5} {unsupported:>12} {difference:>11} {fail:>7}");
    }
    println!("unsupported in the named tables: {unsupported_named} (at most {MAX_UNSUPPORTED})");
    assert!(failures.is_empty(), "{} scenarios differ from yq:\n{}", failures.len(), failures.join("\n"));
    if only.is_some() {
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        return;
    }
    assert!(unsupported_named <= MAX_UNSUPPORTED, "{unsupported_named} scenarios stop at an unsupported operator");
}
