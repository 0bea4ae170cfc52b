//! The Lab Streaming Layer options of `eegi classify` (`--lsl`, `--lsl-markers`, `--lsl-out`,
//! ...), and the one error a build without the `lsl` feature gives for them and for `eegi replay`.

/// LSL options of `eegi classify`.
#[derive(Debug, Clone, clap::Args)]
pub struct LslArgs {
    /// Read the EEG from a Lab Streaming Layer stream instead of a file: an LSL predicate
    /// (XPath over the stream's info), e.g. "type='EEG'" or "name='OpenBCI_EEG'". eegi waits
    /// for it to appear, takes channel labels, units and rate from its description
    /// (desc/channels/channel/label|unit; units microvolts, millivolts or volts) and refuses a
    /// mismatch with the model as for files (--rename and --channels apply to its labels as to
    /// a file's; --labels and the event map pick the markers decided). Prints each decision as
    /// it is made (flushed; -o FILE: into FILE, which replaces it when the session ends) and
    /// ends with a summary on stderr when the stream stops (--lsl-idle) or on Ctrl-C (exit 0).
    /// A restarted sender is caught even when its time stamps go on without a gap (liblsl
    /// recovers the stream). Needs a build with `--features lsl`.
    #[arg(long, value_name = "PREDICATE", conflicts_with = "follow")]
    pub lsl: Option<String>,

    /// Event-locked models: read events from an LSL marker stream (string samples; the first
    /// channel is the label) matching this predicate, e.g. "type='Markers'". Each marker's time
    /// stamp is put on the EEG's clock (liblsl's time_correction of each stream; none between
    /// two streams of one host) and its epoch is cut from the samples by their time stamps, as
    /// offline. In warnings, a marker's "line" is its number in the stream (from 1).
    #[arg(long, value_name = "PREDICATE", requires = "lsl")]
    pub lsl_markers: Option<String>,

    /// Publish each decision as an LSL marker stream of this name (type `Markers`, 2 string
    /// channels: `label`, then the class probabilities as a JSON object such as
    /// {"ok":0.93,"robot_error":0.07}; the class names are in the description,
    /// desc/classes/class), time-stamped at the epoch's onset on this machine's LSL clock
    /// (sliding windows: at the window's first sample). Stdout keeps printing the decisions.
    #[arg(long, value_name = "NAME", requires = "lsl")]
    pub lsl_out: Option<String>,

    /// Give up (exit 1) when no stream matching --lsl (or --lsl-markers) appeared within this
    /// many seconds. Default: wait until one does (or Ctrl-C).
    #[arg(long, value_name = "SECONDS", requires = "lsl")]
    pub lsl_timeout: Option<f64>,

    /// End (with a warning and the summary, exit 0) when the EEG stream sent no sample for this
    /// many seconds: it stopped, or its sender went away.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, requires = "lsl")]
    pub lsl_idle: f64,

    /// A jump between two consecutive EEG time stamps of more than this many sample periods is
    /// a gap (dropped samples): the epochs it touches are skipped with a warning, and decoding
    /// starts afresh after it (as after a restart: a new stream uid, or time stamps going back).
    /// Raise it for senders whose time stamps jitter (not dejittered).
    #[arg(long, value_name = "PERIODS", default_value_t = 1.5, requires = "lsl")]
    pub lsl_max_gap: f64,
}

impl LslArgs {
    /// Whether the EEG comes from LSL.
    pub fn active(&self) -> bool {
        self.lsl.is_some()
    }

    /// Checks the numbers (finite, positive).
    #[cfg_attr(not(feature = "lsl"), allow(dead_code))]
    pub fn check(&self) -> crate::Result<()> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(crate::Error::input(format!(
                    "{name} {v}: expected a positive number of seconds"
                )))
            }
        };
        if let Some(t) = self.lsl_timeout {
            positive("--lsl-timeout", t)?;
        }
        positive("--lsl-idle", self.lsl_idle)?;
        if !(self.lsl_max_gap.is_finite() && self.lsl_max_gap >= 1.0) {
            return Err(crate::Error::input(format!(
                "--lsl-max-gap {}: expected a number of sample periods of at least 1",
                self.lsl_max_gap
            )));
        }
        Ok(())
    }
}

/// The error of a build without LSL: what needs it and how to get a build with it.
#[cfg_attr(feature = "lsl", allow(dead_code))]
pub fn unavailable(what: &str) -> crate::Error {
    crate::Error::input(format!(
        "{what} needs a build with Lab Streaming Layer support: cargo install --path . --features lsl (builds liblsl; needs cmake and a C++ compiler, e.g. apt-get install cmake g++)"
    ))
}
