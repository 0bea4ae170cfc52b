//! Parses an EEG CSV with eegi's streaming reader and does nothing else: the floor that
//! `bench/compare.sh` holds `eegi classify` against. Prints rows and channels read.
//!
//! `cargo run --release --example parse_only -- FILE.csv`

use eegi::io::stream::CsvStream;
use std::path::Path;

fn main() {
    let path = std::env::args().nth(1).expect("usage: parse_only FILE.csv");
    let file = std::fs::File::open(&path).expect("open");
    let mut stream =
        CsvStream::new(Box::new(file), Path::new(&path), None).unwrap_or_else(|e| panic!("{e}"));
    let mut checksum = 0.0;
    while let Some(block) = stream.next_block().unwrap_or_else(|e| panic!("{e}")) {
        checksum += block.samples.first().copied().unwrap_or(0.0);
    }
    println!(
        "{} rows x {} channels (checksum {checksum})",
        stream.rows_read(),
        stream.n_channels()
    );
}
