//! Feature extractors: each turns a window (samples × channels) into named columns of one row.
//! The feature stage of a model is a list of [`FeatureSpec`]s: band power (oscillations) and
//! ERP waveforms (time-locked potentials), and xDAWN-filtered waveforms (supervised: fitted on
//! training epochs), combinable in one model. Each extractor's settings implement
//! [`ExtractorSpec`] (check, fit on training epochs, build), so the pipeline fits them all
//! the same way.

pub mod bandpower;
pub mod cov;
pub mod csp;
pub mod erp;
pub mod protocov;
pub mod xdawn;

pub use bandpower::{Band, BandPowerSpec, PowerScale};
pub use cov::{CovEstimator, CovSpec, TangentMetric};
pub use csp::{CspFilters, CspSpec};
pub use erp::ErpSpec;
pub use protocov::{ErpCovFitted, ErpCovSpec, XdawnCovFitted, XdawnCovSpec};
pub use xdawn::{XdawnFilters, XdawnSpec};

pub use bad::{
    bad_feature, explain_column, feature_error, feature_error_explained, show, BadFeature,
};
mod bad;

use crate::windows::{Window, WindowSpec};
use crate::{Error, Recording, Result};
use ndarray::{s, Array2, ArrayView2, ArrayView3};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// One feature extractor's settings, as stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeatureSpec {
    /// Welch band power per channel and band.
    BandPower(BandPowerSpec),
    /// The waveform at chosen channels, decimated by bin means.
    Erp(ErpSpec),
    /// xDAWN spatially filtered waveforms, decimated by bin means; fitted on training epochs.
    Xdawn(XdawnSpec),
    /// Channel covariance in the tangent space at the training covariances' mean; fitted on
    /// training epochs.
    Cov(CovSpec),
    /// Log-variance of CSP-filtered windows (MNE `CSP(log=True)`); fitted on training epochs.
    Csp(CspSpec),
    /// Covariance of the xDAWN super-trial (filtered class prototypes over the filtered epoch)
    /// in the tangent space, pyriemann `XdawnCovariances`; fitted on training epochs.
    #[serde(rename = "xdawncov")]
    XdawnCov(XdawnCovSpec),
    /// Covariance of the ERP super-trial (class prototypes over the epoch) in the tangent
    /// space, pyriemann `ERPCovariances`; fitted on training epochs.
    #[serde(rename = "erpcov")]
    ErpCov(ErpCovSpec),
}

/// A ready-to-run extractor: plans and scratch buffers made once, reused for every window.
pub trait Extractor: Send {
    /// Resolves channel names the settings refer to against the model channels (in order);
    /// called once before use. Extractors that use every channel keep the default.
    fn select_channels(&mut self, _names: &[String]) -> Result<()> {
        Ok(())
    }
    /// Why `window` (samples × recording columns; `channels` the model channels' columns,
    /// named `names`) gives features that are not finite, and what to do, when the extractor
    /// can tell (a covariance that is not positive definite: a flat or dependent channel).
    fn explain(
        &self,
        _window: ArrayView2<f64>,
        _channels: &[usize],
        _names: &[String],
    ) -> Option<String> {
        None
    }
    /// Number of columns produced for `n_channels` channels.
    fn n_columns(&self, n_channels: usize) -> usize;
    /// Column names for these channels, in output order.
    fn column_names(&self, channels: &[String]) -> Vec<String>;
    /// Writes the features of `window` (samples × all recording channels), using the columns
    /// `channels` in that order, into `out` (`n_columns` long).
    fn transform(&mut self, window: ArrayView2<f64>, channels: &[usize], out: &mut [f64]);
    /// [`Extractor::transform`] for the window that starts at sample `start` of the one
    /// continuous signal this extractor is used on, so that it may keep work shared by nearby
    /// windows (band power keeps the Welch segments that overlapping windows share). Gives bit
    /// for bit what `transform` gives. One extractor used this way must only ever see windows of
    /// one signal, with the same `channels`.
    fn transform_at(
        &mut self,
        window: ArrayView2<f64>,
        channels: &[usize],
        start: u64,
        out: &mut [f64],
    ) {
        let _ = start;
        self.transform(window, channels, out);
    }
}

