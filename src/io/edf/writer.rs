//! Writes a recording as EDF+ (`.edf`: 16-bit samples) or BDF+ (`.bdf`: 24-bit samples), the
//! extension deciding (any case). The file is written atomically ([`write_atomically`]) after
//! every check has passed, so a refused recording leaves no partial file.
//!
//! Layout:
//! - **Header**: `EDF+C` / `BDF+C` (continuous) in the reserved field; BDF+ starts with the
//!   0xFF `BIOSEMI` magic. Patient `X X X X`, recording `Startdate X X X X` and start
//!   `01.01.85 00.00.00` (a [`Recording`] has no start date: the EDF+ "unknown" values). All
//!   text fields are ASCII, space-padded.
//! - **Data records**: 1 s when the sample rate is a whole number of Hz; otherwise the shortest
//!   duration of at least 1 s that holds a whole number of samples and is written exactly in
//!   the 8-character duration field (160.5 Hz: 2 s of 321 samples; 1000/3 Hz: 1.002 s of 334).
//!   A rate for which none exists is refused.
//! - **Channels**: one signal per channel, label = channel name (printable ASCII, at most 16
//!   characters, else refused), dimension `uV`, digital range the full integer range
//!   (-32768..32767 EDF, -8388608..8388607 BDF), physical range = the channel's own minimum
//!   and maximum (±1 µV around a flat channel), rounded outward to 8 characters. Each sample
//!   is stored as the nearest digital value, so a value read back differs from the original by
//!   at most half a digital step, (physical max − physical min) / (digital max − digital min)
//!   / 2: about 7.6e-6 of the channel's range for EDF, 3.0e-8 for BDF.
//! - **Events**: one `EDF Annotations` (`BDF Annotations`) signal; each record holds its
//!   time-keeping TAL `+<record start>\x14\x14\0` and then, for each event starting in that
//!   record, `+<onset>[\x15<duration>]\x14<label>\x14\0` (onset and duration in s as the
//!   shortest decimal that reads back to the same number; the duration left out when 0). The
//!   signal is sized for the record with the most annotation bytes; the rest is zero bytes.
//!   Labels are UTF-8 without control characters.
//! - **The last record** is padded to a whole record by repeating each channel's last sample:
//!   the file is then longer than the recording by less than one record, and readers (MNE,
//!   eegi) read the padded length (a 0.19 s recording at 256 Hz reads back as 1 s: 256
//!   samples, the first 48 the recording's).

use super::header::EdfKind;
use crate::io::output::{check_output, write_atomically};
use crate::limits::MAX_EDF_RECORD_BYTES;
use crate::{Error, Event, Recording, Result};
use std::io::Write;
use std::path::Path;

/// The longest channel label the 16-byte label field holds, characters.
pub const MAX_LABEL_CHARS: usize = 16;

/// Width of the numeric header fields (physical range, duration, counts), characters.
const NUMBER_CHARS: usize = 8;

/// EDF+ for `.edf`, BDF+ for `.bdf` (any case); `None` for any other extension.
pub fn kind_of(path: &Path) -> Option<EdfKind> {
    let ext = path.extension()?.to_str()?;
    if ext.eq_ignore_ascii_case("edf") {
        Some(EdfKind::Edf)
    } else if ext.eq_ignore_ascii_case("bdf") {
        Some(EdfKind::Bdf)
    } else {
        None
    }
}

/// The digital range of a layout: (minimum, maximum).
fn digital_range(kind: EdfKind) -> (i32, i32) {
    match kind {
        EdfKind::Edf => (-32768, 32767),
        EdfKind::Bdf => (-8388608, 8388607),
    }
}

/// `k / 10^decimals` in decimal, trailing zeros dropped (`k` = 1500, 3 decimals: `1.5`).
fn decimal_text(k: i64, decimals: u32) -> String {
    let scale = 10i64.pow(decimals);
    let (int, frac) = (
        k.unsigned_abs() / scale as u64,
        k.unsigned_abs() % scale as u64,
    );
    let sign = if k < 0 { "-" } else { "" };
    if decimals == 0 || frac == 0 {
        return format!("{sign}{int}");
    }
    let frac = format!("{frac:0width$}", width = decimals as usize);
    format!("{sign}{int}.{}", frac.trim_end_matches('0'))
}

