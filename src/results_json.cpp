// The JSON form of each result; see include/dza/results_json.hpp for the keys and the rounding.
#include "dza/results_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <iterator>
#include <set>
#include <cstdlib>
#include <stdexcept>

#include "dza/text.hpp"

namespace dza {

using json = nlohmann::ordered_json;

namespace {

json km(double v) { return json_round(v, json_decimals::km); }
json km2(double v) { return json_round(v, json_decimals::km2); }
json pct(double v) { return json_round(v, json_decimals::pct); }
json deg(double v) { return json_round(v, json_decimals::deg); }
json metres(double v) { return json_round(v, json_decimals::m); }

json area_json(const AreaCoverage& a, bool named, const std::string& layer = {}) {
    json j;
    if (!layer.empty()) j["layer"] = layer;
    if (named) j["name"] = a.name;
    j["area_km2"] = km2(a.area_km2);
    j["covered_km2"] = km2(a.covered_km2);
    j["covered_pct"] = pct(a.covered_pct);
    j["redundant_km2"] = km2(a.redundant_km2);
    j["deployments"] = a.deployments;
    return j;
}

json info_json(const LayerInfo& info) {
    json j;
    j["source"] = info.source;
    j["name"] = info.name;
    j["driver"] = info.driver;
    // A source without a CRS has "crs": null and names the CRS dza assumed for it.
    j["crs"] = info.crs_assumed ? json(nullptr) : json(info.crs);
    j["crs_name"] = info.crs_name;
    if (info.crs_assumed) j["crs_assumed"] = info.crs;
    j["geometry_type"] = info.geometry_type;
    j["feature_count"] = info.feature_count;
    if (info.extent.empty) j["extent"] = nullptr;
    else j["extent"] = {deg(info.extent.min_lon), deg(info.extent.min_lat), deg(info.extent.max_lon), deg(info.extent.max_lat)};
    auto fields = json::array();
    for (const auto& f : info.fields) fields.push_back({{"name", f.name}, {"type", field_type_name(f.type)}});
    j["fields"] = fields;
    j["invalid_geometries"] = info.invalid_count;
    j["empty_geometries"] = info.empty_count;
    if (info.length_km) j["length_km"] = km(*info.length_km);
    if (info.area_km2) j["area_km2"] = km2(*info.area_km2);
    return j;
}

}  // namespace

namespace {
// `value` (finite) rounded to `decimals` decimals: the double nearest the decimal text.
double json_round_value(double value, int decimals) {
    char buffer[400];  // the longest fixed text of a double (1.8e308 with 15 decimals) fits
    const auto result = fmt::format_to_n(buffer, sizeof buffer, "{:.{}f}", value, decimals);
    // from_chars rounds to nearest as strtod does, without its locale and copying.
    double rounded = 0;
    std::from_chars(buffer, result.out, rounded);
    return rounded == 0 ? 0.0 : rounded;  // no "-0.0"
}
}  // namespace

json json_round(double value, int decimals) {
    if (!std::isfinite(value)) return nullptr;
    return json_round_value(value, decimals);
}

std::optional<int> figure_decimals(const std::string& field) {
    static const std::pair<const char*, int> units[] = {{"_km2", json_decimals::km2}, {"_km", json_decimals::km},   {"_pct", json_decimals::pct},
                                                        {"_deg", json_decimals::deg}, {"_lon", json_decimals::deg},  {"_lat", json_decimals::deg},
                                                        {"_h", json_decimals::hours}, {"_m", json_decimals::m}};
    for (const auto& [suffix, d] : units) {
        const std::size_t n = std::strlen(suffix);
        if (field.size() > n && field.compare(field.size() - n, std::string::npos, suffix) == 0) return d;
    }
    return std::nullopt;
}

namespace {

// The keys before "results", with "results": [] last.
json distance_head_json(const Layer& from, const Layer& to) {
    json j;
    j["schema"] = "dza.distance/1";
    j["from"] = from.where_text();
    j["to"] = to.where_text();
    j["method"] = distance_method;
    j["max_error_m"] = metres(distance_max_error_m);
    j["results"] = json::array();
    return j;
}

// One element of "results": the only definition, used by to_json and stream_json alike.
json distance_row_json(const DistanceResult& r, const Layer& from, const Layer& to) {
    const Feature& source = from.features[r.source];
    json properties = json::object();
    for (std::size_t i = 0; i < from.fields.size(); ++i) properties[from.fields[i].name] = i < source.values.size() ? json(source.values[i]) : json(nullptr);
    return {{"name", from.label(source)},
            {"target", to.label(to.features[r.target])},
            {"distance_km", km(r.nearest.distance_m / 1000.0)},
            {"azimuth_deg", deg(r.nearest.azimuth_deg)},
            {"nearest_lon", deg(r.nearest.to.lon)},
            {"nearest_lat", deg(r.nearest.to.lat)},
            {"time_h", r.time_h ? json_round(*r.time_h, json_decimals::hours) : json(nullptr)},
            {"properties", std::move(properties)}};
}

}  // namespace

json to_json(const std::vector<DistanceResult>& results, const Layer& from, const Layer& to) {
    json j = distance_head_json(from, to);
    auto& rows = j["results"];
    for (const auto& r : results) rows.push_back(distance_row_json(r, from, to));
    return j;
}

namespace {

// Pieces of JSON text written directly, byte for byte as nlohmann's dump writes them.
void put_json_string(std::string& out, std::string_view text) {
    // Plain text (no quote, backslash, control character or non-ASCII byte) is written as it is;
    // anything else goes through nlohmann's own escaping and its U+FFFD rule for invalid UTF-8.
    const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
    });
    if (!plain) {
        out += json_text(json(std::string(text)));
        return;
    }
    out += '"';
    out.append(text);
    out += '"';
}

