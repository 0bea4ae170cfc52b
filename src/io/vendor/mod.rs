//! Vendor CSV dialects, detected from the first bytes of a file ([`detect_dialect`]): one file
//! per dialect — BrainFlow board files (`DataFilter.write_file`), OpenBCI GUI exports
//! (`OpenBCI-RAW-*.txt`, v5 and v4), Mind Monitor CSV and muse-lsl CSV. Each reader returns a
//! [`VendorRecording`]: the file's channels (auxiliary ones marked as not EEG), the sample
//! rate, and the events the file carries (BrainFlow and muse-lsl marker columns, Mind Monitor
//! `Elements` rows). BrainFlow files also stream ([`BrainFlowStream`]: `classify --follow`
//! on a file BrainFlow is still writing, markers with each block); the other dialects are read
//! whole. [`crate::io::read_any`] chooses the reader and applies the channel
//! options; the names re-exported here keep the older `io::vendor::` paths working.

pub mod brainflow;
pub mod brainflow_stream;
mod common;
pub mod dialect;
mod mind_monitor;
mod muse_lsl;
mod openbci;

pub use super::channels::{choose_channels, parse_renames, ReadOptions};
pub use super::open::{parse_with_options as parse_any, read_any};
pub use brainflow::{board_list, find_board, Board, BOARDS};
pub use brainflow_stream::BrainFlowStream;
pub use common::{timestamp_rate, VendorRecording, MUSE_RATE_HZ};
pub use dialect::{detect_dialect, parse_vendor, Dialect};
