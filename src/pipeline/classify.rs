//! A recording through a fitted model: rate check, features, probabilities, the decision rule.

use super::*;

impl FittedPipeline {
    /// Refuses a stream or recording (named `source`) whose sample rate differs from the
    /// model's. This is the check of streams: a model that resamples (`train --resample`)
    /// resamples whole recordings only ([`FittedPipeline::classify`] skips this check), so a
    /// stream at another rate is refused too, saying so.
    pub fn check_rate(&self, source: &Path, sample_rate_hz: f64) -> Result<()> {
        if sample_rate_hz == self.sample_rate_hz {
            return Ok(());
        }
        let shown = source.display();
        let model_hz = self.sample_rate_hz;
        if self.preprocessing.resample_hz.is_some() {
            return Err(Error::input(format!(
                "{shown}: sample rate {sample_rate_hz} Hz, but the model works at {model_hz} Hz and resamples whole recordings only (no streaming polyphase filter is built): classify the recording as a file, or stream at {model_hz} Hz"
            )));
        }
        Err(Error::input(format!(
            "{shown}: sample rate {sample_rate_hz} Hz, but the model was trained at {model_hz} Hz; retrain with --resample {model_hz} to take recordings at any rate, or train a model on {sample_rate_hz} Hz recordings"
        )))
    }

    /// Whether the model resamples every recording to its rate (`train --resample`).
    pub fn resamples(&self) -> bool {
        self.preprocessing.resample_hz.is_some()
    }

    /// The predicted class for a row of class probabilities: the positive class when its
    /// probability reaches the model's threshold, otherwise the most probable class.
    pub fn decide(&self, probabilities: &[f64]) -> usize {
        match &self.decision {
            Some(d) => {
                let pos = self
                    .classes
                    .iter()
                    .position(|c| *c == d.positive_class)
                    .expect("checked on load");
                if probabilities[pos] >= d.threshold {
                    pos
                } else {
                    1 - pos
                }
            }
            None => argmax(probabilities),
        }
    }

    /// Classifies windows of a recording: one per event when the model is event-locked and
    /// events are given, otherwise sliding windows over the whole recording.
    pub fn classify(&self, rec: &Recording, events: Option<&[Event]>) -> Result<Vec<Prediction>> {
        self.classify_events(rec, events, None).map(|(p, _)| p)
    }

    /// Like [`FittedPipeline::classify`], deciding only the events labelled one of `labels`
    /// (all when `None`; event-locked models), and also returning the label of the event each
    /// window was cut for (event-locked models; `None` for sliding windows, whose true labels
    /// come from segments, see `eegi classify`).
    pub fn classify_events(
        &self,
        rec: &Recording,
        events: Option<&[Event]>,
        labels: Option<&[String]>,
    ) -> Result<(Vec<Prediction>, Vec<Option<String>>)> {
        let columns = channel_columns(rec, &self.channels, "the model needs")?;
        if !self.resamples() {
            self.check_rate(&rec.source, rec.sample_rate_hz)?;
        }
        let fs = self.sample_rate_hz;
        // samples at the model's rate (after resampling, when the model resamples)
        let n_samples = self
            .preprocessing
            .samples_for(rec.n_samples(), rec.sample_rate_hz)
            .map_err(|e| Error::input(format!("{}: {}", rec.source.display(), e.message)))?;
        let windows: Vec<Window> = match (events, self.window.is_event_locked()) {
            (Some(ev), true) => {
                let (w, d) = self.window.labelled(0, n_samples, fs, ev, labels);
                if d.off_recording > 0 {
                    return Err(Error::input(format!(
                        "{}: {} of {} events have an epoch that runs off the recording ({:.3} s long)",
                        rec.source.display(),
                        d.off_recording,
                        ev.len() - d.events_with_other_labels,
                        rec.duration_s()
                    )));
                }
                w
            }
            (None, true) => {
                return Err(Error::input(format!(
                    "{}: the model is event-locked (one window per event) and the recording has no events file; pass --events",
                    rec.source.display()
                )))
            }
            _ => self.window.continuous(0, n_samples, fs),
        };
        let (rec, columns) = self.preprocessing.apply(rec, columns)?;
        let features = extract_with_baseline(
            &self.features,
            fs,
            self.window_samples,
            &[rec.as_ref()],
            &[columns],
            &self.channels,
            &windows,
            self.preprocessing.baseline_range(&self.window, fs),
        )?;
        let x = self.scaler.transform(features.matrix.view());
        let p = self.classifier.predict_proba(x.view());
        let predictions = windows
            .iter()
            .zip(p.rows())
            .map(|(w, row)| {
                let probabilities = row.to_vec();
                let start_s = w.start as f64 / fs;
                let end_s = (w.start + self.window_samples) as f64 / fs;
                self.check_probabilities(&rec.source, start_s, end_s, &probabilities)?;
                Ok(Prediction {
                    start_s,
                    end_s,
                    class: self.decide(&probabilities),
                    probabilities,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let truth = windows.into_iter().map(|w| w.label).collect();
        Ok((predictions, truth))
    }

    /// Refuses a window's class probabilities unless every one is finite. A NaN comes from a
    /// linear score that overflowed (absurd coefficients or scales in the model, or features
    /// far outside its training range) and must never be printed as a label.
    pub fn check_probabilities(
        &self,
        source: &Path,
        start_s: f64,
        end_s: f64,
        probabilities: &[f64],
    ) -> Result<()> {
        if probabilities.iter().all(|p| p.is_finite()) {
            return Ok(());
        }
        let (coefficients, intercepts) = self.classifier.weights().unwrap_or((&[], &[]));
        let largest = coefficients
            .iter()
            .flatten()
            .chain(intercepts)
            .fold(0.0f64, |m, v| m.max(v.abs()));
        let smallest = self
            .scaler
            .scale
            .iter()
            .fold(f64::INFINITY, |m, v| m.min(*v));
        Err(Error::file(
            source,
            format!(
                "window {}-{} s: class probabilities {}, expected finite probabilities; the model's scores overflow (largest coefficient or intercept {} in size, smallest scaler.scale {}): the model is not one eegi trains, or the window's features are far outside its training range",
                round6(start_s),
                round6(end_s),
                probabilities
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::features::show(largest),
                crate::features::show(smallest)
            ),
        ))
    }
}
