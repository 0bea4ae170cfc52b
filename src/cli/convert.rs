//! `eegi convert`: read a recording in any format eegi reads (EEG CSV, .csv.gz, EDF/EDF+,
//! BDF/BDF+, BrainVision) and write it as eegi's CSV layout (`time` in s, one column per
//! channel in µV), plus a sidecar `<stem>_events.csv` when it has events; for an output named
//! `.vhdr`, as BrainVision (IEEE_FLOAT_32, multiplexed, events as markers); for `.edf` or
//! `.bdf`, as EDF+ (16-bit) or BDF+ (24-bit) with events as annotations (each sample within
//! half a digital step of its value; see [`crate::io::edf::writer`]). Any other extension is
//! refused. Every file is written atomically.

use super::config::{csv_field, print_warnings, InputArgs};
use crate::io::output::write_atomically;
use crate::recording::Event;
use crate::{Error, Recording, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Options of `eegi convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The recording to read (any supported format; `-` reads standard input).
    #[arg(value_name = "IN")]
    pub input_file: PathBuf,

    /// The CSV to write (`-` = stdout; the events sidecar is then not written), `OUT.vhdr` to
    /// write BrainVision (`OUT.vhdr`, `OUT.eeg` as 32-bit floats in µV, `OUT.vmrk` with the
    /// events), or `OUT.edf` / `OUT.bdf` to write EDF+ (16-bit) / BDF+ (24-bit), the events as
    /// annotations, each channel scaled to its own range (the last data record padded with
    /// the last sample). Other extensions (.fif, .gz, ...) are refused.
    #[arg(value_name = "OUT.csv|OUT.vhdr|OUT.edf|OUT.bdf")]
    pub output: PathBuf,

    #[command(flatten)]
    pub input: InputArgs,
}

/// Refuses an output name whose extension is a format convert does not write (`out.fif`
/// would hold CSV that other tools then refuse as FIF).
fn check_extension(output: &Path) -> Result<()> {
    let ext = output
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        None | Some("csv") | Some("txt") | Some("vhdr") | Some("edf") | Some("bdf") => Ok(()),
        Some(ext) => Err(Error::input(format!(
            "{}: extension .{ext}, expected .csv, .txt, .vhdr, .edf or .bdf: convert writes eegi's CSV layout (with a sidecar <stem>_events.csv), BrainVision, EDF+ or BDF+, not other formats or compressed files",
            output.display()
        ))),
    }
}

/// Whether the output is a BrainVision header (`.vhdr`, any case).
fn is_vhdr(output: &Path) -> bool {
    output
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("vhdr"))
}

/// Runs `eegi convert`.
pub fn run(args: Args) -> Result<()> {
    check_extension(&args.output)?;
    args.input
        .check_stdin_once(std::slice::from_ref(&args.input_file), None)?;
    args.input
        .check_output(&args.output, std::slice::from_ref(&args.input_file), None)?;
    if is_vhdr(&args.output) {
        let (eeg, vmrk) = crate::io::brainvision::writer::companions(&args.output);
        for p in [eeg, vmrk] {
            args.input
                .check_output(&p, std::slice::from_ref(&args.input_file), None)?;
        }
    }
    let loaded = crate::io::read_any(&args.input_file, &args.input.read_options()?)?;
    if crate::io::edf::writer::kind_of(&args.output).is_some() {
        // a name EDF cannot hold is the one error, before any warning about the recording
        crate::io::edf::writer::check_labels(&args.output, &loaded.recording.channel_names)?;
    }
    print_warnings(&loaded.warnings);
    let events = args
        .input
        .events_of(&loaded, &args.input_file, 1)?
        .map(|e| e.0);
    if crate::io::edf::writer::kind_of(&args.output).is_some() {
        let events = events.unwrap_or_default();
        return crate::io::edf::write_edf(&args.output, &loaded.recording, &events);
    }
    if is_vhdr(&args.output) {
        let events = events.unwrap_or_default();
        return crate::io::brainvision::write_brainvision(&args.output, &loaded.recording, &events);
    }
    // both outputs are checked before either is written (the sidecar may be an input: the
    // recording's own events file)
    let sidecar = match (&events, args.output == Path::new("-")) {
        (Some(_), false) => Some(events_path(&args.output)?),
        _ => None,
    };
    if let Some(path) = &sidecar {
        crate::io::output::check_output(path, &[])?;
    }
    crate::io::output::check_output(&args.output, &[])?;
    write_atomically(&args.output, |w| write_csv(w, &loaded.recording))?;
    if let Some(events) = events {
        if args.output == Path::new("-") {
            eprintln!(
                "eegi: note: {} events not written (the output is stdout; give a file name to get <stem>_events.csv)",
                events.len()
            );
        } else if let Some(path) = &sidecar {
            write_atomically(path, |w| write_events(w, &events))?;
        }
    }
    Ok(())
}

/// The sidecar events file of an output CSV: `<stem>_events.csv` beside it.
pub fn events_path(output: &Path) -> Result<PathBuf> {
    let name = output
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::input(format!("{}: expected a file name", output.display())))?;
    let stem = name
        .strip_suffix(".csv")
        .or_else(|| name.strip_suffix(".CSV"))
        .unwrap_or(name);
    Ok(output.with_file_name(format!("{stem}_events.csv")))
}

/// Writes a recording in eegi's CSV layout: `time` (s, shortest text that reads back exactly)
/// and one column per channel in µV (likewise exact).
pub fn write_csv(w: &mut dyn Write, rec: &Recording) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
    write!(w, "time")?;
    for c in &rec.channel_names {
        write!(w, ",{}", csv_field(c))?;
    }
    writeln!(w)?;
    let fs = rec.sample_rate_hz;
    for (i, row) in rec.samples.rows().into_iter().enumerate() {
        write!(w, "{}", i as f64 / fs)?;
        for v in row {
            write!(w, ",{v}")?;
        }
        writeln!(w)?;
    }
    w.flush()
}

/// Writes events as `onset_s,duration_s,label` rows.
pub fn write_events(w: &mut dyn Write, events: &[Event]) -> std::io::Result<()> {
    writeln!(w, "onset_s,duration_s,label")?;
    for e in events {
        writeln!(w, "{},{},{}", e.onset_s, e.duration_s, csv_field(&e.label))?;
    }
    Ok(())
}
