//! Helpers shared by the integration tests: skipping where the real recordings are absent, and
//! reading the committed scipy / scikit-learn reference values.
#![allow(dead_code)] // each test file uses some of these

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Runs `eegi train --json` with `args` on `files` (model to a temporary folder) and returns
/// the summary; fails the test with eegi's message if it fails.
pub fn train_summary(files: &[PathBuf], args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("eegi")
        .unwrap()
        .arg("train")
        .args(files)
        .args(args)
        .arg("--json")
        .arg("-o")
        .arg(dir.path().join("m.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    eprintln!(
        "{args:?}: counts {} balanced accuracy {}",
        v["counts"], v["cv_balanced_accuracy"]
    );
    v
}

/// Runs `eegi evaluate FILES ARGS --json` and returns the report, printing its headline figures.
pub fn evaluate_summary(files: &[PathBuf], args: &[&str]) -> Value {
    let out = assert_cmd::Command::cargo_bin("eegi")
        .unwrap()
        .arg("evaluate")
        .args(files)
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    eprintln!(
        "{args:?}: balanced accuracy {} p {} folds {}",
        v["balanced_accuracy"], v["permutation_p_value"], v["fold_balanced_accuracy"]
    );
    v
}

/// Prints `skipped: <msg>` to the process's stderr, past the test harness's capture, so CI logs
/// show why a test checked nothing. `std::io::stderr()` writes to file descriptor 2 itself
/// (only `eprint!` is captured), so the notice lands where the log's writer is, after what it
/// already holds; reopening `/dev/stderr` would start a new file offset at byte 0 and overwrite
/// a redirected log.
pub fn skip(msg: &str) {
    let _ = std::io::stderr().write_all(format!("skipped: {msg}\n").as_bytes());
}

/// Whether this is a CI run: `CI` set, neither empty nor `false`/`0`.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Skips a test whose real recordings are absent ([`skip`]), or, in a CI run ([`ci`]), fails it:
/// there a test that checks nothing must not pass.
#[track_caller]
pub fn data_absent(what: &std::path::Path) {
    let msg = format!(
        "{} is absent (the real recordings live there)",
        what.display()
    );
    assert!(
        !ci(),
        "{msg}; CI is set, so a test that needs the real recordings fails instead of skipping \
         (unset CI to skip it)"
    );
    skip(&msg);
}

/// `../shared/data` beside the repository, or `None` where it is absent ([`data_absent`]: a
/// printed reason, or a failure under CI).
#[track_caller]
pub fn shared() -> Option<PathBuf> {
    shared_dir("")
}

/// The folder `sub` of `../shared/data`, or `None` where it is absent ([`data_absent`]).
#[track_caller]
pub fn shared_dir(sub: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let p = if sub.is_empty() { p } else { p.join(sub) };
    if p.is_dir() {
        Some(p)
    } else {
        data_absent(&p);
        None
    }
}

/// A committed reference JSON file of `tests/reference/`.
pub fn reference(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A JSON array of numbers.
pub fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// A JSON array of non-negative integers.
pub fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

/// The 16 errp_bcifes recordings (without their events files), sorted.
pub fn errp_recordings(data: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data.join("errp_bcifes/recordings"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "csv")
                && !p.to_string_lossy().ends_with("_events.csv")
        })
        .collect();
    files.sort();
    files
}
pub mod edf_writer;

/// The imagined left vs right fist runs of `data` (EEGMMIDB S001 R04, R08, R12).
pub fn fists(data: &Path) -> Vec<PathBuf> {
    [4, 8, 12]
        .iter()
        .map(|r| data.join(format!("eegmmidb_s001/recordings/S001R{r:02}.csv")))
        .collect()
}

/// The imagined-fist protocol of issue 16: epoch 0.5-2.5 s, the two fists, 8-30 Hz, leave one
/// run out.
pub const FISTS: [&str; 8] = [
    "--epoch",
    "0.5:2.5",
    "--labels",
    "imagined_left_fist,imagined_right_fist",
    "--bandpass",
    "8-30",
    "--cv",
    "by-recording",
];
