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


}  // namespace

std::vector<Reach> reaches_of(const Layer& deployments, const std::vector<SensorReach>& sensors, double tolerance_m, const Callbacks& callbacks) {
    std::vector<Reach> reaches;
    for (std::size_t i = 0; i < deployments.features.size(); ++i) {
        if (std::isnan(sensors[i].max_range_m)) {
            callbacks.warning(fmt::format("{}: {}: has no geometry; left out", deployments.where_text(), deployments.describe(deployments.features[i])));
            continue;
        }
        Reach r;
        r.feature = i;
        r.sensor = sensors[i];
        r.radius_m = sensors[i].max_range_m;
        r.max_error_m = r.radius_m > 0 ? buffer_max_error_m(r.radius_m, tolerance_m) : 0.0;
        r.is_circle = r.at_site = geos::single_point(deployments.features[i].geometry.get(), r.centre);
        r.outer_m = r.inner_m = r.radius_m;
        reaches.push_back(std::move(r));
    }
    return reaches;
}

namespace {

// The horizon nearest a site in any azimuth: in the meridian's section (the smallest radius of
// curvature) at the latitude nearest the equator; +inf without a target altitude.
double nearest_horizon_m(const SensorReach& s, double min_abs_lat_deg, const HorizonModel& horizon) {
    if (!horizon.target_altitude_m || !s.line_of_sight) return std::numeric_limits<double>::infinity();
    return radar_horizon_m(meridional_radius_m(min_abs_lat_deg), horizon.refraction_k, s.sensor_height_m, *horizon.target_altitude_m);
}

// A line's or polygon's reach: the buffer by the maximum range (or the nearest horizon), less the
// buffer by the minimum range.
BufferResult buffered_reach(const Geometry& source, const SensorReach& s, const HorizonModel& horizon, double tolerance_m) {
    const Extent e = extent_of(source.get());
    const double min_abs_lat = (e.min_lat <= 0 && e.max_lat >= 0) ? 0.0 : std::min(std::fabs(e.min_lat), std::fabs(e.max_lat));
    BufferOptions b;
    b.distance_m = std::min(s.max_range_m, nearest_horizon_m(s, min_abs_lat, horizon));
    b.tolerance_m = tolerance_m;
    BufferResult outer = geodesic_buffer(source, b);
    if (s.min_range_m <= 0) return outer;
    if (s.min_range_m >= b.distance_m) return {Geometry(), outer.max_error_m};
    b.distance_m = s.min_range_m;
    return buffer_ring(outer, geodesic_buffer(source, b));
}

}  // namespace

