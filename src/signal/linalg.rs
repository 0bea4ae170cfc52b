//! Dense linear algebra for the small symmetric matrices eegi meets (covariances of a few
//! hundred channels or features at most): Cholesky factorisation (plain, and with the ridge
//! xDAWN needs), forward and back triangular solves, the cyclic Jacobi symmetric eigensolver
//! and the generalized symmetric-definite eigenproblem built from them, and a Householder + QL
//! symmetric eigensolver (O(n³), for the SPD matrix functions of `signal::spd`). One copy of each; the
//! shrinkage LDA (`model::lda`) and xDAWN (`features::xdawn`) both call these.
//!
//! Checked against numpy/scipy values in `tests/reference/linalg.json`
//! (`tests/reference/make_linalg_reference.py`).

use crate::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1};

/// Why a Cholesky factorisation failed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CholeskyError {
    /// The mean of the diagonal is not positive and finite: the matrix has no variance at all.
    NoVariance,
    /// Pivot `pivot` (0-based row) was not above the floor (or not finite): the matrix is not
    /// positive definite, or singular to working precision.
    NotPositiveDefinite {
        /// Row whose pivot failed.
        pivot: usize,
    },
}

/// Lower Cholesky factor `L` of a symmetric positive definite matrix (`L·Lᵀ = a`; only the
/// lower triangle of `a` is read). A pivot that is not positive and finite is an error.
pub fn cholesky(a: &Array2<f64>) -> std::result::Result<Array2<f64>, CholeskyError> {
    cholesky_with(a, 0.0, 0.0)
}

/// Ridge that [`cholesky_regularised`] adds to a singular matrix, relative to its mean
/// diagonal.
pub const RELATIVE_RIDGE: f64 = 1e-10;

/// Smallest pivot [`cholesky_regularised`] accepts, relative to the largest diagonal entry.
pub const RELATIVE_PIVOT_FLOOR: f64 = 1e-12;

/// Lower Cholesky factor of a symmetric positive semi-definite matrix such as a covariance. A
/// matrix singular to working precision (a pivot at or below [`RELATIVE_PIVOT_FLOOR`] of the
/// largest diagonal entry, e.g. a covariance after common-average referencing, which removes
/// one dimension) is factorised again with a ridge of [`RELATIVE_RIDGE`] of its mean diagonal
/// added; its null directions then get an eigenvalue ≈ 0. A matrix whose mean diagonal is not
/// positive, or that is still singular with the ridge, is an error.
pub fn cholesky_regularised(a: &Array2<f64>) -> std::result::Result<Array2<f64>, CholeskyError> {
    let n = a.nrows();
    let scale = (0..n).map(|i| a[[i, i]]).sum::<f64>() / n as f64;
    if !(scale.is_finite() && scale > 0.0) {
        return Err(CholeskyError::NoVariance);
    }
    let max_diag = (0..n).map(|i| a[[i, i]]).fold(0.0, f64::max);
    let floor = RELATIVE_PIVOT_FLOOR * max_diag;
    cholesky_with(a, 0.0, floor).or_else(|_| cholesky_with(a, RELATIVE_RIDGE * scale, floor))
}

/// Columns of the factor [`cholesky_with`] brings up to date together: each row of `U` already
/// done is read once per block instead of once per column (a 1,000-feature LDA's factor is
/// 8 MB, beyond the caches; 32 columns of it are at most 256 kB).
const CHOLESKY_BLOCK: usize = 32;

/// Lower Cholesky factor of `a + ridge·I`; a pivot (before its square root) at or below
/// `floor`, or not finite, is an error.
///
/// Column-oriented on `U = Lᵀ` held row-major: column `j` of `L` (row `j` of `U`) is
/// `a[j.., j]` less `l[j, k]`·(column `k` of `L` from `j` on) for each `k < j`, a contiguous
/// multiply-subtract that vectorises. Columns go in blocks of [`CHOLESKY_BLOCK`]: the rows
/// `k` before the block update all its columns (`k` ascending), then each column takes the rows
/// of the block before it (`k` ascending). Every entry still subtracts the same products in the
/// same order (`k` ascending) as the textbook dot-product form, so the factor is bit for bit
/// the same.
fn cholesky_with(
    a: &Array2<f64>,
    ridge: f64,
    floor: f64,
) -> std::result::Result<Array2<f64>, CholeskyError> {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { cholesky_avx2(a, ridge, floor) };
    }
    cholesky_blocked(a, ridge, floor)
}

