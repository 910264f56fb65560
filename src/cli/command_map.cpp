#include "cli/command_map.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "dza/check.hpp"
#include "dza/error.hpp"
#include "dza/inputs.hpp"
#include "dza/map.hpp"
#include "dza/report.hpp"
#include "dza/territory.hpp"
#include "dza/units.hpp"
#include "dza/zones.hpp"

namespace dza::cli {

void MapCommand::setup(CLI::App& app) {
    inputs_.add_scenario(app);
    for (const char* role : {"regions", "neighbours", "line", "occupied", "basing_areas", "deployments", "maritime_zone"}) inputs_.add_scenario_layer(role);
    app.add_option("-o,--output", output_,
                   "the map: .png (an image for slides), .svg (vector; text as <text>, one <g id> a layer, for Inkscape or a slide program) or .pdf "
                   "(vector, one page, text as text, for print)")
        ->type_name("FILE")
        ->required();
    app.add_option("--width", width_px_, "map width in pixels (CSS pixels, 1/96 inch: the SVG's width; the PDF page's at 0.75 pt a pixel)")
        ->type_name("PX")
        ->capture_default_str()
        ->check(CLI::Range(200, 10000));
    app.add_option("--height", height_px_, "map height in pixels, as --width")->type_name("PX")->capture_default_str()->check(CLI::Range(200, 10000));
    app.add_option("--dpi", dpi_,
                   "PNG only: resolution in dots per inch, recorded in the file; the PNG gets dpi/96 times --width x --height pixels with the same "
                   "layout, so it prints at the size of the PDF (e.g. --dpi 300 for print: 3750 x 2813 pixels at the default size)")
        ->type_name("N")
        ->capture_default_str()
        ->check(CLI::Range(24, 1200));
    app.add_option("--title", title_, "title above the map (default: the scenario's name)")->type_name("TEXT");
    app.add_option("--altitude", altitude_text_,
                   "target altitude the reaches are drawn at, to each sensor's radar horizon, e.g. 300m (default: the scenario's lowest altitude, if any; "
                   "none: the full envelopes)")
        ->type_name("H");
}

void MapCommand::validate() {
    inputs_.validate();
    const MapFormat format = map_format_for_path(output_);
    if (dpi_ != 96 && format != MapFormat::Png)
        throw UsageError(fmt::format("--dpi {} sets a PNG's resolution; \"{}\" is vector: drop --dpi or write .png", dpi_, output_));
    if (format == MapFormat::Png) {
        MapOptions size;
        size.width_px = width_px_, size.height_px = height_px_, size.dpi = dpi_;
        try {
            map_png_size_px(size);
        } catch (const UsageError&) {
            throw UsageError(fmt::format("--dpi {} with {} x {} px makes a PNG over 10000 pixels on a side; lower --dpi, --width or --height", dpi_,
                                         width_px_, height_px_));
        }
    }
    altitude_m_.reset();
    if (!altitude_text_.empty()) {
        const std::vector<double> altitudes_m = parse_altitude_list_m(altitude_text_, "--altitude");
        if (altitudes_m.size() != 1) throw UsageError(fmt::format("--altitude \"{}\" is not one altitude; give one, e.g. 300m", altitude_text_));
        check_altitudes(altitudes_m, [&](const std::string& m) { throw UsageError(fmt::format("--altitude \"{}\": {}", altitude_text_, m)); });
        altitude_m_ = altitudes_m.front();
    }
}

ExitCode MapCommand::run(Io& io) {
    check_map_output_path(output_);
    InputRequest request = inputs_.request("map");
    request.uses = {"standoff_km", "controlled_side", "radius_km", "radius_field", "radius_km_by_role", "allowed_regions", "west_of_lon",
                    "systems", "system_field", "altitudes_m", "refraction_k"};
    request.outputs = {output_};
    const AnalysisInputs inputs = resolve(request, io);
    const Scenario& scenario = *inputs.scenario;
    const ScenarioParameters& p = inputs.parameters;
    const Layer& regions = inputs.require("regions", "map");
    const Layer *neighbours = inputs.layer("neighbours"), *line = inputs.layer("line"), *occupied = inputs.layer("occupied"),
                *basing = inputs.layer("basing_areas"), *deployments = inputs.layer("deployments"), *maritime = inputs.layer("maritime_zone");

    // The two sides of the line, the stand-off band and the eligible zone, as `dza zones` finds them.
    std::optional<Layer> other, band, eligible;
    const double standoff_m = p.standoff_m.value_or(0.0);
    if (line || occupied) {
        const Territory& territory = inputs.territory(io.callbacks());
        ZonesOptions zo;
        zo.eligibility = inputs.eligibility();
        zo.tolerance_m = 100;  // far below a pixel
        zo.pieces = false;  // the map shows the eligible zone whole
        zo.callbacks = io.callbacks();
        ZonesResult zones = compute_zones(regions, territory, zo);
        other = geometry_layer("beyond the line", territory.other.clone());
        if (standoff_m > 0) band = geometry_layer("stand-off band", std::move(zones.standoff_band));
        eligible = geometry_layer("eligible", std::move(zones.eligible));
    }
    // The reaches at the altitude asked, else the scenario's lowest (the hardest case), else their full envelopes.
    std::optional<double> altitude_m = altitude_m_;
    if (!altitude_m && !p.altitudes_m.empty()) altitude_m = *std::min_element(p.altitudes_m.begin(), p.altitudes_m.end());
    std::optional<Layer> reach;
    if (deployments) reach = reach_layer(*deployments, p, io.callbacks(), altitude_m);

    // Deployments that fail the plan check (as dza check finds them) are marked: with a line to
    // check against, and the deployments' own field "passed" replaced by the check's.
    std::optional<Layer> checked;
    if (deployments && line) {
        CheckOptions co;
        co.eligibility = inputs.eligibility();
        co.maritime_zone = maritime;
        co.callbacks = io.callbacks();
        const CheckResult result = check_plan(*deployments, regions, *line, inputs.territory(io.callbacks()), co);
        checked = copy_layer(*deployments, [](const Geometry& g) { return g.clone(); });
        checked->name = deployments->name;
        std::size_t passed = checked->fields.size();
        if (const auto at = checked->field_index("passed")) passed = *at, checked->fields[passed].type = FieldType::Boolean;
        else checked->fields.push_back({"passed", FieldType::Boolean});
        for (auto& f : checked->features) f.values.resize(checked->fields.size());
        for (const DeploymentCheck& d : result.deployments)
            if (d.feature < checked->features.size()) checked->features[d.feature].values[passed] = d.passed();
        deployments = &*checked;
    }

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
    content.reach_systems = p.systems && !p.systems->empty();
    content.reach_altitude_m = altitude_m;
    content.refraction_k = p.refraction_k.value_or(4.0 / 3.0);
    MapOptions options = map_options(content, width_px_, height_px_);
    options.dpi = dpi_;
    render_map_file(compose_map(content), options, output_);
    return ExitCode::Ok;
}

}  // namespace dza::cli
