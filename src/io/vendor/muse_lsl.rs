//! muse-lsl `record` CSV: `timestamps,TP9,AF7,AF8,TP10,Right AUX[,Marker0...]`.

use super::common::{
    build, comma_cells, marker_label, median_step, no_samples, number, timestamp_rate,
    VendorRecording, MUSE_RATE_HZ,
};
use crate::io::channels::ReadOptions;
use crate::io::events::{check_event_count, Event};
use crate::io::sanity::Warning;
use crate::{Error, Result};
use std::path::Path;

/// Reads a muse-lsl `record` CSV: `timestamps` (Unix s, or ms — detected by magnitude), the
/// EEG columns, `Right AUX` (auxiliary) and `Marker*` columns (non-zero = an event).
pub(super) fn read_muse_lsl(
    path: &Path,
    lines: &[(u64, &str)],
    options: &ReadOptions,
) -> Result<(VendorRecording, Vec<Warning>)> {
    // long: the header's columns, one pass over the rows (samples and markers), then the rate from the time stamps
    let (header_line, header) = lines[0];
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let markers: Vec<usize> = (1..columns.len())
        .filter(|&i| columns[i].starts_with("Marker"))
        .collect();
    let chans: Vec<usize> = (1..columns.len())
        .filter(|i| !markers.contains(i))
        .collect();
    if chans.is_empty() {
        return Err(Error::at(
            path,
            header_line,
            None,
            "no channel columns",
            "timestamps,TP9,AF7,AF8,TP10,... as muse-lsl writes",
        ));
    }
    let names: Vec<String> = chans.iter().map(|&i| columns[i].to_string()).collect();
    if let Some(d) =
        (1..names.len()).find(|&i| names[..i].contains(&names[i]) || names[i].is_empty())
    {
        return Err(Error::at(
            path,
            header_line,
            Some(chans[d] + 1),
            format!("channel name '{}' (empty or repeated)", names[d]),
            "unique channel names",
        ));
    }
    let is_eeg: Vec<bool> = names
        .iter()
        .map(|n| !n.to_ascii_uppercase().contains("AUX"))
        .collect();
    let mut values = Vec::new();
    let mut times = Vec::new();
    let mut time_lines = Vec::new();
    let mut marks: Vec<(usize, String, u64)> = Vec::new();
    for &(line, text) in &lines[1..] {
        if text.trim().is_empty() {
            continue;
        }
        let cells = comma_cells(path, line, text, columns.len())?;
        times.push(number(path, line, 0, cells[0], "timestamps")?);
        time_lines.push(line);
        for (&c, name) in chans.iter().zip(&names) {
            values.push(number(path, line, c, cells[c], name)?);
        }
        for &c in &markers {
            let cell = cells[c].trim();
            let label = match cell.parse::<f64>() {
                Ok(0.0) => continue,
                _ if cell.is_empty() || cell.eq_ignore_ascii_case("nan") => continue,
                Ok(v) if v.is_finite() => marker_label(v),
                _ => cell.to_string(),
            };
            check_event_count(marks.len(), || format!("{}:{line}", path.display()))?;
            marks.push((times.len() - 1, label, line));
        }
    }
    if times.is_empty() {
        return Err(no_samples(path, 2));
    }
    // Unix time in s is about 1.7e9 today; in ms about 1.7e12. Relative times: a median step
    // of 1 or more would be a rate under 1 Hz in s, so it is ms.
    let in_ms = times[0].abs() >= 1e11 || median_step(&times).is_some_and(|m| m >= 1.0);
    if in_ms {
        for t in &mut times {
            *t /= 1000.0;
        }
    }
    let fs = match options.csv.sample_rate_hz {
        Some(fs) => fs,
        None => timestamp_rate(
            path,
            &times,
            &time_lines,
            0,
            if in_ms { 1e-3 } else { 0.0 },
            Some(MUSE_RATE_HZ),
        )?,
    };
    let events = marks
        .into_iter()
        .map(|(row, label, line)| Event {
            onset_s: row as f64 / fs,
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
