#!/usr/bin/env bash
# Reading speed by format: the same recording (default one hour, 64 channels, 512 Hz) as CSV,
# EDF (16-bit, written from the CSV) and gzip-compressed CSV, read with eegi's streaming reader
# (examples/read_stream, what `classify` does), against the floor of decompression alone
# (`gzip -dc` and flate2 without parsing). Usage: bench/formats.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
MIN=${1:-60}
OUT=bench/out/formats
mkdir -p "$OUT"
cargo build --release --quiet --examples
BIN=target/release/examples
[ -f "$OUT/b$MIN.csv" ] || $BIN/make_bench_csv "$OUT/b$MIN.csv" "$MIN"
[ -f "$OUT/b$MIN.edf" ] || $BIN/csv_to_edf "$OUT/b$MIN.csv" "$OUT/b$MIN.edf"
[ -f "$OUT/b$MIN.csv.gz" ] || gzip -6 -c "$OUT/b$MIN.csv" > "$OUT/b$MIN.csv.gz"
ls -l "$OUT"/b$MIN.*
cat "$OUT"/b$MIN.* > /dev/null  # warm the page cache
t() { local s=$(date +%s.%N); "$@" > /dev/null; echo "$(date +%s.%N) - $s" | bc; }
for rep in 1 2 3; do
  echo "--- run $rep"
  $BIN/read_stream "$OUT/b$MIN.csv"
  $BIN/read_stream "$OUT/b$MIN.edf"
  $BIN/read_stream "$OUT/b$MIN.csv.gz"
  $BIN/read_stream --gunzip "$OUT/b$MIN.csv.gz"
  echo "gzip -dc > /dev/null: $(t gzip -dc "$OUT/b$MIN.csv.gz") s"
done
