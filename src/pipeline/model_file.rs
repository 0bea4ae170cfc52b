//! The model file: load, migrate older formats, verify the checksum, validate what every value
//! means, write.

use super::model_fields::{field_error, finite, positive, Fields};
use super::*;

impl FittedPipeline {
    /// Reads, checks and if needed migrates a model file, within
    /// [`MAX_MODEL_BYTES`](crate::limits::MAX_MODEL_BYTES); also returns notes for stderr
    /// (e.g. that an older format was migrated).
    pub fn load(path: &Path) -> Result<(FittedPipeline, Vec<String>)> {
        let bytes = crate::io::read_bytes(path, &crate::io::ReadLimits::MODEL)?;
        Self::from_bytes(path, &bytes)
    }

    /// Parses a model file's bytes (UTF-8 JSON) like [`FittedPipeline::load`]; the entry point
    /// the fuzz tests drive.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<(FittedPipeline, Vec<String>)> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Error::at(
                path,
                line as u64,
                None,
                "text that is not UTF-8",
                "an eegi model file (JSON)",
            )
        })?;
        // a recording or events file given where a model belongs: say so, not "expected ident"
        let start = text.trim_start();
        if !start.is_empty() && !start.starts_with(['{', '[', '"']) {
            let first: String = start
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(40)
                .collect();
            let line = text[..text.len() - start.len()].matches('\n').count() as u64 + 1;
            return Err(Error::at(
                path,
                line,
                Some(1),
                format!("`{first}`, not a JSON object"),
                "an eegi model file written by `eegi train` (a recording is described by `eegi info`)",
            ));
        }
        Self::from_json_with_notes(path, text)
    }

    /// Parses and checks a model file's JSON text; `path` names it in errors.
    pub fn from_json(path: &Path, text: &str) -> Result<FittedPipeline> {
        Self::from_json_with_notes(path, text).map(|(m, _)| m)
    }

    /// Parses a model file's JSON text, migrating an older format; also returns notes for
    /// stderr. Format 2 files must carry a matching `checksum`. The text is parsed straight into
    /// the typed model (no generic JSON tree), so memory stays near the size of the numbers.
    pub fn from_json_with_notes(path: &Path, text: &str) -> Result<(FittedPipeline, Vec<String>)> {
        let version = read_version(path, text)?;
        let mut model: FittedPipeline =
            serde_json::from_str(text).map_err(|e| json_error(path, &e))?;
        let notes = model.verify_checksum(path, version)?;
        model.refuse_newer_fields(path, version)?;
        model.check(path).map_err(|e| as_model_field(path, e))?;
        // migrated to the oldest format that holds it (a format-6 file stays 6)
        model.format_version = model.format_needed().max(version as u32);
        model.checksum = model.content_hash();
        Ok((model, notes))
    }

    /// A format-2-or-later file's checksum must match its content; a format-1 file has none
    /// and is noted as migrated (the notes returned are for stderr).
    fn verify_checksum(&self, path: &Path, version: u64) -> Result<Vec<String>> {
        let model = self;
        let mut notes = Vec::new();
        if version >= 2 {
            // format 2 is format 3 without `decision`, xdawn or `iterations` (absent, so its
            // checksum still verifies)
            if model.checksum.is_empty() {
                return Err(Error::file(
                    path,
                    format!("format_version {version} model without a checksum field, expected one (was the file edited by hand?)"),
                ));
            }
            let actual = model.content_hash();
            if model.checksum != actual {
                return Err(Error::file(
                    path,
                    format!("checksum {} does not match the content (SHA-256 {actual}), expected the file as eegi wrote it; it was edited or corrupted — retrain or restore it", model.checksum),
                ));
            }
        } else {
            // format 1 is format 2 without `checksum` and `training.warnings`: both default
            if !model.checksum.is_empty() {
                return Err(Error::file(
                    path,
                    "format_version 1 model with a checksum field, expected none in format 1",
                ));
            }
            notes.push(format!(
                "note: {}: model format_version 1 migrated to format_version {} in memory (no checksum to verify); rewrite it with `eegi train` to get one",
                path.display(),
                format_for(&model.preprocessing)
            ));
        }
        Ok(notes)
    }

    /// Refuses in an older format what only later formats hold.
    fn refuse_newer_fields(&self, path: &Path, version: u64) -> Result<()> {
        let model = self;
        // formats 1 and 2 have no decision threshold (the most probable class) and no xdawn
        if version < 3 {
            if model.decision.is_some() {
                return Err(Error::file(
                    path,
                    format!("format_version {version} model with a decision field, expected none before format 3"),
                ));
            }
            if model
                .features
                .iter()
                .any(|f| !matches!(f, FeatureSpec::BandPower(_) | FeatureSpec::Erp(_)))
            {
                return Err(Error::file(
                    path,
                    format!("format_version {version} model with xdawn features, expected band power or erp before format 3"),
                ));
            }
        }
        if version < 5 && model.event_map.is_some() {
            return Err(Error::file(
                path,
                format!("format_version {version} model with an event_map field, expected none before format 5"),
            ));
        }
        if version < 8 && model.reading.is_some() {
            return Err(Error::file(
                path,
                format!("format_version {version} model with a reading field, expected none before format 8"),
            ));
        }
        if version < 7 && model.selection.is_some() {
            return Err(Error::file(
                path,
                format!("format_version {version} model with a selection field, expected none before format 7"),
            ));
        }
        if version < 6 && model.preprocessing.resample_hz.is_some() {
            return Err(Error::file(
                path,
                format!("format_version {version} model with a preprocessing.resample_hz field, expected none before format 6"),
            ));
        }
        Ok(())
    }

    /// SHA-256 (hex) of the model's canonical JSON: compact, fields in format order, without the
    /// `checksum` field, floats in shortest round-trip form. Streamed into the hash.
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut unsigned = self.clone();
        unsigned.checksum = String::new();
        let mut hasher = Sha256::new();
        serde_json::to_writer(&mut hasher, &unsigned).expect("model serialises");
        format!("{:x}", hasher.finalize())
    }

    /// Checks that the parts of a loaded model fit together.
    // long: one consistency check per part of the model, in file order, each with its own message
    fn check(&self, path: &Path) -> Result<()> {
        let bad = |what: String| Err(Error::file(path, format!("inconsistent model: {what}")));
        let n_features = self.feature_names.len();
        let n_classes = self.classifier.n_classes();
        if self.classes.len() < 2 || n_classes != self.classes.len() {
            return bad(format!(
                "{} classes listed, classifier has {}",
                self.classes.len(),
                n_classes
            ));
        }
        if let Some(what) = self.classifier.shape_error(n_features) {
            return bad(what);
        }
        if self.classifier.takes_covariances() {
            crate::features::check_covariances_only(&self.features)
                .map_err(|e| Error::file(path, format!("inconsistent model: {}", e.message)))?;
        }
        if self.scaler.mean.len() != n_features || self.scaler.scale.len() != n_features {
            return bad(format!(
                "coefficient or scaler lengths differ from the {n_features} feature names"
            ));
        }
        if !(self.sample_rate_hz.is_finite()
            && self.sample_rate_hz > 0.0
            && self.sample_rate_hz <= crate::limits::MAX_SAMPLE_RATE_HZ)
        {
            return bad(format!(
                "sample_rate_hz {}, expected a positive rate of at most {} Hz",
                self.sample_rate_hz,
                crate::limits::MAX_SAMPLE_RATE_HZ
            ));
        }
        if self.channels.is_empty() || self.channels.len() > crate::limits::MAX_COLUMNS {
            return bad(format!(
                "{} channels, expected 1 to {}",
                self.channels.len(),
                crate::limits::MAX_COLUMNS
            ));
        }
        self.validate(path)?;
        if self.window_samples > crate::limits::MAX_WINDOW_SAMPLES {
            return bad(format!(
                "window_samples {}, expected at most {}",
                self.window_samples,
                crate::limits::MAX_WINDOW_SAMPLES
            ));
        }
        self.window.check()?;
        self.window.check_rate(self.sample_rate_hz)?;
        if self.window.length_samples(self.sample_rate_hz) != self.window_samples {
            return bad("window_samples differs from window × sample rate".into());
        }
        self.preprocessing.check(&self.window)?;
        if let Some(hz) = self.preprocessing.resample_hz {
            if hz != self.sample_rate_hz {
                return bad(format!(
                    "preprocessing.resample_hz {hz} differs from sample_rate_hz {}, expected the rate inputs are resampled to",
                    self.sample_rate_hz
                ));
            }
        }
        self.preprocessing.filters(self.sample_rate_hz)?;
        if let Some(d) = &self.decision {
            if n_classes != 2 {
                return bad(format!(
                    "a decision threshold on a {n_classes}-class model, expected a binary model"
                ));
            }
            if !self.classes.contains(&d.positive_class) {
                return bad(format!(
                    "decision positive_class '{}' is not one of the classes ({})",
                    d.positive_class,
                    join(&self.classes)
                ));
            }
            if !(0.0..=1.0).contains(&d.threshold)
                || !d.error_cost.is_finite()
                || d.error_cost <= 0.0
            {
                return bad(format!(
                    "decision threshold {} (expected 0 to 1) or error_cost {} (expected > 0)",
                    d.threshold, d.error_cost
                ));
            }
        }
        let mut expected = 0;
        for f in &self.features {
            let e = f.build_for(self.sample_rate_hz, self.window_samples, &self.channels)?;
            expected += e.n_columns(self.channels.len());
        }
        if expected != n_features {
            return bad(format!(
                "features produce {expected} columns, {n_features} names listed"
            ));
        }
        Ok(())
    }

    /// Checks what a loaded model's values mean, field by field (its shapes are checked by
    /// `check`): every number finite and in its range (scaler scales positive, band edges and
    /// rates positive, shrinkage and accuracies in [0, 1]), names non-empty and distinct
    /// (channels, classes, feature columns, bands), names that refer to others known (ERP
    /// channels, xDAWN classes). A checksum only proves the file is as written, not that what
    /// was written makes sense. Errors name the JSON field: `m.json: scaler.scale[3]: 0,
    /// expected a positive number`.
    fn validate(&self, path: &Path) -> Result<()> {
        let fields = Fields { path };
        let names = |field: &str, list: &[String], what: &str| fields.names(field, list, what);
        let numbers = |field: &str, values: &[f64], ok: fn(f64) -> bool, expected: &str| {
            fields.numbers(field, values, ok, expected)
        };
        const FINITE: &str = "a finite number";
        names("channels", &self.channels, "channel")?;
        names("classes", &self.classes, "class")?;
        names("feature_names", &self.feature_names, "feature")?;
        numbers("scaler.mean", &self.scaler.mean, finite, FINITE)?;
        numbers(
            "scaler.scale",
            &self.scaler.scale,
            positive,
            "a positive number",
        )?;
        if let Some((coefficients, intercepts)) = self.classifier.weights() {
            for (r, row) in coefficients.iter().enumerate() {
                numbers(
                    &format!("classifier.model.coefficients[{r}]"),
                    row,
                    finite,
                    FINITE,
                )?;
            }
            numbers("classifier.model.intercepts", intercepts, finite, FINITE)?;
        }
        if let Some(bad) = self.classifier.bad_value() {
            let found = match bad.found {
                crate::model::Found::Number(v) => crate::features::show(v),
                crate::model::Found::Text(t) => t,
            };
            return Err(field_error(path, &bad.field, &found, &bad.expected));
        }
        self.validate_features(&fields)?;
        self.validate_decision(&fields)?;
        self.validate_event_map(&fields)?;
        self.validate_reading(&fields)?;
        match &self.selection {
            Some(s) => s.validate(&fields),
            None => Ok(()),
        }
    }

    /// The oldest format that holds this model: 8 with `reading`, 7 with a `selection`, else [`format_for`] its
    /// pre-processing (6 when it resamples, else 5).
    pub fn format_needed(&self) -> u32 {
        if self.reading.is_some() {
            8
        } else if self.selection.is_some() {
            7
        } else {
            format_for(&self.preprocessing)
        }
    }

    /// The model file's JSON text (pretty-printed, deterministic), with its checksum filled in.
    pub fn to_json(&self) -> String {
        let mut model = self.clone();
        model.checksum = self.content_hash();
        let mut s = serde_json::to_string_pretty(&model).expect("model serialises");
        s.push('\n');
        s
    }
}

