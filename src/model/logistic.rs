//! L2-regularised logistic regression with balanced classes, fitted by linfa-logistic's L-BFGS.
//!
//! linfa-logistic has no sample weights, so classes are balanced by replicating each class's
//! windows up to the size of the largest class (deterministically, spread evenly over the
//! class) and scaling the penalty to match. The objective minimised is then scikit-learn's
//! `LogisticRegression(class_weight="balanced", C=1/alpha)`:
//! `½·alpha·‖W‖² + Σᵢ wᵢ·(−log p(yᵢ|xᵢ))` with `w = n / (K·n_class)`, exactly so whenever the
//! largest class is a whole multiple of every other.

use crate::{Error, Result};
use linfa::prelude::*;
use linfa_logistic::{LogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

/// Settings of the logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticSpec {
    /// L2 penalty strength (scikit-learn's 1/C); 1.0 is scikit-learn's default.
    pub alpha: f64,
    /// Most L-BFGS iterations before giving up on convergence.
    pub max_iterations: u64,
}

impl Default for LogisticSpec {
    fn default() -> Self {
        LogisticSpec {
            alpha: 1.0,
            max_iterations: 1000,
        }
    }
}

/// How well the optimiser did: the objective and its gradient at the solution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Balanced objective at the solution (scikit-learn's definition, see module docs).
    pub objective: f64,
    /// Largest absolute gradient component of the objective, divided by the number of windows.
    pub gradient_max_per_window: f64,
    /// Whether `gradient_max_per_window` is below 1e-4 (scikit-learn's default lbfgs tolerance).
    pub converged: bool,
}

/// A fitted logistic regression over standardised features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    /// Number of classes K.
    pub n_classes: usize,
    /// Coefficients: for K = 2 one row giving the log-odds of the second class; for K > 2 one
    /// row per class (multinomial softmax).
    pub coefficients: Vec<Vec<f64>>,
    /// Intercepts, one per coefficient row.
    pub intercepts: Vec<f64>,
    /// Optimiser diagnostics.
    pub fit: FitReport,
}

/// Per-sample gradient tolerance handed to L-BFGS, times the number of (replicated) samples:
/// linfa-logistic applies its tolerance to the gradient of the summed loss.
const GRADIENT_TOLERANCE_PER_SAMPLE: f64 = 1e-5;

/// Convergence threshold on the per-window gradient (scikit-learn's lbfgs default `tol`).
const CONVERGED_GRADIENT: f64 = 1e-4;

