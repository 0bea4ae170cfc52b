//! Command-line interface: one file per subcommand, shared options in `config`.

mod classify;
mod classify_lsl;
mod classify_out;
mod classify_truth;
mod compare_args;
mod config;
mod convert;
mod cov_args;
mod evaluate;
mod evaluate_checks;
mod evaluate_compare;
mod evaluate_study;
mod event_map_args;
mod features;
mod info;
mod inspect;
mod lsl_args;
mod preprocess_args;
mod realtime;
mod replay;
mod report_merge;
mod selection_text;
mod simulate;
mod study_args;
mod svm_args;
mod train;
mod train_auto;
mod usage;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// The default model, trained from `data/` by the command in README.md and embedded in the binary.
pub const DEFAULT_MODEL: &str = include_str!("../../models/default.json");

const ABOUT: &str = "Turn recorded EEG into labelled intents: train on labelled sessions, then label each window of new EEG.";

const LONG_ABOUT: &str = "\
Turn recorded EEG into labelled intents: train on labelled sessions, then label each window of new EEG.

Pipeline: a recording — EEG CSV (header of channel names, optional `time` column in s,
values in µV), .csv.gz, EDF/EDF+ or BDF/BDF+ (chosen by content, then extension) —
→ windows (event-locked epochs or sliding windows inside labelled segments)
→ Welch band power per channel and band
→ standardised, class-balanced logistic regression
→ a label and class probabilities per window.

Events come from a sidecar `<recording>_events.csv` (or .tsv) with columns onset_s|onset,
duration_s|duration, label|trial_type, from --events, or from EDF+/BDF+ annotations.

Vendor files are detected and read as they are: BrainFlow board files (tab-separated, no
header; name the layout with --board cyton|ganglion|cyton-daisy|synthetic|muse or a BrainFlow
id), OpenBCI GUI exports (OpenBCI-RAW-*.txt; rate from `%Sample Rate`), Mind Monitor and
muse-lsl CSV (rate from the time stamps; ms stamps detected by magnitude; markers become
events). --rename OLD=NEW and --channels A,B pick channels in every command. A BIDS
`<stem>_channels.tsv` drops channels with status bad and leaves out non-EEG types.

Errors are one line on stderr: `eegi: <file>:<line>:<column>: <what was found>, expected <what>`
(or the channel, event or option concerned), often with a hint.
Exit codes: 0 success; 1 runtime failure (cannot write the output, a fit that failed);
2 bad usage or bad input (a malformed file, an option out of range, a refused model file).
Limits: lines of at most 1 MiB, headers of at most 4096 columns, model files of at most
16 MiB, sample rates up to 100 kHz, windows up to 4194304 samples, 100000 events per
events file or recording.
Warnings (`eegi: warning: …`, never fatal): flat or railed channels, values that look like
volts or nanovolts, large DC offsets, a time column that disagrees with --sample-rate.
--threads N (every command): worker threads for parsing, feature extraction and
cross-validation. Default: all cores (streams are then read one block ahead on a thread of their
own; with 1, eegi runs on one thread). At most 4 × the cores: more cannot run at once and only
cost memory (each thread holds about 1 MiB of read buffer plus its stack), so a larger N is
lowered with a note. Models and outputs are byte-identical whatever the number.
Outputs (-o) are written to a temporary file and renamed: a failed or interrupted run keeps
the previous file (through a symbolic link, the linked file is replaced and the link kept).
An output that is one of the run's inputs (recording, events, model; by any name or link) is
refused before anything is written. A device, FIFO or socket (-o /dev/null, a named pipe) is
written into, never replaced. `-` as output writes to stdout; as a recording reads stdin.";

/// eegi's command line.
#[derive(Debug, Parser)]
#[command(name = "eegi", version, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
    /// Worker threads (default: all cores; at most 4 × the cores; same outputs whatever N; see
    /// `eegi --help`)
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,

    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Train a model on labelled recordings and report its cross-validated balanced accuracy.
    Train(train::Args),
    /// Label the windows of a recording with a trained model (the shipped default without -m).
    Classify(classify::Args),
    /// Write the feature matrix of recordings as CSV, for inspection or other tools.
    Features(features::Args),
    /// Print what a model expects (channels, rate, window, features, classes) and its training summary.
    Inspect(inspect::Args),
    /// Evaluate on a batch of recordings: held-out model or leakage-aware cross-validation,
    /// every metric, a permutation test against chance, and a JSON/Markdown/HTML report.
    Evaluate(evaluate::Args),
    /// Write synthetic EEG with robot-error feedback events and error-related potentials.
    Simulate(simulate::Args),
    /// Convert a recording (CSV, .csv.gz, EDF/EDF+, BDF/BDF+, BrainVision) to eegi's CSV layout
    /// (with a sidecar events file when it has events), BrainVision, EDF+ or BDF+.
    Convert(convert::Args),
    /// Describe a recording: format, channels, sample rate, duration, events, warnings.
    Info(info::Args),
    /// Play a recording in real time as a Lab Streaming Layer EEG stream, its events as a
    /// marker stream (needs a build with `--features lsl`).
    Replay(replay::Args),
    /// Study reports: `eegi report merge PARTS...` joins the shards of a study evaluation.
    Report(report_merge::Args),
}

