//! Labelled recordings into a [`TrainingSet`] (pre-processed, windowed, features computed), and
//! the one K-fold cross-validation of eegi on it.

use super::*;

/// Labelled windows with their features, ready to fit or cross-validate.
#[derive(Debug, Clone)]
pub struct TrainingSet {
    /// Channel names in model order.
    pub channels: Vec<String>,
    /// Sample rate shared by all recordings, Hz.
    pub sample_rate_hz: f64,
    /// Window length in samples.
    pub window_len: usize,
    /// The windows, in recording then time order.
    pub windows: Vec<Window>,
    /// Their features.
    pub features: Features,
    /// Class index of each window into `classes`.
    pub y: Vec<usize>,
    /// Class names, sorted.
    pub classes: Vec<String>,
    /// Windows and events not used, and why.
    pub dropped: DropCounts,
    /// The feature extractors with supervised ones (xDAWN) fitted on every window; the model
    /// stores these.
    pub specs: Vec<FeatureSpec>,
    /// Columns of each extractor in `features`, in `specs` order.
    pub blocks: Vec<std::ops::Range<usize>>,
    /// Pre-processed, baseline-corrected epochs (windows × samples × model channels), kept only
    /// when an extractor must be refitted per cross-validation fold.
    pub epochs: Option<ndarray::Array3<f64>>,
    /// The extractors as given (supervised ones unfitted).
    pub unfitted: Vec<FeatureSpec>,
    /// The file of each recording (indexed by [`Window::recording`]), for errors.
    pub sources: Vec<std::path::PathBuf>,
}

impl TrainingSet {
    /// The feature matrix (every window) with supervised extractors (xDAWN) fitted on the
    /// windows `train` only, with class labels `y` (one per window; e.g. permuted); `None` when
    /// no extractor is supervised (the set's matrix then serves every fold).
    pub fn refit_features(
        &self,
        train: &[usize],
        y: &[usize],
    ) -> Result<Option<ndarray::Array2<f64>>> {
        let Some(epochs) = &self.epochs else {
            return Ok(None);
        };
        let mut blocks = Vec::with_capacity(self.unfitted.len());
        for (spec, range) in self.unfitted.iter().zip(&self.blocks) {
            match spec {
                FeatureSpec::Xdawn(x) if x.fitted.is_none() => {
                    let fitted =
                        FeatureSpec::Xdawn(x.fit(epochs.view(), train, y, &self.classes)?);
                    blocks.push(transform_epochs(&fitted, self, epochs)?);
                }
                _ => blocks.push(
                    self.features
                        .matrix
                        .slice(ndarray::s![.., range.clone()])
                        .to_owned(),
                ),
            }
        }
        let views: Vec<_> = blocks.iter().map(|b| b.view()).collect();
        Ok(Some(
            ndarray::concatenate(Axis(1), &views).expect("same number of rows"),
        ))
    }
}

/// How eegi's K-fold cross-validation makes its folds (stored in the model's summary and the
/// evaluation report).
pub const KFOLD_METHOD: &str = "stratified k-fold in time order (scikit-learn StratifiedKFold, shuffle=False); training windows that share samples with a test window removed; balanced accuracy of the pooled out-of-fold predictions";

impl TrainingSet {
    /// The test fold of each window for K folds: scikit-learn's `StratifiedKFold`
    /// (shuffle=False), so each fold holds contiguous stretches of each class in time order.
    pub fn kfold(&self, k: usize) -> Result<Vec<usize>> {
        crate::validation::stratified_kfold(&self.y, k)
    }

    /// What each fold purges from its training windows: those sharing samples with one of its
    /// test windows ([`crate::validation::purge_overlaps`]).
    pub fn purge(&self) -> crate::validation::crossval::Purge<'_> {
        crate::validation::crossval::Purge {
            windows: &self.windows,
            window_len: self.window_len,
        }
    }

    /// The one K-fold cross-validation of eegi (`train --cv K`, `train --threshold auto`,
    /// `eegi evaluate --cv K`): the folds of [`TrainingSet::kfold`] with overlapping training
    /// windows purged ([`TrainingSet::purge`]), the scaler, the classifier
    /// and supervised extractors (xDAWN) refitted on each training fold, out-of-fold class
    /// probabilities for every window. Returns the test fold of each window and the result.
    pub fn cross_validate(
        &self,
        classifier: &ClassifierSpec,
        k: usize,
        fold_name: &(dyn Fn(usize) -> String + Sync),
    ) -> Result<(Vec<usize>, crate::validation::crossval::OutOfFold)> {
        let test_fold = self.kfold(k)?;
        let refit = |train: &[usize], y: &[usize]| -> Result<ndarray::Array2<f64>> {
            Ok(self
                .refit_features(train, y)?
                .expect("supervised extractors"))
        };
        let oof = crate::validation::crossval::out_of_fold(
            self.features.matrix.view(),
            &self.y,
            self.classes.len(),
            &test_fold,
            k,
            classifier,
            true,
            fold_name,
            self.epochs.is_some().then_some(&refit as &Refit),
            Some(self.purge()),
        )?;
        Ok((test_fold, oof))
    }
}

