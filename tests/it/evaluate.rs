//! `eegi evaluate` driven as a user drives it, on the shipped sample in `data/`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn eegi() -> Command {
    let mut c = Command::cargo_bin("eegi").unwrap();
    c.current_dir(root());
    c
}

fn json(args: &[&str]) -> Value {
    let out = eegi()
        .arg("evaluate")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "eegi failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fails(args: &[&str]) -> String {
    let out = eegi().arg("evaluate").args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} should fail with exit code 2"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "one error line: {err}");
    err
}

#[test]
fn held_out_model_report_has_every_key() {
    let v = json(&[
        "-m",
        "models/default.json",
        "data/eyes_open_then_closed.csv",
        "--permutations",
        "20",
    ]);
    for key in [
        "classes",
        "n_windows",
        "accuracy",
        "balanced_accuracy",
        "macro_f1",
        "kappa",
        "roc_auc",
        "confusion_matrix",
        "per_class",
        "chance_balanced_accuracy",
        "permutation_p_value",
        "folds",
        "per_recording",
        "settings",
    ] {
        assert!(v.get(key).is_some(), "missing key {key}");
    }
    assert_eq!(
        v["classes"],
        serde_json::json!(["eyes_closed", "eyes_open"])
    );
    // 20 s open then 20 s closed: 19 + 19 sliding windows of 2 s every 1 s
    assert_eq!(v["n_windows"], 38);
    let cm = &v["confusion_matrix"];
    let total: u64 = (0..2)
        .flat_map(|i| (0..2).map(move |j| (i, j)))
        .map(|(i, j)| cm[i][j].as_u64().unwrap())
        .sum();
    assert_eq!(total, 38);
    assert_eq!(v["per_class"][0]["support"], 19);
    assert!(v["balanced_accuracy"].as_f64().unwrap() >= 0.9);
    assert_eq!(v["chance_balanced_accuracy"], 0.5);
    // event labels are shuffled within the recording, and this one holds just two events (one
    // block per class): a permutation either keeps or swaps them, so about half reproduce the
    // observed score and the test cannot tell one block per class from a drift in time
    let p = v["permutation_p_value"].as_f64().unwrap();
    assert!(p > 0.2, "{p}");
    assert_eq!(v["distinct_labellings"], 2.0);
    // a held-out model is not refitted: its own score is the one permutations compare with
    assert_eq!(
        v["permutation_observed_balanced_accuracy"],
        v["balanced_accuracy"]
    );
    assert_eq!(v["settings"]["evaluation"], "model");
    assert_eq!(v["settings"]["inputs"].as_array().unwrap().len(), 2);
    assert_eq!(v["settings"]["model"]["sha256"].as_str().unwrap().len(), 64);
    // the model's own classifier, not null (issue 15, item 4)
    let default: serde_json::Value =
        serde_json::from_slice(&std::fs::read("models/default.json").unwrap()).unwrap();
    assert_eq!(v["settings"]["classifier"]["kind"], "logistic");
    assert_eq!(
        v["settings"]["classifier"]["settings"],
        default["classifier"]["settings"]
    );
}

#[test]
fn same_seed_same_report_and_zero_permutations_work() {
    let args = [
        "-m",
        "models/default.json",
        "data/eyes_open_then_closed.csv",
        "--permutations",
        "5",
        "--seed",
        "3",
    ];
    assert_eq!(json(&args), json(&args));
    let v = json(&[
        "-m",
        "models/default.json",
        "data/eyes_open_then_closed.csv",
        "--permutations",
        "0",
    ]);
    assert!(v["permutation_p_value"].is_null());
}

#[test]
fn folders_expand_to_their_recordings() {
    // data/ holds the default model's two training recordings: allowed, and said
    let v = json(&[
        "-m",
        "models/default.json",
        "data",
        "--permutations",
        "0",
        "--allow-training-data",
    ]);
    assert_eq!(v["per_recording"].as_array().unwrap().len(), 3);
    assert_eq!(v["n_recordings"], 3);
}

