#include "dza/scenario.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <set>

#include "dza/buffer.hpp"
#include "dza/error.hpp"
#include "dza/secrets.hpp"
#include "yaml_reader.hpp"

namespace fs = std::filesystem;

namespace dza {

namespace {

// A scenario may be at most this large; a bigger file is refused before parsing.
constexpr std::uintmax_t max_scenario_bytes = 1u << 20;
// Limits of the plan rules: a gap longer than the Earth's circumference, or a depth of more
// deployments than a plan holds, is a typing mistake.
constexpr double max_line_km = 40075;
constexpr int max_line_depth = 100000;

// A source a scenario names: a relative file path starts from the scenario's folder; a connection,
// URL, /vsi path or absolute path stays as it is.
std::string from_scenario_folder(const fs::path& folder, const std::string& source) {
    if (is_connection_string(source) || !fs::path(source).is_relative()) return source;
    return (folder / source).lexically_normal().string();
}

// The same for a layer reference: only its source (before any `|key=value` option) is a path.
std::string ref_from_scenario_folder(const fs::path& folder, const std::string& ref) {
    const std::size_t end = std::min(source_end(ref), ref.size());
    return from_scenario_folder(folder, ref.substr(0, end)) + ref.substr(end);
}

}  // namespace

const std::vector<std::string>& scenario_layer_roles() {
    static const std::vector<std::string> roles = {"regions", "neighbours", "line", "occupied", "basing_areas", "deployments", "maritime_zone", "targets"};
    return roles;
}

const std::vector<std::string>& scenario_sections() {
    static const std::vector<std::string> sections = {"name", "layers", "systems", "parameters", "rules", "optimize", "analyses"};
    return sections;
}

const std::vector<std::string>& scenario_analyses() {
    static const std::vector<std::string> analyses = {"distance", "zones", "coverage", "check", "optimize"};
    return analyses;
}

const ScenarioLayer& Scenario::layer(const std::string& role, const std::string& needed_by) const {
    const auto it = layers.find(role);
    if (it == layers.end()) throw UsageError(fmt::format("{}: layers.{} is missing; {} needs it", file.string(), role, needed_by));
    return it->second;
}

namespace {

// The scenario's bytes. Anything but a regular file of at most max_scenario_bytes is refused
// before reading (a FIFO would block, /dev/zero never ends); opened without blocking so that a
// file swapped for a FIFO meanwhile is refused too.
std::string read_scenario_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        if (err == ENOENT || err == ENOTDIR)
            throw UsageError(fmt::format("scenario \"{}\": no such file; give a scenario file (see README: Scenario file)", cut_short(path, 200)));
        throw UsageError(fmt::format("scenario \"{}\": cannot be opened ({}); check its permissions", cut_short(path, 200), std::strerror(err)));
    }
    const std::unique_ptr<int, void (*)(int*)> closer(new int(fd), [](int* f) {
        ::close(*f);
        delete f;
    });
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        const char* kind = S_ISDIR(st.st_mode) ? "a folder" : S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISSOCK(st.st_mode) ? "a socket" : "a device or special file";
        throw UsageError(fmt::format("scenario \"{}\": is {}, not a regular file; give a scenario file (YAML or JSON)", cut_short(path, 200), kind));
    }
    if (static_cast<std::uintmax_t>(st.st_size) > max_scenario_bytes)
        throw UsageError(fmt::format("scenario \"{}\": is {} bytes, more than the {} bytes (1 MiB) a scenario may have; a scenario names layers, it does not hold them",
                                     cut_short(path, 200), st.st_size, max_scenario_bytes));
    std::string text;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw UsageError(fmt::format("scenario \"{}\": cannot be read ({})", cut_short(path, 200), std::strerror(errno)));
        if (n == 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > max_scenario_bytes)
            throw UsageError(fmt::format("scenario \"{}\": grew past the {} bytes (1 MiB) a scenario may have while being read", cut_short(path, 200), max_scenario_bytes));
    }
    return text;
}

}  // namespace

