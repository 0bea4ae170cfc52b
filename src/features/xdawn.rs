//! xDAWN spatial filters (Rivet et al., IEEE TBME 56(8), 2009), with pyriemann's definitions
//! (`pyriemann.spatialfilters.Xdawn`, `estimator="scm"`): for each class k, the class-average
//! epoch P_k (channels × time), its covariance C_k and the covariance C_x of all training epochs
//! concatenated (both `covariance_scm`: each channel centred, divided by the number of samples);
//! the generalized eigenvectors of C_k v = λ C_x v, sorted by λ descending, scaled to unit norm;
//! the first `n_filters` of each class, concatenated in class order. The feature is each
//! filtered epoch decimated by bin means exactly as the `erp` extractor does.
//!
//! Unlike the other extractors xDAWN is supervised: [`XdawnSpec::fit`] learns the filters from
//! labelled training epochs (in cross-validation, from the training fold only), and the fitted
//! spec, filters included, is stored in the model.

use super::erp::{Erp, ErpSpec};
use super::{Extractor, ExtractorSpec, TrainingEpochs};
use crate::signal::linalg::{cholesky_regularised, generalized_eigh, CholeskyError};
use crate::windows::WindowSpec;
use crate::{Error, Result};
use ndarray::{Array2, ArrayView2, ArrayView3};
use serde::{Deserialize, Serialize};

/// Settings of the xDAWN extractor, and once fitted its filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XdawnSpec {
    /// Filters kept per class (at most the number of channels).
    pub n_filters: usize,
    /// Rate of the decimated filtered waveform, Hz.
    pub rate_hz: f64,
    /// The fitted filters (absent until fitted on training epochs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitted: Option<XdawnFilters>,
}

/// Fitted xDAWN filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XdawnFilters {
    /// Class of each block of filters, in order.
    pub classes: Vec<String>,
    /// Filters per class actually kept (`min(n_filters, channels)`).
    pub per_class: usize,
    /// Filters, one row per (class, filter), each with one weight per model channel.
    pub filters: Vec<Vec<f64>>,
    /// Their generalized eigenvalues (signal-to-signal-plus-noise ratio), same order.
    pub eigenvalues: Vec<f64>,
}

/// The ready-to-run xDAWN extractor.
pub struct Xdawn {
    erp: Erp,
    /// Filters × model channels.
    filters: Array2<f64>,
    names: Vec<String>,
    /// Bin means of every model channel (channel-major).
    bins: Vec<f64>,
    sample_rate_hz: f64,
}

impl XdawnSpec {
    /// Default filters per class: 4, pyriemann's `nfilter=4` — an ERP's few components
    /// (e.g. negativity and positivity) need few filters, and 4 classes × few bins stays small.
    pub const DEFAULT_FILTERS: usize = 4;

    /// Validates the settings that do not depend on data.
    pub fn check(&self, sample_rate_hz: f64, window_len: usize) -> Result<()> {
        if self.n_filters == 0 {
            return Err(Error::input(
                "--xdawn-filters 0: expected at least 1 filter per class",
            ));
        }
        self.erp().build(sample_rate_hz, window_len).map(|_| ())
    }

    fn erp(&self) -> ErpSpec {
        ErpSpec {
            rate_hz: self.rate_hz,
            channels: None,
        }
    }

    /// Builds the extractor of a fitted spec for model channels `channels`.
    pub fn build(
        &self,
        sample_rate_hz: f64,
        window_len: usize,
        n_channels: usize,
    ) -> Result<Xdawn> {
        self.check(sample_rate_hz, window_len)?;
        let f = self.fitted.as_ref().ok_or_else(|| {
            Error::input("xdawn features without fitted filters; they are fitted by `eegi train`")
        })?;
        if f.filters.is_empty()
            || f.filters.iter().any(|r| r.len() != n_channels)
            || f.classes.len().checked_mul(f.per_class) != Some(f.filters.len())
            || f.eigenvalues.len() != f.filters.len()
        {
            return Err(Error::input(format!(
                "xdawn filters: expected {} classes × {} filters of {n_channels} channel weights",
                f.classes.len(),
                f.per_class
            )));
        }
        let erp = self.erp().build(sample_rate_hz, window_len)?;
        let mut names = Vec::new();
        for c in &f.classes {
            for j in 0..f.per_class {
                names.push(format!("xdawn_{c}{}", j + 1));
            }
        }
        let filters =
            Array2::from_shape_fn((f.filters.len(), n_channels), |(i, j)| f.filters[i][j]);
        Ok(Xdawn {
            bins: vec![0.0; n_channels * erp.n_bins()],
            erp,
            filters,
            names,
            sample_rate_hz,
        })
    }

