//! Derives the smallest set of edits that turns a document's old data into its new data.
//!
//! The diff walks the source tree beside the new value: unchanged subtrees produce nothing, a
//! changed scalar produces one [`Edit::SetScalar`], a new key one [`Edit::InsertKey`], and so on.
//! Only when the shape changes (a scalar becomes a mapping, keys are reordered) is a whole node
//! replaced.

use std::collections::HashMap;

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
        key: &'n Node,
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
        node: &'n Node,
        /// Its new value (never a collection).
        value: Value,
        /// Block or flow surroundings.
        context: Context,
    },
    /// A node is replaced by a value of another shape.
    ReplaceNode {
        /// The node replaced.
        node: &'n Node,
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
        map: &'n Node,
        /// The new key.
        key: String,
        /// Its value.
        value: Value,
    },
    /// An entry is removed from a mapping.
    DeleteKey {
        /// The mapping node.
        map: &'n Node,
        /// The entry's index.
        index: usize,
    },
    /// Items are added at the end of a sequence.
    AppendItems {
        /// The sequence node.
        seq: &'n Node,
        /// The new items.
        values: Vec<Value>,
    },
    /// An item is removed from a sequence.
    DeleteItem {
        /// The sequence node.
        seq: &'n Node,
        /// The item's index.
        index: usize,
    },
}

impl<'n> Edit<'n> {
    /// The node the edit changes (the collection, for insertions and deletions).
    pub fn node(&self) -> &'n Node {
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
    /// The old value, if there was one.
    pub old: Option<Value>,
    /// The new value, if there is one.
    pub new: Option<Value>,
    /// The byte offset the change is reported at.
    pub offset: usize,
}

/// The edits that turn `node` (whose value is `old`, as [`Stream::value_of`] gives it) into
/// `new`.
pub fn diff<'n>(stream: &'n Stream<'_>, node: &'n Node, old: &Value, new: &Value) -> Vec<Located<'n>> {
    let mut out = Vec::new();
    walk(stream, node, Slot::Root, Context::Block, old, new, String::new(), &mut out);
    out
}

