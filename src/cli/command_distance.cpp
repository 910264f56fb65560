#include "cli/command_distance.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

#include "cli/format.hpp"
#include "dza/distance.hpp"
#include "dza/error.hpp"
#include "dza/inputs.hpp"
#include "dza/results_json.hpp"
#include "dza/text.hpp"
#include "dza/scenario.hpp"
#include "dza/units.hpp"
#include "dza/writer.hpp"

namespace dza::cli {

void DistanceCommand::setup(CLI::App& app) {
    inputs_.add_layer(app, "deployments", true, "layer to measure from, the deployments", "FROM");
    inputs_.add_layer(app, "line", true, "layer to measure to, the line", "TO");
    inputs_.add_scenario(app);
    app.add_flag("--matrix", matrix_, "every source to every target, not only the nearest");
    within_.add(app, "--within", "keep results at most this far");
    app.add_option("--speed", speed_text_, "speed for the time to reach the target (km/h, kn, mph, m/s; bare number km/h); default: a speed_kmh field")
        ->type_name("SPEED");
    app.add_option("--speed-field", speed_field_, "field with each feature's speed in km/h (default: speed_kmh when present)")->type_name("FIELD");
    add_output_option(app, output_, table_, "also write geodesic lines from each feature to its nearest point", false);
    add_precision_option(app, precision_);
    auto* json = app.add_flag("--json", json_, "print {\"results\": [...]} as JSON instead of a table");
    app.add_flag("--csv", csv_, "print CSV instead of a table")->excludes(json);
}

void DistanceCommand::validate() {
    inputs_.validate();
    speed_kmh_.reset();
    within_.parse();
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

ExitCode DistanceCommand::run(Io& io) {
    if (!output_.empty()) check_output_path(output_, table_);
    InputRequest request = inputs_.request("distance");
    request.uses = {"speed_kmh", "speed_field"};
    request.parameters.speed_kmh = speed_kmh_;
    request.parameters.speed_field = speed_field_;
    request.outputs = {output_};
    const AnalysisInputs inputs = resolve(request, io);
    const Layer& from = inputs.require("deployments", "distance");
    const Layer& to = inputs.require("line", "distance");

    DistanceOptions options;
    options.matrix = matrix_;
    options.within_m = within_.metres();
    options.speed_kmh = inputs.parameters.speed_kmh;
    options.speed_field = inputs.parameters.speed_field;
    options.callbacks = io.callbacks();
    const auto results = compute_distances(from, to, options);

    if (!output_.empty()) {
        WriteOptions w;
        w.callbacks = io.callbacks();
        w.precision = precision_;
        w.table = table_;
        LayerWriter writer(output_, {"distances"}, w, &io.out);
        write_distances(from, to, results, writer, io.callbacks());
        writer.commit();
        if (output_ == "-") return ExitCode::Ok;
    }

    if (json_) {
        stream_json(results, from, to, [&](std::string_view text) { io.out << scrub_secrets(text); });
        io.out << '\n';
        return ExitCode::Ok;
    }

    const bool timed = std::any_of(results.begin(), results.end(), [](const DistanceResult& r) { return r.time_h.has_value(); });
    if (csv_) {
        io.out << "source,target,distance_km,azimuth_deg,nearest_lon,nearest_lat" << (timed ? ",time_h" : "") << '\n';
        const auto from_label = from.label_field();
        const auto to_label = to.label_field();
        fmt::memory_buffer line;  // one write a row
        const auto put = std::back_inserter(line);
        for (const auto& r : results) {
            line.clear();
            fmt::format_to(put, "{},{},{:.6f},", csv_cell(from.label(from.features[r.source], from_label)), csv_cell(to.label(to.features[r.target], to_label)),
                           r.nearest.distance_m / 1000.0);
            if (!std::isnan(r.nearest.azimuth_deg)) fmt::format_to(put, "{:.3f}", r.nearest.azimuth_deg);
            fmt::format_to(put, ",{:.7f},{:.7f}", r.nearest.to.lon, r.nearest.to.lat);
            if (timed) {
                line.push_back(',');
                if (r.time_h) fmt::format_to(put, "{:.3f}", *r.time_h);
            }
            line.push_back('\n');
            io.out.write(line.data(), static_cast<std::streamsize>(line.size()));
        }
        return ExitCode::Ok;
    }

    Table table;
    table.add_column(from.name);
    table.add_column(to.name);
    table.add_column("distance_km", Table::Align::Right);
    table.add_column("azimuth", Table::Align::Right);
    table.add_column("nearest (lon, lat)");
    if (timed) table.add_column("time_h", Table::Align::Right);
    // Made twice a row (to measure, then to print) rather than held: a million rows of text
    // would take more memory than the layers themselves.
    table.print(io.out, results.size(), [&](std::size_t i) {
        const DistanceResult& r = results[i];
        std::vector<std::string> row = {from.label(from.features[r.source]), to.label(to.features[r.target]), format_number(r.nearest.distance_m / 1000.0, 3),
                                        std::isnan(r.nearest.azimuth_deg) ? "-" : fmt::format("{:.1f}°", r.nearest.azimuth_deg),
                                        fmt::format("{:.5f}, {:.5f}", r.nearest.to.lon, r.nearest.to.lat)};
        if (timed) row.push_back(r.time_h ? fmt::format("{:.2f}", *r.time_h) : "-");
        return row;
    });
    return ExitCode::Ok;
}

}  // namespace dza::cli
