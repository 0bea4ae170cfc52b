//! Readers that turn files into a [`crate::Recording`] and [`Event`]s; every parse error
//! carries the file, line and column.

mod eeg_csv;
mod events;
pub mod output;
pub mod stream;

pub use eeg_csv::{read_recording, CsvOptions};
pub use events::{find_sidecar_events, read_events, Event};

/// The delimiter of a delimited text file, guessed from its first line: the most frequent of
/// comma, tab and semicolon (comma when none occurs).
pub fn detect_delimiter(first_line: &[u8]) -> u8 {
    let count = |d: u8| first_line.iter().filter(|&&b| b == d).count();
    let mut best = (b',', count(b','));
    for d in [b'\t', b';'] {
        let c = count(d);
        if c > best.1 {
            best = (d, c);
        }
    }
    best.0
}

/// Reads a whole file into memory, with an error naming the file when it cannot be read.
pub(crate) fn read_bytes(path: &std::path::Path) -> crate::Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| crate::Error::file(path, format!("cannot read file: {}", io_reason(&e))))
}

/// A short reason for an I/O error, without Rust's `(os error N)` suffix.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::detect_delimiter;

    #[test]
    fn detects_comma_tab_semicolon() {
        assert_eq!(detect_delimiter(b"time,a,b"), b',');
        assert_eq!(detect_delimiter(b"time\ta\tb"), b'\t');
        assert_eq!(detect_delimiter(b"time;a;b"), b';');
        // European decimal commas inside a semicolon file: semicolons still win when more frequent.
        assert_eq!(detect_delimiter(b"time;a;b;c"), b';');
        assert_eq!(detect_delimiter(b"single"), b',');
    }
}
