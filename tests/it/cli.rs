//! eegi driven as a user drives it: the binary on the shipped sample in `data/`.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn eegi() -> Command {
    let mut c = Command::cargo_bin("eegi").unwrap();
    c.current_dir(root());
    c
}

fn stdout(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "eegi failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Reads the labels of a classify CSV, checking its header.
fn labels(csv: &str, classes: &[&str]) -> Vec<(f64, String)> {
    let mut lines = csv.lines();
    let header: String = ["start_s", "end_s", "label"]
        .iter()
        .map(|s| s.to_string())
        .chain(classes.iter().map(|c| format!("p_{c}")))
        .collect::<Vec<_>>()
        .join(",");
    // a recording with events ends each row with its true label
    let first = lines.next().unwrap();
    assert_eq!(first.trim_end_matches(",true_label"), header);
    let n = classes.len();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let p: Vec<f64> = f[3..3 + n].iter().map(|v| v.parse().unwrap()).collect();
            assert!(
                (p.iter().sum::<f64>() - 1.0).abs() < 1e-12,
                "probabilities sum to 1: {l}"
            );
            let best = classes[if p[0] >= p[1] { 0 } else { 1 }];
            assert_eq!(f[2], best, "label is the most probable class: {l}");
            (f[0].parse().unwrap(), f[2].to_string())
        })
        .collect()
}

#[test]
fn quick_start_labels_held_out_eyes_open_then_closed() {
    let out = stdout(eegi().args(["classify", "data/eyes_open_then_closed.csv"]));
    let rows = labels(&out, &["eyes_closed", "eyes_open"]);
    // 40 s, 2 s windows every 1 s: 39 windows; truth: open 0-20 s, closed 20-40 s
    assert_eq!(rows.len(), 39);
    let correct = rows
        .iter()
        .filter(|(start, label)| {
            let end = start + 2.0;
            if end <= 20.0 {
                label == "eyes_open"
            } else if *start >= 20.0 {
                label == "eyes_closed"
            } else {
                true // the window spanning the change
            }
        })
        .count();
    assert!(correct >= 36, "only {correct} of 39 windows right");
}

#[test]
fn default_model_is_reproduced_byte_for_byte_by_the_readme_command() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    for out in [&a, &b] {
        eegi()
            .args(["train", "data/eyes_open.csv", "data/eyes_closed.csv", "-o"])
            .arg(out)
            .assert()
            .success();
    }
    let a = std::fs::read(&a).unwrap();
    assert_eq!(
        a,
        std::fs::read(&b).unwrap(),
        "same command twice, different model"
    );
    let shipped = std::fs::read(root().join("models/default.json")).unwrap();
    assert!(
        a == shipped,
        "models/default.json is not what the README command trains"
    );
}

#[test]
fn train_json_summary_has_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let out = stdout(
        eegi()
            .args([
                "train",
                "data/eyes_open.csv",
                "data/eyes_closed.csv",
                "--cv",
                "3",
                "--json",
                "-o",
            ])
            .arg(&model),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["classes"],
        serde_json::json!(["eyes_closed", "eyes_open"])
    );
    assert_eq!(v["counts"]["eyes_open"], 39);
    assert_eq!(v["dropped"]["off_recording"], 0);
    assert_eq!(v["cv_fold_balanced_accuracy"].as_array().unwrap().len(), 3);
    let ba = v["cv_balanced_accuracy"].as_f64().unwrap();
    assert!(ba > 0.8 && ba <= 1.0, "{ba}");
    // the model file holds what classify needs
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(m["format_version"], 5);
    assert_eq!(m["checksum"].as_str().unwrap().len(), 64);
    assert_eq!(v["n_warnings"], 0);
    assert_eq!(m["channels"].as_array().unwrap().len(), 64);
    assert_eq!(m["sample_rate_hz"], 160.0);
    assert_eq!(m["feature_names"][0], "FC5_delta");
    assert_eq!(m["training"]["inputs"][0]["path"], "data/eyes_open.csv");
    assert_eq!(
        m["training"]["inputs"][0]["sha256"].as_str().unwrap().len(),
        64
    );
    assert_eq!(m["training"]["cross_validation"]["folds"], 3);
}

#[test]
fn cv_zero_skips_cross_validation() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout(
        eegi()
            .args([
                "train",
                "data/eyes_open.csv",
                "data/eyes_closed.csv",
                "--cv",
                "0",
                "--json",
                "-o",
            ])
            .arg(dir.path().join("m.json")),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["cv_balanced_accuracy"].is_null());
}