/// [`cholesky_blocked`] compiled for AVX2 (4 lanes instead of SSE2's 2; no FMA, so every
/// product is rounded before it is subtracted, as in the portable build).
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn cholesky_avx2(
    a: &Array2<f64>,
    ridge: f64,
    floor: f64,
) -> std::result::Result<Array2<f64>, CholeskyError> {
    cholesky_blocked(a, ridge, floor)
}

/// The body of [`cholesky_with`].
#[inline(always)]
fn cholesky_blocked(
    a: &Array2<f64>,
    ridge: f64,
    floor: f64,
) -> std::result::Result<Array2<f64>, CholeskyError> {
    let n = a.nrows();
    let mut u = vec![0.0; n * n];
    for j0 in (0..n).step_by(CHOLESKY_BLOCK) {
        let j1 = (j0 + CHOLESKY_BLOCK).min(n);
        let (done, rest) = u.split_at_mut(j0 * n);
        let block = &mut rest[..(j1 - j0) * n];
        for (b, row) in block.chunks_exact_mut(n).enumerate() {
            let j = j0 + b;
            for (i, c) in row[j..].iter_mut().enumerate() {
                *c = a[[j + i, j]];
            }
            row[j] += ridge;
        }
        // the rows done before the block, four at a time, each read once for all its columns
        for rows in done.chunks(4 * n) {
            for (b, row) in block.chunks_exact_mut(n).enumerate() {
                subtract_rows(&mut row[j0 + b..], rows, n, j0 + b);
            }
        }
        // then, column by column, the rows of the block before it
        for j in j0..j1 {
            let (before, row) = block.split_at_mut((j - j0) * n);
            let col = &mut row[j..n];
            subtract_rows(col, before, n, j);
            let d = col[0];
            if !(d > floor && d.is_finite()) {
                return Err(CholeskyError::NotPositiveDefinite { pivot: j });
            }
            let d = d.sqrt();
            col[0] = d;
            for c in col[1..].iter_mut() {
                *c /= d;
            }
        }
    }
    let u = Array2::from_shape_vec((n, n), u).expect("n × n values");
    Ok(u.reversed_axes().as_standard_layout().into_owned())
}

/// `col[i] -= u_k[j + i]·u_k[j]` for each row `u_k` of `rows` (rows of `n`), `k` ascending;
/// four rows per pass over `col`, each subtraction still rounded on its own and in order.
#[inline(always)]
fn subtract_rows(col: &mut [f64], rows: &[f64], n: usize, j: usize) {
    let mut quads = rows.chunks_exact(4 * n);
    for q in &mut quads {
        let (u0, q) = q.split_at(n);
        let (u1, q) = q.split_at(n);
        let (u2, u3) = q.split_at(n);
        let (a0, a1, a2, a3) = (u0[j], u1[j], u2[j], u3[j]);
        let lanes = col.iter_mut().zip(&u0[j..]).zip(&u1[j..]).zip(&u2[j..]);
        for ((((c, l0), l1), l2), l3) in lanes.zip(&u3[j..]) {
            *c = *c - l0 * a0 - l1 * a1 - l2 * a2 - l3 * a3;
        }
    }
    for uk in quads.remainder().chunks_exact(n) {
        let ljk = uk[j];
        for (c, lik) in col.iter_mut().zip(&uk[j..]) {
            *c -= lik * ljk;
        }
    }
}

/// Solves `L·x = b` in place for lower triangular `L` (forward substitution; only the lower
/// triangle of `l` is read).
pub fn forward_substitute(l: &Array2<f64>, mut b: ArrayViewMut1<f64>) {
    for i in 0..l.nrows() {
        let mut s = b[i];
        for k in 0..i {
            s -= l[[i, k]] * b[k];
        }
        b[i] = s / l[[i, i]];
    }
}

/// Solves `Lᵀ·x = b` in place for lower triangular `L` (back substitution with the upper
/// triangular `Lᵀ`; only the lower triangle of `l` is read).
pub fn back_substitute_transposed(l: &Array2<f64>, mut b: ArrayViewMut1<f64>) {
    let n = l.nrows();
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[[k, i]] * b[k];
        }
        b[i] = s / l[[i, i]];
    }
}

/// Solves `L·Lᵀ·x = b` given the Cholesky factor `L` of [`cholesky`].
pub fn cholesky_solve(l: &Array2<f64>, b: ArrayView1<f64>) -> Array1<f64> {
    let mut x = b.to_owned();
    forward_substitute(l, x.view_mut());
    back_substitute_transposed(l, x.view_mut());
    x
}

/// Most sweeps of the Jacobi eigensolver; it converges quadratically, in under 15 sweeps for
/// any symmetric matrix of a few hundred rows.
pub const JACOBI_SWEEPS: usize = 100;

