// The report's maps: each deployment's reach drawn as its sensor's envelope (fans, annuli,
// discs; to the radar horizon at a target altitude), the coverage at one altitude, and the small
// maps by target altitude in report.html.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <geos_c.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "dza/check.hpp"
#include "dza/geodesic.hpp"
#include "dza/inputs.hpp"
#include "dza/map.hpp"
#include "dza/report.hpp"
#include "dza/zones.hpp"
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

namespace {

bool overlap(const PixelRect& a, const PixelRect& b) {
    return a.x_px < b.x_px + b.width_px && b.x_px < a.x_px + a.width_px && a.y_px < b.y_px + b.height_px && b.y_px < a.y_px + a.height_px;
}

// The default scenario's map as the report draws it, with the coverage computed here, apart from
// the coverage module: covered is the union of the reaches on land, covered twice the union of
// their pairwise overlaps, gaps the controlled side less the coverage.
struct DefaultMap {
    Layer regions = dza::test::data_layer("regions.geojson"), neighbours = dza::test::data_layer("neighbours.geojson");
    Layer line = dza::test::data_layer("ceasefire_line.geojson"), maritime = dza::test::data_layer("maritime_zone.geojson");
    Layer basing = dza::test::data_layer("basing_areas.geojson");
    Layer deployments, other, band, eligible, reach, coverage, redundancy, gaps;
    std::vector<std::string> failing;
    MapContent content;

    DefaultMap() {
        const Territory territory = split_territory(regions, line, dza::test::kyiv_side());
        ZonesOptions zo;
        zo.eligibility.standoff_m = 100000;
        zo.tolerance_m = 100;
        zo.pieces = false;
        const ZonesResult zones = compute_zones(regions, territory, zo);
        other = geometry_layer("beyond the line", territory.other.clone());
        band = geometry_layer("stand-off band", zones.standoff_band.clone());
        eligible = geometry_layer("eligible", zones.eligible.clone());

        const Layer given = dza::test::data_layer("deployments.geojson");
        CheckOptions co;
        co.eligibility = zo.eligibility;
        co.maritime_zone = &maritime;
        const CheckResult checked = check_plan(given, regions, line, territory, co);
        deployments = copy_layer(given, [](const Geometry& g) { return g.clone(); });
        deployments.fields.push_back({"passed", FieldType::Boolean});
        for (auto& f : deployments.features) f.values.resize(deployments.fields.size());
        for (const auto& d : checked.deployments) {
            deployments.features[d.feature].values.back() = d.passed();
            if (!d.passed()) failing.push_back(d.name);
        }

        ScenarioParameters p;
        p.radius_field = "radius_km";
        reach = reach_layer(deployments, p, {});
        Geometry covered, twice;
        for (std::size_t i = 0; i < reach.features.size(); ++i) {
            const Geometry& a = reach.features[i].geometry;
            covered = covered.is_empty() ? a.clone() : covered.unite(a);
            for (std::size_t j = i + 1; j < reach.features.size(); ++j) {
                Geometry both = a.intersection(reach.features[j].geometry);
                if (both.is_empty()) continue;
                twice = twice.is_empty() ? std::move(both) : twice.unite(both);
            }
        }
        covered = covered.intersection(territory.land);
        twice = twice.intersection(territory.land);
        GEOSContextHandle_t ctx = GEOS_init_r();
        Geometry uncovered(GEOSDifference_r(ctx, territory.controlled.get(), covered.get()));
        GEOS_finish_r(ctx);
        coverage = geometry_layer("coverage", std::move(covered));
        redundancy = geometry_layer("redundancy", std::move(twice));
        gaps = geometry_layer("gaps", std::move(uncovered));

        content.title = "Default scenario";
        content.neighbours = &neighbours;
        content.regions = &regions;
        content.other_side = &other;
        content.coverage = &coverage;
        content.redundancy = &redundancy;
        content.gaps = &gaps;
        content.eligible = &eligible;
        content.standoff_band = &band;
        content.maritime_zone = &maritime;
        content.basing_areas = &basing;
        content.reach = &reach;
        content.line = &line;
        content.deployments = &deployments;
        content.standoff_m = 100000;
        content.radius_field = "radius_km";
    }
};

}  // namespace