#[test]
fn classify_writes_jsonl_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("labels.jsonl");
    eegi()
        .args([
            "classify",
            "data/eyes_closed.csv",
            "--format",
            "jsonl",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 39);
    assert_eq!(rows[0]["start_s"], 0.0);
    assert_eq!(rows[0]["end_s"], 2.0);
    let p = &rows[0]["probabilities"];
    let sum = p["eyes_open"].as_f64().unwrap() + p["eyes_closed"].as_f64().unwrap();
    assert!((sum - 1.0).abs() < 1e-12);
}

/// Writes `content` to `name` in `dir` and returns the path.
fn file(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

/// A small valid recording: two channels at 10 Hz, 20 s, with a sidecar of two 10 s segments.
fn small_recording(dir: &Path, name: &str) -> PathBuf {
    let mut s = String::from("time,Cz,Pz\n");
    for i in 0..200 {
        let t = i as f64 / 10.0;
        let amp = if t < 10.0 { 1.0 } else { 5.0 };
        s.push_str(&format!(
            "{t},{},{}\n",
            amp * (i as f64 * 1.3).sin(),
            amp * (i as f64 * 0.7).cos()
        ));
    }
    let p = file(dir, &format!("{name}.csv"), &s);
    file(
        dir,
        &format!("{name}_events.csv"),
        "onset_s,duration_s,label\n0,10,calm\n10,10,busy\n",
    );
    p
}

const SMALL_BANDS: &str = "slow=1-2,fast=2-4";

#[test]
fn features_writes_named_columns() {
    let dir = tempfile::tempdir().unwrap();
    let rec = small_recording(dir.path(), "rec");
    let out = dir.path().join("f.csv");
    eegi()
        .arg("features")
        .arg(&rec)
        .args(["--bands", SMALL_BANDS, "--power", "absolute", "-o"])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "recording,start_s,end_s,label,Cz_slow,Cz_fast,Pz_slow,Pz_fast"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 18); // 9 windows in each 10 s segment
    assert!(rows[0].contains(",0,2,calm,"));
    assert!(rows[17].contains(",18,20,busy,"));
}

#[test]
fn features_of_an_unlabelled_csv_are_streamed_and_equal_the_whole_file_ones() {
    // no events: the CSV is read as a stream (two files, as a user lists sessions); --channels
    // makes eegi read whole files instead. The two outputs must be the same bytes.
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    std::fs::copy(root().join("data/eyes_open_then_closed.csv"), &a).unwrap();
    std::fs::copy(root().join("data/eyes_open.csv"), &b).unwrap();
    let header = std::fs::read_to_string(&a).unwrap();
    let channels = header.lines().next().unwrap().split_once(',').unwrap().1;
    let streamed = dir.path().join("streamed.csv");
    let whole = dir.path().join("whole.csv");
    eegi()
        .arg("features")
        .args([&a, &b])
        .arg("-o")
        .arg(&streamed)
        .assert()
        .success();
    eegi()
        .arg("features")
        .args([&a, &b])
        .args(["--channels", channels, "-o"])
        .arg(&whole)
        .assert()
        .success();
    let streamed = std::fs::read_to_string(&streamed).unwrap();
    assert_eq!(streamed, std::fs::read_to_string(&whole).unwrap());
    // 39 windows of 2 s every 1 s in each 40 s recording
    let rows: Vec<&str> = streamed.lines().skip(1).collect();
    assert_eq!(rows.len(), 39 + 39, "{}", &streamed[..200]);
    assert!(rows[39].starts_with(&format!("{},0,2,,", b.display())));
}

#[test]
fn streamed_features_refuse_bad_files_with_the_whole_file_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("zero", "time,Cz,Pz\n"),
        ("one", "time,Cz,Pz\n0,1,2\n"),
        ("bad_cell", "time,Cz,Pz\n0,1,2\n0.01,1,x\n0.02,3,4\n"),
        (
            "nanoseconds",
            "time,Cz,Pz\n0,1,2\n0.000000001,1,2\n0.000000002,3,4\n",
        ),
    ];
    for (name, text) in cases {
        let path = dir.path().join(format!("{name}.csv"));
        std::fs::write(&path, text).unwrap();
        let out = dir.path().join("out.csv");
        let run = |extra: &[&str]| {
            let o = eegi()
                .arg("features")
                .arg(&path)
                .args(extra)
                .arg("-o")
                .arg(&out)
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(2), "{name} {extra:?}");
            assert!(!out.exists(), "{name}: no output on error");
            String::from_utf8(o.stderr).unwrap()
        };
        // --channels makes eegi read the whole file; without it the file is streamed
        let streamed = run(&[]);
        assert_eq!(streamed, run(&["--channels", "Cz,Pz"]), "{name}");
        assert_eq!(streamed.lines().count(), 1, "{name}: {streamed}");
    }
}

