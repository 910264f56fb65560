#include <catch2/catch.hpp>

#include <set>

#include "dza/error.hpp"
#include "dza/scenario.hpp"
#include "dza/sweep.hpp"
#include "helpers.hpp"
#include "test_paths.hpp"

using namespace dza;
using Values = std::vector<std::string>;

namespace {
std::string usage_error(const std::function<void()>& fn) { return dza::test::error_of<UsageError>(fn); }
std::string default_scenario() { return std::string(dza::test::data_dir) + "/scenario.yaml"; }
}  // namespace

TEST_CASE("a range of values is exact in decimal, inclusive, either way", "[sweep]") {
    CHECK(parse_sweep_values("50..200:25", "k") == Values{"50", "75", "100", "125", "150", "175", "200"});
    CHECK(parse_sweep_values("200..50:50", "k") == Values{"200", "150", "100", "50"});
    // Binary steps would drift: 0.1 + 0.1 + 0.1 is 0.30000000000000004.
    CHECK(parse_sweep_values("0.1..0.3:0.1", "k") == Values{"0.1", "0.2", "0.3"});
    CHECK(parse_sweep_values("-1..1:0.5", "k") == Values{"-1", "-0.5", "0", "0.5", "1"});
    // The last value is the last one not beyond the end.
    CHECK(parse_sweep_values("50..200:40", "k") == Values{"50", "90", "130", "170"});
    CHECK(parse_sweep_values("7..7:1", "k") == Values{"7"});
    CHECK(parse_sweep_values(" 1.50 .. 2 : 0.25 ", "k") == Values{"1.5", "1.75", "2"});
}

TEST_CASE("a range that is not one is a usage error naming the key", "[sweep]") {
    CHECK_THAT(usage_error([] { parse_sweep_values("50..200:0", "standoff_km"); }), Catch::Contains("--vary standoff_km") && Catch::Contains("step of zero"));
    CHECK_THAT(usage_error([] { parse_sweep_values("50..200:-25", "k"); }), Catch::Contains("step of zero or less"));
    CHECK_THAT(usage_error([] { parse_sweep_values("50..200", "k"); }), Catch::Contains("has no step"));
    CHECK_THAT(usage_error([] { parse_sweep_values("abc..200:25", "k"); }), Catch::Contains("not a range of decimal numbers"));
    CHECK_THAT(usage_error([] { parse_sweep_values("50..200:x", "k"); }), Catch::Contains("not a range of decimal numbers"));
    CHECK_THAT(usage_error([] { parse_sweep_values("1e2..2e2:1", "k"); }), Catch::Contains("not a range of decimal numbers"));
    CHECK_THAT(usage_error([] { parse_sweep_values("0..10000000:1", "k"); }), Catch::Contains("more than 1000000 values"));
}

TEST_CASE("a list of values keeps YAML lists whole and paths with .. as they are", "[sweep]") {
    CHECK(parse_sweep_values("a, b ,c", "k") == Values{"a", "b", "c"});
    CHECK(parse_sweep_values("[50, 300],[1000]", "k") == Values{"[50, 300]", "[1000]"});
    CHECK(parse_sweep_values("../lines/a.geojson", "k") == Values{"../lines/a.geojson"});
    CHECK(parse_sweep_values("'a,b',c", "k") == Values{"'a,b'", "c"});
    CHECK_THAT(usage_error([] { parse_sweep_values("a,,b", "k"); }), Catch::Contains("empty value"));
    CHECK_THAT(usage_error([] { parse_sweep_values("a,b,a", "k"); }), Catch::Contains("\"a\" is given twice"));
    CHECK_THAT(usage_error([] { parse_sweep_values("  ", "k"); }), Catch::Contains("no values"));
    CHECK(parse_vary("radius_km_by_role.air defence = 100,150") == std::pair<std::string, std::string>{"radius_km_by_role.air defence", "100,150"});
    CHECK_THAT(usage_error([] { parse_vary("standoff_km"); }), Catch::Contains("give KEY=VALUES"));
}

