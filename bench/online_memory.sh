#!/usr/bin/env bash
# Memory over a long online ErrP session (issue 13: "memory stays flat over a 1-hour session").
# Simulates an hour of robot-feedback EEG (eegi simulate: 32 channels — its montage — at 512 Hz,
# an action every ~2 s, ~20% robot errors), trains a causal ErrP model (1-10 Hz band-pass, CAR,
# ERP features, LDA, --event-map 1=ok,2=robot_error) on a separate 10-minute session, then plays
# the hour into `eegi classify -` (standard input) with a growing events file (marker codes 1/2
# and a rest marker 3 after each action) at SPEED × real time while it decides each event, and
# samples the classifier's resident memory (VmRSS, /proc/PID/status) every SAMPLE seconds.
# Writes bench/out/online_memory/rss.csv (wall s, session s played, VmRSS kB) and prints a
# summary: RSS at 10%, 50% and 100% of the session, its minimum and maximum after the first
# tenth, and the decoder's own summary line.
# Usage: bench/online_memory.sh [MINUTES=60] [RATE_HZ=512] [SPEED=60] [SAMPLE=2]
set -euo pipefail
cd "$(dirname "$0")/.."
MIN=${1:-60}
FS=${2:-512}
SPEED=${3:-60}
SAMPLE=${4:-2}
OUT=bench/out/online_memory
mkdir -p "$OUT"
cargo build --release --quiet
E=target/release/eegi
TRIALS=$((MIN * 30))
[ -f "$OUT/long$MIN/sim01.csv" ] ||
  $E simulate --recordings 1 --trials "$TRIALS" --sample-rate "$FS" --seed 7 -o "$OUT/long$MIN"
[ -f "$OUT/train/sim01.csv" ] ||
  $E simulate --recordings 1 --trials 300 --sample-rate "$FS" --seed 8 -o "$OUT/train"
# marker codes: ok 1, robot_error 2, and a rest marker 3 one second after each action
code() {
  awk -F, 'NR == 1 { print; next }
    { printf "%s,0,%s\n%.6f,0,3\n", $1, ($3 == "ok" ? 1 : 2), $1 + 1 }' "$1" > "$2"
}
code "$OUT/train/sim01_events.csv" "$OUT/train_codes.csv"
code "$OUT/long$MIN/sim01_events.csv" "$OUT/long_codes.csv"
$E train "$OUT/train/sim01.csv" --events "$OUT/train_codes.csv" --event-map 1=ok,2=robot_error \
  --epoch 0:0.8 --bandpass 1-10 --car --causal-filters --features erp --classifier lda \
  --cv 0 -o "$OUT/errp.json" 2> /dev/null | tail -1
ls -l "$OUT/long$MIN/sim01.csv"

REC="$OUT/live"
EV="$OUT/live_events.csv"
: > "$EV"
# the player: recording bytes on its stdout and events into a growing file at SPEED x real
# time, each event written once the recording reaches its onset
cat > "$OUT/player.py" <<'PY'
import os, sys, time
src, events, rec, ev, fs, speed = sys.argv[1:7]
fs, speed = float(fs), float(speed)
lines = open(events).read().splitlines()
out, eout = sys.stdout.buffer, open(ev, "a")
eout.write(lines[0] + "\n"); eout.flush()
k, rows, t0 = 1, -1, time.time()
with open(src, "rb") as f:
    while True:
        chunk = f.read(1 << 16)
        if not chunk:
            break
        rows += chunk.count(b"\n")
        while k < len(lines) and float(lines[k].split(",")[0]) <= rows / fs:
            eout.write(lines[k] + "\n"); k += 1
        eout.flush()
        out.write(chunk)
        out.flush()
        ahead = rows / fs / speed - (time.time() - t0)
        if ahead > 0:
            time.sleep(ahead)
        with open(rec + ".played.tmp", "w") as p:
            p.write(f"{rows / fs:.1f}\n")
        os.replace(rec + ".played.tmp", rec + ".played")
print("played", rows / fs, "s in", time.time() - t0, "s", file=sys.stderr)
PY
python3 "$OUT/player.py" "$OUT/long$MIN/sim01.csv" "$OUT/long_codes.csv" "$REC" "$EV" "$FS" \
  "$SPEED" 2> "$OUT/player.log" |
  $E classify -m "$OUT/errp.json" - --events "$EV" > "$OUT/decisions.csv" 2> "$OUT/classify.err" &
PID=$!
echo "wall_s,session_s,vmrss_kb" > "$OUT/rss.csv"
START=$(date +%s.%N)
sample() {
  local rss played
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$PID/status" 2> /dev/null) || return 0
  [ -n "$rss" ] || return 0
  played=$(cat "$REC.played" 2> /dev/null || echo 0)
  echo "$(echo "$(date +%s.%N) - $START" | bc),$played,$rss" >> "$OUT/rss.csv"
}
HWM=0
while kill -0 "$PID" 2> /dev/null; do
  sample
  h=$(awk '/^VmHWM/ { print $2 }' "/proc/$PID/status" 2> /dev/null) || h=
  [ -z "$h" ] || HWM=$h
  sleep "$SAMPLE"
done
wait "$PID"
WANT=$(awk -F, 'NR > 1 && $3 != 3' "$OUT/long_codes.csv" | wc -l)
cat "$OUT/player.log"
tail -1 "$OUT/classify.err"
echo "decisions: $(($(wc -l < "$OUT/decisions.csv") - 1)) of $WANT robot actions (rest markers not decided)"
echo "VmHWM (peak RSS): $HWM kB"
python3 - "$OUT/rss.csv" <<'PY'
import csv, sys
rows = [(float(r["wall_s"]), float(r["session_s"] or "nan"), int(r["vmrss_kb"])) for r in csv.DictReader(open(sys.argv[1]))]
n = len(rows)
after = [r[2] for r in rows[n // 10:]]
pick = lambda f: rows[min(n - 1, int(f * (n - 1)))]
for f in (0.1, 0.5, 1.0):
    w, s, kb = pick(f)
    print(f"at {f:.0%} ({s / 60:.1f} min of session, {w:.0f} s wall): VmRSS {kb / 1024:.1f} MiB")
print(f"{n} samples; after the first tenth: min {min(after) / 1024:.1f} MiB, max {max(after) / 1024:.1f} MiB")
PY
# the same hour classified from the whole file: the same decisions, and the memory it takes
/usr/bin/time -f "classify FILE: %M kB peak RSS, %e s" \
  $E classify -m "$OUT/errp.json" "$OUT/long$MIN/sim01.csv" --events "$OUT/long_codes.csv" \
  > "$OUT/offline.csv" 2> "$OUT/offline.err" || { cat "$OUT/offline.err"; exit 1; }
tail -1 "$OUT/offline.err"
python3 - "$OUT/decisions.csv" "$OUT/offline.csv" <<'PY'
import sys
online = [l.split(",")[1:-1] for l in open(sys.argv[1]).read().splitlines()[1:]]
offline = [l.split(",") for l in open(sys.argv[2]).read().splitlines()[1:]]
same = sum(a == b for a, b in zip(online, offline))
lat = sorted(float(l.split(",")[-1]) for l in open(sys.argv[1]).read().splitlines()[1:])
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
print(f"decisions identical to classify FILE (epoch, label, probabilities): {same} of {len(offline)}"
      f" ({len(online)} online)")
print(f"latency from block arrival to decision: p50 {q(0.5):.0f} us, p99 {q(0.99):.0f} us, max {lat[-1]:.0f} us")
PY
