#pragma once
// Geodesics on the WGS84 ellipsoid (PROJ's geod.h, Karney's algorithms: accurate to
// nanometres for the inverse and direct problems, areas to about a square metre per vertex).
#include "dza/geometry.hpp"

namespace dza {

struct GeodesicInverse {
    double distance_m = 0;
    double azimuth1_deg = 0;  // at the first point, clockwise from north
    double azimuth2_deg = 0;  // forward azimuth at the second point
};

GeodesicInverse geodesic_inverse(LonLat from, LonLat to);
LonLat geodesic_direct(LonLat from, double azimuth_deg, double distance_m);

// Sum of geodesic segment lengths: lines' lengths, polygons' ring perimeters. Points give 0.
double geodesic_length_m(const Geometry& geometry);
// Area of the polygonal parts on the ellipsoid (holes subtracted). Polygon edges are straight in
// lon/lat, as in RFC 7946 and GEOS overlays, and the area is the one they bound on WGS84,
// integrated along each edge (lonlat_ring_area_m2), so parts of an overlay add up to the whole.
// Lines and points give 0.
double geodesic_area_m2(const Geometry& geometry);
// Area on WGS84 of one ring given as lon/lat vertices (closed or not) joined by straight lon/lat
// edges, always >= 0; to within 1e-6 m2 an edge (the rounding of the sum aside).
double lonlat_ring_area_m2(const std::vector<LonLat>& ring);
// Area of one ring given as lon/lat vertices (closed or not), edges as geodesics, always >= 0.
double geodesic_ring_area_m2(const std::vector<LonLat>& ring);

}  // namespace dza
