#pragma once
// dza sweep and dza merge: many variants of one scenario, each run as dza run would, on one
// machine or spread over many, then combined into one table.
//
// A variant sets keys of the scenario document (the YAML, before it is read, so every key a
// scenario accepts can vary) to values. Its id is derived from its content (the keys' paths and
// the values' text), so the same variant always gets the same folder, DIR/<id>/, whatever the
// order of --vary or the shard: a readable prefix made of the values, and 12 hex digits of the
// SHA-256 of the canonical list. A variant's folder holds what dza run writes, the scenario as
// run (scenario.yaml; its relative paths start from the original scenario's folder) and, written
// last and atomically, variant.json: "complete", or "failed" with the error. A complete variant
// of the same scenario is skipped, so a killed sweep resumes; a failed one runs again.
//
// Sharding: --shard I/N (1-based, 1 <= I <= N) runs the variants whose position in the sweep's
// order k (0-based) has k mod N == I - 1: disjoint parts whose sizes differ by one at most, with
// no coordination. Every part writes the same DIR/sweep.json, the sweep's plan.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dza/callbacks.hpp"

namespace dza {

// A varied key: as given, and its path in the scenario document. A path that does not start
// with a top-level key (name, layers, systems, parameters, rules, optimize, analyses) is under
// parameters: standoff_km is parameters.standoff_km. Segments are split at dots: "radius_km_by_role.air
// defence", "systems.long-range SAM.max_range_km". A value given for layers.ROLE when the
// scenario gives that layer as a mapping sets its source.
struct SweepKey {
    std::string key;
    std::string path;
};

struct SweepVariant {
    std::size_t index = 0;  // position in the sweep's order, 0-based
    std::string id;
    std::vector<std::optional<std::string>> values;  // by key; none: the scenario's own value
};

struct SweepPlan {
    std::string scenario;         // the file, as given
    std::string scenario_text;    // its bytes, read once: every variant starts from the same document
    std::string scenario_sha256;  // of its bytes
    std::vector<SweepKey> keys;
    std::vector<SweepVariant> variants;  // in the sweep's order
};

// A --vary value list: "a..b:step" (decimal numbers, inclusive, a > b counts down, step > 0; the
// last value is the last one not beyond b, exact in decimal: 0.1..0.3:0.1 gives 0.1, 0.2, 0.3) or
// "v1,v2,..." (each trimmed; commas inside [...] or {...} belong to the value, so a value may be
// a YAML list). A text with ".." and no "/" or "," is a range. UsageError naming `key` otherwise.
std::vector<std::string> parse_sweep_values(const std::string& spec, const std::string& key);

// "KEY=VALUES" split at the first "=", both trimmed; UsageError without one.
std::pair<std::string, std::string> parse_vary(const std::string& text);

// The document path of a key as given (see SweepKey).
std::string sweep_key_path(const std::string& key);

// The id of a variant with these values for these keys (see the top of this file).
std::string variant_id(const std::vector<SweepKey>& keys, const std::vector<std::optional<std::string>>& values);

// The sweep of `scenario`: the cross product of `vary` (KEY, VALUES) in the order given, the
// first key varying slowest, or the rows of the CSV file `variants_file` (header: the keys; an
// empty cell keeps the scenario's value). The scenario must load as it is; an unknown key, a key
// given twice, a value given twice or two equal rows are UsageErrors; more than 1,000,000
// variants too.
SweepPlan plan_sweep(const std::string& scenario, const std::vector<std::pair<std::string, std::string>>& vary, const std::string& variants_file = {});

// The scenario document of a variant, as YAML text.
std::string variant_scenario_text(const SweepPlan& plan, const SweepVariant& variant);

struct Shard {
    std::size_t index = 1;  // 1-based
    std::size_t count = 1;
};
// "I/N", 1 <= I <= N; UsageError otherwise.
Shard parse_shard(const std::string& text);
// The positions of the variants of `shard`, in the sweep's order.
std::vector<std::size_t> shard_variants(std::size_t variant_count, const Shard& shard);

// DIR/sweep.json: the plan, which merge reads.
nlohmann::ordered_json sweep_plan_json(const SweepPlan& plan);

struct SweepOptions {
    std::filesystem::path output_dir;
    Shard shard;
    unsigned jobs = 0;  // variants run at once; 0: worker_count(). With more than one, each runs on one thread
    int precision = 6;
    // Warnings (each naming its variant) and progress, one variant done at a time, from one thread at a time.
    Callbacks callbacks;
};

struct SweepFailure {
    std::string id;
    std::string error;
};

struct SweepOutcome {
    std::size_t variants = 0;  // in this shard
    std::size_t ran = 0, skipped = 0;
    std::vector<SweepFailure> failures;  // in the sweep's order
};

// The variants of `shard` whose scenario does not load (a value the scenario refuses), each with
// the loader's error, in the sweep's order: what run_sweep would record as failed, found without
// running or writing anything.
std::vector<SweepFailure> check_sweep(const SweepPlan& plan, const Shard& shard);

// Runs the variants of the shard that are not complete into options.output_dir/<id>/, after
// writing options.output_dir/sweep.json (a UsageError when the folder holds another sweep: other
// keys or variants). A variant's failure is recorded in its folder and does not stop the others.
SweepOutcome run_sweep(const SweepPlan& plan, const SweepOptions& options);

struct MergeOptions {
    std::vector<std::filesystem::path> sweep_dirs;  // one or more parts of one sweep
    std::filesystem::path output_dir;
    bool allow_missing = false;  // else a variant in none of the parts is a DataError naming it
};

struct MergeOutcome {
    std::size_t variants = 0, complete = 0, failed = 0, missing = 0;
};

// RESULT_DIR/sweep.csv and sweep.json: one row per variant in the sweep's order, its values and
// headline figures from its summary.json (eligible area; coverage of the whole, each region and
// the line, and the longest line gap, at each target altitude; the plan check and its
// violations), or its error. The same bytes whatever the number of parts.
// Also writes RESULT_DIR/plots/ and comparison.html (draw_sweep_plots). Everything is drawn
// before anything is written, and the tables are written last: a failure while drawing changes
// nothing, and one while writing leaves the tables of the merge before.
MergeOutcome merge_sweeps(const MergeOptions& options);

// The merged sweep's pictures into `folder`, from its sweep.json (`result`): for each varied key
// with two values or more and each headline figure (eligible area; coverage, line coverage and
// longest line gap at the first target altitude; plan check violations), a chart of the figure
// against the key, plots/<figure>-by-<key>.png and .svg, one series per combination of the other
// keys' values (the first 12); and comparison.html, one self-contained page with the variants'
// table, the best value of each figure marked, and the charts. The same bytes for the same table.
struct SweepPlots {
    std::vector<std::pair<std::string, std::string>> charts;  // plots/<name>: its bytes
    std::string comparison_html;
};
SweepPlots draw_sweep_plots(const nlohmann::ordered_json& result);
// Writes them into `folder`; charts of an earlier merge there that these do not replace go.
void write_sweep_plots(const SweepPlots& plots, const std::filesystem::path& folder);

}  // namespace dza
