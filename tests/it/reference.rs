//! eegi against outside oracles: values computed by scipy and scikit-learn with
//! `tests/reference/make_reference.py` and committed as JSON.

use crate::common;
use common::{floats, reference, usizes};

use eegi::features::{Band, BandPowerSpec, Extractor, PowerScale};
use eegi::io::{read_recording, CsvOptions};
use eegi::model::LogisticSpec;
use eegi::signal::WelchPlan;
use eegi::validation::{balanced_accuracy, stratified_kfold};
use ndarray::{s, Array2};
use std::path::Path;

/// Logistic regression against scikit-learn (tol 1e-10): relative error of the objective.
const OBJECTIVE_REL: f64 = 1e-8;
/// Largest absolute difference of a probability.
const PROBA_ABS: f64 = 5e-5;
/// Largest absolute difference of a coefficient or intercept.
const COEF_ABS: f64 = 1e-4;

/// Asserts `ours` is within `rel` relative error of `theirs`; returns the relative error.
fn assert_close(ours: f64, theirs: f64, rel: f64, what: &str) -> f64 {
    let err = (ours - theirs).abs() / theirs.abs().max(1e-300);
    assert!(
        err <= rel,
        "{what}: eegi {ours} vs reference {theirs} (relative error {err:e})"
    );
    err
}

