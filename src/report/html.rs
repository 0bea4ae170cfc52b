//! The self-contained HTML report: tables and inline SVG figures, no script, no network, no
//! web fonts (generic font families only).

use super::markdown::{chance_line, dropped_rows, f3, pm};
use super::svg::{confusion_svg, esc, folds_svg, permutation_svg, roc_svg, spectra_svg};
use super::Report;
use std::fmt::Write;

const STYLE: &str = "
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.6em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
.verdict { font-size: 1.15em; padding: 0.6em 0.9em; border-radius: 4px; }
.good { background: #e5f4e3; border: 1px solid #59a14f; }
.bad { background: #fbe9e9; border: 1px solid #e15759; }
.neutral { background: #f3f3f3; border: 1px solid #bbb; }
.figs { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }
figure { margin: 0; } figcaption { font-size: 0.9em; color: #555; max-width: 460px; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.wide { overflow-x: auto; } .wide td { white-space: nowrap; } .wide td, .wide th { padding: 0.25em 0.3em; }
.warn { color: #a33; }
svg text { font-family: sans-serif; }
";

/// The report as one self-contained HTML page.
pub fn html(r: &Report) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>eegi evaluation: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&r.classes.join(" vs "))
    );
    let _ = writeln!(
        s,
        "<h1>eegi evaluation: {}</h1>",
        esc(&r.classes.join(" vs "))
    );
    let _ = writeln!(
        s,
        "<p>{} windows of {} classes from {}; {}.</p>",
        r.n_windows,
        r.classes.len(),
        super::markdown::recordings(r.n_recordings),
        esc(&r.protocol)
    );
    let _ = writeln!(
        s,
        "<p>Pre-processing: {}.<br>Pipeline: {}.</p>",
        esc(&super::words::preprocessing(&r.settings.preprocessing)),
        esc(&super::words::pipeline(&r.settings))
    );
    let class = match r.permutation_p_value {
        Some(p) if p <= 0.05 => "good",
        Some(_) => "bad",
        None => "neutral",
    };
    let _ = writeln!(
        s,
        "<p class=\"verdict {class}\"><b>{}</b></p>",
        esc(&chance_line(r))
    );

    html_scores(&mut s, r);
    html_figures(&mut s, r);
    html_per_class_and_confusion(&mut s, r);
    html_folds_and_recordings(&mut s, r);
    html_dropped_and_settings(&mut s, r);
    s
}

/// The headline metrics table.
fn html_scores(s: &mut String, r: &Report) {
    // headline metrics
    let _ = writeln!(
        s,
        "<h2>Scores</h2>\n<table><tr><th>metric</th><th>value</th></tr>"
    );
    for (name, v) in [
        ("balanced accuracy", f3(Some(r.balanced_accuracy))),
        ("chance (1/K)", f3(Some(r.chance_balanced_accuracy))),
        (
            "empirical chance (mean of permutations)",
            f3(r.empirical_chance_balanced_accuracy),
        ),
        (
            "permutation p-value",
            super::markdown::p_text(r.permutation_p_value),
        ),
        ("accuracy", f3(Some(r.accuracy))),
        ("macro F1", f3(Some(r.macro_f1))),
        ("Cohen's kappa", f3(r.kappa)),
        ("ROC AUC", f3(r.roc_auc)),
        ("log loss (nats)", f3(Some(r.log_loss))),
        (
            "balanced accuracy per fold, mean ± sd",
            pm(&r.fold_balanced_accuracy),
        ),
        (
            "balanced accuracy per recording, mean ± sd",
            pm(&r.recording_balanced_accuracy),
        ),
    ] {
        let _ = writeln!(s, "<tr><td>{name}</td><td>{v}</td></tr>");
    }
    let _ = writeln!(s, "</table>");
}

/// The figures: confusion matrix, ROC curves, folds, permutations, spectra (inline SVG).
fn html_figures(s: &mut String, r: &Report) {
    let _ = writeln!(s, "<h2>Figures</h2>\n<div class=\"figs\">");
    figure(
        s,
        &confusion_svg(r),
        "Confusion matrix: colour = share of the true class (row), text = count and row %.",
    );
    figure(
        s,
        &roc_svg(r),
        "ROC curves (one class against the rest) with their area; the dashed diagonal is chance.",
    );
    figure(s, &folds_svg(r), "Balanced accuracy of each fold (over the classes in its test windows); short red bars: that fold's chance level; dashed: chance 1/K; solid: pooled score.");
    if !r.permutation_balanced_accuracy.is_empty() {
        figure(s, &permutation_svg(r), "Balanced accuracy under label permutations (grey) against the observed score (red line).");
    }
    if let Some(svg) = super::erp_svg::erp_svg(r) {
        figure(s, &svg, "Average epoch of each class after the pipeline's pre-processing and baseline, with 95 % confidence bands (1.96 standard errors), on the channels whose classes differ most (largest ANOVA F at any time); dashed black: the difference wave with its band. Time 0 is the event.");
    }
    if let Some((svg, unplaced)) = super::erp_svg::scalp_svg(r) {
        let missing = if unplaced.is_empty() {
            String::new()
        } else {
            format!(
                " Not placed (no 10-05 name): {}.",
                esc(&unplaced.join(", "))
            )
        };
        figure(s, &svg, &format!("Scalp map of the difference wave at the peak of its global field power, nose up, interpolated (inverse distance) between electrodes placed by their 10-05 names (Oostenveld &amp; Praamstra 2001).{missing}"));
    }
    if !r.spectra.channels.is_empty() {
        figure(s, &spectra_svg(r), &format!(
            "Mean band power per class ({}) on the channels whose bands separate the classes best (largest ANOVA F).{}",
            esc(&r.spectra.unit),
            r.spectra.artefact_hint.as_ref().map_or(String::new(), |h| format!(" <b>Note:</b> {}.", esc(h)))
        ));
    }
    let _ = writeln!(s, "</div>");
}

/// Precision, recall and F1 per class, and the confusion matrix (counts and row %).
fn html_per_class_and_confusion(s: &mut String, r: &Report) {
    // tables
    let _ = writeln!(s, "<h2>Per class</h2>\n<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>");
    for c in &r.per_class {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr>",
            esc(&c.class),
            c.precision,
            c.recall,
            c.f1,
            c.support
        );
    }
    let _ = writeln!(s, "</table>");
    let _ = writeln!(
        s,
        "<h2>Confusion matrix</h2>\n<div class=\"wide\"><table><tr><th>true \\ predicted</th>"
    );
    // many classes: column names may break after an underscore, and a table still wider than
    // the page scrolls in its own box, not the page
    for c in &r.classes {
        let _ = write!(s, "<th>{}</th>", esc(c).replace('_', "_<wbr>"));
    }
    let _ = writeln!(s, "</tr>");
    for (i, row) in r.confusion_matrix.iter().enumerate() {
        let _ = write!(s, "<tr><td>{}</td>", esc(&r.classes[i]));
        for (n, f) in row.iter().zip(&r.confusion_matrix_normalised[i]) {
            let _ = write!(s, "<td>{n} ({:.0}%)</td>", 100.0 * f);
        }
        let _ = writeln!(s, "</tr>");
    }
    let _ = writeln!(s, "</table></div>");
}

/// Balanced accuracy per fold and per recording.
fn html_folds_and_recordings(s: &mut String, r: &Report) {
    let _ = writeln!(s, "<h2>Folds</h2>\n<table><tr><th>fold</th><th>train</th><th>test</th><th>accuracy</th><th>balanced accuracy</th><th>classes missing from training</th></tr>");
    for f in &r.folds {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.3}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.name),
            f.n_train.map_or("-".into(), |n| n.to_string()),
            f.n_test,
            f.accuracy,
            f3(f.balanced_accuracy),
            esc(&f.missing_classes.join(", "))
        );
    }
    let _ = writeln!(
        s,
        "<tr><th>mean ± sd</th><th></th><th></th><th></th><th>{}</th><th></th></tr></table>",
        pm(&r.fold_balanced_accuracy)
    );
    let _ = writeln!(s, "<h2>Recordings</h2>\n<table><tr><th>recording</th><th>windows</th><th>accuracy</th><th>balanced accuracy</th></tr>");
    for x in &r.per_recording {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{:.3}</td><td>{}</td></tr>",
            esc(&x.recording),
            x.n_windows,
            x.accuracy,
            f3(x.balanced_accuracy)
        );
    }
    let _ = writeln!(
        s,
        "<tr><th>mean ± sd</th><th></th><th></th><th>{}</th></tr></table>",
        pm(&r.recording_balanced_accuracy)
    );
}

