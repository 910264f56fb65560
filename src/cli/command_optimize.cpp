#include "cli/command_optimize.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "cli/format.hpp"
#include "dza/buffer.hpp"
#include "dza/coverage.hpp"
#include "dza/error.hpp"
#include "dza/inputs.hpp"
#include "dza/optimize.hpp"
#include "dza/results_json.hpp"
#include "dza/secrets.hpp"
#include "dza/text.hpp"
#include "dza/units.hpp"
#include "dza/writer.hpp"
#include "dza/zones.hpp"
#include "temp_folder.hpp"

namespace fs = std::filesystem;

namespace dza::cli {

namespace {

// The files -o DIR receives.
const std::vector<std::string> output_files = {"proposed_sites.geojson", "proposed_reaches.geojson", "proposed_plan.geojson",
                                    "coverage_regions.geojson", "coverage.geojson", "coverage_redundancy.geojson", "coverage_gaps.geojson",
                                    "coverage_line_gaps.geojson", "coverage_targets.geojson", "scenario.yaml"};

const std::vector<std::string> demand_keys = {"line", "regions", "controlled", "maritime_zone", "targets", "points"};

double parse_weight(const std::string& text, const std::string& term) {
    char* end = nullptr;
    const double w = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(w) || w < 0)
        throw UsageError(fmt::format("--demand \"{}\": the weight \"{}\" is not a number of 0 or more", term, text));
    return w;
}

}  // namespace

void OptimizeCommand::setup(CLI::App& app) {
    app.add_option("SCENARIO", scenario_positional_, "scenario file (the same as --scenario)")->type_name("SCENARIO");
    inputs_.add_scenario(app);
    inputs_.add_layer(app, "regions", true, "regions whose union is the territory (demand `regions`)");
    inputs_.add_layer(app, "line", false, "the cease-fire line: the stand-off is measured from it (demand `line`)");
    inputs_.add_layer(app, "occupied", false);
    inputs_.add_layer(app, "basing_areas", false);
    inputs_.add_layer(app, "maritime_zone", false, "the maritime zone: candidates at sea must lie in it (demand `maritime_zone`)");
    inputs_.add_layer(app, "deployments", false, "deployments already there: they stay, and what they cover counts", "--existing");
    app.add_flag("--no-existing", no_existing_, "propose a plan from nothing: leave out the scenario's deployments");
    app.add_flag("--in-basing-areas", in_basing_areas_, "new sites only inside the basing areas (default: anywhere else eligible: new bases may be built)");
    app.add_option("--target", targets_, "further areas of demand `targets`; repeatable (default: the scenario's targets)")->type_name("LAYER");
    inputs_.add_keep(app);
    inputs_.add_standoff(app);
    inputs_.add_eligibility(app);

    auto* candidates = app.add_option("--candidates", candidates_, "candidate sites: a point layer (each may carry its own radius_km or system)")
                           ->type_name("LAYER");
    auto* grid = grid_.add(app, "--grid", "candidate sites on an equal-area grid at this spacing inside the eligible zone");
    candidates->excludes(grid);
    grid->excludes(candidates);
    auto* sites = app.add_option("--sites", sites_, "new sites to choose")->type_name("N")->check(CLI::Range(1, 10000));
    auto* target = app.add_option("--target-pct", target_pct_, "instead of --sites: the fewest sites whose objective reaches this % of its maximum")
                       ->type_name("P")
                       ->check(CLI::Range(0.0, 100.0));
    sites->excludes(target);
    target->excludes(sites);

    auto* system = app.add_option("--system", system_, "every candidate is of this system type (from the catalogue: --systems or the scenario's)")->type_name("NAME");
    auto* radius = radius_.add(app, "--radius", "every candidate reaches this far", buffer_max_distance_m);
    auto* field = app.add_option("--radius-field", radius_field_, "field with each candidate's reach in km (default: radius_km)")->type_name("FIELD");
    system->excludes(radius)->excludes(field);
    radius->excludes(field);
    sensors_.add(app, false);  // no terrain: candidates reach to their radar horizon
    app.add_option("--altitude", altitude_text_,
                   "the target altitude to optimise for, e.g. 300m: sensors reach to their radar horizon (default: the lowest of the scenario's altitudes_m, "
                   "else none)")
        ->type_name("H");

    app.add_option("--demand", demand_text_,
                   "what to cover and its weight: line=W, regions=W, controlled=W (the controlled side), maritime_zone=W, targets=W, points=LAYER:W; "
                   "comma-separated (default: line, regions and maritime_zone, each 1, those there are)")
        ->type_name("KEY=W,...");
    app.add_option("--points-weight-field", points_weight_field_, "field with each demand point's weight (default: 1 each)")->type_name("FIELD");
    app.add_option("--objective", objective_, "cover: demand within one reach counts; backup: within two")
        ->check(CLI::IsMember({"cover", "backup"}))
        ->capture_default_str();
    min_separation_.add(app, "--min-separation", "least distance between new sites, and from a deployment already there", buffer_max_distance_m);
    cell_.add(app, "--cell", "side of the equal-area cells areas are cut into (line pieces are at most 1 km)", buffer_max_distance_m, 100, "5km");
    app.add_option("--time-limit", time_limit_s_, "seconds for the exact solver (CBC) after the greedy answer")
        ->type_name("S")
        ->check(CLI::Range(0.0, 86400.0))
        ->capture_default_str();
    app.add_option("--gap", gap_pct_, "with --sites: stop once the proven gap between the answer and the bound is at most this % (0: close it)")
        ->type_name("PCT")
        ->check(CLI::Range(0.0, 99.999))
        ->capture_default_str();
    app.add_flag("--greedy", greedy_only_, "the greedy answer and swaps only, without the exact solver");
    app.add_option("-o,--output", output_,
                   "a folder for the proposed sites, their reaches, the plan, the coverage layers and a scenario.yaml that dza run accepts")
        ->type_name("DIR");
    add_precision_option(app, precision_);
    app.add_flag("--json", json_, "print the result as JSON instead of a report");
}

