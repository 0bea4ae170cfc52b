#!/bin/bash
# Event-locked `eegi evaluate` timing (issue 18): three pipelines, three runs each, wall time and
# peak RSS from /usr/bin/time, the load average after each run. Never a timed test.
#   bench/evaluate_event_locked.sh [EEGI_BINARY] [DATA_DIR]
# DATA_DIR is generated with `eegi simulate --recordings 12 --sample-rate 160` (32 channels,
# 1200 epochs, 83 MB of CSV) when it holds no sim01.csv.
set -euo pipefail
BIN=${1:-target/release/eegi}
D=${2:-/tmp/eegi_event_locked}
[ -f "$D/sim01.csv" ] || "$BIN" simulate --recordings 12 --sample-rate 160 -o "$D" >/dev/null
for p in "bandpower" "erp --classifier lda" "xdawn --classifier lda"; do
  for i in 1 2 3; do
    # shellcheck disable=SC2086 # $p holds several arguments
    /usr/bin/time -f "%e s %M KB" -o "$D/time.txt" "$BIN" evaluate "$D"/sim[0-9][0-9].csv \
      --epoch 0:0.8 --bandpass 1-10 --cv by-recording --permutations 0 --features $p >/dev/null
    echo "$p, run $i: $(cat "$D/time.txt"), load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
