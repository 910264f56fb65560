#include "dza/coverage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>

#include "dza/buffer.hpp"
#include "dza/distance.hpp"
#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/territory.hpp"
#include "geos/geos.hpp"
#include "parallel.hpp"

namespace dza {

namespace {


constexpr double degree = M_PI / 180.0;
// Smaller than any radius of curvature on WGS84 (the meridional radius at the equator is 6,335 km).
constexpr double min_curvature_radius_m = 6.3e6;
// Lines are densified along their geodesics at this spacing before the overlay.
constexpr double line_spacing_m = 1000.0;
// Parts of the redundancy smaller than this are overlay debris (where two computations of the
// same crossing of circle edges differ in the last bits), not area covered twice.
constexpr double debris_area_m2 = 1.0;

using geos::clone;
using geos::difference;
using geos::extent_of;
using geos::intersection;
using geos::is_empty;
using geos::own;
using geos::polygonal;

double area_m2(const Geometry& g) { return g.is_empty() ? 0.0 : geodesic_area_m2(g); }
double length_m(const Geometry& g) { return g.is_empty() ? 0.0 : geodesic_length_m(g); }

bool overlap(const Extent& a, const Extent& b) {
    return !a.empty && !b.empty && a.min_lon <= b.max_lon && b.min_lon <= a.max_lon && a.min_lat <= b.max_lat && b.min_lat <= a.max_lat;
}

bool contains(const Extent& outer, const Extent& inner) {
    return !outer.empty && !inner.empty && outer.min_lon <= inner.min_lon && outer.max_lon >= inner.max_lon && outer.min_lat <= inner.min_lat &&
           outer.max_lat >= inner.max_lat;
}

void check_cancel(const Callbacks& callbacks, double fraction, std::string_view message) {
    if (!callbacks.report(fraction, message)) throw DataError("coverage cancelled");
}

// ---------------------------------------------------------------------------------------------
// Reaches

// A feature's reach from a field: a number of km, or a text holding one.
double field_km_m(const Layer& layer, const Feature& feature, std::size_t field) {
    return field_km_as_m(layer, feature, field, "a reach in km", buffer_max_distance_m, "dza reaches");
}

void check_radius(double m, const std::string& what) {
    if (!std::isfinite(m) || m < 0) throw UsageError(fmt::format("{} {:g} km is not a reach of 0 or more", what, m / 1000));
    if (m > buffer_max_distance_m) throw UsageError(fmt::format("{} {:g} km is more than the {:g} km dza reaches", what, m / 1000, buffer_max_distance_m / 1000));
}

struct Reach {
    std::size_t feature = 0;
    double radius_m = 0;
    bool is_circle = false;  // a point's circle built here (centre and radius describe it exactly)
    LonLat centre;
    double max_error_m = 0;
    Geometry geometry;  // Polygon or MultiPolygon; may be empty
    Extent extent;
    bool in_union = true;  // false when another circle contains it
    bool empty = true;     // no area (a point or line with reach 0)
};

// Vertices of a geodesic circle so that every straight lon/lat edge stays within `max_error_m`
// of the exact circle: the chord's sagitta r(1 - cos(pi/n)) plus how far a straight lon/lat
// segment strays from the geodesic between its ends (at most L^2 tan(lat) / 8R, along a
// parallel), with 5% to spare for the ellipsoid's uneven azimuth spacing.
int circle_vertex_count(double radius_m, double max_error_m, double max_abs_lat_deg) {
    const double budget = 0.95 * max_error_m;
    const double tan_lat = std::tan(std::min(max_abs_lat_deg, 89.0) * degree);
    const auto error = [&](int n) {
        const double half = M_PI / n;
        const double chord = 2 * radius_m * std::sin(half);
        return radius_m * (1 - std::cos(half)) + chord * chord * tan_lat / (8 * min_curvature_radius_m);
    };
    int n = 16;
    while (error(n) > budget && n < 1 << 20) n = n + std::max(1, n / 16);
    return n;
}

// The geodesic circle around `centre`, counter-clockwise; null when it crosses the antimeridian
// or comes near a pole (geodesic_buffer handles those).
Geometry circle(LonLat centre, double radius_m, double max_error_m) {
    const LonLat north = geodesic_direct(centre, 0, radius_m), south = geodesic_direct(centre, 180, radius_m);
    if (std::fabs(centre.lat) + radius_m / 100000.0 > 85.0 || north.lat > 85.0 || south.lat < -85.0) return {};
    const double max_abs_lat = std::max(std::fabs(north.lat), std::fabs(south.lat));
    // An even count: the circle is symmetric about the centre's meridian, so the eastern half
    // mirrors the western one computed here.
    int n = circle_vertex_count(radius_m, max_error_m, std::max(max_abs_lat, std::fabs(centre.lat)));
    n += n % 2;
    std::vector<LonLat> ring(static_cast<std::size_t>(n) + 1);
    for (int k = 0; k <= n / 2; ++k) {
        // Azimuths decrease so the ring runs counter-clockwise in lon/lat.
        LonLat p = geodesic_direct(centre, -360.0 * k / n, radius_m);
        p.lon = centre.lon + std::remainder(p.lon - centre.lon, 360.0);
        if (p.lon < -180.0 || p.lon > 180.0 || 2 * centre.lon - p.lon > 180.0) return {};
        ring[static_cast<std::size_t>(k)] = p;
        if (k > 0 && k < n / 2) ring[static_cast<std::size_t>(n - k)] = {2 * centre.lon - p.lon, p.lat};
    }
    ring[static_cast<std::size_t>(n)] = ring[0];
    return Geometry::polygon(ring);
}

bool single_point(const Geometry& g, LonLat& p) {
    GEOSContextHandle_t h = geos::ctx();
    const GEOSGeometry* part = g.get();
    if (GEOSGeomTypeId_r(h, part) == GEOS_MULTIPOINT && GEOSGetNumGeometries_r(h, part) == 1) part = GEOSGetGeometryN_r(h, part, 0);
    if (GEOSGeomTypeId_r(h, part) != GEOS_POINT || GEOSisEmpty_r(h, part) == 1) return false;
    GEOSGeomGetX_r(h, part, &p.lon);
    GEOSGeomGetY_r(h, part, &p.lat);
    return true;
}

// ---------------------------------------------------------------------------------------------
// An index of envelopes on a regular lon/lat grid.

class EnvelopeGrid {
public:
    // A grid over `bounds` with cells `cell_deg` wide; `extents` (indexed by the numbers
    // inserted) must outlive it.
    EnvelopeGrid(const std::vector<Extent>& extents, const Extent& bounds, double cell_deg) : extents_(extents), bounds_(bounds), cell_(cell_deg) {
        if (bounds_.empty) return;
        nx_ = static_cast<std::size_t>(std::ceil((bounds_.max_lon - bounds_.min_lon) / cell_)) + 1;
        ny_ = static_cast<std::size_t>(std::ceil((bounds_.max_lat - bounds_.min_lat) / cell_)) + 1;
        cells_.resize(nx_ * ny_);
    }

