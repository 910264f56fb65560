#include "cli/command_zones.hpp"

#include <fmt/format.h>

#include "cli/format.hpp"
#include "dza/error.hpp"
#include "dza/inputs.hpp"
#include "dza/report.hpp"
#include "dza/results_json.hpp"
#include "dza/text.hpp"
#include "dza/scenario.hpp"
#include "dza/secrets.hpp"
#include "dza/units.hpp"
#include "dza/writer.hpp"
#include "dza/zones.hpp"

namespace dza::cli {

void ZonesCommand::setup(CLI::App& app) {
    inputs_.add_layer(app, "regions", true);
    auto* line = inputs_.add_layer(app, "line", true);
    inputs_.add_layer(app, "occupied", false)->excludes(line);
    inputs_.add_standoff(app);
    inputs_.add_keep(app);
    inputs_.add_eligibility(app, true);
    inputs_.add_layer(app, "basing_areas", false);
    inputs_.add_scenario(app);
    add_output_option(app, output_, table_, "write the eligible zone, split by region and distance band (a .gpkg, .kml or PG: also gets the stand-off band)", false);
    app.add_option("--band-output", band_output_, "write the stand-off band (the territory within the stand-off) here")->type_name("FILE");
    add_precision_option(app, precision_);
    app.add_flag("--json", json_, "print the summary as JSON instead of a table");
}

void ZonesCommand::validate() {
    inputs_.validate();
    if (output_ == "-" && json_) throw UsageError("-o - and --json both write to stdout; pick one");
    if (!output_.empty() || !table_.empty()) validate_output(output_, table_);
    if (!band_output_.empty()) {
        if (is_database_output(band_output_))
            throw UsageError("--band-output takes a file; with -o PG:... --table NAME the band is written as table NAME_standoff_band");
        driver_for_path(band_output_);
    }
}

ExitCode ZonesCommand::run(Io& io) {
    if (!output_.empty()) check_output_path(output_, table_);
    if (!band_output_.empty()) check_output_path(band_output_);
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

    InputRequest request = inputs_.request("zones");
    request.uses = {"standoff_km", "controlled_side", "allowed_regions", "west_of_lon"};
    request.outputs = {output_, band_output_};
    const AnalysisInputs inputs = resolve(request, io);
    const Territory& territory = inputs.territory(io.callbacks());

    // The pieces and the stand-off band are drawn only for the outputs that write them; the
    // table and --json print figures only.
    const bool both_layers = !output_.empty() && (driver_for_path(output_) == "GPKG" || driver_for_path(output_) == "KML" || driver_for_path(output_) == "PostgreSQL");
    ZonesOptions options;
    options.eligibility = inputs.eligibility();
    options.pieces = !output_.empty();
    options.standoff_band = both_layers || !band_output_.empty();
    options.callbacks = io.callbacks();
    const ZonesResult result = compute_zones(inputs.require("regions", "zones"), territory, options);

    WriteOptions w;
    w.callbacks = io.callbacks();
    w.precision = precision_;
    w.table = table_;
    // KML placemarks drawn as the map draws the zone and the band.
    w.styles["eligible_zones"] = map_feature_style(layer_style(LayerKind::Eligible));
    w.styles["standoff_band"] = map_feature_style(layer_style(LayerKind::StandoffBand));
    if (!output_.empty()) {
        const Layer zones = zones_layer(result, options.eligibility.standoff_m);
        const Layer band = standoff_layer(result, options.eligibility.standoff_m);
        if (both_layers) write_layers({&zones, &band}, output_, w);
        else write_layer(zones, output_, w, &io.out);
    }
    if (!band_output_.empty()) write_layer(standoff_layer(result, options.eligibility.standoff_m), band_output_, w, &io.out);
    if (output_ == "-" || band_output_ == "-") return ExitCode::Ok;

    if (json_) {
        io.out << scrub_secrets(json_text(to_json(result, options.eligibility, territory.rule), 2)) << '\n';
        return ExitCode::Ok;
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
    io.out << fmt::format("\nstand-off {:g} km from the line (boundary within {:.2f} m); controlled side: {}\n", options.eligibility.standoff_m / 1000.0, result.max_error_m,
                          territory.rule);
    return ExitCode::Ok;
}

}  // namespace dza::cli
