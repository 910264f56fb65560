#include "dza/inputs.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "dza/error.hpp"

namespace fs = std::filesystem;

namespace dza {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) { return std::find(list.begin(), list.end(), item) != list.end(); }

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : (i + 1 == items.size() ? " and " : ", ")) + items[i];
    return out;
}

// The folder of the running executable, "" when it cannot be told.
fs::path executable_folder() {
    std::array<char, 4096> buffer{};
    const ssize_t n = ::readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
    if (n <= 0) return {};
    return fs::path(std::string(buffer.data(), static_cast<std::size_t>(n))).parent_path();
}

// Each parameter the command uses: the explicit value, else the scenario's (named as supplied).
void merge_parameters(const InputRequest& request, const Scenario* scenario, AnalysisInputs& out) {
    const ScenarioParameters& given = request.parameters;
    ScenarioParameters& p = out.parameters;
    p = given;
    if (!scenario) return;
    const ScenarioParameters& s = scenario->parameters;
    const auto uses = [&](const char* name) { return contains(request.uses, name); };
    const auto take = [&](const char* name, bool is_given, bool scenario_has, auto assign) {
        if (is_given || !scenario_has || !uses(name)) return;
        assign();
        out.supplied.push_back(name);
    };
    take("standoff_km", given.standoff_m.has_value(), s.standoff_m.has_value(), [&] { p.standoff_m = s.standoff_m; });
    take("controlled_side", given.controlled_side.contains || !given.controlled_side.region.empty(),
         s.controlled_side.contains || !s.controlled_side.region.empty(), [&] { p.controlled_side = s.controlled_side; });
    // A reach given on the command line replaces the scenario's reach as a whole.
    const bool reach_given = given.radius_m || !given.radius_field.empty() || !given.radius_by_role_m.empty();
    take("radius_km", reach_given, s.radius_m.has_value(), [&] { p.radius_m = s.radius_m; });
    // The scenario's field names are fields of its deployments: explicit deployments keep their own.
    const bool own_deployments = request.layers.count("deployments") && !request.layers.at("deployments").empty();
    take("radius_field", reach_given || own_deployments, !s.radius_field.empty(), [&] { p.radius_field = s.radius_field; });
    take("radius_km_by_role", reach_given, !s.radius_by_role_m.empty(), [&] { p.radius_by_role_m = s.radius_by_role_m; });
    // A speed given on the command line (one for all, or a field) replaces the scenario's.
    const bool speed_given = given.speed_kmh || !given.speed_field.empty();
    take("speed_kmh", speed_given, s.speed_kmh.has_value(), [&] { p.speed_kmh = s.speed_kmh; });
    take("speed_field", speed_given || own_deployments, !s.speed_field.empty(), [&] { p.speed_field = s.speed_field; });
    take("allowed_regions", !given.allowed_regions.empty(), !s.allowed_regions.empty(), [&] { p.allowed_regions = s.allowed_regions; });
    take("west_of_lon", given.west_of_lon.has_value(), s.west_of_lon.has_value(), [&] { p.west_of_lon = s.west_of_lon; });
    // An explicit reach replaces the scenario's systems too (every deployment then reaches as told).
    take("systems", given.systems.has_value() || reach_given, s.systems.has_value(), [&] { p.systems = s.systems; });
    take("system_field", !given.system_field.empty() || own_deployments, !s.system_field.empty(), [&] { p.system_field = s.system_field; });
    take("altitudes_m", !given.altitudes_m.empty(), !s.altitudes_m.empty(), [&] { p.altitudes_m = s.altitudes_m; });
    take("refraction_k", given.refraction_k.has_value(), s.refraction_k.has_value(), [&] { p.refraction_k = s.refraction_k; });
    take("dem", !given.dem.empty(), !s.dem.empty(), [&] { p.dem = s.dem; });
    take("altitude_ref", given.altitude_ref.has_value(), s.altitude_ref.has_value(), [&] { p.altitude_ref = s.altitude_ref; });
}

}  // namespace

CoverageOptions coverage_options(const ScenarioParameters& p) {
    CoverageOptions o;
    o.radius_m = p.radius_m;
    o.radius_field = p.radius_field;
    o.radius_by_role_m = p.radius_by_role_m;
    if (p.systems) o.sensors.systems = &*p.systems;
    if (!p.system_field.empty()) o.sensors.system_field = p.system_field;
    o.horizon.refraction_k = p.refraction_k.value_or(4.0 / 3.0);
    return o;
}

