//! Parses an EEG CSV with eegi's streaming reader and does nothing else: the floor that
//! `bench/compare.sh` holds `eegi classify` against. Prints rows and channels read.
//! With `--prefetch`, blocks are read ahead on a thread of their own, as `classify` reads.
//!
//! `cargo run --release --example parse_only -- FILE.csv [--prefetch]`

use eegi::io::csv::CsvStream;
use eegi::io::prefetch::Prefetch;
use eegi::io::SampleStream;
use std::path::Path;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: parse_only FILE.csv [--prefetch]");
    let prefetch = std::env::args().any(|a| a == "--prefetch");
    let file = std::fs::File::open(&path).expect("open");
    let stream =
        CsvStream::new(Box::new(file), Path::new(&path), None).unwrap_or_else(|e| panic!("{e}"));
    let mut stream: Box<dyn SampleStream> = if prefetch {
        Box::new(Prefetch::start(Box::new(stream)))
    } else {
        Box::new(stream)
    };
    let (mut rows, mut checksum) = (0u64, 0.0);
    while let Some(block) = stream.next_block().unwrap_or_else(|e| panic!("{e}")) {
        rows += block.n_rows as u64;
        checksum += block.samples.first().copied().unwrap_or(0.0);
    }
    println!(
        "{rows} rows x {} channels (checksum {checksum})",
        stream.n_channels()
    );
}