impl LogisticSpec {
    /// Validates the settings.
    pub fn check(&self) -> Result<()> {
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(Error::input(format!(
                "--alpha {}: expected a positive L2 penalty",
                self.alpha
            )));
        }
        if self.max_iterations == 0 {
            return Err(Error::input("max_iterations must be at least 1"));
        }
        Ok(())
    }

    /// Fits on standardised features `x` with class indices `y` in `0..n_classes`; every class
    /// must have at least one row.
    pub fn fit(&self, x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<LogisticModel> {
        self.check()?;
        let counts = class_counts(y, n_classes);
        if n_classes < 2 || counts.contains(&0) {
            return Err(Error::input(format!(
                "training needs windows of at least two classes, found counts {counts:?}"
            )));
        }
        let copies = balancing_copies(y, &counts);
        let rows: Vec<usize> = copies
            .iter()
            .enumerate()
            .flat_map(|(i, &c)| std::iter::repeat_n(i, c))
            .collect();
        let xb = x.select(Axis(0), &rows);
        let yb: Array1<usize> = rows.iter().map(|&i| y[i]).collect();
        let n = y.len() as f64;
        let n_max = *counts.iter().max().expect("n_classes >= 2") as f64;
        let k = n_classes as f64;
        // Σ copies = K·n_max; the replicated sum equals (K·n_max/n) × the balanced sum.
        let alpha_eff = self.alpha * k * n_max / n;
        let tolerance = GRADIENT_TOLERANCE_PER_SAMPLE * rows.len() as f64;
        let dataset = Dataset::new(xb, yb);
        let fail = |e: linfa_logistic::error::Error| {
            Error::runtime(format!("logistic regression failed: {e}"))
        };
        let (coefficients, intercepts) = if n_classes == 2 {
            let fitted = LogisticRegression::default()
                .alpha(alpha_eff)
                .max_iterations(self.max_iterations)
                .gradient_tolerance(tolerance)
                .fit(&dataset)
                .map_err(fail)?;
            // linfa's "positive" class is whichever it met as more frequent, not class 1.
            let sign = if fitted.labels().pos.class == 1 {
                1.0
            } else {
                -1.0
            };
            let w: Vec<f64> = fitted.params().iter().map(|v| sign * v).collect();
            (vec![w], vec![sign * fitted.intercept()])
        } else {
            let fitted = MultiLogisticRegression::default()
                .alpha(alpha_eff)
                .max_iterations(self.max_iterations)
                .gradient_tolerance(tolerance)
                .fit(&dataset)
                .map_err(fail)?;
            // linfa orders classes by value: 0..K, matching ours.
            let p = fitted.params(); // features × classes
            let w = (0..n_classes).map(|c| p.column(c).to_vec()).collect();
            (w, fitted.intercept().to_vec())
        };
        let mut model = LogisticModel {
            n_classes,
            coefficients,
            intercepts,
            fit: FitReport {
                objective: 0.0,
                gradient_max_per_window: 0.0,
                converged: false,
            },
        };
        let weights: Vec<f64> = copies.iter().map(|&c| c as f64 * n / (k * n_max)).collect();
        let (objective, gradient) = model.objective(x, y, &weights, self.alpha);
        let g = gradient.iter().fold(0.0f64, |m, v| m.max(v.abs())) / n;
        model.fit = FitReport {
            objective,
            gradient_max_per_window: g,
            converged: g <= CONVERGED_GRADIENT,
        };
        Ok(model)
    }
}

/// Number of rows of each class.
pub fn class_counts(y: &[usize], n_classes: usize) -> Vec<usize> {
    let mut counts = vec![0; n_classes];
    for &c in y {
        counts[c] += 1;
    }
    counts
}

/// How many copies of each row make every class as large as the largest: each row of a class
/// of size m gets ⌊n_max/m⌋ copies, and n_max mod m rows spread evenly over the class get one more.
pub fn balancing_copies(y: &[usize], counts: &[usize]) -> Vec<usize> {
    let n_max = *counts.iter().max().unwrap_or(&0);
    let mut seen = vec![0usize; counts.len()];
    y.iter()
        .map(|&c| {
            let m = counts[c];
            let extra = n_max % m;
            let j = seen[c];
            seen[c] += 1;
            // row j of the class gets an extra copy when ⌊(j+1)·extra/m⌋ steps up.
            let bonus = ((j + 1) * extra / m) - (j * extra / m);
            n_max / m + bonus
        })
        .collect()
}

impl LogisticModel {
    /// Class probabilities of one standardised row, into `out` (K long).
    pub fn predict_proba_row(&self, x: ArrayView1<f64>, out: &mut [f64]) {
        linear_proba(&self.coefficients, &self.intercepts, self.n_classes, x, out);
    }