/// The most precise decimal of at most 8 characters that is ≤ `x` (`up`: ≥ `x`), with the
/// number it reads back as; `None` when `x` is too large for 8 characters.
fn outward_text(x: f64, up: bool) -> Option<(String, f64)> {
    for decimals in (0..NUMBER_CHARS as u32).rev() {
        let scale = 10f64.powi(decimals as i32);
        let scaled = if up {
            (x * scale).ceil()
        } else {
            (x * scale).floor()
        };
        if scaled.is_nan() || scaled.abs() >= 1e15 {
            continue;
        }
        let mut k = scaled as i64;
        // the product may have rounded past x: step until the text reads back on the right side
        for _ in 0..4 {
            let text = decimal_text(k, decimals);
            let v: f64 = text.parse().ok()?;
            if up && v < x {
                k += 1;
            } else if !up && v > x {
                k -= 1;
            } else {
                if text.len() <= NUMBER_CHARS {
                    return Some((text, v));
                }
                break;
            }
        }
    }
    None
}

/// The shortest decimal of at most 8 characters that reads back as `x` to within 1e-12 of it.
fn exact_text(x: f64) -> Option<(String, f64)> {
    for decimals in 0..NUMBER_CHARS as u32 {
        let scaled = x * 10f64.powi(decimals as i32);
        if scaled.is_nan() || scaled.abs() >= 1e15 {
            return None;
        }
        let text = decimal_text(scaled.round() as i64, decimals);
        let v: f64 = text.parse().ok()?;
        if text.len() <= NUMBER_CHARS && (v - x).abs() <= 1e-12 * x.abs() {
            return Some((text, v));
        }
    }
    None
}

/// How the samples are cut into data records.
#[derive(Debug, Clone, PartialEq)]
struct RecordLayout {
    /// The duration field's text, e.g. `1` or `2`.
    duration_text: String,
    /// The duration it reads back as, s.
    duration_s: f64,
    /// Samples per record of each channel.
    samples_per_record: usize,
}

/// The data record of a sample rate: 1 s for a whole rate, else the shortest duration of at
/// least 1 s holding a whole number of samples (at most `max_spr`) that the 8-character field
/// writes exactly (the rate read back, samples / duration, within 1e-9 of `fs`). Not shorter
/// than 1 s: every record carries a time-keeping annotation of about a dozen bytes, so a
/// record of one sample (1000/3 Hz in 0.003 s) would make the file several times larger.
fn record_layout(path: &Path, fs: f64, max_spr: usize) -> Result<RecordLayout> {
    if fs.fract() == 0.0 && fs >= 1.0 && fs as usize <= max_spr {
        return Ok(RecordLayout {
            duration_text: "1".into(),
            duration_s: 1.0,
            samples_per_record: fs as usize,
        });
    }
    let first = (fs.ceil() as usize).max(1);
    for spr in first..=max_spr.min(10_000_000) {
        let Some((text, d)) = exact_text(spr as f64 / fs) else {
            continue;
        };
        if d > 0.0 && (spr as f64 / d - fs).abs() <= 1e-9 * fs {
            return Ok(RecordLayout {
                duration_text: text,
                duration_s: d,
                samples_per_record: spr,
            });
        }
    }
    Err(Error::input(format!(
        "{}: sample rate {fs} Hz, expected a rate that gives a whole number of samples (at most {max_spr}) in a data record whose duration fits the 8-character EDF/BDF field (e.g. 160.5 Hz: 321 samples in 2 s)",
        path.display()
    )))
}

/// One channel's header range and its quantisation.
struct Scale {
    /// Physical minimum and maximum, header text, µV.
    text: (String, String),
    /// Physical minimum as read back, µV.
    physical_min: f64,
    /// µV per digital step.
    step: f64,
}

impl Scale {
    /// The range of `values` rounded outward to 8 characters (±1 µV around a flat channel).
    fn of(
        path: &Path,
        name: &str,
        values: impl Iterator<Item = f64>,
        kind: EdfKind,
    ) -> Result<Scale> {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if lo == hi {
            lo -= 1.0;
            hi += 1.0;
        }
        let too_large = || {
            Error::input(format!(
                "{}: channel '{name}' has values from {lo} to {hi} µV, expected values within ±9999999 µV to write the 8-character EDF/BDF physical range",
                path.display()
            ))
        };
        let (min_text, pmin) = outward_text(lo, false).ok_or_else(too_large)?;
        let (max_text, pmax) = outward_text(hi, true).ok_or_else(too_large)?;
        let (dmin, dmax) = digital_range(kind);
        Ok(Scale {
            text: (min_text, max_text),
            physical_min: pmin,
            step: (pmax - pmin) / (dmax as f64 - dmin as f64),
        })
    }

