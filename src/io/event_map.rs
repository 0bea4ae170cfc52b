//! Marker codes that mean something: `--event-map 1=ok,2=robot_error` turns the numeric codes
//! of a marker channel (BrainFlow's marker column, muse-lsl `Marker*` columns, EDF+
//! annotations, LSL marker strings) into the labels a model is trained on. [`EventMap`] is
//! parsed once from the option, stored in the model file (`event_map`), and applied wherever
//! events enter: events whose code is in the map get its label, the others are ignored and
//! counted per code.
//!
//! Codes are compared as numbers when both sides are numbers (`1`, `1.0` and `01` are one code,
//! as BrainFlow writes `1.000000`), otherwise as text (an LSL marker `robot_moved`). Several
//! codes may share one label (`1=ok,3=ok`: two kinds of correct action); `train` notes it.
//! An event already labelled with one of the map's labels (a labelled events file) is kept as
//! it is, so a model trained from codes also decides the events of a labelled file.

use super::events::Event;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Marker codes (canonical text, see [`code_key`]) to event labels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventMap(BTreeMap<String, String>);

/// Events left out by a map: how many per code, in code order.
pub type Ignored = BTreeMap<String, usize>;

/// A numeric marker value as text: `1`, `2.5` (whole numbers without a decimal point).
pub fn code_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The key a code is compared by: a finite number in [`code_text`] form (`1.000000` → `1`),
/// anything else trimmed as it is.
pub fn code_key(code: &str) -> String {
    let code = code.trim();
    match code.parse::<f64>() {
        Ok(v) if v.is_finite() => code_text(v),
        _ => code.to_string(),
    }
}

impl EventMap {
    /// Parses `CODE=LABEL,...` as given to `--event-map`; an error names the option, the text
    /// and the entry (`--event-map: "1=ok,=x": entry 2 has no code`).
    pub fn parse(text: &str) -> Result<EventMap> {
        let bad = |what: String| {
            Error::input(format!(
                "--event-map: \"{text}\": {what}, expected CODE=LABEL,... e.g. 1=ok,2=robot_error"
            ))
        };
        if text.trim().is_empty() {
            return Err(bad("no entries".into()));
        }
        let mut map = BTreeMap::new();
        let mut first_entry: BTreeMap<String, usize> = BTreeMap::new();
        for (i, entry) in text.split(',').enumerate() {
            let n = i + 1;
            let entry = entry.trim();
            if entry.is_empty() {
                return Err(bad(format!("entry {n} is empty")));
            }
            let Some((code, label)) = entry.split_once('=') else {
                return Err(bad(format!("entry {n} ({entry}) has no '='")));
            };
            let (code, label) = (code.trim(), label.trim());
            if code.is_empty() {
                return Err(bad(format!("entry {n} has no code")));
            }
            if label.is_empty() {
                return Err(bad(format!("entry {n} ({entry}) has no label")));
            }
            if label.contains('=') {
                return Err(bad(format!("entry {n} ({entry}) has two '='")));
            }
            let key = code_key(code);
            if let Some(k) = first_entry.get(&key) {
                return Err(bad(format!(
                    "entry {n}: code {code} again (entry {k} maps it to {}); give each code once",
                    map[&key]
                )));
            }
            first_entry.insert(key.clone(), n);
            map.insert(key, label.to_string());
        }
        Ok(EventMap(map))
    }

    /// The label of an event label as it arrived (a marker code, or already one of the map's
    /// labels), or `None` when the map leaves it out.
    pub fn label_of(&self, raw: &str) -> Option<&str> {
        if let Some(l) = self.0.get(&code_key(raw)) {
            return Some(l);
        }
        self.0.values().find(|l| *l == raw).map(String::as_str)
    }

    /// The events the map keeps, relabelled, and how many were left out per code.
    pub fn apply(&self, events: Vec<Event>) -> (Vec<Event>, Ignored) {
        let mut ignored = Ignored::new();
        let mut kept = Vec::with_capacity(events.len());
        for mut e in events {
            match self.label_of(&e.label) {
                Some(l) => {
                    e.label = l.to_string();
                    kept.push(e);
                }
                None => *ignored.entry(e.label).or_default() += 1,
            }
        }
        (kept, ignored)
    }

