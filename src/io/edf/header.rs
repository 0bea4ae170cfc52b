//! The EDF/EDF+ and BDF/BDF+ reader: a 256-byte header plus 256 bytes per signal, then data
//! records of 16-bit (EDF) or 24-bit (BDF) little-endian integers, scaled linearly to physical
//! values and converted to µV. EDF+/BDF+ annotation signals (time-stamped annotation lists,
//! TALs) become [`Event`](crate::io::Event)s.
//!
//! Records are read one block at a time ([`EdfStream`](super::EdfStream)), so the streaming classify path holds
//! about one block whatever the length of the file. Every header field is checked and refused
//! with its byte offset and name; nothing here can panic on hostile bytes.
//!
//! Signals with different sample rates: eegi keeps the voltage signals that share the most
//! common rate (ties: the highest) and leaves the others out with a warning naming them.

use crate::limits::{MAX_COLUMNS, MAX_EDF_RECORD_BYTES, MAX_EVENT_TIME_S};
use crate::{Error, Result};
use std::path::Path;

/// Which of the two layouts a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdfKind {
    /// European Data Format: 16-bit samples, version field `0`.
    Edf,
    /// BioSemi Data Format: 24-bit samples, version field 0xFF `BIOSEMI`.
    Bdf,
}

impl EdfKind {
    /// Bytes per stored sample (2 or 3).
    pub fn sample_bytes(self) -> usize {
        match self {
            EdfKind::Edf => 2,
            EdfKind::Bdf => 3,
        }
    }

    /// The format's name ("EDF" or "BDF").
    pub fn name(self) -> &'static str {
        match self {
            EdfKind::Edf => "EDF",
            EdfKind::Bdf => "BDF",
        }
    }
}

/// One signal of the header, as stored.
#[derive(Debug, Clone)]
pub struct Signal {
    /// Label (trimmed), e.g. `EEG Fp1` or `EDF Annotations`.
    pub label: String,
    /// Physical dimension (trimmed), e.g. `uV`.
    pub dimension: String,
    /// Physical minimum, in the signal's dimension.
    pub physical_min: f64,
    /// Physical maximum, in the signal's dimension.
    pub physical_max: f64,
    /// Digital minimum.
    pub digital_min: f64,
    /// Digital maximum.
    pub digital_max: f64,
    /// Samples per data record.
    pub samples_per_record: usize,
    /// Whether this is an EDF+/BDF+ annotation signal.
    pub annotations: bool,
}

/// The parsed header of an EDF or BDF file.
#[derive(Debug, Clone)]
pub struct Header {
    /// EDF or BDF.
    pub kind: EdfKind,
    /// EDF+/BDF+ (`EDF+C`, `EDF+D`, `BDF+C`, `BDF+D` in the reserved field).
    pub plus: bool,
    /// EDF+D/BDF+D: records may be discontinuous.
    pub discontinuous: bool,
    /// Header length, bytes.
    pub header_bytes: usize,
    /// Number of data records (`None` when the header says -1, unknown).
    pub n_records: Option<u64>,
    /// Duration of a data record, s.
    pub record_duration_s: f64,
    /// All signals, in file order.
    pub signals: Vec<Signal>,
}

/// Field widths of the per-signal header, in file order, with their names.
const SIGNAL_FIELDS: [(&str, usize); 10] = [
    ("label", 16),
    ("transducer type", 80),
    ("physical dimension", 8),
    ("physical minimum", 8),
    ("physical maximum", 8),
    ("digital minimum", 8),
    ("digital maximum", 8),
    ("prefiltering", 80),
    ("number of samples per record", 8),
    ("reserved", 32),
];

/// An error at a byte offset of the file, naming the field.
pub(super) fn at_byte(
    path: &Path,
    offset: usize,
    field: &str,
    found: impl std::fmt::Display,
    expected: &str,
) -> Error {
    Error::input(format!(
        "{}: byte {offset} ({field}): {found}, expected {expected}",
        path.display()
    ))
}

/// An ASCII header field as text (trimmed; bytes that are not UTF-8 replaced).
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_string()
}

/// Shows a field's content in an error message.
pub(super) fn shown(bytes: &[u8]) -> String {
    let t: String = String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("'{}'", t.trim_end())
}

