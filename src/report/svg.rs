//! The SVG figures of the HTML report: confusion matrix, ROC curves, folds, permutations and
//! spectra, drawn as plain SVG text (no script, generic fonts).

use super::markdown::f3;
use super::Report;
use std::fmt::Write;

/// Class colours for up to eight classes: Okabe & Ito's colour-blind-safe palette (Okabe M,
/// Ito K, 2008, "Color Universal Design"), yellow last as the faintest on white.
const OKABE_ITO: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];

/// Class colours for nine to fourteen classes: Paul Tol's discrete rainbow, 14 colours
/// (Tol P, 2021, "Colour Schemes", SRON/EPS/TN/09-002, figure 22), distinguishable under the
/// common colour-vision deficiencies.
const TOL_RAINBOW_14: [&str; 14] = [
    "#D1BBD7", "#AE76A3", "#882E72", "#1965B0", "#5289C7", "#7BAFDE", "#4EB265", "#90C987",
    "#CAE0AB", "#F7F056", "#F6C141", "#F1932D", "#E8601C", "#DC050C",
];

/// The colour of class `i` of `k`: Okabe-Ito up to 8 classes, Tol's rainbow spread over its 14
/// colours up to 14; beyond 14 colours repeat (each curve is also labelled).
pub(super) fn colour(i: usize, k: usize) -> &'static str {
    if k <= OKABE_ITO.len() {
        OKABE_ITO[i % OKABE_ITO.len()]
    } else if k <= TOL_RAINBOW_14.len() {
        TOL_RAINBOW_14[(i * (TOL_RAINBOW_14.len() - 1)) / (k - 1)]
    } else {
        TOL_RAINBOW_14[i % TOL_RAINBOW_14.len()]
    }
}

/// About `n` round tick values (steps of 1, 2 or 5 × 10^e) covering `lo..=hi`.
pub(super) fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let e = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * e)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * e);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// Escapes text for HTML and SVG.
pub(super) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Class names shortened for axis labels.
pub(super) fn short(name: &str) -> String {
    if name.chars().count() > 22 {
        let t: String = name.chars().take(21).collect();
        format!("{t}…")
    } else {
        name.to_string()
    }
}

/// The confusion matrix as a heat map (share of the true class), counts and row %.
pub(super) fn confusion_svg(r: &Report) -> String {
    let k = r.classes.len();
    let cell = (360 / k).clamp(40, 110) as f64;
    let left = 170.0;
    let top = 40.0;
    let bottom = 120.0;
    let w = left + cell * k as f64 + 20.0;
    let h = top + cell * k as f64 + bottom;
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">");
    let _ = write!(s, "<text x=\"{}\" y=\"20\" font-size=\"14\" text-anchor=\"middle\" font-weight=\"bold\">Confusion matrix</text>", left + cell * k as f64 / 2.0);
    for i in 0..k {
        for j in 0..k {
            let f = r.confusion_matrix_normalised[i][j];
            // white → dark blue
            let lerp = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
            let fill = format!(
                "#{:02x}{:02x}{:02x}",
                lerp(255.0, 8.0),
                lerp(255.0, 48.0),
                lerp(255.0, 107.0)
            );
            let (x, y) = (left + cell * j as f64, top + cell * i as f64);
            let text = if f > 0.5 { "#fff" } else { "#111" };
            let _ = write!(
                s,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"{fill}\" stroke=\"#888\"/><text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\" fill=\"{text}\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"{text}\">{:.0}%</text>",
                x + cell / 2.0, y + cell / 2.0 - 2.0, r.confusion_matrix[i][j],
                x + cell / 2.0, y + cell / 2.0 + 13.0, 100.0 * f
            );
        }
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            top + cell * i as f64 + cell / 2.0 + 4.0,
            esc(&short(&r.classes[i]))
        );
        let (cx, cy) = (
            left + cell * i as f64 + cell / 2.0,
            top + cell * k as f64 + 8.0,
        );
        let _ = write!(s, "<text x=\"{cx}\" y=\"{cy}\" font-size=\"12\" text-anchor=\"end\" transform=\"rotate(-40 {cx} {cy})\">{}</text>", esc(&short(&r.classes[i])));
    }
    let _ = write!(s, "<text x=\"14\" y=\"{}\" font-size=\"12\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\">true class</text>", top + cell * k as f64 / 2.0, top + cell * k as f64 / 2.0);
    let _ = write!(s, "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">predicted class</text></svg>", left + cell * k as f64 / 2.0, h - 6.0);
    s
}

