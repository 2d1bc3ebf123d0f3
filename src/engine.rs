//! The edit pipeline: document → expression → diff → splice → verify.
//!
//! [`edit`] takes a file's bytes, a parsed yq expression and the named values it may see, and
//! returns the new bytes with the list of changes, or an error. Only the bytes of changed values
//! differ; if the result does not re-read as exactly the evaluated data, no bytes are returned.

use std::fmt;

use crate::expr::{self, Expr, ExprError, Vars};
use crate::value::Value;
use crate::yaml::diff::{diff, path_segment, Edit, Located};
use crate::yaml::document::{reads_as, Node, NodeKind, Stream, SyntaxError};
use crate::yaml::splice::{apply, patches_for, Layout, Patch};

/// The largest file the engine edits.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// One value changed in a file.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Change {
    /// The yq path of the value (`.image.tag`).
    pub path: String,
    /// The value before, as text (`None` for an added key or item).
    pub old: Option<String>,
    /// The value after, as text (`None` for a removed key or item).
    pub new: Option<String>,
    /// The 1-based line of the change in the original file.
    pub line: usize,
    /// The 0-based index of the document in a multi-document file.
    pub document: usize,
    /// The path of every value the change adds, removes or replaces: the path itself for a
    /// scalar, each leaf below it for a collection (what a data-path policy is checked on).
    #[serde(skip)]
    pub leaves: Vec<String>,
}

/// The result of an edit.
#[derive(Clone, Debug, PartialEq)]
pub struct Edited {
    /// The new file contents (equal to the input when nothing changed).
    pub bytes: Vec<u8>,
    /// What changed, in file order.
    pub changes: Vec<Change>,
}

/// Why an edit was refused. Nothing is written when any of these occurs.
#[derive(Clone, Debug, PartialEq)]
pub enum EditError {
    /// The file is over [`MAX_FILE_BYTES`].
    TooLarge {
        /// Its size.
        bytes: usize,
    },
    /// The file holds NUL bytes or is not UTF-8.
    Binary,
    /// The file is not valid YAML (or JSON).
    Syntax(SyntaxError),
    /// The expression failed on a document.
    Expression {
        /// The 0-based document index.
        document: usize,
        /// The evaluator's error.
        error: ExprError,
    },
    /// The expression produced more than one result for a document.
    ManyResults {
        /// The 0-based document index.
        document: usize,
        /// How many results.
        count: usize,
    },
    /// The edit would need to rewrite bytes outside the changed values, or its result did not
    /// read back as the evaluated data.
    Unsafe(String),
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::TooLarge { bytes } => {
                write!(f, "the file is {bytes} bytes; files over {MAX_FILE_BYTES} bytes (10 MiB) are not edited")
            }
            EditError::Binary => f.write_str("the file is not UTF-8 text (binary data or another encoding)"),
            EditError::Syntax(e) => write!(f, "invalid YAML at {e}"),
            EditError::Expression { document, error } => {
                write!(f, "{error}")?;
                if *document > 0 {
                    write!(f, " (in document {})", document + 1)?;
                }
                Ok(())
            }
            EditError::ManyResults { document, count } => write!(
                f,
                "the expression produced {count} results for document {}; an update expression must \
                 produce the updated document (assign with `=` or `|=`, and group paths with `( )`)",
                document + 1
            ),
            EditError::Unsafe(why) => write!(f, "refusing to write: {why}"),
        }
    }
}

impl std::error::Error for EditError {}

/// Whether a file is edited with JSON conventions (by its name).
pub fn is_json(file_name: &str) -> bool {
    file_name.to_ascii_lowercase().ends_with(".json")
}

