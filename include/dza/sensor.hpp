#pragma once
// What a sensor or weapon at a site reaches: between a minimum and a maximum range, within a
// sector of azimuths, and, against a target at a given altitude, up to the radar horizon.
//
// Radar horizon. A sensor h_a metres above the ground sees a target h_t metres above it up to
// the geodesic distance
//     d_h(alpha) = kR (acos(kR / (kR + h_a)) + acos(kR / (kR + h_t)))
// where k is the effective-earth-radius factor (4/3 for standard refraction; 1 for none) and
// R = R(alpha) the WGS84 normal-section radius of curvature at the site in azimuth alpha:
// 1/R = cos^2(alpha)/M + sin^2(alpha)/N, with M and N the meridional and prime-vertical radii at
// the site's latitude. E.g. at 50 N looking east (R = N = 6,391 km), k = 4/3, a sensor 10 m up
// and a target at 300 m: kR = 8,521 km and d_h = 13.05 km + 71.50 km = 84.6 km.
//
// A point at geodesic distance d and azimuth alpha from the site is reached when
// min_range <= d <= max_range, alpha lies in the sector and, with a target altitude, d <= d_h.
#include <limits>
#include <optional>
#include <string>

#include "dza/geometry.hpp"

namespace dza {

// Azimuths clockwise from north, from `from_deg` through `width_deg` degrees (may wrap through
// north). The default is the full circle.
struct Sector {
    double from_deg = 0;     // in [0, 360)
    double width_deg = 360;  // in (0, 360]

    // [from, to] clockwise from north: [300, 60] is the 120 degrees through north; [0, 360] the
    // full circle. UsageError for a non-finite bound or an empty sector (from == to).
    static Sector from_to(double from_deg, double to_deg);
    bool full() const { return width_deg >= 360; }
    double to_deg() const;  // from + width, in [0, 360)
    bool contains(double azimuth_deg) const;
};

// The reach of one sensor or weapon.
struct SensorReach {
    double max_range_m = 0;
    double min_range_m = 0;       // <= max_range_m
    double sensor_height_m = 0;   // above the ground at the site
    Sector sector;
    // Whether the reach needs a line of sight (a sensor or weapon: the horizon limits it). A reach
    // that is not a sensor's (a response radius) is the same at every altitude.
    bool line_of_sight = true;

    // A plain disc: no minimum range, the full circle (the horizon may still limit it).
    bool is_disc() const { return min_range_m == 0 && sector.full(); }
};

// The target's altitude and the refraction; no altitude: no horizon limit.
struct HorizonModel {
    std::optional<double> target_altitude_m;  // above the ground (or the sea)
    double refraction_k = 4.0 / 3.0;          // effective-earth-radius factor, > 0
};

// WGS84 radii of curvature at a latitude, metres: meridional (M), prime vertical (N), and the
// normal section in an azimuth (clockwise from north).
double meridional_radius_m(double lat_deg);
double prime_vertical_radius_m(double lat_deg);
double normal_section_radius_m(double lat_deg, double azimuth_deg);

// d_h above for an earth of radius `radius_m` (not yet multiplied by k).
double radar_horizon_m(double radius_m, double refraction_k, double sensor_height_m, double target_altitude_m);

// How far the reach extends from `site` in an azimuth: the maximum range, or the horizon when
// nearer and the reach needs a line of sight. (The sector and minimum range are not applied here.)
double reach_limit_m(const SensorReach& reach, LonLat site, double azimuth_deg, const HorizonModel& horizon);

// The lowest target altitude (m above the ground) that `reach` at `site` sees at `point`:
// 0 within the sensor's own horizon (or anywhere in range for a reach without line of sight), +infinity outside the ranges or the sector or beyond
// where any altitude is seen (a quarter of the effective earth).
double lowest_visible_altitude_m(const SensorReach& reach, LonLat site, LonLat point, double refraction_k);

inline constexpr double never_visible_m = std::numeric_limits<double>::infinity();

// The area a sensor reaches, as a polygon, and a bound on how far its boundary strays from the
// exact envelope.
struct SensorReachGeometry {
    Geometry geometry;        // valid Polygon or MultiPolygon in lon/lat, RFC 7946 winding; empty when nothing is reached
    double max_error_m = 0;   // every point of the boundary lies within this of the exact envelope
};

// The area `reach` at `site` covers against `horizon` (the rule above: min_range <= d <=
// min(max_range, d_h(azimuth)), the azimuth in the sector), drawn in lon/lat. Every vertex lies
// on the exact envelope: the outer arc at reach_limit_m in its azimuth (with the azimuths where
// the horizon meets the maximum range among the vertices), the inner arc at the minimum range,
// and the sector's edges, the geodesics from the site (or the inner arc) at the sector's end
// azimuths; the site itself is a vertex of a fan without minimum range. Straight chords stay
// within max_error_m = buffer_max_error_m(max_range, tolerance_m) of the envelope. A full circle
// with a minimum range has a hole; where the horizon is nearer than the minimum range in some
// azimuths, the reach is the pieces where it is not. A plain disc is the coverage's geodesic
// circle. Built in continuous longitudes and cut at ±180 degrees (RFC 7946). Throws UsageError
// for ranges, a sector, a horizon or a tolerance out of bounds (a maximum range above
// buffer_max_distance_m included), DataError for a site that is not a lon/lat or a reach that
// would come within 1 km of a pole.
// Short statement of the method, for output properties.
inline constexpr const char* sensor_reach_method =
    "sensor reach on WGS84: vertices on the exact arcs at the range or horizon and on the sector's edge geodesics (PROJ geod_direct), "
    "chords within max_error_m";

SensorReachGeometry sensor_reach_geometry(LonLat site, const SensorReach& reach, const HorizonModel& horizon, double tolerance_m);

}  // namespace dza
