//! Issue 13, the closed loop over Lab Streaming Layer (real liblsl, loopback; compiled with
//! `--features lsl` only): `eegi replay` → `eegi classify --lsl --lsl-markers --lsl-out` → a
//! test client reading the decisions stream decides exactly as `eegi classify FILE` does; a
//! stream with dropped samples and a marker that comes too late get warnings and skipped
//! epochs, never decisions from the wrong samples. Stream names carry the test's pid and name,
//! so parallel tests do not cross.

use assert_cmd::Command;
use lsl::{ExPushable, Pullable};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub(super) fn eegi() -> Command {
    Command::cargo_bin("eegi").unwrap()
}

/// `eegi classify -m MODEL` on the EEG stream `name` and its markers `name-markers`, giving up
/// after `idle` s of silence, with `more` options.
pub(super) fn spawn_classify(model: &Path, name: &str, idle: &str, more: &[&str]) -> Child {
    let (eeg, markers) = (format!("name='{name}'"), format!("name='{name}-markers'"));
    let mut args = vec!["classify", "-m", model.to_str().unwrap(), "--lsl", &eeg];
    args.extend([
        "--lsl-markers",
        &markers,
        "--lsl-idle",
        idle,
        "--lsl-timeout",
        "60",
    ]);
    args.extend(more);
    spawn(&args)
}

pub(super) fn spawn(args: &[&str]) -> Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_eegi"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a child (at most 120 s) and returns (success, stdout, stderr).
pub(super) fn finish(mut child: Child) -> (bool, String, String) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let (mut out, mut err) = (String::new(), String::new());
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.success(), out, err);
        }
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("eegi did not end within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Simulated sessions, an ErrP model with causal filters and CAR trained on the first, and
/// `classify FILE` on the second: (model, recording, offline CSV).
pub(super) fn setup(dir: &Path) -> (PathBuf, PathBuf, String) {
    let sim = dir.join("sim");
    eegi()
        .args(["simulate", "--recordings", "2", "--trials", "40", "-o"])
        .arg(&sim)
        .assert()
        .success();
    let model = dir.join("errp.json");
    eegi()
        .arg("train")
        .arg(sim.join("sim01.csv"))
        .args([
            "--epoch",
            "0:0.8",
            "--bandpass",
            "1-10",
            "--causal-filters",
            "--car",
        ])
        .args(["--features", "erp", "--classifier", "lda", "-o"])
        .arg(&model)
        .assert()
        .success();
    let rec = sim.join("sim02.csv");
    // the decisions alone (the LSL outlet carries no true labels)
    let out = eegi()
        .args(["classify", "--no-true-label", "-m"])
        .arg(&model)
        .arg(&rec)
        .assert()
        .success();
    let offline = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    (model, rec, offline)
}

/// `classify FILE` rows: (start_s, label, probabilities).
pub(super) fn offline_rows(csv: &str) -> Vec<(f64, String, Vec<f64>)> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let p = f[3..].iter().map(|v| v.parse().unwrap()).collect();
            (f[0].parse().unwrap(), f[2].to_string(), p)
        })
        .collect()
}

/// A resolved inlet on the stream called `name` (waits up to 30 s).
pub(super) fn inlet(name: &str) -> lsl::StreamInlet {
    let found = lsl::resolve_bypred(&format!("name='{name}'"), 1, 30.0).unwrap();
    let info = found.first().expect("the stream appears within 30 s");
    let inlet = lsl::StreamInlet::new(info, 360, 0, true).unwrap();
    inlet.open_stream(10.0).unwrap();
    inlet
}

#[test]
fn replayed_stream_decisions_read_back_from_lsl_out_equal_classify_file() {
    let dir = tempfile::tempdir().unwrap();
    let (model, rec, offline) = setup(dir.path());
    let offline = offline_rows(&offline);
    assert_eq!(offline.len(), 40);
    let name = format!("eegi-it-{}-loop", std::process::id());
    let out_name = format!("{name}-decisions");
    let classify = spawn_classify(&model, &name, "2", &["--lsl-out", &out_name]);
    // the robot's side: connected to the decisions before the replay starts
    let decisions = inlet(&out_name);
    let replay = spawn(&[
        "replay",
        rec.to_str().unwrap(),
        "--lsl",
        &name,
        "--speed",
        "10",
    ]);
    let mut got = Vec::new();
    let started = Instant::now();
    while got.len() < offline.len() && started.elapsed() < Duration::from_secs(90) {
        let (sample, stamp): (Vec<String>, f64) = decisions.pull_sample(1.0).unwrap();
        if stamp != 0.0 {
            got.push((sample, stamp));
        }
    }
    let (ok, _, replay_err) = finish(replay);
    assert!(ok, "{replay_err}");
    let (ok, stdout, stderr) = finish(classify);
    assert!(ok, "{stderr}");
    assert_eq!(got.len(), offline.len(), "{stderr}");
    for (i, ((sample, _), (_, label, p))) in got.iter().zip(&offline).enumerate() {
        assert_eq!(&sample[0], label, "decision {i}");
        let probs: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&sample[1]).unwrap();
        let read: Vec<f64> = ["ok", "robot_error"]
            .iter()
            .map(|c| probs[*c].as_f64().unwrap())
            .collect();
        assert_eq!(&read, p, "decision {i}");
    }
    // time-stamped at the events' onsets (the markers' own times, not rounded to a sample)
    let onsets: Vec<f64> = std::fs::read_to_string(rec.with_file_name("sim02_events.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    for k in 1..got.len() {
        let lsl_step = got[k].1 - got[k - 1].1;
        let file_step = onsets[k] - onsets[k - 1];
        assert!(
            (lsl_step - file_step).abs() < 1e-6,
            "decision {k}: {lsl_step} s after the previous, the events {file_step} s"
        );
    }
    // stdout printed the same decisions as classify FILE, in the --follow format
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next().unwrap(),
        "onset_s,start_s,end_s,label,p_ok,p_robot_error,latency_us"
    );
    let printed: Vec<(f64, String, Vec<f64>)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let p = f[4..6].iter().map(|v| v.parse().unwrap()).collect();
            (f[1].parse().unwrap(), f[3].to_string(), p)
        })
        .collect();
    assert_eq!(printed, offline);
    assert!(
        stderr.contains("40 decisions from 40 markers, 0 skipped, 0 gaps, 0 restarts"),
        "{stderr}"
    );
}

