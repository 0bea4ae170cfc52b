//! A study evaluation's report ([`StudyReport`]) as a terminal table, Markdown, or a
//! self-contained HTML page with a figure of the scores by subject (inline SVG: one dot per
//! row, a bar per subject's mean, the chance level as a dashed line). Rendering only.

use crate::evaluate::study::{StudyReport, StudyRow};

/// A score with 3 decimals, `–` when absent.
fn num(v: Option<f64>) -> String {
    v.map_or("–".to_string(), |x| format!("{x:.3}"))
}

/// Text safe in HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text safe in a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('<', "&lt;")
}

/// The headline: protocol, subjects, mean ± sd.
fn headline(r: &StudyReport) -> String {
    let a = &r.across_subjects;
    format!(
        "{}: {}. {} subjects, balanced accuracy {} ± {} (mean ± sd across subjects; median {}, range {}-{}){}",
        r.protocol.name(),
        r.description,
        a.n,
        num(a.mean),
        num(a.sd),
        num(a.median),
        num(a.min),
        num(a.max),
        r.shard.as_ref().map(|s| format!(", shard {s}")).unwrap_or_default()
    )
}

/// One row's cells: subject, session, windows, balanced accuracy, fold mean, chance,
/// empirical chance, p.
fn row_cells(x: &StudyRow) -> [String; 8] {
    [
        format!("sub-{}", x.subject),
        x.session.clone().unwrap_or_else(|| "–".into()),
        x.n_windows.to_string(),
        num(x.balanced_accuracy),
        num(x.fold_mean_balanced_accuracy),
        num(x.chance_balanced_accuracy),
        num(x.empirical_chance_balanced_accuracy),
        num(x.permutation_p_value),
    ]
}

const HEADER: [&str; 8] = [
    "subject",
    "session",
    "windows",
    "balanced accuracy",
    "mean of folds",
    "chance",
    "permutation chance",
    "p",
];

/// The terminal table.
pub fn terminal(r: &StudyReport) -> String {
    let mut s = format!("{}\n", headline(r));
    let rows: Vec<[String; 8]> = r.rows.iter().map(row_cells).collect();
    let width: Vec<usize> = (0..8)
        .map(|c| {
            rows.iter()
                .map(|x| x[c].chars().count())
                .chain([HEADER[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&width)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    s.push_str(&line(HEADER.iter().map(|h| h.to_string()).collect()));
    for x in rows {
        s.push_str(&line(x.to_vec()));
    }
    for w in &r.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    s
}

/// Markdown: the headline, the rows, the subjects and the warnings.
pub fn markdown(r: &StudyReport) -> String {
    let mut s = format!(
        "# Study evaluation: {}\n\n{}\n\n",
        r.protocol.name(),
        headline(r)
    );
    if let Some(p) = pipeline_in_words(&r.settings) {
        s.push_str(&format!("Pipeline: {p}\n\n"));
    }
    s.push_str(&format!(
        "| {} |\n|{}\n",
        HEADER.join(" | "),
        "---|".repeat(8)
    ));
    for x in &r.rows {
        let c: Vec<String> = row_cells(x).iter().map(|c| cell(c)).collect();
        s.push_str(&format!("| {} |\n", c.join(" | ")));
    }
    s.push_str(
        "\n## Subjects\n\n| subject | rows | balanced accuracy | chance |\n|---|---|---|---|\n",
    );
    for x in &r.subjects {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&x.subject),
            x.n_rows,
            num(x.balanced_accuracy),
            num(x.chance_balanced_accuracy)
        ));
    }
    if let Some(p) = r.permutation_p_value {
        s.push_str(&format!("\nPermutation p-value of the whole run: {p:.4}\n"));
    }
    if !r.warnings.is_empty() {
        s.push_str("\n## Warnings\n\n");
        for w in &r.warnings {
            s.push_str(&format!("- {}\n", cell(w)));
        }
    }
    s
}

/// The figure: balanced accuracy by subject (bar: the subject's mean; dots: its rows; dashed
/// line: its chance level), 0 to 1.
fn figure(r: &StudyReport) -> String {
    let (w, h, left, bottom, top) = (640.0, 260.0, 58.0, 40.0, 10.0);
    let n = r.subjects.len().max(1) as f64;
    let step = (w - left - 10.0) / n;
    let y = |v: f64| top + (1.0 - v.clamp(0.0, 1.0)) * (h - top - bottom);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"balanced accuracy by subject\">"
    );
    s.push_str(&format!(
        "<text x=\"12\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 {:.1})\">balanced accuracy</text>",
        y(0.5),
        y(0.5)
    ));
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        s.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y0:.1}\" y2=\"{y0:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{t:.2}</text>",
            w - 10.0,
            left - 4.0,
            y(t) + 4.0,
            y0 = y(t)
        ));
    }
    for (k, sub) in r.subjects.iter().enumerate() {
        let x0 = left + k as f64 * step;
        if let Some(ba) = sub.balanced_accuracy {
            s.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#7aa6d6\"><title>sub-{} {ba:.3}</title></rect>",
                x0 + step * 0.2,
                y(ba),
                step * 0.6,
                y(0.0) - y(ba),
                esc(&sub.subject)
            ));
        }
        if let Some(c) = sub.chance_balanced_accuracy {
            s.push_str(&format!(
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{yc:.1}\" y2=\"{yc:.1}\" stroke=\"#c33\" stroke-dasharray=\"4 3\"/>",
                x0 + step * 0.1,
                x0 + step * 0.9,
                yc = y(c)
            ));
        }
        for row in r.rows.iter().filter(|x| x.subject == sub.subject) {
            if let Some(ba) = row.balanced_accuracy {
                s.push_str(&format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#234\"/>",
                    x0 + step * 0.5,
                    y(ba)
                ));
            }
        }
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">sub-{}</text>",
            x0 + step * 0.5,
            h - bottom + 16.0,
            esc(&sub.subject)
        ));
    }
    s.push_str("</svg>");
    s
}

