//! The one cross-validation of eegi and what it needs: splits that keep overlapping windows and
//! windows of one event on one side (scikit-learn's StratifiedGroupKFold), out-of-fold
//! predictions with the scaler, the classifier and supervised extractors refitted per fold,
//! the label-permutation test, and metrics with scikit-learn's definitions. Computes, never
//! prints. Used by `train --cv`, `train --threshold auto` and `evaluate`.

pub mod crossval;
pub mod metrics;
pub mod split;

pub use metrics::{balanced_accuracy, confusion_matrix};
pub use split::{overlap_groups, purge_overlaps, stratified_group_kfold, stratified_kfold};
