//! The edit pipeline: document → expression → diff → splice → verify.
//!
//! [`edit`] takes a file's bytes, a parsed yq expression and the named values it may see, and
//! returns the new bytes with the list of changes, or an error. Only the bytes of changed values
//! differ; if the result does not re-read as exactly the evaluated data, no bytes are returned.

use std::fmt;

use crate::expr::{self, Attribute, AttributeChange, Expr, ExprError, Source, Step, Vars};
use crate::sorting::sort_by;
use crate::value::Value;
use crate::yaml::diff::{diff, path_segment, path_text, Edit, Located, Slot};
use crate::yaml::document::{reads_as, Node, NodeKind, Stream, SyntaxError};
use crate::yaml::presentation::{reads_back, Presentation};
use crate::yaml::render::{Styles, Written};
use crate::yaml::scalar::Context;
use crate::yaml::source::DocumentSource;
use crate::yaml::splice::{apply, flow_deletions, patches_for, Layout, Patch};

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
/// Styles, tags and comments the expression sets are written too, and read back.
pub fn edit(source: &[u8], expression: &Expr, vars: &Vars, json: bool) -> Result<Edited, EditError> {
    if source.len() > MAX_FILE_BYTES {
        return Err(EditError::TooLarge { bytes: source.len() });
    }
    if source.contains(&0) {
        return Err(EditError::Binary);
    }
    let src = std::str::from_utf8(source).map_err(|_| EditError::Binary)?;
    let stream = Stream::parse(src).map_err(EditError::Syntax)?;
    let layout = Layout::of(src, indent_step(&stream), json);

    let mut expected = Vec::with_capacity(stream.docs.len());
    let mut documents: Vec<DocumentEdit<'_>> = Vec::new();
    for (index, doc) in stream.docs.iter().enumerate() {
        let source = DocumentSource::new(&stream, index);
        let evaluated = expr::evaluate_document(expression, stream.value_of(&doc.root), vars, &source)
            .map_err(|error| EditError::Expression { document: index, error })?;
        let mut outputs = evaluated.outputs;
        let new = match outputs.len() {
            0 => stream.value_of(&doc.root),
            1 => {
                let output = outputs.remove(0);
                // Attributes belong to the input document: they apply when it is the output.
                let attributes = if output.path.as_deref() == Some(&[]) { evaluated.attributes } else { Vec::new() };
                let located = diff(&stream, &doc.root, &output.value);
                if !located.is_empty() || !attributes.is_empty() {
                    documents.push(DocumentEdit { index, located, attributes: last_of_each(attributes) });
                }
                output.value
            }
            count => return Err(EditError::ManyResults { document: index, count }),
        };
        expected.push(new);
    }
    if documents.is_empty() {
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
    for document in &mut documents {
        patches.extend(document.patches(&stream, &layout, &expected[document.index])?);
    }
    let output = apply(src, patches).map_err(|e| EditError::Unsafe(e.0))?;
    verify(&output, &expected)?;
    verify_attributes(&output, &documents)?;

    let line_starts = LineIndex::new(src);
    let mut changes = Vec::new();
    for document in documents {
        for l in document.located {
            changes.push(Change {
                leaves: leaves_of(&l),
                path: l.path,
                old: l.old.map(|v| v.to_string()),
                new: l.new.map(|v| v.to_string()),
                line: line_starts.line_of(l.offset),
                document: document.index,
            });
        }
        let source = DocumentSource::new(&stream, document.index);
        for change in document.attributes {
            let before = match change.attribute {
                Attribute::Style => source.style(&change.path),
                Attribute::Tag => source.tag(&change.path),
                comment => source.comment(&change.path, comment),
            };
            let offset = source.find(&change.path).map_or(0, |f| f.node.span.start);
            let path = path_text(&change.path);
            changes.push(Change {
                leaves: vec![path.clone()],
                path: format!("{path} {}", change.attribute),
                old: before.filter(|b| !b.is_empty()),
                new: Some(change.value).filter(|v| !v.is_empty()),
                line: line_starts.line_of(offset),
                document: document.index,
            });
        }
    }
    sort_by(&mut changes, |a, b| (a.document, a.line).cmp(&(b.document, b.line)));
    Ok(Edited { bytes: output.into_bytes(), changes })
}

/// What an expression changes in one document: its data, and the attributes it set.
struct DocumentEdit<'n> {
    index: usize,
    located: Vec<Located<'n>>,
    attributes: Vec<AttributeChange>,
}

