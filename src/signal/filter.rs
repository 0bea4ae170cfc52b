//! IIR filters as second-order sections (SOS): Butterworth band-pass design identical to
//! `scipy.signal.butter(N, [lo, hi], btype="bandpass", output="sos", fs=fs)` up to the order of
//! the sections, the notch of `scipy.signal.iirnotch`, and their application:
//!
//! - [`Sos::filtfilt`] is `scipy.signal.sosfiltfilt` (odd extension, scipy's default `padlen`,
//!   `sosfilt_zi` initial conditions): **zero-phase and non-causal** — each output sample depends
//!   on samples after it, so it is for offline use on a whole recording.
//! - [`Sos::filter`] is `scipy.signal.sosfilt` with initial state `sosfilt_zi · x[0]`:
//!   **causal** — each output sample depends only on the samples up to it, as online use needs,
//!   at the price of a frequency-dependent delay.
//!
//! Both are checked against scipy to 1e-9 (`tests/reference/make_filter_reference.py`).

use crate::{Error, Result};
use realfft::num_complex::Complex;

/// A cascade of second-order sections, each `[b0, b1, b2, 1, a1, a2]` (scipy's layout).
#[derive(Debug, Clone, PartialEq)]
pub struct Sos {
    /// The sections, applied in order.
    pub sections: Vec<[f64; 6]>,
}

impl Sos {
    /// Butterworth band-pass of order `order` (2·order poles) passing `low_hz`..`high_hz` at
    /// `sample_rate_hz`, designed as scipy does: analog prototype, band transform of the
    /// pre-warped edges, bilinear transform.
    // long: one function on purpose: it follows scipy's `butter` → `buttap` →
    // `lp2bp_zpk` → `bilinear_zpk` → `zpk2sos` step by step, so it reads beside scipy's source.
    pub fn butter_bandpass(
        order: usize,
        low_hz: f64,
        high_hz: f64,
        sample_rate_hz: f64,
    ) -> Result<Sos> {
        let nyquist = sample_rate_hz / 2.0;
        if order == 0 || order > 12 {
            return Err(Error::input(format!(
                "filter order {order}, expected 1 to 12"
            )));
        }
        if !(low_hz > 0.0 && low_hz < high_hz && high_hz < nyquist) {
            return Err(Error::input(format!(
                "--bandpass {low_hz}-{high_hz} Hz at {sample_rate_hz} Hz, expected 0 < low < high < Nyquist ({nyquist} Hz)"
            )));
        }
        // scipy: Wn normalised to Nyquist, then warped = 2·fs·tan(π·Wn/fs) with fs = 2.
        let fs = 2.0;
        let warp = |f: f64| 2.0 * fs * (std::f64::consts::PI * (f / nyquist) / fs).tan();
        let (w_lo, w_hi) = (warp(low_hz), warp(high_hz));
        let bw = w_hi - w_lo;
        let wo = (w_lo * w_hi).sqrt();
        // buttap: p = -exp(iπ·m/(2N)), m = -N+1, -N+3, ..., N-1; k = 1.
        let n = order as i64;
        let proto: Vec<Complex<f64>> = (0..order)
            .map(|i| {
                let m = (-n + 1 + 2 * i as i64) as f64;
                -Complex::from_polar(1.0, std::f64::consts::PI * m / (2.0 * order as f64))
            })
            .collect();
        // lp2bp_zpk: N zeros at the origin, 2N poles, gain bw^N.
        let mut poles = Vec::with_capacity(2 * order);
        let scaled: Vec<Complex<f64>> = proto.iter().map(|p| p * (bw / 2.0)).collect();
        for p in &scaled {
            poles.push(p + (p * p - wo * wo).sqrt());
        }
        for p in &scaled {
            poles.push(p - (p * p - wo * wo).sqrt());
        }
        let k_analog = bw.powi(order as i32);
        // bilinear_zpk with fs = 2: z → (4 + z)/(4 - z); the N origin zeros map to +1 and the
        // N zeros at infinity to -1.
        let fs2 = 2.0 * fs;
        let zpoles: Vec<Complex<f64>> = poles.iter().map(|p| (fs2 + p) / (fs2 - p)).collect();
        let num = Complex::new(fs2.powi(order as i32), 0.0); // Π(fs2 - 0) over the N zeros
        let den: Complex<f64> = poles.iter().map(|p| fs2 - p).product();
        let k = k_analog * (num / den).re;
        // Sections: each conjugate pole pair (or pair of real poles, which wide bands give for
        // odd orders) with one zero at +1 and one at -1: b = [1, 0, -1], a from the poles; the
        // gain goes in the first section.
        let is_real = |p: &Complex<f64>| p.im.abs() <= 1e-12 * p.norm().max(1.0);
        let mut pairs: Vec<(f64, f64, f64)> = zpoles
            .iter()
            .filter(|p| !is_real(p) && p.im > 0.0)
            .map(|p| (-2.0 * p.re, p.norm_sqr(), p.norm()))
            .collect();
        let mut real: Vec<f64> = zpoles.iter().filter(|p| is_real(p)).map(|p| p.re).collect();
        real.sort_by(f64::total_cmp);
        for r in real.chunks(2) {
            if let [a, b] = *r {
                pairs.push((-(a + b), a * b, a.abs().max(b.abs())));
            }
        }
        if pairs.len() != order {
            return Err(Error::runtime(format!(
                "band-pass design produced {} pole pairs for order {order}",
                pairs.len()
            )));
        }
        // as scipy's zpk2sos: the poles closest to the unit circle go last.
        pairs.sort_by(|a, b| (1.0 - b.2).abs().total_cmp(&(1.0 - a.2).abs()));
        let sections = pairs
            .iter()
            .enumerate()
            .map(|(i, &(a1, a2, _))| {
                let g = if i == 0 { k } else { 1.0 };
                [g, 0.0, -g, 1.0, a1, a2]
            })
            .collect();
        Ok(Sos { sections })
    }