/// Reads a model file, or the embedded default; notes (a migrated format) go to stderr.
pub fn load_model(
    path: Option<&std::path::Path>,
) -> crate::Result<crate::pipeline::FittedPipeline> {
    let (model, notes) = match path {
        Some(p) => crate::pipeline::FittedPipeline::load(p)?,
        None => crate::pipeline::FittedPipeline::from_json_with_notes(
            std::path::Path::new("<embedded default model>"),
            DEFAULT_MODEL,
        )?,
    };
    for n in notes {
        eprintln!("eegi: {n}");
    }
    Ok(model)
}

/// Writes text to stdout; a closed pipe (`| head`) ends the output quietly.
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

/// Most worker threads per core: more cannot run at once and each costs memory.
pub const MAX_THREADS_PER_CORE: usize = 4;

/// The number of threads to use for `--threads N`: N, or at most [`MAX_THREADS_PER_CORE`] ×
/// `cores` with a note saying so; 0 is refused.
pub fn bounded_threads(n: usize, cores: usize) -> crate::Result<(usize, Option<String>)> {
    if n == 0 {
        return Err(crate::Error::input(
            "--threads 0: expected at least 1 thread",
        ));
    }
    let most = MAX_THREADS_PER_CORE * cores.max(1);
    if n > most {
        let note = format!(
            "note: --threads {n} is more than {MAX_THREADS_PER_CORE} per core on this machine's {cores} core{}: using {most} (more cannot run at once and each thread holds about 1 MiB)",
            if cores == 1 { "" } else { "s" }
        );
        return Ok((most, Some(note)));
    }
    Ok((n, None))
}

/// Sizes rayon's global pool: `--threads N` (bounded by [`bounded_threads`]), or all cores.
fn set_threads(threads: Option<usize>) -> crate::Result<()> {
    if let Some(n) = threads {
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        let (n, note) = bounded_threads(n, cores)?;
        if let Some(note) = note {
            eprintln!("eegi: {note}");
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| crate::Error::runtime(format!("--threads {n}: {e}")))?;
    }
    Ok(())
}

/// `classify --realtime`: refused (exit 2) on a recording file; on a live stream, real-time
/// scheduling is taken for the threads to come, or a warning says why not.
fn enter_realtime(live: bool) -> crate::Result<()> {
    if !live {
        return Err(crate::Error::input(
            "--realtime: applies to a live stream, expected --lsl, --follow or standard input (-)",
        ));
    }
    match realtime::enter() {
        Ok(()) => eprintln!(
            "eegi: real-time scheduling: SCHED_FIFO priority {}",
            realtime::PRIORITY
        ),
        Err(why) => eprintln!("eegi: warning: --realtime: {why}; deciding at normal priority"),
    }
    Ok(())
}

/// Runs eegi with the process arguments; returns the exit code.
pub fn main() -> i32 {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            // clap's message is several lines; eegi's errors are one, with all of its content
            let args: Vec<String> = std::env::args().skip(1).collect();
            let names: Vec<String> = Cli::command()
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            eprintln!("eegi: {}", usage::usage_line(&e, &args, &names));
            return 2;
        }
    };
    let result = set_threads(cli.threads).and_then(|()| match cli.command {
        // --auto chooses the pipeline among the presets (train_auto.rs)
        Command::Train(a) if a.auto.is_some() => train::run_with(a, Some(&train_auto::choose)),
        Command::Train(a) => train::run(a),
        Command::Classify(a) => {
            if a.realtime {
                enter_realtime(a.live())?;
            }
            if a.lsl.active() {
                classify_lsl::run(a)
            } else {
                classify::run(a)
            }
        }
        Command::Features(a) => features::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Evaluate(a) => {
            let given = matches
                .subcommand_matches("evaluate")
                .map(evaluate_checks::model_overrides)
                .unwrap_or_default();
            // a BIDS study folder is evaluated subject by subject (evaluate_study.rs)
            match evaluate_study::study_dir(&a) {
                Ok(Some(_)) if a.compare.active() => Err(crate::Error::input(
                    "--compare/--pipeline on a BIDS study folder: not supported, expected recordings or a folder of recordings (compare pipelines per subject)",
                )),
                Ok(Some(dir)) => evaluate_study::run(&a, &dir),
                // --compare / --pipeline: several pipelines on one fold list (evaluate_compare.rs)
                Ok(None) if a.compare.active() => evaluate_compare::run(&a),
                Ok(None) => evaluate::run(a, &given),
                Err(e) => Err(e),
            }
        }
        Command::Simulate(a) => simulate::run(a),
        Command::Convert(a) => convert::run(a),
        Command::Info(a) => info::run(a),
        Command::Replay(a) => replay::run(a),
        Command::Report(a) => report_merge::run(a),
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("eegi: {e}");
            e.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_bounded_by_a_multiple_of_the_cores() {
        assert_eq!(bounded_threads(3, 2).unwrap(), (3, None));
        assert_eq!(bounded_threads(8, 2).unwrap(), (8, None));
        let (n, note) = bounded_threads(100_000, 2).unwrap();
        assert_eq!(n, 8);
        assert!(note.unwrap().contains("--threads 100000"));
        assert_eq!(bounded_threads(5, 1).unwrap().0, 4);
        assert!(bounded_threads(0, 2).is_err());
    }
}