TEST_CASE("The report's map is readable at 1200 x 860, 1200 x 900 and 600 x 450", "[report][map][readable]") {
    static const DefaultMap m;  // built once: some seconds
    REQUIRE(m.failing.size() >= 1);
    const std::vector<MapLayer> layers = compose_map(m.content);
    for (const auto& [width, height] : {std::pair{1200, 860}, std::pair{1200, 900}, std::pair{600, 450}}) {
        INFO(width << " x " << height);
        const MapRaster r = render_map_raster(layers, map_options(m.content, width, height));
        const auto at = [&](int x, int y) { return r.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(r.width_px) + static_cast<std::size_t>(x)]; };
        // A pixel whose 3 x 3 neighbourhood is one colour: a fill, not text or a line's antialiased edge.
        const auto uniform = [&](int x, int y) {
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx)
                    if (at(x + dx, y + dy) != at(x, y)) return false;
            return true;
        };

        // The legend and the scale bar are outside the frame: they hide nothing of the map.
        REQUIRE(r.legend);
        REQUIRE(r.scale_bar);
        CHECK_FALSE(overlap(*r.legend, r.frame));
        CHECK_FALSE(overlap(*r.scale_bar, r.frame));
        CHECK(r.legend->x_px + r.legend->width_px <= width);
        CHECK(r.scale_bar->y_px + r.scale_bar->height_px <= height);

        // Every fill in the frame is a colour the legend shows: the legend's own uniform pixels (its
        // swatches as drawn, its background) within 3 levels a channel.
        std::vector<std::uint32_t> legend_colors;
        for (int y = static_cast<int>(r.legend->y_px) + 1; y < r.legend->y_px + r.legend->height_px - 1; ++y)
            for (int x = static_cast<int>(r.legend->x_px) + 1; x < r.legend->x_px + r.legend->width_px - 1; ++x)
                if (uniform(x, y) && std::find(legend_colors.begin(), legend_colors.end(), at(x, y)) == legend_colors.end()) legend_colors.push_back(at(x, y));
        const auto near = [](std::uint32_t a, std::uint32_t b) {
            for (int shift : {0, 8, 16})
                if (std::abs(static_cast<int>((a >> shift) & 0xff) - static_cast<int>((b >> shift) & 0xff)) > 3) return false;
            return true;
        };
        long fills = 0, unexplained = 0;
        std::map<std::uint32_t, long> stray;
        for (int y = static_cast<int>(r.frame.y_px) + 2; y < r.frame.y_px + r.frame.height_px - 2; ++y)
            for (int x = static_cast<int>(r.frame.x_px) + 2; x < r.frame.x_px + r.frame.width_px - 2; ++x) {
                if (!uniform(x, y)) continue;
                ++fills;
                const std::uint32_t c = at(x, y);
                if (std::none_of(legend_colors.begin(), legend_colors.end(), [&](std::uint32_t l) { return near(c, l); })) ++unexplained, ++stray[c];
            }
        std::string strays;
        for (const auto& [c, n] : stray)
            if (n > 20) strays += fmt::format(" #{:06x} ({})", c, n);
        INFO("colours the legend does not show:" << strays);
        CHECK(fills > 0.3 * r.frame.width_px * r.frame.height_px);
        CHECK(unexplained < fills / 1000);

        // Labels overlap nothing placed: each other, markers, the legend, the scale bar.
        for (std::size_t i = 0; i < r.labels.size(); ++i) {
            INFO(r.labels[i].first);
            CHECK_FALSE(overlap(r.labels[i].second, *r.legend));
            CHECK_FALSE(overlap(r.labels[i].second, *r.scale_bar));
            for (std::size_t j = i + 1; j < r.labels.size(); ++j) CHECK_FALSE(overlap(r.labels[i].second, r.labels[j].second));
            for (const auto& marker : r.markers) CHECK_FALSE(overlap(r.labels[i].second, marker));
        }
        // Region names and deployments' ids are there.
        std::size_t regions = 0, deployments = 0;
        for (const auto& [text, box] : r.labels) {
            regions += std::any_of(m.regions.features.begin(), m.regions.features.end(), [&](const Feature& f) { return m.regions.label(f) == text; });
            deployments += text.find('-') != std::string::npos && text.size() <= 5;
        }
        CHECK(regions >= (width >= 1200 ? 12u : 5u));
        CHECK(deployments == m.deployments.features.size());

        // Failing deployments, and only they, have a red ring (#e31a1c) around their marker; the
        // legend shows it too.
        const auto red = [&](const PixelRect& box) {
            long n = 0;
            for (int y = static_cast<int>(box.y_px); y < box.y_px + box.height_px; ++y)
                for (int x = static_cast<int>(box.x_px); x < box.x_px + box.width_px; ++x)
                    if (x >= 0 && y >= 0 && x < r.width_px && y < r.height_px && near(at(x, y), 0xe31a1c)) ++n;
            return n;
        };
        REQUIRE(r.markers.size() == m.deployments.features.size());
        double smallest = 1e9;
        for (const auto& box : r.markers) smallest = std::min(smallest, box.width_px);
        std::size_t ringed = 0;
        for (const auto& box : r.markers) {
            const bool big = box.width_px > smallest + 1;
            ringed += big;
            if (big) CHECK(red(box) >= 8);
            else CHECK(red(box) == 0);
        }
        CHECK(ringed == m.failing.size());
        CHECK(red(*r.legend) >= 8);
    }
}
