//! Welch's power spectral density, defined exactly as `scipy.signal.welch` with a periodic Hann
//! window, constant detrend, one-sided density scaling and mean averaging.

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use std::sync::Arc;

/// A reusable Welch PSD computation for one segment length: FFT plan, window and scratch.
pub struct WelchPlan {
    segment_len: usize,
    step: usize,
    sample_rate_hz: f64,
    window: Vec<f64>,
    /// 1 / (fs · Σw²): turns |X|² into a density in µV²/Hz.
    density_scale: f64,
    fft: Arc<dyn RealToComplex<f64>>,
    input: Vec<f64>,
    spectrum: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    /// For even segment lengths: the same transform, computing only the bins asked for.
    half: Option<HalfLengthFft>,
}

/// The real FFT of an even length N as realfft computes it (a complex FFT of the N/2 pairs of
/// samples, then one twiddle step per bin), with the twiddle step done only for the bins
/// asked for: band power needs ~45 of 257 bins, and the full step cost as much as the FFT.
struct HalfLengthFft {
    fft: Arc<dyn rustfft::Fft<f64>>,
    /// realfft's twiddles: e^(-2πik/N) / 2 for k = 1..
    twiddles: Vec<Complex<f64>>,
    /// Samples (x[2n], x[2n+1]) as complex values.
    packed: Vec<Complex<f64>>,
    /// The complex FFT of `packed`.
    half_spectrum: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
}

impl HalfLengthFft {
    /// Plans for even `len`, exactly as realfft's `RealToComplexEven` does.
    fn new(len: usize) -> HalfLengthFft {
        let fft = rustfft::FftPlanner::<f64>::new().plan_fft_forward(len / 2);
        let twiddle_count = if len % 4 == 0 { len / 4 } else { len / 4 + 1 };
        let twiddles = (1..twiddle_count)
            .map(|i| {
                let angle = -2.0 * std::f64::consts::PI / len as f64 * i as f64;
                Complex::new(angle.cos(), angle.sin()) * 0.5
            })
            .collect();
        HalfLengthFft {
            packed: vec![Complex::default(); len / 2],
            half_spectrum: vec![Complex::default(); len / 2],
            scratch: vec![Complex::default(); fft.get_outofplace_scratch_len()],
            twiddles,
            fft,
        }
    }

    /// Transforms `packed` and writes |X_k|² for k = `first_bin..first_bin + out.len()`: the
    /// same operations, in the same order, as realfft's post-processing of those bins.
    fn power(&mut self, first_bin: usize, out: &mut [f64]) {
        self.fft.process_outofplace_with_scratch(
            &mut self.packed,
            &mut self.half_spectrum,
            &mut self.scratch,
        );
        let z = &self.half_spectrum;
        let m = z.len();
        let n_pairs = self.twiddles.len();
        for (p, k) in out.iter_mut().zip(first_bin..) {
            let x = if k == 0 {
                Complex::new(z[0].re + z[0].im, 0.0)
            } else if k == m {
                Complex::new(z[0].re - z[0].im, 0.0)
            } else if k <= n_pairs || k + n_pairs >= m {
                // the pair (j, m - j) with j in 1..=n_pairs: bin j is the first of the two
                let j = if k <= n_pairs { k } else { m - k };
                let (out, out_rev, twiddle) = (z[j], z[m - j], self.twiddles[j - 1]);
                let sum = out + out_rev;
                let diff = out - out_rev;
                let twiddled_re_sum = sum * twiddle.re;
                let twiddled_im_sum = sum * twiddle.im;
                let twiddled_re_diff = diff * twiddle.re;
                let twiddled_im_diff = diff * twiddle.im;
                let half_sum_re = 0.5 * sum.re;
                let half_diff_im = 0.5 * diff.im;
                let twiddled_real = twiddled_re_sum.im + twiddled_im_diff.re;
                let twiddled_im = twiddled_im_sum.im - twiddled_re_diff.re;
                if k == j {
                    Complex::new(half_sum_re + twiddled_real, half_diff_im + twiddled_im)
                } else {
                    Complex::new(half_sum_re - twiddled_real, twiddled_im - half_diff_im)
                }
            } else {
                // the centre bin m / 2 (m even)
                z[k].conj()
            };
            *p = x.norm_sqr();
        }
    }
}

impl std::fmt::Debug for WelchPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WelchPlan")
            .field("segment_len", &self.segment_len)
            .field("step", &self.step)
            .field("sample_rate_hz", &self.sample_rate_hz)
            .finish()
    }
}