void build_geometries(std::vector<Reach>& reaches, const Layer& deployments, double tolerance_m, const HorizonModel& horizon,
                      const std::function<const Geometry*(std::size_t)>& terrain_mask) {
    parallel_for(
        reaches.size(),
        [&](std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k) {
                Reach& r = reaches[k];
                const Feature& f = deployments.features[r.feature];
                with_feature_context(deployments, f, [&] {
                    // Over terrain: the ranges and sector within the line of sight (which holds the horizon).
                    if (const Geometry* mask = terrain_mask && r.is_circle ? terrain_mask(r.feature) : nullptr; mask && *mask) {
                        r.is_circle = false;
                        SensorReachGeometry g = sensor_reach_geometry(r.centre, r.sensor, HorizonModel{std::nullopt, horizon.refraction_k}, tolerance_m);
                        r.max_error_m = g.max_error_m;
                        Geometry m = geos::clone(mask->get());
                        r.geometry = geos::polygonal(geos::intersection(g.geometry.get(), m.get(), "masking a reach by the terrain"));
                        r.inner_m = 0;
                        return;
                    }
                    if (r.is_circle) {
                        // A disc the horizon does not cut anywhere is the circle; anything else the sensor's reach.
                        const bool disc = r.sensor.is_disc() && nearest_horizon_m(r.sensor, std::fabs(r.centre.lat), horizon) >= r.radius_m;
                        if (disc && r.radius_m > 0) r.geometry = circle(r.centre, r.radius_m, r.max_error_m);
                        if (!disc) {
                            r.is_circle = false;
                            // The horizon is farthest in the prime vertical's section, nearest in the meridian's.
                            const double lat = std::fabs(r.centre.lat);
                            const double farthest_m = horizon.target_altitude_m && r.sensor.line_of_sight
                                                          ? radar_horizon_m(prime_vertical_radius_m(lat), horizon.refraction_k, r.sensor.sensor_height_m,
                                                                            *horizon.target_altitude_m)
                                                          : r.radius_m;
                            r.outer_m = std::min(r.radius_m, farthest_m);
                            r.inner_m = r.sensor.is_disc() ? std::min(r.radius_m, nearest_horizon_m(r.sensor, lat, horizon)) : 0.0;
                            if (r.radius_m > 0) {
                                SensorReachGeometry g = sensor_reach_geometry(r.centre, r.sensor, horizon, tolerance_m);
                                r.max_error_m = g.max_error_m;
                                r.geometry = std::move(g.geometry);
                            }
                            return;
                        }
                    }
                    if (!r.geometry) {
                        r.is_circle = false;
                        BufferResult buffered = buffered_reach(f.geometry, r.sensor, horizon, tolerance_m);
                        r.max_error_m = buffered.max_error_m;
                        r.geometry = std::move(buffered.geometry);
                    }
                });
            }
        },
        {}, {}, 16);
    for (Reach& r : reaches) {
        if (!r.geometry) r.geometry = geos::empty_polygon();
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

std::vector<SensorReach> deployment_sensors(const Layer& deployments, const CoverageOptions& options) {
    if (options.radius_m) coverage::check_radius(*options.radius_m, "radius");
    for (const auto& [role, m] : options.radius_by_role_m) coverage::check_radius(m, fmt::format("radius for role \"{}\"", role));
    const bool typed = options.sensors.systems && !options.sensors.systems->empty();
    const bool rules = options.radius_m || !options.radius_field.empty() || !options.radius_by_role_m.empty();
    if (!rules && !typed) throw UsageError("no reach given: give a radius, a radius field, radiuses by role or systems");
    if (options.horizon.target_altitude_m && (!std::isfinite(*options.horizon.target_altitude_m) || *options.horizon.target_altitude_m < 0))
        throw UsageError(fmt::format("target altitude {:g} m is not an altitude of 0 or more", *options.horizon.target_altitude_m));
    if (!std::isfinite(options.horizon.refraction_k) || options.horizon.refraction_k < 0.5 || options.horizon.refraction_k > 10)
        throw UsageError(fmt::format("refraction factor k = {:g} is out of range; give 0.5 to 10 (4/3 for standard refraction, 1 for none)",
                                     options.horizon.refraction_k));
    // A system field named on purpose must exist: a misspelt one would leave every deployment without its type.
    if (typed && options.sensors.system_field != SensorRules{}.system_field) deployments.require_field(options.sensors.system_field);
    std::optional<std::size_t> field, role;
    if (!options.radius_field.empty()) field = deployments.require_field(options.radius_field);
    if (!options.radius_by_role_m.empty()) {
        if (!field && !options.radius_m && !typed) role = deployments.require_field(options.role_field);
        else role = deployments.field_index(options.role_field);
    }
    // The reach rules' range of a feature without a system.
    const auto rule_range_m = [&](const Feature& f) {
        if (!rules)
            throw DataError(fmt::format("{}: {}: has no system (field {}) and no reach is given; give it a system of {} or give a radius",
                                        deployments.where_text(), deployments.describe(f), options.sensors.system_field, options.sensors.systems->source));
        if (role) {
            const auto& v = f.values[*role];
            if (v.is_string()) {
                const auto it = options.radius_by_role_m.find(v.get<std::string>());
                if (it != options.radius_by_role_m.end()) return it->second;
            }
            if (!field && !options.radius_m) {
                std::string roles;
                for (const auto& kv : options.radius_by_role_m) roles += (roles.empty() ? "\"" : ", \"") + kv.first + "\"";
                throw DataError(fmt::format("{}: {}: field {} is {}, which has no reach (roles with a reach: {}); give a radius or a radius field as well",
                                            deployments.where_text(), deployments.describe(f), options.role_field,
                                            v.is_null() ? std::string("empty") : v.dump(), roles));
            }
        }
        if (field && (!f.values[*field].is_null() || !options.radius_m)) return coverage::field_km_m(deployments, f, *field);
        return *options.radius_m;
    };
    std::vector<SensorReach> out(deployments.features.size());
    for (std::size_t i = 0; i < deployments.features.size(); ++i) {
        const Feature& f = deployments.features[i];
        if (f.geometry.is_empty()) {
            out[i].max_range_m = std::numeric_limits<double>::quiet_NaN();
            continue;
        }
        out[i] = deployment_sensor(deployments, f, options.sensors, [&] { return rule_range_m(f); });
        if (!out[i].sector.full() && f.geometry.dimension() != 0)
            throw DataError(fmt::format("{}: {}: is a {} with a sector; sectors apply to point deployments only: give it a point or no sector",
                                        deployments.where_text(), deployments.describe(f), f.geometry.type_name()));
    }
    return out;
}

std::vector<double> deployment_reaches_m(const Layer& deployments, const CoverageOptions& options) {
    std::vector<double> out;
    for (const SensorReach& s : deployment_sensors(deployments, options)) out.push_back(s.max_range_m);
    return out;
}

TerrainMasks terrain_masks(const Layer& deployments, const std::vector<SensorReach>& sensors, const Terrain& terrain, const std::vector<double>& altitudes_m,
                           AltitudeRef altitude_ref, double refraction_k, const Callbacks& callbacks) {
    TerrainMasks out;
    out.masks.resize(altitudes_m.size());
    for (auto& m : out.masks) m.resize(deployments.features.size());
    std::vector<double> resolution_m(deployments.features.size(), 0.0);
    std::vector<char> short_of_range(deployments.features.size(), 0);
    parallel_for(
        deployments.features.size(),
        [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) {
                const Feature& f = deployments.features[i];
                LonLat site;
                if (std::isnan(sensors[i].max_range_m) || !sensors[i].line_of_sight || sensors[i].max_range_m <= 0 || !geos::single_point(f.geometry.get(), site))
                    continue;
                with_feature_context(deployments, f, [&] {
                    const TerrainView view = terrain_view(terrain, site, sensors[i].sensor_height_m, sensors[i].max_range_m, refraction_k);
                    resolution_m[i] = view.resolution_m();
                    short_of_range[i] = view.covers_range() ? 0 : 1;
                    for (std::size_t a = 0; a < altitudes_m.size(); ++a) {
                        Geometry visible = view.visible(altitudes_m[a], altitude_ref);
                        geos::share_between_threads(visible.get());
                        out.masks[a][i] = std::move(visible);
                    }
                });
            }
        },
        callbacks, "terrain", 1);
    for (std::size_t i = 0; i < deployments.features.size(); ++i) {
        out.resolution_m = std::max(out.resolution_m, resolution_m[i]);
        if (short_of_range[i])
            callbacks.warning(fmt::format("{}: {}: the DEM {} does not cover its whole reach; beyond the DEM nothing is seen", deployments.where_text(),
                                          deployments.describe(deployments.features[i]), terrain.path()));
    }
    return out;
}

}  // namespace dza
