//! The one windowing path of eegi: recordings (with their events, when they have any) → rate
//! and channel checks → pre-processing → labelled windows (or sliding windows over a recording
//! without events) → amplitude rejection. `train` ([`PipelineSpec::training_set`]) and
//! `features` both cut their windows here, so the two cannot differ.

use super::*;
use std::borrow::Cow;

/// A recording to cut windows from, with its events and the file they came from when it has
/// any (a recording without events gives sliding windows over its whole length).
#[derive(Debug, Clone, Copy)]
pub struct WindowInput<'a> {
    /// The EEG.
    pub recording: &'a Recording,
    /// Its events and their file, if any.
    pub events: Option<(&'a [Event], &'a Path)>,
}

impl<'a> From<&'a LabelledRecording> for WindowInput<'a> {
    fn from(l: &'a LabelledRecording) -> Self {
        WindowInput {
            recording: &l.recording,
            events: Some((&l.events, &l.events_path)),
        }
    }
}

/// A recording pre-processed for windowing, and the column of each model channel in it.
type Prepared<'r> = (Cow<'r, Recording>, Vec<usize>);

/// How windows are cut and prepared: the part of a pipeline that comes before its features.
#[derive(Debug, Clone, Copy)]
pub struct Windowing<'a> {
    /// How windows are cut.
    pub window: &'a WindowSpec,
    /// Reference, filters, baseline and epoch rejection.
    pub preprocessing: &'a Preprocessing,
    /// Labels to keep (all when `None`).
    pub labels: Option<&'a [String]>,
    /// Channels in model order (a model's), or `None` for the first recording's.
    pub channels: Option<&'a [String]>,
}

/// Windows cut from pre-processed recordings, ready for feature extraction.
#[derive(Debug, Clone)]
pub struct Windowed<'a> {
    /// Channel names in model order.
    pub channels: Vec<String>,
    /// Sample rate shared by all recordings, Hz.
    pub sample_rate_hz: f64,
    /// Window length in samples.
    pub window_len: usize,
    /// Baseline interval as a sample range of the window, if any.
    pub baseline: Option<(usize, usize)>,
    /// The pre-processed recordings (indexed by [`Window::recording`]).
    pub recordings: Vec<Cow<'a, Recording>>,
    /// For each recording, the column of each model channel.
    pub columns: Vec<Vec<usize>>,
    /// The windows, in recording then time order.
    pub windows: Vec<Window>,
    /// Windows and events not used and why, per recording.
    pub dropped: Vec<DropCounts>,
}

impl<'a> Windowing<'a> {
    /// Cuts the windows of every input: the rates must agree (and be high enough for the
    /// window), each recording must hold the model channels, and it is pre-processed before
    /// windows are cut. A recording with events gives its labelled windows: windows off the
    /// recording are counted in [`Windowed::dropped`], and a recording whose every window runs
    /// off is an error; epochs above `--reject-uv` are left out and counted. A recording
    /// without events gives sliding windows over its whole length, and is an error when shorter
    /// than one window.
    pub fn cut(&self, inputs: &[WindowInput<'a>]) -> Result<Windowed<'a>> {
        let first = inputs
            .first()
            .ok_or_else(|| Error::input("no recordings given"))?
            .recording;
        // with --resample every recording is brought to that rate, whatever its own
        let fs = self.preprocessing.rate_for(first.sample_rate_hz);
        self.window.check_rate(fs)?;
        let (channels, who) = match self.channels {
            Some(c) => (c.to_vec(), "the model needs"),
            None => (first.channel_names.clone(), "the first recording has"),
        };
        let window_len = self.window.length_samples(fs);
        self.preprocessing.filters(fs)?;
        let mut out = Windowed {
            channels,
            sample_rate_hz: fs,
            window_len,
            baseline: self.preprocessing.baseline_range(self.window, fs),
            recordings: Vec::with_capacity(inputs.len()),
            columns: Vec::with_capacity(inputs.len()),
            windows: Vec::new(),
            dropped: Vec::with_capacity(inputs.len()),
        };
        // each recording checked and pre-processed on its own (in parallel); the first error in
        // recording order is the one reported, as when they ran one after the other
        let prepared: Vec<Result<Prepared>> = {
            use rayon::prelude::*;
            let out = &out;
            inputs
                .par_iter()
                .map(|input| self.prepare(input, first, out, who, fs))
                .collect()
        };
        for ((r, input), prepared) in inputs.iter().enumerate().zip(prepared) {
            let (rec, cols) = prepared?;
            let (w, d) = match input.events {
                Some((events, events_path)) => {
                    self.labelled(r, &rec, &cols, events, events_path, out.baseline)?
                }
                None => (
                    self.window.continuous(r, rec.n_samples(), fs),
                    DropCounts::default(),
                ),
            };
            out.windows.extend(w);
            out.dropped.push(d);
            out.columns.push(cols);
            out.recordings.push(rec);
        }
        Ok(out)
    }

    /// One recording checked (rate, model channels, length) and pre-processed, with the
    /// columns of the model channels in it.
    fn prepare<'r>(
        &self,
        input: &WindowInput<'r>,
        first: &Recording,
        out: &Windowed,
        who: &str,
        fs: f64,
    ) -> Result<Prepared<'r>> {
        let rec = input.recording;
        if self.preprocessing.resample_hz.is_none() && rec.sample_rate_hz != fs {
            return Err(Error::input(format!(
                "{}: sample rate {} Hz, but {} has {fs} Hz; recordings of one model must share a rate",
                rec.source.display(),
                rec.sample_rate_hz,
                first.source.display()
            )));
        }
        let cols = channel_columns(rec, &out.channels, who)?;
        let n_samples = self
            .preprocessing
            .samples_for(rec.n_samples(), rec.sample_rate_hz)
            .map_err(|e| Error::input(format!("{}: {}", rec.source.display(), e.message)))?;
        if input.events.is_none() && n_samples < out.window_len {
            return Err(self.window.too_short(&rec.source, n_samples as u64, fs));
        }
        self.preprocessing.apply(rec, cols)
    }

