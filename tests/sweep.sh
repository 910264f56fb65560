#!/usr/bin/env bash
# dza sweep and dza merge end to end, on a copy of the default scenario with fewer analyses and
# one target altitude (to stay fast) and without basing areas (so that the stand-off moves the
# eligible area): a 12-variant sweep, stand-off x the reach of the air-policing role.
# Usage: sweep.sh DZA PROJECT_DIR
#
#   - the sweep in one process (2 jobs) and in 3 shards, the second of them killed (SIGKILL, one
#     job) after its first variant and resumed, merge to the same bytes;
#   - the resumed shard skips what was complete; a merge without a shard fails naming a missing
#     variant, and lists them with --allow-missing;
#   - the figures move the way the geometry says: a larger stand-off never grows the eligible
#     area, a longer reach never shrinks the coverage;
#   - a variant with a bad value fails alone, exit 1, its error in the merged table;
#   - a variant's scenario.yaml, run alone from another folder, gives the sweep's results.
set -uo pipefail
dza=$(realpath "$1") root=$(realpath "$2")
T=$(mktemp -d /tmp/dza-sweep-XXXXXX)
trap 'rm -rf "$T"' EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

cp -r "$root/data" "$T/data"
sed -i -e 's/^analyses:.*/analyses: [zones, coverage, check]/' -e 's/^  altitudes_m:.*/  altitudes_m: [1000]/' -e '/^  basing_areas:/d' "$T/data/scenario.yaml"
grep -q '^analyses: \[zones, coverage, check\]' "$T/data/scenario.yaml" || fail "the scenario copy was not restricted"
scenario=$T/data/scenario.yaml
vary=(--vary standoff_km=50..125:25 --vary 'radius_km_by_role.air policing=100,200,300')

# The whole sweep in one process.
"$dza" -q sweep "$scenario" "${vary[@]}" --jobs 2 -o "$T/all" >"$T/all.out" 2>"$T/all.err" || fail "the sweep failed: $(cat "$T/all.err")"
grep -q '^12 variants in .*: 12 run, 0 already complete' "$T/all.out" || fail "unexpected summary: $(cat "$T/all.out")"
[ "$(find "$T/all" -mindepth 2 -name variant.json | wc -l)" -eq 12 ] || fail "not 12 variant folders"
"$dza" -q merge "$T/all" -o "$T/merged-all" >"$T/merge.out" 2>&1 || fail "merge failed: $(cat "$T/merge.out")"
grep -q '^12 variants: 12 complete, 0 failed, 0 missing' "$T/merge.out" || fail "unexpected merge summary: $(cat "$T/merge.out")"

# A variant's scenario.yaml runs alone, from another folder, into the same results.
one=$(dirname "$(find "$T/all" -mindepth 2 -name variant.json | sort | head -1)")
mkdir "$T/elsewhere"
(cd "$T/elsewhere" && "$dza" -q run "$one/scenario.yaml" -o alone >/dev/null 2>"$T/alone.err") || fail "a variant's scenario.yaml does not run alone: $(cat "$T/alone.err")"
for f in eligible_zones.geojson coverage_regions.geojson line_gaps.geojson; do
  cmp -s "$one/$f" "$T/elsewhere/alone/$f" || fail "$f of the variant run alone differs from the sweep's"
done
cmp -s <(grep -v -e '"file":' -e '"seconds":' "$one/summary.json") <(grep -v -e '"file":' -e '"seconds":' "$T/elsewhere/alone/summary.json") || fail "summary.json of the variant run alone differs from the sweep's"

# In 3 shards; the second runs one variant at a time and is killed once its first is complete.
"$dza" -q sweep "$scenario" "${vary[@]}" --shard 1/3 --jobs 2 -o "$T/part1" >/dev/null 2>&1 || fail "shard 1 failed"
"$dza" -q sweep "$scenario" "${vary[@]}" --shard 3/3 --jobs 2 -o "$T/part3" >/dev/null 2>&1 || fail "shard 3 failed"
"$dza" -q sweep "$scenario" "${vary[@]}" --shard 2/3 --jobs 1 -o "$T/part2" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  [ "$(grep -l '"complete"' "$T"/part2/*/variant.json 2>/dev/null | wc -l)" -ge 1 ] && break
  sleep 0.05
