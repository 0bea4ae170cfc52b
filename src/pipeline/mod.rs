//! The whole pipeline: settings validated once ([`PipelineSpec`]), then fitted into a
//! [`FittedPipeline`] — the model file that `train` writes and `classify` reads. One file per
//! job: `windowed` (the one windowing path of `train` and `features`), `training` (labelled
//! recordings → [`TrainingSet`], the one cross-validation), `fit`
//! (the model, `train --cv`, the decision threshold), `model_file` (load, migrate, checksum,
//! validate) and `classify` (a recording's predictions).

mod averages;
mod classify;
mod fit;
mod model_fields;
mod model_file;
mod reading;
mod selection;
mod training;
mod windowed;

pub use averages::ClassAverages;
pub use fit::best_threshold;
pub use reading::Reading;
pub use selection::{NestedScore, Selection, SelectionCandidate};
pub use training::{TrainingSet, KFOLD_METHOD};
pub use windowed::{WindowInput, Windowed, Windowing};

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
/// out-of-fold balanced accuracy over StratifiedGroupKFold; no `purged_training_windows`); 5
/// added the optional `event_map` (marker codes to labels, `train --event-map`); 6 added the
/// optional `preprocessing.resample_hz` (`train --resample`); 7 added the optional `selection`
/// (`train --auto`'s choice of pipeline, its inner scores and nested score); 8 added the optional
/// `reading` (`train --board`, `--segments-from-markers`, applied again by classify). A model is written in the oldest
/// format that holds it ([`format_for`]): 6 only with `resample_hz`, so a model trained without
/// it is byte-identical to what format-5 eegi wrote, and an older eegi refuses a resampling
/// model by its version instead of misreading it.
/// Version-1 to -4 files are migrated on load (no decision = the most probable class; no
/// event map = event labels as they are).
pub const FORMAT_VERSION: u32 = 8;

/// The `format_version` a model with this pre-processing is written in: 6 when it resamples
/// (`preprocessing.resample_hz`), else 5.
pub fn format_for(preprocessing: &Preprocessing) -> u32 {
    if preprocessing.resample_hz.is_some() {
        6
    } else {
        5
    }
}

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
    /// Marker codes to labels (format 5, `train --event-map 1=ok,2=robot_error`): applied
    /// wherever `classify` reads events, so only events whose code is in it are decided.
    /// Absent = event labels are used as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_map: Option<crate::io::EventMap>,
    /// How the training recordings were read (format 8: `--board`, `--segments-from-markers`);
    /// `classify`, `evaluate -m` and `features -m` read theirs the same way. Absent = neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<Reading>,
    /// What the model was trained on.
    pub training: TrainingSummary,
    /// How `train --auto` chose this pipeline among the presets (format 7). Absent = the
    /// pipeline the options gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
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

/// For each wanted channel, its column in the recording; a missing channel is an error naming it.
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
            "{}: missing channel{} {}{} that {who}{}",
            rec.source.display(),
            if missing.len() > 1 { "s" } else { "" },
            join(&missing[..missing.len().min(8)]),
            if missing.len() > 8 {
                format!(" and {} more", missing.len() - 8)
            } else {
                String::new()
            },
            crate::recording::case_hint(&missing, &rec.channel_names)
        )))
    }
}
