//! Covariances of ERP super-trials in the Riemannian tangent space, as pyriemann 0.12's
//! `XdawnCovariances(nfilter, estimator)` and `ERPCovariances(estimator)` followed by
//! `TangentSpace(metric)`: from the training epochs, the class prototypes P (each class's mean
//! epoch, stacked over the classes present; `xdawncov` filters them with the class's xDAWN
//! filters, [`XdawnSpec::fit`], pyriemann's `Xdawn(nfilter)` with its `scm` estimator, and
//! filters every epoch X too: pyriemann `applyfilters=True`); each epoch's feature is the
//! covariance of the super-trial `[P; X]` (rows = signals, µV², by the `cov` estimators) mapped
//! to the tangent space at the reference point fitted on the training super-trials, exactly as
//! the `cov` features ([`Cov::tangent`]).
//!
//! Like xDAWN the prototypes, filters and reference point are learned from training epochs
//! ([`ExtractorSpec::fit_on`]), so every cross-validation refits them on the training fold only;
//! the fitted spec stores them.

use super::cov::{covariance, why_not_spd, Cov, CovEstimator, CovSpec, TangentMetric};
use super::xdawn::{XdawnFilters, XdawnSpec};
use super::{Extractor, ExtractorSpec, TrainingEpochs};
use crate::signal::spd::MeanError;
use crate::windows::WindowSpec;
use crate::{Error, Result};
use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

/// Settings of the xDAWN super-trial covariance extractor, and once fitted what it learned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XdawnCovSpec {
    /// xDAWN filters kept per class (at most the number of channels).
    pub n_filters: usize,
    /// Covariance estimator of the super-trials.
    pub estimator: CovEstimator,
    /// Metric of the reference point and log map.
    pub metric: TangentMetric,
    /// What was fitted on the training epochs (absent until then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitted: Option<XdawnCovFitted>,
}

/// What `xdawncov` learns from the training epochs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XdawnCovFitted {
    /// The xDAWN filters (pyriemann `Xdawn.filters_`, each filter's sign normalised).
    pub xdawn: XdawnFilters,
    /// The filtered class prototypes (pyriemann `P_`): one row per filter, one value per
    /// window sample, µV.
    pub prototypes: Vec<Vec<f64>>,
    /// The tangent space's reference point, (2 × filters) × (2 × filters), µV².
    pub reference: Vec<Vec<f64>>,
}

/// Settings of the ERP super-trial covariance extractor, and once fitted what it learned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErpCovSpec {
    /// Covariance estimator of the super-trials.
    pub estimator: CovEstimator,
    /// Metric of the reference point and log map.
    pub metric: TangentMetric,
    /// What was fitted on the training epochs (absent until then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitted: Option<ErpCovFitted>,
}

/// What `erpcov` learns from the training epochs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErpCovFitted {
    /// Class of each block of prototype rows, in order.
    pub classes: Vec<String>,
    /// The class prototypes (pyriemann `P_`): one row per (class, model channel), one value
    /// per window sample, µV.
    pub prototypes: Vec<Vec<f64>>,
    /// The tangent space's reference point, (classes + 1) × channels square, µV².
    pub reference: Vec<Vec<f64>>,
}

/// How a window becomes its super-trial (samples × signals): the prototypes, then the window's
/// model channels, optionally spatially filtered.
#[derive(Debug, Clone)]
struct Stack {
    /// Prototypes, samples × prototype rows.
    prototypes: Array2<f64>,
    /// Spatial filters, model channels × filters (`None`: the channels as they are).
    filters: Option<Array2<f64>>,
    /// Names of the super-trial's signals, in order.
    names: Vec<String>,
}

impl Stack {
    /// Number of signals of the super-trial.
    fn width(&self) -> usize {
        self.names.len()
    }

