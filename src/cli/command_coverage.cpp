#include "cli/command_coverage.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "cli/format.hpp"
#include "dza/altitude_profile.hpp"
#include "dza/buffer.hpp"
#include "dza/coverage.hpp"
#include "dza/error.hpp"
#include "dza/inputs.hpp"
#include "dza/report.hpp"
#include "dza/results_json.hpp"
#include "dza/secrets.hpp"
#include "dza/text.hpp"
#include "dza/scenario.hpp"
#include "dza/territory.hpp"
#include "dza/units.hpp"
#include "dza/writer.hpp"

namespace fs = std::filesystem;

namespace dza::cli {

void CoverageCommand::setup(CLI::App& app) {
    inputs_.add_layer(app, "deployments", true);
    inputs_.add_layer(app, "regions", true, "regions whose coverage is measured; their union is the territory");
    inputs_.add_layer(app, "line", false, "a line whose coverage and gaps are measured");
    app.add_option("--target", targets_, "further areas to measure, e.g. a maritime zone; repeatable (default: the scenario's maritime_zone and targets)")
        ->type_name("LAYER");
    inputs_.add_scenario(app);
    inputs_.add_keep(app);
    auto* radius = radius_.add(app, "--radius", "one reach for every deployment", buffer_max_distance_m);
    auto* field = app.add_option("--radius-field", radius_field_, "field with each deployment's reach in km (default: the scenario's radius_field, else radius_km)")
                      ->type_name("FIELD");
    radius->excludes(field);
    field->excludes(radius);
    app.add_option("--radius-by-role", radius_by_role_,
                   fmt::format("reach by role, before the field or --radius, e.g. \"air defence=120km,ground=40km\" ({})", distance_units_help))
        ->type_name("ROLE=D,...");
    app.add_option("--role-field", role_field_, "field holding each deployment's role")->type_name("FIELD")->capture_default_str();
    sensors_.add(app);
    app.add_option("--gaps-within", gaps_within_, "measure gaps within the controlled side of the line or the whole territory (default: controlled when there is a line)")
        ->check(CLI::IsMember({"controlled", "territory"}))
        ->type_name("controlled|territory");
    add_tolerance_option(app, tolerance_, "a reach");
    app.add_option("-o,--output", output_,
                   "write the layers (regions with their figures, coverage, redundancy, gaps, line_gaps, targets): a .gpkg file, a .kml file (a folder per layer), a folder "
                   "that receives one GeoJSON file per layer, or PG:CONNECTION with --table (tables NAME_<layer>)")
        ->type_name("OUT");
    add_table_option(app, table_);
    add_precision_option(app, precision_);
    app.add_flag("--json", json_, "print the figures as JSON instead of a table");
}

void CoverageCommand::validate() {
    inputs_.validate();
    for (const auto& t : targets_) LayerRef::parse(t);
    const auto check_max = [](double m, const std::string& what) {
        if (m > buffer_max_distance_m) throw UsageError(fmt::format("{} is {:g} km, more than the {:g} km dza reaches", what, m / 1000, buffer_max_distance_m / 1000));
    };
    radius_.parse();
    sensors_.validate();
    radius_by_role_m_.clear();
    if (!radius_by_role_.empty()) {
        std::size_t pos = 0;
        while (pos <= radius_by_role_.size()) {
            const std::size_t comma = std::min(radius_by_role_.find(',', pos), radius_by_role_.size());
            const std::string item = radius_by_role_.substr(pos, comma - pos);
            const std::size_t eq = item.find('=');
            const auto trim = [](std::string s) {
                s.erase(0, s.find_first_not_of(" \t"));
                s.erase(s.find_last_not_of(" \t") + 1);
                return s;
            };
            const std::string role = eq == std::string::npos ? std::string() : trim(item.substr(0, eq));
            if (role.empty())
                throw UsageError(fmt::format("--radius-by-role \"{}\": \"{}\" is not ROLE=DISTANCE, e.g. \"air defence=120km,ground=40km\"", radius_by_role_, item));
            const double m = parse_distance_m(item.substr(eq + 1), fmt::format("--radius-by-role {}", role));
            check_max(m, "--radius-by-role " + role);
            radius_by_role_m_[role] = m;
            pos = comma + 1;
        }
    }
    tolerance_.parse();
    tolerance_m_ = *tolerance_.metres();
    output_is_dataset_ = false;
    if (!table_.empty() || is_database_output(output_)) {
        validate_output(output_, table_);
        output_is_dataset_ = true;
    } else if (!output_.empty()) {
        if (output_ == "-") throw UsageError("-o -: coverage writes several layers; give a .gpkg file or a folder, or a .kml file");
        std::string driver;
        try {
            driver = driver_for_path(output_);
        } catch (const UsageError&) {
            // Not a known format: a folder.
        }
        if (driver == "GPKG" || driver == "KML") {
            output_is_dataset_ = true;  // a KML holds the layers as folders
        } else if (!driver.empty()) {
            throw UsageError(fmt::format("-o \"{}\": coverage writes several layers; give a .gpkg file or a folder for one GeoJSON file per layer, or a .kml file (a folder per layer)", output_));
        }
    }
}

namespace {

const char* const layer_files[] = {"regions", "coverage", "redundancy", "gaps", "line_gaps", "targets", "line_altitude"};
// The file a layer gets in an output folder: GeoJSON, but the altitude profile along the line is a table.
std::string layer_file(const std::string& layer) { return layer == "line_altitude_profile" ? layer + ".csv" : layer + ".geojson"; }

// The files a coverage folder gets.
std::vector<std::string> folder_files() {
    std::vector<std::string> files;
    for (const char* name : layer_files) files.push_back(layer_file(name));
    files.push_back(layer_file("line_altitude_profile"));
    return files;
}

std::vector<std::string> area_row(const AreaCoverage& a, const std::string& name) {
    return {name,
            format_number(a.area_km2, 1),
            format_number(a.covered_km2, 1),
            fmt::format("{:.2f}", a.covered_pct),
            format_number(a.redundant_km2, 1),
            std::to_string(a.deployments)};
}

void print_tables(Io& io, const CoverageResult& result, const Layer& regions, const Layer* line);

std::vector<const CoverageResult*> pointers(const std::vector<CoverageResult>& results) {
    std::vector<const CoverageResult*> out;
    for (const auto& r : results) out.push_back(&r);
    return out;
}

void area_columns(Table& t, const std::string& first) {
    t.add_column(first);
    t.add_column("area_km2", Table::Align::Right);
    t.add_column("covered_km2", Table::Align::Right);
    t.add_column("covered_pct", Table::Align::Right);
    t.add_column("redundant_km2", Table::Align::Right);
    t.add_column("deployments", Table::Align::Right);
}

}  // namespace

ExitCode CoverageCommand::run(Io& io) {
    if (!output_.empty()) {
        if (output_is_dataset_) check_output_path(output_, table_);
        else check_output_folder(output_, folder_files(), "give a folder or a .gpkg file");
    }
    const Callbacks callbacks = io.callbacks();

    InputRequest request = inputs_.request("coverage");
    request.uses = {"controlled_side", "radius_km", "radius_field", "radius_km_by_role"};
    request.parameters.radius_m = radius_.metres();
    request.parameters.radius_field = radius_field_;
    request.parameters.radius_by_role_m = radius_by_role_m_;
    sensors_.apply(request);
    request.uses_targets = true;
    request.targets = targets_;
    if (!output_.empty()) {
        if (output_is_dataset_) request.outputs = {output_};
        else
            for (const std::string name : {"regions", "coverage", "redundancy", "gaps", "line_gaps", "targets", "line_altitude", "line_altitude_profile"})
                request.outputs.push_back((fs::path(output_) / layer_file(name)).string());
    }
    const AnalysisInputs inputs = resolve(request, io);
    const Layer& deployments = inputs.require("deployments", "coverage");
    const Layer& regions = inputs.require("regions", "coverage");
    const Layer* line = inputs.layer("line");
    std::vector<const Layer*> targets;
    for (const auto& t : inputs.targets) targets.push_back(&t);

    // Reach: the command line's, else the scenario's, else a radius_km field.
    const ScenarioParameters& p = inputs.parameters;
    CoverageOptions options = coverage_options(p);
    options.tolerance_m = tolerance_m_;
    options.role_field = role_field_;
    options.callbacks = callbacks;
    if (!options.radius_m && options.radius_field.empty() && options.radius_by_role_m.empty() && !options.sensors.systems)
        throw UsageError(fmt::format("{}: no reach given and no radius_km field; give --radius, --radius-field, --radius-by-role or --systems", deployments.where_text()));
    const std::vector<SensorReach> sensors = deployment_sensors(deployments, options);  // every reach checked before the work
    if (!p.altitudes_m.empty() && std::none_of(sensors.begin(), sensors.end(), [](const SensorReach& s) { return s.line_of_sight; }))
        callbacks.warning(fmt::format("{}: no deployment is a sensor (none has a system type in use or a sensor attribute), so every altitude gives the same coverage; give systems (--systems or the scenario's) rather than a radius",
                                      deployments.where_text()));

    // Gaps within the controlled side when there is a line, unless told otherwise.
    if (gaps_within_ == "controlled" && !line) throw UsageError("--gaps-within controlled needs a line: give --line or a scenario with one");
    // The split is made while the reaches are measured (see CoverageOptions::areas).
    if (line && gaps_within_ != "territory") {
        options.areas = [&inputs, controlled = gaps_within_ == "controlled"](const Callbacks& split_callbacks) {
            CoverageAreas areas;
            try {
                const Territory& territory = inputs.territory(split_callbacks);
                areas.territory = &territory.land;  // the union of the regions, already made for the split
                areas.gaps_within = &territory.controlled;
                areas.gaps_within_name = "controlled side";
            } catch (const DataError& e) {
                if (controlled) throw;
                split_callbacks.warning(fmt::format("gaps are measured within the whole territory: {}", e.what()));
            }
            return areas;
        };
    }

    // One coverage per target altitude (none: no horizon), over the DEM when given.
    std::optional<Terrain> terrain;
    if (!p.dem.empty()) terrain = Terrain::open(p.dem);
    const std::vector<CoverageResult> results = coverage_by_altitude(deployments, regions, line, targets, options, p.altitudes_m, terrain ? &*terrain : nullptr,
                                                                     p.altitude_ref.value_or(AltitudeRef::AboveGround));
    // With altitudes, the lowest altitude at which the point sensors see each stretch of the line.
    std::optional<AltitudeProfile> profile;
    if (line && !p.altitudes_m.empty()) profile = altitude_profile(*line, sited_sensors(deployments, results.front().sensors), options.horizon.refraction_k);

    if (!output_.empty()) {
        std::vector<Layer> layers = coverage_layers(pointers(results), regions, targets, callbacks);
        if (profile)
            for (Layer& l : altitude_profile_layers(*profile, *line)) layers.push_back(std::move(l));
        WriteOptions w;
        w.callbacks = io.callbacks();
        w.precision = precision_;
        w.table = table_;
        // KML placemarks drawn as the map draws these layers.
        for (const auto& [name, kind] : {std::pair{"regions", LayerKind::CoverageRegions}, std::pair{"coverage", LayerKind::Coverage},
                                         std::pair{"redundancy", LayerKind::Redundancy}, std::pair{"gaps", LayerKind::Gaps},
                                         std::pair{"line_gaps", LayerKind::LineGaps}, std::pair{"targets", LayerKind::CoverageTargets},
                                         std::pair{"line_altitude", LayerKind::Line}})
            w.styles[name] = map_feature_style(layer_style(kind));
        if (output_is_dataset_) {
            std::vector<const Layer*> all;
            for (const auto& l : layers) all.push_back(&l);
            write_layers(all, output_, w);
        } else {
            std::error_code ec;
            fs::create_directory(output_, ec);
            if (ec) throw DataError(fmt::format("output \"{}\": cannot create the folder: {}", output_, ec.message()));
            for (const auto& l : layers) write_layer(l, (fs::path(output_) / layer_file(l.name)).string(), w);
        }
    }

    if (json_) {
        nlohmann::ordered_json j = to_json(pointers(results), deployments, regions, line ? &*line : nullptr, targets);
        if (profile) j["line_altitude"] = to_json(*profile, *line);
        io.out << scrub_secrets(json_text(j, 2)) << '\n';
        return ExitCode::Ok;
    }
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (results[i].altitude_m) io.out << fmt::format("{}at {} m (k = {:.4g}):\n", i == 0 ? "" : "\n", format_number(*results[i].altitude_m, 0), results[i].refraction_k);
        print_tables(io, results[i], regions, line);
    }
    if (profile) {
        const auto run = profile->longest_uncovered(low_altitude_m);
        io.out << fmt::format("\n{}: lowest altitude seen along it in {} stretches; ", line->name, profile->stretches.size());
        if (run)
            io.out << fmt::format("longest stretch not seen below {:g} m: {} km (km {} to {} of {})\n", low_altitude_m, format_number(run->length_km, 3),
                                  format_number(run->from_km, 3), format_number(run->to_km, 3), line->label(line->features[run->feature]));
        else
            io.out << fmt::format("every stretch is seen below {:g} m\n", low_altitude_m);
    }
    return ExitCode::Ok;
}