/// Labelled training epochs that extractor settings are fitted on: in cross-validation, the
/// training fold's rows only.
#[derive(Debug, Clone, Copy)]
pub struct TrainingEpochs<'a> {
    /// Every window's pre-processed, baseline-corrected samples (windows × samples × model
    /// channels), µV.
    pub epochs: ArrayView3<'a, f64>,
    /// The windows to fit on (indices into `epochs`).
    pub rows: &'a [usize],
    /// Class index of every window (into `classes`).
    pub y: &'a [usize],
    /// Class names.
    pub classes: &'a [String],
    /// Model channel names (the last axis of `epochs`), for errors.
    pub channels: &'a [String],
}

/// Settings of one feature extractor: checked once, fitted on training epochs (most
/// extractors have nothing to learn and come back unchanged; xDAWN learns its filters), then
/// built, fitted, into a ready-to-run [`Extractor`]. A new extractor is a file implementing
/// this trait plus one [`FeatureSpec`] arm.
pub trait ExtractorSpec: Clone {
    /// The settings in words, for `inspect` and reports (e.g. "ERP: bin means at 20 Hz").
    fn describe(&self) -> String;
    /// Validates the settings that do not depend on data for this sample rate (Hz), window
    /// length (samples) and the model channels.
    fn check_for(&self, sample_rate_hz: f64, window_len: usize, channels: &[String]) -> Result<()>;
    /// Validates the settings against how windows are cut (default: any window).
    fn check_window(&self, _window: &WindowSpec) -> Result<()> {
        Ok(())
    }
    /// Whether fitting learns from the training epochs; such extractors are refitted in each
    /// cross-validation fold, on its training windows only.
    fn learns(&self) -> bool {
        false
    }
    /// The fitted settings (stored in the model). The default has nothing to learn.
    fn fit_on(&self, _training: &TrainingEpochs) -> Result<Self> {
        Ok(self.clone())
    }
    /// Whether the columns are the tangent vectors (pyriemann `upper` layout) of SPD matrices
    /// at a reference point under the affine-invariant metric, so that a classifier of
    /// covariance matrices (MDM) can map them back (default: no).
    fn riemann_tangent(&self) -> bool {
        false
    }
    /// Whether the columns are tangent vectors of SPD matrices at a reference point (either
    /// metric), which classifiers take as they are: pyriemann's `TangentSpace` feeds them to
    /// the classifier unstandardised, and standardising would weigh each matrix entry by its own
    /// spread, undoing the whitening at the reference point that makes Euclidean distances
    /// between tangent vectors approximate Riemannian ones (default: no).
    fn tangent_vectors(&self) -> bool {
        false
    }
    /// Builds the extractor of fitted settings for the model channels (in order).
    fn build_for(
        &self,
        sample_rate_hz: f64,
        window_len: usize,
        channels: &[String],
    ) -> Result<Box<dyn Extractor>>;
}

