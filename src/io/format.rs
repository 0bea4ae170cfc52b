//! Format dispatch: which reader a recording needs, chosen by its content first (magic bytes:
//! EDF `0` + 7 spaces, BDF 0xFF `BIOSEMI`, gzip 1f 8b), then by its extension, else EEG CSV.
//! Every command reads recordings through [`read_any`] (whole file) or [`open_stream`]
//! (block by block), so every format works everywhere.
//!
//! A gzip file is decompressed as it is read (flate2) and its content dispatched again (so
//! `.csv.gz` and `.edf.gz` both work): memory stays bounded by the readers' own limits.
//!
//! Adding a reader (e.g. a vendor CSV dialect): a [`Format`] variant, a line in [`detect`],
//! and one arm in [`open_sniffed`] returning its [`SampleStream`]; whole-file reads
//! ([`read_source`]) and streaming ([`open_stream`]) both go through that arm.

use super::edf::EdfStream;
use super::stream::{Block, CsvStream};
use super::{check_recording, CsvOptions, Event, Warning, WarningKind};
use crate::{Error, Recording, Result};
use ndarray::Array2;
use std::io::Read;
use std::path::Path;

/// The formats eegi reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// EEG CSV (comma, tab or semicolon), the default.
    Csv,
    /// EDF or EDF+ (16-bit).
    Edf,
    /// BDF or BDF+ (24-bit).
    Bdf,
}

impl Format {
    /// The format's short name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Edf => "EDF",
            Format::Bdf => "BDF",
        }
    }
}

/// A source whose first bytes have been looked at: its format, whether it was gzip-compressed,
/// and a reader that yields the (decompressed) content from its first byte.
pub struct Sniffed {
    /// The format of the content.
    pub format: Format,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
    /// The content, from its first byte.
    pub reader: Box<dyn Read + Send>,
}

/// Reads up to `n` bytes (fewer only at the end of the source).
fn peek(source: &mut dyn Read, n: usize, path: &Path) -> Result<Vec<u8>> {
    let mut head = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match source.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(Error::file(
                    path,
                    format!("cannot read: {}", super::io_reason(&e)),
                ))
            }
        }
    }
    head.truncate(got);
    Ok(head)
}

/// Whether the file name ends with `.ext` (any case).
fn has_ext(path: &Path, ext: &str) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.to_ascii_lowercase().ends_with(&format!(".{ext}")))
}

/// The format of content that starts with `head`: magic bytes first, then the extension of
/// `name` (the file name without a `.gz`). An `.edf`/`.bdf` name without its magic is an error.
pub fn detect(head: &[u8], name: &Path, path: &Path) -> Result<Format> {
    if head.starts_with(b"0       ") {
        return Ok(Format::Edf);
    }
    if head.starts_with(b"\xFFBIOSEMI") {
        return Ok(Format::Bdf);
    }
    for (ext, expected) in [
        ("edf", "'0' and 7 spaces, as every EDF file starts"),
        ("bdf", "0xFF 'BIOSEMI', as every BDF file starts"),
    ] {
        if has_ext(name, ext) {
            let shown: String = String::from_utf8_lossy(head)
                .chars()
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            return Err(Error::input(format!(
                "{}: byte 0 (version): '{shown}', expected {expected}",
                path.display()
            )));
        }
    }
    Ok(Format::Csv)
}

/// Looks at the first bytes of `source` (decompressing gzip) and says what it holds.
pub fn sniff(mut source: Box<dyn Read + Send>, path: &Path) -> Result<Sniffed> {
    let head = peek(&mut source, 8, path)?;
    let replay: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head.clone()).chain(source));
    let name_without_gz = path
        .to_str()
        .and_then(|s| {
            let l = s.to_ascii_lowercase();
            l.ends_with(".gz").then(|| Path::new(&s[..s.len() - 3]))
        })
        .unwrap_or(path);
    if head.starts_with(&[0x1f, 0x8b]) {
        let mut inner: Box<dyn Read + Send> = Box::new(flate2::read::MultiGzDecoder::new(replay));
        let head = peek(&mut inner, 8, path)?;
        if head.starts_with(&[0x1f, 0x8b]) {
            return Err(Error::file(
                path,
                "gzip inside gzip, expected one layer of compression",
            ));
        }
        let format = detect(&head, name_without_gz, path)?;
        return Ok(Sniffed {
            format,
            gzip: true,
            reader: Box::new(ReadAhead::start(
                Box::new(std::io::Cursor::new(head).chain(inner)),
                path,
            )?),
        });
    }
    if has_ext(path, "gz") {
        return Err(Error::input(format!(
            "{}: byte 0: not gzip data (no 1f 8b), expected a gzip-compressed file for a .gz name",
            path.display()
        )));
    }
    Ok(Sniffed {
        format: detect(&head, path, path)?,
        gzip: false,
        reader: replay,
    })
}

