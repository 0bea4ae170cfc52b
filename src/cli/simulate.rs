//! `eegi simulate`: write synthetic EEG (32 to 64 channels, 10-10 names, 1/f background + alpha) with
//! robot-feedback events ("robot_error" / "ok") whose error trials carry an error-related
//! potential of the published shape, in the CSV + `_events.csv` layout `train` reads.

use super::config::{csv_field, fmt_seconds};
use crate::io::output::write_atomically;
use crate::simulate::SimulateSpec;
use crate::{Error, Result};
use std::path::PathBuf;

/// Options of `eegi simulate`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Model (sources in src/simulate.rs): background 1/f^1.5 (Donoghue et al., Nat. Neurosci. 2020)
mixed by scalp distance; 10 Hz posterior alpha; 1 µV sensor noise; a robot action every 2 ± 0.5 s,
a mistake with probability 0.2 (Ferrez & Millán, IEEE TBME 2008); a visual N1/P2 after every
action; after mistakes an ErrP at FCz of -5 µV at 250 ms, +7 µV at 350 ms, -3 µV at 500 ms
(Ferrez & Millán 2008), fronto-central (FCz/Cz), latency jitter 20 ms, amplitude jitter 20%.

Example (two lines, each short enough not to wrap in an 80-column terminal):
  eegi simulate -o sim
  eegi train sim --epoch 0:0.8 --bandpass 1-10 --features erp -o m.json")]
pub struct Args {
    /// Output folder (created if missing): sim01.csv, sim01_events.csv, ... and simulation.json.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,

    /// Seed of the ChaCha8 generator: the same seed and settings give identical files.
    #[arg(long, value_name = "N", default_value_t = SimulateSpec::default().seed)]
    pub seed: u64,

    /// Signal-to-noise ratio: the ErrP's 7 µV positivity at FCz over the background RMS of each
    /// channel. The default gives a background of 7 µV RMS (scalp EEG is typically 5-20 µV RMS):
    /// single trials are hard to read by eye, and decoders reach the 0.75-0.85 of published ErrP work.
    #[arg(long, value_name = "X", default_value_t = SimulateSpec::default().snr)]
    pub snr: f64,

    /// Number of recordings (sessions) to write.
    #[arg(long, value_name = "N", default_value_t = SimulateSpec::default().recordings)]
    pub recordings: usize,

    /// Robot actions per recording (about 2 s each).
    #[arg(long, value_name = "N", default_value_t = SimulateSpec::default().trials)]
    pub trials: usize,

    /// Sample rate in Hz; the default is common for ErrP studies (Chavarriaga et al. 2014).
    #[arg(long, value_name = "HZ", default_value_t = SimulateSpec::default().sample_rate_hz)]
    pub sample_rate: f64,

    /// Probability that an action is a mistake; the default is Ferrez & Millán's (2008).
    #[arg(long, value_name = "P", default_value_t = SimulateSpec::default().error_rate)]
    pub error_rate: f64,

    /// Number of channels, 32 to 64: the default 32, then further 10-10 sites of the 64-channel
    /// set (FC3, FC4, C1, C2, CPz, ...) in the order of `simulate::EXTRA_CHANNELS`.
    #[arg(long, value_name = "N", default_value_t = SimulateSpec::default().channels)]
    pub channels: usize,
}

/// Runs `eegi simulate`.
pub fn run(args: Args) -> Result<()> {
    let spec = SimulateSpec {
        seed: args.seed,
        snr: args.snr,
        recordings: args.recordings,
        trials: args.trials,
        sample_rate_hz: args.sample_rate,
        error_rate: args.error_rate,
        channels: args.channels,
    };
    spec.check()?;
    std::fs::create_dir_all(&args.output).map_err(|e| {
        Error::runtime(format!(
            "{}: cannot create the folder: {}",
            args.output.display(),
            crate::io::io_reason(&e)
        ))
    })?;
    let names = spec.channel_names();
    for r in 0..spec.recordings {
        let sim = spec.recording(r);
        let stem = format!("sim{:02}", r + 1);
        write_atomically(&args.output.join(format!("{stem}.csv")), |w| {
            write!(w, "time")?;
            for n in &names {
                write!(w, ",{}", csv_field(n))?;
            }
            writeln!(w)?;
            for (i, row) in sim.samples.rows().into_iter().enumerate() {
                write!(w, "{:.6}", i as f64 / spec.sample_rate_hz)?;
                for v in row {
                    write!(w, ",{v:.3}")?;
                }
                writeln!(w)?;
            }
            Ok(())
        })?;
        write_atomically(&args.output.join(format!("{stem}_events.csv")), |w| {
            writeln!(w, "onset_s,duration_s,label")?;
            for (onset, label) in &sim.events {
                writeln!(w, "{},0,{}", fmt_seconds(*onset), csv_field(label))?;
            }
            Ok(())
        })?;
        let n_err = sim.events.iter().filter(|e| e.1 == "robot_error").count();
        println!(
            "{stem}: {:.1} s, {} channels, {} Hz, {} robot_error / {} ok",
            sim.samples.nrows() as f64 / spec.sample_rate_hz,
            names.len(),
            spec.sample_rate_hz,
            n_err,
            sim.events.len() - n_err
        );
    }
    let json = serde_json::to_string_pretty(&spec).expect("settings serialise") + "\n";
    write_atomically(&args.output.join("simulation.json"), |w| {
        w.write_all(json.as_bytes())
    })?;
    Ok(())
}
