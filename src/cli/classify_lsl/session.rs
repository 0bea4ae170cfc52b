//! One live LSL session: samples pulled from the inlet (blocking), time stamps checked for
//! gaps and restarts, markers placed among the samples by their time stamps, decisions printed
//! and published; the summary at the end.

use super::super::classify::{write_decisions, write_rows, Args, Format, Labels};
use crate::io::lsl::{EegInlet, MarkerInlet, StringOutlet};
use crate::io::timeline::{Continuity, Timeline};
use crate::online::{Decision, EpochDecoder, StreamClassifier};
use crate::pipeline::{FittedPipeline, Prediction};
use crate::recording::Event;
use crate::windows::WindowSpec;
use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Set by Ctrl-C (SIGINT) and SIGTERM: the loop ends with its summary.
pub(super) static STOP: AtomicBool = AtomicBool::new(false);

/// Longest blocking wait on the inlet before looking at Ctrl-C and the idle time, s.
const PULL_WAIT_S: f64 = 0.2;

/// What the session counted, for the summary.
#[derive(Default)]
pub(super) struct Stats {
    samples: u64,
    decisions: u64,
    markers: u64,
    skipped: u64,
    gaps: u64,
    restarts: u64,
    /// From the arrival of the sample that completed a window to its decision pushed, µs
    /// (every `stride`-th decision once there are many: memory stays bounded).
    latencies_us: Vec<f64>,
    /// Decisions per latency kept, and decisions since the last one kept.
    stride: u64,
    since: u64,
}

/// Latencies kept at most; past that every other one is dropped and the stride doubles.
const MAX_LATENCIES: usize = 1 << 16;

impl Stats {
    /// Notes one decision's latency (µs).
    fn latency(&mut self, us: f64) {
        self.since += 1;
        if self.since < self.stride.max(1) {
            return;
        }
        self.since = 0;
        self.latencies_us.push(us);
        if self.latencies_us.len() >= MAX_LATENCIES {
            let kept: Vec<f64> = self.latencies_us.iter().step_by(2).copied().collect();
            self.latencies_us = kept;
            self.stride = 2 * self.stride.max(1);
        }
    }
}

/// An event queued in the decoder, with what the output needs.
struct Queued {
    /// Onset in the decoder's segment, s (the key the decision comes back with).
    onset_seg_s: f64,
    /// Onset on the EEG's clock, s.
    eeg_s: f64,
    /// Onset on this machine's LSL clock, s.
    local_s: f64,
    /// Marker number (from 1) and label.
    number: u64,
    label: String,
}

/// The decoder of the current continuous run of samples.
enum Decoder<'m> {
    Epochs(Box<EpochDecoder<'m>>),
    Windows(Box<StreamClassifier<'m>>, Vec<f64>),
}

/// One live session: the inlets, the decoder of the current segment and the counts.
pub(super) struct Session<'m> {
    model: &'m FittedPipeline,
    name: PathBuf,
    eeg: EegInlet,
    markers: Option<MarkerInlet>,
    out: Option<StringOutlet>,
    decoder: Decoder<'m>,
    timeline: Timeline,
    uid: String,
    /// Time stamp of the session's first sample (EEG clock), s.
    session_first: Option<f64>,
    /// Where the current segment starts, s from the session's first sample.
    segment_offset_s: f64,
    /// Offsets to this machine's LSL clock, s.
    eeg_correction: f64,
    marker_correction: f64,
    same_host: bool,
    queued: Vec<Queued>,
    /// Events queued before a break whose epochs start after it: queued again in the new
    /// segment at its first sample.
    requeue: Vec<Queued>,
    stats: Stats,
}

/// Why the loop stopped early.
pub(super) enum Stop {
    Output(std::io::Error),
    Input(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Stop {
        Stop::Input(e)
    }
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Stop {
        Stop::Output(e)
    }
}

impl<'m> Session<'m> {
    pub(super) fn new(
        model: &'m FittedPipeline,
        name: PathBuf,
        eeg: EegInlet,
        markers: Option<MarkerInlet>,
        out: Option<StringOutlet>,
        max_gap_periods: f64,
    ) -> Result<Session<'m>> {
        let fs = model.sample_rate_hz;
        let decoder = new_decoder(model, &name)?;
        // time stamps of about two epochs (or windows) back, for markers that come late
        let keep = 2 * model.window_samples + (fs as usize).max(1);
        let eeg_correction = eeg.time_correction(2.0).unwrap_or(0.0);
        let (marker_correction, same_host) = match &markers {
            Some(m) => (
                m.time_correction(2.0).unwrap_or(0.0),
                m.description.hostname == eeg.description.hostname,
            ),
            None => (0.0, true),
        };
        Ok(Session {
            model,
            uid: eeg.description.uid.clone(),
            timeline: Timeline::new(fs, max_gap_periods, keep),
            name,
            eeg,
            markers,
            out,
            decoder,
            session_first: None,
            segment_offset_s: 0.0,
            eeg_correction,
            marker_correction,
            same_host,
            queued: Vec::new(),
            requeue: Vec::new(),
            stats: Stats::default(),
        })
    }

