//! Event-locked online decoding: samples stream in blocks, events arrive with their onsets, and
//! each event's epoch is classified as soon as its last sample has arrived — with exactly the
//! pre-processing, extractors, scaler and classifier of the offline path, so the decisions equal
//! `classify FILE`'s. Independent of where samples and events come from (a file, standard input,
//! a network stream): [`EpochDecoder`] is fed sample blocks and events.
//!
//! Events are given as they arrive, with their raw label (a marker code such as `1`, or an LSL
//! marker string): the decoder applies the model's event map (`train --event-map`, or the one
//! [`EpochDecoder::set_event_map`] sets), so only events whose code is in it are decided, with
//! the mapped label; the others are counted per code. An event is never decided from samples
//! other than its epoch's: one whose epoch began before the oldest sample still held (its
//! marker came too late) is skipped with a warning naming it, one whose epoch had not ended when
//! the stream did is reported by [`EpochDecoder::finish`], and [`EpochDecoder::counts`] says
//! what became of every event, for the summary at the end of a stream.

use crate::features::{bad_feature, Extractor};
use crate::io::event_map::{describe_ignored, Ignored};
use crate::io::EventMap;
use crate::pipeline::{FittedPipeline, Prediction};
use crate::preprocess::StreamPreprocess;
use crate::recording::Event;
use crate::windows::WindowSpec;
use crate::{Error, Result};
use ndarray::{s, Array2, ArrayView2};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One decision: the event, the predicted class and how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The event's onset, s from the first sample of the stream.
    pub onset_s: f64,
    /// The event's own label (marker code, or its mapped label), as it arrived.
    pub event_label: String,
    /// The epoch (start/end in s), predicted class and class probabilities.
    pub prediction: Prediction,
    /// Time from the arrival of the block holding the epoch's last sample to the decision, µs.
    pub latency_us: f64,
}

/// What became of the events of a stream, for the summary at its end.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventCounts {
    /// Events decided.
    pub decided: usize,
    /// Events skipped: their epoch began before the oldest sample still held (the marker came
    /// too late) or before the stream.
    pub too_late: usize,
    /// Events not decided because the stream ended before their epoch did.
    pub unfinished: usize,
    /// Events decided after an event with a later onset (their marker arrived out of order).
    pub out_of_order: usize,
    /// Events left out by the event map, per code.
    pub ignored: Ignored,
    /// Events left out because their label is not among `classify --labels`, per label.
    pub other_labels: Ignored,
}

impl EventCounts {
    /// One line for stderr: `120 events decided, 2 skipped (their marker came too late), …`.
    pub fn describe(&self) -> String {
        let mut parts = vec![format!(
            "{} event{} decided",
            self.decided,
            if self.decided == 1 { "" } else { "s" }
        )];
        if self.out_of_order > 0 {
            parts.push(format!(
                "{} of them after a later event (markers out of order)",
                self.out_of_order
            ));
        }
        if self.too_late > 0 {
            parts.push(format!(
                "{} skipped (their epoch began before the samples still held: the marker came too late)",
                self.too_late
            ));
        }
        if self.unfinished > 0 {
            parts.push(format!(
                "{} not decided (the stream ended before their epoch did)",
                self.unfinished
            ));
        }
        if !self.ignored.is_empty() {
            parts.push(format!(
                "{} left out by the event map",
                describe_ignored(&self.ignored)
            ));
        }
        if !self.other_labels.is_empty() {
            parts.push(format!(
                "{} left out by --labels",
                describe_ignored(&self.other_labels)
            ));
        }
        parts.join(", ")
    }
}

/// An event waiting for the end of its epoch.
#[derive(Debug, Clone)]
struct Pending {
    /// Absolute index of the epoch's first sample.
    start: i64,
    /// The event, with its mapped label.
    event: Event,
    /// Its label as it arrived (the marker code).
    code: String,
}