impl Clone for WelchPlan {
    fn clone(&self) -> Self {
        WelchPlan::new(
            self.segment_len,
            self.segment_len - self.step,
            self.sample_rate_hz,
        )
    }
}

impl WelchPlan {
    /// Plans Welch over segments of `segment_len` samples overlapping by `overlap_len` samples,
    /// at `sample_rate_hz`. Panics if `overlap_len >= segment_len` or `segment_len < 2`
    /// (callers validate settings first).
    pub fn new(segment_len: usize, overlap_len: usize, sample_rate_hz: f64) -> Self {
        assert!(segment_len >= 2 && overlap_len < segment_len);
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(segment_len);
        let n = segment_len as f64;
        let window: Vec<f64> = (0..segment_len)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n).cos())
            .collect();
        let power: f64 = window.iter().map(|w| w * w).sum();
        WelchPlan {
            segment_len,
            step: segment_len - overlap_len,
            sample_rate_hz,
            density_scale: 1.0 / (sample_rate_hz * power),
            input: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            half: (segment_len % 2 == 0).then(|| HalfLengthFft::new(segment_len)),
            window,
            fft,
        }
    }

    /// Number of frequency bins of the one-sided PSD.
    pub fn n_bins(&self) -> usize {
        self.segment_len / 2 + 1
    }

    /// Frequency resolution in Hz (bin spacing, fs / segment length).
    pub fn resolution_hz(&self) -> f64 {
        self.sample_rate_hz / self.segment_len as f64
    }

    /// Frequency of bin `k` in Hz, computed as numpy's `rfftfreq` does (bit for bit), so that
    /// a bin on a band edge falls on the same side as in scipy.
    pub fn frequency_hz(&self, k: usize) -> f64 {
        k as f64 * (1.0 / (self.segment_len as f64 * (1.0 / self.sample_rate_hz)))
    }

    /// Number of segments averaged for a signal of `n` samples (0 when `n` < segment length).
    pub fn n_segments(&self, n: usize) -> usize {
        if n < self.segment_len {
            0
        } else {
            (n - self.segment_len) / self.step + 1
        }
    }

    /// Samples between the starts of two consecutive segments.
    pub fn step(&self) -> usize {
        self.step
    }

    /// Segment length in samples.
    pub fn segment_len(&self) -> usize {
        self.segment_len
    }

    /// Writes into `psd` (`n_bins()` long) the one-sided PSD in µV²/Hz of the samples `x`
    /// (one channel, contiguous). Trailing samples that do not fill a segment are not used, as
    /// in scipy. Panics when `x` is shorter than one segment (callers validate settings first).
    pub fn psd(&mut self, x: &[f64], psd: &mut [f64]) {
        let n_seg = self.n_segments(x.len());
        assert!(n_seg >= 1, "signal shorter than one Welch segment");
        assert_eq!(psd.len(), self.n_bins());
        psd.iter_mut().for_each(|p| *p = 0.0);
        for s in 0..n_seg {
            self.transform_segment(&x[s * self.step..s * self.step + self.segment_len]);
            for (p, c) in psd.iter_mut().zip(&self.spectrum) {
                *p += c.norm_sqr();
            }
        }
        for (k, p) in psd.iter_mut().enumerate() {
            *p *= self.bin_scale(k, n_seg);
        }
    }

    /// Writes |X|² (µV², unscaled) of bins `first_bin..first_bin + out.len()` of one segment
    /// (`segment_len()` samples, detrended and windowed as in [`WelchPlan::psd`]) into `out`.
    /// The PSD of a signal is the sum over its segments, in order from 0.0, of these values
    /// times [`WelchPlan::bin_scale`]: bit for bit what `psd` gives.
    pub fn segment_power(&mut self, segment: &[f64], first_bin: usize, out: &mut [f64]) {
        if let Some(half) = &mut self.half {
            debug_assert_eq!(segment.len(), self.segment_len);
            // the detrend of `transform_segment`, written straight into complex pairs: going
            // through `input` first measured 1.4-1.7x slower per window (stages bench)
            let mean = sum(segment) / self.segment_len as f64;
            for ((z, x), w) in half
                .packed
                .iter_mut()
                .zip(segment.chunks_exact(2))
                .zip(self.window.chunks_exact(2))
            {
                *z = Complex::new((x[0] - mean) * w[0], (x[1] - mean) * w[1]);
            }
            half.power(first_bin, out);
            return;
        }
        self.transform_segment(segment);
        for (p, c) in out.iter_mut().zip(&self.spectrum[first_bin..]) {
            *p = c.norm_sqr();
        }
    }

    /// The factor that turns bin `k` of the summed |X|² of `n_seg` segments into a one-sided
    /// density in µV²/Hz (1 / (fs · Σw² · n_seg), doubled except at 0 Hz and Nyquist).
    pub fn bin_scale(&self, k: usize, n_seg: usize) -> f64 {
        let scale = self.density_scale / n_seg as f64;
        let nyquist_bin = (self.segment_len % 2 == 0).then_some(self.segment_len / 2);
        let one_sided = if k == 0 || Some(k) == nyquist_bin {
            1.0
        } else {
            2.0
        };
        scale * one_sided
    }

    /// Detrends (mean), windows and transforms one segment into `spectrum`.
    fn transform_segment(&mut self, segment: &[f64]) {
        debug_assert_eq!(segment.len(), self.segment_len);
        let mean = sum(segment) / self.segment_len as f64;
        for ((out, &v), &w) in self.input.iter_mut().zip(segment).zip(&self.window) {
            *out = (v - mean) * w;
        }
        self.fft
            .process_with_scratch(&mut self.input, &mut self.spectrum, &mut self.scratch)
            .expect("buffer lengths come from the plan");
    }
}