/// Options whose checks also validate a model's settings, with the model field that holds the
/// same value: an error about a value read from a model names the field, not the option.
const OPTION_FIELDS: [(&str, &str); 14] = [
    ("--resample ", "preprocessing.resample_hz "),
    ("--epoch ", "window.start_s:end_s "),
    ("--window ", "window.window_s "),
    ("--step ", "window.step_s "),
    ("--baseline ", "preprocessing.baseline "),
    ("--reject-uv ", "preprocessing.reject_uv "),
    ("--bandpass ", "preprocessing.bandpass "),
    ("--notch ", "preprocessing.notch "),
    ("--welch-overlap ", "band_power.welch_overlap "),
    ("--welch-segment ", "band_power.welch_segment_s "),
    ("--erp-rate ", "erp.rate_hz "),
    ("--erp-channels", "erp.channels"),
    ("--alpha ", "classifier.settings.alpha "),
    ("band ", "band_power.bands: band "),
];

/// The `format_version` of a model file's JSON text (an object), refused unless this eegi reads
/// it.
fn read_version(path: &Path, text: &str) -> Result<u64> {
    use serde::de::IgnoredAny;
    /// The version alone, read before the rest.
    #[derive(Deserialize)]
    struct Version {
        format_version: Option<serde_json::Value>,
    }
    serde_json::from_str::<BTreeMap<String, IgnoredAny>>(text).map_err(|e| {
        if e.is_data() {
            Error::file(
                path,
                "JSON that is not an object, expected an eegi model file",
            )
        } else {
            json_error(path, &e)
        }
    })?;
    let reads = format!("format_version {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION}");
    let version = serde_json::from_str::<Version>(text)
        .map_err(|e| json_error(path, &e))?
        .format_version;
    let version = match version {
        None => {
            return Err(Error::file(
                path,
                format!("no format_version field, expected an eegi model file ({reads})"),
            ))
        }
        Some(v) => v.as_u64().ok_or_else(|| {
            Error::file(
                path,
                format!("format_version {v}, expected a whole number ({reads})"),
            )
        })?,
    };
    if !(OLDEST_FORMAT_VERSION as u64..=FORMAT_VERSION as u64).contains(&version) {
        return Err(Error::file(
            path,
            format!(
                "model format_version {version}, but this eegi {} reads {reads}{}",
                env!("CARGO_PKG_VERSION"),
                if version > FORMAT_VERSION as u64 {
                    "; use a newer eegi"
                } else {
                    ""
                }
            ),
        ));
    }
    Ok(version)
}

