//! Functions of symmetric positive definite (SPD) matrices, as pyriemann 0.12's
//! `pyriemann.utils.base` (`sqrtm`, `invsqrtm`, `logm`, `expm`): each through the symmetric
//! eigendecomposition `A = V·diag(λ)·Vᵀ` ([`symmetric_eigh`], which errors on non-convergence)
//! and `f(A) = V·diag(f(λ))·Vᵀ`; the Riemannian (affine-invariant) and log-Euclidean means of
//! SPD matrices (`mean_riemann`, `mean_logeuclid`) and the Riemannian distance.
//!
//! Checked against pyriemann values in `tests/reference/riemann.json`
//! (`tests/reference/make_riemann_reference.py`).

use super::linalg::symmetric_eigh;
use ndarray::Array2;

/// Why an SPD function failed.
#[derive(Debug, Clone, PartialEq)]
pub enum SpdError {
    /// An eigenvalue was not positive (or the matrix not finite): not positive definite.
    NotPositiveDefinite {
        /// The smallest eigenvalue found.
        smallest: f64,
    },
    /// The eigensolver failed (message from [`symmetric_eigh`]).
    Eigen(String),
}

impl std::fmt::Display for SpdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpdError::NotPositiveDefinite { smallest } => write!(
                f,
                "a matrix with smallest eigenvalue {smallest:e}, expected a symmetric positive definite matrix"
            ),
            SpdError::Eigen(m) => f.write_str(m),
        }
    }
}

/// Eigenvalues (unsorted) and eigenvectors (columns) of symmetric `a` (exactly symmetrised first).
pub fn eigh(a: &Array2<f64>) -> std::result::Result<(Vec<f64>, Array2<f64>), SpdError> {
    let mut s = a.clone();
    let n = s.nrows();
    for i in 0..n {
        for j in 0..i {
            let v = 0.5 * (s[[i, j]] + s[[j, i]]);
            s[[i, j]] = v;
            s[[j, i]] = v;
        }
    }
    symmetric_eigh(&s).map_err(|e| SpdError::Eigen(e.message))
}

/// `V·diag(f(λ))·Vᵀ` for the eigendecomposition of symmetric `a`; with `spd`, an eigenvalue
/// that is not positive and finite is an error.
pub fn apply(
    a: &Array2<f64>,
    spd: bool,
    f: impl Fn(f64) -> f64,
) -> std::result::Result<Array2<f64>, SpdError> {
    let (values, v) = eigh(a)?;
    let smallest = values.iter().copied().fold(f64::INFINITY, f64::min);
    if spd && !(smallest > 0.0 && values.iter().all(|x| x.is_finite())) {
        return Err(SpdError::NotPositiveDefinite { smallest });
    }
    // V·diag(f(λ))·Vᵀ as one matrix product (matrixmultiply's kernel), made exactly symmetric
    let fl: Vec<f64> = values.iter().map(|&x| f(x)).collect();
    let mut w = v.clone();
    for mut row in w.rows_mut() {
        row.iter_mut().zip(&fl).for_each(|(x, f)| *x *= f);
    }
    let m = w.dot(&v.t());
    Ok((&m + &m.t()) * 0.5)
}

/// Principal square root of an SPD matrix.
pub fn sqrtm(a: &Array2<f64>) -> std::result::Result<Array2<f64>, SpdError> {
    apply(a, true, f64::sqrt)
}

/// Inverse of the principal square root of an SPD matrix.
pub fn invsqrtm(a: &Array2<f64>) -> std::result::Result<Array2<f64>, SpdError> {
    apply(a, true, |x| 1.0 / x.sqrt())
}

/// Principal matrix logarithm of an SPD matrix.
pub fn logm(a: &Array2<f64>) -> std::result::Result<Array2<f64>, SpdError> {
    apply(a, true, f64::ln)
}

/// Matrix exponential of a symmetric matrix (SPD result).
pub fn expm(a: &Array2<f64>) -> std::result::Result<Array2<f64>, SpdError> {
    apply(a, false, f64::exp)
}

/// `b·a·b` (congruence by a symmetric `b`), made exactly symmetric.
pub fn congruence(b: &Array2<f64>, a: &Array2<f64>) -> Array2<f64> {
    let m = b.dot(a).dot(b);
    (&m + &m.t()) * 0.5
}

/// Tolerance of [`mean_riemann`] on the Frobenius norm of the mean tangent step (pyriemann's
/// `tol=10e-9`).
pub const MEAN_TOLERANCE: f64 = 1e-8;

/// Most iterations of [`mean_riemann`] (pyriemann's `maxiter=50`).
pub const MEAN_MAX_ITERATIONS: usize = 50;

