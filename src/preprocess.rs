//! Pre-processing applied identically in `train` and `classify` and stored in the model file:
//! common-average reference, band-pass and notch filters over the whole recording, then per
//! window baseline correction, and amplitude-based rejection of training epochs.
//!
//! Order: (0) with `resample_hz`, every model channel is resampled to that rate (scipy's
//! `resample_poly`: polyphase, Kaiser(5) anti-alias filter; [`crate::signal::Resampler`]), so a
//! model takes recordings at any rate; (1) common-average reference over the model channels,
//! (2) notch, then band-pass,
//! each either zero-phase (`sosfiltfilt`, the offline default: no phase distortion, so ERP
//! latencies are kept, but **non-causal** — an output sample depends on later samples) or
//! causal (`sosfilt` from the steady state of the first sample: each output sample depends
//! only on earlier ones, as an online decoder must, at the price of a filter delay), (3) the
//! per-channel mean over the baseline interval is subtracted from each window, (4) with
//! `reject_uv`, training epochs whose largest absolute value on any model channel exceeds it
//! are left out and counted in the training summary (`rejected_amplitude`); `classify` labels
//! every window whatever its amplitude.

use crate::signal::Sos;
use crate::windows::{Window, WindowSpec};
use crate::{Error, Recording, Result};
use ndarray::{s, Array2};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A Butterworth band-pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandPass {
    /// Lower -3 dB edge, Hz.
    pub low_hz: f64,
    /// Upper -3 dB edge, Hz.
    pub high_hz: f64,
    /// Butterworth order (the band-pass has twice as many poles).
    pub order: usize,
}

/// A notch (scipy's `iirnotch`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notch {
    /// Centre frequency, Hz (mains: 50 or 60).
    pub freq_hz: f64,
    /// Quality factor: centre frequency / -3 dB width.
    pub q: f64,
}

/// Whether filters may look ahead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterMode {
    /// Forward-backward (`sosfiltfilt`): zero phase, non-causal; offline analysis.
    #[default]
    ZeroPhase,
    /// Forward only (`sosfilt`): causal, delayed; what an online decoder can do.
    Causal,
}

/// A baseline interval relative to the event onset, s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Start, s after the onset (negative = before).
    pub start_s: f64,
    /// End, s after the onset.
    pub end_s: f64,
}

/// All pre-processing settings; the default does nothing (and is left out of the model file).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preprocessing {
    /// Resample every recording to this rate, Hz, before anything else (format 6; absent = the
    /// recording's own rate, which must then equal the model's). Equals the model's
    /// `sample_rate_hz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resample_hz: Option<f64>,
    /// Re-reference every sample to the mean of the model channels.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub car: bool,
    /// Band-pass filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandpass: Option<BandPass>,
    /// Notch filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notch: Option<Notch>,
    /// Zero-phase (offline) or causal filtering.
    #[serde(default)]
    pub filter_mode: FilterMode,
    /// Baseline interval subtracted from each event-locked window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    /// Training epochs whose largest |value| exceeds this many µV are rejected (and counted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject_uv: Option<f64>,
}

impl Preprocessing {
    /// Default Butterworth order of `--bandpass`: 4 (8 poles), roll-off 24 dB/octave each side.
    pub const DEFAULT_ORDER: usize = 4;
    /// Default notch quality factor: 30 (a 50 Hz notch 1.7 Hz wide).
    pub const DEFAULT_Q: f64 = 30.0;

    /// Whether nothing is done (then the model file has no `preprocessing` field).
    pub fn is_identity(&self) -> bool {
        *self == Preprocessing::default()
    }

    /// Whether the recording itself is changed (reference or filters).
    fn changes_recording(&self) -> bool {
        self.resample_hz.is_some() || self.car || self.bandpass.is_some() || self.notch.is_some()
    }

