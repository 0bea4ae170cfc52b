//! EDF/BDF data records read one block at a time: the kept signals decoded to µV, EDF+
//! annotations turned into events as their records arrive.

use super::header::{
    at_byte, microvolts_per_unit, parse_fixed_header, parse_signals, EdfKind, Header,
};
use super::tal::parse_tals;
use crate::io::errors::{io_reason, pick_channels};
use crate::io::events::{check_event_count, Event};
use crate::io::sanity::{Warning, WarningKind};
use crate::io::stream::{Block, SampleStream, BLOCK_BYTES_PER_THREAD};
use crate::limits::{MAX_EVENT_TIME_S, MAX_SAMPLE_RATE_HZ};
use crate::{Error, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

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
        // long: header, signals, rate groups and the first record's checks, in file order, each with its own message
        let cannot =
            |e: std::io::Error| Error::file(path, format!("cannot read: {}", io_reason(&e)));
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
        let available: Vec<(usize, &str)> = self
            .kept
            .iter()
            .map(|&i| (i, self.header.signals[i].label.as_str()))
            .collect();
        let selected = pick_channels(&self.path, wanted, &available, who)?;
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
        let per_block = (BLOCK_BYTES_PER_THREAD / self.record_bytes.max(1)).max(1);
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
            let n = read_full(&mut self.source, &mut self.record)
                .map_err(|e| Error::file(&self.path, format!("cannot read: {}", io_reason(&e))))?;
            if n == 0 && self.header.n_records.is_none() {
                self.done = true;
                break;
            }
            if n < self.record_bytes && crate::io::interrupt::requested() {
                // Ctrl-C ended the stream inside a record: the whole records stand
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
            events: Vec::new(),
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
                    check_event_count(self.events.len(), || {
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

impl SampleStream for EdfStream {
    fn channel_names(&self) -> Vec<String> {
        EdfStream::channel_names(self)
    }
    fn select_channels(&mut self, wanted: &[String], who: &str) -> Result<()> {
        EdfStream::select_channels(self, wanted, who)
    }
    fn n_channels(&self) -> usize {
        EdfStream::n_channels(self)
    }
    fn sample_rate_hz(&self) -> Option<f64> {
        Some(EdfStream::sample_rate_hz(self))
    }
    fn next_block(&mut self) -> Result<Option<&Block>> {
        EdfStream::next_block(self)
    }
    fn last_block(&self) -> &Block {
        EdfStream::last_block(self)
    }
    fn last_block_mut(&mut self) -> &mut Block {
        &mut self.block
    }
    fn warnings(&self) -> Vec<Warning> {
        EdfStream::warnings(self).to_vec()
    }
    fn events(&self) -> Vec<Event> {
        EdfStream::events(self).to_vec()
    }
    fn description(&self) -> String {
        let h = self.header();
        format!("{}{}", h.kind.name(), if h.plus { "+" } else { "" })
    }
}
