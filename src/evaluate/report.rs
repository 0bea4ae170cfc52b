//! The report's data: one [`Report`] struct, filled by [`run`](super::run::run) and rendered
//! by [`crate::report`] as JSON, Markdown, HTML or a terminal table.

use crate::features::FeatureSpec;
use crate::pipeline::InputFile;
use crate::windows::{DropCounts, WindowSpec};
use serde::Serialize;

/// Everything an evaluation found, and everything needed to reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// eegi version that made the report.
    pub eegi_version: String,
    /// How predictions were obtained, in words.
    pub protocol: String,
    /// Class names; every per-class array follows this order.
    pub classes: Vec<String>,
    /// Windows evaluated.
    pub n_windows: usize,
    /// Recordings evaluated.
    pub n_recordings: usize,
    /// Fraction of windows predicted right.
    pub accuracy: f64,
    /// Mean recall over classes (pooled over all out-of-fold predictions).
    pub balanced_accuracy: f64,
    /// Macro F1.
    pub macro_f1: f64,
    /// Cohen's kappa (null when undefined).
    pub kappa: Option<f64>,
    /// ROC AUC: binary, or one-vs-rest macro (null when undefined).
    pub roc_auc: Option<f64>,
    /// Log loss, nats per window (probabilities clipped to [ε, 1-ε]).
    pub log_loss: f64,
    /// Counts, rows = true class, columns = predicted class, in `classes` order.
    pub confusion_matrix: Vec<Vec<usize>>,
    /// Each row divided by its total (the recall of each prediction); a row without windows is 0.
    pub confusion_matrix_normalised: Vec<Vec<f64>>,
    /// Precision, recall, F1 and support per class.
    pub per_class: Vec<ClassRow>,
    /// Balanced accuracy of guessing: 1 / number of classes.
    pub chance_balanced_accuracy: f64,
    /// Label permutations run (0: no test); fewer than asked when the sequential stop ended
    /// the test (`--permutation-stop`).
    pub permutations: usize,
    /// Label permutations asked for (`--permutations`).
    pub permutations_requested: usize,
    /// What was permuted.
    pub permutation_scheme: String,
    /// How many distinct labellings the permutation scheme can produce (labels shuffled within
    /// each recording): p cannot fall below about 1/this, however many permutations run.
    pub distinct_labellings: f64,
    /// (1 + #permuted ≥ observed) / (1 + N), or Besag & Clifford's h / L when the sequential
    /// stop ended the test after L permutations; null without permutations.
    pub permutation_p_value: Option<f64>,
    /// The observed score the permuted ones are compared with: `balanced_accuracy`, or for a
    /// logistic regression the same cross-validation refitted as the permuted fits are
    /// (stopped at scikit-learn's default tolerance, `tol=1e-4`); null without permutations.
    pub permutation_observed_balanced_accuracy: Option<f64>,
    /// Balanced accuracy under each permutation (the empirical chance distribution).
    pub permutation_balanced_accuracy: Vec<f64>,
    /// Mean of the permuted scores: the empirical chance level (null without permutations).
    pub empirical_chance_balanced_accuracy: Option<f64>,
    /// One row per fold.
    pub folds: Vec<FoldRow>,
    /// Mean and sd (population) of the fold balanced accuracies.
    pub fold_balanced_accuracy: MeanSd,
    /// One row per recording.
    pub per_recording: Vec<RecordingRow>,
    /// Mean and sd of the per-recording balanced accuracies.
    pub recording_balanced_accuracy: MeanSd,
    /// Windows per class.
    pub counts: Vec<usize>,
    /// Windows and events not used, and why.
    pub dropped: DropCounts,
    /// One ROC curve per class (one-vs-rest; for two classes only the second class's).
    pub roc_curves: Vec<RocCurve>,
    /// Mean band power per class on the most discriminative channels.
    pub spectra: Spectra,
    /// Class-average waveforms of event-locked windows (null for sliding windows).
    pub erp: Option<Erp>,
    /// Things a reader must know (classes missing from a fold's training set, non-convergence).
    pub warnings: Vec<String>,
    /// The full settings, inputs and their hashes.
    pub settings: Settings,
}

impl Report {
    /// The observed score the permutation test compared with its permuted ones
    /// ([`Report::permutation_observed_balanced_accuracy`], else the balanced accuracy).
    pub fn permutation_observed(&self) -> f64 {
        self.permutation_observed_balanced_accuracy
            .unwrap_or(self.balanced_accuracy)
    }
}

/// A mean ± sd over folds or recordings (null when there are no scores).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeanSd {
    /// Mean.
    pub mean: Option<f64>,
    /// Population standard deviation.
    pub sd: Option<f64>,
}

/// Scores of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassRow {
    /// Class name.
    pub class: String,
    /// tp / (tp + fp).
    pub precision: f64,
    /// tp / (tp + fn).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Windows of this class.
    pub support: usize,
}

/// Scores of one cross-validation fold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoldRow {
    /// What the fold tests, e.g. `S001R04.csv` or `fold 3`.
    pub name: String,
    /// Training windows (null for a held-out model).
    pub n_train: Option<usize>,
    /// Test windows.
    pub n_test: usize,
    /// Fraction right.
    pub accuracy: f64,
    /// Balanced accuracy over the classes present in the fold (null for an empty fold).
    pub balanced_accuracy: Option<f64>,
    /// Chance balanced accuracy of this fold: 1 / number of classes among its test windows.
    pub chance_balanced_accuracy: Option<f64>,
    /// Classes without training windows in this fold.
    pub missing_classes: Vec<String>,
}