impl FeatureSpec {
    /// The name `--features` gives it (`bandpower`, `erp`, `xdawn`, `cov`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            FeatureSpec::BandPower(_) => "bandpower",
            FeatureSpec::Erp(_) => "erp",
            FeatureSpec::Xdawn(_) => "xdawn",
            FeatureSpec::Cov(_) => "cov",
            FeatureSpec::Csp(_) => "csp",
            FeatureSpec::XdawnCov(_) => "xdawncov",
            FeatureSpec::ErpCov(_) => "erpcov",
        }
    }

    /// The settings in words ([`ExtractorSpec::describe`]).
    pub fn describe(&self) -> String {
        self.spec().describe_dyn()
    }

    /// The settings behind the enum.
    fn spec(&self) -> &dyn SpecDyn {
        match self {
            FeatureSpec::BandPower(s) => s,
            FeatureSpec::Erp(s) => s,
            FeatureSpec::Xdawn(s) => s,
            FeatureSpec::Cov(s) => s,
            FeatureSpec::Csp(s) => s,
            FeatureSpec::XdawnCov(s) => s,
            FeatureSpec::ErpCov(s) => s,
        }
    }

    /// Validates fitted settings for this sample rate and window length (samples) and builds
    /// the extractor for the model channels.
    pub fn build_for(
        &self,
        sample_rate_hz: f64,
        window_len: usize,
        channel_names: &[String],
    ) -> Result<Box<dyn Extractor>> {
        self.spec()
            .build_dyn(sample_rate_hz, window_len, channel_names)
    }

    /// Whether fitting learns from labelled training epochs (xDAWN without filters); such
    /// extractors are refitted on each cross-validation fold.
    pub fn learns(&self) -> bool {
        self.spec().learns_dyn()
    }

    /// Fits the settings on training epochs ([`ExtractorSpec::fit_on`]).
    pub fn fit(&self, training: &TrainingEpochs) -> Result<FeatureSpec> {
        Ok(match self {
            FeatureSpec::BandPower(s) => FeatureSpec::BandPower(s.fit_on(training)?),
            FeatureSpec::Erp(s) => FeatureSpec::Erp(s.fit_on(training)?),
            FeatureSpec::Xdawn(s) => FeatureSpec::Xdawn(s.fit_on(training)?),
            FeatureSpec::Cov(s) => FeatureSpec::Cov(s.fit_on(training)?),
            FeatureSpec::Csp(s) => FeatureSpec::Csp(s.fit_on(training)?),
            FeatureSpec::XdawnCov(s) => FeatureSpec::XdawnCov(s.fit_on(training)?),
            FeatureSpec::ErpCov(s) => FeatureSpec::ErpCov(s.fit_on(training)?),
        })
    }

    /// Validates settings that do not depend on data (also for extractors fitted later).
    pub fn check(
        &self,
        sample_rate_hz: f64,
        window_len: usize,
        channel_names: &[String],
    ) -> Result<()> {
        self.spec()
            .check_dyn(sample_rate_hz, window_len, channel_names)
    }

    /// Validates the settings against how windows are cut ([`ExtractorSpec::check_window`]).
    pub fn check_window(&self, window: &WindowSpec) -> Result<()> {
        self.spec().check_window_dyn(window)
    }

    /// Whether its columns are Riemannian tangent vectors ([`ExtractorSpec::riemann_tangent`]).
    pub fn riemann_tangent(&self) -> bool {
        self.spec().riemann_tangent_dyn()
    }

    /// Whether its columns are tangent vectors, taken unstandardised
    /// ([`ExtractorSpec::tangent_vectors`]).
    pub fn tangent_vectors(&self) -> bool {
        self.spec().tangent_vectors_dyn()
    }
}

/// Refuses features that a classifier of covariance matrices (`--classifier mdm`) cannot take:
/// it needs exactly one covariance extractor (`cov`, `xdawncov` or `erpcov`) under the
/// affine-invariant metric, and nothing else.
pub fn check_covariances_only(features: &[FeatureSpec]) -> Result<()> {
    match features {
        [f] if f.riemann_tangent() => Ok(()),
        _ => Err(Error::input(format!(
            "--classifier mdm: features {}, expected one covariance feature alone (--features cov, xdawncov or erpcov) with --metric riemann: MDM compares covariance matrices",
            features.iter().map(FeatureSpec::kind).collect::<Vec<_>>().join(",")
        ))),
    }
}

/// The object-safe part of [`ExtractorSpec`], so that [`FeatureSpec`] dispatches in one place.
trait SpecDyn {
    fn describe_dyn(&self) -> String;
    fn check_dyn(&self, sample_rate_hz: f64, window_len: usize, channels: &[String]) -> Result<()>;
    fn check_window_dyn(&self, window: &WindowSpec) -> Result<()>;
    fn learns_dyn(&self) -> bool;
    fn riemann_tangent_dyn(&self) -> bool;
    fn tangent_vectors_dyn(&self) -> bool;
    fn build_dyn(
        &self,
        sample_rate_hz: f64,
        window_len: usize,
        channels: &[String],
    ) -> Result<Box<dyn Extractor>>;
}