TEST_CASE("shards are disjoint, cover the sweep and differ in size by one at most", "[sweep]") {
    for (std::size_t n = 0; n <= 20; ++n)
        for (std::size_t parts = 1; parts <= 6; ++parts) {
            std::multiset<std::size_t> all;
            std::size_t smallest = n, largest = 0;
            for (std::size_t i = 1; i <= parts; ++i) {
                const auto mine = shard_variants(n, {i, parts});
                all.insert(mine.begin(), mine.end());
                smallest = std::min(smallest, mine.size());
                largest = std::max(largest, mine.size());
                CHECK(std::is_sorted(mine.begin(), mine.end()));
            }
            CHECK(all.size() == n);
            for (std::size_t k = 0; k < n; ++k) CHECK(all.count(k) == 1);
            CHECK(largest - smallest <= 1);
        }
    CHECK(parse_shard("2/3").index == 2);
    CHECK(parse_shard("2/3").count == 3);
    for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/", ""}) CHECK_THAT(usage_error([&] { parse_shard(bad); }), Catch::Contains("--shard"));
}

TEST_CASE("keys outside the scenario's sections are parameters", "[sweep]") {
    CHECK(sweep_key_path("standoff_km") == "parameters.standoff_km");
    CHECK(sweep_key_path("radius_km_by_role.air defence") == "parameters.radius_km_by_role.air defence");
    CHECK(sweep_key_path("layers.line") == "layers.line");
    CHECK(sweep_key_path("systems.long-range SAM.max_range_km") == "systems.long-range SAM.max_range_km");
}

TEST_CASE("a variant's id depends on its content only", "[sweep]") {
    const std::vector<SweepKey> ab = {{"standoff_km", "parameters.standoff_km"}, {"layers.line", "layers.line"}};
    const std::vector<SweepKey> ba = {{"layers.line", "layers.line"}, {"parameters.standoff_km", "parameters.standoff_km"}};
    const std::string id = variant_id(ab, {std::string("75"), std::string("lines/a.geojson")});
    CHECK(id == variant_id(ba, {std::string("lines/a.geojson"), std::string("75")}));
    CHECK(id.rfind("lines_a.geojson_75-", 0) == 0);  // the values in the order of their keys' paths
    CHECK(id.size() == std::string("lines_a.geojson_75-").size() + 12);
    CHECK(id != variant_id(ab, {std::string("75.0"), std::string("lines/a.geojson")}));
    CHECK(id != variant_id(ab, {std::string("75"), std::nullopt}));
    CHECK(variant_id(ab, {std::nullopt, std::nullopt}).rfind("base-", 0) == 0);
}

TEST_CASE("a sweep's variants are the cross product, applied to the document", "[sweep]") {
    const SweepPlan plan = plan_sweep(default_scenario(), {{"standoff_km", "50..100:50"},
                                                           {"systems.long-range SAM.max_range_km", "100,200"},
                                                           {"layers.line", "other.geojson"},
                                                           {"rules.max_line_gap_km", "30"}});
    REQUIRE(plan.variants.size() == 4);
    CHECK(plan.keys[0].path == "parameters.standoff_km");
    // The first key varies slowest.
    CHECK(*plan.variants[1].values[0] == "50");
    CHECK(*plan.variants[1].values[1] == "200");
    CHECK(*plan.variants[2].values[0] == "100");
    CHECK(plan.variants[3].index == 3);

    dza::test::ScratchDir dir;
    const std::string file = dza::test::write_text(dir.file("variant.yaml"), variant_scenario_text(plan, plan.variants[1]));
    const Scenario s = load_scenario_text(dza::test::read_text(file), file, dza::test::data_dir);
    CHECK(s.parameters.standoff_m == 50000.0);
    REQUIRE(s.parameters.systems);
    REQUIRE(s.parameters.systems->find("long-range SAM"));
    CHECK(s.parameters.systems->find("long-range SAM")->reach.max_range_m == 200000.0);
    CHECK(s.parameters.systems->find("medium-range SAM")->reach.max_range_m == 40000.0);  // untouched
    // A layer given as a mapping gets a new source, keeps its name field, relative to the original folder.
    CHECK(s.layer("line", "test").ref.source == std::string(dza::test::data_dir) + "/other.geojson");
    CHECK(s.layer("line", "test").name_field == "name");
    CHECK(s.rules.max_line_gap_km == 30.0);
    CHECK(s.parameters.altitudes_m == std::vector<double>{50, 300, 1000, 3000});
}

