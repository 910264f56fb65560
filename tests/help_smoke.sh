#!/usr/bin/env bash
# `dza COMMAND --help`: exit 0, the command's usage line on stdout, nothing on stderr.
# Usage: help_smoke.sh DZA COMMAND
set -uo pipefail
dza=$1 command=$2
err=$(mktemp)
trap 'rm -f "$err"' EXIT
out=$("$dza" "$command" --help 2>"$err")
code=$?
[ "$code" -eq 0 ] || { echo "FAIL: dza $command --help exited $code"; cat "$err"; exit 1; }
[ ! -s "$err" ] || { echo "FAIL: dza $command --help wrote on stderr:"; cat "$err"; exit 1; }
grep -q "^Usage: dza $command " <<< "$out" || { echo "FAIL: dza $command --help has no usage line:"; echo "$out"; exit 1; }