namespace {

// The `optimize:` section: what dza optimize's options say, with km and seconds in the keys.
OptimizeParameters read_optimize(const Reader& r, const YAML::Node& o, const fs::path& folder) {
    r.require_map(o, "optimize");
    r.check_keys(o, "optimize", {"candidates", "grid_km", "sites", "target_pct", "system", "radius_km", "radius_field", "demand", "points_weight_field",
                                 "objective", "min_separation_km", "cell_km", "time_limit_s", "gap_pct", "greedy", "keep_existing", "in_basing_areas", "altitude_m"});
    OptimizeParameters p;
    if (o["candidates"]) {
        p.candidates = r.string(o["candidates"], "optimize.candidates");
        p.candidates = ref_from_scenario_folder(folder, p.candidates);
    }
    if (o["grid_km"]) {
        p.grid_m = r.distance_km_m(o["grid_km"], "optimize.grid_km", buffer_max_distance_m);
        if (*p.grid_m < 100) r.fail(o["grid_km"], "optimize.grid_km", "is less than 0.1 km; give a spacing of at least 0.1 km");
    }
    if (p.candidates.empty() == !p.grid_m) r.fail(o, "optimize", "give the candidates: candidates: FILE (points) or grid_km: SPACING, one of them");
    if (const auto n = o["sites"]) {
        const double v = r.number(n, "optimize.sites");
        if (v != std::floor(v) || v < 1 || v > 10000) r.fail(n, "optimize.sites", "is not a whole number of sites from 1 to 10,000");
        p.sites = static_cast<std::size_t>(v);
    }
    if (o["target_pct"]) p.target_pct = r.number_in(o["target_pct"], "optimize.target_pct", 1e-9, 100, "give a percentage above 0, up to 100");
    if (!p.sites == !p.target_pct) r.fail(o, "optimize", "give sites: N (new sites to choose) or target_pct: P, one of them");
    int reaches = 0;
    if (o["system"]) p.system = r.string(o["system"], "optimize.system"), ++reaches;
    if (o["radius_km"]) p.radius_m = r.distance_km_m(o["radius_km"], "optimize.radius_km", buffer_max_distance_m), ++reaches;
    if (o["radius_field"]) p.radius_field = r.string(o["radius_field"], "optimize.radius_field"), ++reaches;
    if (reaches > 1) r.fail(o, "optimize", "give one of system, radius_km and radius_field");
    if (const auto d = o["demand"]) {
        r.require_map(d, "optimize.demand");
        r.check_keys(d, "optimize.demand", {"line", "regions", "controlled", "maritime_zone", "targets"});
        for (const auto& kv : d)
            p.demand.push_back({kv.first.Scalar(), "", r.number_in(kv.second, "optimize.demand." + kv.first.Scalar(), 0, 1e6, "give a weight of 0 or more")});
    }
    if (o["points_weight_field"]) p.points_weight_field = r.string(o["points_weight_field"], "optimize.points_weight_field");
    if (const auto obj = o["objective"]) {
        const std::string v = r.string(obj, "optimize.objective");
        if (v != "cover" && v != "backup") r.fail(obj, "optimize.objective", fmt::format("is \"{}\"; give cover or backup", cut_short(v)));
        p.backup = v == "backup";
    }
    if (o["min_separation_km"]) p.min_separation_m = r.distance_km_m(o["min_separation_km"], "optimize.min_separation_km", buffer_max_distance_m);
    if (o["cell_km"]) {
        p.cell_m = r.distance_km_m(o["cell_km"], "optimize.cell_km", buffer_max_distance_m);
        if (p.cell_m < 100) r.fail(o["cell_km"], "optimize.cell_km", "is less than 0.1 km; give cells of at least 0.1 km");
    }
    if (o["time_limit_s"]) p.time_limit_s = r.number_in(o["time_limit_s"], "optimize.time_limit_s", 0, 86400, "give 0 to 86,400 seconds");
    if (o["gap_pct"]) {
        p.gap_pct = r.number_in(o["gap_pct"], "optimize.gap_pct", 0, 100, "give a gap of 0 to under 100 %");
        if (p.gap_pct >= 100) r.fail(o["gap_pct"], "optimize.gap_pct", "is 100 % or more; give a gap of 0 to under 100 %");
    }
    const auto flag = [&](const char* key) {
        const std::string v = r.string(o[key], std::string("optimize.") + key);
        if (v != "true" && v != "false") r.fail(o[key], std::string("optimize.") + key, "give true or false");
        return v == "true";
    };
    if (o["greedy"]) p.greedy_only = flag("greedy");
    if (o["keep_existing"]) p.keep_existing = flag("keep_existing");
    if (o["in_basing_areas"]) p.in_basing_areas = flag("in_basing_areas");
    if (o["altitude_m"]) p.altitude_m = r.number_in(o["altitude_m"], "optimize.altitude_m", 0, max_target_altitude_m, "give 0 to 100,000 m");
    return p;
}

}  // namespace

