#!/usr/bin/env bash
# `eegi evaluate --compare all` on the three shared tasks, timed, and the same comparison in
# scikit-learn / pyriemann / MNE on the same folds (bench/compare_sklearn.py reads eegi's
# fold_of_window list), side by side.
#
#   (a) fists   EEGMMIDB S001 R04/R08/R12, imagined left vs right fist, epoch 0.5-2.5 s,
#               8-30 Hz band-pass, leave one run out
#   (b) finger  BCI II finger tapping (train.csv), epoch 0-0.5 s, 5-fold
#   (c) errp    errp_bcifes, 16 recordings, epoch 0-1.5 s, bands delta 1-4 and theta 4-8 Hz
#               (its rate is 16 Hz), leave one recording out: the negative control
#
# usage: bench/compare_shared.sh [TASK...]   (default: fists finger errp)
# Needs ../shared/data (or EEGI_SHARED_DATA) and the venv /work/venv (PYTHON to override).
# Reports go to bench/out/compare_<task>.json (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${EEGI_SHARED_DATA:-/work/shared/data}
py=${PYTHON:-/work/venv/bin/python}
out=bench/out
mkdir -p "$out"
cargo build --release --quiet --bin eegi
eegi=target/release/eegi
tasks=("$@")
[ ${#tasks[@]} -gt 0 ] || tasks=(fists finger errp)

args_of() {
  case "$1" in
    fists) echo "$data/eegmmidb_s001/recordings/S001R04.csv $data/eegmmidb_s001/recordings/S001R08.csv $data/eegmmidb_s001/recordings/S001R12.csv --epoch 0.5:2.5 --labels imagined_left_fist,imagined_right_fist --bandpass 8-30 --cv by-recording" ;;
    finger) echo "$data/bci2_iv_fingertap/recordings/train.csv --epoch 0:0.5 --cv 5" ;;
    errp) echo "$data/errp_bcifes/recordings --epoch 0:1.5 --bands delta=1-4,theta=4-8 --cv by-recording" ;;
  esac
}

for t in "${tasks[@]}"; do
  echo "== $t"
  # shellcheck disable=SC2046
  start=$(date +%s.%N)
  # shellcheck disable=SC2046
  $eegi evaluate $(args_of "$t") --compare all -q --report "$out/compare_$t.json" \
    2> "$out/compare_$t.err" | sed 's/^/  /'
  end=$(date +%s.%N)
  eegi_s=$(echo "$end - $start" | bc)
  echo "  eegi evaluate --compare all: ${eegi_s} s wall (whole command: load, every preset, report)"
  $py bench/compare_sklearn.py --task "$t" --folds-from "$out/compare_$t.json" | sed 's/^/  python /'
done
