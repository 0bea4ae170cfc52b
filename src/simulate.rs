//! Synthetic EEG with robot-feedback events and error-related potentials (ErrPs), for demos,
//! tests and benchmarks at any size. Deterministic for a seed (ChaCha8).
//!
//! Model of one recording (all amplitudes in µV):
//! - **Background**: one independent source per channel (32 by default) with a 1/f^β power
//!   spectrum, β = 1.5 (aperiodic exponents of resting EEG lie between about 1 and 2: Donoghue et al., "Parameterizing neural
//!   power spectra into periodic and aperiodic components", Nat. Neurosci. 23, 2020), flat below
//!   0.5 Hz, mixed into the channels by a Gaussian kernel of scalp distance (σ = 0.15 head
//!   radii) — volume conduction makes neighbouring channels correlated (Nunez & Srinivasan,
//!   "Electric Fields of the Brain", 2006). Scaled so each channel's background RMS is
//!   `7 µV / snr`.
//! - **Alpha**: narrow-band noise at 10 Hz (Gaussian spectral peak, σ = 1 Hz) with a posterior
//!   topography (peak at POz), RMS 0.8 × the background at the occipital sites — the posterior
//!   dominant rhythm (Berger 1929; Niedermeyer & da Silva, "Electroencephalography", 2005).
//! - **Sensor noise**: white, 1 µV RMS.
//! - **Events**: the robot acts every 2 s ± 0.5 s (uniform; trials of Ferrez & Millán 2008 were
//!   ~2 s apart); an action is a mistake (`robot_error`) with probability 0.2, the error rate of
//!   Ferrez & Millán's interaction protocol, otherwise `ok`.
//! - **Feedback evoked response** (both labels): a visual N1/P2 at posterior sites, −2 µV at
//!   100 ms and +3 µV at 200 ms, so that "a response happened" does not tell the labels apart.
//! - **ErrP** (`robot_error` only): the interaction ErrP of Ferrez & Millán, "Error-related EEG
//!   potentials generated during simulated brain-computer interaction", IEEE TBME 55(3), 2008,
//!   at FCz: a negativity of −5 µV at 250 ms (σ 30 ms), a positivity of +7 µV at 350 ms
//!   (σ 40 ms) and a late negativity of −3 µV at 500 ms (σ 60 ms); fronto-central topography
//!   peaking between FCz and Cz (Gaussian, σ = 0.15 head radii; Chavarriaga, Sobolewski &
//!   Millán, "Errare machinale est", Front. Neurosci. 8, 2014). Each trial's latency jitters by
//!   N(0, 20 ms) and its amplitude by N(1, 0.2).

