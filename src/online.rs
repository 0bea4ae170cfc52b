//! Window-by-window classification of a stream of samples with a fitted model: the online path
//! of a BCI, built from exactly the extractors, scaler and classifier of the offline path.

use crate::features::Extractor;
use crate::pipeline::{FittedPipeline, Prediction};
use crate::windows::WindowSpec;
use crate::{Error, Result};
use ndarray::{ArrayView2, ShapeBuilder};
use rayon::prelude::*;

/// Windows computed in parallel once a block yields at least this many.
const PARALLEL_WINDOWS: usize = 4;

/// One thread's extractors (with their FFT plans and buffers) and feature row.
type Worker = (Vec<Box<dyn Extractor>>, Vec<f64>);

/// Buffers incoming samples (model channels, in model order) and labels every complete
/// sliding window, holding only about one window of samples between calls.
pub struct StreamClassifier<'m> {
    model: &'m FittedPipeline,
    n_channels: usize,
    window_len: usize,
    step: usize,
    /// Buffered samples, channel-major: channel `c`'s row `r` at `c * capacity + r`, so each
    /// channel of a window is one contiguous run that Welch reads in place.
    buffer: Vec<f64>,
    /// Rows each channel has room for in `buffer`.
    capacity: usize,
    /// Rows buffered.
    buffered: usize,
    /// Absolute index of the first buffered sample.
    buffer_start: usize,
    /// Absolute index of the next window's first sample.
    next_start: usize,
    extractors: Vec<Box<dyn Extractor>>,
    channels: Vec<usize>,
    row: Vec<f64>,
    /// Per-thread extractors and feature rows for blocks computed in parallel, reused.
    workers: Vec<Worker>,
}

