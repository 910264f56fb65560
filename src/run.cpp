#include "dza/run.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <optional>

#include "dza/check.hpp"
#include "dza/coverage.hpp"
#include "dza/distance.hpp"
#include "dza/error.hpp"
#include "dza/map.hpp"
#include "dza/secrets.hpp"
#include "dza/territory.hpp"
#include "dza/text.hpp"
#include "dza/version.hpp"
#include "dza/writer.hpp"
#include "dza/zones.hpp"
#include "markup.hpp"
#include "temp_folder.hpp"

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace dza {

namespace {

// Colours of deployments by role, shared by the map, the styled GeoJSON and the report.
const std::vector<std::pair<std::string, std::string>> role_colors = {
    {"air defence", "#d62728"}, {"ground", "#8c564b"}, {"air policing", "#1f77b4"}, {"maritime", "#17becf"}, {"ISR", "#9467bd"}};

std::string role_color(const std::string& role) {
    for (const auto& [r, c] : role_colors)
        if (r == role) return c;
    return "#555555";
}

// simplestyle-spec properties (stroke, fill, marker-color, title) appended to a layer's fields.
struct SimpleStyle {
    std::string stroke = "#555555";
    double stroke_width = 2;
    double stroke_opacity = 1;
    std::string fill;  // "" for lines and points
    double fill_opacity = 0.3;
    std::string marker_color;  // "" unless points
};

// The columns a run adds to every layer it writes (simplestyle-spec's), and to deployments after
// a plan check. A source field named like one of them, ignoring case, is renamed src_<name>.
const std::vector<std::string> style_columns = {"title", "stroke", "stroke-width", "stroke-opacity", "fill", "fill-opacity", "marker-color"};
constexpr const char* check_column = "check";

void add_simplestyle(Layer& layer, const SimpleStyle& style, const std::function<std::string(const Feature&)>& title,
                     const std::function<std::string(const Feature&)>& color = {}) {
    rename_clashing_fields(layer, style_columns, layer.where_text(), {});  // the input copies warned already
    const auto add_field = [&](const char* name, FieldType type) {
        if (!layer.field_index(name)) layer.fields.push_back({name, type});
        return *layer.field_index(name);
    };
    const auto t = add_field("title", FieldType::String);
    const auto stroke = add_field("stroke", FieldType::String);
    const auto stroke_width = add_field("stroke-width", FieldType::Real);
    const auto stroke_opacity = add_field("stroke-opacity", FieldType::Real);
    std::optional<std::size_t> fill, fill_opacity, marker;
    if (!style.fill.empty()) {
        fill = add_field("fill", FieldType::String);
        fill_opacity = add_field("fill-opacity", FieldType::Real);
    }
    if (!style.marker_color.empty()) marker = add_field("marker-color", FieldType::String);
    for (auto& f : layer.features) {
        f.values.resize(layer.fields.size());
        const std::string c = color ? color(f) : "";
        f.values[t] = title(f);
        f.values[stroke] = c.empty() || style.marker_color.empty() ? (c.empty() ? style.stroke : c) : style.stroke;
        f.values[stroke_width] = style.stroke_width;
        f.values[stroke_opacity] = style.stroke_opacity;
        if (fill) {
            f.values[*fill] = c.empty() ? style.fill : c;
            f.values[*fill_opacity] = style.fill_opacity;
        }
        if (marker) f.values[*marker] = c.empty() ? style.marker_color : c;
    }
}

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

json round_json(double v, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(v * scale) / scale;
}

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
    std::vector<std::string> out = {"dza.gpkg", "summary.json", "report.html"};
    for (const auto& [role, layer] : scenario.layers) out.push_back(role + ".geojson");
    for (const char* name : {"distances", "standoff_band", "eligible_zones", "coverage_regions", "coverage", "redundancy", "gaps", "line_gaps",
                             "coverage_targets"})
        out.push_back(std::string(name) + ".geojson");
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
    // Where the results go: the folder is created if its parent exists.
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

    RunResult result;
    const auto wants = [&](const char* analysis) {
        return std::find(scenario.analyses.begin(), scenario.analyses.end(), analysis) != scenario.analyses.end();
    };
    const int total_steps = 3 + static_cast<int>(scenario.analyses.size()) + (options.database.empty() ? 0 : 1);
    Steps steps(result.steps, options.callbacks, total_steps);
    LoadOptions load;
    load.callbacks.warn = options.callbacks.warn;

    // Layers.
    std::map<std::string, Layer> layers;
    json inputs = json::array();
    steps.run("load layers", [&] {
        for (const auto& [role, spec] : scenario.layers) {
            layers.emplace(role, load_scenario_layer(spec, load));
            json input = {{"role", role}, {"source", spec.ref.display()}, {"features", layers.at(role).features.size()}};
            input["sha256"] = fs::is_regular_file(spec.ref.source, ec) ? json(file_sha256(spec.ref.source)) : json(nullptr);
            input["content_sha256"] = layer_sha256(layers.at(role));
            inputs.push_back(input);
        }
        return 0;
    });
    const auto layer = [&](const char* role, const char* needed_by) -> const Layer& {
        scenario.layer(role, needed_by);
        return layers.at(role);
    };
    const auto optional_layer = [&](const char* role) -> const Layer* { return layers.count(role) ? &layers.at(role) : nullptr; };
    const ScenarioParameters& p = scenario.parameters;

    std::optional<Territory> territory;
    const auto get_territory = [&]() -> const Territory& {
        if (!territory) {
            if (scenario.has_layer("line")) territory = split_territory(layer("regions", "the run"), layers.at("line"), p.controlled_side, options.callbacks);
            else territory = territory_from_occupied(layer("regions", "the run"), layer("occupied", "the run without a line"), options.callbacks);
        }
        return *territory;
    };

    json analyses = json::object();
    json methods = json::object();
    std::vector<Layer> outputs;  // in writing order

    if (wants("distance")) {
        steps.run("distance", [&] {
            const Layer& from = layer("deployments", "the distance analysis");
            const Layer& to = layer("line", "the distance analysis");
            DistanceOptions o;
            o.speed_field = p.speed_field;
            o.speed_kmh = p.speed_kmh;
            const auto results = compute_distances(from, to, o);
            Layer lines = distance_layer(from, to, results, options.callbacks);
            json rows = json::array();
            for (const auto& r : results) {
                json row = {{"name", from.label(from.features[r.source])}, {"target", to.label(to.features[r.target])},
                            {"distance_km", r.nearest.distance_m / 1000.0}, {"azimuth_deg", std::isnan(r.nearest.azimuth_deg) ? json(nullptr) : json(r.nearest.azimuth_deg)},
                            {"nearest_lon", r.nearest.to.lon}, {"nearest_lat", r.nearest.to.lat}, {"time_h", r.time_h ? json(*r.time_h) : json(nullptr)}};
                rows.push_back(row);
            }
            analyses["distance"] = {{"results", rows}};
            methods["distance"] = {{"method", distance_method}, {"max_error_m", distance_max_error_m}};
            add_simplestyle(lines, {"#444444", 1.5, 0.9, "", 0, ""}, [&](const Feature& f) {
                return fmt::format("{}: {:.1f} km to the line", lines.label(f), f.values[*lines.field_index("distance_km")].get<double>());
            });
            outputs.push_back(std::move(lines));
            return 0;
        });
    }

    if (wants("zones")) {
        steps.run("zones", [&] {
            const Layer& regions = layer("regions", "the zones analysis");
            ZonesOptions o;
            o.standoff_m = p.standoff_m.value_or(0.0);
            o.west_of_lon = p.west_of_lon;
            const ZonesResult z = compute_zones(regions, get_territory(), o);
            json rows = json::array();
            for (const auto& r : z.regions)
                rows.push_back({{"name", r.name}, {"area_km2", r.area_km2}, {"eligible_km2", r.eligible_km2}, {"eligible_pct", r.eligible_pct}});
            analyses["zones"] = {{"total_area_km2", z.total_area_km2}, {"controlled_area_km2", z.controlled_area_km2}, {"standoff_km", o.standoff_m / 1000.0},
                                 {"controlled_side", get_territory().rule}, {"regions", rows}};
            methods["zones"] = {{"method", z.method}, {"max_error_m", z.max_error_m}};
            Layer eligible = zones_layer(z, o.standoff_m);
            add_simplestyle(eligible, {"#2ca02c", 1, 0.8, "#2ca02c", 0.35, ""},
                            [&](const Feature& f) { return fmt::format("eligible: {}, {}", text_of(eligible, f, "region"), text_of(eligible, f, "band")); });
            Layer band = standoff_layer(z, o.standoff_m);
            add_simplestyle(band, {"#d62728", 1, 0.8, "#d62728", 0.25, ""}, [&](const Feature&) { return fmt::format("stand-off band, {:g} km", o.standoff_m / 1000); });
            outputs.push_back(std::move(band));
            outputs.push_back(std::move(eligible));
            return 0;
        });
    }

    if (wants("coverage")) {
        steps.run("coverage", [&] {
            const Layer& deployments = layer("deployments", "the coverage analysis");
            const Layer& regions = layer("regions", "the coverage analysis");
            CoverageOptions o;
            o.radius_m = p.radius_m;
            o.radius_field = p.radius_field;
            o.radius_by_role_m = p.radius_by_role_m;
            if (!o.radius_m && o.radius_field.empty() && o.radius_by_role_m.empty()) o.radius_field = "radius_km";
            const Territory& t = get_territory();
            o.territory = &t.land;  // the union of the regions, already made for the split
            o.gaps_within = &t.controlled;
            o.gaps_within_name = "controlled side";
            std::vector<const Layer*> targets;
            for (const char* role : {"maritime_zone", "targets"})
                if (const Layer* l = optional_layer(role)) targets.push_back(l);
            const CoverageResult c = compute_coverage(deployments, regions, optional_layer("line"), targets, o);
            const auto area_json = [](const AreaCoverage& a) {
                return json{{"name", a.name}, {"area_km2", a.area_km2}, {"covered_km2", a.covered_km2}, {"covered_pct", a.covered_pct},
                            {"redundant_km2", a.redundant_km2}, {"deployments", a.deployments}};
            };
            json regions_json = json::array(), targets_json = json::array();
            for (const auto& a : c.regions) regions_json.push_back(area_json(a));
            for (const auto& a : c.targets) targets_json.push_back(area_json(a));
            json cov = {{"regions", regions_json}, {"total", area_json(c.total)}, {"targets", targets_json}, {"gaps_within", c.gaps_within}, {"gaps_km2", c.gaps_km2}};
            if (c.line) {
                json gaps = json::array();
                for (const auto& g : c.line->gaps)
                    gaps.push_back({{"from_km", g.from_km}, {"to_km", g.to_km}, {"length_km", g.length_km}, {"start", {g.start.lon, g.start.lat}}, {"end", {g.end.lon, g.end.lat}}});
                cov["line"] = {{"length_km", c.line->length_km}, {"covered_km", c.line->covered_km}, {"covered_pct", c.line->covered_pct}, {"gaps", gaps}};
            }
            analyses["coverage"] = cov;
            methods["coverage"] = {{"method", coverage_method}, {"max_error_m", c.max_error_m}};
            std::vector<Layer> made = coverage_layers(c, regions, targets, options.callbacks);
            for (auto& l : made) {
                if (l.name == "regions") {
                    l.name = "coverage_regions";
                    add_simplestyle(l, {"#1f77b4", 1, 0.8, "#1f77b4", 0.15, ""}, [&](const Feature& f) {
                        return fmt::format("{}: {:.1f}% covered", l.label(f), f.values[*l.field_index("covered_pct")].get<double>());
                    });
                } else if (l.name == "coverage") {
                    add_simplestyle(l, {"#1f77b4", 1, 0.8, "#1f77b4", 0.2, ""}, [](const Feature&) { return std::string("within reach of a deployment"); });
                } else if (l.name == "redundancy") {
                    add_simplestyle(l, {"#9467bd", 1, 0.8, "#9467bd", 0.3, ""}, [](const Feature&) { return std::string("within reach of two or more"); });
                } else if (l.name == "gaps") {
                    add_simplestyle(l, {"#ff7f0e", 1, 0.9, "#ff7f0e", 0.35, ""}, [](const Feature&) { return std::string("not covered"); });
                } else if (l.name == "line_gaps") {
                    add_simplestyle(l, {"#ff7f0e", 4, 1, "", 0, ""}, [&](const Feature& f) {
                        return fmt::format("uncovered stretch, {:.1f} km", f.values[*l.field_index("length_km")].get<double>());
                    });
                } else {
                    l.name = "coverage_" + l.name;
                    add_simplestyle(l, {"#17becf", 1, 0.8, "#17becf", 0.2, ""}, [&](const Feature& f) { return l.label(f); });
                }
                outputs.push_back(std::move(l));
            }
            return 0;
        });
    }

    std::optional<CheckResult> check;
    if (wants("check")) {
        steps.run("check", [&] {
            const Layer& deployments = layer("deployments", "the plan check");
            const Layer& regions = layer("regions", "the plan check");
            const Layer& line = layer("line", "the plan check");
            CheckOptions o;
            o.standoff_m = p.standoff_m.value_or(0.0);
            o.allowed_regions = p.allowed_regions;
            o.basing_areas = optional_layer("basing_areas");
            o.maritime_zone = optional_layer("maritime_zone");
            check = check_plan(deployments, regions, line, get_territory(), o);
            json rows = json::array();
            for (const auto& d : check->deployments) {
                json v = json::array();
                for (const auto& x : d.violations) v.push_back({{"rule", x.rule}, {"message", x.message}});
                rows.push_back({{"name", d.name}, {"region", d.region.empty() ? json(nullptr) : json(d.region)}, {"at_sea", d.at_sea},
                                {"distance_km", d.distance_km}, {"passed", d.passed()}, {"violations", v}});
            }
            analyses["check"] = {{"passed", check->passed()}, {"violation_count", check->violation_count()}, {"standoff_km", o.standoff_m / 1000.0}, {"deployments", rows}};
            methods["check"] = {{"method", "containment by GEOS (edges straight in lon/lat); distances as for distance"}, {"max_error_m", distance_max_error_m}};
            result.plan_checked = true;
            result.plan_passed = check->passed();
            return 0;
        });
    }

    // The inputs as used, styled; deployments carry their check status.
    std::vector<Layer> inputs_used;
    for (const auto& [role, l] : layers) {
        Layer c = copy_layer(l, role);
        std::vector<std::string> own = style_columns;
        if (role == "deployments" && check) own.push_back(check_column);
        rename_clashing_fields(c, own, l.where_text(), options.callbacks);
        if (role == "deployments") {
            if (check) {
                c.fields.push_back({check_column, FieldType::String});
                for (auto& f : c.features) f.values.push_back("");
                for (const auto& d : check->deployments) c.features[d.feature].values.back() = d.passed() ? "ok" : d.violations.front().message;
            }
            add_simplestyle(c, {"#222222", 1, 1, "", 0, "#555555"}, [&](const Feature& f) { return c.label(f); },
                            [&](const Feature& f) { return role_color(text_of(c, f, "role")); });
        } else if (role == "line") {
            add_simplestyle(c, {"#8b0000", 4, 1, "", 0, ""}, [&](const Feature& f) { return c.label(f); });
        } else if (role == "regions") {
            add_simplestyle(c, {"#666666", 1, 0.8, "#f2f2f2", 0.1, ""}, [&](const Feature& f) { return c.label(f); });
        } else if (role == "neighbours") {
            add_simplestyle(c, {"#999999", 1, 0.6, "#dddddd", 0.3, ""}, [&](const Feature& f) { return c.label(f); });
        } else if (role == "basing_areas") {
            add_simplestyle(c, {"#006400", 2, 1, "#006400", 0.1, ""}, [&](const Feature& f) { return c.label(f); });
        } else {
            add_simplestyle(c, {"#17becf", 2, 1, "#17becf", 0.15, ""}, [&](const Feature& f) { return c.label(f); });
        }
        inputs_used.push_back(std::move(c));
    }

    // Every file is made in a staging folder and moved into place at the end. dza.gpkg is the
    // run's own: it is made anew, never updated.
    TempFolder staging(out_dir, ".dza-run-", out_dir.string());
    // Messages name a file where it goes, not where it is staged. A failure here, after the
    // checks, is one of the system (exit 1).
    const auto staged = [&](const std::function<void()>& write) {
        try {
            write();
        } catch (const Error& e) {
            std::string message = e.what();
            const std::string from = staging.path().string(), to = out_dir.string();
            for (auto at = message.find(from); at != std::string::npos; at = message.find(from, at + to.size())) message.replace(at, from.size(), to);
            throw DataError(message);
        }
    };
    // The report and summary.json are text dza composes: any password it has seen is hidden there.
    const auto write_staged = [&](const std::string& name, const std::string& text) {
        staged([&] { write_file_checked(staging.path() / name, scrub_secrets(text), (out_dir / name).string()); });
        result.files.push_back(name);
    };
    WriteOptions w;
    w.callbacks = options.callbacks;
    w.precision = options.precision;
    std::vector<const Layer*> all;
    steps.run("write layers", [&] {
        for (const auto& l : inputs_used) all.push_back(&l);
        for (const auto& l : outputs) all.push_back(&l);
        staged([&] {
            for (const Layer* l : all) {
                write_layer(*l, (staging.path() / (l->name + ".geojson")).string(), w);
                result.files.push_back(l->name + ".geojson");
            }
            write_layers(all, (staging.path() / "dza.gpkg").string(), w);
            result.files.push_back("dza.gpkg");
        });
        return 0;
    });

    // summary.json before the report, so the report can show the same figures.
    json parameters = {{"standoff_km", p.standoff_m ? json(*p.standoff_m / 1000) : json(nullptr)},
                       {"controlled_side", p.controlled_side.contains ? json{p.controlled_side.contains->lon, p.controlled_side.contains->lat}
                                                                      : (p.controlled_side.region.empty() ? json("the larger side") : json(p.controlled_side.region))},
                       {"radius_field", p.radius_field}, {"radius_km", p.radius_m ? json(*p.radius_m / 1000) : json(nullptr)},
                       {"speed_field", p.speed_field}, {"speed_kmh", p.speed_kmh ? json(*p.speed_kmh) : json(nullptr)},
                       {"allowed_regions", p.allowed_regions}, {"west_of_lon", p.west_of_lon ? json(*p.west_of_lon) : json(nullptr)}};
    json by_role = json::object();
    for (const auto& [role, m] : p.radius_by_role_m) by_role[role] = m / 1000;
    parameters["radius_km_by_role"] = by_role;

    steps.run("report", [&] {
        // The map: context, results, then the line and deployments on top.
        std::vector<MapLayer> map;
        const auto add = [&](const std::string& title, const Layer* l, MapStyle style) {
            if (!l || l->features.empty()) return;
            MapLayer m;
            m.title = title;
            m.layer = l;
            m.style = std::move(style);
            map.push_back(std::move(m));
        };
        const auto find = [&](const std::string& name) -> const Layer* {
            for (const Layer* l : all)
                if (l->name == name) return l;
            return nullptr;
        };
        if (const Layer* l = find("neighbours")) {
            add("", l, {"#bbbbbb", "#eeeeee", 1, 1, 0.8, {}, 4, 0});
            map.back().background = true;
            map.back().label_field = l->label_field() ? l->fields[*l->label_field()].name : "";
            map.back().label = {10, "#999999", false, true, true, true};
        }
        if (const Layer* l = find("regions")) {
            add("Regions", l, {"#888888", "#ffffff", 1, 1, 0.6, {}, 4, 0});
            map.back().focus = true;
        }
        add("Coverage (within reach)", find("coverage"), {"#1f77b4", "#1f77b4", 0.18, 0.6, 0.8, {}, 4, 0});
        add("Redundant coverage", find("redundancy"), {"none", "#9467bd", 0.25, 1, 0, {}, 4, 0});
        add("Coverage gaps", find("gaps"), {"#ff7f0e", "#ff7f0e", 0.3, 0.8, 0.6, {}, 4, 0});
        add("Eligible basing zones", find("eligible_zones"), {"#2ca02c", "#2ca02c", 0.35, 0.8, 0.5, {}, 4, 0});
        add("Stand-off band", find("standoff_band"), {"#d62728", "#d62728", 0.18, 0.8, 0.6, {4, 3}, 4, 0});
        add("Maritime zone", find("maritime_zone"), {"#17becf", "#17becf", 0.15, 1, 1.2, {6, 3}, 4, 0});
        add("Basing areas", find("basing_areas"), {"#006400", "none", 1, 1, 1.4, {}, 4, 0});
        add("Uncovered stretches of the line", find("line_gaps"), {"#ff7f0e", "none", 1, 1, 6, {}, 4, 0});
        add("Cease-fire line (notional)", find("line"), {"#8b0000", "none", 1, 1, 2.6, {}, 4, 0});
        if (const Layer* l = find("deployments")) {
            add("Deployments", l, {"#222222", "#555555", 1, 1, 0.8, {}, 5, 0});
            map.back().color_field = "role";
            map.back().colors = role_colors;
            map.back().label_field = l->label_field() ? l->fields[*l->label_field()].name : "";
            map.back().label = {9, "#222222", false, false, false, true};
        }
        MapOptions mo;
        mo.width_px = 1200;
        mo.height_px = 860;
        mo.title = scenario.name.empty() ? "dza scenario" : scenario.name;
        mo.subtitle = p.standoff_m ? fmt::format("Stand-off {:g} km from the line; reaches from {}", *p.standoff_m / 1000, p.radius_field.empty() ? "the scenario" : p.radius_field)
                                   : "";
        mo.credit = "Regions and neighbours: Natural Earth. Line, basing areas, deployments, maritime zone: notional.";
        mo.background = "#eef5fb";
        const std::string svg = render_map_svg(map, mo);

        std::string html;
        html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + markup_escape(mo.title) + "</title>\n";
        html += R"(<style>
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px auto; max-width: 1240px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; } th { background: #f3f3f3; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.fail { color: #b00; font-weight: bold; } .ok { color: #070; }
.note { color: #666; font-size: 12px; } #map svg { max-width: 100%; height: auto; border: 1px solid #ccc; }
</style>
</head>
<body>
)";
        html += "<h1>" + markup_escape(mo.title) + "</h1>\n";
        html += "<p class=\"note\">dza " + std::string(dza::version) + ", scenario " + markup_escape(scenario.file.filename().string()) +
                ". Distances, lengths and areas are geodesic on the WGS84 ellipsoid. The line, basing areas, deployments and maritime zone are notional.</p>\n";
        html += "<div id=\"map\">" + svg + "</div>\n";
        const auto num = [](double v, int d) { return fmt::format("{:.{}f}", v, d); };
        if (analyses.contains("check")) {
            const json& c = analyses["check"];
            html += "<h2 id=\"check\">Plan check</h2>\n";
            html += c["passed"].get<bool>() ? "<p class=\"ok\">The plan passes every constraint.</p>\n"
                                            : fmt::format("<p class=\"fail\">The plan fails: {} violations.</p>\n", c["violation_count"].get<std::size_t>());
            html += "<table id=\"check-table\"><tr><th>deployment</th><th>where</th><th>to the line, km</th><th>result</th></tr>\n";
            for (const auto& d : c["deployments"]) {
                std::string where = d["at_sea"].get<bool>() ? "at sea" : (d["region"].is_null() ? "-" : d["region"].get<std::string>());
                std::string res;
                for (const auto& v : d["violations"]) res += (res.empty() ? "" : "<br>") + markup_escape(v["message"].get<std::string>());
                html += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"{}\">{}</td></tr>\n", markup_escape(d["name"].get<std::string>()),
                                    markup_escape(where), num(d["distance_km"].get<double>(), 1), d["passed"].get<bool>() ? "ok" : "fail",
                                    d["passed"].get<bool>() ? "ok" : res);
            }
            html += "</table>\n";
        }
        if (analyses.contains("distance")) {
            html += "<h2 id=\"distances\">Distances to the line</h2>\n<table id=\"distance-table\"><tr><th>deployment</th><th>distance, km</th><th>bearing</th><th>nearest point</th><th>time, h</th></tr>\n";
            for (const auto& r : analyses["distance"]["results"])
                html += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{:.4f}, {:.4f}</td><td class=\"n\">{}</td></tr>\n",
                                    markup_escape(r["name"].get<std::string>()), num(r["distance_km"].get<double>(), 3),
                                    r["azimuth_deg"].is_null() ? "-" : num(r["azimuth_deg"].get<double>(), 1) + "&deg;", r["nearest_lon"].get<double>(),
                                    r["nearest_lat"].get<double>(), r["time_h"].is_null() ? "-" : num(r["time_h"].get<double>(), 2));
            html += "</table>\n";
        }
        if (analyses.contains("coverage")) {
            const json& c = analyses["coverage"];
            html += "<h2 id=\"coverage\">Coverage by region</h2>\n<table id=\"coverage-table\"><tr><th>region</th><th>area, km&sup2;</th><th>covered, km&sup2;</th><th>covered</th><th>redundant, km&sup2;</th><th>deployments</th></tr>\n";
            const auto row = [&](const json& a, bool bold) {
                const std::string b = bold ? "<b>" : "", e = bold ? "</b>" : "";
                return fmt::format("<tr><td>{}{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}%</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n", b,
                                   markup_escape(a["name"].get<std::string>()), e, num(a["area_km2"].get<double>(), 1), num(a["covered_km2"].get<double>(), 1),
                                   num(a["covered_pct"].get<double>(), 1), num(a["redundant_km2"].get<double>(), 1), a["deployments"].get<std::size_t>());
            };
            for (const auto& a : c["regions"]) html += row(a, false);
            html += row(c["total"], true);
            for (const auto& a : c["targets"]) html += row(a, false);
            html += "</table>\n";
            if (c.contains("line")) {
                const json& l = c["line"];
                html += "<h2 id=\"line-coverage\">Line coverage</h2>\n";
                html += fmt::format("<p>The line is {} km long; {} km ({}%) lie within reach of a deployment.</p>\n", num(l["length_km"].get<double>(), 1),
                                    num(l["covered_km"].get<double>(), 1), num(l["covered_pct"].get<double>(), 1));
                html += "<table id=\"line-gaps-table\"><tr><th>uncovered stretch</th><th>from km</th><th>to km</th><th>length, km</th><th>start</th><th>end</th></tr>\n";
                int i = 0;
                for (const auto& g : l["gaps"])
                    html += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{:.4f}, {:.4f}</td><td>{:.4f}, {:.4f}</td></tr>\n", ++i,
                                        num(g["from_km"].get<double>(), 1), num(g["to_km"].get<double>(), 1), num(g["length_km"].get<double>(), 1),
                                        g["start"][0].get<double>(), g["start"][1].get<double>(), g["end"][0].get<double>(), g["end"][1].get<double>());
                html += "</table>\n";
            }
        }
        if (analyses.contains("zones")) {
            const json& z = analyses["zones"];
            html += "<h2 id=\"zones\">Eligible basing zones</h2>\n";
            html += fmt::format("<p>Stand-off {:g} km; controlled side: {}. Eligible: {} km&sup2;.</p>\n", z["standoff_km"].get<double>(),
                                markup_escape(z["controlled_side"].get<std::string>()), num(z["total_area_km2"].get<double>(), 1));
            html += "<table id=\"zones-table\"><tr><th>region</th><th>area, km&sup2;</th><th>eligible, km&sup2;</th><th>eligible</th></tr>\n";
            for (const auto& r : z["regions"])
                html += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}%</td></tr>\n", markup_escape(r["name"].get<std::string>()),
                                    num(r["area_km2"].get<double>(), 1), num(r["eligible_km2"].get<double>(), 1), num(r["eligible_pct"].get<double>(), 1));
            html += "</table>\n";
        }
        html += "<h2 id=\"methods\">Methods and error bounds</h2>\n<table><tr><th>analysis</th><th>method</th><th>error bound, m</th></tr>\n";
        for (const auto& [name, m] : methods.items())
            html += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n", name, markup_escape(m["method"].get<std::string>()), m["max_error_m"].dump());
        html += "</table>\n<p class=\"note\">Inputs and their SHA-256 checksums are in summary.json.</p>\n</body>\n</html>\n";
        write_staged("report.html", html);
        return 0;
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
            return 0;
        });
    }

    json step_times = json::array();
    for (const auto& s : result.steps) step_times.push_back({{"step", s.name}, {"seconds", round_json(s.seconds, 4)}});
    std::vector<std::string> files = result.files;
    files.push_back("summary.json");
    std::sort(files.begin(), files.end());
    result.summary = {{"dza_version", dza::version},
                      {"scenario", {{"name", scenario.name}, {"file", scenario.file.string()}, {"sha256", file_sha256(scenario.file)}}},
                      {"parameters", parameters},
                      {"analyses_run", scenario.analyses},
                      {"inputs", inputs},
                      {"results", analyses},
                      {"methods", methods},
                      {"steps", step_times},
                      {"outputs", files},
                      {"database", database}};
    write_staged("summary.json", json_text(result.summary, 2) + '\n');
    std::sort(result.files.begin(), result.files.end());

    // Everything is ready: move it into place.
    staging.move_into_place(result.files, out_dir);
    options.callbacks.report(1.0, "done");
    return result;
}

}  // namespace dza
