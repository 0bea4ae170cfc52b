//! Property tests of the numeric guard (issue 19, item 3): whatever non-finite or huge values
//! the features, the recordings or the fit meet, eegi returns either finite class
//! probabilities that sum to 1 or an error — never NaN, never a hang. Inputs are drawn by a
//! seeded ChaCha generator (`rand_chacha`, already a dependency), so every run checks the same
//! few hundred cases and a failure names the case to replay. No time is asserted: a fit that
//! could spin is stopped by its evaluation budget (`LogisticSpec::budget`), and the test would
//! hang instead of failing if that bound did not hold.

use eegi::features::{bad_feature, Band, BandPowerSpec, FeatureSpec, PowerScale};
use eegi::io::Event;
use eegi::model::{LdaSpec, LogisticSpec, Scaler};
use eegi::pipeline::{non_finite_row, ClassifierSpec, LabelledRecording, PipelineSpec};
use eegi::windows::WindowSpec;
use eegi::Recording;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Values that break naive numerics: non-finite, huge, tiny, and the edges of f64.
const WEIRD: [f64; 12] = [
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1e300,
    -1e300,
    1e155,
    -1e155,
    f64::MAX,
    f64::MIN,
    1e-300,
    f64::MIN_POSITIVE,
    0.0,
];

/// A value: mostly an ordinary number around `scale`, sometimes one of [`WEIRD`].
fn value(rng: &mut ChaCha8Rng, weird_chance: f64, scale: f64) -> f64 {
    if rng.random_bool(weird_chance) {
        WEIRD[rng.random_range(0..WEIRD.len())]
    } else {
        scale * (rng.random::<f64>() * 2.0 - 1.0)
    }
}

/// Asserts that every row of probabilities is either flagged by `non_finite_row` (an error
/// for the user) or holds finite probabilities in [0, 1] summing to 1.
fn assert_usable(p: &Array2<f64>, case: &str) {
    for (i, row) in p.rows().into_iter().enumerate() {
        let flagged = non_finite_row(p.slice(ndarray::s![i..i + 1, ..])).is_some();
        if flagged {
            assert!(
                row.iter().any(|v| !v.is_finite()),
                "{case}: row {i} flagged but finite: {row}"
            );
            continue;
        }
        assert!(
            row.iter().all(|v| (0.0..=1.0).contains(v)),
            "{case}: row {i}: {row}"
        );
        let sum: f64 = row.sum();
        assert!((sum - 1.0).abs() < 1e-9, "{case}: row {i} sums to {sum}");
    }
}

/// Random feature matrices with random non-finite or huge entries, through the pipeline's path:
/// the feature guard, then scaler, fit and prediction (logistic regression and LDA); and the
/// logistic fit alone on the raw matrix, without the feature guard in front of it.
#[test]
fn random_feature_matrices_give_usable_probabilities_or_an_error() {
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let (mut refused, mut fitted, mut fit_errors) = (0, 0, 0);
    for case in 0..400 {
        let n = rng.random_range(6..40);
        let d = rng.random_range(1..6);
        let k = rng.random_range(2..4);
        let weird = [0.0, 0.02, 0.2][case % 3];
        let scale = [1.0, 1e3, 1e140][rng.random_range(0..3)];
        let x = Array2::from_shape_fn((n, d), |_| value(&mut rng, weird, scale));
        // every class has at least two rows
        let y: Vec<usize> = (0..n).map(|i| i % k).collect();
        let test = Array2::from_shape_fn((5, d), |_| value(&mut rng, 0.3, scale));
        let name = format!("case {case} ({n}×{d}, {k} classes)");

        // the feature guard refuses exactly the rows with a non-finite or huge value
        let bad_rows = x
            .rows()
            .into_iter()
            .filter(|r| bad_feature(r.as_slice().unwrap()).is_some())
            .count();
        let expected = x
            .rows()
            .into_iter()
            .filter(|r| r.iter().any(|v| v.is_nan() || v.abs() > 1e150))
            .count();
        assert_eq!(bad_rows, expected, "{name}");

        // the logistic fit alone, on whatever it is given: an error or a usable model
        match LogisticSpec::default().fit(x.view(), &y, k) {
            Ok(m) => {
                assert!(
                    m.coefficients.iter().flatten().all(|v| v.is_finite()),
                    "{name}"
                );
                assert_usable(&m.predict_proba(x.view()), &name);
                assert_usable(&m.predict_proba(test.view()), &name);
            }
            Err(e) => assert!(!e.message.is_empty(), "{name}"),
        }

        if bad_rows > 0 {
            refused += 1;
            continue;
        }
        // what train does with a matrix the guard lets through
        let scaler = Scaler::fit(x.view());
        let xs = scaler.transform(x.view());
        for spec in [
            ClassifierSpec::Logistic(LogisticSpec::default()),
            ClassifierSpec::Lda(LdaSpec::default()),
            ClassifierSpec::Svm(eegi::model::SvmSpec::default()),
            ClassifierSpec::Svm(eegi::model::SvmSpec {
                kernel: eegi::model::SvmKernel::Linear,
                ..Default::default()
            }),
        ] {
            match spec.fit(xs.view(), &y, k) {
                Ok(model) => {
                    fitted += 1;
                    assert_usable(&model.predict_proba(xs.view()), &name);
                    // new windows far outside the training range
                    let t = scaler.transform(test.view());
                    assert_usable(&model.predict_proba(t.view()), &name);
                }
                Err(_) => fit_errors += 1,
            }
        }
    }
    // the cases reach every branch
    assert!(
        refused > 50 && fitted > 100,
        "{refused} refused, {fitted} fitted, {fit_errors} fit errors"
    );
}

