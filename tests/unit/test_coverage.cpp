// Coverage checked against independent references (tests/unit/reference.hpp, GeographicLib
// only): the area of a geodesic disk and of the lens where two disks overlap, a line through a
// disk's centre, and the default scenario's figures against an integration over rows of
// latitude whose covered longitudes are found by bisection on geodesic distances.
//
// Tolerances. Every vertex of a reach lies on the exact circle and every straight edge within
// max_error_m of it, inside or out; so a reach's area differs from the disk's by less than its
// perimeter times max_error_m, and where a line crosses a circle at right angles the crossing
// moves by at most max_error_m.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <fstream>
#include <random>

#include "dza/coverage.hpp"
#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/layer.hpp"
#include "dza/territory.hpp"
#include "helpers.hpp"
#include "reference.hpp"
#include "test_paths.hpp"

using namespace dza;

namespace {

struct Deployment {
    LonLat at;
    double radius_km = 0;
    std::string role = "ground";
};

Layer deployment_layer(const std::vector<Deployment>& items) {
    Layer l;
    l.source = "test";
    l.name = "deployments";
    l.fields = {{"name", FieldType::String}, {"role", FieldType::String}, {"radius_km", FieldType::Real}};
    for (std::size_t i = 0; i < items.size(); ++i) {
        Feature f;
        f.fid = static_cast<std::int64_t>(i);
        f.values = {"D-" + std::to_string(i), items[i].role, items[i].radius_km};
        f.geometry = Geometry::point(items[i].at);
        l.features.push_back(std::move(f));
    }
    return l;
}

Layer polygon_layer(const std::string& name, const std::vector<std::vector<LonLat>>& shells) {
    Layer l;
    l.source = "test";
    l.name = name;
    l.fields = {{"name", FieldType::String}};
    for (std::size_t i = 0; i < shells.size(); ++i) {
        Feature f;
        f.fid = static_cast<std::int64_t>(i);
        f.values = {name + "-" + std::to_string(i)};
        f.geometry = Geometry::polygon(shells[i]);
        l.features.push_back(std::move(f));
    }
    return l;
}

Layer line_layer(const std::vector<LonLat>& pts) {
    Layer l;
    l.source = "test";
    l.name = "line";
    l.fields = {{"name", FieldType::String}};
    Feature f;
    f.values = {"the line"};
    f.geometry = Geometry::line(pts);
    l.features.push_back(std::move(f));
    return l;
}

// A region far larger than the circles: lon 20..40, lat 40..56.
Layer big_region() { return polygon_layer("region", {{{20, 40}, {40, 40}, {40, 56}, {20, 56}}}); }

CoverageOptions by_field() {
    CoverageOptions o;
    o.radius_field = "radius_km";
    return o;
}

std::vector<LonLat> exterior(const Geometry& polygon) { return polygon.polygons().at(0).at(0); }

// The default scenario's layers read straight from GeoJSON (nlohmann), not through dza.
nlohmann::json read_json(const std::string& name) {
    std::ifstream in(std::string(dza::test::data_dir) + "/" + name);
    return nlohmann::json::parse(in);
}

reference::Rings rings_of(const nlohmann::json& geometry) {
    reference::Rings out;
    const auto add_polygon = [&](const nlohmann::json& rings) {
        for (const auto& ring : rings) {
            std::vector<LonLat> pts;
            for (const auto& c : ring) pts.push_back({c[0].get<double>(), c[1].get<double>()});
            out.push_back(std::move(pts));
        }
    };
    if (geometry["type"] == "Polygon") add_polygon(geometry["coordinates"]);
    else
        for (const auto& poly : geometry["coordinates"]) add_polygon(poly);
    return out;
}

}  // namespace

