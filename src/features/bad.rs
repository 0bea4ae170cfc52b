//! Refused feature values: the check (non-finite or absurdly large) and the one error that
//! names the recording, the window, the column and the likely cause (the extractor's own
//! explanation, or the window's largest sample).

use super::FeatureSpec;
use crate::limits::MAX_FEATURE_MAGNITUDE;
use crate::Error;
use ndarray::ArrayView2;
use std::path::Path;

/// The explanation ([`Extractor::explain`]) of the extractor among `specs` that makes column
/// `j`, for `window`; `frame` is (sample rate Hz, window length in samples).
pub fn explain_column(
    specs: &[FeatureSpec],
    j: usize,
    frame: (f64, usize),
    window: ArrayView2<f64>,
    channels: &[usize],
    names: &[String],
) -> Option<String> {
    let mut start = 0;
    for s in specs {
        let e = s.build_for(frame.0, frame.1, names).ok()?;
        let end = start + e.n_columns(names.len());
        if (start..end).contains(&j) {
            return e.explain(window, channels, names);
        }
        start = end;
    }
    None
}

/// The first value of a feature row that is not finite or is larger in magnitude than
/// [`MAX_FEATURE_MAGNITUDE`], if any.
pub fn bad_feature(row: &[f64]) -> Option<usize> {
    row.iter()
        .position(|v| !v.is_finite() || v.abs() > MAX_FEATURE_MAGNITUDE)
}

/// A feature value refused by [`bad_feature`] and where it was computed.
#[derive(Debug, Clone, Copy)]
pub struct BadFeature<'a> {
    /// The recording the window is from.
    pub source: &'a Path,
    /// Sample rate, Hz.
    pub sample_rate_hz: f64,
    /// Index of the window's first sample in the recording (or stream).
    pub start: usize,
    /// Window length, samples.
    pub window_len: usize,
    /// The feature column's name, e.g. `Cz_alpha`.
    pub name: &'a str,
    /// The value refused.
    pub value: f64,
}

/// The error for a refused feature value: names the recording, the window (s from the first
/// sample), the feature column and the window's largest sample (channel, time, value in µV), the
/// usual culprit. `window` holds the window's samples (rows × recording columns); `channels`
/// gives the column of each model channel named in `channel_names`. When the column's name
/// starts with a channel's name (band power, ERP), that channel is searched; otherwise every
/// model channel.
pub fn feature_error(
    bad: &BadFeature,
    window: ArrayView2<f64>,
    channels: &[usize],
    channel_names: &[String],
) -> Error {
    feature_error_explained(bad, window, channels, channel_names, None)
}

/// [`feature_error`] with the extractor's own explanation ([`Extractor::explain`]) in place of
/// the window's largest sample, when it has one.
pub fn feature_error_explained(
    bad: &BadFeature,
    window: ArrayView2<f64>,
    channels: &[usize],
    channel_names: &[String],
    explanation: Option<String>,
) -> Error {
    if let Some(why) = explanation {
        return explained(bad, &why);
    }
    let fs = bad.sample_rate_hz;
    let secs = |i: usize| {
        let t = (i as f64 / fs * 1e6).round() / 1e6;
        format!("{t}")
    };
    // the model channel the column belongs to: the longest name followed by `_`
    let own = channel_names
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            bad.name
                .strip_prefix(c.as_str())
                .is_some_and(|rest| rest.starts_with('_'))
        })
        .max_by_key(|(_, c)| c.len())
        .map(|(j, _)| j);
    let searched: Vec<usize> = match own {
        Some(j) => vec![j],
        None => (0..channels.len()).collect(),
    };
    // the largest sample (a non-finite one counts as largest)
    let mut largest: Option<(usize, usize, f64)> = None;
    for &j in &searched {
        for (r, &v) in window.column(channels[j]).iter().enumerate() {
            let size = |x: f64| {
                if x.is_finite() {
                    x.abs()
                } else {
                    f64::INFINITY
                }
            };
            if largest.is_none_or(|(_, _, b)| size(v) > size(b)) {
                largest = Some((j, r, v));
            }
        }
    }
    let sample = match largest {
        Some((j, r, v)) => {
            let expected = if v.abs() < MAX_FEATURE_MAGNITUDE {
                "expected EEG in µV (tens to hundreds)"
            } else {
                "expected samples whose power is finite (|x| < 1e150 µV): the values look corrupted"
            };
            format!(
                "; the window's largest sample is {} µV (channel {} at {} s, sample {}), {expected}",
                show(v),
                channel_names[j],
                secs(bad.start + r),
                bad.start + r
            )
        }
        None => String::new(),
    };
    Error::file(
        bad.source,
        format!(
            "window {}-{} s, feature {}: {}, expected a finite value of at most {MAX_FEATURE_MAGNITUDE:e} in size{sample}",
            secs(bad.start),
            secs(bad.start + bad.window_len),
            bad.name,
            show(bad.value)
        ),
    )
}

/// The error for a refused feature value with the extractor's explanation `why`.
fn explained(bad: &BadFeature, why: &str) -> Error {
    let secs = |i: usize| (i as f64 / bad.sample_rate_hz * 1e6).round() / 1e6;
    Error::file(
        bad.source,
        format!(
            "window {}-{} s, feature {}: {}, expected a finite value: {why}",
            secs(bad.start),
            secs(bad.start + bad.window_len),
            bad.name,
            show(bad.value)
        ),
    )
}

/// A number as errors show it: plain, or in exponent form when very large or small
/// (`1e308`, not 309 digits).
pub fn show(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e9).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}
