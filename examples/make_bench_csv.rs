//! Writes a deterministic synthetic EEG CSV (+ `_events.csv`) for benchmarks: N channels of
//! 1/f-like background (AR(1) noise) plus a 10 Hz alpha rhythm whose amplitude alternates
//! between 30 s "relaxed" (strong alpha) and "focused" (weak alpha) segments.
//!
//! `cargo run --release --example make_bench_csv -- OUT.csv [MINUTES] [CHANNELS] [RATE_HZ] [SEED]`
//! (defaults: 60 minutes, 64 channels, 512 Hz, seed 1). Same arguments, same bytes.

use std::io::{BufWriter, Write};

/// SplitMix64: a tiny, well-mixed deterministic generator.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

const NAMES: [&str; 64] = [
    "Fp1", "Fpz", "Fp2", "AF7", "AF3", "AFz", "AF4", "AF8", "F7", "F5", "F3", "F1", "Fz", "F2",
    "F4", "F6", "F8", "FT7", "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6", "FT8", "T7", "C5",
    "C3", "C1", "Cz", "C2", "C4", "C6", "T8", "TP7", "CP5", "CP3", "CP1", "CPz", "CP2", "CP4",
    "CP6", "TP8", "P7", "P5", "P3", "P1", "Pz", "P2", "P4", "P6", "P8", "PO7", "PO3", "POz", "PO4",
    "PO8", "O1", "Oz", "O2", "Iz", "T9", "T10",
];

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .expect("usage: make_bench_csv OUT.csv [MINUTES] [CHANNELS] [RATE_HZ] [SEED]");
    let minutes: f64 = args.get(2).map_or(60.0, |s| s.parse().expect("minutes"));
    let n_ch: usize = args.get(3).map_or(64, |s| s.parse().expect("channels"));
    let fs: f64 = args.get(4).map_or(512.0, |s| s.parse().expect("rate"));
    let seed: u64 = args.get(5).map_or(1, |s| s.parse().expect("seed"));
    assert!(n_ch <= NAMES.len());
    let n = (minutes * 60.0 * fs).round() as usize;
    let segment_s = 30.0;
    let mut rng = Rng(seed);
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    write!(w, "time")?;
    for name in &NAMES[..n_ch] {
        write!(w, ",{name}")?;
    }
    writeln!(w)?;
    let mut state = vec![0.0f64; n_ch];
    let phase: Vec<f64> = (0..n_ch)
        .map(|_| rng.uniform() * std::f64::consts::TAU)
        .collect();
    // occipital channels carry more alpha
    let weight: Vec<f64> = (0..n_ch)
        .map(|c| {
            if NAMES[c].starts_with('O') || NAMES[c].starts_with("PO") {
                1.0
            } else {
                0.4
            }
        })
        .collect();
    let mut line = String::with_capacity(n_ch * 10);
    for i in 0..n {
        let t = i as f64 / fs;
        let relaxed = ((t / segment_s) as usize) % 2 == 0;
        let alpha = if relaxed { 12.0 } else { 4.0 };
        line.clear();
        use std::fmt::Write as _;
        write!(line, "{t:.6}").unwrap();
        for c in 0..n_ch {
            state[c] = 0.97 * state[c] + 2.0 * rng.normal();
            let v = state[c]
                + alpha * weight[c] * (std::f64::consts::TAU * 10.0 * t + phase[c]).sin()
                + rng.normal();
            write!(line, ",{v:.2}").unwrap();
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    w.flush()?;
    let events = out.strip_suffix(".csv").unwrap_or(out).to_string() + "_events.csv";
    let mut e = BufWriter::new(std::fs::File::create(events)?);
    writeln!(e, "onset_s,duration_s,label")?;
    let total = n as f64 / fs;
    let mut onset = 0.0;
    let mut k = 0;
    while onset < total {
        let d = segment_s.min(total - onset);
        writeln!(
            e,
            "{onset},{d},{}",
            if k % 2 == 0 { "relaxed" } else { "focused" }
        )?;
        onset += segment_s;
        k += 1;
    }
    e.flush()
}
