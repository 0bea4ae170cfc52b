//! Feature extractors: each turns a window (samples × channels) into named columns of one row.
//! The feature stage of a model is a list of [`FeatureSpec`]s, band power first; more
//! extractors (time-domain ERP features) join the enum later.

pub mod bandpower;

pub use bandpower::{Band, BandPowerSpec, PowerScale};

use crate::windows::Window;
use crate::{Recording, Result};
use ndarray::{s, Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// One feature extractor's settings, as stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeatureSpec {
    /// Welch band power per channel and band.
    BandPower(BandPowerSpec),
}

/// A ready-to-run extractor: plans and scratch buffers made once, reused for every window.
pub trait Extractor: Send {
    /// Number of columns produced for `n_channels` channels.
    fn n_columns(&self, n_channels: usize) -> usize;
    /// Column names for these channels, in output order.
    fn column_names(&self, channels: &[String]) -> Vec<String>;
    /// Writes the features of `window` (samples × all recording channels), using the columns
    /// `channels` in that order, into `out` (`n_columns` long).
    fn transform(&mut self, window: ArrayView2<f64>, channels: &[usize], out: &mut [f64]);
}

impl FeatureSpec {
    /// Validates the settings for this sample rate and window length (samples) and builds the
    /// extractor.
    pub fn build(&self, sample_rate_hz: f64, window_len: usize) -> Result<Box<dyn Extractor>> {
        match self {
            FeatureSpec::BandPower(spec) => Ok(Box::new(spec.build(sample_rate_hz, window_len)?)),
        }
    }
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
    let extractors: Vec<Box<dyn Extractor>> = specs
        .iter()
        .map(|s| s.build(sample_rate_hz, window_len))
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
    rows.into_par_iter().for_each_init(
        || {
            specs
                .iter()
                .map(|s| {
                    s.build(sample_rate_hz, window_len)
                        .expect("validated above")
                })
                .collect::<Vec<_>>()
        },
        |extractors, (i, row)| {
            let w = &windows[i];
            let rec = recordings[w.recording];
            let view = rec.samples.slice(s![w.start..w.start + window_len, ..]);
            let mut offset = 0;
            for (e, &width) in extractors.iter_mut().zip(&widths) {
                e.transform(
                    view,
                    &channels[w.recording],
                    &mut row[offset..offset + width],
                );
                offset += width;
            }
        },
    );
    Ok(Features { matrix, names })
}
