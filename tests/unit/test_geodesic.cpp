// Geodesic numbers checked against GeographicLib's C++ library (an implementation independent of
// PROJ's C port) and against closed-form values.
#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/PolygonArea.hpp>

#include <catch2/catch.hpp>
#include <cmath>

#include "dza/geodesic.hpp"

using namespace dza;

namespace {
const GeographicLib::Geodesic& reference() { return GeographicLib::Geodesic::WGS84(); }

double reference_distance_m(LonLat a, LonLat b) {
    double s12 = 0;
    reference().Inverse(a.lat, a.lon, b.lat, b.lon, s12);
    return s12;
}

double reference_ring_area_m2(const std::vector<LonLat>& ring) {
    GeographicLib::PolygonArea poly(reference());
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) poly.AddPoint(ring[i].lat, ring[i].lon);  // last repeats first
    double perimeter = 0, area = 0;
    poly.Compute(false, true, perimeter, area);
    return std::fabs(area);
}
}  // namespace

TEST_CASE("inverse distances match GeographicLib within 1 mm", "[geodesic]") {
    const std::vector<std::pair<LonLat, LonLat>> cases = {
        {{24.03, 49.84}, {36.23, 49.99}},    // Lviv - Kharkiv
        {{30.52, 50.45}, {30.5201, 50.4501}},  // 13 m
        {{-73.8, 40.6}, {139.8, 35.7}},      // NYC - Tokyo, 10,800 km
        {{10, -30}, {-170, 30}},             // crosses the antimeridian, southern to northern
        {{0, 0}, {179.5, 0.5}},              // near-antipodal
        {{-120, -60}, {60, 60}},             // quadrants III -> I
        {{33.0, 46.5}, {22.1, 48.4}},        // across the whole of Ukraine
    };
    for (const auto& [a, b] : cases) {
        INFO("from " << a.lon << "," << a.lat << " to " << b.lon << "," << b.lat);
        CHECK(geodesic_inverse(a, b).distance_m == Approx(reference_distance_m(a, b)).margin(1e-3));
    }
}

TEST_CASE("closed-form distances on WGS84", "[geodesic]") {
    // One degree along the equator is a * pi / 180.
    CHECK(geodesic_inverse({0, 0}, {1, 0}).distance_m == Approx(6378137.0 * M_PI / 180.0).margin(1e-6));
    // The quarter meridian of WGS84 is 10,001,965.729 m.
    CHECK(geodesic_inverse({25, 0}, {25, 90}).distance_m == Approx(10001965.7293).margin(1e-3));
    // Due east at the equator has azimuth 90, due north 0.
    CHECK(geodesic_inverse({0, 0}, {1, 0}).azimuth1_deg == Approx(90.0).margin(1e-9));
    CHECK(geodesic_inverse({30, 10}, {30, 20}).azimuth1_deg == Approx(0.0).margin(1e-9));
}

TEST_CASE("direct then inverse returns the same distance and azimuth", "[geodesic]") {
    for (double azimuth : {0.0, 45.0, 135.0, -100.0, 179.0}) {
        for (double d : {1.0, 1000.0, 150000.0, 3000000.0}) {
            const LonLat start{31.2, 48.7};
            const LonLat end = geodesic_direct(start, azimuth, d);
            const auto back = geodesic_inverse(start, end);
            CHECK(back.distance_m == Approx(d).margin(1e-6));
            CHECK(std::remainder(back.azimuth1_deg - azimuth, 360.0) == Approx(0.0).margin(1e-7));
        }
    }
}

TEST_CASE("line lengths and polygon areas match GeographicLib", "[geodesic]") {
    const std::vector<LonLat> line = {{36.94, 50.29}, {37.6, 49.7}, {37.8, 48.98}, {37.18, 48.28}, {35.4, 47.5}, {32.6, 46.6}};
    double expected = 0;
    for (std::size_t i = 1; i < line.size(); ++i) expected += reference_distance_m(line[i - 1], line[i]);
    CHECK(geodesic_length_m(Geometry::line(line)) == Approx(expected).margin(1e-3));

    const std::vector<LonLat> outer = {{22, 48}, {26, 48}, {26, 51}, {22, 51}, {22, 48}};
    const std::vector<LonLat> hole = {{23, 49}, {24, 49}, {24, 50}, {23, 50}, {23, 49}};
    const Geometry poly = Geometry::polygon(outer, {hole});
    // Polygon edges are straight in lon/lat: the reference follows them with 1,000 points an edge.
    const auto follow = [](const std::vector<LonLat>& ring) {
        std::vector<LonLat> out;
        for (std::size_t i = 0; i + 1 < ring.size(); ++i)
            for (int k = 0; k < 1000; ++k)
                out.push_back({ring[i].lon + (ring[i + 1].lon - ring[i].lon) * k / 1000.0, ring[i].lat + (ring[i + 1].lat - ring[i].lat) * k / 1000.0});
        out.push_back(ring.back());
        return out;
    };
    // dza splits edges at 0.05 degrees; between those points the geodesic strays < 0.3 m from the
    // straight lon/lat edge, so the two agree to a few thousand m² on 100,000 km².
    CHECK(geodesic_area_m2(poly) == Approx(reference_ring_area_m2(follow(outer)) - reference_ring_area_m2(follow(hole))).epsilon(1e-7));
    // Orientation does not change the area.
    std::vector<LonLat> reversed(outer.rbegin(), outer.rend());
    CHECK(geodesic_ring_area_m2(reversed) == Approx(reference_ring_area_m2(outer)).margin(1.0));
    // Perimeter counts both rings.
    double perimeter = 0;
    for (const auto* ring : {&outer, &hole})
        for (std::size_t i = 1; i < ring->size(); ++i) perimeter += reference_distance_m((*ring)[i - 1], (*ring)[i]);
    CHECK(geodesic_length_m(poly) == Approx(perimeter).margin(1e-3));
}

