#include "dza/scenario.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "dza/error.hpp"

namespace fs = std::filesystem;

namespace dza {

namespace {

// Says where in the scenario a node is: "data/scenario.yaml:14".
class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    std::string at(const YAML::Node& node) const {
        const auto mark = node.Mark();
        return mark.line >= 0 ? fmt::format("{}:{}", file_, mark.line + 1) : file_;
    }

    [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const { throw UsageError(at(node) + ": " + message); }

    void require_map(const YAML::Node& node, const std::string& key) const {
        if (!node.IsMap()) fail(node, key + " must be a mapping of keys to values");
    }

    // A mapping's key as text; a list or mapping used as a key (`? [a, b]: 1`, `{a: 1}: 2`) is refused.
    std::string key(const YAML::Node& node, const std::string& where) const {
        if (!node.IsScalar()) fail(node, fmt::format("a key{} must be plain text, not a list or mapping", where.empty() ? "" : " in " + where));
        return node.as<std::string>();
    }

    // Every key of `node` must be one of `known`.
    void check_keys(const YAML::Node& node, const std::string& where, const std::vector<std::string>& known) const {
        for (const auto& kv : node) {
            const std::string key = this->key(kv.first, where);
            if (std::find(known.begin(), known.end(), key) != known.end()) continue;
            const std::string guess = closest_match(key, known);
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
            fail(kv.first, fmt::format("unknown key \"{}\"{}{}; known keys: {}", key, where.empty() ? "" : " in " + where,
                                       guess.empty() ? "" : " (did you mean \"" + guess + "\"?)", list));
        }
    }

    std::string string(const YAML::Node& node, const std::string& key) const {
        if (!node.IsScalar()) fail(node, key + " must be a text value");
        return node.as<std::string>();
    }

    double number(const YAML::Node& node, const std::string& key) const {
        if (!node.IsScalar()) fail(node, key + " must be a number");
        try {
            return node.as<double>();
        } catch (const YAML::Exception&) {
            fail(node, fmt::format("{} must be a number, not \"{}\"", key, node.as<std::string>()));
        }
    }

    double distance_km_m(const YAML::Node& node, const std::string& key) const {
        const double km = number(node, key);
        if (km < 0) fail(node, fmt::format("{} is negative ({}); give 0 or more km", key, km));
        return km * 1000.0;
    }

    std::vector<std::string> strings(const YAML::Node& node, const std::string& key) const {
        if (!node.IsSequence()) fail(node, key + " must be a list, e.g. [a, b]");
        std::vector<std::string> out;
        for (const auto& item : node) out.push_back(string(item, key + " item"));
        return out;
    }

    LonLat lon_lat(const YAML::Node& node, const std::string& key) const {
        if (!node.IsSequence() || node.size() != 2) fail(node, key + " must be [lon, lat]");
        const LonLat p{number(node[0], key + " lon"), number(node[1], key + " lat")};
        if (p.lon < -180 || p.lon > 180 || p.lat < -90 || p.lat > 90)
            fail(node, fmt::format("{} [{}, {}] is out of range; give [lon, lat] in degrees", key, p.lon, p.lat));
        return p;
    }

private:
    std::string file_;
};

}  // namespace

const std::vector<std::string>& scenario_layer_roles() {
    static const std::vector<std::string> roles = {"regions", "neighbours", "line", "occupied", "basing_areas", "deployments", "maritime_zone", "targets"};
    return roles;
}

const std::vector<std::string>& scenario_analyses() {
    static const std::vector<std::string> analyses = {"distance", "zones", "coverage", "check"};
    return analyses;
}

const ScenarioLayer& Scenario::layer(const std::string& role, const std::string& needed_by) const {
    const auto it = layers.find(role);
    if (it == layers.end()) throw UsageError(fmt::format("{}: layers.{} is missing; {} needs it", file.string(), role, needed_by));
    return it->second;
}

Scenario load_scenario(const std::string& path) {
    YAML::Node root;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) throw UsageError(fmt::format("scenario \"{}\": no such file; give a scenario file (see README: Scenario file)", path));
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::ParserException& e) {
        throw UsageError(fmt::format("{}:{}: not valid YAML or JSON: {}", path, e.mark.line + 1, e.msg));
    } catch (const YAML::Exception& e) {
        throw UsageError(fmt::format("{}: cannot be read: {}", path, e.what()));
    }
    const Reader r(path);
    if (!root.IsMap()) throw UsageError(path + ": a scenario must be a mapping with keys name, layers, parameters, analyses");
    r.check_keys(root, "", {"name", "layers", "parameters", "analyses"});

    Scenario s;
    s.file = path;
    const fs::path folder = fs::path(path).parent_path();
    if (root["name"]) s.name = r.string(root["name"], "name");

    if (const auto layers = root["layers"]) {
        r.require_map(layers, "layers");
        r.check_keys(layers, "layers", scenario_layer_roles());
        for (const auto& kv : layers) {
            const std::string role = kv.first.as<std::string>();
            const YAML::Node& spec = kv.second;
            ScenarioLayer layer;
            if (spec.IsScalar()) {
                layer.ref = LayerRef::parse(spec.as<std::string>());
            } else {
                r.require_map(spec, "layers." + role);
                r.check_keys(spec, "layers." + role, {"source", "layer", "where", "crs", "name_field"});
                if (!spec["source"]) r.fail(spec, fmt::format("layers.{} has no source", role));
                layer.ref.source = r.string(spec["source"], "layers." + role + ".source");
                if (spec["layer"]) layer.ref.layer_name = r.string(spec["layer"], "layers." + role + ".layer");
                if (spec["where"]) layer.ref.where = r.string(spec["where"], "layers." + role + ".where");
                if (spec["crs"]) layer.ref.crs = r.string(spec["crs"], "layers." + role + ".crs");
                if (spec["name_field"]) layer.name_field = r.string(spec["name_field"], "layers." + role + ".name_field");
            }
            // Relative file paths start from the scenario's folder; connection strings stay as they are.
            const bool is_connection = layer.ref.source.rfind("PG:", 0) == 0 || layer.ref.source.find("://") != std::string::npos;
            if (!is_connection && fs::path(layer.ref.source).is_relative()) layer.ref.source = (folder / layer.ref.source).lexically_normal().string();
            s.layers[role] = layer;
        }
    }

    if (const auto p = root["parameters"]) {
        r.require_map(p, "parameters");
        r.check_keys(p, "parameters",
                     {"standoff_km", "controlled_side", "radius_field", "radius_km", "radius_km_by_role", "speed_field", "speed_kmh", "allowed_regions",
                      "west_of_lon"});
        auto& out = s.parameters;
        if (p["standoff_km"]) out.standoff_m = r.distance_km_m(p["standoff_km"], "parameters.standoff_km");
        if (const auto side = p["controlled_side"]) {
            r.require_map(side, "parameters.controlled_side");
            r.check_keys(side, "parameters.controlled_side", {"contains", "region"});
            if (side["contains"]) out.controlled_side.contains = r.lon_lat(side["contains"], "parameters.controlled_side.contains");
            if (side["region"]) out.controlled_side.region = r.string(side["region"], "parameters.controlled_side.region");
        }
        if (p["radius_field"]) out.radius_field = r.string(p["radius_field"], "parameters.radius_field");
        if (p["radius_km"]) out.radius_m = r.distance_km_m(p["radius_km"], "parameters.radius_km");
        if (const auto roles = p["radius_km_by_role"]) {
            r.require_map(roles, "parameters.radius_km_by_role");
            for (const auto& kv : roles) {
                const std::string role = r.key(kv.first, "parameters.radius_km_by_role");
                out.radius_by_role_m[role] = r.distance_km_m(kv.second, "parameters.radius_km_by_role." + role);
            }
        }
        if (p["speed_field"]) out.speed_field = r.string(p["speed_field"], "parameters.speed_field");
        if (p["speed_kmh"]) {
            out.speed_kmh = r.number(p["speed_kmh"], "parameters.speed_kmh");
            if (*out.speed_kmh <= 0) r.fail(p["speed_kmh"], "parameters.speed_kmh must be more than 0");
        }
        if (p["allowed_regions"]) out.allowed_regions = r.strings(p["allowed_regions"], "parameters.allowed_regions");
        if (p["west_of_lon"]) out.west_of_lon = r.number(p["west_of_lon"], "parameters.west_of_lon");
    }

    if (const auto a = root["analyses"]) {
        s.analyses = r.strings(a, "analyses");
        std::size_t i = 0;
        for (const auto& name : s.analyses) {
            const auto& known = scenario_analyses();
            if (std::find(known.begin(), known.end(), name) == known.end()) {
                const std::string guess = closest_match(name, known);
                r.fail(a[i], fmt::format("unknown analysis \"{}\"{}; known: distance, zones, coverage, check", name,
                                         guess.empty() ? "" : " (did you mean \"" + guess + "\"?)"));
            }
            ++i;
        }
    } else {
        s.analyses = scenario_analyses();
    }
    return s;
}

std::vector<InputSource> scenario_inputs(const Scenario& scenario, const std::vector<std::string>& roles) {
    std::vector<InputSource> out = {{scenario.file.string(), "the scenario file"}};
    for (const auto& [role, layer] : scenario.layers)
        if (roles.empty() || std::find(roles.begin(), roles.end(), role) != roles.end()) out.push_back({layer.ref.source, "the scenario's " + role});
    return out;
}

Layer load_scenario_layer(const ScenarioLayer& layer, const LoadOptions& options) {
    Layer out = load_layer(layer.ref, options);
    if (!layer.name_field.empty()) {
        out.require_field(layer.name_field);
        out.name_field = layer.name_field;
    }
    return out;
}

}  // namespace dza
