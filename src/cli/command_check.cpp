#include "cli/command_check.hpp"

#include <fmt/format.h>

#include <optional>

#include "cli/format.hpp"
#include "dza/check.hpp"
#include "dza/coverage.hpp"
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
    const Layer& deployments = inputs.require("deployments", "check");
    const Layer& regions = inputs.require("regions", "check");
    const Layer& line = inputs.require("line", "check");
    const CheckResult result = check_plan(deployments, regions, line, territory, options);

    // The scenario's plan rules, against the coverage with the scenario's reach.
    std::optional<std::vector<RuleResult>> rules;
    if (inputs.scenario && !inputs.scenario->rules.empty()) {
        // The scenario's reach, as dza coverage takes it: its fields are fields of its own
        // deployments; else a radius_km field.
        ScenarioParameters p = inputs.scenario->parameters;
        if (inputs.given_as.count("deployments")) {
            p.radius_field.clear();
            p.system_field.clear();
        }
        CoverageOptions coverage = coverage_options(p);
        if (!coverage.radius_m && coverage.radius_field.empty() && coverage.radius_by_role_m.empty() && deployments.field_index("radius_km"))
            coverage.radius_field = "radius_km";
        if (!coverage.radius_m && coverage.radius_field.empty() && coverage.radius_by_role_m.empty() && !coverage.sensors.systems)
            throw UsageError(fmt::format("{}: rules: the plan rules need each deployment's reach, and the scenario gives none and {} has no radius_km field; give "
                                         "parameters.radius_km, radius_field, radius_km_by_role or systems",
                                         inputs.scenario->file.string(), deployments.where_text()));
        coverage.territory = &territory.land;
        coverage.gaps_within = &territory.controlled;
        coverage.gaps_within_name = "controlled side";
        coverage.callbacks = io.callbacks();
        // At each of the scenario's target altitudes (none: no horizon), over its DEM when it has one.
        std::optional<Terrain> terrain;
        if (!p.dem.empty()) terrain = Terrain::open(p.dem);
        rules.emplace();
        for (const CoverageResult& c : coverage_by_altitude(deployments, regions, &line, {}, coverage, p.altitudes_m, terrain ? &*terrain : nullptr,
                                                            p.altitude_ref.value_or(AltitudeRef::AboveGround)))
            for (RuleResult& r : check_rules(inputs.scenario->rules, c)) rules->push_back(std::move(r));
    }
    const bool rules_pass = !rules || rules_passed(*rules);

    if (json_) {
        io.out << scrub_secrets(json_text(to_json(result, options.eligibility, territory.rule, rules ? &*rules : nullptr), 2)) << '\n';
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
        if (rules) {
            io.out << "\nrules:\n";
            Table rule_table;
            rule_table.add_column("rule");
            rule_table.add_column("limit", Table::Align::Right);
            rule_table.add_column("measured", Table::Align::Right);
            rule_table.add_column("result");
            for (const auto& r : *rules)
                rule_table.add_row({r.altitude_m ? fmt::format("{} at {:g} m", r.rule, *r.altitude_m) : r.rule, rule_figure(r, true), rule_figure(r, false),
                                    r.passed ? "ok" : "FAILED"});
            rule_table.print(io.out);
            if (!rules_pass) {
                io.out << "\nfailed rules:\n";
                for (const auto& r : *rules)
                    if (!r.passed) io.out << "  " << r.rule << ": " << r.message << '\n';
            }
        }
        io.out << fmt::format("\n{} deployments, stand-off {:g} km, controlled side: {}\n", result.deployments.size(), options.eligibility.standoff_m / 1000.0, territory.rule);
    }
    if (result.passed() && rules_pass) return ExitCode::Ok;
    // One line: the violations, then each failed rule with its measured figure.
    std::vector<std::string> parts;
    if (!result.passed()) {
        std::size_t failing = 0;
        for (const auto& d : result.deployments) failing += d.passed() ? 0 : 1;
        parts.push_back(fmt::format("{} violation{} by {} of {} deployments", result.violation_count(), result.violation_count() == 1 ? "" : "s", failing,
                                    result.deployments.size()));
    }
    if (rules)
        for (const auto& r : *rules)
            if (!r.passed)
                parts.push_back(fmt::format("rule {}{} measured {} (limit {})", r.rule, r.altitude_m ? fmt::format(" at {:g} m", *r.altitude_m) : "",
                                            rule_figure(r, false), rule_figure(r, true)));
    std::string summary;
    for (const auto& p : parts) summary += (summary.empty() ? "" : "; ") + p;
    io.err << "dza: the plan fails: " << summary << '\n';
    return ExitCode::Data;  // a finding: the plan fails
}

}  // namespace dza::cli
