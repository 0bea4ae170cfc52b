//! The whole pipeline: settings validated once ([`PipelineSpec`]), then fitted into a
//! [`FittedPipeline`] — the model file that `train` writes and `classify` reads.

use crate::features::{extract_with_baseline, FeatureSpec, Features};
use crate::model::Scaler;
pub use crate::model::{non_finite_row, Classifier, ClassifierSpec};
use crate::preprocess::Preprocessing;
use crate::recording::Event;
use crate::validation::balanced_accuracy;
use crate::validation::crossval::Refit;
use crate::windows::{DropCounts, Window, WindowSpec};
use crate::{Error, Recording, Result};
use ndarray::Axis;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Version of the model file layout; bumped whenever a field changes meaning.
/// 2 added `checksum` and `training.warnings`; 3 added `decision` (a binary model's threshold),
/// fitted `xdawn` features and the logistic fit's `iterations`; 4 made
/// `training.cross_validation` the one cross-validation `eegi evaluate --cv K` runs (pooled
/// out-of-fold balanced accuracy over StratifiedGroupKFold; no `purged_training_windows`).
/// Version-1 to -3 files are migrated on load (no decision = the most probable class).
pub const FORMAT_VERSION: u32 = 4;

/// Oldest model file layout this eegi still reads (by migrating it).
pub const OLDEST_FORMAT_VERSION: u32 = 1;

/// Everything needed to turn labelled recordings into a model, validated by [`PipelineSpec::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineSpec {
    /// How windows are cut.
    pub window: WindowSpec,
    /// Reference, filters, baseline and epoch rejection.
    pub preprocessing: Preprocessing,
    /// Feature extractors, in column order.
    pub features: Vec<FeatureSpec>,
    /// Labels to keep (all when `None`).
    pub labels: Option<Vec<String>>,
    /// Classifier settings.
    pub classifier: ClassifierSpec,
}

/// A recording with its events, ready to be windowed.
#[derive(Debug, Clone)]
pub struct LabelledRecording {
    /// The EEG.
    pub recording: Recording,
    /// Its events (labelled segments or trials).
    pub events: Vec<Event>,
    /// The events file they came from.
    pub events_path: std::path::PathBuf,
}

/// Labelled windows with their features, ready to fit or cross-validate.
#[derive(Debug, Clone)]
pub struct TrainingSet {
    /// Channel names in model order.
    pub channels: Vec<String>,
    /// Sample rate shared by all recordings, Hz.
    pub sample_rate_hz: f64,
    /// Window length in samples.
    pub window_len: usize,
    /// The windows, in recording then time order.
    pub windows: Vec<Window>,
    /// Their features.
    pub features: Features,
    /// Class index of each window into `classes`.
    pub y: Vec<usize>,
    /// Class names, sorted.
    pub classes: Vec<String>,
    /// Windows and events not used, and why.
    pub dropped: DropCounts,
    /// The feature extractors with supervised ones (xDAWN) fitted on every window; the model
    /// stores these.
    pub specs: Vec<FeatureSpec>,
    /// Columns of each extractor in `features`, in `specs` order.
    pub blocks: Vec<std::ops::Range<usize>>,
    /// Pre-processed, baseline-corrected epochs (windows × samples × model channels), kept only
    /// when an extractor must be refitted per cross-validation fold.
    pub epochs: Option<ndarray::Array3<f64>>,
    /// The extractors as given (supervised ones unfitted).
    pub unfitted: Vec<FeatureSpec>,
    /// The file of each recording (indexed by [`Window::recording`]), for errors.
    pub sources: Vec<std::path::PathBuf>,
}

impl TrainingSet {
    /// The feature matrix (every window) with supervised extractors (xDAWN) fitted on the
    /// windows `train` only, with class labels `y` (one per window; e.g. permuted); `None` when
    /// no extractor is supervised (the set's matrix then serves every fold).
    pub fn refit_features(
        &self,
        train: &[usize],
        y: &[usize],
    ) -> Result<Option<ndarray::Array2<f64>>> {
        let Some(epochs) = &self.epochs else {
            return Ok(None);
        };
        let mut blocks = Vec::with_capacity(self.unfitted.len());
        for (spec, range) in self.unfitted.iter().zip(&self.blocks) {
            match spec {
                FeatureSpec::Xdawn(x) if x.fitted.is_none() => {
                    let fitted =
                        FeatureSpec::Xdawn(x.fit(epochs.view(), train, y, &self.classes)?);
                    blocks.push(transform_epochs(&fitted, self, epochs)?);
                }
                _ => blocks.push(
                    self.features
                        .matrix
                        .slice(ndarray::s![.., range.clone()])
                        .to_owned(),
                ),
            }
        }
        let views: Vec<_> = blocks.iter().map(|b| b.view()).collect();
        Ok(Some(
            ndarray::concatenate(Axis(1), &views).expect("same number of rows"),
        ))
    }
}

/// How eegi's K-fold cross-validation makes its folds (stored in the model's summary and the
/// evaluation report).
pub const KFOLD_METHOD: &str = "stratified k-fold in time order (scikit-learn StratifiedKFold, shuffle=False); training windows that share samples with a test window removed; balanced accuracy of the pooled out-of-fold predictions";

impl TrainingSet {
    /// The test fold of each window for K folds: scikit-learn's `StratifiedKFold`
    /// (shuffle=False), so each fold holds contiguous stretches of each class in time order.
    pub fn kfold(&self, k: usize) -> Result<Vec<usize>> {
        crate::validation::stratified_kfold(&self.y, k)
    }

    /// What each fold purges from its training windows: those sharing samples with one of its
    /// test windows ([`crate::validation::purge_overlaps`]).
    pub fn purge(&self) -> crate::validation::crossval::Purge<'_> {
        crate::validation::crossval::Purge {
            windows: &self.windows,
            window_len: self.window_len,
        }
    }

    /// The one K-fold cross-validation of eegi (`train --cv K`, `train --threshold auto`,
    /// `eegi evaluate --cv K`): the folds of [`TrainingSet::kfold`] with overlapping training
    /// windows purged ([`TrainingSet::purge`]), the scaler, the classifier
    /// and supervised extractors (xDAWN) refitted on each training fold, out-of-fold class
    /// probabilities for every window. Returns the test fold of each window and the result.
    pub fn cross_validate(
        &self,
        classifier: &ClassifierSpec,
        k: usize,
        fold_name: &(dyn Fn(usize) -> String + Sync),
    ) -> Result<(Vec<usize>, crate::validation::crossval::OutOfFold)> {
        let test_fold = self.kfold(k)?;
        let refit = |train: &[usize], y: &[usize]| -> Result<ndarray::Array2<f64>> {
            Ok(self
                .refit_features(train, y)?
                .expect("supervised extractors"))
        };
        let oof = crate::validation::crossval::out_of_fold(
            self.features.matrix.view(),
            &self.y,
            self.classes.len(),
            &test_fold,
            k,
            classifier,
            true,
            fold_name,
            self.epochs.is_some().then_some(&refit as &Refit),
            Some(self.purge()),
        )?;
        Ok((test_fold, oof))
    }
}