    /// Class probabilities of standardised rows, windows × classes.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let mut out = Array2::zeros((x.nrows(), self.n_classes));
        for (row, mut o) in x.rows().into_iter().zip(out.rows_mut()) {
            self.predict_proba_row(row, o.as_slice_mut().expect("contiguous"));
        }
        out
    }

    /// The weighted objective `½·alpha·‖W‖² + Σ wᵢ·(−log p(yᵢ))` and its gradient (all
    /// coefficients then intercepts, row by row).
    pub fn objective(
        &self,
        x: ArrayView2<f64>,
        y: &[usize],
        weights: &[f64],
        alpha: f64,
    ) -> (f64, Vec<f64>) {
        let d = x.ncols();
        let rows = self.coefficients.len();
        let mut grad = vec![0.0; rows * (d + 1)];
        let mut loss = 0.0;
        let mut p = vec![0.0; self.n_classes];
        for ((xi, &yi), &wi) in x.rows().into_iter().zip(y).zip(weights) {
            self.predict_proba_row(xi, &mut p);
            loss -= wi * p[yi].max(f64::MIN_POSITIVE).ln();
            for r in 0..rows {
                // residual of the row's output: binary uses class 1, multinomial class r.
                let class = if self.n_classes == 2 { 1 } else { r };
                let resid = wi * (p[class] - if yi == class { 1.0 } else { 0.0 });
                for (g, v) in grad[r * d..(r + 1) * d].iter_mut().zip(xi) {
                    *g += resid * v;
                }
                grad[rows * d + r] += resid;
            }
        }
        for (r, w) in self.coefficients.iter().enumerate() {
            for (j, v) in w.iter().enumerate() {
                loss += 0.5 * alpha * v * v;
                grad[r * d + j] += alpha * v;
            }
        }
        (loss, grad)
    }
}

/// Probabilities of a linear model: for K = 2 the logistic of the single row's value (class 1),
/// otherwise the softmax of the K rows' values. Writes K values into `out`.
pub fn linear_proba(
    coefficients: &[Vec<f64>],
    intercepts: &[f64],
    n_classes: usize,
    x: ArrayView1<f64>,
    out: &mut [f64],
) {
    if n_classes == 2 {
        let z = coefficients[0]
            .iter()
            .zip(x.iter())
            .map(|(a, b)| a * b)
            .sum::<f64>()
            + intercepts[0];
        let p1 = sigmoid(z);
        out[0] = 1.0 - p1;
        out[1] = p1;
    } else {
        for ((o, w), b) in out.iter_mut().zip(coefficients).zip(intercepts) {
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

/// The logistic function, stable for large |z|.
fn sigmoid(z: f64) -> f64 {
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

    #[test]
    fn balancing_copies_equalise_classes() {
        let y = [0, 0, 0, 1, 1, 1, 1, 1, 1, 1];
        let counts = class_counts(&y, 2);
        let copies = balancing_copies(&y, &counts);
        let per_class = |c: usize| {
            y.iter()
                .zip(&copies)
                .filter(|(&yi, _)| yi == c)
                .map(|(_, &n)| n)
                .sum::<usize>()
        };
        assert_eq!(per_class(0), 7);
        assert_eq!(per_class(1), 7);
        // 7 = 2·3 + 1: one of the three minority rows gets a third copy.
        assert_eq!(&copies[..3], &[2, 2, 3]);
        assert!(copies[3..].iter().all(|&c| c == 1));
    }

    #[test]
    fn binary_probabilities_follow_class_one_whatever_linfa_calls_positive() {
        // Class 0 is the more frequent: linfa would call it "positive".
        let x = ndarray::array![[-2.0], [-1.5], [-1.0], [-0.5], [-1.2], [1.0], [2.0]];
        let y = [0, 0, 0, 0, 0, 1, 1];
        let m = LogisticSpec::default().fit(x.view(), &y, 2).unwrap();
        let p = m.predict_proba(x.view());
        assert!(p[[6, 1]] > 0.5 && p[[0, 0]] > 0.5, "{p:?}");
        assert!(m.coefficients[0][0] > 0.0);
        assert!(m.fit.converged, "{:?}", m.fit);
    }

    #[test]
    fn refuses_a_single_class() {
        let x = ndarray::array![[1.0], [2.0]];
        assert!(LogisticSpec::default().fit(x.view(), &[0, 0], 2).is_err());
        assert!(LogisticSpec {
            alpha: 0.0,
            max_iterations: 10
        }
        .check()
        .is_err());
    }
}
