//! Pure numeric kernels on sample buffers; they allocate only when a plan is made.

pub mod filter;
pub mod linalg;
pub mod resample;
pub mod spd;
pub mod welch;

pub use filter::Sos;
pub use resample::Resampler;
pub use welch::WelchPlan;