    /// Validates the settings against the window spec (no data needed).
    pub fn check(&self, window: &WindowSpec) -> Result<()> {
        if let Some(hz) = self.resample_hz {
            if !(hz.is_finite() && hz > 0.0 && hz <= crate::limits::MAX_SAMPLE_RATE_HZ) {
                return Err(Error::input(format!(
                    "--resample {hz}: expected a positive rate in Hz of at most {}",
                    crate::limits::MAX_SAMPLE_RATE_HZ
                )));
            }
        }
        if let Some(b) = &self.baseline {
            let WindowSpec::Epoch { start_s, end_s } = *window else {
                return Err(Error::input(
                    "--baseline needs event-locked windows (--epoch START:END), expected --epoch",
                ));
            };
            if !(b.start_s.is_finite()
                && b.end_s > b.start_s
                && b.start_s >= start_s - 1e-9
                && b.end_s <= end_s + 1e-9)
            {
                return Err(Error::input(format!(
                    "--baseline {}:{} s, expected an interval inside the epoch {start_s}:{end_s} s",
                    b.start_s, b.end_s
                )));
            }
        }
        if let Some(r) = self.reject_uv {
            if !(r.is_finite() && r > 0.0) {
                return Err(Error::input(format!(
                    "--reject-uv {r}: expected a positive amplitude in µV"
                )));
            }
        }
        Ok(())
    }

    /// The rate the model works at for a recording sampled at `recording_hz`: `resample_hz`
    /// when set, else the recording's own.
    pub fn rate_for(&self, recording_hz: f64) -> f64 {
        self.resample_hz.unwrap_or(recording_hz)
    }

    /// Samples that `n` samples at `recording_hz` become at [`Preprocessing::rate_for`]
    /// (`ceil(n·up/down)` when resampling); an error names `--resample` when the rates have no
    /// usable ratio.
    pub fn samples_for(&self, n: usize, recording_hz: f64) -> Result<usize> {
        match self.resample_hz {
            Some(hz) if hz != recording_hz => {
                let (up, down) = crate::signal::resample::factors(recording_hz, hz)?;
                Ok((n * up).div_ceil(down))
            }
            _ => Ok(n),
        }
    }

    /// The filter cascade at this sample rate (notch then band-pass), if any.
    pub fn filters(&self, sample_rate_hz: f64) -> Result<Option<Sos>> {
        let mut sos: Option<Sos> = None;
        if let Some(n) = &self.notch {
            sos = Some(Sos::notch(n.freq_hz, n.q, sample_rate_hz)?);
        }
        if let Some(b) = &self.bandpass {
            let bp = Sos::butter_bandpass(b.order, b.low_hz, b.high_hz, sample_rate_hz)?;
            sos = Some(match sos {
                Some(s) => s.then(bp),
                None => bp,
            });
        }
        Ok(sos)
    }

    /// The baseline interval as a sample range of the window, for windows cut by `window`.
    pub fn baseline_range(
        &self,
        window: &WindowSpec,
        sample_rate_hz: f64,
    ) -> Option<(usize, usize)> {
        let b = self.baseline.as_ref()?;
        let WindowSpec::Epoch { start_s, .. } = *window else {
            return None;
        };
        let len = window.length_samples(sample_rate_hz);
        let a = (((b.start_s - start_s) * sample_rate_hz).round().max(0.0) as usize).min(len - 1);
        let e = (((b.end_s - start_s) * sample_rate_hz).round() as usize).clamp(a + 1, len);
        Some((a, e))
    }

