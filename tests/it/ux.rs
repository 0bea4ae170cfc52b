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
    assert!(err.contains("[possible values: logistic, lda]"), "{err}");
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
