//! Support vector machine (C-SVC) through the `linfa-svm` crate: scikit-learn's
//! `SVC(kernel="linear"|"rbf", C, gamma="scale", class_weight="balanced"|None)` for two classes.
//!
//! The dual problem is solved by linfa-svm's SMO (libsvm's working-set selection, stop when the
//! maximal violating pair's gradient gap is below [`SOLVER_EPS`]); the per-class bounds
//! `C·w_k` are its positive/negative C, with scikit-learn's balanced weights
//! `w_k = n / (2·n_k)`. The fitted model keeps only what predicts: the weight vector (linear
//! kernel) or the support vectors and their signed dual coefficients `y_i·α_i` (RBF), and the
//! intercept `−ρ`; it predicts without linfa. The decision value
//! `f(x) = Σ y_i·α_i·K(x_i, x) + b` is scikit-learn's `decision_function` (checked against it in
//! `tests/it/reference_svm.rs`, values from `tests/reference/make_svm_reference.py`).
//!
//! Probabilities: Platt scaling without offset, `P(class 1 | x) = 1 / (1 + exp(−A·f(x)))`, with
//! the slope `A > 0` fitted (weighted like the SVM, Platt's smoothed targets) on out-of-fold
//! decision values of an internal stratified K-fold (K = min(5, smallest class), contiguous
//! blocks of each class in training order, so deterministic and leaking little between
//! overlapping neighbours). scikit-learn's `probability=True` also fits an offset `B` on a
//! shuffled 5-fold, so its most probable class can disagree with `decision_function`'s sign;
//! without `B` the most probable class is always the side of the hyperplane, as `SVC.predict`.
//!
//! More than two classes are refused: SVC decides those by one-vs-one voting, and its
//! pairwise-coupled probabilities can disagree with the vote; eegi's classifiers decide by
//! their probabilities, so a faithful multi-class SVC is left for later.

use super::traits::{class_counts, BadValue, Fitted, Found, Settings};
use crate::{Error, Result};
use linfa::prelude::*;
use linfa_kernel::{Kernel, KernelMethod};
use linfa_svm::Svm;
use ndarray::{Array1, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

/// SMO stopping tolerance on the maximal violating pair's gradient gap (libsvm's `tol`, whose
/// default is 1e-3; this is linfa-svm's default, tight enough to agree with an exact solution).
pub const SOLVER_EPS: f64 = 1e-7;

/// Most training windows the SVM fits: its kernel matrix is n × n doubles in memory
/// (20 000 windows: 3.2 GB).
pub const MAX_WINDOWS: usize = 20_000;

/// Largest C: times a class weight (up to n/2) it stays far from overflow in the SMO bounds,
/// and past it the soft margin is a hard one for any data eegi sees.
pub const MAX_C: f64 = 1e10;

/// Folds of the internal cross-validation that calibrates the probabilities (at most).
pub const PLATT_FOLDS: usize = 5;

/// The SVM's kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SvmKernel {
    /// `K(x, y) = x·y`.
    Linear,
    /// `K(x, y) = exp(−γ·‖x − y‖²)`.
    Rbf,
}

/// Settings of the SVM (scikit-learn's SVC parameters of the same names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SvmSpec {
    /// Kernel.
    pub kernel: SvmKernel,
    /// Penalty C on margin violations (> 0; before class weights).
    pub c: f64,
    /// RBF kernel width γ (per squared standardised unit); `None` = scikit-learn's `'scale'`,
    /// `1 / (n_features · X.var())` on the training features.
    pub gamma: Option<f64>,
    /// Class weights `n / (2·n_k)` on C (scikit-learn's `class_weight="balanced"`); else 1.
    pub balanced: bool,
}

impl Default for SvmSpec {
    fn default() -> Self {
        SvmSpec {
            kernel: SvmKernel::Rbf,
            c: 1.0,
            gamma: None,
            balanced: true,
        }
    }
}

