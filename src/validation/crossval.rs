//! Out-of-fold predictions for a fixed assignment of windows to test folds, and the
//! label-permutation test. Features are computed once by the caller; the scaler, the classifier
//! and supervised feature extractors (xDAWN, through a [`Refit`]) are refitted per fold (and per
//! permutation).

use super::metrics::{balanced_accuracy, predicted};
use crate::{Error, Result};
use ndarray::{Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// What happened in one fold.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldOutcome {
    /// Rows tested in this fold.
    pub test: Vec<usize>,
    /// Number of training rows.
    pub n_train: usize,
    /// Classes with no training row in this fold: its model can never predict them
    /// (probability 0, as scikit-learn's `cross_val_predict`).
    pub missing_classes: Vec<usize>,
    /// Whether the classifier's optimiser converged.
    pub converged: bool,
}

/// Out-of-fold class probabilities (windows × classes) and per-fold details.
#[derive(Debug, Clone)]
pub struct OutOfFold {
    /// Probability of each class for each window, from the fold where it was tested.
    pub proba: Array2<f64>,
    /// One entry per fold, in fold order.
    pub folds: Vec<FoldOutcome>,
}

/// Refits the feature matrix for one fold: given the training rows and the labels of every
/// row, the matrix of every row with supervised extractors (xDAWN) fitted on those rows only.
pub type Refit<'a> = dyn Fn(&[usize], &[usize]) -> Result<Array2<f64>> + Sync + 'a;

/// Windows whose training copies are purged from a fold when they share samples with one of
/// its test windows (sliding windows of a continuous segment overlap their neighbours).
#[derive(Debug, Clone, Copy)]
pub struct Purge<'a> {
    /// The windows, one per row.
    pub windows: &'a [crate::windows::Window],
    /// Window length, samples.
    pub window_len: usize,
}

/// What each fold fits on its training rows: the scaler (standardising every column but the
/// `unscaled` ones) and the classifier.
#[derive(Debug, Clone, Copy)]
pub struct Learner<'a> {
    /// The classifier's settings.
    pub classifier: &'a crate::model::ClassifierSpec,
    /// One flag per feature column: true for columns the classifier takes as they are
    /// (tangent vectors, [`crate::features::FeatureSpec::tangent_vectors`]).
    pub unscaled: &'a [bool],
}

/// Test folds for a labelling: the fold of each window and the number of folds.
pub type Split<'a> = dyn Fn(&[usize]) -> Result<(Vec<usize>, usize)> + Sync + 'a;

/// Fits on all folds but one and predicts that one, for every fold `0..n_folds` (`test_fold[i]`
/// = fold of window `i`). A fold whose training rows miss some classes is fitted on the classes
/// it has; fewer than two is an error naming the fold with `fold_name`. With `purge`, training
/// windows that share samples with a test window of the fold are left out of its training.
#[allow(clippy::too_many_arguments)]
pub fn out_of_fold(
    x: ArrayView2<f64>,
    y: &[usize],
    n_classes: usize,
    test_fold: &[usize],
    n_folds: usize,
    learner: Learner,
    parallel: bool,
    fold_name: &(dyn Fn(usize) -> String + Sync),
    refit: Option<&Refit>,
    purge: Option<Purge>,
) -> Result<OutOfFold> {
    let one = |fold: usize| -> Result<(FoldOutcome, Array2<f64>)> {
        let test: Vec<usize> = (0..y.len()).filter(|&i| test_fold[i] == fold).collect();
        let train: Vec<usize> = match purge {
            Some(p) => super::split::purge_overlaps(p.windows, p.window_len, test_fold, fold),
            None => (0..y.len()).filter(|&i| test_fold[i] != fold).collect(),
        };
        let present = training_classes(&train, y, || fold_name(fold))?;
        let compact: Vec<usize> = train
            .iter()
            .map(|&i| present.binary_search(&y[i]).expect("present"))
            .collect();
        // supervised extractors see the training fold only
        let owned = refit.map(|f| f(&train, y)).transpose()?;
        let x = match &owned {
            Some(m) => m.view(),
            None => x.view(),
        };
        let xt = x.select(Axis(0), &train);
        let scaler = learner.classifier.fit_scaler(xt.view(), learner.unscaled);
        let model =
            learner
                .classifier
                .fit(scaler.transform(xt.view()).view(), &compact, present.len())?;
        let p = model.predict_proba(scaler.transform(x.select(Axis(0), &test).view()).view());
        if let Some(r) = crate::model::non_finite_row(p.view()) {
            return Err(Error::runtime(format!(
                "{}: the model fitted on the other folds gives class probabilities {} for test window {}, expected finite probabilities",
                fold_name(fold),
                p.row(r),
                test[r] + 1
            )));
        }
        let mut full = Array2::<f64>::zeros((test.len(), n_classes));
        for (j, &c) in present.iter().enumerate() {
            full.column_mut(c).assign(&p.column(j));
        }
        let missing = (0..n_classes).filter(|c| !present.contains(c)).collect();
        Ok((
            FoldOutcome {
                test,
                n_train: train.len(),
                missing_classes: missing,
                converged: model.converged(),
            },
            full,
        ))
    };
    let results: Vec<Result<(FoldOutcome, Array2<f64>)>> = if parallel {
        (0..n_folds).into_par_iter().map(one).collect()
    } else {
        (0..n_folds).map(one).collect()
    };
    let mut proba = Array2::<f64>::zeros((y.len(), n_classes));
    let mut folds = Vec::with_capacity(n_folds);
    for r in results {
        let (outcome, p) = r?;
        for (row, &i) in outcome.test.iter().enumerate() {
            proba.row_mut(i).assign(&p.row(row));
        }
        folds.push(outcome);
    }
    Ok(OutOfFold { proba, folds })
}

