//! The bad-input table: every malformed recording, events file, model file and option that eegi
//! must refuse with one `eegi:` line, the right exit code, no panic, and the previous output file
//! left intact (no temporary file left behind). `tests/BAD_INPUTS.md` mirrors this table; it is
//! regenerated with `EEGI_WRITE_BAD_INPUTS=1 cargo test --test it bad_inputs::` and checked
//! otherwise.

use assert_cmd::Command;
use eegi::pipeline::FittedPipeline;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A small valid recording: two channels at 10 Hz, 20 s, in µV.
fn good_recording() -> String {
    let mut s = String::from("time,Cz,Pz\n");
    for i in 0..200 {
        let t = i as f64 / 10.0;
        let amp = if t < 10.0 { 10.0 } else { 50.0 };
        s.push_str(&format!(
            "{t},{},{}\n",
            amp * (i as f64 * 1.3).sin(),
            amp * (i as f64 * 0.7).cos()
        ));
    }
    s
}

const GOOD_EVENTS: &str = "onset_s,duration_s,label\n0,10,calm\n10,10,busy\n";
const BANDS: &str = "slow=1-2,fast=2-4";

/// One bad input: the files it is made of, the command, and what the error must say.
pub(crate) struct Case {
    /// What was fed, for the table.
    pub(crate) what: &'static str,
    /// Files written into the case's folder: (name, bytes).
    pub(crate) files: Vec<(&'static str, Vec<u8>)>,
    /// Arguments after `eegi` (the output `-o out.dat` is appended, but for evaluate and
    /// convert, which have no -o).
    pub(crate) args: Vec<&'static str>,
    /// Substrings the one error line must contain.
    pub(crate) needles: Vec<&'static str>,
    /// Expected exit code.
    pub(crate) code: i32,
}

fn rec(what: &'static str, content: &[u8], needles: Vec<&'static str>) -> Case {
    Case {
        what,
        files: vec![
            ("rec.csv", content.to_vec()),
            ("rec_events.csv", GOOD_EVENTS.as_bytes().to_vec()),
        ],
        args: vec!["train", "rec.csv", "--bands", BANDS, "--cv", "0"],
        needles,
        code: 2,
    }
}

fn events(what: &'static str, content: &[u8], needles: Vec<&'static str>) -> Case {
    Case {
        what,
        files: vec![
            ("rec.csv", good_recording().into_bytes()),
            ("rec_events.csv", content.to_vec()),
        ],
        args: vec!["train", "rec.csv", "--bands", BANDS, "--cv", "0"],
        needles,
        code: 2,
    }
}

fn model(what: &'static str, content: Vec<u8>, needles: Vec<&'static str>) -> Case {
    Case {
        what,
        files: vec![
            ("rec.csv", good_recording().into_bytes()),
            ("model.json", content),
        ],
        args: vec!["classify", "rec.csv", "-m", "model.json"],
        needles,
        code: 2,
    }
}

fn usage(what: &'static str, args: Vec<&'static str>, needles: Vec<&'static str>) -> Case {
    Case {
        what,
        files: vec![
            ("rec.csv", good_recording().into_bytes()),
            ("rec_events.csv", GOOD_EVENTS.as_bytes().to_vec()),
        ],
        args,
        needles,
        code: 2,
    }
}

/// A vendor-dialect recording `name` with events beside it, read with `extra` options.
fn vendor(
    what: &'static str,
    name: &'static str,
    content: String,
    extra: Vec<&'static str>,
    needles: Vec<&'static str>,
) -> Case {
    let events = match name {
        "rec.txt" | "rec.csv" => "rec_events.csv",
        _ => "events.csv",
    };
    let mut args = vec!["train", name, "--bands", BANDS, "--cv", "0"];
    args.extend(extra);
    Case {
        what,
        files: vec![
            (name, content.into_bytes()),
            (events, GOOD_EVENTS.as_bytes().to_vec()),
        ],
        args,
        needles,
        code: 2,
    }
}

/// An OpenBCI GUI export with `header` comment lines, 2 EXG channels and `rows` samples.
fn openbci(header: &str, rows: usize) -> String {
    let mut s =
        format!("{header}Sample Index, EXG Channel 0, EXG Channel 1, Accel Channel 0, Timestamp\n");
    for i in 0..rows {
        s.push_str(&format!(
            "{}.0, {:.6}, {:.6}, 0.0, {:.3}\n",
            i % 256,
            (i as f64).sin() * 10.0,
            (i as f64).cos() * 10.0,
            1.7e9 + i as f64 / 10.0
        ));
    }
    s
}

/// BrainFlow `write_file` rows of `columns` tab-separated numbers.
fn brainflow(columns: usize, rows: usize) -> String {
    let mut s = String::new();
    for i in 0..rows {
        let cells: Vec<String> = (0..columns)
            .map(|c| format!("{:.6}", (i * columns + c) as f64 * 0.1))
            .collect();
        s.push_str(&cells.join("\t"));
        s.push('\n');
    }
    s
}

/// A muse-lsl CSV at 10 Hz with `times` as its time stamps.
fn muse_lsl(times: &[&str]) -> String {
    let mut s = String::from("timestamps,TP9,AF7,AF8,TP10,Right AUX\n");
    for (i, t) in times.iter().enumerate() {
        s.push_str(&format!("{t},{i}.5,2,3,4,5\n"));
    }
    s
}

/// A valid small model file (format 2), trained by the binary.
fn small_model(dir: &Path) -> String {
    std::fs::write(dir.join("rec.csv"), good_recording()).unwrap();
    std::fs::write(dir.join("rec_events.csv"), GOOD_EVENTS).unwrap();
    let mut c = Command::cargo_bin("eegi").unwrap();
    c.current_dir(dir)
        .args([
            "train", "rec.csv", "--bands", BANDS, "--cv", "0", "-o", "m.json",
        ])
        .assert()
        .success();
    std::fs::read_to_string(dir.join("m.json")).unwrap()
}

/// A model file edited with `edit` and re-signed, so that only the edit is wrong.
fn resigned(text: &str, edit: impl FnOnce(&mut FittedPipeline)) -> Vec<u8> {
    let mut m: FittedPipeline = serde_json::from_str(text).unwrap();
    edit(&mut m);
    m.to_json().into_bytes()
}

fn json_edit(text: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    edit(&mut v);
    serde_json::to_vec_pretty(&v).unwrap()
}

/// A recording in another format (EDF, BDF, gzip) that `train` must refuse.
fn other_format(
    what: &'static str,
    name: &'static str,
    content: Vec<u8>,
    needles: Vec<&'static str>,
) -> Case {
    Case {
        what,
        files: vec![(name, content)],
        args: vec!["train", name, "--bands", BANDS, "--cv", "0"],
        needles,
        code: 2,
    }
}

/// The EDF+ fixture with `bytes` written at `offset`.
fn patched_edf(offset: usize, bytes: &[u8]) -> Vec<u8> {
    let mut v = std::fs::read(root().join("tests/fixtures/edfplus_annotations.edf")).unwrap();
    v[offset..offset + bytes.len()].copy_from_slice(bytes);
    v
}

fn cases(model_text: &str) -> Vec<Case> {
    let long_line = {
        let mut s = b"time,Cz\n0,".to_vec();
        s.extend(std::iter::repeat_n(b'1', 2 << 20));
        s.push(b'\n');
        s
    };
    let wide_header = {
        let mut s = b"time".to_vec();
        for i in 0..5000 {
            s.extend(format!(",c{i}").as_bytes());
        }
        s.push(b'\n');
        s
    };
    let v1 = std::fs::read(root().join("tests/corpus/model/v1_default.json")).unwrap();
    vec![
        rec(
            "recording: empty file",
            b"",
            vec!["rec.csv:1:", "empty file", "expected a header"],
        ),
        rec(
            "recording: only blank lines",
            b"\n \n\n",
            vec!["rec.csv:1:", "empty file"],
        ),
        rec(
            "recording: header only",
            b"time,Cz\n",
            vec!["rec.csv:2:", "no samples"],
        ),
        rec(
            "recording: row with too few fields",
            b"time,Cz,Pz\n0,1,2\n0.1,1\n",
            vec!["rec.csv:3:", "2 fields", "expected 3 fields"],
        ),
        rec(
            "recording: row with too many fields",
            b"time,Cz\n0,1\n0.1,1,7\n",
            vec!["rec.csv:3:", "3 fields", "expected 2 fields"],
        ),
        rec(
            "recording: text in a cell",
            b"time,Cz,Pz\n0,1,2\n0.1,1,abc\n",
            vec!["rec.csv:3:3:", "'abc' in column 'Pz'", "expected a number"],
        ),
        rec(
            "recording: NaN sample",
            b"time,Cz,Pz\n0,1,2\n0.1,NaN,2\n",
            vec!["rec.csv:3:2:", "'NaN'", "finite"],
        ),
        rec(
            "recording: -inf sample",
            b"time,Cz,Pz\n0,1,2\n0.1,1,-inf\n",
            vec!["rec.csv:3:3:", "'-inf'", "finite"],
        ),
        rec(
            "recording: 1e999 (overflows to infinity)",
            b"time,Cz\n0,1\n0.1,1e999\n",
            vec!["rec.csv:3:2:", "'1e999'", "finite"],
        ),
        rec(
            "recording: empty cell",
            b"time,Cz,Pz\n0,1,\n",
            vec!["rec.csv:2:3:", "empty cell", "column 'Pz'"],
        ),
        rec(
            "recording: decimal comma in a comma file",
            b"time,Cz\n0,1,5\n0.1,2,5\n",
            vec!["rec.csv:2:", "3 fields", "expected 2 fields"],
        ),
        rec(
            "recording: duplicate channel names",
            b"time,Cz,Cz\n0,1,2\n0.1,1,2\n",
            vec!["rec.csv:1:3:", "duplicate channel name 'Cz'"],
        ),
        rec(
            "recording: empty column name",
            b"time,,Pz\n0,1,2\n0.1,1,2\n",
            vec!["rec.csv:1:2:", "empty column name"],
        ),
        rec(
            "recording: only a time column",
            b"time\n0\n0.1\n",
            vec!["rec.csv:1:", "no channel columns"],
        ),
        rec(
            "recording: irregular time column (dropped sample)",
            b"time,Cz\n0,1\n0.1,1\n0.2,1\n0.35,1\n0.4,1\n",
            vec!["rec.csv:5:1:", "regular step"],
        ),
        rec(
            "recording: time column going backwards",
            b"time,Cz\n0,1\n0.1,1\n0.2,1\n0.1,1\n",
            vec!["rec.csv:5:1:", "regular step"],
        ),
        rec(
            "recording: repeated timestamps",
            b"time,Cz\n0,1\n0,1\n0,1\n",
            vec!["rec.csv:3:1:", "regular step"],
        ),
        rec(
            "recording: one sample only",
            b"time,Cz\n0,1\n",
            vec!["rec.csv", "only one sample"],
        ),
        rec(
            "recording: time step of 1 µs (1 MHz)",
            b"time,Cz\n0,1\n0.000001,2\n0.000002,3\n",
            vec!["rec.csv:3:1:", "1000000 Hz", "at most 100000 Hz"],
        ),
        rec(
            "recording: no time column, no --sample-rate",
            b"Cz,Pz\n1,2\n3,4\n",
            vec!["rec.csv", "no `time` column", "--sample-rate"],
        ),
        rec(
            "recording: Latin-1 byte in the header",
            b"time,C\xb5z\n0,1\n0.1,2\n",
            vec!["rec.csv:1:", "not UTF-8"],
        ),
        rec(
            "recording: Latin-1 byte in a cell",
            b"time,Cz\n0,1\n0.1,2\xb5\n",
            vec!["rec.csv:3:2:", "expected a number"],
        ),
        rec(
            "recording: binary garbage (NUL bytes, PNG magic)",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            vec!["rec.csv:", "expected"],
        ),
        rec(
            "recording: unterminated quote",
            b"time,\"Cz\n0,1\n0.1,2\n",
            vec!["rec.csv:1:", "unterminated quote"],
        ),
        rec(
            "recording: a 2 MiB line (limit 1 MiB)",
            &long_line,
            vec![
                "rec.csv:2:",
                "a line longer than 1048576 bytes",
                "expected lines of at most 1048576 bytes",
            ],
        ),
        rec(
            "recording: header of 5001 columns (limit 4096)",
            &wide_header,
            vec!["rec.csv:1:", "more than 4096 columns"],
        ),
        Case {
            what: "recording: a directory to classify",
            files: vec![(
                "model.json",
                std::fs::read(root().join("models/default.json")).unwrap(),
            )],
            args: vec!["classify", ".", "-m", "model.json"],
            needles: vec![".: ", "a directory, expected a file"],
            code: 2,
        },
        Case {
            what: "recording: a folder with no recordings to train on",
            files: vec![],
            args: vec!["train", ".", "--bands", BANDS],
            needles: vec![".: ", "folder holds no recordings", "expected at least one"],
            code: 2,
        },
        usage(
            "recording: missing file",
            vec!["train", "missing.csv"],
            vec!["missing.csv", "no such file"],
        ),
        events(
            "events: empty file",
            b"",
            vec!["rec_events.csv:1:", "empty file"],
        ),
        events(
            "events: no label column",
            b"onset_s,duration_s,condition\n0,10,calm\n",
            vec!["rec_events.csv:1:", "no label column", "condition"],
        ),
        events(
            "events: text onset",
            b"onset_s,duration_s,label\n0,10,calm\nsoon,10,busy\n",
            vec!["rec_events.csv:3:1:", "onset 'soon'", "non-negative"],
        ),
        events(
            "events: negative onset",
            b"onset_s,duration_s,label\n-1,10,calm\n",
            vec!["rec_events.csv:2:1:", "onset '-1'"],
        ),
        events(
            "events: NaN duration",
            b"onset_s,duration_s,label\n0,NaN,calm\n",
            vec!["rec_events.csv:2:2:", "duration 'NaN'"],
        ),
        events(
            "events: empty label",
            b"onset_s,duration_s,label\n0,10,\n",
            vec!["rec_events.csv:2:3:", "an empty label"],
        ),
        events(
            "events: ragged row",
            b"onset_s,duration_s,label\n0,10\n",
            vec!["rec_events.csv:2:", "2 fields", "expected 3"],
        ),
        events(
            "events: header only",
            b"onset_s,duration_s,label\n",
            vec!["rec_events.csv:2:", "no events"],
        ),
        events(
            "events: Latin-1 byte",
            b"onset_s,duration_s,label\n0,10,caf\xe9\n",
            vec!["rec_events.csv:2:", "not UTF-8"],
        ),
        events(
            "events: onset 1e300 s (limit 1e9 s)",
            b"onset_s,duration_s,label\n1e300,10,calm\n",
            vec!["rec_events.csv:2:1:", "onset '1e300'", "at most 1e9"],
        ),
        events(
            "events: duration of 10^12 s (would be 10^13 sliding windows)",
            b"onset_s,duration_s,label\n0,1000000000000,calm\n",
            vec![
                "rec_events.csv:2:2:",
                "duration '1000000000000'",
                "at most 1e9",
            ],
        ),
        Case {
            what: "events: onsets past the end (epoch runs off)",
            files: vec![
                ("rec.csv", good_recording().into_bytes()),
                (
                    "rec_events.csv",
                    b"onset_s,duration_s,label\n500,0,calm\n600,0,busy\n".to_vec(),
                ),
            ],
            args: vec!["train", "rec.csv", "--epoch", "0:2", "--bands", BANDS],
            needles: vec![
                "rec.csv",
                "all 2 windows run off the recording",
                "check --epoch",
            ],
            code: 2,
        },
        model(
            "model: truncated JSON",
            model_text.as_bytes()[..200].to_vec(),
            vec![
                "model.json:",
                "EOF while parsing",
                "expected an eegi model file",
            ],
        ),
        model(
            "model: not JSON (a CSV file)",
            good_recording().into_bytes(),
            vec!["model.json:1:", "expected an eegi model file"],
        ),
        model(
            "model: a JSON array",
            b"[1, 2, 3]".to_vec(),
            vec!["model.json", "not an object"],
        ),
        model(
            "model: no format_version",
            b"{\"channels\": []}".to_vec(),
            vec!["model.json", "no format_version", "format_version 1 to 8"],
        ),
        model(
            "model: format_version 99 (from the future)",
            b"{\"format_version\": 99}".to_vec(),
            vec![
                "model.json",
                "format_version 99",
                "reads format_version 1 to 8",
                "newer eegi",
            ],
        ),
        model(
            "model: format_version 0",
            b"{\"format_version\": 0}".to_vec(),
            vec![
                "model.json",
                "format_version 0",
                "reads format_version 1 to 8",
            ],
        ),
        model(
            "model: format_version \"2\" (a string)",
            b"{\"format_version\": \"2\"}".to_vec(),
            vec!["model.json", "format_version \"2\"", "whole number"],
        ),
        model(
            "model: an intercept edited by hand",
            json_edit(model_text, |v| {
                v["classifier"]["model"]["intercepts"][0] = 1.5.into();
            }),
            vec![
                "model.json",
                "checksum",
                "does not match",
                "edited or corrupted",
            ],
        ),
        model(
            "model: format 2 without checksum",
            json_edit(model_text, |v| {
                v.as_object_mut().unwrap().remove("checksum");
            }),
            vec!["model.json", "without a checksum field"],
        ),
        model(
            "model: format 1 file with a checksum field",
            json_edit(std::str::from_utf8(&v1).unwrap(), |v| {
                v["checksum"] = "00".into();
            }),
            vec!["model.json", "format_version 1 model with a checksum"],
        ),
        model(
            "model: sample rate 1e12 Hz (re-signed)",
            resigned(model_text, |m| m.sample_rate_hz = 1e12),
            vec![
                "model.json",
                "sample_rate_hz 1000000000000",
                "at most 100000 Hz",
            ],
        ),
        model(
            "model: window of 10^12 samples (re-signed)",
            resigned(model_text, |m| {
                m.window_samples = 1_000_000_000_000;
            }),
            vec![
                "model.json",
                "window_samples 1000000000000",
                "at most 4194304",
            ],
        ),
        model(
            "model: coefficient row of the wrong length (re-signed)",
            resigned(model_text, |m| {
                if let eegi::pipeline::Classifier::LogisticRegression { model, .. } =
                    &mut m.classifier
                {
                    model.coefficients[0].pop();
                }
            }),
            vec!["model.json", "inconsistent model", "feature names"],
        ),
        model(
            "model: one class only (re-signed)",
            resigned(model_text, |m| {
                m.classes.pop();
            }),
            vec!["model.json", "inconsistent model", "1 classes"],
        ),
        model(
            "model: no channels (re-signed)",
            resigned(model_text, |m| {
                m.channels.clear();
            }),
            vec!["model.json", "0 channels"],
        ),
        model(
            "model: wrong field type",
            json_edit(model_text, |v| {
                v["sample_rate_hz"] = "fast".into();
            }),
            vec!["model.json", "invalid type", "expected an eegi model file"],
        ),
        Case {
            what: "model: 65 MiB file (limit 16 MiB, sparse)",
            files: vec![("rec.csv", good_recording().into_bytes())],
            args: vec!["classify", "rec.csv", "-m", "big.json"],
            needles: vec![
                "big.json",
                "68157440 bytes",
                "at most 16777216 bytes (16 MiB)",
            ],
            code: 2,
        },
        vendor(
            "OpenBCI GUI: no %Sample Rate line",
            "rec.txt",
            openbci("%OpenBCI Raw EXG Data\n%Number of channels = 2\n", 200),
            vec![],
            vec!["rec.txt:1:", "no `%Sample Rate = N Hz` line", "--sample-rate"],
        ),
        vendor(
            "OpenBCI GUI: sample rate that is not a number",
            "rec.txt",
            openbci("%OpenBCI Raw EXG Data\n%Sample Rate = fast Hz\n", 200),
            vec![],
            vec!["rec.txt:2:", "sample rate 'fast Hz'"],
        ),
        vendor(
            "OpenBCI GUI: row with a missing column",
            "rec.txt",
            openbci("%OpenBCI Raw EXG Data\n%Sample Rate = 10 Hz\n", 200)
                .replacen(", 0.0, 1700000000.300", ", 1700000000.300", 1),
            vec![],
            vec!["rec.txt:7:", "4 fields", "expected 5 fields"],
        ),
        vendor(
            "OpenBCI GUI: no EXG Channel column",
            "rec.txt",
            "%OpenBCI Raw EXG Data\n%Sample Rate = 10 Hz\nSample Index, Timestamp\n0, 1\n".to_string(),
            vec![],
            vec!["rec.txt:3:", "no `EXG Channel` column"],
        ),
        vendor(
            "OpenBCI GUI v4: no header row and no %Number of channels",
            "rec.txt",
            "%OpenBCI Raw EEG Data\n%Sample Rate = 10.0 Hz\n0, 1.50, 2.50, 0.000, 12:00:00.000\n"
                .to_string(),
            vec![],
            vec!["rec.txt:3:", "data without a header row", "`%Number of channels = N`"],
        ),
        vendor(
            "OpenBCI GUI v4: fewer fields than channels",
            "rec.txt",
            "%OpenBCI Raw EEG Data\n%Number of channels = 4\n%Sample Rate = 10.0 Hz\n0, 1.50, 2.50\n"
                .to_string(),
            vec![],
            vec!["rec.txt:4:", "3 fields", "at least 5 fields"],
        ),
        vendor(
            "OpenBCI GUI v4: number of channels that is not a number",
            "rec.txt",
            "%OpenBCI Raw EEG Data\n%Number of channels = eight\n%Sample Rate = 10.0 Hz\n0, 1.5\n"
                .to_string(),
            vec![],
            vec!["rec.txt:2:", "number of channels 'eight'"],
        ),
        vendor(
            "BrainFlow: no --board",
            "rec.csv",
            brainflow(24, 200),
            vec![],
            vec!["rec.csv:", "BrainFlow board file", "expected --board NAME", "cyton (id 0, 250 Hz, 8 EEG)", "muse"],
        ),
        vendor(
            "BrainFlow: unknown --board",
            "rec.csv",
            brainflow(24, 200),
            vec!["--board", "cyton-9000"],
            vec!["--board cyton-9000", "unknown board", "ganglion"],
        ),
        vendor(
            "BrainFlow: wrong column count for the board",
            "rec.csv",
            brainflow(24, 200),
            vec!["--board", "ganglion"],
            vec!["rec.csv:1:", "24 tab-separated fields", "expected 15 fields", "is --board right?"],
        ),
        vendor(
            "BrainFlow: text in an EEG column",
            "rec.csv",
            brainflow(15, 200).replacen("\n3.000000\t", "\n3.000000\tx", 1),
            vec!["--board", "ganglion"],
            vec!["rec.csv:3:2:", "'x3.100000' in column 'EXG0'", "expected a number"],
        ),
        vendor(
            "Mind Monitor: TimeStamp that is not a date",
            "rec.csv",
            "TimeStamp,RAW_TP9,RAW_AF7,Elements\n2023-11-14 22:13:20.000,800,801,\nyesterday,800,801,\n".to_string(),
            vec![],
            vec!["rec.csv:3:1:", "TimeStamp 'yesterday'", "YYYY-MM-DD"],
        ),
        vendor(
            "Mind Monitor: row with too few fields",
            "rec.csv",
            "TimeStamp,RAW_TP9,RAW_AF7,Elements\n2023-11-14 22:13:20.000,800,801,\n2023-11-14 22:13:20.100,800\n".to_string(),
            vec![],
            vec!["rec.csv:3:", "2 fields", "expected 4 fields"],
        ),
        vendor(
            "muse-lsl: one time stamp only (no rate)",
            "rec.csv",
            muse_lsl(&["1700000000.0"]),
            vec![],
            vec!["rec.csv", "only one sample", "--sample-rate"],
        ),
        vendor(
            "muse-lsl: gap in the time stamps (lost samples)",
            "rec.csv",
            muse_lsl(&["1700000000.0", "1700000000.1", "1700000000.2", "1700000000.3", "1700000000.9", "1700000001.0"]),
            vec![],
            vec!["rec.csv:6:1:", "a gap of 0.6", "samples were lost"],
        ),
        vendor(
            "muse-lsl: row with too many fields",
            "rec.csv",
            muse_lsl(&["1700000000.0", "1700000000.1"]).replacen(",5\n", ",5,6\n", 1),
            vec![],
            vec!["rec.csv:2:", "7 fields", "expected 6 fields"],
        ),
        Case {
            what: "BIDS channels.tsv: unknown status",
            files: vec![
                ("rec.csv", good_recording().into_bytes()),
                ("rec_events.csv", GOOD_EVENTS.as_bytes().to_vec()),
                ("rec_channels.tsv", b"name\ttype\tstatus\nCz\tEEG\tgood\nPz\tEEG\tflaky\n".to_vec()),
            ],
            args: vec!["train", "rec.csv", "--bands", BANDS, "--cv", "0"],
            needles: vec!["rec_channels.tsv:3:3:", "status 'flaky'", "good, bad or n/a"],
            code: 2,
        },
        Case {
            what: "BIDS channels.tsv: channel the recording lacks",
            files: vec![
                ("rec.csv", good_recording().into_bytes()),
                ("rec_events.csv", GOOD_EVENTS.as_bytes().to_vec()),
                ("rec_channels.tsv", b"name\ttype\tstatus\nCz\tEEG\tgood\nOz\tEEG\tbad\n".to_vec()),
            ],
            args: vec!["train", "rec.csv", "--bands", BANDS, "--cv", "0"],
            needles: vec!["rec_channels.tsv:3:1:", "channel 'Oz'", "does not have"],
            code: 2,
        },
        usage(
            "usage: --rename without =",
            vec!["train", "rec.csv", "--rename", "Cz"],
            vec!["--rename 'Cz'", "OLD=NEW"],
        ),
        usage(
            "usage: --channels names a missing channel",
            vec!["train", "rec.csv", "--channels", "Cz,Oz", "--bands", BANDS],
            vec!["--channels Oz", "no such channel", "Cz, Pz"],
        ),
        usage(
            "usage: --threads 0",
            vec!["--threads", "0", "train", "rec.csv"],
            vec!["--threads 0", "at least 1"],
        ),
        usage(
            "usage: --sample-rate 0",
            vec!["train", "rec.csv", "--sample-rate", "0"],
            vec!["--sample-rate 0", "positive rate"],
        ),
        usage(
            "usage: --sample-rate 1e9",
            vec!["train", "rec.csv", "--sample-rate", "1e9"],
            vec!["--sample-rate 1000000000", "at most 100000"],
        ),
        usage(
            "usage: --epoch 2:1",
            vec!["train", "rec.csv", "--epoch", "2:1"],
            vec!["usage:", "--epoch", "the end must come after the start"],
        ),
        usage(
            "usage: --cv 1",
            vec!["train", "rec.csv", "--cv", "1"],
            vec!["--cv 1", "at least 2 folds"],
        ),
        usage(
            "usage: unknown option",
            vec!["train", "rec.csv", "--frobnicate"],
            vec!["usage:", "--frobnicate"],
        ),
        usage(
            "usage: band above Nyquist",
            vec!["train", "rec.csv", "--bands", "gamma=30-45"],
            vec!["Nyquist frequency 5 Hz"],
        ),
        usage(
            "usage: --window 1e300",
            vec!["train", "rec.csv", "--window", "1e300", "--bands", BANDS],
            vec!["window"],
        ),
        other_format(
            "EDF: .edf name without an EDF header",
            "rec.edf",
            good_recording().into_bytes(),
            vec!["rec.edf: byte 0 (version)", "expected '0' and 7 spaces"],
        ),
        other_format(
            "EDF: file ends inside the header",
            "rec.edf",
            patched_edf(0, b"0       ")[..100].to_vec(),
            vec!["rec.edf: byte 100", "ends inside the 256-byte header"],
        ),
        other_format(
            "EDF: number of signals not a number",
            "rec.edf",
            patched_edf(252, b"ab  "),
            vec![
                "rec.edf: byte 252 (number of signals): 'ab'",
                "expected an integer",
            ],
        ),
        other_format(
            "EDF: header length disagrees with the number of signals",
            "rec.edf",
            patched_edf(184, b"1024    "),
            vec![
                "rec.edf: byte 184 (number of bytes in header): 1024",
                "expected 1536",
            ],
        ),
        other_format(
            "EDF: record duration 0",
            "rec.edf",
            patched_edf(244, b"0       "),
            vec![
                "rec.edf: byte 244 (duration of a data record): 0",
                "positive",
            ],
        ),
        other_format(
            "EDF: digital maximum equals digital minimum",
            "rec.edf",
            patched_edf(896, b"-32768  "),
            vec![
                "rec.edf: byte 896 (digital maximum of signal 1 'Fz')",
                "digital range",
            ],
        ),
        other_format(
            "EDF: physical minimum not a number",
            "rec.edf",
            patched_edf(776 + 8, b"x       "),
            vec![
                "rec.edf: byte 784 (physical minimum of signal 2 'Cz'): 'x'",
                "expected a number",
            ],
        ),
        other_format(
            "EDF: file ends inside a data record",
            "rec.edf",
            {
                let v = patched_edf(0, b"0       ");
                v[..v.len() - 10].to_vec()
            },
            vec![
                "the file ends inside data record 4",
                "expected 4 data records",
            ],
        ),
        other_format(
            "EDF+: annotation onset without a sign",
            "rec.edf",
            patched_edf(2560, b"x"),
            vec![
                "rec.edf: byte 2560 (annotation): onset 'x0'",
                "expected '+' or '-'",
            ],
        ),
        other_format(
            "EDF+: only annotations, no EEG signal",
            "rec.edf",
            patched_edf(736, b"degC    degC    degC    degC    "),
            vec![
                "rec.edf: no EEG signal",
                "expected at least one signal in uV",
            ],
        ),
        other_format(
            "gzip: .csv.gz that is not gzip",
            "rec.csv.gz",
            good_recording().into_bytes(),
            vec![
                "rec.csv.gz: byte 0: not gzip data",
                "expected a gzip-compressed file",
            ],
        ),
        other_format(
            "gzip: corrupt compressed data",
            "rec.csv.gz",
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage that is not deflate".to_vec(),
            vec!["rec.csv.gz: cannot read"],
        ),
        other_format(
            "gzip: cut short after MiBs of good rows (read ahead by a thread)",
            "rec.csv.gz",
            truncated_gzip(),
            vec!["rec.csv.gz: cannot read: incomplete deflate stream"],
        ),
        events(
            "events: two labels on the same samples (overlapping segments)",
            b"onset_s,duration_s,label\n0,12,calm\n10,10,busy\n",
            vec![
                "rec_events.csv:3: event 'busy' (10-20 s) overlaps rec_events.csv:2 'calm' (0-12 s)",
                "expected labelled segments whose windows do not overlap",
            ],
        ),
        Case {
            what: "events: two labels on the same segments, features",
            files: vec![
                ("rec.csv", good_recording().into_bytes()),
                (
                    "rec_events.csv",
                    b"onset_s,duration_s,label\n0,20,calm\n4,6,busy\n".to_vec(),
                ),
            ],
            args: vec!["features", "rec.csv", "--bands", BANDS],
            needles: vec![
                "rec_events.csv:3: event 'busy' (4-10 s) overlaps rec_events.csv:2 'calm' (0-20 s)",
            ],
            code: 2,
        },
        Case {
            what: "events: two labels at the same onset (the same epoch)",
            files: vec![
                ("rec.csv", good_recording().into_bytes()),
                (
                    "rec_events.csv",
                    b"onset_s,duration_s,label\n1,0,calm\n5,0,busy\n9,0,calm\n5,0,calm\n".to_vec(),
                ),
            ],
            args: vec!["train", "rec.csv", "--epoch", "0:2", "--bands", BANDS, "--cv", "0"],
            needles: vec![
                "rec_events.csv:5: event 'calm' at 5 s labels the same epoch as rec_events.csv:3 'busy'",
                "expected one label per epoch",
            ],
            code: 2,
        },
        events(
            "events: the same event twice",
            b"onset_s,duration_s,label\n0,10,calm\n10,10,busy\n10,10,busy\n",
            vec![
                "rec_events.csv:4: event 'busy' (10-20 s) repeats rec_events.csv:3",
                "expected each event once",
            ],
        ),
        events(
            "events: 100 001 events (one more than the limit)",
            &{
                let mut s = String::from("onset_s,duration_s,label\n");
                for i in 0..100_001 {
                    s.push_str(&format!("{},0,{}\n", i % 20, ["calm", "busy"][i % 2]));
                }
                s.into_bytes()
            },
            vec![
                "rec_events.csv:100002: more than 100000 events",
                "expected at most 100000 events per file",
            ],
        ),
        rec(
            "recording: both time and time_s columns",
            good_recording()
                .replacen("time,Cz,Pz", "time,time_s,Cz,Pz", 1)
                .lines()
                .enumerate()
                .map(|(i, l)| match i {
                    0 => format!("{l}\n"),
                    _ => format!("{},{l}\n", l.split(',').next().unwrap()),
                })
                .collect::<String>()
                .as_bytes(),
            vec![
                "rec.csv:1:2: a second time column 'time_s' (column 1 is 'time')",
                "expected one time column",
            ],
        ),
        vendor(
            "OpenBCI GUI: two %Sample Rate lines that disagree",
            "rec.txt",
            openbci(
                "%OpenBCI Raw EXG Data\n%Sample Rate = 10 Hz\n%Sample Rate = 250 Hz\n",
                200,
            ),
            vec![],
            vec![
                "rec.txt:3: a second `%Sample Rate` line, 250 Hz, where line 2 says 10 Hz",
                "expected one sample rate",
            ],
        ),
        Case {
            what: "classify: recording shorter than one window",
            files: vec![
                (
                    "rec.csv",
                    good_recording().lines().take(11).collect::<Vec<_>>().join("\n").into_bytes(),
                ),
                ("model.json", model_text.as_bytes().to_vec()),
            ],
            args: vec!["classify", "rec.csv", "-m", "model.json"],
            needles: vec![
                "rec.csv: 1 s long (10 samples at 10 Hz), expected at least one window of 2 s (20 samples)",
            ],
            code: 2,
        },
        Case {
            what: "features: recording shorter than one window (streamed)",
            files: vec![(
                "rec.csv",
                good_recording().lines().take(11).collect::<Vec<_>>().join("\n").into_bytes(),
            )],
            args: vec!["features", "rec.csv", "--bands", BANDS],
            needles: vec![
                "rec.csv: 1 s long (10 samples at 10 Hz), expected at least one window of 2 s (20 samples)",
            ],
            code: 2,
        },
        Case {
            what: "features: recording shorter than one window (read whole)",
            files: vec![(
                "rec.csv",
                good_recording().lines().take(11).collect::<Vec<_>>().join("\n").into_bytes(),
            )],
            args: vec!["features", "rec.csv", "--bands", BANDS, "--car"],
            needles: vec![
                "rec.csv: 1 s long (10 samples at 10 Hz), expected at least one window of 2 s (20 samples)",
            ],
            code: 2,
        },
        other_format(
            "EDF: 99999999 samples per record",
            "rec.edf",
            patched_edf(1336, b"99999999"),
            vec![
                "rec.edf: byte 1336 (number of samples per record of signal 1 'Fz'): 99999999",
                "expected at most 8388608 samples per record (2 bytes each; a data record is at most 16 MiB)",
            ],
        ),
        model(
            "model: window step 0 (re-signed)",
            resigned(model_text, |m| {
                m.window = eegi::windows::WindowSpec::Sliding {
                    window_s: 2.0,
                    step_s: 0.0,
                }
            }),
            vec!["model.json: window.step_s 0: expected a positive step in seconds"],
        ),
        model(
            "model: Welch segment longer than the window (re-signed)",
            resigned(model_text, |m| {
                if let eegi::features::FeatureSpec::BandPower(b) = &mut m.features[0] {
                    b.welch_segment_s = 100.0;
                }
            }),
            vec![
                "model.json: band_power.welch_segment_s 100 s (1000 samples) is longer than the window (20 samples)",
            ],
        ),
        model(
            "model: band above Nyquist (re-signed)",
            resigned(model_text, |m| {
                if let eegi::features::FeatureSpec::BandPower(b) = &mut m.features[0] {
                    b.bands[0].high_hz = 50.0;
                }
            }),
            vec![
                "model.json: band_power.bands: band slow=1-50 Hz reaches above the Nyquist frequency 5 Hz (sample rate 10 Hz)",
            ],
        ),
        rec(
            "recording: CR-only line endings (small file)",
            good_recording().replace('\n', "\r").as_bytes(),
            vec!["rec.csv:1: CR-only line endings (classic Mac), expected LF or CRLF line endings"],
        ),
        rec(
            "recording: CR-only line endings (over 64 KiB)",
            good_recording().repeat(10).replace('\n', "\r").as_bytes(),
            vec!["rec.csv:1: CR-only line endings (classic Mac), expected LF or CRLF line endings"],
        ),
        events(
            "events: CR-only line endings (over 4096 delimiters on the one line)",
            &{
                let mut s = String::from("onset_s,duration_s,label\r");
                for i in 0..3000 {
                    s.push_str(&format!("{i},1,calm\r"));
                }
                s.into_bytes()
            },
            vec!["rec_events.csv:1: CR-only line endings (classic Mac), expected LF or CRLF line endings"],
        ),
        usage(
            "usage: standard input given twice (train - -)",
            vec!["train", "-", "-", "--bands", BANDS, "--cv", "0"],
            vec![
                "standard input (-) given twice, as recording 1 and as recording 2",
                "expected it once",
            ],
        ),
        usage(
            "usage: standard input as the recording and as --events",
            vec!["classify", "-", "--events", "-"],
            vec!["standard input (-) given twice, as the recording and as --events"],
        ),
        events(
            "events: every trial_type n/a (BIDS's missing value)",
            b"onset\tduration\ttrial_type\n0\t10\tn/a\n10\t10\tn/a\n",
            vec![
                "rec_events.csv:2:3: every event's trial_type is n/a (BIDS's missing value)",
                "expected at least one event with a label",
            ],
        ),
        rec(
            "recording: one sample of 1e155 µV (finite; its band power is not)",
            huge_sample_recording().as_bytes(),
            vec![
                "rec.csv: window 4-6 s, feature Cz_slow: inf",
                "largest sample is 1e155 µV (channel Cz at 5.7 s, sample 57)",
                "expected samples whose power is finite (|x| < 1e150 µV)",
            ],
        ),
        Case {
            what: "EDF: physical range ±1e200 (samples of about 1e198 µV)",
            files: vec![("rec.edf", {
                let mut v = patched_edf(776, b"-1e200  ");
                v[816..824].copy_from_slice(b"1e200   ");
                v
            })],
            args: vec!["train", "rec.edf", "--epoch", "0:1", "--bands", BANDS, "--cv", "0"],
            needles: vec![
                "rec.edf: window",
                "feature Fz_slow: inf",
                "(channel Fz at",
                "expected samples whose power is finite",
            ],
            code: 2,
        },
        Case {
            what: "classify: a recording with one sample of 1e155 µV (streamed)",
            files: vec![
                ("rec.csv", huge_sample_recording().into_bytes()),
                ("model.json", model_text.as_bytes().to_vec()),
            ],
            args: vec!["classify", "rec.csv", "-m", "model.json"],
            needles: vec![
                "rec.csv: window 4-6 s, feature Cz_slow: inf",
                "(channel Cz at 5.7 s, sample 57)",
            ],
            code: 2,
        },
        model(
            "model: coefficients ±1e308 (re-signed): NaN probabilities",
            resigned(model_text, |m| {
                // standardised features near 1e10: the scores are inf - inf
                m.scaler.mean[0] = -1e10;
                m.scaler.mean[1] = -1e10;
                if let eegi::pipeline::Classifier::LogisticRegression { model, .. } =
                    &mut m.classifier
                {
                    model.coefficients[0][0] = 1e308;
                    model.coefficients[0][1] = -1e308;
                }
            }),
            vec![
                "rec.csv: window 0-2 s: class probabilities NaN, NaN",
                "expected finite probabilities",
                "largest coefficient or intercept 1e308",
            ],
        ),
        model(
            "model: coefficient 1e999 (not a finite number)",
            first_coefficient(model_text, "1e999"),
            vec!["model.json:", "a number out of range", "expected a finite number"],
        ),
        model(
            "model: scaler scale 0 (re-signed)",
            resigned(model_text, |m| m.scaler.scale[3] = 0.0),
            vec!["model.json: scaler.scale[3]: 0, expected a positive number"],
        ),
        model(
            "model: negative scaler scale (re-signed)",
            resigned(model_text, |m| m.scaler.scale[1] = -2.5),
            vec!["model.json: scaler.scale[1]: -2.5, expected a positive number"],
        ),
        model(
            "model: duplicate channel names (re-signed)",
            resigned(model_text, |m| m.channels[1] = m.channels[0].clone()),
            vec!["model.json: channels[1]: 'Cz' again (as channels[0]), expected distinct channel names"],
        ),
        model(
            "model: duplicate class names (re-signed)",
            resigned(model_text, |m| m.classes[1] = m.classes[0].clone()),
            vec!["model.json: classes[1]: 'busy' again (as classes[0]), expected distinct class names"],
        ),
        model(
            "model: empty class name (re-signed)",
            resigned(model_text, |m| m.classes[0] = String::new()),
            vec!["model.json: classes[0]: an empty name, expected a class name"],
        ),
        model(
            "model: unknown field",
            json_edit(model_text, |v| {
                v["note"] = "not covered by the checksum".into();
            }),
            vec![
                "model.json:",
                "unknown field 'note'",
                "unknown fields are refused, as the checksum does not cover them",
            ],
        ),
        model(
            "model: unknown field holding a 100 000-deep array",
            model_text
                .replacen(
                    "{\n",
                    &format!("{{\n  \"extra\": {}{},\n", "[".repeat(100_000), "]".repeat(100_000)),
                    1,
                )
                .into_bytes(),
            vec!["model.json:2:", "unknown field 'extra'", "unknown fields are refused"],
        ),
        // issue 15: usage errors keep clap's content
        usage(
            "usage: a required argument missing (train without a recording)",
            vec!["train"],
            vec![
                "usage: the following required arguments were not provided: <RECORDING>...",
                "(see eegi train --help)",
            ],
        ),
        usage(
            "usage: a value that is not one of the choices",
            vec!["train", "rec.csv", "--classifier", "LDA"],
            vec!["invalid value 'LDA'", "[possible values: logistic, lda, mdm, svm]"],
        ),
        usage(
            "usage: a misspelt option",
            vec!["train", "rec.csv", "--epochs", "0:1"],
            vec!["'--epochs'", "a similar argument exists: '--epoch'"],
        ),
        // issue 15: no silent "held-out" evaluation on training data; outputs checked first
        Case {
            what: "evaluate -m: a recording the model was trained on",
            files: vec![
                ("rec.csv", good_recording().into_bytes()),
                ("rec_events.csv", GOOD_EVENTS.as_bytes().to_vec()),
                ("model.json", model_text.as_bytes().to_vec()),
            ],
            args: vec!["evaluate", "rec.csv", "-m", "model.json"],
            needles: vec![
                "rec.csv: a recording the model was trained on (the same SHA-256 as its training input rec.csv",
                "expected recordings the model has not seen",
                "--allow-training-data",
            ],
            code: 2,
        },
        usage(
            "convert: an output extension convert does not write (.fif)",
            vec!["convert", "rec.csv", "out.fif"],
            vec!["out.fif: extension .fif, expected .csv, .txt, .vhdr, .edf or .bdf: convert writes eegi's CSV layout (with a sidecar <stem>_events.csv), BrainVision, EDF+ or BDF+"],
        ),
        Case {
            what: "convert to EDF+: a channel name longer than the 16-character label field",
            files: vec![(
                "rec.csv",
                b"time,Cz,an_electrode_named_at_length\n0,1,2\n0.5,2,3\n".to_vec(),
            )],
            args: vec!["convert", "rec.csv", "out.edf"],
            needles: vec!["out.edf: channel 'an_electrode_named_at_length' has a name of 28 characters, expected a label of at most 16 printable ASCII characters for EDF/BDF (rename it with --rename"],
            code: 2,
        },
        Case {
            what: "convert to BDF+: a channel name that is not ASCII",
            files: vec![("rec.csv", "time,Cz,Müller\n0,1,2\n0.5,2,3\n".as_bytes().to_vec())],
            args: vec!["convert", "rec.csv", "out.bdf"],
            needles: vec!["out.bdf: channel 'Müller' has the character 'ü', expected a label of at most 16 printable ASCII characters"],
            code: 2,
        },
        Case {
            code: 1, // the output cannot be written: a runtime failure, found before the work
            ..usage(
                "evaluate: --report in a folder that does not exist",
                vec!["evaluate", "rec.csv", "--bands", BANDS, "--report", "no/r.html"],
                vec!["no/r.html: no folder no, expected an existing folder to write into"],
            )
        },
        usage(
            "train: --classifier mdm on band power",
            vec!["train", "rec.csv", "--classifier", "mdm", "--cv", "0"],
            vec!["--classifier mdm: features bandpower, expected one covariance feature alone"],
        ),
        usage(
            "train: --classifier mdm on cov with the log-Euclidean metric",
            vec![
                "train", "rec.csv", "--features", "cov", "--metric", "logeuclid", "--classifier",
                "mdm", "--cv", "0",
            ],
            vec!["--classifier mdm: features cov, expected", "with --metric riemann"],
        ),
        usage(
            "train: --classifier svm with --svm-c 0",
            vec!["train", "rec.csv", "--classifier", "svm", "--svm-c", "0", "--cv", "0"],
            vec!["--svm-c 0: expected a positive penalty up to 1e10"],
        ),
        usage(
            "train: --classifier svm with --svm-gamma 0",
            vec!["train", "rec.csv", "--classifier", "svm", "--svm-gamma", "0", "--cv", "0"],
            vec!["invalid value '0' for '--svm-gamma <scale|GAMMA>'", "expected scale or a positive number"],
        ),
        Case {
            what: "train: --classifier svm on three classes",
            files: vec![
                ("rec.csv", good_recording().into_bytes()),
                (
                    "rec_events.csv",
                    b"onset_s,duration_s,label\n0,7,calm\n7,7,busy\n14,6,idle\n".to_vec(),
                ),
            ],
            args: vec![
                "train", "rec.csv", "--bands", BANDS, "--classifier", "svm", "--cv", "0",
            ],
            needles: vec!["--classifier svm: 3 classes, expected 2", "one-vs-one"],
            code: 2,
        },
        usage(
            "train: --csp-filters 0",
            vec!["train", "rec.csv", "--features", "csp", "--csp-filters", "0", "--cv", "0"],
            vec!["--csp-filters 0: expected at least 1 filter"],
        ),
        Case {
            args: vec![
                "train", "rec.csv", "--features", "cov", "--cov-estimator", "scm", "--cv", "0",
            ],
            ..rec(
                "train: cov features (scm) with a flat channel",
                flat_channel_recording().as_bytes(),
                vec!["training window 1 (of ", "channel Pz is flat (variance 0 µV²): drop it with --channels, or use --cov-estimator lwf"],
            )
        },
        model(
            "model: an mdm classifier on band-power features",
            resigned(model_text, |m| {
                m.classifier = eegi::pipeline::Classifier::Mdm {
                    settings: eegi::model::MdmSpec::default(),
                    model: eegi::model::MdmModel::new(vec![
                        vec![vec![1.0, 0.0], vec![0.0, 1.0]];
                        2
                    ]),
                };
            }),
            vec!["inconsistent model: expected each MDM class mean to be n × n with n·(n+1)/2 = 4 feature columns"],
        ),
    ]
}

/// [`good_recording`] with Pz flat (0 µV throughout).
fn flat_channel_recording() -> String {
    good_recording()
        .lines()
        .enumerate()
        .map(|(i, l)| match (i, l.rsplit_once(',')) {
            (0, _) | (_, None) => format!("{l}\n"),
            (_, Some((head, _))) => format!("{head},0\n"),
        })
        .collect()
}

/// [`good_recording`] with Cz at 5.7 s (sample 57) replaced by 1e155 µV: finite, but its
/// square overflows, so its band power is infinite.
fn huge_sample_recording() -> String {
    let mut lines: Vec<String> = good_recording().lines().map(String::from).collect();
    let mut cells: Vec<String> = lines[58].split(',').map(String::from).collect();
    cells[1] = "1e155".into();
    lines[58] = cells.join(",");
    lines.join("\n") + "\n"
}

/// The model text with its first coefficient's digits replaced by `number` (text, so that
/// it may be what no f64 holds).
fn first_coefficient(text: &str, number: &str) -> Vec<u8> {
    let at = text.find("\"coefficients\": [").unwrap();
    let start = at
        + text[at..]
            .find(|c: char| c == '-' || c.is_ascii_digit())
            .unwrap();
    let end = start + text[start..].find([',', '\n']).unwrap();
    format!("{}{number}{}", &text[..start], &text[end..]).into_bytes()
}

/// A gzip-compressed recording of several MiB with its last quarter cut off: the error comes
/// after whole chunks were decompressed and handed over, and must not read as the end.
fn truncated_gzip() -> Vec<u8> {
    use std::io::Write;
    let mut text = String::from("time,Cz,Pz\n");
    for i in 0..120_000 {
        let t = i as f64 / 10.0;
        text.push_str(&format!(
            "{t},{:.3},{:.3}\n",
            (i as f64 * 1.3).sin(),
            (i as f64 * 0.7).cos()
        ));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    let mut bytes = gz.finish().unwrap();
    bytes.truncate(bytes.len() * 3 / 4);
    bytes
}

/// Runs one case in its own folder; returns the table row.
fn run(i: usize, case: &Case, base: &Path) -> String {
    let dir = base.join(format!("case{i:02}"));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in &case.files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    if case.what.starts_with("model: 65 MiB") {
        let f = std::fs::File::create(dir.join("big.json")).unwrap();
        f.set_len(65 << 20).unwrap();
    }
    std::fs::write(dir.join("out.dat"), "previous").unwrap();
    let before = listing(&dir);
    let mut c = Command::cargo_bin("eegi").unwrap();
    c.current_dir(&dir).args(&case.args);
    // evaluate and convert have no -o: their cases name their outputs
    if !matches!(
        case.args.first().copied(),
        Some("evaluate" | "convert" | "report")
    ) {
        c.args(["-o", "out.dat"]);
    }
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let what = case.what;
    assert!(!err.contains("panicked"), "{what}: panicked: {err}");
    assert_eq!(out.status.code(), Some(case.code), "{what}: {err}");
    let errors: Vec<&str> = err
        .lines()
        .filter(|l| !l.starts_with("eegi: warning:") && !l.starts_with("eegi: note:"))
        .collect();
    assert_eq!(
        errors.len(),
        1,
        "{what}: expected one error line, got {err}"
    );
    let line = errors[0];
    assert!(line.starts_with("eegi: "), "{what}: {line}");
    for n in &case.needles {
        assert!(line.contains(n), "{what}: '{n}' not in: {line}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("out.dat")).unwrap(),
        "previous",
        "{what}: the previous output was touched"
    );
    assert_eq!(listing(&dir), before, "{what}: files were left behind");
    let shown = if line.len() > 220 {
        format!("{}…", &line[..line.char_indices().nth(220).unwrap().0])
    } else {
        line.to_string()
    };
    format!(
        "| {} | {} | `eegi {}` | `{}` | {} | kept |",
        i + 1,
        what,
        case.args.join(" "),
        shown.replace('|', "\\|"),
        case.code
    )
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn every_bad_input_gives_one_line_the_right_code_and_keeps_the_old_output() {
    let base = tempfile::tempdir().unwrap();
    let model_text = small_model(base.path());
    let mut cases = cases(&model_text);
    cases.extend(crate::bad_inputs_brainvision::cases());
    assert!(cases.len() >= 30);
    let mut table = String::from(
        "# Bad inputs eegi refuses\n\nGenerated by `tests/it/bad_inputs.rs` (`EEGI_WRITE_BAD_INPUTS=1 cargo test --test it bad_inputs::`); \
every row is a test. Each run starts with an output file `out.dat` containing `previous` \
(`-o out.dat`); after the failed run it still holds `previous` and no other file appeared.\n\n\
| # | what was fed | command | error printed (stderr) | exit | previous output |\n|---|---|---|---|---|---|\n",
    );
    for (i, case) in cases.iter().enumerate() {
        table.push_str(&run(i, case, base.path()));
        table.push('\n');
    }
    let md = root().join("tests/BAD_INPUTS.md");
    if std::env::var_os("EEGI_WRITE_BAD_INPUTS").is_some() {
        std::fs::write(&md, &table).unwrap();
    } else {
        let committed = std::fs::read_to_string(&md).unwrap_or_default();
        assert!(
            committed == table,
            "tests/BAD_INPUTS.md is out of date: regenerate with EEGI_WRITE_BAD_INPUTS=1 cargo test --test it bad_inputs::"
        );
    }
}
