//! An events file read while it grows (`classify --follow` with `--events`, or a stream whose
//! events a recorder appends to): each poll hands out the events of the complete lines added
//! since the last one, reading only the new bytes (memory and work per poll do not grow with
//! the session). A file truncated, rewritten or replaced while followed is an error, as for the
//! recording ([`super::follow`]).

use super::errors::io_reason;
use super::events::{parse_events, Event};
use super::follow::Follow;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Bytes read per poll at most (the rest waits for the next poll).
const READ_BYTES: usize = 1 << 16;

/// A growing events file, handed out a few complete lines at a time.
pub struct EventsTail {
    path: PathBuf,
    /// Whether a missing file is waited for (it may be created later) rather than an error.
    wait: bool,
    /// The file once opened.
    file: Option<Follow>,
    /// The header line (without its newline), once complete.
    header: Option<Vec<u8>>,
    /// Bytes of the line being written.
    partial: Vec<u8>,
    /// Complete lines read so far (the header included).
    lines: u64,
    /// Whether the wait for a missing file has been announced.
    announced: bool,
}

impl EventsTail {
    /// Follows the events file `path`; `wait`: a missing file is waited for (with one note
    /// on stderr), not an error.
    pub fn new(path: &Path, wait: bool) -> EventsTail {
        EventsTail {
            path: path.to_path_buf(),
            wait,
            file: None,
            header: None,
            partial: Vec::new(),
            lines: 0,
            announced: false,
        }
    }

    /// The file's name in messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The events of the complete lines added since the last poll, labels as written.
    pub fn poll(&mut self) -> Result<Vec<Event>> {
        let cannot = |path: &Path, e: &std::io::Error| {
            Error::file(path, format!("cannot read file: {}", io_reason(e)))
        };
        if self.file.is_none() {
            match super::output::open_input(&self.path) {
                Ok(f) => {
                    let followed =
                        Follow::new(f, &self.path).map_err(|e| cannot(&self.path, &e))?;
                    self.file = Some(followed);
                }
                Err(e) if self.wait && e.kind() == std::io::ErrorKind::NotFound => {
                    if !self.announced {
                        eprintln!(
                            "eegi: note: {}: no such events file yet, waiting for it",
                            self.path.display()
                        );
                        self.announced = true;
                    }
                    return Ok(Vec::new());
                }
                Err(e) => return Err(cannot(&self.path, &e)),
            }
        }
        let file = self.file.as_mut().expect("opened above");
        let mut buf = vec![0u8; READ_BYTES];
        let n = file
            .read_now(&mut buf)
            .map_err(|e| cannot(&self.path, &e))?;
        self.partial.extend_from_slice(&buf[..n]);
        let Some(end) = self.partial.iter().rposition(|&b| b == b'\n') else {
            self.check_line_length()?;
            return Ok(Vec::new());
        };
        let complete: Vec<u8> = self.partial.drain(..=end).collect();
        let mut rest = &complete[..];
        let before = self.lines;
        if self.header.is_none() {
            let cut = rest.iter().position(|&b| b == b'\n').expect("a newline");
            self.header = Some(rest[..cut].to_vec());
            rest = &rest[cut + 1..];
            self.lines += 1;
        }
        let new_lines = rest.iter().filter(|&&b| b == b'\n').count() as u64;
        self.lines += new_lines;
        if rest.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(Vec::new());
        }
        // the header, then empty lines for the rows handed out already (skipped by the
        // parser), so that errors and events carry the file's own line numbers
        let skipped = if before == 0 { 0 } else { before - 1 };
        let header = self.header.as_deref().unwrap_or_default();
        let mut text = Vec::with_capacity(header.len() + skipped as usize + 1 + rest.len());
        text.extend_from_slice(header);
        text.push(b'\n');
        text.resize(text.len() + skipped as usize, b'\n');
        text.extend_from_slice(rest);
        parse_events(&self.path, &text)
    }

    /// Refuses a line that grows past the limit without ending.
    fn check_line_length(&self) -> Result<()> {
        if self.partial.len() > crate::limits::MAX_LINE_BYTES {
            return Err(Error::at(
                &self.path,
                self.lines + 1,
                None,
                format!("a line longer than {} bytes", crate::limits::MAX_LINE_BYTES),
                "one event per line",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn hands_out_complete_lines_once_with_their_line_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ev.csv");
        let mut tail = EventsTail::new(&p, true);
        assert!(tail.poll().unwrap().is_empty());
        let mut f = std::fs::File::create(&p).unwrap();
        f.write_all(b"onset_s,duration_s,la").unwrap();
        assert!(tail.poll().unwrap().is_empty());
        f.write_all(b"bel\n1.5,0,1\n2.5,0").unwrap();
        let got = tail.poll().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].onset_s, got[0].label.as_str(), got[0].line),
            (1.5, "1", 2)
        );
        assert!(tail.poll().unwrap().is_empty());
        f.write_all(b",2\n3.5,0,1\n4,0,x,y\n").unwrap();
        let e = tail.poll().unwrap_err();
        assert!(e.message.contains(":5:"), "{}", e.message);
        // a file rewritten shorter is an error, not events read at an old offset
        let mut tail = EventsTail::new(&p, false);
        std::fs::write(&p, "onset_s,duration_s,label\n1,0,a\n2,0,b\n").unwrap();
        let got = tail.poll().unwrap();
        assert_eq!(got[1].line, 3);
        std::fs::write(&p, "onset_s,duration_s,label\n").unwrap();
        assert!(tail.poll().unwrap_err().message.contains("truncated"));
        let missing = EventsTail::new(&dir.path().join("none.csv"), false).poll();
        assert!(missing.unwrap_err().message.contains("cannot read file"));
    }
}
