//! Stratified K-fold splitting (scikit-learn's `StratifiedKFold(shuffle=False)` fold assignment)
//! and purging of training windows that overlap a test window in time.

use crate::windows::Window;
use crate::{Error, Result};

/// The test fold of each sample under `StratifiedKFold(n_splits, shuffle=False)`: classes are
/// taken in order of first appearance, each class's samples keep their order, and fold sizes
/// per class follow scikit-learn's allocation. Every class needs at least `n_splits` samples.
pub fn stratified_kfold(y: &[usize], n_splits: usize) -> Result<Vec<usize>> {
    if n_splits < 2 {
        return Err(Error::input(format!(
            "--cv {n_splits}: expected at least 2 folds (or 0 to skip)"
        )));
    }
    // encode classes by first appearance, as scikit-learn does
    let mut order: Vec<usize> = Vec::new();
    let encoded: Vec<usize> = y
        .iter()
        .map(|c| match order.iter().position(|o| o == c) {
            Some(i) => i,
            None => {
                order.push(*c);
                order.len() - 1
            }
        })
        .collect();
    let k = order.len();
    let mut counts = vec![0usize; k];
    for &e in &encoded {
        counts[e] += 1;
    }
    if let Some(c) = counts.iter().position(|&c| c < n_splits) {
        return Err(Error::input(format!(
            "--cv {n_splits}: a class has only {} windows, expected at least one per fold; use fewer folds or --cv 0",
            counts[c]
        )));
    }
    // allocation[f][c] = number of class-c samples in fold f, from the sorted labels dealt
    // round-robin (y_order[i::n_splits] in scikit-learn)
    let mut sorted = encoded.clone();
    sorted.sort_unstable();
    let mut allocation = vec![vec![0usize; k]; n_splits];
    for (i, &c) in sorted.iter().enumerate() {
        allocation[i % n_splits][c] += 1;
    }
    let mut folds_for_class: Vec<Vec<usize>> = (0..k)
        .map(|c| {
            (0..n_splits)
                .flat_map(|f| std::iter::repeat_n(f, allocation[f][c]))
                .collect()
        })
        .collect();
    let mut taken = vec![0usize; k];
    let mut test_fold = vec![0; y.len()];
    for (i, &c) in encoded.iter().enumerate() {
        test_fold[i] = std::mem::take(&mut folds_for_class[c][taken[c]]);
        taken[c] += 1;
    }
    Ok(test_fold)
}

/// The training indices of fold `fold`: windows not in the fold that do not overlap in time any
/// test window of the same recording (overlapping windows share samples and would leak).
pub fn purge_overlaps(
    windows: &[Window],
    window_len: usize,
    test_fold: &[usize],
    fold: usize,
) -> Vec<usize> {
    let mut test: Vec<(usize, usize)> = windows
        .iter()
        .zip(test_fold)
        .filter(|(_, &f)| f == fold)
        .map(|(w, _)| (w.recording, w.start))
        .collect();
    test.sort_unstable();
    (0..windows.len())
        .filter(|&i| test_fold[i] != fold)
        .filter(|&i| {
            let w = &windows[i];
            // test windows of this recording starting in (start - len, start + len) overlap
            let lo = (w.recording, w.start.saturating_sub(window_len - 1));
            let from = test.partition_point(|t| *t < lo);
            !test[from..]
                .iter()
                .take_while(|t| t.0 == w.recording && t.1 < w.start + window_len)
                .any(|_| true)
        })
        .collect()
}

