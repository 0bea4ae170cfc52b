//! Study-level evaluation, named as MOABB names its evaluations: `within-session` (K-fold
//! inside each session of each subject), `cross-session` (leave one session out, per subject)
//! and `cross-subject` (leave one subject out). Each evaluation unit is one run of the one
//! evaluation ([`super::run::run`]); its recordings are loaded when the unit starts and
//! dropped when it ends, so within- and cross-session studies of any size hold one subject
//! at a time. The [`StudyReport`] has one row per subject and session (as MOABB's results
//! table), one per subject, and the spread across subjects.

use super::report::{Report, Settings};
use super::run::{run, Protocol, Request};
use crate::features::FeatureSpec;
use crate::model::ClassifierSpec;
use crate::pipeline::{LabelledRecording, PipelineSpec, TrainingSet};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// MOABB's evaluations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StudyProtocol {
    /// K-fold cross-validation inside each session.
    WithinSession,
    /// Leave one session out, per subject.
    CrossSession,
    /// Leave one subject out.
    CrossSubject,
}

impl StudyProtocol {
    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            StudyProtocol::WithinSession => "within-session",
            StudyProtocol::CrossSession => "cross-session",
            StudyProtocol::CrossSubject => "cross-subject",
        }
    }
}

/// One recording of the study: who and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Its path as given (names it in the report).
    pub name: String,
    /// Subject label.
    pub subject: String,
    /// Session label (`-` when the study has none).
    pub session: String,
}

/// A study evaluation to run.
pub struct StudyRequest<'a> {
    /// Every recording, in study order.
    pub recordings: &'a [Unit],
    /// Loads the recordings of the given indices (labelled).
    pub load: &'a (dyn Fn(&[usize]) -> Result<Vec<LabelledRecording>> + Sync),
    /// The settings a unit's report records, from its training set and recordings.
    pub settings: &'a SettingsOf<'a>,
    /// The subjects whose rows to compute (all when `None`; a shard's subjects otherwise).
    pub subjects: Option<&'a [String]>,
    /// The pipeline evaluated.
    pub spec: &'a PipelineSpec,
    /// Classifier refitted per fold.
    pub classifier: ClassifierSpec,
    /// Feature settings (for the spectra of each unit's report).
    pub features: &'a [FeatureSpec],
    /// The evaluation.
    pub protocol: StudyProtocol,
    /// Folds of `within-session`.
    pub folds: usize,
    /// Label permutations per evaluation unit (0: none).
    pub permutations: usize,
    /// The sequential stop of each unit's permutation test (0: run all).
    pub permutation_stop: usize,
    /// Seed of the permutations (the same for every unit, so a shard gives the same rows).
    pub seed: u64,
    /// Called once per fold set and permutation.
    pub tick: &'a (dyn Fn() + Sync),
}

/// Makes the settings of a unit's report from its training set and recordings.
pub type SettingsOf<'a> =
    dyn Fn(&TrainingSet, &[LabelledRecording]) -> Result<Settings> + Sync + 'a;

/// One row of the results: a subject's session (within-session), held-out session
/// (cross-session) or the subject itself (cross-subject).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyRow {
    /// Subject label.
    pub subject: String,
    /// Session label (the held-out one for cross-session; null for cross-subject).
    pub session: Option<String>,
    /// Test windows.
    pub n_windows: usize,
    /// Balanced accuracy of the row's test windows (pooled out-of-fold predictions).
    pub balanced_accuracy: Option<f64>,
    /// Mean balanced accuracy of the folds inside the row (within-session; as scikit-learn's
    /// `cross_val_score(...).mean()`); null for the other protocols.
    pub fold_mean_balanced_accuracy: Option<f64>,
    /// Chance balanced accuracy: 1 / classes among the row's test windows.
    pub chance_balanced_accuracy: Option<f64>,
    /// Mean balanced accuracy under label permutations of the row's evaluation unit (the
    /// subject's for cross-session; null for cross-subject or without permutations).
    pub empirical_chance_balanced_accuracy: Option<f64>,
    /// Permutation p-value of the row's evaluation unit (as above).
    pub permutation_p_value: Option<f64>,
}

