//! Options shared by several subcommands, and the glue that turns them into library settings.

use super::preprocess_args::parse_epoch;
use crate::features::{Band, BandPowerSpec, ErpSpec, FeatureSpec, PowerScale, XdawnSpec};
use crate::io::{read_any, CsvOptions, Event, Loaded, ReadOptions, Warning};
use crate::pipeline::{InputFile, LabelledRecording};
use crate::windows::WindowSpec;
use crate::{Error, Result};
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// How recordings are read.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// Sample rate in Hz, for files without a `time` column (a `time` column is then ignored).
    #[arg(long, value_name = "HZ")]
    pub sample_rate: Option<f64>,

    /// Events file for the recording, instead of its sidecar `<stem>_events.csv` (one recording only).
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,

    /// BrainFlow board layout of a `DataFilter.write_file` file (tab-separated, no header):
    /// cyton (id 0, 250 Hz, 8 EEG), ganglion (1, 200 Hz, 4), cyton-daisy (2, 125 Hz, 16),
    /// synthetic (-1, 250 Hz, 16), muse (Muse 2/S: 38/22/39/21, 256 Hz, TP9 AF7 AF8 TP10);
    /// a name or BrainFlow id. OpenBCI GUI, Mind Monitor and muse-lsl files need no option.
    #[arg(long, value_name = "NAME|ID", allow_hyphen_values = true)]
    pub board: Option<String>,

    /// Keep only these channels, in this order (names after --rename); may select channels
    /// left out by default (auxiliary channels, non-EEG types of a `_channels.tsv`).
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub channels: Option<Vec<String>>,

    /// Rename channels, OLD=NEW, comma-separated (e.g. 'EXG Channel 0=Fz'); a model stores
    /// and checks the new names.
    #[arg(long, value_name = "OLD=NEW,...", value_delimiter = ',')]
    pub rename: Option<Vec<String>>,

    #[command(flatten)]
    pub mapping: super::event_map_args::EventMapArgs,
}

/// How windows are cut.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Windows")]
pub struct WindowArgs {
    /// One window per event from START to END s after its onset, e.g. 0:0.8 for an ErrP,
    /// -0.2:0.8 with a pre-stimulus baseline. Replaces --window/--step.
    #[arg(long, value_name = "START:END", allow_hyphen_values = true, value_parser = parse_epoch, conflicts_with_all = ["window", "step"])]
    pub epoch: Option<(f64, f64)>,

    /// Sliding window length in s, inside labelled segments. Default 2 s: long enough for
    /// 1 s Welch segments (1 Hz resolution) to average three times, short enough to follow
    /// a change of state within seconds.
    #[arg(long, value_name = "SECONDS")]
    pub window: Option<f64>,

    /// Step between sliding windows in s. Default 1 s (half the default window: every sample
    /// is seen twice, and windows at least 1 s apart are not near-duplicates).
    #[arg(long, value_name = "SECONDS")]
    pub step: Option<f64>,

    /// Keep only these labels (comma-separated); events with other labels are counted and skipped.
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub labels: Option<Vec<String>>,
}

