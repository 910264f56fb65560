#include "dza/compare.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/results_json.hpp"

namespace dza {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr const char* try_this = "give the summary.json that dza run writes in its output folder (or that folder)";

// A member of an object, or null.
const json& at(const json& j, const char* key) {
    static const json null;
    if (!j.is_object()) return null;
    const auto it = j.find(key);
    return it == j.end() ? null : *it;
}

// A figure of one plan: what, of what, at which altitude, and its value (null when not a number).
struct Figure {
    std::string figure;
    json of;
    json altitude_m;
    std::string unit;
    json value;
    std::string key() const { return figure + '\x1f' + of.dump() + '\x1f' + altitude_m.dump(); }
};

// The coverage results: one per target altitude (altitude null without altitudes).
std::vector<std::pair<json, const json*>> coverages(const json& summary) {
    std::vector<std::pair<json, const json*>> out;
    const json& c = at(at(summary, "results"), "coverage");
    if (!c.is_object()) return out;
    const json& by = at(c, "by_altitude");
    if (by.is_array())
        for (const json& one : by) out.emplace_back(at(one, "altitude_m"), &one);
    else
        out.emplace_back(json(nullptr), &c);
    return out;
}

json number_or_null(const json& v) { return v.is_number() ? v : json(nullptr); }

std::vector<Figure> figures(const json& summary) {
    std::vector<Figure> out;
    const json& results = at(summary, "results");
    const json& zones = at(results, "zones");
    if (zones.is_object()) out.push_back({"eligible_area_km2", "the whole", nullptr, "km²", number_or_null(at(zones, "total_area_km2"))});
    for (const auto& [altitude, c] : coverages(summary)) {
        out.push_back({"coverage_pct", "the whole", altitude, "%", number_or_null(at(at(*c, "total"), "covered_pct"))});
        const json& line = at(*c, "line");
        if (line.is_object()) {
            out.push_back({"line_coverage_pct", "the line", altitude, "%", number_or_null(at(line, "covered_pct"))});
            double longest = 0;
            for (const json& g : at(line, "gaps"))
                if (at(g, "length_km").is_number()) longest = std::max(longest, at(g, "length_km").get<double>());
            out.push_back({"longest_gap_km", "the line", altitude, "km", json_round(longest, json_decimals::km)});
        }
        for (const json& t : at(*c, "targets")) out.push_back({"target_coverage_pct", at(t, "name"), altitude, "%", number_or_null(at(t, "covered_pct"))});
        for (const json& r : at(*c, "regions")) out.push_back({"region_coverage_pct", at(r, "name"), altitude, "%", number_or_null(at(r, "covered_pct"))});
    }
    const json& check = at(results, "check");
    if (check.is_object()) out.push_back({"violations", "the plan", nullptr, "", number_or_null(at(check, "violation_count"))});
    const json& optimize = at(results, "optimize");
    if (optimize.is_object()) {
        out.push_back({"optimize_objective", "the proposal", nullptr, "", number_or_null(at(optimize, "objective"))});
        out.push_back({"optimize_sites", "the proposal", nullptr, "", at(optimize, "selected").is_array() ? json(at(optimize, "selected").size()) : json(nullptr)});
    }
    return out;
}

// The parameters as dotted keys: nested objects opened, arrays and values as they are.
void flatten(const json& j, const std::string& prefix, std::map<std::string, json>& out) {
    if (j.is_object() && !j.empty() && !prefix.empty()) {
        for (auto it = j.begin(); it != j.end(); ++it) flatten(it.value(), prefix + "." + it.key(), out);
    } else if (j.is_object() && prefix.empty()) {
        for (auto it = j.begin(); it != j.end(); ++it) flatten(it.value(), it.key(), out);
    } else {
        out[prefix] = j;
    }
}

// A plan's parameters, what is compared and what is shown (the same but for inputs).
struct Parameter {
    json compared;
    json shown;
};

std::map<std::string, Parameter> plan_parameters(const json& summary) {
    std::map<std::string, json> flat;
    flatten(at(summary, "parameters"), "", flat);
    if (!at(summary, "analyses_run").is_null()) flat["analyses_run"] = at(summary, "analyses_run");
    std::map<std::string, Parameter> out;
    for (auto& [k, v] : flat) out[k] = {v, v};
    // Each input by role, compared by its content's hash (the same file elsewhere is no change),
    // shown by its source and hash.
    for (const json& i : at(summary, "inputs")) {
        const json& role = at(i, "role");
        if (!role.is_string()) continue;
        const std::string source = at(i, "source").is_string() ? at(i, "source").get<std::string>() : "?";
        const json& sha = at(i, "content_sha256").is_string() ? at(i, "content_sha256") : at(i, "sha256");
        const std::string content = sha.is_string() ? sha.get<std::string>() : source;
        const std::string text = sha.is_string() ? fmt::format("{} (content {})", source, content.substr(0, 12)) : source;
        Parameter& p = out["inputs." + role.get<std::string>()];
        p.compared = (p.compared.is_string() ? p.compared.get<std::string>() + "; " : "") + content;
        p.shown = (p.shown.is_string() ? p.shown.get<std::string>() + "; " : "") + text;
    }
    return out;
}

double wrap180(double deg) {
    double d = std::fmod(deg + 180.0, 360.0);
    if (d < 0) d += 360.0;
    return d - 180.0;
}

// The deployment a distance result starts from: the point from which the geodesic with azimuth
// `azimuth_deg` reaches `nearest` after `distance_m`. Found by shooting back from `nearest` and
// correcting the departure azimuth there (secant method) until the azimuth at the far end matches.
std::optional<LonLat> deployment_position(const json& r) {
    const json& lon = at(r, "nearest_lon");
    const json& lat = at(r, "nearest_lat");
    const json& d = at(r, "distance_km");
    if (!lon.is_number() || !lat.is_number() || !d.is_number()) return std::nullopt;
    const LonLat nearest{lon.get<double>(), lat.get<double>()};
    const double distance_m = d.get<double>() * 1000;
    const json& az = at(r, "azimuth_deg");
    if (distance_m < 1e-3) return nearest;
    if (!az.is_number()) return std::nullopt;
    const double azimuth = az.get<double>();
    const auto error = [&](double back) { return wrap180(geodesic_inverse(geodesic_direct(nearest, back, distance_m), nearest).azimuth1_deg - azimuth); };
    double b0 = azimuth + 180, e0 = error(b0);
    double b1 = b0 - e0, e1 = error(b1);
    for (int i = 0; i < 60 && std::abs(e1) > 1e-12; ++i) {
        const double slope = (e1 - e0) / wrap180(b1 - b0);
        const double next = b1 - (std::isfinite(slope) && std::abs(slope) > 1e-6 ? e1 / slope : e1);
        b0 = b1, e0 = e1;
        b1 = next, e1 = error(b1);
    }
    if (std::abs(e1) > 1e-7) return std::nullopt;
    return geodesic_direct(nearest, b1, distance_m);
}

struct Deployments {
    std::vector<std::string> names;  // in the plan's order, once each
    std::map<std::string, LonLat> positions;
    bool positions_known = false;
};

Deployments deployments(const json& summary) {
    Deployments out;
    std::set<std::string> seen;
    const json& results = at(summary, "results");
    const auto add = [&](const json& name) {
        if (name.is_string() && seen.insert(name.get<std::string>()).second) out.names.push_back(name.get<std::string>());
    };
    for (const json& d : at(at(results, "check"), "deployments")) add(at(d, "name"));
    const json& distance = at(at(results, "distance"), "results");
    out.positions_known = distance.is_array();
    for (const json& r : distance) {
        add(at(r, "name"));
        const json& name = at(r, "name");
        if (!name.is_string() || out.positions.count(name.get<std::string>())) continue;
        if (const auto p = deployment_position(r)) out.positions[name.get<std::string>()] = *p;
    }
    return out;
}

// A plan's failed checks: each violation keyed by deployment and rule, each failed plan rule by
// rule and altitude. Null `passed` when the plan was not checked.
struct Checked {
    json passed;
    std::vector<std::pair<std::string, json>> failures;  // key, {"deployment", "rule", "message"}
};

Checked checked(const json& summary) {
    Checked out;
    const json& results = at(summary, "results");
    const json& check = at(results, "check");
    const json& rules = at(results, "rules");
    if (check.is_object() || rules.is_array()) out.passed = true;
    if (check.is_object()) {
        if (at(check, "passed").is_boolean()) out.passed = at(check, "passed");
        for (const json& d : at(check, "deployments")) {
            std::map<std::string, int> count;
            for (const json& v : at(d, "violations")) {
                const std::string rule = at(v, "rule").is_string() ? at(v, "rule").get<std::string>() : "?";
                const std::string key = fmt::format("{}\x1f{}\x1f{}", at(d, "name").dump(), rule, count[rule]++);
                out.failures.emplace_back(key, json{{"deployment", at(d, "name")}, {"rule", rule}, {"message", at(v, "message")}});
            }
        }
    }
    for (const json& r : rules) {
        if (at(r, "passed") != json(false)) continue;
        out.passed = false;
        std::string rule = at(r, "rule").is_string() ? at(r, "rule").get<std::string>() : "?";
        if (at(r, "altitude_m").is_number()) rule += fmt::format(" at {:g} m", at(r, "altitude_m").get<double>());
        out.failures.emplace_back("rule\x1f" + rule, json{{"deployment", nullptr}, {"rule", rule}, {"message", at(r, "message")}});
    }
    return out;
}

json side(const json& summary, const std::string& file) {
    return {{"file", file}, {"scenario", at(at(summary, "scenario"), "name")}, {"dza_version", at(summary, "dza_version")}};
}

// The names in `from` that are not in `in`, in `from`'s order.
std::vector<std::string> missing(const std::vector<std::string>& from, const std::vector<std::string>& in) {
    const std::set<std::string> have(in.begin(), in.end());
    std::vector<std::string> out;
    for (const auto& n : from)
        if (!have.count(n)) out.push_back(n);
    return out;
}

std::vector<std::string> site_names(const json& summary) {
    std::vector<std::string> out;
    for (const json& s : at(at(at(summary, "results"), "optimize"), "selected"))
        if (at(s, "name").is_string()) out.push_back(at(s, "name").get<std::string>());
    return out;
}

int decimals(const std::string& unit) { return unit == "%" ? json_decimals::pct : unit == "km²" ? json_decimals::km2 : json_decimals::km; }

}  // namespace

