#!/usr/bin/env bash
# Runs a cargo command with `--features lsl` linked to a current liblsl instead of the `lsl`
# crate's bundled 1.13 (issue 13: 1.13's waiting pull sleeps 1 ms between looks at its queue,
# which costs about a millisecond per LSL delivery; 1.14+ waits on a condition variable).
#
#   bench/with_current_liblsl.sh build --release            # target/liblsl-current/release/eegi
#   bench/with_current_liblsl.sh bench --bench lsl_latency   # the closed-loop latency bench
#   LIBLSL_DIR=/opt/lsl/lib bench/with_current_liblsl.sh build --release
#
# The liblsl: LIBLSL_DIR (a folder holding liblsl.so), else the one pylsl's wheel ships
# (`pip install pylsl`: liblsl 1.18), found through the first python3 that imports pylsl.
# How: lsl-sys declares `links = "lsl"`, so cargo's build-script override
# (`target.<triple>.lsl.rustc-link-lib`) replaces its cmake build with that library: the
# official crate unchanged, no cmake, no C++ compiler. The binary records the folder as its
# run-time search path (rpath), so it runs without LD_LIBRARY_PATH; `eegi classify --lsl`
# prints the liblsl version it loaded. Builds go to target/liblsl-current, apart from the
# bundled-1.13 build in target/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
dir=${LIBLSL_DIR:-}
if [ -z "$dir" ]; then
  for py in "${PYTHON:-}" python3 /work/venv/bin/python; do
    [ -n "$py" ] || continue
    dir=$("$py" -c 'import os, pylsl; print(os.path.join(os.path.dirname(pylsl.__file__), "lib"))' 2>/dev/null) && break
    dir=
  done
fi
if [ -z "$dir" ] || [ ! -e "$dir/liblsl.so" ]; then
  echo "with_current_liblsl.sh: no liblsl.so found (looked in LIBLSL_DIR='${LIBLSL_DIR:-}' and pylsl's lib folder), expected LIBLSL_DIR naming a folder with liblsl.so, or 'pip install pylsl'" >&2
  exit 1
fi
dir=$(cd "$dir" && pwd)
triple=$(rustc -vV | sed -n 's/^host: //p')
echo "with_current_liblsl.sh: liblsl from $dir" >&2
cmd=$1
shift
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target/liblsl-current}
export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-Wl,-rpath,$dir"
exec cargo "$cmd" --features lsl \
  --config "target.$triple.lsl.rustc-link-search=[\"$dir\"]" \
  --config "target.$triple.lsl.rustc-link-lib=[\"lsl\"]" \
  "$@"
