//! EDF/BDF reading against MNE's reader (fixtures and MNE's values made by
//! `tests/reference/make_edf_fixtures.py`), EDF+ annotations as events, and EDF recordings that
//! train to the same model as the same values in CSV.

use crate::common;

use assert_cmd::Command;
use common::edf_writer::{self, Signal};
use eegi::io::open::read_format as read_any;
use eegi::io::{CsvOptions, Loaded};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> Loaded {
    read_any(path, &CsvOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn fixtures_read_to_the_values_mne_reads() {
    let reference = common::reference("edf_mne.json");
    let files = reference["files"].as_object().unwrap();
    assert_eq!(files.len(), 3);
    for (name, mne) in files {
        let loaded = read(&root().join("tests/fixtures").join(name));
        let rec = &loaded.recording;
        assert_eq!(rec.sample_rate_hz, mne["sfreq"].as_f64().unwrap(), "{name}");
        assert_eq!(
            rec.n_samples() as u64,
            mne["n_samples"].as_u64().unwrap(),
            "{name}"
        );
        let mut max_diff: f64 = 0.0;
        let mut max_abs: f64 = 0.0;
        for (c, ch) in rec.channel_names.iter().enumerate() {
            let theirs = common::floats(&mne["data_uv"][ch]);
            assert_eq!(theirs.len(), rec.n_samples(), "{name} {ch}");
            for (a, b) in rec.samples.column(c).iter().zip(&theirs) {
                max_diff = max_diff.max((a - b).abs());
                max_abs = max_abs.max(b.abs());
            }
        }
        eprintln!(
            "{name} ({}): {} channels {:?}, max |eegi - MNE| = {max_diff:e} µV (values up to {max_abs:.1} µV)",
            loaded.description,
            rec.n_channels(),
            rec.channel_names
        );
        assert!(max_diff <= 1e-9, "{name}: {max_diff}");
    }
    // mixed rates: the 50 Hz signal and the one in degC are left out, with a warning each
    let mixed = read(&root().join("tests/fixtures/mixed_rates.edf"));
    assert_eq!(mixed.recording.channel_names, ["F3", "F4", "P3"]);
    let text: Vec<String> = mixed.warnings.iter().map(|w| w.to_string()).collect();
    assert!(text.iter().any(|w| w.contains("Resp (50 Hz)")), "{text:?}");
    assert!(text.iter().any(|w| w.contains("Temp (degC)")), "{text:?}");
}

#[test]
fn annotations_become_events_with_mne_onsets() {
    let reference = common::reference("edf_mne.json");
    for (name, mne) in reference["files"].as_object().unwrap() {
        let loaded = read(&root().join("tests/fixtures").join(name));
        let theirs = mne["annotations"].as_array().unwrap();
        assert_eq!(loaded.events.len(), theirs.len(), "{name}");
        for (e, t) in loaded.events.iter().zip(theirs) {
            assert!(
                (e.onset_s - t[0].as_f64().unwrap()).abs() <= 1e-9,
                "{name}: {e:?} {t}"
            );
            assert!(
                (e.duration_s - t[1].as_f64().unwrap()).abs() <= 1e-9,
                "{name}: {e:?} {t}"
            );
            assert_eq!(e.label, t[2].as_str().unwrap(), "{name}");
        }
    }
    let edf = read(&root().join("tests/fixtures/edfplus_annotations.edf"));
    assert_eq!(edf.description, "EDF+");
    let labels: Vec<&str> = edf.events.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["left", "right", "left", "rest"]);
}

#[test]
fn physical_minimum_above_maximum_scales_linearly() {
    // physical 100..-100 over digital -100..100: an inverted signal, digital 50 → -50 µV
    let s = Signal {
        label: "Cz".into(),
        dimension: "mV".into(),
        physical_min: 0.1,
        physical_max: -0.1,
        digital_min: -100,
        digital_max: 100,
        samples_per_record: 4,
        samples: vec![-100, 0, 50, 100, 1, 2, 3, 4],
    };
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("inv.edf");
    std::fs::write(&p, edf_writer::write(false, false, 1.0, &[s], &[])).unwrap();
    let r = read(&p).recording;
    let got: Vec<f64> = r.samples.column(0).to_vec();
    let want = [100.0, 0.0, -50.0, -100.0, -1.0, -2.0, -3.0, -4.0];
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-9, "{got:?}");
    }
    assert_eq!(r.sample_rate_hz, 4.0);
}

