//! Fitting: the model itself, `train --cv`'s summary and the decision threshold.

use super::*;

impl PipelineSpec {
    /// The K-fold cross-validation of `train --cv K`: [`TrainingSet::cross_validate`] (the
    /// one eegi runs everywhere), summarised as `eegi evaluate --cv K` reports it: balanced
    /// accuracy of the pooled out-of-fold predictions, and each fold's.
    pub fn cross_validate(&self, set: &TrainingSet, k: usize) -> Result<CvSummary> {
        let name = |f: usize| format!("fold {} of {k}", f + 1);
        let (test_fold, oof) = set.cross_validate(&self.classifier, k, &name)?;
        let n_classes = set.classes.len();
        let y_pred = crate::validation::metrics::predicted(oof.proba.view());
        let scores: Vec<f64> = (0..k)
            .map(|fold| {
                let (t, p): (Vec<usize>, Vec<usize>) = (0..set.y.len())
                    .filter(|&i| test_fold[i] == fold)
                    .map(|i| (set.y[i], y_pred[i]))
                    .unzip();
                balanced_accuracy(&t, &p, n_classes)
            })
            .collect();
        let mean = scores.iter().sum::<f64>() / k as f64;
        let sd = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / k as f64).sqrt();
        Ok(CvSummary {
            folds: k,
            method: KFOLD_METHOD.into(),
            balanced_accuracy: balanced_accuracy(&set.y, &y_pred, n_classes),
            balanced_accuracy_sd: sd,
            fold_balanced_accuracy: scores,
            purged_training_windows: Vec::new(),
        })
    }

    /// The decision rule `train --threshold` asks for, for a model fitted on `set`. `auto`
    /// chooses the threshold on out-of-fold probabilities of the training windows: scikit-learn's
    /// `StratifiedGroupKFold(shuffle=False)` over groups of windows that overlap in time or share
    /// an event (as `eegi evaluate --cv K`), the whole pipeline refitted per fold.
    pub fn fit_decision(&self, set: &TrainingSet, t: &ThresholdSpec) -> Result<Decision> {
        if set.classes.len() != 2 {
            return Err(Error::input(format!(
                "--threshold: the model has {} classes ({}), expected 2; a threshold on one class's probability only decides between two classes (drop --threshold, or pass --labels with two labels)",
                set.classes.len(),
                join(&set.classes)
            )));
        }
        if !(t.error_cost.is_finite() && t.error_cost > 0.0) {
            return Err(Error::input(format!(
                "--error-cost {}: expected a positive ratio (1 = balanced accuracy)",
                t.error_cost
            )));
        }
        let mut counts = [0usize; 2];
        for &c in &set.y {
            counts[c] += 1;
        }
        let pos = match &t.positive_class {
            Some(name) => set.classes.iter().position(|c| c == name).ok_or_else(|| {
                Error::input(format!(
                    "--positive-class {name}: not a class of the training data, expected one of {}",
                    join(&set.classes)
                ))
            })?,
            // the minority class; on a tie the second in sorted order
            None => usize::from(counts[1] <= counts[0]),
        };
        let positive_class = set.classes[pos].clone();
        let Some(k) = t.value.is_none().then_some(t.folds) else {
            let v = t.value.expect("fixed");
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::input(format!(
                    "--threshold {v}: expected auto or a probability from 0 to 1"
                )));
            }
            return Ok(Decision {
                positive_class,
                threshold: v,
                method: "fixed".into(),
                error_cost: 1.0,
                folds: None,
                oof_balanced_accuracy: None,
                oof_balanced_accuracy_at_half: None,
            });
        };
        let name = |f: usize| format!("--threshold auto: fold {} of {k}", f + 1);
        let (_, oof) = set.cross_validate(&self.classifier, k, &name)?;
        let p: Vec<f64> = oof.proba.column(pos).to_vec();
        let positive: Vec<bool> = set.y.iter().map(|&c| c == pos).collect();
        let threshold = best_threshold(&p, &positive, t.error_cost);
        let ba = |th: f64| {
            let pred: Vec<usize> = p
                .iter()
                .map(|&v| if v >= th { pos } else { 1 - pos })
                .collect();
            balanced_accuracy(&set.y, &pred, 2)
        };
        Ok(Decision {
            positive_class,
            threshold,
            method: "auto".into(),
            error_cost: t.error_cost,
            folds: Some(k),
            oof_balanced_accuracy: Some(ba(threshold)),
            oof_balanced_accuracy_at_half: Some(ba(0.5)),
        })
    }

    /// Fits scaler and classifier on every row of the training set.
    fn fit_all(&self, set: &TrainingSet) -> Result<(Scaler, Classifier)> {
        let x = &set.features.matrix;
        let scaler = self
            .classifier
            .fit_scaler(x.view(), &set.unscaled_columns());
        let xs = scaler.transform(x.view());
        let model = self.classifier.fit(xs.view(), &set.y, set.classes.len())?;
        Ok((scaler, model))
    }

    /// Fits the whole pipeline on every window of the training set.
    pub fn fit(
        &self,
        set: &TrainingSet,
        inputs: Vec<InputFile>,
        cv: Option<CvSummary>,
    ) -> Result<FittedPipeline> {
        let (scaler, model) = self.fit_all(set)?;
        let mut counts = BTreeMap::new();
        for &c in &set.y {
            *counts.entry(set.classes[c].clone()).or_insert(0) += 1;
        }
        Ok(FittedPipeline {
            format_version: format_for(&self.preprocessing),
            eegi_version: env!("CARGO_PKG_VERSION").to_string(),
            channels: set.channels.clone(),
            sample_rate_hz: set.sample_rate_hz,
            window: self.window.clone(),
            window_samples: set.window_len,
            preprocessing: self.preprocessing.clone(),
            features: set.specs.clone(),
            feature_names: set.features.names.clone(),
            classes: set.classes.clone(),
            scaler,
            classifier: model,
            training: TrainingSummary {
                inputs,
                labels: self.labels.clone(),
                counts,
                dropped: set.dropped.clone(),
                cross_validation: cv,
                warnings: Vec::new(),
            },
            decision: None,
            event_map: None,
            reading: None,
            selection: None,
            checksum: String::new(),
        })
    }
}

