//! Minimum distance to mean (MDM; Barachant et al., IEEE TBME 59(4), 2012), as pyriemann 0.12's
//! `MDM(metric="riemann")`: each class's Riemannian mean of the training covariances; a window
//! goes to the class whose mean is nearest in the affine-invariant distance, with probabilities
//! `softmax(−δ²)` over the classes (pyriemann `predict_proba`).
//!
//! MDM takes the covariance features as they reach every classifier: the tangent vectors
//! `upper(logm(P^-½·C·P^-½))` at the feature's reference point P (`--metric riemann`), not
//! standardised. It maps each back to the whitened covariance `S = P^-½·C·P^-½ = expm(T)`.
//! Whitening by P is a congruence, under which the Riemannian mean, its fixed-point iteration
//! (start, steps and stop) and the distance are invariant, so the class means (stored whitened,
//! `P^-½·Mₖ·P^-½`), distances and probabilities are pyriemann's on the covariances themselves
//! (checked in `tests/it/reference_decode.rs`).

use super::traits::{BadValue, Fitted, Found, Settings};
use crate::signal::spd::{congruence, eigh, expm, invsqrtm, mean_riemann};
use crate::{Error, Result};
use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

/// MDM's settings: none (the affine-invariant metric, as pyriemann's default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MdmSpec {}

/// A fitted MDM: the Riemannian mean of each class's whitened training covariances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MdmModel {
    /// Each class's mean, whitened by the feature's reference point (`P^-½·Mₖ·P^-½`), n × n
    /// for n covariance rows, in class order.
    pub means: Vec<Vec<Vec<f64>>>,
    /// `Mₖ^-½` of every class mean, computed at the first prediction and reused (not stored).
    #[serde(skip)]
    roots: RootsCache,
}

impl MdmModel {
    /// The model of these whitened class means (n × n each, in class order).
    pub fn new(means: Vec<Vec<Vec<f64>>>) -> MdmModel {
        MdmModel {
            means,
            roots: RootsCache::default(),
        }
    }
}

/// The inverse square roots of the class means, computed once per model (they cost one
/// eigendecomposition each, as much as the rest of a prediction). Never part of the model's
/// value: two models with the same means are equal whether or not either has predicted.
#[derive(Debug, Clone, Default)]
struct RootsCache(std::sync::OnceLock<Vec<Array2<f64>>>);

impl PartialEq for RootsCache {
    fn eq(&self, _: &RootsCache) -> bool {
        true
    }
}

/// The side n of the symmetric matrices whose upper triangles have `len` entries, if any.
pub fn matrix_side(len: usize) -> Option<usize> {
    let n = (((8 * len + 1) as f64).sqrt() as usize).saturating_sub(1) / 2;
    (n >= 1 && n * (n + 1) / 2 == len).then_some(n)
}

/// The whitened covariance `expm(T)` of a tangent vector (pyriemann `upper` layout: the upper
/// triangle row by row, off-diagonal entries times √2).
pub fn from_tangent(t: ArrayView1<f64>, n: usize) -> std::result::Result<Array2<f64>, String> {
    let mut m = Array2::<f64>::zeros((n, n));
    let mut k = 0;
    for i in 0..n {
        for j in i..n {
            let v = if i == j {
                t[k]
            } else {
                t[k] / std::f64::consts::SQRT_2
            };
            m[[i, j]] = v;
            m[[j, i]] = v;
            k += 1;
        }
    }
    expm(&m).map_err(|e| e.to_string())
}

impl Settings for MdmSpec {
    fn describe(&self) -> String {
        "minimum distance to the classes' Riemannian means (MDM)".to_string()
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }

    fn takes_covariances(&self) -> bool {
        true
    }
}

impl MdmSpec {
    /// Fits on tangent vectors `x` (rows = windows, unstandardised) with class indices `y` in
    /// `0..n_classes`: each class's Riemannian mean.
    pub fn fit(&self, x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<MdmModel> {
        let n = matrix_side(x.ncols()).ok_or_else(|| {
            Error::input(format!(
                "--classifier mdm: {} feature columns, expected the upper triangle of a covariance matrix (--features cov, xdawncov or erpcov alone)",
                x.ncols()
            ))
        })?;
        let mut mats: Vec<Vec<Array2<f64>>> = vec![Vec::new(); n_classes];
        for (row, &c) in x.rows().into_iter().zip(y) {
            let s = from_tangent(row, n).map_err(|e| {
                Error::runtime(format!(
                    "--classifier mdm: a training window's covariance: {e}"
                ))
            })?;
            mats[c].push(s);
        }
        let mut means = Vec::with_capacity(n_classes);
        for (k, m) in mats.iter().enumerate() {
            let mean = mean_riemann(m).map_err(|e| {
                Error::runtime(format!(
                    "--classifier mdm: the Riemannian mean of class {} ({} windows): {e}",
                    k + 1,
                    m.len()
                ))
            })?;
            means.push(mean.rows().into_iter().map(|r| r.to_vec()).collect());
        }
        Ok(MdmModel::new(means))
    }
}

impl MdmModel {
    /// Side n of the class means.
    fn side(&self) -> usize {
        self.means.first().map_or(0, |m| m.len())
    }

