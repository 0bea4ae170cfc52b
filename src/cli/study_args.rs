//! The study options of `eegi evaluate` (`--protocol`, `--subjects`, `--sessions`, `--task`,
//! `--shard`), flattened into its arguments; a leaf, so that `evaluate.rs` and
//! `evaluate_study.rs` both name it without naming each other both ways.

/// `--protocol` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProtocolArg {
    /// K-fold (--cv K, default 5) inside each session of each subject.
    WithinSession,
    /// Leave one session out, per subject.
    CrossSession,
    /// Leave one subject out.
    CrossSubject,
}

/// The study options of `eegi evaluate`.
#[derive(Debug, Clone, clap::Args)]
pub struct StudyArgs {
    /// With a BIDS study folder (sub-*/[ses-*/]eeg/*_eeg.{edf,bdf,vhdr,csv}): the evaluation,
    /// as MOABB names them — within-session (K-fold inside each session; --cv K, default 5),
    /// cross-session (leave one session out per subject) or cross-subject (leave one subject
    /// out). Default within-session. One report row per subject and session.
    #[arg(long, value_enum, value_name = "PROTOCOL")]
    pub protocol: Option<ProtocolArg>,

    /// Study subjects to evaluate, by label (`01,02` or `sub-01,sub-02`); default all.
    #[arg(long, value_name = "LABELS", value_delimiter = ',')]
    pub subjects: Option<Vec<String>>,

    /// Study sessions to evaluate, by label (`1,2` or `ses-1`); default all.
    #[arg(long, value_name = "LABELS", value_delimiter = ',')]
    pub sessions: Option<Vec<String>>,

    /// Study task to evaluate (`task-<label>` of the file names); default all.
    #[arg(long, value_name = "LABEL")]
    pub task: Option<String>,

    /// Compute only shard I of N of the study's subjects (subjects in study order, every Nth
    /// from the Ith) and write that part's JSON (--report part.json); `eegi report merge`
    /// joins the parts into the whole report. For running shards as a Slurm array job or with
    /// GNU parallel: docs/study.md.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

impl StudyArgs {
    /// Whether any study option was given.
    pub(super) fn any(&self) -> bool {
        self.protocol.is_some()
            || self.subjects.is_some()
            || self.sessions.is_some()
            || self.task.is_some()
            || self.shard.is_some()
    }
}