    void insert(std::size_t i) {
        if (extents_[i].empty || bounds_.empty) return;
        const Range r = range(extents_[i]);
        for (std::size_t y = r.y0; y <= r.y1; ++y)
            for (std::size_t x = r.x0; x <= r.x1; ++x) cells_[y * nx_ + x].push_back({i, r.x0, r.y0});
    }

    // Indices of the envelopes that overlap `e`, each once, in a deterministic order. An
    // envelope is reported only from the cell holding the lower-left corner of its overlap with
    // `e`, so no sorting is needed to drop duplicates.
    std::vector<std::size_t> query(const Extent& e) const {
        std::vector<std::size_t> out;
        if (bounds_.empty || !overlap(bounds_, e)) return out;
        const Range q = range(e);
        for (std::size_t y = q.y0; y <= q.y1; ++y)
            for (std::size_t x = q.x0; x <= q.x1; ++x)
                for (const Entry& entry : cells_[y * nx_ + x])
                    if (std::max(entry.x0, q.x0) == x && std::max(entry.y0, q.y0) == y && overlap(extents_[entry.index], e)) out.push_back(entry.index);
        return out;
    }

private:
    struct Entry {
        std::size_t index, x0, y0;  // the envelope and its lower-left cell
    };
    struct Range {
        std::size_t x0, x1, y0, y1;
    };
    Range range(const Extent& e) const {
        const auto cell = [&](double v, double origin, std::size_t n) {
            return static_cast<std::size_t>(std::clamp(std::floor((v - origin) / cell_), 0.0, static_cast<double>(n - 1)));
        };
        return {cell(e.min_lon, bounds_.min_lon, nx_), cell(e.max_lon, bounds_.min_lon, nx_), cell(e.min_lat, bounds_.min_lat, ny_),
                cell(e.max_lat, bounds_.min_lat, ny_)};
    }

