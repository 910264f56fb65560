#pragma once
// The options commands share, each declared once with its unit, limits and help: the scenario,
// the layers by role, the controlled side (--keep), the stand-off and the rest of the eligibility
// rule. A command adds the ones it reads, then its own; validate() parses them without touching
// files; request() hands them to resolve_inputs.
#include <CLI/CLI.hpp>

#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "dza/inputs.hpp"

namespace dza::cli {

// A comma-separated list of names, each trimmed; a UsageError naming `option` on an empty one.
std::vector<std::string> split_names(const std::string& text, const char* option);

// --keep: "LON,LAT" (degrees) or the name of a region the controlled side contains.
ControlledSide parse_keep(const std::string& text);

// A distance option ("100km", "50 nmi", ...), parsed with parse_distance_m within [min_m, max_m].
// With a default text, the option always has a value.
class DistanceOption {
public:
    CLI::Option* add(CLI::App& app, const char* name, const std::string& help, double max_m = std::numeric_limits<double>::infinity(), double min_m = 0,
                     const std::string& default_text = {});
    void parse();
    std::optional<double> metres() const { return metres_; }

private:
    std::string name_, text_;
    double min_m_ = 0, max_m_ = 0;
    std::optional<double> metres_;
};

// --tolerance: the largest deviation of a geodesic boundary's straight edges from the exact
// distance (buffers, reaches), default 10 m, at least buffer_min_tolerance_m.
void add_tolerance_option(CLI::App& app, DistanceOption& tolerance, const char* what);

class InputOptions {
public:
    // --scenario FILE.
    void add_scenario(CLI::App& app);
    // The option giving a layer role (the positional DEPLOYMENTS for deployments); required roles
    // are those without which the command needs a scenario. `help` replaces the role's usual help.
    // `name` replaces the role's usual option name (distance's FROM and TO).
    CLI::Option* add_layer(CLI::App& app, const std::string& role, bool required, const std::string& help = {}, const std::string& name = {});
    // Declares a role the command reads only from a scenario.
    void add_scenario_layer(const std::string& role) { roles_.push_back({role, "", false}); }
    void add_keep(CLI::App& app);
    void add_standoff(CLI::App& app);
    // --allowed-regions (with --only-regions as another name for it when asked) and --west-of.
    void add_eligibility(CLI::App& app, bool only_regions_alias = false);

    void validate();
    // The request for resolve_inputs: roles, explicit layers and parameters, the scenario named.
    InputRequest request(const std::string& command) const;

private:
    std::string scenario_;
    std::vector<InputRole> roles_;
    std::map<std::string, std::string> layers_;
    std::string keep_, allowed_text_;
    const char* allowed_name_ = "--allowed-regions";
    CLI::Option* only_regions_ = nullptr;
    std::optional<double> west_of_;
    DistanceOption standoff_;
    ControlledSide keep_side_;
    std::vector<std::string> allowed_;
    std::map<std::string, std::string> alternatives_;
};

// --systems FILE, --system-field F, --altitudes LIST, --refraction-k K, --dem RASTER,
// --altitude-ref agl|amsl: the sensor model (systems.hpp, sensor.hpp, terrain.hpp); each
// replaces the scenario's.
class SensorOptions {
public:
    // Without terrain, --dem and --altitude-ref are not offered (a command that does not model it).
    void add(CLI::App& app, bool with_terrain = true);
    void validate();
    // Into the request's parameters, with the scenario parameters they replace named as used.
    void apply(InputRequest& request) const;

private:
    std::string systems_file_, system_field_, altitudes_text_, dem_, altitude_ref_text_;
    std::optional<AltitudeRef> altitude_ref_;
    std::optional<double> refraction_k_;
    std::optional<SystemCatalogue> systems_;
    std::vector<double> altitudes_m_;
};

// resolve_inputs with the command's load options; the note of what a scenario supplied goes to
// stderr unless --quiet.
AnalysisInputs resolve(const InputRequest& request, const Io& io);

}  // namespace dza::cli
