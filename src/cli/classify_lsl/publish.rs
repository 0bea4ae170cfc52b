//! The `--lsl-out` samples: each decision's label and its probabilities as a JSON object
//! (`{"class":p,…}`, keys sorted, compact: what `serde_json::Value::to_string` of a map writes),
//! formatted into a buffer kept from one decision to the next, so the decision's path from the
//! sample's arrival to the push builds no map and allocates nothing for it.

use crate::io::lsl::StringOutlet;
use crate::Result;

/// The decisions' outlet and its reusable JSON buffer.
pub(super) struct Publisher {
    out: StringOutlet,
    /// Class names, as the model orders them.
    names: Vec<String>,
    /// JSON keys, see [`keys_of`].
    keys: Vec<(usize, Vec<u8>)>,
    /// The last JSON formatted.
    json: Vec<u8>,
}

impl Publisher {
    /// Publishes on `out` decisions among the classes `names` (model order).
    pub(super) fn new(out: StringOutlet, names: &[String]) -> Publisher {
        Publisher {
            out,
            names: names.to_vec(),
            keys: keys_of(names),
            json: Vec::with_capacity(64 * names.len().max(1)),
        }
    }

    /// Formats `probabilities` (model class order) without pushing them: a rehearsal before
    /// the decision, so its formatting code and buffer are in the caches.
    pub(super) fn rehearse(&mut self, probabilities: &[f64]) {
        format_into(&self.keys, probabilities, &mut self.json);
    }

    /// Pushes one decision (class index `class`, `probabilities` in model class order)
    /// time-stamped `stamp` (LSL clock, s).
    pub(super) fn publish(
        &mut self,
        class: usize,
        probabilities: &[f64],
        stamp: f64,
    ) -> Result<()> {
        format_into(&self.keys, probabilities, &mut self.json);
        let json = std::str::from_utf8(&self.json).unwrap_or("{}");
        let label = self.names.get(class).map_or("", String::as_str);
        self.out.push(&[label, json], stamp)
    }
}

/// Class indices in key order (names sorted, as a `serde_json::Map` keeps them), each with its
/// quoted, escaped key and the colon (`"name":`).
fn keys_of(names: &[String]) -> Vec<(usize, Vec<u8>)> {
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| names[a].cmp(&names[b]));
    order
        .into_iter()
        .map(|i| {
            let mut key = serde_json::to_vec(&names[i]).unwrap_or_default();
            key.push(b':');
            (i, key)
        })
        .collect()
}

/// Writes `{"class":p,…}` into `json` (cleared first): numbers as serde_json writes them
/// (shortest round-trip form), `null` when not finite.
fn format_into(keys: &[(usize, Vec<u8>)], probabilities: &[f64], json: &mut Vec<u8>) {
    json.clear();
    json.push(b'{');
    for (n, (i, key)) in keys.iter().enumerate() {
        if n > 0 {
            json.push(b',');
        }
        json.extend_from_slice(key);
        let v = probabilities.get(*i).copied().unwrap_or(f64::NAN);
        if serde_json::to_writer(&mut *json, &v).is_err() {
            json.extend_from_slice(b"null");
        }
    }
    json.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What eegi published before: a `serde_json::Map` of the classes, to a string.
    fn reference(names: &[String], probabilities: &[f64]) -> String {
        let map: serde_json::Map<String, serde_json::Value> = names
            .iter()
            .zip(probabilities)
            .map(|(c, v)| (c.clone(), serde_json::json!(v)))
            .collect();
        serde_json::Value::Object(map).to_string()
    }

    #[test]
    fn formats_as_a_serde_json_map_does() {
        let names: Vec<String> = ["robot_error", "ok", "a \"quoted\" é\n", "Z"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let keys = keys_of(&names);
        let mut json = Vec::new();
        for p in [
            [0.25, 0.75, 0.0, 1.0],
            [1e-300, 0.1 + 0.2, 1.0 / 3.0, f64::NAN],
            [5e-324, 1e21, 123456.789, -0.0],
            [f64::INFINITY, 0.5, 2.0 / 3.0, 1e-7],
        ] {
            format_into(&keys, &p, &mut json);
            assert_eq!(std::str::from_utf8(&json).unwrap(), reference(&names, &p));
        }
    }
}
