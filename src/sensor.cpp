// The reach of a sensor or weapon: ranges, sector, radius of curvature and radar horizon.
#include "dza/sensor.hpp"

#include <fmt/format.h>

#include <cmath>

#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "wgs84.hpp"

namespace dza {

namespace {

constexpr double degree = M_PI / 180.0;

double normalised_deg(double deg) {
    double d = std::fmod(deg, 360.0);
    if (d < 0) d += 360.0;
    return d >= 360.0 ? 0.0 : d;
}

// 1 - e^2 sin^2(lat) and the semi-major axis, from PROJ's WGS84.
double w2(double lat_deg) {
    const double e2 = wgs84_geodesic().f * (2 - wgs84_geodesic().f);
    const double s = std::sin(lat_deg * degree);
    return 1 - e2 * s * s;
}

}  // namespace

Sector Sector::from_to(double from_deg, double to_deg) {
    if (!std::isfinite(from_deg) || !std::isfinite(to_deg))
        throw UsageError(fmt::format("sector [{:g}, {:g}] is not two finite azimuths in degrees", from_deg, to_deg));
    if (from_deg == to_deg)
        throw UsageError(fmt::format("sector [{:g}, {:g}] is empty; give [from, to] clockwise from north, e.g. [300, 60], or [0, 360] for the full circle",
                                     from_deg, to_deg));
    Sector s;
    s.from_deg = normalised_deg(from_deg);
    const double width = normalised_deg(to_deg - from_deg);
    s.width_deg = width == 0 ? 360.0 : width;  // [0, 360], [90, 450]: the full circle
    return s;
}

double Sector::to_deg() const { return normalised_deg(from_deg + width_deg); }

bool Sector::contains(double azimuth_deg) const {
    if (full()) return true;
    return normalised_deg(azimuth_deg - from_deg) <= width_deg;
}

double meridional_radius_m(double lat_deg) {
    const double a = wgs84_geodesic().a, e2 = wgs84_geodesic().f * (2 - wgs84_geodesic().f);
    const double w = w2(lat_deg);
    return a * (1 - e2) / (w * std::sqrt(w));
}

double prime_vertical_radius_m(double lat_deg) { return wgs84_geodesic().a / std::sqrt(w2(lat_deg)); }

double normal_section_radius_m(double lat_deg, double azimuth_deg) {
    const double c = std::cos(azimuth_deg * degree), s = std::sin(azimuth_deg * degree);
    return 1.0 / (c * c / meridional_radius_m(lat_deg) + s * s / prime_vertical_radius_m(lat_deg));
}

double radar_horizon_m(double radius_m, double refraction_k, double sensor_height_m, double target_altitude_m) {
    const double kr = refraction_k * radius_m;
    return kr * (std::acos(kr / (kr + sensor_height_m)) + std::acos(kr / (kr + target_altitude_m)));
}

double reach_limit_m(const SensorReach& reach, LonLat site, double azimuth_deg, const HorizonModel& horizon) {
    if (!horizon.target_altitude_m || !reach.line_of_sight) return reach.max_range_m;
    const double h = radar_horizon_m(normal_section_radius_m(site.lat, azimuth_deg), horizon.refraction_k, reach.sensor_height_m,
                                      *horizon.target_altitude_m);
    return std::min(reach.max_range_m, h);
}

double lowest_visible_altitude_m(const SensorReach& reach, LonLat site, LonLat point, double refraction_k) {
    const GeodesicInverse g = geodesic_inverse(site, point);
    if (g.distance_m > reach.max_range_m || g.distance_m < reach.min_range_m) return never_visible_m;
    if (g.distance_m > 0 && !reach.sector.contains(g.azimuth1_deg)) return never_visible_m;
    if (!reach.line_of_sight) return 0;
    const double kr = refraction_k * normal_section_radius_m(site.lat, g.azimuth1_deg);
    // Beyond the sensor's own horizon the target must rise to meet the remaining angle.
    const double rest = g.distance_m / kr - std::acos(kr / (kr + reach.sensor_height_m));
    if (rest <= 0) return 0;
    if (rest >= M_PI / 2) return never_visible_m;
    return kr / std::cos(rest) - kr;
}

}  // namespace dza
