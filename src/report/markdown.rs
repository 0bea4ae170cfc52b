//! Markdown tables (terminals, pull requests) and the short terminal summary.

use super::{MeanSd, Report};
use std::borrow::Cow;
use std::fmt::Write;

/// Text (a class, recording or file name) as it must be written inside a Markdown table cell
/// or list item to render as itself (CommonMark with GFM tables): `\`, `|` and the characters
/// that open emphasis, code, links or strike-through (`*` `` ` `` `[` `]` `~`, and `_` unless
/// it sits between letters or digits) are backslash-escaped, `<` `>` `&` become entities so
/// no HTML gets through, a leading `#` `-` `+` `=` is escaped (no heading or list), and line
/// breaks become `<br>`. Ordinary names come back unchanged and uncopied.
pub(crate) fn md_cell(s: &str) -> Cow<'_, str> {
    let chars: Vec<char> = s.chars().collect();
    let intraword = |i: usize| {
        i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|c| c.is_alphanumeric())
    };
    let special = |i: usize, c: char| match c {
        '\\' | '|' | '*' | '`' | '[' | ']' | '~' | '<' | '>' | '&' | '\n' | '\r' => true,
        '_' => !intraword(i),
        '#' | '-' | '+' | '=' => i == 0,
        _ => false,
    };
    if !chars.iter().enumerate().any(|(i, &c)| special(i, c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' => {
                // CRLF is one break
                if c == '\r' && chars.get(i + 1) == Some(&'\n') {
                    i += 1;
                }
                out.push_str("<br>");
            }
            _ if special(i, c) => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    Cow::Owned(out)
}

/// Names joined into one Markdown cell, each escaped.
fn md_join(names: &[String], sep: &str) -> String {
    names
        .iter()
        .map(|n| md_cell(n))
        .collect::<Vec<_>>()
        .join(sep)
}

/// A fence for a code block holding `text`: three backticks, or more than the longest run of
/// backticks in it (a class name with ``` would otherwise end the block).
fn fence(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// A score with 3 decimals, or `n/a`.
/// A permutation p-value as every rendering writes it (4 decimals: 1/(N+1) for N = 100 is
/// 0.0099), `n/a` without a test.
pub(crate) fn p_text(p: Option<f64>) -> String {
    p.map_or("n/a".into(), |p| format!("{p:.4}"))
}

pub(crate) fn f3(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.3}"),
        _ => "n/a".into(),
    }
}

/// `mean ± sd`, or `n/a`.
pub(crate) fn pm(m: &MeanSd) -> String {
    match (m.mean, m.sd) {
        (Some(a), Some(b)) => format!("{a:.3} ± {b:.3}"),
        _ => "n/a".into(),
    }
}

/// The p-value line: observed against both chance levels.
pub(crate) fn chance_line(r: &Report) -> String {
    let empirical = match (r.empirical_chance_balanced_accuracy, r.permutation_p_value) {
        (Some(e), Some(p)) => format!(
            "; empirical chance {e:.3} from {} label permutations{}, p = {p:.4}{}",
            permutations_run(r),
            statistic_note(r),
            verdict(p, r.permutations_requested, r.distinct_labellings)
        ),
        _ => "; no permutation test (--permutations 0)".into(),
    };
    format!(
        "balanced accuracy {:.3} vs chance {:.3} (1/{}){empirical}",
        r.balanced_accuracy,
        r.chance_balanced_accuracy,
        r.classes.len()
    )
}

/// When the permutation test compared its scores with an observed score refitted as its own
/// fits are: " (fits stopped at scikit-learn's default tolerance, observed 0.165)"; else "".
fn statistic_note(r: &Report) -> String {
    match r.permutation_observed_balanced_accuracy {
        Some(o) if o != r.balanced_accuracy => format!(
            " (fits stopped at scikit-learn's default tolerance, observed {o:.3} the same way)"
        ),
        _ => String::new(),
    }
}

/// How many permutations ran: "100", or "23 of 100 (stopped once 10 reached the observed
/// score)" when the sequential stop ended the test.
pub(crate) fn permutations_run(r: &Report) -> String {
    if r.permutations < r.permutations_requested {
        let reached = r
            .permutation_balanced_accuracy
            .iter()
            .filter(|&&v| v >= r.permutation_observed())
            .count();
        format!(
            "{} of {} (stopped once {reached} reached the observed score: Besag & Clifford's sequential test, p = {reached}/{})",
            r.permutations, r.permutations_requested, r.permutations
        )
    } else {
        r.permutations.to_string()
    }
}

