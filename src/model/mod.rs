//! Classifiers and the standardiser; fitted types are plain data that serialise into the model
//! file and predict without any training library. Logistic regression and LDA fit a
//! [`LinearModel`], MDM class means of covariances, the SVM support vectors; [`classifier`] says how a new one is added.

pub mod classifier;
mod dots;
mod lbfgs;
pub mod lda;
pub mod linear;
pub mod logistic;
pub mod mdm;
mod objective;
pub mod scaler;
pub mod svm;
mod svm_platt;
pub mod traits;

pub use classifier::{Classifier, ClassifierSpec};
pub use lda::{LdaModel, LdaSpec};
pub use linear::LinearModel;
pub use logistic::{FitReport, LogisticModel, LogisticSpec};
pub use mdm::{MdmModel, MdmSpec};
pub use scaler::Scaler;
pub use svm::{SvmKernel, SvmModel, SvmSpec};
pub use traits::{class_counts, non_finite_row, BadValue, Fitted, Found, Linear, Settings};
