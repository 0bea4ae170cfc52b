//! Input sanity warnings: things a recording can get wrong that are not errors — flat or railed
//! channels, values in volts or nanovolts instead of µV, a huge DC offset, a time column that
//! disagrees with the sample rate. They go to stderr and are counted in reports.

use crate::Recording;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Below this peak-to-peak range a channel is flat, µV: constant up to rounding. Any connected
/// electrode varies by far more (amplifier noise alone is 0.1-1 µV), and so does EEG stored in
/// volts (about 1e-5), which is reported as such instead.
pub const FLAT_RANGE_UV: f64 = 1e-7;

/// Median absolute deviation from the mean below which values look like volts or millivolts, µV
/// (scalp EEG varies by 5-50 µV; 20 µV is 2e-5 V or 0.02 mV).
pub const VOLTS_MEDIAN_UV: f64 = 0.05;

/// Median absolute deviation from the mean above which values look like nanovolts or raw ADC
/// counts, µV (2 mV: scalp EEG in nV is 5 000-50 000; artefacts are brief and move no median).
pub const NANOVOLTS_MEDIAN_UV: f64 = 2_000.0;

/// Share of samples at the channel's minimum or maximum from which it is railed (clipped): 1%.
/// A real signal touches its extremes a handful of times (under 0.05% on the shared data).
pub const RAILED_FRACTION: f64 = 0.01;

/// A mean larger than this many standard deviations (and than [`DC_OFFSET_UV`]) is a DC offset.
pub const DC_OFFSET_SDS: f64 = 20.0;

/// Smallest |mean| reported as a DC offset, µV (1 mV).
pub const DC_OFFSET_UV: f64 = 1_000.0;

/// Relative disagreement between `--sample-rate` and the rate of the time column that is
/// reported (1%, the tolerance of the time column's own regularity check).
pub const RATE_DISAGREEMENT: f64 = 0.01;

/// Lowest sample rate that a time column in seconds plausibly gives, Hz; below it the column is
/// probably in milliseconds or samples.
pub const LOW_RATE_HZ: f64 = 1.0;

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// A channel that never changes.
    Flat,
    /// A channel that sits at its extreme value for many samples (amplifier saturated).
    Railed,
    /// Values whose size suggests volts or millivolts.
    LooksLikeVolts,
    /// Values whose size suggests nanovolts or ADC counts.
    LooksLikeNanovolts,
    /// A mean far from zero compared with the signal.
    DcOffset,
    /// The time column disagrees with `--sample-rate`, or implies an implausible rate.
    TimeColumn,
    /// Something the file format says about the signals: signals left out (another sample
    /// rate, not a voltage), a unit assumed.
    Format,
    /// Channels marked bad in a BIDS `_channels.tsv`, dropped.
    BadChannel,
}

/// One input sanity warning about a file (and the channels concerned).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Warning {
    /// The file concerned, as given.
    pub file: String,
    /// What is wrong.
    pub kind: WarningKind,
    /// Channels concerned (empty for a file-level warning).
    pub channels: Vec<String>,
    /// What was found, with a hint.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "warning: {}: ", self.file)?;
        match self.channels.len() {
            0 => {}
            1 => write!(f, "channel {}: ", self.channels[0])?,
            n => {
                let shown: Vec<&str> = self.channels.iter().take(8).map(|s| s.as_str()).collect();
                let more = if n > 8 {
                    format!(" and {} more", n - 8)
                } else {
                    String::new()
                };
                write!(f, "{n} channels ({}{more}): ", shown.join(", "))?
            }
        }
        f.write_str(&self.message)
    }
}

/// Per-channel statistics used by the checks, µV.
struct ChannelStats {
    mean: f64,
    sd: f64,
    range: f64,
    median_abs_dev: f64,
    at_extremes: usize,
    extreme: f64,
}

