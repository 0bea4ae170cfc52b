//! A trained model applied to an evaluation's windows (`evaluate -m`): its class probabilities
//! in the set's class order, features matched by name, and its decisions (its threshold).

use crate::pipeline::{FittedPipeline, TrainingSet};
use crate::validation::metrics::predicted;
use crate::{Error, Result};
use ndarray::{Array2, Axis};

/// The model's class probabilities for every window of the set, in the set's class order;
/// features are matched to the model's by name.
pub(super) fn model_proba(model: &FittedPipeline, set: &TrainingSet) -> Result<Array2<f64>> {
    if set.sample_rate_hz != model.sample_rate_hz {
        return Err(Error::input(format!(
            "the recordings are sampled at {} Hz, but the model was trained at {} Hz",
            set.sample_rate_hz, model.sample_rate_hz
        )));
    }
    let columns = model
        .feature_names
        .iter()
        .map(|n| {
            set.features
                .names
                .iter()
                .position(|m| m == n)
                .ok_or_else(|| {
                    Error::input(format!(
                        "the recordings have no feature {n} that the model needs"
                    ))
                })
        })
        .collect::<Result<Vec<usize>>>()?;
    let class_in_model = set
        .classes
        .iter()
        .map(|c| {
            model.classes.iter().position(|m| m == c).ok_or_else(|| {
                Error::input(format!(
                    "label {c} in the events is not a class of the model ({}); pass --labels",
                    model.classes.join(", ")
                ))
            })
        })
        .collect::<Result<Vec<usize>>>()?;
    let selected = set.features.matrix.select(Axis(1), &columns);
    let x = model.scaler.transform(selected.as_standard_layout().view());
    let p = model.classifier.predict_proba(x.view());
    if let Some(r) = crate::model::non_finite_row(p.view()) {
        let w = &set.windows[r];
        let fs = set.sample_rate_hz;
        let probabilities = p.row(r).to_vec();
        model.check_probabilities(
            &set.sources[w.recording],
            w.start as f64 / fs,
            (w.start + set.window_len) as f64 / fs,
            &probabilities,
        )?;
    }
    Ok(p.select(Axis(1), &class_in_model))
}

/// The model's decision for each row of probabilities in the set's class order (a binary
/// model with a threshold has the same two classes in the same order as the set).
pub(super) fn decided(model: &FittedPipeline, proba: ndarray::ArrayView2<f64>) -> Vec<usize> {
    if model.decision.is_some() && proba.ncols() == model.classes.len() {
        proba
            .rows()
            .into_iter()
            .map(|r| model.decide(&r.to_vec()))
            .collect()
    } else {
        predicted(proba)
    }
}