use crate::{Error, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use realfft::num_complex::Complex;
use realfft::RealFftPlanner;
use serde::Serialize;

/// Channel names (10-10) and 2-D scalp positions (x right, y front; head radius 0.5).
pub const MONTAGE: [(&str, f64, f64); 32] = [
    ("Fp1", -0.15, 0.45),
    ("Fp2", 0.15, 0.45),
    ("AF3", -0.15, 0.35),
    ("AF4", 0.15, 0.35),
    ("F7", -0.38, 0.25),
    ("F3", -0.18, 0.22),
    ("Fz", 0.0, 0.2),
    ("F4", 0.18, 0.22),
    ("F8", 0.38, 0.25),
    ("FC5", -0.3, 0.1),
    ("FC1", -0.1, 0.1),
    ("FCz", 0.0, 0.1),
    ("FC2", 0.1, 0.1),
    ("FC6", 0.3, 0.1),
    ("T7", -0.45, 0.0),
    ("C3", -0.2, 0.0),
    ("Cz", 0.0, 0.0),
    ("C4", 0.2, 0.0),
    ("T8", 0.45, 0.0),
    ("CP5", -0.3, -0.1),
    ("CP1", -0.1, -0.1),
    ("CP2", 0.1, -0.1),
    ("CP6", 0.3, -0.1),
    ("P7", -0.38, -0.25),
    ("P3", -0.18, -0.22),
    ("Pz", 0.0, -0.2),
    ("P4", 0.18, -0.22),
    ("P8", 0.38, -0.25),
    ("PO3", -0.15, -0.35),
    ("PO4", 0.15, -0.35),
    ("O1", -0.15, -0.45),
    ("O2", 0.15, -0.45),
];

/// Channels `--channels` adds after [`MONTAGE`], in this order (the rest of the 64-channel 10-10
/// set of EEGMMIDB), placed on the same grid as [`MONTAGE`] (x right, y front; head radius 0.5).
pub const EXTRA_CHANNELS: [(&str, f64, f64); 32] = [
    ("FC3", -0.2, 0.1),
    ("FC4", 0.2, 0.1),
    ("C1", -0.1, 0.0),
    ("C2", 0.1, 0.0),
    ("CPz", 0.0, -0.1),
    ("CP3", -0.2, -0.1),
    ("CP4", 0.2, -0.1),
    ("Fpz", 0.0, 0.46),
    ("AFz", 0.0, 0.35),
    ("F1", -0.09, 0.21),
    ("F2", 0.09, 0.21),
    ("P1", -0.09, -0.21),
    ("P2", 0.09, -0.21),
    ("POz", 0.0, -0.35),
    ("Oz", 0.0, -0.46),
    ("C5", -0.33, 0.0),
    ("C6", 0.33, 0.0),
    ("AF7", -0.27, 0.38),
    ("AF8", 0.27, 0.38),
    ("F5", -0.28, 0.23),
    ("F6", 0.28, 0.23),
    ("FT7", -0.42, 0.12),
    ("FT8", 0.42, 0.12),
    ("TP7", -0.42, -0.12),
    ("TP8", 0.42, -0.12),
    ("P5", -0.28, -0.23),
    ("P6", 0.28, -0.23),
    ("PO7", -0.27, -0.38),
    ("PO8", 0.27, -0.38),
    ("T9", -0.55, 0.0),
    ("T10", 0.55, 0.0),
    ("Iz", 0.0, -0.55),
];

/// Default number of channels (the [`MONTAGE`]).
pub const DEFAULT_CHANNELS: usize = MONTAGE.len();
/// Largest `--channels`: [`MONTAGE`] and every one of [`EXTRA_CHANNELS`].
pub const MAX_CHANNELS: usize = MONTAGE.len() + EXTRA_CHANNELS.len();

/// True for the default channel count (kept out of `simulation.json`, so its bytes stay as before).
fn is_default_channels(n: &usize) -> bool {
    *n == DEFAULT_CHANNELS
}

/// Settings of a simulation, validated by [`SimulateSpec::check`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulateSpec {
    /// Seed of the ChaCha8 generator; the same seed gives the same files.
    pub seed: u64,
    /// Peak ErrP positivity at FCz (7 µV) over the background RMS per channel.
    pub snr: f64,
    /// Number of recordings.
    pub recordings: usize,
    /// Robot actions (events) per recording.
    pub trials: usize,
    /// Sample rate, Hz.
    pub sample_rate_hz: f64,
    /// Probability that an action is a mistake.
    pub error_rate: f64,
    /// Number of channels: the 32 of [`MONTAGE`], then the first of [`EXTRA_CHANNELS`].
    #[serde(skip_serializing_if = "is_default_channels")]
    pub channels: usize,
}

impl Default for SimulateSpec {
    fn default() -> Self {
        SimulateSpec {
            seed: 1,
            snr: 1.0,
            recordings: 4,
            trials: 100,
            sample_rate_hz: 256.0,
            error_rate: 0.2,
            channels: DEFAULT_CHANNELS,
        }
    }
}