    /// The map as `--event-map` takes it: `1=ok,2=robot_error` (codes in numeric order).
    pub fn describe(&self) -> String {
        let mut entries: Vec<(&String, &String)> = self.0.iter().collect();
        entries.sort_by(|a, b| match (a.0.parse::<f64>(), b.0.parse::<f64>()) {
            (Ok(x), Ok(y)) => x.total_cmp(&y),
            _ => a.0.cmp(b.0),
        });
        entries
            .iter()
            .map(|(c, l)| format!("{c}={l}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The (code, label) entries, in code-text order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(c, l)| (c.as_str(), l.as_str()))
    }

    /// Labels that more than one code maps to, each with its codes.
    pub fn shared_labels(&self) -> Vec<(String, Vec<String>)> {
        let mut by_label: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (c, l) in &self.0 {
            by_label.entry(l).or_default().push(c.clone());
        }
        by_label
            .into_iter()
            .filter(|(_, c)| c.len() > 1)
            .map(|(l, c)| (l.to_string(), c))
            .collect()
    }

    /// The first entry of a map read from a model file that eegi would not have written: an
    /// empty or non-canonical code (`1.0` for `1`), an empty label or one holding `=` or `,`.
    /// Returns (the code, what was found, what was expected).
    pub fn bad_entry(&self) -> Option<(String, String, String)> {
        if self.0.is_empty() {
            return Some((
                String::new(),
                "no entries".into(),
                "at least one CODE=LABEL entry (or no event_map field)".into(),
            ));
        }
        for (c, l) in &self.0 {
            if c.is_empty() || code_key(c) != *c || c.contains([',', '=']) {
                return Some((
                    c.clone(),
                    format!("code '{c}'"),
                    format!("a code as eegi writes it ('{}')", code_key(c)),
                ));
            }
            if l.trim().is_empty() || l.trim() != l || l.contains([',', '=']) {
                return Some((
                    c.clone(),
                    format!("label '{l}'"),
                    "a non-empty label without ',', '=' or surrounding spaces".into(),
                ));
            }
        }
        None
    }
}

/// Events left out, for messages: `3 events: code 99 (2), code rest (1)`.
pub fn describe_ignored(ignored: &Ignored) -> String {
    let total: usize = ignored.values().sum();
    let shown: Vec<String> = ignored
        .iter()
        .take(12)
        .map(|(c, n)| format!("code {c} ({n})"))
        .collect();
    let more = match ignored.len() {
        n if n > 12 => format!(" and {} more codes", n - 12),
        _ => String::new(),
    };
    format!(
        "{total} event{}: {}{more}",
        if total == 1 { "" } else { "s" },
        shown.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(label: &str) -> Event {
        Event {
            onset_s: 1.0,
            duration_s: 0.0,
            label: label.into(),
            line: 2,
        }
    }

    #[test]
    fn parses_codes_numerically_and_maps_events() {
        let m = EventMap::parse(" 1=ok , 2.0=robot_error,start=ok").unwrap();
        assert_eq!(m.describe(), "1=ok,2=robot_error,start=ok");
        assert_eq!(m.label_of("1.000000"), Some("ok"));
        assert_eq!(m.label_of("02"), Some("robot_error"));
        assert_eq!(m.label_of("robot_error"), Some("robot_error"));
        assert_eq!(m.label_of("3"), None);
        let (kept, ignored) = m.apply(vec![ev("1"), ev("3"), ev("2"), ev("3"), ev("rest")]);
        let labels: Vec<&str> = kept.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["ok", "robot_error"]);
        assert_eq!(
            ignored,
            Ignored::from([("3".into(), 2), ("rest".into(), 1)])
        );
        assert_eq!(
            describe_ignored(&ignored),
            "3 events: code 3 (2), code rest (1)"
        );
        assert_eq!(
            m.shared_labels(),
            vec![("ok".to_string(), vec!["1".to_string(), "start".to_string()])]
        );
        assert_eq!(m.bad_entry(), None);
    }

    #[test]
    fn bad_maps_name_the_option_and_the_entry() {
        let cases = [
            ("1=ok,=x", "entry 2 has no code"),
            ("1=ok,", "entry 2 is empty"),
            ("1=ok,2", "entry 2 (2) has no '='"),
            ("1=", "entry 1 (1=) has no label"),
            ("1=a=b", "entry 1 (1=a=b) has two '='"),
            (
                "1=ok,1.0=robot_error",
                "entry 2: code 1.0 again (entry 1 maps it to ok)",
            ),
            ("", "no entries"),
        ];
        for (text, want) in cases {
            let e = EventMap::parse(text).unwrap_err();
            assert!(
                e.message
                    .starts_with(&format!("--event-map: \"{text}\": {want}")),
                "{text}: {}",
                e.message
            );
            assert_eq!(e.kind, crate::ErrorKind::Input);
        }
    }

    #[test]
    fn a_hand_edited_map_is_named() {
        let m: EventMap = serde_json::from_str(r#"{"1.0": "ok"}"#).unwrap();
        assert_eq!(m.bad_entry().unwrap().1, "code '1.0'");
        let m: EventMap = serde_json::from_str(r#"{"1": ""}"#).unwrap();
        assert_eq!(m.bad_entry().unwrap().1, "label ''");
        let m: EventMap = serde_json::from_str("{}").unwrap();
        assert!(m.bad_entry().is_some());
    }
}