    pub(super) fn announce(&mut self, args: &Args) {
        let d = &self.eeg.description;
        let mut line = format!(
            "eegi: reading {} (type {}, {} channels at {} Hz, from {}; liblsl {})",
            self.name.display(),
            d.kind,
            d.n_channels,
            d.sample_rate_hz,
            d.hostname,
            crate::io::lsl::library_version()
        );
        if let Some(m) = &self.markers {
            line.push_str(&format!(
                ", markers from lsl:{} ({})",
                m.description.name,
                if self.same_host {
                    "same host: one clock".to_string()
                } else {
                    format!(
                        "clock offset {:+.3} ms",
                        (self.marker_correction - self.eeg_correction) * 1e3
                    )
                }
            ));
        }
        if let Some(o) = &args.lsl.lsl_out {
            line.push_str(&format!("; decisions also on LSL stream {o:?}"));
        }
        eprintln!("{line}");
    }

    /// Pulls samples (blocking on the inlet) until the stream stops or Ctrl-C.
    pub(super) fn run_loop(
        &mut self,
        w: &mut dyn Write,
        format: Format,
        labels: &Labels,
        idle_s: f64,
    ) -> std::result::Result<(), Stop> {
        let mut last_sample = Instant::now();
        loop {
            if STOP.load(Ordering::SeqCst) {
                eprintln!("eegi: interrupted");
                return Ok(());
            }
            let batching = matches!(&self.decoder, Decoder::Windows(_, b) if !b.is_empty());
            let wait = if batching { 0.0 } else { PULL_WAIT_S };
            let Some(t) = self.eeg.pull(wait)? else {
                if batching {
                    self.flush_windows(w, format, labels)?;
                    continue;
                }
                // markers that come after the last sample are still read (and warned about)
                if self.session_first.is_some() {
                    self.drain_markers(Instant::now(), w, format, labels)?;
                }
                let quiet = last_sample.elapsed().as_secs_f64();
                if quiet >= idle_s {
                    eprintln!(
                        "eegi: warning: {}: no sample for {quiet:.1} s (--lsl-idle): the stream stopped",
                        self.name.display()
                    );
                    return Ok(());
                }
                continue;
            };
            let arrival = Instant::now();
            last_sample = arrival;
            self.sample(t, arrival, w, format, labels)?;
        }
    }

    /// Takes one sample (time stamp `t`, EEG clock).
    fn sample(
        &mut self,
        t: f64,
        arrival: Instant,
        w: &mut dyn Write,
        format: Format,
        labels: &Labels,
    ) -> std::result::Result<(), Stop> {
        match self.timeline.check(t) {
            Continuity::Next => {}
            c => {
                if let Decoder::Windows(..) = self.decoder {
                    self.flush_windows(w, format, labels)?;
                }
                self.discontinuity(c, t)?;
            }
        }
        if self.timeline.count() == 0 {
            let first = *self.session_first.get_or_insert(t);
            self.segment_offset_s = t - first;
        }
        self.timeline.push(t);
        self.stats.samples += 1;
        for q in std::mem::take(&mut self.requeue) {
            self.queue(q.label, q.eeg_s, q.number);
        }
        self.drain_markers(arrival, w, format, labels)?;
        match &mut self.decoder {
            Decoder::Epochs(d) => {
                let decisions = d.push(self.eeg.sample(), arrival)?;
                if !decisions.is_empty() {
                    self.emit(decisions, arrival, w, format, labels)?;
                }
            }
            Decoder::Windows(_, block) => block.extend_from_slice(self.eeg.sample()),
        }
        Ok(())
    }

