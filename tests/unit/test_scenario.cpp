#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "dza/error.hpp"
#include "dza/scenario.hpp"
#include "helpers.hpp"
#include "test_paths.hpp"

using namespace dza;

namespace {
std::string error_of(const std::string& path) {
    try {
        load_scenario(path);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "no error";
}
}  // namespace

TEST_CASE("the default scenario loads with paths relative to its folder", "[scenario]") {
    const Scenario s = load_scenario(std::string(dza::test::data_dir) + "/scenario.yaml");
    CHECK_FALSE(s.name.empty());
    REQUIRE(s.has_layer("line"));
    CHECK(s.layer("line", "test").ref.source == std::string(dza::test::data_dir) + "/ceasefire_line.geojson");
    CHECK(s.parameters.standoff_m == 100000.0);
    REQUIRE(s.parameters.controlled_side.contains);
    CHECK(s.parameters.controlled_side.contains->lon == 30.52);
    CHECK(s.analyses == std::vector<std::string>{"distance", "zones", "coverage", "check"});
    LoadOptions quiet;
    const Layer line = load_scenario_layer(s.layer("line", "test"), quiet);
    CHECK(line.name_field == "name");
}

TEST_CASE("scenario mistakes name the key and its line", "[scenario]") {
    dza::test::ScratchDir dir;
    const auto write = [&](const std::string& text) { return dza::test::write_text(dir.file("s.yaml"), text); };
    CHECK_THAT(error_of(write("name: x\nparameters:\n  standof_km: 100\n")),
               Catch::Contains("s.yaml:3: parameters.standof_km: unknown key in parameters (did you mean \"standoff_km\"?)"));
    CHECK_THAT(error_of(write("parameters:\n  standoff_km: far\n")), Catch::Contains("s.yaml:2: parameters.standoff_km: must be a number, not \"far\""));
    CHECK_THAT(error_of(write("parameters:\n  standoff_km: -5\n")), Catch::Contains("is negative"));
    CHECK_THAT(error_of(write("layers:\n  line: {layer: x}\n")), Catch::Contains("s.yaml:2: layers.line: has no source"));
    CHECK_THAT(error_of(write("layers:\n  lines: {source: a.geojson}\n")), Catch::Contains("layers.lines: unknown key in layers (did you mean \"line\"?)"));
    CHECK_THAT(error_of(write("analyses: [distance, coverag]\n")), Catch::Contains("s.yaml:1: analyses: unknown analysis \"coverag\" (did you mean \"coverage\"?)"));
    CHECK_THAT(error_of(write("parameters:\n  controlled_side: {contains: [50.45, 130.52]}\n")), Catch::Contains("out of range"));
    CHECK_THAT(error_of(write("name: [unclosed\n")), Catch::Contains("not valid YAML or JSON"));
    CHECK_THAT(error_of(dir.file("none.yaml")), Catch::Contains("no such file"));
    // JSON is accepted too.
    const auto json = dza::test::write_text(dir.file("s.json"), R"({"name": "j", "layers": {"line": {"source": "l.geojson"}}, "parameters": {"standoff_km": 50}})");
    CHECK(load_scenario(json).parameters.standoff_m == 50000.0);
    CHECK_THROWS_WITH(load_scenario(json).layer("regions", "zones"), Catch::Contains("layers.regions is missing; zones needs it"));
}

TEST_CASE("scenario values: duplicates, NaN/Inf and out-of-range values name file, line and key", "[scenario]") {
    dza::test::ScratchDir dir;
    const auto write = [&](const std::string& text) { return dza::test::write_text(dir.file("s.yaml"), text); };
    const std::string f = dir.file("s.yaml");
    CHECK(error_of(write("name: a\nname: b\n")) == f + ":2: name: given twice (first on line 1); keep one");
    CHECK(error_of(write("layers:\n  line: {source: a.geojson, source: b.geojson}\n")) == f + ":2: layers.line.source: given twice (first on line 2); keep one");
    CHECK(error_of(write("parameters:\n  radius_km_by_role:\n    air: 10\n    air: 20\n")) ==
          f + ":4: parameters.radius_km_by_role.air: given twice (first on line 3); keep one");
    CHECK(error_of(write("parameters:\n  standoff_km: .nan\n")) == f + ":2: parameters.standoff_km: is .nan; give a finite number");
    CHECK(error_of(write("parameters:\n  radius_km: .inf\n")) == f + ":2: parameters.radius_km: is .inf; give a finite number");
    CHECK(error_of(write("parameters:\n  speed_kmh: -.Inf\n")) == f + ":2: parameters.speed_kmh: is -.Inf; give a finite number");
    CHECK(error_of(write("parameters:\n  west_of_lon: 500\n")) == f + ":2: parameters.west_of_lon: 500 is out of range; give a longitude in degrees, -180 to 180");
    CHECK(error_of(write("parameters:\n  west_of_lon: .nan\n")) == f + ":2: parameters.west_of_lon: is .nan; give a finite number");
    CHECK(error_of(write("parameters:\n  standoff_km: -1\n")) == f + ":2: parameters.standoff_km: is negative (-1); give 0 or more km");
    CHECK(error_of(write("parameters:\n  standoff_km: 5001\n")) == f + ":2: parameters.standoff_km: is 5001 km, more than the 5000 km dza reaches; give a smaller distance");
    CHECK(error_of(write("parameters:\n  controlled_side: {contains: [.nan, 50]}\n")) == f + ":2: parameters.controlled_side.contains lon: is .nan; give a finite number");
    CHECK(error_of(write("parameters:\n  speed_kmh: 0\n")) == f + ":2: parameters.speed_kmh: is 0; give a speed of more than 0 km/h");
    // Limits are inclusive.
    CHECK(load_scenario(write("parameters:\n  west_of_lon: -180\n  standoff_km: 5000\n")).parameters.west_of_lon == -180.0);
}

TEST_CASE("a scenario must be a regular file of at most 1 MiB", "[scenario]") {
    dza::test::ScratchDir dir;
    CHECK_THAT(error_of(dir.path().string()), Catch::Contains("is a folder, not a regular file"));
    CHECK_THAT(error_of("/dev/null"), Catch::Contains("is a device or special file, not a regular file"));
    const std::string fifo = dir.file("fifo.yaml");
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_THAT(error_of(fifo), Catch::Contains("is a FIFO, not a regular file"));
    const std::string big = dza::test::write_text(dir.file("big.yaml"), "name: x\n# " + std::string(1 << 20, 'x') + "\n");
    CHECK_THAT(error_of(big), Catch::Contains("more than the 1048576 bytes (1 MiB) a scenario may have"));
    // Just under the limit is read.
    const std::string fits = dza::test::write_text(dir.file("fits.yaml"), "name: x\n# " + std::string((1 << 20) - 20, 'x') + "\n");
    CHECK(load_scenario(fits).name == "x");
}

TEST_CASE("a scenario layer that is missing says paths start from the scenario's folder", "[scenario]") {
    dza::test::ScratchDir dir;
    const auto path = dza::test::write_text(dir.file("s.yaml"), "layers:\n  line: {source: sub/none.geojson}\n");
    const Scenario s = load_scenario(path);
    LoadOptions quiet;
    CHECK_THROWS_WITH(load_scenario_layer(s.layer("line", "test"), quiet),
                      path + ": layers.line: " + dir.file("sub/none.geojson") + ": no such file or directory; paths in a scenario are relative to the scenario's folder (" +
                          dir.path().string() + ")");
}

TEST_CASE("scenario rules: read, and bad values name file, line and key", "[scenario][rules]") {
    dza::test::ScratchDir dir;
    const auto write = [&](const std::string& text) { return dza::test::write_text(dir.file("s.yaml"), text); };
    const std::string f = dir.file("s.yaml");
    const Scenario s = load_scenario(write("rules:\n  min_line_covered_pct: 95\n  max_line_gap_km: 12.5\n  min_line_depth: 2\n"));
    CHECK(s.rules.min_line_covered_pct == 95.0);
    CHECK(s.rules.max_line_gap_km == 12.5);
    CHECK(s.rules.min_line_depth == 2);
    CHECK(load_scenario(write("name: x\n")).rules.empty());
    CHECK(error_of(write("rules:\n  min_line_coverage_pct: 95\n")) ==
          f + ":2: rules.min_line_coverage_pct: unknown key in rules (did you mean \"min_line_covered_pct\"?); known keys: min_line_covered_pct, max_line_gap_km, "
              "min_line_depth");
    CHECK(error_of(write("rules:\n  min_line_covered_pct: 120\n")) == f + ":2: rules.min_line_covered_pct: 120 is out of range; give a percentage, 0 to 100");
    CHECK(error_of(write("rules:\n  min_line_covered_pct: most\n")) == f + ":2: rules.min_line_covered_pct: must be a number, not \"most\"");
    CHECK(error_of(write("rules:\n  max_line_gap_km: -1\n")) == f + ":2: rules.max_line_gap_km: -1 is out of range; give a length in km, 0 or more");
    CHECK(error_of(write("rules:\n  max_line_gap_km: .nan\n")) == f + ":2: rules.max_line_gap_km: is .nan; give a finite number");
    CHECK_THAT(error_of(write("rules:\n  min_line_depth: 1.5\n")), Catch::StartsWith(f + ":2: rules.min_line_depth: 1.5 is not a whole number of deployments from 1 to"));
    CHECK_THAT(error_of(write("rules:\n  min_line_depth: 0\n")), Catch::StartsWith(f + ":2: rules.min_line_depth: 0 is not a whole number"));
    CHECK(error_of(write("rules: [min_line_depth]\n")) == f + ":1: rules: must be a mapping of keys to values, e.g. {key: value}");
    CHECK(error_of(write("rules:\n  min_line_depth: 2\n  min_line_depth: 3\n")) == f + ":3: rules.min_line_depth: given twice (first on line 2); keep one");
}

TEST_CASE("scenario optimize: read, and bad values name file, line and key", "[scenario][optimize]") {
    dza::test::ScratchDir dir;
    const auto write = [&](const std::string& text) { return dza::test::write_text(dir.file("s.yaml"), text); };
    const std::string f = dir.file("s.yaml");
    const Scenario s = load_scenario(write("optimize:\n  grid_km: 25\n  sites: 4\n  system: long-range SAM\n  demand: {line: 2, maritime_zone: 0.5}\n"
                                           "  objective: backup\n  min_separation_km: 80\n  cell_km: 10\n  time_limit_s: 30\n  gap_pct: 0.5\n  keep_existing: false\n"
                                           "  altitude_m: 300\nanalyses: [coverage, optimize]\n"));
    REQUIRE(s.optimize);
    const OptimizeParameters& o = *s.optimize;
    CHECK(o.grid_m == 25000.0);
    CHECK(o.sites == std::size_t{4});
    CHECK(o.system == "long-range SAM");
    REQUIRE(o.demand.size() == 2);
    CHECK(o.demand[0].key == "line");
    CHECK(o.demand[0].weight == 2.0);
    CHECK(o.demand[1].key == "maritime_zone");
    CHECK(o.demand[1].weight == 0.5);
    CHECK(o.backup);
    CHECK(o.min_separation_m == 80000.0);
    CHECK(o.cell_m == 10000.0);
    CHECK(o.time_limit_s == 30.0);
    CHECK(o.gap_pct == 0.5);
    CHECK(load_scenario(write("optimize: {grid_km: 20, sites: 2}\n")).optimize->gap_pct == 0.0);
    CHECK_FALSE(o.keep_existing);
    CHECK(o.altitude_m == 300.0);
    // Candidates from a file are relative to the scenario's folder.
    CHECK(load_scenario(write("optimize: {candidates: sites.geojson, target_pct: 90}\n")).optimize->candidates == dir.file("sites.geojson"));
    // Not run unless named; named, it needs its section.
    CHECK(load_scenario(write("optimize: {grid_km: 25, sites: 1}\n")).analyses == std::vector<std::string>{"distance", "zones", "coverage", "check"});
    CHECK_THAT(error_of(write("analyses: [optimize]\n")), Catch::Contains("s.yaml:1: analyses: names optimize but the scenario has no optimize: section"));
    CHECK_THAT(error_of(write("optimize: {sites: 2}\n")), Catch::Contains("optimize: give the candidates: candidates: FILE (points) or grid_km: SPACING"));
    CHECK_THAT(error_of(write("optimize: {grid_km: 20, sites: 2, target_pct: 50}\n")), Catch::Contains("give sites: N (new sites to choose) or target_pct: P"));
    CHECK_THAT(error_of(write("optimize: {grid_km: 20, sites: 2.5}\n")), Catch::Contains("optimize.sites: is not a whole number of sites"));
    CHECK_THAT(error_of(write("optimize:\n  grid_km: 20\n  sites: 2\n  demand: {airspace: 1}\n")),
               Catch::Contains(f + ":4: optimize.demand.airspace: unknown key"));
    CHECK_THAT(error_of(write("optimize: {grid_km: 20, sites: 2, objective: most}\n")), Catch::Contains("optimize.objective: is \"most\"; give cover or backup"));
    CHECK_THAT(error_of(write("optimize: {grid_km: 20, sites: 2, radius_km: 100, system: x}\n")), Catch::Contains("give one of system, radius_km and radius_field"));
    CHECK_THAT(error_of(write("optimize: {grid_km: 20, sites: 2, keep_existing: maybe}\n")), Catch::Contains("optimize.keep_existing: give true or false"));
    CHECK_THAT(error_of(write("optimize: {grid_km: 20, sites: 2, gap_pct: .nan}\n")), Catch::Contains(f + ":1: optimize.gap_pct: is .nan; give a finite number"));
    for (const char* gap : {"-1", "100", "250"})
        CHECK_THAT(error_of(write(std::string("optimize: {grid_km: 20, sites: 2, gap_pct: ") + gap + "}\n")),
                   Catch::Contains(f + ":1: optimize.gap_pct:") && Catch::Contains("give a gap of 0 to under 100 %"));
}