/// Bytes the decompression thread hands over at a time.
const READ_AHEAD_CHUNK: usize = 1 << 20;

/// Chunks the decompression thread may hold ready (memory bound: this many MiB).
const READ_AHEAD_CHUNKS: usize = 4;

/// Decompressed content produced by a thread of its own, a few MiB ahead of the parser, so
/// that reading a `.gz` costs about the decompression alone instead of decompression plus
/// parsing. Reads fill the buffer unless the content ends: the CSV parser takes a short read
/// for a pause in a live source and would otherwise parse in tiny blocks.
struct ReadAhead {
    chunks: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
    ended: bool,
    /// An error met after some bytes were handed out: returned by the next read.
    error: Option<std::io::Error>,
}

impl ReadAhead {
    /// Starts the thread that reads (decompresses) `inner` ahead.
    fn start(mut inner: Box<dyn Read + Send>, path: &Path) -> Result<ReadAhead> {
        let (send, chunks) = std::sync::mpsc::sync_channel(READ_AHEAD_CHUNKS);
        std::thread::Builder::new()
            .name("eegi-gunzip".into())
            .spawn(move || loop {
                let mut chunk = vec![0u8; READ_AHEAD_CHUNK];
                let mut n = 0;
                let mut failed = None;
                while n < chunk.len() {
                    match inner.read(&mut chunk[n..]) {
                        Ok(0) => break,
                        Ok(k) => n += k,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                chunk.truncate(n);
                let end = n == 0 || failed.is_some();
                // an empty chunk says the content ended; a send fails once the reader is gone
                if (n > 0 || failed.is_none()) && send.send(Ok(chunk)).is_err() {
                    return;
                }
                if let Some(e) = failed {
                    let _ = send.send(Err(e));
                }
                if end {
                    return;
                }
            })
            .map_err(|e| {
                Error::runtime(format!(
                    "{}: cannot start the decompression thread: {e}",
                    path.display()
                ))
            })?;
        Ok(ReadAhead {
            chunks,
            chunk: Vec::new(),
            at: 0,
            ended: false,
            error: None,
        })
    }
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let mut n = 0;
        while n < out.len() {
            if self.at == self.chunk.len() {
                if self.ended {
                    break;
                }
                let next = self.chunks.recv().unwrap_or_else(|_| {
                    Err(std::io::Error::other("the decompression thread stopped"))
                });
                match next {
                    Ok(chunk) if chunk.is_empty() => {
                        self.ended = true;
                        break;
                    }
                    Ok(chunk) => {
                        self.chunk = chunk;
                        self.at = 0;
                    }
                    Err(e) => {
                        self.ended = true;
                        if n == 0 {
                            return Err(e);
                        }
                        self.error = Some(e);
                        break;
                    }
                }
            }
            let k = (self.chunk.len() - self.at).min(out.len() - n);
            out[n..n + k].copy_from_slice(&self.chunk[self.at..self.at + k]);
            self.at += k;
            n += k;
        }
        Ok(n)
    }
}

/// Opens a file (`-` = standard input) for reading.
pub fn open_file(path: &Path) -> Result<(Box<dyn Read + Send>, std::path::PathBuf)> {
    if path == Path::new("-") {
        return Ok((Box::new(std::io::stdin()), "<stdin>".into()));
    }
    let file = super::output::open_input(path)
        .map_err(|e| Error::file(path, format!("cannot read file: {}", super::io_reason(&e))))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Error::file(path, "a directory, expected a file"));
    }
    Ok((Box::new(file), path.to_path_buf()))
}

