//! Polyphase rational resampling, equal to scipy's default
//! `scipy.signal.resample_poly(x, up, down)` (`window=('kaiser', 5.0)`, `padtype='constant'`):
//!
//! - `up/down` is reduced by their greatest common divisor;
//! - the anti-alias low-pass is `firwin(2·half_len + 1, 1/max(up, down), window=('kaiser', 5.0))`
//!   with `half_len = 10·max(up, down)`, multiplied by `up` (the gain the zero-stuffing lost);
//! - the signal is treated as zero outside `0..n` (`padtype='constant'`);
//! - the output has `ceil(n·up/down)` samples, output sample `i` at input time `i·down/up`
//!   (the filter is centred on it: no delay).
//!
//! Output sample `i` is `Σ_n x[n]·h[i·down + half_len − n·up]`, computed from the filter's
//! `up` polyphase components so only the non-zero products are taken. The filter is **not
//! causal** (each output uses `half_len/up` input samples after it), so this is for whole
//! recordings. Resampling changes the spectrum near the new Nyquist frequency: the Kaiser(5)
//! design's transition band lies around `min(rate_in, rate_out)/2`, attenuated by about 6 dB at
//! that frequency.
//!
//! Checked against scipy to 1e-9 relative (`tests/reference/make_resample_reference.py`).

use crate::{Error, Result};

/// Largest reduced `up` or `down` factor accepted: the filter has `20·max(up, down) + 1` taps.
pub const MAX_FACTOR: u64 = 4096;

/// A planned resampler from one rate to another: the reduced factors and the anti-alias
/// filter split into its polyphase components. Reusable for any number of signals.
#[derive(Debug, Clone, PartialEq)]
pub struct Resampler {
    /// Up-sampling factor (after reduction by the gcd).
    up: usize,
    /// Down-sampling factor (after reduction by the gcd).
    down: usize,
    /// Half the filter length, taps: `10·max(up, down)`.
    half_len: usize,
    /// Polyphase component `p` holds the filter taps `h[p], h[p + up], h[p + 2·up], …`
    /// (already multiplied by `up`).
    phases: Vec<Vec<f64>>,
}

/// `I0(x)`, the modified Bessel function of the first kind of order 0, by its power series
/// `Σ ((x/2)^k / k!)²` (converges to double precision for the arguments a Kaiser window uses).
pub fn bessel_i0(x: f64) -> f64 {
    let q = x * x / 4.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut k = 1.0;
    while term > sum * 1e-17 {
        term *= q / (k * k);
        sum += term;
        k += 1.0;
    }
    sum
}

/// The symmetric Kaiser window of `n` points and shape `beta` (scipy's
/// `get_window(('kaiser', beta), n, fftbins=False)`).
pub fn kaiser(n: usize, beta: f64) -> Vec<f64> {
    if n == 1 {
        return vec![1.0];
    }
    let alpha = (n - 1) as f64 / 2.0;
    let denom = bessel_i0(beta);
    (0..n)
        .map(|i| {
            let r = (i as f64 - alpha) / alpha;
            bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / denom
        })
        .collect()
}

/// `sin(πx)/(πx)`, 1 at 0 (numpy's `sinc`).
fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let y = std::f64::consts::PI * x;
        y.sin() / y
    }
}

/// A windowed-sinc low-pass of `numtaps` taps with cutoff `cutoff` (a fraction of Nyquist,
/// 0 to 1) and a Kaiser window of shape `beta`, scaled to unit gain at 0 Hz: scipy's
/// `firwin(numtaps, cutoff, window=('kaiser', beta))`.
pub fn firwin_kaiser(numtaps: usize, cutoff: f64, beta: f64) -> Vec<f64> {
    let alpha = 0.5 * (numtaps as f64 - 1.0);
    let win = kaiser(numtaps, beta);
    let mut h: Vec<f64> = (0..numtaps)
        .map(|i| {
            let m = i as f64 - alpha;
            cutoff * sinc(cutoff * m) * win[i]
        })
        .collect();
    let s: f64 = h.iter().sum();
    for v in &mut h {
        *v /= s;
    }
    h
}

