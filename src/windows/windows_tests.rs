//! Tests of windows.rs: epochs, sliding windows, dropped-window accounting, ambiguous events.

use super::*;

fn ev(onset_s: f64, duration_s: f64, label: &str) -> Event {
    Event::new(onset_s, duration_s, label)
}

#[test]
fn sliding_windows_lie_wholly_inside_segments() {
    let spec = WindowSpec::Sliding {
        window_s: 2.0,
        step_s: 1.0,
    };
    // 10 Hz, 100 samples; segment a: 0-4.5 s → windows at 0,1,2 s; segment b: 5-6 s too short.
    let events = [ev(0.0, 4.5, "a"), ev(5.0, 1.0, "b"), ev(9.0, 0.0, "c")];
    let (w, d) = spec.labelled(0, 100, 10.0, &events, None);
    assert_eq!(
        w.iter().map(|w| w.start).collect::<Vec<_>>(),
        vec![0, 10, 20]
    );
    assert_eq!(d.segments_shorter_than_window, 1);
    assert_eq!(d.events_without_duration, 1);
}

#[test]
fn windows_off_the_recording_are_counted() {
    let spec = WindowSpec::Epoch {
        start_s: -0.5,
        end_s: 1.0,
    };
    let events = [ev(0.2, 0.0, "a"), ev(5.0, 0.0, "b"), ev(9.5, 0.0, "a")];
    let (w, d) = spec.labelled(0, 100, 10.0, &events, None);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].start, 45);
    assert_eq!(d.off_recording, 2);
    let spec = WindowSpec::Sliding {
        window_s: 2.0,
        step_s: 1.0,
    };
    let (w, d) = spec.labelled(0, 50, 10.0, &[ev(2.0, 6.0, "a")], None);
    assert_eq!(w.len(), 2); // starts 20, 30; 40, 50 and 60 run off the 50-sample recording
    assert_eq!(d.off_recording, 3);
}

#[test]
fn label_filter_keeps_only_named_labels() {
    let spec = WindowSpec::Epoch {
        start_s: 0.0,
        end_s: 1.0,
    };
    let events = [ev(0.0, 0.0, "a"), ev(2.0, 0.0, "b"), ev(4.0, 0.0, "rest")];
    let keep = vec!["a".to_string(), "b".to_string()];
    let (w, d) = spec.labelled(0, 100, 10.0, &events, Some(&keep));
    assert_eq!(w.len(), 2);
    assert_eq!(d.events_with_other_labels, 1);
}

#[test]
fn continuous_windows_cover_the_recording() {
    let spec = WindowSpec::Sliding {
        window_s: 2.0,
        step_s: 0.5,
    };
    let w = spec.continuous(0, 45, 10.0);
    assert_eq!(w.last().unwrap().start, 25);
    assert_eq!(w.len(), 6);
}

#[test]
fn check_rejects_reversed_epoch() {
    assert!(WindowSpec::Epoch {
        start_s: 1.0,
        end_s: 0.5
    }
    .check()
    .is_err());
    assert!(WindowSpec::Sliding {
        window_s: 0.0,
        step_s: 1.0
    }
    .check()
    .is_err());
}

/// Events with their line numbers 2, 3, … as an events file would give them.
fn rows(events: &[(f64, f64, &str)]) -> Vec<Event> {
    events
        .iter()
        .enumerate()
        .map(|(i, &(onset, duration, label))| Event {
            line: i as u64 + 2,
            ..ev(onset, duration, label)
        })
        .collect()
}

fn check(spec: &WindowSpec, events: &[Event], labels: Option<&[String]>) -> Result<()> {
    let (w, _) = spec.labelled(0, 1000, 10.0, events, labels);
    spec.check_labelled(Path::new("ev.csv"), events, &w, spec.length_samples(10.0))
}

const SLIDING: WindowSpec = WindowSpec::Sliding {
    window_s: 2.0,
    step_s: 1.0,
};
const EPOCH: WindowSpec = WindowSpec::Epoch {
    start_s: -0.2,
    end_s: 0.8,
};

