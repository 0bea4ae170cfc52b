//! Outputs that cannot lose a user's data.
//!
//! - A regular file is written to a temporary file in the target folder and renamed over the
//!   target only when complete, so a failed or interrupted run keeps the previous file.
//! - A symbolic link is followed: the file it names is replaced, the link stays.
//! - A device, FIFO or socket (`-o /dev/null`, a named pipe) is written directly, never
//!   replaced, and a write error (`/dev/full`) is reported.
//! - No output may be one of the run's inputs: every file eegi reads is noted
//!   ([`note_input`]), and an output that is the same file (same device and inode, through any
//!   link) is refused before a byte is written.

use super::errors::io_reason;
use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One input file of this run: its identity and the name it was read under.
struct Input {
    id: FileId,
    path: PathBuf,
}

/// The identity of a file: (device, inode) on Unix; the canonical path elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileId(#[cfg(unix)] (u64, u64), #[cfg(not(unix))] PathBuf);

impl FileId {
    /// The identity of the file at `path` (links followed), if it exists.
    fn of_path(path: &Path) -> Option<FileId> {
        let meta = std::fs::metadata(path).ok()?;
        FileId::of(path, &meta)
    }

    #[cfg(unix)]
    fn of(_path: &Path, meta: &std::fs::Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId((meta.dev(), meta.ino())))
    }

    #[cfg(not(unix))]
    fn of(path: &Path, _meta: &std::fs::Metadata) -> Option<FileId> {
        std::fs::canonicalize(path).ok().map(FileId)
    }
}

/// Every file this process has read.
static INPUTS: Mutex<Vec<Input>> = Mutex::new(Vec::new());

/// Notes that `path` is an input of this run, so that no output may overwrite it. Called by
/// every reader when it opens a file (`-` and missing files are ignored).
pub fn note_input(path: &Path) {
    if path == Path::new("-") {
        return;
    }
    if let Some(id) = FileId::of_path(path) {
        remember(id, path);
    }
}

/// Adds a file to [`INPUTS`] unless it is there already.
fn remember(id: FileId, path: &Path) {
    let mut inputs = INPUTS.lock().unwrap_or_else(|e| e.into_inner());
    if !inputs.iter().any(|i| i.id == id) {
        inputs.push(Input {
            id,
            path: path.to_path_buf(),
        });
    }
}

/// Opens `path` for reading and notes it as an input ([`note_input`]).
pub fn open_input(path: &Path) -> std::io::Result<std::fs::File> {
    let file = std::fs::File::open(path)?;
    if let Ok(meta) = file.metadata() {
        if let Some(id) = FileId::of(path, &meta) {
            remember(id, path);
        }
    }
    Ok(file)
}

/// Refuses an output path that names one of `inputs` or a file already read by this run
/// (the same file through any name, hard link or symbolic link). Commands call it with their
/// named inputs before doing any work; [`write_atomically`] calls it again before writing.
pub fn check_output(path: &Path, inputs: &[&Path]) -> Result<()> {
    if path == Path::new("-") {
        return Ok(());
    }
    for input in inputs {
        note_input(input);
    }
    let Some(id) = FileId::of_path(path) else {
        return Ok(()); // a new file cannot be an input
    };
    let inputs = INPUTS.lock().unwrap_or_else(|e| e.into_inner());
    // an input since deleted may have left its inode to a new file: it must still be there
    let still_there = |i: &&Input| FileId::of_path(&i.path).as_ref() == Some(&i.id);
    match inputs.iter().filter(|i| i.id == id).find(still_there) {
        None => Ok(()),
        Some(i) => {
            let also = if i.path == path {
                String::new()
            } else {
                format!(" (the same file as {})", i.path.display())
            };
            Err(Error::input(format!(
                "{}: the output is an input of this run{also}, expected an output path that is none of the inputs (writing it would destroy the input)",
                path.display()
            )))
        }
    }
}

/// The file a path finally names: symbolic links followed (at most 40), so that writing
/// replaces the file a link points to, not the link.
fn resolve_links(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&p).map_err(|e| {
                    Error::runtime(format!(
                        "{}: cannot read the symbolic link: {}",
                        path.display(),
                        io_reason(&e)
                    ))
                })?;
                p = match p.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(Error::input(format!(
        "{}: more than 40 symbolic links, expected a path that resolves to a file",
        path.display()
    )))
}

/// Writes the bytes produced by `fill` to `path`; `-` writes to standard output. A regular
/// file (or a new one) is replaced atomically; a device, FIFO or socket is written directly;
/// an input of this run or a directory is refused (see the module doc).
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    if path == Path::new("-") {
        let stdout = std::io::stdout();
        let mut lock = std::io::BufWriter::new(stdout.lock());
        return match fill(&mut lock).and_then(|_| lock.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(Error::runtime(format!("<stdout>: cannot write: {e}"))),
        };
    }
    check_output(path, &[])?;
    let fail = |what: &str, e: std::io::Error| {
        Error::runtime(format!(
            "{}: cannot {what}: {}",
            path.display(),
            io_reason(&e)
        ))
    };
    let target = resolve_links(path)?;
    if let Ok(meta) = std::fs::metadata(&target) {
        if meta.is_dir() {
            return Err(Error::input(format!(
                "{}: a directory, expected a file path to write",
                path.display()
            )));
        }
        if !meta.is_file() {
            // a device, FIFO or socket: write into it, never replace it
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(|e| fail("open for writing", e))?;
            let mut w = std::io::BufWriter::new(&file);
            return fill(&mut w)
                .and_then(|_| w.flush())
                .map_err(|e| fail("write", e));
        }
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".eegi-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| fail("create a temporary file in its folder", e))?;
    // a temporary file is private (0600); give the output the usual permissions, or keep
    // those of the file it replaces
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target)
            .map(|m| m.permissions().mode())
            .unwrap_or(0o644);
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode));
    }
    {
        let mut w = std::io::BufWriter::new(tmp.as_file());
        let filled = if std::env::var_os("EEGI_TEST_SLOW_WRITE").is_some() {
            fill(&mut SlowWriter(&mut w))
        } else {
            fill(&mut w)
        };
        filled
            .and_then(|_| w.flush())
            .map_err(|e| fail("write", e))?;
    }
    tmp.as_file().sync_all().map_err(|e| fail("sync", e))?;
    tmp.persist(&target)
        .map_err(|e| fail("rename the temporary file onto it", e.error))?;
    Ok(())
}

/// Test hook (`EEGI_TEST_SLOW_WRITE` set): each write pauses 3 s, so that tests can interrupt a
/// run in the middle of writing its output whatever the load (the output may be one buffered
/// write: a short pause per write raced the test's signal on a loaded machine).
struct SlowWriter<W>(W);

impl<W: Write> Write for SlowWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::thread::sleep(std::time::Duration::from_secs(3));
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_keeps_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("model.json");
        std::fs::write(&target, "old").unwrap();
        let e = write_atomically(&target, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(e.message.contains("disk full"));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        // no temporary file is left behind
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_atomically(&target, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }
}
