//! The classifier choice: [`ClassifierSpec`] (settings, validated once) fits a [`Classifier`]
//! (the fitted model as stored in the model file). A new classifier is one file in `model/`
//! plus one arm in each enum.

use super::{LdaModel, LdaSpec, LogisticModel, LogisticSpec};
use crate::Result;
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
    /// Validates the settings.
    pub fn check(&self) -> Result<()> {
        match self {
            ClassifierSpec::Logistic(s) => s.check(),
            ClassifierSpec::Lda(_) => Ok(()),
        }
    }

    /// Fits on standardised features.
    pub fn fit(
        &self,
        x: ndarray::ArrayView2<f64>,
        y: &[usize],
        n_classes: usize,
    ) -> Result<Classifier> {
        Ok(match self {
            ClassifierSpec::Logistic(settings) => Classifier::LogisticRegression {
                settings: settings.clone(),
                model: settings.fit(x, y, n_classes)?,
            },
            ClassifierSpec::Lda(settings) => Classifier::Lda {
                settings: settings.clone(),
                model: settings.fit(x, y, n_classes)?,
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
    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        match self {
            Classifier::LogisticRegression { model, .. } => model.n_classes,
            Classifier::Lda { model, .. } => model.n_classes,
        }
    }

    /// Coefficient rows and intercepts.
    pub fn weights(&self) -> (&[Vec<f64>], &[f64]) {
        match self {
            Classifier::LogisticRegression { model, .. } => {
                (&model.coefficients, &model.intercepts)
            }
            Classifier::Lda { model, .. } => (&model.coefficients, &model.intercepts),
        }
    }

    /// Class probabilities of standardised rows, windows × classes.
    pub fn predict_proba(&self, x: ndarray::ArrayView2<f64>) -> ndarray::Array2<f64> {
        match self {
            Classifier::LogisticRegression { model, .. } => model.predict_proba(x),
            Classifier::Lda { model, .. } => model.predict_proba(x),
        }
    }

    /// Class probabilities of one standardised row, into `out`.
    pub fn predict_proba_row(&self, x: ndarray::ArrayView1<f64>, out: &mut [f64]) {
        match self {
            Classifier::LogisticRegression { model, .. } => model.predict_proba_row(x, out),
            Classifier::Lda { model, .. } => model.predict_proba_row(x, out),
        }
    }
}

/// The first row of class probabilities that holds a value that is not finite, if any.
pub fn non_finite_row(p: ndarray::ArrayView2<f64>) -> Option<usize> {
    p.rows()
        .into_iter()
        .position(|r| r.iter().any(|v| !v.is_finite()))
}
