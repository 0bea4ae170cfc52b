//! The sample rate of EEG CSV: `--sample-rate` checked, a rate inferred from the time column
//! bounded and rounded, and the [`CsvOptions`] that carry it (a leaf the stream and the
//! whole-file reader share).

use crate::limits::MAX_SAMPLE_RATE_HZ;
use crate::{Error, Result};
use std::path::Path;

/// How to read an EEG CSV file.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// Sample rate in Hz given by the user; when set, a `time` column is ignored.
    pub sample_rate_hz: Option<f64>,
}

/// Refuses a `--sample-rate` that is not a positive rate up to the limit.
pub(crate) fn check_rate_option(options: &CsvOptions) -> Result<()> {
    if let Some(fs) = options.sample_rate_hz {
        if !(fs.is_finite() && fs > 0.0 && fs <= MAX_SAMPLE_RATE_HZ) {
            return Err(Error::input(format!(
                "--sample-rate {fs}: expected a positive rate in Hz, at most {MAX_SAMPLE_RATE_HZ}"
            )));
        }
    }
    Ok(())
}

/// Refuses a rate inferred from the time column (column `time_column`, 0-based) above
/// [`MAX_SAMPLE_RATE_HZ`]: times in other units than seconds.
pub(crate) fn check_inferred_rate(path: &Path, fs: f64, time_column: Option<usize>) -> Result<()> {
    if fs > MAX_SAMPLE_RATE_HZ {
        return Err(Error::at(
            path,
            3,
            time_column.map(|c| c + 1),
            format!("a time step of {:e} s ({fs:.0} Hz)", 1.0 / fs),
            format!("a sample rate of at most {MAX_SAMPLE_RATE_HZ} Hz with times in seconds (pass --sample-rate if the column is in other units)"),
        ));
    }
    Ok(())
}

/// Rounds an inferred rate to whole Hz when it lies within 0.1% of a whole number, undoing
/// the rounding of printed timestamps (1/512 s printed as 0.001953).
pub(crate) fn round_rate(rate: f64) -> f64 {
    let whole = rate.round();
    if whole > 0.0 && (rate - whole).abs() <= 1e-3 * whole {
        whole
    } else {
        rate
    }
}
