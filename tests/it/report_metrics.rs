//! `eegi evaluate`'s metrics and group-aware folds against scikit-learn: values computed by
//! `tests/reference/make_metrics_reference.py` and committed as `report_metrics.json`.

use crate::common;
use common::{floats, usizes};

use eegi::validation::metrics::score;
use eegi::validation::stratified_group_kfold;
use ndarray::Array2;
use serde_json::Value;
use std::path::Path;

fn reference() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/report_metrics.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn close(ours: f64, theirs: f64, what: &str) {
    assert!(
        (ours - theirs).abs() <= 1e-9,
        "{what}: eegi {ours} vs scikit-learn {theirs}"
    );
}

#[test]
fn metrics_match_scikit_learn_to_1e9() {
    let refs = reference();
    let cases = refs["metrics"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let y = usizes(&case["y_true"]);
        let rows: Vec<Vec<f64>> = case["proba"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        let k = rows[0].len();
        let proba =
            Array2::from_shape_vec((rows.len(), k), rows.into_iter().flatten().collect()).unwrap();
        let s = score(&y, proba.view());
        close(s.accuracy, case["accuracy"].as_f64().unwrap(), name);
        close(
            s.balanced_accuracy,
            case["balanced_accuracy"].as_f64().unwrap(),
            name,
        );
        close(
            s.macro_f1,
            case["macro_f1"].as_f64().unwrap(),
            &format!("{name} macro F1"),
        );
        close(
            s.kappa,
            case["kappa"].as_f64().unwrap(),
            &format!("{name} kappa"),
        );
        close(
            s.roc_auc.unwrap(),
            case["roc_auc"].as_f64().unwrap(),
            &format!("{name} ROC AUC"),
        );
        close(
            s.log_loss,
            case["log_loss"].as_f64().unwrap(),
            &format!("{name} log loss"),
        );
        let (p, r, f) = (
            floats(&case["precision"]),
            floats(&case["recall"]),
            floats(&case["f1"]),
        );
        for (c, cs) in s.per_class.iter().enumerate() {
            close(cs.precision, p[c], &format!("{name} precision {c}"));
            close(cs.recall, r[c], &format!("{name} recall {c}"));
            close(cs.f1, f[c], &format!("{name} f1 {c}"));
            assert_eq!(cs.support, case["support"][c].as_u64().unwrap() as usize);
        }
        let cm: Vec<Vec<usize>> = case["confusion_matrix"]
            .as_array()
            .unwrap()
            .iter()
            .map(usizes)
            .collect();
        assert_eq!(s.confusion_matrix, cm, "{name}");
    }
}

#[test]
fn group_folds_match_stratified_group_kfold() {
    let refs = reference();
    for case in refs["group_kfold"].as_array().unwrap() {
        let y = usizes(&case["y"]);
        let groups = usizes(&case["groups"]);
        let k = case["n_splits"].as_u64().unwrap() as usize;
        let folds = stratified_group_kfold(&y, &groups, k).unwrap();
        assert_eq!(folds, usizes(&case["test_fold"]));
    }
}
