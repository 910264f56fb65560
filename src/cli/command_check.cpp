#include "cli/command_check.hpp"

#include <fmt/format.h>

#include "cli/format.hpp"
#include "dza/check.hpp"
#include "dza/inputs.hpp"
#include "dza/error.hpp"
#include "dza/results_json.hpp"
#include "dza/secrets.hpp"
#include "dza/text.hpp"
#include "dza/units.hpp"

namespace dza::cli {

void CheckCommand::setup(CLI::App& app) {
    inputs_.add_layer(app, "deployments", true);
    inputs_.add_layer(app, "regions", true);
    inputs_.add_layer(app, "line", true);
    inputs_.add_standoff(app);
    inputs_.add_layer(app, "basing_areas", false);
    inputs_.add_eligibility(app);
    inputs_.add_layer(app, "maritime_zone", false);
    inputs_.add_keep(app);
    inputs_.add_scenario(app);
    app.add_flag("--json", json_, "print the result as JSON instead of a report");
}

void CheckCommand::validate() { inputs_.validate(); }

ExitCode CheckCommand::run(Io& io) {
    InputRequest request = inputs_.request("check");
    request.uses = {"standoff_km", "controlled_side", "allowed_regions", "west_of_lon"};
    const AnalysisInputs inputs = resolve(request, io);
    const Territory& territory = inputs.territory(io.callbacks());

    CheckOptions options;
    options.eligibility = inputs.eligibility();
    options.maritime_zone = inputs.layer("maritime_zone");
    options.callbacks = io.callbacks();
    const CheckResult result = check_plan(inputs.require("deployments", "check"), inputs.require("regions", "check"), inputs.require("line", "check"), territory, options);

    if (json_) {
        io.out << scrub_secrets(json_text(to_json(result, options.eligibility, territory.rule), 2)) << '\n';
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
        io.out << fmt::format("\n{} deployments, stand-off {:g} km, controlled side: {}\n", result.deployments.size(), options.eligibility.standoff_m / 1000.0, territory.rule);
    }
    if (result.passed()) return ExitCode::Ok;
    std::size_t failing = 0;
    for (const auto& d : result.deployments) failing += d.passed() ? 0 : 1;
    io.err << fmt::format("dza: the plan fails: {} violation{} by {} of {} deployments\n", result.violation_count(), result.violation_count() == 1 ? "" : "s", failing,
                          result.deployments.size());
    return ExitCode::Data;  // a finding: the plan fails
}

}  // namespace dza::cli
