//! The options of `--classifier svm` (`--svm-kernel`, `--svm-c`, `--svm-gamma`,
//! `--svm-class-weight`), flattened into `train` and `evaluate`, and the settings they ask for.

use crate::model::{SvmKernel, SvmSpec};
use clap::{Args, ValueEnum};

/// Options of the support vector machine (scikit-learn's SVC parameters).
#[derive(Debug, Clone, Args)]
pub struct SvmArgs {
    /// Kernel of `--classifier svm`: `rbf` (Gaussian, exp(−γ·‖x − y‖²), scikit-learn's default)
    /// or `linear`. The SVM is two-class only (more classes are refused: SVC decides them by
    /// one-vs-one voting, which its probabilities can contradict); its probabilities are Platt
    /// scaling without offset, P = 1/(1 + exp(−A·f)), A fitted on internal 5-fold
    /// out-of-fold decision values (contiguous blocks of each class: deterministic), so the
    /// most probable class is always the side of the hyperplane, as SVC.predict.
    #[arg(long, value_enum, value_name = "KERNEL", default_value_t = SvmKernelArg::Rbf, help_heading = "Classifier and validation")]
    pub svm_kernel: SvmKernelArg,

    /// Penalty C of `--classifier svm` on margin violations (smaller = smoother boundary),
    /// multiplied by the class weights; up to 1e10.
    #[arg(
        long,
        value_name = "C",
        default_value_t = 1.0,
        help_heading = "Classifier and validation"
    )]
    pub svm_c: f64,

    /// RBF kernel width γ of `--classifier svm`, per squared standardised unit: a number, or
    /// `scale` = 1/(n_features · variance of the training features), scikit-learn's default.
    #[arg(long, value_name = "scale|GAMMA", default_value = "scale", value_parser = parse_gamma, help_heading = "Classifier and validation")]
    pub svm_gamma: Gamma,

    /// Class weights on C of `--classifier svm`: `balanced` (n / (2·n_class), as
    /// scikit-learn's class_weight='balanced': a rare class counts as much as a common one)
    /// or `none`.
    #[arg(long, value_enum, value_name = "WEIGHTS", default_value_t = ClassWeightArg::Balanced, help_heading = "Classifier and validation")]
    pub svm_class_weight: ClassWeightArg,
}

/// `--svm-kernel` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SvmKernelArg {
    /// Gaussian radial basis function.
    Rbf,
    /// Dot product.
    Linear,
}

/// `--svm-class-weight` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClassWeightArg {
    /// n / (2·n_class).
    Balanced,
    /// 1 for both classes.
    None,
}

/// `--svm-gamma` value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gamma {
    /// 1 / (n_features · X.var()).
    Scale,
    /// Given, per squared standardised unit.
    Value(f64),
}

/// Parses `scale` or a positive number.
fn parse_gamma(text: &str) -> Result<Gamma, String> {
    if text.eq_ignore_ascii_case("scale") {
        return Ok(Gamma::Scale);
    }
    match text.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(Gamma::Value(v)),
        _ => Err(format!(
            "'{text}', expected scale or a positive number, e.g. 0.01"
        )),
    }
}

impl SvmArgs {
    /// The SVM settings these options ask for (checked later, with the pipeline).
    pub fn spec(&self) -> SvmSpec {
        SvmSpec {
            kernel: match self.svm_kernel {
                SvmKernelArg::Rbf => SvmKernel::Rbf,
                SvmKernelArg::Linear => SvmKernel::Linear,
            },
            c: self.svm_c,
            gamma: match self.svm_gamma {
                Gamma::Scale => None,
                Gamma::Value(v) => Some(v),
            },
            balanced: self.svm_class_weight == ClassWeightArg::Balanced,
        }
    }
}
