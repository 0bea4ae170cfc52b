//! The events reader: `onset_s,duration_s,label` rows (BIDS `onset,duration,trial_type` too)
//! that label segments or trials of a recording.

use super::bytes::{detect_delimiter, read_bytes, ReadLimits};
use super::errors::field_count_error;
pub use crate::recording::Event;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The sidecar events file of a recording, if one exists: `<stem>_events.csv` or
/// `<stem>_events.tsv`, and for BIDS names (`…_eeg.csv`) also without the `_eeg` suffix
/// (`<stem>.csv.gz` has the sidecar of `<stem>.csv`).
pub fn find_sidecar_events(recording: &Path) -> Option<PathBuf> {
    find_sidecar(recording, &["_events.csv", "_events.tsv"])
}

/// The first existing file beside `recording` named `<stem><suffix>`, trying each stem (the
/// recording's, then without a BIDS `_eeg`) with each suffix; `x.csv.gz` has the stem of `x.csv`.
pub(crate) fn find_sidecar(recording: &Path, suffixes: &[&str]) -> Option<PathBuf> {
    let name = recording.file_name()?.to_str()?;
    let unzipped = Path::new(name.strip_suffix(".gz").unwrap_or(name));
    let stem = unzipped.file_stem()?.to_str()?;
    let dir = recording.parent().unwrap_or(Path::new(""));
    let mut stems = vec![stem];
    if let Some(s) = stem.strip_suffix("_eeg") {
        stems.push(s);
    }
    stems
        .iter()
        .flat_map(|s| suffixes.iter().map(move |x| dir.join(format!("{s}{x}"))))
        .find(|p| p.is_file())
}

/// Reads an events file; the columns are found by name in the header. Events whose label is
/// `n/a` (BIDS's missing value) are left out; [`read_events_with_skipped`] also says which.
pub fn read_events(path: &Path) -> Result<Vec<Event>> {
    read_events_with_skipped(path).map(|(events, _)| events)
}

/// Reads an events file like [`read_events`], also returning the lines of the events left out
/// because their label is `n/a` (BIDS's missing value: an event without a label).
pub fn read_events_with_skipped(path: &Path) -> Result<(Vec<Event>, Vec<u64>)> {
    let bytes = read_bytes(path, &ReadLimits::TABLE)?;
    parse_events_with_skipped(path, &bytes)
}

/// Parses the bytes of an events file already read within the limits (`path` names it in
/// errors); the entry point the fuzz tests drive.
pub fn parse_events(path: &Path, bytes: &[u8]) -> Result<Vec<Event>> {
    parse_events_with_skipped(path, bytes).map(|(events, _)| events)
}

/// Parses an events file like [`parse_events`], also returning the lines of the events left
/// out because their label is `n/a`.
pub fn parse_events_with_skipped(path: &Path, bytes: &[u8]) -> Result<(Vec<Event>, Vec<u64>)> {
    // long: one pass over the header and rows of both layouts (eegi and BIDS), each refusal with its own line and column
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::at(
            path,
            1,
            None,
            "empty file",
            "a header with onset, duration and label columns",
        ));
    }
    let first_line_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(detect_delimiter(&bytes[..first_line_end]))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::at(path, 1, None, e.to_string(), "a UTF-8 header row"))?
        .iter()
        .map(|h| h.to_string())
        .collect();
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let columns = header.join(", ");
    let onset = find(&["onset_s", "onset"]).ok_or_else(|| {
        Error::at(
            path,
            1,
            None,
            format!("no onset column (columns: {columns})"),
            "a column named onset_s or onset",
        )
    })?;
    let label = find(&["label", "trial_type"]).ok_or_else(|| {
        Error::at(
            path,
            1,
            None,
            format!("no label column (columns: {columns})"),
            "a column named label or trial_type",
        )
    })?;
    let duration = find(&["duration_s", "duration"]);

    let mut events = Vec::new();
    let mut skipped = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            Error::at(path, line, None, "text that is not UTF-8", "UTF-8 text")
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() == 1 && record.get(0) == Some("") {
            continue;
        }
        if record.len() != header.len() {
            return Err(field_count_error(
                path,
                line,
                format!("{} fields", record.len()),
                header.len(),
            ));
        }
        let onset_s = parse_time(path, line, onset, &record[onset], "onset")?;
        let duration_s = match duration {
            Some(c) if !is_na(&record[c]) => parse_time(path, line, c, &record[c], "duration")?,
            _ => 0.0,
        };
        check_event_count(events.len(), || format!("{}:{line}", path.display()))?;
        let text = record[label].to_string();
        if is_na(&text) {
            // BIDS writes n/a for a missing value: an event without a label (a response, a
            // boundary) that labels nothing
            skipped.push(line);
            continue;
        }
        if text.is_empty() {
            return Err(Error::at(
                path,
                line,
                Some(label + 1),
                "an empty label",
                "a label such as eyes_closed",
            ));
        }
        events.push(Event {
            onset_s,
            duration_s,
            label: text,
            line,
        });
    }
    if events.is_empty() && !skipped.is_empty() {
        return Err(Error::at(
            path,
            2,
            Some(label + 1),
            format!(
                "every event's {} is n/a (BIDS's missing value)",
                header[label]
            ),
            "at least one event with a label",
        ));
    }
    if events.is_empty() {
        return Err(Error::at(
            path,
            2,
            None,
            "no events after the header",
            "at least one event row",
        ));
    }
    Ok((events, skipped))
}

