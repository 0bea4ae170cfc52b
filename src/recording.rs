//! `Recording` (a block of multichannel EEG in memory) and `Event` (a labelled moment of it),
//! independent of any file format.

use ndarray::Array2;
use std::path::PathBuf;

/// Multichannel EEG: samples × channels in µV, with its sample rate and channel names.
#[derive(Debug, Clone)]
pub struct Recording {
    /// Sample values in µV, one row per sample, one column per channel.
    pub samples: Array2<f64>,
    /// Sampling rate in Hz.
    pub sample_rate_hz: f64,
    /// Channel names in column order (10-10 names where the source gave them).
    pub channel_names: Vec<String>,
    /// The file this recording was read from (for error messages).
    pub source: PathBuf,
}

impl Recording {
    /// Number of samples (rows).
    pub fn n_samples(&self) -> usize {
        self.samples.nrows()
    }

    /// Number of channels (columns).
    pub fn n_channels(&self) -> usize {
        self.samples.ncols()
    }

    /// Length of the recording in seconds.
    pub fn duration_s(&self) -> f64 {
        self.n_samples() as f64 / self.sample_rate_hz
    }

    /// Column index of the channel called `name` (exact match), if present.
    pub fn channel_index(&self, name: &str) -> Option<usize> {
        self.channel_names.iter().position(|c| c == name)
    }
}

/// One labelled event: an onset and duration in seconds from the start of the recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Onset in s from the first sample.
    pub onset_s: f64,
    /// Duration in s (0 for an instantaneous event).
    pub duration_s: f64,
    /// The intent label, e.g. `eyes_closed` or `robot_error`.
    pub label: String,
    /// Line of the events file this event came from (for messages).
    pub line: u64,
}

impl Event {
    /// An event at `onset_s` (s) lasting `duration_s` (s, 0 for an instant), from no line of a
    /// file (line 0).
    pub fn new(onset_s: f64, duration_s: f64, label: &str) -> Event {
        Event {
            onset_s,
            duration_s,
            label: label.into(),
            line: 0,
        }
    }
}

/// A hint for channel names that are missing only by case (`FCZ` for `FCz`): `" (names are
/// case-sensitive: the recording has FCz)"`, or empty when no missing name matches another
/// name ignoring case.
pub fn case_hint<S: AsRef<str>>(missing: &[&str], names: &[S]) -> String {
    let near: Vec<&str> = missing
        .iter()
        .filter_map(|m| {
            names.iter().map(AsRef::as_ref).find(|n| {
                n.eq_ignore_ascii_case(m) || n.trim_end_matches('.').eq_ignore_ascii_case(m)
            })
        })
        .collect();
    if near.is_empty() {
        String::new()
    } else {
        format!(
            " (names are case-sensitive: the recording has {})",
            near.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_missing_only_by_case_get_a_hint() {
        let names = ["Fp1", "FCz", "Cz."];
        assert_eq!(
            super::case_hint(&["FCZ", "Oz"], &names),
            " (names are case-sensitive: the recording has FCz)"
        );
        assert_eq!(
            super::case_hint(&["CZ"], &names),
            " (names are case-sensitive: the recording has Cz.)"
        );
        assert_eq!(super::case_hint(&["Oz"], &names), "");
    }
}
