#include "cli/options.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include "dza/buffer.hpp"
#include "dza/error.hpp"
#include "dza/units.hpp"

namespace dza::cli {

namespace {

struct LayerOption {
    const char* role;
    const char* name;  // option, or positional when it has no dashes
    const char* help;
};

// Every layer option, once: the role it gives, its name and help.
const LayerOption layer_options[] = {
    {"deployments", "DEPLOYMENTS", "the plan's deployments, points or areas"},
    {"regions", "--regions", "regions whose union is the territory"},
    {"line", "--line", "the cease-fire line"},
    {"occupied", "--occupied", "the occupied area as polygons, instead of a line: the controlled side is the rest"},
    {"basing_areas", "--basing-areas", "basing areas: only inside one of them is eligible for basing"},
    {"maritime_zone", "--maritime-zone", "deployments at sea must lie inside this zone"},
};

const LayerOption& layer_option(const std::string& role) {
    for (const auto& o : layer_options)
        if (role == o.role) return o;
    throw std::logic_error("no layer option for role " + role);
}

}  // namespace

std::vector<std::string> split_names(const std::string& text, const char* option) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (!text.empty() && start <= text.size()) {
        const auto comma = text.find(',', start);
        std::string name = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        name.erase(0, name.find_first_not_of(' '));
        name.erase(name.find_last_not_of(' ') + 1);
        if (name.empty()) throw UsageError(fmt::format("{} \"{}\" has an empty name", option, text));
        out.push_back(name);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

ControlledSide parse_keep(const std::string& text) {
    ControlledSide side;
    if (text.empty()) return side;
    double lon = 0, lat = 0;
    char extra = 0;
    if (std::sscanf(text.c_str(), "%lf,%lf%c", &lon, &lat, &extra) == 2) {
        if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) throw UsageError(fmt::format("--keep \"{}\" is out of range; give LON,LAT in degrees", text));
        side.contains = LonLat{lon, lat};
    } else {
        side.region = text;
    }
    return side;
}

CLI::Option* DistanceOption::add(CLI::App& app, const char* name, const std::string& help, double max_m, double min_m, const std::string& default_text) {
    name_ = name;
    min_m_ = min_m;
    max_m_ = max_m;
    text_ = default_text;
    auto* option = app.add_option(name, text_, fmt::format("{} ({})", help, distance_units_help))->type_name("DISTANCE");
    if (!default_text.empty()) option->default_str(default_text);
    return option;
}

void add_tolerance_option(CLI::App& app, DistanceOption& tolerance, const char* what) {
    tolerance.add(app, "--tolerance",
                  fmt::format("largest deviation of {}'s straight edges from the exact distance; vertices are held within the smaller of this and "
                              "max(1 m, 0.01% of the distance)",
                              what),
                  std::numeric_limits<double>::infinity(), buffer_min_tolerance_m, "10m");
}

void SensorOptions::add(CLI::App& app, bool with_terrain) {
    app.add_option("--systems", systems_file_,
                   "system types (YAML, JSON or CSV: name, role, max_range_km, min_range_km, sensor_height_m, sector_deg); deployments name theirs "
                   "in --system-field (default: the scenario's systems)")
        ->type_name("FILE");
    app.add_option("--system-field", system_field_, "field naming each deployment's system type (default: the scenario's system_field, else system)")
        ->type_name("FIELD");
    app.add_option("--altitudes", altitudes_text_,
                   "target altitudes to measure coverage at, lowest first, e.g. 50m,300m,1000m,3000m (units m, km, ft); sensors reach up to "
                   "the radar horizon (default: the scenario's altitudes_m, else no horizon)")
        ->type_name("H,...");
    if (with_terrain) {
        app.add_option("--dem", dem_,
                       "a DEM (any raster GDAL reads, heights above sea level in m): point sensors see only where their line of sight over it "
                       "reaches, at its resolution; needs --altitudes")
            ->type_name("RASTER");
        app.add_option("--altitude-ref", altitude_ref_text_, "with --dem: the target altitudes are above the ground (agl, default) or above sea level (amsl)")
            ->type_name("agl|amsl");
    }
    app.add_option("--refraction-k", refraction_k_, "effective-earth-radius factor for the radar horizon: 4/3 standard refraction (default), 1 none")
        ->type_name("K");
}

void SensorOptions::validate() {
    systems_.reset();
    if (!systems_file_.empty()) systems_ = read_systems_file(systems_file_);
    altitudes_m_.clear();
    if (!altitudes_text_.empty()) {
        altitudes_m_ = parse_altitude_list_m(altitudes_text_, "--altitudes");
        check_altitudes(altitudes_m_, [&](const std::string& m) { throw UsageError(fmt::format("--altitudes \"{}\": {}", altitudes_text_, m)); });
    }
    altitude_ref_.reset();
    if (!altitude_ref_text_.empty()) altitude_ref_ = altitude_ref_from_text(altitude_ref_text_, "--altitude-ref");
    if (refraction_k_ && (!std::isfinite(*refraction_k_) || *refraction_k_ < 0.5 || *refraction_k_ > 10))
        throw UsageError(fmt::format("--refraction-k {:g} is out of range; give 0.5 to 10 (4/3 for standard refraction, 1 for none)", *refraction_k_));
}

void SensorOptions::apply(InputRequest& request) const {
    for (const char* name : {"systems", "system_field", "altitudes_m", "refraction_k", "dem", "altitude_ref"}) request.uses.push_back(name);
    request.parameters.dem = dem_;
    request.parameters.altitude_ref = altitude_ref_;
    request.parameters.systems = systems_;
    request.parameters.system_field = system_field_;
    request.parameters.altitudes_m = altitudes_m_;
    request.parameters.refraction_k = refraction_k_;
}

void DistanceOption::parse() {
    metres_.reset();
    if (text_.empty()) return;
    metres_ = parse_distance_m(text_, name_);
    if (*metres_ > max_m_) throw UsageError(fmt::format("{} is {:g} km, more than the {:g} km dza reaches", name_, *metres_ / 1000, max_m_ / 1000));
    if (*metres_ < min_m_) throw UsageError(fmt::format("{} \"{}\" is too small; give at least {:g}m", name_, text_, min_m_));
}

void InputOptions::add_scenario(CLI::App& app) {
    app.add_option("--scenario", scenario_,
                   "scenario file for the layers and parameters not given (default, when none of the layers this command needs is given: "
                   "data/scenario.yaml here, else the installed one)")
        ->type_name("FILE");
}

CLI::Option* InputOptions::add_layer(CLI::App& app, const std::string& role, bool required, const std::string& help, const std::string& name) {
    const LayerOption& o = layer_option(role);
    const std::string option = name.empty() ? o.name : name;
    roles_.push_back({role, option, required});
    if (role == "occupied") alternatives_["line"] = "occupied";
    return app.add_option(option, layers_[role], fmt::format("{} (default: the scenario's)", help.empty() ? o.help : help))->type_name("LAYER");
}

void InputOptions::add_keep(CLI::App& app) {
    app.add_option("--keep", keep_, "the controlled side: a point \"LON,LAT\" or a region it contains (default: the scenario's, else the larger side)")
        ->type_name("POINT|REGION");
}

void InputOptions::add_standoff(CLI::App& app) {
    standoff_.add(app, "--standoff", "least distance from the line to be eligible for basing; default: the scenario's standoff_km, else 0", buffer_max_distance_m);
}

void InputOptions::add_eligibility(CLI::App& app, bool only_regions_alias) {
    const char* help = "only these regions, comma-separated, are eligible for basing (default: the scenario's allowed_regions, else all)";
    auto* allowed = app.add_option("--allowed-regions", allowed_text_, help)->type_name("A,B,...");
    if (only_regions_alias)
        only_regions_ = app.add_option("--only-regions", allowed_text_, "the same as --allowed-regions")->type_name("A,B,...")->excludes(allowed);
    app.add_option("--west-of", west_of_, "only the part west of this meridian (degrees east) is eligible for basing (default: the scenario's west_of_lon)")
        ->type_name("LON")
        ->check(CLI::Range(-180.0, 180.0));
}

void InputOptions::validate() {
    for (const auto& [role, ref] : layers_)
        if (!ref.empty()) LayerRef::parse(ref);
    standoff_.parse();
    allowed_name_ = only_regions_ && only_regions_->count() > 0 ? "--only-regions" : "--allowed-regions";
    allowed_ = split_names(allowed_text_, allowed_name_);
    keep_side_ = parse_keep(keep_);
}

InputRequest InputOptions::request(const std::string& command) const {
    InputRequest r;
    r.command = command;
    r.scenario_file = scenario_;
    r.roles = roles_;
    r.alternatives = alternatives_;
    r.layers = layers_;
    r.parameters.standoff_m = standoff_.metres();
    r.parameters.controlled_side = keep_side_;
    r.parameters.allowed_regions = allowed_;
    r.parameters.west_of_lon = west_of_;
    return r;
}

AnalysisInputs resolve(const InputRequest& request, const Io& io) {
    AnalysisInputs inputs = resolve_inputs(request, io.load_options());
    if (const std::string note = inputs.note(); !note.empty() && !io.quiet) io.err << "dza: " << note << '\n';
    return inputs;
}

}  // namespace dza::cli
