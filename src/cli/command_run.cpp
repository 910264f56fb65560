#include "cli/command_run.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dza/error.hpp"
#include "dza/inputs.hpp"
#include "dza/run.hpp"
#include "dza/writer.hpp"

namespace dza::cli {

void RunCommand::setup(CLI::App& app) {
    app.add_option("SCENARIO", scenario_, "scenario file (YAML or JSON); default: data/scenario.yaml here, else the installed one")->type_name("FILE");
    app.add_option("-o,--output", output_, "folder for the results (created if missing; files in it are replaced only when the run succeeds)")
        ->type_name("DIR")
        ->capture_default_str();
    app.add_option("--postgis", database_, "also write every result layer into this PostGIS database (PG:CONNECTION), replacing its tables in one transaction")
        ->type_name("PG:CONNECTION");
    app.add_option("--table", table_, "with --postgis: the tables' prefix, NAME or SCHEMA.NAME (tables NAME_<layer>)")->type_name("NAME")->capture_default_str();
    add_precision_option(app, precision_);
    app.add_flag("--kml", kml_, "also write dza.kml for Google Earth: every layer, a styled folder each (about doubles the time of a small run)");
}

void RunCommand::validate() {
    if (database_.empty()) return;
    if (!is_database_output(database_)) throw UsageError(fmt::format("--postgis \"{}\": give a PostGIS connection, PG:dbname=... ", redact_source(database_)));
    validate_output(database_, table_);
}

ExitCode RunCommand::run(Io& io) {
    const std::string file = scenario_.empty() ? default_scenario_path().string() : scenario_;
    if (scenario_.empty() && !io.quiet) io.err << "dza: using " << file << " for the run\n";
    const Scenario scenario = load_scenario(file);
    RunOptions options;
    options.output_dir = output_;
    options.precision = precision_;
    options.kml = kml_;
    options.database = database_;
    options.table = table_;
    options.callbacks = io.callbacks();
    // A progress line per step on a terminal.
    if (io.err_is_terminal && !io.quiet) {
        std::ostream* err = &io.err;
        options.callbacks.progress = [err](double fraction, std::string_view step) {
            *err << fmt::format("[{:3.0f}%] {}\n", fraction * 100, step);
            return true;
        };
    }
    const RunResult result = run_scenario(scenario, options);
    io.out << fmt::format("{}: {} files in {}/\n", scenario.name.empty() ? file : scenario.name, result.files.size(), output_);
    for (const auto& step : result.steps) io.out << fmt::format("  {:<14} {:7.3f} s\n", step.name, step.seconds);
    if (result.plan_checked) io.out << (result.plan_passed ? "plan check: passed\n" : "plan check: FAILED (see report.html or summary.json)\n");
    io.out << fmt::format("open {}/report.html in a browser; load {}/dza.gpkg in QGIS\n", output_, output_);
    if (!result.tables.empty())
        io.out << fmt::format("{} tables in {}: {}\n", result.tables.size(), redact_source(database_), fmt::join(result.tables, ", "));
    return ExitCode::Ok;
}

}  // namespace dza::cli
