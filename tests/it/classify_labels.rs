//! Issue 15, markers → a model: `classify`'s `true_label` column and accuracy line when the
//! recording's events are known, `classify --labels` for event-locked models, and
//! `--segments-from-markers` turning a BrainFlow session's markers into eyes-open/closed blocks.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn eegi() -> Command {
    Command::cargo_bin("eegi").unwrap()
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

/// stdout and stderr of a successful run.
fn run(args: &[&std::ffi::OsStr]) -> (String, String) {
    let out = eegi().args(args).assert().success().get_output().clone();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

macro_rules! os {
    ($($a:expr),* $(,)?) => { &[$(std::ffi::OsStr::new($a)),*] };
}

#[test]
fn sliding_windows_get_the_label_of_the_segment_they_lie_in() {
    let rec = data("eyes_open_then_closed.csv");
    let (csv, err) = run(os!["classify", &rec]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "start_s,end_s,label,p_eyes_closed,p_eyes_open,true_label"
    );
    assert_eq!(lines.len(), 40, "39 windows");
    let truth = |row: usize| lines[row + 1].rsplit(',').next().unwrap().to_string();
    assert_eq!(truth(0), "eyes_open"); // 0-2 s
    assert_eq!(truth(18), "eyes_open"); // 18-20 s: ends where the segment ends
    assert_eq!(truth(19), ""); // 19-21 s straddles the two segments
    assert_eq!(truth(20), "eyes_closed"); // 20-22 s
    assert_eq!(truth(38), "eyes_closed"); // 38-40 s
                                          // the embedded model labels this held-out sample perfectly: 38 windows have a class
    assert!(
        err.contains("true labels from ")
            && err.contains("38 of 39 windows have a true label of a model class (2 of 2 classes present): accuracy 1.000, balanced accuracy 1.000"),
        "{err}"
    );
    assert!(!err.contains("NOT a held-out"), "{err}");

    // JSON lines: a field, null when unknown
    let (jsonl, _) = run(os!["classify", &rec, "--format", "jsonl"]);
    let rows: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["true_label"], "eyes_open");
    assert!(rows[19]["true_label"].is_null());
    assert_eq!(rows[20]["true_label"], "eyes_closed");
}

#[test]
fn without_events_or_with_no_true_label_the_output_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("rec.csv");
    std::fs::copy(data("eyes_open_then_closed.csv"), &bare).unwrap();
    let (plain, err) = run(os!["classify", &bare]);
    assert!(plain.starts_with("start_s,end_s,label,p_eyes_closed,p_eyes_open\n0,2,eyes_open,"));
    assert!(
        !plain.contains("true_label") && !err.contains("accuracy"),
        "{err}"
    );
    let (opted_out, err) = run(os![
        "classify",
        &data("eyes_open_then_closed.csv"),
        "--no-true-label"
    ]);
    assert_eq!(opted_out, plain, "byte for byte");
    assert!(!err.contains("accuracy"), "{err}");
    // standard input: no true labels (the stream has no sidecar)
    let out = eegi()
        .args(["classify", "-"])
        .pipe_stdin(data("eyes_open_then_closed.csv"))
        .unwrap()
        .assert()
        .success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), plain);
    // JSON lines without events: no field
    let (jsonl, _) = run(os!["classify", &bare, "--format", "jsonl"]);
    assert!(!jsonl.contains("true_label"));
}

/// A small simulation and an ErrP model trained on its first recording.
fn errp(dir: &Path) -> (PathBuf, PathBuf) {
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
        .args(["--car", "--bandpass", "1-10", "--epoch", "0:0.8"])
        .args(["--features", "erp", "--classifier", "lda", "-o"])
        .arg(&model)
        .assert()
        .success();
    (model, sim)
}

/// The labels of an events file, in order.
fn event_labels(events: &Path) -> Vec<String> {
    std::fs::read_to_string(events)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect()
}

