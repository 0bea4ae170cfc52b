//! A BIDS study as input: the recordings `sub-<label>/[ses-<label>/]eeg/*_eeg.<ext>` of a
//! study folder (BIDS specification, "Electroencephalography"; extensions `.edf`, `.bdf`,
//! `.vhdr`, `.csv`, also `.csv.gz`), each with the subject, session, task and run its file
//! name's entities say; their `_events.tsv` and `_channels.tsv` sidecars are found beside them
//! by the readers as for any recording.

use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// One recording of a study, with the entities of its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyRecording {
    /// The recording (for BrainVision the `.vhdr`).
    pub path: PathBuf,
    /// `sub-<label>`: the label.
    pub subject: String,
    /// `ses-<label>`: the label, if the study has sessions.
    pub session: Option<String>,
    /// `task-<label>`.
    pub task: Option<String>,
    /// `run-<index>`.
    pub run: Option<String>,
}

/// Which recordings of a study to take (every one when a field is `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Subject labels (`01` or `sub-01`).
    pub subjects: Option<Vec<String>>,
    /// Session labels (`1` or `ses-1`).
    pub sessions: Option<Vec<String>>,
    /// A task label.
    pub task: Option<String>,
}

/// Whether `dir` is a BIDS study: a folder holding at least one `sub-*` folder.
pub fn is_study(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with("sub-"))
                && e.path().is_dir()
        })
    })
}

/// Subject, session, task and run labels of a file name.
type Entities = (String, Option<String>, Option<String>, Option<String>);

/// The entities of a BIDS file name (`sub-01_ses-1_task-x_run-2_eeg.vhdr` → sub, ses, task,
/// run) and whether its suffix is `_eeg` with an extension eegi reads.
fn entities(name: &str) -> Option<Entities> {
    let lower = name.to_ascii_lowercase();
    let stem_len = [".edf", ".bdf", ".vhdr", ".csv", ".csv.gz"]
        .iter()
        .find(|e| lower.ends_with(*e))
        .map(|e| name.len() - e.len())?;
    let stem = name[..stem_len].strip_suffix("_eeg")?;
    let (mut sub, mut ses, mut task, mut run) = (None, None, None, None);
    for part in stem.split('_') {
        let (key, value) = part.split_once('-')?;
        let slot = match key {
            "sub" => &mut sub,
            "ses" => &mut ses,
            "task" => &mut task,
            "run" => &mut run,
            _ => continue,
        };
        *slot = Some(value.to_string());
    }
    Some((sub?, ses, task, run))
}

/// Sorted entries of a folder (errors name it).
fn list(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::file(
            dir,
            format!("cannot read folder: {}", super::errors::io_reason(&e)),
        )
    })?;
    let mut out: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    out.sort();
    Ok(out)
}

/// The label of a `<prefix>-<label>` folder name.
fn label<'a>(path: &'a Path, prefix: &str) -> Option<&'a str> {
    path.file_name()?.to_str()?.strip_prefix(prefix)
}

/// Every recording of the study in `dir` (sorted by subject, session, file name), checked
/// against `selection`: a subject, session or task asked for that the study lacks is an
/// error naming what it has. A file whose `sub-`/`ses-` entities disagree with its folders is
/// refused (BIDS requires them equal).
pub fn find_recordings(dir: &Path, selection: &Selection) -> Result<Vec<StudyRecording>> {
    let mut all = Vec::new();
    for sub_dir in list(dir)?.into_iter().filter(|p| p.is_dir()) {
        let Some(subject) = label(&sub_dir, "sub-") else {
            continue;
        };
        let mut eeg_dirs = vec![(None, sub_dir.join("eeg"))];
        for ses_dir in list(&sub_dir)?.into_iter().filter(|p| p.is_dir()) {
            if let Some(session) = label(&ses_dir, "ses-") {
                eeg_dirs.push((Some(session.to_string()), ses_dir.join("eeg")));
            }
        }
        for (session, eeg) in eeg_dirs.into_iter().filter(|(_, d)| d.is_dir()) {
            for path in list(&eeg)? {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let Some((sub, ses, task, run)) = entities(name) else {
                    continue;
                };
                if sub != subject || ses != session {
                    return Err(Error::file(
                        &path,
                        format!(
                            "entities sub-{sub}{} in a folder of sub-{subject}{}, expected the file name's subject and session to match its folders",
                            ses.as_deref().map(|s| format!(" ses-{s}")).unwrap_or_default(),
                            session.as_deref().map(|s| format!(" ses-{s}")).unwrap_or_default(),
                        ),
                    ));
                }
                all.push(StudyRecording {
                    path,
                    subject: sub,
                    session: ses,
                    task,
                    run,
                });
            }
        }
    }
    if all.is_empty() {
        return Err(Error::file(
            dir,
            "no recordings in the study, expected sub-<label>/[ses-<label>/]eeg/*_eeg.{edf,bdf,vhdr,csv}",
        ));
    }
    select(dir, all, selection)
}

