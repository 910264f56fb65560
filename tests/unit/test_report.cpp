// The report module: one palette for the map and the styled GeoJSON, style columns only in the
// styled copies, one map composition, the report's tables from typed results, one JSON form.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "dza/report.hpp"
#include "dza/results_json.hpp"
#include "helpers.hpp"

using namespace dza;

namespace {
Layer one_feature(const std::string& layer, const std::string& name, Geometry g) {
    std::vector<std::pair<std::string, Geometry>> items;
    items.emplace_back(name, std::move(g));
    return dza::test::named_layer(layer, std::move(items));
}

Layer deployments_layer() {
    std::vector<std::pair<std::string, Geometry>> items;
    items.emplace_back("AD-1", Geometry::point({24.0, 49.8}));
    items.emplace_back("G-1", Geometry::point({26.2, 50.6}));
    items.emplace_back("X-1", Geometry::point({28.0, 49.2}));
    Layer layer = dza::test::named_layer("deployments", std::move(items));
    layer.fields.push_back({"role", FieldType::String});
    layer.fields.push_back({"Stroke", FieldType::String});  // a source field named like a style column
    const char* roles[] = {"air defence", "ground", "logistics"};
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        layer.features[i].values.push_back(roles[i]);
        layer.features[i].values.push_back("mine");
    }
    return layer;
}
}  // namespace

TEST_CASE("The styled GeoJSON copy and the map colour deployments from one palette", "[report]") {
    const Layer deployments = deployments_layer();
    const Layer styled = styled_copy(deployments, LayerKind::Deployments, [](const Layer&, const Feature& f) { return f.values[0].get<std::string>(); });
    // The data layer keeps its fields; the copy renames the clashing one and adds the style columns.
    REQUIRE(deployments.fields.size() == 3);
    CHECK(deployments.fields[2].name == "Stroke");
    REQUIRE(styled.field_index("marker-color"));
    CHECK(styled.field_index("src_Stroke"));
    CHECK(styled.features[0].values[*styled.field_index("src_Stroke")] == "mine");
    CHECK(styled.features[0].values[*styled.field_index("title")] == "AD-1");
    CHECK_FALSE(styled.field_index("fill"));  // points: a marker colour, no fill

    MapContent content;
    content.deployments = &deployments;
    const std::vector<MapLayer> map = compose_map(content);
    REQUIRE(map.size() == 1);
    CHECK(map[0].color_field == "role");
    for (std::size_t i = 0; i < 2; ++i) {
        const std::string role = deployments.features[i].values[1].get<std::string>();
        const auto on_map = std::find_if(map[0].colors.begin(), map[0].colors.end(), [&](const auto& c) { return c.first == role; });
        REQUIRE(on_map != map[0].colors.end());
        CHECK(styled.features[i].values[*styled.field_index("marker-color")] == on_map->second);
    }
    // Air defence is not drawn in the stand-off band's red.
    CHECK(role_color("air defence") != layer_style(LayerKind::StandoffBand).stroke);
    CHECK(role_color("air defence") != layer_style(LayerKind::StandoffBand).fill);
    // A role without a colour gets the style's fill in the GeoJSON.
    CHECK(styled.features[2].values[*styled.field_index("marker-color")] == layer_style(LayerKind::Deployments).fill);
}

TEST_CASE("The map composition draws context first, the line and deployments last, and leaves out empty layers", "[report]") {
    const Layer regions = dza::test::named_polygons({{"A", {{24, 48}, {26, 48}, {26, 50}, {24, 50}, {24, 48}}}});
    const Layer line = one_feature("line", "L", Geometry::line({{24, 49}, {26, 49}}));
    const Layer deployments = deployments_layer();
    const Layer empty = dza::test::named_layer("eligible", std::vector<std::pair<std::string, Geometry>>{});
    MapContent content;
    content.regions = &regions;
    content.line = &line;
    content.deployments = &deployments;
    content.eligible = &empty;
    content.standoff_m = 100000;
    const auto map = compose_map(content);
    REQUIRE(map.size() == 3);
    CHECK(map[0].title == "Regions");
    CHECK(map[0].focus);
    CHECK(map[1].title == "Cease-fire line");
    CHECK(map[2].title == "Deployments by role");
    CHECK(map[1].style.stroke == layer_style(LayerKind::Line).stroke);
}

