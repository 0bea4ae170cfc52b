//! The warm-up of a live session: one decision on made-up noise before going live.

use crate::online::{EpochDecoder, StreamClassifier};
use crate::pipeline::FittedPipeline;
use crate::recording::Event;
use crate::windows::WindowSpec;
use std::path::Path;
use std::time::Instant;

/// Decides one epoch (or window) of made-up noise before going live, so the first real
/// decision does not pay for first-touch page faults, allocations and cold caches. Its result
/// and any error are dropped: it decides nothing.
pub(super) fn warm_up(model: &FittedPipeline, name: &Path) {
    let fs = model.sample_rate_hz;
    let n_ch = model.channels.len();
    // a few µV of deterministic noise (silence would make covariances singular)
    let noise = |n: usize| -> Vec<f64> {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        (0..n * n_ch)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                ((x >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 10.0
            })
            .collect()
    };
    match model.window {
        WindowSpec::Epoch { start_s, .. } => {
            let Ok(mut d) = EpochDecoder::new(model, name) else {
                return;
            };
            d.set_event_map(None);
            let onset_s = (-start_s).max(0.0);
            let label = model.classes.first().cloned().unwrap_or_default();
            let event = Event {
                onset_s,
                duration_s: 0.0,
                label,
                line: 0,
            };
            d.push_event(&event);
            let n = model.window_samples + (onset_s * fs).ceil() as usize + 1;
            let _ = d.push(&noise(n), Instant::now());
        }
        _ => {
            if let Ok(mut c) = StreamClassifier::new(model, name) {
                let _ = c.push(&noise(model.window_samples + 1));
            }
        }
    }
}