impl<'n> DocumentEdit<'n> {
    /// The byte patches for the data edits and the attributes. Styles are written with the
    /// values: an unchanged value whose style changes is rewritten in place, and a collection
    /// rewritten for its style takes the edits inside it along.
    fn patches(&self, stream: &'n Stream<'_>, layout: &Layout, new: &Value) -> Result<Vec<Patch>, EditError> {
        let styles: Vec<(&[Step], Written)> = self
            .attributes
            .iter()
            .filter(|c| c.attribute == Attribute::Style)
            .filter_map(|c| Some((c.path.as_slice(), Written::named(&c.value)?)))
            .collect();
        let source = DocumentSource::new(stream, self.index);
        // New text keeps a collection in flow form where the file has it so, unless told otherwise.
        let lookup = |path: &[Step], collection: bool| {
            styles
                .iter()
                .rev()
                .find(|(p, _)| *p == path)
                .map(|(_, w)| *w)
                .or_else(|| (collection && source.style(path).as_deref() == Some("flow")).then_some(Written::Flow))
        };
        let lookup: Option<&Styles<'_>> = Some(&lookup);
        let restyled = restyle_edits(stream, &source, &styles, new, &self.located);
        let covered = |steps: &[Step]| restyled.iter().any(|(p, _)| steps.starts_with(p) && steps.len() > p.len());

        let mut patches = Vec::new();
        let mut flow_removals: Vec<(&Node<'_>, Vec<usize>)> = Vec::new();
        let edits = self.located.iter().map(|l| (&l.steps, &l.edit, l.path.as_str()));
        let extra = restyled.iter().map(|(p, e)| (p, e, ""));
        for (steps, edit, path) in edits.chain(extra) {
            if covered(steps) {
                continue;
            }
            let node = edit.node();
            if stream.is_aliased(node.anchor) && !path.is_empty() {
                return Err(EditError::Unsafe(format!(
                    "{path} is an anchor that aliases (*name) elsewhere repeat; changing it would change them too: \
                     edit a copy instead of the anchored value"
                )));
            }
            match edit {
                Edit::DeleteKey { map: collection, index } | Edit::DeleteItem { seq: collection, index }
                    if layout.json
                        || matches!(
                            collection.kind,
                            NodeKind::Map { flow: true, .. } | NodeKind::Seq { flow: true, .. }
                        ) =>
                {
                    match flow_removals.iter_mut().find(|(c, _)| std::ptr::eq(*c, *collection)) {
                        Some((_, indices)) => indices.push(*index),
                        None => flow_removals.push((collection, vec![*index])),
                    }
                }
                _ => patches.extend(
                    patches_for(stream.src, edit, steps, layout, lookup)
                        .map_err(|e| EditError::Unsafe(format!("{} at {}", e.0, path_text(steps))))?,
                ),
            }
        }
        for (collection, mut indices) in flow_removals {
            sort_by(&mut indices, |a, b| a.cmp(b));
            patches.extend(flow_deletions(collection, &indices));
        }
        let presentation = Presentation::new(stream, self.index, layout);
        for change in self.attributes.iter().filter(|c| c.attribute != Attribute::Style) {
            let value = value_at(new, &change.path).unwrap_or(&Value::Null);
            let more = presentation
                .patches(change, value)
                .map_err(|e| EditError::Unsafe(format!("{} {}: {}", path_text(&change.path), change.attribute, e.0)))?;
            patches.extend(more);
        }
        Ok(patches)
    }
}

/// The edits that rewrite values of the input whose style the expression set and no data edit
/// writes: a scalar in its new style, a collection in flow or block form. Only the outermost
/// collection rewritten is kept: it renders what is inside with the styles set there.
fn restyle_edits<'n>(
    stream: &'n Stream<'_>,
    source: &DocumentSource<'n, '_>,
    styles: &[(&[Step], Written)],
    new: &Value,
    located: &[Located<'n>],
) -> Vec<(Vec<Step>, Edit<'n>)> {
    let mut edits: Vec<(Vec<Step>, Edit<'n>)> = Vec::new();
    for (path, written) in styles {
        let written_by_data = located.iter().any(|l| {
            path.starts_with(&l.steps)
                && matches!(
                    l.edit,
                    Edit::SetScalar { .. }
                        | Edit::ReplaceNode { .. }
                        | Edit::InsertKey { .. }
                        | Edit::AppendItems { .. }
                )
        });
        let (Some(found), Some(value)) = (source.find(path), value_at(new, path)) else { continue };
        if written_by_data || edits.iter().any(|(p, _)| p.as_slice() == *path) {
            continue;
        }
        let context = if inside_flow(stream, source, path) { Context::Flow } else { Context::Block };
        let node = found.node;
        let edit = match &node.kind {
            NodeKind::Map { flow, .. } | NodeKind::Seq { flow, .. } => {
                if *flow == (*written == Written::Flow) {
                    continue;
                }
                let slot = match (found.key, path.is_empty()) {
                    (Some(key), _) => Slot::MapValue { key },
                    (None, true) => Slot::Root,
                    (None, false) => Slot::SeqItem,
                };
                Edit::ReplaceNode { node, slot, value: value.clone(), context }
            }
            _ => Edit::SetScalar { node, value: value.clone(), context },
        };
        edits.push((path.to_vec(), edit));
    }
    // Outermost collection rewrites take the edits inside them along.
    let collections: Vec<Vec<Step>> =
        edits.iter().filter(|(_, e)| matches!(e, Edit::ReplaceNode { .. })).map(|(p, _)| p.clone()).collect();
    edits.retain(|(p, _)| !collections.iter().any(|c| p.starts_with(c) && p.len() > c.len()));
    edits
}

/// Whether the value at `path` sits inside a flow collection.
fn inside_flow(stream: &Stream<'_>, source: &DocumentSource<'_, '_>, path: &[Step]) -> bool {
    (0..path.len()).any(|depth| {
        source.find(&path[..depth]).is_some_and(|f| {
            matches!(stream.resolve(f.node).kind, NodeKind::Map { flow: true, .. } | NodeKind::Seq { flow: true, .. })
        })
    })
}

/// The value at `path` in `value`.
fn value_at<'v>(value: &'v Value, path: &[Step]) -> Option<&'v Value> {
    path.iter().try_fold(value, |value, step| match (value, step) {
        (Value::Map(map), Step::Key(key)) => map.get(key),
        (Value::Seq(items), Step::Index(i)) => items.get(*i),
        _ => None,
    })
}

