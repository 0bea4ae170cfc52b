//! `eegi info`: describe a recording in any format eegi reads — format, channels, sample rate,
//! duration, samples, events by label, and input sanity warnings — as text or JSON.

use super::config::InputArgs;
use crate::Result;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Options of `eegi info`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The recording (EEG CSV, .csv.gz, EDF/EDF+, BDF/BDF+, BrainVision .vhdr; `-` reads standard
    /// input).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub input: InputArgs,
}

/// What `eegi info --json` prints (keys in sorted order).
#[derive(Debug, serde::Serialize)]
struct Summary<'a> {
    /// The file as given.
    file: String,
    /// Its format, as the reader describes it.
    format: &'a str,
    /// Channel names, in file order.
    channels: &'a [String],
    /// Number of channels.
    n_channels: usize,
    /// Sample rate, Hz.
    sample_rate_hz: f64,
    /// Samples per channel.
    n_samples: usize,
    /// Duration, s.
    duration_s: f64,
    /// Events per label.
    events: &'a BTreeMap<&'a str, usize>,
    /// Number of events.
    n_events: usize,
    /// Where the events came from (a file, or markers/annotations in the file), if any.
    events_source: Option<&'a str>,
    /// Input sanity warnings.
    warnings: &'a [crate::io::Warning],
}

/// Runs `eegi info`.
pub fn run(args: Args) -> Result<()> {
    args.input
        .check_stdin_once(std::slice::from_ref(&args.file), None)?;
    let loaded = crate::io::read_any(&args.file, &args.input.read_options()?)?;
    let events = args.input.events_of(&loaded, &args.file, 1)?;
    let rec = &loaded.recording;
    let mut by_label: BTreeMap<&str, usize> = BTreeMap::new();
    if let Some((events, _)) = &events {
        for e in events {
            *by_label.entry(e.label.as_str()).or_default() += 1;
        }
    }
    let events_source = events.as_ref().map(|(_, p)| {
        if p == &args.file {
            if loaded.format == crate::io::Format::BrainVision {
                "markers of the .vmrk".to_string()
            } else if loaded.dialect.is_some() {
                "markers in the file".to_string()
            } else {
                "annotations in the file".to_string()
            }
        } else {
            p.display().to_string()
        }
    });
    if args.json {
        let summary = Summary {
            file: args.file.display().to_string(),
            format: &loaded.description,
            channels: &rec.channel_names,
            n_channels: rec.n_channels(),
            sample_rate_hz: rec.sample_rate_hz,
            n_samples: rec.n_samples(),
            duration_s: rec.duration_s(),
            n_events: by_label.values().sum::<usize>(),
            events: &by_label,
            events_source: events_source.as_deref(),
            warnings: &loaded.warnings,
        };
        // through a JSON value: keys sorted, as the output has always been
        let v = serde_json::to_value(&summary).expect("info serialises");
        let mut text = serde_json::to_string_pretty(&v).expect("info serialises");
        text.push('\n');
        super::print_stdout(&text);
        return Ok(());
    }
    let mut o = String::new();
    let _ = writeln!(o, "file: {}", args.file.display());
    let _ = writeln!(o, "format: {}", loaded.description);
    let _ = writeln!(
        o,
        "channels ({}): {}",
        rec.n_channels(),
        rec.channel_names.join(", ")
    );
    let _ = writeln!(o, "sample rate: {} Hz", rec.sample_rate_hz);
    let _ = writeln!(o, "samples: {}", rec.n_samples());
    let _ = writeln!(o, "duration: {} s", rec.duration_s());
    match &events_source {
        None => {
            let _ = writeln!(o, "events: none");
        }
        Some(src) => {
            let list: Vec<String> = by_label.iter().map(|(l, n)| format!("{l} {n}")).collect();
            let _ = writeln!(
                o,
                "events ({}, from {src}): {}",
                by_label.values().sum::<usize>(),
                list.join(", ")
            );
        }
    }
    let _ = writeln!(o, "warnings: {}", loaded.warnings.len());
    for w in &loaded.warnings {
        let _ = writeln!(o, "  {w}");
    }
    super::print_stdout(&o);
    Ok(())
}
