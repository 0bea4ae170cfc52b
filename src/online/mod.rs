//! Window-by-window features and classification of a stream of samples: the online path of a
//! BCI, built from exactly the extractors, scaler and classifier of the offline path.
//! [`StreamFeatures`] buffers about one window of samples and computes the features of every
//! window as soon as its last sample arrives; [`StreamClassifier`] labels them with a model;
//! [`EpochDecoder`] classifies the epoch of each event of an event-locked model as soon as the
//! epoch's last sample arrives.

mod epochs;
pub use epochs::{Decision, EpochDecoder, EventCounts};

use crate::features::{bad_feature, feature_error, BadFeature, Extractor, FeatureSpec};
use crate::pipeline::{FittedPipeline, Prediction};
use crate::{Error, Result};
use ndarray::{ArrayView2, ShapeBuilder};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Windows computed in parallel once a block yields at least this many.
const PARALLEL_WINDOWS: usize = 4;

/// The features of the windows that one block of a stream completed, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowFeatures {
    /// Index of each window's first sample in the stream.
    pub starts: Vec<usize>,
    /// Feature values, one row of `width` per window (in the extractors' column order).
    pub values: Vec<f64>,
    /// Feature values per window.
    pub width: usize,
}

impl WindowFeatures {
    /// Number of windows.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether no window was completed.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Each window's first sample and feature row.
    pub fn rows(&self) -> impl Iterator<Item = (usize, &[f64])> {
        self.starts
            .iter()
            .copied()
            .zip(self.values.chunks_exact(self.width.max(1)))
    }
}

/// Buffers incoming samples (channels in a fixed order) and computes the features of every
/// complete sliding window, holding only about one window of samples (plus the last block)
/// between calls.
pub struct StreamFeatures {
    /// The stream's name in errors (a file, `<stdin>`).
    source: PathBuf,
    specs: Vec<FeatureSpec>,
    sample_rate_hz: f64,
    channel_names: Vec<String>,
    n_channels: usize,
    n_features: usize,
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
    channels: Vec<usize>,
    /// Per-thread extractors (with their FFT plans, buffers and shared Welch segments), kept
    /// from block to block: nothing is planned or allocated per window.
    workers: Vec<Vec<Box<dyn Extractor>>>,
}

impl StreamFeatures {
    /// Prepares the extractors `specs` for windows of `window_len` samples every `step`
    /// samples at `sample_rate_hz`, over `channel_names` in order, for the stream `source`
    /// (named in errors).
    pub fn new(
        source: &Path,
        specs: &[FeatureSpec],
        sample_rate_hz: f64,
        window_len: usize,
        step: usize,
        channel_names: &[String],
    ) -> Result<StreamFeatures> {
        let first = build(specs, sample_rate_hz, window_len, channel_names)?;
        let n_channels = channel_names.len();
        let n_features = first.iter().map(|e| e.n_columns(n_channels)).sum();
        Ok(StreamFeatures {
            source: source.to_path_buf(),
            specs: specs.to_vec(),
            sample_rate_hz,
            channel_names: channel_names.to_vec(),
            n_channels,
            n_features,
            window_len,
            step: step.max(1),
            buffer: Vec::new(),
            capacity: 0,
            buffered: 0,
            buffer_start: 0,
            next_start: 0,
            channels: (0..n_channels).collect(),
            workers: vec![first],
        })
    }

    /// Number of feature values per window.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The feature columns' names, in output order.
    pub fn column_names(&self) -> Vec<String> {
        self.workers[0]
            .iter()
            .flat_map(|e| e.column_names(&self.channel_names))
            .collect()
    }

    /// Window length in samples.
    pub fn window_len(&self) -> usize {
        self.window_len
    }