/// An error from checking a loaded model's settings, re-worded to name the model file and the
/// field that holds the bad value (`m.json: window.step_s 0: …`) instead of the option a user
/// would have typed (`--step 0: …`); a hint to pass an option is dropped. Errors that already
/// name the file are returned as they are.
fn as_model_field(path: &Path, e: Error) -> Error {
    let shown = path.display().to_string();
    if e.message.starts_with(&format!("{shown}:")) {
        return e;
    }
    let mut message = e.message;
    if let Some((option, field)) = OPTION_FIELDS.iter().find(|(o, _)| message.starts_with(o)) {
        message = format!("{field}{}", &message[option.len()..]);
    }
    if let Some(i) = message.find("; pass --") {
        message.truncate(i);
    }
    Error {
        kind: e.kind,
        message: format!("{shown}: {message}"),
    }
}

/// A JSON error as `file:line:column: …`. An unknown field (refused: the checksum would not
/// cover it) is named without serde's list of every expected field.
fn json_error(path: &Path, e: &serde_json::Error) -> Error {
    let text = format!("{e}");
    let found = text.split(" at line").next().unwrap_or("");
    if found.starts_with("number out of range") {
        return Error::at(
            path,
            e.line() as u64,
            Some(e.column()),
            "a number out of range",
            "a finite number (at most about 1.8e308 in size)",
        );
    }
    if found.starts_with("unknown field") {
        // serde quotes with backticks; the error line is also shown inside Markdown code
        let found = found
            .split(", expected")
            .next()
            .unwrap_or(found)
            .replace('`', "'");
        return Error::at(
            path,
            e.line() as u64,
            Some(e.column()),
            found,
            format!("only the fields of an eegi model file (format_version {FORMAT_VERSION}); unknown fields are refused, as the checksum does not cover them"),
        );
    }
    Error::at(
        path,
        e.line() as u64,
        Some(e.column()),
        found,
        "an eegi model file (JSON)",
    )
}

#[cfg(test)]
#[path = "model_file_tests.rs"]
mod tests;
