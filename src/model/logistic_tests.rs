//! Tests of the logistic regression: gradient, objective scaling, guards.

use super::*;
use ndarray::Array2;

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
        let design = Design::new(x.view());
        let mut f = Objective::new(&design, &y, k, &weights, 0.7);
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
    let design = Design::new(x.view());
    let mut f = Objective::new(&design, &y, 3, &weights, 2.0);
    let theta = [0.3, -0.2, 0.1, 0.4, -0.5, 0.2, 0.05, -0.1, 0.02];
    let mut grad = vec![0.0; 9];
    let value = f.evaluate(&theta, &mut grad);
    let (coefficients, intercepts) = f.unpack(&theta);
    let model = LogisticModel {
        linear: LinearModel {
            n_classes: 3,
            coefficients: coefficients.clone(),
            intercepts,
        },
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
        max_iterations: 10,
        ..LogisticSpec::default()
    }
    .check()
    .is_err());
}

#[test]
fn scikit_learn_stop_ends_at_its_tolerance_and_earlier_than_a_full_fit() {
    // labels unrelated to the features (as under a permutation): a slow fit to converge
    let (n, d, k) = (240, 30, 4);
    let x = Array2::from_shape_vec((n, d), numbers(n * d, 5)).unwrap();
    let y: Vec<usize> = numbers(n, 9)
        .iter()
        .map(|v| ((v + 1.0) * 2.0) as usize % k)
        .collect();
    let full = LogisticSpec::default().fit(x.view(), &y, k).unwrap();
    let sk = LogisticSpec {
        convergence: Convergence::ScikitLearn,
        ..LogisticSpec::default()
    }
    .fit(x.view(), &y, k)
    .unwrap();
    let (fi, si) = (full.fit.iterations.unwrap(), sk.fit.iterations.unwrap());
    assert!(si < fi, "scikit-learn's stop {si} iterations, full {fi}");
    assert!(sk.fit.gradient_max_per_window <= 1e-4, "{:?}", sk.fit);
    assert!(
        full.fit.gradient_max_per_window < sk.fit.gradient_max_per_window,
        "{:?} {:?}",
        full.fit,
        sk.fit
    );
    // both near the one minimum: the full fit lower, the early stop within its gradient's
    // bound of it (f − f* ≤ ‖g‖²/(2λ) per window, ‖g‖² ≤ params · largest²)
    let (f_full, f_sk) = (full.fit.objective / n as f64, sk.fit.objective / n as f64);
    assert!(f_full <= f_sk, "{f_full} {f_sk}");
    let params = (k * (d + 1)) as f64;
    let bound = params * sk.fit.gradient_max_per_window.powi(2) / (2.0 / n as f64);
    assert!(f_sk - f_full <= bound, "{} > {bound}", f_sk - f_full);
    // the stop is not a setting of the model: never written, read back as the full fit
    let json = serde_json::to_string(&LogisticSpec {
        convergence: Convergence::ScikitLearn,
        ..LogisticSpec::default()
    })
    .unwrap();
    assert!(!json.contains("convergence"), "{json}");
    let back: LogisticSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back.convergence, Convergence::Full);
}
