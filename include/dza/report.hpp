#pragma once
// How dza shows its results: one palette and one style per kind of layer, used by the map (dza
// map and the map in report.html) and by the simplestyle-spec columns of the GeoJSON files a run
// writes for geojson.io and GitHub; one map composition; report.html and the "results" of
// summary.json rendered from the typed results.
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dza/callbacks.hpp"
#include "dza/check.hpp"
#include "dza/altitude_profile.hpp"
#include "dza/coverage.hpp"
#include "dza/distance.hpp"
#include "dza/layer.hpp"
#include "dza/map.hpp"
#include "dza/optimize.hpp"
#include "dza/scenario.hpp"
#include "dza/zones.hpp"

namespace dza {

// ---------------------------------------------------------------------------------------------
// Palette and styles

// Colours of deployments (and their reach) by role, in legend order; other roles get the map's
// fixed palette.
const std::vector<std::pair<std::string, std::string>>& role_colors();
// A role's colour; `fallback` for a role without one.
std::string role_color(const std::string& role, const std::string& fallback = "#555555");

// Every kind of layer dza draws or writes styled.
enum class LayerKind {
    Neighbours,
    Regions,
    OtherSide,  // beyond the line, or the occupied area
    Coverage,
    Redundancy,
    Gaps,
    Eligible,
    StandoffBand,
    MaritimeZone,
    BasingAreas,
    Reach,
    LineGaps,
    Line,
    Deployments,
    Distances,        // GeoJSON only: lines from deployments to the line
    CoverageRegions,  // GeoJSON only: regions with their coverage figures
    CoverageTargets,  // GeoJSON only: target areas with their coverage figures
    Context,          // any other input layer
};

// The style of a kind of layer on the map. The GeoJSON's simplestyle columns come from it:
// stroke (the fill where the stroke is "none"), stroke-width, stroke-opacity, and for polygons
// fill and fill-opacity (0.2 where the map's fill is opaque, so a web map's basemap shows
// through), for points marker-color (the role's colour for deployments).
const MapStyle& layer_style(LayerKind kind);

// Graded fills where a figure matters, the same in every styled output. A region's covered share
// in five classes of 20 points, from the gaps' orange (0-20%) to the coverage's blue (80-100%);
// the eligible zone's distance bands from the line in greens, the nearest band the lightest.
struct GradedClass {
    double from = 0, to = 0;  // [from, to); the last class includes `to`
    std::string color;        // #rrggbb
    std::string label;        // "0-20%"
};
const std::vector<GradedClass>& covered_pct_classes();
std::string covered_pct_color(double pct);
// The fill of band `index` of `count` bands (0: the nearest the line).
std::string eligible_band_color(std::size_t index, std::size_t count);

// The simplestyle-spec columns (title, stroke, stroke-width, stroke-opacity, fill,
// fill-opacity, marker-color, marker-symbol) a styled GeoJSON copy of a layer gets.
const std::vector<std::string>& simplestyle_columns();

// `layer` with the simplestyle columns of `kind` appended and `title(copy, feature)` as each
// feature's title; deployments are coloured by their `role`, and those whose `passed` field is
// false get the marker symbol "cross"; coverage regions are filled by their `covered_pct` and
// eligible zones by their band (`band_min_km`), as graded above. Source fields named like a style
// column (ignoring case) are renamed src_<name> first (the caller warned about them already).
// For GeoJSON meant for geojson.io and GitHub only: GeoPackages and database tables hold data.
using FeatureTitle = std::function<std::string(const Layer&, const Feature&)>;
Layer styled_copy(const Layer& layer, LayerKind kind, const FeatureTitle& title);

// ---------------------------------------------------------------------------------------------
// The map composition

// What a map shows; null where there is nothing of that kind. Layers must outlive the map.
struct MapContent {
    std::string title;
    const Layer* neighbours = nullptr;
    const Layer* regions = nullptr;
    const Layer* other_side = nullptr;  // beyond the line (or the occupied area)
    const Layer* coverage = nullptr;
    const Layer* redundancy = nullptr;
    const Layer* gaps = nullptr;
    const Layer* eligible = nullptr;
    const Layer* standoff_band = nullptr;
    const Layer* maritime_zone = nullptr;
    const Layer* basing_areas = nullptr;
    const Layer* reach = nullptr;
    const Layer* line_gaps = nullptr;
    const Layer* line = nullptr;
    const Layer* deployments = nullptr;
    bool occupied = false;             // the line is an occupied area
    double standoff_m = 0;
    bool allowed_regions = false;      // the eligible zone is limited to allowed regions
    std::string radius_field;          // where reaches come from, for the legend
    bool reach_systems = false;        // reaches are systems' envelopes where deployments name a system
    std::optional<double> reach_altitude_m;     // reaches end at the radar horizon for this target altitude
    double refraction_k = 4.0 / 3.0;            // of that horizon
    std::optional<double> coverage_altitude_m;  // the coverage layers hold this target altitude only
};

// The layers in drawing order (context, results, then the line and deployments on top), each
// with its title and style; empty layers are left out.
std::vector<MapLayer> compose_map(const MapContent& content);

// Title, subtitle, credit (from the layers' `source` fields: Natural Earth, notional layers) and
// background of the map of `content`, at this size.
MapOptions map_options(const MapContent& content, int width_px, int height_px);

// One geometry as a layer of one feature (none when it is empty), to draw it.
Layer geometry_layer(const std::string& name, Geometry geometry);

// The reach of each deployment as drawn, with its role: its sensor's as the coverage takes it
// (deployment_sensors with coverage_options(parameters): a system's minimum and maximum range and
// sector, else the role radius, the radius field in km, the one radius) as sensor_reach_geometry
// draws it for a point (fans, annuli, discs), a geodesic buffer of the maximum range for a line
// or polygon; boundaries within 100 m. With a target altitude, a point sensor's reach ends at its
// radar horizon (HorizonModel{altitude, parameters' refraction k}); without, the full envelope.
// When the deployments' reaches cannot all be taken (a feature without a reach), each is taken
// from the radius rules alone, and those without one are left out, with one warning.
Layer reach_layer(const Layer& deployments, const ScenarioParameters& parameters, const Callbacks& callbacks,
                  std::optional<double> target_altitude_m = std::nullopt);

// The features of a layer of the coverage at several altitudes (coverage_layers) whose
// `altitude_m` is `altitude_m`; a layer without that field is copied whole.
Layer features_at_altitude(const Layer& layer, double altitude_m);

// Makes a map a small one, to show several side by side (one per target altitude): no labels,
// no legend (the big map's applies), no credit, and text and lines at `ui_scale` of a 1200 x 900
// map's so that they stay readable.
void make_small_map(std::vector<MapLayer>& layers, MapOptions& options, double ui_scale);

// One small map of report.html: the target altitude and its SVG.
struct AltitudeMap {
    double altitude_m = 0;
    std::string svg;
};

// ---------------------------------------------------------------------------------------------
// The results of a run, typed

struct DistanceSection {
    const Layer* from = nullptr;
    const Layer* to = nullptr;
    std::vector<DistanceResult> results;
};

struct ZonesSection {
    ZonesResult result;
    EligibilityRule eligibility;
    std::string controlled_side;
};

struct CoverageSection {
    const Layer* deployments = nullptr;
    const Layer* regions = nullptr;
    const Layer* line = nullptr;
    std::vector<const Layer*> targets;
    CoverageResult result;  // at the first target altitude, if any
    std::vector<CoverageResult> further_altitudes;  // at the scenario's further altitudes, in order
    std::optional<AltitudeProfile> line_altitude;   // with altitudes and a line: the lowest altitude seen along it

