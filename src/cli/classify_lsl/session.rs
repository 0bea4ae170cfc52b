//! One live LSL session: samples pulled from the inlet (blocking), time stamps checked for
//! gaps and restarts, markers placed among the samples by their time stamps, decisions printed
//! and published; the summary at the end.

use super::super::classify::{write_decisions, write_rows, Args, Format, Labels};
use super::publish::Publisher;
use super::stats::{summary, Stats};
use crate::io::lsl::{EegInlet, MarkerInlet, StringOutlet};
use crate::io::timeline::{Continuity, Timeline};
use crate::io::EventMap;
use crate::online::{Decision, EpochDecoder, StreamClassifier};
use crate::pipeline::{FittedPipeline, Prediction};
use crate::recording::Event;
use crate::windows::WindowSpec;
use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Longest look without waiting for the sample that completes an epoch, s (a few sample
/// periods of EEG; then the usual wait).
const SPIN_S: f64 = 0.005;

/// Longest nap between looks at the inlet while no epoch is about to complete, s (a marker
/// that comes after its epoch's last sample is decided at most this late).
const NAP_S: f64 = 0.01;

/// Longest blocking wait on the inlet before looking at Ctrl-C and the idle time, s.
const PULL_WAIT_S: f64 = 0.2;

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

/// Which markers are decided: the event map in force (the model's, or `--event-map`) and
/// `classify --labels`.
pub(super) struct Choice {
    /// Marker codes to labels (`None`: markers' labels as they arrive).
    pub(super) map: Option<EventMap>,
    /// Labels to decide (after the map; `None`: all).
    pub(super) labels: Option<Vec<String>>,
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
    out: Option<Publisher>,
    decoder: Decoder<'m>,
    timeline: Timeline,
    choice: Choice,
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
        choice: Choice,
    ) -> Result<Session<'m>> {
        let fs = model.sample_rate_hz;
        let decoder = new_decoder(model, &name, &choice)?;
        super::warm::warm_up(model, &name);
        // time stamps of about two epochs (or windows) back, for markers that come late
        let keep = 2 * model.window_samples + (fs as usize).max(1);
        // measured once here, liblsl also reports a recovered (restarted) sender from now on
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
            choice,
            timeline: Timeline::new(fs, max_gap_periods, keep),
            name,
            eeg,
            markers,
            out: out.map(|o| Publisher::new(o, &model.classes)),
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
            if crate::io::interrupt::requested() {
                eprintln!("eegi: interrupted");
                return Ok(());
            }
            let batching = matches!(&self.decoder, Decoder::Windows(_, b) if !b.is_empty());
            let wait = if batching { 0.0 } else { PULL_WAIT_S };
            let pulled = match &self.decoder {
                Decoder::Epochs(d) => {
                    let next = d.samples_to_next_decision();
                    self.pull_epochs(next)?
                }
                Decoder::Windows(..) => self.eeg.pull(wait)?,
            };
            let Some(t) = pulled else {
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

    /// The next sample for an event-locked model (`next`: samples still to come before the
    /// next decision), waking as rarely as the decisions allow: what is queued is taken at
    /// once; else a nap until shortly before the sample that completes the next epoch is due
    /// (at most [`NAP_S`]), and that sample is looked for without a nap
    /// ([`Session::pull_decisive`]), after a rehearsal of the decision when it is not there
    /// yet ([`Session::rehearse`]). liblsl 1.13 cannot block on its queue (its waiting pull
    /// sleeps 1 ms between looks: about 1000 wake-ups a second), so this is fewer wake-ups and
    /// no added delay to the decision.
    fn pull_epochs(&mut self, next: Option<usize>) -> Result<Option<f64>> {
        if next == Some(1) {
            if let Some(t) = self.eeg.pull(0.0)? {
                return Ok(Some(t));
            }
            self.rehearse();
            return self.pull_decisive(PULL_WAIT_S);
        }
        if let Some(t) = self.eeg.pull(0.0)? {
            return Ok(Some(t));
        }
        let fs = self.model.sample_rate_hz;
        let nap = match next {
            Some(k) => ((k as f64 - 1.5) / fs).clamp(0.0005, NAP_S),
            None => NAP_S,
        };
        std::thread::sleep(std::time::Duration::from_secs_f64(nap));
        self.eeg.pull(0.0)
    }

    /// Rehearses the decision the next sample completes (its last sample not there yet): the
    /// decoder classifies the epoch one sample earlier and the publisher formats it, both
    /// dropped, so the decision's code and data are in the caches when the sample arrives.
    fn rehearse(&mut self) {
        if let Decoder::Epochs(d) = &mut self.decoder {
            if let (Some(p), Some(out)) = (d.rehearse(), &mut self.out) {
                out.rehearse(&p);
            }
        }
    }

    /// Pulls the sample that completes an epoch without liblsl's wait: liblsl 1.13 waits for
    /// a sample by sleeping 1 ms between looks at its queue (`consumer_queue::pop_sample`),
    /// which would add up to 1 ms to the decision. Looks without waiting (yielding the core
    /// between looks) for up to [`SPIN_S`] — once per decision, so the CPU cost stays small —
    /// then waits as usual.
    fn pull_decisive(&mut self, wait: f64) -> Result<Option<f64>> {
        let started = Instant::now();
        while started.elapsed().as_secs_f64() < SPIN_S {
            if let Some(t) = self.eeg.pull(0.0)? {
                return Ok(Some(t));
            }
            std::thread::yield_now();
        }
        self.eeg.pull(wait)
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
        let recovered = self.eeg.recovered();
        match self.timeline.check(t) {
            Continuity::Next if !recovered => {}
            c => {
                if let Decoder::Windows(..) = self.decoder {
                    self.flush_windows(w, format, labels)?;
                }
                self.discontinuity(c, recovered, t)?;
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
        if let Decoder::Epochs(_) = self.decoder {
            let mapped = match &self.choice.map {
                Some(m) => m.label_of(&label),
                None => Some(label.as_str()),
            };
            // markers the map or --labels leave out are counted, never queued
            let Some(l) = mapped else {
                self.stats.unmapped += 1;
                return;
            };
            if !self.stats.seen.contains(l) {
                self.stats.seen.insert(l.to_string());
            }
            if let Some(keep) = &self.choice.labels {
                if !keep.iter().any(|k| k == l) {
                    self.stats.other_labels += 1;
                    return;
                }
            }
        }
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
            if let Some(out) = &mut self.out {
                let stamp = local.unwrap_or_else(crate::io::lsl::local_clock);
                out.publish(d.prediction.class, &d.prediction.probabilities, stamp)?;
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
            if let Some(out) = &mut self.out {
                out.publish(p.class, &p.probabilities, origin + p.start_s)?;
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

    /// A gap or a step back in the time stamps, or a sender liblsl reports `recovered` (a
    /// restart, also one whose time stamps go on without a gap): warns, skips what the break
    /// touches, and starts a new segment with a fresh decoder.
    fn discontinuity(&mut self, c: Continuity, recovered: bool, t: f64) -> Result<()> {
        let name = self.name.display().to_string();
        let at = self
            .timeline
            .newest()
            .map_or(0.0, |n| n - self.session_first.unwrap_or(n));
        let restarted = recovered;
        let why = match c {
            _ if restarted => {
                self.stats.restarts += 1;
                "the sender restarted (liblsl recovered the stream from a new sender with the same source id)".to_string()
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
        self.decoder = new_decoder(self.model, &self.name, &self.choice)?;
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
        if let Some(wanted) = &self.choice.labels {
            let seen: Vec<&str> = self.stats.seen.iter().map(String::as_str).collect();
            for l in wanted.iter().filter(|l| !self.stats.seen.contains(*l)) {
                eprintln!(
                    "eegi: warning: {name}: --labels {l}: no marker had this label (labels seen: {})",
                    if seen.is_empty() { "none".to_string() } else { seen.join(", ") }
                );
            }
        }
        eprintln!("eegi: {}", summary(&name, self.model, &mut self.stats));
    }
}

fn new_decoder<'m>(model: &'m FittedPipeline, name: &Path, choice: &Choice) -> Result<Decoder<'m>> {
    Ok(match model.window {
        WindowSpec::Epoch { .. } => {
            let mut d = EpochDecoder::new(model, name)?;
            d.set_event_map(choice.map.clone());
            d.set_labels(choice.labels.clone());
            Decoder::Epochs(Box::new(d))
        }
        _ => Decoder::Windows(Box::new(StreamClassifier::new(model, name)?), Vec::new()),
    })
}
