//! xDAWN features in the pipeline: fitted inside `train`, stored in the model, refitted on each
//! cross-validation fold's training windows only (no leakage), used by classify.

use eegi::features::{FeatureSpec, XdawnSpec};
use eegi::io::Event;
use eegi::model::LdaSpec;
use eegi::pipeline::{ClassifierSpec, LabelledRecording, PipelineSpec};
use eegi::validation::crossval::{out_of_fold, Learner};
use eegi::validation::{balanced_accuracy, overlap_groups, stratified_group_kfold};
use eegi::windows::WindowSpec;
use eegi::Recording;
use ndarray::Array2;
use rand::{Rng, SeedableRng};

/// Pure noise at 64 Hz, one event a second with random labels: nothing decodes.
fn noise(seed: u64, n_ch: usize, n_events: usize) -> LabelledRecording {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let fs = 64.0;
    let n = (n_events + 2) * 64;
    let samples = Array2::from_shape_fn((n, n_ch), |_| rng.random::<f64>() * 20.0 - 10.0);
    let events = (0..n_events)
        .map(|i| Event {
            onset_s: 1.0 + i as f64,
            duration_s: 0.0,
            label: if rng.random::<bool>() { "a" } else { "b" }.into(),
            line: i as u64 + 2,
        })
        .collect();
    LabelledRecording {
        recording: Recording {
            samples,
            sample_rate_hz: fs,
            channel_names: (0..n_ch).map(|i| format!("E{i}")).collect(),
            source: format!("noise{seed}.csv").into(),
        },
        events,
        events_path: "events.csv".into(),
    }
}

fn spec() -> PipelineSpec {
    PipelineSpec {
        window: WindowSpec::Epoch {
            start_s: 0.0,
            end_s: 0.8,
        },
        preprocessing: Default::default(),
        features: vec![FeatureSpec::Xdawn(XdawnSpec {
            n_filters: 4,
            rate_hz: 16.0,
            fitted: None,
        })],
        labels: None,
        classifier: ClassifierSpec::Lda(LdaSpec::default()),
    }
}

#[test]
fn xdawn_is_fitted_on_the_training_fold_only() {
    // many channels and few epochs: filters fitted with the test epochs overfit their labels
    let inputs = [noise(1, 48, 25), noise(2, 48, 25)];
    let spec = spec();
    let set = spec.training_set(&inputs).unwrap();
    assert!(set.epochs.is_some());
    assert_eq!(set.features.names.len(), 2 * 4 * 13);
    assert_eq!(set.features.names[0], "xdawn_a1_0ms");
    let units = overlap_groups(&set.windows, set.window_len);
    let folds = stratified_group_kfold(&set.y, &units, 5).unwrap();
    let name = |f: usize| format!("fold {f}");
    let refit = |train: &[usize], y: &[usize]| Ok(set.refit_features(train, y)?.unwrap());
    let unscaled = set.unscaled_columns();
    let learner = Learner {
        classifier: &spec.classifier,
        unscaled: &unscaled,
    };
    let honest = out_of_fold(
        set.features.matrix.view(),
        &set.y,
        2,
        &folds,
        5,
        learner,
        false,
        &name,
        Some(&refit),
        None,
    )
    .unwrap();
    // the leaky alternative: filters fitted on every window, test windows included
    let leaky = out_of_fold(
        set.features.matrix.view(),
        &set.y,
        2,
        &folds,
        5,
        learner,
        false,
        &name,
        None,
        None,
    )
    .unwrap();
    let ba = |p: &Array2<f64>| {
        let pred: Vec<usize> = p
            .rows()
            .into_iter()
            .map(|r| usize::from(r[1] > r[0]))
            .collect();
        balanced_accuracy(&set.y, &pred, 2)
    };
    let (h, l) = (ba(&honest.proba), ba(&leaky.proba));
    eprintln!("noise: xdawn refitted per fold {h:.3}, fitted on all windows {l:.3}");
    assert!(
        h < 0.65,
        "per-fold xDAWN on noise must stay near chance: {h}"
    );
    assert!(
        l > h + 0.1,
        "the leak this guards against is real: {l} vs {h}"
    );
    // train's own cross-validation refits per fold too
    let cv = spec.cross_validate(&set, 5).unwrap();
    assert!(cv.balanced_accuracy < 0.65, "{}", cv.balanced_accuracy);

    // a fold's matrix: the xDAWN block from filters fitted on its training rows only
    let train: Vec<usize> = (0..set.y.len()).filter(|&i| folds[i] != 0).collect();
    let m = set.refit_features(&train, &set.y).unwrap().unwrap();
    let FeatureSpec::Xdawn(x) = &spec.features[0] else {
        unreachable!()
    };
    let only = x
        .fit(
            set.epochs.as_ref().unwrap().view(),
            &train,
            &set.y,
            &set.classes,
        )
        .unwrap();
    let mut e = FeatureSpec::Xdawn(only)
        .build_for(set.sample_rate_hz, set.window_len, &set.channels)
        .unwrap();
    let mut row = vec![0.0; m.ncols()];
    let identity: Vec<usize> = (0..set.channels.len()).collect();
    e.transform(
        set.epochs.as_ref().unwrap().index_axis(ndarray::Axis(0), 3),
        &identity,
        &mut row,
    );
    assert_eq!(row, m.row(3).to_vec());
    assert_ne!(m.row(3), set.features.matrix.row(3));
}

#[test]
fn fitted_filters_are_stored_and_used_by_classify() {
    let inputs = [noise(3, 24, 60), noise(4, 24, 60)];
    let spec = spec();
    let set = spec.training_set(&inputs).unwrap();
    let model = spec.fit(&set, vec![], None).unwrap();
    let FeatureSpec::Xdawn(x) = &model.features[0] else {
        panic!("xdawn in the model")
    };
    let f = x.fitted.as_ref().unwrap();
    assert_eq!(f.classes, ["a", "b"]);
    assert_eq!(f.filters.len(), 8);
    let json = model.to_json();
    let back = eegi::pipeline::FittedPipeline::from_json("m.json".as_ref(), &json).unwrap();
    assert_eq!(back.to_json(), json);
    assert_eq!(back.features, model.features);
    // classify recomputes the training features exactly
    let p = model
        .classify(&inputs[0].recording, Some(&inputs[0].events))
        .unwrap();
    let x = model.scaler.transform(set.features.matrix.view());
    let want = model.classifier.predict_proba(x.view());
    for (i, pred) in p.iter().enumerate() {
        for (a, b) in pred.probabilities.iter().zip(want.row(i)) {
            assert!((a - b).abs() < 1e-12);
        }
    }
}

#[test]
fn xdawn_needs_epochs() {
    let mut s = spec();
    s.window = WindowSpec::Sliding {
        window_s: 1.0,
        step_s: 1.0,
    };
    let e = s.check().unwrap_err().to_string();
    assert!(e.contains("expected --epoch"), "{e}");
}
