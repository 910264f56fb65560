#!/usr/bin/env bash
# Integration tests against a real PostgreSQL + PostGIS server.
# Usage: postgis.sh DZA PROJECT_DIR CASE
#
# The server: DZA_PG (a GDAL PG: connection) and DZA_PG_PSQL (a psql command line) when set, as
# .ci/run sets them from scripts/pg; otherwise the case starts a throwaway server of its own with
# scripts/pg. Exits 77 (skipped) when PostgreSQL or PostGIS is not installed, unless
# DZA_REQUIRE_PG=1, when that is a failure. Each case works in its own schema, so cases can run
# side by side on one server.
#
# Cases:
#   run        load the default data into PostGIS with dza convert, run the default scenario from
#              the database, compare with the same run from files; --postgis writes the results
#   analyses   distance, zones and coverage read from PostGIS give the same figures as from files
#   replace    writing a table again replaces it; the tables dza writes hold what it computed; a
#              table that is an input is not replaced
#   rollback   a write that fails part-way (a view depends on one of the tables) changes no table
#   password   a password in a connection string appears in no message, no output, no summary
set -euo pipefail
dza=$(realpath "$1") root=$(realpath "$2") case=$3
data=$root/data
work=$(mktemp -d)
cd "$work"
server=""
cleanup() {
  [ -n "$server" ] && "$root/scripts/pg" stop "$server" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${DZA_PG:-}" ]; then
  if ! "$root/scripts/pg" available; then
    [ "${DZA_REQUIRE_PG:-0}" = 1 ] && { echo "FAIL: PostgreSQL with PostGIS is not installed (scripts/setup installs it)"; exit 1; }
    echo "PostgreSQL with PostGIS is not installed; skipped (scripts/setup installs it, .ci/run requires it)"
    exit 77
  fi
  server=$(mktemp -d /tmp/dza-pg-test-XXXXXX)
  eval "$("$root/scripts/pg" start "$server")"
fi
read -r -a psql_cmd <<<"$DZA_PG_PSQL"
sql() { PGOPTIONS="-c client_min_messages=warning" command "${psql_cmd[@]}" -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
schema="test_$case"
sql "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null

fail() {
  echo "FAIL ($case): $*"
  for f in "$work"/*.err; do [ -s "$f" ] && { echo "--- $(basename "$f"):"; cat "$f"; }; done
  exit 1
}

# Runs dza, keeping stdout and stderr in $work/NAME.out and .err; returns dza's exit code.
run() {
  local name=$1
  shift
  local code=0
  "$dza" "$@" >"$work/$name.out" 2>"$work/$name.err" || code=$?
  return $code
}
expect_ok() {
  local name=$1
  run "$@" || fail "dza ${*:2} exited with $?"
}
# A failure: exit code 1 and exactly one line on stderr besides warnings.
expect_fail() {
  local name=$1 code=0
  run "$@" || code=$?
  [ "$code" -eq 1 ] || fail "dza ${*:2}: expected exit code 1, got $code"
  [ "$(grep -vc '^dza: warning: ' "$work/$name.err")" -eq 1 ] || fail "dza ${*:2}: expected one error line on stderr"
}

# Loads every layer of the default data into the schema, one table per file, through dza itself.
load_default_data() {
  for file in "$data"/*.geojson; do
    local name
    name=$(basename "$file" .geojson)
    expect_ok "load-$name" convert "$file" -o "$DZA_PG" --table "$schema.$name"
    local rows features
    rows=$(sql "SELECT count(*) FROM $schema.$name")
    features=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["features"]))' "$file")
    [ "$rows" = "$features" ] || fail "$name: $rows rows in PostGIS, $features features in the file"
  done
}

# The default scenario with every layer read from the schema; extra text (a password) may be
# appended to the connection string.
write_db_scenario() {
  local target=$1 extra=${2:-}
  python3 - "$data/scenario.yaml" "$target" "$DZA_PG$extra" "$schema" <<'PY'
import re, sys
source, target, conn, schema = sys.argv[1:]
text = open(source).read()
def repl(m):
    role, name = m.group(1), m.group(2)
    return "  %s: {source: \"%s\", layer: %s.%s, name_field: name}" % (role, conn, schema, name)
text, n = re.subn(r"^  (\w+): \{source: (\w+)\.geojson, name_field: name\}", repl, text, flags=re.M)
assert n >= 6, n
open(target, "w").write(text)
PY
}

case $case in
run)
  load_default_data
  write_db_scenario "$work/db.yaml"
  expect_ok file-run run -q "$data/scenario.yaml" -o "$work/from-files"
  expect_ok db-run run -q "$work/db.yaml" -o "$work/from-db" --postgis "$DZA_PG" --table "$schema.plan"
  python3 - "$work/from-files/summary.json" "$work/from-db/summary.json" <<'PY' || fail "the run from PostGIS differs from the run from files"
import json, math, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
# The same layers: their content digests agree role by role.
ca = {i["role"]: i["content_sha256"] for i in a["inputs"]}
cb = {i["role"]: i["content_sha256"] for i in b["inputs"]}
assert ca == cb, "layer contents differ: %s" % [r for r in ca if ca[r] != cb.get(r)]
assert all(i["source"].startswith("PG:") and i["sha256"] is None for i in b["inputs"]), "database inputs are not shown as such"
# The same figures: every number within 1e-9 relative (they come from the same doubles).
def same(x, y, path):
    if isinstance(x, dict):
        assert set(x) == set(y), "%s: keys differ" % path
        for k in x: same(x[k], y[k], path + "." + k)
    elif isinstance(x, list):
        assert len(x) == len(y), "%s: lengths differ" % path
        for i, (u, v) in enumerate(zip(x, y)): same(u, v, "%s[%d]" % (path, i))
    elif isinstance(x, float) or isinstance(y, float):
        assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), "%s: %r != %r" % (path, x, y)
    else:
        assert x == y, "%s: %r != %r" % (path, x, y)
# Where the layers came from differs (files, tables); what was found must not.
for r in (a["results"], b["results"]):
    for k in ("from", "to"): r["distance"].pop(k)
    r["coverage"].pop("inputs")
    for at in r["coverage"].get("by_altitude", [r["coverage"]]):
        for t in at["targets"]: t.pop("layer")
same(a["results"], b["results"], "results")
assert a["database"] is None and b["database"]["tables"], "the database output is not recorded"
print("same results from files and from PostGIS;", len(b["database"]["tables"]), "tables written")
PY
  # The tables --postgis wrote hold what dza.gpkg holds, layer by layer (not its QGIS styles, layer_styles).
  for layer in $(ogrinfo -q -ro "$work/from-db/dza.gpkg" | sed -E 's/^[0-9]+: ([^ ]+).*/\1/' | grep -vx layer_styles); do
    gpkg=$(ogrinfo -ro -so "$work/from-db/dza.gpkg" "$layer" | sed -nE 's/^Feature Count: //p')
    table=$(sql "SELECT count(*) FROM $schema.plan_$layer")
    [ "$gpkg" = "$table" ] || fail "table plan_$layer has $table rows, dza.gpkg's $layer has $gpkg"
  done
  ;;

analyses)
  load_default_data
  pg() { echo "$DZA_PG|layername=$schema.$1"; }
  expect_ok d-file distance "$data/deployments.geojson" "$data/ceasefire_line.geojson" --json
  expect_ok d-db distance "$(pg deployments)" "$(pg ceasefire_line)" --json
  expect_ok z-file zones --regions "$data/regions.geojson" --line "$data/ceasefire_line.geojson" --standoff 100km --json
  expect_ok z-db zones --regions "$(pg regions)" --line "$(pg ceasefire_line)" --standoff 100km --json
  expect_ok c-file coverage "$data/deployments.geojson" --regions "$data/regions.geojson" --line "$data/ceasefire_line.geojson" --radius 80km --json
  expect_ok c-db coverage "$(pg deployments)" --regions "$(pg regions)" --line "$(pg ceasefire_line)" --radius 80km --json
  python3 - "$work" <<'PY' || fail "an analysis from PostGIS differs from the same analysis from files"
import json, math, sys, os
w = sys.argv[1]
def numbers(x, path=""):
    if isinstance(x, dict):
        for k, v in x.items():
            # Feature ids are the source's own: 0-based in GeoJSON, the serial key in PostGIS.
            if k not in ("from", "to") and not k.endswith("fid"):
                yield from numbers(v, path + "." + k)
    elif isinstance(x, list):
        for i, v in enumerate(x): yield from numbers(v, "%s[%d]" % (path, i))
    elif isinstance(x, (int, float)) and not isinstance(x, bool):
        yield path, x
for name in ("d", "z", "c"):
    a = dict(numbers(json.load(open(os.path.join(w, name + "-file.out")))))
    b = dict(numbers(json.load(open(os.path.join(w, name + "-db.out")))))
    assert a.keys() == b.keys(), "%s: different figures" % name
    assert a, "%s: no figures" % name
    for k in a:
        assert math.isclose(a[k], b[k], rel_tol=1e-9, abs_tol=1e-9), "%s %s: %r != %r" % (name, k, a[k], b[k])
    print(name, len(a), "figures agree")
PY
  ;;

replace)
  expect_ok first distance "$data/deployments.geojson" "$data/ceasefire_line.geojson" -o "$DZA_PG" --table "$schema.dist"
  [ "$(sql "SELECT count(*) FROM $schema.dist")" = "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["features"]))' "$data/deployments.geojson")" ] ||
    fail "the first write has the wrong number of rows"
  # Write again with a subset: the table is replaced, not appended to.
  expect_ok second distance "$data/deployments.geojson|where=radius_km > 100" "$data/ceasefire_line.geojson" -o "$DZA_PG" --table "$schema.dist" --json
  rows=$(sql "SELECT count(*) FROM $schema.dist")
  # The expected count comes from the file itself, not from what dza printed.
  expected=$(python3 -c 'import json,sys; print(sum(1 for f in json.load(open(sys.argv[1]))["features"] if f["properties"]["radius_km"] > 100))' "$data/deployments.geojson")
  [ "$rows" = "$expected" ] || fail "after replacing, $rows rows; expected $expected"
  # The stored distances are dza's, and PostGIS's own geodesic distance from each deployment to
  # the stored nearest point agrees with them (an independent geodesic, to 1 mm).
  sql "SELECT count(*) FROM $schema.dist d WHERE abs(ST_Distance(ST_StartPoint(ST_GeometryN(d.geom, 1))::geography,
             ST_EndPoint(ST_GeometryN(d.geom, ST_NumGeometries(d.geom)))::geography, true) / 1000 - d.distance_km) > 1e-6" >"$work/mismatch.txt"
  [ "$(cat "$work/mismatch.txt")" = 0 ] || fail "$(cat "$work/mismatch.txt") stored distances disagree with PostGIS's geodesic"
  [ "$(sql "SELECT ST_SRID(geom) FROM $schema.dist LIMIT 1")" = 4326 ] || fail "the table's geometries are not EPSG:4326"
  # An output is never one of the inputs: a table read is not replaced (exit 2, the table as it
  # was), however the connection string that reaches it is spelled.
  expect_ok load convert "$data/deployments.geojson" -o "$DZA_PG" --table "$schema.deps"
  before=$(sql "SELECT count(*) FROM $schema.deps")
  code=0; run same-table distance "$DZA_PG application_name=other|layername=$schema.deps" "$data/ceasefire_line.geojson" -o "$DZA_PG" --table "$schema.deps" || code=$?
  [ $code -eq 2 ] || fail "writing over the input table: exit $code, expected 2"
  grep -q "table $schema.deps: it is an input" "$work/same-table.err" || fail "no message naming the input table"
  [ "$(sql "SELECT count(*) FROM $schema.deps")" = "$before" ] || fail "the input table lost rows"
  [ "$(sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = '$schema' AND table_name = 'deps' AND column_name = 'distance_km'")" = 0 ] ||
    fail "the input table was replaced by the output"
  expect_ok other-table distance "$DZA_PG|layername=$schema.deps" "$data/ceasefire_line.geojson" -o "$DZA_PG" --table "$schema.deps_distance"
  # Bad usage: no --table, a --table for a file, a name PostgreSQL would change.
  code=0; run no-table convert "$data/regions.geojson" -o "$DZA_PG" || code=$?
  [ $code -eq 2 ] || fail "-o PG: without --table: exit $code, expected 2"
  code=0; run bad-name convert "$data/regions.geojson" -o "$DZA_PG" --table "Plan-A" || code=$?
  [ $code -eq 2 ] || fail "--table Plan-A: exit $code, expected 2"
  ;;