/// The last change of each attribute at each path, in the order they were last set.
fn last_of_each(changes: Vec<AttributeChange>) -> Vec<AttributeChange> {
    let mut kept: Vec<AttributeChange> = Vec::with_capacity(changes.len());
    for change in changes {
        kept.retain(|k| !(k.path == change.path && k.attribute == change.attribute));
        kept.push(change);
    }
    kept
}

/// Re-reads the output and checks that every attribute set reads back as set.
fn verify_attributes(output: &str, documents: &[DocumentEdit<'_>]) -> Result<(), EditError> {
    if documents.iter().all(|d| d.attributes.is_empty()) {
        return Ok(());
    }
    let reread =
        Stream::parse(output).map_err(|e| EditError::Unsafe(format!("the edited file would not parse ({e})")))?;
    for document in documents {
        for change in &document.attributes {
            if !reads_back(&reread, document.index, change) {
                return Err(EditError::Unsafe(format!(
                    "the {} of {} would not read back as {:?}",
                    change.attribute,
                    path_text(&change.path),
                    change.value
                )));
            }
        }
    }
    Ok(())
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
    sort_by(&mut out, |a, b| a.cmp(b));
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

/// The file's indentation step: the most common extra indentation of a nested block mapping
/// under its parent key (2 when the file has none).
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