TEST_CASE("report.html shows the typed results with the page's ids", "[report]") {
    RunResults results;
    CheckSection check;
    DeploymentCheck d;
    d.name = "FR-3 <ground>";
    d.region = "Zaporizhzhia";
    d.distance_km = 50.25;
    d.violations.push_back({"standoff", "FR-3 is 50.2 km from the line; the stand-off is 100 km"});
    check.result.deployments.push_back(d);
    check.eligibility.standoff_m = 100000;
    check.controlled_side = "the side containing 30.52, 50.45";
    results.check = check;
    const std::string html = report_html(results, "T", "scenario.yaml", "<svg></svg>");
    CHECK_THAT(html, Catch::Contains("<div id=\"map\"><svg></svg></div>"));
    CHECK_THAT(html, Catch::Contains("<h2 id=\"check\">Plan check</h2>"));
    CHECK_THAT(html, Catch::Contains("The plan fails: 1 violations."));
    CHECK_THAT(html, Catch::Contains("<td>FR-3 &lt;ground&gt;</td><td>Zaporizhzhia</td><td class=\"n\">50.2</td>"));  // 50.25 to 1 decimal: 50.2 (binary)
    CHECK_THAT(html, Catch::Contains("<h2 id=\"methods\">"));
    CHECK_THAT(html, !Catch::Contains("id=\"zones\""));

    // summary.json's results are what `dza check --json` prints.
    const auto j = results_json(results);
    CHECK(j["check"] == to_json(check.result, check.eligibility, check.controlled_side));
    CHECK(j["check"]["schema"] == "dza.check/1");
    CHECK(j["check"]["violation_count"] == 1);
}

TEST_CASE("JSON figures are rounded by one rule", "[report]") {
    CHECK(json_round(1.23456749, json_decimals::km).get<double>() == 1.234567);
    CHECK(json_round(1.2345675001, json_decimals::km).get<double>() == 1.234568);
    CHECK(json_round(-0.0000001, json_decimals::km).dump() == "0.0");
    CHECK(json_round(std::nan(""), json_decimals::deg).is_null());
    CHECK(json_round(30.123456789012, json_decimals::deg).dump() == "30.123456789");
}

TEST_CASE("report.html shows the plan rules: limit, measured figure, pass or fail", "[report][rules]") {
    RunResults results;
    results.rules = std::vector<RuleResult>{{"min_line_covered_pct", true, 97.5, 95, "the line is 97.50% covered", std::nullopt},
                                            {"min_line_depth", false, 12.25, 2, "12.250 km of the line lie within reach of fewer than 2 deployments", 300.0}};
    const std::string html = report_html(results, "T", "scenario.yaml", "<svg></svg>");
    CHECK_THAT(html, Catch::Contains("<h2 id=\"rules\">Plan rules</h2>"));
    CHECK_THAT(html, Catch::Contains("The plan fails a rule."));
    CHECK_THAT(html, Catch::Contains("<td>min_line_covered_pct</td><td class=\"n\">95.00%</td><td class=\"n\">97.50%</td><td class=\"ok\""));
    CHECK_THAT(html, Catch::Contains("<td>min_line_depth at 300 m</td><td class=\"n\">2 deployments</td><td class=\"n\">12.250 km</td><td class=\"fail\""));
    const auto j = results_json(results);
    REQUIRE(j["rules"].size() == 2);
    CHECK(j["rules"][1]["rule"] == "min_line_depth");
    CHECK(j["rules"][1]["passed"] == false);
    CHECK(j["rules"][1]["measured"] == 12.25);
    CHECK(j["rules"][1]["limit"] == 2);
    CHECK(j["rules"][1]["altitude_m"] == 300);
    CHECK_FALSE(j["rules"][0].contains("altitude_m"));
}

