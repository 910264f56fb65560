#include "cli/command_zones.hpp"

#include <fmt/format.h>

#include "cli/format.hpp"
#include "dza/error.hpp"
#include "dza/results_json.hpp"
#include "dza/text.hpp"
#include "dza/scenario.hpp"
#include "dza/secrets.hpp"
#include "dza/units.hpp"
#include "dza/writer.hpp"
#include "dza/zones.hpp"

namespace dza::cli {

void ZonesCommand::setup(CLI::App& app) {
    app.add_option("--regions", regions_, "regions whose union is the territory (default: the scenario's)")->type_name("LAYER");
    auto* line = app.add_option("--line", line_, "the cease-fire line (default: the scenario's)")->type_name("LAYER");
    app.add_option("--occupied", occupied_, "the occupied area as polygons, instead of a line: the controlled side is the rest")->type_name("LAYER")->excludes(line);
    app.add_option("--standoff", standoff_text_, fmt::format("stand-off from the line ({}); default: the scenario's standoff_km", distance_units_help))->type_name("DISTANCE");
    app.add_option("--keep", keep_, "the controlled side: a point \"LON,LAT\" or a region name it contains (default: the scenario's, else the larger side)")
        ->type_name("POINT|REGION");
    app.add_option("--only-regions", only_regions_text_, "keep only these regions, comma-separated")->type_name("A,B,...");
    app.add_option("--west-of", west_of_, "keep only the part west of this meridian (degrees east)")->type_name("LON")->check(CLI::Range(-180.0, 180.0));
    app.add_option("--basing-areas", basing_areas_, "keep only what lies inside these basing areas")->type_name("LAYER");
    app.add_option("--scenario", scenario_, "scenario file for the defaults")->type_name("FILE")->capture_default_str();
    add_output_option(app, output_, table_, "write the eligible zone, split by region and distance band (a .gpkg or PG: also gets the stand-off band)", false);
    app.add_option("--band-output", band_output_, "write the stand-off band (the territory within the stand-off) here")->type_name("FILE");
    add_precision_option(app, precision_);
    app.add_flag("--json", json_, "print the summary as JSON instead of a table");
}

void ZonesCommand::validate() {
    for (const auto* ref : {&regions_, &line_, &occupied_, &basing_areas_})
        if (!ref->empty()) LayerRef::parse(*ref);
    standoff_m_.reset();
    if (!standoff_text_.empty()) standoff_m_ = parse_distance_m(standoff_text_, "--standoff");
    only_regions_.clear();
    std::size_t start = 0;
    while (!only_regions_text_.empty() && start <= only_regions_text_.size()) {
        const auto comma = only_regions_text_.find(',', start);
        std::string name = only_regions_text_.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        name.erase(0, name.find_first_not_of(' '));
        name.erase(name.find_last_not_of(' ') + 1);
        if (name.empty()) throw UsageError(fmt::format("--only-regions \"{}\" has an empty name", only_regions_text_));
        only_regions_.push_back(name);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
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
    if (output_ == "-" && json_) throw UsageError("-o - and --json both write to stdout; pick one");
    if (!output_.empty() || !table_.empty()) validate_output(output_, table_);
    if (!band_output_.empty()) {
        if (is_database_output(band_output_))
            throw UsageError("--band-output takes a file; with -o PG:... --table NAME the band is written as table NAME_standoff_band");
        driver_for_path(band_output_);
    }
}

int ZonesCommand::run(Io& io) {
    if (!output_.empty()) check_output_path(output_, table_);
    if (!band_output_.empty()) check_output_path(band_output_);
    const LoadOptions load = io.load_options();
    std::optional<Scenario> scenario;
    const bool need_scenario = regions_.empty() || (line_.empty() && occupied_.empty());
    if (need_scenario || std::filesystem::exists(scenario_)) scenario = load_scenario(scenario_);
    {
        std::vector<InputSource> inputs;
        if (scenario) inputs = scenario_inputs(*scenario, {regions_.empty() ? "regions" : "", line_.empty() && occupied_.empty() ? "line" : "",
                                                           line_.empty() && occupied_.empty() ? "occupied" : ""});
        for (const auto& [given, name] : {std::pair{regions_, "--regions"}, {line_, "--line"}, {occupied_, "--occupied"}, {basing_areas_, "--basing-areas"}})
            if (!given.empty()) inputs.push_back({LayerRef::parse(given).source, name});
        check_not_an_input(output_, inputs);
        check_not_an_input(band_output_, inputs);
    }
    if (!output_.empty() && !band_output_.empty()) {
        // The same file by any spelling, whether it exists yet or not: its folder's real path and its name.
        const auto real = [](const std::string& path) {
            std::error_code ec;
            const std::filesystem::path p = std::filesystem::absolute(path, ec).lexically_normal();
            return std::filesystem::weakly_canonical(p.parent_path(), ec) / p.filename();
        };
        const bool same = output_ == band_output_ || (output_ != "-" && band_output_ != "-" && real(output_) == real(band_output_));
        if (same) throw UsageError(fmt::format("-o \"{}\" and --band-output \"{}\" are the same output; give --band-output another file", output_, band_output_));
    }

    const Layer regions = regions_.empty() ? load_scenario_layer(scenario->layer("regions", "zones without --regions"), load) : load_layer(LayerRef::parse(regions_), load);
    if (const auto names = regions.label_field()) require_unique_names(regions, *names, "region");  // before any work
    ControlledSide side = keep_side_;
    if (!side.contains && side.region.empty() && scenario) side = scenario->parameters.controlled_side;

    Territory territory;
    if (!occupied_.empty()) {
        territory = territory_from_occupied(regions, load_layer(LayerRef::parse(occupied_), load), io.callbacks());
    } else if (line_.empty() && scenario->has_layer("occupied") && !scenario->has_layer("line")) {
        territory = territory_from_occupied(regions, load_scenario_layer(scenario->layer("occupied", "zones"), load), io.callbacks());
    } else {
        const Layer line = line_.empty() ? load_scenario_layer(scenario->layer("line", "zones without --line"), load) : load_layer(LayerRef::parse(line_), load);
        territory = split_territory(regions, line, side, io.callbacks());
    }

    ZonesOptions options;
    options.standoff_m = standoff_m_ ? *standoff_m_ : (scenario && scenario->parameters.standoff_m ? *scenario->parameters.standoff_m : 0.0);
    options.only_regions = only_regions_;
    options.west_of_lon = west_of_ ? west_of_ : (scenario ? scenario->parameters.west_of_lon : std::nullopt);
    std::optional<Layer> basing;
    if (!basing_areas_.empty()) {
        basing = load_layer(LayerRef::parse(basing_areas_), load);
        options.basing_areas = &*basing;
    }
    options.callbacks = io.callbacks();
    const ZonesResult result = compute_zones(regions, territory, options);

    WriteOptions w;
    w.callbacks = io.callbacks();
    w.precision = precision_;
    w.table = table_;
    if (!output_.empty()) {
        const Layer zones = zones_layer(result, options.standoff_m);
        const Layer band = standoff_layer(result, options.standoff_m);
        const std::string driver = driver_for_path(output_);
        if (driver == "GPKG" || driver == "PostgreSQL") write_layers({&zones, &band}, output_, w);
        else write_layer(zones, output_, w, &io.out);
    }
    if (!band_output_.empty()) write_layer(standoff_layer(result, options.standoff_m), band_output_, w, &io.out);
    if (output_ == "-" || band_output_ == "-") return 0;

    if (json_) {
        io.out << scrub_secrets(json_text(to_json(result, options.standoff_m, territory.rule), 2)) << '\n';
        return 0;
    }
    Table table;
    table.add_column("region");
    table.add_column("area_km2", Table::Align::Right);
    table.add_column("eligible_km2", Table::Align::Right);
    table.add_column("eligible_pct", Table::Align::Right);
    double total_area = 0;
    for (const auto& r : result.regions) {
        table.add_row({r.name, format_number(r.area_km2, 1), format_number(r.eligible_km2, 1), fmt::format("{:.1f}%", r.eligible_pct)});
        total_area += r.area_km2;
    }
    table.add_row({"total", format_number(total_area, 1), format_number(result.total_area_km2, 1),
                   fmt::format("{:.1f}%", total_area > 0 ? 100.0 * result.total_area_km2 / total_area : 0.0)});
    table.print(io.out);
    io.out << fmt::format("\nstand-off {:g} km from the line (boundary within {:.2f} m); controlled side: {}\n", options.standoff_m / 1000.0, result.max_error_m,
                          territory.rule);
    return 0;
}

}  // namespace dza::cli
