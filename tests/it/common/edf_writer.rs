//! A small EDF/EDF+ and BDF/BDF+ writer for tests and benchmarks (std only): digital samples
//! in, file bytes out, with EDF+ annotations as TALs in the records where they start.

/// One signal: header fields and its digital samples (all records, concatenated).
pub struct Signal {
    pub label: String,
    pub dimension: String,
    pub physical_min: f64,
    pub physical_max: f64,
    pub digital_min: i32,
    pub digital_max: i32,
    pub samples_per_record: usize,
    pub samples: Vec<i32>,
}

impl Signal {
    /// A signal in µV whose digital values are its physical values (gain 1, offset 0).
    pub fn identity(
        label: &str,
        bdf: bool,
        samples_per_record: usize,
        samples: Vec<i32>,
    ) -> Signal {
        let (lo, hi) = if bdf {
            (-8388608, 8388607)
        } else {
            (-32768, 32767)
        };
        Signal {
            label: label.into(),
            dimension: "uV".into(),
            physical_min: lo as f64,
            physical_max: hi as f64,
            digital_min: lo,
            digital_max: hi,
            samples_per_record,
            samples,
        }
    }
}

fn field(out: &mut Vec<u8>, text: &str, width: usize) {
    let mut b = text.as_bytes().to_vec();
    assert!(b.len() <= width, "'{text}' does not fit {width} bytes");
    b.resize(width, b' ');
    out.extend_from_slice(&b);
}

/// Writes the file: `record_s` s per record, `events` as (onset s, duration s, label) in an
/// annotation signal when `plus`.
pub fn write(
    bdf: bool,
    plus: bool,
    record_s: f64,
    signals: &[Signal],
    events: &[(f64, f64, String)],
) -> Vec<u8> {
    let n_records = signals
        .iter()
        .map(|s| s.samples.len() / s.samples_per_record)
        .min()
        .unwrap_or(0);
    // TALs per record: time keeping, then the events that start in the record
    let mut tals: Vec<Vec<u8>> = (0..n_records)
        .map(|k| format!("+{}\x14\x14\x00", k as f64 * record_s).into_bytes())
        .collect();
    for (onset, duration, label) in events {
        let k = ((onset / record_s).floor() as usize).min(n_records.saturating_sub(1));
        let d = if *duration > 0.0 {
            format!("\x15{duration}")
        } else {
            String::new()
        };
        tals[k].extend(format!("+{onset}{d}\x14{label}\x14\x00").into_bytes());
    }
    let bytes = if bdf { 3 } else { 2 };
    let annot_spr = tals
        .iter()
        .map(|t| t.len())
        .max()
        .unwrap_or(0)
        .div_ceil(bytes)
        .max(8);
    let ns = signals.len() + usize::from(plus);
    let mut out = Vec::new();
    if bdf {
        out.push(0xFF);
        out.extend_from_slice(b"BIOSEMI");
    } else {
        field(&mut out, "0", 8);
    }
    field(&mut out, "X X X X", 80);
    field(&mut out, "Startdate 01-JAN-2020 X X X", 80);
    field(&mut out, "01.01.20", 8);
    field(&mut out, "12.00.00", 8);
    field(&mut out, &(256 * (ns + 1)).to_string(), 8);
    let reserved = match (bdf, plus) {
        (false, true) => "EDF+C",
        (true, true) => "BDF+C",
        (true, false) => "24BIT",
        _ => "",
    };
    field(&mut out, reserved, 44);
    field(&mut out, &n_records.to_string(), 8);
    field(&mut out, &record_s.to_string(), 8);
    field(&mut out, &ns.to_string(), 4);
    let annot_label = if bdf {
        "BDF Annotations"
    } else {
        "EDF Annotations"
    };
    let (dlo, dhi) = if bdf {
        (-8388608, 8388607)
    } else {
        (-32768, 32767)
    };
    let each = |f: &dyn Fn(&Signal) -> String, annot: &str, width: usize, out: &mut Vec<u8>| {
        for s in signals {
            field(out, &f(s), width);
        }
        if plus {
            field(out, annot, width);
        }
    };
    each(&|s| s.label.clone(), annot_label, 16, &mut out);
    each(&|_| String::new(), "", 80, &mut out);
    each(&|s| s.dimension.clone(), "", 8, &mut out);
    each(&|s| s.physical_min.to_string(), "-1", 8, &mut out);
    each(&|s| s.physical_max.to_string(), "1", 8, &mut out);
    each(
        &|s| s.digital_min.to_string(),
        &dlo.to_string(),
        8,
        &mut out,
    );
    each(
        &|s| s.digital_max.to_string(),
        &dhi.to_string(),
        8,
        &mut out,
    );
    each(&|_| String::new(), "", 80, &mut out);
    each(
        &|s| s.samples_per_record.to_string(),
        &annot_spr.to_string(),
        8,
        &mut out,
    );
    each(&|_| String::new(), "", 32, &mut out);
    for (k, tal) in tals.iter().enumerate() {
        for s in signals {
            let spr = s.samples_per_record;
            for &v in &s.samples[k * spr..(k + 1) * spr] {
                out.extend_from_slice(&v.to_le_bytes()[..bytes]);
            }
        }
        if plus {
            let mut t = tal.clone();
            t.resize(annot_spr * bytes, 0);
            out.extend_from_slice(&t);
        }
    }
    out
}
