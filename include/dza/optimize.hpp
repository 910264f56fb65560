#pragma once
// Site optimisation: where the next deployments should go. Among candidate sites (a layer of
// points, or an equal-area grid inside the eligible zone), choose N that, with the deployments
// already there, cover the most demand: the line by length, areas by area, points by weight, each
// layer weighted, as the share of it covered (or covered twice: backup), summed.
//
// Eligibility. A candidate is kept only when dza check would pass it as a deployment (on the
// controlled side, at least the stand-off from the line, in an allowed region, west of the
// meridian, in a basing area: eligibility.hpp) and it lies at least the minimum separation
// (geodesic) from every deployment already there; two candidates closer than it are never both
// chosen.
//
// Exactness. Each candidate's reach is the coverage's (coverage.hpp: the same geometry the
// coverage of the plan is measured with), at one target altitude or none. The demand is cut into
// pieces (demand.hpp); the objective optimised counts a piece when one reach covers all of it, so
// it never overstates. For the plan chosen, the certified interval runs from that figure to the
// weight of the pieces any reach touches: the exact coverage of the plan lies within it, and the
// plan's coverage is then measured exactly by the coverage engine (dza::compute_coverage).
//
// The solver is dza::solve_max_cover (max_cover.hpp): greedy and swaps, then CBC with a time
// limit, with the proven bound and the gap.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dza/callbacks.hpp"
#include "dza/coverage.hpp"
#include "dza/demand.hpp"
#include "dza/eligibility.hpp"
#include "dza/inputs.hpp"
#include "dza/layer.hpp"
#include "dza/max_cover.hpp"
#include "dza/scenario.hpp"
#include "dza/territory.hpp"

