//! The corpus test: real Helm charts and a Flux repository (`../shared/corpus`, or
//! `$GITOPS_CORPUS`). Every edit must change only its target lines, and the result, read by an
//! independent YAML parser (saphyr, used only here), must hold exactly the original data with the
//! target values replaced. When the corpus is absent the tests say so and skip.

use std::path::{Path, PathBuf};

use gitops_action::engine::edit;
use gitops_action::expr::{parse, Vars};
use saphyr::{LoadableYamlNode, Scalar, Yaml};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("GITOPS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("SKIPPED: no corpus at {} (set GITOPS_CORPUS to a copy of shared/corpus)", dir.display());
        None
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(path);
        }
    }
}

fn vars() -> Vars {
    [("VERSION".to_string(), "1.10".to_string())].into_iter().collect()
}

/// Applies `expression` and checks that only lines whose trimmed text starts with one of
/// `keys` changed (in place or added); returns the new text.
fn edit_checked(path: &Path, src: &str, expression: &str, keys: &[&str]) -> String {
    let expr = parse(expression).unwrap();
    let edited =
        edit(src.as_bytes(), &expr, &vars(), false).unwrap_or_else(|e| panic!("{}: {expression}: {e}", path.display()));
    let out = String::from_utf8(edited.bytes).unwrap();
    let old: Vec<&str> = src.split_inclusive('\n').collect();
    let new: Vec<&str> = out.split_inclusive('\n').collect();
    let is_target = |line: &str| keys.iter().any(|k| line.trim_start().trim_start_matches("- ").starts_with(k));
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a == b => (i, j) = (i + 1, j + 1),
            (Some(a), Some(b)) if is_target(a) && is_target(b) => (i, j) = (i + 1, j + 1),
            (_, Some(b)) if is_target(b) => j += 1,
            (a, b) => {
                panic!("{}: {expression}: line {} changed outside the target: {a:?} -> {b:?}", path.display(), i + 1)
            }
        }
    }
    out
}

/// The document(s) as the independent parser reads them, or `None` where it rejects the file.
fn load(src: &str) -> Option<Vec<Yaml<'_>>> {
    Yaml::load_from_str(src).ok()
}

fn key<'a>(name: &str) -> Yaml<'a> {
    Yaml::Value(Scalar::String(name.to_string().into()))
}

/// Sets `path` in an independently parsed document, as yq would (creating mappings).
fn set<'a>(doc: &mut Yaml<'a>, path: &[&str], value: &str) {
    let Yaml::Mapping(map) = doc else { panic!("not a mapping") };
    if path.len() == 1 {
        let new = Yaml::Value(Scalar::String(value.to_string().into()));
        // Replace in place: the map's `insert` would move an existing key to the end.
        match map.get_mut(&key(path[0])) {
            Some(slot) => *slot = new,
            None => {
                map.insert(key(path[0]), new);
            }
        }
        return;
    }
    if map.get(&key(path[0])).is_none() {
        map.insert(key(path[0]), Yaml::Mapping(Default::default()));
    }
    set(map.get_mut(&key(path[0])).unwrap(), &path[1..], value);
}

fn has_string_image_tag(doc: &Yaml<'_>) -> bool {
    let Yaml::Mapping(root) = doc else { return false };
    let Some(Yaml::Mapping(image)) = root.get(&key("image")) else { return false };
    image.get(&key("tag")).is_some_and(Yaml::is_string)
}

struct Tally {
    files: usize,
    independently_checked: usize,
}

fn check_set(path: &Path, src: &str, expression: &str, target: &[&str], tally: &mut Tally) {
    let out = edit_checked(path, src, expression, &[&format!("{}:", target.last().unwrap())]);
    tally.files += 1;
    if let (Some(mut before), Some(after)) = (load(src), load(&out)) {
        set(&mut before[0], target, "1.10");
        assert!(
            before == after,
            "{}: {expression}: data differs from what yq would produce\n{before:?}\n{after:?}",
            path.display()
        );
        tally.independently_checked += 1;
    };
}

#[test]
fn charts_values_and_flux_manifests_edit_byte_exactly() {
    let Some(dir) = corpus() else { return };
    let mut all = Vec::new();
    files(&dir, &mut all);
    assert!(all.len() > 200, "corpus looks incomplete: {} files", all.len());
    let mut tally = Tally { files: 0, independently_checked: 0 };
    let (mut charts, mut tags, mut deployments) = (0, 0, 0);
    for path in &all {
        let src = std::fs::read_to_string(path).unwrap();
        // The no-op returns every file byte for byte.
        let same = edit(src.as_bytes(), &parse(".").unwrap(), &vars(), false).unwrap();
        assert_eq!(same.bytes, src.as_bytes(), "{}: no-op changed bytes", path.display());

        let name = path.file_name().unwrap().to_str().unwrap();
        if name == "Chart.yaml" {
            charts += 1;
            check_set(path, &src, ".version = \"{{VERSION}}\"", &["version"], &mut tally);
            check_set(path, &src, ".appVersion = strenv(VERSION)", &["appVersion"], &mut tally);
        }
        if name == "values.yaml" && load(&src).is_some_and(|d| has_string_image_tag(&d[0])) {
            tags += 1;
            check_set(path, &src, ".image.tag = \"{{VERSION}}\"", &["image", "tag"], &mut tally);
        }
        if path.to_string_lossy().contains("flux2-kustomize-helm-example") {
            let expression = "select(.kind == \"Deployment\") | .spec.template.spec.containers[0].image = \"ghcr.io/app:\" + strenv(VERSION)";
            let out = edit_checked(path, &src, expression, &["image:"]);
            deployments += usize::from(out != src);
        }
    }
    println!(
        "corpus: {} files; {charts} charts (.version, .appVersion), {tags} values.yaml with .image.tag, {deployments} Flux files with a Deployment; {} edits, {} checked by the independent parser",
        all.len(),
        tally.files,
        tally.independently_checked
    );
    assert_eq!(charts, 118);
    assert!(tags >= 80, "{tags}");
    assert!(tally.independently_checked * 10 >= tally.files * 9, "independent parser read too few results");
}
