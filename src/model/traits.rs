//! What every classifier provides: [`Settings`] (validated once; stored settings checked on
//! load) and [`Fitted`] (its [`LinearModel`] and diagnostics), with the out-of-range value type
//! and two helpers the fits share. A leaf of `model/`: the classifiers implement these traits
//! and `classifier.rs` dispatches over them.

use super::LinearModel;
use crate::Result;
use ndarray::{Array2, ArrayView1, ArrayView2};

/// A classifier's settings: plain data validated once by [`Settings::check`]; each settings
/// type also has an inherent `fit` on standardised features that gives its fitted type.
pub trait Settings {
    /// The settings in words, for `inspect` and reports.
    fn describe(&self) -> String;

    /// Validates the settings on their own (before any data).
    fn check(&self) -> Result<()>;

    /// The first value of these settings, read from a model file, that is out of range (fields
    /// under `classifier.settings.`).
    fn bad_value(&self) -> Option<BadValue> {
        None
    }

    /// Whether the classifier takes covariance matrices, as the tangent vectors of covariance
    /// features under the affine-invariant metric ([`crate::features::FeatureSpec::riemann_tangent`]),
    /// unstandardised, instead of standardised features of any kind (MDM).
    fn takes_covariances(&self) -> bool {
        false
    }
}

/// A fitted classifier as the pipeline uses it: class probabilities of standardised rows, its
/// shape, and what its fit reports. Linear classifiers get it from [`Linear`]; a classifier
/// that is not linear (MDM) implements it directly.
pub trait Fitted {
    /// Number of classes K.
    fn n_classes(&self) -> usize;

    /// Class probabilities of one standardised row, into `out` (K long).
    fn predict_proba_row(&self, x: ArrayView1<f64>, out: &mut [f64]);

    /// Class probabilities of standardised rows, windows × classes.
    fn predict_proba(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let mut out = Array2::zeros((x.nrows(), self.n_classes()));
        for (row, mut o) in x.rows().into_iter().zip(out.rows_mut()) {
            self.predict_proba_row(row, o.as_slice_mut().expect("contiguous"));
        }
        out
    }

    /// The fitted linear model, for classifiers that have one.
    fn linear(&self) -> Option<&LinearModel> {
        None
    }

    /// What is inconsistent between the fitted values' shapes and `n_features` feature columns
    /// (of a loaded model file), if anything.
    fn shape_error(&self, n_features: usize) -> Option<String>;

    /// Whether the fit reached its optimum (a closed-form fit always does).
    fn converged(&self) -> bool {
        true
    }

    /// The first fitted value, read from a model file, that is out of range (fields under
    /// `classifier.model.`; a linear model's coefficients are checked by the model file itself).
    fn bad_value(&self) -> Option<BadValue> {
        None
    }
}

/// A fitted classifier whose decision is a [`LinearModel`] (logistic regression, LDA): it is a
/// [`Fitted`] through the linear model.
pub trait Linear {
    /// The fitted linear model.
    fn linear_model(&self) -> &LinearModel;

    /// Whether the fit reached its optimum (a closed-form fit always does).
    fn fit_converged(&self) -> bool {
        true
    }

    /// The first diagnostic value, read from a model file, that is out of range.
    fn fit_bad_value(&self) -> Option<BadValue> {
        None
    }
}

impl<T: Linear> Fitted for T {
    fn n_classes(&self) -> usize {
        self.linear_model().n_classes
    }
    fn predict_proba_row(&self, x: ArrayView1<f64>, out: &mut [f64]) {
        self.linear_model().predict_proba_row(x, out)
    }
    fn predict_proba(&self, x: ArrayView2<f64>) -> Array2<f64> {
        self.linear_model().predict_proba(x)
    }
    fn linear(&self) -> Option<&LinearModel> {
        Some(self.linear_model())
    }
    fn shape_error(&self, n_features: usize) -> Option<String> {
        let m = self.linear_model();
        let rows = if m.n_classes == 2 { 1 } else { m.n_classes };
        if m.coefficients.len() != rows || m.intercepts.len() != rows {
            return Some(format!("expected {rows} coefficient rows and intercepts"));
        }
        m.coefficients
            .iter()
            .any(|r| r.len() != n_features)
            .then(|| format!("coefficient lengths differ from the {n_features} feature names"))
    }
    fn converged(&self) -> bool {
        self.fit_converged()
    }
    fn bad_value(&self) -> Option<BadValue> {
        self.fit_bad_value()
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
