#include "cli/command.hpp"

#include <fmt/format.h>

namespace dza::cli {

namespace {
// Redraws one line on stderr: "[#########           ]  45% loading regions".
void draw_progress(std::ostream& err, double fraction, std::string_view message) {
    constexpr int width = 30;
    const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * width);
    err << '\r' << '[' << std::string(static_cast<std::size_t>(filled), '#') << std::string(static_cast<std::size_t>(width - filled), ' ') << "] "
        << fmt::format("{:3.0f}% ", fraction * 100) << message << "\x1b[K";
    if (fraction >= 1.0) err << '\r' << "\x1b[K";
    err.flush();
}
}  // namespace

Callbacks Io::callbacks() const {
    Callbacks cb;
    std::ostream* e = &err;
    cb.warn = [e](const std::string& message) { *e << "dza: warning: " << scrub_secrets(message) << '\n'; };
    if (err_is_terminal && !quiet) cb.progress = [e](double fraction, std::string_view message) {
        draw_progress(*e, fraction, message);
        return true;
    };
    return cb;
}

LoadOptions Io::load_options() const {
    LoadOptions options;
    options.assume_crs = assume_crs;
    options.warn_assumed_crs = !assume_crs_given;
    options.callbacks = callbacks();
    return options;
}

void add_output_option(CLI::App& app, std::string& output, std::string& table, const char* what, bool required) {
    auto* opt = app.add_option("-o,--output", output,
                               fmt::format("{}: .geojson (RFC 7946), .gpkg, .fgb, .shp, .kml, .csv, .geojsonl, - for GeoJSON on stdout, or "
                                           "PG:CONNECTION with --table for PostGIS",
                                           what))
                    ->type_name("OUT");
    if (required) opt->required();
    add_table_option(app, table);
}

void add_table_option(CLI::App& app, std::string& table) {
    app.add_option("--table", table,
                   "with -o PG:...: the table to create or replace, NAME or SCHEMA.NAME (several layers: NAME_<layer>); replaced in one transaction")
        ->type_name("NAME");
}

void add_precision_option(CLI::App& app, int& precision) {
    app.add_option("--precision", precision, "decimals of lon/lat in GeoJSON output (6 = about 0.1 m)")
        ->type_name("N")
        ->default_val(6)
        ->check(CLI::Range(0, 15));
}

}  // namespace dza::cli