/// "1 recording", "3 recordings".
pub(crate) fn recordings(n: usize) -> String {
    format!("{n} recording{}", if n == 1 { "" } else { "s" })
}

/// What a permutation p-value says, with its resolution: N permutations cannot give a p below
/// 1/(N+1), so with fewer than 19 no result can reach p ≤ 0.05; and with `labellings` distinct
/// labellings (labels shuffled within each recording) p cannot fall much below 1/labellings
/// whatever N, so with fewer than 20 no count of permutations helps.
pub(crate) fn verdict(p: f64, permutations: usize, labellings: f64) -> String {
    let smallest = 1.0 / (permutations as f64 + 1.0);
    let finer = "use ≥ 99 permutations for p ≤ 0.01";
    if p <= 0.05 {
        " (beats chance)".to_string()
    } else if labellings < 20.0 {
        format!(
            " (cannot beat chance at p ≤ 0.05: labels are shuffled within each recording, and its events allow only {labellings} distinct labellings, so p stays near 1/{labellings} or above however many permutations run; record more events per recording, e.g. several shorter blocks per class)"
        )
    } else if smallest > 0.05 {
        format!(" (cannot beat chance at p ≤ 0.05: the smallest p-value {permutations} permutation{} can give is {smallest:.4}; {finer})", if permutations == 1 { "" } else { "s" })
    } else {
        " (does NOT beat chance)".to_string()
    }
}

/// The dropped windows and events, one reason a line.
pub(crate) fn dropped_rows(r: &Report) -> Vec<(&'static str, usize)> {
    let d = &r.dropped;
    vec![
        ("windows running off the recording", d.off_recording),
        (
            "labelled segments shorter than a window",
            d.segments_shorter_than_window,
        ),
        (
            "events without duration (sliding windows need one)",
            d.events_without_duration,
        ),
        (
            "events with labels not kept (--labels)",
            d.events_with_other_labels,
        ),
    ]
}

/// The report as Markdown.
pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# eegi evaluation\n");
    let _ = writeln!(
        s,
        "{} windows of {} classes from {}; {}.\n",
        r.n_windows,
        r.classes.len(),
        recordings(r.n_recordings),
        r.protocol
    );
    let _ = writeln!(
        s,
        "Pre-processing: {}. Pipeline: {}.\n",
        super::words::preprocessing(&r.settings.preprocessing),
        super::words::pipeline(&r.settings)
    );
    let _ = writeln!(s, "**{}**\n", chance_line(r));
    md_scores(&mut s, r);
    md_per_class_and_confusion(&mut s, r);
    md_erp(&mut s, r);
    md_folds_and_recordings(&mut s, r);
    md_dropped_and_settings(&mut s, r);
    s
}

/// The headline metrics table.
fn md_scores(s: &mut String, r: &Report) {
    let _ = writeln!(s, "| metric | value |\n|---|---|");
    for (name, v) in [
        ("balanced accuracy", Some(r.balanced_accuracy)),
        ("chance (1/K)", Some(r.chance_balanced_accuracy)),
        (
            "empirical chance (permutations)",
            r.empirical_chance_balanced_accuracy,
        ),
        ("accuracy", Some(r.accuracy)),
        ("macro F1", Some(r.macro_f1)),
        ("Cohen's kappa", r.kappa),
        ("ROC AUC", r.roc_auc),
        ("log loss", Some(r.log_loss)),
    ] {
        let _ = writeln!(s, "| {name} | {} |", f3(v));
    }
    let _ = writeln!(
        s,
        "| permutation p-value | {} |",
        p_text(r.permutation_p_value)
    );
    let _ = writeln!(
        s,
        "| balanced accuracy per fold | {} |",
        pm(&r.fold_balanced_accuracy)
    );
    let _ = writeln!(
        s,
        "| balanced accuracy per recording | {} |\n",
        pm(&r.recording_balanced_accuracy)
    );
}

