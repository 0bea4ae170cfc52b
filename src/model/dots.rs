//! The one product the logistic fit spends its time in: a vector dotted with a few rows
//! (`out[k] = Σⱼ a[j]·b[k·stride + j]`). Both products of the objective are this kernel: the
//! linear outputs (each window's features dotted with the K coefficient rows) and the gradient
//! (each feature's column, contiguous in a transposed copy made once per fit, dotted with the K
//! residual rows). At K ≤ 11 classes a general matrix product (matrixmultiply) packs the
//! feature matrix into panels on every call and pads K to its kernel's width: on the 11-class,
//! 1198 × 320 fit of the 14 EEGMMIDB runs those copies were a fifth of the fit's instructions.
//!
//! Four rows at a time, eight lanes each (two 4-wide accumulators per row), with AVX2 + FMA
//! when the CPU has them (detected at run time) and the same lanes in plain arithmetic
//! otherwise. The sum order is fixed by the lengths alone, so a result does not depend on
//! threads or call order; like matrixmultiply's kernels, a CPU with FMA rounds products
//! differently from one without.

/// `out[k] = Σⱼ a[j]·b[k·stride + j]` for every `k < out.len()`, `j < a.len()`.
///
/// # Panics
/// If `b` is shorter than `(out.len() − 1)·stride + a.len()` (a caller's bug, not input).
pub fn dots(a: &[f64], b: &[f64], stride: usize, out: &mut [f64]) {
    if let Some(last) = out.len().checked_sub(1) {
        assert!(b.len() >= last * stride + a.len(), "rows out of range");
    }
    #[cfg(target_arch = "x86_64")]
    if avx::available() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above); bounds were checked.
        unsafe { avx::dots(a, b, stride, out) };
        return;
    }
    portable(a, b, stride, out);
}

/// [`dots`] for two vectors at once (`out0` from `a0`, `out1` from `a1`, each bit for bit what
/// [`dots`] gives): each row of `b` is read once for both, which halves the traffic of `b`.
///
/// # Panics
/// If `a0` and `a1` differ in length, the outputs in count, or `b` is too short.
pub fn dots_pair(
    a0: &[f64],
    a1: &[f64],
    b: &[f64],
    stride: usize,
    out0: &mut [f64],
    out1: &mut [f64],
) {
    assert!(
        a0.len() == a1.len() && out0.len() == out1.len(),
        "pair shapes"
    );
    if let Some(last) = out0.len().checked_sub(1) {
        assert!(b.len() >= last * stride + a0.len(), "rows out of range");
    }
    #[cfg(target_arch = "x86_64")]
    if avx::available() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above); bounds were checked.
        unsafe { avx::dots_pair(a0, a1, b, stride, out0, out1) };
        return;
    }
    portable(a0, b, stride, out0);
    portable(a1, b, stride, out1);
}

/// Eight-lane sums of `a` with each row, in plain arithmetic (the lanes [`avx::dots`] keeps).
fn portable(a: &[f64], b: &[f64], stride: usize, out: &mut [f64]) {
    let body = a.len() / 8 * 8;
    for (k, o) in out.iter_mut().enumerate() {
        let row = &b[k * stride..k * stride + a.len()];
        let mut lanes = [0.0f64; 8];
        for (ac, bc) in a[..body].chunks_exact(8).zip(row[..body].chunks_exact(8)) {
            for l in 0..8 {
                lanes[l] += ac[l] * bc[l];
            }
        }
        *o = finish(&lanes, &a[body..], &row[body..]);
    }
}

