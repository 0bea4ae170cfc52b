//! Field-by-field validation of a loaded model file's values ([`FittedPipeline`]'s
//! `validate`): the helpers that name the JSON field of a refused value, and the checks of the
//! feature extractors' settings and the decision rule.

use super::*;

/// A model file being validated: errors name its path and the JSON field.
pub(super) struct Fields<'a> {
    /// The model file.
    pub path: &'a Path,
}

/// Any finite number.
pub(super) fn finite(v: f64) -> bool {
    v.is_finite()
}

/// A finite number above 0.
pub(super) fn positive(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// A finite number of at least 0.
pub(super) fn non_negative(v: f64) -> bool {
    v.is_finite() && v >= 0.0
}

/// A number from 0 to 1.
pub(super) fn fraction(v: f64) -> bool {
    (0.0..=1.0).contains(&v)
}

/// What [`finite`] expects, for messages.
pub(super) const FINITE: &str = "a finite number";

impl Fields<'_> {
    /// Refuses an empty or repeated name in the list `field` of `what` names.
    pub fn names(&self, field: &str, names: &[String], what: &str) -> Result<()> {
        let mut seen: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            if n.is_empty() {
                return Err(field_error(
                    self.path,
                    &format!("{field}[{i}]"),
                    "an empty name",
                    &format!("a {what} name"),
                ));
            }
            if let Some(first) = seen.insert(n, i) {
                return Err(field_error(
                    self.path,
                    &format!("{field}[{i}]"),
                    &format!("'{n}' again (as {field}[{first}])"),
                    &format!("distinct {what} names"),
                ));
            }
        }
        Ok(())
    }

    /// Refuses the first of `values` (the list `field`) that is not `ok`.
    pub fn numbers(
        &self,
        field: &str,
        values: &[f64],
        ok: fn(f64) -> bool,
        expected: &str,
    ) -> Result<()> {
        match values.iter().position(|&v| !ok(v)) {
            Some(i) => Err(field_error(
                self.path,
                &format!("{field}[{i}]"),
                &crate::features::show(values[i]),
                expected,
            )),
            None => Ok(()),
        }
    }

    /// Refuses an item of `items` (the list `field`) that is not one of `universe` (e.g. an
    /// ERP channel among the model's channels).
    pub fn known(
        &self,
        field: &str,
        items: &[String],
        universe: &[String],
        what: &str,
    ) -> Result<()> {
        match items
            .iter()
            .enumerate()
            .find(|(_, c)| !universe.contains(c))
        {
            Some((k, c)) => Err(field_error(
                self.path,
                &format!("{field}[{k}]"),
                &format!("'{c}'"),
                what,
            )),
            None => Ok(()),
        }
    }

    /// Refuses the value `v` of `field` unless it is `ok`.
    pub fn number(&self, field: &str, v: f64, ok: fn(f64) -> bool, expected: &str) -> Result<()> {
        if ok(v) {
            Ok(())
        } else {
            Err(field_error(
                self.path,
                field,
                &crate::features::show(v),
                expected,
            ))
        }
    }
}