    /// `Mₖ^-½` of every class mean (NaN-filled where a stored mean is not SPD), computed once.
    fn inverse_roots(&self) -> &[Array2<f64>] {
        let n = self.side();
        self.roots.0.get_or_init(|| {
            self.means
                .iter()
                .map(|m| {
                    let a = Array2::from_shape_fn((n, n), |(i, j)| m[i][j]);
                    invsqrtm(&a).unwrap_or_else(|_| Array2::from_elem((n, n), f64::NAN))
                })
                .collect()
        })
    }

    /// Squared Riemannian distances of the whitened covariance of tangent vector `x` to each
    /// class mean, into `out` (NaN when a matrix is not SPD).
    fn distances(&self, roots: &[Array2<f64>], x: ArrayView1<f64>, out: &mut [f64]) {
        let Ok(s) = from_tangent(x, self.side()) else {
            out.iter_mut().for_each(|o| *o = f64::NAN);
            return;
        };
        for (o, r) in out.iter_mut().zip(roots) {
            *o = match eigh(&congruence(r, &s)) {
                Ok((values, _)) if values.iter().all(|&v| v > 0.0 && v.is_finite()) => {
                    values.iter().map(|v| v.ln().powi(2)).sum()
                }
                _ => f64::NAN,
            };
        }
    }
}

/// `softmax(−d)` of squared distances `d`, in place (pyriemann's `predict_proba`).
fn softmax_negative(d: &mut [f64]) {
    let m = d.iter().copied().fold(f64::INFINITY, f64::min);
    let mut sum = 0.0;
    for v in d.iter_mut() {
        *v = (m - *v).exp();
        sum += *v;
    }
    d.iter_mut().for_each(|v| *v /= sum);
}

impl Fitted for MdmModel {
    fn n_classes(&self) -> usize {
        self.means.len()
    }

    fn predict_proba_row(&self, x: ArrayView1<f64>, out: &mut [f64]) {
        self.distances(self.inverse_roots(), x, out);
        softmax_negative(out);
    }

    fn predict_proba(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let roots = self.inverse_roots();
        let mut out = Array2::zeros((x.nrows(), self.n_classes()));
        for (row, mut o) in x.rows().into_iter().zip(out.rows_mut()) {
            let o = o.as_slice_mut().expect("contiguous");
            self.distances(roots, row, o);
            softmax_negative(o);
        }
        out
    }

    fn shape_error(&self, n_features: usize) -> Option<String> {
        let n = self.side();
        if matrix_side(n_features) != Some(n)
            || self
                .means
                .iter()
                .any(|m| m.len() != n || m.iter().any(|r| r.len() != n))
        {
            return Some(format!(
                "expected each MDM class mean to be n × n with n·(n+1)/2 = {n_features} feature columns"
            ));
        }
        None
    }

    fn bad_value(&self) -> Option<BadValue> {
        for (k, m) in self.means.iter().enumerate() {
            for (i, row) in m.iter().enumerate() {
                let field = format!("classifier.model.means[{k}][{i}]");
                if let Some(b) = BadValue::first_of(&field, row, f64::is_finite, "a finite number")
                {
                    return Some(b);
                }
                if let Some(j) = (0..row.len()).find(|&j| row[j] != m[j][i]) {
                    return Some(BadValue::number(
                        format!("{field}[{j}]"),
                        row[j],
                        format!("{} (the mean is symmetric)", m[j][i]),
                    ));
                }
            }
            let n = m.len();
            let a = Array2::from_shape_fn((n, n), |(i, j)| m[i][j]);
            if let Err(e) = invsqrtm(&a) {
                return Some(BadValue {
                    field: format!("classifier.model.means[{k}]"),
                    found: Found::Text(e.to_string()),
                    expected: "a symmetric positive definite matrix".into(),
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn side_of_triangles() {
        assert_eq!(matrix_side(1), Some(1));
        assert_eq!(matrix_side(3), Some(2));
        assert_eq!(matrix_side(2080), Some(64));
        assert_eq!(matrix_side(4), None);
        assert_eq!(matrix_side(0), None);
    }

    #[test]
    fn nearest_mean_wins_and_probabilities_are_a_softmax() {
        // tangent vectors of diag(e^a, e^b): [a, 0, b]
        let x = array![
            [1.0, 0.0, 1.0],
            [1.2, 0.0, 0.8],
            [-1.0, 0.0, -1.0],
            [-0.8, 0.0, -1.2]
        ];
        let m = MdmSpec {}.fit(x.view(), &[0, 0, 1, 1], 2).unwrap();
        // means of commuting matrices: the mean of the logs
        assert!(
            (m.means[0][0][0] - 1.1f64.exp()).abs() < 1e-9,
            "{:?}",
            m.means
        );
        let p = m.predict_proba(array![[0.9, 0.0, 0.9]].view());
        let d0 = (0.9f64 - 1.1).powi(2) + (0.9f64 - 0.9).powi(2);
        let d1 = (0.9f64 + 0.9).powi(2) + (0.9f64 + 1.1).powi(2);
        let want = 1.0 / (1.0 + (d0 - d1).exp());
        assert!((p[[0, 0]] - want).abs() < 1e-9, "{p}");
        assert!(m.shape_error(3).is_none() && m.shape_error(6).is_some());
        assert!(m.bad_value().is_none());
    }
}