    /// Fits the filters on the epochs `rows` of `epochs` (epochs × samples × model channels)
    /// with class indices `y` (one per epoch, into `classes`); classes without a training epoch
    /// get no filters. Returns the fitted spec.
    pub fn fit(
        &self,
        epochs: ArrayView3<f64>,
        rows: &[usize],
        y: &[usize],
        classes: &[String],
    ) -> Result<XdawnSpec> {
        let (_, n_t, n_ch) = epochs.dim();
        if rows.is_empty() || n_t == 0 || n_ch == 0 {
            return Err(Error::input("xdawn: no training epochs to fit filters on"));
        }
        let cx = training_covariance(epochs, rows)?;
        let l = cholesky_regularised(&cx).map_err(|e| match e {
            CholeskyError::NoVariance => Error::input(
                "xdawn: the training epochs have no variance (flat channels?), expected EEG",
            ),
            CholeskyError::NotPositiveDefinite { .. } => Error::input(
                "xdawn: the covariance of the training epochs is singular (duplicated or flat channels?), expected full rank",
            ),
        })?;
        let per_class = self.n_filters.min(n_ch);
        let mut out = XdawnFilters {
            classes: Vec::new(),
            per_class,
            filters: Vec::new(),
            eigenvalues: Vec::new(),
        };
        for (k, name) in classes.iter().enumerate() {
            let members: Vec<usize> = rows.iter().copied().filter(|&r| y[r] == k).collect();
            if members.is_empty() {
                continue;
            }
            // P_k: class average, then each channel centred over time
            let mut p = Array2::<f64>::zeros((n_t, n_ch));
            for &r in &members {
                p += &epochs.slice(ndarray::s![r, .., ..]);
            }
            p /= members.len() as f64;
            for mut col in p.columns_mut() {
                let m = col.sum() / n_t as f64;
                col.mapv_inplace(|v| v - m);
            }
            let mut ck = p.t().dot(&p);
            ck /= n_t as f64;
            let (values, vectors) = generalized_eigh(&ck, &l).map_err(|e| Error {
                message: format!("xdawn: {}", e.message),
                ..e
            })?;
            let mut order: Vec<usize> = (0..n_ch).collect();
            order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
            out.classes.push(name.clone());
            for &i in order.iter().take(per_class) {
                let mut v: Vec<f64> = vectors.column(i).to_vec();
                let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
                // sign: the largest-magnitude weight positive (eigenvectors have no sign)
                let big = v
                    .iter()
                    .fold(0.0f64, |b, &x| if x.abs() > b.abs() { x } else { b });
                let s = if big < 0.0 { -1.0 } else { 1.0 } / norm;
                v.iter_mut().for_each(|x| *x *= s);
                out.filters.push(v);
                out.eigenvalues.push(values[i]);
            }
        }
        Ok(XdawnSpec {
            n_filters: self.n_filters,
            rate_hz: self.rate_hz,
            fitted: Some(out),
        })
    }
}

impl ExtractorSpec for XdawnSpec {
    fn describe(&self) -> String {
        format!(
            "xDAWN: {} spatial filters per class (fitted on training epochs), bin means at {} Hz",
            self.n_filters, self.rate_hz
        )
    }

    fn check_for(&self, sample_rate_hz: f64, window_len: usize, channels: &[String]) -> Result<()> {
        match self.fitted {
            None => self.check(sample_rate_hz, window_len),
            Some(_) => self
                .build(sample_rate_hz, window_len, channels.len())
                .map(|_| ()),
        }
    }

    fn check_window(&self, window: &WindowSpec) -> Result<()> {
        if window.is_event_locked() {
            return Ok(());
        }
        Err(Error::input(
            "--features xdawn: xDAWN averages time-locked epochs, expected --epoch START:END (one window per event)",
        ))
    }

    /// Settings without filters learn them; fitted ones (from a model) are used as they are.
    fn learns(&self) -> bool {
        self.fitted.is_none()
    }

    fn fit_on(&self, t: &TrainingEpochs) -> Result<Self> {
        if !self.learns() {
            return Ok(self.clone());
        }
        self.fit(t.epochs, t.rows, t.y, t.classes)
    }