namespace {

void print_tables(Io& io, const CoverageResult& result, const Layer& regions, const Layer* line) {

    Table regions_table;
    area_columns(regions_table, regions.name);
    for (const auto& a : result.regions) regions_table.add_row(area_row(a, a.name));
    regions_table.add_row(area_row(result.total, "total (territory)"));
    regions_table.print(io.out);

    if (result.line) {
        const auto& l = *result.line;
        io.out << fmt::format("\n{}: {} km, {} km covered ({:.2f}%), {} gap{}\n", line->name, format_number(l.length_km, 3), format_number(l.covered_km, 3),
                              l.covered_pct, l.gaps.size(), l.gaps.size() == 1 ? "" : "s");
        if (!l.gaps.empty()) {
            Table gaps;
            gaps.add_column("gap");
            gaps.add_column("from_km", Table::Align::Right);
            gaps.add_column("to_km", Table::Align::Right);
            gaps.add_column("length_km", Table::Align::Right);
            gaps.add_column("start (lon, lat)");
            gaps.add_column("end (lon, lat)");
            std::size_t n = 0;
            for (const auto& g : l.gaps)
                gaps.add_row({std::to_string(++n), format_number(g.from_km, 3), format_number(g.to_km, 3), format_number(g.length_km, 3),
                              fmt::format("{:.5f}, {:.5f}", g.start.lon, g.start.lat), fmt::format("{:.5f}, {:.5f}", g.end.lon, g.end.lat)});
            gaps.print(io.out);
        }
    }

    if (!result.targets.empty()) {
        io.out << '\n';
        Table t;
        area_columns(t, "targets");
        for (const auto& a : result.targets) t.add_row(area_row(a, a.name));
        t.print(io.out);
    }

    io.out << fmt::format("\nuncovered ({}): {} km²; {} deployments, max error {:g} m\n", result.gaps_within, format_number(result.gaps_km2, 1), result.reaches,
                          result.max_error_m);
}

}  // namespace

}  // namespace dza::cli
