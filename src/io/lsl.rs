//! Lab Streaming Layer in and out (behind the cargo feature `lsl`, which builds the official
//! `lsl` crate's bundled liblsl with cmake): resolve a stream by predicate, read an EEG stream's
//! samples (µV, channels in the order asked for) and a marker stream's strings with their LSL
//! time stamps, and publish EEG and marker streams. Channel labels, units and types travel in
//! the stream description as the XDF meta-data convention lays them out
//! (`desc/channels/channel/label|unit|type`). Knows nothing of models: callers say which
//! channels they need.

use super::channels::{rename_and_pick, ReadOptions};
use super::errors::missing_channels;
use crate::{Error, Result};
use lsl::{ExPushable, Pullable};
use std::path::{Path, PathBuf};

/// The LSL clock (s, monotonic, the clock every LSL time stamp of this machine is on).
pub fn local_clock() -> f64 {
    lsl::local_clock()
}

/// liblsl's version, e.g. `1.13`.
pub fn library_version() -> String {
    let v = lsl::library_version();
    format!("{}.{}", v / 100, v % 100)
}

/// What a stream says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamDescription {
    /// Stream name.
    pub name: String,
    /// Content type (`EEG`, `Markers`).
    pub kind: String,
    /// Source id (empty when the sender gave none).
    pub source_id: String,
    /// Unique id of this instance of the stream (a restarted sender has a new one).
    pub uid: String,
    /// Host name of the sender.
    pub hostname: String,
    /// Nominal sample rate, Hz (0 for irregular streams such as markers).
    pub sample_rate_hz: f64,
    /// Channel labels from the description, in stream order (empty when it has none).
    pub labels: Vec<String>,
    /// Channel units from the description, in stream order (empty strings where none given).
    pub units: Vec<String>,
    /// Number of channels.
    pub n_channels: usize,
}

impl StreamDescription {
    /// A name for errors and warnings: `lsl:NAME (type TYPE, HOST)`.
    pub fn display_name(&self) -> PathBuf {
        PathBuf::from(format!("lsl:{}", self.name))
    }

    fn of(info: &mut lsl::StreamInfo) -> StreamDescription {
        let n = info.channel_count().max(0) as usize;
        let (mut labels, mut units) = (Vec::new(), Vec::new());
        let channels = info.desc().child("channels");
        let mut ch = channels.child("channel");
        while ch.is_valid() && labels.len() < n {
            labels.push(ch.child_value_named("label").trim().to_string());
            units.push(ch.child_value_named("unit").trim().to_string());
            ch = ch.next_sibling_named("channel");
        }
        StreamDescription {
            name: info.stream_name(),
            kind: info.stream_type(),
            source_id: info.source_id(),
            uid: info.uid(),
            hostname: info.hostname(),
            sample_rate_hz: info.nominal_srate(),
            labels,
            units,
            n_channels: n,
        }
    }
}

/// A liblsl failure as eegi's error (a runtime failure: exit 1).
fn lsl_error(what: &str, e: lsl::Error) -> Error {
    Error::runtime(format!("LSL: {what}: {e}"))
}

/// Looks for a stream matching an LSL predicate (XPath 1.0 over its info, e.g.
/// `type='EEG'`, `name='eegi' and type='Markers'`) until one appears or `timeout_s` passes
/// (`None`: wait forever); `waiting` is called once, when the first look found nothing.
pub fn resolve(
    predicate: &str,
    timeout_s: Option<f64>,
    waiting: &mut dyn FnMut(),
) -> Result<lsl::StreamInfo> {
    let started = std::time::Instant::now();
    let mut told = false;
    loop {
        let found = lsl::resolve_bypred(predicate, 1, 1.0).map_err(|e| match e {
            lsl::Error::BadArgument => Error::input(format!(
                "LSL predicate {predicate:?}: not a valid predicate, expected e.g. \"type='EEG'\""
            )),
            e => lsl_error("resolving streams", e),
        })?;
        if let Some(info) = found.into_iter().next() {
            return Ok(info);
        }
        if !told {
            waiting();
            told = true;
        }
        if let Some(t) = timeout_s {
            if started.elapsed().as_secs_f64() >= t {
                return Err(Error::runtime(format!(
                    "no LSL stream matching {predicate:?} appeared in {t} s; is the sender running on this network?"
                )));
            }
        }
    }
}

