//! Issue 13 over Lab Streaming Layer (real liblsl on loopback; `--features lsl` only), the
//! rest of the loop: `classify --lsl` takes `-o`, `--rename`, `--channels` and `--labels` as
//! `classify FILE` does and refuses in one line what cannot apply to a stream; a sliding-window
//! (band power) model decides the replayed stream as `classify FILE` does, bit for bit; and a
//! sender that restarts with time stamps going on without a gap is caught (liblsl's recovery),
//! warned about, and decoded afresh.

use super::lsl::{eegi, finish, offline_rows, read_sim, setup, spawn, spawn_classify};
use lsl::ExPushable;
use std::path::Path;
use std::time::Duration;

/// A copy of `rec` (and its events sidecar) whose channel `X` is called `raw_X`.
fn renamed_copy(rec: &Path, dir: &Path) -> (std::path::PathBuf, Vec<String>) {
    let text = std::fs::read_to_string(rec).unwrap();
    let (header, body) = text.split_once('\n').unwrap();
    let names: Vec<String> = header.split(',').skip(1).map(String::from).collect();
    let renamed: Vec<String> = names.iter().map(|n| format!("raw_{n}")).collect();
    let copy = dir.join("renamed.csv");
    std::fs::write(
        &copy,
        format!(
            "{},{}\n{body}",
            header.split(',').next().unwrap(),
            renamed.join(",")
        ),
    )
    .unwrap();
    let stem = rec.file_stem().unwrap().to_str().unwrap();
    std::fs::copy(
        rec.with_file_name(format!("{stem}_events.csv")),
        dir.join("renamed_events.csv"),
    )
    .unwrap();
    (copy, names)
}

#[test]
fn output_file_rename_channels_and_labels_apply_as_for_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let (model, rec, _) = setup(dir.path());
    // classify FILE deciding only the robot errors
    let out = eegi()
        .args([
            "classify",
            "--no-true-label",
            "--labels",
            "robot_error",
            "-m",
        ])
        .arg(&model)
        .arg(&rec)
        .assert()
        .success();
    let offline = offline_rows(&String::from_utf8_lossy(&out.get_output().stdout));
    assert!(!offline.is_empty() && offline.len() < 40);
    // the stream's channels are called raw_Fz, ...: --rename gives them the model's names,
    // --channels keeps them (reversed: order does not matter, labels do)
    let (copy, names) = renamed_copy(&rec, dir.path());
    let renames: Vec<String> = names.iter().map(|n| format!("raw_{n}={n}")).collect();
    let mut reversed = names.clone();
    reversed.reverse();
    let name = format!("eegi-it-{}-options", std::process::id());
    let written = dir.path().join("decisions.csv");
    let (renames, reversed) = (renames.join(","), reversed.join(","));
    let classify = spawn_classify(
        &model,
        &name,
        "2",
        &[
            "--rename",
            &renames,
            "--channels",
            &reversed,
            "--labels",
            "robot_error,no_such_label",
            "-o",
            written.to_str().unwrap(),
        ],
    );
    let replay = spawn(&[
        "replay",
        copy.to_str().unwrap(),
        "--lsl",
        &name,
        "--speed",
        "10",
    ]);
    let (ok, _, replay_err) = finish(replay);
    assert!(ok, "{replay_err}");
    let (ok, stdout, stderr) = finish(classify);
    assert!(ok, "{stderr}");
    assert!(
        stdout.is_empty(),
        "-o writes the decisions to the file: {stdout}"
    );
    let text = std::fs::read_to_string(&written).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "onset_s,start_s,end_s,label,p_ok,p_robot_error,latency_us"
    );
    let got: Vec<(f64, String, Vec<f64>)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let p = f[4..6].iter().map(|v| v.parse().unwrap()).collect();
            (f[1].parse().unwrap(), f[3].to_string(), p)
        })
        .collect();
    assert_eq!(got, offline);
    let n_ok = 40 - offline.len();
    assert!(
        stderr.contains(&format!(
            "{} decisions from 40 markers, 0 skipped, {n_ok} left out by --labels",
            offline.len()
        )),
        "{stderr}"
    );
    let warned: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("--labels no_such_label: no marker had this label"))
        .collect();
    assert_eq!(warned.len(), 1, "{stderr}");
}