/// A self-contained HTML page: headline, figure, the tables of [`markdown`] as HTML.
pub fn html(r: &StudyReport) -> String {
    let mut s = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>eegi study: {}</title><style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}</style></head><body><h1>Study evaluation: {}</h1><p>{}</p>",
        r.protocol.name(),
        r.protocol.name(),
        esc(&headline(r))
    );
    s.push_str("<h2>Balanced accuracy by subject</h2>");
    s.push_str(&figure(r));
    s.push_str("<p>Bars: each subject's mean; dots: its rows (sessions or folds); dashed: chance.</p><h2>Rows</h2><table><tr>");
    for h in HEADER {
        s.push_str(&format!("<th>{h}</th>"));
    }
    s.push_str("</tr>");
    for x in &r.rows {
        s.push_str("<tr>");
        for c in row_cells(x) {
            s.push_str(&format!("<td>{}</td>", esc(&c)));
        }
        s.push_str("</tr>");
    }
    s.push_str("</table><h2>Subjects</h2><table><tr><th>subject</th><th>rows</th><th>balanced accuracy</th><th>chance</th></tr>");
    for x in &r.subjects {
        s.push_str(&format!(
            "<tr><td>sub-{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&x.subject),
            x.n_rows,
            num(x.balanced_accuracy),
            num(x.chance_balanced_accuracy)
        ));
    }
    s.push_str("</table>");
    if let Some(p) = r.permutation_p_value {
        s.push_str(&format!(
            "<p>Permutation p-value of the whole run: {p:.4}</p>"
        ));
    }
    if !r.warnings.is_empty() {
        s.push_str("<h2>Warnings</h2><ul>");
        for w in &r.warnings {
            s.push_str(&format!("<li>{}</li>", esc(w)));
        }
        s.push_str("</ul>");
    }
    if let Some(p) = pipeline_in_words(&r.settings) {
        s.push_str(&format!("<h2>Pipeline</h2><p>{}</p>", esc(&p)));
    }
    if !r.settings.is_null() {
        s.push_str(&format!(
            "<h2>Settings</h2><p>eegi {}.</p><pre style=\"text-align:left\">{}</pre>",
            esc(&r.eegi_version),
            esc(&serde_json::to_string_pretty(&r.settings).unwrap_or_default())
        ));
    }
    s.push_str("</body></html>\n");
    s
}

/// The pipeline of a study report in one sentence (window, labels, features, pre-processing,
/// classifier, permutations and seed), read from its `settings` JSON; `None` when it has none.
pub fn pipeline_in_words(settings: &serde_json::Value) -> Option<String> {
    let w = settings.get("window")?;
    let window = match w.get("kind").and_then(|k| k.as_str()) {
        Some("epoch") => format!(
            "epochs {} to {} s after each event",
            number(&w["start_s"]),
            number(&w["end_s"])
        ),
        _ => format!(
            "windows of {} s every {} s",
            number(&w["window_s"]),
            number(&w["step_s"])
        ),
    };
    let labels = match settings.get("labels").and_then(|l| l.as_array()) {
        Some(l) => l
            .iter()
            .filter_map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join(" vs "),
        None => "all labels".into(),
    };
    let features: Vec<String> = settings
        .get("features")
        .and_then(|f| f.as_array())
        .map(|f| {
            f.iter()
                .map(|x| match x.get("kind").and_then(|k| k.as_str()) {
                    Some("band_power") => {
                        let bands: Vec<String> = x["bands"]
                            .as_array()
                            .map(|b| {
                                b.iter()
                                    .map(|b| {
                                        format!(
                                            "{} {}-{} Hz",
                                            b["name"].as_str().unwrap_or("?"),
                                            number(&b["low_hz"]),
                                            number(&b["high_hz"])
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        format!("Welch band power ({})", bands.join(", "))
                    }
                    Some(k) => k.replace('_', " "),
                    None => "?".into(),
                })
                .collect()
        })
        .unwrap_or_default();
    let pre = settings
        .get("preprocessing")
        .and_then(|p| {
            serde_json::from_value::<crate::evaluate::report::PreprocessingSettings>(p.clone()).ok()
        })
        .map(|p| super::words::preprocessing(&p))
        .unwrap_or_else(|| "none".into());
    let classifier = settings
        .get("classifier")
        .and_then(|c| c.get("kind"))
        .and_then(|k| k.as_str())
        .unwrap_or("the model's");
    Some(format!(
        "{labels}; {window}; pre-processing: {pre}; features: {}; classifier: {classifier}; {} permutations, seed {}.",
        features.join(", "),
        settings.get("permutations").unwrap_or(&serde_json::Value::Null),
        settings.get("seed").unwrap_or(&serde_json::Value::Null)
    ))
}

/// A JSON number as Rust prints it (8.0 → "8", 0.5 → "0.5"); `?` for anything else.
fn number(v: &serde_json::Value) -> String {
    v.as_f64().map_or("?".into(), |x| x.to_string())
}