/// Features of every stored epoch under one (fitted) extractor; a feature that is not finite
/// or absurdly large is an error naming its window ([`crate::features::bad_feature`]).
fn transform_epochs(
    spec: &FeatureSpec,
    set: &TrainingSet,
    epochs: &ndarray::Array3<f64>,
) -> Result<ndarray::Array2<f64>> {
    let mut e = spec.build_for(set.sample_rate_hz, set.window_len, &set.channels)?;
    let n_ch = set.channels.len();
    let width = e.n_columns(n_ch);
    let identity: Vec<usize> = (0..n_ch).collect();
    let mut out = ndarray::Array2::<f64>::zeros((epochs.dim().0, width));
    for (i, mut row) in out.rows_mut().into_iter().enumerate() {
        let row = row.as_slice_mut().expect("contiguous");
        let epoch = epochs.index_axis(Axis(0), i);
        e.transform(epoch, &identity, row);
        if let Some(j) = crate::features::bad_feature(row) {
            let w = &set.windows[i];
            let names = e.column_names(&set.channels);
            return Err(crate::features::feature_error(
                &crate::features::BadFeature {
                    source: &set.sources[w.recording],
                    sample_rate_hz: set.sample_rate_hz,
                    start: w.start,
                    window_len: set.window_len,
                    name: &names[j],
                    value: row[j],
                },
                epoch,
                &identity,
                &set.channels,
            ));
        }
    }
    Ok(out)
}

/// Cross-validated balanced accuracy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CvSummary {
    /// Number of folds K.
    pub folds: usize,
    /// How folds were made.
    pub method: String,
    /// Balanced accuracy of the pooled out-of-fold predictions (format 4; the mean over folds
    /// in formats 1-3): the number `eegi evaluate --cv K` reports for the same data.
    pub balanced_accuracy: f64,
    /// Standard deviation of the fold scores (population).
    pub balanced_accuracy_sd: f64,
    /// Balanced accuracy of each fold.
    pub fold_balanced_accuracy: Vec<f64>,
    /// Formats 1-3 only: training windows left out of each fold because they overlapped a test
    /// window in time (format 4 keeps overlapping windows on one side instead).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purged_training_windows: Vec<usize>,
}

/// One input file and its SHA-256, so a model names exactly what it was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputFile {
    /// Path as given.
    pub path: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
}

/// What a model was trained on and how well it cross-validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSummary {
    /// Recording and events files, with hashes.
    pub inputs: Vec<InputFile>,
    /// Labels kept (all when absent).
    pub labels: Option<Vec<String>>,
    /// Windows per class.
    pub counts: BTreeMap<String, usize>,
    /// Windows and events not used, and why.
    pub dropped: DropCounts,
    /// Cross-validation result (absent with `--cv 0`).
    pub cross_validation: Option<CvSummary>,
    /// Input sanity warnings about the training recordings (format 2; empty for migrated files).
    #[serde(default)]
    pub warnings: Vec<crate::io::Warning>,
}

/// The fitted pipeline: every setting needed to reproduce the features, the scaler and the
/// classifier. Serialised as the versioned JSON model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FittedPipeline {
    /// Model file layout version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// eegi version that wrote the file.
    pub eegi_version: String,
    /// Channel names in the order features use them.
    pub channels: Vec<String>,
    /// Sample rate the model expects, Hz.
    pub sample_rate_hz: f64,
    /// How windows are cut.
    pub window: WindowSpec,
    /// Window length in samples at `sample_rate_hz`.
    pub window_samples: usize,
    /// Reference, filters, baseline and rejection (absent = none).
    #[serde(default, skip_serializing_if = "Preprocessing::is_identity")]
    pub preprocessing: Preprocessing,
    /// Feature extractors, in column order.
    pub features: Vec<FeatureSpec>,
    /// Name of each feature column.
    pub feature_names: Vec<String>,
    /// Class names; probabilities are given in this order.
    pub classes: Vec<String>,
    /// Standardisation fitted on the training windows.
    pub scaler: Scaler,
    /// The classifier.
    pub classifier: Classifier,
    /// Decision rule of a binary model (format 3): a threshold on the positive class's
    /// probability. Absent = the most probable class (threshold 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// What the model was trained on.
    pub training: TrainingSummary,
    /// SHA-256 (hex) of the canonical JSON of every other field ([`FittedPipeline::content_hash`]);
    /// a file whose content does not match it is refused.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub checksum: String,
}

/// How a binary model turns probabilities into a label: the positive class when its
/// probability is at least `threshold`, otherwise the other class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The class the threshold applies to (e.g. `robot_error`).
    pub positive_class: String,
    /// Threshold on the positive class's probability, in [0, 1].
    pub threshold: f64,
    /// How it was chosen: `fixed` (given) or `auto` (out-of-fold on the training data).
    pub method: String,
    /// Cost of missing a positive relative to a false alarm that `auto` minimised
    /// (1 = balanced accuracy).
    pub error_cost: f64,
    /// `auto`: number of folds of the out-of-fold probabilities it was chosen on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folds: Option<usize>,
    /// `auto`: out-of-fold balanced accuracy at `threshold`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oof_balanced_accuracy: Option<f64>,
    /// `auto`: out-of-fold balanced accuracy at 0.5 (the most probable class), for comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oof_balanced_accuracy_at_half: Option<f64>,
}

/// What `train --threshold` asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdSpec {
    /// A given threshold, or `None` for `auto`.
    pub value: Option<f64>,
    /// The positive class (default: the minority training class).
    pub positive_class: Option<String>,
    /// Cost of a missed positive relative to a false alarm (`auto` only; 1 = balanced accuracy).
    pub error_cost: f64,
    /// Folds of the out-of-fold probabilities `auto` uses.
    pub folds: usize,
}

/// One classified window.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Window start, s from the first sample.
    pub start_s: f64,
    /// Window end, s.
    pub end_s: f64,
    /// Index of the most probable class.
    pub class: usize,
    /// Probability of each class, in the model's class order.
    pub probabilities: Vec<f64>,
}

impl PipelineSpec {
    /// Validates the settings that do not depend on the data.
    pub fn check(&self) -> Result<()> {
        self.window.check()?;
        self.classifier.check()?;
        self.preprocessing.check(&self.window)?;
        if self.features.is_empty() {
            return Err(Error::input("no feature extractors, expected at least one"));
        }
        if !self.window.is_event_locked()
            && self
                .features
                .iter()
                .any(|f| matches!(f, FeatureSpec::Xdawn(_)))
        {
            return Err(Error::input(
                "--features xdawn: xDAWN averages time-locked epochs, expected --epoch START:END (one window per event)",
            ));
        }
        Ok(())
    }