TEST_CASE("styled GeoJSON grades regions by their covered share and marks failing deployments", "[report][style]") {
    // The classes run from the gaps' colour to the coverage's, 20 points each.
    const auto& classes = covered_pct_classes();
    REQUIRE(classes.size() == 5);
    CHECK(classes.front().color == layer_style(LayerKind::Gaps).fill);
    CHECK(classes.back().color == layer_style(LayerKind::Coverage).fill);
    Layer regions;
    regions.name = "coverage_regions";
    regions.fields = {{"name", FieldType::String}, {"covered_pct", FieldType::Real}};
    for (double pct : {0.0, 19.99, 20.0, 55.0, 100.0}) {
        Feature f;
        f.values = {"r", pct};
        f.geometry = Geometry::polygon({{0, 0}, {1, 0}, {1, 1}});
        regions.features.push_back(std::move(f));
    }
    const Layer styled = styled_copy(regions, LayerKind::CoverageRegions, [](const Layer&, const Feature&) { return std::string("r"); });
    const std::size_t fill = *styled.field_index("fill");
    const std::vector<std::string> expected = {classes[0].color, classes[0].color, classes[1].color, classes[2].color, classes[4].color};
    for (std::size_t i = 0; i < expected.size(); ++i) CHECK(styled.features[i].values[fill] == expected[i]);
    CHECK(classes[0].color != classes[1].color);

    // Eligible bands: one colour each, the nearest the lightest (the largest sum of channels).
    Layer zones;
    zones.name = "eligible_zones";
    zones.fields = {{"band_min_km", FieldType::Real}};
    for (double km : {150.0, 100.0, 200.0, 100.0}) {
        Feature f;
        f.values = {km};
        f.geometry = Geometry::polygon({{0, 0}, {1, 0}, {1, 1}});
        zones.features.push_back(std::move(f));
    }
    const Layer bands = styled_copy(zones, LayerKind::Eligible, [](const Layer&, const Feature&) { return std::string("z"); });
    const std::size_t zfill = *bands.field_index("fill");
    const auto lightness = [&](std::size_t i) {
        const std::string c = bands.features[i].values[zfill].get<std::string>();
        return std::stoi(c.substr(1, 2), nullptr, 16) + std::stoi(c.substr(3, 2), nullptr, 16) + std::stoi(c.substr(5, 2), nullptr, 16);
    };
    CHECK(bands.features[1].values[zfill] == bands.features[3].values[zfill]);
    CHECK(lightness(1) > lightness(0));
    CHECK(lightness(0) > lightness(2));

    // A deployment that failed its check gets a cross; one that passed, no symbol.
    Layer deployments;
    deployments.name = "deployments";
    deployments.fields = {{"name", FieldType::String}, {"passed", FieldType::Boolean}};
    for (bool ok : {true, false}) {
        Feature f;
        f.values = {"d", ok};
        f.geometry = Geometry::point({1, 1});
        deployments.features.push_back(std::move(f));
    }
    const Layer marked = styled_copy(deployments, LayerKind::Deployments, [](const Layer&, const Feature&) { return std::string("d"); });
    const std::size_t symbol = *marked.field_index("marker-symbol");
    CHECK(marked.features[0].values[symbol].is_null());
    CHECK(marked.features[1].values[symbol] == "cross");
}

TEST_CASE("The interactive map's pop-ups show figures as summary.json rounds them, other values whole", "[report]") {
    Layer layer;
    layer.name = "distances";
    layer.fields = {{"name", FieldType::String}, {"distance_km", FieldType::Real}, {"covered_pct", FieldType::Real}, {"weight", FieldType::Real}};
    Feature f;
    f.fid = 1;
    f.values = {"PL-1", 659.079153231384, 57.299999999999997, 0.123456789012345};
    f.geometry = Geometry::point({24.0, 50.0});
    layer.features.push_back(std::move(f));
    std::vector<LiveLayer> layers;
    layers.push_back({"Distances", std::move(layer), true});
    const std::string html = live_map_html(layers);
    // The decimals of summary.json's rule (km 6, % 4), computed here from the rule's constants.
    CHECK(html.find(json_round(659.079153231384, json_decimals::km).dump()) != std::string::npos);
    CHECK(html.find("659.079153231384") == std::string::npos);
    CHECK(html.find("\"covered_pct\":57.3") != std::string::npos);
    // A field without a unit in its name is not a figure dza rounds: kept as it is.
    CHECK(html.find("0.123456789012345") != std::string::npos);
}
