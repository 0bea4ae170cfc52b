//! Classifiers and the standardiser; fitted types are plain data that serialise into the model
//! file and predict without any training library.

pub mod classifier;
pub mod lda;
pub mod logistic;
pub mod scaler;

pub use classifier::{non_finite_row, Classifier, ClassifierSpec};
pub use lda::{LdaModel, LdaSpec};
pub use logistic::{FitReport, LogisticModel, LogisticSpec};
pub use scaler::Scaler;
