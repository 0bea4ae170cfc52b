//! A streaming EEG CSV reader: parses a recording in bounded blocks, on all cores, and hands
//! out samples in order, so memory stays O(block) whatever the length of the file.
//!
//! Rows are split at newlines into one chunk per worker; each chunk is parsed with
//! `fast-float2` (correctly rounded, ~3x faster than `str::parse`), and chunks are joined in
//! order. Errors name the file, line and column as the whole-file reader does.

use super::parse::{parse_header, split_lines, too_long, RowParser};
use super::rate::{check_inferred_rate, round_rate};
use crate::io::bytes::detect_delimiter;
use crate::io::errors::{cr_only, io_reason, missing_channels};
use crate::io::stream::{Block, SampleStream, BLOCK_BYTES_PER_THREAD};
use crate::limits::{MAX_COLUMNS, MAX_LINE_BYTES};
use crate::{Error, Result};
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Bytes asked of the source per read call.
const READ_BYTES: usize = 1 << 20;

/// Relative tolerance on the spacing of the `time` column (as in the whole-file reader).
const TIME_STEP_TOLERANCE: f64 = 0.01;

/// An EEG CSV recording read incrementally from any byte source.
pub struct CsvStream {
    source: Box<dyn Read + Send>,
    path: PathBuf,
    delimiter: u8,
    names: Vec<String>,
    time_col: Option<usize>,
    /// For each field of a row, the output slot it is parsed into (channels, then time).
    slots: Vec<Option<usize>>,
    n_selected: usize,
    /// The block buffer: its first `pending_len` bytes are read but not yet parsed.
    pending: Vec<u8>,
    pending_len: usize,
    next_line: u64,
    eof: bool,
    sample_rate_hz: Option<f64>,
    use_time: bool,
    last_time: Option<f64>,
    first_time: Option<f64>,
    time_rows: u64,
    /// Whether every value of an ignored time column parsed as a number.
    time_ok: bool,
    time_step: Option<f64>,
    rows_read: u64,
    /// The time column's values of the block just parsed, reused.
    times: Vec<f64>,
    /// The block handed out last, reused.
    pub(crate) block: Block,
    /// Whether the rate inferred from the time column has been checked against the limit.
    rate_checked: bool,
}

impl std::fmt::Debug for CsvStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvStream")
            .field("path", &self.path)
            .field("names", &self.names)
            .finish()
    }
}

