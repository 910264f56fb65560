#include "dza/zones.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "dza/buffer.hpp"
#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "geos/geos.hpp"
#include "parallel.hpp"

namespace dza {

namespace {

Geometry intersection(const Geometry& a, const Geometry& b) { return geos::intersection(a.get(), b.get()); }
Geometry difference(const Geometry& a, const Geometry& b) { return geos::difference(a.get(), b.get()); }

// Only the polygonal parts of an overlay's result (overlays can leave lines and points where
// boundaries touch), united.
Geometry polygonal(Geometry g) {
    if (g.is_empty() || g.type_name() == "Polygon" || g.type_name() == "MultiPolygon") return g;
    Geometry parts = geos::polygonal(std::move(g));
    if (parts.is_empty()) return parts;
    std::vector<Geometry> all;
    all.push_back(std::move(parts));
    return geos::unite(std::move(all), "union");
}

double km2(const Geometry& g) { return g.is_empty() ? 0.0 : geodesic_area_m2(g) / 1e6; }


}  // namespace

ZonesResult compute_zones(const Layer& regions, const Territory& territory, const ZonesOptions& options) {
    const EligibilityRule& rule = options.eligibility;
    if (rule.standoff_m < 0) throw UsageError("the stand-off distance is negative; give 0 or more");
    ZonesResult r;
    r.controlled_area_km2 = territory.controlled_area_km2;

    // Every name is resolved before any work, so an unknown one costs nothing.
    std::vector<bool> allowed(regions.features.size(), rule.allowed_regions.empty());
    for (const auto& name : rule.allowed_regions) allowed[find_region(regions, name)] = true;

    // The buffers, each on its own and built in parallel: the stand-off band, then the outer edge
    // of each distance band. The stand-off is measured from the line, or from the occupied area
    // when that was given.
    const Geometry& from = territory.line.is_null() ? territory.other : territory.line;
    std::vector<double> distances_m;
    if (rule.standoff_m > 0) distances_m.push_back(rule.standoff_m);
    std::vector<std::pair<double, std::optional<double>>> bands;  // km; none when no pieces are asked for
    if (options.pieces) {
        double inner = rule.standoff_m;
        for (double width : options.band_widths_m) {
            distances_m.push_back(inner + width);
            bands.emplace_back(inner / 1000.0, (inner + width) / 1000.0);
            inner += width;
        }
        bands.emplace_back(inner / 1000.0, std::nullopt);
    }
    // The widest (the slowest) first, so the threads finish together.
    std::vector<BufferJob> jobs;
    for (auto d = distances_m.rbegin(); d != distances_m.rend(); ++d) {
        BufferJob job;
        job.source = &from;
        job.options.distance_m = *d;
        job.options.tolerance_m = options.tolerance_m;
        jobs.push_back(std::move(job));
    }
    options.callbacks.report(0.1, "stand-off band");
    std::vector<BufferResult> buffers = geodesic_buffers(jobs);
    std::reverse(buffers.begin(), buffers.end());  // in the order of distances_m
    const std::size_t first_band = rule.standoff_m > 0 ? 1 : 0;

    Geometry eligible = territory.controlled.clone();
    if (rule.standoff_m > 0) {
        r.max_error_m = buffers[0].max_error_m;
        eligible = polygonal(difference(eligible, buffers[0].geometry));
    }

    // Limits: allowed regions, a meridian, basing areas.
    if (!rule.allowed_regions.empty()) {
        std::vector<Geometry> parts;
        for (std::size_t i = 0; i < regions.features.size(); ++i)
            if (allowed[i]) parts.push_back(regions.features[i].geometry.clone());
        eligible = polygonal(intersection(eligible, geos::unite(std::move(parts), "union")));
    }
    if (rule.west_of_lon) {
        const Geometry west = Geometry::polygon({{-180, -90}, {*rule.west_of_lon, -90}, {*rule.west_of_lon, 90}, {-180, 90}});
        eligible = polygonal(intersection(eligible, west));
    }
    if (rule.basing_areas) eligible = polygonal(intersection(eligible, union_of(*rule.basing_areas)));
    r.eligible = std::move(eligible);
    r.total_area_km2 = km2(r.eligible);

    // The stand-off band within the territory, and the eligible zone in each distance band (the
    // ring between consecutive buffers; the last band is open): independent overlays, in parallel.
    options.callbacks.report(0.4, "distance bands");
    geos::share_between_threads(r.eligible.get());
    geos::share_between_threads(territory.land.get());
    for (const BufferResult& b : buffers) geos::share_between_threads(b.geometry.get());
    std::vector<Geometry> band_areas(bands.size());
    parallel_for(
        bands.size() + 1,
        [&](std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k) {
                if (k == bands.size()) {
                    r.standoff_band = rule.standoff_m > 0 && options.standoff_band ? polygonal(intersection(buffers[0].geometry, territory.land))
                                                                                   : geos::empty_polygon();
                    continue;
                }
                const Geometry* outer = k + 1 < bands.size() ? &buffers[first_band + k].geometry : nullptr;
                const Geometry* previous = k > 0 ? &buffers[first_band + k - 1].geometry : nullptr;
                if (!outer) band_areas[k] = previous ? polygonal(difference(r.eligible, *previous)) : r.eligible.clone();
                else band_areas[k] = polygonal(intersection(r.eligible, previous ? difference(*outer, *previous) : outer->clone()));
            }
        },
        {}, {}, 1);