/// Why a mean failed.
#[derive(Debug, Clone, PartialEq)]
pub enum MeanError {
    /// No matrices to average.
    Empty,
    /// A matrix (its index) or an iterate was not SPD, or the eigensolver failed.
    Spd(Option<usize>, SpdError),
    /// The fixed-point iteration did not converge: the last step's norm and step size.
    NotConverged {
        /// Frobenius norm of the last mean tangent vector.
        criterion: f64,
        /// The last step size ν.
        step: f64,
    },
}

impl std::fmt::Display for MeanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MeanError::Empty => f.write_str("no matrices, expected at least one"),
            MeanError::Spd(Some(i), e) => write!(f, "matrix {i}: {e}"),
            MeanError::Spd(None, e) => write!(f, "an iterate of the mean: {e}"),
            MeanError::NotConverged { criterion, step } => write!(
                f,
                "the Riemannian mean did not converge in {MEAN_MAX_ITERATIONS} iterations (step norm {criterion:e}, step size {step:e}), expected a step norm under {MEAN_TOLERANCE:e}"
            ),
        }
    }
}

/// The arithmetic mean of the matrices.
pub fn mean_euclid(mats: &[Array2<f64>]) -> std::result::Result<Array2<f64>, MeanError> {
    let first = mats.first().ok_or(MeanError::Empty)?;
    let mut c = Array2::<f64>::zeros(first.raw_dim());
    for m in mats {
        c += m;
    }
    Ok(c / mats.len() as f64)
}

/// The log-Euclidean mean `expm(mean(logm(Cᵢ)))` (pyriemann `mean_logeuclid`).
pub fn mean_logeuclid(mats: &[Array2<f64>]) -> std::result::Result<Array2<f64>, MeanError> {
    let logs = mats
        .iter()
        .enumerate()
        .map(|(i, m)| logm(m).map_err(|e| MeanError::Spd(Some(i), e)))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    expm(&mean_euclid(&logs)?).map_err(|e| MeanError::Spd(None, e))
}

/// The Riemannian (affine-invariant) mean by pyriemann 0.12's `mean_riemann` fixed-point
/// iteration: start at the arithmetic mean C; repeat `J = mean(logm(C^-½·Cᵢ·C^-½))`,
/// `C = C^½·expm(ν·J)·C^½`, with ν = 1 shrunk by 0.95 while `ν·‖J‖` decreases and halved
/// otherwise, until `‖J‖_F` ≤ [`MEAN_TOLERANCE`] or ν ≤ it; reaching
/// [`MEAN_MAX_ITERATIONS`] is an error (pyriemann only warns).
pub fn mean_riemann(mats: &[Array2<f64>]) -> std::result::Result<Array2<f64>, MeanError> {
    let mut c = mean_euclid(mats)?;
    let (mut nu, mut tau, mut crit) = (1.0f64, f64::MAX, f64::MAX);
    for _ in 0..MEAN_MAX_ITERATIONS {
        let c12 = sqrtm(&c).map_err(|e| MeanError::Spd(None, e))?;
        let cm12 = invsqrtm(&c).map_err(|e| MeanError::Spd(None, e))?;
        let mut j = Array2::<f64>::zeros(c.raw_dim());
        for (i, m) in mats.iter().enumerate() {
            j += &logm(&congruence(&cm12, m)).map_err(|e| MeanError::Spd(Some(i), e))?;
        }
        j /= mats.len() as f64;
        let step = expm(&(&j * nu)).map_err(|e| MeanError::Spd(None, e))?;
        c = congruence(&c12, &step);
        crit = j.iter().map(|x| x * x).sum::<f64>().sqrt();
        let h = nu * crit;
        if h < tau {
            nu *= 0.95;
            tau = h;
        } else {
            nu *= 0.5;
        }
        if crit <= MEAN_TOLERANCE || nu <= MEAN_TOLERANCE {
            return Ok(c);
        }
    }
    Err(MeanError::NotConverged {
        criterion: crit,
        step: nu,
    })
}

/// Squared Riemannian distance `Σ log²(λᵢ)` between SPD `a` and `b`, λ the eigenvalues of
/// `b^-½·a·b^-½` (pyriemann `distance_riemann`, squared).
pub fn distance_riemann_squared(
    a: &Array2<f64>,
    b: &Array2<f64>,
) -> std::result::Result<f64, SpdError> {
    let m = congruence(&invsqrtm(b)?, a);
    let (values, _) = eigh(&m)?;
    if values.iter().any(|&x| !(x > 0.0 && x.is_finite())) {
        let smallest = values.iter().copied().fold(f64::INFINITY, f64::min);
        return Err(SpdError::NotPositiveDefinite { smallest });
    }
    Ok(values.iter().map(|x| x.ln().powi(2)).sum())
}

#[cfg(test)]
#[path = "spd_tests.rs"]
mod tests;