/// A recording of 2 channels at 10 Hz, 20 s, with `spikes` samples replaced by huge or
/// non-finite values (as a corrupted file or an overflowing pre-processing step gives them).
fn recording(rng: &mut ChaCha8Rng, spikes: usize, name: &str) -> Recording {
    let mut samples = Array2::from_shape_fn((200, 2), |(i, c)| {
        let amp = if i < 100 { 10.0 } else { 50.0 };
        amp * ((i as f64) * [1.3, 0.7][c]).sin() + rng.random::<f64>()
    });
    for _ in 0..spikes {
        let (i, c) = (rng.random_range(0..200), rng.random_range(0..2));
        samples[[i, c]] = [
            1e140,
            -1e155,
            1e200,
            f64::MAX,
            1e300,
            f64::INFINITY,
            f64::NAN,
        ][rng.random_range(0..7)];
    }
    Recording {
        samples,
        sample_rate_hz: 10.0,
        channel_names: vec!["Cz".into(), "Pz".into()],
        source: name.into(),
    }
}

/// Random recordings with huge or non-finite samples, through `train` and `classify` as the
/// CLI runs them: each step is an error or gives finite probabilities summing to 1.
#[test]
fn recordings_with_huge_samples_train_and_classify_or_fail_cleanly() {
    let mut rng = ChaCha8Rng::seed_from_u64(1919);
    let events = vec![
        Event {
            onset_s: 0.0,
            duration_s: 10.0,
            label: "calm".into(),
            line: 2,
        },
        Event {
            onset_s: 10.0,
            duration_s: 10.0,
            label: "busy".into(),
            line: 3,
        },
    ];
    let (mut refused, mut classified) = (0, 0);
    for case in 0..120 {
        let power = [
            PowerScale::Log10,
            PowerScale::Absolute,
            PowerScale::Relative,
        ][case % 3];
        let spec = PipelineSpec {
            window: WindowSpec::Sliding {
                window_s: 2.0,
                step_s: 1.0,
            },
            preprocessing: Default::default(),
            features: vec![FeatureSpec::BandPower(BandPowerSpec {
                welch_segment_s: 1.0,
                welch_overlap: 0.5,
                bands: vec![
                    Band {
                        name: "slow".into(),
                        low_hz: 1.0,
                        high_hz: 2.0,
                    },
                    Band {
                        name: "fast".into(),
                        low_hz: 2.0,
                        high_hz: 4.0,
                    },
                ],
                power,
            })],
            labels: None,
            classifier: if case % 2 == 0 {
                ClassifierSpec::Logistic(LogisticSpec::default())
            } else {
                ClassifierSpec::Lda(LdaSpec::default())
            },
        };
        let name = format!("case {case} ({power:?})");
        let train = recording(&mut rng, [0, 1, 3][case % 3], "train.csv");
        let input = LabelledRecording {
            recording: train,
            events: events.clone(),
            events_path: "train_events.csv".into(),
        };
        let model = match spec
            .training_set(std::slice::from_ref(&input))
            .and_then(|set| spec.fit(&set, vec![], None))
        {
            Ok(m) => m,
            Err(e) => {
                assert!(
                    e.message.starts_with("train.csv: window") || e.message.contains("expected"),
                    "{name}: {e}"
                );
                refused += 1;
                continue;
            }
        };
        let spikes = rng.random_range(0..3);
        let new = recording(&mut rng, spikes, "new.csv");
        match model.classify(&new, None) {
            Ok(predictions) => {
                classified += 1;
                for p in predictions {
                    assert!(
                        p.probabilities.iter().all(|v| v.is_finite()),
                        "{name}: {p:?}"
                    );
                    let sum: f64 = p.probabilities.iter().sum();
                    assert!((sum - 1.0).abs() < 1e-9, "{name}: {p:?}");
                }
            }
            Err(e) => assert!(e.message.starts_with("new.csv: window"), "{name}: {e}"),
        }
    }
    assert!(
        refused > 20 && classified > 20,
        "{refused} refused, {classified} classified"
    );
}
