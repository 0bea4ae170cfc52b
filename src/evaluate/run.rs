//! One evaluation from start to report: predictions (held-out model or cross-validation with
//! groups that never straddle a split), every metric, the permutation test, per-fold and
//! per-recording scores, ROC curves and class spectra, gathered in a [`Report`].

use super::held_out::{decided, model_proba};
use super::report::{ClassRow, FoldRow, MeanSd, RecordingRow, Report, RocCurve, Settings};
use crate::features::FeatureSpec;
use crate::pipeline::{FittedPipeline, TrainingSet};
use crate::validation::crossval::{out_of_fold, permutation_scores, permuted_labels};
use crate::validation::metrics::{
    accuracy, balanced_accuracy, predicted, roc_curve, score_predictions,
};
use crate::validation::split::overlap_groups;
use crate::{Error, Result};
use ndarray::Array2;

/// How predictions are obtained.
#[derive(Debug, Clone, Copy)]
pub enum Protocol<'a> {
    /// A trained model applied to every window (held-out evaluation).
    Model(&'a FittedPipeline),
    /// Stratified K-fold over groups of windows that overlap in time or share an event
    /// (scikit-learn's `StratifiedGroupKFold(shuffle=False)`).
    KFold(usize),
    /// Leave one group of recordings out: `of_recording[r]` is the group of recording `r`,
    /// `names[g]` names group `g`.
    Groups {
        /// Group names, in group order.
        names: &'a [String],
        /// Group of each recording.
        of_recording: &'a [usize],
    },
}

/// What to evaluate and how.
pub struct Request<'a> {
    /// Windows, features and labels.
    pub set: &'a TrainingSet,
    /// Name of each recording (its path as given).
    pub recordings: &'a [String],
    /// How predictions are made.
    pub protocol: Protocol<'a>,
    /// Classifier refitted per fold (unused for a model).
    pub classifier: crate::model::ClassifierSpec,
    /// Feature settings, for the spectra's bands and unit.
    pub features: &'a [FeatureSpec],
    /// Number of label permutations (0: none).
    pub permutations: usize,
    /// Stop a cross-validated permutation test once this many permuted scores reach the
    /// observed one (Besag & Clifford 1991; 0: run all).
    pub permutation_stop: usize,
    /// Seed of the permutations.
    pub seed: u64,
    /// Called once per finished fold set and per permutation (progress display).
    pub tick: &'a (dyn Fn() + Sync),
}

/// A protocol's predictions: out-of-fold (or held-out) class probabilities, the folds, the
/// permutation scores and how both were made.
struct Outcome {
    /// Class probabilities of every window.
    proba: Array2<f64>,
    /// Each fold.
    folds: Vec<Fold>,
    /// Balanced accuracy under each permutation of the labels.
    permuted: Vec<f64>,
    /// The observed score the permuted ones are compared with, when the permuted fits stop
    /// earlier than the reported ones ([`Ctx::permutation_learner`]): the same predictions
    /// refitted as they are. `None`: the reported balanced accuracy is it.
    statistic: Option<f64>,
    /// How predictions were made, for the report.
    protocol: String,
    /// How labels were permuted, for the report.
    scheme: String,
}

/// A fold: name, test rows, training windows (none for a held-out model), classes absent from
/// its training windows.
type Fold = (String, Vec<usize>, Option<usize>, Vec<usize>);

/// Accuracy and balanced accuracy (absent when undefined) of some rows' predictions.
type SubsetScores<'a> = dyn Fn(&[usize]) -> (f64, Option<f64>) + 'a;

/// What every protocol shares: the request, its groups of overlapping windows (`units`) and
/// the recording of each window (`strata`), and the per-fold refit of extractors that learn.
struct Ctx<'a> {
    req: &'a Request<'a>,
    /// Feature columns taken unstandardised ([`TrainingSet::unscaled_columns`]).
    unscaled: Vec<bool>,
    units: Vec<usize>,
    strata: Vec<usize>,
    refit: Option<&'a crate::validation::crossval::Refit<'a>>,
    /// The classifier the permutation test refits, when it differs from the request's
    /// ([`crate::model::ClassifierSpec::for_permutations`]).
    permutation_classifier: Option<crate::model::ClassifierSpec>,
}