/// A recording read whole, with what its file says besides samples.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The samples, rate and channel names.
    pub recording: Recording,
    /// Input sanity warnings (format notes, then per-channel checks).
    pub warnings: Vec<Warning>,
    /// Events stored in the file itself (EDF+/BDF+ annotations); empty for CSV.
    pub events: Vec<Event>,
    /// The format read.
    pub format: Format,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
    /// A description of the format, e.g. `EDF+`, `CSV (gzip)`, `Mind Monitor CSV`.
    pub description: String,
    /// The vendor CSV dialect read, if any (see [`super::vendor`]).
    pub dialect: Option<super::vendor::Dialect>,
}

/// Reads a recording of any supported format (`-` = standard input).
pub fn read_any(path: &Path, options: &CsvOptions) -> Result<Loaded> {
    super::eeg_csv::check_rate_option(options)?;
    let (source, name) = open_file(path)?;
    read_source(source, &name, options)
}

/// Parses the bytes of a recording of any format (`path` names it); what the fuzz tests drive.
pub fn parse_any(path: &Path, bytes: &[u8], options: &CsvOptions) -> Result<Loaded> {
    super::eeg_csv::check_rate_option(options)?;
    read_source(
        Box::new(std::io::Cursor::new(bytes.to_vec())),
        path,
        options,
    )
}

/// Reads a whole recording from `source`, dispatching on its content.
pub fn read_source(
    source: Box<dyn Read + Send>,
    path: &Path,
    options: &CsvOptions,
) -> Result<Loaded> {
    let s = sniff(source, path)?;
    let (format, gzip) = (s.format, s.gzip);
    let (recording, warnings, events, mut description) = if format == Format::Csv {
        // the CSV reader checks its time column over the whole file
        let (r, w) = super::eeg_csv::read_from(s.reader, path, options)?;
        (r, w, Vec::new(), format.name().to_string())
    } else {
        read_whole(
            open_sniffed(s, path, options.sample_rate_hz)?,
            path,
            options,
        )?
    };
    if gzip {
        description.push_str(" (gzip)");
    }
    Ok(Loaded {
        recording,
        warnings,
        events,
        format,
        gzip,
        description,
        dialect: None,
    })
}

