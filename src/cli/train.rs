//! `eegi train`: learn a model from labelled recordings, cross-validate it, and write the model
//! file (atomically) that `classify` reads.

use super::config::{hash_inputs, FeatureArgs, InputArgs, WindowArgs};
use super::preprocess_args::PreprocessArgs;
use crate::io::output::write_atomically;
use crate::model::{LdaSpec, LogisticSpec};
use crate::pipeline::{
    describe_dropped, Classifier, ClassifierSpec, FittedPipeline, PipelineSpec, ThresholdSpec,
};
use crate::{Error, Result};
use std::path::PathBuf;

/// Options of `eegi train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recordings (EEG CSV, .csv.gz, EDF/EDF+, BDF/BDF+, BrainVision .vhdr), each with labelled
    /// events: a sidecar `<stem>_events.csv`, EDF+/BDF+ annotations, or BrainVision markers.
    /// A folder stands for the recordings inside it (recursively, sorted), as in evaluate.
    #[arg(required = true, value_name = "RECORDING")]
    pub recordings: Vec<PathBuf>,

    /// Where to write the model file (JSON); `-` writes it to stdout, and the summary then
    /// goes to stderr.
    #[arg(short, long, value_name = "MODEL.json")]
    pub output: PathBuf,

    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub window: WindowArgs,

    #[command(flatten)]
    pub preprocess: PreprocessArgs,

    #[command(flatten)]
    pub features: FeatureArgs,

    /// Classifier: `logistic` (balanced L2 logistic regression, the default; suits band power)
    /// or `lda` (shrinkage LDA with Ledoit-Wolf covariance and equal priors: the standard
    /// single-trial ERP classifier, robust with many correlated waveform features) or `mdm`
    /// (minimum distance to each class's Riemannian mean, on `--features cov` alone: the
    /// parameter-free Riemannian classifier of Barachant et al. 2012) or `svm` (two-class
    /// support vector machine, linear or RBF kernel: see --svm-kernel).
    #[arg(long, value_enum, default_value_t = ClassifierArg::Logistic, help_heading = "Classifier and validation")]
    pub classifier: ClassifierArg,

    /// L2 penalty (scikit-learn's 1/C). The default is scikit-learn's: with standardised features
    /// it shrinks weights without hiding a real effect.
    #[arg(
        long,
        value_name = "L2",
        default_value_t = 1.0,
        help_heading = "Classifier and validation"
    )]
    pub alpha: f64,

    #[command(flatten)]
    pub svm: super::svm_args::SvmArgs,

    /// Folds of stratified cross-validation (0 skips). Windows that overlap a test window in
    /// time are removed from that fold's training set, so overlapping windows cannot leak.
    #[arg(
        long,
        value_name = "K",
        default_value_t = 5,
        help_heading = "Classifier and validation"
    )]
    pub cv: usize,

    /// Decision threshold of a binary model on the positive class's probability (see
    /// --positive-class): a probability such as 0.3, or `auto`. Default: none — the most
    /// probable class, i.e. 0.5. `auto` picks the threshold that maximises balanced accuracy on
    /// out-of-fold probabilities of the training windows (stratified K-fold with --cv folds, 5
    /// when --cv is 0, over groups of overlapping windows, as `eegi evaluate --cv K`): the
    /// cost-neutral choice, since balanced accuracy weighs a missed positive and a false alarm
    /// by their class sizes. The threshold is stored in the model and used by classify and
    /// evaluate -m. Refused for models of more than two classes.
    #[arg(long, value_name = "auto|P", value_parser = parse_threshold, help_heading = "Classifier and validation")]
    pub threshold: Option<Threshold>,

    /// The class --threshold applies to. Default: the less frequent training class (for ErrP
    /// data, robot_error), the rare event a decoder is meant to detect; on a tie, the second
    /// in sorted order.
    #[arg(
        long,
        value_name = "LABEL",
        requires = "threshold",
        help_heading = "Classifier and validation"
    )]
    pub positive_class: Option<String>,

    /// With --threshold auto: cost of missing a positive relative to a false alarm; the
    /// threshold minimises cost × (missed positives / positives) + (false alarms / negatives).
    /// The default, equal costs, maximises balanced accuracy.
    #[arg(
        long,
        value_name = "RATIO",
        default_value_t = 1.0,
        requires = "threshold"
    )]
    pub error_cost: f64,

    /// Choose the pipeline instead of giving it: every preset (or those listed, --auto=NAME,…;
    /// the presets of `eegi evaluate --compare`) layered over the shared settings (window,
    /// pre-processing, labels, other feature options) is scored by an inner --cv K-fold
    /// cross-validation (5 with --cv 0) and the best (highest mean fold balanced accuracy, the
    /// first on a tie) is fitted on every window. The reported score is nested, hence honest:
    /// an outer --cv K-fold whose every training fold runs the whole selection. The choice, each
    /// candidate's inner score (or why it was skipped) and the nested score are stored in the
    /// model (`selection`, shown by `eegi inspect`).
    #[arg(long, value_name = "all|NAME,...", num_args = 0..=1, require_equals = true, default_missing_value = "all", help_heading = "Classifier and validation")]
    pub auto: Option<String>,

    /// Print the training summary as JSON on stdout instead of text.
    #[arg(long, help_heading = "Classifier and validation")]
    pub json: bool,
}

