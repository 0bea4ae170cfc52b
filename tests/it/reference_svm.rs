//! The SVM (`--classifier svm`, src/model/svm.rs, through linfa-svm's SMO) against
//! scikit-learn's `SVC` (libsvm) on the same standardised rows: decision values on test
//! points, intercept, dual coefficients (RBF) or weights (linear), γ = 'scale'. Reference values
//! from `tests/reference/make_svm_reference.py` (SVC with tol=1e-10, the exact optimum).

use crate::common::{floats, reference, usizes};
use eegi::model::{SvmKernel, SvmSpec};
use ndarray::Array2;
use serde_json::Value;

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(floats).collect();
    let cols = rows[0].len();
    Array2::from_shape_vec((rows.len(), cols), rows.concat()).unwrap()
}

/// Largest absolute difference relative to the largest reference magnitude.
fn max_rel_err(ours: &[f64], theirs: &[f64]) -> f64 {
    assert_eq!(ours.len(), theirs.len());
    let scale = theirs
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(1e-300);
    ours.iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
        / scale
}

/// Dual coefficient of every training row (0 off the support), from SVC's `support_`.
fn dense_dual(n: usize, support: &[usize], coef: &[f64]) -> Vec<f64> {
    let mut d = vec![0.0; n];
    for (&i, &a) in support.iter().zip(coef) {
        d[i] = a;
    }
    d
}

#[test]
fn svm_matches_scikit_learn_svc() {
    let refs = reference("svm.json");
    let x = matrix(&refs["x"]);
    let x_test = matrix(&refs["x_test"]);
    let y = usizes(&refs["y"]);
    let n = x.nrows();
    let mut worst_decision = 0.0f64;
    for case in refs["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let spec = SvmSpec {
            kernel: match case["kernel"].as_str().unwrap() {
                "linear" => SvmKernel::Linear,
                _ => SvmKernel::Rbf,
            },
            c: case["c"].as_f64().unwrap(),
            gamma: None,
            balanced: case["balanced"].as_bool().unwrap(),
        };
        let m = spec.fit_decision(x.view(), &y).unwrap();
        assert!(m.converged, "{name}: SMO did not reach its tolerance");
        let ours: Vec<f64> = x_test.rows().into_iter().map(|r| m.decision(r)).collect();
        let theirs = floats(&case["decision"]);
        let dec_err = max_rel_err(&ours, &theirs);
        let agree = ours
            .iter()
            .zip(&theirs)
            .filter(|(a, b)| (**a > 0.0) == (**b > 0.0))
            .count();
        let b_err = (m.intercept - case["intercept"].as_f64().unwrap()).abs()
            / case["intercept"].as_f64().unwrap().abs();
        let dual = dense_dual(n, &usizes(&case["support"]), &floats(&case["dual_coef"]));
        let coef_err = match spec.kernel {
            SvmKernel::Linear => {
                let w: Vec<f64> = (0..x.ncols())
                    .map(|j| (0..n).map(|i| dual[i] * x[[i, j]]).sum())
                    .collect();
                max_rel_err(&m.weights, &w)
            }
            SvmKernel::Rbf => {
                let gamma_err = (m.gamma - case["gamma"].as_f64().unwrap()).abs();
                assert!(gamma_err < 1e-12, "{name}: gamma differs by {gamma_err:e}");
                // our support vectors are copies of training rows: find each one's index
                let mut ours_dual = vec![0.0; n];
                for (sv, &a) in m.support_vectors.iter().zip(&m.dual_coef) {
                    let i = (0..n)
                        .find(|&i| x.row(i).iter().zip(sv).all(|(p, q)| p == q))
                        .unwrap();
                    ours_dual[i] = a;
                }
                max_rel_err(&ours_dual, &dual)
            }
        };
        eprintln!(
            "{name}: decision rel. error {dec_err:.1e}, signs agree {agree}/{}, intercept {b_err:.1e}, {} {coef_err:.1e}",
            theirs.len(),
            if spec.kernel == SvmKernel::Linear {
                "weights"
            } else {
                "dual coefficients"
            }
        );
        worst_decision = worst_decision.max(dec_err);
        assert_eq!(agree, theirs.len(), "{name}: predicted classes differ");
        assert!(
            dec_err <= 1e-5,
            "{name}: decision values differ by {dec_err:e}"
        );
        assert!(b_err <= 1e-5, "{name}: intercept differs by {b_err:e}");
        assert!(
            coef_err <= 1e-5,
            "{name}: coefficients differ by {coef_err:e}"
        );
    }
    eprintln!("worst decision-value relative error {worst_decision:.1e}");
}
