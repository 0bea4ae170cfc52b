//! The report of `eegi evaluate --compare` ([`CompareReport`]): a terminal table, Markdown, and
//! a self-contained HTML page with an SVG of every pipeline's fold scores.

use super::markdown::{f3, md_cell};
use super::svg::{colour, esc};
use crate::evaluate::compare::{CompareReport, PipelineResult};
use std::fmt::Write;

/// The table's header.
const HEADER: [&str; 8] = [
    "pipeline",
    "balanced accuracy (fold mean)",
    "fold SD",
    "fold min–max",
    "pooled balanced accuracy",
    "accuracy",
    "time (s)",
    "vs best: Δ, Wilcoxon p",
];

/// One pipeline's cells (a skipped one: its reason in the second).
fn cells(r: &PipelineResult, best: Option<&str>) -> [String; 8] {
    if let Some(why) = &r.skipped {
        let mut c: [String; 8] = Default::default();
        c[0] = r.name.clone();
        c[1] = format!("skipped: {why}");
        c[6] = format!("{:.2}", r.seconds);
        return c;
    }
    let versus = match (&r.versus_best, best == Some(r.name.as_str())) {
        (_, true) => "best".to_string(),
        (Some(t), _) => format!("{:+.3}, p = {:.4}", -t.mean_difference, t.p_value),
        (None, _) => "n/a".to_string(),
    };
    [
        r.name.clone(),
        f3(r.mean_fold_balanced_accuracy),
        f3(r.sd_fold_balanced_accuracy),
        format!(
            "{}–{}",
            f3(r.min_fold_balanced_accuracy),
            f3(r.max_fold_balanced_accuracy)
        ),
        f3(r.balanced_accuracy),
        f3(r.accuracy),
        format!("{:.2}", r.seconds),
        versus,
    ]
}

/// The one-line summary above the table.
fn headline(r: &CompareReport) -> String {
    format!(
        "{} pipelines on {} windows of {} ({}) from {} recording{}; {}; chance {:.3}; paired tests across {} (Wilcoxon signed-rank, two-sided, as scipy.stats.wilcoxon).",
        r.pipelines.len(),
        r.n_windows,
        r.classes.len(),
        r.classes.join(", "),
        r.n_recordings,
        if r.n_recordings == 1 { "" } else { "s" },
        r.protocol,
        r.chance_balanced_accuracy,
        r.paired_by
    )
}

/// The short terminal table.
pub fn terminal(r: &CompareReport) -> String {
    let rows: Vec<[String; 8]> = r
        .pipelines
        .iter()
        .map(|p| cells(p, r.best.as_deref()))
        .collect();
    let head = [
        "pipeline",
        "BA mean",
        "SD",
        "min–max",
        "pooled BA",
        "acc",
        "time s",
        "vs best",
    ];
    let mut width = head.map(|h| h.chars().count());
    for c in &rows {
        for (w, s) in width.iter_mut().zip(c) {
            if !s.starts_with("skipped") {
                *w = (*w).max(s.chars().count());
            }
        }
    }
    let mut s = format!("{}\n", headline(r));
    let line = |cells: &[String]| {
        let mut l = String::new();
        for (i, (c, w)) in cells.iter().zip(width).enumerate() {
            if c.starts_with("skipped") {
                let _ = write!(l, "  {c}");
                break;
            }
            let _ = if i == 0 {
                write!(l, "{c:<w$}")
            } else {
                write!(l, "  {c:>w$}")
            };
        }
        l.trim_end().to_string()
    };
    let _ = writeln!(s, "{}", line(&head.map(String::from)));
    for c in &rows {
        let _ = writeln!(s, "{}", line(c));
    }
    if let Some(b) = &r.best {
        let _ = writeln!(s, "best: {b}");
    }
    s
}

/// The report as Markdown.
pub fn markdown(r: &CompareReport) -> String {
    let mut s = format!(
        "# eegi pipeline comparison\n\n{}\n\n",
        md_cell(&headline(r))
    );
    let _ = writeln!(s, "| {} |", HEADER.join(" | "));
    let _ = writeln!(s, "|---|{}", "---:|".repeat(HEADER.len() - 1));
    for p in &r.pipelines {
        let c = cells(p, r.best.as_deref());
        let c: Vec<String> = c.iter().map(|x| md_cell(x).into_owned()).collect();
        let _ = writeln!(s, "| {} |", c.join(" | "));
    }
    s.push_str("\n## Balanced accuracy per fold\n\n| fold | train | test |");
    let ran: Vec<&PipelineResult> = r.pipelines.iter().filter(|p| p.skipped.is_none()).collect();
    for p in &ran {
        let _ = write!(s, " {} |", md_cell(&p.name));
    }
    let _ = writeln!(s, "\n|---|---:|---:|{}", "---:|".repeat(ran.len()));
    for (f, fold) in r.folds.iter().enumerate() {
        let _ = write!(
            s,
            "| {} | {} | {} |",
            md_cell(&fold.name),
            fold.n_train,
            fold.n_test
        );
        for p in &ran {
            let _ = write!(
                s,
                " {} |",
                f3(p.fold_balanced_accuracy.get(f).copied().flatten())
            );
        }
        s.push('\n');
    }
    s.push('\n');
    for p in &r.pipelines {
        let _ = writeln!(
            s,
            "- {}: `{}`",
            md_cell(&p.name),
            p.options.replace('`', "'")
        );
    }
    if !r.warnings.is_empty() {
        s.push_str("\n## Warnings\n\n");
        for w in &r.warnings {
            let _ = writeln!(s, "- {}", md_cell(w));
        }
    }
    let _ = writeln!(
        s,
        "\n## Settings\n\neegi {}.\n\n```json\n{}\n```",
        r.eegi_version,
        serde_json::to_string_pretty(&r.settings).unwrap_or_default()
    );
    s
}

