//! The one fitted model type every classifier of eegi produces: linear decision values over
//! standardised features, turned into class probabilities as scikit-learn does.

use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

/// A fitted linear classifier over standardised features. For K = 2 classes one coefficient
/// row gives the log-odds of the second class (class index 1); for K > 2 each class has a row
/// and the probabilities are the softmax of the K decision values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearModel {
    /// Number of classes K.
    pub n_classes: usize,
    /// Coefficient rows (1 for K = 2, else K), one weight per standardised feature.
    pub coefficients: Vec<Vec<f64>>,
    /// Intercepts, one per coefficient row.
    pub intercepts: Vec<f64>,
}

impl LinearModel {
    /// Class probabilities of one standardised row, into `out` (K long): for K = 2 the logistic
    /// of the single row's decision value (class 1), otherwise the softmax of the K values.
    pub fn predict_proba_row(&self, x: ArrayView1<f64>, out: &mut [f64]) {
        if self.n_classes == 2 {
            let z = self.coefficients[0]
                .iter()
                .zip(x.iter())
                .map(|(a, b)| a * b)
                .sum::<f64>()
                + self.intercepts[0];
            let p1 = sigmoid(z);
            out[0] = 1.0 - p1;
            out[1] = p1;
        } else {
            for ((o, w), b) in out.iter_mut().zip(&self.coefficients).zip(&self.intercepts) {
                *o = w.iter().zip(x.iter()).map(|(a, b)| a * b).sum::<f64>() + b;
            }
            let m = out.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let mut sum = 0.0;
            for o in out.iter_mut() {
                *o = (*o - m).exp();
                sum += *o;
            }
            out.iter_mut().for_each(|o| *o /= sum);
        }
    }

    /// Class probabilities of standardised rows, windows × classes.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let mut out = Array2::zeros((x.nrows(), self.n_classes));
        for (row, mut o) in x.rows().into_iter().zip(out.rows_mut()) {
            self.predict_proba_row(row, o.as_slice_mut().expect("contiguous"));
        }
        out
    }
}

/// The logistic function, stable for large |z|.
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn binary_and_multiclass_probabilities() {
        let m = LinearModel {
            n_classes: 2,
            coefficients: vec![vec![1.0, -1.0]],
            intercepts: vec![0.5],
        };
        let p = m.predict_proba(array![[1.0, 1.0], [0.0, 0.0]].view());
        let p1 = 1.0 / (1.0 + (-0.5f64).exp());
        assert!((p[[0, 1]] - p1).abs() < 1e-15 && (p[[0, 0]] - (1.0 - p1)).abs() < 1e-15);
        let m = LinearModel {
            n_classes: 3,
            coefficients: vec![vec![1.0], vec![0.0], vec![-1.0]],
            intercepts: vec![0.0, 0.0, 0.0],
        };
        let p = m.predict_proba(array![[2.0]].view());
        let e = [2.0f64.exp(), 1.0, (-2.0f64).exp()];
        let sum: f64 = e.iter().sum();
        for k in 0..3 {
            assert!((p[[0, k]] - e[k] / sum).abs() < 1e-15, "{p}");
        }
        assert!(sigmoid(-800.0) == 0.0 && sigmoid(800.0) == 1.0);
    }
}