/// Feature settings.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Features")]
pub struct FeatureArgs {
    /// Feature extractors, comma-separated, in column order: `bandpower` (Welch band power:
    /// oscillations, e.g. alpha), `erp` (the waveform decimated to --erp-rate: time-locked
    /// potentials such as the error-related potential) and/or `xdawn` (xDAWN spatial filters
    /// fitted on the training epochs, Rivet et al. 2009, as pyriemann's Xdawn: the filtered
    /// waveforms decimated to --erp-rate; needs --epoch; refitted on each cross-validation
    /// fold's training epochs only) and/or `cov` (channel covariance in the Riemannian tangent
    /// space, as pyriemann's Covariances + TangentSpace; fitted the same way) and/or `csp` (log-
    /// variance of CSP filters, as MNE's CSP(log=True); two classes) and/or `xdawncov` / `erpcov`
    /// (covariance of class prototypes stacked over the epoch, xDAWN-filtered or not, in the
    /// tangent space, as pyriemann's XdawnCovariances / ERPCovariances; need --epoch; fitted
    /// like xdawn). Default bandpower.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "bandpower"
    )]
    pub features: Vec<FeatureKind>,

    /// Rate of the `erp` waveform in Hz (bin means of the samples). Why the default: ERP
    /// components (N2, P3, error negativity/positivity) lie below 10 Hz, the Nyquist frequency
    /// of 20 Hz, and a 0.8 s epoch then gives 16 values per channel. Band-pass to at most half
    /// this rate (e.g. --bandpass 1-10) so bin means do not alias.
    #[arg(long, value_name = "HZ", default_value_t = ErpSpec::DEFAULT_RATE_HZ)]
    pub erp_rate: f64,

    #[command(flatten)]
    pub cov: super::cov_args::CovArgs,
    /// xDAWN filters kept per class (`xdawn` features: classes × filters × bins columns;
    /// `xdawncov`: a super-trial of 2 × classes × filters signals).
    /// The default is pyriemann's nfilter=4: an ERP is carried by a few spatial components, and
    /// the first filters hold most of its signal-to-noise ratio while keeping the features few
    /// (a binary 0.8 s epoch at 20 Hz: 2 × 4 × 16 = 128 columns; `erp` on 32 channels: 512).
    #[arg(long, value_name = "N", default_value_t = XdawnSpec::DEFAULT_FILTERS)]
    pub xdawn_filters: usize,

    /// Channels of the `erp` features (comma-separated names). Default: all channels; ErrPs
    /// peak at fronto-central sites (e.g. Fz,FCz,Cz).
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub erp_channels: Option<Vec<String>>,

    /// Welch segment length in s. Default: 1 s, or the whole window when shorter — 1 Hz
    /// resolution resolves the canonical bands (delta is 3 Hz wide) while averaging segments.
    #[arg(long, value_name = "SECONDS")]
    pub welch_segment: Option<f64>,

    /// Overlap of Welch segments as a fraction. The default is the usual choice with a Hann
    /// window (it recovers most of the data the taper down-weights).
    #[arg(long, value_name = "FRACTION", default_value_t = 0.5)]
    pub welch_overlap: f64,

    /// Frequency bands as name=low-high in Hz, each [low, high). Default: the clinical bands
    /// delta=1-4, theta=4-8, alpha=8-13, beta=13-30, gamma=30-45 (gamma stops below 50 Hz mains).
    #[arg(long, value_name = "NAME=LO-HI,...")]
    pub bands: Option<String>,

    /// How band power is expressed. Default log: log10 µV², since EEG power spans decades and
    /// its logarithm is close to normally distributed, which suits a linear classifier.
    #[arg(long, value_enum, default_value_t = PowerArg::Log)]
    pub power: PowerArg,
}

pub use super::cov_args::FeatureKind;

/// `--power` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PowerArg {
    /// log10 of band power in µV².
    Log,
    /// Band power in µV².
    Absolute,
    /// Band power as a fraction of the power between the lowest and highest band edge.
    Relative,
}

impl WindowArgs {
    /// The window spec these options ask for.
    pub fn spec(&self) -> WindowSpec {
        match self.epoch {
            Some((start_s, end_s)) => WindowSpec::Epoch { start_s, end_s },
            None => WindowSpec::Sliding {
                window_s: self.window.unwrap_or(2.0),
                step_s: self.step.unwrap_or(1.0),
            },
        }
    }
}

