//! Readers that turn files into a [`crate::Recording`] and [`Event`]s; every parse error
//! carries the file, line and column.
//!
//! One entry: [`read_any`] (whole file) and [`open_stream`] (block by block) sniff the head
//! once ([`format::sniff`]) into a [`Format`]; each format has its reader in a sub-folder
//! (`csv/`, `edf/`, `brainvision/`, `vendor/`, one file per vendor dialect), and `--channels`, `--rename` and
//! a BIDS `_channels.tsv` are applied in one place ([`channels`]). This file only declares the
//! modules and re-exports what callers use: no file below imports through it.

pub mod bids;
pub mod brainvision;
pub mod bytes;
pub mod channels;
pub mod csv;
pub mod edf;
mod errors;
pub mod event_map;
mod events;
pub mod events_tail;
pub mod follow;
pub mod format;
mod gzip;
pub mod interrupt;
#[cfg(feature = "lsl")]
pub mod lsl;
pub mod open;
pub mod output;
pub mod prefetch;
mod sanity;
pub mod stream;
pub mod study;
pub mod timeline;
pub mod vendor;

pub use bytes::{detect_delimiter, read_bytes, read_limited, ReadLimits};
pub use channels::ReadOptions;
pub use csv::{parse_recording, too_few_rows, CsvOptions};
pub use errors::io_reason;
pub use event_map::EventMap;
pub use events::{
    find_sidecar_events, parse_events, parse_events_with_skipped, read_events,
    read_events_with_skipped, Event,
};
pub use format::Format;
pub use open::{open_stream, parse_any, read_any, read_recording, read_recording_checked, Loaded};
pub use sanity::{check_recording, Warning, WarningKind};
pub use stream::SampleStream;
pub use vendor::{detect_dialect, Dialect};
