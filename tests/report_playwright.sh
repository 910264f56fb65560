#!/usr/bin/env bash
# report.html in Chromium driven by playwright-core (tests/browser/report.js): offline, the
# interactive map, a layer switched off and on, a deployment's pop-up, three widths, print to PDF.
# Usage: report_playwright.sh DZA PROJECT_DIR BUILD_DIR. scripts/setup installs Chromium, Node.js
# and playwright-core (into .tools/); without them the test fails and says so.
set -euo pipefail
dza=$1 root=$2 build=$3
chromium=$(command -v chromium || true)
playwright=$root/.tools/node_modules/playwright-core
[ -n "$chromium" ] || { echo "chromium is not installed; run scripts/setup"; exit 1; }
command -v node >/dev/null || { echo "node is not installed; run scripts/setup"; exit 1; }
[ -d "$playwright" ] || { echo "playwright-core is not in $root/.tools; run scripts/setup"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The default scenario with a proposed plan too, so every section of the page is there.
sed -e 's#^analyses: .*#analyses: [distance, zones, coverage, check, optimize]\noptimize: {grid_km: 40, sites: 2, system: long-range SAM, cell_km: 20, time_limit_s: 20}#' \
    -e "s#source: \([a-z_]*\.geojson\)#source: $root/data/\1#" "$root/data/scenario.yaml" > "$work/scenario.yaml"
"$dza" run -q "$work/scenario.yaml" -o "$work/out" > /dev/null
mkdir -p "$build/report-browser"
HOME=$work timeout 240 node "$root/tests/browser/report.js" "$playwright" "$chromium" "$work/out/report.html" "$build/report-browser"
