//! What scientists and hobbyists expect (issue 15): usage errors that keep clap's content,
//! no silent "held-out" evaluation on training data, `train -o -` in a pipe, `convert` that
//! refuses formats it cannot write, `--report` checked before the work, honest permutation
//! wording.

use assert_cmd::Command;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn eegi() -> Command {
    let mut c = Command::cargo_bin("eegi").unwrap();
    c.current_dir(root());
    c
}

/// Runs eegi with `args`; checks the exit code and that stderr is one line; returns it.
fn one_line_error(args: &[&str], code: i32) -> String {
    let out = eegi().args(args).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
    assert!(err.starts_with("eegi: "), "{err}");
    err
}

#[test]
fn usage_errors_keep_clap_content_and_point_at_the_subcommand_help() {
    // the missing argument is named
    let err = one_line_error(&["train", "data/eyes_open.csv"], 2);
    assert!(err.starts_with("eegi: usage: "), "{err}");
    assert!(err.contains("--output <MODEL.json>"), "{err}");
    assert!(err.contains("(see eegi train --help)"), "{err}");
    // several missing arguments, all named
    let err = one_line_error(&["train"], 2);
    assert!(err.contains("--output <MODEL.json>, <RECORDING>"), "{err}");
    // no command: the commands are listed
    let err = one_line_error(&[], 2);
    assert!(
        err.contains("a command is required, one of: train, classify"),
        "{err}"
    );
    assert!(err.contains("(see eegi --help)"), "{err}");
    // the valid values are listed
    let err = one_line_error(
        &[
            "train",
            "data/eyes_open.csv",
            "-o",
            "x.json",
            "--classifier",
            "LDA",
        ],
        2,
    );
    assert!(
        err.contains("[possible values: logistic, lda, mdm, svm]"),
        "{err}"
    );
    // "did you mean"
    let err = one_line_error(&["evaluate", "data/eyes_open.csv", "--epochs", "0:1"], 2);
    assert!(err.contains("unexpected argument '--epochs'"), "{err}");
    assert!(
        err.contains("a similar argument exists: '--epoch'"),
        "{err}"
    );
    assert!(err.contains("(see eegi evaluate --help)"), "{err}");
    // a global option before the command still finds the command
    let err = one_line_error(&["--threads", "2", "classify", "--frobnicate"], 2);
    assert!(err.contains("(see eegi classify --help)"), "{err}");
    // help and version are not errors
    eegi().args(["train", "--help"]).assert().success();
    eegi().arg("--version").assert().success();
}

/// Runs `eegi evaluate ARGS --json`; returns the report and stderr.
fn evaluate_json(args: &[&str]) -> (serde_json::Value, String) {
    let out = eegi()
        .arg("evaluate")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{args:?}: {err}");
    (serde_json::from_slice(&out.stdout).unwrap(), err)
}

#[test]
fn evaluating_a_model_on_its_training_recordings_is_refused_or_marked_not_held_out() {
    // the default model was trained on data/eyes_open.csv and data/eyes_closed.csv
    let err = one_line_error(
        &[
            "evaluate",
            "data/eyes_open.csv",
            "-m",
            "models/default.json",
        ],
        2,
    );
    assert!(
        err.starts_with("eegi: data/eyes_open.csv: a recording the model was trained on (the same SHA-256 as its training input data/eyes_open.csv; 1 of 1 recording evaluated), expected recordings the model has not seen"),
        "{err}"
    );
    assert!(err.contains("--allow-training-data"), "{err}");
    // the same bytes under another name are found too
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.csv");
    std::fs::copy(root().join("data/eyes_closed.csv"), &copy).unwrap();
    std::fs::copy(
        root().join("data/eyes_closed_events.csv"),
        dir.path().join("copy_events.csv"),
    )
    .unwrap();
    let copy = copy.to_str().unwrap();
    let err = one_line_error(&["evaluate", copy, "-m", "models/default.json"], 2);
    assert!(
        err.contains("copy.csv: a recording the model was trained on (the same SHA-256 as its training input data/eyes_closed.csv"),
        "{err}"
    );
    // allowed: stderr, the protocol and the report's warnings say NOT held out
    let (v, err) = evaluate_json(&[
        "data/eyes_open_then_closed.csv",
        copy,
        "-m",
        "models/default.json",
        "--permutations",
        "0",
        "--allow-training-data",
    ]);
    assert!(
        err.contains("eegi: warning: NOT HELD OUT: ") && err.contains("1 of 2 recordings"),
        "{err}"
    );
    assert!(v["protocol"].as_str().unwrap().contains("NOT held out"));
    assert!(v["warnings"][0]
        .as_str()
        .unwrap()
        .starts_with("NOT HELD OUT: "));
    // held-out recordings: no warning, the protocol is unchanged
    let (v, err) = evaluate_json(&[
        "data/eyes_open_then_closed.csv",
        "-m",
        "models/default.json",
        "--permutations",
        "0",
    ]);
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(v["protocol"], "held-out evaluation of a trained model");
}

