//! Sorting through one instantiation of the standard library's stable sort. Each `sort_by` on
//! another element type or comparator compiles the whole sort again, ~10 KB of wasm apiece;
//! sorting indices under a comparator object compiles it once. `collect()` into a `BTreeMap`
//! sorts its pairs first, a sort per call site; [`string_map`] inserts them instead.

use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Sorts `items` stably by `compare` (as `slice::sort_by` does).
pub(crate) fn sort_by<T>(items: &mut Vec<T>, compare: impl Fn(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    sort_indices(&mut order, &|a, b| compare(&items[a], &items[b]));
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// A map of the given pairs, a later pair replacing an earlier one with the same key (as
/// `collect()` does), built without sorting.
pub(crate) fn string_map(pairs: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    map.extend(pairs);
    map
}

/// The one instantiation of the standard sort.
#[inline(never)]
fn sort_indices(order: &mut [usize], compare: &dyn Fn(usize, usize) -> Ordering) {
    order.sort_by(|a, b| compare(*a, *b));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_stably() {
        let mut pairs = vec![(2, 'a'), (1, 'b'), (2, 'c'), (0, 'd'), (1, 'e')];
        sort_by(&mut pairs, |x, y| x.0.cmp(&y.0));
        assert_eq!(pairs, [(0, 'd'), (1, 'b'), (1, 'e'), (2, 'a'), (2, 'c')]);
        let mut empty: Vec<u8> = Vec::new();
        sort_by(&mut empty, |x, y| x.cmp(y));
        assert!(empty.is_empty());
    }

    #[test]
    fn later_pairs_win_as_in_collect() {
        let pairs = || [("b", "1"), ("a", "2"), ("b", "3")].map(|(k, v)| (k.to_string(), v.to_string()));
        assert_eq!(string_map(pairs()), pairs().into_iter().collect::<BTreeMap<_, _>>());
        assert_eq!(string_map(pairs())["b"], "3");
    }
}
