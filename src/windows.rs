//! Windows: which slices of a recording are classified, event-locked epochs or sliding windows
//! inside labelled segments, and why any were dropped.

use crate::recording::Event;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// How windows are cut from a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum WindowSpec {
    /// One window per event, from `onset + start_s` to `onset + end_s` (s).
    Epoch {
        /// Window start relative to the event onset, in s (may be negative).
        start_s: f64,
        /// Window end relative to the event onset, in s.
        end_s: f64,
    },
    /// Windows of `window_s` every `step_s` (s), lying wholly inside a labelled segment.
    Sliding {
        /// Window length in s.
        window_s: f64,
        /// Step between window starts in s.
        step_s: f64,
    },
}

/// Why windows were not used, counted (never silently dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropCounts {
    /// Windows that would start before the first or end after the last sample.
    pub off_recording: usize,
    /// Labelled segments shorter than one window (sliding windows only).
    pub segments_shorter_than_window: usize,
    /// Events with zero duration, which cannot hold sliding windows.
    pub events_without_duration: usize,
    /// Events whose label was not among `--labels`.
    pub events_with_other_labels: usize,
    /// Training epochs rejected because their amplitude exceeded `--reject-uv`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rejected_amplitude: usize,
}

/// Whether a count is zero (such counts are left out of the model file).
fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl DropCounts {
    /// Adds another recording's counts to these.
    pub fn add(&mut self, other: &DropCounts) {
        self.off_recording += other.off_recording;
        self.segments_shorter_than_window += other.segments_shorter_than_window;
        self.events_without_duration += other.events_without_duration;
        self.events_with_other_labels += other.events_with_other_labels;
        self.rejected_amplitude += other.rejected_amplitude;
    }

    /// Number of windows lost (segments and events that yielded none are not windows).
    pub fn windows(&self) -> usize {
        self.off_recording + self.rejected_amplitude
    }
}

/// One window: where it starts in which recording, and its label when known.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Index of the recording among those given.
    pub recording: usize,
    /// First sample of the window.
    pub start: usize,
    /// The label of the event or segment the window belongs to.
    pub label: Option<String>,
    /// Index of the event (in its events file) the window came from.
    pub event: Option<usize>,
}

