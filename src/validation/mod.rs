//! The one cross-validation of eegi and what it needs: stratified K-fold in time order
//! (scikit-learn's StratifiedKFold, shuffle=False) with training windows that share samples
//! with a test window purged, leave-one-group-out over recordings, out-of-fold predictions
//! with the scaler, the classifier and supervised extractors refitted per fold,
//! the label-permutation test, and metrics with scikit-learn's definitions. Computes, never
//! prints. Used by `train --cv`, `train --threshold auto`, `evaluate` (and its `--compare`, with the
//! Wilcoxon signed-rank test of paired fold scores) and `train --auto`.

pub mod crossval;
pub mod metrics;
pub mod split;
pub mod wilcoxon;

pub use metrics::{balanced_accuracy, confusion_matrix};
pub use split::{overlap_groups, purge_overlaps, stratified_group_kfold, stratified_kfold};
