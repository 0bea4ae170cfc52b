//! The report's figure data computed from the training set: class spectra (band-power
//! features) and class-average waveforms with their difference and scalp map (event-locked
//! windows).

use super::report::{ChannelErp, ChannelSpectrum, Erp, ScalpMap, Spectra};
use crate::features::{FeatureSpec, PowerScale};
use crate::pipeline::TrainingSet;
use crate::windows::WindowSpec;

/// Number of channels shown in the class spectra.
const SPECTRUM_CHANNELS: usize = 4;

/// Number of channels whose class averages the report draws.
const ERP_CHANNELS: usize = 4;

/// Standard normal quantile of a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

/// One-way ANOVA F statistic from each class's count, mean and sample variance (0 where
/// undefined: no spread within classes, or no more windows than classes).
fn anova_f(n: &[usize], mean: &[f64], var: &[f64]) -> f64 {
    let k = n.len() as f64;
    let total: f64 = n.iter().map(|&c| c as f64).sum();
    if total <= k || k < 2.0 {
        return 0.0;
    }
    let grand = n.iter().zip(mean).map(|(&c, m)| c as f64 * m).sum::<f64>() / total;
    let between: f64 = n
        .iter()
        .zip(mean)
        .map(|(&c, m)| c as f64 * (m - grand).powi(2))
        .sum();
    let within: f64 = n
        .iter()
        .zip(var)
        .map(|(&c, v)| c.saturating_sub(1) as f64 * v)
        .sum();
    if within > 0.0 {
        (between / (k - 1.0)) / (within / (total - k))
    } else {
        0.0
    }
}

/// The class averages of an event-locked evaluation: the [`ERP_CHANNELS`] channels with the
/// largest F statistic at any sample, each class's mean with a 95 % band, and with two classes
/// the difference wave and the scalp map at the peak of its global field power. `None` for
/// sliding windows.
pub fn erp(set: &TrainingSet, window: &WindowSpec) -> Option<Erp> {
    let avg = set.averages.as_ref()?;
    let WindowSpec::Epoch { start_s, .. } = window else {
        return None;
    };
    let k = avg.n.len();
    let n_ch = set.channels.len();
    let len = set.window_len;
    let stat = |j: usize, t: usize| {
        let m: Vec<f64> = (0..k).map(|i| avg.mean[i][(t, j)]).collect();
        let v: Vec<f64> = (0..k).map(|i| avg.var[i][(t, j)]).collect();
        anova_f(&avg.n, &m, &v)
    };
    let two = k == 2;
    let diff = |t: usize, j: usize| avg.mean[1][(t, j)] - avg.mean[0][(t, j)];
    let half = |i: usize, t: usize, j: usize| {
        let n = avg.n[i].max(1) as f64;
        (avg.var[i][(t, j)] / n).sqrt()
    };
    let mut channels: Vec<ChannelErp> = (0..n_ch)
        .map(|j| ChannelErp {
            channel: set.channels[j].clone(),
            f_statistic: (0..len).map(|t| stat(j, t)).fold(0.0, f64::max),
            mean: (0..k)
                .map(|i| (0..len).map(|t| avg.mean[i][(t, j)]).collect())
                .collect(),
            ci95: (0..k)
                .map(|i| (0..len).map(|t| Z95 * half(i, t, j)).collect())
                .collect(),
            difference: two.then(|| (0..len).map(|t| diff(t, j)).collect()),
            difference_ci95: two.then(|| {
                (0..len)
                    .map(|t| Z95 * (half(0, t, j).powi(2) + half(1, t, j).powi(2)).sqrt())
                    .collect()
            }),
        })
        .collect();
    channels.sort_by(|a, b| b.f_statistic.total_cmp(&a.f_statistic));
    channels.truncate(ERP_CHANNELS);
    let scalp_map = two.then(|| {
        let gfp = |t: usize| {
            let d: Vec<f64> = (0..n_ch).map(|j| diff(t, j)).collect();
            let m = d.iter().sum::<f64>() / n_ch as f64;
            d.iter().map(|v| (v - m).powi(2)).sum::<f64>()
        };
        let peak = (0..len)
            .max_by(|&a, &b| gfp(a).total_cmp(&gfp(b)))
            .unwrap_or(0);
        ScalpMap {
            time_s: start_s + peak as f64 / set.sample_rate_hz,
            channels: set.channels.clone(),
            values: (0..n_ch).map(|j| diff(peak, j)).collect(),
        }
    });
    Some(Erp {
        times_s: (0..len)
            .map(|t| start_s + t as f64 / set.sample_rate_hz)
            .collect(),
        unit: "µV".to_string(),
        n: avg.n.clone(),
        channels,
        difference_label: two.then(|| format!("{} − {}", set.classes[1], set.classes[0])),
        scalp_map,
    })
}

