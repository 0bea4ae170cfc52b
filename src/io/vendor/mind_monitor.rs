//! Mind Monitor (Muse) CSV: `TimeStamp,Delta_TP9,...,RAW_TP9,...,Elements`.

use super::common::{
    build, comma_cells, no_samples, number, timestamp_rate, VendorRecording, MUSE_RATE_HZ,
};
use crate::io::channels::ReadOptions;
use crate::io::errors::truncate;
use crate::io::events::{check_event_count, Event};
use crate::io::sanity::Warning;
use crate::{Error, Result};
use std::path::Path;

/// Reads a Mind Monitor CSV: `RAW_*` columns (µV) are EEG, `AUX_*` auxiliary; rows whose
/// `Elements` cell is set and RAW cells empty are events (`/Marker/1`, `/muse/elements/blink`).
pub(super) fn read_mind_monitor(
    path: &Path,
    lines: &[(u64, &str)],
    options: &ReadOptions,
) -> Result<(VendorRecording, Vec<Warning>)> {
    // long: one pass over rows that are samples or Elements events, then the rate from the time stamps
    let (header_line, header) = lines[0];
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let raw: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].starts_with("RAW_") || columns[i].starts_with("AUX_"))
        .collect();
    let elements = columns.iter().position(|c| *c == "Elements");
    let names: Vec<String> = raw
        .iter()
        .map(|&i| {
            let c = columns[i];
            c.strip_prefix("RAW_").unwrap_or(c).to_string()
        })
        .collect();
    let is_eeg: Vec<bool> = raw
        .iter()
        .map(|&i| columns[i].starts_with("RAW_"))
        .collect();
    let mut values = Vec::new();
    let mut times = Vec::new();
    let mut time_lines = Vec::new();
    let mut marks: Vec<(f64, String, u64)> = Vec::new();
    let mut day0: Option<i64> = None;
    for &(line, text) in &lines[1..] {
        if text.trim().is_empty() {
            continue;
        }
        let cells = comma_cells(path, line, text, columns.len())?;
        let (day, secs) = parse_timestamp_parts(cells[0].trim()).ok_or_else(|| {
            Error::at(
                path,
                line,
                Some(1),
                format!("TimeStamp '{}'", truncate(cells[0].trim())),
                "a date and time `YYYY-MM-DD hh:mm:ss.sss` (or Unix seconds)",
            )
        })?;
        // seconds from the first row's day, exact to the millisecond
        let first_day = *day0.get_or_insert(day);
        let t = (day - first_day) as f64 * 86_400.0 + secs;
        let element = elements.map(|e| cells[e].trim()).unwrap_or("");
        if raw.iter().all(|&c| cells[c].trim().is_empty()) {
            if element.is_empty() {
                return Err(Error::at(
                    path,
                    line,
                    Some(raw[0] + 1),
                    "a row without RAW values or Elements",
                    "RAW_* samples, or an Elements event",
                ));
            }
            check_event_count(marks.len(), || format!("{}:{line}", path.display()))?;
            marks.push((t, element_label(element), line));
            continue;
        }
        for (&c, name) in raw.iter().zip(&names) {
            values.push(number(path, line, c, cells[c], name)?);
        }
        if !element.is_empty() {
            check_event_count(marks.len(), || format!("{}:{line}", path.display()))?;
            marks.push((t, element_label(element), line));
        }
        times.push(t);
        time_lines.push(line);
    }
    if raw.is_empty() {
        return Err(Error::at(
            path,
            header_line,
            None,
            "no RAW_ columns",
            "RAW_TP9, RAW_AF7, RAW_AF8, RAW_TP10 (enable raw EEG in Mind Monitor's recording settings)",
        ));
    }
    if times.is_empty() {
        return Err(no_samples(path, 2));
    }
    let fs = match options.csv.sample_rate_hz {
        Some(fs) => fs,
        None => timestamp_rate(path, &times, &time_lines, 0, 1e-3, Some(MUSE_RATE_HZ))?,
    };
    let t0 = times[0];
    let events = marks
        .into_iter()
        .map(|(t, label, line)| Event {
            onset_s: (t - t0).max(0.0),
            duration_s: 0.0,
            label,
            line,
        })
        .collect();
    Ok((
        build(path, values, names, fs, Some(is_eeg), events)?,
        Vec::new(),
    ))
}

/// An Elements cell as a label: `/muse/elements/blink` → `blink`, `/Marker/1` → `Marker/1`;
/// a cell that would leave nothing (`/`, `/muse/elements/`) is kept whole: labels are never
/// empty.
fn element_label(element: &str) -> String {
    let e = element.trim();
    let short = e.strip_prefix("/muse/elements/").unwrap_or(e);
    let short = short.trim_start_matches('/');
    if short.is_empty() { e } else { short }.to_string()
}

/// Seconds of a `YYYY-MM-DD hh:mm:ss[.fff]` date-time (UTC-agnostic: only differences
/// matter), or of a plain number; see [`parse_timestamp_parts`].
#[cfg(test)]
fn parse_timestamp(text: &str) -> Option<f64> {
    parse_timestamp_parts(text).map(|(d, s)| d as f64 * 86_400.0 + s)
}

/// A `YYYY-MM-DD hh:mm:ss[.fff]` date-time as (days since 1970-01-01, seconds in the day),
/// or a plain number of seconds as (0, seconds): kept apart so that differences between
/// nearby stamps keep their millisecond precision.
fn parse_timestamp_parts(text: &str) -> Option<(i64, f64)> {
    if let Ok(v) = text.parse::<f64>() {
        return v.is_finite().then_some((0, v));
    }
    let (date, time) = text.split_once([' ', 'T'])?;
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut t = time.split(':');
    let hh: f64 = t.next()?.parse().ok()?;
    let mm: f64 = t.next()?.parse().ok()?;
    let ss: f64 = t.next()?.parse().ok()?;
    if t.next().is_some() || !(0.0..24.0).contains(&hh) || !(0.0..60.0).contains(&mm) {
        return None;
    }
    if !(0.0..61.0).contains(&ss) || !(-9999..=9999).contains(&y) {
        return None;
    }
    // days from civil (Howard Hinnant's algorithm)
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days, hh * 3600.0 + mm * 60.0 + ss))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mind_monitor_element_labels_are_never_empty() {
        assert_eq!(element_label("/muse/elements/blink"), "blink");
        assert_eq!(element_label(" /Marker/1 "), "Marker/1");
        // found by fuzzing: these left an empty label
        assert_eq!(element_label("/"), "/");
        assert_eq!(element_label("//"), "//");
        assert_eq!(element_label("/muse/elements/"), "/muse/elements/");
    }

    #[test]
    fn datetimes_differ_in_seconds() {
        let a = parse_timestamp("2024-02-28 23:59:59.500").unwrap();
        let b = parse_timestamp("2024-02-29 00:00:00.250").unwrap();
        assert!((b - a - 0.75).abs() < 1e-6);
        assert_eq!(parse_timestamp("1970-01-01 00:00:01"), Some(1.0));
        assert!(parse_timestamp("2024-13-01 00:00:00").is_none());
    }
}
