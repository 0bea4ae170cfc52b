//! The acceptance numbers on real recordings in `../shared/data` (skipped, with a printed
//! reason, where that folder is absent; failed when `CI` is set).

use crate::common;
use common::{errp_recordings, shared, train_summary};

use std::path::PathBuf;

/// Trains with `args` on `files` and returns the summary JSON.
fn train(files: &[PathBuf], args: &[&str]) -> serde_json::Value {
    train_summary(files, args)
}

fn eegmmidb(data: &std::path::Path, runs: &[u32]) -> Vec<PathBuf> {
    runs.iter()
        .map(|r| data.join(format!("eegmmidb_s001/recordings/S001R{r:02}.csv")))
        .collect()
}

#[test]
fn eyes_open_vs_closed_reaches_093() {
    let Some(data) = shared() else { return };
    let v = train(&eegmmidb(&data, &[1, 2]), &["--window", "2", "--step", "1"]);
    assert_eq!(v["counts"]["eyes_open"], 59);
    assert_eq!(v["counts"]["eyes_closed"], 59);
    assert!(v["cv_balanced_accuracy"].as_f64().unwrap() >= 0.93);
}

#[test]
fn imagined_left_vs_right_fist_reaches_060() {
    let Some(data) = shared() else { return };
    let v = train(
        &eegmmidb(&data, &[4, 8, 12]),
        &[
            "--epoch",
            "0.5:2.5",
            "--labels",
            "imagined_left_fist,imagined_right_fist",
        ],
    );
    assert_eq!(v["counts"]["imagined_left_fist"], 23);
    assert_eq!(v["counts"]["imagined_right_fist"], 22);
    assert!(v["cv_balanced_accuracy"].as_f64().unwrap() >= 0.60);
}

#[test]
fn errp_negative_control_stays_at_chance() {
    let Some(data) = shared() else { return };
    let files = errp_recordings(&data);
    assert_eq!(files.len(), 16);
    let v = train(
        &files,
        &["--epoch", "0:1.5", "--bands", "delta=1-4,theta=4-8"],
    );
    assert_eq!(v["counts"]["error"], 373);
    assert_eq!(v["counts"]["correct"], 911);
    let ba = v["cv_balanced_accuracy"].as_f64().unwrap();
    assert!(ba <= 0.60, "a negative control must not decode: {ba}");
}
