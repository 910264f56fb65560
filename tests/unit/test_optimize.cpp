// Site optimisation end to end: the choice against brute force over the exact coverage, the
// greedy trap, the certified interval against the coverage engine, eligibility and separation.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "dza/check.hpp"
#include "dza/coverage.hpp"
#include "dza/optimize.hpp"
#include "dza/territory.hpp"
#include "helpers.hpp"
#include "reference.hpp"

using namespace dza;
using namespace dza::test;
using namespace dza::reference;

namespace {

// Points with a name and a radius_km field.
Layer sites_layer(const std::string& name, const std::vector<std::pair<LonLat, double>>& sites) {
    Layer l;
    l.name = name;
    l.source = "test";
    l.fields = {{"name", FieldType::String}, {"radius_km", FieldType::Real}};
    for (std::size_t i = 0; i < sites.size(); ++i) {
        Feature f;
        f.fid = static_cast<std::int64_t>(i);
        f.values = {fmt::format("{}{}", name.substr(0, 1), i), sites[i].second};
        f.geometry = Geometry::point(sites[i].first);
        l.features.push_back(std::move(f));
    }
    return l;
}

// A layer "line" of one line feature.
Layer line_layer(const std::vector<LonLat>& path) {
    std::vector<std::pair<std::string, Geometry>> items;
    items.emplace_back("L", Geometry::line(path));
    return named_layer("line", std::move(items));
}

OptimizeOptions radius_options() {
    OptimizeOptions o;
    o.reach.radius_field = "radius_km";
    o.existing_reach.radius_field = "radius_km";
    o.time_limit_s = 20;
    return o;
}

// The exact share (%) of the line and of the regions' union a plan covers, by the coverage engine.
std::pair<double, double> exact_shares(const Layer& plan, const Layer& regions, const Layer& line, const OptimizeOptions& options, unsigned depth = 1) {
    const CoverageResult c = compute_coverage(plan, regions, &line, {}, plan_coverage_options(options));
    const double line_km = depth == 1 ? c.line->covered_km : (c.line->depth_km.size() >= 2 ? c.line->depth_km[1] : 0.0);
    const double area_km2 = depth == 1 ? c.total.covered_km2 : c.total.redundant_km2;
    return {100 * line_km / c.line->length_km, 100 * area_km2 / c.total.area_km2};
}

}  // namespace

TEST_CASE("optimize finds the optimum greedy misses and proves it", "[optimize]") {
    // A line 4 degrees of latitude long; A covers its middle 80%, B and C each a half (and 2 km more).
    const LonLat south{30, 46}, north{30, 50};
    const double length_m = distance_m(south, north);
    const Layer line = line_layer({south, north});
    const Layer candidates = sites_layer("candidates", {{direct(south, 0, length_m / 2), 0.4 * length_m / 1000},
                                                        {direct(south, 0, length_m / 4), (0.25 * length_m + 2000) / 1000},
                                                        {direct(south, 0, 3 * length_m / 4), (0.25 * length_m + 2000) / 1000}});
    OptimizeOptions o = radius_options();
    o.demand = {DemandSpec{"line", DemandKind::Line, &line, nullptr, 1, ""}};
    o.sites = 2;
    const OptimizeResult r = optimize_sites(candidates, nullptr, o);
    std::vector<std::size_t> chosen = r.selected;
    std::sort(chosen.begin(), chosen.end());
    CHECK(chosen == std::vector<std::size_t>{1, 2});
    CHECK(r.solution.objective == Approx(1.0).margin(1e-9));
    CHECK(r.solution.optimal);
    CHECK(r.solution.bound == Approx(1.0).margin(1e-9));
    REQUIRE(r.shares.size() == 1);
    CHECK(r.shares[0].lower_pct == Approx(100).margin(1e-7));
    // A with either half leaves a tenth of the line: the first pick of a greedy pass is A.
    CHECK(r.shares[0].upper_pct == Approx(100).margin(1e-7));
}

