// A sensor's reach as a polygon, against an independent envelope: the radar horizon from the
// closed form in sensor.hpp's header comment with WGS84's radii from GeographicLib's constants,
// distances and azimuths from the site by GeographicLib. Every vertex lies on the exact envelope
// (outer arc, inner arc, sector edge or site) within 1 mm (vertices made by the cut at ±180°, on
// chords, within the stated error), the lon/lat midpoint of every edge within max_error_m, which
// is at most max(1 m, 0.01% of the range); areas match GeographicLib's polygon of the exact
// boundary drawn with 20,000 points per turn to 0.01%.
#include <GeographicLib/PolygonArea.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "dza/buffer.hpp"
#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/sensor.hpp"
#include "geodesic_circle.hpp"
#include "reference.hpp"

using namespace dza;

namespace {

constexpr double deg = M_PI / 180.0;

// What the test asks for, in its own terms.
struct Spec {
    std::string name;
    LonLat site;
    double min_m = 0, max_m = 0;
    std::optional<std::pair<double, double>> sector;  // [from, to] clockwise; none: the full circle
    std::optional<double> target_m;                   // none: no horizon
    double height_m = 0, k = 4.0 / 3.0;
    double tolerance_m = 1;
};

double wrap360(double a) {
    a = std::fmod(a, 360.0);
    return a < 0 ? a + 360.0 : a;
}

// The horizon in an azimuth from the header comment's formula, radii from GeographicLib's WGS84.
double reference_horizon_m(const Spec& s, double azimuth_deg) {
    if (!s.target_m) return std::numeric_limits<double>::infinity();
    const double a = reference::wgs84().EquatorialRadius(), f = reference::wgs84().Flattening(), e2 = f * (2 - f);
    const double sl = std::sin(s.site.lat * deg), w = 1 - e2 * sl * sl;
    const double m = a * (1 - e2) / std::pow(w, 1.5), n = a / std::sqrt(w);
    const double c = std::cos(azimuth_deg * deg), sn = std::sin(azimuth_deg * deg);
    const double kr = s.k / (c * c / m + sn * sn / n);
    return kr * (std::acos(kr / (kr + s.height_m)) + std::acos(kr / (kr + *s.target_m)));
}

double reference_limit_m(const Spec& s, double azimuth_deg) { return std::min(s.max_m, reference_horizon_m(s, azimuth_deg)); }

// The sector as [from, from + width] in degrees, width 360 for the full circle.
std::pair<double, double> sector_of(const Spec& s) {
    if (!s.sector) return {0.0, 360.0};
    const double from = wrap360(s.sector->first);
    double width = wrap360(s.sector->second - s.sector->first);
    return {from, width == 0 ? 360.0 : width};
}

bool in_sector(const Spec& s, double azimuth_deg, double slack_deg) {
    const auto [from, width] = sector_of(s);
    if (width >= 360) return true;
    const double rel = wrap360(azimuth_deg - from);
    return rel <= width + slack_deg || rel >= 360 - slack_deg;
}

SensorReachGeometry draw(const Spec& s) {
    SensorReach r;
    r.min_range_m = s.min_m;
    r.max_range_m = s.max_m;
    r.sensor_height_m = s.height_m;
    if (s.sector) r.sector = Sector::from_to(s.sector->first, s.sector->second);
    HorizonModel h;
    h.target_altitude_m = s.target_m;
    h.refraction_k = s.k;
    return sensor_reach_geometry(s.site, r, h, s.tolerance_m);
}

struct Polar {
    double d_m, azimuth_deg;
};

Polar polar(const Spec& s, LonLat p) {
    double d = 0, azi1 = 0, azi2 = 0;
    reference::wgs84().Inverse(s.site.lat, s.site.lon, p.lat, p.lon, d, azi1, azi2);
    return {d, wrap360(azi1)};
}

// How far `p` is from the exact envelope's boundary: the least of its distances to the outer
// arc, the inner arc, the sector's edges and the site (each where that part of the boundary is).
double off_envelope_m(const Spec& s, LonLat p) {
    const Polar q = polar(s, p);
    double best = std::numeric_limits<double>::infinity();
    const double slack_deg = q.d_m > 0 ? 2.0 / q.d_m / deg : 360.0;  // 2 m across, in azimuth
    if (in_sector(s, q.azimuth_deg, slack_deg)) {
        best = std::min(best, std::fabs(q.d_m - reference_limit_m(s, q.azimuth_deg)));
        if (s.min_m > 0 && reference_limit_m(s, q.azimuth_deg) >= s.min_m - 2) best = std::min(best, std::fabs(q.d_m - s.min_m));
    }
    if (s.sector) {
        const auto [from, width] = sector_of(s);
        for (double edge : {from, from + width}) {
            const double off_deg = std::fabs(std::remainder(q.azimuth_deg - edge, 360.0));
            if (off_deg < 90 && q.d_m >= s.min_m - 2 && q.d_m <= reference_limit_m(s, edge) + 2)
                best = std::min(best, q.d_m * std::sin(off_deg * deg));
        }
        if (s.min_m == 0) best = std::min(best, q.d_m);
    }
    return best;
}

bool on_antimeridian(LonLat p) { return std::fabs(p.lon) == 180.0; }

double shoelace(const std::vector<LonLat>& ring) {
    double sum = 0;
    for (std::size_t i = 1; i < ring.size(); ++i) sum += ring[i - 1].lon * ring[i].lat - ring[i].lon * ring[i - 1].lat;
    return sum;
}

struct Checked {
    std::size_t vertices = 0;
    double worst_vertex_m = 0, worst_midpoint_m = 0;
    std::vector<Polar> polars;  // of every vertex
};

// Valid, RFC 7946 winding, vertices on the envelope, edge midpoints within max_error_m.
Checked check_envelope(const Spec& s, const SensorReachGeometry& g) {
    Checked out;
    INFO(s.name);
    CHECK(g.geometry.is_valid());
    CHECK(g.max_error_m <= std::max(1.0, 1e-4 * s.max_m));
    for (const auto& polygon : g.geometry.polygons())
        for (std::size_t r = 0; r < polygon.size(); ++r) {
            const std::vector<LonLat>& ring = polygon[r];
            CHECK((shoelace(ring) > 0) == (r == 0));
            for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
                const LonLat p = ring[i], q = ring[i + 1];
                const double off = off_envelope_m(s, p);
                out.polars.push_back(polar(s, p));
                ++out.vertices;
                if (on_antimeridian(p)) {
                    CHECK(off <= g.max_error_m);
                } else {
                    out.worst_vertex_m = std::max(out.worst_vertex_m, off);
                }
                if (on_antimeridian(p) && on_antimeridian(q) && p.lon == q.lon) continue;  // the cut, not the reach's boundary
                const LonLat mid{0.5 * (p.lon + q.lon), 0.5 * (p.lat + q.lat)};
                out.worst_midpoint_m = std::max(out.worst_midpoint_m, off_envelope_m(s, mid));
            }
        }
    CHECK(out.worst_vertex_m <= 1e-3);
    CHECK(out.worst_midpoint_m <= g.max_error_m);
    return out;
}