#[test]
fn segments_of_two_labels_sharing_samples_are_refused() {
    let events = rows(&[(0.0, 12.0, "calm"), (10.0, 10.0, "busy")]);
    let e = check(&SLIDING, &events, None).unwrap_err();
    assert!(
        e.message.starts_with(
            "ev.csv:3: event 'busy' (10-20 s) overlaps ev.csv:2 'calm' (0-12 s), expected"
        ),
        "{}",
        e.message
    );
    // found whatever the order of the rows, naming the later row first
    let reversed = rows(&[(10.0, 10.0, "busy"), (0.0, 12.0, "calm")]);
    let e = check(&SLIDING, &reversed, None).unwrap_err();
    assert!(
        e.message.starts_with("ev.csv:3: event 'calm'"),
        "{}",
        e.message
    );
    // a segment nested in a long one of another label, behind a same-label segment
    let events = rows(&[(0.0, 60.0, "rest"), (5.0, 5.0, "rest"), (20.0, 4.0, "left")]);
    let e = check(&SLIDING, &events, None).unwrap_err();
    assert!(
        e.message
            .contains("'left' (20-24 s) overlaps ev.csv:2 'rest'"),
        "{}",
        e.message
    );
    // choosing the labels resolves it
    let keep = vec!["left".to_string()];
    check(&SLIDING, &events, Some(&keep)).unwrap();
}

#[test]
fn segments_that_touch_or_overlap_without_shared_windows_are_fine() {
    // back to back
    check(
        &SLIDING,
        &rows(&[(0.0, 10.0, "calm"), (10.0, 10.0, "busy")]),
        None,
    )
    .unwrap();
    // a sloppy end 0.05 s into the next segment: calm's windows end at 10 s
    check(
        &SLIDING,
        &rows(&[(0.0, 10.05, "calm"), (10.0, 10.0, "busy")]),
        None,
    )
    .unwrap();
    // a segment too short for a window gives no windows to confuse
    check(
        &SLIDING,
        &rows(&[(0.0, 20.0, "calm"), (5.0, 1.0, "blink")]),
        None,
    )
    .unwrap();
    // the same label overlapping itself is not ambiguous
    check(&SLIDING, &rows(&[(0.0, 10.0, "a"), (5.0, 10.0, "a")]), None).unwrap();
}

#[test]
fn repeated_events_are_refused() {
    let events = rows(&[
        (0.0, 10.0, "calm"),
        (10.0, 10.0, "busy"),
        (10.0, 10.0, "busy"),
    ]);
    let e = check(&SLIDING, &events, None).unwrap_err();
    assert!(
        e.message.starts_with(
            "ev.csv:4: event 'busy' (10-20 s) repeats ev.csv:3, expected each event once"
        ),
        "{}",
        e.message
    );
    let events = rows(&[(1.0, 0.0, "a"), (3.0, 0.0, "b"), (1.0, 0.0, "a")]);
    let e = check(&EPOCH, &events, None).unwrap_err();
    assert!(
        e.message
            .starts_with("ev.csv:4: event 'a' at 1 s repeats ev.csv:2, expected each event once (its window would"),
        "{}",
        e.message
    );
}

#[test]
fn epochs_of_two_labels_are_refused_only_when_they_are_the_same_epoch() {
    // 0.3 s apart: overlapping epochs, as in a fast oddball design
    check(
        &EPOCH,
        &rows(&[(1.0, 0.0, "target"), (1.3, 0.0, "standard")]),
        None,
    )
    .unwrap();
    // the same sample at 10 Hz (1.0 and 1.04 s round to sample 10)
    let events = rows(&[
        (1.0, 0.0, "target"),
        (5.0, 0.0, "x"),
        (1.04, 0.0, "standard"),
    ]);
    let e = check(&EPOCH, &events, None).unwrap_err();
    assert!(
        e.message.starts_with(
            "ev.csv:4: event 'standard' at 1.04 s labels the same epoch as ev.csv:2 'target', expected one label per epoch"
        ),
        "{}",
        e.message
    );
}

#[test]
fn edf_annotations_are_placed_by_data_record() {
    let e = Event {
        line: 7,
        ..ev(1.0, 0.0, "T1")
    };
    assert_eq!(
        event_place(Path::new("S001R04.edf"), &e),
        "S001R04.edf (data record 7)"
    );
    assert_eq!(event_place(Path::new("ev.tsv"), &e), "ev.tsv:7");
}
