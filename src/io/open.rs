//! The one entry for reading recordings: [`read_any`] reads a file whole and [`open_stream`]
//! opens one block by block. Both sniff the head once ([`sniff`]) and build the reader of the
//! [`Format`] found in one `match` ([`open_sniffed`] for streams, `read_sniffed` for whole
//! files); `--channels`, `--rename` and a `_channels.tsv` sidecar are then applied by
//! [`super::channels`].

use super::bids;
use super::brainvision::BrainVisionStream;
use super::bytes::{read_limited, ReadLimits};
use super::channels::{choose_channels, ReadOptions};
use super::csv::rate::check_rate_option;
use super::csv::whole::read_from;
use super::csv::{CsvOptions, CsvStream};
use super::edf::stream::EdfStream;
use super::events::Event;
use super::format::{open_file, sniff, Format, Sniffed};
use super::sanity::{check_recording, Warning, WarningKind};
use super::stream::{read_to_end, SampleStream};
use super::vendor::dialect::{detect_dialect, parse_vendor, Dialect};
use super::vendor::VendorRecording;
use crate::{Error, Recording, Result};
use ndarray::Array2;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A recording read whole, with what its file says besides samples.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The samples, rate and channel names.
    pub recording: Recording,
    /// Input sanity warnings (format notes, then per-channel checks).
    pub warnings: Vec<Warning>,
    /// Events stored in the file itself (EDF+/BDF+ annotations, vendor markers); empty for CSV.
    pub events: Vec<Event>,
    /// The format read.
    pub format: Format,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
    /// A description of the format, e.g. `EDF+`, `CSV (gzip)`, `Mind Monitor CSV`.
    pub description: String,
    /// The vendor CSV dialect read, if any (see [`super::vendor`]).
    pub dialect: Option<Dialect>,
}

/// Reads a recording of any format or dialect (`-` = standard input) — EEG CSV, EDF/BDF (also
/// gzip-compressed), BrainVision (`.vhdr`), BrainFlow, OpenBCI GUI, Mind Monitor, muse-lsl — then applies its
/// `_channels.tsv` sidecar, `--rename` and `--channels`. Vendor dialects are detected on
/// files (standard input is one only with `--board`).
pub fn read_any(path: &Path, options: &ReadOptions) -> Result<Loaded> {
    let stdin = path == Path::new("-");
    let sidecar = if stdin {
        None
    } else {
        bids::find_channels_sidecar(path)
    };
    let loaded = if options.board.is_some() {
        // --board: the file is a BrainFlow board file whatever its first bytes
        let (source, name) = open_file(path)?;
        let s = Sniffed {
            format: Format::BrainFlow,
            gzip: false,
            reader: source,
        };
        read_sniffed(s, path, &name, options)?
    } else {
        // a bad --sample-rate comes before a file that cannot be read, except in a vendor
        // file, whose reader checks it after reading the file
        let bad_rate = check_rate_option(&options.csv).err();
        let first = |e: Error| bad_rate.clone().unwrap_or(e);
        let (source, name) = open_file(path).map_err(first)?;
        let s = sniff(source, &name, !stdin).map_err(first)?;
        match bad_rate {
            Some(e) if s.format.dialect().is_none() => return Err(e),
            _ => read_sniffed(s, path, &name, options)?,
        }
    };
    select(loaded, sidecar, options)
}

/// Applies the channel options to a recording read whole, in one place. With `is_eeg` (a
/// vendor recording: which channels are EEG) the recording always goes through
/// [`choose_channels`] (auxiliary channels are left out) and is checked after; without, only
/// when a sidecar, `--channels` or `--rename` asks for it.
fn select(
    (mut loaded, is_eeg): (Loaded, Option<Vec<bool>>),
    sidecar: Option<PathBuf>,
    options: &ReadOptions,
) -> Result<Loaded> {
    let asked = sidecar.is_some() || options.channels.is_some() || !options.rename.is_empty();
    if is_eeg.is_none() && !asked {
        return Ok(loaded);
    }
    let channels_tsv = match sidecar {
        Some(p) => Some((bids::read_channels_tsv(&p)?, p)),
        None => None,
    };
    let check_after = is_eeg.is_some();
    let is_eeg = is_eeg.unwrap_or_else(|| vec![true; loaded.recording.n_channels()]);
    let (recording, more) = choose_channels(loaded.recording, is_eeg, channels_tsv, options)?;
    loaded.warnings.extend(more);
    if check_after {
        loaded.warnings.extend(check_recording(&recording));
    }
    loaded.recording = recording;
    Ok(loaded)
}

