//! Issue 13, closing the loop: an ErrP model trained with causal filters decides the same
//! (labels and probabilities, bit for bit) from a file, from a file written in odd-sized
//! pieces under `--follow`, and from standard input with `--events`.

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

#[test]
fn file_follow_and_stdin_decide_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (model, rec, events) = setup(dir.path(), &["--causal-filters"]);
    let out = eegi()
        .args(["classify", "-m"])
        .arg(&model)
        .arg(&rec)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let offline = decisions(&String::from_utf8(out.stdout).unwrap());
    assert!(offline.len() >= 30, "{} decisions", offline.len());

    let bytes = std::fs::read(&rec).unwrap();
    let out = eegi()
        .args(["classify", "-m"])
        .arg(&model)
        .arg("-")
        .arg("--events")
        .arg(&events)
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(decisions(&String::from_utf8(out.stdout).unwrap()), offline);

    // a writer thread appends the recording in odd-sized pieces while --follow reads it
    let growing = dir.path().join("growing.csv");
    std::fs::write(&growing, &bytes[..1001]).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_eegi"))
        .args(["classify", "--follow", "-m"])
        .arg(&model)
        .arg(&growing)
        .arg("--events")
        .arg(&events)
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
        let mut at = 1001;
        let mut piece = 7919;
        while at < bytes.len() {
            let end = (at + piece).min(bytes.len());
            f.write_all(&bytes[at..end]).unwrap();
            f.flush().unwrap();
            at = end;
            piece = piece * 7 % 104_729 + 13;
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    let stdout = child.stdout.take().unwrap();
    let want = offline.len() + 1;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let lines: Vec<String> = BufReader::new(stdout)
            .lines()
            .take(want)
            .map(|l| l.unwrap())
            .collect();
        tx.send(lines).unwrap();
    });
    let lines = rx.recv_timeout(Duration::from_secs(120));
    child.kill().unwrap();
    child.wait().unwrap();
    writer.join().unwrap();
    let lines = lines.expect("--follow printed every decision within 120 s");
    assert_eq!(decisions(&lines.join("\n")), offline);
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
