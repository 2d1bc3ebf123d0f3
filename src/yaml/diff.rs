//! Derives the smallest set of edits that turns a document's old data into its new data.
//!
//! The diff walks the source tree beside the new value: unchanged subtrees produce nothing, a
//! changed scalar produces one [`Edit::SetScalar`], a new key one [`Edit::InsertKey`], and so on.
//! Only when the shape changes (a scalar becomes a mapping, keys are reordered) is a whole node
//! replaced.

use foldhash::HashMap;

use crate::expr::Step;
use crate::value::Value;

use super::document::{Node, NodeKind, Stream};
use super::scalar::Context;

/// Where a node sits, which decides how a replacement for it is written.
#[derive(Clone, Copy, Debug)]
pub enum Slot<'n> {
    /// The document's root.
    Root,
    /// The value of a mapping entry whose key is `key`.
    MapValue {
        /// The entry's key node.
        key: &'n Node<'n>,
    },
    /// An item of a sequence.
    SeqItem,
}

/// One change to a document, in terms of its tree.
#[derive(Debug)]
pub enum Edit<'n> {
    /// A scalar (or alias) gets a new scalar value.
    SetScalar {
        /// The node replaced.
        node: &'n Node<'n>,
        /// Its new value (never a collection).
        value: Value,
        /// Block or flow surroundings.
        context: Context,
    },
    /// A node is replaced by a value of another shape.
    ReplaceNode {
        /// The node replaced.
        node: &'n Node<'n>,
        /// Where it sits.
        slot: Slot<'n>,
        /// Its new value.
        value: Value,
        /// Block or flow surroundings.
        context: Context,
    },
    /// A key is added at the end of a mapping.
    InsertKey {
        /// The mapping node.
        map: &'n Node<'n>,
        /// The new key.
        key: String,
        /// Its value.
        value: Value,
    },
    /// An entry is removed from a mapping.
    DeleteKey {
        /// The mapping node.
        map: &'n Node<'n>,
        /// The entry's index.
        index: usize,
    },
    /// Items are added at the end of a sequence.
    AppendItems {
        /// The sequence node.
        seq: &'n Node<'n>,
        /// The new items.
        values: Vec<Value>,
    },
    /// An item is removed from a sequence.
    DeleteItem {
        /// The sequence node.
        seq: &'n Node<'n>,
        /// The item's index.
        index: usize,
    },
}

impl<'n> Edit<'n> {
    /// The node the edit changes (the collection, for insertions and deletions).
    pub fn node(&self) -> &'n Node<'n> {
        match self {
            Edit::SetScalar { node, .. } | Edit::ReplaceNode { node, .. } => node,
            Edit::InsertKey { map, .. } | Edit::DeleteKey { map, .. } => map,
            Edit::AppendItems { seq, .. } | Edit::DeleteItem { seq, .. } => seq,
        }
    }
}

/// An edit with what it means for people: where, and the value before and after.
#[derive(Debug)]
pub struct Located<'n> {
    /// The edit.
    pub edit: Edit<'n>,
    /// The yq path of the value changed (`.image.tag`).
    pub path: String,
    /// The same path as steps.
    pub steps: Vec<Step>,
    /// The old value, if there was one.
    pub old: Option<Value>,
    /// The new value, if there is one.
    pub new: Option<Value>,
    /// The byte offset the change is reported at.
    pub offset: usize,
}

/// The edits that turn `node` into `new`.
pub fn diff<'n>(stream: &'n Stream<'_>, node: &'n Node<'n>, new: &Value) -> Vec<Located<'n>> {
    let mut out = Vec::new();
    if !stream.holds(node, new) {
        walk(stream, node, Slot::Root, Context::Block, new, &mut Vec::new(), &mut out);
    }
    out
}

