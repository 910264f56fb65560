#include "dza/geodesic.hpp"

#include <geodesic.h>

#include <algorithm>
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


double lonlat_ring_area_m2(const std::vector<LonLat>& ring) {
    // Green's theorem in (longitude, latitude): the area is the integral of F(lat) d(lon) around
    // the ring, F(lat) being the area between the equator and lat per radian of longitude,
    // (b^2 / 2) (sin lat / (1 - e^2 sin^2 lat) + atanh(e sin lat) / e) (Snyder, Map Projections,
    // eq. 3-12). Along a straight edge latitude is linear in longitude, so an edge adds its
    // longitude span times the mean of F over its latitudes, taken by 3-point Gauss-Legendre over
    // pieces of at most half a degree (error below 1e-6 m2 an edge). Meridian edges add nothing.
    constexpr double a = 6378137.0, f = 1 / 298.257223563, b = a * (1 - f), e2 = f * (2 - f);
    static const double e = std::sqrt(e2);
    constexpr double degree = M_PI / 180.0;
    const auto zone_m2 = [](double lat_deg) {
        const double s = std::sin(lat_deg * degree);
        return b * b / 2 * (s / (1 - e2 * s * s) + std::atanh(e * s) / e);
    };
    static const double node = std::sqrt(0.6);  // Gauss-Legendre nodes 0, +-sqrt(3/5); weights 8/9, 5/9
    if (ring.size() < 3) return 0;
    // F less its value at the first vertex: the integral of a constant around a ring is zero, and
    // smaller terms keep the sum's rounding small.
    const double base_m2 = zone_m2(ring.front().lat);
    const auto relative_m2 = [&](double lat_deg) { return zone_m2(lat_deg) - base_m2; };
    double sum = 0;
    const auto add_edge = [&](LonLat p, LonLat q) {
        const double dlon_rad = (q.lon - p.lon) * degree;
        if (dlon_rad == 0) return;
        if (p.lat == q.lat) {
            sum += dlon_rad * relative_m2(p.lat);
            return;
        }
        const int pieces = std::max(1, static_cast<int>(std::ceil(std::fabs(q.lat - p.lat) / 0.5)));
        const double step = (q.lat - p.lat) / pieces;
        double mean = 0;
        for (int k = 0; k < pieces; ++k) {
            const double mid = p.lat + (k + 0.5) * step, half = step / 2 * node;
            mean += (8.0 / 9.0 * relative_m2(mid) + 5.0 / 9.0 * (relative_m2(mid - half) + relative_m2(mid + half))) / 2;
        }
        sum += dlon_rad * mean / pieces;
    };
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) add_edge(ring[i], ring[i + 1]);
    if (ring.size() >= 2) add_edge(ring.back(), ring.front());  // nothing when the ring is closed
    return std::fabs(sum);
}

double geodesic_area_m2(const Geometry& geometry) {
    if (geometry.is_empty()) return 0;
    double total = 0;
    for_each_part(geometry.get(), [&](const GEOSGeometry* part, int type) {
        if (type != GEOS_POLYGON || GEOSisEmpty_r(geos::ctx(), part)) return;
        total += lonlat_ring_area_m2(geos::coords_of(GEOSGetExteriorRing_r(geos::ctx(), part)));
        const int holes = GEOSGetNumInteriorRings_r(geos::ctx(), part);
        for (int i = 0; i < holes; ++i) total -= lonlat_ring_area_m2(geos::coords_of(GEOSGetInteriorRingN_r(geos::ctx(), part, i)));
    });
    return total;
}

}  // namespace dza
