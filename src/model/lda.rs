//! Shrinkage linear discriminant analysis, the classic single-trial ERP classifier (Blankertz
//! et al., "Single-trial analysis and classification of ERP components — a tutorial",
//! NeuroImage 56, 2011).
//!
//! Exactly scikit-learn's `LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto",
//! priors=[1/K]*K)`: for each class, the features are standardised, their covariance is shrunk
//! towards a scaled identity with the Ledoit-Wolf coefficient (`sklearn.covariance.ledoit_wolf`)
//! and scaled back; the within-class covariance is the prior-weighted sum of these; the weights
//! solve `Σ·w_k = μ_k` and the intercepts are `−½·μ_k·w_k + ln π_k`.
//!
//! Priors are equal (1/K), not the class frequencies scikit-learn uses by default: eegi decodes
//! for balanced accuracy, and an error that happens in one trial out of five is no less
//! important to catch. Tested against scikit-learn with `priors` set so
//! (`tests/reference/make_lda_reference.py`).

use super::traits::{class_counts, BadValue, Found, Linear, Settings};
use super::LinearModel;
use crate::signal::linalg::{cholesky, cholesky_solve};
use crate::{Error, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

/// Settings of the shrinkage LDA (none to choose: shrinkage is Ledoit-Wolf, priors equal).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdaSpec {}

/// A fitted shrinkage LDA: its linear model (dereferences to it) and the shrinkage applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "LdaModelFile", into = "LdaModelFile")]
pub struct LdaModel {
    /// The coefficients: for K = 2 one row giving the log-odds of the second class; for K > 2
    /// one row per class.
    pub linear: LinearModel,
    /// Ledoit-Wolf shrinkage coefficient of each class's covariance (0 = none, 1 = identity).
    pub shrinkage: Vec<f64>,
}

/// [`LdaModel`] as the model file holds it: the linear model's fields, then `shrinkage`.
#[derive(Serialize, Deserialize)]
#[serde(rename = "LdaModel", deny_unknown_fields)]
struct LdaModelFile {
    n_classes: usize,
    coefficients: Vec<Vec<f64>>,
    intercepts: Vec<f64>,
    shrinkage: Vec<f64>,
}

impl From<LdaModelFile> for LdaModel {
    fn from(f: LdaModelFile) -> Self {
        LdaModel {
            linear: LinearModel {
                n_classes: f.n_classes,
                coefficients: f.coefficients,
                intercepts: f.intercepts,
            },
            shrinkage: f.shrinkage,
        }
    }
}

impl From<LdaModel> for LdaModelFile {
    fn from(m: LdaModel) -> Self {
        LdaModelFile {
            n_classes: m.linear.n_classes,
            coefficients: m.linear.coefficients,
            intercepts: m.linear.intercepts,
            shrinkage: m.shrinkage,
        }
    }
}

impl std::ops::Deref for LdaModel {
    type Target = LinearModel;

    fn deref(&self) -> &LinearModel {
        &self.linear
    }
}

impl std::ops::DerefMut for LdaModel {
    fn deref_mut(&mut self) -> &mut LinearModel {
        &mut self.linear
    }
}

impl Settings for LdaSpec {
    fn describe(&self) -> String {
        "shrinkage LDA (Ledoit-Wolf), equal priors".to_string()
    }

    fn check(&self) -> Result<()> {
        Ok(())
    }
}

impl Linear for LdaModel {
    fn linear_model(&self) -> &LinearModel {
        &self.linear
    }

    fn fit_bad_value(&self) -> Option<BadValue> {
        if self.shrinkage.len() != self.n_classes {
            return Some(BadValue {
                field: "classifier.model.shrinkage".into(),
                found: Found::Text(format!("{} values", self.shrinkage.len())),
                expected: format!("one per class ({})", self.n_classes),
            });
        }
        BadValue::first_of(
            "classifier.model.shrinkage",
            &self.shrinkage,
            |v| (0.0..=1.0).contains(&v),
            "a coefficient from 0 to 1",
        )
    }
}

impl LdaSpec {
    /// Fits on features `x` (rows = windows) with class indices `y` in `0..n_classes`.
    pub fn fit(&self, x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<LdaModel> {
        let p = x.ncols();
        let counts = class_counts(y, n_classes);
        if n_classes < 2 || counts.iter().any(|&c| c < 2) {
            return Err(Error::input(format!(
                "shrinkage LDA needs at least two windows of each of at least two classes, found counts {counts:?}"
            )));
        }
        let prior = 1.0 / n_classes as f64;
        let mut cov = Array2::<f64>::zeros((p, p));
        let mut means = Array2::<f64>::zeros((n_classes, p));
        let mut shrinkages = Vec::with_capacity(n_classes);
        for k in 0..n_classes {
            let rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == k).collect();
            let xk = x.select(Axis(0), &rows);
            let mean = xk.mean_axis(Axis(0)).expect("class has rows");
            means.row_mut(k).assign(&mean);
            let (c, s) = standardised_ledoit_wolf(xk.view());
            shrinkages.push(s);
            cov.scaled_add(prior, &c);
        }
        let chol = cholesky(&cov).map_err(|_| {
            Error::runtime(
                "shrinkage LDA: the within-class covariance is not positive definite (constant or duplicated features?)",
            )
        })?;
        let mut w = Vec::with_capacity(n_classes);
        let mut b = Vec::with_capacity(n_classes);
        for k in 0..n_classes {
            let wk = cholesky_solve(&chol, means.row(k));
            b.push(-0.5 * means.row(k).dot(&wk) + prior.ln());
            w.push(wk);
        }
        let (coefficients, intercepts) = if n_classes == 2 {
            (vec![(&w[1] - &w[0]).to_vec()], vec![b[1] - b[0]])
        } else {
            (w.iter().map(|r| r.to_vec()).collect(), b)
        };
        if coefficients
            .iter()
            .flatten()
            .chain(&intercepts)
            .any(|v| !v.is_finite())
        {
            return Err(Error::runtime(
                "shrinkage LDA: the fitted coefficients are not finite (features too large or nearly collinear), expected finite weights",
            ));
        }
        Ok(LdaModel {
            linear: LinearModel {
                n_classes,
                coefficients,
                intercepts,
            },
            shrinkage: shrinkages,
        })
    }
}

/// scikit-learn's `_cov(X, shrinkage="auto")`: standardise, Ledoit-Wolf, scale back. Returns
/// the covariance and the shrinkage coefficient.
pub fn standardised_ledoit_wolf(x: ArrayView2<f64>) -> (Array2<f64>, f64) {
    let n = x.nrows() as f64;
    let mean = x.mean_axis(Axis(0)).expect("rows");
    let mut z = &x - &mean;
    let scale: Array1<f64> = z.map_axis(Axis(0), |c| (c.dot(&c) / n).sqrt()).mapv(|s| {
        if s > 0.0 && s.is_finite() {
            s
        } else {
            1.0
        }
    });
    z /= &scale;
    // ledoit_wolf centres again (a no-op up to rounding, kept to follow it exactly)
    let m2 = z.mean_axis(Axis(0)).expect("rows");
    z -= &m2;
    let (mut c, s) = ledoit_wolf(z.view());
    for (mut row, &si) in c.rows_mut().into_iter().zip(&scale) {
        for (v, &sj) in row.iter_mut().zip(&scale) {
            *v *= si * sj;
        }
    }
    (c, s)
}

/// `sklearn.covariance.ledoit_wolf` of already centred rows: the shrunk covariance and the
/// shrinkage coefficient.
pub fn ledoit_wolf(z: ArrayView2<f64>) -> (Array2<f64>, f64) {
    let n = z.nrows() as f64;
    let p = z.ncols() as f64;
    let gram = z.t().dot(&z);
    let delta_ = gram.iter().map(|v| v * v).sum::<f64>() / (n * n);
    // the Gram matrix divided in place (no second p × p matrix)
    let mut emp = gram;
    emp /= n;
    let trace: f64 = emp.diag().sum();
    let mu = trace / p;
    // beta_ = Σ_{j,l} Σ_i z_ij² z_il² = Σ_i (Σ_j z_ij²)²
    let beta_: f64 = z.rows().into_iter().map(|r| r.dot(&r).powi(2)).sum::<f64>();
    let beta = 1.0 / (p * n) * (beta_ / n - delta_);
    let delta = (delta_ - 2.0 * mu * trace + p * mu * mu) / p;
    let beta = beta.min(delta);
    let s = if beta == 0.0 { 0.0 } else { beta / delta };
    let mut c = emp * (1.0 - s);
    for i in 0..c.nrows() {
        c[[i, i]] += s * mu;
    }
    (c, s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn separates_two_shifted_clouds() {
        let x = array![
            [0.0, 1.0],
            [0.2, 0.8],
            [0.1, 1.1],
            [2.0, 1.0],
            [2.1, 0.9],
            [1.9, 1.2]
        ];
        let y = [0, 0, 0, 1, 1, 1];
        let m = LdaSpec::default().fit(x.view(), &y, 2).unwrap();
        let p = m.predict_proba(x.view());
        for (i, &c) in y.iter().enumerate() {
            assert!(p[[i, c]] > 0.5, "{p:?}");
        }
        assert!(m.shrinkage.iter().all(|s| (0.0..=1.0).contains(s)));
    }

    #[test]
    fn refuses_a_class_of_one() {
        let x = array![[0.0], [1.0], [2.0]];
        assert!(LdaSpec::default().fit(x.view(), &[0, 0, 1], 2).is_err());
    }
}