/// The sum of the eight lanes (pairwise, as [`avx::dots`] reduces them) plus the tail.
fn finish(lanes: &[f64; 8], a_tail: &[f64], b_tail: &[f64]) -> f64 {
    let v: [f64; 4] = std::array::from_fn(|l| lanes[l] + lanes[l + 4]);
    let mut s = (v[0] + v[2]) + (v[1] + v[3]);
    for (x, y) in a_tail.iter().zip(b_tail) {
        s += x * y;
    }
    s
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use std::arch::x86_64::*;

    /// Whether this CPU has AVX2 and FMA (detected once by std, then cached).
    pub fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }

    /// [`super::dots`] with AVX2 + FMA, four rows at a time.
    ///
    /// # Safety
    /// The CPU must have AVX2 and FMA; `b` must hold every row (checked by the caller).
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dots(a: &[f64], b: &[f64], stride: usize, out: &mut [f64]) {
        let mut k = 0;
        while k + 4 <= out.len() {
            group::<4>(a, b, stride, k, &mut out[k..k + 4]);
            k += 4;
        }
        match out.len() - k {
            3 => group::<3>(a, b, stride, k, &mut out[k..]),
            2 => group::<2>(a, b, stride, k, &mut out[k..]),
            1 => group::<1>(a, b, stride, k, &mut out[k..]),
            _ => {}
        }
    }

    /// [`super::dots_pair`] with AVX2 + FMA, two rows of `b` at a time for both vectors.
    ///
    /// # Safety
    /// As [`dots`]; `a0`, `a1` of one length, `out0`, `out1` of one length.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dots_pair(
        a0: &[f64],
        a1: &[f64],
        b: &[f64],
        stride: usize,
        out0: &mut [f64],
        out1: &mut [f64],
    ) {
        let mut k = 0;
        while k + 2 <= out0.len() {
            pair::<2>(
                a0,
                a1,
                b,
                stride,
                k,
                &mut out0[k..k + 2],
                &mut out1[k..k + 2],
            );
            k += 2;
        }
        if k < out0.len() {
            pair::<1>(a0, a1, b, stride, k, &mut out0[k..], &mut out1[k..]);
        }
    }

    /// Rows `first..first + G` of `b` dotted with `a0` and with `a1`, the same lanes as [`group`].
    #[target_feature(enable = "avx2,fma")]
    unsafe fn pair<const G: usize>(
        a0: &[f64],
        a1: &[f64],
        b: &[f64],
        stride: usize,
        first: usize,
        out0: &mut [f64],
        out1: &mut [f64],
    ) {
        let n = a0.len();
        let body = n / 8 * 8;
        let (p0, p1) = (a0.as_ptr(), a1.as_ptr());
        let rows: [*const f64; G] = std::array::from_fn(|g| b.as_ptr().add((first + g) * stride));
        let mut lo0 = [_mm256_setzero_pd(); G];
        let mut hi0 = [_mm256_setzero_pd(); G];
        let mut lo1 = [_mm256_setzero_pd(); G];
        let mut hi1 = [_mm256_setzero_pd(); G];
        let mut j = 0;
        while j < body {
            let x0 = _mm256_loadu_pd(p0.add(j));
            let y0 = _mm256_loadu_pd(p0.add(j + 4));
            let x1 = _mm256_loadu_pd(p1.add(j));
            let y1 = _mm256_loadu_pd(p1.add(j + 4));
            for g in 0..G {
                let bl = _mm256_loadu_pd(rows[g].add(j));
                let bh = _mm256_loadu_pd(rows[g].add(j + 4));
                lo0[g] = _mm256_fmadd_pd(x0, bl, lo0[g]);
                hi0[g] = _mm256_fmadd_pd(y0, bh, hi0[g]);
                lo1[g] = _mm256_fmadd_pd(x1, bl, lo1[g]);
                hi1[g] = _mm256_fmadd_pd(y1, bh, hi1[g]);
            }
            j += 8;
        }
        for g in 0..G {
            let row = std::slice::from_raw_parts(rows[g], n);
            let mut lanes = [0.0f64; 8];
            _mm256_storeu_pd(lanes.as_mut_ptr(), lo0[g]);
            _mm256_storeu_pd(lanes.as_mut_ptr().add(4), hi0[g]);
            out0[g] = super::finish(&lanes, &a0[body..], &row[body..]);
            _mm256_storeu_pd(lanes.as_mut_ptr(), lo1[g]);
            _mm256_storeu_pd(lanes.as_mut_ptr().add(4), hi1[g]);
            out1[g] = super::finish(&lanes, &a1[body..], &row[body..]);
        }
    }

    /// Rows `first..first + G` of `b` dotted with `a`, into `out[..G]`.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn group<const G: usize>(
        a: &[f64],
        b: &[f64],
        stride: usize,
        first: usize,
        out: &mut [f64],
    ) {
        let n = a.len();
        let body = n / 8 * 8;
        let pa = a.as_ptr();
        let rows: [*const f64; G] = std::array::from_fn(|g| b.as_ptr().add((first + g) * stride));
        let mut lo = [_mm256_setzero_pd(); G];
        let mut hi = [_mm256_setzero_pd(); G];
        let mut j = 0;
        while j < body {
            let a0 = _mm256_loadu_pd(pa.add(j));
            let a1 = _mm256_loadu_pd(pa.add(j + 4));
            for g in 0..G {
                lo[g] = _mm256_fmadd_pd(a0, _mm256_loadu_pd(rows[g].add(j)), lo[g]);
                hi[g] = _mm256_fmadd_pd(a1, _mm256_loadu_pd(rows[g].add(j + 4)), hi[g]);
            }
            j += 8;
        }
        for g in 0..G {
            let mut lanes = [0.0f64; 8];
            _mm256_storeu_pd(lanes.as_mut_ptr(), lo[g]);
            _mm256_storeu_pd(lanes.as_mut_ptr().add(4), hi[g]);
            let row = std::slice::from_raw_parts(rows[g], n);
            out[g] = super::finish(&lanes, &a[body..], &row[body..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random value in [-1, 1).
    fn noise(state: &mut u64) -> f64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    #[test]
    fn dots_equal_the_exact_sums_for_every_length_and_row_count() {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        for n in [0usize, 1, 3, 7, 8, 9, 15, 16, 17, 64, 320, 1198] {
            for k in [1usize, 2, 3, 4, 5, 7, 8, 11] {
                let stride = n + 3;
                let a: Vec<f64> = (0..n).map(|_| noise(&mut s)).collect();
                let b: Vec<f64> = (0..k * stride).map(|_| noise(&mut s)).collect();
                let mut out = vec![f64::NAN; k];
                dots(&a, &b, stride, &mut out);
                let mut same = vec![f64::NAN; k];
                portable(&a, &b, stride, &mut same);
                for r in 0..k {
                    // the plain sum, within the rounding bound of an n-term dot product
                    let row = &b[r * stride..r * stride + n];
                    let exact: f64 = a.iter().zip(row).map(|(x, y)| x * y).sum();
                    let scale: f64 = a.iter().zip(row).map(|(x, y)| (x * y).abs()).sum();
                    let tol = (n as f64 + 2.0) * f64::EPSILON * scale.max(f64::MIN_POSITIVE);
                    assert!((out[r] - exact).abs() <= tol, "n {n} k {k} row {r}");
                    assert!((same[r] - exact).abs() <= tol, "n {n} k {k} row {r}");
                }
            }
        }
    }

    #[test]
    fn pairs_equal_single_dots_bit_for_bit() {
        let mut s = 11u64;
        for n in [0usize, 5, 8, 13, 320, 1198] {
            for k in [1usize, 2, 3, 4, 11] {
                let stride = n + 1;
                let a0: Vec<f64> = (0..n).map(|_| noise(&mut s)).collect();
                let a1: Vec<f64> = (0..n).map(|_| noise(&mut s)).collect();
                let b: Vec<f64> = (0..k * stride).map(|_| noise(&mut s)).collect();
                let (mut o0, mut o1) = (vec![0.0; k], vec![0.0; k]);
                dots_pair(&a0, &a1, &b, stride, &mut o0, &mut o1);
                let (mut e0, mut e1) = (vec![0.0; k], vec![0.0; k]);
                dots(&a0, &b, stride, &mut e0);
                dots(&a1, &b, stride, &mut e1);
                for r in 0..k {
                    assert_eq!(o0[r].to_bits(), e0[r].to_bits(), "n {n} k {k} row {r}");
                    assert_eq!(o1[r].to_bits(), e1[r].to_bits(), "n {n} k {k} row {r}");
                }
            }
        }
    }

    #[test]
    fn dots_depend_on_the_values_only() {
        // the same row at two positions of `b` gives bit-identical sums (no position effect)
        let mut s = 7u64;
        let a: Vec<f64> = (0..333).map(|_| noise(&mut s)).collect();
        let row: Vec<f64> = (0..333).map(|_| noise(&mut s)).collect();
        let mut b = Vec::new();
        for _ in 0..6 {
            b.extend_from_slice(&row);
        }
        let mut out = [0.0; 6];
        dots(&a, &b, 333, &mut out);
        assert!(out.iter().all(|v| v.to_bits() == out[0].to_bits()));
    }
}