/// Features of every stored epoch under one (fitted) extractor; a feature that is not finite
/// or absurdly large is an error naming its window ([`crate::features::bad_feature`]).
fn transform_epochs(
    spec: &FeatureSpec,
    set: &TrainingSet,
    epochs: &ndarray::Array3<f64>,
) -> Result<ndarray::Array2<f64>> {
    let mut e = spec.build_for(set.sample_rate_hz, set.window_len, &set.channels)?;
    let n_ch = set.channels.len();
    let width = e.n_columns(n_ch);
    let identity: Vec<usize> = (0..n_ch).collect();
    let mut out = ndarray::Array2::<f64>::zeros((epochs.dim().0, width));
    for (i, mut row) in out.rows_mut().into_iter().enumerate() {
        let row = row.as_slice_mut().expect("contiguous");
        let epoch = epochs.index_axis(Axis(0), i);
        e.transform(epoch, &identity, row);
        if let Some(j) = crate::features::bad_feature(row) {
            let w = &set.windows[i];
            let names = e.column_names(&set.channels);
            return Err(crate::features::feature_error(
                &crate::features::BadFeature {
                    source: &set.sources[w.recording],
                    sample_rate_hz: set.sample_rate_hz,
                    start: w.start,
                    window_len: set.window_len,
                    name: &names[j],
                    value: row[j],
                },
                epoch,
                &identity,
                &set.channels,
            ));
        }
    }
    Ok(out)
}

impl PipelineSpec {
    /// Validates the settings that do not depend on the data.
    pub fn check(&self) -> Result<()> {
        self.window.check()?;
        self.classifier.check()?;
        self.preprocessing.check(&self.window)?;
        if self.features.is_empty() {
            return Err(Error::input("no feature extractors, expected at least one"));
        }
        if !self.window.is_event_locked()
            && self
                .features
                .iter()
                .any(|f| matches!(f, FeatureSpec::Xdawn(_)))
        {
            return Err(Error::input(
                "--features xdawn: xDAWN averages time-locked epochs, expected --epoch START:END (one window per event)",
            ));
        }
        Ok(())
    }

