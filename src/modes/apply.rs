//! `mode: apply`: edit files in the workspace with the engine. No network.
//!
//! Every edit is computed in memory first; files are written only when all edits succeeded, so a
//! bad expression or file leaves the workspace untouched.

use std::borrow::Cow;

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
                let bytes = files.read(&path).map_err(|e| Failure {
                    file: Some(edit.file.clone()),
                    ..Failure::message(format!("cannot read {}: {e}", edit.file))
                })?;
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

/// A unified diff (3 lines of context) of one file, with `a/` and `b/` headers: what
/// `similar::TextDiff::from_lines(old, new).unified_diff()` prints, computed on the lines
/// themselves. (TextDiff reads a file a char at a time and hashes every line of a long one,
/// which was a third of a 1 MB apply's time in wasm.)
pub fn unified_diff(file: &str, old: &[u8], new: &[u8]) -> String {
    let (old, new) = (text(old), text(new));
    let (old_lines, new_lines) = (lines(&old), lines(&new));
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old_lines, &new_lines);
    let mut out = String::new();
    for hunk in similar::group_diff_ops(ops, 3) {
        if out.is_empty() {
            out.push_str(&format!("--- a/{file}\n+++ b/{file}\n"));
        }
        out.push_str(&format!("{}\n", similar::udiff::UnifiedHunkHeader::new(&hunk)));
        for op in &hunk {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            let (removed, added) = match tag {
                similar::DiffTag::Equal | similar::DiffTag::Delete => (&old_lines[old_range], &[][..]),
                similar::DiffTag::Insert => (&[][..], &new_lines[new_range]),
                similar::DiffTag::Replace => (&old_lines[old_range], &new_lines[new_range]),
            };
            let old_mark = if tag == similar::DiffTag::Equal { ' ' } else { '-' };
            for (mark, line) in removed.iter().map(|l| (old_mark, l)).chain(added.iter().map(|l| ('+', l))) {
                out.push(mark);
                out.push_str(line);
                if !line.ends_with(['\n', '\r']) {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

fn text(bytes: &[u8]) -> Cow<'_, str> {
    std::str::from_utf8(bytes).map_or_else(|_| String::from_utf8_lossy(bytes), Cow::Borrowed)
}

/// `text`'s lines, each with its line break (`\n`, `\r\n` or a lone `\r`), as
/// `similar::TextDiff::from_lines` splits them.
fn lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    for line in text.split_inclusive('\n') {
        let mut rest = line;
        // A lone `\r` ends a line too.
        while let Some(at) = rest.find('\r').filter(|&at| rest.as_bytes().get(at + 1) != Some(&b'\n')) {
            let (head, tail) = rest.split_at(at + 1);
            lines.push(head);
            rest = tail;
        }
        if !rest.is_empty() {
            lines.push(rest);
        }
    }
    lines
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_diff_is_similars_line_diff() {
        let long: String = (0..150).map(|i| format!("line {i}\n")).collect();
        let cases = [
            ("a\nb\nc\n", "a\nB\nc\n"),
            ("a\r\nb\r\n", "a\r\nc\r\n"),
            ("a\rb\rc", "a\rx\rc"),
            ("no newline", "no newline at end"),
            ("a\n", "a"),
            ("x\r", "x\r\n"),
            ("a\rb\r\nc", "a\rB\r\nc\n"),
            ("", "new\n"),
            ("é\n€\n", "é\n€€\n"),
            (long.as_str(), &long.replace("line 70\n", "line seventy\n").replace("line 3\n", "")),
        ];
        for (old, new) in cases {
            let expected = similar::TextDiff::from_lines(old, new)
                .unified_diff()
                .context_radius(3)
                .header("a/f.yaml", "b/f.yaml")
                .to_string();
            assert_eq!(unified_diff("f.yaml", old.as_bytes(), new.as_bytes()), expected, "{old:?} -> {new:?}");
        }
        assert_eq!(unified_diff("f.yaml", b"same\n", b"same\n"), "");
    }
}
