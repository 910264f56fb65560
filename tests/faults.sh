#!/usr/bin/env bash
# Fault injection: every write either completes or fails with exit 1 and one line saying why,
# leaving the previous file byte-identical and no temporary file behind.
# Usage: faults.sh DZA PROJECT_DIR CASE
#
# Cases:
#   full      a full disk (a small tmpfs, filled): every writer format, stdout, dza run, dza map
#   partway   the disk fills part-way through (outputs bigger than the free space), dza merge too
#   signals   SIGINT, SIGTERM and SIGHUP during a long dza run remove its staging folder: exit 128+N
#   killed    SIGKILL leaves a staging folder that the next write into the same folder removes;
#             a live process's folder is never removed
# The disk cases mount a tmpfs and so need root (CI runs as root); elsewhere they exit 77 (skip).
set -uo pipefail
dza=$(realpath "$1") root=$(realpath "$2") case=$3
DATA=$root/data
T=$(mktemp -d /tmp/dza-faults-XXXXXX)
DATA_COPY=$T/data  # a copy of the default data, for scenarios changed by a case
cp -r "$DATA" "$DATA_COPY"
disk=$T/disk
mkdir "$disk"
cleanup() {
  mountpoint -q "$disk" && umount "$disk"
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM  # through the EXIT trap: the tmpfs is unmounted

failures=0
fail() {
  echo "FAIL ($case): $*"
  failures=$((failures + 1))
}

mount_disk() {  # SIZE
  if ! mount -t tmpfs -o "size=$1" dza-faults "$disk" 2>/dev/null; then
    echo "skip: cannot mount a tmpfs here (needs root)"
    exit 77
  fi
}

# Leaves FREE_KB kilobytes free on the disk (0: full).
fill_disk() {
  rm -f "$disk/fill"
  if [ "$1" -eq 0 ]; then
    dd if=/dev/zero of="$disk/fill" bs=4k 2>/dev/null
  else
    local avail; avail=$(df -k --output=avail "$disk" | tail -1)
    [ "$avail" -gt "$1" ] || { echo "setup: only $avail KB free, wanted $1"; exit 1; }
    dd if=/dev/zero of="$disk/fill" bs=1k count=$((avail - $1)) 2>/dev/null
  fi
}

snapshot() { (cd "$disk" && find . -type f ! -name fill -exec sha256sum {} + | sort); }

leftovers() { find "$1" -name '.dza-*' | head -3; }

# A long run: 2000 deployments make a run folder of about 20 MB that takes seconds to write
# ($T/long.yaml).
make_long_run() {
  python3 - "$T/many.geojson" <<'PY'
import json, sys
features = [{"type": "Feature", "properties": {"name": f"p{i}", "role": "ground", "radius_km": 50},
             "geometry": {"type": "Point", "coordinates": [23 + (i % 50) / 20, 48 + (i // 50) / 20]}} for i in range(2000)]
json.dump({"type": "FeatureCollection", "features": features}, open(sys.argv[1], "w"))
PY
  cat >"$T/long.yaml" <<EOF
name: long
layers:
  deployments: {source: many.geojson, name_field: name}
  line: {source: $DATA/ceasefire_line.geojson, name_field: name}
analyses: [distance]
EOF
}

# Waits up to 30 s for a run's staging folder to appear in folder $1.
wait_for_staging() {
  for _ in $(seq 1 1500); do
    [ -n "$(find "$1" -maxdepth 1 -name '.dza-run-*')" ] && return 0
    sleep 0.02
  done
  return 1
}

# expect_failure WHAT NAME_REGEX REASON_REGEX ARGS...: dza ARGS exits 1 with one error line that
# names the file and gives the reason.
expect_failure() {
  local what=$1 name=$2 reason=$3; shift 3
  local code=0
  "$dza" "$@" >"$T/out" 2>"$T/err" || code=$?
  [ "$code" -eq 1 ] || { fail "$what: exit $code, expected 1: $(head -c 300 "$T/err")"; return; }
  local lines; lines=$(grep -vc '^dza: warning: ' "$T/err")
  [ "$lines" -eq 1 ] || fail "$what: $lines error lines: $(head -c 600 "$T/err")"
  grep -Eq "^dza: ${name}: .*${reason}\$" "$T/err" || fail "$what: message does not name $name with '$reason': $(head -c 300 "$T/err")"
  echo "ok: $what: $(grep -v '^dza: warning: ' "$T/err")"
}

formats=(geojson geojsonl kml csv fgb shp gpkg)

# Previous versions of every output: each format, a GeoPackage with two layers, maps, a run folder.
previous_outputs() {
  for ext in "${formats[@]}"; do
    "$dza" convert -q "$DATA/deployments.geojson" -o "$disk/o.$ext" || { echo "setup: convert to $ext failed"; exit 1; }
  done
  "$dza" convert -q "$DATA/basing_areas.geojson" -o "$disk/o.gpkg" || exit 1
  "$dza" map -q --scenario "$DATA/scenario.yaml" -o "$disk/m.png" || exit 1
  "$dza" map -q --scenario "$DATA/scenario.yaml" -o "$disk/m.svg" || exit 1
  "$dza" run -q "$DATA/scenario.yaml" -o "$disk/r" >/dev/null || exit 1
}

# Every writer against the disk as it is now; each must fail with "No space left on device".
write_everything() {  # LABEL
  local enospc='No space left on device'
  for ext in "${formats[@]}"; do
    expect_failure "$1 $ext" ".*/o\\.$ext: cannot write" "$enospc" convert -q "$DATA/regions.geojson" -o "$disk/o.$ext"
  done
  expect_failure "$1 run" ".*/r/[a-z_]+\\.(geojson|gpkg|html|json): cannot write" "$enospc" run -q "$DATA/scenario.yaml" -o "$disk/r"
  expect_failure "$1 map png" ".*/m\\.png: cannot write" "$enospc" map -q --scenario "$DATA/scenario.yaml" -o "$disk/m.png"
  expect_failure "$1 map svg" ".*/m\\.svg: cannot write" "$enospc" map -q --scenario "$DATA/scenario.yaml" -o "$disk/m.svg"
}

check_untouched() {  # LABEL
  snapshot >"$T/after"
  cmp -s "$T/before" "$T/after" || fail "$1: previous files changed: $(diff "$T/before" "$T/after" | head -5)"
  local left; left=$(leftovers "$disk")
  [ -z "$left" ] || fail "$1: temporary files left behind: $left"
}

case $case in
full)
  mount_disk 8m
  previous_outputs
  snapshot >"$T/before"
  fill_disk 0
  write_everything "full disk:"
  # GeoJSON on stdout into a file on the full disk.
  code=0
  "$dza" convert -q "$DATA/regions.geojson" -o - >"$disk/stdout.geojson" 2>"$T/err" || code=$?
  [ "$code" -eq 1 ] && grep -q '^dza: stdout: cannot write: No space left on device$' "$T/err" || fail "stdout: exit $code: $(cat "$T/err")"
  rm -f "$disk/stdout.geojson"
  check_untouched "full disk"
  ;;
partway)
  mount_disk 24m  # dza run of the default scenario writes about 6 MB: room for it and the outputs before it
  previous_outputs
  snapshot >"$T/before"
  # Each new output is bigger than the free space: the disk fills while it is written.
  fill_disk 48
  write_everything "48 KB free:"
  check_untouched "48 KB free"
  # dza run fills the disk at different steps: the layers, dza.gpkg, report.html, summary.json.
  run_kb=$(du -sk "$disk/r" | cut -f1)
  messages=""
  for free in 300 $((run_kb / 2)) $((run_kb * 3 / 4)) $((run_kb - 40)); do
    fill_disk "$free"
    expect_failure "run, $free KB free" ".*/r/[a-z_]+\\.(geojson|gpkg|html|json): cannot write" 'No space left on device' run -q "$DATA/scenario.yaml" -o "$disk/r"
    messages+=$(cat "$T/err")$'\n'
    check_untouched "run, $free KB free"
  done
  grep -Eq '/r/(report\.html|summary\.json): ' <<<"$messages" || fail "no step of the run failed at report.html or summary.json: $messages"
  # dza merge draws everything before it writes, and writes its tables last: a merge that fills
  # the disk leaves the tables and page of the merge before, not new tables beside an old page.
  sed -e 's/^analyses:.*/analyses: [zones]/' "$DATA/scenario.yaml" >"$DATA_COPY/scenario.yaml"
  "$dza" -q sweep "$DATA_COPY/scenario.yaml" --vary standoff_km=50,150 -o "$T/sweep-a" >/dev/null 2>&1 || fail "setup: sweep a failed"
  "$dza" -q sweep "$DATA_COPY/scenario.yaml" --vary standoff_km=60,70,80 --vary 'rules.max_line_gap_km=10,20' -o "$T/sweep-b" >/dev/null 2>&1 ||
    fail "setup: sweep b failed"
  "$dza" -q merge "$T/sweep-a" -o "$disk/merged" >/dev/null 2>&1 || fail "setup: merge a failed"
  (cd "$disk/merged" && sha256sum sweep.csv sweep.json comparison.html) >"$T/merged.before"
  "$dza" -q merge "$T/sweep-b" -o "$T/merged-b" >/dev/null 2>&1 || fail "setup: merge b failed"
  merge_kb=$(du -sk "$T/merged-b" | cut -f1)
  for free in 4 $((merge_kb / 8)) $((merge_kb / 4)); do
    fill_disk "$free"
    code=0
    "$dza" -q merge "$T/sweep-b" -o "$disk/merged" >/dev/null 2>"$T/err" || code=$?
    [ "$code" -eq 1 ] && grep -q 'No space left on device' "$T/err" || fail "merge, $free KB free: exit $code: $(head -c 300 "$T/err")"
    (cd "$disk/merged" && sha256sum sweep.csv sweep.json comparison.html) | cmp -s - "$T/merged.before" ||
      fail "merge, $free KB free: the tables or page of the merge before changed"
  done
  ;;
signals)
  make_long_run
  for sig in INT TERM HUP; do
    out=$T/out-$sig
    mkdir "$out"
    echo previous >"$out/summary.json"
    # A shell's background job ignores SIGINT; env gives dza the default disposition back.
    env --default-signal=INT "$dza" run -q "$T/long.yaml" -o "$out" >/dev/null 2>"$T/err" &
    pid=$!
    wait_for_staging "$out" || fail "SIG$sig: no staging folder appeared"
    sleep 0.2  # let it write into the staging folder
    kill -s "$sig" "$pid"
    code=0
    wait "$pid" || code=$?
    want=$((128 + $(kill -l "$sig")))
    [ "$code" -eq "$want" ] || fail "SIG$sig: exit $code, expected $want: $(cat "$T/err")"
    grep -q "^dza: interrupted (SIG$sig)" "$T/err" || fail "SIG$sig: message: $(cat "$T/err")"
    left=$(leftovers "$out")
    [ -z "$left" ] || fail "SIG$sig: temporary files left behind: $left"
    [ "$(cat "$out/summary.json")" = previous ] || fail "SIG$sig: the previous summary.json changed"
    echo "ok: SIG$sig exits $code and leaves nothing behind"
  done
  ;;
killed)
  make_long_run
  out=$T/out
  mkdir "$out"
  # A live run's folder survives another write into the same folder, and the run completes.
  "$dza" run -q "$T/long.yaml" -o "$out" >/dev/null 2>"$T/err" &
  pid=$!
  wait_for_staging "$out" || fail "no staging folder appeared"
  live=$(find "$out" -maxdepth 1 -name '.dza-run-*')
  "$dza" convert -q "$DATA/deployments.geojson" -o "$out/other.geojson" || fail "a write beside a live run failed"
  [ -d "$live" ] || fail "a live run's staging folder was removed by another write"
  code=0
  wait "$pid" || code=$?
  [ "$code" -eq 0 ] || fail "the live run failed (exit $code): $(cat "$T/err")"
  [ -s "$out/summary.json" ] && [ -s "$out/distances.geojson" ] || fail "the live run's files are missing"
  # SIGKILL cannot be caught: its staging folder stays, and the next write into the folder removes it.
  "$dza" run -q "$T/long.yaml" -o "$out" >/dev/null 2>&1 &
  pid=$!
  wait_for_staging "$out" || fail "no staging folder appeared"
  sleep 0.2
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  [ -n "$(leftovers "$out")" ] || fail "SIGKILL left nothing to clean up: the test proves nothing"
  "$dza" run -q "$DATA/scenario.yaml" -o "$out" >/dev/null || fail "the run after SIGKILL failed"
  left=$(leftovers "$out")
  [ -z "$left" ] || fail "the stale staging folder was not removed: $left"
  [ -s "$out/report.html" ] || fail "the run after SIGKILL wrote no report"
  echo "ok: a live folder survives; a killed run's folder is removed by the next run"
  ;;
*)
  echo "unknown case $case"
  exit 2
  ;;
esac

[ "$failures" -eq 0 ] || exit 1
echo "ok: $case"
