//! Issue 13, closing the loop: an ErrP model trained with causal filters decides the same
//! (labels and probabilities, bit for bit) from a file, from a file written in odd-sized
//! pieces under `--follow` (with an events file that grows with it), and from standard input
//! with `--events` — with labelled events, with marker codes through `--event-map`, and from
//! the marker column of a BrainFlow board file that is still being written.

use assert_cmd::Command;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

fn eegi() -> Command {
    Command::cargo_bin("eegi").unwrap()
}

/// Simulated sessions and an ErrP model trained on the first with `extra` options.
fn setup(dir: &Path, extra: &[&str]) -> (PathBuf, PathBuf, PathBuf) {
    let sim = dir.join("sim");
    eegi()
        .args(["simulate", "--recordings", "2", "--trials", "40", "-o"])
        .arg(&sim)
        .assert()
        .success();
    let model = dir.join("errp.json");
    let mut args = vec![
        "--car",
        "--bandpass",
        "1-10",
        "--epoch",
        "0:0.8",
        "--features",
        "erp",
        "--classifier",
        "lda",
    ];
    args.extend_from_slice(extra);
    eegi()
        .arg("train")
        .arg(sim.join("sim01.csv"))
        .args(&args)
        .arg("-o")
        .arg(&model)
        .assert()
        .success();
    (model, sim.join("sim02.csv"), sim.join("sim02_events.csv"))
}

/// (start_s, label, probabilities) of each output line, by header names.
fn decisions(text: &str) -> Vec<Vec<String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let keep: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| **h == "start_s" || **h == "label" || h.starts_with("p_"))
        .map(|(i, _)| i)
        .collect();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            keep.iter().map(|&i| f[i].to_string()).collect()
        })
        .collect()
}

/// A path as an argument (temporary paths are UTF-8).
fn text(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// Owned arguments.
fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Runs `eegi classify` with `args` (and standard input `stdin`), expecting success; returns
/// the decisions and stderr.
fn classify(args: &[String], stdin: Option<Vec<u8>>) -> (Vec<Vec<String>>, String) {
    let mut cmd = eegi();
    cmd.arg("classify").args(args);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes);
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    (decisions(&String::from_utf8(out.stdout).unwrap()), err)
}

/// The events file of a recording with its labels as marker codes (ok 1, robot_error 2) and a
/// rest marker (3) 1 s after each.
fn coded_events(events: &Path, out: &Path) {
    let text = std::fs::read_to_string(events).unwrap();
    let mut coded = String::from("onset_s,duration_s,label\n");
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let code = if f[2] == "ok" { "1" } else { "2" };
        let onset: f64 = f[0].parse().unwrap();
        coded.push_str(&format!("{},0,{code}\n{},0,3\n", f[0], onset + 1.0));
    }
    std::fs::write(out, coded).unwrap();
}

/// The decisions of `classify --follow` on `rec`, written in odd-sized pieces while it runs,
/// with `args` (model, board); with `events` (path, bytes, rate Hz), that events file grows
/// with the recording: each event is written once the recording reaches its onset, before the
/// samples that complete its epoch. Reads `want` decisions, then stops the run.
fn follow_decisions(
    dir: &Path,
    args: &[String],
    rec: &Path,
    events: Option<(PathBuf, Vec<u8>, f64)>,
    want: usize,
) -> Vec<Vec<String>> {
    let bytes = std::fs::read(rec).unwrap();
    let growing = dir.join(rec.file_name().unwrap()).with_extension("growing");
    let first = bytes.len().min(1001);
    std::fs::write(&growing, &bytes[..first]).unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_eegi"));
    cmd.args(["classify", "--follow"]).args(args).arg(&growing);
    if let Some((path, _, _)) = &events {
        std::fs::write(path, b"").unwrap();
        cmd.arg("--events").arg(path);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let path = growing.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        let mut ev = events.map(|(p, text, fs)| {
            let w = std::fs::OpenOptions::new().append(true).open(p).unwrap();
            (w, String::from_utf8(text).unwrap(), fs, 0usize)
        });
        let (mut at, mut piece, mut rows) = (first, 7919, 0usize);
        rows += bytes[..first].iter().filter(|&&b| b == b'\n').count();
        while at < bytes.len() {
            let end = (at + piece).min(bytes.len());
            rows += bytes[at..end].iter().filter(|&&b| b == b'\n').count();
            if let Some((w, text, fs, done)) = ev.as_mut() {
                // the header, then every event whose onset this piece reaches
                let lines: Vec<&str> = text.lines().collect();
                while *done < lines.len()
                    && (*done == 0
                        || lines[*done]
                            .split(',')
                            .next()
                            .unwrap()
                            .parse::<f64>()
                            .unwrap()
                            <= rows as f64 / *fs)
                {
                    writeln!(w, "{}", lines[*done]).unwrap();
                    *done += 1;
                }
                w.flush().unwrap();
            }
            f.write_all(&bytes[at..end]).unwrap();
            f.flush().unwrap();
            at = end;
            piece = piece * 7 % 104_729 + 13;
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let lines: Vec<String> = BufReader::new(stdout)
            .lines()
            .take(want + 1)
            .map(|l| l.unwrap())
            .collect();
        tx.send(lines).unwrap();
    });
    let lines = rx.recv_timeout(Duration::from_secs(120));
    child.kill().unwrap();
    child.wait().unwrap();
    writer.join().unwrap();
    let lines = lines.expect("--follow printed every decision within 120 s");
    decisions(&lines.join("\n"))
}

