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
//! Loss and gradient come from one pass over the windows ([`Objective::evaluate`]: two matrix
//! products and a numerically stable log-sum-exp per window, into reused buffers). argmin asks
//! for the cost and the gradient separately at the same point, so the last evaluation is cached.

use crate::{Error, Result};
use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

/// Settings of the logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

/// A fitted logistic regression over standardised features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

/// Largest gradient tolerance: L-BFGS stops when the Euclidean norm of the gradient of the
/// per-window objective `f` (module docs) is below this, whatever the number of windows.
const GRADIENT_TOLERANCE: f64 = 1e-5;

/// Relative excess of the objective aimed at. With penalty λ (per unit weight) the objective
/// curves at least λ in the coefficients, so `f − f* ≤ ‖g‖²/(2λ)`: the gradient tolerance is
/// `√(2·λ·f·SUBOPTIMALITY)` (at most [`GRADIENT_TOLERANCE`]). Nearly separable classes make `f`
/// small, and an absolute tolerance alone would leave it far above its minimum, relatively.
const SUBOPTIMALITY: f64 = 1e-6;

/// L-BFGS restarts at most this many times with a tolerance tightened to the objective reached.
const MAX_ROUNDS: usize = 8;

/// The gradient tolerance for objective value `f` and penalty `penalty` (module docs' scaling).
fn gradient_tolerance(f: f64, penalty: f64) -> f64 {
    (2.0 * penalty * f.max(0.0) * SUBOPTIMALITY)
        .sqrt()
        .min(GRADIENT_TOLERANCE)
}

/// L-BFGS also stops when one iteration lowers `f` by less than this (scipy's L-BFGS-B `ftol`
/// as scikit-learn sets it, 64 ε; `f` is at most log K at the start, so absolute is relative).
const COST_TOLERANCE: f64 = 64.0 * f64::EPSILON;

/// Convergence threshold on the per-window gradient (scikit-learn's lbfgs default `tol`).
const CONVERGED_GRADIENT: f64 = 1e-4;

/// Corrections kept by L-BFGS (scipy's `maxcor` default, as scikit-learn uses it).
const LBFGS_MEMORY: usize = 10;

/// Objective evaluations allowed per L-BFGS iteration of `max_iterations`, over the whole fit.
/// A More-Thuente line search needs one to three on this smooth objective, but argmin's has no
/// bound of its own: on a degenerate objective one line search could otherwise run forever.
pub const EVALUATIONS_PER_ITERATION: u64 = 20;

/// Longest a logistic fit may run, s (1 hour): a backstop behind the evaluation bound. The
/// fit of 2820 windows × 320 features takes about 0.1 s; one of 100 000 windows × 20 480
/// features (4096 channels × 5 bands, 16 GB of features) about 4 s per evaluation.
pub const MAX_FIT_SECONDS: u64 = 3600;

/// Bounds on a fit's work: objective evaluations and wall time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitBudget {
    /// Most objective evaluations (each one pass over the windows).
    pub evaluations: u64,
    /// Longest wall time.
    pub time: Duration,
}

/// Why a fit was stopped before L-BFGS finished.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stop {
    /// The objective or its gradient was not finite at a point.
    NonFinite { cost: f64, gradient: f64 },
    /// The evaluation budget ran out.
    Evaluations,
    /// The time budget ran out.
    Time,
}

/// Counts evaluations against a [`FitBudget`] over every restart of one fit, and keeps why it
/// stopped one (argmin turns an error inside a line search into a normal termination).
struct Guard {
    budget: FitBudget,
    started: Instant,
    evaluations: Cell<u64>,
    stop: Cell<Option<Stop>>,
}

impl Guard {
    /// Counts one evaluation with its results; `Err` stops the fit.
    fn check(
        &self,
        cost: f64,
        gradient: &Array1<f64>,
    ) -> std::result::Result<(), argmin::core::Error> {
        self.evaluations.set(self.evaluations.get() + 1);
        let stop = if !(cost.is_finite() && gradient.iter().all(|g| g.is_finite())) {
            Some(Stop::NonFinite {
                cost,
                gradient: gradient.iter().fold(0.0f64, |m, g| {
                    if g.is_nan() || m.is_nan() {
                        f64::NAN
                    } else {
                        m.max(g.abs())
                    }
                }),
            })
        } else if self.evaluations.get() > self.budget.evaluations {
            Some(Stop::Evaluations)
        } else if self.started.elapsed() >= self.budget.time {
            Some(Stop::Time)
        } else {
            None
        };
        match stop {
            None => Ok(()),
            Some(s) => {
                self.stop.set(Some(s));
                Err(argmin::core::Error::msg("stopped by the fit's guard"))
            }
        }
    }

