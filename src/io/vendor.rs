//! Vendor CSV dialects, detected from the first bytes of a file: BrainFlow board files
//! (`DataFilter.write_file`), OpenBCI GUI exports (`OpenBCI-RAW-*.txt`, v5 and v4), Mind Monitor CSV and
//! muse-lsl CSV. Each reader returns a [`Recording`] of the file's EEG channels (plus auxiliary
//! channels marked as not EEG), the sample rate, and the events the file carries (BrainFlow and
//! muse-lsl marker columns, Mind Monitor `Elements` rows). [`read_any`] is the entry point every
//! command uses: it falls back to the plain eegi CSV reader, applies a BIDS `_channels.tsv`
//! sidecar ([`super::bids`]), `--rename` and `--channels`.

use super::bids;
use super::eeg_csv::round_rate;
use super::events::check_event_count;
use super::format::{Format, Loaded};
use super::{check_recording, read_bytes, CsvOptions, Event, ReadLimits, Warning, WarningKind};
use crate::limits::{MAX_COLUMNS, MAX_SAMPLE_RATE_HZ};
use crate::{Error, Recording, Result};
use ndarray::Array2;
use std::path::{Path, PathBuf};

/// A vendor CSV dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// BrainFlow `DataFilter.write_file`: tab-separated, no header, one row per sample, one
    /// column per board channel (the layout is named by `--board`).
    BrainFlow,
    /// OpenBCI GUI `OpenBCI-RAW-*.txt`: `%` comment lines (with `%Sample Rate = N Hz`), a header
    /// row `Sample Index, EXG Channel 0, ...`, comma-separated rows.
    OpenBciGui,
    /// Mind Monitor (Muse) CSV: `TimeStamp,Delta_TP9,...,RAW_TP9,...,Elements`.
    MindMonitor,
    /// muse-lsl `record` CSV: `timestamps,TP9,AF7,AF8,TP10,Right AUX[,Marker0...]`.
    MuseLsl,
}

impl Dialect {
    /// The dialect's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::BrainFlow => "BrainFlow board file",
            Dialect::OpenBciGui => "OpenBCI GUI export",
            Dialect::MindMonitor => "Mind Monitor CSV",
            Dialect::MuseLsl => "muse-lsl CSV",
        }
    }
}

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

/// The dialect of a file from its first bytes (a few KiB are enough), or `None` for a plain
/// eegi CSV (or anything else).
pub fn detect_dialect(first_bytes: &[u8]) -> Option<Dialect> {
    let bytes = first_bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(first_bytes);
    let mut lines = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let first = lines.next()?;
    if first.starts_with(b"%") {
        if first.windows(7).any(|w| w == b"OpenBCI") {
            return Some(Dialect::OpenBciGui);
        }
        let header = lines.find(|l| !l.starts_with(b"%"))?;
        return header
            .starts_with(b"Sample Index")
            .then_some(Dialect::OpenBciGui);
    }
    let text = std::str::from_utf8(first).ok()?;
    let fields: Vec<&str> = text.split(',').map(str::trim).collect();
    match fields[0] {
        "TimeStamp" if fields.iter().any(|f| f.starts_with("RAW_")) => {
            return Some(Dialect::MindMonitor)
        }
        "timestamps" if fields.len() > 1 => return Some(Dialect::MuseLsl),
        _ => {}
    }
    let cells: Vec<&str> = text.split('\t').collect();
    (cells.len() >= 2
        && cells
            .iter()
            .all(|c| fast_float2::parse::<f64, _>(c.trim()).is_ok()))
    .then_some(Dialect::BrainFlow)
}

/// How recordings are read: CSV options, the BrainFlow board, channel choice and renaming.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Options of the plain CSV reader (`--sample-rate` overrides every dialect's rate).
    pub csv: CsvOptions,
    /// `--board NAME`: the BrainFlow layout of a headerless tab-separated file.
    pub board: Option<String>,
    /// `--channels`: keep only these channels (names after renaming), in this order; may
    /// select channels that are not EEG (auxiliary, or non-EEG in `_channels.tsv`).
    pub channels: Option<Vec<String>>,
    /// `--rename old=new`: renames applied to the file's channel names.
    pub rename: Vec<(String, String)>,
}

