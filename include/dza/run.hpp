#pragma once
// dza run: a whole scenario in one go. Loads its layers, runs its analyses (distance, zones,
// coverage, check), and writes into a folder: one RFC 7946 GeoJSON per result layer and input as
// used (with simplestyle-spec properties so geojson.io and GitHub draw them styled), a
// GeoPackage holding every layer, summary.json (every figure, the parameters, the inputs with
// their SHA-256, the version, each measure's method and error bound, the time of each step) and
// report.html (one self-contained page: an inline SVG map and the tables).
//
// Nothing in the folder changes unless the whole run succeeds: results are built in a temporary
// folder inside it and moved into place at the end.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dza/callbacks.hpp"
#include "dza/scenario.hpp"

namespace dza {

struct RunOptions {
    std::filesystem::path output_dir = "out";
    int precision = 6;
    Callbacks callbacks;  // progress reports name each step
};

struct RunStep {
    std::string name;
    double seconds = 0;
};

struct RunResult {
    nlohmann::ordered_json summary;   // what summary.json holds
    std::vector<std::string> files;   // written, relative to the output folder, sorted
    std::vector<RunStep> steps;
    bool plan_checked = false;
    bool plan_passed = true;
};

RunResult run_scenario(const Scenario& scenario, const RunOptions& options);

// SHA-256 of a file's bytes as lowercase hex (OpenSSL); DataError when it cannot be read.
std::string file_sha256(const std::filesystem::path& path);

}  // namespace dza
