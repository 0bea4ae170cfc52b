//! `--classifier svm` on the imagined left vs right fist runs of `../shared/data` (EEGMMIDB
//! S001 R04/R08/R12, epoch 0.5-2.5 s, 8-30 Hz, leave one run out), and an SVM model written
//! twice by `train` (byte-identical), read back by `inspect` and `classify`. Skipped where the
//! data is absent; failed under `CI`.

use crate::common;
use common::shared;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

use common::{fists, FISTS};

fn score(data: &Path, features: &str, kernel: &str) -> f64 {
    let mut args = FISTS.to_vec();
    args.extend([
        "--features",
        features,
        "--classifier",
        "svm",
        "--svm-kernel",
        kernel,
        "--permutations",
        "0",
    ]);
    let v = common::evaluate_summary(&fists(data), &args);
    assert_eq!(v["n_windows"], 45);
    v["balanced_accuracy"].as_f64().unwrap()
}

#[test]
fn imagined_fists_svm() {
    let Some(data) = shared() else { return };
    // measured 0.822 (linear) and 0.800 (RBF); scikit-learn's SVC(class_weight="balanced") on
    // eegi's tangent vectors (reference point fitted on all three runs, not per fold), leave one
    // run out: 0.822 and 0.779 (tests/reference/svm_shared_data.py)
    let linear = score(&data, "cov", "linear");
    assert!(linear >= 0.78, "cov + linear svm: {linear}");
    let rbf = score(&data, "cov", "rbf");
    assert!(rbf >= 0.75, "cov + rbf svm: {rbf}");
    // band power of all 64 channels in 5 bands carries little here: measured 0.511 (RBF),
    // scikit-learn 0.511; the covariance features must do clearly better
    let bandpower = score(&data, "bandpower", "rbf");
    assert!(
        (0.35..=rbf - 0.1).contains(&bandpower),
        "bandpower + rbf svm: {bandpower}"
    );
}

fn train(files: &[PathBuf], model: &Path) {
    Command::cargo_bin("eegi")
        .unwrap()
        .arg("train")
        .args(files)
        .args(&FISTS[..6])
        .args([
            "--features",
            "cov",
            "--classifier",
            "svm",
            "--svm-kernel",
            "linear",
            "--cv",
            "0",
            "-o",
        ])
        .arg(model)
        .assert()
        .success();
}

#[test]
fn an_svm_model_is_deterministic_inspected_and_classifies() {
    let Some(data) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let files = fists(&data);
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    train(&files[..2], &a);
    train(&files[..2], &b);
    let text = std::fs::read_to_string(&a).unwrap();
    assert_eq!(
        text,
        std::fs::read_to_string(&b).unwrap(),
        "same inputs, same model"
    );
    assert!(
        text.contains("\"kind\": \"svm\""),
        "the model stores the svm"
    );
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .arg("inspect")
        .arg(&a)
        .output()
        .unwrap();
    let inspect = String::from_utf8_lossy(&out.stdout);
    assert!(
        inspect.contains("classifier: two-class SVM, linear kernel, C 1"),
        "{inspect}"
    );
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .args([
            "classify",
            "--labels",
            "imagined_left_fist,imagined_right_fist",
        ])
        .arg(&files[2])
        .arg("-m")
        .arg(&a)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 15, "{text}");
    let mut right = 0;
    for r in &rows {
        let cells: Vec<&str> = r.split(',').collect();
        let cell = |name: &str| cells[header.iter().position(|h| *h == name).unwrap()];
        let p_left: f64 = cell("p_imagined_left_fist").parse().unwrap();
        let p_right: f64 = cell("p_imagined_right_fist").parse().unwrap();
        assert!((p_left + p_right - 1.0).abs() < 1e-9, "{r}");
        let most = if p_right > p_left {
            "imagined_right_fist"
        } else {
            "imagined_left_fist"
        };
        assert_eq!(
            cell("label"),
            most,
            "the decision is the most probable class: {r}"
        );
        right += usize::from(cell("label") == cell("true_label"));
    }
    eprintln!("run 12 from a model of runs 4 and 8: {right}/15 right");
    assert!(right >= 8, "{right}/15 right");
}