#[test]
fn file_follow_and_stdin_decide_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (model, rec, events) = setup(dir.path(), &["--causal-filters"]);
    let (model_s, rec_s, events_s) = (text(&model), text(&rec), text(&events));
    let (offline, _) = classify(&strings(&["-m", &model_s, &rec_s]), None);
    assert!(offline.len() >= 30, "{} decisions", offline.len());

    let bytes = std::fs::read(&rec).unwrap();
    let (online, err) = classify(
        &strings(&["-m", &model_s, "-", "--events", &events_s]),
        Some(bytes),
    );
    assert_eq!(online, offline);
    // the summary at the end of the stream counts every event
    assert!(
        err.contains(&format!("{} events decided", offline.len())),
        "{err}"
    );

    let follow = follow_decisions(
        dir.path(),
        &strings(&["-m", &model_s, "--events", &events_s]),
        &rec,
        None,
        offline.len(),
    );
    assert_eq!(follow, offline);
}

#[test]
fn marker_codes_through_the_event_map_decide_the_same_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    // a labelled model, and one trained on the same events given as codes with a map
    let (plain, rec, events) = setup(dir.path(), &["--causal-filters"]);
    let sim = rec.parent().unwrap();
    let coded01 = dir.path().join("coded01.csv");
    coded_events(&sim.join("sim01_events.csv"), &coded01);
    let model = dir.path().join("mapped.json");
    let out = eegi()
        .arg("train")
        .arg(sim.join("sim01.csv"))
        .args([
            "--causal-filters",
            "--car",
            "--bandpass",
            "1-10",
            "--epoch",
            "0:0.8",
        ])
        .args(["--features", "erp", "--classifier", "lda"])
        .args(["--event-map", "1=ok,2=robot_error", "--events"])
        .arg(&coded01)
        .arg("-o")
        .arg(&model)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // the rest markers are left out, counted per code
    assert!(err.contains("left out, not in --event-map"), "{err}");
    assert!(err.contains("code 3 (40)"), "{err}");
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(stored["format_version"], 5);
    assert_eq!(
        stored["event_map"],
        serde_json::json!({"1": "ok", "2": "robot_error"})
    );

    let coded02 = dir.path().join("coded02.csv");
    coded_events(&events, &coded02);
    let (plain_s, model_s) = (text(&plain), text(&model));
    let (rec_s, coded_s) = (text(&rec), text(&coded02));
    let (labelled, _) = classify(&strings(&["-m", &plain_s, &rec_s]), None);
    // (a) the file with its codes: the rest markers are not labelled
    let (offline, err) = classify(
        &strings(&["-m", &model_s, &rec_s, "--events", &coded_s]),
        None,
    );
    assert_eq!(offline, labelled);
    assert!(err.contains("code 3 (40)"), "{err}");
    // (c) standard input
    let bytes = std::fs::read(&rec).unwrap();
    let (stdin, err) = classify(
        &strings(&["-m", &model_s, "-", "--events", &coded_s]),
        Some(bytes),
    );
    assert_eq!(stdin, offline);
    assert!(err.contains("40 events decided"), "{err}");
    assert!(
        err.contains("40 events: code 3 (40) left out by the event map"),
        "{err}"
    );
    // (b) --follow, the recording and its events file both growing
    let growing_events = dir.path().join("growing_events.csv");
    let follow = follow_decisions(
        dir.path(),
        &strings(&["-m", &model_s]),
        &rec,
        Some((growing_events, std::fs::read(&coded02).unwrap(), 256.0)),
        offline.len(),
    );
    assert_eq!(follow, offline);

    // --event-map given with a model that has another map: refused, naming both
    let out = eegi()
        .args(["classify", "-m"])
        .arg(&model)
        .arg(&rec)
        .args(["--events"])
        .arg(&coded02)
        .args(["--event-map", "1=ok,3=robot_error"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--event-map 1=ok,3=robot_error: the model maps events as 1=ok,2=robot_error"),
        "{err}"
    );
    // a malformed map names the option and the entry
    let out = eegi()
        .args(["classify", "-m"])
        .arg(&plain)
        .arg(&rec)
        .args(["--event-map", "1=ok,=x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(r#"--event-map: "1=ok,=x": entry 2 has no code"#),
        "{err}"
    );
}

/// Sim channels written into the 16 EEG columns of BrainFlow's synthetic board (250 Hz).
const BOARD_COLUMNS: [&str; 16] = [
    "Fz", "C3", "Cz", "C4", "Pz", "P3", "P4", "O1", "FC1", "F7", "F3", "FCz", "FC2", "F4", "F8",
    "CP1",
];

/// A simulated recording (and its events) as a BrainFlow synthetic-board file: markers 1 (ok)
/// and 2 (robot_error) at their sample, a rest marker 3 one second after each.
fn to_brainflow(rec: &Path, events: &Path, out: &Path) -> usize {
    let text = std::fs::read_to_string(rec).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let cols: Vec<usize> = BOARD_COLUMNS
        .iter()
        .map(|c| header.iter().position(|h| h == c).unwrap())
        .collect();
    let mut markers = std::collections::BTreeMap::new();
    for line in std::fs::read_to_string(events).unwrap().lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let onset: f64 = f[0].parse().unwrap();
        markers.insert(
            (onset * 250.0).round() as usize,
            if f[2] == "ok" { 1 } else { 2 },
        );
        markers.insert(((onset + 1.0) * 250.0).round() as usize, 3);
    }
    let mut out_text = String::new();
    for (i, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let mut cells = vec![format!("{}", i % 256)];
        cells.extend(cols.iter().map(|&c| f[c].to_string()));
        cells.extend((17..30).map(|_| "0.000000".to_string()));
        cells.push(format!("{:.6}", 1.7e9 + i as f64 / 250.0));
        cells.push(format!("{}.000000", markers.get(&i).copied().unwrap_or(0)));
        out_text.push_str(&cells.join("\t"));
        out_text.push('\n');
    }
    std::fs::write(out, out_text).unwrap();
    markers.values().filter(|&&m| m != 3).count()
}

