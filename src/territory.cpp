#include "dza/territory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "dza/distance.hpp"
#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "geos/geos.hpp"

namespace dza {

namespace {

using geos::own;


double area_km2(const Geometry& g) { return geodesic_area_m2(g) / 1e6; }

bool covers(const GEOSPreparedGeometry* prepared, LonLat p) {
    const Geometry point = Geometry::point(p);
    return GEOSPreparedCovers_r(geos::ctx(), prepared, point.get()) == 1;
}

// Extends a line end that stops inside the territory along its last segment to the boundary.
// Returns the points to add beyond the end (empty when the end is on or outside the boundary).
// Longitudes continue from `end`'s (which may lie beyond 180 in an unwrapped frame).
std::vector<LonLat> extension(LonLat end, LonLat before, const GEOSPreparedGeometry* land, const std::string& what, const Callbacks& callbacks) {
    if (!covers(land, end)) return {};
    const double azimuth = geodesic_inverse(before, end).azimuth2_deg;
    const auto geodesic_direct = [&](LonLat from, double azimuth_deg, double distance) {
        LonLat p = dza::geodesic_direct(from, azimuth_deg, distance);
        p.lon = near_lon(p.lon, from.lon);
        return p;
    };
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
    for (std::size_t i = 1; i < path.size(); ++i) path[i].lon = near_lon(path[i].lon, path[i - 1].lon);
    path.erase(path.begin());
    return path;
}

// Left (+) or right (-) strip along a line, a few metres wide, to tell which side a face is on.
Geometry side_strip(const Geometry& line, double width_deg) {
    const geos::BufferParamsPtr params(geos::check(GEOSBufferParams_create_r(geos::ctx()), "creating buffer parameters"));
    GEOSBufferParams_setEndCapStyle_r(geos::ctx(), params.get(), GEOSBUF_CAP_FLAT);
    GEOSBufferParams_setJoinStyle_r(geos::ctx(), params.get(), GEOSBUF_JOIN_MITRE);
    GEOSBufferParams_setSingleSided_r(geos::ctx(), params.get(), 1);
    return own(GEOSBufferWithParams_r(geos::ctx(), line.get(), params.get(), width_deg), "building a side strip");
}

double overlap_area(const Geometry& a, const Geometry& b) {
    Geometry both(GEOSIntersection_r(geos::ctx(), a.get(), b.get()));
    double area = 0;
    if (both) GEOSArea_r(geos::ctx(), both.get(), &area);
    return area;
}

Geometry union_all(std::vector<Geometry>& parts) { return geos::unite(std::move(parts), "uniting faces"); }

// Bounds on the geodesic distance from `piece` to the prepared `side`, metres, in the frame
// [seam, seam + 360): above, the geodesic between the nearest points in lon/lat; below, the
// lon/lat distance times the shortest length of a degree on the way (the meridional radius at
// the equator times the cosine of the highest latitude the shortest path can reach). Null when
// that path could leave the frame or come near a pole.
std::optional<std::pair<double, double>> distance_bounds_m(const Geometry& piece, const GEOSPreparedGeometry* side, double seam) {
    GEOSContextHandle_t h = geos::ctx();
    GEOSCoordSequence* nearest = GEOSPreparedNearestPoints_r(h, side, piece.get());
    if (!nearest) return std::nullopt;
    LonLat p, q;
    GEOSCoordSeq_getXY_r(h, nearest, 0, &p.lon, &p.lat);
    GEOSCoordSeq_getXY_r(h, nearest, 1, &q.lon, &q.lat);
    GEOSCoordSeq_destroy_r(h, nearest);
    const double upper_m = geodesic_inverse(p, q).distance_m;
    constexpr double metres_per_radian = 6335000.0;  // below the meridional radius at the equator
    constexpr double degree = M_PI / 180.0;
    const Extent e = piece.extent();
    const double max_lat = std::max(std::fabs(e.min_lat), std::fabs(e.max_lat)) + upper_m / metres_per_radian / degree;
    if (upper_m > 1e6 || max_lat >= 80.0) return std::nullopt;
    const double lon_reach = upper_m / (metres_per_radian * std::cos(max_lat * degree)) / degree;
    if (e.min_lon - lon_reach <= seam || e.max_lon + lon_reach >= seam + 360.0) return std::nullopt;
    const double apart_deg = GEOSPreparedIntersects_r(h, side, piece.get()) == 1 ? 0.0 : std::hypot(q.lon - p.lon, q.lat - p.lat);
    return std::make_pair(metres_per_radian * std::cos(max_lat * degree) * apart_deg * degree, upper_m);
}

// ---------------------------------------------------------------------------------------------
// Longitudes across the antimeridian. Data split at ±180 (RFC 7946) is made whole again in a
// frame [seam, seam + 360) whose seam lies in the widest longitude gap of the data; the result is
// cut at ±180 again at the end.

template <typename Fn>
void for_each_simple(const GEOSGeometry* g, Fn&& fn) {
    const int type = GEOSGeomTypeId_r(geos::ctx(), g);
    if (type == GEOS_MULTIPOINT || type == GEOS_MULTILINESTRING || type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        for (int i = 0; i < GEOSGetNumGeometries_r(geos::ctx(), g); ++i) for_each_simple(GEOSGetGeometryN_r(geos::ctx(), g, i), fn);
    } else if (GEOSisEmpty_r(geos::ctx(), g) != 1) {
        fn(g);
    }
}

const GEOSGeometry* exterior_or_self(const GEOSGeometry* g) {
    return GEOSGeomTypeId_r(geos::ctx(), g) == GEOS_POLYGON ? GEOSGetExteriorRing_r(geos::ctx(), g) : g;
}

std::pair<double, double> lon_span(const std::vector<LonLat>& pts) {
    double west = 1e300, east = -1e300;
    for (const LonLat& p : pts) west = std::min(west, p.lon), east = std::max(east, p.lon);
    return {west, east};
}

// The frame's western edge: -180 (nothing moves) unless some part reaches ±180; then the middle
// of the widest longitude gap between the parts (-180 when they leave none).
double choose_seam(const std::vector<std::pair<double, double>>& spans) {
    bool at_antimeridian = false;
    std::vector<std::pair<double, double>> arcs;  // within [-180, 180]
    for (const auto& [west, east] : spans) {
        if (west > east) continue;
        if (east - west >= 360.0) return -180.0;
        const double a = west - 360.0 * std::floor((west + 180.0) / 360.0);  // in [-180, 180)
        const double b = a + (east - west);
        if (a <= -180.0 || b >= 180.0) at_antimeridian = true;
        if (b > 180.0) {
            arcs.emplace_back(a, 180.0);
            arcs.emplace_back(-180.0, b - 360.0);
        } else {
            arcs.emplace_back(a, b);
        }
    }
    if (!at_antimeridian || arcs.empty()) return -180.0;
    std::sort(arcs.begin(), arcs.end());
    double best_gap = 0, best_middle = -180.0, reach = arcs.front().second;
    for (std::size_t i = 1; i < arcs.size(); ++i) {
        if (arcs[i].first > reach && arcs[i].first - reach > best_gap) best_gap = arcs[i].first - reach, best_middle = (arcs[i].first + reach) / 2;
        reach = std::max(reach, arcs[i].second);
    }
    if (arcs.front().first + 360.0 - reach > best_gap) {
        best_gap = arcs.front().first + 360.0 - reach;
        best_middle = near_lon((arcs.front().first + 360.0 + reach) / 2, 0.0);
    }
    return best_gap > 0 ? best_middle : -180.0;
}

// The whole turns that bring `west` into [seam, seam + 360).
double turns_into_frame(double west, double seam) { return -360.0 * std::floor((west - seam) / 360.0); }

int move_lon(double* x, double* /*y*/, void* userdata) {
    *x += *static_cast<const double*>(userdata);
    return 1;
}

// `g` with each simple part moved by whole turns into the frame (parts of one geometry that
// then touch are united).
Geometry unwrapped(const Geometry& g, double seam) {
    if (seam == -180.0 || g.is_empty()) return g.clone();
    GEOSContextHandle_t h = geos::ctx();
    std::vector<Geometry> parts;
    bool moved = false;
    for_each_simple(g.get(), [&](const GEOSGeometry* part) {
        double by = turns_into_frame(lon_span(geos::coords_of(exterior_or_self(part))).first, seam);
        moved = moved || by != 0;
        parts.push_back(own(GEOSGeom_transformXY_r(h, part, &move_lon, &by), "moving into one longitude frame"));
    });
    if (!moved) return g.clone();
    return geos::unite(std::move(parts), "uniting parts across the antimeridian");
}

Layer unwrapped_layer(const Layer& layer, double seam) {
    return copy_layer(layer, [seam](const Geometry& g) { return unwrapped(g, seam); });
}

void unwrap_points(std::vector<LonLat>& pts, double seam) {
    if (seam == -180.0 || pts.empty()) return;
    const double by = turns_into_frame(lon_span(pts).first, seam);
    for (LonLat& p : pts) p.lon += by;
}

// ---------------------------------------------------------------------------------------------
// The line as one path

struct LinePart {
    std::vector<LonLat> points;  // longitudes continuous, no repeated vertices
    std::size_t feature = 0;
};

std::vector<LinePart> parts_of_line(const Layer& layer) {
    std::vector<LinePart> parts;
    bool any = false;
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        const Feature& f = layer.features[i];
        if (f.geometry.is_empty()) continue;
        any = true;
        for_each_simple(f.geometry.get(), [&](const GEOSGeometry* g) {
            const int type = GEOSGeomTypeId_r(geos::ctx(), g);
            if (type != GEOS_LINESTRING && type != GEOS_LINEARRING)
                throw DataError(fmt::format("{}: {}: the cease-fire line must be a line, not {}", layer.where_text(), layer.describe(f), Geometry(GEOSGeom_clone_r(geos::ctx(), g)).type_name()));
            LinePart part;
            part.feature = i;
            for (const LonLat& p : geos::coords_of(g)) {
                const LonLat q{part.points.empty() ? p.lon : near_lon(p.lon, part.points.back().lon), p.lat};
                if (!part.points.empty() && part.points.back().lon == q.lon && part.points.back().lat == q.lat) continue;
                part.points.push_back(q);
            }
            if (part.points.size() >= 2) parts.push_back(std::move(part));
        });
    }
    if (!any) throw DataError(layer.where_text() + ": no feature has a geometry");
    if (parts.empty()) throw DataError(layer.where_text() + ": the line has no length (each part is a single point); draw it with two points or more");
    return parts;
}

std::string point_text(LonLat p) { return fmt::format("[{:.6f}, {:.6f}]", near_lon(p.lon, 0.0), p.lat); }

// Features whose parts pass through `p` (within 1e-9 degrees), as text.
std::string features_at(const Layer& layer, const std::vector<LinePart>& parts, LonLat p) {
    const Geometry point = Geometry::point(p);
    std::vector<std::size_t> found;
    for (const LinePart& part : parts) {
        if (!found.empty() && found.back() == part.feature) continue;
        const Geometry line = Geometry::line(part.points);
        double d = 1;
        if (GEOSDistance_r(geos::ctx(), line.get(), point.get(), &d) == 1 && d < 1e-9 && std::find(found.begin(), found.end(), part.feature) == found.end())
            found.push_back(part.feature);
    }
    std::string text;
    for (std::size_t i = 0; i < found.size(); ++i) text += (i == 0 ? "" : i + 1 == found.size() ? " and " : ", ") + layer.describe(layer.features[found[i]]);
    return text.empty() ? "the line" : text;
}

double segment_distance_deg(LonLat p, LonLat a, LonLat b) {
    const double dx = b.lon - a.lon, dy = b.lat - a.lat, len2 = dx * dx + dy * dy;
    const double t = len2 > 0 ? std::clamp(((p.lon - a.lon) * dx + (p.lat - a.lat) * dy) / len2, 0.0, 1.0) : 0.0;
    return std::hypot(p.lon - (a.lon + t * dx), p.lat - (a.lat + t * dy));
}

// The line's parts noded together and merged into one path. Rule: parts that touch end to end
// are joined; a line that crosses or touches itself (or another part) anywhere else, that runs
// back over itself, or whose parts do not join into one path is a DataError saying where.
Geometry one_line(const std::vector<LinePart>& parts, const Layer& layer) {
    GEOSContextHandle_t h = geos::ctx();
    std::vector<Geometry> lines;
    double input_length = 0;
    for (const LinePart& part : parts) {
        lines.push_back(Geometry::line(part.points));
        double l = 0;
        GEOSLength_r(h, lines.back().get(), &l);
        input_length += l;
    }
    const Geometry all = geos::collection(std::move(lines), GEOS_MULTILINESTRING, "collecting the line");
    const Geometry noded = own(GEOSNode_r(h, all.get()), "noding the line");
    const std::string where = layer.where_text();
    const std::string advice = "such a line cannot split the territory into two sides; redraw it as one line that neither crosses nor retraces itself";

    // Nodes where three or more pieces meet: a crossing or a touch.
    std::map<std::pair<double, double>, int> degree;
    const int pieces = GEOSGetNumGeometries_r(h, noded.get());
    for (int i = 0; i < pieces; ++i) {
        const std::vector<LonLat> pts = geos::coords_of(GEOSGetGeometryN_r(h, noded.get(), i));
        if (pts.size() < 2) continue;
        ++degree[{pts.front().lon, pts.front().lat}];
        ++degree[{pts.back().lon, pts.back().lat}];
    }
    for (const auto& [at, count] : degree) {
        if (count < 3) continue;
        const LonLat p{at.first, at.second};
        const std::string who = features_at(layer, parts, p);
        throw DataError(fmt::format("{}: {} {} at {}; {}", where, who, who.find(" and ") == std::string::npos ? "crosses itself" : "cross", point_text(p), advice));
    }
    // Overlaps are dissolved by the noding: the noded line is shorter than the parts.
    double noded_length = 0;
    GEOSLength_r(h, noded.get(), &noded_length);
    if (noded_length < input_length * (1 - 1e-12) - 1e-12) {
        std::optional<LonLat> at;
        for (int i = 0; i < pieces && i < 10000 && !at; ++i) {
            const std::vector<LonLat> pts = geos::coords_of(GEOSGetGeometryN_r(h, noded.get(), i));
            for (std::size_t k = 1; k < pts.size() && !at; ++k) {
                const LonLat m{(pts[k - 1].lon + pts[k].lon) / 2, (pts[k - 1].lat + pts[k].lat) / 2};
                int count = 0;
                for (const LinePart& part : parts)
                    for (std::size_t j = 1; j < part.points.size() && count < 2; ++j)
                        if (segment_distance_deg(m, part.points[j - 1], part.points[j]) < 1e-9) ++count;
                if (count >= 2) at = m;
            }
        }
        throw DataError(fmt::format("{}: {} runs back over itself{}; {}", where, at ? features_at(layer, parts, *at) : std::string("the line"),
                                    at ? " at " + point_text(*at) : std::string(), advice));
    }
    Geometry merged = own(GEOSLineMerge_r(h, noded.get()), "merging the line");
    const int count = GEOSGetNumGeometries_r(h, merged.get());
    if (count > 1) {
        // The nearest two ends of different parts: the gap to close.
        std::vector<std::pair<LonLat, int>> ends;
        for (int i = 0; i < count; ++i) {
            const std::vector<LonLat> pts = geos::coords_of(GEOSGetGeometryN_r(h, merged.get(), i));
            ends.emplace_back(pts.front(), i);
            ends.emplace_back(pts.back(), i);
        }
        double best = std::numeric_limits<double>::infinity();
        LonLat a, b;
        for (std::size_t i = 0; i < ends.size(); ++i)
            for (std::size_t j = i + 1; j < ends.size(); ++j) {
                if (ends[i].second == ends[j].second) continue;
                const double d = geodesic_inverse(ends[i].first, ends[j].first).distance_m;
                if (d < best) best = d, a = ends[i].first, b = ends[j].first;
            }
        throw DataError(fmt::format("{}: the line has {} parts that do not join end to end (the nearest ends, {} and {}, are {:.3f} km apart); "
                                    "join them into one line",
                                    where, count, point_text(a), point_text(b), best / 1000.0));
    }
    return merged;
}

// The geodesic distance from `p` to the line, drawn either way (geodesic edges, or straight
// lon/lat edges as the split uses them): the nearer.
double distance_to_line_m(const Geometry& line, LonLat p) {
    const DistanceIndex index({&line});
    double best = index.nearest(p)->nearest.distance_m;
    const Geometry point = Geometry::point(p);
    if (GEOSCoordSequence* nearest = GEOSNearestPoints_r(geos::ctx(), line.get(), point.get())) {
        LonLat q;
        GEOSCoordSeq_getXY_r(geos::ctx(), nearest, 0, &q.lon, &q.lat);
        GEOSCoordSeq_destroy_r(geos::ctx(), nearest);
        best = std::min(best, geodesic_inverse(p, q).distance_m);
    }
    return best;
}

// The edges of `side`'s rings that can hold its nearest point to `piece` (which lies outside
// it), as lines: the distance from `piece` to them is its distance to `side`, found without
// measuring to every vertex of a whole side. An upper bound U of that distance is the geodesic
// length between a vertex of the piece and the side's point nearest to it in lon/lat; every point
// within U of the piece lies in the piece's extent widened by U (a degree of latitude is at least
// 110.5 km, of longitude at least 111.3·cos(latitude) km) plus 0.5° for the bulge of a geodesic
// edge off its lon/lat chord (edges of a degree or more are always kept). Near the poles, or
// when the box would wrap, the whole side.
Geometry near_edges(const Geometry& side, const Geometry& piece) {
    GEOSContextHandle_t h = geos::ctx();
    const std::vector<LonLat> piece_points = geos::coords_of(GEOSGetExteriorRing_r(h, piece.get()));
    const Geometry p = Geometry::point(piece_points.front());
    geos::CoordSeqPtr nearest(GEOSNearestPoints_r(h, p.get(), side.get()));
    if (!nearest) return side.clone();
    LonLat q;
    GEOSCoordSeq_getXY_r(h, nearest.get(), 1, &q.lon, &q.lat);
    const double upper_m = geodesic_inverse(piece_points.front(), q).distance_m;
    const Extent e = piece.extent();
    const double dlat = upper_m / 110000.0 + 0.5;
    const double pole_lat = std::max(std::fabs(e.min_lat - dlat), std::fabs(e.max_lat + dlat));
    if (pole_lat >= 85.0) return side.clone();
    const double dlon = upper_m / (111000.0 * std::cos(pole_lat * M_PI / 180.0)) + 0.5;
    if (dlon >= 90.0) return side.clone();
    const double west = e.min_lon - dlon, east = e.max_lon + dlon, south = e.min_lat - dlat, north = e.max_lat + dlat;
    std::vector<Geometry> runs;
    std::vector<LonLat> run;
    const auto flush = [&] {
        if (run.size() >= 2) runs.push_back(Geometry::line(run));
        run.clear();
    };
    for (const auto& polygon : side.polygons())
        for (const auto& ring : polygon) {
            for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
                const LonLat a = ring[i], b = ring[i + 1];
                const bool long_edge = std::fabs(a.lon - b.lon) >= 1.0 || std::fabs(a.lat - b.lat) >= 1.0;
                const bool near = std::max(a.lon, b.lon) >= west && std::min(a.lon, b.lon) <= east && std::max(a.lat, b.lat) >= south &&
                                  std::min(a.lat, b.lat) <= north;
                if (!long_edge && !near) {
                    flush();
                    continue;
                }
                if (run.empty()) run.push_back(a);
                run.push_back(b);
            }
            flush();
        }
    if (runs.empty()) return side.clone();  // cannot be: the nearest point's edge is near
    return geos::collection(std::move(runs), GEOS_MULTILINESTRING, "edges near a piece");
}

}  // namespace