    /// Writes the super-trial of `window` (samples × recording columns, `channels` the model
    /// channels') into `out` (samples × [`Stack::width`]).
    fn fill(&self, window: ArrayView2<f64>, channels: &[usize], out: &mut Array2<f64>) {
        let n_p = self.prototypes.ncols();
        out.slice_mut(ndarray::s![.., ..n_p])
            .assign(&self.prototypes);
        for (t, mut row) in out.rows_mut().into_iter().enumerate() {
            match &self.filters {
                None => {
                    for (j, &c) in channels.iter().enumerate() {
                        row[n_p + j] = window[[t, c]];
                    }
                }
                Some(w) => {
                    for f in 0..w.ncols() {
                        let mut s = 0.0;
                        for (j, &c) in channels.iter().enumerate() {
                            s += window[[t, c]] * w[[j, f]];
                        }
                        row[n_p + f] = s;
                    }
                }
            }
        }
    }

    /// The super-trial of `window`, a fresh matrix.
    fn of(&self, window: ArrayView2<f64>, channels: &[usize]) -> Array2<f64> {
        let mut out = Array2::zeros((window.nrows(), self.width()));
        self.fill(window, channels, &mut out);
        out
    }
}

/// The ready-to-run super-trial covariance extractor (`xdawncov` or `erpcov`).
pub struct ProtoCov {
    kind: &'static str,
    stack: Stack,
    estimator: CovEstimator,
    cov: Cov,
    /// Scratch super-trial, samples × signals.
    buffer: Array2<f64>,
}

/// Each class's mean training epoch (samples × model channels), for the classes with a
/// training epoch, in class order.
fn class_means(t: &TrainingEpochs) -> Vec<(usize, Array2<f64>)> {
    let (_, n_t, n_ch) = t.epochs.dim();
    let mut out = Vec::new();
    for k in 0..t.classes.len() {
        let members: Vec<usize> = t.rows.iter().copied().filter(|&r| t.y[r] == k).collect();
        if members.is_empty() {
            continue;
        }
        let mut p = Array2::<f64>::zeros((n_t, n_ch));
        for &r in &members {
            p += &t.epochs.index_axis(Axis(0), r);
        }
        p /= members.len() as f64;
        out.push((k, p));
    }
    out
}

/// The reference point of the training super-trials' covariances (`kind` names errors).
fn fit_reference(
    kind: &str,
    stack: &Stack,
    t: &TrainingEpochs,
    estimator: CovEstimator,
    metric: TangentMetric,
) -> Result<Vec<Vec<f64>>> {
    let (_, n_t, n_ch) = t.epochs.dim();
    if estimator == CovEstimator::Scm {
        let n = stack.width();
        let filtered = stack.filters.as_ref().map_or(0, |w| w.ncols());
        let why = if filtered > n_ch {
            Some(format!(
                "its {filtered} filtered signals come from {n_ch} channels (classes × --xdawn-filters > channels), so they are linearly dependent"
            ))
        } else if n >= n_t {
            Some(format!("its {n} signals have only {n_t} samples"))
        } else {
            None
        };
        if let Some(why) = why {
            return Err(Error::input(format!(
                "--features {kind} --cov-estimator scm: the super-trial's sample covariance is singular: {why}; expected --cov-estimator lwf or oas (shrinkage)"
            )));
        }
    }
    let identity: Vec<usize> = (0..n_ch).collect();
    let trial = |r: usize| stack.of(t.epochs.index_axis(Axis(0), r), &identity);
    let mats: Vec<Array2<f64>> = t
        .rows
        .iter()
        .map(|&r| covariance(trial(r).view(), estimator))
        .collect();
    let p = metric.mean(&mats);
    let first_bad = || {
        t.rows.iter().find_map(|&r| {
            why_not_spd(trial(r).view(), &stack.names, estimator).map(|why| (r, why))
        })
    };
    let p = p.map_err(|e| match (&e, first_bad()) {
        (MeanError::Spd(..), Some((r, why))) => Error::input(format!(
            "--features {kind}: training window {} (of {}, in time order): the super-trial (prototypes stacked over the epoch): {why}",
            r + 1,
            t.epochs.dim().0
        )),
        _ => Error::input(format!("--features {kind}: the training covariances: {e}")),
    })?;
    Ok(p.rows().into_iter().map(|r| r.to_vec()).collect())
}