TEST_CASE("one circle inside a region covers the geodesic disk's area", "[coverage]") {
    const Layer region = big_region();
    for (const auto& [centre, radius_km] : std::vector<std::pair<LonLat, double>>{{{30, 48}, 100}, {{25, 54}, 10}, {{31, 45}, 500}, {{35, 50}, 1}}) {
        const Layer deployments = deployment_layer({{centre, radius_km}});
        const CoverageResult r = compute_coverage(deployments, region, nullptr, {}, by_field());
        const double radius_m = radius_km * 1000;
        const double disk_km2 = reference::circle_area_m2(centre, radius_m) / 1e6;
        const double bound_km2 = 2 * M_PI * radius_m * r.max_error_m / 1e6;
        INFO("radius " << radius_km << " km: dza " << r.regions[0].covered_km2 << " km², disk " << disk_km2 << " km², bound " << bound_km2);
        REQUIRE(r.regions.size() == 1);
        CHECK(std::fabs(r.regions[0].covered_km2 - disk_km2) <= bound_km2);
        CHECK(r.regions[0].redundant_km2 == 0);
        CHECK(r.regions[0].deployments == 1);
        CHECK(r.max_error_m == Approx(std::min(10.0, 0.75 * std::max(1.0, 1e-4 * radius_m))));
        // The region's own area: a lon/lat rectangle, edges along parallels and meridians.
        std::vector<LonLat> rect;
        for (int k = 0; k <= 2000; ++k) rect.push_back({20 + 20.0 * k / 2000, 40});
        for (int k = 0; k <= 2000; ++k) rect.push_back({40 - 20.0 * k / 2000, 56});
        CHECK(r.regions[0].area_km2 == Approx(reference::geodesic_polygon_area_m2(rect) / 1e6).epsilon(1e-6));
        CHECK(r.regions[0].covered_pct == Approx(100 * r.regions[0].covered_km2 / r.regions[0].area_km2));
        // Every vertex on the circle; every edge's lon/lat midpoint within max_error_m of it.
        const std::vector<LonLat> ring = exterior(r.coverage);
        REQUIRE(ring.size() > 16);
        double worst_m = 0;
        for (std::size_t i = 1; i < ring.size(); ++i) {
            worst_m = std::max(worst_m, std::fabs(reference::distance_m(centre, ring[i]) - radius_m));
            const LonLat mid{(ring[i - 1].lon + ring[i].lon) / 2, (ring[i - 1].lat + ring[i].lat) / 2};
            worst_m = std::max(worst_m, std::fabs(reference::distance_m(centre, mid) - radius_m));
        }
        CHECK(worst_m <= r.max_error_m);
        // Gaps are the rest of the region.
        CHECK(r.gaps_km2 + r.total.covered_km2 == Approx(r.total.area_km2).epsilon(1e-9));
    }
}

TEST_CASE("two overlapping circles: redundancy is the lens, never counted twice", "[coverage]") {
    const Layer region = big_region();
    const LonLat a{30, 48};
    const double radius_m = 100000;
    for (double apart_km : {20.0, 120.0, 190.0}) {
        const LonLat b = reference::direct(a, 70, apart_km * 1000);
        const Layer deployments = deployment_layer({{a, 100}, {b, 100}});
        const CoverageResult r = compute_coverage(deployments, region, nullptr, {}, by_field());
        const double disk_km2 = reference::circle_area_m2(a, radius_m) / 1e6 + reference::circle_area_m2(b, radius_m) / 1e6;
        const double lens_km2 = reference::lens_area_m2(a, radius_m, b, radius_m) / 1e6;
        const double bound_km2 = 2 * 2 * M_PI * radius_m * r.max_error_m / 1e6;
        INFO(apart_km << " km apart: redundant " << r.regions[0].redundant_km2 << " km², lens " << lens_km2 << " km²; covered " << r.regions[0].covered_km2
                      << " km², 2 disks - lens " << disk_km2 - lens_km2 << " km²");
        CHECK(std::fabs(r.regions[0].redundant_km2 - lens_km2) <= bound_km2);
        CHECK(std::fabs(r.regions[0].covered_km2 - (disk_km2 - lens_km2)) <= bound_km2);
        CHECK(r.regions[0].deployments == 2);
        CHECK(r.contained == 0);
    }
    // A small circle inside a large one adds nothing to the union; all of it is redundant.
    const Layer nested = deployment_layer({{a, 150}, {reference::direct(a, 200, 40000), 60}});
    const CoverageResult r = compute_coverage(nested, region, nullptr, {}, by_field());
    CHECK(r.contained == 1);
    const double big_km2 = reference::circle_area_m2(a, 150000) / 1e6;
    const double small_km2 = reference::circle_area_m2(reference::direct(a, 200, 40000), 60000) / 1e6;
    CHECK(std::fabs(r.regions[0].covered_km2 - big_km2) <= 2 * M_PI * 150000 * r.max_error_m / 1e6);
    CHECK(std::fabs(r.regions[0].redundant_km2 - small_km2) <= 2 * M_PI * 60000 * r.max_error_m / 1e6);
    CHECK(r.regions[0].deployments == 2);
}