/// The edits for a node that does not hold `new` (the caller checked). Children are compared
/// once each, so an edit deep in a large document costs one pass over it.
fn walk<'n>(
    stream: &'n Stream<'_>,
    node: &'n Node<'n>,
    slot: Slot<'n>,
    context: Context,
    new: &Value,
    steps: &mut Vec<Step>,
    out: &mut Vec<Located<'n>>,
) {
    let report = |steps: Vec<Step>, edit: Edit<'n>, old: Option<Value>, new: Option<Value>, offset| Located {
        edit,
        path: path_text(&steps),
        steps,
        old,
        new,
        offset,
    };
    let with = |steps: &Vec<Step>, step: Step| {
        let mut steps = steps.clone();
        steps.push(step);
        steps
    };
    let replace = |steps: &Vec<Step>, out: &mut Vec<Located<'n>>| {
        let edit = Edit::ReplaceNode { node, slot, value: new.clone(), context };
        out.push(report(steps.clone(), edit, Some(stream.value_of(node)), Some(new.clone()), node.span.start));
    };
    match (&node.kind, new) {
        (NodeKind::Map { flow, entries }, Value::Map(new_map)) => {
            let keys: Vec<&str> = entries.iter().map(|(k, _)| stream.key_text(k)).collect();
            // A repeated key's data is its last entry's value, at its first entry's position.
            let last_index: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
            let first_index: HashMap<&str, usize> = keys.iter().enumerate().rev().map(|(i, k)| (*k, i)).collect();
            let old_order: Vec<&str> = keys
                .iter()
                .enumerate()
                .filter(|(i, k)| first_index[*k] == *i && new_map.contains_key(k))
                .map(|(_, k)| *k)
                .collect();
            // Kept keys must stay in order, and new keys must follow them; otherwise replace. A
            // mapping that keeps none of its keys is replaced whole (`{}` when emptied).
            let kept: Vec<&str> = new_map.keys().map(String::as_str).filter(|k| last_index.contains_key(k)).collect();
            let first_added =
                new_map.keys().position(|k| !last_index.contains_key(k.as_str())).unwrap_or(new_map.len());
            if kept != old_order || first_added < kept.len() || (kept.is_empty() && !entries.is_empty()) {
                return replace(steps, out);
            }
            let inner = if *flow { Context::Flow } else { Context::Block };
            for (index, (key_node, value_node)) in entries.iter().enumerate() {
                let key = keys[index];
                if last_index[key] != index {
                    continue;
                }
                match new_map.get(key) {
                    None => out.push(report(
                        with(steps, Step::Key(key.to_string())),
                        Edit::DeleteKey { map: node, index },
                        Some(stream.value_of(value_node)),
                        None,
                        key_node.span.start,
                    )),
                    Some(new_value) if !stream.holds(value_node, new_value) => {
                        steps.push(Step::Key(key.to_string()));
                        walk(stream, value_node, Slot::MapValue { key: key_node }, inner, new_value, steps, out);
                        steps.pop();
                    }
                    Some(_) => {}
                }
            }
            for (key, value) in new_map.iter().filter(|(k, _)| !last_index.contains_key(k.as_str())) {
                out.push(report(
                    with(steps, Step::Key(key.clone())),
                    Edit::InsertKey { map: node, key: key.clone(), value: value.clone() },
                    None,
                    Some(value.clone()),
                    node.content_end(stream.src),
                ));
            }
        }
        (NodeKind::Seq { flow, items }, Value::Seq(new_items)) => {
            let inner = if *flow { Context::Flow } else { Context::Block };
            let walk_items = |count: usize, steps: &mut Vec<Step>, out: &mut Vec<Located<'n>>| {
                for (i, (item, new_item)) in items.iter().zip(new_items).take(count).enumerate() {
                    if !stream.holds(item, new_item) {
                        steps.push(Step::Index(i));
                        walk(stream, item, Slot::SeqItem, inner, new_item, steps, out);
                        steps.pop();
                    }
                }
            };
            if new_items.is_empty() {
                // Every item removed: `[]` in place of the sequence.
                return replace(steps, out);
            }
            if new_items.len() >= items.len() {
                walk_items(items.len(), steps, out);
                let added = new_items[items.len()..].to_vec();
                if !added.is_empty() {
                    out.push(report(
                        with(steps, Step::Index(items.len())),
                        Edit::AppendItems { seq: node, values: added.clone() },
                        None,
                        Some(Value::Seq(added)),
                        node.content_end(stream.src),
                    ));
                }
                return;
            }
            // Fewer items: the removed ones are those the new list skips, matched in order.
            let mut kept = Vec::with_capacity(new_items.len());
            for (i, item) in items.iter().enumerate() {
                if kept.len() < new_items.len() && stream.holds(item, &new_items[kept.len()]) {
                    kept.push(i);
                }
            }
            let removed: Vec<usize> = if kept.len() == new_items.len() {
                (0..items.len()).filter(|i| !kept.contains(i)).collect()
            } else {
                walk_items(new_items.len(), steps, out);
                (new_items.len()..items.len()).collect()
            };
            for index in removed {
                out.push(report(
                    with(steps, Step::Index(index)),
                    Edit::DeleteItem { seq: node, index },
                    Some(stream.value_of(&items[index])),
                    None,
                    items[index].span.start,
                ));
            }
        }
        (
            NodeKind::Scalar { .. } | NodeKind::Alias { .. },
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_),
        ) => {
            let edit = Edit::SetScalar { node, value: new.clone(), context };
            out.push(report(steps.clone(), edit, Some(stream.value_of(node)), Some(new.clone()), node.span.start));
        }
        _ => replace(steps, out),
    }
}