#[test]
fn folders_take_openbci_gui_exports_but_not_other_text_files() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "session notes\n").unwrap();
    let folder = dir.path().to_str().unwrap();
    let err = fails(&[folder]);
    assert!(err.contains("folder holds no recordings"), "{err}");
    // an OpenBCI GUI export in a subfolder is found (and then needs its events, like any other)
    let sub = dir.path().join("session1");
    std::fs::create_dir(&sub).unwrap();
    let name = "OpenBCI-RAW-2023-11-14_22-13-20.txt";
    std::fs::copy(
        root().join("tests/fixtures/vendor").join(name),
        sub.join(name),
    )
    .unwrap();
    let err = fails(&[folder]);
    assert!(
        err.contains(name) && err.contains("no events file"),
        "{err}"
    );
}

#[test]
fn one_class_per_recording_cannot_be_left_out() {
    // each recording holds one class: leaving one out leaves a single class to train on
    let err = fails(&[
        "--cv",
        "by-recording",
        "data/eyes_open.csv",
        "data/eyes_closed.csv",
    ]);
    assert!(err.contains("expected at least two"), "{err}");
    assert!(err.contains("eyes_"), "{err}");
    // the default with two recordings is by-recording too
    fails(&["data/eyes_open.csv", "data/eyes_closed.csv"]);
}

#[test]
fn k_fold_cuts_continuous_segments_in_time_and_purges_overlapping_training_windows() {
    // two continuous segments (every sliding window overlaps its neighbours): folds are
    // contiguous stretches of each class, and the training windows that share samples with a
    // test window are left out of that fold's training
    let v = json(&[
        "--cv",
        "3",
        "data/eyes_open.csv",
        "data/eyes_closed.csv",
        "--permutations",
        "0",
    ]);
    let n = v["n_windows"].as_u64().unwrap();
    let folds = v["folds"].as_array().unwrap();
    assert_eq!(folds.len(), 3);
    let tested: u64 = folds.iter().map(|f| f["n_test"].as_u64().unwrap()).sum();
    assert_eq!(tested, n);
    for f in folds {
        let (train, test) = (
            f["n_train"].as_u64().unwrap(),
            f["n_test"].as_u64().unwrap(),
        );
        // a stretch in the middle of a segment has an overlapping neighbour on each side
        assert!(train + test < n, "{f}");
    }
}

#[test]
fn bad_options_are_one_line_errors() {
    fails(&[
        "-m",
        "models/default.json",
        "data/eyes_open_then_closed.csv",
        "--report",
        "out.txt",
    ]);
    // a usage error from the argument parser: exit code 2 (clap's own multi-line message)
    let out = eegi()
        .args(["evaluate", "--cv", "1", "data/eyes_open.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    fails(&[
        "--cv",
        "by-recording",
        "--group-by",
        "suffix:2",
        "data/eyes_open.csv",
        "data/eyes_closed.csv",
    ]);
}

#[test]
fn reports_are_written_in_three_formats() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["html", "md", "json"] {
        let path = dir.path().join(format!("report.{ext}"));
        let out = eegi()
            .args([
                "evaluate",
                "-m",
                "models/default.json",
                "data/eyes_open_then_closed.csv",
                "--permutations",
                "10",
                "--report",
            ])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let summary = String::from_utf8(out.stdout).unwrap();
        assert!(summary.contains("balanced accuracy"), "{summary}");
        match ext {
            "html" => {
                assert!(text.starts_with("<!DOCTYPE html>"));
                assert!(text.matches("<svg xmlns").count() >= 4);
                for banned in ["<script", "<link", "@import", "url(", "src="] {
                    assert!(!text.contains(banned), "self-contained: no {banned}");
                }
            }
            "md" => assert!(text.contains("| eyes_closed |")),
            _ => {
                let v: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["n_windows"], 38);
            }
        }
    }
}
