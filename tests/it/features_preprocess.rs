//! `eegi features` pre-processes recordings exactly as train and classify do: its output equals
//! the feature matrix `train` fits on (options or `-m MODEL`).

use assert_cmd::Command;
use eegi::features::{ErpSpec, FeatureSpec, XdawnSpec};
use eegi::io::{read_events, read_recording, CsvOptions};
use eegi::pipeline::{LabelledRecording, PipelineSpec};
use eegi::preprocess::{BandPass, Baseline, FilterMode, Preprocessing};
use eegi::windows::WindowSpec;

fn eegi() -> Command {
    Command::cargo_bin("eegi").unwrap()
}

/// The numbers of a features CSV, one row per window (label kept).
fn read_csv(text: &str) -> (Vec<String>, Vec<(String, Vec<f64>)>) {
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .skip(4)
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[3].to_string(),
                f[4..].iter().map(|v| v.parse().unwrap()).collect(),
            )
        })
        .collect();
    (header, rows)
}

#[test]
fn features_equal_what_train_sees() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    eegi()
        .arg("simulate")
        .arg("-o")
        .arg(d)
        .args(["--recordings", "2", "--trials", "40", "--sample-rate", "64"])
        .assert()
        .success();
    let files = [d.join("sim01.csv"), d.join("sim02.csv")];
    let inputs: Vec<LabelledRecording> = files
        .iter()
        .map(|f| {
            let ev = f.with_file_name(format!(
                "{}_events.csv",
                f.file_stem().unwrap().to_string_lossy()
            ));
            LabelledRecording {
                recording: read_recording(f, &CsvOptions::default()).unwrap(),
                events: read_events(&ev).unwrap(),
                events_path: ev,
            }
        })
        .collect();
    let pre = Preprocessing {
        resample_hz: None,
        car: true,
        bandpass: Some(BandPass {
            low_hz: 1.0,
            high_hz: 10.0,
            order: 4,
        }),
        notch: None,
        filter_mode: FilterMode::ZeroPhase,
        baseline: Some(Baseline {
            start_s: 0.0,
            end_s: 0.1,
        }),
        reject_uv: Some(15.0),
    };
    let cli = [
        "--epoch",
        "0:0.8",
        "--labels",
        "robot_error,ok",
        "--bandpass",
        "1-10",
        "--car",
        "--baseline",
        "0:0.1",
        "--reject-uv",
        "15",
    ];
    for (kinds, specs) in [
        (
            "erp",
            vec![FeatureSpec::Erp(ErpSpec {
                rate_hz: 20.0,
                channels: None,
            })],
        ),
        (
            "erp,xdawn",
            vec![
                FeatureSpec::Erp(ErpSpec {
                    rate_hz: 20.0,
                    channels: None,
                }),
                FeatureSpec::Xdawn(XdawnSpec {
                    n_filters: 4,
                    rate_hz: 20.0,
                    fitted: None,
                }),
            ],
        ),
    ] {
        let spec = PipelineSpec {
            window: WindowSpec::Epoch {
                start_s: 0.0,
                end_s: 0.8,
            },
            preprocessing: pre.clone(),
            features: specs,
            labels: Some(vec!["robot_error".into(), "ok".into()]),
            classifier: eegi::model::LogisticSpec::default().into(),
        };
        let set = spec.training_set(&inputs).unwrap();
        assert!(
            set.dropped.rejected_amplitude > 0,
            "the test exercises --reject-uv"
        );
        let check = |out: &std::process::Output, what: &str| {
            assert!(
                out.status.success(),
                "{what}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let (names, rows) = read_csv(&String::from_utf8_lossy(&out.stdout));
            assert_eq!(names, set.features.names, "{what}");
            assert_eq!(rows.len(), set.windows.len(), "{what}");
            for (i, (label, row)) in rows.iter().enumerate() {
                assert_eq!(Some(label), set.windows[i].label.as_ref(), "{what}");
                assert_eq!(row, &set.features.matrix.row(i).to_vec(), "{what}: row {i}");
            }
        };
        let out = eegi()
            .arg("features")
            .args(&files)
            .args(cli)
            .args(["--features", kinds, "-o", "-"])
            .output()
            .unwrap();
        check(&out, kinds);
        // and from the model train writes
        let model = d.join("m.json");
        eegi()
            .arg("train")
            .args(&files)
            .args(cli)
            .args([
                "--features",
                kinds,
                "--classifier",
                "lda",
                "--cv",
                "0",
                "-o",
            ])
            .arg(&model)
            .assert()
            .success();
        let out = eegi()
            .arg("features")
            .args(&files)
            .args(["--labels", "robot_error,ok", "-m"])
            .arg(&model)
            .args(["-o", "-"])
            .output()
            .unwrap();
        if kinds == "erp" {
            check(&out, "features -m");
        } else {
            // the model's fitted filters: the same as fitting on every training window
            check(&out, "features -m (xdawn)");
        }
    }
}