#[test]
fn gzip_compressed_edf_reads_like_edf() {
    use std::io::Write;
    let src = root().join("tests/fixtures/bdfplus_annotations.bdf");
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("x.bdf.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&std::fs::read(&src).unwrap()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let a = read(&src);
    let b = read(&gz);
    assert_eq!(a.recording.samples, b.recording.samples);
    assert_eq!(a.events, b.events);
    assert_eq!(b.description, "BDF+ (gzip)");
}

/// Reads an integer-valued eegi CSV (µV) into per-channel digital samples.
fn csv_as_integers(path: &Path) -> (Vec<String>, Vec<Vec<i32>>) {
    let rec = read(path).recording;
    let cols = (0..rec.n_channels())
        .map(|c| {
            rec.samples
                .column(c)
                .iter()
                .map(|&v| {
                    assert!(
                        v.fract() == 0.0 && v.abs() < 32768.0,
                        "{v} is not a 16-bit integer"
                    );
                    v as i32
                })
                .collect()
        })
        .collect();
    (rec.channel_names, cols)
}

/// Writes `csv` (integer µV, `fs` Hz) and its sidecar events as an EDF+ file with 1 s records.
fn csv_to_edf(csv: &Path, events_csv: &Path, fs: usize, out: &Path) {
    let (names, cols) = csv_as_integers(csv);
    let signals: Vec<Signal> = names
        .iter()
        .zip(cols)
        .map(|(n, c)| Signal::identity(n, false, fs, c))
        .collect();
    let events: Vec<(f64, f64, String)> = eegi::io::read_events(events_csv)
        .unwrap()
        .into_iter()
        .map(|e| (e.onset_s, e.duration_s, e.label))
        .collect();
    std::fs::write(out, edf_writer::write(false, true, 1.0, &signals, &events)).unwrap();
}

fn eegi(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "eegi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A model file without what names its input files (paths, hashes, the checksum over them).
fn without_inputs(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("checksum");
    let t = o["training"].as_object_mut().unwrap();
    t.remove("inputs");
    for w in t["warnings"].as_array_mut().unwrap() {
        w.as_object_mut().unwrap().remove("file");
    }
    v
}

/// Converts recordings to EDF+ (annotations from their sidecars), trains on the EDF files (no
/// sidecar beside them) and on their conversion back to CSV, and checks the two models agree
/// byte for byte apart from the input file names and hashes.
fn edf_and_csv_train_alike(sources: &[(PathBuf, PathBuf)], fs: usize, train_args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let (edf_dir, csv_dir) = (dir.path().join("edf"), dir.path().join("csv"));
    std::fs::create_dir_all(&edf_dir).unwrap();
    std::fs::create_dir_all(&csv_dir).unwrap();
    let mut edfs = Vec::new();
    let mut csvs = Vec::new();
    for (csv, events) in sources {
        let stem = csv.file_stem().unwrap().to_str().unwrap();
        let edf = edf_dir.join(format!("{stem}.edf"));
        csv_to_edf(csv, events, fs, &edf);
        let back = csv_dir.join(format!("{stem}.csv"));
        eegi(
            dir.path(),
            &["convert", edf.to_str().unwrap(), back.to_str().unwrap()],
        );
        assert!(csv_dir.join(format!("{stem}_events.csv")).is_file());
        edfs.push(edf.to_str().unwrap().to_string());
        csvs.push(back.to_str().unwrap().to_string());
    }
    let train = |files: &[String], model: &str| {
        let mut args: Vec<&str> = vec!["train"];
        args.extend(files.iter().map(|s| s.as_str()));
        args.extend(train_args);
        args.extend(["-o", model]);
        eegi(dir.path(), &args);
    };
    train(&edfs, "edf.json");
    train(&csvs, "csv.json");
    let a = serde_json::to_string(&without_inputs(&dir.path().join("edf.json"))).unwrap();
    let b = serde_json::to_string(&without_inputs(&dir.path().join("csv.json"))).unwrap();
    assert!(a == b, "the EDF and CSV models differ");
    eprintln!(
        "{} recordings: the model from EDF+ equals the model from CSV ({} bytes, inputs aside)",
        sources.len(),
        a.len()
    );
}

#[test]
fn the_shipped_sample_as_edf_trains_the_default_model() {
    let data = root().join("data");
    let sources: Vec<(PathBuf, PathBuf)> = ["eyes_open", "eyes_closed"]
        .iter()
        .map(|s| {
            (
                data.join(format!("{s}.csv")),
                data.join(format!("{s}_events.csv")),
            )
        })
        .collect();
    edf_and_csv_train_alike(&sources, 160, &[]);
    // and the values are exactly the sample's: the model equals the shipped default too
    let dir = tempfile::tempdir().unwrap();
    let edf = dir.path().join("eyes_open.edf");
    csv_to_edf(&sources[0].0, &sources[0].1, 160, &edf);
    assert_eq!(
        read(&edf).recording.samples,
        read(&sources[0].0).recording.samples
    );
}

#[test]
fn eegmmidb_as_edf_trains_the_same_model_as_csv() {
    let Some(rec) = common::shared_dir("eegmmidb_s001/recordings") else {
        return;
    };
    let sources: Vec<(PathBuf, PathBuf)> = ["S001R04", "S001R08", "S001R12"]
        .iter()
        .map(|s| {
            (
                rec.join(format!("{s}.csv")),
                rec.join(format!("{s}_events.csv")),
            )
        })
        .collect();
    edf_and_csv_train_alike(
        &sources,
        160,
        &[
            "--epoch",
            "0.5:2.5",
            "--labels",
            "imagined_left_fist,imagined_right_fist",
        ],
    );
}

#[test]
fn streaming_classify_reads_edf_and_gzip_like_csv() {
    use std::io::Write;
    let data = root().join("data");
    let dir = tempfile::tempdir().unwrap();
    let edf = dir.path().join("rec.edf");
    csv_to_edf(
        &data.join("eyes_open_then_closed.csv"),
        &data.join("eyes_open_then_closed_events.csv"),
        160,
        &edf,
    );
    let gz = dir.path().join("rec.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&std::fs::read(data.join("eyes_open_then_closed.csv")).unwrap())
        .unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let csv = data.join("eyes_open_then_closed.csv");
    // the same predictions whatever the format (true labels depend on the events each has:
    // the CSV's sidecar, the EDF+'s annotations, none for the gzip copy in the temp folder)
    let run = |p: &Path| {
        eegi(
            dir.path(),
            &["classify", p.to_str().unwrap(), "--no-true-label"],
        )
        .stdout
    };
    let want = run(&csv);
    assert!(want.len() > 1000);
    assert_eq!(run(&edf), want);
    assert_eq!(run(&gz), want);
    // the EDF+'s annotations give the true labels, as the CSV's sidecar does
    let with_truth = |p: &Path| eegi(dir.path(), &["classify", p.to_str().unwrap()]).stdout;
    let csv_truth = with_truth(&csv);
    assert!(String::from_utf8_lossy(&csv_truth)
        .lines()
        .next()
        .unwrap()
        .ends_with(",true_label"));
    assert_eq!(with_truth(&edf), csv_truth);
    // standard input is sniffed too
    let piped = Command::cargo_bin("eegi")
        .unwrap()
        .args(["classify", "-"])
        .write_stdin(std::fs::read(&edf).unwrap())
        .output()
        .unwrap();
    assert_eq!(piped.stdout, want);
}

#[test]
fn info_and_convert_describe_an_annotated_edf() {
    let dir = tempfile::tempdir().unwrap();
    let edf = root().join("tests/fixtures/edfplus_annotations.edf");
    let out = eegi(dir.path(), &["info", edf.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "EDF+");
    assert_eq!(v["sample_rate_hz"], 128.0);
    assert_eq!(v["n_samples"], 512);
    assert_eq!(v["duration_s"], 4.0);
    assert_eq!(v["events"]["left"], 2);
    assert_eq!(v["events_source"], "annotations in the file");
    let text = eegi(dir.path(), &["info", edf.to_str().unwrap()]).stdout;
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("format: EDF+"), "{text}");
    assert!(
        text.contains("events (4, from annotations in the file): left 2, rest 1, right 1"),
        "{text}"
    );
    eegi(dir.path(), &["convert", edf.to_str().unwrap(), "out.csv"]);
    let back = read(&dir.path().join("out.csv"));
    assert_eq!(back.recording.samples, read(&edf).recording.samples);
    assert_eq!(back.recording.sample_rate_hz, 128.0);
    let events = eegi::io::read_events(&dir.path().join("out_events.csv")).unwrap();
    assert_eq!(events.len(), 4);
    assert_eq!(events[1].onset_s, 1.75);
}
