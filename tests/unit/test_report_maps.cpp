// The report's maps: each deployment's reach drawn as its sensor's envelope (fans, annuli,
// discs; to the radar horizon at a target altitude), the coverage at one altitude, and the small
// maps by target altitude in report.html.
#include <catch2/catch.hpp>

#include <cmath>

#include "dza/geodesic.hpp"
#include "dza/inputs.hpp"
#include "dza/report.hpp"
#include "helpers.hpp"
#include "reference.hpp"

using namespace dza;

namespace {

SystemCatalogue catalogue() {
    SystemCatalogue c;
    c.source = "test systems";
    SystemType coastal;
    coastal.name = "coastal radar";
    coastal.role = "maritime";
    coastal.reach.max_range_m = 100000;
    coastal.reach.sensor_height_m = 50;
    coastal.reach.sector = Sector::from_to(0, 200);
    c.types.push_back(coastal);
    SystemType sam;
    sam.name = "long-range SAM";
    sam.role = "air defence";
    sam.reach.max_range_m = 150000;
    sam.reach.min_range_m = 30000;  // far larger than the scenario's, so the hole is plain to measure
    sam.reach.sensor_height_m = 10;
    c.types.push_back(sam);
    return c;
}

// Deployments: a coastal radar, a SAM, and one without a system (its radius_km applies).
Layer deployments() {
    std::vector<std::pair<std::string, Geometry>> items;
    items.emplace_back("coast", Geometry::point({30.7, 46.5}));
    items.emplace_back("sam", Geometry::point({24.0, 49.8}));
    items.emplace_back("plain", Geometry::point({27.0, 50.0}));
    Layer layer = dza::test::named_layer("deployments", std::move(items));
    layer.fields.push_back({"system", FieldType::String});
    layer.fields.push_back({"radius_km", FieldType::Real});
    layer.features[0].values.push_back("coastal radar");
    layer.features[0].values.push_back(300.0);  // the system's range wins
    layer.features[1].values.push_back("long-range SAM");
    layer.features[1].values.push_back(300.0);
    layer.features[2].values.push_back(nullptr);
    layer.features[2].values.push_back(60.0);
    return layer;
}

// The exact area of the part of a sector between two geodesic ranges around a site: the
// geodesic polygon along the outer arc, then back along the inner one (the radial edges are
// geodesics through the site), each arc sampled every 0.01 degree.
double sector_area_m2(LonLat site, double from_deg, double width_deg, double min_m, double max_m) {
    const int n = static_cast<int>(width_deg * 100);
    std::vector<LonLat> ring;
    for (int k = 0; k <= n; ++k) ring.push_back(dza::reference::direct(site, from_deg + width_deg * k / n, max_m));
    if (min_m > 0)
        for (int k = n; k >= 0; --k) ring.push_back(dza::reference::direct(site, from_deg + width_deg * k / n, min_m));
    else
        ring.push_back(site);
    return dza::reference::geodesic_polygon_area_m2(ring);
}

}  // namespace

TEST_CASE("The map draws each deployment's reach as its system's envelope: a fan, an annulus, a circle", "[report][map]") {
    const SystemCatalogue systems = catalogue();
    ScenarioParameters p;
    p.systems = systems;
    p.radius_field = "radius_km";
    const Layer d = deployments();
    const Layer reach = reach_layer(d, p, {});
    REQUIRE(reach.features.size() == 3);
    // The coastal radar's 200 degree fan of 100 km, not a 300 km circle. The drawn boundary is
    // within 100 m of the exact one: its area within 100 m x the perimeter (about 0.15%).
    const double fan = geodesic_area_m2(reach.features[0].geometry);
    const double fan_exact = sector_area_m2({30.7, 46.5}, 0, 200, 0, 100000);
    CHECK(fan == Approx(fan_exact).epsilon(0.003));
    CHECK(fan < 0.6 * dza::reference::circle_area_m2({30.7, 46.5}, 100000, 20000));
    // The SAM's annulus from 30 to 150 km: a hole in the middle.
    CHECK(reach.features[1].geometry.polygons().at(0).size() == 2);
    const double annulus = geodesic_area_m2(reach.features[1].geometry);
    CHECK(annulus == Approx(sector_area_m2({24.0, 49.8}, 0, 360, 30000, 150000)).epsilon(0.003));
    // The one without a system: its radius_km circle.
    CHECK(geodesic_area_m2(reach.features[2].geometry) == Approx(dza::reference::circle_area_m2({27.0, 50.0}, 60000, 20000)).epsilon(0.003));

    // The same as sensor_reach_geometry's envelope for the sensor the coverage takes.
    const CoverageOptions o = coverage_options(p);
    const auto sensors = deployment_sensors(d, o);
    CHECK(fan == Approx(geodesic_area_m2(sensor_reach_geometry({30.7, 46.5}, sensors[0], {}, 100).geometry)).epsilon(1e-9));
}

