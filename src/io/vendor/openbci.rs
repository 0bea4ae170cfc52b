//! OpenBCI GUI `OpenBCI-RAW-*.txt` exports (GUI v5 with a header row, v4 without).

use super::common::{build, comma_cells, no_samples, number, VendorRecording};
use crate::io::channels::ReadOptions;
use crate::io::errors::truncate;
use crate::io::sanity::Warning;
use crate::limits::{MAX_COLUMNS, MAX_SAMPLE_RATE_HZ};
use crate::{Error, Result};
use std::path::Path;

/// Reads an OpenBCI GUI `OpenBCI-RAW-*.txt` export: the EXG channels, the rate of the
/// `%Sample Rate = N Hz` comment. GUI v4 files have no header row: their first
/// `%Number of channels = N` columns after the sample index are the channels.
pub(super) fn read_openbci(
    path: &Path,
    lines: &[(u64, &str)],
    options: &ReadOptions,
) -> Result<(VendorRecording, Vec<Warning>)> {
    let Comments {
        rate,
        declared_channels,
        end: k,
    } = read_comments(path, lines, options)?;
    let Some(&(header_line, header)) = lines.get(k) else {
        return Err(Error::at(
            path,
            k as u64 + 1,
            None,
            "no header row after the % comments",
            "a header row `Sample Index, EXG Channel 0, ...`",
        ));
    };
    let fs = match (options.csv.sample_rate_hz, rate) {
        (Some(fs), _) | (None, Some((fs, _))) => fs,
        (None, None) => {
            return Err(Error::at(
                path,
                1,
                None,
                "no `%Sample Rate = N Hz` line in the % comment header",
                "the sample rate the OpenBCI GUI writes there (or pass --sample-rate)",
            ))
        }
    };
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    // GUI v4 and earlier wrote no header row: the sample index, then `%Number of channels`
    // EEG columns (µV), then aux columns and a time; the channels get v5's names
    let (exg, names, first_data) = if columns[0].parse::<f64>().is_ok() {
        v4_columns(path, &columns, header_line, declared_channels, k)?
    } else {
        v5_columns(path, &columns, header, header_line, k)?
    };
    let mut values = Vec::new();
    let mut n = 0usize;
    for &(line, text) in &lines[first_data..] {
        if text.trim().is_empty() || text.starts_with('%') {
            continue;
        }
        let cells = comma_cells(path, line, text, columns.len())?;
        for (&c, name) in exg.iter().zip(&names) {
            values.push(number(path, line, c, cells[c], name)?);
        }
        n += 1;
    }
    if n == 0 {
        return Err(no_samples(path, header_line + 1));
    }
    Ok((
        build(path, values, names, fs, None, Vec::new())?,
        Vec::new(),
    ))
}

/// The EEG columns of a GUI v4 file (no header row; `declared_channels` is the
/// `%Number of channels = N` comment: its line and value): their indices, v5's names for them,
/// and the index in `lines` of the first data row (`k`, the row after the comments).
fn v4_columns(
    path: &Path,
    columns: &[&str],
    header_line: u64,
    declared_channels: Option<(u64, &str)>,
    k: usize,
) -> Result<(Vec<usize>, Vec<String>, usize)> {
    let Some((count_line, count)) = declared_channels else {
        return Err(Error::at(
            path,
            header_line,
            None,
            "data without a header row and no `%Number of channels = N` comment",
            "a header row `Sample Index, EXG Channel 0, ...` (GUI v5 and later) or a `%Number of channels = N` comment (GUI v4)",
        ));
    };
    let n = match count.parse::<usize>() {
        Ok(n) if (1..=MAX_COLUMNS).contains(&n) => n,
        _ => {
            return Err(Error::at(
                path,
                count_line,
                None,
                format!("number of channels '{count}'"),
                format!("`%Number of channels = N` with 1 ≤ N ≤ {MAX_COLUMNS}"),
            ))
        }
    };
    if columns.len() < n + 1 {
        return Err(Error::at(
            path,
            header_line,
            None,
            format!("{} fields", columns.len()),
            format!("at least {} fields: the sample index and the {n} channels of `%Number of channels = {n}`", n + 1),
        ));
    }
    let names = (0..n).map(|i| format!("EXG Channel {i}")).collect();
    Ok(((1..=n).collect(), names, k))
}