    /// The digital value nearest to `v` µV.
    fn digital(&self, v: f64, kind: EdfKind) -> i32 {
        let (dmin, dmax) = digital_range(kind);
        let d = dmin as f64 + ((v - self.physical_min) / self.step).round();
        d.clamp(dmin as f64, dmax as f64) as i32
    }
}

/// Checks the channel names of a recording for the 16-character printable-ASCII label field
/// (`path`: the file to write, for the message); the first that does not fit is refused.
pub fn check_labels(path: &Path, names: &[String]) -> Result<()> {
    names.iter().try_for_each(|n| check_label(path, n))
}

/// Checks a channel name for the 16-character printable-ASCII label field.
fn check_label(path: &Path, name: &str) -> Result<()> {
    let bad = |what: String| {
        Err(Error::input(format!(
            "{}: channel '{name}' {what}, expected a label of at most {MAX_LABEL_CHARS} printable ASCII characters for EDF/BDF (rename it with --rename '{name}=NEW')",
            path.display()
        )))
    };
    if let Some(c) = name.chars().find(|c| !(' '..='~').contains(c)) {
        return bad(format!("has the character {c:?}"));
    }
    if name.len() > MAX_LABEL_CHARS {
        return bad(format!("has a name of {} characters", name.len()));
    }
    if name == "EDF Annotations" || name == "BDF Annotations" {
        return bad("has the name of the annotation signal".into());
    }
    Ok(())
}

/// The annotation bytes of each record: its time-keeping TAL, then the events starting in it.
fn annotation_bytes(
    path: &Path,
    events: &[Event],
    layout: &RecordLayout,
    n_records: usize,
) -> Result<Vec<Vec<u8>>> {
    // record starts with as many decimals as the duration has (2.5 s: 0, 2.5, 5.0 → 0, 2.5, 5)
    let decimals = layout
        .duration_text
        .split_once('.')
        .map_or(0, |(_, f)| f.len());
    let mut tals: Vec<Vec<u8>> = (0..n_records)
        .map(|k| {
            let t = format!("{:.decimals$}", k as f64 * layout.duration_s);
            let t = if t.contains('.') {
                t.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                t
            };
            format!("+{t}\x14\x14\x00").into_bytes()
        })
        .collect();
    let end_s = n_records as f64 * layout.duration_s;
    for (k, e) in events.iter().enumerate() {
        let what = format!("event {} ('{}' at {} s)", k + 1, e.label, e.onset_s);
        if !(e.onset_s >= 0.0 && e.onset_s <= end_s) {
            return Err(Error::input(format!(
                "{}: {what} lies outside the recording (0 to {end_s} s), expected events inside it to write as EDF+/BDF+ annotations",
                path.display()
            )));
        }
        if !(e.duration_s >= 0.0 && e.duration_s.is_finite()) {
            return Err(Error::input(format!(
                "{}: {what} has duration {} s, expected a finite duration ≥ 0",
                path.display(),
                e.duration_s
            )));
        }
        if e.label.is_empty() || e.label.chars().any(char::is_control) {
            return Err(Error::input(format!(
                "{}: {what} has an empty label or a control character in it, expected a label of printable characters for an EDF+/BDF+ annotation",
                path.display()
            )));
        }
        let record = ((e.onset_s / layout.duration_s).floor() as usize).min(n_records - 1);
        // +0.0 turns a -0 into 0 (`+-0` is no onset)
        let onset = e.onset_s + 0.0;
        let duration = if e.duration_s > 0.0 {
            format!("\x15{}", e.duration_s)
        } else {
            String::new()
        };
        tals[record].extend(format!("+{onset}{duration}\x14{}\x14\x00", e.label).into_bytes());
    }
    Ok(tals)
}

/// Appends `text` space-padded to `width` bytes (the caller has checked it fits).
fn field(out: &mut Vec<u8>, text: &str, width: usize) {
    let start = out.len();
    out.extend_from_slice(text.as_bytes());
    debug_assert!(
        out.len() - start <= width,
        "'{text}' does not fit {width} bytes"
    );
    out.resize(start + width, b' ');
}

