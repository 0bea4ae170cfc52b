//! Gzip content decompressed on a thread of its own, a few MiB ahead of the parser.

use crate::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Bytes the decompression thread hands over at a time.
const READ_AHEAD_CHUNK: usize = 1 << 20;

/// Chunks the decompression thread may hold ready (memory bound: this many MiB).
const READ_AHEAD_CHUNKS: usize = 4;

/// Decompressed content produced by a thread of its own, a few MiB ahead of the parser, so
/// that reading a `.gz` costs about the decompression alone instead of decompression plus
/// parsing. Reads fill the buffer unless the content ends: the CSV parser takes a short read
/// for a pause in a live source and would otherwise parse in tiny blocks.
pub(super) struct ReadAhead {
    chunks: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
    ended: bool,
    /// An error met after some bytes were handed out: returned by the next read.
    error: Option<std::io::Error>,
}

impl ReadAhead {
    /// Starts the thread that reads (decompresses) `inner` ahead.
    pub(super) fn start(mut inner: Box<dyn Read + Send>, path: &Path) -> Result<ReadAhead> {
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
