// The coverage of a line: lengths covered, and the gaps in order along it.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "coverage/steps.hpp"
#include "dza/distance.hpp"
#include "dza/error.hpp"
#include "geos/geos.hpp"

namespace dza::coverage {

namespace {

using geos::clone;
using geos::difference;
using geos::intersection;
using geos::is_empty;
using geos::own;

// Points of a line part, densified along its geodesics.
std::vector<LonLat> densified(const std::vector<LonLat>& pts) {
    std::vector<LonLat> out;
    for (std::size_t i = 0; i < pts.size(); ++i) {
        if (i == 0) {
            out.push_back(pts[0]);
            continue;
        }
        if (pts[i].lon == pts[i - 1].lon && pts[i].lat == pts[i - 1].lat) continue;
        const std::vector<LonLat> path = geodesic_path(pts[i - 1], pts[i], line_spacing_m);
        out.insert(out.end(), path.begin() + 1, path.end());
    }
    return out;
}

template <typename Fn>
void for_each_line(const GEOSGeometry* g, Fn&& fn) {
    GEOSContextHandle_t h = geos::ctx();
    const int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_MULTILINESTRING || type == GEOS_GEOMETRYCOLLECTION) {
        for (int i = 0; i < GEOSGetNumGeometries_r(h, g); ++i) for_each_line(GEOSGetGeometryN_r(h, g, i), fn);
    } else if ((type == GEOS_LINESTRING || type == GEOS_LINEARRING) && GEOSisEmpty_r(h, g) != 1) {
        fn(g);
    }
}

}  // namespace

std::vector<std::vector<LonLat>> line_paths(const Layer& line) {
    std::vector<std::vector<LonLat>> out;
    for (const Feature& f : line.features) {
        if (f.geometry.is_empty() || f.geometry.dimension() != 1) continue;
        for_each_line(f.geometry.get(), [&](const GEOSGeometry* part) {
            std::vector<LonLat> dense = densified(geos::coords_of(part));
            if (dense.size() >= 2) out.push_back(std::move(dense));
        });
    }
    return out;
}

LineCoverage measure_line(const Layer& line, const Geometry& coverage) {
    GEOSContextHandle_t h = geos::ctx();
    LineCoverage out;
    out.layer = line.name;
    double covered_m = 0, length_total_m = 0;
    bool any = false;
    for (std::size_t fi = 0; fi < line.features.size(); ++fi) {
        const Feature& f = line.features[fi];
        if (f.geometry.is_empty() || f.geometry.dimension() != 1) continue;
        any = true;
        double offset_m = 0;  // along the feature, over its parts in order
        for_each_line(f.geometry.get(), [&](const GEOSGeometry* part) {
            const std::vector<LonLat> dense = densified(geos::coords_of(part));
            if (dense.size() < 2) return;
            // Cumulative geodesic and planar (lon/lat) lengths at each vertex.
            std::vector<double> along_m(dense.size(), 0), along_deg(dense.size(), 0);
            for (std::size_t i = 1; i < dense.size(); ++i) {
                along_m[i] = along_m[i - 1] + geodesic_inverse(dense[i - 1], dense[i]).distance_m;
                along_deg[i] = along_deg[i - 1] + std::hypot(dense[i].lon - dense[i - 1].lon, dense[i].lat - dense[i - 1].lat);
            }
            const Geometry path = Geometry::line(dense);
            length_total_m += along_m.back();
            covered_m += length_m(intersection(path.get(), coverage.get(), "intersecting with the coverage"));
            const Geometry rest = difference(path.get(), coverage.get(), "subtracting the coverage");
            if (!is_empty(rest.get())) {
                const Geometry merged = own(GEOSLineMergeDirected_r(h, rest.get()), "merging the gaps");
                std::vector<LineGap> gaps;
                for_each_line(merged.get(), [&](const GEOSGeometry* piece) {
                    const std::vector<LonLat> pts = geos::coords_of(piece);
                    const auto position_m = [&](LonLat p) {
                        const Geometry point = Geometry::point(p);
                        const double d = GEOSProject_r(h, path.get(), point.get());
                        std::size_t i = static_cast<std::size_t>(std::upper_bound(along_deg.begin(), along_deg.end(), d) - along_deg.begin());
                        i = std::clamp<std::size_t>(i, 1, dense.size() - 1) - 1;
                        return along_m[i] + geodesic_inverse(dense[i], p).distance_m;
                    };
                    LineGap gap;
                    gap.feature = fi;
                    gap.name = line.label(f);
                    gap.start = pts.front();
                    gap.end = pts.back();
                    gap.geometry = clone(piece);
                    gap.length_km = length_m(gap.geometry) / 1000.0;
                    gap.from_km = (offset_m + position_m(gap.start)) / 1000.0;
                    gap.to_km = gap.from_km + gap.length_km;
                    gaps.push_back(std::move(gap));
                });
                std::sort(gaps.begin(), gaps.end(), [](const LineGap& a, const LineGap& b) { return a.from_km < b.from_km; });
                for (auto& g : gaps) out.gaps.push_back(std::move(g));
            }
            offset_m += along_m.back();
        });
    }
    if (!any) throw DataError(fmt::format("{}: no feature is a line", line.where_text()));
    out.length_km = length_total_m / 1000.0;
    out.covered_km = std::min(out.length_km, covered_m / 1000.0);
    out.covered_pct = out.length_km > 0 ? 100.0 * out.covered_km / out.length_km : 0.0;
    return out;
}

}  // namespace dza::coverage