    const std::vector<Extent>& extents_;
    Extent bounds_;
    double cell_;
    std::size_t nx_ = 0, ny_ = 0;
    std::vector<std::vector<Entry>> cells_;
};

// A quick distance for ordering and pruning (equirectangular at the mean latitude, metres):
// within 2% of the geodesic distance below 600 km and 75 degrees of latitude.
double rough_distance_m(LonLat a, LonLat b) {
    const double x = (b.lon - a.lon) * std::cos(0.5 * (a.lat + b.lat) * degree), y = b.lat - a.lat;
    return std::sqrt(x * x + y * y) * 111195.0;
}

// Whether two circles are certainly apart by their rough distance (kept to where it is good to 2%).
bool clearly_apart(const Reach& a, const Reach& b, double rough_m) {
    return a.is_circle && b.is_circle && a.radius_m + b.radius_m < 500000.0 && std::fabs(a.centre.lat) < 75.0 && std::fabs(b.centre.lat) < 75.0 &&
           rough_m > 1.1 * (a.radius_m + b.radius_m) + 10000.0;
}

LonLat centre_of(const Extent& e) { return {0.5 * (e.min_lon + e.max_lon), 0.5 * (e.min_lat + e.max_lat)}; }

// The reaches `members` in up to 8 blocks of neighbours, for uniting block by block: each block
// is halved at the median of its envelopes' centres across its longer side, three times over;
// blocks stay whole below 256 reaches.
std::vector<std::vector<std::size_t>> neighbour_blocks(const std::vector<Reach>& reaches, std::vector<std::size_t> members) {
    constexpr std::size_t min_block = 256;
    std::vector<std::vector<std::size_t>> blocks{std::move(members)};
    for (int level = 0; level < 3; ++level) {
        std::vector<std::vector<std::size_t>> next;
        for (auto& block : blocks) {
            if (block.size() < 2 * min_block) {
                next.push_back(std::move(block));
                continue;
            }
            Extent e;
            for (std::size_t i : block) e.expand(reaches[i].extent);
            const bool by_lon = (e.max_lon - e.min_lon) * std::cos(0.5 * (e.min_lat + e.max_lat) * degree) >= e.max_lat - e.min_lat;
            const auto key = [&](std::size_t i) {
                const LonLat c = centre_of(reaches[i].extent);
                return std::make_pair(by_lon ? c.lon : c.lat, i);
            };
            const auto middle = block.begin() + static_cast<std::ptrdiff_t>(block.size() / 2);
            std::nth_element(block.begin(), middle, block.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
            next.emplace_back(block.begin(), middle);
            next.emplace_back(middle, block.end());
        }
        blocks = std::move(next);
    }
    for (auto& block : blocks) std::sort(block.begin(), block.end());  // each in the layer's order
    return blocks;
}

// ---------------------------------------------------------------------------------------------
// Figures



// Whether `reach` overlaps the interior of the prepared polygon `area` (not only its boundary).
// For a circle whose centre lies outside, the geodesic distance from the centre to the area
// decides, unless it is within the circle's chord error of the radius.
bool reaches_into(const GEOSPreparedGeometry* area, const Geometry& area_geometry, const std::function<const DistanceIndex&()>& distance,
                  const Reach& reach) {
    GEOSContextHandle_t h = geos::ctx();
    if (reach.empty) return false;
    const auto inside = [&](LonLat p) {
        const Geometry point = geos::point(p);
        return GEOSPreparedContainsProperly_r(h, area, point.get()) == 1;
    };
    if (reach.is_circle) {
        if (inside(reach.centre)) return true;
        const auto nearest = distance().nearest(reach.centre);
        if (!nearest || nearest->nearest.distance_m >= reach.radius_m) return false;
        if (nearest->nearest.distance_m < reach.radius_m - 2 * reach.max_error_m) return true;
    }
    if (GEOSPreparedIntersects_r(h, area, reach.geometry.get()) != 1) return false;
    // Usually some vertex of the reach lies inside; otherwise ask for the full relation.
    bool found = false;
    const auto visit = [&](const auto& self, const GEOSGeometry* g) -> void {
        const int type = GEOSGeomTypeId_r(h, g);
        if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
            for (int i = 0; i < GEOSGetNumGeometries_r(h, g) && !found; ++i) self(self, GEOSGetGeometryN_r(h, g, i));
        } else if (type == GEOS_POLYGON && GEOSisEmpty_r(h, g) != 1) {
            for (const LonLat& p : geos::coords_of(GEOSGetExteriorRing_r(h, g)))
                if (inside(p)) {
                    found = true;
                    return;
                }
        }
    };
    visit(visit, reach.geometry.get());
    if (found) return true;
    return GEOSRelatePattern_r(h, area_geometry.get(), reach.geometry.get(), "T********") == 1;
}

// Where an area lies toward the coverage (or the redundancy), when a prepared geometry can tell
// without an overlay: apart from it, wholly inside its interior, or neither (the overlay
// decides; so it does where boundaries touch, which "contains properly" never looks into).
enum class Relation { Outside, Inside, Across };

Relation relation(const GEOSPreparedGeometry* prepared, const Extent& extent, const Geometry& area) {
    if (!overlap(extent, area.extent()) || GEOSPreparedIntersects_r(geos::ctx(), prepared, area.get()) != 1) return Relation::Outside;
    return GEOSPreparedContainsProperly_r(geos::ctx(), prepared, area.get()) == 1 ? Relation::Inside : Relation::Across;
}

struct Overlay {
    const std::vector<Reach>& reaches;
    const EnvelopeGrid& grid;
    const Geometry& coverage;
    const Geometry& redundancy;

    // The area's figures; an area known to lie wholly inside or outside the coverage (or the
    // redundancy) is measured without overlaying it.
    AreaCoverage measure(const Geometry& area, Relation to_coverage = Relation::Across, Relation to_redundancy = Relation::Across) const {
        AreaCoverage a;
        a.area_km2 = area_m2(area) / 1e6;
        Geometry covered;  // null when it is the whole area
        if (to_coverage == Relation::Outside) {
            a.covered_km2 = 0;
        } else if (to_coverage == Relation::Inside) {
            a.covered_km2 = a.area_km2;
        } else {
            covered = intersection(area.get(), coverage.get(), "intersecting with the coverage");
            a.covered_km2 = std::min(a.area_km2, area_m2(covered) / 1e6);
        }
        if (to_coverage == Relation::Outside || to_redundancy == Relation::Outside) {
            a.redundant_km2 = 0;
        } else if (to_coverage == Relation::Inside && to_redundancy == Relation::Inside) {
            a.redundant_km2 = a.covered_km2;
        } else {
            a.redundant_km2 = std::min(a.covered_km2, redundant_km2(covered ? covered : area));
        }
        a.covered_pct = a.area_km2 > 0 ? 100.0 * a.covered_km2 / a.area_km2 : 0.0;
        a.deployments = deployments(area);
        return a;
    }