TEST_CASE("circles whose centre lies outside a region count when they reach into it, few or many", "[coverage]") {
    // An L-shaped region (lon 20-30 by lat 40-42, and lon 20-22 by lat 40-50) with edges
    // densified to 0.01°, so straight lon/lat and geodesic edges agree to well under a
    // millimetre. Circles sit in the notch east of the meridian 22°E, within the region's
    // envelope, at set distances beyond (or within) their radius from its edge.
    std::vector<LonLat> ring;
    const auto edge = [&](LonLat a, LonLat b) {
        const int n = static_cast<int>(std::ceil(std::max(std::fabs(b.lon - a.lon), std::fabs(b.lat - a.lat)) / 0.01));
        for (int k = 0; k < n; ++k) ring.push_back({a.lon + (b.lon - a.lon) * k / n, a.lat + (b.lat - a.lat) * k / n});
    };
    const std::vector<LonLat> corners = {{20, 40}, {30, 40}, {30, 42}, {22, 42}, {22, 50}, {20, 50}, {20, 40}};
    for (std::size_t i = 1; i < corners.size(); ++i) edge(corners[i - 1], corners[i]);
    ring.push_back(ring.front());
    const Layer region = polygon_layer("region", {ring});
    const double radius_m = 100000;
    const std::vector<double> offsets_m = {-3000, -300, -60, 40, 400, 3000};  // the centre's distance beyond the radius
    std::vector<Deployment> all;
    std::size_t reaching = 0;
    for (int k = 0; k < 90; ++k) {
        const double offset_m = offsets_m[static_cast<std::size_t>(k) % offsets_m.size()];
        const LonLat centre = reference::direct({22, 43.5 + 5.0 * k / 90}, 90, radius_m + offset_m);
        // Its distance to the region, found independently: it is outside, so to the boundary.
        const double distance_m = reference::nearest_on_path_bounded(centre, ring).distance_m;
        REQUIRE(std::fabs(distance_m - (radius_m + offset_m)) < 1.0);
        const bool reaches = distance_m < radius_m;
        all.push_back({centre, radius_m / 1000});
        if (reaches) ++reaching;
        if (k < static_cast<int>(offsets_m.size())) {
            // One at a time: few reaches over the region.
            const CoverageResult r = compute_coverage(deployment_layer({all.back()}), region, nullptr, {}, by_field());
            INFO("centre " << offset_m << " m beyond the radius");
            CHECK(r.regions[0].deployments == (reaches ? 1u : 0u));
            CHECK(r.total.deployments == (reaches ? 1u : 0u));
        }
    }
    // All at once: many reaches over the region.
    const CoverageResult r = compute_coverage(deployment_layer(all), region, nullptr, {}, by_field());
    CHECK(r.regions[0].deployments == reaching);
    CHECK(r.total.deployments == reaching);
}

TEST_CASE("a line through a circle's centre is covered for twice the radius", "[coverage]") {
    const Layer region = big_region();
    const LonLat c{30, 48};
    const double radius_m = 100000, arm_m = 300000;
    // Two geodesic edges from the centre: A -> centre -> B.
    const LonLat end_a = reference::direct(c, 60, arm_m), end_b = reference::direct(c, 250, arm_m);
    const Layer line = line_layer({end_a, c, end_b});
    const Layer deployments = deployment_layer({{c, 100}});
    const CoverageResult r = compute_coverage(deployments, region, &line, {}, by_field());
    REQUIRE(r.line);
    const double e_km = r.max_error_m / 1000;
    CHECK(r.line->length_km == Approx(2 * arm_m / 1000).margin(1e-6));
    CHECK(std::fabs(r.line->covered_km - 2 * radius_m / 1000) <= 2 * e_km);
    CHECK(r.line->covered_pct == Approx(100 * r.line->covered_km / r.line->length_km));
    REQUIRE(r.line->gaps.size() == 2);
    const LineGap& first = r.line->gaps[0];
    const LineGap& second = r.line->gaps[1];
    CHECK(first.from_km == Approx(0).margin(1e-9));
    CHECK(std::fabs(first.length_km - (arm_m - radius_m) / 1000) <= e_km);
    CHECK(std::fabs(first.to_km - (arm_m - radius_m) / 1000) <= e_km);
    CHECK(std::fabs(second.from_km - (arm_m + radius_m) / 1000) <= e_km);
    CHECK(std::fabs(second.length_km - (arm_m - radius_m) / 1000) <= e_km);
    CHECK(second.to_km == Approx(2 * arm_m / 1000).margin(e_km));
    // The ends of the gaps: the line's ends, and where it crosses the circle.
    CHECK(reference::distance_m(first.start, end_a) < 1e-3);
    CHECK(reference::distance_m(first.end, reference::direct(c, 60, radius_m)) <= r.max_error_m);
    CHECK(reference::distance_m(second.start, reference::direct(c, 250, radius_m)) <= r.max_error_m);
    CHECK(reference::distance_m(second.end, end_b) < 1e-3);
    CHECK(first.geometry.type_name() == "LineString");
    CHECK(geodesic_length_m(first.geometry) / 1000 == Approx(first.length_km).margin(1e-9));
}

