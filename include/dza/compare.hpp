#pragma once
// What changed between two plans: two summary.json files written by `dza run`, compared.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace dza {

// The summary.json at `path` (or in the folder `path`), parsed and checked to be one that
// `dza run` writes ("dza_version", "parameters" and "results" objects). DataError naming the
// file when it is missing, is not JSON or is another document (a `dza COMMAND --json` result).
nlohmann::ordered_json read_summary(const std::filesystem::path& path);

// "dza.compare/1": what changed from plan A to plan B.
// {"schema", "a": {"file", "scenario", "dza_version"}, "b": {...}, "changed" (false when nothing
// below differs),
//  "parameters": [{"key" (dotted for nested keys: "radius_km_by_role.air defence"; also
//      "analyses_run" and "inputs.<role>" for an input whose source or content differ), "a", "b"}]
//      (only those that differ; null where a side has none),
//  "figures": [{"figure", "of" (a region's name, "the whole", "the line", or a target's name),
//      "altitude_m" (or null), "unit", "a", "b", "difference" (b - a; null unless both)}]: every
//      headline figure of either plan, in a fixed order: eligible_area_km2, then per altitude
//      coverage_pct of the whole, of the line, of each target and region, longest_gap_km of the
//      line, then violations, then optimize_objective and optimize_sites,
//  "deployments": {"added": [names], "removed": [names], "moved": [{"name", "moved_km"}],
//      "positions_known" (false when a plan has no distance results to place its deployments)},
//  "check": {"a_passed", "b_passed" (null without a plan check), "gained": [{"deployment", "rule",
//      "message"}], "lost": [...]} (violations, and failed plan rules with "deployment" null),
//  "optimize": {"added": [site names], "removed": [site names]} or null when neither has one}.
// A deployment's position is recovered from its distance result (nearest point on the line,
// distance, azimuth at the deployment) by solving the geodesic backwards; "moved" lists those
// more than 1 m apart.
nlohmann::ordered_json compare_summaries(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b, const std::string& a_file,
                                         const std::string& b_file);

}  // namespace dza