/// `--classifier` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClassifierArg {
    /// Balanced L2 logistic regression.
    Logistic,
    /// Shrinkage linear discriminant analysis.
    Lda,
    /// Minimum distance to the classes' Riemannian means (covariance features only).
    Mdm,
    /// Two-class support vector machine (`--svm-*` options).
    Svm,
}

impl ClassifierArg {
    /// The classifier settings this value asks for (`alpha`: logistic regression's L2 penalty;
    /// `svm`: the SVM's options).
    pub fn spec(self, alpha: f64, svm: &super::svm_args::SvmArgs) -> ClassifierSpec {
        match self {
            ClassifierArg::Logistic => ClassifierSpec::Logistic(LogisticSpec {
                alpha,
                ..LogisticSpec::default()
            }),
            ClassifierArg::Lda => ClassifierSpec::Lda(LdaSpec::default()),
            ClassifierArg::Mdm => ClassifierSpec::Mdm(crate::model::MdmSpec::default()),
            ClassifierArg::Svm => ClassifierSpec::Svm(svm.spec()),
        }
    }
}

/// `--threshold` value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// Chosen on out-of-fold probabilities.
    Auto,
    /// Given.
    Fixed(f64),
}

/// Parses `auto` or a probability.
fn parse_threshold(text: &str) -> std::result::Result<Threshold, String> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(Threshold::Auto);
    }
    match text.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(Threshold::Fixed(v)),
        _ => Err(format!(
            "'{text}', expected auto or a probability from 0 to 1, e.g. 0.3"
        )),
    }
}

/// How `--auto LIST` chooses the pipeline on the loaded recordings: its settings, its training
/// set and the record of the choice (train_auto.rs).
pub(super) type Chooser = dyn Fn(
    &Args,
    &str,
    &[crate::pipeline::LabelledRecording],
) -> Result<(
    PipelineSpec,
    crate::pipeline::TrainingSet,
    crate::pipeline::Selection,
)>;

/// Runs `eegi train`.
pub fn run(args: Args) -> Result<()> {
    run_with(args, None)
}

/// Runs `eegi train`, with `--auto` choosing the pipeline through `choose`.
pub(super) fn run_with(mut args: Args, choose: Option<&Chooser>) -> Result<()> {
    args.recordings = crate::io::format::expand_recordings(&args.recordings)?;
    args.input.check_stdin_once(&args.recordings, None)?;
    args.input
        .check_output(&args.output, &args.recordings, None)?;
    let spec = pipeline_spec(&args)?;
    let (model, seconds, n_recordings) = train(&args, &spec, choose)?;
    let json = model.to_json();
    write_atomically(&args.output, |w| w.write_all(json.as_bytes()))?;
    if args.json {
        print_json(&args, &model, seconds);
    } else {
        print_text(&args, &model, n_recordings);
    }
    Ok(())
}

