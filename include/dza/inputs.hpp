#pragma once
// The inputs of an analysis, resolved once: a scenario (when one is used) and a command's explicit
// layers and parameters become the layers by role, the controlled side, the territory, the reach
// rules, the speed and the eligibility rule every analysis reads.
//
// The scenario rule. A scenario is used when it is named, or when the command is given none of
// the layers it needs (then the default scenario, see default_scenario_path()). A command given
// some but not all of the layers it needs, and no scenario, is a usage error naming what is
// missing: explicit layers are never combined with a scenario the user did not name. With a
// scenario, an explicit layer replaces the scenario's layer of the same role (an explicit line or
// occupied area replaces both of the scenario's: they are two ways to give the front) and an
// explicit parameter replaces the scenario's; an explicit reach (radius, radius field or radius
// by role) replaces the scenario's reach as a whole. The scenario's radius_field and speed_field
// name fields of its deployments: they do not apply to deployments given explicitly.
//
// The territory rule. The controlled side is split off the regions' union by the line when there
// is one, else it is the complement of the occupied area.
//
// The eligibility rule. A place is eligible for basing when it is on the controlled side, at least
// the stand-off from the line (or the occupied area), in an allowed region (when some are named),
// west of the meridian (when one is given) and inside a basing area (when there are any).
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dza/callbacks.hpp"
#include "dza/coverage.hpp"
#include "dza/eligibility.hpp"
#include "dza/layer.hpp"
#include "dza/scenario.hpp"
#include "dza/territory.hpp"
#include "dza/writer.hpp"

namespace dza {

// A layer role a command reads, the option that gives it, and whether the command needs it.
struct InputRole {
    std::string role;    // a scenario role: regions, line, occupied, deployments, basing_areas, ...
    std::string option;  // how the command line gives it: "--regions", "DEPLOYMENTS"; "" when it cannot
    bool required = false;
};

// What a command was given. Empty strings, empty lists and unset optionals mean "not given".
struct InputRequest {
    std::string command;               // "check", "the run": for messages
    std::string scenario_file;         // --scenario FILE; "" when not named
    const Scenario* scenario = nullptr;  // or a scenario already loaded (dza run)
    std::vector<InputRole> roles;      // the layers the command reads
    // Roles one of which the command needs in place of another: {"line", "occupied"} means a
    // required "line" may be given as "occupied" instead.
    std::map<std::string, std::string> alternatives;
    std::map<std::string, std::string> layers;  // explicit layer references (LayerRef text), by role
    ScenarioParameters parameters;              // explicit parameters; empty ones are not given
    // The scenario parameters (as the file spells them: standoff_km, controlled_side, ...) the
    // command uses: what the scenario supplies of them is named in the note.
    std::vector<std::string> uses;
    std::vector<std::string> outputs;  // paths the command writes: refused, before loading, if one is an input
    // Target areas (dza coverage): explicit layers replace the scenario's maritime_zone and targets.
    bool uses_targets = false;
    std::vector<std::string> targets;
};

class AnalysisInputs {
public:
    std::optional<Scenario> scenario;          // the scenario used, if any
    std::map<std::string, ScenarioLayer> refs;  // where each role comes from (explicit or the scenario's)
    std::map<std::string, std::string> given_as;  // the option that gave each explicit layer, by role
    std::map<std::string, Layer> layers;       // loaded, name fields applied
    ScenarioParameters parameters;             // the scenario's, overridden by the explicit ones
    std::vector<std::string> supplied;         // what the scenario supplied: roles, then parameters
    std::vector<Layer> targets;                // with uses_targets: the target areas

    const Layer* layer(const std::string& role) const;
    // The layer, or a UsageError saying that `needed_by` needs it and how to give it.
    const Layer& require(const std::string& role, const std::string& needed_by) const;
    bool has(const std::string& role) const { return layers.count(role) > 0; }

    // The territory, built on first use: split by the line when there is one, else the
    // complement of the occupied area.
    const Territory& territory(const Callbacks& callbacks = {}) const;
    // The territory if an analysis has built it, else null.
    const Territory* built_territory() const { return territory_ ? &*territory_ : nullptr; }

    // The eligibility rule, with the basing areas of these inputs.
    EligibilityRule eligibility() const;

    // Every source read, named by role, for check_not_an_input.
    std::vector<InputSource> sources() const;

    // "using data/scenario.yaml for deployments, regions, line, standoff_km"; "" when the scenario
    // supplied nothing (or none was used).
    std::string note() const;

private:
    mutable std::optional<Territory> territory_;
};

// The coverage's reach options from resolved parameters: the reach rules, the systems and their
// field, the refraction factor (no target altitude: the caller sets it per altitude). The
// territory, tolerance and callbacks are left to the caller.
CoverageOptions coverage_options(const ScenarioParameters& parameters);

// Resolves and loads a command's inputs (see the rules above). Usage errors before any layer is read.
AnalysisInputs resolve_inputs(const InputRequest& request, const LoadOptions& load);

// The default scenario: data/scenario.yaml in the current folder, else the data installed next to
// the executable (<prefix>/share/dza/scenario.yaml for <prefix>/bin/dza); a UsageError saying
// where it looked when there is none.
std::filesystem::path default_scenario_path();

}  // namespace dza