/// `rows` (each `len` long) as a matrix, transposed: `len` × rows.
fn columns_of(rows: &[Vec<f64>], len: usize) -> Array2<f64> {
    Array2::from_shape_fn((len, rows.len()), |(t, i)| rows[i][t])
}

/// Whether `rows` are `n` rows of `len` values each.
fn shaped(rows: &[Vec<f64>], n: usize, len: usize) -> bool {
    rows.len() == n && rows.iter().all(|r| r.len() == len)
}

/// The checks shared by both kinds before fitting: windows long enough, channels present.
fn check_frame(kind: &str, window_len: usize, channels: &[String]) -> Result<()> {
    if window_len < 2 || channels.is_empty() {
        return Err(Error::input(format!(
            "--features {kind}: expected windows of at least 2 samples and at least 1 channel"
        )));
    }
    Ok(())
}

/// Both kinds average time-locked epochs.
fn check_epochs(kind: &str, window: &WindowSpec) -> Result<()> {
    if window.is_event_locked() {
        return Ok(());
    }
    Err(Error::input(format!(
        "--features {kind}: its class prototypes average time-locked epochs, expected --epoch START:END (one window per event)"
    )))
}

impl ProtoCov {
    /// The extractor of `stack` whose reference point is `reference`.
    fn new(
        kind: &'static str,
        stack: Stack,
        estimator: CovEstimator,
        metric: TangentMetric,
        reference: &[Vec<f64>],
        window_len: usize,
    ) -> Result<ProtoCov> {
        let n = stack.width();
        if !shaped(reference, n, n) {
            return Err(Error::input(format!(
                "{kind} reference: expected {n} × {n} values (one per super-trial signal pair)"
            )));
        }
        let cov = CovSpec {
            estimator,
            metric,
            reference: Some(reference.to_vec()),
        }
        .build(n)
        .map_err(|e| Error::input(format!("{kind}: {}", e.message)))?;
        Ok(ProtoCov {
            kind,
            buffer: Array2::zeros((window_len, n)),
            stack,
            estimator,
            cov,
        })
    }
}

impl XdawnCovSpec {
    /// Default filters per class: pyriemann's `XdawnCovariances(nfilter=4)`.
    pub const DEFAULT_FILTERS: usize = XdawnSpec::DEFAULT_FILTERS;

    /// The super-trial of fitted filters and prototypes for `n_ch` model channels and windows
    /// of `window_len` samples.
    fn stack(f: &XdawnCovFitted, n_ch: usize, window_len: usize) -> Result<Stack> {
        let x = &f.xdawn;
        let n_f = x.filters.len();
        if n_f == 0
            || !shaped(&x.filters, n_f, n_ch)
            || x.classes.len().checked_mul(x.per_class) != Some(n_f)
            || x.eigenvalues.len() != n_f
            || !shaped(&f.prototypes, n_f, window_len)
        {
            return Err(Error::input(format!(
                "xdawncov: expected {} classes × {} filters of {n_ch} channel weights, and as many prototypes of {window_len} samples",
                x.classes.len(),
                x.per_class
            )));
        }
        let mut names = Vec::new();
        for prefix in ["p_", ""] {
            for c in &x.classes {
                for j in 0..x.per_class {
                    names.push(format!("{prefix}{c}{}", j + 1));
                }
            }
        }
        Ok(Stack {
            prototypes: columns_of(&f.prototypes, window_len),
            filters: Some(columns_of(&x.filters, n_ch)),
            names,
        })
    }

    /// Builds the extractor of a fitted spec.
    pub fn build(&self, window_len: usize, n_channels: usize) -> Result<ProtoCov> {
        let f = self.fitted.as_ref().ok_or_else(|| {
            Error::input(
                "xdawncov features without fitted filters; they are fitted by `eegi train`",
            )
        })?;
        let stack = Self::stack(f, n_channels, window_len)?;
        ProtoCov::new(
            "xdawncov",
            stack,
            self.estimator,
            self.metric,
            &f.reference,
            window_len,
        )
    }
}