impl Ctx<'_> {
    /// The scaler and classifier each fold fits.
    fn learner(&self) -> crate::validation::crossval::Learner<'_> {
        crate::validation::crossval::Learner {
            classifier: &self.req.classifier,
            unscaled: &self.unscaled,
        }
    }

    /// The scaler and classifier each fold of the permutation test fits. A logistic fit stops
    /// there at scikit-learn's default tolerance, as `permutation_test_score(LogisticRegression())`
    /// fits: permuted labels take ~1.5x the iterations of true ones to converge fully, and the
    /// null distribution needs the score of the same procedure, not a more exact optimum. The
    /// observed score is refitted the same way ([`Outcome::statistic`]), so the test compares
    /// like with like and stays exact.
    fn permutation_learner(&self) -> crate::validation::crossval::Learner<'_> {
        crate::validation::crossval::Learner {
            classifier: self
                .permutation_classifier
                .as_ref()
                .unwrap_or(&self.req.classifier),
            unscaled: &self.unscaled,
        }
    }

    /// The observed score as the permutation test's fits would give it, on folds `test_fold`
    /// (`None` when the test does not run or refits the reported classifier).
    fn statistic(
        &self,
        test_fold: &[usize],
        n_folds: usize,
        fold_name: &(dyn Fn(usize) -> String + Sync),
        purge: Option<crate::validation::crossval::Purge>,
    ) -> Result<Option<f64>> {
        if self.req.permutations == 0 || self.permutation_classifier.is_none() {
            return Ok(None);
        }
        let set = self.req.set;
        let oof = out_of_fold(
            set.features.matrix.view(),
            &set.y,
            set.classes.len(),
            test_fold,
            n_folds,
            self.permutation_learner(),
            true,
            fold_name,
            self.refit,
            purge,
        )?;
        Ok(Some(balanced_accuracy(
            &set.y,
            &predicted(oof.proba.view()),
            set.classes.len(),
        )))
    }
}

/// A trained model's held-out predictions, with its predictions fixed under permutation.
fn held_out(c: &Ctx, model: &FittedPipeline) -> Result<Outcome> {
    let (req, set) = (c.req, c.req.set);
    let (y, k, strata, units) = (&set.y, set.classes.len(), &c.strata, &c.units);
    let proba = model_proba(model, set)?;
    let y_pred = decided(model, proba.view());
    let permuted: Vec<f64> = (0..req.permutations as u64)
        .map(|i| {
            let yp = permuted_labels(y, strata, units, req.seed, i);
            (req.tick)();
            balanced_accuracy(&yp, &y_pred, k)
        })
        .collect();
    let all: Vec<usize> = (0..y.len()).collect();
    Ok(Outcome {
        proba,
        folds: vec![("held-out".to_string(), all, None, Vec::new())],
        permuted,
        statistic: None,
        protocol: "held-out evaluation of a trained model".to_string(),
        scheme: "labels of events (groups of overlapping windows) shuffled within each recording; the model's predictions are fixed".to_string(),
    })
}

/// The one K-fold cross-validation (as `train --cv K`), and its permutation test.
fn k_fold(c: &Ctx, n: usize) -> Result<Outcome> {
    let (req, set, refit) = (c.req, c.req.set, c.refit);
    let (x, y, k, strata, units) = (
        set.features.matrix.view(),
        &set.y,
        set.classes.len(),
        &c.strata,
        &c.units,
    );
    let split = |labels: &[usize]| -> Result<(Vec<usize>, usize)> {
        Ok((crate::validation::stratified_kfold(labels, n)?, n))
    };
    // the one cross-validation, as `train --cv K` runs it
    let name = |f: usize| format!("fold {} of {n}", f + 1);
    let (_, oof) = set.cross_validate(&req.classifier, n, &name)?;
    (req.tick)();
    let statistic = c.statistic(&split(y)?.0, n, &name, Some(set.purge()))?;
    let stop = sequential_stop(req, y, oof.proba.view(), statistic);
    let permuted = permutation_scores(
        x,
        y,
        k,
        strata,
        units,
        req.permutations,
        req.seed,
        c.permutation_learner(),
        &split,
        req.tick,
        refit,
        Some(set.purge()),
        stop,
    )?;
    let folds = oof
        .folds
        .into_iter()
        .enumerate()
        .map(|(f, o)| {
            (
                format!("fold {}", f + 1),
                o.test,
                Some(o.n_train),
                o.missing_classes,
            )
        })
        .collect();
    Ok(Outcome {
        proba: oof.proba,
        folds,
        permuted,
        statistic,
        protocol: format!("stratified {n}-fold cross-validation in time order (scikit-learn StratifiedKFold, shuffle=False), training windows that share samples with a test window removed (as train --cv {n})"),
        scheme: "labels of events (groups of overlapping windows) shuffled within each recording, folds re-made for each permutation, scaler and classifier refitted".to_string(),
    })
}