void put_json_double(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    std::array<char, 64> buffer{};
    const char* end = nlohmann::detail::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out.append(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
}

// A rounded figure as json_round gives it.
void put_json_round(std::string& out, double value, int decimals) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    put_json_double(out, json_round_value(value, decimals));
}

// A value of an input feature's attribute; false for a value that is not a number, string,
// boolean or null (an array or object, which only a layer built in code holds).
bool put_json_value(std::string& out, const nlohmann::json& v) {
    switch (v.type()) {
        case nlohmann::json::value_t::null: out += "null"; return true;
        case nlohmann::json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; return true;
        case nlohmann::json::value_t::number_integer: fmt::format_to(std::back_inserter(out), "{}", v.get<std::int64_t>()); return true;
        case nlohmann::json::value_t::number_unsigned: fmt::format_to(std::back_inserter(out), "{}", v.get<std::uint64_t>()); return true;
        case nlohmann::json::value_t::number_float: put_json_double(out, v.get<double>()); return true;
        case nlohmann::json::value_t::string: put_json_string(out, v.get_ref<const std::string&>()); return true;
        default: return false;
    }
}

// One element of "results" as json_text(distance_row_json(r, from, to), 2) shifted by the 4
// spaces of its depth; false (and `out` as it was) when a value needs the general path.
// `from_label` and `to_label` are the layers' label fields.
bool put_distance_row(std::string& out, const DistanceResult& r, const Layer& from, const Layer& to, std::optional<std::size_t> from_label,
                      std::optional<std::size_t> to_label) {
    const std::size_t start = out.size();
    const Feature& source = from.features[r.source];
    out += "    {\n      \"name\": ";
    put_json_string(out, from.label(source, from_label));
    out += ",\n      \"target\": ";
    put_json_string(out, to.label(to.features[r.target], to_label));
    out += ",\n      \"distance_km\": ";
    put_json_round(out, r.nearest.distance_m / 1000.0, json_decimals::km);
    out += ",\n      \"azimuth_deg\": ";
    put_json_round(out, r.nearest.azimuth_deg, json_decimals::deg);
    out += ",\n      \"nearest_lon\": ";
    put_json_round(out, r.nearest.to.lon, json_decimals::deg);
    out += ",\n      \"nearest_lat\": ";
    put_json_round(out, r.nearest.to.lat, json_decimals::deg);
    out += ",\n      \"time_h\": ";
    if (r.time_h) put_json_round(out, *r.time_h, json_decimals::hours);
    else out += "null";
    out += ",\n      \"properties\": ";
    if (from.fields.empty()) {
        out += "{}\n    }";
        return true;
    }
    out += "{\n";
    for (std::size_t i = 0; i < from.fields.size(); ++i) {
        out += "        ";
        put_json_string(out, from.fields[i].name);
        out += ": ";
        if (i >= source.values.size()) out += "null";
        else if (!put_json_value(out, source.values[i])) {
            out.resize(start);
            return false;
        }
        out += i + 1 < from.fields.size() ? ",\n" : "\n";
    }
    out += "      }\n    }";
    return true;
}

