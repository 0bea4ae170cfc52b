//! `eegi evaluate --compare`: several pipelines cross-validated on one fold list (the one
//! cross-validation, [`TrainingSet::cross_validate_on`]), side by side, with a Wilcoxon
//! signed-rank test of each against the best across folds; and the inner selection of
//! `train --auto` ([`select`]), nested in an outer cross-validation for an honest score.

use crate::pipeline::{LabelledRecording, PipelineSpec, TrainingSet};
use crate::validation::metrics::{accuracy, balanced_accuracy, predicted};
use crate::validation::wilcoxon::{wilcoxon, WilcoxonMethod};
use crate::{Error, Result};
use serde::Serialize;

/// One pipeline to compare: its name, its options in words, its settings (or why the options
/// cannot make any).
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Preset or user name.
    pub name: String,
    /// Its feature and classifier options, as given.
    pub options: String,
    /// The whole pipeline (shared settings + its options), or why it cannot be built.
    pub spec: std::result::Result<PipelineSpec, String>,
}

/// How the shared folds are made.
#[derive(Debug, Clone, Copy)]
pub enum Folds<'a> {
    /// Stratified K-fold in time order, overlapping training windows purged (as `--cv K`).
    KFold(usize),
    /// Leave one group of recordings out: `of_recording[r]` is the group of recording `r`.
    Groups {
        /// Group names, in group order.
        names: &'a [String],
        /// Group of each recording.
        of_recording: &'a [usize],
        /// Whether the groups are single recordings (the paired test is then across recordings).
        by_recording: bool,
    },
}

/// One fold of the shared list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareFold {
    /// Fold name (`fold 1`, or the recording/group left out).
    pub name: String,
    /// Training windows (after purging overlaps with the test windows).
    pub n_train: usize,
    /// Test windows.
    pub n_test: usize,
}

/// A paired test of a pipeline against the best one across folds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedTest {
    /// The pipeline compared with (the best).
    pub against: String,
    /// Folds where both have a balanced accuracy.
    pub n_pairs: usize,
    /// Mean over those folds of (best − this), balanced accuracy.
    pub mean_difference: f64,
    /// Wilcoxon's statistic min(R+, R−) (scipy's).
    pub statistic: f64,
    /// Two-sided p-value (scipy.stats.wilcoxon's defaults).
    pub p_value: f64,
    /// How the p-value was computed.
    pub method: WilcoxonMethod,
}

/// One pipeline's scores on the shared folds, or why it was skipped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PipelineResult {
    /// Preset or user name.
    pub name: String,
    /// Its feature and classifier options.
    pub options: String,
    /// Why it did not run (null when it ran).
    pub skipped: Option<String>,
    /// Mean of the fold balanced accuracies (as scikit-learn's `cross_val_score(...).mean()`).
    pub mean_fold_balanced_accuracy: Option<f64>,
    /// Population SD of the fold balanced accuracies.
    pub sd_fold_balanced_accuracy: Option<f64>,
    /// Lowest fold balanced accuracy.
    pub min_fold_balanced_accuracy: Option<f64>,
    /// Highest fold balanced accuracy.
    pub max_fold_balanced_accuracy: Option<f64>,
    /// Balanced accuracy of the pooled out-of-fold predictions (what `eegi evaluate` reports).
    pub balanced_accuracy: Option<f64>,
    /// Fraction of windows predicted right (pooled).
    pub accuracy: Option<f64>,
    /// Balanced accuracy of each fold, in the order of the shared `folds`.
    pub fold_balanced_accuracy: Vec<Option<f64>>,
    /// Wall time of its features and cross-validation, s.
    pub seconds: f64,
    /// Its Wilcoxon test against the best pipeline (null for the best and skipped ones).
    pub versus_best: Option<PairedTest>,
}

/// Everything a comparison found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareReport {
    /// eegi version that made the report.
    pub eegi_version: String,
    /// How the shared folds were made, in words.
    pub protocol: String,
    /// What the paired tests pair: `folds`, `recordings` or `groups`.
    pub paired_by: String,
    /// Class names.
    pub classes: Vec<String>,
    /// Windows evaluated (the same for every pipeline).
    pub n_windows: usize,
    /// Recordings evaluated.
    pub n_recordings: usize,
    /// 1 / number of classes.
    pub chance_balanced_accuracy: f64,
    /// The one fold list every pipeline ran on.
    pub folds: Vec<CompareFold>,
    /// The test fold of each window (index into `folds`), shared by every pipeline.
    pub fold_of_window: Vec<usize>,
    /// Each pipeline, in the order asked.
    pub pipelines: Vec<PipelineResult>,
    /// The pipeline with the highest mean fold balanced accuracy (the first on a tie).
    pub best: Option<String>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// The shared settings (window, pre-processing, labels, folds, inputs).
    pub settings: serde_json::Value,
}