impl FeatureArgs {
    /// The feature extractors these options ask for, for windows of `window_s` seconds.
    pub fn specs(&self, window_s: f64) -> Result<Vec<FeatureSpec>> {
        let mut kinds = self.features.clone();
        kinds.dedup();
        if kinds.is_empty() {
            return Err(Error::input(
                "--features: none given, expected bandpower, erp, xdawn, cov, csp, xdawncov and/or erpcov",
            ));
        }
        let mut specs = Vec::new();
        for kind in kinds {
            match kind {
                FeatureKind::Bandpower => specs.push(self.bandpower(window_s)?),
                FeatureKind::Erp => specs.push(FeatureSpec::Erp(ErpSpec {
                    rate_hz: self.erp_rate,
                    channels: self.erp_channels.clone(),
                })),
                FeatureKind::Xdawn => specs.push(FeatureSpec::Xdawn(XdawnSpec {
                    n_filters: self.xdawn_filters,
                    rate_hz: self.erp_rate,
                    fitted: None,
                })),
                k @ (FeatureKind::Cov
                | FeatureKind::Csp
                | FeatureKind::Xdawncov
                | FeatureKind::Erpcov) => specs.push(self.cov.spec(k, self.xdawn_filters)),
            }
        }
        Ok(specs)
    }

    /// The band-power extractor these options ask for.
    fn bandpower(&self, window_s: f64) -> Result<FeatureSpec> {
        let bands = match &self.bands {
            Some(text) => Band::parse_list(text)?,
            None => Band::defaults(),
        };
        let welch_segment_s = match self.welch_segment {
            Some(s) if s.is_finite() && s > 0.0 => s,
            Some(s) => {
                return Err(Error::input(format!(
                    "--welch-segment {s}: expected a positive length in seconds"
                )))
            }
            None => BandPowerSpec::default_segment_s(window_s),
        };
        let power = match self.power {
            PowerArg::Log => PowerScale::Log10,
            PowerArg::Absolute => PowerScale::Absolute,
            PowerArg::Relative => PowerScale::Relative,
        };
        Ok(FeatureSpec::BandPower(BandPowerSpec {
            welch_segment_s,
            welch_overlap: self.welch_overlap,
            bands,
            power,
        }))
    }
}

impl InputArgs {
    /// Refuses an output that names one of the run's inputs (`recordings`, `--events`,
    /// `model`) before any work is done; sidecars and files found later are refused when the
    /// output is written ([`crate::io::output::check_output`]).
    pub fn check_output(
        &self,
        output: &Path,
        recordings: &[PathBuf],
        model: Option<&Path>,
    ) -> Result<()> {
        let mut inputs: Vec<&Path> = recordings.iter().map(PathBuf::as_path).collect();
        inputs.extend(self.events.as_deref());
        inputs.extend(model);
        crate::io::output::check_output(output, &inputs)
    }

    /// CSV reading options.
    pub fn csv(&self) -> CsvOptions {
        CsvOptions {
            sample_rate_hz: self.sample_rate,
        }
    }

    /// `--sample-rate`, checked to be a positive rate in Hz (none when not given).
    pub fn checked_sample_rate(&self) -> Result<Option<f64>> {
        match self.sample_rate {
            Some(fs)
                if !(fs.is_finite() && fs > 0.0 && fs <= crate::limits::MAX_SAMPLE_RATE_HZ) =>
            {
                Err(Error::input(format!(
                    "--sample-rate {fs}: expected a positive rate in Hz, at most {}",
                    crate::limits::MAX_SAMPLE_RATE_HZ
                )))
            }
            other => Ok(other),
        }
    }

    /// The events file of a recording: `--events` or its sidecar, if any.
    pub fn events_path(&self, recording: &Path, n_recordings: usize) -> Result<Option<PathBuf>> {
        super::event_map_args::events_path(self.events.as_deref(), recording, n_recordings)
    }

    /// The events of a loaded recording and where they came from: `--events`, the sidecar
    /// file, else the events stored in the recording itself (EDF+ annotations,
    /// BrainVision or vendor markers); with an event map in force (`--event-map`, or the model's), only the events
    /// it keeps, relabelled.
    pub fn events_of(
        &self,
        loaded: &Loaded,
        path: &Path,
        n_recordings: usize,
    ) -> Result<Option<(Vec<Event>, PathBuf)>> {
        let found = self.events_path(path, n_recordings)?;
        let end_s = loaded.recording.duration_s();
        match super::event_map_args::events_in(found, loaded, path)? {
            Some((events, from)) => Ok(Some((self.mapped(events, &from, end_s)?, from))),
            None => Ok(None),
        }
    }

