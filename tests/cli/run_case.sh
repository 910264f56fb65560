#!/usr/bin/env bash
# Runs one end-to-end case against the real dza binary.
# Usage: run_case.sh DZA CASE_FILE PROJECT_DIR
#
# A case file is bash that sets, in a fresh scratch folder ($T, also the working directory):
#   args=(...)               arguments to dza ($DATA is the project's data/ folder)
#   expect_exit=N            the exit code (default 0)
#   expect_stdout=REGEX      grep -E pattern stdout must match (optional)
#   expect_stderr=REGEX      grep -E pattern stderr must match (optional)
#   expect_absent=(FILES)    files that must not exist afterwards
#   expect_unchanged=(FILES) files that must be byte-identical before and after
# and may define setup() (run first) and check() (run last; return non-zero to fail).
#   expect_report=1          a non-zero exit that is a finding, not an error (dza check): stdout
#                            may carry the report
# A failing run (non-zero exit) must print exactly one line on stderr besides warnings and the
# note of what a scenario supplied ("dza: using FILE for ..."), and nothing on stdout unless
# expect_report=1.
set -uo pipefail
dza=$1 case_file=$2 root=$3
DZA=$dza
DATA=$root/data
T=$(mktemp -d)
io=$(mktemp -d)
trap 'rm -rf "$T" "$io"' EXIT
cd "$T"

args=() expect_exit=0 expect_stdout="" expect_stderr="" expect_absent=() expect_unchanged=() expect_report=0
# shellcheck disable=SC1090
source "$case_file"
declare -F setup >/dev/null && setup

declare -A before=()
for f in "${expect_unchanged[@]}"; do before[$f]=$(sha256sum "$f" | cut -d' ' -f1); done

"$dza" "${args[@]}" >"$io/stdout" 2>"$io/stderr"
code=$?

fail() {
  echo "FAIL ($(basename "$case_file")): $*"
  echo "--- command: dza ${args[*]}"
  echo "--- exit code: $code"
  echo "--- stdout:"; head -c 3000 "$io/stdout"; echo
  echo "--- stderr:"; cat "$io/stderr"
  exit 1
}

[ "$code" -eq "$expect_exit" ] || fail "expected exit code $expect_exit"
if [ -n "$expect_stdout" ]; then grep -Eq -- "$expect_stdout" "$io/stdout" || fail "stdout does not match: $expect_stdout"; fi
if [ -n "$expect_stderr" ]; then grep -Eq -- "$expect_stderr" "$io/stderr" || fail "stderr does not match: $expect_stderr"; fi
if [ "$code" -ne 0 ]; then
  errors=$(grep -Evc '^dza: (warning: |using .* for )' "$io/stderr")
  [ "$errors" -eq 1 ] || fail "a failure must print exactly one error line on stderr (found $errors)"
  [ "$expect_report" = 1 ] || [ ! -s "$io/stdout" ] || fail "a failure must print nothing on stdout"
fi
for f in "${expect_absent[@]}"; do [ ! -e "$f" ] || fail "$f exists but should not"; done
for f in "${expect_unchanged[@]}"; do
  [ "$(sha256sum "$f" | cut -d' ' -f1)" = "${before[$f]}" ] || fail "$f was changed"
done
leftovers=$(find . -name '.dza-tmp-*' -o -name '.dza-run-*' | head -1)
[ -z "$leftovers" ] || fail "temporary files left behind: $leftovers"
if declare -F check >/dev/null; then
  out=$io/stdout err=$io/stderr check || fail "check() failed"
fi
echo "ok: $(basename "$case_file")"
