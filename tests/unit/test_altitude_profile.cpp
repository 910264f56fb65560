// The lowest covered altitude along a line, against references built here: the horizon's
// closed form with WGS84 radii written out in the test, GeographicLib distances and azimuths,
// crossings found by bisection on those, and a brute force over every sensor.
#include <GeographicLib/Constants.hpp>
#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/GeodesicLine.hpp>

#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <iostream>
#include <random>

#include "dza/altitude_profile.hpp"
#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "helpers.hpp"

using namespace dza;

namespace {

const GeographicLib::Geodesic& geod() { return GeographicLib::Geodesic::WGS84(); }

constexpr double k43 = 4.0 / 3.0;
constexpr double rad = M_PI / 180.0;

// WGS84 normal-section radius of curvature at `lat_deg` in `azimuth_deg`, from the meridional and
// prime-vertical radii.
double radius_m(double lat_deg, double azimuth_deg) {
    const double a = GeographicLib::Constants::WGS84_a(), f = GeographicLib::Constants::WGS84_f();
    const double e2 = f * (2 - f), s = std::sin(lat_deg * rad), w = 1 - e2 * s * s;
    const double m = a * (1 - e2) / (w * std::sqrt(w)), n = a / std::sqrt(w);
    const double c = std::cos(azimuth_deg * rad), t = std::sin(azimuth_deg * rad);
    return 1 / (c * c / m + t * t / n);
}

// The lowest altitude seen at arc `d` over an earth of radius `r`, from a sensor `h_a` up:
// kR / cos(d / kR - acos(kR / (kR + h_a))) - kR, 0 within the sensor's own horizon.
double horizon_inverse_m(double d, double r, double k, double h_a) {
    const double kr = k * r, rest = d / kr - std::acos(kr / (kr + h_a));
    return rest <= 0 ? 0.0 : kr / std::cos(rest) - kr;
}

struct Polar {
    double distance_m, azimuth_deg;
};
Polar polar(LonLat from, LonLat to) {
    double s = 0, a1 = 0, a2 = 0;
    geod().Inverse(from.lat, from.lon, to.lat, to.lon, s, a1, a2);
    return {s, a1};
}
double distance_m(LonLat a, LonLat b) { return polar(a, b).distance_m; }
LonLat direct(LonLat from, double azimuth_deg, double s) {
    LonLat p;
    geod().Direct(from.lat, from.lon, azimuth_deg, s, p.lat, p.lon);
    return p;
}

// The reference altitude a disc sensor (or one whose sector holds the point) sees at `p`.
double reference_altitude_m(const SitedSensor& s, LonLat p, double k = k43) {
    const Polar g = polar(s.site, p);
    if (g.distance_m > s.reach.max_range_m) return never_visible_m;
    return horizon_inverse_m(g.distance_m, radius_m(s.site.lat, g.azimuth_deg), k, s.reach.sensor_height_m);
}

// The root of a function that changes sign once between lo and hi, to 1 mm.
double root(const std::function<double(double)>& f, double lo, double hi) {
    const bool rising = f(lo) < 0;
    while (hi - lo > 1e-3) {
        const double mid = 0.5 * (lo + hi);
        ((f(mid) < 0) == rising ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

SitedSensor sensor(const std::string& name, LonLat site, double max_range_m, double height_m, Sector sector = {}, double min_range_m = 0) {
    SitedSensor s;
    s.name = name;
    s.site = site;
    s.reach.max_range_m = max_range_m;
    s.reach.min_range_m = min_range_m;
    s.reach.sensor_height_m = height_m;
    s.reach.sector = sector;
    return s;
}

Layer line_of(const std::vector<std::vector<LonLat>>& features) {
    std::vector<std::pair<std::string, Geometry>> items;
    for (std::size_t i = 0; i < features.size(); ++i) items.emplace_back("L" + std::to_string(i + 1), Geometry::line(features[i]));
    return test::named_layer("line", std::move(items));
}

// Stretches of each feature part follow one another without gap from its start to its end.
void check_stretches_tile(const AltitudeProfile& p) {
    for (std::size_t i = 0; i + 1 < p.stretches.size(); ++i) {
        const ProfileStretch &a = p.stretches[i], &b = p.stretches[i + 1];
        if (a.feature == b.feature && a.part == b.part) {
            CHECK(a.to_km == b.from_km);
            CHECK(a.to_km > a.from_km - 1e-12);
        }
    }
}

}  // namespace

TEST_CASE("one sensor over a meridian: the altitude is the horizon's inverse and the seen stretch ends at the maximum range", "[profile]") {
    const SitedSensor a = sensor("A", {30, 50}, 200000, 10);
    const LonLat start{30, 49.5}, end{30, 53};
    const AltitudeProfile p = altitude_profile(line_of({{start, end}}), {a}, k43, 1000);

    REQUIRE(p.points.size() > 380);
    CHECK(p.points.front().along_km == 0);
    CHECK(p.points.back().along_km * 1000 == Approx(distance_m(start, end)).margin(1e-6));
    std::size_t checked = 0;
    for (std::size_t i = 0; i < p.points.size(); ++i) {
        const ProfilePoint& q = p.points[i];
        if (i > 0) CHECK(q.along_km - p.points[i - 1].along_km <= 1.0 + 1e-9);  // at most the spacing apart
        CHECK(q.along_km * 1000 == Approx(distance_m(start, q.at)).margin(1e-6));
        const double d = distance_m(a.site, q.at);
        INFO("along " << q.along_km << " km, " << d << " m from the site");
        if (d < 200000 - 1e-3) {
            CHECK(q.min_altitude_m == Approx(reference_altitude_m(a, q.at)).margin(1e-4));
            if (d < 12000) CHECK(q.min_altitude_m == 0);  // within the horizon of a sensor 10 m up (13 km)
            CHECK(q.seen_by == "A");
            ++checked;
        } else if (d > 200000 + 1e-3) {
            CHECK(q.min_altitude_m == never_visible_m);
            CHECK(q.seen_by.empty());
            CHECK_FALSE(q.sensor);
        }
    }
    CHECK(checked > 250);

    // Where the range ends, 200 km north of the site (GeographicLib), within 1 m.
    const LonLat edge = direct(a.site, 0, 200000);
    const double edge_along_m = distance_m(start, edge);
    REQUIRE(p.stretches.size() >= 2);
    const ProfileStretch& last_seen = p.stretches[p.stretches.size() - 2];
    const ProfileStretch& unseen = p.stretches.back();
    CHECK(unseen.min_altitude_m == never_visible_m);
    CHECK(unseen.seen_by.empty());
    CHECK(last_seen.min_altitude_m < never_visible_m);
    CHECK(last_seen.seen_by == "A");
    CHECK(last_seen.to_km * 1000 == Approx(edge_along_m).margin(profile_tolerance_m));
    const std::vector<LonLat> coords = last_seen.geometry.paths().at(0);
    CHECK(distance_m(a.site, coords.back()) == Approx(200000).margin(profile_tolerance_m));
    CHECK(distance_m(a.site, coords.back()) <= 200000);
    CHECK(unseen.from_km == last_seen.to_km);
    CHECK(unseen.to_km * 1000 == Approx(distance_m(start, end)).margin(1e-6));

    // Each stretch's altitude is at least the reference at every point of it, and at most one band
    // above the lowest (the bands are 10 m; 0 stands alone).
    check_stretches_tile(p);
    for (const ProfileStretch& s : p.stretches) {
        if (s.min_altitude_m == never_visible_m) continue;
        for (const ProfilePoint& q : p.points) {
            if (q.along_km < s.from_km || q.along_km > s.to_km || q.min_altitude_m == never_visible_m) continue;
            CHECK(reference_altitude_m(a, q.at) <= s.min_altitude_m + 1e-6);
            if (q.along_km > s.from_km && q.along_km < s.to_km) {
                if (s.min_altitude_m == 0) CHECK(q.min_altitude_m == 0);
                else CHECK(std::ceil(q.min_altitude_m / 10) == std::ceil(s.min_altitude_m / 10));
            }
        }
    }
    // The last seen stretch reaches the band of the altitude at 200 km.
    const double at_edge = horizon_inverse_m(200000, radius_m(50, 0), k43, 10);
    CHECK(last_seen.min_altitude_m <= at_edge + 1e-6);
    CHECK(last_seen.min_altitude_m > at_edge - 10);
}

TEST_CASE("a sector edge cuts the line where the azimuth from the site crosses it", "[profile]") {
    // Sector [0, 90]: north to east. The line runs west to east north of the site and enters the
    // sector where it crosses the site's meridian (azimuth 0).
    const SitedSensor a = sensor("A", {30, 50}, 300000, 10, Sector::from_to(0, 90));
    const LonLat start{29, 50.5}, end{31, 50.5};
    const AltitudeProfile p = altitude_profile(line_of({{start, end}}), {a}, k43, 1000);
    const GeographicLib::GeodesicLine gl = geod().InverseLine(start.lat, start.lon, end.lat, end.lon);
    const auto at = [&](double s) {
        LonLat q;
        gl.Position(s, q.lat, q.lon);
        return q;
    };
    const double cross_m = root([&](double s) { return at(s).lon - 30; }, 0, gl.Distance());
    CHECK(polar(a.site, at(cross_m)).azimuth_deg == Approx(0).margin(1e-6));

    REQUIRE(p.stretches.size() >= 2);
    CHECK(p.stretches.front().min_altitude_m == never_visible_m);
    CHECK(p.stretches.front().to_km * 1000 == Approx(cross_m).margin(profile_tolerance_m));
    CHECK(p.stretches[1].from_km == p.stretches.front().to_km);
    CHECK(p.stretches[1].seen_by == "A");
    // The two points that bracket the edge, at most 0.5 m apart, on either side of it.
    std::size_t changes = 0;
    for (std::size_t i = 0; i + 1 < p.points.size(); ++i) {
        const ProfilePoint &q = p.points[i], &r = p.points[i + 1];
        if (q.seen_by == r.seen_by) continue;
        ++changes;
        CHECK(q.seen_by.empty());
        CHECK(r.seen_by == "A");
        CHECK(q.along_km * 1000 <= cross_m + 1e-3);
        CHECK(r.along_km * 1000 >= cross_m - 1e-3);
        CHECK((r.along_km - q.along_km) * 1000 <= profile_tolerance_m);
        CHECK(r.min_altitude_m == Approx(reference_altitude_m(a, r.at)).margin(1e-4));
    }
    CHECK(changes == 1);
    // Everything east of the meridian is seen (all of it within range).
    for (const ProfilePoint& q : p.points)
        if (q.along_km * 1000 > cross_m + 1) CHECK(q.min_altitude_m < never_visible_m);
    check_stretches_tile(p);
}

TEST_CASE("two sensors: the seeing one changes where their altitudes are equal", "[profile]") {
    const SitedSensor a = sensor("A", {30, 50}, 300000, 10), b = sensor("B", {30, 52}, 300000, 50);
    const LonLat start{30, 49.8};
    const LonLat end{30, 52.2};
    const AltitudeProfile p = altitude_profile(line_of({{start, end}}), {a, b}, k43, 1000);
    // Along the meridian from the start: where A's altitude equals B's.
    const auto on_line = [&](double s) { return direct(start, 0, s); };
    const double change_m =
        root([&](double s) { return reference_altitude_m(a, on_line(s)) - reference_altitude_m(b, on_line(s)); }, distance_m(start, a.site) + 20000,
             distance_m(start, b.site) - 40000);
    const double altitude_there = reference_altitude_m(a, on_line(change_m));
    CHECK(altitude_there > 100);

    std::size_t changes = 0;
    for (std::size_t i = 0; i + 1 < p.points.size(); ++i) {
        const ProfilePoint &q = p.points[i], &r = p.points[i + 1];
        if (q.seen_by == r.seen_by) continue;
        ++changes;
        CHECK(q.seen_by == "A");
        CHECK(r.seen_by == "B");
        CHECK(q.along_km * 1000 <= change_m + 1e-3);
        CHECK(r.along_km * 1000 >= change_m - 1e-3);
        CHECK((r.along_km - q.along_km) * 1000 <= profile_tolerance_m);
        // The altitude changes by less than 1 cm per metre there.
        CHECK(q.min_altitude_m == Approx(altitude_there).margin(0.01));
        CHECK(r.min_altitude_m == Approx(altitude_there).margin(0.01));
    }
    CHECK(changes == 1);
    // Every point takes the lower of the two.
    for (const ProfilePoint& q : p.points) {
        const double ra = reference_altitude_m(a, q.at), rb = reference_altitude_m(b, q.at);
        CHECK(q.min_altitude_m == Approx(std::min(ra, rb)).margin(1e-4));
        CHECK(q.seen_by == (ra <= rb ? "A" : "B"));
    }
    // The stretch that holds the change is seen by both, in order.
    bool found = false;
    for (const ProfileStretch& s : p.stretches)
        if (s.from_km * 1000 < change_m && s.to_km * 1000 > change_m) {
            found = true;
            CHECK(s.seen_by == "A, B");
        }
    CHECK(found);
    check_stretches_tile(p);
}

TEST_CASE("the longest uncovered run between two ranges, at any altitude and below 300 m", "[profile]") {
    const SitedSensor a = sensor("A", {30, 50}, 100000, 10), b = sensor("B", {30, 53}, 100000, 10);
    const LonLat start{30, 49.5}, end{30, 53.5};
    const AltitudeProfile p = altitude_profile(line_of({{start, end}}), {a, b}, k43, 1000);

    // Nothing sees it from 100 km north of A to 100 km south of B.
    const std::optional<UncoveredRun> gap = longest_uncovered_below(p, 1e7);
    REQUIRE(gap);
    const double from_m = distance_m(start, direct(a.site, 0, 100000)), to_m = distance_m(start, direct(b.site, 180, 100000));
    CHECK(gap->feature == 0);
    CHECK(gap->from_km * 1000 == Approx(from_m).margin(profile_tolerance_m));
    CHECK(gap->to_km * 1000 == Approx(to_m).margin(profile_tolerance_m));
    CHECK(gap->length_km == Approx(gap->to_km - gap->from_km).margin(1e-12));

    // Below 300 m: from where A's altitude passes 300 m to where B's falls back to it.
    const auto on_line = [&](double s) { return direct(start, 0, s); };
    const double up_m = root([&](double s) { return reference_altitude_m(a, on_line(s)) - 300; }, distance_m(start, a.site) + 20000, from_m - 1);
    const double down_m = root([&](double s) { return reference_altitude_m(b, on_line(s)) - 300; }, to_m + 1, distance_m(start, b.site) - 20000);
    const std::optional<UncoveredRun> low = p.longest_uncovered();
    REQUIRE(low);
    CHECK(low->from_km * 1000 == Approx(up_m).margin(profile_tolerance_m));
    CHECK(low->to_km * 1000 == Approx(down_m).margin(profile_tolerance_m));
    CHECK(low->length_km > gap->length_km);
    CHECK_FALSE(longest_uncovered_below(p, never_visible_m));
}

TEST_CASE("the longest uncovered run of a profile made by hand", "[profile]") {
    AltitudeProfile p;
    const double inf = never_visible_m;
    const auto add = [&](std::size_t feature, std::size_t part, double along_km, LonLat at, double altitude_m) {
        ProfilePoint q;
        q.feature = feature, q.part = part, q.along_km = along_km, q.at = at, q.min_altitude_m = altitude_m;
        p.points.push_back(q);
    };
    // Feature 0: above 300 m from 1 to 5 km; above 400 m from 2 to 4 km.
    const double f0[] = {100, 200, 400, inf, 350, 100};
    for (int i = 0; i < 6; ++i) add(0, 0, i, {0, 0}, f0[i]);
    // Feature 1: unseen from 0 to 3 km (the piece to the last point takes the larger end).
    const double f1[] = {inf, inf, inf, 100};
    for (int i = 0; i < 4; ++i) add(1, 0, i, {0, 0}, f1[i]);

    std::optional<UncoveredRun> r = longest_uncovered_below(p, 300);
    REQUIRE(r);
    CHECK(r->feature == 0);
    CHECK(r->from_km == 1);
    CHECK(r->to_km == 5);
    CHECK(r->length_km == 4);
    r = longest_uncovered_below(p, 400);  // a piece at 400 m is covered at 400 m: only above counts
    REQUIRE(r);
    CHECK(r->feature == 1);
    CHECK(r->from_km == 0);
    CHECK(r->to_km == 3);
    CHECK_FALSE(longest_uncovered_below(p, inf));
    CHECK(longest_uncovered_below(p, 0)->length_km == 5);
    CHECK(longest_uncovered_below(p, 0)->feature == 0);
    CHECK(longest_uncovered_below(p, 350)->feature == 0);  // runs of 3 km in each feature: the first
    CHECK(longest_uncovered_below(p, 350)->from_km == 1);
    CHECK(longest_uncovered_below(p, 350)->to_km == 4);

    // Feature 2: two parts that touch; the run goes on across them (4.45 km > 3 km).
    AltitudeProfile touching;
    touching.points = p.points;
    const double step_km = distance_m({0, 0}, {0.02, 0}) / 1000;
    const auto add_to = [&](AltitudeProfile& q, std::size_t part, double along_km, LonLat at) {
        ProfilePoint pt;
        pt.feature = 2, pt.part = part, pt.along_km = along_km, pt.at = at;
        q.points.push_back(pt);
    };
    add_to(touching, 0, 0, {0, 0});
    add_to(touching, 0, step_km, {0.02, 0});
    AltitudeProfile apart;
    apart.points = touching.points;
    add_to(touching, 1, step_km, {0.02, 0});
    add_to(touching, 1, 2 * step_km, {0.04, 0});
    r = longest_uncovered_below(touching, 400);
    REQUIRE(r);
    CHECK(r->feature == 2);
    CHECK(r->length_km == Approx(2 * step_km).margin(1e-12));
    // Parts that do not touch: two runs of 2.2 km; feature 1's 3 km is the longest.
    add_to(apart, 1, step_km, {0.03, 0});
    add_to(apart, 1, 2 * step_km, {0.05, 0});
    r = longest_uncovered_below(apart, 400);
    REQUIRE(r);
    CHECK(r->feature == 1);
    CHECK_THROWS_AS(longest_uncovered_below(apart, NAN), UsageError);
}

TEST_CASE("the index of sensors gives the brute-force minimum over all of them, whatever the threads", "[profile]") {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<SitedSensor> sensors;
    for (int i = 0; i < 300; ++i) {
        const LonLat site{28 + 8 * u(rng), 47 + 5 * u(rng)};
        const double range = 20000 + 180000 * u(rng);
        Sector sector;
        if (i % 5 == 0) sector = Sector::from_to(360 * u(rng), 360 * u(rng));
        sensors.push_back(sensor("S" + std::to_string(i), site, range, 30 * u(rng), sector, i % 7 == 0 ? 0.2 * range * u(rng) : 0));
    }
    sensors.push_back(sensor("near", {30.2, 49.62}, 60000, 20));  // by the line, with an equal twin after it
    sensors.push_back(sensors.back());
    sensors.back().name = "twin";
    std::vector<std::pair<std::string, Geometry>> items;
    items.emplace_back("M", Geometry::from_wkt("MULTILINESTRING ((28.5 49, 30.2 49.6, 31 48.2, 33.5 50.9, 35.2 50.1), (29 51.5, 34 51.2))"));
    items.emplace_back("L", Geometry::line({{27.5, 47.5}, {36, 52}}));
    const Layer line = test::named_layer("line", std::move(items));
    const auto run = [&](const char* threads) {
        const test::ScopedEnv env("DZA_THREADS", threads);
        return altitude_profile(line, sensors, k43, 2000);
    };
    const AltitudeProfile p = run("1"), p2 = run("2");
    REQUIRE(p.points.size() == p2.points.size());
    REQUIRE(p.stretches.size() == p2.stretches.size());
    for (std::size_t i = 0; i < p.points.size(); ++i) {
        const ProfilePoint& q = p.points[i];
        CHECK(q.min_altitude_m == p2.points[i].min_altitude_m);
        CHECK(q.seen_by == p2.points[i].seen_by);
        CHECK(q.along_km == p2.points[i].along_km);
        double best = never_visible_m;
        std::string by;
        for (const SitedSensor& s : sensors) {
            const double h = lowest_visible_altitude_m(s.reach, s.site, q.at, k43);
            if (h < best) best = h, by = s.name;
        }
        INFO("point " << i << " along " << q.along_km);
        CHECK(q.min_altitude_m == best);
        CHECK(q.seen_by == by);
    }
    for (std::size_t i = 0; i < p.stretches.size(); ++i) {
        CHECK(p.stretches[i].from_km == p2.stretches[i].from_km);
        CHECK(p.stretches[i].min_altitude_m == p2.stretches[i].min_altitude_m);
        CHECK(p.stretches[i].seen_by == p2.stretches[i].seen_by);
    }
    check_stretches_tile(p);
    CHECK(std::any_of(p.stretches.begin(), p.stretches.end(), [](const ProfileStretch& s) { return s.feature == 0 && s.part == 1; }));
    CHECK(p.stretches.back().feature == 1);
    CHECK(p.stretches.back().part == 0);
    CHECK(std::any_of(p.points.begin(), p.points.end(), [](const ProfilePoint& q) { return q.seen_by == "near"; }));
    CHECK_FALSE(std::any_of(p.points.begin(), p.points.end(), [](const ProfilePoint& q) { return q.seen_by == "twin"; }));
}

TEST_CASE("near the pole the index still finds every sensor that sees a point", "[profile]") {
    // The line runs over the North Pole; sensors around it reach across every longitude.
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<SitedSensor> sensors;
    for (int i = 0; i < 60; ++i) {
        Sector sector;
        if (i % 4 == 0) sector = Sector::from_to(360 * u(rng), 360 * u(rng));
        sensors.push_back(sensor("P" + std::to_string(i), {360 * u(rng) - 180, 85 + 5 * u(rng)}, 50000 + 400000 * u(rng), 30 * u(rng), sector));
    }
    const Layer line = line_of({{{0, 86}, {180, 87}}, {{-60, 89.9}, {120, 89.95}}});
    const AltitudeProfile p = altitude_profile(line, sensors, k43, 2000);
    std::size_t seen = 0;
    for (const ProfilePoint& q : p.points) {
        double best = never_visible_m;
        std::string by;
        for (const SitedSensor& x : sensors) {
            const double h = lowest_visible_altitude_m(x.reach, x.site, q.at, k43);
            if (h < best) best = h, by = x.name;
        }
        CHECK(q.min_altitude_m == best);
        CHECK(q.seen_by == by);
        if (best < never_visible_m) ++seen;
    }
    CHECK(seen > p.points.size() / 2);
    check_stretches_tile(p);
}

TEST_CASE("with disc sensors, a stretch's altitude holds all along it, checked every 50 m", "[profile]") {
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<SitedSensor> sensors;
    for (int i = 0; i < 40; ++i)
        sensors.push_back(sensor("S" + std::to_string(i), {30 + 4 * u(rng), 49 + 2 * u(rng)}, 30000 + 120000 * u(rng), 40 * u(rng)));
    const LonLat start{29.5, 50.2}, end{34.5, 50.0};
    const AltitudeProfile p = altitude_profile(line_of({{start, end}}), sensors, k43, 1000);
    const GeographicLib::GeodesicLine gl = geod().InverseLine(start.lat, start.lon, end.lat, end.lon);
    std::size_t s = 0, checked = 0;
    for (double d = 0; d <= gl.Distance(); d += 50) {
        while (s + 1 < p.stretches.size() && p.stretches[s].to_km * 1000 < d) ++s;
        LonLat q;
        gl.Position(d, q.lat, q.lon);
        double best = never_visible_m;
        for (const SitedSensor& x : sensors) best = std::min(best, reference_altitude_m(x, q));
        INFO(d << " m along, stretch from " << p.stretches[s].from_km << " to " << p.stretches[s].to_km);
        CHECK(best <= p.stretches[s].min_altitude_m + 1e-3);
        ++checked;
    }
    CHECK(checked > 7000);
}

TEST_CASE("a line across the antimeridian is seen from a sensor on the other side, its stretches cut at ±180", "[profile]") {
    const SitedSensor a = sensor("A", {179.8, 60}, 100000, 20);
    const LonLat start{179.0, 60.0}, end{-179.0, 60.1};
    const AltitudeProfile p = altitude_profile(line_of({{start, end}}), {a}, k43, 1000);
    CHECK(p.points.back().along_km * 1000 == Approx(distance_m(start, end)).margin(1e-6));
    std::size_t east = 0;
    for (const ProfilePoint& q : p.points) {
        const double d = distance_m(a.site, q.at);
        if (d > 100000 - 1e-3 && d < 100000 + 1e-3) continue;
        CHECK(q.min_altitude_m == Approx(reference_altitude_m(a, q.at)).margin(1e-4));
        if (q.at.lon < -179.5 && q.min_altitude_m < never_visible_m) ++east;
    }
    CHECK(east > 10);
    double length_m = 0;
    for (const ProfileStretch& s : p.stretches) {
        const Extent e = s.geometry.extent();
        CHECK(e.min_lon >= -180);
        CHECK(e.max_lon <= 180);
        for (const std::vector<LonLat>& path : s.geometry.paths())
            for (std::size_t i = 1; i < path.size(); ++i) length_m += distance_m(path[i - 1], path[i]);
    }
    CHECK(length_m == Approx(distance_m(start, end)).margin(1.0));
}

TEST_CASE("the profile as layers: stretches as lines, points as a table, unseen as null", "[profile]") {
    const SitedSensor a = sensor("A", {30, 50}, 50000, 10);
    const Layer line = line_of({{{30, 49.8}, {30, 50.8}}});
    const AltitudeProfile p = altitude_profile(line, {a}, k43, 1000);
    const std::vector<Layer> layers = altitude_profile_layers(p, line);
    REQUIRE(layers.size() == 2);
    const Layer &st = layers[0], &pt = layers[1];
    CHECK(st.name == "line_altitude");
    CHECK(pt.name == "line_altitude_profile");
    std::vector<std::string> names;
    for (const FieldDef& f : st.fields) names.push_back(f.name);
    CHECK(names == std::vector<std::string>{"feature", "name", "from_km", "to_km", "min_altitude_m", "seen_by"});
    names.clear();
    for (const FieldDef& f : pt.fields) names.push_back(f.name);
    CHECK(names == std::vector<std::string>{"feature", "name", "along_km", "lon", "lat", "min_altitude_m", "seen_by"});
    REQUIRE(st.features.size() == p.stretches.size());
    REQUIRE(pt.features.size() == p.points.size());
    const Feature& last = st.features.back();  // beyond 50 km: unseen
    CHECK(last.values[0] == 0);
    CHECK(last.values[1] == "L1");
    CHECK(last.values[4].is_null());
    CHECK(last.values[5] == "");
    CHECK(last.geometry.type_name() == "LineString");
    CHECK(last.values[3].get<double>() == Approx(distance_m({30, 49.8}, {30, 50.8}) / 1000).margin(5e-4));
    const Feature& first = st.features.front();  // 22 km south of a sensor 10 m up: 4.8 m
    CHECK(first.values[4].get<double>() > 0);
    CHECK(first.values[4].get<double>() <= 10);
    CHECK(first.values[5] == "A");
    CHECK(std::any_of(st.features.begin(), st.features.end(), [](const Feature& f) { return f.values[4] == 0.0 && f.values[5] == "A"; }));
    for (std::size_t i = 0; i < pt.features.size(); ++i) {
        const Feature& f = pt.features[i];
        CHECK(f.geometry.type_name() == "Point");
        CHECK(f.values[3].get<double>() == Approx(p.points[i].at.lon).margin(1e-7));
        if (p.points[i].min_altitude_m == never_visible_m) CHECK(f.values[5].is_null());
        else CHECK(f.values[5].get<double>() == Approx(p.points[i].min_altitude_m).margin(0.05));
    }
}

TEST_CASE("bad inputs to the profile are refused with what to give", "[profile]") {
    const SitedSensor a = sensor("A", {30, 50}, 50000, 10);
    const Layer line = line_of({{{30, 49.8}, {30, 50.8}}});
    CHECK_THROWS_AS(altitude_profile(line, {a}, 0, 1000), UsageError);
    CHECK_THROWS_AS(altitude_profile(line, {a}, k43, 0), UsageError);
    CHECK_THROWS_AS(altitude_profile(line, {a}, NAN, 1000), UsageError);
    SitedSensor bad = a;
    bad.reach.max_range_m = NAN;
    CHECK_THAT(test::error_of<DataError>([&] { altitude_profile(line, {a, bad}, k43); }), Catch::Contains("sensor \"A\"") && Catch::Contains("maximum range"));
    bad = a;
    bad.site.lat = 95;
    CHECK_THAT(test::error_of<DataError>([&] { altitude_profile(line, {bad}, k43); }), Catch::Contains("latitude"));
    const Layer points = test::named_layer("points", [] {
        std::vector<std::pair<std::string, Geometry>> v;
        v.emplace_back("P", Geometry::point({30, 50}));
        return v;
    }());
    CHECK_THAT(test::error_of<DataError>([&] { altitude_profile(points, {a}, k43); }), Catch::Contains("no feature is a line"));
    // No sensors: the whole line is unseen, one stretch.
    const AltitudeProfile none = altitude_profile(line, {}, k43);
    REQUIRE(none.stretches.size() == 1);
    CHECK(none.stretches[0].min_altitude_m == never_visible_m);
    CHECK(none.longest_uncovered()->length_km == Approx(distance_m({30, 49.8}, {30, 50.8}) / 1000).margin(1e-9));
}

TEST_CASE("10,000 sensors along a 1,500 km line, on one core", "[profile]") {
    // A line of 1,500 km zigzagging east across 50 N.
    std::vector<LonLat> pts{{22, 48}};
    for (int i = 1; i <= 30; ++i) pts.push_back(direct(pts.back(), i % 2 ? 60 : 110, 50000));
    const Layer line = line_of({pts});
    // Sensors scattered beside the line: `near_m` to `far_m` off a point of it, square to it, on
    // both sides or (one_side) on its left only.
    const auto scatter = [&](double near_m, double far_m, double min_range_m, double max_range_m, bool one_side) {
        std::mt19937 rng(3);
        std::uniform_real_distribution<double> u(0, 1);
        std::vector<SitedSensor> sensors;
        for (int i = 0; i < 10000; ++i) {
            const std::size_t v = static_cast<std::size_t>(u(rng) * static_cast<double>(pts.size() - 1));
            const Polar seg = polar(pts[v], pts[v + 1]);
            const LonLat foot = direct(pts[v], seg.azimuth_deg, seg.distance_m * u(rng));
            const double side = one_side || u(rng) < 0.5 ? -90 : 90;
            const LonLat site = direct(foot, seg.azimuth_deg + side, near_m + (far_m - near_m) * u(rng));
            Sector sector;
            if (i % 5 == 0) sector = Sector::from_to(360 * u(rng), 360 * u(rng));
            sensors.push_back(sensor("S" + std::to_string(i), site, min_range_m + (max_range_m - min_range_m) * u(rng), 5 + 25 * u(rng), sector,
                                     i % 10 == 0 ? 2000 : 0));
        }
        return sensors;
    };
    const test::ScopedEnv serial("DZA_THREADS", "1");
    const auto timed = [&](const char* what, const std::vector<SitedSensor>& sensors) {
        const auto t0 = std::chrono::steady_clock::now();
        const std::clock_t c0 = std::clock();
        const AltitudeProfile p = altitude_profile(line, sensors, k43, 1000);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double cpu_seconds = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
        std::cerr << "altitude profile, 10,000 sensors " << what << ": " << p.points.back().along_km << " km, " << p.points.size() << " points, "
                  << p.stretches.size() << " stretches in " << seconds << " s on one core (" << cpu_seconds << " s of CPU)\n";
        CHECK(p.points.back().along_km == Approx(1500).margin(1));
        return seconds;
    };
    // Dense: within 150 km, ranges 20 to 200 km (the line is seen from the ground almost everywhere).
    CHECK(timed("within 150 km", scatter(0, 150000, 20000, 200000, false)) < 5);
    // Standing back on one side: 40 to 300 km away, ranges 100 to 400 km (altitudes of tens to
    // hundreds of metres, changing all along).
    CHECK(timed("40 to 300 km back", scatter(40000, 300000, 100000, 400000, true)) < 5);
}
