//! BrainVision (Brain Products): a text header (`.vhdr`, [`header`]) names a binary data file
//! (`.eeg`, read block by block by [`stream::BrainVisionStream`]) and a marker file (`.vmrk`,
//! [`markers`]); both are INI-like text ([`ini`]). [`writer`] writes the three files.

pub mod header;
pub mod ini;
pub mod markers;
pub mod stream;
pub mod writer;

pub use header::{parse_header, BinaryFormat, Header, Orientation};
pub use markers::parse_markers;
pub use stream::BrainVisionStream;
pub use writer::write_brainvision;
