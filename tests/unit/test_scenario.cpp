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
               Catch::Contains("s.yaml:3: unknown key \"standof_km\" in parameters (did you mean \"standoff_km\"?)"));
    CHECK_THAT(error_of(write("parameters:\n  standoff_km: far\n")), Catch::Contains("s.yaml:2: parameters.standoff_km must be a number, not \"far\""));
    CHECK_THAT(error_of(write("parameters:\n  standoff_km: -5\n")), Catch::Contains("is negative"));
    CHECK_THAT(error_of(write("layers:\n  line: {layer: x}\n")), Catch::Contains("s.yaml:2: layers.line has no source"));
    CHECK_THAT(error_of(write("layers:\n  lines: {source: a.geojson}\n")), Catch::Contains("unknown key \"lines\" in layers (did you mean \"line\"?)"));
    CHECK_THAT(error_of(write("analyses: [distance, coverag]\n")), Catch::Contains("s.yaml:1: unknown analysis \"coverag\" (did you mean \"coverage\"?)"));
    CHECK_THAT(error_of(write("parameters:\n  controlled_side: {contains: [50.45, 130.52]}\n")), Catch::Contains("out of range"));
    CHECK_THAT(error_of(write("name: [unclosed\n")), Catch::Contains("not valid YAML or JSON"));
    CHECK_THAT(error_of(dir.file("none.yaml")), Catch::Contains("no such file"));
    // JSON is accepted too.
    const auto json = dza::test::write_text(dir.file("s.json"), R"({"name": "j", "layers": {"line": {"source": "l.geojson"}}, "parameters": {"standoff_km": 50}})");
    CHECK(load_scenario(json).parameters.standoff_m == 50000.0);
    CHECK_THROWS_WITH(load_scenario(json).layer("regions", "zones"), Catch::Contains("layers.regions is missing; zones needs it"));
}
