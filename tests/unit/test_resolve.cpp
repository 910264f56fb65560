// resolve_inputs: which scenario is used, how explicit layers and parameters replace its own,
// what the note says, and the one territory and eligibility rule every command reads.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include "cli/app.hpp"
#include "dza/error.hpp"
#include "dza/inputs.hpp"
#include "helpers.hpp"
#include "test_paths.hpp"

using namespace dza;
using dza::test::error_of;
using dza::test::ScratchDir;

namespace fs = std::filesystem;

namespace {

const std::string data = dza::test::data_dir;

// The current folder for the lifetime of the object.
class InFolder {
public:
    explicit InFolder(const fs::path& folder) : before_(fs::current_path()) { fs::current_path(folder); }
    ~InFolder() { fs::current_path(before_); }

private:
    fs::path before_;
};

LoadOptions quiet() {
    LoadOptions o;
    o.callbacks.warn = [](const std::string&) {};
    return o;
}

// What dza check reads.
InputRequest check_request() {
    InputRequest r;
    r.command = "check";
    r.roles = {{"deployments", "DEPLOYMENTS", true}, {"regions", "--regions", true}, {"line", "--line", true}, {"basing_areas", "--basing-areas", false}};
    r.uses = {"standoff_km", "controlled_side", "allowed_regions", "west_of_lon"};
    return r;
}

// A project folder holding a copy of the default scenario in data/, as a user's would.
struct Project {
    ScratchDir dir;
    Project() {
        fs::create_directories(dir.path() / "data");
        for (const auto& e : fs::directory_iterator(data)) fs::copy_file(e.path(), dir.path() / "data" / e.path().filename());
    }
};

}  // namespace

TEST_CASE("a named scenario supplies what is not given", "[resolve]") {
    InputRequest r = check_request();
    r.scenario_file = data + "/scenario.yaml";
    const AnalysisInputs in = resolve_inputs(r, quiet());
    REQUIRE(in.scenario);
    CHECK(in.has("deployments"));
    CHECK(in.has("basing_areas"));
    CHECK(in.parameters.standoff_m == 100000.0);
    CHECK(in.parameters.allowed_regions.size() == 11);
    CHECK(in.note() == "using " + data + "/scenario.yaml for deployments, regions, line, basing_areas, standoff_km, controlled_side, allowed_regions");
    const EligibilityRule rule = in.eligibility();
    CHECK(rule.standoff_m == 100000.0);
    CHECK(rule.basing_areas == in.layer("basing_areas"));
    CHECK(rule.allowed_regions == in.parameters.allowed_regions);
    CHECK_FALSE(rule.west_of_lon);
}

TEST_CASE("explicit layers and parameters replace the named scenario's", "[resolve]") {
    InputRequest r = check_request();
    r.scenario_file = data + "/scenario.yaml";
    r.layers["regions"] = data + "/neighbours.geojson";
    r.parameters.standoff_m = 40000.0;
    r.parameters.allowed_regions = {"Poland"};
    const AnalysisInputs in = resolve_inputs(r, quiet());
    CHECK(in.refs.at("regions").ref.source == data + "/neighbours.geojson");
    CHECK(in.refs.at("regions").scenario_file.empty());
    CHECK(in.parameters.standoff_m == 40000.0);
    CHECK(in.parameters.allowed_regions == std::vector<std::string>{"Poland"});
    CHECK(in.note() == "using " + data + "/scenario.yaml for deployments, line, basing_areas, controlled_side");
    // Named by the option that gave them, for check_not_an_input.
    bool named = false;
    for (const auto& s : in.sources()) named = named || (s.name == "--regions" && s.source == data + "/neighbours.geojson");
    CHECK(named);
}

TEST_CASE("all the layers given and no scenario named: no scenario, even one in the current folder", "[resolve]") {
    Project project;
    InFolder here(project.dir.path());
    InputRequest r = check_request();
    r.layers = {{"deployments", "data/deployments.geojson"}, {"regions", "data/regions.geojson"}, {"line", "data/ceasefire_line.geojson"}};
    const AnalysisInputs in = resolve_inputs(r, quiet());
    CHECK_FALSE(in.scenario);
    CHECK(in.parameters.allowed_regions.empty());
    CHECK_FALSE(in.parameters.standoff_m);
    CHECK_FALSE(in.has("basing_areas"));
    CHECK(in.note().empty());
    CHECK(in.eligibility().allowed_regions.empty());
}

TEST_CASE("none of the layers given: the default scenario", "[resolve]") {
    Project project;
    InFolder here(project.dir.path());
    CHECK(default_scenario_path() == fs::path("data/scenario.yaml"));
    InputRequest r = check_request();
    r.layers["basing_areas"] = "data/basing_areas.geojson";  // not one the command needs
    const AnalysisInputs in = resolve_inputs(r, quiet());
    REQUIRE(in.scenario);
    CHECK(in.scenario->file == fs::path("data/scenario.yaml"));
    CHECK(in.note() == "using data/scenario.yaml for deployments, regions, line, standoff_km, controlled_side, allowed_regions");
}

