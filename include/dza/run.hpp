#pragma once
// dza run: a whole scenario in one go. Loads its layers, runs its analyses (distance, zones,
// coverage, check), and writes into a folder: one RFC 7946 GeoJSON per result layer and input as
// used (with simplestyle-spec properties so geojson.io and GitHub draw them styled, in the map's
// colours: dza/report.hpp), a GeoPackage holding every layer as data (no style columns; QGIS
// styles in its layer_styles table), with RunOptions::kml, dza.kml for Google Earth (the same layers in the
// same order, a folder each, every placemark named and styled in the same colours),
// summary.json (every figure, as results_json.hpp writes it under "results", the parameters, the
// inputs with their SHA-256, the version, each measure's method and error bound, the time of
// each step) and report.html (one self-contained page: the map `dza map` draws, with the run's
// results, and the tables).
//
// Nothing in the folder changes unless the whole run succeeds: results are built in a temporary
// folder inside it and moved into place at the end. With a database, its tables are replaced in
// one transaction just before that move.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dza/callbacks.hpp"
#include "dza/layer.hpp"
#include "dza/scenario.hpp"

namespace dza {

struct RunOptions {
    std::filesystem::path output_dir = "out";
    int precision = 6;
    // Also write dza.kml for Google Earth. Off by default: GDAL's LIBKML driver, which writes the
    // styles, builds the whole document in memory and about doubles the time of a small run.
    bool kml = false;
    // Also write every layer of dza.gpkg into this PostGIS database (PG:...), as tables
    // `<table>_<layer>` replaced in one transaction, before the folder's files are moved in.
    std::string database;
    std::string table = "dza";
    Callbacks callbacks;  // progress reports name each step
};

struct RunStep {
    std::string name;
    double seconds = 0;
};

struct RunResult {
    nlohmann::ordered_json summary;   // what summary.json holds
    std::vector<std::string> files;   // written, relative to the output folder, sorted
    std::vector<std::string> tables;  // written in the database, when one was given
    std::vector<RunStep> steps;
    bool plan_checked = false;
    bool plan_passed = true;
};

RunResult run_scenario(const Scenario& scenario, const RunOptions& options);

// Every file name a run of `scenario` may write into its folder: a GeoJSON per layer role and
// per result layer, dza.gpkg, dza.kml, summary.json and report.html. A run refuses, before any work, a
// folder where one of them is the scenario file or one of its layers (check_not_an_input).
std::vector<std::string> run_output_files(const Scenario& scenario);

// SHA-256 of a file's bytes as lowercase hex (OpenSSL); DataError when it cannot be read.
std::string file_sha256(const std::filesystem::path& path);

// SHA-256 of a layer's content as dza loaded it: field names and types, then each feature's
// values and WKB geometry in order (not its fid). The same data read from a file or from a
// database gives the same digest.
std::string layer_sha256(const Layer& layer);

}  // namespace dza
