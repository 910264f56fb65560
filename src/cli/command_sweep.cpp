#include "cli/command_sweep.hpp"

#include <fmt/format.h>

#include "dza/error.hpp"
#include "dza/inputs.hpp"
#include "dza/sweep.hpp"

namespace dza::cli {

void SweepCommand::setup(CLI::App& app) {
    app.add_option("SCENARIO", scenario_, "scenario file (YAML or JSON); default: data/scenario.yaml here, else the installed one")->type_name("FILE");
    app.add_option("--vary", vary_,
                   "a key of the scenario and its values: FROM..TO:STEP (decimal, inclusive) or a,b,c; a key outside name, layers, systems, "
                   "parameters, rules, optimize and analyses is under parameters (standoff_km=50..200:25, 'radius_km_by_role.air defence=100,150', "
                   "layers.line=a.geojson,b.geojson); repeat for the cross product")
        ->type_name("KEY=VALUES")
        ->allow_extra_args(false);  // one KEY=VALUES each time, so SCENARIO may follow
    app.add_option("--variants", variants_, "a CSV file instead of --vary: a header of keys, one variant a row (an empty cell keeps the scenario's value)")
        ->type_name("FILE");
    app.add_option("--shard", shard_text_, "run the I-th of N disjoint, balanced parts (1 <= I <= N; variant k of the sweep, from 0, goes to part k mod N + 1)")
        ->type_name("I/N")
        ->capture_default_str();
    app.add_option("--jobs", jobs_, "variants run at once, each on one thread when more than one (default: the cores, or DZA_THREADS)")
        ->type_name("N")
        ->check(CLI::Range(1u, 1024u));
    app.add_option("-o,--output", output_, "folder of the sweep: sweep.json (the plan) and a folder per variant (created if missing)")->type_name("DIR")->required();
    app.add_flag("--dry-run", dry_run_,
                 "check every variant's scenario and list this part's variants (id and values), running none and writing nothing; "
                 "exit 1 when one does not load");
    add_precision_option(app, precision_);
}

void SweepCommand::validate() {
    if (vary_.empty() == variants_.empty()) throw UsageError("give the variants: --vary KEY=VALUES (one or more), or --variants FILE, one of them");
    parsed_vary_.clear();
    for (const auto& v : vary_) {
        parsed_vary_.push_back(parse_vary(v));
        parse_sweep_values(parsed_vary_.back().second, parsed_vary_.back().first);
    }
    parse_shard(shard_text_);
}

namespace {

// --dry-run: the part's variants, one line each (id, then key=value; "-" keeps the scenario's
// value), and a DataError for those whose scenario does not load.
ExitCode dry_run(const SweepPlan& plan, const Shard& shard, Io& io) {
    for (const std::size_t k : shard_variants(plan.variants.size(), shard)) {
        const SweepVariant& v = plan.variants[k];
        std::string line = v.id;
        for (std::size_t i = 0; i < plan.keys.size(); ++i) line += fmt::format("\t{}={}", plan.keys[i].key, v.values[i] ? *v.values[i] : "-");
        io.out << line << "\n";
    }
    const std::vector<SweepFailure> failures = check_sweep(plan, shard);
    if (!failures.empty())
        throw DataError(fmt::format("{} of the variants would fail (the first: {}: {}); fix the values, or run the sweep to record them", failures.size(),
                                    failures.front().id, failures.front().error));
    return ExitCode::Ok;
}

}  // namespace

ExitCode SweepCommand::run(Io& io) {
    const std::string file = scenario_.empty() ? default_scenario_path().string() : scenario_;
    if (scenario_.empty() && !io.quiet) io.err << "dza: using " << file << " for the sweep\n";
    const SweepPlan plan = plan_sweep(file, parsed_vary_, variants_);
    if (dry_run_) return dry_run(plan, parse_shard(shard_text_), io);
    SweepOptions options;
    options.output_dir = output_;
    options.shard = parse_shard(shard_text_);
    options.jobs = jobs_;
    options.precision = precision_;
    options.callbacks.warn = io.callbacks().warn;
    // A line per variant done, on a terminal.
    if (io.err_is_terminal && !io.quiet) {
        std::ostream* err = &io.err;
        options.callbacks.progress = [err](double fraction, std::string_view what) {
            *err << fmt::format("[{:3.0f}%] {}\n", fraction * 100, what);
            return true;
        };
    }
    const SweepOutcome outcome = run_sweep(plan, options);
    if (!outcome.failures.empty())
        throw DataError(fmt::format("{} of {} variants failed (the first: {}: {}); each has its error in {}/ID/variant.json", outcome.failures.size(),
                                    outcome.variants, outcome.failures.front().id, outcome.failures.front().error, output_));
    io.out << fmt::format("{} variants{} in {}/: {} run, {} already complete\n", outcome.variants,
                          options.shard.count > 1 ? fmt::format(" (part {} of {})", options.shard.index, options.shard.count) : std::string(), output_,
                          outcome.ran, outcome.skipped);
    return ExitCode::Ok;
}

}  // namespace dza::cli
