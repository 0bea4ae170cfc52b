//! MDM class means and probabilities (pyriemann 0.12 `MDM` on `Covariances("lwf")`) and CSP
//! filters and features (MNE 1.13 `CSP(n_components=4, log=True)`) against
//! `tests/reference/make_decode_reference.py` → `decode.json`. MDM runs as eegi runs it: on
//! the `cov` features' tangent vectors at the training reference point, unstandardised. The
//! worst relative error is printed (`--nocapture`).

use crate::common;
use common::{floats, reference, usizes};

use eegi::features::cov::{CovEstimator, CovSpec, TangentMetric};
use eegi::features::csp::CspSpec;
use eegi::features::{ExtractorSpec, TrainingEpochs};
use eegi::model::{Fitted, MdmSpec};
use eegi::signal::spd::sqrtm;
use ndarray::{Array2, Array3};
use serde_json::Value;

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(floats).collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

/// Epochs × channels × samples (MNE / pyriemann layout) → epochs × samples × channels.
fn epochs(v: &Value) -> Array3<f64> {
    let ep = v.as_array().unwrap();
    let (n, n_ch, n_t) = (
        ep.len(),
        ep[0].as_array().unwrap().len(),
        ep[0][0].as_array().unwrap().len(),
    );
    let mut out = Array3::<f64>::zeros((n, n_t, n_ch));
    for (i, e) in ep.iter().enumerate() {
        for ch in 0..n_ch {
            for (t, x) in floats(&e[ch]).into_iter().enumerate() {
                out[[i, t, ch]] = x;
            }
        }
    }
    out
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

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("c{i}")).collect()
}

/// The fitted `cov` (lwf, riemann) spec and the tangent vectors of `apply` (rows = epochs).
fn tangents(train: &Array3<f64>, y: &[usize], apply: &Array3<f64>) -> (CovSpec, Array2<f64>) {
    let spec = CovSpec {
        estimator: CovEstimator::Lwf,
        metric: TangentMetric::Riemann,
        reference: None,
    };
    let rows: Vec<usize> = (0..y.len()).collect();
    let classes = names(3);
    let fitted = spec
        .fit_on(&TrainingEpochs {
            epochs: train.view(),
            rows: &rows,
            y,
            classes: &classes,
            channels: &names(train.dim().2),
        })
        .unwrap();
    let n_ch = train.dim().2;
    let mut e = fitted
        .build_for(160.0, train.dim().1, &names(n_ch))
        .unwrap();
    let cols: Vec<usize> = (0..n_ch).collect();
    let width = n_ch * (n_ch + 1) / 2;
    let mut out = Array2::<f64>::zeros((apply.dim().0, width));
    for (i, mut row) in out.rows_mut().into_iter().enumerate() {
        e.transform(
            apply.index_axis(ndarray::Axis(0), i),
            &cols,
            row.as_slice_mut().unwrap(),
        );
    }
    (fitted, out)
}

#[test]
fn mdm_matches_pyriemann() {
    let r = reference("decode.json");
    let (train, test) = (epochs(&r["train"]), epochs(&r["test"]));
    let y = usizes(&r["y_train"]);
    let (spec, t_train) = tangents(&train, &y, &train);
    let (_, t_test) = tangents(&train, &y, &test);
    let model = MdmSpec {}.fit(t_train.view(), &y, 2).unwrap();
    // the stored means are whitened by the reference point P: P^½·W·P^½ is pyriemann's mean
    let p = Array2::from_shape_fn((6, 6), |(i, j)| spec.reference.as_ref().unwrap()[i][j]);
    let p12 = sqrtm(&p).unwrap();
    let want = r["mdm"]["covmeans"].as_array().unwrap();
    let mut worst = 0.0f64;
    for (k, w) in want.iter().enumerate() {
        let m = Array2::from_shape_fn((6, 6), |(i, j)| model.means[k][i][j]);
        worst = worst.max(relative(&p12.dot(&m).dot(&p12), &matrix(w)));
    }
    eprintln!("decode reference: MDM class means: worst relative error {worst:.2e}");
    assert!(worst < 1e-9, "MDM means: {worst:e}");
    let proba = model.predict_proba(t_test.view());
    let e = relative(&proba, &matrix(&r["mdm"]["proba"]));
    eprintln!("decode reference: MDM probabilities: worst relative error {e:.2e}");
    assert!(e < 1e-9, "MDM probabilities: {e:e}");
    // three classes
    let train3 = epochs(&r["mdm3"]["train"]);
    let y3 = usizes(&r["mdm3"]["y_train"]);
    let (_, t3) = tangents(&train3, &y3, &train3);
    let (_, t3_test) = tangents(&train3, &y3, &test);
    let model3 = MdmSpec {}.fit(t3.view(), &y3, 3).unwrap();
    let e = relative(
        &model3.predict_proba(t3_test.view()),
        &matrix(&r["mdm3"]["proba"]),
    );
    eprintln!("decode reference: MDM 3-class probabilities: worst relative error {e:.2e}");
    assert!(e < 1e-9, "MDM 3-class probabilities: {e:e}");
}