/// A fitted two-class SVM: decision values over standardised features and the Platt slope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SvmModel {
    /// Kernel.
    pub kernel: SvmKernel,
    /// RBF width γ used (resolved from `'scale'`); 0 for the linear kernel.
    pub gamma: f64,
    /// Linear kernel: the weight vector `Σ y_i·α_i·x_i`, one per feature (empty for RBF).
    pub weights: Vec<f64>,
    /// RBF kernel: the support vectors (standardised training rows; empty for linear).
    pub support_vectors: Vec<Vec<f64>>,
    /// RBF kernel: each support vector's signed dual coefficient `y_i·α_i` (class 1 positive).
    pub dual_coef: Vec<f64>,
    /// Intercept b of the decision value (scikit-learn's `intercept_`).
    pub intercept: f64,
    /// Platt slope A > 0: `P(class 1) = 1 / (1 + exp(−A·f))`.
    pub platt_slope: f64,
    /// Class weights applied to C, class 0 then class 1.
    pub class_weights: Vec<f64>,
    /// Whether SMO stopped on its tolerance (not its iteration cap).
    pub converged: bool,
}

impl Settings for SvmSpec {
    fn describe(&self) -> String {
        let kernel = match (self.kernel, self.gamma) {
            (SvmKernel::Linear, _) => "linear kernel".to_string(),
            (SvmKernel::Rbf, Some(g)) => format!("RBF kernel, gamma {g}"),
            (SvmKernel::Rbf, None) => "RBF kernel, gamma 'scale'".to_string(),
        };
        format!(
            "two-class SVM, {kernel}, C {}, {}, Platt-scaled probabilities",
            self.c,
            if self.balanced {
                "balanced class weights"
            } else {
                "unweighted classes"
            }
        )
    }

    fn check(&self) -> Result<()> {
        if let Some(b) = self.bad_value() {
            let name = match b.field.rsplit('.').next() {
                Some("c") => "--svm-c",
                _ => "--svm-gamma",
            };
            let shown = match b.found {
                Found::Number(v) => v.to_string(),
                Found::Text(t) => t,
            };
            return Err(Error::input(format!(
                "{name} {shown}: expected {}",
                b.expected
            )));
        }
        Ok(())
    }

    fn bad_value(&self) -> Option<BadValue> {
        let positive = |v: f64| v > 0.0 && v.is_finite();
        BadValue::unless(
            "classifier.settings.c",
            self.c,
            |c| c > 0.0 && c <= MAX_C,
            "a positive penalty up to 1e10",
        )
        .or_else(|| {
            self.gamma.and_then(|g| {
                BadValue::unless(
                    "classifier.settings.gamma",
                    g,
                    positive,
                    "a positive finite kernel width, or scale",
                )
            })
        })
    }
}

/// One SMO fit's result: signed dual coefficients per training row, intercept, convergence.
struct Dual {
    coef: Vec<f64>,
    intercept: f64,
    converged: bool,
}

impl SvmSpec {
    /// γ for training features `x`: the setting, or `'scale'` = `1 / (p · var(x))` (population
    /// variance over all entries; 1 when that is 0, as scikit-learn).
    pub fn gamma_for(&self, x: ArrayView2<f64>) -> f64 {
        if let Some(g) = self.gamma {
            return g;
        }
        let n = x.len() as f64;
        let mean = x.sum() / n;
        let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        if var > 0.0 && var.is_finite() {
            1.0 / (x.ncols() as f64 * var)
        } else {
            1.0
        }
    }

    /// Class weights on C: balanced `n / (2·n_k)`, or 1.
    fn class_weights(&self, counts: &[usize]) -> Vec<f64> {
        let n: usize = counts.iter().sum();
        counts
            .iter()
            .map(|&k| {
                if self.balanced {
                    n as f64 / (2.0 * k as f64)
                } else {
                    1.0
                }
            })
            .collect()
    }

    /// Solves the dual on rows `x` with classes `y` (0/1) through linfa-svm.
    fn solve(&self, x: ArrayView2<f64>, y: &[usize], gamma: f64, w: &[f64]) -> Result<Dual> {
        let method = match self.kernel {
            SvmKernel::Linear => KernelMethod::Linear,
            SvmKernel::Rbf => KernelMethod::Gaussian(1.0 / gamma),
        };
        let params = Svm::<f64, bool>::params()
            .pos_neg_weights(self.c * w[1], self.c * w[0])
            .eps(SOLVER_EPS)
            .shrinking(false)
            .with_kernel_params(Kernel::params().method(method));
        let targets: Array1<bool> = y.iter().map(|&c| c == 1).collect();
        let data = DatasetBase::new(x.to_owned(), targets);
        let svm = params
            .fit(&data)
            .map_err(|e| Error::runtime(format!("--classifier svm: {e}")))?;
        // linfa-svm keeps its exit reason private; its Display says which it was
        let converged = !svm.to_string().starts_with("Reached maximal iterations");
        Ok(Dual {
            coef: svm.alpha.clone(),
            intercept: -svm.rho,
            converged,
        })
    }

