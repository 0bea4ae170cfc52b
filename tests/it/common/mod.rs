//! Helpers shared by the integration tests: skipping where the real recordings are absent, and
//! reading the committed scipy / scikit-learn reference values.
#![allow(dead_code)] // each test file uses some of these

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;

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

/// Prints `skipped: <msg>` to the process's stderr, past the test harness's capture, so CI logs
/// show why a test checked nothing.
pub fn skip(msg: &str) {
    let msg = format!("skipped: {msg}\n");
    match std::fs::OpenOptions::new().write(true).open("/dev/stderr") {
        Ok(mut stderr) => {
            let _ = stderr.write_all(msg.as_bytes());
        }
        Err(_) => eprint!("{msg}"),
    }
}

/// `../shared/data` beside the repository, or `None` (with a printed reason) where it is absent.
pub fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if p.is_dir() {
        Some(p)
    } else {
        skip(&format!(
            "{} is absent (the real recordings live there)",
            p.display()
        ));
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