impl FittedPipeline {
    /// Validates each feature extractor's settings (rates, bands, ERP channels, xDAWN filters,
    /// the covariance reference point).
    // long: one block per extractor kind naming its fields; it belongs in each extractor (as a
    // classifier's `bad_value`), a move left for the next extractor added
    pub(super) fn validate_features(&self, fields: &Fields) -> Result<()> {
        let path = fields.path;
        let names = |field: &str, list: &[String], what: &str| fields.names(field, list, what);
        let numbers = |field: &str, values: &[f64], ok: fn(f64) -> bool, expected: &str| {
            fields.numbers(field, values, ok, expected)
        };
        let number = |field: &str, v: f64, ok: fn(f64) -> bool, expected: &str| {
            fields.number(field, v, ok, expected)
        };
        let known = |field: &str, items: &[String], universe: &[String], what: &str| {
            fields.known(field, items, universe, what)
        };
        for (i, f) in self.features.iter().enumerate() {
            match f {
                FeatureSpec::BandPower(b) => {
                    number(
                        &format!("features[{i}].welch_segment_s"),
                        b.welch_segment_s,
                        positive,
                        "a positive length in s",
                    )?;
                    let band_names: Vec<String> = b.bands.iter().map(|b| b.name.clone()).collect();
                    names(&format!("features[{i}].bands"), &band_names, "band")?;
                    for (k, band) in b.bands.iter().enumerate() {
                        number(
                            &format!("features[{i}].bands[{k}].low_hz"),
                            band.low_hz,
                            non_negative,
                            "a frequency of at least 0 Hz",
                        )?;
                        if !(band.high_hz.is_finite() && band.high_hz > band.low_hz) {
                            return Err(field_error(
                                path,
                                &format!("features[{i}].bands[{k}].high_hz"),
                                &crate::features::show(band.high_hz),
                                &format!("a frequency above low_hz ({} Hz)", band.low_hz),
                            ));
                        }
                    }
                }
                FeatureSpec::Erp(e) => {
                    number(
                        &format!("features[{i}].rate_hz"),
                        e.rate_hz,
                        positive,
                        "a positive rate in Hz",
                    )?;
                    if let Some(channels) = &e.channels {
                        let at = format!("features[{i}].channels");
                        names(&at, channels, "channel")?;
                        known(&at, channels, &self.channels, "one of the model's channels")?;
                    }
                }
                FeatureSpec::Xdawn(x) => {
                    number(
                        &format!("features[{i}].rate_hz"),
                        x.rate_hz,
                        positive,
                        "a positive rate in Hz",
                    )?;
                    if let Some(fitted) = &x.fitted {
                        let at = format!("features[{i}].fitted");
                        let per_class = x.n_filters.min(self.channels.len());
                        if fitted.per_class != per_class {
                            return Err(field_error(
                                path,
                                &format!("{at}.per_class"),
                                &fitted.per_class.to_string(),
                                &format!("{per_class} (n_filters, at most the number of channels)"),
                            ));
                        }
                        let classes = format!("{at}.classes");
                        names(&classes, &fitted.classes, "class")?;
                        known(
                            &classes,
                            &fitted.classes,
                            &self.classes,
                            "one of the model's classes",
                        )?;
                        for (r, row) in fitted.filters.iter().enumerate() {
                            numbers(&format!("{at}.filters[{r}]"), row, finite, FINITE)?;
                        }
                        numbers(
                            &format!("{at}.eigenvalues"),
                            &fitted.eigenvalues,
                            finite,
                            FINITE,
                        )?;
                    }
                }
                FeatureSpec::Cov(c) => {
                    if let Some(r) = &c.reference {
                        let at = format!("features[{i}].reference");
                        let n = self.channels.len();
                        if r.len() != n {
                            return Err(field_error(
                                path,
                                &at,
                                &format!("{} rows", r.len()),
                                &format!("{n} rows (one per model channel)"),
                            ));
                        }
                        for (k, row) in r.iter().enumerate() {
                            numbers(&format!("{at}[{k}]"), row, finite, FINITE)?;
                        }
                    }
                }
                FeatureSpec::XdawnCov(x) => {
                    if let Some(f) = &x.fitted {
                        let at = format!("features[{i}].fitted");
                        numbers(
                            &format!("{at}.xdawn.eigenvalues"),
                            &f.xdawn.eigenvalues,
                            finite,
                            FINITE,
                        )?;
                        let rows = f.xdawn.filters.iter().chain(&f.prototypes);
                        self.validate_super_trial(
                            fields,
                            &at,
                            &f.xdawn.classes,
                            rows,
                            &f.reference,
                        )?;
                    }
                }
                FeatureSpec::ErpCov(e) => {
                    if let Some(f) = &e.fitted {
                        let at = format!("features[{i}].fitted");
                        self.validate_super_trial(
                            fields,
                            &at,
                            &f.classes,
                            f.prototypes.iter(),
                            &f.reference,
                        )?;
                    }
                }
                FeatureSpec::Csp(c) => {
                    if let Some(f) = &c.fitted {
                        let at = format!("features[{i}].fitted");
                        names(&format!("{at}.classes"), &f.classes, "class")?;
                        known(
                            &format!("{at}.classes"),
                            &f.classes,
                            &self.classes,
                            "one of the model's classes",
                        )?;
                        for (r, row) in f.filters.iter().enumerate() {
                            numbers(&format!("{at}.filters[{r}]"), row, finite, FINITE)?;
                        }
                        numbers(
                            &format!("{at}.eigenvalues"),
                            &f.eigenvalues,
                            fraction,
                            "a number from 0 to 1",
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Validates what a super-trial covariance extractor (`xdawncov`, `erpcov`) fitted, under
    /// `at`: its classes are the model's, its filter and prototype `rows` and its `reference`
    /// point finite (their shapes are checked when the extractor is built).
    fn validate_super_trial<'a>(
        &self,
        fields: &Fields,
        at: &str,
        classes: &[String],
        rows: impl Iterator<Item = &'a Vec<f64>>,
        reference: &[Vec<f64>],
    ) -> Result<()> {
        let field = format!("{at}.classes");
        fields.names(&field, classes, "class")?;
        fields.known(&field, classes, &self.classes, "one of the model's classes")?;
        for (r, row) in rows.enumerate() {
            fields.numbers(&format!("{at}.rows[{r}]"), row, finite, FINITE)?;
        }
        for (r, row) in reference.iter().enumerate() {
            fields.numbers(&format!("{at}.reference[{r}]"), row, finite, FINITE)?;
        }
        Ok(())
    }

    /// Validates the decision rule's method, folds and accuracies.
    pub(super) fn validate_decision(&self, fields: &Fields) -> Result<()> {
        let path = fields.path;
        let number = |field: &str, v: f64, ok: fn(f64) -> bool, expected: &str| {
            fields.number(field, v, ok, expected)
        };
        if let Some(d) = &self.decision {
            if d.method != "fixed" && d.method != "auto" {
                return Err(field_error(
                    path,
                    "decision.method",
                    &format!("'{}'", d.method),
                    "fixed or auto",
                ));
            }
            if let Some(k) = d.folds {
                if k < 2 {
                    return Err(field_error(
                        path,
                        "decision.folds",
                        &k.to_string(),
                        "at least 2",
                    ));
                }
            }
            for (field, v) in [
                ("decision.oof_balanced_accuracy", d.oof_balanced_accuracy),
                (
                    "decision.oof_balanced_accuracy_at_half",
                    d.oof_balanced_accuracy_at_half,
                ),
            ] {
                if let Some(v) = v {
                    number(field, v, fraction, "a balanced accuracy from 0 to 1")?;
                }
            }
        }
        Ok(())
    }
}

impl FittedPipeline {
    /// Validates the event map: codes as eegi writes them, labels non-empty. Labels the map
    /// gives that are not classes are allowed (`train --labels` may have kept fewer).
    pub(super) fn validate_event_map(&self, fields: &Fields) -> Result<()> {
        match self.event_map.as_ref().and_then(|m| m.bad_entry()) {
            Some((code, found, expected)) => Err(field_error(
                fields.path,
                &format!("event_map[\"{code}\"]"),
                &found,
                &expected,
            )),
            None => Ok(()),
        }
    }

    /// Validates the reading settings: a board this eegi knows.
    pub(super) fn validate_reading(&self, fields: &Fields) -> Result<()> {
        match self.reading.as_ref().and_then(|r| r.board.as_ref()) {
            Some(b) if crate::io::vendor::find_board(b).is_none() => Err(field_error(
                fields.path,
                "reading.board",
                &format!("'{b}'"),
                &format!("a BrainFlow board: {}", crate::io::vendor::board_list()),
            )),
            _ => Ok(()),
        }
    }
}

/// A model file field refused by validation: `file: field: found, expected what`.
pub(super) fn field_error(path: &Path, field: &str, found: &str, expected: &str) -> Error {
    Error::file(path, format!("{field}: {found}, expected {expected}"))
}
