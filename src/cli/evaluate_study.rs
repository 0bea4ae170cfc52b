//! `eegi evaluate STUDY/`: a BIDS study folder evaluated subject by subject
//! (`--protocol within-session|cross-session|cross-subject`, as MOABB names them), optionally
//! one shard of its subjects (`--shard I/N`, merged by `eegi report merge`). The options live
//! here, flattened into `evaluate`'s; the computation is [`crate::evaluate::study`].

use super::config::hash_inputs;
use super::evaluate::Args;
use super::study_args::ProtocolArg;
use crate::evaluate::report::Settings;
use crate::evaluate::study::{run_study, StudyProtocol, StudyReport, StudyRequest, Unit};
use crate::io::output::write_atomically;
use crate::io::study::{find_recordings, is_study, Selection};
use crate::pipeline::{ClassifierSpec, LabelledRecording, PipelineSpec, TrainingSet};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The study folder `evaluate` was given, if it was one (a single folder holding `sub-*`
/// folders); study options without one are an error.
pub fn study_dir(args: &Args) -> Result<Option<PathBuf>> {
    let study = match args.recordings.as_slice() {
        [one] if one.is_dir() && is_study(one) => Some(one.clone()),
        _ => None,
    };
    if study.is_none() && args.study.any() {
        return Err(Error::input(
            "--protocol, --subjects, --sessions, --task and --shard go with one BIDS study folder (holding sub-<label>/ folders), expected `eegi evaluate STUDY/ ...`",
        ));
    }
    if study.is_some() && args.model.is_some() {
        return Err(Error::input(
            "-m with a study folder: a study is evaluated by cross-validation per subject, expected no -m (or the study's recordings as files)",
        ));
    }
    Ok(study)
}

/// `--shard I/N` as (I − 1, N).
fn parse_shard(text: &str) -> Result<(usize, usize)> {
    let bad = || {
        Error::input(format!(
            "--shard {text}: expected I/N with 1 ≤ I ≤ N, e.g. 2/8"
        ))
    };
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if i == 0 || i > n {
        return Err(bad());
    }
    Ok((i - 1, n))
}

/// The report file's format by extension (json, md, html).
pub(super) fn report_kind(path: &Path) -> Result<&'static str> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("json") => Ok("json"),
        Some("md") | Some("markdown") => Ok("md"),
        Some("html") | Some("htm") => Ok("html"),
        _ => Err(Error::input(format!(
            "--report {}: unknown extension, expected .html, .md or .json",
            path.display()
        ))),
    }
}

/// The settings a unit's report records.
#[allow(clippy::too_many_arguments)]
fn unit_settings(
    args: &Args,
    spec: &PipelineSpec,
    classifier: &ClassifierSpec,
    protocol: StudyProtocol,
    folds: usize,
    set: &TrainingSet,
    inputs: &[LabelledRecording],
) -> Result<Settings> {
    Ok(Settings {
        window: spec.window.clone(),
        features: spec.features.clone(),
        preprocessing: (&spec.preprocessing).into(),
        labels: spec.labels.clone(),
        classifier: Some(classifier.clone()),
        evaluation: protocol.name().to_string(),
        folds: (protocol == StudyProtocol::WithinSession).then_some(folds),
        group_by: None,
        seed: args.seed,
        permutations: args.permutations,
        n_channels: set.channels.len(),
        sample_rate_hz: set.sample_rate_hz,
        model: None,
        inputs: hash_inputs(inputs)?,
    })
}

/// The protocol asked for (default within-session) and the folds of within-session
/// (`--cv K`, default 5); cross-subject shards and `--cv by-recording` are refused.
fn protocol_and_folds(args: &Args, sharded: bool) -> Result<(StudyProtocol, usize)> {
    let protocol = match args.study.protocol.unwrap_or(ProtocolArg::WithinSession) {
        ProtocolArg::WithinSession => StudyProtocol::WithinSession,
        ProtocolArg::CrossSession => StudyProtocol::CrossSession,
        ProtocolArg::CrossSubject => StudyProtocol::CrossSubject,
    };
    if sharded && protocol == StudyProtocol::CrossSubject {
        return Err(Error::input(
            "--shard with --protocol cross-subject: every leave-one-subject-out fold trains on all the other subjects, so shards would each repeat the whole work; expected within-session or cross-session",
        ));
    }
    let folds = match args.cv {
        None => 5,
        Some(super::evaluate::Cv::Folds(k)) => k,
        Some(super::evaluate::Cv::ByRecording) => {
            return Err(Error::input(
                "--cv by-recording with a study: the protocol decides what is left out, expected --cv K (folds of within-session) or none",
            ))
        }
    };
    Ok((protocol, folds))
}

