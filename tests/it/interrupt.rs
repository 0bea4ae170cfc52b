//! Issue 13: Ctrl-C (SIGINT) ends `classify --follow` and `classify -` as the end of their
//! stream would, as it ends `classify --lsl`: the decisions made so far, the end-of-stream
//! summary on stderr, exit 0 — not a process killed mid-line with nothing said.

use assert_cmd::Command;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn eegi() -> Command {
    Command::cargo_bin("eegi").unwrap()
}

/// Simulated sessions and a causal ErrP model trained on the first: (model, second recording,
/// its events file).
fn setup(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let sim = dir.join("sim");
    eegi()
        .args(["simulate", "--recordings", "2", "--trials", "20", "-o"])
        .arg(&sim)
        .assert()
        .success();
    let model = dir.join("errp.json");
    eegi()
        .arg("train")
        .arg(sim.join("sim01.csv"))
        .args(["--causal-filters", "--car", "--bandpass", "1-10"])
        .args([
            "--epoch",
            "0:0.8",
            "--features",
            "erp",
            "--classifier",
            "lda",
        ])
        .arg("-o")
        .arg(&model)
        .assert()
        .success();
    (model, sim.join("sim02.csv"), sim.join("sim02_events.csv"))
}

/// Reads `want` lines of the child's stdout (within 120 s), sends it SIGINT, and returns
/// (exit code, the lines, stderr).
fn interrupt_after(mut child: Child, want: usize) -> (Option<i32>, Vec<String>, String) {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        for l in BufReader::new(stdout).lines() {
            lines.push(l.unwrap());
            if lines.len() == want {
                tx.send(lines.clone()).unwrap();
            }
        }
    });
    let lines = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the decisions within 120 s");
    // the run is waiting for more input now: Ctrl-C
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("eegi did not end within 30 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code(), lines, err)
}

/// `classify -m MODEL --events EVENTS -` given `bytes` on standard input, which stays open (a
/// sender still connected); then as [`interrupt_after`].
fn interrupt_on_stdin(
    model: &Path,
    events: &Path,
    bytes: &[u8],
    want: usize,
) -> (Option<i32>, Vec<String>, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_eegi"))
        .args(["classify", "-m"])
        .arg(model)
        .args(["--events"])
        .arg(events)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(bytes).unwrap();
    stdin.flush().unwrap();
    let result = interrupt_after(child, want);
    drop(stdin);
    result
}

fn events_of(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count() - 1
}

#[cfg(unix)]
#[test]
fn ctrl_c_ends_follow_with_the_summary_and_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let (model, rec, events) = setup(dir.path());
    let n = events_of(&events);
    // the whole recording is there; --follow then waits for more, until Ctrl-C
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_eegi"))
        .args(["classify", "--follow", "-m"])
        .arg(&model)
        .arg(&rec)
        .arg("--events")
        .arg(&events)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (code, lines, err) = interrupt_after(child, n + 1);
    assert_eq!(code, Some(0), "{err}");
    assert!(lines[0].starts_with("onset_s,start_s,end_s,label"));
    assert!(err.contains("eegi: interrupted"), "{err}");
    let samples = std::fs::read_to_string(&rec).unwrap().lines().count() - 1;
    assert!(
        err.contains(&format!(
            "{}: {samples} samples; {n} events decided",
            rec.display()
        )),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_ends_standard_input_with_the_summary_and_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let (model, rec, events) = setup(dir.path());
    let n = events_of(&events);
    // the recording, and standard input left open (a sender still connected)
    let (code, lines, err) =
        interrupt_on_stdin(&model, &events, &std::fs::read(&rec).unwrap(), n + 1);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(lines.len(), n + 1);
    assert!(err.contains("eegi: interrupted"), "{err}");
    assert!(
        err.contains("<stdin>: ") && err.contains(&format!("; {n} events decided")),
        "{err}"
    );
}

/// Ctrl-C while standard input holds half a line (the sender was cut off mid-write): the
/// half line is dropped, not read as the recording's last row (an "empty cell" error, exit 1,
/// as CI once saw when the signal came between two reads of a pipe).
#[cfg(unix)]
#[test]
fn ctrl_c_drops_a_line_cut_short_on_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let (model, rec, events) = setup(dir.path());
    let n = events_of(&events);
    let text = std::fs::read_to_string(&rec).unwrap();
    let rows = text.lines().count() - 1;
    // the whole recording but the second half of its last line
    let last = text.trim_end().rfind('\n').unwrap() + 1;
    let cut = last + (text.len() - last) / 2;
    let (code, lines, err) = interrupt_on_stdin(&model, &events, &text.as_bytes()[..cut], n + 1);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(lines.len(), n + 1);
    assert!(!err.contains("expected"), "{err}");
    assert!(
        err.contains(&format!(
            "<stdin>: {} samples; {n} events decided",
            rows - 1
        )),
        "{err}"
    );
}

/// A sliding-window model trained on the shipped sample (its path in `dir`).
fn eyes_model(dir: &Path) -> PathBuf {
    let model = dir.join("eyes.json");
    eegi()
        .arg("train")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/eyes_open_then_closed.csv"))
        .arg("-o")
        .arg(&model)
        .assert()
        .success();
    model
}

/// `--follow` on a file the recorder has not created yet waits for it (issue 15 item 11: it
/// failed at once with "no such file"), then labels it as it grows.
#[cfg(unix)]
#[test]
fn follow_waits_for_a_file_that_does_not_exist_yet() {
    let dir = tempfile::tempdir().unwrap();
    let model = eyes_model(dir.path());
    let later = dir.path().join("later.csv");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_eegi"))
        .args(["classify", "--follow", "-m"])
        .arg(&model)
        .arg(&later)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/eyes_open_then_closed.csv");
    std::fs::copy(&sample, dir.path().join("later.tmp")).unwrap();
    std::fs::rename(dir.path().join("later.tmp"), &later).unwrap();
    let (code, lines, err) = interrupt_after(child, 4);
    assert_eq!(code, Some(0), "{err}");
    assert!(lines[0].starts_with("start_s,end_s,label"), "{lines:?}");
    assert!(
        err.contains("later.csv: no such file yet; waiting for it to appear"),
        "{err}"
    );
    assert!(err.contains("eegi: interrupted: "), "{err}");
}

/// Ctrl-C while `--follow` still waits for its file: exit 0, said in one line, nothing written.
#[cfg(unix)]
#[test]
fn ctrl_c_while_waiting_for_a_followed_file_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let model = eyes_model(dir.path());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_eegi"))
        .args(["classify", "--follow", "-m"])
        .arg(&model)
        .arg(dir.path().join("never.csv"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // the waiting line comes first: then the signal
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(
        first.contains("never.csv: no such file yet; waiting"),
        "{first}"
    );
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(out.status.code(), Some(0), "{rest}");
    assert!(out.stdout.is_empty());
    assert!(
        rest.contains("interrupted: ") && rest.contains("never.csv never appeared"),
        "{rest}"
    );
}