    // Each region's eligible part and its pieces by band, in parallel and in the layer's order. A
    // region wholly inside a band's interior, or apart from it, needs no overlay: envelopes and
    // prepared geometries tell exactly (and cheaply: "contains properly" never falls back to a
    // full relate, as "covers" does where boundaries touch; such regions get the overlay).
    options.callbacks.report(0.7, "regions");
    std::vector<std::size_t> listed;  // every region; one not allowed has nothing eligible
    for (std::size_t i = 0; i < regions.features.size(); ++i)
        if (!regions.features[i].geometry.is_empty()) listed.push_back(i);
    for (std::size_t i : listed) geos::share_between_threads(regions.features[i].geometry.get());
    for (const Geometry& b : band_areas) geos::share_between_threads(b.get());
    struct RegionResult {
        RegionZone zone;
        std::vector<ZonePiece> pieces;
    };
    std::vector<RegionResult> per_region(listed.size());
    const Extent eligible_extent = r.eligible.extent();
    std::vector<Extent> band_extents;
    for (const Geometry& b : band_areas) band_extents.push_back(b.extent());
    const auto meets = [](const Extent& a, const Extent& b) {
        return !a.empty && !b.empty && a.min_lon <= b.max_lon && b.min_lon <= a.max_lon && a.min_lat <= b.max_lat && b.min_lat <= a.max_lat;
    };
    // A few chunks a thread: each chunk prepares the shared geometries (builds their indexes)
    // once. Prepared predicates are exact, so how regions fall into chunks changes no result.
    const std::size_t chunk = std::max<std::size_t>(1, listed.size() / (4 * worker_count()));
    parallel_for(
        listed.size(),
        [&](std::size_t begin, std::size_t end) {
            GEOSContextHandle_t h = geos::ctx();
            const auto prepare = [&](const Geometry& g) { return geos::PreparedPtr(geos::check(GEOSPrepare_r(h, g.get()), "preparing a zone")); };
            const geos::PreparedPtr eligible_prepared = prepare(r.eligible);
            std::vector<geos::PreparedPtr> band_prepared;
            for (const Geometry& b : band_areas) band_prepared.push_back(prepare(b));
            // The part of `region` in `area`: the region itself, nothing, or the overlay.
            const auto part = [&](const Geometry& region, const Extent& region_extent, const Geometry& area, const Extent& area_extent,
                                  const GEOSPreparedGeometry* prepared) -> std::optional<Geometry> {
                if (area.is_empty() || !meets(region_extent, area_extent) || GEOSPreparedIntersects_r(h, prepared, region.get()) != 1) return std::nullopt;
                if (GEOSPreparedContainsProperly_r(h, prepared, region.get()) == 1) return region.clone();
                return polygonal(intersection(region, area));
            };
            for (std::size_t k = begin; k < end; ++k) {
                const Feature& region = regions.features[listed[k]];
                RegionResult& out = per_region[k];
                out.zone.name = regions.label(region);
                out.zone.area_km2 = km2(region.geometry);
                if (!r.eligible.is_empty() && allowed[listed[k]]) {
                    const Extent region_extent = region.geometry.extent();
                    const std::optional<Geometry> in_eligible = part(region.geometry, region_extent, r.eligible, eligible_extent, eligible_prepared.get());
                    out.zone.eligible_km2 = in_eligible ? km2(*in_eligible) : 0.0;
                    for (std::size_t b = 0; b < bands.size(); ++b) {
                        std::optional<Geometry> piece = part(region.geometry, region_extent, band_areas[b], band_extents[b], band_prepared[b].get());
                        if (!piece) continue;
                        const double a = km2(*piece);
                        if (a <= 0) continue;
                        out.pieces.push_back({out.zone.name, bands[b].first, bands[b].second, a, std::move(*piece)});
                    }
                }
                out.zone.eligible_pct = out.zone.area_km2 > 0 ? 100.0 * out.zone.eligible_km2 / out.zone.area_km2 : 0.0;
            }
        },
        {}, {}, chunk);
    for (RegionResult& out : per_region) {
        r.regions.push_back(std::move(out.zone));
        for (ZonePiece& p : out.pieces) r.pieces.push_back(std::move(p));
    }
    r.method = fmt::format("controlled side minus the geodesic stand-off band ({}); areas on the WGS84 ellipsoid", buffer_method);
    options.callbacks.report(1.0, "zones");
    return r;
}

Layer zones_layer(const ZonesResult& result, double standoff_m) {
    Layer out;
    out.name = "eligible_zones";
    out.fields = {{"region", FieldType::String}, {"band", FieldType::String}, {"band_min_km", FieldType::Real}, {"band_max_km", FieldType::Real},
                  {"area_km2", FieldType::Real}, {"standoff_km", FieldType::Real}};
    out.name_field = "region";
    std::int64_t fid = 0;
    for (const auto& p : result.pieces) {
        Feature f;
        f.fid = fid++;
        const std::string band = p.band_max_km ? fmt::format("{:g}-{:g} km", p.band_min_km, *p.band_max_km) : fmt::format("over {:g} km", p.band_min_km);
        f.values = {p.region, band, p.band_min_km, p.band_max_km ? nlohmann::json(*p.band_max_km) : nlohmann::json(nullptr), p.area_km2, standoff_m / 1000.0};
        f.geometry = p.geometry.clone();
        out.features.push_back(std::move(f));
    }
    return out;
}

Layer standoff_layer(const ZonesResult& result, double standoff_m) {
    Layer out;
    out.name = "standoff_band";
    out.fields = {{"standoff_km", FieldType::Real}, {"area_km2", FieldType::Real}, {"max_error_m", FieldType::Real}};
    if (result.standoff_band.is_empty()) return out;
    Feature f;
    f.values = {standoff_m / 1000.0, km2(result.standoff_band), result.max_error_m};
    f.geometry = result.standoff_band.clone();
    out.features.push_back(std::move(f));
    return out;
}

}  // namespace dza
