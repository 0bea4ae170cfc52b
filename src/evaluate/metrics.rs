//! Classification metrics, defined as in scikit-learn.

/// Confusion matrix: rows are true classes, columns predicted classes, both `0..n_classes`.
pub fn confusion_matrix(y_true: &[usize], y_pred: &[usize], n_classes: usize) -> Vec<Vec<usize>> {
    let mut m = vec![vec![0; n_classes]; n_classes];
    for (&t, &p) in y_true.iter().zip(y_pred) {
        m[t][p] += 1;
    }
    m
}

/// Balanced accuracy: the mean recall over the classes that occur in `y_true`
/// (`sklearn.metrics.balanced_accuracy_score`, which skips classes absent from `y_true`).
/// Returns NaN when `y_true` is empty.
pub fn balanced_accuracy(y_true: &[usize], y_pred: &[usize], n_classes: usize) -> f64 {
    let m = confusion_matrix(y_true, y_pred, n_classes);
    let recalls: Vec<f64> = m
        .iter()
        .enumerate()
        .filter_map(|(c, row)| {
            let support: usize = row.iter().sum();
            (support > 0).then(|| row[c] as f64 / support as f64)
        })
        .collect();
    if recalls.is_empty() {
        f64::NAN
    } else {
        recalls.iter().sum::<f64>() / recalls.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_accuracy_by_hand() {
        // class 0: 3/4 right, class 1: 1/2 right → (0.75 + 0.5) / 2
        let t = [0, 0, 0, 0, 1, 1];
        let p = [0, 0, 0, 1, 1, 0];
        assert_eq!(balanced_accuracy(&t, &p, 2), 0.625);
        // a predicted class absent from y_true does not count as a class
        assert_eq!(balanced_accuracy(&[0, 0, 1], &[0, 2, 1], 3), 0.75);
    }
}