/// Pushes rows of `samples` (rows × channels) as an LSL EEG stream, stamped at the nominal
/// rate from `t0`, skipping the rows in `drop`.
pub(super) fn push_eeg(
    outlet: &lsl::StreamOutlet,
    rows: &[Vec<f64>],
    fs: f64,
    t0: f64,
    drop: std::ops::Range<usize>,
) {
    for (i, row) in rows.iter().enumerate() {
        if drop.contains(&i) {
            continue;
        }
        outlet
            .push_sample_ex(row, t0 + i as f64 / fs, true)
            .unwrap();
        if i % 64 == 0 {
            // 64 samples (0.25 s) every 25 ms: ten times real time
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

#[test]
fn dropped_samples_and_a_late_marker_skip_their_epochs_with_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let (model, rec, offline) = setup(dir.path());
    let offline = offline_rows(&offline);
    let (header, rows, events) = read_sim(&rec);
    let fs = 256.0;
    let name = format!("eegi-it-{}-faults", std::process::id());
    let mut info = lsl::StreamInfo::new(
        &name,
        "EEG",
        header.len() as u32,
        fs,
        lsl::ChannelFormat::Double64,
        "eegi-it-faults",
    )
    .unwrap();
    let mut channels = info.desc().append_child("channels");
    for h in &header {
        channels
            .append_child("channel")
            .append_child_value("label", h);
    }
    let eeg = lsl::StreamOutlet::new(&info, 0, 360).unwrap();
    let minfo = lsl::StreamInfo::new(
        &format!("{name}-markers"),
        "Markers",
        1,
        0.0,
        lsl::ChannelFormat::String,
        "eegi-it-faults-m",
    )
    .unwrap();
    let markers = lsl::StreamOutlet::new(&minfo, 0, 360).unwrap();
    let classify = spawn_classify(&model, &name, "2", &[]);
    assert!(eeg.wait_for_consumers(60.0) && markers.wait_for_consumers(60.0));
    let t0 = lsl::local_clock();
    // every marker at once, except the first, sent after the samples (far too late for the
    // samples eegi keeps); 10 samples in the middle of the 11th epoch are never sent
    let gap = ((offline[10].0 + 0.4) * fs) as usize;
    for (onset, label) in &events[1..] {
        markers
            .push_sample_ex(&vec![label.as_str()], t0 + onset, true)
            .unwrap();
    }
    push_eeg(&eeg, &rows, fs, t0, gap..gap + 10);
    markers
        .push_sample_ex(&vec![events[0].1.as_str()], t0 + events[0].0, true)
        .unwrap();
    let (ok, stdout, stderr) = finish(classify);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("gap of 42.969 ms") || stderr.contains("gap of 43.0 ms"),
        "{stderr}"
    );
    assert!(stderr.contains("about 10 samples dropped"), "{stderr}");
    assert!(stderr.contains("skipped"), "{stderr}");
    // decisions: every epoch entirely before the gap is as offline; the late first event and
    // the epochs the gap touches are not decided
    let decided: Vec<(f64, String)> = stdout
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1].parse().unwrap(), f[3].to_string())
        })
        .collect();
    let gap_s = gap as f64 / fs;
    for (start, label) in decided.iter().filter(|(s, _)| s + 0.8 < gap_s) {
        let twin = offline
            .iter()
            .find(|(s, _, _)| (s - start).abs() < 1e-6)
            .unwrap();
        assert_eq!(&twin.1, label, "epoch at {start} s");
    }
    assert!(
        !decided
            .iter()
            .any(|(s, _)| (*s - offline[0].0).abs() < 1e-6),
        "the late marker was decided"
    );
    let touching = offline
        .iter()
        .filter(|(s, _, _)| *s < gap_s + 0.05 && s + 0.8 > gap_s)
        .count();
    assert!(touching >= 1);
    assert!(
        !decided
            .iter()
            .any(|(s, _)| *s < gap_s + 0.05 && s + 0.8 > gap_s),
        "an epoch spanning the gap was decided: {decided:?}"
    );
    assert!(stderr.contains("1 gaps"), "{stderr}");
}

/// Channel names, samples (rows, without the time column) and events (onset s, label).
pub type Sim = (Vec<String>, Vec<Vec<f64>>, Vec<(f64, String)>);

/// A simulated recording written by `setup`, as a test pushes it over LSL.
pub fn read_sim(rec: &Path) -> Sim {
    let text = std::fs::read_to_string(rec).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .skip(1)
        .map(String::from)
        .collect();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').skip(1).map(|v| v.parse().unwrap()).collect())
        .collect();
    let events_text = std::fs::read_to_string(rec.with_file_name("sim02_events.csv")).unwrap();
    let events: Vec<(f64, String)> = events_text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().unwrap(), f[2].to_string())
        })
        .collect();
    (header, rows, events)
}