/// Opens an inlet on a resolved stream and reads its full description.
fn open_inlet(info: &lsl::StreamInfo) -> Result<(lsl::StreamInlet, StreamDescription)> {
    // 30 s of buffer, the sender's chunks, recover a restarted sender with the same source id
    let inlet =
        lsl::StreamInlet::new(info, 30, 0, true).map_err(|e| lsl_error("opening an inlet", e))?;
    inlet
        .open_stream(10.0)
        .map_err(|e| lsl_error("opening the stream", e))?;
    let mut full = inlet
        .info(10.0)
        .map_err(|e| lsl_error("reading the stream description", e))?;
    let description = StreamDescription::of(&mut full);
    Ok((inlet, description))
}

/// How a unit written in a stream description converts to µV (`None`: not a voltage unit eegi
/// knows). An empty unit is taken as µV, the convention of EEG streams.
pub fn microvolts_per(unit: &str) -> Option<f64> {
    match unit.trim() {
        "" | "microvolts" | "microvolt" | "uV" | "µV" | "μV" | "uv" => Some(1.0),
        "millivolts" | "millivolt" | "mV" | "mv" => Some(1e3),
        "volts" | "volt" | "V" | "v" => Some(1e6),
        "nanovolts" | "nanovolt" | "nV" | "nv" => Some(1e-3),
        _ => None,
    }
}

/// An EEG stream read sample by sample: values in µV, in the channel order asked for.
pub struct EegInlet {
    inlet: lsl::StreamInlet,
    /// The stream's description as read when the inlet opened.
    pub description: StreamDescription,
    /// Stream channel of each wanted channel, and its factor to µV.
    picks: Vec<(usize, f64)>,
    raw: Vec<f64>,
    sample: Vec<f64>,
}

impl EegInlet {
    /// Opens a resolved EEG stream and picks `wanted` channels by label (refused, naming them,
    /// when missing: `who` says who needs them) after `options`' `--rename` and `--channels`
    /// (as for a file); the units of the description must be voltages.
    pub fn open(
        info: &lsl::StreamInfo,
        wanted: &[String],
        who: &str,
        options: &ReadOptions,
    ) -> Result<EegInlet> {
        let (inlet, description) = open_inlet(info)?;
        let name = description.display_name();
        if description.labels.len() < description.n_channels {
            return Err(Error::input(format!(
                "{}: the stream's description names {} of its {} channels (desc/channels/channel/label), expected a label for every channel so eegi can match them to the {}",
                name.display(),
                description.labels.len(),
                description.n_channels,
                who
            )));
        }
        let every = vec![true; description.n_channels];
        let (names, columns) =
            rename_and_pick(&name, &description.labels, &every, &every, options)?;
        let mut picks = Vec::with_capacity(wanted.len());
        let mut missing = Vec::new();
        for w in wanted {
            match columns.iter().copied().find(|&c| names[c] == *w) {
                Some(i) => {
                    let unit = &description.units[i];
                    let scale = microvolts_per(unit).ok_or_else(|| {
                        Error::input(format!(
                            "{}: channel {w} is in {unit:?}, expected a voltage (microvolts, millivolts, volts)",
                            name.display()
                        ))
                    })?;
                    picks.push((i, scale));
                }
                None => missing.push(w.as_str()),
            }
        }
        if !missing.is_empty() {
            let available: Vec<String> = columns.iter().map(|&c| names[c].clone()).collect();
            return Err(missing_channels(&name, &missing, &available, who));
        }
        Ok(EegInlet {
            inlet,
            raw: vec![0.0; description.n_channels],
            sample: vec![0.0; picks.len()],
            description,
            picks,
        })
    }

    /// Waits up to `timeout_s` for the next sample; returns its LSL time stamp (sender's clock)
    /// with the sample in [`EegInlet::sample`], or `None` when none came in time.
    pub fn pull(&mut self, timeout_s: f64) -> Result<Option<f64>> {
        let t = self
            .inlet
            .pull_sample_buf(&mut self.raw, timeout_s)
            .map_err(|e| lsl_error("reading samples", e))?;
        if t == 0.0 {
            return Ok(None);
        }
        for (d, &(i, scale)) in self.sample.iter_mut().zip(&self.picks) {
            *d = self.raw[i] * scale;
        }
        Ok(Some(t))
    }

    /// The last sample pulled, µV, in the order of the wanted channels.
    pub fn sample(&self) -> &[f64] {
        &self.sample
    }

    /// The offset (s) to add to this stream's time stamps to put them on this machine's LSL
    /// clock (liblsl's estimate, refreshed in the background), or `None` if none yet.
    pub fn time_correction(&self, timeout_s: f64) -> Option<f64> {
        self.inlet.time_correction(timeout_s).ok()
    }