    // The part of the area (or of its covered part) within two or more reaches, km².
    double redundant_km2(const Geometry& area) const { return area_m2(intersection(area.get(), redundancy.get(), "intersecting with the coverage")) / 1e6; }

    // The number of reaches that overlap the area's interior.
    std::size_t deployments(const Geometry& area) const {
        const geos::PreparedPtr prepared(geos::check(GEOSPrepare_r(geos::ctx(), area.get()), "preparing an area"));
        std::optional<DistanceIndex> distance;  // built when a circle's centre lies outside
        const std::function<const DistanceIndex&()> distance_index = [&]() -> const DistanceIndex& {
            if (!distance) distance.emplace(std::vector<const Geometry*>{&area});
            return *distance;
        };
        std::size_t n = 0;
        for (std::size_t i : grid.query(area.extent()))
            if (reaches_into(prepared.get(), area, distance_index, reaches[i])) ++n;
        return n;
    }
};

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

// Coverage of one line layer: lengths, and the uncovered stretches in order along each feature.
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
                        const Geometry point = geos::point(p);
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

}  // namespace

// ---------------------------------------------------------------------------------------------

std::vector<double> deployment_reaches_m(const Layer& deployments, const CoverageOptions& options) {
    if (options.radius_m) check_radius(*options.radius_m, "radius");
    for (const auto& [role, m] : options.radius_by_role_m) check_radius(m, fmt::format("radius for role \"{}\"", role));
    if (!options.radius_m && options.radius_field.empty() && options.radius_by_role_m.empty())
        throw UsageError("no reach given: give a radius, a radius field or radiuses by role");
    std::optional<std::size_t> field, role;
    if (!options.radius_field.empty()) field = deployments.require_field(options.radius_field);
    if (!options.radius_by_role_m.empty()) {
        if (!field && !options.radius_m) role = deployments.require_field(options.role_field);
        else role = deployments.field_index(options.role_field);
    }
    std::vector<double> out(deployments.features.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < deployments.features.size(); ++i) {
        const Feature& f = deployments.features[i];
        if (f.geometry.is_empty()) continue;
        if (role) {
            const auto& v = f.values[*role];
            if (v.is_string()) {
                const auto it = options.radius_by_role_m.find(v.get<std::string>());
                if (it != options.radius_by_role_m.end()) {
                    out[i] = it->second;
                    continue;
                }
            }
            if (!field && !options.radius_m) {
                std::string roles;
                for (const auto& kv : options.radius_by_role_m) roles += (roles.empty() ? "\"" : ", \"") + kv.first + "\"";
                throw DataError(fmt::format("{}: {}: field {} is {}, which has no reach (roles with a reach: {}); give a radius or a radius field as well",
                                            deployments.where_text(), deployments.describe(f), options.role_field,
                                            v.is_null() ? std::string("empty") : v.dump(), roles));
            }
        }
        if (field && (!f.values[*field].is_null() || !options.radius_m)) {
            out[i] = field_km_m(deployments, f, *field);
            continue;
        }
        out[i] = *options.radius_m;
    }
    return out;
}

CoverageResult compute_coverage(const Layer& deployments, const Layer& regions, const Layer* line, const std::vector<const Layer*>& targets,
                                const CoverageOptions& options) {
    if (!std::isfinite(options.tolerance_m) || options.tolerance_m < buffer_min_tolerance_m)
        throw UsageError(fmt::format("coverage tolerance {} m is too small; give at least {} m", options.tolerance_m, buffer_min_tolerance_m));
    // Rows per region are named: two regions of one name would give two rows no one can tell apart.
    if (const auto names = regions.label_field()) require_unique_names(regions, *names, "region");
    const Callbacks& cb = options.callbacks;
    CoverageResult result;
    result.deployments_layer = deployments.name;
    result.radius_m = deployment_reaches_m(deployments, options);

    // Regions and targets: polygonal features only.
    const auto polygons_of = [&](const Layer& layer, const char* what) {
        std::vector<std::size_t> idx;
        for (std::size_t i = 0; i < layer.features.size(); ++i) {
            const Feature& f = layer.features[i];
            if (f.geometry.is_empty()) {
                cb.warning(fmt::format("{}: {}: has no geometry; left out", layer.where_text(), layer.describe(f)));
            } else if (f.geometry.dimension() != 2) {
                cb.warning(fmt::format("{}: {}: is a {}, not an area; left out of the {}", layer.where_text(), layer.describe(f), f.geometry.type_name(), what));
            } else {
                idx.push_back(i);
            }
        }
        if (idx.empty()) throw DataError(fmt::format("{}: no feature is a polygon; {} must be areas", layer.where_text(), what));
        return idx;
    };
    const std::vector<std::size_t> region_idx = polygons_of(regions, "regions");
    std::vector<std::vector<std::size_t>> target_idx;
    for (const Layer* t : targets) target_idx.push_back(polygons_of(*t, "targets"));

    // 1. Reaches, built in parallel.
    std::vector<Reach> reaches;
    for (std::size_t i = 0; i < deployments.features.size(); ++i) {
        if (std::isnan(result.radius_m[i])) {
            cb.warning(fmt::format("{}: {}: has no geometry; left out", deployments.where_text(), deployments.describe(deployments.features[i])));
            continue;
        }
        Reach r;
        r.feature = i;
        r.radius_m = result.radius_m[i];
        r.max_error_m = r.radius_m > 0 ? buffer_max_error_m(r.radius_m, options.tolerance_m) : 0.0;
        r.is_circle = single_point(deployments.features[i].geometry, r.centre);
        reaches.push_back(std::move(r));
    }
    result.reaches = reaches.size();
    check_cancel(cb, 0.0, "coverage: reaches");
    parallel_for(
        reaches.size(),
        [&](std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k) {
                Reach& r = reaches[k];
                const Feature& f = deployments.features[r.feature];
                with_feature_context(deployments, f, [&] {
                    if (r.is_circle && r.radius_m > 0) r.geometry = circle(r.centre, r.radius_m, r.max_error_m);
                    if (!r.geometry) {
                        r.is_circle = false;
                        BufferOptions b;
                        b.distance_m = r.radius_m;
                        b.tolerance_m = options.tolerance_m;
                        BufferResult buffered = geodesic_buffer(f.geometry, b);
                        r.max_error_m = buffered.max_error_m;
                        r.geometry = std::move(buffered.geometry);
                    }
                });
            }
        },
        {}, {}, 16);
    std::vector<Extent> extents;
    for (Reach& r : reaches) {
        result.max_error_m = std::max(result.max_error_m, r.max_error_m);
        r.extent = extent_of(r.geometry.get());
        r.empty = is_empty(r.geometry.get());
        if (!r.empty) geos::share_between_threads(r.geometry.get());
        extents.push_back(r.extent);
    }
    // Grid cells about the size of a typical reach.
    std::vector<double> spans;
    for (const Extent& e : extents)
        if (!e.empty) spans.push_back(std::max(e.max_lon - e.min_lon, e.max_lat - e.min_lat));
    double cell = 1.0;
    if (!spans.empty()) {
        std::nth_element(spans.begin(), spans.begin() + static_cast<std::ptrdiff_t>(spans.size() / 2), spans.end());
        cell = std::clamp(spans[spans.size() / 2] / 2, 0.01, 30.0);
    }
    Extent bounds;
    for (const Extent& e : extents) bounds.expand(e);
    EnvelopeGrid grid(extents, bounds, cell);  // every reach
    for (std::size_t i = 0; i < reaches.size(); ++i) grid.insert(i);
    check_cancel(cb, 0.2, "coverage: union");

