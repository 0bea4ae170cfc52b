//! Checks `eegi evaluate` makes before any work: recordings the model was trained on (by
//! SHA-256), options that `-m` overrides, and a `--report` path that could not be written.

use super::config::{FeatureArgs, WindowArgs};
use super::preprocess_args::PreprocessArgs;
use crate::pipeline::FittedPipeline;
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// SHA-256 of a file's bytes, hex.
fn sha256_of(path: &Path) -> Result<String> {
    let cannot = |e: std::io::Error| {
        Error::file(
            path,
            format!("cannot read file: {}", crate::io::io_reason(&e)),
        )
    };
    let mut hasher = Sha256::new();
    let mut file = crate::io::output::open_input(path).map_err(cannot)?;
    std::io::copy(&mut file, &mut hasher).map_err(cannot)?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// The recordings among `paths` whose bytes are those of one of the model's training inputs,
/// each with that input's path as the model names it. Standard input is not hashed.
pub fn training_recordings(
    model: &FittedPipeline,
    paths: &[PathBuf],
) -> Result<Vec<(PathBuf, String)>> {
    matching_inputs(&model.training.inputs, paths)
}

/// [`training_recordings`] of one recording on a thread of its own, so that hashing the file
/// (~0.4 s for an hour of 64 channels) overlaps classifying it instead of following it.
pub struct EarlyTrainingCheck(std::thread::JoinHandle<Result<Vec<(PathBuf, String)>>>);

impl EarlyTrainingCheck {
    /// Starts hashing `recording` against the model's training inputs.
    pub fn start(model: &FittedPipeline, recording: &Path) -> EarlyTrainingCheck {
        let (inputs, paths) = (model.training.inputs.clone(), [recording.to_path_buf()]);
        EarlyTrainingCheck(std::thread::spawn(move || matching_inputs(&inputs, &paths)))
    }

    /// Its result: the same as [`training_recordings`] gives (computed here again if the
    /// thread died).
    pub fn finish(
        self,
        model: &FittedPipeline,
        recording: &Path,
    ) -> Result<Vec<(PathBuf, String)>> {
        self.0
            .join()
            .unwrap_or_else(|_| training_recordings(model, &[recording.to_path_buf()]))
    }
}

/// The paths whose bytes are those of one of `inputs`, each with that input's path.
fn matching_inputs(
    inputs: &[crate::pipeline::InputFile],
    paths: &[PathBuf],
) -> Result<Vec<(PathBuf, String)>> {
    if inputs.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for p in paths.iter().filter(|p| p.as_path() != Path::new("-")) {
        let hash = sha256_of(p)?;
        if let Some(i) = inputs.iter().find(|i| i.sha256 == hash) {
            found.push((p.clone(), i.path.clone()));
        }
    }
    Ok(found)
}

/// What is wrong with evaluating on `seen` (from [`training_recordings`]), of `n` recordings.
pub fn training_data_line(seen: &[(PathBuf, String)], n: usize) -> String {
    let (first, as_named) = &seen[0];
    let others = match seen.len() {
        1 => String::new(),
        2 => format!(" (and {})", seen[1].0.display()),
        k => format!(" (and {} more: {}, …)", k - 1, seen[1].0.display()),
    };
    format!(
        "{}{others}: {} the model was trained on (the same SHA-256 as its training input {as_named}; {} of {n} recording{} evaluated)",
        first.display(),
        if seen.len() == 1 { "a recording" } else { "recordings" },
        seen.len(),
        if n == 1 { "" } else { "s" },
    )
}

/// The `--long` names of the options given on the command line (`m`, the matches of
/// `evaluate`) that a model (`-m`) overrides: window, feature and pre-processing settings and
/// the classifier. `--labels` is honoured with a model, so it is not among them.
pub fn model_overrides(m: &clap::ArgMatches) -> Vec<String> {
    use clap::parser::ValueSource;
    use clap::Args;
    let mut cmd = clap::Command::new("evaluate");
    cmd = WindowArgs::augment_args(cmd);
    cmd = FeatureArgs::augment_args(cmd);
    cmd = PreprocessArgs::augment_args(cmd);
    let ids = cmd
        .get_arguments()
        .filter(|a| a.get_id() != "labels")
        .map(|a| a.get_id().as_str().to_string())
        .chain(["classifier".to_string(), "alpha".to_string()]);
    let given = |id: &str| {
        m.try_contains_id(id).unwrap_or(false)
            && m.value_source(id) == Some(ValueSource::CommandLine)
    };
    ids.filter(|id| given(id))
        .map(|id| format!("--{}", id.replace('_', "-")))
        .collect()
}

/// The warning for options a model overrides (`--epoch`, `--bandpass`, … with `-m`).
pub fn overrides_line(given: &[String], model: &Path) -> String {
    format!(
        "{} ignored with -m: the model's own window, features, pre-processing and classifier are used (see eegi inspect {})",
        given.join(", "),
        model.display()
    )
}

/// Refuses, before any work, a `--report` path that could not be written at the end: a
/// folder, or a path whose folder is missing or not writable (probed with a temporary file,
/// as the write itself makes one there).
pub fn check_writable(path: &Path) -> Result<()> {
    if path == Path::new("-") {
        return Ok(());
    }
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if let Ok(meta) = std::fs::metadata(&target) {
        if meta.is_dir() {
            return Err(Error::input(format!(
                "{}: a directory, expected a file path to write",
                path.display()
            )));
        }
        if !meta.is_file() {
            return Ok(()); // a device or FIFO: written into
        }
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(Error::runtime(format!(
            "{}: no folder {}, expected an existing folder to write into (checked before the evaluation, which would fail at the end)",
            path.display(),
            dir.display()
        )));
    }
    tempfile::Builder::new()
        .prefix(".eegi-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| {
            Error::runtime(format!(
                "{}: cannot create a temporary file in its folder: {} (checked before the evaluation, which would fail at the end)",
                path.display(),
                crate::io::io_reason(&e)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_training_data_line_names_the_files_and_their_number() {
        let seen = vec![(PathBuf::from("a.csv"), "train/a.csv".to_string())];
        let line = training_data_line(&seen, 3);
        assert_eq!(line, "a.csv: a recording the model was trained on (the same SHA-256 as its training input train/a.csv; 1 of 3 recordings evaluated)");
        let mut two = seen.clone();
        two.push((PathBuf::from("b.csv"), "b.csv".into()));
        let line = training_data_line(&two, 2);
        assert!(
            line.starts_with("a.csv (and b.csv): recordings the model"),
            "{line}"
        );
        assert!(line.ends_with("; 2 of 2 recordings evaluated)"), "{line}");
    }

    #[test]
    fn a_report_in_a_missing_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_writable(&dir.path().join("r.html")).is_ok());
        let e = check_writable(&dir.path().join("no/r.html")).unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(check_writable(dir.path()).is_err());
        assert!(check_writable(Path::new("-")).is_ok());
    }
}
