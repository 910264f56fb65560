#pragma once
// The JSON form of each result, in one place: `dza COMMAND --json` prints it and summary.json
// (dza run) embeds the same object under "results": {"distance": ..., "zones": ...,
// "coverage": ..., "check": ...}.
//
// Every object starts with "schema": "dza.<result>/<version>". The version changes when a key is
// renamed, removed or changes meaning; adding a key does not change it.
//
// Rounding. Figures are rounded once, here, to a fixed number of decimals and printed as the
// shortest number that reads back the same:
//   lengths and distances in km ........ 6 decimals (1 mm)
//   areas in km² ....................... 6 decimals (1 m²)
//   percentages ........................ 4 decimals
//   degrees (lon, lat, azimuth, extent)  9 decimals (about 0.1 mm)
//   hours .............................. 6 decimals (3.6 ms)
//   metres (error bounds) .............. 3 decimals (1 mm)
// Counts, names and the attributes of input features are given as they are. A figure that is
// not a number (an azimuth at distance 0) is null. Coordinates are lon, lat (GeoJSON order),
// always as two keys `<what>_lon`, `<what>_lat`.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dza/check.hpp"
#include "dza/eligibility.hpp"
#include "dza/altitude_profile.hpp"
#include "dza/coverage.hpp"
#include "dza/distance.hpp"
#include "dza/info.hpp"
#include "dza/layer.hpp"
#include "dza/zones.hpp"

namespace dza {

// The decimals of each kind of figure (see above).
namespace json_decimals {
inline constexpr int km = 6;
inline constexpr int km2 = 6;
inline constexpr int pct = 4;
inline constexpr int deg = 9;
inline constexpr int hours = 6;
inline constexpr int m = 3;
}  // namespace json_decimals

// `value` rounded to `decimals` decimals as JSON: the double nearest the decimal text, so it
// prints as that text; null when not finite.
nlohmann::ordered_json json_round(double value, int decimals);

// The decimals a figure named `field` is shown with, by its name's unit suffix, as above: _km2
// and _km 6, _pct 4, _deg, _lon and _lat 9, _h 6, _m 3; none for a name without one.
std::optional<int> figure_decimals(const std::string& field);

// How containment is decided in the plan check (the distances are those of the distance analysis).
inline constexpr const char* check_method = "containment by GEOS (edges straight in lon/lat); distances as for distance";

// "dza.distance/1": {"schema", "from", "to", "method", "max_error_m", "results": [{"name" (the
// source feature's label), "target" (the target's label), "distance_km", "azimuth_deg",
// "nearest_lon", "nearest_lat", "time_h" (null without a speed), "properties" (the source
// feature's attributes)}]}, in the results' order.
nlohmann::ordered_json to_json(const std::vector<DistanceResult>& results, const Layer& from, const Layer& to);

// The same document as json_text(to_json(results, from, to), 2), byte for byte, written a piece
// at a time through `write` instead of built whole: memory stays small for a million results.
// Every piece but the last ends with a line break, so a filter that works line by line (such
// as scrub_secrets) gives the same text applied to each piece as to the whole.
void stream_json(const std::vector<DistanceResult>& results, const Layer& from, const Layer& to,
                 const std::function<void(std::string_view)>& write);

// "dza.zones/1": {"schema", "total_area_km2" (eligible), "controlled_area_km2", "standoff_km",
// "eligibility" (the rule applied, see eligibility_json), "controlled_side" (the rule that chose
// it), "method", "max_error_m", "regions": [{"name", "area_km2", "eligible_km2", "eligible_pct"}]}.
nlohmann::ordered_json to_json(const ZonesResult& result, const EligibilityRule& eligibility, const std::string& controlled_side);

// The eligibility rule as applied: {"standoff_km", "allowed_regions" ([] for every region),
// "west_of_lon" (or null), "basing_areas" (true when only basing areas are eligible)}.
nlohmann::ordered_json eligibility_json(const EligibilityRule& eligibility);

// "dza.coverage/1": {"schema", "inputs": {"deployments", "regions", "line" (or null), "targets"},
// "reaches", "regions": [area], "total": area without "name", "line": {"length_km",
// "covered_km", "covered_pct", "gaps": [{"line", "from_km", "to_km", "length_km", "start_lon",
// "start_lat", "end_lon", "end_lat"}]} or null, "targets": [area with "layer" first], "gaps":
// {"within", "area_km2"}, "method", "max_error_m"}; an area is {"name", "area_km2",
// "covered_km2", "covered_pct", "redundant_km2", "deployments"}. The line also has "depth_km":
// {"1": km within reach of at least one deployment, "2": of at least two, ...} ({} when nothing
// is covered) and "loss": [{"name", "line_covered_km", "area_covered_km2"}], what the line's and
// the territory's coverage become without that one deployment, the worst first; without a line,
// "loss" comes after "gaps", with the area figures alone.
nlohmann::ordered_json to_json(const CoverageResult& result, const Layer& deployments, const Layer& regions, const Layer* line,
                               const std::vector<const Layer*>& targets);
// The coverage at several target altitudes: one result without an altitude is the object above;
// else {"schema", "inputs", "refraction_k", "altitudes_m": [...], "sensors": [{"name", "max_range_km",
// "min_range_km", "sensor_height_m", "sector_deg": [from, to] or null, "line_of_sight"}],
// "by_altitude": [{"altitude_m", then the object above without "schema" and "inputs"}]}.
nlohmann::ordered_json to_json(const std::vector<const CoverageResult*>& results, const Layer& deployments, const Layer& regions, const Layer* line,
                               const std::vector<const Layer*>& targets);

// The lowest altitude at which the line is seen: {"refraction_k", "spacing_m", "tolerance_m",
// "low_altitude_m", "longest_unseen_below_low_altitude": {"line", "from_km", "to_km", "length_km"}
// or null, "stretches": [{"line", "from_km", "to_km", "min_altitude_m" (null: not seen), "seen_by"}]}.
nlohmann::ordered_json to_json(const AltitudeProfile& profile, const Layer& line);

// "dza.check/1": {"schema", "passed", "violation_count", "standoff_km", "eligibility", "controlled_side",
// "method", "max_error_m", "deployments": [{"name", "region" (or null), "at_sea", "distance_km",
// "passed", "violations": [{"rule", "message"}]}]}. With the scenario's plan rules, "rules" (see
// rules_json) comes last and "passed" is false when a rule fails too.
nlohmann::ordered_json to_json(const CheckResult& result, const EligibilityRule& eligibility, const std::string& controlled_side,
                               const std::vector<RuleResult>* rules = nullptr);

// The plan rules' results: [{"rule", "passed", "measured", "limit", "message"}], in the order
// check_rules gives them (measured and limit in the rule's unit: %, km, or a number of deployments).
nlohmann::ordered_json rules_json(const std::vector<RuleResult>& rules);

// "dza.info/1": {"schema", "layers": [one object a layer: "source", "name", "driver", "crs" (null
// when none is declared, and then "crs_assumed"), "crs_name", "geometry_type", "feature_count",
// "extent" ([min_lon, min_lat, max_lon, max_lat] or null), "fields": [{"name", "type"}],
// "invalid_geometries", "empty_geometries", "length_km" and "area_km2" where they apply]}.
nlohmann::ordered_json to_json(const std::vector<LayerInfo>& layers);

}  // namespace dza
