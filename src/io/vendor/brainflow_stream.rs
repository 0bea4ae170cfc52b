//! A BrainFlow board file read block by block: from a file still being written (BrainFlow's
//! streamer appends rows to it; `classify --follow`), from standard input or from a whole
//! file, in memory bounded by one read. Each block carries the marker column's non-zero codes
//! as events at their sample's onset, so an event-locked model decides each marker as its
//! epoch completes. Rows, values, events and warnings are those of the whole-file reader
//! ([`super::brainflow`]).

use super::brainflow::{board_of, eeg_names, marker_event, parse_row, rate_warning, Board};
use super::common::no_samples;
use crate::io::channels::ReadOptions;
use crate::io::errors::missing_channels;
use crate::io::sanity::Warning;
use crate::io::stream::{Block, SampleStream};
use crate::{Error, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Bytes asked of the source per read (a followed file returns what it has sooner).
const READ_BYTES: usize = 1 << 16;

/// A BrainFlow `DataFilter.write_file` file handed out block by block.
pub struct BrainFlowStream {
    reader: Box<dyn Read + Send>,
    path: PathBuf,
    board: &'static Board,
    /// The board's EEG channel names (after `--rename`).
    names: Vec<String>,
    /// Per selected channel, its index among the board's EEG channels.
    selected: Vec<usize>,
    sample_rate_hz: f64,
    /// Bytes read and not yet parsed: an incomplete line.
    pending: Vec<u8>,
    /// Scratch: the bytes of one read.
    chunk: Vec<u8>,
    /// Lines parsed so far.
    line: u64,
    /// Samples parsed so far.
    rows: usize,
    /// First and last time stamps, s.
    first_t: f64,
    last_t: f64,
    /// Scratch: one row's EEG values.
    row: Vec<f64>,
    block: Block,
    ended: bool,
}

impl BrainFlowStream {
    /// Opens `reader` (named `path` in errors) as a board file with the layout of `--board`,
    /// its EEG channels renamed by `--rename`; `--sample-rate` overrides the board's rate.
    pub fn new(
        reader: Box<dyn Read + Send>,
        path: &Path,
        options: &ReadOptions,
    ) -> Result<BrainFlowStream> {
        let board = board_of(path, options)?;
        let mut names = eeg_names(board);
        for (old, new) in &options.rename {
            let Some(c) = names.iter().position(|n| n == old) else {
                return Err(Error::input(format!(
                    "--rename {old}={new}: {} has no channel '{old}' (channels: {})",
                    path.display(),
                    names.join(", ")
                )));
            };
            if names.iter().any(|n| n == new) && names[c] != *new {
                return Err(Error::input(format!(
                    "--rename {old}={new}: {} already has a channel '{new}', expected unique names",
                    path.display()
                )));
            }
            names[c] = new.clone();
        }
        Ok(BrainFlowStream {
            reader,
            path: path.to_path_buf(),
            board,
            selected: (0..names.len()).collect(),
            names,
            sample_rate_hz: options.csv.sample_rate_hz.unwrap_or(board.sample_rate_hz),
            pending: Vec::new(),
            chunk: vec![0; READ_BYTES],
            line: 0,
            rows: 0,
            first_t: 0.0,
            last_t: 0.0,
            row: Vec::new(),
            block: Block::default(),
            ended: false,
        })
    }

    /// Parses the complete lines of `pending` (all of it at the end of the source) into the
    /// block.
    fn parse_lines(&mut self, at_end: bool) -> Result<()> {
        let end = if at_end {
            self.pending.len()
        } else {
            match self.pending.iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => 0,
            }
        };
        let mut from = 0;
        while from < end {
            let stop = self.pending[from..end]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(end, |i| from + i);
            let mut bytes = &self.pending[from..stop];
            from = stop + 1;
            self.line += 1;
            if self.line == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            let text = std::str::from_utf8(bytes).map_err(|_| {
                Error::at(
                    &self.path,
                    self.line,
                    None,
                    "bytes that are not UTF-8",
                    "UTF-8 text",
                )
            })?;
            self.row.clear();
            let parsed = parse_row(
                &self.path,
                self.line,
                text,
                self.board,
                &self.names,
                &mut self.row,
            )?;
            let Some((t, m)) = parsed else { continue };
            if self.rows == 0 {
                self.first_t = t;
            }
            self.last_t = t;
            if m != 0.0 {
                let e = marker_event(m, self.rows, self.sample_rate_hz, self.line);
                self.block.events.push(e);
            }
            self.block
                .samples
                .extend(self.selected.iter().map(|&c| self.row[c]));
            self.block.n_rows += 1;
            self.rows += 1;
        }
        self.pending.drain(..end.min(self.pending.len()));
        if self.pending.len() > crate::limits::MAX_LINE_BYTES {
            return Err(Error::at(
                &self.path,
                self.line + 1,
                None,
                format!("a line longer than {} bytes", crate::limits::MAX_LINE_BYTES),
                "one sample per line",
            ));
        }
        Ok(())
    }
}

