//! Engine throughput, native: parse + evaluate + splice + verify on the corpus's three ~1 MB
//! CRDs, on all its `values.yaml` files together, and on a typical 10 KB file.
//!
//! `cargo bench --bench engine` (or `scripts/bench-engine.sh`, which adds the wasm figures).
//! Reads the corpus from `$GITOPS_CORPUS` or `../shared/corpus`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use gitops_action::engine::edit;
use gitops_action::expr::{parse, Vars};

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

/// Best-of-`rounds` time to edit every file once, in seconds.
fn time(files: &[Vec<u8>], expression: &str, rounds: usize) -> f64 {
    let expr = parse(expression).unwrap();
    let vars: Vars = [("VERSION".to_string(), "1.2.4".to_string())].into_iter().collect();
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        for bytes in files {
            let edited = edit(bytes, &expr, &vars, false).expect("bench edit succeeds");
            std::hint::black_box(edited);
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    best
}

fn report(label: &str, files: &[Vec<u8>], expression: &str, rounds: usize) {
    let bytes: usize = files.iter().map(Vec::len).sum();
    let secs = time(files, expression, rounds);
    println!(
        "native  {label:<34} {:>6} files {:>9.1} KB  {:>8.3} ms  {:>7.1} MB/s",
        files.len(),
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
    let read = |paths: Vec<PathBuf>| paths.iter().map(|p| std::fs::read(p).unwrap()).collect::<Vec<_>>();
    let mut crds = Vec::new();
    find(&dir, ".yaml", &mut crds);
    crds.retain(|p| p.to_string_lossy().contains("/crds/") && std::fs::metadata(p).unwrap().len() > 500_000);
    let mut values = Vec::new();
    find(&dir, "values.yaml", &mut values);
    let values = read(values);
    let typical: Vec<Vec<u8>> = values.iter().min_by_key(|v| v.len().abs_diff(10_240)).cloned().into_iter().collect();
    report("CRDs (~1 MB each)", &read(crds), ".metadata.annotations.\"gitops/version\" = \"{{VERSION}}\"", 5);
    report("all values.yaml", &values, ".gitopsVersion = \"{{VERSION}}\"", 5);
    report("values.yaml nearest 10 KB", &typical, ".gitopsVersion = \"{{VERSION}}\"", 200);
}
