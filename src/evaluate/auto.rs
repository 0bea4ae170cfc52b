//! `train --auto`: the pipeline chosen among candidates by an inner cross-validation (the one
//! cross-validation, [`TrainingSet::cross_validate_on`], on the training windows only), and
//! the honest score of choosing that way: an outer K-fold whose every training fold runs the
//! whole inner selection, its test fold predicted by the pipeline that fold chose.

use super::compare::Candidate;
use crate::pipeline::{LabelledRecording, NestedScore, Selection, SelectionCandidate, TrainingSet};
use crate::validation::metrics::{balanced_accuracy, predicted};
use crate::{Error, Result};

/// How the inner selection scores and chooses, for the model file.
const METHOD: &str = "inner stratified k-fold in time order (as train --cv) on the training windows, every candidate on the same folds; the highest mean fold balanced accuracy wins, the first listed on a tie";

/// Every candidate's inner score on some windows (all when `None`), or why it has none.
type Scores<'a> = dyn Fn(Option<&[usize]>) -> Vec<std::result::Result<f64, String>> + 'a;

/// What [`select`] found: the chosen candidate, its training set (every window) and the record.
pub struct Chosen {
    /// Index of the chosen candidate.
    pub index: usize,
    /// Its training set.
    pub set: TrainingSet,
    /// The record stored in the model file.
    pub selection: Selection,
}

/// Mean fold balanced accuracy of the candidate whose set is `set` under an inner `k`-fold
/// cross-validation of the windows `rows` (all when `None`).
fn inner_score(
    c: &Candidate,
    set: &TrainingSet,
    rows: Option<&[usize]>,
    k: usize,
) -> std::result::Result<f64, String> {
    let spec = c.spec.as_ref().map_err(Clone::clone)?;
    let owned = rows.map(|r| set.subset(r));
    let s = owned.as_ref().unwrap_or(set);
    let test_fold = s.kfold(k).map_err(|e| e.message)?;
    let name = |f: usize| format!("--auto {}: inner fold {} of {k}", c.name, f + 1);
    let oof = s
        .cross_validate_on(&spec.classifier, &test_fold, k, true, &name)
        .map_err(|e| e.message)?;
    let pred = predicted(oof.proba.view());
    let n = s.classes.len();
    let scores: Vec<f64> = oof
        .folds
        .iter()
        .map(|o| {
            let t: Vec<usize> = o.test.iter().map(|&i| s.y[i]).collect();
            let p: Vec<usize> = o.test.iter().map(|&i| pred[i]).collect();
            balanced_accuracy(&t, &p, n)
        })
        .filter(|v| !v.is_nan())
        .collect();
    if scores.is_empty() {
        return Err("no fold could be scored".to_string());
    }
    Ok(scores.iter().sum::<f64>() / scores.len() as f64)
}

/// The highest score (the first on a tie), if any candidate ran.
fn best(scores: &[std::result::Result<f64, String>]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, s) in scores.iter().enumerate() {
        if let Ok(v) = s {
            if best.is_none_or(|(_, b)| *v > b) {
                best = Some((i, *v));
            }
        }
    }
    best.map(|(i, _)| i)
}

/// Every candidate's training set (or why it has none); the windows must be the same for all.
fn training_sets(
    candidates: &[Candidate],
    inputs: &[LabelledRecording],
) -> Vec<std::result::Result<TrainingSet, String>> {
    let mut sets: Vec<std::result::Result<TrainingSet, String>> = Vec::new();
    for c in candidates {
        let set = c
            .spec
            .clone()
            .and_then(|spec| spec.training_set(inputs).map_err(|e| e.message));
        let first = sets.iter().find_map(|s| s.as_ref().ok());
        let set = match (set, first) {
            (Ok(s), Some(f)) if s.windows != f.windows || s.y != f.y => Err(format!(
                "its windows differ from the other candidates' ({} windows, expected {})",
                s.windows.len(),
                f.windows.len()
            )),
            (s, _) => s,
        };
        sets.push(set);
    }
    sets
}

