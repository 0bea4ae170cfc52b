//! The INI-like text of BrainVision's header (`.vhdr`) and marker (`.vmrk`) files: an
//! identification line, `[Section]` lines, `Key=Value` lines and `;` comments. Keys are found
//! without regard to case (as MNE's `configparser` does); every value keeps its line for
//! messages. The free text of `[Comment]` is not parsed.

use crate::io::errors::truncate;
use crate::{Error, Result};
use std::path::Path;

/// One `Key=Value` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The section it sits in, as written (without brackets).
    pub section: String,
    /// The key, as written.
    pub key: String,
    /// The value, trimmed.
    pub value: String,
    /// Line of the file, from 1.
    pub line: u64,
}

/// A parsed BrainVision text file.
#[derive(Debug, Clone)]
pub struct Ini {
    /// The identification line (the first line that is not blank), trimmed.
    pub first_line: String,
    /// Every `Key=Value` line outside `[Comment]`, in file order.
    pub entries: Vec<Entry>,
}

/// Decodes the bytes of a BrainVision text file: UTF-8 (a byte-order mark is skipped), else
/// Latin-1 (the `Codepage=ANSI` files of older recorders; the µ of µV is one byte there).
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

impl Ini {
    /// Parses the text of `path`: a key given twice in one section is an error naming both
    /// lines, and so is a line that is neither a section, a key, a comment nor blank.
    pub fn parse(path: &Path, text: &str) -> Result<Ini> {
        let mut first_line = None;
        let mut section = String::new();
        let mut entries: Vec<Entry> = Vec::new();
        for (i, raw) in text.split('\n').enumerate() {
            let line = i as u64 + 1;
            let l = raw.strip_suffix('\r').unwrap_or(raw).trim();
            if first_line.is_none() {
                if !l.is_empty() {
                    first_line = Some(l.to_string());
                }
                continue;
            }
            if l.is_empty() || l.starts_with(';') {
                continue;
            }
            if l.starts_with('[') && l.ends_with(']') {
                section = l[1..l.len() - 1].trim().to_string();
                continue;
            }
            if section.eq_ignore_ascii_case("Comment") {
                continue;
            }
            let Some((key, value)) = l.split_once('=') else {
                return Err(Error::at(
                    path,
                    line,
                    None,
                    format!("'{}'", truncate(l)),
                    "a [Section], a Key=Value line or a ; comment",
                ));
            };
            let key = key.trim();
            if let Some(e) = entries.iter().find(|e| {
                e.section.eq_ignore_ascii_case(&section) && e.key.eq_ignore_ascii_case(key)
            }) {
                return Err(Error::at(
                    path,
                    line,
                    None,
                    format!("{key} given again in [{section}] (also line {})", e.line),
                    "each key once",
                ));
            }
            entries.push(Entry {
                section: section.clone(),
                key: key.to_string(),
                value: value.trim().to_string(),
                line,
            });
        }
        Ok(Ini {
            first_line: first_line.unwrap_or_default(),
            entries,
        })
    }

    /// The entry `key` of `section` (case ignored), if given.
    pub fn get(&self, section: &str, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.section.eq_ignore_ascii_case(section) && e.key.eq_ignore_ascii_case(key))
    }

    /// The entries of `section` (case ignored), in file order.
    pub fn section<'a>(&'a self, section: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.section.eq_ignore_ascii_case(section))
    }
}

/// Whether an identification line names a BrainVision file of `kind` (`Header` or `Marker`),
/// version 1.0 or 2.0, in any of the spellings MNE accepts: `Brain Vision` or `BrainVision`,
/// optionally `Core` or `V-Amp`, optionally `Exchange`, an optional comma before `Version`.
pub fn is_identification(line: &str, kind: &str) -> bool {
    let l = line.replace("Brain Vision", "BrainVision");
    let Some(rest) = l.strip_prefix("BrainVision ") else {
        return false;
    };
    let rest = rest
        .strip_prefix("Core ")
        .or_else(|| rest.strip_prefix("V-Amp "))
        .unwrap_or(rest);
    let Some(rest) = rest.strip_prefix("Data ") else {
        return false;
    };
    let rest = rest.strip_prefix("Exchange ").unwrap_or(rest);
    let Some(rest) = rest.strip_prefix(&format!("{kind} File")) else {
        return false;
    };
    let rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    matches!(
        rest.strip_prefix("Version ").map(str::trim_end),
        Some("1.0" | "2.0")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identification_lines() {
        for ok in [
            "Brain Vision Data Exchange Header File Version 1.0",
            "BrainVision Data Exchange Header File Version 2.0",
            "Brain Vision V-Amp Data Header File Version 1.0",
            "Brain Vision Core Data Exchange Header File, Version 1.0",
        ] {
            assert!(is_identification(ok, "Header"), "{ok}");
        }
        assert!(is_identification(
            "Brain Vision Data Exchange Marker File, Version 1.0",
            "Marker"
        ));
        assert!(!is_identification(
            "Brain Vision Data Exchange Marker File, Version 1.0",
            "Header"
        ));
        assert!(!is_identification(
            "Brain Vision Data Exchange Header File Version 3.0",
            "Header"
        ));
    }

    #[test]
    fn sections_keys_and_lines() {
        let text = "Brain Vision Data Exchange Header File Version 1.0\n; c\n[Common Infos]\r\nDataFile=a.eeg\n\n[Comment]\nfree text, no key\n[Binary Infos]\nbinaryformat = INT_16\n";
        let ini = Ini::parse(Path::new("h.vhdr"), text).unwrap();
        assert_eq!(ini.get("common infos", "DATAFILE").unwrap().value, "a.eeg");
        let e = ini.get("Binary Infos", "BinaryFormat").unwrap();
        assert_eq!((e.value.as_str(), e.line), ("INT_16", 9));
        let e = Ini::parse(Path::new("h.vhdr"), "x\n[A]\nk=1\nK=2\n").unwrap_err();
        assert_eq!(
            e.message,
            "h.vhdr:4: K given again in [A] (also line 3), expected each key once"
        );
        let e = Ini::parse(Path::new("h.vhdr"), "x\n[A]\nnonsense\n").unwrap_err();
        assert!(
            e.message.starts_with("h.vhdr:3: 'nonsense'"),
            "{}",
            e.message
        );
        assert_eq!(decode(b"\xEF\xBB\xBFa\xB5V"), "aµV");
    }
}
