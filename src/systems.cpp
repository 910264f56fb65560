// System catalogues (YAML, JSON or a table GDAL reads) and each deployment's reach from them.
#include "dza/systems.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dza/buffer.hpp"
#include "dza/error.hpp"
#include "yaml_reader.hpp"

namespace fs = std::filesystem;

namespace dza {

namespace {

// The highest sensor dza takes: above it (100 km) a "sensor height" is an orbit, not a mast or an aircraft.
constexpr double max_sensor_height_m = 100000.0;

const std::vector<std::string> type_keys = {"role", "max_range_km", "min_range_km", "sensor_height_m", "sector_deg"};

void check_ranges(const SensorReach& r, const std::function<void(const std::string&)>& fail) {
    if (r.min_range_m > r.max_range_m)
        fail(fmt::format("minimum range {:g} km is beyond the maximum range {:g} km; give a minimum range below the maximum", r.min_range_m / 1000,
                         r.max_range_m / 1000));
}

SystemType type_from_yaml(const Reader& r, const std::string& name, const YAML::Node& spec, const std::string& key) {
    r.require_map(spec, key);
    r.check_keys(spec, key, type_keys);
    SystemType t;
    t.name = name;
    if (spec["role"]) t.role = r.string(spec["role"], key + ".role");
    if (!spec["max_range_km"]) r.fail(spec, key, "has no max_range_km; give the system's maximum range in km");
    t.reach.max_range_m = r.distance_km_m(spec["max_range_km"], key + ".max_range_km", buffer_max_distance_m);
    if (spec["min_range_km"]) t.reach.min_range_m = r.distance_km_m(spec["min_range_km"], key + ".min_range_km", buffer_max_distance_m);
    if (spec["sensor_height_m"])
        t.reach.sensor_height_m =
            r.number_in(spec["sensor_height_m"], key + ".sensor_height_m", 0, max_sensor_height_m, "give the sensor's height above the ground in m, 0 to 100,000");
    if (const auto sector = spec["sector_deg"]) {
        if (!sector.IsSequence() || sector.size() != 2) r.fail(sector, key + ".sector_deg", "must be [from, to] in degrees clockwise from north, e.g. [300, 60]");
        try {
            t.reach.sector = Sector::from_to(r.number(sector[0], key + ".sector_deg"), r.number(sector[1], key + ".sector_deg"));
        } catch (const UsageError& e) {
            r.fail(sector, key + ".sector_deg", e.what());
        }
    }
    check_ranges(t.reach, [&](const std::string& m) { r.fail(spec, key, m); });
    return t;
}

// A number from a table cell or attribute: a number, or text holding one; nullopt when empty.
std::optional<double> number_of(const nlohmann::json& v, const std::function<void(const std::string&)>& fail) {
    if (v.is_null()) return std::nullopt;
    double x = 0;
    if (v.is_number() && !v.is_boolean()) {
        x = v.get<double>();
    } else if (v.is_string()) {
        std::string text = v.get<std::string>();
        text.erase(0, text.find_first_not_of(" \t"));
        text.erase(text.find_last_not_of(" \t") + 1);
        if (text.empty()) return std::nullopt;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
        if (ec != std::errc() || ptr != text.data() + text.size()) fail(fmt::format("is \"{}\", not a number", cut_short(text)));
    } else {
        fail(fmt::format("is {}, not a number", cut_short(v.dump())));
    }
    if (!std::isfinite(x)) fail("is not a finite number");
    return x;
}

// [from, to] from "300,60", "[300, 60]" or a list of two numbers.
Sector sector_of(const nlohmann::json& v, const std::function<void(const std::string&)>& fail) {
    std::vector<double> bounds;
    if (v.is_array()) {
        for (const auto& x : v)
            if (const auto n = number_of(x, fail)) bounds.push_back(*n);
    } else if (v.is_string()) {
        std::string text = v.get<std::string>();
        // A list attribute as GDAL writes it as text: "(2:300,60)".
        if (const auto colon = text.find(':'); text.rfind('(', 0) == 0 && colon != std::string::npos && text.back() == ')')
            text = text.substr(colon + 1, text.size() - colon - 2);
        for (char& c : text)
            if (c == '[' || c == ']' || c == ';') c = ' ';
        std::stringstream in(text);
        std::string item;
        while (std::getline(in, item, ','))
            if (const auto n = number_of(item, fail)) bounds.push_back(*n);
    } else {
        fail(fmt::format("is {}, not a sector \"FROM,TO\"", cut_short(v.dump())));
    }
    if (bounds.size() != 2) fail(fmt::format("is {}, not a sector \"FROM,TO\" in degrees clockwise from north, e.g. \"300,60\"", cut_short(v.dump())));
    try {
        return Sector::from_to(bounds[0], bounds[1]);
    } catch (const UsageError& e) {
        fail(e.what());
    }
    return {};
}

SystemCatalogue read_table(const std::string& path) {
    LayerRef ref;
    ref.source = path;
    LoadOptions load;
    load.allow_empty_layer = false;
    Layer table;
    try {
        table = load_layer(ref, load);
    } catch (const DataError& e) {
        throw UsageError(fmt::format("systems \"{}\": {}", path, e.what()));
    }
    SystemCatalogue out;
    out.source = path;
    // Unknown columns first: a misspelt required column is named as such.
    for (const auto& f : table.fields) {
        static const std::vector<std::string> known = {"name", "role", "max_range_km", "min_range_km", "sensor_height_m", "sector_from_deg", "sector_to_deg"};
        if (std::find(known.begin(), known.end(), f.name) == known.end()) {
            const std::string guess = closest_match(f.name, known);
            throw UsageError(fmt::format("systems \"{}\": unknown column \"{}\"{}; known: name, role, max_range_km, min_range_km, sensor_height_m, sector_from_deg, sector_to_deg",
                                         path, cut_short(f.name), guess.empty() ? "" : " (did you mean \"" + guess + "\"?)"));
        }
    }
    const auto name_field = table.field_index("name");
    if (!name_field) throw UsageError(fmt::format("systems \"{}\": has no column \"name\"; give columns name, role, max_range_km, min_range_km, sensor_height_m, sector_from_deg, sector_to_deg", path));
    const auto max_field = table.field_index("max_range_km");
    if (!max_field) throw UsageError(fmt::format("systems \"{}\": has no column \"max_range_km\"; give each system's maximum range in km", path));
    for (std::size_t row = 0; row < table.features.size(); ++row) {
        const Feature& f = table.features[row];
        const auto cell = [&](const char* column) -> const nlohmann::json& {
            static const nlohmann::json null;
            const auto i = table.field_index(column);
            return i ? f.values[*i] : null;
        };
        const auto fail_at = [&](const char* column) {
            return [&, column](const std::string& m) { throw UsageError(fmt::format("systems \"{}\": row {}: {} {}", path, row + 1, column, m)); };
        };
        SystemType t;
        const nlohmann::json& name = cell("name");
        t.name = name.is_string() ? name.get<std::string>() : name.is_null() ? "" : name.dump();
        if (t.name.empty()) fail_at("name")("is empty; give each system a name");
        if (out.find(t.name)) fail_at("name")(fmt::format("\"{}\" is given twice; keep one", cut_short(t.name)));
        if (cell("role").is_string()) t.role = cell("role").get<std::string>();
        const auto km = [&](const char* column, double& m, bool required) {
            const auto v = number_of(cell(column), fail_at(column));
            if (!v && required) fail_at(column)("is empty; give the system's maximum range in km");
            if (!v) return;
            if (*v < 0 || *v * 1000 > buffer_max_distance_m) fail_at(column)(fmt::format("is {:g}; give 0 to {:g} km", *v, buffer_max_distance_m / 1000));
            m = *v * 1000;
        };
        km("max_range_km", t.reach.max_range_m, true);
        km("min_range_km", t.reach.min_range_m, false);
        if (const auto h = number_of(cell("sensor_height_m"), fail_at("sensor_height_m"))) {
            if (*h < 0 || *h > max_sensor_height_m) fail_at("sensor_height_m")(fmt::format("is {:g}; give the sensor's height above the ground in m, 0 to 100,000", *h));
            t.reach.sensor_height_m = *h;
        }
        const auto from = number_of(cell("sector_from_deg"), fail_at("sector_from_deg"));
        const auto to = number_of(cell("sector_to_deg"), fail_at("sector_to_deg"));
        if (from.has_value() != to.has_value()) fail_at(from ? "sector_to_deg" : "sector_from_deg")("is empty; give both sector_from_deg and sector_to_deg, or neither");
        if (from) {
            try {
                t.reach.sector = Sector::from_to(*from, *to);
            } catch (const UsageError& e) {
                fail_at("sector_from_deg")(e.what());
            }
        }
        check_ranges(t.reach, fail_at("min_range_km"));
        out.types.push_back(std::move(t));
    }
    return out;
}

}  // namespace

const SystemType* SystemCatalogue::find(const std::string& name) const {
    for (const SystemType& t : types)
        if (t.name == name) return &t;
    return nullptr;
}

std::string SystemCatalogue::names() const {
    std::string out;
    for (const SystemType& t : types) out += (out.empty() ? "\"" : ", \"") + t.name + "\"";
    return out;
}

SystemCatalogue systems_from_yaml(const YAML::Node& node, const std::string& file, const std::string& key) {
    const Reader r(file);
    r.require_map(node, key);
    SystemCatalogue out;
    out.source = file;
    for (const auto& kv : node) {
        const std::string name = r.key_of(kv.first, key);
        if (name.empty()) r.fail(kv.first, key, "a system's name is empty; give each system a name");
        out.types.push_back(type_from_yaml(r, name, kv.second, Reader::path(key, name)));
    }
    if (out.types.empty()) r.fail(node, key, "names no system; give at least one, e.g. {radar: {max_range_km: 200}}");
    return out;
}

SystemCatalogue read_systems_file(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw UsageError(fmt::format("systems \"{}\": {}; give a YAML, JSON or CSV file of system types", cut_short(path, 200),
                                     fs::exists(path, ec) ? "is not a regular file" : "no such file"));
    std::string ext = fs::path(path).extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext != ".yaml" && ext != ".yml" && ext != ".json") return read_table(path);
    if (fs::file_size(path, ec) > (1u << 20)) throw UsageError(fmt::format("systems \"{}\": is more than 1 MiB; a catalogue names system types", cut_short(path, 200)));
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::ParserException& e) {
        throw UsageError(fmt::format("{}:{}: not valid YAML or JSON: {}", path, e.mark.line + 1, cut_short(e.msg, 200)));
    } catch (const YAML::Exception& e) {
        throw UsageError(fmt::format("{}: cannot be read: {}", path, cut_short(e.what(), 200)));
    }
    // Under a top-level `systems:` key (a mapping of types, not itself a type with a max_range_km): nothing else beside it.
    if (root.IsMap() && root["systems"] && (root.size() == 1 || (root["systems"].IsMap() && !root["systems"]["max_range_km"]))) {
        Reader(path).check_keys(root, "", {"systems"});
        return systems_from_yaml(root["systems"], path, "systems");
    }
    return systems_from_yaml(root, path, "(top level)");
}