    /// Notch at `freq_hz` with quality factor `q` (width freq/q at -3 dB), exactly
    /// `scipy.signal.iirnotch(freq_hz, q, fs=sample_rate_hz)` as one section.
    pub fn notch(freq_hz: f64, q: f64, sample_rate_hz: f64) -> Result<Sos> {
        let nyquist = sample_rate_hz / 2.0;
        if !(freq_hz > 0.0 && freq_hz < nyquist && q.is_finite() && q > 0.0) {
            return Err(Error::input(format!(
                "--notch {freq_hz} Hz at {sample_rate_hz} Hz, expected 0 < frequency < Nyquist ({nyquist} Hz)"
            )));
        }
        let w0 = 2.0 * freq_hz / sample_rate_hz;
        let bw = w0 / q * std::f64::consts::PI;
        let w0 = w0 * std::f64::consts::PI;
        // gb = 1/√2 (-3 dB): beta = (√(1-gb²)/gb)·tan(bw/2) = tan(bw/2)
        let gb = 1.0 / 2f64.sqrt();
        let beta = ((1.0 - gb * gb).sqrt() / gb) * (bw / 2.0).tan();
        let gain = 1.0 / (1.0 + beta);
        let c = w0.cos();
        Ok(Sos {
            sections: vec![[
                gain,
                -2.0 * c * gain,
                gain,
                1.0,
                -2.0 * gain * c,
                2.0 * gain - 1.0,
            ]],
        })
    }

    /// Appends the sections of `other` (the cascade of both filters).
    pub fn then(mut self, other: Sos) -> Sos {
        self.sections.extend(other.sections);
        self
    }

    /// scipy's default `padlen` for `sosfiltfilt`: 3 × (2·sections + 1 − sections whose b2 and
    /// a2 are both zero, counted as scipy does).
    pub fn padlen(&self) -> usize {
        let zb = self.sections.iter().filter(|s| s[2] == 0.0).count();
        let za = self.sections.iter().filter(|s| s[5] == 0.0).count();
        3 * (2 * self.sections.len() + 1 - zb.min(za))
    }