    // Every result, the first's first.
    std::vector<const CoverageResult*> all() const {
        std::vector<const CoverageResult*> out{&result};
        for (const auto& r : further_altitudes) out.push_back(&r);
        return out;
    }
};

struct CheckSection {
    CheckResult result;
    EligibilityRule eligibility;
    std::string controlled_side;
};

// The optimize analysis: the plan proposed, and the plan as given measured the same way.
struct OptimizeSection {
    PlanProposal proposal;
    const Layer* regions = nullptr;
    const Layer* line = nullptr;
    // Per demand share: the exact figure of the plan as given (the run's coverage at the same
    // target altitude); NaN where it is not measured.
    std::vector<double> given_pct;
};

struct RunResults {
    std::optional<DistanceSection> distance;
    std::optional<ZonesSection> zones;
    std::optional<CoverageSection> coverage;
    std::optional<CheckSection> check;
    std::optional<std::vector<RuleResult>> rules;  // the scenario's plan rules, against the coverage
    std::optional<OptimizeSection> optimize;
};

// summary.json's "results": each analysis run, in the order distance, zones, coverage, check,
// as results_json.hpp writes it (what `dza COMMAND --json` prints), then "rules" (rules_json)
// when the scenario has plan rules, then "optimize" (as dza optimize --json prints it).
nlohmann::ordered_json results_json(const RunResults& results);
// summary.json's "methods": {"<analysis>": {"method", "max_error_m"}}, in the same order.
nlohmann::ordered_json methods_json(const RunResults& results);

// A layer of report.html's interactive map: its styled copy (styled_copy: the simplestyle columns
// give its colours), its title in the layer control, and whether it shows at first.
struct LiveLayer {
    std::string title;
    Layer layer;
    bool visible = true;
};

// The interactive map of report.html (id live-map): the layers as GeoJSON inside the page, drawn by
// Leaflet (Debian's libjs-leaflet, inlined: nothing is fetched), pan and zoom, a control to switch
// each layer on and off, and each feature's figures in a pop-up on click. Coordinates are rounded
// to 5 decimals (about 1 m). Empty when there are no layers.
std::string live_map_html(const std::vector<LiveLayer>& layers);

// report.html: one self-contained page with the map (`map_svg`), the small maps of the coverage
// at each target altitude (`altitude_maps`, side by side under "Coverage by target altitude"),
// and a table per result. Ids: map, altitude-maps, map-altitude-<metres> (one per small map, e.g.
// map-altitude-300), check, check-table, rules, rules-table, distances, distance-table, coverage,
// coverage-table, line-coverage, line-gaps-table, zones, zones-table, optimize (the proposed plan:
// optimize-table beside the plan as given, optimize-sites, and its map, map-proposed from
// `proposed_map_svg`), methods.
// With `live_map` (live_map_html), the interactive map comes first and the static map is kept for print.
std::string report_html(const RunResults& results, const std::string& title, const std::string& scenario_file_name, const std::string& map_svg,
                        const std::vector<AltitudeMap>& altitude_maps = {}, const std::string& proposed_map_svg = {}, const std::string& live_map = {});

}  // namespace dza
