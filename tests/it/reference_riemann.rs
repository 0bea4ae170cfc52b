//! Covariances (scm, lwf, oas), Riemannian and log-Euclidean means, tangent vectors and the
//! SPD matrix functions against pyriemann 0.12 / scikit-learn
//! (`tests/reference/make_riemann_reference.py` → `riemann.json`). Errors are relative to the
//! largest reference value of each quantity (tangent vectors have entries near 0); the worst is
//! printed (`--nocapture`).

use crate::common;
use common::{floats, reference, usizes};

use eegi::features::cov::{covariance, CovEstimator, CovSpec, TangentMetric};
use eegi::features::{ExtractorSpec, FeatureSpec, TrainingEpochs};
use eegi::signal::spd::{expm, invsqrtm, logm, mean_logeuclid, mean_riemann, sqrtm};
use ndarray::{Array2, Array3};
use serde_json::Value;

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(floats).collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

/// Largest |got − want| over the largest |want|.
fn relative(got: &Array2<f64>, want: &Array2<f64>) -> f64 {
    assert_eq!(got.dim(), want.dim());
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let err = got
        .iter()
        .zip(want)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    err / scale
}

fn check(what: &str, got: &Array2<f64>, want: &Array2<f64>) {
    let e = relative(got, want);
    eprintln!("riemann reference: {what}: worst relative error {e:.2e}");
    assert!(e < 1e-9, "{what}: relative error {e:e}");
}

/// The epochs as eegi holds them (epochs × samples × channels).
fn epochs(r: &Value) -> Array3<f64> {
    let ep = r["epochs"].as_array().unwrap();
    let (n, n_ch, n_t) = (
        ep.len(),
        ep[0].as_array().unwrap().len(),
        ep[0][0].as_array().unwrap().len(),
    );
    let mut out = Array3::<f64>::zeros((n, n_t, n_ch));
    for (i, e) in ep.iter().enumerate() {
        for ch in 0..n_ch {
            for (t, v) in floats(&e[ch]).into_iter().enumerate() {
                out[[i, t, ch]] = v;
            }
        }
    }
    out
}

fn covariances(x: &Array3<f64>, estimator: CovEstimator) -> Vec<Array2<f64>> {
    x.outer_iter().map(|e| covariance(e, estimator)).collect()
}

#[test]
fn covariances_match_scikit_learn() {
    let r = reference("riemann.json");
    let x = epochs(&r);
    for (name, est) in [
        ("scm", CovEstimator::Scm),
        ("lwf", CovEstimator::Lwf),
        ("oas", CovEstimator::Oas),
    ] {
        let want = r["cov"][name].as_array().unwrap();
        let got = covariances(&x, est);
        let worst = got
            .iter()
            .zip(want)
            .map(|(g, w)| relative(g, &matrix(w)))
            .fold(0.0, f64::max);
        eprintln!("riemann reference: cov {name}: worst relative error {worst:.2e}");
        assert!(worst < 1e-12, "cov {name}: {worst:e}");
    }
}

#[test]
fn means_and_matrix_functions_match_pyriemann() {
    let r = reference("riemann.json");
    let c = covariances(&epochs(&r), CovEstimator::Lwf);
    check(
        "mean_riemann",
        &mean_riemann(&c).unwrap(),
        &matrix(&r["mean_riemann"]),
    );
    check(
        "mean_logeuclid",
        &mean_logeuclid(&c).unwrap(),
        &matrix(&r["mean_logeuclid"]),
    );
    let s = &r["spd"];
    let a = matrix(&s["a"]);
    check("sqrtm", &sqrtm(&a).unwrap(), &matrix(&s["sqrtm"]));
    check("invsqrtm", &invsqrtm(&a).unwrap(), &matrix(&s["invsqrtm"]));
    check("logm", &logm(&a).unwrap(), &matrix(&s["logm"]));
    let half = logm(&a).unwrap() * 0.5;
    check("expm", &expm(&half).unwrap(), &matrix(&s["expm_half_logm"]));
}

#[test]
fn tangent_vectors_match_pyriemann() {
    let r = reference("riemann.json");
    let x = epochs(&r);
    let y = usizes(&r["y"]);
    let classes = vec!["a".to_string(), "b".to_string()];
    let n_ch = x.dim().2;
    let names: Vec<String> = (0..n_ch).map(|i| format!("ch{i}")).collect();
    let rows: Vec<usize> = (0..x.dim().0).collect();
    for (name, metric) in [
        ("tangent_riemann", TangentMetric::Riemann),
        ("tangent_logeuclid", TangentMetric::Logeuclid),
    ] {
        let spec = CovSpec {
            estimator: CovEstimator::Lwf,
            metric,
            reference: None,
        };
        let training = TrainingEpochs {
            epochs: x.view(),
            rows: &rows,
            y: &y,
            classes: &classes,
            channels: &names,
        };
        let fitted = spec.fit_on(&training).unwrap();
        // through the extractor, as the pipeline runs it
        let mut e = FeatureSpec::Cov(fitted)
            .build_for(160.0, x.dim().1, &names)
            .unwrap();
        let width = e.n_columns(n_ch);
        let mut got = Array2::<f64>::zeros((rows.len(), width));
        let cols: Vec<usize> = (0..n_ch).collect();
        for (i, mut row) in got.outer_iter_mut().enumerate() {
            e.transform(
                x.index_axis(ndarray::Axis(0), i),
                &cols,
                row.as_slice_mut().unwrap(),
            );
        }
        check(name, &got, &matrix(&r[name]));
    }
}

#[test]
fn a_covariance_that_is_not_spd_is_refused() {
    let a = ndarray::arr2(&[[1.0, 2.0], [2.0, 1.0]]);
    let e = logm(&a).unwrap_err().to_string();
    assert!(
        e.contains("expected a symmetric positive definite matrix"),
        "{e}"
    );
    let empty: Vec<Array2<f64>> = Vec::new();
    assert!(mean_riemann(&empty).is_err());
}
