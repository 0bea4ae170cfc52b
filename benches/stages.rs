//! Benchmarks of the stages on 64-channel, 512 Hz EEG: CSV parsing (std vs fast-float2, one
//! thread vs all), band-power features per window (one thread vs all), and prediction.
//! Run with `cargo bench --bench stages`.

mod common;

use eegi::features::extract;
use eegi::io::csv::CsvStream;
use eegi::online::StreamFeatures;
use eegi::windows::WindowSpec;
use std::hint::black_box;
use std::time::Instant;

fn csv_text(fs: f64, seconds: f64) -> Vec<u8> {
    let (rec, _) = common::recording(fs, seconds);
    let mut s = String::from("time");
    for c in &rec.channel_names {
        s.push(',');
        s.push_str(c);
    }
    s.push('\n');
    for (i, row) in rec.samples.rows().into_iter().enumerate() {
        s.push_str(&format!("{:.6}", i as f64 / fs));
        for v in row {
            s.push_str(&format!(",{v:.2}"));
        }
        s.push('\n');
    }
    s.into_bytes()
}

fn parse_all(text: &[u8]) -> usize {
    let mut stream = CsvStream::new(
        Box::new(std::io::Cursor::new(text.to_vec())),
        "bench.csv".as_ref(),
        None,
    )
    .unwrap();
    let mut rows = 0;
    while let Some(b) = stream.next_block().unwrap() {
        rows += b.n_rows;
    }
    rows
}

/// Best of `runs` timings of `f`, in s.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let fs = 512.0;
    let text = csv_text(fs, 120.0);
    let mb = text.len() as f64 / 1e6;
    let threads = rayon::current_num_threads();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();

    // float parsing alone: every field of the text
    let fields: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .skip(1)
        .flat_map(|l| l.split(|&b| b == b','))
        .filter(|f| !f.is_empty())
        .collect();
    let t_std = best(3, || {
        fields
            .iter()
            .map(|f| std::str::from_utf8(f).unwrap().parse::<f64>().unwrap())
            .sum::<f64>()
    });
    let t_fast = best(3, || {
        fields
            .iter()
            .map(|f| fast_float2::parse::<f64, _>(f).unwrap())
            .sum::<f64>()
    });
    let t_lexical = best(3, || {
        fields
            .iter()
            .map(|f| lexical_core::parse::<f64>(f).unwrap())
            .sum::<f64>()
    });
    println!(
        "float parsing ({} fields): std {:.0} MB/s, fast-float2 {:.0} MB/s ({:.1}x), lexical-core {:.0} MB/s ({:.1}x)",
        fields.len(),
        mb / t_std,
        mb / t_fast,
        t_std / t_fast,
        mb / t_lexical,
        t_std / t_lexical
    );

    let t1 = one.install(|| best(3, || parse_all(&text)));
    let tn = best(3, || parse_all(&text));
    println!(
        "CSV parse ({mb:.0} MB, 64 ch): 1 thread {:.0} MB/s, {threads} threads {:.0} MB/s ({:.2}x)",
        mb / t1,
        mb / tn,
        t1 / tn
    );

    // features: 2 s windows every 1 s over 120 s
    let (rec, _) = common::recording(fs, 120.0);
    let spec = WindowSpec::Sliding {
        window_s: 2.0,
        step_s: 1.0,
    };
    let windows = spec.continuous(0, rec.n_samples(), fs);
    let chans: Vec<usize> = (0..64).collect();
    let specs = [common::band_power()];
    let run = || {
        extract(
            &specs,
            fs,
            1024,
            &[&rec],
            std::slice::from_ref(&chans),
            &rec.channel_names,
            &windows,
        )
        .unwrap()
    };
    let f1 = one.install(|| best(5, run));
    let fnn = best(5, run);
    println!(
        "band power (64 ch x 2 s windows, 5 bands): 1 thread {:.1} µs/window ({:.0} windows/s), {threads} threads {:.1} µs/window ({:.2}x)",
        f1 / windows.len() as f64 * 1e6,
        windows.len() as f64 / f1,
        fnn / windows.len() as f64 * 1e6,
        f1 / fnn
    );

    // the streaming path: blocks of ~11 s as `classify` reads them; overlapping windows share
    // their Welch segments (2 FFTs per window and channel instead of 3)
    let samples = rec.samples.as_slice().unwrap();
    let stream = || {
        let mut f =
            StreamFeatures::new(&rec.source, &specs, fs, 1024, 512, &rec.channel_names).unwrap();
        samples
            .chunks(5800 * 64)
            .map(|block| f.push(block).unwrap().len())
            .sum::<usize>()
    };
    let s1 = one.install(|| best(5, stream));
    let sn = best(5, stream);
    println!(
        "band power streamed (StreamFeatures, shared segments): 1 thread {:.1} µs/window, {threads} threads {:.1} µs/window ({:.2}x)",
        s1 / windows.len() as f64 * 1e6,
        sn / windows.len() as f64 * 1e6,
        s1 / sn
    );

    // one window through one extractor, no threads at all
    let mut bp = specs[0].build(fs, 1024).unwrap();
    let mut row = vec![0.0; 320];
    let view = rec.samples.slice(ndarray::s![0..1024, ..]);
    let t = best(5, || {
        for _ in 0..200 {
            bp.transform(view, &chans, &mut row);
        }
    });
    println!(
        "band power, one window sequentially: {:.1} µs",
        t / 200.0 * 1e6
    );

    // prediction: scaling + logistic regression per window
    let model = common::model(fs, 1.0);
    let mut p = vec![0.0; 2];
    let t = best(5, || {
        for _ in 0..10_000 {
            let mut r = row.clone();
            model.scaler.transform_row(&mut r);
            model
                .classifier
                .predict_proba_row(ndarray::ArrayView1::from(&r), &mut p);
        }
    });
    println!(
        "predict (scale + logistic, 320 features): {:.2} µs/window",
        t / 10_000.0 * 1e6
    );
}
