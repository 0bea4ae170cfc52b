//! `eegi features`: write the feature matrix of recordings as CSV — one row per window with its
//! recording, times and label, one column per `<channel>_<band>` — for inspection or other tools.

use super::config::{fmt_seconds, FeatureArgs, InputArgs, WindowArgs};
use crate::features::extract;
use crate::io::output::write_atomically;
use crate::io::read_events;
use crate::windows::Window;
use crate::{Error, Recording, Result};
use std::path::PathBuf;

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
    pub features: FeatureArgs,
}

/// Runs `eegi features`.
pub fn run(args: Args) -> Result<()> {
    let spec = args.window.spec();
    spec.check()?;
    let feature_specs = args.features.specs(spec.length_s())?;
    let (recordings, embedded): (Vec<Recording>, Vec<_>) = args
        .recordings
        .iter()
        .map(|p| args.input.read_with_events(p))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .unzip();
    let first = &recordings[0];
    let fs = first.sample_rate_hz;
    spec.check_rate(fs)?;
    let channels = first.channel_names.clone();
    let mut windows: Vec<Window> = Vec::new();
    let mut columns = Vec::new();
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
                        "{}: missing channel {c} that the first recording has",
                        rec.source.display()
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        columns.push(cols);
        // --events, then a sidecar, then the markers of the file itself
        let events = match args
            .input
            .events_path(&args.recordings[r], recordings.len())?
        {
            Some(p) => Some(read_events(&p)?),
            None => embedded[r].clone(),
        };
        match events {
            Some(events) => {
                let (w, d) = spec.labelled(
                    r,
                    rec.n_samples(),
                    fs,
                    &events,
                    args.window.labels.as_deref(),
                );
                if d.off_recording > 0 {
                    eprintln!(
                        "eegi: {}: {} windows run off the recording and were dropped",
                        rec.source.display(),
                        d.off_recording
                    );
                }
                windows.extend(w);
            }
            None => windows.extend(spec.continuous(r, rec.n_samples(), fs)),
        }
    }
    let refs: Vec<&Recording> = recordings.iter().collect();
    let len = spec.length_samples(fs);
    let features = extract(
        &feature_specs,
        fs,
        len,
        &refs,
        &columns,
        &channels,
        &windows,
    )?;
    write_atomically(&args.output, |w| {
        write!(w, "recording,start_s,end_s,label")?;
        for n in &features.names {
            write!(w, ",{n}")?;
        }
        writeln!(w)?;
        for (win, row) in windows.iter().zip(features.matrix.rows()) {
            write!(
                w,
                "{},{},{},{}",
                args.recordings[win.recording].display(),
                fmt_seconds(win.start as f64 / fs),
                fmt_seconds((win.start + len) as f64 / fs),
                win.label.as_deref().unwrap_or("")
            )?;
            for v in row {
                write!(w, ",{v}")?;
            }
            writeln!(w)?;
        }
        Ok(())
    })
}