    /// Events as the options make them: segments from markers (`--segments-from-markers`,
    /// the last one ending at `end_s`, the recording's duration in s), then the event map.
    fn mapped(&self, events: Vec<Event>, from: &Path, end_s: f64) -> Result<Vec<Event>> {
        let events = if self.mapping.segments_from_markers {
            super::event_map_args::segments_from_markers(events, end_s)
        } else {
            events
        };
        self.mapping.apply(events, from)
    }

    /// Like [`InputArgs::events_of`] for a streamed recording: `--events`, the sidecar, else
    /// the events its blocks carried (`embedded`), through the event map in force.
    /// `end_s` is the stream's duration in s (the end of the last segment from markers).
    pub fn events_of_stream(
        &self,
        embedded: &[Event],
        path: &Path,
        end_s: f64,
    ) -> Result<Option<(Vec<Event>, PathBuf)>> {
        let found = self.events_path(path, 1)?;
        match super::event_map_args::events_from(found, embedded, path)? {
            Some((events, from)) => Ok(Some((self.mapped(events, &from, end_s)?, from))),
            None => Ok(None),
        }
    }

    /// Refuses standard input (`-`) named more than once among a command's inputs — the
    /// `recordings`, `--events` and the `model` — since it can be read only once.
    pub fn check_stdin_once(&self, recordings: &[PathBuf], model: Option<&Path>) -> Result<()> {
        let stdin = Path::new("-");
        let mut uses: Vec<String> = recordings
            .iter()
            .enumerate()
            .filter(|(_, p)| p.as_path() == stdin)
            .map(|(i, _)| match recordings.len() {
                1 => "the recording".to_string(),
                _ => format!("recording {}", i + 1),
            })
            .collect();
        if self.events.as_deref() == Some(stdin) {
            uses.push("--events".into());
        }
        if model == Some(stdin) {
            uses.push("the model".into());
        }
        match &uses[..] {
            [first, second, ..] => Err(Error::input(format!(
                "standard input (-) given twice, as {first} and as {second}, expected it once (it can be read only once)"
            ))),
            _ => Ok(()),
        }
    }

    /// How recordings are read: CSV options, --board, --channels, --rename.
    pub fn read_options(&self) -> Result<ReadOptions> {
        Ok(ReadOptions {
            csv: self.csv(),
            board: self.board.clone(),
            channels: self.channels.clone(),
            rename: crate::io::vendor::parse_renames(self.rename.as_deref().unwrap_or(&[]))?,
        })
    }

    /// Reads one recording (any format or dialect) with what its file says besides samples
    /// (embedded events), printing its input sanity warnings on stderr.
    pub fn read_loaded(&self, path: &Path) -> Result<Loaded> {
        let loaded = read_any(path, &self.read_options()?)?;
        print_warnings(&loaded.warnings);
        Ok(loaded)
    }

    /// Reads the recordings (in parallel) with their events; every recording needs events.
    /// Input sanity warnings are printed on stderr.
    #[allow(dead_code)] // kept for subcommands that do not report warnings
    pub fn load_labelled(&self, paths: &[PathBuf]) -> Result<Vec<LabelledRecording>> {
        self.load_labelled_with_warnings(paths).map(|(r, _)| r)
    }

