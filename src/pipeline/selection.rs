//! The record of `train --auto` in the model file (format 7): the pipelines it chose among,
//! their inner cross-validated scores, the choice, and the nested score that says how well
//! choosing this way does on data the choice has not seen.

use super::model_fields::{field_error, fraction, Fields};
use super::*;

/// How `train --auto` chose the model's pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// How the candidates were scored and one chosen, in words.
    pub method: String,
    /// Folds of the inner cross-validation.
    pub folds: usize,
    /// The pipeline chosen (one of `candidates`).
    pub chosen: String,
    /// Every candidate, in the order tried.
    pub candidates: Vec<SelectionCandidate>,
    /// The honest score of choosing this way: an outer cross-validation whose every training
    /// fold ran the whole selection (absent with `--cv 0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nested: Option<NestedScore>,
}

/// One candidate pipeline of `train --auto`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectionCandidate {
    /// Preset name.
    pub name: String,
    /// Its feature and classifier options.
    pub options: String,
    /// Mean fold balanced accuracy of the inner cross-validation on every training window
    /// (absent when skipped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balanced_accuracy: Option<f64>,
    /// Why it could not run on these data (absent when it ran).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// The outer cross-validation of a nested selection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NestedScore {
    /// Outer folds.
    pub folds: usize,
    /// How the outer folds were made.
    pub method: String,
    /// Balanced accuracy of the pooled outer out-of-fold predictions, each fold predicted by
    /// the pipeline its own training windows chose.
    pub balanced_accuracy: f64,
    /// Balanced accuracy of each outer fold.
    pub fold_balanced_accuracy: Vec<f64>,
    /// The pipeline each outer fold's inner selection chose.
    pub chosen: Vec<String>,
}

impl Selection {
    /// Validates the record: scores in [0, 1], the chosen pipelines among the candidates.
    pub(super) fn validate(&self, fields: &Fields) -> Result<()> {
        let names: Vec<String> = self.candidates.iter().map(|c| c.name.clone()).collect();
        fields.names("selection.candidates", &names, "candidate")?;
        let known = |field: &str, name: &str| {
            if names.iter().any(|n| n == name) {
                Ok(())
            } else {
                Err(field_error(
                    fields.path,
                    field,
                    name,
                    "one of the candidates",
                ))
            }
        };
        known("selection.chosen", &self.chosen)?;
        for (i, c) in self.candidates.iter().enumerate() {
            if let Some(v) = c.balanced_accuracy {
                fields.number(
                    &format!("selection.candidates[{i}].balanced_accuracy"),
                    v,
                    fraction,
                    "a number from 0 to 1",
                )?;
            }
        }
        if let Some(n) = &self.nested {
            fields.number(
                "selection.nested.balanced_accuracy",
                n.balanced_accuracy,
                fraction,
                "a number from 0 to 1",
            )?;
            fields.numbers(
                "selection.nested.fold_balanced_accuracy",
                &n.fold_balanced_accuracy,
                fraction,
                "a number from 0 to 1",
            )?;
            for (i, c) in n.chosen.iter().enumerate() {
                known(&format!("selection.nested.chosen[{i}]"), c)?;
            }
        }
        Ok(())
    }
}
