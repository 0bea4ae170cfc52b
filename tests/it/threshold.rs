//! `train --threshold`: a binary model's decision threshold on the positive class's probability,
//! stored in the model (format 3) and used by classify and evaluate -m; `auto` is chosen on
//! out-of-fold probabilities; format-2 models still load.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn eegi() -> Command {
    Command::cargo_bin("eegi").unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Simulated ErrP recordings (about 20% robot errors), small enough to train in a second.
fn simulated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    eegi()
        .arg("simulate")
        .arg("-o")
        .arg(dir.path())
        .args(["--recordings", "3", "--trials", "60", "--sample-rate", "64"])
        .assert()
        .success();
    dir
}

/// Trains on sim01+sim02 with the ERP pipeline and `extra`; returns the `--json` summary.
fn train(dir: &Path, model: &str, extra: &[&str]) -> Value {
    let out = eegi()
        .arg("train")
        .arg(dir.join("sim01.csv"))
        .arg(dir.join("sim02.csv"))
        .args([
            "--epoch",
            "0:0.8",
            "--labels",
            "robot_error,ok",
            "--bandpass",
            "1-10",
        ])
        .args([
            "--car",
            "--features",
            "erp",
            "--classifier",
            "lda",
            "--json",
        ])
        .args(extra)
        .arg("-o")
        .arg(dir.join(model))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `classify` rows of sim03 as (label, p_robot_error).
fn classify(dir: &Path, model: &str) -> Vec<(String, f64)> {
    let out = eegi()
        .arg("classify")
        .arg(dir.join("sim03.csv"))
        .arg("-m")
        .arg(dir.join(model))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "start_s,end_s,label,p_ok,p_robot_error,true_label"
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[2].to_string(), f[4].parse().unwrap())
        })
        .collect()
}

#[test]
fn threshold_is_stored_used_by_classify_and_evaluate() {
    let dir = simulated();
    let d = dir.path();
    let plain = train(d, "plain.json", &[]);
    assert!(plain["decision"].is_null());
    let v = train(d, "low.json", &["--threshold", "0.2"]);
    assert_eq!(
        v["decision"]["positive_class"], "robot_error",
        "the minority class"
    );
    assert_eq!(v["decision"]["threshold"], 0.2);
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("low.json")).unwrap()).unwrap();
    assert_eq!(model["format_version"], 5);
    assert_eq!(model["decision"]["threshold"], 0.2);
    assert_eq!(model["decision"]["method"], "fixed");

    let argmax = classify(d, "plain.json");
    let low = classify(d, "low.json");
    assert_eq!(argmax.len(), low.len());
    let mut changed = 0;
    for ((la, pa), (ll, pl)) in argmax.iter().zip(&low) {
        assert_eq!(pa, pl, "same probabilities");
        assert_eq!(la == "robot_error", *pa > 0.5);
        assert_eq!(ll == "robot_error", *pl >= 0.2, "p {pl}: {ll}");
        changed += usize::from(la != ll);
    }
    assert!(changed > 0, "a threshold of 0.2 flags more robot errors");

    // the other class as positive: ok when p_ok ≥ 0.9
    train(
        d,
        "ok.json",
        &["--threshold", "0.9", "--positive-class", "ok"],
    );
    for (l, p) in classify(d, "ok.json") {
        assert_eq!(l == "ok", 1.0 - p >= 0.9 - 1e-12, "p_robot_error {p}: {l}");
    }

    // evaluate -m uses the threshold: 0 flags everything, so robot errors are all recalled
    train(d, "zero.json", &["--threshold", "0"]);
    let out = eegi()
        .arg("evaluate")
        .arg(d.join("sim03.csv"))
        .arg("-m")
        .arg(d.join("zero.json"))
        .args(["--epoch", "0:0.8", "--labels", "robot_error,ok"])
        .args(["--permutations", "0", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["balanced_accuracy"], 0.5, "{}", r["per_class"]);
    let recall_err = r["per_class"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["class"] == "robot_error")
        .unwrap()["recall"]
        .as_f64()
        .unwrap();
    assert_eq!(recall_err, 1.0);
}