#[test]
fn welch_psd_and_band_power_match_scipy_to_1e9() {
    let refs = reference("welch_bandpower.json");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rec = read_recording(
        &root.join(refs["source"].as_str().unwrap()),
        &CsvOptions::default(),
    )
    .unwrap();
    let cases = refs["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    let mut compared = 0;
    let mut worst: f64 = 0.0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let fs = case["sample_rate_hz"].as_f64().unwrap();
        let start = case["window_start_sample"].as_u64().unwrap() as usize;
        let len = case["window_len"].as_u64().unwrap() as usize;
        let nperseg = case["nperseg"].as_u64().unwrap() as usize;
        let noverlap = case["noverlap"].as_u64().unwrap() as usize;
        let channels = usizes(&case["channel_indices"]);
        let window = rec.samples.slice(s![start..start + len, ..]);
        assert_eq!(rec.sample_rate_hz, fs);

        // the PSD itself
        let mut plan = WelchPlan::new(nperseg, noverlap, fs);
        let freqs = floats(&case["freqs"]);
        assert_eq!(plan.n_bins(), freqs.len(), "{name}");
        for (k, f) in freqs.iter().enumerate() {
            assert_eq!(plan.frequency_hz(k), *f, "{name}: bin {k} frequency");
        }
        let mut psd = vec![0.0; plan.n_bins()];
        for (j, &ch) in channels.iter().enumerate() {
            let col = window.column(ch).to_vec();
            plan.psd(&col[..len], &mut psd);
            for (k, (ours, theirs)) in psd.iter().zip(floats(&case["psd"][j])).enumerate() {
                worst = worst.max(assert_close(
                    *ours,
                    theirs,
                    1e-9,
                    &format!("{name}: psd ch {ch} bin {k}"),
                ));
                compared += 1;
            }
        }

        // band power through the extractor, in all three scales
        let bands: Vec<Band> = case["bands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| Band {
                name: b[0].as_str().unwrap().into(),
                low_hz: b[1].as_f64().unwrap(),
                high_hz: b[2].as_f64().unwrap(),
            })
            .collect();
        for (power, key) in [
            (PowerScale::Absolute, "band_power"),
            (PowerScale::Log10, "log10_band_power"),
            (PowerScale::Relative, "relative_band_power"),
        ] {
            let spec = BandPowerSpec {
                welch_segment_s: nperseg as f64 / fs,
                welch_overlap: noverlap as f64 / nperseg as f64,
                bands: bands.clone(),
                power,
            };
            assert_eq!(spec.segment_samples(fs), (nperseg, noverlap));
            let mut extractor = spec.build(fs, len).unwrap();
            let mut out = vec![0.0; extractor.n_columns(channels.len())];
            extractor.transform(window, &channels, &mut out);
            for (j, _) in channels.iter().enumerate() {
                for (b, theirs) in floats(&case[key][j]).into_iter().enumerate() {
                    worst = worst.max(assert_close(
                        out[j * bands.len() + b],
                        theirs,
                        1e-9,
                        &format!("{name}: {key} ch {j} band {b}"),
                    ));
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 500, "only {compared} values compared");
    eprintln!("welch: {compared} values compared with scipy, worst relative error {worst:e}");
}

#[test]
fn balanced_accuracy_matches_sklearn() {
    let refs = reference("metrics.json");
    for case in refs["balanced_accuracy"].as_array().unwrap() {
        let k = case["n_classes"].as_u64().unwrap() as usize;
        let t = usizes(&case["y_true"]);
        let p = usizes(&case["y_pred"]);
        let ours = balanced_accuracy(&t, &p, k);
        let _ = assert_close(
            ours,
            case["balanced_accuracy"].as_f64().unwrap(),
            1e-12,
            "balanced accuracy",
        );
    }
}

#[test]
fn stratified_kfold_matches_sklearn() {
    let refs = reference("metrics.json");
    let cases = refs["stratified_kfold"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for case in cases {
        let k = case["n_splits"].as_u64().unwrap() as usize;
        let y = usizes(&case["y"]);
        assert_eq!(
            stratified_kfold(&y, k).unwrap(),
            usizes(&case["test_fold"]),
            "k={k}, y={y:?}"
        );
    }
}

#[test]
fn balanced_logistic_regression_matches_sklearn() {
    let refs = reference("logistic.json");
    let cases = refs["cases"].as_array().unwrap();
    // includes class sizes that do not divide each other (31/58, 17/29/53)
    assert_eq!(cases.len(), 5);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let c = case["C"].as_f64().unwrap();
        let rows: Vec<Vec<f64>> = case["x"].as_array().unwrap().iter().map(floats).collect();
        let x = Array2::from_shape_vec((rows.len(), rows[0].len()), rows.concat()).unwrap();
        let y = usizes(&case["y"]);
        let k = case["classes"].as_array().unwrap().len();
        let model = LogisticSpec {
            alpha: 1.0 / c,
            max_iterations: 1000,
            ..LogisticSpec::default()
        }
        .fit(x.view(), &y, k)
        .unwrap();
        assert!(model.fit.converged, "{name}: {:?}", model.fit);
        // eegi's objective is scikit-learn's divided by C
        let objective_err = assert_close(
            model.fit.objective * c,
            case["objective"].as_f64().unwrap(),
            OBJECTIVE_REL,
            &format!("{name}: objective"),
        );
        let proba = model.predict_proba(x.view());
        let theirs: Vec<Vec<f64>> = case["proba"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        let mut worst_p: f64 = 0.0;
        for (i, row) in theirs.iter().enumerate() {
            for (j, p) in row.iter().enumerate() {
                worst_p = worst_p.max((proba[[i, j]] - p).abs());
            }
        }
        assert!(
            worst_p < PROBA_ABS,
            "{name}: probabilities differ by up to {worst_p}"
        );
        let coef: Vec<Vec<f64>> = case["coef"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        let intercept = floats(&case["intercept"]);
        let mut worst_c: f64 = 0.0;
        for (r, row) in coef.iter().enumerate() {
            for (j, w) in row.iter().enumerate() {
                worst_c = worst_c.max((model.coefficients[r][j] - w).abs());
            }
            worst_c = worst_c.max((model.intercepts[r] - intercept[r]).abs());
        }
        assert!(
            worst_c < COEF_ABS,
            "{name}: coefficients and intercepts differ by up to {worst_c}"
        );
        println!(
            "{name}: objective rel {objective_err:.1e}, proba {worst_p:.1e}, coef {worst_c:.1e}, gradient {:.1e}",
            model.fit.gradient_max_per_window
        );
    }
}