    /// Cuts labelled windows from the recordings and computes their features.
    pub fn training_set(&self, inputs: &[LabelledRecording]) -> Result<TrainingSet> {
        self.check()?;
        let first = &inputs
            .first()
            .ok_or_else(|| Error::input("no recordings given"))?
            .recording;
        let fs = first.sample_rate_hz;
        let channels = first.channel_names.clone();
        self.window.check_rate(fs)?;
        let window_len = self.window.length_samples(fs);
        for f in &self.features {
            f.check(fs, window_len, &channels)?;
        }
        self.preprocessing.filters(fs)?;
        let baseline = self.preprocessing.baseline_range(&self.window, fs);
        let mut prepared = Vec::with_capacity(inputs.len());
        let mut columns = Vec::with_capacity(inputs.len());
        let mut windows = Vec::new();
        let mut dropped = DropCounts::default();
        for (r, input) in inputs.iter().enumerate() {
            let rec = &input.recording;
            if rec.sample_rate_hz != fs {
                return Err(Error::input(format!(
                    "{}: sample rate {} Hz, but {} has {fs} Hz; recordings of one model must share a rate",
                    rec.source.display(),
                    rec.sample_rate_hz,
                    first.source.display()
                )));
            }
            let (rec, cols) = self.preprocessing.apply(
                rec,
                channel_columns(rec, &channels, "the first recording has")?,
            )?;
            let (mut w, mut d) = self.window.labelled(
                r,
                rec.n_samples(),
                fs,
                &input.events,
                self.labels.as_deref(),
            );
            self.window
                .check_labelled(&input.events_path, &input.events, &w, window_len)?;
            if w.is_empty() && d.off_recording > 0 {
                return Err(Error::input(format!(
                    "{}: all {} windows run off the recording ({:.3} s long), expected windows inside it; check --epoch and the onsets in {}",
                    rec.source.display(),
                    d.off_recording,
                    rec.duration_s(),
                    input.events_path.display()
                )));
            }
            if self.preprocessing.reject_uv.is_some() {
                let before = w.len();
                w.retain(|win| {
                    !self
                        .preprocessing
                        .rejects(&rec, win, window_len, &cols, baseline)
                });
                d.rejected_amplitude += before - w.len();
            }
            windows.extend(w);
            dropped.add(&d);
            columns.push(cols);
            prepared.push(rec);
        }
        let mut classes: Vec<String> = windows.iter().filter_map(|w| w.label.clone()).collect();
        classes.sort();
        classes.dedup();
        if let Some(keep) = &self.labels {
            let missing: Vec<&String> = keep.iter().filter(|l| !classes.contains(l)).collect();
            if !missing.is_empty() {
                return Err(Error::input(format!(
                    "--labels: no windows labelled {} in the events (found labels: {})",
                    join(&missing),
                    join(&all_labels(inputs))
                )));
            }
        }
        if classes.len() < 2 {
            return Err(Error::input(format!(
                "training needs windows of at least two labels, found {} ({} windows; dropped: {})",
                if classes.is_empty() {
                    "none".to_string()
                } else {
                    join(&classes)
                },
                windows.len(),
                describe_dropped(&dropped)
            )));
        }
        let y = windows
            .iter()
            .map(|w| {
                classes
                    .binary_search(w.label.as_ref().expect("labelled"))
                    .expect("class list holds every label")
            })
            .collect();
        let recs: Vec<&Recording> = prepared.iter().map(|r| r.as_ref()).collect();
        // extractors that need no fitting run over the recordings; supervised ones (xDAWN)
        // are fitted on the stored epochs of every window
        let fixed: Vec<FeatureSpec> = self
            .features
            .iter()
            .filter(|f| !f.needs_fit())
            .cloned()
            .collect();
        let fixed_features = extract_with_baseline(
            &fixed, fs, window_len, &recs, &columns, &channels, &windows, baseline,
        )?;
        let supervised = self.features.iter().any(|f| f.needs_fit());
        let mut set = TrainingSet {
            channels,
            sample_rate_hz: fs,
            window_len,
            epochs: supervised
                .then(|| crate::features::epochs(window_len, &recs, &columns, &windows, baseline)),
            windows,
            features: fixed_features,
            y,
            classes,
            dropped,
            specs: Vec::new(),
            blocks: Vec::new(),
            unfitted: self.features.clone(),
            sources: inputs.iter().map(|i| i.recording.source.clone()).collect(),
        };
        // column blocks in the order of the extractors as given
        let n_ch = set.channels.len();
        let mut fixed_cols = 0;
        let mut blocks_fixed = Vec::new();
        for f in &fixed {
            let w = f.build_for(fs, window_len, &set.channels)?.n_columns(n_ch);
            blocks_fixed.push(fixed_cols..fixed_cols + w);
            fixed_cols += w;
        }
        let all: Vec<usize> = (0..set.y.len()).collect();
        let mut parts = Vec::new();
        let mut names = Vec::new();
        let mut fixed_iter = blocks_fixed.into_iter();
        let mut start = 0;
        for f in &self.features {
            let (spec, block) = match f {
                FeatureSpec::Xdawn(x) if x.fitted.is_none() => {
                    let epochs = set.epochs.as_ref().expect("kept for supervised extractors");
                    let fitted =
                        FeatureSpec::Xdawn(x.fit(epochs.view(), &all, &set.y, &set.classes)?);
                    let block = transform_epochs(&fitted, &set, epochs)?;
                    (fitted, block)
                }
                _ => {
                    let r = fixed_iter.next().expect("one block per fixed extractor");
                    (
                        f.clone(),
                        set.features.matrix.slice(ndarray::s![.., r]).to_owned(),
                    )
                }
            };
            let e = spec.build_for(fs, window_len, &set.channels)?;
            names.extend(e.column_names(&set.channels));
            set.blocks.push(start..start + block.ncols());
            start += block.ncols();
            set.specs.push(spec);
            parts.push(block);
        }
        let views: Vec<_> = parts.iter().map(|b| b.view()).collect();
        set.features = Features {
            matrix: ndarray::concatenate(Axis(1), &views)
                .expect("same number of rows")
                .as_standard_layout()
                .to_owned(),
            names,
        };
        Ok(set)
    }