/// The threshold on the positive class's probability `p` (predict positive when `p ≥ t`) that
/// minimises `error_cost · FNR + FPR` — with cost 1, maximises balanced accuracy. Candidates are
/// 0.5 and the midpoints between consecutive distinct values of `p` (so the threshold sits
/// between the scores it separates); among equally good ones the closest to 0.5 wins.
pub fn best_threshold(p: &[f64], positive: &[bool], error_cost: f64) -> f64 {
    let n_pos = positive.iter().filter(|&&b| b).count() as f64;
    let n_neg = positive.len() as f64 - n_pos;
    let cost = |fn_: f64, fp: f64| {
        error_cost * if n_pos > 0.0 { fn_ / n_pos } else { 0.0 }
            + if n_neg > 0.0 { fp / n_neg } else { 0.0 }
    };
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    // at 0.5
    let (fn_half, fp_half) = p.iter().zip(positive).fold((0.0, 0.0), |(f, q), (&v, &b)| {
        if v >= 0.5 {
            (f, q + f64::from(u8::from(!b)))
        } else {
            (f + f64::from(u8::from(b)), q)
        }
    });
    let mut best: (f64, f64) = (cost(fn_half, fp_half), 0.5);
    // sweep upwards: below the first value every window is predicted positive
    let (mut fn_, mut fp) = (0.0, n_neg);
    let mut i = 0;
    while i < order.len() {
        let v = p[order[i]];
        while i < order.len() && p[order[i]] == v {
            if positive[order[i]] {
                fn_ += 1.0;
            } else {
                fp -= 1.0;
            }
            i += 1;
        }
        if i == order.len() {
            break;
        }
        let t = 0.5 * (v + p[order[i]]);
        let c = cost(fn_, fp);
        if c < best.0 - 1e-12 || (c <= best.0 + 1e-12 && (t - 0.5).abs() < (best.1 - 0.5).abs()) {
            best = (c, t);
        }
    }
    best.1
}
