//! The BrainVision header (`.vhdr`): which data and marker files, binary format, orientation,
//! sampling interval and one `Ch<n>=<name>,<reference>,<resolution>,<unit>` line per channel
//! (Brain Products, "BrainVision Core Data Format 1.0"). Every refusal names the header's
//! line and key.

use super::ini::{is_identification, Entry, Ini};
use crate::io::edf::header::microvolts_per_unit;
use crate::io::errors::truncate;
use crate::limits::{MAX_COLUMNS, MAX_SAMPLE_RATE_HZ};
use crate::{Error, Result};
use std::path::{Component, Path, PathBuf};

/// How one sample is stored in the data file (little-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryFormat {
    /// `INT_16`: signed 16-bit integers.
    Int16,
    /// `INT_32`: signed 32-bit integers.
    Int32,
    /// `IEEE_FLOAT_32`: 32-bit floats.
    Float32,
}

impl BinaryFormat {
    /// Bytes per sample.
    pub fn bytes(self) -> usize {
        match self {
            BinaryFormat::Int16 => 2,
            BinaryFormat::Int32 | BinaryFormat::Float32 => 4,
        }
    }

    /// The name the header uses.
    pub fn name(self) -> &'static str {
        match self {
            BinaryFormat::Int16 => "INT_16",
            BinaryFormat::Int32 => "INT_32",
            BinaryFormat::Float32 => "IEEE_FLOAT_32",
        }
    }
}

/// How samples are laid out in the data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// `MULTIPLEXED`: one data point of every channel after the other (channel fastest).
    Multiplexed,
    /// `VECTORIZED`: all the data points of channel 1, then of channel 2, …
    Vectorized,
}

/// One `Ch<n>=` line of `[Channel Infos]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// The name (`\1` decoded to a comma).
    pub name: String,
    /// Resolution: units per stored value (1 when empty).
    pub resolution: f64,
    /// The unit as written (`µV` when empty or absent).
    pub unit: String,
    /// µV per unit, `None` for a unit that is not a voltage (°C, µS, …).
    pub uv_per_unit: Option<f64>,
}

/// A parsed and checked header.
#[derive(Debug, Clone)]
pub struct Header {
    /// The data file, resolved beside the header.
    pub data_file: PathBuf,
    /// The `DataFile=` line (for messages).
    pub data_file_line: u64,
    /// The marker file named by `MarkerFile=`, resolved beside the header, with its line.
    pub marker_file: Option<(PathBuf, u64)>,
    /// The binary format of every sample.
    pub format: BinaryFormat,
    /// The orientation of the data file.
    pub orientation: Orientation,
    /// Every channel, in file order.
    pub channels: Vec<Channel>,
    /// Samples per second per channel, Hz (10^6 / `SamplingInterval` in µs).
    pub sample_rate_hz: f64,
    /// `DataPoints=` (data points per channel) with its line, when given.
    pub data_points: Option<(u64, u64)>,
}

/// The error for a value of `entry` that is not `expected`.
pub(crate) fn bad(path: &Path, entry: &Entry, expected: impl std::fmt::Display) -> Error {
    Error::at(
        path,
        entry.line,
        None,
        format!("{}={}", entry.key, truncate(&entry.value)),
        expected,
    )
}

/// The entry `key` of `section`, or an error saying it is missing and what it holds.
fn need<'a>(ini: &'a Ini, path: &Path, section: &str, key: &str, holds: &str) -> Result<&'a Entry> {
    ini.get(section, key).ok_or_else(|| {
        Error::file(
            path,
            format!("no {key} in [{section}], expected {key}=<{holds}> in the header"),
        )
    })
}

/// A file named by a header or marker file, resolved beside `path`: a relative name inside
/// the header's folder (sub-folders allowed; an absolute path or a `..` is refused, so that a
/// header downloaded with a study cannot make eegi read files elsewhere).
pub(crate) fn beside(path: &Path, entry: &Entry) -> Result<PathBuf> {
    let name = Path::new(&entry.value);
    let inside = !entry.value.is_empty()
        && name
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !inside {
        return Err(bad(
            path,
            entry,
            "a file name inside the header's folder (no absolute path, no ..)",
        ));
    }
    Ok(path.parent().unwrap_or(Path::new("")).join(name))
}

