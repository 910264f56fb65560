#pragma once
// A scenario file (YAML, or JSON) ties the layers of a plan to the parameters of its analyses.
// Paths are relative to the file. Unknown or repeated keys, wrong types, NaN/Inf and values out
// of range are usage errors `FILE:LINE: KEY: what is wrong, what to try`. A scenario must be a
// regular file of at most 1 MiB.
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dza/geometry.hpp"
#include "dza/layer.hpp"
#include "dza/systems.hpp"
#include "dza/terrain.hpp"
#include "dza/writer.hpp"

namespace dza {

struct ScenarioLayer {
    LayerRef ref;            // source resolved against the scenario's folder
    std::string name_field;  // attribute that names features; "" for the default choice
    std::string scenario_file;  // the scenario that names it and its role there, for messages
    std::string role;
};

struct ControlledSide {
    std::optional<LonLat> contains;  // a point the controlled side contains
    std::string region;              // or a region it contains
};

struct ScenarioParameters {
    std::optional<double> standoff_m;
    ControlledSide controlled_side;
    std::string radius_field;                       // deployments' reach, km
    std::map<std::string, double> radius_by_role_m;  // reach per role, overriding the field
    std::optional<double> radius_m;                 // one reach for all
    std::string speed_field;                        // km/h
    std::optional<double> speed_kmh;
    std::vector<std::string> allowed_regions;
    std::optional<double> west_of_lon;
    // Sensors (systems.hpp, sensor.hpp): the system types, the field naming each deployment's
    // type, the target altitudes to measure coverage at, and the refraction factor.
    std::optional<SystemCatalogue> systems;
    std::string system_field;
    std::vector<double> altitudes_m;
    std::optional<double> refraction_k;
    std::string dem;                          // a DEM for the sensors' line of sight (terrain.hpp)
    std::optional<AltitudeRef> altitude_ref;  // what the target altitudes are above: the ground or the sea
};

// What the plan must achieve along the line (`rules:`), checked by dza check and dza run
// against the coverage (dza::check_rules).
struct PlanRules {
    std::optional<double> min_line_covered_pct;  // 0 to 100
    std::optional<double> max_line_gap_km;       // the longest uncovered stretch, 0 or more
    std::optional<int> min_line_depth;           // every metre within reach of at least this many, 1 or more
    bool empty() const { return !min_line_covered_pct && !max_line_gap_km && !min_line_depth; }
};

struct Scenario {
    std::filesystem::path file;
    std::string name;
    std::map<std::string, ScenarioLayer> layers;  // by role: regions, line, deployments, ...
    ScenarioParameters parameters;
    PlanRules rules;
    std::vector<std::string> analyses;
    std::string systems_file;  // the catalogue file `systems:` names, if it names one

    // The layer with this role, or a UsageError naming the file and what needs it.
    const ScenarioLayer& layer(const std::string& role, const std::string& needed_by) const;
    bool has_layer(const std::string& role) const { return layers.count(role) > 0; }
};

// Target altitudes: at most this high (100 km), distinct and in increasing order (a UsageError
// through `fail` otherwise).
inline constexpr double max_target_altitude_m = 100000.0;
void check_altitudes(const std::vector<double>& altitudes_m, const std::function<void(const std::string&)>& fail);

// The layer roles and analyses a scenario may name.
const std::vector<std::string>& scenario_layer_roles();
const std::vector<std::string>& scenario_analyses();

Scenario load_scenario(const std::string& path);

// Loads a scenario layer, applying its name field.
Layer load_scenario_layer(const ScenarioLayer& layer, const LoadOptions& options);

// The scenario file and the sources of its layers with these roles (all when `roles` is empty),
// named by role, for check_not_an_input.
std::vector<InputSource> scenario_inputs(const Scenario& scenario, const std::vector<std::string>& roles = {});

}  // namespace dza
