//! Tests of the polyphase resampler against scipy (`tests/reference/resample.json`, written by
//! `tests/reference/make_resample_reference.py`).

use super::*;
use serde_json::Value;

/// The scipy reference values.
fn reference() -> Value {
    serde_json::from_str(include_str!("../../tests/reference/resample.json")).unwrap()
}

/// A JSON array of numbers.
fn vector(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Largest |a − b| relative to the largest |b| (at least 1).
fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

#[test]
fn kaiser_window_and_firwin_equal_scipy() {
    let r = reference();
    assert!(relative_error(&kaiser(11, 5.0), &vector(&r["kaiser_11_5"])) < 1e-13);
    let h = firwin_kaiser(61, 1.0 / 3.0, 5.0);
    assert!(relative_error(&h, &vector(&r["firwin_3_2"])) < 1e-13);
    // I0 against values from tables: I0(0) = 1, I0(1) = 1.2660658777520082, I0(5) = 27.239871823604442
    assert_eq!(bessel_i0(0.0), 1.0);
    assert!((bessel_i0(1.0) - 1.266_065_877_752_008_2).abs() < 1e-15);
    assert!((bessel_i0(5.0) / 27.239_871_823_604_442 - 1.0).abs() < 1e-14);
}

#[test]
fn resampling_equals_scipy_resample_poly() {
    let r = reference();
    let mut out = Vec::new();
    let (mut worst, mut worst_abs) = (0.0f64, 0.0f64);
    for case in r["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let up = case["up"].as_u64().unwrap() as usize;
        let down = case["down"].as_u64().unwrap() as usize;
        let x = vector(&case["x"]);
        let y = vector(&case["y"]);
        let plan = Resampler::new(up, down);
        assert_eq!(plan.output_len(x.len()), y.len(), "{name}: length");
        plan.apply(&x, &mut out);
        let e = relative_error(&out, &y);
        assert!(e < 1e-9, "{name}: relative error {e:e}");
        worst = worst.max(e);
        worst_abs = out
            .iter()
            .zip(&y)
            .fold(worst_abs, |m, (a, b)| m.max((a - b).abs()));
    }
    eprintln!("resample: largest error against scipy {worst:e} relative, {worst_abs:e} absolute");
}

#[test]
fn factors_reduce_and_refuse_awkward_ratios() {
    assert_eq!(factors(250.0, 256.0).unwrap(), (128, 125));
    assert_eq!(factors(160.0, 128.0).unwrap(), (4, 5));
    assert_eq!(factors(128.5, 257.0).unwrap(), (2, 1));
    assert_eq!(factors(256.0, 256.0).unwrap(), (1, 1));
    let e = factors(1000.0, 999.999).unwrap_err();
    assert!(e.message.contains("--resample"), "{}", e.message);
    assert!(factors(250.0, 0.0).is_err());
    assert!(factors(std::f64::consts::PI, 256.0).is_err());
}

#[test]
fn equal_rates_copy_the_signal() {
    let plan = Resampler::new(7, 7);
    assert_eq!(plan.factors(), (1, 1));
    let x = [1.0, -2.0, 3.5];
    let mut out = Vec::new();
    plan.apply(&x, &mut out);
    assert_eq!(out, x);
    plan.apply(&[], &mut out);
    assert!(out.is_empty());
}