/// Parses the text of a header (`path` names it and locates the files it names).
pub fn parse_header(path: &Path, text: &str) -> Result<Header> {
    let ini = Ini::parse(path, text)?;
    if !is_identification(&ini.first_line, "Header") {
        let hint = if is_identification(&ini.first_line, "Marker") {
            " (this is a marker file: pass the .vhdr)"
        } else {
            ""
        };
        return Err(Error::at(
            path,
            1,
            None,
            format!("'{}'", truncate(&ini.first_line)),
            format!("'Brain Vision Data Exchange Header File Version 1.0' (or 2.0){hint}"),
        ));
    }
    const COMMON: &str = "Common Infos";
    let (format, orientation) = parse_layout(path, &ini)?;
    let e = need(&ini, path, COMMON, "SamplingInterval", "µs between samples")?;
    let interval: f64 = e.value.parse().unwrap_or(f64::NAN);
    let sample_rate_hz = 1e6 / interval;
    if !(interval > 0.0 && sample_rate_hz.is_finite() && sample_rate_hz <= MAX_SAMPLE_RATE_HZ) {
        return Err(bad(
            path,
            e,
            format!("the µs between samples, a positive number for a rate of at most {MAX_SAMPLE_RATE_HZ} Hz"),
        ));
    }
    let data_points = match ini.get(COMMON, "DataPoints") {
        None => None,
        Some(e) => match e.value.parse::<u64>() {
            Ok(n) if n > 0 => Some((n, e.line)),
            _ => {
                return Err(bad(
                    path,
                    e,
                    "the number of data points per channel, at least 1",
                ))
            }
        },
    };
    let channels = parse_channels(path, &ini)?;
    let e = need(&ini, path, COMMON, "DataFile", "the name of the data file")?;
    let (data_file, data_file_line) = (beside(path, e)?, e.line);
    let marker_file = match ini.get(COMMON, "MarkerFile") {
        Some(e) if !e.value.is_empty() => Some((beside(path, e)?, e.line)),
        _ => None,
    };
    Ok(Header {
        data_file,
        data_file_line,
        marker_file,
        format,
        orientation,
        channels,
        sample_rate_hz,
        data_points,
    })
}

/// `DataFormat`, `DataType`, `DataOrientation`, `BinaryFormat` and `UseBigEndianOrder`: how
/// the samples are laid out in the data file.
fn parse_layout(path: &Path, ini: &Ini) -> Result<(BinaryFormat, Orientation)> {
    const COMMON: &str = "Common Infos";
    if let Some(e) = ini.get(COMMON, "DataFormat") {
        if !e.value.eq_ignore_ascii_case("BINARY") {
            return Err(bad(
                path,
                e,
                "BINARY (eegi reads binary BrainVision data, not ASCII)",
            ));
        }
    }
    if let Some(e) = ini.get(COMMON, "DataType") {
        if !e.value.eq_ignore_ascii_case("TIMEDOMAIN") {
            return Err(bad(path, e, "TIMEDOMAIN (samples over time)"));
        }
    }
    let orientation = match ini.get(COMMON, "DataOrientation") {
        None => Orientation::Multiplexed,
        Some(e) if e.value.eq_ignore_ascii_case("MULTIPLEXED") => Orientation::Multiplexed,
        Some(e) if e.value.eq_ignore_ascii_case("VECTORIZED") => Orientation::Vectorized,
        Some(e) => return Err(bad(path, e, "MULTIPLEXED or VECTORIZED")),
    };
    let e = need(
        ini,
        path,
        "Binary Infos",
        "BinaryFormat",
        "INT_16, INT_32 or IEEE_FLOAT_32",
    )?;
    let format = match e.value.to_ascii_uppercase().as_str() {
        "INT_16" => BinaryFormat::Int16,
        "INT_32" => BinaryFormat::Int32,
        "IEEE_FLOAT_32" => BinaryFormat::Float32,
        _ => return Err(bad(path, e, "INT_16, INT_32 or IEEE_FLOAT_32")),
    };
    if let Some(e) = ini.get("Binary Infos", "UseBigEndianOrder") {
        if !e.value.eq_ignore_ascii_case("NO") {
            return Err(bad(path, e, "NO (eegi reads little-endian data)"));
        }
    }
    Ok((format, orientation))
}

/// `NumberOfChannels` and one `Ch<n>=` line for each of them.
fn parse_channels(path: &Path, ini: &Ini) -> Result<Vec<Channel>> {
    let e = need(
        ini,
        path,
        "Common Infos",
        "NumberOfChannels",
        "how many channels",
    )?;
    let n = match e.value.parse::<usize>() {
        Ok(n) if (1..=MAX_COLUMNS).contains(&n) => n,
        _ => {
            return Err(bad(
                path,
                e,
                format!("a number of channels from 1 to {MAX_COLUMNS}"),
            ))
        }
    };
    let count_line = e.line;
    let mut slots: Vec<Option<Channel>> = vec![None; n];
    for e in ini.section("Channel Infos") {
        let k = e
            .key
            .strip_prefix("Ch")
            .or_else(|| e.key.strip_prefix("ch"))
            .and_then(|k| k.parse::<usize>().ok())
            .filter(|k| (1..=n).contains(k))
            .ok_or_else(|| {
                Error::at(
                    path,
                    e.line,
                    None,
                    format!("key {}", truncate(&e.key)),
                    format!("Ch1 to Ch{n} (NumberOfChannels={n}, line {count_line})"),
                )
            })?;
        let channel = parse_channel(path, e)?;
        if let Some(other) = slots.iter().flatten().find(|c| c.name == channel.name) {
            return Err(bad(
                path,
                e,
                format!("a channel name not used before ('{}' is taken)", other.name),
            ));
        }
        slots[k - 1] = Some(channel);
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            c.ok_or_else(|| {
                Error::file(
                    path,
                    format!(
                        "no Ch{} in [Channel Infos], expected one line per channel (NumberOfChannels={n}, line {count_line})",
                        i + 1
                    ),
                )
            })
        })
        .collect()
}

