#!/usr/bin/env bash
# eegi against the Python peer (pandas/polars + scipy + scikit-learn), side by side on the same
# files in one run: wall time, peak RSS, ratios, and that both give the same labels and
# probabilities (to 1e-6). Also times parsing alone (the floor) and training.
#
# usage: bench/compare.sh [MINUTES]   (default 60: one hour of 64-channel, 512 Hz EEG)
# eegi timings are the median of RUNS runs (default 3); each Python variant runs once (~30 s).
# Files go to bench/out (ignored by git). Installs Debian's `time` and a venv in bench/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-60}
out=bench/out
mkdir -p "$out"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q numpy scipy scikit-learn pandas pyarrow polars
fi
py=bench/.venv/bin/python
cargo build --release --quiet --bin eegi --examples
eegi=target/release/eegi

# deterministic inputs: 10 training minutes (seed 1) and the file to classify (seed 2)
[ -f "$out/train.csv" ] || target/release/examples/make_bench_csv "$out/train.csv" 10 64 512 1
[ -f "$out/eeg_${minutes}min.csv" ] || target/release/examples/make_bench_csv "$out/eeg_${minutes}min.csv" "$minutes" 64 512 2
data="$out/eeg_${minutes}min.csv"
echo "input: $data ($(du -h "$data" | cut -f1)), 64 channels, 512 Hz; 2 s windows every 1 s, 5 bands"

"$eegi" train "$out/train.csv" -o "$out/model.json" --cv 0 >/dev/null

runs=${RUNS:-3}
measure() { # label, command... -> prints "label wall_s rss_mib": the median of $runs runs
  local label=$1; shift
  local walls=() rss=0 w r
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null
    read -r w r <"$out/time.txt"
    walls+=("$w")
    [ "$r" -gt "$rss" ] && rss=$r
  done
  local wall
  wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  printf '%-34s %8.2f s %8.0f MiB   (median of %s: %s)\n' "$label" "$wall" "$((rss / 1024))" "$runs" "${walls[*]}"
  echo "$wall" >"$out/last_wall"
}
echo
echo "classify, end to end"
measure "parse only (eegi's reader)" target/release/examples/parse_only "$data"
parse=$(cat "$out/last_wall")
# the floor is the faster of the two ways the reader runs: on the caller's thread, or read
# ahead on a thread of its own as classify reads
measure "parse only, read ahead" target/release/examples/parse_only "$data" --prefetch
if awk "BEGIN{exit !($(cat "$out/last_wall") < $parse)}"; then parse=$(cat "$out/last_wall"); fi
measure "eegi classify" "$eegi" classify "$data" -m "$out/model.json" -o "$out/eegi.csv"
ours=$(cat "$out/last_wall")
measure "eegi classify --threads 1" env RAYON_NUM_THREADS=1 "$eegi" classify "$data" -m "$out/model.json" -o "$out/eegi1.csv"
best=""
for engine in pandas pyarrow polars; do
  runs=1 measure "python ($engine + scipy + sklearn)" "$py" bench/peer_classify.py --engine "$engine" "$out/model.json" "$data" "$out/py_$engine.csv"
  t=$(cat "$out/last_wall")
  if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  "$py" bench/agree.py "$out/eegi.csv" "$out/py_$engine.csv" 1e-6
done
cmp -s "$out/eegi.csv" "$out/eegi1.csv" && echo "eegi output identical with 1 thread and all threads"
awk "BEGIN{printf \"ratio: fastest Python / eegi = %.1fx; eegi / parse only (the faster) = %.2fx\n\", $best/$ours, $ours/$parse}"

echo
echo "training (~3000 windows x 320 features: 2 s windows every 0.2 s over 10 minutes)"
"$eegi" features "$out/train.csv" --step 0.2 -o "$out/features.csv"
"$eegi" train "$out/train.csv" --step 0.2 --cv 0 --json -o "$out/model_train.json" >"$out/train.json"
"$py" - "$out/train.json" "$out/model_train.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); m = json.load(open(sys.argv[2]))
fit = m["classifier"]["model"]["fit"]
print(f"eegi fit {s['seconds']['fit']:.3f} s (whole train incl. parsing and features: "
      f"{sum(s['seconds'].values()):.2f} s), {s['n_windows']} windows x {s['n_features']} features, "
      f"objective {fit['objective']!r}, converged {fit['converged']}")
PY
"$py" bench/peer_train.py "$out/features.csv" 1 1e-4
"$py" bench/peer_train.py "$out/features.csv" 1 1e-8
