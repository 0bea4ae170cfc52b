//! `eegi evaluate --compare` / `--pipeline` and `train --auto` (issue 16): pipelines on one
//! shared fold list, skipped presets with their reason, user option sets, the Wilcoxon test
//! against scipy, the nested choice recorded in the model, and the fist task against
//! scikit-learn / pyriemann / MNE on the same folds (bench/compare_sklearn.py).

use crate::common;
use common::{floats, reference, shared};

use assert_cmd::Command;
use eegi::validation::wilcoxon::wilcoxon;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn eegi() -> Command {
    Command::cargo_bin("eegi").unwrap()
}

/// Simulated ErrP recordings at 64 Hz, small enough to compare every preset in seconds.
fn simulated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    eegi()
        .arg("simulate")
        .arg("-o")
        .arg(dir.path())
        .args(["--recordings", "3", "--trials", "40", "--sample-rate", "64"])
        .args(["--snr", "2"])
        .assert()
        .success();
    dir
}

fn recordings(dir: &Path) -> Vec<PathBuf> {
    (1..=3).map(|i| dir.join(format!("sim0{i}.csv"))).collect()
}

/// The shared settings of the simulated task.
const ERRP: [&str; 10] = [
    "--channels",
    "Fz,FCz,Cz,Pz,C3,C4",
    "--epoch",
    "0:0.8",
    "--labels",
    "robot_error,ok",
    "--bandpass",
    "1-10",
    "--bands",
    "theta=4-8,alpha=8-13",
];