fs::path default_scenario_path() {
    const fs::path local = "data/scenario.yaml";
    std::error_code ec;
    if (fs::exists(local, ec)) return local;
    const fs::path folder = executable_folder();
    const fs::path installed = folder.empty() ? fs::path() : (folder / ".." / "share" / "dza" / "scenario.yaml").lexically_normal();
    if (!installed.empty() && fs::exists(installed, ec)) return installed;
    throw UsageError(fmt::format("no default scenario: neither {} (in the current folder) nor {} exists; give --scenario FILE or the layers", local.string(),
                                 installed.empty() ? std::string("<prefix>/share/dza/scenario.yaml") : installed.string()));
}

const Layer* AnalysisInputs::layer(const std::string& role) const {
    const auto it = layers.find(role);
    return it == layers.end() ? nullptr : &it->second;
}

const Layer& AnalysisInputs::require(const std::string& role, const std::string& needed_by) const {
    if (const Layer* l = layer(role)) return *l;
    if (scenario && !refs.count(role)) scenario->layer(role, needed_by);  // the scenario's message when it lacks the role
    throw UsageError(fmt::format("{} needs a {} layer; give it, or --scenario FILE", needed_by, role));
}

const Territory& AnalysisInputs::territory(const Callbacks& callbacks) const {
    if (territory_) return *territory_;
    const Layer& regions = require("regions", "the territory");
    if (const Layer* line = layer("line")) territory_ = split_territory(regions, *line, parameters.controlled_side, callbacks);
    else if (const Layer* occupied = layer("occupied")) territory_ = territory_from_occupied(regions, *occupied, callbacks);
    else require("line", "the territory (a line, or an occupied area)");
    return *territory_;
}

EligibilityRule AnalysisInputs::eligibility() const {
    EligibilityRule rule;
    rule.standoff_m = parameters.standoff_m.value_or(0.0);
    rule.allowed_regions = parameters.allowed_regions;
    rule.west_of_lon = parameters.west_of_lon;
    rule.basing_areas = layer("basing_areas");
    return rule;
}

std::vector<InputSource> AnalysisInputs::sources() const {
    std::vector<InputSource> out;
    if (scenario) out.push_back({scenario->file.string(), "the scenario file"});
    if (parameters.systems && (!scenario || parameters.systems->source != scenario->file.string()))
        out.push_back({parameters.systems->source, scenario && scenario->systems_file == parameters.systems->source ? "the scenario's systems" : "--systems"});
    if (!parameters.dem.empty()) out.push_back({parameters.dem, scenario && scenario->parameters.dem == parameters.dem ? "the scenario's dem" : "--dem"});
    for (const auto& [role, ref] : refs) {
        const auto option = given_as.find(role);
        out.push_back({ref.ref.source, option != given_as.end() ? option->second : "the scenario's " + role});
    }
    return out;
}

std::string AnalysisInputs::note() const {
    if (!scenario || supplied.empty()) return "";
    return fmt::format("using {} for {}", scenario->file.string(), fmt::join(supplied, ", "));
}

