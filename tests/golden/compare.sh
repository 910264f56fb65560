#!/usr/bin/env bash
# Golden-file test: runs dza with the arguments in tests/golden/NAME.args and compares its stdout,
# byte for byte, with tests/golden/NAME.json (after the project's data folder is written $DATA,
# so the files hold no machine's paths). The exit code must be the one on the first line of
# NAME.args ("# exit N"; 0 when absent).
# Usage: compare.sh DZA PROJECT_DIR NAME
#
# Refresh the golden files after a deliberate change with
#   DZA_UPDATE_GOLDEN=1 ctest --test-dir build -R '^golden: '
# and commit them in a commit that says what changed in the output and why.
set -uo pipefail
dza=$1 root=$2 name=$3
DATA=$root/data
dir=$root/tests/golden
golden=$dir/$name.json
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"  # no scenario.yaml found by accident in the working directory

expect_exit=0
args=()
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    "# exit "*) expect_exit=${line#"# exit "} ;;
    "#"* | "") ;;
    *) args+=("${line//\$DATA/$DATA}") ;;
  esac
done < "$dir/$name.args"

"$dza" "${args[@]}" > raw.json 2> stderr.txt
code=$?
if [ "$code" -ne "$expect_exit" ]; then
  echo "FAIL (golden $name): exit code $code, expected $expect_exit"; cat stderr.txt; exit 1
fi
# The data folder's path, as it appears in JSON strings, becomes $DATA.
DATA="$DATA" python3 -c '
import os, sys
data = os.environ["DATA"]
sys.stdout.write(open("raw.json", encoding="utf-8").read().replace(data, "$DATA"))
' > actual.json || exit 1

if [ "${DZA_UPDATE_GOLDEN:-}" = 1 ]; then
  cp actual.json "$golden"
  echo "updated $golden"
  exit 0
fi
[ -f "$golden" ] || { echo "FAIL (golden $name): $golden is missing; make it with DZA_UPDATE_GOLDEN=1"; exit 1; }
if ! cmp -s actual.json "$golden"; then
  echo "FAIL (golden $name): dza ${args[*]} differs from $golden:"
  diff -u "$golden" actual.json | head -60
  exit 1
fi
