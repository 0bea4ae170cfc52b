//! xDAWN filters and features against pyriemann (`tests/reference/make_xdawn_reference.py` →
//! `xdawn.json`), up to each filter's sign.

use crate::common;
use common::{floats, reference, usizes};

use eegi::features::{FeatureSpec, XdawnSpec};
use ndarray::Array3;

#[test]
fn xdawn_matches_pyriemann() {
    let r = reference("xdawn.json");
    for (name, c) in r["cases"].as_object().unwrap() {
        let fs = c["sample_rate_hz"].as_f64().unwrap();
        let rate = c["rate_hz"].as_f64().unwrap();
        let y = usizes(&c["y"]);
        let ep = c["epochs"].as_array().unwrap();
        let n = ep.len();
        let n_ch = ep[0].as_array().unwrap().len();
        let n_t = ep[0][0].as_array().unwrap().len();
        // pyriemann: epochs × channels × samples; eegi: epochs × samples × channels
        let mut epochs = Array3::<f64>::zeros((n, n_t, n_ch));
        for (i, e) in ep.iter().enumerate() {
            for ch in 0..n_ch {
                for (t, v) in floats(&e[ch]).into_iter().enumerate() {
                    epochs[[i, t, ch]] = v;
                }
            }
        }
        let n_classes = y.iter().max().unwrap() + 1;
        let classes: Vec<String> = (0..n_classes).map(|k| format!("c{k}")).collect();
        let spec = XdawnSpec {
            n_filters: c["n_filters"].as_u64().unwrap() as usize,
            rate_hz: rate,
            fitted: None,
        };
        let all: Vec<usize> = (0..n).collect();
        let fitted = spec.fit(epochs.view(), &all, &y, &classes).unwrap();
        let f = fitted.fitted.as_ref().unwrap();
        let want: Vec<Vec<f64>> = c["filters"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        assert_eq!(f.filters.len(), want.len(), "{name}");
        let mut signs = Vec::new();
        let mut worst_filter: f64 = 0.0;
        for (got, w) in f.filters.iter().zip(&want) {
            let big = w
                .iter()
                .fold(0.0f64, |b, &x| if x.abs() > b.abs() { x } else { b });
            let s = big.signum();
            signs.push(s);
            let scale = w.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            for (a, b) in got.iter().zip(w) {
                worst_filter = worst_filter.max((a - s * b).abs() / scale);
            }
        }
        // features through the extractor, as classify computes them
        let channels: Vec<String> = (0..n_ch).map(|i| format!("ch{i}")).collect();
        let mut e = FeatureSpec::Xdawn(fitted.clone())
            .build_for(fs, n_t, &channels)
            .unwrap();
        let width = e.n_columns(n_ch);
        let bins = width / f.filters.len();
        let identity: Vec<usize> = (0..n_ch).collect();
        let mut row = vec![0.0; width];
        let mut worst_feature: f64 = 0.0;
        let want_features: Vec<Vec<f64>> = c["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        let scale = want_features
            .iter()
            .flatten()
            .fold(0.0f64, |m, x| m.max(x.abs()));
        for (i, w) in want_features.iter().enumerate() {
            e.transform(epochs.index_axis(ndarray::Axis(0), i), &identity, &mut row);
            for (j, (a, b)) in row.iter().zip(w).enumerate() {
                let s = signs[j / bins];
                worst_feature = worst_feature.max((a - s * b).abs() / scale);
            }
        }
        eprintln!(
            "{name}: filters max |Δ|/max|w| {worst_filter:.2e}, features max |Δ|/max|x| {worst_feature:.2e}"
        );
        assert!(worst_filter < 1e-9, "{name}: filters {worst_filter}");
        assert!(worst_feature < 1e-9, "{name}: features {worst_feature}");
    }
}
