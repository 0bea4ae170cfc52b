//! `eegi classify`'s true labels: the known label of each classified window (the segment a
//! sliding window lies wholly inside, or the event an epoch was cut for), and the accuracy of
//! the windows whose true label is one of the model's classes, summed up on stderr.

use super::evaluate_checks::EarlyTrainingCheck;
use crate::io::Event;
use crate::pipeline::{FittedPipeline, Prediction};
use crate::{Error, Result};
use std::path::Path;

/// The training-data check of a recording whose true labels a sidecar or `--events` file
/// gives, started now on a thread of its own (none without such a file: it may not be needed).
pub(super) fn early_check(
    input: &super::config::InputArgs,
    model: &FittedPipeline,
    recording: &Path,
) -> Option<EarlyTrainingCheck> {
    let sidecar = input.events_path(recording, 1).ok().flatten().is_some();
    (sidecar && !model.training.inputs.is_empty())
        .then(|| EarlyTrainingCheck::start(model, recording))
}

/// The true label of each sliding window of `predictions` (in start order, times in s at the
/// model's rate `fs` Hz): the label of the labelled segment (an event with a positive
/// duration) that holds every sample of the window; `None` when no segment does, or when
/// segments with different labels both do. Segment bounds are rounded to samples as
/// `train` rounds them.
pub fn sliding_truth(events: &[Event], predictions: &[Prediction], fs: f64) -> Vec<Option<String>> {
    // (first sample, end sample, label), by first sample
    let mut segments: Vec<(f64, f64, &str)> = events
        .iter()
        .filter(|e| e.duration_s > 0.0)
        .map(|e| {
            (
                (e.onset_s * fs).round(),
                ((e.onset_s + e.duration_s) * fs).round(),
                e.label.as_str(),
            )
        })
        .filter(|s| s.0.is_finite() && s.1.is_finite())
        .collect();
    segments.sort_by(|a, b| a.0.total_cmp(&b.0));
    // a sweep: windows come in start order (and, all of one length, in end order), so a
    // segment that ends before a window's end holds no later window either
    let mut next = 0;
    let mut active: Vec<(f64, f64, &str)> = Vec::new();
    predictions
        .iter()
        .map(|p| {
            let (start, end) = ((p.start_s * fs).round(), (p.end_s * fs).round());
            while next < segments.len() && segments[next].0 <= start {
                active.push(segments[next]);
                next += 1;
            }
            active.retain(|s| s.1 >= end);
            let mut labels = active.iter().map(|s| s.2);
            let first = labels.next()?;
            labels.all(|l| l == first).then(|| first.to_string())
        })
        .collect()
}

/// Accuracy of the windows whose true label is one of the model's classes.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Windows with a true label that is a class of the model.
    pub scored: usize,
    /// Windows in all.
    pub windows: usize,
    /// Windows with a true label (a class of the model or not).
    pub labelled: usize,
    /// Fraction of scored windows whose predicted class is the true one (NaN when none).
    pub accuracy: f64,
    /// Mean recall over the classes that occur among the scored windows' true labels (NaN
    /// when none).
    pub balanced_accuracy: f64,
    /// Classes that occur among the true labels.
    pub classes_present: usize,
    /// Classes of the model.
    pub classes: usize,
}

/// Scores `predictions` against `truth` (one each) for a model with `classes`.
pub fn score(classes: &[String], predictions: &[Prediction], truth: &[Option<String>]) -> Score {
    let mut hits = vec![0usize; classes.len()];
    let mut totals = vec![0usize; classes.len()];
    let mut labelled = 0;
    for (p, t) in predictions.iter().zip(truth) {
        let Some(t) = t else { continue };
        labelled += 1;
        if let Some(k) = classes.iter().position(|c| c == t) {
            totals[k] += 1;
            hits[k] += usize::from(p.class == k);
        }
    }
    let scored: usize = totals.iter().sum();
    let correct: usize = hits.iter().sum();
    let recalls: Vec<f64> = hits
        .iter()
        .zip(&totals)
        .filter(|(_, n)| **n > 0)
        .map(|(h, n)| *h as f64 / *n as f64)
        .collect();
    Score {
        scored,
        windows: predictions.len(),
        labelled,
        accuracy: correct as f64 / scored as f64,
        balanced_accuracy: recalls.iter().sum::<f64>() / recalls.len() as f64,
        classes_present: recalls.len(),
        classes: classes.len(),
    }
}