    /// The K-fold cross-validation of `train --cv K`: [`TrainingSet::cross_validate`] (the
    /// one eegi runs everywhere), summarised as `eegi evaluate --cv K` reports it: balanced
    /// accuracy of the pooled out-of-fold predictions, and each fold's.
    pub fn cross_validate(&self, set: &TrainingSet, k: usize) -> Result<CvSummary> {
        let name = |f: usize| format!("fold {} of {k}", f + 1);
        let (test_fold, oof) = set.cross_validate(&self.classifier, k, &name)?;
        let n_classes = set.classes.len();
        let y_pred = crate::validation::metrics::predicted(oof.proba.view());
        let scores: Vec<f64> = (0..k)
            .map(|fold| {
                let (t, p): (Vec<usize>, Vec<usize>) = (0..set.y.len())
                    .filter(|&i| test_fold[i] == fold)
                    .map(|i| (set.y[i], y_pred[i]))
                    .unzip();
                balanced_accuracy(&t, &p, n_classes)
            })
            .collect();
        let mean = scores.iter().sum::<f64>() / k as f64;
        let sd = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / k as f64).sqrt();
        Ok(CvSummary {
            folds: k,
            method: KFOLD_METHOD.into(),
            balanced_accuracy: balanced_accuracy(&set.y, &y_pred, n_classes),
            balanced_accuracy_sd: sd,
            fold_balanced_accuracy: scores,
            purged_training_windows: Vec::new(),
        })
    }

    /// The decision rule `train --threshold` asks for, for a model fitted on `set`. `auto`
    /// chooses the threshold on out-of-fold probabilities of the training windows: scikit-learn's
    /// `StratifiedGroupKFold(shuffle=False)` over groups of windows that overlap in time or share
    /// an event (as `eegi evaluate --cv K`), the whole pipeline refitted per fold.
    pub fn fit_decision(&self, set: &TrainingSet, t: &ThresholdSpec) -> Result<Decision> {
        if set.classes.len() != 2 {
            return Err(Error::input(format!(
                "--threshold: the model has {} classes ({}), expected 2; a threshold on one class's probability only decides between two classes (drop --threshold, or pass --labels with two labels)",
                set.classes.len(),
                join(&set.classes)
            )));
        }
        if !(t.error_cost.is_finite() && t.error_cost > 0.0) {
            return Err(Error::input(format!(
                "--error-cost {}: expected a positive ratio (1 = balanced accuracy)",
                t.error_cost
            )));
        }
        let mut counts = [0usize; 2];
        for &c in &set.y {
            counts[c] += 1;
        }
        let pos = match &t.positive_class {
            Some(name) => set.classes.iter().position(|c| c == name).ok_or_else(|| {
                Error::input(format!(
                    "--positive-class {name}: not a class of the training data, expected one of {}",
                    join(&set.classes)
                ))
            })?,
            // the minority class; on a tie the second in sorted order
            None => usize::from(counts[1] <= counts[0]),
        };
        let positive_class = set.classes[pos].clone();
        let Some(k) = t.value.is_none().then_some(t.folds) else {
            let v = t.value.expect("fixed");
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::input(format!(
                    "--threshold {v}: expected auto or a probability from 0 to 1"
                )));
            }
            return Ok(Decision {
                positive_class,
                threshold: v,
                method: "fixed".into(),
                error_cost: 1.0,
                folds: None,
                oof_balanced_accuracy: None,
                oof_balanced_accuracy_at_half: None,
            });
        };
        let name = |f: usize| format!("--threshold auto: fold {} of {k}", f + 1);
        let (_, oof) = set.cross_validate(&self.classifier, k, &name)?;
        let p: Vec<f64> = oof.proba.column(pos).to_vec();
        let positive: Vec<bool> = set.y.iter().map(|&c| c == pos).collect();
        let threshold = best_threshold(&p, &positive, t.error_cost);
        let ba = |th: f64| {
            let pred: Vec<usize> = p
                .iter()
                .map(|&v| if v >= th { pos } else { 1 - pos })
                .collect();
            balanced_accuracy(&set.y, &pred, 2)
        };
        Ok(Decision {
            positive_class,
            threshold,
            method: "auto".into(),
            error_cost: t.error_cost,
            folds: Some(k),
            oof_balanced_accuracy: Some(ba(threshold)),
            oof_balanced_accuracy_at_half: Some(ba(0.5)),
        })
    }

    /// Fits scaler and classifier on the given rows of the training set.
    fn fit_rows(
        &self,
        x: &ndarray::Array2<f64>,
        y: &[usize],
        n_classes: usize,
        rows: &[usize],
    ) -> Result<(Scaler, Classifier)> {
        let x = x.select(Axis(0), rows);
        let y: Vec<usize> = rows.iter().map(|&i| y[i]).collect();
        let scaler = Scaler::fit(x.view());
        let xs = scaler.transform(x.view());
        let model = self.classifier.fit(xs.view(), &y, n_classes)?;
        Ok((scaler, model))
    }

    /// Fits the whole pipeline on every window of the training set.
    pub fn fit(
        &self,
        set: &TrainingSet,
        inputs: Vec<InputFile>,
        cv: Option<CvSummary>,
    ) -> Result<FittedPipeline> {
        let all: Vec<usize> = (0..set.y.len()).collect();
        let (scaler, model) =
            self.fit_rows(&set.features.matrix, &set.y, set.classes.len(), &all)?;
        let mut counts = BTreeMap::new();
        for &c in &set.y {
            *counts.entry(set.classes[c].clone()).or_insert(0) += 1;
        }
        Ok(FittedPipeline {
            format_version: FORMAT_VERSION,
            eegi_version: env!("CARGO_PKG_VERSION").to_string(),
            channels: set.channels.clone(),
            sample_rate_hz: set.sample_rate_hz,
            window: self.window.clone(),
            window_samples: set.window_len,
            preprocessing: self.preprocessing.clone(),
            features: set.specs.clone(),
            feature_names: set.features.names.clone(),
            classes: set.classes.clone(),
            scaler,
            classifier: model,
            training: TrainingSummary {
                inputs,
                labels: self.labels.clone(),
                counts,
                dropped: set.dropped.clone(),
                cross_validation: cv,
                warnings: Vec::new(),
            },
            decision: None,
            checksum: String::new(),
        })
    }
}

impl FittedPipeline {
    /// Reads, checks and if needed migrates a model file, within
    /// [`MAX_MODEL_BYTES`](crate::limits::MAX_MODEL_BYTES); also returns notes for stderr
    /// (e.g. that an older format was migrated).
    pub fn load(path: &Path) -> Result<(FittedPipeline, Vec<String>)> {
        let bytes = crate::io::read_bytes(path, &crate::io::ReadLimits::MODEL)?;
        Self::from_bytes(path, &bytes)
    }

