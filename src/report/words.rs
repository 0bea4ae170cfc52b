//! The pipeline in words for the reports: the pre-processing before windows are cut.

use crate::evaluate::report::PreprocessingSettings;
use crate::preprocess::FilterMode;

/// The pre-processing in words: "band-pass 1-30 Hz (order 4), CAR, zero-phase filters", or
/// "none".
pub fn preprocessing(p: &PreprocessingSettings) -> String {
    let mut parts = Vec::new();
    if let Some(hz) = p.resample_hz {
        parts.push(format!(
            "resampled to {hz} Hz (polyphase, Kaiser(5) anti-alias filter)"
        ));
    }
    if let Some(b) = &p.bandpass {
        parts.push(format!(
            "band-pass {}-{} Hz (Butterworth order {})",
            b.low_hz, b.high_hz, b.order
        ));
    }
    if let Some(n) = &p.notch {
        parts.push(format!("notch {} Hz (Q {})", n.freq_hz, n.q));
    }
    if p.car {
        parts.push("common average reference".to_string());
    }
    if let Some(b) = &p.baseline {
        parts.push(format!(
            "baseline {} to {} s subtracted",
            b.start_s, b.end_s
        ));
    }
    if let Some(r) = p.reject_uv {
        parts.push(format!("epochs over {r} µV rejected"));
    }
    if p.bandpass.is_some() || p.notch.is_some() {
        parts.push(
            match p.filter_mode {
                FilterMode::ZeroPhase => "zero-phase filters",
                FilterMode::Causal => "causal filters",
            }
            .to_string(),
        );
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preprocessing_is_said_in_words() {
        let mut p = PreprocessingSettings::from(&crate::preprocess::Preprocessing::default());
        assert_eq!(preprocessing(&p), "none");
        p.car = true;
        p.bandpass = Some(crate::preprocess::BandPass {
            low_hz: 1.0,
            high_hz: 30.0,
            order: 4,
        });
        assert_eq!(
            preprocessing(&p),
            "band-pass 1-30 Hz (Butterworth order 4), common average reference, zero-phase filters"
        );
        p.resample_hz = Some(128.0);
        assert!(preprocessing(&p).starts_with("resampled to 128 Hz (polyphase"));
    }
}