/// Reads a stream to its end into a recording, with its warnings, events and description.
fn read_whole(
    mut stream: Box<dyn SampleStream>,
    path: &Path,
    options: &CsvOptions,
) -> Result<(Recording, Vec<Warning>, Vec<Event>, String)> {
    let mut values = Vec::new();
    while let Some(b) = stream.next_block()? {
        values.extend_from_slice(&b.samples);
    }
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

/// Samples of a recording handed out block by block, whatever its format.
pub trait SampleStream: Send {
    /// Channel names in file order.
    fn channel_names(&self) -> Vec<String>;
    /// Keeps only the named channels, in the given order (an error names the missing ones;
    /// `who` says who needs them).
    fn select_channels(&mut self, wanted: &[String], who: &str) -> Result<()>;
    /// Channels in each row of a block.
    fn n_channels(&self) -> usize;
    /// The sample rate, Hz, once known (a CSV time column needs two rows).
    fn sample_rate_hz(&self) -> Option<f64>;
    /// Reads the next block; `None` at the end.
    fn next_block(&mut self) -> Result<Option<&Block>>;
    /// The block returned last.
    fn last_block(&self) -> &Block;
    /// The block returned last, to move its samples out (a buffer swapped in is reused).
    fn last_block_mut(&mut self) -> &mut Block;
    /// What the format says about the signals (signals left out, units assumed).
    fn warnings(&self) -> Vec<Warning> {
        Vec::new()
    }
    /// Events stored in the file, read so far (complete once the stream has ended).
    fn events(&self) -> Vec<Event> {
        Vec::new()
    }
    /// The format's name, e.g. `CSV`, `EDF+`.
    fn description(&self) -> String;
}

impl SampleStream for CsvStream {
    fn channel_names(&self) -> Vec<String> {
        CsvStream::channel_names(self)
    }
    fn select_channels(&mut self, wanted: &[String], who: &str) -> Result<()> {
        CsvStream::select_channels(self, wanted, who)
    }
    fn n_channels(&self) -> usize {
        CsvStream::n_channels(self)
    }
    fn sample_rate_hz(&self) -> Option<f64> {
        CsvStream::sample_rate_hz(self)
    }
    fn next_block(&mut self) -> Result<Option<&Block>> {
        CsvStream::next_block(self)
    }
    fn last_block(&self) -> &Block {
        CsvStream::last_block(self)
    }
    fn last_block_mut(&mut self) -> &mut Block {
        &mut self.block
    }
    fn description(&self) -> String {
        Format::Csv.name().into()
    }
}

impl SampleStream for EdfStream {
    fn channel_names(&self) -> Vec<String> {
        EdfStream::channel_names(self)
    }
    fn select_channels(&mut self, wanted: &[String], who: &str) -> Result<()> {
        EdfStream::select_channels(self, wanted, who)
    }
    fn n_channels(&self) -> usize {
        EdfStream::n_channels(self)
    }
    fn sample_rate_hz(&self) -> Option<f64> {
        Some(EdfStream::sample_rate_hz(self))
    }
    fn next_block(&mut self) -> Result<Option<&Block>> {
        EdfStream::next_block(self)
    }
    fn last_block(&self) -> &Block {
        EdfStream::last_block(self)
    }
    fn last_block_mut(&mut self) -> &mut Block {
        &mut self.block
    }
    fn warnings(&self) -> Vec<Warning> {
        EdfStream::warnings(self).to_vec()
    }
    fn events(&self) -> Vec<Event> {
        EdfStream::events(self).to_vec()
    }
    fn description(&self) -> String {
        let h = self.header();
        format!("{}{}", h.kind.name(), if h.plus { "+" } else { "" })
    }
}

/// Opens a recording of any format as a stream of blocks (memory bounded by one block).
/// `path` names it in errors; `sample_rate_hz` is `--sample-rate` (CSV only).
pub fn open_stream(
    source: Box<dyn Read + Send>,
    path: &Path,
    sample_rate_hz: Option<f64>,
) -> Result<Box<dyn SampleStream>> {
    open_sniffed(sniff(source, path)?, path, sample_rate_hz)
}

/// The one place a format's reader is chosen: a new format is one arm here.
pub fn open_sniffed(
    s: Sniffed,
    path: &Path,
    sample_rate_hz: Option<f64>,
) -> Result<Box<dyn SampleStream>> {
    Ok(match s.format {
        Format::Csv => Box::new(CsvStream::new(s.reader, path, sample_rate_hz)?),
        Format::Edf | Format::Bdf => Box::new(EdfStream::new(s.reader, path)?),
    })
}

/// Whether a file name looks like a recording eegi reads (for folder searches): `*.csv`,
/// `*.edf`, `*.bdf` and the OpenBCI GUI's `OpenBCI-RAW-*.txt` (any case, also
/// gzip-compressed), not `*_events.csv`. Other `.txt` files are not taken: too many are notes.
pub fn is_recording_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    let l = l.strip_suffix(".gz").unwrap_or(&l);
    !name.starts_with('.')
        && ((l.ends_with(".csv") && !l.ends_with("_events.csv"))
            || l.ends_with(".edf")
            || l.ends_with(".bdf")
            || (l.starts_with("openbci-raw-") && l.ends_with(".txt")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_decide_before_the_extension() {
        let p = Path::new("x.csv");
        assert_eq!(detect(b"0       ", p, p).unwrap(), Format::Edf);
        assert_eq!(detect(b"\xFFBIOSEMI", p, p).unwrap(), Format::Bdf);
        assert_eq!(detect(b"time,Cz\n", p, p).unwrap(), Format::Csv);
        let e = detect(b"time,Cz\n", Path::new("x.EDF"), Path::new("x.EDF")).unwrap_err();
        assert!(
            e.message.starts_with("x.EDF: byte 0 (version): 'time,Cz?'"),
            "{}",
            e.message
        );
    }

    #[test]
    fn recording_names() {
        assert!(is_recording_name("a.csv"));
        assert!(is_recording_name("a.csv.gz"));
        assert!(is_recording_name("a.EDF"));
        assert!(is_recording_name("a.bdf"));
        assert!(!is_recording_name("a_events.csv"));
        assert!(!is_recording_name(".a.csv"));
        assert!(!is_recording_name("a.json"));
        assert!(is_recording_name("OpenBCI-RAW-2024-05-01_10-00-00.txt"));
        assert!(is_recording_name("openbci-raw-x.txt.gz"));
        assert!(!is_recording_name("notes.txt"));
        assert!(!is_recording_name("OpenBCI-RAW-x.json"));
    }

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