#[test]
fn options_a_model_overrides_are_named_in_a_warning() {
    let (v, err) = evaluate_json(&[
        "data/eyes_open_then_closed.csv",
        "-m",
        "models/default.json",
        "--permutations",
        "0",
        "--epoch",
        "0:1",
        "--bandpass",
        "1-10",
        "--features",
        "bandpower",
        "--labels",
        "eyes_open,eyes_closed",
    ]);
    let line = "--epoch, --features, --bandpass ignored with -m: the model's own window, features, pre-processing and classifier are used (see eegi inspect models/default.json)";
    assert!(err.contains(&format!("eegi: warning: {line}")), "{err}");
    assert_eq!(v["warnings"][0], line);
}

#[test]
fn a_report_that_could_not_be_written_is_refused_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("missing/report.html");
    let err = one_line_error(
        &[
            "evaluate",
            "data/eyes_open.csv",
            "data/eyes_closed.csv",
            "--report",
            report.to_str().unwrap(),
        ],
        1,
    );
    assert!(err.contains("report.html: no folder"), "{err}");
    assert!(err.contains("checked before the evaluation"), "{err}");
    let err = one_line_error(
        &[
            "evaluate",
            "data/eyes_open.csv",
            "--report",
            dir.path().to_str().unwrap(),
        ],
        2,
    );
    assert!(err.contains("unknown extension"), "{err}");
}

#[test]
fn train_to_stdout_pipes_into_classify() {
    let train = eegi()
        .args([
            "train",
            "data/eyes_open.csv",
            "data/eyes_closed.csv",
            "--cv",
            "0",
            "-o",
            "-",
        ])
        .output()
        .unwrap();
    assert!(train.status.success());
    // stdout is the model file alone (it parses); the summary is on stderr
    let shipped = std::fs::read(root().join("models/default.json")).unwrap();
    let err = String::from_utf8(train.stderr).unwrap();
    assert!(err.contains("model written to stdout"), "{err}");
    let shipped: serde_json::Value = serde_json::from_slice(&shipped).unwrap();
    let piped: serde_json::Value = serde_json::from_slice(&train.stdout).unwrap();
    // the same fit as the shipped model (which differs only by its cross-validation summary)
    assert_eq!(piped["classifier"], shipped["classifier"]);
    let out = eegi()
        .args(["classify", "data/eyes_open_then_closed.csv", "-m", "-"])
        .write_stdin(train.stdout)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with("start_s,end_s,label,p_eyes_closed,p_eyes_open,true_label\n"));
    assert_eq!(csv.lines().count(), 40);
}

#[test]
fn convert_refuses_an_extension_it_does_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.fif");
    let err = one_line_error(&["convert", "data/eyes_open.csv", out.to_str().unwrap()], 2);
    assert!(
        err.contains(
            "out.fif: extension .fif, expected .csv, .txt, .vhdr, .edf or .bdf: convert writes eegi's CSV layout"
        ),
        "{err}"
    );
    assert!(!out.exists());
    let gz = dir.path().join("out.csv.gz");
    one_line_error(&["convert", "data/eyes_open.csv", gz.to_str().unwrap()], 2);
    let csv = dir.path().join("out.CSV");
    eegi()
        .args(["convert", "data/eyes_open.csv"])
        .arg(&csv)
        .assert()
        .success();
}

