//! Where a command's events come from and what they mean: `--events` or the sidecar, else the
//! recording's own events (EDF+ annotations, vendor marker columns), then `--event-map` (or a
//! model's stored map) — applied here, where every offline event source enters.

use crate::io::event_map::{describe_ignored, Ignored};
use crate::io::{find_sidecar_events, read_events_with_skipped, Event, EventMap, Loaded};
use crate::pipeline::FittedPipeline;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// `--event-map`, and the model's map once a command adopts it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct EventMapArgs {
    /// Marker codes to labels, CODE=LABEL,... e.g. 1=ok,2=robot_error. Recorders write markers
    /// as numbers (BrainFlow's marker column, muse-lsl Marker columns, EDF+ annotations, LSL
    /// markers); the map names what they mean. Events whose code is in the map get its label;
    /// the others (a rest or trial-start marker) are left out and counted on stderr. Codes
    /// compare as numbers (1 = 1.0); several codes may share a label (1=ok,3=ok: both counted
    /// as ok); an event already labelled with one of the map's labels is kept. `train` stores
    /// the map in the model, and `classify` (files, --follow and standard input alike),
    /// `evaluate -m` and `features -m` apply the model's map: only mapped events are decided.
    /// Given with a model that has a map, it must equal it.
    #[arg(long, value_name = "CODE=LABEL,...")]
    pub event_map: Option<String>,

    /// Turn markers into labelled segments: each event without a duration (a marker, e.g.
    /// BrainFlow's marker column with --event-map 1=eyes_open,2=eyes_closed) lasts until the
    /// next event's onset (any event, mapped or not, so a rest marker ends a block), the last
    /// one until the end of the recording; sliding windows are then cut inside these blocks.
    /// Events that already have a duration keep it. Applied before the event map; stored in the
    /// model, so `evaluate -m`, `features -m` and `classify` (its true labels) apply it again.
    #[arg(long)]
    pub segments_from_markers: bool,

    /// The map of the model in use (see [`EventMapArgs::adopt`]).
    #[arg(skip)]
    adopted: Option<EventMap>,
}

impl EventMapArgs {
    /// The map in force: the model's once adopted, else `--event-map` (none when neither).
    pub fn map(&self) -> Result<Option<EventMap>> {
        match (&self.adopted, &self.event_map) {
            (Some(m), _) => Ok(Some(m.clone())),
            (None, Some(text)) => EventMap::parse(text).map(Some),
            (None, None) => Ok(None),
        }
    }

    /// Takes the map of the model a command applies (classify, `evaluate -m`, `features -m`):
    /// `--event-map` must then equal it; a model without a map keeps `--event-map` (it picks
    /// and names this run's events).
    pub fn adopt(&mut self, model: &FittedPipeline) -> Result<()> {
        let Some(stored) = &model.event_map else {
            return Ok(());
        };
        if let Some(text) = &self.event_map {
            let given = EventMap::parse(text)?;
            if given != *stored {
                return Err(Error::input(format!(
                    "--event-map {}: the model maps events as {}, expected the same map or none (drop --event-map: the model's map applies; or retrain with the new map)",
                    given.describe(),
                    stored.describe()
                )));
            }
        }
        self.adopted = Some(stored.clone());
        Ok(())
    }

    /// Where the map in force comes from, for messages.
    fn origin(&self) -> &'static str {
        if self.adopted.is_some() {
            "the model's event map"
        } else {
            "--event-map"
        }
    }

    /// The events of `from` the map keeps, relabelled; those left out are counted on stderr,
    /// and a map that keeps none of them is an error naming the codes found.
    pub fn apply(&self, events: Vec<Event>, from: &Path) -> Result<Vec<Event>> {
        let Some(map) = self.map()? else {
            return Ok(events);
        };
        let n = events.len();
        let (kept, ignored) = map.apply(events);
        if kept.is_empty() && n > 0 {
            return Err(Error::file(
                from,
                format!(
                    "none of its {n} events has a code in {} ({}), expected at least one; codes found: {}",
                    self.origin(),
                    map.describe(),
                    describe_ignored(&ignored)
                ),
            ));
        }
        note_ignored(from, &ignored, self.origin(), &map);
        Ok(kept)
    }
}