    /// The labelled windows of one pre-processed recording (`r`-th, model channels in columns
    /// `cols`) from its `events` (read from `events_path`), with epochs above `--reject-uv`
    /// left out, and why any were dropped.
    fn labelled(
        &self,
        r: usize,
        rec: &Recording,
        cols: &[usize],
        events: &[Event],
        events_path: &Path,
        baseline: Option<(usize, usize)>,
    ) -> Result<(Vec<Window>, DropCounts)> {
        let fs = rec.sample_rate_hz;
        let window_len = self.window.length_samples(fs);
        let (mut w, mut d) = self
            .window
            .labelled(r, rec.n_samples(), fs, events, self.labels);
        self.window
            .check_labelled(events_path, events, &w, window_len)?;
        if w.is_empty() && d.off_recording > 0 {
            return Err(Error::input(format!(
                "{}: all {} windows run off the recording ({:.3} s long), expected windows inside it; check --epoch and the onsets in {}",
                rec.source.display(),
                d.off_recording,
                rec.duration_s(),
                events_path.display()
            )));
        }
        if self.preprocessing.reject_uv.is_some() {
            let before = w.len();
            w.retain(|win| {
                !self
                    .preprocessing
                    .rejects(rec, win, window_len, cols, baseline)
            });
            d.rejected_amplitude += before - w.len();
        }
        Ok((w, d))
    }
}

impl Windowed<'_> {
    /// Windows and events not used, summed over the recordings.
    pub fn dropped_total(&self) -> DropCounts {
        let mut total = DropCounts::default();
        for d in &self.dropped {
            total.add(d);
        }
        total
    }

    /// The recordings as [`crate::features`] takes them.
    fn refs(&self) -> Vec<&Recording> {
        self.recordings.iter().map(|r| r.as_ref()).collect()
    }

    /// The features of every window under extractors that need no fitting (or are fitted),
    /// baseline-corrected; a feature that is not finite or absurdly large is an error naming
    /// its window.
    pub fn features(&self, specs: &[FeatureSpec]) -> Result<Features> {
        extract_with_baseline(
            specs,
            self.sample_rate_hz,
            self.window_len,
            &self.refs(),
            &self.columns,
            &self.channels,
            &self.windows,
            self.baseline,
        )
    }

    /// The baseline-corrected epochs of every window, windows × samples × model channels.
    pub fn epochs(&self) -> ndarray::Array3<f64> {
        crate::features::epochs(
            self.window_len,
            &self.refs(),
            &self.columns,
            &self.windows,
            self.baseline,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(n: usize) -> Recording {
        Recording {
            samples: ndarray::Array2::from_shape_fn((n, 2), |(i, c)| (i * (c + 1)) as f64),
            sample_rate_hz: 10.0,
            channel_names: vec!["Cz".into(), "Pz".into()],
            source: "rec.csv".into(),
        }
    }

    fn event(onset_s: f64, label: &str) -> Event {
        Event {
            onset_s,
            duration_s: 0.0,
            label: label.into(),
            line: 2,
        }
    }

    #[test]
    fn windows_off_the_recording_are_counted_and_all_off_is_an_error() {
        let window = WindowSpec::Epoch {
            start_s: 0.0,
            end_s: 1.0,
        };
        let preprocessing = Preprocessing::default();
        let w = Windowing {
            window: &window,
            preprocessing: &preprocessing,
            labels: None,
            channels: None,
        };
        let r = rec(100); // 10 s
        let some_off = [event(1.0, "a"), event(5.0, "b"), event(9.5, "a")];
        let path = Path::new("rec_events.csv");
        let cut = w
            .cut(&[WindowInput {
                recording: &r,
                events: Some((&some_off, path)),
            }])
            .unwrap();
        assert_eq!(cut.windows.len(), 2);
        assert_eq!(cut.dropped[0].off_recording, 1);
        let all_off = [event(20.0, "a"), event(30.0, "b")];
        let e = w
            .cut(&[WindowInput {
                recording: &r,
                events: Some((&all_off, path)),
            }])
            .unwrap_err();
        assert!(
            e.message.contains("all 2 windows run off the recording"),
            "{e}"
        );
        // without events: sliding windows over the whole recording; shorter than one is an error
        let cut = w
            .cut(&[WindowInput {
                recording: &r,
                events: None,
            }])
            .unwrap();
        assert_eq!(cut.windows.len(), 10);
        let short = rec(5);
        let e = w
            .cut(&[WindowInput {
                recording: &short,
                events: None,
            }])
            .unwrap_err();
        assert!(e.message.contains("expected at least one window"), "{e}");
    }
}
