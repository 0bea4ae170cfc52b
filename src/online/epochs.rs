//! Event-locked online decoding: samples stream in blocks, events arrive with their onsets, and
//! each event's epoch is classified as soon as its last sample has arrived — with exactly the
//! pre-processing, extractors, scaler and classifier of the offline path, so the decisions equal
//! `classify FILE`'s. Independent of where samples and events come from (a file, standard input,
//! a network stream): [`EpochDecoder`] is fed sample blocks and events.

use crate::features::{bad_feature, Extractor};
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

/// An event waiting for the end of its epoch.
#[derive(Debug, Clone)]
struct Pending {
    /// Absolute index of the epoch's first sample.
    start: i64,
    /// The event.
    event: Event,
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
    /// Scratch: one epoch (samples × channels) and its baseline-corrected copy.
    epoch: Array2<f64>,
    corrected: Array2<f64>,
    identity: Vec<usize>,
    /// Scratch: one feature row.
    row: Vec<f64>,
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
            epoch: Array2::zeros((len, n_ch)),
            corrected: Array2::zeros((len, n_ch)),
            identity: (0..n_ch).collect(),
            row: vec![0.0; width],
        })
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

    /// Queues an event (onset in s from the first sample). An event whose epoch starts before
    /// the first sample still held (or before the stream) is not decided: the returned warning
    /// says why.
    pub fn push_event(&mut self, event: &Event) -> Option<String> {
        let fs = self.model.sample_rate_hz;
        // as the offline windows are cut
        let start = ((event.onset_s + self.epoch_start_s) * fs).round() as i64;
        if start < self.buffer_start as i64 {
            let why = if start < 0 {
                "starts before the stream".to_string()
            } else {
                format!(
                    "starts at sample {start}, before the first sample still held ({}): the event came too late",
                    self.buffer_start
                )
            };
            return Some(format!(
                "{}: event at {} s (line {}, {:?}) skipped, its epoch {why}",
                self.source.display(),
                event.onset_s,
                event.line,
                event.label
            ));
        }
        let at = self.pending.partition_point(|p| p.start <= start);
        self.pending.insert(
            at,
            Pending {
                start,
                event: event.clone(),
            },
        );
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

    /// Warnings for the events whose epochs never completed (call when the stream ends).
    pub fn finish(&mut self) -> Vec<String> {
        let fs = self.model.sample_rate_hz;
        self.pending
            .drain(..)
            .map(|p| {
                format!(
                    "{}: event at {} s (line {}) not decided, the stream ended {:.3} s before its epoch did",
                    self.source.display(),
                    p.event.onset_s,
                    p.event.line,
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
        self.epoch.assign(&rows);
        // baseline as `extract_with_baseline` does it: the same sums in the same order
        let (view, cols) = match self.baseline {
            None => (self.epoch.view(), &self.identity),
            Some((a, b)) => {
                for c in 0..n_ch {
                    let src = self.epoch.column(c);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{ErpSpec, FeatureSpec};
    use crate::model::LdaSpec;
    use crate::pipeline::{ClassifierSpec, LabelledRecording, PipelineSpec};
    use crate::preprocess::{BandPass, FilterMode, Preprocessing};
    use crate::simulate::SimulateSpec;

    #[test]
    fn decisions_equal_offline_for_any_block_size_in_bounded_memory() {
        let sim = SimulateSpec {
            trials: 30,
            ..SimulateSpec::default()
        }
        .recording(0);
        let events: Vec<Event> = sim
            .events
            .iter()
            .map(|&(onset_s, label)| Event {
                onset_s,
                duration_s: 0.0,
                label: label.to_string(),
                line: 0,
            })
            .collect();
        let rec = crate::Recording {
            samples: sim.samples.clone(),
            sample_rate_hz: SimulateSpec::default().sample_rate_hz,
            channel_names: SimulateSpec::channel_names(),
            source: PathBuf::from("sim.csv"),
        };
        let spec = PipelineSpec {
            window: WindowSpec::Epoch {
                start_s: 0.0,
                end_s: 0.8,
            },
            preprocessing: Preprocessing {
                car: true,
                bandpass: Some(BandPass {
                    low_hz: 1.0,
                    high_hz: 10.0,
                    order: 4,
                }),
                filter_mode: FilterMode::Causal,
                ..Default::default()
            },
            features: vec![FeatureSpec::Erp(ErpSpec {
                rate_hz: 20.0,
                channels: None,
            })],
            labels: None,
            classifier: ClassifierSpec::Lda(LdaSpec::default()),
        };
        let input = LabelledRecording {
            recording: rec.clone(),
            events: events.clone(),
            events_path: PathBuf::from("sim_events.csv"),
        };
        let model = spec
            .fit(&spec.training_set(&[input]).unwrap(), Vec::new(), None)
            .unwrap();
        let offline = model.classify(&rec, Some(&events)).unwrap();
        let n_ch = rec.n_channels();
        for block in [1usize, 37, 1000] {
            let mut d = EpochDecoder::new(&model, Path::new("sim.csv")).unwrap();
            for ev in &events {
                assert!(d.push_event(ev).is_none());
            }
            let mut online = Vec::new();
            for chunk in rec.samples.as_slice().unwrap().chunks(block * n_ch) {
                online.extend(d.push(chunk, Instant::now()).unwrap());
                assert!(d.buffered() <= 2 * (model.window_samples + block) + 2);
            }
            let online: Vec<Prediction> = online.into_iter().map(|d| d.prediction).collect();
            assert_eq!(online, offline, "blocks of {block} rows");
            assert!(d.finish().is_empty());
            // an event whose epoch began before the samples still held: a warning, no decision
            let late = Event {
                onset_s: 1.0,
                duration_s: 0.0,
                label: "ok".into(),
                line: 7,
            };
            let warning = d.push_event(&late).expect("a warning");
            assert!(warning.contains("line 7"), "{warning}");
            assert_eq!(d.pending(), 0);
        }
    }
}
