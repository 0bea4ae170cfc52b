//! A BrainVision recording read block by block: the header is read whole (it is text of a few
//! KiB), the markers whole (bounded by [`crate::limits::MAX_EVENTS`]), and the data file about
//! 1 MiB at a time — one sequential read per block when multiplexed, one seek and read per
//! channel per block when vectorised — so memory does not grow with the recording.

use super::header::{parse_header, BinaryFormat, Header, Orientation};
use super::ini::decode as decode_text;
use super::markers::{parse_markers, Markers};
use crate::io::bytes::{read_limited, ReadLimits};
use crate::io::errors::{io_reason, pick_channels};
use crate::io::events::Event;
use crate::io::output::open_input;
use crate::io::sanity::{Warning, WarningKind};
use crate::io::stream::{Block, SampleStream, BLOCK_BYTES_PER_THREAD};
use crate::limits::MAX_BRAINVISION_TEXT_BYTES;
use crate::{Error, Result};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Limits on the header and marker files: text of at most
/// [`MAX_BRAINVISION_TEXT_BYTES`], lines of at most [`crate::limits::MAX_LINE_BYTES`].
const TEXT: ReadLimits = ReadLimits {
    max_line_bytes: crate::limits::MAX_LINE_BYTES,
    max_header_columns: usize::MAX,
    max_total_bytes: MAX_BRAINVISION_TEXT_BYTES,
};

/// A BrainVision recording read block by block.
pub struct BrainVisionStream {
    path: PathBuf,
    header: Header,
    data: BufReader<File>,
    /// Data points per channel.
    n_points: u64,
    /// Indices of the voltage channels (the ones read), in file order.
    kept: Vec<usize>,
    /// The channels handed out, in output order (indices into `header.channels`).
    selected: Vec<usize>,
    /// Data points read so far.
    points_read: u64,
    events: Vec<Event>,
    warnings: Vec<Warning>,
    raw: Vec<u8>,
    block: Block,
}

impl std::fmt::Debug for BrainVisionStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrainVisionStream")
            .field("path", &self.path)
            .field("data_file", &self.header.data_file)
            .finish()
    }
}

impl BrainVisionStream {
    /// Opens a recording from its header's content (`header` reads the `.vhdr`; `path` is its
    /// name, which locates the data and marker files): checks the header, the size of the
    /// data file and every marker before a sample is handed out.
    pub fn new(header: Box<dyn Read + Send>, path: &Path) -> Result<BrainVisionStream> {
        if path == Path::new("<stdin>") {
            return Err(Error::file(
                path,
                "a BrainVision header names its data file beside it, expected the .vhdr as a file, not standard input",
            ));
        }
        let text = decode_text(&read_limited(header, path, &TEXT)?);
        let header = parse_header(path, &text)?;
        let not_found = |e: std::io::Error| {
            Error::at(
                path,
                header.data_file_line,
                None,
                format!(
                    "DataFile: {}: {}",
                    header.data_file.display(),
                    io_reason(&e)
                ),
                "the data file beside the header",
            )
        };
        let file = open_input(&header.data_file).map_err(not_found)?;
        let len = file.metadata().map_err(not_found)?.len();
        let n_points = data_points(path, &header, len)?;
        let mut warnings = Vec::new();
        let markers = read_markers(path, &header, n_points, &mut warnings)?;
        let kept: Vec<usize> = (0..header.channels.len())
            .filter(|&i| header.channels[i].uv_per_unit.is_some())
            .collect();
        let other: Vec<String> = header
            .channels
            .iter()
            .filter(|c| c.uv_per_unit.is_none())
            .map(|c| format!("{} ({})", c.name, c.unit))
            .collect();
        let warn = |message: String| Warning {
            file: path.display().to_string(),
            kind: WarningKind::Format,
            channels: Vec::new(),
            message,
        };
        if !other.is_empty() {
            warnings.push(warn(format!(
                "left out: not a voltage ({}), expected µV, mV, V or nV for EEG",
                other.join(", ")
            )));
        }
        if kept.is_empty() {
            return Err(Error::file(
                path,
                "no EEG channel (no channel in µV, mV, V or nV), expected at least one voltage channel",
            ));
        }
        if !markers.breaks.is_empty() {
            let at: Vec<String> = markers
                .breaks
                .iter()
                .map(|p| format!("{} s", (p - 1) as f64 / header.sample_rate_hz))
                .collect();
            warnings.push(warn(format!(
                "New Segment at {}: the recording was paused there, read as continuous",
                at.join(", ")
            )));
        }
        Ok(BrainVisionStream {
            path: path.to_path_buf(),
            data: BufReader::with_capacity(1 << 16, file),
            n_points,
            selected: kept.clone(),
            kept,
            points_read: 0,
            events: markers.events,
            warnings,
            raw: Vec::new(),
            block: Block::default(),
            header,
        })
    }