/// A subject's score: the mean of its rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectRow {
    /// Subject label.
    pub subject: String,
    /// Rows averaged.
    pub n_rows: usize,
    /// Mean balanced accuracy of its rows.
    pub balanced_accuracy: Option<f64>,
    /// Mean chance balanced accuracy of its rows.
    pub chance_balanced_accuracy: Option<f64>,
}

/// Mean, spread and range of the subjects' scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Subjects with a score.
    pub n: usize,
    /// Mean.
    pub mean: Option<f64>,
    /// Sample standard deviation (n − 1; null below 2 subjects).
    pub sd: Option<f64>,
    /// Median.
    pub median: Option<f64>,
    /// Lowest.
    pub min: Option<f64>,
    /// Highest.
    pub max: Option<f64>,
}

/// A study evaluation's results (or a shard's part of them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyReport {
    /// eegi version that made the report.
    pub eegi_version: String,
    /// `within-session`, `cross-session` or `cross-subject`.
    pub protocol: StudyProtocol,
    /// What the protocol does, in words.
    pub description: String,
    /// `I/N` when this is shard I of N (merge the parts with `eegi report merge`).
    pub shard: Option<String>,
    /// Recordings in the study selection.
    pub n_recordings: usize,
    /// One row per subject and session (as MOABB's results), in study order.
    pub rows: Vec<StudyRow>,
    /// One row per subject.
    pub subjects: Vec<SubjectRow>,
    /// Across subjects.
    pub across_subjects: Spread,
    /// Cross-subject only: the permutation p-value of the whole leave-one-subject-out run.
    pub permutation_p_value: Option<f64>,
    /// Things a reader must know (subjects left out, folds without a class).
    pub warnings: Vec<String>,
    /// The pipeline, permutations, seed and inputs (the settings of the first unit; `inputs`
    /// lists every recording of the selection).
    pub settings: serde_json::Value,
}

/// Runs one evaluation unit: loads `indices`, evaluates them with `protocol`.
fn unit_report(
    req: &StudyRequest,
    indices: &[usize],
    protocol: Protocol,
    what: &str,
) -> Result<Report> {
    let prefix = |e: Error| Error {
        kind: e.kind,
        message: format!("{what}: {}", e.message),
    };
    let inputs = (req.load)(indices)?;
    let set = req.spec.training_set(&inputs).map_err(prefix)?;
    let settings = (req.settings)(&set, &inputs)?;
    drop(inputs);
    let names: Vec<String> = indices
        .iter()
        .map(|&i| req.recordings[i].name.clone())
        .collect();
    let request = Request {
        set: &set,
        recordings: &names,
        protocol,
        classifier: req.classifier.clone(),
        features: req.features,
        permutations: req.permutations,
        permutation_stop: req.permutation_stop,
        seed: req.seed,
        tick: req.tick,
    };
    run(&request, settings).map_err(prefix)
}

/// Distinct values in first-seen order.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    out
}

/// The row of a unit's whole report.
fn whole_row(subject: &str, session: Option<&str>, r: &Report) -> StudyRow {
    let present = r.counts.iter().filter(|&&c| c > 0).count();
    StudyRow {
        subject: subject.to_string(),
        session: session.map(str::to_string),
        n_windows: r.n_windows,
        balanced_accuracy: Some(r.balanced_accuracy),
        fold_mean_balanced_accuracy: r.fold_balanced_accuracy.mean,
        chance_balanced_accuracy: (present > 0).then(|| 1.0 / present as f64),
        empirical_chance_balanced_accuracy: r.empirical_chance_balanced_accuracy,
        permutation_p_value: r.permutation_p_value,
    }
}

