//! A streaming EEG CSV reader: parses a recording in bounded blocks, on all cores, and hands
//! out samples in order, so memory stays O(block) whatever the length of the file.
//!
//! Rows are split at newlines into one chunk per worker; each chunk is parsed with
//! `fast-float2` (correctly rounded, ~3x faster than `str::parse`), and chunks are joined in
//! order. Errors name the file, line and column as the whole-file reader does.

use crate::io::detect_delimiter;
use crate::{Error, Result};
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Bytes read per worker per block (1 MiB): large enough to amortise thread hand-off
/// (thousands of rows), small enough that a block of parsed samples stays about a MiB.
pub const BLOCK_BYTES_PER_THREAD: usize = 1 << 20;

/// Bytes asked of the source per read call.
const READ_BYTES: usize = 1 << 20;

use crate::limits::MAX_COLUMNS;
pub use crate::limits::MAX_LINE_BYTES;

/// Relative tolerance on the spacing of the `time` column (as in the whole-file reader).
const TIME_STEP_TOLERANCE: f64 = 0.01;

/// Parsed samples of one block: rows × selected channels, in µV.
#[derive(Debug, Clone, Default)]
pub struct Block {
    /// Sample values, row-major (rows × selected channels).
    pub samples: Vec<f64>,
    /// Number of rows (samples) in the block.
    pub n_rows: usize,
}

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
        let mut pending = Vec::new();
        let header_end = loop {
            if let Some(i) = memchr::memchr(b'\n', &pending) {
                break i;
            }
            // no LF yet: a CR with a byte after it ends lines on its own
            if memchr::memchr(b'\r', &pending).is_some_and(|i| i + 1 < pending.len()) {
                return Err(super::cr_only(path, 1));
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
                .map_err(|e| Error::file(path, format!("cannot read: {}", super::io_reason(&e))))?;
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
            return Err(super::missing_channels(&self.path, &missing, who));
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
            (Some(a), Some(b)) if self.time_rows >= 2 && b > a => Some(super::eeg_csv::round_rate(
                (self.time_rows - 1) as f64 / (b - a),
            )),
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
                        format!("cannot read: {}", super::io_reason(&e)),
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
        // complete lines only; the tail waits for more bytes (or is the last line at the end)
        let cut = if self.eof {
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
                    super::eeg_csv::check_inferred_rate(&self.path, fs, self.time_col)?;
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
        };
        if rows == 0 {
            return self.next_block();
        }
        Ok(Some(&self.block))
    }
}

/// The read-only state needed to parse rows, shared by the workers of a block.
struct RowParser<'a> {
    path: &'a Path,
    delimiter: u8,
    names: &'a [String],
    slots: &'a [Option<usize>],
    /// Selected channels per row; slot `n_channels` is the time column.
    n_channels: usize,
    lenient_slot: Option<usize>,
}

