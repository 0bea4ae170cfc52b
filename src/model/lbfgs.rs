//! The L-BFGS minimisation of the logistic objective ([`super::objective::Objective`]) with
//! argmin: the stop that adapts to the objective's scale (restarts with a tightened gradient
//! tolerance), the guard that bounds a fit's work ([`FitBudget`]), and the cache that answers
//! argmin's separate cost and gradient calls at one point from one evaluation.

use super::objective::Objective;
use crate::{Error, Result};
use argmin::core::{
    CostFunction, Executor, Gradient, IterState, Problem, Solver, State, TerminationReason,
    TerminationStatus, KV,
};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;
use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

/// Largest gradient tolerance: L-BFGS stops when the Euclidean norm of the gradient of the
/// per-window objective `f` (module docs) is below this, whatever the number of windows.
const GRADIENT_TOLERANCE: f64 = 1e-5;

/// Relative excess of the objective aimed at. With penalty λ (per unit weight) the objective
/// curves at least λ in the coefficients, so `f − f* ≤ ‖g‖²/(2λ)`: the gradient tolerance is
/// `√(2·λ·f·SUBOPTIMALITY)` (at most [`GRADIENT_TOLERANCE`]). Nearly separable classes make `f`
/// small, and an absolute tolerance alone would leave it far above its minimum, relatively.
const SUBOPTIMALITY: f64 = 1e-6;

/// scikit-learn's default stop for `solver="lbfgs"` (`tol=1e-4`): scipy's L-BFGS-B ends when the
/// largest gradient component of the per-window objective is at most this.
const SCIKIT_LEARN_TOLERANCE: f64 = 1e-4;

/// How far a fit goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Convergence {
    /// To the relative excess [`SUBOPTIMALITY`] of the objective, restarting while the gradient
    /// is above the tolerance it asks for: every model eegi stores or scores.
    #[default]
    Full,
    /// scikit-learn's default stop: one L-BFGS run, ended when the largest gradient component
    /// is at most 1e-4 (or by the cost tolerance), as `LogisticRegression()` fits. The
    /// permutation test's fits, observed and permuted alike (`evaluate/run.rs` says why).
    ScikitLearn,
}

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

/// Corrections kept by L-BFGS. scipy's `maxcor` default (10, as scikit-learn uses it) is
/// made for small problems: a multinomial fit has K × (features + 1) parameters (3520 for 11
/// classes × 320 band powers), and with 30 corrections the 14-run EEGMMIDB fit converges in
/// 326 iterations instead of 490 (scipy's L-BFGS-B: 486 → 318), to the same objective within
/// the tolerance. A correction costs 4 × parameters flops per iteration, small beside the two
/// products of the objective (2 × windows × parameters each); it holds 2 × parameters values.
const LBFGS_MEMORY: usize = 30;

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

/// Minimises the objective `make()` builds (a fresh one per L-BFGS run, with `n_params`
/// parameters) from zero, within `budget` and `max_iterations` L-BFGS iterations over all
/// runs; `penalty` is the L2 penalty per unit of weight (the objective's least curvature in
/// the coefficients), which sets the gradient tolerance. Returns the parameters and the
/// iterations taken; a fit stopped by the guard is a runtime error naming why.
pub(crate) fn minimise<'x, 'y>(
    make: impl Fn() -> Objective<'x, 'y>,
    n_params: usize,
    penalty: f64,
    max_iterations: u64,
    budget: FitBudget,
    convergence: Convergence,
) -> Result<(Array1<f64>, u64)> {
    let guard = Guard {
        budget,
        started: Instant::now(),
        evaluations: Cell::new(0),
        stop: Cell::new(None),
    };
    let mut theta = Array1::<f64>::zeros(n_params);
    let mut iterations = 0;
    // L-BFGS runs with the gradient tolerance the objective's current value asks for, and
    // restarts from where it stopped while the gradient is still above it.
    for _ in 0..MAX_ROUNDS {
        let problem = Cached {
            objective: RefCell::new(make()),
            last: RefCell::new(None),
            guard: &guard,
        };
        let round = run_round(
            problem,
            &theta,
            penalty,
            (max_iterations, iterations),
            convergence,
            &guard,
        )?;
        iterations += round.iterations;
        let improved = round.f < round.start;
        if improved {
            theta = round.best;
        }
        if !improved
            || convergence == Convergence::ScikitLearn
            || round.gradient_norm <= gradient_tolerance(round.f, penalty)
            || iterations >= max_iterations
        {
            break;
        }
    }
    Ok((theta, iterations))
}

