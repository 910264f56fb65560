#include "dza/territory.hpp"

#include <fmt/format.h>

#include <cmath>

#include "dza/distance.hpp"
#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "geos_util.hpp"

namespace dza {

namespace {

Geometry own(GEOSGeometry* g, const char* what) { return Geometry(geos::check(g, what)); }

Geometry collect(std::vector<GEOSGeometry*> parts) {
    return own(GEOSGeom_createCollection_r(geos::ctx(), GEOS_GEOMETRYCOLLECTION, parts.data(), static_cast<unsigned>(parts.size())), "collecting geometries");
}


double area_km2(const Geometry& g) { return geodesic_area_m2(g) / 1e6; }

bool covers(const GEOSPreparedGeometry* prepared, LonLat p) {
    geos::GeomPtr point(GEOSGeom_createPointFromXY_r(geos::ctx(), p.lon, p.lat));
    return GEOSPreparedCovers_r(geos::ctx(), prepared, point.get()) == 1;
}

// Extends a line end that stops inside the territory along its last segment to the boundary.
// Returns the points to add beyond the end (empty when the end is on or outside the boundary).
std::vector<LonLat> extension(LonLat end, LonLat before, const GEOSPreparedGeometry* land, const std::string& what, const Callbacks& callbacks) {
    if (!covers(land, end)) return {};
    const double azimuth = geodesic_inverse(before, end).azimuth2_deg;
    constexpr double step_m = 1000.0, max_m = 1000000.0;
    double outside = 0;
    for (double d = step_m; d <= max_m; d += step_m) {
        if (!covers(land, geodesic_direct(end, azimuth, d))) {
            outside = d;
            break;
        }
    }
    if (outside == 0) throw DataError(fmt::format("{} stops inside the territory and does not leave it within {:.0f} km along its last segment; extend it to the border", what, max_m / 1000));
    double inside = outside - step_m;  // bisection for the boundary crossing, to 1 m
    while (outside - inside > 1.0) {
        const double mid = (inside + outside) / 2;
        (covers(land, geodesic_direct(end, azimuth, mid)) ? inside : outside) = mid;
    }
    if (outside > 10.0)
        callbacks.warning(fmt::format("{} stops {:.1f} km short of the territory's boundary; extended along its last segment", what, outside / 1000.0));
    // Go a little past the boundary so the line cuts it cleanly.
    const LonLat beyond = geodesic_direct(end, azimuth, outside + std::min(500.0, step_m));
    std::vector<LonLat> path = geodesic_path(end, beyond, 1000.0);
    path.erase(path.begin());
    return path;
}

// Left (+) or right (-) strip along a line, a few metres wide, to tell which side a face is on.
Geometry side_strip(const Geometry& line, double width_deg) {
    GEOSBufferParams* params = GEOSBufferParams_create_r(geos::ctx());
    GEOSBufferParams_setEndCapStyle_r(geos::ctx(), params, GEOSBUF_CAP_FLAT);
    GEOSBufferParams_setJoinStyle_r(geos::ctx(), params, GEOSBUF_JOIN_MITRE);
    GEOSBufferParams_setSingleSided_r(geos::ctx(), params, 1);
    GEOSGeometry* strip = GEOSBufferWithParams_r(geos::ctx(), line.get(), params, width_deg);
    GEOSBufferParams_destroy_r(geos::ctx(), params);
    return own(strip, "building a side strip");
}

double overlap_area(const Geometry& a, const Geometry& b) {
    geos::GeomPtr both(GEOSIntersection_r(geos::ctx(), a.get(), b.get()));
    double area = 0;
    if (both) GEOSArea_r(geos::ctx(), both.get(), &area);
    return area;
}

Geometry union_all(std::vector<Geometry>& parts) {
    std::vector<GEOSGeometry*> raw;
    for (auto& p : parts) raw.push_back(p.release());
    if (raw.empty()) return own(GEOSGeom_createEmptyPolygon_r(geos::ctx()), "empty polygon");
    const Geometry all = collect(raw);
    return own(GEOSUnaryUnion_r(geos::ctx(), all.get()), "uniting faces");
}

}  // namespace

Geometry union_of(const Layer& layer) {
    std::vector<GEOSGeometry*> parts;
    for (const auto& f : layer.features)
        if (!f.geometry.is_empty()) parts.push_back(geos::check(GEOSGeom_clone_r(geos::ctx(), f.geometry.get()), "copying geometry"));
    if (parts.empty()) throw DataError(layer.where_text() + ": no feature has a geometry");
    const Geometry all = collect(parts);
    Geometry u = own(GEOSUnaryUnion_r(geos::ctx(), all.get()), "uniting features");
    if (GEOSisValid_r(geos::ctx(), u.get()) != 1) u = own(GEOSMakeValid_r(geos::ctx(), u.get()), "repairing union");
    return u;
}

std::size_t find_region(const Layer& regions, const std::string& name) {
    const auto label = regions.label_field();
    if (!label) throw UsageError(fmt::format("{}: no field names its regions; set name_field in the scenario", regions.where_text()));
    require_unique_names(regions, *label, "region");  // a lookup by name must find one region
    std::vector<std::string> names;
    for (std::size_t i = 0; i < regions.features.size(); ++i) {
        const auto& v = regions.features[i].values[*label];
        if (!v.is_string()) continue;
        names.push_back(v.get<std::string>());
        if (names.back() == name) return i;
    }
    const auto lower = [](std::string s) {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    for (std::size_t i = 0; i < regions.features.size(); ++i) {
        const auto& v = regions.features[i].values[*label];
        if (v.is_string() && lower(v.get<std::string>()) == lower(name)) return i;
    }
    const std::string guess = closest_match(name, names);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw UsageError(fmt::format("{}: no region \"{}\"{}; regions are: {}", regions.where_text(), name, guess.empty() ? "" : " (did you mean \"" + guess + "\"?)", list));
}

Territory split_territory(const Layer& regions, const Layer& line_layer, const ControlledSide& controlled, const Callbacks& callbacks) {
    Territory t;
    t.land = union_of(regions);
    geos::PreparedPtr land(geos::check(GEOSPrepare_r(geos::ctx(), t.land.get()), "preparing territory"));

    // Merge the line's features and extend ends that stop inside the territory.
    const Geometry all_lines = union_of(line_layer);
    if (all_lines.dimension() != 1) throw DataError(fmt::format("{}: the cease-fire line must be a line, not {}", line_layer.where_text(), all_lines.type_name()));
    const Geometry merged = own(GEOSLineMerge_r(geos::ctx(), all_lines.get()), "merging the line");
    const int part_count = GEOSGetNumGeometries_r(geos::ctx(), merged.get());
    if (part_count > 1)
        callbacks.warning(fmt::format("{}: the line has {} separate parts; each splits the territory on its own, so draw it as one line", line_layer.where_text(), part_count));
    std::vector<GEOSGeometry*> parts;
    for (int i = 0; i < part_count; ++i) {
        std::vector<LonLat> pts = geos::coords_of(GEOSGetGeometryN_r(geos::ctx(), merged.get(), i));
        if (pts.size() < 2) continue;
        const std::string name = line_layer.where_text() + ": the line's";
        auto head = extension(pts.front(), pts[1], land.get(), name + " first end", callbacks);
        auto tail = extension(pts.back(), pts[pts.size() - 2], land.get(), name + " last end", callbacks);
        std::vector<LonLat> full(head.rbegin(), head.rend());
        full.insert(full.end(), pts.begin(), pts.end());
        full.insert(full.end(), tail.begin(), tail.end());
        parts.push_back(Geometry::line(full).release());
    }
    t.line = own(GEOSGeom_createCollection_r(geos::ctx(), GEOS_MULTILINESTRING, parts.data(), static_cast<unsigned>(parts.size())), "line parts");
    if (GEOSIntersects_r(geos::ctx(), t.line.get(), t.land.get()) != 1)
        throw DataError(fmt::format("{}: the line does not cross the territory of {}; check that both layers are the ones meant", line_layer.where_text(), regions.where_text()));

    // Polygonize the territory's boundary with the line: the faces inside the territory.
    const Geometry boundary = own(GEOSBoundary_r(geos::ctx(), t.land.get()), "territory boundary");
    const Geometry lines = collect({geos::check(GEOSGeom_clone_r(geos::ctx(), boundary.get()), "copy"), geos::check(GEOSGeom_clone_r(geos::ctx(), t.line.get()), "copy")});
    const Geometry noded = own(GEOSUnaryUnion_r(geos::ctx(), lines.get()), "noding the line with the territory");
    const GEOSGeometry* to_polygonize[] = {noded.get()};
    const Geometry faces = own(GEOSPolygonize_r(geos::ctx(), to_polygonize, 1), "polygonizing the territory");

    const Geometry left_strip = side_strip(t.line, 1e-5);
    const Geometry right_strip = side_strip(t.line, -1e-5);
    std::vector<Geometry> left, right, detached;
    const int face_count = GEOSGetNumGeometries_r(geos::ctx(), faces.get());
    for (int i = 0; i < face_count; ++i) {
        Geometry face = own(GEOSGeom_clone_r(geos::ctx(), GEOSGetGeometryN_r(geos::ctx(), faces.get(), i)), "face");
        geos::GeomPtr inside(GEOSPointOnSurface_r(geos::ctx(), face.get()));
        if (!inside || GEOSPreparedContains_r(geos::ctx(), land.get(), inside.get()) != 1) continue;
        const double l = overlap_area(face, left_strip), r = overlap_area(face, right_strip);
        if (l == 0 && r == 0) detached.push_back(std::move(face));
        else (l >= r ? left : right).push_back(std::move(face));
    }
    if (left.empty() || right.empty())
        throw DataError(fmt::format("{}: the line does not split the territory into two sides; it must cross it from boundary to boundary", line_layer.where_text()));
    Geometry left_side = union_all(left), right_side = union_all(right);

    // Detached pieces go to the nearest side (the side enclosing them when the line is closed
    // along the path equidistant from both sides).
    if (!detached.empty()) {
        const DistanceIndex sides({&left_side, &right_side});
        std::vector<Geometry> to_left, to_right;
        for (auto& piece : detached) (sides.nearest(piece)->target == 0 ? to_left : to_right).push_back(std::move(piece));
        if (!to_left.empty()) {
            to_left.push_back(std::move(left_side));
            left_side = union_all(to_left);
        }
        if (!to_right.empty()) {
            to_right.push_back(std::move(right_side));
            right_side = union_all(to_right);
        }
    }

    const auto pick = [&](bool left_is_controlled, std::string rule) {
        t.controlled = std::move(left_is_controlled ? left_side : right_side);
        t.other = std::move(left_is_controlled ? right_side : left_side);
        t.rule = std::move(rule);
    };
    if (controlled.contains) {
        const LonLat p = *controlled.contains;
        geos::PreparedPtr l(GEOSPrepare_r(geos::ctx(), left_side.get()));
        geos::PreparedPtr r(GEOSPrepare_r(geos::ctx(), right_side.get()));
        const bool in_left = covers(l.get(), p), in_right = covers(r.get(), p);
        if (!in_left && !in_right)
            throw UsageError(fmt::format("controlled side: the point [{}, {}] lies on neither side of the line (outside the territory?); give a point inside it", p.lon, p.lat));
        pick(in_left, fmt::format("the side containing [{}, {}]", p.lon, p.lat));
    } else if (!controlled.region.empty()) {
        const Feature& region = regions.features[find_region(regions, controlled.region)];
        const double l = overlap_area(region.geometry, left_side), r = overlap_area(region.geometry, right_side);
        pick(l >= r, fmt::format("the side holding most of region {}", controlled.region));
    } else {
        pick(area_km2(left_side) >= area_km2(right_side), "the larger side");
    }
    t.controlled_area_km2 = area_km2(t.controlled);
    t.other_area_km2 = area_km2(t.other);
    return t;
}

Territory territory_from_occupied(const Layer& regions, const Layer& occupied, const Callbacks&) {
    Territory t;
    t.land = union_of(regions);
    const Geometry occ = union_of(occupied);
    t.controlled = own(GEOSDifference_r(geos::ctx(), t.land.get(), occ.get()), "removing the occupied area");
    t.other = own(GEOSIntersection_r(geos::ctx(), t.land.get(), occ.get()), "occupied part of the territory");
    if (t.controlled.is_empty()) throw DataError(fmt::format("{}: the occupied area covers the whole territory", occupied.where_text()));
    if (t.other.is_empty()) throw DataError(fmt::format("{}: the occupied area does not overlap the territory of {}", occupied.where_text(), regions.where_text()));
    t.controlled_area_km2 = area_km2(t.controlled);
    t.other_area_km2 = area_km2(t.other);
    t.rule = "the territory outside " + occupied.where_text();
    return t;
}

}  // namespace dza
