//! `eegi convert IN OUT.edf|OUT.bdf` (the EDF+/BDF+ writer, `src/io/edf/writer.rs`) against
//! MNE's reader: the files of `tests/reference/edf_writer/` and what MNE reads from them
//! (`tests/reference/edf_writer_mne.json`) come from
//! `tests/reference/make_edf_writer_reference.py`. Converting again gives the same bytes;
//! MNE's and eegi's readings equal the source within half a digital step, events included.

use crate::common;

use assert_cmd::Command;
use eegi::io::edf::{parse_fixed_header, parse_signals, EdfKind, Header};
use eegi::io::open::read_format;
use eegi::io::{read_events, CsvOptions, Loaded};
use eegi::Event;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Output file name → `eegi convert` input and options (as in the Python script).
const CASES: &[(&str, &[&str])] = &[
    (
        "eyes_4ch.edf",
        &[
            "data/eyes_open_then_closed.csv",
            "--channels",
            "Fp1,Cz,Oz,T10",
        ],
    ),
    (
        "eyes_4ch.bdf",
        &[
            "data/eyes_open_then_closed.csv",
            "--channels",
            "Fp1,Cz,Oz,T10",
        ],
    ),
    (
        "mindmonitor.edf",
        &["tests/fixtures/vendor/mindmonitor_2023-11-14--22-13-20.csv"],
    ),
    (
        "mindmonitor.bdf",
        &["tests/fixtures/vendor/mindmonitor_2023-11-14--22-13-20.csv"],
    ),
    (
        "rate_160_5.edf",
        &[
            "data/eyes_open.csv",
            "--sample-rate",
            "160.5",
            "--channels",
            "Fp1,Oz",
        ],
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn committed(name: &str) -> PathBuf {
    root().join("tests/reference/edf_writer").join(name)
}

/// Runs eegi from the repository root; panics with its stderr when it fails.
fn eegi_ok(args: &[&str], out: &Path) {
    let run = Command::cargo_bin("eegi")
        .unwrap()
        .current_dir(root())
        .args(args)
        .arg(out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// eegi's reading of a case's input (`convert` to CSV with the same options): the recording
/// and its events.
fn source(args: &[&str], dir: &Path) -> (Loaded, Vec<Event>) {
    let csv = dir.join("source.csv");
    let sidecar = dir.join("source_events.csv");
    let _ = std::fs::remove_file(&sidecar);
    let mut a = vec!["convert"];
    a.extend_from_slice(args);
    eegi_ok(&a, &csv);
    let loaded = read_format(&csv, &CsvOptions::default()).unwrap();
    let events = if sidecar.exists() {
        read_events(&sidecar).unwrap()
    } else {
        Vec::new()
    };
    (loaded, events)
}

/// The header of a written file.
fn header(path: &Path) -> Header {
    let bytes = std::fs::read(path).unwrap();
    let (mut h, ns) = parse_fixed_header(path, &bytes).unwrap();
    parse_signals(path, &mut h, ns, &bytes[256..]).unwrap();
    h
}

/// Half a digital step of each channel signal, µV (the annotation signal left out).
fn half_steps(h: &Header) -> Vec<f64> {
    h.signals
        .iter()
        .filter(|s| !s.annotations)
        .map(|s| (s.physical_max - s.physical_min) / (s.digital_max - s.digital_min) / 2.0)
        .collect()
}

/// `|a - b|` within half a step (and the rounding of the decoding's arithmetic).
fn within(a: f64, b: f64, half: f64) -> bool {
    (a - b).abs() <= half + 1e-12 * a.abs().max(1.0)
}

fn triples(events: &[Event]) -> Vec<(f64, f64, String)> {
    events
        .iter()
        .map(|e| (e.onset_s, e.duration_s, e.label.clone()))
        .collect()
}

#[test]
fn converting_again_gives_the_committed_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in CASES {
        let out = dir.path().join(name);
        let mut a = vec!["convert"];
        a.extend_from_slice(args);
        eegi_ok(&a, &out);
        assert!(
            std::fs::read(&out).unwrap() == std::fs::read(committed(name)).unwrap(),
            "{name}: converting again gives other bytes than the committed file (re-run tests/reference/make_edf_writer_reference.py if the writer changed on purpose)"
        );
    }
}

#[test]
fn mne_reads_the_source_values_and_events() {
    // long: one block of assertions per case, each against the source and the written header
    let reference = common::reference("edf_writer_mne.json");
    let files = reference["files"].as_object().unwrap();
    assert_eq!(files.len(), CASES.len());
    let dir = tempfile::tempdir().unwrap();
    let (mut worst_edf, mut worst_bdf): (f64, f64) = (0.0, 0.0);
    for (name, args) in CASES {
        let mne: &Value = &files[*name];
        let convert_args: Vec<&str> = mne["convert_args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(&convert_args, args, "{name}: the script's table differs");
        let (src, events) = source(args, dir.path());
        let rec = &src.recording;
        let h = header(&committed(name));
        let half = half_steps(&h);
        let channels: Vec<&str> = mne["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(rec.channel_names, channels, "{name}");
        assert_eq!(mne["sfreq"].as_f64().unwrap(), rec.sample_rate_hz, "{name}");
        // MNE reads whole data records: the source padded to the next record boundary
        let spr = h.signals[0].samples_per_record;
        let n = rec.n_samples();
        assert_eq!(mne["n_source"].as_u64().unwrap() as usize, n, "{name}");
        assert_eq!(
            mne["n_times"].as_u64().unwrap() as usize,
            n.div_ceil(spr) * spr,
            "{name}"
        );
        // the worst |MNE - source| over all samples, and MNE's values at the picked samples
        let worst = common::floats(&mne["max_abs_diff_uv"]);
        let padding = common::floats(&mne["max_abs_padding_diff_uv"]);
        let picks = common::usizes(&mne["picks"]);
        for (c, ch) in channels.iter().enumerate() {
            assert!(
                worst[c] <= half[c] + 1e-12 * 1e4,
                "{name} {ch}: |MNE - source| up to {} µV, half a step is {} µV",
                worst[c],
                half[c]
            );
            assert!(padding[c] <= half[c] + 1e-8, "{name} {ch}: padding");
            let theirs = common::floats(&mne["data_uv_at_picks"][c]);
            for (&i, &v) in picks.iter().zip(&theirs) {
                // MNE's values were rounded to 1e-9 µV in the JSON
                assert!(
                    within(v, rec.samples[[i, c]], half[c] + 1e-9),
                    "{name} {ch} sample {i}: MNE {v}, source {}",
                    rec.samples[[i, c]]
                );
            }
            let w = if h.kind == EdfKind::Edf {
                &mut worst_edf
            } else {
                &mut worst_bdf
            };
            *w = w.max(worst[c]);
        }
        // MNE's annotations are the source's events
        let theirs = mne["annotations"].as_array().unwrap();
        assert_eq!(theirs.len(), events.len(), "{name}");
        assert!(!events.is_empty(), "{name}: a case without events");
        for (e, t) in events.iter().zip(theirs) {
            assert!(
                (e.onset_s - t[0].as_f64().unwrap()).abs() <= 1e-6,
                "{name}: {e:?} {t}"
            );
            assert_eq!(e.duration_s, t[1].as_f64().unwrap(), "{name}: {e:?} {t}");
            assert_eq!(e.label, t[2].as_str().unwrap(), "{name}");
        }
    }
    eprintln!("worst |MNE - source|: EDF {worst_edf:e} µV, BDF {worst_bdf:e} µV");
    assert!(worst_edf > 0.0 && worst_bdf > 0.0 && worst_bdf < worst_edf / 100.0);
}

#[test]
fn eegi_reads_its_own_files_back() {
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in CASES {
        let (src, events) = source(args, dir.path());
        let path = committed(name);
        let back = read_format(&path, &CsvOptions::default()).unwrap();
        let h = header(&path);
        assert!(h.plus && !h.discontinuous, "{name}: EDF+C / BDF+C");
        assert_eq!(
            back.description,
            if name.ends_with(".bdf") {
                "BDF+"
            } else {
                "EDF+"
            }
        );
        let (a, b) = (&src.recording, &back.recording);
        assert_eq!(a.channel_names, b.channel_names, "{name}");
        assert_eq!(a.sample_rate_hz, b.sample_rate_hz, "{name}");
        let spr = h.signals[0].samples_per_record;
        assert_eq!(b.n_samples(), a.n_samples().div_ceil(spr) * spr, "{name}");
        let half = half_steps(&h);
        for (c, &half) in half.iter().enumerate() {
            let last = a.samples[[a.n_samples() - 1, c]];
            for i in 0..b.n_samples() {
                // past the source's end: the padding repeats its last sample
                let want = if i < a.n_samples() {
                    a.samples[[i, c]]
                } else {
                    last
                };
                let got = b.samples[[i, c]];
                assert!(
                    within(got, want, half),
                    "{name} {} sample {i}: {got} for {want} (half a step {half})",
                    a.channel_names[c],
                );
            }
        }
        assert_eq!(triples(&back.events), triples(&events), "{name}");
    }
}

#[test]
fn other_extensions_and_long_labels_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let refused = |args: &[&str], out: &Path| -> String {
        let run = Command::cargo_bin("eegi")
            .unwrap()
            .current_dir(root())
            .args(args)
            .arg(out)
            .output()
            .unwrap();
        let err = String::from_utf8(run.stderr).unwrap();
        assert_eq!(run.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(!out.exists(), "{}", out.display());
        err
    };
    let fif = dir.path().join("out.fif");
    let err = refused(&["convert", "data/eyes_open.csv"], &fif);
    assert!(
        err.contains("out.fif: extension .fif, expected .csv, .txt, .vhdr, .edf or .bdf"),
        "{err}"
    );
    // a channel name longer than the 16-byte label field
    let csv = dir.path().join("long.csv");
    std::fs::write(
        &csv,
        "time,Cz,an_electrode_named_at_length\n0,1,-7.25\n0.5,2,-7.25\n",
    )
    .unwrap();
    let edf = dir.path().join("long.EDF");
    let err = refused(&["convert", csv.to_str().unwrap()], &edf);
    assert!(
        err.contains("channel 'an_electrode_named_at_length' has a name of 28 characters, expected a label of at most 16 printable ASCII characters"),
        "{err}"
    );
    // --rename makes it fit; the upper-case extension still writes EDF+
    let run = Command::cargo_bin("eegi")
        .unwrap()
        .args(["convert", csv.to_str().unwrap(), "--rename"])
        .arg("an_electrode_named_at_length=Pz")
        .arg(&edf)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let back = read_format(&edf, &CsvOptions::default()).unwrap();
    assert_eq!(back.description, "EDF+");
    assert_eq!(back.recording.channel_names, ["Cz", "Pz"]);
    // 2 Hz: records of 1 s hold 2 samples; the flat channel gets a ±1 µV range
    assert_eq!(back.recording.sample_rate_hz, 2.0);
    let h = header(&edf);
    assert_eq!(
        (h.signals[1].physical_min, h.signals[1].physical_max),
        (-8.25, -6.25)
    );
    let half = half_steps(&h);
    for (i, want) in [(0, [1.0, -7.25]), (1, [2.0, -7.25])] {
        for c in 0..2 {
            let got = back.recording.samples[[i, c]];
            assert!(within(got, want[c], half[c]), "{i} {c}: {got}");
        }
    }
    // a non-ASCII channel name is refused, naming it
    let csv = dir.path().join("greek.csv");
    std::fs::write(&csv, "time,Cz,α\n0,1,2\n0.5,2,3\n").unwrap();
    let err = refused(
        &["convert", csv.to_str().unwrap()],
        &dir.path().join("g.bdf"),
    );
    assert!(err.contains("channel 'α' has the character 'α'"), "{err}");
}