    /// Adds samples (rows × channels, row-major) and returns the features of every window
    /// completed by them, in time order. A feature that is not finite or is absurdly large
    /// ([`bad_feature`]) is an error naming the window and its largest sample.
    pub fn push(&mut self, samples: &[f64]) -> Result<WindowFeatures> {
        debug_assert_eq!(samples.len() % self.n_channels.max(1), 0);
        self.append(samples);
        let end = self.buffer_start + self.buffered;
        let mut starts = Vec::new();
        while self.next_start + self.window_len <= end {
            starts.push(self.next_start);
            self.next_start += self.step;
        }
        let width = self.n_features;
        // one allocation per block: each window writes its own row
        let mut values = vec![0.0; starts.len() * width];
        if starts.is_empty() {
            return Ok(WindowFeatures {
                starts,
                values,
                width,
            });
        }
        let view = ArrayView2::from_shape(
            (self.buffered, self.n_channels).strides((1, self.capacity)),
            &self.buffer,
        )
        .expect("each channel has room for the buffered rows");
        let threads = if starts.len() >= PARALLEL_WINDOWS {
            rayon::current_num_threads().max(1)
        } else {
            1
        };
        while self.workers.len() < threads {
            let extractors = build(
                &self.specs,
                self.sample_rate_hz,
                self.window_len,
                &self.channel_names,
            )
            .expect("built once already");
            self.workers.push(extractors);
        }
        let (offset, len, channels) = (self.buffer_start, self.window_len, &self.channels);
        let fill = |extractors: &mut Vec<Box<dyn Extractor>>, start: usize, row: &mut [f64]| {
            let window = view.slice(ndarray::s![start - offset..start - offset + len, ..]);
            let mut at = 0;
            for e in extractors.iter_mut() {
                let n = e.n_columns(channels.len());
                e.transform_at(window, channels, start as u64, &mut row[at..at + n]);
                at += n;
            }
        };
        // each worker takes a contiguous run of windows, so it reuses the Welch segments
        // its previous window computed
        let per_worker = starts.len().div_ceil(threads);
        let runs = starts.len().div_ceil(per_worker);
        values
            .par_chunks_mut(per_worker * width.max(1))
            .zip(starts.par_chunks(per_worker))
            .zip(self.workers.par_iter_mut())
            .for_each(|((rows, run), extractors)| {
                for (row, &start) in rows.chunks_exact_mut(width.max(1)).zip(run) {
                    fill(extractors, start, row);
                }
            });
        // the worker that computed the last window holds the segments the next block's first
        // window shares: it takes the first run next time
        self.workers[..runs].rotate_right(1);
        let block = WindowFeatures {
            starts,
            values,
            width,
        };
        self.check_block(&block, view)?;
        Ok(block)
    }

    /// The first window of `block` with a feature that is not finite or is absurdly large, as
    /// an error naming the window and its largest sample (`view`: the buffered samples).
    fn check_block(&self, block: &WindowFeatures, view: ArrayView2<f64>) -> Result<()> {
        for (start, row) in block.rows() {
            if let Some(j) = bad_feature(row) {
                // the window's samples are still buffered: windows completed by this block
                // start at or after `buffer_start`
                let names = self.column_names();
                let window = view.slice(ndarray::s![
                    start - self.buffer_start..start - self.buffer_start + self.window_len,
                    ..
                ]);
                return Err(feature_error(
                    &BadFeature {
                        source: &self.source,
                        sample_rate_hz: self.sample_rate_hz,
                        start,
                        window_len: self.window_len,
                        name: &names[j],
                        value: row[j],
                    },
                    window,
                    &self.channels,
                    &self.channel_names,
                ));
            }
        }
        Ok(())
    }

