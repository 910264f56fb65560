// The sensor model's radii of curvature and radar horizon, against independent constructions:
// the curvature of GeographicLib geodesics in 3D, and grazing rays found by bisection.
#include <GeographicLib/Geocentric.hpp>
#include <GeographicLib/Geodesic.hpp>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>

#include "dza/error.hpp"
#include "dza/sensor.hpp"

using namespace dza;

namespace {

// The radius of the circle through three points of the geodesic leaving (lat, lon) in `azimuth`
// at -s, 0 and +s: a geodesic's curvature is the normal curvature of the surface in its direction.
double geodesic_curvature_radius_m(double lat, double lon, double azimuth, double s) {
    const auto& g = GeographicLib::Geodesic::WGS84();
    const auto& ecef = GeographicLib::Geocentric::WGS84();
    double p[3][3];
    const double steps[3] = {-s, 0, s};
    for (int i = 0; i < 3; ++i) {
        double la = lat, lo = lon;
        if (steps[i] != 0) g.Direct(lat, lon, azimuth, steps[i], la, lo);
        ecef.Forward(la, lo, 0, p[i][0], p[i][1], p[i][2]);
    }
    const auto dist = [](const double* a, const double* b) { return std::hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]); };
    const double a = dist(p[0], p[1]), b = dist(p[1], p[2]), c = dist(p[0], p[2]);
    const double u[3] = {p[1][0] - p[0][0], p[1][1] - p[0][1], p[1][2] - p[0][2]};
    const double v[3] = {p[2][0] - p[0][0], p[2][1] - p[0][1], p[2][2] - p[0][2]};
    const double cross = std::hypot(u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]);
    return a * b * c / (2 * cross);
}

// The farthest arc (m, on a sphere of radius r) at which a target h_t up is seen from h_a up: the
// largest angle whose straight chord between the two stays outside the sphere, by bisection.
double grazing_arc_m(double r, double h_a, double h_t) {
    // Clear when the point of the chord nearest the centre is an end (both are outside the
    // sphere), else when its distance ab sin(angle) / |B - A| is at least r, with
    // |B - A|^2 = (a - b)^2 + 4ab sin^2(angle / 2) (no cancellation), in long double.
    const long double a = r + static_cast<long double>(h_a), b = r + static_cast<long double>(h_t);
    const auto clear = [&](double angle) {
        const long double x = angle, c = std::cos(x), half = std::sin(x / 2);
        if (a * c >= b || b * c >= a) return true;
        return a * b * std::sin(x) / std::sqrt((a - b) * (a - b) + 4 * a * b * half * half) >= r;
    };
    double lo = 0, hi = 0.5;
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (lo + hi);
        (clear(mid) ? lo : hi) = mid;
    }
    return lo * r;
}

}  // namespace

TEST_CASE("normal-section radii of curvature match the curvature of WGS84 geodesics", "[sensor]") {
    for (double lat : {0.0, 30.0, 48.5, 50.0, 70.0}) {
        for (double az : {0.0, 30.0, 45.0, 90.0, 135.0, 260.0}) {
            const double expected = geodesic_curvature_radius_m(lat, 30.0, az, 2000.0);
            INFO("lat " << lat << " azimuth " << az);
            CHECK(normal_section_radius_m(lat, az) == Approx(expected).epsilon(1e-8));
        }
        CHECK(normal_section_radius_m(lat, 0) == Approx(meridional_radius_m(lat)).epsilon(1e-15));
        CHECK(normal_section_radius_m(lat, 90) == Approx(prime_vertical_radius_m(lat)).epsilon(1e-15));
        CHECK(meridional_radius_m(lat) <= prime_vertical_radius_m(lat));
    }
}

