//! What the vendor dialect readers share: cells parsed as numbers, the recording they build,
//! markers as labels, and the sample rate of time stamps.

use crate::io::csv::rate::round_rate;
use crate::io::errors::field_count_error;
use crate::io::events::Event;
use crate::limits::MAX_SAMPLE_RATE_HZ;
use crate::{Error, Recording, Result};
use ndarray::Array2;
use std::path::Path;

/// The comma-separated cells of a data row, which must have `n_columns` of them.
pub(super) fn comma_cells<'a>(
    path: &Path,
    line: u64,
    text: &'a str,
    n_columns: usize,
) -> Result<Vec<&'a str>> {
    let cells: Vec<&str> = text.split(',').collect();
    if cells.len() != n_columns {
        return Err(field_count_error(
            path,
            line,
            format!("{} fields", cells.len()),
            n_columns,
        ));
    }
    Ok(cells)
}

/// A vendor file parsed: all channels, which of them are EEG, and the file's events.
#[derive(Debug, Clone)]
pub struct VendorRecording {
    /// Every channel eegi can read from the file.
    pub recording: Recording,
    /// Per channel: EEG (kept by default) or auxiliary (kept only when `--channels` names it).
    pub is_eeg: Vec<bool>,
    /// Events found in the file (marker columns or rows); empty when none.
    pub events: Vec<Event>,
}

/// Parses one cell as a finite number, or names the cell.
pub(super) fn number(path: &Path, line: u64, col: usize, cell: &str, column: &str) -> Result<f64> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(Error::at(
            path,
            line,
            Some(col + 1),
            format!("empty cell in column '{column}'"),
            "a number",
        ));
    }
    match fast_float2::parse::<f64, _>(cell) {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(Error::at(
            path,
            line,
            Some(col + 1),
            format!("'{cell}' in column '{column}'"),
            "a finite number (NaN and infinity are not EEG samples)",
        )),
        Err(_) => {
            let shown: String = cell.chars().take(40).collect();
            Err(Error::at(
                path,
                line,
                Some(col + 1),
                format!("'{shown}' in column '{column}'"),
                "a number",
            ))
        }
    }
}

/// Builds the vendor recording from row-major values, which channels are EEG (`None`: all)
/// and the file's events.
pub(super) fn build(
    path: &Path,
    values: Vec<f64>,
    names: Vec<String>,
    sample_rate_hz: f64,
    is_eeg: Option<Vec<bool>>,
    events: Vec<Event>,
) -> Result<VendorRecording> {
    let n_ch = names.len();
    let n = values.len() / n_ch.max(1);
    let samples = Array2::from_shape_vec((n, n_ch), values)
        .map_err(|e| Error::runtime(format!("{}: {e}", path.display())))?;
    Ok(VendorRecording {
        recording: Recording {
            samples,
            sample_rate_hz,
            channel_names: names,
            source: path.to_path_buf(),
        },
        is_eeg: is_eeg.unwrap_or_else(|| vec![true; n_ch]),
        events,
    })
}

/// The error for a file without sample rows.
pub(super) fn no_samples(path: &Path, line: u64) -> Error {
    Error::at(
        path,
        line,
        None,
        "no samples",
        "at least one row of samples",
    )
}

/// A marker value as an event label: `1`, `2.5`.
pub(super) fn marker_label(v: f64) -> String {
    crate::io::event_map::code_text(v)
}

/// The median of the steps between consecutive times (none with fewer than two).
pub(super) fn median_step(times: &[f64]) -> Option<f64> {
    let mut d: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    if d.is_empty() {
        return None;
    }
    let mid = d.len() / 2;
    Some(*d.select_nth_unstable_by(mid, f64::total_cmp).1)
}

/// The sample rate of time stamps in s (`lines` and `col` name them in errors): the mean step
/// over the file, checked against the median step (they agree within 1% or the stamps'
/// `resolution` in s) and for gaps (no step above twice the median plus the resolution) and
/// steps back. A rate within 0.1% of a whole number is rounded to it, and within 1% of
/// `nominal` set to it.
pub fn timestamp_rate(
    path: &Path,
    times: &[f64],
    lines: &[u64],
    col: usize,
    resolution: f64,
    nominal: Option<f64>,
) -> Result<f64> {
    let n = times.len();
    if n < 2 {
        return Err(Error::file(
            path,
            "only one sample, expected at least two to infer the sample rate from the time stamps (or pass --sample-rate)",
        ));
    }
    for i in 1..n {
        if times[i] < times[i - 1] {
            return Err(Error::at(
                path,
                lines[i],
                Some(col + 1),
                format!(
                    "a time stamp {} s before the previous one",
                    times[i - 1] - times[i]
                ),
                "time stamps that increase (pass --sample-rate to ignore them)",
            ));
        }
    }
    let median = median_step(times).unwrap_or(0.0);
    let span = times[n - 1] - times[0];
    let mean = span / (n - 1) as f64;
    if mean.is_nan() || mean <= 0.0 {
        return Err(Error::at(
            path,
            lines[1],
            Some(col + 1),
            "time stamps that do not increase",
            "time stamps in seconds, one per sample (pass --sample-rate to ignore them)",
        ));
    }
    if let Some(i) = (1..n).find(|&i| times[i] - times[i - 1] > 2.0 * median + resolution) {
        return Err(Error::at(
            path,
            lines[i],
            Some(col + 1),
            format!(
                "a gap of {:.6} s after the previous sample",
                times[i] - times[i - 1]
            ),
            format!("steps of about {median:.6} s (samples were lost; pass --sample-rate to ignore the time stamps)"),
        ));
    }
    if (median - mean).abs() > (0.01 * mean).max(resolution) {
        return Err(Error::file(
            path,
            format!(
                "time stamps with a median step of {median:.6} s but a mean step of {mean:.6} s, expected a regular rate (dropped or bunched samples? pass --sample-rate)"
            ),
        ));
    }
    let rate = round_rate(1.0 / mean);
    if rate > MAX_SAMPLE_RATE_HZ {
        return Err(Error::file(
            path,
            format!("time stamps {mean:e} s apart ({rate:.0} Hz), expected at most {MAX_SAMPLE_RATE_HZ} Hz"),
        ));
    }
    Ok(match nominal {
        Some(f) if (rate - f).abs() <= 0.01 * f => f,
        _ => rate,
    })
}

/// The nominal Muse EEG rate, Hz: a rate measured from time stamps within 1% of it is taken
/// as exactly this (phone clocks stamp samples on arrival, to the millisecond).
pub const MUSE_RATE_HZ: f64 = 256.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_rate_checks_gaps_and_steps_back() {
        let lines: Vec<u64> = (2..12).collect();
        let t: Vec<f64> = (0..10).map(|i| i as f64 / 100.0).collect();
        assert_eq!(
            timestamp_rate(Path::new("x"), &t, &lines, 0, 0.0, None).unwrap(),
            100.0
        );
        let mut gap = t.clone();
        for v in gap.iter_mut().skip(5) {
            *v += 0.05;
        }
        let e = timestamp_rate(Path::new("x"), &gap, &lines, 0, 0.0, None).unwrap_err();
        assert!(
            e.message.starts_with("x:7:1: a gap of 0.060000 s"),
            "{}",
            e.message
        );
        let mut back = t.clone();
        back[3] = 0.0;
        let e = timestamp_rate(Path::new("x"), &back, &lines, 0, 0.0, None).unwrap_err();
        assert!(e.message.starts_with("x:5:1:"), "{}", e.message);
    }
}
