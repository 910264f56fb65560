#include "cli/command_run.hpp"

#include <fmt/format.h>

#include "dza/run.hpp"

namespace dza::cli {

void RunCommand::setup(CLI::App& app) {
    app.add_option("SCENARIO", scenario_, "scenario file (YAML or JSON)")->type_name("FILE")->capture_default_str();
    app.add_option("-o,--output", output_, "folder for the results (created if missing; files in it are replaced only when the run succeeds)")
        ->type_name("DIR")
        ->capture_default_str();
    add_precision_option(app, precision_);
}

int RunCommand::run(Io& io) {
    const Scenario scenario = load_scenario(scenario_);
    RunOptions options;
    options.output_dir = output_;
    options.precision = precision_;
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
    io.out << fmt::format("{}: {} files in {}/\n", scenario.name.empty() ? scenario_ : scenario.name, result.files.size(), output_);
    for (const auto& step : result.steps) io.out << fmt::format("  {:<14} {:7.3f} s\n", step.name, step.seconds);
    if (result.plan_checked) io.out << (result.plan_passed ? "plan check: passed\n" : "plan check: FAILED (see report.html or summary.json)\n");
    io.out << fmt::format("open {}/report.html in a browser; load {}/dza.gpkg in QGIS\n", output_, output_);
    return 0;
}

}  // namespace dza::cli
