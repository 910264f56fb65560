#include "dza/zones.hpp"

#include <fmt/format.h>

#include "dza/buffer.hpp"
#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "geos_util.hpp"

namespace dza {

namespace {

Geometry own(GEOSGeometry* g, const char* what) { return Geometry(geos::check(g, what)); }
Geometry intersection(const Geometry& a, const Geometry& b) { return own(GEOSIntersection_r(geos::ctx(), a.get(), b.get()), "intersecting"); }
Geometry difference(const Geometry& a, const Geometry& b) { return own(GEOSDifference_r(geos::ctx(), a.get(), b.get()), "subtracting"); }

// Only the polygonal parts of an overlay's result (overlays can leave lines and points where
// boundaries touch).
Geometry polygonal(Geometry g) {
    if (g.is_empty() || g.type_name() == "Polygon" || g.type_name() == "MultiPolygon") return g;
    std::vector<GEOSGeometry*> parts;
    const int n = GEOSGetNumGeometries_r(geos::ctx(), g.get());
    for (int i = 0; i < n; ++i) {
        const GEOSGeometry* part = GEOSGetGeometryN_r(geos::ctx(), g.get(), i);
        const int type = GEOSGeomTypeId_r(geos::ctx(), part);
        if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON) parts.push_back(geos::check(GEOSGeom_clone_r(geos::ctx(), part), "copy"));
    }
    if (parts.empty()) return own(GEOSGeom_createEmptyPolygon_r(geos::ctx()), "empty");
    Geometry all = own(GEOSGeom_createCollection_r(geos::ctx(), GEOS_GEOMETRYCOLLECTION, parts.data(), static_cast<unsigned>(parts.size())), "collect");
    return own(GEOSUnaryUnion_r(geos::ctx(), all.get()), "union");
}

double km2(const Geometry& g) { return g.is_empty() ? 0.0 : geodesic_area_m2(g) / 1e6; }

std::string region_name(const Layer& regions, const Feature& f) {
    if (auto i = regions.label_field(); i && f.values[*i].is_string()) return f.values[*i].get<std::string>();
    return std::to_string(f.fid);
}

}  // namespace

ZonesResult compute_zones(const Layer& regions, const Territory& territory, const ZonesOptions& options) {
    if (options.standoff_m < 0) throw UsageError("the stand-off distance is negative; give 0 or more");
    ZonesResult r;
    r.controlled_area_km2 = territory.controlled_area_km2;

    // The stand-off is measured from the line, or from the occupied area when that was given.
    const Geometry& from = territory.line.is_null() ? territory.other : territory.line;
    BufferOptions buffer;
    buffer.tolerance_m = options.tolerance_m;
    const auto band_of = [&](double distance_m) {
        buffer.distance_m = distance_m;
        return geodesic_buffer(from, buffer);
    };
    options.callbacks.report(0.1, "stand-off band");
    Geometry eligible = territory.controlled.clone();
    if (options.standoff_m > 0) {
        BufferResult band = band_of(options.standoff_m);
        r.max_error_m = band.max_error_m;
        r.standoff_band = polygonal(intersection(band.geometry, territory.land));
        eligible = polygonal(difference(eligible, band.geometry));
    } else {
        r.standoff_band = own(GEOSGeom_createEmptyPolygon_r(geos::ctx()), "empty");
    }

    // Limits: named regions, a meridian, basing areas.
    std::vector<bool> allowed(regions.features.size(), options.only_regions.empty());
    if (!options.only_regions.empty()) {
        // Every name is resolved before anything is copied, so an unknown one leaks nothing.
        for (const auto& name : options.only_regions) allowed[find_region(regions, name)] = true;
        std::vector<GEOSGeometry*> parts;
        for (std::size_t i = 0; i < regions.features.size(); ++i)
            if (allowed[i]) parts.push_back(geos::check(GEOSGeom_clone_r(geos::ctx(), regions.features[i].geometry.get()), "copy"));
        Geometry all = own(GEOSGeom_createCollection_r(geos::ctx(), GEOS_GEOMETRYCOLLECTION, parts.data(), static_cast<unsigned>(parts.size())), "collect");
        eligible = polygonal(intersection(eligible, own(GEOSUnaryUnion_r(geos::ctx(), all.get()), "union")));
    }
    if (options.west_of_lon) {
        const Geometry west = Geometry::polygon({{-180, -90}, {*options.west_of_lon, -90}, {*options.west_of_lon, 90}, {-180, 90}});
        eligible = polygonal(intersection(eligible, west));
    }
    if (options.basing_areas) eligible = polygonal(intersection(eligible, union_of(*options.basing_areas)));
    r.eligible = std::move(eligible);
    r.total_area_km2 = km2(r.eligible);

    // Distance bands beyond the stand-off: ring between consecutive buffers of the line.
    options.callbacks.report(0.4, "distance bands");
    std::vector<std::pair<double, std::optional<double>>> bands;  // km
    std::vector<Geometry> band_areas;
    double inner = options.standoff_m;
    Geometry previous;  // buffer at `inner`
    for (double width : options.band_widths_m) {
        BufferResult outer = band_of(inner + width);
        Geometry ring = previous.is_null() ? outer.geometry.clone() : difference(outer.geometry, previous);
        band_areas.push_back(polygonal(intersection(r.eligible, ring)));
        bands.emplace_back(inner / 1000.0, (inner + width) / 1000.0);
        previous = std::move(outer.geometry);
        inner += width;
    }
    band_areas.push_back(previous.is_null() ? r.eligible.clone() : polygonal(difference(r.eligible, previous)));
    bands.emplace_back(inner / 1000.0, std::nullopt);

    options.callbacks.report(0.7, "regions");
    for (std::size_t i = 0; i < regions.features.size(); ++i) {
        const Feature& region = regions.features[i];
        if (region.geometry.is_empty() || !allowed[i]) continue;  // with only_regions, only those are listed
        RegionZone z;
        z.name = region_name(regions, region);
        z.area_km2 = km2(region.geometry);
        if (allowed[i] && !r.eligible.is_empty()) {
            z.eligible_km2 = km2(polygonal(intersection(region.geometry, r.eligible)));
            for (std::size_t b = 0; b < bands.size(); ++b) {
                if (band_areas[b].is_empty()) continue;
                Geometry piece = polygonal(intersection(region.geometry, band_areas[b]));
                const double a = km2(piece);
                if (a <= 0) continue;
                r.pieces.push_back({z.name, bands[b].first, bands[b].second, a, std::move(piece)});
            }
        }
        z.eligible_pct = z.area_km2 > 0 ? 100.0 * z.eligible_km2 / z.area_km2 : 0.0;
        r.regions.push_back(std::move(z));
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