#[test]
fn options_that_cannot_apply_to_a_stream_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (model, _, _) = setup(dir.path());
    let model = model.to_str().unwrap();
    let lsl = ["--lsl", "name='eegi-it-never'", "--lsl-timeout", "1"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["-m", model, "--board", "cyton"], "--board"),
        (vec!["-m", model, "--sample-rate", "256"], "--sample-rate"),
        (vec!["-m", model, "--events", "e.csv"], "--events"),
        (
            vec!["-m", model, "--segments-from-markers"],
            "--segments-from-markers",
        ),
        // the embedded model labels sliding windows: --labels only picks true labels
        (vec!["--labels", "eyes_open"], "--labels"),
    ];
    for (args, named) in cases {
        let out = eegi()
            .arg("classify")
            .args(lsl)
            .args(&args)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(named), "{args:?}: {err}");
        assert!(
            err.trim_end().lines().count() == 1,
            "{args:?}: one refusal expected: {err}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn band_power_windows_over_lsl_equal_classify_file() {
    let Some(data) = super::common::shared_dir("eegmmidb_s001/recordings") else {
        return;
    };
    // the embedded eyes-open/eyes-closed model (band power, logistic, 2 s windows every 1 s)
    // a copy without its events sidecar: the replay then publishes no marker stream (and does
    // not wait for a receiver of one)
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("eyes_closed.csv");
    std::fs::copy(data.join("S001R02.csv"), &rec).unwrap();
    let out = eegi()
        .args(["classify", "--no-true-label"])
        .arg(&rec)
        .assert()
        .success();
    let offline = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let offline: Vec<&str> = offline.lines().collect();
    assert!(offline.len() > 50);
    let name = format!("eegi-it-{}-windows", std::process::id());
    let classify = spawn(&[
        "classify",
        "--lsl",
        &format!("name='{name}'"),
        "--lsl-idle",
        "2",
        "--lsl-timeout",
        "60",
    ]);
    let replay = spawn(&[
        "replay",
        rec.to_str().unwrap(),
        "--lsl",
        &name,
        "--speed",
        "10",
    ]);
    let (ok, _, replay_err) = finish(replay);
    assert!(ok, "{replay_err}");
    let (ok, stdout, stderr) = finish(classify);
    assert!(ok, "{stderr}");
    // the same lines: window times, labels and probabilities printed bit for bit
    let got: Vec<&str> = stdout.lines().collect();
    assert_eq!(got, offline, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} decisions, 0 gaps, 0 restarts",
            offline.len() - 1
        )),
        "{stderr}"
    );
}

#[test]
fn a_restart_without_a_gap_in_the_time_stamps_is_caught_and_decoded_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let (model, rec, offline) = setup(dir.path());
    let offline = offline_rows(&offline);
    let (header, rows, events) = read_sim(&rec);
    let fs = 256.0;
    let name = format!("eegi-it-{}-restart", std::process::id());
    let outlet = || {
        let mut info = lsl::StreamInfo::new(
            &name,
            "EEG",
            header.len() as u32,
            fs,
            lsl::ChannelFormat::Double64,
            &format!("eegi-it-restart-{}", std::process::id()),
        )
        .unwrap();
        let mut channels = info.desc().append_child("channels");
        for h in &header {
            channels
                .append_child("channel")
                .append_child_value("label", h);
        }
        lsl::StreamOutlet::new(&info, 0, 360).unwrap()
    };
    let minfo = lsl::StreamInfo::new(
        &format!("{name}-markers"),
        "Markers",
        1,
        0.0,
        lsl::ChannelFormat::String,
        &format!("eegi-it-restart-m-{}", std::process::id()),
    )
    .unwrap();
    let markers = lsl::StreamOutlet::new(&minfo, 0, 360).unwrap();
    let first = outlet();
    let classify = spawn_classify(&model, &name, "8", &[]);
    assert!(first.wait_for_consumers(60.0) && markers.wait_for_consumers(60.0));
    let t0 = lsl::local_clock();
    // the sender stops half-way and a new one (same source id) goes on where it left off:
    // the time stamps run on without a gap
    let half = rows.len() / 2;
    let mut next_event = 0;
    let mut send = |outlet: &lsl::StreamOutlet, range: std::ops::Range<usize>| {
        for i in range {
            while next_event < events.len() && events[next_event].0 * fs <= i as f64 {
                let (onset, label) = &events[next_event];
                markers
                    .push_sample_ex(&vec![label.as_str()], t0 + onset, true)
                    .unwrap();
                next_event += 1;
            }
            outlet
                .push_sample_ex(&rows[i], t0 + i as f64 / fs, true)
                .unwrap();
            if i % 64 == 0 {
                std::thread::sleep(Duration::from_millis(25));
            }
        }
    };
    send(&first, 0..half);
    std::thread::sleep(Duration::from_millis(300));
    drop(first);
    let second = outlet();
    assert!(
        second.wait_for_consumers(60.0),
        "the inlet recovered onto the new sender"
    );
    send(&second, half..rows.len());
    let (ok, stdout, stderr) = finish(classify);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("the sender restarted"), "{stderr}");
    assert!(stderr.contains("0 gaps, 1 restarts"), "{stderr}");
    let decided: Vec<(f64, String, Vec<f64>)> = stdout
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let p = f[4..6].iter().map(|v| v.parse().unwrap()).collect();
            (f[1].parse().unwrap(), f[3].to_string(), p)
        })
        .collect();
    let half_s = half as f64 / fs;
    // before the restart: as offline, bit for bit; no epoch spanning it; after it, decisions
    // again (filters started afresh, so not compared)
    let before: Vec<_> = offline.iter().filter(|r| r.0 + 0.8 <= half_s).collect();
    let got_before: Vec<_> = decided.iter().filter(|r| r.0 + 0.8 <= half_s).collect();
    assert_eq!(got_before, before);
    assert!(
        !decided.iter().any(|r| r.0 < half_s && r.0 + 0.8 > half_s),
        "an epoch spanning the restart was decided: {decided:?}"
    );
    assert!(decided.iter().any(|r| r.0 > half_s + 0.1), "{stderr}");
}