#[allow(clippy::too_many_arguments)]
fn walk<'n>(
    stream: &'n Stream<'_>,
    node: &'n Node,
    slot: Slot<'n>,
    context: Context,
    old: &Value,
    new: &Value,
    path: String,
    out: &mut Vec<Located<'n>>,
) {
    if old == new {
        return;
    }
    let report = |path: String, edit: Edit<'n>, old: Option<Value>, new: Option<Value>, offset| Located {
        edit,
        path: if path.is_empty() { ".".to_string() } else { path },
        old,
        new,
        offset,
    };
    match (&node.kind, old, new) {
        (NodeKind::Map { flow, entries }, Value::Map(old_map), Value::Map(new_map)) => {
            // Kept keys must stay in order, and new keys must follow them; otherwise replace.
            let kept: Vec<&String> = new_map.keys().filter(|k| old_map.contains_key(k)).collect();
            let old_order: Vec<&String> = old_map.keys().filter(|k| new_map.contains_key(k)).collect();
            let first_added = new_map.keys().position(|k| !old_map.contains_key(k)).unwrap_or(new_map.len());
            if kept != old_order || first_added < kept.len() {
                out.push(report(path, Edit::ReplaceNode { node, slot, value: new.clone(), context }, Some(old.clone()), Some(new.clone()), node.span.start));
                return;
            }
            let inner = if *flow { Context::Flow } else { Context::Block };
            let keys: Vec<String> = entries.iter().map(|(k, _)| stream.key_text(k)).collect();
            let last_index: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
            for (index, (key_node, value_node)) in entries.iter().enumerate() {
                let key = &keys[index];
                // A repeated key: only its last entry counts, as in the data.
                if last_index[key.as_str()] != index {
                    continue;
                }
                let entry_path = format!("{path}{}", path_segment(key));
                match new_map.get(key) {
                    None => out.push(report(
                        entry_path,
                        Edit::DeleteKey { map: node, index },
                        old_map.get(key).cloned(),
                        None,
                        key_node.span.start,
                    )),
                    Some(new_value) => {
                        let old_value = old_map.get(key).unwrap_or(&Value::Null);
                        walk(stream, value_node, Slot::MapValue { key: key_node }, inner, old_value, new_value, entry_path, out);
                    }
                }
            }
            for (key, value) in new_map.iter().filter(|(k, _)| !old_map.contains_key(k)) {
                out.push(report(
                    format!("{path}{}", path_segment(key)),
                    Edit::InsertKey { map: node, key: key.clone(), value: value.clone() },
                    None,
                    Some(value.clone()),
                    node.content_end(stream.src),
                ));
            }
        }
        (NodeKind::Seq { flow, items }, Value::Seq(old_items), Value::Seq(new_items)) => {
            let inner = if *flow { Context::Flow } else { Context::Block };
            if new_items.len() >= old_items.len() {
                for (i, item) in items.iter().enumerate() {
                    walk(stream, item, Slot::SeqItem, inner, &old_items[i], &new_items[i], format!("{path}[{i}]"), out);
                }
                let added = new_items[old_items.len()..].to_vec();
                if !added.is_empty() {
                    out.push(report(
                        format!("{path}[{}]", old_items.len()),
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
            let mut next = 0;
            for (i, old_item) in old_items.iter().enumerate() {
                if next < new_items.len() && &new_items[next] == old_item {
                    kept.push(i);
                    next += 1;
                }
            }
            let removed: Vec<usize> = if next == new_items.len() {
                (0..old_items.len()).filter(|i| !kept.contains(i)).collect()
            } else {
                for (i, item) in items.iter().enumerate().take(new_items.len()) {
                    walk(stream, item, Slot::SeqItem, inner, &old_items[i], &new_items[i], format!("{path}[{i}]"), out);
                }
                (new_items.len()..old_items.len()).collect()
            };
            for index in removed {
                out.push(report(
                    format!("{path}[{index}]"),
                    Edit::DeleteItem { seq: node, index },
                    Some(old_items[index].clone()),
                    None,
                    items[index].span.start,
                ));
            }
        }
        (NodeKind::Scalar { .. } | NodeKind::Alias { .. }, _, Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_)) => {
            out.push(report(path, Edit::SetScalar { node, value: new.clone(), context }, Some(old.clone()), Some(new.clone()), node.span.start));
        }
        _ => out.push(report(path, Edit::ReplaceNode { node, slot, value: new.clone(), context }, Some(old.clone()), Some(new.clone()), node.span.start)),
    }
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
        let old = stream.value_of(&stream.docs[0].root);
        diff(&stream, &stream.docs[0].root, &old, &new)
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
        assert!(diff(&stream, &stream.docs[0].root, &value, &value).is_empty());
    }

    #[test]
    fn minimal_edits() {
        let src = "a: 1\nb: x\nc: [1, 2, 3]\n";
        let one = Value::Number("1".into());
        let seq = |items: &[&str]| Value::Seq(items.iter().map(|t| Value::Number(t.to_string())).collect());
        assert_eq!(edits_for(src, map(&[("a", one.clone()), ("b", s("y")), ("c", seq(&["1", "2", "3"]))])), ["set .b"]);
        assert_eq!(edits_for(src, map(&[("a", one.clone()), ("c", seq(&["1", "3"]))])), ["delete .b", "remove .c[1]"]);
        assert_eq!(
            edits_for(src, map(&[("a", one.clone()), ("b", s("x")), ("c", seq(&["1", "2", "3", "4"])), ("d.e", s("z"))])),
            ["append .c[3]", "insert .\"d.e\""]
        );
        assert_eq!(edits_for(src, map(&[("b", s("x")), ("a", one)])), ["replace ."]);
    }
}
