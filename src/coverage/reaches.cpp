// Step 1 of the coverage: each deployment's reach, from its radius, as a geometry.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "coverage/steps.hpp"
#include "dza/buffer.hpp"
#include "dza/error.hpp"
#include "geodesic_circle.hpp"
#include "geos/geos.hpp"
#include "parallel.hpp"

namespace dza {

namespace coverage {

namespace {

using geos::extent_of;
using geos::is_empty;

// A feature's reach from a field: a number of km, or a text holding one.
double field_km_m(const Layer& layer, const Feature& feature, std::size_t field) {
    return field_km_as_m(layer, feature, field, "a reach in km", buffer_max_distance_m, "dza reaches");
}

void check_radius(double m, const std::string& what) {
    if (!std::isfinite(m) || m < 0) throw UsageError(fmt::format("{} {:g} km is not a reach of 0 or more", what, m / 1000));
    if (m > buffer_max_distance_m) throw UsageError(fmt::format("{} {:g} km is more than the {:g} km dza reaches", what, m / 1000, buffer_max_distance_m / 1000));
}

// The geodesic circle around `centre`, counter-clockwise; null when it crosses the antimeridian
// or comes near a pole (geodesic_buffer handles those).
Geometry circle(LonLat centre, double radius_m, double max_error_m) {
    const LonLat north = geodesic_direct(centre, 0, radius_m), south = geodesic_direct(centre, 180, radius_m);
    if (std::fabs(centre.lat) + radius_m / 100000.0 > 85.0 || north.lat > 85.0 || south.lat < -85.0) return {};
    const std::vector<LonLat> ring = geodesic_circle_ring(centre, radius_m, max_error_m);
    for (const LonLat& p : ring)
        if (p.lon < -180.0 || p.lon > 180.0) return {};
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

}  // namespace

std::vector<Reach> reaches_of(const Layer& deployments, const std::vector<double>& radius_m, double tolerance_m, const Callbacks& callbacks) {
    std::vector<Reach> reaches;
    for (std::size_t i = 0; i < deployments.features.size(); ++i) {
        if (std::isnan(radius_m[i])) {
            callbacks.warning(fmt::format("{}: {}: has no geometry; left out", deployments.where_text(), deployments.describe(deployments.features[i])));
            continue;
        }
        Reach r;
        r.feature = i;
        r.radius_m = radius_m[i];
        r.max_error_m = r.radius_m > 0 ? buffer_max_error_m(r.radius_m, tolerance_m) : 0.0;
        r.is_circle = single_point(deployments.features[i].geometry, r.centre);
        reaches.push_back(std::move(r));
    }
    return reaches;
}

void build_geometries(std::vector<Reach>& reaches, const Layer& deployments, double tolerance_m) {
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
                        b.tolerance_m = tolerance_m;
                        BufferResult buffered = geodesic_buffer(f.geometry, b);
                        r.max_error_m = buffered.max_error_m;
                        r.geometry = std::move(buffered.geometry);
                    }
                });
            }
        },
        {}, {}, 16);
    for (Reach& r : reaches) {
        r.extent = extent_of(r.geometry.get());
        r.empty = is_empty(r.geometry.get());
        if (!r.empty) geos::share_between_threads(r.geometry.get());
    }
}

GridShape grid_shape(const std::vector<Extent>& extents) {
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
    return {bounds, cell};
}

}  // namespace coverage

std::vector<double> deployment_reaches_m(const Layer& deployments, const CoverageOptions& options) {
    if (options.radius_m) coverage::check_radius(*options.radius_m, "radius");
    for (const auto& [role, m] : options.radius_by_role_m) coverage::check_radius(m, fmt::format("radius for role \"{}\"", role));
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
            out[i] = coverage::field_km_m(deployments, f, *field);
            continue;
        }
        out[i] = *options.radius_m;
    }
    return out;
}

}  // namespace dza
