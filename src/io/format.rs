//! Format dispatch: which reader a recording needs, decided once from its first bytes: magic
//! bytes (EDF `0` + 7 spaces, BDF 0xFF `BIOSEMI`, gzip 1f 8b — decompressed and sniffed
//! again), a vendor CSV dialect ([`detect_dialect`], on files, in the first 8 KiB), then the
//! extension, else EEG CSV. [`super::open`] builds the reader of the [`Format`] found.
//!
//! A gzip file is decompressed as it is read (flate2, on a thread of its own: `gzip.rs`)
//! and its content dispatched again (so `.csv.gz` and `.edf.gz` both work).
//!
//! Adding a reader: a file in `csv/`, `edf/` or `vendor/`, a [`Format`] variant (for a vendor
//! dialect: a [`Dialect`] variant and a line in [`detect_dialect`]), and one arm in
//! [`super::open`]'s `match`.

use super::bids;
use super::channels::ReadOptions;
use super::errors::io_reason;
use super::gzip::ReadAhead;
use super::vendor::dialect::{detect_dialect, Dialect};
use crate::{Error, Result};
use std::io::Read;
use std::path::Path;

/// The formats eegi reads: EEG CSV, EDF, BDF and each vendor CSV dialect (any of them may be
/// gzip-compressed, see [`Sniffed::gzip`], except the vendor dialects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// EEG CSV (comma, tab or semicolon), the default.
    Csv,
    /// EDF or EDF+ (16-bit).
    Edf,
    /// BDF or BDF+ (24-bit).
    Bdf,
    /// BrainFlow `DataFilter.write_file` board file (needs `--board`).
    BrainFlow,
    /// OpenBCI GUI `OpenBCI-RAW-*.txt` export.
    OpenBciGui,
    /// Mind Monitor (Muse) CSV.
    MindMonitor,
    /// muse-lsl `record` CSV.
    MuseLsl,
    /// BrainVision: a `.vhdr` header naming its `.eeg` data and `.vmrk` marker files.
    BrainVision,
}

impl Format {
    /// The format's short name (a vendor dialect's name in messages).
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Edf => "EDF",
            Format::Bdf => "BDF",
            Format::BrainVision => "BrainVision",
            _ => self.dialect().map_or("CSV", Dialect::name),
        }
    }

    /// The vendor CSV dialect this format is, if it is one.
    pub fn dialect(self) -> Option<Dialect> {
        match self {
            Format::Csv | Format::Edf | Format::Bdf | Format::BrainVision => None,
            Format::BrainFlow => Some(Dialect::BrainFlow),
            Format::OpenBciGui => Some(Dialect::OpenBciGui),
            Format::MindMonitor => Some(Dialect::MindMonitor),
            Format::MuseLsl => Some(Dialect::MuseLsl),
        }
    }
}

impl From<Dialect> for Format {
    fn from(d: Dialect) -> Format {
        match d {
            Dialect::BrainFlow => Format::BrainFlow,
            Dialect::OpenBciGui => Format::OpenBciGui,
            Dialect::MindMonitor => Format::MindMonitor,
            Dialect::MuseLsl => Format::MuseLsl,
        }
    }
}

/// Bytes of a file's head a vendor dialect is detected from (8 KiB).
pub const DIALECT_HEAD_BYTES: usize = 8 << 10;

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
            Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
                return Err(Error::file(path, "a directory, expected a file"));
            }
            Err(e) => return Err(Error::file(path, format!("cannot read: {}", io_reason(&e)))),
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
    if is_brainvision_header(head) {
        return Ok(Format::BrainVision);
    }
    for (ext, what) in [("eeg", "data"), ("vmrk", "marker")] {
        if has_ext(name, ext) {
            return Err(Error::file(
                path,
                format!("a BrainVision {what} file (.{ext}), expected its header: pass the .vhdr, which names the data and marker files"),
            ));
        }
    }
    for (ext, expected) in [
        ("edf", "'0' and 7 spaces, as every EDF file starts"),
        ("bdf", "0xFF 'BIOSEMI', as every BDF file starts"),
        (
            "vhdr",
            "'Brain Vision Data Exchange Header File', as every BrainVision header starts",
        ),
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

/// Whether content starting with `head` (its first 8 bytes or more) is a BrainVision header
/// (or marker file, refused by the header reader with a hint): `Brain Vi`, `BrainVis`, either
/// after a UTF-8 byte-order mark.
fn is_brainvision_header(head: &[u8]) -> bool {
    match head.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.starts_with(b"Brain"),
        None => head.starts_with(b"Brain Vi") || head.starts_with(b"BrainVis"),
    }
}

/// Looks at the first bytes of `source` (decompressing gzip) and says what it holds, once:
/// with `dialects`, a vendor CSV dialect is looked for in the first
/// [`DIALECT_HEAD_BYTES`] (files only: a live source would wait for them).
pub fn sniff(mut source: Box<dyn Read + Send>, path: &Path, dialects: bool) -> Result<Sniffed> {
    let n = if dialects { DIALECT_HEAD_BYTES } else { 8 };
    let head = peek(&mut source, n, path)?;
    let replay: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head.clone()).chain(source));
    if let Some(d) = detect_dialect(&head).filter(|_| dialects) {
        return Ok(Sniffed {
            format: d.into(),
            gzip: false,
            reader: replay,
        });
    }
    // the magic bytes and the messages that show them use the first 8 bytes only
    let head = &head[..head.len().min(8)];
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
        format: detect(head, path, path)?,
        gzip: false,
        reader: replay,
    })
}

