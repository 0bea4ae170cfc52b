//! The classifier choice: [`ClassifierSpec`] (settings, validated once) fits a [`Classifier`]
//! (the fitted model as stored in the model file). Every classifier fits a [`LinearModel`].
//!
//! A new classifier is one file in `model/` — its settings type implementing [`Settings`]
//! (check, fit into its [`Classifier`] variant, the checks of its stored settings) and its
//! fitted type implementing [`Fitted`] (its [`LinearModel`] and diagnostics) — plus one arm in
//! each enum below and in the two matches that reach them ([`ClassifierSpec::settings`],
//! [`Classifier::parts`]).

use super::{LdaModel, LdaSpec, LinearModel, LogisticModel, LogisticSpec};
use crate::Result;
use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

/// A classifier's settings: plain data validated once by [`Settings::check`], then fitted on
/// standardised features into a [`Classifier`] holding these settings and the fitted model.
pub trait Settings {
    /// Validates the settings on their own (before any data).
    fn check(&self) -> Result<()>;

    /// Fits on standardised features `x` (rows = windows) with class indices `y` in
    /// `0..n_classes`: the fitted classifier as the model file stores it.
    fn fit_classifier(
        &self,
        x: ArrayView2<f64>,
        y: &[usize],
        n_classes: usize,
    ) -> Result<Classifier>;

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

/// Which classifier to fit, with its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "settings", rename_all = "snake_case")]
pub enum ClassifierSpec {
    /// Balanced L2 logistic regression.
    Logistic(LogisticSpec),
    /// Shrinkage LDA with equal priors.
    Lda(LdaSpec),
}

impl From<LogisticSpec> for ClassifierSpec {
    fn from(s: LogisticSpec) -> Self {
        ClassifierSpec::Logistic(s)
    }
}

impl ClassifierSpec {
    /// The settings behind the variant (the one match on a spec).
    pub fn settings(&self) -> &dyn Settings {
        match self {
            ClassifierSpec::Logistic(s) => s,
            ClassifierSpec::Lda(s) => s,
        }
    }

    /// Validates the settings.
    pub fn check(&self) -> Result<()> {
        self.settings().check()
    }

    /// Fits on standardised features.
    pub fn fit(&self, x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<Classifier> {
        self.settings().fit_classifier(x, y, n_classes)
    }
}

/// The classifier of a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum Classifier {
    /// Balanced L2 logistic regression.
    LogisticRegression {
        /// Settings it was fitted with.
        settings: LogisticSpec,
        /// The fitted coefficients.
        model: LogisticModel,
    },
    /// Shrinkage linear discriminant analysis (Ledoit-Wolf), equal priors.
    Lda {
        /// Settings it was fitted with.
        settings: LdaSpec,
        /// The fitted coefficients.
        model: LdaModel,
    },
}

impl Classifier {
    /// The settings and the fitted model behind the variant (the one match on a classifier).
    pub fn parts(&self) -> (&dyn Settings, &dyn Fitted) {
        match self {
            Classifier::LogisticRegression { settings, model } => (settings, model),
            Classifier::Lda { settings, model } => (settings, model),
        }
    }

    /// The fitted linear model.
    pub fn linear(&self) -> &LinearModel {
        self.parts().1.linear()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.linear().n_classes
    }

    /// Coefficient rows and intercepts.
    pub fn weights(&self) -> (&[Vec<f64>], &[f64]) {
        let m = self.linear();
        (&m.coefficients, &m.intercepts)
    }

    /// Whether the fit reached its optimum (always, for a closed-form fit).
    pub fn converged(&self) -> bool {
        self.parts().1.converged()
    }

    /// The first value of the stored settings or fit diagnostics that is out of range.
    pub fn bad_value(&self) -> Option<BadValue> {
        let (settings, model) = self.parts();
        settings.bad_value().or_else(|| model.bad_value())
    }

    /// Class probabilities of standardised rows, windows × classes.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Array2<f64> {
        self.linear().predict_proba(x)
    }

    /// Class probabilities of one standardised row, into `out`.
    pub fn predict_proba_row(&self, x: ArrayView1<f64>, out: &mut [f64]) {
        self.linear().predict_proba_row(x, out)
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
