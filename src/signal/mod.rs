//! Pure numeric kernels on sample buffers; they allocate only when a plan is made.

pub mod welch;

pub use welch::WelchPlan;