impl CsvStream {
    /// Opens a stream: reads and checks the header. `path` names the source in errors; a
    /// given `sample_rate_hz` makes a `time` column ignored.
    pub fn new(
        mut source: Box<dyn Read + Send>,
        path: &Path,
        sample_rate_hz: Option<f64>,
    ) -> Result<CsvStream> {
        // long: the header's checks in file order (line ending, width, BOM, names, time column), each with its own message
        let mut pending = Vec::new();
        let header_end = loop {
            if let Some(i) = memchr::memchr(b'\n', &pending) {
                break i;
            }
            // no LF yet: a CR with a byte after it ends lines on its own
            if memchr::memchr(b'\r', &pending).is_some_and(|i| i + 1 < pending.len()) {
                return Err(cr_only(path, 1));
            }
            if [b',', b'\t', b';']
                .iter()
                .any(|&d| memchr::memchr_iter(d, &pending).count() >= MAX_COLUMNS)
            {
                return Err(Error::at(
                    path,
                    1,
                    None,
                    format!("a header of more than {MAX_COLUMNS} columns"),
                    format!("at most {MAX_COLUMNS} columns (channels and time)"),
                ));
            }
            if pending.len() > MAX_LINE_BYTES {
                return Err(too_long(path, 1));
            }
            let mut buf = vec![0u8; 64 << 10];
            let n = source
                .read(&mut buf)
                .map_err(|e| Error::file(path, format!("cannot read: {}", io_reason(&e))))?;
            if n == 0 {
                break pending.len();
            }
            pending.extend_from_slice(&buf[..n]);
        };
        let mut header_line = pending[..header_end].to_vec();
        pending.drain(..(header_end + 1).min(pending.len()));
        if header_line.starts_with(b"\xEF\xBB\xBF") {
            header_line.drain(..3);
        }
        if header_line.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(Error::at(
                path,
                1,
                None,
                "empty file",
                "a header row of channel names",
            ));
        }
        let delimiter = detect_delimiter(&header_line);
        let names = parse_header(path, &header_line, delimiter)?;
        if names.len() > MAX_COLUMNS {
            return Err(Error::at(
                path,
                1,
                None,
                format!(
                    "a header of {} columns (more than {MAX_COLUMNS} columns)",
                    names.len()
                ),
                format!("at most {MAX_COLUMNS} columns (channels and time)"),
            ));
        }
        let is_time =
            |n: &String| n.eq_ignore_ascii_case("time") || n.eq_ignore_ascii_case("time_s");
        let time_col = names.iter().position(is_time);
        if let Some(t) = time_col {
            // a second one would silently become an EEG channel
            if let Some(u) = names.iter().skip(t + 1).position(is_time) {
                let u = t + 1 + u;
                return Err(Error::at(
                    path,
                    1,
                    Some(u + 1),
                    format!(
                        "a second time column '{}' (column {} is '{}')",
                        names[u],
                        t + 1,
                        names[t]
                    ),
                    "one time column (time or time_s); drop one, or rename it if it is a channel",
                ));
            }
        }
        if names.len() == usize::from(time_col.is_some()) {
            return Err(Error::at(
                path,
                1,
                None,
                "no channel columns",
                "at least one EEG channel column in the header",
            ));
        }
        if time_col.is_none() && sample_rate_hz.is_none() {
            return Err(Error::file(path, "no `time` column and no --sample-rate given, expected one of them to know the sample rate"));
        }
        let mut stream = CsvStream {
            source,
            path: path.to_path_buf(),
            delimiter,
            time_col,
            slots: Vec::new(),
            n_selected: 0,
            pending_len: pending.len(),
            pending,
            next_line: 2,
            eof: false,
            sample_rate_hz,
            use_time: time_col.is_some() && sample_rate_hz.is_none(),
            last_time: None,
            first_time: None,
            time_rows: 0,
            time_ok: true,
            time_step: None,
            rows_read: 0,
            times: Vec::new(),
            block: Block::default(),
            rate_checked: false,
            names,
        };
        let all: Vec<usize> = (0..stream.names.len())
            .filter(|&i| Some(i) != time_col)
            .collect();
        stream.set_slots(&all);
        Ok(stream)
    }

    /// Channel names in file order (without the time column).
    pub fn channel_names(&self) -> Vec<String> {
        (0..self.names.len())
            .filter(|&i| Some(i) != self.time_col)
            .map(|i| self.names[i].clone())
            .collect()
    }

    /// Keeps only the named channels, in the given order; a missing one is an error naming it
    /// (`who` says who needs it, e.g. "the model needs").
    pub fn select_channels(&mut self, wanted: &[String], who: &str) -> Result<()> {
        let mut missing = Vec::new();
        let fields: Vec<usize> = wanted
            .iter()
            .filter_map(|c| {
                let i = self
                    .names
                    .iter()
                    .enumerate()
                    .position(|(j, n)| n == c && Some(j) != self.time_col);
                if i.is_none() {
                    missing.push(c.as_str());
                }
                i
            })
            .collect();
        if !missing.is_empty() {
            return Err(missing_channels(&self.path, &missing, &self.names, who));
        }
        self.set_slots(&fields);
        Ok(())
    }

    fn set_slots(&mut self, fields: &[usize]) {
        self.slots = vec![None; self.names.len()];
        for (slot, &f) in fields.iter().enumerate() {
            self.slots[f] = Some(slot);
        }
        self.n_selected = fields.len();
        if let Some(t) = self.time_col {
            self.slots[t] = Some(self.n_selected);
        }
    }

    /// Number of channels in each row of a block.
    pub fn n_channels(&self) -> usize {
        self.n_selected
    }

    /// The sample rate in Hz: given, or inferred from the time column once two rows are read
    /// (from the mean step so far, rounded to whole Hz within 0.1%).
    pub fn sample_rate_hz(&self) -> Option<f64> {
        if !self.use_time {
            return self.sample_rate_hz;
        }
        match (self.first_time, self.last_time) {
            (Some(a), Some(b)) if self.time_rows >= 2 && b > a => {
                Some(round_rate((self.time_rows - 1) as f64 / (b - a)))
            }
            _ => None,
        }
    }

    /// The rate implied by a time column that `--sample-rate` made eegi ignore, Hz (none
    /// when there is no such column or it does not parse as numbers throughout).
    pub fn time_column_rate(&self) -> Option<f64> {
        if self.use_time || !self.time_ok || self.time_rows < self.rows_read {
            return None;
        }
        match (self.first_time, self.last_time) {
            (Some(a), Some(b)) if self.time_rows >= 2 && b > a => {
                Some((self.time_rows - 1) as f64 / (b - a))
            }
            _ => None,
        }
    }

    /// Index of the time column among the header's columns, if there is one.
    pub fn time_column(&self) -> Option<usize> {
        self.time_col
    }

    /// The block returned by the last [`CsvStream::next_block`].
    pub fn last_block(&self) -> &Block {
        &self.block
    }

    /// Number of sample rows read so far.
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// Reads and parses the next block; `None` at the end of the data.
    pub fn next_block(&mut self) -> Result<Option<&Block>> {
        // long: read, cut at a line end, split across workers, parse, join in order: one block's steps, sharing its buffers
        let threads = rayon::current_num_threads().max(1);
        // room for a whole line of the longest allowed length, so a block always makes progress
        let target = (BLOCK_BYTES_PER_THREAD * threads).max(MAX_LINE_BYTES + 1);
        // bytes are read straight into the block buffer (allocated once): no copying
        let mut buf = std::mem::take(&mut self.pending);
        let mut filled = self.pending_len;
        if buf.len() < target {
            buf.resize(target, 0);
        }
        // read until the block is full, the source pauses (a short read) or ends
        while !self.eof && filled < target {
            let want = (target - filled).min(READ_BYTES);
            let n = match self.source.read(&mut buf[filled..filled + want]) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(Error::file(
                        &self.path,
                        format!("cannot read: {}", io_reason(&e)),
                    ))
                }
            };
            let fresh = filled..filled + n;
            filled += n;
            if n == 0 {
                self.eof = true;
            } else if n < want && memchr::memchr(b'\n', &buf[fresh]).is_some() {
                // the source paused with complete lines in hand: hand them out now (online use)
                break;
            }
        }
        // complete lines only; the tail waits for more bytes (or is the last line at the end,
        // unless Ctrl-C ended the stream: then it is a line cut short, dropped)
        let cut = if self.eof && !crate::io::interrupt::requested() {
            filled
        } else {
            memchr::memrchr(b'\n', &buf[..filled]).map_or(0, |i| i + 1)
        };
        if !self.eof && filled - cut > MAX_LINE_BYTES {
            let line = self.next_line + memchr::memchr_iter(b'\n', &buf[..cut]).count() as u64;
            return Err(too_long(&self.path, line));
        }
        if cut == 0 {
            self.pending = buf;
            self.pending_len = filled;
            return if self.eof {
                Ok(None)
            } else {
                self.next_block()
            };
        }
        let chunks = split_lines(&buf[..cut], threads, self.next_line);
        self.next_line += chunks.iter().map(|c| c.2).sum::<u64>();
        let n_ch = self.n_selected;
        let has_time = self.time_col.is_some();
        // rows are parsed straight into the block (and times into their own column), each
        // worker into its own slice: no per-chunk buffers to concatenate, nothing to compact
        // unless a chunk had blank lines. A chunk holds at most one row per line.
        let capacity: Vec<usize> = chunks
            .iter()
            .map(|&(from, to, lines, _)| {
                lines as usize + usize::from(to > from && buf[to - 1] != b'\n')
            })
            .collect();
        let total: usize = capacity.iter().sum();
        let mut samples = std::mem::take(&mut self.block.samples);
        let mut times = std::mem::take(&mut self.times);
        // resizing a reused buffer only fills what it grows by
        samples.resize(total * n_ch, 0.0);
        times.resize(if has_time { total } else { 0 }, 0.0);
        let mut parts: Vec<(&mut [f64], &mut [f64])> = Vec::with_capacity(chunks.len());
        let (mut rest_s, mut rest_t) = (&mut samples[..], &mut times[..]);
        for &cap in &capacity {
            let (s, s_rest) = rest_s.split_at_mut(cap * n_ch);
            let (t, t_rest) = rest_t.split_at_mut(if has_time { cap } else { 0 });
            parts.push((s, t));
            rest_s = s_rest;
            rest_t = t_rest;
        }
        let parser = RowParser {
            path: &self.path,
            delimiter: self.delimiter,
            names: &self.names,
            slots: &self.slots,
            n_channels: n_ch,
            // an ignored time column is read leniently, only to compare rates
            lenient_slot: (!self.use_time && has_time).then_some(n_ch),
        };
        let parsed: Vec<Result<usize>> = chunks
            .par_iter()
            .zip(parts.par_iter_mut())
            .map(|(&(from, to, _, line), (out, out_times))| {
                parser.parse_chunk(&buf[from..to], line, out, out_times)
            })
            .collect();
        drop(parts);
        // move each chunk's rows down over the gaps blank lines left (rarely any)
        let mut rows = 0;
        let mut at = 0;
        for (p, cap) in parsed.into_iter().zip(&capacity) {
            let n = p?;
            if at != rows {
                samples.copy_within(at * n_ch..(at + n) * n_ch, rows * n_ch);
                if has_time {
                    times.copy_within(at..at + n, rows);
                }
            }
            rows += n;
            at += cap;
        }
        samples.truncate(rows * n_ch);
        times.truncate(if has_time { rows } else { 0 });
        if has_time {
            let checked = self.check_times(&buf[..cut], &times);
            self.times = times;
            checked?;
            if self.use_time && !self.rate_checked {
                // refused as soon as it is known, before anyone sizes windows by it
                if let Some(fs) = self.sample_rate_hz() {
                    check_inferred_rate(&self.path, fs, self.time_col)?;
                    self.rate_checked = true;
                }
            }
        }
        // keep the incomplete tail at the front of the same buffer
        buf.copy_within(cut..filled, 0);
        self.pending_len = filled - cut;
        self.pending = buf;
        self.rows_read += rows as u64;
        self.block = Block {
            samples,
            n_rows: rows,
            events: Vec::new(),
        };
        if rows == 0 {
            return self.next_block();
        }
        Ok(Some(&self.block))
    }
}

