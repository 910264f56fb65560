#include "cli/command_distance.hpp"

#include <fmt/format.h>

#include <cmath>

#include "cli/format.hpp"
#include "dza/distance.hpp"
#include "dza/error.hpp"
#include "dza/text.hpp"
#include "dza/scenario.hpp"
#include "dza/units.hpp"
#include "dza/writer.hpp"

namespace dza::cli {

const char* DistanceCommand::default_scenario_path_text() { return dza::default_scenario_path; }

void DistanceCommand::setup(CLI::App& app) {
    app.add_option("FROM", from_, "layer to measure from (default: the scenario's deployments)")->type_name("LAYER");
    app.add_option("TO", to_, "layer to measure to (default: the scenario's line)")->type_name("LAYER");
    app.add_option("--scenario", scenario_, "scenario file for the default layers and speed field")->type_name("FILE")->capture_default_str();
    app.add_flag("--matrix", matrix_, "every source to every target, not only the nearest");
    app.add_option("--within", within_text_, fmt::format("keep results at most this far ({})", distance_units_help))->type_name("DISTANCE");
    app.add_option("--speed", speed_text_, "speed for the time to reach the target (km/h, kn, mph, m/s; bare number km/h); default: a speed_kmh field")
        ->type_name("SPEED");
    app.add_option("--speed-field", speed_field_, "field with each feature's speed in km/h (default: speed_kmh when present)")->type_name("FIELD");
    add_output_option(app, output_, table_, "also write geodesic lines from each feature to its nearest point", false);
    add_precision_option(app, precision_);
    auto* json = app.add_flag("--json", json_, "print {\"results\": [...]} as JSON instead of a table");
    app.add_flag("--csv", csv_, "print CSV instead of a table")->excludes(json);
}

void DistanceCommand::validate() {
    if (!from_.empty()) LayerRef::parse(from_);
    if (!to_.empty()) LayerRef::parse(to_);
    within_m_.reset();
    speed_kmh_.reset();
    if (!within_text_.empty()) within_m_ = parse_distance_m(within_text_, "--within");
    if (!speed_text_.empty()) speed_kmh_ = parse_speed_kmh(speed_text_, "--speed");
    if (!output_.empty() || !table_.empty()) validate_output(output_, table_);
    if (output_ == "-" && (json_ || csv_)) throw UsageError("-o - and --json/--csv both write to stdout; pick one");
}

namespace {
std::string csv_cell(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}
}  // namespace

int DistanceCommand::run(Io& io) {
    if (!output_.empty()) check_output_path(output_, table_);
    const LoadOptions load = io.load_options();
    std::optional<Scenario> scenario;
    if (from_.empty() || to_.empty() || speed_field_.empty()) {
        if (from_.empty() || to_.empty() || std::filesystem::exists(scenario_)) scenario = load_scenario(scenario_);
    }
    std::vector<InputSource> inputs;
    if (scenario) inputs = scenario_inputs(*scenario, {from_.empty() ? "deployments" : "", to_.empty() ? "line" : ""});
    if (!from_.empty()) inputs.push_back({LayerRef::parse(from_).source, "FROM"});
    if (!to_.empty()) inputs.push_back({LayerRef::parse(to_).source, "TO"});
    check_not_an_input(output_, inputs);
    const Layer from = from_.empty() ? load_scenario_layer(scenario->layer("deployments", "distance without FROM"), load) : load_layer(LayerRef::parse(from_), load);
    const Layer to = to_.empty() ? load_scenario_layer(scenario->layer("line", "distance without TO"), load) : load_layer(LayerRef::parse(to_), load);

    DistanceOptions options;
    options.matrix = matrix_;
    options.within_m = within_m_;
    options.speed_kmh = speed_kmh_;
    options.speed_field = speed_field_;
    if (options.speed_field.empty() && from_.empty() && scenario) options.speed_field = scenario->parameters.speed_field;
    options.callbacks = io.callbacks();
    const auto results = compute_distances(from, to, options);

    if (!output_.empty()) {
        WriteOptions w;
        w.callbacks = io.callbacks();
        w.precision = precision_;
        w.table = table_;
        write_layer(distance_layer(from, to, results, io.callbacks()), output_, w, &io.out);
        if (output_ == "-") return 0;
    }

    if (json_) {
        const Layer table = distance_layer(from, to, results, output_.empty() ? io.callbacks() : Callbacks{});  // warned once
        nlohmann::ordered_json j;
        j["from"] = from.where_text();
        j["to"] = to.where_text();
        j["method"] = distance_method;
        j["max_error_m"] = distance_max_error_m;
        j["results"] = nlohmann::ordered_json::array();
        for (const auto& f : table.features) {
            nlohmann::ordered_json row;
            for (std::size_t i = 0; i < table.fields.size(); ++i) row[table.fields[i].name] = f.values[i];
            j["results"].push_back(row);
        }
        io.out << scrub_secrets(json_text(j, 2)) << '\n';
        return 0;
    }

    const bool timed = std::any_of(results.begin(), results.end(), [](const DistanceResult& r) { return r.time_h.has_value(); });
    if (csv_) {
        io.out << "source,target,distance_km,azimuth_deg,nearest_lon,nearest_lat" << (timed ? ",time_h" : "") << '\n';
        for (const auto& r : results) {
            io.out << csv_cell(from.label(from.features[r.source])) << ',' << csv_cell(to.label(to.features[r.target])) << ','
                   << fmt::format("{:.6f},{},{:.7f},{:.7f}", r.nearest.distance_m / 1000.0,
                                  std::isnan(r.nearest.azimuth_deg) ? std::string() : fmt::format("{:.3f}", r.nearest.azimuth_deg), r.nearest.to.lon,
                                  r.nearest.to.lat);
            if (timed) io.out << ',' << (r.time_h ? fmt::format("{:.3f}", *r.time_h) : "");
            io.out << '\n';
        }
        return 0;
    }

    Table table;
    table.add_column(from.name);
    table.add_column(to.name);
    table.add_column("distance_km", Table::Align::Right);
    table.add_column("azimuth", Table::Align::Right);
    table.add_column("nearest (lon, lat)");
    if (timed) table.add_column("time_h", Table::Align::Right);
    for (const auto& r : results) {
        std::vector<std::string> row = {from.label(from.features[r.source]), to.label(to.features[r.target]), format_number(r.nearest.distance_m / 1000.0, 3),
                                        std::isnan(r.nearest.azimuth_deg) ? "-" : fmt::format("{:.1f}°", r.nearest.azimuth_deg),
                                        fmt::format("{:.5f}, {:.5f}", r.nearest.to.lon, r.nearest.to.lat)};
        if (timed) row.push_back(r.time_h ? fmt::format("{:.2f}", *r.time_h) : "-");
        table.add_row(std::move(row));
    }
    table.print(io.out);
    return 0;
}

}  // namespace dza::cli