TEST_CASE("the default scenario's figures agree with an integration on the ellipsoid", "[coverage][scenario]") {
    LoadOptions quiet;
    const std::string data = dza::test::data_dir;
    const Layer deployments = load_layer(LayerRef::parse(data + "/deployments.geojson"), quiet);
    const Layer regions = load_layer(LayerRef::parse(data + "/regions.geojson"), quiet);
    const Layer line = load_layer(LayerRef::parse(data + "/ceasefire_line.geojson"), quiet);
    const Layer maritime = load_layer(LayerRef::parse(data + "/maritime_zone.geojson"), quiet);
    const auto start = std::chrono::steady_clock::now();
    const CoverageResult r = compute_coverage(deployments, regions, &line, {&maritime}, by_field());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(seconds < 10);

    // The reference reads the GeoJSON itself.
    const nlohmann::json deployments_json = read_json("deployments.geojson"), regions_json = read_json("regions.geojson"),
                         maritime_json = read_json("maritime_zone.geojson"), line_json = read_json("ceasefire_line.geojson");
    std::vector<reference::Disk> disks;
    for (const auto& f : deployments_json["features"])
        disks.push_back({{f["geometry"]["coordinates"][0].get<double>(), f["geometry"]["coordinates"][1].get<double>()},
                         f["properties"]["radius_km"].get<double>() * 1000});
    std::vector<reference::Rings> polygons;
    std::vector<std::string> names;
    for (const auto& f : regions_json["features"]) {
        polygons.push_back(rings_of(f["geometry"]));
        names.push_back(f["properties"]["name"].get<std::string>());
    }
    polygons.push_back(rings_of(maritime_json["features"][0]["geometry"]));
    // Rows 0.002 degrees (about 220 m) apart.
    const std::vector<reference::RowCoverage> ref = reference::coverage_by_rows(polygons, disks, 0.002);

    constexpr double tolerance_pct = 0.1;  // percentage points
    REQUIRE(r.regions.size() == names.size());
    double area_sum = 0, covered_sum = 0, redundant_sum = 0, worst_pct = 0;
    const auto compare = [&](const AreaCoverage& a, const reference::RowCoverage& x) {
        const double ref_area = x.area_m2 / 1e6, ref_covered_pct = 100 * x.covered_m2 / x.area_m2, ref_redundant_pct = 100 * x.redundant_m2 / x.area_m2;
        INFO(a.name << ": area " << a.area_km2 << " / " << ref_area << " km², covered " << a.covered_pct << " / " << ref_covered_pct << " %, redundant "
                    << 100 * a.redundant_km2 / a.area_km2 << " / " << ref_redundant_pct << " %");
        CHECK(a.area_km2 == Approx(ref_area).epsilon(1e-4));
        CHECK(std::fabs(a.covered_pct - ref_covered_pct) <= tolerance_pct);
        CHECK(std::fabs(100 * a.redundant_km2 / a.area_km2 - ref_redundant_pct) <= tolerance_pct);
        CHECK(a.deployments == static_cast<std::size_t>(std::count(x.reaches.begin(), x.reaches.end(), true)));
        worst_pct = std::max({worst_pct, std::fabs(a.covered_pct - ref_covered_pct), std::fabs(100 * a.redundant_km2 / a.area_km2 - ref_redundant_pct)});
    };
    for (std::size_t i = 0; i < names.size(); ++i) {
        CHECK(r.regions[i].name == names[i]);
        compare(r.regions[i], ref[i]);
        area_sum += ref[i].area_m2 / 1e6;
        covered_sum += ref[i].covered_m2 / 1e6;
        redundant_sum += ref[i].redundant_m2 / 1e6;
    }
    REQUIRE(r.targets.size() == 1);
    compare(r.targets[0], ref.back());
    // The territory: the regions do not overlap, so its figures are their sums.
    CHECK(r.total.area_km2 == Approx(area_sum).epsilon(1e-4));
    CHECK(std::fabs(r.total.covered_pct - 100 * covered_sum / area_sum) <= tolerance_pct);
    CHECK(std::fabs(100 * r.total.redundant_km2 / r.total.area_km2 - 100 * redundant_sum / area_sum) <= tolerance_pct);
    WARN("default scenario: largest difference from the row integration " << worst_pct << " percentage points; coverage took " << seconds << " s");

    // The line: walked along its geodesics every 100 m, crossings by bisection.
    std::vector<LonLat> path;
    for (const auto& c : line_json["features"][0]["geometry"]["coordinates"]) path.push_back({c[0].get<double>(), c[1].get<double>()});
    const reference::PathCoverage along = reference::path_coverage(path, disks);
    REQUIRE(r.line);
    CHECK(r.line->length_km == Approx(along.length_m / 1000).epsilon(1e-9));
    CHECK(std::fabs(r.line->covered_pct - 100 * along.covered_m / along.length_m) <= tolerance_pct);
    REQUIRE(r.line->gaps.size() == along.gaps.size());
    for (std::size_t i = 0; i < along.gaps.size(); ++i) {
        CHECK(r.line->gaps[i].from_km == Approx(along.gaps[i].first / 1000).margin(0.5));
        CHECK(r.line->gaps[i].to_km == Approx(along.gaps[i].second / 1000).margin(0.5));
    }
}