/// Opens a file (`-` = standard input) for reading.
pub fn open_file(path: &Path) -> Result<(Box<dyn Read + Send>, std::path::PathBuf)> {
    if path == Path::new("-") {
        return Ok((Box::new(std::io::stdin()), "<stdin>".into()));
    }
    let file = super::output::open_input(path)
        .map_err(|e| Error::file(path, format!("cannot read file: {}", io_reason(&e))))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Error::file(path, "a directory, expected a file"));
    }
    Ok((Box::new(file), path.to_path_buf()))
}

/// Sniffing without reading: whether a recording can be streamed.
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
        let mut head = vec![0u8; DIALECT_HEAD_BYTES];
        let n = super::output::open_input(path)
            .and_then(|mut f| read_up_to(&mut f, &mut head))
            .unwrap_or(0);
        detect_dialect(&head[..n]).is_some()
    }
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

/// Whether a file name looks like a recording eegi reads (for folder searches): `*.csv`,
/// `*.edf`, `*.bdf`, `*.vhdr` and the OpenBCI GUI's `OpenBCI-RAW-*.txt` (any case, also
/// gzip-compressed), not `*_events.csv`. Other `.txt` files are not taken: too many are notes.
pub fn is_recording_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    let l = l.strip_suffix(".gz").unwrap_or(&l);
    !name.starts_with('.')
        && ((l.ends_with(".csv") && !l.ends_with("_events.csv"))
            || l.ends_with(".edf")
            || l.ends_with(".bdf")
            || l.ends_with(".vhdr")
            || (l.starts_with("openbci-raw-") && l.ends_with(".txt")))
}

/// Expands folders into the recordings inside (recursively, sorted); files are kept as given.
pub fn expand_recordings(paths: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Error::file(dir, format!("cannot read folder: {}", super::io_reason(&e)))
        })?;
        let mut found: Vec<std::path::PathBuf> =
            entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        found.sort();
        for p in found {
            if p.is_dir() {
                walk(&p, out)?;
            } else {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if is_recording_name(name) {
                    out.push(p);
                }
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let before = out.len();
            walk(p, &mut out)?;
            if out.len() == before {
                return Err(Error::file(
                    p,
                    "folder holds no recordings (*.csv, *.edf, *.bdf, *.vhdr, OpenBCI-RAW-*.txt, also .gz), expected at least one",
                ));
            }
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
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
        assert_eq!(detect(b"Brain Vi", p, p).unwrap(), Format::BrainVision);
        assert_eq!(detect(b"BrainVis", p, p).unwrap(), Format::BrainVision);
        assert_eq!(
            detect(b"\xEF\xBB\xBFBrain", p, p).unwrap(),
            Format::BrainVision
        );
        let e = detect(b"\x01\x02", Path::new("x.eeg"), Path::new("x.eeg")).unwrap_err();
        assert!(
            e.message
                .contains("x.eeg: a BrainVision data file (.eeg), expected its header"),
            "{}",
            e.message
        );
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
        assert!(is_recording_name("sub-01_task-x_eeg.vhdr"));
        assert!(!is_recording_name("a.vmrk"));
        assert!(!is_recording_name("a_events.csv"));
        assert!(!is_recording_name(".a.csv"));
        assert!(!is_recording_name("a.json"));
        assert!(is_recording_name("OpenBCI-RAW-2024-05-01_10-00-00.txt"));
        assert!(is_recording_name("openbci-raw-x.txt.gz"));
        assert!(!is_recording_name("notes.txt"));
        assert!(!is_recording_name("OpenBCI-RAW-x.json"));
    }

    #[test]
    fn dialects_are_sniffed_once_and_only_when_asked() {
        let text = b"TimeStamp,RAW_TP9,Elements\n2024-01-01 00:00:00,1,\n".to_vec();
        let open =
            |t: &[u8]| -> Box<dyn Read + Send> { Box::new(std::io::Cursor::new(t.to_vec())) };
        let mut s = sniff(open(&text), Path::new("a.csv"), true).unwrap();
        assert_eq!(s.format, Format::MindMonitor);
        let mut replayed = Vec::new();
        s.reader.read_to_end(&mut replayed).unwrap();
        assert_eq!(replayed, text, "the sniffed head is handed out again");
        let s = sniff(open(&text), Path::new("a.csv"), false).unwrap();
        assert_eq!(s.format, Format::Csv);
        for d in [
            Dialect::BrainFlow,
            Dialect::OpenBciGui,
            Dialect::MindMonitor,
            Dialect::MuseLsl,
        ] {
            assert_eq!(Format::from(d).dialect(), Some(d));
            assert_eq!(Format::from(d).name(), d.name());
        }
    }
}
