//! How a model's training recordings were read beyond their own content (format 8): the
//! BrainFlow board layout (`train --board`) and markers turned into segments
//! (`--segments-from-markers`). `classify`, `evaluate -m` and `features -m` read their
//! recordings the same way unless told otherwise, so a hobbyist's model needs no option again.

use serde::{Deserialize, Serialize};

/// The reading options a model was trained with (absent when none was given).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    /// `--board NAME`: the BrainFlow layout of the training files (headerless tab-separated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board: Option<String>,
    /// `--segments-from-markers`: each marker's segment lasted until the next marker.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub segments_from_markers: bool,
}

impl Reading {
    /// The settings to store, or `None` when they are the defaults (nothing to remember).
    pub fn stored(self) -> Option<Reading> {
        (self != Reading::default()).then_some(self)
    }

    /// The settings in words, for `inspect` and reports (e.g. "BrainFlow board cyton; markers
    /// as segments lasting to the next marker").
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(b) = &self.board {
            parts.push(format!("BrainFlow board {b}"));
        }
        if self.segments_from_markers {
            parts.push("markers as segments lasting to the next marker".to_string());
        }
        parts.join("; ")
    }
}
