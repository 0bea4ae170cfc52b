//! The time line of a network stream of samples (LSL): checks each sample's time stamp against
//! the previous one (a gap means dropped samples, a step back a restarted sender) and places
//! an event's time stamp among the samples, as a fractional sample index of the current
//! continuous run ("segment"). Pure bookkeeping, no network: the LSL reader feeds it.

use std::collections::VecDeque;

/// How a new time stamp follows the previous one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Continuity {
    /// The first sample, or one sample period on (within the allowed jitter).
    Next,
    /// More than the allowed gap after the previous sample: samples were lost (s missing).
    Gap {
        /// Time between the two samples, s.
        jump_s: f64,
    },
    /// Before the previous sample by more than half a period: the sender restarted or its
    /// clock was reset.
    Back {
        /// How far back, s.
        by_s: f64,
    },
}

/// The time stamps of the newest samples of the current segment.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// Nominal sample rate, Hz.
    rate_hz: f64,
    /// Largest allowed step between consecutive samples, s.
    max_step_s: f64,
    /// Time stamps of the newest samples (at most `keep`).
    stamps: VecDeque<f64>,
    /// Samples to remember.
    keep: usize,
    /// Samples in the current segment so far.
    count: u64,
    /// Time stamp of the segment's first sample.
    first: Option<f64>,
}

impl Timeline {
    /// A time line for a stream at `rate_hz`, where a step of more than `max_gap_periods`
    /// sample periods is a gap, remembering the stamps of the newest `keep` samples.
    pub fn new(rate_hz: f64, max_gap_periods: f64, keep: usize) -> Timeline {
        Timeline {
            rate_hz,
            max_step_s: max_gap_periods / rate_hz,
            stamps: VecDeque::with_capacity(keep.max(2)),
            keep: keep.max(2),
            count: 0,
            first: None,
        }
    }

    /// How the time stamp `t` (s) of the next sample follows the newest one.
    pub fn check(&self, t: f64) -> Continuity {
        match self.stamps.back() {
            None => Continuity::Next,
            Some(&last) => {
                let dt = t - last;
                if dt > self.max_step_s {
                    Continuity::Gap { jump_s: dt }
                } else if dt < -0.5 / self.rate_hz {
                    Continuity::Back { by_s: -dt }
                } else {
                    Continuity::Next
                }
            }
        }
    }

    /// Records the next sample's time stamp.
    pub fn push(&mut self, t: f64) {
        if self.stamps.len() == self.keep {
            self.stamps.pop_front();
        }
        self.stamps.push_back(t);
        if self.first.is_none() {
            self.first = Some(t);
        }
        self.count += 1;
    }

    /// Starts a new segment: the next sample is its sample 0.
    pub fn restart(&mut self) {
        self.stamps.clear();
        self.count = 0;
        self.first = None;
    }

    /// Samples in the current segment.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Time stamp of the current segment's first sample.
    pub fn first(&self) -> Option<f64> {
        self.first
    }

    /// Time stamp of the newest sample.
    pub fn newest(&self) -> Option<f64> {
        self.stamps.back().copied()
    }

    /// The fractional index (in the current segment) of time `t` on the samples' clock:
    /// interpolated between the two remembered samples around it, or extrapolated at the
    /// nominal rate from the newest sample (a time after it) or the oldest remembered one.
    /// `None` before the first sample.
    pub fn index_of(&self, t: f64) -> Option<f64> {
        let newest = *self.stamps.back()?;
        let n = self.stamps.len();
        let newest_index = (self.count - 1) as f64;
        if t >= newest {
            return Some(newest_index + (t - newest) * self.rate_hz);
        }
        let oldest = self.stamps[0];
        let oldest_index = newest_index - (n - 1) as f64;
        if t <= oldest {
            return Some(oldest_index + (t - oldest) * self.rate_hz);
        }
        // the first remembered stamp after t (stamps ascend within a segment)
        let (a, b) = self.stamps.as_slices();
        let after = if a.last().is_some_and(|&x| x > t) {
            a.partition_point(|&x| x <= t)
        } else {
            a.len() + b.partition_point(|&x| x <= t)
        };
        let (t1, t0) = (self.stamps[after], self.stamps[after - 1]);
        let i0 = oldest_index + (after - 1) as f64;
        let frac = if t1 > t0 { (t - t0) / (t1 - t0) } else { 0.0 };
        Some(i0 + frac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_and_steps_back_are_told_apart_from_jitter() {
        let mut tl = Timeline::new(100.0, 1.5, 10);
        assert_eq!(tl.check(5.0), Continuity::Next);
        tl.push(5.0);
        assert_eq!(tl.check(5.012), Continuity::Next);
        tl.push(5.012);
        match tl.check(5.040) {
            Continuity::Gap { jump_s } => assert!((jump_s - 0.028).abs() < 1e-12),
            c => panic!("{c:?}"),
        }
        assert_eq!(tl.check(5.008), Continuity::Next);
        match tl.check(4.0) {
            Continuity::Back { by_s } => assert!((by_s - 1.012).abs() < 1e-12),
            c => panic!("{c:?}"),
        }
        tl.restart();
        assert_eq!(tl.count(), 0);
        assert_eq!(tl.index_of(1.0), None);
        assert_eq!(tl.check(4.0), Continuity::Next);
    }

    #[test]
    fn times_map_to_fractional_sample_indices() {
        let mut tl = Timeline::new(100.0, 1.5, 4);
        // 10 samples at 100 Hz from t = 20 s, one of them 4 ms late (jitter)
        for i in 0..10 {
            let jitter = if i == 7 { 0.004 } else { 0.0 };
            tl.push(20.0 + i as f64 * 0.01 + jitter);
        }
        // remembered: samples 6..=9; between 6 (20.06) and 7 (20.074), 20.067 is half-way
        assert!((tl.index_of(20.067).unwrap() - 6.5).abs() < 1e-9);
        assert!((tl.index_of(20.085).unwrap() - 8.5).abs() < 1e-9);
        // after the newest: extrapolated at the nominal rate
        assert!((tl.index_of(20.1125).unwrap() - 11.25).abs() < 1e-9);
        // before the oldest remembered: extrapolated back from it
        assert!((tl.index_of(20.0).unwrap() - 0.0).abs() < 1e-9);
        assert_eq!(tl.first(), Some(20.0));
        assert_eq!(tl.newest(), Some(20.0 + 9.0 * 0.01));
    }
}