/// The sequential stop of a cross-validated permutation test, from the observed out-of-fold
/// predictions (or the permutation test's own `statistic`); `None` when `--permutation-stop 0`.
fn sequential_stop(
    req: &Request,
    y: &[usize],
    proba: ndarray::ArrayView2<f64>,
    statistic: Option<f64>,
) -> Option<crate::validation::crossval::SequentialStop> {
    (req.permutation_stop > 0).then(|| crate::validation::crossval::SequentialStop {
        observed: statistic
            .unwrap_or_else(|| balanced_accuracy(y, &predicted(proba), proba.ncols())),
        exceedances: req.permutation_stop,
    })
}

/// Leave-one-group-out cross-validation over groups of recordings, and its permutation test.
fn by_group(c: &Ctx, names: &[String], of_recording: &[usize]) -> Result<Outcome> {
    let (req, set, refit) = (c.req, c.req.set, c.refit);
    let (x, y, k, strata, units) = (
        set.features.matrix.view(),
        &set.y,
        set.classes.len(),
        &c.strata,
        &c.units,
    );
    if names.len() < 2 {
        return Err(Error::input(format!(
            "leave-one-out by recording needs at least two recordings (groups), found {}; use --cv K",
            names.len()
        )));
    }
    let test_fold: Vec<usize> = set
        .windows
        .iter()
        .map(|w| of_recording[w.recording])
        .collect();
    let n = names.len();
    let split = |_: &[usize]| -> Result<(Vec<usize>, usize)> { Ok((test_fold.clone(), n)) };
    let name = |f: usize| format!("fold leaving out {}", names[f]);
    let oof = out_of_fold(
        x,
        y,
        k,
        &test_fold,
        n,
        c.learner(),
        true,
        &name,
        refit,
        None,
    )?;
    (req.tick)();
    let statistic = c.statistic(&test_fold, n, &name, None)?;
    let stop = sequential_stop(req, y, oof.proba.view(), statistic);
    let permuted = permutation_scores(
        x,
        y,
        k,
        strata,
        units,
        req.permutations,
        req.seed,
        c.permutation_learner(),
        &split,
        req.tick,
        refit,
        None,
        stop,
    )?;
    let folds = oof
        .folds
        .into_iter()
        .enumerate()
        .map(|(f, o)| (names[f].clone(), o.test, Some(o.n_train), o.missing_classes))
        .collect();
    Ok(Outcome {
        proba: oof.proba,
        folds,
        permuted,
        statistic,
        protocol: format!("leave-one-group-out cross-validation over {n} groups of recordings"),
        scheme: "labels of events (groups of overlapping windows) shuffled within each recording, scaler and classifier refitted".to_string(),
    })
}