/// Greatest common divisor.
fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The factors `(up, down)` taking `from_hz` to `to_hz`, reduced: both rates are scaled by the
/// smallest power of ten up to 1000 that makes them whole numbers (so 250 → 256 is 128/125 and
/// 128.5 → 257 is 2/1). Errors name `--resample` when the ratio needs a factor above
/// [`MAX_FACTOR`] or a rate is not a positive multiple of 0.001 Hz.
pub fn factors(from_hz: f64, to_hz: f64) -> Result<(usize, usize)> {
    let whole = |v: f64| (v - v.round()).abs() <= 1e-9 * v.abs().max(1.0);
    let scale = [1.0, 10.0, 100.0, 1000.0]
        .into_iter()
        .find(|s| whole(from_hz * s) && whole(to_hz * s));
    let bad = |why: &str| {
        Err(Error::input(format!(
            "--resample {to_hz} Hz from {from_hz} Hz: {why}"
        )))
    };
    let Some(scale) = scale.filter(|_| from_hz > 0.0 && to_hz > 0.0) else {
        return bad("expected positive rates that are whole multiples of 0.001 Hz");
    };
    let (a, b) = (
        (to_hz * scale).round() as u64,
        (from_hz * scale).round() as u64,
    );
    let g = gcd(a, b);
    let (up, down) = (a / g, b / g);
    if up.max(down) > MAX_FACTOR {
        return bad(&format!(
            "the ratio reduces to {up}/{down}, expected factors of at most {MAX_FACTOR} (the anti-alias filter has 20·max(up, down) + 1 taps); choose a rate with a simpler ratio"
        ));
    }
    Ok((up as usize, down as usize))
}

impl Resampler {
    /// Plans resampling by `up/down` (reduced here by their gcd), designing scipy's default
    /// filter. Both factors must be at least 1.
    pub fn new(up: usize, down: usize) -> Resampler {
        assert!(up >= 1 && down >= 1, "resampling factors must be positive");
        let g = gcd(up as u64, down as u64) as usize;
        let (up, down) = (up / g, down / g);
        let max_rate = up.max(down);
        let half_len = 10 * max_rate;
        let mut phases = vec![Vec::new(); up];
        if up == 1 && down == 1 {
            phases[0].push(1.0);
            return Resampler {
                up,
                down,
                half_len: 0,
                phases,
            };
        }
        let h = firwin_kaiser(2 * half_len + 1, 1.0 / max_rate as f64, 5.0);
        for (j, v) in h.iter().enumerate() {
            phases[j % up].push(v * up as f64);
        }
        Resampler {
            up,
            down,
            half_len,
            phases,
        }
    }

    /// Plans resampling from `from_hz` to `to_hz` (see [`factors`]).
    pub fn between(from_hz: f64, to_hz: f64) -> Result<Resampler> {
        let (up, down) = factors(from_hz, to_hz)?;
        Ok(Resampler::new(up, down))
    }

    /// The reduced factors `(up, down)`.
    pub fn factors(&self) -> (usize, usize) {
        (self.up, self.down)
    }

    /// Output length for `n` input samples: `ceil(n·up/down)`.
    pub fn output_len(&self, n: usize) -> usize {
        (n * self.up).div_ceil(self.down)
    }

    /// Resamples `x` into `out` (resized to [`Resampler::output_len`]); `out` keeps its
    /// allocation between calls.
    pub fn apply(&self, x: &[f64], out: &mut Vec<f64>) {
        let n = x.len();
        let n_out = self.output_len(n);
        out.clear();
        out.resize(n_out, 0.0);
        if n == 0 {
            return;
        }
        for (i, y) in out.iter_mut().enumerate() {
            // y[i] = Σ_n x[n]·h[t − n·up], t = i·down + half_len
            let t = i * self.down + self.half_len;
            let taps = &self.phases[t % self.up];
            let n0 = t / self.up;
            let k_min = n0.saturating_sub(n - 1);
            let k_max = n0.min(taps.len().saturating_sub(1));
            let mut acc = 0.0;
            if k_min <= k_max && !taps.is_empty() {
                for k in k_min..=k_max {
                    acc += taps[k] * x[n0 - k];
                }
            }
            *y = acc;
        }
    }
}

#[cfg(test)]
#[path = "resample_tests.rs"]
mod tests;
