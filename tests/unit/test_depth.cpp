// How deeply a line is covered, and what the loss of one deployment takes away, against
// references that share no code with dza: discs centred on a meridian, whose crossings with it
// lie at the centres' meridian distance plus or minus the radius (a meridian is a geodesic), and
// discs' areas and lenses from GeographicLib (tests/unit/reference.hpp).
//
// Tolerances. The line crosses each circle at right angles, where the reach's ring lies within
// max_error_m of the exact circle: each end of a covered stretch moves by at most max_error_m,
// so a length bounded by k such ends is within k * max_error_m. A disc's area is within its
// perimeter times max_error_m.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "dza/coverage.hpp"
#include "dza/layer.hpp"
#include "reference.hpp"

using namespace dza;

namespace {

struct Disc {
    LonLat centre;
    double radius_m;
};

Layer discs_layer(const std::vector<Disc>& discs) {
    Layer l;
    l.source = "test";
    l.name = "deployments";
    l.fields = {{"name", FieldType::String}, {"radius_km", FieldType::Real}};
    for (std::size_t i = 0; i < discs.size(); ++i) {
        Feature f;
        f.fid = static_cast<std::int64_t>(i);
        f.values = {"D-" + std::to_string(i), discs[i].radius_m / 1000};
        f.geometry = Geometry::point(discs[i].centre);
        l.features.push_back(std::move(f));
    }
    return l;
}

Layer region_layer() {
    Layer l;
    l.source = "test";
    l.name = "region";
    l.fields = {{"name", FieldType::String}};
    Feature f;
    f.values = {"R"};
    f.geometry = Geometry::polygon({{20, 40}, {40, 40}, {40, 56}, {20, 56}});
    l.features.push_back(std::move(f));
    return l;
}

Layer meridian_layer(LonLat from, LonLat to) {
    Layer l;
    l.source = "test";
    l.name = "line";
    l.fields = {{"name", FieldType::String}};
    Feature f;
    f.values = {"L"};
    f.geometry = Geometry::line({from, to});
    l.features.push_back(std::move(f));
    return l;
}

CoverageOptions by_field() {
    CoverageOptions o;
    o.radius_field = "radius_km";
    return o;
}

// Lengths covered at least n times by intervals [a, b] of one axis: a sweep over their ends.
std::vector<double> depth_of(std::vector<std::pair<double, double>> intervals) {
    std::vector<std::pair<double, int>> events;
    for (const auto& [a, b] : intervals) {
        events.emplace_back(a, +1);
        events.emplace_back(b, -1);
    }
    std::sort(events.begin(), events.end());
    std::vector<double> exactly;
    int depth = 0;
    double prev = 0;
    for (const auto& [x, step] : events) {
        if (depth > 0) {
            if (exactly.size() < static_cast<std::size_t>(depth)) exactly.resize(static_cast<std::size_t>(depth), 0.0);
            exactly[static_cast<std::size_t>(depth - 1)] += x - prev;
        }
        depth += step;
        prev = x;
    }
    for (std::size_t n = exactly.size(); n-- > 1;) exactly[n - 1] += exactly[n];
    return exactly;
}

}  // namespace