/// The subjects of shard `(i, n)` (i from 0): in study order, every nth from the ith.
fn shard_subjects(units: &[Unit], (i, n): (usize, usize)) -> Vec<String> {
    let mut subjects: Vec<String> = Vec::new();
    for u in units {
        if !subjects.contains(&u.subject) {
            subjects.push(u.subject.clone());
        }
    }
    subjects
        .into_iter()
        .enumerate()
        .filter(|(k, _)| k % n == i)
        .map(|(_, s)| s)
        .collect()
}

/// Runs `eegi evaluate STUDY/`.
pub fn run(args: &Args, dir: &Path) -> Result<()> {
    let report_path = match &args.report {
        Some(p) => {
            args.input.check_output(p, &args.recordings, None)?;
            let kind = report_kind(p)?;
            super::evaluate_checks::check_writable(p)?;
            Some((p.clone(), kind))
        }
        None => None,
    };
    let shard = args.study.shard.as_deref().map(parse_shard).transpose()?;
    let selection = Selection {
        subjects: args.study.subjects.clone(),
        sessions: args.study.sessions.clone(),
        task: args.study.task.clone(),
    };
    let found = find_recordings(dir, &selection)?;
    let (protocol, folds) = protocol_and_folds(args, shard.is_some())?;
    let units: Vec<Unit> = found
        .iter()
        .map(|r| Unit {
            name: r.path.display().to_string(),
            subject: r.subject.clone(),
            session: r.session.clone().unwrap_or_else(|| "-".to_string()),
        })
        .collect();
    let paths: Vec<PathBuf> = found.iter().map(|r| r.path.clone()).collect();
    let shard_subjects = shard.map(|s| shard_subjects(&units, s));
    let classifier = super::evaluate::classifier_spec(args);
    let spec = super::evaluate::pipeline_spec(args, None, &classifier)?;
    let settings = std::sync::Mutex::new(None::<Settings>);
    let load = |idx: &[usize]| -> Result<Vec<LabelledRecording>> {
        let mine: Vec<PathBuf> = idx.iter().map(|&i| paths[i].clone()).collect();
        args.input.load_labelled(&mine)
    };
    let record = |set: &TrainingSet, inputs: &[LabelledRecording]| -> Result<Settings> {
        let s = unit_settings(args, &spec, &classifier, protocol, folds, set, inputs)?;
        let mut all = settings.lock().unwrap_or_else(|e| e.into_inner());
        match all.as_mut() {
            None => *all = Some(s.clone()),
            Some(a) => a.inputs.extend(s.inputs.iter().cloned()),
        }
        Ok(s)
    };
    let request = StudyRequest {
        recordings: &units,
        load: &load,
        settings: &record,
        subjects: shard_subjects.as_deref(),
        spec: &spec,
        classifier: classifier.clone(),
        features: &spec.features,
        protocol,
        folds,
        permutations: args.permutations,
        permutation_stop: args.permutation_stop,
        seed: args.seed,
        tick: &|| {},
    };
    let mut report = run_study(&request)?;
    report.shard = args.study.shard.clone();
    if let Some(mut s) = settings.into_inner().unwrap_or_else(|e| e.into_inner()) {
        // sorted, as `report merge` sorts the inputs of its parts
        s.inputs.sort_by(|a, b| a.path.cmp(&b.path));
        s.inputs.dedup();
        report.settings = serde_json::to_value(&s).map_err(|e| Error::runtime(e.to_string()))?;
    }
    report.warnings.sort();
    write_study(args.json, report_path, &report)
}

/// Writes the study report (`--report`, by extension) and prints JSON or the terminal table.
pub fn write_study(
    as_json: bool,
    report_path: Option<(PathBuf, &str)>,
    report: &StudyReport,
) -> Result<()> {
    let json = || {
        let mut s = serde_json::to_string_pretty(report).expect("report serialises");
        s.push('\n');
        s
    };
    if let Some((path, kind)) = report_path {
        let text = match kind {
            "json" => json(),
            "md" => crate::report::study::markdown(report),
            _ => crate::report::study::html(report),
        };
        write_atomically(&path, |w| w.write_all(text.as_bytes()))?;
    }
    let out = if as_json {
        json()
    } else {
        crate::report::study::terminal(report)
    };
    write_atomically(Path::new("-"), |w| w.write_all(out.as_bytes()))
}