    /// The decision model of a dual solution on rows `x`.
    fn model_of(&self, x: ArrayView2<f64>, dual: &Dual, gamma: f64, w: Vec<f64>) -> SvmModel {
        let keep = |a: f64| a.abs() > 100.0 * f64::EPSILON;
        let (weights, support_vectors, dual_coef) = match self.kernel {
            SvmKernel::Linear => {
                let mut wv = Array1::<f64>::zeros(x.ncols());
                for (row, &a) in x.rows().into_iter().zip(&dual.coef) {
                    if keep(a) {
                        wv.scaled_add(a, &row);
                    }
                }
                (wv.to_vec(), Vec::new(), Vec::new())
            }
            SvmKernel::Rbf => {
                let idx: Vec<usize> = (0..dual.coef.len())
                    .filter(|&i| keep(dual.coef[i]))
                    .collect();
                let sv = idx.iter().map(|&i| x.row(i).to_vec()).collect();
                (Vec::new(), sv, idx.iter().map(|&i| dual.coef[i]).collect())
            }
        };
        SvmModel {
            kernel: self.kernel,
            gamma: if self.kernel == SvmKernel::Rbf {
                gamma
            } else {
                0.0
            },
            weights,
            support_vectors,
            dual_coef,
            intercept: dual.intercept,
            platt_slope: 1.0,
            class_weights: w,
            converged: dual.converged,
        }
    }

    /// Fits the decision function alone (Platt slope 1) on rows `x` with classes `y` (0/1):
    /// what the reference test compares with scikit-learn's `SVC`.
    pub fn fit_decision(&self, x: ArrayView2<f64>, y: &[usize]) -> Result<SvmModel> {
        let counts = self.check_data(x, y, 2)?;
        let gamma = self.gamma_for(x);
        let w = self.class_weights(&counts);
        let dual = self.solve(x, y, gamma, &w)?;
        Ok(self.model_of(x, &dual, gamma, w))
    }

