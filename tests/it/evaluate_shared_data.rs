//! `eegi evaluate` on the real recordings in `../shared/data` (skipped, with a printed reason,
//! where that folder is absent; failed when `CI` is set), and the HTML report opened in headless chromium (skipped where
//! chromium is absent). Permutation counts are small here to keep `cargo test` fast; the
//! figures with 100 permutations are in docs/evaluation.md.

use crate::common;
use common::{shared, skip};

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn runs(data: &Path, runs: &[u32]) -> Vec<PathBuf> {
    runs.iter()
        .map(|r| data.join(format!("eegmmidb_s001/recordings/S001R{r:02}.csv")))
        .collect()
}

const FISTS: [&str; 4] = [
    "--epoch",
    "0.5:2.5",
    "--labels",
    "imagined_left_fist,imagined_right_fist",
];

#[test]
fn imagined_fists_leave_one_run_out_matches_scikit_learn() {
    let Some(data) = shared() else { return };
    let mut args = FISTS.to_vec();
    args.extend(["--cv", "by-recording", "--permutations", "20"]);
    let v = common::evaluate_summary(&runs(&data, &[4, 8, 12]), &args);
    assert_eq!(v["n_windows"], 45);
    assert_eq!(v["folds"].as_array().unwrap().len(), 3);
    // scikit-learn, same features and protocol: 0.713 (bench/evaluate_sklearn.py)
    let ba = v["balanced_accuracy"].as_f64().unwrap();
    assert!((ba - 0.71).abs() <= 0.05, "{ba}");
    // the permutation test refits at scikit-learn's default tolerance, the observed score
    // too, and p counts the permuted scores against that one
    let observed = observed_score(&v);
    assert!((observed - ba).abs() <= 0.05, "{observed} vs {ba}");
    let scores = permuted_scores(&v);
    assert_eq!(scores.len(), 20);
    let reached = scores.iter().filter(|&&s| s >= observed).count();
    assert_eq!(
        v["permutation_p_value"].as_f64().unwrap(),
        (1 + reached) as f64 / 21.0
    );
}

#[test]
fn imagined_fists_k_fold_keeps_events_apart() {
    let Some(data) = shared() else { return };
    let mut args = FISTS.to_vec();
    args.extend(["--cv", "5", "--permutations", "0"]);
    let v = common::evaluate_summary(&runs(&data, &[4, 8, 12]), &args);
    let tests: u64 = v["folds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["n_test"].as_u64().unwrap())
        .sum();
    assert_eq!(tests, 45);
}

#[test]
fn errp_negative_control_does_not_beat_chance() {
    let Some(data) = shared() else { return };
    let v = common::evaluate_summary(
        &[data.join("errp_bcifes/recordings")],
        &[
            "--epoch",
            "0:1.5",
            "--bands",
            "delta=1-4,theta=4-8",
            "--permutations",
            "20",
        ],
    );
    assert_eq!(v["n_recordings"], 16);
    assert_eq!(v["settings"]["evaluation"], "by-recording");
    let p = v["permutation_p_value"].as_f64().unwrap();
    assert!(p > 0.05, "a negative control must not beat chance: p = {p}");
    // the sequential stop (default 10 permutations reaching the observed score): at chance
    // it may end before the 20 asked, with Besag & Clifford's p = 10 / L
    let (run, asked) = (
        v["permutations"].as_u64().unwrap(),
        v["permutations_requested"].as_u64().unwrap(),
    );
    assert_eq!(asked, 20);
    let ba = observed_score(&v);
    let scores = permuted_scores(&v);
    assert_eq!(scores.len() as u64, run);
    let reached = scores.iter().filter(|&&s| s >= ba).count();
    if run < asked {
        assert_eq!(reached, 10, "stopped at the 10th: {scores:?}");
        assert!(*scores.last().unwrap() >= ba, "the last one reached it");
        assert_eq!(p, 10.0 / run as f64);
    } else {
        assert!(reached <= 10, "{reached} reached it, yet all {asked} ran");
        assert_eq!(p, (1 + reached) as f64 / (1 + asked) as f64);
    }
}

/// The observed score the permutation test compared with (refitted as the permuted fits are).
fn observed_score(v: &serde_json::Value) -> f64 {
    v["permutation_observed_balanced_accuracy"]
        .as_f64()
        .expect("a test's observed score")
}

/// The balanced accuracy of each permutation that ran, in order.
fn permuted_scores(v: &serde_json::Value) -> Vec<f64> {
    v["permutation_balanced_accuracy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn the_sequential_stop_ends_a_test_at_chance_and_0_runs_all() {
    let Some(data) = shared() else { return };
    let recordings = [data.join("errp_bcifes/recordings")];
    let args = |stop: &'static str| {
        [
            "--epoch",
            "0:1.5",
            "--bands",
            "delta=1-4,theta=4-8",
            "--permutations",
            "60",
            "--permutation-stop",
            stop,
        ]
    };
    let v = common::evaluate_summary(&recordings, &args("3"));
    let run = v["permutations"].as_u64().unwrap();
    let ba = observed_score(&v);
    let scores = permuted_scores(&v);
    assert!(run < 60, "a negative control stops early: {run} of 60 ran");
    assert_eq!(scores.iter().filter(|&&s| s >= ba).count(), 3);
    assert_eq!(v["permutation_p_value"].as_f64().unwrap(), 3.0 / run as f64);
    // the same seed without the stop: the first permutations are the same ones, all 60 run
    let all = common::evaluate_summary(&recordings, &args("0"));
    assert_eq!(all["permutations"], 60);
    let all_scores = all["permutation_balanced_accuracy"].as_array().unwrap();
    assert_eq!(
        &all_scores[..run as usize],
        v["permutation_balanced_accuracy"]
            .as_array()
            .unwrap()
            .as_slice()
    );
}

#[test]
fn five_class_html_report_renders_in_chromium() {
    let Some(data) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .arg("evaluate")
        .args(runs(&data, &[4, 6, 8, 10, 12, 14]))
        .args([
            "--epoch",
            "0.5:2.5",
            "--cv",
            "by-recording",
            "--permutations",
            "2",
            "--report",
        ])
        .arg(&html)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains("imagined_both_feet") && text.contains("rest"));
    let Some(chromium) = ["chromium", "chromium-browser"].into_iter().find(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        skip("chromium is absent: the HTML report was written but not rendered");
        return;
    };
    let shot = dir.path().join("report.png");
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1200,3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real screenshot"
    );
}