    /// Reads the markers that have arrived and queues their events.
    fn drain_markers(
        &mut self,
        arrival: Instant,
        w: &mut dyn Write,
        format: Format,
        labels: &Labels,
    ) -> std::result::Result<(), Stop> {
        if self.markers.is_none() {
            return Ok(());
        }
        let mut any = false;
        while let Some((label, tm)) = self.pull_marker()? {
            any = true;
            self.stats.markers += 1;
            if let (false, Some(m)) = (self.same_host, &self.markers) {
                if let Some(c) = m.time_correction(0.0) {
                    self.marker_correction = c;
                }
                if let Some(c) = self.eeg.time_correction(0.0) {
                    self.eeg_correction = c;
                }
            }
            // the marker's time on the EEG's clock
            let te = if self.same_host {
                tm
            } else {
                tm + self.marker_correction - self.eeg_correction
            };
            let number = self.stats.markers;
            self.queue(label, te, number);
        }
        if any {
            // a marker that came after its epoch's last sample is decided now
            if let Decoder::Epochs(d) = &mut self.decoder {
                let decisions = d.decide_ready(arrival)?;
                if !decisions.is_empty() {
                    self.emit(decisions, arrival, w, format, labels)?;
                }
            }
        }
        Ok(())
    }

    /// The next marker that has arrived, if any.
    fn pull_marker(&mut self) -> Result<Option<(String, f64)>> {
        match self.markers.as_mut() {
            Some(m) => m.pull(0.0),
            None => Ok(None),
        }
    }

    /// Queues the event of marker `number` at `te` (EEG clock) in the current segment's
    /// decoder, placed among the samples by their time stamps; warns when it comes too late.
    fn queue(&mut self, label: String, te: f64, number: u64) {
        let fs = self.model.sample_rate_hz;
        let index = self.timeline.index_of(te).unwrap_or(0.0);
        let event = Event {
            onset_s: index / fs,
            duration_s: 0.0,
            label: label.clone(),
            line: number,
        };
        let Decoder::Epochs(d) = &mut self.decoder else {
            return;
        };
        match d.push_event(&event) {
            Some(warning) => {
                self.stats.skipped += 1;
                eprintln!(
                    "eegi: warning: marker {number} ({label:?}, {:.3} s into the stream): {warning}",
                    te - self.session_first.unwrap_or(te)
                );
            }
            None => self.queued.push(Queued {
                onset_seg_s: event.onset_s,
                eeg_s: te,
                local_s: te + self.eeg_correction,
                number,
                label,
            }),
        }
    }

    /// Publishes and prints decisions of the current segment.
    fn emit(
        &mut self,
        decisions: Vec<Decision>,
        arrival: Instant,
        w: &mut dyn Write,
        format: Format,
        labels: &Labels,
    ) -> std::result::Result<(), Stop> {
        let offset = self.segment_offset_s;
        let mut shown = Vec::with_capacity(decisions.len());
        for mut d in decisions {
            let at = self
                .queued
                .iter()
                .position(|q| q.onset_seg_s.to_bits() == d.onset_s.to_bits());
            let local = at.map(|i| self.queued.swap_remove(i).local_s);
            if let Some(out) = &self.out {
                let stamp = local.unwrap_or_else(crate::io::lsl::local_clock);
                publish(out, labels, &d.prediction, stamp)?;
            }
            d.latency_us = arrival.elapsed().as_secs_f64() * 1e6;
            self.stats.latency(d.latency_us);
            d.onset_s += offset;
            d.prediction.start_s += offset;
            d.prediction.end_s += offset;
            shown.push(d);
        }
        self.stats.decisions += shown.len() as u64;
        write_decisions(w, format, labels, &shown)?;
        w.flush()?;
        Ok(())
    }

    /// Classifies the samples batched for a sliding-window model.
    fn flush_windows(
        &mut self,
        w: &mut dyn Write,
        format: Format,
        labels: &Labels,
    ) -> std::result::Result<(), Stop> {
        let Decoder::Windows(c, block) = &mut self.decoder else {
            return Ok(());
        };
        let arrival = Instant::now();
        let mut predictions: Vec<Prediction> = c.push(block)?;
        block.clear();
        if predictions.is_empty() {
            return Ok(());
        }
        let origin = self.timeline.first().unwrap_or(0.0) + self.eeg_correction;
        for p in &mut predictions {
            if let Some(out) = &self.out {
                publish(out, labels, p, origin + p.start_s)?;
            }
            self.stats.latency(arrival.elapsed().as_secs_f64() * 1e6);
            p.start_s += self.segment_offset_s;
            p.end_s += self.segment_offset_s;
        }
        self.stats.decisions += predictions.len() as u64;
        write_rows(w, format, labels, &predictions, None)?;
        w.flush()?;
        Ok(())
    }