json read_summary(const fs::path& given) {
    std::error_code ec;
    const fs::path path = fs::is_directory(given, ec) ? given / "summary.json" : given;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DataError(fmt::format("{}: cannot read it ({}); {}", path.string(), std::error_code(errno, std::generic_category()).message(), try_this));
    std::ostringstream text;
    text << in.rdbuf();
    json j;
    try {
        j = json::parse(text.str());
    } catch (const nlohmann::json::parse_error& e) {
        std::string why = e.what();
        if (const auto at_bracket = why.find("] "); at_bracket != std::string::npos) why = why.substr(at_bracket + 2);
        throw DataError(fmt::format("{}: not JSON ({}); {}", path.string(), why, try_this));
    }
    if (!j.is_object() || !at(j, "dza_version").is_string() || !at(j, "parameters").is_object() || !at(j, "results").is_object()) {
        const std::string what = at(j, "schema").is_string() ? fmt::format("a {} document", at(j, "schema").get<std::string>())
                                                             : "not a summary.json (it has no \"dza_version\", \"parameters\" and \"results\")";
        throw DataError(fmt::format("{}: {}; {}", path.string(), what, try_this));
    }
    return j;
}

json compare_summaries(const json& a, const json& b, const std::string& a_file, const std::string& b_file) {
    json out;
    out["schema"] = "dza.compare/1";
    out["a"] = side(a, a_file);
    out["b"] = side(b, b_file);
    bool changed = false;

    // Parameters that differ, in key order.
    const auto pa = plan_parameters(a), pb = plan_parameters(b);
    std::set<std::string> keys;
    for (const auto& [k, v] : pa) keys.insert(k);
    for (const auto& [k, v] : pb) keys.insert(k);
    json parameters = json::array();
    for (const auto& k : keys) {
        const Parameter none{nullptr, nullptr};
        const Parameter& va = pa.count(k) ? pa.at(k) : none;
        const Parameter& vb = pb.count(k) ? pb.at(k) : none;
        if (va.compared != vb.compared) parameters.push_back({{"key", k}, {"a", va.shown}, {"b", vb.shown}});
    }
    changed = changed || !parameters.empty();

    // Every figure of either plan, A's order first.
    std::vector<std::string> order;
    std::map<std::string, std::pair<Figure, json>> figs;  // key: (figure with A's value, B's value)
    for (Figure& f : figures(a)) {
        const std::string k = f.key();
        if (figs.count(k)) continue;
        order.push_back(k);
        figs.emplace(k, std::make_pair(std::move(f), json(nullptr)));
    }
    for (Figure& f : figures(b)) {
        const std::string k = f.key();
        auto it = figs.find(k);
        if (it == figs.end()) {
            order.push_back(k);
            json value = f.value;
            f.value = nullptr;
            figs.emplace(k, std::make_pair(std::move(f), std::move(value)));
        } else if (it->second.second.is_null()) {
            it->second.second = f.value;
        }
    }
    json figure_rows = json::array();
    for (const auto& k : order) {
        const auto& [f, vb] = figs.at(k);
        const json& va = f.value;
        json difference = nullptr;
        if (va.is_number_integer() && vb.is_number_integer()) difference = vb.get<long long>() - va.get<long long>();
        else if (va.is_number() && vb.is_number()) difference = json_round(vb.get<double>() - va.get<double>(), decimals(f.unit));
        if (va != vb) changed = true;
        figure_rows.push_back({{"figure", f.figure}, {"of", f.of}, {"altitude_m", f.altitude_m}, {"unit", f.unit}, {"a", va}, {"b", vb}, {"difference", difference}});
    }
    out["parameters"] = parameters;
    out["figures"] = figure_rows;

    // Deployments by name; moved ones where both plans place them.
    const Deployments da = deployments(a), db = deployments(b);
    json moved = json::array();
    for (const auto& n : da.names) {
        const auto ia = da.positions.find(n), ib = db.positions.find(n);
        if (ia == da.positions.end() || ib == db.positions.end()) continue;
        const double m = geodesic_inverse(ia->second, ib->second).distance_m;
        if (m > 1.0) moved.push_back({{"name", n}, {"moved_km", json_round(m / 1000, json_decimals::km)}});
    }
    const auto added = missing(db.names, da.names), removed = missing(da.names, db.names);
    changed = changed || !added.empty() || !removed.empty() || !moved.empty();
    out["deployments"] = {{"added", added}, {"removed", removed}, {"moved", moved}, {"positions_known", da.positions_known && db.positions_known}};

    // The plan check: violations and failed rules gained (in B only) and lost (in A only).
    const Checked ca = checked(a), cb = checked(b);
    json gained = json::array(), lost = json::array();
    std::set<std::string> ka, kb;
    for (const auto& [k, v] : ca.failures) ka.insert(k);
    for (const auto& [k, v] : cb.failures) kb.insert(k);
    for (const auto& [k, v] : cb.failures)
        if (!ka.count(k)) gained.push_back(v);
    for (const auto& [k, v] : ca.failures)
        if (!kb.count(k)) lost.push_back(v);
    changed = changed || !gained.empty() || !lost.empty() || ca.passed != cb.passed;
    out["check"] = {{"a_passed", ca.passed}, {"b_passed", cb.passed}, {"gained", gained}, {"lost", lost}};

    // The optimize proposals' sites.
    const bool optimized = at(at(a, "results"), "optimize").is_object() || at(at(b, "results"), "optimize").is_object();
    if (optimized) {
        const auto sa = site_names(a), sb = site_names(b);
        const auto sites_added = missing(sb, sa), sites_removed = missing(sa, sb);
        changed = changed || !sites_added.empty() || !sites_removed.empty();
        out["optimize"] = {{"added", sites_added}, {"removed", sites_removed}};
    } else {
        out["optimize"] = nullptr;
    }
    // "changed" right after "b".
    json ordered;
    for (auto it = out.begin(); it != out.end(); ++it) {
        ordered[it.key()] = it.value();
        if (it.key() == "b") ordered["changed"] = changed;
    }
    return ordered;
}

}  // namespace dza