// Whether the fields' names are distinct: a repeated name is one key in the DOM, whose last
// value wins, which only the general path reproduces.
bool distinct_field_names(const Layer& layer) {
    std::set<std::string_view> seen;
    for (const auto& f : layer.fields)
        if (!seen.insert(f.name).second) return false;
    return true;
}

}  // namespace

void stream_json(const std::vector<DistanceResult>& results, const Layer& from, const Layer& to, const std::function<void(std::string_view)>& write) {
    // json_text(to_json(...), 2) is the head with "results": [] at its end, the rows each dumped
    // at indent 2 and shifted by the 4 spaces of their depth, and the closing lines. The rows are
    // written directly (put_distance_row); a row holding a value only the DOM writes as dump
    // would (an array attribute) is dumped and shifted (a dumped string never holds a raw line
    // break, so every '\n' in a row's text is between lines).
    std::string text = json_text(distance_head_json(from, to), 2);
    constexpr std::string_view empty_tail = "[]\n}";
    if (results.empty()) {
        write(text);
        return;
    }
    if (text.size() < empty_tail.size() || text.compare(text.size() - empty_tail.size(), empty_tail.size(), empty_tail) != 0)
        throw std::logic_error("stream_json: the head does not end with \"results\": []");
    text.resize(text.size() - empty_tail.size());
    text += "[\n";
    constexpr std::size_t flush_bytes = 1 << 20;
    constexpr std::string_view shift = "    ";
    const bool direct = distinct_field_names(from);
    const auto from_label = from.label_field();
    const auto to_label = to.label_field();
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (!direct || !put_distance_row(text, results[i], from, to, from_label, to_label)) {
            const std::string row = json_text(distance_row_json(results[i], from, to), 2);
            text += shift;
            for (std::size_t start = 0;;) {
                const std::size_t end = row.find('\n', start);
                if (end == std::string::npos) {
                    text.append(row, start);
                    break;
                }
                text.append(row, start, end + 1 - start);
                text += shift;
                start = end + 1;
            }
        }
        text += i + 1 < results.size() ? ",\n" : "\n";
        if (text.size() >= flush_bytes) {
            write(text);
            text.clear();
        }
    }
    text += "  ]\n}";
    write(text);
}

json eligibility_json(const EligibilityRule& e) {
    json j;
    j["standoff_km"] = km(e.standoff_m / 1000.0);
    j["allowed_regions"] = e.allowed_regions;
    j["west_of_lon"] = e.west_of_lon ? json(*e.west_of_lon) : json(nullptr);
    j["basing_areas"] = e.basing_areas != nullptr;
    return j;
}

json to_json(const ZonesResult& result, const EligibilityRule& eligibility, const std::string& controlled_side) {
    json j;
    j["schema"] = "dza.zones/1";
    j["total_area_km2"] = km2(result.total_area_km2);
    j["controlled_area_km2"] = km2(result.controlled_area_km2);
    j["standoff_km"] = km(eligibility.standoff_m / 1000.0);
    j["eligibility"] = eligibility_json(eligibility);
    j["controlled_side"] = controlled_side;
    j["method"] = result.method;
    j["max_error_m"] = metres(result.max_error_m);
    j["regions"] = json::array();
    for (const auto& r : result.regions)
        j["regions"].push_back({{"name", r.name}, {"area_km2", km2(r.area_km2)}, {"eligible_km2", km2(r.eligible_km2)}, {"eligible_pct", pct(r.eligible_pct)}});
    return j;
}

