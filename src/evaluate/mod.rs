//! Cross-validation splits and metrics with scikit-learn's definitions; computes, never prints.

pub mod crossval;
pub mod metrics;
pub mod run;
pub mod split;

pub use metrics::{balanced_accuracy, confusion_matrix};
pub use split::{overlap_groups, purge_overlaps, stratified_group_kfold, stratified_kfold};
