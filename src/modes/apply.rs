//! `mode: apply`: edit files in the workspace with the engine. No network.
//!
//! Every edit is computed in memory first; files are written only when all edits succeeded, so a
//! bad expression or file leaves the workspace untouched.

use serde::Serialize;

use crate::engine::{self, Change, EditError};
use crate::host::{Files, Level, Log};
use crate::settings::ApplySettings;

use super::{Failure, Outcome};

/// A change with the file it was made in (the `changes` output's items).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileChange {
    /// The file, as the input named it.
    pub file: String,
    /// The change.
    #[serde(flatten)]
    pub change: Change,
}

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
                let bytes = files
                    .read(&path)
                    .map_err(|e| Failure { file: Some(edit.file.clone()), ..Failure::message(format!("cannot read {}: {e}", edit.file)) })?;
                pending.push(Pending { file: edit.file.clone(), path, original: bytes.clone(), current: bytes });
                pending.len() - 1
            }
        };
        let entry = &mut pending[index];
        log.log(Level::Group, &format!("{}: {}", edit.file, edit.expression_text));
        let edited = engine::edit(&entry.current, &edit.expression, &settings.vars, edit.json);
        let edited = match edited {
            Ok(edited) => edited,
            Err(error) => {
                log.log(Level::EndGroup, "");
                return Err(edit_failure(&edit.file, &edit.expression_text, error));
            }
        };
        for change in &edited.changes {
            log.info(&format!(
                "{} line {}: {} {} -> {}",
                edit.file,
                change.line,
                change.path,
                change.old.as_deref().unwrap_or("(absent)"),
                change.new.as_deref().unwrap_or("(removed)")
            ));
        }
        if edited.changes.is_empty() {
            log.info(&format!("{}: already up to date", edit.file));
        }
        log.log(Level::EndGroup, "");
        changes.extend(edited.changes.into_iter().map(|change| FileChange { file: edit.file.clone(), change }));
        entry.current = edited.bytes;
    }

    let mut diff = String::new();
    for entry in pending.iter().filter(|p| p.current != p.original) {
        files
            .write(&entry.path, &entry.current)
            .map_err(|e| Failure::message(format!("cannot write {}: {e}", entry.file)))?;
        diff.push_str(&unified_diff(&entry.file, &entry.original, &entry.current));
    }
    let changed = !diff.is_empty();
    let mut outcome = Outcome { ok: true, ..Outcome::default() };
    outcome.outputs.insert("changed".into(), changed.to_string());
    outcome.outputs.insert("diff".into(), diff.clone());
    outcome.outputs.insert("changes".into(), serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into()));
    outcome.summary = summary(&changes, &diff);
    Ok(outcome)
}

/// An engine error as a step failure, pointing at the file where it has a position there.
pub fn edit_failure(file: &str, expression: &str, error: EditError) -> Failure {
    match error {
        EditError::Syntax(e) => Failure {
            message: format!("{file}: invalid YAML at line {}, column {}: {}", e.line, e.col, e.message),
            file: Some(file.to_string()),
            line: Some(e.line),
            col: Some(e.col),
        },
        EditError::Expression { error, .. } => {
            Failure::message(format!("{file}: the expression failed: {}", error.render(expression)))
        }
        other => Failure { file: Some(file.to_string()), ..Failure::message(format!("{file}: {other}")) },
    }
}

/// The absolute path of `file` inside `workspace` (itself a real path), refusing anything that
/// leaves it: absolute paths, `..`, and symbolic links that point outside.
pub fn resolve_in_workspace(workspace: &str, file: &str, files: &impl Files) -> Result<String, Failure> {
    let refuse = |why: &str| Failure::message(format!("input 'file': {file:?} {why}; give a path relative to the workspace, inside it"));
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
            Failure::message(format!("file not found: {file} (looked in {workspace}); check the path and that the repository is checked out"))
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

/// A unified diff (3 lines of context) of one file, with `a/` and `b/` headers.
pub fn unified_diff(file: &str, old: &[u8], new: &[u8]) -> String {
    let old = String::from_utf8_lossy(old);
    let new = String::from_utf8_lossy(new);
    similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{file}"), &format!("b/{file}"))
        .to_string()
}

fn summary(changes: &[FileChange], diff: &str) -> String {
    let mut out = String::from("### gitops-action: apply\n\n");
    if changes.is_empty() {
        out.push_str("No changes: every file already says what the expressions write.\n");
        return out;
    }
    out.push_str("| File | Line | Path | Old | New |\n|---|---|---|---|---|\n");
    for c in changes {
        out.push_str(&format!(
            "| `{}` | {} | `{}` | {} | {} |\n",
            c.file,
            c.change.line,
            c.change.path,
            table_cell(c.change.old.as_deref()),
            table_cell(c.change.new.as_deref())
        ));
    }
    out.push_str(&format!("\n```diff\n{diff}```\n"));
    out
}

/// A value for a Markdown table cell: code-formatted, pipes escaped, `—` when absent.
pub fn table_cell(value: Option<&str>) -> String {
    match value {
        Some(v) => format!("`{}`", v.replace('|', "\\|").replace('\n', " ")),
        None => "—".to_string(),
    }
}
