//! `eegi report merge PARTS... [--report FILE] [--json]`: joins the partial JSON reports of a
//! study evaluated in shards (`eegi evaluate STUDY/ --shard I/N --report part-I.json`) into
//! the report the unsharded run gives. eegi schedules nothing: the shards run wherever the
//! user runs them (a Slurm array job, GNU parallel, xargs -P; docs/study.md).

use crate::evaluate::study::{summarise, StudyReport};
use crate::io::bytes::{read_bytes, ReadLimits};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Options of `eegi report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

/// What `eegi report` does.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Join the partial JSON reports of `eegi evaluate STUDY/ --shard I/N` (every shard of N,
    /// once each) into the whole study report.
    Merge(MergeArgs),
}

/// Options of `eegi report merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The parts: the JSON reports of shards 1/N to N/N, in any order.
    #[arg(required = true, value_name = "PART.json")]
    pub parts: Vec<PathBuf>,

    /// Write the whole report to FILE; its extension picks the format: .html (with the figure
    /// of scores by subject), .md or .json.
    #[arg(long, value_name = "FILE.html|FILE.md|FILE.json")]
    pub report: Option<PathBuf>,

    /// Print the whole report as JSON on stdout instead of the summary table.
    #[arg(long)]
    pub json: bool,
}

/// Reads one part.
fn read_part(path: &Path) -> Result<StudyReport> {
    let bytes = read_bytes(path, &ReadLimits::MODEL)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let text = e.to_string();
        let what = text.split(" at line ").next().unwrap_or(&text);
        Error::input(format!(
            "{}:{}:{}: {what}, expected the JSON report of `eegi evaluate STUDY/ --shard I/N`",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

/// The settings without their inputs (which differ between shards).
fn without_inputs(settings: &serde_json::Value) -> serde_json::Value {
    let mut s = settings.clone();
    if let Some(o) = s.as_object_mut() {
        o.remove("inputs");
    }
    s
}

/// Joins the parts into the whole report: every shard of N once, the same protocol, settings
/// and study; rows in study order; subjects and spread recomputed.
pub fn merge(parts: &[(PathBuf, StudyReport)]) -> Result<StudyReport> {
    // a shard with no subject ran no unit and has no settings: compare with one that has
    let (first_path, first) = parts
        .iter()
        .find(|(_, r)| !r.settings.is_null())
        .unwrap_or(&parts[0]);
    let shard_of = |p: &Path, r: &StudyReport| -> Result<(usize, usize)> {
        let s = r.shard.as_deref().unwrap_or("");
        s.split_once('/')
            .and_then(|(i, n)| Some((i.parse().ok()?, n.parse().ok()?)))
            .ok_or_else(|| {
                Error::file(
                    p,
                    format!("shard '{s}', expected the report of one shard (evaluate --shard I/N)"),
                )
            })
    };
    let (_, n) = shard_of(first_path, first)?;
    let mut seen = vec![None::<&Path>; n];
    let mut merged = first.clone();
    merged.rows.clear();
    merged.warnings.clear();
    let mut inputs: Vec<serde_json::Value> = Vec::new();
    for (path, part) in parts {
        let (i, m) = shard_of(path, part)?;
        if m != n || i == 0 || i > n {
            return Err(Error::file(
                path,
                format!(
                    "shard {i}/{m}, expected a shard of {n} like {}",
                    first_path.display()
                ),
            ));
        }
        if let Some(other) = seen[i - 1] {
            return Err(Error::file(
                path,
                format!(
                    "shard {i}/{n} again (also {}), expected each shard once",
                    other.display()
                ),
            ));
        }
        seen[i - 1] = Some(path);
        let same = part.protocol == first.protocol
            && part.n_recordings == first.n_recordings
            && (part.settings.is_null()
                || without_inputs(&part.settings) == without_inputs(&first.settings));
        if !same {
            return Err(Error::file(path, format!("protocol, pipeline or study differ from {}, expected the shards of one evaluation", first_path.display())));
        }
        merged.rows.extend(part.rows.iter().cloned());
        merged.warnings.extend(part.warnings.iter().cloned());
        inputs.extend(
            part.settings["inputs"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
    }
    if let Some(k) = seen.iter().position(Option::is_none) {
        return Err(Error::input(format!(
            "shard {}/{n} missing, expected all {n} shards",
            k + 1
        )));
    }
    merged
        .rows
        .sort_by(|a, b| (&a.subject, &a.session).cmp(&(&b.subject, &b.session)));
    merged.warnings.sort();
    inputs.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    inputs.dedup();
    merged.settings["inputs"] = serde_json::Value::Array(inputs);
    merged.shard = None;
    Ok(summarise(merged))
}

/// Runs `eegi report`.
pub fn run(args: Args) -> Result<()> {
    let Action::Merge(a) = args.action;
    let report_path = match &a.report {
        Some(p) => {
            crate::io::output::check_output(
                p,
                &a.parts.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
            )?;
            Some((p.clone(), super::evaluate_study::report_kind(p)?))
        }
        None => None,
    };
    let parts = a
        .parts
        .iter()
        .map(|p| Ok((p.clone(), read_part(p)?)))
        .collect::<Result<Vec<_>>>()?;
    let merged = merge(&parts)?;
    super::evaluate_study::write_study(a.json, report_path, &merged)
}
