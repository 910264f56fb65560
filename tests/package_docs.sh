#!/usr/bin/env bash
# The man pages and shell completion the build generated (BUILD_DIR/docs, by dza_docs from the
# command line's declarations): the same bytes on every run; one page per command that
# `dza --help` lists; every option `dza COMMAND --help` lists documented in its page and offered
# by bash completion; pages that groff renders without a warning; bash completion of commands,
# options, choices, files by extension and folders; the zsh script parsed by zsh when installed.
# Usage: package_docs.sh DZA DZA_DOCS BUILD_DIR
set -euo pipefail
dza=$1 dza_docs=$2 build=$3
docs=$build/docs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Deterministic: two runs give the same bytes, and the build's files are those.
"$dza_docs" "$work/a" || fail "dza_docs failed"
"$dza_docs" "$work/b" || fail "dza_docs failed the second time"
diff -r "$work/a" "$work/b" >/dev/null || fail "dza_docs wrote different files on two runs"
for d in man1 bash zsh; do
  diff -r "$work/a/$d" "$docs/$d" >/dev/null || fail "$docs/$d differs from what dza_docs writes now; rebuild"
done
for page in "$work"/a/man1/*.1; do
  name=$(basename "$page")
  [[ -f $docs/man/man1/$name.gz ]] || fail "no gzipped $name in $docs/man/man1"
  cmp -s <(gzip -dc "$docs/man/man1/$name.gz") "$page" || fail "$docs/man/man1/$name.gz is not $name"
done

# The commands, as CLI11's own help lists them.
mapfile -t commands < <("$dza" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
(( ${#commands[@]} >= 5 )) || fail "could not read the commands from dza --help"
pages=$(find "$docs/man1" -name '*.1' | wc -l)
(( pages == ${#commands[@]} + 1 )) || fail "$pages man pages for ${#commands[@]} commands and dza itself"

# Every page renders without a warning, through groff directly and through man.
for page in "$docs"/man1/*.1; do
  warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1) || fail "groff failed on $(basename "$page")"
  [[ -z $warnings ]] || fail "groff warns on $(basename "$page"): $warnings"
  warnings=$(MANWIDTH=80 man -l "$page" 2>&1 >/dev/null) || fail "man -l failed on $(basename "$page")"
  [[ -z $warnings ]] || fail "man -l warns on $(basename "$page"): $warnings"
done

# shellcheck disable=SC1091
source "$docs/bash/dza"
# complete WORD...: what _dza offers for the last word.
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _dza
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
expect() {  # expect "WORDS..." EXPECTED...: each expected word is offered; a trailing space, an empty last word
  local words=$1 got
  local -a list
  shift
  read -ra list <<<"$words"
  [[ $words == *" " ]] && list+=("")
  got=$(complete_words "${list[@]}")
  for e in "$@"; do grep -qxF -- "$e" <<<"$got" || fail "completing '$words' does not offer $e (got: $(echo $got))"; done
}

for command in "${commands[@]}"; do
  help=$("$dza" "$command" --help)
  mapfile -t options < <(grep -E '^ +-' <<<"$help" | grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' | tr -d ' ,' | sort -u)
  (( ${#options[@]} >= 2 )) || fail "could not read the options of dza $command --help"
  page=$(groff -man -Tascii -P-cbou -rLL=1000n "$docs/man1/dza-$command.1" 2>/dev/null)  # one line a paragraph: no option broken at a line end
  offered=$(complete_words dza "$command" -)
  for option in "${options[@]}"; do
    grep -qF -- "$option" <<<"$page" || fail "dza-$command(1) does not document $option"
    grep -qxF -- "$option" <<<"$offered" || fail "bash completion of 'dza $command -' does not offer $option"
  done
  # A command is completed from its first letters.
  expect "dza ${command:0:3}" "$command"
done
expect "dza --assume-crs EPSG:4326 cov" coverage
expect "dza -" --version --quiet --assume-crs
expect "dza buffer --side " left right
expect "dza coverage --gaps-within =" controlled territory  # bash splits --gaps-within= at the =
expect "dza run --out" --output
expect "dza coverage --q" --quiet

# Files by the extensions the help names, and folders.
mkdir -p "$work/files/sub"
touch "$work/files/plan.yaml" "$work/files/notes.txt" "$work/files/map.png"
cd "$work/files"
expect "dza run " plan.yaml sub
got=$(complete_words dza run "")
! grep -qx notes.txt <<<"$got" || fail "completing a scenario offers notes.txt"
expect "dza map -o " map.png sub
got=$(complete_words dza run -o "")
[[ $got == sub ]] || fail "completing run -o offers '$got', not the folder sub only"
got=$(complete_words dza buffer --distance "")
[[ -z $got ]] || fail "completing a distance offers '$got'"
cd - >/dev/null

# zsh: the script parses and registers _dza for dza.
if command -v zsh >/dev/null; then
  zsh -n "$docs/zsh/_dza" || fail "zsh -n rejects _dza"
  registered=$(zsh -f -c "autoload -U compinit && compinit -u -D && source '$docs/zsh/_dza' && print -r -- \$_comps[dza]") ||
    fail "sourcing _dza in zsh failed"
  [[ $registered == _dza ]] || fail "zsh: _dza is not registered for dza (got '$registered')"
else
  echo "note: zsh is not installed; the zsh completion was not checked"
fi
echo "ok: ${#commands[@]} commands, $pages man pages, bash completion"
