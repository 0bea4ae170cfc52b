//! `eegi evaluate`: honest evaluation of a batch of labelled recordings — a trained model on
//! held-out recordings (-m), or cross-validation whose splits never separate windows that
//! overlap in time or share an event (--cv K) or leave whole recordings out (--cv by-recording,
//! the default with several recordings) — with every metric, a label-permutation test against
//! chance, and a report as JSON, Markdown or self-contained HTML.

use super::config::{hash_inputs, FeatureArgs, InputArgs, WindowArgs};
use super::evaluate_checks;
use super::load_model;
use crate::evaluate::run::{run as evaluate, Protocol, Request};
use crate::io::output::write_atomically;
use crate::pipeline::{FittedPipeline, InputFile, PipelineSpec};
use crate::report::{html, markdown, terminal, Report, Settings};
use crate::{Error, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options of `eegi evaluate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recordings (CSV, .csv.gz, EDF/EDF+, BDF/BDF+, BrainVision .vhdr) with sidecar or embedded
    /// events, or folders (searched recursively for `*.csv`, `*.edf`, `*.bdf`, `*.vhdr`, OpenBCI
    /// GUI `OpenBCI-RAW-*.txt`, also gzip-compressed, skipping `*_events.csv`), or a BIDS study
    /// folder (`sub-*/[ses-*/]eeg/*_eeg.*`, see --protocol).
    #[arg(required = true, value_name = "RECORDING")]
    pub recordings: Vec<PathBuf>,

    /// Evaluate this trained model on the recordings (held out: nothing is refitted); its own
    /// window, feature and pre-processing settings are used (window, feature, pre-processing
    /// and classifier options given with -m are ignored, with a warning).
    #[arg(short, long, value_name = "MODEL.json", conflicts_with_all = ["cv", "group_by"])]
    pub model: Option<PathBuf>,

    /// With -m: evaluate recordings the model was trained on (found by SHA-256 among its
    /// training inputs) instead of refusing them. Refused by default because a model scores
    /// its own training windows far better than new ones, so such a figure presented as
    /// held-out would be wrong; with this flag the terminal, JSON and report say NOT held out.
    #[arg(long, requires = "model")]
    pub allow_training_data: bool,

    /// Cross-validation: `K` for stratified K-fold over groups of windows that overlap in time
    /// or share an event, or `by-recording` to leave one recording out at a time. Default:
    /// by-recording with several recordings (windows of one recording are never independent),
    /// 5-fold with one.
    #[arg(long, value_name = "K|by-recording", value_parser = parse_cv)]
    pub cv: Option<Cv>,

    /// Leave out groups of recordings instead of single recordings: `parent` (the recording's
    /// folder, e.g. one folder per subject) or `prefix:N` (the first N characters of the file
    /// name, e.g. prefix:4 groups S001R04.csv with S001R08.csv).
    #[arg(long, value_name = "parent|prefix:N", conflicts_with = "model")]
    pub group_by: Option<String>,

    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub window: WindowArgs,

    #[command(flatten)]
    pub features: FeatureArgs,

    #[command(flatten)]
    pub preprocess: super::preprocess_args::PreprocessArgs,

    /// Classifier refitted in each fold: logistic (balanced L2 logistic regression), lda
    /// (shrinkage LDA, suited to event-related potentials) or mdm (minimum distance to the
    /// classes' Riemannian means, on `--features cov` alone) or svm (two-class support vector
    /// machine; see --svm-kernel).
    #[arg(long, value_enum, default_value_t = super::train::ClassifierArg::Logistic, help_heading = "Classifier")]
    pub classifier: super::train::ClassifierArg,

    /// L2 penalty (scikit-learn's 1/C) of the classifier refitted in each fold.
    #[arg(
        long,
        value_name = "L2",
        default_value_t = 1.0,
        help_heading = "Classifier"
    )]
    pub alpha: f64,

    #[command(flatten)]
    pub svm: super::svm_args::SvmArgs,

    /// Label permutations for the empirical chance level and p-value (0 skips the test).
    /// p = (1 + permutations scoring at least as well) / (N + 1), so p ≥ 1/(N+1): the default
    /// 100 resolves p down to 0.0099, fewer than 19 can never give p ≤ 0.05. With -m each
    /// permutation only re-scores; with cross-validation each refits every fold (a logistic
    /// regression stopped at scikit-learn's default tolerance, and the observed score refitted
    /// the same way so the test stays exact), so the test takes about N/2 times as long as the
    /// evaluation itself: 2 minutes for the 14 EEGMMIDB runs of a subject on 2 cores; try
    /// --permutations 0 first, or 19 for p ≥ 0.05 resolution.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 100,
        help_heading = "Chance level and output"
    )]
    pub permutations: usize,

    /// Sequential stop of a cross-validated permutation test (Besag & Clifford 1991): stop
    /// once this many permutations have scored at least the observed balanced accuracy, and
    /// report p = stop / permutations run. Such a result is clearly not significant, and the
    /// verdict at p ≤ 0.05 is the one all N permutations give (for N up to 199); a result that
    /// beats chance still runs all N. Why the default: Besag & Clifford's suggestion, p then
    /// known to about ±30 %; it cuts a test at chance from N refits to about 20. 0 runs all N.
    #[arg(
        long,
        value_name = "H",
        default_value_t = 10,
        help_heading = "Chance level and output"
    )]
    pub permutation_stop: usize,

    /// Seed of the label permutations; the same seed gives the same report.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        help_heading = "Chance level and output"
    )]
    pub seed: u64,

    /// Print the report as JSON on stdout instead of the summary table.
    #[arg(long, help_heading = "Chance level and output")]
    pub json: bool,

    /// Also write the report to FILE; its extension picks the format: .html (self-contained,
    /// with figures), .md (Markdown tables) or .json.
    #[arg(
        long,
        value_name = "FILE.html|FILE.md|FILE.json",
        help_heading = "Chance level and output"
    )]
    pub report: Option<PathBuf>,

    /// No progress bar (it only shows on a terminal, for work longer than a second).
    #[arg(long, short, help_heading = "Chance level and output")]
    pub quiet: bool,

    // a BIDS study folder: --protocol, --subjects, --sessions, --task, --shard
    #[command(flatten)]
    pub study: super::study_args::StudyArgs,

    // --compare, --pipeline (compare_args.rs; cli/mod.rs hands them to evaluate_compare.rs)
    #[command(flatten)]
    pub compare: super::compare_args::CompareArgs,
}

/// `--cv` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cv {
    /// Stratified K-fold over groups.
    Folds(usize),
    /// Leave one recording (or `--group-by` group) out.
    ByRecording,
}

fn parse_cv(text: &str) -> std::result::Result<Cv, String> {
    if text == "by-recording" {
        return Ok(Cv::ByRecording);
    }
    match text.parse::<usize>() {
        Ok(k) if k >= 2 => Ok(Cv::Folds(k)),
        _ => Err(format!(
            "'{text}', expected a number of folds ≥ 2 or by-recording"
        )),
    }
}

/// Report formats by extension.
pub(super) enum Format {
    Html,
    Markdown,
    Json,
}

fn report_format(path: &Path) -> Result<Format> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("html") | Some("htm") => Ok(Format::Html),
        Some("md") | Some("markdown") => Ok(Format::Markdown),
        Some("json") => Ok(Format::Json),
        _ => Err(Error::input(format!(
            "--report {}: unknown extension, expected .html, .md or .json",
            path.display()
        ))),
    }
}

/// The group name of each recording under a `--group-by` rule.
fn group_names(rule: &str, paths: &[PathBuf]) -> Result<Vec<String>> {
    let bad = || Error::input(format!("--group-by {rule}: expected parent or prefix:N"));
    if rule == "parent" {
        return Ok(paths
            .iter()
            .map(|p| {
                p.parent()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default()
            })
            .collect());
    }
    let n: usize = rule
        .strip_prefix("prefix:")
        .ok_or_else(bad)?
        .parse()
        .map_err(|_| bad())?;
    if n == 0 {
        return Err(bad());
    }
    Ok(paths
        .iter()
        .map(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.chars().take(n).collect()
        })
        .collect())
}

/// The classifier the options ask for (cross-validation refits it).
pub(super) fn classifier_spec(args: &Args) -> crate::pipeline::ClassifierSpec {
    args.classifier.spec(args.alpha, &args.svm)
}

/// The pipeline evaluated: a model's settings (`-m`), or the options'; checked.
pub(super) fn pipeline_spec(
    args: &Args,
    model: Option<&FittedPipeline>,
    classifier: &crate::pipeline::ClassifierSpec,
) -> Result<PipelineSpec> {
    let spec = match model {
        Some(m) => PipelineSpec {
            window: m.window.clone(),
            features: m.features.clone(),
            labels: Some(
                args.window
                    .labels
                    .clone()
                    .unwrap_or_else(|| m.classes.clone()),
            ),
            preprocessing: m.preprocessing.clone(),
            classifier: classifier.clone(),
        },
        None => {
            let window = args.window.spec();
            PipelineSpec {
                features: args.features.specs(window.length_s())?,
                window,
                labels: args.window.labels.clone(),
                preprocessing: args.preprocess.spec(),
                classifier: classifier.clone(),
            }
        }
    };
    spec.check()?;
    Ok(spec)
}

/// The groups of leave-one-group-out (`--group-by`, else one per recording) and the group of
/// each recording.
pub(super) fn groups(
    args: &Args,
    paths: &[PathBuf],
    names: &[String],
) -> Result<(Vec<String>, Vec<usize>)> {
    Ok(match &args.group_by {
        Some(rule) => {
            let g = group_names(rule, paths)?;
            let mut list: Vec<String> = Vec::new();
            let of: Vec<usize> = g
                .iter()
                .map(|name| match list.iter().position(|n| n == name) {
                    Some(i) => i,
                    None => {
                        list.push(name.clone());
                        list.len() - 1
                    }
                })
                .collect();
            (list, of)
        }
        None => (names.to_vec(), (0..names.len()).collect()),
    })
}

/// The model file of `-m` with its SHA-256, for the report.
fn model_file(args: &Args) -> Result<Option<InputFile>> {
    Ok(match &args.model {
        Some(p) => Some(InputFile {
            path: p.display().to_string(),
            sha256: format!(
                "{:x}",
                Sha256::digest(
                    std::fs::read(p)
                        .map_err(|e| Error::file(p, format!("cannot read file: {e}")))?
                )
            ),
        }),
        None => None,
    })
}

/// Writes the report (`--report`, in its format) and prints the JSON or terminal summary.
fn write_outputs(args: &Args, format: Option<Format>, report: &Report) -> Result<()> {
    let json = || {
        let mut s = serde_json::to_string_pretty(report).expect("report serialises");
        s.push('\n');
        s
    };
    if let (Some(path), Some(format)) = (&args.report, format) {
        let text = match format {
            Format::Html => html(report),
            Format::Markdown => markdown(report),
            Format::Json => json(),
        };
        write_atomically(path, |w| w.write_all(text.as_bytes()))?;
    }
    let out = if args.json { json() } else { terminal(report) };
    write_atomically(Path::new("-"), |w| w.write_all(out.as_bytes()))
}

/// The settings the report records: the pipeline, the protocol, the inputs with their hashes.
fn settings(
    args: &Args,
    spec: &PipelineSpec,
    classifier: &crate::pipeline::ClassifierSpec,
    protocol: Protocol,
    set: &crate::pipeline::TrainingSet,
    inputs: &[crate::pipeline::LabelledRecording],
) -> Result<Settings> {
    let model_file = model_file(args)?;
    Ok(Settings {
        window: spec.window.clone(),
        features: spec.features.clone(),
        preprocessing: (&spec.preprocessing).into(),
        labels: spec.labels.clone(),
        // with -m the model's own classifier, as fitted (never null: the report says what ran)
        classifier: Some(match protocol {
            Protocol::Model(m) => m.classifier.spec(),
            _ => classifier.clone(),
        }),
        evaluation: match protocol {
            Protocol::Model(_) => "model",
            Protocol::KFold(_) => "k-fold",
            Protocol::Groups { .. } if args.group_by.is_some() => "by-group",
            Protocol::Groups { .. } => "by-recording",
        }
        .to_string(),
        folds: match protocol {
            Protocol::KFold(k) => Some(k),
            _ => None,
        },
        group_by: args.group_by.clone(),
        seed: args.seed,
        permutations: args.permutations,
        n_channels: set.channels.len(),
        sample_rate_hz: set.sample_rate_hz,
        model: model_file,
        inputs: hash_inputs(inputs)?,
    })
}

/// Time left at the mean rate since the start: the permutations all cost about the same, so
/// this holds steady where indicatif's recent-rate estimate jumped (4m, 2m, 3m, 71 s).
fn steady_eta(state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write) {
    let (pos, len) = (state.pos(), state.len().unwrap_or(0));
    let _ = if pos == 0 || len <= pos {
        write!(w, "…")
    } else {
        let left = state.elapsed().as_secs_f64() * (len - pos) as f64 / pos as f64;
        write!(
            w,
            "{:#}",
            indicatif::HumanDuration(std::time::Duration::from_secs_f64(left))
        )
    };
}

/// The progress bar of the fits and permutations, hidden until shown.
fn progress_bar(permutations: usize) -> ProgressBar {
    let bar =
        ProgressBar::with_draw_target(Some(permutations as u64 + 1), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({steady_eta} left)")
            .expect("valid template")
            .with_key("steady_eta", steady_eta)
            .progress_chars("=> "),
    );
    bar.set_message("evaluating (fits + permutations)");
    bar
}

/// The cross-validation asked for (`--cv`, `--group-by`), or the default for `n` recordings:
/// by-recording with several, 5-fold with one.
pub(super) fn cv_of(args: &Args, n: usize) -> Result<Cv> {
    let cv = match (args.cv, &args.group_by) {
        (Some(cv), _) => cv,
        (None, Some(_)) => Cv::ByRecording,
        (None, None) if n > 1 => Cv::ByRecording,
        (None, None) => Cv::Folds(5),
    };
    if let (Cv::Folds(_), Some(rule)) = (cv, &args.group_by) {
        return Err(Error::input(format!(
            "--group-by {rule} goes with --cv by-recording (leave one group out), not --cv K"
        )));
    }
    Ok(cv)
}

/// Runs `eegi evaluate`; `given` names the options on the command line that `-m` overrides.
pub fn run(mut args: Args, given: &[String]) -> Result<()> {
    let format = check_report(&args)?;
    let paths = crate::io::format::expand_recordings(&args.recordings)?;
    args.input.check_stdin_once(&paths, args.model.as_deref())?;
    let model = args
        .model
        .as_deref()
        .map(|p| load_model(Some(p)))
        .transpose()?;
    if let Some(m) = &model {
        args.input.adopt(m)?;
    }
    let warnings = model_warnings(&args, model.as_ref(), &paths, given)?;
    let classifier = classifier_spec(&args);
    let spec = pipeline_spec(&args, model.as_ref(), &classifier)?;
    let inputs = args.input.load_labelled(&paths)?;
    let set = spec.training_set(&inputs)?;
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();

    let cv = match &model {
        Some(_) => None,
        None => Some(cv_of(&args, paths.len())?),
    };
    let (group_list, of_recording) = groups(&args, &paths, &names)?;
    let protocol = match (&model, cv) {
        (Some(m), _) => Protocol::Model(m),
        (None, Some(Cv::Folds(k))) => Protocol::KFold(k),
        _ => Protocol::Groups {
            names: &group_list,
            of_recording: &of_recording,
        },
    };

    let settings = settings(&args, &spec, &classifier, protocol, &set, &inputs)?;

    // progress: hidden until the work has taken a second, and only on a terminal
    let bar = progress_bar(args.permutations);
    let show = !args.quiet && std::io::stderr().is_terminal();
    let started = Instant::now();
    let shown = std::sync::atomic::AtomicBool::new(false);
    let tick = || {
        bar.inc(1);
        if show
            && started.elapsed().as_secs_f64() > 1.0
            && !shown.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    };
    let report = evaluate(
        &Request {
            set: &set,
            recordings: &names,
            protocol,
            classifier,
            features: &spec.features,
            permutations: args.permutations,
            permutation_stop: args.permutation_stop,
            seed: args.seed,
            tick: &tick,
        },
        settings,
    )?;
    bar.finish_and_clear();
    write_outputs(&args, format, &warnings.mark(report))
}

/// Checks `--report` before any work: not an input, a known extension, a folder to write in;
/// returns its format.
pub(super) fn check_report(args: &Args) -> Result<Option<Format>> {
    let Some(report) = &args.report else {
        return Ok(None);
    };
    args.input
        .check_output(report, &args.recordings, args.model.as_deref())?;
    let format = report_format(report)?;
    evaluate_checks::check_writable(report)?;
    Ok(Some(format))
}

impl ModelWarnings {
    /// The report with these warnings first, and a protocol that says NOT held out when it is not.
    fn mark(self, mut report: Report) -> Report {
        if self.training_data.is_some() {
            report.protocol =
                "evaluation of a trained model on recordings it was trained on (NOT held out)"
                    .to_string();
        }
        let first = self.training_data.into_iter().chain(self.overrides);
        report.warnings.splice(0..0, first);
        report
    }
}

/// Warnings of an evaluation with `-m`, printed on stderr and kept for the report.
#[derive(Default)]
struct ModelWarnings {
    /// Recordings the model was trained on (`--allow-training-data`).
    training_data: Option<String>,
    /// Options the model overrides.
    overrides: Option<String>,
}

/// With `-m`: refuses recordings the model was trained on (unless `--allow-training-data`,
/// then warns), and warns of options the model overrides.
fn model_warnings(
    args: &Args,
    model: Option<&FittedPipeline>,
    paths: &[PathBuf],
    given: &[String],
) -> Result<ModelWarnings> {
    let (Some(model), Some(model_path)) = (model, args.model.as_deref()) else {
        return Ok(ModelWarnings::default());
    };
    let mut w = ModelWarnings::default();
    let seen = evaluate_checks::training_recordings(model, paths)?;
    if !seen.is_empty() {
        let line = evaluate_checks::training_data_line(&seen, paths.len());
        if !args.allow_training_data {
            return Err(Error::input(format!(
                "{line}, expected recordings the model has not seen: scores on training data are not held out (--allow-training-data evaluates them anyway, marked NOT held out)"
            )));
        }
        let line = format!("NOT HELD OUT: {line}; the scores measure how well the model fits its training data, not how it does on new recordings");
        eprintln!("eegi: warning: {line}");
        w.training_data = Some(line);
    }
    if !given.is_empty() {
        let line = evaluate_checks::overrides_line(given, model_path);
        eprintln!("eegi: warning: {line}");
        w.overrides = Some(line);
    }
    Ok(w)
}
