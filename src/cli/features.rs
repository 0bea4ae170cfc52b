//! `eegi features`: write the feature matrix of recordings as CSV — one row per window with its
//! recording, times and label, one column per `<channel>_<band>` — for inspection or other tools.
//! The recordings are pre-processed (re-reference, filters, baseline, rejection) exactly as
//! `train` and `classify` do: with `-m`, as the model says; otherwise as the options say.
//! Unlabelled plain CSV recordings with sliding windows and no pre-processing are read as
//! streams (memory flat in their length); everything else is read whole.

use super::config::{csv_field, fmt_seconds, FeatureArgs, InputArgs, PreprocessArgs, WindowArgs};
use crate::features::{extract_with_baseline, FeatureSpec};
use crate::io::output::write_atomically;
use crate::io::{open_stream, Format, SampleStream};
use crate::online::StreamFeatures;
use crate::pipeline::{FittedPipeline, LabelledRecording, PipelineSpec};
use crate::preprocess::Preprocessing;
use crate::windows::{Window, WindowSpec};
use crate::{Error, Recording, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Options of `eegi features`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// EEG CSV recordings; those with events give labelled windows, others sliding windows
    /// over the whole recording.
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
pub fn run(args: Args) -> Result<()> {
    args.input
        .check_stdin_once(&args.recordings, args.model.as_deref())?;
    args.input
        .check_output(&args.output, &args.recordings, args.model.as_deref())?;
    let model: Option<FittedPipeline> = args
        .model
        .as_deref()
        .map(|p| super::load_model(Some(p)))
        .transpose()?;
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
    if specs.iter().any(FeatureSpec::needs_fit) {
        // supervised extractors (xDAWN) are fitted on the labelled windows, exactly as train
        return supervised(&args, window, preprocessing, specs);
    }
    if let Some(streams) = streamable(&args, &window, &preprocessing)? {
        return stream(&args, model.as_ref(), &window, &specs, channels, streams);
    }
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
    let first = &recordings[0];
    let fs = first.sample_rate_hz;
    window.check_rate(fs)?;
    if let Some(m) = &model {
        m.check_rate(&first.source, fs)?;
    }
    let channels = channels.unwrap_or_else(|| first.channel_names.clone());
    let len = window.length_samples(fs);
    let baseline = preprocessing.baseline_range(&window, fs);
    let mut windows: Vec<Window> = Vec::new();
    let mut columns = Vec::new();
    let mut prepared = Vec::new();
    for (r, rec) in recordings.iter().enumerate() {
        if rec.sample_rate_hz != fs {
            return Err(Error::input(format!(
                "{}: sample rate {} Hz, but {} has {fs} Hz",
                rec.source.display(),
                rec.sample_rate_hz,
                first.source.display()
            )));
        }
        let cols = channels
            .iter()
            .map(|c| {
                rec.channel_index(c).ok_or_else(|| {
                    Error::input(format!(
                        "{}: missing channel {c} that {}",
                        rec.source.display(),
                        if model.is_some() {
                            "the model needs"
                        } else {
                            "the first recording has"
                        }
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if rec.n_samples() < len {
            return Err(window.too_short(&rec.source, rec.n_samples() as u64, fs));
        }
        let (rec, cols) = preprocessing.apply(rec, cols)?;
        match &all_events[r] {
            Some((events, events_path)) => {
                let (mut w, d) = window.labelled(
                    r,
                    rec.n_samples(),
                    fs,
                    events,
                    args.window.labels.as_deref(),
                );
                window.check_labelled(events_path, events, &w, len)?;
                if d.off_recording > 0 {
                    eprintln!(
                        "eegi: {}: {} windows run off the recording and were dropped",
                        rec.source.display(),
                        d.off_recording
                    );
                }
                // as train: epochs above --reject-uv are left out (and counted)
                if preprocessing.reject_uv.is_some() {
                    let before = w.len();
                    w.retain(|win| !preprocessing.rejects(&rec, win, len, &cols, baseline));
                    if before > w.len() {
                        eprintln!(
                            "eegi: {}: {} epochs rejected for amplitude (--reject-uv) and left out",
                            rec.source.display(),
                            before - w.len()
                        );
                    }
                }
                windows.extend(w);
            }
            None => windows.extend(window.continuous(r, rec.n_samples(), fs)),
        }
        columns.push(cols);
        prepared.push(rec);
    }
    let refs: Vec<&Recording> = prepared.iter().map(|r| r.as_ref()).collect();
    let features = extract_with_baseline(
        &specs, fs, len, &refs, &columns, &channels, &windows, baseline,
    )?;
    write_csv(
        &args,
        &windows,
        &features.names,
        features.matrix.view(),
        fs,
        len,
    )
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
    let channels = match channels {
        Some(c) => c,
        None => streams[0].1.channel_names(),
    };
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
                    let mut start = || -> Result<StreamFeatures> {
                        window.check_rate(fs)?;
                        if let Some(m) = model {
                            m.check_rate(&name, fs)?;
                        }
                        match &first_rate {
                            Some((rate, first)) if *rate != fs => {
                                return Err(Error::input(format!(
                                    "{}: sample rate {fs} Hz, but {} has {rate} Hz",
                                    name.display(),
                                    first.display()
                                )))
                            }
                            Some(_) => {}
                            None => first_rate = Some((fs, name.clone())),
                        }
                        StreamFeatures::new(
                            &name,
                            specs,
                            fs,
                            window.length_samples(fs),
                            window.step_samples(fs),
                            &channels,
                        )
                    };
                    let f = start().map_err(&mut fail)?;
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
                for (start, values) in rows.rows() {
                    write!(
                        w,
                        "{recording},{},{},",
                        fmt_seconds(start as f64 / fs),
                        fmt_seconds((start + f.window_len()) as f64 / fs),
                    )?;
                    for v in values {
                        write!(w, ",{v}")?;
                    }
                    writeln!(w)?;
                }
            }
            if features.is_none() {
                return Err(fail(crate::io::too_few_rows(&name, rows_read)));
            }
            if windows == 0 {
                let fs = first_rate.as_ref().map_or(1.0, |r| r.0);
                return Err(fail(window.too_short(&name, rows_read, fs)));
            }
        }
        Ok(())
    });
    match failure {
        Some(e) => Err(e),
        None => written,
    }
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