TEST_CASE("area of a geodesic cap matches the closed form for an ellipsoidal zone", "[geodesic]") {
    // A ring of many vertices along the parallel at 80N approximates the polar cap above it; its
    // closed-form area on the ellipsoid is 2*pi*b^2 * (q(1) - q(sin phi)) / 2 with
    // q(x) = x/(1-e^2 x^2) + atanh(e x)/e (Snyder, Map Projections, eq. 3-12).
    const double a = 6378137.0, f = 1 / 298.257223563, b = a * (1 - f), e2 = f * (2 - f), e = std::sqrt(e2);
    const auto q = [&](double x) { return x / (1 - e2 * x * x) + std::atanh(e * x) / e; };
    const double phi = 80.0 * M_PI / 180.0;
    const double cap = M_PI * b * b * (q(1.0) - q(std::sin(phi)));
    // Geodesic edges between closely spaced vertices bulge poleward by < 1 m; 36000 vertices keep the
    // difference from the parallel well under 0.001%.
    std::vector<LonLat> ring;
    for (int i = 0; i < 36000; ++i) ring.push_back({-180.0 + i * 0.01, 80.0});
    CHECK(geodesic_ring_area_m2(ring) == Approx(cap).epsilon(1e-5));
}

TEST_CASE("areas bounded by straight lon/lat edges match GeographicLib following the edges", "[geodesic]") {
    // The reference follows each straight lon/lat edge with vertices 0.0005 degrees apart, where a
    // geodesic strays from the edge by micrometres: it measures the same region to well under a
    // square metre per edge. Long diagonal edges, both hemispheres, a ring across the
    // antimeridian (longitudes past 180) and a ring of many short edges.
    const auto follow = [](const std::vector<LonLat>& ring) {
        std::vector<LonLat> out;
        for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
            const LonLat p = ring[i], q = ring[i + 1];
            const int n = std::max(1, static_cast<int>(std::ceil(std::max(std::fabs(q.lon - p.lon), std::fabs(q.lat - p.lat)) / 0.0005)));
            for (int k = 0; k < n; ++k) out.push_back({p.lon + (q.lon - p.lon) * k / n, p.lat + (q.lat - p.lat) * k / n});
        }
        out.push_back(ring.back());
        return out;
    };
    std::vector<std::vector<LonLat>> rings = {
        {{22, 44}, {40, 46}, {37, 52.5}, {24, 51}, {22, 44}},        // Ukraine-sized, every edge diagonal
        {{-70, -55}, {-40, -20}, {-75, -10}, {-70, -55}},             // southern, 45 degrees of latitude
        {{170, 60}, {195, 62}, {190, 70}, {172, 68}, {170, 60}},      // across the antimeridian
        {{10, 0}, {11, 0}, {11, 1}, {10, 1}, {10, 0}},                // the equator, parallels and meridians
    };
    std::vector<LonLat> wiggly;  // 2,000 edges of about a kilometre, like the dense regions
    for (int i = 0; i < 1000; ++i) wiggly.push_back({24.0 + 0.004 * i, 48.0 + 0.003 * std::sin(i * 0.7)});
    for (int i = 0; i < 1000; ++i) wiggly.push_back({28.0 - 0.004 * i, 49.0 + 0.003 * std::cos(i * 0.9)});
    wiggly.push_back(wiggly.front());
    rings.push_back(wiggly);
    for (const auto& ring : rings) {
        const double expected = reference_ring_area_m2(follow(ring));
        CHECK(lonlat_ring_area_m2(ring) == Approx(expected).epsilon(1e-10).margin(1.0));
        std::vector<LonLat> reversed(ring.rbegin(), ring.rend());
        CHECK(lonlat_ring_area_m2(reversed) == Approx(expected).epsilon(1e-10).margin(1.0));
        std::vector<LonLat> open(ring.begin(), ring.end() - 1);  // the closing vertex left out
        CHECK(lonlat_ring_area_m2(open) == Approx(expected).epsilon(1e-10).margin(1.0));
    }
    // A band between two parallels, in closed form: 2 pi b^2 (q(sin phi2) - q(sin phi1)) / 2 per
    // full turn (Snyder eq. 3-12), here for 40 degrees of longitude.
    const double a = 6378137.0, f = 1 / 298.257223563, b = a * (1 - f), e2 = f * (2 - f), e = std::sqrt(e2);
    const auto q = [&](double x) { return x / (1 - e2 * x * x) + std::atanh(e * x) / e; };
    const double band = 40.0 / 360.0 * M_PI * b * b * (q(std::sin(70 * M_PI / 180)) - q(std::sin(-35 * M_PI / 180)));
    CHECK(lonlat_ring_area_m2({{0, -35}, {40, -35}, {40, 70}, {0, 70}, {0, -35}}) == Approx(band).epsilon(1e-12));
    CHECK(lonlat_ring_area_m2({{0, 0}, {1, 1}}) == 0.0);
}
