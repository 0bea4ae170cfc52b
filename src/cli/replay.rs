//! `eegi replay`: play a recording in real time (or X times faster) as a Lab Streaming Layer EEG
//! stream, with its events as a second stream of markers, so a closed loop (`classify --lsl`)
//! runs on one machine without a headset. Needs a build with `--features lsl`.

use super::config::InputArgs;
use crate::Result;
use std::path::PathBuf;

/// Options of `eegi replay`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Streams: NAME (type EEG, float64 samples in µV, the recording's rate as nominal rate; channel
labels, units (microvolts) and types in desc/channels/channel, the XDF convention) and, when the
recording has events, NAME-markers (type Markers, one string channel: the event's label), each
marker time-stamped at its event's onset on the samples' clock. Source ids are stable (from NAME
and the file), so a receiver recovers when the replay is restarted.

Example (two terminals):
  eegi replay sim/sim01.csv --lsl demo
  eegi classify -m errp.json --lsl \"name='demo'\" --lsl-markers \"name='demo-markers'\"")]
pub struct Args {
    /// The recording to play (any format eegi reads); its events come from --events, its
    /// sidecar `<stem>_events.csv`, or the file itself (EDF+ annotations, BrainVision or
    /// vendor markers).
    #[arg(value_name = "RECORDING")]
    pub recording: PathBuf,

    /// Name of the EEG stream (the markers stream is NAME-markers).
    #[arg(long, value_name = "NAME", required = true)]
    pub lsl: String,

    /// Play X times faster than real time (time stamps keep the recording's spacing, so a
    /// receiver sees the nominal rate and the events where they belong).
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub speed: f64,

    /// Wait up to this many seconds for a receiver of each stream before playing (a receiver
    /// only sees samples pushed after it connected); then play anyway.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub wait_consumers: f64,

    /// Samples per push. Default: what the recording holds in 4 ms of playing time (at least 1).
    #[arg(long, value_name = "SAMPLES")]
    pub chunk: Option<usize>,

    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs `eegi replay`.
#[cfg(not(feature = "lsl"))]
pub fn run(_args: Args) -> Result<()> {
    Err(super::lsl_args::unavailable("eegi replay"))
}

/// Runs `eegi replay`.
#[cfg(feature = "lsl")]
pub fn run(args: Args) -> Result<()> {
    play::run(args)
}

#[cfg(feature = "lsl")]
mod play {
    use super::Args;
    use crate::io::lsl::{local_clock, source_id, NumericOutlet, OutletSpec, StringOutlet};
    use crate::{Error, Result};
    use std::time::{Duration, Instant};

    fn check(args: &Args) -> Result<()> {
        if !(args.speed.is_finite() && args.speed > 0.0) {
            return Err(Error::input(format!(
                "--speed {}: expected a positive factor (1 = real time)",
                args.speed
            )));
        }
        if !(args.wait_consumers.is_finite() && args.wait_consumers >= 0.0) {
            return Err(Error::input(format!(
                "--wait-consumers {}: expected a number of seconds, 0 or more",
                args.wait_consumers
            )));
        }
        if args.chunk == Some(0) {
            return Err(Error::input("--chunk 0: expected at least 1 sample"));
        }
        Ok(())
    }

    /// Plays the recording; returns when its last sample has been pushed.
    // long: the pacing loop reads as one piece: due time, markers, then the chunk
    pub fn run(args: Args) -> Result<()> {
        check(&args)?;
        let loaded = args.input.read_loaded(&args.recording)?;
        let mut events = args
            .input
            .events_of(&loaded, &args.recording, 1)?
            .map(|(e, _)| e)
            .unwrap_or_default();
        events.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
        let rec = &loaded.recording;
        let fs = rec.sample_rate_hz;
        let eeg_id = source_id(&args.lsl, &args.recording);
        let eeg_extra = [
            ("manufacturer", "eegi".to_string()),
            ("recording", args.recording.display().to_string()),
        ];
        let mut eeg = NumericOutlet::new(&OutletSpec {
            name: &args.lsl,
            kind: "EEG",
            source_id: &eeg_id,
            sample_rate_hz: fs,
            labels: &rec.channel_names,
            unit: Some("microvolts"),
            channel_type: Some("EEG"),
            extra: &eeg_extra,
        })?;
        let marker_name = format!("{}-markers", args.lsl);
        let marker_id = format!("{eeg_id}-markers");
        let markers = if events.is_empty() {
            None
        } else {
            Some(StringOutlet::new(&OutletSpec {
                name: &marker_name,
                kind: "Markers",
                source_id: &marker_id,
                sample_rate_hz: 0.0,
                labels: &["label".to_string()],
                unit: None,
                channel_type: Some("Marker"),
                extra: &[],
            })?)
        };
        eprintln!(
            "eegi: replay: {} as LSL stream {:?} (EEG, {} channels at {} Hz, {:.1} s at {}x) and {}; waiting up to {} s for receivers",
            args.recording.display(),
            args.lsl,
            rec.n_channels(),
            fs,
            rec.duration_s(),
            args.speed,
            if markers.is_some() {
                format!("{marker_name:?} ({} markers)", events.len())
            } else {
                "no marker stream (the recording has no events)".to_string()
            },
            args.wait_consumers
        );
        let waited = Instant::now();
        let mut ready = eeg.wait_for_consumers(args.wait_consumers);
        if let Some(m) = &markers {
            let left = (args.wait_consumers - waited.elapsed().as_secs_f64()).max(0.0);
            ready &= m.wait_for_consumers(left);
        }
        if !ready {
            eprintln!("eegi: replay: note: no receiver on every stream yet; playing anyway");
        }
        let chunk = args
            .chunk
            .unwrap_or(((0.004 * fs * args.speed).round() as usize).max(1));
        let samples = rec
            .samples
            .as_standard_layout()
            .into_owned()
            .into_raw_vec_and_offset()
            .0;
        let n_ch = rec.n_channels();
        let n = rec.n_samples();
        // sample i is stamped t0 + i/fs whatever the speed; it is pushed at start + i/fs/speed
        let t0 = local_clock();
        let start = Instant::now();
        let mut next_event = 0;
        let mut stamps = Vec::with_capacity(chunk);
        let mut i = 0;
        while i < n {
            let end = (i + chunk).min(n);
            let due = Duration::from_secs_f64((end - 1) as f64 / fs / args.speed);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
            if let Some(m) = &markers {
                while next_event < events.len()
                    && events[next_event].onset_s <= (end - 1) as f64 / fs
                {
                    let ev = &events[next_event];
                    m.push(&[ev.label.as_str()], t0 + ev.onset_s)?;
                    next_event += 1;
                }
            }
            stamps.clear();
            stamps.extend((i..end).map(|k| t0 + k as f64 / fs));
            eeg.push_rows(&samples[i * n_ch..end * n_ch], &stamps)?;
            i = end;
        }
        if let Some(m) = &markers {
            for ev in &events[next_event..] {
                m.push(&[ev.label.as_str()], t0 + ev.onset_s)?;
            }
        }
        // let receivers take the last samples before the outlets go away
        std::thread::sleep(Duration::from_millis(200));
        eprintln!(
            "eegi: replay: done, {n} samples and {} markers in {:.1} s",
            events.len(),
            start.elapsed().as_secs_f64()
        );
        Ok(())
    }
}
