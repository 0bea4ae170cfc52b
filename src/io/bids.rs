//! BIDS-style sidecars beside a recording. `<stem>_events.tsv` (onset, duration, trial_type)
//! is found by [`super::find_sidecar_events`]; this module reads `<stem>_channels.tsv`
//! (name, type, status): channels with status `bad` are dropped, and channels whose type is not
//! `EEG` (EOG, ECG, EMG, MISC, TRIG, ...) are left out unless `--channels` selects them
//! (BIDS specification, "Electroencephalography", `channels.tsv`).

use super::bytes::{read_bytes, ReadLimits};
use super::errors::field_count_error;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// One row of a `_channels.tsv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelInfo {
    /// Channel name (`name`), as in the recording.
    pub name: String,
    /// BIDS channel type (`type`): EEG, EOG, ECG, EMG, MISC, TRIG, ...
    pub kind: String,
    /// Whether `status` is `bad`.
    pub bad: bool,
    /// Line of the file (for messages).
    pub line: u64,
}

/// The `_channels.tsv` sidecar of a recording, if one exists: `<stem>_channels.tsv`, and for
/// BIDS names (`…_eeg.csv`) also without the `_eeg` suffix (found as the events sidecar is).
pub fn find_channels_sidecar(recording: &Path) -> Option<PathBuf> {
    super::events::find_sidecar(recording, &["_channels.tsv"])
}

/// Reads a `_channels.tsv` file.
pub fn read_channels_tsv(path: &Path) -> Result<Vec<ChannelInfo>> {
    let bytes = read_bytes(path, &ReadLimits::TABLE)?;
    parse_channels_tsv(path, &bytes)
}

/// Parses a `_channels.tsv` (tab-separated; columns `name` and `type` required, `status`
/// optional, others ignored; `path` names it in errors).
pub fn parse_channels_tsv(path: &Path, bytes: &[u8]) -> Result<Vec<ChannelInfo>> {
    // long: one pass over the header and rows, each refusal with its own line and column
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        Error::at(path, line, None, "bytes that are not UTF-8", "UTF-8 text")
    })?;
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.strip_suffix('\r').unwrap_or(l)));
    let Some((_, header)) = lines.next().filter(|(_, h)| !h.trim().is_empty()) else {
        return Err(Error::at(
            path,
            1,
            None,
            "empty file",
            "a header with name, type and status columns",
        ));
    };
    let columns: Vec<&str> = header.split('\t').map(str::trim).collect();
    let find = |n: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(n));
    let missing = |what: &str| {
        Error::at(
            path,
            1,
            None,
            format!("no {what} column (columns: {})", columns.join(", ")),
            format!("a tab-separated header with a `{what}` column (BIDS channels.tsv)"),
        )
    };
    let name = find("name").ok_or_else(|| missing("name"))?;
    let kind = find("type").ok_or_else(|| missing("type"))?;
    let status = find("status");
    let mut out: Vec<ChannelInfo> = Vec::new();
    for (line, row) in lines {
        if row.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = row.split('\t').map(str::trim).collect();
        if cells.len() != columns.len() {
            return Err(field_count_error(
                path,
                line,
                format!("{} tab-separated fields", cells.len()),
                columns.len(),
            ));
        }
        let n = cells[name];
        if n.is_empty() || out.iter().any(|c| c.name == n) {
            return Err(Error::at(
                path,
                line,
                Some(name + 1),
                format!("channel name '{n}' (empty or repeated)"),
                "one row per channel",
            ));
        }
        let bad = match status.map(|s| cells[s]) {
            None => false,
            Some(s) if s.eq_ignore_ascii_case("bad") => true,
            Some(s) if s.eq_ignore_ascii_case("good") || s.eq_ignore_ascii_case("n/a") => false,
            Some(s) => {
                return Err(Error::at(
                    path,
                    line,
                    Some(status.unwrap_or(0) + 1),
                    format!("status '{s}'"),
                    "good, bad or n/a",
                ))
            }
        };
        out.push(ChannelInfo {
            name: n.to_string(),
            kind: cells[kind].to_string(),
            bad,
            line,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_name_type_status() {
        let c = parse_channels_tsv(
            Path::new("c.tsv"),
            b"name\ttype\tunits\tstatus\nFz\tEEG\tuV\tgood\nHEOG\tEOG\tuV\tn/a\nOz\tEEG\tuV\tbad\n",
        )
        .unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!((c[1].kind.as_str(), c[1].bad), ("EOG", false));
        assert!(c[2].bad);
        assert_eq!(c[2].line, 4);
        let e = parse_channels_tsv(Path::new("c.tsv"), b"name\tstatus\nFz\tgood\n").unwrap_err();
        assert!(
            e.message.starts_with("c.tsv:1: no type column"),
            "{}",
            e.message
        );
        let e = parse_channels_tsv(Path::new("c.tsv"), b"name\ttype\tstatus\nFz\tEEG\tmeh\n")
            .unwrap_err();
        assert!(
            e.message.starts_with("c.tsv:2:3: status 'meh'"),
            "{}",
            e.message
        );
    }
}