/// Markers as segments (`--segments-from-markers`): each event without a duration gets one
/// that lasts until the onset of the next event (by onset; an event at the same onset does
/// not end it) or `end_s`, whichever is first, the last until `end_s` (the recording's duration, s). Events with a duration
/// keep it; an event at or after `end_s` with no later event stays without one. Order kept.
pub fn segments_from_markers(mut events: Vec<Event>, end_s: f64) -> Vec<Event> {
    let mut onsets: Vec<f64> = events.iter().map(|e| e.onset_s).collect();
    onsets.sort_by(f64::total_cmp);
    for e in events.iter_mut().filter(|e| e.duration_s == 0.0) {
        let next = onsets.partition_point(|&o| o <= e.onset_s);
        let until = onsets.get(next).copied().unwrap_or(end_s).min(end_s);
        if until > e.onset_s {
            e.duration_s = until - e.onset_s;
        }
    }
    events
}

/// The note for events a map left out, per code (nothing when none were).
pub fn note_ignored(from: &Path, ignored: &Ignored, origin: &str, map: &EventMap) {
    if !ignored.is_empty() {
        eprintln!(
            "eegi: note: {}: {} left out, not in {origin} ({})",
            from.display(),
            describe_ignored(ignored),
            map.describe()
        );
    }
}

/// The events file of a recording: `events` (`--events`) or its sidecar, if any.
pub fn events_path(
    events: Option<&Path>,
    recording: &Path,
    n_recordings: usize,
) -> Result<Option<PathBuf>> {
    match events {
        Some(_) if n_recordings > 1 => Err(Error::input(
            "--events names the events of one recording; with several recordings use sidecar <stem>_events.csv files",
        )),
        Some(p) => Ok(Some(p.to_path_buf())),
        None => Ok(find_sidecar_events(recording)),
    }
}

/// The events of a loaded recording as they are, and where they came from: the events file
/// `events_path` (`--events` or the sidecar), else the events stored in the recording itself
/// (EDF+ annotations, vendor markers).
pub fn events_in(
    events_path: Option<PathBuf>,
    loaded: &Loaded,
    path: &Path,
) -> Result<Option<(Vec<Event>, PathBuf)>> {
    events_from(events_path, &loaded.events, path)
}

/// Like [`events_in`], with the events stored in the recording given (`embedded`: those a
/// stream's blocks carried, when the recording was streamed rather than loaded).
pub fn events_from(
    events_path: Option<PathBuf>,
    embedded: &[Event],
    path: &Path,
) -> Result<Option<(Vec<Event>, PathBuf)>> {
    Ok(match events_path {
        Some(p) => {
            let (events, skipped) = read_events_with_skipped(&p)?;
            if !skipped.is_empty() {
                eprintln!("eegi: {}", na_warning(&p, &skipped));
            }
            Some((events, p))
        }
        None if !embedded.is_empty() => Some((embedded.to_vec(), path.into())),
        None => None,
    })
}

/// The warning for events left out because their label is `n/a`, naming their lines.
fn na_warning(path: &Path, lines: &[u64]) -> String {
    let shown: Vec<String> = lines.iter().take(10).map(|l| l.to_string()).collect();
    let more = match lines.len() {
        n if n > 10 => format!(" and {} more", n - 10),
        _ => String::new(),
    };
    format!(
        "warning: {}: {} event{} labelled n/a (BIDS's missing value) left out: line{} {}{more}",
        path.display(),
        lines.len(),
        if lines.len() == 1 { "" } else { "s" },
        if lines.len() == 1 { "" } else { "s" },
        shown.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(onset_s: f64, duration_s: f64, label: &str) -> Event {
        Event::new(onset_s, duration_s, label)
    }

    #[test]
    fn each_marker_lasts_until_the_next_one() {
        let events = vec![
            ev(10.0, 0.0, "2"),
            ev(0.0, 0.0, "1"),
            ev(8.0, 0.0, "3"),
            ev(12.0, 1.5, "blink"),
            ev(10.0, 0.0, "x"),
            ev(15.0, 0.0, "last"),
            ev(30.0, 0.0, "late"),
        ];
        let s = segments_from_markers(events, 20.0);
        let d: Vec<f64> = s.iter().map(|e| e.duration_s).collect();
        // order kept; same-onset events share an end; a duration is kept; the last marker runs
        // to the end; one after the end keeps none
        assert_eq!(d, [2.0, 8.0, 2.0, 1.5, 2.0, 5.0, 0.0]);
    }
}