/// The pipeline the options ask for, checked.
fn pipeline_spec(args: &Args) -> Result<PipelineSpec> {
    let window = args.window.spec();
    let spec = PipelineSpec {
        features: args.features.specs(window.length_s())?,
        window,
        preprocessing: args.preprocess.spec(),
        labels: args.window.labels.clone(),
        classifier: args.classifier.spec(args.alpha, &args.svm),
    };
    spec.check()?;
    if args.cv == 1 {
        return Err(Error::input(
            "--cv 1: expected at least 2 folds, or 0 to skip cross-validation",
        ));
    }
    Ok(spec)
}

/// Loads the recordings and fits the model (cross-validated with `--cv`, with the decision
/// rule of `--threshold`); also returns each stage's wall time and the number of recordings.
fn train(
    args: &Args,
    spec: &PipelineSpec,
    choose: Option<&Chooser>,
) -> Result<(FittedPipeline, Seconds, usize)> {
    let clock = std::time::Instant::now();
    if let Some(map) = args.input.mapping.map()? {
        for (label, codes) in map.shared_labels() {
            eprintln!(
                "eegi: note: --event-map labels codes {} all {label}",
                codes.join(", ")
            );
        }
    }
    let (inputs, warnings) = args.input.load_labelled_with_warnings(&args.recordings)?;
    let load_s = clock.elapsed().as_secs_f64();
    let (spec, set, selection) = match (&args.auto, choose) {
        (Some(list), Some(choose)) => {
            let (spec, set, selection) = choose(args, list, &inputs)?;
            (spec, set, Some(selection))
        }
        _ => (spec.clone(), spec.training_set(&inputs)?, None),
    };
    let spec = &spec;
    let features_s = clock.elapsed().as_secs_f64() - load_s;
    let cv = if args.cv > 0 {
        Some(spec.cross_validate(&set, args.cv)?)
    } else {
        None
    };
    let cv_s = clock.elapsed().as_secs_f64() - load_s - features_s;
    let hashes = hash_inputs(&inputs)?;
    let fit_clock = std::time::Instant::now();
    let mut model = spec.fit(&set, hashes, cv)?;
    if let Some(t) = args.threshold {
        model.decision = Some(spec.fit_decision(
            &set,
            &ThresholdSpec {
                value: match t {
                    Threshold::Auto => None,
                    Threshold::Fixed(v) => Some(v),
                },
                positive_class: args.positive_class.clone(),
                error_cost: args.error_cost,
                folds: if args.cv >= 2 { args.cv } else { 5 },
            },
        )?);
    }
    let fit_s = fit_clock.elapsed().as_secs_f64();
    model.training.warnings = warnings;
    model.event_map = args.input.mapping.map()?;
    model.reading = args.input.reading();
    model.selection = selection;
    model.format_version = model.format_needed();
    let seconds = Seconds {
        load: load_s,
        features: features_s,
        cross_validation: cv_s,
        fit: fit_s,
    };
    Ok((model, seconds, inputs.len()))
}

/// Prints `train --json`'s [`Summary`].
fn print_json(args: &Args, model: &FittedPipeline, seconds: Seconds) {
    let t = &model.training;
    let n_windows: usize = t.counts.values().sum();
    let cv = t.cross_validation.as_ref();
    let summary = Summary {
        model: args.output.display().to_string(),
        classes: &model.classes,
        counts: &t.counts,
        n_windows,
        n_features: model.feature_names.len(),
        dropped: &t.dropped,
        cv_folds: cv.map(|c| c.folds),
        cv_balanced_accuracy: cv.map(|c| c.balanced_accuracy),
        cv_balanced_accuracy_sd: cv.map(|c| c.balanced_accuracy_sd),
        cv_fold_balanced_accuracy: cv.map(|c| &c.fold_balanced_accuracy[..]),
        chance_balanced_accuracy: 1.0 / model.classes.len() as f64,
        seconds,
        decision: model.decision.as_ref(),
        selection: model.selection.as_ref(),
        warnings: &t.warnings,
        n_warnings: t.warnings.len(),
        fit: match &model.classifier {
            Classifier::LogisticRegression { model, .. } => FitSummary::Logistic(&model.fit),
            Classifier::Lda { model, .. } => FitSummary::Lda {
                shrinkage: &model.shrinkage,
            },
            Classifier::Mdm { .. } => FitSummary::Mdm,
            Classifier::Svm { model, .. } => FitSummary::Svm {
                converged: model.converged,
                support_vectors: model.support_vectors.len(),
                gamma: model.gamma,
                platt_slope: model.platt_slope,
            },
        },
    };
    // through a JSON value: keys come out sorted at every level, as they always have
    let summary = serde_json::to_value(&summary).expect("summary serialises");
    let mut text = serde_json::to_string_pretty(&summary).expect("summary serialises");
    text.push('\n');
    print_summary(args, &text);
}