    // 2. Circles inside another circle add nothing to the union. Largest first, so a container
    // is always one that stays in the union; those are indexed on their own as they are found.
    EnvelopeGrid kept(extents, bounds, cell);
    std::vector<std::vector<std::size_t>> inside_of(reaches.size());  // circles found inside each reach
    std::vector<std::size_t> by_size(reaches.size());
    std::iota(by_size.begin(), by_size.end(), 0);
    std::stable_sort(by_size.begin(), by_size.end(), [&](std::size_t a, std::size_t b) { return reaches[a].radius_m > reaches[b].radius_m; });
    for (std::size_t i : by_size) {
        Reach& r = reaches[i];
        if (r.empty) {
            r.in_union = false;
            continue;
        }
        if (r.is_circle) {
            const Extent at_centre{r.centre.lon, r.centre.lat, r.centre.lon, r.centre.lat, false};
            for (std::size_t j : kept.query(at_centre)) {
                const Reach& big = reaches[j];
                if (!big.is_circle || big.radius_m <= r.radius_m || !contains(big.extent, r.extent)) continue;
                const double margin = 2 * big.max_error_m + r.max_error_m + 1e-3;
                if (rough_distance_m(r.centre, big.centre) > 1.1 * (big.radius_m - r.radius_m) + 10000.0) continue;  // only saves time
                if (geodesic_inverse(r.centre, big.centre).distance_m + r.radius_m + margin <= big.radius_m) {
                    r.in_union = false;
                    inside_of[j].push_back(i);
                    ++result.contained;
                    break;
                }
            }
        }
        if (r.in_union) kept.insert(i);
    }

    // 3. The union: the reaches in blocks of neighbours, each block united on its own and in
    // parallel, then the blocks' unions united. The blocks depend on the reaches only, never on
    // the number of threads, so neither does the result.
    {
        std::vector<std::size_t> members;
        for (std::size_t i = 0; i < reaches.size(); ++i)
            if (reaches[i].in_union) members.push_back(i);
        const std::vector<std::vector<std::size_t>> blocks = neighbour_blocks(reaches, members);
        std::vector<Geometry> block_unions(blocks.size());
        parallel_for(
            blocks.size(),
            [&](std::size_t begin, std::size_t end) {
                for (std::size_t b = begin; b < end; ++b) {
                    std::vector<Geometry> parts;
                    for (std::size_t i : blocks[b]) parts.push_back(clone(reaches[i].geometry.get()));
                    block_unions[b] = geos::unite(std::move(parts), "uniting reaches");
                }
            },
            {}, {}, 1);
        result.coverage = polygonal(block_unions.size() == 1 ? std::move(block_unions.front()) : geos::unite(std::move(block_unions), "uniting reaches"));
    }
    check_cancel(cb, 0.45, "coverage: redundancy");