    /// Parses a model file's bytes (UTF-8 JSON) like [`FittedPipeline::load`]; the entry point
    /// the fuzz tests drive.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<(FittedPipeline, Vec<String>)> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Error::at(
                path,
                line as u64,
                None,
                "text that is not UTF-8",
                "an eegi model file (JSON)",
            )
        })?;
        Self::from_json_with_notes(path, text)
    }

    /// Parses and checks a model file's JSON text; `path` names it in errors.
    pub fn from_json(path: &Path, text: &str) -> Result<FittedPipeline> {
        Self::from_json_with_notes(path, text).map(|(m, _)| m)
    }

    /// Parses a model file's JSON text, migrating an older format; also returns notes for
    /// stderr. Format 2 files must carry a matching `checksum`. The text is parsed straight into
    /// the typed model (no generic JSON tree), so memory stays near the size of the numbers.
    pub fn from_json_with_notes(path: &Path, text: &str) -> Result<(FittedPipeline, Vec<String>)> {
        use serde::de::IgnoredAny;
        /// The version alone, read before the rest.
        #[derive(Deserialize)]
        struct Version {
            format_version: Option<serde_json::Value>,
        }
        serde_json::from_str::<BTreeMap<String, IgnoredAny>>(text).map_err(|e| {
            if e.is_data() {
                Error::file(
                    path,
                    "JSON that is not an object, expected an eegi model file",
                )
            } else {
                json_error(path, &e)
            }
        })?;
        let reads = format!("format_version {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION}");
        let version = serde_json::from_str::<Version>(text)
            .map_err(|e| json_error(path, &e))?
            .format_version;
        let version = match version {
            None => {
                return Err(Error::file(
                    path,
                    format!("no format_version field, expected an eegi model file ({reads})"),
                ))
            }
            Some(v) => v.as_u64().ok_or_else(|| {
                Error::file(
                    path,
                    format!("format_version {v}, expected a whole number ({reads})"),
                )
            })?,
        };
        if !(OLDEST_FORMAT_VERSION as u64..=FORMAT_VERSION as u64).contains(&version) {
            return Err(Error::file(
                path,
                format!(
                    "model format_version {version}, but this eegi {} reads {reads}{}",
                    env!("CARGO_PKG_VERSION"),
                    if version > FORMAT_VERSION as u64 {
                        "; use a newer eegi"
                    } else {
                        ""
                    }
                ),
            ));
        }
        let mut model: FittedPipeline =
            serde_json::from_str(text).map_err(|e| json_error(path, &e))?;
        let mut notes = Vec::new();
        if version >= 2 {
            // format 2 is format 3 without `decision`, xdawn or `iterations` (absent, so its
            // checksum still verifies)
            if model.checksum.is_empty() {
                return Err(Error::file(
                    path,
                    format!("format_version {version} model without a checksum field, expected one (was the file edited by hand?)"),
                ));
            }
            let actual = model.content_hash();
            if model.checksum != actual {
                return Err(Error::file(
                    path,
                    format!("checksum {} does not match the content (SHA-256 {actual}), expected the file as eegi wrote it; it was edited or corrupted — retrain or restore it", model.checksum),
                ));
            }
        } else {
            // format 1 is format 2 without `checksum` and `training.warnings`: both default
            if !model.checksum.is_empty() {
                return Err(Error::file(
                    path,
                    "format_version 1 model with a checksum field, expected none in format 1",
                ));
            }
            notes.push(format!(
                "note: {}: model format_version 1 migrated to format_version {FORMAT_VERSION} in memory (no checksum to verify); rewrite it with `eegi train` to get one",
                path.display()
            ));
        }
        // formats 1 and 2 have no decision threshold (the most probable class) and no xdawn
        if version < 3 {
            if model.decision.is_some() {
                return Err(Error::file(
                    path,
                    format!("format_version {version} model with a decision field, expected none before format 3"),
                ));
            }
            if model
                .features
                .iter()
                .any(|f| !matches!(f, FeatureSpec::BandPower(_) | FeatureSpec::Erp(_)))
            {
                return Err(Error::file(
                    path,
                    format!("format_version {version} model with xdawn features, expected band power or erp before format 3"),
                ));
            }
        }
        model.check(path).map_err(|e| as_model_field(path, e))?;
        model.format_version = FORMAT_VERSION;
        model.checksum = model.content_hash();
        Ok((model, notes))
    }

    /// SHA-256 (hex) of the model's canonical JSON: compact, fields in format order, without the
    /// `checksum` field, floats in shortest round-trip form. Streamed into the hash.
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut unsigned = self.clone();
        unsigned.checksum = String::new();
        let mut hasher = Sha256::new();
        serde_json::to_writer(&mut hasher, &unsigned).expect("model serialises");
        format!("{:x}", hasher.finalize())
    }

    /// Checks that the parts of a loaded model fit together.
    fn check(&self, path: &Path) -> Result<()> {
        let bad = |what: String| Err(Error::file(path, format!("inconsistent model: {what}")));
        let n_features = self.feature_names.len();
        let n_classes = self.classifier.n_classes();
        if self.classes.len() < 2 || n_classes != self.classes.len() {
            return bad(format!(
                "{} classes listed, classifier has {}",
                self.classes.len(),
                n_classes
            ));
        }
        let rows = if n_classes == 2 { 1 } else { n_classes };
        let (coefficients, intercepts) = self.classifier.weights();
        if coefficients.len() != rows || intercepts.len() != rows {
            return bad(format!("expected {rows} coefficient rows and intercepts"));
        }
        if coefficients.iter().any(|r| r.len() != n_features)
            || self.scaler.mean.len() != n_features
            || self.scaler.scale.len() != n_features
        {
            return bad(format!(
                "coefficient or scaler lengths differ from the {n_features} feature names"
            ));
        }
        if !(self.sample_rate_hz.is_finite()
            && self.sample_rate_hz > 0.0
            && self.sample_rate_hz <= crate::limits::MAX_SAMPLE_RATE_HZ)
        {
            return bad(format!(
                "sample_rate_hz {}, expected a positive rate of at most {} Hz",
                self.sample_rate_hz,
                crate::limits::MAX_SAMPLE_RATE_HZ
            ));
        }
        if self.channels.is_empty() || self.channels.len() > crate::limits::MAX_COLUMNS {
            return bad(format!(
                "{} channels, expected 1 to {}",
                self.channels.len(),
                crate::limits::MAX_COLUMNS
            ));
        }
        self.validate(path)?;
        if self.window_samples > crate::limits::MAX_WINDOW_SAMPLES {
            return bad(format!(
                "window_samples {}, expected at most {}",
                self.window_samples,
                crate::limits::MAX_WINDOW_SAMPLES
            ));
        }
        self.window.check()?;
        self.window.check_rate(self.sample_rate_hz)?;
        if self.window.length_samples(self.sample_rate_hz) != self.window_samples {
            return bad("window_samples differs from window × sample rate".into());
        }
        self.preprocessing.check(&self.window)?;
        self.preprocessing.filters(self.sample_rate_hz)?;
        if let Some(d) = &self.decision {
            if n_classes != 2 {
                return bad(format!(
                    "a decision threshold on a {n_classes}-class model, expected a binary model"
                ));
            }
            if !self.classes.contains(&d.positive_class) {
                return bad(format!(
                    "decision positive_class '{}' is not one of the classes ({})",
                    d.positive_class,
                    join(&self.classes)
                ));
            }
            if !(0.0..=1.0).contains(&d.threshold)
                || !d.error_cost.is_finite()
                || d.error_cost <= 0.0
            {
                return bad(format!(
                    "decision threshold {} (expected 0 to 1) or error_cost {} (expected > 0)",
                    d.threshold, d.error_cost
                ));
            }
        }
        let mut expected = 0;
        for f in &self.features {
            let e = f.build_for(self.sample_rate_hz, self.window_samples, &self.channels)?;
            expected += e.n_columns(self.channels.len());
        }
        if expected != n_features {
            return bad(format!(
                "features produce {expected} columns, {n_features} names listed"
            ));
        }
        Ok(())
    }

    /// Checks what a loaded model's values mean, field by field (its shapes are checked by
    /// `check`): every number finite and in its range (scaler scales positive, band edges and
    /// rates positive, shrinkage and accuracies in [0, 1]), names non-empty and distinct
    /// (channels, classes, feature columns, bands), names that refer to others known (ERP
    /// channels, xDAWN classes). A checksum only proves the file is as written, not that what
    /// was written makes sense. Errors name the JSON field: `m.json: scaler.scale[3]: 0,
    /// expected a positive number`.
    fn validate(&self, path: &Path) -> Result<()> {
        let names = |field: &str, names: &[String], what: &str| -> Result<()> {
            let mut seen: std::collections::HashMap<&str, usize> =
                std::collections::HashMap::with_capacity(names.len());
            for (i, n) in names.iter().enumerate() {
                if n.is_empty() {
                    return Err(field_error(
                        path,
                        &format!("{field}[{i}]"),
                        "an empty name",
                        &format!("a {what} name"),
                    ));
                }
                if let Some(first) = seen.insert(n, i) {
                    return Err(field_error(
                        path,
                        &format!("{field}[{i}]"),
                        &format!("'{n}' again (as {field}[{first}])"),
                        &format!("distinct {what} names"),
                    ));
                }
            }
            Ok(())
        };
        let numbers =
            |field: &str, values: &[f64], ok: fn(f64) -> bool, expected: &str| match values
                .iter()
                .position(|&v| !ok(v))
            {
                Some(i) => Err(field_error(
                    path,
                    &format!("{field}[{i}]"),
                    &crate::features::show(values[i]),
                    expected,
                )),
                None => Ok(()),
            };
        // every item is one of `universe` (e.g. an ERP channel among the model's channels)
        let known = |field: &str, items: &[String], universe: &[String], what: &str| match items
            .iter()
            .enumerate()
            .find(|(_, c)| !universe.contains(c))
        {
            Some((k, c)) => Err(field_error(
                path,
                &format!("{field}[{k}]"),
                &format!("'{c}'"),
                what,
            )),
            None => Ok(()),
        };
        let number = |field: &str, v: f64, ok: fn(f64) -> bool, expected: &str| {
            if ok(v) {
                Ok(())
            } else {
                Err(field_error(
                    path,
                    field,
                    &crate::features::show(v),
                    expected,
                ))
            }
        };
        fn finite(v: f64) -> bool {
            v.is_finite()
        }
        fn positive(v: f64) -> bool {
            v.is_finite() && v > 0.0
        }
        fn non_negative(v: f64) -> bool {
            v.is_finite() && v >= 0.0
        }
        fn fraction(v: f64) -> bool {
            (0.0..=1.0).contains(&v)
        }
        const FINITE: &str = "a finite number";
        names("channels", &self.channels, "channel")?;
        names("classes", &self.classes, "class")?;
        names("feature_names", &self.feature_names, "feature")?;
        numbers("scaler.mean", &self.scaler.mean, finite, FINITE)?;
        numbers(
            "scaler.scale",
            &self.scaler.scale,
            positive,
            "a positive number",
        )?;
        let (coefficients, intercepts) = self.classifier.weights();
        for (r, row) in coefficients.iter().enumerate() {
            numbers(
                &format!("classifier.model.coefficients[{r}]"),
                row,
                finite,
                FINITE,
            )?;
        }
        numbers("classifier.model.intercepts", intercepts, finite, FINITE)?;
        match &self.classifier {
            Classifier::LogisticRegression { settings, model } => {
                number(
                    "classifier.settings.alpha",
                    settings.alpha,
                    positive,
                    "a positive L2 penalty",
                )?;
                if settings.max_iterations == 0 {
                    return Err(field_error(
                        path,
                        "classifier.settings.max_iterations",
                        "0",
                        "at least 1",
                    ));
                }
                number(
                    "classifier.model.fit.objective",
                    model.fit.objective,
                    non_negative,
                    "a non-negative number",
                )?;
                number(
                    "classifier.model.fit.gradient_max_per_window",
                    model.fit.gradient_max_per_window,
                    non_negative,
                    "a non-negative number",
                )?;
            }
            Classifier::Lda { model, .. } => {
                if model.shrinkage.len() != model.n_classes {
                    return Err(field_error(
                        path,
                        "classifier.model.shrinkage",
                        &format!("{} values", model.shrinkage.len()),
                        &format!("one per class ({})", model.n_classes),
                    ));
                }
                numbers(
                    "classifier.model.shrinkage",
                    &model.shrinkage,
                    fraction,
                    "a coefficient from 0 to 1",
                )?;
            }
        }
        for (i, f) in self.features.iter().enumerate() {
            match f {
                FeatureSpec::BandPower(b) => {
                    number(
                        &format!("features[{i}].welch_segment_s"),
                        b.welch_segment_s,
                        positive,
                        "a positive length in s",
                    )?;
                    let band_names: Vec<String> = b.bands.iter().map(|b| b.name.clone()).collect();
                    names(&format!("features[{i}].bands"), &band_names, "band")?;
                    for (k, band) in b.bands.iter().enumerate() {
                        number(
                            &format!("features[{i}].bands[{k}].low_hz"),
                            band.low_hz,
                            non_negative,
                            "a frequency of at least 0 Hz",
                        )?;
                        if !(band.high_hz.is_finite() && band.high_hz > band.low_hz) {
                            return Err(field_error(
                                path,
                                &format!("features[{i}].bands[{k}].high_hz"),
                                &crate::features::show(band.high_hz),
                                &format!("a frequency above low_hz ({} Hz)", band.low_hz),
                            ));
                        }
                    }
                }
                FeatureSpec::Erp(e) => {
                    number(
                        &format!("features[{i}].rate_hz"),
                        e.rate_hz,
                        positive,
                        "a positive rate in Hz",
                    )?;
                    if let Some(channels) = &e.channels {
                        let at = format!("features[{i}].channels");
                        names(&at, channels, "channel")?;
                        known(&at, channels, &self.channels, "one of the model's channels")?;
                    }
                }
                FeatureSpec::Xdawn(x) => {
                    number(
                        &format!("features[{i}].rate_hz"),
                        x.rate_hz,
                        positive,
                        "a positive rate in Hz",
                    )?;
                    if let Some(fitted) = &x.fitted {
                        let at = format!("features[{i}].fitted");
                        let per_class = x.n_filters.min(self.channels.len());
                        if fitted.per_class != per_class {
                            return Err(field_error(
                                path,
                                &format!("{at}.per_class"),
                                &fitted.per_class.to_string(),
                                &format!("{per_class} (n_filters, at most the number of channels)"),
                            ));
                        }
                        let classes = format!("{at}.classes");
                        names(&classes, &fitted.classes, "class")?;
                        known(
                            &classes,
                            &fitted.classes,
                            &self.classes,
                            "one of the model's classes",
                        )?;
                        for (r, row) in fitted.filters.iter().enumerate() {
                            numbers(&format!("{at}.filters[{r}]"), row, finite, FINITE)?;
                        }
                        numbers(
                            &format!("{at}.eigenvalues"),
                            &fitted.eigenvalues,
                            finite,
                            FINITE,
                        )?;
                    }
                }
            }
        }
        if let Some(d) = &self.decision {
            if d.method != "fixed" && d.method != "auto" {
                return Err(field_error(
                    path,
                    "decision.method",
                    &format!("'{}'", d.method),
                    "fixed or auto",
                ));
            }
            if let Some(k) = d.folds {
                if k < 2 {
                    return Err(field_error(
                        path,
                        "decision.folds",
                        &k.to_string(),
                        "at least 2",
                    ));
                }
            }
            for (field, v) in [
                ("decision.oof_balanced_accuracy", d.oof_balanced_accuracy),
                (
                    "decision.oof_balanced_accuracy_at_half",
                    d.oof_balanced_accuracy_at_half,
                ),
            ] {
                if let Some(v) = v {
                    number(field, v, fraction, "a balanced accuracy from 0 to 1")?;
                }
            }
        }
        Ok(())
    }

    /// The model file's JSON text (pretty-printed, deterministic), with its checksum filled in.
    pub fn to_json(&self) -> String {
        let mut model = self.clone();
        model.checksum = self.content_hash();
        let mut s = serde_json::to_string_pretty(&model).expect("model serialises");
        s.push('\n');
        s
    }

    /// Refuses a recording (named `source`) whose sample rate differs from the model's.
    pub fn check_rate(&self, source: &Path, sample_rate_hz: f64) -> Result<()> {
        if sample_rate_hz != self.sample_rate_hz {
            return Err(Error::input(format!(
                "{}: sample rate {} Hz, but the model was trained at {} Hz; resample the recording or train a model at {} Hz",
                source.display(),
                sample_rate_hz,
                self.sample_rate_hz,
                sample_rate_hz
            )));
        }
        Ok(())
    }

    /// The predicted class for a row of class probabilities: the positive class when its
    /// probability reaches the model's threshold, otherwise the most probable class.
    pub fn decide(&self, probabilities: &[f64]) -> usize {
        match &self.decision {
            Some(d) => {
                let pos = self
                    .classes
                    .iter()
                    .position(|c| *c == d.positive_class)
                    .expect("checked on load");
                if probabilities[pos] >= d.threshold {
                    pos
                } else {
                    1 - pos
                }
            }
            None => argmax(probabilities),
        }
    }

    /// Classifies windows of a recording: one per event when the model is event-locked and
    /// events are given, otherwise sliding windows over the whole recording.
    pub fn classify(&self, rec: &Recording, events: Option<&[Event]>) -> Result<Vec<Prediction>> {
        let columns = channel_columns(rec, &self.channels, "the model needs")?;
        self.check_rate(&rec.source, rec.sample_rate_hz)?;
        let fs = self.sample_rate_hz;
        let windows: Vec<Window> = match (events, self.window.is_event_locked()) {
            (Some(ev), true) => {
                let (w, d) = self.window.labelled(0, rec.n_samples(), fs, ev, None);
                if d.off_recording > 0 {
                    return Err(Error::input(format!(
                        "{}: {} of {} events have an epoch that runs off the recording ({:.3} s long)",
                        rec.source.display(),
                        d.off_recording,
                        ev.len(),
                        rec.duration_s()
                    )));
                }
                w
            }
            (None, true) => {
                return Err(Error::input(format!(
                    "{}: the model is event-locked (one window per event) and the recording has no events file; pass --events",
                    rec.source.display()
                )))
            }
            _ => self.window.continuous(0, rec.n_samples(), fs),
        };
        let (rec, columns) = self.preprocessing.apply(rec, columns)?;
        let features = extract_with_baseline(
            &self.features,
            fs,
            self.window_samples,
            &[rec.as_ref()],
            &[columns],
            &self.channels,
            &windows,
            self.preprocessing.baseline_range(&self.window, fs),
        )?;
        let x = self.scaler.transform(features.matrix.view());
        let p = self.classifier.predict_proba(x.view());
        windows
            .iter()
            .zip(p.rows())
            .map(|(w, row)| {
                let probabilities = row.to_vec();
                let start_s = w.start as f64 / fs;
                let end_s = (w.start + self.window_samples) as f64 / fs;
                self.check_probabilities(&rec.source, start_s, end_s, &probabilities)?;
                Ok(Prediction {
                    start_s,
                    end_s,
                    class: self.decide(&probabilities),
                    probabilities,
                })
            })
            .collect()
    }

    /// Refuses a window's class probabilities unless every one is finite. A NaN comes from a
    /// linear score that overflowed (absurd coefficients or scales in the model, or features
    /// far outside its training range) and must never be printed as a label.
    pub fn check_probabilities(
        &self,
        source: &Path,
        start_s: f64,
        end_s: f64,
        probabilities: &[f64],
    ) -> Result<()> {
        if probabilities.iter().all(|p| p.is_finite()) {
            return Ok(());
        }
        let (coefficients, intercepts) = self.classifier.weights();
        let largest = coefficients
            .iter()
            .flatten()
            .chain(intercepts)
            .fold(0.0f64, |m, v| m.max(v.abs()));
        let smallest = self
            .scaler
            .scale
            .iter()
            .fold(f64::INFINITY, |m, v| m.min(*v));
        Err(Error::file(
            source,
            format!(
                "window {}-{} s: class probabilities {}, expected finite probabilities; the model's scores overflow (largest coefficient or intercept {} in size, smallest scaler.scale {}): the model is not one eegi trains, or the window's features are far outside its training range",
                round6(start_s),
                round6(end_s),
                probabilities
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::features::show(largest),
                crate::features::show(smallest)
            ),
        ))
    }
}

