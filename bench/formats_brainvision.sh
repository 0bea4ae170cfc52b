#!/usr/bin/env bash
# Reading speed of BrainVision next to CSV and EDF: the recording of bench/formats.sh (default
# one hour, 64 channels, 512 Hz) as CSV, EDF, and BrainVision — IEEE_FLOAT_32 multiplexed
# (written by `eegi convert OUT.vhdr`), INT_16 multiplexed and INT_16 vectorised (0.01 µV
# resolution, as the EDF; written from the float file with numpy) — each read with eegi's
# streaming reader (examples/read_stream, what `classify` does). MB/s counts the data file
# (.eeg for BrainVision). Usage: bench/formats_brainvision.sh [MINUTES] (PY=python with numpy)
set -euo pipefail
cd "$(dirname "$0")/.."
MIN=${1:-60}
PY=${PY:-/work/venv/bin/python}
OUT=bench/out/formats
mkdir -p "$OUT"
cargo build --release --quiet --examples --bin eegi
BIN=target/release/examples
[ -f "$OUT/b$MIN.csv" ] || $BIN/make_bench_csv "$OUT/b$MIN.csv" "$MIN"
[ -f "$OUT/b$MIN.edf" ] || $BIN/csv_to_edf "$OUT/b$MIN.csv" "$OUT/b$MIN.edf"
[ -f "$OUT/b${MIN}_f32.vhdr" ] || target/release/eegi convert "$OUT/b$MIN.csv" "$OUT/b${MIN}_f32.vhdr"
if [ ! -f "$OUT/b${MIN}_i16v.vhdr" ]; then
  "$PY" - "$OUT/b${MIN}_f32" "$OUT/b${MIN}_i16m" "$OUT/b${MIN}_i16v" <<'PYEOF'
import re, sys
import numpy as np
src, mux, vec = sys.argv[1:]
hdr = open(src + ".vhdr", encoding="utf-8").read()
n_ch = int(re.search(r"NumberOfChannels=(\d+)", hdr).group(1))
x = np.memmap(src + ".eeg", dtype="<f4", mode="r").reshape(-1, n_ch)
q = np.clip(np.round(x / 0.01), -32768, 32767).astype("<i2")
for out, orient in ((mux, "MULTIPLEXED"), (vec, "VECTORIZED")):
    name = out.rsplit("/", 1)[-1]
    h = hdr.replace("BinaryFormat=IEEE_FLOAT_32", "BinaryFormat=INT_16")
    h = h.replace("DataOrientation=MULTIPLEXED", f"DataOrientation={orient}")
    h = re.sub(r"DataFile=.*", f"DataFile={name}.eeg", h)
    h = re.sub(r"MarkerFile=.*\r?\n", "", h)
    h = re.sub(r"(Ch\d+=[^,]*),,1,", r"\1,,0.01,", h)
    open(out + ".vhdr", "w", encoding="utf-8", newline="").write(h)
    (q if orient == "MULTIPLEXED" else np.ascontiguousarray(q.T)).tofile(out + ".eeg")
PYEOF
fi
ls -l "$OUT"/b$MIN.csv "$OUT"/b$MIN.edf "$OUT"/b${MIN}_*.eeg
cat "$OUT"/b$MIN.csv "$OUT"/b$MIN.edf "$OUT"/b${MIN}_*.eeg > /dev/null  # warm the page cache
for rep in 1 2 3; do
  echo "--- run $rep"
  $BIN/read_stream "$OUT/b$MIN.csv"
  $BIN/read_stream "$OUT/b$MIN.edf"
  for v in f32 i16m i16v; do
    line=$($BIN/read_stream "$OUT/b${MIN}_$v.vhdr")
    s=$(echo "$line" | sed -E 's/.* in ([0-9.]+) s:.*/\1/')
    bytes=$(stat -c %s "$OUT/b${MIN}_$v.eeg")
    echo "$line" | sed -E "s/: [0-9.]+ MB\/s of file/: $(echo "scale=1; $bytes / $s / 1000000" | bc) MB\/s of .eeg/"
  done
done