/// Runs the evaluation; `settings` is stored in the report as given.
// long: the [`Report`] literal, one line per field; each part of the work is a function
pub fn run(req: &Request, settings: Settings) -> Result<Report> {
    let set = req.set;
    let y = &set.y;
    let k = set.classes.len();
    let units = overlap_groups(&set.windows, set.window_len);
    let strata: Vec<usize> = set.windows.iter().map(|w| w.recording).collect();
    let mut warnings = Vec::new();
    // extractors that learn (xDAWN) are refitted on each training fold
    let refit_fn = set.refit();
    let ctx = Ctx {
        req,
        unscaled: req.set.unscaled_columns(),
        units,
        strata,
        refit: refit_fn
            .as_ref()
            .map(|r| r as &crate::validation::crossval::Refit),
        permutation_classifier: req.classifier.for_permutations(),
    };
    let Outcome {
        proba,
        folds,
        permuted,
        statistic,
        protocol,
        scheme,
    } = match req.protocol {
        Protocol::Model(model) => held_out(&ctx, model)?,
        Protocol::KFold(n) => k_fold(&ctx, n)?,
        Protocol::Groups {
            names,
            of_recording,
        } => by_group(&ctx, names, of_recording)?,
    };

    // a held-out model's own decision rule (its threshold); otherwise the most probable class
    let y_pred = match req.protocol {
        Protocol::Model(model) => decided(model, proba.view()),
        _ => predicted(proba.view()),
    };
    let s = score_predictions(y, proba.view(), &y_pred);
    let subset_scores = |rows: &[usize]| {
        let t: Vec<usize> = rows.iter().map(|&i| y[i]).collect();
        let p: Vec<usize> = rows.iter().map(|&i| y_pred[i]).collect();
        let ba = balanced_accuracy(&t, &p, k);
        (accuracy(&t, &p), (!ba.is_nan()).then_some(ba))
    };
    let fold_rows = fold_rows(set, &folds, &subset_scores, &mut warnings);
    let per_recording = per_recording(req, &subset_scores);
    let roc_curves = roc_curves(set, &folds, proba.view());
    let counts = s.per_class.iter().map(|c| c.support).collect();
    let observed = statistic.unwrap_or(s.balanced_accuracy);
    let p_value = (!permuted.is_empty()).then(|| {
        crate::validation::crossval::sequential_p_value(observed, &permuted, req.permutations)
    });
    let empirical =
        (!permuted.is_empty()).then(|| permuted.iter().sum::<f64>() / permuted.len() as f64);
    let spectra = super::figures::spectra(set, req.features);
    warnings.extend(spectra.artefact_hint.clone());
    Ok(Report {
        eegi_version: env!("CARGO_PKG_VERSION").to_string(),
        protocol,
        classes: set.classes.clone(),
        n_windows: y.len(),
        n_recordings: req.recordings.len(),
        accuracy: s.accuracy,
        balanced_accuracy: s.balanced_accuracy,
        macro_f1: s.macro_f1,
        kappa: (!s.kappa.is_nan()).then_some(s.kappa),
        roc_auc: s.roc_auc,
        log_loss: s.log_loss,
        confusion_matrix_normalised: normalised(&s.confusion_matrix),
        confusion_matrix: s.confusion_matrix,
        per_class: class_rows(&s.per_class, &set.classes),
        chance_balanced_accuracy: 1.0 / k as f64,
        permutations: permuted.len(),
        permutations_requested: req.permutations,
        permutation_scheme: scheme,
        distinct_labellings: crate::validation::crossval::distinct_labellings(
            &set.y,
            &ctx.strata,
            &ctx.units,
        ),
        permutation_p_value: p_value,
        permutation_observed_balanced_accuracy: (!permuted.is_empty()).then_some(observed),
        empirical_chance_balanced_accuracy: empirical,
        permutation_balanced_accuracy: permuted,
        fold_balanced_accuracy: mean_sd(fold_rows.iter().filter_map(|f| f.balanced_accuracy)),
        folds: fold_rows,
        recording_balanced_accuracy: mean_sd(
            per_recording.iter().filter_map(|r| r.balanced_accuracy),
        ),
        per_recording,
        counts,
        dropped: set.dropped.clone(),
        roc_curves,
        spectra,
        erp: super::figures::erp(set, &settings.window),
        warnings,
        settings,
    })
}

/// Each class's precision, recall, F1 and support, named.
fn class_rows(
    per_class: &[crate::validation::metrics::ClassScores],
    classes: &[String],
) -> Vec<ClassRow> {
    per_class
        .iter()
        .zip(classes)
        .map(|(c, name)| ClassRow {
            class: name.clone(),
            precision: c.precision,
            recall: c.recall,
            f1: c.f1,
            support: c.support,
        })
        .collect()
}

