//! `eegi classify` of an event-locked model on a stream (standard input or a followed file):
//! each event decided as soon as its epoch's last sample arrives; Ctrl-C ends the stream with
//! its summary.

use super::classify::{
    board_streams, open_recording, read_ahead, write_decisions, Args, Format, Labels,
};
use super::config::csv_field;
use crate::io::output::write_atomically;
use crate::online::EpochDecoder;
use crate::pipeline::FittedPipeline;
use crate::{Error, Result};

/// Classifies an event-locked model's stream (standard input or a followed file): each event
/// of `--events` (or the recording's sidecar; a file that may grow), else of a BrainFlow file's
/// marker column, is decided as soon as its epoch's last sample arrives, one line each with the
/// latency from that block's arrival. The event map in force (the model's, or `--event-map`)
/// picks and names the events; what became of every event is summed up on stderr at the end.
// long: the block loop carries the decoder, the events source and the failure out of the
// writer closure, as `stream` does
pub(super) fn stream_events(args: &Args, model: &FittedPipeline) -> Result<()> {
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