SensorReach deployment_sensor(const Layer& deployments, const Feature& feature, const SensorRules& rules, const std::function<double()>& rule_range_m) {
    const auto fail = [&](const std::string& field) {
        return [&deployments, &feature, field](const std::string& m) {
            throw DataError(fmt::format("{}: {}: field {} {}", deployments.where_text(), deployments.describe(feature), field, m));
        };
    };
    SensorReach reach;
    bool have_max = false;
    if (rules.systems && !rules.systems->empty()) {
        if (const auto field = deployments.field_index(rules.system_field)) {
            const nlohmann::json& v = feature.values[*field];
            if (!v.is_null() && !(v.is_string() && v.get<std::string>().empty())) {
                const std::string name = v.is_string() ? v.get<std::string>() : v.dump();
                const SystemType* type = rules.systems->find(name);
                if (!type) {
                    std::vector<std::string> names;
                    for (const auto& t : rules.systems->types) names.push_back(t.name);
                    const std::string guess = closest_match(name, names);
                    fail(rules.system_field)(fmt::format("is \"{}\", which is not in the systems of {}{}; known: {}", cut_short(name), rules.systems->source,
                                                         guess.empty() ? "" : " (did you mean \"" + guess + "\"?)", cut_short(rules.systems->names(), 300)));
                }
                reach = type->reach;
                have_max = true;
            }
        }
    }
    const auto attribute = [&](const char* name) -> const nlohmann::json* {
        const auto i = deployments.field_index(name);
        if (!i || feature.values[*i].is_null()) return nullptr;
        if (feature.values[*i].is_string() && feature.values[*i].get<std::string>().find_first_not_of(" \t") == std::string::npos) return nullptr;
        return &feature.values[*i];
    };
    const auto km = [&](const char* name, double& m) {
        const nlohmann::json* v = attribute(name);
        if (!v) return false;
        const double x = *number_of(*v, fail(name));
        if (x < 0 || x * 1000 > buffer_max_distance_m) fail(name)(fmt::format("is {:g}; give 0 to {:g} km", x, buffer_max_distance_m / 1000));
        m = x * 1000;
        return true;
    };
    if (km("max_range_km", reach.max_range_m)) have_max = true;
    km("min_range_km", reach.min_range_m);
    if (const nlohmann::json* v = attribute("sensor_height_m")) {
        const double h = *number_of(*v, fail("sensor_height_m"));
        if (h < 0 || h > max_sensor_height_m) fail("sensor_height_m")(fmt::format("is {:g}; give the sensor's height above the ground in m, 0 to 100,000", h));
        reach.sensor_height_m = h;
    }
    if (const nlohmann::json* v = attribute("sector_deg")) reach.sector = sector_of(*v, fail("sector_deg"));
    // A reach of the reach rules with no sensor attribute of its own is a response radius, not a sensor's.
    bool sensor_attribute = have_max;
    for (const char* name : sensor_override_fields) sensor_attribute = sensor_attribute || attribute(name);
    reach.line_of_sight = sensor_attribute;
    if (!have_max) reach.max_range_m = rule_range_m();
    check_ranges(reach, fail("min_range_km"));
    return reach;
}

}  // namespace dza
