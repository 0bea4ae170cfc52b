//! `eegi classify`: label each window of a recording with a trained model (the embedded
//! default when no -m is given), as CSV or JSON lines. Sliding-window models read the recording
//! as a stream — from a file, from standard input (`-`), or from a file still being written
//! (`--follow`) — so memory stays flat whatever its length; event-locked models label one
//! window per event: from a file at once, or — when trained with `--causal-filters` — from a
//! stream, each event decided as soon as its epoch's last sample arrives.

pub(super) use super::classify_out::{write_decisions, write_header, write_rows, Format, Labels};
use super::classify_truth as scoring;
use super::config::{csv_field, InputArgs};
use super::load_model;
use crate::io::open_stream;
use crate::io::output::write_atomically;
use crate::io::prefetch::Prefetch;
use crate::io::SampleStream;
use crate::online::{EpochDecoder, StreamClassifier};
use crate::pipeline::{FittedPipeline, Prediction};
use crate::{Error, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Options of `eegi classify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The recording to label (EEG CSV, .csv.gz, EDF/EDF+, BDF/BDF+, BrainVision .vhdr); `-`
    /// reads standard input.
    /// Not given with --lsl.
    #[arg(
        value_name = "RECORDING",
        required_unless_present = "lsl",
        conflicts_with = "lsl",
        default_value = "-"
    )]
    pub recording: PathBuf,

    /// Model file written by `eegi train`. Default: the embedded eyes-open/eyes-closed model
    /// (PhysioNet EEGMMIDB subject 1, 64 channels, 160 Hz).
    #[arg(short, long, value_name = "MODEL.json")]
    pub model: Option<PathBuf>,

    /// Output file; `-` (the default) writes to stdout, flushed after every block of windows.
    #[arg(short, long, value_name = "OUT", default_value = "-")]
    pub output: PathBuf,

    /// Output format: csv (`start_s,end_s,label,p_<class>...`, then `true_label` when the
    /// recording file has events) or jsonl (one object a line).
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,

    /// Keep reading RECORDING as it grows (as a headset recorder writes it) and print each
    /// window's label as soon as it is complete, until interrupted. Output goes to stdout.
    /// A file that does not exist yet is waited for (the recorder may start after eegi).
    /// Windows already in the file are labelled at once. A followed file that is truncated,
    /// rewritten in place, replaced or removed ends the run with an error (exit 2) that says
    /// so: its new bytes are never read at the old offset. Eegi CSV, EDF/BDF, and BrainFlow
    /// board files (--board; an event-locked model decides each marker of its marker column).
    /// No true labels on a followed file (nor on standard input).
    #[arg(long)]
    pub follow: bool,

    /// Event-locked models: decide only events with these labels (after the event map); without
    /// it every event is decided, with a note naming labels that are not classes. Sliding
    /// windows: only these segments give true labels. A label no event has is warned of.
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub labels: Option<Vec<String>>,

    /// Leave out the `true_label` column/field. A recording file with events (sidecar, --events,
    /// annotations, vendor markers) gets one: the label of the segment a sliding window lies
    /// wholly inside (empty when none, or two), or an epoch's event label; stderr ends with the
    /// accuracy and balanced accuracy of windows whose true label is a model class (NOT held out
    /// when the recording is a training input, by SHA-256). Never on standard input or --follow.
    #[arg(long)]
    pub no_true_label: bool,

    /// Live streams (--lsl, --follow, `-`): run the decoder under real-time scheduling (Linux
    /// SCHED_FIFO, priority 20), so a busy machine does not make a decision wait for a core:
    /// with liblsl 1.18, from the last sample's arrival to the decision pushed on --lsl-out
    /// took p50 66 / p99 161 µs against 105 / 240 µs without (210 epochs, 64 channels at 512
    /// Hz, docs/erp.md). Needs root, CAP_SYS_NICE or an rtprio allowance; refused, eegi warns
    /// and decides at normal priority.
    #[arg(long)]
    pub realtime: bool,

    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub lsl: super::lsl_args::LslArgs,
}

impl Args {
    /// Whether the input is a live stream: LSL, a followed file, or standard input.
    pub fn live(&self) -> bool {
        self.lsl.active() || self.follow || self.recording == Path::new("-")
    }
}

/// Runs `eegi classify`.
// long: the choice of stream or whole file, then the whole-file path with its true labels
pub fn run(mut args: Args) -> Result<()> {
    args.input
        .check_stdin_once(std::slice::from_ref(&args.recording), args.model.as_deref())?;
    args.input.check_output(
        &args.output,
        std::slice::from_ref(&args.recording),
        args.model.as_deref(),
    )?;
    let model = load_model(args.model.as_deref())?;
    args.input.adopt(&model)?;
    if args.follow && args.output != Path::new("-") {
        return Err(Error::input(
            "--follow writes to stdout: drop -o, or redirect stdout",
        ));
    }
    // pre-processing (filters, re-referencing, baseline) runs on the whole recording, so such
    // models are classified offline
    let model_offline = model.window.is_event_locked() || !model.preprocessing.is_identity();
    // a live stream (--lsl runs classify_lsl, not this)
    let streamed = args.live();
    // vendor dialects, channel choice and renaming read the whole file (stdin too), except a
    // BrainFlow file (--board) on a stream
    let reader_offline = !(streamed && board_streams(&args)?)
        && args.input.read_options()?.needs_whole_file(&args.recording);
    if reader_offline && args.follow {
        return Err(Error::input(
            "--follow reads plain eegi CSV, EDF/BDF and BrainFlow board files (--board) only (no other vendor dialect, --channels, --rename of a CSV, or _channels.tsv)",
        ));
    }
    if model.window.is_event_locked() && streamed && !reader_offline {
        return stream_events(&args, &model);
    }
    if model_offline || reader_offline {
        if model_offline && streamed {
            if !model.preprocessing.is_streamable() {
                return Err(Error::input(
                    "the model was trained with zero-phase filters (non-causal), which cannot run on a stream; retrain it with --causal-filters, or classify a recording file",
                ));
            }
            return Err(Error::input(
                "the model is event-locked or pre-processes whole recordings (filters, re-referencing, baseline): it needs a recording file, not a stream",
            ));
        }
        let loaded = args.input.read_loaded(&args.recording)?;
        let events = args.input.events_of(&loaded, &args.recording, 1)?;
        if let Some((ev, from)) = &events {
            super::classify_truth::check_labels(args.labels.as_deref(), &model, ev, from)?;
        }
        let locked_labels = args
            .labels
            .as_deref()
            .filter(|_| model.window.is_event_locked());
        let (predictions, epoch_truth) = model.classify_events(
            &loaded.recording,
            events.as_ref().map(|e| &e.0[..]),
            locked_labels,
        )?;
        if predictions.is_empty() {
            let rec = &loaded.recording;
            return Err(model.window.too_short(
                &args.recording,
                rec.n_samples() as u64,
                rec.sample_rate_hz,
            ));
        }
        let truth = match &events {
            Some(_) if args.no_true_label => None,
            Some((ev, from)) => Some((
                super::classify_truth::truth_of(
                    args.labels.as_deref(),
                    &model,
                    ev,
                    epoch_truth,
                    &predictions,
                ),
                from.clone(),
            )),
            None => None,
        };
        let labels = Labels::new(&model.classes);
        write_atomically(&args.output, |w| {
            write_header(w, args.format, &labels, truth.is_some())?;
            let t = truth.as_ref().map(|t| &t.0[..]);
            write_rows(w, args.format, &labels, &predictions, t)
        })?;
        if let Some((truth, from)) = &truth {
            super::classify_truth::report(&model, &args.recording, from, &predictions, truth)?;
        }
        return Ok(());
    }
    stream(&args, &model)
}

/// Opens a recording to stream: a file, standard input (`-`), or a file still being written
/// (`follow`); returns the reader and the name errors use.
pub(super) fn open_source(path: &Path, follow: bool) -> Result<(Box<dyn Read + Send>, PathBuf)> {
    if path == Path::new("-") {
        // ends as at the end of input on Ctrl-C (once `crate::io::interrupt::catch` ran)
        let stdin = crate::io::interrupt::UntilInterrupted::new(std::io::stdin());
        return Ok((Box::new(stdin), PathBuf::from("<stdin>")));
    }
    let cannot = |e: std::io::Error| {
        Error::file(
            path,
            format!("cannot read file: {}", crate::io::io_reason(&e)),
        )
    };
    let file = if follow {
        let waiting = || {
            eprintln!(
                "eegi: {}: no such file yet; waiting for it to appear (--follow; Ctrl-C to stop)",
                path.display()
            )
        };
        match crate::io::follow::open_when_present(path, waiting).map_err(cannot)? {
            Some(file) => file,
            None => {
                // Ctrl-C before the file appeared: nothing was read or written yet
                eprintln!("eegi: interrupted: {} never appeared", path.display());
                std::process::exit(0);
            }
        }
    } else {
        crate::io::output::open_input(path).map_err(cannot)?
    };
    let source: Box<dyn Read + Send> = if follow {
        Box::new(crate::io::follow::Follow::new(file, path).map_err(cannot)?)
    } else {
        Box::new(file)
    };
    Ok((source, path.to_path_buf()))
}

/// Reads a stream ahead on its own thread when there is more than one thread to use.
pub(super) fn read_ahead(stream: Box<dyn SampleStream>) -> Box<dyn SampleStream> {
    if rayon::current_num_threads() > 1 {
        Box::new(Prefetch::start(stream))
    } else {
        stream
    }
}

/// Classifies a sliding-window model's recording block by block.
// long: the block loop carries the failure out; a file's rows wait for its true labels
fn stream(args: &Args, model: &FittedPipeline) -> Result<()> {
    if args.follow || args.recording == Path::new("-") {
        // Ctrl-C ends the stream as its end would: the output is complete, exit 0
        crate::io::interrupt::catch();
    }
    let (mut stream, name) = open_recording(args)?;
    stream.select_channels(&model.channels, "the model needs")?;
    // the next block is read and parsed while this one is classified (--threads 1: one thread)
    let mut stream = read_ahead(stream);
    let mut classifier = StreamClassifier::new(model, &name)?;
    let mut rate_checked = false;
    let mut failure: Option<Error> = None;
    let labels = Labels::new(&model.classes);
    let (mut rows, mut windows) = (0u64, 0usize);
    // a recording file's true labels are known once its events are: its rows are then written
    // at the end (predictions are small: memory still does not grow with the samples)
    let truth_wanted = !args.no_true_label && !args.follow && args.recording != Path::new("-");
    let early = truth_wanted.then(|| scoring::early_check(&args.input, model, &args.recording));
    let mut held: Vec<Prediction> = Vec::new();
    let mut embedded: Vec<crate::io::Event> = Vec::new();
    let mut truth: Option<(Vec<Option<String>>, PathBuf)> = None;
    let written = write_atomically(&args.output, |w| {
        if !truth_wanted {
            write_header(w, args.format, &labels, false)?;
            w.flush()?;
        }
        loop {
            match stream.next_block() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    failure = Some(e);
                    return Err(std::io::Error::other("input failed"));
                }
            }
            if !rate_checked {
                if let Some(fs) = stream.sample_rate_hz() {
                    if let Err(e) = model.check_rate(&name, fs) {
                        failure = Some(e);
                        return Err(std::io::Error::other("input failed"));
                    }
                    rate_checked = true;
                }
            }
            rows += stream.last_block().n_rows as u64;
            let predictions = match classifier.push(&stream.last_block().samples) {
                Ok(p) => p,
                Err(e) => {
                    failure = Some(e);
                    return Err(std::io::Error::other("input failed"));
                }
            };
            windows += predictions.len();
            if truth_wanted {
                embedded.append(&mut stream.last_block_mut().events);
                held.extend(predictions);
                continue;
            }
            write_rows(w, args.format, &labels, &predictions, None)?;
            w.flush()?;
        }
        if crate::io::interrupt::requested() {
            eprintln!(
                "eegi: interrupted: {}: {rows} samples, {windows} windows labelled",
                name.display()
            );
        } else if windows == 0 {
            // a recording shorter than one window: an error, not a header alone
            failure = Some(match stream.sample_rate_hz() {
                Some(fs) if rows > 0 => model.window.too_short(&name, rows, fs),
                _ => crate::io::too_few_rows(&name, rows),
            });
            return Err(std::io::Error::other("input failed"));
        }
        if truth_wanted {
            embedded.extend(stream.events()); // the file's own, complete now the stream ended
            let end_s = stream.sample_rate_hz().map_or(0.0, |fs| rows as f64 / fs);
            let events = match args
                .input
                .events_of_stream(&embedded, &args.recording, end_s)
            {
                Ok(e) => e,
                Err(e) => {
                    failure = Some(e);
                    return Err(std::io::Error::other("input failed"));
                }
            };
            if let Some((ev, from)) = &events {
                if let Err(e) =
                    super::classify_truth::check_labels(args.labels.as_deref(), model, ev, from)
                {
                    failure = Some(e);
                    return Err(std::io::Error::other("input failed"));
                }
            }
            truth = events.map(|(ev, from)| {
                (
                    super::classify_truth::truth_of_segments(
                        args.labels.as_deref(),
                        model,
                        &ev,
                        &held,
                    ),
                    from,
                )
            });
            write_header(w, args.format, &labels, truth.is_some())?;
            let t = truth.as_ref().map(|t| &t.0[..]);
            write_rows(w, args.format, &labels, &held, t)?;
        }
        Ok(())
    });
    if let Some(e) = failure {
        return Err(e);
    }
    written?;
    if let Some((t, from)) = &truth {
        scoring::report_with(model, &args.recording, from, &held, t, early.flatten())?;
    }
    Ok(())
}

/// Whether the recording streams as a BrainFlow board file: `--board`, without `--channels`
/// or a `_channels.tsv` sidecar (which need the whole file).
fn board_streams(args: &Args) -> Result<bool> {
    let options = args.input.read_options()?;
    Ok(options.board.is_some()
        && options.channels.is_none()
        && (args.recording == Path::new("-")
            || crate::io::bids::find_channels_sidecar(&args.recording).is_none()))
}

/// Opens the recording as a stream of blocks (a BrainFlow board file with `--board`, else
/// the format its content says), with the name errors use.
fn open_recording(args: &Args) -> Result<(Box<dyn SampleStream>, PathBuf)> {
    let (source, name) = open_source(&args.recording, args.follow)?;
    if board_streams(args)? && (args.follow || args.recording == Path::new("-")) {
        let options = args.input.read_options()?;
        let s = crate::io::vendor::BrainFlowStream::new(source, &name, &options)?;
        return Ok((Box::new(s), name));
    }
    let sample_rate = args.input.checked_sample_rate()?;
    Ok((open_stream(source, &name, sample_rate)?, name))
}

/// Classifies an event-locked model's stream (standard input or a followed file): each event
/// of `--events` (or the recording's sidecar; a file that may grow), else of a BrainFlow file's
/// marker column, is decided as soon as its epoch's last sample arrives, one line each with the
/// latency from that block's arrival. The event map in force (the model's, or `--event-map`)
/// picks and names the events; what became of every event is summed up on stderr at the end.
// long: the block loop carries the decoder, the events source and the failure out of the
// writer closure, as `stream` does
fn stream_events(args: &Args, model: &FittedPipeline) -> Result<()> {
    let mut tail = args
        .input
        .events_path(&args.recording, 1)?
        .map(|p| crate::io::events_tail::EventsTail::new(&p, args.follow));
    let markers = tail.is_none() && board_streams(args)?;
    if tail.is_none() && !markers {
        return Err(Error::input(
            "the model is event-locked and a stream has no events: pass --events FILE (under --follow it may grow), or stream a BrainFlow file (--board) with its marker column",
        ));
    }
    // Ctrl-C ends the stream as its end would: the summary, exit 0
    crate::io::interrupt::catch();
    let (mut stream, name) = open_recording(args)?;
    stream.select_channels(&model.channels, "the model needs")?;
    let mut decoder = EpochDecoder::new(model, &name)?;
    decoder.set_event_map(args.input.mapping.map()?);
    decoder.set_labels(args.labels.clone());
    let mut stream = read_ahead(stream);
    let mut rate_checked = false;
    let mut failure: Option<Error> = None;
    let labels = Labels::new(&model.classes);
    let written = write_atomically(&args.output, |w| {
        let fail = |e: Error, failure: &mut Option<Error>| {
            *failure = Some(e);
            std::io::Error::other("input failed")
        };
        if args.format == Format::Csv {
            write!(w, "onset_s,start_s,end_s,label")?;
            for c in labels.names {
                write!(w, ",{}", csv_field(&format!("p_{c}")))?;
            }
            writeln!(w, ",latency_us")?;
            w.flush()?;
        }
        loop {
            let block = stream.next_block();
            let arrival = std::time::Instant::now();
            match block {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => return Err(fail(e, &mut failure)),
            }
            if !rate_checked {
                if let Some(fs) = stream.sample_rate_hz() {
                    if let Err(e) = model.check_rate(&name, fs) {
                        return Err(fail(e, &mut failure));
                    }
                    rate_checked = true;
                }
            }
            let new = match tail.as_mut().map(|t| t.poll()).transpose() {
                Ok(Some(n)) => n,
                Ok(None) => std::mem::take(&mut stream.last_block_mut().events),
                Err(e) => return Err(fail(e, &mut failure)),
            };
            for ev in &new {
                if let Some(warning) = decoder.push_event(ev) {
                    eprintln!("eegi: warning: {warning}");
                }
            }
            let decisions = match decoder.push(&stream.last_block().samples, arrival) {
                Ok(d) => d,
                Err(e) => return Err(fail(e, &mut failure)),
            };
            write_decisions(w, args.format, &labels, &decisions)?;
            w.flush()?;
        }
        // events added to the file after the last block still count (as not decided)
        if let Some(t) = tail.as_mut() {
            match t.poll() {
                Ok(new) => new.iter().for_each(|ev| {
                    decoder.push_event(ev);
                }),
                Err(e) => return Err(fail(e, &mut failure)),
            }
        }
        for warning in decoder.finish() {
            eprintln!("eegi: warning: {warning}");
        }
        let interrupted = crate::io::interrupt::requested();
        if interrupted {
            eprintln!("eegi: interrupted");
        }
        if decoder.counts().decided == 0 && !interrupted {
            let e = Error::file(
                &name,
                format!(
                    "no event's epoch was complete in the stream ({} samples), expected at least one decision",
                    decoder.received()
                ),
            );
            return Err(fail(e, &mut failure));
        }
        Ok(())
    });
    // the summary, also when the stream failed: what was decided before
    eprintln!(
        "eegi: {}: {} samples; {}",
        name.display(),
        decoder.received(),
        decoder.counts().describe()
    );
    match failure {
        Some(e) => Err(e),
        None => written,
    }
}