/// The statistics of one channel's `values` (in time order).
fn stats(values: &[f64]) -> ChannelStats {
    let n = values.len().max(1) as f64;
    // one pass for the sum (in time order) and the extremes, one for the rest
    let (mut sum, mut min, mut max) = (0.0, f64::INFINITY, f64::NEG_INFINITY);
    for &v in values {
        sum += v;
        min = f64::min(min, v);
        max = f64::max(max, v);
    }
    let mean = sum / n;
    let (mut ss, mut at_min, mut at_max) = (0.0, 0usize, 0usize);
    let mut dev: Vec<f64> = Vec::with_capacity(values.len());
    for &v in values {
        ss += (v - mean).powi(2);
        at_min += usize::from(v == min);
        at_max += usize::from(v == max);
        dev.push((v - mean).abs());
    }
    let sd = (ss / n).sqrt();
    let mid = dev.len() / 2;
    let median_abs_dev = if dev.is_empty() {
        0.0
    } else {
        *dev.select_nth_unstable_by(mid, f64::total_cmp).1
    };
    ChannelStats {
        mean,
        sd,
        range: max - min,
        median_abs_dev,
        at_extremes: at_min.max(at_max),
        extreme: if at_max >= at_min { max } else { min },
    }
}

/// Channels gathered per pass over the rows in [`channel_stats`] (one cache line of a
/// row-major recording).
const GATHER: usize = 8;

/// [`stats`] of every channel, in channel order: channels gathered [`GATHER`] at a time in one
/// pass over the rows (not one strided pass each), the groups in parallel.
fn channel_stats(samples: &ndarray::Array2<f64>) -> Vec<ChannelStats> {
    use rayon::prelude::*;
    let (n, n_ch) = samples.dim();
    let data = samples.as_standard_layout();
    let flat = data.as_slice().expect("standard layout");
    let groups: Vec<usize> = (0..n_ch).step_by(GATHER).collect();
    let per_group: Vec<Vec<ChannelStats>> = groups
        .par_iter()
        .map(|&c0| {
            let width = GATHER.min(n_ch - c0);
            if n == 0 {
                return (0..width).map(|_| stats(&[])).collect();
            }
            // the group's channels one after the other (channel-major)
            let mut cols = vec![0.0; width * n];
            for (t, row) in flat.chunks_exact(n_ch).enumerate() {
                for (k, &v) in row[c0..c0 + width].iter().enumerate() {
                    cols[k * n + t] = v;
                }
            }
            cols.chunks_exact(n).map(stats).collect()
        })
        .collect();
    per_group.into_iter().flatten().collect()
}

/// Checks every channel of a recording; warnings of one kind are grouped into one, in a fixed
/// order (by kind, channels in recording order).
pub fn check_recording(rec: &Recording) -> Vec<Warning> {
    let n = rec.n_samples();
    let mut found: Vec<(WarningKind, String, String)> = Vec::new();
    for (name, s) in rec.channel_names.iter().zip(channel_stats(&rec.samples)) {
        if s.range < FLAT_RANGE_UV {
            found.push((
                WarningKind::Flat,
                name.clone(),
                format!("flat (range {:.3e} µV), expected a varying signal; is the electrode connected? its band power is meaningless", s.range),
            ));
            continue;
        }
        if s.median_abs_dev < VOLTS_MEDIAN_UV {
            found.push((
                WarningKind::LooksLikeVolts,
                name.clone(),
                format!("median amplitude {:.3e}, expected µV (tens); values look like volts or millivolts — multiply by 1e6 or 1e3", s.median_abs_dev),
            ));
        } else if s.median_abs_dev > NANOVOLTS_MEDIAN_UV {
            found.push((
                WarningKind::LooksLikeNanovolts,
                name.clone(),
                format!("median amplitude {:.3e}, expected µV (tens); values look like nanovolts or ADC counts — divide by 1e3 or apply the amplifier's gain", s.median_abs_dev),
            ));
        }
        if n >= 100 && s.at_extremes as f64 >= RAILED_FRACTION * n as f64 {
            found.push((
                WarningKind::Railed,
                name.clone(),
                format!(
                    "{} of {n} samples ({:.1}%) sit at {} µV, expected a signal that rarely touches its extremes; the amplifier saturated (railed)?",
                    s.at_extremes,
                    100.0 * s.at_extremes as f64 / n as f64,
                    s.extreme
                ),
            ));
        }
        if s.mean.abs() > DC_OFFSET_UV && s.mean.abs() > DC_OFFSET_SDS * s.sd {
            found.push((
                WarningKind::DcOffset,
                name.clone(),
                format!(
                    "DC offset {:.1} µV ({:.0} standard deviations), expected a signal centred near 0; band power ignores it, but high-pass filter or re-reference before other analyses",
                    s.mean,
                    s.mean.abs() / s.sd
                ),
            ));
        }
    }
    let file = rec.source.display().to_string();
    let mut kinds: Vec<WarningKind> = found.iter().map(|f| f.0).collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|kind| {
            let group: Vec<&(WarningKind, String, String)> =
                found.iter().filter(|f| f.0 == kind).collect();
            let message = if group.len() == 1 {
                group[0].2.clone()
            } else {
                format!("{} (first: {})", summary(kind), group[0].2)
            };
            Warning {
                file: file.clone(),
                kind,
                channels: group.iter().map(|g| g.1.clone()).collect(),
                message,
            }
        })
        .collect()
}