/// Runs a study evaluation (the report's `settings` are left null for the caller, who knows
/// every unit's).
pub fn run_study(req: &StudyRequest) -> Result<StudyReport> {
    // long: one match over the three protocols, each a loop over its units in study order
    let subjects = distinct(req.recordings.iter().map(|u| u.subject.as_str()));
    let wanted = |s: &str| req.subjects.is_none_or(|w| w.iter().any(|x| x == s));
    let of_subject = |s: &str| -> Vec<usize> {
        (0..req.recordings.len())
            .filter(|&i| req.recordings[i].subject == s)
            .collect()
    };
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    let mut pooled_p = None;
    let description;
    match req.protocol {
        StudyProtocol::WithinSession => {
            description = format!("{}-fold cross-validation inside each session of each subject (stratified, windows that overlap a test window purged)", req.folds);
            for s in subjects.iter().filter(|s| wanted(s)) {
                let mine = of_subject(s);
                let sessions = distinct(mine.iter().map(|&i| req.recordings[i].session.as_str()));
                for ses in &sessions {
                    let idx: Vec<usize> = mine
                        .iter()
                        .copied()
                        .filter(|&i| &req.recordings[i].session == ses)
                        .collect();
                    let what = format!("sub-{s} ses-{ses}");
                    let r = unit_report(req, &idx, Protocol::KFold(req.folds), &what)?;
                    warnings.extend(r.warnings.iter().map(|w| format!("{what}: {w}")));
                    rows.push(whole_row(s, Some(ses), &r));
                }
            }
        }
        StudyProtocol::CrossSession => {
            description = "leave one session out, per subject (train on the subject's other sessions, test on the one left out)".to_string();
            for s in subjects.iter().filter(|s| wanted(s)) {
                let mine = of_subject(s);
                let sessions = distinct(mine.iter().map(|&i| req.recordings[i].session.as_str()));
                if sessions.len() < 2 {
                    warnings.push(format!(
                        "sub-{s}: one session only, left out of the cross-session evaluation"
                    ));
                    continue;
                }
                let of_recording: Vec<usize> = mine
                    .iter()
                    .map(|&i| {
                        sessions
                            .iter()
                            .position(|x| x == &req.recordings[i].session)
                            .unwrap_or(0)
                    })
                    .collect();
                let what = format!("sub-{s}");
                let protocol = Protocol::Groups {
                    names: &sessions,
                    of_recording: &of_recording,
                };
                let r = unit_report(req, &mine, protocol, &what)?;
                warnings.extend(r.warnings.iter().map(|w| format!("{what}: {w}")));
                for f in &r.folds {
                    rows.push(StudyRow {
                        subject: s.clone(),
                        session: Some(f.name.clone()),
                        n_windows: f.n_test,
                        balanced_accuracy: f.balanced_accuracy,
                        fold_mean_balanced_accuracy: None,
                        chance_balanced_accuracy: f.chance_balanced_accuracy,
                        empirical_chance_balanced_accuracy: r.empirical_chance_balanced_accuracy,
                        permutation_p_value: r.permutation_p_value,
                    });
                }
            }
            if rows.is_empty() && req.subjects.is_none() {
                return Err(Error::input(
                    "--protocol cross-session: no subject has two sessions, expected sub-*/ses-*/ folders with at least two sessions per subject",
                ));
            }
        }
        StudyProtocol::CrossSubject => {
            description =
                "leave one subject out (train on every other subject, test on the one left out)"
                    .to_string();
            if subjects.len() < 2 {
                return Err(Error::input(
                    "--protocol cross-subject: one subject in the selection, expected at least two",
                ));
            }
            let all: Vec<usize> = (0..req.recordings.len()).collect();
            let of_recording: Vec<usize> = req
                .recordings
                .iter()
                .map(|u| subjects.iter().position(|s| s == &u.subject).unwrap_or(0))
                .collect();
            let protocol = Protocol::Groups {
                names: &subjects,
                of_recording: &of_recording,
            };
            let r = unit_report(req, &all, protocol, "cross-subject")?;
            warnings.extend(r.warnings.iter().cloned());
            pooled_p = r.permutation_p_value;
            for f in r.folds.iter().filter(|f| wanted(&f.name)) {
                rows.push(StudyRow {
                    subject: f.name.clone(),
                    session: None,
                    n_windows: f.n_test,
                    balanced_accuracy: f.balanced_accuracy,
                    fold_mean_balanced_accuracy: None,
                    chance_balanced_accuracy: f.chance_balanced_accuracy,
                    empirical_chance_balanced_accuracy: None,
                    permutation_p_value: None,
                });
            }
        }
    }
    Ok(summarise(StudyReport {
        eegi_version: env!("CARGO_PKG_VERSION").to_string(),
        protocol: req.protocol,
        description,
        shard: None,
        n_recordings: req.recordings.len(),
        rows,
        subjects: Vec::new(),
        across_subjects: spread(&[]),
        permutation_p_value: pooled_p,
        warnings,
        settings: serde_json::Value::Null,
    }))
}