TEST_CASE("At a target altitude, the map's reaches end at the radar horizon", "[report][map]") {
    const SystemCatalogue systems = catalogue();
    ScenarioParameters p;
    p.systems = systems;
    p.radius_field = "radius_km";
    const Layer d = deployments();
    const Layer full = reach_layer(d, p, {});
    const Layer low = reach_layer(d, p, {}, 50.0);
    REQUIRE(low.features.size() == 3);
    // The coastal radar 50 m up sees a 50 m target out to about 2 x 29 km (k = 4/3): every vertex
    // of its fan lies within the horizon of the largest radius of curvature there (N), plus 100 m.
    const LonLat site{30.7, 46.5};
    const double horizon_max_m = radar_horizon_m(prime_vertical_radius_m(46.5), 4.0 / 3.0, 50, 50);
    CHECK(horizon_max_m == Approx(58300).margin(700));  // kR (acos(kR/(kR+50)) x 2) with kR ~ 8,520 km
    double farthest_m = 0;
    for (const auto& ring : low.features[0].geometry.paths())
        for (const LonLat& v : ring) farthest_m = std::max(farthest_m, dza::reference::distance_m(site, v));
    CHECK(farthest_m <= horizon_max_m + 100);
    CHECK(farthest_m >= radar_horizon_m(meridional_radius_m(46.5), 4.0 / 3.0, 50, 50) - 100);
    CHECK(geodesic_area_m2(low.features[0].geometry) < 0.5 * geodesic_area_m2(full.features[0].geometry));
    // The plain circle is no sensor: the same at every altitude.
    CHECK(geodesic_area_m2(low.features[2].geometry) == Approx(geodesic_area_m2(full.features[2].geometry)).epsilon(1e-12));
}

TEST_CASE("A deployment without a reach is left out of the map with a warning, the others drawn", "[report][map]") {
    const SystemCatalogue systems = catalogue();
    ScenarioParameters p;
    p.systems = systems;
    Layer d = deployments();  // no radius field given: "plain" has no reach
    std::vector<std::string> warnings;
    Callbacks callbacks;
    callbacks.warn = [&](const std::string& m) { warnings.push_back(m); };
    const Layer reach = reach_layer(d, p, callbacks);
    REQUIRE(reach.features.size() == 2);  // the two with a system
    CHECK(reach.features[0].fid == 0);
    CHECK(reach.features[1].fid == 1);
    CHECK(geodesic_area_m2(reach.features[0].geometry) == Approx(sector_area_m2({30.7, 46.5}, 0, 200, 0, 100000)).epsilon(0.003));
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("1 deployment(s) have no reach"));
    p.radius_m = 20000;
    warnings.clear();
    const Layer with_radius = reach_layer(d, p, callbacks);
    CHECK(with_radius.features.size() == 3);
    CHECK(warnings.empty());
}

TEST_CASE("The map's coverage and legend at one target altitude", "[report][map]") {
    Layer coverage;
    coverage.name = "coverage";
    coverage.fields = {{"altitude_m", FieldType::Real}};
    for (double a : {50.0, 300.0, 1000.0}) {
        Feature f;
        f.values = {a};
        f.geometry = Geometry::polygon({{24, 48}, {24 + a / 1000, 48}, {24 + a / 1000, 49}, {24, 49}});
        coverage.features.push_back(std::move(f));
    }
    const Layer at300 = features_at_altitude(coverage, 300);
    REQUIRE(at300.features.size() == 1);
    CHECK(at300.features[0].values[0].get<double>() == 300);
    CHECK(features_at_altitude(coverage, 3000).features.empty());

    const Layer d = deployments();
    MapContent c;
    c.coverage = &at300;
    c.coverage_altitude_m = 300;
    c.reach = &d;
    c.reach_systems = true;
    c.radius_field = "radius_km";
    auto layers = compose_map(c);
    REQUIRE(layers.size() == 2);
    CHECK(layers[0].title == "Coverage at 300 m target altitude");
    CHECK(layers[1].title == "Reach (system envelope: range, sector; radius_km otherwise)");
    c.reach_altitude_m = 50;
    CHECK(compose_map(c)[1].title == "Reach at 50 m target altitude (to the radar horizon; radius_km where no system)");
    CHECK_THAT(map_options(c, 1200, 900).subtitle, Catch::Contains("reach to the radar horizon for a 50 m target (k = 1.33)"));
    CHECK_THAT(map_options(c, 1200, 900).subtitle, Catch::Contains("coverage at 300 m target altitude"));

    // A small map keeps its text readable: no legend or labels, sizes at the scale given.
    MapOptions o = map_options(c, 600, 480);
    make_small_map(layers, o, 0.8);
    CHECK_FALSE(o.legend);
    CHECK(o.ui_scale == 0.8);
    const std::string svg = render_map_svg(layers, o);
    CHECK_THAT(svg, Catch::StartsWith("<svg"));
    o.ui_scale = 0.1;
    CHECK_THROWS_AS(render_map_svg(layers, o), UsageError);
}

TEST_CASE("report.html shows one small map per target altitude under its heading", "[report][map]") {
    RunResults results;
    const std::string html = report_html(results, "T", "s.yaml", "<svg id=\"big\"></svg>", {{50, "<svg id=\"a\"></svg>"}, {300, "<svg id=\"b\"></svg>"}});
    CHECK_THAT(html, Catch::Contains("<h2 id=\"altitude-maps\">Coverage by target altitude</h2>"));
    CHECK_THAT(html, Catch::Contains("<figure id=\"map-altitude-50\"><svg id=\"a\"></svg><figcaption>Coverage at 50 m target altitude</figcaption></figure>"));
    CHECK_THAT(html, Catch::Contains("<figure id=\"map-altitude-300\"><svg id=\"b\"></svg>"));
    CHECK(html.find("map-altitude-50") > html.find("<div id=\"map\">"));
    CHECK_THAT(report_html(results, "T", "s.yaml", "<svg></svg>"), !Catch::Contains("altitude-maps"));
}
