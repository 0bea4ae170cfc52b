//! The ERP figures of the HTML report: each class's average waveform with its 95 % band and,
//! with two classes, the difference wave, on the channels that separate the classes best; and
//! a scalp map of the difference at the peak of its global field power.

use super::montage::position;
use super::svg::{colour, esc, legend, nice_ticks, short, trim, Plot};
use super::{Erp, Report};
use std::fmt::Write;

/// Width and height of one waveform panel, px.
const PANEL: (f64, f64) = (330.0, 240.0);

/// The closed polygon of `mean ± half` over `times` in plot coordinates.
fn band(p: &Plot, times: &[f64], mean: &[f64], half: &[f64]) -> String {
    let upper = times
        .iter()
        .zip(mean.iter().zip(half))
        .map(|(t, (m, h))| (*t, m + h));
    let lower = times
        .iter()
        .zip(mean.iter().zip(half))
        .rev()
        .map(|(t, (m, h))| (*t, m - h));
    upper
        .chain(lower)
        .map(|(t, v)| format!("{:.2},{:.2}", p.px(t), p.py(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The y range every panel shares: the largest |mean ± band| drawn, padded, symmetric.
fn amplitude_range(e: &Erp) -> f64 {
    let mut m: f64 = 0.0;
    for ch in &e.channels {
        let pairs = ch.mean.iter().zip(&ch.ci95);
        let diff = ch.difference.iter().zip(&ch.difference_ci95);
        for (mean, half) in pairs.chain(diff) {
            for (v, h) in mean.iter().zip(half) {
                if (v.abs() + h).is_finite() {
                    m = m.max(v.abs() + h);
                }
            }
        }
    }
    if m > 0.0 {
        m * 1.08
    } else {
        1.0
    }
}

/// Class-average waveforms (and the difference wave with two classes) per channel, in a grid
/// of two columns, the legend below; `None` without event-locked windows.
pub(super) fn erp_svg(r: &Report) -> Option<String> {
    let e = r.erp.as_ref()?;
    let (first, last) = (*e.times_s.first()?, *e.times_s.last()?);
    if e.channels.is_empty() || last <= first {
        return None;
    }
    let k = r.classes.len();
    let amp = amplitude_range(e);
    let yticks = nice_ticks(-amp, amp, 4);
    let xticks: Vec<(f64, String)> = nice_ticks(first, last, 4)
        .into_iter()
        .map(|t| (t, trim(t)))
        .collect();
    let n = e.channels.len();
    let rows = n.div_ceil(2);
    let mut items: Vec<(String, &str)> = r
        .classes
        .iter()
        .enumerate()
        .map(|(c, name)| (format!("{} (n = {})", short(name), e.n[c]), colour(c, k)))
        .collect();
    if let Some(d) = &e.difference_label {
        items.push((format!("difference: {}", short(d)), "#333333"));
    }
    let (w, h) = (
        PANEL.0 * n.min(2) as f64,
        PANEL.1 * rows as f64 + 15.0 * items.len() as f64 + 16.0,
    );
    let mut out = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">");
    for (i, ch) in e.channels.iter().enumerate() {
        let p = Plot::new(PANEL.0, PANEL.1, (first, last), (-amp, amp));
        let title = format!("{} (F = {:.1})", ch.channel, ch.f_statistic);
        let mut panel = p.open(&title, "time from event (s)", &e.unit, &yticks, &xticks);
        panel.push_str(&p.hline(0.0, "#bbbbbb", false));
        if first < 0.0 && last > 0.0 {
            let x = p.px(0.0);
            let _ = write!(panel, "<line x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\" stroke=\"#888\" stroke-dasharray=\"3 3\"/>", p.top, p.top + p.ph);
        }
        for (c, (mean, half)) in ch.mean.iter().zip(&ch.ci95).enumerate() {
            let _ = write!(
                panel,
                "<polygon points=\"{}\" fill=\"{}\" fill-opacity=\"0.18\" stroke=\"none\"/>",
                band(&p, &e.times_s, mean, half),
                colour(c, k)
            );
        }
        if let (Some(d), Some(dh)) = (&ch.difference, &ch.difference_ci95) {
            let _ = write!(
                panel,
                "<polygon points=\"{}\" fill=\"#333333\" fill-opacity=\"0.12\" stroke=\"none\"/>",
                band(&p, &e.times_s, d, dh)
            );
        }
        for (c, mean) in ch.mean.iter().enumerate() {
            let pts: Vec<(f64, f64)> = e
                .times_s
                .iter()
                .copied()
                .zip(mean.iter().copied())
                .collect();
            panel.push_str(&p.polyline(&pts, colour(c, k), ""));
        }
        if let Some(d) = &ch.difference {
            let pts: Vec<(f64, f64)> = e.times_s.iter().copied().zip(d.iter().copied()).collect();
            panel.push_str(&p.polyline(&pts, "#333333", "stroke-dasharray=\"6 3\""));
        }
        panel.push_str("</svg>");
        let (gx, gy) = (PANEL.0 * (i % 2) as f64, PANEL.1 * (i / 2) as f64);
        out.push_str(&panel.replacen("<svg ", &format!("<svg x=\"{gx}\" y=\"{gy}\" "), 1));
    }
    legend(&mut out, 60.0, PANEL.1 * rows as f64 + 14.0, &items);
    out.push_str("</svg>");
    Some(out)
}

/// Grid cells across the head's diameter in the scalp map.
const CELLS: usize = 40;

/// A diverging blue-white-red colour (ColorBrewer RdBu end points, readable under the common
/// colour-vision deficiencies) for `v` in `[-1, 1]`.
fn diverging(v: f64) -> String {
    let v = v.clamp(-1.0, 1.0);
    let (end, t) = if v < 0.0 {
        ((33.0, 102.0, 172.0), -v)
    } else {
        ((178.0, 24.0, 43.0), v)
    };
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(247.0, end.0),
        mix(247.0, end.1),
        mix(247.0, end.2)
    )
}

/// Inverse-distance-weighted (power 2) value at `(x, y)` from the placed electrodes.
fn idw(at: (f64, f64), placed: &[((f64, f64), f64)]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for &((x, y), v) in placed {
        let d2 = (x - at.0).powi(2) + (y - at.1).powi(2);
        if d2 < 1e-12 {
            return v;
        }
        num += v / d2;
        den += 1.0 / d2;
    }
    num / den
}

/// The scalp map of the difference at its peak: channels placed by their 10-05 names,
/// interpolated over the head, nose up; returns the SVG and the channels it could not place.
/// `None` without a difference or with fewer than three placed channels.
pub(super) fn scalp_svg(r: &Report) -> Option<(String, Vec<String>)> {
    let e = r.erp.as_ref()?;
    let map = e.scalp_map.as_ref()?;
    let mut placed = Vec::new();
    let mut unplaced = Vec::new();
    for (name, &v) in map.channels.iter().zip(&map.values) {
        match position(name) {
            Some(pos) if v.is_finite() => placed.push((pos, v)),
            _ => unplaced.push(name.clone()),
        }
    }
    if placed.len() < 3 {
        return None;
    }
    let reach = placed
        .iter()
        .map(|((x, y), _)| x.hypot(*y))
        .fold(1.0, f64::max);
    let vmax = placed
        .iter()
        .map(|(_, v)| v.abs())
        .fold(0.0, f64::max)
        .max(1e-9);
    let (w, h, cx, cy, rad) = (380.0, 360.0, 160.0, 190.0, 130.0 / reach);
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">");
    let title = format!(
        "{} at {:.3} s ({})",
        e.difference_label.as_deref().unwrap_or("difference"),
        map.time_s,
        e.unit
    );
    let _ = write!(s, "<text x=\"{cx}\" y=\"18\" font-size=\"14\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>", esc(&title));
    let cell = 2.0 * reach / CELLS as f64;
    for i in 0..CELLS {
        for j in 0..CELLS {
            let (x, y) = (
                -reach + (i as f64 + 0.5) * cell,
                reach - (j as f64 + 0.5) * cell,
            );
            if x.hypot(y) > reach {
                continue;
            }
            let v = idw((x, y), &placed);
            let _ = write!(
                s,
                "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{}\"/>",
                cx + (x - cell / 2.0) * rad,
                cy - (y + cell / 2.0) * rad,
                cell * rad + 0.3,
                cell * rad + 0.3,
                diverging(v / vmax)
            );
        }
    }
    outline(&mut s, (cx, cy, rad), e, &map.channels);
    colour_bar(&mut s, (330.0, 60.0, 14.0, 260.0), vmax);
    s.push_str("</svg>");
    Some((s, unplaced))
}

/// The head (the Fpz-T7-Oz-T8 ring) centred at `(cx, cy)` with radius `rad` px, nose and ears,
/// and a dot per placed channel, the channels of the waveform figure labelled.
fn outline(s: &mut String, (cx, cy, rad): (f64, f64, f64), e: &Erp, channels: &[String]) {
    // head (the Fpz-T7-Oz-T8 ring), nose and ears
    let _ = write!(s, "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{rad}\" fill=\"none\" stroke=\"#222\" stroke-width=\"2\"/>");
    let _ = write!(
        s,
        "<polyline points=\"{},{} {},{} {},{}\" fill=\"none\" stroke=\"#222\" stroke-width=\"2\"/>",
        cx - 0.1 * rad,
        cy - 0.99 * rad,
        cx,
        cy - 1.12 * rad,
        cx + 0.1 * rad,
        cy - 0.99 * rad
    );
    for side in [-1.0, 1.0] {
        let _ = write!(s, "<ellipse cx=\"{}\" cy=\"{cy}\" rx=\"{}\" ry=\"{}\" fill=\"none\" stroke=\"#222\" stroke-width=\"2\"/>", cx + side * 1.04 * rad, 0.05 * rad, 0.16 * rad);
    }
    let shown: Vec<String> = e.channels.iter().map(|c| c.channel.clone()).collect();
    for name in channels {
        let Some((x, y)) = position(name) else {
            continue;
        };
        let (px, py) = (cx + x * rad, cy - y * rad);
        let _ = write!(s, "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"1.8\" fill=\"#222\"><title>{}</title></circle>", esc(name));
        if shown.contains(name) {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
                px,
                py - 4.0,
                esc(name.trim_end_matches('.'))
            );
        }
    }
}