/// The stderr line of a score: `recording` classified with its true labels from `from`;
/// `seen` names the model's training input with the same bytes, when the recording is one.
pub fn score_line(s: &Score, recording: &Path, from: &Path, seen: Option<&str>) -> String {
    let source = recording.display();
    let from = from.display();
    if s.labelled == 0 {
        return format!(
            "eegi: {source}: true labels from {from}: none of the {} windows lies inside a labelled segment (an event with a duration; markers become segments with --segments-from-markers): no accuracy",
            s.windows
        );
    }
    if s.scored == 0 {
        return format!(
            "eegi: {source}: true labels from {from}: {} of {} windows have a true label, none of them a class of the model: no accuracy",
            s.labelled, s.windows
        );
    }
    let held = match seen {
        Some(input) => format!(
            "; NOT a held-out evaluation: the recording is one of the model's training inputs (the same SHA-256 as {input}), so this measures how well the model fits its training data"
        ),
        None => String::new(),
    };
    format!(
        "eegi: {source}: true labels from {from}: {} of {} windows have a true label of a model class ({} of {} classes present): accuracy {:.3}, balanced accuracy {:.3}{held}",
        s.scored,
        s.windows,
        s.classes_present,
        s.classes,
        s.accuracy,
        s.balanced_accuracy
    )
}

/// Prints the score line of a classified recording on stderr, with the training-data check.
pub fn report(
    model: &FittedPipeline,
    recording: &Path,
    from: &Path,
    predictions: &[Prediction],
    truth: &[Option<String>],
) -> crate::Result<()> {
    report_with(model, recording, from, predictions, truth, None)
}

/// [`report`], with the training-data check's result from `early` when it was started while
/// classifying.
pub fn report_with(
    model: &FittedPipeline,
    recording: &Path,
    from: &Path,
    predictions: &[Prediction],
    truth: &[Option<String>],
    early: Option<EarlyTrainingCheck>,
) -> crate::Result<()> {
    let s = score(&model.classes, predictions, truth);
    let seen = match early {
        Some(check) => check.finish(model, recording)?,
        None => super::evaluate_checks::training_recordings(model, &[recording.to_path_buf()])?,
    };
    let seen = seen.first().map(|(_, as_named)| as_named.as_str());
    eprintln!("{}", score_line(&s, recording, from, seen));
    Ok(())
}

/// The true label of each sliding window: the segments of `events` (with a label among
/// `--labels`, when given) that hold it.
pub(super) fn truth_of_segments(
    labels: Option<&[String]>,
    model: &FittedPipeline,
    events: &[crate::io::Event],
    predictions: &[Prediction],
) -> Vec<Option<String>> {
    let kept: Vec<crate::io::Event> = events
        .iter()
        .filter(|e| labels.is_none_or(|l| l.contains(&e.label)))
        .cloned()
        .collect();
    super::classify_truth::sliding_truth(&kept, predictions, model.sample_rate_hz)
}

