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

/// The window, features and classifier in words: "one epoch per event, 0 to 0.8 s after its
/// onset; features: ERP waveform as bin means at 20 Hz, every channel; classifier: shrinkage
/// LDA (Ledoit-Wolf), equal priors".
pub fn pipeline(s: &crate::evaluate::report::Settings) -> String {
    let window = match &s.window {
        crate::windows::WindowSpec::Epoch { start_s, end_s } => {
            format!("one epoch per event, {start_s} to {end_s} s after its onset")
        }
        crate::windows::WindowSpec::Sliding { window_s, step_s } => {
            format!("sliding {window_s} s windows every {step_s} s")
        }
    };
    let features: Vec<String> = s.features.iter().map(|f| f.describe()).collect();
    let classifier = s
        .classifier
        .as_ref()
        .map_or_else(|| "the model's".to_string(), |c| c.describe());
    format!(
        "{window}; features: {}; classifier: {classifier}",
        features.join(" + ")
    )
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
