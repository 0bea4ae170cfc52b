//! A file that is still being written (`classify --follow`): reading waits for more bytes
//! instead of ending, and a file that stops being the one eegi was reading — truncated,
//! rewritten in place, replaced or removed — ends the read with an error that says so, never
//! with samples from another file at an old offset.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How many of the last bytes read are kept to recognise a file rewritten in place.
const TAIL_BYTES: usize = 64;

/// How long a read waits before looking for new bytes again (1 ms keeps the added latency
/// well under a window step).
const POLL: Duration = Duration::from_millis(1);

/// A growing file read to its end and then polled for more bytes, forever.
pub struct Follow {
    file: std::fs::File,
    path: PathBuf,
    /// Bytes read so far (the offset of the next read).
    pos: u64,
    /// The file's identity when opened (device, inode) on Unix.
    #[cfg(unix)]
    id: (u64, u64),
    /// The last bytes read (at most [`TAIL_BYTES`]), ending at `pos`.
    tail: Vec<u8>,
}

/// How often a file that does not exist yet is looked for.
const APPEAR_POLL: Duration = Duration::from_millis(50);

/// Opens `path` to follow it, waiting for it to appear when it does not exist yet (a recorder
/// may start after eegi): `waiting` runs once if it has to wait. `None` when Ctrl-C came first
/// (once caught, `super::interrupt::catch`); other errors (permissions, a folder) at once.
pub fn open_when_present(
    path: &Path,
    waiting: impl FnOnce(),
) -> std::io::Result<Option<std::fs::File>> {
    let mut waiting = Some(waiting);
    loop {
        match super::output::open_input(path) {
            Ok(file) => return Ok(Some(file)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(say) = waiting.take() {
                    say();
                }
                if super::interrupt::requested() {
                    return Ok(None);
                }
                std::thread::sleep(APPEAR_POLL);
            }
            Err(e) => return Err(e),
        }
    }
}

impl Follow {
    /// Follows `file`, opened from `path` (the name it is looked up by for replacement).
    pub fn new(file: std::fs::File, path: &Path) -> std::io::Result<Follow> {
        #[cfg(unix)]
        let id = {
            use std::os::unix::fs::MetadataExt;
            let m = file.metadata()?;
            (m.dev(), m.ino())
        };
        Ok(Follow {
            file,
            path: path.to_path_buf(),
            pos: 0,
            #[cfg(unix)]
            id,
            tail: Vec::with_capacity(TAIL_BYTES),
        })
    }

    /// The error for a file that is no longer the one being read.
    fn changed(&self, what: String) -> std::io::Error {
        std::io::Error::other(format!(
            "{what} while being followed ({} bytes had been read), expected a file that only grows (restart eegi to label a new recording)",
            self.pos
        ))
    }

    /// Checks that the bytes already read are still in the file where they were read: a file
    /// truncated, or truncated and written again (shorter or longer), fails here.
    fn check_in_place(&self) -> std::io::Result<()> {
        if self.tail.is_empty() {
            return Ok(());
        }
        let len = self.file.metadata()?.len();
        if len < self.pos {
            return Err(self.changed(format!("the file was truncated to {len} bytes")));
        }
        let mut now = [0u8; TAIL_BYTES];
        let now = &mut now[..self.tail.len()];
        read_at(&self.file, now, self.pos - self.tail.len() as u64)?;
        if now != &self.tail[..] {
            return Err(
                self.changed("the file was rewritten (the bytes already read changed)".to_string())
            );
        }
        Ok(())
    }

    /// Checks that the path still names the file being read (not removed, not replaced by
    /// another file, as a rotating logger or `mv new old` does).
    fn check_path(&self) -> std::io::Result<()> {
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(self.changed("the file was removed or renamed".to_string()))
            }
            Err(e) => return Err(e),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if (meta.dev(), meta.ino()) != self.id {
                return Err(self.changed(
                    "the path now names another file (the file was replaced)".to_string(),
                ));
            }
        }
        #[cfg(not(unix))]
        let _ = meta;
        Ok(())
    }
}