/// Reads a sniffed source whole with the reader of its format; `path` is the name given
/// (`-` for standard input, named so by the byte limits), `name` the one errors use. Returns
/// which channels are EEG for a vendor recording.
fn read_sniffed(
    s: Sniffed,
    path: &Path,
    name: &Path,
    options: &ReadOptions,
) -> Result<(Loaded, Option<Vec<bool>>)> {
    let (format, gzip) = (s.format, s.gzip);
    if let Some(dialect) = format.dialect() {
        let bytes = read_limited(s.reader, path, &ReadLimits::TABLE)?;
        let (vendor, warnings) = parse_vendor(name, &bytes, dialect, options)?;
        return Ok(vendor_loaded(vendor, warnings, Some(dialect)));
    }
    let (recording, warnings, events, mut description) = if format == Format::Csv {
        // the CSV reader checks its time column over the whole file
        let (r, w) = read_from(s.reader, name, &options.csv)?;
        (r, w, Vec::new(), format.name().to_string())
    } else {
        read_whole(
            open_sniffed(s, name, options.csv.sample_rate_hz)?,
            name,
            &options.csv,
        )?
    };
    if gzip {
        description.push_str(" (gzip)");
    }
    let loaded = Loaded {
        recording,
        warnings,
        events,
        format,
        gzip,
        description,
        dialect: None,
    };
    Ok((loaded, None))
}

/// A vendor recording (or, without a dialect, a plain CSV one read as such) as [`Loaded`],
/// with which of its channels are EEG.
fn vendor_loaded(
    vendor: VendorRecording,
    warnings: Vec<Warning>,
    dialect: Option<Dialect>,
) -> (Loaded, Option<Vec<bool>>) {
    let loaded = Loaded {
        recording: vendor.recording,
        warnings,
        events: vendor.events,
        format: dialect.map_or(Format::Csv, Format::from),
        gzip: false,
        description: dialect.map_or("CSV", Dialect::name).to_string(),
        dialect,
    };
    (loaded, Some(vendor.is_eeg))
}