#[test]
fn a_permutation_p_value_states_its_resolution_and_one_recording_is_singular() {
    let out = eegi()
        .args([
            "evaluate",
            "data/eyes_open_then_closed.csv",
            "-m",
            "models/default.json",
            "--permutations",
            "10",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("38 windows, 2 classes, 1 recording; "),
        "{text}"
    );
    // one block per class in one recording: the shuffle within the recording reaches only 2
    // labellings, so no count of permutations can help, and the verdict says that instead
    assert!(
        text.contains("its events allow only 2 distinct labellings"),
        "{text}"
    );
    assert!(!text.contains("use ≥ 99 permutations"), "{text}");
}

#[test]
fn reports_state_the_pre_processing_in_words_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("r.md");
    let base = [
        "evaluate",
        "data/eyes_open.csv",
        "data/eyes_closed.csv",
        "--cv",
        "2",
        "--permutations",
        "0",
    ];
    let out = eegi()
        .args(base)
        .args(["--bandpass", "1-30", "--car", "--report"])
        .arg(&md)
        .output()
        .unwrap();
    assert!(out.status.success());
    let words =
        "band-pass 1-30 Hz (Butterworth order 4), common average reference, zero-phase filters";
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!("pre-processing: {words}\n")),
        "{text}"
    );
    // the window, features and classifier in words too
    let pipeline = "pipeline: sliding 2 s windows every 1 s; features: band power (log10 µV²) per channel, Welch 1 s segments with 50% overlap, bands delta 1-4 Hz, theta 4-8 Hz, alpha 8-13 Hz, beta 13-30 Hz, gamma 30-45 Hz; classifier: balanced L2 logistic regression, alpha 1 (scikit-learn C = 1)";
    assert!(text.contains(&format!("\n{pipeline}\n")), "{text}");
    let report = std::fs::read_to_string(&md).unwrap();
    assert!(
        report.contains(&format!("Pre-processing: {words}.")),
        "{report}"
    );
    assert!(report.contains("Pipeline: sliding 2 s windows"), "{report}");
    let (with, _) = evaluate_json(&[&base[1..], &["--bandpass", "1-30", "--car"]].concat());
    let p = &with["settings"]["preprocessing"];
    assert_eq!(p["bandpass"]["low_hz"], 1.0);
    assert_eq!(p["car"], true);
    assert_eq!(p["filter_mode"], "zero_phase");
    let (without, _) = evaluate_json(&base[1..]);
    assert_eq!(
        without["settings"]["preprocessing"]["bandpass"],
        serde_json::Value::Null
    );
    assert_ne!(with["settings"], without["settings"]);
}

#[test]
fn inspect_states_the_pre_processing() {
    let text = String::from_utf8(
        eegi()
            .args(["inspect", "models/default.json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(text.contains("\npre-processing: none\n"), "{text}");
    // features in words, not as the model file's JSON
    assert!(
        text.contains("\nfeatures: band power (log10 µV²) per channel, Welch 1 s segments"),
        "{text}"
    );
    assert!(!text.contains("{\"kind\""), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    eegi()
        .args([
            "train",
            "data/eyes_open.csv",
            "data/eyes_closed.csv",
            "--cv",
            "0",
        ])
        .args([
            "--bandpass",
            "1-30",
            "--notch",
            "50",
            "--causal-filters",
            "-o",
        ])
        .arg(&model)
        .assert()
        .success();
    let text =
        String::from_utf8(eegi().arg("inspect").arg(&model).output().unwrap().stdout).unwrap();
    assert!(
        text.contains("\npre-processing: band-pass 1-30 Hz (Butterworth order 4), notch 50 Hz (Q 30), causal filters\n"),
        "{text}"
    );
}

#[test]
fn long_helps_group_their_options_and_examples_fit_the_terminal() {
    let help = |args: &[&str]| {
        let out = eegi().args(args).env("COLUMNS", "100").output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let train = help(&["train", "--help"]);
    let mut at = 0;
    for heading in [
        "\nInput:\n",
        "\nWindows:\n",
        "\nPre-processing:\n",
        "\nFeatures:\n",
        "\nClassifier and validation:\n",
    ] {
        let i = train[at..].find(heading).map(|i| i + at);
        assert!(
            i.is_some(),
            "train --help lacks {heading:?} after byte {at}"
        );
        at = i.unwrap();
    }
    assert!(train[at..].contains("--classifier") && train[at..].contains("--cv"));
    let evaluate = help(&["evaluate", "--help"]);
    assert!(evaluate.contains("\nChance level and output:\n"));
    // --threads is global: listed once per help, not repeated by every option group
    assert_eq!(train.matches("--threads <N>").count(), 1);
    // the simulate example is two commands, each on one line a paste runs as a whole
    // in an 80-column terminal, and the folder it names is one train reads
    let out = eegi()
        .args(["simulate", "--help"])
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    let simulate = String::from_utf8(out.stdout).unwrap();
    let line = simulate
        .lines()
        .find(|l| l.trim_start().starts_with("eegi train "))
        .expect("an example train command");
    assert!(
        line.trim_end().ends_with("-o m.json")
            && line.contains("--bandpass 1-10")
            && line.contains("--features erp"),
        "{line}"
    );
    let dir = tempfile::tempdir().unwrap();
    eegi()
        .current_dir(dir.path())
        .args(["simulate", "-o", "sim", "--recordings", "2"])
        .assert()
        .success();
    let args: Vec<&str> = line.split_whitespace().skip(1).collect();
    eegi()
        .current_dir(dir.path())
        .args(&args)
        .assert()
        .success();
    assert!(dir.path().join("m.json").is_file());
}
