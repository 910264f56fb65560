#!/usr/bin/env bash
# Opens report.html of the default run in headless Chromium, checks from the rendered page that the
# map and the tables are there, and saves a screenshot in the build folder.
# Usage: report_browser.sh DZA PROJECT_DIR BUILD_DIR. Exits 77 (skipped) when Chromium is missing.
set -euo pipefail
dza=$1 root=$2 build=$3
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "chromium is not installed; run scripts/setup"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$dza" run -q "$root/data/scenario.yaml" -o "$work/out" > /dev/null
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$work/profile" --window-size=1280,2400)
timeout 120 "$chromium" "${flags[@]}" --dump-dom "file://$work/out/report.html" > "$work/dom.html" 2> "$work/chromium.log" || { cat "$work/chromium.log"; exit 1; }
timeout 120 "$chromium" "${flags[@]}" --screenshot="$build/report.png" "file://$work/out/report.html" >> "$work/chromium.log" 2>&1 || { cat "$work/chromium.log"; exit 1; }
python3 - "$work/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
assert re.search(r'<div id="map"><svg', dom), "no inline SVG map"
small = re.findall(r'<figure id="map-altitude-\d+"><svg', dom)
assert len(small) == 4, "expected a small map per target altitude (4), found %d" % len(small)
for table in ("check-table", "distance-table", "coverage-table", "line-gaps-table", "zones-table"):
    m = re.search(r'<table id="%s">(.*?)</table>' % table, dom, re.S)
    assert m, "missing table " + table
    assert m.group(1).count("<tr>") >= 2, "empty table " + table
# Nothing is fetched: no element's source, link or style sheet image is on the network. The
# inlined Leaflet script may mention addresses in its text; the requests the page really makes
# are watched by the interactive test (report_playwright.sh), offline.
markup = re.sub(r"<script\b.*?</script>", "", dom, flags=re.S)
assert not re.search(r'\b(src|href)\s*=\s*["\']?(https?:)?//', markup), "the page refers to the network"
assert "url(http" not in markup and "url(//" not in markup, "a style sheet refers to the network"
print("report renders: map, 4 small maps and", 5, "tables")
PY
[ -s "$build/report.png" ] || { echo "no screenshot"; exit 1; }
echo "screenshot: $build/report.png"
