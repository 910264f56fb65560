#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>

#include "dza/compare.hpp"
#include "dza/error.hpp"
#include "helpers.hpp"
#include "reference.hpp"

using namespace dza;
using json = nlohmann::ordered_json;

namespace {

// A distance result as summary.json gives it, from GeographicLib: the deployment at `p`, its
// nearest point on the line at `q`, rounded as summary.json rounds (km 6 decimals, degrees 9).
json distance_result(const std::string& name, LonLat p, LonLat q) {
    double s12 = 0, azi1 = 0, azi2 = 0;
    reference::wgs84().Inverse(p.lat, p.lon, q.lat, q.lon, s12, azi1, azi2);
    const auto round = [](double v, int d) { return std::round(v * std::pow(10.0, d)) / std::pow(10.0, d); };
    return {{"name", name}, {"target", "line"}, {"distance_km", round(s12 / 1000, 6)}, {"azimuth_deg", round(azi1, 9)},
            {"nearest_lon", q.lon}, {"nearest_lat", q.lat}};
}

json summary(double standoff_km, json distance_results, json check_deployments, double eligible_km2, std::vector<double> line_pct, std::vector<double> longest_gap_km) {
    json by_altitude = json::array();
    const double altitudes[] = {50, 3000};
    for (std::size_t i = 0; i < line_pct.size(); ++i) {
        json gaps = json::array();
        gaps.push_back({{"line", "L"}, {"length_km", longest_gap_km[i] / 2}});
        gaps.push_back({{"line", "L"}, {"length_km", longest_gap_km[i]}});
        by_altitude.push_back({{"altitude_m", altitudes[i]},
                               {"regions", json::array({json{{"name", "North"}, {"covered_pct", 50.0}}, json{{"name", "South"}, {"covered_pct", line_pct[i]}}})},
                               {"total", {{"covered_pct", 40.0 + static_cast<double>(i)}}},
                               {"line", {{"covered_pct", line_pct[i]}, {"gaps", gaps}}},
                               {"targets", json::array()}});
    }
    bool passed = true;
    std::size_t violations = 0;
    for (const auto& d : check_deployments) {
        violations += d["violations"].size();
        passed = passed && d["violations"].empty();
    }
    return {{"dza_version", "0.1.0"},
            {"scenario", {{"name", "test"}}},
            {"parameters", {{"standoff_km", standoff_km}, {"radius_km_by_role", json::object()}}},
            {"analyses_run", {"distance", "zones", "coverage", "check"}},
            {"inputs", json::array({json{{"role", "deployments"}, {"source", "d.geojson"}, {"content_sha256", "abc"}}})},
            {"results",
             {{"distance", {{"schema", "dza.distance/1"}, {"results", distance_results}}},
              {"zones", {{"schema", "dza.zones/1"}, {"total_area_km2", eligible_km2}}},
              {"coverage", {{"schema", "dza.coverage/1"}, {"by_altitude", by_altitude}}},
              {"check", {{"schema", "dza.check/1"}, {"passed", passed}, {"violation_count", violations}, {"deployments", check_deployments}}}}}};
}

json deployment(const std::string& name, std::vector<std::string> rules) {
    json v = json::array();
    for (const auto& r : rules) v.push_back({{"rule", r}, {"message", name + " breaks " + r}});
    return {{"name", name}, {"violations", v}};
}

const json* figure(const json& diff, const std::string& name, const json& of, const json& altitude) {
    for (const json& f : diff["figures"])
        if (f["figure"] == name && f["of"] == of && f["altitude_m"] == altitude) return &f;
    return nullptr;
}

}  // namespace