impl<'m> StreamClassifier<'m> {
    /// Prepares a classifier for a sliding-window model.
    pub fn new(model: &'m FittedPipeline) -> Result<StreamClassifier<'m>> {
        let step_s = match model.window {
            WindowSpec::Sliding { step_s, .. } => step_s,
            WindowSpec::Epoch { .. } => {
                return Err(Error::input("the model is event-locked (one window per event): stream classification needs a sliding-window model"))
            }
        };
        if !model.preprocessing.is_identity() {
            return Err(Error::input(
                "the model pre-processes whole recordings (filters, re-referencing, baseline): stream classification needs a model without pre-processing",
            ));
        }
        let fs = model.sample_rate_hz;
        let extractors = model
            .features
            .iter()
            .map(|f| f.build_for(fs, model.window_samples, &model.channels))
            .collect::<Result<Vec<_>>>()?;
        Ok(StreamClassifier {
            n_channels: model.channels.len(),
            window_len: model.window_samples,
            step: (step_s * fs).round().max(1.0) as usize,
            buffer: Vec::new(),
            capacity: 0,
            buffered: 0,
            buffer_start: 0,
            next_start: 0,
            extractors,
            channels: (0..model.channels.len()).collect(),
            row: vec![0.0; model.feature_names.len()],
            workers: Vec::new(),
            model,
        })
    }

    /// Adds samples (rows × model channels, row-major) and returns the predictions of every
    /// window completed by them, in time order.
    pub fn push(&mut self, samples: &[f64]) -> Vec<Prediction> {
        debug_assert_eq!(samples.len() % self.n_channels, 0);
        self.append(samples);
        self.classify_ready()
    }

    /// Labels every window the buffered samples complete.
    fn classify_ready(&mut self) -> Vec<Prediction> {
        let end = self.buffer_start + self.buffered;
        let mut starts = Vec::new();
        while self.next_start + self.window_len <= end {
            starts.push(self.next_start);
            self.next_start += self.step;
        }
        let view = ArrayView2::from_shape(
            (self.buffered, self.n_channels).strides((1, self.capacity)),
            &self.buffer,
        )
        .expect("each channel has room for the buffered rows");
        let offset = self.buffer_start;
        let model = self.model;
        let len = self.window_len;
        let predictions = if starts.len() >= PARALLEL_WINDOWS {
            // one worker state (extractors with their FFT plans and buffers) per thread, kept
            // from block to block: nothing is planned or allocated per window
            let threads = rayon::current_num_threads().max(1);
            while self.workers.len() < threads {
                let extractors = model
                    .features
                    .iter()
                    .map(|f| f.build_for(model.sample_rate_hz, len, &model.channels))
                    .collect::<Result<Vec<_>>>()
                    .expect("validated when the stream started");
                self.workers
                    .push((extractors, vec![0.0; model.feature_names.len()]));
            }
            let channels = &self.channels;
            let per_worker = starts.len().div_ceil(threads);
            let parts: Vec<Vec<Prediction>> = starts
                .par_chunks(per_worker)
                .zip(self.workers.par_iter_mut())
                .map(|(part, (extractors, row))| {
                    part.iter()
                        .map(|&s| {
                            predict_window(model, extractors, row, view, channels, s - offset, s)
                        })
                        .collect()
                })
                .collect();
            parts.into_iter().flatten().collect()
        } else {
            starts
                .iter()
                .map(|&s| {
                    predict_window(
                        model,
                        &mut self.extractors,
                        &mut self.row,
                        view,
                        &self.channels,
                        s - offset,
                        s,
                    )
                })
                .collect()
        };
        predictions
    }

    /// Appends rows (row-major) to the channel-major buffer, first moving down the rows that
    /// windows still need when there is no room (rarely: the buffer holds a few blocks).
    fn append(&mut self, samples: &[f64]) {
        let n_ch = self.n_channels;
        let rows = samples.len() / n_ch.max(1);
        self.make_room(rows);
        // transpose row by row (64 write streams, one value each per row): measured faster
        // than tiles or parallel groups, whose reads cross cores
        let (capacity, at) = (self.capacity, self.buffered);
        for (r, row) in samples.chunks_exact(n_ch).enumerate() {
            for (c, &v) in row.iter().enumerate() {
                self.buffer[c * capacity + at + r] = v;
            }
        }
        self.buffered += rows;
    }

    /// Makes room for `rows` more rows: moves down the rows windows still need, growing the
    /// buffer (to twice what is needed) when that is not enough.
    fn make_room(&mut self, rows: usize) {
        let n_ch = self.n_channels;
        if self.buffered + rows > self.capacity {
            let end = self.buffer_start + self.buffered;
            let keep_from = self.next_start.min(end);
            let dropped = keep_from - self.buffer_start;
            let kept = self.buffered - dropped;
            let capacity = self.capacity.max(2 * (kept + rows).max(self.window_len));
            if capacity > self.capacity {
                let mut grown = vec![0.0; n_ch * capacity];
                for c in 0..n_ch {
                    let from = c * self.capacity + dropped;
                    grown[c * capacity..c * capacity + kept]
                        .copy_from_slice(&self.buffer[from..from + kept]);
                }
                self.buffer = grown;
                self.capacity = capacity;
            } else {
                for c in 0..n_ch {
                    let from = c * capacity + dropped;
                    self.buffer.copy_within(from..from + kept, c * capacity);
                }
            }
            self.buffer_start = keep_from;
            self.buffered = kept;
        }
    }
}

/// Features, scaling and class probabilities of the window starting at buffer row `at`
/// (absolute sample `start`).
fn predict_window(
    model: &FittedPipeline,
    extractors: &mut [Box<dyn Extractor>],
    row: &mut [f64],
    view: ArrayView2<f64>,
    channels: &[usize],
    at: usize,
    start: usize,
) -> Prediction {
    let len = model.window_samples;
    let window = view.slice(ndarray::s![at..at + len, ..]);
    let mut offset = 0;
    for e in extractors.iter_mut() {
        let width = e.n_columns(channels.len());
        e.transform_at(
            window,
            channels,
            start as u64,
            &mut row[offset..offset + width],
        );
        offset += width;
    }
    model.scaler.transform_row(row);
    let mut probabilities = vec![0.0; model.classes.len()];
    model
        .classifier
        .predict_proba_row(ndarray::ArrayView1::from(&*row), &mut probabilities);
    let fs = model.sample_rate_hz;
    Prediction {
        start_s: start as f64 / fs,
        end_s: (start + len) as f64 / fs,
        class: model.decide(&probabilities),
        probabilities,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{read_recording, CsvOptions};
    use std::path::Path;

    #[test]
    fn streaming_gives_exactly_the_offline_predictions() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let model =
            FittedPipeline::from_json(Path::new("default"), crate::cli::DEFAULT_MODEL).unwrap();
        let rec = read_recording(
            &root.join("data/eyes_open_then_closed.csv"),
            &CsvOptions::default(),
        )
        .unwrap();
        let offline = model.classify(&rec, None).unwrap();
        let samples = rec.samples.as_slice().unwrap();
        let n_ch = rec.n_channels();
        // blocks of odd sizes: single samples, then large blocks
        for block_rows in [1usize, 37, 1000, 10_000] {
            let mut clf = StreamClassifier::new(&model).unwrap();
            let mut online = Vec::new();
            for chunk in samples.chunks(block_rows * n_ch) {
                online.extend(clf.push(chunk));
            }
            assert_eq!(online, offline, "blocks of {block_rows} rows");
            // memory: never much more than twice a window plus one block
            assert!(
                clf.buffer.len() <= 2 * (model.window_samples + block_rows) * n_ch,
                "{} values buffered for blocks of {block_rows} rows",
                clf.buffer.len()
            );
        }
    }

    #[test]
    fn streaming_honours_an_erp_channel_subset() {
        use crate::features::{ErpSpec, FeatureSpec};
        use crate::pipeline::{LabelledRecording, PipelineSpec};
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let open =
            read_recording(&root.join("data/eyes_open.csv"), &CsvOptions::default()).unwrap();
        let events = crate::io::read_events(&root.join("data/eyes_open_events.csv")).unwrap();
        let closed =
            read_recording(&root.join("data/eyes_closed.csv"), &CsvOptions::default()).unwrap();
        let closed_events =
            crate::io::read_events(&root.join("data/eyes_closed_events.csv")).unwrap();
        let spec = PipelineSpec {
            window: WindowSpec::Sliding {
                window_s: 1.0,
                step_s: 0.5,
            },
            features: vec![FeatureSpec::Erp(ErpSpec {
                rate_hz: 10.0,
                channels: Some(vec!["O2".into(), "Cz".into()]),
            })],
            labels: None,
            preprocessing: Default::default(),
            classifier: crate::model::LogisticSpec::default().into(),
        };
        let inputs = [
            LabelledRecording {
                recording: open,
                events,
                events_path: "a".into(),
            },
            LabelledRecording {
                recording: closed,
                events: closed_events,
                events_path: "b".into(),
            },
        ];
        let set = spec.training_set(&inputs).unwrap();
        let model = spec.fit(&set, vec![], None).unwrap();
        let rec = read_recording(
            &root.join("data/eyes_open_then_closed.csv"),
            &CsvOptions::default(),
        )
        .unwrap();
        let offline = model.classify(&rec, None).unwrap();
        let mut clf = StreamClassifier::new(&model).unwrap();
        let mut online = Vec::new();
        for chunk in rec
            .samples
            .as_slice()
            .unwrap()
            .chunks(100 * rec.n_channels())
        {
            online.extend(clf.push(chunk));
        }
        assert_eq!(online, offline);
    }
}