/// Writes `rec` and `events` as EDF+ (`.edf`) or BDF+ (`.bdf`) at `path` (see the module
/// doc); any other extension is refused.
pub fn write_edf(path: &Path, rec: &Recording, events: &[Event]) -> Result<()> {
    // long: every check before the one atomic write, then header and records in file order
    check_output(path, &[])?;
    let Some(kind) = kind_of(path) else {
        return Err(Error::input(format!(
            "{}: expected a .edf or .bdf file name to write EDF+/BDF+",
            path.display()
        )));
    };
    let bytes = kind.sample_bytes();
    let n = rec.n_samples();
    let n_channels = rec.n_channels();
    if n == 0 || n_channels == 0 {
        return Err(Error::input(format!(
            "{}: no samples or no channels, expected a recording to write",
            rec.source.display()
        )));
    }
    if n_channels + 1 > 9999 {
        return Err(Error::input(format!(
            "{}: {n_channels} channels, expected at most 9998 (the 4-character signal count of EDF/BDF)",
            path.display()
        )));
    }
    check_labels(path, &rec.channel_names)?;
    let max_spr = MAX_EDF_RECORD_BYTES / 2 / (n_channels * bytes);
    let layout = record_layout(path, rec.sample_rate_hz, max_spr)?;
    let spr = layout.samples_per_record;
    let n_records = n.div_ceil(spr);
    if n_records > 99_999_999 {
        return Err(Error::input(format!(
            "{}: {n_records} data records, expected at most 99999999 (the 8-character record count)",
            path.display()
        )));
    }
    let scales = (0..n_channels)
        .map(|c| {
            Scale::of(
                path,
                &rec.channel_names[c],
                rec.samples.column(c).iter().copied(),
                kind,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let tals = annotation_bytes(path, events, &layout, n_records)?;
    let annotation_spr = tals
        .iter()
        .map(|t| t.len())
        .max()
        .unwrap_or(0)
        .div_ceil(bytes);
    let record_bytes = (spr * n_channels + annotation_spr) * bytes;
    if record_bytes > MAX_EDF_RECORD_BYTES {
        return Err(Error::input(format!(
            "{}: a data record of {record_bytes} bytes (the events of one record need {} bytes), expected at most {} MiB: too many events in one {} s record",
            path.display(),
            annotation_spr * bytes,
            MAX_EDF_RECORD_BYTES >> 20,
            layout.duration_text
        )));
    }
    let header = header_bytes(kind, rec, &scales, &layout, n_records, annotation_spr);
    write_atomically(path, |w| {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
        w.write_all(&header)?;
        let mut record = Vec::with_capacity(record_bytes);
        for (r, tal) in tals.iter().enumerate() {
            record.clear();
            for (c, scale) in scales.iter().enumerate() {
                for i in 0..spr {
                    // the last record is padded with the channel's last sample
                    let row = (r * spr + i).min(n - 1);
                    let d = scale.digital(rec.samples[[row, c]], kind);
                    record.extend_from_slice(&d.to_le_bytes()[..bytes]);
                }
            }
            let start = record.len();
            record.extend_from_slice(tal);
            record.resize(start + annotation_spr * bytes, 0);
            w.write_all(&record)?;
        }
        w.flush()
    })
}

/// The 256 × (1 + signals) header bytes.
fn header_bytes(
    kind: EdfKind,
    rec: &Recording,
    scales: &[Scale],
    layout: &RecordLayout,
    n_records: usize,
    annotation_spr: usize,
) -> Vec<u8> {
    let ns = rec.n_channels() + 1;
    let mut h = Vec::with_capacity(256 * (ns + 1));
    match kind {
        EdfKind::Edf => field(&mut h, "0", 8),
        EdfKind::Bdf => {
            h.push(0xFF);
            field(&mut h, "BIOSEMI", 7);
        }
    }
    field(&mut h, "X X X X", 80);
    field(&mut h, "Startdate X X X X", 80);
    field(&mut h, "01.01.85", 8);
    field(&mut h, "00.00.00", 8);
    field(&mut h, &(256 * (ns + 1)).to_string(), 8);
    field(
        &mut h,
        match kind {
            EdfKind::Edf => "EDF+C",
            EdfKind::Bdf => "BDF+C",
        },
        44,
    );
    field(&mut h, &n_records.to_string(), 8);
    field(&mut h, &layout.duration_text, 8);
    field(&mut h, &ns.to_string(), 4);
    let annotation_label = match kind {
        EdfKind::Edf => "EDF Annotations",
        EdfKind::Bdf => "BDF Annotations",
    };
    let (dmin, dmax) = digital_range(kind);
    let labels = rec
        .channel_names
        .iter()
        .map(String::as_str)
        .chain([annotation_label]);
    for l in labels {
        field(&mut h, l, 16);
    }
    for _ in 0..ns {
        field(&mut h, "", 80); // transducer type
    }
    for _ in 0..rec.n_channels() {
        field(&mut h, "uV", 8);
    }
    field(&mut h, "", 8);
    for s in scales {
        field(&mut h, &s.text.0, 8);
    }
    field(&mut h, "-1", 8);
    for s in scales {
        field(&mut h, &s.text.1, 8);
    }
    field(&mut h, "1", 8);
    for _ in 0..ns {
        field(&mut h, &dmin.to_string(), 8);
    }
    for _ in 0..ns {
        field(&mut h, &dmax.to_string(), 8);
    }
    for _ in 0..ns {
        field(&mut h, "", 80); // prefiltering
    }
    for _ in 0..rec.n_channels() {
        field(&mut h, &layout.samples_per_record.to_string(), 8);
    }
    field(&mut h, &annotation_spr.to_string(), 8);
    for _ in 0..ns {
        field(&mut h, "", 32);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_round_outward_within_eight_characters() {
        assert_eq!(outward_text(-5.25, false).unwrap().0, "-5.25");
        assert_eq!(outward_text(812.7, true).unwrap().0, "812.7");
        let (t, v) = outward_text(0.0123456789, true).unwrap();
        assert_eq!(t, "0.012346");
        assert!(v >= 0.0123456789);
        let (t, v) = outward_text(-1234.56789, false).unwrap();
        assert_eq!(t, "-1234.57");
        assert!(v <= -1234.56789);
        assert_eq!(outward_text(99999999.0, true).unwrap().0, "99999999");
        assert_eq!(outward_text(100000000.5, true), None);
        // 0.1 × 10 is 1.0000000000000002 after rounding: the text still reads back ≥ 0.1
        let (t, v) = outward_text(0.1, true).unwrap();
        assert!(v >= 0.1, "{t}");
    }

    #[test]
    fn records_are_one_second_or_the_shortest_exact_duration() {
        let p = Path::new("a.edf");
        let l = record_layout(p, 160.0, 1 << 20).unwrap();
        assert_eq!((l.duration_text.as_str(), l.samples_per_record), ("1", 160));
        let l = record_layout(p, 160.5, 1 << 20).unwrap();
        assert_eq!((l.duration_text.as_str(), l.samples_per_record), ("2", 321));
        let l = record_layout(p, 0.5, 1 << 20).unwrap();
        assert_eq!((l.duration_text.as_str(), l.samples_per_record), ("2", 1));
        let l = record_layout(p, 1000.0 / 3.0, 1 << 20).unwrap();
        assert_eq!(
            (l.duration_text.as_str(), l.samples_per_record),
            ("1.002", 334)
        );
        let l = record_layout(p, 2.5, 1 << 20).unwrap();
        assert_eq!((l.duration_text.as_str(), l.samples_per_record), ("1.2", 3));
        let e = record_layout(p, std::f64::consts::PI * 100.0, 1000).unwrap_err();
        assert!(e.message.contains("sample rate 314.159"), "{}", e.message);
    }

    #[test]
    fn labels_must_fit_the_field() {
        let p = Path::new("a.edf");
        assert!(check_label(p, "Fp1").is_ok());
        let e = check_label(p, "a_very_long_channel").unwrap_err();
        assert!(e
            .message
            .contains("'a_very_long_channel' has a name of 19 characters"));
        assert!(check_label(p, "Fp1µ").is_err());
        assert!(check_label(p, "EDF Annotations").is_err());
    }

    #[test]
    fn quantisation_is_within_half_a_step() {
        for kind in [EdfKind::Edf, EdfKind::Bdf] {
            let values = [-5.3, 0.0, 12.25, 812.7, 400.123456];
            let s = Scale::of(Path::new("a"), "Cz", values.iter().copied(), kind).unwrap();
            let (dmin, _) = digital_range(kind);
            let offset = s.physical_min - dmin as f64 * s.step;
            for v in values {
                let back = s.digital(v, kind) as f64 * s.step + offset;
                assert!(
                    (back - v).abs() <= s.step / 2.0 * (1.0 + 1e-9),
                    "{v} {back}"
                );
            }
        }
    }
}
