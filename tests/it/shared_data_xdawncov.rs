//! `xdawncov` acceptance numbers on real recordings in `../shared/data` (skipped, with a printed
//! reason, where that folder is absent; failed when `CI` is set).

use crate::common;
use common::{shared, train_summary};

#[test]
fn fingertap_xdawncov_with_logistic_regression_reaches_082() {
    let Some(data) = shared() else { return };
    let files = [data.join("bci2_iv_fingertap/recordings/train.csv")];
    let v = train_summary(
        &files,
        &[
            "--epoch",
            "0:0.5",
            "--labels",
            "left,right",
            "--features",
            "xdawncov",
            "--cv",
            "5",
        ],
    );
    let ba = v["cv_balanced_accuracy"].as_f64().unwrap();
    // pyriemann, same epochs and folds, XdawnCovariances(4, "lwf") -> TangentSpace -> balanced
    // LogisticRegression(C=1), tangent vectors unstandardised as eegi takes them: 0.835, per
    // fold 0.750 0.857 0.858 0.840 0.873 (bench/decode_finger_tapping.py); with a
    // StandardScaler before the regression 0.753
    assert!(ba >= 0.82, "xdawncov + logistic: {ba}");
}

#[test]
fn errp_negative_control_stays_at_chance_with_xdawncov() {
    let Some(data) = shared() else { return };
    let v = common::evaluate_summary(
        &[data.join("errp_bcifes/recordings")],
        &[
            "--epoch",
            "0:1.5",
            "--features",
            "xdawncov",
            "--permutations",
            "20",
        ],
    );
    assert_eq!(v["n_recordings"], 16);
    let p = v["permutation_p_value"].as_f64().unwrap();
    let ba = v["balanced_accuracy"].as_f64().unwrap();
    eprintln!("ErrP control, xdawncov + logistic: balanced accuracy {ba}, p = {p}");
    assert!(p > 0.05, "a negative control must not beat chance: p = {p}");
}
