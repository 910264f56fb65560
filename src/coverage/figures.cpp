// Step 5 of the coverage: the figures per region, per target and for the territory (area
// coverage), with the line's coverage and the gaps.
#include <algorithm>
#include <functional>
#include <optional>
#include <string_view>

#include "coverage/steps.hpp"
#include "dza/distance.hpp"
#include "dza/territory.hpp"
#include "geos/geos.hpp"
#include "parallel.hpp"

namespace dza::coverage {

namespace {

using geos::difference;
using geos::extent_of;
using geos::intersection;
using geos::polygonal;

// Whether the prepared area holds, in its interior or on its boundary, a point nearer to the circle's centre than
// its radius less twice its chord error (less a metre more): points a little inside the ring,
// toward the centre from each vertex, measured exactly once they are found inside, then the
// area's own vertices within the circle's envelope. False when none is, which decides nothing.
template <typename Inside>
bool has_point_near_centre(const Extent& area_extent, const std::function<const std::vector<LonLat>&()>& area_vertices, const Reach& reach,
                           const Inside& inside) {
    const double limit_m = reach.radius_m - 2 * reach.max_error_m - 1.0;
    if (limit_m <= 0) return false;
    // Four chord errors (and a few metres) inside the ring: a lon/lat step that the geodesic
    // distance confirms, whatever the distortion of lon/lat near the circle.
    const double step = std::min(0.5, (4 * reach.max_error_m + 4.0) / reach.radius_m);
    const GEOSGeometry* ring = GEOSGetExteriorRing_r(geos::ctx(), reach.geometry.get());
    if (!ring) return false;
    for (const LonLat& v : geos::coords_of(ring)) {
        const LonLat p{v.lon + step * (reach.centre.lon - v.lon), v.lat + step * (reach.centre.lat - v.lat)};
        if (p.lon < area_extent.min_lon || p.lon > area_extent.max_lon || p.lat < area_extent.min_lat || p.lat > area_extent.max_lat) continue;
        if (inside(p) && geodesic_inverse(reach.centre, p).distance_m < limit_m) return true;
    }
    // Where the area enters the circle between those points: its own vertices in the circle.
    for (const LonLat& w : area_vertices())
        if (w.lon >= reach.extent.min_lon && w.lon <= reach.extent.max_lon && w.lat >= reach.extent.min_lat && w.lat <= reach.extent.max_lat &&
            geodesic_inverse(reach.centre, w).distance_m < limit_m)
            return true;
    return false;
}

// Whether `reach` overlaps the interior of the prepared polygon `area` (not only its boundary).
// For a circle whose centre lies outside, the geodesic distance from the centre to the area
// decides, unless it is within the circle's chord error of the radius.
// With `few` reaches to test, two tests that decide as the distance would come first, so that
// its index (which costs more to build than a few tests) is rarely needed.
bool reaches_into(const GEOSPreparedGeometry* area, const Geometry& area_geometry, const std::function<const DistanceIndex&()>& distance,
                  const std::function<const std::vector<LonLat>&()>& area_vertices, const Reach& reach, bool few) {
    GEOSContextHandle_t h = geos::ctx();
    if (reach.empty) return false;
    const auto inside = [&](LonLat p) {
        const Geometry point = Geometry::point(p);
        return GEOSPreparedContainsProperly_r(h, area, point.get()) == 1;
    };
    if (reach.is_circle) {
        if (inside(reach.centre)) return true;
        // Two tests that decide as the distance below would, without building its index: the
        // circle's ring lies within max_error_m of the exact circle, so an area apart from the
        // ring is at least radius - max_error_m from the centre (the distance test would say
        // no), and a point of the area found nearer than radius - 2 max_error_m (with a metre to
        // spare over the distance's error) is what the distance test would find too.
        if (few) {
            if (GEOSPreparedIntersects_r(h, area, reach.geometry.get()) != 1) return false;
            if (has_point_near_centre(area_geometry.extent(), area_vertices, reach, inside)) return true;
        }
        const auto nearest = distance().nearest(reach.centre);
        if (!nearest || nearest->nearest.distance_m >= reach.radius_m) return false;
        if (nearest->nearest.distance_m < reach.radius_m - 2 * reach.max_error_m) return true;
        if (!few && GEOSPreparedIntersects_r(h, area, reach.geometry.get()) != 1) return false;
    } else if (GEOSPreparedIntersects_r(h, area, reach.geometry.get()) != 1) {
        return false;
    }
    // Usually some vertex of the reach lies inside; otherwise ask for the full relation.
    bool found = false;
    const auto visit = [&](const auto& self, const GEOSGeometry* g) -> void {
        const int type = GEOSGeomTypeId_r(h, g);
        if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
            for (int i = 0; i < GEOSGetNumGeometries_r(h, g) && !found; ++i) self(self, GEOSGetGeometryN_r(h, g, i));
        } else if (type == GEOS_POLYGON && GEOSisEmpty_r(h, g) != 1) {
            for (const LonLat& p : geos::coords_of(GEOSGetExteriorRing_r(h, g)))
                if (inside(p)) {
                    found = true;
                    return;
                }
        }
    };
    visit(visit, reach.geometry.get());
    if (found) return true;
    return GEOSRelatePattern_r(h, area_geometry.get(), reach.geometry.get(), "T********") == 1;
}

// Where an area lies toward the coverage (or the redundancy), when a prepared geometry can tell
// without an overlay: apart from it, wholly inside its interior, or neither (the overlay
// decides; so it does where boundaries touch, which "contains properly" never looks into).
enum class Relation { Outside, Inside, Across };

Relation relation(const GEOSPreparedGeometry* prepared, const Extent& extent, const Geometry& area) {
    if (!overlap(extent, area.extent()) || GEOSPreparedIntersects_r(geos::ctx(), prepared, area.get()) != 1) return Relation::Outside;
    return GEOSPreparedContainsProperly_r(geos::ctx(), prepared, area.get()) == 1 ? Relation::Inside : Relation::Across;
}

// Up to this many reaches over an area are tested without the distance index first.
constexpr std::size_t few_reaches = 64;

struct Overlay {
    const std::vector<Reach>& reaches;
    const EnvelopeGrid& grid;
    const Geometry& coverage;
    const Geometry& redundancy;