    /// `scipy.signal.sosfilt_zi`: the state of each section in steady state for a unit step.
    pub fn zi(&self) -> Vec<[f64; 2]> {
        let mut scale = 1.0;
        self.sections
            .iter()
            .map(|s| {
                let (b0, b1, b2, a1, a2) = (s[0], s[1], s[2], s[4], s[5]);
                // lfilter_zi: solve (I − companion(a)ᵀ)·zi = b[1:] − a[1:]·b0
                let r0 = b1 - a1 * b0;
                let r1 = b2 - a2 * b0;
                let z0 = (r0 + r1) / (1.0 + a1 + a2);
                let z1 = r1 - a2 * z0;
                let out = [scale * z0, scale * z1];
                scale *= (b0 + b1 + b2) / (1.0 + a1 + a2);
                out
            })
            .collect()
    }

    /// Runs the cascade over `x` in place (direct form II transposed), starting from `state`
    /// (updated to the final state).
    fn run(&self, x: &mut [f64], state: &mut [[f64; 2]]) {
        for (s, z) in self.sections.iter().zip(state.iter_mut()) {
            let (b0, b1, b2, a1, a2) = (s[0], s[1], s[2], s[4], s[5]);
            let (mut z0, mut z1) = (z[0], z[1]);
            for v in x.iter_mut() {
                let xi = *v;
                let y = b0 * xi + z0;
                z0 = b1 * xi - a1 * y + z1;
                z1 = b2 * xi - a2 * y;
                *v = y;
            }
            *z = [z0, z1];
        }
    }

    /// Causal filtering in place, as `sosfilt(sos, x, zi=sosfilt_zi(sos)·x[0])`: the filter
    /// starts in the steady state of the first sample, so there is no onset transient.
    pub fn filter(&self, x: &mut [f64]) {
        if x.is_empty() {
            return;
        }
        let x0 = x[0];
        let mut state: Vec<[f64; 2]> = self.zi().iter().map(|z| [z[0] * x0, z[1] * x0]).collect();
        self.run(x, &mut state);
    }