/// Runs a failing command: one `eegi:` line on stderr containing every `needle`, exit 2,
/// no panic, and no output file.
fn fails(args: &[&str], dir: &Path, needles: &[&str]) {
    let out_path = dir.join("out.json");
    let _ = std::fs::remove_file(&out_path);
    let mut c = eegi();
    c.args(args);
    c.arg("-o").arg(&out_path);
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{args:?}: expected one error line, got {err}"
    );
    assert!(lines[0].starts_with("eegi: "), "{err}");
    for n in needles {
        assert!(lines[0].contains(n), "{args:?}: '{n}' not in: {err}");
    }
    assert!(!out_path.exists(), "{args:?} left an output file");
}

#[test]
fn bad_recordings_give_one_clear_line_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let events = "onset_s,duration_s,label\n0,1,a\n1,1,b\n";
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "empty",
            "",
            vec!["empty.csv:1:", "empty file", "expected a header"],
        ),
        (
            "header_only",
            "time,Cz\n",
            vec![
                "header_only.csv:2:",
                "no samples",
                "expected at least one data row",
            ],
        ),
        (
            "ragged",
            "time,Cz,Pz\n0,1,2\n0.1,1\n",
            vec!["ragged.csv:3:", "2 fields", "expected 3 fields"],
        ),
        (
            "text",
            "time,Cz,Pz\n0,1,2\n0.1,1,abc\n",
            vec!["text.csv:3:3:", "'abc' in column 'Pz'", "expected a number"],
        ),
        (
            "nan",
            "time,Cz,Pz\n0,1,2\n0.1,NaN,2\n",
            vec!["nan.csv:3:2:", "'NaN'", "finite"],
        ),
        (
            "inf",
            "time,Cz,Pz\n0,1,2\n0.1,1,-inf\n",
            vec!["inf.csv:3:3:", "'-inf'", "finite"],
        ),
        (
            "dup",
            "time,Cz,Cz\n0,1,2\n0.1,1,2\n",
            vec!["dup.csv:1:3:", "duplicate channel name 'Cz'"],
        ),
        (
            "irregular",
            "time,Cz\n0,1\n0.1,1\n0.2,1\n0.35,1\n0.4,1\n",
            vec!["irregular.csv:5:1:", "regular step"],
        ),
    ];
    for (name, content, needles) in cases {
        let rec = file(d, &format!("{name}.csv"), content);
        file(d, &format!("{name}_events.csv"), events);
        fails(&["train", rec.to_str().unwrap()], d, &needles);
    }
    fails(
        &["train", d.join("missing.csv").to_str().unwrap()],
        d,
        &["missing.csv", "no such file"],
    );
}

#[test]
fn bad_events_and_epochs_give_one_clear_line_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rec = small_recording(d, "rec");
    let rec = rec.to_str().unwrap();
    let ev = file(
        d,
        "bad_events.csv",
        "onset_s,duration_s,condition\n0,10,calm\n",
    );
    fails(
        &["train", rec, "--events", ev.to_str().unwrap()],
        d,
        &[
            "bad_events.csv:1:",
            "no label column",
            "condition",
            "expected a column named label or trial_type",
        ],
    );
    let ev = file(
        d,
        "neg_events.csv",
        "onset_s,duration_s,label\n0,10,calm\nsoon,10,busy\n",
    );
    fails(
        &["train", rec, "--events", ev.to_str().unwrap()],
        d,
        &["neg_events.csv:3:1:", "onset 'soon'"],
    );
    fails(
        &["train", rec, "--epoch", "30:31", "--bands", SMALL_BANDS],
        d,
        &["rec.csv", "run off the recording"],
    );
    fails(
        &["train", rec, "--bands", "gamma=30-45"],
        d,
        &["Nyquist frequency 5 Hz"],
    );
    fails(
        &[
            "train",
            rec,
            "--labels",
            "calm,sleepy",
            "--bands",
            SMALL_BANDS,
        ],
        d,
        &["--labels", "sleepy", "found labels: busy, calm"],
    );
    let lonely = file(d, "lonely.csv", "time,Cz\n0,1\n0.1,2\n");
    fails(
        &["train", lonely.to_str().unwrap()],
        d,
        &["lonely.csv", "no events file"],
    );
}