#[test]
fn auto_threshold_beats_one_half_out_of_fold_and_round_trips() {
    let dir = simulated();
    let d = dir.path();
    let v = train(d, "auto.json", &["--threshold", "auto"]);
    let dec = &v["decision"];
    assert_eq!(dec["method"], "auto");
    assert_eq!(dec["folds"], 5);
    let t = dec["threshold"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&t));
    let at = dec["oof_balanced_accuracy"].as_f64().unwrap();
    let half = dec["oof_balanced_accuracy_at_half"].as_f64().unwrap();
    assert!(at >= half, "auto {at} vs 0.5 {half}");
    // the model file reloads and rewrites to the same bytes (inspect verifies the checksum)
    let text = std::fs::read_to_string(d.join("auto.json")).unwrap();
    let m = eegi::pipeline::FittedPipeline::from_json(Path::new("auto.json"), &text).unwrap();
    assert_eq!(m.decision.as_ref().unwrap().threshold, t);
    assert_eq!(m.to_json(), text);
    let out = eegi()
        .arg("inspect")
        .arg(d.join("auto.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(shown.contains("threshold"), "{shown}");
    // classify follows it
    for (l, p) in classify(d, "auto.json") {
        assert_eq!(l == "robot_error", p >= t);
    }
    // deterministic: the same command gives the same bytes
    train(d, "auto2.json", &["--threshold", "auto"]);
    assert_eq!(
        std::fs::read(d.join("auto2.json")).unwrap(),
        text.as_bytes()
    );
}

#[test]
fn threshold_is_refused_for_multiclass_and_bad_values() {
    let dir = simulated();
    let d = dir.path();
    // three labels in one recording
    let events = d.join("three_events.csv");
    std::fs::write(
        &events,
        "onset_s,duration_s,label\n0,13,a\n13,13,b\n26,14,c\n",
    )
    .unwrap();
    let out = eegi()
        .args(["train", "data/eyes_open_then_closed.csv", "--events"])
        .arg(&events)
        .args(["--threshold", "auto", "--cv", "0", "-o"])
        .arg(d.join("x.json"))
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--threshold: the model has 3 classes (a, b, c), expected 2"),
        "{err}"
    );
    assert!(!d.join("x.json").exists());
    let out = eegi()
        .args(["train", "data/eyes_open.csv", "data/eyes_closed.csv"])
        .args(["--threshold", "1.5", "-o"])
        .arg(d.join("x.json"))
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected auto or a probability"));
    let out = eegi()
        .args(["train", "data/eyes_open.csv", "data/eyes_closed.csv"])
        .args([
            "--threshold",
            "auto",
            "--positive-class",
            "nope",
            "--cv",
            "2",
            "-o",
        ])
        .arg(d.join("x.json"))
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--positive-class nope: not a class"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn format_2_models_load_without_a_threshold() {
    let v2 = root().join("tests/corpus/model/v2_default.json");
    let text = std::fs::read_to_string(&v2).unwrap();
    assert!(text.contains("\"format_version\": 2"));
    let (m, notes) = eegi::pipeline::FittedPipeline::load(&v2).unwrap();
    assert!(m.decision.is_none());
    assert!(notes.is_empty(), "{notes:?}");
    let a = eegi()
        .args(["classify", "data/eyes_open_then_closed.csv", "-m"])
        .arg(&v2)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(a.status.success());
    let b = eegi()
        .args(["classify", "data/eyes_open_then_closed.csv"])
        .current_dir(root())
        .output()
        .unwrap();
    // the format-2 default was fitted by the earlier optimiser: the same labels, and
    // probabilities that differ only by how far each fit went toward the same optimum
    let rows = |out: &[u8]| -> Vec<Vec<String>> {
        String::from_utf8_lossy(out)
            .lines()
            .map(|l| l.split(',').map(String::from).collect())
            .collect()
    };
    let (ra, rb) = (rows(&a.stdout), rows(&b.stdout));
    assert_eq!(ra.len(), rb.len());
    assert_eq!(ra[0], rb[0]);
    for (x, y) in ra.iter().zip(&rb).skip(1) {
        assert_eq!(x[..3], y[..3], "label of window {}", x[0]);
        for (p, q) in x[3..5].iter().zip(&y[3..5]) {
            let (p, q): (f64, f64) = (p.parse().unwrap(), q.parse().unwrap());
            assert!((p - q).abs() < 1e-3, "window {}: {p} vs {q}", x[0]);
        }
    }
    // a format-2 file that claims a decision is refused
    let forged = text.replacen(
        "\"classifier\":",
        "\"decision\": {\"positive_class\": \"eyes_open\", \"threshold\": 0.1, \"method\": \"fixed\", \"error_cost\": 1.0},\n  \"classifier\":",
        1,
    );
    let err = eegi::pipeline::FittedPipeline::from_json(Path::new("m.json"), &forged).unwrap_err();
    assert!(err.to_string().contains("checksum") || err.to_string().contains("decision"));
}