/// Fits 4 CSP filters on `train` and compares filters (up to sign) and features of `test`
/// with MNE's (the JSON object `want`); returns the worst relative errors.
fn csp_against_mne(
    train: &Array3<f64>,
    test: &Array3<f64>,
    y: &[usize],
    want: &Value,
) -> (f64, f64) {
    let rows: Vec<usize> = (0..y.len()).collect();
    let classes = names(2);
    let fitted = CspSpec {
        n_filters: 4,
        fitted: None,
    }
    .fit_on(&TrainingEpochs {
        epochs: train.view(),
        rows: &rows,
        y,
        classes: &classes,
        channels: &names(6),
    })
    .unwrap();
    // filters equal MNE's first four up to sign
    let filters = matrix(&want["filters"]);
    let f = fitted.fitted.as_ref().unwrap();
    assert_eq!(f.filters.len(), 4);
    let scale = filters.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut worst = 0.0f64;
    for (i, row) in f.filters.iter().enumerate() {
        let sign = if row[0] * filters[[i, 0]] < 0.0 {
            -1.0
        } else {
            1.0
        };
        for (j, v) in row.iter().enumerate() {
            worst = worst.max((sign * v - filters[[i, j]]).abs() / scale);
        }
    }
    let mut e = fitted.build_for(160.0, train.dim().1, &names(6)).unwrap();
    let cols: Vec<usize> = (0..6).collect();
    let mut got = Array2::<f64>::zeros((test.dim().0, 4));
    for (i, mut row) in got.rows_mut().into_iter().enumerate() {
        e.transform(
            test.index_axis(ndarray::Axis(0), i),
            &cols,
            row.as_slice_mut().unwrap(),
        );
    }
    (worst, relative(&got, &matrix(&want["features"])))
}

#[test]
fn csp_matches_mne() {
    let r = reference("decode.json");
    let (train, test) = (epochs(&r["train"]), epochs(&r["test"]));
    let y = usizes(&r["y_train"]);
    let (worst, err) = csp_against_mne(&train, &test, &y, &r["csp"]);
    eprintln!("decode reference: CSP filters (up to sign): worst relative error {worst:.2e}");
    assert!(worst < 1e-9, "CSP filters: {worst:e}");
    eprintln!("decode reference: CSP features: worst relative error {err:.2e}");
    assert!(err < 1e-10, "CSP features: {err:e}");
    // common-average referenced epochs have rank 5 of 6: MNE restricts the problem to the
    // principal subspace, and so does eegi (before, a singular-covariance error)
    let car = &r["csp_car"];
    let (worst, err) = csp_against_mne(&epochs(&car["train"]), &epochs(&car["test"]), &y, car);
    eprintln!("decode reference: CSP after CAR: filters {worst:.2e}, features {err:.2e}");
    assert!(worst < 1e-9, "CSP filters after CAR: {worst:e}");
    assert!(err < 1e-10, "CSP features after CAR: {err:e}");
    let rows: Vec<usize> = (0..y.len()).collect();
    // three classes are refused, naming them
    let y3: Vec<usize> = (0..y.len()).map(|i| i % 3).collect();
    let err = CspSpec {
        n_filters: 4,
        fitted: None,
    }
    .fit_on(&TrainingEpochs {
        epochs: train.view(),
        rows: &rows,
        y: &y3,
        classes: &names(3),
        channels: &names(6),
    })
    .unwrap_err();
    assert!(
        err.message.contains("3 classes (c0, c1, c2), expected 2"),
        "{}",
        err.message
    );
}
