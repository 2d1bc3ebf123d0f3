//! Unified diffs (3 lines of context, `a/` and `b/` headers) of the files an edit changed, in
//! time linear in the file's size: the lines common to both ends are set aside first; what
//! remains is diffed with Myers when it is small, and aligned greedily (resynchronising on the
//! next lines the two sides share) when it is large, so 20,000 changed values cost milliseconds,
//! not minutes. Small diffs are exactly what `similar::TextDiff::from_lines` prints.

use foldhash::HashMap;
use std::borrow::Cow;

use similar::{DiffOp, DiffTag};

/// Up to this many differing lines (both sides together) are diffed with Myers; more are
/// aligned greedily.
const MYERS_MAX_LINES: usize = 4_000;
/// How far ahead the greedy alignment looks for the next shared line.
const RESYNC_WINDOW: usize = 64;

/// The unified diff of one file (empty when nothing changed).
pub fn unified_diff(file: &str, old: &[u8], new: &[u8]) -> String {
    let (old, new) = (text(old), text(new));
    let (old_lines, new_lines) = (lines(&old), lines(&new));
    let ops = diff_ops(&old_lines, &new_lines);
    let mut out = String::new();
    for hunk in similar::group_diff_ops(ops, 3) {
        if out.is_empty() {
            out.push_str(&format!("--- a/{file}\n+++ b/{file}\n"));
        }
        out.push_str(&format!("{}\n", similar::udiff::UnifiedHunkHeader::new(&hunk)));
        for op in &hunk {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            let (removed, added) = match tag {
                DiffTag::Equal | DiffTag::Delete => (&old_lines[old_range], &[][..]),
                DiffTag::Insert => (&[][..], &new_lines[new_range]),
                DiffTag::Replace => (&old_lines[old_range], &new_lines[new_range]),
            };
            let old_mark = if tag == DiffTag::Equal { ' ' } else { '-' };
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

/// The line operations turning `old` into `new`.
fn diff_ops(old: &[&str], new: &[&str]) -> Vec<DiffOp> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..].iter().rev().zip(new[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
    let (old_mid, new_mid) = (prefix..old.len() - suffix, prefix..new.len() - suffix);
    let mut ops = Vec::new();
    if prefix > 0 {
        ops.push(DiffOp::Equal { old_index: 0, new_index: 0, len: prefix });
    }
    if old_mid.len() + new_mid.len() <= MYERS_MAX_LINES {
        let middle =
            similar::capture_diff_slices(similar::Algorithm::Myers, &old[old_mid.clone()], &new[new_mid.clone()]);
        ops.extend(middle.into_iter().map(|op| shift(op, prefix)));
    } else {
        greedy(old, new, old_mid.clone(), new_mid.clone(), &mut ops);
    }
    if suffix > 0 {
        ops.push(DiffOp::Equal { old_index: old_mid.end, new_index: new_mid.end, len: suffix });
    }
    ops
}

/// `op` with both indices moved by `by`.
fn shift(op: DiffOp, by: usize) -> DiffOp {
    match op {
        DiffOp::Equal { old_index, new_index, len } => {
            DiffOp::Equal { old_index: old_index + by, new_index: new_index + by, len }
        }
        DiffOp::Delete { old_index, old_len, new_index } => {
            DiffOp::Delete { old_index: old_index + by, old_len, new_index: new_index + by }
        }
        DiffOp::Insert { old_index, new_index, new_len } => {
            DiffOp::Insert { old_index: old_index + by, new_index: new_index + by, new_len }
        }
        DiffOp::Replace { old_index, old_len, new_index, new_len } => {
            DiffOp::Replace { old_index: old_index + by, old_len, new_index: new_index + by, new_len }
        }
    }
}

/// Aligns `old[o]` with `new[n]` in one pass: equal lines are kept; at a difference, the
/// nearest pair of equal lines within [`RESYNC_WINDOW`] ahead on both sides ends a replaced
/// block (the whole rest when there is none). A correct diff, not always the shortest.
fn greedy(old: &[&str], new: &[&str], o: std::ops::Range<usize>, n: std::ops::Range<usize>, ops: &mut Vec<DiffOp>) {
    let (mut i, mut j) = (o.start, n.start);
    while i < o.end && j < n.end {
        if old[i] == new[j] {
            let len = (0..).take_while(|k| i + k < o.end && j + k < n.end && old[i + k] == new[j + k]).count();
            ops.push(DiffOp::Equal { old_index: i, new_index: j, len });
            i += len;
            j += len;
            continue;
        }
        // Where do the two sides meet again? Index the next lines of `new` by text.
        let ahead: HashMap<&str, usize> = (j..n.end.min(j + RESYNC_WINDOW)).rev().map(|k| (new[k], k)).collect();
        let meet = (i..o.end.min(i + RESYNC_WINDOW)).find_map(|a| ahead.get(old[a]).map(|&b| (a, b)));
        let (a, b) = meet.unwrap_or((o.end, n.end));
        push_change(ops, i, a - i, j, b - j);
        i = a;
        j = b;
    }
    push_change(ops, i, o.end - i, j, n.end - j);
}

fn push_change(ops: &mut Vec<DiffOp>, old_index: usize, old_len: usize, new_index: usize, new_len: usize) {
    match (old_len, new_len) {
        (0, 0) => {}
        (0, _) => ops.push(DiffOp::Insert { old_index, new_index, new_len }),
        (_, 0) => ops.push(DiffOp::Delete { old_index, old_len, new_index }),
        _ => ops.push(DiffOp::Replace { old_index, old_len, new_index, new_len }),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_diffs_are_similars_line_diff() {
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

    /// Applies a unified diff's lines to `old` to check it leads to `new`.
    fn replay(old: &str, diff: &str) -> String {
        let old_lines: Vec<&str> = lines(old);
        let mut out = String::new();
        let mut at = 0;
        for line in diff.lines().skip(2) {
            if let Some(header) = line.strip_prefix("@@ -") {
                let start: usize = header.split([',', ' ']).next().unwrap().parse().unwrap();
                let start = start.saturating_sub(1).max(at);
                while at < start {
                    out.push_str(old_lines[at]);
                    at += 1;
                }
            } else if line.starts_with(' ') || line.starts_with('-') {
                if line.starts_with(' ') {
                    out.push_str(old_lines[at]);
                }
                at += 1;
            } else if let Some(added) = line.strip_prefix('+') {
                out.push_str(added);
                out.push('\n');
            }
        }
        while at < old_lines.len() {
            out.push_str(old_lines[at]);
            at += 1;
        }
        out
    }

    #[test]
    fn large_diffs_are_linear_and_correct() {
        let old: String = (0..40_000).map(|i| format!("key{i}: 1.0.{}\n", i % 7)).collect();
        let mut new = String::new();
        for (i, line) in old.lines().enumerate() {
            match i % 2 {
                0 => new.push_str(&line.replace(": 1.0.", ": 2.0.")),
                _ => new.push_str(line),
            }
            new.push('\n');
            if i == 1_000 {
                new.push_str("inserted: true\n");
            }
        }
        let started = std::time::Instant::now();
        let diff = unified_diff("values.yaml", old.as_bytes(), new.as_bytes());
        assert!(started.elapsed().as_secs_f64() < 2.0, "{:?}", started.elapsed());
        assert_eq!(replay(&old, &diff), new);
        assert_eq!(diff.lines().filter(|l| l.starts_with('+') && !l.starts_with("+++")).count(), 20_001);
    }
}
