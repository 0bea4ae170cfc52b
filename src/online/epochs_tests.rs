//! Tests of the event-locked online decoder: decisions equal offline, the event map, late,
//! out-of-order and unfinished events.

use super::*;
use crate::features::{ErpSpec, FeatureSpec};
use crate::model::LdaSpec;
use crate::pipeline::{ClassifierSpec, LabelledRecording, PipelineSpec};
use crate::preprocess::{BandPass, FilterMode, Preprocessing};
use crate::simulate::SimulateSpec;

/// A simulated session, its events and a causal ErrP model trained on it.
fn session() -> (crate::Recording, Vec<Event>, FittedPipeline) {
    let sim = SimulateSpec {
        trials: 30,
        ..SimulateSpec::default()
    }
    .recording(0);
    let events: Vec<Event> = sim
        .events
        .iter()
        .map(|&(onset_s, label)| Event {
            onset_s,
            duration_s: 0.0,
            label: label.to_string(),
            line: 0,
        })
        .collect();
    let rec = crate::Recording {
        samples: sim.samples.clone(),
        sample_rate_hz: SimulateSpec::default().sample_rate_hz,
        channel_names: SimulateSpec::default().channel_names(),
        source: PathBuf::from("sim.csv"),
    };
    let spec = PipelineSpec {
        window: WindowSpec::Epoch {
            start_s: 0.0,
            end_s: 0.8,
        },
        preprocessing: Preprocessing {
            car: true,
            bandpass: Some(BandPass {
                low_hz: 1.0,
                high_hz: 10.0,
                order: 4,
            }),
            filter_mode: FilterMode::Causal,
            ..Default::default()
        },
        features: vec![FeatureSpec::Erp(ErpSpec {
            rate_hz: 20.0,
            channels: None,
        })],
        labels: None,
        classifier: ClassifierSpec::Lda(LdaSpec::default()),
    };
    let input = LabelledRecording {
        recording: rec.clone(),
        events: events.clone(),
        events_path: PathBuf::from("sim_events.csv"),
    };
    let model = spec
        .fit(&spec.training_set(&[input]).unwrap(), Vec::new(), None)
        .unwrap();
    (rec, events, model)
}

#[test]
fn decisions_equal_offline_for_any_block_size_in_bounded_memory() {
    let (rec, events, model) = session();
    let offline = model.classify(&rec, Some(&events)).unwrap();
    let n_ch = rec.n_channels();
    for block in [1usize, 37, 1000] {
        let mut d = EpochDecoder::new(&model, Path::new("sim.csv")).unwrap();
        for ev in &events {
            assert!(d.push_event(ev).is_none());
        }
        let mut online = Vec::new();
        for chunk in rec.samples.as_slice().unwrap().chunks(block * n_ch) {
            online.extend(d.push(chunk, Instant::now()).unwrap());
            assert!(d.buffered() <= 2 * (model.window_samples + block) + 2);
        }
        let online: Vec<Prediction> = online.into_iter().map(|d| d.prediction).collect();
        assert_eq!(online, offline, "blocks of {block} rows");
        assert!(d.finish().is_empty());
        // an event whose epoch began before the samples still held: a warning, no decision
        let late = Event {
            onset_s: 1.0,
            duration_s: 0.0,
            label: "ok".into(),
            line: 7,
        };
        let warning = d.push_event(&late).expect("a warning");
        assert!(warning.contains("line 7"), "{warning}");
        assert!(warning.contains("event at 1 s"), "{warning}");
        assert!(warning.contains("too late"), "{warning}");
        assert_eq!(d.pending(), 0);
        assert_eq!(d.counts().decided, events.len());
        assert_eq!(d.counts().too_late, 1);
    }
}