    // The area's figures; an area known to lie wholly inside or outside the coverage (or the
    // redundancy) is measured without overlaying it.
    AreaCoverage measure(const Geometry& area, Relation to_coverage = Relation::Across, Relation to_redundancy = Relation::Across) const {
        AreaCoverage a;
        a.area_km2 = area_m2(area) / 1e6;
        Geometry covered;  // null when it is the whole area
        if (to_coverage == Relation::Outside) {
            a.covered_km2 = 0;
        } else if (to_coverage == Relation::Inside) {
            a.covered_km2 = a.area_km2;
        } else {
            covered = intersection(area.get(), coverage.get(), "intersecting with the coverage");
            a.covered_km2 = std::min(a.area_km2, area_m2(covered) / 1e6);
        }
        if (to_coverage == Relation::Outside || to_redundancy == Relation::Outside) {
            a.redundant_km2 = 0;
        } else if (to_coverage == Relation::Inside && to_redundancy == Relation::Inside) {
            a.redundant_km2 = a.covered_km2;
        } else {
            a.redundant_km2 = std::min(a.covered_km2, redundant_km2(covered ? covered : area));
        }
        a.covered_pct = a.area_km2 > 0 ? 100.0 * a.covered_km2 / a.area_km2 : 0.0;
        a.deployments = deployments(area);
        return a;
    }

    // The part of the area (or of its covered part) within two or more reaches, km².
    double redundant_km2(const Geometry& area) const { return area_m2(intersection(area.get(), redundancy.get(), "intersecting with the coverage")) / 1e6; }

    // The number of reaches that overlap the area's interior.
    std::size_t deployments(const Geometry& area) const {
        const geos::PreparedPtr prepared(geos::check(GEOSPrepare_r(geos::ctx(), area.get()), "preparing an area"));
        std::optional<DistanceIndex> distance;  // built when a circle's centre lies outside
        const std::function<const DistanceIndex&()> distance_index = [&]() -> const DistanceIndex& {
            if (!distance) distance.emplace(std::vector<const Geometry*>{&area});
            return *distance;
        };
        std::optional<std::vector<LonLat>> vertices;  // every ring's, when first needed
        const std::function<const std::vector<LonLat>&()> area_vertices = [&]() -> const std::vector<LonLat>& {
            if (!vertices) {
                vertices.emplace();
                for (const auto& polygon : area.polygons())
                    for (const auto& ring : polygon) vertices->insert(vertices->end(), ring.begin(), ring.end());
            }
            return *vertices;
        };
        std::size_t n = 0;
        const std::vector<std::size_t> candidates = grid.query(area.extent());
        const bool few = candidates.size() <= few_reaches;
        for (std::size_t i : candidates)
            if (reaches_into(prepared.get(), area, distance_index, area_vertices, reaches[i], few)) ++n;
        return n;
    }
};

}  // namespace

