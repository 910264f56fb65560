#!/usr/bin/env bash
# Opens dza.gpkg of the default run in QGIS (PyQGIS, no display): every layer loads its default
# style from the GeoPackage, in the order QGIS stacks them, and draws as intended; saves the
# rendered map in the build folder (qgis_gpkg.png).
# Usage: qgis_gpkg.sh DZA PROJECT_DIR BUILD_DIR. Exits 77 (skipped) when PyQGIS is missing, unless
# DZA_REQUIRE_QGIS is set (scripts/setup installs python3-qgis, so CI runs it).
set -euo pipefail
dza=$1 root=$2 build=$3
here=$(cd "$(dirname "$0")" && pwd)
# PyQGIS is a Debian package: it imports in the system's Python, which may not be the first python3.
python=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c "import qgis.core" 2>/dev/null; then python=$candidate; break; fi
done
if [ -z "$python" ]; then
  [ -z "${DZA_REQUIRE_QGIS:-}" ] || { echo "PyQGIS (python3-qgis) does not import, and DZA_REQUIRE_QGIS is set"; exit 1; }
  echo "PyQGIS (python3-qgis) is not installed; skipped (scripts/setup installs it)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$dza" run -q "$root/data/scenario.yaml" -o "$work/out" > /dev/null
export QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$work/runtime" HOME="$work"
mkdir -m 700 "$work/runtime"
"$python" "$here/qgis_gpkg.py" "$work/out/dza.gpkg" "$build/qgis_gpkg.png"