TEST_CASE("optimize picks the pair whose exact coverage is best, to the pieces' size", "[optimize]") {
    // Brute force over every pair by the coverage engine: the pair chosen covers the line within
    // the length of the pieces a reach boundary can cut (two 1 km pieces per reach) of the best.
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> lon(24.0, 28.0), lat(48.3, 49.7), radius(30, 90);
    const std::vector<LonLat> path = {{24.0, 49.0}, {26.0, 49.4}, {28.0, 48.8}};
    const Layer line = line_layer(path);
    const Layer regions = named_polygons({{"R", {{23.5, 48}, {28.5, 48}, {28.5, 50}, {23.5, 50}}}});
    for (int trial = 0; trial < 3; ++trial) {
        std::vector<std::pair<LonLat, double>> sites;
        for (int i = 0; i < 7; ++i) sites.push_back({{lon(rng), lat(rng)}, radius(rng)});
        const Layer candidates = sites_layer("candidates", sites);
        OptimizeOptions o = radius_options();
        o.demand = {DemandSpec{"line", DemandKind::Line, &line, nullptr, 1, ""}};
        o.sites = 2;
        const OptimizeResult r = optimize_sites(candidates, nullptr, o);
        REQUIRE(r.selected.size() == 2);
        double best = 0;
        double line_km = 0;
        for (std::size_t a = 0; a < sites.size(); ++a)
            for (std::size_t b = a + 1; b < sites.size(); ++b) {
                const Layer pair = sites_layer("pair", {sites[a], sites[b]});
                const CoverageResult c = compute_coverage(pair, regions, &line, {}, plan_coverage_options(o));
                best = std::max(best, c.line->covered_km);
                line_km = c.line->length_km;
            }
        const Layer chosen = sites_layer("pair", {sites[r.selected[0]], sites[r.selected[1]]});
        const CoverageResult c = compute_coverage(chosen, regions, &line, {}, plan_coverage_options(o));
        CHECK(c.line->covered_km >= best - 4.0 - 1e-9);
        CHECK(100 * c.line->covered_km / line_km >= r.shares[0].lower_pct - 1e-7);
        CHECK(100 * c.line->covered_km / line_km <= r.shares[0].upper_pct + 1e-7);
    }
}

TEST_CASE("optimize's certified interval holds the plan's exact coverage", "[optimize]") {
    const std::vector<LonLat> path = {{24.2, 48.6}, {25.5, 49.5}, {27.0, 49.1}, {28.2, 49.8}};
    const Layer line = line_layer(path);
    const Layer regions = named_polygons({{"R1", {{23.5, 48}, {26, 48}, {26, 50}, {23.5, 50}}}, {"R2", {{26, 48.2}, {28.5, 48.2}, {28.5, 50}, {26, 50}}}});
    for (unsigned depth : {1u, 2u})
        for (int seed = 1; seed <= 3; ++seed) {
            std::mt19937 rng(seed);
            std::uniform_real_distribution<double> lon(23.5, 28.5), lat(48.0, 50.0), radius(20, 70);
            std::vector<std::pair<LonLat, double>> sites, fixed;
            for (int i = 0; i < 15; ++i) sites.push_back({{lon(rng), lat(rng)}, radius(rng)});
            for (int i = 0; i < 2; ++i) fixed.push_back({{lon(rng), lat(rng)}, radius(rng)});
            const Layer candidates = sites_layer("candidates", sites);
            const Layer existing = sites_layer("existing", fixed);
            OptimizeOptions o = radius_options();
            o.demand = {DemandSpec{"line", DemandKind::Line, &line, nullptr, 1, ""}, DemandSpec{"regions", DemandKind::Area, &regions, nullptr, 2, ""}};
            o.demand_options.cell_m = 15000;
            o.depth = depth;
            o.sites = 4;
            const OptimizeResult r = optimize_sites(candidates, &existing, o);
            const Layer plan = proposed_plan(candidates, &existing, r, o);
            REQUIRE(plan.features.size() == 2 + r.selected.size());
            const auto [line_pct, area_pct] = exact_shares(plan, regions, line, o, depth);
            INFO("depth " << depth << ", seed " << seed);
            CHECK(line_pct >= r.shares[0].lower_pct - 1e-7);
            CHECK(line_pct <= r.shares[0].upper_pct + 1e-7);
            CHECK(area_pct >= r.shares[1].lower_pct - 1e-7);
            CHECK(area_pct <= r.shares[1].upper_pct + 1e-7);
            CHECK(r.solution.objective <= r.objective_upper + 1e-12);
            CHECK(r.solution.bound >= r.solution.objective - 1e-12);
        }
}

