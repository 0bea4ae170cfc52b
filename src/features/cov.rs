//! Covariance features in the Riemannian tangent space, as pyriemann 0.12's
//! `Covariances(estimator) → TangentSpace(metric)`: each window's channel covariance (µV²;
//! `scm` = scikit-learn's `empirical_covariance`, `lwf` = `ledoit_wolf`, `oas` = `oas`: channels
//! centred over the window, divided by the number of samples), mapped to the tangent space at
//! the reference point fitted on the training windows (the Riemannian or log-Euclidean mean of
//! their covariances): `logm(P^-½·C·P^-½)` (riemann) or pyriemann 0.12's log-Euclidean map
//! `D exp at logm(P)` applied to `logm(C) − logm(P)` (logeuclid), its
//! upper triangle row by row with off-diagonal entries times √2 (pyriemann `upper`).
//!
//! Like xDAWN the reference point is learned from training epochs ([`ExtractorSpec::fit_on`]),
//! so every cross-validation refits it on the training fold only; the fitted spec stores it.

use super::{Extractor, ExtractorSpec, TrainingEpochs};
use crate::signal::spd::{
    congruence, eigh, invsqrtm, logm, mean_logeuclid, mean_riemann, MeanError,
};
use crate::{Error, Result};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// How a window's covariance is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CovEstimator {
    /// Sample covariance (divided by the number of samples).
    Scm,
    /// Ledoit-Wolf shrinkage towards a scaled identity (scikit-learn `ledoit_wolf`).
    Lwf,
    /// Oracle approximating shrinkage (scikit-learn `oas`).
    Oas,
}

/// The metric of the reference point and of the log map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TangentMetric {
    /// Affine-invariant: Riemannian mean, `logm(P^-½·C·P^-½)`.
    Riemann,
    /// Log-Euclidean: `expm(mean(logm C))`, `Dexp_{logm P}(logm(C) − logm(P))`.
    Logeuclid,
}

impl CovEstimator {
    /// The estimator in words.
    pub fn describe(self) -> &'static str {
        match self {
            CovEstimator::Scm => "sample covariance",
            CovEstimator::Lwf => "Ledoit-Wolf covariance",
            CovEstimator::Oas => "OAS covariance",
        }
    }
}

impl TangentMetric {
    /// The tangent space in words.
    pub fn describe(self) -> &'static str {
        match self {
            TangentMetric::Riemann => "tangent space at the Riemannian mean",
            TangentMetric::Logeuclid => "tangent space at the log-Euclidean mean",
        }
    }

    /// The reference point of SPD matrices `mats` under this metric: their Riemannian or
    /// log-Euclidean mean.
    pub fn mean(self, mats: &[Array2<f64>]) -> std::result::Result<Array2<f64>, MeanError> {
        match self {
            TangentMetric::Riemann => mean_riemann(mats),
            TangentMetric::Logeuclid => mean_logeuclid(mats),
        }
    }
}

/// Settings of the covariance (tangent space) extractor, and once fitted its reference point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CovSpec {
    /// Covariance estimator.
    pub estimator: CovEstimator,
    /// Metric of the reference point and log map.
    pub metric: TangentMetric,
    /// The reference point (model channels × model channels, µV²), fitted on training windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Vec<Vec<f64>>>,
}

/// The ready-to-run covariance extractor.
pub struct Cov {
    estimator: CovEstimator,
    metric: TangentMetric,
    /// `P^-½` (riemann) or `logm P` (logeuclid).
    map: Array2<f64>,
    /// logeuclid: the first divided differences of exp at the eigenvalues of `logm P`, and
    /// its eigenvectors (columns).
    dexp: Option<(Array2<f64>, Array2<f64>)>,
}

/// The covariance of `x` (samples × channels, each channel centred here) by `estimator`.
pub fn covariance(x: ArrayView2<f64>, estimator: CovEstimator) -> Array2<f64> {
    let (n, p) = x.dim();
    let mut xc = x.to_owned();
    for mut col in xc.columns_mut() {
        let m = col.sum() / n as f64;
        col.mapv_inplace(|v| v - m);
    }
    let mut s = xc.t().dot(&xc) / n as f64;
    let mu = s.diag().sum() / p as f64;
    let shrinkage = match estimator {
        CovEstimator::Scm => 0.0,
        _ if p == 1 => 0.0,
        CovEstimator::Lwf => ledoit_wolf_shrinkage(&xc, &s, mu),
        CovEstimator::Oas => {
            let alpha = s.iter().map(|v| v * v).sum::<f64>() / (p * p) as f64;
            let num = alpha + mu * mu;
            let den = (n as f64 + 1.0) * (alpha - mu * mu / p as f64);
            if den == 0.0 {
                1.0
            } else {
                (num / den).min(1.0)
            }
        }
    };
    if shrinkage != 0.0 {
        s *= 1.0 - shrinkage;
        for i in 0..p {
            s[[i, i]] += shrinkage * mu;
        }
    }
    s
}

