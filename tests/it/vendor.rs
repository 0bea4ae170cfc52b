//! Vendor CSV dialects and BIDS sidecars: each fixture in `tests/fixtures/vendor/` (written by
//! `tests/reference/make_vendor_fixtures.py`, BrainFlow files by BrainFlow's own writer) reads
//! to the channels, rate, values and events recorded in `expected.json` by that script.

use assert_cmd::Command;
use eegi::io::{detect_dialect, read_any, Dialect, ReadOptions, WarningKind};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vendor")
}

fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn dialect(name: &str) -> Dialect {
    match name {
        "BrainFlow" => Dialect::BrainFlow,
        "OpenBciGui" => Dialect::OpenBciGui,
        "MindMonitor" => Dialect::MindMonitor,
        "MuseLsl" => Dialect::MuseLsl,
        other => panic!("unknown dialect {other}"),
    }
}

#[test]
fn every_fixture_reads_to_the_expected_channels_rate_values_and_events() {
    let all = expected();
    let files = all["files"].as_object().unwrap();
    assert_eq!(files.len(), 10);
    for (name, want) in files {
        let path = fixtures().join(name);
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() < 16 << 10, "{name}: {} bytes", bytes.len());
        let d = dialect(want["dialect"].as_str().unwrap());
        assert_eq!(
            detect_dialect(&bytes[..bytes.len().min(4096)]),
            Some(d),
            "{name}"
        );
        let options = ReadOptions {
            board: want["board"].as_str().map(String::from),
            ..ReadOptions::default()
        };
        let loaded = read_any(&path, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        let rec = &loaded.recording;
        let channels: Vec<String> = want["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        assert_eq!(rec.channel_names, channels, "{name}");
        assert_eq!(
            rec.sample_rate_hz,
            want["sample_rate_hz"].as_f64().unwrap(),
            "{name}"
        );
        assert_eq!(
            rec.n_samples() as u64,
            want["n_samples"].as_u64().unwrap(),
            "{name}"
        );
        for v in want["values"].as_array().unwrap() {
            let (i, c, x) = (
                v[0].as_u64().unwrap() as usize,
                v[1].as_u64().unwrap() as usize,
                v[2].as_f64().unwrap(),
            );
            assert_eq!(rec.samples[[i, c]], x, "{name}: sample {i}, channel {c}");
        }
        let events = loaded.events;
        let want_events = want["events"].as_array().unwrap();
        assert_eq!(events.len(), want_events.len(), "{name}: {events:?}");
        for (e, w) in events.iter().zip(want_events) {
            assert!(
                (e.onset_s - w[0].as_f64().unwrap()).abs() < 1e-9,
                "{name}: {e:?} vs {w}"
            );
            assert_eq!(e.label, w[1].as_str().unwrap(), "{name}");
        }
        assert!(
            loaded
                .warnings
                .iter()
                .all(|w| w.kind != WarningKind::TimeColumn),
            "{name}: {:?}",
            loaded.warnings
        );
        // auxiliary channels are left out by default and selectable by name
        if let Some(aux) = want["aux_channels"].as_array() {
            let aux = aux[0].as_str().unwrap().to_string();
            let options = ReadOptions {
                channels: Some(vec![aux.clone(), "TP9".into()]),
                ..ReadOptions::default()
            };
            let r = read_any(&path, &options).unwrap().recording;
            assert_eq!(r.channel_names, vec![aux, "TP9".to_string()], "{name}");
            assert_eq!(r.samples[[0, 1]], rec.samples[[0, 0]]);
        }
    }
}

#[test]
fn a_brainflow_file_needs_a_board_and_the_right_one() {
    let path = fixtures().join("brainflow_cyton.csv");
    let e = read_any(&path, &ReadOptions::default()).unwrap_err();
    assert!(e.message.contains("expected --board NAME"), "{}", e.message);
    for b in [
        "cyton (id 0, 250 Hz, 8 EEG)",
        "ganglion",
        "cyton-daisy",
        "synthetic",
        "muse",
    ] {
        assert!(e.message.contains(b), "{}", e.message);
    }
    let wrong = ReadOptions {
        board: Some("ganglion".into()),
        ..ReadOptions::default()
    };
    let e = read_any(&path, &wrong).unwrap_err();
    assert!(
        e.message
            .contains("brainflow_cyton.csv:1: 24 tab-separated fields, expected 15 fields"),
        "{}",
        e.message
    );
    let by_id = ReadOptions {
        board: Some("0".into()),
        ..ReadOptions::default()
    };
    assert_eq!(read_any(&path, &by_id).unwrap().recording.n_channels(), 8);
}

#[test]
fn rename_then_select() {
    let path = fixtures().join("OpenBCI-RAW-2023-11-14_22-13-20.txt");
    let options = ReadOptions {
        rename: vec![
            ("EXG Channel 0".into(), "Fz".into()),
            ("EXG Channel 3".into(), "Cz".into()),
        ],
        channels: Some(vec!["Cz".into(), "Fz".into()]),
        ..ReadOptions::default()
    };
    let r = read_any(&path, &options).unwrap().recording;
    assert_eq!(r.channel_names, vec!["Cz", "Fz"]);
    let all = read_any(&path, &ReadOptions::default()).unwrap().recording;
    assert_eq!(r.samples[[3, 0]], all.samples[[3, 3]]);
    let bad = ReadOptions {
        rename: vec![("Nope".into(), "Fz".into())],
        ..ReadOptions::default()
    };
    let e = read_any(&path, &bad).unwrap_err();
    assert!(e.message.contains("--rename Nope=Fz"), "{}", e.message);
}

/// A plain eegi CSV at 10 Hz, 20 s, with an EOG channel.
fn bids_folder(dir: &Path) -> PathBuf {
    let mut s = String::from("time,Fz,Cz,Pz,HEOG\n");
    for i in 0..200 {
        let t = i as f64 / 10.0;
        let a = if t < 10.0 { 10.0 } else { 50.0 };
        let x = i as f64;
        s.push_str(&format!(
            "{t},{},{},{},{}\n",
            a * (x * 1.3).sin(),
            a * (x * 0.7).cos(),
            20.0 * (x * 0.3).sin(),
            30.0 * (x * 0.1).cos()
        ));
    }
    let rec = dir.join("sub-01_task-x_eeg.csv");
    std::fs::write(&rec, s).unwrap();
    std::fs::write(
        dir.join("sub-01_task-x_channels.tsv"),
        "name\ttype\tunits\tstatus\nFz\tEEG\tuV\tgood\nCz\tEEG\tuV\tgood\nPz\tEEG\tuV\tbad\nHEOG\tEOG\tuV\tgood\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("sub-01_task-x_events.tsv"),
        "onset\tduration\ttrial_type\n0\t10\tcalm\n10\t10\tbusy\n",
    )
    .unwrap();
    rec
}

#[test]
fn bids_channels_tsv_drops_bad_and_non_eeg_channels() {
    let dir = tempfile::tempdir().unwrap();
    let rec = bids_folder(dir.path());
    let loaded = read_any(&rec, &ReadOptions::default()).unwrap();
    assert_eq!(loaded.recording.channel_names, vec!["Fz", "Cz"]);
    let bad: Vec<_> = loaded
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::BadChannel)
        .collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].channels, vec!["Pz"]);
    assert!(bad[0]
        .to_string()
        .contains("marked bad in sub-01_task-x_channels.tsv"));
    let with_eog = ReadOptions {
        channels: Some(vec!["Fz".into(), "HEOG".into()]),
        ..ReadOptions::default()
    };
    assert_eq!(
        read_any(&rec, &with_eog).unwrap().recording.channel_names,
        vec!["Fz", "HEOG"]
    );
    let pz = ReadOptions {
        channels: Some(vec!["Pz".into()]),
        ..ReadOptions::default()
    };
    let e = read_any(&rec, &pz).unwrap_err();
    assert!(e.message.contains("marks it bad"), "{}", e.message);
}

