#pragma once
// Independent reference computations for tests, built on GeographicLib's C++ library and brute
// force, sharing no code with dza. Slow by design; use on small cases.
#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/GeodesicLine.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "dza/geometry.hpp"

namespace dza::reference {

inline const GeographicLib::Geodesic& wgs84() { return GeographicLib::Geodesic::WGS84(); }

inline double distance_m(LonLat a, LonLat b) {
    double s12 = 0;
    wgs84().Inverse(a.lat, a.lon, b.lat, b.lon, s12);
    return s12;
}

struct Nearest {
    double distance_m = std::numeric_limits<double>::infinity();
    LonLat point;
};

// Nearest point to `p` on the geodesic segment a-b: a scan of 200 samples brackets the minimum,
// then golden-section search narrows it to 1e-6 m along the segment.
inline Nearest nearest_on_segment(LonLat p, LonLat a, LonLat b) {
    const GeographicLib::GeodesicLine line = wgs84().InverseLine(a.lat, a.lon, b.lat, b.lon);
    const double length = line.Distance();
    const auto at = [&](double s) {
        LonLat q;
        line.Position(s, q.lat, q.lon);
        return q;
    };
    const auto f = [&](double s) { return distance_m(p, at(s)); };
    constexpr int samples = 200;
    int best = 0;
    double best_value = f(0);
    for (int i = 1; i <= samples; ++i) {
        const double v = f(length * i / samples);
        if (v < best_value) {
            best_value = v;
            best = i;
        }
    }
    double lo = length * std::max(0, best - 1) / samples, hi = length * std::min(samples, best + 1) / samples;
    const double ratio = (std::sqrt(5.0) - 1) / 2;
    double x1 = hi - ratio * (hi - lo), x2 = lo + ratio * (hi - lo);
    double f1 = f(x1), f2 = f(x2);
    while (hi - lo > 1e-6) {
        if (f1 < f2) {
            hi = x2, x2 = x1, f2 = f1, x1 = hi - ratio * (hi - lo), f1 = f(x1);
        } else {
            lo = x1, x1 = x2, f1 = f2, x2 = lo + ratio * (hi - lo), f2 = f(x2);
        }
    }
    Nearest out;
    const double s = (lo + hi) / 2;
    for (double candidate : {0.0, s, length}) {
        const double d = f(candidate);
        if (d < out.distance_m) out = {d, at(candidate)};
    }
    return out;
}

// Nearest point on a path of geodesic segments (a line, or a ring when closed).
inline Nearest nearest_on_path(LonLat p, const std::vector<LonLat>& path) {
    Nearest best;
    if (path.size() == 1) return {distance_m(p, path[0]), path[0]};
    for (std::size_t i = 1; i < path.size(); ++i) {
        const Nearest n = nearest_on_segment(p, path[i - 1], path[i]);
        if (n.distance_m < best.distance_m) best = n;
    }
    return best;
}

// The same answer as nearest_on_path, faster on long paths: each edge is scanned at 16 samples;
// distance along an edge changes by at most the distance moved, so an edge whose scanned minimum
// minus half its sample spacing exceeds the best scanned value cannot hold the nearest point.
inline Nearest nearest_on_path_pruned(LonLat p, const std::vector<LonLat>& path) {
    if (path.size() == 1) return {distance_m(p, path[0]), path[0]};
    constexpr int samples = 16;
    std::vector<double> lower(path.size(), 0);
    double best_scanned = std::numeric_limits<double>::infinity();
    for (std::size_t i = 1; i < path.size(); ++i) {
        const GeographicLib::GeodesicLine line = wgs84().InverseLine(path[i - 1].lat, path[i - 1].lon, path[i].lat, path[i].lon);
        double scanned = std::numeric_limits<double>::infinity();
        for (int k = 0; k <= samples; ++k) {
            LonLat q;
            line.Position(line.Distance() * k / samples, q.lat, q.lon);
            scanned = std::min(scanned, distance_m(p, q));
        }
        best_scanned = std::min(best_scanned, scanned);
        lower[i] = scanned - line.Distance() / samples / 2;
    }
    Nearest best;
    for (std::size_t i = 1; i < path.size(); ++i) {
        if (lower[i] > best_scanned) continue;
        const Nearest n = nearest_on_segment(p, path[i - 1], path[i]);
        if (n.distance_m < best.distance_m) best = n;
    }
    return best;
}

// The same answer as nearest_on_path, faster on long paths of short segments: a segment a-b
// cannot hold a point nearer to p than (|pa| + |pb| - |ab|) / 2 (triangle inequality), so
// segments are solved in order of that bound until the bound exceeds the best distance found.
inline Nearest nearest_on_path_bounded(LonLat p, const std::vector<LonLat>& path) {
    if (path.size() == 1) return {distance_m(p, path[0]), path[0]};
    std::vector<double> to_vertex(path.size());
    for (std::size_t i = 0; i < path.size(); ++i) to_vertex[i] = distance_m(p, path[i]);
    std::vector<std::pair<double, std::size_t>> order;
    for (std::size_t i = 1; i < path.size(); ++i)
        order.emplace_back((to_vertex[i - 1] + to_vertex[i] - distance_m(path[i - 1], path[i])) / 2, i);
    std::sort(order.begin(), order.end());
    Nearest best;
    for (const auto& [bound, i] : order) {
        if (bound > best.distance_m) break;
        const Nearest n = nearest_on_segment(p, path[i - 1], path[i]);
        if (n.distance_m < best.distance_m) best = n;
    }
    return best;
}

// Which side of a path p lies on, as seen walking along the path: the nearest point, and the
// angle from the path's direction there to the geodesic toward p, in (-180, 180]; negative is
// left, positive right. When the nearest point is a vertex between two segments, the direction
// there is the bisector of the incoming and outgoing azimuths.
struct NearestSide {
    Nearest nearest;
    double angle_deg = 0;
};

inline NearestSide side_of_path(LonLat p, const std::vector<LonLat>& path) {
    std::vector<std::pair<double, std::size_t>> order;  // segments by the lower bound of nearest_on_path_bounded
    for (std::size_t i = 1; i < path.size(); ++i)
        order.emplace_back((distance_m(p, path[i - 1]) + distance_m(p, path[i]) - distance_m(path[i - 1], path[i])) / 2, i);
    std::sort(order.begin(), order.end());
    NearestSide best;
    for (const auto& [bound, i] : order) {
        if (bound > best.nearest.distance_m) break;
        const Nearest n = nearest_on_segment(p, path[i - 1], path[i]);
        if (n.distance_m >= best.nearest.distance_m) continue;
        const LonLat a = path[i - 1], b = path[i];
        double s12 = 0, azi1 = 0, azi2 = 0, path_azimuth = 0;
        if (distance_m(n.point, b) > 1e-6) {
            wgs84().Inverse(n.point.lat, n.point.lon, b.lat, b.lon, s12, path_azimuth, azi2);
        } else {
            wgs84().Inverse(a.lat, a.lon, b.lat, b.lon, s12, azi1, path_azimuth);
        }
        // At the vertex shared with the next segment (or the previous one), bisect the turn.
        const auto bisect = [&](LonLat prev, LonLat vertex, LonLat next) {
            double in = 0, out = 0, unused = 0;
            wgs84().Inverse(prev.lat, prev.lon, vertex.lat, vertex.lon, s12, unused, in);
            wgs84().Inverse(vertex.lat, vertex.lon, next.lat, next.lon, s12, out, unused);
            return in + std::remainder(out - in, 360.0) / 2;
        };
        if (i + 1 < path.size() && distance_m(n.point, b) <= 1e-6) path_azimuth = bisect(a, b, path[i + 1]);
        if (i >= 2 && distance_m(n.point, a) <= 1e-6) path_azimuth = bisect(path[i - 2], a, b);
        double to_p = 0;
        wgs84().Inverse(n.point.lat, n.point.lon, p.lat, p.lon, s12, to_p, azi2);
        best.nearest = n;
        best.angle_deg = std::remainder(to_p - path_azimuth, 360.0);
    }
    return best;
}

}  // namespace dza::reference