/// Checks `--labels` against the recording's events (read from `from`): a warning for each
/// label none of them has; for an event-locked model, an error when no event has one of them,
/// and without `--labels` a note naming the event labels that are not classes of the model
/// (those events are decided too).
pub(super) fn check_labels(
    labels: Option<&[String]>,
    model: &FittedPipeline,
    events: &[crate::io::Event],
    from: &Path,
) -> Result<()> {
    let mut found: Vec<&str> = events.iter().map(|e| e.label.as_str()).collect();
    found.sort_unstable();
    found.dedup();
    let Some(wanted) = labels else {
        let others: Vec<&str> = found
            .iter()
            .copied()
            .filter(|l| !model.classes.iter().any(|c| c == l))
            .collect();
        if model.window.is_event_locked() && !others.is_empty() && others.len() < found.len() {
            eprintln!(
                "eegi: note: {}: events labelled {} (not a class of the model) are decided too; --labels {} decides only those",
                from.display(),
                others.join(", "),
                model.classes.join(",")
            );
        }
        return Ok(());
    };
    for l in wanted {
        if !found.contains(&l.as_str()) {
            eprintln!(
                "eegi: warning: {}: --labels {l}: no event has this label (labels found: {})",
                from.display(),
                found.join(", ")
            );
        }
    }
    if model.window.is_event_locked() && !wanted.iter().any(|l| found.contains(&l.as_str())) {
        return Err(Error::file(
            from,
            format!(
                "none of its {} events is labelled {} (--labels), expected at least one; labels found: {}",
                events.len(),
                wanted.join(", "),
                found.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The true labels of a whole recording's windows: `epoch_truth` (each epoch's event label)
/// for an event-locked model, else those of the segments of `events` ([`truth_of_segments`]).
pub(super) fn truth_of(
    labels: Option<&[String]>,
    model: &FittedPipeline,
    events: &[Event],
    epoch_truth: Vec<Option<String>>,
    predictions: &[Prediction],
) -> Vec<Option<String>> {
    if model.window.is_event_locked() {
        epoch_truth
    } else {
        truth_of_segments(labels, model, events, predictions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(onset_s: f64, duration_s: f64, label: &str) -> Event {
        Event::new(onset_s, duration_s, label)
    }

    fn window(start_s: f64, class: usize) -> Prediction {
        Prediction {
            start_s,
            end_s: start_s + 2.0,
            class,
            probabilities: vec![0.5, 0.5],
        }
    }

    #[test]
    fn a_window_takes_the_label_of_the_one_segment_that_holds_it() {
        // a 0-4 s, b 4-10 s, and c 6-9 s overlapping b; a marker (no duration) at 1 s
        let events = [
            ev(4.0, 6.0, "b"),
            ev(0.0, 4.0, "a"),
            ev(6.0, 3.0, "c"),
            ev(1.0, 0.0, "m"),
        ];
        let p: Vec<Prediction> = (0..10).map(|k| window(k as f64, 0)).collect();
        let t = sliding_truth(&events, &p, 10.0);
        let shown: Vec<&str> = t.iter().map(|l| l.as_deref().unwrap_or("")).collect();
        // 0-2 a, 1-3 a, 2-4 a, 3-5 straddles, 4-6 b, 5-7 b (c starts at 6), 6-8 b and c,
        // 7-9 b and c, 8-10 b, 9-11 off the end
        assert_eq!(shown, ["a", "a", "a", "", "b", "b", "", "", "b", ""]);
    }

    #[test]
    fn scores_count_only_windows_of_a_model_class() {
        let classes = vec!["a".to_string(), "b".to_string()];
        let p = [
            window(0.0, 0),
            window(1.0, 0),
            window(2.0, 1),
            window(3.0, 1),
        ];
        let t = [
            Some("a".to_string()),
            Some("b".to_string()),
            Some("b".to_string()),
            Some("rest".to_string()),
        ];
        let s = score(&classes, &p, &t);
        assert_eq!((s.scored, s.labelled, s.windows), (3, 4, 4));
        assert!((s.accuracy - 2.0 / 3.0).abs() < 1e-12);
        // recall a 1/1, b 1/2
        assert!((s.balanced_accuracy - 0.75).abs() < 1e-12);
        assert_eq!(s.classes_present, 2);
    }
}
