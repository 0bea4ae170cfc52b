//! `--resample HZ` end to end: a model trained with it stores the rate, classifies recording
//! files at other rates, refuses streams at another rate; without it the rate mismatch is
//! refused with a hint to retrain with `--resample`, and models are written as before.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn eegi() -> Command {
    Command::cargo_bin("eegi").unwrap()
}

/// Simulated recordings: two at 160 Hz in `dir/160`, one at 256 Hz in `dir/256`.
fn simulated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rate, n) in [("160", "2"), ("256", "1")] {
        eegi()
            .args(["simulate", "--sample-rate", rate, "--recordings", n])
            .args(["--trials", "40", "--seed", "3", "-o"])
            .arg(dir.path().join(rate))
            .assert()
            .success();
    }
    dir
}

/// Trains an event-locked model on the 160 Hz recordings with `extra` options; the model JSON.
fn train(dir: &Path, name: &str, extra: &[&str]) -> Value {
    let out = dir.join(name);
    eegi()
        .arg("train")
        .arg(dir.join("160/sim01.csv"))
        .arg(dir.join("160/sim02.csv"))
        .args([
            "--epoch",
            "0:0.8",
            "--labels",
            "robot_error,ok",
            "--cv",
            "0",
        ])
        .args(["--features", "erp", "--bandpass", "1-10"])
        .args(extra)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

/// `eegi classify REC -m MODEL` (events from the sidecar): its output rows, or its stderr.
fn classify(rec: &Path, model: &Path) -> Result<Vec<String>, String> {
    let out = eegi()
        .arg("classify")
        .arg(rec)
        .arg("-m")
        .arg(model)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect())
    } else {
        Err(String::from_utf8(out.stderr).unwrap())
    }
}

#[test]
fn a_resampling_model_classifies_recordings_at_any_rate() {
    let dir = simulated();
    let d = dir.path();
    let m = train(d, "m128.json", &["--resample", "128"]);
    assert_eq!(m["format_version"], 6);
    assert_eq!(m["sample_rate_hz"], 128.0);
    assert_eq!(m["preprocessing"]["resample_hz"], 128.0);
    // 0.8 s at 128 Hz
    assert_eq!(m["window_samples"], 102);
    let model = d.join("m128.json");
    for rec in ["160/sim01.csv", "256/sim01.csv"] {
        let rows = classify(&d.join(rec), &model).unwrap_or_else(|e| panic!("{rec}: {e}"));
        let events = std::fs::read_to_string(d.join(rec.replace(".csv", "_events.csv"))).unwrap();
        // a header, then one decision per event
        assert_eq!(rows.len(), events.lines().count(), "{rec}");
        assert!(rows[0].starts_with("start_s,end_s,label,p_"), "{rec}");
        for row in &rows[1..] {
            let label = row.split(',').nth(2).unwrap();
            assert!(label == "ok" || label == "robot_error", "{rec}: {row}");
        }
    }
    // inspect says so
    let out = eegi().arg("inspect").arg(&model).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("sample rate: 128 Hz (recording files at any rate are resampled"));
    assert!(text.contains("pre-processing: resampled to 128 Hz (polyphase, Kaiser(5)"));
}

#[test]
fn a_resampling_model_refuses_streams_at_another_rate() {
    let dir = simulated();
    let d = dir.path();
    train(d, "causal.json", &["--resample", "128", "--causal-filters"]);
    let stream = |rate: &str| {
        eegi()
            .args(["classify", "-", "-m"])
            .arg(d.join("causal.json"))
            .arg("--events")
            .arg(d.join(format!("{rate}/sim01_events.csv")))
            .write_stdin(std::fs::read(d.join(format!("{rate}/sim01.csv"))).unwrap())
            .output()
            .unwrap()
    };
    let out = stream("160");
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    // the error is the last line (after the event decoder's summary: none decided)
    assert_eq!(
        err.lines().last().unwrap(),
        "eegi: <stdin>: sample rate 160 Hz, but the model works at 128 Hz and resamples whole recordings only (no streaming polyphase filter is built): classify the recording as a file, or stream at 128 Hz"
    );
}

#[test]
fn without_resample_the_rate_mismatch_is_refused_with_a_hint_and_models_are_unchanged() {
    let dir = simulated();
    let d = dir.path();
    let plain = train(d, "plain.json", &[]);
    assert_eq!(plain["format_version"], 5);
    assert!(plain["preprocessing"].get("resample_hz").is_none());
    let err = classify(&d.join("256/sim01.csv"), &d.join("plain.json")).unwrap_err();
    assert!(
        err.contains(
            "sample rate 256 Hz, but the model was trained at 160 Hz; retrain with --resample 160"
        ),
        "{err}"
    );
    // --resample at the recordings' own rate changes nothing but the stored setting
    let same = train(d, "same.json", &["--resample", "160"]);
    let strip = |mut m: Value| {
        for k in ["format_version", "checksum"] {
            m.as_object_mut().unwrap().remove(k);
        }
        m["preprocessing"]
            .as_object_mut()
            .unwrap()
            .remove("resample_hz");
        m["training"]["inputs"] = Value::Null;
        m
    };
    assert_eq!(same["preprocessing"]["resample_hz"], 160.0);
    assert_eq!(strip(same), strip(plain));
}