#[test]
fn codes_are_mapped_late_and_unfinished_events_counted_never_decided_wrongly() {
    let (rec, events, mut model) = session();
    let offline = model.classify(&rec, Some(&events)).unwrap();
    model.event_map = Some(EventMap::parse("1=ok,2=robot_error").unwrap());
    let code = |label: &str| if label == "ok" { "1" } else { "2" };
    let fs = model.sample_rate_hz;
    let mut d = EpochDecoder::new(&model, Path::new("sim.csv")).unwrap();
    // the markers as codes, a rest marker (3) after each, the last two pushed in reverse
    // order and only once the samples of their epochs have arrived
    let n = events.len();
    for ev in &events[..n - 2] {
        let mut coded = ev.clone();
        coded.label = code(&ev.label).into();
        assert!(d.push_event(&coded).is_none());
        coded.label = "3".into();
        coded.onset_s += 1.0;
        assert!(d.push_event(&coded).is_none());
    }
    let mut online = Vec::new();
    let samples = rec.samples.as_slice().unwrap();
    online.extend(d.push(samples, Instant::now()).unwrap());
    for ev in events[n - 2..].iter().rev() {
        let mut coded = ev.clone();
        coded.label = code(&ev.label).into();
        // only the history is held: an epoch that began before it is warned about
        if let Some(w) = d.push_event(&coded) {
            assert!(w.contains("too late"), "{w}");
        }
    }
    online.extend(d.decide_ready(Instant::now()).unwrap());
    // every decision is the offline one of its event, under the mapped label
    for dec in &online {
        let i = events
            .iter()
            .position(|e| e.onset_s == dec.onset_s)
            .unwrap();
        assert_eq!(dec.prediction, offline[i]);
        assert_eq!(dec.event_label, events[i].label);
    }
    let c = d.counts().clone();
    assert_eq!(c.ignored.get("3"), Some(&(n - 2)));
    assert_eq!(c.decided + c.too_late, n);
    // an event whose epoch runs past the end of the stream: reported, not decided
    let end = Event {
        onset_s: rec.n_samples() as f64 / fs - 0.1,
        duration_s: 0.0,
        label: "2".into(),
        line: 0,
    };
    assert!(d.push_event(&end).is_none());
    let warnings = d.finish();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("not decided"), "{}", warnings[0]);
    assert!(warnings[0].contains("code 2"), "{}", warnings[0]);
    assert_eq!(d.counts().unfinished, 1);
    let summary = d.counts().describe();
    assert!(summary.contains("1 not decided"), "{summary}");
    assert!(summary.contains("code 3"), "{summary}");
    // with history enough, the out-of-order pair is decided, and counted as such
    let mut d = EpochDecoder::new(&model, Path::new("sim.csv")).unwrap();
    d.set_history(rec.n_samples());
    for ev in &events[..n - 2] {
        let mut coded = ev.clone();
        coded.label = code(&ev.label).into();
        d.push_event(&coded);
    }
    let mut online: Vec<Decision> = d.push(samples, Instant::now()).unwrap();
    for ev in events[n - 2..].iter().rev() {
        let mut coded = ev.clone();
        coded.label = code(&ev.label).into();
        assert!(d.push_event(&coded).is_none());
        online.extend(d.decide_ready(Instant::now()).unwrap());
    }
    assert_eq!(online.len(), n);
    assert_eq!(d.counts().out_of_order, 1);
    online.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
    let online: Vec<Prediction> = online.into_iter().map(|d| d.prediction).collect();
    assert_eq!(online, offline);
}

#[test]
fn a_rehearsal_before_each_last_sample_changes_no_decision() {
    let (rec, events, model) = session();
    let offline = model.classify(&rec, Some(&events)).unwrap();
    let mut d = EpochDecoder::new(&model, Path::new("sim.csv")).unwrap();
    for ev in &events {
        assert!(d.push_event(ev).is_none());
    }
    let (mut online, mut rehearsed) = (Vec::new(), 0);
    for row in rec.samples.as_slice().unwrap().chunks(rec.n_channels()) {
        if d.samples_to_next_decision() == Some(1) {
            rehearsed += usize::from(d.rehearse().is_some());
        } else {
            assert!(d.rehearse().is_none());
        }
        online.extend(d.push(row, Instant::now()).unwrap());
    }
    let online: Vec<Prediction> = online.into_iter().map(|d| d.prediction).collect();
    assert_eq!(online, offline);
    assert_eq!(rehearsed, events.len());
}