json to_json(const CoverageResult& result, const Layer& deployments, const Layer& regions, const Layer* line, const std::vector<const Layer*>& targets) {
    json j;
    j["schema"] = "dza.coverage/1";
    if (result.altitude_m) {
        j["altitude_m"] = metres(*result.altitude_m);
        j["refraction_k"] = result.refraction_k;
    }
    if (!result.terrain_dem.empty())
        j["terrain"] = {{"dem", result.terrain_dem}, {"altitude_ref", altitude_ref_text(result.altitude_ref)}, {"resolution_m", metres(result.terrain_resolution_m)}};
    json target_names = json::array();
    for (const Layer* l : targets) target_names.push_back(l->where_text());
    j["inputs"] = {{"deployments", deployments.where_text()},
                   {"regions", regions.where_text()},
                   {"line", line ? json(line->where_text()) : json(nullptr)},
                   {"targets", target_names}};
    j["reaches"] = result.reaches;
    j["regions"] = json::array();
    for (const auto& a : result.regions) j["regions"].push_back(area_json(a, true));
    j["total"] = area_json(result.total, false);
    // What losing each deployment leaves of the line's and the territory's coverage.
    json loss = json::array();
    for (const auto& d : result.loss) {
        json row;
        row["name"] = d.name;
        if (result.line) row["line_covered_km"] = km(d.line_covered_km);
        row["area_covered_km2"] = km2(d.area_covered_km2);
        loss.push_back(row);
    }
    if (result.line) {
        json l;
        l["length_km"] = km(result.line->length_km);
        l["covered_km"] = km(result.line->covered_km);
        l["covered_pct"] = pct(result.line->covered_pct);
        l["gaps"] = json::array();
        for (const auto& g : result.line->gaps)
            l["gaps"].push_back({{"line", g.name},
                                 {"from_km", km(g.from_km)},
                                 {"to_km", km(g.to_km)},
                                 {"length_km", km(g.length_km)},
                                 {"start_lon", deg(g.start.lon)},
                                 {"start_lat", deg(g.start.lat)},
                                 {"end_lon", deg(g.end.lon)},
                                 {"end_lat", deg(g.end.lat)}});
        json depth = json::object();
        for (std::size_t n = 0; n < result.line->depth_km.size(); ++n) depth[std::to_string(n + 1)] = km(result.line->depth_km[n]);
        l["depth_km"] = depth;
        l["loss"] = loss;
        j["line"] = l;
    } else {
        j["line"] = nullptr;
    }
    j["targets"] = json::array();
    for (const auto& a : result.targets) j["targets"].push_back(area_json(a, true, a.layer));
    j["gaps"] = {{"within", result.gaps_within}, {"area_km2", km2(result.gaps_km2)}};
    if (!result.line) j["loss"] = loss;  // without a line, the area figures alone
    j["method"] = coverage_method;
    j["max_error_m"] = metres(result.max_error_m);
    return j;
}

json to_json(const std::vector<const CoverageResult*>& results, const Layer& deployments, const Layer& regions, const Layer* line,
             const std::vector<const Layer*>& targets) {
    if (results.size() == 1 && !results[0]->altitude_m) return to_json(*results[0], deployments, regions, line, targets);
    json j;
    json by_altitude = json::array(), altitudes = json::array();
    for (const CoverageResult* each : results) {
        const CoverageResult& r = *each;
        json one = to_json(r, deployments, regions, line, targets);
        if (j.empty()) {
            j["schema"] = one["schema"];
            j["inputs"] = one["inputs"];
            j["refraction_k"] = r.refraction_k;
        }
        json a;
        a["altitude_m"] = r.altitude_m ? json(metres(*r.altitude_m)) : json(nullptr);
        altitudes.push_back(a["altitude_m"]);
        for (auto it = one.begin(); it != one.end(); ++it)
            if (it.key() != "schema" && it.key() != "inputs" && it.key() != "terrain") a[it.key()] = std::move(it.value());
        if (!r.terrain_dem.empty() && !j.contains("terrain")) j["terrain"] = one["terrain"];
        by_altitude.push_back(std::move(a));
    }
    j["altitudes_m"] = altitudes;
    json sensors = json::array();
    for (std::size_t i = 0; i < deployments.features.size() && !results.empty(); ++i) {
        const SensorReach& s = results[0]->sensors[i];
        if (std::isnan(s.max_range_m)) continue;
        sensors.push_back({{"name", deployments.label(deployments.features[i])},
                           {"max_range_km", km(s.max_range_m / 1000)},
                           {"min_range_km", km(s.min_range_m / 1000)},
                           {"sensor_height_m", metres(s.sensor_height_m)},
                           {"sector_deg", s.sector.full() ? json(nullptr) : json::array({s.sector.from_deg, s.sector.to_deg()})},
                           {"line_of_sight", s.line_of_sight}});
    }
    j["sensors"] = sensors;
    j["by_altitude"] = by_altitude;
    return j;
}

