//! The options of the `cov` features (`--cov-estimator`, `--metric`), flattened into
//! `FeatureArgs`, and the extractor settings they ask for.

use crate::features::{CovEstimator, CovSpec, FeatureSpec, TangentMetric};
use clap::{Args, ValueEnum};

/// Options of the `cov` features (channel covariance in the Riemannian tangent space).
#[derive(Debug, Clone, Args)]
pub struct CovArgs {
    /// Covariance estimator of the `cov` features: `scm` (sample covariance), `lwf`
    /// (Ledoit-Wolf shrinkage, as scikit-learn) or `oas` (oracle approximating shrinkage).
    /// Default lwf, pyriemann's usual choice: a window of a few hundred samples gives a poorly
    /// conditioned sample covariance on many channels, and shrinkage keeps it invertible.
    #[arg(long, value_enum, value_name = "NAME", default_value_t = CovEstimatorArg::Lwf)]
    pub cov_estimator: CovEstimatorArg,

    /// Metric of the `cov` features' tangent space: `riemann` (log map at the affine-invariant
    /// Riemannian mean of the training covariances) or `logeuclid` (log-Euclidean mean and
    /// map). Default riemann, the reference pipeline of Barachant et al. (2012, 2013).
    #[arg(long, value_enum, value_name = "NAME", default_value_t = MetricArg::Riemann)]
    pub metric: MetricArg,
}

/// `--cov-estimator` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CovEstimatorArg {
    /// Sample covariance.
    Scm,
    /// Ledoit-Wolf shrinkage.
    Lwf,
    /// Oracle approximating shrinkage.
    Oas,
}

/// `--metric` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    /// Affine-invariant Riemannian metric.
    Riemann,
    /// Log-Euclidean metric.
    Logeuclid,
}

impl CovArgs {
    /// The (not yet fitted) `cov` extractor these options ask for.
    pub fn spec(&self) -> FeatureSpec {
        FeatureSpec::Cov(CovSpec {
            estimator: match self.cov_estimator {
                CovEstimatorArg::Scm => CovEstimator::Scm,
                CovEstimatorArg::Lwf => CovEstimator::Lwf,
                CovEstimatorArg::Oas => CovEstimator::Oas,
            },
            metric: match self.metric {
                MetricArg::Riemann => TangentMetric::Riemann,
                MetricArg::Logeuclid => TangentMetric::Logeuclid,
            },
            reference: None,
        })
    }
}
