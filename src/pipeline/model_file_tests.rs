//! Tests of the model file's validation: every absurd value refused, naming its field.

use super::*;
use crate::features::{ErpSpec, XdawnFilters, XdawnSpec};
use crate::model::{LdaModel, LdaSpec, SvmKernel, SvmModel, SvmSpec};

/// The shipped default model with `edit` applied, re-signed and loaded again: the error
/// (or `None` when it loads).
fn load_edited(edit: impl FnOnce(&mut FittedPipeline)) -> Option<Error> {
    let path = Path::new("m.json");
    let mut m = FittedPipeline::from_json(path, crate::cli::DEFAULT_MODEL).unwrap();
    edit(&mut m);
    // a value JSON cannot hold (NaN, infinity) is written as null and refused by the
    // parser; the checks behind it refuse it too (a model built in memory)
    let checked = m.check(path).err();
    let loaded = FittedPipeline::from_json(path, &m.to_json()).err();
    match &loaded {
        Some(e) if e.message.contains("invalid type: null, expected f64") => checked,
        _ => {
            assert_eq!(loaded, checked);
            loaded
        }
    }
}

fn refused(edit: impl FnOnce(&mut FittedPipeline), message: &str) {
    let e = load_edited(edit).expect("refused");
    assert_eq!(e.kind, crate::ErrorKind::Input);
    assert_eq!(e.message, format!("m.json: {message}"));
}

#[test]
fn the_shipped_model_is_valid() {
    assert!(load_edited(|_| {}).is_none());
}

#[test]
fn validation_names_the_field_of_each_absurd_value() {
    refused(
        |m| m.scaler.mean[5] = f64::NAN,
        "scaler.mean[5]: NaN, expected a finite number",
    );
    refused(
        |m| m.scaler.scale[7] = f64::INFINITY,
        "scaler.scale[7]: inf, expected a positive number",
    );
    refused(
        |m| m.feature_names[3] = m.feature_names[0].clone(),
        "feature_names[3]: 'FC5_delta' again (as feature_names[0]), expected distinct feature names",
    );
    refused(
        |m| m.channels[2] = String::new(),
        "channels[2]: an empty name, expected a channel name",
    );
    refused(
        |m| {
            if let Classifier::LogisticRegression { model, .. } = &mut m.classifier {
                model.intercepts[0] = f64::NEG_INFINITY;
            }
        },
        "classifier.model.intercepts[0]: -inf, expected a finite number",
    );
    refused(
        |m| {
            if let Classifier::LogisticRegression { settings, .. } = &mut m.classifier {
                settings.alpha = 0.0;
            }
        },
        "classifier.settings.alpha: 0, expected a positive L2 penalty",
    );
    refused(
        |m| {
            if let FeatureSpec::BandPower(b) = &mut m.features[0] {
                b.bands[0].low_hz = -1.0;
            }
        },
        "features[0].bands[0].low_hz: -1, expected a frequency of at least 0 Hz",
    );
    refused(
        |m| {
            if let FeatureSpec::BandPower(b) = &mut m.features[0] {
                b.bands[2].name = "delta".into();
            }
        },
        "features[0].bands[2]: 'delta' again (as features[0].bands[0]), expected distinct band names",
    );
    refused(
        |m| {
            m.features.push(FeatureSpec::Erp(ErpSpec {
                rate_hz: 20.0,
                channels: Some(vec!["Cz".into(), "Xx".into()]),
            }))
        },
        "features[1].channels[1]: 'Xx', expected one of the model's channels",
    );
    refused(
        |m| {
            m.features.push(FeatureSpec::Xdawn(XdawnSpec {
                n_filters: 1,
                rate_hz: 10.0,
                fitted: Some(XdawnFilters {
                    classes: vec!["eyes_open".into(), "eyes_shut".into()],
                    per_class: 1,
                    filters: vec![vec![1.0; 64]; 2],
                    eigenvalues: vec![0.5, 0.25],
                }),
            }))
        },
        "features[1].fitted.classes[1]: 'eyes_shut', expected one of the model's classes",
    );
    refused(
        |m| {
            m.features.push(FeatureSpec::Xdawn(XdawnSpec {
                n_filters: 1,
                rate_hz: 10.0,
                fitted: Some(XdawnFilters {
                    classes: vec!["eyes_open".into()],
                    per_class: usize::MAX,
                    filters: vec![vec![1.0; 64]],
                    eigenvalues: vec![0.5],
                }),
            }))
        },
        "features[1].fitted.per_class: 18446744073709551615, expected 1 (n_filters, at most the number of channels)",
    );
    refused(
        |m| {
            let (coefficients, intercepts) = m.classifier.weights().expect("a linear model");
            m.classifier = Classifier::Lda {
                settings: LdaSpec::default(),
                model: LdaModel {
                    linear: crate::model::LinearModel {
                        n_classes: 2,
                        coefficients: coefficients.to_vec(),
                        intercepts: intercepts.to_vec(),
                    },
                    shrinkage: vec![0.5, 1.5],
                },
            };
        },
        "classifier.model.shrinkage[1]: 1.5, expected a coefficient from 0 to 1",
    );
    refused(
        |m| {
            m.decision = Some(Decision {
                positive_class: "eyes_open".into(),
                threshold: 0.3,
                method: "guess".into(),
                error_cost: 1.0,
                folds: None,
                oof_balanced_accuracy: None,
                oof_balanced_accuracy_at_half: None,
            })
        },
        "decision.method: 'guess', expected fixed or auto",
    );
}