TEST_CASE("optimize never breaks the stand-off, the regions allowed or the separation", "[optimize]") {
    const Layer regions = data_layer("regions.geojson");
    const Layer line = data_layer("ceasefire_line.geojson");
    const Layer existing = data_layer("deployments.geojson");
    const Territory territory = split_territory(regions, line, kyiv_side());
    // Candidates over the whole controlled side: many within the stand-off or outside the regions allowed.
    const std::vector<LonLat> grid = grid_points(territory.controlled, 40000);
    std::vector<std::pair<LonLat, double>> sites;
    for (const LonLat& p : grid) sites.push_back({p, 120});
    const Layer candidates = sites_layer("candidates", sites);
    OptimizeOptions o = radius_options();
    o.regions = &regions;
    o.line = &line;
    o.territory = &territory;
    o.eligibility.standoff_m = 150000;
    o.eligibility.allowed_regions = {"Lviv", "Volyn", "Rivne", "Zhytomyr", "Vinnytsia", "Odesa", "Kyiv"};
    o.demand = {DemandSpec{"line", DemandKind::Line, &line, nullptr, 1, ""}, DemandSpec{"controlled", DemandKind::Area, nullptr, &territory.controlled, 1, ""}};
    o.demand_options.cell_m = 30000;
    o.sites = 4;
    o.min_separation_m = 120000;
    o.time_limit_s = 10;
    const OptimizeResult r = optimize_sites(candidates, &existing, o);
    CHECK(r.not_eligible > 0);
    CHECK(r.too_close > 0);
    INFO("eligible " << r.eligible.size() << ", conflicts " << r.conflicts << ", objective " << r.solution.objective);
    REQUIRE(r.selected.size() == 4);

    // dza check's rule passes every site chosen.
    const Layer plan = proposed_plan(candidates, nullptr, r, o, "proposed_sites");
    CheckOptions check;
    check.eligibility = o.eligibility;
    const CheckResult checked = check_plan(plan, regions, line, territory, check);
    for (const DeploymentCheck& d : checked.deployments) {
        INFO(d.name);
        CHECK(d.passed());
        CHECK(d.distance_km >= 150.0);
    }
    // The separation, by GeographicLib: between the sites, and from every point deployment already there.
    std::vector<LonLat> at;
    for (std::size_t s : r.selected) at.push_back(sites[s].first);
    for (std::size_t a = 0; a < at.size(); ++a) {
        for (std::size_t b = a + 1; b < at.size(); ++b) CHECK(distance_m(at[a], at[b]) >= 120000.0);
        for (const Feature& f : existing.features) {
            const auto paths = f.geometry.paths();
            if (f.geometry.type_name() == "Point") CHECK(distance_m(at[a], paths.front().front()) >= 120000.0);
        }
    }
}

TEST_CASE("optimize refuses what it cannot do", "[optimize]") {
    const Layer line = line_layer({{30, 46}, {30, 47}});
    const Layer candidates = sites_layer("candidates", {{{30, 46.5}, 50}});
    OptimizeOptions o = radius_options();
    CHECK_THAT(error_of<UsageError>([&] { optimize_sites(candidates, nullptr, o); }), Catch::Contains("no demand"));
    o.demand = {DemandSpec{"line", DemandKind::Line, &line, nullptr, 1, ""}};
    o.sites = 0;
    CHECK_THAT(error_of<UsageError>([&] { optimize_sites(candidates, nullptr, o); }), Catch::Contains("sites"));
    o.sites = 1;
    Layer lines = line_layer({{30, 46}, {30, 47}});
    lines.fields.push_back({"radius_km", FieldType::Real});
    lines.features[0].values.push_back(10.0);
    CHECK_THAT(error_of<DataError>([&] { optimize_sites(lines, nullptr, o); }), Catch::Contains("give points"));
}

TEST_CASE("optimize gives the same sites whatever the number of threads", "[optimize]") {
    const Layer regions = data_layer("regions.geojson");
    const Layer line = data_layer("ceasefire_line.geojson");
    const Territory territory = split_territory(regions, line, kyiv_side());
    std::vector<std::pair<LonLat, double>> sites;
    for (const LonLat& p : grid_points(territory.controlled, 50000)) sites.push_back({p, 150});
    const Layer candidates = sites_layer("candidates", sites);
    OptimizeOptions o = radius_options();
    o.demand = {DemandSpec{"line", DemandKind::Line, &line, nullptr, 3, ""}, DemandSpec{"controlled", DemandKind::Area, nullptr, &territory.controlled, 1, ""}};
    o.demand_options.cell_m = 20000;
    o.sites = 5;
    const OptimizeResult all = optimize_sites(candidates, nullptr, o);
    OptimizeResult one;
    {
        ScopedEnv threads("DZA_THREADS", "1");
        one = optimize_sites(candidates, nullptr, o);
    }
    REQUIRE(all.selected.size() == 5);
    CHECK(all.selected == one.selected);
    CHECK(all.gain == one.gain);
    CHECK(all.solution.objective == one.solution.objective);
    CHECK(all.shares[1].lower_pct == one.shares[1].lower_pct);
}
