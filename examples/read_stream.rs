//! Reads a recording of any format with eegi's streaming reader (what `classify` does) and
//! nothing else, printing rows, seconds and MB/s of file; `--gunzip` instead only decompresses
//! a gzip file with flate2 (the floor for reading `.csv.gz`).
//!
//! `cargo run --release --example read_stream -- [--gunzip] FILE`

use std::io::Read;
use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let gunzip = args.iter().any(|a| a == "--gunzip");
    let path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .expect("usage: read_stream [--gunzip] FILE");
    let size = std::fs::metadata(path).expect("file").len() as f64;
    let file = std::fs::File::open(path).expect("open");
    let t = Instant::now();
    if gunzip {
        let mut d = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file));
        let mut buf = vec![0u8; 1 << 20];
        let mut n = 0u64;
        loop {
            let k = d.read(&mut buf).expect("gunzip");
            if k == 0 {
                break;
            }
            n += k as u64;
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "flate2 only: {n} bytes out in {s:.3} s: {:.1} MB/s of file, {:.1} MB/s decompressed",
            size / s / 1e6,
            n as f64 / s / 1e6
        );
        return;
    }
    let mut stream = eegi::io::open_stream(Box::new(file), Path::new(path), None)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut rows = 0usize;
    let mut checksum = 0.0;
    while let Some(b) = stream.next_block().unwrap_or_else(|e| panic!("{e}")) {
        rows += b.n_rows;
        checksum += b.samples.first().copied().unwrap_or(0.0);
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{path}: {rows} rows x {} channels in {s:.3} s: {:.1} MB/s of file, {:.2} M samples/s (checksum {checksum})",
        stream.n_channels(),
        size / s / 1e6,
        (rows * stream.n_channels()) as f64 / s / 1e6
    );
}