/// A vertical colour bar at `(x, y, width, height)` for values in `[-vmax, vmax]`, with round
/// ticks.
fn colour_bar(s: &mut String, (x, y, w, h): (f64, f64, f64, f64), vmax: f64) {
    let steps = 32;
    for i in 0..steps {
        let v = 1.0 - 2.0 * (i as f64 + 0.5) / steps as f64;
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{:.2}\" width=\"{w}\" height=\"{:.2}\" fill=\"{}\"/>",
            y + h * i as f64 / steps as f64,
            h / steps as f64 + 0.3,
            diverging(v)
        );
    }
    let _ = write!(
        s,
        "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"none\" stroke=\"#444\"/>"
    );
    for t in nice_ticks(-vmax, vmax, 4) {
        let ty = y + h * (1.0 - (t + vmax) / (2.0 * vmax));
        let _ = write!(s, "<line x1=\"{}\" x2=\"{}\" y1=\"{ty:.2}\" y2=\"{ty:.2}\" stroke=\"#444\"/><text x=\"{}\" y=\"{:.2}\" font-size=\"10\">{}</text>", x + w, x + w + 3.0, x + w + 5.0, ty + 3.5, trim(t));
    }
}

#[cfg(test)]
mod tests {
    use super::{diverging, idw};

    #[test]
    fn the_colour_scale_runs_blue_white_red_and_idw_honours_electrodes() {
        assert_eq!(diverging(0.0), "#f7f7f7");
        assert_eq!(diverging(-1.0), "#2166ac");
        assert_eq!(diverging(1.0), "#b2182b");
        assert_eq!(diverging(7.0), diverging(1.0));
        let placed = [((0.0, 0.0), 2.0), ((1.0, 0.0), -2.0)];
        assert_eq!(idw((0.0, 0.0), &placed), 2.0);
        assert!(idw((0.5, 0.0), &placed).abs() < 1e-12);
        assert!(idw((0.1, 0.0), &placed) > 1.5);
    }
}
