//! `eegi inspect`: print what a model file expects — channels, sample rate, window, features,
//! classes — and what it was trained on, after checking its version and checksum.

use super::load_model;
use crate::pipeline::{describe_dropped, Classifier, FittedPipeline};
use crate::windows::WindowSpec;
use crate::Result;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Options of `eegi inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model file written by `eegi train`; without it, the embedded default model.
    #[arg(value_name = "MODEL.json")]
    pub model: Option<PathBuf>,
}

/// Runs `eegi inspect`.
pub fn run(args: Args) -> Result<()> {
    let model = load_model(args.model.as_deref())?;
    super::print_stdout(&describe(&model));
    Ok(())
}

/// The human description of a model that `inspect` prints.
// long: one line per part of the model, in file order, and one arm per classifier kind
pub fn describe(m: &FittedPipeline) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "format_version {} (eegi {}), checksum {} (verified)",
        m.format_version, m.eegi_version, m.checksum
    );
    let _ = writeln!(
        o,
        "channels ({}): {}",
        m.channels.len(),
        m.channels.join(", ")
    );
    let _ = if m.resamples() {
        writeln!(
            o,
            "sample rate: {} Hz (recording files at any rate are resampled to it; streams must be at it)",
            m.sample_rate_hz
        )
    } else {
        writeln!(o, "sample rate: {} Hz", m.sample_rate_hz)
    };
    let _ = match &m.window {
        WindowSpec::Epoch { start_s, end_s } => writeln!(
            o,
            "window: one epoch per event, {start_s} to {end_s} s after its onset ({} samples); needs an events file",
            m.window_samples
        ),
        WindowSpec::Sliding { window_s, step_s } => writeln!(
            o,
            "window: sliding, {window_s} s ({} samples) every {step_s} s",
            m.window_samples
        ),
    };
    let _ = writeln!(
        o,
        "pre-processing: {}",
        crate::report::preprocessing_in_words(&(&m.preprocessing).into())
    );
    for f in &m.features {
        let _ = writeln!(o, "features: {}", f.describe());
    }
    let _ = writeln!(
        o,
        "feature columns ({}): {}{}",
        m.feature_names.len(),
        m.feature_names
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        if m.feature_names.len() > 10 {
            ", …"
        } else {
            ""
        }
    );
    let _ = writeln!(o, "classes: {}", m.classes.join(", "));
    let _ = match &m.classifier {
        Classifier::LogisticRegression { settings, model } => writeln!(
            o,
            "classifier: balanced L2 logistic regression, alpha {}, {} (gradient {:.2e} per window)",
            settings.alpha,
            if model.fit.converged {
                "converged"
            } else {
                "NOT converged"
            },
            model.fit.gradient_max_per_window
        ),
        Classifier::Lda { model, .. } => writeln!(
            o,
            "classifier: shrinkage LDA (Ledoit-Wolf), equal priors, shrinkage {:?}",
            model.shrinkage
        ),
        Classifier::Svm { settings, model } => writeln!(
            o,
            "classifier: two-class SVM, {} kernel{}, C {}, class weights {:?}, {} (Platt slope {})",
            match model.kernel {
                crate::model::SvmKernel::Linear => "linear",
                crate::model::SvmKernel::Rbf => "RBF",
            },
            match model.kernel {
                crate::model::SvmKernel::Rbf => format!(
                    " (gamma {}, {} support vectors)",
                    model.gamma,
                    model.support_vectors.len()
                ),
                crate::model::SvmKernel::Linear => String::new(),
            },
            settings.c,
            model.class_weights,
            if model.converged {
                "converged"
            } else {
                "NOT converged"
            },
            model.platt_slope
        ),
        Classifier::Mdm { model, .. } => writeln!(
            o,
            "classifier: minimum distance to the Riemannian mean of each class ({} × {} covariances)",
            model.means.first().map_or(0, |m| m.len()),
            model.means.first().map_or(0, |m| m.len())
        ),
    };
    describe_decision(&mut o, m.decision.as_ref());
    describe_event_map(&mut o, m.event_map.as_ref());
    if let Some(r) = &m.reading {
        let _ = writeln!(
            o,
            "reading: {} (classify, evaluate -m and features -m read the same way)",
            r.describe()
        );
    }
    o.push_str(&super::selection_text::describe_selection(
        m.selection.as_ref(),
    ));
    describe_training(&mut o, &m.training);
    o
}

/// Appends what a model was trained on: windows per class, dropped windows, cross-validation,
/// input warnings and the inputs with their SHA-256.
fn describe_training(o: &mut String, t: &crate::pipeline::TrainingSummary) {
    let _ = writeln!(
        o,
        "trained on: {}",
        t.counts
            .iter()
            .map(|(c, n)| format!("{c} {n} windows"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(o, "dropped: {}", describe_dropped(&t.dropped));
    let _ = match &t.cross_validation {
        Some(cv) => writeln!(
            o,
            "cross-validation: {}-fold balanced accuracy {:.3} (per fold sd {:.3}; {})",
            cv.folds, cv.balanced_accuracy, cv.balanced_accuracy_sd, cv.method
        ),
        None => writeln!(o, "cross-validation: skipped"),
    };
    let _ = writeln!(o, "input warnings: {}", t.warnings.len());
    for w in &t.warnings {
        let _ = writeln!(o, "  {w}");
    }
    let _ = writeln!(o, "inputs:");
    for i in &t.inputs {
        let _ = writeln!(o, "  {}  {}", i.sha256, i.path);
    }
}

/// Appends a model's event map (marker codes to labels), if it has one.
fn describe_event_map(o: &mut String, map: Option<&crate::io::EventMap>) {
    if let Some(map) = map {
        let _ = writeln!(
            o,
            "event map: {} (marker codes to labels; events with other codes are not decided)",
            map.describe()
        );
    }
}

/// Appends a model's decision rule: a threshold on one class's probability, or the most
/// probable class.
fn describe_decision(o: &mut String, decision: Option<&crate::pipeline::Decision>) {
    let _ = match decision {
        Some(d) => writeln!(
            o,
            "decision: {} when p_{} ≥ {} (threshold {}{})",
            d.positive_class,
            d.positive_class,
            d.threshold,
            d.method,
            match (d.oof_balanced_accuracy, d.oof_balanced_accuracy_at_half) {
                (Some(a), Some(h)) => format!(
                    ", error cost {}: out-of-fold balanced accuracy {a:.3}, at 0.5 {h:.3}",
                    d.error_cost
                ),
                _ => String::new(),
            }
        ),
        None => writeln!(o, "decision: the most probable class (no threshold)"),
    };
}
