// Site optimisation: candidates and their reaches, the demand's pieces, the problem for the
// solver, and the certified interval of the plan chosen (optimize.hpp).
#include "dza/optimize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include <yaml-cpp/yaml.h>

#include "coverage/steps.hpp"
#include "dza/check.hpp"
#include "dza/distance.hpp"
#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "geos/geos.hpp"
#include "parallel.hpp"

namespace dza {

namespace {

// The reach geometries of a layer's features as the coverage builds them (null where none).
std::vector<coverage::Reach> reaches_of_layer(const Layer& layer, const std::vector<SensorReach>& sensors, const CoverageOptions& options) {
    std::vector<coverage::Reach> reaches = coverage::reaches_of(layer, sensors, options.tolerance_m, {});
    coverage::build_geometries(reaches, layer, options.tolerance_m, options.horizon, {});
    return reaches;
}

// Candidate pairs nearer than `separation_m` (geodesic), each pair once, ascending.
std::vector<std::pair<std::uint32_t, std::uint32_t>> close_pairs(const std::vector<LonLat>& sites, double separation_m) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
    if (separation_m <= 0 || sites.size() < 2) return pairs;
    // Sorted by latitude: a pair more than the separation apart in latitude (1 degree >= 110.5 km) is never close.
    std::vector<std::uint32_t> order(sites.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return sites[a].lat < sites[b].lat || (sites[a].lat == sites[b].lat && a < b); });
    const double lat_window_deg = separation_m / 110000.0 + 1e-9;
    for (std::size_t a = 0; a < order.size(); ++a)
        for (std::size_t b = a + 1; b < order.size() && sites[order[b]].lat - sites[order[a]].lat <= lat_window_deg; ++b) {
            const LonLat p = sites[order[a]], q = sites[order[b]];
            if (coverage::rough_distance_m(p, q) > 1.5 * separation_m + 1000.0) continue;  // within 2% below 600 km
            if (geodesic_inverse(p, q).distance_m < separation_m)
                pairs.emplace_back(std::min(order[a], order[b]), std::max(order[a], order[b]));
        }
    std::sort(pairs.begin(), pairs.end());
    return pairs;
}

void check_options(const OptimizeOptions& o) {
    if (o.demand.empty()) throw UsageError("optimize: no demand; give the line, regions, a target area or points to cover");
    if (o.depth < 1 || o.depth > 255) throw UsageError(fmt::format("optimize: depth {} is not 1 (cover) or more (backup)", o.depth));
    if (o.target_pct) {
        if (!std::isfinite(*o.target_pct) || *o.target_pct <= 0 || *o.target_pct > 100)
            throw UsageError(fmt::format("optimize: target {:g}% is not in (0, 100]", *o.target_pct));
    } else if (o.sites < 1) {
        throw UsageError("optimize: sites must be 1 or more");
    }
    if (!std::isfinite(o.min_separation_m) || o.min_separation_m < 0) throw UsageError("optimize: the minimum separation must be a distance of 0 or more");
    if (!std::isfinite(o.time_limit_s) || o.time_limit_s < 0) throw UsageError("optimize: the time limit must be 0 seconds or more");
    if (!(o.gap_pct >= 0 && o.gap_pct < 100)) throw UsageError(fmt::format("optimize: a gap of {:g}% is not in [0, 100)", o.gap_pct));
    if (o.gap_pct > 0 && o.target_pct) throw UsageError("optimize: a gap applies to a number of sites; a target finds the fewest sites, as exactly as the time limit allows");
}

std::string rule_list(const std::map<std::string, std::size_t>& by_rule) {
    std::string text;
    for (const auto& [rule, n] : by_rule) text += fmt::format("{}{}: {}", text.empty() ? "" : ", ", rule, n);
    return text;
}

}  // namespace

