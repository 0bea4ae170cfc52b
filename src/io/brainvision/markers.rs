//! The BrainVision marker file (`.vmrk`): `Mk<n>=<type>,<description>,<position>,<size>,
//! <channel>[,<date>]` lines in `[Marker Infos]`, positions in data points from 1. Each marker
//! becomes an event labelled `<type>/<description>` (as MNE's `read_raw_brainvision` labels
//! its annotations, e.g. `Stimulus/S  1`), at (position − 1) / rate s, lasting size / rate s
//! when it spans more than one data point (0, an instant, for one).
//!
//! `New Segment` markers are not events: the one at the first data point only dates the
//! recording (MNE drops it too); a later one marks a pause in the recording, which eegi reads
//! as continuous with a warning naming where (MNE keeps those as `New Segment/` annotations).

use super::header::bad;
use super::ini::{is_identification, Ini};
use crate::io::errors::truncate;
use crate::io::events::{check_event_count, Event};
use crate::{Error, Result};
use std::path::Path;

/// The events of a marker file, and the positions of the `New Segment` markers after the
/// first data point (data points from 1).
#[derive(Debug, Clone, Default)]
pub struct Markers {
    /// Events by onset (ties in file order).
    pub events: Vec<Event>,
    /// Positions of the segment breaks after the first data point.
    pub breaks: Vec<u64>,
}

/// Parses the text of a marker file (`path` names it); `rate` is the header's sample rate,
/// Hz, and `n_points` the data points per channel (a marker past the last is refused).
pub fn parse_markers(path: &Path, text: &str, rate: f64, n_points: u64) -> Result<Markers> {
    let ini = Ini::parse(path, text)?;
    if !is_identification(&ini.first_line, "Marker") {
        return Err(Error::at(
            path,
            1,
            None,
            format!("'{}'", truncate(&ini.first_line)),
            "'Brain Vision Data Exchange Marker File, Version 1.0' (or 2.0)",
        ));
    }
    let mut out = Markers::default();
    for e in ini.section("Marker Infos") {
        let is_marker = e.key.get(..2).is_some_and(|k| k.eq_ignore_ascii_case("Mk"))
            && e.key[2..].parse::<u64>().is_ok();
        if !is_marker {
            return Err(Error::at(
                path,
                e.line,
                None,
                format!("key {}", truncate(&e.key)),
                "Mk<number>=<type>,<description>,<position>,<size>,<channel>",
            ));
        }
        let fields: Vec<&str> = e.value.split(',').collect();
        if fields.len() < 3 {
            return Err(bad(
                path,
                e,
                "<type>,<description>,<position>[,<size>,<channel>] (at least 3 fields)",
            ));
        }
        let decode = |s: &str| s.trim().replace("\\1", ",");
        let (kind, description) = (decode(fields[0]), decode(fields[1]));
        let position = match fields[2].trim().parse::<u64>() {
            Ok(p) if (1..=n_points).contains(&p) => p,
            _ => {
                return Err(bad(
                    path,
                    e,
                    format!(
                        "a position (third field) from 1 to {n_points}, the data points of the recording"
                    ),
                ))
            }
        };
        // MNE: a size that is not a whole number counts as 0
        let size = fields
            .get(3)
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(0);
        if kind == "New Segment" {
            if position > 1 {
                out.breaks.push(position);
            }
            continue;
        }
        check_event_count(out.events.len(), || {
            format!("{}:{}", path.display(), e.line)
        })?;
        out.events.push(Event {
            onset_s: (position - 1) as f64 / rate,
            duration_s: if size > 1 { size as f64 / rate } else { 0.0 },
            label: format!("{kind}/{description}"),
            line: e.line,
        });
    }
    out.events.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MRK: &str = "Brain Vision Data Exchange Marker File, Version 1.0\n[Common Infos]\nDataFile=d.eeg\n[Marker Infos]\nMk1=New Segment,,1,1,0,20240101120000000000\nMk2=Stimulus,S  1,11,1,0\nMk3=Response,R\\11,5,20,0\nMk4=New Segment,,30,1,0\n";

    #[test]
    fn markers_become_events() {
        let m = parse_markers(Path::new("d.vmrk"), MRK, 10.0, 40).unwrap();
        assert_eq!(m.breaks, vec![30]);
        assert_eq!(m.events.len(), 2);
        assert_eq!(m.events[0].label, "Response/R,1");
        assert_eq!((m.events[0].onset_s, m.events[0].duration_s), (0.4, 2.0));
        assert_eq!(m.events[1].label, "Stimulus/S  1");
        assert_eq!((m.events[1].onset_s, m.events[1].duration_s), (1.0, 0.0));
        assert_eq!(m.events[1].line, 6);
    }

    #[test]
    fn a_marker_past_the_end_is_refused() {
        let e = parse_markers(Path::new("d.vmrk"), MRK, 10.0, 20).unwrap_err();
        assert_eq!(
            e.message,
            "d.vmrk:8: Mk4=New Segment,,30,1,0, expected a position (third field) from 1 to 20, the data points of the recording"
        );
        let e =
            parse_markers(Path::new("d.vmrk"), &MRK.replace(",11,", ",0,"), 10.0, 40).unwrap_err();
        assert!(
            e.message.starts_with("d.vmrk:6: Mk2=Stimulus,S  1,0,1,0"),
            "{}",
            e.message
        );
    }
}
