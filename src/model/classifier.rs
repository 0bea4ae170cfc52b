//! The classifier choice: [`ClassifierSpec`] (settings, validated once) fits a [`Classifier`]
//! (the fitted model as stored in the model file). Linear classifiers (logistic regression,
//! LDA) fit a [`LinearModel`]; MDM fits class means of covariance matrices.
//!
//! A new classifier is one file in `model/` — its settings type implementing [`Settings`]
//! (check, the checks of its stored settings, whether it takes covariances) with an inherent
//! `fit`, and its fitted type implementing [`Fitted`] (probabilities, shape checks,
//! diagnostics; a linear one implements [`Linear`] instead and gets [`Fitted`] from it) — plus
//! one arm in each enum below and in the three matches that reach them
//! ([`ClassifierSpec::settings`], [`ClassifierSpec::fit`], [`Classifier::parts`]). The traits
//! live in `traits.rs`, a leaf, so no classifier file imports this one.

use super::traits::{BadValue, Fitted, Settings};
use super::Scaler;
use super::{
    LdaModel, LdaSpec, LinearModel, LogisticModel, LogisticSpec, MdmModel, MdmSpec, SvmModel,
    SvmSpec,
};
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
    /// Minimum distance to the classes' Riemannian means (covariance features only).
    Mdm(MdmSpec),
    /// Two-class support vector machine (linear or RBF kernel), Platt-scaled.
    Svm(SvmSpec),
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
            ClassifierSpec::Mdm(s) => s,
            ClassifierSpec::Svm(s) => s,
        }
    }

    /// Whether it takes covariance features unstandardised ([`Settings::takes_covariances`]).
    pub fn takes_covariances(&self) -> bool {
        self.settings().takes_covariances()
    }

    /// The settings in words ([`Settings::describe`]).
    pub fn describe(&self) -> String {
        self.settings().describe()
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
            ClassifierSpec::Mdm(s) => Classifier::Mdm {
                settings: s.clone(),
                model: s.fit(x, y, n_classes)?,
            },
            ClassifierSpec::Svm(s) => Classifier::Svm {
                settings: s.clone(),
                model: s.fit(x, y, n_classes)?,
            },
        })
    }

    /// The classifier a permutation test refits: the same settings, stopped as scikit-learn
    /// stops by default ([`super::logistic::Convergence::ScikitLearn`]) for an iterative fit;
    /// `None` when it would be this one (LDA, MDM and the SVM fit in closed form or exactly).
    pub fn for_permutations(&self) -> Option<ClassifierSpec> {
        match self {
            ClassifierSpec::Logistic(s) => Some(ClassifierSpec::Logistic(LogisticSpec {
                convergence: super::logistic::Convergence::ScikitLearn,
                ..s.clone()
            })),
            _ => None,
        }
    }

    /// The scaler fitted on training features `x` (rows = windows): standardisation of every
    /// column but those flagged in `unscaled` (tangent vectors, kept as they are), or the
    /// identity for a classifier that takes covariances ([`Settings::takes_covariances`]).
    pub fn fit_scaler(&self, x: ArrayView2<f64>, unscaled: &[bool]) -> Scaler {
        if self.settings().takes_covariances() {
            Scaler::identity(x.ncols())
        } else {
            Scaler::fit_except(x, unscaled)
        }
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
    /// Minimum distance to mean (Riemannian), on covariance features.
    Mdm {
        /// Settings it was fitted with.
        settings: MdmSpec,
        /// The class means.
        model: MdmModel,
    },
    /// Two-class support vector machine (C-SVC), Platt-scaled probabilities.
    Svm {
        /// Settings it was fitted with.
        settings: SvmSpec,
        /// The decision function and Platt slope.
        model: SvmModel,
    },
}

impl Classifier {
    /// The settings and the fitted model behind the variant (the one match on a classifier).
    pub fn parts(&self) -> (&dyn Settings, &dyn Fitted) {
        match self {
            Classifier::LogisticRegression { settings, model } => (settings, model),
            Classifier::Lda { settings, model } => (settings, model),
            Classifier::Mdm { settings, model } => (settings, model),
            Classifier::Svm { settings, model } => (settings, model),
        }
    }

    /// The settings it was fitted with, as a specification (what a report records).
    pub fn spec(&self) -> ClassifierSpec {
        match self {
            Classifier::LogisticRegression { settings, .. } => {
                ClassifierSpec::Logistic(settings.clone())
            }
            Classifier::Lda { settings, .. } => ClassifierSpec::Lda(settings.clone()),
            Classifier::Mdm { settings, .. } => ClassifierSpec::Mdm(settings.clone()),
            Classifier::Svm { settings, .. } => ClassifierSpec::Svm(settings.clone()),
        }
    }

    /// The fitted linear model, for a linear classifier.
    pub fn linear(&self) -> Option<&LinearModel> {
        self.parts().1.linear()
    }

    /// Whether it takes covariance features unstandardised ([`Settings::takes_covariances`]).
    pub fn takes_covariances(&self) -> bool {
        self.parts().0.takes_covariances()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.parts().1.n_classes()
    }

    /// Coefficient rows and intercepts of a linear classifier.
    pub fn weights(&self) -> Option<(&[Vec<f64>], &[f64])> {
        self.linear()
            .map(|m| (&m.coefficients[..], &m.intercepts[..]))
    }

    /// What is inconsistent between the fitted values and `n_features` feature columns.
    pub fn shape_error(&self, n_features: usize) -> Option<String> {
        self.parts().1.shape_error(n_features)
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
        self.parts().1.predict_proba(x)
    }

    /// Class probabilities of one standardised row, into `out`.
    pub fn predict_proba_row(&self, x: ArrayView1<f64>, out: &mut [f64]) {
        self.parts().1.predict_proba_row(x, out)
    }
}