// Geodesic area of a ring by GeographicLib, >= 0.
double reference_ring_area_m2(const std::vector<LonLat>& ring) {
    GeographicLib::PolygonArea poly(reference::wgs84());
    for (const LonLat& p : ring) poly.AddPoint(p.lat, p.lon);
    double perimeter = 0, area = 0;
    poly.Compute(false, true, perimeter, area);
    return std::fabs(area);
}

LonLat reference_at(const Spec& s, double azimuth_deg, double d_m) {
    LonLat p;
    reference::wgs84().Direct(s.site.lat, s.site.lon, azimuth_deg, d_m, p.lat, p.lon);
    return p;
}

// The exact envelope's area: GeographicLib's polygon of its boundary drawn with 20,000 points
// per turn of azimuth (the sector's edges are geodesics, so exact edges). The azimuths reached
// (the limit at or beyond the minimum range) are found by scanning 0.01 degree steps and
// bisecting where the limit crosses the minimum range.
double reference_area_m2(const Spec& s) {
    const auto [from, width] = sector_of(s);
    const auto reached = [&](double a) { return reference_limit_m(s, a) >= s.min_m; };
    // Spans of reached azimuths within the sector.
    std::vector<std::pair<double, double>> spans;
    const int scan = static_cast<int>(std::ceil(width / 0.01));
    bool is_open = false;
    double open_deg = 0;
    const auto crossing = [&](double lo, double hi) {  // reached(lo) != reached(hi)
        const bool at_lo = reached(lo);
        for (int i = 0; i < 100; ++i) {
            const double mid = 0.5 * (lo + hi);
            (reached(mid) == at_lo ? lo : hi) = mid;
        }
        return 0.5 * (lo + hi);
    };
    for (int i = 0; i <= scan; ++i) {
        const double a = from + width * i / scan;
        const bool in = reached(a);
        if (i == 0) {
            if (in) is_open = true, open_deg = a;
            continue;
        }
        const double prev = from + width * (i - 1) / scan;
        if (in && !is_open) is_open = true, open_deg = crossing(prev, a);
        if (!in && is_open) {
            spans.push_back({open_deg, crossing(prev, a)});
            is_open = false;
        }
    }
    if (is_open) spans.push_back({open_deg, from + width});
    if (width >= 360 && spans.size() == 1 && spans[0].first == from && spans[0].second == from + width) {
        // All round: a disc, less the inner disc.
        std::vector<LonLat> outer, inner;
        for (int i = 0; i < 20000; ++i) {
            const double a = 360.0 * i / 20000;
            outer.push_back(reference_at(s, a, reference_limit_m(s, a)));
            if (s.min_m > 0) inner.push_back(reference_at(s, a, s.min_m));
        }
        return reference_ring_area_m2(outer) - (s.min_m > 0 ? reference_ring_area_m2(inner) : 0.0);
    }
    double total = 0;
    for (const auto& [a0, a1] : spans) {
        std::vector<LonLat> ring;
        const int n = std::max(2, static_cast<int>(std::ceil((a1 - a0) / 360.0 * 20000)));
        for (int i = 0; i <= n; ++i) {
            const double a = a0 + (a1 - a0) * i / n;
            ring.push_back(reference_at(s, a, reference_limit_m(s, a)));
        }
        if (s.min_m == 0) ring.push_back(s.site);
        else
            for (int i = n; i >= 0; --i) ring.push_back(reference_at(s, a0 + (a1 - a0) * i / n, s.min_m));
        total += reference_ring_area_m2(ring);
    }
    return total;
}

