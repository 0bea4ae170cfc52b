//! `eegi classify`: label each window of a recording with a trained model (the embedded
//! default when no -m is given), as CSV or JSON lines.

use super::config::{fmt_seconds, InputArgs};
use super::DEFAULT_MODEL;
use crate::io::output::write_atomically;
use crate::io::read_events;
use crate::pipeline::FittedPipeline;
use crate::Result;
use clap::ValueEnum;
use std::path::{Path, PathBuf};

/// Options of `eegi classify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The EEG CSV recording to label.
    #[arg(value_name = "RECORDING")]
    pub recording: PathBuf,

    /// Model file written by `eegi train`. Default: the embedded eyes-open/eyes-closed model
    /// (PhysioNet EEGMMIDB subject 1, 64 channels, 160 Hz).
    #[arg(short, long, value_name = "MODEL.json")]
    pub model: Option<PathBuf>,

    /// Output file; `-` (the default) writes to stdout.
    #[arg(short, long, value_name = "OUT", default_value = "-")]
    pub output: PathBuf,

    /// Output format: csv (`start_s,end_s,label,p_<class>...`) or jsonl (one object a line).
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,

    #[command(flatten)]
    pub input: InputArgs,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated with a header row.
    Csv,
    /// One JSON object per window.
    Jsonl,
}

/// Reads a model file, or the embedded default; notes (a migrated format) go to stderr.
pub fn load_model(path: Option<&Path>) -> Result<FittedPipeline> {
    let (model, notes) = match path {
        Some(p) => FittedPipeline::load(p)?,
        None => FittedPipeline::from_json_with_notes(
            Path::new("<embedded default model>"),
            DEFAULT_MODEL,
        )?,
    };
    for n in notes {
        eprintln!("eegi: {n}");
    }
    Ok(model)
}

/// Runs `eegi classify`.
pub fn run(args: Args) -> Result<()> {
    let model = load_model(args.model.as_deref())?;
    let recording = args.input.read_recording(&args.recording)?;
    let events = if model.window.is_event_locked() {
        match args.input.events_path(&args.recording, 1)? {
            Some(p) => Some(read_events(&p)?),
            None => None,
        }
    } else {
        None
    };
    let predictions = model.classify(&recording, events.as_deref())?;
    let classes = &model.classes;
    write_atomically(&args.output, |w| {
        match args.format {
            Format::Csv => {
                write!(w, "start_s,end_s,label")?;
                for c in classes {
                    write!(w, ",p_{c}")?;
                }
                writeln!(w)?;
                for p in &predictions {
                    write!(
                        w,
                        "{},{},{}",
                        fmt_seconds(p.start_s),
                        fmt_seconds(p.end_s),
                        classes[p.class]
                    )?;
                    for v in &p.probabilities {
                        write!(w, ",{v}")?;
                    }
                    writeln!(w)?;
                }
            }
            Format::Jsonl => {
                for p in &predictions {
                    let probs: serde_json::Map<String, serde_json::Value> = classes
                        .iter()
                        .zip(&p.probabilities)
                        .map(|(c, v)| (c.clone(), serde_json::json!(v)))
                        .collect();
                    let line = serde_json::json!({
                        "start_s": p.start_s,
                        "end_s": p.end_s,
                        "label": classes[p.class],
                        "probabilities": probs,
                    });
                    writeln!(w, "{line}")?;
                }
            }
        }
        Ok(())
    })
}