impl WindowSpec {
    /// Checks the spec once: finite times, positive length and step.
    pub fn check(&self) -> Result<()> {
        match *self {
            WindowSpec::Epoch { start_s, end_s } => {
                if !start_s.is_finite() || !end_s.is_finite() || end_s <= start_s {
                    return Err(Error::input(format!(
                        "--epoch {start_s}:{end_s}: the end must come after the start (seconds relative to the event onset)"
                    )));
                }
            }
            WindowSpec::Sliding { window_s, step_s } => {
                if !(window_s.is_finite() && window_s > 0.0) {
                    return Err(Error::input(format!(
                        "--window {window_s}: expected a positive length in seconds"
                    )));
                }
                if !(step_s.is_finite() && step_s > 0.0) {
                    return Err(Error::input(format!(
                        "--step {step_s}: expected a positive step in seconds"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Window length in s.
    pub fn length_s(&self) -> f64 {
        match *self {
            WindowSpec::Epoch { start_s, end_s } => end_s - start_s,
            WindowSpec::Sliding { window_s, .. } => window_s,
        }
    }

    /// Window length in samples at `sample_rate_hz` (rounded to the nearest sample).
    pub fn length_samples(&self, sample_rate_hz: f64) -> usize {
        (self.length_s() * sample_rate_hz).round() as usize
    }

    /// Whether windows are locked to events (one per event).
    pub fn is_event_locked(&self) -> bool {
        matches!(self, WindowSpec::Epoch { .. })
    }

    /// Checks that windows hold at least two samples and at most
    /// [`MAX_WINDOW_SAMPLES`](crate::limits::MAX_WINDOW_SAMPLES), and sliding steps at least one, at this rate.
    pub fn check_rate(&self, sample_rate_hz: f64) -> Result<()> {
        let len = self.length_s() * sample_rate_hz;
        if len.is_nan() || len > crate::limits::MAX_WINDOW_SAMPLES as f64 {
            return Err(Error::input(format!(
                "a window of {:e} s is {len:e} samples at {sample_rate_hz} Hz, expected at most {} samples",
                self.length_s(),
                crate::limits::MAX_WINDOW_SAMPLES
            )));
        }
        if self.length_samples(sample_rate_hz) < 2 {
            return Err(Error::input(format!(
                "a window of {} s holds fewer than 2 samples at {sample_rate_hz} Hz",
                self.length_s()
            )));
        }
        if let WindowSpec::Sliding { step_s, .. } = *self {
            if (step_s * sample_rate_hz).round() < 1.0 {
                return Err(Error::input(format!(
                    "--step {step_s} s is shorter than one sample at {sample_rate_hz} Hz"
                )));
            }
        }
        Ok(())
    }

    /// The labelled windows of one recording (`n_samples` long) given its events.
    pub fn labelled(
        &self,
        recording: usize,
        n_samples: usize,
        sample_rate_hz: f64,
        events: &[Event],
        labels: Option<&[String]>,
    ) -> (Vec<Window>, DropCounts) {
        let len = self.length_samples(sample_rate_hz) as i64;
        let mut out = Vec::new();
        let mut dropped = DropCounts::default();
        for (i, ev) in events.iter().enumerate() {
            if let Some(keep) = labels {
                if !keep.contains(&ev.label) {
                    dropped.events_with_other_labels += 1;
                    continue;
                }
            }
            let fits = |start: i64| start >= 0 && start.saturating_add(len) <= n_samples as i64;
            match *self {
                WindowSpec::Epoch { start_s, .. } => {
                    let start = ((ev.onset_s + start_s) * sample_rate_hz).round() as i64;
                    if fits(start) {
                        out.push(Window {
                            recording,
                            start: start as usize,
                            label: Some(ev.label.clone()),
                            event: Some(i),
                        });
                    } else {
                        dropped.off_recording += 1;
                    }
                }
                WindowSpec::Sliding { step_s, .. } => {
                    if ev.duration_s <= 0.0 {
                        dropped.events_without_duration += 1;
                        continue;
                    }
                    // counted arithmetically, not by stepping: a segment of 10^9 s must not
                    // take 10^11 steps
                    let seg_start = (ev.onset_s * sample_rate_hz).round();
                    let seg_end = ((ev.onset_s + ev.duration_s) * sample_rate_hz).round();
                    let step = (step_s * sample_rate_hz).round().max(1.0);
                    let lenf = len as f64;
                    if (seg_end - seg_start).is_nan() || seg_end - seg_start < lenf {
                        dropped.segments_shorter_than_window += 1;
                        continue;
                    }
                    // windows k = 0..=last start at seg_start + k·step
                    let last = ((seg_end - lenf - seg_start) / step).floor();
                    let first_in = (-seg_start / step).ceil().max(0.0);
                    let last_in = ((n_samples as f64 - lenf - seg_start) / step)
                        .floor()
                        .min(last);
                    let mut inside = 0.0;
                    if first_in <= last_in {
                        let mut k = first_in;
                        while k <= last_in {
                            out.push(Window {
                                recording,
                                start: (seg_start + k * step) as usize,
                                label: Some(ev.label.clone()),
                                event: Some(i),
                            });
                            inside += 1.0;
                            k += 1.0;
                        }
                    }
                    dropped.off_recording = dropped
                        .off_recording
                        .saturating_add((last + 1.0 - inside) as usize);
                }
            }
        }
        (out, dropped)
    }

    /// Refuses labelled windows of one recording (from [`WindowSpec::labelled`], cut from
    /// `events` read from `path`, `window_len` samples long) that are ambiguous, naming both
    /// events' rows:
    /// - two events with different labels that give the same samples two classes: for
    ///   sliding windows, segments whose windows share a sample (a labelled segment claims its
    ///   samples); for epochs, two events that cut the very same epoch (overlapping epochs of
    ///   nearby events are normal in fast ERP designs and are allowed);
    /// - the same event twice (same windows, same label), which would count its windows twice.
    ///
    /// Events that yield no window (other labels, segments shorter than a window, epochs off
    /// the recording) are not compared.
    // long: one pass over the events' sample spans with its two refusals, each naming both events
    pub fn check_labelled(
        &self,
        path: &Path,
        events: &[Event],
        windows: &[Window],
        window_len: usize,
    ) -> Result<()> {
        // the samples each event's windows cover: (first, end, event); an event's windows
        // are consecutive in `windows`
        let mut spans: Vec<(usize, usize, usize)> = Vec::new();
        for w in windows {
            let Some(e) = w.event else { continue };
            let end = w.start.saturating_add(window_len);
            match spans.last_mut() {
                Some(s) if s.2 == e => s.1 = end,
                _ => spans.push((w.start, end, e)),
            }
        }
        spans.sort_unstable();
        let place = |i: usize| event_place(path, &events[i]);
        let times = |i: usize| {
            let e = &events[i];
            if self.is_event_locked() || e.duration_s == 0.0 {
                format!("at {} s", e.onset_s)
            } else {
                format!("({}-{} s)", e.onset_s, e.onset_s + e.duration_s)
            }
        };
        // the same span twice: equal spans sort next to each other, the earlier row first
        for pair in spans.windows(2) {
            let ((a0, a1, a), (b0, b1, b)) = (pair[0], pair[1]);
            if (a0, a1) != (b0, b1) {
                continue;
            }
            let (ea, eb) = (&events[a], &events[b]);
            if ea.label == eb.label {
                return Err(Error::input(format!(
                    "{}: event '{}' {} repeats {}, expected each event once (its window{} would count twice)",
                    place(b),
                    eb.label,
                    times(b),
                    place(a),
                    if a1 - a0 > window_len { "s" } else { "" }
                )));
            }
            return Err(Error::input(format!(
                "{}: event '{}' {} labels the same {} as {} '{}', expected one label per {} (the same samples would be trained as both classes; fix the events or choose with --labels)",
                place(b),
                eb.label,
                times(b),
                if self.is_event_locked() { "epoch" } else { "segment" },
                place(a),
                ea.label,
                if self.is_event_locked() { "epoch" } else { "segment" },
            )));
        }
        if self.is_event_locked() {
            return Ok(());
        }
        // sliding windows: a sweep in start order against the span reaching furthest so far
        // finds an overlap of two labels whenever there is one (if the furthest span has the
        // current label, any other span the current one overlaps also overlaps the furthest)
        let mut furthest: Option<(usize, usize)> = None;
        for &(start, end, i) in &spans {
            if let Some((reach, j)) = furthest {
                if start < reach && events[i].label != events[j].label {
                    let (a, b) = if events[j].line <= events[i].line {
                        (j, i)
                    } else {
                        (i, j)
                    };
                    return Err(Error::input(format!(
                        "{}: event '{}' {} overlaps {} '{}' {}, expected labelled segments whose windows do not overlap (the same samples would be trained as both classes; fix the events or choose with --labels)",
                        place(b),
                        events[b].label,
                        times(b),
                        place(a),
                        events[a].label,
                        times(a)
                    )));
                }
            }
            if furthest.is_none_or(|(reach, _)| end > reach) {
                furthest = Some((end, i));
            }
        }
        Ok(())
    }

    /// The error for a recording (`path`) of `n_samples` at `sample_rate_hz` too short to hold
    /// one window: it would give no window at all.
    pub fn too_short(&self, path: &Path, n_samples: u64, sample_rate_hz: f64) -> Error {
        Error::file(
            path,
            format!(
                "{} s long ({n_samples} samples at {sample_rate_hz} Hz), expected at least one window of {} s ({} samples)",
                n_samples as f64 / sample_rate_hz,
                self.length_s(),
                self.length_samples(sample_rate_hz)
            ),
        )
    }

    /// Samples between the starts of consecutive windows at `sample_rate_hz` (at least 1; an
    /// event-locked spec steps by its length).
    pub fn step_samples(&self, sample_rate_hz: f64) -> usize {
        match *self {
            WindowSpec::Sliding { step_s, .. } => {
                (step_s * sample_rate_hz).round().max(1.0) as usize
            }
            WindowSpec::Epoch { .. } => self.length_samples(sample_rate_hz),
        }
    }

    /// Unlabelled windows over a whole recording, every step from the first sample; for an
    /// event-locked spec the step is one window length.
    pub fn continuous(
        &self,
        recording: usize,
        n_samples: usize,
        sample_rate_hz: f64,
    ) -> Vec<Window> {
        let len = self.length_samples(sample_rate_hz);
        let step = self.step_samples(sample_rate_hz);
        // counted first: a step of usize::MAX samples (from an absurd model) must not overflow
        let count = match n_samples.checked_sub(len) {
            Some(room) => room / step + 1,
            None => 0,
        };
        (0..count)
            .map(|k| k * step)
            .map(|start| Window {
                recording,
                start,
                label: None,
                event: None,
            })
            .collect()
    }
}

/// Where an event came from, for messages: `file:line`, or the data record of an EDF/BDF
/// annotation.
pub fn event_place(path: &Path, event: &Event) -> String {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".edf") || name.ends_with(".bdf") {
        format!("{} (data record {})", path.display(), event.line)
    } else {
        format!("{}:{}", path.display(), event.line)
    }
}

#[cfg(test)]
#[path = "windows/windows_tests.rs"]
mod tests;