// Within 0.01%; for a shape so thin that its chords' sag matters more (the pieces where the
// horizon barely passes the minimum range are a few hundred metres wide), within what a boundary
// within max_error_m of the exact one allows: perimeter times max_error_m.
void check_area(const Spec& s, const SensorReachGeometry& g, bool thin = false) {
    INFO(s.name);
    const double expected = reference_area_m2(s), got = geodesic_area_m2(g.geometry);
    if (!thin) {
        CHECK(got == Approx(expected).epsilon(1e-4));
        return;
    }
    double perimeter_m = 0;
    for (const auto& polygon : g.geometry.polygons())
        for (const auto& ring : polygon)
            for (std::size_t i = 0; i + 1 < ring.size(); ++i) perimeter_m += reference::distance_m(ring[i], ring[i + 1]);
    CHECK(std::fabs(got - expected) <= perimeter_m * g.max_error_m);
    CHECK(got == Approx(expected).epsilon(0.02));
}

// A vertex at this azimuth and distance from the site (within 1 mm across and along).
bool has_vertex(const Checked& c, double azimuth_deg, double d_m) {
    for (const Polar& p : c.polars)
        if (std::fabs(p.d_m - d_m) < 1e-3 && p.d_m * std::fabs(std::remainder(p.azimuth_deg - azimuth_deg, 360.0)) * deg < 1e-3) return true;
    return false;
}

}  // namespace

