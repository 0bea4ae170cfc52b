//! L2-regularised logistic regression with balanced classes, minimised by L-BFGS (argmin).
//!
//! The objective is scikit-learn's `LogisticRegression(class_weight="balanced", C=1/alpha,
//! solver="lbfgs")`, with per-window weights `wᵢ = n / (K·n_class)` (so `Σwᵢ = n`):
//! binary models have one coefficient row (the log-odds of class 1), multinomial models one row
//! per class (scikit-learn's symmetric softmax), intercepts are not penalised. scikit-learn
//! (1.9, `_logistic_regression_path`) minimises the per-window scaling
//! `f = Σᵢ wᵢ·(−log p(yᵢ|xᵢ)) / Σw + ‖W‖² / (2·C·Σw)`; so does eegi, which makes the gradient
//! tolerance independent of the number of windows. [`FitReport::objective`] is `n·f`
//! = `½·alpha·‖W‖² + Σᵢ wᵢ·(−log p(yᵢ|xᵢ))` (scikit-learn's `0.5·‖W‖² + C·Σ wᵢ·loss` divided by C).
//!
//! Loss and gradient come from one pass over the windows ([`Objective::evaluate`]: two
//! products through `model/dots.rs` on a [`Design`] made once per fit, and a numerically
//! stable log-sum-exp per window, into reused buffers). The L-BFGS
//! minimisation (argmin, its restarts, work budget and evaluation cache) is `model/lbfgs.rs`.

use super::lbfgs::minimise;
pub use super::lbfgs::{Convergence, FitBudget, EVALUATIONS_PER_ITERATION, MAX_FIT_SECONDS};
pub use super::objective::{Design, Objective};
use super::traits::{class_counts, BadValue, Found, Linear, Settings};
use super::LinearModel;
use crate::{Error, Result};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Settings of the logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticSpec {
    /// L2 penalty strength (scikit-learn's 1/C); 1.0 is scikit-learn's default.
    pub alpha: f64,
    /// Most L-BFGS iterations before giving up on convergence.
    pub max_iterations: u64,
    /// How far the fit goes: [`Convergence::Full`] for models; never stored (a model file's
    /// settings read back with the default).
    #[serde(skip)]
    pub convergence: Convergence,
}

impl Default for LogisticSpec {
    fn default() -> Self {
        LogisticSpec {
            alpha: 1.0,
            max_iterations: 1000,
            convergence: Convergence::Full,
        }
    }
}

/// How well the optimiser did: the objective and its gradient at the solution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitReport {
    /// Balanced objective at the solution (scikit-learn's definition, see module docs).
    pub objective: f64,
    /// Largest absolute gradient component of the objective, divided by the number of windows.
    pub gradient_max_per_window: f64,
    /// Whether `gradient_max_per_window` is below 1e-4 (scikit-learn's default lbfgs tolerance).
    pub converged: bool,
    /// L-BFGS iterations taken, over all restarts (absent in files before format 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<u64>,
}

/// A fitted logistic regression over standardised features: its linear model (dereferences
/// to it) and the optimiser's diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "LogisticModelFile", into = "LogisticModelFile")]
pub struct LogisticModel {
    /// Coefficients: for K = 2 one row giving the log-odds of the second class; for K > 2 one
    /// row per class (multinomial softmax).
    pub linear: LinearModel,
    /// Optimiser diagnostics.
    pub fit: FitReport,
}

/// [`LogisticModel`] as the model file holds it: the linear model's fields, then `fit`.
#[derive(Serialize, Deserialize)]
#[serde(rename = "LogisticModel", deny_unknown_fields)]
struct LogisticModelFile {
    n_classes: usize,
    coefficients: Vec<Vec<f64>>,
    intercepts: Vec<f64>,
    fit: FitReport,
}

impl From<LogisticModelFile> for LogisticModel {
    fn from(f: LogisticModelFile) -> Self {
        LogisticModel {
            linear: LinearModel {
                n_classes: f.n_classes,
                coefficients: f.coefficients,
                intercepts: f.intercepts,
            },
            fit: f.fit,
        }
    }
}

impl From<LogisticModel> for LogisticModelFile {
    fn from(m: LogisticModel) -> Self {
        LogisticModelFile {
            n_classes: m.linear.n_classes,
            coefficients: m.linear.coefficients,
            intercepts: m.linear.intercepts,
            fit: m.fit,
        }
    }
}

impl std::ops::Deref for LogisticModel {
    type Target = LinearModel;

    fn deref(&self) -> &LinearModel {
        &self.linear
    }
}

