//! The closed loop over LSL, timed (issue 13): this bench is the amplifier and the robot. It
//! publishes a simulated 64-channel ErrP session at 512 Hz in real time (one sample per push,
//! paced by the clock) with its events as markers, runs `eegi classify --lsl --lsl-markers
//! --lsl-out` (model: causal 1-10 Hz band-pass + CAR + xDAWN + LDA, trained by `eegi train`)
//! under `/usr/bin/time -v`, and reads the decisions stream back. Reported:
//! - end to end: from the push of an epoch's last sample to the decision's arrival at this
//!   client (LSL clock, one machine: two LSL deliveries, samples in and decisions out);
//! - inside eegi: from the arrival of that sample to the decision pushed (eegi's `latency_us`);
//! - CPU (% of one core over the session) and max RSS of the classify process.
//!
//! No timed assertion. `cargo bench --features lsl --bench lsl_latency` (about 7 minutes:
//! real time); `EEGI_BENCH_TRIALS=N` changes the number of epochs (default 210);
//! `EEGI_BENCH_REALTIME=1` runs classify with `--realtime`.

mod common;

use lsl::{ExPushable, Pullable};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FS: f64 = 512.0;

fn percentiles(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((p * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
    format!("p50 {:.3} / p99 {:.3} / max {:.3}", q(0.5), q(0.99), q(1.0))
}

fn main() {
    let trials: usize = std::env::var("EEGI_BENCH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(210);
    // EEGI_BENCH_REALTIME=1: classify with --realtime (SCHED_FIFO; root or CAP_SYS_NICE)
    let realtime = std::env::var("EEGI_BENCH_REALTIME").is_ok_and(|v| v == "1");
    let eegi = env!("CARGO_BIN_EXE_eegi");
    let dir = tempfile::tempdir().unwrap();
    let (rec, events) = common::errp_64ch(trials, 0.3, FS);
    // the training session, written as eegi CSV with its events
    let csv = dir.path().join("session.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
        writeln!(w, "{}", rec.channel_names.join(",")).unwrap();
        for row in rec.samples.rows() {
            let line: Vec<String> = row.iter().map(|v| v.to_string()).collect();
            writeln!(w, "{}", line.join(",")).unwrap();
        }
        let mut e = std::fs::File::create(dir.path().join("session_events.csv")).unwrap();
        writeln!(e, "onset_s,duration_s,label").unwrap();
        for ev in &events {
            writeln!(e, "{},0,{}", ev.onset_s, ev.label).unwrap();
        }
    }
    let model = dir.path().join("model.json");
    let trained = Command::new(eegi)
        .arg("train")
        .arg(&csv)
        .args([
            "--sample-rate",
            "512",
            "--epoch",
            "0:0.8",
            "--bandpass",
            "1-10",
        ])
        .args([
            "--causal-filters",
            "--car",
            "--features",
            "xdawn",
            "--classifier",
            "lda",
        ])
        .arg("-o")
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        trained.status.success(),
        "{}",
        String::from_utf8_lossy(&trained.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let window = json["window_samples"].as_u64().unwrap() as usize;

    let name = format!("eegi-bench-{}", std::process::id());
    let out_name = format!("{name}-decisions");
    let stdout_path = dir.path().join("decisions.csv");
    let mut classify = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(eegi)
        .args(["classify", "-m"])
        .arg(&model)
        .args(["--lsl", &format!("name='{name}'")])
        .args(["--lsl-markers", &format!("name='{name}-markers'")])
        .args(["--lsl-out", &out_name, "--lsl-idle", "2"])
        .args(realtime.then_some("--realtime"))
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // the robot: receives decisions on its own thread, noting the LSL clock at arrival
    let (tx, rx) = std::sync::mpsc::channel();
    let n_events = events.len();
    let robot = std::thread::spawn(move || {
        let found = lsl::resolve_bypred(&format!("name='{out_name}'"), 1, 60.0).unwrap();
        let inlet = lsl::StreamInlet::new(&found[0], 360, 0, true).unwrap();
        inlet.open_stream(10.0).unwrap();
        tx.send(()).unwrap();
        let mut got = Vec::new();
        let mut idle = 0;
        while got.len() < n_events && idle < 10 {
            let (_, stamp): (Vec<String>, f64) = inlet.pull_sample(1.0).unwrap();
            if stamp == 0.0 {
                idle += 1;
                continue;
            }
            idle = 0;
            got.push(lsl::local_clock());
        }
        got
    });
    rx.recv().unwrap();

    // the amplifier: 64 channels, one sample per push, paced by the clock
    let n_ch = rec.n_channels();
    let mut info = lsl::StreamInfo::new(
        &name,
        "EEG",
        n_ch as u32,
        FS,
        lsl::ChannelFormat::Double64,
        &name,
    )
    .unwrap();
    let mut chans = info.desc().append_child("channels");
    for c in &rec.channel_names {
        let mut ch = chans.append_child("channel");
        ch.append_child_value("label", c);
        ch.append_child_value("unit", "microvolts");
    }
    let eeg = lsl::StreamOutlet::new(&info, 0, 360).unwrap();
    let minfo = lsl::StreamInfo::new(
        &format!("{name}-markers"),
        "Markers",
        1,
        0.0,
        lsl::ChannelFormat::String,
        &format!("{name}-m"),
    )
    .unwrap();
    let markers = lsl::StreamOutlet::new(&minfo, 0, 360).unwrap();
    assert!(eeg.wait_for_consumers(60.0) && markers.wait_for_consumers(60.0));
    std::thread::sleep(Duration::from_millis(500));
    let n = rec.n_samples();
    let mut pushed = vec![0.0; n];
    let mut row = vec![0.0; n_ch];
    let t0 = lsl::local_clock();
    let start = Instant::now();
    let mut next_event = 0;
    for (i, pushed_at) in pushed.iter_mut().enumerate() {
        let due = Duration::from_secs_f64(i as f64 / FS);
        if let Some(wait) = due.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
        while next_event < events.len() && events[next_event].onset_s <= i as f64 / FS {
            let ev = &events[next_event];
            markers
                .push_sample_ex(&vec![ev.label.as_str()], t0 + ev.onset_s, true)
                .unwrap();
            next_event += 1;
        }
        row.iter_mut()
            .zip(rec.samples.row(i))
            .for_each(|(d, s)| *d = *s);
        eeg.push_sample_ex(&row, t0 + i as f64 / FS, true).unwrap();
        *pushed_at = lsl::local_clock();
    }
    let arrivals = robot.join().unwrap();
    drop(eeg);
    drop(markers);
    let status = classify.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(classify.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}");

    let mut e2e = Vec::new();
    for (ev, arrived) in events.iter().zip(&arrivals) {
        let last = (ev.onset_s * FS).round() as usize + window - 1;
        e2e.push((arrived - pushed[last.min(n - 1)]) * 1e3);
    }
    let decisions = std::fs::read_to_string(&stdout_path).unwrap();
    let inside: Vec<f64> = decisions
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse::<f64>().unwrap() / 1e3)
        .collect();
    let field = |key: &str| {
        err.lines()
            .find(|l| l.trim_start().starts_with(key))
            .map(|l| l.rsplit(": ").next().unwrap().trim().to_string())
            .unwrap_or_default()
    };
    println!(
        "lsl_latency: {} channels at {FS} Hz, {} epochs of {window} samples, liblsl {}{}",
        n_ch,
        arrivals.len(),
        lsl::library_version(),
        if realtime {
            ", classify --realtime"
        } else {
            ""
        }
    );
    println!(
        "  end to end (push of the last sample -> decision at the client), ms: {}",
        percentiles(e2e)
    );
    println!(
        "  inside eegi (sample arrival -> decision pushed), ms: {}",
        percentiles(inside)
    );
    println!(
        "  classify: CPU {} of a core, max RSS {} kB, wall {}",
        field("Percent of CPU"),
        field("Maximum resident set size"),
        field("Elapsed (wall clock)")
    );
    if let Some(s) = err.lines().find(|l| l.contains("summary:")) {
        println!("  {s}");
    }
}