    /// Like [`InputArgs::load_labelled`], also returning the warnings (in input order).
    pub fn load_labelled_with_warnings(
        &self,
        paths: &[PathBuf],
    ) -> Result<(Vec<LabelledRecording>, Vec<Warning>)> {
        let options = self.read_options()?;
        let loaded: Vec<(LabelledRecording, Vec<Warning>)> = paths
            .par_iter()
            .map(|p| {
                let loaded = read_any(p, &options)?;
                let (events, events_path) =
                    self.events_of(&loaded, p, paths.len())?.ok_or_else(|| {
                        Error::file(
                            p,
                            "no events file (looked for <stem>_events.csv and <stem>_events.tsv beside it) and no events in the file itself, expected labelled events; pass --events",
                        )
                    })?;
                let (recording, warnings) = (loaded.recording, loaded.warnings);
                Ok((
                    LabelledRecording {
                        recording,
                        events,
                        events_path,
                    },
                    warnings,
                ))
            })
            .collect::<Result<_>>()?;
        let mut recordings = Vec::with_capacity(loaded.len());
        let mut warnings = Vec::new();
        for (r, w) in loaded {
            recordings.push(r);
            warnings.extend(w);
        }
        print_warnings(&warnings);
        Ok((recordings, warnings))
    }
}

/// Prints input sanity warnings on stderr, one line each.
pub fn print_warnings(warnings: &[Warning]) {
    for w in warnings {
        eprintln!("eegi: {w}");
    }
}

/// SHA-256 of each recording and events file, in input order.
pub fn hash_inputs(inputs: &[LabelledRecording]) -> Result<Vec<InputFile>> {
    inputs
        .iter()
        .flat_map(|i| [i.recording.source.clone(), i.events_path.clone()])
        .map(|p| {
            if p == Path::new("-") {
                return Ok(InputFile {
                    path: "-".into(),
                    sha256: "standard input (not hashed)".into(),
                });
            }
            let cannot = |e: std::io::Error| {
                Error::file(
                    &p,
                    format!("cannot read file: {}", crate::io::io_reason(&e)),
                )
            };
            let mut hasher = Sha256::new();
            let mut file = crate::io::output::open_input(&p).map_err(cannot)?;
            std::io::copy(&mut file, &mut hasher).map_err(cannot)?;
            Ok(InputFile {
                path: p.display().to_string(),
                sha256: format!("{:x}", hasher.finalize()),
            })
        })
        .collect()
}

/// Formats seconds with up to 6 decimals and no trailing zeros (0.5, 12.00625).
pub fn fmt_seconds(s: f64) -> String {
    let t = format!("{s:.6}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    if t.is_empty() || t == "-" {
        "0".into()
    } else {
        t.to_string()
    }
}

/// A CSV field as RFC 4180 writes it: wrapped in `"` (with each `"` doubled) when it holds a
/// comma, quote, CR or LF — or a tab or semicolon, which other readers (and eegi's own
/// delimiter detection) may take for the delimiter; otherwise unchanged and not copied.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r', ';', '\t']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("eyes_closed"), "eyes_closed");
        assert!(matches!(csv_field("Cz"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(csv_field("a,x"), "\"a,x\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("cr\r"), "\"cr\r\"");
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("<script>|"), "<script>|");
        // the csv crate reads each back exactly
        for s in [
            "a,x",
            "say \"hi\"",
            "two\nlines",
            "x\r\ny",
            "\"",
            ",",
            "a;b\tc",
        ] {
            let line = format!("{},end\n", csv_field(s));
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(line.as_bytes());
            let rec = r.records().next().unwrap().unwrap();
            assert_eq!((&rec[0], &rec[1]), (s, "end"), "{line:?}");
        }
    }

    #[test]
    fn epoch_parses_negative_start() {
        assert_eq!(parse_epoch("-0.2:0.8").unwrap(), (-0.2, 0.8));
        assert!(parse_epoch("0.8:0.2").is_err());
        assert!(parse_epoch("0.8").is_err());
    }

    #[test]
    fn seconds_are_short() {
        assert_eq!(fmt_seconds(0.5), "0.5");
        assert_eq!(fmt_seconds(2.0), "2");
        assert_eq!(fmt_seconds(0.0), "0");
        assert_eq!(fmt_seconds(1.2000000000000002), "1.2");
    }
}
