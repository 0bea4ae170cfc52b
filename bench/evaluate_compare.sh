#!/usr/bin/env bash
# Event-locked `eegi evaluate` against its Python peer, side by side (issue 18). Never a timed
# test.
#
# The set: `eegi simulate --recordings 12 --sample-rate 160 --channels 64` (1200 epochs, robot
# errors vs ok, 162 MB of CSV), generated into DATA_DIR when it holds no sim12.csv.
# The pipelines, each on the same folds (leave one recording out), `--epoch 0:0.8 --bandpass
# 1-10 --cv by-recording --permutations 0`:
#   bandpower  band power + balanced logistic regression
#   erp        bin means at 20 Hz + shrinkage LDA (--features erp --classifier lda)
#   xdawn      xDAWN (4 filters per class) + shrinkage LDA (--features xdawn --classifier lda)
# The peer, bench/evaluate_peer.py (its protocol is at its top): pandas reading, scipy
# filtering, scikit-learn, pyriemann's Xdawn; one separate process per run, so its wall time
# includes Python's start and imports (the user waits for them too).
#
# Per pipeline: RUNS runs of each, alternated (eegi, Python, eegi, ...); the median wall time and
# the largest peak RSS of each (/usr/bin/time), the ratio of the medians, and the balanced
# accuracies, which must agree within 0.01: balanced accuracy = mean recall over the classes of
# the argmax of the pooled out-of-fold probabilities (eegi's report field `balanced_accuracy`;
# scikit-learn's balanced_accuracy_score on cross_val_predict). The load average is printed
# before each pipeline: the machine may be shared.
#
#   bench/evaluate_compare.sh [EEGI_BINARY] [DATA_DIR] [RUNS]
# Defaults: target/release/eegi (built if missing), /tmp/eegi_event_locked64, 3.
# PYTHON overrides the interpreter (default /work/venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/eegi}
D=${2:-/tmp/eegi_event_locked64}
RUNS=${3:-3}
py=${PYTHON:-/work/venv/bin/python}
[ -x "$BIN" ] || cargo build --release --quiet --bin eegi
[ -f "$D/sim12.csv" ] ||
  "$BIN" simulate --recordings 12 --sample-rate 160 --channels 64 -o "$D" >/dev/null
files=("$D"/sim[0-9][0-9].csv)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# median of the numbers on stdin
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# largest of the numbers on stdin
largest() { sort -g | tail -1; }
# the balanced accuracy in a JSON file
ba_of() { "$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["balanced_accuracy"])' "$1"; }

printf '%-10s | %-19s | %-19s | %-9s | %s\n' pipeline "eegi (median, RSS)" "Python (median, RSS)" "Python/eegi" \
  "balanced accuracy eegi / Python"
status=0
for p in bandpower erp xdawn; do
  case $p in
    bandpower) features=(bandpower) ;;
    erp) features=(erp --classifier lda) ;;
    xdawn) features=(xdawn --classifier lda) ;;
  esac
  echo "# $p: load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  : >"$tmp/eegi.t"
  : >"$tmp/py.t"
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -a -o "$tmp/eegi.t" "$BIN" evaluate "${files[@]}" --epoch 0:0.8 \
      --bandpass 1-10 --cv by-recording --permutations 0 --features "${features[@]}" --json \
      >"$tmp/eegi.json" 2>"$tmp/eegi.err"
    /usr/bin/time -f "%e %M" -a -o "$tmp/py.t" "$py" bench/evaluate_peer.py "$p" "${files[@]}" \
      >"$tmp/py.json"
    echo "#   run $i: eegi $(tail -1 "$tmp/eegi.t" | cut -d' ' -f1) s, Python $(tail -1 "$tmp/py.t" | cut -d' ' -f1) s; load $(cut -d' ' -f1 /proc/loadavg)" >&2
  done
  e_s=$(cut -d' ' -f1 "$tmp/eegi.t" | median)
  p_s=$(cut -d' ' -f1 "$tmp/py.t" | median)
  e_mb=$(cut -d' ' -f2 "$tmp/eegi.t" | largest | awk '{printf "%.0f", $1 / 1024}')
  p_mb=$(cut -d' ' -f2 "$tmp/py.t" | largest | awk '{printf "%.0f", $1 / 1024}')
  e_ba=$(ba_of "$tmp/eegi.json")
  p_ba=$(ba_of "$tmp/py.json")
  agree=$(awk -v a="$e_ba" -v b="$p_ba" 'BEGIN {d = a - b; if (d < 0) d = -d; print (d <= 0.01) ? "agree" : "DISAGREE"}')
  [ "$agree" = agree ] || status=1
  printf '%-10s | %6.2f s, %5s MB | %6.2f s, %5s MB | %8.1fx | %.4f / %.4f (%s)\n' "$p" "$e_s" "$e_mb" \
    "$p_s" "$p_mb" "$(awk -v a="$p_s" -v b="$e_s" 'BEGIN {print a / b}')" "$e_ba" "$p_ba" "$agree"
done
exit $status