/// Parses a numeric header field.
fn number(path: &Path, bytes: &[u8], offset: usize, field: &str) -> Result<f64> {
    let t = text(bytes);
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(at_byte(path, offset, field, shown(bytes), "a number")),
    }
}

/// Parses an integer header field.
fn integer(path: &Path, bytes: &[u8], offset: usize, field: &str) -> Result<i64> {
    let t = text(bytes);
    t.parse::<i64>()
        .map_err(|_| at_byte(path, offset, field, shown(bytes), "an integer"))
}

/// Parses the fixed 256-byte part of the header; returns the header without signals and the
/// number of signals.
pub fn parse_fixed_header(path: &Path, head: &[u8]) -> Result<(Header, usize)> {
    // long: one check per fixed header field, in byte order, each naming its offset
    if head.len() < 256 {
        return Err(Error::input(format!(
            "{}: byte {}: the file ends inside the 256-byte header, expected an EDF/BDF header",
            path.display(),
            head.len()
        )));
    }
    let kind = if head.starts_with(b"0       ") {
        EdfKind::Edf
    } else if head.starts_with(b"\xFFBIOSEMI") {
        EdfKind::Bdf
    } else {
        return Err(at_byte(
            path,
            0,
            "version",
            shown(&head[..8]),
            "'0' and 7 spaces (EDF) or 0xFF 'BIOSEMI' (BDF)",
        ));
    };
    let reserved = &head[192..236];
    let plus = reserved.starts_with(b"EDF+") || reserved.starts_with(b"BDF+");
    let discontinuous = reserved.starts_with(b"EDF+D") || reserved.starts_with(b"BDF+D");
    let ns = integer(path, &head[252..256], 252, "number of signals")?;
    if ns < 1 || ns > MAX_COLUMNS as i64 {
        return Err(at_byte(
            path,
            252,
            "number of signals",
            ns,
            &format!("1 to {MAX_COLUMNS} signals"),
        ));
    }
    let ns = ns as usize;
    let header_bytes = integer(path, &head[184..192], 184, "number of bytes in header")?;
    if header_bytes != 256 * (ns as i64 + 1) {
        return Err(at_byte(
            path,
            184,
            "number of bytes in header",
            header_bytes,
            &format!("{} (256 × (1 + {ns} signals))", 256 * (ns + 1)),
        ));
    }
    let n_records = integer(path, &head[236..244], 236, "number of data records")?;
    let n_records = match n_records {
        -1 => None,
        n if n >= 0 => Some(n as u64),
        n => {
            return Err(at_byte(
                path,
                236,
                "number of data records",
                n,
                "a count, or -1 while recording",
            ))
        }
    };
    let record_duration_s = number(path, &head[244..252], 244, "duration of a data record")?;
    if !(record_duration_s > 0.0 && record_duration_s <= MAX_EVENT_TIME_S) {
        return Err(at_byte(
            path,
            244,
            "duration of a data record",
            record_duration_s,
            "a positive number of seconds (a record of duration 0 holds no signal samples)",
        ));
    }
    Ok((
        Header {
            kind,
            plus,
            discontinuous,
            header_bytes: header_bytes as usize,
            n_records,
            record_duration_s,
            signals: Vec::new(),
        },
        ns,
    ))
}