    // 4. What each reach alone covers: the reach minus every other reach it meets, deepest
    // first, until nothing is left. These pieces are disjoint; their union is the area covered
    // exactly once. Of the circles left out of the union, only those found inside this reach
    // need subtracting: any other lies inside another reach of the union, subtracted anyway.
    std::vector<Geometry> exclusive(reaches.size());
    parallel_for(
        reaches.size(),
        [&](std::size_t begin, std::size_t end) {
            GEOSContextHandle_t th = geos::ctx();
            for (std::size_t j = begin; j < end; ++j) {
                const Reach& r = reaches[j];
                if (!r.in_union) continue;  // contained in another circle: covered twice throughout
                const LonLat centre = r.is_circle ? r.centre : centre_of(r.extent);
                std::vector<std::size_t> candidates = kept.query(r.extent);
                candidates.insert(candidates.end(), inside_of[j].begin(), inside_of[j].end());
                std::vector<std::pair<double, std::size_t>> others;
                for (std::size_t k : candidates) {
                    if (k == j) continue;
                    const Reach& o = reaches[k];
                    const double apart_m = rough_distance_m(centre, o.is_circle ? o.centre : centre_of(o.extent));
                    if (clearly_apart(r, o, apart_m)) continue;
                    others.emplace_back(apart_m - o.radius_m, k);  // the deepest first
                }
                Geometry rest = clone(r.geometry.get());
                std::size_t done = 0;
                while (done < others.size() && !is_empty(rest.get())) {
                    // The next batch of the deepest, sorted.
                    const std::size_t batch = std::min<std::size_t>(others.size() - done, 32);
                    std::partial_sort(others.begin() + static_cast<std::ptrdiff_t>(done), others.begin() + static_cast<std::ptrdiff_t>(done + batch), others.end());
                    for (std::size_t b = done; b < done + batch && !is_empty(rest.get()); ++b) {
                        const Reach& o = reaches[others[b].second];
                        if (!overlap(extent_of(rest.get()), o.extent)) continue;
                        Geometry other = clone(o.geometry.get());
                        rest = own(GEOSDifference_r(th, rest.get(), other.get()), "subtracting reaches");
                    }
                    done += batch;
                }
                if (!is_empty(rest.get())) exclusive[j] = polygonal(std::move(rest));
            }
        },
        {}, {}, 8);
    {
        std::vector<Geometry> parts;
        for (auto& e : exclusive)
            if (e && !is_empty(e.get())) parts.push_back(std::move(e));
        const Geometry once = geos::unite(std::move(parts), "uniting reaches");
        result.redundancy = polygonal(difference(result.coverage.get(), once.get(), "subtracting the coverage"), debris_area_m2);
    }
    check_cancel(cb, 0.7, "coverage: figures");

    // 5. Figures per region, per target and for the territory, the line's coverage and the gaps:
    // independent tasks run in parallel, each writing only its own result, so the figures are in
    // the layers' order and the same on any number of threads. The territory's figures come in
    // three parts (covered, redundant, deployments); they and gaps measured within the territory
    // wait for its union when the caller did not give it.
    geos::share_between_threads(result.coverage.get());
    geos::share_between_threads(result.redundancy.get());
    for (std::size_t i : region_idx) geos::share_between_threads(regions.features[i].geometry.get());
    for (std::size_t t = 0; t < targets.size(); ++t)
        for (std::size_t i : target_idx[t]) geos::share_between_threads(targets[t]->features[i].geometry.get());
    if (options.territory) geos::share_between_threads(options.territory->get());
    const bool gaps_in_territory = !options.gaps_within || options.gaps_within->is_empty();
    if (!gaps_in_territory) geos::share_between_threads(options.gaps_within->get());
    result.gaps_within = options.gaps_within ? options.gaps_within_name : std::string("territory");

    enum class Kind { Union, Line, Gaps, Region, Target, TerritoryCovered, TerritoryRedundant, TerritoryDeployments };
    struct Task {
        Kind kind;
        const Layer* layer = nullptr;  // regions and targets
        std::size_t feature = 0;
        std::size_t target_layer = 0;
    };
    // Tasks that need the territory, the largest first; and the others.
    std::vector<Task> on_territory{{Kind::TerritoryCovered}, {Kind::TerritoryRedundant}, {Kind::TerritoryDeployments}};
    if (gaps_in_territory) on_territory.push_back({Kind::Gaps});
    std::vector<Task> tasks;
    if (!options.territory) tasks.push_back({Kind::Union});
    else tasks = on_territory;
    if (!gaps_in_territory) tasks.push_back({Kind::Gaps});
    if (line) tasks.push_back({Kind::Line});
    for (std::size_t i : region_idx) tasks.push_back({Kind::Region, &regions, i, 0});
    for (std::size_t t = 0; t < targets.size(); ++t)
        for (std::size_t i : target_idx[t]) tasks.push_back({Kind::Target, targets[t], i, t});

