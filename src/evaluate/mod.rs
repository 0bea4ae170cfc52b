//! Cross-validation splits and metrics with scikit-learn's definitions; computes, never prints.

pub mod metrics;
pub mod split;

pub use metrics::{balanced_accuracy, confusion_matrix};
pub use split::{purge_overlaps, stratified_kfold};