    /// The recording as the model sees it: when the reference or filters change it, a new
    /// recording holding only the model channels (`columns`, in order) with those applied, and
    /// the identity column map; otherwise the recording itself and `columns`.
    pub fn apply<'a>(
        &self,
        rec: &'a Recording,
        columns: Vec<usize>,
    ) -> Result<(Cow<'a, Recording>, Vec<usize>)> {
        if !self.changes_recording() {
            return Ok((Cow::Borrowed(rec), columns));
        }
        let (mut out, sample_rate_hz) = self.resampled(rec, &columns)?;
        if self.car {
            for mut row in out.rows_mut() {
                let mean = row.sum() / row.len() as f64;
                row -= mean;
            }
        }
        if let Some(sos) = self.filters(sample_rate_hz)? {
            match self.filter_mode {
                FilterMode::Causal => sos.filter_columns(&mut out),
                FilterMode::ZeroPhase => sos.filtfilt_columns(&mut out).map_err(|e| {
                    Error::input(format!("{}: {}", rec.source.display(), e.message))
                })?,
            }
        }
        let names = columns
            .iter()
            .map(|&c| rec.channel_names[c].clone())
            .collect();
        let identity = (0..columns.len()).collect();
        Ok((
            Cow::Owned(Recording {
                samples: out,
                sample_rate_hz,
                channel_names: names,
                source: rec.source.clone(),
            }),
            identity,
        ))
    }

    /// The model `columns` of `rec` (samples × columns) and their rate: resampled to
    /// `resample_hz` (each channel on its own, in parallel) when set and different from the
    /// recording's rate, else copied.
    fn resampled(&self, rec: &Recording, columns: &[usize]) -> Result<(Array2<f64>, f64)> {
        let n = rec.n_samples();
        let target = match self.resample_hz {
            Some(hz) if hz != rec.sample_rate_hz => hz,
            _ => {
                let all = columns.iter().copied().eq(0..rec.samples.ncols());
                let out = if all {
                    rec.samples.as_standard_layout().into_owned()
                } else {
                    let mut out = Array2::<f64>::zeros((n, columns.len()));
                    for (mut o, r) in out.rows_mut().into_iter().zip(rec.samples.rows()) {
                        for (o, &c) in o.iter_mut().zip(columns) {
                            *o = r[c];
                        }
                    }
                    out
                };
                return Ok((out, rec.sample_rate_hz));
            }
        };
        use rayon::prelude::*;
        let plan = crate::signal::Resampler::between(rec.sample_rate_hz, target)
            .map_err(|e| Error::input(format!("{}: {}", rec.source.display(), e.message)))?;
        let n_out = plan.output_len(n);
        let channels: Vec<Vec<f64>> = columns
            .par_iter()
            .map_init(
                || (Vec::with_capacity(n), Vec::with_capacity(n_out)),
                |(x, y), &c| {
                    x.clear();
                    x.extend(rec.samples.column(c).iter().copied());
                    plan.apply(x, y);
                    y.clone()
                },
            )
            .collect();
        let mut out = Array2::<f64>::zeros((n_out, columns.len()));
        for (j, y) in channels.iter().enumerate() {
            out.column_mut(j).assign(&ndarray::ArrayView1::from(&y[..]));
        }
        Ok((out, target))
    }

    /// Whether a training window exceeds `reject_uv` (after baseline correction) on any of the
    /// `columns`.
    pub fn rejects(
        &self,
        rec: &Recording,
        w: &Window,
        len: usize,
        columns: &[usize],
        baseline: Option<(usize, usize)>,
    ) -> bool {
        let Some(limit) = self.reject_uv else {
            return false;
        };
        let view = rec.samples.slice(s![w.start..w.start + len, ..]);
        columns.iter().any(|&c| {
            let col = view.column(c);
            let offset = match baseline {
                Some((a, b)) => col.slice(s![a..b]).sum() / (b - a) as f64,
                None => 0.0,
            };
            col.iter().any(|v| (v - offset).abs() > limit)
        })
    }
}

/// [`Preprocessing::apply`] sample by sample, for a stream: common-average reference per
/// sample, then the causal filter cascade as second-order sections whose state is carried from
/// block to block, started (as offline) in the steady state of the first sample. The output
/// equals the whole-recording causal output bit for bit whatever the block sizes: each value
/// goes through the same operations in the same order.
#[derive(Debug, Clone)]
pub struct StreamPreprocess {
    /// Re-reference each sample to the mean of the channels.
    car: bool,
    /// The filter cascade, if any.
    sos: Option<Sos>,
    /// `sosfilt_zi` of the cascade, per section.
    zi: Vec<[f64; 2]>,
    /// Channels per sample.
    n_channels: usize,
    /// Filter state: section `k`, channel `c` at `k * n_channels + c` (first and second delay).
    z0: Vec<f64>,
    /// Second delay of each section and channel.
    z1: Vec<f64>,
    /// Whether the first sample has set the initial state.
    started: bool,
}

