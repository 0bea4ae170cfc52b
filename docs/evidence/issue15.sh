#!/bin/bash
# usage: docs/evidence/issue15.sh BINARY [SHARED_DATA]   -- what each item of issue 15 prints now
# (the "before" of each item is the issue's own text). Runs in a temporary folder; prints
# markdown: each command, its exit code, and the head of what it printed.
R=$(cd "$(dirname "$0")/../.." && pwd)
B=$(realpath "$1")
S=$(realpath "${2:-$R/../shared/data}")
D=$(mktemp -d /tmp/ev15.XXXX)
cd "$D" || exit 1
export COLUMNS=100
run() { # shows a command (with eegi for the binary), its exit code, and up to $LINES lines
  local shown=${*//$B/eegi}
  shown=${shown//$S/shared}
  echo
  echo '```'
  echo "\$ $shown"
  bash -c "$*" >out.txt 2>&1
  local code=$?
  head -n "${LINES:-6}" out.txt | sed "s#$D/##g; s#$S#shared#g"
  echo "[exit $code]"
  echo '```'
}
item() { echo; echo "### $*"; }

"$B" simulate -o sim >/dev/null 2>&1
F=$S/eegmmidb_s001/recordings

item "1. Usage errors keep clap's whole message"
run "$B train sim/sim01.csv"
LINES=12 run "$B"
run "$B train sim/sim01.csv --classifier LDA -o m.json"
run "$B train sim/sim01.csv --epochs 0:0.8 -o m.json"

item "2. Held-out evaluation on training data"
"$B" train "$F/S001R04.csv" "$F/S001R08.csv" "$F/S001R12.csv" --epoch 0.5:2.5 -o fists.json >/dev/null 2>&1
run "$B evaluate $F/S001R12.csv -m fists.json"
run "$B evaluate $F/S001R12.csv -m fists.json --allow-training-data --permutations 0"

item "3. train -o - keeps stdout for the model"
LINES=12 run "$B train sim/sim01.csv --epoch 0:0.8 --bandpass 1-10 --features erp --classifier lda -o - 2>/dev/null | $B classify sim/sim02.csv -m - | head -3"

item "4. Reports and inspect state the pipeline"
"$B" train sim/sim01.csv --epoch 0:0.8 --bandpass 1-10 --car --features erp --classifier lda -o errp.json >/dev/null 2>&1
LINES=16 run "$B inspect errp.json"
"$B" evaluate sim/sim02.csv -m errp.json --json --permutations 0 >report.json 2>/dev/null
run "python3 -c \"import json; print(json.dumps(json.load(open('report.json'))['settings'])[:600])\""

item "5. convert writes EDF+/BDF+ by extension"
run "$B convert sim/sim02.csv out.edf && $B info out.edf | head -5"
run "$B convert sim/sim02.csv out.xyz"

item "6. A bad --report path fails first; options that -m overrides are refused"
run "$B evaluate sim/sim02.csv -m errp.json --report /nonexistent/dir/r.html"
run "$B evaluate sim/sim02.csv -m errp.json --epoch 0:0.5"

item "7. The permutation test's wording"
run "$B evaluate sim/sim0[1-4].csv --epoch 0:0.8 --bandpass 1-10 --features erp --classifier lda --permutations 10 | tail -4"

item "8. Markers to a model for a hobbyist"
# a BrainFlow Cyton session: 80 s of 10 s blocks, eyes open (marker 1) and closed (marker 2,
# with 10 Hz alpha), a marker 3 two seconds before each block ends (as tests/it/classify_labels.rs)
python3 - <<'PY'
import math, random
random.seed(1)
fs, block, rows = 250, 2500, []
for i in range(8 * block):
    closed = (i // block) % 2 == 1
    alpha = 20 * math.sin(2 * math.pi * 10 * i / fs) if closed else 0.0
    k = i % block
    marker = (2 if closed else 1) if k == 0 else (3 if k == 8 * fs else 0)
    cells = [f"{i % 256}.000000"] + [f"{random.gauss(0, 5) + alpha:.6f}" for _ in range(8)]
    cells += ["0.000000"] * 13 + [f"{1.7e9 + i / fs:.6f}", f"{marker}.000000"]
    rows.append("\t".join(cells))
open("session.csv", "w").write("\n".join(rows) + "\n")
PY
run "$B train session.csv --board cyton -o bf.json"
LINES=16 run "$B train session.csv --board cyton --event-map 1=eyes_open,2=eyes_closed,3=rest --segments-from-markers -o bf.json 2>/dev/null && $B classify session.csv -m bf.json | head -3 && $B inspect bf.json | grep -E 'reading|classes'"

item "10. Help"
run "$B train --help | grep -E '^[A-Z][A-Za-z -]+:$'"
run "$B simulate --help | grep -A4 -i example"

item "11. Smaller"
run "$B train sim/sim01.csv --epoch 0:0.8 --features erp --classifier lda -o one.json"
run "$B inspect sim/sim01_events.csv"
run "$B train sim/sim01.csv --channels FCZ -o x.json"
run "$B train sim/sim01.csv --epoch 0:0.8 --bandpass 1-10 --resample 128 --features erp --classifier lda -o r.json 2>/dev/null && $B inspect r.json | grep -E 'sample rate|pre-processing'"
run "timeout 3 $B classify --follow later.csv -m errp.json --events sim/sim02_events.csv; echo timeout ended it: \$?"
run "$B classify sim/sim02.csv -m errp.json --events sim/sim02_events.csv | head -3"
rm -rf "$D"