/// One simulated recording: samples × channels (µV) and its events (onset s, label).
#[derive(Debug, Clone)]
pub struct SimulatedRecording {
    /// Samples × channels, µV.
    pub samples: ndarray::Array2<f64>,
    /// Robot actions: onset in s and label (`robot_error` or `ok`).
    pub events: Vec<(f64, &'static str)>,
}

/// Seconds before the first and after the last event.
const MARGIN_S: f64 = 2.0;

/// A Gaussian bump `amp · exp(-(t-mu)²/(2σ²))`.
fn bump(t: f64, amp: f64, mu: f64, sigma: f64) -> f64 {
    amp * (-(t - mu) * (t - mu) / (2.0 * sigma * sigma)).exp()
}

/// The ErrP at FCz, µV, `t` s after the action (Ferrez & Millán 2008; see module docs).
pub fn errp_template(t: f64) -> f64 {
    bump(t, -5.0, 0.25, 0.03) + bump(t, 7.0, 0.35, 0.04) + bump(t, -3.0, 0.5, 0.06)
}

/// The feedback N1/P2 common to both labels, µV at its peak site.
fn evoked_template(t: f64) -> f64 {
    bump(t, -2.0, 0.1, 0.02) + bump(t, 3.0, 0.2, 0.04)
}

/// Gaussian spatial weight of the channel at (cx, cy) around (x, y), peak 1.
fn topo((_, cx, cy): (&str, f64, f64), x: f64, y: f64, sigma: f64) -> f64 {
    let d2 = (cx - x).powi(2) + (cy - y).powi(2);
    (-d2 / (2.0 * sigma * sigma)).exp()
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

impl SimulateSpec {
    /// Validates the settings.
    pub fn check(&self) -> Result<()> {
        if !(self.snr.is_finite() && self.snr > 0.0) {
            return Err(Error::input(format!(
                "--snr {}: expected a positive ratio",
                self.snr
            )));
        }
        if self.recordings == 0 || self.trials == 0 {
            return Err(Error::input(
                "--recordings and --trials: expected at least 1",
            ));
        }
        if !(self.sample_rate_hz.is_finite() && self.sample_rate_hz >= 64.0) {
            return Err(Error::input(format!(
                "--sample-rate {}: expected at least 64 Hz (the simulated spectrum reaches 30 Hz)",
                self.sample_rate_hz
            )));
        }
        if !(self.error_rate > 0.0 && self.error_rate < 1.0) {
            return Err(Error::input(format!(
                "--error-rate {}: expected a probability strictly between 0 and 1",
                self.error_rate
            )));
        }
        if !(DEFAULT_CHANNELS..=MAX_CHANNELS).contains(&self.channels) {
            return Err(Error::input(format!(
                "--channels {}: expected {DEFAULT_CHANNELS} to {MAX_CHANNELS} (10-10 positions)",
                self.channels
            )));
        }
        Ok(())
    }

    /// The channels in column order: name and scalp position (x right, y front).
    pub fn montage(&self) -> Vec<(&'static str, f64, f64)> {
        MONTAGE
            .iter()
            .chain(EXTRA_CHANNELS.iter())
            .take(self.channels)
            .copied()
            .collect()
    }

    /// Channel names in column order.
    pub fn channel_names(&self) -> Vec<String> {
        self.montage().iter().map(|m| m.0.to_string()).collect()
    }

    /// Simulates recording `index` (0-based); each recording has its own ChaCha8 stream.
    pub fn recording(&self, index: usize) -> SimulatedRecording {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(index as u64);
        let (events, t) = self.events(&mut rng);
        let duration = t - 2.0 + MARGIN_S;
        let n = (duration * self.sample_rate_hz).round() as usize;
        let mut samples = self.background(&mut rng, n);
        self.add_responses(&mut rng, &mut samples, &events);
        SimulatedRecording { samples, events }
    }

    /// The trials: (onset s, label), and the time (s) after the last trial's 2 ± 0.5 s.
    fn events(&self, rng: &mut ChaCha8Rng) -> (Vec<(f64, &'static str)>, f64) {
        let mut events = Vec::with_capacity(self.trials);
        let mut t = MARGIN_S;
        for _ in 0..self.trials {
            let label = if rng.random::<f64>() < self.error_rate {
                "robot_error"
            } else {
                "ok"
            };
            events.push((t, label));
            t += 2.0 + (rng.random::<f64>() - 0.5);
        }
        (events, t)
    }

    /// `n` samples of background EEG (µV): 1/f^1.5 sources and an occipital alpha rhythm mixed
    /// over the montage by scalp distance, plus white sensor noise.
    fn background(&self, rng: &mut ChaCha8Rng, n: usize) -> ndarray::Array2<f64> {
        let fs = self.sample_rate_hz;
        let montage = self.montage();
        let n_ch = montage.len();
        // background sources: 1/f^1.5 spectra
        let mut planner = RealFftPlanner::<f64>::new();
        let ifft = planner.plan_fft_inverse(n);
        let mut spectrum = ifft.make_input_vec();
        let mut source = ifft.make_output_vec();
        let mut shaped = |rng: &mut ChaCha8Rng, amp: &dyn Fn(f64) -> f64| -> Vec<f64> {
            for (k, s) in spectrum.iter_mut().enumerate() {
                let f = k as f64 * fs / n as f64;
                let a = amp(f);
                *s = Complex::new(a * normal(rng), a * normal(rng));
            }
            spectrum[0] = Complex::new(0.0, 0.0);
            if n % 2 == 0 {
                let last = spectrum.len() - 1;
                spectrum[last].im = 0.0;
            }
            ifft.process(&mut spectrum, &mut source)
                .expect("buffers from the plan");
            let rms = (source.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
            source.iter().map(|v| v / rms.max(1e-300)).collect()
        };
        let sources: Vec<Vec<f64>> = (0..n_ch)
            .map(|_| shaped(rng, &|f: f64| f.max(0.5).powf(-0.75)))
            .collect();
        let alpha = shaped(rng, &|f: f64| (-(f - 10.0).powi(2) / 2.0).exp());
        // mix: channel c = Σ_s K(c, s)·source_s, K a Gaussian kernel of scalp distance
        let mut samples = ndarray::Array2::<f64>::zeros((n, n_ch));
        let background_rms = 7.0 / self.snr;
        for (c, &(_, x, y)) in montage.iter().enumerate() {
            let weights: Vec<f64> = montage.iter().map(|&s| topo(s, x, y, 0.15)).collect();
            let norm = weights.iter().map(|w| w * w).sum::<f64>().sqrt();
            let alpha_w = 0.8 * topo(montage[c], 0.0, -0.4, 0.2);
            let mut col = samples.column_mut(c);
            for (s, w) in weights.iter().enumerate() {
                let g = background_rms * w / norm;
                for (v, x) in col.iter_mut().zip(&sources[s]) {
                    *v += g * x;
                }
            }
            for (v, a) in col.iter_mut().zip(&alpha) {
                *v += background_rms * alpha_w * a;
            }
        }
        for v in samples.iter_mut() {
            *v += normal(rng);
        }
        samples
    }

    /// Adds the evoked response to every trial and the ErrP to `robot_error` trials.
    fn add_responses(
        &self,
        rng: &mut ChaCha8Rng,
        samples: &mut ndarray::Array2<f64>,
        events: &[(f64, &'static str)],
    ) {
        let fs = self.sample_rate_hz;
        let n = samples.nrows();
        let montage = self.montage();
        let n_ch = montage.len();
        // evoked responses and ErrPs
        let errp_topo: Vec<f64> = montage.iter().map(|&c| topo(c, 0.0, 0.05, 0.15)).collect();
        let errp_norm = errp_topo[11]; // FCz carries the published amplitude
        let evoked_topo: Vec<f64> = montage.iter().map(|&c| topo(c, 0.0, -0.35, 0.2)).collect();
        for &(onset, label) in events {
            let jitter = 0.02 * normal(rng);
            let gain = 1.0 + 0.2 * normal(rng);
            let first = (onset * fs).round() as usize;
            let last = (((onset + 0.8) * fs).round() as usize).min(n);
            for i in first..last {
                let t = i as f64 / fs - onset;
                let ev = evoked_template(t);
                let err = if label == "robot_error" {
                    gain * errp_template(t - jitter) / errp_norm
                } else {
                    0.0
                };
                let mut row = samples.row_mut(i);
                for c in 0..n_ch {
                    row[c] += ev * evoked_topo[c] + err * errp_topo[c];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SimulateSpec {
        SimulateSpec {
            trials: 20,
            sample_rate_hz: 128.0,
            ..SimulateSpec::default()
        }
    }

    #[test]
    fn same_seed_same_recording_other_index_other_recording() {
        let a = small().recording(0);
        let b = small().recording(0);
        let c = small().recording(1);
        assert_eq!(a.samples, b.samples);
        assert_eq!(a.events, b.events);
        assert_ne!(a.samples, c.samples);
    }

    #[test]
    fn background_has_the_requested_rms_and_errp_the_published_peaks() {
        let spec = small();
        let r = spec.recording(0);
        // background at Cz: 7 µV / snr, plus 1 µV sensor noise and a little alpha
        let cz = r.samples.column(16);
        let rms = (cz.iter().map(|v| v * v).sum::<f64>() / cz.len() as f64).sqrt();
        assert!((rms / (7.0 / spec.snr) - 1.0).abs() < 0.2, "{rms}");
        // the summed waveform keeps the published peaks within 0.5 µV and 15 ms
        let t: Vec<f64> = (0..800).map(|i| i as f64 / 1000.0).collect();
        let peak = |lo: f64, hi: f64, sign: f64| {
            t.iter()
                .filter(|&&x| x >= lo && x <= hi)
                .map(|&x| (x, errp_template(x)))
                .max_by(|a, b| (sign * a.1).total_cmp(&(sign * b.1)))
                .unwrap()
        };
        let (tn, vn) = peak(0.15, 0.3, -1.0);
        let (tp, vp) = peak(0.3, 0.45, 1.0);
        assert!(
            (vn + 5.0).abs() < 0.5 && (tn - 0.25).abs() <= 0.015,
            "{tn} {vn}"
        );
        assert!(
            (vp - 7.0).abs() < 0.5 && (tp - 0.35).abs() <= 0.015,
            "{tp} {vp}"
        );
        let n_err = r.events.iter().filter(|e| e.1 == "robot_error").count();
        assert!(n_err > 0 && n_err < r.events.len());
    }

    #[test]
    fn bad_settings_are_errors() {
        assert!(SimulateSpec {
            snr: 0.0,
            ..small()
        }
        .check()
        .is_err());
        assert!(SimulateSpec {
            error_rate: 1.0,
            ..small()
        }
        .check()
        .is_err());
    }
}
