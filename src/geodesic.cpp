#include "dza/geodesic.hpp"

#include <geodesic.h>

#include <cmath>

#include "geos/geos.hpp"
#include "wgs84.hpp"

namespace dza {

const geod_geodesic& wgs84_geodesic() {
    static const geod_geodesic g = [] {
        geod_geodesic init{};
        geod_init(&init, 6378137.0, 1.0 / 298.257223563);
        return init;
    }();
    return g;
}

namespace {


double path_length_m(const std::vector<LonLat>& pts) {
    double total = 0;
    for (std::size_t i = 1; i < pts.size(); ++i) total += geodesic_inverse(pts[i - 1], pts[i]).distance_m;
    return total;
}

// Visits each simple part (point, line, polygon) of a possibly nested collection.
template <typename Fn>
void for_each_part(const GEOSGeometry* g, Fn&& fn) {
    const int type = GEOSGeomTypeId_r(geos::ctx(), g);
    if (type == GEOS_MULTIPOINT || type == GEOS_MULTILINESTRING || type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        const int n = GEOSGetNumGeometries_r(geos::ctx(), g);
        for (int i = 0; i < n; ++i) for_each_part(GEOSGetGeometryN_r(geos::ctx(), g, i), fn);
    } else {
        fn(g, type);
    }
}

}  // namespace

GeodesicInverse geodesic_inverse(LonLat from, LonLat to) {
    GeodesicInverse r;
    geod_inverse(&wgs84_geodesic(), from.lat, from.lon, to.lat, to.lon, &r.distance_m, &r.azimuth1_deg, &r.azimuth2_deg);
    return r;
}

LonLat geodesic_direct(LonLat from, double azimuth_deg, double distance_m) {
    LonLat out;
    geod_direct(&wgs84_geodesic(), from.lat, from.lon, azimuth_deg, distance_m, &out.lat, &out.lon, nullptr);
    return out;
}

double geodesic_ring_area_m2(const std::vector<LonLat>& ring) {
    std::size_t n = ring.size();
    if (n >= 2 && ring.front().lon == ring.back().lon && ring.front().lat == ring.back().lat) --n;
    if (n < 3) return 0;
    std::vector<double> lats(n), lons(n);
    for (std::size_t i = 0; i < n; ++i) {
        lats[i] = ring[i].lat;
        lons[i] = ring[i].lon;
    }
    double area = 0, perimeter = 0;
    geod_polygonarea(&wgs84_geodesic(), lats.data(), lons.data(), static_cast<int>(n), &area, &perimeter);
    return std::fabs(area);
}

double geodesic_length_m(const Geometry& geometry) {
    if (geometry.is_empty()) return 0;
    double total = 0;
    for_each_part(geometry.get(), [&](const GEOSGeometry* part, int type) {
        if (type == GEOS_LINESTRING || type == GEOS_LINEARRING) {
            total += path_length_m(geos::coords_of(part));
        } else if (type == GEOS_POLYGON) {
            total += path_length_m(geos::coords_of(GEOSGetExteriorRing_r(geos::ctx(), part)));
            const int holes = GEOSGetNumInteriorRings_r(geos::ctx(), part);
            for (int i = 0; i < holes; ++i) total += path_length_m(geos::coords_of(GEOSGetInteriorRingN_r(geos::ctx(), part, i)));
        }
    });
    return total;
}

namespace {
// Polygon edges are straight in lon/lat (RFC 7946, and GEOS overlays treat them so). Before
// measuring a ring on the ellipsoid, edges longer than this are split so the geodesic between
// vertices follows the straight lon/lat edge (0.05 degrees: at most ~0.3 m apart at mid latitudes),
// and the pieces of an overlay add up to the whole.
constexpr double max_area_edge_deg = 0.05;

}  // namespace

double geodesic_area_m2(const Geometry& geometry) {
    if (geometry.is_empty()) return 0;
    double total = 0;
    for_each_part(geometry.get(), [&](const GEOSGeometry* part, int type) {
        if (type != GEOS_POLYGON || GEOSisEmpty_r(geos::ctx(), part)) return;
        total += geodesic_ring_area_m2(densify_lonlat(geos::coords_of(GEOSGetExteriorRing_r(geos::ctx(), part)), max_area_edge_deg));
        const int holes = GEOSGetNumInteriorRings_r(geos::ctx(), part);
        for (int i = 0; i < holes; ++i) total -= geodesic_ring_area_m2(densify_lonlat(geos::coords_of(GEOSGetInteriorRingN_r(geos::ctx(), part, i)), max_area_edge_deg));
    });
    return total;
}

}  // namespace dza