/// The classes the training windows `train` hold (sorted); fewer than two is an error naming
/// the fold.
fn training_classes(
    train: &[usize],
    y: &[usize],
    fold_name: impl Fn() -> String,
) -> Result<Vec<usize>> {
    let mut present: Vec<usize> = train.iter().map(|&i| y[i]).collect();
    present.sort_unstable();
    present.dedup();
    if present.len() < 2 {
        return Err(Error::input(format!(
            "{}: its training windows hold {} class, expected at least two; every class must occur outside each test fold (e.g. in at least two recordings with --cv by-recording)",
            fold_name(),
            present.len()
        )));
    }
    Ok(present)
}

/// Labels shuffled for permutation `index` of a test seeded with `seed`: the labels of the
/// units (e.g. events) are shuffled among the units of the same stratum (e.g. recording), and
/// every window takes its unit's new label. Deterministic: one ChaCha8 stream per permutation.
pub fn permuted_labels(
    y: &[usize],
    strata: &[usize],
    units: &[usize],
    seed: u64,
    index: u64,
) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    // each unit's label (its first window's) and stratum, in order of first appearance
    let n_units = units.iter().max().map_or(0, |u| u + 1);
    let mut unit_label = vec![usize::MAX; n_units];
    let mut unit_stratum = vec![0; n_units];
    for i in 0..y.len() {
        if unit_label[units[i]] == usize::MAX {
            unit_label[units[i]] = y[i];
            unit_stratum[units[i]] = strata[i];
        }
    }
    let mut new_label = unit_label.clone();
    let n_strata = strata.iter().max().map_or(0, |s| s + 1);
    for s in 0..n_strata {
        let members: Vec<usize> = (0..n_units)
            .filter(|&u| unit_stratum[u] == s && unit_label[u] != usize::MAX)
            .collect();
        let mut labels: Vec<usize> = members.iter().map(|&u| unit_label[u]).collect();
        labels.shuffle(&mut rng);
        for (&u, l) in members.iter().zip(labels) {
            new_label[u] = l;
        }
    }
    units.iter().map(|&u| new_label[u]).collect()
}

/// How many distinct labellings [`permuted_labels`] can produce: the product over strata of
/// the multinomial coefficient of the unit labels' counts (n! / ∏ countᵢ!), as a float that
/// saturates at infinity. A test of N permutations cannot give p below about 1/this, whatever N.
pub fn distinct_labellings(y: &[usize], strata: &[usize], units: &[usize]) -> f64 {
    let mut seen = std::collections::BTreeSet::new();
    // (stratum, label) → units of that label in that stratum
    let mut counts: std::collections::BTreeMap<(usize, usize), u64> = Default::default();
    for i in 0..y.len() {
        if seen.insert(units[i]) {
            *counts.entry((strata[i], y[i])).or_default() += 1;
        }
    }
    let mut total = 1.0f64;
    let mut in_stratum: std::collections::BTreeMap<usize, u64> = Default::default();
    for (&(s, _), &c) in &counts {
        // multiply by binomial(m + c, c), where m units of this stratum are already placed
        let m = in_stratum.entry(s).or_default();
        for j in 1..=c {
            total *= (*m + j) as f64 / j as f64;
        }
        *m += c;
    }
    total
}

/// The permutation p-value as scikit-learn's `permutation_test_score`:
/// (1 + #{permuted ≥ observed}) / (1 + N).
pub fn permutation_p_value(observed: f64, permuted: &[f64]) -> f64 {
    let at_least = permuted.iter().filter(|&&s| s >= observed).count();
    (1 + at_least) as f64 / (1 + permuted.len()) as f64
}

/// Besag & Clifford's (1991) sequential stop of a permutation test: stop once `exceedances`
/// permuted scores have reached the `observed` one (the result is then clearly not
/// significant), and report p = exceedances / permutations run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SequentialStop {
    /// The unpermuted score.
    pub observed: f64,
    /// Permuted scores at least `observed` that end the test (≥ 1).
    pub exceedances: usize,
}