/// Why the covariance of `x` (samples × channels named `names`) by `estimator` is not
/// positive definite, and what to do; `None` when it is.
pub fn why_not_spd(
    x: ArrayView2<f64>,
    names: &[String],
    estimator: CovEstimator,
) -> Option<String> {
    let c = covariance(x, estimator);
    let (values, _) = eigh(&c).ok()?;
    let smallest = values.iter().copied().fold(f64::INFINITY, f64::min);
    if smallest > 0.0 && values.iter().all(|v| v.is_finite()) {
        return None;
    }
    let variances: Vec<f64> = (0..c.nrows()).map(|i| c[[i, i]]).collect();
    let largest = variances.iter().copied().fold(0.0f64, f64::max);
    let flat: Vec<&str> = variances
        .iter()
        .zip(names)
        .filter(|(v, _)| **v <= 1e-12 * largest || !v.is_finite())
        .map(|(_, n)| n.as_str())
        .collect();
    let estimator_name = format!("{estimator:?}").to_lowercase();
    let cause = if flat.len() == names.len() {
        "every channel is flat (variance 0 µV²): the recording holds no signal in this window"
            .to_string()
    } else if !flat.is_empty() {
        format!(
            "channel {} is flat (variance 0 µV²): drop it with --channels, or use --cov-estimator lwf (shrinkage keeps the covariance invertible)",
            flat.join(", ")
        )
    } else {
        "the channels are linearly dependent (a duplicated channel, or --car, which removes one dimension): drop one channel with --channels, or use --cov-estimator lwf or oas".to_string()
    };
    Some(format!(
        "its channel covariance ({estimator_name}) is not positive definite (smallest eigenvalue {smallest:e}): {cause}"
    ))
}

/// scikit-learn's `ledoit_wolf_shrinkage` of centred `xc` (samples × channels) with sample
/// covariance `s` and `mu = trace(s)/p`.
fn ledoit_wolf_shrinkage(xc: &Array2<f64>, s: &Array2<f64>, mu: f64) -> f64 {
    let (n, p) = xc.dim();
    let (n, pf) = (n as f64, p as f64);
    let x2 = xc.mapv(|v| v * v);
    let beta_: f64 = x2.t().dot(&x2).sum();
    let delta_: f64 = s.iter().map(|v| v * v).sum();
    let trace: f64 = s.diag().sum();
    let beta = 1.0 / (pf * n) * (beta_ / n - delta_);
    let delta = (delta_ - 2.0 * mu * trace + pf * mu * mu) / pf;
    let beta = beta.min(delta);
    if beta == 0.0 {
        0.0
    } else {
        beta / delta
    }
}

/// The upper triangle of symmetric `t` row by row, off-diagonal entries times √2, into `out`.
pub fn upper(t: &Array2<f64>, out: &mut [f64]) {
    let n = t.nrows();
    let mut k = 0;
    for i in 0..n {
        for j in i..n {
            out[k] = if i == j {
                t[[i, j]]
            } else {
                std::f64::consts::SQRT_2 * t[[i, j]]
            };
            k += 1;
        }
    }
}

impl CovSpec {
    /// The default covariance estimator: Ledoit-Wolf, pyriemann's usual choice (a window of
    /// a few hundred samples gives a poorly conditioned sample covariance on many channels).
    pub const DEFAULT_ESTIMATOR: CovEstimator = CovEstimator::Lwf;

    /// Builds the extractor of a fitted spec for `n_channels` model channels.
    pub fn build(&self, n_channels: usize) -> Result<Cov> {
        let r = self.reference.as_ref().ok_or_else(|| {
            Error::input(
                "cov features without a fitted reference point; it is fitted by `eegi train`",
            )
        })?;
        if r.len() != n_channels || r.iter().any(|row| row.len() != n_channels) {
            return Err(Error::input(format!(
                "cov reference: expected {n_channels} × {n_channels} values (one per model channel pair)"
            )));
        }
        let p = Array2::from_shape_fn((n_channels, n_channels), |(i, j)| r[i][j]);
        let map = match self.metric {
            TangentMetric::Riemann => invsqrtm(&p),
            TangentMetric::Logeuclid => logm(&p),
        }
        .map_err(|e| Error::input(format!("cov reference: {e}")))?;
        let dexp = match self.metric {
            TangentMetric::Riemann => None,
            TangentMetric::Logeuclid => Some(divided_differences(&map)?),
        };
        Ok(Cov {
            estimator: self.estimator,
            metric: self.metric,
            map,
            dexp,
        })
    }
}

impl ExtractorSpec for CovSpec {
    fn describe(&self) -> String {
        format!(
            "channel covariance ({}), {}",
            self.estimator.describe(),
            self.metric.describe()
        )
    }