#[test]
fn event_locked_models_show_each_events_label_and_honour_labels() {
    let dir = tempfile::tempdir().unwrap();
    let (model, sim) = errp(dir.path());
    let rec = sim.join("sim02.csv");
    let labels = event_labels(&sim.join("sim02_events.csv"));
    let (csv, err) = run(os!["classify", &rec, "-m", &model]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "start_s,end_s,label,p_ok,p_robot_error,true_label"
    );
    let truth: Vec<String> = lines[1..]
        .iter()
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect();
    assert_eq!(truth, labels, "one row per event, its label");
    // the accuracy line agrees with the rows
    let correct = lines[1..]
        .iter()
        .filter(|l| {
            let f: Vec<&str> = l.split(',').collect();
            f[2] == f[5]
        })
        .count();
    let accuracy = format!("accuracy {:.3}", correct as f64 / labels.len() as f64);
    assert!(err.contains(&accuracy), "{err} vs {accuracy}");
    assert!(
        err.contains(&format!("{0} of {0} windows", labels.len())),
        "{err}"
    );

    // --labels: only those events are decided
    let (csv, err) = run(os![
        "classify",
        &rec,
        "-m",
        &model,
        "--labels",
        "robot_error,blink"
    ]);
    let errors = labels.iter().filter(|l| *l == "robot_error").count();
    assert!(errors > 0);
    assert_eq!(csv.lines().count(), errors + 1, "{csv}");
    assert!(csv.lines().skip(1).all(|l| l.ends_with(",robot_error")));
    assert!(
        err.contains("warning:") && err.contains("--labels blink: no event has this label"),
        "{err}"
    );
    // no event with any of them: an error naming what was found
    let out = eegi()
        .arg("classify")
        .arg(&rec)
        .arg("-m")
        .arg(&model)
        .args(["--labels", "blink"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("is labelled blink (--labels)")
            && err.contains("labels found: ok, robot_error"),
        "{err}"
    );

    // events the model has no class for: still decided, with a note naming the remedy
    let events = dir.path().join("with_rest.csv");
    let mut text = std::fs::read_to_string(sim.join("sim02_events.csv")).unwrap();
    text.push_str("3,0,rest\n");
    std::fs::write(&events, text).unwrap();
    let (csv, err) = run(os!["classify", &rec, "-m", &model, "--events", &events]);
    assert_eq!(csv.lines().count(), labels.len() + 2);
    assert!(
        err.contains("events labelled rest (not a class of the model) are decided too; --labels ok,robot_error decides only those"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{} of {} windows", labels.len(), labels.len() + 1)),
        "{err}"
    );

    // the training recording: said not to be held out
    let (_, err) = run(os!["classify", &sim.join("sim01.csv"), "-m", &model]);
    assert!(
        err.contains(
            "NOT a held-out evaluation: the recording is one of the model's training inputs"
        ),
        "{err}"
    );
}

/// A BrainFlow Cyton session (250 Hz, 8 EEG channels, `DataFilter.write_file` layout: 24
/// tab-separated columns, timestamp 22, marker 23) of eight 10 s blocks alternating eyes open
/// (marker 1) and eyes closed (marker 2, a 10 Hz alpha rhythm added), with a rest marker (3)
/// 8 s into each block.
fn cyton_session(path: &Path) {
    let fs = 250usize;
    let block = 10 * fs;
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut noise = move || {
        // xorshift, uniform in [-1, 1), summed into a near-normal value
        (0..4)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
            })
            .sum::<f64>()
            * 5.0
    };
    let mut text = String::new();
    for i in 0..8 * block {
        let closed = (i / block) % 2 == 1;
        let alpha = if closed {
            20.0 * (2.0 * std::f64::consts::PI * 10.0 * i as f64 / fs as f64).sin()
        } else {
            0.0
        };
        let marker = match i % block {
            0 if closed => 2,
            0 => 1,
            k if k == 8 * fs => 3,
            _ => 0,
        };
        let mut cells = vec![format!("{}.000000", i % 256)];
        cells.extend((0..8).map(|_| format!("{:.6}", noise() + alpha)));
        cells.extend((9..22).map(|_| "0.000000".to_string()));
        cells.push(format!("{:.6}", 1.7e9 + i as f64 / fs as f64));
        cells.push(format!("{marker}.000000"));
        text.push_str(&cells.join("\t"));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn markers_become_segments_that_last_until_the_next_marker() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("session.txt");
    cyton_session(&rec);
    let model = dir.path().join("eyes.json");
    let map = [
        "--board",
        "cyton",
        "--event-map",
        "1=eyes_open,2=eyes_closed",
    ];
    // markers alone: no segment for sliding windows, and the error says what to do
    let out = eegi()
        .arg("train")
        .arg(&rec)
        .args(map)
        .arg("-o")
        .arg(&model)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("8 events without duration")
            && err.contains("use --epoch START:END for event-locked epochs, or --segments-from-markers for blocks that last until the next marker"),
        "{err}"
    );
    // each block lasts until the rest marker 8 s later (which the map leaves out): 7 windows
    // of 2 s every 1 s in each of 4 blocks per class
    eegi()
        .arg("train")
        .arg(&rec)
        .args(map)
        .arg("--segments-from-markers")
        .arg("-o")
        .arg(&model)
        .assert()
        .success();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(m["training"]["counts"]["eyes_open"], 28);
    assert_eq!(m["training"]["counts"]["eyes_closed"], 28);
    assert_eq!(m["training"]["dropped"]["events_without_duration"], 0);
    let cv = m["training"]["cross_validation"]["balanced_accuracy"]
        .as_f64()
        .unwrap();
    assert!(cv > 0.95, "alpha blocks separate: {cv}");

    // classify with the same option: true labels from the blocks, and the training data named
    let (csv, err) = run(os![
        "classify",
        &rec,
        "--board",
        "cyton",
        "-m",
        &model,
        "--segments-from-markers"
    ]);
    let truth: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect();
    assert_eq!(truth.len(), 79);
    assert_eq!(truth[0], "eyes_open"); // 0-2 s
    assert_eq!(truth[6], "eyes_open"); // 6-8 s, up to the rest marker
    assert_eq!(truth[7], ""); // 7-9 s runs past it
    assert_eq!(truth[10], "eyes_closed"); // 10-12 s
    assert_eq!(truth[78], ""); // 78-80 s: the last block's rest
    assert!(
        err.contains("56 of 79 windows have a true label of a model class")
            && err.contains("NOT a held-out evaluation"),
        "{err}"
    );
    // the model remembers --board and --segments-from-markers (format 8): the same rows without
    // them, with a note that says so; inspect shows them
    assert_eq!(m["format_version"], 8);
    assert_eq!(m["reading"]["board"], "cyton");
    assert_eq!(m["reading"]["segments_from_markers"], true);
    let (again, err) = run(os!["classify", &rec, "-m", &model]);
    assert_eq!(again, csv);
    assert!(
        err.contains(
            "note: reading as the model was trained: --board cyton --segments-from-markers"
        ),
        "{err}"
    );
    let (text, _) = run(os!["inspect", &model]);
    assert!(
        text.contains(
            "reading: BrainFlow board cyton; markers as segments lasting to the next marker"
        ),
        "{text}"
    );
    let (report, _) = run(os![
        "evaluate",
        &rec,
        "-m",
        &model,
        "--permutations",
        "0",
        "--allow-training-data",
        "--json"
    ]);
    let r: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(r["n_windows"], 56, "{report}");
    // a board given explicitly wins over the model's: a wrong one is refused by its layout
    let out = eegi()
        .arg("classify")
        .arg(&rec)
        .args(["--board", "ganglion", "-m"])
        .arg(&model)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("ganglion"), "{err}");
}
