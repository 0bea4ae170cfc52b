//! Samples handed out block by block, whatever the format: the [`SampleStream`] trait every
//! reader implements, and the [`Block`] it hands out.

use super::events::Event;
use super::sanity::Warning;
use crate::Result;

/// Bytes read per worker per block (1 MiB): large enough to amortise thread hand-off
/// (thousands of rows), small enough that a block of parsed samples stays about a MiB.
pub const BLOCK_BYTES_PER_THREAD: usize = 1 << 20;

/// Parsed samples of one block: rows × selected channels, in µV.
#[derive(Debug, Clone, Default)]
pub struct Block {
    /// Sample values, row-major (rows × selected channels).
    pub samples: Vec<f64>,
    /// Number of rows (samples) in the block.
    pub n_rows: usize,
    /// Events that begin in this block, onsets in s from the stream's first sample: a vendor
    /// file's marker column as it streams (BrainFlow); empty for other formats, whose events
    /// come from [`SampleStream::events`] or an events file.
    pub events: Vec<Event>,
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

/// Reads a stream to its end: the samples of every block, row-major (rows × channels, µV).
/// The one read loop of the whole-file readers.
pub fn read_to_end(stream: &mut dyn SampleStream) -> Result<Vec<f64>> {
    let mut values = Vec::new();
    while let Some(b) = stream.next_block()? {
        values.extend_from_slice(&b.samples);
    }
    Ok(values)
}