    // Which regions and targets lie wholly inside or outside the coverage and the redundancy: a
    // prepared geometry answers exactly, here on this thread (prepared geometries are not shared).
    std::vector<std::pair<Relation, Relation>> relations(tasks.size(), {Relation::Across, Relation::Across});
    {
        GEOSContextHandle_t h = geos::ctx();
        const geos::PreparedPtr coverage_prepared(geos::check(GEOSPrepare_r(h, result.coverage.get()), "preparing the coverage"));
        const geos::PreparedPtr redundancy_prepared(geos::check(GEOSPrepare_r(h, result.redundancy.get()), "preparing the redundancy"));
        const Extent coverage_extent = extent_of(result.coverage.get()), redundancy_extent = extent_of(result.redundancy.get());
        for (std::size_t k = 0; k < tasks.size(); ++k) {
            if (tasks[k].kind != Kind::Region && tasks[k].kind != Kind::Target) continue;
            const Geometry* area = &tasks[k].layer->features[tasks[k].feature].geometry;
            relations[k].first = relation(coverage_prepared.get(), coverage_extent, *area);
            if (relations[k].first == Relation::Inside) relations[k].second = relation(redundancy_prepared.get(), redundancy_extent, *area);
        }
    }

    const Overlay overlay{reaches, grid, result.coverage, result.redundancy};
    Geometry own_territory;
    const Geometry* territory = options.territory;
    std::vector<AreaCoverage> figures(tasks.size());
    double territory_redundant_km2 = 0;
    const auto run_tasks = [&](const std::vector<Task>& list, std::vector<AreaCoverage>& out, double from, double to) {
        Callbacks progress;  // this step's share of the whole
        progress.progress = [&](double fraction, std::string_view message) { return cb.report(from + (to - from) * fraction, message); };
        parallel_for(
            list.size(),
            [&](std::size_t begin, std::size_t end) {
                for (std::size_t k = begin; k < end; ++k) {
                    const Task& task = list[k];
                    switch (task.kind) {
                        case Kind::Union: own_territory = union_of(regions); break;
                        case Kind::Line: result.line = measure_line(*line, result.coverage); break;
                        case Kind::Gaps: {
                            const GEOSGeometry* base = gaps_in_territory ? territory->get() : options.gaps_within->get();
                            result.gaps = polygonal(difference(base, result.coverage.get(), "subtracting the coverage"));
                            result.gaps_km2 = area_m2(result.gaps) / 1e6;
                            break;
                        }
                        case Kind::Region:
                        case Kind::Target: {
                            const Feature& f = task.layer->features[task.feature];
                            out[k] = overlay.measure(f.geometry, relations[k].first, relations[k].second);
                            out[k].feature = task.feature;
                            out[k].target_layer = task.target_layer;
                            out[k].layer = task.layer->name;
                            out[k].name = task.layer->label(f);
                            break;
                        }
                        case Kind::TerritoryCovered:
                            result.total.area_km2 = area_m2(*territory) / 1e6;
                            result.total.covered_km2 =
                                std::min(result.total.area_km2, area_m2(intersection(territory->get(), result.coverage.get(), "intersecting with the coverage")) / 1e6);
                            break;
                        case Kind::TerritoryRedundant: territory_redundant_km2 = overlay.redundant_km2(*territory); break;
                        case Kind::TerritoryDeployments: result.total.deployments = overlay.deployments(*territory); break;
                    }
                }
            },
            progress, "coverage: figures", 1);
    };
    run_tasks(tasks, figures, 0.7, options.territory ? 1.0 : 0.9);
    if (!options.territory) {
        territory = &own_territory;
        geos::share_between_threads(territory->get());
        std::vector<AreaCoverage> unused(on_territory.size());
        run_tasks(on_territory, unused, 0.9, 1.0);
    }
    result.total.layer = regions.name;
    result.total.name = "total";
    result.total.redundant_km2 = std::min(result.total.covered_km2, territory_redundant_km2);
    result.total.covered_pct = result.total.area_km2 > 0 ? 100.0 * result.total.covered_km2 / result.total.area_km2 : 0.0;
    for (std::size_t k = 0; k < tasks.size(); ++k) {
        if (tasks[k].kind == Kind::Region) result.regions.push_back(std::move(figures[k]));
        else if (tasks[k].kind == Kind::Target) result.targets.push_back(std::move(figures[k]));
    }
    cb.report(1.0, "coverage");
    return result;
}

// ---------------------------------------------------------------------------------------------

namespace {
// Fixed decimals (km and km² to 0.001, percentages to 0.0001, degrees to 1e-7), printed as the
// shortest number that reads back the same, so outputs diff cleanly.
double rounded(double value, int decimals) { return std::strtod(fmt::format("{:.{}f}", value, decimals).c_str(), nullptr); }
}  // namespace

