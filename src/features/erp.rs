//! ERP waveform features: the window's samples at chosen channels, decimated to a low rate by
//! averaging non-overlapping bins — the standard single-trial ERP feature vector (Blankertz et
//! al., NeuroImage 56, 2011).
//!
//! The window of n samples is cut into m = round(n · rate / fs) bins, bin k covering samples
//! ⌊k·n/m⌋ .. ⌊(k+1)·n/m⌋ (so every sample counts once; bins differ by at most one sample),
//! and each feature is a bin mean in µV. A bin mean is a boxcar low-pass with its first zero at
//! the bin rate; it does not remove everything between rate/2 and rate, so pair it with a
//! band-pass whose upper edge is at most rate/2 (`--bandpass 1-10` with the default 20 Hz).

use super::{Extractor, ExtractorSpec};
use crate::{Error, Result};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

/// Settings of the ERP waveform extractor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErpSpec {
    /// Rate of the decimated waveform, Hz (bins per second).
    pub rate_hz: f64,
    /// Channels to use, by name (all model channels when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<String>>,
}

/// The ERP extractor for one window length.
#[derive(Debug, Clone)]
pub struct Erp {
    /// Bin boundaries in samples, m + 1 of them.
    edges: Vec<usize>,
    sample_rate_hz: f64,
    channels: Option<Vec<String>>,
    /// Positions among the model channels of the channels used (all when `None`).
    selected: Option<Vec<usize>>,
}

impl ErpSpec {
    /// Default rate, Hz: ERP components lie below 10 Hz, and 20 Hz keeps them (Nyquist 10 Hz)
    /// with few features per channel.
    pub const DEFAULT_RATE_HZ: f64 = 20.0;

    /// Validates the settings for this sample rate and window length and builds the extractor.
    pub fn build(&self, sample_rate_hz: f64, window_len: usize) -> Result<Erp> {
        if !(self.rate_hz.is_finite() && self.rate_hz > 0.0) {
            return Err(Error::input(format!(
                "--erp-rate {}: expected a positive rate in Hz",
                self.rate_hz
            )));
        }
        if self.rate_hz > sample_rate_hz {
            return Err(Error::input(format!(
                "--erp-rate {} Hz is above the sample rate {sample_rate_hz} Hz, expected at most it",
                self.rate_hz
            )));
        }
        if let Some(c) = &self.channels {
            if c.is_empty() {
                return Err(Error::input("--erp-channels: no channels given"));
            }
        }
        let m = ((window_len as f64 * self.rate_hz / sample_rate_hz).round() as usize)
            .clamp(1, window_len.max(1));
        let edges = (0..=m).map(|k| k * window_len / m).collect();
        Ok(Erp {
            edges,
            sample_rate_hz,
            channels: self.channels.clone(),
            selected: None,
        })
    }
}

impl ExtractorSpec for ErpSpec {
    fn describe(&self) -> String {
        format!(
            "ERP waveform as bin means at {} Hz, {}",
            self.rate_hz,
            match &self.channels {
                Some(c) => format!("channels {}", c.join(", ")),
                None => "every channel".to_string(),
            }
        )
    }

    fn check_for(&self, sample_rate_hz: f64, window_len: usize, channels: &[String]) -> Result<()> {
        self.build_for(sample_rate_hz, window_len, channels)
            .map(|_| ())
    }

    fn build_for(
        &self,
        sample_rate_hz: f64,
        window_len: usize,
        channels: &[String],
    ) -> Result<Box<dyn Extractor>> {
        let mut e = self.build(sample_rate_hz, window_len)?;
        e.select_channels(channels)?;
        Ok(Box::new(e))
    }
}

impl Erp {
    /// Number of bins per channel.
    pub fn n_bins(&self) -> usize {
        self.edges.len() - 1
    }

    /// Bin boundaries in samples (`n_bins() + 1` of them).
    pub fn edges(&self) -> &[usize] {
        &self.edges
    }

    fn n_used(&self, n_channels: usize) -> usize {
        match &self.selected {
            Some(s) => s.len(),
            None => self.channels.as_ref().map_or(n_channels, |c| c.len()),
        }
    }
}

impl Extractor for Erp {
    fn select_channels(&mut self, names: &[String]) -> Result<()> {
        if let Some(wanted) = &self.channels {
            let mut idx = Vec::with_capacity(wanted.len());
            for w in wanted {
                match names.iter().position(|n| n == w) {
                    Some(i) => idx.push(i),
                    None => {
                        return Err(Error::input(format!(
                            "--erp-channels: no channel '{w}' in the recording, expected one of {}",
                            names.join(", ")
                        )))
                    }
                }
            }
            self.selected = Some(idx);
        }
        Ok(())
    }

    fn n_columns(&self, n_channels: usize) -> usize {
        self.n_used(n_channels) * self.n_bins()
    }

    fn column_names(&self, channels: &[String]) -> Vec<String> {
        let used: Vec<&String> = match &self.selected {
            Some(s) => s.iter().map(|&i| &channels[i]).collect(),
            None => channels.iter().collect(),
        };
        let mut names = Vec::with_capacity(used.len() * self.n_bins());
        for ch in used {
            for k in 0..self.n_bins() {
                let ms = (self.edges[k] as f64 / self.sample_rate_hz * 1000.0).round();
                names.push(format!("{ch}_erp_{ms}ms"));
            }
        }
        names
    }

