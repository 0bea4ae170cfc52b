//! The EEG CSV reader: a header row of channel names, one row per sample, values in µV, and an
//! optional `time` column (seconds) from which the sample rate is inferred.

use super::sanity::{LOW_RATE_HZ, RATE_DISAGREEMENT};
use super::{check_recording, detect_delimiter, read_bytes, Warning, WarningKind};
use crate::limits::{MAX_COLUMNS, MAX_SAMPLE_RATE_HZ};
use crate::{Error, Recording, Result};
use ndarray::Array2;
use std::path::Path;

/// How to read an EEG CSV file.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// Sample rate in Hz given by the user; when set, a `time` column is ignored.
    pub sample_rate_hz: Option<f64>,
}

/// Relative tolerance on the spacing of the `time` column (1% of the sample interval): wide
/// enough for timestamps printed with few decimals, narrow enough to catch a dropped sample.
const TIME_STEP_TOLERANCE: f64 = 0.01;

/// Reads an EEG CSV file (comma, tab or semicolon separated; `-` = standard input) into a
/// [`Recording`].
pub fn read_recording(path: &Path, options: &CsvOptions) -> Result<Recording> {
    read_recording_checked(path, options).map(|(r, _)| r)
}

/// Reads an EEG CSV file like [`read_recording`], with the input sanity warnings about it
/// (time column, then per-channel checks of [`check_recording`]).
pub fn read_recording_checked(
    path: &Path,
    options: &CsvOptions,
) -> Result<(Recording, Vec<Warning>)> {
    if let Some(fs) = options.sample_rate_hz {
        if !(fs.is_finite() && fs > 0.0 && fs <= MAX_SAMPLE_RATE_HZ) {
            return Err(Error::input(format!(
                "--sample-rate {fs}: expected a positive rate in Hz, at most {MAX_SAMPLE_RATE_HZ}"
            )));
        }
    }
    let bytes = read_bytes(path, &super::ReadLimits::TABLE)?;
    parse_recording(path, &bytes, options)
}

/// Parses the bytes of an EEG CSV file already read within the limits (`path` names it in
/// errors), with its sanity warnings; the entry point the fuzz tests drive.
pub fn parse_recording(
    path: &Path,
    bytes: &[u8],
    options: &CsvOptions,
) -> Result<(Recording, Vec<Warning>)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::at(
            path,
            1,
            None,
            "empty file",
            "a header row of channel names",
        ));
    }
    let delimiter = detect_delimiter(&bytes[..first_line_end]);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);

    let header = reader
        .byte_headers()
        .map_err(|e| csv_error(path, &e))?
        .clone();
    let mut names = Vec::with_capacity(header.len());
    for (i, field) in header.iter().enumerate() {
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
        if let Some(j) = names.iter().position(|n: &String| n == name) {
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
    if names.len() > MAX_COLUMNS {
        return Err(Error::at(
            path,
            1,
            None,
            format!("a header of {} columns", names.len()),
            format!("at most {MAX_COLUMNS} columns (channels and time)"),
        ));
    }
    let time_col = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case("time") || n.eq_ignore_ascii_case("time_s"));
    let channel_cols: Vec<usize> = (0..names.len()).filter(|&i| Some(i) != time_col).collect();
    if channel_cols.is_empty() {
        return Err(Error::at(
            path,
            1,
            None,
            "no channel columns",
            "at least one EEG channel column in the header",
        ));
    }
    let use_time = time_col.is_some() && options.sample_rate_hz.is_none();
    if time_col.is_none() && options.sample_rate_hz.is_none() {
        return Err(Error::file(
            path,
            "no `time` column and no --sample-rate given, expected one of them to know the sample rate",
        ));
    }

    let n_fields = names.len();
    let n_ch = channel_cols.len();
    let mut values: Vec<f64> = Vec::with_capacity(bytes.len() / (n_fields * 6).max(1) * n_ch);
    let mut times: Vec<f64> = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, &e)),
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() == 1 && record.get(0) == Some(b"") {
            continue; // a line of blanks
        }
        if record.len() != n_fields {
            return Err(Error::at(
                path,
                line,
                None,
                format!("{} fields", record.len()),
                format!("{n_fields} fields as in the header"),
            ));
        }
        for &c in &channel_cols {
            values.push(parse_value(path, line, c, &names[c], &record[c])?);
        }
        if let Some(c) = time_col {
            if use_time {
                times.push(parse_value(path, line, c, &names[c], &record[c])?);
                lines.push(line);
            } else if let Some(t) = std::str::from_utf8(&record[c])
                .ok()
                .and_then(|t| t.parse::<f64>().ok())
            {
                // an ignored time column is still compared with --sample-rate
                times.push(t);
            }
        }
    }
    let n_samples = values.len() / n_ch;
    if n_samples == 0 {
        return Err(Error::at(
            path,
            2,
            None,
            "no samples after the header",
            "at least one data row",
        ));
    }
    let mut warnings = Vec::new();
    let time_warning = |message: String| Warning {
        file: path.display().to_string(),
        kind: WarningKind::TimeColumn,
        channels: Vec::new(),
        message,
    };
    let sample_rate_hz = match options.sample_rate_hz {
        Some(fs) => {
            let n = times.len();
            if n >= 2 && n == n_samples && times[n - 1] > times[0] {
                let implied = (n - 1) as f64 / (times[n - 1] - times[0]);
                if (implied - fs).abs() > RATE_DISAGREEMENT * fs {
                    warnings.push(time_warning(format!(
                        "the time column implies {implied:.6} Hz but --sample-rate is {fs} Hz, expected them to agree within 1%; using {fs} Hz"
                    )));
                }
            }
            fs
        }
        None => {
            let fs = infer_rate(path, &times, &lines, time_col.map(|c| c + 1).unwrap_or(1))?;
            if fs > MAX_SAMPLE_RATE_HZ {
                return Err(Error::at(
                    path,
                    lines[1],
                    time_col.map(|c| c + 1),
                    format!("a time step of {:e} s ({fs:.0} Hz)", 1.0 / fs),
                    format!("a sample rate of at most {MAX_SAMPLE_RATE_HZ} Hz with times in seconds (pass --sample-rate if the column is in other units)"),
                ));
            }
            if fs < LOW_RATE_HZ {
                warnings.push(time_warning(format!(
                    "the time column implies {fs} Hz, expected at least {LOW_RATE_HZ} Hz with times in seconds; is it in milliseconds or samples? pass --sample-rate"
                )));
            }
            fs
        }
    };
    let channel_names = channel_cols.iter().map(|&c| names[c].clone()).collect();
    let samples = Array2::from_shape_vec((n_samples, n_ch), values)
        .map_err(|e| Error::runtime(format!("{}: {e}", path.display())))?;
    let recording = Recording {
        samples,
        sample_rate_hz,
        channel_names,
        source: path.to_path_buf(),
    };
    warnings.extend(check_recording(&recording));
    Ok((recording, warnings))
}

