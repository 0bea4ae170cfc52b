//! BrainVision reading against MNE's `read_raw_brainvision` (fixtures and MNE's values made by
//! `tests/reference/make_brainvision_fixtures.py`: pybv's INT_16 and IEEE_FLOAT_32 multiplexed
//! files, hand-written vectorised and INT_32 ones), markers as events, the files a header names
//! noted as inputs, and the commands that take a `.vhdr`.

use crate::common;

use assert_cmd::Command;
use eegi::io::open::read_format;
use eegi::io::{CsvOptions, Loaded};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/brainvision")
}

fn read(path: &Path) -> Loaded {
    read_format(path, &CsvOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn fixtures_read_to_the_values_mne_reads() {
    let reference = common::reference("brainvision_mne.json");
    let files = reference["files"].as_object().unwrap();
    assert_eq!(files.len(), 5);
    for (name, mne) in files {
        let loaded = read(&fixtures().join(name));
        let rec = &loaded.recording;
        assert_eq!(rec.sample_rate_hz, mne["sfreq"].as_f64().unwrap(), "{name}");
        assert_eq!(
            rec.n_samples() as u64,
            mne["n_samples"].as_u64().unwrap(),
            "{name}"
        );
        let channels: Vec<&str> = mne["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(rec.channel_names, channels, "{name}");
        let (mut max_diff, mut max_abs): (f64, f64) = (0.0, 0.0);
        for (c, ch) in rec.channel_names.iter().enumerate() {
            let theirs = common::floats(&mne["data_uv"][ch]);
            assert_eq!(theirs.len(), rec.n_samples(), "{name} {ch}");
            for (a, b) in rec.samples.column(c).iter().zip(&theirs) {
                max_diff = max_diff.max((a - b).abs());
                max_abs = max_abs.max(b.abs());
            }
        }
        eprintln!(
            "{name} ({}): {} channels, max |eegi - MNE| = {max_diff:e} µV (values up to {max_abs:.1} µV)",
            loaded.description,
            rec.n_channels(),
        );
        assert!(max_diff <= 1e-9, "{name}: {max_diff}");
    }
}

#[test]
fn markers_become_events_at_mne_onsets() {
    let reference = common::reference("brainvision_mne.json");
    for (name, mne) in reference["files"].as_object().unwrap() {
        let loaded = read(&fixtures().join(name));
        let fs = loaded.recording.sample_rate_hz;
        let theirs = mne["annotations"].as_array().unwrap();
        assert_eq!(loaded.events.len(), theirs.len(), "{name}");
        for (e, t) in loaded.events.iter().zip(theirs) {
            // the same data point; MNE keeps onsets to the µs (0.0390625 s reads 0.039062)
            assert_eq!(
                (e.onset_s * fs).round() as u64,
                t[3].as_u64().unwrap(),
                "{name} {e:?}"
            );
            assert!(
                (e.onset_s - t[0].as_f64().unwrap()).abs() <= 1e-6,
                "{name}: {e:?} {t}"
            );
            assert_eq!(e.label, t[2].as_str().unwrap(), "{name}");
            // one data point is an instant for eegi (MNE: 1 / rate); longer markers agree
            let d = t[1].as_f64().unwrap();
            let want = if (d * fs).round() <= 1.0 { 0.0 } else { d };
            assert!((e.duration_s - want).abs() <= 1e-9, "{name}: {e:?} {t}");
        }
    }
}

#[test]
fn header_details_and_left_out_channels() {
    let f = read(&fixtures().join("float32_multiplexed.vhdr"));
    assert_eq!(f.description, "BrainVision (IEEE_FLOAT_32, multiplexed)");
    let text: Vec<String> = f.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        text.iter()
            .any(|w| w.contains("left out: not a voltage (Temp (°C))")),
        "{text:?}"
    );
    let v = read(&fixtures().join("int16_vectorized.vhdr"));
    assert_eq!(v.description, "BrainVision (INT_16, vectorised)");
    assert_eq!(v.recording.channel_names, ["F3", "F4", "A,B"]);
    // the first New Segment dates the recording: not an event, no warning
    assert!(v.events.iter().all(|e| !e.label.starts_with("New Segment")));
    assert!(v
        .warnings
        .iter()
        .all(|w| !w.message.contains("New Segment")));
}

/// Copies a fixture's three files into `dir` (optionally renaming its stem).
fn copy_fixture(stem: &str, dir: &Path) -> PathBuf {
    for ext in ["vhdr", "vmrk", "eeg"] {
        std::fs::copy(
            fixtures().join(format!("{stem}.{ext}")),
            dir.join(format!("{stem}.{ext}")),
        )
        .unwrap();
    }
    dir.join(format!("{stem}.vhdr"))
}

#[test]
fn a_later_new_segment_warns_and_the_data_file_is_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let vhdr = copy_fixture("int32_multiplexed", dir.path());
    let vmrk = dir.path().join("int32_multiplexed.vmrk");
    let mut text = std::fs::read_to_string(&vmrk).unwrap();
    text.push_str("Mk3=New Segment,,201,1,0\r\n");
    std::fs::write(&vmrk, text).unwrap();
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .args(["info", vhdr.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("BrainVision (INT_32, multiplexed)"),
        "{stdout}"
    );
    assert!(stdout.contains("New Segment at 0.2 s"), "{stdout}");
    // converting onto the data file the header names is refused: it is an input of the run
    let eeg = dir.path().join("int32_multiplexed.eeg");
    let before = std::fs::read(&eeg).unwrap();
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .args(["convert", vhdr.to_str().unwrap()])
        .arg(dir.path().join("int32_multiplexed.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .args([
            "features",
            vhdr.to_str().unwrap(),
            "--bands",
            "a=8-13",
            "-o",
        ])
        .arg(&eeg)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("the output is an input of this run"), "{err}");
    assert_eq!(std::fs::read(&eeg).unwrap(), before);
}

#[test]
fn events_train_a_model_from_a_vhdr() {
    // the markers label epochs: train on Stimulus/S  1 against Stimulus/S  2 … of a copy whose
    // markers are many, then classify the same header
    let dir = tempfile::tempdir().unwrap();
    let vhdr = copy_fixture("int16_multiplexed", dir.path());
    let mut mk =
        String::from("Brain Vision Data Exchange Marker File, Version 1.0\r\n[Marker Infos]\r\n");
    for k in 0..16 {
        let label = if k % 2 == 0 { "S  1" } else { "S  2" };
        mk.push_str(&format!(
            "Mk{}=Stimulus,{label},{},1,0\r\n",
            k + 1,
            1 + k * 25
        ));
    }
    std::fs::write(dir.path().join("int16_multiplexed.vmrk"), mk).unwrap();
    let model = dir.path().join("m.json");
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .args([
            "train",
            vhdr.to_str().unwrap(),
            "--epoch",
            "0:0.5",
            "--bands",
            "a=4-8,b=8-13",
            "--cv",
            "0",
            "-o",
        ])
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(
        m["classes"],
        serde_json::json!(["Stimulus/S  1", "Stimulus/S  2"])
    );
    let out = Command::cargo_bin("eegi")
        .unwrap()
        .args(["classify", vhdr.to_str().unwrap(), "-m"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 17);
}

/// Writes a header, no marker file and `data` (stored values) as INT_16 in `orientation`.
fn write_int16(dir: &Path, stem: &str, orientation: &str, n_ch: usize, data: &[i16]) -> PathBuf {
    let n = data.len() / n_ch;
    let mut text = format!(
        "Brain Vision Data Exchange Header File Version 1.0\n[Common Infos]\nDataFile={stem}.eeg\nDataFormat=BINARY\nDataOrientation={orientation}\nNumberOfChannels={n_ch}\nSamplingInterval=1000\n[Binary Infos]\nBinaryFormat=INT_16\n[Channel Infos]\n"
    );
    for c in 0..n_ch {
        text.push_str(&format!("Ch{}=c{c},,0.5,µV\n", c + 1));
    }
    std::fs::write(dir.join(format!("{stem}.vhdr")), text).unwrap();
    let mut bytes = Vec::with_capacity(data.len() * 2);
    // `data` is multiplexed (point-major); vectorised stores channel-major
    for k in 0..data.len() {
        let v = if orientation == "MULTIPLEXED" {
            data[k]
        } else {
            data[(k % n) * n_ch + k / n]
        };
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(dir.join(format!("{stem}.eeg")), bytes).unwrap();
    dir.join(format!("{stem}.vhdr"))
}

#[test]
fn vectorised_and_multiplexed_agree_across_many_blocks() {
    // 3 channels × 400 000 points of INT_16: 2.4 MB, several 1 MiB blocks
    let (n_ch, n) = (3, 400_000);
    let data: Vec<i16> = (0..n * n_ch)
        .map(|i| ((i % n_ch) as i64 * 7919 + (i / n_ch) as i64 * 31) as i16)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let m = read(&write_int16(dir.path(), "m", "MULTIPLEXED", n_ch, &data));
    let v = read(&write_int16(dir.path(), "v", "VECTORIZED", n_ch, &data));
    assert_eq!(m.recording.n_samples(), n);
    assert_eq!(m.recording.samples, v.recording.samples);
    for k in [0, 1, 174_762, 174_763, n - 1] {
        for c in 0..n_ch {
            assert_eq!(
                m.recording.samples[[k, c]],
                data[k * n_ch + c] as f64 * 0.5,
                "{k} {c}"
            );
        }
    }
}

/// splitmix64, for the mutations below.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One mutation of `bytes`: a flipped byte, a token inserted, a range deleted or the end cut.
fn mutate(bytes: &mut Vec<u8>, state: &mut u64) {
    const TOKENS: &[&[u8]] = &[
        b"0",
        b"-1",
        b"NaN",
        b"1e999",
        b"99999999999999999999",
        b",",
        b"\\1",
        b"=",
        b"[",
        b"]",
        b"\r\n",
        b"\n",
        b"VECTORIZED",
        b"IEEE_FLOAT_32",
        b"INT_32",
        b"New Segment",
        b"..",
        b"\xB5V",
        b"\xFF\xFE",
    ];
    let at = (next(state) % (bytes.len() as u64 + 1)) as usize;
    match next(state) % 4 {
        0 if at < bytes.len() => bytes[at] ^= 1 << (next(state) % 8),
        1 => {
            let t = TOKENS[(next(state) % TOKENS.len() as u64) as usize];
            bytes.splice(at..at, t.iter().copied());
        }
        2 => {
            let end = (at + (next(state) % 16) as usize).min(bytes.len());
            bytes.drain(at..end);
        }
        _ => bytes.truncate(at),
    }
}

#[test]
fn mutated_triples_never_panic() {
    // 500 executions over the fixtures: header, marker file or data file mutated (1-4
    // mutations each); a read either fails with a message or gives finite samples and events
    // inside the recording
    let dir = tempfile::tempdir().unwrap();
    let stems = [
        "int16_multiplexed",
        "float32_multiplexed",
        "int16_vectorized",
        "float32_vectorized",
        "int32_multiplexed",
    ];
    let mut state = 17u64;
    let (mut ok, mut refused) = (0, 0);
    for i in 0..500 {
        let stem = stems[i % stems.len()];
        let mut files: Vec<Vec<u8>> = ["vhdr", "vmrk", "eeg"]
            .iter()
            .map(|e| std::fs::read(fixtures().join(format!("{stem}.{e}"))).unwrap())
            .collect();
        let which = (next(&mut state) % 3) as usize;
        for _ in 0..1 + next(&mut state) % 4 {
            mutate(&mut files[which], &mut state);
        }
        for (bytes, e) in files.iter().zip(["vhdr", "vmrk", "eeg"]) {
            std::fs::write(dir.path().join(format!("{stem}.{e}")), bytes).unwrap();
        }
        let path = dir.path().join(format!("{stem}.vhdr"));
        let result = std::panic::catch_unwind(|| read_format(&path, &CsvOptions::default()));
        match result {
            Err(_) => panic!("panic on input {i} ({stem}, file {which})"),
            Ok(Err(e)) => {
                assert!(!e.message.contains('\n'), "{}", e.message);
                refused += 1;
            }
            Ok(Ok(l)) => {
                let r = &l.recording;
                assert!(r.samples.iter().all(|v| v.is_finite()), "input {i}");
                let end = r.n_samples() as f64 / r.sample_rate_hz;
                assert!(
                    l.events.iter().all(|e| e.onset_s >= 0.0 && e.onset_s < end),
                    "input {i}"
                );
                ok += 1;
            }
        }
    }
    eprintln!("mutated BrainVision: {ok} read, {refused} refused");
    assert!(ok > 30 && refused > 30, "{ok} {refused}");
}

#[test]
fn convert_writes_brainvision_that_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("copy.vhdr");
    for source in ["int16_vectorized.vhdr", "float32_multiplexed.vhdr"] {
        let src = fixtures().join(source);
        let run = Command::cargo_bin("eegi")
            .unwrap()
            .arg("convert")
            .arg(&src)
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let (a, b) = (read(&src), read(&out));
        assert_eq!(b.description, "BrainVision (IEEE_FLOAT_32, multiplexed)");
        assert_eq!(a.recording.channel_names, b.recording.channel_names);
        assert_eq!(a.recording.sample_rate_hz, b.recording.sample_rate_hz);
        for (x, y) in a.recording.samples.iter().zip(b.recording.samples.iter()) {
            // the nearest 32-bit float: within 2^-24 of the value
            assert!((x - y).abs() <= x.abs() * 6e-8, "{x} {y}");
        }
        let labels = |l: &Loaded| -> Vec<(String, f64, f64)> {
            l.events
                .iter()
                .map(|e| (e.label.clone(), e.onset_s, e.duration_s))
                .collect()
        };
        assert_eq!(labels(&a), labels(&b), "{source}");
    }
    // plain labels become Comment markers; the data file is refused as an output name of a run
    // that reads it
    let csv = dir.path().join("r.csv");
    std::fs::write(&csv, "time,Cz\n0,1\n0.5,2\n1,3\n1.5,4\n").unwrap();
    std::fs::write(
        dir.path().join("r_events.csv"),
        "onset_s,duration_s,label\n0.5,1,\"eyes, closed\"\n",
    )
    .unwrap();
    let run = Command::cargo_bin("eegi")
        .unwrap()
        .arg("convert")
        .arg(&csv)
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let vmrk = std::fs::read_to_string(dir.path().join("copy.vmrk")).unwrap();
    assert!(vmrk.contains("Mk1=Comment,eyes\\1 closed,2,2,0"), "{vmrk}");
    let back = read(&out);
    assert_eq!(back.events[0].label, "Comment/eyes, closed");
    let eeg = dir.path().join("copy.eeg");
    let before = std::fs::read(&eeg).unwrap();
    let run = Command::cargo_bin("eegi")
        .unwrap()
        .arg("convert")
        .arg(&out)
        .arg(dir.path().join("copy.EEG.vhdr"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let run = Command::cargo_bin("eegi")
        .unwrap()
        .arg("convert")
        .arg(&out)
        .arg(dir.path().join("copy.vhdr"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("the output is an input of this run"));
    assert_eq!(std::fs::read(&eeg).unwrap(), before);
}
