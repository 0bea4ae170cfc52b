//! EDF/EDF+ and BDF/BDF+: the header ([`header`]), data records read block by block
//! ([`stream::EdfStream`]) and EDF+ annotations ([`tal`]); [`writer`] writes EDF+ and BDF+.

pub mod header;
pub mod stream;
pub mod tal;
pub mod writer;

pub use header::{microvolts_per_unit, parse_fixed_header, parse_signals, EdfKind, Header, Signal};
pub use stream::EdfStream;
pub use tal::{parse_tals, Tal};
pub use writer::write_edf;