/// The shared fold list, fixed by the first pipeline that builds.
struct Shared {
    set_windows: Vec<crate::windows::Window>,
    y: Vec<usize>,
    classes: Vec<String>,
    test_fold: Vec<usize>,
    names: Vec<String>,
    purge: bool,
    folds: Option<Vec<CompareFold>>,
}

impl Shared {
    /// The fold list for the windows of `set`.
    fn new(set: &TrainingSet, folds: Folds) -> Result<Shared> {
        let (test_fold, names, purge) = match folds {
            Folds::KFold(k) => (
                set.kfold(k)?,
                (1..=k).map(|f| format!("fold {f}")).collect(),
                true,
            ),
            Folds::Groups {
                names,
                of_recording,
                ..
            } => {
                if names.len() < 2 {
                    return Err(Error::input(format!(
                        "leave-one-out by recording needs at least two recordings (groups), found {}; use --cv K",
                        names.len()
                    )));
                }
                let f = set
                    .windows
                    .iter()
                    .map(|w| of_recording[w.recording])
                    .collect();
                (f, names.to_vec(), false)
            }
        };
        Ok(Shared {
            set_windows: set.windows.clone(),
            y: set.y.clone(),
            classes: set.classes.clone(),
            test_fold,
            names,
            purge,
            folds: None,
        })
    }
}

/// Population SD.
fn sd(v: &[f64]) -> f64 {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|s| (s - m) * (s - m)).sum::<f64>() / v.len() as f64).sqrt()
}

/// A skipped pipeline's row.
fn skipped(c: &Candidate, why: String, seconds: f64) -> PipelineResult {
    PipelineResult {
        name: c.name.clone(),
        options: c.options.clone(),
        skipped: Some(why),
        mean_fold_balanced_accuracy: None,
        sd_fold_balanced_accuracy: None,
        min_fold_balanced_accuracy: None,
        max_fold_balanced_accuracy: None,
        balanced_accuracy: None,
        accuracy: None,
        fold_balanced_accuracy: Vec::new(),
        seconds,
        versus_best: None,
    }
}