std::vector<Layer> coverage_layers(const CoverageResult& result, const Layer& regions, const std::vector<const Layer*>& targets,
                                   const Callbacks& callbacks) {
    const auto figures = [](const AreaCoverage& a) {
        return std::vector<nlohmann::json>{rounded(a.area_km2, 3), rounded(a.covered_km2, 3), rounded(a.covered_pct, 4), rounded(a.redundant_km2, 3),
                                           static_cast<std::int64_t>(a.deployments)};
    };
    const std::vector<FieldDef> figure_fields = {{"area_km2", FieldType::Real},
                                                 {"covered_km2", FieldType::Real},
                                                 {"covered_pct", FieldType::Real},
                                                 {"redundant_km2", FieldType::Real},
                                                 {"deployments", FieldType::Integer}};
    std::vector<Layer> out;

    // Regions with their fields and figures (a source field named like a figure is renamed).
    {
        Layer l;
        l.name = "regions";
        l.fields = regions.fields;
        l.name_field = regions.label_field() ? regions.fields[*regions.label_field()].name : "";
        std::vector<std::string> own;
        for (const auto& d : figure_fields) own.push_back(d.name);
        rename_clashing_fields(l, own, regions.where_text(), callbacks);
        std::vector<std::size_t> kept;
        for (std::size_t k = 0; k < regions.fields.size(); ++k) kept.push_back(k);
        l.fields.insert(l.fields.end(), figure_fields.begin(), figure_fields.end());
        for (const AreaCoverage& a : result.regions) {
            const Feature& src = regions.features[a.feature];
            Feature f;
            f.fid = static_cast<std::int64_t>(l.features.size());
            for (std::size_t k : kept) f.values.push_back(src.values[k]);
            for (auto& v : figures(a)) f.values.push_back(std::move(v));
            f.geometry = src.geometry.clone();
            l.features.push_back(std::move(f));
        }
        out.push_back(std::move(l));
    }

    const auto single = [&](const char* name, const Geometry& g, std::vector<FieldDef> fields, std::vector<nlohmann::json> values) {
        Layer l;
        l.name = name;
        l.fields = std::move(fields);
        if (!g.is_empty()) {
            Feature f;
            f.values = std::move(values);
            f.geometry = g.clone();
            l.features.push_back(std::move(f));
        }
        return l;
    };
    out.push_back(single("coverage", result.coverage,
                         {{"area_km2", FieldType::Real}, {"deployments", FieldType::Integer}, {"method", FieldType::String}, {"max_error_m", FieldType::Real}},
                         {rounded(area_m2(result.coverage) / 1e6, 3), static_cast<std::int64_t>(result.reaches), coverage_method, result.max_error_m}));
    out.push_back(single("redundancy", result.redundancy, {{"area_km2", FieldType::Real}, {"covered_by", FieldType::String}},
                         {rounded(area_m2(result.redundancy) / 1e6, 3), "two or more deployments"}));

    // Gaps: one feature per part, the largest first.
    {
        Layer l;
        l.name = "gaps";
        l.fields = {{"area_km2", FieldType::Real}, {"within", FieldType::String}};
        std::vector<std::pair<double, Geometry>> parts;
        GEOSContextHandle_t h = geos::ctx();
        if (!result.gaps.is_empty()) {
            const int n = GEOSGetNumGeometries_r(h, result.gaps.get());
            for (int i = 0; i < n; ++i) {
                Geometry part = clone(GEOSGetGeometryN_r(h, result.gaps.get(), i));
                const double a = area_m2(part);
                parts.emplace_back(a, std::move(part));
            }
        }
        std::stable_sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        for (auto& [a, g] : parts) {
            Feature f;
            f.fid = static_cast<std::int64_t>(l.features.size());
            f.values = {rounded(a / 1e6, 3), result.gaps_within};
            f.geometry = std::move(g);
            l.features.push_back(std::move(f));
        }
        out.push_back(std::move(l));
    }

    // Line gaps, in order along the line.
    {
        Layer l;
        l.name = "line_gaps";
        l.fields = {{"line", FieldType::String},     {"from_km", FieldType::Real},   {"to_km", FieldType::Real},   {"length_km", FieldType::Real},
                    {"start_lon", FieldType::Real},  {"start_lat", FieldType::Real}, {"end_lon", FieldType::Real}, {"end_lat", FieldType::Real}};
        if (result.line)
            for (const LineGap& g : result.line->gaps) {
                Feature f;
                f.fid = static_cast<std::int64_t>(l.features.size());
                f.values = {g.name,
                            rounded(g.from_km, 3),
                            rounded(g.to_km, 3),
                            rounded(g.length_km, 3),
                            rounded(g.start.lon, 7),
                            rounded(g.start.lat, 7),
                            rounded(g.end.lon, 7),
                            rounded(g.end.lat, 7)};
                f.geometry = g.geometry.clone();
                l.features.push_back(std::move(f));
            }
        out.push_back(std::move(l));
    }

    // Targets with their names and figures.
    {
        Layer l;
        l.name = "targets";
        l.fields = {{"layer", FieldType::String}, {"name", FieldType::String}};
        l.fields.insert(l.fields.end(), figure_fields.begin(), figure_fields.end());
        for (const AreaCoverage& a : result.targets) {
            const Layer* src = nullptr;
            if (a.target_layer < targets.size()) src = targets[a.target_layer];
            Feature f;
            f.fid = static_cast<std::int64_t>(l.features.size());
            f.values = {a.layer, a.name};
            for (auto& v : figures(a)) f.values.push_back(std::move(v));
            if (src && a.feature < src->features.size()) f.geometry = src->features[a.feature].geometry.clone();
            l.features.push_back(std::move(f));
        }
        out.push_back(std::move(l));
    }
    return out;
}

}  // namespace dza