done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
done_before=$(grep -l '"complete"' "$T"/part2/*/variant.json 2>/dev/null | wc -l)
[ "$done_before" -ge 1 ] && [ "$done_before" -lt 4 ] || fail "shard 2 was not stopped half way ($done_before of 4 complete)"
first=$(grep -l '"complete"' "$T"/part2/*/variant.json | head -1)
stamp=$(stat -c %Y.%y "$first")
"$dza" -q sweep "$scenario" "${vary[@]}" --shard 2/3 --jobs 2 -o "$T/part2" >"$T/part2.out" 2>&1 || fail "the resumed shard failed: $(cat "$T/part2.out")"
grep -q "^4 variants (part 2 of 3) in .*: $((4 - done_before)) run, $done_before already complete" "$T/part2.out" || fail "the resumed shard did not skip: $(cat "$T/part2.out")"
[ "$(stat -c %Y.%y "$first")" = "$stamp" ] || fail "a complete variant was run again"
[ -z "$(find "$T/part2" -name '.dza-run-*' -o -name '.dza-tmp-*')" ] || fail "the killed run's staging folder was left behind"

"$dza" -q merge "$T/part1" "$T/part2" "$T/part3" -o "$T/merged-parts" >/dev/null 2>&1 || fail "merge of the parts failed"
cmp -s "$T/merged-all/sweep.csv" "$T/merged-parts/sweep.csv" || fail "sweep.csv differs between 1 and 3 shards: $(diff "$T/merged-all/sweep.csv" "$T/merged-parts/sweep.csv" | head -5)"
cmp -s "$T/merged-all/sweep.json" "$T/merged-parts/sweep.json" || fail "sweep.json differs between 1 and 3 shards"

# The plots and the comparison page: the same bytes whatever the shards, a chart per varied key
# and headline figure with its axes named, and the best of each figure marked where they differ.
diff -r "$T/merged-all/plots" "$T/merged-parts/plots" >/dev/null || fail "the plots differ between 1 and 3 shards"
cmp -s "$T/merged-all/comparison.html" "$T/merged-parts/comparison.html" || fail "comparison.html differs between 1 and 3 shards"
for key in standoff_km radius_km_by_role_air_policing; do
  for figure in eligible_km2 covered_pct_1000m line_covered_pct_1000m longest_line_gap_km_1000m violations; do
    for ext in png svg; do
      [ -s "$T/merged-all/plots/$figure-by-$key.$ext" ] || fail "no chart plots/$figure-by-$key.$ext"
    done
  done
done
svg="$T/merged-all/plots/eligible_km2-by-standoff_km.svg"
grep -q '>standoff (km)</text>' "$svg" || fail "the stand-off chart's x axis is not named with its unit"
grep -q '>eligible area (km²)</text>' "$svg" || fail "the eligible area chart's y axis is not named with its unit"
grep -q '>radius_km_by_role.air policing=300</text>' "$svg" || fail "the series are not named by the other key's value"
python3 - "$T/merged-all/comparison.html" "$T/merged-all/sweep.csv" <<'EOF' || fail "comparison.html does not mark the best eligible area"
import csv, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
rows = list(csv.DictReader(open(sys.argv[2])))
assert html.count('<img src="data:image/svg+xml') == 10, html.count('<img src="data:image/svg+xml')
# The largest eligible area (the smallest stand-off) is starred in its rows, and only there.
best = max(float(r["eligible_km2"]) for r in rows)
starred = re.findall(r'<tr><td class="text">([^<]*)</td>(?:<td[^>]*>[^<]*</td>){3}<td class="best">', html)
expected = [r["id"] for r in rows if abs(float(r["eligible_km2"]) - best) < 1e-6]
assert starred == expected, (starred, expected)
EOF

