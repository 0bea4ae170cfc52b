//! The row parser of EEG CSV blocks: lines split per worker, plain decimals parsed fast,
//! the header read and checked.

use crate::io::errors::field_count_error;
use crate::limits::MAX_LINE_BYTES;
use crate::{Error, Result};
use std::path::Path;

/// The read-only state needed to parse rows, shared by the workers of a block.
pub(super) struct RowParser<'a> {
    pub(super) path: &'a Path,
    pub(super) delimiter: u8,
    pub(super) names: &'a [String],
    pub(super) slots: &'a [Option<usize>],
    /// Selected channels per row; slot `n_channels` is the time column.
    pub(super) n_channels: usize,
    pub(super) lenient_slot: Option<usize>,
}

impl RowParser<'_> {
    /// Parses complete lines into rows of the selected channels (`out`, row-major) and their
    /// times (`times`, when there is a time column); returns the number of rows.
    pub(super) fn parse_chunk(
        &self,
        bytes: &[u8],
        first_line: u64,
        out: &mut [f64],
        times: &mut [f64],
    ) -> Result<usize> {
        // long: the hot loop over one worker's rows: fields, slots and errors in one pass
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
                return Err(field_count_error(
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
    pub(super) fn parse_value(&self, field: &[u8], line: u64, col: usize) -> Result<f64> {
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
pub(super) fn parse_plain_decimal(b: &[u8]) -> Option<(f64, usize)> {
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
pub(super) fn too_long(path: &Path, line: u64) -> Error {
    Error::at(
        path,
        line,
        None,
        format!("a line longer than {MAX_LINE_BYTES} bytes"),
        format!("lines of at most {MAX_LINE_BYTES} bytes (one sample or event per line; is this a text table?)"),
    )
}

/// Splits complete lines into about `parts` chunks at newlines: (from, to, lines, first line).
pub(super) fn split_lines(
    buf: &[u8],
    parts: usize,
    first_line: u64,
) -> Vec<(usize, usize, u64, u64)> {
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
pub(super) fn parse_header(path: &Path, line: &[u8], delimiter: u8) -> Result<Vec<String>> {
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
#[path = "parse_tests.rs"]
mod tests;