    /// Causal filtering of every column of a samples × channels array in place, each column as
    /// [`Sos::filter`] does; the channels are run side by side (independent recurrences, so the
    /// inner loop vectorises), which is what an online decoder needs per epoch.
    pub fn filter_columns(&self, x: &mut ndarray::Array2<f64>) {
        let n_ch = x.ncols();
        if x.nrows() == 0 || n_ch == 0 {
            return;
        }
        let first = x.row(0).to_vec();
        let zi = self.zi();
        let mut z0 = vec![0.0; n_ch];
        let mut z1 = vec![0.0; n_ch];
        for (s, zs) in self.sections.iter().zip(&zi) {
            let (b0, b1, b2, a1, a2) = (s[0], s[1], s[2], s[4], s[5]);
            for c in 0..n_ch {
                z0[c] = zs[0] * first[c];
                z1[c] = zs[1] * first[c];
            }
            for mut row in x.rows_mut() {
                let row = row.as_slice_mut().expect("standard layout");
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

    /// Zero-phase (forward-backward, non-causal) filtering in place, as
    /// `scipy.signal.sosfiltfilt(sos, x)` with its defaults (odd extension of `padlen` samples).
    /// `scratch` is reused between calls. Fails when `x` is not longer than `padlen`.
    pub fn filtfilt(&self, x: &mut [f64], scratch: &mut Vec<f64>) -> Result<()> {
        let n = x.len();
        let pad = self.padlen();
        if n <= pad {
            return Err(Error::input(format!(
                "{n} samples are too few for zero-phase filtering, expected more than {pad}"
            )));
        }
        scratch.clear();
        scratch.reserve(n + 2 * pad);
        let (first, last) = (x[0], x[n - 1]);
        scratch.extend((1..=pad).rev().map(|i| 2.0 * first - x[i]));
        scratch.extend_from_slice(x);
        scratch.extend((1..=pad).map(|i| 2.0 * last - x[n - 1 - i]));
        let zi = self.zi();
        let x0 = scratch[0];
        let mut state: Vec<[f64; 2]> = zi.iter().map(|z| [z[0] * x0, z[1] * x0]).collect();
        self.run(scratch, &mut state);
        scratch.reverse();
        let y0 = scratch[0];
        let mut state: Vec<[f64; 2]> = zi.iter().map(|z| [z[0] * y0, z[1] * y0]).collect();
        self.run(scratch, &mut state);
        scratch.reverse();
        x.copy_from_slice(&scratch[pad..pad + n]);
        Ok(())
    }

    /// Zero-phase filtering of every column of a samples × channels array in place, each column
    /// bit for bit as [`Sos::filtfilt`] filters it alone (the same operations in the same order),
    /// but with the channels run side by side along the rows: no column is copied out and back,
    /// only the odd extensions (`padlen` rows at each end) are held apart. Fails when the array
    /// has no more rows than `padlen`.
    pub fn filtfilt_columns(&self, x: &mut ndarray::Array2<f64>) -> Result<()> {
        let (n, c) = x.dim();
        let pad = self.padlen();
        if n <= pad {
            return Err(Error::input(format!(
                "{n} samples are too few for zero-phase filtering, expected more than {pad}"
            )));
        }
        if c == 0 {
            return Ok(());
        }
        if !x.is_standard_layout() {
            *x = x.as_standard_layout().into_owned();
        }
        let data = x.as_slice_mut().expect("standard layout");
        // Odd extensions from the unfiltered data: head row k is 2·x[0] − x[pad − k], tail row k
        // is 2·x[n−1] − x[n − 2 − k], as `filtfilt` lays them out before and after the signal.
        let mut head = vec![0.0; pad * c];
        let mut tail = vec![0.0; pad * c];
        {
            let first = &data[..c];
            let last = &data[(n - 1) * c..];
            for (k, h) in head.chunks_exact_mut(c).enumerate() {
                let row = &data[(pad - k) * c..(pad - k + 1) * c];
                for ((h, f), v) in h.iter_mut().zip(first).zip(row) {
                    *h = 2.0 * f - v;
                }
            }
            for (k, t) in tail.chunks_exact_mut(c).enumerate() {
                let row = &data[(n - 2 - k) * c..(n - 1 - k) * c];
                for ((t, l), v) in t.iter_mut().zip(last).zip(row) {
                    *t = 2.0 * l - v;
                }
            }
        }
        let zi = self.zi();
        let n_sec = self.sections.len();
        let mut z0 = vec![0.0; n_sec * c];
        let mut z1 = vec![0.0; n_sec * c];
        let init = |z0: &mut [f64], z1: &mut [f64], start: &[f64]| {
            for ((zs, a), b) in zi
                .iter()
                .zip(z0.chunks_exact_mut(c))
                .zip(z1.chunks_exact_mut(c))
            {
                for ((a, b), v) in a.iter_mut().zip(b.iter_mut()).zip(start) {
                    *a = zs[0] * v;
                    *b = zs[1] * v;
                }
            }
        };
        // forward over head, signal, tail
        init(&mut z0, &mut z1, &head[..c]);
        for row in head
            .chunks_exact_mut(c)
            .chain(data.chunks_exact_mut(c))
            .chain(tail.chunks_exact_mut(c))
        {
            self.step_row(row, &mut z0, &mut z1);
        }
        // backward from the end of the forward output
        init(&mut z0, &mut z1, &tail[(pad - 1) * c..]);
        for row in tail
            .chunks_exact_mut(c)
            .rev()
            .chain(data.chunks_exact_mut(c).rev())
            .chain(head.chunks_exact_mut(c).rev())
        {
            self.step_row(row, &mut z0, &mut z1);
        }
        Ok(())
    }

    /// One sample of every channel (`row`) through the cascade in place; `z0` and `z1` hold
    /// each section's state for all channels (section-major).
    #[inline]
    fn step_row(&self, row: &mut [f64], z0: &mut [f64], z1: &mut [f64]) {
        let c = row.len();
        for ((s, z0), z1) in self
            .sections
            .iter()
            .zip(z0.chunks_exact_mut(c))
            .zip(z1.chunks_exact_mut(c))
        {
            let (b0, b1, b2, a1, a2) = (s[0], s[1], s[2], s[4], s[5]);
            for ((v, z0), z1) in row.iter_mut().zip(z0.iter_mut()).zip(z1.iter_mut()) {
                let xi = *v;
                let y = b0 * xi + *z0;
                *z0 = b1 * xi - a1 * y + *z1;
                *z1 = b2 * xi - a2 * y;
                *v = y;
            }
        }
    }

    /// Magnitude of the frequency response at `freq_hz`.
    pub fn gain_at(&self, freq_hz: f64, sample_rate_hz: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * freq_hz / sample_rate_hz;
        let z1 = Complex::from_polar(1.0, -w);
        let z2 = z1 * z1;
        self.sections
            .iter()
            .map(|s| {
                let num = s[0] + z1 * s[1] + z2 * s[2];
                let den = s[3] + z1 * s[4] + z2 * s[5];
                (num / den).norm()
            })
            .product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bandpass_passes_the_band_and_stops_outside() {
        let sos = Sos::butter_bandpass(4, 1.0, 10.0, 100.0).unwrap();
        assert_eq!(sos.sections.len(), 4);
        assert!((sos.gain_at(3.16, 100.0) - 1.0).abs() < 1e-2);
        // -3 dB at the edges, as every Butterworth
        assert!((sos.gain_at(1.0, 100.0) - 0.5f64.sqrt()).abs() < 1e-9);
        assert!((sos.gain_at(10.0, 100.0) - 0.5f64.sqrt()).abs() < 1e-9);
        assert!((sos.gain_at(30.0, 100.0) - 0.00211264).abs() < 1e-7); // scipy.signal.sosfreqz
        assert_eq!(sos.padlen(), 27);
    }

    #[test]
    fn notch_removes_its_frequency() {
        let sos = Sos::notch(50.0, 30.0, 250.0).unwrap();
        assert!(sos.gain_at(50.0, 250.0) < 1e-12);
        assert!((sos.gain_at(10.0, 250.0) - 1.0).abs() < 1e-3);
    }

    #[test]
    fn causal_filter_starts_without_transient_on_a_constant() {
        let sos = Sos::butter_bandpass(2, 1.0, 10.0, 100.0).unwrap();
        let mut x = vec![5.0; 50];
        sos.filter(&mut x);
        // the band-pass blocks DC: a constant input in steady state gives zero output
        assert!(x.iter().all(|v| v.abs() < 1e-9), "{x:?}");
    }

    #[test]
    fn column_filtering_equals_one_channel_at_a_time() {
        let sos = Sos::butter_bandpass(4, 1.0, 10.0, 100.0).unwrap();
        let mut x = ndarray::Array2::from_shape_fn((200, 3), |(i, c)| {
            ((i * (c + 3)) as f64 * 0.37).sin() * 10.0 + c as f64
        });
        let mut one = x.column(2).to_vec();
        sos.filter(&mut one);
        sos.filter_columns(&mut x);
        assert_eq!(x.column(2).to_vec(), one);
    }

    #[test]
    fn zero_phase_column_filtering_equals_one_channel_at_a_time_bit_for_bit() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let sos = Sos::butter_bandpass(4, 1.0, 10.0, 160.0)
            .unwrap()
            .then(Sos::notch(50.0, 30.0, 160.0).unwrap());
        for (n, c) in [(sos.padlen() + 1, 1), (300, 5), (1000, 32)] {
            let mut x = ndarray::Array2::from_shape_fn((n, c), |_| rng.random_range(-50.0..50.0));
            let mut scratch = Vec::new();
            let expected: Vec<Vec<f64>> = (0..c)
                .map(|j| {
                    let mut col = x.column(j).to_vec();
                    sos.filtfilt(&mut col, &mut scratch).unwrap();
                    col
                })
                .collect();
            sos.filtfilt_columns(&mut x).unwrap();
            for (j, e) in expected.iter().enumerate() {
                assert!(x.column(j).to_vec() == *e, "n {n}, channel {j}");
            }
        }
        let mut short = ndarray::Array2::<f64>::zeros((sos.padlen(), 2));
        assert!(sos.filtfilt_columns(&mut short).is_err());
    }

    #[test]
    fn bad_settings_are_errors() {
        assert!(Sos::butter_bandpass(4, 10.0, 1.0, 100.0).is_err());
        assert!(Sos::butter_bandpass(4, 1.0, 60.0, 100.0).is_err());
        assert!(Sos::notch(60.0, 30.0, 100.0).is_err());
        let sos = Sos::butter_bandpass(4, 1.0, 10.0, 100.0).unwrap();
        assert!(sos.filtfilt(&mut [0.0; 27], &mut Vec::new()).is_err());
    }
}
