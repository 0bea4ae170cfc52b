//! Classification metrics, defined as in scikit-learn (1.9): confusion matrix, accuracy,
//! balanced accuracy, per-class precision/recall/F1, macro F1, Cohen's kappa, ROC AUC
//! (binary, or one-vs-rest macro for more classes) and log loss. Classes are indices
//! `0..n_classes`; probabilities are rows of `n_classes` values.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

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

/// Fraction of windows predicted right (`accuracy_score`); NaN when empty.
pub fn accuracy(y_true: &[usize], y_pred: &[usize]) -> f64 {
    let right = y_true.iter().zip(y_pred).filter(|(t, p)| t == p).count();
    right as f64 / y_true.len() as f64
}

/// Precision, recall, F1 and support of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    /// tp / (tp + fp); 0 when nothing was predicted as the class (scikit-learn's zero_division).
    pub precision: f64,
    /// tp / (tp + fn); 0 when the class does not occur.
    pub recall: f64,
    /// 2·tp / (2·tp + fp + fn); 0 when that is 0/0.
    pub f1: f64,
    /// Number of windows of the class in `y_true`.
    pub support: usize,
}

/// Per-class scores for every class `0..n_classes` (`precision_recall_fscore_support` with
/// `labels=range(n_classes)`, `zero_division=0`).
pub fn per_class(y_true: &[usize], y_pred: &[usize], n_classes: usize) -> Vec<ClassScores> {
    let m = confusion_matrix(y_true, y_pred, n_classes);
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    (0..n_classes)
        .map(|c| {
            let tp = m[c][c];
            let support: usize = m[c].iter().sum();
            let predicted: usize = m.iter().map(|row| row[c]).sum();
            let (fp, fn_) = (predicted - tp, support - tp);
            ClassScores {
                precision: ratio(tp, predicted),
                recall: ratio(tp, support),
                f1: ratio(2 * tp, 2 * tp + fp + fn_),
                support,
            }
        })
        .collect()
}

/// Macro F1 over the classes that occur in `y_true` or `y_pred` (`f1_score(average="macro")`
/// with its default labels).
pub fn macro_f1(y_true: &[usize], y_pred: &[usize], n_classes: usize) -> f64 {
    let scores = per_class(y_true, y_pred, n_classes);
    let present: Vec<f64> = (0..n_classes)
        .filter(|c| y_true.contains(c) || y_pred.contains(c))
        .map(|c| scores[c].f1)
        .collect();
    present.iter().sum::<f64>() / present.len() as f64
}

/// Cohen's kappa between true and predicted classes (`cohen_kappa_score`, unweighted);
/// NaN when undefined (chance agreement is 1).
pub fn cohen_kappa(y_true: &[usize], y_pred: &[usize], n_classes: usize) -> f64 {
    let m = confusion_matrix(y_true, y_pred, n_classes);
    let n = y_true.len() as f64;
    let rows: Vec<f64> = m.iter().map(|r| r.iter().sum::<usize>() as f64).collect();
    let cols: Vec<f64> = (0..n_classes)
        .map(|c| m.iter().map(|r| r[c]).sum::<usize>() as f64)
        .collect();
    // scikit-learn: 1 - Σ w·observed / Σ w·expected with w = 1 off the diagonal
    let mut observed = 0.0;
    let mut expected = 0.0;
    for i in 0..n_classes {
        for j in 0..n_classes {
            if i != j {
                observed += m[i][j] as f64;
                expected += cols[i] * rows[j] / n;
            }
        }
    }
    if expected == 0.0 {
        f64::NAN
    } else {
        1.0 - observed / expected
    }
}

/// Area under the ROC curve of `scores` for the windows where `positive` is true, with tied
/// scores counted half (equal to scikit-learn's trapezoidal area); `None` without both
/// positives and negatives.
pub fn binary_roc_auc(positive: &[bool], scores: &[f64]) -> Option<f64> {
    let n_pos = positive.iter().filter(|&&p| p).count();
    let n_neg = positive.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // sum of the (tie-averaged, 1-based) ranks of the positives
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        let pos_in_tie = order[i..=j].iter().filter(|&&k| positive[k]).count();
        rank_sum += avg_rank * pos_in_tie as f64;
        i = j + 1;
    }
    let (p, q) = (n_pos as f64, n_neg as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * q))
}

/// ROC AUC as `roc_auc_score`: for two classes the score of class 1; for more, the macro
/// mean of one-vs-rest AUCs (`multi_class="ovr"`). `None` when a class is absent from `y_true`.
pub fn roc_auc(y_true: &[usize], proba: ArrayView2<f64>) -> Option<f64> {
    let k = proba.ncols();
    let one = |c: usize| {
        let pos: Vec<bool> = y_true.iter().map(|&t| t == c).collect();
        binary_roc_auc(&pos, &proba.column(c).to_vec())
    };
    if k == 2 {
        return one(1);
    }
    let aucs = (0..k).map(one).collect::<Option<Vec<f64>>>()?;
    Some(aucs.iter().sum::<f64>() / k as f64)
}