/// For each wanted channel, its column in the recording; a missing channel is an error naming it.
/// Options whose checks also validate a model's settings, with the model field that holds the
/// same value: an error about a value read from a model names the field, not the option.
const OPTION_FIELDS: [(&str, &str); 13] = [
    ("--epoch ", "window.start_s:end_s "),
    ("--window ", "window.window_s "),
    ("--step ", "window.step_s "),
    ("--baseline ", "preprocessing.baseline "),
    ("--reject-uv ", "preprocessing.reject_uv "),
    ("--bandpass ", "preprocessing.bandpass "),
    ("--notch ", "preprocessing.notch "),
    ("--welch-overlap ", "band_power.welch_overlap "),
    ("--welch-segment ", "band_power.welch_segment_s "),
    ("--erp-rate ", "erp.rate_hz "),
    ("--erp-channels", "erp.channels"),
    ("--alpha ", "classifier.settings.alpha "),
    ("band ", "band_power.bands: band "),
];

/// An error from checking a loaded model's settings, re-worded to name the model file and the
/// field that holds the bad value (`m.json: window.step_s 0: …`) instead of the option a user
/// would have typed (`--step 0: …`); a hint to pass an option is dropped. Errors that already
/// name the file are returned as they are.
fn as_model_field(path: &Path, e: Error) -> Error {
    let shown = path.display().to_string();
    if e.message.starts_with(&format!("{shown}:")) {
        return e;
    }
    let mut message = e.message;
    if let Some((option, field)) = OPTION_FIELDS.iter().find(|(o, _)| message.starts_with(o)) {
        message = format!("{field}{}", &message[option.len()..]);
    }
    if let Some(i) = message.find("; pass --") {
        message.truncate(i);
    }
    Error {
        kind: e.kind,
        message: format!("{shown}: {message}"),
    }
}

