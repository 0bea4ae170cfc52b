//! `xdawncov` and `erpcov` features in the pipeline: fitted inside `train` on the training
//! windows only (each cross-validation fold refits them), stored in the model and used by
//! classify, with logistic regression and with MDM.

use eegi::features::{
    CovEstimator, ErpCovSpec, FeatureSpec, TangentMetric, TrainingEpochs, XdawnCovSpec,
};
use eegi::io::Event;
use eegi::model::{LogisticSpec, MdmSpec};
use eegi::pipeline::{ClassifierSpec, LabelledRecording, PipelineSpec};
use eegi::windows::WindowSpec;
use eegi::Recording;
use ndarray::Array2;
use rand::{Rng, SeedableRng};

/// Noise at 64 Hz, one event a second; class "b" adds a planted waveform on a topography, of
/// amplitude `erp` (0: nothing decodes).
fn recording(seed: u64, n_ch: usize, n_events: usize, erp: f64) -> LabelledRecording {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let fs = 64.0;
    let n = (n_events + 2) * 64;
    let mut samples = Array2::from_shape_fn((n, n_ch), |_| rng.random::<f64>() * 20.0 - 10.0);
    let topo: Vec<f64> = (0..n_ch)
        .map(|c| ((c * 7 % 5) as f64 - 2.0) / 2.0)
        .collect();
    let mut events = Vec::new();
    for i in 0..n_events {
        let b = rng.random::<bool>();
        let start = (1 + i) * 64;
        if b {
            for t in 0..32 {
                let w = erp * (std::f64::consts::PI * t as f64 / 32.0).sin();
                for c in 0..n_ch {
                    samples[[start + t, c]] += w * topo[c];
                }
            }
        }
        events.push(Event {
            onset_s: 1.0 + i as f64,
            duration_s: 0.0,
            label: if b { "b" } else { "a" }.into(),
            line: i as u64 + 2,
        });
    }
    LabelledRecording {
        recording: Recording {
            samples,
            sample_rate_hz: fs,
            channel_names: (0..n_ch).map(|i| format!("E{i}")).collect(),
            source: format!("rec{seed}.csv").into(),
        },
        events,
        events_path: "events.csv".into(),
    }
}

fn xdawncov() -> FeatureSpec {
    FeatureSpec::XdawnCov(XdawnCovSpec {
        n_filters: 2,
        estimator: CovEstimator::Lwf,
        metric: TangentMetric::Riemann,
        fitted: None,
    })
}

fn erpcov() -> FeatureSpec {
    FeatureSpec::ErpCov(ErpCovSpec {
        estimator: CovEstimator::Lwf,
        metric: TangentMetric::Riemann,
        fitted: None,
    })
}

fn spec(features: FeatureSpec, classifier: ClassifierSpec) -> PipelineSpec {
    PipelineSpec {
        window: WindowSpec::Epoch {
            start_s: 0.0,
            end_s: 0.5,
        },
        preprocessing: Default::default(),
        features: vec![features],
        labels: None,
        classifier,
    }
}

/// Trains, round-trips the model file, and checks classify recomputes the training features'
/// probabilities; returns the 5-fold balanced accuracy.
fn round_trip(features: FeatureSpec, classifier: ClassifierSpec, erp: f64) -> f64 {
    let inputs = [recording(3, 6, 60, erp), recording(4, 6, 60, erp)];
    let spec = spec(features, classifier);
    let set = spec.training_set(&inputs).unwrap();
    let model = spec.fit(&set, vec![], None).unwrap();
    assert!(
        !model.features[0].learns(),
        "the model stores what was fitted"
    );
    let json = model.to_json();
    let back = eegi::pipeline::FittedPipeline::from_json("m.json".as_ref(), &json).unwrap();
    assert_eq!(back.to_json(), json);
    assert_eq!(back.features, model.features);
    let again = spec.fit(&set, vec![], None).unwrap();
    assert_eq!(again.to_json(), json, "deterministic");
    let p = back
        .classify(&inputs[0].recording, Some(&inputs[0].events))
        .unwrap();
    let x = model.scaler.transform(set.features.matrix.view());
    let want = model.classifier.predict_proba(x.view());
    for (i, pred) in p.iter().enumerate() {
        for (a, b) in pred.probabilities.iter().zip(want.row(i)) {
            assert!((a - b).abs() < 1e-9, "window {i}: {a} vs {b}");
        }
    }
    spec.cross_validate(&set, 5).unwrap().balanced_accuracy
}

#[test]
fn xdawncov_and_erpcov_round_trip_and_decode_a_planted_erp() {
    for (name, f) in [("xdawncov", xdawncov()), ("erpcov", erpcov())] {
        let logistic = ClassifierSpec::Logistic(LogisticSpec::default());
        let ba = round_trip(f.clone(), logistic, 6.0);
        assert!(ba > 0.8, "{name} + logistic on a planted ERP: {ba}");
        let mdm = ClassifierSpec::Mdm(MdmSpec::default());
        let ba = round_trip(f, mdm, 6.0);
        assert!(ba > 0.8, "{name} + MDM on a planted ERP: {ba}");
    }
}

#[test]
fn fitted_on_the_training_fold_only() {
    // noise: prototypes fitted with the test windows would carry their labels
    for f in [xdawncov(), erpcov()] {
        let inputs = [recording(1, 6, 40, 0.0), recording(2, 6, 40, 0.0)];
        let logistic = ClassifierSpec::Logistic(LogisticSpec::default());
        let spec = spec(f.clone(), logistic);
        let set = spec.training_set(&inputs).unwrap();
        let epochs = set
            .epochs
            .as_ref()
            .expect("learning extractors keep epochs");
        let train: Vec<usize> = (0..set.y.len()).filter(|i| i % 5 != 0).collect();
        let m = set.refit_features(&train, &set.y).unwrap().unwrap();
        let only = f
            .fit(&TrainingEpochs {
                epochs: epochs.view(),
                rows: &train,
                y: &set.y,
                classes: &set.classes,
                channels: &set.channels,
            })
            .unwrap();
        let mut e = only
            .build_for(set.sample_rate_hz, set.window_len, &set.channels)
            .unwrap();
        let mut row = vec![0.0; m.ncols()];
        let identity: Vec<usize> = (0..set.channels.len()).collect();
        e.transform(epochs.index_axis(ndarray::Axis(0), 5), &identity, &mut row);
        assert_eq!(row, m.row(5).to_vec(), "{}", f.kind());
        assert_ne!(m.row(5), set.features.matrix.row(5), "{}", f.kind());
        let cv = spec.cross_validate(&set, 5).unwrap().balanced_accuracy;
        assert!(cv < 0.7, "{} on noise: {cv}", f.kind());
    }
}

#[test]
fn xdawncov_and_erpcov_need_epochs() {
    for f in [xdawncov(), erpcov()] {
        let mut s = spec(f, ClassifierSpec::Logistic(LogisticSpec::default()));
        s.window = WindowSpec::Sliding {
            window_s: 1.0,
            step_s: 1.0,
        };
        let e = s.check().unwrap_err().to_string();
        assert!(e.contains("expected --epoch"), "{e}");
    }
}