json to_json(const AltitudeProfile& profile, const Layer& line) {
    json j;
    j["refraction_k"] = profile.refraction_k;
    j["spacing_m"] = metres(profile.spacing_m);
    j["tolerance_m"] = metres(profile_tolerance_m);
    j["low_altitude_m"] = metres(low_altitude_m);
    const auto name = [&](std::size_t feature) { return feature < line.features.size() ? line.label(line.features[feature]) : std::string(); };
    if (const auto run = profile.longest_uncovered(low_altitude_m))
        j["longest_unseen_below_low_altitude"] = {{"line", name(run->feature)}, {"from_km", km(run->from_km)}, {"to_km", km(run->to_km)}, {"length_km", km(run->length_km)}};
    else
        j["longest_unseen_below_low_altitude"] = nullptr;
    j["stretches"] = json::array();
    for (const ProfileStretch& s : profile.stretches)
        j["stretches"].push_back({{"line", name(s.feature)},
                                  {"from_km", km(s.from_km)},
                                  {"to_km", km(s.to_km)},
                                  {"min_altitude_m", std::isfinite(s.min_altitude_m) ? metres(s.min_altitude_m) : json(nullptr)},
                                  {"seen_by", s.seen_by}});
    return j;
}

json rules_json(const std::vector<RuleResult>& rules) {
    json out = json::array();
    for (const auto& r : rules) {
        const int decimals = r.rule == "min_line_covered_pct" ? json_decimals::pct : json_decimals::km;
        json one = {{"rule", r.rule}};
        if (r.altitude_m) one["altitude_m"] = metres(*r.altitude_m);
        one["passed"] = r.passed;
        one["measured"] = json_round(r.measured, decimals);
        one["limit"] = json_round(r.limit, decimals);
        one["message"] = r.message;
        out.push_back(std::move(one));
    }
    return out;
}

json to_json(const CheckResult& result, const EligibilityRule& eligibility, const std::string& controlled_side, const std::vector<RuleResult>* rules) {
    json j;
    j["schema"] = "dza.check/1";
    j["passed"] = result.passed() && (!rules || rules_passed(*rules));
    j["violation_count"] = result.violation_count();
    j["standoff_km"] = km(eligibility.standoff_m / 1000.0);
    j["eligibility"] = eligibility_json(eligibility);
    j["controlled_side"] = controlled_side;
    j["method"] = check_method;
    j["max_error_m"] = metres(distance_max_error_m);
    j["deployments"] = json::array();
    for (const auto& d : result.deployments) {
        json v = json::array();
        for (const auto& x : d.violations) v.push_back({{"rule", x.rule}, {"message", x.message}});
        j["deployments"].push_back({{"name", d.name},
                                    {"region", d.region.empty() ? json(nullptr) : json(d.region)},
                                    {"at_sea", d.at_sea},
                                    {"distance_km", km(d.distance_km)},
                                    {"passed", d.passed()},
                                    {"violations", v}});
    }
    if (rules) j["rules"] = rules_json(*rules);
    return j;
}

json to_json(const std::vector<LayerInfo>& layers) {
    json j;
    j["schema"] = "dza.info/1";
    j["layers"] = json::array();
    for (const auto& info : layers) j["layers"].push_back(info_json(info));
    return j;
}

}  // namespace dza