/// The figure: per pipeline its fold balanced accuracies (dots), their mean (bar) and chance
/// (dashed line), 0 to 1.
pub fn figure(r: &CompareReport) -> String {
    let ran: Vec<&PipelineResult> = r.pipelines.iter().filter(|p| p.skipped.is_none()).collect();
    let (h, left, bottom, top) = (300.0, 58.0, 70.0, 10.0);
    let step = 90.0;
    let w = left + 10.0 + step * ran.len().max(1) as f64;
    let y = |v: f64| top + (1.0 - v.clamp(0.0, 1.0)) * (h - top - bottom);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"balanced accuracy of each pipeline per fold\">"
    );
    let _ = write!(
        s,
        "<text x=\"12\" y=\"{0:.1}\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 {0:.1})\">balanced accuracy</text>",
        y(0.5)
    );
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y0:.1}\" y2=\"{y0:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{t:.2}</text>",
            w - 10.0,
            left - 4.0,
            y(t) + 4.0,
            y0 = y(t)
        );
    }
    for (k, p) in ran.iter().enumerate() {
        let x0 = left + k as f64 * step;
        if let Some(m) = p.mean_fold_balanced_accuracy {
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\" fill-opacity=\"0.35\"><title>{} mean {m:.3}</title></rect>",
                x0 + step * 0.2,
                y(m),
                step * 0.6,
                y(0.0) - y(m),
                colour(k, ran.len()),
                esc(&p.name)
            );
        }
        let n = p.fold_balanced_accuracy.len().max(1) as f64;
        for (f, v) in p.fold_balanced_accuracy.iter().enumerate() {
            if let Some(v) = v {
                // folds spread across the bar, in fold order
                let _ = write!(
                    s,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{}\"><title>{} {}: {v:.3}</title></circle>",
                    x0 + step * (0.25 + 0.5 * (f as f64 + 0.5) / n),
                    y(*v),
                    colour(k, ran.len()),
                    esc(&p.name),
                    esc(r.folds.get(f).map_or("", |x| x.name.as_str()))
                );
            }
        }
        let (tx, ty) = (x0 + step * 0.5, h - bottom + 12.0);
        let _ = write!(
            s,
            "<text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"11\" text-anchor=\"end\" transform=\"rotate(-35 {tx:.1} {ty:.1})\">{}</text>",
            esc(&p.name)
        );
    }
    let yc = y(r.chance_balanced_accuracy);
    let _ = write!(
        s,
        "<line x1=\"{left}\" x2=\"{}\" y1=\"{yc:.1}\" y2=\"{yc:.1}\" stroke=\"#c33\" stroke-dasharray=\"4 3\"><title>chance {:.3}</title></line></svg>",
        w - 10.0,
        r.chance_balanced_accuracy
    );
    s
}

/// A self-contained HTML page: headline, figure, and the tables of [`markdown`] as HTML.
pub fn html(r: &CompareReport) -> String {
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>eegi pipeline comparison: {}</title><style>body{{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}td:first-child,th:first-child{{text-align:left}}svg text{{font-family:sans-serif}}</style></head><body><h1>eegi pipeline comparison: {}</h1><p>{}</p>",
        esc(&r.classes.join(" vs ")),
        esc(&r.classes.join(" vs ")),
        esc(&headline(r))
    );
    if let Some(b) = &r.best {
        let _ = write!(s, "<p><b>Best: {}</b></p>", esc(b));
    }
    s.push_str("<h2>Balanced accuracy per fold</h2><figure style=\"margin:0\">");
    s.push_str(&figure(r));
    s.push_str("<figcaption>Dots: each fold's balanced accuracy; bars: their mean; dashed red: chance.</figcaption></figure><h2>Pipelines</h2><table><tr>");
    for h in HEADER {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr>");
    for p in &r.pipelines {
        s.push_str("<tr>");
        for c in cells(p, r.best.as_deref()) {
            let _ = write!(s, "<td>{}</td>", esc(&c));
        }
        s.push_str("</tr>");
    }
    s.push_str("</table><h2>Folds (shared by every pipeline)</h2><table><tr><th>fold</th><th>train</th><th>test</th>");
    let ran: Vec<&PipelineResult> = r.pipelines.iter().filter(|p| p.skipped.is_none()).collect();
    for p in &ran {
        let _ = write!(s, "<th>{}</th>", esc(&p.name));
    }
    s.push_str("</tr>");
    for (f, fold) in r.folds.iter().enumerate() {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td>",
            esc(&fold.name),
            fold.n_train,
            fold.n_test
        );
        for p in &ran {
            let _ = write!(
                s,
                "<td>{}</td>",
                f3(p.fold_balanced_accuracy.get(f).copied().flatten())
            );
        }
        s.push_str("</tr>");
    }
    s.push_str("</table><h2>Options of each pipeline</h2><ul>");
    for p in &r.pipelines {
        let _ = write!(
            s,
            "<li>{}: <code>{}</code></li>",
            esc(&p.name),
            esc(&p.options)
        );
    }
    s.push_str("</ul>");
    if !r.warnings.is_empty() {
        s.push_str("<h2>Warnings</h2><ul>");
        for w in &r.warnings {
            let _ = write!(s, "<li>{}</li>", esc(w));
        }
        s.push_str("</ul>");
    }
    let _ = writeln!(
        s,
        "<h2>Settings</h2><p>eegi {}.</p><pre style=\"text-align:left\">{}</pre></body></html>",
        esc(&r.eegi_version),
        esc(&serde_json::to_string_pretty(&r.settings).unwrap_or_default())
    );
    s
}
