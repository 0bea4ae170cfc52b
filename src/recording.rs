//! `Recording`: a block of multichannel EEG in memory, independent of any file format.

use ndarray::Array2;
use std::path::PathBuf;

/// Multichannel EEG: samples × channels in µV, with its sample rate and channel names.
#[derive(Debug, Clone)]
pub struct Recording {
    /// Sample values in µV, one row per sample, one column per channel.
    pub samples: Array2<f64>,
    /// Sampling rate in Hz.
    pub sample_rate_hz: f64,
    /// Channel names in column order (10-10 names where the source gave them).
    pub channel_names: Vec<String>,
    /// The file this recording was read from (for error messages).
    pub source: PathBuf,
}

impl Recording {
    /// Number of samples (rows).
    pub fn n_samples(&self) -> usize {
        self.samples.nrows()
    }

    /// Number of channels (columns).
    pub fn n_channels(&self) -> usize {
        self.samples.ncols()
    }

    /// Length of the recording in seconds.
    pub fn duration_s(&self) -> f64 {
        self.n_samples() as f64 / self.sample_rate_hz
    }

    /// Column index of the channel called `name` (exact match), if present.
    pub fn channel_index(&self, name: &str) -> Option<usize> {
        self.channel_names.iter().position(|c| c == name)
    }
}
