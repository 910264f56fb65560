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

namespace YAML {
class Node;
}

namespace dza {

struct ScenarioLayer {
    LayerRef ref;            // source resolved against the scenario's folder
    std::string name_field;  // attribute that names features; "" for the default choice
    std::string scenario_file;  // the scenario that names it and its role there, for messages
    std::string role;
    std::string paths_folder;   // the folder its relative path started from, for messages
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

// One term of the demand a site optimisation covers (optimize.hpp): `line`, `regions`,
// `controlled` (the controlled side), `maritime_zone`, `targets`, or `points` (a layer of points),
// with its weight in the objective.
struct DemandTerm {
    std::string key;
    std::string layer;  // points: the layer reference
    double weight = 1;
};

// What a site optimisation asks: dza optimize's options, or a scenario's `optimize:` section.
struct OptimizeParameters {
    std::string candidates;           // a layer of candidate points (reference); "": a grid
    std::optional<double> grid_m;     // the grid's spacing inside the eligible zone
    std::optional<std::size_t> sites;  // new sites to choose
    std::optional<double> target_pct;  // or the fewest reaching this % of the objective's maximum
    std::string system;               // every candidate is of this type
    std::optional<double> radius_m;   // or reaches this far
    std::string radius_field;         // or as far as this field of each candidate says (km)
    std::vector<DemandTerm> demand;   // empty: the line, the regions and the maritime zone there are
    std::string points_weight_field;  // each demand point's weight (default 1)
    bool backup = false;              // count demand within two reaches, not one
    double min_separation_m = 0;      // between new sites, and from the deployments there
    double cell_m = 5000;             // side of the equal-area cells areas are cut into
    double time_limit_s = 60;         // for the exact solver
    double gap_pct = 0;               // stop once the proven gap is at most this % (0: close it, within the time limit)
    bool greedy_only = false;         // no exact solver
    bool keep_existing = true;        // the deployments there stay and count
    bool in_basing_areas = false;     // new sites only inside the basing areas (else anywhere else eligible)
    std::optional<double> altitude_m;  // the target altitude; none: the lowest of altitudes_m, else no horizon
};

struct Scenario {
    std::filesystem::path file;
    std::string name;
    std::map<std::string, ScenarioLayer> layers;  // by role: regions, line, deployments, ...
    ScenarioParameters parameters;
    PlanRules rules;
    std::vector<std::string> analyses;
    std::optional<OptimizeParameters> optimize;  // `optimize:`, for the optimize analysis
    std::string systems_file;  // the catalogue file `systems:` names, if it names one

    // The layer with this role, or a UsageError naming the file and what needs it.
    const ScenarioLayer& layer(const std::string& role, const std::string& needed_by) const;
    bool has_layer(const std::string& role) const { return layers.count(role) > 0; }
};

// Target altitudes: at most this high (100 km), distinct and in increasing order (a UsageError
// through `fail` otherwise).
inline constexpr double max_target_altitude_m = 100000.0;
void check_altitudes(const std::vector<double>& altitudes_m, const std::function<void(const std::string&)>& fail);

// The layer roles and analyses a scenario may name (optimize runs only when named).
const std::vector<std::string>& scenario_layer_roles();
const std::vector<std::string>& scenario_analyses();
// The top-level keys of a scenario: name, layers, systems, parameters, rules, optimize, analyses.
const std::vector<std::string>& scenario_sections();

Scenario load_scenario(const std::string& path);
// A scenario from its text (at most 1 MiB is not checked here), named `path` in messages and in
// Scenario::file, its relative paths resolved against `folder`: a variant of a scenario written
// elsewhere (dza sweep).
Scenario load_scenario_text(const std::string& text, const std::string& path, const std::filesystem::path& folder);

// Makes every relative file a scenario document names (its layers, parameters.dem, a systems
// file, optimize.candidates) absolute from `folder`, so that a copy written elsewhere runs the
// same (dza sweep's variants). Connections, URLs and /vsi paths stay as they are.
void make_scenario_paths_absolute(YAML::Node& root, const std::filesystem::path& folder);

// Loads a scenario layer, applying its name field.
Layer load_scenario_layer(const ScenarioLayer& layer, const LoadOptions& options);

// The scenario file and the sources of its layers with these roles (all when `roles` is empty),
// named by role, for check_not_an_input.
std::vector<InputSource> scenario_inputs(const Scenario& scenario, const std::vector<std::string>& roles = {});

}  // namespace dza
