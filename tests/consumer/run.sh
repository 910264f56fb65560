#!/usr/bin/env bash
# Installs the built tree into a temporary prefix, builds tests/consumer against it with
# find_package(dza) and runs it; checks the installed layout and the consumer's answers.
# Usage: run.sh BUILD_DIR SOURCE_DIR CMAKE CXX_COMPILER VERSION
set -euo pipefail
build=$1 src=$2 cmake=$3 cxx=$4 version=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "FAIL: $*"; exit 1; }

"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "cmake --install"; }

# The layout: binary, public headers with the generated version, data, CMake package.
for f in bin/dza include/dza/geometry.hpp include/dza/layer.hpp include/dza/version.hpp \
         share/dza/scenario.yaml lib/cmake/dza/dzaConfig.cmake lib/cmake/dza/dzaConfigVersion.cmake lib/cmake/dza/dzaTargets.cmake; do
  [[ -e $prefix/$f ]] || fail "$f is not installed"
done
# Every file the installed scenario names is installed beside it.
while read -r source; do
  [[ -f $prefix/share/dza/$source ]] || fail "share/dza/scenario.yaml names $source, which is not installed"
done < <(grep -o 'source: [^,}]*' "$prefix/share/dza/scenario.yaml" | sed 's/source: //; s/[[:space:]]*$//')
# Public headers include public headers only: no private header, no GDAL/GEOS/PROJ header.
if grep -nE '#include +("(geos|gdal|cli)/|"[a-z_]+\.hpp"|<(geos_c|gdal|ogr_|cpl_|proj)[^>]*>)' "$prefix"/include/dza/*.hpp; then
  fail "an installed header includes a private or a GDAL/GEOS/PROJ header"
fi
[[ -z $(find "$prefix/include" -name '*.hpp' ! -path "$prefix/include/dza/*") ]] || fail "headers installed outside include/dza"

"$prefix/bin/dza" --version >"$work/version.txt" || fail "the installed dza --version failed"
grep -qF "$version" "$work/version.txt" || fail "the installed dza --version does not say $version"

"$cmake" -S "$src/tests/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "configuring the consumer"; }
"$cmake" --build "$work/consumer" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "building the consumer"; }
"$work/consumer/dza_consumer" >"$work/out.txt" || { cat "$work/out.txt"; fail "the consumer failed"; }
cat "$work/out.txt"

# Independent answers: on the equator a geodesic runs along it, so one degree of longitude is
# a * pi / 180 with WGS84's a = 6378137 m; the features are counted in the installed file.
expected_m=$(awk 'BEGIN { printf "%.6f", 6378137 * atan2(0, -1) / 180 }')
expected_regions=$(grep -c '"type": "Feature"' "$prefix/share/dza/regions.geojson")
grep -qx "version $version" "$work/out.txt" || fail "version: expected $version"
grep -qx "equator_degree_m $expected_m" "$work/out.txt" || fail "equator_degree_m: expected $expected_m"
grep -qx "regions $expected_regions" "$work/out.txt" || fail "regions: expected $expected_regions"
# The installed dza runs the installed default scenario from any folder.
mkdir "$work/elsewhere"
(cd "$work/elsewhere" && "$prefix/bin/dza" run -o out >/dev/null 2>"$work/run_err.txt") || { cat "$work/run_err.txt"; fail "the installed dza run, from a folder without data/, failed"; }
grep -q "^dza: using $prefix/share/dza/scenario.yaml" "$work/run_err.txt" || { cat "$work/run_err.txt"; fail "the installed dza run did not say it used the installed scenario"; }
for f in summary.json report.html dza.gpkg; do [[ -s $work/elsewhere/out/$f ]] || fail "the installed dza run wrote no $f"; done
echo "ok: consumer built with find_package(dza) against $prefix"
