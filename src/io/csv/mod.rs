//! EEG CSV: a header row of channel names, one row per sample, values in µV, an optional
//! `time` column. [`CsvStream`] reads it block by block on all cores (`parse` splits and
//! parses the rows); whole recordings are read through the same stream ([`whole`]).

mod parse;
pub(crate) mod rate;
pub mod stream;
pub mod whole;

pub use rate::CsvOptions;
pub use stream::CsvStream;
pub use whole::{parse_recording, too_few_rows};