/// The yq text of a path: `.` for the root, `.a.b[0]`, `."a.b"` for a key that needs quoting.
pub fn path_text(steps: &[Step]) -> String {
    if steps.is_empty() {
        return ".".to_string();
    }
    steps
        .iter()
        .map(|step| match step {
            Step::Key(key) => path_segment(key),
            Step::Index(i) => format!("[{i}]"),
        })
        .collect()
}

/// One step of a yq path for a key: `.name`, or `."a.b"` when the key needs quoting.
pub fn path_segment(key: &str) -> String {
    let simple = !key.is_empty()
        && key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if simple {
        format!(".{key}")
    } else {
        format!(".{}", super::scalar::double_quoted(key, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Map;

    fn edits_for(src: &str, new: Value) -> Vec<String> {
        let stream = Stream::parse(src).unwrap();
        diff(&stream, &stream.docs[0].root, &new)
            .iter()
            .map(|l| {
                let kind = match l.edit {
                    Edit::SetScalar { .. } => "set",
                    Edit::ReplaceNode { .. } => "replace",
                    Edit::InsertKey { .. } => "insert",
                    Edit::DeleteKey { .. } => "delete",
                    Edit::AppendItems { .. } => "append",
                    Edit::DeleteItem { .. } => "remove",
                };
                format!("{kind} {}", l.path)
            })
            .collect()
    }

    fn map(entries: &[(&str, Value)]) -> Value {
        Value::Map(entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<Map>())
    }

    fn s(text: &str) -> Value {
        Value::String(text.into())
    }

    #[test]
    fn unchanged_data_gives_no_edits() {
        let src = "a: 1\nb: [x]\n";
        let stream = Stream::parse(src).unwrap();
        let value = stream.value_of(&stream.docs[0].root);
        assert!(diff(&stream, &stream.docs[0].root, &value).is_empty());
    }

    #[test]
    fn minimal_edits() {
        let src = "a: 1\nb: x\nc: [1, 2, 3]\n";
        let one = Value::Number("1".into());
        let seq = |items: &[&str]| Value::Seq(items.iter().map(|t| Value::Number(t.to_string())).collect());
        assert_eq!(edits_for(src, map(&[("a", one.clone()), ("b", s("y")), ("c", seq(&["1", "2", "3"]))])), ["set .b"]);
        assert_eq!(edits_for(src, map(&[("a", one.clone()), ("c", seq(&["1", "3"]))])), ["delete .b", "remove .c[1]"]);
        assert_eq!(
            edits_for(
                src,
                map(&[("a", one.clone()), ("b", s("x")), ("c", seq(&["1", "2", "3", "4"])), ("d.e", s("z"))])
            ),
            ["append .c[3]", "insert .\"d.e\""]
        );
        assert_eq!(edits_for(src, map(&[("b", s("x")), ("a", one)])), ["replace ."]);
    }
}