    /// The error for a stopped fit, after `iterations` L-BFGS iterations.
    fn error(&self, stop: Stop, iterations: u64) -> Error {
        let n = self.evaluations.get();
        Error::runtime(match stop {
            Stop::NonFinite { cost, gradient } => format!(
                "logistic regression failed: the objective is {cost:e} (largest gradient component {gradient:e}) at evaluation {n}, after {iterations} L-BFGS iterations, expected finite values; the standardised features overflow the fit"
            ),
            Stop::Evaluations => format!(
                "logistic regression did not converge: {n} objective evaluations in {iterations} L-BFGS iterations reached the limit of {} ({EVALUATIONS_PER_ITERATION} per allowed iteration), expected the line search to finish; the features may be degenerate (huge or duplicated)",
                self.budget.evaluations
            ),
            Stop::Time => format!(
                "logistic regression did not converge: stopped after {:.0} s (limit {} s), {iterations} L-BFGS iterations and {n} objective evaluations, expected a fit to finish well within it",
                self.started.elapsed().as_secs_f64(),
                self.budget.time.as_secs()
            ),
        })
    }
}

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
        let guard = Guard {
            budget,
            started: Instant::now(),
            evaluations: Cell::new(0),
            stop: Cell::new(None),
        };
        let weights = balanced_weights(y, n_classes);
        let n_params = Objective::new(x, y, n_classes, &weights, self.alpha).n_params();
        // penalty per unit of weight: the objective's curvature in the coefficients is at least this
        let penalty = self.alpha / y.len() as f64;
        let fail =
            |e: argmin::core::Error| Error::runtime(format!("logistic regression failed: {e}"));
        let mut theta = Array1::<f64>::zeros(n_params);
        let mut iterations = 0;
        // L-BFGS runs with the gradient tolerance the objective's current value asks for, and
        // restarts from where it stopped while the gradient is still above it.
        for _ in 0..MAX_ROUNDS {
            let problem = Cached {
                objective: RefCell::new(Objective::new(x, y, n_classes, &weights, self.alpha)),
                last: RefCell::new(None),
                guard: &guard,
            };
            let stopped = |iterations| guard.error(guard.stop.get().expect("set"), iterations);
            let (start, _) = problem.evaluate(&theta).map_err(|_| stopped(iterations))?;
            let solver = LBFGS::new(MoreThuenteLineSearch::new(), LBFGS_MEMORY)
                .with_tolerance_grad(gradient_tolerance(start, penalty))
                .and_then(|s| s.with_tolerance_cost(COST_TOLERANCE))
                .map_err(fail)?;
            let from = theta.clone();
            let run = Executor::new(problem, solver)
                .configure(|s| s.param(from).max_iters(self.max_iterations - iterations))
                .run();
            // a stop inside a line search ends the run as if it had finished: ask the guard
            if let Some(stop) = guard.stop.get() {
                let done = run
                    .as_ref()
                    .map_or(iterations, |r| iterations + r.state().get_iter());
                return Err(guard.error(stop, done));
            }
            let result = run.map_err(fail)?;
            let state = result.state();
            iterations += state.get_iter();
            let best = state
                .get_best_param()
                .cloned()
                .ok_or_else(|| Error::runtime("logistic regression failed: no solution"))?;
            let (f, g) = result
                .problem
                .problem
                .as_ref()
                .map(|p| p.evaluate(&best))
                .ok_or_else(|| Error::runtime("logistic regression failed: no objective"))?
                .map_err(|_| stopped(iterations))?;
            let improved = f < start;
            if improved {
                theta = best;
            }
            let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
            if !improved
                || norm <= gradient_tolerance(f, penalty)
                || iterations >= self.max_iterations
            {
                break;
            }
        }
        // Verify against the objective itself, evaluated afresh at the solution.
        let mut objective = Objective::new(x, y, n_classes, &weights, self.alpha);
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
            n_classes,
            coefficients,
            intercepts,
            fit: FitReport {
                objective: f * y.len() as f64,
                gradient_max_per_window: g,
                converged: g <= CONVERGED_GRADIENT,
                iterations: Some(iterations),
            },
        })
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

