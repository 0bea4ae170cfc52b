//! `eegi evaluate --compare` / `--pipeline`: the named pipelines (presets and the user's own
//! option sets, layered over the command's shared settings) cross-validated on one fold list
//! and reported side by side (JSON, Markdown, HTML, terminal table).

use super::compare_args::{NamedPipeline, PipelineOptions};
use super::config::hash_inputs;
use super::evaluate::{check_report, cv_of, groups, Args, Cv, Format};
use crate::evaluate::compare::{compare, Candidate, CompareReport, Folds};
use crate::io::format::expand_recordings;
use crate::io::output::write_atomically;
use crate::pipeline::PipelineSpec;
use crate::report::compare as render;
use crate::Result;
use std::io::IsTerminal;
use std::path::Path;

/// The whole pipeline of one named option set over the shared settings, or why there is none.
pub(super) fn candidate(
    p: NamedPipeline,
    shared: &dyn Fn(PipelineOptions) -> Result<PipelineSpec>,
) -> Candidate {
    let spec = p.layered.and_then(|o| shared(o).map_err(|e| e.message));
    Candidate {
        name: p.name,
        options: p.options,
        spec,
    }
}

/// The shared settings the comparison report records.
#[derive(serde::Serialize)]
struct SharedSettings<'a> {
    /// How windows are cut.
    window: crate::windows::WindowSpec,
    /// Reference, filters, baseline, rejection.
    preprocessing: crate::preprocess::Preprocessing,
    /// Labels kept (all when null).
    labels: Option<&'a [String]>,
    /// `k-fold`, `by-recording` or `by-group`.
    evaluation: &'static str,
    /// K of k-fold.
    folds: Option<usize>,
    /// The `--group-by` rule.
    group_by: Option<&'a str>,
    /// Inputs and their SHA-256.
    inputs: Vec<crate::pipeline::InputFile>,
}

/// Runs `eegi evaluate --compare`.
pub(super) fn run(args: &Args) -> Result<()> {
    let format = check_report(args)?;
    let paths = expand_recordings(&args.recordings)?;
    args.input.check_stdin_once(&paths, None)?;
    let base = PipelineOptions {
        features: args.features.clone(),
        classifier: args.classifier,
        alpha: args.alpha,
    };
    let shared = |o: PipelineOptions| -> Result<PipelineSpec> {
        o.spec(&args.window, &args.preprocess, &args.svm)
    };
    let candidates: Vec<Candidate> = args
        .compare
        .pipelines(&base)?
        .into_iter()
        .map(|p| candidate(p, &shared))
        .collect();
    let cv = cv_of(args, paths.len())?;
    let inputs = args.input.load_labelled(&paths)?;
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let (group_list, of_recording) = groups(args, &paths, &names)?;
    let folds = match cv {
        Cv::Folds(k) => Folds::KFold(k),
        Cv::ByRecording => Folds::Groups {
            names: &group_list,
            of_recording: &of_recording,
            by_recording: args.group_by.is_none(),
        },
    };
    let settings = SharedSettings {
        window: args.window.spec(),
        preprocessing: args.preprocess.spec(),
        labels: args.window.labels.as_deref(),
        evaluation: match cv {
            Cv::Folds(_) => "k-fold",
            Cv::ByRecording if args.group_by.is_some() => "by-group",
            Cv::ByRecording => "by-recording",
        },
        folds: match cv {
            Cv::Folds(k) => Some(k),
            Cv::ByRecording => None,
        },
        group_by: args.group_by.as_deref(),
        inputs: hash_inputs(&inputs)?,
    };
    let show = !args.quiet && std::io::stderr().is_terminal();
    let total = candidates.len();
    let done = std::cell::Cell::new(0);
    let progress = |name: &str| {
        done.set(done.get() + 1);
        if show {
            eprintln!("eegi: pipeline {} of {total}: {name}", done.get());
        }
    };
    let report = compare(
        &candidates,
        &inputs,
        paths.len(),
        folds,
        serde_json::to_value(&settings).expect("settings serialise"),
        &progress,
    )?;
    for w in &report.warnings {
        eprintln!("eegi: note: {w}");
    }
    write_outputs(args, format, &report)
}

/// Writes the report (`--report`, in its format) and prints the JSON or the terminal table.
fn write_outputs(args: &Args, format: Option<Format>, report: &CompareReport) -> Result<()> {
    let json = || {
        let mut s = serde_json::to_string_pretty(report).expect("report serialises");
        s.push('\n');
        s
    };
    if let (Some(path), Some(format)) = (&args.report, format) {
        let text = match format {
            Format::Html => render::html(report),
            Format::Markdown => render::markdown(report),
            Format::Json => json(),
        };
        write_atomically(path, |w| w.write_all(text.as_bytes()))?;
    }
    let out = if args.json {
        json()
    } else {
        render::terminal(report)
    };
    write_atomically(Path::new("-"), |w| w.write_all(out.as_bytes()))
}
