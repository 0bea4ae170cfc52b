//! Outputs that cannot destroy a user's data: an output naming an input (directly, through a
//! hard link or a symbolic link) is refused and the input kept byte for byte; devices and FIFOs
//! are written into, never replaced; `--threads` is bounded; `classify --follow` notices a
//! followed file that is truncated, rewritten or replaced.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn eegi(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("eegi").unwrap();
    c.current_dir(dir);
    c
}

/// A folder with the shipped sample `rec.csv`, its `rec_events.csv` and a model `m.json`.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        root().join("data/eyes_open_then_closed.csv"),
        d.join("rec.csv"),
    )
    .unwrap();
    std::fs::copy(
        root().join("data/eyes_open_then_closed_events.csv"),
        d.join("rec_events.csv"),
    )
    .unwrap();
    std::fs::write(d.join("m.json"), default_model()).unwrap();
    dir
}

/// The embedded default model's file.
fn default_model() -> Vec<u8> {
    std::fs::read(root().join("models/default.json")).unwrap()
}

/// Runs `args` in `dir`; returns (exit code, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = eegi(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_output_that_names_an_input_is_refused_and_the_input_kept() {
    let cases: &[(&str, &[&str])] = &[
        (
            "rec.csv",
            &["classify", "rec.csv", "-m", "m.json", "-o", "rec.csv"],
        ),
        (
            "rec.csv",
            &["train", "rec.csv", "--cv", "0", "-o", "rec.csv"],
        ),
        ("rec.csv", &["features", "rec.csv", "-o", "rec.csv"]),
        (
            "m.json",
            &["classify", "rec.csv", "-m", "m.json", "-o", "m.json"],
        ),
        ("rec_events.csv", &["convert", "rec.csv", "rec_events.csv"]),
        (
            "rec_events.csv",
            &["train", "rec.csv", "--cv", "0", "-o", "rec_events.csv"],
        ),
        (
            "rec_events.csv",
            &[
                "train",
                "rec.csv",
                "--events",
                "rec_events.csv",
                "--cv",
                "0",
                "-o",
                "rec_events.csv",
            ],
        ),
        (
            "m.json",
            &["evaluate", "rec.csv", "-m", "m.json", "--report", "m.json"],
        ),
        ("rec.csv", &["classify", "hard.csv", "-o", "rec.csv"]),
        ("rec.csv", &["classify", "link.csv", "-o", "rec.csv"]),
        ("link.csv", &["classify", "rec.csv", "-o", "link.csv"]),
    ];
    for (target, args) in cases {
        let dir = workspace();
        let d = dir.path();
        std::fs::hard_link(d.join("rec.csv"), d.join("hard.csv")).unwrap();
        std::os::unix::fs::symlink("rec.csv", d.join("link.csv")).unwrap();
        let before = std::fs::read(d.join(target)).unwrap();
        let (code, err) = run(d, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with(&format!(
                "eegi: {target}: the output is an input of this run"
            )),
            "{args:?}: {err}"
        );
        assert_eq!(std::fs::read(d.join(target)).unwrap(), before, "{args:?}");
        assert!(std::fs::symlink_metadata(d.join("link.csv"))
            .unwrap()
            .file_type()
            .is_symlink());
        // nothing else appeared (no output, no temporary file)
        assert_eq!(std::fs::read_dir(d).unwrap().count(), 5, "{args:?}");
    }
}

#[test]
fn an_output_through_a_symbolic_link_replaces_the_linked_file_and_keeps_the_link() {
    let dir = workspace();
    let d = dir.path();
    std::fs::write(d.join("old.csv"), "old").unwrap();
    std::os::unix::fs::symlink("old.csv", d.join("out.csv")).unwrap();
    let (code, err) = run(d, &["classify", "rec.csv", "-o", "out.csv"]);
    assert_eq!(code, 0, "{err}");
    let meta = std::fs::symlink_metadata(d.join("out.csv")).unwrap();
    assert!(meta.file_type().is_symlink());
    let text = std::fs::read_to_string(d.join("old.csv")).unwrap();
    assert!(text.starts_with("start_s,end_s,label"), "{text}");
}

