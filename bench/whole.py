#!/usr/bin/env python3
"""Helpers of scripts/bench-whole: the seeded inputs and the results table.

  bench/whole.py inputs DIR [--quick]   write the random points and deployments into DIR
  bench/whole.py table RESULTS.tsv [--markdown]   print the table of a run

The inputs depend only on the seeds below: two runs write byte-identical files.
"""
import csv
import json
import random
import sys

# Where the random inputs fall, lon/lat degrees (WGS 84).
POINTS_BOX = (20.0, 43.0, 42.0, 54.0)        # Ukraine and its surroundings
DEPLOYMENTS_BOX = (22.0, 45.5, 31.0, 52.4)   # the western half of Ukraine
REACH_KM = (50.0, 300.0)

SEED_POINTS_10K = 1201
SEED_POINTS_1M = 1202
SEED_DEPLOYMENTS_13 = 1203
SEED_DEPLOYMENTS_10K = 1204


def random_lon_lat(rng, box):
    west, south, east, north = box
    return round(rng.uniform(west, east), 6), round(rng.uniform(south, north), 6)


def write_points_geojson(path, count, seed):
    rng = random.Random(seed)
    with open(path, "w") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        for i in range(1, count + 1):
            lon, lat = random_lon_lat(rng, POINTS_BOX)
            out.write('{"type": "Feature", "properties": {"id": %d}, '
                      '"geometry": {"type": "Point", "coordinates": [%.6f, %.6f]}}%s\n'
                      % (i, lon, lat, "," if i < count else ""))
        out.write("]}\n")


def write_points_csv(path, count, seed):
    """CSV with lon, lat columns; scripts/bench-whole turns it into FlatGeobuf with ogr2ogr."""
    rng = random.Random(seed)
    with open(path, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "lon", "lat"])
        for i in range(1, count + 1):
            lon, lat = random_lon_lat(rng, POINTS_BOX)
            writer.writerow([i, "%.6f" % lon, "%.6f" % lat])


def write_deployments(path, count, seed):
    rng = random.Random(seed)
    features = []
    for i in range(1, count + 1):
        lon, lat = random_lon_lat(rng, DEPLOYMENTS_BOX)
        features.append({
            "type": "Feature",
            "properties": {"id": i, "name": "D-%d" % i, "radius_km": round(rng.uniform(*REACH_KM), 1)},
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        })
    with open(path, "w") as out:
        json.dump({"type": "FeatureCollection", "features": features}, out)
        out.write("\n")


def inputs(folder, quick):
    write_points_geojson(folder + "/points_10k.geojson", 10_000, SEED_POINTS_10K)
    if not quick:
        write_points_csv(folder + "/points_1m.csv", 1_000_000, SEED_POINTS_1M)
    write_deployments(folder + "/deployments_13.geojson", 13, SEED_DEPLOYMENTS_13)
    write_deployments(folder + "/deployments_10k.geojson", 10_000, SEED_DEPLOYMENTS_10K)


def table(results_path, markdown):
    """RESULTS.tsv: workload, PostGIS s, planar s, dza s, dza peak MB; an empty field was not measured."""
    header = ["workload", "PostGIS s", "planar s", "dza s", "dza peak MB", "dza / PostGIS", "dza / planar"]
    rows = []

    def ratio(a, b, words):
        if not a or not b or float(b) <= 0:
            return "–"
        r = float(a) / float(b)
        return "%.2f" % r + (" (%s)" % ("slower" if r > 1 else "faster") if words else "")

    with open(results_path) as f:
        for line in f:
            workload, pg_s, planar_s, dza_s, dza_mb = line.rstrip("\n").split("\t")
            rows.append([workload,
                         "%.2f" % float(pg_s) if pg_s else "–",
                         "%.2f" % float(planar_s) if planar_s else "–",
                         "%.2f" % float(dza_s) if dza_s else "failed",
                         "%.0f" % float(dza_mb) if dza_mb else "",
                         ratio(dza_s, pg_s, True),
                         ratio(dza_s, planar_s, False)])
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|---|" + "---:|" * (len(header) - 1))
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join([row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]))


def main(argv):
    if len(argv) >= 2 and argv[0] == "inputs":
        inputs(argv[1], "--quick" in argv[2:])
    elif len(argv) >= 2 and argv[0] == "table":
        table(argv[1], "--markdown" in argv[2:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