TEST_CASE("the radar horizon is the grazing ray's reach on the effective earth", "[sensor]") {
    for (double k : {1.0, 4.0 / 3.0}) {
        for (double h_a : {0.0, 10.0, 30.0, 500.0}) {
            for (double h_t : {0.0, 50.0, 300.0, 1000.0, 3000.0}) {
                const double r = 6391000.0;
                INFO("k " << k << " h_a " << h_a << " h_t " << h_t);
                CHECK(radar_horizon_m(r, k, h_a, h_t) == Approx(grazing_arc_m(k * r, h_a, h_t)).margin(0.01));
            }
        }
    }
    // The worked example of the README: 50 N, east, k = 4/3, 10 m and 300 m.
    const double d = radar_horizon_m(normal_section_radius_m(50, 90), 4.0 / 3.0, 10, 300);
    CHECK(d == Approx(grazing_arc_m(4.0 / 3.0 * prime_vertical_radius_m(50), 10, 300)).margin(0.01));
    CHECK(std::round(d / 100) / 10 == 84.6);
    // Refraction lets a sensor see farther.
    CHECK(radar_horizon_m(6.4e6, 4.0 / 3.0, 10, 300) > radar_horizon_m(6.4e6, 1.0, 10, 300) * 1.15);
}

TEST_CASE("the reach is the maximum range or the horizon, whichever is nearer", "[sensor]") {
    SensorReach r;
    r.max_range_m = 150000;
    r.sensor_height_m = 10;
    const LonLat site{30, 50};
    CHECK(reach_limit_m(r, site, 90, {}) == 150000);
    HorizonModel low{300.0, 4.0 / 3.0}, high{3000.0, 4.0 / 3.0};
    CHECK(reach_limit_m(r, site, 90, low) == Approx(radar_horizon_m(prime_vertical_radius_m(50), 4.0 / 3.0, 10, 300)));
    CHECK(reach_limit_m(r, site, 90, high) == 150000);
    // North the earth curves more than east, so the horizon is nearer.
    CHECK(reach_limit_m(r, site, 0, low) < reach_limit_m(r, site, 90, low));
}

TEST_CASE("the lowest visible altitude inverts the horizon and respects ranges and the sector", "[sensor]") {
    SensorReach r;
    r.max_range_m = 400000;
    r.min_range_m = 3000;
    r.sensor_height_m = 25;
    r.sector = Sector::from_to(300, 60);
    const LonLat site{24.0, 49.8};
    const auto& g = GeographicLib::Geodesic::WGS84();
    for (double az : {310.0, 0.0, 20.0, 59.0}) {
        for (double d : {5000.0, 20000.0, 60000.0, 150000.0, 390000.0}) {
            LonLat p;
            g.Direct(site.lat, site.lon, az, d, p.lat, p.lon);
            const double h = lowest_visible_altitude_m(r, site, p, 4.0 / 3.0);
            const double self_m = radar_horizon_m(normal_section_radius_m(site.lat, az), 4.0 / 3.0, r.sensor_height_m, 0);
            INFO("azimuth " << az << " distance " << d);
            if (d <= self_m) {
                CHECK(h == 0);
            } else {
                const double arc = grazing_arc_m(4.0 / 3.0 * normal_section_radius_m(site.lat, az), r.sensor_height_m, h);
                CHECK(arc == Approx(d).margin(0.5));
            }
        }
    }
    LonLat east, near, far;
    g.Direct(site.lat, site.lon, 90, 50000, east.lat, east.lon);
    g.Direct(site.lat, site.lon, 0, 2000, near.lat, near.lon);
    g.Direct(site.lat, site.lon, 0, 401000, far.lat, far.lon);
    CHECK(lowest_visible_altitude_m(r, site, east, 4.0 / 3.0) == never_visible_m);
    CHECK(lowest_visible_altitude_m(r, site, near, 4.0 / 3.0) == never_visible_m);
    CHECK(lowest_visible_altitude_m(r, site, far, 4.0 / 3.0) == never_visible_m);
}

TEST_CASE("sectors run clockwise from north and may wrap through it", "[sensor]") {
    const Sector north = Sector::from_to(300, 60);
    CHECK(north.width_deg == 120);
    CHECK(north.contains(0));
    CHECK(north.contains(330));
    CHECK(north.contains(-30));
    CHECK(north.contains(60));
    CHECK_FALSE(north.contains(61));
    CHECK_FALSE(north.contains(180));
    CHECK(Sector::from_to(0, 360).full());
    CHECK(Sector::from_to(-90, 270).full());
    CHECK(Sector::from_to(90, 180).to_deg() == 180);
    CHECK_THROWS_AS(Sector::from_to(45, 45), UsageError);
    CHECK_THROWS_AS(Sector::from_to(NAN, 45), UsageError);
}
