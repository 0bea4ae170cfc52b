//! What every classifier provides: [`Settings`] (validated once; stored settings checked on
//! load) and [`Fitted`] (its [`LinearModel`] and diagnostics), with the out-of-range value type
//! and two helpers the fits share. A leaf of `model/`: the classifiers implement these traits
//! and `classifier.rs` dispatches over them.

use super::LinearModel;
use crate::Result;
use ndarray::ArrayView2;

/// A classifier's settings: plain data validated once by [`Settings::check`]; each settings
/// type also has an inherent `fit` on standardised features that gives its fitted type.
pub trait Settings {
    /// Validates the settings on their own (before any data).
    fn check(&self) -> Result<()>;

    /// The first value of these settings, read from a model file, that is out of range (fields
    /// under `classifier.settings.`).
    fn bad_value(&self) -> Option<BadValue> {
        None
    }
}

/// A fitted classifier: its [`LinearModel`] and what its fit reports.
pub trait Fitted {
    /// The fitted linear model.
    fn linear(&self) -> &LinearModel;

    /// Whether the fit reached its optimum (a closed-form fit always does).
    fn converged(&self) -> bool {
        true
    }

    /// The first diagnostic value, read from a model file, that is out of range (fields under
    /// `classifier.model.`; the coefficients are checked by the model file itself).
    fn bad_value(&self) -> Option<BadValue> {
        None
    }
}

/// A value of a loaded model file out of its range: where, what it holds, what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct BadValue {
    /// The JSON field, e.g. `classifier.settings.alpha` or `classifier.model.shrinkage[1]`.
    pub field: String,
    /// What the field holds.
    pub found: Found,
    /// What was expected, e.g. `a positive L2 penalty`.
    pub expected: String,
}

/// What a [`BadValue`] holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// A number (the model file shows it as it shows every number).
    Number(f64),
    /// Anything else, already worded (e.g. `3 values`).
    Text(String),
}

impl BadValue {
    /// `field` holds the number `v`, expected `expected`.
    pub fn number(field: impl Into<String>, v: f64, expected: impl Into<String>) -> Self {
        BadValue {
            field: field.into(),
            found: Found::Number(v),
            expected: expected.into(),
        }
    }

    /// The first of `values` (field `field[i]`) that `ok` refuses.
    pub fn first_of(
        field: &str,
        values: &[f64],
        ok: fn(f64) -> bool,
        expected: &str,
    ) -> Option<Self> {
        let i = values.iter().position(|&v| !ok(v))?;
        Some(BadValue::number(
            format!("{field}[{i}]"),
            values[i],
            expected,
        ))
    }

    /// `v` as a [`BadValue`] unless `ok(v)`.
    pub fn unless(field: &str, v: f64, ok: fn(f64) -> bool, expected: &str) -> Option<Self> {
        (!ok(v)).then(|| BadValue::number(field, v, expected))
    }
}

/// The first row of class probabilities that holds a value that is not finite, if any.
pub fn non_finite_row(p: ArrayView2<f64>) -> Option<usize> {
    p.rows()
        .into_iter()
        .position(|r| r.iter().any(|v| !v.is_finite()))
}

/// Number of rows of each class.
pub fn class_counts(y: &[usize], n_classes: usize) -> Vec<usize> {
    let mut counts = vec![0; n_classes];
    for &c in y {
        counts[c] += 1;
    }
    counts
}
