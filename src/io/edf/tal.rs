//! EDF+ time-stamped annotation lists (TALs): onset, duration and texts of each annotation.

use super::header::shown;
use crate::limits::MAX_EVENT_TIME_S;
use crate::{Error, Result};
use std::path::Path;

/// One time-stamped annotation list.
#[derive(Debug, Clone, PartialEq)]
pub struct Tal {
    /// Onset, s from the file's start time.
    pub onset_s: f64,
    /// Duration, s (0 when absent).
    pub duration_s: f64,
    /// The annotation texts (the first of a record's first TAL is empty: time keeping).
    pub texts: Vec<String>,
    /// File offset of the TAL, bytes.
    pub offset: u64,
}

/// Parses the TALs of one annotation signal of one record; `offset` is its file offset.
pub fn parse_tals(path: &Path, raw: &[u8], offset: u64) -> Result<Vec<Tal>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < raw.len() {
        if raw[pos] == 0 {
            pos += 1;
            continue;
        }
        let end = raw[pos..]
            .iter()
            .position(|&b| b == 0)
            .map_or(raw.len(), |i| pos + i);
        let tal = &raw[pos..end];
        let at = offset + pos as u64;
        let bad = |what: String, expected: &str| {
            Error::input(format!(
                "{}: byte {at} (annotation): {what}, expected {expected}",
                path.display()
            ))
        };
        let Some(first_sep) = tal.iter().position(|&b| b == 0x14) else {
            return Err(bad(
                format!("{} without a 0x14 separator", shown(tal)),
                "a time-stamped annotation list '+onset[0x15duration]0x14text0x14'",
            ));
        };
        let stamp = &tal[..first_sep];
        let (onset_txt, dur_txt) = match stamp.iter().position(|&b| b == 0x15) {
            Some(i) => (&stamp[..i], Some(&stamp[i + 1..])),
            None => (stamp, None),
        };
        let onset_ok = matches!(onset_txt.first(), Some(b'+' | b'-'))
            && onset_txt.len() > 1
            && onset_txt[1..]
                .iter()
                .all(|b| b.is_ascii_digit() || *b == b'.');
        let onset_s = std::str::from_utf8(onset_txt)
            .ok()
            .filter(|_| onset_ok)
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                bad(
                    format!("onset {}", shown(onset_txt)),
                    "'+' or '-' and seconds, e.g. +12.5",
                )
            })?;
        let duration_s = match dur_txt {
            None => 0.0,
            Some([]) => 0.0,
            Some(d) => std::str::from_utf8(d)
                .ok()
                .filter(|_| d.iter().all(|b| b.is_ascii_digit() || *b == b'.'))
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v <= MAX_EVENT_TIME_S)
                .ok_or_else(|| {
                    bad(
                        format!("duration {}", shown(d)),
                        "a non-negative number of seconds",
                    )
                })?,
        };
        let mut texts: Vec<String> = tal[first_sep + 1..]
            .split(|&b| b == 0x14)
            .map(|t| String::from_utf8_lossy(t).trim().to_string())
            .collect();
        // the list ends with 0x14: drop the empty piece after it
        if texts.last().is_some_and(|t| t.is_empty()) {
            texts.pop();
        }
        out.push(Tal {
            onset_s,
            duration_s,
            texts,
            offset: at,
        });
        pos = end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tals_parse_onset_duration_and_texts() {
        let raw = b"+0\x14\x14\x00+1.5\x1520\x14eyes_closed\x14\x00\x00\x00";
        let t = parse_tals(Path::new("a.edf"), raw, 100).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].onset_s, 0.0);
        assert_eq!(t[0].texts, vec![""]);
        assert_eq!(t[1].onset_s, 1.5);
        assert_eq!(t[1].duration_s, 20.0);
        assert_eq!(t[1].texts, vec!["eyes_closed"]);
        assert_eq!(t[1].offset, 105);
    }

    #[test]
    fn bad_tals_name_their_byte() {
        let e = parse_tals(Path::new("a.edf"), b"+0\x14\x14\x00x1\x14a\x14\x00", 1000).unwrap_err();
        assert!(
            e.message
                .starts_with("a.edf: byte 1005 (annotation): onset 'x1'"),
            "{}",
            e.message
        );
        let e = parse_tals(Path::new("a.edf"), b"+1", 10).unwrap_err();
        assert!(e.message.contains("byte 10 (annotation)"), "{}", e.message);
    }
}
