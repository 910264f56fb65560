#!/usr/bin/env python3
"""Checks range fans and annuli written by `dza buffer` against GeographicLib's command-line
tools (GeodSolve, Planimeter), which share no code with dza.

Usage: sensor_reach_check.py OUTPUT.geojson SPEC_JSON
SPEC_JSON is a list, one item per output feature to check, in order:
  {"feature": 0, "site": [lon, lat], "min_m": 0, "max_m": 50000, "sector": [300, 60] or null}

For each feature: every vertex (but those on the cut at +-180) lies within 0.5 m (the output's
6 decimals round by up to 0.08 m) of the exact envelope: the outer arc at max_m in an azimuth of
the sector, the inner arc at min_m, a sector edge (the geodesic from the site at the sector's end
azimuths) or the site; the lon/lat midpoint of every edge (but edges along the cut) within the
feature's max_error_m; the area (GeographicLib's polygon of the output's rings, and area_km2)
within 0.01% of the exact envelope's, drawn with 3,600 points per turn.
"""
import json
import math
import subprocess
import sys


def run(tool, args, lines):
    out = subprocess.run([tool, *args], input="".join(lines), capture_output=True, text=True, check=True).stdout
    return [l.split() for l in out.strip().split("\n")]


def inverse(site, points):
    rows = run("GeodSolve", ["-i", "-p", "9"], [f"{site[1]} {site[0]} {p[1]} {p[0]}\n" for p in points])
    return [(float(r[2]), float(r[0]) % 360.0) for r in rows]


def direct(site, pairs):
    rows = run("GeodSolve", ["-p", "9"], [f"{site[1]} {site[0]} {a} {s}\n" for a, s in pairs])
    return [(float(r[1]), float(r[0])) for r in rows]


def area_m2(rings):
    """Signed-ring areas summed: exterior rings add, holes subtract (GeographicLib, geodesic edges)."""
    total = 0.0
    for i, ring in enumerate(rings):
        pts = ring[:-1] if ring[0] == ring[-1] else ring
        a = abs(float(run("Planimeter", [], [f"{p[1]} {p[0]}\n" for p in pts])[0][2]))
        total += a if i == 0 else -a
    return total


def sector_span(spec):
    if not spec.get("sector"):
        return 0.0, 360.0
    f, t = spec["sector"]
    width = (t - f) % 360.0
    return f % 360.0, 360.0 if width == 0 else width


def off_envelope_m(spec, d, az):
    lo, width = sector_span(spec)
    best = math.inf
    slack = 1.0 / d / math.pi * 180 if d > 0 else 360
    rel = (az - lo) % 360.0
    if width >= 360 or rel <= width + slack or rel >= 360 - slack:
        best = min(best, abs(d - spec["max_m"]))
        if spec["min_m"] > 0:
            best = min(best, abs(d - spec["min_m"]))
    if width < 360:
        for edge in (lo, lo + width):
            off = abs((az - edge + 180) % 360 - 180)
            if off < 90 and spec["min_m"] - 1 <= d <= spec["max_m"] + 1:
                best = min(best, d * math.sin(math.radians(off)))
        if spec["min_m"] == 0:
            best = min(best, d)
    return best


def exact_area_m2(spec):
    lo, width = sector_span(spec)
    n = max(8, math.ceil(width / 0.1))
    outer = [lo + width * i / n for i in range(n + 1)]
    if width >= 360:
        disc = lambda r: area_m2([direct(spec["site"], [(a, r) for a in outer[:-1]])])
        return disc(spec["max_m"]) - (disc(spec["min_m"]) if spec["min_m"] > 0 else 0.0)
    ring = direct(spec["site"], [(a, spec["max_m"]) for a in outer])
    if spec["min_m"] > 0:
        ring += direct(spec["site"], [(a, spec["min_m"]) for a in reversed(outer)])
    else:
        ring.append(tuple(spec["site"]))
    return area_m2([ring])


def main():
    features = json.load(open(sys.argv[1]))["features"]
    for spec in json.loads(sys.argv[2]):
        f = features[spec["feature"]]
        g, props = f["geometry"], f["properties"]
        polygons = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        max_error = props["max_error_m"]
        assert 0 < max_error <= max(1.0, 1e-4 * spec["max_m"]) + 0.1, (spec, max_error)
        vertices, mids = [], []
        for poly in polygons:
            for ring in poly:
                for p, q in zip(ring, ring[1:]):
                    if abs(p[0]) != 180:
                        vertices.append(p)
                    if not (abs(p[0]) == 180 and p[0] == q[0]):
                        mids.append([(p[0] + q[0]) / 2, (p[1] + q[1]) / 2])
        worst_vertex = max(off_envelope_m(spec, d, a) for d, a in inverse(spec["site"], vertices))
        worst_mid = max(off_envelope_m(spec, d, a) for d, a in inverse(spec["site"], mids))
        assert worst_vertex <= 0.5, (spec, "vertex off the envelope by", worst_vertex)
        assert worst_mid <= max_error, (spec, "chord off the envelope by", worst_mid, max_error)
        got = sum(area_m2(poly) for poly in polygons)
        want = exact_area_m2(spec)
        assert abs(got - want) <= 1e-4 * want, (spec, got, want)
        assert abs(props["area_km2"] * 1e6 - want) <= 1e-4 * want + 1000, (spec, props["area_km2"], want)
        print(f"feature {spec['feature']}: {len(vertices)} vertices within {worst_vertex:.3f} m, chords within {worst_mid:.3f} m, "
              f"area {got / 1e6:.3f} km2 (exact {want / 1e6:.3f})")


main()
