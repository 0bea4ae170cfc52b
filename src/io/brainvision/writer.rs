//! Writes a recording as BrainVision: `x.vhdr` names `x.eeg` (IEEE_FLOAT_32, multiplexed,
//! resolution 1 µV: every sample as the nearest 32-bit float of its µV) and `x.vmrk` (one
//! marker per event). Each file is written atomically ([`write_atomically`]); all three
//! outputs are checked first, and the header is written last, so an interrupted run leaves no
//! header that names a missing or partial data file.

use crate::io::events::Event;
use crate::io::output::{check_output, write_atomically};
use crate::{Error, Recording, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Marker types BrainVision defines: an event label `<type>/<description>` with one of these is
/// written as that type and description (as MNE reads it back); any other label is written as
/// a `Comment`, which readers label `Comment/<label>`.
const MARKER_TYPES: &[&str] = &["Stimulus", "Response", "Comment", "Time 0", "SyncStatus"];

/// The data and marker files of a header path: `x.vhdr` → (`x.eeg`, `x.vmrk`).
pub fn companions(vhdr: &Path) -> (PathBuf, PathBuf) {
    (vhdr.with_extension("eeg"), vhdr.with_extension("vmrk"))
}

/// Text safe inside a comma-separated BrainVision value: commas coded as `\1`, line breaks
/// as spaces.
fn field(text: &str) -> String {
    text.replace(',', "\\1").replace(['\r', '\n'], " ")
}

/// The file name of `path` (for the header's `DataFile=`/`MarkerFile=`).
fn file_name(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| Error::input(format!("{}: expected a file name", path.display())))
}

/// The header text of `rec` with its data and marker file names.
fn header_text(rec: &Recording, data: &str, markers: &str) -> String {
    let mut s = format!(
        "Brain Vision Data Exchange Header File Version 1.0\r\n; Written by eegi {}\r\n\r\n[Common Infos]\r\nCodepage=UTF-8\r\nDataFile={data}\r\nMarkerFile={markers}\r\nDataFormat=BINARY\r\n; Data orientation: MULTIPLEXED=ch1,pt1, ch2,pt1 ...\r\nDataOrientation=MULTIPLEXED\r\nNumberOfChannels={}\r\n; Sampling interval in microseconds\r\nSamplingInterval={}\r\n\r\n[Binary Infos]\r\nBinaryFormat=IEEE_FLOAT_32\r\n\r\n[Channel Infos]\r\n; Each entry: Ch<Channel number>=<Name>,<Reference channel name>,<Resolution in \"Unit\">,<Unit>\r\n",
        env!("CARGO_PKG_VERSION"),
        rec.n_channels(),
        1e6 / rec.sample_rate_hz
    );
    for (i, name) in rec.channel_names.iter().enumerate() {
        s.push_str(&format!("Ch{}={},,1,µV\r\n", i + 1, field(name)));
    }
    s
}

/// The marker file text: one `Mk<n>=<type>,<description>,<position>,<size>,0` per event
/// (position from 1, size at least 1 data point); an event outside the recording is refused.
fn marker_text(rec: &Recording, events: &[Event], data: &str, vhdr: &Path) -> Result<String> {
    let fs = rec.sample_rate_hz;
    let n = rec.n_samples() as f64;
    let mut s = format!(
        "Brain Vision Data Exchange Marker File, Version 1.0\r\n; Written by eegi {}\r\n\r\n[Common Infos]\r\nCodepage=UTF-8\r\nDataFile={data}\r\n\r\n[Marker Infos]\r\n; Each entry: Mk<Marker number>=<Type>,<Description>,<Position in data points>,<Size in data points>,<Channel number (0 = all channels)>\r\n",
        env!("CARGO_PKG_VERSION")
    );
    for (k, e) in events.iter().enumerate() {
        let point = (e.onset_s * fs).round();
        if !(0.0..n).contains(&point) {
            return Err(Error::input(format!(
                "{}: event {} ('{}' at {} s) lies outside the recording (0 to {} s), expected events inside it to write as BrainVision markers",
                vhdr.display(),
                k + 1,
                e.label,
                e.onset_s,
                n / fs
            )));
        }
        let size = ((e.duration_s * fs).round() as u64).max(1);
        let (kind, description) = match e.label.split_once('/') {
            Some((t, d)) if MARKER_TYPES.contains(&t) => (t, d),
            _ => ("Comment", e.label.as_str()),
        };
        s.push_str(&format!(
            "Mk{}={},{},{},{size},0\r\n",
            k + 1,
            field(kind),
            field(description),
            point as u64 + 1
        ));
    }
    Ok(s)
}

/// Writes `rec` and `events` as the BrainVision triple of `vhdr` (see the module doc).
pub fn write_brainvision(vhdr: &Path, rec: &Recording, events: &[Event]) -> Result<()> {
    let (eeg, vmrk) = companions(vhdr);
    for p in [&eeg, &vmrk, &vhdr.to_path_buf()] {
        check_output(p, &[])?;
    }
    if let Some((k, c)) = rec
        .samples
        .indexed_iter()
        .find(|(_, v)| v.abs() > f32::MAX as f64)
        .map(|(i, _)| i)
    {
        return Err(Error::input(format!(
            "{}: sample {} of channel '{}' ({} µV) does not fit a 32-bit float, expected values up to 3.4e38 µV",
            rec.source.display(),
            k + 1,
            rec.channel_names[c],
            rec.samples[[k, c]]
        )));
    }
    let (data_name, marker_name) = (file_name(&eeg)?, file_name(&vmrk)?);
    let markers = marker_text(rec, events, &data_name, vhdr)?;
    write_atomically(&eeg, |w| {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
        for v in rec.samples.iter() {
            w.write_all(&(*v as f32).to_le_bytes())?;
        }
        w.flush()
    })?;
    write_atomically(&vmrk, |w| w.write_all(markers.as_bytes()))?;
    let header = header_text(rec, &data_name, &marker_name);
    write_atomically(vhdr, |w| w.write_all(header.as_bytes()))
}