TEST_CASE("reach: role before field before one radius", "[coverage]") {
    Layer d = deployment_layer({{{30, 48}, 100, "air defence"}, {{31, 48}, 50, "ground"}, {{32, 48}, 70, "ISR"}});
    d.features[2].values[2] = nullptr;  // no radius in the field
    CoverageOptions o;
    o.radius_by_role_m = {{"air defence", 120000}};
    o.radius_field = "radius_km";
    o.radius_m = 30000;
    const std::vector<double> r = deployment_reaches_m(d, o);
    CHECK(r[0] == 120000);  // its role
    CHECK(r[1] == 50000);   // its field
    CHECK(r[2] == 30000);   // the one radius, the field being empty
    o.radius_m.reset();
    CHECK_THROWS_AS(deployment_reaches_m(d, o), DataError);
    o.radius_field.clear();
    o.radius_m = 1000;
    CHECK(deployment_reaches_m(d, o) == std::vector<double>{120000, 1000, 1000});
    // A text holding a number is read; a feature without geometry has no reach.
    d.features[1].values[2] = " 42 ";
    d.features[0].geometry = Geometry();
    o = by_field();
    d.features[2].values[2] = 7;
    const std::vector<double> by_text = deployment_reaches_m(d, o);
    CHECK(std::isnan(by_text[0]));
    CHECK(by_text[1] == 42000);
}

TEST_CASE("bad inputs are named: feature, field, value", "[coverage]") {
    const Layer region = big_region();
    Layer d = deployment_layer({{{30, 48}, 100}, {{31, 48}, 50}});
    d.features[1].values[2] = nullptr;
    try {
        compute_coverage(d, region, nullptr, {}, by_field());
        FAIL("no error for an empty radius");
    } catch (const DataError& e) {
        CHECK_THAT(e.what(), Catch::Equals("test|layername=deployments: feature 1 (\"D-1\"): field radius_km is empty, expected a reach in km (a number, 0 or more)"));
    }
    d.features[1].values[2] = -5;
    CHECK_THROWS_WITH(compute_coverage(d, region, nullptr, {}, by_field()), Catch::Contains("field radius_km is -5"));
    d.features[1].values[2] = "far";
    CHECK_THROWS_WITH(compute_coverage(d, region, nullptr, {}, by_field()), Catch::Contains("field radius_km is \"far\""));
    d.features[1].values[2] = 50;

    CoverageOptions o;
    o.radius_m = -1000;
    CHECK_THROWS_AS(compute_coverage(d, region, nullptr, {}, o), UsageError);
    o.radius_m.reset();
    CHECK_THROWS_AS(compute_coverage(d, region, nullptr, {}, o), UsageError);  // no reach at all
    o.radius_field = "radius_kn";
    CHECK_THROWS_WITH(compute_coverage(d, region, nullptr, {}, o), Catch::Contains("did you mean \"radius_km\""));
    o = by_field();
    o.radius_by_role_m = {{"ground", -3}};
    CHECK_THROWS_AS(compute_coverage(d, region, nullptr, {}, o), UsageError);

    // Regions with no polygon, a target with none, a line layer with no line.
    Layer empty = polygon_layer("empty", {});
    CHECK_THROWS_AS(compute_coverage(d, empty, nullptr, {}, by_field()), DataError);
    const Layer points = deployment_layer({{{30, 48}, 1}});
    CHECK_THROWS_WITH(compute_coverage(d, points, nullptr, {}, by_field()), Catch::Contains("no feature is a polygon"));
    CHECK_THROWS_AS(compute_coverage(d, region, nullptr, {&points}, by_field()), DataError);
    CHECK_THROWS_WITH(compute_coverage(d, region, &region, {}, by_field()), Catch::Contains("no feature is a line"));
}