// 5. Figures per region, per target and for the territory, the line's coverage and the gaps:
// independent tasks run in parallel, each writing only its own result, so the figures are in
// the layers' order and the same on any number of threads. The territory's figures come in
// three parts (covered, redundant, deployments); they and the gaps wait for the territory when
// the caller did not give it: its union, or the areas `source` gives, made in the first round
// beside the regions' figures.
void measure_figures(CoverageResult& result, const Layer& regions, const std::vector<std::size_t>& region_idx, const Layer* line,
                     const std::vector<const Layer*>& targets, const std::vector<std::vector<std::size_t>>& target_idx,
                     const CoverageOptions& options, const std::vector<Reach>& reaches, const EnvelopeGrid& grid, AreasSource* source,
                     const std::vector<Geometry>& exclusive, std::vector<double>& exclusive_km2) {
    const Callbacks& cb = options.callbacks;
    geos::share_between_threads(result.coverage.get());
    geos::share_between_threads(result.redundancy.get());
    for (const Feature& f : regions.features) geos::share_between_threads(f.geometry.get());
    if (line)
        for (const Feature& f : line->features) geos::share_between_threads(f.geometry.get());
    for (std::size_t t = 0; t < targets.size(); ++t)
        for (std::size_t i : target_idx[t]) geos::share_between_threads(targets[t]->features[i].geometry.get());

    // The territory and the area gaps are measured within, when known before the tasks.
    const Geometry* territory = source ? nullptr : options.territory;
    const Geometry* gaps_within = source ? nullptr : options.gaps_within;
    if (territory) geos::share_between_threads(territory->get());
    const auto in_territory = [](const Geometry* within) { return !within || within->is_empty(); };
    if (!in_territory(gaps_within)) geos::share_between_threads(gaps_within->get());
    result.gaps_within = options.gaps_within ? options.gaps_within_name : std::string("territory");

    enum class Kind { Union, Areas, Line, Gaps, Region, Target, TerritoryCovered, TerritoryRedundant, TerritoryDeployments };
    struct Task {
        Kind kind;
        const Layer* layer = nullptr;  // regions and targets
        std::size_t feature = 0;
        std::size_t target_layer = 0;
    };
    // Tasks that need the territory, the largest first; and the others.
    std::vector<Task> on_territory{{Kind::TerritoryCovered}, {Kind::TerritoryRedundant}, {Kind::TerritoryDeployments}};
    if (source || in_territory(gaps_within)) on_territory.push_back({Kind::Gaps});
    std::vector<Task> tasks;
    if (source) tasks.push_back({Kind::Areas});
    else if (!territory) tasks.push_back({Kind::Union});
    else tasks = on_territory;
    if (!source && !in_territory(gaps_within)) tasks.push_back({Kind::Gaps});
    if (line) tasks.push_back({Kind::Line});
    for (std::size_t i : region_idx) tasks.push_back({Kind::Region, &regions, i, 0});
    for (std::size_t t = 0; t < targets.size(); ++t)
        for (std::size_t i : target_idx[t]) tasks.push_back({Kind::Target, targets[t], i, t});

    // Which regions and targets lie wholly inside or outside the coverage and the redundancy: a
    // prepared geometry answers exactly, here on this thread (prepared geometries are not shared).
    std::vector<std::pair<Relation, Relation>> relations(tasks.size(), {Relation::Across, Relation::Across});
    {
        GEOSContextHandle_t h = geos::ctx();
        const geos::PreparedPtr coverage_prepared(geos::check(GEOSPrepare_r(h, result.coverage.get()), "preparing the coverage"));
        const geos::PreparedPtr redundancy_prepared(geos::check(GEOSPrepare_r(h, result.redundancy.get()), "preparing the redundancy"));
        const Extent coverage_extent = extent_of(result.coverage.get()), redundancy_extent = extent_of(result.redundancy.get());
        for (std::size_t k = 0; k < tasks.size(); ++k) {
            if (tasks[k].kind != Kind::Region && tasks[k].kind != Kind::Target) continue;
            const Geometry* area = &tasks[k].layer->features[tasks[k].feature].geometry;
            relations[k].first = relation(coverage_prepared.get(), coverage_extent, *area);
            if (relations[k].first == Relation::Inside) relations[k].second = relation(redundancy_prepared.get(), redundancy_extent, *area);
        }
    }

    const Overlay overlay{reaches, grid, result.coverage, result.redundancy};
    Geometry own_territory;
    std::vector<AreaCoverage> figures(tasks.size());
    double territory_redundant_km2 = 0;
    const auto run_tasks = [&](const std::vector<Task>& list, std::vector<AreaCoverage>& out, double from, double to) {
        Callbacks progress;  // this step's share of the whole
        progress.progress = [&](double fraction, std::string_view message) { return cb.report(from + (to - from) * fraction, message); };
        parallel_for(
            list.size(),
            [&](std::size_t begin, std::size_t end) {
                for (std::size_t k = begin; k < end; ++k) {
                    const Task& task = list[k];
                    switch (task.kind) {
                        case Kind::Union: own_territory = union_of(regions); break;
                        case Kind::Areas: {
                            const CoverageAreas areas = source->ask();
                            territory = areas.territory;
                            gaps_within = areas.gaps_within;
                            if (!territory) own_territory = union_of(regions);
                            break;
                        }
                        case Kind::Line: result.line = measure_line(*line, result.coverage); break;
                        case Kind::Gaps: {
                            const GEOSGeometry* base = in_territory(gaps_within) ? territory->get() : gaps_within->get();
                            result.gaps = polygonal(difference(base, result.coverage.get(), "subtracting the coverage"));
                            result.gaps_km2 = area_m2(result.gaps) / 1e6;
                            break;
                        }
                        case Kind::Region:
                        case Kind::Target: {
                            const Feature& f = task.layer->features[task.feature];
                            out[k] = overlay.measure(f.geometry, relations[k].first, relations[k].second);
                            out[k].feature = task.feature;
                            out[k].target_layer = task.target_layer;
                            out[k].layer = task.layer->name;
                            out[k].name = task.layer->label(f);
                            break;
                        }
                        case Kind::TerritoryCovered:
                            result.total.area_km2 = area_m2(*territory) / 1e6;
                            result.total.covered_km2 =
                                std::min(result.total.area_km2, area_m2(intersection(territory->get(), result.coverage.get(), "intersecting with the coverage")) / 1e6);
                            break;
                        case Kind::TerritoryRedundant: territory_redundant_km2 = overlay.redundant_km2(*territory); break;
                        case Kind::TerritoryDeployments: result.total.deployments = overlay.deployments(*territory); break;
                    }
                }
            },
            progress, "coverage: figures", 1);
    };
    const bool second_round = source || !territory;
    run_tasks(tasks, figures, 0.7, second_round ? 0.9 : 1.0);
    if (second_round) {
        if (source) {
            source->pass_on(true);
            result.gaps_within = source->areas().gaps_within ? source->areas().gaps_within_name : std::string("territory");
        }
        if (!territory) territory = &own_territory;
        geos::share_between_threads(territory->get());
        if (!in_territory(gaps_within)) geos::share_between_threads(gaps_within->get());
        std::vector<AreaCoverage> unused(on_territory.size());
        run_tasks(on_territory, unused, 0.9, 1.0);
    }
    // What each reach alone covers of the territory (for the loss of one deployment).
    exclusive_km2 = exclusive_areas_km2(exclusive, *territory);
    result.total.layer = regions.name;
    result.total.name = "total";
    result.total.redundant_km2 = std::min(result.total.covered_km2, territory_redundant_km2);
    result.total.covered_pct = result.total.area_km2 > 0 ? 100.0 * result.total.covered_km2 / result.total.area_km2 : 0.0;
    for (std::size_t k = 0; k < tasks.size(); ++k) {
        if (tasks[k].kind == Kind::Region) result.regions.push_back(std::move(figures[k]));
        else if (tasks[k].kind == Kind::Target) result.targets.push_back(std::move(figures[k]));
    }
}

}  // namespace dza::coverage
