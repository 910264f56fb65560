#pragma once
// What the steps of the coverage computation share: constants, geodesic measures of owned
// geometries, tests on extents, cancellation.
#include <cmath>
#include <string_view>

#include "dza/callbacks.hpp"
#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/geometry.hpp"

namespace dza::coverage {

constexpr double degree = M_PI / 180.0;
// Smaller than any radius of curvature on WGS84 (the meridional radius at the equator is 6,335 km).
constexpr double min_curvature_radius_m = 6.3e6;
// Lines are densified along their geodesics at this spacing before the overlay.
constexpr double line_spacing_m = 1000.0;
// Parts of the redundancy smaller than this are overlay debris (where two computations of the
// same crossing of circle edges differ in the last bits), not area covered twice.
constexpr double debris_area_m2 = 1.0;

inline double area_m2(const Geometry& g) { return g.is_empty() ? 0.0 : geodesic_area_m2(g); }
inline double length_m(const Geometry& g) { return g.is_empty() ? 0.0 : geodesic_length_m(g); }

inline bool overlap(const Extent& a, const Extent& b) {
    return !a.empty && !b.empty && a.min_lon <= b.max_lon && b.min_lon <= a.max_lon && a.min_lat <= b.max_lat && b.min_lat <= a.max_lat;
}

inline bool contains(const Extent& outer, const Extent& inner) {
    return !outer.empty && !inner.empty && outer.min_lon <= inner.min_lon && outer.max_lon >= inner.max_lon && outer.min_lat <= inner.min_lat &&
           outer.max_lat >= inner.max_lat;
}

inline LonLat centre_of(const Extent& e) { return {0.5 * (e.min_lon + e.max_lon), 0.5 * (e.min_lat + e.max_lat)}; }

// A quick distance for ordering and pruning (equirectangular at the mean latitude, metres):
// within 2% of the geodesic distance below 600 km and 75 degrees of latitude.
inline double rough_distance_m(LonLat a, LonLat b) {
    const double x = (b.lon - a.lon) * std::cos(0.5 * (a.lat + b.lat) * degree), y = b.lat - a.lat;
    return std::sqrt(x * x + y * y) * 111195.0;
}

inline void check_cancel(const Callbacks& callbacks, double fraction, std::string_view message) {
    if (!callbacks.report(fraction, message)) throw DataError("coverage cancelled");
}

}  // namespace dza::coverage