impl SampleStream for BrainFlowStream {
    fn channel_names(&self) -> Vec<String> {
        self.selected
            .iter()
            .map(|&c| self.names[c].clone())
            .collect()
    }
    fn select_channels(&mut self, wanted: &[String], who: &str) -> Result<()> {
        let mut missing = Vec::new();
        let mut selected = Vec::with_capacity(wanted.len());
        for w in wanted {
            match self.names.iter().position(|n| n == w) {
                Some(c) => selected.push(c),
                None => missing.push(w.as_str()),
            }
        }
        if !missing.is_empty() {
            return Err(missing_channels(&self.path, &missing, &self.names, who));
        }
        self.selected = selected;
        Ok(())
    }
    fn n_channels(&self) -> usize {
        self.selected.len()
    }
    fn sample_rate_hz(&self) -> Option<f64> {
        Some(self.sample_rate_hz)
    }
    fn next_block(&mut self) -> Result<Option<&Block>> {
        self.block.samples.clear();
        self.block.events.clear();
        self.block.n_rows = 0;
        while !self.ended {
            let n = loop {
                match self.reader.read(&mut self.chunk) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        return Err(Error::file(
                            &self.path,
                            format!("cannot read: {}", crate::io::io_reason(&e)),
                        ))
                    }
                }
            };
            self.pending.extend_from_slice(&self.chunk[..n]);
            self.ended = n == 0;
            // a line cut short by Ctrl-C is not the stream's last line: dropped
            self.parse_lines(self.ended && !crate::io::interrupt::requested())?;
            if self.block.n_rows > 0 {
                return Ok(Some(&self.block));
            }
        }
        if self.rows == 0 {
            return Err(no_samples(&self.path, 1));
        }
        Ok(None)
    }
    fn last_block(&self) -> &Block {
        &self.block
    }
    fn last_block_mut(&mut self) -> &mut Block {
        &mut self.block
    }
    fn warnings(&self) -> Vec<Warning> {
        let (fs, n) = (self.sample_rate_hz, self.rows);
        rate_warning(&self.path, self.board, fs, n, self.first_t, self.last_t)
            .into_iter()
            .collect()
    }
    fn description(&self) -> String {
        "BrainFlow board file".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::vendor::parse_vendor;
    use crate::io::vendor::Dialect;

    /// A cyton file of `n` rows with markers every 37 rows, split in odd reads.
    struct Pieces(Vec<u8>, usize);
    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let k = buf.len().min(self.0.len()).min(self.1);
            buf[..k].copy_from_slice(&self.0[..k]);
            self.0.drain(..k);
            self.1 = self.1 * 3 % 997 + 1;
            Ok(k)
        }
    }

    #[test]
    fn streams_the_rows_and_markers_of_the_whole_file_reader() {
        let mut text = String::new();
        for i in 0..500 {
            let mut cells = vec![format!("{}", i % 256)];
            cells.extend((1..=8).map(|c| format!("{:.6}", (i * c) as f64 * 0.25 - 40.0)));
            cells.extend((9..22).map(|_| "0.000000".to_string()));
            cells.push(format!("{:.6}", 1.7e9 + i as f64 / 250.0));
            let marker = if i % 37 == 5 { 1 + i % 2 } else { 0 };
            cells.push(format!("{marker}.000000"));
            text.push_str(&cells.join("\t"));
            text.push('\n');
        }
        let options = ReadOptions {
            board: Some("cyton".into()),
            ..ReadOptions::default()
        };
        let path = Path::new("bf.csv");
        let (whole, _) = parse_vendor(path, text.as_bytes(), Dialect::BrainFlow, &options).unwrap();
        let source = Box::new(Pieces(text.into_bytes(), 1));
        let mut s = BrainFlowStream::new(source, path, &options).unwrap();
        s.select_channels(&["C4".into(), "Fp1".into()], "the test needs")
            .unwrap();
        let (mut values, mut events, mut blocks) = (Vec::new(), Vec::new(), 0);
        while let Some(b) = s.next_block().unwrap() {
            values.extend_from_slice(&b.samples);
            events.extend(b.events.iter().cloned());
            blocks += 1;
        }
        assert!(blocks > 10, "{blocks} blocks");
        let r = &whole.recording;
        let want: Vec<f64> = (0..r.n_samples())
            .flat_map(|i| [r.samples[[i, 3]], r.samples[[i, 0]]])
            .collect();
        assert_eq!(values, want);
        assert_eq!(events, whole.events);
        assert_eq!(events.len(), 14);
        let e = s
            .select_channels(&["Cz".into()], "the model needs")
            .unwrap_err();
        assert!(e.message.contains("Cz"), "{}", e.message);
    }
}
