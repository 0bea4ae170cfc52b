//! `eegi features`: write the feature matrix of recordings as CSV — one row per window with its
//! recording, times and label, one column per `<channel>_<band>` — for inspection or other tools.
//! The recordings are pre-processed (re-reference, filters, baseline, rejection) exactly as
//! `train` and `classify` do: with `-m`, as the model says; otherwise as the options say.
//! Unlabelled plain CSV recordings with sliding windows and no pre-processing are read as
//! streams (memory flat in their length); everything else is read whole.

use super::config::{csv_field, fmt_seconds, FeatureArgs, InputArgs, WindowArgs};
use super::preprocess_args::PreprocessArgs;
use crate::features::FeatureSpec;
use crate::io::output::write_atomically;
use crate::io::{open_stream, Format, SampleStream};
use crate::online::{StreamFeatures, WindowFeatures};
use crate::pipeline::{FittedPipeline, LabelledRecording, PipelineSpec, WindowInput, Windowing};
use crate::preprocess::Preprocessing;
use crate::windows::{DropCounts, Window, WindowSpec};
use crate::{Error, Recording, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Options of `eegi features`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recordings (EEG CSV, .csv.gz, EDF/EDF+, BDF/BDF+, BrainVision .vhdr); those with events
    /// give labelled windows, others sliding windows over the whole recording.
    #[arg(required = true, value_name = "RECORDING")]
    pub recordings: Vec<PathBuf>,

    /// Output CSV; `-` writes to stdout.
    #[arg(short, long, value_name = "FEATURES.csv")]
    pub output: PathBuf,

    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub window: WindowArgs,

    #[command(flatten)]
    pub preprocess: PreprocessArgs,

    #[command(flatten)]
    pub features: FeatureArgs,

    /// Compute the features a model computes (its channels, window, pre-processing and
    /// extractors, fitted xDAWN filters included) instead of the options' settings.
    #[arg(short, long, value_name = "MODEL.json")]
    pub model: Option<PathBuf>,
}

/// Runs `eegi features`.
pub fn run(mut args: Args) -> Result<()> {
    args.input
        .check_stdin_once(&args.recordings, args.model.as_deref())?;
    args.input
        .check_output(&args.output, &args.recordings, args.model.as_deref())?;
    let model: Option<FittedPipeline> = args
        .model
        .as_deref()
        .map(|p| super::load_model(Some(p)))
        .transpose()?;
    if let Some(m) = &model {
        args.input.adopt(m)?;
    }
    let (window, preprocessing, specs, channels) = match &model {
        Some(m) => (
            m.window.clone(),
            m.preprocessing.clone(),
            m.features.clone(),
            Some(m.channels.clone()),
        ),
        None => {
            let w = args.window.spec();
            let specs = args.features.specs(w.length_s())?;
            (w, args.preprocess.spec(), specs, None)
        }
    };
    window.check()?;
    preprocessing.check(&window)?;
    if specs.iter().any(FeatureSpec::learns) {
        // extractors that learn (xDAWN) are fitted on the labelled windows, exactly as train
        return supervised(&args, window, preprocessing, specs);
    }
    if let Some(streams) = streamable(&args, &window, &preprocessing)? {
        return stream(&args, model.as_ref(), &window, &specs, channels, streams);
    }
    let windowing = Windowing {
        window: &window,
        preprocessing: &preprocessing,
        labels: args.window.labels.as_deref(),
        channels: channels.as_deref(),
    };
    whole(&args, model.as_ref(), windowing, &specs)
}

/// Features of recordings read whole, windowed by the library's one windowing path (the one
/// `train` takes): labelled windows where a recording has events, sliding windows otherwise.
fn whole(
    args: &Args,
    model: Option<&FittedPipeline>,
    windowing: Windowing,
    specs: &[FeatureSpec],
) -> Result<()> {
    let loaded: Vec<crate::io::Loaded> = args
        .recordings
        .iter()
        .map(|p| args.input.read_loaded(p))
        .collect::<Result<_>>()?;
    // --events, then a sidecar, then the events stored in the file itself
    let mut all_events = Vec::with_capacity(loaded.len());
    for (l, p) in loaded.iter().zip(&args.recordings) {
        all_events.push(args.input.events_of(l, p, loaded.len())?);
    }
    let recordings: Vec<Recording> = loaded.into_iter().map(|l| l.recording).collect();
    let inputs: Vec<WindowInput> = recordings
        .iter()
        .zip(&all_events)
        .map(|(recording, events)| WindowInput {
            recording,
            events: events.as_ref().map(|(e, p)| (&e[..], p.as_path())),
        })
        .collect();
    // a model that resamples takes recordings at any rate (`cut` brings them to its rate)
    if let (Some(m), Some(first)) = (model.filter(|m| !m.resamples()), recordings.first()) {
        windowing.window.check_rate(first.sample_rate_hz)?;
        m.check_rate(&first.source, first.sample_rate_hz)?;
    }
    let cut = windowing.cut(&inputs)?;
    let sources: Vec<&Path> = recordings.iter().map(|r| r.source.as_path()).collect();
    warn_dropped(&sources, &cut.dropped);
    let features = cut.features(specs)?;
    write_csv(
        args,
        &cut.windows,
        &features.names,
        features.matrix.view(),
        cut.sample_rate_hz,
        cut.window_len,
    )
}