/// Eigenvalues (unsorted) and eigenvectors (columns, orthonormal) of a symmetric matrix by
/// cyclic Jacobi rotations (accurate to working precision; n ≤ a few hundred). Not converging
/// in [`JACOBI_SWEEPS`] sweeps (the squared off-diagonal mass still above 1e-20 of the total),
/// or a matrix that is not finite, is a runtime error naming the sweeps and the off-diagonal
/// norm left; an unconverged result is never returned.
pub fn jacobi_eigh(mut a: Array2<f64>) -> Result<(Vec<f64>, Array2<f64>)> {
    let n = a.nrows();
    let mut v = Array2::<f64>::eye(n);
    for _sweep in 0..JACOBI_SWEEPS {
        let (off, total) = off_diagonal(&a);
        // converged, or no rotation can make a matrix that is not finite converge
        if off <= 1e-30 * total || off == 0.0 || !total.is_finite() || off.is_nan() {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                jacobi_rotate(&mut a, &mut v, p, q);
            }
        }
    }
    let (off, total) = off_diagonal(&a);
    let converged = off <= 1e-20 * total; // false for NaN
    if !converged || !total.is_finite() || v.iter().any(|x| !x.is_finite()) {
        return Err(Error::runtime(format!(
            "the Jacobi eigensolver did not converge in {JACOBI_SWEEPS} sweeps (off-diagonal norm {:e}, matrix norm {:e}), expected a finite symmetric matrix",
            (2.0 * off).sqrt(),
            total.sqrt()
        )));
    }
    Ok(((0..n).map(|i| a[[i, i]]).collect(), v))
}

/// Sum of squares of the strict lower triangle of `a`, and of all of `a`.
fn off_diagonal(a: &Array2<f64>) -> (f64, f64) {
    let n = a.nrows();
    let off: f64 = (0..n)
        .flat_map(|i| (0..i).map(move |j| (i, j)))
        .map(|(i, j)| a[[i, j]] * a[[i, j]])
        .sum();
    (off, a.iter().map(|x| x * x).sum())
}

/// One Jacobi rotation zeroing `a[p][q]` (`a ← Jᵀ·a·J`), accumulated into the eigenvectors `v`.
fn jacobi_rotate(a: &mut Array2<f64>, v: &mut Array2<f64>, p: usize, q: usize) {
    let apq = a[[p, q]];
    if apq == 0.0 {
        return;
    }
    let n = a.nrows();
    let theta = (a[[q, q]] - a[[p, p]]) / (2.0 * apq);
    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
    let t = if theta == 0.0 { 1.0 } else { t };
    let c = 1.0 / (t * t + 1.0).sqrt();
    let s = t * c;
    for k in 0..n {
        let akp = a[[k, p]];
        let akq = a[[k, q]];
        a[[k, p]] = c * akp - s * akq;
        a[[k, q]] = s * akp + c * akq;
    }
    for k in 0..n {
        let apk = a[[p, k]];
        let aqk = a[[q, k]];
        a[[p, k]] = c * apk - s * aqk;
        a[[q, k]] = s * apk + c * aqk;
    }
    for k in 0..n {
        let vkp = v[[k, p]];
        let vkq = v[[k, q]];
        v[[k, p]] = c * vkp - s * vkq;
        v[[k, q]] = s * vkp + c * vkq;
    }
}

/// Most implicit QL iterations per eigenvalue in [`symmetric_eigh`]; it needs 1-2 on average.
pub const QL_ITERATIONS: usize = 60;

/// Eigenvalues (unsorted) and eigenvectors (columns, orthonormal) of a symmetric matrix by
/// Householder tridiagonalisation and the implicit QL algorithm (JAMA's `tred2`/`tql2`, after
/// EISPACK): O(n³), for the many decompositions of the SPD toolkit (`signal::spd`), where the
/// Jacobi solver would be too slow on 64 channels. A matrix that is not finite, or an
/// eigenvalue not converged in [`QL_ITERATIONS`] iterations, is a runtime error; an
/// unconverged result is never returned. Only the lower triangle of `a` is read.
pub fn symmetric_eigh(a: &Array2<f64>) -> Result<(Vec<f64>, Array2<f64>)> {
    let n = a.nrows();
    if a.iter().any(|x| !x.is_finite()) {
        return Err(Error::runtime(
            "the symmetric eigensolver got a matrix that is not finite, expected finite values",
        ));
    }
    let mut v: Vec<f64> = (0..n * n)
        .map(|k| {
            let (i, j) = (k / n, k % n);
            if i >= j {
                a[[i, j]]
            } else {
                a[[j, i]]
            }
        })
        .collect();
    let mut d = vec![0.0; n];
    let mut e = vec![0.0; n];
    if n > 0 {
        tridiagonalise(&mut v, &mut d, &mut e, n);
        implicit_ql(&mut v, &mut d, &mut e, n)?;
    }
    let vectors = Array2::from_shape_vec((n, n), v).expect("n × n values");
    Ok((d, vectors))
}

