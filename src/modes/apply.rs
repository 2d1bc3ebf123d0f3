//! `mode: apply`: edit files in the workspace with the engine. No network.
//!
//! Every edit is computed in memory first; files are written only when all edits succeeded, so a
//! bad expression or file leaves the workspace untouched.

use serde::Serialize;

use crate::engine::{self, Change};
use crate::gitops::markdown;
use crate::host::{Files, Level, Log};
use crate::settings::ApplySettings;
use crate::unified_diff::unified_diff;

use super::{capped, edit_failure, Failure, Outcome, Output, MAX_OUTPUT_BYTES};

/// A change with the file it was made in (the `changes` output's items).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileChange {
    /// The file, as the input named it.
    pub file: String,
    /// The change.
    #[serde(flatten)]
    pub change: Change,
}

/// The most changes of one edit listed in the log.
const LOGGED_CHANGES: usize = 100;

struct Pending {
    file: String,
    path: String,
    original: Vec<u8>,
    current: Vec<u8>,
}

/// Runs the edits and writes the changed files.
pub fn run(settings: &ApplySettings, files: &impl Files, log: &impl Log) -> Outcome {
    match edit_all(settings, files, log) {
        Ok(outcome) => outcome,
        Err(failure) => Outcome::failed(failure),
    }
}

fn edit_all(settings: &ApplySettings, files: &impl Files, log: &impl Log) -> Result<Outcome, Failure> {
    let workspace = files
        .real_path(&settings.workspace)
        .map_err(|e| Failure::message(format!("the workspace {} cannot be read: {e}", settings.workspace)))?;
    let mut pending: Vec<Pending> = Vec::new();
    let mut changes = Vec::new();
    for edit in &settings.edits {
        let path = resolve_in_workspace(&workspace, &edit.file, files)?;
        let index = match pending.iter().position(|p| p.path == path) {
            Some(i) => i,
            None => {
                let bytes = files.read(&path).map_err(|e| Failure {
                    file: Some(edit.file.clone()),
                    ..Failure::message(format!("cannot read {}: {e}", edit.file))
                })?;
                pending.push(Pending { file: edit.file.clone(), path, original: bytes.clone(), current: bytes });
                pending.len() - 1
            }
        };
        let entry = &mut pending[index];
        log.log(Level::Group, &format!("{}: {}", edit.file, edit.expression.source()));
        let edited = engine::edit(&entry.current, &edit.expression, &settings.vars, edit.json);
        let edited = match edited {
            Ok(edited) => edited,
            Err(error) => {
                log.log(Level::EndGroup, "");
                return Err(edit_failure(&edit.file, &edit.expression, error));
            }
        };
        for change in edited.changes.iter().take(LOGGED_CHANGES) {
            log.info(&format!(
                "{} line {}: {} {} -> {}",
                edit.file,
                change.line,
                change.path,
                change.old.as_deref().unwrap_or("(absent)"),
                change.new.as_deref().unwrap_or("(removed)")
            ));
        }
        if edited.changes.len() > LOGGED_CHANGES {
            log.info(&format!("{}: … and {} more changes", edit.file, edited.changes.len() - LOGGED_CHANGES));
        }
        if edited.changes.is_empty() {
            log.info(&format!("{}: already up to date", edit.file));
        }
        log.log(Level::EndGroup, "");
        changes.extend(edited.changes.into_iter().map(|change| FileChange { file: edit.file.clone(), change }));
        entry.current = edited.bytes;
    }

    let changed_files: Vec<&Pending> = pending.iter().filter(|p| p.current != p.original).collect();
    let diff: String = changed_files.iter().map(|e| unified_diff(&e.file, &e.original, &e.current)).collect();
    for entry in &changed_files {
        files
            .write(&entry.path, &entry.current)
            .map_err(|e| Failure::message(format!("cannot write {}: {e}", entry.file)))?;
    }
    let mut outcome = Outcome { ok: true, ..Outcome::default() };
    outcome.output(Output::Changed, (!changed_files.is_empty()).to_string());
    outcome.output(Output::Diff, diff.clone());
    outcome.output(Output::Changes, changes_json(&changes));
    outcome.summary = summary(&changes, &diff);
    Ok(outcome)
}

/// The absolute path of `file` inside `workspace` (itself a real path), refusing anything that
/// leaves it: absolute paths, `..`, and symbolic links that point outside.
pub fn resolve_in_workspace(workspace: &str, file: &str, files: &impl Files) -> Result<String, Failure> {
    let refuse = |why: &str| {
        Failure::message(format!("input 'file': {file:?} {why}; give a path relative to the workspace, inside it"))
    };
    if file.is_empty() {
        return Err(refuse("is empty"));
    }
    if file.starts_with(['/', '\\']) || file.as_bytes().get(1) == Some(&b':') {
        return Err(refuse("is absolute"));
    }
    let parts: Vec<&str> = file.split(['/', '\\']).filter(|p| !p.is_empty() && *p != ".").collect();
    if parts.contains(&"..") {
        return Err(refuse("goes up with '..'"));
    }
    let joined = format!("{}/{}", workspace.trim_end_matches('/'), parts.join("/"));
    let real = files.real_path(&joined).map_err(|e| {
        if e.is_not_found() {
            Failure::message(format!(
                "file not found: {file} (looked in {workspace}); check the path and that the repository is checked out"
            ))
        } else {
            Failure::message(format!("cannot open {file}: {e}"))
        }
    })?;
    let root = format!("{}/", workspace.trim_end_matches('/'));
    if !real.starts_with(&root) {
        return Err(refuse("is a symbolic link that leads outside the workspace"));
    }
    Ok(real)
}

/// The `changes` output: JSON, the whole list while it fits [`MAX_OUTPUT_BYTES`], else as many
/// changes as fit, ending with `{"cut": N}` for the N left out (still valid JSON).
fn changes_json(changes: &[FileChange]) -> String {
    let mut out = String::from("[");
    for (i, change) in changes.iter().enumerate() {
        let item = serde_json::to_string(change).unwrap_or_default();
        if out.len() + item.len() + 32 > MAX_OUTPUT_BYTES {
            out.push_str(&format!("{}{{\"cut\":{}}}", if i > 0 { "," } else { "" }, changes.len() - i));
            break;
        }
        if i > 0 {
            out.push(',');
        }
        out.push_str(&item);
    }
    out.push(']');
    out
}

/// The most changes listed in the job summary's table.
const SUMMARY_ROWS: usize = 200;

fn summary(changes: &[FileChange], diff: &str) -> String {
    let mut out = String::from("### gitops-action: apply\n\n");
    if changes.is_empty() {
        out.push_str("No changes: every file already says what the expressions write.\n");
        return out;
    }
    out.push_str("| File | Line | Path | Old | New |\n|---|---|---|---|---|\n");
    let cell = |value: Option<&str>| value.map_or_else(|| "—".to_string(), markdown::code);
    for c in changes.iter().take(SUMMARY_ROWS) {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            markdown::code(&c.file),
            c.change.line,
            markdown::code(&c.change.path),
            cell(c.change.old.as_deref()),
            cell(c.change.new.as_deref())
        ));
    }
    if changes.len() > SUMMARY_ROWS {
        out.push_str(&format!("\n… and {} more changes (see the `changes` output).\n", changes.len() - SUMMARY_ROWS));
    }
    out.push_str(&format!("\n{}", markdown::fenced("diff", &capped(diff.to_string(), MAX_OUTPUT_BYTES / 2))));
    out
}