/// scikit-learn's balanced class weights per row: `n / (K·n_class)`.
pub fn balanced_weights(y: &[usize], n_classes: usize) -> Vec<f64> {
    let counts = class_counts(y, n_classes);
    let n = y.len() as f64;
    let k = n_classes as f64;
    y.iter().map(|&c| n / (k * counts[c] as f64)).collect()
}

/// The weighted logistic objective `f` of the module docs on one training set, with the
/// buffers of its evaluation. Parameters are laid out as all coefficient rows (row-major, one
/// row for K = 2, K rows otherwise), then one intercept per row.
pub struct Objective<'x, 'y> {
    x: ArrayView2<'x, f64>,
    y: &'y [usize],
    /// Sample weights divided by their sum.
    weights: Vec<f64>,
    /// L2 penalty divided by the sum of the sample weights (scikit-learn's `1/(C·Σw)`).
    penalty: f64,
    n_classes: usize,
    /// Coefficient rows: 1 for K = 2, else K.
    rows: usize,
    /// Linear outputs of every window, then its weighted residuals: windows × rows.
    z: Array2<f64>,
}

impl<'x, 'y> Objective<'x, 'y> {
    /// The objective for rows `x`, classes `y`, sample `weights` (any positive scale) and L2
    /// penalty `alpha` (1/C).
    pub fn new(
        x: ArrayView2<'x, f64>,
        y: &'y [usize],
        n_classes: usize,
        weights: &[f64],
        alpha: f64,
    ) -> Self {
        let total: f64 = weights.iter().sum();
        let rows = if n_classes == 2 { 1 } else { n_classes };
        Objective {
            x,
            y,
            weights: weights.iter().map(|w| w / total).collect(),
            penalty: alpha / total,
            n_classes,
            rows,
            z: Array2::zeros((x.nrows(), rows)),
        }
    }

    /// Number of parameters: coefficient rows × (features + 1).
    pub fn n_params(&self) -> usize {
        self.rows * (self.x.ncols() + 1)
    }

    /// Coefficient rows and intercepts of a parameter vector.
    pub fn unpack(&self, theta: &[f64]) -> (Vec<Vec<f64>>, Vec<f64>) {
        let d = self.x.ncols();
        let w = theta[..self.rows * d]
            .chunks(d)
            .map(|r| r.to_vec())
            .collect();
        (w, theta[self.rows * d..].to_vec())
    }

    /// `f(theta)`, with its gradient written into `grad`, in one pass over the windows.
    pub fn evaluate(&mut self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let d = self.x.ncols();
        let rows = self.rows;
        let (w, b) = theta.split_at(rows * d);
        let w = ArrayView2::from_shape((rows, d), w).expect("parameter length");
        general_mat_mul(1.0, &self.x, &w.t(), 0.0, &mut self.z);
        let (gw, gb) = grad.split_at_mut(rows * d);
        gb.iter_mut().for_each(|g| *g = 0.0);
        let mut loss = 0.0;
        for ((mut zi, &yi), &wi) in self.z.rows_mut().into_iter().zip(self.y).zip(&self.weights) {
            let zi = zi.as_slice_mut().expect("standard layout");
            if self.n_classes == 2 {
                let z = zi[0] + b[0];
                let t = if yi == 1 { 1.0 } else { 0.0 };
                // −log p(y) = log(1 + eᶻ) − t·z, with log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|)
                loss += wi * (z.max(0.0) + (-z.abs()).exp().ln_1p() - t * z);
                let r = wi * (sigmoid(z) - t);
                zi[0] = r;
                gb[0] += r;
            } else {
                let mut m = f64::NEG_INFINITY;
                for (v, bk) in zi.iter_mut().zip(b) {
                    *v += bk;
                    m = m.max(*v);
                }
                let own = zi[yi] - m;
                let mut sum = 0.0;
                for v in zi.iter_mut() {
                    *v = (*v - m).exp();
                    sum += *v;
                }
                // −log p(y) = log Σ e^(z_k − m) − (z_y − m)
                loss += wi * (sum.ln() - own);
                for (k, (v, g)) in zi.iter_mut().zip(gb.iter_mut()).enumerate() {
                    let r = wi * (*v / sum - if k == yi { 1.0 } else { 0.0 });
                    *v = r;
                    *g += r;
                }
            }
        }
        let mut gw = ArrayViewMut2::from_shape((rows, d), gw).expect("parameter length");
        gw.assign(&w);
        // gradient of the coefficients: residualsᵀ·X + penalty·W
        general_mat_mul(1.0, &self.z.t(), &self.x, self.penalty, &mut gw);
        loss + 0.5 * self.penalty * w.iter().map(|v| v * v).sum::<f64>()
    }
}

