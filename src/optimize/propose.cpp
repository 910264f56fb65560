// A plan proposed from an analysis's inputs (optimize.hpp): the candidates, the reach rules, the
// demand, the optimisation, and the plan's exact coverage.
#include <fmt/format.h>

#include <cmath>

#include "dza/error.hpp"
#include "dza/optimize.hpp"
#include "dza/results_json.hpp"
#include "dza/secrets.hpp"
#include "dza/zones.hpp"

namespace dza {

namespace {

// A copy of `layer` whose field `field` holds `value` in every feature (added when missing).
Layer with_value(const Layer& layer, const std::string& field, const std::string& value) {
    Layer out = copy_layer(layer, [](const Geometry& g) { return g.clone(); });
    std::size_t index;
    if (const auto i = out.field_index(field)) {
        index = *i;
        out.fields[index].type = FieldType::String;
    } else {
        out.fields.push_back({field, FieldType::String});
        index = out.fields.size() - 1;
        for (Feature& f : out.features) f.values.emplace_back();
    }
    for (Feature& f : out.features) f.values[index] = value;
    return out;
}

// Grid candidates as a layer: name G1, G2, ... south to north, west to east.
Layer grid_layer(const std::vector<LonLat>& points, double spacing_m) {
    Layer l;
    l.name = "grid_candidates";
    l.source = fmt::format("the {:g} km grid", spacing_m / 1000);
    l.crs = "EPSG:4326";
    l.fields = {{"name", FieldType::String}};
    l.name_field = "name";
    for (std::size_t i = 0; i < points.size(); ++i) {
        Feature f;
        f.fid = static_cast<std::int64_t>(i + 1);
        f.values = {fmt::format("G{}", i + 1)};
        f.geometry = Geometry::point(points[i]);
        l.features.push_back(std::move(f));
    }
    return l;
}

bool same_layer(const Layer* a, const Layer* b) { return a && b && a->source == b->source && a->name == b->name; }

}  // namespace

double demand_exact_pct(const DemandShare& share, const CoverageResult& c, unsigned depth, const Territory* territory, const std::vector<const Layer*>& targets) {
    if (share.kind == DemandKind::Line) {
        if (!c.line || c.line->length_km <= 0) return NAN;
        const double km = depth <= c.line->depth_km.size() ? c.line->depth_km[depth - 1] : 0.0;
        return 100.0 * (depth == 1 ? c.line->covered_km : km) / c.line->length_km;
    }
    if (share.kind != DemandKind::Area) return NAN;
    if (share.name == "regions") return c.total.area_km2 > 0 ? 100.0 * (depth == 1 ? c.total.covered_km2 : c.total.redundant_km2) / c.total.area_km2 : NAN;
    if (share.name == "controlled") {
        if (depth != 1 || !territory || territory->controlled_area_km2 <= 0) return NAN;
        return 100.0 * (territory->controlled_area_km2 - c.gaps_km2) / territory->controlled_area_km2;
    }
    double area = 0, covered = 0;
    for (const AreaCoverage& a : c.targets)
        if (a.target_layer < targets.size() && targets[a.target_layer]->name == share.name) {
            area += a.area_km2;
            covered += depth == 1 ? a.covered_km2 : a.redundant_km2;
        }
    return area > 0 ? 100.0 * covered / area : NAN;
}

PlanProposal propose_plan(const AnalysisInputs& inputs, const OptimizeParameters& parameters, const LoadOptions& load, const Callbacks& callbacks) {
    PlanProposal out;
    out.parameters = parameters;
    const Layer& regions = inputs.require("regions", "optimize");
    const Layer* line = inputs.layer("line");
    const Layer* maritime = inputs.layer("maritime_zone");
    const Layer* existing = parameters.keep_existing ? inputs.layer("deployments") : nullptr;
    std::vector<const Layer*> targets;
    for (const auto& t : inputs.targets) targets.push_back(&t);
    const ScenarioParameters& p = inputs.parameters;
    const Territory* territory = (line || inputs.has("occupied")) ? &inputs.territory(callbacks) : nullptr;
    if (!p.dem.empty())
        callbacks.warning(fmt::format("the DEM {}: site optimisation does not model terrain (candidates reach to their radar horizon over the ellipsoid), "
                                      "so what it proposes may cover more than the terrain lets it; measure the plan it proposes with dza coverage --dem",
                                      redact_source(p.dem)));

    // The target altitude: the one asked for, else the lowest measured (the hardest to see).
    out.altitude_m = parameters.altitude_m;
    if (!out.altitude_m && !p.altitudes_m.empty()) out.altitude_m = p.altitudes_m.front();
    out.depth = parameters.backup ? 2 : 1;

    OptimizeOptions& options = out.options;
    options.callbacks = callbacks;
    options.existing_reach = coverage_options(p);
    if (existing && !options.existing_reach.radius_m && options.existing_reach.radius_field.empty() && options.existing_reach.radius_by_role_m.empty() &&
        existing->field_index("radius_km"))
        options.existing_reach.radius_field = "radius_km";
    options.reach = coverage_options(p);
    options.reach.horizon.target_altitude_m = out.altitude_m;
    options.existing_reach.tolerance_m = options.reach.tolerance_m;
    options.regions = &regions;
    options.line = line;
    options.territory = territory;
    options.eligibility = inputs.eligibility();
    // New sites may go anywhere else eligible unless asked to stay inside the basing areas.
    if (!parameters.in_basing_areas) options.eligibility.basing_areas = nullptr;
    else if (!options.eligibility.basing_areas) throw UsageError("new sites inside the basing areas: there are none; give --basing-areas or a scenario with them");
    options.maritime_zone = maritime;
    options.depth = out.depth;
    options.sites = parameters.sites.value_or(1);
    options.target_pct = parameters.target_pct;
    options.min_separation_m = parameters.min_separation_m;
    options.time_limit_s = parameters.time_limit_s;
    options.gap_pct = parameters.gap_pct;
    options.exact = !parameters.greedy_only;
    options.demand_options.cell_m = parameters.cell_m;

    // The candidates and their reach.
    const bool from_layer = !parameters.candidates.empty();
    if (from_layer) {
        out.candidates = load_layer(LayerRef::parse(parameters.candidates), load);
    } else {
        if (!parameters.grid_m) throw UsageError("optimize needs candidate sites: a layer of points or a grid spacing");
        if (!territory) throw UsageError("a grid of candidates needs the controlled side: give a line (or an occupied area)");
        ZonesOptions z;
        z.eligibility = options.eligibility;
        z.pieces = false;
        z.standoff_band = false;
        z.tolerance_m = options.reach.tolerance_m;
        z.callbacks = callbacks;
        const ZonesResult zones = compute_zones(regions, *territory, z);
        if (zones.eligible.is_empty())
            throw DataError("the eligible zone is empty: no grid candidate can be placed; relax the stand-off or the regions allowed");
        out.candidates = grid_layer(grid_points(zones.eligible, *parameters.grid_m), *parameters.grid_m);
        if (out.candidates.features.empty())
            throw DataError(fmt::format("no point of the {:g} km grid falls in the eligible zone; give a smaller spacing", *parameters.grid_m / 1000));
    }
    if (!parameters.system.empty()) {
        const SystemCatalogue* catalogue = options.reach.sensors.systems;
        if (!catalogue || !catalogue->find(parameters.system))
            throw UsageError(fmt::format("system \"{}\" is not in the catalogue{}; give a catalogue (--systems FILE or the scenario's systems) or one of: {}",
                                         parameters.system, catalogue ? " (" + catalogue->source + ")" : std::string(),
                                         catalogue ? catalogue->names() : std::string("(none)")));
        out.candidates = with_value(out.candidates, "system", parameters.system);
        options.reach.sensors.system_field = "system";
        options.reach.radius_m.reset();
        options.reach.radius_field.clear();
        options.reach.radius_by_role_m.clear();
    } else {
        // A candidate layer may name its own type in the catalogue's field; grid candidates have none.
        if (!from_layer) options.reach.sensors.systems = nullptr;
        if (parameters.radius_m) {
            options.reach.radius_m = parameters.radius_m;
            options.reach.radius_field.clear();
            options.reach.radius_by_role_m.clear();
        } else if (!parameters.radius_field.empty()) {
            options.reach.radius_field = parameters.radius_field;
            options.reach.radius_m.reset();
            options.reach.radius_by_role_m.clear();
        } else if (from_layer && out.candidates.field_index("radius_km")) {
            options.reach.radius_field = "radius_km";
        } else if (!from_layer) {
            throw UsageError("grid candidates need a reach: give a system (--system NAME) or a radius (--radius D)");
        }
    }

    // The demand: as asked, else the line, the regions and the maritime zone there are.
    std::vector<DemandTerm> terms = parameters.demand;
    if (terms.empty()) {
        if (line) terms.push_back({"line", "", 1});
        terms.push_back({"regions", "", 1});
        if (maritime) terms.push_back({"maritime_zone", "", 1});
    }
    for (const DemandTerm& d : terms)
        if (d.key == "points") out.point_layers.push_back(load_layer(LayerRef::parse(d.layer), load));
    std::size_t next_points = 0;
    for (const DemandTerm& d : terms) {
        DemandSpec s;
        s.name = d.key;
        s.weight = d.weight;
        if (d.key == "line") {
            if (!line) throw UsageError("demand line: there is no line; give --line or a scenario with one");
            s.kind = DemandKind::Line;
            s.layer = line;
        } else if (d.key == "regions") {
            s.kind = DemandKind::Area;
            s.layer = &regions;
        } else if (d.key == "controlled") {
            if (!territory) throw UsageError("demand controlled: the controlled side needs a line (or an occupied area)");
            s.kind = DemandKind::Area;
            s.area = &territory->controlled;
        } else if (d.key == "maritime_zone") {
            if (!maritime) throw UsageError("demand maritime_zone: there is no maritime zone; give --maritime-zone or a scenario with one");
            s.kind = DemandKind::Area;
            s.layer = maritime;
        } else if (d.key == "targets") {
            bool any = false;
            for (const Layer* t : targets) {
                if (same_layer(t, maritime)) continue;
                DemandSpec ts = s;
                ts.kind = DemandKind::Area;
                ts.layer = t;
                ts.name = t->name;
                options.demand.push_back(ts);
                any = true;
            }
            if (!any) throw UsageError("demand targets: there are no target areas besides the maritime zone; give --target LAYER");
            continue;
        } else if (d.key == "points") {
            s.kind = DemandKind::Points;
            s.layer = &out.point_layers[next_points++];
            s.name = s.layer->name;
            s.weight_field = parameters.points_weight_field;
        } else {
            throw UsageError(fmt::format("demand \"{}\" is not one of line, regions, controlled, maritime_zone, targets, points", d.key));
        }
        options.demand.push_back(s);
    }

    out.result = optimize_sites(out.candidates, existing, options);
    const MaxCoverSolution& sol = out.result.solution;
    out.gap_pct = sol.bound > 0 ? 100.0 * (sol.bound - sol.objective) / sol.bound : 0.0;

    // The plan, the sites alone and their reaches.
    out.plan = proposed_plan(out.candidates, existing, out.result, options);
    out.sites = proposed_plan(out.candidates, nullptr, out.result, options, "proposed_sites");
    out.reaches = copy_layer(out.sites, [](const Geometry& g) { return g.clone(); });
    out.reaches.name = "proposed_reaches";
    for (std::size_t k = 0; k < out.reaches.features.size(); ++k) out.reaches.features[k].geometry = out.result.reaches[k].clone();

    // The plan's exact coverage, and each demand layer's exact figure against its interval.
    CoverageOptions plan_options = plan_coverage_options(options);
    if (territory) {
        plan_options.territory = &territory->land;
        plan_options.gaps_within = &territory->controlled;
        plan_options.gaps_within_name = "controlled side";
    }
    if (maritime) out.coverage_targets.push_back(maritime);
    for (const Layer* t : targets)
        if (!same_layer(t, maritime)) out.coverage_targets.push_back(t);
    out.coverage = compute_coverage(out.plan, regions, line, out.coverage_targets, plan_options);
    for (const DemandShare& s : out.result.shares) {
        const double exact = demand_exact_pct(s, out.coverage, out.depth, territory, out.coverage_targets);
        out.exact_pct.push_back(exact);
        // The interval holds the exact figure by construction; a figure outside it is a fault to report, not to hide.
        if (std::isfinite(exact) && (exact < s.lower_pct - 1e-6 || exact > s.upper_pct + 1e-6))
            callbacks.warning(fmt::format("{}: the exact coverage {:.6f}% lies outside the certified interval [{:.6f}%, {:.6f}%]", s.name, exact, s.lower_pct,
                                          s.upper_pct));
    }
    return out;
}

nlohmann::ordered_json to_json(const PlanProposal& proposal, const Layer& regions, const Layer* line) {
    const OptimizeResult& result = proposal.result;
    const MaxCoverSolution& sol = result.solution;
    nlohmann::ordered_json j;
    j["schema"] = "dza.optimize/1";
    j["objective"] = sol.objective;
    j["objective_upper"] = result.objective_upper;
    j["bound"] = sol.bound;
    j["gap_pct"] = proposal.gap_pct;
    j["optimal"] = sol.optimal;
    j["greedy_objective"] = sol.greedy_objective;
    j["existing_objective"] = sol.fixed_objective;
    j["max_objective"] = result.demand.total_weight();
    j["objective_kind"] = proposal.depth == 1 ? "cover" : "backup";
    if (proposal.parameters.target_pct) {
        j["target_pct"] = *proposal.parameters.target_pct;
        j["target_reached"] = sol.target_reached;
        j["min_sites_bound"] = sol.min_sites_bound;
    }
    j["altitude_m"] = proposal.altitude_m ? nlohmann::ordered_json(*proposal.altitude_m) : nlohmann::ordered_json();
    nlohmann::ordered_json selected = nlohmann::ordered_json::array();
    const auto system_field = proposal.sites.field_index("system");
    for (std::size_t k = 0; k < proposal.sites.features.size(); ++k) {
        const Feature& f = proposal.sites.features[k];
        const auto paths = f.geometry.paths();
        nlohmann::ordered_json s;
        s["name"] = proposal.sites.label(f);
        s["lon"] = paths.front().front().lon;
        s["lat"] = paths.front().front().lat;
        if (system_field && f.values[*system_field].is_string()) s["system"] = f.values[*system_field];
        s["radius_km"] = result.sensors[result.selected[k]].max_range_m / 1000.0;
        s["gain"] = result.gain[k];
        selected.push_back(s);
    }
    j["selected"] = selected;
    nlohmann::ordered_json demand = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < result.shares.size(); ++i) {
        const DemandShare& s = result.shares[i];
        nlohmann::ordered_json d;
        d["name"] = s.name;
        d["kind"] = demand_kind_name(s.kind);
        d["weight"] = s.weight;
        d["total"] = s.total;
        d["unit"] = s.kind == DemandKind::Line ? "km" : s.kind == DemandKind::Area ? "km2" : "weight";
        d["pieces"] = s.pieces;
        d["existing_pct"] = s.existing_lower_pct;
        d["lower_pct"] = s.lower_pct;
        d["upper_pct"] = s.upper_pct;
        d["exact_pct"] = std::isfinite(proposal.exact_pct[i]) ? nlohmann::ordered_json(proposal.exact_pct[i]) : nlohmann::ordered_json();
        demand.push_back(d);
    }
    j["demand"] = demand;
    j["discretisation"] = {{"line_piece_km", result.demand.line_piece_m / 1000},
                           {"cell_km", result.demand.cell_m / 1000},
                           {"pieces", result.demand.pieces.size()},
                           {"program_rows", sol.program_rows}};
    j["candidates"] = {{"given", result.candidates},
                       {"not_eligible", result.not_eligible},
                       {"too_close", result.too_close},
                       {"eligible", result.eligible.size()},
                       {"conflicting_pairs", result.conflicts}};
    j["coverage"] = to_json(proposal.coverage, proposal.plan, regions, line, proposal.coverage_targets);
    j["method"] = std::string(optimize_method) + "; " + sol.method;
    j["max_error_m"] = result.max_error_m;
    j["greedy_s"] = sol.greedy_s;
    j["solve_s"] = sol.solve_s;
    return j;
}

}  // namespace dza