/// Each fold's scores, with a warning for a fold whose training windows lack a class.
fn fold_rows(
    set: &TrainingSet,
    folds: &[Fold],
    subset_scores: &SubsetScores,
    warnings: &mut Vec<String>,
) -> Vec<FoldRow> {
    let y = &set.y;
    folds
    .iter()
    .map(|(name, test, n_train, missing)| {
        let (acc, ba) = subset_scores(test);
        if !missing.is_empty() {
            let absent: Vec<&str> = missing.iter().map(|&c| set.classes[c].as_str()).collect();
            let lost = test.iter().filter(|&&i| missing.contains(&y[i])).count();
            warnings.push(format!(
                "{name}: no training windows of {}; its {lost} test windows of {} can never be predicted right",
                absent.join(", "),
                if absent.len() == 1 { "that class" } else { "those classes" }
            ));
        }
        let mut present: Vec<usize> = test.iter().map(|&i| y[i]).collect();
        present.sort_unstable();
        present.dedup();
        FoldRow {
            name: name.clone(),
            n_train: *n_train,
            n_test: test.len(),
            accuracy: acc,
            balanced_accuracy: ba,
            chance_balanced_accuracy: (!present.is_empty()).then(|| 1.0 / present.len() as f64),
            missing_classes: missing.iter().map(|&c| set.classes[c].clone()).collect(),
        }
    })
    .collect()
}

/// Each recording's scores (recordings without windows left out).
fn per_recording(req: &Request, subset_scores: &SubsetScores) -> Vec<RecordingRow> {
    let (set, y) = (req.set, &req.set.y);
    req.recordings
        .iter()
        .enumerate()
        .filter_map(|(r, name)| {
            let rows: Vec<usize> = (0..y.len())
                .filter(|&i| set.windows[i].recording == r)
                .collect();
            if rows.is_empty() {
                return None;
            }
            let (acc, ba) = subset_scores(&rows);
            Some(RecordingRow {
                recording: name.clone(),
                n_windows: rows.len(),
                accuracy: acc,
                balanced_accuracy: ba,
            })
        })
        .collect()
}

/// ROC curves: the positive class of a binary problem, else one per class against the rest.
/// A class's area is n/a when no window of it was ever scored by a model trained on it (its
/// scores say nothing about it: e.g. a class that only one left-out recording holds).
fn roc_curves(set: &TrainingSet, folds: &[Fold], proba: ndarray::ArrayView2<f64>) -> Vec<RocCurve> {
    let (y, k) = (&set.y, set.classes.len());
    (if k == 2 { 1..2 } else { 0..k })
        .map(|c| {
            let pos: Vec<bool> = y.iter().map(|&t| t == c).collect();
            let scores = proba.column(c).to_vec();
            // a class never scored (absent from every training fold, or from the model) has
            // constant scores: no curve to speak of, so no area (scikit-learn would say 0.5)
            let varies = scores.iter().any(|&v| v != scores[0]);
            let ever_trained = folds.iter().any(|(_, rows, _, absent)| {
                !absent.contains(&c) && rows.iter().any(|&i| y[i] == c)
            });
            RocCurve {
                class: set.classes[c].clone(),
                auc: crate::validation::metrics::binary_roc_auc(&pos, &scores)
                    .filter(|_| varies && ever_trained),
                points: roc_curve(&pos, &scores),
            }
        })
        .collect()
}

/// Each row of a confusion matrix as fractions of its total (a row without windows stays 0).
fn normalised(confusion: &[Vec<usize>]) -> Vec<Vec<f64>> {
    confusion
        .iter()
        .map(|row| {
            let total: usize = row.iter().sum();
            row.iter()
                .map(|&v| {
                    if total == 0 {
                        0.0
                    } else {
                        v as f64 / total as f64
                    }
                })
                .collect()
        })
        .collect()
}

/// Mean and population sd of some scores.
pub fn mean_sd(values: impl Iterator<Item = f64>) -> MeanSd {
    let v: Vec<f64> = values.collect();
    if v.is_empty() {
        return MeanSd {
            mean: None,
            sd: None,
        };
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let sd = (v.iter().map(|s| (s - m) * (s - m)).sum::<f64>() / v.len() as f64).sqrt();
    MeanSd {
        mean: Some(m),
        sd: Some(sd),
    }
}
