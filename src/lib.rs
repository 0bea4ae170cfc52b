//! eegi: turn recorded EEG into labelled intents.
//!
//! Data flows one way: [`Recording`] (samples × channels, µV) → [`windows`] (labelled slices) →
//! [`features`] (named feature matrix) → [`pipeline::FittedPipeline`] (scaler + classifier, the
//! model file) → [`pipeline::Prediction`]s. The `cli` module is thin glue over this library.

pub mod cli;
pub mod error;
pub mod evaluate;
pub mod features;
pub mod io;
#[cfg(test)]
mod layering;
pub mod limits;
pub mod model;
pub mod online;
pub mod pipeline;
pub mod preprocess;
pub mod recording;
pub mod report;
pub mod signal;
pub mod simulate;
pub mod validation;
pub mod windows;

pub use error::{Error, ErrorKind, Result};
pub use recording::Event;
pub use recording::Recording;