    /// Cuts labelled windows from the recordings and computes their features.
    pub fn training_set(&self, inputs: &[LabelledRecording]) -> Result<TrainingSet> {
        self.check()?;
        let first = &inputs
            .first()
            .ok_or_else(|| Error::input("no recordings given"))?
            .recording;
        let fs = first.sample_rate_hz;
        let channels = first.channel_names.clone();
        self.window.check_rate(fs)?;
        let window_len = self.window.length_samples(fs);
        for f in &self.features {
            f.check(fs, window_len, &channels)?;
        }
        self.preprocessing.filters(fs)?;
        let baseline = self.preprocessing.baseline_range(&self.window, fs);
        let mut prepared = Vec::with_capacity(inputs.len());
        let mut columns = Vec::with_capacity(inputs.len());
        let mut windows = Vec::new();
        let mut dropped = DropCounts::default();
        for (r, input) in inputs.iter().enumerate() {
            let rec = &input.recording;
            if rec.sample_rate_hz != fs {
                return Err(Error::input(format!(
                    "{}: sample rate {} Hz, but {} has {fs} Hz; recordings of one model must share a rate",
                    rec.source.display(),
                    rec.sample_rate_hz,
                    first.source.display()
                )));
            }
            let (rec, cols) = self.preprocessing.apply(
                rec,
                channel_columns(rec, &channels, "the first recording has")?,
            )?;
            let (mut w, mut d) = self.window.labelled(
                r,
                rec.n_samples(),
                fs,
                &input.events,
                self.labels.as_deref(),
            );
            self.window
                .check_labelled(&input.events_path, &input.events, &w, window_len)?;
            if w.is_empty() && d.off_recording > 0 {
                return Err(Error::input(format!(
                    "{}: all {} windows run off the recording ({:.3} s long), expected windows inside it; check --epoch and the onsets in {}",
                    rec.source.display(),
                    d.off_recording,
                    rec.duration_s(),
                    input.events_path.display()
                )));
            }
            if self.preprocessing.reject_uv.is_some() {
                let before = w.len();
                w.retain(|win| {
                    !self
                        .preprocessing
                        .rejects(&rec, win, window_len, &cols, baseline)
                });
                d.rejected_amplitude += before - w.len();
            }
            windows.extend(w);
            dropped.add(&d);
            columns.push(cols);
            prepared.push(rec);
        }
        let mut classes: Vec<String> = windows.iter().filter_map(|w| w.label.clone()).collect();
        classes.sort();
        classes.dedup();
        if let Some(keep) = &self.labels {
            let missing: Vec<&String> = keep.iter().filter(|l| !classes.contains(l)).collect();
            if !missing.is_empty() {
                return Err(Error::input(format!(
                    "--labels: no windows labelled {} in the events (found labels: {})",
                    join(&missing),
                    join(&all_labels(inputs))
                )));
            }
        }
        if classes.len() < 2 {
            return Err(Error::input(format!(
                "training needs windows of at least two labels, found {} ({} windows; dropped: {})",
                if classes.is_empty() {
                    "none".to_string()
                } else {
                    join(&classes)
                },
                windows.len(),
                describe_dropped(&dropped)
            )));
        }
        let y = windows
            .iter()
            .map(|w| {
                classes
                    .binary_search(w.label.as_ref().expect("labelled"))
                    .expect("class list holds every label")
            })
            .collect();
        let recs: Vec<&Recording> = prepared.iter().map(|r| r.as_ref()).collect();
        // extractors that need no fitting run over the recordings; supervised ones (xDAWN)
        // are fitted on the stored epochs of every window
        let fixed: Vec<FeatureSpec> = self
            .features
            .iter()
            .filter(|f| !f.needs_fit())
            .cloned()
            .collect();
        let fixed_features = extract_with_baseline(
            &fixed, fs, window_len, &recs, &columns, &channels, &windows, baseline,
        )?;
        let supervised = self.features.iter().any(|f| f.needs_fit());
        let mut set = TrainingSet {
            channels,
            sample_rate_hz: fs,
            window_len,
            epochs: supervised
                .then(|| crate::features::epochs(window_len, &recs, &columns, &windows, baseline)),
            windows,
            features: fixed_features,
            y,
            classes,
            dropped,
            specs: Vec::new(),
            blocks: Vec::new(),
            unfitted: self.features.clone(),
            sources: inputs.iter().map(|i| i.recording.source.clone()).collect(),
        };
        // column blocks in the order of the extractors as given
        let n_ch = set.channels.len();
        let mut fixed_cols = 0;
        let mut blocks_fixed = Vec::new();
        for f in &fixed {
            let w = f.build_for(fs, window_len, &set.channels)?.n_columns(n_ch);
            blocks_fixed.push(fixed_cols..fixed_cols + w);
            fixed_cols += w;
        }
        let all: Vec<usize> = (0..set.y.len()).collect();
        let mut parts = Vec::new();
        let mut names = Vec::new();
        let mut fixed_iter = blocks_fixed.into_iter();
        let mut start = 0;
        for f in &self.features {
            let (spec, block) = match f {
                FeatureSpec::Xdawn(x) if x.fitted.is_none() => {
                    let epochs = set.epochs.as_ref().expect("kept for supervised extractors");
                    let fitted =
                        FeatureSpec::Xdawn(x.fit(epochs.view(), &all, &set.y, &set.classes)?);
                    let block = transform_epochs(&fitted, &set, epochs)?;
                    (fitted, block)
                }
                _ => {
                    let r = fixed_iter.next().expect("one block per fixed extractor");
                    (
                        f.clone(),
                        set.features.matrix.slice(ndarray::s![.., r]).to_owned(),
                    )
                }
            };
            let e = spec.build_for(fs, window_len, &set.channels)?;
            names.extend(e.column_names(&set.channels));
            set.blocks.push(start..start + block.ncols());
            start += block.ncols();
            set.specs.push(spec);
            parts.push(block);
        }
        let views: Vec<_> = parts.iter().map(|b| b.view()).collect();
        set.features = Features {
            matrix: ndarray::concatenate(Axis(1), &views)
                .expect("same number of rows")
                .as_standard_layout()
                .to_owned(),
            names,
        };
        Ok(set)
    }
}

/// Every label found in the inputs' events, sorted.
fn all_labels(inputs: &[LabelledRecording]) -> Vec<String> {
    let mut l: Vec<String> = inputs
        .iter()
        .flat_map(|i| i.events.iter().map(|e| e.label.clone()))
        .collect();
    l.sort();
    l.dedup();
    l
}