    fn check_for(&self, _rate: f64, window_len: usize, channels: &[String]) -> Result<()> {
        if window_len < 2 || channels.is_empty() {
            return Err(Error::input(
                "--features cov: expected windows of at least 2 samples and at least 1 channel",
            ));
        }
        match self.reference {
            None => Ok(()),
            Some(_) => self.build(channels.len()).map(|_| ()),
        }
    }

    /// Settings without a reference point learn it; fitted ones are used as they are.
    fn learns(&self) -> bool {
        self.reference.is_none()
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
                "--features cov: no training windows to fit the reference point on",
            ));
        }
        let mats: Vec<Array2<f64>> = t
            .rows
            .iter()
            .map(|&r| covariance(t.epochs.index_axis(ndarray::Axis(0), r), self.estimator))
            .collect();
        let p = self.metric.mean(&mats);
        // a covariance that is not SPD: name the first training window that has one, and why
        let first_bad = || {
            t.rows.iter().find_map(|&r| {
                let epoch = t.epochs.index_axis(ndarray::Axis(0), r);
                why_not_spd(epoch, t.channels, self.estimator).map(|why| (r, why))
            })
        };
        let p = p.map_err(|e| match (&e, first_bad()) {
            (MeanError::Spd(..), Some((r, why))) => Error::input(format!(
                "--features cov: training window {} (of {}, in time order): {why}",
                r + 1,
                t.epochs.dim().0
            )),
            _ => Error::input(format!("--features cov: the training covariances: {e}")),
        })?;
        Ok(CovSpec {
            reference: Some(p.rows().into_iter().map(|r| r.to_vec()).collect()),
            ..self.clone()
        })
    }

    fn build_for(
        &self,
        _rate: f64,
        _len: usize,
        channels: &[String],
    ) -> Result<Box<dyn Extractor>> {
        Ok(Box::new(self.build(channels.len())?))
    }
}

impl Cov {
    /// The tangent vector of the covariance `c`, or an error when `c` is not SPD.
    pub fn tangent(&self, c: &Array2<f64>, out: &mut [f64]) -> Result<()> {
        let t = match self.metric {
            TangentMetric::Riemann => logm(&congruence(&self.map, c)),
            TangentMetric::Logeuclid => logm(c).map(|l| self.dexp(&(l - &self.map))),
        }
        .map_err(|e| Error::input(format!("--features cov: a window's covariance: {e}")))?;
        upper(&t, out);
        Ok(())
    }
}

/// pyriemann's `_first_divided_difference(d, exp, exp)` of the eigenvalues `d` of symmetric
/// `a` (`(e^dᵢ − e^dⱼ)/(dᵢ − dⱼ)`, `e^dᵢ` where they are equal within 1e-12 absolute plus 1e-12
/// relative), and the eigenvectors of `a`.
fn divided_differences(a: &Array2<f64>) -> Result<(Array2<f64>, Array2<f64>)> {
    let (d, v) = eigh(a).map_err(|e| Error::input(format!("cov reference: {e}")))?;
    let n = d.len();
    let f = Array2::from_shape_fn((n, n), |(i, j)| {
        let (a, b) = (d[i], d[j]);
        if (a - b).abs() <= 1e-12 + 1e-12 * b.abs() {
            a.exp()
        } else {
            (a.exp() - b.exp()) / (a - b)
        }
    });
    Ok((f, v))
}

impl Cov {
    /// pyriemann's `ddexpm(x, logm P)`: the derivative of the matrix exponential at `logm P`
    /// in the direction `x` (log-Euclidean log map, pyriemann 0.12).
    fn dexp(&self, x: &Array2<f64>) -> Array2<f64> {
        let (f, v) = self.dexp.as_ref().expect("built with the logeuclid metric");
        let inner = v.t().dot(x).dot(v) * f;
        let out = v.dot(&inner).dot(&v.t());
        (&out + &out.t()) * 0.5
    }
}

impl Extractor for Cov {
    fn n_columns(&self, n_channels: usize) -> usize {
        n_channels * (n_channels + 1) / 2
    }

    fn column_names(&self, channels: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for (i, a) in channels.iter().enumerate() {
            for b in &channels[i..] {
                out.push(format!("cov_{a}_{b}"));
            }
        }
        out
    }

    fn explain(
        &self,
        window: ArrayView2<f64>,
        channels: &[usize],
        names: &[String],
    ) -> Option<String> {
        let x = window.select(ndarray::Axis(1), channels);
        why_not_spd(x.view(), names, self.estimator)
    }

    /// A covariance that is not SPD (a flat or duplicated channel) gives NaN features, which
    /// the feature check refuses naming the window and [`Cov::explain`]'s cause.
    fn transform(&mut self, window: ArrayView2<f64>, channels: &[usize], out: &mut [f64]) {
        let x = window.select(ndarray::Axis(1), channels);
        let c = covariance(x.view(), self.estimator);
        if self.tangent(&c, out).is_err() {
            out.iter_mut().for_each(|v| *v = f64::NAN);
        }
    }
}