/// JAMA's `tred2`: reduces the symmetric `v` (n × n) to tridiagonal form (diagonal `d`,
/// sub-diagonal `e[1..]`), leaving in `v` the orthogonal transformation TRANSPOSED (row-major),
/// i.e. the transformation in column-major order: JAMA's loops run down columns, which are
/// contiguous this way (the same operations, so bit for bit JAMA's result).
// long: JAMA's tred2 kept as one routine, line for line, so it can be checked against the original
fn tridiagonalise(v: &mut [f64], d: &mut [f64], e: &mut [f64], n: usize) {
    let ix = |i: usize, j: usize| j * n + i;
    // row n−1 of the symmetric input = its column n−1
    d.copy_from_slice(&v[(n - 1) * n..n * n]);
    for i in (1..n).rev() {
        let scale: f64 = d[..i].iter().map(|x| x.abs()).sum();
        let mut h = 0.0;
        if scale == 0.0 {
            e[i] = d[i - 1];
            for j in 0..i {
                d[j] = v[ix(i - 1, j)];
                v[ix(i, j)] = 0.0;
                v[ix(j, i)] = 0.0;
            }
        } else {
            for dk in d[..i].iter_mut() {
                *dk /= scale;
                h += *dk * *dk;
            }
            let f = d[i - 1];
            let g = if f > 0.0 { -h.sqrt() } else { h.sqrt() };
            e[i] = scale * g;
            h -= f * g;
            d[i - 1] = f - g;
            e[..i].iter_mut().for_each(|x| *x = 0.0);
            for j in 0..i {
                let f = d[j];
                v[ix(j, i)] = f;
                let mut g = e[j] + v[ix(j, j)] * f;
                for k in j + 1..i {
                    g += v[ix(k, j)] * d[k];
                    e[k] += v[ix(k, j)] * f;
                }
                e[j] = g;
            }
            let mut f = 0.0;
            for j in 0..i {
                e[j] /= h;
                f += e[j] * d[j];
            }
            let hh = f / (h + h);
            for j in 0..i {
                e[j] -= hh * d[j];
            }
            for j in 0..i {
                let (f, g) = (d[j], e[j]);
                for k in j..i {
                    v[ix(k, j)] -= f * e[k] + g * d[k];
                }
                d[j] = v[ix(i - 1, j)];
                v[ix(i, j)] = 0.0;
            }
        }
        d[i] = h;
    }
    for i in 0..n - 1 {
        v[ix(n - 1, i)] = v[ix(i, i)];
        v[ix(i, i)] = 1.0;
        let h = d[i + 1];
        if h != 0.0 {
            for k in 0..=i {
                d[k] = v[ix(k, i + 1)] / h;
            }
            for j in 0..=i {
                let g: f64 = (0..=i).map(|k| v[ix(k, i + 1)] * v[ix(k, j)]).sum();
                for k in 0..=i {
                    v[ix(k, j)] -= g * d[k];
                }
            }
        }
        for k in 0..=i {
            v[ix(k, i + 1)] = 0.0;
        }
    }
    for j in 0..n {
        d[j] = v[ix(n - 1, j)];
        v[ix(n - 1, j)] = 0.0;
    }
    v[ix(n - 1, n - 1)] = 1.0;
    e[0] = 0.0;
}

/// `√(a² + b²)`: directly where the squares can neither overflow nor underflow (libm's `hypot`,
/// which guards against both, cost the QL iterations a tenth of their time), else `f64::hypot`.
fn hypot(a: f64, b: f64) -> f64 {
    let big = a.abs().max(b.abs());
    if big < 1e150 && big > 1e-150 {
        (a * a + b * b).sqrt()
    } else {
        a.hypot(b)
    }
}

/// Transposes the row-major n × n matrix `v` in place.
fn transpose_square(v: &mut [f64], n: usize) {
    for i in 0..n {
        for j in i + 1..n {
            v.swap(i * n + j, j * n + i);
        }
    }
}

