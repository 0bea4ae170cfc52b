//! BrainFlow `DataFilter.write_file` board files: tab-separated, no header, one column per
//! board channel; the layout is named by `--board`.

use super::common::{build, marker_label, no_samples, number, VendorRecording};
use crate::io::channels::ReadOptions;
use crate::io::events::{check_event_count, Event};
use crate::io::sanity::{Warning, WarningKind};
use crate::{Error, Result};
use std::path::Path;

/// A BrainFlow board layout: which columns of a `write_file` row hold what.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Board {
    /// Name accepted by `--board` (case-insensitive; the BrainFlow id is accepted too).
    pub name: &'static str,
    /// BrainFlow board ids with this layout (`BoardIds`).
    pub ids: &'static [i32],
    /// Sampling rate, Hz.
    pub sample_rate_hz: f64,
    /// Columns per row (`num_rows` of the board description).
    pub n_columns: usize,
    /// Zero-based columns of the EEG channels (`eeg_channels`).
    pub eeg_columns: &'static [usize],
    /// EEG channel names (`eeg_names`; empty when BrainFlow gives none: `EXG0`, `EXG1`, ...).
    pub eeg_names: &'static [&'static str],
    /// Column of the Unix timestamp in s (`timestamp_channel`).
    pub timestamp_column: usize,
    /// Column of the markers (`marker_channel`; non-zero = an `insert_marker` value).
    pub marker_column: usize,
}

/// The supported BrainFlow layouts, from `BoardShim.get_board_descr(id)` of BrainFlow 5.23.0
/// (PyPI `brainflow`, `brainflow.board_shim`; its native library holds the descriptions in
/// `src/board_controller/brainflow_boards.cpp`). `tests/reference/make_vendor_fixtures.py`
/// prints them again from the installed package.
pub const BOARDS: &[Board] = &[
    Board {
        name: "cyton",
        ids: &[0],
        sample_rate_hz: 250.0,
        n_columns: 24,
        eeg_columns: &[1, 2, 3, 4, 5, 6, 7, 8],
        eeg_names: &["Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2"],
        timestamp_column: 22,
        marker_column: 23,
    },
    Board {
        name: "ganglion",
        ids: &[1],
        sample_rate_hz: 200.0,
        n_columns: 15,
        eeg_columns: &[1, 2, 3, 4],
        eeg_names: &[],
        timestamp_column: 13,
        marker_column: 14,
    },
    Board {
        name: "cyton-daisy",
        ids: &[2],
        sample_rate_hz: 125.0,
        n_columns: 32,
        eeg_columns: &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
        eeg_names: &[
            "Fp1", "Fp2", "C3", "C4", "P7", "P8", "O1", "O2", "F7", "F8", "F3", "F4", "T7", "T8",
            "P3", "P4",
        ],
        timestamp_column: 30,
        marker_column: 31,
    },
    Board {
        name: "synthetic",
        ids: &[-1],
        sample_rate_hz: 250.0,
        n_columns: 32,
        eeg_columns: &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
        eeg_names: &[
            "Fz", "C3", "Cz", "C4", "Pz", "PO7", "Oz", "PO8", "F5", "F7", "F3", "F1", "F2", "F4",
            "F6", "F8",
        ],
        timestamp_column: 30,
        marker_column: 31,
    },
    // Muse 2 (38 native, 22 BLED dongle) and Muse S (39, 21): the same default-preset layout
    Board {
        name: "muse",
        ids: &[38, 22, 39, 21],
        sample_rate_hz: 256.0,
        n_columns: 8,
        eeg_columns: &[1, 2, 3, 4],
        eeg_names: &["TP9", "AF7", "AF8", "TP10"],
        timestamp_column: 6,
        marker_column: 7,
    },
];

/// Other names accepted by `--board`.
const BOARD_ALIASES: &[(&str, &str)] = &[
    ("cytondaisy", "cyton-daisy"),
    ("daisy", "cyton-daisy"),
    ("muse-2", "muse"),
    ("muse2", "muse"),
    ("muse-s", "muse"),
    ("muses", "muse"),
];

/// The layout `--board NAME` names (a name above, an alias or a BrainFlow id).
pub fn find_board(name: &str) -> Option<&'static Board> {
    let lower = name.trim().to_ascii_lowercase();
    let canonical = BOARD_ALIASES
        .iter()
        .find(|(a, _)| *a == lower)
        .map_or(lower.as_str(), |(_, c)| c);
    if let Some(b) = BOARDS.iter().find(|b| b.name == canonical) {
        return Some(b);
    }
    let id: i32 = canonical.parse().ok()?;
    BOARDS.iter().find(|b| b.ids.contains(&id))
}