TEST_CASE("some of the layers given without a scenario is a usage error", "[resolve]") {
    Project project;
    InFolder here(project.dir.path());
    InputRequest r = check_request();
    r.layers = {{"deployments", "data/deployments.geojson"}, {"regions", "data/regions.geojson"}};
    CHECK(error_of<UsageError>([&] { resolve_inputs(r, quiet()); }) ==
          "check is given DEPLOYMENTS and --regions but not --line; give --line too, or --scenario FILE for the rest");
    CHECK_THROWS_AS(resolve_inputs(r, quiet()), UsageError);

    // A line may be given as an occupied area instead.
    InputRequest z;
    z.command = "zones";
    z.roles = {{"regions", "--regions", true}, {"line", "--line", true}, {"occupied", "--occupied", false}};
    z.alternatives = {{"line", "occupied"}};
    z.layers = {{"line", "data/ceasefire_line.geojson"}};
    CHECK(error_of<UsageError>([&] { resolve_inputs(z, quiet()); }) == "zones is given --line but not --regions; give --regions too, or --scenario FILE for the rest");
    z.layers = {{"regions", "data/regions.geojson"}};
    CHECK(error_of<UsageError>([&] { resolve_inputs(z, quiet()); }) ==
          "zones is given --regions but not --line (or --occupied); give --line (or --occupied) too, or --scenario FILE for the rest");
}

TEST_CASE("no default scenario: say where it was looked for", "[resolve]") {
    ScratchDir empty;
    InFolder here(empty.path());
    const std::string message = error_of<UsageError>([] { default_scenario_path(); });
    CHECK_THAT(message, Catch::StartsWith("no default scenario: neither data/scenario.yaml (in the current folder) nor ") &&
                            Catch::Contains("share/dza/scenario.yaml exists; give --scenario FILE"));
    CHECK_THROWS_AS(resolve_inputs(check_request(), quiet()), UsageError);
}

TEST_CASE("an explicit occupied area replaces the scenario's line for the territory", "[resolve]") {
    ScratchDir dir;
    // The occupied area: the east of the territory, beyond 36 degrees east.
    const std::string occupied = dza::test::write_text(dir.file("occupied.geojson"), dza::test::feature_collection(R"(
        {"type":"Feature","properties":{"name":"east"},"geometry":{"type":"Polygon","coordinates":[[[36,44],[41,44],[41,53],[36,53],[36,44]]]}})"));
    InputRequest z;
    z.command = "zones";
    z.scenario_file = data + "/scenario.yaml";
    z.roles = {{"regions", "--regions", true}, {"line", "--line", true}, {"occupied", "--occupied", false}};
    z.alternatives = {{"line", "occupied"}};
    z.layers = {{"occupied", occupied}};
    const AnalysisInputs in = resolve_inputs(z, quiet());
    CHECK_FALSE(in.has("line"));
    CHECK(in.has("occupied"));
    const Territory& t = in.territory();
    CHECK(t.line.is_null());
    CHECK(&in.territory() == &t);  // built once
    CHECK(t.controlled.extent().max_lon <= 36.0 + 1e-9);
}

TEST_CASE("the note goes to stderr unless --quiet", "[resolve][cli]") {
    Project project;
    InFolder here(project.dir.path());
    const auto run = [](std::vector<std::string> args) {
        args.insert(args.begin(), "dza");
        std::vector<const char*> argv;
        for (const auto& a : args) argv.push_back(a.c_str());
        std::ostringstream out, err;
        const int code = dza::cli::run(static_cast<int>(argv.size()), argv.data(), out, err, false);
        return std::pair{code, err.str()};
    };
    auto [code, err] = run({"distance", "--json"});
    CHECK(code == 0);
    CHECK(err == "dza: using data/scenario.yaml for deployments, line, speed_field\n");
    std::tie(code, err) = run({"-q", "distance", "--json"});
    CHECK(code == 0);
    CHECK(err.empty());
    std::tie(code, err) = run({"distance", "data/deployments.geojson", "data/ceasefire_line.geojson", "--json"});
    CHECK(code == 0);
    CHECK(err.empty());
}

TEST_CASE("the scenario's field names apply only to its own deployments", "[resolve]") {
    InputRequest r;
    r.command = "distance";
    r.scenario_file = data + "/scenario.yaml";
    r.roles = {{"deployments", "FROM", true}, {"line", "TO", true}};
    r.uses = {"speed_kmh", "speed_field", "radius_field"};
    CHECK(resolve_inputs(r, quiet()).parameters.speed_field == "speed_kmh");
    CHECK(resolve_inputs(r, quiet()).parameters.radius_field == "radius_km");
    r.layers["deployments"] = data + "/basing_areas.geojson";  // has neither field
    const AnalysisInputs in = resolve_inputs(r, quiet());
    CHECK(in.parameters.speed_field.empty());
    CHECK(in.parameters.radius_field.empty());
    CHECK(in.note() == "using " + data + "/scenario.yaml for line");
}