impl RowParser<'_> {
    /// Parses complete lines into rows of the selected channels (`out`, row-major) and their
    /// times (`times`, when there is a time column); returns the number of rows.
    fn parse_chunk(
        &self,
        bytes: &[u8],
        first_line: u64,
        out: &mut [f64],
        times: &mut [f64],
    ) -> Result<usize> {
        let n_ch = self.n_channels;
        let mut rows = 0;
        let n_fields = self.names.len();
        let mut start = 0;
        let mut k = 0u64;
        while start <= bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
            let raw = &bytes[start..end];
            let line = first_line + k;
            k += 1;
            start = end + 1;
            if raw.len() > MAX_LINE_BYTES {
                return Err(too_long(self.path, line));
            }
            let text = raw.strip_suffix(b"\r").unwrap_or(raw);
            if text.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            // the row's place; a chunk has room for one row per line
            let row = &mut out[rows * n_ch..(rows + 1) * n_ch];
            let mut time = 0.0;
            let mut n = 0;
            let mut from = 0;
            loop {
                // fast path: a plain decimal in a selected column, ended by the delimiter
                if let Some(Some(slot)) = self.slots.get(n) {
                    if Some(*slot) != self.lenient_slot {
                        if let Some((v, used)) = parse_plain_decimal(&text[from..]) {
                            let to = from + used;
                            if to == text.len() || text[to] == self.delimiter {
                                *row.get_mut(*slot).unwrap_or(&mut time) = v;
                                n += 1;
                                if to == text.len() {
                                    break;
                                }
                                from = to + 1;
                                continue;
                            }
                        }
                    }
                }
                let to =
                    memchr::memchr(self.delimiter, &text[from..]).map_or(text.len(), |i| from + i);
                if n < n_fields {
                    if let Some(slot) = self.slots[n] {
                        let field = &text[from..to];
                        *row.get_mut(slot).unwrap_or(&mut time) = if Some(slot) == self.lenient_slot
                        {
                            fast_float2::parse::<f64, _>(field.trim_ascii()).unwrap_or(f64::NAN)
                        } else {
                            self.parse_value(field, line, n)?
                        };
                    }
                }
                n += 1;
                if to == text.len() {
                    break;
                }
                from = to + 1;
            }
            if n != n_fields {
                return Err(super::field_count_error(
                    self.path,
                    line,
                    format!("{n} fields"),
                    n_fields,
                ));
            }
            if let Some(t) = times.get_mut(rows) {
                *t = time;
            }
            rows += 1;
        }
        Ok(rows)
    }

    /// Parses one cell as a finite number, or explains which cell is wrong.
    fn parse_value(&self, field: &[u8], line: u64, col: usize) -> Result<f64> {
        let field = field.trim_ascii();
        let field = field
            .strip_prefix(b"\"")
            .and_then(|f| f.strip_suffix(b"\""))
            .unwrap_or(field);
        let name = &self.names[col];
        if field.is_empty() {
            return Err(Error::at(
                self.path,
                line,
                Some(col + 1),
                format!("empty cell in column '{name}'"),
                "a number",
            ));
        }
        match fast_float2::parse::<f64, _>(field) {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(Error::at(
                self.path,
                line,
                Some(col + 1),
                format!("'{}' in column '{name}'", String::from_utf8_lossy(field)),
                "a finite number (NaN and infinity are not EEG samples)",
            )),
            Err(_) if std::str::from_utf8(field).is_err() => Err(Error::at(
                self.path,
                line,
                Some(col + 1),
                format!("bytes that are not UTF-8 in column '{name}'"),
                "a number",
            )),
            Err(_) => {
                let text = String::from_utf8_lossy(field);
                let shown: String = text.chars().take(40).collect();
                let ell = if text.chars().count() > 40 { "…" } else { "" };
                Err(Error::at(
                    self.path,
                    line,
                    Some(col + 1),
                    format!("'{shown}{ell}' in column '{name}'"),
                    "a number",
                ))
            }
        }
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

/// Powers of ten that are exact in f64 (10^0 ..= 10^22).
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses a plain decimal at the start of `b` (`-12.34`, `7`, `+0.5`: sign, digits, optionally
/// a point and digits) into the correctly rounded f64 and the bytes it used; `None` for anything
/// else (exponents, more than 19 digits, spaces, quotes, `.5`), which the full parser handles.
///
/// With at most 2^53 as the integer of all digits and at most 22 decimals, both operands of the
/// division are exact f64 values, so the one IEEE division is correctly rounded (Clinger's fast
/// path): the result is the same as `fast_float2::parse` / `str::parse` give, bit for bit.
#[inline]
fn parse_plain_decimal(b: &[u8]) -> Option<(f64, usize)> {
    // branch-free sign: EEG signs are a coin toss, and a mispredicted branch per value costs
    // as much as the rest of the parse
    let first = b.first().copied().unwrap_or(0);
    let negative = first == b'-';
    let mut i = usize::from(negative | (first == b'+'));
    let mut mantissa: u64 = 0;
    let int_start = i;
    while let Some(&c) = b.get(i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
        i += 1;
    }
    let int_digits = i - int_start;
    let mut decimals = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while let Some(&c) = b.get(i) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
            i += 1;
        }
        decimals = i - frac_start;
        if decimals == 0 {
            return None;
        }
    }
    if int_digits == 0 || int_digits + decimals > 19 || mantissa > 1 << 53 || decimals > 22 {
        return None;
    }
    let v = mantissa as f64 / EXACT_POWERS_OF_TEN[decimals];
    Some((f64::from_bits(v.to_bits() | (u64::from(negative) << 63)), i))
}