TEST_CASE("depth along a meridian: overlapping discs and a disc inside another", "[coverage][depth]") {
    const LonLat start{30, 45}, end{30, 51};
    const Layer line = meridian_layer(start, end);
    // A and B overlap; C lies wholly inside A (set aside from the union, but it covers the line twice).
    const Disc a{{30, 47.5}, 60000}, b{{30, 48.3}, 50000}, c{{30, 47.6}, 20000};
    const Layer deployments = discs_layer({a, b, c});
    const CoverageResult r = compute_coverage(deployments, region_layer(), &line, {}, by_field());
    REQUIRE(r.line);
    CHECK(r.contained == 1);
    const double e_km = r.max_error_m / 1000;
    INFO("max_error_m " << r.max_error_m);

    // Each disc covers the meridian from its centre's distance minus the radius to plus the radius.
    const auto along = [&](const Disc& d) {
        const double s = reference::distance_m(start, d.centre) / 1000;
        return std::make_pair(s - d.radius_m / 1000, s + d.radius_m / 1000);
    };
    const std::vector<double> expected = depth_of({along(a), along(b), along(c)});
    REQUIRE(expected.size() == 2);  // C and B do not meet: nowhere three deep
    REQUIRE(r.line->depth_km.size() == 2);
    CHECK(std::fabs(r.line->depth_km[0] - expected[0]) <= 2 * e_km);
    CHECK(std::fabs(r.line->depth_km[1] - expected[1]) <= 4 * e_km);
    CHECK(r.line->depth_km[0] == Approx(r.line->covered_km).margin(1e-5));  // 1 cm

    // Losing one disc: the line's coverage is what the other two cover.
    REQUIRE(r.loss.size() == 3);
    const auto loss_of = [&](std::size_t feature) {
        const auto it = std::find_if(r.loss.begin(), r.loss.end(), [&](const DeploymentLoss& l) { return l.feature == feature; });
        REQUIRE(it != r.loss.end());
        return *it;
    };
    const DeploymentLoss without_a = loss_of(0), without_b = loss_of(1), without_c = loss_of(2);
    CHECK(without_a.name == "D-0");
    CHECK(std::fabs(without_a.line_covered_km - depth_of({along(b), along(c)})[0]) <= 4 * e_km);
    CHECK(std::fabs(without_b.line_covered_km - depth_of({along(a), along(c)})[0]) <= 4 * e_km);
    // C lies inside A: losing it changes nothing, on the line or in the territory.
    CHECK(without_c.line_covered_km == r.line->covered_km);
    CHECK(without_c.area_covered_km2 == r.total.covered_km2);
    // The worst loss first: B (A and C leave 120 km), then A (B and C leave 140 km), then C.
    CHECK(r.loss[0].feature == 1);
    CHECK(r.loss[1].feature == 0);
    CHECK(r.loss[2].feature == 2);

    // Areas: without B, disc A (C is inside it); without A, discs B and C (apart).
    const auto disc_km2 = [](const Disc& d) { return reference::circle_area_m2(d.centre, d.radius_m) / 1e6; };
    const auto margin_km2 = [&](const Disc& d) { return 2 * M_PI * d.radius_m / 1000 * e_km; };
    CHECK(std::fabs(without_b.area_covered_km2 - disc_km2(a)) <= margin_km2(a) + margin_km2(b));
    CHECK(std::fabs(without_a.area_covered_km2 - (disc_km2(b) + disc_km2(c))) <= margin_km2(a) + margin_km2(b) + margin_km2(c));
    const double union_km2 = disc_km2(a) + disc_km2(b) - reference::lens_area_m2(a.centre, a.radius_m, b.centre, b.radius_m) / 1e6;
    CHECK(std::fabs(r.total.covered_km2 - union_km2) <= margin_km2(a) + margin_km2(b));
}

TEST_CASE("depth: a line no reach meets, and no line at all", "[coverage][depth]") {
    const Layer deployments = discs_layer({{{25, 47}, 30000}, {{25.2, 47}, 30000}});
    const Layer line = meridian_layer({35, 45}, {35, 50});
    const CoverageResult r = compute_coverage(deployments, region_layer(), &line, {}, by_field());
    REQUIRE(r.line);
    CHECK(r.line->covered_km == 0);
    CHECK(r.line->depth_km.empty());
    REQUIRE(r.loss.size() == 2);
    for (const auto& l : r.loss) CHECK(l.line_covered_km == 0);
    // The two discs overlap: losing either leaves one disc, the same area (one is the other moved east).
    CHECK(r.loss[0].area_covered_km2 == Approx(r.loss[1].area_covered_km2).epsilon(1e-6));

    const CoverageResult no_line = compute_coverage(deployments, region_layer(), nullptr, {}, by_field());
    REQUIRE(no_line.loss.size() == 2);
    CHECK(std::isnan(no_line.loss[0].line_covered_km));
    const double disc_km2 = reference::circle_area_m2({25, 47}, 30000) / 1e6;
    CHECK(std::fabs(no_line.loss[0].area_covered_km2 - disc_km2) <= 2 * 2 * M_PI * 30 * no_line.max_error_m / 1000);
}