impl ExtractorSpec for XdawnCovSpec {
    fn describe(&self) -> String {
        format!(
            "xDAWN covariances: {} filters per class, super-trial {}, {}",
            self.n_filters,
            self.estimator.describe(),
            self.metric.describe()
        )
    }

    fn check_for(&self, _rate: f64, window_len: usize, channels: &[String]) -> Result<()> {
        if self.n_filters == 0 {
            return Err(Error::input(
                "--xdawn-filters 0: expected at least 1 filter per class",
            ));
        }
        check_frame("xdawncov", window_len, channels)?;
        match self.fitted {
            None => Ok(()),
            Some(_) => self.build(window_len, channels.len()).map(|_| ()),
        }
    }

    fn check_window(&self, window: &WindowSpec) -> Result<()> {
        check_epochs("xdawncov", window)
    }

    /// Settings without filters learn them; fitted ones (from a model) are used as they are.
    fn learns(&self) -> bool {
        self.fitted.is_none()
    }

    fn riemann_tangent(&self) -> bool {
        self.metric == TangentMetric::Riemann
    }

    fn tangent_vectors(&self) -> bool {
        true
    }

    fn fit_on(&self, t: &TrainingEpochs) -> Result<Self> {
        if !self.learns() {
            return Ok(self.clone());
        }
        let xdawn = XdawnSpec {
            n_filters: self.n_filters,
            rate_hz: 1.0,
            fitted: None,
        }
        .fit(t.epochs, t.rows, t.y, t.classes)
        .map_err(|e| Error {
            message: format!(
                "--features xdawncov: {}",
                e.message.trim_start_matches("xdawn: ")
            ),
            ..e
        })?
        .fitted
        .expect("fit gives filters");
        // pyriemann's evokeds_: each class's mean epoch through that class's filters
        let means = class_means(t);
        let mut prototypes = Vec::new();
        for ((_, mean), block) in means.iter().zip(xdawn.filters.chunks(xdawn.per_class)) {
            for w in block {
                prototypes.push(mean.dot(&ndarray::ArrayView1::from(&w[..])).to_vec());
            }
        }
        let mut fitted = XdawnCovFitted {
            xdawn,
            prototypes,
            reference: Vec::new(),
        };
        let n_t = t.epochs.dim().1;
        let stack = Self::stack(&fitted, t.epochs.dim().2, n_t)?;
        fitted.reference = fit_reference("xdawncov", &stack, t, self.estimator, self.metric)?;
        Ok(XdawnCovSpec {
            fitted: Some(fitted),
            ..self.clone()
        })
    }

    fn build_for(
        &self,
        _rate: f64,
        window_len: usize,
        channels: &[String],
    ) -> Result<Box<dyn Extractor>> {
        Ok(Box::new(self.build(window_len, channels.len())?))
    }
}

impl ErpCovSpec {
    /// The super-trial of fitted prototypes for model channels `channels`.
    fn stack(f: &ErpCovFitted, channels: &[String], window_len: usize) -> Result<Stack> {
        let n_ch = channels.len();
        let n_p = f.classes.len() * n_ch;
        if f.classes.is_empty() || !shaped(&f.prototypes, n_p, window_len) {
            return Err(Error::input(format!(
                "erpcov: expected {} classes × {n_ch} channels prototypes of {window_len} samples",
                f.classes.len()
            )));
        }
        let mut names = Vec::new();
        for c in &f.classes {
            names.extend(channels.iter().map(|ch| format!("p_{c}_{ch}")));
        }
        names.extend(channels.iter().cloned());
        Ok(Stack {
            prototypes: columns_of(&f.prototypes, window_len),
            filters: None,
            names,
        })
    }