/// The objective as argmin sees it: argmin asks for the cost and the gradient at the same
/// point in two calls, so the last evaluation is kept and the second call is free.
struct Cached<'x, 'y, 'g> {
    objective: RefCell<Objective<'x, 'y>>,
    last: RefCell<Option<Evaluation>>,
    /// Counts every fresh evaluation and stops the fit past its budget or at a non-finite value.
    guard: &'g Guard,
}

/// A point, the objective there and its gradient.
type Evaluation = (Array1<f64>, f64, Array1<f64>);

impl Cached<'_, '_, '_> {
    /// Cost and gradient at `theta`, from the cache when it was the last point evaluated; an
    /// error when the guard stops the fit.
    fn evaluate(
        &self,
        theta: &Array1<f64>,
    ) -> std::result::Result<(f64, Array1<f64>), argmin::core::Error> {
        if let Some((p, f, g)) = self.last.borrow().as_ref() {
            if p == theta {
                return Ok((*f, g.clone()));
            }
        }
        let mut g = Array1::zeros(theta.len());
        let f = self.objective.borrow_mut().evaluate(
            theta.as_slice().expect("contiguous"),
            g.as_slice_mut().expect("contiguous"),
        );
        self.guard.check(f, &g)?;
        *self.last.borrow_mut() = Some((theta.clone(), f, g.clone()));
        Ok((f, g))
    }
}

impl CostFunction for Cached<'_, '_, '_> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, theta: &Array1<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.evaluate(theta)?.0)
    }
}