/// Precision, recall and F1 per class, and the confusion matrix (counts and row %).
fn md_per_class_and_confusion(s: &mut String, r: &Report) {
    let _ = writeln!(
        s,
        "## Per class\n\n| class | precision | recall | F1 | support |\n|---|---|---|---|---|"
    );
    for c in &r.per_class {
        let _ = writeln!(
            s,
            "| {} | {:.3} | {:.3} | {:.3} | {} |",
            md_cell(&c.class),
            c.precision,
            c.recall,
            c.f1,
            c.support
        );
    }
    let _ = writeln!(
        s,
        "\n## Confusion matrix\n\nRows: true class; columns: predicted class; count (row %).\n"
    );
    let _ = writeln!(s, "| true \\ predicted | {} |", md_join(&r.classes, " | "));
    let _ = writeln!(s, "|---|{}", "---|".repeat(r.classes.len()));
    for (i, row) in r.confusion_matrix.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&r.confusion_matrix_normalised[i])
            .map(|(n, f)| format!("{n} ({:.0}%)", 100.0 * f))
            .collect();
        let _ = writeln!(s, "| {} | {} |", md_cell(&r.classes[i]), cells.join(" | "));
    }
}

/// The class averages in words: per drawn channel, where the difference wave (or, with more
/// than two classes, the spread of the class means) is largest.
fn md_erp(s: &mut String, r: &Report) {
    let Some(e) = &r.erp else { return };
    let _ = writeln!(
        s,
        "\n## Class averages (ERP)\n\n| channel | F | peak of {} | at | 95 % band |\n|---|---|---|---|---|",
        md_cell(e.difference_label.as_deref().unwrap_or("the class means"))
    );
    for ch in &e.channels {
        let (peak, value, half) = match (&ch.difference, &ch.difference_ci95) {
            (Some(d), Some(h)) => {
                let i = (0..d.len())
                    .max_by(|&a, &b| d[a].abs().total_cmp(&d[b].abs()))
                    .unwrap_or(0);
                (i, d.get(i).copied(), h.get(i).copied())
            }
            _ => (0, None, None),
        };
        let _ = writeln!(
            s,
            "| {} | {:.1} | {} | {} | {} |",
            md_cell(&ch.channel),
            ch.f_statistic,
            value.map_or("n/a".into(), |v| format!("{v:+.2} {}", e.unit)),
            e.times_s
                .get(peak)
                .filter(|_| value.is_some())
                .map_or("n/a".into(), |t| format!("{t:.3} s")),
            half.map_or("n/a".into(), |h| format!("± {h:.2}")),
        );
    }
    if let Some(m) = &e.scalp_map {
        let _ = writeln!(
            s,
            "\nScalp map (HTML report) at {:.3} s, the peak of the difference's global field power.",
            m.time_s
        );
    }
}

/// Balanced accuracy per fold and per recording.
fn md_folds_and_recordings(s: &mut String, r: &Report) {
    let _ = writeln!(s, "\n## Folds\n\n| fold | train | test | accuracy | balanced accuracy | fold chance | classes missing from training |\n|---|---|---|---|---|---|---|");
    for f in &r.folds {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.3} | {} | {} | {} |",
            md_cell(&f.name),
            f.n_train.map_or("-".into(), |n| n.to_string()),
            f.n_test,
            f.accuracy,
            f3(f.balanced_accuracy),
            f3(f.chance_balanced_accuracy),
            md_join(&f.missing_classes, ", ")
        );
    }
    let _ = writeln!(
        s,
        "| mean ± sd | | | | {} | | |",
        pm(&r.fold_balanced_accuracy)
    );
    let _ = writeln!(s, "\n## Recordings\n\n| recording | windows | accuracy | balanced accuracy |\n|---|---|---|---|");
    for x in &r.per_recording {
        let _ = writeln!(
            s,
            "| {} | {} | {:.3} | {} |",
            md_cell(&x.recording),
            x.n_windows,
            x.accuracy,
            f3(x.balanced_accuracy)
        );
    }
    let _ = writeln!(
        s,
        "| mean ± sd | | | {} |",
        pm(&r.recording_balanced_accuracy)
    );
}

/// What was dropped and why, the warnings, and the settings as JSON.
fn md_dropped_and_settings(s: &mut String, r: &Report) {
    let _ = writeln!(s, "\n## Dropped\n\n| reason | count |\n|---|---|");
    for (why, n) in dropped_rows(r) {
        let _ = writeln!(s, "| {why} | {n} |");
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(s, "\n## Warnings\n");
        for w in &r.warnings {
            let _ = writeln!(s, "- {}", md_cell(w));
        }
    }
    let _ = writeln!(
        s,
        "\n## Settings\n\neegi {}; permutations: {} ({}); seed {}.\n",
        r.eegi_version, r.permutations, r.permutation_scheme, r.settings.seed
    );
    let settings = serde_json::to_string_pretty(&r.settings).expect("settings serialise");
    let fence = fence(&settings);
    let _ = writeln!(s, "{fence}json\n{settings}\n{fence}");
}