/// Reads exactly `buf.len()` bytes at `offset` without moving the file's position.
#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

/// Reads exactly `buf.len()` bytes at `offset` without moving the file's position.
#[cfg(windows)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        let n = file.seek_read(&mut buf[done..], offset + done as u64)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        done += n;
    }
    Ok(())
}

impl Follow {
    /// Reads the bytes the file has now (0 when it has no new ones), without waiting; a file
    /// that is no longer the one being read is an error, as for `read`.
    pub fn read_now(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.check_in_place()?;
        let n = self.file.read(buf)?;
        if n > 0 {
            self.pos += n as u64;
            let fresh = &buf[n.saturating_sub(TAIL_BYTES)..n];
            let keep = (TAIL_BYTES - fresh.len()).min(self.tail.len());
            self.tail.drain(..self.tail.len() - keep);
            self.tail.extend_from_slice(fresh);
            return Ok(n);
        }
        if !buf.is_empty() {
            self.check_path()?;
        }
        Ok(0)
    }
}

impl Read for Follow {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.read_now(buf)?;
            // Ctrl-C (once caught, `super::interrupt::catch`) ends the file here
            if n > 0 || buf.is_empty() || super::interrupt::requested() {
                return Ok(n);
            }
            std::thread::sleep(POLL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn follow(path: &Path) -> Follow {
        Follow::new(std::fs::File::open(path).unwrap(), path).unwrap()
    }

    #[test]
    fn appended_bytes_are_read_and_the_tail_tracks_them() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("live.csv");
        let mut w = std::fs::File::create(&p).unwrap();
        w.write_all(b"a,b\n1,2\n").unwrap();
        let mut f = follow(&p);
        let mut buf = [0u8; 100];
        assert_eq!(f.read(&mut buf).unwrap(), 8);
        w.write_all(&[b'7'; 200]).unwrap();
        let mut got = 0;
        while got < 200 {
            got += f.read(&mut buf).unwrap();
        }
        assert_eq!(f.pos, 208);
        assert_eq!(f.tail, vec![b'7'; TAIL_BYTES]);
    }

    #[test]
    fn truncation_rewrite_and_replacement_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("live.csv");
        let mut buf = [0u8; 100];
        // truncated shorter
        std::fs::write(&p, b"time,Cz\n0,1\n0.1,2\n").unwrap();
        let mut f = follow(&p);
        assert_eq!(f.read(&mut buf).unwrap(), 18);
        std::fs::write(&p, b"time,Cz\n").unwrap();
        let e = f.read(&mut buf).unwrap_err().to_string();
        assert!(e.contains("truncated to 8 bytes"), "{e}");
        // rewritten in place, longer
        std::fs::write(&p, b"time,Cz\n0,1\n0.1,2\n").unwrap();
        let mut f = follow(&p);
        assert_eq!(f.read(&mut buf).unwrap(), 18);
        std::fs::write(&p, b"time,Fz\n0,5\n0.1,6\n0.2,7\n0.3,8\n").unwrap();
        let e = f.read(&mut buf).unwrap_err().to_string();
        assert!(e.contains("rewritten"), "{e}");
        // replaced by another file (rename over it)
        let mut f = follow(&p);
        assert_eq!(f.read(&mut buf).unwrap(), 30);
        let other = dir.path().join("other.csv");
        std::fs::write(&other, b"time,Cz\n").unwrap();
        std::fs::rename(&other, &p).unwrap();
        let e = f.read(&mut buf).unwrap_err().to_string();
        assert!(e.contains("replaced"), "{e}");
        // removed
        std::fs::write(&p, b"time,Cz\n").unwrap();
        let mut f = follow(&p);
        assert_eq!(f.read(&mut buf).unwrap(), 8);
        std::fs::remove_file(&p).unwrap();
        let e = f.read(&mut buf).unwrap_err().to_string();
        assert!(e.contains("removed"), "{e}");
    }
}
