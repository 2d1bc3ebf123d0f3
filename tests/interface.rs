//! One interface: action.yml declares the inputs and outputs; the core reads exactly those
//! inputs (`settings::Input`) and writes exactly those outputs (`modes::Output`), and README's
//! tables list exactly them, with action.yml's defaults.

use gitops_action::modes::Output;
use gitops_action::settings::Input;
use saphyr::{LoadableYamlNode, Yaml};

fn action_yml() -> Yaml<'static> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml")).unwrap();
    Yaml::load_from_str(&text).unwrap().remove(0)
}

/// The keys of `section` in action.yml, in order, with each input's default.
fn declared(section: &str) -> Vec<(String, String)> {
    let doc = action_yml();
    let map = doc.as_mapping().unwrap();
    let entries = map.iter().find(|(k, _)| k.as_str() == Some(section)).unwrap().1.as_mapping().unwrap();
    entries
        .iter()
        .map(|(k, v)| {
            let default = v
                .as_mapping()
                .and_then(|m| m.iter().find(|(k, _)| k.as_str() == Some("default")).map(|(_, d)| d))
                .and_then(|d| d.as_str().map(str::to_string))
                .unwrap_or_default();
            (k.as_str().unwrap().to_string(), default)
        })
        .collect()
}

/// The rows of the README table whose header starts with `| {first} |`: (names in the first
/// cell, the cells).
fn readme_table(first: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let lines: Vec<&str> = readme.lines().collect();
    let start = lines.iter().position(|l| l.starts_with(&format!("| {first} |"))).expect(first) + 2;
    lines[start..]
        .iter()
        .take_while(|l| l.starts_with('|'))
        .map(|row| {
            let cells: Vec<String> = row.trim_matches('|').split(" | ").map(|c| c.trim().to_string()).collect();
            let names = cells[0].split(", ").map(|n| n.trim_matches('`').to_string()).collect();
            (names, cells)
        })
        .collect()
}

#[test]
fn the_core_reads_exactly_the_inputs_action_yml_declares() {
    let names: Vec<String> = declared("inputs").into_iter().map(|(n, _)| n).collect();
    let read: Vec<String> = Input::ALL.iter().map(|i| i.name().to_string()).collect();
    assert_eq!(read, names);
}

#[test]
fn the_core_writes_exactly_the_outputs_action_yml_declares() {
    let names: Vec<String> = declared("outputs").into_iter().map(|(n, _)| n).collect();
    let written: Vec<String> = Output::ALL.iter().map(|o| o.name().to_string()).collect();
    assert_eq!(written, names);
}

#[test]
fn readme_lists_every_input_with_its_default() {
    let rows = readme_table("input");
    let mut listed: Vec<String> = rows.iter().flat_map(|(names, _)| names.clone()).collect();
    let mut declared_inputs = declared("inputs");
    for (name, default) in &declared_inputs {
        let (_, cells) =
            rows.iter().find(|(names, _)| names.contains(name)).unwrap_or_else(|| panic!("README lacks input {name}"));
        if !default.is_empty() {
            assert!(
                cells[2].contains(&format!("`{default}`")),
                "README's default for {name} is {:?}, action.yml's {default:?}",
                cells[2]
            );
        }
    }
    listed.sort();
    declared_inputs.sort();
    assert_eq!(listed, declared_inputs.into_iter().map(|(n, _)| n).collect::<Vec<_>>());
}

#[test]
fn readme_lists_every_output() {
    let mut listed: Vec<String> = readme_table("output").into_iter().flat_map(|(names, _)| names).collect();
    let mut outputs: Vec<String> = declared("outputs").into_iter().map(|(n, _)| n).collect();
    listed.sort();
    outputs.sort();
    assert_eq!(listed, outputs);
}