#[test]
fn unknown_fields_are_refused_at_every_level() {
    let text = crate::cli::DEFAULT_MODEL;
    for (anchor, field) in [
        ("{\n", "top"),
        ("\"scaler\": {\n", "in_scaler"),
        ("\"settings\": {\n", "in_settings"),
        ("\"bands\": [\n", "in_band"),
    ] {
        let insert = if field == "in_band" {
            format!("{anchor}{{\"{field}\": 1, ")
        } else {
            format!("{anchor}\"{field}\": 1,\n")
        };
        let edited = if field == "in_band" {
            // the first band object: `{` right after `"bands": [`
            let at = text.find(anchor).unwrap() + anchor.len();
            let brace = at + text[at..].find('{').unwrap();
            format!("{}{{\"{field}\": 1, {}", &text[..brace], &text[brace + 1..])
        } else {
            text.replacen(anchor, &insert, 1)
        };
        let e = FittedPipeline::from_json(Path::new("m.json"), &edited).unwrap_err();
        assert!(
            e.message.contains(&format!("unknown field '{field}'")),
            "{field}: {e}"
        );
    }
}

#[test]
fn the_event_map_is_stored_checked_and_refused_in_older_formats() {
    let map = crate::io::EventMap::parse("1=ok,2=robot_error").unwrap();
    assert!(load_edited(|m| m.event_map = Some(map.clone())).is_none());
    let mut m = FittedPipeline::from_json(Path::new("m.json"), crate::cli::DEFAULT_MODEL).unwrap();
    assert_eq!(m.event_map, None);
    m.event_map = Some(map.clone());
    let text = m.to_json();
    assert!(text.contains("\"event_map\": {\n    \"1\": \"ok\",\n    \"2\": \"robot_error\"\n  }"));
    let back = FittedPipeline::from_json(Path::new("m.json"), &text).unwrap();
    assert_eq!((back.event_map, back.format_version), (Some(map), 5));
    let bad: crate::io::EventMap = serde_json::from_str(r#"{"1.0": "ok"}"#).unwrap();
    refused(
        |m| m.event_map = Some(bad),
        r#"event_map["1.0"]: code '1.0', expected a code as eegi writes it ('1')"#,
    );
    // a format-4 file cannot hold one (its checksum verifies: the field was written with it)
    m.format_version = 4;
    let e = FittedPipeline::from_json(Path::new("m.json"), &m.to_json()).unwrap_err();
    assert_eq!(
        e.message,
        "m.json: format_version 4 model with an event_map field, expected none before format 5"
    );
}

#[test]
fn resample_hz_is_stored_in_format_6_checked_and_refused_in_older_formats() {
    let mut m = FittedPipeline::from_json(Path::new("m.json"), crate::cli::DEFAULT_MODEL).unwrap();
    assert_eq!((m.format_version, m.preprocessing.resample_hz), (5, None));
    // without it the shipped model is written as it was (format 5)
    assert_eq!(m.to_json(), crate::cli::DEFAULT_MODEL);
    m.preprocessing.resample_hz = Some(160.0);
    m.format_version = format_for(&m.preprocessing);
    let text = m.to_json();
    assert!(text.contains("\"format_version\": 6,"));
    assert!(text.contains("\"preprocessing\": {\n    \"resample_hz\": 160.0"));
    let back = FittedPipeline::from_json(Path::new("m.json"), &text).unwrap();
    assert_eq!(
        (back.format_version, back.preprocessing.resample_hz),
        (6, Some(160.0))
    );
    assert!(back.resamples());
    // a rate other than the model's is inconsistent
    let mut other = back.clone();
    other.preprocessing.resample_hz = Some(128.0);
    let e = FittedPipeline::from_json(Path::new("m.json"), &other.to_json()).unwrap_err();
    assert_eq!(
        e.message,
        "m.json: inconsistent model: preprocessing.resample_hz 128 differs from sample_rate_hz 160, expected the rate inputs are resampled to"
    );
    // a format-5 file cannot hold it (its checksum verifies: the field was written with it)
    let mut old = back;
    old.format_version = 5;
    let e = FittedPipeline::from_json(Path::new("m.json"), &old.to_json()).unwrap_err();
    assert_eq!(
        e.message,
        "m.json: format_version 5 model with a preprocessing.resample_hz field, expected none before format 6"
    );
}

/// The shipped model's classifier replaced by a linear SVM with `edit` applied.
fn svm_edited(m: &mut FittedPipeline, edit: impl FnOnce(&mut SvmSpec, &mut SvmModel)) {
    let n = m.feature_names.len();
    let mut settings = SvmSpec::default();
    let mut model = SvmModel {
        kernel: SvmKernel::Linear,
        gamma: 0.0,
        weights: vec![0.1; n],
        support_vectors: Vec::new(),
        dual_coef: Vec::new(),
        intercept: -0.2,
        platt_slope: 1.5,
        class_weights: vec![1.0, 1.0],
        converged: true,
    };
    edit(&mut settings, &mut model);
    m.classifier = Classifier::Svm { settings, model };
}

#[test]
fn svm_values_are_checked() {
    assert!(load_edited(|m| svm_edited(m, |_, _| {})).is_none());
    refused(
        |m| svm_edited(m, |_, f| f.platt_slope = -1.0),
        "classifier.model.platt_slope: -1, expected a positive slope",
    );
    refused(
        |m| svm_edited(m, |s, _| s.c = 0.0),
        "classifier.settings.c: 0, expected a positive penalty up to 1e10",
    );
    refused(
        |m| svm_edited(m, |_, f| f.gamma = 0.5),
        "classifier.model.gamma: 0.5, expected a positive kernel width (0 for the linear kernel)",
    );
    let e = load_edited(|m| {
        svm_edited(m, |_, f| {
            f.weights.pop();
        })
    })
    .expect("refused");
    assert!(e.message.contains("SVM weights"), "{}", e.message);
}

#[test]
fn the_reading_is_stored_in_format_8_checked_and_refused_in_older_formats() {
    use crate::pipeline::Reading;
    let path = Path::new("m.json");
    let reading = Reading {
        board: Some("cyton".into()),
        segments_from_markers: true,
    };
    let mut m = FittedPipeline::from_json(path, crate::cli::DEFAULT_MODEL).unwrap();
    assert_eq!((m.reading.clone(), m.format_version), (None, 5));
    m.reading = Some(reading.clone());
    m.format_version = m.format_needed();
    let text = m.to_json();
    assert!(text.contains(
        "\"reading\": {\n    \"board\": \"cyton\",\n    \"segments_from_markers\": true\n  }"
    ));
    let back = FittedPipeline::from_json(path, &text).unwrap();
    assert_eq!(
        (back.reading, back.format_version),
        (Some(reading.clone()), 8)
    );
    // an unknown board is refused by its field
    m.reading = Some(Reading {
        board: Some("nope".into()),
        segments_from_markers: false,
    });
    let e = FittedPipeline::from_json(path, &m.to_json()).unwrap_err();
    assert!(
        e.message
            .starts_with("m.json: reading.board: 'nope', expected a BrainFlow board: cyton"),
        "{}",
        e.message
    );
    // a format-7 file cannot hold one (its checksum verifies: the field was written with it)
    m.reading = Some(reading);
    m.format_version = 7;
    let e = FittedPipeline::from_json(path, &m.to_json()).unwrap_err();
    assert_eq!(
        e.message,
        "m.json: format_version 7 model with a reading field, expected none before format 8"
    );
}