void OptimizeCommand::validate() {
    inputs_.validate();
    sensors_.validate();
    for (const auto& t : targets_) LayerRef::parse(t);
    if (!candidates_.empty()) LayerRef::parse(candidates_);
    grid_.parse();
    radius_.parse();
    min_separation_.parse();
    cell_.parse();
    if (candidates_.empty() && !grid_.metres()) throw UsageError("optimize needs candidate sites: give --candidates LAYER or --grid SPACING (e.g. --grid 20km)");
    if (grid_.metres() && *grid_.metres() < 100) throw UsageError("--grid is less than 100 m; give a spacing of at least 100m");
    if (!sites_ && !target_pct_) throw UsageError("optimize needs --sites N (the new sites to choose) or --target-pct P");
    if (target_pct_ && *target_pct_ <= 0) throw UsageError("--target-pct must be more than 0");
    altitude_m_.reset();
    if (!altitude_text_.empty()) {
        const auto list = parse_altitude_list_m(altitude_text_, "--altitude");
        if (list.size() != 1) throw UsageError(fmt::format("--altitude \"{}\": give one altitude, e.g. 300m", altitude_text_));
        check_altitudes(list, [&](const std::string& m) { throw UsageError(fmt::format("--altitude \"{}\": {}", altitude_text_, m)); });
        altitude_m_ = list.front();
    }
    demand_.clear();
    if (!demand_text_.empty()) {
        for (const std::string& term : split_names(demand_text_, "--demand")) {
            const auto eq = term.find('=');
            DemandTerm d;
            d.key = term.substr(0, eq);
            while (!d.key.empty() && d.key.back() == ' ') d.key.pop_back();
            if (std::find(demand_keys.begin(), demand_keys.end(), d.key) == demand_keys.end())
                throw UsageError(fmt::format("--demand \"{}\": \"{}\" is not one of line, regions, controlled, maritime_zone, targets, points=LAYER:W", demand_text_,
                                             d.key));
            std::string value = eq == std::string::npos ? std::string() : term.substr(eq + 1);
            value.erase(0, value.find_first_not_of(' '));
            if (d.key == "points") {
                if (value.empty()) throw UsageError(fmt::format("--demand \"{}\": points needs a layer, e.g. points=towns.geojson:2", demand_text_));
                const auto colon = value.rfind(':');
                // LAYER:W when what follows the last colon is a weight; else the whole is the layer.
                if (colon != std::string::npos && colon + 1 < value.size() && value.find_first_not_of("0123456789.eE+-", colon + 1) == std::string::npos) {
                    d.weight = parse_weight(value.substr(colon + 1), term);
                    value = value.substr(0, colon);
                }
                LayerRef::parse(value);
                d.layer = value;
            } else if (!value.empty()) {
                d.weight = parse_weight(value, term);
            }
            for (const DemandTerm& e : demand_)
                if (e.key == d.key && d.key != "points") throw UsageError(fmt::format("--demand \"{}\": {} is given twice", demand_text_, d.key));
            demand_.push_back(d);
        }
    }
    if (!output_.empty()) {
        if (output_ == "-") throw UsageError("-o -: optimize writes several files; give a folder");
        std::string driver;
        try {
            driver = driver_for_path(output_);
        } catch (const UsageError&) {
        }
        if (!driver.empty()) throw UsageError(fmt::format("-o \"{}\": optimize writes several files; give a folder", output_));
    }
}