/// Parses the per-signal part of the header (`bytes` = the `256 × ns` bytes after the fixed part).
pub fn parse_signals(path: &Path, header: &mut Header, ns: usize, bytes: &[u8]) -> Result<()> {
    // long: one check per signal header field, in byte order, each naming its offset
    if bytes.len() < 256 * ns {
        return Err(Error::input(format!(
            "{}: byte {}: the file ends inside the signal headers, expected {} header bytes",
            path.display(),
            256 + bytes.len(),
            256 * (ns + 1)
        )));
    }
    let mut starts = [0usize; 10];
    let mut off = 0;
    for (i, (_, w)) in SIGNAL_FIELDS.iter().enumerate() {
        starts[i] = off;
        off += w * ns;
    }
    let field = |f: usize, s: usize| -> (&[u8], usize) {
        let w = SIGNAL_FIELDS[f].1;
        let from = starts[f] + s * w;
        (&bytes[from..from + w], 256 + from)
    };
    let annotation_label = match header.kind {
        EdfKind::Edf => "EDF Annotations",
        EdfKind::Bdf => "BDF Annotations",
    };
    let mut signals = Vec::with_capacity(ns);
    for s in 0..ns {
        let (label_bytes, label_off) = field(0, s);
        let label = text(label_bytes);
        let name = |f: usize| format!("{} of signal {} '{}'", SIGNAL_FIELDS[f].0, s + 1, label);
        let num = |f: usize| {
            let (b, o) = field(f, s);
            number(path, b, o, &name(f))
        };
        let physical_min = num(3)?;
        let physical_max = num(4)?;
        let digital_min = num(5)?;
        let digital_max = num(6)?;
        let (spr_bytes, spr_off) = field(8, s);
        let spr = integer(path, spr_bytes, spr_off, &name(8))?;
        if spr < 1 {
            return Err(at_byte(
                path,
                spr_off,
                &name(8),
                spr,
                "at least 1 sample per record",
            ));
        }
        // a data record is read whole: one signal alone may not pass the record limit
        let max_spr = MAX_EDF_RECORD_BYTES / header.kind.sample_bytes();
        if spr > max_spr as i64 {
            return Err(at_byte(
                path,
                spr_off,
                &name(8),
                spr,
                &format!(
                    "at most {max_spr} samples per record ({} bytes each; a data record is at most {} MiB)",
                    header.kind.sample_bytes(),
                    MAX_EDF_RECORD_BYTES >> 20
                ),
            ));
        }
        let annotations = label == annotation_label;
        if !annotations && digital_max == digital_min {
            let (_, o) = field(6, s);
            return Err(at_byte(
                path,
                o,
                &name(6),
                format!("{digital_max}, the same as the digital minimum"),
                "a digital range (maximum ≠ minimum) to scale samples with",
            ));
        }
        if label.is_empty() && !annotations {
            return Err(at_byte(
                path,
                label_off,
                &format!("label of signal {}", s + 1),
                "an empty label",
                "a channel name",
            ));
        }
        if !annotations {
            if let Some(prev) = signals
                .iter()
                .position(|p: &Signal| !p.annotations && p.label == label)
            {
                return Err(at_byte(
                    path,
                    label_off,
                    &format!("label of signal {}", s + 1),
                    format!(
                        "duplicate channel name '{label}' (also signal {})",
                        prev + 1
                    ),
                    "unique channel names",
                ));
            }
        }
        let (dim_bytes, _) = field(2, s);
        signals.push(Signal {
            label,
            dimension: text(dim_bytes),
            physical_min,
            physical_max,
            digital_min,
            digital_max,
            samples_per_record: spr as usize,
            annotations,
        });
    }
    let record_bytes: usize = signals
        .iter()
        .map(|s| s.samples_per_record * header.kind.sample_bytes())
        .sum();
    if record_bytes > MAX_EDF_RECORD_BYTES {
        return Err(Error::input(format!(
            "{}: a data record of {record_bytes} bytes (number of samples per record × {} bytes, summed over signals), expected at most {MAX_EDF_RECORD_BYTES} bytes ({} MiB)",
            path.display(),
            header.kind.sample_bytes(),
            MAX_EDF_RECORD_BYTES >> 20
        )));
    }
    header.signals = signals;
    Ok(())
}

/// The factor from a physical dimension to µV, if it is a voltage.
pub fn microvolts_per_unit(dimension: &str) -> Option<f64> {
    match dimension {
        "uV" | "µV" | "μV" | "uv" | "microV" | "\u{FFFD}V" => Some(1.0),
        "mV" | "mv" => Some(1e3),
        "V" | "v" => Some(1e6),
        "nV" | "nv" => Some(1e-3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_to_microvolts() {
        assert_eq!(microvolts_per_unit("uV"), Some(1.0));
        assert_eq!(microvolts_per_unit("mV"), Some(1e3));
        assert_eq!(microvolts_per_unit("V"), Some(1e6));
        assert_eq!(microvolts_per_unit("nV"), Some(1e-3));
        assert_eq!(microvolts_per_unit("degC"), None);
    }
}