TEST_CASE("areas asked for during the coverage give the figures, warnings and errors of areas given first", "[coverage]") {
    // Data: the default scenario with the territory split at the line (Kyiv's side controlled),
    // and a region without geometry, which the coverage warns about.
    Layer regions = test::data_layer("regions.geojson");
    Feature empty;
    empty.fid = 1000;
    empty.values = regions.features.front().values;
    empty.values[*regions.label_field()] = "nowhere";
    regions.features.push_back(std::move(empty));
    const Layer deployments = test::data_layer("deployments.geojson");
    const Layer line = test::data_layer("ceasefire_line.geojson");
    const Territory territory = split_territory(regions, line, test::kyiv_side());

    std::vector<std::string> given_warnings, asked_warnings;
    CoverageOptions given = by_field();
    given.territory = &territory.land;
    given.gaps_within = &territory.controlled;
    given.gaps_within_name = "controlled side";
    given.callbacks.warn = [&](const std::string& m) { given_warnings.push_back(m); };
    given.callbacks.warning("the areas' warning");  // as a split made first would warn
    const CoverageResult a = compute_coverage(deployments, regions, &line, {}, given);

    CoverageOptions asked = by_field();
    int calls = 0;
    asked.areas = [&](const Callbacks& callbacks) {
        ++calls;
        callbacks.warning("the areas' warning");
        return CoverageAreas{&territory.land, &territory.controlled, "controlled side"};
    };
    asked.callbacks.warn = [&](const std::string& m) { asked_warnings.push_back(m); };
    const CoverageResult b = compute_coverage(deployments, regions, &line, {}, asked);
    CHECK(calls == 1);
    CHECK(asked_warnings == given_warnings);
    REQUIRE(asked_warnings.size() == 2);
    CHECK(asked_warnings[1].find("has no geometry") != std::string::npos);
    CHECK(b.gaps_within == "controlled side");
    CHECK(b.gaps_km2 == a.gaps_km2);
    CHECK(b.total.area_km2 == a.total.area_km2);
    CHECK(b.total.covered_km2 == a.total.covered_km2);
    CHECK(b.total.redundant_km2 == a.total.redundant_km2);
    CHECK(b.total.deployments == a.total.deployments);
    REQUIRE(b.regions.size() == a.regions.size());
    for (std::size_t i = 0; i < a.regions.size(); ++i) {
        CHECK(b.regions[i].covered_km2 == a.regions[i].covered_km2);
        CHECK(b.regions[i].deployments == a.regions[i].deployments);
    }
    // The gaps against an independent sum: the controlled side less its covered part.
    CHECK(b.gaps_km2 == Approx(geodesic_area_m2(territory.controlled) / 1e6 -
                               geodesic_area_m2(territory.controlled.intersection(a.coverage)) / 1e6)
                            .epsilon(1e-6));

    // No areas given back: the union of the regions, with the gaps measured within it.
    asked.areas = [](const Callbacks&) { return CoverageAreas{}; };
    const CoverageResult c = compute_coverage(deployments, regions, &line, {}, asked);
    CHECK(c.gaps_within == "territory");
    CHECK(c.total.area_km2 == Approx(a.total.area_km2).epsilon(1e-9));

    // An error of the areas comes first, with their warnings only, even when the coverage fails too.
    asked_warnings.clear();
    asked.areas = [](const Callbacks& callbacks) -> CoverageAreas {
        callbacks.warning("the areas' warning");
        throw UsageError("the areas' error");
    };
    const Layer points = deployment_layer({{{30, 48}, 1}});
    CHECK(test::error_of<UsageError>([&] { compute_coverage(deployments, points, &line, {}, asked); }) == "the areas' error");
    CHECK(asked_warnings == std::vector<std::string>{"the areas' warning"});
    CHECK(test::error_of<UsageError>([&] { compute_coverage(deployments, regions, &line, {}, asked); }) == "the areas' error");
    // Areas made, the coverage fails: both warn, in order, and the coverage's error is thrown.
    asked_warnings.clear();
    asked.areas = [&](const Callbacks& callbacks) {
        callbacks.warning("the areas' warning");
        return CoverageAreas{&territory.land, &territory.controlled, "controlled side"};
    };
    CHECK(test::error_of<DataError>([&] { compute_coverage(deployments, points, &line, {}, asked); }).find("no feature is a polygon") != std::string::npos);
    REQUIRE(asked_warnings.size() == 2);
    CHECK(asked_warnings[0] == "the areas' warning");
    CHECK(asked_warnings[1].find("not an area") != std::string::npos);
}