ExitCode OptimizeCommand::run(Io& io) {
    if (!output_.empty()) check_output_folder(output_, output_files);
    const Callbacks callbacks = io.callbacks();

    InputRequest request = inputs_.request("optimize");
    if (!scenario_positional_.empty()) {
        if (!request.scenario_file.empty() && request.scenario_file != scenario_positional_)
            throw UsageError(fmt::format("two scenarios: \"{}\" and --scenario \"{}\"; give one", scenario_positional_, request.scenario_file));
        request.scenario_file = scenario_positional_;
    }
    request.uses = {"standoff_km", "controlled_side", "allowed_regions", "west_of_lon", "radius_km", "radius_field", "radius_km_by_role"};
    sensors_.apply(request);
    request.uses_targets = true;
    request.targets = targets_;
    if (!output_.empty())
        for (const std::string& name : output_files) request.outputs.push_back((fs::path(output_) / name).string());
    const AnalysisInputs inputs = resolve(request, io);

    // The candidates and demand points are inputs too: never an output.
    if (!output_.empty()) {
        std::vector<InputSource> more;
        if (!candidates_.empty()) more.push_back({LayerRef::parse(candidates_).source, "--candidates"});
        for (const DemandTerm& d : demand_)
            if (d.key == "points") more.push_back({LayerRef::parse(d.layer).source, "--demand points"});
        for (const std::string& name : output_files) check_not_an_input((fs::path(output_) / name).string(), more);
    }

    OptimizeParameters parameters;
    parameters.candidates = candidates_;
    parameters.grid_m = grid_.metres();
    parameters.sites = sites_;
    parameters.target_pct = target_pct_;
    parameters.system = system_;
    parameters.radius_m = radius_.metres();
    parameters.radius_field = radius_field_;
    parameters.demand = demand_;
    parameters.points_weight_field = points_weight_field_;
    parameters.backup = objective_ == "backup";
    parameters.min_separation_m = min_separation_.metres().value_or(0);
    parameters.cell_m = *cell_.metres();
    parameters.time_limit_s = time_limit_s_;
    parameters.gap_pct = gap_pct_;
    parameters.greedy_only = greedy_only_;
    parameters.keep_existing = !no_existing_;
    parameters.in_basing_areas = in_basing_areas_;
    parameters.altitude_m = altitude_m_;
    const PlanProposal proposal = propose_plan(inputs, parameters, io.load_options(), callbacks);
    const OptimizeResult& result = proposal.result;
    const MaxCoverSolution& sol = result.solution;
    const Layer& regions = inputs.require("regions", "optimize");
    const Layer* line = inputs.layer("line");

    if (!output_.empty()) {
        std::error_code ec;
        fs::create_directory(output_, ec);
        if (ec) throw DataError(fmt::format("output \"{}\": cannot create the folder: {}", output_, ec.message()));
        WriteOptions w;
        w.callbacks = callbacks;
        w.precision = precision_;
        write_layer(proposal.sites, (fs::path(output_) / "proposed_sites.geojson").string(), w);
        write_layer(proposal.reaches, (fs::path(output_) / "proposed_reaches.geojson").string(), w);
        write_layer(proposal.plan, (fs::path(output_) / "proposed_plan.geojson").string(), w);
        for (const Layer& l : coverage_layers(proposal.coverage, regions, proposal.coverage_targets, callbacks)) {
            const std::string file = l.name == "coverage" ? "coverage.geojson" : "coverage_" + l.name + ".geojson";
            write_layer(l, (fs::path(output_) / file).string(), w);
        }
        const std::string name = fmt::format("Proposed plan: {} new sites{}", result.selected.size(),
                                             inputs.scenario ? fmt::format(" added to {}", inputs.scenario->name) : std::string());
        // The scenario's layers (the neighbours for maps too), with those given on the command line in their place.
        std::map<std::string, ScenarioLayer> layers = inputs.scenario ? inputs.scenario->layers : std::map<std::string, ScenarioLayer>{};
        for (const auto& [role, ref] : inputs.refs) layers[role] = ref;
        write_file_atomic(fs::path(output_) / "scenario.yaml", plan_scenario_yaml(name, layers, inputs.parameters, "proposed_plan.geojson"));
    }

    if (json_) {
        io.out << scrub_secrets(json_text(to_json(proposal, regions, line), 2)) << '\n';
        return ExitCode::Ok;
    }

    Table t;
    t.add_column("#", Table::Align::Right);
    t.add_column("site");
    t.add_column("lon", Table::Align::Right);
    t.add_column("lat", Table::Align::Right);
    t.add_column("reach");
    t.add_column("gain", Table::Align::Right);
    const auto system_field = proposal.sites.field_index("system");
    for (std::size_t k = 0; k < proposal.sites.features.size(); ++k) {
        const Feature& f = proposal.sites.features[k];
        const LonLat at = f.geometry.paths().front().front();
        const std::string reach = system_field && f.values[*system_field].is_string()
                                      ? f.values[*system_field].get<std::string>()
                                      : format_number(result.sensors[result.selected[k]].max_range_m / 1000, 1) + " km";
        t.add_row({std::to_string(k + 1), proposal.sites.label(f), fmt::format("{:.5f}", at.lon), fmt::format("{:.5f}", at.lat), reach,
                   fmt::format("{:.4f}", result.gain[k])});
    }
    t.print(io.out);
    io.out << '\n';
    Table d;
    d.add_column("demand");
    d.add_column("weight", Table::Align::Right);
    d.add_column("before_pct", Table::Align::Right);
    d.add_column("certified_pct", Table::Align::Right);
    d.add_column("exact_pct", Table::Align::Right);
    for (std::size_t i = 0; i < result.shares.size(); ++i) {
        const DemandShare& s = result.shares[i];
        d.add_row({s.name, fmt::format("{:g}", s.weight), fmt::format("{:.2f}", s.existing_lower_pct), fmt::format("{:.2f} to {:.2f}", s.lower_pct, s.upper_pct),
                   std::isfinite(proposal.exact_pct[i]) ? fmt::format("{:.2f}", proposal.exact_pct[i]) : "-"});
    }
    d.print(io.out);
    const double total_weight = result.demand.total_weight();
    io.out << fmt::format("\nobjective {:.4f} of {:g} (pieces covered{}{}), bound {:.4f}, gap {:.2f}%{}; greedy {:.4f}\n", sol.objective, total_weight,
                          proposal.depth == 1 ? "" : " twice", proposal.altitude_m ? fmt::format(" at {:g} m", *proposal.altitude_m) : std::string(), sol.bound,
                          proposal.gap_pct, sol.optimal ? " (optimal)" : "", sol.greedy_objective);
    io.out << fmt::format("{} of {} candidates eligible; {} pieces ({:g} km cells, line pieces up to {:g} km); {}; {:.1f} s\n", result.eligible.size(),
                          result.candidates, result.demand.pieces.size(), result.demand.cell_m / 1000, result.demand.line_piece_m / 1000, sol.method, sol.solve_s);
    if (proposal.parameters.target_pct && !sol.target_reached)
        io.out << fmt::format("the target {:g}% is out of reach: every eligible candidate together reaches {:.2f}%\n", *proposal.parameters.target_pct,
                              total_weight > 0 ? 100.0 * sol.objective / total_weight : 0.0);
    return ExitCode::Ok;
}

}  // namespace dza::cli
