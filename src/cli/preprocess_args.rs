//! Pre-processing options (`--resample`, `--bandpass`, `--notch`, `--causal-filters`, `--car`,
//! `--baseline`, `--reject-uv`), shared by `train`, `evaluate` and `features`, and the
//! parsers of the `LO-HI` and `START:END` values.

use crate::preprocess::{BandPass, Baseline, FilterMode, Notch, Preprocessing};
use clap::Args;

/// Pre-processing, applied identically in train and classify and stored in the model.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Pre-processing")]
pub struct PreprocessArgs {
    /// Resample every recording to HZ after reading and channel selection, before filtering,
    /// and store HZ in the model, which then classifies recording files at any rate (e.g. a
    /// 256 Hz model on 250 Hz data). Polyphase, equal to scipy.signal.resample_poly with its
    /// default Kaiser(5) anti-alias filter (cut-off at the lower Nyquist frequency). Off by
    /// default: resampling alters the spectrum near Nyquist, so it is done only when asked.
    /// Whole recordings only: streams (classify -, --follow, --lsl) must be at HZ.
    #[arg(long, value_name = "HZ")]
    pub resample: Option<f64>,

    /// Butterworth band-pass LO-HI in Hz over the whole recording before windows are cut,
    /// e.g. 1-10 for error-related potentials (their energy lies at 1-10 Hz; drifts and muscle
    /// activity lie outside). Zero-phase unless --causal-filters.
    #[arg(long, value_name = "LO-HI", value_parser = parse_range)]
    pub bandpass: Option<(f64, f64)>,

    /// Butterworth order of --bandpass. The default rolls off at 24 dB/octave on each side, as
    /// scipy.signal.butter(4, [lo, hi], "bandpass").
    #[arg(long, value_name = "N", default_value_t = Preprocessing::DEFAULT_ORDER)]
    pub filter_order: usize,

    /// Notch filter at this frequency in Hz (mains: 50 or 60), quality factor 30
    /// (scipy.signal.iirnotch).
    #[arg(long, value_name = "HZ")]
    pub notch: Option<f64>,

    /// Filter causally (forward only, as an online decoder must: each output sample depends
    /// only on earlier samples, with a filter delay) instead of zero-phase forward-backward
    /// filtering (the default; no delay, but each sample depends on later ones: offline only).
    #[arg(long)]
    pub causal_filters: bool,

    /// Re-reference each sample to the common average of the model channels.
    #[arg(long)]
    pub car: bool,

    /// Subtract each channel's mean over START:END s relative to the event onset (inside the
    /// epoch), e.g. -0.2:0 for a pre-stimulus baseline. Needs --epoch.
    #[arg(long, value_name = "START:END", allow_hyphen_values = true, value_parser = parse_epoch)]
    pub baseline: Option<(f64, f64)>,

    /// Leave out training epochs whose largest absolute value (after baseline correction) on
    /// any channel exceeds this many µV — blinks and movement; 100 µV is the usual limit. They
    /// are counted in the summary, never silently dropped.
    #[arg(long, value_name = "UV")]
    pub reject_uv: Option<f64>,
}

impl PreprocessArgs {
    /// The pre-processing these options ask for.
    pub fn spec(&self) -> Preprocessing {
        Preprocessing {
            resample_hz: self.resample,
            car: self.car,
            bandpass: self.bandpass.map(|(low_hz, high_hz)| BandPass {
                low_hz,
                high_hz,
                order: self.filter_order,
            }),
            notch: self.notch.map(|freq_hz| Notch {
                freq_hz,
                q: Preprocessing::DEFAULT_Q,
            }),
            filter_mode: if self.causal_filters {
                FilterMode::Causal
            } else {
                FilterMode::ZeroPhase
            },
            baseline: self
                .baseline
                .map(|(start_s, end_s)| Baseline { start_s, end_s }),
            reject_uv: self.reject_uv,
        }
    }
}

/// Parses `LO-HI` in Hz.
fn parse_range(text: &str) -> std::result::Result<(f64, f64), String> {
    let err = || format!("'{text}', expected LO-HI in Hz, e.g. 1-10");
    let (a, b) = text.split_once('-').ok_or_else(err)?;
    let lo: f64 = a.trim().parse().map_err(|_| err())?;
    let hi: f64 = b.trim().parse().map_err(|_| err())?;
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
        return Err(format!("'{text}': expected 0 < LO < HI"));
    }
    Ok((lo, hi))
}

/// Parses `START:END` in seconds.
pub(super) fn parse_epoch(text: &str) -> std::result::Result<(f64, f64), String> {
    let err = || format!("'{text}', expected START:END in seconds, e.g. 0:0.8");
    let (a, b) = text.split_once(':').ok_or_else(err)?;
    let start: f64 = a.trim().parse().map_err(|_| err())?;
    let end: f64 = b.trim().parse().map_err(|_| err())?;
    if !start.is_finite() || !end.is_finite() || end <= start {
        return Err(format!("'{text}': the end must come after the start"));
    }
    Ok((start, end))
}
