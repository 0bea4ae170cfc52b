//! Atomic output: files are written to a temporary file in the target folder and renamed over
//! the target only when complete, so a failed run never leaves a half-written file.

use crate::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Writes the bytes produced by `fill` to `path` atomically; `-` writes to standard output.
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
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |what: &str, e: std::io::Error| {
        Error::runtime(format!(
            "{}: cannot {what}: {}",
            path.display(),
            super::io_reason(&e)
        ))
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
        let mode = std::fs::metadata(path)
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
    tmp.persist(path)
        .map_err(|e| fail("rename the temporary file onto it", e.error))?;
    Ok(())
}

/// Test hook (`EEGI_TEST_SLOW_WRITE` set): each write pauses 5 ms, so that tests can interrupt
/// a run in the middle of writing its output.
struct SlowWriter<W>(W);

impl<W: Write> Write for SlowWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::thread::sleep(std::time::Duration::from_millis(5));
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