/// What one L-BFGS run reached.
struct Round {
    /// Objective at the starting point.
    start: f64,
    /// Best point found.
    best: Array1<f64>,
    /// Objective at `best`.
    f: f64,
    /// Euclidean norm of the gradient at `best`.
    gradient_norm: f64,
    /// L-BFGS iterations taken in this run.
    iterations: u64,
}

/// One L-BFGS run from `from`, until `max_iterations` over the whole fit (`done` taken by
/// earlier runs), stopped as `convergence` says.
fn run_round(
    problem: Cached<'_, '_, '_>,
    from: &Array1<f64>,
    penalty: f64,
    (max_iterations, done): (u64, u64),
    convergence: Convergence,
    guard: &Guard,
) -> Result<Round> {
    let fail = |e: argmin::core::Error| Error::runtime(format!("logistic regression failed: {e}"));
    let stopped = |iterations| guard.error(guard.stop.get().expect("set"), iterations);
    let (start, _) = problem.evaluate(from).map_err(|_| stopped(done))?;
    // scikit-learn's stop is on the largest component, argmin's on the Euclidean norm: the
    // wrapper checks the former and argmin's own gradient test is switched off
    let (euclidean, largest) = match convergence {
        Convergence::Full => (gradient_tolerance(start, penalty), 0.0),
        Convergence::ScikitLearn => (0.0, SCIKIT_LEARN_TOLERANCE),
    };
    let lbfgs = LBFGS::new(MoreThuenteLineSearch::new(), LBFGS_MEMORY)
        .with_tolerance_grad(euclidean)
        .and_then(|s| s.with_tolerance_cost(COST_TOLERANCE))
        .map_err(fail)?;
    let solver = LargestComponentStop {
        inner: lbfgs,
        tolerance: largest,
    };
    let run = Executor::new(problem, solver)
        .configure(|s| s.param(from.clone()).max_iters(max_iterations - done))
        .run();
    // a stop inside a line search ends the run as if it had finished: ask the guard
    if let Some(stop) = guard.stop.get() {
        let done = run.as_ref().map_or(done, |r| done + r.state().get_iter());
        return Err(guard.error(stop, done));
    }
    let result = run.map_err(fail)?;
    let state = result.state();
    let iterations = state.get_iter();
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
        .map_err(|_| stopped(done + iterations))?;
    Ok(Round {
        start,
        best,
        f,
        gradient_norm: g.iter().map(|v| v * v).sum::<f64>().sqrt(),
        iterations,
    })
}

/// An argmin solver that also ends when the largest gradient component at the current point is
/// at most `tolerance` (scipy's `pgtol` test; 0 leaves the inner solver's tests alone).
struct LargestComponentStop<S> {
    inner: S,
    tolerance: f64,
}

/// The state of an L-BFGS run on the logistic objective.
type LbfgsState = IterState<Array1<f64>, Array1<f64>, (), (), (), f64>;

impl<O, S: Solver<O, LbfgsState>> Solver<O, LbfgsState> for LargestComponentStop<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn init(
        &mut self,
        problem: &mut Problem<O>,
        state: LbfgsState,
    ) -> std::result::Result<(LbfgsState, Option<KV>), argmin::core::Error> {
        self.inner.init(problem, state)
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<O>,
        state: LbfgsState,
    ) -> std::result::Result<(LbfgsState, Option<KV>), argmin::core::Error> {
        self.inner.next_iter(problem, state)
    }

    fn terminate(&mut self, state: &LbfgsState) -> TerminationStatus {
        let largest = state
            .get_gradient()
            .map(|g| g.iter().fold(0.0f64, |m, v| m.max(v.abs())));
        match largest {
            Some(g) if g <= self.tolerance => {
                TerminationStatus::Terminated(TerminationReason::SolverConverged)
            }
            _ => self.inner.terminate(state),
        }
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