    fn build_for(
        &self,
        sample_rate_hz: f64,
        window_len: usize,
        channels: &[String],
    ) -> Result<Box<dyn Extractor>> {
        Ok(Box::new(self.build(
            sample_rate_hz,
            window_len,
            channels.len(),
        )?))
    }
}

/// C_x: the covariance of every sample of the training epochs `rows` (epochs × samples ×
/// channels), each channel centred over all of them; one that is not finite is an error.
fn training_covariance(epochs: ArrayView3<f64>, rows: &[usize]) -> Result<Array2<f64>> {
    let (_, n_t, n_ch) = epochs.dim();
    let n = (rows.len() * n_t) as f64;
    // Each epoch as contiguous samples × channels rows (a copy only if the view is strided).
    let epoch = |r: usize| epochs.index_axis_move(ndarray::Axis(0), r);
    let mut mean = vec![0.0; n_ch];
    for &r in rows {
        let e = epoch(r);
        let e = e.as_standard_layout();
        for row in e.as_slice().expect("standard layout").chunks_exact(n_ch) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    // Lower triangle, row-major in a flat buffer: row i of the rank-one update is a contiguous
    // multiply-add over channels 0..=i (vectorises); every entry adds the same products in the
    // same sample order as an entry-by-entry loop, so the sums are bit for bit the same.
    let mut acc = vec![0.0; n_ch * n_ch];
    let mut centred = vec![0.0; n_ch];
    for &r in rows {
        let e = epoch(r);
        let e = e.as_standard_layout();
        for row in e.as_slice().expect("standard layout").chunks_exact(n_ch) {
            for (c, (v, m)) in centred.iter_mut().zip(row.iter().zip(&mean)) {
                *c = v - m;
            }
            for (i, a) in acc.chunks_exact_mut(n_ch).enumerate() {
                let ci = centred[i];
                for (a, cj) in a[..=i].iter_mut().zip(&centred[..=i]) {
                    *a += ci * cj;
                }
            }
        }
    }
    let mut cx = Array2::from_shape_vec((n_ch, n_ch), acc).expect("n_ch × n_ch values");
    symmetrise(&mut cx, n);
    if cx.iter().any(|v| !v.is_finite()) {
        let largest = rows
            .iter()
            .flat_map(|&r| epochs.index_axis(ndarray::Axis(0), r))
            .fold(0.0f64, |m, v| m.max(v.abs()));
        return Err(Error::input(format!(
            "xdawn: the covariance of the training epochs is not finite (largest sample {largest:e} µV), expected samples whose power is finite (|x| < 1e150 µV): the values look corrupted"
        )));
    }
    Ok(cx)
}

/// Fills the upper triangle from the lower one and divides by `n`.
fn symmetrise(a: &mut Array2<f64>, n: f64) {
    let k = a.nrows();
    for i in 0..k {
        for j in 0..=i {
            let v = a[[i, j]] / n;
            a[[i, j]] = v;
            a[[j, i]] = v;
        }
    }
}

impl Xdawn {
    /// Number of filters (rows).
    fn n_filters(&self) -> usize {
        self.filters.nrows()
    }
}

impl Extractor for Xdawn {
    fn n_columns(&self, _n_channels: usize) -> usize {
        self.n_filters() * self.erp.n_bins()
    }

    fn column_names(&self, _channels: &[String]) -> Vec<String> {
        let m = self.erp.n_bins();
        let edges = self.erp.edges();
        let mut out = Vec::with_capacity(self.names.len() * m);
        for name in &self.names {
            for &e in edges.iter().take(m) {
                let ms = (e as f64 / self.sample_rate_hz * 1000.0).round();
                out.push(format!("{name}_{ms}ms"));
            }
        }
        out
    }

    fn transform(&mut self, window: ArrayView2<f64>, channels: &[usize], out: &mut [f64]) {
        // filtering and bin means are both linear: bin means first (fewer operations)
        let m = self.erp.n_bins();
        self.erp.transform(window, channels, &mut self.bins);
        for (f, w) in self.filters.rows().into_iter().enumerate() {
            for k in 0..m {
                let mut s = 0.0;
                for (j, wj) in w.iter().enumerate() {
                    s += wj * self.bins[j * m + k];
                }
                out[f * m + k] = s;
            }
        }
    }
}
