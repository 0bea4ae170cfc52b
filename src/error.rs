//! The one error type of eegi: every failure is a single line that names where it happened.

use std::fmt;
use std::path::Path;

/// What kind of failure an [`Error`] is; decides the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input (a file, an option value) is not what eegi expects: exit code 2.
    Input,
    /// The input was fine but the work failed (I/O while writing, a fit that failed): exit code 1.
    Runtime,
}

/// An eegi error: one line of text that names the file, line, column or channel concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Whether the input or the run is at fault.
    pub kind: ErrorKind,
    /// The whole one-line message, without the `eegi: ` prefix.
    pub message: String,
}

/// Result alias used throughout the library.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A bad-input error with a free-form message.
    pub fn input(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Input,
            message: message.into(),
        }
    }

    /// A runtime failure with a free-form message.
    pub fn runtime(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Runtime,
            message: message.into(),
        }
    }

    /// A parse error at `file:line:column`: `<found>, expected <expected>`.
    pub fn at(
        path: &Path,
        line: u64,
        column: Option<usize>,
        found: impl fmt::Display,
        expected: impl fmt::Display,
    ) -> Self {
        let place = match column {
            Some(c) => format!("{}:{}:{}", path.display(), line, c),
            None => format!("{}:{}", path.display(), line),
        };
        Error::input(format!("{place}: {found}, expected {expected}"))
    }

    /// An error about a whole file (no line), e.g. one that cannot be opened.
    pub fn file(path: &Path, what: impl fmt::Display) -> Self {
        Error::input(format!("{}: {what}", path.display()))
    }

    /// The process exit code for this error: 2 for bad input, 1 for runtime failures.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::Input => 2,
            ErrorKind::Runtime => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