OptimizeResult optimize_sites(const Layer& candidates, const Layer* existing, const OptimizeOptions& options) {
    check_options(options);
    const Callbacks& cb = options.callbacks;
    OptimizeResult result;

    // Candidates: points with a reach.
    result.sensors = deployment_sensors(candidates, options.reach);
    std::vector<LonLat> sites(candidates.features.size());
    std::vector<bool> usable(candidates.features.size(), false);
    for (std::size_t i = 0; i < candidates.features.size(); ++i) {
        const Feature& f = candidates.features[i];
        if (f.geometry.is_null() || f.geometry.is_empty()) continue;
        if (!geos::single_point(f.geometry.get(), sites[i]))
            throw DataError(fmt::format("{}: {}: is a {}; candidates are sites, give points", candidates.where_text(), candidates.describe(f),
                                        f.geometry.type_name()));
        usable[i] = true;
        ++result.candidates;
    }
    if (result.candidates == 0) throw UsageError(fmt::format("{}: no candidate has a point", candidates.where_text()));

    // Eligibility: what dza check would pass.
    if (options.line && options.regions && options.territory) {
        CheckOptions check;
        check.eligibility = options.eligibility;
        check.maritime_zone = options.maritime_zone;
        const CheckResult checked = check_plan(candidates, *options.regions, *options.line, *options.territory, check);
        std::map<std::string, std::size_t> by_rule;
        for (const DeploymentCheck& d : checked.deployments) {
            if (d.passed() || !usable[d.feature]) continue;
            usable[d.feature] = false;
            ++result.not_eligible;
            ++by_rule[d.violations.front().rule];
        }
        if (result.not_eligible)
            cb.warning(fmt::format("{}: {} of {} candidates are not eligible for basing and are left out ({})", candidates.where_text(), result.not_eligible,
                                   result.candidates, rule_list(by_rule)));
    }

    // Existing deployments: their reaches, and the separation from them.
    std::vector<coverage::Reach> existing_reaches;
    if (existing) {
        CoverageOptions e = options.existing_reach;
        e.horizon = options.reach.horizon;
        e.tolerance_m = options.reach.tolerance_m;
        result.existing_sensors = deployment_sensors(*existing, e);
        existing_reaches = reaches_of_layer(*existing, result.existing_sensors, e);
        if (options.min_separation_m > 0) {
            std::vector<const Geometry*> geometries;
            for (const Feature& f : existing->features) geometries.push_back(&f.geometry);
            const DistanceIndex index(geometries);
            for (std::size_t i = 0; i < sites.size(); ++i) {
                if (!usable[i]) continue;
                const auto hit = index.nearest(sites[i]);
                if (hit && hit->nearest.distance_m < options.min_separation_m) {
                    usable[i] = false;
                    ++result.too_close;
                }
            }
            if (result.too_close)
                cb.warning(fmt::format("{}: {} candidates are nearer than {:g} km to a deployment already there and are left out", candidates.where_text(),
                                       result.too_close, options.min_separation_m / 1000));
        }
    }
    for (std::size_t i = 0; i < usable.size(); ++i)
        if (usable[i]) result.eligible.push_back(i);
    if (result.eligible.empty())
        throw DataError(fmt::format("{}: none of the {} candidates is eligible; move them, or relax the stand-off, the regions allowed or the separation",
                                    candidates.where_text(), result.candidates));
    if (!cb.report(0.05, "optimising")) throw DataError("optimisation cancelled");

    // The candidates' reaches, as the coverage draws them.
    Layer eligible_layer;
    eligible_layer.source = candidates.source;
    eligible_layer.name = candidates.name;
    eligible_layer.fields = candidates.fields;
    eligible_layer.name_field = candidates.name_field;
    std::vector<SensorReach> eligible_sensors;
    for (std::size_t i : result.eligible) {
        Feature f;
        f.fid = candidates.features[i].fid;
        f.values = candidates.features[i].values;
        f.geometry = candidates.features[i].geometry.clone();
        eligible_layer.features.push_back(std::move(f));
        eligible_sensors.push_back(result.sensors[i]);
    }
    std::vector<coverage::Reach> candidate_reaches = reaches_of_layer(eligible_layer, eligible_sensors, options.reach);
    std::vector<const Geometry*> candidate_geometries(result.eligible.size(), nullptr);
    for (const coverage::Reach& r : candidate_reaches) {
        candidate_geometries[r.feature] = &r.geometry;
        result.max_error_m = std::max(result.max_error_m, r.max_error_m);
    }
    std::vector<const Geometry*> existing_geometries;
    for (const coverage::Reach& r : existing_reaches) {
        existing_geometries.push_back(&r.geometry);
        result.max_error_m = std::max(result.max_error_m, r.max_error_m);
    }
    if (!cb.report(0.2, "optimising")) throw DataError("optimisation cancelled");

    // The demand's pieces, and what each reach covers and touches of them.
    DemandOptions demand_options = options.demand_options;
    demand_options.callbacks = cb;
    result.demand = discretise_demand(options.demand, demand_options);
    const std::size_t n_pieces = result.demand.pieces.size();
    const PieceCoverage cand = piece_coverage(result.demand, candidate_geometries, cb);
    const PieceCoverage fixed = piece_coverage(result.demand, existing_geometries, cb);
    if (!cb.report(0.5, "optimising")) throw DataError("optimisation cancelled");

    MaxCoverProblem problem;
    problem.weights.resize(n_pieces);
    for (std::size_t p = 0; p < n_pieces; ++p) problem.weights[p] = result.demand.pieces[p].weight;
    problem.covers = cand.covers;
    if (!existing_geometries.empty()) {
        problem.fixed.assign(n_pieces, 0);
        for (const auto& list : fixed.covers)
            for (std::uint32_t p : list) problem.fixed[p] = static_cast<std::uint8_t>(std::min(255, problem.fixed[p] + 1));
    }
    problem.depth = options.depth;
    problem.sites = options.sites;
    if (options.target_pct) {
        problem.target = *options.target_pct / 100.0 * result.demand.total_weight();
        problem.sites = result.eligible.size();
    }
    std::vector<LonLat> eligible_sites;
    for (std::size_t i : result.eligible) eligible_sites.push_back(sites[i]);
    problem.conflicts = close_pairs(eligible_sites, options.min_separation_m);
    result.conflicts = problem.conflicts.size();
    problem.time_limit_s = options.time_limit_s;
    problem.gap = options.gap_pct / 100;
    problem.exact = options.exact;
    result.solution = solve_max_cover(problem, cb);

    for (std::size_t k = 0; k < result.solution.chosen.size(); ++k) {
        const std::uint32_t c = result.solution.chosen[k];
        result.selected.push_back(result.eligible[c]);
        result.gain.push_back(k < result.solution.gain.size() ? result.solution.gain[k] : 0.0);
        result.reaches.push_back(candidate_geometries[c] ? candidate_geometries[c]->clone() : Geometry());
    }

    // The certified interval of the plan chosen, by demand layer.
    std::vector<unsigned> covered(n_pieces, 0), touched(n_pieces, 0), fixed_covered(n_pieces, 0);
    for (const auto& list : fixed.covers)
        for (std::uint32_t p : list) ++covered[p], ++fixed_covered[p];
    for (const auto& list : fixed.touches)
        for (std::uint32_t p : list) ++touched[p];
    for (std::uint32_t c : result.solution.chosen) {
        for (std::uint32_t p : cand.covers[c]) ++covered[p];
        for (std::uint32_t p : cand.touches[c]) ++touched[p];
    }
    for (const DemandLayer& l : result.demand.layers) {
        DemandShare s;
        s.name = l.name;
        s.kind = l.kind;
        s.weight = l.weight;
        s.total = l.total;
        s.pieces = l.piece_count;
        double lower = 0, upper = 0, before = 0;
        for (std::size_t p = l.first_piece; p < l.first_piece + l.piece_count; ++p) {
            const double m = result.demand.pieces[p].measure;
            if (covered[p] >= options.depth) lower += m;
            if (touched[p] >= options.depth) upper += m;
            if (fixed_covered[p] >= options.depth) before += m;
            if (touched[p] >= options.depth) result.objective_upper += result.demand.pieces[p].weight;
        }
        if (l.total > 0) {
            s.lower_pct = 100.0 * lower / l.total;
            s.upper_pct = std::min(100.0, 100.0 * upper / l.total);
            s.existing_lower_pct = 100.0 * before / l.total;
        }
        result.shares.push_back(s);
    }
    cb.report(1.0, "optimising");
    return result;
}

