//! Which vendor dialect a file is ([`detect_dialect`], from its first bytes) and the one
//! `match` that hands its text to the dialect's reader ([`parse_vendor`]).

use super::brainflow::read_brainflow;
use super::common::VendorRecording;
use super::mind_monitor::read_mind_monitor;
use super::muse_lsl::read_muse_lsl;
use super::openbci::read_openbci;
use crate::io::channels::ReadOptions;
use crate::io::sanity::Warning;
use crate::limits::MAX_SAMPLE_RATE_HZ;
use crate::{Error, Result};
use std::path::Path;

/// A vendor CSV dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// BrainFlow `DataFilter.write_file`: tab-separated, no header, one row per sample, one
    /// column per board channel (the layout is named by `--board`).
    BrainFlow,
    /// OpenBCI GUI `OpenBCI-RAW-*.txt`: `%` comment lines (with `%Sample Rate = N Hz`), a header
    /// row `Sample Index, EXG Channel 0, ...`, comma-separated rows.
    OpenBciGui,
    /// Mind Monitor (Muse) CSV: `TimeStamp,Delta_TP9,...,RAW_TP9,...,Elements`.
    MindMonitor,
    /// muse-lsl `record` CSV: `timestamps,TP9,AF7,AF8,TP10,Right AUX[,Marker0...]`.
    MuseLsl,
}

impl Dialect {
    /// The dialect's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::BrainFlow => "BrainFlow board file",
            Dialect::OpenBciGui => "OpenBCI GUI export",
            Dialect::MindMonitor => "Mind Monitor CSV",
            Dialect::MuseLsl => "muse-lsl CSV",
        }
    }
}

/// The dialect of a file from its first bytes (a few KiB are enough), or `None` for a plain
/// eegi CSV (or anything else).
pub fn detect_dialect(first_bytes: &[u8]) -> Option<Dialect> {
    let bytes = first_bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(first_bytes);
    let mut lines = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let first = lines.next()?;
    if first.starts_with(b"%") {
        if first.windows(7).any(|w| w == b"OpenBCI") {
            return Some(Dialect::OpenBciGui);
        }
        let header = lines.find(|l| !l.starts_with(b"%"))?;
        return header
            .starts_with(b"Sample Index")
            .then_some(Dialect::OpenBciGui);
    }
    let text = std::str::from_utf8(first).ok()?;
    let fields: Vec<&str> = text.split(',').map(str::trim).collect();
    match fields[0] {
        "TimeStamp" if fields.iter().any(|f| f.starts_with("RAW_")) => {
            return Some(Dialect::MindMonitor)
        }
        "timestamps" if fields.len() > 1 => return Some(Dialect::MuseLsl),
        _ => {}
    }
    let cells: Vec<&str> = text.split('\t').collect();
    (cells.len() >= 2
        && cells
            .iter()
            .all(|c| fast_float2::parse::<f64, _>(c.trim()).is_ok()))
    .then_some(Dialect::BrainFlow)
}

/// Parses a file of a known vendor dialect, with the warnings about its time stamps.
pub fn parse_vendor(
    path: &Path,
    bytes: &[u8],
    dialect: Dialect,
    options: &ReadOptions,
) -> Result<(VendorRecording, Vec<Warning>)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(fs) = options.csv.sample_rate_hz {
        if !(fs.is_finite() && fs > 0.0 && fs <= MAX_SAMPLE_RATE_HZ) {
            return Err(Error::input(format!(
                "--sample-rate {fs}: expected a positive rate in Hz, at most {MAX_SAMPLE_RATE_HZ}"
            )));
        }
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        Error::at(path, line, None, "bytes that are not UTF-8", "UTF-8 text")
    })?;
    let lines: Vec<(u64, &str)> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.strip_suffix('\r').unwrap_or(l)))
        .collect();
    if let Some(&(line, _)) = lines
        .iter()
        .find(|(_, l)| l.len() > crate::limits::MAX_LINE_BYTES)
    {
        return Err(Error::at(
            path,
            line,
            None,
            format!("a line longer than {} bytes", crate::limits::MAX_LINE_BYTES),
            "one sample per line",
        ));
    }
    match dialect {
        Dialect::BrainFlow => read_brainflow(path, &lines, options),
        Dialect::OpenBciGui => read_openbci(path, &lines, options),
        Dialect::MindMonitor => read_mind_monitor(path, &lines, options),
        Dialect::MuseLsl => read_muse_lsl(path, &lines, options),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_dialect() {
        assert_eq!(
            detect_dialect(b"%OpenBCI Raw EXG Data\n%Sample Rate = 250 Hz\n"),
            Some(Dialect::OpenBciGui)
        );
        assert_eq!(
            detect_dialect(b"TimeStamp,Delta_TP9,RAW_TP9,Elements\n"),
            Some(Dialect::MindMonitor)
        );
        assert_eq!(
            detect_dialect(b"timestamps,TP9,AF7,AF8,TP10,Right AUX\n"),
            Some(Dialect::MuseLsl)
        );
        assert_eq!(
            detect_dialect(b"0.000000\t1.5\t-2.000000\n"),
            Some(Dialect::BrainFlow)
        );
        assert_eq!(detect_dialect(b"time,Cz\n0,1\n"), None);
        assert_eq!(detect_dialect(b"time\tCz\n0\t1\n"), None);
        assert_eq!(detect_dialect(b""), None);
    }
}