/// The error for a line over [`MAX_LINE_BYTES`].
fn too_long(path: &Path, line: u64) -> Error {
    Error::at(
        path,
        line,
        None,
        format!("a line longer than {MAX_LINE_BYTES} bytes"),
        format!("lines of at most {MAX_LINE_BYTES} bytes (one sample or event per line; is this a text table?)"),
    )
}

/// Splits complete lines into about `parts` chunks at newlines: (from, to, lines, first line).
fn split_lines(buf: &[u8], parts: usize, first_line: u64) -> Vec<(usize, usize, u64, u64)> {
    let mut chunks = Vec::with_capacity(parts);
    let mut from = 0;
    let mut line = first_line;
    for p in 1..=parts {
        if from >= buf.len() {
            break;
        }
        let mut to = if p == parts {
            buf.len()
        } else {
            (buf.len() * p / parts).max(from)
        };
        if to < buf.len() {
            to = memchr::memchr(b'\n', &buf[to..]).map_or(buf.len(), |i| to + i + 1);
        }
        // a chunk ending with '\n' holds that many lines; the last may lack it
        let body = &buf[from..to];
        let newlines = memchr::memchr_iter(b'\n', body).count() as u64;
        let lines = newlines + u64::from(!body.ends_with(b"\n") && !body.is_empty());
        let trimmed_to = if body.ends_with(b"\n") { to - 1 } else { to };
        chunks.push((from, trimmed_to, lines, line));
        line += lines;
        from = to;
    }
    chunks
}

