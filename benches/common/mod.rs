//! Shared synthetic data for the benchmarks (deterministic). Each benchmark uses a part of it.
#![allow(dead_code)]

use eegi::features::{Band, BandPowerSpec, FeatureSpec, PowerScale};
use eegi::io::Event;
use eegi::model::LogisticSpec;
use eegi::pipeline::{FittedPipeline, LabelledRecording, PipelineSpec};
use eegi::windows::WindowSpec;
use eegi::Recording;
use ndarray::Array2;

/// A 64-channel recording at `fs` Hz, `seconds` long: noise plus 10 Hz alpha that is strong in
/// even 10 s segments ("relaxed") and weak in odd ones ("focused").
pub fn recording(fs: f64, seconds: f64) -> (Recording, Vec<Event>) {
    let n = (fs * seconds) as usize;
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let samples = Array2::from_shape_fn((n, 64), |(i, c)| {
        let t = i as f64 / fs;
        let alpha = if ((t / 10.0) as usize) % 2 == 0 {
            10.0
        } else {
            3.0
        };
        alpha * (std::f64::consts::TAU * 10.0 * t + c as f64).sin() + 20.0 * noise()
    });
    let events = (0..(seconds / 10.0) as usize)
        .map(|k| Event {
            onset_s: k as f64 * 10.0,
            duration_s: 10.0,
            label: if k % 2 == 0 { "relaxed" } else { "focused" }.into(),
            line: 0,
        })
        .collect();
    let rec = Recording {
        samples,
        sample_rate_hz: fs,
        channel_names: (0..64).map(|c| format!("E{c}")).collect(),
        source: "synthetic".into(),
    };
    (rec, events)
}

/// Default band-power settings for 2 s windows.
pub fn band_power() -> FeatureSpec {
    FeatureSpec::BandPower(BandPowerSpec {
        welch_segment_s: 1.0,
        welch_overlap: 0.5,
        bands: Band::defaults(),
        power: PowerScale::Log10,
    })
}

/// A model trained on 60 s of the synthetic recording: 2 s windows every `step_s`.
pub fn model(fs: f64, step_s: f64) -> FittedPipeline {
    let (recording, events) = recording(fs, 60.0);
    let spec = PipelineSpec {
        window: WindowSpec::Sliding {
            window_s: 2.0,
            step_s,
        },
        features: vec![band_power()],
        labels: None,
        preprocessing: Default::default(),
        classifier: LogisticSpec::default().into(),
    };
    let input = LabelledRecording {
        recording,
        events,
        events_path: "synthetic_events.csv".into(),
    };
    let set = spec.training_set(&[input]).unwrap();
    spec.fit(&set, vec![], None).unwrap()
}

/// Median and 99th percentile of durations in µs.
#[allow(dead_code)] // used by online_latency only
pub fn percentiles(mut us: Vec<f64>) -> (f64, f64) {
    us.sort_by(f64::total_cmp);
    let at = |q: f64| us[((us.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

/// A simulated ErrP session on 64 channels at `fs` Hz (`trials` trials, a share `error_rate`
/// of them robot errors): the 32 simulated channels, and the same shifted by 7 samples under
/// other names (so the copies are not identical); its events as labelled onsets.
pub fn errp_64ch(trials: usize, error_rate: f64, fs: f64) -> (Recording, Vec<Event>) {
    use eegi::simulate::SimulateSpec;
    use ndarray::s;
    let sim = SimulateSpec {
        trials,
        sample_rate_hz: fs,
        error_rate,
        ..SimulateSpec::default()
    }
    .recording(0);
    let n = sim.samples.nrows();
    let mut samples = Array2::<f64>::zeros((n, 64));
    samples.slice_mut(s![.., ..32]).assign(&sim.samples);
    samples
        .slice_mut(s![..n - 7, 32..])
        .assign(&sim.samples.slice(s![7.., ..]));
    let mut names = SimulateSpec::default().channel_names();
    names.extend((0..32).map(|i| format!("X{i}")));
    let events: Vec<Event> = sim
        .events
        .iter()
        .map(|&(onset_s, label)| Event {
            onset_s,
            duration_s: 0.0,
            label: label.to_string(),
            line: 0,
        })
        .collect();
    let recording = Recording {
        samples,
        sample_rate_hz: fs,
        channel_names: names,
        source: std::path::PathBuf::from("simulated"),
    };
    (recording, events)
}