/// Refuses one more event in a file that already gave `count`, when that reaches
/// [`MAX_EVENTS`](crate::limits::MAX_EVENTS); `place` says where the next event is
/// (`file:line`, or a data record).
pub(crate) fn check_event_count(count: usize, place: impl FnOnce() -> String) -> Result<()> {
    let max = crate::limits::MAX_EVENTS;
    if count < max {
        return Ok(());
    }
    Err(Error::input(format!(
        "{}: more than {max} events, expected at most {max} events per file (split the recording, or keep only the events to use)",
        place()
    )))
}

/// Shortens a long cell so that the error stays one readable line.
fn truncate(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

/// BIDS writes `n/a` for a missing value.
fn is_na(s: &str) -> bool {
    s.eq_ignore_ascii_case("n/a") || s.eq_ignore_ascii_case("na")
}

/// Parses a non-negative, finite time in seconds.
fn parse_time(path: &Path, line: u64, col: usize, text: &str, what: &str) -> Result<f64> {
    let max = crate::limits::MAX_EVENT_TIME_S;
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=max).contains(&v) => Ok(v),
        _ => Err(Error::at(
            path,
            line,
            Some(col + 1),
            format!("{what} '{}'", truncate(text)),
            format!("a non-negative number of seconds, at most {max:e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(suffix: &str, content: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
        f.write_all(content.as_bytes()).unwrap();
        f
    }

    #[test]
    fn reads_eegi_and_bids_headers() {
        let a = write(
            ".csv",
            "onset_s,duration_s,label\n0,4.2,rest\n4.2,4.1,left\n",
        );
        let b = write(
            ".tsv",
            "onset\tduration\ttrial_type\tvalue\n0\t4.2\trest\t1\n4.2\tn/a\tleft\t2\n",
        );
        let ea = read_events(a.path()).unwrap();
        let eb = read_events(b.path()).unwrap();
        assert_eq!(ea.len(), 2);
        assert_eq!(ea[1].label, "left");
        assert_eq!(eb[1].duration_s, 0.0);
        assert_eq!(eb[0].duration_s, 4.2);
        assert_eq!(ea[1].line, 3);
    }

    #[test]
    fn unknown_label_column_is_named() {
        let f = write(".csv", "onset_s,duration_s,condition\n0,1,a\n");
        let e = read_events(f.path()).unwrap_err();
        assert!(
            e.message
                .contains(":1: no label column (columns: onset_s, duration_s, condition)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn negative_onset_is_refused() {
        let f = write(".csv", "onset_s,duration_s,label\n-1,1,a\n");
        let e = read_events(f.path()).unwrap_err();
        assert!(e.message.contains(":2:1: onset '-1'"), "{}", e.message);
    }

    #[test]
    fn sidecar_is_found_next_to_recording() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sub-01_eeg.csv"), "time,Cz\n").unwrap();
        std::fs::write(
            dir.path().join("sub-01_events.tsv"),
            "onset\tduration\ttrial_type\n",
        )
        .unwrap();
        let found = find_sidecar_events(&dir.path().join("sub-01_eeg.csv")).unwrap();
        assert!(found.ends_with("sub-01_events.tsv"));
        assert!(find_sidecar_events(&dir.path().join("other.csv")).is_none());
    }
}