/// What was dropped and why, the warnings, the settings as JSON, and the end of the page.
fn html_dropped_and_settings(s: &mut String, r: &Report) {
    let _ = writeln!(
        s,
        "<h2>Dropped</h2>\n<table><tr><th>reason</th><th>count</th></tr>"
    );
    for (why, n) in dropped_rows(r) {
        let _ = writeln!(s, "<tr><td>{why}</td><td>{n}</td></tr>");
    }
    let _ = writeln!(s, "</table>");
    if !r.warnings.is_empty() {
        let _ = writeln!(s, "<h2>Warnings</h2>\n<ul>");
        for w in &r.warnings {
            let _ = writeln!(s, "<li class=\"warn\">{}</li>", esc(w));
        }
        let _ = writeln!(s, "</ul>");
    }
    let _ = writeln!(
        s,
        "<h2>Settings</h2>\n<p>eegi {}; {} permutations ({}); seed {}.</p>\n<pre>{}</pre>",
        esc(&r.eegi_version),
        r.permutations,
        esc(&r.permutation_scheme),
        r.settings.seed,
        esc(&serde_json::to_string_pretty(&r.settings).expect("settings serialise"))
    );
    let _ = writeln!(s, "</body>\n</html>");
}

fn figure(s: &mut String, svg: &str, caption: &str) {
    let _ = writeln!(
        s,
        "<figure>{svg}<figcaption>{caption}</figcaption></figure>"
    );
}