impl std::ops::DerefMut for LogisticModel {
    fn deref_mut(&mut self) -> &mut LinearModel {
        &mut self.linear
    }
}

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

    /// The default work bounds of a fit with these settings: [`EVALUATIONS_PER_ITERATION`] ×
    /// `max_iterations` evaluations and [`MAX_FIT_SECONDS`].
    pub fn budget(&self) -> FitBudget {
        FitBudget {
            evaluations: self
                .max_iterations
                .saturating_mul(EVALUATIONS_PER_ITERATION),
            time: Duration::from_secs(MAX_FIT_SECONDS),
        }
    }

    /// Fits on standardised features `x` with class indices `y` in `0..n_classes`; every class
    /// must have at least one row. Bounded by [`LogisticSpec::budget`].
    pub fn fit(&self, x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<LogisticModel> {
        self.fit_within(x, y, n_classes, self.budget())
    }

    /// [`LogisticSpec::fit`] within `budget`: a fit that runs out of evaluations or time, or
    /// meets an objective that is not finite, is an error (runtime) instead of a model.
    pub fn fit_within(
        &self,
        x: ArrayView2<f64>,
        y: &[usize],
        n_classes: usize,
        budget: FitBudget,
    ) -> Result<LogisticModel> {
        self.check()?;
        check_training_set(x, y, n_classes)?;
        let weights = balanced_weights(y, n_classes);
        let x = x.as_standard_layout();
        let design = Design::new(x.view());
        let objective = || Objective::new(&design, y, n_classes, &weights, self.alpha);
        let n_params = objective().n_params();
        // penalty per unit of weight: the objective's curvature in the coefficients is at least this
        let penalty = self.alpha / y.len() as f64;
        let (theta, iterations) = minimise(
            objective,
            n_params,
            penalty,
            self.max_iterations,
            budget,
            self.convergence,
        )?;
        // Verify against the objective itself, evaluated afresh at the solution.
        let mut objective = objective();
        let mut gradient = vec![0.0; n_params];
        let f = objective.evaluate(theta.as_slice().expect("contiguous"), &mut gradient);
        let g = gradient.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if !(f.is_finite() && g.is_finite()) {
            return Err(Error::runtime(format!(
                "logistic regression failed: objective {f}, gradient {g} at the solution"
            )));
        }
        let (coefficients, intercepts) = objective.unpack(theta.as_slice().expect("contiguous"));
        Ok(LogisticModel {
            linear: LinearModel {
                n_classes,
                coefficients,
                intercepts,
            },
            fit: FitReport {
                objective: f * y.len() as f64,
                gradient_max_per_window: g,
                converged: g <= CONVERGED_GRADIENT,
                iterations: Some(iterations),
            },
        })
    }
}

/// Refuses a training set a logistic fit cannot use: fewer than two classes present, rows and
/// labels of different counts, a feature that is not finite.
fn check_training_set(x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<()> {
    let counts = class_counts(y, n_classes);
    if n_classes < 2 || counts.contains(&0) {
        return Err(Error::input(format!(
            "training needs windows of at least two classes, found counts {counts:?}"
        )));
    }
    if x.nrows() != y.len() {
        return Err(Error::input(format!(
            "{} feature rows but {} labels, expected one label per row",
            x.nrows(),
            y.len()
        )));
    }
    if let Some((i, v)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::input(format!(
            "logistic regression: standardised feature {} of row {} is {v}, expected a finite number",
            i % x.ncols().max(1) + 1,
            i / x.ncols().max(1) + 1
        )));
    }
    Ok(())
}

impl Settings for LogisticSpec {
    fn describe(&self) -> String {
        format!(
            "balanced L2 logistic regression, alpha {} (scikit-learn C = {})",
            self.alpha,
            1.0 / self.alpha
        )
    }

    fn check(&self) -> Result<()> {
        LogisticSpec::check(self)
    }

    fn bad_value(&self) -> Option<BadValue> {
        fn positive(v: f64) -> bool {
            v.is_finite() && v > 0.0
        }
        BadValue::unless(
            "classifier.settings.alpha",
            self.alpha,
            positive,
            "a positive L2 penalty",
        )
        .or_else(|| {
            (self.max_iterations == 0).then(|| BadValue {
                field: "classifier.settings.max_iterations".into(),
                found: Found::Text("0".into()),
                expected: "at least 1".into(),
            })
        })
    }
}

impl Linear for LogisticModel {
    fn linear_model(&self) -> &LinearModel {
        &self.linear
    }

    fn fit_converged(&self) -> bool {
        self.fit.converged
    }

    fn fit_bad_value(&self) -> Option<BadValue> {
        fn non_negative(v: f64) -> bool {
            v.is_finite() && v >= 0.0
        }
        let expected = "a non-negative number";
        BadValue::unless(
            "classifier.model.fit.objective",
            self.fit.objective,
            non_negative,
            expected,
        )
        .or_else(|| {
            BadValue::unless(
                "classifier.model.fit.gradient_max_per_window",
                self.fit.gradient_max_per_window,
                non_negative,
                expected,
            )
        })
    }
}

/// scikit-learn's balanced class weights per row: `n / (K·n_class)`.
pub fn balanced_weights(y: &[usize], n_classes: usize) -> Vec<f64> {
    let counts = class_counts(y, n_classes);
    let n = y.len() as f64;
    let k = n_classes as f64;
    y.iter().map(|&c| n / (k * counts[c] as f64)).collect()
}

#[cfg(test)]
#[path = "logistic_tests.rs"]
mod tests;