AnalysisInputs resolve_inputs(const InputRequest& request, const LoadOptions& load) {
    AnalysisInputs out;
    const auto given = [&](const std::string& role) {
        const auto it = request.layers.find(role);
        return it != request.layers.end() && !it->second.empty();
    };
    const auto alternative = [&](const std::string& role) {
        const auto it = request.alternatives.find(role);
        return it == request.alternatives.end() ? std::string() : it->second;
    };
    // Given as itself or as its alternative.
    const auto given_either = [&](const std::string& role) { return given(role) || (!alternative(role).empty() && given(alternative(role))); };

    // Which scenario, if any.
    const Scenario* scenario = request.scenario;
    if (!scenario) {
        std::vector<std::string> missing, present;
        for (const InputRole& r : request.roles) {
            if (!r.required) continue;
            (given_either(r.role) ? present : missing).push_back(r.option.empty() ? r.role : r.option);
            if (!alternative(r.role).empty() && !given_either(r.role)) {
                for (const InputRole& a : request.roles)
                    if (a.role == alternative(r.role) && !a.option.empty()) missing.back() += " (or " + a.option + ")";
            }
        }
        if (!request.scenario_file.empty()) {
            out.scenario = load_scenario(request.scenario_file);
        } else if (present.empty()) {
            out.scenario = load_scenario(default_scenario_path().string());
        } else if (!missing.empty()) {
            throw UsageError(fmt::format("{} is given {} but not {}; give {} too, or --scenario FILE for the rest", request.command, joined(present), joined(missing),
                                         joined(missing)));
        }
        if (out.scenario) scenario = &*out.scenario;
    } else {
        out.scenario = *scenario;
    }

    // Where each layer comes from: explicit first, else the scenario's. An explicit line or
    // occupied area replaces both of the scenario's.
    for (const InputRole& r : request.roles) {
        if (given(r.role)) {
            ScenarioLayer l;
            l.ref = LayerRef::parse(request.layers.at(r.role));
            l.role = r.role;
            out.refs.emplace(r.role, std::move(l));
            out.given_as.emplace(r.role, r.option.empty() ? r.role : r.option);
            continue;
        }
        const std::string alt = alternative(r.role);
        const bool replaced = (!alt.empty() && given(alt)) || std::any_of(request.alternatives.begin(), request.alternatives.end(), [&](const auto& kv) {
                                  return kv.second == r.role && given(kv.first);
                              });
        if (scenario && !replaced && scenario->has_layer(r.role)) {
            out.refs.emplace(r.role, scenario->layer(r.role, request.command));
            out.supplied.push_back(r.role);
            continue;
        }
        if (!r.required || (!alt.empty() && (given(alt) || (scenario && scenario->has_layer(alt))))) continue;
        if (scenario) scenario->layer(r.role, fmt::format("{} without {}", request.command, r.option.empty() ? r.role : r.option));  // throws
        throw UsageError(fmt::format("{} needs {}; give it, or --scenario FILE", request.command, r.option.empty() ? r.role : r.option));
    }
    std::vector<ScenarioLayer> target_refs;
    if (request.uses_targets) {
        for (const auto& t : request.targets) {
            ScenarioLayer l;
            l.ref = LayerRef::parse(t);
            l.role = "targets";
            target_refs.push_back(std::move(l));
        }
        if (request.targets.empty() && scenario)
            for (const char* role : {"maritime_zone", "targets"})
                if (scenario->has_layer(role)) {
                    target_refs.push_back(scenario->layer(role, request.command));
                    if (std::find(out.supplied.begin(), out.supplied.end(), role) == out.supplied.end()) out.supplied.push_back(role);
                }
    }
    merge_parameters(request, scenario, out);
    if (!request.parameters.system_field.empty() && !out.parameters.systems)
        throw UsageError(fmt::format("--system-field \"{}\" names each deployment's system type, but there is no catalogue of systems to look them up in; "
                                     "give --systems FILE (or systems: in the scenario)",
                                     cut_short(request.parameters.system_field, 100)));
    if (!out.parameters.dem.empty() && out.parameters.altitudes_m.empty())
        throw UsageError(fmt::format("the DEM \"{}\" needs target altitudes: give --altitudes (or altitudes_m in the scenario), e.g. 50m,300m", cut_short(out.parameters.dem, 200)));

    // Nothing is read before every output is known not to be an input.
    if (!request.outputs.empty()) {
        std::vector<InputSource> inputs = out.sources();
        for (const auto& t : target_refs) inputs.push_back({t.ref.source, t.scenario_file.empty() ? "--target" : "the scenario's " + t.role});
        for (const auto& output : request.outputs)
            if (!output.empty()) check_not_an_input(output, inputs);
    }

    for (const InputRole& r : request.roles) {
        const auto it = out.refs.find(r.role);
        if (it == out.refs.end()) continue;
        out.layers.emplace(r.role, load_scenario_layer(it->second, load));
        if (r.role == "regions")
            if (const auto names = out.layers.at(r.role).label_field()) require_unique_names(out.layers.at(r.role), *names, "region");  // before any work
    }

    for (const auto& t : target_refs) out.targets.push_back(load_scenario_layer(t, load));

    // The reach: the one given, else the deployments' radius_km field.
    const ScenarioParameters& p = out.parameters;
    if (contains(request.uses, "radius_field") && !p.radius_m && p.radius_field.empty() && p.radius_by_role_m.empty())
        if (const Layer* d = out.layer("deployments"); d && d->field_index("radius_km")) out.parameters.radius_field = "radius_km";
    return out;
}

}  // namespace dza