TEST_CASE("compare: deployments added, removed and moved by the geodesic distance", "[compare]") {
    const LonLat q{30.0, 48.0};  // the nearest point on the line
    const LonLat one_a{24.03, 49.81}, one_b{24.53, 49.91};
    const LonLat two{26.5, 50.6}, three{28.1, 46.2}, four_a{29.0, 48.0};
    const LonLat four_b{29.0 + 1e-7, 48.0};  // 7 mm: not moved
    const json a = summary(100, json::array({distance_result("one", one_a, q), distance_result("two", two, q), distance_result("four", four_a, q)}),
                           json::array({deployment("one", {}), deployment("two", {"standoff"}), deployment("four", {})}), 1000, {20, 30}, {100, 80});
    const json b = summary(150, json::array({distance_result("one", one_b, q), distance_result("three", three, q), distance_result("four", four_b, q)}),
                           json::array({deployment("one", {"standoff", "basing_area"}), deployment("three", {}), deployment("four", {})}), 812.25, {25.5, 30},
                           {90.5, 80});
    const json d = compare_summaries(a, b, "a.json", "b.json");
    CHECK(d["schema"] == "dza.compare/1");
    CHECK(d["changed"] == true);
    CHECK(d["deployments"]["added"] == json::array({"three"}));
    CHECK(d["deployments"]["removed"] == json::array({"two"}));
    CHECK(d["deployments"]["positions_known"] == true);
    REQUIRE(d["deployments"]["moved"].size() == 1);
    CHECK(d["deployments"]["moved"][0]["name"] == "one");
    // The position is recovered from (nearest point, distance, azimuth): the move is the geodesic
    // between the two positions, to 1 cm.
    CHECK(d["deployments"]["moved"][0]["moved_km"].get<double>() == Approx(reference::distance_m(one_a, one_b) / 1000).margin(1e-5));

    // Parameters: only those that differ.
    REQUIRE(d["parameters"].size() == 1);
    CHECK(d["parameters"][0] == json{{"key", "standoff_km"}, {"a", 100}, {"b", 150}});

    // Figures side by side, the difference B - A.
    const json* area = figure(d, "eligible_area_km2", "the whole", nullptr);
    REQUIRE(area);
    CHECK((*area)["a"] == 1000);
    CHECK((*area)["difference"].get<double>() == Approx(812.25 - 1000).margin(1e-9));
    const json* line50 = figure(d, "line_coverage_pct", "the line", 50.0);
    REQUIRE(line50);
    CHECK((*line50)["difference"].get<double>() == Approx(5.5).margin(1e-9));
    const json* gap50 = figure(d, "longest_gap_km", "the line", 50.0);
    REQUIRE(gap50);
    CHECK((*gap50)["a"].get<double>() == 100);  // the longest of the gaps, not the first
    CHECK((*gap50)["b"].get<double>() == 90.5);
    const json* gap3000 = figure(d, "longest_gap_km", "the line", 3000.0);
    REQUIRE(gap3000);
    CHECK((*gap3000)["difference"].get<double>() == 0);
    const json* south = figure(d, "region_coverage_pct", "South", 3000.0);
    REQUIRE(south);
    CHECK((*south)["a"].get<double>() == 30);
    const json* violations = figure(d, "violations", "the plan", nullptr);
    REQUIRE(violations);
    CHECK((*violations)["a"] == 1);
    CHECK((*violations)["b"] == 2);

    // The check: violations gained by "one", lost with "two".
    CHECK(d["check"]["a_passed"] == false);
    CHECK(d["check"]["b_passed"] == false);
    REQUIRE(d["check"]["gained"].size() == 2);
    CHECK(d["check"]["gained"][0]["deployment"] == "one");
    CHECK(d["check"]["gained"][0]["rule"] == "standoff");
    CHECK(d["check"]["gained"][1]["rule"] == "basing_area");
    REQUIRE(d["check"]["lost"].size() == 1);
    CHECK(d["check"]["lost"][0]["deployment"] == "two");
    CHECK(d["optimize"].is_null());
}