# A later merge of another sweep into the same folder leaves none of the first one's charts.
"$dza" -q sweep "$scenario" --vary 'radius_km_by_role.air policing=100,200' -o "$T/other" >/dev/null 2>&1 || fail "the second sweep failed"
cp -r "$T/merged-all" "$T/merged-twice"
"$dza" -q merge "$T/other" -o "$T/merged-twice" >/dev/null 2>&1 || fail "the merge of the second sweep failed"
[ ! -e "$T/merged-twice/plots/eligible_km2-by-standoff_km.png" ] || fail "a chart of the first sweep's key is left beside the second sweep's"
[ -s "$T/merged-twice/plots/eligible_km2-by-radius_km_by_role_air_policing.svg" ] || fail "the second sweep's chart is missing"

# A missing shard: an error naming a variant, or listed with --allow-missing.
"$dza" -q merge "$T/part1" "$T/part3" -o "$T/merged-missing" >/dev/null 2>"$T/missing.err"
[ $? -eq 1 ] || fail "a merge without shard 2 did not exit 1"
id2=$(basename "$(dirname "$first")")
grep -q "4 of 12 variants are in none of the folders" "$T/missing.err" || fail "the missing variants are not counted: $(cat "$T/missing.err")"
"$dza" -q merge "$T/part1" "$T/part3" --allow-missing -o "$T/merged-missing" >/dev/null 2>&1 || fail "--allow-missing failed"
grep -q "^$id2,.*,missing," "$T/merged-missing/sweep.csv" || fail "$id2 is not listed as missing"

# The figures against the geometry: rows are stand-off-major, 3 reaches each.
python3 - "$T/merged-all/sweep.csv" <<'EOF' || fail "the figures do not move as the geometry says"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 12, len(rows)
assert [r["standoff_km"] for r in rows] == [s for s in ("50", "75", "100", "125") for _ in range(3)], [r["standoff_km"] for r in rows]
assert all(r["status"] == "complete" for r in rows)
eligible = {r["standoff_km"]: float(r["eligible_km2"]) for r in rows}
assert eligible["50"] >= eligible["75"] >= eligible["100"] >= eligible["125"] and eligible["50"] > eligible["125"], eligible
for s in ("50", "75", "100", "125"):
    cover = [float(r["covered_pct@1000m"]) for r in rows if r["standoff_km"] == s]
    assert cover[0] <= cover[1] <= cover[2] and cover[0] < cover[2], (s, cover)
    # the stand-off does not move the deployments: their coverage is the same at every stand-off
    assert cover == [float(r["covered_pct@1000m"]) for r in rows if r["standoff_km"] == "50"]
assert all(r["check"] in ("passed", "failed") and r["violations"].isdigit() for r in rows)
assert any(k.startswith("covered_pct@1000m:") for k in rows[0]), list(rows[0])
EOF

# A bad value fails alone.
"$dza" -q sweep "$scenario" --vary standoff_km=50,abc -o "$T/bad" >"$T/bad.out" 2>"$T/bad.err"
[ $? -eq 1 ] || fail "a sweep with a failed variant did not exit 1"
[ ! -s "$T/bad.out" ] || fail "a failed sweep printed on stdout"
[ "$(grep -vc '^dza: warning: ' "$T/bad.err")" -eq 1 ] || fail "a failed sweep must end with one error line: $(cat "$T/bad.err")"
grep -q '1 of 2 variants failed' "$T/bad.err" || fail "the failure is not counted: $(cat "$T/bad.err")"
"$dza" -q merge "$T/bad" -o "$T/merged-bad" >"$T/merge-bad.out" 2>&1 || fail "merge of a sweep with a failure failed"
grep -q '^2 variants: 1 complete, 1 failed, 0 missing' "$T/merge-bad.out" || fail "unexpected merge summary: $(cat "$T/merge-bad.out")"
grep -q '^abc-[0-9a-f]\{12\},abc,failed,.*must be a number' "$T/merged-bad/sweep.csv" || fail "the failed variant's error is not in the table: $(cat "$T/merged-bad/sweep.csv")"
grep -q '^50-[0-9a-f]\{12\},50,complete,' "$T/merged-bad/sweep.csv" || fail "the good variant is not complete: $(cat "$T/merged-bad/sweep.csv")"
grep -q "$T" "$T/merged-bad/sweep.csv" && fail "the table names where the sweep ran"

[ "$failures" -eq 0 ] && echo "ok"
exit $((failures > 0))