impl Preprocessing {
    /// Whether the filters can run on a stream (causal, or no filters at all).
    pub fn is_streamable(&self) -> bool {
        self.filter_mode == FilterMode::Causal || (self.bandpass.is_none() && self.notch.is_none())
    }

    /// The streaming form of these settings for `n_channels` channels at `sample_rate_hz`. A
    /// zero-phase filter (non-causal: each output depends on later samples) cannot run on a
    /// stream and is an error that says to retrain with `--causal-filters`.
    pub fn streaming(&self, sample_rate_hz: f64, n_channels: usize) -> Result<StreamPreprocess> {
        if !self.is_streamable() {
            return Err(Error::input(
                "the model was trained with zero-phase filters (forward-backward: each output sample depends on later samples), which cannot run on a stream; retrain it with --causal-filters, or classify a recording file",
            ));
        }
        if let Some(hz) = self.resample_hz.filter(|hz| *hz != sample_rate_hz) {
            return Err(Error::input(format!(
                "the model resamples its input to {hz} Hz and the stream is at {sample_rate_hz} Hz; eegi resamples whole recordings only (no streaming polyphase filter is built): classify a recording file, or stream at {hz} Hz"
            )));
        }
        let sos = self.filters(sample_rate_hz)?;
        let zi = sos.as_ref().map(|s| s.zi()).unwrap_or_default();
        let states = zi.len() * n_channels;
        Ok(StreamPreprocess {
            car: self.car,
            sos,
            zi,
            n_channels,
            z0: vec![0.0; states],
            z1: vec![0.0; states],
            started: false,
        })
    }
}

