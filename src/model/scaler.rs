//! Standardisation: subtract each feature's training mean and divide by its standard deviation.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

/// Per-feature mean and standard deviation fitted on training windows only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scaler {
    /// Mean of each feature over the training windows.
    pub mean: Vec<f64>,
    /// Population standard deviation of each feature (1 where the feature was constant).
    pub scale: Vec<f64>,
}

impl Scaler {
    /// Fits on the rows of `x` (as scikit-learn's `StandardScaler`: population std, 1 for a
    /// constant feature).
    pub fn fit(x: ArrayView2<f64>) -> Scaler {
        let n = x.nrows().max(1) as f64;
        let mean = x.sum_axis(Axis(0)) / n;
        let mut var = vec![0.0; x.ncols()];
        for row in x.rows() {
            for ((v, &xi), &m) in var.iter_mut().zip(row).zip(&mean) {
                *v += (xi - m) * (xi - m);
            }
        }
        let scale = var
            .iter()
            .map(|v| {
                let s = (v / n).sqrt();
                if s > 0.0 && s.is_finite() {
                    s
                } else {
                    1.0
                }
            })
            .collect();
        Scaler {
            mean: mean.to_vec(),
            scale,
        }
    }

    /// [`Scaler::fit`], leaving the columns flagged in `unscaled` as they are (mean 0, scale 1);
    /// a column past the end of `unscaled` is standardised.
    pub fn fit_except(x: ArrayView2<f64>, unscaled: &[bool]) -> Scaler {
        let mut s = Scaler::fit(x);
        for (j, _) in unscaled.iter().enumerate().filter(|(_, &u)| u) {
            if j < s.mean.len() {
                s.mean[j] = 0.0;
                s.scale[j] = 1.0;
            }
        }
        s
    }

    /// The identity (mean 0, scale 1) for `n` features: for classifiers that take features as
    /// they are (MDM on covariances).
    pub fn identity(n: usize) -> Scaler {
        Scaler {
            mean: vec![0.0; n],
            scale: vec![1.0; n],
        }
    }

    /// Standardises the rows of `x`.
    pub fn transform(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let mut out = x.to_owned();
        for mut row in out.rows_mut() {
            self.transform_row(row.as_slice_mut().expect("owned rows are contiguous"));
        }
        out
    }

    /// Standardises one row in place.
    pub fn transform_row(&self, row: &mut [f64]) {
        for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
            *v = (*v - m) / s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn standardises_to_zero_mean_unit_variance_and_keeps_constant_features() {
        let x = array![[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]];
        let s = Scaler::fit(x.view());
        assert_eq!(s.mean, vec![3.0, 5.0]);
        assert!((s.scale[0] - (8.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(s.scale[1], 1.0);
        let t = s.transform(x.view());
        assert!((t.column(0).sum()).abs() < 1e-12);
        assert_eq!(t.column(1).to_vec(), vec![0.0, 0.0, 0.0]);
    }

    #[test]
    fn columns_flagged_unscaled_are_left_as_they_are() {
        let x = array![[1.0, 5.0, 2.0], [3.0, 7.0, 4.0], [5.0, 9.0, 9.0]];
        let s = Scaler::fit_except(x.view(), &[false, true]);
        let all = Scaler::fit(x.view());
        assert_eq!(s.mean, vec![3.0, 0.0, all.mean[2]]);
        assert_eq!(s.scale, vec![all.scale[0], 1.0, all.scale[2]]);
        assert_eq!(s.transform(x.view()).column(1), x.column(1));
    }
}