/// Chooses among `candidates` by an inner `k`-fold cross-validation on every window; with
/// `outer` folds, also scores that choice honestly (nested). An error when no candidate runs.
pub fn select(
    candidates: &[Candidate],
    inputs: &[LabelledRecording],
    k: usize,
    outer: Option<usize>,
) -> Result<Chosen> {
    let mut sets = training_sets(candidates, inputs);
    let score_all = |rows: Option<&[usize]>| -> Vec<std::result::Result<f64, String>> {
        candidates
            .iter()
            .zip(&sets)
            .map(|(c, s)| {
                s.as_ref()
                    .map_err(Clone::clone)
                    .and_then(|s| inner_score(c, s, rows, k))
            })
            .collect()
    };
    let scores = score_all(None);
    let index = best(&scores).ok_or_else(|| {
        let why: Vec<String> = candidates
            .iter()
            .zip(&scores)
            .map(|(c, s)| format!("{}: {}", c.name, s.as_ref().err().map_or("?", |e| e)))
            .collect();
        Error::input(format!(
            "--auto: no candidate pipeline could run on these recordings ({})",
            why.join("; ")
        ))
    })?;
    let nested = match outer {
        Some(n) => Some(nested_score(candidates, &sets, n, &score_all)?),
        None => None,
    };
    let selection = Selection {
        method: METHOD.to_string(),
        folds: k,
        chosen: candidates[index].name.clone(),
        candidates: candidates
            .iter()
            .zip(&scores)
            .map(|(c, s)| SelectionCandidate {
                name: c.name.clone(),
                options: c.options.clone(),
                balanced_accuracy: s.as_ref().ok().copied(),
                skipped: s.as_ref().err().cloned(),
            })
            .collect(),
        nested,
    };
    let set = std::mem::replace(&mut sets[index], Err(String::new())).expect("it ran");
    Ok(Chosen {
        index,
        set,
        selection,
    })
}

/// The outer `n`-fold cross-validation of the selection: each fold's training windows choose a
/// candidate by `score(Some(rows))`, whose model fitted on them predicts the fold's test windows.
fn nested_score(
    candidates: &[Candidate],
    sets: &[std::result::Result<TrainingSet, String>],
    n: usize,
    score: &Scores,
) -> Result<NestedScore> {
    let first = sets
        .iter()
        .find_map(|s| s.as_ref().ok())
        .expect("a candidate ran");
    let outer_fold = first.kfold(n)?;
    let mut chosen = Vec::with_capacity(n);
    for f in 0..n {
        let train =
            crate::validation::purge_overlaps(&first.windows, first.window_len, &outer_fold, f);
        let c = best(&score(Some(&train))).ok_or_else(|| {
            Error::input(format!(
                "--auto: outer fold {} of {n}: no candidate could run on its training windows",
                f + 1
            ))
        })?;
        chosen.push(c);
    }
    // each chosen candidate's outer out-of-fold predictions (its fold f models see only fold
    // f's training windows), used for the folds that chose it
    let mut proba = ndarray::Array2::<f64>::zeros((first.y.len(), first.classes.len()));
    let mut used: Vec<usize> = chosen.clone();
    used.sort_unstable();
    used.dedup();
    for &c in &used {
        let set = sets[c].as_ref().expect("chosen ones ran");
        let spec = candidates[c]
            .spec
            .as_ref()
            .expect("chosen ones have a spec");
        let name = |f: usize| format!("--auto {}: outer fold {} of {n}", candidates[c].name, f + 1);
        let oof = set.cross_validate_on(&spec.classifier, &outer_fold, n, true, &name)?;
        for (f, o) in oof.folds.iter().enumerate() {
            if chosen[f] == c {
                for &i in &o.test {
                    proba.row_mut(i).assign(&oof.proba.row(i));
                }
            }
        }
    }
    let pred = predicted(proba.view());
    let k = first.classes.len();
    let fold_ba = (0..n)
        .map(|f| {
            let (t, p): (Vec<usize>, Vec<usize>) = (0..first.y.len())
                .filter(|&i| outer_fold[i] == f)
                .map(|i| (first.y[i], pred[i]))
                .unzip();
            balanced_accuracy(&t, &p, k)
        })
        .collect();
    Ok(NestedScore {
        folds: n,
        method: crate::pipeline::KFOLD_METHOD.to_string(),
        balanced_accuracy: balanced_accuracy(&first.y, &pred, k),
        fold_balanced_accuracy: fold_ba,
        chosen: chosen.iter().map(|&c| candidates[c].name.clone()).collect(),
    })
}