/// Keeps the recordings `selection` asks for, refusing a label the study does not have.
fn select(
    dir: &Path,
    mut all: Vec<StudyRecording>,
    selection: &Selection,
) -> Result<Vec<StudyRecording>> {
    type Get = fn(&StudyRecording) -> Option<&str>;
    let checks: [(&str, &str, Option<Vec<String>>, Get); 3] = [
        ("--subjects", "sub-", selection.subjects.clone(), |r| {
            Some(r.subject.as_str())
        }),
        ("--sessions", "ses-", selection.sessions.clone(), |r| {
            r.session.as_deref()
        }),
        (
            "--task",
            "task-",
            selection.task.clone().map(|t| vec![t]),
            |r| r.task.as_deref(),
        ),
    ];
    for (option, prefix, wanted, get) in checks {
        let Some(wanted) = wanted else { continue };
        let wanted: Vec<String> = wanted
            .iter()
            .map(|w| w.strip_prefix(prefix).unwrap_or(w).to_string())
            .collect();
        let mut have: Vec<&str> = all.iter().filter_map(get).collect();
        have.sort();
        have.dedup();
        if let Some(w) = wanted.iter().find(|w| !have.contains(&w.as_str())) {
            return Err(Error::input(format!(
                "{option}: {}: no {prefix}{w} among the recordings, expected one of: {}",
                dir.display(),
                if have.is_empty() {
                    "(none: the file names have no such entity)".to_string()
                } else {
                    have.join(", ")
                }
            )));
        }
        all.retain(|r| get(r).is_some_and(|v| wanted.iter().any(|w| w == v)));
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_of_names() {
        assert_eq!(
            entities("sub-01_ses-2_task-mi_run-3_eeg.vhdr"),
            Some((
                "01".into(),
                Some("2".into()),
                Some("mi".into()),
                Some("3".into())
            ))
        );
        assert_eq!(
            entities("sub-a_task-rest_eeg.csv.gz").map(|e| e.0),
            Some("a".into())
        );
        assert_eq!(entities("sub-01_task-mi_events.tsv"), None);
        assert_eq!(entities("sub-01_task-mi_eeg.eeg"), None);
        assert_eq!(entities("task-mi_eeg.edf"), None);
    }

    #[test]
    fn finds_and_selects() {
        let dir = tempfile::tempdir().unwrap();
        let touch = |rel: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        };
        touch("sub-01/ses-1/eeg/sub-01_ses-1_task-mi_run-1_eeg.vhdr");
        touch("sub-01/ses-1/eeg/sub-01_ses-1_task-mi_run-1_eeg.eeg");
        touch("sub-01/ses-1/eeg/sub-01_ses-1_task-mi_run-1_events.tsv");
        touch("sub-01/ses-2/eeg/sub-01_ses-2_task-mi_run-1_eeg.vhdr");
        touch("sub-02/eeg/sub-02_task-mi_run-1_eeg.edf");
        touch("sub-02/eeg/sub-02_task-rest_eeg.edf");
        touch("participants.tsv");
        assert!(is_study(dir.path()));
        let all = find_recordings(dir.path(), &Selection::default()).unwrap();
        assert_eq!(all.len(), 4);
        assert_eq!(all[1].session.as_deref(), Some("2"));
        assert_eq!(all[2].session, None);
        let s = Selection {
            subjects: Some(vec!["sub-02".into()]),
            task: Some("mi".into()),
            ..Selection::default()
        };
        let some = find_recordings(dir.path(), &s).unwrap();
        assert_eq!(some.len(), 1);
        assert_eq!(some[0].run.as_deref(), Some("1"));
        let s = Selection {
            subjects: Some(vec!["03".into()]),
            ..Selection::default()
        };
        let e = find_recordings(dir.path(), &s).unwrap_err();
        assert!(e.message.contains("--subjects: "), "{}", e.message);
        assert!(
            e.message
                .contains("no sub-03 among the recordings, expected one of: 01, 02"),
            "{}",
            e.message
        );
        touch("sub-01/ses-2/eeg/sub-02_ses-2_task-mi_run-1_eeg.vhdr");
        let e = find_recordings(dir.path(), &Selection::default()).unwrap_err();
        assert!(
            e.message
                .contains("entities sub-02 ses-2 in a folder of sub-01 ses-2"),
            "{}",
            e.message
        );
    }
}
