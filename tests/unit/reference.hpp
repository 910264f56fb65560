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
