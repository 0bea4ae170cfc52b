#!/bin/bash
# usage: threads_and_follow.sh BINARY -- before/after rows for issue 19 items 6 and 7
R=$(cd "$(dirname "$0")/../.." && pwd)
B=$(realpath "$1"); D=$(mktemp -d /tmp/ev67.XXXX); cd $D
cp $R/data/eyes_open_then_closed.csv rec.csv
echo "| command | exit | first stderr line | peak RSS / wall |"
echo "|---|---|---|---|"
for n in 1000 5000 100000; do
  /usr/bin/time -f "%M KB %e s" -o t.txt timeout 60 $B --threads $n classify rec.csv >/dev/null 2>err.txt; c=$?
  echo "| \`eegi --threads $n classify rec.csv\` | $c | \`$(head -1 err.txt)\` | $(tail -1 t.txt) |"
done
# item 7: follow, truncation and rewrite-longer
python3 - <<'PY'
lines=open('rec.csv').read().splitlines()
open('live.csv','w').write('\n'.join(lines[:481])+'\n')
PY
for how in truncate longer replace; do
  python3 -c "
lines=open('rec.csv').read().splitlines(); open('live.csv','w').write('\n'.join(lines[:481])+'\n')"
  ($B classify live.csv --follow > out.txt 2>err.txt; echo $? > code.txt) & pid=$!
  sleep 1
  case $how in
    truncate) python3 -c "
lines=open('rec.csv').read().splitlines(); open('live.csv','w').write('\n'.join(lines[:11])+'\n')";;
    longer) python3 -c "
lines=open('rec.csv').read().splitlines(); open('live.csv','w').write('\n'.join([lines[0]]+lines[2000:4000])+'\n')";;
    replace) python3 -c "
lines=open('rec.csv').read().splitlines(); open('new.csv','w').write('\n'.join(lines[:1601])+'\n')"; mv new.csv live.csv;;
  esac
  sleep 3
  if [ -f code.txt ]; then c=$(cat code.txt); else c="still running after 3 s (killed)"; pkill -f "classify live.csv --follow"; fi
  wait $pid 2>/dev/null; rm -f code.txt
  echo "| \`classify live.csv --follow\`, then $how | $c | \`$(head -1 err.txt)\` | $(($(wc -l < out.txt)-1)) rows printed; last: $(tail -1 out.txt | cut -d, -f1-3) |"
done
cd /; rm -rf $D