/// Groups of windows that must stay on one side of a split: windows of one recording that
/// overlap in time (connected runs of overlapping windows) or come from the same event share a
/// group. Groups are numbered `0..` in order of their first window.
pub fn overlap_groups(windows: &[Window], window_len: usize) -> Vec<usize> {
    // union-find over windows; sort by (recording, start) to link overlapping neighbours
    let n = windows.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let union = |parent: &mut Vec<usize>, a: usize, b: usize| {
        let (ra, rb) = (find(parent, a), find(parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (windows[i].recording, windows[i].start, i));
    // running end of the current connected run
    let mut run: Option<(usize, usize, usize)> = None; // (recording, end, member)
    for &i in &order {
        let w = &windows[i];
        match run {
            Some((r, end, member)) if r == w.recording && w.start < end => {
                union(&mut parent, member, i);
                run = Some((r, end.max(w.start + window_len), member));
            }
            _ => run = Some((w.recording, w.start + window_len, i)),
        }
    }
    let mut by_event: std::collections::HashMap<(usize, usize), usize> = Default::default();
    for (i, w) in windows.iter().enumerate() {
        if let Some(e) = w.event {
            match by_event.get(&(w.recording, e)) {
                Some(&j) => union(&mut parent, j, i),
                None => {
                    by_event.insert((w.recording, e), i);
                }
            }
        }
    }
    let mut number = vec![usize::MAX; n];
    let mut next = 0;
    (0..n)
        .map(|i| {
            let root = find(&mut parent, i);
            if number[root] == usize::MAX {
                number[root] = next;
                next += 1;
            }
            number[root]
        })
        .collect()
}

/// The test fold of each sample under scikit-learn's `StratifiedGroupKFold(n_splits,
/// shuffle=False)`: groups (numbered `0..`) never straddle folds; groups are taken in order of
/// decreasing spread of their class counts and each goes to the fold that keeps the class
/// proportions most even (ties: the smaller fold, then the first).
pub fn stratified_group_kfold(
    y: &[usize],
    groups: &[usize],
    n_splits: usize,
) -> Result<Vec<usize>> {
    if n_splits < 2 {
        return Err(Error::input(format!(
            "--cv {n_splits}: expected at least 2 folds"
        )));
    }
    let mut classes: Vec<usize> = y.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let k = classes.len();
    let class_of = |c: usize| classes.binary_search(&c).expect("listed");
    let n_groups = groups.iter().max().map_or(0, |g| g + 1);
    if n_splits > n_groups {
        return Err(Error::input(format!(
            "--cv {n_splits}: only {n_groups} independent groups of windows (windows that overlap in time or share an event form one group), expected at least one per fold; use fewer folds"
        )));
    }
    let mut y_cnt = vec![0.0f64; k];
    let mut per_group = vec![vec![0.0f64; k]; n_groups];
    for (&c, &g) in y.iter().zip(groups) {
        y_cnt[class_of(c)] += 1.0;
        per_group[g][class_of(c)] += 1.0;
    }
    let std = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64).sqrt()
    };
    let mut sorted: Vec<usize> = (0..n_groups).collect();
    let spread: Vec<f64> = per_group.iter().map(|g| std(g)).collect();
    sorted.sort_by(|&a, &b| spread[b].total_cmp(&spread[a])); // stable
    let mut per_fold = vec![vec![0.0f64; k]; n_splits];
    let mut fold_of_group = vec![0usize; n_groups];
    for &g in &sorted {
        let mut best = 0;
        let mut min_eval = f64::INFINITY;
        let mut min_size = f64::INFINITY;
        for f in 0..n_splits {
            let eval = {
                let std_per_class: Vec<f64> = (0..k)
                    .map(|c| {
                        let col: Vec<f64> = (0..n_splits)
                            .map(|h| {
                                let v = per_fold[h][c] + if h == f { per_group[g][c] } else { 0.0 };
                                v / y_cnt[c]
                            })
                            .collect();
                        std(&col)
                    })
                    .collect();
                std_per_class.iter().sum::<f64>() / k as f64
            };
            let size: f64 = per_fold[f].iter().sum();
            // numpy.isclose(eval, min_eval): |a - b| <= 1e-8 + 1e-5·|b|
            let close = (eval - min_eval).abs() <= 1e-8 + 1e-5 * min_eval.abs();
            if eval < min_eval || (close && size < min_size) {
                min_eval = eval;
                min_size = size;
                best = f;
            }
        }
        for c in 0..k {
            per_fold[best][c] += per_group[g][c];
        }
        fold_of_group[g] = best;
    }
    Ok(groups.iter().map(|&g| fold_of_group[g]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(recording: usize, start: usize) -> Window {
        Window {
            recording,
            start,
            label: None,
            event: None,
        }
    }

    #[test]
    fn blocks_of_two_classes_split_into_contiguous_folds() {
        let y: Vec<usize> = [0; 10].iter().chain([1; 10].iter()).copied().collect();
        let f = stratified_kfold(&y, 5).unwrap();
        assert_eq!(&f[..10], &[0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
        assert_eq!(&f[10..], &[0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    }

    #[test]
    fn overlapping_windows_and_events_form_groups() {
        // 10-sample windows: 0 and 5 overlap, 20 stands alone, 30 shares event 7 with 50
        let mut w: Vec<Window> = [0, 5, 20, 30, 50].iter().map(|&s| win(0, s)).collect();
        w[3].event = Some(7);
        w[4].event = Some(7);
        w.push(win(1, 0)); // another recording: never joined with recording 0
        assert_eq!(overlap_groups(&w, 10), vec![0, 0, 1, 2, 2, 3]);
    }

    #[test]
    fn group_kfold_keeps_groups_together() {
        let y = [0, 0, 1, 1, 0, 1, 0, 1];
        let g = [0, 0, 1, 1, 2, 3, 4, 5];
        let f = stratified_group_kfold(&y, &g, 2).unwrap();
        assert_eq!(f[0], f[1]);
        assert_eq!(f[2], f[3]);
        assert!(stratified_group_kfold(&y, &g, 7).is_err());
    }

    #[test]
    fn too_few_windows_per_class_is_an_error() {
        assert!(stratified_kfold(&[0, 0, 0, 1, 1], 3).is_err());
        assert!(stratified_kfold(&[0, 1], 1).is_err());
    }

    #[test]
    fn purge_drops_training_windows_that_share_samples_with_test() {
        // windows of 10 samples every 5 samples: neighbours overlap
        let windows: Vec<Window> = (0..6).map(|i| win(0, i * 5)).chain([win(1, 0)]).collect();
        let folds = [0, 0, 1, 1, 0, 0, 1];
        let train = purge_overlaps(&windows, 10, &folds, 1);
        // test: starts 10, 15 in rec 0, and rec 1 start 0. Start 5 overlaps 10; 20 overlaps 15.
        assert_eq!(train, vec![0, 5]);
        let train = purge_overlaps(&windows, 10, &folds, 0);
        // test: 0, 5, 20, 25; train candidates 10 (overlaps 5 and 20), 15 (overlaps 20), rec 1.
        assert_eq!(train, vec![6]);
    }
}
