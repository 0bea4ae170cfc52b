//! The live session's set-up: options checked, streams resolved and opened, the decisions'
//! outlet made; then [`super::session::Session`] runs until the stream stops or Ctrl-C.

use super::super::classify::{Args, Format, Labels};
use super::super::config::csv_field;
use super::super::load_model;
use super::session::{Choice, Session, Stop};
use crate::io::lsl::{resolve, EegInlet, MarkerInlet, OutletSpec, StringOutlet};
use crate::io::output::write_atomically;
use crate::pipeline::FittedPipeline;
use crate::{Error, Result};
use std::io::Write;

/// Refuses the file options that mean nothing for a stream (`--channels`, `--rename`, `-o`,
/// `--event-map` and, for event-locked models, `--labels` apply as to a file).
fn check(args: &Args, model: &FittedPipeline) -> Result<()> {
    args.lsl.check()?;
    let i = &args.input;
    let given = [
        (
            i.events.is_some(),
            "--events (events come from --lsl-markers)",
        ),
        (
            i.sample_rate.is_some(),
            "--sample-rate (the rate is the stream's)",
        ),
        (
            i.board.is_some(),
            "--board (a BrainFlow file layout; the stream describes its channels)",
        ),
        (
            i.mapping.segments_from_markers,
            "--segments-from-markers (it makes true labels of a file's segments; a stream has none)",
        ),
        (
            args.labels.is_some() && !model.window.is_event_locked(),
            "--labels with a sliding-window model (it picks the segments of true labels; a stream has none)",
        ),
    ];
    if let Some((_, what)) = given.iter().find(|(g, _)| *g) {
        return Err(Error::input(format!("--lsl does not take {what}")));
    }
    if model.window.is_event_locked() {
        if !model.preprocessing.is_streamable() {
            return Err(Error::input(
                "the model was trained with zero-phase filters (non-causal), which cannot run on a stream; retrain it with --causal-filters",
            ));
        }
        if args.lsl.lsl_markers.is_none() {
            return Err(Error::input(
                "the model is event-locked (one decision per event): pass --lsl-markers PREDICATE, e.g. \"type='Markers'\"",
            ));
        }
    } else if args.lsl.lsl_markers.is_some() {
        return Err(Error::input(
            "--lsl-markers: the model labels sliding windows, not events; drop --lsl-markers",
        ));
    }
    Ok(())
}

/// Runs the session until the stream stops or Ctrl-C.
// long: set-up in order (model, options, outlet, streams), then the session and its output
pub(super) fn run(mut args: Args) -> Result<()> {
    args.input
        .check_output(&args.output, &[], args.model.as_deref())?;
    let model = load_model(args.model.as_deref())?;
    args.input.mapping.adopt(&model)?;
    check(&args, &model)?;
    let choice = Choice {
        map: args.input.mapping.map()?,
        labels: args.labels.clone(),
    };
    let read_options = args.input.read_options()?;
    // the decisions' stream first, so a receiver can connect before the first decision
    let out = match &args.lsl.lsl_out {
        Some(n) => Some(decision_outlet(n, &model)?),
        None => None,
    };
    let predicate = args.lsl.lsl.clone().unwrap_or_default();
    let timeout = args.lsl.lsl_timeout;
    let info = resolve(&predicate, timeout, &mut || {
        eprintln!("eegi: waiting for an LSL stream matching {predicate:?} (Ctrl-C to stop)")
    })?;
    let eeg = EegInlet::open(&info, &model.channels, "the model needs", &read_options)?;
    let name = eeg.description.display_name();
    if eeg.description.sample_rate_hz <= 0.0 {
        return Err(Error::input(format!(
            "{}: the stream has an irregular rate, expected EEG at a nominal sample rate",
            name.display()
        )));
    }
    model.check_rate(&name, eeg.description.sample_rate_hz)?;
    let markers = match &args.lsl.lsl_markers {
        Some(p) => {
            let info = resolve(p, timeout, &mut || {
                eprintln!("eegi: waiting for an LSL marker stream matching {p:?}")
            })?;
            Some(MarkerInlet::open(&info)?)
        }
        None => None,
    };
    // Ctrl-C while waiting for streams ends at once; from here it ends with the summary
    crate::io::interrupt::catch();
    let mut session = Session::new(
        &model,
        name,
        eeg,
        markers,
        out,
        args.lsl.lsl_max_gap,
        choice,
    )?;
    session.announce(&args);
    let labels = Labels::new(&model.classes);
    let mut failure = None;
    // a file (-o) is written as `classify FILE` writes it: replaced at the end, atomically
    let written = write_atomically(&args.output, |w| {
        write_header(w, args.format, &labels, model.window.is_event_locked())?;
        w.flush()?;
        match session.run_loop(w, args.format, &labels, args.lsl.lsl_idle) {
            Ok(()) => Ok(()),
            Err(Stop::Output(e)) => Err(e),
            Err(Stop::Input(e)) => {
                failure = Some(e);
                Err(std::io::Error::other("input failed"))
            }
        }
    });
    session.finish();
    match failure {
        Some(e) => Err(e),
        None => written,
    }
}

/// The `--lsl-out` stream: label and probabilities (JSON) per decision.
fn decision_outlet(name: &str, model: &FittedPipeline) -> Result<StringOutlet> {
    let extra: Vec<(&str, String)> = vec![
        ("classes", model.classes.join(",")),
        ("producer", format!("eegi {}", env!("CARGO_PKG_VERSION"))),
    ];
    StringOutlet::new(&OutletSpec {
        name,
        kind: "Markers",
        source_id: &format!("eegi-decisions-{name}"),
        sample_rate_hz: 0.0,
        labels: &["label".to_string(), "probabilities".to_string()],
        unit: None,
        channel_type: Some("Marker"),
        extra: &extra,
    })
}

/// The CSV header (decisions of events carry their onset and latency, as `--follow`).
fn write_header(
    w: &mut dyn Write,
    format: Format,
    labels: &Labels,
    events: bool,
) -> std::io::Result<()> {
    if format == Format::Jsonl {
        return Ok(());
    }
    if events {
        write!(w, "onset_s,")?;
    }
    write!(w, "start_s,end_s,label")?;
    for c in labels.names {
        write!(w, ",{}", csv_field(&format!("p_{c}")))?;
    }
    if events {
        write!(w, ",latency_us")?;
    }
    writeln!(w)
}