#[test]
fn imagined_fists_tangent_space_beats_band_power() {
    let Some(data) = shared() else { return };
    let mut args = FISTS.to_vec();
    args.extend([
        "--bandpass",
        "8-30",
        "--features",
        "cov",
        "--classifier",
        "logistic",
        "--cv",
        "by-recording",
        "--permutations",
        "0",
    ]);
    let v = common::evaluate_summary(&runs(&data, &[4, 8, 12]), &args);
    assert_eq!(v["n_windows"], 45);
    // measured 0.8439 (deterministic: leave one run out, no random folds), equal to pyriemann
    // Covariances('lwf') + TangentSpace + LogisticRegression(class_weight='balanced') on the
    // same epochs (bench/decode_fists.py); band power 0.713. Tangent vectors reach the
    // classifier unstandardised, as in pyriemann: standardised, both give 0.756 (issue 16).
    let ba = v["balanced_accuracy"].as_f64().unwrap();
    assert!(ba >= 0.84, "{ba}");
}

#[test]
fn errp_negative_control_stays_at_chance_with_tangent_space() {
    let Some(data) = shared() else { return };
    let v = common::evaluate_summary(
        &[data.join("errp_bcifes/recordings")],
        &[
            "--epoch",
            "0:1.5",
            "--features",
            "cov",
            "--permutations",
            "20",
        ],
    );
    assert_eq!(v["n_recordings"], 16);
    // measured p = 0.43 (balanced accuracy 0.545, empirical chance 0.539)
    let p = v["permutation_p_value"].as_f64().unwrap();
    assert!(p > 0.05, "a negative control must not beat chance: p = {p}");
}

#[test]
fn a_class_no_training_fold_held_has_no_roc_area() {
    // leave one run out over R01 (eyes open only), R02 (eyes closed only), R04 and R08 (rest,
    // imagined fists): eyes_open windows are scored only by the fold trained without R01, so
    // their scores say nothing about the class: n/a, not 0 (issue 15, item 9)
    let Some(data) = shared() else { return };
    let v = common::evaluate_summary(
        &runs(&data, &[1, 2, 4, 8]),
        &["--cv", "by-recording", "--permutations", "0"],
    );
    let curves = v["roc_curves"].as_array().expect("roc_curves");
    let auc = |class: &str| {
        curves
            .iter()
            .find(|c| c["class"] == class)
            .unwrap_or_else(|| panic!("no curve for {class}: {curves:?}"))["auc"]
            .clone()
    };
    assert!(auc("eyes_open").is_null(), "{}", auc("eyes_open"));
    assert!(auc("eyes_closed").is_null(), "{}", auc("eyes_closed"));
    let rest = auc("rest").as_f64().expect("rest is in R04 and R08");
    assert!((0.0..=1.0).contains(&rest), "{rest}");
}