/// Applies `expression` to every document of `source` and returns the new bytes and changes.
///
/// `json` selects JSON conventions for new text (quoted keys and strings). Each document is
/// evaluated on its own; a document for which the expression yields nothing stays as it is.
pub fn edit(source: &[u8], expression: &Expr, vars: &Vars, json: bool) -> Result<Edited, EditError> {
    if source.len() > MAX_FILE_BYTES {
        return Err(EditError::TooLarge { bytes: source.len() });
    }
    if source.contains(&0) {
        return Err(EditError::Binary);
    }
    let src = std::str::from_utf8(source).map_err(|_| EditError::Binary)?;
    let stream = Stream::parse(src).map_err(EditError::Syntax)?;
    let layout = Layout::detect(src, indent_step(&stream), json);

    let mut expected = Vec::with_capacity(stream.docs.len());
    let mut located: Vec<(usize, Located<'_>)> = Vec::new();
    for (index, doc) in stream.docs.iter().enumerate() {
        let mut results = expr::evaluate(expression, stream.value_of(&doc.root), vars)
            .map_err(|error| EditError::Expression { document: index, error })?;
        let new = match results.len() {
            0 => stream.value_of(&doc.root),
            1 => {
                let new = results.remove(0);
                located.extend(diff(&stream, &doc.root, &new).into_iter().map(|l| (index, l)));
                new
            }
            count => return Err(EditError::ManyResults { document: index, count }),
        };
        expected.push(new);
    }
    if located.is_empty() {
        return Ok(Edited { bytes: source.to_vec(), changes: Vec::new() });
    }
    if src.match_indices('\r').any(|(at, _)| src.as_bytes().get(at + 1) != Some(&b'\n')) {
        return Err(EditError::Unsafe(
            "the file breaks lines with a carriage return alone (classic Mac OS line endings), which \
             the editor does not write: convert it to LF or CRLF line endings"
                .into(),
        ));
    }

    let mut patches: Vec<Patch> = Vec::new();
    for (_, l) in &located {
        let node = l.edit.node();
        if stream.is_aliased(node.anchor) {
            return Err(EditError::Unsafe(format!(
                "{} is an anchor that aliases (*name) elsewhere repeat; changing it would change them too: \
                 edit a copy instead of the anchored value",
                l.path
            )));
        }
        let more =
            patches_for(src, &l.edit, &layout).map_err(|e| EditError::Unsafe(format!("{} at {}", e.0, l.path)))?;
        patches.extend(more);
    }
    let output = apply(src, patches).map_err(|e| EditError::Unsafe(e.0))?;
    verify(&output, &expected)?;

    let line_starts = LineIndex::new(src);
    let changes = located
        .into_iter()
        .map(|(document, l)| Change {
            leaves: leaves_of(&l),
            path: l.path,
            old: l.old.map(|v| v.to_string()),
            new: l.new.map(|v| v.to_string()),
            line: line_starts.line_of(l.offset),
            document,
        })
        .collect();
    Ok(Edited { bytes: output.into_bytes(), changes })
}

/// The paths of the values a change touches: for appended items their own indexes, for other
/// changes the leaves of the old and the new value at the change's path.
fn leaves_of(located: &Located<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if let Edit::AppendItems { seq, values } = &located.edit {
        let first = match &seq.kind {
            NodeKind::Seq { items, .. } => items.len(),
            _ => 0,
        };
        let seq_path = located.path.strip_suffix(&format!("[{first}]")).unwrap_or(&located.path);
        for (i, value) in values.iter().enumerate() {
            leaf_paths(&format!("{seq_path}[{}]", first + i), value, &mut out);
        }
        return out;
    }
    for value in located.old.iter().chain(&located.new) {
        leaf_paths(&located.path, value, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn leaf_paths(path: &str, value: &Value, out: &mut Vec<String>) {
    let base = if path == "." { "" } else { path };
    match value {
        Value::Map(map) if !map.is_empty() => {
            for (key, value) in map.iter() {
                leaf_paths(&format!("{base}{}", path_segment(key)), value, out);
            }
        }
        Value::Seq(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                leaf_paths(&format!("{base}[{i}]"), item, out);
            }
        }
        _ => out.push(path.to_string()),
    }
}

/// Re-reads the output and checks that every document holds exactly the evaluated data: on the
/// parser's events when it can, through a full tree otherwise (and to say what is wrong).
fn verify(output: &str, expected: &[Value]) -> Result<(), EditError> {
    if reads_as(output, expected) {
        return Ok(());
    }
    let reread =
        Stream::parse(output).map_err(|e| EditError::Unsafe(format!("the edited file would not parse ({e})")))?;
    if reread.docs.len() != expected.len() {
        return Err(EditError::Unsafe(format!(
            "the edited file would have {} documents instead of {}",
            reread.docs.len(),
            expected.len()
        )));
    }
    for (index, (doc, want)) in reread.docs.iter().zip(expected).enumerate() {
        if !reread.holds(&doc.root, want) {
            return Err(EditError::Unsafe(format!(
                "document {} would read back as different data than the expression produced \
                 (an edit inside an anchored block changes its aliases too)",
                index + 1
            )));
        }
    }
    Ok(())
}

/// The file's indentation step: the most common extra indentation of a nested block mapping or
/// sequence under its parent key (2 when the file has none).
fn indent_step(stream: &Stream<'_>) -> usize {
    let mut counts = [0usize; 9];
    for doc in &stream.docs {
        count_steps(stream.src, &doc.root, &mut counts);
    }
    counts
        .iter()
        .enumerate()
        .skip(1)
        .max_by_key(|(step, n)| (**n, std::cmp::Reverse(*step)))
        .filter(|(_, n)| **n > 0)
        .map_or(2, |(step, _)| step)
}

fn count_steps(src: &str, node: &Node, counts: &mut [usize; 9]) {
    let column = |at: usize| at - src[..at].rfind('\n').map_or(0, |i| i + 1);
    match &node.kind {
        NodeKind::Map { entries, .. } => {
            for (key, value) in entries {
                if let NodeKind::Map { flow: false, entries: inner } = &value.kind {
                    if let Some((first, _)) = inner.first() {
                        let (outer, nested) = (column(key.span.start), column(first.span.start));
                        if nested > outer
                            && nested - outer < counts.len()
                            && src[key.span.end..first.span.start].contains('\n')
                        {
                            counts[nested - outer] += 1;
                        }
                    }
                }
                count_steps(src, value, counts);
            }
        }
        NodeKind::Seq { items, .. } => items.iter().for_each(|item| count_steps(src, item, counts)),
        _ => {}
    }
}

/// Maps byte offsets to 1-based line numbers.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(src: &str) -> Self {
        let starts = std::iter::once(0).chain(src.match_indices('\n').map(|(i, _)| i + 1)).collect();
        LineIndex { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}
