//! Online latency: samples arrive 0.1 s at a time (64 channels, 512 Hz, 2 s windows, 0.1 s
//! step, as from a headset); each arrival completes one window. Measured: from the call that
//! hands over the window's last sample to its label line being formatted, p50 and p99.
//! Run with `cargo bench --bench online_latency`.

mod common;

use eegi::online::StreamClassifier;
use std::io::Write;
use std::time::Instant;

fn main() {
    let fs = 512.0;
    let model = common::model(fs, 0.1);
    let (rec, _) = common::recording(fs, 330.0);
    let samples = rec.samples.as_slice().unwrap();
    let step_rows = 51; // 0.1 s at 512 Hz, rounded as the model does
    let mut clf = StreamClassifier::new(&model, std::path::Path::new("bench")).unwrap();
    let mut out: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut latencies = Vec::new();
    for (k, chunk) in samples.chunks(step_rows * 64).enumerate() {
        let t = Instant::now();
        let predictions = clf.push(chunk).unwrap();
        for p in &predictions {
            writeln!(
                out,
                "{},{},{},{},{}",
                p.start_s, p.end_s, model.classes[p.class], p.probabilities[0], p.probabilities[1]
            )
            .unwrap();
        }
        let us = t.elapsed().as_secs_f64() * 1e6;
        if k > 40 && !predictions.is_empty() {
            latencies.push(us);
        }
        out.clear();
    }
    let (p50, p99) = common::percentiles(latencies.clone());
    println!(
        "online latency over {} windows (64 ch, 512 Hz, 2 s window, 0.1 s step): p50 {p50:.0} µs, p99 {p99:.0} µs",
        latencies.len()
    );
}