void make_scenario_paths_absolute(YAML::Node& root, const std::filesystem::path& folder) {
    if (!root.IsMap()) return;  // the loader says what is wrong
    const fs::path from = fs::absolute(folder.empty() ? fs::path(".") : folder);
    const auto fix = [&](YAML::Node node, bool is_layer_ref) {
        if (!node || !node.IsScalar()) return;
        const std::string text = node.Scalar();
        const std::string fixed = is_layer_ref ? ref_from_scenario_folder(from, text) : from_scenario_folder(from, text);
        if (fixed != text) node = fixed;
    };
    if (YAML::Node layers = root["layers"]; layers && layers.IsMap())
        for (auto kv : layers) {
            if (kv.second.IsMap()) fix(kv.second["source"], false);
            else fix(kv.second, true);
        }
    if (YAML::Node p = root["parameters"]; p && p.IsMap()) fix(p["dem"], false);
    fix(root["systems"], false);
    if (YAML::Node o = root["optimize"]; o && o.IsMap()) fix(o["candidates"], true);
}

Scenario load_scenario(const std::string& path) { return load_scenario_text(read_scenario_file(path), path, fs::path(path).parent_path()); }

Scenario load_scenario_text(const std::string& text, const std::string& path, const std::filesystem::path& folder) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw UsageError(fmt::format("{}:{}: not valid YAML or JSON: {}", path, e.mark.line + 1, cut_short(e.msg, 200)));
    } catch (const YAML::Exception& e) {
        throw UsageError(fmt::format("{}: cannot be read: {}", path, cut_short(e.what(), 200)));
    }
    const Reader r(path);
    if (!root.IsMap()) throw UsageError(path + ": a scenario must be a mapping with keys name, layers, systems, parameters, rules, optimize, analyses");
    r.check_keys(root, "", scenario_sections());

    Scenario s;
    s.file = path;
    if (root["name"]) s.name = r.string(root["name"], "name");

    if (const auto layers = root["layers"]) {
        r.require_map(layers, "layers");
        r.check_keys(layers, "layers", scenario_layer_roles());
        for (const auto& kv : layers) {
            const std::string role = kv.first.Scalar();
            const YAML::Node& spec = kv.second;
            ScenarioLayer layer;
            layer.scenario_file = path;
            layer.role = role;
            if (spec.IsScalar()) {
                try {
                    layer.ref = LayerRef::parse(spec.Scalar());
                } catch (const UsageError& e) {
                    r.fail(spec, "layers." + role, e.what());
                }
            } else {
                r.require_map(spec, "layers." + role);
                r.check_keys(spec, "layers." + role, {"source", "layer", "where", "crs", "name_field"});
                if (!spec["source"]) r.fail(spec, "layers." + role, "has no source; give source: FILE (relative to the scenario's folder)");
                layer.ref.source = r.string(spec["source"], "layers." + role + ".source");
                if (layer.ref.source.empty()) r.fail(spec["source"], "layers." + role + ".source", "is empty; give a file (relative to the scenario's folder) or a PG: connection");
                if (spec["layer"]) layer.ref.layer_name = r.string(spec["layer"], "layers." + role + ".layer");
                if (spec["where"]) layer.ref.where = r.string(spec["where"], "layers." + role + ".where");
                if (spec["crs"]) layer.ref.crs = r.string(spec["crs"], "layers." + role + ".crs");
                if (spec["name_field"]) layer.name_field = r.string(spec["name_field"], "layers." + role + ".name_field");
            }
            layer.ref.source = from_scenario_folder(folder, layer.ref.source);
            layer.paths_folder = folder.empty() ? "." : folder.string();
            s.layers[role] = layer;
        }
    }

    if (const auto p = root["parameters"]) {
        r.require_map(p, "parameters");
        r.check_keys(p, "parameters",
                     {"standoff_km", "controlled_side", "radius_field", "radius_km", "radius_km_by_role", "speed_field", "speed_kmh", "allowed_regions",
                      "west_of_lon", "system_field", "altitudes_m", "refraction_k", "dem", "altitude_ref"});
        auto& out = s.parameters;
        if (p["standoff_km"]) out.standoff_m = r.distance_km_m(p["standoff_km"], "parameters.standoff_km", buffer_max_distance_m);
        if (const auto side = p["controlled_side"]) {
            r.require_map(side, "parameters.controlled_side");
            r.check_keys(side, "parameters.controlled_side", {"contains", "region"});
            if (side["contains"]) out.controlled_side.contains = r.lon_lat(side["contains"], "parameters.controlled_side.contains");
            if (side["region"]) out.controlled_side.region = r.string(side["region"], "parameters.controlled_side.region");
        }
        if (p["radius_field"]) out.radius_field = r.string(p["radius_field"], "parameters.radius_field");
        if (p["radius_km"]) out.radius_m = r.distance_km_m(p["radius_km"], "parameters.radius_km", buffer_max_distance_m);
        if (const auto roles = p["radius_km_by_role"]) {
            r.require_map(roles, "parameters.radius_km_by_role");
            for (const auto& kv : roles) {
                const std::string role = r.key_of(kv.first, "parameters.radius_km_by_role");
                out.radius_by_role_m[role] = r.distance_km_m(kv.second, "parameters.radius_km_by_role." + role, buffer_max_distance_m);
            }
        }
        if (p["speed_field"]) out.speed_field = r.string(p["speed_field"], "parameters.speed_field");
        if (p["speed_kmh"]) {
            out.speed_kmh = r.number(p["speed_kmh"], "parameters.speed_kmh");
            if (*out.speed_kmh <= 0) r.fail(p["speed_kmh"], "parameters.speed_kmh", fmt::format("is {:g}; give a speed of more than 0 km/h", *out.speed_kmh));
        }
        if (p["allowed_regions"]) out.allowed_regions = r.strings(p["allowed_regions"], "parameters.allowed_regions");
        if (p["west_of_lon"]) out.west_of_lon = r.number_in(p["west_of_lon"], "parameters.west_of_lon", -180, 180, "give a longitude in degrees, -180 to 180");
        if (p["system_field"]) out.system_field = r.string(p["system_field"], "parameters.system_field");
        if (const auto a = p["altitudes_m"]) {
            if (!a.IsSequence() || a.size() == 0) r.fail(a, "parameters.altitudes_m", "must be a list of target altitudes in m, e.g. [50, 300, 1000, 3000]");
            for (const auto& h : a)
                out.altitudes_m.push_back(r.number_in(h, "parameters.altitudes_m", 0, max_target_altitude_m, "give altitudes of 0 to 100,000 m"));
            check_altitudes(out.altitudes_m, [&](const std::string& m) { r.fail(a, "parameters.altitudes_m", m); });
        }
        if (p["dem"]) {
            out.dem = r.string(p["dem"], "parameters.dem");
            if (out.dem.empty()) r.fail(p["dem"], "parameters.dem", "is empty; give a DEM raster (relative to the scenario's folder)");
            out.dem = from_scenario_folder(folder, out.dem);
        }
        if (p["altitude_ref"]) {
            try {
                out.altitude_ref = altitude_ref_from_text(r.string(p["altitude_ref"], "parameters.altitude_ref"), "parameters.altitude_ref");
            } catch (const UsageError& e) {
                r.fail(p["altitude_ref"], "parameters.altitude_ref", e.what());
            }
        }
        if (p["refraction_k"])
            out.refraction_k = r.number_in(p["refraction_k"], "parameters.refraction_k", 0.5, 10, "give the effective-earth-radius factor: 4/3 (1.333) for standard refraction, 1 for none");
    }

    if (const auto systems = root["systems"]) {
        // A mapping of system types, or a catalogue file relative to the scenario's folder.
        if (systems.IsScalar()) {
            const std::string file = r.string(systems, "systems");
            const fs::path resolved = from_scenario_folder(folder, file);
            try {
                s.parameters.systems = read_systems_file(resolved.string());
            } catch (const UsageError& e) {
                r.fail(systems, "systems", e.what());
            }
            s.systems_file = resolved.string();
        } else {
            s.parameters.systems = systems_from_yaml(systems, path, "systems");
        }
    }

    if (const auto rules = root["rules"]) {
        r.require_map(rules, "rules");
        r.check_keys(rules, "rules", {"min_line_covered_pct", "max_line_gap_km", "min_line_depth"});
        auto& out = s.rules;
        if (rules["min_line_covered_pct"])
            out.min_line_covered_pct = r.number_in(rules["min_line_covered_pct"], "rules.min_line_covered_pct", 0, 100, "give a percentage, 0 to 100");
        if (rules["max_line_gap_km"])
            out.max_line_gap_km = r.number_in(rules["max_line_gap_km"], "rules.max_line_gap_km", 0, max_line_km, "give a length in km, 0 or more");
        if (const auto depth = rules["min_line_depth"]) {
            const double n = r.number(depth, "rules.min_line_depth");
            if (n != std::floor(n) || n < 1 || n > max_line_depth)
                r.fail(depth, "rules.min_line_depth", fmt::format("{} is not a whole number of deployments from 1 to {}; give e.g. 2 for every metre within reach of two",
                                                                  cut_short(depth.Scalar()), max_line_depth));
            out.min_line_depth = static_cast<int>(n);
        }
    }

    if (const auto o = root["optimize"]) s.optimize = read_optimize(r, o, folder);

    if (const auto a = root["analyses"]) {
        s.analyses = r.strings(a, "analyses");
        std::size_t i = 0;
        for (const auto& name : s.analyses) {
            const auto& known = scenario_analyses();
            if (std::find(known.begin(), known.end(), name) == known.end()) {
                const std::string guess = closest_match(name, known);
                r.fail(a[i], "analyses", fmt::format("unknown analysis \"{}\"{}; known: distance, zones, coverage, check, optimize", cut_short(name),
                                                     guess.empty() ? "" : " (did you mean \"" + guess + "\"?)"));
            }
            ++i;
        }
    } else {
        // Every analysis but optimize, which proposes a plan only when asked.
        s.analyses = {"distance", "zones", "coverage", "check"};
    }
    const bool optimizes = std::find(s.analyses.begin(), s.analyses.end(), "optimize") != s.analyses.end();
    if (optimizes && !s.optimize)
        r.fail(root["analyses"], "analyses", "names optimize but the scenario has no optimize: section; give at least optimize: {sites: N, grid_km: D, radius_km: R}");
    return s;
}