/// `eegi evaluate FILES ARGS --json` (with `-q`), parsed.
fn evaluate_json(files: &[PathBuf], args: &[&str]) -> Value {
    let out = eegi()
        .arg("evaluate")
        .args(files)
        .args(args)
        .args(["--json", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn pipeline<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no pipeline {name}"))
}

#[test]
fn wilcoxon_matches_scipy() {
    let refs = reference("wilcoxon.json");
    let cases = refs["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (x, y) = (floats(&case["x"]), floats(&case["y"]));
        let w = wilcoxon(&x, &y).unwrap_or_else(|| panic!("{name}: no result"));
        let p = case["p_value"].as_f64().unwrap();
        assert!(
            (w.p_value - p).abs() <= 1e-12 * p.max(1e-300) + 1e-15,
            "{name}: p {} vs scipy {p} ({:?})",
            w.p_value,
            w.method
        );
        assert_eq!(w.statistic, case["statistic"].as_f64().unwrap(), "{name}");
    }
}

#[test]
fn every_pipeline_runs_on_one_fold_list_the_one_evaluate_uses() {
    let dir = simulated();
    let files = recordings(dir.path());
    let mut args = ERRP.to_vec();
    args.extend(["--cv", "3", "--compare", "erp-lda,cov-mdm,csp-lda"]);
    let v = evaluate_json(&files, &args);
    let n = v["n_windows"].as_u64().unwrap() as usize;
    let folds = v["folds"].as_array().unwrap();
    assert_eq!(folds.len(), 3);
    // one fold list, one fold per window, shared by every pipeline
    let of_window = common::usizes(&v["fold_of_window"]);
    assert_eq!(of_window.len(), n);
    for (f, fold) in folds.iter().enumerate() {
        let tested = of_window.iter().filter(|&&w| w == f).count();
        assert_eq!(fold["n_test"].as_u64().unwrap() as usize, tested);
    }
    for p in v["pipelines"].as_array().unwrap() {
        assert!(p["skipped"].is_null(), "{p}");
        assert_eq!(p["fold_balanced_accuracy"].as_array().unwrap().len(), 3);
    }
    // the same folds and loop as `eegi evaluate --cv 3` with that pipeline's options
    for (name, features, classifier) in [("erp-lda", "erp", "lda"), ("cov-mdm", "cov", "mdm")] {
        let mut one = ERRP.to_vec();
        one.extend(["--cv", "3", "--permutations", "0"]);
        one.extend(["--features", features, "--classifier", classifier]);
        let single = evaluate_json(&files, &one);
        let p = pipeline(&v, name);
        assert_eq!(
            p["balanced_accuracy"], single["balanced_accuracy"],
            "{name}"
        );
        let fold_ba: Vec<&Value> = single["folds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["balanced_accuracy"])
            .collect();
        let ours: Vec<&Value> = p["fold_balanced_accuracy"]
            .as_array()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(ours, fold_ba, "{name}");
    }
    // the best has no test, every other one a Wilcoxon test against it
    let best = v["best"].as_str().unwrap();
    for p in v["pipelines"].as_array().unwrap() {
        if p["name"] == best {
            assert!(p["versus_best"].is_null());
        } else {
            assert_eq!(p["versus_best"]["against"], best);
            assert_eq!(p["versus_best"]["n_pairs"], 3);
        }
    }
}

#[test]
fn a_preset_that_cannot_apply_is_skipped_with_its_reason() {
    // sliding windows: xDAWN needs epochs; band power at 160 Hz runs
    let v = evaluate_json(
        &[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/eyes_open_then_closed.csv")],
        &[
            "--channels",
            "O1,O2,Oz,Pz",
            "--compare",
            "bandpower-logistic,xdawn-lda",
        ],
    );
    let x = pipeline(&v, "xdawn-lda");
    let why = x["skipped"].as_str().expect("skipped");
    assert!(why.contains("--epoch"), "{why}");
    assert!(x["versus_best"].is_null());
    assert!(pipeline(&v, "bandpower-logistic")["skipped"].is_null());
    assert_eq!(v["best"], "bandpower-logistic");
    assert!(v["warnings"][0]
        .as_str()
        .unwrap()
        .contains("xdawn-lda skipped"));
}

#[test]
fn user_option_sets_are_layered_over_the_shared_settings() {
    let dir = simulated();
    let files = recordings(dir.path());
    let mut args = ERRP.to_vec();
    args.extend([
        "--cv",
        "by-recording",
        "--compare",
        "cov-logistic",
        "--pipeline",
        "oas=--features cov --cov-estimator oas",
        "--pipeline",
        "bp-lda=--features bandpower --classifier lda",
    ]);
    let v = evaluate_json(&files, &args);
    assert_eq!(v["paired_by"], "recordings");
    let names: Vec<&str> = v["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cov-logistic", "oas", "bp-lda"]);
    assert_eq!(
        pipeline(&v, "oas")["options"],
        "--features cov --cov-estimator oas"
    );
    // bp-lda runs with the shared --bands (2 bands × 6 channels), not the 64 Hz-breaking defaults
    assert!(pipeline(&v, "bp-lda")["skipped"].is_null(), "{v}");
    // oas differs from cov-logistic (lwf) only in its estimator: both ran, on the same folds
    assert!(pipeline(&v, "oas")["skipped"].is_null());
    // bad option sets and names are one-line input errors
    for (bad, says) in [
        (vec!["--pipeline", "nameless"], "NAME=OPTIONS"),
        (vec!["--compare", "nope"], "not a preset"),
        (
            vec![
                "--compare",
                "cov-mdm",
                "--pipeline",
                "cov-mdm=--features cov",
            ],
            "twice",
        ),
    ] {
        let out = eegi()
            .arg("evaluate")
            .args(&files)
            .args(ERRP)
            .args(&bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(says) && err.lines().count() == 1, "{err}");
    }
}

#[test]
fn reports_in_every_format() {
    let dir = simulated();
    let files = recordings(dir.path());
    for ext in ["html", "md", "json"] {
        let report = dir.path().join(format!("c.{ext}"));
        let mut args = ERRP.to_vec();
        args.extend(["--compare", "cov-mdm,csp-lda", "-q", "--report"]);
        eegi()
            .arg("evaluate")
            .args(&files)
            .args(&args)
            .arg(&report)
            .assert()
            .success();
        let text = std::fs::read_to_string(&report).unwrap();
        match ext {
            "html" => {
                assert!(text.contains("<svg") && text.contains("stroke-dasharray"));
                assert!(text.contains("csp-lda") && text.contains("</html>"));
            }
            "md" => assert!(text.contains("| pipeline |") && text.contains("| cov-mdm |")),
            _ => {
                let v: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["pipelines"].as_array().unwrap().len(), 2);
            }
        }
    }
}

#[test]
fn train_auto_records_a_nested_choice_and_is_deterministic() {
    let dir = simulated();
    let files = recordings(dir.path());
    let train = |model: &str| -> Value {
        let out = eegi()
            .arg("train")
            .args(&files)
            .args(ERRP)
            .args([
                "--auto=erp-lda,cov-mdm,csp-lda",
                "--cv",
                "3",
                "--json",
                "-o",
            ])
            .arg(dir.path().join(model))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let summary = train("a.json");
    train("b.json");
    let a = std::fs::read(dir.path().join("a.json")).unwrap();
    assert_eq!(a, std::fs::read(dir.path().join("b.json")).unwrap());
    let m: Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(m["format_version"], 7);
    let s = &m["selection"];
    assert_eq!(summary["selection"], *s);
    let candidates = s["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 3);
    // the chosen one has the highest inner score (the first on a tie)
    let best = candidates
        .iter()
        .fold(None::<&Value>, |b, c| match b {
            Some(b) if b["balanced_accuracy"].as_f64() >= c["balanced_accuracy"].as_f64() => {
                Some(b)
            }
            _ => Some(c),
        })
        .unwrap();
    assert_eq!(s["chosen"], best["name"]);
    // the model is that pipeline: its classifier
    let chosen = s["chosen"].as_str().unwrap();
    let classifier = m["classifier"]["kind"].as_str().unwrap();
    assert!(chosen.ends_with(classifier), "{chosen} vs {classifier}");
    // nested: one choice per outer fold, each a candidate
    let nested = &s["nested"];
    assert_eq!(nested["folds"], 3);
    assert_eq!(nested["chosen"].as_array().unwrap().len(), 3);
    assert_eq!(
        nested["fold_balanced_accuracy"].as_array().unwrap().len(),
        3
    );
    // inspect shows it
    let out = eegi()
        .arg("inspect")
        .arg(dir.path().join("a.json"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!("pipeline chosen by --auto: {chosen}")),
        "{text}"
    );
    assert!(text.contains("nested 3-fold balanced accuracy"), "{text}");
}

#[test]
fn imagined_fists_table_matches_python_on_the_same_folds() {
    let Some(data) = shared() else { return };
    let files: Vec<PathBuf> = [4, 8, 12]
        .iter()
        .map(|r| data.join(format!("eegmmidb_s001/recordings/S001R{r:02}.csv")))
        .collect();
    let v = evaluate_json(
        &files,
        &[
            "--epoch",
            "0.5:2.5",
            "--labels",
            "imagined_left_fist,imagined_right_fist",
            "--bandpass",
            "8-30",
            "--cv",
            "by-recording",
            "--compare",
            "bandpower-logistic,cov-logistic,cov-mdm,csp-lda,cov-svm",
        ],
    );
    assert_eq!(v["n_windows"], 45);
    // scikit-learn / pyriemann 0.12 / MNE fold scores, LeaveOneGroupOut over R04, R08, R12
    // (bench/compare_sklearn.py --task fists, measured 2026-12-02)
    for (name, python) in [
        ("bandpower-logistic", [0.625, 0.723, 0.393]),
        ("cov-logistic", [0.929, 0.732, 0.866]),
        ("cov-mdm", [0.857, 0.607, 0.866]),
        ("csp-lda", [0.723, 0.518, 0.741]),
        ("cov-svm", [0.929, 0.545, 0.938]),
    ] {
        let ours = floats(&pipeline(&v, name)["fold_balanced_accuracy"]);
        for (o, p) in ours.iter().zip(python) {
            assert!(
                (o - p).abs() <= 0.0006,
                "{name}: {ours:?} vs Python {python:?}"
            );
        }
    }
    // the tangent space + logistic regression, pyriemann's reference pipeline, wins (issue 16)
    assert_eq!(v["best"], "cov-logistic");
}