#[test]
fn classify_refuses_recordings_it_cannot_honour() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // the default model needs 64 named channels at 160 Hz
    let rec = small_recording(d, "rec");
    fails(
        &["classify", rec.to_str().unwrap()],
        d,
        &["rec.csv", "missing channels FC5, FC3", "the model needs"],
    );
    let model = d.join("m.json");
    eegi()
        .arg("train")
        .arg(&rec)
        .args(["--bands", SMALL_BANDS, "--cv", "0", "-o"])
        .arg(&model)
        .assert()
        .success();
    let fast = d.join("fast.csv");
    let text = std::fs::read_to_string(&rec).unwrap();
    std::fs::write(&fast, text.replace("time,", "t,")).unwrap();
    fails(
        &[
            "classify",
            fast.to_str().unwrap(),
            "-m",
            model.to_str().unwrap(),
            "--sample-rate",
            "20",
        ],
        d,
        &["fast.csv", "sample rate 20 Hz", "trained at 10 Hz"],
    );
    let broken = file(d, "broken.json", "{\"format_version\": 1, \"channels\": [");
    fails(
        &[
            "classify",
            rec.to_str().unwrap(),
            "-m",
            broken.to_str().unwrap(),
        ],
        d,
        &["broken.json:1:", "expected an eegi model file"],
    );
    let future = file(d, "future.json", "{\"format_version\": 99}");
    fails(
        &[
            "classify",
            rec.to_str().unwrap(),
            "-m",
            future.to_str().unwrap(),
        ],
        d,
        &["future.json", "format_version 99", "reads format_version 1"],
    );
}

#[test]
fn a_failed_train_leaves_the_previous_model_intact() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = d.join("m.json");
    std::fs::write(&model, "previous").unwrap();
    let bad = file(d, "bad.csv", "time,Cz\n0,1\n0.1,x\n");
    file(d, "bad_events.csv", "onset_s,duration_s,label\n0,1,a\n");
    let out = eegi()
        .arg("train")
        .arg(&bad)
        .arg("-o")
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&model).unwrap(), "previous");
    assert_eq!(
        std::fs::read_dir(d).unwrap().count(),
        3,
        "no temporary file left"
    );
}

#[test]
fn event_locked_model_classifies_one_row_per_event() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rec = small_recording(d, "rec");
    file(
        d,
        "rec_events.csv",
        "onset_s,duration_s,label\n1,0,calm\n3,0,calm\n5,0,calm\n11,0,busy\n13,0,busy\n15,0,busy\n",
    );
    let model = d.join("m.json");
    eegi()
        .arg("train")
        .arg(&rec)
        .args(["--epoch", "0:2", "--bands", SMALL_BANDS, "--cv", "0", "-o"])
        .arg(&model)
        .assert()
        .success();
    let out = stdout(eegi().arg("classify").arg(&rec).arg("-m").arg(&model));
    let rows = labels(&out, &["busy", "calm"]);
    assert_eq!(
        rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![1.0, 3.0, 5.0, 11.0, 13.0, 15.0]
    );
    // without events an event-locked model cannot be used
    std::fs::remove_file(d.join("rec_events.csv")).unwrap();
    let out = eegi()
        .arg("classify")
        .arg(&rec)
        .arg("-m")
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("event-locked"));
}

#[test]
fn classify_reads_standard_input_like_a_file() {
    // standard input has no sidecar events: the same as the file without its true labels
    let from_file = stdout(eegi().args([
        "classify",
        "data/eyes_open_then_closed.csv",
        "--no-true-label",
    ]));
    let input = std::fs::read(root().join("data/eyes_open_then_closed.csv")).unwrap();
    let from_stdin = stdout(eegi().args(["classify", "-"]).write_stdin(input));
    assert_eq!(from_file, from_stdin);
}

