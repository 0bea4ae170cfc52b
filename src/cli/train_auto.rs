//! `train --auto`: the presets layered over the command's shared settings, one chosen by inner
//! cross-validation (nested in an outer one for an honest score, src/evaluate/auto.rs); the
//! choice and every candidate's inner score go into the model file.

use super::compare_args::{layer, presets_named, PipelineOptions};
use super::train::Args;
use crate::evaluate::compare::Candidate;
use crate::pipeline::{LabelledRecording, PipelineSpec, Selection, TrainingSet};
use crate::Result;

/// The pipeline `--auto LIST` chooses on `inputs`: its settings, its training set (every
/// window) and the record of the choice.
pub(super) fn choose(
    args: &Args,
    list: &str,
    inputs: &[LabelledRecording],
) -> Result<(PipelineSpec, TrainingSet, Selection)> {
    let base = PipelineOptions {
        features: args.features.clone(),
        classifier: args.classifier,
        alpha: args.alpha,
    };
    let shared = |o: PipelineOptions| -> Result<PipelineSpec> {
        o.spec(&args.window, &args.preprocess, &args.svm)
    };
    let candidates: Vec<Candidate> = presets_named(list, "--auto")?
        .into_iter()
        .map(|(name, options)| Candidate {
            spec: layer(&base, &options).and_then(|o| shared(o).map_err(|e| e.message)),
            name,
            options,
        })
        .collect();
    // the inner folds: --cv K (5 with --cv 0); the outer, for the nested score: --cv K
    let k = if args.cv >= 2 { args.cv } else { 5 };
    let outer = (args.cv >= 2).then_some(args.cv);
    let chosen = crate::evaluate::auto::select(&candidates, inputs, k, outer)?;
    let spec = candidates[chosen.index]
        .spec
        .clone()
        .expect("the chosen candidate has settings");
    Ok((spec, chosen.set, chosen.selection))
}