/// Classifies the epoch of every event of a stream with an event-locked model, holding only the
/// samples pending epochs need (plus `history` samples for events that arrive late).
pub struct EpochDecoder<'m> {
    model: &'m FittedPipeline,
    /// The stream's name in errors and warnings.
    source: PathBuf,
    pre: StreamPreprocess,
    n_channels: usize,
    /// Epoch length, samples.
    len: usize,
    /// Epoch start relative to the onset, s.
    epoch_start_s: f64,
    /// Pre-processed samples, row-major; row 0 is absolute sample `buffer_start`.
    buffer: Vec<f64>,
    /// Absolute index of the first buffered sample.
    buffer_start: usize,
    /// Samples received so far.
    received: usize,
    /// Events waiting for their epoch's last sample, by epoch start.
    pending: Vec<Pending>,
    /// Samples kept behind the newest one for events that arrive after their epoch began.
    history: usize,
    extractors: Vec<Box<dyn Extractor>>,
    /// Baseline range of the epoch, samples.
    baseline: Option<(usize, usize)>,
    /// Scratch: the baseline-corrected epoch (samples × channels); without a baseline the
    /// features read the epoch where it is buffered, with no copy.
    corrected: Array2<f64>,
    identity: Vec<usize>,
    /// Scratch: one feature row.
    row: Vec<f64>,
    /// Marker codes to labels applied to incoming events (default: the model's).
    map: Option<EventMap>,
    /// Labels to decide (`classify --labels`; all when `None`).
    labels: Option<Vec<String>>,
    /// What became of the events so far.
    counts: EventCounts,
    /// Onset of the latest-starting event decided so far, s.
    last_onset_s: f64,
}