#[test]
fn classify_follow_labels_windows_as_the_file_grows() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.csv");
    let text = std::fs::read_to_string(root().join("data/eyes_open_then_closed.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // header and the first 3 s (480 samples at 160 Hz): two 2 s windows (0-2, 1-3)
    let mut f = std::fs::File::create(&live).unwrap();
    writeln!(f, "{}", lines[..=480].join("\n")).unwrap();
    f.flush().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_eegi"))
        .arg("classify")
        .arg(&live)
        .arg("--follow")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("start_s,end_s,label"));
    for expected in ["0,2,", "1,3,"] {
        line.clear();
        out.read_line(&mut line).unwrap();
        assert!(line.starts_with(expected), "{line}");
    }
    // one more second arrives: exactly one more window, printed without waiting for the end
    writeln!(f, "{}", lines[481..=640].join("\n")).unwrap();
    f.flush().unwrap();
    line.clear();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("2,4,eyes_open"), "{line}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn classify_into_a_closed_pipe_ends_quietly() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_eegi"))
        .current_dir(root())
        .args([
            "classify",
            "data/eyes_open_then_closed.csv",
            "--no-true-label",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once, like `| head -0`
    let out = child.wait_with_output().unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
}

/// Reads a CSV file as RFC 4180 says (the csv crate), checking that every row has as many
/// fields as the header; returns the header and the rows.
fn read_rfc4180(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    assert!(!rows.is_empty(), "{}: no rows", path.display());
    for row in &rows {
        assert_eq!(
            row.len(),
            header.len(),
            "{}: {row:?} under {header:?}",
            path.display()
        );
    }
    (header, rows)
}

/// A field as RFC 4180 writes it, for building hostile inputs by hand.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// eegi run in `dir`, which must succeed.
fn eegi_in(dir: &Path, args: &[&str]) {
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "eegi {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A 20 s recording at 10 Hz whose four channels have hostile names, with a sidecar of two
/// 10 s segments with hostile labels (both written with RFC 4180 quoting, as eegi reads them).
fn hostile_recording(dir: &Path, stem: &str, channels: &[&str], labels: &[&str]) {
    let mut s = String::from("time");
    for c in channels {
        s.push(',');
        s.push_str(&quoted(c));
    }
    s.push('\n');
    for i in 0..200 {
        let amp = if i < 100 { 1.0 } else { 5.0 };
        let x = i as f64;
        s.push_str(&format!(
            "{},{},{},{},{}\n",
            x / 10.0,
            amp * (x * 1.3).sin(),
            amp * (x * 0.7).cos(),
            (x * 0.3).sin(),
            amp * (x * 0.9).cos()
        ));
    }
    file(dir, &format!("{stem}.csv"), &s);
    file(
        dir,
        &format!("{stem}_events.csv"),
        &format!(
            "onset_s,duration_s,label\n0,10,{}\n10,10,{}\n",
            quoted(labels[0]),
            quoted(labels[1])
        ),
    );
}

#[test]
fn hostile_channel_names_and_labels_survive_every_csv_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let channels = ["C,z", "P\"z", "<script>", "a|b"];
    // a line break cannot be in a CSV header eegi reads (a header ends at the first LF), so
    // one comes in through --rename
    let renamed = ["C,z", "P\"z", "<script>", "new\nline"];
    let labels = ["a,x \"q\"", "two\nlines|<script>"];
    let rename = "a|b=new\nline";
    hostile_recording(d, "rec", &channels, &labels);
    let model_channels = |path: &Path| -> (Vec<String>, Vec<String>, Vec<String>) {
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let strings = |k: &str| -> Vec<String> {
            m[k].as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        (
            strings("channels"),
            strings("classes"),
            strings("feature_names"),
        )
    };
    let mut sorted_labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
    sorted_labels.sort();

    // train
    eegi_in(
        d,
        &[
            "train",
            "rec.csv",
            "--rename",
            rename,
            "--bands",
            SMALL_BANDS,
            "--cv",
            "0",
            "-o",
            "m.json",
        ],
    );
    let (model_ch, classes, feature_names) = model_channels(&d.join("m.json"));
    assert_eq!(model_ch, renamed);
    assert_eq!(classes, sorted_labels);
    let expected_features: Vec<String> = renamed
        .iter()
        .flat_map(|c| [format!("{c}_slow"), format!("{c}_fast")])
        .collect();
    assert_eq!(feature_names, expected_features);

    // features of the labelled windows (read whole)
    eegi_in(
        d,
        &[
            "features", "rec.csv", "--rename", rename, "-m", "m.json", "-o", "f.csv",
        ],
    );
    let (header, rows) = read_rfc4180(&d.join("f.csv"));
    let mut expected_header: Vec<String> = ["recording", "start_s", "end_s", "label"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected_header.extend(expected_features.iter().cloned());
    assert_eq!(header, expected_header);
    assert_eq!(rows.len(), 18);
    assert!(rows.iter().all(|r| r[0] == "rec.csv"));
    assert!(rows[..9].iter().all(|r| r[3] == labels[0]));
    assert!(rows[9..].iter().all(|r| r[3] == labels[1]));

    // features streamed from a recording with a hostile file name and no events
    std::fs::copy(d.join("rec.csv"), d.join("a \"b\", c.csv")).unwrap();
    eegi_in(
        d,
        &[
            "features",
            "a \"b\", c.csv",
            "--bands",
            SMALL_BANDS,
            "-o",
            "fs.csv",
        ],
    );
    let (header, rows) = read_rfc4180(&d.join("fs.csv"));
    let streamed: Vec<String> = channels
        .iter()
        .flat_map(|c| [format!("{c}_slow"), format!("{c}_fast")])
        .collect();
    assert_eq!(header[4..], streamed[..]);
    assert_eq!(rows.len(), 19);
    assert!(rows
        .iter()
        .all(|r| r[0] == "a \"b\", c.csv" && r[3].is_empty()));

    // classify
    eegi_in(
        d,
        &[
            "classify", "rec.csv", "--rename", rename, "-m", "m.json", "-o", "c.csv",
        ],
    );
    let (header, rows) = read_rfc4180(&d.join("c.csv"));
    let mut expected_header: Vec<String> = ["start_s", "end_s", "label"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected_header.extend(sorted_labels.iter().map(|c| format!("p_{c}")));
    expected_header.push("true_label".into()); // rec.csv has events
    assert_eq!(header, expected_header);
    assert_eq!(rows.len(), 19);
    assert!(rows.iter().all(|r| sorted_labels.contains(&r[2])));
    assert!(labels.iter().all(|l| rows.iter().any(|r| r[2] == *l)));

    // convert: the recording and its events sidecar
    eegi_in(d, &["convert", "rec.csv", "--rename", rename, "out.csv"]);
    let (header, rows) = read_rfc4180(&d.join("out.csv"));
    assert_eq!(header[0], "time");
    assert_eq!(header[1..], renamed.map(String::from)[..]);
    assert_eq!(rows.len(), 200);
    let (header, rows) = read_rfc4180(&d.join("out_events.csv"));
    assert_eq!(header, ["onset_s", "duration_s", "label"]);
    assert_eq!(
        rows.iter().map(|r| r[2].as_str()).collect::<Vec<_>>(),
        labels
    );

    // and eegi's own readers read a converted file back to the same names
    eegi_in(d, &["convert", "rec.csv", "back.csv"]);
    eegi_in(
        d,
        &[
            "train",
            "back.csv",
            "--bands",
            SMALL_BANDS,
            "--cv",
            "0",
            "-o",
            "m2.json",
        ],
    );
    let (model_ch, classes, _) = model_channels(&d.join("m2.json"));
    assert_eq!(model_ch, channels);
    assert_eq!(classes, sorted_labels);
}

/// The lines of a Markdown table that starts at the line `heading`, with the number of cell
/// separators (pipes not escaped by a backslash) on each.
fn table_pipes(md: &str, heading: &str) -> Vec<(String, usize)> {
    md.lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            // a pipe separates cells unless an odd run of backslashes escapes it
            let (mut n, mut backslashes) = (0, 0);
            for c in l.chars() {
                if c == '|' && backslashes % 2 == 0 {
                    n += 1;
                }
                backslashes = if c == '\\' { backslashes + 1 } else { 0 };
            }
            (l.to_string(), n)
        })
        .collect()
}

#[test]
fn reports_escape_hostile_labels_and_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let labels = ["a|b \\ *c*", "two\nlines|<script>alert(1)</script>"];
    for stem in ["r|<i>1", "r|<i>2"] {
        hostile_recording(d, stem, &["Cz", "Pz", "Fz", "Oz"], &labels);
    }
    for report in ["r.md", "r.html"] {
        eegi_in(
            d,
            &[
                "evaluate",
                "r|<i>1.csv",
                "r|<i>2.csv",
                "--bands",
                SMALL_BANDS,
                "--cv",
                "by-recording",
                "--permutations",
                "3",
                "-q",
                "--report",
                report,
            ],
        );
    }
    let md = std::fs::read_to_string(d.join("r.md")).unwrap();
    // the settings are a fenced JSON block (literal text); everything before it is rendered
    let rendered = &md[..md.find("## Settings").unwrap()];
    assert!(
        !rendered.contains("<script>") && !rendered.contains("<i>"),
        "{rendered}"
    );
    assert!(rendered.contains("| two<br>lines\\|&lt;script&gt;alert(1)&lt;/script&gt; |"));
    assert!(rendered.contains("| a\\|b \\\\ \\*c\\* |"));
    assert!(rendered.contains("| r\\|&lt;i&gt;1.csv |"));
    for (heading, cells) in [
        ("## Per class", 6),
        ("## Confusion matrix", 4),
        ("## Folds", 8),
        ("## Recordings", 5),
    ] {
        let rows = table_pipes(rendered, heading);
        assert!(rows.len() >= 4, "{heading}: {rows:?}");
        for (line, n) in rows {
            assert_eq!(n, cells, "{heading}: {line}");
        }
    }
    let html = std::fs::read_to_string(d.join("r.html")).unwrap();
    assert!(!html.contains("<script>") && !html.contains("<i>"));
    assert!(html.contains("two\nlines|&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("r|&lt;i&gt;1.csv"));
}

#[test]
fn a_huge_alpha_that_does_not_converge_hints_a_smaller_one() {
    let dir = tempfile::tempdir().unwrap();
    let rec = small_recording(dir.path(), "rec");
    let out = eegi()
        .arg("train")
        .arg(&rec)
        .args([
            "--bands",
            SMALL_BANDS,
            "--cv",
            "0",
            "--alpha",
            "1e300",
            "-o",
        ])
        .arg(dir.path().join("m.json"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did not converge"), "{err}");
    assert!(
        err.contains(
            "--alpha 1e300 is so large that the penalty swamps the data; try a smaller --alpha"
        ),
        "{err}"
    );
    assert!(!err.contains("try a larger --alpha"), "{err}");
}

#[test]
fn bids_events_labelled_n_a_are_left_out_with_a_warning_naming_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let rec = small_recording(dir.path(), "rec");
    file(
        dir.path(),
        "rec_events.tsv",
        "onset\tduration\ttrial_type\n0\t10\tcalm\n3\t1\tn/a\n10\t10\tbusy\n12\t0.5\tN/A\n",
    );
    std::fs::remove_file(dir.path().join("rec_events.csv")).unwrap();
    let model = dir.path().join("m.json");
    let out = eegi()
        .arg("train")
        .arg(&rec)
        .args(["--bands", SMALL_BANDS, "--cv", "0", "-o"])
        .arg(&model)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("eegi: warning: ")
            && err.contains(
                "rec_events.tsv: 2 events labelled n/a (BIDS's missing value) left out: lines 3, 5"
            ),
        "{err}"
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(m["classes"], serde_json::json!(["busy", "calm"]));
}

/// A recording like [`small_recording`] but `rows` long, with one sample of 1e155 µV (finite,
/// but its square is not) at 5.7 s on Cz.
fn recording_with_a_huge_sample(dir: &Path, rows: usize) -> PathBuf {
    let mut s = String::from("time,Cz,Pz\n");
    for i in 0..rows {
        let cz = if i == 57 {
            "1e155".to_string()
        } else {
            format!("{:.4}", (i as f64 * 1.3).sin())
        };
        s.push_str(&format!(
            "{:.1},{cz},{:.4}\n",
            i as f64 / 10.0,
            (i as f64 * 0.7).cos()
        ));
    }
    file(dir, "huge.csv", &s)
}

#[test]
fn classify_and_features_never_print_nan_or_inf_for_a_huge_sample() {
    let dir = tempfile::tempdir().unwrap();
    let rec = small_recording(dir.path(), "rec");
    let model = dir.path().join("m.json");
    eegi()
        .arg("train")
        .arg(&rec)
        .args(["--bands", SMALL_BANDS, "--cv", "0", "-o"])
        .arg(&model)
        .assert()
        .success();
    // 200 000 rows (5 MB): the error comes from a block read while the file is streamed
    let huge = recording_with_a_huge_sample(dir.path(), 200_000);
    let check = |name: &str, out: std::process::Output| {
        let stdout = String::from_utf8_lossy(&out.stdout).to_lowercase();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            !stdout.contains("nan") && !stdout.contains("inf"),
            "{name}: {stdout}"
        );
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("eegi: warning:"))
            .collect();
        assert_eq!(errors.len(), 1, "{name}: {stderr}");
        for needle in [
            "huge.csv: window 4-6 s, feature Cz_slow: inf",
            "largest sample is 1e155 µV (channel Cz at 5.7 s, sample 57)",
            "expected samples whose power is finite",
        ] {
            assert!(
                errors[0].contains(needle),
                "{name}: {needle} not in {stderr}"
            );
        }
    };
    let classify = |extra: &[&str]| {
        let mut c = eegi();
        c.arg("classify")
            .arg(&huge)
            .arg("-m")
            .arg(&model)
            .args(extra);
        c.output().unwrap()
    };
    // streamed from the file, as JSON lines, whole file (--channels), followed
    check("streamed", classify(&[]));
    check("jsonl", classify(&["--format", "jsonl"]));
    check("whole file", classify(&["--channels", "Cz,Pz"]));
    check("--follow", classify(&["--follow"]));
    let from_stdin = eegi()
        .args(["classify", "-", "-m"])
        .arg(&model)
        .write_stdin(std::fs::read(&huge).unwrap())
        .output()
        .unwrap();
    let mut from_stdin = from_stdin;
    // standard input is named <stdin>
    from_stdin.stderr = String::from_utf8_lossy(&from_stdin.stderr)
        .replace("<stdin>", "huge.csv")
        .into_bytes();
    check("stdin", from_stdin);
    // features: streamed (no events) and whole file; no output file is written
    let out = dir.path().join("f.csv");
    for extra in [&[][..], &["--channels", "Cz,Pz"][..]] {
        let o = eegi()
            .arg("features")
            .arg(&huge)
            .args(["--bands", SMALL_BANDS])
            .args(extra)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        check(&format!("features {extra:?}"), o);
        assert!(!out.exists());
    }
}

/// `train --cv K` and `evaluate --cv K` run one cross-validation: the same folds and the same
/// balanced accuracy (of the pooled out-of-fold predictions) for the same data and settings.
fn same_cv_in_train_and_evaluate(files: &[&Path], settings: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let mut train = eegi();
    train.arg("train").args(files).args(settings);
    train.args(["--cv", "5", "--json", "-o"]).arg(&model);
    let t: serde_json::Value = serde_json::from_str(&stdout(&mut train)).unwrap();
    let mut evaluate = eegi();
    evaluate.arg("evaluate").args(files).args(settings);
    evaluate.args(["--cv", "5", "--permutations", "0", "--json"]);
    let e: serde_json::Value = serde_json::from_str(&stdout(&mut evaluate)).unwrap();
    let trained = t["cv_balanced_accuracy"].as_f64().unwrap();
    assert_eq!(
        trained,
        e["balanced_accuracy"].as_f64().unwrap(),
        "{settings:?}"
    );
    let folds: Vec<f64> = e["folds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["balanced_accuracy"].as_f64().unwrap())
        .collect();
    let train_folds: Vec<f64> = t["cv_fold_balanced_accuracy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(train_folds, folds, "{settings:?}");
    // and the text each prints shows that number
    let shown = format!("{trained:.3}");
    let mut train_text = eegi();
    train_text.arg("train").args(files).args(settings);
    train_text.args(["--cv", "5", "-o"]).arg(&model);
    let text = stdout(&mut train_text);
    assert!(
        text.contains(&format!("5-fold balanced accuracy: {shown}")),
        "{text}"
    );
    let mut evaluate_text = eegi();
    evaluate_text.arg("evaluate").args(files).args(settings);
    evaluate_text.args(["--cv", "5", "--permutations", "0"]);
    let text = stdout(&mut evaluate_text);
    assert!(
        text.contains(&format!("balanced accuracy {shown} vs chance")),
        "{text}"
    );
}

#[test]
fn train_cv_and_evaluate_cv_report_the_same_balanced_accuracy() {
    let open = root().join("data/eyes_open.csv");
    let closed = root().join("data/eyes_closed.csv");
    // sliding windows (overlapping neighbours purged) with each classifier
    same_cv_in_train_and_evaluate(&[&open, &closed], &[]);
    same_cv_in_train_and_evaluate(&[&open, &closed], &["--classifier", "lda", "--step", "0.5"]);
}
