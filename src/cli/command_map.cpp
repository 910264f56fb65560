#include "cli/command_map.hpp"

#include <fmt/format.h>

#include <optional>

#include "dza/error.hpp"
#include "dza/map.hpp"
#include "dza/report.hpp"
#include "dza/territory.hpp"
#include "dza/zones.hpp"

namespace dza::cli {

void MapCommand::setup(CLI::App& app) {
    app.add_option("--scenario", scenario_, "scenario file to draw")->type_name("FILE")->capture_default_str();
    app.add_option("-o,--output", output_, "the map: .png or .svg")->type_name("FILE")->required();
    app.add_option("--width", width_px_, "image width in pixels")->type_name("PX")->capture_default_str()->check(CLI::Range(200, 10000));
    app.add_option("--height", height_px_, "image height in pixels")->type_name("PX")->capture_default_str()->check(CLI::Range(200, 10000));
    app.add_option("--title", title_, "title above the map (default: the scenario's name)")->type_name("TEXT");
}

void MapCommand::validate() { map_format_for_path(output_); }

int MapCommand::run(Io& io) {
    check_map_output_path(output_);
    const LoadOptions load = io.load_options();
    const Scenario scenario = load_scenario(scenario_);
    check_not_an_input(output_, scenario_inputs(scenario));
    const ScenarioParameters& p = scenario.parameters;
    auto optional_layer = [&](const std::string& role) -> std::optional<Layer> {
        if (!scenario.has_layer(role)) return std::nullopt;
        return load_scenario_layer(scenario.layer(role, "map"), load);
    };
    const Layer regions = load_scenario_layer(scenario.layer("regions", "map"), load);
    const std::optional<Layer> neighbours = optional_layer("neighbours"), line = optional_layer("line"), occupied = optional_layer("occupied"),
                               basing = optional_layer("basing_areas"), deployments = optional_layer("deployments"),
                               maritime = optional_layer("maritime_zone");

    // The two sides of the line, the stand-off band and the eligible zone, as `dza zones` finds them,
    // limited to the plan's allowed regions.
    std::optional<Layer> other, band, eligible;
    const double standoff_m = p.standoff_m.value_or(0.0);
    if (line || occupied) {
        const Territory territory = line ? split_territory(regions, *line, p.controlled_side, io.callbacks())
                                         : territory_from_occupied(regions, *occupied, io.callbacks());
        ZonesOptions zo;
        zo.standoff_m = standoff_m;
        zo.only_regions = p.allowed_regions;
        zo.west_of_lon = p.west_of_lon;
        zo.tolerance_m = 100;  // far below a pixel
        zo.band_widths_m = {};  // the map shows the eligible zone whole
        zo.callbacks = io.callbacks();
        ZonesResult zones = compute_zones(regions, territory, zo);
        other = geometry_layer("beyond the line", territory.other.clone());
        if (standoff_m > 0) band = geometry_layer("stand-off band", std::move(zones.standoff_band));
        eligible = geometry_layer("eligible", std::move(zones.eligible));
    }
    std::optional<Layer> reach;
    if (deployments) reach = reach_layer(*deployments, p, io.callbacks());

    MapContent content;
    content.title = title_.empty() ? scenario.name : title_;
    content.neighbours = neighbours ? &*neighbours : nullptr;
    content.regions = &regions;
    content.other_side = other ? &*other : nullptr;
    content.eligible = eligible ? &*eligible : nullptr;
    content.standoff_band = band ? &*band : nullptr;
    content.maritime_zone = maritime ? &*maritime : nullptr;
    content.basing_areas = basing ? &*basing : nullptr;
    content.reach = reach ? &*reach : nullptr;
    content.line = line ? &*line : nullptr;
    content.deployments = deployments ? &*deployments : nullptr;
    content.occupied = !line;
    content.standoff_m = standoff_m;
    content.allowed_regions = !p.allowed_regions.empty();
    content.radius_field = p.radius_field;
    render_map_file(compose_map(content), map_options(content, width_px_, height_px_), output_);
    return 0;
}

}  // namespace dza::cli
