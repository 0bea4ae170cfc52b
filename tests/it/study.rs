//! `eegi evaluate STUDY/` on a BIDS study written by mne-bids (`tests/reference/bids_study/`,
//! made by `tests/reference/make_bids_study.py` from EEGMMIDB S001: sub-001 in BrainVision,
//! sub-002 in EDF, three sessions each): the three MOABB protocols, subject/session/task
//! selection, and shards that merge into the whole report.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn study() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/bids_study")
}

/// The pipeline of every run: epochs 0.5-2.5 s after each left/right cue, mu and beta power.
const PIPELINE: &[&str] = &[
    "--epoch",
    "0.5:2.5",
    "--labels",
    "left_fist,right_fist",
    "--bands",
    "mu=8-13,beta=13-30",
];

/// Runs `eegi evaluate STUDY ARGS --json` and returns the report.
fn evaluate(args: &[&str]) -> Value {
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .arg("evaluate")
        .arg(study())
        .args(PIPELINE)
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (subject, session, balanced accuracy) of each row.
fn rows(r: &Value) -> Vec<(String, Option<String>, f64)> {
    r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["subject"].as_str().unwrap().to_string(),
                x["session"].as_str().map(str::to_string),
                x["balanced_accuracy"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn within_session_has_a_row_per_subject_and_session() {
    let r = evaluate(&["--protocol", "within-session", "--permutations", "5"]);
    assert_eq!(r["protocol"], "within-session");
    let rows = rows(&r);
    eprintln!("within-session: {rows:?} across {}", r["across_subjects"]);
    let keys: Vec<(&str, &str)> = rows
        .iter()
        .map(|(s, ses, _)| (s.as_str(), ses.as_deref().unwrap()))
        .collect();
    assert_eq!(
        keys,
        [
            ("001", "1"),
            ("001", "2"),
            ("001", "3"),
            ("002", "1"),
            ("002", "2"),
            ("002", "3")
        ]
    );
    for x in r["rows"].as_array().unwrap() {
        // 15 cues per run: 8 left, 7 right (or the other way round)
        assert_eq!(x["n_windows"], 15, "{x}");
        assert_eq!(x["chance_balanced_accuracy"], 0.5);
        assert!(x["permutation_p_value"].as_f64().unwrap() > 0.0);
        assert!(x["empirical_chance_balanced_accuracy"].is_f64());
        assert!(x["fold_mean_balanced_accuracy"].is_f64());
    }
    // a subject's score is the mean of its sessions; the spread is across the two subjects
    let s = r["subjects"].as_array().unwrap();
    assert_eq!(s.len(), 2);
    let mean001 = rows[..3].iter().map(|x| x.2).sum::<f64>() / 3.0;
    assert!((s[0]["balanced_accuracy"].as_f64().unwrap() - mean001).abs() < 1e-12);
    assert_eq!(r["across_subjects"]["n"], 2);
    assert!(r["across_subjects"]["sd"].is_f64());
    assert_eq!(r["n_recordings"], 6);
    assert_eq!(r["settings"]["evaluation"], "within-session");
    assert_eq!(r["settings"]["folds"], 5);
    // every recording of the study is listed with its hash: 6 recordings and 6 events files
    assert_eq!(r["settings"]["inputs"].as_array().unwrap().len(), 12);
}

#[test]
fn cross_session_and_cross_subject() {
    let r = evaluate(&["--protocol", "cross-session", "--permutations", "0"]);
    let cs = rows(&r);
    eprintln!("cross-session: {cs:?} across {}", r["across_subjects"]);
    assert_eq!(cs.len(), 6);
    assert_eq!(cs[4].0, "002");
    assert_eq!(cs[4].1.as_deref(), Some("2"));
    let r = evaluate(&["--protocol", "cross-subject", "--permutations", "3"]);
    let xs = rows(&r);
    eprintln!("cross-subject: {xs:?} p {}", r["permutation_p_value"]);
    assert_eq!(xs.len(), 2);
    assert_eq!(xs[0].1, None);
    assert!(r["permutation_p_value"].is_f64());
    for x in r["rows"].as_array().unwrap() {
        assert_eq!(x["n_windows"], 45, "{x}");
    }
}

#[test]
fn subjects_sessions_and_task_select() {
    let r = evaluate(&[
        "--subjects",
        "sub-002",
        "--sessions",
        "1,3",
        "--task",
        "fists",
        "--permutations",
        "0",
    ]);
    let keys: Vec<(String, Option<String>)> = rows(&r).into_iter().map(|x| (x.0, x.1)).collect();
    assert_eq!(
        keys,
        [
            ("002".to_string(), Some("1".to_string())),
            ("002".to_string(), Some("3".to_string()))
        ]
    );
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .arg("evaluate")
        .arg(study())
        .args(PIPELINE)
        .args(["--subjects", "007"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--subjects: "), "{err}");
    assert!(
        err.contains("no sub-007 among the recordings, expected one of: 001, 002"),
        "{err}"
    );
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .args([
            "evaluate",
            "data/eyes_open.csv",
            "--protocol",
            "cross-subject",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("go with one BIDS study folder"));
}

#[test]
fn three_shards_merge_into_the_unsharded_report() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], report: &std::path::Path| {
        let out = Command::cargo_bin("eegi")
            .unwrap()
            .arg("evaluate")
            .arg(study())
            .args(PIPELINE)
            .args([
                "--protocol",
                "cross-session",
                "--permutations",
                "4",
                "--seed",
                "3",
            ])
            .args(extra)
            .arg("--report")
            .arg(report)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let whole = dir.path().join("whole.json");
    run(&[], &whole);
    let mut parts = Vec::new();
    for i in 1..=3 {
        let part = dir.path().join(format!("part{i}.json"));
        run(&["--shard", &format!("{i}/3")], &part);
        parts.push(part);
    }
    let p1: Value = serde_json::from_slice(&std::fs::read(&parts[0]).unwrap()).unwrap();
    assert_eq!(p1["shard"], "1/3");
    assert_eq!(rows(&p1).len(), 3, "shard 1 of 3 holds sub-001's sessions");
    let merged = dir.path().join("merged.html");
    parts.reverse(); // in any order
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .args(["report", "merge"])
        .args(&parts)
        .arg("--report")
        .arg(&merged)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    let w: Value = serde_json::from_slice(&std::fs::read(&whole).unwrap()).unwrap();
    assert_eq!(m, w, "merged shards differ from the unsharded run");
    let html = std::fs::read_to_string(&merged).unwrap();
    assert!(html.contains("<svg") && html.contains("sub-002"), "{html}");
    // the pipeline in words, from the settings the parts carry
    assert!(
        html.contains(
            "left_fist vs right_fist; epochs 0.5 to 2.5 s after each event; pre-processing: none; features: Welch band power (mu 8-13 Hz, beta 13-30 Hz); classifier: logistic; 4 permutations, seed 3."
        ),
        "{html}"
    );
    assert!(html.contains("<h2>Subjects</h2>"), "{html}");
    // a shard missing, or given twice, is refused
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .args(["report", "merge"])
        .args(&parts[..2])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shard 1/3 missing"));
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .args(["report", "merge"])
        .args([&parts[0], &parts[0]])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("again"));
}
