//! What a live LSL session counts, and the summary line it ends with.

use crate::pipeline::FittedPipeline;

/// What the session counted, for the summary.
#[derive(Default)]
pub(super) struct Stats {
    /// Samples received.
    pub(super) samples: u64,
    /// Decisions made.
    pub(super) decisions: u64,
    /// Markers received.
    pub(super) markers: u64,
    /// Markers skipped (too late, spanning a break, or unfinished).
    pub(super) skipped: u64,
    /// Gaps in the time stamps (dropped samples).
    pub(super) gaps: u64,
    /// Restarts of the sender.
    pub(super) restarts: u64,
    /// Markers left out by the event map.
    pub(super) unmapped: u64,
    /// Markers left out by `--labels`.
    pub(super) other_labels: u64,
    /// The labels (after the event map) markers carried, for `--labels` given none of them.
    pub(super) seen: std::collections::BTreeSet<String>,
    /// From the arrival of the sample that completed a window to its decision pushed, µs
    /// (every `stride`-th decision once there are many: memory stays bounded).
    pub(super) latencies_us: Vec<f64>,
    /// Decisions per latency kept.
    pub(super) stride: u64,
    /// Decisions since the last latency kept.
    pub(super) since: u64,
}

/// Latencies kept at most; past that every other one is dropped and the stride doubles.
const MAX_LATENCIES: usize = 1 << 16;

impl Stats {
    /// Notes one decision's latency (µs).
    pub(super) fn latency(&mut self, us: f64) {
        self.since += 1;
        if self.since < self.stride.max(1) {
            return;
        }
        self.since = 0;
        self.latencies_us.push(us);
        if self.latencies_us.len() >= MAX_LATENCIES {
            let kept: Vec<f64> = self.latencies_us.iter().step_by(2).copied().collect();
            self.latencies_us = kept;
            self.stride = 2 * self.stride.max(1);
        }
    }
}

/// The closing line: samples, decisions, what was skipped and why, latency percentiles.
pub(super) fn summary(name: &str, model: &FittedPipeline, s: &mut Stats) -> String {
    let seconds = s.samples as f64 / model.sample_rate_hz;
    let mut line = format!(
        "summary: {name}: {} samples ({seconds:.1} s), {} decisions",
        s.samples, s.decisions
    );
    if model.window.is_event_locked() {
        line.push_str(&format!(
            " from {} markers, {} skipped",
            s.markers, s.skipped
        ));
        if s.unmapped > 0 {
            line.push_str(&format!(", {} left out by the event map", s.unmapped));
        }
        if s.other_labels > 0 {
            line.push_str(&format!(", {} left out by --labels", s.other_labels));
        }
    }
    line.push_str(&format!(", {} gaps, {} restarts", s.gaps, s.restarts));
    if !s.latencies_us.is_empty() {
        s.latencies_us.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let v = &s.latencies_us;
            v[((p * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)]
        };
        line.push_str(&format!(
            "; latency from the last sample's arrival to the decision pushed: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
            q(0.5),
            q(0.99),
            q(1.0)
        ));
    }
    line
}