impl<T: ExtractorSpec> SpecDyn for T {
    fn describe_dyn(&self) -> String {
        self.describe()
    }
    fn check_dyn(&self, sample_rate_hz: f64, window_len: usize, channels: &[String]) -> Result<()> {
        self.check_for(sample_rate_hz, window_len, channels)
    }
    fn check_window_dyn(&self, window: &WindowSpec) -> Result<()> {
        self.check_window(window)
    }
    fn learns_dyn(&self) -> bool {
        self.learns()
    }
    fn riemann_tangent_dyn(&self) -> bool {
        self.riemann_tangent()
    }
    fn tangent_vectors_dyn(&self) -> bool {
        self.tangent_vectors()
    }
    fn build_dyn(
        &self,
        sample_rate_hz: f64,
        window_len: usize,
        channels: &[String],
    ) -> Result<Box<dyn Extractor>> {
        self.build_for(sample_rate_hz, window_len, channels)
    }
}

/// The epochs of `windows`, epochs × samples × model channels, each pre-processed recording's
/// columns `channels[r]` in model order, baseline-corrected like [`extract_with_baseline`].
pub fn epochs(
    window_len: usize,
    recordings: &[&Recording],
    channels: &[Vec<usize>],
    windows: &[Window],
    baseline: Option<(usize, usize)>,
) -> ndarray::Array3<f64> {
    let n_ch = channels.first().map_or(0, |c| c.len());
    let mut out = ndarray::Array3::<f64>::zeros((windows.len(), window_len, n_ch));
    for (i, w) in windows.iter().enumerate() {
        let rec = recordings[w.recording];
        for (j, &c) in channels[w.recording].iter().enumerate() {
            let src = rec.samples.slice(s![w.start..w.start + window_len, c]);
            let mean = match baseline {
                Some((a, b)) => src.slice(s![a..b]).sum() / (b - a) as f64,
                None => 0.0,
            };
            for (d, v) in out.slice_mut(s![i, .., j]).iter_mut().zip(src) {
                *d = v - mean;
            }
        }
    }
    out
}

/// A feature matrix: one row per window, with a name per column.
#[derive(Debug, Clone)]
pub struct Features {
    /// Values, windows × columns.
    pub matrix: Array2<f64>,
    /// Column names, e.g. `Cz_alpha`.
    pub names: Vec<String>,
}

/// Computes the features of every window (in parallel, one set of plans per worker thread).
/// `recordings[w.recording]` holds each window; `channels[r]` gives, for recording `r`, the
/// column of each model channel in order.
pub fn extract(
    specs: &[FeatureSpec],
    sample_rate_hz: f64,
    window_len: usize,
    recordings: &[&Recording],
    channels: &[Vec<usize>],
    channel_names: &[String],
    windows: &[Window],
) -> Result<Features> {
    extract_with_baseline(
        specs,
        sample_rate_hz,
        window_len,
        recordings,
        channels,
        channel_names,
        windows,
        None,
    )
}