/// A short table for the terminal.
pub fn terminal(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} windows, {} classes, {}; {}",
        r.n_windows,
        r.classes.len(),
        recordings(r.n_recordings),
        r.protocol
    );
    let _ = writeln!(
        s,
        "pre-processing: {}\npipeline: {}",
        super::words::preprocessing(&r.settings.preprocessing),
        super::words::pipeline(&r.settings)
    );
    let w = r.classes.iter().map(|c| c.len()).max().unwrap_or(5).max(5);
    let _ = writeln!(s, "  {:w$}  precision  recall     F1  support", "class");
    for c in &r.per_class {
        let _ = writeln!(
            s,
            "  {:w$}  {:9.3}  {:6.3}  {:5.3}  {:7}",
            c.class, c.precision, c.recall, c.f1, c.support
        );
    }
    let _ = writeln!(
        s,
        "accuracy {:.3}  macro F1 {:.3}  kappa {}  ROC AUC {}  log loss {:.3}",
        r.accuracy,
        r.macro_f1,
        f3(r.kappa),
        f3(r.roc_auc),
        r.log_loss
    );
    let _ = writeln!(
        s,
        "per fold {}; per recording {}",
        pm(&r.fold_balanced_accuracy),
        pm(&r.recording_balanced_accuracy)
    );
    let _ = writeln!(s, "{}", chance_line(r));
    for warning in &r.warnings {
        let _ = writeln!(s, "warning: {warning}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_are_left_alone() {
        for name in [
            "eyes_closed",
            "S001R04.csv",
            "sub-01_eeg.edf",
            "left hand",
            "p_300",
        ] {
            assert!(matches!(md_cell(name), Cow::Borrowed(_)), "{name}");
        }
    }

    #[test]
    fn hostile_names_are_escaped_for_a_table_cell() {
        assert_eq!(md_cell("a|b"), "a\\|b");
        assert_eq!(md_cell("back\\slash"), "back\\\\slash");
        assert_eq!(
            md_cell("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(md_cell("R&D"), "R&amp;D");
        assert_eq!(md_cell("two\nlines\r\nthree"), "two<br>lines<br>three");
        assert_eq!(
            md_cell("*bold* `code` [x]"),
            "\\*bold\\* \\`code\\` \\[x\\]"
        );
        assert_eq!(md_cell("_x_"), "\\_x\\_");
        assert_eq!(md_cell("# title"), "\\# title");
        // what is left has no unescaped pipe, no raw HTML and no line break
        let cell = md_cell("a|b\n<i>|\\|");
        assert!(!cell.contains('\n'), "{cell}");
        assert!(!cell.replace("<br>", "").contains('<'), "{cell}");
        // a pipe is escaped when an odd number of backslashes precede it
        let unescaped_pipes = cell
            .char_indices()
            .filter(|&(i, c)| {
                let run = cell[..i].chars().rev().take_while(|&b| b == '\\').count();
                c == '|' && run % 2 == 0
            })
            .count();
        assert_eq!(unescaped_pipes, 0, "{cell}");
    }

    #[test]
    fn the_p_value_verdict_states_its_resolution() {
        assert_eq!(verdict(0.0099, 100, 1e9), " (beats chance)");
        assert_eq!(verdict(0.3, 100, 1e9), " (does NOT beat chance)");
        assert_eq!(
            verdict(1.0 / 11.0, 10, 1e9),
            " (cannot beat chance at p ≤ 0.05: the smallest p-value 10 permutations can give is 0.0909; use ≥ 99 permutations for p ≤ 0.01)"
        );
        // one block per class in one recording: 2 labellings, more permutations cannot help
        let v = verdict(0.64, 100, 2.0);
        assert!(v.contains("only 2 distinct labellings"), "{v}");
        assert!(!v.contains("99 permutations"), "{v}");
    }

    #[test]
    fn a_code_fence_outlasts_backticks_in_the_text() {
        assert_eq!(fence("{}"), "```");
        assert_eq!(fence("a ``` b"), "````");
        assert_eq!(fence("`````"), "``````");
    }
}