/// The ROC curve of one class against the rest: (false positive rate, true positive rate)
/// at every distinct threshold, from (0, 0) to (1, 1). Empty without positives and negatives.
pub fn roc_curve(positive: &[bool], scores: &[f64]) -> Vec<(f64, f64)> {
    let n_pos = positive.iter().filter(|&&p| p).count() as f64;
    let n_neg = positive.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut points = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0.0, 0.0);
    for (i, &k) in order.iter().enumerate() {
        if positive[k] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let last_of_tie = order.get(i + 1).is_none_or(|&n| scores[n] != scores[k]);
        if last_of_tie {
            points.push((fp / n_neg, tp / n_pos));
        }
    }
    points
}

/// Mean negative log-likelihood of the true class (`log_loss` with `labels=range(n_classes)`):
/// probabilities clipped to `[ε, 1-ε]`, ε = f64 machine epsilon, natural logarithm.
pub fn log_loss(y_true: &[usize], proba: ArrayView2<f64>) -> f64 {
    let eps = f64::EPSILON;
    let total: f64 = y_true
        .iter()
        .enumerate()
        .map(|(i, &t)| -proba[[i, t]].clamp(eps, 1.0 - eps).ln())
        .sum();
    total / y_true.len() as f64
}

/// Every score of a set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Fraction predicted right.
    pub accuracy: f64,
    /// Mean recall over classes present in the truth.
    pub balanced_accuracy: f64,
    /// Macro F1.
    pub macro_f1: f64,
    /// Cohen's kappa (NaN, written null, when undefined).
    pub kappa: f64,
    /// ROC AUC, binary or one-vs-rest macro; absent when undefined.
    pub roc_auc: Option<f64>,
    /// Log loss (nats per window).
    pub log_loss: f64,
    /// Per-class precision, recall, F1, support.
    pub per_class: Vec<ClassScores>,
    /// Confusion matrix, rows = true class.
    pub confusion_matrix: Vec<Vec<usize>>,
}

/// All scores of predicted probabilities `proba` (windows × classes) against `y_true`; the
/// predicted class is the most probable one (the first on ties).
pub fn score(y_true: &[usize], proba: ArrayView2<f64>) -> Scores {
    score_predictions(y_true, proba, &predicted(proba))
}

/// [`score`] with the predicted classes given (e.g. by a decision threshold) instead of the
/// most probable ones; the probability metrics (ROC AUC, log loss) still use `proba`.
pub fn score_predictions(y_true: &[usize], proba: ArrayView2<f64>, y_pred: &[usize]) -> Scores {
    let k = proba.ncols();
    let y_pred = y_pred.to_vec();
    Scores {
        accuracy: accuracy(y_true, &y_pred),
        balanced_accuracy: balanced_accuracy(y_true, &y_pred, k),
        macro_f1: macro_f1(y_true, &y_pred, k),
        kappa: cohen_kappa(y_true, &y_pred, k),
        roc_auc: roc_auc(y_true, proba),
        log_loss: log_loss(y_true, proba),
        per_class: per_class(y_true, &y_pred, k),
        confusion_matrix: confusion_matrix(y_true, &y_pred, k),
    }
}

/// The most probable class of each row (the first on ties).
pub fn predicted(proba: ArrayView2<f64>) -> Vec<usize> {
    proba
        .rows()
        .into_iter()
        .map(|r| {
            let mut best = 0;
            for (i, v) in r.iter().enumerate() {
                if *v > r[best] {
                    best = i;
                }
            }
            best
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn balanced_accuracy_by_hand() {
        // class 0: 3/4 right, class 1: 1/2 right → (0.75 + 0.5) / 2
        let t = [0, 0, 0, 0, 1, 1];
        let p = [0, 0, 0, 1, 1, 0];
        assert_eq!(balanced_accuracy(&t, &p, 2), 0.625);
        // a predicted class absent from y_true does not count as a class
        assert_eq!(balanced_accuracy(&[0, 0, 1], &[0, 2, 1], 3), 0.75);
    }

    #[test]
    fn auc_counts_ties_half() {
        // one positive tied with one negative, one positive above all: (1 + 0.5) / 2
        let pos = [false, true, true];
        assert_eq!(binary_roc_auc(&pos, &[0.5, 0.5, 0.9]), Some(0.75));
        assert_eq!(binary_roc_auc(&[true, true], &[0.1, 0.2]), None);
        let curve = roc_curve(&pos, &[0.5, 0.5, 0.9]);
        assert_eq!(curve, vec![(0.0, 0.0), (0.0, 0.5), (1.0, 1.0)]);
    }

    #[test]
    fn perfect_and_constant_predictions() {
        let proba = array![[1.0, 0.0], [0.0, 1.0]];
        let s = score(&[0, 1], proba.view());
        assert_eq!(s.kappa, 1.0);
        assert_eq!(s.roc_auc, Some(1.0));
        // log(1 - ε) is not exactly 0: the clipping of scikit-learn
        assert!(s.log_loss > 0.0 && s.log_loss < 1e-15);
        // everything predicted as class 0 from class-0 truth: kappa undefined
        assert!(cohen_kappa(&[0, 0], &[0, 0], 2).is_nan());
    }
}
