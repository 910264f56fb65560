#pragma once
// Geodesic circles drawn as lon/lat polygons to a stated error, shared by the coverage's reaches
// (src/coverage/reaches.cpp) and a sensor's reach (src/sensor_reach.cpp), which draw the same
// circle for the same centre, radius and error.
#include <vector>

#include "dza/geometry.hpp"

namespace dza {

// Smaller than any radius of curvature on WGS84 (the meridional radius at the equator is 6,335 km).
inline constexpr double circle_min_curvature_radius_m = 6.3e6;

// Vertices of a geodesic circle so that every straight lon/lat edge stays within `max_error_m`
// of the exact circle: the chord's sagitta r(1 - cos(pi/n)) plus how far a straight lon/lat
// segment strays from the geodesic between its ends (at most L^2 tan(lat) / 8R, along a
// parallel), with 5% to spare for the ellipsoid's uneven azimuth spacing. `max_abs_lat_deg` is
// the largest latitude the circle reaches (capped at 89 degrees).
int circle_vertex_count(double radius_m, double max_error_m, double max_abs_lat_deg);

// The largest absolute latitude of the circle's centre and its northern and southern points.
double circle_max_abs_lat_deg(LonLat centre, double radius_m);

// The geodesic circle around `centre` as a closed ring, counter-clockwise in lon/lat, its first
// vertex due north (azimuth 0), then azimuths decreasing in equal steps (an even count of
// circle_vertex_count's), the eastern half mirroring the western one about the centre's
// meridian. Longitudes are continuous around the centre's (they may leave [-180, 180]).
std::vector<LonLat> geodesic_circle_ring(LonLat centre, double radius_m, double max_error_m);

}  // namespace dza