TEST_CASE("a sweep refuses unknown keys, keys inside values and repeated variants", "[sweep]") {
    const std::string scenario = default_scenario();
    CHECK_THAT(usage_error([&] { plan_sweep(scenario, {{"standof_km", "1,2"}}); }),
               Catch::Contains("--vary standof_km") && Catch::Contains("parameters.standof_km: unknown key") && Catch::Contains("did you mean \"standoff_km\""));
    CHECK_THAT(usage_error([&] { plan_sweep(scenario, {{"rules.max_gap", "1"}}); }), Catch::Contains("--vary rules.max_gap") && Catch::Contains("unknown key"));
    CHECK_THAT(usage_error([&] { plan_sweep(scenario, {{"standoff_km.x", "1"}}); }), Catch::Contains("not a mapping"));
    CHECK_THAT(usage_error([&] { plan_sweep(scenario, {{"standoff_km", "1"}, {"parameters.standoff_km", "2"}}); }), Catch::Contains("varied twice"));
    CHECK_THAT(usage_error([&] { plan_sweep(scenario, {{"layers.line", "a"}, {"layers.line.source", "b"}}); }), Catch::Contains("is inside"));
    CHECK_THAT(usage_error([&] { plan_sweep(scenario, {}); }), Catch::Contains("give the variants"));
    // A bad value is the variant's own failure, not the sweep's.
    CHECK(plan_sweep(scenario, {{"standoff_km", "50,abc"}}).variants.size() == 2);

    dza::test::ScratchDir dir;
    const std::string csv = dza::test::write_text(dir.file("v.csv"), "standoff_km,\"radius_km_by_role.air defence\"\n50,100\n\"75\",\n50,100\n");
    CHECK_THAT(usage_error([&] { plan_sweep(scenario, {}, csv); }), Catch::Contains("variants 1 and 3 are the same"));
    dza::test::write_text(csv, "standoff_km,\"radius_km_by_role.air defence\"\r\n50,100\r\n\"75\",\r\n");
    const SweepPlan plan = plan_sweep(scenario, {}, csv);
    REQUIRE(plan.variants.size() == 2);
    CHECK(plan.keys[1].path == "parameters.radius_km_by_role.air defence");
    CHECK(*plan.variants[1].values[0] == "75");
    CHECK_FALSE(plan.variants[1].values[1]);  // the scenario's own
    dza::test::write_text(csv, "standoff_km,radius_km\n50\n");
    CHECK_THAT(usage_error([&] { plan_sweep(scenario, {}, csv); }), Catch::Contains("v.csv:2: 1 cells, the header has 2"));
}