/// Runs one candidate on the shared folds (fixing them if it is the first to build).
fn run_one(
    c: &Candidate,
    inputs: &[LabelledRecording],
    folds: Folds,
    shared: &mut Option<Shared>,
) -> std::result::Result<PipelineResult, String> {
    let clock = std::time::Instant::now();
    let spec = c.spec.clone()?;
    let set = spec.training_set(inputs).map_err(|e| e.message)?;
    if shared.is_none() {
        *shared = Some(Shared::new(&set, folds).map_err(|e| e.message)?);
    }
    let sh = shared.as_mut().expect("set above");
    if set.windows != sh.set_windows || set.y != sh.y || set.classes != sh.classes {
        return Err(format!(
            "its windows differ from those of the other pipelines ({} windows, expected {}); pipelines are compared on identical windows only",
            set.windows.len(),
            sh.set_windows.len()
        ));
    }
    let n = sh.names.len();
    let names = sh.names.clone();
    let name = move |f: usize| format!("{}: {}", c.name, names[f]);
    let oof = set
        .cross_validate_on(&spec.classifier, &sh.test_fold, n, sh.purge, &name)
        .map_err(|e| e.message)?;
    let rows: Vec<CompareFold> = oof
        .folds
        .iter()
        .enumerate()
        .map(|(f, o)| CompareFold {
            name: sh.names[f].clone(),
            n_train: o.n_train,
            n_test: o.test.len(),
        })
        .collect();
    // identical folds: every pipeline tests and trains on the same windows
    match &sh.folds {
        None => sh.folds = Some(rows),
        Some(first) if *first != rows => {
            return Err(Error::runtime(format!(
                "{}: its folds differ from the first pipeline's (internal error)",
                c.name
            ))
            .message)
        }
        Some(_) => {}
    }
    let k = set.classes.len();
    let y_pred = predicted(oof.proba.view());
    let fold_ba: Vec<Option<f64>> = oof
        .folds
        .iter()
        .map(|o| {
            let t: Vec<usize> = o.test.iter().map(|&i| set.y[i]).collect();
            let p: Vec<usize> = o.test.iter().map(|&i| y_pred[i]).collect();
            let ba = balanced_accuracy(&t, &p, k);
            (!ba.is_nan()).then_some(ba)
        })
        .collect();
    let defined: Vec<f64> = fold_ba.iter().flatten().copied().collect();
    let some = |v: f64| (!defined.is_empty()).then_some(v);
    Ok(PipelineResult {
        name: c.name.clone(),
        options: c.options.clone(),
        skipped: None,
        mean_fold_balanced_accuracy: some(defined.iter().sum::<f64>() / defined.len() as f64),
        sd_fold_balanced_accuracy: (!defined.is_empty()).then(|| sd(&defined)),
        min_fold_balanced_accuracy: some(defined.iter().copied().fold(f64::INFINITY, f64::min)),
        max_fold_balanced_accuracy: some(defined.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        balanced_accuracy: Some(balanced_accuracy(&set.y, &y_pred, k)),
        accuracy: Some(accuracy(&set.y, &y_pred)),
        fold_balanced_accuracy: fold_ba,
        seconds: clock.elapsed().as_secs_f64(),
        versus_best: None,
    })
}

/// The best pipeline (highest mean fold balanced accuracy, the first on a tie) and the Wilcoxon
/// test of every other one against it, paired by fold.
fn paired_tests(rows: &mut [PipelineResult]) -> Option<String> {
    let mut best: Option<(usize, f64)> = None;
    for (i, r) in rows.iter().enumerate() {
        if let Some(m) = r.mean_fold_balanced_accuracy {
            if best.is_none_or(|(_, b)| m > b) {
                best = Some((i, m));
            }
        }
    }
    let (b, _) = best?;
    let best_folds = rows[b].fold_balanced_accuracy.clone();
    let best_name = rows[b].name.clone();
    for (i, r) in rows.iter_mut().enumerate() {
        if i == b || r.skipped.is_some() {
            continue;
        }
        let (x, y): (Vec<f64>, Vec<f64>) = best_folds
            .iter()
            .zip(&r.fold_balanced_accuracy)
            .filter_map(|(a, o)| Some(((*a)?, (*o)?)))
            .unzip();
        r.versus_best = wilcoxon(&x, &y).map(|w| PairedTest {
            against: best_name.clone(),
            n_pairs: x.len(),
            mean_difference: x.iter().zip(&y).map(|(a, o)| a - o).sum::<f64>() / x.len() as f64,
            statistic: w.statistic,
            p_value: w.p_value,
            method: w.method,
        });
    }
    Some(best_name)
}

/// Runs every candidate on one shared fold list and compares them; `settings` is stored as
/// given; `progress` is called with each pipeline's name before it runs. An error only when no
/// pipeline could run (with each one's reason).
pub fn compare(
    candidates: &[Candidate],
    inputs: &[LabelledRecording],
    recordings: usize,
    folds: Folds,
    settings: serde_json::Value,
    progress: &dyn Fn(&str),
) -> Result<CompareReport> {
    let mut shared: Option<Shared> = None;
    let mut rows = Vec::new();
    for c in candidates {
        progress(&c.name);
        let clock = std::time::Instant::now();
        rows.push(match run_one(c, inputs, folds, &mut shared) {
            Ok(r) => r,
            Err(why) => skipped(c, why, clock.elapsed().as_secs_f64()),
        });
    }
    let Some(sh) = shared.filter(|s| s.folds.is_some()) else {
        let why: Vec<String> = rows
            .iter()
            .map(|r| format!("{}: {}", r.name, r.skipped.as_deref().unwrap_or("?")))
            .collect();
        return Err(Error::input(format!(
            "no pipeline could run on these recordings ({})",
            why.join("; ")
        )));
    };
    let best = paired_tests(&mut rows);
    let (protocol, paired_by) = match folds {
        Folds::KFold(k) => (
            format!("stratified {k}-fold cross-validation in time order (scikit-learn StratifiedKFold, shuffle=False), training windows that share samples with a test window removed; one fold list for every pipeline"),
            "folds",
        ),
        Folds::Groups { names, by_recording, .. } => (
            format!("leave-one-group-out cross-validation over {} groups of recordings; one fold list for every pipeline", names.len()),
            if by_recording { "recordings" } else { "groups" },
        ),
    };
    let warnings = rows
        .iter()
        .filter_map(|r| {
            r.skipped
                .as_ref()
                .map(|w| format!("{} skipped: {w}", r.name))
        })
        .collect();
    Ok(CompareReport {
        eegi_version: env!("CARGO_PKG_VERSION").to_string(),
        protocol,
        paired_by: paired_by.to_string(),
        chance_balanced_accuracy: 1.0 / sh.classes.len() as f64,
        classes: sh.classes,
        n_windows: sh.y.len(),
        n_recordings: recordings,
        folds: sh.folds.unwrap_or_default(),
        fold_of_window: sh.test_fold,
        pipelines: rows,
        best,
        warnings,
        settings,
    })
}
