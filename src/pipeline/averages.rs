//! Class averages of event-locked epochs: the event-related potential of each class, with the
//! spread a confidence band needs. Accumulated window by window (Welford's update), so no
//! epoch array is held for them.

use super::Windowed;
use ndarray::{s, Array2};

/// The mean epoch of each class and its sample variance, per sample and channel, after the
/// pipeline's pre-processing and baseline (µV and µV²).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassAverages {
    /// Epochs of each class.
    pub n: Vec<usize>,
    /// `mean[class]`: samples × channels, µV.
    pub mean: Vec<Array2<f64>>,
    /// `var[class]`: samples × channels, µV², with one degree of freedom removed (0 for a
    /// class of one epoch).
    pub var: Vec<Array2<f64>>,
}

impl Windowed<'_> {
    /// The class averages of the windows, `y[i]` being window `i`'s class among `k`.
    pub fn class_averages(&self, y: &[usize], k: usize) -> ClassAverages {
        let n_ch = self.channels.len();
        let shape = (self.window_len, n_ch);
        let mut n = vec![0usize; k];
        let mut mean = vec![Array2::<f64>::zeros(shape); k];
        let mut m2 = vec![Array2::<f64>::zeros(shape); k];
        for (w, &c) in self.windows.iter().zip(y) {
            let rec = &self.recordings[w.recording];
            n[c] += 1;
            let count = n[c] as f64;
            for (j, &col) in self.columns[w.recording].iter().enumerate() {
                let src = rec
                    .samples
                    .slice(s![w.start..w.start + self.window_len, col]);
                let base = match self.baseline {
                    Some((a, b)) => src.slice(s![a..b]).sum() / (b - a) as f64,
                    None => 0.0,
                };
                for (t, v) in src.iter().enumerate() {
                    let x = v - base;
                    let old = mean[c][(t, j)];
                    let new = old + (x - old) / count;
                    mean[c][(t, j)] = new;
                    m2[c][(t, j)] += (x - old) * (x - new);
                }
            }
        }
        let var = m2
            .into_iter()
            .zip(&n)
            .map(|(m, &count)| {
                if count > 1 {
                    m / (count - 1) as f64
                } else {
                    m * 0.0
                }
            })
            .collect();
        ClassAverages { n, mean, var }
    }
}

#[cfg(test)]
mod tests {
    use crate::pipeline::{WindowInput, Windowing};
    use crate::preprocess::Preprocessing;
    use crate::recording::Event;
    use crate::windows::WindowSpec;
    use crate::Recording;
    use std::path::Path;

    #[test]
    fn class_averages_equal_the_mean_and_variance_of_the_stored_epochs() {
        let n = 400;
        let rec = Recording {
            samples: ndarray::Array2::from_shape_fn((n, 3), |(i, c)| {
                ((i * 7 + c * 13) % 23) as f64 - 11.0 + 1000.0 * c as f64
            }),
            sample_rate_hz: 100.0,
            channel_names: vec!["Cz".into(), "Pz".into(), "Oz".into()],
            source: "rec.csv".into(),
        };
        let events: Vec<Event> = (0..9)
            .map(|i| Event {
                onset_s: 0.3 + 0.37 * i as f64,
                duration_s: 0.0,
                label: if i % 3 == 0 { "a" } else { "b" }.into(),
                line: i + 2,
            })
            .collect();
        let window = WindowSpec::Epoch {
            start_s: -0.1,
            end_s: 0.3,
        };
        let preprocessing = Preprocessing::default();
        let windowing = Windowing {
            window: &window,
            preprocessing: &preprocessing,
            labels: None,
            channels: None,
        };
        let cut = windowing
            .cut(&[WindowInput {
                recording: &rec,
                events: Some((&events, Path::new("rec_events.csv"))),
            }])
            .unwrap();
        let y: Vec<usize> = (0..cut.windows.len())
            .map(|i| usize::from(i % 3 != 0))
            .collect();
        let avg = cut.class_averages(&y, 2);
        let epochs = cut.epochs();
        assert_eq!(avg.n, vec![3, 6]);
        for c in 0..2 {
            let rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == c).collect();
            for t in 0..cut.window_len {
                for j in 0..3 {
                    let xs: Vec<f64> = rows.iter().map(|&i| epochs[(i, t, j)]).collect();
                    let m = xs.iter().sum::<f64>() / xs.len() as f64;
                    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
                    assert!((avg.mean[c][(t, j)] - m).abs() < 1e-9);
                    assert!((avg.var[c][(t, j)] - v).abs() < 1e-9);
                }
            }
        }
    }
}