    /// A gap or a step back in the time stamps: warns, skips what the break touches, and
    /// starts a new segment with a fresh decoder.
    fn discontinuity(&mut self, c: Continuity, t: f64) -> Result<()> {
        let name = self.name.display().to_string();
        let at = self
            .timeline
            .newest()
            .map_or(0.0, |n| n - self.session_first.unwrap_or(n));
        let uid = self.eeg.current_uid(0.5);
        let restarted = uid.as_ref().is_some_and(|u| *u != self.uid);
        let why = match c {
            _ if restarted => {
                self.stats.restarts += 1;
                "the sender restarted (new stream uid)".to_string()
            }
            Continuity::Back { by_s } => {
                self.stats.restarts += 1;
                format!("time stamps went back by {by_s:.3} s (the sender restarted or reset its clock)")
            }
            Continuity::Gap { jump_s } => {
                self.stats.gaps += 1;
                format!(
                    "gap of {:.1} ms in the time stamps (about {} samples dropped)",
                    jump_s * 1e3,
                    (jump_s * self.model.sample_rate_hz).round() as i64 - 1
                )
            }
            Continuity::Next => return Ok(()),
        };
        if let Some(u) = uid {
            self.uid = u;
        }
        eprintln!(
            "eegi: warning: {name}: {why} after {at:.3} s; decoding starts afresh (filters reset) at the next sample"
        );
        let epoch_start_s = match self.model.window {
            WindowSpec::Epoch { start_s, .. } => start_s,
            _ => 0.0,
        };
        let first_after = t - 0.5 / self.model.sample_rate_hz;
        let gap = matches!(c, Continuity::Gap { .. }) && !restarted;
        for q in std::mem::take(&mut self.queued) {
            // after a gap the clock goes on: epochs wholly after it are decided in the new
            // segment; after a restart the old markers' times mean nothing on the new clock
            if gap && q.eeg_s + epoch_start_s >= first_after {
                self.requeue.push(q);
                continue;
            }
            self.stats.skipped += 1;
            eprintln!(
                "eegi: warning: {name}: marker {} ({:?}) at {:.3} s skipped: its epoch spans the break",
                q.number,
                q.label,
                q.onset_seg_s + self.segment_offset_s
            );
        }
        self.decoder = new_decoder(self.model, &self.name)?;
        self.timeline.restart();
        Ok(())
    }

    /// Warns about epochs never completed and prints the summary.
    pub(super) fn finish(&mut self) {
        let name = self.name.display().to_string();
        for q in self.queued.drain(..) {
            self.stats.skipped += 1;
            eprintln!(
                "eegi: warning: {name}: marker {} ({:?}) at {:.3} s not decided: the stream ended before its epoch did",
                q.number,
                q.label,
                q.onset_seg_s + self.segment_offset_s
            );
        }
        eprintln!("eegi: {}", summary(&name, self.model, &mut self.stats));
    }
}

fn new_decoder<'m>(model: &'m FittedPipeline, name: &Path) -> Result<Decoder<'m>> {
    Ok(match model.window {
        WindowSpec::Epoch { .. } => Decoder::Epochs(Box::new(EpochDecoder::new(model, name)?)),
        _ => Decoder::Windows(Box::new(StreamClassifier::new(model, name)?), Vec::new()),
    })
}

/// Pushes one decision on the `--lsl-out` stream.
fn publish(out: &StringOutlet, labels: &Labels, p: &Prediction, stamp: f64) -> Result<()> {
    let probs: serde_json::Map<String, serde_json::Value> = labels
        .names
        .iter()
        .zip(&p.probabilities)
        .map(|(c, v)| (c.clone(), serde_json::json!(v)))
        .collect();
    let json = serde_json::Value::Object(probs).to_string();
    out.push(&[labels.names[p.class].as_str(), json.as_str()], stamp)
}

/// The closing line: samples, decisions, what was skipped and why, latency percentiles.
fn summary(name: &str, model: &FittedPipeline, s: &mut Stats) -> String {
    let seconds = s.samples as f64 / model.sample_rate_hz;
    let mut line = format!(
        "summary: {name}: {} samples ({seconds:.1} s), {} decisions",
        s.samples, s.decisions
    );
    if model.window.is_event_locked() {
        line.push_str(&format!(
            " from {} markers, {} skipped",
            s.markers, s.skipped
        ));
    }
    line.push_str(&format!(", {} gaps, {} restarts", s.gaps, s.restarts));
    if !s.latencies_us.is_empty() {
        s.latencies_us.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let v = &s.latencies_us;
            v[((p * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)]
        };
        line.push_str(&format!(
            "; latency from the last sample's arrival to the decision pushed: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
            q(0.5),
            q(0.99),
            q(1.0)
        ));
    }
    line
}