#[test]
fn train_reads_bids_sidecars_and_stores_renamed_channels() {
    let dir = tempfile::tempdir().unwrap();
    bids_folder(dir.path());
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "train",
            "sub-01_task-x_eeg.csv",
            "--bands",
            "slow=1-2,fast=2-4",
            "--cv",
            "0",
            "--rename",
            "Cz=C1",
            "-o",
            "m.json",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("channel Pz: marked bad"), "{err}");
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("m.json")).unwrap()).unwrap();
    assert_eq!(model["channels"], serde_json::json!(["Fz", "C1"]));
    // classify checks the renamed names
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .current_dir(dir.path())
        .args(["classify", "sub-01_task-x_eeg.csv", "-m", "m.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("C1"));
    Command::cargo_bin("eegi")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "classify",
            "sub-01_task-x_eeg.csv",
            "-m",
            "m.json",
            "--rename",
            "Cz=C1",
        ])
        .assert()
        .success();
}

#[test]
fn classify_reads_a_vendor_file_by_name() {
    // the fixture is short (0.25 s): a model of 0.125 s windows at 256 Hz, trained on muse-lsl
    let dir = tempfile::tempdir().unwrap();
    let src = fixtures().join("muselsl.csv");
    std::fs::copy(&src, dir.path().join("muse.csv")).unwrap();
    std::fs::write(
        dir.path().join("muse_events.csv"),
        "onset_s,duration_s,label\n0,0.125,a\n0.125,0.125,b\n",
    )
    .unwrap();
    Command::cargo_bin("eegi")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "train", "muse.csv", "--window", "0.0625", "--step", "0.03125", "--bands", "hi=16-64",
            "--cv", "0", "-o", "m.json",
        ])
        .assert()
        .success();
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .current_dir(dir.path())
        .args(["classify", "muse.csv", "-m", "m.json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("start_s,end_s,label,p_a,p_b,true_label\n0,0.0625,"),
        "{text}"
    );
}
