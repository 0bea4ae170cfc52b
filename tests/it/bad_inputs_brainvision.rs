//! The BrainVision and study rows of the bad-input table (`bad_inputs.rs` runs them and writes
//! `tests/BAD_INPUTS.md`): broken headers, marker files and data files that `train` must
//! refuse with one line naming the file, line and key.

use crate::bad_inputs::Case;

/// A valid header: 2 channels at 100 Hz, INT_16, multiplexed.
const VHDR: &str = "Brain Vision Data Exchange Header File Version 1.0\r\n\
[Common Infos]\r\n\
Codepage=UTF-8\r\n\
DataFile=rec.eeg\r\n\
MarkerFile=rec.vmrk\r\n\
DataFormat=BINARY\r\n\
DataOrientation=MULTIPLEXED\r\n\
NumberOfChannels=2\r\n\
SamplingInterval=10000\r\n\
\r\n\
[Binary Infos]\r\n\
BinaryFormat=INT_16\r\n\
\r\n\
[Channel Infos]\r\n\
Ch1=Cz,,0.1,µV\r\n\
Ch2=Pz,,0.1,µV\r\n";

/// A valid marker file: two markers.
const VMRK: &str = "Brain Vision Data Exchange Marker File, Version 1.0\r\n\
[Marker Infos]\r\n\
Mk1=Stimulus,S  1,101,1,0\r\n\
Mk2=Stimulus,S  2,1001,1,0\r\n";

/// 20 s of 2 channels at 100 Hz, INT_16.
fn eeg() -> Vec<u8> {
    (0..2000 * 2)
        .flat_map(|i: i32| (((i * 37) % 2001) as i16 - 1000).to_le_bytes())
        .collect()
}

/// A case from a header, marker file and data file (`None`: the file is absent).
fn bv(
    what: &'static str,
    vhdr: String,
    vmrk: Option<&str>,
    eeg: Option<Vec<u8>>,
    needles: Vec<&'static str>,
) -> Case {
    let mut files = vec![("rec.vhdr", vhdr.into_bytes())];
    if let Some(m) = vmrk {
        files.push(("rec.vmrk", m.as_bytes().to_vec()));
    }
    if let Some(e) = eeg {
        files.push(("rec.eeg", e));
    }
    Case {
        what,
        files,
        args: vec![
            "train",
            "rec.vhdr",
            "--epoch",
            "0:1",
            "--bands",
            "slow=1-2,fast=2-4",
            "--cv",
            "0",
        ],
        needles,
        code: 2,
    }
}

/// A valid triple with `from` replaced by `to` in the header.
fn header_edit(what: &'static str, from: &str, to: &str, needles: Vec<&'static str>) -> Case {
    assert!(VHDR.contains(from), "{from}");
    bv(
        what,
        VHDR.replacen(from, to, 1),
        Some(VMRK),
        Some(eeg()),
        needles,
    )
}