/// JAMA's `tql2`: eigenvalues (into `d`) and eigenvectors (into `v`, row-major, one per
/// column) of the tridiagonal form left by [`tridiagonalise`], by implicit QL iterations.
fn implicit_ql(v: &mut [f64], d: &mut [f64], e: &mut [f64], n: usize) -> Result<()> {
    // `v` holds the transformation transposed ([`tridiagonalise`]): the rotations combine two
    // eigenvector columns, here two contiguous rows, which the compiler vectorises (the same
    // operations on each element, so bit for bit the column-wise result)
    for i in 1..n {
        e[i - 1] = e[i];
    }
    e[n - 1] = 0.0;
    let (mut f, mut tst1) = (0.0f64, 0.0f64);
    let eps = f64::EPSILON;
    for l in 0..n {
        tst1 = tst1.max(d[l].abs() + e[l].abs());
        let m = (l..n).find(|&m| e[m].abs() <= eps * tst1).unwrap_or(n - 1);
        let mut iterations = 0;
        while m > l && e[l].abs() > eps * tst1 {
            iterations += 1;
            if iterations > QL_ITERATIONS {
                return Err(Error::runtime(format!(
                    "the symmetric eigensolver did not converge in {QL_ITERATIONS} iterations for eigenvalue {l} (off-diagonal {:e}), expected a well-scaled symmetric matrix",
                    e[l]
                )));
            }
            let g = d[l];
            let mut p = (d[l + 1] - g) / (2.0 * e[l]);
            let mut r = hypot(p, 1.0);
            if p < 0.0 {
                r = -r;
            }
            d[l] = e[l] / (p + r);
            d[l + 1] = e[l] * (p + r);
            let dl1 = d[l + 1];
            let h = g - d[l];
            d[l + 2..n].iter_mut().for_each(|x| *x -= h);
            f += h;
            p = d[m];
            let (mut c, mut c2, mut c3) = (1.0f64, 1.0f64, 1.0f64);
            let el1 = e[l + 1];
            let (mut s, mut s2) = (0.0f64, 0.0f64);
            for i in (l..m).rev() {
                c3 = c2;
                c2 = c;
                s2 = s;
                let g = c * e[i];
                let h = c * p;
                r = hypot(p, e[i]);
                e[i + 1] = s * r;
                s = e[i] / r;
                c = p / r;
                p = c * d[i] - s * g;
                d[i + 1] = h + s * (c * g + s * d[i]);
                let (head, tail) = v.split_at_mut((i + 1) * n);
                for (x, y) in head[i * n..].iter_mut().zip(&mut tail[..n]) {
                    let h = *y;
                    *y = s * *x + c * h;
                    *x = c * *x - s * h;
                }
            }
            p = -s * s2 * c3 * el1 * e[l] / dl1;
            e[l] = s * p;
            d[l] = c * p;
        }
        d[l] += f;
        e[l] = 0.0;
    }
    transpose_square(v, n);
    if d.iter().chain(v.iter()).any(|x| !x.is_finite()) {
        return Err(Error::runtime(
            "the symmetric eigensolver gave values that are not finite, expected a well-scaled symmetric matrix",
        ));
    }
    Ok(())
}

/// Solves the generalized symmetric-definite eigenproblem `c·v = λ·(L·Lᵀ)·v` for symmetric
/// `c` and the Cholesky factor `L` of the right-hand matrix: eigenvalues (unsorted) and
/// eigenvectors (columns, `Vᵀ·L·Lᵀ·V = I`), through the symmetric matrix `L⁻¹·c·L⁻ᵀ` and
/// [`jacobi_eigh`] (whose non-convergence is the error).
pub fn generalized_eigh(c: &Array2<f64>, l: &Array2<f64>) -> Result<(Vec<f64>, Array2<f64>)> {
    let n = c.nrows();
    // M = L⁻¹ C (forward substitution on each column), then A = L⁻¹ Mᵀ = L⁻¹ C L⁻ᵀ
    let lower_solve = |b: &Array2<f64>| {
        let mut x = b.clone();
        for col in x.columns_mut() {
            forward_substitute(l, col);
        }
        x
    };
    let m = lower_solve(c);
    let mut a = lower_solve(&m.t().to_owned());
    // exact symmetry before Jacobi
    for i in 0..n {
        for j in 0..i {
            let v = 0.5 * (a[[i, j]] + a[[j, i]]);
            a[[i, j]] = v;
            a[[j, i]] = v;
        }
    }
    let (values, mut v) = jacobi_eigh(a)?;
    // v = L⁻ᵀ u (back substitution)
    for col in v.columns_mut() {
        back_substitute_transposed(l, col);
    }
    Ok((values, v))
}

#[cfg(test)]
#[path = "linalg_tests.rs"]
mod tests;