/// Parses the bytes of a recording in any dialect or plain EEG CSV (`path` names it in
/// errors; `--board` says BrainFlow), with an optional `_channels.tsv` sidecar; the entry
/// point the fuzz tests drive (as `io::vendor::parse_any`).
pub fn parse_with_options(
    path: &Path,
    bytes: &[u8],
    options: &ReadOptions,
    channels_tsv: Option<PathBuf>,
) -> Result<Loaded> {
    let dialect = if options.board.is_some() {
        Some(Dialect::BrainFlow)
    } else {
        detect_dialect(&bytes[..bytes.len().min(super::format::DIALECT_HEAD_BYTES)])
    };
    let (vendor, warnings) = match dialect {
        None => {
            let (recording, _) = super::csv::parse_recording(path, bytes, &options.csv)?;
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
    select(
        vendor_loaded(vendor, warnings, dialect),
        channels_tsv,
        options,
    )
}

/// Reads a recording of any format but the vendor dialects (EEG CSV, `.csv.gz`, EDF, BDF
/// or BrainVision; `-` = standard input), with no channel options.
pub fn read_format(path: &Path, options: &CsvOptions) -> Result<Loaded> {
    check_rate_option(options)?;
    let (source, name) = open_file(path)?;
    read_plain(source, &name, options)
}

/// Parses the bytes of a recording of any format but the vendor dialects (`path` names it);
/// what the fuzz tests drive.
pub fn parse_any(path: &Path, bytes: &[u8], options: &CsvOptions) -> Result<Loaded> {
    check_rate_option(options)?;
    read_plain(
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        path,
        options,
    )
}

/// Reads a whole recording from `source`, dispatching on its content (no vendor dialects).
fn read_plain(source: Box<dyn Read + Send>, path: &Path, options: &CsvOptions) -> Result<Loaded> {
    let options = ReadOptions {
        csv: options.clone(),
        ..ReadOptions::default()
    };
    let s = sniff(source, path, false)?;
    read_sniffed(s, path, path, &options).map(|(l, _)| l)
}

/// Reads a recording (EEG CSV — comma, tab or semicolon separated —, `.csv.gz`, EDF, BDF or
/// BrainVision; `-` = standard input) into a [`Recording`]; see [`read_format`].
pub fn read_recording(path: &Path, options: &CsvOptions) -> Result<Recording> {
    read_recording_checked(path, options).map(|(r, _)| r)
}

/// Reads a recording like [`read_recording`], with the input sanity warnings about it
/// (time column, then per-channel checks of [`check_recording`]).
pub fn read_recording_checked(
    path: &Path,
    options: &CsvOptions,
) -> Result<(Recording, Vec<Warning>)> {
    read_format(path, options).map(|l| (l.recording, l.warnings))
}

/// Reads a stream to its end into a recording, with its warnings, events and description.
fn read_whole(
    mut stream: Box<dyn SampleStream>,
    path: &Path,
    options: &CsvOptions,
) -> Result<(Recording, Vec<Warning>, Vec<Event>, String)> {
    let values = read_to_end(stream.as_mut())?;
    let n_ch = stream.n_channels();
    let n = values.len() / n_ch.max(1);
    let mut warnings = stream.warnings();
    let fs = stream
        .sample_rate_hz()
        .ok_or_else(|| Error::file(path, "no sample rate, expected one in the file"))?;
    if let Some(given) = options.sample_rate_hz {
        if given != fs {
            warnings.push(Warning {
                file: path.display().to_string(),
                kind: WarningKind::TimeColumn,
                channels: Vec::new(),
                message: format!("--sample-rate {given} Hz ignored: the file says {fs} Hz"),
            });
        }
    }
    let samples = Array2::from_shape_vec((n, n_ch), values)
        .map_err(|e| Error::runtime(format!("{}: {e}", path.display())))?;
    let recording = Recording {
        samples,
        sample_rate_hz: fs,
        channel_names: stream.channel_names(),
        source: path.to_path_buf(),
    };
    warnings.extend(check_recording(&recording));
    Ok((recording, warnings, stream.events(), stream.description()))
}

/// Opens a recording of any format as a stream of blocks (memory bounded by one block).
/// `path` names it in errors; `sample_rate_hz` is `--sample-rate` (CSV only).
pub fn open_stream(
    source: Box<dyn Read + Send>,
    path: &Path,
    sample_rate_hz: Option<f64>,
) -> Result<Box<dyn SampleStream>> {
    open_sniffed(sniff(source, path, false)?, path, sample_rate_hz)
}

/// The one place a stream's reader is chosen: a new streamed format is one arm here.
pub fn open_sniffed(
    s: Sniffed,
    path: &Path,
    sample_rate_hz: Option<f64>,
) -> Result<Box<dyn SampleStream>> {
    Ok(match s.format {
        Format::Csv => Box::new(CsvStream::new(s.reader, path, sample_rate_hz)?),
        Format::Edf | Format::Bdf => Box::new(EdfStream::new(s.reader, path)?),
        Format::BrainVision => Box::new(BrainVisionStream::new(s.reader, path)?),
        // vendor dialects are read whole (read_sniffed); open_stream does not look for them
        f @ (Format::BrainFlow | Format::OpenBciGui | Format::MindMonitor | Format::MuseLsl) => {
            return Err(Error::runtime(format!(
                "{}: a {} is read whole, not streamed",
                path.display(),
                f.name()
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_csv_reads_like_csv() {
        use std::io::Write;
        let text = b"time,Cz\n0,1\n0.5,2\n1,3\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text).unwrap();
        let gz = gz.finish().unwrap();
        let a = parse_any(Path::new("a.csv.gz"), &gz, &CsvOptions::default()).unwrap();
        let b = parse_any(Path::new("a.csv"), text, &CsvOptions::default()).unwrap();
        assert_eq!(a.recording.samples, b.recording.samples);
        assert_eq!(a.description, "CSV (gzip)");
        let e = parse_any(Path::new("a.csv.gz"), text, &CsvOptions::default()).unwrap_err();
        assert!(e.message.contains("not gzip data"), "{}", e.message);
    }
}