fn channel_columns(rec: &Recording, wanted: &[String], who: &str) -> Result<Vec<usize>> {
    let mut missing = Vec::new();
    let cols: Vec<usize> = wanted
        .iter()
        .filter_map(|c| {
            let i = rec.channel_index(c);
            if i.is_none() {
                missing.push(c.as_str());
            }
            i
        })
        .collect();
    if missing.is_empty() {
        Ok(cols)
    } else {
        Err(Error::input(format!(
            "{}: missing channel{} {}{} that {who}",
            rec.source.display(),
            if missing.len() > 1 { "s" } else { "" },
            join(&missing[..missing.len().min(8)]),
            if missing.len() > 8 {
                format!(" and {} more", missing.len() - 8)
            } else {
                String::new()
            }
        )))
    }
}

/// The threshold on the positive class's probability `p` (predict positive when `p ≥ t`) that
/// minimises `error_cost · FNR + FPR` — with cost 1, maximises balanced accuracy. Candidates are
/// 0.5 and the midpoints between consecutive distinct values of `p` (so the threshold sits
/// between the scores it separates); among equally good ones the closest to 0.5 wins.
pub fn best_threshold(p: &[f64], positive: &[bool], error_cost: f64) -> f64 {
    let n_pos = positive.iter().filter(|&&b| b).count() as f64;
    let n_neg = positive.len() as f64 - n_pos;
    let cost = |fn_: f64, fp: f64| {
        error_cost * if n_pos > 0.0 { fn_ / n_pos } else { 0.0 }
            + if n_neg > 0.0 { fp / n_neg } else { 0.0 }
    };
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    // at 0.5
    let (fn_half, fp_half) = p.iter().zip(positive).fold((0.0, 0.0), |(f, q), (&v, &b)| {
        if v >= 0.5 {
            (f, q + f64::from(u8::from(!b)))
        } else {
            (f + f64::from(u8::from(b)), q)
        }
    });
    let mut best: (f64, f64) = (cost(fn_half, fp_half), 0.5);
    // sweep upwards: below the first value every window is predicted positive
    let (mut fn_, mut fp) = (0.0, n_neg);
    let mut i = 0;
    while i < order.len() {
        let v = p[order[i]];
        while i < order.len() && p[order[i]] == v {
            if positive[order[i]] {
                fn_ += 1.0;
            } else {
                fp -= 1.0;
            }
            i += 1;
        }
        if i == order.len() {
            break;
        }
        let t = 0.5 * (v + p[order[i]]);
        let c = cost(fn_, fp);
        if c < best.0 - 1e-12 || (c <= best.0 + 1e-12 && (t - 0.5).abs() < (best.1 - 0.5).abs()) {
            best = (c, t);
        }
    }
    best.1
}

/// `x` rounded to 6 decimals (µs for times in s), for messages.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Index of the largest value (the first on ties).
pub fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

/// Every label found in the inputs' events, sorted.
fn all_labels(inputs: &[LabelledRecording]) -> Vec<String> {
    let mut l: Vec<String> = inputs
        .iter()
        .flat_map(|i| i.events.iter().map(|e| e.label.clone()))
        .collect();
    l.sort();
    l.dedup();
    l
}

/// A short human description of dropped windows.
pub fn describe_dropped(d: &DropCounts) -> String {
    format!(
        "{} windows off the recording, {} segments shorter than a window, {} events without duration, {} events with other labels",
        d.off_recording, d.segments_shorter_than_window, d.events_without_duration, d.events_with_other_labels
    ) + &if d.rejected_amplitude > 0 {
        format!(", {} epochs rejected for amplitude (--reject-uv)", d.rejected_amplitude)
    } else {
        String::new()
    }
}

/// Joins names with ", ".
fn join<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| s.as_ref())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A model file field refused by validation: `file: field: found, expected what`.
fn field_error(path: &Path, field: &str, found: &str, expected: &str) -> Error {
    Error::file(path, format!("{field}: {found}, expected {expected}"))
}