impl ReadOptions {
    /// Whether anything beyond the plain streaming CSV reader is needed for `path`: a vendor
    /// dialect, `--board`, `--channels`, `--rename` or a `_channels.tsv` sidecar.
    pub fn needs_whole_file(&self, path: &Path) -> bool {
        if self.board.is_some() || self.channels.is_some() || !self.rename.is_empty() {
            return true;
        }
        if path == Path::new("-") {
            return false;
        }
        if bids::find_channels_sidecar(path).is_some() {
            return true;
        }
        let mut head = vec![0u8; 8 << 10];
        let n = super::output::open_input(path)
            .and_then(|mut f| read_up_to(&mut f, &mut head))
            .unwrap_or(0);
        detect_dialect(&head[..n]).is_some()
    }
}

/// The comma-separated cells of a data row, which must have `n_columns` of them.
fn comma_cells<'a>(
    path: &Path,
    line: u64,
    text: &'a str,
    n_columns: usize,
) -> Result<Vec<&'a str>> {
    let cells: Vec<&str> = text.split(',').collect();
    if cells.len() != n_columns {
        return Err(super::field_count_error(
            path,
            line,
            format!("{} fields", cells.len()),
            n_columns,
        ));
    }
    Ok(cells)
}

/// Reads until `buf` is full or the source ends.
fn read_up_to(r: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
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

/// Reads a recording of any format or dialect — EEG CSV, EDF/BDF (also gzip-compressed,
/// through [`super::format::read_any`]), BrainFlow, OpenBCI GUI, Mind Monitor, muse-lsl —
/// then applies its `_channels.tsv` sidecar, `--rename` and `--channels`.
pub fn read_any(path: &Path, options: &ReadOptions) -> Result<Loaded> {
    let sidecar = if path == Path::new("-") {
        None
    } else {
        bids::find_channels_sidecar(path)
    };
    if !is_dialect_file(path, options) {
        let mut loaded = super::format::read_any(path, &options.csv)?;
        if sidecar.is_some() || options.channels.is_some() || !options.rename.is_empty() {
            let channels_tsv = match sidecar {
                Some(p) => Some((bids::read_channels_tsv(&p)?, p)),
                None => None,
            };
            let n = loaded.recording.n_channels();
            let (recording, more) =
                choose_channels(loaded.recording, vec![true; n], channels_tsv, options)?;
            loaded.recording = recording;
            loaded.warnings.extend(more);
        }
        return Ok(loaded);
    }
    let bytes = read_bytes(path, &ReadLimits::TABLE)?;
    let shown = if path == Path::new("-") {
        Path::new("<stdin>")
    } else {
        path
    };
    parse_any(shown, &bytes, options, sidecar)
}

/// Whether `path` is a vendor text dialect (or `--board` says it is one), read whole by
/// [`parse_any`]; EEG CSV, EDF/BDF and gzip go through the format dispatch instead.
fn is_dialect_file(path: &Path, options: &ReadOptions) -> bool {
    if options.board.is_some() {
        return true;
    }
    if path == Path::new("-") {
        return false;
    }
    let mut head = vec![0u8; 8 << 10];
    let n = super::output::open_input(path)
        .and_then(|mut f| read_up_to(&mut f, &mut head))
        .unwrap_or(0);
    detect_dialect(&head[..n]).is_some()
}

/// Parses the bytes of a recording in any dialect (`path` names it in errors), with an
/// optional `_channels.tsv` sidecar; the entry point the fuzz tests drive.
pub fn parse_any(
    path: &Path,
    bytes: &[u8],
    options: &ReadOptions,
    channels_tsv: Option<PathBuf>,
) -> Result<Loaded> {
    let dialect = if options.board.is_some() {
        Some(Dialect::BrainFlow)
    } else {
        detect_dialect(&bytes[..bytes.len().min(8 << 10)])
    };
    let (vendor, mut warnings) = match dialect {
        None => {
            let (recording, _) = super::parse_recording(path, bytes, &options.csv)?;
            let n = recording.n_channels();
            let v = VendorRecording {
                recording,
                is_eeg: vec![true; n],
                events: Vec::new(),
            };
            (v, Vec::new())
        }
        Some(d) => parse_vendor(path, bytes, d, options)?,
    };
    let sidecar = match channels_tsv {
        Some(p) => Some((bids::read_channels_tsv(&p)?, p)),
        None => None,
    };
    let (recording, more) = choose_channels(vendor.recording, vendor.is_eeg, sidecar, options)?;
    warnings.extend(more);
    warnings.extend(check_recording(&recording));
    Ok(Loaded {
        recording,
        warnings,
        events: vendor.events,
        format: Format::Csv,
        gzip: false,
        description: dialect.map_or("CSV", Dialect::name).to_string(),
        dialect,
    })
}

/// Parses a file of a known vendor dialect, with the warnings about its time stamps.
pub fn parse_vendor(
    path: &Path,
    bytes: &[u8],
    dialect: Dialect,
    options: &ReadOptions,
) -> Result<(VendorRecording, Vec<Warning>)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(fs) = options.csv.sample_rate_hz {
        if !(fs.is_finite() && fs > 0.0 && fs <= MAX_SAMPLE_RATE_HZ) {
            return Err(Error::input(format!(
                "--sample-rate {fs}: expected a positive rate in Hz, at most {MAX_SAMPLE_RATE_HZ}"
            )));
        }
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        Error::at(path, line, None, "bytes that are not UTF-8", "UTF-8 text")
    })?;
    let lines: Vec<(u64, &str)> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.strip_suffix('\r').unwrap_or(l)))
        .collect();
    if let Some(&(line, _)) = lines
        .iter()
        .find(|(_, l)| l.len() > crate::limits::MAX_LINE_BYTES)
    {
        return Err(Error::at(
            path,
            line,
            None,
            format!("a line longer than {} bytes", crate::limits::MAX_LINE_BYTES),
            "one sample per line",
        ));
    }
    match dialect {
        Dialect::BrainFlow => read_brainflow(path, &lines, options),
        Dialect::OpenBciGui => read_openbci(path, &lines, options),
        Dialect::MindMonitor => read_mind_monitor(path, &lines, options),
        Dialect::MuseLsl => read_muse_lsl(path, &lines, options),
    }
}