/// Parses one cell as a finite number, or explains which cell is wrong.
fn parse_value(path: &Path, line: u64, col: usize, name: &str, field: &[u8]) -> Result<f64> {
    let Ok(text) = std::str::from_utf8(field) else {
        return Err(Error::at(
            path,
            line,
            Some(col + 1),
            format!("bytes that are not UTF-8 in column '{name}'"),
            "a number",
        ));
    };
    if text.is_empty() {
        return Err(Error::at(
            path,
            line,
            Some(col + 1),
            format!("empty cell in column '{name}'"),
            "a number",
        ));
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(Error::at(
            path,
            line,
            Some(col + 1),
            format!("'{text}' in column '{name}'"),
            "a finite number (NaN and infinity are not EEG samples)",
        )),
        Err(_) => Err(Error::at(
            path,
            line,
            Some(col + 1),
            format!("'{}' in column '{name}'", truncate(text)),
            "a number",
        )),
    }
}

/// Shortens a long cell so that the error stays one readable line.
fn truncate(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

/// The sample rate implied by a regular `time` column; the first irregular step is an error.
fn infer_rate(path: &Path, times: &[f64], lines: &[u64], col: usize) -> Result<f64> {
    if times.len() < 2 {
        return Err(Error::file(
            path,
            "only one sample, expected at least two to infer the sample rate from the time column (or pass --sample-rate)",
        ));
    }
    let n = times.len();
    // the typical step (median difference) judges each step; a gap cannot skew it
    let mut diffs: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let mid = diffs.len() / 2;
    let step = *diffs.select_nth_unstable_by(mid, f64::total_cmp).1;
    for i in 1..n {
        let d = times[i] - times[i - 1];
        if step <= 0.0 || step.is_nan() || (d - step).abs() > TIME_STEP_TOLERANCE * step {
            return Err(Error::at(
                path,
                lines[i],
                Some(col),
                format!("time {} s is {} s after the previous sample", times[i], d),
                if step > 0.0 {
                    format!(
                        "a regular step of {step:.6} s (pass --sample-rate to ignore the time column)"
                    )
                } else {
                    "times in seconds that increase by a regular step (pass --sample-rate to ignore the time column)".to_string()
                },
            ));
        }
    }
    // all steps are regular: the mean step over the whole column is the most precise
    Ok(round_rate((n - 1) as f64 / (times[n - 1] - times[0])))
}

/// Rounds an inferred rate to whole Hz when it lies within 0.1% of a whole number, undoing
/// the rounding of printed timestamps (1/512 s printed as 0.001953).
pub(crate) fn round_rate(rate: f64) -> f64 {
    let whole = rate.round();
    if whole > 0.0 && (rate - whole).abs() <= 1e-3 * whole {
        whole
    } else {
        rate
    }
}

/// Turns a CSV-level error into eegi's one-line form.
fn csv_error(path: &Path, e: &csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(1);
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            Error::at(path, line, None, "text that is not UTF-8", "UTF-8 text")
        }
        csv::ErrorKind::Io(io) => {
            Error::file(path, format!("cannot read file: {}", super::io_reason(io)))
        }
        _ => Error::at(path, line, None, e.to_string(), "well-formed CSV"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(content: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(content.as_bytes()).unwrap();
        f
    }

    #[test]
    fn reads_time_column_and_infers_rate() {
        let f = write("time,Cz,Pz\n0.0,1,2\n0.25,3,4\n0.5,5,6\n");
        let r = read_recording(f.path(), &CsvOptions::default()).unwrap();
        assert_eq!(r.sample_rate_hz, 4.0);
        assert_eq!(r.channel_names, vec!["Cz", "Pz"]);
        assert_eq!(r.samples[[2, 1]], 6.0);
    }

    #[test]
    fn tab_and_semicolon_files_read_the_same() {
        let a = write("time\tCz\n0\t1.5\n0.5\t2.5\n");
        let b = write("time;Cz\n0;1.5\n0.5;2.5\n");
        let ra = read_recording(a.path(), &CsvOptions::default()).unwrap();
        let rb = read_recording(b.path(), &CsvOptions::default()).unwrap();
        assert_eq!(ra.samples, rb.samples);
        assert_eq!(ra.sample_rate_hz, 2.0);
    }

    #[test]
    fn irregular_time_names_first_offending_line() {
        let f = write("time,Cz\n0,1\n0.1,1\n0.2,1\n0.4,1\n0.5,1\n");
        let e = read_recording(f.path(), &CsvOptions::default()).unwrap_err();
        assert!(e.message.contains(":5:1:"), "{}", e.message);
        assert!(e.message.contains("regular step"), "{}", e.message);
    }

    #[test]
    fn sample_rate_option_ignores_time_column() {
        let f = write("time,Cz\n0,1\n0.1,1\n0.3,1\n");
        let r = read_recording(
            f.path(),
            &CsvOptions {
                sample_rate_hz: Some(10.0),
            },
        )
        .unwrap();
        assert_eq!(r.sample_rate_hz, 10.0);
        assert_eq!(r.n_channels(), 1);
    }

    #[test]
    fn rounds_printed_timestamps_to_whole_hz() {
        let mut s = String::from("time,Cz\n");
        for i in 0..1024 {
            s.push_str(&format!("{:.6},0\n", i as f64 / 512.0));
        }
        let f = write(&s);
        let r = read_recording(f.path(), &CsvOptions::default()).unwrap();
        assert_eq!(r.sample_rate_hz, 512.0);
    }

    #[test]
    fn bad_cells_name_line_and_column() {
        let cases = [
            ("time,Cz,Pz\n0,1,2\n0.5,x,2\n", ":3:2:", "expected a number"),
            ("time,Cz,Pz\n0,1,2\n0.5,NaN,2\n", ":3:2:", "finite"),
            ("time,Cz,Pz\n0,1,2\n0.5,1,inf\n", ":3:3:", "finite"),
            ("time,Cz,Pz\n0,1,2\n0.5,1\n", ":3:", "3 fields"),
            (
                "time,Cz,Cz\n0,1,2\n",
                ":1:3:",
                "duplicate channel name 'Cz'",
            ),
            ("time,Cz\n", ":2:", "no samples"),
            ("", ":1:", "empty file"),
            ("Cz,Pz\n1,2\n", "no `time` column", "--sample-rate"),
            ("time,Cz,Pz\n0,1,\n", ":2:3:", "empty cell"),
        ];
        for (content, place, what) in cases {
            let f = write(content);
            let e = read_recording(f.path(), &CsvOptions::default()).unwrap_err();
            assert!(e.message.contains(place), "{content:?}: {}", e.message);
            assert!(e.message.contains(what), "{content:?}: {}", e.message);
            assert_eq!(e.exit_code(), 2);
        }
    }
}
