//! Issue 13: in a build without the `lsl` feature (the default, no cmake needed), `eegi replay`
//! and `eegi classify --lsl` exist and fail with one line saying how to get a build with LSL.

use assert_cmd::Command;

#[test]
fn lsl_commands_say_they_need_the_lsl_feature() {
    for args in [
        vec!["replay", "rec.csv", "--lsl", "demo"],
        vec![
            "classify",
            "--lsl",
            "type='EEG'",
            "--lsl-markers",
            "type='Markers'",
        ],
    ] {
        let out = Command::cargo_bin("eegi")
            .unwrap()
            .args(&args)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("needs a build with Lab Streaming Layer support")
                && err.contains("cargo install --path . --features lsl")
                && err.contains("cmake"),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
}
