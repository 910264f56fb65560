#!/usr/bin/env bash
# The Debian package: cpack builds it from the build tree (no second build), dpkg-deb shows its
# metadata (Depends computed by dpkg-shlibdeps from the binary's libraries) and files, dpkg
# installs it into a throwaway root whose package database holds this machine's packages that it
# depends on (so their versions are checked), and then, from another folder, the installed dza runs
# the installed default scenario, its man pages and completion are where man and the shells look,
# and tests/consumer builds against the installed CMake package.
# Needs dpkg-dev (dpkg-shlibdeps), and fakeroot when not run as root.
# Usage: package_deb.sh BUILD_DIR SOURCE_DIR CMAKE CPACK CXX_COMPILER VERSION
set -euo pipefail
build=$1 src=$2 cmake=$3 cpack=$4 cxx=$5 version=$6
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export PATH=$PATH:/usr/sbin:/sbin

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v fakeroot >/dev/null || { echo "skip: not root and no fakeroot to install the package"; exit 77; }
  as_root=(fakeroot)
fi
command -v dpkg-shlibdeps >/dev/null || fail "dpkg-shlibdeps (dpkg-dev) is needed to compute the package's Depends"

# Build the package from the build tree.
(cd "$build" && "$cpack" -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack -G DEB"; }
arch=$(dpkg --print-architecture)
deb=$work/pkg/dza_${version}_$arch.deb
[[ -f $deb ]] || { ls "$work/pkg"; fail "cpack wrote no dza_${version}_$arch.deb"; }

# Metadata.
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == dza ]] || fail "Package is '$(field Package)', not dza"
[[ $(field Version) == "$version" ]] || fail "Version is '$(field Version)', not $version"
[[ $(field Architecture) == "$arch" ]] || fail "Architecture is '$(field Architecture)', not $arch"
[[ $(field Section) == science ]] || fail "Section is '$(field Section)', not science"
[[ -n $(field Maintainer) ]] || fail "no Maintainer"
[[ -n $(field Description) ]] || fail "no Description"
depends=$(field Depends)
depends_names=$(tr ',|' '\n\n' <<<"$depends" | sed 's/(.*//; s/[[:space:]]//g' | grep . | sort -u)
# Independently of dpkg-shlibdeps: the package owning each library the binary links directly.
while read -r soname; do
  path=$(ldd "$build/dza" | awk -v s="$soname" '$1 == s { print $3 }')
  [[ -n $path ]] || fail "ldd does not resolve $soname"
  owner=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(realpath "$path")" 2>/dev/null || dpkg -S "/usr$path" 2>/dev/null) || fail "no package owns $path"
  owner=${owner%%:*}
  grep -qxF "$owner" <<<"$depends_names" || fail "Depends ($depends) lacks $owner, which has $soname"
done < <(objdump -p "$build/dza" | awk '$1 == "NEEDED" { print $2 }')

# Files and their owner.
dpkg-deb -c "$deb" >"$work/contents.txt"
for f in usr/bin/dza usr/share/dza/scenario.yaml usr/share/man/man1/dza.1.gz usr/share/man/man1/dza-run.1.gz \
         usr/share/bash-completion/completions/dza usr/share/zsh/vendor-completions/_dza \
         usr/include/dza/version.hpp usr/lib/cmake/dza/dzaConfig.cmake; do
  grep -qE " \./$f\$" "$work/contents.txt" || fail "the package has no /$f"
done
! awk '{ print $2 }' "$work/contents.txt" | grep -qv '^root/root$' || fail "files in the package not owned by root/root"

# Install into a throwaway root. Its database holds the stanzas of this machine's packages that
# Depends names, so dpkg checks each dependency and its version as it would on this system.
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
: >"$root/var/lib/dpkg/status"
while read -r p; do
  if dpkg-query -s "$p" >>"$root/var/lib/dpkg/status" 2>/dev/null; then
    echo >>"$root/var/lib/dpkg/status"
    : >"$root/var/lib/dpkg/info/$(dpkg-query -W -f='${binary:Package}' "$p").list"  # none of its files is in this root
  fi
done <<<"$depends_names"
# --path-include: a machine whose dpkg leaves out /usr/share/man (as container images do) still installs all.
"${as_root[@]}" dpkg --root="$root" --log=/dev/null --force-not-root --force-bad-path --path-include='*' -i "$deb" >"$work/dpkg.log" 2>&1 ||
  { cat "$work/dpkg.log"; fail "dpkg -i of the package"; }
[[ $(dpkg --root="$root" -s dza | sed -n 's/^Status: //p') == "install ok installed" ]] || fail "dza is not installed in the throwaway root"

# Stripped: no symbol table, no debug information.
readelf -S -W "$root/usr/bin/dza" | grep -qE '\.(symtab|debug_info)' && fail "the installed dza is not stripped"

# The installed dza, from another folder, on the installed default data.
mkdir "$work/elsewhere"
(cd "$work/elsewhere" && "$root/usr/bin/dza" run -o out >"$work/run_out.txt" 2>"$work/run_err.txt") ||
  { cat "$work/run_err.txt"; fail "the installed dza run, from a folder without data/, failed"; }
grep -q "^dza: using $root/usr/share/dza/scenario.yaml" "$work/run_err.txt" || { cat "$work/run_err.txt"; fail "the installed dza run did not use the installed scenario"; }
for f in report.html dza.gpkg summary.json; do [[ -s $work/elsewhere/out/$f ]] || fail "the installed dza run wrote no $f"; done

# Man pages where man finds them: one per command the installed dza lists.
mapfile -t commands < <("$root/usr/bin/dza" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')
(( ${#commands[@]} >= 5 )) || fail "could not read the commands from the installed dza --help"
for page in dza "${commands[@]/#/dza-}"; do
  found=$(MANPATH=$root/usr/share/man man -w "$page" 2>/dev/null) || fail "man does not find $page in $root/usr/share/man"
  [[ $found == "$root/usr/share/man/man1/$page.1.gz" ]] || fail "man finds $page at $found"
  MANWIDTH=80 man -l "$found" 2>&1 >/dev/null | grep . && fail "man -l warns on $page"
done

# Completion where bash-completion and zsh look for it.
[[ -s $root/usr/share/zsh/vendor-completions/_dza ]] || fail "no zsh completion"
# shellcheck disable=SC1091
got=$(bash -c "source '$root/usr/share/bash-completion/completions/dza'; COMP_WORDS=(dza cov); COMP_CWORD=1; _dza; echo \${COMPREPLY[@]}")
[[ $got == coverage ]] || fail "the installed bash completion completes 'dza cov' as '$got'"

# The installed CMake package, as another project uses it.
"$cmake" -S "$src/tests/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$root/usr" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "configuring the consumer against the package"; }
grep -q "dza_DIR:PATH=$root/usr/lib/cmake/dza" "$work/consumer/CMakeCache.txt" || fail "the consumer did not find the package's dzaConfig.cmake"
"$cmake" --build "$work/consumer" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "building the consumer against the package"; }
"$work/consumer/dza_consumer" >"$work/consumer.txt" || { cat "$work/consumer.txt"; fail "the consumer failed"; }
expected_regions=$(grep -c '"type": "Feature"' "$root/usr/share/dza/regions.geojson")
grep -qx "version $version" "$work/consumer.txt" || fail "consumer: version is not $version"
grep -qx "regions $expected_regions" "$work/consumer.txt" || fail "consumer: regions is not $expected_regions"

echo "ok: $(basename "$deb") ($(du -h "$deb" | cut -f1)), Depends: $depends"