/// Axes for a unit-square-ish plot: returns the opening of the SVG with frame, ticks and labels.
pub(super) struct Plot {
    /// Width and height of the whole SVG, px.
    pub(super) w: f64,
    pub(super) h: f64,
    /// Left and top edges of the plotting area, px.
    pub(super) left: f64,
    pub(super) top: f64,
    /// Width and height of the plotting area, px.
    pub(super) pw: f64,
    pub(super) ph: f64,
    /// Data ranges shown on each axis.
    pub(super) x: (f64, f64),
    pub(super) y: (f64, f64),
}

impl Plot {
    pub(super) fn new(w: f64, h: f64, x: (f64, f64), y: (f64, f64)) -> Plot {
        Plot {
            w,
            h,
            left: 55.0,
            top: 30.0,
            pw: w - 75.0,
            ph: h - 80.0,
            x,
            y,
        }
    }
    pub(super) fn px(&self, v: f64) -> f64 {
        self.left + (v - self.x.0) / (self.x.1 - self.x.0) * self.pw
    }
    pub(super) fn py(&self, v: f64) -> f64 {
        self.top + self.ph - (v - self.y.0) / (self.y.1 - self.y.0) * self.ph
    }
    pub(super) fn open(
        &self,
        title: &str,
        xlabel: &str,
        ylabel: &str,
        yticks: &[f64],
        xticks: &[(f64, String)],
    ) -> String {
        let (w, h) = (self.w, self.h);
        let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">");
        let _ = write!(s, "<text x=\"{}\" y=\"18\" font-size=\"14\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>", self.left + self.pw / 2.0, esc(title));
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>",
            self.left, self.top, self.pw, self.ph
        );
        for &t in yticks {
            let y = self.py(t);
            let _ = write!(s, "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#e4e4e4\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>", self.left, self.left + self.pw, self.left - 4.0, y + 4.0, trim(t));
        }
        for (t, label) in xticks {
            let x = self.px(*t);
            let _ = write!(s, "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#444\"/><text x=\"{x}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>", self.top + self.ph, self.top + self.ph + 4.0, self.top + self.ph + 16.0, esc(label));
        }
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            self.left + self.pw / 2.0,
            self.top + self.ph + 34.0,
            esc(xlabel)
        );
        let (yx, yy) = (14.0, self.top + self.ph / 2.0);
        let _ = write!(s, "<text x=\"{yx}\" y=\"{yy}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 {yx} {yy})\">{}</text>", esc(ylabel));
        s
    }
    pub(super) fn polyline(&self, points: &[(f64, f64)], stroke: &str, extra: &str) -> String {
        let pts: Vec<String> = points
            .iter()
            .map(|&(x, y)| format!("{:.2},{:.2}", self.px(x), self.py(y)))
            .collect();
        format!("<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"2\" {extra}/>", pts.join(" "))
    }
    pub(super) fn hline(&self, y: f64, stroke: &str, dash: bool) -> String {
        let py = self.py(y);
        format!(
            "<line x1=\"{}\" x2=\"{}\" y1=\"{py}\" y2=\"{py}\" stroke=\"{stroke}\" stroke-width=\"1.5\"{}/>",
            self.left,
            self.left + self.pw,
            if dash { " stroke-dasharray=\"5 4\"" } else { "" }
        )
    }
}

