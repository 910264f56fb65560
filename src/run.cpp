#include "dza/run.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "dza/check.hpp"
#include "dza/coverage.hpp"
#include "dza/distance.hpp"
#include "dza/error.hpp"
#include "dza/gpkg_styles.hpp"
#include "dza/inputs.hpp"
#include "dza/map.hpp"
#include "dza/optimize.hpp"
#include "dza/report.hpp"
#include "dza/results_json.hpp"
#include "dza/secrets.hpp"
#include "dza/territory.hpp"
#include "dza/text.hpp"
#include "dza/version.hpp"
#include "dza/writer.hpp"
#include "dza/zones.hpp"
#include "temp_folder.hpp"

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace dza {

namespace {

// The columns a plan check adds to the deployments it writes: every violation ("ok" when none),
// and whether the deployment passed.
constexpr const char* check_column = "check";
constexpr const char* passed_column = "passed";

std::string text_of(const Layer& layer, const Feature& f, const char* field) {
    if (auto i = layer.field_index(field); i && *i < f.values.size() && !f.values[*i].is_null())
        return f.values[*i].is_string() ? f.values[*i].get<std::string>() : f.values[*i].dump();
    return "";
}

// A copy of a layer (features cloned) under another name.
Layer copy_layer(const Layer& in, const std::string& name) {
    Layer out = dza::copy_layer(in, [](const Geometry& g) { return g.clone(); });
    out.name = name;
    return out;
}

// A result or input layer as written: the data (dza.gpkg, the database), and its kind and each
// feature's title for the styled GeoJSON copy.
struct Output {
    Layer layer;
    LayerKind kind;
    FeatureTitle title;
};

// The inputs as used, as data, one per role; deployments carry their check status. Fields named
// like the styled GeoJSON's columns are renamed here (with one warning a layer), so that every
// copy has the same fields.
std::vector<Output> input_copies(const std::map<std::string, Layer>& layers, const CheckResult* check, const Callbacks& callbacks) {
    std::vector<Output> out;
    for (const auto& [role, l] : layers) {
        Layer c = copy_layer(l, role);
        std::vector<std::string> own = simplestyle_columns();
        if (role == "deployments" && check) {
            own.push_back(check_column);
            own.push_back(passed_column);
        }
        rename_clashing_fields(c, own, l.where_text(), callbacks);
        if (role == "deployments" && check) {
            // Every violation, not only the first; and whether it passed, for styling and filters.
            c.fields.push_back({check_column, FieldType::String});
            c.fields.push_back({passed_column, FieldType::Boolean});
            for (auto& f : c.features) {
                f.values.push_back("");
                f.values.push_back(nullptr);
            }
            for (const auto& d : check->deployments) {
                std::string text;
                for (const auto& v : d.violations) text += (text.empty() ? "" : "; ") + v.message;
                auto& values = c.features[d.feature].values;
                values[values.size() - 2] = d.passed() ? "ok" : text;
                values.back() = d.passed();
            }
        }
        const LayerKind kind = role == "deployments"     ? LayerKind::Deployments
                               : role == "line"          ? LayerKind::Line
                               : role == "regions"       ? LayerKind::Regions
                               : role == "neighbours"    ? LayerKind::Neighbours
                               : role == "basing_areas"  ? LayerKind::BasingAreas
                               : role == "maritime_zone" ? LayerKind::MaritimeZone
                                                         : LayerKind::Context;
        out.push_back({std::move(c), kind, [](const Layer& l, const Feature& f) { return l.label(f); }});
    }
    return out;
}

// summary.json's "parameters": the scenario's, as given.
json parameters_json(const ScenarioParameters& p) {
    json parameters = {{"standoff_km", p.standoff_m ? json(*p.standoff_m / 1000) : json(nullptr)},
                       {"controlled_side", p.controlled_side.contains ? json{p.controlled_side.contains->lon, p.controlled_side.contains->lat}
                                                                      : (p.controlled_side.region.empty() ? json("the larger side") : json(p.controlled_side.region))},
                       {"radius_field", p.radius_field}, {"radius_km", p.radius_m ? json(*p.radius_m / 1000) : json(nullptr)},
                       {"speed_field", p.speed_field}, {"speed_kmh", p.speed_kmh ? json(*p.speed_kmh) : json(nullptr)},
                       {"allowed_regions", p.allowed_regions}, {"west_of_lon", p.west_of_lon ? json(*p.west_of_lon) : json(nullptr)}};
    json by_role = json::object();
    for (const auto& [role, m] : p.radius_by_role_m) by_role[role] = m / 1000;
    parameters["radius_km_by_role"] = by_role;
    return parameters;
}

// What the report's maps show: the layers written (by name), the side beyond the line, and with
// the coverage, each deployment's reach. The big map shows the reaches' full envelopes and the
// coverage at the lowest target altitude (the hardest case); one small map per target altitude
// shows the coverage at it and the reaches to the radar horizon at it. The layers made here are
// held in `keep`.
struct ReportMaps {
    std::vector<std::unique_ptr<Layer>> keep;
    MapContent map;
    std::vector<MapContent> by_altitude;
};

ReportMaps map_content(const Scenario& scenario, const ScenarioParameters& p, const std::vector<const Layer*>& written, const Layer* other_side,
                       const Geometry* land, const RunResults& results, const Callbacks& callbacks) {
    const auto find = [&](const std::string& name) -> const Layer* {
        for (const Layer* l : written)
            if (l->name == name) return l;
        return nullptr;
    };
    ReportMaps out;
    MapContent& map = out.map;
    map.title = scenario.name.empty() ? "dza scenario" : scenario.name;
    map.neighbours = find("neighbours");
    map.regions = find("regions");
    map.other_side = other_side;
    map.coverage = find("coverage");
    map.redundancy = find("redundancy");
    map.gaps = find("gaps");
    map.eligible = find("eligible_zones");
    map.standoff_band = find("standoff_band");
    map.maritime_zone = find("maritime_zone");
    map.basing_areas = find("basing_areas");
    map.line_gaps = find("line_gaps");
    map.line = find("line");
    map.deployments = find("deployments");
    map.occupied = !scenario.has_layer("line") && scenario.has_layer("occupied");
    map.standoff_m = p.standoff_m.value_or(0.0);
    map.allowed_regions = !p.allowed_regions.empty();
    map.radius_field = p.radius_field;
    map.reach_systems = p.systems && !p.systems->empty();
    map.refraction_k = p.refraction_k.value_or(4.0 / 3.0);
    const auto keep = [&](Layer layer) -> const Layer* {
        out.keep.push_back(std::make_unique<Layer>(std::move(layer)));
        return out.keep.back().get();
    };
    // The eligible zone as one area: its pieces by region and distance band would draw edges the
    // map does not explain.
    if (map.eligible && !map.eligible->features.empty()) map.eligible = keep(geometry_layer("eligible", union_of(*map.eligible)));
    if (!results.coverage) return out;
    // The coverage's fills on the map show the territory only (the reaches show the rest).
    const auto on_land = [&](const Layer* layer) -> const Layer* {
        if (!layer || !land || land->is_empty()) return layer;
        return keep(copy_layer(*layer, [&](const Geometry& g) { return g.intersection(*land); }));
    };
    const MapContent all_altitudes = map;
    const auto at_altitude = [&](MapContent& c, double altitude_m) {
        for (const Layer** l : {&c.coverage, &c.redundancy, &c.gaps, &c.line_gaps})
            if (*l) *l = keep(features_at_altitude(**l, altitude_m));
        for (const Layer** l : {&c.coverage, &c.redundancy, &c.gaps}) *l = on_land(*l);
        c.coverage_altitude_m = altitude_m;
    };
    if (map.deployments) map.reach = keep(reach_layer(*map.deployments, p, callbacks));
    std::vector<double> altitudes_m;
    for (const CoverageResult* r : results.coverage->all())
        if (r->altitude_m) altitudes_m.push_back(*r->altitude_m);
    if (altitudes_m.empty()) {
        for (const Layer** l : {&map.coverage, &map.redundancy, &map.gaps}) *l = on_land(*l);
        return out;
    }
    at_altitude(map, *std::min_element(altitudes_m.begin(), altitudes_m.end()));
    for (double altitude_m : altitudes_m) {
        MapContent c = all_altitudes;
        at_altitude(c, altitude_m);
        c.title = fmt::format("Target altitude {:g} m", altitude_m);
        if (c.deployments) {
            c.reach = keep(reach_layer(*c.deployments, p, {}, altitude_m));  // its warnings are the big map's
            c.reach_altitude_m = altitude_m;
        }
        out.by_altitude.push_back(std::move(c));
    }
    return out;
}

// The figures of a result layer as the styled GeoJSON and the KML show them: each Real field whose
// name ends in a unit rounded as summary.json rounds that unit (results_json.hpp: _km and _km2 6
// decimals, _pct 4, _deg, _lon and _lat 9, _h 6, _m 3), so that a distance reads 659.079153, not
// 659.079153231384, and the same as in summary.json and the report. The rounding is far below
// every method's error bound; dza.gpkg and the database keep the figures unrounded. Other
// fields, and the inputs' own attributes, are written as they are.
void round_figures(Layer& layer) {
    for (std::size_t i = 0; i < layer.fields.size(); ++i) {
        if (layer.fields[i].type != FieldType::Real) continue;
        const std::optional<int> decimals = figure_decimals(layer.fields[i].name);
        if (!decimals) continue;
        for (Feature& f : layer.features)
            if (i < f.values.size() && f.values[i].is_number_float() && std::isfinite(f.values[i].get<double>()))
                f.values[i] = json_round(f.values[i].get<double>(), *decimals).get<double>();
    }
}

// A layer as dza.kml holds it: its styled copy (styled_copy) with the simplestyle columns taken
// out of the data and made each placemark's style instead; `title` stays, and names the placemarks
// of a layer without a `name` field.
struct KmlLayer {
    Layer layer;
    std::vector<FeatureStyle> styles;  // by feature
};

KmlLayer kml_layer(Layer styled) {
    KmlLayer out;
    for (const Feature& f : styled.features) out.styles.push_back(simplestyle_feature_style(styled, f));
    const std::vector<std::string>& style_columns = simplestyle_columns();
    std::vector<std::size_t> keep;
    for (std::size_t i = 0; i < styled.fields.size(); ++i)
        if (styled.fields[i].name == "title" || std::find(style_columns.begin(), style_columns.end(), styled.fields[i].name) == style_columns.end())
            keep.push_back(i);
    std::vector<FieldDef> fields;
    for (std::size_t i : keep) fields.push_back(styled.fields[i]);
    for (Feature& f : styled.features) {
        std::vector<nlohmann::json> values;
        for (std::size_t i : keep) values.push_back(i < f.values.size() ? std::move(f.values[i]) : nlohmann::json());
        f.values = std::move(values);
    }
    styled.fields = std::move(fields);
    if (!styled.field_index("name")) styled.name_field = "title";
    // A layer at several target altitudes holds each area once per altitude: the placemarks' names
    // say which, or Google Earth lists several "Vinnytsia" that differ by nothing shown.
    const auto altitude = styled.field_index("altitude_m");
    const auto name = styled.label_field();
    if (altitude && name && styled.fields[*name].type == FieldType::String)
        for (Feature& f : styled.features)
            if (f.values[*altitude].is_number() && f.values[*name].is_string())
                f.values[*name] = fmt::format("{} at {:g} m", f.values[*name].get<std::string>(), f.values[*altitude].get<double>());
    // Stretches of a line (its gaps, the lowest altitude seen along it) say where on the line they lie.
    const auto from = styled.field_index("from_km"), to = styled.field_index("to_km");
    if (from && to && name && styled.fields[*name].type == FieldType::String)
        for (Feature& f : styled.features)
            if (f.values[*from].is_number() && f.values[*to].is_number() && f.values[*name].is_string())
                f.values[*name] = fmt::format("{}, km {:.1f}–{:.1f}", f.values[*name].get<std::string>(), f.values[*from].get<double>(), f.values[*to].get<double>());
    // Names still alike (the pieces of a gap, say) get their area, then a number: Google Earth lists
    // placemarks by name.
    if (name && styled.fields[*name].type == FieldType::String) {
        const auto alike = [&] {
            std::map<std::string, std::size_t> count;
            for (const Feature& f : styled.features)
                if (f.values[*name].is_string()) ++count[f.values[*name].get<std::string>()];
            return count;
        };
        if (const auto area = styled.field_index("area_km2")) {
            const auto count = alike();
            for (Feature& f : styled.features)
                if (f.values[*name].is_string() && f.values[*area].is_number() && count.at(f.values[*name].get<std::string>()) > 1)
                    f.values[*name] = fmt::format("{}, {:.1f} km²", f.values[*name].get<std::string>(), f.values[*area].get<double>());
        }
        const auto count = alike();
        std::map<std::string, std::size_t> seen;
        for (Feature& f : styled.features)
            if (f.values[*name].is_string()) {
                const std::string text = f.values[*name].get<std::string>();
                if (count.at(text) > 1) f.values[*name] = fmt::format("{} ({} of {})", text, ++seen[text], count.at(text));
            }
    }
    out.layer = std::move(styled);
    return out;
}

// dza.kml, for Google Earth: the layers in the GeoPackage's order (`order`: the analysis on top),
// a <Folder> each, every placemark named and styled as the styled GeoJSON is.
void write_kml(const std::vector<KmlLayer>& layers, const std::vector<StyledLayer>& order, const std::string& path, WriteOptions options) {
    std::vector<const Layer*> pointers;
    for (const StyledLayer& s : order)
        for (const KmlLayer& k : layers) {
            if (k.layer.name != s.layer->name) continue;
            pointers.push_back(&k.layer);
            // The writer hands the styler the layer's own features: each one's place gives its style.
            options.styles[k.layer.name] = [&k](const Layer&, const Feature& f) {
                const Feature* first = k.layer.features.data();
                const bool own = std::greater_equal<const Feature*>()(&f, first) && std::less<const Feature*>()(&f, first + k.styles.size());
                return own ? k.styles[static_cast<std::size_t>(&f - first)] : FeatureStyle{};
            };
        }
    write_layers(pointers, path, options);
}

class Steps {
public:
    Steps(std::vector<RunStep>& steps, const Callbacks& callbacks, int total) : steps_(steps), callbacks_(callbacks), total_(total) {}
    template <typename Fn>
    auto run(const std::string& name, Fn&& fn) {
        callbacks_.report(static_cast<double>(done_) / total_, name);
        const auto start = std::chrono::steady_clock::now();
        struct Record {
            Steps* self;
            std::string name;
            std::chrono::steady_clock::time_point start;
            ~Record() {
                self->steps_.push_back({name, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()});
                ++self->done_;
            }
        } record{this, name, start};
        return fn();
    }

private:
    std::vector<RunStep>& steps_;
    const Callbacks& callbacks_;
    int total_;
    int done_ = 0;
};

}  // namespace

namespace {

// An OpenSSL SHA-256 digest fed in pieces.
class Sha256 {
public:
    Sha256() : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
    void add(const void* data, std::size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
    void add(const std::string& text) { add(text.data(), text.size() + 1); }  // with its terminator, so pieces stay apart
    std::string hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        EVP_DigestFinal_ex(ctx_.get(), digest, &length);
        std::string out;
        for (unsigned i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
        return out;
    }

private:
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

}  // namespace

std::string file_sha256(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DataError(fmt::format("{}: cannot be read to compute its checksum", path.string()));
    Sha256 sha;
    std::vector<char> buffer(1 << 16);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        if (in.gcount() > 0) sha.add(buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    return sha.hex();
}

std::string layer_sha256(const Layer& layer) {
    Sha256 sha;
    for (const auto& field : layer.fields) sha.add(field.name + ":" + field_type_name(field.type));
    for (const auto& f : layer.features) {
        for (const auto& v : f.values) sha.add(json_text(v));
        const std::vector<unsigned char> wkb = f.geometry.is_null() ? std::vector<unsigned char>{} : f.geometry.to_wkb();
        const std::uint64_t size = wkb.size();
        sha.add(&size, sizeof size);
        sha.add(wkb.data(), wkb.size());
    }
    return sha.hex();
}

std::vector<std::string> run_output_files(const Scenario& scenario) {
    std::vector<std::string> out = {"dza.gpkg", "dza.kml", "summary.json", "report.html"};
    for (const auto& [role, layer] : scenario.layers) out.push_back(role + ".geojson");
    for (const char* name : {"distances", "standoff_band", "eligible_zones", "coverage_regions", "coverage", "redundancy", "gaps", "line_gaps",
                             "coverage_targets", "line_altitude", "proposed_sites", "proposed_reaches", "proposed_plan", "proposed_coverage"})
        out.push_back(std::string(name) + ".geojson");
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

namespace {

// The run's folder: created if its parent exists; refused, before any work, when it would
// overwrite the scenario or one of its layers, or cannot be written.
fs::path prepare_output_folder(const Scenario& scenario, const RunOptions& options) {
    const fs::path out_dir = options.output_dir;
    std::error_code ec;
    for (const auto& name : run_output_files(scenario)) check_not_an_input((out_dir / name).string(), scenario_inputs(scenario));
    const fs::path parent = out_dir.has_parent_path() ? out_dir.parent_path() : fs::path(".");
    if (!fs::is_directory(parent, ec)) throw UsageError(fmt::format("output folder \"{}\": its parent \"{}\" does not exist; create it first", out_dir.string(), parent.string()));
    if (fs::exists(out_dir, ec) && !fs::is_directory(out_dir, ec)) throw UsageError(fmt::format("output folder \"{}\" is a file; give a folder", out_dir.string()));
    fs::create_directories(out_dir, ec);
    if (ec || access(out_dir.c_str(), W_OK) != 0) throw UsageError(fmt::format("output folder \"{}\" cannot be written", out_dir.string()));

    check_output_path((out_dir / "dza.gpkg").string());  // not a folder, not read-only, not open in QGIS
    if (!options.database.empty()) check_output_path(options.database, options.table);
    return out_dir;
}

// The scenario's layers and parameters, resolved as every command resolves them.
AnalysisInputs load_inputs(const Scenario& scenario, const Callbacks& callbacks) {
    LoadOptions load;
    load.callbacks.warn = callbacks.warn;
    InputRequest request;
    request.command = "the run";
    request.scenario = &scenario;
    for (const auto& [role, spec] : scenario.layers) request.roles.push_back({role, "", false});
    request.uses = {"standoff_km", "controlled_side", "radius_km", "radius_field", "radius_km_by_role", "speed_kmh", "speed_field", "allowed_regions", "west_of_lon",
                    "systems", "system_field", "altitudes_m", "refraction_k", "dem", "altitude_ref"};
    return resolve_inputs(request, load);
}

// summary.json's "inputs": each layer's source, feature count, and the SHA-256 of its file (null
// for a database) and of its content as loaded.
json inputs_json(const AnalysisInputs& in) {
    json inputs = json::array();
    std::error_code ec;
    for (const auto& [role, spec] : in.refs) {
        json input = {{"role", role}, {"source", spec.ref.display()}, {"features", in.layers.at(role).features.size()}};
        input["sha256"] = fs::is_regular_file(spec.ref.source, ec) ? json(file_sha256(spec.ref.source)) : json(nullptr);
        input["content_sha256"] = layer_sha256(in.layers.at(role));
        inputs.push_back(input);
    }
    return inputs;
}

// The territory the analyses share, built once; the run without a line needs an occupied area.
const Territory& run_territory(const AnalysisInputs& in, const Callbacks& callbacks) {
    in.require("regions", "the run");
    if (!in.has("line")) in.require("occupied", "the run without a line");
    return in.territory(callbacks);
}

// Each analysis: its typed result into `results`, its layers appended to `outputs`.
void analyse_distance(const AnalysisInputs& in, RunResults& results, std::vector<Output>& outputs, const Callbacks& callbacks) {
    const Layer& from = in.require("deployments", "the distance analysis");
    const Layer& to = in.require("line", "the distance analysis");
    DistanceOptions o;
    o.speed_field = in.parameters.speed_field;
    o.speed_kmh = in.parameters.speed_kmh;
    results.distance = DistanceSection{&from, &to, compute_distances(from, to, o)};
    outputs.push_back({distance_layer(from, to, results.distance->results, callbacks), LayerKind::Distances, [](const Layer& l, const Feature& f) {
                           return fmt::format("{}: {:.1f} km to the line", l.label(f), f.values[*l.field_index("distance_km")].get<double>());
                       }});
}

void analyse_zones(const AnalysisInputs& in, RunResults& results, std::vector<Output>& outputs, const Callbacks& callbacks) {
    const Layer& regions = in.require("regions", "the zones analysis");
    const Territory& territory = run_territory(in, callbacks);
    ZonesOptions o;
    o.eligibility = in.eligibility();
    const double standoff_m = o.eligibility.standoff_m;
    results.zones = ZonesSection{compute_zones(regions, territory, o), o.eligibility, territory.rule};
    const ZonesResult& z = results.zones->result;
    outputs.push_back({standoff_layer(z, standoff_m), LayerKind::StandoffBand,
                       [standoff_m](const Layer&, const Feature&) { return fmt::format("stand-off band, {:g} km", standoff_m / 1000); }});
    outputs.push_back({zones_layer(z, standoff_m), LayerKind::Eligible, [](const Layer& l, const Feature& f) {
                           return fmt::format("eligible: {}, {}", text_of(l, f, "region"), text_of(l, f, "band"));
                       }});
}

void analyse_coverage(const AnalysisInputs& in, RunResults& results, std::vector<Output>& outputs, const Callbacks& callbacks) {
    const Layer& deployments = in.require("deployments", "the coverage analysis");
    const Layer& regions = in.require("regions", "the coverage analysis");
    const ScenarioParameters& p = in.parameters;
    CoverageOptions o = coverage_options(p);
    const Territory& t = run_territory(in, callbacks);
    o.territory = &t.land;  // the union of the regions, already made for the split
    o.gaps_within = &t.controlled;
    o.gaps_within_name = "controlled side";
    std::vector<const Layer*> targets;
    for (const char* role : {"maritime_zone", "targets"})
        if (const Layer* l = in.layer(role)) targets.push_back(l);
    // At each of the scenario's target altitudes (none: no horizon), over its DEM when it has one.
    std::optional<Terrain> terrain;
    if (!p.dem.empty()) terrain = Terrain::open(p.dem);
    std::vector<CoverageResult> by_altitude = coverage_by_altitude(deployments, regions, in.layer("line"), targets, o, p.altitudes_m, terrain ? &*terrain : nullptr,
                                                                   p.altitude_ref.value_or(AltitudeRef::AboveGround));
    results.coverage = CoverageSection{&deployments, &regions, in.layer("line"), targets, std::move(by_altitude.front()), {}, std::nullopt};
    for (std::size_t i = 1; i < by_altitude.size(); ++i) results.coverage->further_altitudes.push_back(std::move(by_altitude[i]));
    if (const Layer* line = in.layer("line"); line && !p.altitudes_m.empty()) {
        results.coverage->line_altitude = altitude_profile(*line, sited_sensors(deployments, results.coverage->result.sensors), o.horizon.refraction_k);
        Layer stretches = std::move(altitude_profile_layers(*results.coverage->line_altitude, *line).front());
        outputs.push_back({std::move(stretches), LayerKind::LineGaps, [](const Layer& l, const Feature& f) {
                               const nlohmann::json& h = f.values[*l.field_index("min_altitude_m")];
                               return h.is_null() ? std::string("not seen at any altitude") : fmt::format("seen from {:.0f} m up", h.get<double>());
                           }});
    }
    const auto fixed = [](const char* text) { return [text](const Layer&, const Feature&) { return std::string(text); }; };
    for (auto& l : coverage_layers(results.coverage->all(), regions, targets, callbacks)) {
        if (l.name == "regions") {
            l.name = "coverage_regions";
            outputs.push_back({std::move(l), LayerKind::CoverageRegions, [](const Layer& c, const Feature& f) {
                                   return fmt::format("{}: {:.1f}% covered", c.label(f), f.values[*c.field_index("covered_pct")].get<double>());
                               }});
        } else if (l.name == "coverage") {
            outputs.push_back({std::move(l), LayerKind::Coverage, fixed("within reach of a deployment")});
        } else if (l.name == "redundancy") {
            outputs.push_back({std::move(l), LayerKind::Redundancy, fixed("within reach of two or more")});
        } else if (l.name == "gaps") {
            outputs.push_back({std::move(l), LayerKind::Gaps, fixed("not covered")});
        } else if (l.name == "line_gaps") {
            outputs.push_back({std::move(l), LayerKind::LineGaps, [](const Layer& c, const Feature& f) {
                                   return fmt::format("uncovered stretch, {:.1f} km", f.values[*c.field_index("length_km")].get<double>());
                               }});
        } else {
            l.name = "coverage_" + l.name;
            outputs.push_back({std::move(l), LayerKind::CoverageTargets, [](const Layer& t, const Feature& f) { return t.label(f); }});
        }
    }
}

void analyse_check(const AnalysisInputs& in, RunResults& results, const Callbacks& callbacks) {
    const Layer& deployments = in.require("deployments", "the plan check");
    const Layer& regions = in.require("regions", "the plan check");
    const Layer& line = in.require("line", "the plan check");
    const Territory& territory = run_territory(in, callbacks);
    CheckOptions o;
    o.eligibility = in.eligibility();
    o.maritime_zone = in.layer("maritime_zone");
    results.check = CheckSection{check_plan(deployments, regions, line, territory, o), o.eligibility, territory.rule};
}

// The optimize analysis: the plan proposed by the scenario's optimize: section, beside the plan as
// given (its coverage at the same target altitude, when the coverage analysis ran).
void analyse_optimize(const Scenario& scenario, const AnalysisInputs& in, RunResults& results, std::vector<Output>& outputs, const Callbacks& callbacks) {
    LoadOptions load;
    load.callbacks.warn = callbacks.warn;
    OptimizeSection section{propose_plan(in, *scenario.optimize, load, callbacks), &in.require("regions", "the optimize analysis"), in.layer("line"), {}};
    const PlanProposal& p = section.proposal;
    const CoverageResult* given = nullptr;
    if (results.coverage)
        for (const CoverageResult* c : results.coverage->all())
            if (c->altitude_m == p.altitude_m) given = c;
    for (const DemandShare& share : p.result.shares)
        section.given_pct.push_back(given ? demand_exact_pct(share, *given, p.depth, in.built_territory(), results.coverage->targets) : NAN);
    outputs.push_back({copy_layer(p.sites, "proposed_sites"), LayerKind::Deployments,
                       [](const Layer& l, const Feature& f) { return fmt::format("proposed: {}", l.label(f)); }});
    outputs.push_back({copy_layer(p.reaches, "proposed_reaches"), LayerKind::Reach,
                       [](const Layer& l, const Feature& f) { return fmt::format("reach of {}", l.label(f)); }});
    outputs.push_back({copy_layer(p.plan, "proposed_plan"), LayerKind::Deployments, [](const Layer& l, const Feature& f) {
                           return fmt::format("{} ({})", l.label(f), f.values[*l.field_index("origin")].get<std::string>());
                       }});
    Layer coverage = geometry_layer("proposed_coverage", p.coverage.coverage.clone());
    outputs.push_back({std::move(coverage), LayerKind::Coverage, [](const Layer&, const Feature&) { return std::string("within reach of the proposed plan"); }});
    results.optimize = std::move(section);
}

// A staging folder inside the run's folder: every file is made there and moved into place at
// the end. Messages name a file where it goes, not where it is staged; a failure here, after the
// checks, is one of the system (exit 1).
class Staging {
public:
    explicit Staging(const fs::path& out_dir) : out_dir_(out_dir), folder_(out_dir, ".dza-run-", out_dir.string()) {}

    fs::path path(const std::string& name) const { return folder_.path() / name; }

    void write(const std::function<void()>& fn) const {
        try {
            fn();
        } catch (const Error& e) {
            std::string message = e.what();
            const std::string from = folder_.path().string(), to = out_dir_.string();
            for (auto at = message.find(from); at != std::string::npos; at = message.find(from, at + to.size())) message.replace(at, from.size(), to);
            throw DataError(message);
        }
    }

    // The report and summary.json are text dza composes: any password it has seen is hidden there.
    void write_text(const std::string& name, const std::string& text) const {
        write([&] { write_file_checked(path(name), scrub_secrets(text), (out_dir_ / name).string()); });
    }

    void move_into_place(const std::vector<std::string>& files) { folder_.move_into_place(files, out_dir_); }

private:
    fs::path out_dir_;
    TempFolder folder_;
};

// summary.json: the version, the scenario, its parameters, the inputs, every result (as each
// command's --json prints it), the methods, the steps' times, the files and the database tables.
json summary_json(const Scenario& scenario, const AnalysisInputs& in, const json& inputs, const RunResults& results, const RunResult& result,
                  const json& database) {
    json step_times = json::array();
    for (const auto& s : result.steps) step_times.push_back({{"step", s.name}, {"seconds", json_round(s.seconds, 4)}});
    std::vector<std::string> files = result.files;
    files.push_back("summary.json");
    std::sort(files.begin(), files.end());
    return {{"dza_version", dza::version},
            {"scenario", {{"name", scenario.name}, {"file", scenario.file.string()}, {"sha256", file_sha256(scenario.file)}}},
            {"parameters", parameters_json(in.parameters)},
            {"analyses_run", scenario.analyses},
            {"inputs", inputs},
            {"results", results_json(results)},
            {"methods", methods_json(results)},
            {"steps", step_times},
            {"outputs", files},
            {"database", database}};
}

}  // namespace

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
    // The plan rules are about the line: refused before any work when there is none.
    if (!scenario.rules.empty() && !scenario.has_layer("line"))
        throw UsageError(fmt::format("{}: rules: the plan rules are about the line, and the scenario has none; add layers.line or remove the rules", scenario.file.string()));
    const fs::path out_dir = prepare_output_folder(scenario, options);
    RunResult result;
    const auto wants = [&](const char* analysis) {
        return std::find(scenario.analyses.begin(), scenario.analyses.end(), analysis) != scenario.analyses.end();
    };
    const int total_steps = 3 + static_cast<int>(scenario.analyses.size()) + (options.database.empty() ? 0 : 1);
    Steps steps(result.steps, options.callbacks, total_steps);
    const Callbacks& callbacks = options.callbacks;

    AnalysisInputs in;
    json inputs;
    steps.run("load layers", [&] {
        in = load_inputs(scenario, callbacks);
        inputs = inputs_json(in);
        return 0;
    });

    RunResults results;
    std::vector<Output> outputs;  // the result layers, in writing order
    if (wants("distance")) steps.run("distance", [&] { return analyse_distance(in, results, outputs, callbacks); });
    if (wants("zones")) steps.run("zones", [&] { return analyse_zones(in, results, outputs, callbacks); });
    if (wants("coverage")) steps.run("coverage", [&] { return analyse_coverage(in, results, outputs, callbacks); });
    if (wants("check")) steps.run("check", [&] { return analyse_check(in, results, callbacks); });
    if (wants("optimize")) steps.run("optimize", [&] { return analyse_optimize(scenario, in, results, outputs, callbacks); });
    // The plan rules are measured on the coverage.
    if (!scenario.rules.empty()) {
        if (results.coverage) {
            results.rules.emplace();
            for (const CoverageResult* c : results.coverage->all())
                for (RuleResult& r : check_rules(scenario.rules, *c)) results.rules->push_back(std::move(r));
        }
        else callbacks.warning(fmt::format("{}: rules: not checked, since the coverage is not among the analyses; add coverage to analyses", scenario.file.string()));
    }
    result.plan_checked = results.check.has_value() || results.rules.has_value();
    result.plan_passed = (!results.check || results.check->result.passed()) && (!results.rules || rules_passed(*results.rules));
    const std::vector<Output> inputs_used = input_copies(in.layers, results.check ? &results.check->result : nullptr, callbacks);

    // The data layers (dza.gpkg, the database) and, for geojson.io and GitHub, the GeoJSON files
    // with simplestyle columns. dza.gpkg is the run's own: it is made anew, never updated.
    Staging staging(out_dir);
    WriteOptions w;
    w.callbacks = callbacks;
    w.precision = options.precision;
    std::vector<const Output*> written;
    for (const auto& o : inputs_used) written.push_back(&o);
    for (const auto& o : outputs) written.push_back(&o);
    std::vector<const Layer*> all;
    for (const Output* o : written) all.push_back(&o->layer);
    steps.run("write layers", [&] {
        staging.write([&] {
            std::vector<KmlLayer> kml;
            kml.reserve(written.size());
            for (const Output* o : written) {
                Layer styled = styled_copy(o->layer, o->kind, o->title);
                if (o >= outputs.data() && o < outputs.data() + outputs.size()) round_figures(styled);
                write_layer(styled, staging.path(o->layer.name + ".geojson").string(), w);
                result.files.push_back(o->layer.name + ".geojson");
                if (options.kml) kml.push_back(kml_layer(std::move(styled)));
            }
            // In QGIS's order (the analysis on top), each with its default style.
            std::vector<StyledLayer> gpkg;
            for (const Output* o : written) gpkg.push_back({&o->layer, o->kind});
            gpkg = qgis_layer_order(std::move(gpkg));
            write_layers(layer_pointers(gpkg), staging.path("dza.gpkg").string(), w);
            write_qgis_styles(staging.path("dza.gpkg").string(), gpkg);
            result.files.push_back("dza.gpkg");
            if (options.kml) {
                write_kml(kml, gpkg, staging.path("dza.kml").string(), w);
                result.files.push_back("dza.kml");
            }
        });
    });

    steps.run("report", [&] {
        const Territory* territory = in.built_territory();
        const std::optional<Layer> other_side = territory ? std::optional<Layer>(geometry_layer("beyond the line", territory->other.clone())) : std::nullopt;
        const ReportMaps maps = map_content(scenario, in.parameters, all, other_side ? &*other_side : nullptr, territory ? &territory->land : nullptr, results, callbacks);
        const std::string svg = render_map_svg(compose_map(maps.map), map_options(maps.map, 1200, 860));
        std::vector<AltitudeMap> small;
        for (const MapContent& c : maps.by_altitude) {
            std::vector<MapLayer> layers = compose_map(c);
            MapOptions o = map_options(c, 600, 480);
            o.subtitle = "coverage, and reach to the radar horizon";
            o.svg_id_prefix = fmt::format("dza-map-{:g}m-", *c.coverage_altitude_m);
            make_small_map(layers, o, 0.8);
            small.push_back({*c.coverage_altitude_m, render_map_svg(layers, o)});
        }
        std::string proposed_svg;
        if (results.optimize) {
            // The proposed plan on the same base: its deployments, their reaches and its coverage.
            const PlanProposal& p = results.optimize->proposal;
            MapContent c = maps.map;
            const auto on_land = [&](const Geometry& g) { return territory && !territory->land.is_empty() ? g.intersection(territory->land) : g.clone(); };
            const Layer coverage = geometry_layer("coverage", on_land(p.coverage.coverage));
            const Layer gaps = geometry_layer("gaps", on_land(p.coverage.gaps));
            ScenarioParameters reach_rules = in.parameters;
            reach_rules.radius_field = "radius_km";
            reach_rules.radius_m.reset();
            reach_rules.radius_by_role_m.clear();
            reach_rules.system_field = "system";
            const Layer reach = reach_layer(p.plan, reach_rules, {}, p.altitude_m);
            c.title = "Proposed plan";
            c.deployments = &p.plan;
            c.reach = &reach;
            c.coverage = &coverage;
            c.gaps = &gaps;
            c.redundancy = nullptr;
            c.line_gaps = nullptr;
            c.coverage_altitude_m = p.altitude_m;
            c.reach_altitude_m = p.altitude_m;
            MapOptions o = map_options(c, 1000, 720);
            o.subtitle = fmt::format("{} new sites{}", p.result.selected.size(), p.altitude_m ? fmt::format(", at {:g} m target altitude", *p.altitude_m) : "");
            o.svg_id_prefix = "dza-map-proposed-";
            proposed_svg = render_map_svg(compose_map(c), o);
        }
        // The interactive map: the layers written, at the lowest target altitude, in drawing order.
        std::optional<double> lowest_m;
        if (results.coverage)
            for (const CoverageResult* r : results.coverage->all())
                if (r->altitude_m && (!lowest_m || *r->altitude_m < *lowest_m)) lowest_m = r->altitude_m;
        struct LiveSpec {
            const char* name;
            const char* title;
            bool visible;
        };
        static const LiveSpec live_specs[] = {
            {"neighbours", "Neighbouring countries", true},   {"regions", "Regions", true},
            {"coverage_regions", "Regions by covered share", false}, {"standoff_band", "Stand-off band", true},
            {"eligible_zones", "Eligible for basing", true},  {"basing_areas", "Basing areas", true},
            {"maritime_zone", "Maritime zone", true},        {"coverage", "Coverage", true},
            {"redundancy", "Covered twice or more", false},  {"gaps", "Coverage gaps", false},
            {"line", "Cease-fire line", true},               {"line_gaps", "Uncovered stretches of the line", true},
            {"line_altitude", "Lowest altitude seen along the line", false}, {"distances", "Distances to the line", false},
            {"proposed_coverage", "Proposed plan: coverage", false}, {"proposed_reaches", "Proposed sites: reaches", false},
            {"deployments", "Deployments", true},            {"proposed_sites", "Proposed sites", true},
        };
        std::vector<LiveLayer> live;
        for (const LiveSpec& spec : live_specs)
            for (const Output* o : written) {
                if (o->layer.name != spec.name) continue;
                Layer styled = styled_copy(o->layer, o->kind, o->title);
                if (lowest_m && styled.field_index("altitude_m")) styled = features_at_altitude(styled, *lowest_m);
                std::string title = spec.title;
                if (lowest_m && o->layer.field_index("altitude_m")) title += fmt::format(" (at {:g} m)", *lowest_m);
                live.push_back({title, std::move(styled), spec.visible});
            }
        staging.write_text("report.html",
                           report_html(results, maps.map.title, scenario.file.filename().string(), svg, small, proposed_svg, live_map_html(live)));
        result.files.push_back("report.html");
    });

    json database = nullptr;
    if (!options.database.empty()) {
        steps.run("write database", [&] {
            WriteOptions d;
            d.table = options.table;
            write_layers(all, options.database, d);
            std::vector<std::string> names;
            for (const Layer* l : all) names.push_back(l->name);
            result.tables = database_tables(options.table, names);
            database = {{"output", redact_source(options.database)}, {"tables", result.tables}};
        });
    }

    result.summary = summary_json(scenario, in, inputs, results, result, database);
    staging.write_text("summary.json", json_text(result.summary, 2) + '\n');
    result.files.push_back("summary.json");
    std::sort(result.files.begin(), result.files.end());

    // Everything is ready: move it into place.
    staging.move_into_place(result.files);
    callbacks.report(1.0, "done");
    return result;
}

}  // namespace dza
