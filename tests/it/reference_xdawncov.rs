//! The `xdawncov` and `erpcov` features against pyriemann 0.12's XdawnCovariances /
//! ERPCovariances → TangentSpace (`tests/reference/make_xdawncov_reference.py` →
//! `xdawncov.json`; the script sets pyriemann's filter signs as eegi does, see there): the fitted
//! filters, prototypes and reference point, the test epochs' super-trial covariances and their
//! tangent vectors (the extractor's columns).

use crate::common;
use common::{floats, reference, usizes};

use eegi::features::cov::covariance;
use eegi::features::{
    CovEstimator, ErpCovSpec, FeatureSpec, TangentMetric, TrainingEpochs, XdawnCovSpec,
};
use ndarray::{Array2, Array3, Axis};
use serde_json::Value;

/// Epochs × channels × samples (pyriemann) as epochs × samples × channels (eegi).
fn epochs(v: &Value) -> Array3<f64> {
    let ep = v.as_array().unwrap();
    let n_ch = ep[0].as_array().unwrap().len();
    let n_t = ep[0][0].as_array().unwrap().len();
    let mut out = Array3::<f64>::zeros((ep.len(), n_t, n_ch));
    for (i, e) in ep.iter().enumerate() {
        for ch in 0..n_ch {
            for (t, x) in floats(&e[ch]).into_iter().enumerate() {
                out[[i, t, ch]] = x;
            }
        }
    }
    out
}

/// A JSON array of arrays (of arrays …) flattened.
fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(items) => items.iter().flat_map(flat).collect(),
        x => vec![x.as_f64().unwrap()],
    }
}

/// Max |got − want| over max |want|.
fn rel(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    got.iter()
        .zip(want)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs() / scale))
}

/// The super-trial covariance of epoch `x` (samples × channels) from fitted prototypes (rows)
/// and filters (rows, or none), as pyriemann's `covariances_EP`.
fn super_trial_cov(
    x: ndarray::ArrayView2<f64>,
    prototypes: &[Vec<f64>],
    filters: Option<&[Vec<f64>]>,
    estimator: CovEstimator,
) -> Array2<f64> {
    let (n_t, n_ch) = x.dim();
    let n_x = filters.map_or(n_ch, |f| f.len());
    let n_p = prototypes.len();
    let mut s = Array2::<f64>::zeros((n_t, n_p + n_x));
    for t in 0..n_t {
        for (i, p) in prototypes.iter().enumerate() {
            s[[t, i]] = p[t];
        }
        for i in 0..n_x {
            s[[t, n_p + i]] = match filters {
                Some(f) => (0..n_ch).map(|j| f[i][j] * x[[t, j]]).sum(),
                None => x[[t, i]],
            };
        }
    }
    covariance(s.view(), estimator)
}

#[test]
fn xdawncov_and_erpcov_match_pyriemann() {
    let r = reference("xdawncov.json");
    let mut worst_all: f64 = 0.0;
    for (name, c) in r["cases"].as_object().unwrap() {
        let train = epochs(&c["train"]);
        let test = epochs(&c["test"]);
        let y = usizes(&c["y_train"]);
        let (n, n_t, n_ch) = train.dim();
        let classes: Vec<String> = (0..=*y.iter().max().unwrap())
            .map(|k| format!("c{k}"))
            .collect();
        let channels: Vec<String> = (0..n_ch).map(|i| format!("ch{i}")).collect();
        let all: Vec<usize> = (0..n).collect();
        let training = TrainingEpochs {
            epochs: train.view(),
            rows: &all,
            y: &y,
            classes: &classes,
            channels: &channels,
        };
        for (est_name, estimator) in [("lwf", CovEstimator::Lwf), ("scm", CovEstimator::Scm)] {
            let Some(e) = c.get(est_name) else { continue };
            for kind in ["xdawncov", "erpcov"] {
                let want = &e[kind];
                let (metric, fitted) = (TangentMetric::Riemann, None);
                let spec = match kind {
                    "xdawncov" => FeatureSpec::XdawnCov(XdawnCovSpec {
                        n_filters: 4,
                        estimator,
                        metric,
                        fitted,
                    }),
                    _ => FeatureSpec::ErpCov(ErpCovSpec {
                        estimator,
                        metric,
                        fitted: None,
                    }),
                };
                let spec = spec.fit(&training).unwrap();
                let (filters, prototypes, refpoint) = match &spec {
                    FeatureSpec::XdawnCov(s) => {
                        let f = s.fitted.as_ref().unwrap();
                        (Some(&f.xdawn.filters), &f.prototypes, &f.reference)
                    }
                    FeatureSpec::ErpCov(s) => {
                        let f = s.fitted.as_ref().unwrap();
                        (None, &f.prototypes, &f.reference)
                    }
                    _ => unreachable!(),
                };
                let mut errors = vec![];
                if let Some(f) = filters {
                    errors.push(("filters", rel(&flat_rows(f), &flat(&want["filters"]))));
                }
                errors.push((
                    "prototypes",
                    rel(&flat_rows(prototypes), &flat(&want["prototypes"])),
                ));
                errors.push((
                    "reference",
                    rel(&flat_rows(refpoint), &flat(&want["reference"])),
                ));
                // covariances from the fitted parts; tangent vectors through the extractor
                let mut covs = Vec::new();
                let mut tangent = Vec::new();
                let mut x = spec.build_for(100.0, n_t, &channels).unwrap();
                let identity: Vec<usize> = (0..n_ch).collect();
                let mut row = vec![0.0; x.n_columns(n_ch)];
                for epoch in test.axis_iter(Axis(0)) {
                    let filters = filters.map(|f| &f[..]);
                    covs.extend(super_trial_cov(epoch, prototypes, filters, estimator));
                    x.transform(epoch, &identity, &mut row);
                    tangent.extend_from_slice(&row);
                }
                errors.push(("covs", rel(&covs, &flat(&want["covs"]))));
                errors.push(("tangent", rel(&tangent, &flat(&want["tangent"]))));
                for (what, err) in errors {
                    eprintln!("{name} {est_name} {kind} {what}: max |Δ|/max|want| {err:.2e}");
                    worst_all = worst_all.max(err);
                    assert!(err < 1e-9, "{name} {est_name} {kind} {what}: {err}");
                }
            }
        }
    }
    eprintln!("worst relative error {worst_all:.2e}");
}

/// Rows flattened.
fn flat_rows(rows: &[Vec<f64>]) -> Vec<f64> {
    rows.iter().flatten().copied().collect()
}