/// Parses one cell as a finite number, or names the cell.
fn number(path: &Path, line: u64, col: usize, cell: &str, column: &str) -> Result<f64> {
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
fn build(
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
fn no_samples(path: &Path, line: u64) -> Error {
    Error::at(
        path,
        line,
        None,
        "no samples",
        "at least one row of samples",
    )
}

/// A marker value as an event label: `1`, `2.5`.
fn marker_label(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Reads a BrainFlow `DataFilter.write_file` file with the layout of `--board`.
fn read_brainflow(
    path: &Path,
    lines: &[(u64, &str)],
    options: &ReadOptions,
) -> Result<(VendorRecording, Vec<Warning>)> {
    let board = match &options.board {
        None => {
            return Err(Error::file(
                path,
                format!(
                    "a BrainFlow board file (tab-separated numbers, no header), expected --board NAME to say which columns are EEG: {}",
                    board_list()
                ),
            ))
        }
        Some(name) => find_board(name).ok_or_else(|| {
            Error::input(format!(
                "--board {name}: unknown board, expected one of {}",
                board_list()
            ))
        })?,
    };
    let names: Vec<String> = if board.eeg_names.is_empty() {
        (0..board.eeg_columns.len())
            .map(|i| format!("EXG{i}"))
            .collect()
    } else {
        board.eeg_names.iter().map(|s| s.to_string()).collect()
    };
    let fs = options.csv.sample_rate_hz.unwrap_or(board.sample_rate_hz);
    let mut values = Vec::new();
    let mut events = Vec::new();
    let mut times = Vec::new();
    let mut n = 0usize;
    for &(line, text) in lines {
        if text.trim().is_empty() {
            continue;
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
        for (&c, name) in board.eeg_columns.iter().zip(&names) {
            values.push(number(path, line, c, cells[c], name)?);
        }
        let t = number(
            path,
            line,
            board.timestamp_column,
            cells[board.timestamp_column],
            "timestamp",
        )?;
        times.push(t);
        let m = number(
            path,
            line,
            board.marker_column,
            cells[board.marker_column],
            "marker",
        )?;
        if m != 0.0 {
            check_event_count(events.len(), || format!("{}:{line}", path.display()))?;
            events.push(Event {
                onset_s: n as f64 / fs,
                duration_s: 0.0,
                label: marker_label(m),
                line,
            });
        }
        n += 1;
    }
    if n == 0 {
        return Err(no_samples(path, 1));
    }
    let mut warnings = Vec::new();
    if n >= 2 {
        let span = times[n - 1] - times[0];
        let implied = (n - 1) as f64 / span;
        if span.is_nan() || span <= 0.0 || (implied - fs).abs() > 0.05 * fs {
            warnings.push(Warning {
                file: path.display().to_string(),
                kind: WarningKind::TimeColumn,
                channels: Vec::new(),
                message: format!(
                    "the timestamp column (column {}) implies {implied:.3} Hz, expected about {fs} Hz for the {} board; is --board right?",
                    board.timestamp_column + 1,
                    board.name
                ),
            });
        }
    }
    Ok((build(path, values, names, fs, None, events)?, warnings))
}

/// Reads an OpenBCI GUI `OpenBCI-RAW-*.txt` export: the EXG channels, the rate of the
/// `%Sample Rate = N Hz` comment. GUI v4 files have no header row: their first
/// `%Number of channels = N` columns after the sample index are the channels.
fn read_openbci(
    path: &Path,
    lines: &[(u64, &str)],
    options: &ReadOptions,
) -> Result<(VendorRecording, Vec<Warning>)> {
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
    let (exg, names, first_data): (Vec<usize>, Vec<String>, usize) = if columns[0]
        .parse::<f64>()
        .is_ok()
    {
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
        ((1..=n).collect(), names, k)
    } else {
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
        (exg, names, k + 1)
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

/// Shortens a long header for an error message.
fn truncate(text: &str) -> String {
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text.to_string()
    }
}

/// The nominal Muse EEG rate, Hz: a rate measured from time stamps within 1% of it is taken
/// as exactly this (phone clocks stamp samples on arrival, to the millisecond).
pub const MUSE_RATE_HZ: f64 = 256.0;

/// Reads a Mind Monitor CSV: `RAW_*` columns (µV) are EEG, `AUX_*` auxiliary; rows whose
/// `Elements` cell is set and RAW cells empty are events (`/Marker/1`, `/muse/elements/blink`).
fn read_mind_monitor(
    path: &Path,
    lines: &[(u64, &str)],
    options: &ReadOptions,
) -> Result<(VendorRecording, Vec<Warning>)> {
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

/// Reads a muse-lsl `record` CSV: `timestamps` (Unix s, or ms — detected by magnitude), the
/// EEG columns, `Right AUX` (auxiliary) and `Marker*` columns (non-zero = an event).
fn read_muse_lsl(
    path: &Path,
    lines: &[(u64, &str)],
    options: &ReadOptions,
) -> Result<(VendorRecording, Vec<Warning>)> {
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

/// The median of the steps between consecutive times (none with fewer than two).
fn median_step(times: &[f64]) -> Option<f64> {
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

/// Applies a `_channels.tsv` sidecar (bad channels dropped with a warning, non-EEG types
/// excluded by default), then `--rename`, then `--channels` (or the EEG channels).
pub fn choose_channels(
    rec: Recording,
    mut is_eeg: Vec<bool>,
    sidecar: Option<(Vec<bids::ChannelInfo>, PathBuf)>,
    options: &ReadOptions,
) -> Result<(Recording, Vec<Warning>)> {
    let mut keep: Vec<bool> = vec![true; rec.n_channels()];
    let mut warnings = Vec::new();
    if let Some((infos, tsv)) = sidecar {
        let mut bad = Vec::new();
        for info in &infos {
            let Some(c) = rec.channel_index(&info.name) else {
                return Err(Error::at(
                    &tsv,
                    info.line,
                    Some(1),
                    format!(
                        "channel '{}' that {} does not have",
                        info.name,
                        rec.source.display()
                    ),
                    format!(
                        "the recording's channels ({})",
                        truncate(&rec.channel_names.join(", "))
                    ),
                ));
            };
            if info.bad {
                keep[c] = false;
                bad.push(info.name.clone());
            }
            is_eeg[c] = info.kind.eq_ignore_ascii_case("EEG");
        }
        if !bad.is_empty() {
            warnings.push(Warning {
                file: rec.source.display().to_string(),
                kind: WarningKind::BadChannel,
                channels: bad,
                message: format!(
                    "marked bad in {}, dropped",
                    tsv.file_name().map_or(tsv.display().to_string(), |n| n
                        .to_string_lossy()
                        .into_owned())
                ),
            });
        }
    }
    let mut names = rec.channel_names.clone();
    for (old, new) in &options.rename {
        let Some(c) = names.iter().position(|n| n == old) else {
            return Err(Error::input(format!(
                "--rename {old}={new}: {} has no channel '{old}' (channels: {})",
                rec.source.display(),
                truncate(&names.join(", "))
            )));
        };
        if names.iter().any(|n| n == new) && names[c] != *new {
            return Err(Error::input(format!(
                "--rename {old}={new}: {} already has a channel '{new}', expected unique names",
                rec.source.display()
            )));
        }
        names[c] = new.clone();
    }
    let columns: Vec<usize> = match &options.channels {
        Some(wanted) => wanted
            .iter()
            .map(|w| match names.iter().position(|n| n == w) {
                Some(c) if keep[c] => Ok(c),
                Some(_) => Err(Error::input(format!(
                    "--channels {w}: {} marks it bad in its _channels.tsv",
                    rec.source.display()
                ))),
                None => Err(Error::input(format!(
                    "--channels {w}: {} has no such channel (channels: {})",
                    rec.source.display(),
                    truncate(&names.join(", "))
                ))),
            })
            .collect::<Result<_>>()?,
        None => (0..names.len()).filter(|&c| keep[c] && is_eeg[c]).collect(),
    };
    if columns.is_empty() {
        return Err(Error::file(
            &rec.source,
            "no EEG channel left (all bad or not EEG), expected at least one; select channels with --channels",
        ));
    }
    if let Some(d) = (1..columns.len()).find(|&i| columns[..i].contains(&columns[i])) {
        return Err(Error::input(format!(
            "--channels: '{}' given twice",
            names[columns[d]]
        )));
    }
    let samples = rec.samples.select(ndarray::Axis(1), &columns);
    Ok((
        Recording {
            samples,
            sample_rate_hz: rec.sample_rate_hz,
            channel_names: columns.iter().map(|&c| names[c].clone()).collect(),
            source: rec.source,
        },
        warnings,
    ))
}

/// Parses `old=new` pairs of `--rename`.
pub fn parse_renames(items: &[String]) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|item| match item.split_once('=') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
                Ok((a.trim().to_string(), b.trim().to_string()))
            }
            _ => Err(Error::input(format!(
                "--rename '{item}': expected OLD=NEW, e.g. 'EXG Channel 0=Fz'"
            ))),
        })
        .collect()
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
    fn detects_each_dialect() {
        assert_eq!(
            detect_dialect(b"%OpenBCI Raw EXG Data\n%Sample Rate = 250 Hz\n"),
            Some(Dialect::OpenBciGui)
        );
        assert_eq!(
            detect_dialect(b"TimeStamp,Delta_TP9,RAW_TP9,Elements\n"),
            Some(Dialect::MindMonitor)
        );
        assert_eq!(
            detect_dialect(b"timestamps,TP9,AF7,AF8,TP10,Right AUX\n"),
            Some(Dialect::MuseLsl)
        );
        assert_eq!(
            detect_dialect(b"0.000000\t1.5\t-2.000000\n"),
            Some(Dialect::BrainFlow)
        );
        assert_eq!(detect_dialect(b"time,Cz\n0,1\n"), None);
        assert_eq!(detect_dialect(b"time\tCz\n0\t1\n"), None);
        assert_eq!(detect_dialect(b""), None);
    }

    #[test]
    fn boards_by_name_alias_and_id() {
        assert_eq!(find_board("Cyton").unwrap().sample_rate_hz, 250.0);
        assert_eq!(find_board("2").unwrap().name, "cyton-daisy");
        assert_eq!(find_board("-1").unwrap().name, "synthetic");
        assert_eq!(find_board("38").unwrap().name, "muse");
        assert_eq!(find_board("muse-s").unwrap().name, "muse");
        assert!(find_board("foo").is_none());
    }

    #[test]
    fn datetimes_differ_in_seconds() {
        let a = parse_timestamp("2024-02-28 23:59:59.500").unwrap();
        let b = parse_timestamp("2024-02-29 00:00:00.250").unwrap();
        assert!((b - a - 0.75).abs() < 1e-6);
        assert_eq!(parse_timestamp("1970-01-01 00:00:01"), Some(1.0));
        assert!(parse_timestamp("2024-13-01 00:00:00").is_none());
    }

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