    /// Whether liblsl recovered the stream since the last call: its sender went away and a
    /// new one with the same source id took its place (a restart, whatever its time stamps).
    /// liblsl 1.13 says so through `lsl_was_clock_reset` (its clock offset is reset on every
    /// recovery, once an offset was measured: see [`EegInlet::time_correction`]); the stream
    /// info it keeps is the first sender's, so the uid does not tell.
    pub fn recovered(&self) -> bool {
        self.inlet.was_clock_reset()
    }
}

/// A marker stream read one marker at a time (the first channel of a string stream).
pub struct MarkerInlet {
    inlet: lsl::StreamInlet,
    /// The stream's description as read when the inlet opened.
    pub description: StreamDescription,
    buf: Vec<String>,
}

impl MarkerInlet {
    /// Opens a resolved marker stream (string samples).
    pub fn open(info: &lsl::StreamInfo) -> Result<MarkerInlet> {
        if info.channel_format() != lsl::ChannelFormat::String {
            return Err(Error::input(format!(
                "lsl:{}: the marker stream carries {} samples, expected strings (marker codes or labels)",
                info.stream_name(),
                info.channel_format()
            )));
        }
        let (inlet, description) = open_inlet(info)?;
        Ok(MarkerInlet {
            inlet,
            description,
            buf: Vec::new(),
        })
    }

    /// The next marker (its first channel) and its LSL time stamp (sender's clock), waiting up
    /// to `timeout_s` (0: only what has arrived).
    pub fn pull(&mut self, timeout_s: f64) -> Result<Option<(String, f64)>> {
        // the common case, nothing new: no call that allocates
        if timeout_s == 0.0 && self.inlet.samples_available() == 0 {
            return Ok(None);
        }
        let t = self
            .inlet
            .pull_sample_buf(&mut self.buf, timeout_s)
            .map_err(|e| lsl_error("reading markers", e))?;
        if t == 0.0 {
            return Ok(None);
        }
        Ok(Some((self.buf.first().cloned().unwrap_or_default(), t)))
    }

    /// The offset (s) to add to this stream's time stamps to put them on this machine's LSL
    /// clock, or `None` if none yet.
    pub fn time_correction(&self, timeout_s: f64) -> Option<f64> {
        self.inlet.time_correction(timeout_s).ok()
    }
}

/// What an outlet announces.
#[derive(Debug, Clone)]
pub struct OutletSpec<'a> {
    /// Stream name.
    pub name: &'a str,
    /// Content type (`EEG`, `Markers`).
    pub kind: &'a str,
    /// Source id: the same for the same source, so a receiver recovers after a restart.
    pub source_id: &'a str,
    /// Nominal rate, Hz (0 for irregular streams).
    pub sample_rate_hz: f64,
    /// Channel labels (one per channel).
    pub labels: &'a [String],
    /// Unit of every channel (`microvolts`), or `None`.
    pub unit: Option<&'a str>,
    /// Channel type of every channel (`EEG`), or `None`.
    pub channel_type: Option<&'a str>,
    /// Extra `desc` children as (name, value).
    pub extra: &'a [(&'a str, String)],
}

fn stream_info(spec: &OutletSpec, format: lsl::ChannelFormat) -> Result<lsl::StreamInfo> {
    let mut info = lsl::StreamInfo::new(
        spec.name,
        spec.kind,
        spec.labels.len() as u32,
        spec.sample_rate_hz,
        format,
        spec.source_id,
    )
    .map_err(|_| {
        Error::input(format!(
            "LSL stream name {:?}: expected a non-empty name without NUL characters",
            spec.name
        ))
    })?;
    let mut desc = info.desc();
    let mut channels = desc.append_child("channels");
    for label in spec.labels {
        let mut ch = channels.append_child("channel");
        ch.append_child_value("label", label);
        if let Some(u) = spec.unit {
            ch.append_child_value("unit", u);
        }
        if let Some(t) = spec.channel_type {
            ch.append_child_value("type", t);
        }
    }
    for (k, v) in spec.extra {
        desc.append_child_value(k, v);
    }
    Ok(info)
}

/// An outlet of float64 samples (an EEG stream).
pub struct NumericOutlet {
    outlet: lsl::StreamOutlet,
    row: Vec<f64>,
}

impl NumericOutlet {
    /// Creates the outlet (visible on the network from now on).
    pub fn new(spec: &OutletSpec) -> Result<NumericOutlet> {
        let info = stream_info(spec, lsl::ChannelFormat::Double64)?;
        let outlet = lsl::StreamOutlet::new(&info, 0, 360)
            .map_err(|e| lsl_error("creating an outlet", e))?;
        Ok(NumericOutlet {
            outlet,
            row: vec![0.0; spec.labels.len()],
        })
    }