/// A tick value without trailing zeros.
pub(super) fn trim(v: f64) -> String {
    let t = format!("{v:.2}");
    t.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn ticks01() -> Vec<f64> {
    vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
}

pub(super) fn legend(s: &mut String, x: f64, y: f64, items: &[(String, &str)]) {
    for (i, (label, c)) in items.iter().enumerate() {
        let yy = y + 15.0 * i as f64;
        let _ = write!(s, "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"4\" fill=\"{c}\"/><text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>", yy - 4.0, x + 16.0, yy, esc(label));
    }
}

/// ROC curves, one class against the rest, with their areas; the legend sits right of the
/// axes so it never covers a curve. A class whose scores never vary (absent from training)
/// has no curve and "AUC n/a".
pub(super) fn roc_svg(r: &Report) -> String {
    let k = r.classes.len();
    let legend_w = 40.0
        + 7.0
            * r.classes
                .iter()
                .map(|c| short(c).chars().count())
                .max()
                .unwrap_or(8) as f64
        + 70.0;
    let mut p = Plot::new(420.0, 420.0, (0.0, 1.0), (0.0, 1.0));
    p.w += legend_w;
    let xt: Vec<(f64, String)> = ticks01().into_iter().map(|t| (t, trim(t))).collect();
    let mut s = p.open(
        "ROC curves",
        "false positive rate",
        "true positive rate",
        &ticks01(),
        &xt,
    );
    s.push_str(&p.polyline(
        &[(0.0, 0.0), (1.0, 1.0)],
        "#999",
        "stroke-dasharray=\"5 4\"",
    ));
    let mut items = Vec::new();
    for c in &r.roc_curves {
        let i = r.classes.iter().position(|n| *n == c.class).unwrap_or(0);
        if c.auc.is_some() {
            s.push_str(&p.polyline(&c.points, colour(i, k), ""));
        }
        items.push((
            format!("{} (AUC {})", short(&c.class), f3(c.auc)),
            colour(i, k),
        ));
    }
    legend(&mut s, p.left + p.pw + 12.0, p.top + 10.0, &items);
    s.push_str("</svg>");
    s
}

/// Balanced accuracy per fold against the fold's chance level and the pooled score.
pub(super) fn folds_svg(r: &Report) -> String {
    let n = r.folds.len().max(1);
    let w = (120.0 + 34.0 * n as f64).clamp(320.0, 640.0);
    let mut p = Plot::new(w, 380.0, (0.5, n as f64 + 0.5), (0.0, 1.0));
    p.h += 36.0; // the legend goes below the axes, never over a fold's point
    let xt: Vec<(f64, String)> = (1..=n).map(|i| (i as f64, i.to_string())).collect();
    let mut s = p.open(
        "Balanced accuracy per fold",
        "fold (see the Folds table)",
        "balanced accuracy",
        &ticks01(),
        &xt,
    );
    s.push_str(&p.hline(r.chance_balanced_accuracy, "#e15759", true));
    s.push_str(&p.hline(r.balanced_accuracy, "#4e79a7", false));
    for (i, f) in r.folds.iter().enumerate() {
        if let Some(c) = f.chance_balanced_accuracy {
            let (x, y) = (p.px(i as f64 + 1.0), p.py(c));
            let _ = write!(s, "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#e15759\" stroke-width=\"3\"/>", x - 9.0, x + 9.0);
        }
        if let Some(b) = f.balanced_accuracy {
            let (x, y) = (p.px(i as f64 + 1.0), p.py(b));
            let _ = write!(s, "<circle cx=\"{x}\" cy=\"{y}\" r=\"5\" fill=\"#f28e2b\" stroke=\"#333\"><title>{}: {b:.3}</title></circle>", esc(&f.name));
            if n <= 16 {
                let _ = write!(s, "<text x=\"{x}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{b:.2}</text>", y - 8.0);
            }
        }
    }
    legend(
        &mut s,
        p.left + 8.0,
        p.top + p.ph + 52.0,
        &[
            (format!("pooled {:.3}", r.balanced_accuracy), "#4e79a7"),
            (
                format!("chance {:.3}; bars: per fold", r.chance_balanced_accuracy),
                "#e15759",
            ),
        ],
    );
    s.push_str("</svg>");
    s
}

/// The permutation distribution of balanced accuracy against the observed score.
pub(super) fn permutation_svg(r: &Report) -> String {
    let scores = &r.permutation_balanced_accuracy;
    let observed = r.permutation_observed();
    let lo = scores.iter().copied().fold(observed, f64::min);
    let hi = scores.iter().copied().fold(observed, f64::max);
    let (lo, hi) = ((lo - 0.05).max(0.0), (hi + 0.05).min(1.0));
    let bins = 20;
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &v in scores {
        let b = (((v - lo) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let top = *counts.iter().max().unwrap_or(&1) as f64;
    let step = (top / 4.0).ceil().max(1.0);
    let yticks: Vec<f64> = (0..=4)
        .map(|i| i as f64 * step)
        .filter(|&t| t <= top * 1.1 + step)
        .collect();
    let ymax = yticks.last().copied().unwrap_or(1.0).max(top);
    let p = Plot::new(420.0, 380.0, (lo, hi), (0.0, ymax));
    let xt: Vec<(f64, String)> = nice_ticks(lo, hi, 4)
        .into_iter()
        .map(|t| (t, trim(t)))
        .collect();
    let mut s = p.open(
        &format!("Permutation test ({} permutations)", scores.len()),
        "balanced accuracy",
        "permutations",
        &yticks,
        &xt,
    );
    for (b, &c) in counts.iter().enumerate() {
        let x0 = p.px(lo + width * b as f64);
        let x1 = p.px(lo + width * (b + 1) as f64);
        let y = p.py(c as f64);
        let _ = write!(s, "<rect x=\"{x0:.2}\" y=\"{y:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"#bab0ac\" stroke=\"#fff\"/>", x1 - x0, p.py(0.0) - y);
    }
    let x = p.px(observed);
    let _ = write!(
        s,
        "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#e15759\" stroke-width=\"2.5\"/>",
        p.top,
        p.top + p.ph
    );
    let label = format!(
        "observed {:.3}, p = {}",
        observed,
        super::markdown::p_text(r.permutation_p_value)
    );
    let anchor = if x > p.left + p.pw * 0.6 {
        "end"
    } else {
        "start"
    };
    let dx = if anchor == "end" { -5.0 } else { 5.0 };
    let _ = write!(s, "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#b02a2a\" text-anchor=\"{anchor}\">{}</text>", x + dx, p.top + 16.0, esc(&label));
    s.push_str("</svg>");
    s
}

/// Mean band power per class on the channels that separate the classes best.
pub(super) fn spectra_svg(r: &Report) -> String {
    let sp = &r.spectra;
    let nb = sp.bands.len();
    let mut out = String::new();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for ch in &sp.channels {
        for row in &ch.mean {
            for &v in row {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
    }
    if !lo.is_finite() {
        return out;
    }
    let pad = ((hi - lo) * 0.08).max(1e-6);
    let (lo, hi) = (lo - pad, hi + pad);
    let yticks = nice_ticks(lo, hi, 4);
    let k = r.classes.len();
    let panel_w = 300.0;
    let n = sp.channels.len();
    let legend_h = 15.0 * r.classes.len() as f64 + 10.0;
    let total_w = panel_w * n.min(2) as f64;
    let rows = n.div_ceil(2);
    let total_h = 300.0 * rows as f64 + legend_h;
    let _ = write!(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total_w}\" height=\"{total_h}\" viewBox=\"0 0 {total_w} {total_h}\" role=\"img\">");
    for (i, ch) in sp.channels.iter().enumerate() {
        let p = Plot::new(panel_w, 300.0, (-0.5, nb as f64 - 0.5), (lo, hi));
        let xt: Vec<(f64, String)> = sp
            .bands
            .iter()
            .enumerate()
            .map(|(b, name)| (b as f64, name.split(' ').next().unwrap_or("").to_string()))
            .collect();
        let title = format!("{} (F = {:.1})", ch.channel, ch.f_statistic);
        let mut panel = p.open(&title, "band", &sp.unit, &[], &xt);
        for &t in &yticks {
            let y = p.py(t);
            let _ = write!(panel, "<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">{}</text><line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#eee\"/>", p.left - 3.0, y + 3.0, trim(t), p.left, p.left + p.pw);
        }
        for (c, row) in ch.mean.iter().enumerate() {
            let pts: Vec<(f64, f64)> = row
                .iter()
                .enumerate()
                .map(|(b, &v)| (b as f64, v))
                .collect();
            panel.push_str(&p.polyline(&pts, colour(c, k), ""));
            for &(x, y) in &pts {
                let _ = write!(
                    panel,
                    "<circle cx=\"{:.2}\" cy=\"{:.2}\" r=\"3\" fill=\"{}\"/>",
                    p.px(x),
                    p.py(y),
                    colour(c, k)
                );
            }
        }
        panel.push_str("</svg>");
        // nest the panel as an inner <svg> positioned in the grid
        let (gx, gy) = (panel_w * (i % 2) as f64, 300.0 * (i / 2) as f64);
        out.push_str(&panel.replacen("<svg ", &format!("<svg x=\"{gx}\" y=\"{gy}\" "), 1));
    }
    let items: Vec<(String, &str)> = r
        .classes
        .iter()
        .enumerate()
        .map(|(c, n)| (short(n), colour(c, k)))
        .collect();
    legend(&mut out, 60.0, 300.0 * rows as f64 + 12.0, &items);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::{colour, nice_ticks};

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let close = |t: Vec<f64>, want: &[f64]| {
            assert_eq!(t.len(), want.len(), "{t:?}");
            for (a, b) in t.iter().zip(want) {
                assert!((a - b).abs() < 1e-12, "{t:?}");
            }
        };
        close(nice_ticks(0.0, 1.0, 5), &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        close(nice_ticks(0.31, 0.67, 4), &[0.4, 0.5, 0.6]);
        close(
            nice_ticks(0.31, 0.67, 8),
            &[0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65],
        );
        close(nice_ticks(-7.3, 7.3, 4), &[-5.0, 0.0, 5.0]);
    }

    #[test]
    fn eleven_classes_get_eleven_distinct_colours() {
        let c: std::collections::BTreeSet<&str> = (0..11).map(|i| colour(i, 11)).collect();
        assert_eq!(c.len(), 11);
        let c: std::collections::BTreeSet<&str> = (0..8).map(|i| colour(i, 8)).collect();
        assert_eq!(c.len(), 8);
    }
}