CoverageOptions plan_coverage_options(const OptimizeOptions& options) {
    CoverageOptions o;
    o.radius_field = "radius_km";
    o.sensors.systems = options.reach.sensors.systems;
    o.sensors.system_field = "system";
    o.horizon = options.reach.horizon;
    o.tolerance_m = options.reach.tolerance_m;
    o.callbacks = options.callbacks;
    return o;
}

namespace {

std::string sector_text(const Sector& s) {
    if (s.full()) return "0,360";
    return fmt::format("{:.17g},{:.17g}", s.from_deg, s.to_deg());
}

// A plan feature: the reach written out in full.
Feature plan_feature(const Feature& source, const std::string& name, const char* origin, const std::string& role, const std::string& system,
                     const SensorReach& s, std::optional<double> gain) {
    Feature f;
    f.fid = source.fid;
    f.geometry = source.geometry.clone();
    const auto text = [](const std::string& t) { return t.empty() ? nlohmann::json() : nlohmann::json(t); };
    f.values = {name, origin, text(role), text(system), s.max_range_m / 1000.0};
    if (s.line_of_sight) {
        f.values.push_back(s.max_range_m / 1000.0);
        f.values.push_back(s.min_range_m / 1000.0);
        f.values.push_back(s.sensor_height_m);
        f.values.push_back(sector_text(s.sector));
    } else {
        f.values.insert(f.values.end(), 4, nlohmann::json());
    }
    f.values.push_back(gain ? nlohmann::json(*gain) : nlohmann::json());
    return f;
}

// A feature's role: its role field's text, else its system type's role.
std::string role_of(const Layer& layer, const Feature& f, const std::string& role_field, const std::string& system, const SensorRules& rules) {
    if (const auto field = layer.field_index(role_field); field && f.values[*field].is_string() && !f.values[*field].get<std::string>().empty())
        return f.values[*field].get<std::string>();
    if (!system.empty() && rules.systems)
        if (const SystemType* t = rules.systems->find(system)) return t->role;
    return {};
}

// The system a feature names, when the catalogue knows it.
std::string system_of(const Layer& layer, const Feature& f, const SensorRules& rules) {
    if (!rules.systems || rules.systems->empty() || rules.system_field.empty()) return {};
    const auto field = layer.field_index(rules.system_field);
    if (!field || !f.values[*field].is_string()) return {};
    const std::string name = f.values[*field].get<std::string>();
    return rules.systems->find(name) ? name : std::string();
}

}  // namespace