/// Parses the header row with the csv crate (quotes allowed) and checks the names.
fn parse_header(path: &Path, line: &[u8], delimiter: u8) -> Result<Vec<String>> {
    if memchr::memchr_iter(b'"', line).count() % 2 == 1 {
        let col = line.iter().filter(|&&b| b == delimiter).count() + 1;
        return Err(Error::at(
            path,
            1,
            Some(col),
            "an unterminated quote",
            "a header row of channel names (quotes in pairs)",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .trim(csv::Trim::All)
        .from_reader(line);
    let mut record = csv::ByteRecord::new();
    reader.read_byte_record(&mut record).map_err(|e| {
        Error::at(
            path,
            1,
            None,
            e.to_string(),
            "a header row of channel names",
        )
    })?;
    let mut names: Vec<String> = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        let name = std::str::from_utf8(field).map_err(|_| {
            Error::at(
                path,
                1,
                Some(i + 1),
                "a name that is not UTF-8",
                "a channel name",
            )
        })?;
        if name.is_empty() {
            return Err(Error::at(
                path,
                1,
                Some(i + 1),
                "an empty column name",
                "a channel name",
            ));
        }
        if let Some(j) = names.iter().position(|n| n == name) {
            return Err(Error::at(
                path,
                1,
                Some(i + 1),
                format!("duplicate channel name '{name}' (also column {})", j + 1),
                "unique channel names",
            ));
        }
        names.push(name.to_string());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{read_recording, CsvOptions};
    use std::io::Write;

    /// A reader that hands out at most `step` bytes per call, like a pipe.
    struct Trickle(Vec<u8>, usize, usize);
    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len() - self.2);
            buf[..n].copy_from_slice(&self.0[self.2..self.2 + n]);
            self.2 += n;
            Ok(n)
        }
    }

    fn collect(text: &str, step: usize) -> Result<(Vec<f64>, usize, Option<f64>)> {
        let mut s = CsvStream::new(
            Box::new(Trickle(text.as_bytes().to_vec(), step, 0)),
            Path::new("x.csv"),
            None,
        )?;
        let mut all = Vec::new();
        let mut rows = 0;
        while let Some(b) = s.next_block()? {
            all.extend_from_slice(&b.samples);
            rows += b.n_rows;
        }
        Ok((all, rows, s.sample_rate_hz()))
    }

    #[test]
    fn same_samples_whatever_the_read_size() {
        let mut text = String::from("time,Cz,Pz,Oz\n");
        for i in 0..500 {
            text.push_str(&format!(
                "{:.6},{},{}.25,-{}e-1\r\n",
                i as f64 / 250.0,
                i % 17,
                i,
                i % 5
            ));
        }
        text.push('\n');
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        let whole = read_recording(f.path(), &CsvOptions::default()).unwrap();
        for step in [1, 7, 100, 1 << 20] {
            let (samples, rows, rate) = collect(&text, step).unwrap();
            assert_eq!(rows, 500);
            assert_eq!(rate, Some(250.0));
            assert_eq!(
                samples,
                whole.samples.as_slice().unwrap().to_vec(),
                "read size {step}"
            );
        }
    }

    #[test]
    fn errors_name_the_line_and_column_across_blocks() {
        let mut text = String::from("time;Cz;Pz\n");
        for i in 0..300 {
            let bad = if i == 250 { "x1" } else { "1" };
            text.push_str(&format!("{};{};2\n", i as f64 / 10.0, bad));
        }
        for step in [5, 1000] {
            let e = collect(&text, step).unwrap_err();
            assert!(
                e.message.contains("x.csv:252:2: 'x1' in column 'Cz'"),
                "{}",
                e.message
            );
        }
        let e = collect("time,Cz\n0,1\n0.1,1\n0.3,1\n", 3).unwrap_err();
        assert!(
            e.message.contains("x.csv:4:1:") && e.message.contains("regular step"),
            "{}",
            e.message
        );
        let e = collect("time,Cz\n0,1\n0.1,1,3\n", 3).unwrap_err();
        assert!(
            e.message.contains("x.csv:3: 3 fields, expected 2 fields"),
            "{}",
            e.message
        );
        let e = collect("time,Cz\n0,inf\n", 3).unwrap_err();
        assert!(e.message.contains("x.csv:2:2: 'inf'"), "{}", e.message);
    }

    #[test]
    fn selects_channels_in_model_order() {
        let text = "time,A,B,C\n0,1,2,3\n0.5,4,5,6\n";
        let mut s = CsvStream::new(
            Box::new(Trickle(text.as_bytes().to_vec(), 4, 0)),
            Path::new("x.csv"),
            None,
        )
        .unwrap();
        s.select_channels(&["C".into(), "A".into()], "the model needs")
            .unwrap();
        let mut samples = Vec::new();
        while let Some(b) = s.next_block().unwrap() {
            samples.extend_from_slice(&b.samples);
        }
        assert_eq!(samples, vec![3.0, 1.0, 6.0, 4.0]);
        let e = s
            .select_channels(&["D".into()], "the model needs")
            .unwrap_err();
        assert!(e.message.contains("missing channel D that the model needs"));
    }

    #[test]
    fn plain_decimals_parse_bit_for_bit_like_std() {
        // deterministic xorshift: digits, signs, decimal counts and lengths of every kind
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut accepted = 0;
        for _ in 0..200_000 {
            let r = next();
            let int_digits = 1 + (r % 12) as usize;
            let decimals = ((r >> 8) % 12) as usize;
            let mut text = String::new();
            match (r >> 16) % 3 {
                0 => text.push('-'),
                1 => text.push('+'),
                _ => {}
            }
            for k in 0..int_digits + decimals {
                if k == int_digits {
                    text.push('.');
                }
                text.push(char::from(b'0' + (next() % 10) as u8));
            }
            let expected: f64 = text.parse().unwrap();
            if let Some((v, used)) = parse_plain_decimal(text.as_bytes()) {
                assert_eq!(used, text.len(), "{text}");
                assert_eq!(v.to_bits(), expected.to_bits(), "{text}");
                accepted += 1;
            }
        }
        // nearly all short decimals take the fast path (the rest fall back to fast-float2)
        assert!(accepted > 150_000, "{accepted}");
        for odd in [
            "",
            "-",
            ".5",
            "5.",
            "1e3",
            "0x10",
            " 1",
            "12345678901234567890",
            "nan",
        ] {
            assert!(
                parse_plain_decimal(odd.as_bytes()).is_none_or(|(_, used)| used < odd.len()),
                "{odd}"
            );
        }
        assert_eq!(
            parse_plain_decimal(b"-0").unwrap().0.to_bits(),
            (-0.0f64).to_bits()
        );
        assert_eq!(parse_plain_decimal(b"12.5,3"), Some((12.5, 4)));
    }

    #[test]
    fn a_line_over_the_limit_is_refused_on_one_thread_too() {
        // one worker: the block target equals the line limit, which once recursed forever
        let text = format!("time,b\n{},2\n3,4\n", "1".repeat(MAX_LINE_BYTES + 10));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        for step in [1 << 16, 1 << 20, 1 << 22] {
            let e = pool.install(|| collect(&text, step)).unwrap_err();
            assert!(e.message.contains("longer than"), "{}", e.message);
        }
    }
}