TEST_CASE("sensor reach: a plain disc is the coverage's geodesic circle", "[sensor]") {
    const LonLat site{10, 50};
    SensorReach r;
    r.max_range_m = 50'000;
    const SensorReachGeometry g = sensor_reach_geometry(site, r, {}, 10);
    const double max_error = buffer_max_error_m(50'000, 10);
    CHECK(g.max_error_m == max_error);
    const auto polygons = g.geometry.polygons();
    REQUIRE(polygons.size() == 1);
    REQUIRE(polygons[0].size() == 1);
    const std::vector<LonLat> ring = geodesic_circle_ring(site, 50'000, max_error);
    REQUIRE(polygons[0][0].size() == ring.size());
    for (std::size_t i = 0; i < ring.size(); ++i) {
        CHECK(polygons[0][0][i].lon == ring[i].lon);
        CHECK(polygons[0][0][i].lat == ring[i].lat);
    }
    // A horizon beyond the range everywhere leaves the same disc.
    HorizonModel far;
    far.target_altitude_m = 10'000;
    const auto same = sensor_reach_geometry(site, r, far, 10).geometry.polygons();
    REQUIRE(same.size() == 1);
    REQUIRE(same[0][0].size() == ring.size());
    for (std::size_t i = 0; i < ring.size(); ++i) CHECK((same[0][0][i].lon == ring[i].lon && same[0][0][i].lat == ring[i].lat));
}

TEST_CASE("sensor reach: vertices and chords on the exact envelope, areas of the exact envelope", "[sensor]") {
    Spec corner;  // the maximum range equal to the horizon at 45 degrees: corners at about 45, 135, 225, 315
    corner.name = "horizon meets the maximum range";
    corner.site = {5, 50};
    corner.height_m = 10, corner.target_m = 300;
    corner.max_m = 1e9;
    corner.max_m = reference_horizon_m(corner, 45);

    Spec partial;  // the horizon beyond the minimum range only about east and west
    partial.name = "horizon nearer than the minimum range north and south";
    partial.site = {5, 0};
    partial.height_m = 10, partial.target_m = 300;
    partial.max_m = 200'000;
    partial.min_m = 0.5 * (reference_horizon_m(partial, 0) + reference_horizon_m(partial, 90));

    const std::vector<Spec> specs = {
        {"disc", {10, 50}, 0, 50'000, std::nullopt, std::nullopt},
        {"annulus", {10, 50}, 5'000, 50'000, std::nullopt, std::nullopt},
        {"sector annulus", {-3, 40}, 10'000, 80'000, std::pair{30.0, 120.0}, std::nullopt},
        {"fan through north", {24, 60}, 0, 60'000, std::pair{300.0, 60.0}, std::nullopt},
        {"annular sector through north", {24, 60}, 20'000, 60'000, std::pair{300.0, 60.0}, std::nullopt},
        {"wide fan", {24, -35}, 0, 300'000, std::pair{10.0, 350.0}, std::nullopt},
        {"horizon nearer than max range, k = 4/3", {5, 50}, 0, 200'000, std::nullopt, 300.0, 10.0, 4.0 / 3.0},
        {"horizon nearer than max range, k = 1", {5, 50}, 0, 200'000, std::nullopt, 300.0, 10.0, 1.0},
        {"horizon fan with minimum range", {5, 50}, 30'000, 200'000, std::pair{200.0, 20.0}, 300.0, 10.0, 4.0 / 3.0},
        corner,
        partial,
        {"horizon nearer than the minimum range in part of a sector", partial.site, partial.min_m, 200'000, std::pair{-30.0, 60.0}, 300.0, 10.0},
        {"antimeridian fan", {179.5, -20}, 0, 150'000, std::pair{30.0, 150.0}, std::nullopt},
        {"antimeridian annulus", {-179.8, 10}, 20'000, 100'000, std::nullopt, std::nullopt},
        {"antimeridian disc", {179.9, 10}, 0, 100'000, std::nullopt, std::nullopt, 0, 4.0 / 3.0, 10},
        {"large tolerance", {30, 45}, 2'000, 400'000, std::pair{100.0, 260.0}, std::nullopt, 0, 4.0 / 3.0, 100},
    };
    for (const Spec& s : specs) {
        const SensorReachGeometry g = draw(s);
        INFO(s.name);
        REQUIRE_FALSE(g.geometry.is_empty());
        const Checked c = check_envelope(s, g);
        const bool thin = s.min_m > 0 && s.target_m && reference_horizon_m(s, 0) < s.min_m;
        if (s.tolerance_m <= 1) check_area(s, g, thin);  // chords within 1 m: the area within 0.01%
        // The sector's end azimuths are vertices, at both ends of the edge; a fan's apex is the site.
        if (s.sector && s.name.find("part of") == std::string::npos) {
            const auto [from, width] = sector_of(s);
            for (double edge : {from, from + width}) {
                CHECK(has_vertex(c, edge, reference_limit_m(s, edge)));
                CHECK(has_vertex(c, edge, s.min_m));
            }
        }
        if (s.name == corner.name) {
            // The corners are vertices: the horizon equals the maximum range there.
            for (double a : {45.0, 135.0, 225.0, 315.0}) CHECK(has_vertex(c, a, s.max_m));
        }
        if (s.name == partial.name) CHECK(g.geometry.polygons().size() == 2);
    }
}

TEST_CASE("sensor reach: the 4/3 earth reaches farther than no refraction", "[sensor]") {
    Spec s{"k", {5, 50}, 0, 200'000, std::nullopt, 300.0, 10.0, 4.0 / 3.0};
    const double a43 = geodesic_area_m2(draw(s).geometry);
    s.k = 1;
    const double a1 = geodesic_area_m2(draw(s).geometry);
    CHECK(a43 > a1 * 1.2);  // the horizon is sqrt(4/3) = 1.155 times farther: the area about 4/3 larger
    CHECK(a43 / a1 == Approx(4.0 / 3.0).epsilon(0.01));
}

TEST_CASE("sensor reach: nothing reached, poles and bad input", "[sensor]") {
    // The horizon (84.6 km at most) nearer than the minimum range all round.
    Spec s{"empty", {5, 50}, 100'000, 200'000, std::pair{0.0, 90.0}, 300.0, 10.0};
    CHECK(draw(s).geometry.is_empty());
    s.sector.reset();
    CHECK(draw(s).geometry.is_empty());
    CHECK(draw({"zero", {5, 50}, 0, 0, std::nullopt, std::nullopt}).geometry.is_empty());
    CHECK(draw({"no width", {5, 50}, 10'000, 10'000, std::nullopt, std::nullopt}).geometry.is_empty());
    // Within the range plus 1 km of a pole.
    CHECK_THROWS_AS(draw({"pole", {0, 89.5}, 0, 60'000, std::pair{0.0, 90.0}, std::nullopt}), DataError);
    CHECK_THROWS_AS(draw({"south pole", {0, -89.95}, 0, 10'000, std::nullopt, std::nullopt}), DataError);
    CHECK_NOTHROW(draw({"near a pole", {0, 88}, 0, 200'000, std::pair{0.0, 90.0}, std::nullopt}));
    CHECK_THROWS_AS(draw({"min above max", {5, 50}, 20'000, 10'000, std::nullopt, std::nullopt}), UsageError);
    CHECK_THROWS_AS(draw({"too far", {5, 50}, 0, 6e6, std::nullopt, std::nullopt}), UsageError);
    CHECK_THROWS_AS(draw({"tolerance", {5, 50}, 0, 10'000, std::nullopt, std::nullopt, 0, 4.0 / 3.0, 0.001}), UsageError);
}