    /// Appends rows (row-major) to the channel-major buffer, first moving down the rows that
    /// windows still need when there is no room (rarely: the buffer holds a few blocks).
    fn append(&mut self, samples: &[f64]) {
        let n_ch = self.n_channels;
        let rows = samples.len() / n_ch.max(1);
        self.make_room(rows);
        let (capacity, at) = (self.capacity, self.buffered);
        transpose_into(samples, n_ch, &mut self.buffer, capacity, at);
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
            let capacity = self
                .capacity
                .max(line_stride(2 * (kept + rows).max(self.window_len)));
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

/// Values (f64) per 64-byte cache line.
const LINE: usize = 8;

/// The smallest channel stride (in values) of at least `rows` that is a whole, odd number of
/// cache lines: the channels' rows of a transposed tile then fall in different cache sets
/// instead of fighting over a few (a stride of a power of two made the transpose 3-5x slower).
fn line_stride(rows: usize) -> usize {
    let lines = rows.div_ceil(LINE);
    (lines | 1) * LINE
}

/// Writes `samples` (rows × `n_ch`, row-major) into channel-major `buffer` (channel `c`'s row
/// `r` at `c * stride + r`) from row `at` on, in tiles of one cache line per channel.
fn transpose_into(samples: &[f64], n_ch: usize, buffer: &mut [f64], stride: usize, at: usize) {
    let rows = samples.len() / n_ch.max(1);
    let one_row = |buffer: &mut [f64], r: usize| {
        for (c, &v) in samples[r * n_ch..(r + 1) * n_ch].iter().enumerate() {
            buffer[c * stride + at + r] = v;
        }
    };
    // single rows until the destination starts a cache line (the stride is whole lines, so
    // every channel's does at once), then whole-line tiles: each line is written in one go
    let base = buffer.as_ptr() as usize / std::mem::size_of::<f64>();
    let head = ((LINE - (base + at) % LINE) % LINE).min(rows);
    for r in 0..head {
        one_row(buffer, r);
    }
    let mut r = head;
    while r + LINE <= rows {
        let tile = &samples[r * n_ch..(r + LINE) * n_ch];
        for c in 0..n_ch {
            let line = &mut buffer[c * stride + at + r..c * stride + at + r + LINE];
            for (k, v) in line.iter_mut().enumerate() {
                *v = tile[k * n_ch + c];
            }
        }
        r += LINE;
    }
    for r in r..rows {
        one_row(buffer, r);
    }
}

/// One set of ready extractors for `specs`.
fn build(
    specs: &[FeatureSpec],
    sample_rate_hz: f64,
    window_len: usize,
    channel_names: &[String],
) -> Result<Vec<Box<dyn Extractor>>> {
    specs
        .iter()
        .map(|f| f.build_for(sample_rate_hz, window_len, channel_names))
        .collect()
}

/// Labels every complete sliding window of a stream with a fitted model (model channels, in
/// model order), holding only about one window of samples between calls.
pub struct StreamClassifier<'m> {
    model: &'m FittedPipeline,
    features: StreamFeatures,
}

impl<'m> StreamClassifier<'m> {
    /// Prepares a classifier for a sliding-window model, for the stream `source` (named in
    /// errors).
    pub fn new(model: &'m FittedPipeline, source: &Path) -> Result<StreamClassifier<'m>> {
        if model.window.is_event_locked() {
            return Err(Error::input("the model is event-locked (one window per event): stream classification needs a sliding-window model"));
        }
        if !model.preprocessing.is_identity() {
            return Err(Error::input(
                "the model pre-processes whole recordings (filters, re-referencing, baseline): stream classification needs a model without pre-processing",
            ));
        }
        let fs = model.sample_rate_hz;
        let features = StreamFeatures::new(
            source,
            &model.features,
            fs,
            model.window_samples,
            model.window.step_samples(fs),
            &model.channels,
        )?;
        Ok(StreamClassifier { model, features })
    }

    /// Adds samples (rows × model channels, row-major) and returns the predictions of every
    /// window completed by them, in time order. A feature or probability that is not finite is
    /// an error naming the window.
    pub fn push(&mut self, samples: &[f64]) -> Result<Vec<Prediction>> {
        let model = self.model;
        let fs = model.sample_rate_hz;
        let len = self.features.window_len();
        let mut block = self.features.push(samples)?;
        let width = block.width.max(1);
        block
            .values
            .chunks_exact_mut(width)
            .zip(&block.starts)
            .map(|(row, &start)| {
                model.scaler.transform_row(row);
                let mut probabilities = vec![0.0; model.classes.len()];
                model
                    .classifier
                    .predict_proba_row(ndarray::ArrayView1::from(&*row), &mut probabilities);
                let start_s = start as f64 / fs;
                let end_s = (start + len) as f64 / fs;
                model.check_probabilities(&self.features.source, start_s, end_s, &probabilities)?;
                Ok(Prediction {
                    start_s,
                    end_s,
                    class: model.decide(&probabilities),
                    probabilities,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{read_recording, CsvOptions};
    use crate::windows::WindowSpec;
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
            let mut clf = StreamClassifier::new(&model, Path::new("rec.csv")).unwrap();
            let mut online = Vec::new();
            for chunk in samples.chunks(block_rows * n_ch) {
                online.extend(clf.push(chunk).unwrap());
            }
            assert_eq!(online, offline, "blocks of {block_rows} rows");
            // memory: never much more than twice a window plus one block (each channel's rows
            // padded to an odd number of cache lines)
            assert!(
                clf.features.buffer.len()
                    <= (2 * (model.window_samples + block_rows) + 2 * LINE) * n_ch,
                "{} values buffered for blocks of {block_rows} rows",
                clf.features.buffer.len()
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
        let mut clf = StreamClassifier::new(&model, Path::new("rec.csv")).unwrap();
        let mut online = Vec::new();
        for chunk in rec
            .samples
            .as_slice()
            .unwrap()
            .chunks(100 * rec.n_channels())
        {
            online.extend(clf.push(chunk).unwrap());
        }
        assert_eq!(online, offline);
    }
}
