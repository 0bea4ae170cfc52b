//! Errors and messages every reader shares (a leaf: it names nothing else in `io`).

/// The error for a row of `found` fields (e.g. "3 fields", "3 tab-separated fields") where the
/// header has `expected`.
pub(crate) fn field_count_error(
    path: &std::path::Path,
    line: u64,
    found: String,
    expected: usize,
) -> crate::Error {
    crate::Error::at(
        path,
        line,
        None,
        found,
        format!("{expected} fields as in the header"),
    )
}

/// The error for channels a recording lacks (at most 8 named): `who` says who needs them.
pub(crate) fn missing_channels<S: AsRef<str>>(
    path: &std::path::Path,
    missing: &[&str],
    names: &[S],
    who: &str,
) -> crate::Error {
    let shown = missing[..missing.len().min(8)].join(", ");
    let more = if missing.len() > 8 {
        format!(" and {} more", missing.len() - 8)
    } else {
        String::new()
    };
    crate::Error::input(format!(
        "{}: missing channel{} {shown}{more} that {who}{}",
        path.display(),
        if missing.len() > 1 { "s" } else { "" },
        crate::recording::case_hint(missing, names)
    ))
}

/// The ids of the `wanted` channels, in order, among `available` (id, name) pairs; a missing
/// one is a [`missing_channels`] error (with its case hint) naming `path` and `who`.
pub(crate) fn pick_channels(
    path: &std::path::Path,
    wanted: &[String],
    available: &[(usize, &str)],
    who: &str,
) -> crate::Result<Vec<usize>> {
    let mut missing = Vec::new();
    let mut picked = Vec::with_capacity(wanted.len());
    for w in wanted {
        match available.iter().find(|(_, name)| name == w) {
            Some(&(id, _)) => picked.push(id),
            None => missing.push(w.as_str()),
        }
    }
    if missing.is_empty() {
        Ok(picked)
    } else {
        let names: Vec<&str> = available.iter().map(|&(_, n)| n).collect();
        Err(missing_channels(path, &missing, &names, who))
    }
}

/// The error for a file whose lines end in CR alone (classic Mac OS), found on `line` (counted
/// in LF): eegi splits lines at LF, so such a file reads as one endless line.
pub(crate) fn cr_only(path: &std::path::Path, line: u64) -> crate::Error {
    crate::Error::at(
        path,
        line,
        None,
        "CR-only line endings (classic Mac)",
        "LF or CRLF line endings (convert the file, e.g. with tr '\\r' '\\n')",
    )
}

/// A short reason for an I/O error, without Rust's `(os error N)` suffix.
pub fn io_reason(e: &std::io::Error) -> String {
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

/// Shortens a long text (a header, a list of channels) to 60 characters for an error message.
pub(crate) fn truncate(text: &str) -> String {
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text.to_string()
    }
}