/// Says on stderr, for each recording, how many of its windows ran off it and how many
/// epochs `--reject-uv` left out (`train` counts them in the model's summary).
fn warn_dropped(sources: &[&Path], dropped: &[DropCounts]) {
    for (source, d) in sources.iter().zip(dropped) {
        if d.off_recording > 0 {
            eprintln!(
                "eegi: {}: {} windows run off the recording and were dropped",
                source.display(),
                d.off_recording
            );
        }
        if d.rejected_amplitude > 0 {
            eprintln!(
                "eegi: {}: {} epochs rejected for amplitude (--reject-uv) and left out",
                source.display(),
                d.rejected_amplitude
            );
        }
    }
}

/// A recording opened as a stream, with the name its errors use.
type Opened = (PathBuf, Box<dyn SampleStream>);

/// The recordings opened as streams when their windows can be computed as they are read (in
/// memory that does not grow with the length): sliding windows without pre-processing over
/// plain eegi CSV files without events (no `--events`, no sidecar). `None` otherwise.
fn streamable(
    args: &Args,
    window: &WindowSpec,
    preprocessing: &Preprocessing,
) -> Result<Option<Vec<Opened>>> {
    if window.is_event_locked() || !preprocessing.is_identity() {
        return Ok(None);
    }
    let options = args.input.read_options()?;
    let n = args.recordings.len();
    let sample_rate = args.input.checked_sample_rate()?;
    let mut streams = Vec::with_capacity(n);
    for path in &args.recordings {
        // standard input cannot be reread if it turns out not to stream
        if path == Path::new("-")
            || options.needs_whole_file(path)
            || args.input.events_path(path, n)?.is_some()
        {
            return Ok(None);
        }
        let (source, name) = super::classify::open_source(path, false)?;
        let stream = open_stream(source, &name, sample_rate)?;
        // EDF+/BDF+ may hold annotations (events), known only once read
        if stream.description() != Format::Csv.name() {
            return Ok(None);
        }
        streams.push((name, stream));
    }
    Ok(Some(streams))
}

/// Writes the features of sliding windows over each recording as its samples are read.
fn stream(
    args: &Args,
    model: Option<&FittedPipeline>,
    window: &WindowSpec,
    specs: &[FeatureSpec],
    channels: Option<Vec<String>>,
    streams: Vec<Opened>,
) -> Result<()> {
    let channels = channels.unwrap_or_else(|| streams[0].1.channel_names());
    let who = if model.is_some() {
        "the model needs"
    } else {
        "the first recording has"
    };
    let mut failure: Option<Error> = None;
    let mut first_rate: Option<(f64, PathBuf)> = None;
    let written = write_atomically(&args.output, |w| {
        let mut fail = |e: Error| {
            failure = Some(e);
            std::io::Error::other("input failed")
        };
        let mut header_written = false;
        for (r, (name, mut stream)) in streams.into_iter().enumerate() {
            stream.select_channels(&channels, who).map_err(&mut fail)?;
            let mut stream = super::classify::read_ahead(stream);
            let mut features: Option<StreamFeatures> = None;
            let mut rows_read = 0u64;
            let mut windows = 0usize;
            // rows that arrive before the rate is known (a time column needs two rows)
            let mut early: Vec<f64> = Vec::new();
            let shown = args.recordings[r].display().to_string();
            let recording = csv_field(&shown);
            loop {
                match stream.next_block() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => return Err(fail(e)),
                }
                let rate = stream.sample_rate_hz();
                rows_read += stream.last_block().n_rows as u64;
                let samples = &stream.last_block().samples;
                if features.is_none() {
                    let Some(fs) = rate else {
                        early.extend_from_slice(samples);
                        continue;
                    };
                    let f =
                        start_features(&name, fs, model, window, specs, &channels, &mut first_rate)
                            .map_err(&mut fail)?;
                    if !header_written {
                        write_header(w, &f.column_names())?;
                        header_written = true;
                    }
                    features = Some(f);
                }
                let f = features.as_mut().expect("made above");
                let rows = if early.is_empty() {
                    f.push(samples)
                } else {
                    early.extend_from_slice(samples);
                    f.push(&std::mem::take(&mut early))
                }
                .map_err(&mut fail)?;
                let fs = first_rate.as_ref().map_or(1.0, |r| r.0);
                windows += rows.len();
                write_rows(w, &recording, &rows, f.window_len(), fs)?;
            }
            let fs = first_rate.as_ref().map(|r| r.0);
            check_end(&name, fs, features.is_some(), windows, rows_read, window)
                .map_err(&mut fail)?;
        }
        Ok(())
    });
    match failure {
        Some(e) => Err(e),
        None => written,
    }
}