impl Gradient for Cached<'_, '_, '_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(
        &self,
        theta: &Array1<f64>,
    ) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        Ok(self.evaluate(theta)?.1)
    }
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

    /// Deterministic pseudo-random numbers in [-1, 1).
    fn numbers(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
            })
            .collect()
    }

    #[test]
    fn analytic_gradient_matches_finite_differences() {
        let (n, d) = (23, 4);
        let x = Array2::from_shape_vec((n, d), numbers(n * d, 1)).unwrap() * 2.0;
        for k in [2, 3, 4] {
            // uneven classes: 23 windows over k classes
            let y: Vec<usize> = (0..n).map(|i| (i * i + i / 3) % k).collect();
            let weights = balanced_weights(&y, k);
            let mut f = Objective::new(x.view(), &y, k, &weights, 0.7);
            let theta: Vec<f64> = numbers(f.n_params(), 7 + k as u64)
                .iter()
                .map(|v| 1.5 * v)
                .collect();
            let mut grad = vec![0.0; theta.len()];
            f.evaluate(&theta, &mut grad);
            let mut scratch = vec![0.0; theta.len()];
            for j in 0..theta.len() {
                let h = 1e-5;
                let mut t = theta.clone();
                t[j] += h;
                let up = f.evaluate(&t, &mut scratch);
                t[j] -= 2.0 * h;
                let down = f.evaluate(&t, &mut scratch);
                let numeric = (up - down) / (2.0 * h);
                assert!(
                    (numeric - grad[j]).abs() < 1e-8 * (1.0 + numeric.abs()),
                    "K={k}, parameter {j}: analytic {} vs finite difference {numeric}",
                    grad[j]
                );
            }
        }
    }

    #[test]
    fn objective_is_the_weighted_mean_loss_plus_scaled_penalty() {
        // f = Σ wᵢ·(−log p(yᵢ)) / Σw + alpha·‖W‖² / (2·Σw), checked through predict_proba.
        let x = ndarray::array![
            [0.5, -1.0],
            [1.5, 0.2],
            [-0.3, 0.8],
            [2.0, -0.4],
            [0.1, 0.1]
        ];
        let y = [0, 1, 2, 1, 1];
        let weights = balanced_weights(&y, 3);
        let mut f = Objective::new(x.view(), &y, 3, &weights, 2.0);
        let theta = [0.3, -0.2, 0.1, 0.4, -0.5, 0.2, 0.05, -0.1, 0.02];
        let mut grad = vec![0.0; 9];
        let value = f.evaluate(&theta, &mut grad);
        let (coefficients, intercepts) = f.unpack(&theta);
        let model = LogisticModel {
            n_classes: 3,
            coefficients: coefficients.clone(),
            intercepts,
            fit: FitReport {
                objective: 0.0,
                gradient_max_per_window: 0.0,
                converged: true,
                iterations: None,
            },
        };
        let p = model.predict_proba(x.view());
        let total: f64 = weights.iter().sum();
        let loss: f64 = (0..5).map(|i| -weights[i] * p[[i, y[i]]].ln()).sum();
        let norm: f64 = coefficients.iter().flatten().map(|v| v * v).sum();
        let expected = loss / total + 2.0 * norm / (2.0 * total);
        assert!((value - expected).abs() < 1e-14, "{value} vs {expected}");
    }

    #[test]
    fn balanced_weights_sum_to_the_number_of_windows() {
        let y = [0, 0, 0, 1, 1, 1, 1, 1, 1, 1];
        let w = balanced_weights(&y, 2);
        assert!((w[0] - 10.0 / 6.0).abs() < 1e-15 && (w[9] - 10.0 / 14.0).abs() < 1e-15);
        assert!((w.iter().sum::<f64>() - 10.0).abs() < 1e-12);
    }

    #[test]
    fn binary_probabilities_follow_class_one() {
        // Class 0 is the more frequent.
        let x = ndarray::array![[-2.0], [-1.5], [-1.0], [-0.5], [-1.2], [1.0], [2.0]];
        let y = [0, 0, 0, 0, 0, 1, 1];
        let m = LogisticSpec::default().fit(x.view(), &y, 2).unwrap();
        let p = m.predict_proba(x.view());
        assert!(p[[6, 1]] > 0.5 && p[[0, 0]] > 0.5, "{p:?}");
        assert!(m.coefficients[0][0] > 0.0);
        assert!(m.fit.converged, "{:?}", m.fit);
    }

    #[test]
    fn an_overflowing_objective_stops_the_fit_with_an_error() {
        // finite features so large that the first line search step overflows the loss: before
        // the guard, the More-Thuente line search spun forever on NaN
        let x = ndarray::array![
            [1e300, -1e300],
            [2e300, 1e300],
            [-1e300, 3e300],
            [-2e300, 0.5]
        ];
        let e = LogisticSpec::default()
            .fit(x.view(), &[0, 0, 1, 1], 2)
            .unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Runtime);
        assert!(e.message.contains("expected finite values"), "{e}");
    }

    #[test]
    fn a_fit_that_runs_out_of_evaluations_or_time_is_an_error() {
        let x = ndarray::array![[-2.0], [-1.5], [-1.0], [-0.5], [-1.2], [1.0], [2.0]];
        let y = [0, 0, 0, 0, 0, 1, 1];
        let spec = LogisticSpec::default();
        // the default budget is generous: this fit takes a handful of evaluations
        assert!(spec.fit_within(x.view(), &y, 2, spec.budget()).is_ok());
        let e = spec
            .fit_within(
                x.view(),
                &y,
                2,
                FitBudget {
                    evaluations: 3,
                    time: Duration::from_secs(MAX_FIT_SECONDS),
                },
            )
            .unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Runtime);
        assert!(e.message.contains("4 objective evaluations"), "{e}");
        assert!(e.message.contains("limit of 3"), "{e}");
        let e = spec
            .fit_within(
                x.view(),
                &y,
                2,
                FitBudget {
                    evaluations: 1000,
                    time: Duration::ZERO,
                },
            )
            .unwrap_err();
        assert!(e.message.contains("(limit 0 s)"), "{e}");
    }

    #[test]
    fn refuses_features_that_are_not_finite() {
        let x = ndarray::array![[1.0, 2.0], [f64::NAN, 0.0], [0.5, 1.0]];
        let e = LogisticSpec::default()
            .fit(x.view(), &[0, 1, 1], 2)
            .unwrap_err();
        assert!(e.message.contains("feature 1 of row 2 is NaN"), "{e}");
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
