//! What `eegi classify` writes: the output formats, and one line per window or per decision
//! (CSV with a header row, or JSON lines).

use super::config::{csv_field, fmt_seconds};
use crate::pipeline::Prediction;
use clap::ValueEnum;
use std::io::Write;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated with a header row.
    Csv,
    /// One JSON object per window.
    Jsonl,
}

/// Writes one line per decision: onset, epoch, label, probabilities, latency (µs).
pub(super) fn write_decisions(
    w: &mut dyn Write,
    format: Format,
    labels: &Labels,
    decisions: &[crate::online::Decision],
) -> std::io::Result<()> {
    for d in decisions {
        let p = &d.prediction;
        match format {
            Format::Csv => {
                write!(
                    w,
                    "{},{},{},{}",
                    fmt_seconds(d.onset_s),
                    fmt_seconds(p.start_s),
                    fmt_seconds(p.end_s),
                    labels.csv[p.class]
                )?;
                for v in &p.probabilities {
                    write!(w, ",{v}")?;
                }
                writeln!(w, ",{:.0}", d.latency_us)?;
            }
            Format::Jsonl => {
                let probs: serde_json::Map<String, serde_json::Value> = labels
                    .names
                    .iter()
                    .zip(&p.probabilities)
                    .map(|(c, v)| (c.clone(), serde_json::json!(v)))
                    .collect();
                let line = serde_json::json!({
                    "onset_s": d.onset_s,
                    "start_s": p.start_s,
                    "end_s": p.end_s,
                    "label": labels.names[p.class],
                    "probabilities": probs,
                    "latency_us": d.latency_us,
                });
                writeln!(w, "{line}")?;
            }
        }
    }
    Ok(())
}

/// A model's class names, as given (JSON lines) and as CSV fields (quoted once, not per row).
pub(super) struct Labels<'a> {
    /// The class names.
    pub(super) names: &'a [String],
    /// The same names as RFC 4180 CSV fields.
    csv: Vec<String>,
}

impl<'a> Labels<'a> {
    /// The names, with their CSV fields.
    pub(super) fn new(names: &'a [String]) -> Labels<'a> {
        Labels {
            names,
            csv: names.iter().map(|c| csv_field(c).into_owned()).collect(),
        }
    }
}

/// Writes the CSV header (nothing for JSON lines), ending with `true_label` when `truth`.
pub(super) fn write_header(
    w: &mut dyn Write,
    format: Format,
    labels: &Labels,
    truth: bool,
) -> std::io::Result<()> {
    if format == Format::Csv {
        write!(w, "start_s,end_s,label")?;
        for c in labels.names {
            write!(w, ",{}", csv_field(&format!("p_{c}")))?;
        }
        if truth {
            write!(w, ",true_label")?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// Writes one line per prediction; with `truth` (one per prediction), each line ends with
/// its true label (CSV: an empty field when unknown; JSON lines: `"true_label": null`).
pub(super) fn write_rows(
    w: &mut dyn Write,
    format: Format,
    labels: &Labels,
    predictions: &[Prediction],
    truth: Option<&[Option<String>]>,
) -> std::io::Result<()> {
    let classes = labels.names;
    for (i, p) in predictions.iter().enumerate() {
        let known = truth.map(|t| t[i].as_deref());
        match format {
            Format::Csv => {
                write!(
                    w,
                    "{},{},{}",
                    fmt_seconds(p.start_s),
                    fmt_seconds(p.end_s),
                    labels.csv[p.class]
                )?;
                for v in &p.probabilities {
                    write!(w, ",{v}")?;
                }
                if let Some(t) = known {
                    write!(w, ",{}", csv_field(t.unwrap_or("")))?;
                }
                writeln!(w)?;
            }
            Format::Jsonl => {
                let probs: serde_json::Map<String, serde_json::Value> = classes
                    .iter()
                    .zip(&p.probabilities)
                    .map(|(c, v)| (c.clone(), serde_json::json!(v)))
                    .collect();
                let mut line = serde_json::json!({
                    "start_s": p.start_s,
                    "end_s": p.end_s,
                    "label": classes[p.class],
                    "probabilities": probs,
                });
                if let Some(t) = known {
                    line["true_label"] = serde_json::json!(t);
                }
                writeln!(w, "{line}")?;
            }
        }
    }
    Ok(())
}