/// One `Ch<n>=<name>,<reference>,<resolution>,<unit>` value.
fn parse_channel(path: &Path, e: &Entry) -> Result<Channel> {
    let fields: Vec<&str> = e.value.split(',').map(str::trim).collect();
    let name = fields[0].replace("\\1", ",");
    if name.is_empty() {
        return Err(bad(path, e, "a channel name before the first comma"));
    }
    let resolution = match fields.get(2).copied().unwrap_or("") {
        "" => 1.0,
        r => match r.parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => v,
            _ => {
                return Err(bad(
                    path,
                    e,
                    format!(
                        "a resolution (third field) that is a positive number, not '{}'",
                        truncate(r)
                    ),
                ))
            }
        },
    };
    let unit = match fields.get(3).copied().unwrap_or("") {
        "" => "µV".to_string(),
        u => u.to_string(),
    };
    let uv_per_unit = microvolts_per_unit(&unit);
    Ok(Channel {
        name,
        resolution,
        unit,
        uv_per_unit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "Brain Vision Data Exchange Header File Version 1.0\n[Common Infos]\nDataFile=d.eeg\nMarkerFile=d.vmrk\nDataFormat=BINARY\nDataOrientation=VECTORIZED\nNumberOfChannels=2\nSamplingInterval=4000\nDataPoints=10\n[Binary Infos]\nBinaryFormat=INT_16\n[Channel Infos]\nCh1=Fz,,0.1,µV\nCh2=A\\1B,,,mV\n";

    #[test]
    fn reads_every_field() {
        let h = parse_header(Path::new("dir/h.vhdr"), HEAD).unwrap();
        assert_eq!(h.data_file, Path::new("dir/d.eeg"));
        assert_eq!(h.marker_file, Some((PathBuf::from("dir/d.vmrk"), 4)));
        assert_eq!(h.orientation, Orientation::Vectorized);
        assert_eq!(h.format, BinaryFormat::Int16);
        assert_eq!(h.sample_rate_hz, 250.0);
        assert_eq!(h.data_points, Some((10, 9)));
        assert_eq!(h.channels[1].name, "A,B");
        assert_eq!(h.channels[1].resolution, 1.0);
        assert_eq!(h.channels[1].uv_per_unit, Some(1e3));
        assert_eq!(h.channels[0].resolution, 0.1);
    }

    #[test]
    fn refusals_name_line_and_key() {
        let cases = [
            ("DataFile=d.eeg", "DataFile=../d.eeg", "h.vhdr:3: DataFile=../d.eeg, expected a file name inside"),
            ("DataFile=d.eeg", "DataFile=/etc/d.eeg", "h.vhdr:3: DataFile=/etc/d.eeg"),
            ("BINARY", "ASCII", "h.vhdr:5: DataFormat=ASCII, expected BINARY"),
            ("INT_16", "UINT_8", "h.vhdr:11: BinaryFormat=UINT_8, expected INT_16, INT_32 or IEEE_FLOAT_32"),
            ("NumberOfChannels=2", "NumberOfChannels=0", "h.vhdr:7: NumberOfChannels=0, expected a number of channels from 1 to 4096"),
            ("NumberOfChannels=2", "NumberOfChannels=3", "h.vhdr: no Ch3 in [Channel Infos]"),
            ("NumberOfChannels=2", "NumberOfChannels=1", "h.vhdr:14: key Ch2, expected Ch1 to Ch1"),
            ("0.1,µV", "-1,µV", "h.vhdr:13: Ch1=Fz,,-1,µV, expected a resolution (third field) that is a positive number"),
            ("Interval=4000", "Interval=0", "h.vhdr:8: SamplingInterval=0, expected the µs between samples"),
            ("DataPoints=10", "DataPoints=x", "h.vhdr:9: DataPoints=x"),
            ("A\\1B", "Fz", "h.vhdr:14: Ch2=Fz,,,mV, expected a channel name not used before"),
            ("Header File", "Marker File", "(this is a marker file: pass the .vhdr)"),
        ];
        for (from, to, needle) in cases {
            let text = HEAD.replacen(from, to, 1);
            let e = parse_header(Path::new("h.vhdr"), &text).unwrap_err();
            assert!(e.message.contains(needle), "{to}: {}", e.message);
        }
        let e = parse_header(
            Path::new("h.vhdr"),
            &HEAD.replace("[Binary Infos]\nBinaryFormat=INT_16\n", ""),
        )
        .unwrap_err();
        assert_eq!(e.message, "h.vhdr: no BinaryFormat in [Binary Infos], expected BinaryFormat=<INT_16, INT_32 or IEEE_FLOAT_32> in the header");
    }
}
