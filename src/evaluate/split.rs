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
