//! The ERP additions against outside oracles: IIR filters against `scipy.signal` and shrinkage
//! LDA against scikit-learn (`tests/reference/make_filter_reference.py`,
//! `tests/reference/make_lda_reference.py`, committed JSON).

use crate::common;
use common::{floats, reference};

use eegi::model::LdaSpec;
use eegi::signal::Sos;
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

fn design(case: &Value) -> Sos {
    let fs = case["sample_rate_hz"].as_f64().unwrap();
    let mut sos: Option<Sos> = None;
    if let Some(f0) = case["notch_hz"].as_f64() {
        sos = Some(Sos::notch(f0, case["q"].as_f64().unwrap(), fs).unwrap());
    }
    if let Some(band) = case["bandpass"].as_array() {
        let order = case["order"].as_u64().unwrap() as usize;
        let bp = Sos::butter_bandpass(
            order,
            band[0].as_f64().unwrap(),
            band[1].as_f64().unwrap(),
            fs,
        )
        .unwrap();
        sos = Some(match sos {
            Some(s) => s.then(bp),
            None => bp,
        });
    }
    sos.unwrap()
}

#[test]
fn filters_match_scipy_to_1e9() {
    let refs = reference("filter.json");
    let cases = refs["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let fs = case["sample_rate_hz"].as_f64().unwrap();
        let sos = design(case);
        let theirs = matrix(&case["sos"]);
        assert_eq!(sos.sections.len(), theirs.nrows(), "{name}: sections");
        assert_eq!(
            sos.padlen(),
            case["padlen"].as_u64().unwrap() as usize,
            "{name}: padlen"
        );
        for (f, g) in floats(&case["gain_freqs"])
            .iter()
            .zip(floats(&case["gain"]))
        {
            let ours = sos.gain_at(*f, fs);
            assert!(
                (ours - g).abs() <= 1e-9 * g.max(1e-3),
                "{name}: |H({f} Hz)| eegi {ours} scipy {g}"
            );
        }
        let x = floats(&case["x"]);
        let mut y = x.clone();
        sos.filtfilt(&mut y, &mut Vec::new()).unwrap();
        let err = max_rel_err(&y, &floats(&case["filtfilt"]));
        assert!(err <= 1e-9, "{name}: sosfiltfilt relative error {err:e}");
        let mut y = x.clone();
        sos.filter(&mut y);
        let err_causal = max_rel_err(&y, &floats(&case["causal"]));
        assert!(
            err_causal <= 1e-9,
            "{name}: sosfilt relative error {err_causal:e}"
        );
        eprintln!("{name}: sosfiltfilt {err:.1e}, sosfilt {err_causal:.1e}");
    }
}

#[test]
fn shrinkage_lda_matches_scikit_learn() {
    let refs = reference("lda.json");
    let cases = refs["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let x = matrix(&case["x"]);
        let y: Vec<usize> = case["y"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let k = case["n_classes"].as_u64().unwrap() as usize;
        let m = LdaSpec::default().fit(x.view(), &y, k).unwrap();
        let err = max_rel_err(&m.shrinkage, &floats(&case["shrinkage"]));
        assert!(err <= 1e-9, "{name}: shrinkage relative error {err:e}");
        let coef = matrix(&case["coef"]);
        let ours: Vec<f64> = m.coefficients.concat();
        let err = max_rel_err(&ours, coef.as_slice().unwrap());
        assert!(err <= 1e-9, "{name}: coefficients relative error {err:e}");
        let err = max_rel_err(&m.intercepts, &floats(&case["intercept"]));
        assert!(err <= 1e-9, "{name}: intercepts relative error {err:e}");
        let p = m.predict_proba(x.view());
        let theirs = matrix(&case["proba"]);
        let worst = p
            .iter()
            .zip(theirs.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst <= 1e-9, "{name}: probabilities differ by {worst:e}");
        eprintln!("{name}: intercepts {err:.1e}, probabilities {worst:.1e}");
    }
}