/// The boards `--board` accepts, for messages and help.
pub fn board_list() -> String {
    BOARDS
        .iter()
        .map(|b| {
            let ids: Vec<String> = b.ids.iter().map(|i| i.to_string()).collect();
            format!(
                "{} (id {}, {} Hz, {} EEG)",
                b.name,
                ids.join("/"),
                b.sample_rate_hz,
                b.eeg_columns.len()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The layout `--board` names (an error without it, or for an unknown board).
pub(super) fn board_of(path: &Path, options: &ReadOptions) -> Result<&'static Board> {
    match &options.board {
        None => Err(Error::file(
            path,
            format!(
                "a BrainFlow board file (tab-separated numbers, no header), expected --board NAME to say which columns are EEG: {}",
                board_list()
            ),
        )),
        Some(name) => find_board(name).ok_or_else(|| {
            Error::input(format!(
                "--board {name}: unknown board, expected one of {}",
                board_list()
            ))
        }),
    }
}

/// The board's EEG channel names (`EXG0`, `EXG1`, … when BrainFlow gives none).
pub(super) fn eeg_names(board: &Board) -> Vec<String> {
    if board.eeg_names.is_empty() {
        (0..board.eeg_columns.len())
            .map(|i| format!("EXG{i}"))
            .collect()
    } else {
        board.eeg_names.iter().map(|s| s.to_string()).collect()
    }
}

/// One data row of a board file: its EEG values (appended to `values`), time stamp (s) and
/// marker (0 = none); `None` for a blank line.
pub(super) fn parse_row(
    path: &Path,
    line: u64,
    text: &str,
    board: &Board,
    names: &[String],
    values: &mut Vec<f64>,
) -> Result<Option<(f64, f64)>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let cells: Vec<&str> = text.trim_end_matches('\t').split('\t').collect();
    if cells.len() != board.n_columns {
        return Err(Error::at(
            path,
            line,
            None,
            format!("{} tab-separated fields", cells.len()),
            format!(
                "{} fields, the columns of BrainFlow's {} board (is --board right?)",
                board.n_columns, board.name
            ),
        ));
    }
    for (&c, name) in board.eeg_columns.iter().zip(names) {
        values.push(number(path, line, c, cells[c], name)?);
    }
    let t = board.timestamp_column;
    let t = number(path, line, t, cells[t], "timestamp")?;
    let m = board.marker_column;
    let m = number(path, line, m, cells[m], "marker")?;
    Ok(Some((t, m)))
}

/// The event of a non-zero marker at sample `n` (onset `n / fs`).
pub(super) fn marker_event(m: f64, n: usize, fs: f64, line: u64) -> Event {
    Event {
        onset_s: n as f64 / fs,
        duration_s: 0.0,
        label: marker_label(m),
        line,
    }
}

/// The warning when the time stamps of `n` rows (first and last, s) imply a rate more than 5%
/// away from `fs`.
pub(super) fn rate_warning(
    path: &Path,
    board: &Board,
    fs: f64,
    n: usize,
    first: f64,
    last: f64,
) -> Option<Warning> {
    if n < 2 {
        return None;
    }
    let span = last - first;
    let implied = (n - 1) as f64 / span;
    if !(span.is_nan() || span <= 0.0 || (implied - fs).abs() > 0.05 * fs) {
        return None;
    }
    Some(Warning {
        file: path.display().to_string(),
        kind: WarningKind::TimeColumn,
        channels: Vec::new(),
        message: format!(
            "the timestamp column (column {}) implies {implied:.3} Hz, expected about {fs} Hz for the {} board; is --board right?",
            board.timestamp_column + 1,
            board.name
        ),
    })
}

/// Reads a BrainFlow `DataFilter.write_file` file with the layout of `--board`.
pub(super) fn read_brainflow(
    path: &Path,
    lines: &[(u64, &str)],
    options: &ReadOptions,
) -> Result<(VendorRecording, Vec<Warning>)> {
    let board = board_of(path, options)?;
    let names = eeg_names(board);
    let fs = options.csv.sample_rate_hz.unwrap_or(board.sample_rate_hz);
    let mut values = Vec::new();
    let mut events = Vec::new();
    let (mut first, mut last) = (0.0, 0.0);
    let mut n = 0usize;
    for &(line, text) in lines {
        let Some((t, m)) = parse_row(path, line, text, board, &names, &mut values)? else {
            continue;
        };
        if n == 0 {
            first = t;
        }
        last = t;
        if m != 0.0 {
            check_event_count(events.len(), || format!("{}:{line}", path.display()))?;
            events.push(marker_event(m, n, fs, line));
        }
        n += 1;
    }
    if n == 0 {
        return Err(no_samples(path, 1));
    }
    let warnings = rate_warning(path, board, fs, n, first, last)
        .into_iter()
        .collect();
    Ok((build(path, values, names, fs, None, events)?, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boards_by_name_alias_and_id() {
        assert_eq!(find_board("Cyton").unwrap().sample_rate_hz, 250.0);
        assert_eq!(find_board("2").unwrap().name, "cyton-daisy");
        assert_eq!(find_board("-1").unwrap().name, "synthetic");
        assert_eq!(find_board("38").unwrap().name, "muse");
        assert_eq!(find_board("muse-s").unwrap().name, "muse");
        assert!(find_board("foo").is_none());
    }
}