impl CsvStream {
    /// Checks the time column of the block is regular; infers the rate from
    /// the first step (rounded to whole Hz within 0.1%).
    fn check_times(&mut self, buf: &[u8], times: &[f64]) -> Result<()> {
        for (r, &t) in times.iter().enumerate() {
            if !self.use_time {
                // an ignored time column: only remember its span, to compare rates
                if t.is_finite() && self.time_ok {
                    self.first_time.get_or_insert(t);
                    self.last_time = Some(t);
                    self.time_rows += 1;
                } else {
                    self.time_ok = false;
                }
                continue;
            }
            if let Some(prev) = self.last_time {
                let d = t - prev;
                match self.time_step {
                    None if d > 0.0 => self.time_step = Some(d),
                    Some(step) if (d - step).abs() <= TIME_STEP_TOLERANCE * step => {}
                    _ => {
                        let line = self.line_of_row(buf, r);
                        let expected = match self.time_step {
                            Some(step) => format!("a regular step of {step:.6} s (pass --sample-rate to ignore the time column)"),
                            None => "times in seconds that increase by a regular step (pass --sample-rate to ignore the time column)".to_string(),
                        };
                        return Err(Error::at(
                            &self.path,
                            line,
                            Some(self.time_col.unwrap_or(0) + 1),
                            format!("time {t} s is {d} s after the previous sample"),
                            expected,
                        ));
                    }
                }
            }
            self.last_time = Some(t);
            self.first_time.get_or_insert(t);
            self.time_rows += 1;
        }
        Ok(())
    }