TEST_CASE("a variant's scenario runs alone: its files are named absolutely, its passwords hidden", "[sweep]") {
    dza::test::ScratchDir dir;
    std::filesystem::create_directories(dir.path() / "plan" / "sub");
    const std::string scenario = dza::test::write_text(
        dir.file("plan/s.yaml"),
        "layers:\n"
        "  regions: sub/regions.gpkg|layername=a/b\n"
        "  line: {source: line.geojson, name_field: name}\n"
        "  deployments: \"PG:dbname=x host=127.0.0.1 port=1 password=s3cret-pw tables=d\"\n"
        "  basing_areas: /vsizip/areas.zip/areas.shp\n"
        "  maritime_zone: /abs/zone.geojson\n"
        "systems: sub/systems.yaml\n"
        "parameters:\n  standoff_km: 50\n  dem: dem.tif\n"
        "optimize:\n  candidates: sub/c.gpkg|layername=sites\n  sites: 2\n"
        "analyses: [distance]\n");
    dza::test::write_text(dir.file("plan/sub/systems.yaml"), "radar:\n  role: air defence\n  max_range_km: 100\n");
    const SweepPlan plan = plan_sweep(scenario, {{"standoff_km", "60"}, {"layers.targets", "t.geojson"}});
    const std::string text = variant_scenario_text(plan, plan.variants[0]);

    // Loaded from another folder, as `dza run` would load the copy, it names the same files.
    const std::string plan_dir = (dir.path() / "plan").string();
    dza::test::write_text(dir.file("copy.yaml"), text);
    const Scenario copy = load_scenario(dir.file("copy.yaml"));
    CHECK(copy.layer("regions", "test").ref.source == plan_dir + "/sub/regions.gpkg");
    CHECK(copy.layer("regions", "test").ref.layer_name == "a/b");
    CHECK(copy.layer("line", "test").ref.source == plan_dir + "/line.geojson");
    CHECK(copy.layer("line", "test").name_field == "name");
    CHECK(copy.layer("targets", "test").ref.source == plan_dir + "/t.geojson");  // a varied file, from the scenario's folder
    CHECK(copy.layer("deployments", "test").ref.source.rfind("PG:dbname=x", 0) == 0);
    CHECK(copy.layer("basing_areas", "test").ref.source == "/vsizip/areas.zip/areas.shp");
    CHECK(copy.layer("maritime_zone", "test").ref.source == "/abs/zone.geojson");
    CHECK(copy.systems_file == plan_dir + "/sub/systems.yaml");
    CHECK(copy.parameters.dem == plan_dir + "/dem.tif");
    REQUIRE(copy.optimize);
    CHECK(copy.optimize->candidates == plan_dir + "/sub/c.gpkg|layername=sites");
    CHECK(copy.parameters.standoff_m == 60000.0);

    // Run, the variant fails on its database; neither its copy nor its error holds the password.
    SweepOptions options;
    options.output_dir = dir.path() / "out";
    options.jobs = 1;
    const SweepOutcome outcome = run_sweep(plan, options);
    REQUIRE(outcome.failures.size() == 1);
    const std::string written = dza::test::read_text((options.output_dir / plan.variants[0].id / "scenario.yaml").string());
    CHECK_THAT(written, Catch::Contains("password=***") && Catch::Contains(plan_dir + "/line.geojson"));
    for (const auto& f : {"scenario.yaml", "variant.json"})
        CHECK_THAT(dza::test::read_text((options.output_dir / plan.variants[0].id / f).string()), !Catch::Contains("s3cret"));
    CHECK_THAT(outcome.failures[0].error, !Catch::Contains("s3cret"));
}

TEST_CASE("a missing layer of a variant names the folder its path started from", "[sweep]") {
    const SweepPlan plan = plan_sweep(default_scenario(), {{"layers.line", "none.geojson"}});
    dza::test::ScratchDir dir;
    SweepOptions options;
    options.output_dir = dir.path() / "out";
    options.jobs = 1;
    const SweepOutcome outcome = run_sweep(plan, options);
    REQUIRE(outcome.failures.size() == 1);
    CHECK_THAT(outcome.failures[0].error, Catch::Contains(std::string(dza::test::data_dir) + "/none.geojson: no such file or directory") &&
                                              Catch::EndsWith("relative to the scenario's folder (" + std::string(dza::test::data_dir) + ")"));
}

TEST_CASE("a sweep refuses a password in its values and the same variant written twice", "[sweep]") {
    const std::string scenario = default_scenario();
    const std::string error = usage_error([&] { plan_sweep(scenario, {{"layers.line", "PG:dbname=x password=s3cret-pw tables=line"}}); });
    CHECK_THAT(error, Catch::Contains("--vary: a value of layers.line holds a password") && Catch::Contains("PGPASSWORD") && !Catch::Contains("s3cret"));
    dza::test::ScratchDir dir;
    const std::string csv = dza::test::write_text(dir.file("v.csv"), "layers.line\n\"postgresql://u:s3cret-pw@h/db\"\n");
    CHECK_THAT(usage_error([&] { plan_sweep(scenario, {}, csv); }), Catch::Contains("--variants: a value of layers.line holds a password") && !Catch::Contains("s3cret"));

    CHECK_THAT(usage_error([&] { plan_sweep(scenario, {{"standoff_km", "50,75.0,75"}}); }),
               Catch::Contains("variants 2 and 3 have the same values, written differently"));
    CHECK_THAT(usage_error([&] { plan_sweep(scenario, {{"standoff_km", "1e2,100"}, {"radius_km", "5"}}); }), Catch::Contains("variants 1 and 2"));
    // Quoted, a value is text: "75" and 75.0 differ.
    CHECK(plan_sweep(scenario, {{"name", "'75',75.0"}}).variants.size() == 2);
}