rollback)
  # Coverage writes six tables; a view on the fourth makes replacing it fail. None may change.
  args=(coverage "$data/deployments.geojson" --regions "$data/regions.geojson" --line "$data/ceasefire_line.geojson" --radius 80km)
  expect_ok first "${args[@]}" -o "$DZA_PG" --table "$schema.cov"
  tables=$(sql "SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables WHERE schemaname = '$schema'")
  [ "$(wc -w <<<"$tables")" -eq 6 ] || fail "expected 6 coverage tables, found: $tables"
  digest() {
    local out=""
    for t in $tables; do out+="$t:$(sql "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM $schema.$t t") "; done
    echo "$out"
  }
  before=$(digest)
  sql "CREATE VIEW $schema.gaps_view AS SELECT * FROM $schema.cov_gaps"
  expect_fail second "${args[@]/80km/120km}" -o "$DZA_PG" --table "$schema.cov"
  grep -q "cov_gaps" "$work/second.err" || fail "the error does not name the table that could not be replaced"
  [ "$(digest)" = "$before" ] || fail "a failed write changed tables"
  [ "$(sql "SELECT count(*) FROM pg_views WHERE schemaname = '$schema' AND viewname = 'gaps_view'")" = 1 ] || fail "the view is gone"
  # Unreachable server: exit 1, one line, nothing written anywhere.
  expect_fail unreachable "${args[@]}" -o "PG:host=/nonexistent port=1 dbname=dza" --table "$schema.cov"
  [ "$(digest)" = "$before" ] || fail "a failed connection changed tables"
  ;;