TEST_CASE("compare: the same plan twice has nothing changed", "[compare]") {
    const json a = summary(100, json::array({json{{"name", "one"}, {"distance_km", 0.0}, {"azimuth_deg", nullptr}, {"nearest_lon", 30.0}, {"nearest_lat", 48.0}}}),
                           json::array({deployment("one", {"standoff"})}), 1000, {20}, {100});
    const json d = compare_summaries(a, a, "a.json", "a.json");
    CHECK(d["changed"] == false);
    CHECK(d["parameters"].empty());
    CHECK(d["deployments"]["moved"].empty());
    CHECK(d["check"]["gained"].empty());
    CHECK(d["check"]["lost"].empty());
    REQUIRE(!d["figures"].empty());
    for (const json& f : d["figures"]) CHECK(f["difference"] == 0);
}

TEST_CASE("compare: a file that is not a summary.json is refused, naming it", "[compare]") {
    dza::test::ScratchDir dir;
    const auto refused = [](const std::string& path) { return dza::test::error_of<DataError>([&] { read_summary(path); }); };
    const std::string missing = dir.file("missing.json");
    CHECK_THAT(refused(missing), Catch::Contains(missing) && Catch::Contains("cannot read") && Catch::Contains("summary.json"));
    const std::string bad = dza::test::write_text(dir.file("bad.json"), "{\"dza_version\": ");
    CHECK_THAT(refused(bad), Catch::Contains(bad) && Catch::Contains("not JSON"));
    const std::string coverage = dza::test::write_text(dir.file("coverage.json"), R"({"schema": "dza.coverage/1", "regions": []})");
    CHECK_THAT(refused(coverage), Catch::Contains(coverage) && Catch::Contains("a dza.coverage/1 document"));
    const std::string list = dza::test::write_text(dir.file("list.json"), "[1, 2]");
    CHECK_THAT(refused(list), Catch::Contains(list) && Catch::Contains("not a summary.json"));
    // A folder: its summary.json.
    dza::test::write_text(dir.file("summary.json"), summary(100, json::array(), json::array(), 1, {}, {}).dump());
    CHECK(read_summary(dir.path())["dza_version"] == "0.1.0");
}

TEST_CASE("compare: failed plan rules and the optimize proposal's sites", "[compare]") {
    json a = summary(100, json::array(), json::array({deployment("one", {})}), 1000, {20}, {100});
    json b = a;
    a["results"]["optimize"] = {{"schema", "dza.optimize/1"}, {"objective", 10}, {"selected", json::array({json{{"name", "s1"}}, json{{"name", "s2"}}})}};
    b["results"]["optimize"] = {{"schema", "dza.optimize/1"}, {"objective", 12.5}, {"selected", json::array({json{{"name", "s2"}}, json{{"name", "s3"}}, json{{"name", "s4"}}})}};
    b["results"]["rules"] = json::array({json{{"rule", "min_line_covered_pct"}, {"altitude_m", 50.0}, {"passed", false}, {"message", "line 20 % < 30 %"}}});
    const json d = compare_summaries(a, b, "a.json", "b.json");
    CHECK(d["changed"] == true);
    CHECK(d["check"]["a_passed"] == true);
    CHECK(d["check"]["b_passed"] == false);
    REQUIRE(d["check"]["gained"].size() == 1);
    CHECK(d["check"]["gained"][0]["deployment"].is_null());
    CHECK(d["check"]["gained"][0]["rule"] == "min_line_covered_pct at 50 m");
    CHECK(d["optimize"]["added"] == json::array({"s3", "s4"}));
    CHECK(d["optimize"]["removed"] == json::array({"s1"}));
    const json* objective = figure(d, "optimize_objective", "the proposal", nullptr);
    REQUIRE(objective);
    CHECK((*objective)["difference"].get<double>() == Approx(2.5));
    const json* sites = figure(d, "optimize_sites", "the proposal", nullptr);
    REQUIRE(sites);
    CHECK((*sites)["difference"] == 1);
}