/// The sum of `x` over eight interleaved partial sums: as accurate as a running sum (each
/// partial sum adds an eighth of the terms) and not one long chain of dependent additions.
fn sum(x: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    let tail: f64 = chunks.remainder().iter().sum();
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_power_lands_in_its_bin_and_integrates_to_variance() {
        // A 10 Hz sine of amplitude 2 µV at 100 Hz: variance 2 µV², all power near 10 Hz.
        let fs = 100.0;
        let x: Vec<f64> = (0..400)
            .map(|i| 2.0 * (2.0 * std::f64::consts::PI * 10.0 * i as f64 / fs).sin())
            .collect();
        let mut plan = WelchPlan::new(100, 50, fs);
        let mut psd = vec![0.0; plan.n_bins()];
        plan.psd(&x, &mut psd);
        let peak = (0..psd.len())
            .max_by(|&a, &b| psd[a].total_cmp(&psd[b]))
            .unwrap();
        assert_eq!(plan.frequency_hz(peak), 10.0);
        let total: f64 = psd.iter().sum::<f64>() * plan.resolution_hz();
        // Hann density scaling preserves total power: ≈ variance (1.5x bins leak but sum holds).
        assert!((total - 2.0).abs() < 0.05, "total power {total}");
    }

    #[test]
    fn segment_count_matches_scipy() {
        let plan = WelchPlan::new(160, 80, 160.0);
        assert_eq!(plan.n_segments(320), 3);
        assert_eq!(plan.n_segments(159), 0);
        assert_eq!(plan.n_segments(399), 3);
        let odd = WelchPlan::new(65, 33, 160.0);
        assert_eq!(odd.n_bins(), 33);
        assert_eq!(odd.n_segments(320), (320 - 65) / 32 + 1);
    }

    #[test]
    fn segment_power_of_some_bins_equals_the_full_real_fft_bit_for_bit() {
        // lengths divisible by 4, even but not by 4 (realfft's other twiddle count), tiny, and
        // odd (the full realfft path); every run of bins, including 0 Hz, centre and Nyquist
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 200.0 - 100.0
        };
        for len in [2usize, 4, 6, 10, 64, 250, 254, 256, 512, 65, 125] {
            let segment: Vec<f64> = (0..len).map(|_| next()).collect();
            let mut plan = WelchPlan::new(len, len / 2, 100.0);
            plan.transform_segment(&segment);
            let full: Vec<f64> = plan.spectrum.iter().map(|c| c.norm_sqr()).collect();
            let n_bins = plan.n_bins();
            for first in 0..n_bins {
                for end in [first + 1, (first + 7).min(n_bins), n_bins] {
                    let mut out = vec![f64::NAN; end - first];
                    plan.segment_power(&segment, first, &mut out);
                    for (k, (a, b)) in out.iter().zip(&full[first..end]).enumerate() {
                        assert_eq!(a.to_bits(), b.to_bits(), "len {len}, bin {}", first + k);
                    }
                }
            }
        }
    }
}