Layer proposed_plan(const Layer& candidates, const Layer* existing, const OptimizeResult& result, const OptimizeOptions& options, const std::string& name) {
    Layer plan;
    plan.name = name;
    plan.source = name;
    plan.crs = "EPSG:4326";
    plan.fields = {{"name", FieldType::String},         {"origin", FieldType::String},       {"role", FieldType::String}, {"system", FieldType::String},
                   {"radius_km", FieldType::Real},      {"max_range_km", FieldType::Real},   {"min_range_km", FieldType::Real},
                   {"sensor_height_m", FieldType::Real}, {"sector_deg", FieldType::String}, {"gain", FieldType::Real}};
    plan.name_field = "name";
    std::int64_t fid = 0;
    if (existing) {
        const auto label = existing->label_field();
        for (std::size_t i = 0; i < existing->features.size(); ++i) {
            const Feature& f = existing->features[i];
            if (i >= result.existing_sensors.size() || std::isnan(result.existing_sensors[i].max_range_m)) continue;
            const std::string system = system_of(*existing, f, options.existing_reach.sensors);
            Feature out = plan_feature(f, existing->label(f, label), "existing",
                                       role_of(*existing, f, options.existing_reach.role_field, system, options.existing_reach.sensors), system,
                                       result.existing_sensors[i], std::nullopt);
            out.fid = ++fid;
            plan.features.push_back(std::move(out));
        }
    }
    const auto label = candidates.label_field();
    for (std::size_t k = 0; k < result.selected.size(); ++k) {
        const Feature& f = candidates.features[result.selected[k]];
        const std::string system = system_of(candidates, f, options.reach.sensors);
        Feature out = plan_feature(f, candidates.label(f, label), "proposed", role_of(candidates, f, options.reach.role_field, system, options.reach.sensors),
                                   system, result.sensors[result.selected[k]], result.gain[k]);
        out.fid = ++fid;
        plan.features.push_back(std::move(out));
    }
    return plan;
}