    /// The parsed header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Data points per channel.
    pub fn n_points(&self) -> u64 {
        self.n_points
    }

    /// Reads the next block (about 1 MiB of samples); `None` at the end.
    pub fn next_block(&mut self) -> Result<Option<&Block>> {
        let left = self.n_points - self.points_read;
        if left == 0 {
            return Ok(None);
        }
        let bytes = self.header.format.bytes();
        let n_all = self.header.channels.len();
        let per_block = (BLOCK_BYTES_PER_THREAD / (bytes * n_all)).max(1) as u64;
        let rows = left.min(per_block) as usize;
        let width = self.selected.len();
        let mut samples = std::mem::take(&mut self.block.samples);
        samples.clear();
        samples.resize(rows * width, 0.0);
        // (byte offset of the channel's value in a data point's bytes, µV per stored unit)
        let gain = |i: usize| {
            let ch = &self.header.channels[i];
            ch.resolution * ch.uv_per_unit.unwrap_or(1.0)
        };
        let format = self.header.format;
        let (point_bytes, slots): (usize, Vec<(usize, f64)>) = match self.header.orientation {
            Orientation::Multiplexed => {
                self.raw.resize(rows * n_all * bytes, 0);
                let at = self.points_read * (n_all * bytes) as u64;
                read_at(&mut self.data, &mut self.raw, None, at, &self.header)?;
                let slots = self
                    .selected
                    .iter()
                    .map(|&i| (i * bytes, gain(i)))
                    .collect();
                (n_all * bytes, slots)
            }
            Orientation::Vectorized => {
                // the block's stretch of each selected channel, one after the other; then
                // decoded row by row like a multiplexed block
                let stretch = rows * bytes;
                self.raw.resize(width * stretch, 0);
                for (c, &i) in self.selected.iter().enumerate() {
                    let at = (i as u64 * self.n_points + self.points_read) * bytes as u64;
                    let buf = &mut self.raw[c * stretch..(c + 1) * stretch];
                    read_at(&mut self.data, buf, Some(at), at, &self.header)?;
                }
                let slots = (0..width)
                    .map(|c| (c * stretch, gain(self.selected[c])))
                    .collect();
                (bytes, slots)
            }
        };
        decode(format, &self.raw, point_bytes, rows, &slots, &mut samples);
        // a NaN or infinite float (or a finite value that overflows when scaled)
        if let Some(at) = samples.iter().position(|v| !v.is_finite()) {
            let (k, c) = (at / width, at % width);
            return Err(self.non_finite(self.selected[c], self.points_read + k as u64));
        }
        self.points_read += rows as u64;
        self.block = Block {
            samples,
            n_rows: rows,
            events: Vec::new(),
        };
        Ok(Some(&self.block))
    }

    /// The error for a NaN or infinite float sample of channel `i` at data point `k` (from 0).
    fn non_finite(&self, i: usize, k: u64) -> Error {
        Error::file(
            &self.header.data_file,
            format!(
                "data point {} of channel '{}' is not a finite number, expected finite samples (NaN and infinity are not EEG)",
                k + 1,
                self.header.channels[i].name
            ),
        )
    }
}

/// Reads `buf.len()` bytes at byte `at` of the data file (seeking first when `seek` is given).
fn read_at(
    data: &mut BufReader<File>,
    buf: &mut [u8],
    seek: Option<u64>,
    at: u64,
    header: &Header,
) -> Result<()> {
    let failed = |e: std::io::Error| {
        Error::file(
            &header.data_file,
            format!(
                "byte {at}: cannot read: {} (the file changed while read?)",
                io_reason(&e)
            ),
        )
    };
    match seek {
        None => data.read_exact(buf).map_err(failed),
        Some(to) => {
            // past the buffer: a seek empties it, and reading a short stretch through it
            // would read a whole buffer's worth per channel
            data.seek(SeekFrom::Start(to)).map_err(failed)?;
            data.get_mut().read_exact(buf).map_err(failed)
        }
    }
}

/// Decodes `rows` data points from `raw` (data point `k` starts at byte `k × point_bytes`;
/// little-endian `format`) into `out`, row-major: slot `(offset, gain)` is a channel whose
/// value is at `offset` from its data point's start, in µV per stored unit.
fn decode(
    format: BinaryFormat,
    raw: &[u8],
    point_bytes: usize,
    rows: usize,
    slots: &[(usize, f64)],
    out: &mut [f64],
) {
    let shape = (point_bytes, rows);
    match format {
        BinaryFormat::Int16 => {
            decode_rows::<2>(raw, shape, slots, out, |b| i16::from_le_bytes(b) as f64)
        }
        BinaryFormat::Int32 => {
            decode_rows::<4>(raw, shape, slots, out, |b| i32::from_le_bytes(b) as f64)
        }
        BinaryFormat::Float32 => {
            decode_rows::<4>(raw, shape, slots, out, |b| f32::from_le_bytes(b) as f64)
        }
    }
}