/// The p-value of a permutation test that ran `permuted` of `requested` permutations: Besag &
/// Clifford's h/L when a [`SequentialStop`] ended it early, else [`permutation_p_value`].
pub fn sequential_p_value(observed: f64, permuted: &[f64], requested: usize) -> f64 {
    let at_least = permuted.iter().filter(|&&s| s >= observed).count();
    if permuted.len() < requested && !permuted.is_empty() {
        at_least as f64 / permuted.len() as f64
    } else {
        permutation_p_value(observed, permuted)
    }
}

/// Permutations run at a time under a [`SequentialStop`]: the stop is decided on the scores in
/// index order, so the result does not depend on the number of threads, only the work wasted.
const PERMUTATION_BATCH: usize = 8;

/// Balanced accuracy of the out-of-fold predictions under `n` label permutations (in parallel
/// over permutations), or fewer when `stop` ends the test early (the scores of permutations
/// 1..=L in order, L the one that reached the stop). `split` gives the test folds for a
/// labelling; `tick` is called after each permutation (for progress display).
#[allow(clippy::too_many_arguments)]
pub fn permutation_scores(
    x: ArrayView2<f64>,
    y: &[usize],
    n_classes: usize,
    strata: &[usize],
    units: &[usize],
    n: usize,
    seed: u64,
    learner: Learner,
    split: &Split,
    tick: &(dyn Fn() + Sync),
    refit: Option<&Refit>,
    purge: Option<Purge>,
    stop: Option<SequentialStop>,
) -> Result<Vec<f64>> {
    let one = |index: u64| -> Result<f64> {
        let yp = permuted_labels(y, strata, units, seed, index);
        let (folds, n_folds) = split(&yp)?;
        let name = |f: usize| format!("permutation {}: fold {}", index + 1, f + 1);
        let oof = out_of_fold(
            x, &yp, n_classes, &folds, n_folds, learner, false, &name, refit, purge,
        )?;
        tick();
        Ok(balanced_accuracy(
            &yp,
            &predicted(oof.proba.view()),
            n_classes,
        ))
    };
    let Some(stop) = stop else {
        return (0..n as u64).into_par_iter().map(one).collect();
    };
    let mut scores = Vec::with_capacity(n);
    let mut reached = 0;
    while scores.len() < n {
        let from = scores.len() as u64;
        let to = (scores.len() + PERMUTATION_BATCH).min(n) as u64;
        let batch: Vec<f64> = (from..to).into_par_iter().map(one).collect::<Result<_>>()?;
        for v in batch {
            scores.push(v);
            if v >= stop.observed {
                reached += 1;
                if reached >= stop.exceedances.max(1) {
                    return Ok(scores);
                }
            }
        }
    }
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_labellings_are_counted_and_all_reached() {
        // as above: recording 0 holds units with labels 0,0,1,1 (4!/(2!2!) = 6 orders), recording
        // 1 holds 0,1 (2): 12 labellings; the permutations reach every one and no other
        let units: Vec<usize> = (0..6).flat_map(|u| [u, u]).collect();
        let strata: Vec<usize> = units.iter().map(|&u| usize::from(u >= 4)).collect();
        let y: Vec<usize> = units.iter().map(|&u| [0, 0, 1, 1, 0, 1][u]).collect();
        assert_eq!(distinct_labellings(&y, &strata, &units), 12.0);
        let reached: std::collections::BTreeSet<Vec<usize>> = (0..500)
            .map(|i| permuted_labels(&y, &strata, &units, 3, i))
            .collect();
        assert_eq!(reached.len(), 12);
        // one event per class in one recording (a block each): 2
        assert_eq!(
            distinct_labellings(&[0, 0, 1, 1], &[0; 4], &[0, 0, 1, 1]),
            2.0
        );
    }

    #[test]
    fn permutation_keeps_units_and_strata() {
        // two recordings; units 0..3 in recording 0, 4..5 in recording 1; two windows a unit
        let units: Vec<usize> = (0..6).flat_map(|u| [u, u]).collect();
        let strata: Vec<usize> = units.iter().map(|&u| usize::from(u >= 4)).collect();
        let y: Vec<usize> = units.iter().map(|&u| [0, 0, 1, 1, 0, 1][u]).collect();
        let mut changed = false;
        for index in 0..20 {
            let p = permuted_labels(&y, &strata, &units, 7, index);
            assert_eq!(p, permuted_labels(&y, &strata, &units, 7, index));
            for u in 0..6 {
                assert_eq!(p[2 * u], p[2 * u + 1], "a unit keeps one label");
            }
            // class counts per recording are kept
            assert_eq!(p[..8].iter().sum::<usize>(), 4);
            assert_eq!(p[8..].iter().sum::<usize>(), 2);
            changed |= p != y;
        }
        assert!(changed);
    }

    #[test]
    fn p_value_counts_ties_as_at_least() {
        assert_eq!(permutation_p_value(0.7, &[0.5, 0.7, 0.8, 0.6]), 3.0 / 5.0);
        assert_eq!(permutation_p_value(0.7, &[]), 1.0);
    }
}