    /// Builds the extractor of a fitted spec.
    pub fn build(&self, window_len: usize, channels: &[String]) -> Result<ProtoCov> {
        let f = self.fitted.as_ref().ok_or_else(|| {
            Error::input(
                "erpcov features without fitted prototypes; they are fitted by `eegi train`",
            )
        })?;
        let stack = Self::stack(f, channels, window_len)?;
        ProtoCov::new(
            "erpcov",
            stack,
            self.estimator,
            self.metric,
            &f.reference,
            window_len,
        )
    }
}

impl ExtractorSpec for ErpCovSpec {
    fn describe(&self) -> String {
        format!(
            "ERP covariances: class prototypes over the epoch, {}, {}",
            self.estimator.describe(),
            self.metric.describe()
        )
    }

    fn check_for(&self, _rate: f64, window_len: usize, channels: &[String]) -> Result<()> {
        check_frame("erpcov", window_len, channels)?;
        match self.fitted {
            None => Ok(()),
            Some(_) => self.build(window_len, channels).map(|_| ()),
        }
    }

    fn check_window(&self, window: &WindowSpec) -> Result<()> {
        check_epochs("erpcov", window)
    }

    /// Settings without prototypes learn them; fitted ones (from a model) are used as they are.
    fn learns(&self) -> bool {
        self.fitted.is_none()
    }

    fn riemann_tangent(&self) -> bool {
        self.metric == TangentMetric::Riemann
    }

    fn tangent_vectors(&self) -> bool {
        true
    }

    fn fit_on(&self, t: &TrainingEpochs) -> Result<Self> {
        if !self.learns() {
            return Ok(self.clone());
        }
        if t.rows.is_empty() {
            return Err(Error::input(
                "--features erpcov: no training epochs to fit the class prototypes on",
            ));
        }
        let means = class_means(t);
        let mut fitted = ErpCovFitted {
            classes: means.iter().map(|(k, _)| t.classes[*k].clone()).collect(),
            // pyriemann's P_: each class's mean epoch, channels × samples, stacked
            prototypes: means
                .iter()
                .flat_map(|(_, m)| m.columns().into_iter().map(|c| c.to_vec()))
                .collect(),
            reference: Vec::new(),
        };
        let stack = Self::stack(&fitted, t.channels, t.epochs.dim().1)?;
        fitted.reference = fit_reference("erpcov", &stack, t, self.estimator, self.metric)?;
        Ok(ErpCovSpec {
            fitted: Some(fitted),
            ..self.clone()
        })
    }

    fn build_for(
        &self,
        _rate: f64,
        window_len: usize,
        channels: &[String],
    ) -> Result<Box<dyn Extractor>> {
        Ok(Box::new(self.build(window_len, channels)?))
    }
}

impl Extractor for ProtoCov {
    fn n_columns(&self, _n_channels: usize) -> usize {
        let n = self.stack.width();
        n * (n + 1) / 2
    }

    fn column_names(&self, _channels: &[String]) -> Vec<String> {
        let names = &self.stack.names;
        let mut out = Vec::new();
        for (i, a) in names.iter().enumerate() {
            for b in &names[i..] {
                out.push(format!("{}_{a}_{b}", self.kind));
            }
        }
        out
    }

    fn explain(
        &self,
        window: ArrayView2<f64>,
        channels: &[usize],
        _names: &[String],
    ) -> Option<String> {
        let trial = self.stack.of(window, channels);
        why_not_spd(trial.view(), &self.stack.names, self.estimator)
            .map(|why| format!("the super-trial (prototypes stacked over the epoch): {why}"))
    }

    /// A covariance that is not SPD gives NaN features, which the feature check refuses naming
    /// the window and [`ProtoCov::explain`]'s cause.
    fn transform(&mut self, window: ArrayView2<f64>, channels: &[usize], out: &mut [f64]) {
        self.stack.fill(window, channels, &mut self.buffer);
        let c = covariance(self.buffer.view(), self.estimator);
        if self.cov.tangent(&c, out).is_err() {
            out.iter_mut().for_each(|v| *v = f64::NAN);
        }
    }
}
