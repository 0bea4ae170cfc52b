//! The options of the covariance and CSP features (`--cov-estimator`, `--metric`,
//! `--csp-filters`; `xdawncov` also takes `--xdawn-filters`), flattened into `FeatureArgs`, the extractor settings they ask for, and the
//! `--features` values.

use crate::features::{
    CovEstimator, CovSpec, CspSpec, ErpCovSpec, FeatureSpec, TangentMetric, XdawnCovSpec,
};
use clap::{Args, ValueEnum};

/// Options of the `cov` features (channel covariance in the Riemannian tangent space).
#[derive(Debug, Clone, Args)]
pub struct CovArgs {
    /// Covariance estimator of the `cov`, `xdawncov` and `erpcov` features: `scm` (sample covariance), `lwf`
    /// (Ledoit-Wolf shrinkage, as scikit-learn) or `oas` (oracle approximating shrinkage).
    /// The default is pyriemann's usual choice: a window of a few hundred samples gives a poorly
    /// conditioned sample covariance on many channels, and shrinkage keeps it invertible.
    #[arg(long, value_enum, value_name = "NAME", default_value_t = CovEstimatorArg::Lwf)]
    pub cov_estimator: CovEstimatorArg,

    /// Metric of the `cov`, `xdawncov` and `erpcov` features' tangent space: `riemann` (log map at the affine-invariant
    /// Riemannian mean of the training covariances) or `logeuclid` (log-Euclidean mean and
    /// map). The default is the reference pipeline of Barachant et al. (2012, 2013).
    #[arg(long, value_enum, value_name = "NAME", default_value_t = MetricArg::Riemann)]
    pub metric: MetricArg,

    /// CSP filters kept (`csp` features, one log-variance column each). The default is not MNE's
    /// 4: Blankertz et al. (2008) advise two or three filters per class, and motor imagery on
    /// many channels often needs the third of each; filters are taken by how far their
    /// variance ratio is from even, so the 6 are the most discriminative of either class.
    #[arg(long, value_name = "N", default_value_t = CspSpec::DEFAULT_FILTERS)]
    pub csp_filters: usize,
}

/// `--features` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FeatureKind {
    /// Welch band power per channel and band.
    Bandpower,
    /// Decimated waveform per channel.
    Erp,
    /// Decimated xDAWN-filtered waveforms (fitted on the training epochs).
    Xdawn,
    /// Channel covariance in the tangent space at the training covariances' mean.
    Cov,
    /// Log-variance of CSP-filtered windows (filters fitted on the training epochs).
    Csp,
    /// Covariance of the xDAWN super-trial [filtered class prototypes; filtered epoch] in the
    /// tangent space (pyriemann XdawnCovariances; fitted on the training epochs). Defaults
    /// --xdawn-filters 4 and --cov-estimator lwf: pyriemann's nfilter=4 (Rivet 2009) and the
    /// Ledoit-Wolf estimator of Barachant & Congedo 2014's ERP pipeline.
    Xdawncov,
    /// Covariance of the ERP super-trial [class prototypes; epoch] in the tangent space
    /// (pyriemann ERPCovariances; fitted on the training epochs). Default --cov-estimator lwf
    /// (Barachant & Congedo 2014): the super-trial has (classes + 1) × channels signals.
    Erpcov,
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
    /// The (not yet fitted) `cov`, `csp`, `xdawncov` or `erpcov` extractor these options ask
    /// for; `xdawn_filters` is `--xdawn-filters` (filters per class).
    pub fn spec(&self, kind: FeatureKind, xdawn_filters: usize) -> FeatureSpec {
        let estimator = match self.cov_estimator {
            CovEstimatorArg::Scm => CovEstimator::Scm,
            CovEstimatorArg::Lwf => CovEstimator::Lwf,
            CovEstimatorArg::Oas => CovEstimator::Oas,
        };
        let metric = match self.metric {
            MetricArg::Riemann => TangentMetric::Riemann,
            MetricArg::Logeuclid => TangentMetric::Logeuclid,
        };
        match kind {
            FeatureKind::Csp => FeatureSpec::Csp(CspSpec {
                n_filters: self.csp_filters,
                fitted: None,
            }),
            FeatureKind::Xdawncov => FeatureSpec::XdawnCov(XdawnCovSpec {
                n_filters: xdawn_filters,
                estimator,
                metric,
                fitted: None,
            }),
            FeatureKind::Erpcov => FeatureSpec::ErpCov(ErpCovSpec {
                estimator,
                metric,
                fitted: None,
            }),
            _ => FeatureSpec::Cov(CovSpec {
                estimator,
                metric,
                reference: None,
            }),
        }
    }
}