/// Fills the per-subject rows and the spread across subjects from the rows (also after a
/// merge of shards).
pub fn summarise(mut report: StudyReport) -> StudyReport {
    let subjects = distinct(report.rows.iter().map(|r| r.subject.as_str()));
    let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    report.subjects = subjects
        .iter()
        .map(|s| {
            let mine: Vec<&StudyRow> = report.rows.iter().filter(|r| &r.subject == s).collect();
            SubjectRow {
                subject: s.clone(),
                n_rows: mine.len(),
                balanced_accuracy: mean(mine.iter().filter_map(|r| r.balanced_accuracy).collect()),
                chance_balanced_accuracy: mean(
                    mine.iter()
                        .filter_map(|r| r.chance_balanced_accuracy)
                        .collect(),
                ),
            }
        })
        .collect();
    let scores: Vec<f64> = report
        .subjects
        .iter()
        .filter_map(|s| s.balanced_accuracy)
        .collect();
    report.across_subjects = spread(&scores);
    report
}

/// Mean, sample sd, median and range of `v`.
fn spread(v: &[f64]) -> Spread {
    let n = v.len();
    let mut sorted = v.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mean = (n > 0).then(|| v.iter().sum::<f64>() / n as f64);
    let sd = mean
        .filter(|_| n > 1)
        .map(|m| (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64).sqrt());
    let median = (n > 0).then(|| {
        if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        }
    });
    Spread {
        n,
        mean,
        sd,
        median,
        min: sorted.first().copied(),
        max: sorted.last().copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_and_subject_means() {
        let s = spread(&[0.5, 0.7, 0.9, 0.6]);
        assert_eq!(s.n, 4);
        assert!((s.mean.unwrap() - 0.675).abs() < 1e-12);
        assert!((s.median.unwrap() - 0.65).abs() < 1e-12);
        // sample sd, as numpy's std(ddof=1)
        assert!((s.sd.unwrap() - 0.170782512765993).abs() < 1e-12);
        assert_eq!((s.min, s.max), (Some(0.5), Some(0.9)));
        assert_eq!(spread(&[0.4]).sd, None);
        let row = |subject: &str, ba: f64| StudyRow {
            subject: subject.into(),
            session: None,
            n_windows: 10,
            balanced_accuracy: Some(ba),
            fold_mean_balanced_accuracy: None,
            chance_balanced_accuracy: Some(0.5),
            empirical_chance_balanced_accuracy: None,
            permutation_p_value: None,
        };
        let r = summarise(StudyReport {
            eegi_version: String::new(),
            protocol: StudyProtocol::WithinSession,
            description: String::new(),
            shard: None,
            n_recordings: 3,
            rows: vec![row("01", 0.6), row("01", 0.8), row("02", 0.5)],
            subjects: Vec::new(),
            across_subjects: spread(&[]),
            permutation_p_value: None,
            warnings: Vec::new(),
            settings: serde_json::Value::Null,
        });
        assert_eq!(r.subjects.len(), 2);
        assert!((r.subjects[0].balanced_accuracy.unwrap() - 0.7).abs() < 1e-12);
        assert!((r.across_subjects.mean.unwrap() - 0.6).abs() < 1e-12);
    }
}
