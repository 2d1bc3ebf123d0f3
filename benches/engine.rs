//! Engine throughput, native: parse + evaluate + splice + verify on the corpus's three ~1 MB
//! CRDs, on all its `values.yaml` files together, and on a typical 10 KB file.
//!
//! Three figures per case:
//! - `native-parse` is granit-parser's event loop alone: the engine reads a file twice (the
//!   edit, then the verify), so half of this bounds its speed.
//! - `native` is `engine::edit` alone, the expression parsed once: the engine's own speed.
//! - `native-apply` is the whole `mode: apply` step the wasm figure of `scripts/bench-engine.sh`
//!   times (settings, path checks, the edit, the unified diff, the outputs), over in-memory
//!   files: the same work as in wasm, so the two compare directly.
//!
//! `cargo bench --bench engine` (or `scripts/bench-engine.sh`, which adds the wasm figures).
//! Reads the corpus from `$GITOPS_CORPUS` or `../shared/corpus`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use gitops_action::engine::edit;
use gitops_action::expr::{parse, Vars};
use gitops_action::host::{Files, IoError, Level, Log};
use gitops_action::modes::apply;
use gitops_action::settings::{Request, Settings};

/// The virtual workspace the apply figures read from (as the wasm benchmark's).
const WS: &str = "/bench-workspace";

fn corpus() -> PathBuf {
    std::env::var_os("GITOPS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

fn find(dir: &Path, name_ends: &str, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            find(&path, name_ends, out);
        } else if path.to_string_lossy().ends_with(name_ends) {
            out.push(path);
        }
    }
}

/// Files served from memory; writes are dropped.
struct MemoryFiles(HashMap<String, Vec<u8>>);

impl Files for MemoryFiles {
    fn read(&self, path: &str) -> Result<Vec<u8>, IoError> {
        self.0.get(path).cloned().ok_or_else(|| IoError { code: "ENOENT".into(), message: path.into() })
    }

    fn write(&self, _path: &str, bytes: &[u8]) -> Result<(), IoError> {
        std::hint::black_box(bytes);
        Ok(())
    }

    fn real_path(&self, path: &str) -> Result<String, IoError> {
        if path == WS || self.0.contains_key(path) {
            Ok(path.to_string())
        } else {
            Err(IoError { code: "ENOENT".into(), message: path.into() })
        }
    }
}

struct NoLog;

impl Log for NoLog {
    fn log(&self, _level: Level, _message: &str) {}
}

/// A benchmark case: files (workspace-relative name, bytes) and the expression.
struct Case {
    label: &'static str,
    files: Vec<(String, Vec<u8>)>,
    expression: &'static str,
    rounds: usize,
}

/// Best-of-`rounds` seconds to run `once` on every file.
fn best_of(case: &Case, mut once: impl FnMut(&str, &[u8])) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..case.rounds {
        let start = Instant::now();
        for (name, bytes) in &case.files {
            once(name, bytes);
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    best
}

fn parse_seconds(case: &Case) -> f64 {
    best_of(case, |_, bytes| {
        let src = std::str::from_utf8(bytes).unwrap();
        let options = granit_parser::options! { emit_anchor_events: true };
        for event in granit_parser::Parser::new_from_str_with_options(src, options) {
            std::hint::black_box(event.expect("the corpus parses"));
        }
    })
}

fn engine_seconds(case: &Case) -> f64 {
    let expr = parse(case.expression).unwrap();
    let vars: Vars = [("VERSION".to_string(), "1.2.4".to_string())].into_iter().collect();
    best_of(case, |_, bytes| {
        std::hint::black_box(edit(bytes, &expr, &vars, false).expect("bench edit succeeds"));
    })
}

fn apply_seconds(case: &Case) -> f64 {
    let files = MemoryFiles(case.files.iter().map(|(name, bytes)| (format!("{WS}/{name}"), bytes.clone())).collect());
    best_of(case, |name, _| {
        let request = Request {
            inputs: BTreeMap::from([
                ("mode".into(), "apply".into()),
                ("file".into(), name.into()),
                ("yq_tpl".into(), case.expression.into()),
                ("version".into(), "1.2.4".into()),
            ]),
            env: BTreeMap::from([("GITHUB_WORKSPACE".into(), WS.into())]),
            cwd: WS.into(),
        };
        let Ok(Settings::Apply(settings)) = Settings::parse(&request) else { panic!("apply settings") };
        let outcome = apply::run(&settings, &files, &NoLog);
        assert_eq!(outcome.outputs.get("changed").map(String::as_str), Some("true"), "{name}: {:?}", outcome.error);
    })
}

fn report(kind: &str, case: &Case, secs: f64) {
    let bytes: usize = case.files.iter().map(|(_, b)| b.len()).sum();
    println!(
        "{kind:<13} {:<34} {:>6} files {:>9.1} KB  {:>8.3} ms  {:>7.1} MB/s",
        case.label,
        case.files.len(),
        bytes as f64 / 1024.0,
        secs * 1e3,
        bytes as f64 / secs / 1e6
    );
}

fn main() {
    let dir = corpus();
    if !dir.is_dir() {
        println!("SKIPPED: no corpus at {} (set GITOPS_CORPUS)", dir.display());
        return;
    }
    let read = |paths: Vec<PathBuf>| {
        paths
            .iter()
            .map(|p| (p.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/"), std::fs::read(p).unwrap()))
            .collect::<Vec<_>>()
    };
    let mut crds = Vec::new();
    find(&dir, ".yaml", &mut crds);
    crds.retain(|p| p.to_string_lossy().contains("/crds/") && std::fs::metadata(p).unwrap().len() > 500_000);
    let mut values = Vec::new();
    find(&dir, "values.yaml", &mut values);
    let values = read(values);
    let typical = values.iter().min_by_key(|(_, v)| v.len().abs_diff(10_240)).cloned().into_iter().collect();
    let cases = [
        Case {
            label: "CRDs (~1 MB each)",
            files: read(crds),
            expression: ".metadata.annotations.\"gitops/version\" = \"{{VERSION}}\"",
            rounds: 5,
        },
        Case { label: "all values.yaml", files: values, expression: ".gitopsVersion = \"{{VERSION}}\"", rounds: 5 },
        Case {
            label: "values.yaml nearest 10 KB",
            files: typical,
            expression: ".gitopsVersion = \"{{VERSION}}\"",
            rounds: 200,
        },
    ];
    for case in &cases {
        report("native-parse", case, parse_seconds(case));
        report("native", case, engine_seconds(case));
        report("native-apply", case, apply_seconds(case));
    }
}