    fn transform(&mut self, window: ArrayView2<f64>, channels: &[usize], out: &mut [f64]) {
        let m = self.n_bins();
        // a row-major window (a buffered epoch, online) is read row by row, each sample once
        // and in memory order: the same sums in the same order as the columns below, so the
        // same bits, several times faster than indexing a strided column
        if let Some(data) = window.as_slice() {
            let stride = window.ncols();
            match &self.selected {
                Some(s) => bin_means(data, stride, &self.edges, s.len(), |j| channels[s[j]], out),
                None => bin_means(
                    data,
                    stride,
                    &self.edges,
                    channels.len(),
                    |j| channels[j],
                    out,
                ),
            }
            return;
        }
        let mut write = |j: usize, col: usize| {
            let c = window.column(col);
            for k in 0..m {
                let (a, b) = (self.edges[k], self.edges[k + 1]);
                let sum: f64 = (a..b).map(|i| c[i]).sum();
                out[j * m + k] = sum / (b - a) as f64;
            }
        };
        match &self.selected {
            Some(s) => {
                for (j, &i) in s.iter().enumerate() {
                    write(j, channels[i]);
                }
            }
            None => {
                for (j, &col) in channels.iter().enumerate() {
                    write(j, col);
                }
            }
        }
    }
}

/// Bin means of `n` columns (`col(j)` the j-th) of a row-major window (`data`, `stride` values
/// a row) into `out` (column j's bin k at `j * m + k`): each a sum in sample order from -0.0,
/// as `Iterator::sum` of `f64` does, divided by the bin's length.
fn bin_means(
    data: &[f64],
    stride: usize,
    edges: &[usize],
    n: usize,
    col: impl Fn(usize) -> usize,
    out: &mut [f64],
) {
    let m = edges.len() - 1;
    out[..n * m].fill(-0.0);
    for k in 0..m {
        let (a, b) = (edges[k], edges[k + 1]);
        for row in data[a * stride..b * stride].chunks_exact(stride) {
            for j in 0..n {
                out[j * m + k] += row[col(j)];
            }
        }
        for j in 0..n {
            out[j * m + k] /= (b - a) as f64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn rows_and_strided_columns_give_the_same_bits() {
        let spec = ErpSpec {
            rate_hz: 20.0,
            channels: None,
        };
        let mut e = spec.build(512.0, 410).unwrap();
        let mut x: u64 = 7;
        let w = Array2::from_shape_fn((410, 5), |_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (x >> 11) as f64 / (1u64 << 53) as f64 * 200.0 - 100.0
        });
        let m = e.n_bins();
        let (mut rows, mut cols) = (vec![0.0; 3 * m], vec![0.0; 3 * m]);
        let pick = [4, 0, 2];
        e.transform(w.view(), &pick, &mut rows);
        // the same window in column-major order takes the strided path
        let mut t = Array2::zeros((5, 410));
        t.assign(&w.t());
        e.transform(t.t(), &pick, &mut cols);
        assert!(w.view().as_slice().is_some() && t.t().as_slice().is_none());
        let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&rows), bits(&cols));
    }

    #[test]
    fn bins_cover_every_sample_and_average_it() {
        let spec = ErpSpec {
            rate_hz: 20.0,
            channels: None,
        };
        // 0.5 s at 100 Hz → 10 bins of 5 samples
        let mut e = spec.build(100.0, 50).unwrap();
        assert_eq!(e.n_bins(), 10);
        let w = Array2::from_shape_fn((50, 2), |(i, c)| i as f64 + 100.0 * c as f64);
        let mut out = vec![0.0; 20];
        e.transform(w.view(), &[1, 0], &mut out);
        assert_eq!(out[0], 102.0); // channel 1, samples 0..5
        assert_eq!(out[10], 2.0);
        let names = e.column_names(&["A".into(), "B".into()]);
        assert_eq!(names[1], "A_erp_50ms");
        // 0.8 s at 512 Hz → 410 samples, 16 bins of 25 or 26 samples
        let e = spec.build(512.0, 410).unwrap();
        assert_eq!(e.n_bins(), 16);
        assert_eq!(*e.edges.last().unwrap(), 410);
    }

    #[test]
    fn channel_subset_is_resolved_by_name() {
        let spec = ErpSpec {
            rate_hz: 10.0,
            channels: Some(vec!["Cz".into()]),
        };
        let mut e = spec.build(100.0, 50).unwrap();
        let names: Vec<String> = vec!["Fz".into(), "Cz".into()];
        e.select_channels(&names).unwrap();
        assert_eq!(e.n_columns(2), 5);
        assert_eq!(e.column_names(&names)[0], "Cz_erp_0ms");
        let mut bad = spec.build(100.0, 50).unwrap();
        assert!(bad.select_channels(&["Fz".to_string()]).is_err());
        assert!(ErpSpec {
            rate_hz: 200.0,
            channels: None
        }
        .build(100.0, 50)
        .is_err());
    }
}
