//! The classifier choice: [`ClassifierSpec`] (settings, validated once) fits a [`Classifier`]
//! (the fitted model as stored in the model file). Every classifier fits a [`LinearModel`].
//!
//! A new classifier is one file in `model/` — its settings type implementing [`Settings`]
//! (check, fit into its [`Classifier`] variant, the checks of its stored settings) and its
//! fitted type implementing [`Fitted`] (its [`LinearModel`] and diagnostics) — plus one arm in
//! each enum below and in the three matches that reach them ([`ClassifierSpec::settings`],
//! [`ClassifierSpec::fit`], [`Classifier::parts`]). The traits live in `traits.rs`, a leaf, so
//! no classifier file imports this one.

use super::traits::{BadValue, Fitted, Settings};
use super::{LdaModel, LdaSpec, LinearModel, LogisticModel, LogisticSpec};
use crate::Result;
use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

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

    /// Fits on standardised features `x` (rows = windows) with class indices `y` in
    /// `0..n_classes`: the fitted classifier as the model file stores it.
    pub fn fit(&self, x: ArrayView2<f64>, y: &[usize], n_classes: usize) -> Result<Classifier> {
        Ok(match self {
            ClassifierSpec::Logistic(s) => Classifier::LogisticRegression {
                settings: s.clone(),
                model: s.fit(x, y, n_classes)?,
            },
            ClassifierSpec::Lda(s) => Classifier::Lda {
                settings: s.clone(),
                model: s.fit(x, y, n_classes)?,
            },
        })
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