TEST_CASE("depth: a line crossing the same disc twice, and discs stacked three deep", "[coverage][depth]") {
    // A line down the meridian 30 and back up the meridian 30.5, through three discs on each.
    Layer line = meridian_layer({30, 45}, {30, 50});
    line.features[0].geometry = Geometry::line({{30, 45}, {30, 50}, {30.5, 50}, {30.5, 45}});
    const Disc big{{30.25, 47.5}, 80000}, mid{{30.25, 47.5}, 60000}, low{{30, 47.5}, 30000};
    const CoverageResult r = compute_coverage(discs_layer({big, mid, low}), region_layer(), &line, {}, by_field());
    REQUIRE(r.line);
    REQUIRE(r.line->depth_km.size() == 3);
    // Brute force along the line every 20 m: how many exact discs hold each point.
    const auto reach_count = [&](LonLat p) {
        int n = 0;
        for (const Disc& d : {big, mid, low}) n += reference::distance_m(p, d.centre) <= d.radius_m ? 1 : 0;
        return n;
    };
    std::vector<double> at_least(4, 0.0);
    const std::vector<LonLat> path = {{30, 45}, {30, 50}, {30.5, 50}, {30.5, 45}};
    for (std::size_t i = 1; i < path.size(); ++i) {
        const double length = reference::distance_m(path[i - 1], path[i]);
        double azi = 0, unused = 0, s = 0;
        reference::wgs84().Inverse(path[i - 1].lat, path[i - 1].lon, path[i].lat, path[i].lon, s, azi, unused);
        const int steps = static_cast<int>(std::ceil(length / 20.0));
        for (int k = 0; k < steps; ++k) {
            const LonLat p = reference::direct(path[i - 1], azi, length * (k + 0.5) / steps);
            for (int n = 1; n <= reach_count(p); ++n) at_least[static_cast<std::size_t>(n)] += length / steps / 1000;
        }
    }
    // Sampling every 20 m places each of the crossings to 10 m; the rings to max_error_m.
    const double margin_km = 12 * (0.01 + r.max_error_m / 1000);
    for (std::size_t n = 1; n <= 3; ++n) {
        INFO("depth " << n);
        CHECK(std::fabs(r.line->depth_km[n - 1] - at_least[n]) <= margin_km);
    }
}

TEST_CASE("depth: a reach with a hole (the buffer of a closed line) counts the band only", "[coverage][depth]") {
    // A closed ring of about 150 km a side buffered by 20 km: a band with a hole. A meridian
    // through the middle crosses the band twice; the hole is not covered. GEOS's cut of the line
    // by the coverage (covered_km) is the independent measure here: with the hole counted as
    // covered, depth_km[0] would exceed it by the hole's width (about 110 km).
    Layer deployments = discs_layer({{{0, 0}, 20000}});
    deployments.features[0].geometry = Geometry::line({{29, 47}, {31, 47}, {31, 49}, {29, 49}, {29, 47}});
    const Layer line = meridian_layer({30, 45}, {30, 51});
    const CoverageResult r = compute_coverage(deployments, region_layer(), &line, {}, by_field());
    REQUIRE(r.line);
    REQUIRE(r.line->depth_km.size() == 1);
    CHECK(r.line->depth_km[0] == Approx(r.line->covered_km).margin(1e-5));
    CHECK(r.line->covered_km == Approx(80).margin(1));  // two crossings of a 40 km band, nearly at right angles
    REQUIRE(r.loss.size() == 1);
    CHECK(r.loss[0].line_covered_km == Approx(0).margin(1e-9));
}
