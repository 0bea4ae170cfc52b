//! Labelled recordings into a [`TrainingSet`] (pre-processed, windowed, features computed), and
//! the one K-fold cross-validation of eegi on it.

use super::*;
use crate::features::TrainingEpochs;

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
    /// The same per recording (indexed by [`Window::recording`]).
    pub dropped_by_recording: Vec<DropCounts>,
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
    /// Each class's average epoch and its variance (event-locked windows only): the ERP the
    /// report draws.
    pub averages: Option<super::ClassAverages>,
}

impl TrainingSet {
    /// The feature matrix (every window) with extractors that learn (xDAWN) fitted on the
    /// windows `train` only, with class labels `y` (one per window; e.g. permuted); `None` when
    /// no extractor learns (the set's matrix then serves every fold).
    pub fn refit_features(
        &self,
        train: &[usize],
        y: &[usize],
    ) -> Result<Option<ndarray::Array2<f64>>> {
        match &self.epochs {
            Some(epochs) => self.refit_with(epochs, train, y).map(Some),
            None => Ok(None),
        }
    }

    /// The refit of each cross-validation fold's features when an extractor learns (xDAWN):
    /// [`TrainingSet::refit_features`] as the validation loop takes it; `None` when none learns.
    #[allow(clippy::type_complexity)]
    pub fn refit(
        &self,
    ) -> Option<impl Fn(&[usize], &[usize]) -> Result<ndarray::Array2<f64>> + Sync + '_> {
        self.epochs
            .as_ref()
            .map(|epochs| move |train: &[usize], y: &[usize]| self.refit_with(epochs, train, y))
    }

    /// [`TrainingSet::refit_features`] on the set's stored `epochs`.
    fn refit_with(
        &self,
        epochs: &ndarray::Array3<f64>,
        train: &[usize],
        y: &[usize],
    ) -> Result<ndarray::Array2<f64>> {
        let fixed = |i: usize| {
            self.features
                .matrix
                .slice(ndarray::s![.., self.blocks[i].clone()])
                .to_owned()
        };
        let blocks = self.fit_blocks(epochs, train, y, &fixed)?;
        let views: Vec<_> = blocks.iter().map(|(_, b)| b.view()).collect();
        Ok(ndarray::concatenate(Axis(1), &views).expect("same number of rows"))
    }

    /// Every extractor (as given) fitted on the windows `train` with class labels `y`, each with
    /// its block of columns for every window: an extractor with nothing to learn keeps the block
    /// `fixed(i)` (`i` its position), one that learns is fitted on the `train` epochs and
    /// transforms every epoch.
    fn fit_blocks(
        &self,
        epochs: &ndarray::Array3<f64>,
        train: &[usize],
        y: &[usize],
        fixed: &dyn Fn(usize) -> ndarray::Array2<f64>,
    ) -> Result<Vec<(FeatureSpec, ndarray::Array2<f64>)>> {
        let training = TrainingEpochs {
            epochs: epochs.view(),
            rows: train,
            y,
            classes: &self.classes,
            channels: &self.channels,
        };
        self.unfitted
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                if spec.learns() {
                    let fitted = spec.fit(&training)?;
                    let block = transform_epochs(&fitted, self, epochs)?;
                    Ok((fitted, block))
                } else {
                    Ok((spec.clone(), fixed(i)))
                }
            })
            .collect()
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

    /// One flag per feature column: true where the classifier takes the column as it is, not
    /// standardised (tangent vectors, [`FeatureSpec::tangent_vectors`]).
    pub fn unscaled_columns(&self) -> Vec<bool> {
        let mut out = vec![false; self.features.names.len()];
        for (spec, block) in self.specs.iter().zip(&self.blocks) {
            if spec.tangent_vectors() {
                out[block.clone()].fill(true);
            }
        }
        out
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
        let oof = self.cross_validate_on(classifier, &test_fold, k, true, fold_name)?;
        Ok((test_fold, oof))
    }

    /// The same cross-validation on given folds (`test_fold[i]`: the fold of window `i`, of
    /// `n_folds`): what `eegi evaluate --compare` runs for every pipeline on one shared fold
    /// list. `purge` removes training windows sharing samples with a test window (K-fold); leave
    /// it off for folds of whole recordings.
    pub fn cross_validate_on(
        &self,
        classifier: &ClassifierSpec,
        test_fold: &[usize],
        n_folds: usize,
        purge: bool,
        fold_name: &(dyn Fn(usize) -> String + Sync),
    ) -> Result<crate::validation::crossval::OutOfFold> {
        // extractors that learn are refitted on each training fold
        let refit = self
            .epochs
            .as_ref()
            .map(|epochs| move |train: &[usize], y: &[usize]| self.refit_with(epochs, train, y));
        let unscaled = self.unscaled_columns();
        let learner = crate::validation::crossval::Learner {
            classifier,
            unscaled: &unscaled,
        };
        crate::validation::crossval::out_of_fold(
            self.features.matrix.view(),
            &self.y,
            self.classes.len(),
            test_fold,
            n_folds,
            learner,
            true,
            fold_name,
            refit.as_ref().map(|r| r as &Refit),
            purge.then(|| self.purge()),
        )
    }

    /// The windows `rows` alone (in that order) as a training set of the same classes: what an
    /// inner cross-validation (`train --auto`) runs on. Extractors that learn are refitted on
    /// these rows only by the cross-validation, as on any set.
    pub fn subset(&self, rows: &[usize]) -> TrainingSet {
        TrainingSet {
            windows: rows.iter().map(|&i| self.windows[i].clone()).collect(),
            features: Features {
                matrix: self.features.matrix.select(Axis(0), rows),
                names: self.features.names.clone(),
            },
            y: rows.iter().map(|&i| self.y[i]).collect(),
            epochs: self.epochs.as_ref().map(|e| e.select(Axis(0), rows)),
            averages: None,
            ..self.clone_without_rows()
        }
    }

    /// The set's descriptive fields with no windows (for [`TrainingSet::subset`]).
    fn clone_without_rows(&self) -> TrainingSet {
        TrainingSet {
            channels: self.channels.clone(),
            sample_rate_hz: self.sample_rate_hz,
            window_len: self.window_len,
            windows: Vec::new(),
            features: Features {
                matrix: ndarray::Array2::zeros((0, 0)),
                names: Vec::new(),
            },
            y: Vec::new(),
            classes: self.classes.clone(),
            dropped: self.dropped.clone(),
            dropped_by_recording: self.dropped_by_recording.clone(),
            specs: self.specs.clone(),
            blocks: self.blocks.clone(),
            epochs: None,
            unfitted: self.unfitted.clone(),
            sources: self.sources.clone(),
            averages: None,
        }
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
            let explanation = e.explain(epoch, &identity, &set.channels);
            return Err(crate::features::feature_error_explained(
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
                explanation,
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
        for f in &self.features {
            f.check_window(&self.window)?;
        }
        if self.classifier.takes_covariances() {
            crate::features::check_covariances_only(&self.features)?;
        }
        Ok(())
    }

    /// How this pipeline cuts and prepares windows (the first recording's channels).
    pub fn windowing(&self) -> Windowing<'_> {
        Windowing {
            window: &self.window,
            preprocessing: &self.preprocessing,
            labels: self.labels.as_deref(),
            channels: None,
        }
    }

    /// Cuts labelled windows from the recordings ([`Windowing::cut`], the path `eegi features`
    /// takes too), computes their features and fits the extractors that learn (xDAWN) on every
    /// window.
    pub fn training_set(&self, inputs: &[LabelledRecording]) -> Result<TrainingSet> {
        self.check()?;
        let first = &inputs
            .first()
            .ok_or_else(|| Error::input("no recordings given"))?
            .recording;
        let fs = self.preprocessing.rate_for(first.sample_rate_hz);
        self.window.check_rate(fs)?;
        let window_len = self.window.length_samples(fs);
        for f in &self.features {
            f.check(fs, window_len, &first.channel_names)?;
        }
        let sources: Vec<WindowInput> = inputs.iter().map(WindowInput::from).collect();
        let cut = self.windowing().cut(&sources)?;
        let dropped = cut.dropped_total();
        let (classes, y) = self.classes(inputs, &cut.windows, &dropped)?;
        // extractors with nothing to learn run over the recordings; those that learn (xDAWN)
        // are fitted on the stored epochs of every window
        let fixed: Vec<FeatureSpec> = self
            .features
            .iter()
            .filter(|f| !f.learns())
            .cloned()
            .collect();
        let fixed_features = cut.features(&fixed)?;
        let learns = self.features.iter().any(FeatureSpec::learns);
        let averages = matches!(self.window, WindowSpec::Epoch { .. })
            .then(|| cut.class_averages(&y, classes.len()));
        let mut set = TrainingSet {
            channels: cut.channels.clone(),
            sample_rate_hz: fs,
            window_len,
            epochs: learns.then(|| cut.epochs()),
            windows: cut.windows,
            features: fixed_features,
            y,
            classes,
            dropped,
            dropped_by_recording: cut.dropped,
            specs: Vec::new(),
            blocks: Vec::new(),
            unfitted: self.features.clone(),
            sources: inputs.iter().map(|i| i.recording.source.clone()).collect(),
            averages,
        };
        let fitted = match &set.epochs {
            Some(epochs) => {
                let blocks = set.fixed_blocks(&fixed)?;
                let all: Vec<usize> = (0..set.y.len()).collect();
                Some(set.fit_blocks(epochs, &all, &set.y, &*blocks)?)
            }
            None => None,
        };
        if let Some(fitted) = fitted {
            set.assemble(fitted)?;
        } else {
            set.specs = self.features.clone();
            let mut start = 0;
            for f in &self.features {
                let w = f
                    .build_for(fs, window_len, &set.channels)?
                    .n_columns(set.channels.len());
                set.blocks.push(start..start + w);
                start += w;
            }
        }
        Ok(set)
    }

    /// The sorted classes of the windows and each window's class index; fewer than two
    /// classes, or a `--labels` label without windows, is an error.
    fn classes(
        &self,
        inputs: &[LabelledRecording],
        windows: &[Window],
        dropped: &DropCounts,
    ) -> Result<(Vec<String>, Vec<usize>)> {
        let mut classes: Vec<String> = windows.iter().filter_map(|w| w.label.clone()).collect();
        classes.sort();
        classes.dedup();
        if let Some(keep) = &self.labels {
            let missing: Vec<&String> = keep.iter().filter(|l| !classes.contains(l)).collect();
            if !missing.is_empty() {
                return Err(Error::input(format!(
                    "--labels: no windows labelled {} in the events (found labels: {}){}",
                    join(&missing),
                    join(&all_labels(inputs)),
                    markers_hint(dropped)
                )));
            }
        }
        if classes.len() < 2 {
            return Err(Error::input(format!(
                "training needs windows of at least two labels, found {} ({} windows; dropped: {}){}",
                if classes.is_empty() {
                    "none".to_string()
                } else {
                    join(&classes)
                },
                windows.len(),
                describe_dropped(dropped),
                markers_hint(dropped)
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
        Ok((classes, y))
    }
}

impl TrainingSet {
    /// A function giving, for the position of an extractor with nothing to learn among those
    /// given, its block of the set's matrix (which holds only such extractors, `fixed`).
    #[allow(clippy::type_complexity)]
    fn fixed_blocks(
        &self,
        fixed: &[FeatureSpec],
    ) -> Result<Box<dyn Fn(usize) -> ndarray::Array2<f64> + '_>> {
        let n_ch = self.channels.len();
        let mut ranges = Vec::with_capacity(self.unfitted.len());
        let mut start = 0;
        let mut fixed = fixed.iter();
        for f in &self.unfitted {
            if f.learns() {
                ranges.push(start..start);
            } else {
                let spec = fixed
                    .next()
                    .expect("one per extractor with nothing to learn");
                let w = spec
                    .build_for(self.sample_rate_hz, self.window_len, &self.channels)?
                    .n_columns(n_ch);
                ranges.push(start..start + w);
                start += w;
            }
        }
        Ok(Box::new(move |i: usize| {
            self.features
                .matrix
                .slice(ndarray::s![.., ranges[i].clone()])
                .to_owned()
        }))
    }

    /// Makes fitted extractors and their blocks of columns the set's: `specs`, the feature
    /// matrix with its column names, and `blocks`.
    fn assemble(&mut self, fitted: Vec<(FeatureSpec, ndarray::Array2<f64>)>) -> Result<()> {
        let mut names = Vec::new();
        let mut start = 0;
        self.blocks.clear();
        self.specs.clear();
        for (spec, block) in &fitted {
            let e = spec.build_for(self.sample_rate_hz, self.window_len, &self.channels)?;
            names.extend(e.column_names(&self.channels));
            self.blocks.push(start..start + block.ncols());
            start += block.ncols();
            self.specs.push(spec.clone());
        }
        let views: Vec<_> = fitted.iter().map(|(_, b)| b.view()).collect();
        self.features = Features {
            matrix: ndarray::concatenate(Axis(1), &views)
                .expect("same number of rows")
                .as_standard_layout()
                .to_owned(),
            names,
        };
        Ok(())
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

/// The hint for sliding windows that found events without duration (markers): how to use
/// them (empty when there were none).
fn markers_hint(dropped: &DropCounts) -> &'static str {
    if dropped.events_without_duration > 0 {
        "; use --epoch START:END for event-locked epochs, or --segments-from-markers for blocks that last until the next marker"
    } else {
        ""
    }
}