namespace dza {

inline constexpr const char* optimize_method =
    "maximal covering on WGS84: demand cut into line pieces and equal-area cells, a piece counted when one reach covers it wholly; "
    "lazy greedy and swaps, then an integer program solved by CBC with a proven bound";

struct OptimizeOptions {
    // The candidates' reach rules (radius, field, role radius, systems), the target altitude
    // (horizon; none: the full reach) and the tolerance.
    CoverageOptions reach;
    // The existing deployments' reach rules; their horizon and tolerance are the candidates'.
    CoverageOptions existing_reach;
    // Eligibility: when `line` is set, candidates must pass dza check's rule (check_plan) against
    // these; else every candidate is eligible.
    const Layer* regions = nullptr;
    const Layer* line = nullptr;
    const Territory* territory = nullptr;
    EligibilityRule eligibility;
    const Layer* maritime_zone = nullptr;  // candidates at sea must be inside it
    std::vector<DemandSpec> demand;
    DemandOptions demand_options;
    unsigned depth = 1;                    // 1: cover; 2: backup (covered twice)
    std::size_t sites = 1;                 // new sites to choose
    std::optional<double> target_pct;      // instead: the fewest sites reaching this % of the total weight
    double min_separation_m = 0;           // between new sites, and from existing deployments
    double time_limit_s = 60;
    double gap_pct = 0;                    // with sites: stop once the proven gap is at most this % (0: close it)
    bool exact = true;                     // false: greedy and swaps only
    Callbacks callbacks;
};

// One demand layer's share covered by the plan chosen, certified: lower <= exact <= upper.
struct DemandShare {
    std::string name;
    DemandKind kind = DemandKind::Area;
    double weight = 1;
    double total = 0;        // km, km² or the points' weights
    std::size_t pieces = 0;
    double lower_pct = 0;    // pieces wholly covered (depth times)
    double upper_pct = 0;    // pieces touched (depth times)
    double existing_lower_pct = 0;  // by the existing deployments alone (pieces wholly covered)
};

struct OptimizeResult {
    std::size_t candidates = 0;           // candidate features with a point geometry
    std::vector<std::size_t> eligible;    // candidate feature indices kept (eligibility and separation)
    std::vector<std::size_t> selected;    // candidate feature indices chosen, in the solution's order
    std::vector<double> gain;             // aligned with selected: objective added
    std::vector<SensorReach> sensors;     // per candidate feature (max_range_m NaN without a point)
    std::vector<SensorReach> existing_sensors;  // per existing deployment (max_range_m NaN without a geometry)
    std::vector<Geometry> reaches;        // aligned with selected: each chosen site's reach
    MaxCoverSolution solution;
    double objective_upper = 0;           // the chosen plan's weight of pieces touched (depth times)
    std::vector<DemandShare> shares;      // per demand layer, in the order asked
    std::size_t not_eligible = 0;         // candidates dropped by the eligibility rule
    std::size_t too_close = 0;            // candidates dropped as nearer than the separation to a deployment already there
    std::size_t conflicts = 0;            // candidate pairs nearer than the separation
    Demand demand;                        // the pieces (geometries kept for output)
    double max_error_m = 0;               // largest chord error of a reach
};

// Chooses the sites (see above). UsageError for bad options (no demand, no candidate left,
// sites 0, a target outside (0, 100]); DataError for bad data, naming layer, feature and field.
OptimizeResult optimize_sites(const Layer& candidates, const Layer* existing, const OptimizeOptions& options);

// The plan proposed: the existing deployments (when given) and the chosen candidates as one
// point/geometry layer named `name`, with fields name, origin ("existing" or "proposed"), role
// (its role field's, else its system type's), system, radius_km, max_range_km, min_range_km, sensor_height_m, sector_deg, gain. Each
// feature's reach is written out in full (radius_km always; the sensor's fields for a sensor),
// so that the coverage with plan_coverage_options() takes exactly the reaches optimised.
Layer proposed_plan(const Layer& candidates, const Layer* existing, const OptimizeResult& result, const OptimizeOptions& options,
                    const std::string& name = "proposed_plan");

// A scenario file (YAML) that dza run accepts for a proposed plan: `layers` as given (sources made
// absolute; a connection string with its password hidden, which the user must fill in), the plan
// as its deployments (`plan_file`, relative to the scenario's folder), the eligibility and sensor
// parameters, the catalogue inline, the reach in the plan's radius_km and system fields.
std::string plan_scenario_yaml(const std::string& name, const std::map<std::string, ScenarioLayer>& layers, const ScenarioParameters& parameters,
                               const std::string& plan_file);

// The coverage options that read a proposed plan's reaches: radius_field radius_km, the
// catalogue (for its system names), the options' horizon and tolerance.
CoverageOptions plan_coverage_options(const OptimizeOptions& options);

// ---------------------------------------------------------------------------------------------
// A plan proposed from an analysis's inputs: what dza optimize and dza run's optimize analysis do.

struct PlanProposal {
    OptimizeParameters parameters;
    std::optional<double> altitude_m;    // the target altitude optimised for (none: no horizon)
    unsigned depth = 1;                  // 1 cover, 2 backup
    Layer candidates;                    // as given (a grid: G1, G2, ... south to north, west to east)
    std::vector<Layer> point_layers;     // demand points, in the order asked
    OptimizeOptions options;             // as used (pointing into the inputs and this proposal)
    OptimizeResult result;
    Layer plan;                          // proposed_plan: the deployments there and the sites chosen
    Layer sites;                         // the sites chosen alone, as proposed_plan writes them ("proposed_sites")
    Layer reaches;                       // their reaches ("proposed_reaches")
    std::vector<const Layer*> coverage_targets;  // the maritime zone, then the other targets
    CoverageResult coverage;             // the plan's exact coverage
    std::vector<double> exact_pct;       // per demand share: the exact figure (NaN where the coverage does not give it: points)
    double gap_pct = 0;                  // (bound - objective) / bound * 100
};

// Chooses the sites the parameters ask for from the inputs' layers (regions, line or occupied,
// maritime zone, basing areas, targets, deployments there) and measures the plan's coverage.
// Candidates and demand points are loaded with `load`; a candidate reference relative to the
// current folder. UsageError for what the parameters lack (a grid without a controlled side, a
// system not in the catalogue, a reach for grid candidates); DataError for bad data. A certified
// interval that does not hold the exact figure is reported through the callbacks' warning.
PlanProposal propose_plan(const AnalysisInputs& inputs, const OptimizeParameters& parameters, const LoadOptions& load, const Callbacks& callbacks);

// The exact share (%) of a demand layer a plan's coverage holds (`depth` times), as propose_plan
// measures it: NaN where the coverage does not give it (points; the controlled side twice).
// `targets` are the coverage's target layers.
double demand_exact_pct(const DemandShare& share, const CoverageResult& coverage, unsigned depth, const Territory* territory,
                        const std::vector<const Layer*>& targets);

// {"schema": "dza.optimize/1", "objective", "objective_upper", "bound", "gap_pct", "optimal",
// "greedy_objective", "existing_objective", "max_objective", "objective_kind", ("target_pct",
// "target_reached", "min_sites_bound"), "altitude_m", "selected": [{"name", "lon", "lat",
// "system" (when it has one), "radius_km", "gain"}], "demand": [{"name", "kind", "weight",
// "total", "unit", "pieces", "existing_pct", "lower_pct", "upper_pct", "exact_pct"}],
// "discretisation", "candidates", "coverage" (as dza coverage --json gives it), "method",
// "max_error_m", "greedy_s", "solve_s"}.
nlohmann::ordered_json to_json(const PlanProposal& proposal, const Layer& regions, const Layer* line);

}  // namespace dza