/// The BrainVision rows, in table order.
pub(crate) fn cases() -> Vec<Case> {
    let mut truncated = eeg();
    truncated.truncate(truncated.len() - 3);
    let mut float_nan = Vec::new();
    for i in 0..400 {
        let v: f32 = if i == 123 { f32::NAN } else { i as f32 };
        float_nan.extend(v.to_le_bytes());
    }
    vec![
        bv(
            "BrainVision: .eeg cut inside a data point",
            VHDR.into(),
            Some(VMRK),
            Some(truncated),
            vec!["rec.eeg: 7997 bytes, not a whole number of data points of 4 bytes (2 channels × 2 bytes (INT_16))", "(truncated?)"],
        ),
        header_edit(
            "BrainVision: .eeg shorter than DataPoints says",
            "SamplingInterval=10000",
            "SamplingInterval=10000\r\nDataPoints=2500",
            vec!["rec.eeg: 8000 bytes, expected 10000: DataPoints=2500 (line 10 of rec.vhdr)"],
        ),
        bv(
            "BrainVision: the .eeg is missing",
            VHDR.into(),
            Some(VMRK),
            None,
            vec!["rec.vhdr:4: DataFile: rec.eeg: no such file, expected the data file beside the header"],
        ),
        header_edit(
            "BrainVision: DataFile outside the header's folder",
            "DataFile=rec.eeg",
            "DataFile=../rec.eeg",
            vec!["rec.vhdr:4: DataFile=../rec.eeg, expected a file name inside the header's folder (no absolute path, no ..)"],
        ),
        header_edit(
            "BrainVision: DataFormat=ASCII",
            "DataFormat=BINARY",
            "DataFormat=ASCII",
            vec!["rec.vhdr:6: DataFormat=ASCII, expected BINARY"],
        ),
        header_edit(
            "BrainVision: BinaryFormat=UINT_16",
            "INT_16",
            "UINT_16",
            vec!["rec.vhdr:12: BinaryFormat=UINT_16, expected INT_16, INT_32 or IEEE_FLOAT_32"],
        ),
        header_edit(
            "BrainVision: no BinaryFormat",
            "BinaryFormat=INT_16\r\n",
            "",
            vec!["rec.vhdr: no BinaryFormat in [Binary Infos]"],
        ),
        header_edit(
            "BrainVision: NumberOfChannels=0",
            "NumberOfChannels=2",
            "NumberOfChannels=0",
            vec!["rec.vhdr:8: NumberOfChannels=0, expected a number of channels from 1 to 4096"],
        ),
        header_edit(
            "BrainVision: NumberOfChannels=1000000 (past the limit)",
            "NumberOfChannels=2",
            "NumberOfChannels=1000000",
            vec!["rec.vhdr:8: NumberOfChannels=1000000, expected a number of channels from 1 to 4096"],
        ),
        header_edit(
            "BrainVision: a channel line missing",
            "Ch2=Pz,,0.1,µV\r\n",
            "",
            vec!["rec.vhdr: no Ch2 in [Channel Infos], expected one line per channel (NumberOfChannels=2, line 8)"],
        ),
        header_edit(
            "BrainVision: resolution that is not a number",
            "Cz,,0.1,",
            "Cz,,abc,",
            vec!["rec.vhdr:15: Ch1=Cz,,abc,µV, expected a resolution (third field) that is a positive number, not 'abc'"],
        ),
        header_edit(
            "BrainVision: resolution 0",
            "Pz,,0.1,",
            "Pz,,0,",
            vec!["rec.vhdr:16: Ch2=Pz,,0,µV, expected a resolution"],
        ),
        header_edit(
            "BrainVision: SamplingInterval=0",
            "SamplingInterval=10000",
            "SamplingInterval=0",
            vec!["rec.vhdr:9: SamplingInterval=0, expected the µs between samples"],
        ),
        header_edit(
            "BrainVision: a key given twice",
            "DataOrientation=MULTIPLEXED\r\n",
            "DataOrientation=MULTIPLEXED\r\nDataOrientation=VECTORIZED\r\n",
            vec!["rec.vhdr:8: DataOrientation given again in [Common Infos] (also line 7), expected each key once"],
        ),
        bv(
            "BrainVision: .vhdr name without a BrainVision header",
            "time,Cz\n0,1\n".into(),
            None,
            None,
            vec!["rec.vhdr: byte 0 (version): 'time,Cz?', expected 'Brain Vision Data Exchange Header File'"],
        ),
        bv(
            "BrainVision: marker past the last data point",
            VHDR.into(),
            Some(&VMRK.replace("1001,1,0", "2001,1,0")),
            Some(eeg()),
            vec!["rec.vmrk:4: Mk2=Stimulus,S  2,2001,1,0, expected a position (third field) from 1 to 2000"],
        ),
        bv(
            "BrainVision: marker position 0 (positions count from 1)",
            VHDR.into(),
            Some(&VMRK.replace("101,1,0", "0,1,0")),
            Some(eeg()),
            vec!["rec.vmrk:3: Mk1=Stimulus,S  1,0,1,0, expected a position (third field) from 1 to 2000"],
        ),
        bv(
            "BrainVision: NaN sample in IEEE_FLOAT_32 data",
            VHDR.replacen("INT_16", "IEEE_FLOAT_32", 1),
            Some("Brain Vision Data Exchange Marker File, Version 1.0\r\n"),
            Some(float_nan),
            vec!["rec.eeg: data point 62 of channel 'Pz' is not a finite number"],
        ),
        Case {
            args: vec!["train", "rec.eeg", "--bands", "slow=1-2,fast=2-4", "--cv", "0"],
            ..bv(
                "BrainVision: the .eeg given instead of the .vhdr",
                VHDR.into(),
                Some(VMRK),
                Some(eeg()),
                vec!["rec.eeg: a BrainVision data file (.eeg), expected its header: pass the .vhdr"],
            )
        },
        Case {
            what: "study: --protocol without a BIDS study folder",
            files: vec![("rec.vhdr", VHDR.as_bytes().to_vec())],
            args: vec!["evaluate", "rec.vhdr", "--protocol", "cross-subject"],
            needles: vec!["--protocol, --subjects, --sessions, --task and --shard go with one BIDS study folder"],
            code: 2,
        },
        Case {
            what: "report merge: a part that is not JSON",
            files: vec![("part.json", b"time,Cz\n0,1\n".to_vec())],
            args: vec!["report", "merge", "part.json"],
            needles: vec!["part.json:1:2: expected ident, ", "expected the JSON report of `eegi evaluate STUDY/ --shard I/N`"],
            code: 2,
        },
    ]
}
