//! Online ErrP latency inside the decoder: 64 channels at 512 Hz stream in blocks of 16 samples
//! (31 ms, a typical amplifier chunk) through [`EpochDecoder`] with an ErrP model — CAR, causal
//! 1-10 Hz band-pass, 0-0.8 s epochs, ERP bin means, LDA — over 200+ events. Measured per
//! decision: from the arrival of the block holding the epoch's last sample to the decision
//! (the decoder's own `latency_us`), p50 / p99 / max. No timed assertion.
//! Then the same with the LSL loop's decoder, xDAWN (4 filters) + LDA, one sample a push as
//! `classify --lsl` pushes them. Run with `cargo bench --bench epoch_decoder`.

mod common;

use eegi::features::{ErpSpec, FeatureSpec, XdawnSpec};
use eegi::model::LdaSpec;
use eegi::online::EpochDecoder;
use eegi::pipeline::{ClassifierSpec, LabelledRecording, PipelineSpec};
use eegi::preprocess::{BandPass, FilterMode, Preprocessing};
use eegi::windows::WindowSpec;
use std::path::{Path, PathBuf};
use std::time::Instant;

const FS: f64 = 512.0;
const N_CH: usize = 64;
const BLOCK: usize = 16;

fn main() {
    let (recording, events) = common::errp_64ch(240, 0.3, FS);
    let erp = FeatureSpec::Erp(ErpSpec {
        rate_hz: 20.0,
        channels: None,
    });
    // the decoder of issue 13's LSL loop, fed as `classify --lsl` feeds it: one sample a push
    let xdawn = FeatureSpec::Xdawn(XdawnSpec {
        n_filters: 4,
        rate_hz: 20.0,
        fitted: None,
    });
    for (features, name, block) in [
        (erp, "ERP 20 Hz", BLOCK),
        (xdawn, "xDAWN 4 filters at 20 Hz", 1),
    ] {
        run(&recording, &events, features, name, block);
    }
}

/// Trains the ErrP model with `feature` and times its decoder fed `block` samples a push.
fn run(
    recording: &eegi::Recording,
    events: &[eegi::Event],
    feature: FeatureSpec,
    name: &str,
    block: usize,
) {
    let (recording, events) = (recording.clone(), events.to_vec());
    let spec = PipelineSpec {
        window: WindowSpec::Epoch {
            start_s: 0.0,
            end_s: 0.8,
        },
        preprocessing: Preprocessing {
            car: true,
            bandpass: Some(BandPass {
                low_hz: 1.0,
                high_hz: 10.0,
                order: 4,
            }),
            filter_mode: FilterMode::Causal,
            ..Default::default()
        },
        features: vec![feature],
        labels: None,
        classifier: ClassifierSpec::Lda(LdaSpec::default()),
    };
    let input = LabelledRecording {
        recording: recording.clone(),
        events: events.clone(),
        events_path: PathBuf::from("simulated_events.csv"),
    };
    let set = spec.training_set(&[input]).expect("training set");
    let model = spec.fit(&set, Vec::new(), None).expect("fit");

    let mut decoder = EpochDecoder::new(&model, Path::new("bench")).expect("decoder");
    for ev in &events {
        assert!(decoder.push_event(ev).is_none());
    }
    let mut latencies = Vec::new();
    let mut push_us = Vec::new();
    let mut most_buffered = 0;
    for chunk in recording.samples.as_slice().unwrap().chunks(block * N_CH) {
        let arrival = Instant::now();
        let decisions = decoder.push(chunk, arrival).expect("push");
        push_us.push(arrival.elapsed().as_secs_f64() * 1e6);
        latencies.extend(decisions.iter().map(|d| d.latency_us));
        most_buffered = most_buffered.max(decoder.buffered());
    }
    let q = |v: &mut Vec<f64>, f: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * f).round() as usize]
    };
    let max = latencies.iter().cloned().fold(0.0, f64::max);
    println!(
        "epoch decoder ({N_CH} ch, {FS} Hz, blocks of {block}, CAR + causal 1-10 Hz + {name} + LDA): {} decisions, block arrival to decision p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs; any block p50 {:.1} µs, p99 {:.1} µs; at most {most_buffered} samples held",
        latencies.len(),
        q(&mut latencies, 0.5),
        q(&mut latencies, 0.99),
        max,
        q(&mut push_us, 0.5),
        q(&mut push_us, 0.99),
    );
}
