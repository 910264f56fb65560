#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "dza/check.hpp"
#include "dza/error.hpp"
#include "reference.hpp"
#include "helpers.hpp"

using namespace dza;

namespace {
std::vector<std::string> rules(const DeploymentCheck& d) {
    std::vector<std::string> out;
    for (const auto& v : d.violations) out.push_back(v.rule);
    return out;
}
}  // namespace

TEST_CASE("a plan check finds every violation with its measured figure", "[check]") {
    // West 20..25E and East 25..30E; the line runs down 27E; the controlled side is the west.
    std::vector<std::pair<std::string, Geometry>> r;
    r.emplace_back("West", Geometry::polygon({{20, 45}, {25, 45}, {25, 50}, {20, 50}}));
    r.emplace_back("East", Geometry::polygon({{25, 45}, {30, 45}, {30, 50}, {25, 50}}));
    const Layer regions = dza::test::named_layer("regions", std::move(r));
    std::vector<std::pair<std::string, Geometry>> l;
    l.emplace_back("line", Geometry::line({{27, 50.5}, {27, 44.5}}));
    const Layer line = dza::test::named_layer("line", std::move(l));
    std::vector<std::pair<std::string, Geometry>> b;
    b.emplace_back("base area", Geometry::polygon({{21, 46}, {23, 46}, {23, 48}, {21, 48}}));
    const Layer basing = dza::test::named_layer("basing", std::move(b));
    std::vector<std::pair<std::string, Geometry>> m;
    m.emplace_back("sea", Geometry::polygon({{20, 43}, {26, 43}, {26, 44.9}, {20, 44.9}}));
    const Layer maritime = dza::test::named_layer("maritime", std::move(m));

    const std::vector<std::pair<std::string, LonLat>> plan = {
        {"good", {22, 47}},        // inside the basing area, far from the line
        {"close", {25.8, 47.5}},   // East region, within the stand-off
        {"across", {28.5, 47}},    // on the other side
        {"abroad", {15, 47}},      // outside the territory, not at sea
        {"ship", {23, 44}},        // at sea, in the maritime zone
        {"no base", {20.5, 49.5}}, // West, outside the basing area
    };
    std::vector<std::pair<std::string, Geometry>> d;
    for (const auto& [name, p] : plan) d.emplace_back(name, Geometry::point(p));
    const Layer deployments = dza::test::named_layer("deployments", std::move(d));

    ControlledSide west;
    west.contains = LonLat{21, 46};
    const Territory t = split_territory(regions, line, west);
    CheckOptions options;
    options.eligibility.standoff_m = 100000.0;
    options.eligibility.basing_areas = &basing;
    options.maritime_zone = &maritime;
    options.eligibility.allowed_regions = {"West"};
    const CheckResult result = check_plan(deployments, regions, line, t, options);
    REQUIRE(result.deployments.size() == plan.size());
    CHECK(result.deployments[0].passed());
    CHECK(result.deployments[0].region == "West");
    CHECK(rules(result.deployments[1]) == std::vector<std::string>{"standoff", "basing_area", "allowed_region"});
    // The figure in the message is the geodesic distance to the line (GeographicLib).
    const double close_km = reference::nearest_on_path({25.8, 47.5}, {{27, 50.5}, {27, 44.5}}).distance_m / 1000.0;
    CHECK(result.deployments[1].distance_km == Approx(close_km).margin(1e-6));
    CHECK(result.deployments[1].violations[0].message == fmt::format("close is {:.1f} km from the line; the stand-off is 100 km", close_km));
    CHECK(rules(result.deployments[2]) == std::vector<std::string>{"controlled_side", "basing_area", "allowed_region"});
    CHECK(rules(result.deployments[3]) == std::vector<std::string>{"territory"});
    CHECK(result.deployments[4].passed());
    CHECK(result.deployments[4].at_sea);
    CHECK(rules(result.deployments[5]) == std::vector<std::string>{"basing_area"});
    CHECK_THAT(result.deployments[5].violations[0].message, Catch::Contains("nearest: base area"));
    CHECK(result.violation_count() == 8);
    CHECK_FALSE(result.passed());

    options.eligibility.allowed_regions = {"Wset"};
    CHECK_THROWS_AS(check_plan(deployments, regions, line, t, options), UsageError);
}

TEST_CASE("plan rules against a coverage made by hand: each limit, met and missed", "[check][rules]") {
    // A line of 100 km: 90 km covered, 40 km of it twice; two gaps, the longer 7 km.
    CoverageResult c;
    c.line.emplace();
    c.line->length_km = 100;
    c.line->covered_km = 90;
    c.line->covered_pct = 90;
    c.line->depth_km = {90, 40};
    LineGap short_gap, long_gap;
    short_gap.name = long_gap.name = "L";
    short_gap.length_km = 3;
    long_gap.length_km = 7;
    long_gap.from_km = 50;
    long_gap.to_km = 57;
    c.line->gaps.push_back(std::move(short_gap));
    c.line->gaps.push_back(std::move(long_gap));

    PlanRules met;
    met.min_line_covered_pct = 90;  // limits are inclusive
    met.max_line_gap_km = 7;
    const auto ok = check_rules(met, c);
    REQUIRE(ok.size() == 2);
    CHECK(rules_passed(ok));
    CHECK(ok[0].rule == "min_line_covered_pct");
    CHECK(ok[1].rule == "max_line_gap_km");
    CHECK(ok[1].measured == 7);

    PlanRules missed;
    missed.min_line_covered_pct = 95;
    missed.max_line_gap_km = 5;
    missed.min_line_depth = 2;
    const auto bad = check_rules(missed, c);
    REQUIRE(bad.size() == 3);
    CHECK_FALSE(rules_passed(bad));
    for (const auto& r : bad) CHECK_FALSE(r.passed);
    CHECK(bad[0].measured == 90);
    CHECK(bad[0].limit == 95);
    CHECK_THAT(bad[0].message, Catch::Contains("90.00% covered") && Catch::Contains("at least 95%"));
    CHECK(bad[1].measured == 7);
    CHECK_THAT(bad[1].message, Catch::Contains("7.000 km") && Catch::Contains("km 50.000 to 57.000"));
    // Covered fewer than twice: the 10 km of gaps and the 50 km covered once.
    CHECK(bad[2].measured == Approx(60));
    CHECK(bad[2].limit == 2);
    CHECK_THAT(bad[2].message, Catch::Contains("60.000 km of the line lie within reach of fewer than 2 deployments"));
    CHECK(rule_figure(bad[2], true) == "2 deployments");
    CHECK(rule_figure(bad[2], false) == "60.000 km");
    CHECK(rule_figure(bad[0], true) == "95.00%");

    // A depth beyond the deepest met: the whole line falls short. Below 1 m short passes.
    PlanRules deep;
    deep.min_line_depth = 3;
    CHECK(check_rules(deep, c)[0].measured == Approx(100));
    CoverageResult full;
    full.line.emplace();
    full.line->length_km = 100;
    full.line->covered_km = 100;
    full.line->covered_pct = 100;
    full.line->depth_km = {100, 100 - 0.0009};
    deep.min_line_depth = 2;
    CHECK(check_rules(deep, full)[0].passed);
    full.line->depth_km = {100, 100 - 0.0011};
    CHECK_FALSE(check_rules(deep, full)[0].passed);

    // No rules: nothing to check, even without a line; rules without a line are a usage error.
    CHECK(check_rules(PlanRules{}, CoverageResult{}).empty());
    CHECK_THROWS_AS(check_rules(missed, CoverageResult{}), UsageError);
}