// ---------------------------------------------------------------------------------------------
// Coverage references: areas of geodesic disks and lenses (GeographicLib PolygonArea over
// GeographicLib Direct points), and the area of polygons covered by disks by integration over
// rows of latitude, with each row's covered longitudes found exactly by bisection on
// GeographicLib Inverse (no GEOS, no PROJ).
#include <GeographicLib/PolygonArea.hpp>

namespace dza::reference {

inline LonLat direct(LonLat from, double azimuth_deg, double distance_m) {
    LonLat out;
    wgs84().Direct(from.lat, from.lon, azimuth_deg, distance_m, out.lat, out.lon);
    return out;
}

// Area of a polygon whose edges are geodesics, always >= 0.
inline double geodesic_polygon_area_m2(const std::vector<LonLat>& ring) {
    GeographicLib::PolygonArea polygon(wgs84());
    for (const LonLat& p : ring) polygon.AddPoint(p.lat, p.lon);
    double perimeter = 0, area = 0;
    polygon.Compute(false, true, perimeter, area);
    return std::fabs(area);
}

// Area of the geodesic disk: the geodesic polygon through n points of its circle (with
// n = 100,000 the chords' sagitta is below 0.1 mm for radii up to 1,000 km).
inline double circle_area_m2(LonLat centre, double radius_m, int n = 100000) {
    std::vector<LonLat> ring;
    ring.reserve(static_cast<std::size_t>(n));
    for (int k = 0; k < n; ++k) ring.push_back(direct(centre, 360.0 * k / n, radius_m));
    return geodesic_polygon_area_m2(ring);
}

// Area of the intersection of two geodesic disks (a lens): the polygon along the arc of each
// circle that lies inside the other disk, each arc sampled at n points; the arcs' ends (where the
// circles cross) are found by bisection on the azimuth to 1e-12 degrees.
inline double lens_area_m2(LonLat a, double ra, LonLat b, double rb, int n = 50000) {
    const auto arc_inside = [&](LonLat c, double rc, LonLat other, double r_other) {
        double s12 = 0, towards = 0, unused = 0;
        wgs84().Inverse(c.lat, c.lon, other.lat, other.lon, s12, towards, unused);
        const auto inside = [&](double azimuth) { return distance_m(direct(c, azimuth, rc), other) <= r_other; };
        // The arc inside the other disk is an interval of azimuths around `towards`.
        const auto edge = [&](double sign) {
            double in = 0, out = 180;
            while (out - in > 1e-12) {
                const double mid = (in + out) / 2;
                (inside(towards + sign * mid) ? in : out) = mid;
            }
            return towards + sign * in;
        };
        const double lo = edge(-1), hi = edge(+1);
        std::vector<LonLat> arc;
        for (int k = 0; k <= n; ++k) arc.push_back(direct(c, lo + (hi - lo) * k / n, rc));
        return arc;
    };
    std::vector<LonLat> ring = arc_inside(a, ra, b, rb);
    std::vector<LonLat> other = arc_inside(b, rb, a, ra);
    // Continue from the end of the first arc along the second.
    if (distance_m(other.front(), ring.back()) > distance_m(other.back(), ring.back())) std::reverse(other.begin(), other.end());
    ring.insert(ring.end(), other.begin() + 1, other.end() - 1);
    return geodesic_polygon_area_m2(ring);
}

struct Disk {
    LonLat centre;
    double radius_m = 0;
};

// A polygon as rings (outer and holes of every part; edges straight in lon/lat, as in GeoJSON),
// inside by the even-odd rule.
using Rings = std::vector<std::vector<LonLat>>;

struct RowCoverage {
    double area_m2 = 0;
    double covered_m2 = 0;    // within one disk or more
    double redundant_m2 = 0;  // within two disks or more
    std::vector<bool> reaches;  // per disk: it covers some of the polygon on some row
};

// Area of each polygon covered by the disks, by the midpoint rule over rows of latitude
// `row_deg` apart: on a row at latitude phi, a disk covers the longitudes within dlon of its
// centre where the geodesic distance equals its radius (bisection on GeographicLib Inverse, which
// grows with |dlon| along a parallel), the polygon the longitudes between its edge crossings.
// The ellipsoid's area element a^2 (1 - e^2) cos(phi) / (1 - e^2 sin^2(phi))^2 dphi dlon weighs
// each row. Rows are shared by all polygons, so each disk's interval is found once per row.
inline std::vector<RowCoverage> coverage_by_rows(const std::vector<Rings>& polygons, const std::vector<Disk>& disks, double row_deg) {
    const double a = wgs84().EquatorialRadius(), f = wgs84().Flattening(), e2 = f * (2 - f);
    const double rad = M_PI / 180;
    std::vector<RowCoverage> out(polygons.size());
    double lat0 = 90, lat1 = -90;
    std::vector<std::pair<double, double>> lat_range(polygons.size(), {90.0, -90.0});
    for (std::size_t i = 0; i < polygons.size(); ++i) {
        out[i].reaches.assign(disks.size(), false);
        for (const auto& ring : polygons[i])
            for (const LonLat& p : ring) {
                lat_range[i].first = std::min(lat_range[i].first, p.lat);
                lat_range[i].second = std::max(lat_range[i].second, p.lat);
            }
        lat0 = std::min(lat0, lat_range[i].first);
        lat1 = std::max(lat1, lat_range[i].second);
    }
    std::vector<std::pair<double, double>> disk_lat(disks.size());
    for (std::size_t d = 0; d < disks.size(); ++d)
        disk_lat[d] = {direct(disks[d].centre, 180, disks[d].radius_m).lat, direct(disks[d].centre, 0, disks[d].radius_m).lat};
    const auto rows = static_cast<long>(std::ceil((lat1 - lat0) / row_deg));
    for (long k = 0; k < rows; ++k) {
        const double phi = lat0 + (static_cast<double>(k) + 0.5) * row_deg;
        const double s = std::sin(phi * rad);
        const double weight = a * a * (1 - e2) * std::cos(phi * rad) / ((1 - e2 * s * s) * (1 - e2 * s * s)) * (row_deg * rad) * rad;  // per degree of lon
        // Each disk's longitudes on this row.
        std::vector<std::pair<double, double>> spans(disks.size(), {0.0, -1.0});
        for (std::size_t d = 0; d < disks.size(); ++d) {
            if (phi <= disk_lat[d].first || phi >= disk_lat[d].second) continue;
            const Disk& disk = disks[d];
            const auto far = [&](double dlon) { return distance_m({disk.centre.lon + dlon, phi}, disk.centre) > disk.radius_m; };
            double in = 0, out_deg = 2 * disk.radius_m / (6.3e6 * std::cos(phi * rad)) / rad + 0.01;
            while (!far(out_deg)) out_deg *= 2;
            for (int it = 0; it < 48; ++it) {
                const double mid = (in + out_deg) / 2;
                (far(mid) ? out_deg : in) = mid;
            }
            spans[d] = {disk.centre.lon - in, disk.centre.lon + in};
        }
        for (std::size_t i = 0; i < polygons.size(); ++i) {
            if (phi <= lat_range[i].first || phi >= lat_range[i].second) continue;
            std::vector<double> crossings;
            for (const auto& ring : polygons[i])
                for (std::size_t v = 1; v < ring.size(); ++v) {
                    const LonLat p = ring[v - 1], q = ring[v];
                    if ((p.lat <= phi && phi < q.lat) || (q.lat <= phi && phi < p.lat))
                        crossings.push_back(p.lon + (phi - p.lat) * (q.lon - p.lon) / (q.lat - p.lat));
                }
            std::sort(crossings.begin(), crossings.end());
            std::vector<double> breaks = crossings;
            for (const auto& [lo, hi] : spans)
                if (hi > lo) breaks.insert(breaks.end(), {lo, hi});
            std::sort(breaks.begin(), breaks.end());
            for (std::size_t b = 1; b < breaks.size(); ++b) {
                const double x0 = breaks[b - 1], x1 = breaks[b], mid = (x0 + x1) / 2;
                if (x1 <= x0) continue;
                const auto below = std::lower_bound(crossings.begin(), crossings.end(), mid) - crossings.begin();
                if (below % 2 == 0) continue;  // outside the polygon
                out[i].area_m2 += (x1 - x0) * weight;
                int count = 0;
                for (std::size_t d = 0; d < disks.size(); ++d)
                    if (spans[d].first < mid && mid < spans[d].second) {
                        ++count;
                        out[i].reaches[d] = true;
                    }
                if (count >= 1) out[i].covered_m2 += (x1 - x0) * weight;
                if (count >= 2) out[i].redundant_m2 += (x1 - x0) * weight;
            }
        }
    }
    return out;
}

// Coverage of a path of geodesic segments by disks: each segment is walked in steps of `step_m`,
// and where being covered changes between steps the crossing is found by bisection to 1 mm.
struct PathCoverage {
    double length_m = 0;
    double covered_m = 0;
    std::vector<std::pair<double, double>> gaps;  // [from, to] along the path, metres
};

inline PathCoverage path_coverage(const std::vector<LonLat>& path, const std::vector<Disk>& disks, double step_m = 100.0) {
    PathCoverage out;
    const auto covered = [&](LonLat p) {
        return std::any_of(disks.begin(), disks.end(), [&](const Disk& d) { return distance_m(p, d.centre) <= d.radius_m; });
    };
    std::vector<std::pair<double, bool>> changes;  // position along the path where the state changes, and the new state
    bool state = covered(path.front());
    changes.emplace_back(0.0, state);
    for (std::size_t i = 1; i < path.size(); ++i) {
        const GeographicLib::GeodesicLine line = wgs84().InverseLine(path[i - 1].lat, path[i - 1].lon, path[i].lat, path[i].lon);
        const double length = line.Distance();
        const auto at = [&](double s) {
            LonLat q;
            line.Position(s, q.lat, q.lon);
            return q;
        };
        const int steps = std::max(1, static_cast<int>(std::ceil(length / step_m)));
        double prev = 0;
        for (int k = 1; k <= steps; ++k) {
            const double s = length * k / steps;
            const bool now = covered(at(s));
            if (now != state) {
                double lo = prev, hi = s;
                while (hi - lo > 1e-3) {
                    const double mid = (lo + hi) / 2;
                    (covered(at(mid)) == state ? lo : hi) = mid;
                }
                state = now;
                changes.emplace_back(out.length_m + (lo + hi) / 2, state);
            }
            prev = s;
        }
        out.length_m += length;
    }
    changes.emplace_back(out.length_m, !state);
    for (std::size_t c = 1; c < changes.size(); ++c) {
        const double from = changes[c - 1].first, to = changes[c].first;
        if (changes[c - 1].second) out.covered_m += to - from;
        else if (to > from) out.gaps.emplace_back(from, to);
    }
    return out;
}

}  // namespace dza::reference