/// [`extract`] with baseline correction: when `baseline` is the sample range `a..b` of the
/// window, each channel's mean over it is subtracted from the window before any extractor sees
/// it (in a per-thread buffer).
// long: the per-thread state (extractors, baseline buffer) and the per-window work are closures over
// this function's borrowed inputs; as functions each would take ten arguments
#[allow(clippy::too_many_arguments)]
pub fn extract_with_baseline(
    specs: &[FeatureSpec],
    sample_rate_hz: f64,
    window_len: usize,
    recordings: &[&Recording],
    channels: &[Vec<usize>],
    channel_names: &[String],
    windows: &[Window],
    baseline: Option<(usize, usize)>,
) -> Result<Features> {
    let extractors: Vec<Box<dyn Extractor>> = specs
        .iter()
        .map(|s| s.build_for(sample_rate_hz, window_len, channel_names))
        .collect::<Result<_>>()?;
    let n_ch = channel_names.len();
    let widths: Vec<usize> = extractors.iter().map(|e| e.n_columns(n_ch)).collect();
    let names: Vec<String> = extractors
        .iter()
        .flat_map(|e| e.column_names(channel_names))
        .collect();
    let n_cols: usize = widths.iter().sum();
    let mut matrix = Array2::<f64>::zeros((windows.len(), n_cols));
    let rows: Vec<(usize, &mut [f64])> = matrix
        .as_slice_mut()
        .expect("fresh arrays are contiguous")
        .chunks_mut(n_cols.max(1))
        .enumerate()
        .collect();
    let init = || {
        let extractors = specs
            .iter()
            .map(|s| {
                s.build_for(sample_rate_hz, window_len, channel_names)
                    .expect("validated above")
            })
            .collect::<Vec<_>>();
        let buffer = Array2::<f64>::zeros((window_len, n_ch));
        let identity: Vec<usize> = (0..n_ch).collect();
        (extractors, buffer, identity)
    };
    let work = |(extractors, buffer, identity): &mut (
        Vec<Box<dyn Extractor>>,
        Array2<f64>,
        Vec<usize>,
    ),
                (i, row): (usize, &mut [f64])| {
        let w = &windows[i];
        let rec = recordings[w.recording];
        let view = rec.samples.slice(s![w.start..w.start + window_len, ..]);
        let (view, cols) = match baseline {
            None => (view, &channels[w.recording]),
            Some((a, b)) => {
                for (j, &c) in channels[w.recording].iter().enumerate() {
                    let src = view.column(c);
                    let mean = src.slice(s![a..b]).sum() / (b - a) as f64;
                    for (d, v) in buffer.column_mut(j).iter_mut().zip(src) {
                        *d = v - mean;
                    }
                }
                (buffer.view(), &*identity)
            }
        };
        let mut offset = 0;
        for (e, &width) in extractors.iter_mut().zip(&widths) {
            e.transform(view, cols, &mut row[offset..offset + width]);
            offset += width;
        }
    };
    // a few windows (online use: one epoch) are not worth waking the thread pool for
    if windows.len() < 4 {
        let mut state = init();
        rows.into_iter().for_each(|r| work(&mut state, r));
    } else {
        rows.into_par_iter().for_each_init(init, work);
    }
    check_rows(
        specs,
        &matrix,
        &names,
        sample_rate_hz,
        window_len,
        recordings,
        channels,
        channel_names,
        windows,
    )?;
    Ok(Features { matrix, names })
}

/// Refuses the first feature of `matrix` (one row per window) that is not finite or is
/// absurdly large, naming its window, column and the window's largest sample.
#[allow(clippy::too_many_arguments)]
fn check_rows(
    specs: &[FeatureSpec],
    matrix: &Array2<f64>,
    names: &[String],
    sample_rate_hz: f64,
    window_len: usize,
    recordings: &[&Recording],
    channels: &[Vec<usize>],
    channel_names: &[String],
    windows: &[Window],
) -> Result<()> {
    for (w, row) in windows.iter().zip(matrix.rows()) {
        let row = row.as_slice().expect("fresh arrays are contiguous");
        if let Some(j) = bad_feature(row) {
            let rec = recordings[w.recording];
            let window = rec.samples.slice(s![w.start..w.start + window_len, ..]);
            let explanation = explain_column(
                specs,
                j,
                (sample_rate_hz, window_len),
                window,
                &channels[w.recording],
                channel_names,
            );
            return Err(feature_error_explained(
                &BadFeature {
                    source: &rec.source,
                    sample_rate_hz,
                    start: w.start,
                    window_len,
                    name: &names[j],
                    value: row[j],
                },
                window,
                &channels[w.recording],
                channel_names,
                explanation,
            ));
        }
    }
    Ok(())
}