Geometry union_of(const Layer& layer) {
    std::vector<Geometry> parts;
    for (const auto& f : layer.features)
        if (!f.geometry.is_empty()) parts.push_back(f.geometry.clone());
    if (parts.empty()) throw DataError(layer.where_text() + ": no feature has a geometry");
    Geometry u = geos::unite(std::move(parts), "uniting features");
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

Territory split_territory(const Layer& regions_given, const Layer& line_layer, const ControlledSide& controlled, const Callbacks& callbacks) {
    Territory t;
    // Topology in a frame where nothing is cut at ±180 (see choose_seam), back in [-180, 180] at the end.
    std::vector<LinePart> line_parts = parts_of_line(line_layer);
    std::vector<std::pair<double, double>> spans;
    for (const LinePart& part : line_parts) spans.push_back(lon_span(part.points));
    for (const Feature& f : regions_given.features)
        if (!f.geometry.is_empty()) for_each_simple(f.geometry.get(), [&](const GEOSGeometry* g) { spans.push_back(lon_span(geos::coords_of(exterior_or_self(g)))); });
    const double seam = choose_seam(spans);
    const Layer regions = unwrapped_layer(regions_given, seam);
    for (LinePart& part : line_parts) unwrap_points(part.points, seam);
    const auto unwrap_point = [&](LonLat p) { return LonLat{p.lon - 360.0 * std::floor((p.lon - seam) / 360.0), p.lat}; };

    t.land = union_of(regions);
    geos::PreparedPtr land(geos::check(GEOSPrepare_r(geos::ctx(), t.land.get()), "preparing territory"));

    // One line: parts that touch end to end joined; a crossing, a part that runs back over
    // itself or parts that do not join are refused. Ends that stop inside the territory are extended.
    const Geometry merged = one_line(line_parts, line_layer);
    const int part_count = GEOSGetNumGeometries_r(geos::ctx(), merged.get());
    std::vector<Geometry> parts;
    for (int i = 0; i < part_count; ++i) {
        std::vector<LonLat> pts = geos::coords_of(GEOSGetGeometryN_r(geos::ctx(), merged.get(), i));
        if (pts.size() < 2) continue;
        const bool closed = pts.front().lon == pts.back().lon && pts.front().lat == pts.back().lat;
        const std::string name = line_layer.where_text() + ": the line's";
        std::vector<LonLat> head, tail;
        if (!closed) {
            head = extension(pts.front(), pts[1], land.get(), name + " first end", callbacks);
            tail = extension(pts.back(), pts[pts.size() - 2], land.get(), name + " last end", callbacks);
        }
        std::vector<LonLat> full(head.rbegin(), head.rend());
        full.insert(full.end(), pts.begin(), pts.end());
        full.insert(full.end(), tail.begin(), tail.end());
        parts.push_back(Geometry::line(full));
    }
    t.line = geos::collection(std::move(parts), GEOS_MULTILINESTRING, "line parts");
    if (GEOSIntersects_r(geos::ctx(), t.line.get(), t.land.get()) != 1)
        throw DataError(fmt::format("{}: the line does not cross the territory of {}; check that both layers are the ones meant", line_layer.where_text(), regions.where_text()));

    // Polygonize the territory's boundary with the line: the faces inside the territory.
    const Geometry boundary = own(GEOSBoundary_r(geos::ctx(), t.land.get()), "territory boundary");
    std::vector<Geometry> linework;
    linework.push_back(boundary.clone());
    linework.push_back(t.line.clone());
    const Geometry lines = geos::collection(std::move(linework));
    const Geometry noded = own(GEOSUnaryUnion_r(geos::ctx(), lines.get()), "noding the line with the territory");
    const GEOSGeometry* to_polygonize[] = {noded.get()};
    const Geometry faces = own(GEOSPolygonize_r(geos::ctx(), to_polygonize, 1), "polygonizing the territory");

    const Geometry left_strip = side_strip(t.line, 1e-5);
    const Geometry right_strip = side_strip(t.line, -1e-5);
    std::vector<Geometry> left, right, detached;
    const int face_count = GEOSGetNumGeometries_r(geos::ctx(), faces.get());
    for (int i = 0; i < face_count; ++i) {
        Geometry face = own(GEOSGeom_clone_r(geos::ctx(), GEOSGetGeometryN_r(geos::ctx(), faces.get(), i)), "face");
        Geometry inside(GEOSPointOnSurface_r(geos::ctx(), face.get()));
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
        // Bounds settle most pieces (a centimetre of margin over the index's error); a piece left
        // in doubt is measured exactly, to the edges of each side that can be nearest to it.
        const geos::PreparedPtr left_prepared(geos::check(GEOSPrepare_r(geos::ctx(), left_side.get()), "preparing a side"));
        const geos::PreparedPtr right_prepared(geos::check(GEOSPrepare_r(geos::ctx(), right_side.get()), "preparing a side"));
        const auto nearer_left = [&](const Geometry& piece) {
            const auto l = distance_bounds_m(piece, left_prepared.get(), seam), r = distance_bounds_m(piece, right_prepared.get(), seam);
            if (l && r && l->second + 0.01 < r->first) return true;
            if (l && r && r->second + 0.01 < l->first) return false;
            const Geometry left_near = near_edges(left_side, piece), right_near = near_edges(right_side, piece);
            const DistanceIndex sides({&left_near, &right_near});
            return sides.nearest(piece)->target == 0;
        };
        std::vector<Geometry> to_left, to_right;
        for (auto& piece : detached) (nearer_left(piece) ? to_left : to_right).push_back(std::move(piece));
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
        const LonLat q = unwrap_point(p);
        // A point on the line names no side: refused, whichever face it happens to touch.
        const double off_line_m = distance_to_line_m(t.line, q);
        if (off_line_m < side_point_tolerance_m)
            throw UsageError(fmt::format("controlled side: the point [{}, {}] lies on the cease-fire line ({:.2f} m from it; points nearer than {:g} m are "
                                         "on it); move it to the side to keep, or name a region",
                                         p.lon, p.lat, off_line_m, side_point_tolerance_m));
        geos::PreparedPtr l(GEOSPrepare_r(geos::ctx(), left_side.get()));
        geos::PreparedPtr r(GEOSPrepare_r(geos::ctx(), right_side.get()));
        const bool in_left = covers(l.get(), q), in_right = covers(r.get(), q);
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
    if (seam != -180.0) {
        t.land = wrap_longitudes(t.land);
        t.controlled = wrap_longitudes(t.controlled);
        t.other = wrap_longitudes(t.other);
        t.line = wrap_longitudes(t.line);
    }
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