/// The `EXG Channel` columns of a GUI v5 header row: their indices, names, and the index in
/// `lines` of the first data row (`k + 1`, after the header at `k`).
fn v5_columns(
    path: &Path,
    columns: &[&str],
    header: &str,
    header_line: u64,
    k: usize,
) -> Result<(Vec<usize>, Vec<String>, usize)> {
    let exg: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].starts_with("EXG Channel"))
        .collect();
    if exg.is_empty() {
        return Err(Error::at(
            path,
            header_line,
            None,
            format!("no `EXG Channel` column (header: {})", truncate(header)),
            "a header row `Sample Index, EXG Channel 0, ...` as the OpenBCI GUI writes",
        ));
    }
    let names: Vec<String> = exg.iter().map(|&i| columns[i].to_string()).collect();
    if let Some(d) = (1..names.len()).find(|&i| names[..i].contains(&names[i])) {
        return Err(Error::at(
            path,
            header_line,
            Some(exg[d] + 1),
            format!("duplicate channel name '{}'", names[d]),
            "unique channel names",
        ));
    }
    Ok((exg, names, k + 1))
}

/// What the `%` comment lines at the top of an OpenBCI GUI export say.
struct Comments<'a> {
    /// `%Sample Rate = N Hz`: the rate, Hz, and its line.
    rate: Option<(f64, u64)>,
    /// `%Number of channels = N`: its line and the value as written.
    declared_channels: Option<(u64, &'a str)>,
    /// Index (into the lines) of the first line after the comments.
    end: usize,
}

/// Reads the `%` comment lines at the top of an OpenBCI GUI export: the sample rate (two
/// lines that disagree are refused unless `--sample-rate` is given) and the channel count.
fn read_comments<'a>(
    path: &Path,
    lines: &[(u64, &'a str)],
    options: &ReadOptions,
) -> Result<Comments<'a>> {
    let mut rate = None;
    let mut declared_channels = None;
    let mut k = 0;
    while k < lines.len() && lines[k].1.starts_with('%') {
        let body = lines[k].1.trim_start_matches('%').trim();
        if let Some((key, value)) = body.split_once('=') {
            if key.trim().eq_ignore_ascii_case("Number of channels") {
                // read only when there is no header row (GUI v4) to name the columns
                declared_channels = Some((lines[k].0, value.trim()));
            } else if key.trim().eq_ignore_ascii_case("Sample Rate") {
                let v = value.trim();
                let v = v.strip_suffix("Hz").unwrap_or(v).trim();
                match v.parse::<f64>() {
                    Ok(fs) if fs.is_finite() && fs > 0.0 && fs <= MAX_SAMPLE_RATE_HZ => {
                        // two lines that disagree: which one is right is anyone's guess
                        if let Some((first, line)) = rate {
                            if first != fs && options.csv.sample_rate_hz.is_none() {
                                return Err(Error::at(
                                    path,
                                    lines[k].0,
                                    None,
                                    format!("a second `%Sample Rate` line, {fs} Hz, where line {line} says {first} Hz"),
                                    "one sample rate (correct the file, or pass --sample-rate)",
                                ));
                            }
                        }
                        rate = Some((fs, lines[k].0))
                    }
                    _ => {
                        return Err(Error::at(
                            path,
                            lines[k].0,
                            None,
                            format!("sample rate '{}'", value.trim()),
                            format!("`%Sample Rate = N Hz` with 0 < N ≤ {MAX_SAMPLE_RATE_HZ}"),
                        ))
                    }
                }
            }
        }
        k += 1;
    }
    Ok(Comments {
        rate,
        declared_channels,
        end: k,
    })
}
