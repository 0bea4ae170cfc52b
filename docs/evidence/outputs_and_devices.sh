#!/bin/bash
# usage: outputs_and_devices.sh BINARY -- before/after rows for issue 19 items 1 and 2 (mknod: run as root)
R=$(cd "$(dirname "$0")/../.." && pwd)
B=$(realpath "$1")
D=$(mktemp -d /tmp/ev12.XXXX); cd $D; mkdir keep
cp $R/data/eyes_open_then_closed.csv keep/rec.csv
cp $R/data/eyes_open_then_closed_events.csv keep/rec_events.csv
$B train keep/rec.csv -o keep/m.json --cv 0 2>/dev/null >/dev/null
reset() { rm -f rec.csv rec_events.csv m.json hard.csv link.csv; cp keep/* .; }
h() { if [ -f "$1" ] && [ ! -p "$1" ] && [ ! -c "$1" ]; then sha256sum "$1" | cut -c1-12; else echo "-"; fi; }
row() { # target_file cmd...
  local tgt=$1; shift
  local before=$(h $tgt)
  timeout 20 "$@" >/dev/null 2>err.txt; local code=$?
  local after=$(h $tgt)
  local kind=$(stat -c %F $tgt 2>/dev/null)
  local cmd="$*"; cmd=${cmd/#$B/eegi}
  echo "| \`$cmd\` | $code | \`$(head -1 err.txt)\` | $tgt $before → $after ($kind) |"
}
echo "| command | exit | first stderr line | target: sha256 before → after (file type after) |"
echo "|---|---|---|---|"
reset; row rec.csv $B classify rec.csv -m m.json -o rec.csv
reset; row rec.csv $B train rec.csv -o rec.csv --cv 0
reset; row rec.csv $B features rec.csv -o rec.csv
reset; row m.json $B classify rec.csv -m m.json -o m.json
reset; row rec_events.csv $B convert rec.csv rec_events.csv
reset; row m.json $B evaluate rec.csv -m m.json --report m.json
reset; ln rec.csv hard.csv; row rec.csv $B classify hard.csv -o rec.csv
reset; ln -s rec.csv link.csv; row rec.csv $B classify link.csv -o rec.csv
reset; ln -s rec.csv link.csv; row link.csv $B classify rec.csv -o link.csv
# item 2: devices and FIFOs (private nodes, never the machine's own /dev)
reset; mknod null c 1 3; mknod full c 1 7
row null $B classify rec.csv -o null
row full $B classify rec.csv -o full
mkfifo fifo; (timeout 20 cat fifo > fifo.out) & sleep 0.3
row fifo $B classify rec.csv -o fifo
kill %1 2>/dev/null; wait 2>/dev/null; echo "| (the FIFO's reader got $(wc -l < fifo.out) lines) | | | |"
cp m.json m2.json; ln -s m2.json out_link.json
row out_link.json $B classify rec.csv -o out_link.json
echo "| (out_link.json is now: $(stat -c %F out_link.json)) | | | |"
cd /; rm -rf $D