std::string plan_scenario_yaml(const std::string& name, const std::map<std::string, ScenarioLayer>& layers, const ScenarioParameters& parameters,
                               const std::string& plan_file) {
    YAML::Emitter out;
    out.SetDoublePrecision(15);
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << name;
    out << YAML::Key << "layers" << YAML::Value << YAML::BeginMap;
    for (const auto& [role, layer] : layers) {
        if (role == "deployments") continue;
        LayerRef ref = layer.ref;
        std::error_code ec;
        if (std::filesystem::exists(ref.source, ec)) ref.source = std::filesystem::absolute(ref.source, ec).lexically_normal().string();
        out << YAML::Key << role << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "source" << YAML::Value << ref.display();
        if (!layer.name_field.empty()) out << YAML::Key << "name_field" << YAML::Value << layer.name_field;
        out << YAML::EndMap;
    }
    out << YAML::Key << "deployments" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "source" << YAML::Value << plan_file << YAML::Key
        << "name_field" << YAML::Value << "name" << YAML::EndMap;
    out << YAML::EndMap;
    if (parameters.systems && !parameters.systems->empty()) {
        out << YAML::Key << "systems" << YAML::Value << YAML::BeginMap;
        for (const SystemType& t : parameters.systems->types) {
            out << YAML::Key << t.name << YAML::Value << YAML::Flow << YAML::BeginMap;
            if (!t.role.empty()) out << YAML::Key << "role" << YAML::Value << t.role;
            out << YAML::Key << "max_range_km" << YAML::Value << t.reach.max_range_m / 1000.0;
            if (t.reach.min_range_m > 0) out << YAML::Key << "min_range_km" << YAML::Value << t.reach.min_range_m / 1000.0;
            if (t.reach.sensor_height_m > 0) out << YAML::Key << "sensor_height_m" << YAML::Value << t.reach.sensor_height_m;
            if (!t.reach.sector.full())
                out << YAML::Key << "sector_deg" << YAML::Value << YAML::Flow << YAML::BeginSeq << t.reach.sector.from_deg << t.reach.sector.to_deg() << YAML::EndSeq;
            out << YAML::EndMap;
        }
        out << YAML::EndMap;
    }
    out << YAML::Key << "parameters" << YAML::Value << YAML::BeginMap;
    if (parameters.standoff_m) out << YAML::Key << "standoff_km" << YAML::Value << *parameters.standoff_m / 1000.0;
    const ControlledSide& side = parameters.controlled_side;
    if (side.contains || !side.region.empty()) {
        out << YAML::Key << "controlled_side" << YAML::Value << YAML::Flow << YAML::BeginMap;
        if (side.contains)
            out << YAML::Key << "contains" << YAML::Value << YAML::Flow << YAML::BeginSeq << side.contains->lon << side.contains->lat << YAML::EndSeq;
        else
            out << YAML::Key << "region" << YAML::Value << side.region;
        out << YAML::EndMap;
    }
    out << YAML::Key << "radius_field" << YAML::Value << "radius_km";
    if (parameters.systems && !parameters.systems->empty()) out << YAML::Key << "system_field" << YAML::Value << "system";
    if (!parameters.altitudes_m.empty()) out << YAML::Key << "altitudes_m" << YAML::Value << YAML::Flow << parameters.altitudes_m;
    if (parameters.refraction_k) out << YAML::Key << "refraction_k" << YAML::Value << *parameters.refraction_k;
    if (!parameters.dem.empty()) out << YAML::Key << "dem" << YAML::Value << std::filesystem::absolute(parameters.dem).lexically_normal().string();
    if (parameters.altitude_ref) out << YAML::Key << "altitude_ref" << YAML::Value << (*parameters.altitude_ref == AltitudeRef::AboveSeaLevel ? "amsl" : "agl");
    if (!parameters.allowed_regions.empty()) out << YAML::Key << "allowed_regions" << YAML::Value << YAML::Flow << parameters.allowed_regions;
    if (parameters.west_of_lon) out << YAML::Key << "west_of_lon" << YAML::Value << *parameters.west_of_lon;
    out << YAML::EndMap;
    std::vector<std::string> analyses = {"distance", "zones", "coverage"};
    if (layers.count("line")) analyses.push_back("check");
    out << YAML::Key << "analyses" << YAML::Value << YAML::Flow << analyses;
    out << YAML::EndMap;
    return std::string("# A plan proposed by dza optimize: the deployments already there and the sites chosen.\n") + out.c_str() + "\n";
}

}  // namespace dza