password)
  secret=s3cret-Pa55word
  load_default_data
  write_db_scenario "$work/db.yaml" " password=$secret"
  expect_ok run run "$work/db.yaml" -o "$work/out" --postgis "$DZA_PG password=$secret" --table "$schema.plan"
  expect_ok info info "$DZA_PG password='$secret'|layername=$schema.regions"
  expect_ok distance distance "$DZA_PG password=$secret|layername=$schema.deployments" "$data/ceasefire_line.geojson" -o "$DZA_PG password=$secret" --table "$schema.d"
  expect_fail bad-input info "PG:host=/nonexistent port=1 dbname=dza password=$secret|layername=x"
  expect_fail bad-output convert "$data/regions.geojson" -o "PG:host=/nonexistent port=1 dbname=dza password=$secret" --table x
  code=0; run bad-layer info "$DZA_PG password=$secret|layername=$schema.no_such_table" || code=$?
  [ $code -eq 2 ] || fail "a missing table: exit $code, expected 2"
  grep -q 'password=\*\*\*' "$work/bad-input.err" || fail "the connection is not shown with its password hidden"
  if grep -rl -- "$secret" "$work"/*.out "$work"/*.err "$work/out" >"$work/leaks.txt"; then
    fail "the password appears in: $(tr '\n' ' ' <"$work/leaks.txt")"
  fi
  grep -q '"output": "PG:.*password=\*\*\*' "$work/out/summary.json" || fail "summary.json does not record the database with its password hidden"
  ;;

*)
  echo "unknown case: $case" >&2
  exit 2
  ;;
esac
sql "DROP SCHEMA $schema CASCADE" >/dev/null
echo "ok ($case)"
