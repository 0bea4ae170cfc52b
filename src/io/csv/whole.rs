//! The EEG CSV reader: a header row of channel names, one row per sample, values in µV, and an
//! optional `time` column (seconds) from which the sample rate is inferred. Whole recordings
//! are read with the same block parser that streams them ([`CsvStream`]), so
//! limits, errors and numbers are the same on both paths.

use super::rate::{check_inferred_rate, check_rate_option, CsvOptions};
use super::stream::CsvStream;
use crate::io::sanity::{check_recording, Warning, WarningKind, LOW_RATE_HZ, RATE_DISAGREEMENT};
use crate::io::stream::read_to_end;
use crate::{Error, Recording, Result};
use ndarray::Array2;
use std::io::Read;
use std::path::Path;

/// Parses the bytes of an EEG CSV file (`path` names it in errors), with its sanity warnings;
/// the entry point the fuzz tests drive.
pub fn parse_recording(
    path: &Path,
    bytes: &[u8],
    options: &CsvOptions,
) -> Result<(Recording, Vec<Warning>)> {
    check_rate_option(options)?;
    read_from(
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        path,
        options,
    )
}

/// The error for a recording with too few rows to use: none, or (`rows` = 1) one, when the
/// rate has to be inferred from the time column.
pub fn too_few_rows(path: &Path, rows: u64) -> Error {
    if rows == 0 {
        Error::at(
            path,
            2,
            None,
            "no samples after the header",
            "at least one data row",
        )
    } else {
        Error::file(
            path,
            "only one sample, expected at least two to infer the sample rate from the time column (or pass --sample-rate)",
        )
    }
}

/// Streams a whole recording into memory and checks its rate and channels.
pub(crate) fn read_from(
    source: Box<dyn Read + Send>,
    path: &Path,
    options: &CsvOptions,
) -> Result<(Recording, Vec<Warning>)> {
    let mut stream = CsvStream::new(source, path, options.sample_rate_hz)?;
    let n_ch = stream.n_channels();
    let values = read_to_end(&mut stream)?;
    let n_samples = values.len() / n_ch;
    if n_samples == 0 {
        return Err(too_few_rows(path, 0));
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
            if let Some(implied) = stream.time_column_rate() {
                if (implied - fs).abs() > RATE_DISAGREEMENT * fs {
                    warnings.push(time_warning(format!(
                        "the time column implies {implied:.6} Hz but --sample-rate is {fs} Hz, expected them to agree within 1%; using {fs} Hz"
                    )));
                }
            }
            fs
        }
        None => {
            let fs = stream
                .sample_rate_hz()
                .ok_or_else(|| too_few_rows(path, 1))?;
            check_inferred_rate(path, fs, stream.time_column())?;
            if fs < LOW_RATE_HZ {
                warnings.push(time_warning(format!(
                    "the time column implies {fs} Hz, expected at least {LOW_RATE_HZ} Hz with times in seconds; is it in milliseconds or samples? pass --sample-rate"
                )));
            }
            fs
        }
    };
    let samples = Array2::from_shape_vec((n_samples, n_ch), values)
        .map_err(|e| Error::runtime(format!("{}: {e}", path.display())))?;
    let recording = Recording {
        samples,
        sample_rate_hz,
        channel_names: stream.channel_names(),
        source: path.to_path_buf(),
    };
    warnings.extend(check_recording(&recording));
    Ok((recording, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::read_recording;
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