/// Prints `train`'s text summary (and warns on stderr when the fit did not converge).
fn print_text(args: &Args, model: &FittedPipeline, n_recordings: usize) {
    let t = &model.training;
    let n_windows: usize = t.counts.values().sum();
    let mut out = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "trained on {n_windows} windows from {} recording{} ({} channels, {} Hz, {} features)",
        n_recordings,
        if n_recordings == 1 { "" } else { "s" },
        model.channels.len(),
        model.sample_rate_hz,
        model.feature_names.len()
    );
    let width = model.classes.iter().map(|c| c.len()).max().unwrap_or(0);
    for (class, n) in &t.counts {
        let _ = writeln!(out, "  {class:width$}  {n} windows");
    }
    let _ = writeln!(out, "dropped: {}", describe_dropped(&t.dropped));
    if !t.warnings.is_empty() {
        let _ = writeln!(
            out,
            "input warnings: {} (printed on stderr, kept in the model's training summary)",
            t.warnings.len()
        );
    }
    let _ = match &t.cross_validation {
        Some(cv) => writeln!(
            out,
            "{}-fold balanced accuracy: {:.3} (out-of-fold, as `eegi evaluate --cv {}` reports; per fold {}, sd {:.3}; chance {:.3})",
            cv.folds,
            cv.balanced_accuracy,
            cv.folds,
            cv.fold_balanced_accuracy
                .iter()
                .map(|v| format!("{v:.3}"))
                .collect::<Vec<_>>()
                .join(" "),
            cv.balanced_accuracy_sd,
            1.0 / model.classes.len() as f64
        ),
        None => writeln!(out, "cross-validation skipped (--cv 0)"),
    };
    if let Some(d) = &model.decision {
        let _ = match (d.oof_balanced_accuracy, d.oof_balanced_accuracy_at_half) {
            (Some(at), Some(half)) => writeln!(
                out,
                "threshold: {} when p_{} ≥ {:.4} (auto, {}-fold out-of-fold balanced accuracy {at:.3}; at 0.5: {half:.3})",
                d.positive_class, d.positive_class, d.threshold, d.folds.unwrap_or(0)
            ),
            _ => writeln!(
                out,
                "threshold: {} when p_{} ≥ {}",
                d.positive_class, d.positive_class, d.threshold
            ),
        };
    }
    if let Classifier::LogisticRegression { model: lr, .. } = &model.classifier {
        if !lr.fit.converged {
            eprintln!(
                "eegi: warning: logistic regression did not converge (gradient {:.2e} per window); {}",
                lr.fit.gradient_max_per_window,
                alpha_hint(args.alpha)
            );
        }
    }
    svm_warning(model);
    out.push_str(&super::selection_text::describe_selection(
        model.selection.as_ref(),
    ));
    filters_line(&mut out, model);
    let _ = match args.output.to_str() {
        Some("-") => writeln!(out, "model written to stdout"),
        _ => writeln!(out, "model written to {}", args.output.display()),
    };
    print_summary(args, &out);
}

/// Warns when the SVM's solver stopped at its iteration cap.
fn svm_warning(model: &FittedPipeline) {
    if let Classifier::Svm { model: svm, .. } = &model.classifier {
        if !svm.converged {
            eprintln!("eegi: warning: the SVM's SMO solver stopped at its iteration cap before its tolerance; try a smaller --svm-c");
        }
    }
}

