//! Benchmark: classify one epoch of 64 channels × 0.8 s at 512 Hz through
//! `FittedPipeline::classify`, as `eegi classify` does per epoch, with the pre-processing an
//! online decoder runs — common-average reference, causal 1-10 Hz band-pass, baseline
//! correction — and each decoder: ERP bin means at 20 Hz + shrinkage LDA; the tangent-space
//! pipeline (Ledoit-Wolf covariance, log map at the training covariances' Riemannian mean, 2080
//! tangent coordinates, logistic regression); MDM on the same covariances; xDAWN covariances
//! (pyriemann `XdawnCovariances`: 4 filters per class, 16 × 16 super-trial covariance) in the
//! tangent space + logistic regression, the ErrP decoder.
//!
//! Run: `cargo bench --bench classify_epoch`. Prints the median and the 10th/90th percentiles
//! of single-epoch latency over many repetitions (std::time, no timed assertion).

mod common;

use eegi::features::{CovEstimator, CovSpec, ErpSpec, FeatureSpec, TangentMetric, XdawnCovSpec};
use eegi::io::Event;
use eegi::model::{LdaSpec, LogisticSpec, MdmSpec};
use eegi::pipeline::{ClassifierSpec, LabelledRecording, PipelineSpec};
use eegi::preprocess::{BandPass, Baseline, FilterMode, Preprocessing};
use eegi::windows::WindowSpec;
use eegi::Recording;
use ndarray::s;
use std::path::PathBuf;
use std::time::Instant;

const FS: f64 = 512.0;
const N_CH: usize = 64;

fn main() {
    let (recording, events) = common::errp_64ch(60, 0.5, FS);
    let erp = vec![FeatureSpec::Erp(ErpSpec {
        rate_hz: 20.0,
        channels: None,
    })];
    let cov = vec![FeatureSpec::Cov(CovSpec {
        estimator: CovEstimator::Lwf,
        metric: TangentMetric::Riemann,
        reference: None,
    })];
    let runs = [
        ("ERP + LDA", erp, ClassifierSpec::Lda(LdaSpec::default())),
        (
            "cov (Ledoit-Wolf) + tangent space + logistic",
            cov.clone(),
            ClassifierSpec::Logistic(LogisticSpec::default()),
        ),
        (
            "cov (Ledoit-Wolf) + MDM",
            cov,
            ClassifierSpec::Mdm(MdmSpec::default()),
        ),
        (
            "xdawncov (4 filters per class, Ledoit-Wolf) + tangent space + logistic",
            vec![FeatureSpec::XdawnCov(XdawnCovSpec {
                n_filters: 4,
                estimator: CovEstimator::Lwf,
                metric: TangentMetric::Riemann,
                fitted: None,
            })],
            ClassifierSpec::Logistic(LogisticSpec::default()),
        ),
    ];
    for (name, features, classifier) in runs {
        one(&recording, &events, name, features, classifier);
    }
}

/// Trains the pipeline on the simulated session and times `classify` of one epoch.
fn one(
    recording: &Recording,
    events: &[Event],
    name: &str,
    features: Vec<FeatureSpec>,
    classifier: ClassifierSpec,
) {
    let spec = PipelineSpec {
        window: WindowSpec::Epoch {
            start_s: -0.2,
            end_s: 0.6,
        },
        preprocessing: Preprocessing {
            resample_hz: None,
            car: true,
            bandpass: Some(BandPass {
                low_hz: 1.0,
                high_hz: 10.0,
                order: 4,
            }),
            notch: None,
            filter_mode: FilterMode::Causal,
            baseline: Some(Baseline {
                start_s: -0.2,
                end_s: 0.0,
            }),
            reject_uv: None,
        },
        features,
        labels: None,
        classifier,
    };
    let input = LabelledRecording {
        recording: recording.clone(),
        events: events.to_vec(),
        events_path: PathBuf::from("simulated_events.csv"),
    };
    let set = spec.training_set(&[input]).expect("training set");
    let model = spec.fit(&set, Vec::new(), None).expect("fit");

    // one epoch: the 0.8 s buffer an online decoder holds after an event
    let len = model.window_samples;
    let start = (events[10].onset_s * FS) as usize - (0.2 * FS) as usize;
    let epoch = Recording {
        samples: recording
            .samples
            .slice(s![start..start + len, ..])
            .to_owned(),
        sample_rate_hz: FS,
        channel_names: recording.channel_names.clone(),
        source: PathBuf::from("epoch"),
    };
    let event = [Event {
        onset_s: 0.2,
        duration_s: 0.0,
        label: String::new(),
        line: 0,
    }];
    let mut times = Vec::new();
    for _ in 0..1000 {
        let t = Instant::now();
        let p = model.classify(&epoch, Some(&event)).expect("classify");
        std::hint::black_box(p);
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    let q = |f: f64| times[((times.len() - 1) as f64 * f) as usize];
    println!(
        "classify one epoch ({N_CH} ch × 0.8 s × {FS} Hz, CAR + causal band-pass + baseline, {name}, {} features): median {:.1} µs (p10 {:.1}, p90 {:.1}, p99 {:.1}) over {} runs",
        model.feature_names.len(),
        q(0.5),
        q(0.1),
        q(0.9),
        q(0.99),
        times.len()
    );
    parts(&model, &epoch);
}

fn parts(model: &eegi::pipeline::FittedPipeline, epoch: &Recording) {
    let cols: Vec<usize> = (0..N_CH).collect();
    let mut times = Vec::new();
    for _ in 0..2000 {
        let t = Instant::now();
        let r = model.preprocessing.apply(epoch, cols.clone()).unwrap();
        std::hint::black_box(r);
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "  of which pre-processing (CAR + filter): median {:.1} µs",
        times[times.len() / 2]
    );
}