/// Makes a private character device node like /dev/null (1,3) or /dev/full (1,7): needs root,
/// as on every machine of this project and in CI.
fn mknod(path: &Path, minor: u32) {
    let made = std::process::Command::new("mknod")
        .arg(path)
        .args(["c", "1", &minor.to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mknod {}: this test needs root", path.display());
}

#[test]
fn devices_are_written_into_and_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = workspace();
    let d = dir.path();
    mknod(&d.join("null"), 3);
    mknod(&d.join("full"), 7);
    let (code, err) = run(d, &["classify", "rec.csv", "-o", "null", "--no-true-label"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(std::fs::metadata(d.join("null"))
        .unwrap()
        .file_type()
        .is_char_device());
    let (code, err) = run(d, &["classify", "rec.csv", "-o", "full"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.starts_with("eegi: full: cannot write: No space left on device"),
        "{err}"
    );
    assert!(std::fs::metadata(d.join("full"))
        .unwrap()
        .file_type()
        .is_char_device());
    // only the two nodes and the workspace files: no temporary file
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 5);
}

#[test]
fn a_fifo_is_written_into_and_its_reader_gets_every_line() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let dir = workspace();
    let d = dir.path();
    let fifo = d.join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            std::fs::File::open(fifo)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        })
    };
    let (code, err) = run(d, &["classify", "rec.csv", "-o", "fifo"]);
    // stderr holds only the score against the recording's events (its true labels)
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("true labels from rec_events.csv"), "{err}");
    let text = reader.join().unwrap();
    let expected = eegi(d)
        .args(["classify", "rec.csv"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(text.as_bytes(), &expected[..]);
    assert_eq!(text.lines().count(), 40);
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn too_many_threads_are_lowered_with_a_note_and_the_output_is_the_same() {
    let dir = workspace();
    let d = dir.path();
    let plain = eegi(d).args(["classify", "rec.csv"]).output().unwrap();
    let many = eegi(d)
        .args(["--threads", "100000", "classify", "rec.csv"])
        .output()
        .unwrap();
    assert_eq!(many.status.code(), Some(0));
    assert_eq!(many.stdout, plain.stdout);
    let err = String::from_utf8_lossy(&many.stderr);
    assert!(
        err.starts_with("eegi: note: --threads 100000 is more than 4 per core"),
        "{err}"
    );
}

/// Starts `classify --follow` on `path`; returns the child with piped stdout and stderr.
fn follow(path: &Path) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_eegi"))
        .arg("classify")
        .arg(path)
        .arg("--follow")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for the child to end (killing it after 60 s, a failure); returns (code, stdout, stderr).
fn finish(mut child: std::process::Child) -> (Option<i32>, String, String) {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Reads lines of the child's stdout until `n` rows after the header have arrived.
fn read_rows(child: &mut std::process::Child, n: usize) -> Vec<String> {
    use std::io::BufRead;
    let stdout = child.stdout.as_mut().unwrap();
    let mut reader = std::io::BufReader::new(stdout);
    let mut rows = Vec::new();
    let mut line = String::new();
    while rows.len() <= n {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "stdout ended");
        rows.push(line.trim_end().to_string());
    }
    rows
}

fn sample_lines() -> Vec<String> {
    std::fs::read_to_string(root().join("data/eyes_open_then_closed.csv"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn follow_labels_every_window_already_present_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.csv");
    std::fs::copy(root().join("data/eyes_open_then_closed.csv"), &live).unwrap();
    let mut child = follow(&live);
    // all 39 windows of the 40 s already there, with no byte added
    let rows = read_rows(&mut child, 39);
    assert!(rows[39].starts_with("38,40,"), "{}", rows[39]);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn follow_reports_a_truncated_rewritten_or_replaced_file() {
    use std::io::Write;
    let lines = sample_lines();
    let first = lines[..=480].join("\n") + "\n"; // 3 s: windows 0-2 and 1-3
    for how in ["truncated", "rewritten", "replaced", "removed"] {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("live.csv");
        std::fs::write(&live, &first).unwrap();
        let mut child = follow(&live);
        let rows = read_rows(&mut child, 2);
        assert!(rows[2].starts_with("1,3,"), "{how}: {rows:?}");
        match how {
            "truncated" => std::fs::write(&live, lines[..=10].join("\n") + "\n").unwrap(),
            "rewritten" => {
                // the same header and more samples than before, written in one go: eegi must
                // not go on at its old offset in the new file
                let mut text = lines[0].clone() + "\n";
                for l in &lines[200..=1000] {
                    text += l;
                    text += "\n";
                }
                let mut f = std::fs::File::create(&live).unwrap();
                f.write_all(text.as_bytes()).unwrap();
            }
            "replaced" => {
                let other = dir.path().join("other.csv");
                std::fs::write(&other, lines[..=1000].join("\n") + "\n").unwrap();
                std::fs::rename(&other, &live).unwrap();
            }
            _ => std::fs::remove_file(&live).unwrap(),
        }
        let (code, _, err) = finish(child);
        assert_eq!(code, Some(2), "{how}: {err}");
        assert_eq!(err.lines().count(), 1, "{how}: {err}");
        assert!(err.contains("while being followed"), "{how}: {err}");
        // truncating and writing again in place may be seen between the two steps
        let seen = if how == "rewritten" && err.contains("truncated") {
            "truncated"
        } else {
            how
        };
        assert!(err.contains(seen), "{how}: {err}");
    }
}
