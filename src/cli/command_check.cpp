#include "cli/command_check.hpp"

#include <fmt/format.h>

#include "cli/format.hpp"
#include "dza/check.hpp"
#include "dza/error.hpp"
#include "dza/results_json.hpp"
#include "dza/secrets.hpp"
#include "dza/text.hpp"
#include "dza/units.hpp"

namespace dza::cli {

namespace {
std::vector<std::string> split_names(const std::string& text, const char* option) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (!text.empty() && start <= text.size()) {
        const auto comma = text.find(',', start);
        std::string name = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        name.erase(0, name.find_first_not_of(' '));
        name.erase(name.find_last_not_of(' ') + 1);
        if (name.empty()) throw UsageError(fmt::format("{} \"{}\" has an empty name", option, text));
        out.push_back(name);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}
}  // namespace

void CheckCommand::setup(CLI::App& app) {
    app.add_option("DEPLOYMENTS", deployments_, "the plan's deployments (default: the scenario's)")->type_name("LAYER");
    app.add_option("--regions", regions_, "regions whose union is the territory (default: the scenario's)")->type_name("LAYER");
    app.add_option("--line", line_, "the cease-fire line (default: the scenario's)")->type_name("LAYER");
    app.add_option("--standoff", standoff_text_, fmt::format("least distance from the line ({}); default: the scenario's standoff_km", distance_units_help))
        ->type_name("DISTANCE");
    app.add_option("--basing-areas", basing_areas_, "deployments on land must lie inside one of these (default: the scenario's)")->type_name("LAYER");
    app.add_option("--allowed-regions", allowed_text_, "deployments on land must lie in one of these regions, comma-separated (default: the scenario's)")
        ->type_name("A,B,...");
    app.add_option("--maritime-zone", maritime_zone_, "deployments at sea must lie inside this zone (default: the scenario's)")->type_name("LAYER");
    app.add_option("--keep", keep_, "the controlled side: a point \"LON,LAT\" or a region it contains (default: the scenario's, else the larger side)")
        ->type_name("POINT|REGION");
    app.add_option("--scenario", scenario_, "scenario file for the defaults")->type_name("FILE")->capture_default_str();
    app.add_flag("--json", json_, "print the result as JSON instead of a report");
}

void CheckCommand::validate() {
    for (const auto* ref : {&deployments_, &regions_, &line_, &basing_areas_, &maritime_zone_})
        if (!ref->empty()) LayerRef::parse(*ref);
    standoff_m_.reset();
    if (!standoff_text_.empty()) standoff_m_ = parse_distance_m(standoff_text_, "--standoff");
    allowed_ = split_names(allowed_text_, "--allowed-regions");
    keep_side_ = {};
    if (!keep_.empty()) {
        double lon = 0, lat = 0;
        char extra = 0;
        if (std::sscanf(keep_.c_str(), "%lf,%lf%c", &lon, &lat, &extra) == 2) {
            if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) throw UsageError(fmt::format("--keep \"{}\" is out of range; give LON,LAT in degrees", keep_));
            keep_side_.contains = LonLat{lon, lat};
        } else {
            keep_side_.region = keep_;
        }
    }
}

int CheckCommand::run(Io& io) {
    const LoadOptions load = io.load_options();
    std::optional<Scenario> scenario;
    if (deployments_.empty() || regions_.empty() || line_.empty() || std::filesystem::exists(scenario_)) scenario = load_scenario(scenario_);
    const auto layer = [&](const std::string& given, const char* role) {
        return given.empty() ? load_scenario_layer(scenario->layer(role, std::string("check without its ") + role + " layer"), load)
                             : load_layer(LayerRef::parse(given), load);
    };
    const auto optional_layer = [&](const std::string& given, const char* role) -> std::optional<Layer> {
        if (!given.empty()) return load_layer(LayerRef::parse(given), load);
        if (scenario && scenario->has_layer(role)) return load_scenario_layer(scenario->layer(role, "check"), load);
        return std::nullopt;
    };
    const Layer deployments = layer(deployments_, "deployments");
    const Layer regions = layer(regions_, "regions");
    if (const auto names = regions.label_field()) require_unique_names(regions, *names, "region");  // before any work
    const Layer line = layer(line_, "line");
    const std::optional<Layer> basing = optional_layer(basing_areas_, "basing_areas");
    const std::optional<Layer> maritime = optional_layer(maritime_zone_, "maritime_zone");

    ControlledSide side = keep_side_;
    if (!side.contains && side.region.empty() && scenario) side = scenario->parameters.controlled_side;
    const Territory territory = split_territory(regions, line, side, io.callbacks());

    CheckOptions options;
    options.standoff_m = standoff_m_ ? *standoff_m_ : (scenario && scenario->parameters.standoff_m ? *scenario->parameters.standoff_m : 0.0);
    options.allowed_regions = !allowed_.empty() ? allowed_ : (scenario ? scenario->parameters.allowed_regions : std::vector<std::string>{});
    options.basing_areas = basing ? &*basing : nullptr;
    options.maritime_zone = maritime ? &*maritime : nullptr;
    options.callbacks = io.callbacks();
    const CheckResult result = check_plan(deployments, regions, line, territory, options);

    if (json_) {
        io.out << scrub_secrets(json_text(to_json(result, options.standoff_m, territory.rule), 2)) << '\n';
    } else {
        Table table;
        table.add_column("deployment");
        table.add_column("where");
        table.add_column("line_km", Table::Align::Right);
        table.add_column("result");
        for (const auto& d : result.deployments)
            table.add_row({d.name, d.at_sea ? "at sea" : (d.region.empty() ? "-" : d.region), format_number(d.distance_km, 1),
                           d.passed() ? "ok" : fmt::format("{} violation{}", d.violations.size(), d.violations.size() == 1 ? "" : "s")});
        table.print(io.out);
        if (!result.passed()) {
            io.out << "\nviolations:\n";
            for (const auto& d : result.deployments)
                for (const auto& v : d.violations) io.out << "  " << v.message << '\n';
        }
        io.out << fmt::format("\n{} deployments, stand-off {:g} km, controlled side: {}\n", result.deployments.size(), options.standoff_m / 1000.0, territory.rule);
    }
    if (result.passed()) return 0;
    std::size_t failing = 0;
    for (const auto& d : result.deployments) failing += d.passed() ? 0 : 1;
    io.err << fmt::format("dza: the plan fails: {} violation{} by {} of {} deployments\n", result.violation_count(), result.violation_count() == 1 ? "" : "s", failing,
                          result.deployments.size());
    return 1;
}

}  // namespace dza::cli
