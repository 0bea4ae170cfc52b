//! The EDF/EDF+ and BDF/BDF+ reader: a 256-byte header plus 256 bytes per signal, then data
//! records of 16-bit (EDF) or 24-bit (BDF) little-endian integers, scaled linearly to physical
//! values and converted to µV. EDF+/BDF+ annotation signals (time-stamped annotation lists,
//! TALs) become [`Event`]s.
//!
//! Records are read one block at a time ([`EdfStream`]), so the streaming classify path holds
//! about one block whatever the length of the file. Every header field is checked and refused
//! with its byte offset and name; nothing here can panic on hostile bytes.
//!
//! Signals with different sample rates: eegi keeps the voltage signals that share the most
//! common rate (ties: the highest) and leaves the others out with a warning naming them.

use super::stream::Block;
use super::{Event, Warning, WarningKind};
use crate::limits::{MAX_COLUMNS, MAX_EDF_RECORD_BYTES, MAX_EVENT_TIME_S, MAX_SAMPLE_RATE_HZ};
use crate::{Error, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

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
fn at_byte(
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
fn shown(bytes: &[u8]) -> String {
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

/// How a kept signal is decoded.
#[derive(Debug, Clone, Copy)]
struct Decode {
    /// Byte offset of the signal inside a data record.
    offset: usize,
    /// µV per digital unit.
    gain: f64,
    /// µV at digital 0.
    offset_uv: f64,
}

/// An EDF/BDF recording read record by record.
pub struct EdfStream {
    source: Box<dyn Read + Send>,
    path: PathBuf,
    header: Header,
    /// Indices (into `header.signals`) of the channels handed out, in output order.
    kept: Vec<usize>,
    /// Decoding of every signal that is a channel candidate (by signal index).
    decode: Vec<Option<Decode>>,
    /// The channels selected for output: indices into `header.signals`.
    selected: Vec<usize>,
    /// Samples per record of the kept signals.
    spr: usize,
    sample_rate_hz: f64,
    record_bytes: usize,
    /// Byte offset of each signal inside a record.
    signal_offsets: Vec<usize>,
    records_read: u64,
    /// Onset of the first record (EDF+ time keeping), s.
    first_record_s: Option<f64>,
    events: Vec<Event>,
    warnings: Vec<Warning>,
    record: Vec<u8>,
    pub(crate) block: Block,
    done: bool,
}

impl std::fmt::Debug for EdfStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EdfStream")
            .field("path", &self.path)
            .field("kind", &self.header.kind)
            .finish()
    }
}

/// Reads exactly `buf.len()` bytes unless the source ends first; returns the bytes read.
fn read_full(source: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match source.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl EdfStream {
    /// Opens a stream: reads and checks the header, picks the channels.
    pub fn new(mut source: Box<dyn Read + Send>, path: &Path) -> Result<EdfStream> {
        let cannot =
            |e: std::io::Error| Error::file(path, format!("cannot read: {}", super::io_reason(&e)));
        let mut head = vec![0u8; 256];
        let n = read_full(&mut source, &mut head).map_err(cannot)?;
        head.truncate(n);
        let (mut header, ns) = parse_fixed_header(path, &head)?;
        let mut sig = vec![0u8; 256 * ns];
        let n = read_full(&mut source, &mut sig).map_err(cannot)?;
        sig.truncate(n);
        parse_signals(path, &mut header, ns, &sig)?;
        let mut warnings = Vec::new();
        let warn = |message: String, channels: Vec<String>| Warning {
            file: path.display().to_string(),
            kind: WarningKind::Format,
            channels,
            message,
        };
        // candidates: ordinary signals in a voltage unit (or none, assumed µV)
        let mut not_voltage = Vec::new();
        let mut no_unit = Vec::new();
        let mut candidates = Vec::new();
        for (i, s) in header.signals.iter().enumerate() {
            if s.annotations {
                continue;
            }
            if s.dimension.is_empty() {
                no_unit.push(s.label.clone());
                candidates.push(i);
            } else if microvolts_per_unit(&s.dimension).is_some() {
                candidates.push(i);
            } else {
                not_voltage.push(format!("{} ({})", s.label, s.dimension));
            }
        }
        if !not_voltage.is_empty() {
            warnings.push(warn(
                format!(
                    "left out: not a voltage ({}), expected uV, mV, V or nV for EEG",
                    not_voltage.join(", ")
                ),
                Vec::new(),
            ));
        }
        if !no_unit.is_empty() {
            warnings.push(warn(
                "no physical dimension, values taken as µV".into(),
                no_unit,
            ));
        }
        // the most common samples-per-record (ties: the highest rate)
        let mut counts: Vec<(usize, usize)> = Vec::new();
        for &i in &candidates {
            let spr = header.signals[i].samples_per_record;
            match counts.iter_mut().find(|c| c.0 == spr) {
                Some(c) => c.1 += 1,
                None => counts.push((spr, 1)),
            }
        }
        let Some(&(spr, _)) = counts.iter().max_by_key(|c| (c.1, c.0)) else {
            return Err(Error::file(
                path,
                "no EEG signal (only annotations or signals that are not voltages), expected at least one signal in uV, mV, V or nV",
            ));
        };
        let other_rate: Vec<String> = candidates
            .iter()
            .filter(|&&i| header.signals[i].samples_per_record != spr)
            .map(|&i| {
                let s = &header.signals[i];
                format!(
                    "{} ({} Hz)",
                    s.label,
                    s.samples_per_record as f64 / header.record_duration_s
                )
            })
            .collect();
        candidates.retain(|&i| header.signals[i].samples_per_record == spr);
        let sample_rate_hz = rate(spr, header.record_duration_s);
        if !(sample_rate_hz > 0.0 && sample_rate_hz <= MAX_SAMPLE_RATE_HZ) {
            return Err(at_byte(
                path,
                244,
                "duration of a data record",
                format!(
                    "{} s for {spr} samples per record ({sample_rate_hz} Hz)",
                    header.record_duration_s
                ),
                &format!("a sample rate of at most {MAX_SAMPLE_RATE_HZ} Hz"),
            ));
        }
        if !other_rate.is_empty() {
            warnings.push(warn(
                format!(
                    "left out: a sample rate other than the {sample_rate_hz} Hz of most EEG signals: {}",
                    other_rate.join(", ")
                ),
                Vec::new(),
            ));
        }
        let bytes = header.kind.sample_bytes();
        let mut signal_offsets = Vec::with_capacity(header.signals.len());
        let mut off = 0;
        for s in &header.signals {
            signal_offsets.push(off);
            off += s.samples_per_record * bytes;
        }
        let record_bytes = off;
        let mut decode = vec![None; header.signals.len()];
        for &i in &candidates {
            let s = &header.signals[i];
            let unit = microvolts_per_unit(&s.dimension).unwrap_or(1.0);
            // linear in any case, also when physical min > max (an inverted signal)
            let per_digit = (s.physical_max - s.physical_min) / (s.digital_max - s.digital_min);
            let gain = per_digit * unit;
            let offset_uv = (s.physical_min - s.digital_min * per_digit) * unit;
            if !(gain.is_finite() && offset_uv.is_finite()) {
                return Err(Error::file(
                    path,
                    format!(
                        "signal '{}': physical range {}..{} over digital range {}..{} does not scale to finite µV, expected finite header numbers",
                        s.label, s.physical_min, s.physical_max, s.digital_min, s.digital_max
                    ),
                ));
            }
            decode[i] = Some(Decode {
                offset: signal_offsets[i],
                gain,
                offset_uv,
            });
        }
        Ok(EdfStream {
            source,
            path: path.to_path_buf(),
            kept: candidates.clone(),
            selected: candidates,
            decode,
            spr,
            sample_rate_hz,
            record_bytes,
            signal_offsets,
            records_read: 0,
            first_record_s: None,
            events: Vec::new(),
            warnings,
            record: vec![0; record_bytes],
            block: Block::default(),
            done: false,
            header,
        })
    }

    /// The parsed header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Names of the channels read (the kept EEG signals), in file order.
    pub fn channel_names(&self) -> Vec<String> {
        self.kept
            .iter()
            .map(|&i| self.header.signals[i].label.clone())
            .collect()
    }

    /// Keeps only the named channels, in the given order; a missing one is an error naming it.
    pub fn select_channels(&mut self, wanted: &[String], who: &str) -> Result<()> {
        let mut missing = Vec::new();
        let mut selected = Vec::new();
        for c in wanted {
            match self
                .kept
                .iter()
                .find(|&&i| &self.header.signals[i].label == c)
            {
                Some(&i) => selected.push(i),
                None => missing.push(c.as_str()),
            }
        }
        if !missing.is_empty() {
            return Err(super::missing_channels(&self.path, &missing, who));
        }
        self.selected = selected;
        Ok(())
    }

    /// Number of channels in each row of a block.
    pub fn n_channels(&self) -> usize {
        self.selected.len()
    }

    /// The sample rate of the channels read, Hz.
    pub fn sample_rate_hz(&self) -> f64 {
        self.sample_rate_hz
    }

    /// Events from the annotation signals read so far (onsets from the first sample).
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Warnings about the header (signals left out, units assumed).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Number of data records read so far.
    pub fn records_read(&self) -> u64 {
        self.records_read
    }

    /// The block returned by the last [`EdfStream::next_block`].
    pub fn last_block(&self) -> &Block {
        &self.block
    }

    /// Reads and decodes the next block of records (about 1 MiB); `None` at the end.
    pub fn next_block(&mut self) -> Result<Option<&Block>> {
        if self.done {
            return Ok(None);
        }
        let per_block = (super::stream::BLOCK_BYTES_PER_THREAD / self.record_bytes.max(1)).max(1);
        let mut samples = std::mem::take(&mut self.block.samples);
        samples.clear();
        let mut rows = 0;
        for _ in 0..per_block {
            if self.header.n_records == Some(self.records_read) {
                self.done = true;
                break;
            }
            let start =
                self.header.header_bytes as u64 + self.records_read * self.record_bytes as u64;
            let n = read_full(&mut self.source, &mut self.record).map_err(|e| {
                Error::file(&self.path, format!("cannot read: {}", super::io_reason(&e)))
            })?;
            if n == 0 && self.header.n_records.is_none() {
                self.done = true;
                break;
            }
            if n < self.record_bytes {
                let expected = match self.header.n_records {
                    Some(k) => format!(
                        "{k} data records of {} bytes (number of data records, byte 236)",
                        self.record_bytes
                    ),
                    None => format!("whole data records of {} bytes", self.record_bytes),
                };
                return Err(Error::input(format!(
                    "{}: byte {}: the file ends inside data record {}, expected {expected}",
                    self.path.display(),
                    start + n as u64,
                    self.records_read + 1,
                )));
            }
            self.annotations(start)?;
            self.decode_record(&mut samples);
            rows += self.spr;
            self.records_read += 1;
        }
        if self.records_read == 0 && self.done {
            return Err(Error::input(format!(
                "{}: byte {}: no data records, expected at least one",
                self.path.display(),
                self.header.header_bytes
            )));
        }
        self.block = Block {
            samples,
            n_rows: rows,
        };
        if rows == 0 {
            return Ok(None);
        }
        Ok(Some(&self.block))
    }

    /// Appends the record's samples of the selected channels, row-major.
    fn decode_record(&self, out: &mut Vec<f64>) {
        let base = out.len();
        let width = self.selected.len();
        out.resize(base + self.spr * width, 0.0);
        let bytes = self.header.kind.sample_bytes();
        for (c, &i) in self.selected.iter().enumerate() {
            let Some(d) = self.decode[i] else { continue };
            let raw = &self.record[d.offset..d.offset + self.spr * bytes];
            match self.header.kind {
                EdfKind::Edf => {
                    for (k, b) in raw.chunks_exact(2).enumerate() {
                        let v = i16::from_le_bytes([b[0], b[1]]) as f64;
                        out[base + k * width + c] = v * d.gain + d.offset_uv;
                    }
                }
                EdfKind::Bdf => {
                    for (k, b) in raw.chunks_exact(3).enumerate() {
                        let v = (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f64;
                        out[base + k * width + c] = v * d.gain + d.offset_uv;
                    }
                }
            }
        }
    }

    /// Parses the annotation signals of the record just read (file offset `start`).
    fn annotations(&mut self, start: u64) -> Result<()> {
        let bytes = self.header.kind.sample_bytes();
        let mut first_tal_seen = false;
        for (i, s) in self.header.signals.iter().enumerate() {
            if !s.annotations {
                continue;
            }
            let from = self.signal_offsets[i];
            let raw = &self.record[from..from + s.samples_per_record * bytes];
            let tals = parse_tals(&self.path, raw, start + from as u64)?;
            for (k, tal) in tals.into_iter().enumerate() {
                if !first_tal_seen && k == 0 && self.header.plus {
                    // the record's time-keeping annotation: when its first sample was taken
                    first_tal_seen = true;
                    let expected = self
                        .first_record_s
                        .map(|t0| t0 + self.records_read as f64 * self.header.record_duration_s);
                    match expected {
                        None => self.first_record_s = Some(tal.onset_s),
                        Some(t)
                            if self.header.discontinuous
                                && (tal.onset_s - t).abs() > 1e-6 * t.abs().max(1.0) =>
                        {
                            return Err(Error::input(format!(
                                "{}: byte {}: data record {} starts at {} s, expected {t} s (a gap in an EDF+D/BDF+D recording; eegi reads contiguous recordings)",
                                self.path.display(),
                                tal.offset,
                                self.records_read + 1,
                                tal.onset_s
                            )));
                        }
                        _ => {}
                    }
                    if tal.texts.iter().all(|t| t.is_empty()) {
                        continue;
                    }
                }
                let onset = tal.onset_s - self.first_record_s.unwrap_or(0.0);
                if !(0.0..=MAX_EVENT_TIME_S).contains(&onset) {
                    return Err(Error::input(format!(
                        "{}: byte {}: annotation onset {} s ({onset} s from the first sample), expected a time from the first sample up to {MAX_EVENT_TIME_S:e} s",
                        self.path.display(),
                        tal.offset,
                        tal.onset_s
                    )));
                }
                for t in tal.texts.into_iter().filter(|t| !t.is_empty()) {
                    super::events::check_event_count(self.events.len(), || {
                        format!(
                            "{} (data record {})",
                            self.path.display(),
                            self.records_read + 1
                        )
                    })?;
                    self.events.push(Event {
                        onset_s: onset,
                        duration_s: tal.duration_s,
                        label: t,
                        line: self.records_read + 1,
                    });
                }
            }
        }
        Ok(())
    }
}

/// The sample rate of `spr` samples per record of `duration_s`, Hz (whole Hz when within 1e-9).
fn rate(spr: usize, duration_s: f64) -> f64 {
    let r = spr as f64 / duration_s;
    let whole = r.round();
    if (r - whole).abs() <= 1e-9 * whole {
        whole
    } else {
        r
    }
}

/// One time-stamped annotation list.
#[derive(Debug, Clone, PartialEq)]
pub struct Tal {
    /// Onset, s from the file's start time.
    pub onset_s: f64,
    /// Duration, s (0 when absent).
    pub duration_s: f64,
    /// The annotation texts (the first of a record's first TAL is empty: time keeping).
    pub texts: Vec<String>,
    /// File offset of the TAL, bytes.
    pub offset: u64,
}

/// Parses the TALs of one annotation signal of one record; `offset` is its file offset.
pub fn parse_tals(path: &Path, raw: &[u8], offset: u64) -> Result<Vec<Tal>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < raw.len() {
        if raw[pos] == 0 {
            pos += 1;
            continue;
        }
        let end = raw[pos..]
            .iter()
            .position(|&b| b == 0)
            .map_or(raw.len(), |i| pos + i);
        let tal = &raw[pos..end];
        let at = offset + pos as u64;
        let bad = |what: String, expected: &str| {
            Error::input(format!(
                "{}: byte {at} (annotation): {what}, expected {expected}",
                path.display()
            ))
        };
        let Some(first_sep) = tal.iter().position(|&b| b == 0x14) else {
            return Err(bad(
                format!("{} without a 0x14 separator", shown(tal)),
                "a time-stamped annotation list '+onset[0x15duration]0x14text0x14'",
            ));
        };
        let stamp = &tal[..first_sep];
        let (onset_txt, dur_txt) = match stamp.iter().position(|&b| b == 0x15) {
            Some(i) => (&stamp[..i], Some(&stamp[i + 1..])),
            None => (stamp, None),
        };
        let onset_ok = matches!(onset_txt.first(), Some(b'+' | b'-'))
            && onset_txt.len() > 1
            && onset_txt[1..]
                .iter()
                .all(|b| b.is_ascii_digit() || *b == b'.');
        let onset_s = std::str::from_utf8(onset_txt)
            .ok()
            .filter(|_| onset_ok)
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                bad(
                    format!("onset {}", shown(onset_txt)),
                    "'+' or '-' and seconds, e.g. +12.5",
                )
            })?;
        let duration_s = match dur_txt {
            None => 0.0,
            Some([]) => 0.0,
            Some(d) => std::str::from_utf8(d)
                .ok()
                .filter(|_| d.iter().all(|b| b.is_ascii_digit() || *b == b'.'))
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v <= MAX_EVENT_TIME_S)
                .ok_or_else(|| {
                    bad(
                        format!("duration {}", shown(d)),
                        "a non-negative number of seconds",
                    )
                })?,
        };
        let mut texts: Vec<String> = tal[first_sep + 1..]
            .split(|&b| b == 0x14)
            .map(|t| String::from_utf8_lossy(t).trim().to_string())
            .collect();
        // the list ends with 0x14: drop the empty piece after it
        if texts.last().is_some_and(|t| t.is_empty()) {
            texts.pop();
        }
        out.push(Tal {
            onset_s,
            duration_s,
            texts,
            offset: at,
        });
        pos = end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tals_parse_onset_duration_and_texts() {
        let raw = b"+0\x14\x14\x00+1.5\x1520\x14eyes_closed\x14\x00\x00\x00";
        let t = parse_tals(Path::new("a.edf"), raw, 100).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].onset_s, 0.0);
        assert_eq!(t[0].texts, vec![""]);
        assert_eq!(t[1].onset_s, 1.5);
        assert_eq!(t[1].duration_s, 20.0);
        assert_eq!(t[1].texts, vec!["eyes_closed"]);
        assert_eq!(t[1].offset, 105);
    }

    #[test]
    fn bad_tals_name_their_byte() {
        let e = parse_tals(Path::new("a.edf"), b"+0\x14\x14\x00x1\x14a\x14\x00", 1000).unwrap_err();
        assert!(
            e.message
                .starts_with("a.edf: byte 1005 (annotation): onset 'x1'"),
            "{}",
            e.message
        );
        let e = parse_tals(Path::new("a.edf"), b"+1", 10).unwrap_err();
        assert!(e.message.contains("byte 10 (annotation)"), "{}", e.message);
    }

    #[test]
    fn units_convert_to_microvolts() {
        assert_eq!(microvolts_per_unit("uV"), Some(1.0));
        assert_eq!(microvolts_per_unit("mV"), Some(1e3));
        assert_eq!(microvolts_per_unit("V"), Some(1e6));
        assert_eq!(microvolts_per_unit("nV"), Some(1e-3));
        assert_eq!(microvolts_per_unit("degC"), None);
    }
}