/// [`decode`] for values of `B` bytes read by `value`: row by row, so the values written move
/// forward (a pass per channel would stride through the block once per channel).
fn decode_rows<const B: usize>(
    raw: &[u8],
    (point_bytes, rows): (usize, usize),
    slots: &[(usize, f64)],
    out: &mut [f64],
    value: impl Fn([u8; B]) -> f64,
) {
    for (k, row) in out.chunks_exact_mut(slots.len()).take(rows).enumerate() {
        let start = k * point_bytes;
        for (slot, &(offset, gain)) in row.iter_mut().zip(slots) {
            let at = start + offset;
            let mut b = [0u8; B];
            b.copy_from_slice(&raw[at..at + B]);
            *slot = value(b) * gain;
        }
    }
}

/// The data points per channel that a data file of `len` bytes holds, checked against
/// `DataPoints` when the header gives it: a file cut inside a data point, or shorter or
/// longer than `DataPoints` says, is refused.
fn data_points(path: &Path, header: &Header, len: u64) -> Result<u64> {
    let bytes = header.format.bytes() as u64;
    let n = header.channels.len() as u64;
    let point = bytes * n;
    let shape = format!("{n} channels × {} bytes ({})", bytes, header.format.name());
    let data = header.data_file.display();
    if let Some((points, line)) = header.data_points {
        let expected = points.saturating_mul(point);
        if len != expected {
            return Err(Error::file(
                &header.data_file,
                format!(
                    "{len} bytes, expected {expected}: DataPoints={points} (line {line} of {}) × {shape} (truncated or not this header's data?)",
                    path.display()
                ),
            ));
        }
        return Ok(points);
    }
    if len == 0 {
        return Err(Error::file(
            &header.data_file,
            "empty, expected at least one data point",
        ));
    }
    if len % point != 0 {
        return Err(Error::input(format!(
            "{data}: {len} bytes, not a whole number of data points of {point} bytes ({shape}), expected a file that ends after a whole data point (truncated?)"
        )));
    }
    Ok(len / point)
}

/// Reads the marker file the header names, if any: named but missing, the header's own
/// `<stem>.vmrk` is tried (as MNE does after files were renamed), else no markers, with a
/// warning either way.
fn read_markers(
    path: &Path,
    header: &Header,
    n_points: u64,
    warnings: &mut Vec<Warning>,
) -> Result<Markers> {
    let Some((named, line)) = &header.marker_file else {
        return Ok(Markers::default());
    };
    let sibling = path.with_extension("vmrk");
    let file = if named.is_file() {
        named.clone()
    } else if sibling.is_file() {
        sibling
    } else {
        warnings.push(Warning {
            file: path.display().to_string(),
            kind: WarningKind::Format,
            channels: Vec::new(),
            message: format!(
                "MarkerFile {} (line {line}) not found: no markers read",
                named.display()
            ),
        });
        return Ok(Markers::default());
    };
    if &file != named {
        warnings.push(Warning {
            file: path.display().to_string(),
            kind: WarningKind::Format,
            channels: Vec::new(),
            message: format!(
                "MarkerFile {} (line {line}) not found: read {} instead",
                named.display(),
                file.display()
            ),
        });
    }
    let f = open_input(&file)
        .map_err(|e| Error::file(&file, format!("cannot read file: {}", io_reason(&e))))?;
    let text = decode_text(&read_limited(f, &file, &TEXT)?);
    parse_markers(&file, &text, header.sample_rate_hz, n_points)
}

impl SampleStream for BrainVisionStream {
    fn channel_names(&self) -> Vec<String> {
        self.kept
            .iter()
            .map(|&i| self.header.channels[i].name.clone())
            .collect()
    }
    fn select_channels(&mut self, wanted: &[String], who: &str) -> Result<()> {
        let available: Vec<(usize, &str)> = self
            .kept
            .iter()
            .map(|&i| (i, self.header.channels[i].name.as_str()))
            .collect();
        let selected = pick_channels(&self.path, wanted, &available, who)?;
        self.selected = selected;
        Ok(())
    }
    fn n_channels(&self) -> usize {
        self.selected.len()
    }
    fn sample_rate_hz(&self) -> Option<f64> {
        Some(self.header.sample_rate_hz)
    }
    fn next_block(&mut self) -> Result<Option<&Block>> {
        BrainVisionStream::next_block(self)
    }
    fn last_block(&self) -> &Block {
        &self.block
    }
    fn last_block_mut(&mut self) -> &mut Block {
        &mut self.block
    }
    fn warnings(&self) -> Vec<Warning> {
        self.warnings.clone()
    }
    fn events(&self) -> Vec<Event> {
        self.events.clone()
    }
    fn description(&self) -> String {
        let o = match self.header.orientation {
            Orientation::Multiplexed => "multiplexed",
            Orientation::Vectorized => "vectorised",
        };
        format!("BrainVision ({}, {o})", self.header.format.name())
    }
}