    /// Waits up to `timeout_s` for a receiver; returns whether one is there.
    pub fn wait_for_consumers(&self, timeout_s: f64) -> bool {
        self.outlet.wait_for_consumers(timeout_s)
    }

    /// Pushes rows (row-major, one value per channel) time-stamped `stamps` (LSL clock, s),
    /// sent at once after the last.
    pub fn push_rows(&mut self, rows: &[f64], stamps: &[f64]) -> Result<()> {
        let n = self.row.len().max(1);
        let last = stamps.len().saturating_sub(1);
        for (k, (r, &t)) in rows.chunks_exact(n).zip(stamps).enumerate() {
            self.row.copy_from_slice(r);
            self.outlet
                .push_sample_ex(&self.row, t, k == last)
                .map_err(|e| lsl_error("pushing samples", e))?;
        }
        Ok(())
    }
}

/// An outlet of string samples (markers).
pub struct StringOutlet {
    outlet: lsl::StreamOutlet,
    n_channels: usize,
}

impl StringOutlet {
    /// Creates the outlet (visible on the network from now on).
    pub fn new(spec: &OutletSpec) -> Result<StringOutlet> {
        let info = stream_info(spec, lsl::ChannelFormat::String)?;
        let outlet = lsl::StreamOutlet::new(&info, 0, 360)
            .map_err(|e| lsl_error("creating an outlet", e))?;
        Ok(StringOutlet {
            outlet,
            n_channels: spec.labels.len(),
        })
    }

    /// Waits up to `timeout_s` for a receiver; returns whether one is there.
    pub fn wait_for_consumers(&self, timeout_s: f64) -> bool {
        self.outlet.wait_for_consumers(timeout_s)
    }

    /// Pushes one sample (one string per channel) time-stamped `stamp` (LSL clock, s).
    pub fn push(&self, values: &[&str], stamp: f64) -> Result<()> {
        if values.len() != self.n_channels {
            return Err(Error::runtime(format!(
                "LSL: {} values for a {}-channel marker stream",
                values.len(),
                self.n_channels
            )));
        }
        let v: Vec<&str> = values.to_vec();
        self.outlet
            .push_sample_ex(&v, stamp, true)
            .map_err(|e| lsl_error("pushing a marker", e))
    }
}

/// A stable source id for a stream made from a file: the same file and name give the same id,
/// so receivers recover when the sender restarts.
pub fn source_id(name: &str, path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let digest = Sha256::digest(format!("{name}\0{}", abs.display()).as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("eegi-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_to_microvolts() {
        assert_eq!(microvolts_per("microvolts"), Some(1.0));
        assert_eq!(microvolts_per(""), Some(1.0));
        assert_eq!(microvolts_per("mV"), Some(1000.0));
        assert_eq!(microvolts_per("volts"), Some(1e6));
        assert_eq!(microvolts_per("degrees"), None);
    }

    #[test]
    fn a_stream_round_trips_its_description_over_loopback() {
        let name = format!("eegi-unit-{}", std::process::id());
        let labels = vec!["Fz".to_string(), "Cz".to_string()];
        let spec = OutletSpec {
            name: &name,
            kind: "EEG",
            source_id: "eegi-unit-test",
            sample_rate_hz: 100.0,
            labels: &labels,
            unit: Some("millivolts"),
            channel_type: Some("EEG"),
            extra: &[],
        };
        let mut out = NumericOutlet::new(&spec).unwrap();
        let info = resolve(&format!("name='{name}'"), Some(10.0), &mut || {}).unwrap();
        let mut inlet = EegInlet::open(
            &info,
            &["Cz".to_string()],
            "the test needs",
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(inlet.description.labels, labels);
        assert_eq!(inlet.description.units, vec!["millivolts"; 2]);
        assert_eq!(inlet.description.sample_rate_hz, 100.0);
        assert!(out.wait_for_consumers(5.0));
        let t0 = local_clock();
        out.push_rows(&[1.0, 2.0, 3.0, 4.0], &[t0, t0 + 0.01])
            .unwrap();
        assert_eq!(inlet.pull(5.0).unwrap(), Some(t0));
        assert_eq!(inlet.sample(), &[2000.0]);
        assert_eq!(inlet.pull(5.0).unwrap(), Some(t0 + 0.01));
        assert_eq!(inlet.sample(), &[4000.0]);
        let err = EegInlet::open(
            &info,
            &["Oz".to_string()],
            "the test needs",
            &ReadOptions::default(),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("missing channel Oz"), "{err}");
    }
}