TEST_CASE("targets, gaps within a given area, and the layers to write", "[coverage]") {
    const Layer region = big_region();
    const LonLat c{30, 48};
    const Layer deployments = deployment_layer({{c, 100}, {reference::direct(c, 90, 150000), 100}, {{38, 54}, 0}});
    // A target half in, half out of the first circle: a 2 x 2 degree square centred on it.
    const Layer target = polygon_layer("zone", {{{29, 47}, {31, 47}, {31, 49}, {29, 49}}});
    const Layer west = polygon_layer("west", {{{20, 40}, {30, 40}, {30, 56}, {20, 56}}});
    CoverageOptions o = by_field();
    o.gaps_within = &west.features[0].geometry;
    o.gaps_within_name = "west";
    const CoverageResult r = compute_coverage(deployments, region, nullptr, {&target}, o);
    CHECK(r.reaches == 3);
    REQUIRE(r.targets.size() == 1);
    CHECK(r.targets[0].layer == "zone");
    CHECK(r.targets[0].deployments == 2);  // the second circle reaches 30.65°E
    CHECK(r.targets[0].covered_km2 > 0);
    CHECK(r.targets[0].covered_km2 < r.targets[0].area_km2);
    CHECK(r.gaps_within == "west");
    // West of 30°E the circles cover half the first disk (split along its meridian) and a sliver
    // of none of the second: the gap is the west half minus half the first disk.
    const double half_disk_km2 = reference::circle_area_m2(c, 100000) / 2e6;
    CHECK(std::fabs(r.gaps_km2 - (geodesic_area_m2(west.features[0].geometry) / 1e6 - half_disk_km2)) <= M_PI * 100000 * r.max_error_m / 1e6 + 1e-3);

    const std::vector<Layer> layers = coverage_layers(r, region, {&target});
    REQUIRE(layers.size() == 6);
    const std::vector<std::string> names = {"regions", "coverage", "redundancy", "gaps", "line_gaps", "targets"};
    for (std::size_t i = 0; i < names.size(); ++i) CHECK(layers[i].name == names[i]);
    REQUIRE(layers[0].features.size() == 1);
    const auto field = [&](const Layer& l, const std::string& name) { return *l.field_index(name); };
    CHECK(layers[0].features[0].values[field(layers[0], "covered_km2")].get<double>() == Approx(r.regions[0].covered_km2).margin(1e-3));
    CHECK(layers[0].features[0].values[field(layers[0], "deployments")].get<std::int64_t>() == 2);
    CHECK(layers[1].features.size() == 1);
    CHECK(layers[2].features.size() == 1);  // the two circles overlap
    CHECK(layers[3].features.size() >= 1);
    CHECK(layers[4].features.empty());
    CHECK(layers[5].features[0].values[field(layers[5], "layer")] == "zone");
}

TEST_CASE("many overlapping and nested circles agree with the row integration", "[coverage]") {
    // 40 circles of 20-120 km over lon 24-34, lat 46-52: partial overlaps, circles inside others,
    // and areas covered three and more times.
    std::mt19937 rng(20251122);
    std::uniform_real_distribution<double> lon(24, 34), lat(46, 52), radius_km(20, 120);
    std::vector<Deployment> items;
    std::vector<reference::Disk> disks;
    for (int i = 0; i < 40; ++i) {
        items.push_back({{lon(rng), lat(rng)}, radius_km(rng)});
        disks.push_back({items.back().at, items.back().radius_km * 1000});
    }
    const std::vector<LonLat> shell = {{21, 44}, {37, 44}, {37, 54}, {21, 54}};  // holds every circle
    const Layer region = polygon_layer("region", {shell});
    const CoverageResult r = compute_coverage(deployment_layer(items), region, nullptr, {}, by_field());
    CHECK(r.contained > 0);
    std::vector<LonLat> closed = shell;
    closed.push_back(shell.front());
    const auto ref = reference::coverage_by_rows({{closed}}, disks, 0.004);
    const double covered_pct = 100 * ref[0].covered_m2 / ref[0].area_m2, redundant_pct = 100 * ref[0].redundant_m2 / ref[0].area_m2;
    INFO("covered " << r.regions[0].covered_pct << " / " << covered_pct << " %, redundant " << 100 * r.regions[0].redundant_km2 / r.regions[0].area_km2
                    << " / " << redundant_pct << " %");
    CHECK(std::fabs(r.regions[0].covered_pct - covered_pct) <= 0.1);
    CHECK(std::fabs(100 * r.regions[0].redundant_km2 / r.regions[0].area_km2 - redundant_pct) <= 0.1);
    CHECK(r.regions[0].deployments == 40);
    // The layers' areas: coverage = covered once + redundancy, each measured on its own.
    CHECK(geodesic_area_m2(r.redundancy) / 1e6 == Approx(r.total.redundant_km2).epsilon(1e-6));
    CHECK(geodesic_area_m2(r.coverage) / 1e6 == Approx(r.total.covered_km2).epsilon(1e-6));
}