/// The summary line that says whether the model's filters are causal (it runs on streams) or
/// zero-phase (recording files only); nothing without filters.
fn filters_line(out: &mut String, model: &FittedPipeline) {
    use std::fmt::Write;
    if model.preprocessing.bandpass.is_some() || model.preprocessing.notch.is_some() {
        let _ = if model.preprocessing.is_streamable() {
            writeln!(
                out,
                "filters: causal (the model runs on streams too: classify - or --follow)"
            )
        } else {
            writeln!(out, "filters: zero-phase (recording files only; for streams retrain with --causal-filters)")
        };
    }
}

/// Prints the summary on stdout, or on stderr when the model itself goes to stdout (`-o -`),
/// so that `eegi train … -o - | eegi classify REC -m -` reads the model alone.
fn print_summary(args: &Args, text: &str) {
    if args.output == std::path::Path::new("-") {
        eprint!("{text}");
    } else {
        super::print_stdout(text);
    }
}

/// What to try when the fit did not converge at penalty `alpha`: a stronger penalty steadies an
/// ill-conditioned fit, but past about 10^6 (with standardised features) the weights are all
/// but zero and the data's gradient is lost next to the penalty's, so only a smaller one helps.
fn alpha_hint(alpha: f64) -> String {
    if alpha > 1e6 {
        format!("--alpha {alpha:e} is so large that the penalty swamps the data; try a smaller --alpha (the default is 1)")
    } else {
        "try a larger --alpha (a stronger penalty)".to_string()
    }
}

/// What `train --json` prints (a contract: scripts and tests read these keys).
#[derive(serde::Serialize)]
struct Summary<'a> {
    /// The model file written.
    model: String,
    /// Class names, sorted.
    classes: &'a [String],
    /// Training windows per class.
    counts: &'a std::collections::BTreeMap<String, usize>,
    /// Training windows in all.
    n_windows: usize,
    /// Feature columns.
    n_features: usize,
    /// Windows and events not used, and why.
    dropped: &'a crate::windows::DropCounts,
    /// Folds of `--cv` (absent with `--cv 0`).
    cv_folds: Option<usize>,
    /// Balanced accuracy of the pooled out-of-fold predictions.
    cv_balanced_accuracy: Option<f64>,
    /// Standard deviation of the fold scores.
    cv_balanced_accuracy_sd: Option<f64>,
    /// Each fold's balanced accuracy.
    cv_fold_balanced_accuracy: Option<&'a [f64]>,
    /// 1 / number of classes.
    chance_balanced_accuracy: f64,
    /// Wall time of each stage, s.
    seconds: Seconds,
    /// A binary model's decision rule (`--threshold`).
    decision: Option<&'a crate::pipeline::Decision>,
    /// `--auto`'s choice of pipeline, inner scores and nested score.
    #[serde(skip_serializing_if = "Option::is_none")]
    selection: Option<&'a crate::pipeline::Selection>,
    /// Input warnings about the training recordings.
    warnings: &'a [crate::io::Warning],
    /// Their number.
    n_warnings: usize,
    /// How the classifier's fit went.
    fit: FitSummary<'a>,
}

/// Wall time of each stage of `train`, s.
#[derive(serde::Serialize)]
struct Seconds {
    load: f64,
    features: f64,
    cross_validation: f64,
    fit: f64,
}

/// The classifier's fit: the logistic regression's optimiser report, or LDA's shrinkage.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum FitSummary<'a> {
    /// L-BFGS iterations, convergence and objective.
    Logistic(&'a crate::model::FitReport),
    /// Ledoit-Wolf shrinkage in [0, 1] (one per class covariance, as the model stores it).
    Lda { shrinkage: &'a [f64] },
    /// Minimum distance to mean: nothing iterative to report.
    Mdm,
    /// SVM: whether SMO reached its tolerance, support vectors kept (0 for the linear kernel,
    /// which keeps the weights), γ used (0 for linear) and the Platt slope.
    Svm {
        converged: bool,
        support_vectors: usize,
        gamma: f64,
        platt_slope: f64,
    },
}
