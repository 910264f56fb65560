#include "dza/coverage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "coverage/steps.hpp"
#include "dza/buffer.hpp"
#include "dza/error.hpp"
#include "geos/geos.hpp"

// compute_coverage runs the steps in src/coverage/ in order; coverage_layers turns a result into
// layers to write.

namespace dza {

namespace {
using coverage::area_m2;
using coverage::check_cancel;
using coverage::EnvelopeGrid;
using coverage::Reach;
using geos::clone;
}  // namespace

namespace {

CoverageResult compute(const Layer& deployments, const Layer& regions, const Layer* line, const std::vector<const Layer*>& targets,
                       const CoverageOptions& options, coverage::AreasSource* source) {
    if (!std::isfinite(options.tolerance_m) || options.tolerance_m < buffer_min_tolerance_m)
        throw UsageError(fmt::format("coverage tolerance {} m is too small; give at least {} m", options.tolerance_m, buffer_min_tolerance_m));
    // Rows per region are named: two regions of one name would give two rows no one can tell apart.
    if (const auto names = regions.label_field()) require_unique_names(regions, *names, "region");
    Callbacks cb = options.callbacks;
    if (source) cb.warn = [source](const std::string& message) { source->warning(message); };
    CoverageResult result;
    result.deployments_layer = deployments.name;
    result.sensors = deployment_sensors(deployments, options);
    for (const SensorReach& s : result.sensors) result.radius_m.push_back(s.max_range_m);
    result.altitude_m = options.horizon.target_altitude_m;
    result.refraction_k = options.horizon.refraction_k;

    // Regions and targets: polygonal features only.
    const auto polygons_of = [&](const Layer& layer, const char* what) {
        std::vector<std::size_t> idx;
        for (std::size_t i = 0; i < layer.features.size(); ++i) {
            const Feature& f = layer.features[i];
            if (f.geometry.is_empty()) {
                cb.warning(fmt::format("{}: {}: has no geometry; left out", layer.where_text(), layer.describe(f)));
            } else if (f.geometry.dimension() != 2) {
                cb.warning(fmt::format("{}: {}: is a {}, not an area; left out of the {}", layer.where_text(), layer.describe(f), f.geometry.type_name(), what));
            } else {
                idx.push_back(i);
            }
        }
        if (idx.empty()) throw DataError(fmt::format("{}: no feature is a polygon; {} must be areas", layer.where_text(), what));
        return idx;
    };
    const std::vector<std::size_t> region_idx = polygons_of(regions, "regions");
    std::vector<std::vector<std::size_t>> target_idx;
    for (const Layer* t : targets) target_idx.push_back(polygons_of(*t, "targets"));

    // 1. Reaches, built in parallel, and an index of their envelopes.
    std::vector<Reach> reaches = coverage::reaches_of(deployments, result.sensors, options.tolerance_m, cb);
    result.reaches = reaches.size();
    check_cancel(cb, 0.0, "coverage: reaches");
    coverage::build_geometries(reaches, deployments, options.tolerance_m, options.horizon, options.terrain_mask);
    std::vector<Extent> extents;
    for (const Reach& r : reaches) {
        result.max_error_m = std::max(result.max_error_m, r.max_error_m);
        extents.push_back(r.extent);
    }
    const coverage::GridShape shape = coverage::grid_shape(extents);
    EnvelopeGrid grid(extents, shape.bounds, shape.cell_deg);  // every reach
    for (std::size_t i = 0; i < reaches.size(); ++i) grid.insert(i);
    check_cancel(cb, 0.2, "coverage: union");

    // 2. Circles inside another circle add nothing to the union; 3. the union.
    EnvelopeGrid kept(extents, shape.bounds, shape.cell_deg);  // the reaches that stay in the union
    const std::vector<std::vector<std::size_t>> inside_of = coverage::set_aside_contained(reaches, kept, result.contained);
    result.coverage = coverage::union_of_reaches(reaches);
    check_cancel(cb, 0.45, "coverage: redundancy");

    // 4. The area covered twice or more.
    std::vector<Geometry> exclusive;  // what each reach alone covers
    result.redundancy = coverage::redundancy_of(reaches, kept, inside_of, result.coverage, exclusive);
    check_cancel(cb, 0.7, "coverage: figures");

    // 5. Figures per region, per target and for the territory, the line's coverage and the gaps.
    std::vector<double> exclusive_km2;
    coverage::measure_figures(result, regions, region_idx, line, targets, target_idx, options, reaches, grid, source, exclusive, exclusive_km2);

    // 6. The line's depth, and what the loss of each deployment takes away.
    std::vector<double> alone_m(reaches.size(), 0.0);
    if (result.line) {
        coverage::LineDepth depth = coverage::measure_depth(coverage::line_paths(*line), reaches, grid);
        for (double m : depth.depth_m) result.line->depth_km.push_back(m / 1000.0);
        alone_m = std::move(depth.alone_m);
    }
    for (std::size_t i = 0; i < reaches.size(); ++i) {
        DeploymentLoss loss;
        loss.feature = reaches[i].feature;
        loss.name = deployments.label(deployments.features[loss.feature]);
        loss.line_covered_km = result.line ? std::max(0.0, result.line->covered_km - alone_m[i] / 1000.0) : std::numeric_limits<double>::quiet_NaN();
        loss.area_covered_km2 = std::max(0.0, result.total.covered_km2 - exclusive_km2[i]);
        result.loss.push_back(std::move(loss));
    }
    std::stable_sort(result.loss.begin(), result.loss.end(), [](const DeploymentLoss& a, const DeploymentLoss& b) {
        if (!std::isnan(a.line_covered_km) && a.line_covered_km != b.line_covered_km) return a.line_covered_km < b.line_covered_km;
        if (a.area_covered_km2 != b.area_covered_km2) return a.area_covered_km2 < b.area_covered_km2;
        return a.feature < b.feature;
    });
    cb.report(1.0, "coverage");
    return result;
}

}  // namespace

CoverageResult compute_coverage(const Layer& deployments, const Layer& regions, const Layer* line, const std::vector<const Layer*>& targets,
                                const CoverageOptions& options) {
    if (!options.areas) return compute(deployments, regions, line, targets, options, nullptr);
    coverage::AreasSource source(options);
    try {
        return compute(deployments, regions, line, targets, options, &source);
    } catch (...) {
        // As if the areas had been made first: their warnings and error come before the coverage's.
        if (!source.asked()) {
            try {
                source.ask();
            } catch (...) {
                source.pass_on(false);
                throw;
            }
        }
        source.pass_on(!source.failed());
        throw;
    }
}

std::vector<CoverageResult> coverage_by_altitude(const Layer& deployments, const Layer& regions, const Layer* line, const std::vector<const Layer*>& targets,
                                                 CoverageOptions options, const std::vector<double>& altitudes_m, const Terrain* terrain,
                                                 AltitudeRef altitude_ref) {
    std::vector<CoverageResult> out;
    if (altitudes_m.empty()) {
        if (terrain) throw UsageError("a DEM needs target altitudes: give --altitudes (or altitudes_m in the scenario), e.g. 50m,300m");
        options.horizon.target_altitude_m.reset();
        out.push_back(compute_coverage(deployments, regions, line, targets, options));
        return out;
    }
    std::optional<TerrainMasks> masks;
    if (terrain)
        masks = terrain_masks(deployments, deployment_sensors(deployments, options), *terrain, altitudes_m, altitude_ref, options.horizon.refraction_k,
                              options.callbacks);
    for (std::size_t a = 0; a < altitudes_m.size(); ++a) {
        options.horizon.target_altitude_m = altitudes_m[a];
        if (masks)
            options.terrain_mask = [&masks, a](std::size_t feature) -> const Geometry* {
                const Geometry& g = masks->masks[a][feature];
                return g ? &g : nullptr;
            };
        CoverageResult r = compute_coverage(deployments, regions, line, targets, options);
        if (terrain) {
            r.terrain_dem = terrain->path();
            r.altitude_ref = altitude_ref;
            r.terrain_resolution_m = masks->resolution_m;
        }
        out.push_back(std::move(r));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------

namespace {
// Fixed decimals (km and km² to 0.001, percentages to 0.0001, degrees to 1e-7), printed as the
// shortest number that reads back the same, so outputs diff cleanly.
double rounded(double value, int decimals) { return std::strtod(fmt::format("{:.{}f}", value, decimals).c_str(), nullptr); }
}  // namespace

std::vector<Layer> coverage_layers(const CoverageResult& result, const Layer& regions, const std::vector<const Layer*>& targets,
                                   const Callbacks& callbacks) {
    const auto figures = [](const AreaCoverage& a) {
        return std::vector<nlohmann::json>{rounded(a.area_km2, 3), rounded(a.covered_km2, 3), rounded(a.covered_pct, 4), rounded(a.redundant_km2, 3),
                                           static_cast<std::int64_t>(a.deployments)};
    };
    const std::vector<FieldDef> figure_fields = {{"area_km2", FieldType::Real},
                                                 {"covered_km2", FieldType::Real},
                                                 {"covered_pct", FieldType::Real},
                                                 {"redundant_km2", FieldType::Real},
                                                 {"deployments", FieldType::Integer}};
    std::vector<Layer> out;

    // Regions with their fields and figures (a source field named like a figure is renamed).
    {
        Layer l;
        l.name = "regions";
        l.fields = regions.fields;
        l.name_field = regions.label_field() ? regions.fields[*regions.label_field()].name : "";
        std::vector<std::string> own;
        for (const auto& d : figure_fields) own.push_back(d.name);
        rename_clashing_fields(l, own, regions.where_text(), callbacks);
        std::vector<std::size_t> kept;
        for (std::size_t k = 0; k < regions.fields.size(); ++k) kept.push_back(k);
        l.fields.insert(l.fields.end(), figure_fields.begin(), figure_fields.end());
        for (const AreaCoverage& a : result.regions) {
            const Feature& src = regions.features[a.feature];
            Feature f;
            f.fid = static_cast<std::int64_t>(l.features.size());
            for (std::size_t k : kept) f.values.push_back(src.values[k]);
            for (auto& v : figures(a)) f.values.push_back(std::move(v));
            f.geometry = src.geometry.clone();
            l.features.push_back(std::move(f));
        }
        out.push_back(std::move(l));
    }

    const auto single = [&](const char* name, const Geometry& g, std::vector<FieldDef> fields, std::vector<nlohmann::json> values) {
        Layer l;
        l.name = name;
        l.fields = std::move(fields);
        if (!g.is_empty()) {
            Feature f;
            f.values = std::move(values);
            f.geometry = g.clone();
            l.features.push_back(std::move(f));
        }
        return l;
    };
    out.push_back(single("coverage", result.coverage,
                         {{"area_km2", FieldType::Real}, {"deployments", FieldType::Integer}, {"method", FieldType::String}, {"max_error_m", FieldType::Real}},
                         {rounded(area_m2(result.coverage) / 1e6, 3), static_cast<std::int64_t>(result.reaches), coverage_method, result.max_error_m}));
    out.push_back(single("redundancy", result.redundancy, {{"area_km2", FieldType::Real}, {"covered_by", FieldType::String}},
                         {rounded(area_m2(result.redundancy) / 1e6, 3), "two or more deployments"}));

    // Gaps: one feature per part, the largest first.
    {
        Layer l;
        l.name = "gaps";
        l.fields = {{"area_km2", FieldType::Real}, {"within", FieldType::String}};
        std::vector<std::pair<double, Geometry>> parts;
        GEOSContextHandle_t h = geos::ctx();
        if (!result.gaps.is_empty()) {
            const int n = GEOSGetNumGeometries_r(h, result.gaps.get());
            for (int i = 0; i < n; ++i) {
                Geometry part = clone(GEOSGetGeometryN_r(h, result.gaps.get(), i));
                const double a = area_m2(part);
                parts.emplace_back(a, std::move(part));
            }
        }
        std::stable_sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        for (auto& [a, g] : parts) {
            Feature f;
            f.fid = static_cast<std::int64_t>(l.features.size());
            f.values = {rounded(a / 1e6, 3), result.gaps_within};
            f.geometry = std::move(g);
            l.features.push_back(std::move(f));
        }
        out.push_back(std::move(l));
    }

    // Line gaps, in order along the line.
    {
        Layer l;
        l.name = "line_gaps";
        l.fields = {{"line", FieldType::String},     {"from_km", FieldType::Real},   {"to_km", FieldType::Real},   {"length_km", FieldType::Real},
                    {"start_lon", FieldType::Real},  {"start_lat", FieldType::Real}, {"end_lon", FieldType::Real}, {"end_lat", FieldType::Real}};
        if (result.line)
            for (const LineGap& g : result.line->gaps) {
                Feature f;
                f.fid = static_cast<std::int64_t>(l.features.size());
                f.values = {g.name,
                            rounded(g.from_km, 3),
                            rounded(g.to_km, 3),
                            rounded(g.length_km, 3),
                            rounded(g.start.lon, 7),
                            rounded(g.start.lat, 7),
                            rounded(g.end.lon, 7),
                            rounded(g.end.lat, 7)};
                f.geometry = g.geometry.clone();
                l.features.push_back(std::move(f));
            }
        out.push_back(std::move(l));
    }

    // Targets with their names and figures.
    {
        Layer l;
        l.name = "targets";
        l.fields = {{"layer", FieldType::String}, {"name", FieldType::String}};
        l.fields.insert(l.fields.end(), figure_fields.begin(), figure_fields.end());
        for (const AreaCoverage& a : result.targets) {
            const Layer* src = nullptr;
            if (a.target_layer < targets.size()) src = targets[a.target_layer];
            Feature f;
            f.fid = static_cast<std::int64_t>(l.features.size());
            f.values = {a.layer, a.name};
            for (auto& v : figures(a)) f.values.push_back(std::move(v));
            if (src && a.feature < src->features.size()) f.geometry = src->features[a.feature].geometry.clone();
            l.features.push_back(std::move(f));
        }
        out.push_back(std::move(l));
    }
    return out;
}

std::vector<Layer> coverage_layers(const std::vector<const CoverageResult*>& results, const Layer& regions, const std::vector<const Layer*>& targets,
                                   const Callbacks& callbacks) {
    if (results.size() == 1 && !results[0]->altitude_m) return coverage_layers(*results[0], regions, targets, callbacks);
    std::vector<Layer> out;
    for (std::size_t k = 0; k < results.size(); ++k) {
        // Clashing region fields are renamed (and warned about) once.
        std::vector<Layer> layers = coverage_layers(*results[k], regions, targets, k == 0 ? callbacks : Callbacks{});
        const nlohmann::json altitude = results[k]->altitude_m ? nlohmann::json(rounded(*results[k]->altitude_m, 3)) : nlohmann::json(nullptr);
        for (std::size_t i = 0; i < layers.size(); ++i) {
            Layer& l = layers[i];
            if (k == 0) {
                // A source field of that name is renamed, as figures' namesakes are.
                rename_clashing_fields(l, {"altitude_m"}, regions.where_text(), callbacks);
                Layer first;
                first.name = l.name;
                first.name_field = l.name_field;
                first.fields.push_back({"altitude_m", FieldType::Real});
                first.fields.insert(first.fields.end(), l.fields.begin(), l.fields.end());
                out.push_back(std::move(first));
            }
            Layer& into = out[i];
            for (Feature& f : l.features) {
                f.values.insert(f.values.begin(), altitude);
                f.fid = static_cast<std::int64_t>(into.features.size());
                into.features.push_back(std::move(f));
            }
        }
    }
    return out;
}

}  // namespace dza
