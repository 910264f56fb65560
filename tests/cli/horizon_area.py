#!/usr/bin/env python3
"""The area, in km², of one sensor's reach on the smooth earth, computed with GeographicLib's
command-line tools (GeodSolve, Planimeter), which share no code with dza.

Usage: horizon_area.py LON LAT MAX_RANGE_M SENSOR_HEIGHT_M TARGET_ALTITUDE_M K [FROM_DEG TO_DEG]
A TARGET_ALTITUDE_M of "none" means no horizon. The boundary lies at min(max range, d_h(az)) with
    d_h = kR (acos(kR / (kR + h_a)) + acos(kR / (kR + h_t)))
and R the WGS84 normal-section radius of curvature at the site in azimuth az
(1/R = cos²az/M + sin²az/N), drawn with 7,200 points per turn; with a sector, the site is a
vertex and the arc runs clockwise from FROM_DEG to TO_DEG.
"""
import math
import subprocess
import sys

lon, lat, max_m, ha = map(float, sys.argv[1:5])
ht = None if sys.argv[5] == "none" else float(sys.argv[5])
k = float(sys.argv[6])
sector = (float(sys.argv[7]), float(sys.argv[8])) if len(sys.argv) > 8 else None
a = 6378137.0
f = 1 / 298.257223563
e2 = f * (2 - f)
s2 = math.sin(math.radians(lat)) ** 2
M = a * (1 - e2) / (1 - e2 * s2) ** 1.5
N = a / math.sqrt(1 - e2 * s2)


def limit_m(az):
    if ht is None:
        return max_m
    c2 = math.cos(math.radians(az)) ** 2
    kR = k / (c2 / M + (1 - c2) / N)
    return min(max_m, kR * (math.acos(kR / (kR + ha)) + math.acos(kR / (kR + ht))))


n = 7200
if sector:
    width = (sector[1] - sector[0]) % 360.0 or 360.0
    steps = max(2, int(n * width / 360))
    azimuths = [sector[0] + width * i / steps for i in range(steps + 1)]
else:
    azimuths = [360.0 * i / n for i in range(n)]
query = "".join(f"{lat} {lon} {az} {limit_m(az)}\n" for az in azimuths)
out = subprocess.run(["GeodSolve", "-p", "9"], input=query, capture_output=True, text=True, check=True).stdout
points = [l.split()[:2] for l in out.splitlines() if l.strip()]
if sector:
    points.insert(0, [str(lat), str(lon)])
ring = "".join(f"{p[0]} {p[1]}\n" for p in points)
area = abs(float(subprocess.run(["Planimeter"], input=ring, capture_output=True, text=True, check=True).stdout.split()[2]))
print(f"{area / 1e6:.6f}")
