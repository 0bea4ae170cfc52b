//! Whole files read into memory within bounds checked as the bytes arrive, and the delimiter
//! of a text table.

use super::errors::{cr_only, io_reason};

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

/// Bounds checked while a file is read, before its bytes are kept (see [`crate::limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Longest line, bytes (without its `\n`).
    pub max_line_bytes: usize,
    /// Most columns in the first line, counting each of `,`, tab and `;` as a possible delimiter.
    pub max_header_columns: usize,
    /// Largest file, bytes.
    pub max_total_bytes: u64,
}

impl ReadLimits {
    /// Limits for recordings and events files: lines of at most
    /// [`MAX_LINE_BYTES`](crate::limits::MAX_LINE_BYTES), headers of at most
    /// [`MAX_COLUMNS`](crate::limits::MAX_COLUMNS) columns, any total size.
    pub const TABLE: ReadLimits = ReadLimits {
        max_line_bytes: crate::limits::MAX_LINE_BYTES,
        max_header_columns: crate::limits::MAX_COLUMNS,
        max_total_bytes: u64::MAX,
    };

    /// Limits for model files: at most [`MAX_MODEL_BYTES`](crate::limits::MAX_MODEL_BYTES).
    pub const MODEL: ReadLimits = ReadLimits {
        max_line_bytes: usize::MAX,
        max_header_columns: usize::MAX,
        max_total_bytes: crate::limits::MAX_MODEL_BYTES,
    };
}

/// Reads a whole file (`-` = standard input) into memory within `limits`, with an error naming
/// the file when it cannot be read or breaks a limit.
pub fn read_bytes(path: &std::path::Path, limits: &ReadLimits) -> crate::Result<Vec<u8>> {
    let cannot = |e: std::io::Error| {
        crate::Error::file(path, format!("cannot read file: {}", io_reason(&e)))
    };
    if path == std::path::Path::new("-") {
        return read_limited(std::io::stdin().lock(), path, limits);
    }
    let file = super::output::open_input(path).map_err(cannot)?;
    if let Ok(meta) = file.metadata() {
        if meta.is_dir() {
            return Err(crate::Error::file(path, "a directory, expected a file"));
        }
        if meta.is_file() && meta.len() > limits.max_total_bytes {
            return Err(too_big(path, meta.len(), limits.max_total_bytes));
        }
    }
    read_limited(file, path, limits)
}

/// The error for a file over its size bound.
fn too_big(path: &std::path::Path, len: u64, max: u64) -> crate::Error {
    crate::Error::file(
        path,
        format!(
            "a file of {} bytes or more, expected at most {max} bytes ({} MiB)",
            len,
            max >> 20
        ),
    )
}

/// Reads `reader` to its end, failing as soon as a line, the header or the total passes
/// `limits`: memory never exceeds the limit plus one 64 KiB chunk. `path` names it in errors.
pub fn read_limited<R: std::io::Read>(
    mut reader: R,
    path: &std::path::Path,
    limits: &ReadLimits,
) -> crate::Result<Vec<u8>> {
    // long: the byte loop checks every limit as bytes arrive; split, it would pay a call per byte
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut line: u64 = 1;
    let mut line_len: usize = 0;
    let mut delimiters = [0usize; 3];
    // a CR not followed by LF on the current line: a file with CR-only line endings is one
    // endless line, and is named as such rather than as a long line or a wide header
    let (mut after_cr, mut bare_cr) = (false, false);
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(crate::Error::file(
                    path,
                    format!("cannot read file: {}", io_reason(&e)),
                ))
            }
        };
        let chunk = &buf[..n];
        if (out.len() as u64).saturating_add(n as u64) > limits.max_total_bytes {
            return Err(too_big(
                path,
                out.len() as u64 + n as u64,
                limits.max_total_bytes,
            ));
        }
        for &b in chunk {
            bare_cr |= after_cr && b != b'\n';
            after_cr = b == b'\r';
            if b == b'\n' {
                line += 1;
                line_len = 0;
                bare_cr = false;
                continue;
            }
            line_len += 1;
            if line_len > limits.max_line_bytes {
                if bare_cr {
                    return Err(cr_only(path, line));
                }
                return Err(crate::Error::at(
                    path,
                    line,
                    None,
                    format!("a line longer than {} bytes", limits.max_line_bytes),
                    format!(
                        "lines of at most {} bytes (one sample or event per line; is this a text table?)",
                        limits.max_line_bytes
                    ),
                ));
            }
            if line == 1 {
                if let Some(i) = [b',', b'\t', b';'].iter().position(|&d| d == b) {
                    delimiters[i] += 1;
                    if delimiters[i] >= limits.max_header_columns {
                        if bare_cr {
                            return Err(cr_only(path, 1));
                        }
                        return Err(crate::Error::at(
                            path,
                            1,
                            None,
                            format!(
                                "a header of more than {} columns",
                                limits.max_header_columns
                            ),
                            format!(
                                "at most {} columns (channels and time)",
                                limits.max_header_columns
                            ),
                        ));
                    }
                }
            }
        }
        out.extend_from_slice(chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{detect_delimiter, read_limited, ReadLimits};
    use std::io::Read;
    use std::path::Path;

    /// Counts the bytes a reader hands out.
    struct Counted<R>(R, usize);

    impl<R: Read> Read for Counted<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1 += n;
            Ok(n)
        }
    }

    #[test]
    fn an_endless_line_is_refused_after_the_line_limit() {
        // an endless line (a "10 GB" line, generated on the fly): refused after 1 MiB + one chunk
        let mut r = Counted(b"time,Cz\n0,".chain(std::io::repeat(b'1')), 0);
        let e = read_limited(&mut r, Path::new("big.csv"), &ReadLimits::TABLE).unwrap_err();
        assert!(
            e.message
                .starts_with("big.csv:2: a line longer than 1048576 bytes, expected lines of at most 1048576 bytes"),
            "{}",
            e.message
        );
        assert!(r.1 <= (1 << 20) + (64 << 10) + 16, "read {} bytes", r.1);
    }

    #[test]
    fn a_million_column_header_is_refused_at_the_column_limit() {
        let header = ",c".repeat(1_000_000);
        let mut r = Counted(b"time".chain(header.as_bytes()), 0);
        let e = read_limited(&mut r, Path::new("wide.csv"), &ReadLimits::TABLE).unwrap_err();
        assert_eq!(
            e.message,
            "wide.csv:1: a header of more than 4096 columns, expected at most 4096 columns (channels and time)"
        );
        assert!(r.1 <= 2 * (64 << 10), "read {} bytes", r.1);
    }

    #[test]
    fn a_huge_model_is_refused_at_the_size_limit() {
        let mut r = Counted(b"{\"a\": [".chain(std::io::repeat(b'1')), 0);
        let e = read_limited(&mut r, Path::new("m.json"), &ReadLimits::MODEL).unwrap_err();
        assert!(
            e.message
                .contains("expected at most 16777216 bytes (16 MiB)"),
            "{}",
            e.message
        );
        assert!(r.1 <= (16 << 20) + (64 << 10), "read {} bytes", r.1);
    }

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
