#pragma once
// One deployment's reach: its geometry and what the steps learn of it.
#include <cmath>
#include <cstddef>

#include "coverage/common.hpp"
#include "dza/sensor.hpp"

namespace dza::coverage {

struct Reach {
    std::size_t feature = 0;
    double radius_m = 0;  // the maximum range
    SensorReach sensor;
    bool is_circle = false;  // a point's circle built here (centre and radius describe it exactly)
    // A point's reach (a circle or a sensor's envelope): it lies within the disc of `outer_m`
    // around the centre and holds the disc of `inner_m` (0 when a sector or a minimum range
    // leaves none), both up to max_error_m.
    bool at_site = false;
    double outer_m = 0, inner_m = 0;
    LonLat centre;
    double max_error_m = 0;
    Geometry geometry;  // Polygon or MultiPolygon; may be empty
    Extent extent;
    bool in_union = true;  // false when another circle contains it
    bool empty = true;     // no area (a point or line with reach 0)
};

// Whether two points' reaches are certainly apart by their rough distance (kept to where it is
// good to 2%).
inline bool clearly_apart(const Reach& a, const Reach& b, double rough_m) {
    return a.at_site && b.at_site && a.outer_m + b.outer_m < 500000.0 && std::fabs(a.centre.lat) < 75.0 && std::fabs(b.centre.lat) < 75.0 &&
           rough_m > 1.1 * (a.outer_m + b.outer_m) + 10000.0;
}

}  // namespace dza::coverage
