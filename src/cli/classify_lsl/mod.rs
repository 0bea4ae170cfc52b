//! `eegi classify --lsl PREDICATE`: classify a live Lab Streaming Layer EEG stream — event-locked
//! models on the events of an LSL marker stream (`--lsl-markers`), each decided as soon as its
//! epoch's last sample arrives; sliding-window models window by window — printing each decision
//! as it is made and, with `--lsl-out NAME`, publishing it as an LSL marker stream. Gaps,
//! restarts and late markers are warned about and their epochs skipped, never decided from the
//! wrong samples. Needs a build with `--features lsl`.

use super::classify::Args;
use crate::Result;

/// Runs `eegi classify --lsl`.
#[cfg(not(feature = "lsl"))]
pub fn run(_args: Args) -> Result<()> {
    Err(super::lsl_args::unavailable("eegi classify --lsl"))
}

/// Runs `eegi classify --lsl`.
#[cfg(feature = "lsl")]
pub fn run(args: Args) -> Result<()> {
    live::run(args)
}

#[cfg(feature = "lsl")]
mod live;
#[cfg(feature = "lsl")]
mod publish;
#[cfg(feature = "lsl")]
mod session;
#[cfg(feature = "lsl")]
mod stats;
#[cfg(feature = "lsl")]
mod warm;