impl<'m> EpochDecoder<'m> {
    /// Prepares a decoder of an event-locked model whose filters are causal, for the stream
    /// `source` (named in errors) carrying the model channels in model order.
    pub fn new(model: &'m FittedPipeline, source: &Path) -> Result<EpochDecoder<'m>> {
        let WindowSpec::Epoch { start_s, .. } = model.window else {
            return Err(Error::input(
                "the model labels sliding windows, not events: the event decoder needs an event-locked model (--epoch START:END)",
            ));
        };
        let fs = model.sample_rate_hz;
        let n_ch = model.channels.len();
        let pre = model.preprocessing.streaming(fs, n_ch)?;
        let len = model.window_samples;
        let extractors = model
            .features
            .iter()
            .map(|f| f.build_for(fs, len, &model.channels))
            .collect::<Result<Vec<_>>>()?;
        let width = extractors.iter().map(|e| e.n_columns(n_ch)).sum();
        Ok(EpochDecoder {
            model,
            source: source.to_path_buf(),
            pre,
            n_channels: n_ch,
            len,
            epoch_start_s: start_s,
            buffer: Vec::new(),
            buffer_start: 0,
            received: 0,
            pending: Vec::new(),
            history: len,
            extractors,
            baseline: model.preprocessing.baseline_range(&model.window, fs),
            corrected: Array2::zeros((len, n_ch)),
            identity: (0..n_ch).collect(),
            row: vec![0.0; width],
            map: model.event_map.clone(),
            labels: None,
            counts: EventCounts::default(),
            last_onset_s: f64::NEG_INFINITY,
        })
    }

    /// Replaces the event map applied to incoming events (default: the model's; `None`: event
    /// labels as they arrive, every event decided).
    pub fn set_event_map(&mut self, map: Option<EventMap>) {
        self.map = map;
    }

    /// Decides only events labelled one of `labels` (after the event map; `classify
    /// --labels`); the others are counted, per label. `None` decides every event.
    pub fn set_labels(&mut self, labels: Option<Vec<String>>) {
        self.labels = labels;
    }

    /// What became of the events so far (decided, skipped, left out by the event map; events
    /// still pending count once [`EpochDecoder::finish`] has run).
    pub fn counts(&self) -> &EventCounts {
        &self.counts
    }

    /// Keeps `samples` samples behind the newest one (default: one epoch) for events that
    /// arrive after their epoch began.
    pub fn set_history(&mut self, samples: usize) {
        self.history = samples;
    }

    /// Samples received so far.
    pub fn received(&self) -> usize {
        self.received
    }

    /// Samples held in memory.
    pub fn buffered(&self) -> usize {
        self.buffer.len() / self.n_channels.max(1)
    }

    /// Events waiting for the end of their epoch.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Samples still to come before the next decision (the earliest pending epoch's last
    /// sample), or `None` when no event is pending.
    pub fn samples_to_next_decision(&self) -> Option<usize> {
        let p = self.pending.first()?;
        Some((p.start.max(0) as usize + self.len).saturating_sub(self.received))
    }

    /// Rehearses the next decision while waiting for its last sample: when that sample is the
    /// next to come, classifies the epoch one sample earlier (all of it buffered) and returns
    /// its probabilities, to be dropped. The decision then finds its code, the model's weights
    /// and most of its samples in the caches (a process that slept between decisions finds
    /// them cold); nothing it computes or keeps depends on the rehearsal, so the decision is
    /// the same bits. `None` when the next sample completes no epoch.
    pub fn rehearse(&mut self) -> Option<Vec<f64>> {
        let start = self.pending.first()?.start.max(0) as usize;
        if start + self.len != self.received + 1 || start <= self.buffer_start {
            return None;
        }
        self.classify(start - 1).ok().map(|p| p.probabilities)
    }

    /// Queues an event (onset in s from the first sample, label as it arrived: a marker code
    /// or a label). The event map applies first: an event it leaves out is counted, not queued.
    /// An event whose epoch starts before the first sample still held (its marker came too
    /// late) or before the stream is not decided: the returned warning names it and says why.
    pub fn push_event(&mut self, event: &Event) -> Option<String> {
        let label = match &self.map {
            None => event.label.clone(),
            Some(map) => match map.label_of(&event.label) {
                Some(l) => l.to_string(),
                None => {
                    *self.counts.ignored.entry(event.label.clone()).or_default() += 1;
                    return None;
                }
            },
        };
        if let Some(keep) = &self.labels {
            if !keep.contains(&label) {
                *self.counts.other_labels.entry(label).or_default() += 1;
                return None;
            }
        }
        let fs = self.model.sample_rate_hz;
        // as the offline windows are cut
        let start = ((event.onset_s + self.epoch_start_s) * fs).round() as i64;
        if start < self.buffer_start as i64 {
            self.counts.too_late += 1;
            let why = if start < 0 {
                "starts before the stream".to_string()
            } else {
                format!(
                    "starts at {} s, before the oldest sample still held ({} s; {} samples received): the marker came {:.3} s too late",
                    start as f64 / fs,
                    self.buffer_start as f64 / fs,
                    self.received,
                    (self.buffer_start as i64 - start) as f64 / fs
                )
            };
            return Some(format!(
                "{}: event at {} s ({}) skipped, not decided: its epoch {why}",
                self.source.display(),
                event.onset_s,
                describe_event(
                    &Event {
                        label: label.clone(),
                        ..event.clone()
                    },
                    &event.label
                ),
            ));
        }
        let at = self.pending.partition_point(|p| p.start <= start);
        let code = event.label.clone();
        let mut event = event.clone();
        event.label = label;
        self.pending.insert(at, Pending { start, event, code });
        None
    }

    /// The onset in s of a sample index, for events whose onset is known in samples.
    pub fn onset_s_of(&self, sample: u64) -> f64 {
        sample as f64 / self.model.sample_rate_hz
    }

    /// Adds samples (rows × model channels, row-major) that arrived at `arrival`, and returns
    /// the decisions of every pending epoch now complete, in epoch order.
    pub fn push(&mut self, samples: &[f64], arrival: Instant) -> Result<Vec<Decision>> {
        let n_ch = self.n_channels.max(1);
        let mut out = Vec::new();
        let mut rest = samples;
        // up to the next pending epoch's last sample at a time: it is decided at once, not
        // after the rest of a long block has been filtered
        while !rest.is_empty() {
            let rows = match self.pending.first() {
                Some(p) if (p.start as usize + self.len) > self.received => {
                    p.start as usize + self.len - self.received
                }
                _ => rest.len() / n_ch,
            };
            let (now, later) = rest.split_at((rows * n_ch).min(rest.len()));
            let at = self.buffer.len();
            self.buffer.extend_from_slice(now);
            self.pre.process(&mut self.buffer[at..]);
            self.received += now.len() / n_ch;
            out.extend(self.decide_ready(arrival)?);
            rest = later;
        }
        Ok(out)
    }

    /// The decisions of every pending epoch whose last sample has arrived (e.g. after a late
    /// event), latencies counted from `arrival`; then drops the samples no longer needed.
    pub fn decide_ready(&mut self, arrival: Instant) -> Result<Vec<Decision>> {
        let mut out = Vec::new();
        let ready = self
            .pending
            .iter()
            .take_while(|p| p.start as usize + self.len <= self.received)
            .count();
        let done: Vec<Pending> = self.pending.drain(..ready).collect();
        for p in done {
            let prediction = self.classify(p.start as usize)?;
            self.counts.decided += 1;
            if p.event.onset_s < self.last_onset_s {
                self.counts.out_of_order += 1;
            }
            self.last_onset_s = self.last_onset_s.max(p.event.onset_s);
            out.push(Decision {
                onset_s: p.event.onset_s,
                event_label: p.event.label,
                prediction,
                latency_us: arrival.elapsed().as_secs_f64() * 1e6,
            });
        }
        self.discard();
        Ok(out)
    }

    /// Warnings for the events whose epochs never completed (call when the stream ends): each
    /// names the event and how much of its epoch was missing; counted in
    /// [`EpochDecoder::counts`].
    pub fn finish(&mut self) -> Vec<String> {
        let fs = self.model.sample_rate_hz;
        self.counts.unfinished += self.pending.len();
        self.pending
            .drain(..)
            .map(|p| {
                format!(
                    "{}: event at {} s ({}) not decided: the stream ended after {} s, {:.3} s before its epoch did",
                    self.source.display(),
                    p.event.onset_s,
                    describe_event(&p.event, &p.code),
                    self.received as f64 / fs,
                    (p.start as usize + self.len - self.received) as f64 / fs
                )
            })
            .collect()
    }

    /// Drops the samples before both the first pending epoch and the history, in amortised
    /// steps (when at least half the buffer can go).
    fn discard(&mut self) {
        let keep_from = self.received.saturating_sub(self.history);
        let keep_from = match self.pending.first() {
            Some(p) => keep_from.min(p.start.max(0) as usize),
            None => keep_from,
        }
        .max(self.buffer_start);
        let drop = keep_from - self.buffer_start;
        if drop > 0 && 2 * drop >= self.buffered() {
            self.buffer.drain(..drop * self.n_channels);
            self.buffer_start = keep_from;
        }
    }

    /// Classifies the epoch starting at absolute sample `start` (buffered), as offline.
    fn classify(&mut self, start: usize) -> Result<Prediction> {
        let model = self.model;
        let n_ch = self.n_channels;
        let from = (start - self.buffer_start) * n_ch;
        let rows =
            ArrayView2::from_shape((self.len, n_ch), &self.buffer[from..from + self.len * n_ch])
                .expect("epoch inside the buffer");
        // baseline as `extract_with_baseline` does it: the same sums in the same order (the
        // buffer is laid out as an epoch is, row-major: the same strided columns)
        let (view, cols) = match self.baseline {
            None => (rows, &self.identity),
            Some((a, b)) => {
                for c in 0..n_ch {
                    let src = rows.column(c);
                    let mean = src.slice(s![a..b]).sum() / (b - a) as f64;
                    for (d, v) in self.corrected.column_mut(c).iter_mut().zip(src) {
                        *d = v - mean;
                    }
                }
                (self.corrected.view(), &self.identity)
            }
        };
        let mut offset = 0;
        for e in self.extractors.iter_mut() {
            let width = e.n_columns(n_ch);
            e.transform(view, cols, &mut self.row[offset..offset + width]);
            offset += width;
        }
        let fs = model.sample_rate_hz;
        let start_s = start as f64 / fs;
        let end_s = (start + self.len) as f64 / fs;
        if let Some(j) = bad_feature(&self.row) {
            return Err(Error::file(
                &self.source,
                format!(
                    "epoch {start_s}-{end_s} s: feature {} is {}, expected a finite value of sensible size; check the samples of this epoch",
                    j, self.row[j]
                ),
            ));
        }
        model.scaler.transform_row(&mut self.row);
        let mut probabilities = vec![0.0; model.classes.len()];
        model
            .classifier
            .predict_proba_row(ndarray::ArrayView1::from(&self.row[..]), &mut probabilities);
        model.check_probabilities(&self.source, start_s, end_s, &probabilities)?;
        Ok(Prediction {
            start_s,
            end_s,
            class: model.decide(&probabilities),
            probabilities,
        })
    }
}

/// An event in messages: its label, the code it came from (`code`, its label as it arrived)
/// when that differs, and its line when it came from a file.
fn describe_event(event: &Event, code: &str) -> String {
    let mut text = format!("{:?}", event.label);
    if event.label != code {
        text.push_str(&format!(", code {code}"));
    }
    if event.line > 0 {
        text.push_str(&format!(", line {}", event.line));
    }
    text
}

#[cfg(test)]
#[path = "epochs_tests.rs"]
mod tests;