/// Mean band power per class on the channels whose bands best separate the classes (largest
/// one-way ANOVA F statistic of any of their bands).
pub fn spectra(set: &TrainingSet, features: &[FeatureSpec]) -> Spectra {
    let Some(FeatureSpec::BandPower(bp)) = features.first() else {
        return Spectra {
            bands: Vec::new(),
            unit: String::new(),
            channels: Vec::new(),
            artefact_hint: None,
        };
    };
    let n_bands = bp.bands.len();
    let k = set.classes.len();
    let x = &set.features.matrix;
    let mut counts = vec![0usize; k];
    for &c in &set.y {
        counts[c] += 1;
    }
    let column_stats = |j: usize| class_stats(x.column(j), &set.y, &counts);
    // (channel, its best band, that band's F) for the artefact hint
    let mut best: Vec<(usize, usize, f64)> = Vec::new();
    let mut channels: Vec<ChannelSpectrum> = set
        .channels
        .iter()
        .enumerate()
        .map(|(ch, name)| {
            let stats: Vec<(Vec<f64>, f64)> = (0..n_bands)
                .map(|b| column_stats(ch * n_bands + b))
                .collect();
            let (band, f) = stats
                .iter()
                .enumerate()
                .map(|(b, s)| (b, s.1))
                .fold((0, 0.0), |acc, x| if x.1 > acc.1 { x } else { acc });
            best.push((ch, band, f));
            ChannelSpectrum {
                channel: name.clone(),
                f_statistic: f,
                mean: (0..k)
                    .map(|c| stats.iter().map(|s| s.0[c]).collect())
                    .collect(),
            }
        })
        .collect();
    channels.sort_by(|a, b| b.f_statistic.total_cmp(&a.f_statistic));
    channels.truncate(SPECTRUM_CHANNELS);
    best.sort_by(|a, b| b.2.total_cmp(&a.2));
    best.truncate(SPECTRUM_CHANNELS);
    let artefact_hint = ocular_hint(set, &bp.bands, &best);
    Spectra {
        bands: bp
            .bands
            .iter()
            .map(|b| format!("{} {}-{} Hz", b.name, b.low_hz, b.high_hz))
            .collect(),
        unit: match bp.power {
            PowerScale::Log10 => "log10 µV²",
            PowerScale::Absolute => "µV²",
            PowerScale::Relative => "fraction of total power",
        }
        .to_string(),
        channels,
        artefact_hint,
    }
}

/// Each class's mean of one feature column, and the column's one-way ANOVA F statistic.
fn class_stats(col: ndarray::ArrayView1<f64>, y: &[usize], counts: &[usize]) -> (Vec<f64>, f64) {
    let k = counts.len();
    let mut means = vec![0.0; k];
    for (v, &c) in col.iter().zip(y) {
        means[c] += v;
    }
    for c in 0..k {
        means[c] /= counts[c].max(1) as f64;
    }
    let mut vars = vec![0.0; k];
    for (v, &c) in col.iter().zip(y) {
        vars[c] += (v - means[c]).powi(2);
    }
    for c in 0..k {
        vars[c] /= counts[c].saturating_sub(1).max(1) as f64;
    }
    let f = anova_f(counts, &means, &vars);
    (means, f)
}

/// Highest frequency, Hz, of a band that eye movements and blinks dominate (delta and theta).
const OCULAR_MAX_HZ: f64 = 8.0;

/// A hint when most of the best-separating channels are frontopolar or anterior-frontal
/// (`Fp*`, `AF*`) and separate the classes by power below [`OCULAR_MAX_HZ`]: the signature of
/// eye movements and blinks, which often differ between conditions (eyes closed, looking at a
/// cue) and which EEG classifiers learn readily.
fn ocular_hint(
    set: &TrainingSet,
    bands: &[crate::features::Band],
    best: &[(usize, usize, f64)],
) -> Option<String> {
    let frontal_slow: Vec<String> = best
        .iter()
        .filter(|&&(ch, band, _)| {
            let name = set.channels[ch].trim_end_matches('.').to_ascii_lowercase();
            (name.starts_with("fp") || name.starts_with("af"))
                && bands[band].high_hz <= OCULAR_MAX_HZ
        })
        .map(|&(ch, band, _)| format!("{} {}", set.channels[ch], bands[band].name))
        .collect();
    (frontal_slow.len() * 2 > best.len()).then(|| {
        format!(
            "the features that separate the classes best are slow (below {OCULAR_MAX_HZ} Hz) power on frontal channels ({}): eye movements and blinks look exactly like this; check the classes do not differ by eye activity (EOG, an ICA, or --channels without Fp/AF) before crediting the brain",
            frontal_slow.join(", ")
        )
    })
}