    /// The line number of data row `r` of the block just parsed (rare: only for errors).
    fn line_of_row(&self, buf: &[u8], r: usize) -> u64 {
        let lines_in_block: u64 = buf.split(|&b| b == b'\n').count() as u64;
        let first = self.next_line - lines_in_block + u64::from(buf.ends_with(b"\n"));
        let mut seen = 0;
        for (k, raw) in buf.split(|&b| b == b'\n').enumerate() {
            if raw.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            if seen == r {
                return first + k as u64;
            }
            seen += 1;
        }
        first
    }
}

impl SampleStream for CsvStream {
    fn channel_names(&self) -> Vec<String> {
        CsvStream::channel_names(self)
    }
    fn select_channels(&mut self, wanted: &[String], who: &str) -> Result<()> {
        CsvStream::select_channels(self, wanted, who)
    }
    fn n_channels(&self) -> usize {
        CsvStream::n_channels(self)
    }
    fn sample_rate_hz(&self) -> Option<f64> {
        CsvStream::sample_rate_hz(self)
    }
    fn next_block(&mut self) -> Result<Option<&Block>> {
        CsvStream::next_block(self)
    }
    fn last_block(&self) -> &Block {
        CsvStream::last_block(self)
    }
    fn last_block_mut(&mut self) -> &mut Block {
        &mut self.block
    }
    fn description(&self) -> String {
        "CSV".into()
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