/// Scores of one recording.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordingRow {
    /// The recording's path as given.
    pub recording: String,
    /// Windows from it.
    pub n_windows: usize,
    /// Fraction right.
    pub accuracy: f64,
    /// Balanced accuracy over the classes it holds.
    pub balanced_accuracy: Option<f64>,
}

/// One ROC curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RocCurve {
    /// The positive class.
    pub class: String,
    /// Area under it.
    pub auc: Option<f64>,
    /// (false positive rate, true positive rate) from (0, 0) to (1, 1).
    pub points: Vec<(f64, f64)>,
}

/// Mean feature value per class and band on a few channels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spectra {
    /// Band names, low to high.
    pub bands: Vec<String>,
    /// Unit of the values, e.g. `log10 µV²`.
    pub unit: String,
    /// The channels, most discriminative first.
    pub channels: Vec<ChannelSpectrum>,
    /// Set when the best-separating features are low-frequency power on frontal channels:
    /// what eye movements and blinks produce, so a reader should rule them out.
    pub artefact_hint: Option<String>,
}

/// Mean band power per class on one channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelSpectrum {
    /// Channel name.
    pub channel: String,
    /// Largest one-way ANOVA F statistic of its bands across classes (how it was chosen).
    pub f_statistic: f64,
    /// `mean[class][band]`.
    pub mean: Vec<Vec<f64>>,
}

/// The event-related potential of each class: average epochs after pre-processing and
/// baseline, with 95 % confidence bands, on the channels that separate the classes best.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Erp {
    /// Time of each sample relative to the event onset, s.
    pub times_s: Vec<f64>,
    /// Unit of the values (`µV`).
    pub unit: String,
    /// Epochs of each class, in `classes` order.
    pub n: Vec<usize>,
    /// The channels, most discriminative first.
    pub channels: Vec<ChannelErp>,
    /// With two classes, the second class minus the first (e.g. `robot_error − ok`).
    pub difference_label: Option<String>,
    /// With two classes, the difference of every channel at the time its global field power
    /// (the spatial standard deviation of the difference) peaks: the scalp map.
    pub scalp_map: Option<ScalpMap>,
}

/// One channel's class averages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelErp {
    /// Channel name.
    pub channel: String,
    /// Largest one-way ANOVA F statistic across classes over the epoch's samples (how it was
    /// chosen).
    pub f_statistic: f64,
    /// `mean[class][sample]`, µV.
    pub mean: Vec<Vec<f64>>,
    /// `ci95[class][sample]`: half-width of the 95 % confidence interval of the mean
    /// (1.96 standard errors), µV.
    pub ci95: Vec<Vec<f64>>,
    /// With two classes: the difference wave (second − first class), µV.
    pub difference: Option<Vec<f64>>,
    /// Its 95 % half-width (1.96 × Welch's standard error of a difference of means), µV.
    pub difference_ci95: Option<Vec<f64>>,
}

/// The difference of every channel at one time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScalpMap {
    /// Time relative to the event onset, s.
    pub time_s: f64,
    /// Channel names, in model order.
    pub channels: Vec<String>,
    /// The difference on each, µV.
    pub values: Vec<f64>,
}

/// The settings that reproduce a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// How windows were cut.
    pub window: WindowSpec,
    /// Feature extractors.
    pub features: Vec<FeatureSpec>,
    /// Pre-processing before windows are cut (band-pass, notch, CAR, filter mode, baseline,
    /// rejection; the model's with -m). Every field is written, `null`/`false` when off.
    pub preprocessing: PreprocessingSettings,
    /// Labels kept (all when null).
    pub labels: Option<Vec<String>>,
    /// Classifier settings (with -m, the model's own, as it was fitted).
    pub classifier: Option<crate::pipeline::ClassifierSpec>,
    /// `model`, `k-fold`, `by-recording` or `by-group`.
    pub evaluation: String,
    /// Folds for k-fold.
    pub folds: Option<usize>,
    /// The `--group-by` rule.
    pub group_by: Option<String>,
    /// Seed of the permutation test.
    pub seed: u64,
    /// Label permutations.
    pub permutations: usize,
    /// Channels used.
    pub n_channels: usize,
    /// Sample rate, Hz.
    pub sample_rate_hz: f64,
    /// Model file evaluated, with its hash.
    pub model: Option<InputFile>,
    /// Recording and events files with their SHA-256.
    pub inputs: Vec<InputFile>,
}

/// Pre-processing as the report states it: every setting, off ones as `null`/`false`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct PreprocessingSettings {
    /// Rate every recording is resampled to first, Hz (`--resample`; `null` = none).
    pub resample_hz: Option<f64>,
    /// Band-pass filter.
    pub bandpass: Option<crate::preprocess::BandPass>,
    /// Notch filter.
    pub notch: Option<crate::preprocess::Notch>,
    /// Common average reference.
    pub car: bool,
    /// Zero-phase (offline) or causal filtering.
    pub filter_mode: crate::preprocess::FilterMode,
    /// Baseline interval subtracted from each event-locked window.
    pub baseline: Option<crate::preprocess::Baseline>,
    /// Epoch rejection threshold, µV.
    pub reject_uv: Option<f64>,
}

impl From<&crate::preprocess::Preprocessing> for PreprocessingSettings {
    fn from(p: &crate::preprocess::Preprocessing) -> Self {
        PreprocessingSettings {
            resample_hz: p.resample_hz,
            bandpass: p.bandpass.clone(),
            notch: p.notch.clone(),
            car: p.car,
            filter_mode: p.filter_mode,
            baseline: p.baseline.clone(),
            reject_uv: p.reject_uv,
        }
    }
}