/// At the end of a recording's stream: an error if it never reached a known rate (too few
/// rows) or gave no window (shorter than one).
fn check_end(
    name: &Path,
    fs: Option<f64>,
    started: bool,
    windows: usize,
    rows_read: u64,
    window: &WindowSpec,
) -> Result<()> {
    if !started {
        return Err(crate::io::too_few_rows(name, rows_read));
    }
    if windows == 0 {
        return Err(window.too_short(name, rows_read, fs.unwrap_or(1.0)));
    }
    Ok(())
}

/// Checks the rate of a stream that has just become known (`fs`, Hz) against the window, the
/// model and the first recording (remembered in `first_rate`), and starts its feature stream.
fn start_features(
    name: &Path,
    fs: f64,
    model: Option<&FittedPipeline>,
    window: &WindowSpec,
    specs: &[FeatureSpec],
    channels: &[String],
    first_rate: &mut Option<(f64, PathBuf)>,
) -> Result<StreamFeatures> {
    window.check_rate(fs)?;
    if let Some(m) = model {
        m.check_rate(name, fs)?;
    }
    match first_rate {
        Some((rate, first)) if *rate != fs => {
            return Err(Error::input(format!(
                "{}: sample rate {fs} Hz, but {} has {rate} Hz",
                name.display(),
                first.display()
            )))
        }
        Some(_) => {}
        None => *first_rate = Some((fs, name.to_path_buf())),
    }
    StreamFeatures::new(
        name,
        specs,
        fs,
        window.length_samples(fs),
        window.step_samples(fs),
        channels,
    )
}

/// Writes one CSV row per window of `rows` (start sample, feature values): the recording, the
/// window's start and end (s, at `fs` Hz) and an empty label.
fn write_rows(
    w: &mut dyn Write,
    recording: &str,
    rows: &WindowFeatures,
    window_len: usize,
    fs: f64,
) -> std::io::Result<()> {
    for (start, values) in rows.rows() {
        write!(
            w,
            "{recording},{},{},",
            fmt_seconds(start as f64 / fs),
            fmt_seconds((start + window_len) as f64 / fs),
        )?;
        for v in values {
            write!(w, ",{v}")?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// Writes the feature CSV's header row.
fn write_header(w: &mut dyn Write, names: &[String]) -> std::io::Result<()> {
    write!(w, "recording,start_s,end_s,label")?;
    for n in names {
        write!(w, ",{}", csv_field(n))?;
    }
    writeln!(w)
}

/// Features with extractors fitted on the labelled windows: `train`'s own training set.
fn supervised(
    args: &Args,
    window: WindowSpec,
    preprocessing: Preprocessing,
    specs: Vec<FeatureSpec>,
) -> Result<()> {
    let spec = PipelineSpec {
        window,
        preprocessing,
        features: specs,
        labels: args.window.labels.clone(),
        classifier: crate::model::LogisticSpec::default().into(),
    };
    spec.check()?;
    let inputs: Vec<LabelledRecording> = args.input.load_labelled(&args.recordings)?;
    let set = spec.training_set(&inputs)?;
    let sources: Vec<&Path> = set.sources.iter().map(|p| p.as_path()).collect();
    warn_dropped(&sources, &set.dropped_by_recording);
    write_csv(
        args,
        &set.windows,
        &set.features.names,
        set.features.matrix.view(),
        set.sample_rate_hz,
        set.window_len,
    )
}

/// Writes the feature CSV (atomically; `-` = stdout).
fn write_csv(
    args: &Args,
    windows: &[Window],
    names: &[String],
    matrix: ndarray::ArrayView2<f64>,
    fs: f64,
    len: usize,
) -> Result<()> {
    let recordings: Vec<String> = args
        .recordings
        .iter()
        .map(|p| csv_field(&p.display().to_string()).into_owned())
        .collect();
    write_atomically(&args.output, |w| {
        write_header(w, names)?;
        for (win, row) in windows.iter().zip(matrix.rows()) {
            write!(
                w,
                "{},{},{},{}",
                recordings[win.recording],
                fmt_seconds(win.start as f64 / fs),
                fmt_seconds((win.start + len) as f64 / fs),
                csv_field(win.label.as_deref().unwrap_or(""))
            )?;
            for v in row {
                write!(w, ",{v}")?;
            }
            writeln!(w)?;
        }
        Ok(())
    })
}