/// A short description of a warning kind, for grouped warnings.
fn summary(kind: WarningKind) -> &'static str {
    match kind {
        WarningKind::Flat => "flat",
        WarningKind::Railed => "railed (clipped at an extreme)",
        WarningKind::LooksLikeVolts => "values look like volts or millivolts, not µV",
        WarningKind::LooksLikeNanovolts => "values look like nanovolts or ADC counts, not µV",
        WarningKind::DcOffset => "large DC offset",
        WarningKind::TimeColumn => "time column",
        WarningKind::Format => "format",
        WarningKind::BadChannel => "marked bad",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn rec(columns: &[Vec<f64>]) -> Recording {
        let n = columns[0].len();
        let samples = Array2::from_shape_fn((n, columns.len()), |(i, c)| columns[c][i]);
        Recording {
            samples,
            sample_rate_hz: 100.0,
            channel_names: (0..columns.len()).map(|c| format!("C{c}")).collect(),
            source: "r.csv".into(),
        }
    }

    fn eeg(scale: f64, offset: f64) -> Vec<f64> {
        (0..1000)
            .map(|i| {
                offset + scale * 20.0 * ((i as f64 * 0.37).sin() + 0.5 * (i as f64 * 1.91).cos())
            })
            .collect()
    }

    #[test]
    fn clean_eeg_gives_no_warning() {
        assert!(check_recording(&rec(&[eeg(1.0, 5.0), eeg(1.0, -30.0)])).is_empty());
    }

    #[test]
    fn each_problem_is_named() {
        let mut railed = eeg(1.0, 0.0);
        for v in railed.iter_mut().skip(100).take(50) {
            *v = 400.0;
        }
        let w = check_recording(&rec(&[
            vec![3.0; 1000],
            eeg(1e-6, 0.0),
            eeg(1e3, 0.0),
            railed,
            eeg(1.0, 25_000.0),
            eeg(1e-6, 1e-5),
        ]));
        let kinds: Vec<(WarningKind, Vec<String>)> =
            w.iter().map(|w| (w.kind, w.channels.clone())).collect();
        assert_eq!(
            kinds,
            vec![
                (WarningKind::Flat, vec!["C0".to_string()]),
                (WarningKind::Railed, vec!["C3".to_string()]),
                (
                    WarningKind::LooksLikeVolts,
                    vec!["C1".to_string(), "C5".to_string()]
                ),
                (WarningKind::LooksLikeNanovolts, vec!["C2".to_string()]),
                (WarningKind::DcOffset, vec!["C4".to_string()]),
            ]
        );
        assert!(w[0]
            .to_string()
            .starts_with("warning: r.csv: channel C0: flat"));
        assert!(w[2]
            .to_string()
            .contains("2 channels (C1, C5): values look like volts"));
    }
}