/// A JSON error as `file:line:column: …`. An unknown field (refused: the checksum would not
/// cover it) is named without serde's list of every expected field.
fn json_error(path: &Path, e: &serde_json::Error) -> Error {
    let text = format!("{e}");
    let found = text.split(" at line").next().unwrap_or("");
    if found.starts_with("number out of range") {
        return Error::at(
            path,
            e.line() as u64,
            Some(e.column()),
            "a number out of range",
            "a finite number (at most about 1.8e308 in size)",
        );
    }
    if found.starts_with("unknown field") {
        // serde quotes with backticks; the error line is also shown inside Markdown code
        let found = found
            .split(", expected")
            .next()
            .unwrap_or(found)
            .replace('`', "'");
        return Error::at(
            path,
            e.line() as u64,
            Some(e.column()),
            found,
            format!("only the fields of an eegi model file (format_version {FORMAT_VERSION}); unknown fields are refused, as the checksum does not cover them"),
        );
    }
    Error::at(
        path,
        e.line() as u64,
        Some(e.column()),
        found,
        "an eegi model file (JSON)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{ErpSpec, XdawnFilters, XdawnSpec};
    use crate::model::{LdaModel, LdaSpec};

    /// The shipped default model with `edit` applied, re-signed and loaded again: the error
    /// (or `None` when it loads).
    fn load_edited(edit: impl FnOnce(&mut FittedPipeline)) -> Option<Error> {
        let path = Path::new("m.json");
        let mut m = FittedPipeline::from_json(path, crate::cli::DEFAULT_MODEL).unwrap();
        edit(&mut m);
        // a value JSON cannot hold (NaN, infinity) is written as null and refused by the
        // parser; the checks behind it refuse it too (a model built in memory)
        let checked = m.check(path).err();
        let loaded = FittedPipeline::from_json(path, &m.to_json()).err();
        match &loaded {
            Some(e) if e.message.contains("invalid type: null, expected f64") => checked,
            _ => {
                assert_eq!(loaded, checked);
                loaded
            }
        }
    }

    fn refused(edit: impl FnOnce(&mut FittedPipeline), message: &str) {
        let e = load_edited(edit).expect("refused");
        assert_eq!(e.kind, crate::ErrorKind::Input);
        assert_eq!(e.message, format!("m.json: {message}"));
    }

    #[test]
    fn the_shipped_model_is_valid() {
        assert!(load_edited(|_| {}).is_none());
    }

    #[test]
    fn validation_names_the_field_of_each_absurd_value() {
        refused(
            |m| m.scaler.mean[5] = f64::NAN,
            "scaler.mean[5]: NaN, expected a finite number",
        );
        refused(
            |m| m.scaler.scale[7] = f64::INFINITY,
            "scaler.scale[7]: inf, expected a positive number",
        );
        refused(
            |m| m.feature_names[3] = m.feature_names[0].clone(),
            "feature_names[3]: 'FC5_delta' again (as feature_names[0]), expected distinct feature names",
        );
        refused(
            |m| m.channels[2] = String::new(),
            "channels[2]: an empty name, expected a channel name",
        );
        refused(
            |m| {
                if let Classifier::LogisticRegression { model, .. } = &mut m.classifier {
                    model.intercepts[0] = f64::NEG_INFINITY;
                }
            },
            "classifier.model.intercepts[0]: -inf, expected a finite number",
        );
        refused(
            |m| {
                if let Classifier::LogisticRegression { settings, .. } = &mut m.classifier {
                    settings.alpha = 0.0;
                }
            },
            "classifier.settings.alpha: 0, expected a positive L2 penalty",
        );
        refused(
            |m| {
                if let FeatureSpec::BandPower(b) = &mut m.features[0] {
                    b.bands[0].low_hz = -1.0;
                }
            },
            "features[0].bands[0].low_hz: -1, expected a frequency of at least 0 Hz",
        );
        refused(
            |m| {
                if let FeatureSpec::BandPower(b) = &mut m.features[0] {
                    b.bands[2].name = "delta".into();
                }
            },
            "features[0].bands[2]: 'delta' again (as features[0].bands[0]), expected distinct band names",
        );
        refused(
            |m| {
                m.features.push(FeatureSpec::Erp(ErpSpec {
                    rate_hz: 20.0,
                    channels: Some(vec!["Cz".into(), "Xx".into()]),
                }))
            },
            "features[1].channels[1]: 'Xx', expected one of the model's channels",
        );
        refused(
            |m| {
                m.features.push(FeatureSpec::Xdawn(XdawnSpec {
                    n_filters: 1,
                    rate_hz: 10.0,
                    fitted: Some(XdawnFilters {
                        classes: vec!["eyes_open".into(), "eyes_shut".into()],
                        per_class: 1,
                        filters: vec![vec![1.0; 64]; 2],
                        eigenvalues: vec![0.5, 0.25],
                    }),
                }))
            },
            "features[1].fitted.classes[1]: 'eyes_shut', expected one of the model's classes",
        );
        refused(
            |m| {
                m.features.push(FeatureSpec::Xdawn(XdawnSpec {
                    n_filters: 1,
                    rate_hz: 10.0,
                    fitted: Some(XdawnFilters {
                        classes: vec!["eyes_open".into()],
                        per_class: usize::MAX,
                        filters: vec![vec![1.0; 64]],
                        eigenvalues: vec![0.5],
                    }),
                }))
            },
            "features[1].fitted.per_class: 18446744073709551615, expected 1 (n_filters, at most the number of channels)",
        );
        refused(
            |m| {
                let (coefficients, intercepts) = m.classifier.weights();
                m.classifier = Classifier::Lda {
                    settings: LdaSpec::default(),
                    model: LdaModel {
                        n_classes: 2,
                        coefficients: coefficients.to_vec(),
                        intercepts: intercepts.to_vec(),
                        shrinkage: vec![0.5, 1.5],
                    },
                };
            },
            "classifier.model.shrinkage[1]: 1.5, expected a coefficient from 0 to 1",
        );
        refused(
            |m| {
                m.decision = Some(Decision {
                    positive_class: "eyes_open".into(),
                    threshold: 0.3,
                    method: "guess".into(),
                    error_cost: 1.0,
                    folds: None,
                    oof_balanced_accuracy: None,
                    oof_balanced_accuracy_at_half: None,
                })
            },
            "decision.method: 'guess', expected fixed or auto",
        );
    }

    #[test]
    fn unknown_fields_are_refused_at_every_level() {
        let text = crate::cli::DEFAULT_MODEL;
        for (anchor, field) in [
            ("{\n", "top"),
            ("\"scaler\": {\n", "in_scaler"),
            ("\"settings\": {\n", "in_settings"),
            ("\"bands\": [\n", "in_band"),
        ] {
            let insert = if field == "in_band" {
                format!("{anchor}{{\"{field}\": 1, ")
            } else {
                format!("{anchor}\"{field}\": 1,\n")
            };
            let edited = if field == "in_band" {
                // the first band object: `{` right after `"bands": [`
                let at = text.find(anchor).unwrap() + anchor.len();
                let brace = at + text[at..].find('{').unwrap();
                format!("{}{{\"{field}\": 1, {}", &text[..brace], &text[brace + 1..])
            } else {
                text.replacen(anchor, &insert, 1)
            };
            let e = FittedPipeline::from_json(Path::new("m.json"), &edited).unwrap_err();
            assert!(
                e.message.contains(&format!("unknown field '{field}'")),
                "{field}: {e}"
            );
        }
    }
}