void check_altitudes(const std::vector<double>& altitudes_m, const std::function<void(const std::string&)>& fail) {
    for (std::size_t i = 0; i < altitudes_m.size(); ++i) {
        if (!std::isfinite(altitudes_m[i]) || altitudes_m[i] < 0 || altitudes_m[i] > max_target_altitude_m)
            fail(fmt::format("{:g} m is not a target altitude; give 0 to 100,000 m", altitudes_m[i]));
        if (i > 0 && altitudes_m[i] <= altitudes_m[i - 1])
            fail(fmt::format("{:g} m after {:g} m: give each altitude once, lowest first", altitudes_m[i], altitudes_m[i - 1]));
    }
}

std::vector<InputSource> scenario_inputs(const Scenario& scenario, const std::vector<std::string>& roles) {
    std::vector<InputSource> out = {{scenario.file.string(), "the scenario file"}};
    if (!scenario.systems_file.empty()) out.push_back({scenario.systems_file, "the scenario's systems"});
    if (!scenario.parameters.dem.empty()) out.push_back({scenario.parameters.dem, "the scenario's dem"});
    if (scenario.optimize && !scenario.optimize->candidates.empty())
        out.push_back({LayerRef::parse(scenario.optimize->candidates).source, "the scenario's optimize candidates"});
    for (const auto& [role, layer] : scenario.layers)
        if (roles.empty() || std::find(roles.begin(), roles.end(), role) != roles.end()) out.push_back({layer.ref.source, "the scenario's " + role});
    return out;
}

Layer load_scenario_layer(const ScenarioLayer& layer, const LoadOptions& options) {
    // A missing file says where scenario paths start from: the scenario's folder, not the current one.
    const std::string& source = layer.ref.source;
    std::error_code ec;
    if (!layer.scenario_file.empty() && !is_connection_string(source) && !fs::exists(source, ec))
        throw DataError(fmt::format("{}: layers.{}: {}: no such file or directory; paths in a scenario are relative to the scenario's folder ({})",
                                    layer.scenario_file, layer.role, redact_source(source), layer.paths_folder));
    Layer out = load_layer(layer.ref, options);
    if (!layer.name_field.empty()) {
        out.require_field(layer.name_field);
        out.name_field = layer.name_field;
    }
    return out;
}

}  // namespace dza
