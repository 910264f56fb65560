#include "cli/command_info.hpp"

#include <fmt/format.h>

#include "cli/format.hpp"
#include "dza/info.hpp"
#include "dza/results_json.hpp"
#include "dza/text.hpp"

namespace dza::cli {

void InfoCommand::setup(CLI::App& app) {
    app.add_option("LAYER", layers_, "layers to describe: SOURCE[|layername=NAME][|where=SQL][|crs=CRS]; every layer of a multi-layer source when none is picked")
        ->required()
        ->type_name("LAYER");
    app.add_flag("--json", json_, "print JSON ({\"layers\": [...]}) instead of a table");
}

void InfoCommand::validate() {
    refs_.clear();
    for (const auto& text : layers_) refs_.push_back(LayerRef::parse(text));
}

namespace {
void print_info(std::ostream& out, const LayerInfo& info) {
    out << info.source << " (layer " << info.name << ")\n";
    const auto row = [&](const char* key, const std::string& value) { out << fmt::format("  {:<10} {}\n", key, value); };
    row("driver", info.driver);
    row("crs", info.crs_assumed ? fmt::format("none declared; assumed {} ({})", info.crs, info.crs_name) : fmt::format("{} ({})", info.crs, info.crs_name));
    row("geometry", info.geometry_type);
    row("features", fmt::format("{} ({} invalid repaired, {} empty)", info.feature_count, info.invalid_count, info.empty_count));
    if (info.extent.empty) row("extent", "none");
    else
        row("extent", fmt::format("lon {:.6f} .. {:.6f}, lat {:.6f} .. {:.6f} (WGS84)", info.extent.min_lon, info.extent.max_lon, info.extent.min_lat,
                                  info.extent.max_lat));
    if (info.area_km2) row("area", format_number(*info.area_km2, 1) + " km² (geodesic, WGS84)");
    if (info.length_km) row(info.area_km2 ? "perimeter" : "length", format_number(*info.length_km, 3) + " km (geodesic, WGS84)");
    std::string fields;
    for (const auto& f : info.fields) fields += (fields.empty() ? "" : ", ") + f.name + " (" + field_type_name(f.type) + ")";
    row("fields", fields.empty() ? "none" : fields);
}
}  // namespace

ExitCode InfoCommand::run(Io& io) {
    std::vector<LayerInfo> infos;
    for (const auto& ref : refs_)
        for (auto& info : inspect(ref, io.load_options())) {
            if (info.feature_count == 0) io.callbacks().warning(fmt::format("{}|layername={}: has no features", info.source, info.name));
            infos.push_back(std::move(info));
        }
    if (json_) {
        io.out << scrub_secrets(json_text(to_json(infos), 2)) << '\n';
        return ExitCode::Ok;
    }
    for (std::size_t i = 0; i < infos.size(); ++i) {
        if (i) io.out << '\n';
        print_info(io.out, infos[i]);
    }
    return ExitCode::Ok;
}

}  // namespace dza::cli