    /// Fits on features `x` as the pipeline's scaler gives them (band powers standardised,
    /// tangent vectors as they are; rows = windows) with class indices `y` in `0..n_classes`
    /// (two): the decision function, then the Platt slope on internal
    /// out-of-fold decision values.
    pub fn fit(&self, x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<SvmModel> {
        let counts = self.check_data(x, y, n_classes)?;
        let mut model = self.fit_decision(x, y)?;
        let folds = PLATT_FOLDS.min(counts.iter().copied().min().unwrap_or(0));
        let f = if folds >= 2 {
            self.out_of_fold(x, y, &counts, folds, self.gamma_for(x))?
        } else {
            x.rows().into_iter().map(|r| model.decision(r)).collect()
        };
        model.platt_slope = super::svm_platt::fit_slope(&f, y, &model.class_weights);
        Ok(model)
    }

    /// Decision values of each row from the fold that left it out (stratified contiguous
    /// blocks: the j-th of a class's n_k rows is in fold ⌊j·K/n_k⌋).
    fn out_of_fold(
        &self,
        x: ArrayView2<f64>,
        y: &[usize],
        counts: &[usize],
        folds: usize,
        gamma: f64,
    ) -> Result<Vec<f64>> {
        let mut seen = vec![0usize; counts.len()];
        let fold: Vec<usize> = y
            .iter()
            .map(|&c| {
                let j = seen[c];
                seen[c] += 1;
                j * folds / counts[c]
            })
            .collect();
        let fixed = SvmSpec {
            gamma: Some(gamma),
            ..self.clone()
        };
        let mut f = vec![0.0; y.len()];
        for k in 0..folds {
            let train: Vec<usize> = (0..y.len()).filter(|&i| fold[i] != k).collect();
            let xt = x.select(Axis(0), &train);
            let yt: Vec<usize> = train.iter().map(|&i| y[i]).collect();
            let sub = fixed.fit_decision(xt.view(), &yt)?;
            for i in (0..y.len()).filter(|&i| fold[i] == k) {
                f[i] = sub.decision(x.row(i));
            }
        }
        Ok(f)
    }

    /// Class counts of `y`, after refusing what the SVM cannot fit.
    fn check_data(&self, x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<Vec<usize>> {
        if n_classes != 2 {
            return Err(Error::input(format!(
                "--classifier svm: {n_classes} classes, expected 2 (SVC decides more by one-vs-one voting, which eegi does not do; use --classifier logistic, lda or mdm)"
            )));
        }
        if x.nrows() > MAX_WINDOWS {
            return Err(Error::input(format!(
                "--classifier svm: {} training windows, expected at most {MAX_WINDOWS} (the kernel matrix is n × n in memory)",
                x.nrows()
            )));
        }
        let counts = class_counts(y, n_classes);
        if counts.contains(&0) {
            return Err(Error::input(format!(
                "--classifier svm: needs windows of both classes, found counts {counts:?}"
            )));
        }
        Ok(counts)
    }
}

impl SvmModel {
    /// The decision value `f(x)` of one standardised row (scikit-learn's `decision_function`;
    /// positive = class 1).
    pub fn decision(&self, x: ArrayView1<f64>) -> f64 {
        let s: f64 = match self.kernel {
            SvmKernel::Linear => self.weights.iter().zip(x).map(|(w, v)| w * v).sum(),
            SvmKernel::Rbf => self
                .support_vectors
                .iter()
                .zip(&self.dual_coef)
                .map(|(sv, a)| {
                    let d2: f64 = sv.iter().zip(x).map(|(s, v)| (s - v) * (s - v)).sum();
                    a * (-self.gamma * d2).exp()
                })
                .sum(),
        };
        s + self.intercept
    }
}

impl Fitted for SvmModel {
    fn n_classes(&self) -> usize {
        2
    }

    fn predict_proba_row(&self, x: ArrayView1<f64>, out: &mut [f64]) {
        let p1 = super::linear::sigmoid(self.platt_slope * self.decision(x));
        out[0] = 1.0 - p1;
        out[1] = p1;
    }

    fn shape_error(&self, n_features: usize) -> Option<String> {
        match self.kernel {
            SvmKernel::Linear => (self.weights.len() != n_features
                || !self.support_vectors.is_empty()
                || !self.dual_coef.is_empty())
            .then(|| {
                format!("expected {n_features} SVM weights (one per feature) and no support vectors")
            }),
            SvmKernel::Rbf => (!self.weights.is_empty()
                || self.support_vectors.len() != self.dual_coef.len()
                || self.support_vectors.iter().any(|s| s.len() != n_features))
            .then(|| {
                format!(
                    "expected one dual coefficient per support vector, each of {n_features} features, and no weights"
                )
            }),
        }
    }

    fn converged(&self) -> bool {
        self.converged
    }

    fn bad_value(&self) -> Option<BadValue> {
        let finite = "a finite number";
        let positive = |v: f64| v > 0.0 && v.is_finite();
        if self.class_weights.len() != 2 {
            return Some(BadValue {
                field: "classifier.model.class_weights".into(),
                found: Found::Text(format!("{} values", self.class_weights.len())),
                expected: "two (class 0, class 1)".into(),
            });
        }
        let gamma_ok = match self.kernel {
            SvmKernel::Rbf => positive,
            SvmKernel::Linear => |v: f64| v == 0.0,
        };
        BadValue::unless(
            "classifier.model.gamma",
            self.gamma,
            gamma_ok,
            "a positive kernel width (0 for the linear kernel)",
        )
        .or_else(|| {
            BadValue::unless(
                "classifier.model.platt_slope",
                self.platt_slope,
                positive,
                "a positive slope",
            )
        })
        .or_else(|| {
            BadValue::unless(
                "classifier.model.intercept",
                self.intercept,
                f64::is_finite,
                finite,
            )
        })
        .or_else(|| {
            BadValue::first_of(
                "classifier.model.class_weights",
                &self.class_weights,
                positive,
                "a positive weight",
            )
        })
        .or_else(|| {
            BadValue::first_of(
                "classifier.model.weights",
                &self.weights,
                f64::is_finite,
                finite,
            )
        })
        .or_else(|| {
            BadValue::first_of(
                "classifier.model.dual_coef",
                &self.dual_coef,
                f64::is_finite,
                finite,
            )
        })
        .or_else(|| {
            self.support_vectors.iter().enumerate().find_map(|(i, s)| {
                BadValue::first_of(
                    &format!("classifier.model.support_vectors[{i}]"),
                    s,
                    f64::is_finite,
                    finite,
                )
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn data() -> (ndarray::Array2<f64>, Vec<usize>) {
        let x = array![
            [-2.0, 0.5],
            [-1.5, -0.3],
            [-1.0, 0.8],
            [-0.8, -1.0],
            [-0.2, 0.1],
            [0.3, -0.4],
            [1.0, 0.2],
            [1.4, -0.7],
            [2.0, 0.9],
            [0.1, 1.2],
            [-0.4, -0.2],
            [0.9, -1.1]
        ];
        (x, vec![0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 0, 1])
    }

    #[test]
    fn most_probable_class_is_the_side_of_the_hyperplane() {
        let (x, y) = data();
        for kernel in [SvmKernel::Linear, SvmKernel::Rbf] {
            let spec = SvmSpec {
                kernel,
                ..SvmSpec::default()
            };
            let m = spec.fit(x.view(), &y, 2).unwrap();
            assert!(m.converged && m.platt_slope > 0.0);
            let p = m.predict_proba(x.view());
            for (row, pr) in x.rows().into_iter().zip(p.rows()) {
                assert!((pr[0] + pr[1] - 1.0).abs() < 1e-12);
                assert_eq!(m.decision(row) > 0.0, pr[1] > pr[0], "{kernel:?}");
            }
            assert!(m.shape_error(2).is_none() && m.shape_error(3).is_some());
            assert!(m.bad_value().is_none());
            // deterministic: the same fit twice is the same model
            assert_eq!(m, spec.fit(x.view(), &y, 2).unwrap());
        }
    }

    #[test]
    fn gamma_scale_and_balanced_weights_are_scikit_learns() {
        let (x, y) = data();
        let spec = SvmSpec::default();
        let n = x.len() as f64;
        let mean = x.sum() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        assert!((spec.gamma_for(x.view()) - 1.0 / (2.0 * var)).abs() < 1e-15);
        let m = spec.fit_decision(x.view(), &y).unwrap();
        // 6 and 6 rows: balanced weights are 1
        assert_eq!(m.class_weights, vec![1.0, 1.0]);
        let m = spec
            .fit_decision(x.slice(ndarray::s![1.., ..]), &y[1..])
            .unwrap();
        assert_eq!(m.class_weights, vec![11.0 / 10.0, 11.0 / 12.0]);
    }

    #[test]
    fn bad_settings_and_data_are_refused() {
        let (x, y) = data();
        let bad_c = SvmSpec {
            c: -1.0,
            ..SvmSpec::default()
        };
        let e = bad_c.check().unwrap_err();
        assert_eq!(
            e.message,
            "--svm-c -1: expected a positive penalty up to 1e10"
        );
        let bad_gamma = SvmSpec {
            gamma: Some(f64::INFINITY),
            ..SvmSpec::default()
        };
        assert!(bad_gamma
            .check()
            .unwrap_err()
            .message
            .starts_with("--svm-gamma inf"));
        let e = SvmSpec::default().fit(x.view(), &y, 3).unwrap_err();
        assert!(e.message.contains("3 classes, expected 2"), "{}", e.message);
        let e = SvmSpec::default().fit(x.view(), &[0; 12], 2).unwrap_err();
        assert!(e.message.contains("both classes"), "{}", e.message);
    }

    #[test]
    fn identical_rows_fit_without_panic() {
        let x = ndarray::Array2::<f64>::zeros((8, 3));
        let y = [0, 1, 0, 1, 0, 1, 0, 1];
        for kernel in [SvmKernel::Linear, SvmKernel::Rbf] {
            let spec = SvmSpec {
                kernel,
                ..SvmSpec::default()
            };
            let m = spec.fit(x.view(), &y, 2).unwrap();
            let p = m.predict_proba(x.view());
            assert!(p.iter().all(|v| v.is_finite()), "{p}");
        }
    }
}