impl StreamPreprocess {
    /// Pre-processes `rows` (samples × channels, row-major, a whole number of rows) in place.
    pub fn process(&mut self, rows: &mut [f64]) {
        let n_ch = self.n_channels;
        if n_ch == 0 {
            return;
        }
        for row in rows.chunks_exact_mut(n_ch) {
            if self.car {
                // as `apply`: the same ndarray sum over a contiguous row
                let mut view = ndarray::ArrayViewMut1::from(&mut *row);
                let mean = view.sum() / n_ch as f64;
                view -= mean;
            }
            let Some(sos) = &self.sos else { continue };
            if !self.started {
                for (k, zs) in self.zi.iter().enumerate() {
                    for (c, &x0) in row.iter().enumerate() {
                        self.z0[k * n_ch + c] = zs[0] * x0;
                        self.z1[k * n_ch + c] = zs[1] * x0;
                    }
                }
                self.started = true;
            }
            for (k, s) in sos.sections.iter().enumerate() {
                let (b0, b1, b2, a1, a2) = (s[0], s[1], s[2], s[4], s[5]);
                let z0 = &mut self.z0[k * n_ch..(k + 1) * n_ch];
                let z1 = &mut self.z1[k * n_ch..(k + 1) * n_ch];
                for ((v, z0), z1) in row.iter_mut().zip(z0.iter_mut()).zip(z1.iter_mut()) {
                    let xi = *v;
                    let y = b0 * xi + *z0;
                    *z0 = b1 * xi - a1 * y + *z1;
                    *z1 = b2 * xi - a2 * y;
                    *v = y;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn rec(samples: Array2<f64>) -> Recording {
        Recording {
            sample_rate_hz: 100.0,
            channel_names: (0..samples.ncols()).map(|i| format!("c{i}")).collect(),
            samples,
            source: PathBuf::from("r.csv"),
        }
    }

    #[test]
    fn identity_borrows_and_car_removes_the_common_signal() {
        let r = rec(Array2::from_shape_fn((10, 3), |(i, c)| i as f64 + c as f64));
        let p = Preprocessing::default();
        assert!(matches!(
            p.apply(&r, vec![2, 0]).unwrap().0,
            Cow::Borrowed(_)
        ));
        let p = Preprocessing {
            car: true,
            ..Default::default()
        };
        let (out, cols) = p.apply(&r, vec![2, 0]).unwrap();
        assert_eq!(cols, vec![0, 1]);
        assert_eq!(out.channel_names, vec!["c2", "c0"]);
        assert!(out.samples.iter().all(|v| v.abs() == 1.0));
    }

    #[test]
    fn baseline_must_lie_inside_an_epoch() {
        let epoch = WindowSpec::Epoch {
            start_s: -0.2,
            end_s: 0.8,
        };
        let p = Preprocessing {
            baseline: Some(Baseline {
                start_s: -0.2,
                end_s: 0.0,
            }),
            ..Default::default()
        };
        p.check(&epoch).unwrap();
        assert_eq!(p.baseline_range(&epoch, 100.0), Some((0, 20)));
        let sliding = WindowSpec::Sliding {
            window_s: 2.0,
            step_s: 1.0,
        };
        assert!(p.check(&sliding).is_err());
        let late = Preprocessing {
            baseline: Some(Baseline {
                start_s: 0.5,
                end_s: 1.0,
            }),
            ..Default::default()
        };
        assert!(late.check(&epoch).is_err());
    }

    #[test]
    fn rejection_uses_the_baseline_corrected_amplitude() {
        let mut x = Array2::from_elem((20, 1), 500.0);
        x[[15, 0]] = 650.0;
        let r = rec(x);
        let w = Window {
            recording: 0,
            start: 0,
            label: None,
            event: None,
        };
        let p = Preprocessing {
            reject_uv: Some(100.0),
            ..Default::default()
        };
        assert!(p.rejects(&r, &w, 20, &[0], None));
        assert!(p.rejects(&r, &w, 20, &[0], Some((0, 5))));
        let lenient = Preprocessing {
            reject_uv: Some(200.0),
            ..Default::default()
        };
        assert!(!lenient.rejects(&r, &w, 20, &[0], Some((0, 5))));
    }

    #[test]
    fn streaming_equals_whole_recording_causal_filtering_bit_for_bit() {
        let x = Array2::from_shape_fn((3000, 5), |(i, c)| {
            ((i * (c + 2)) as f64 * 0.011).sin() * 20.0 + (i as f64 * 0.7).cos() * 3.0 + c as f64
        });
        let r = rec(x.clone());
        let p = Preprocessing {
            car: true,
            bandpass: Some(BandPass {
                low_hz: 1.0,
                high_hz: 10.0,
                order: Preprocessing::DEFAULT_ORDER,
            }),
            notch: Some(Notch {
                freq_hz: 25.0,
                q: Preprocessing::DEFAULT_Q,
            }),
            filter_mode: FilterMode::Causal,
            ..Default::default()
        };
        let (whole, _) = p.apply(&r, (0..5).collect()).unwrap();
        let whole = whole.samples.as_slice().unwrap().to_vec();
        for block in [1usize, 7, 512] {
            let mut stream = p.streaming(100.0, 5).unwrap();
            let mut out = x.as_slice().unwrap().to_vec();
            for chunk in out.chunks_mut(block * 5) {
                stream.process(chunk);
            }
            let same = out
                .iter()
                .zip(&whole)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(
                same,
                "blocks of {block} rows differ from the whole recording"
            );
        }
        let zero_phase = Preprocessing {
            filter_mode: FilterMode::ZeroPhase,
            ..p
        };
        let e = zero_phase.streaming(100.0, 5).unwrap_err();
        assert!(e.message.contains("--causal-filters"), "{}", e.message);
    }
}