TEST_CASE("areas and lines as deployments reach by their geodesic buffer", "[coverage]") {
    const Layer region = big_region();
    Layer d;
    d.source = "test";
    d.name = "bases";
    d.fields = {{"name", FieldType::String}, {"radius_km", FieldType::Real}};
    const std::vector<LonLat> square = {{30, 48}, {30.5, 48}, {30.5, 48.5}, {30, 48.5}};
    Feature area;
    area.values = {"area", 0.0};
    area.geometry = Geometry::polygon(square);
    d.features.push_back(std::move(area));
    Feature road;
    road.fid = 1;
    road.values = {"road", 0.0};
    road.geometry = Geometry::line({{25, 45}, {26, 45}});
    d.features.push_back(std::move(road));
    // Reach 0: the area itself, and nothing for the line.
    CoverageResult r = compute_coverage(d, region, nullptr, {}, by_field());
    std::vector<LonLat> dense;  // the square's edges, straight in lon/lat
    for (int k = 0; k < 4; ++k)
        for (int s = 0; s < 500; ++s) {
            const LonLat a = square[static_cast<std::size_t>(k)], b = square[static_cast<std::size_t>((k + 1) % 4)];
            dense.push_back({a.lon + (b.lon - a.lon) * s / 500, a.lat + (b.lat - a.lat) * s / 500});
        }
    CHECK(r.regions[0].covered_km2 == Approx(reference::geodesic_polygon_area_m2(dense) / 1e6).epsilon(1e-6));
    CHECK(r.regions[0].deployments == 1);
    // Reach 10 km: the line's buffer is a 20 km wide band with round ends.
    d.features[0].values[1] = 10.0;
    d.features[1].values[1] = 10.0;
    r = compute_coverage(d, region, nullptr, {}, by_field());
    const double road_km = reference::distance_m({25, 45}, {26, 45}) / 1000;
    const double band_km2 = 2 * 10 * road_km + M_PI * 10 * 10;
    CHECK(r.regions[0].deployments == 2);
    CHECK(r.regions[0].covered_km2 > reference::geodesic_polygon_area_m2(dense) / 1e6 + band_km2 * 0.99);
    CHECK(r.regions[0].redundant_km2 == 0);
}

TEST_CASE("coverage is bit-identical on one thread and on two", "[coverage][threads]") {
    LoadOptions quiet;
    const std::string data = dza::test::data_dir;
    const Layer regions = load_layer(LayerRef::parse(data + "/regions.geojson"), quiet);
    const Layer line = load_layer(LayerRef::parse(data + "/ceasefire_line.geojson"), quiet);
    const Layer maritime = load_layer(LayerRef::parse(data + "/maritime_zone.geojson"), quiet);
    // 300 deployments over the whole territory, so every kind of figure has work on both threads.
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> lon(22.5, 38.0), lat(45.0, 52.0), reach_km(20.0, 150.0);
    std::vector<Deployment> items;
    for (int i = 0; i < 300; ++i) {
        const double x = lon(rng), y = lat(rng);
        items.push_back({{x, y}, reach_km(rng)});
    }
    const Layer deployments = deployment_layer(items);
    const auto run = [&](const char* threads) {
        const test::ScopedEnv env("DZA_THREADS", threads);
        return compute_coverage(deployments, regions, &line, {&maritime}, by_field());
    };
    const CoverageResult one = run("1"), two = run("2");
    CHECK(one.coverage.to_wkb() == two.coverage.to_wkb());
    CHECK(one.redundancy.to_wkb() == two.redundancy.to_wkb());
    CHECK(one.gaps.to_wkb() == two.gaps.to_wkb());
    CHECK(one.gaps_km2 == two.gaps_km2);
    CHECK(one.contained == two.contained);
    const auto same = [](const AreaCoverage& a, const AreaCoverage& b) {
        INFO(a.name);
        CHECK(a.name == b.name);
        CHECK(a.feature == b.feature);
        CHECK(a.area_km2 == b.area_km2);
        CHECK(a.covered_km2 == b.covered_km2);
        CHECK(a.redundant_km2 == b.redundant_km2);
        CHECK(a.covered_pct == b.covered_pct);
        CHECK(a.deployments == b.deployments);
    };
    same(one.total, two.total);
    REQUIRE(one.regions.size() == regions.features.size());
    REQUIRE(two.regions.size() == one.regions.size());
    for (std::size_t i = 0; i < one.regions.size(); ++i) same(one.regions[i], two.regions[i]);
    REQUIRE(two.targets.size() == one.targets.size());
    for (std::size_t i = 0; i < one.targets.size(); ++i) same(one.targets[i], two.targets[i]);
    REQUIRE(one.line);
    REQUIRE(two.line);
    CHECK(one.line->covered_km == two.line->covered_km);
    REQUIRE(one.line->gaps.size() == two.line->gaps.size());
    for (std::size_t i = 0; i < one.line->gaps.size(); ++i) {
        CHECK(one.line->gaps[i].from_km == two.line->gaps[i].from_km);
        CHECK(one.line->gaps[i].geometry.to_wkb() == two.line->gaps[i].geometry.to_wkb());
    }
    CHECK(one.line->depth_km == two.line->depth_km);
    REQUIRE(one.loss.size() == two.loss.size());
    for (std::size_t i = 0; i < one.loss.size(); ++i) {
        CHECK(one.loss[i].feature == two.loss[i].feature);
        CHECK(one.loss[i].line_covered_km == two.loss[i].line_covered_km);
        CHECK(one.loss[i].area_covered_km2 == two.loss[i].area_covered_km2);
    }
    // In the regions' order, whatever finished first.
    for (std::size_t i = 0; i < two.regions.size(); ++i) CHECK(two.regions[i].feature == i);
}
