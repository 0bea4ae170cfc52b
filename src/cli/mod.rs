//! Command-line interface: one file per subcommand, shared options in `config`.

mod classify;
mod config;
mod features;
mod simulate;
mod train;

use clap::{Parser, Subcommand};

/// The default model, trained from `data/` by the command in README.md and embedded in the binary.
pub const DEFAULT_MODEL: &str = include_str!("../../models/default.json");

const ABOUT: &str = "Turn recorded EEG into labelled intents: train on labelled sessions, then label each window of new EEG.";

const LONG_ABOUT: &str = "\
Turn recorded EEG into labelled intents: train on labelled sessions, then label each window of new EEG.

Pipeline: EEG CSV (header of channel names, optional `time` column in s, values in µV)
→ windows (event-locked epochs or sliding windows inside labelled segments)
→ Welch band power per channel and band
→ standardised, class-balanced logistic regression
→ a label and class probabilities per window.

Events come from a sidecar `<recording>_events.csv` (or .tsv) with columns onset_s|onset,
duration_s|duration, label|trial_type, or from --events.

Exit codes: 0 success, 1 runtime failure (e.g. cannot write output), 2 bad usage or bad input.
Errors are one line: `eegi: <file>:<line>:<column>: <what was found>, expected <what>`.";

/// eegi's command line.
#[derive(Debug, Parser)]
#[command(name = "eegi", version, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
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
    /// Write synthetic EEG with robot-error feedback events and error-related potentials.
    Simulate(simulate::Args),
}

/// Runs eegi with the process arguments; returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(a) => train::run(a),
        Command::Classify(a) => classify::run(a),
        Command::Features(a) => features::run(a),
        Command::Simulate(a) => simulate::run(a),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("eegi: {e}");
            e.exit_code()
        }
    }
}