#[test]
fn a_brainflow_file_being_written_is_decided_marker_by_marker() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    eegi()
        .args([
            "simulate",
            "--recordings",
            "2",
            "--trials",
            "40",
            "--sample-rate",
            "250",
        ])
        .arg("-o")
        .arg(&sim)
        .assert()
        .success();
    let bf = |i: u32| dir.path().join(format!("bf0{i}.txt"));
    to_brainflow(
        &sim.join("sim01.csv"),
        &sim.join("sim01_events.csv"),
        &bf(1),
    );
    let n = to_brainflow(
        &sim.join("sim02.csv"),
        &sim.join("sim02_events.csv"),
        &bf(2),
    );
    let model = dir.path().join("bf.json");
    let out = eegi()
        .arg("train")
        .arg(bf(1))
        .args(["--board", "synthetic", "--event-map", "1=ok,2=robot_error"])
        .args([
            "--causal-filters",
            "--car",
            "--bandpass",
            "1-10",
            "--epoch",
            "0:0.8",
        ])
        .args(["--features", "erp", "--classifier", "lda", "-o"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = strings(&["-m", &text(&model), "--board", "synthetic"]);
    let (offline, _) = classify(&[&args[..], &[text(&bf(2))]].concat(), None);
    // every robot action decided, the rest markers not labelled
    assert_eq!(offline.len(), n);
    let (stdin, err) = classify(
        &[&args[..], &strings(&["-"])].concat(),
        Some(std::fs::read(bf(2)).unwrap()),
    );
    assert_eq!(stdin, offline);
    assert!(err.contains(&format!("{n} events decided")), "{err}");
    let follow = follow_decisions(dir.path(), &args, &bf(2), None, n);
    assert_eq!(follow, offline);
}

#[test]
fn a_zero_phase_model_is_refused_on_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let (model, rec, events) = setup(dir.path(), &[]);
    let out = eegi()
        .args(["classify", "-m"])
        .arg(&model)
        .arg("-")
        .arg("--events")
        .arg(&events)
        .write_stdin(std::fs::read(&rec).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--causal-filters"), "{err}");
}

#[test]
fn realtime_scheduling_decides_the_same_and_is_refused_on_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let (model, rec, events) = setup(dir.path(), &["--causal-filters"]);
    let (model_s, rec_s, events_s) = (text(&model), text(&rec), text(&events));
    let (offline, _) = classify(&strings(&["-m", &model_s, &rec_s]), None);
    // granted (root, CAP_SYS_NICE, rtprio) or refused with a warning: the same decisions
    let (realtime, err) = classify(
        &strings(&["-m", &model_s, "-", "--events", &events_s, "--realtime"]),
        Some(std::fs::read(&rec).unwrap()),
    );
    assert_eq!(realtime, offline);
    assert!(
        err.contains("eegi: real-time scheduling: SCHED_FIFO priority 20")
            || err.contains(
                "eegi: warning: --realtime: real-time scheduling (SCHED_FIFO priority 20)"
            ),
        "{err}"
    );
    // a recording file is no live stream: a usage error, nothing decided
    let out = eegi()
        .args(["classify", "-m", &model_s, &rec_s, "--realtime"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--realtime: applies to a live stream"),
        "{err}"
    );
}
