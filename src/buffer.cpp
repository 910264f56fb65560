#include "dza/buffer.hpp"

#include <fmt/format.h>
#include <geodesic.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "buffer_internal.hpp"
#include "dza/error.hpp"
#include "geos/geos.hpp"
#include "parallel.hpp"
#include "wgs84.hpp"

namespace dza {

namespace {

// ---------------------------------------------------------------------------------------------
// Geodesics (PROJ geod.h). Longitudes are kept continuous ("unrolled") across ±180° while a
// feature is built; the result is split at the antimeridian at the end.


double distance_m(LonLat a, LonLat b) {
    double s12 = 0;
    geod_inverse(&wgs84_geodesic(), a.lat, a.lon, b.lat, b.lon, &s12, nullptr, nullptr);
    return s12;
}

// The point at `s_m` from `from` along azimuth `azimuth_deg`; its longitude continues from `from`'s.
LonLat direct(LonLat from, double azimuth_deg, double s_m) {
    LonLat out;
    geod_gendirect(&wgs84_geodesic(), from.lat, from.lon, azimuth_deg, GEOD_LONG_UNROLL, s_m, &out.lat, &out.lon, nullptr, nullptr, nullptr, nullptr, nullptr,
                   nullptr);
    return out;
}

// A geodesic segment between two vertices with continuous longitudes.
struct Segment {
    LonLat a, b;
    double length_m = 0;
    double azimuth_a = 0;  // at a, toward b
    double azimuth_b = 0;  // forward azimuth at b
    geod_geodesicline line{};

    Segment(LonLat from, LonLat to) : a(from), b(to) {
        geod_inverse(&wgs84_geodesic(), a.lat, a.lon, b.lat, b.lon, &length_m, &azimuth_a, &azimuth_b);
        geod_inverseline(&line, &wgs84_geodesic(), a.lat, a.lon, b.lat, b.lon, GEOD_LATITUDE | GEOD_LONGITUDE | GEOD_AZIMUTH | GEOD_DISTANCE_IN);
    }
    // The point at `s_m` from a, and the forward azimuth there.
    LonLat at(double s_m, double* azimuth_deg = nullptr) const {
        if (s_m <= 0) {
            if (azimuth_deg) *azimuth_deg = azimuth_a;
            return a;
        }
        if (s_m >= length_m) {
            if (azimuth_deg) *azimuth_deg = azimuth_b;
            return b;
        }
        LonLat p;
        double azi = 0;
        geod_genposition(&line, GEOD_LONG_UNROLL, s_m, &p.lat, &p.lon, &azi, nullptr, nullptr, nullptr, nullptr, nullptr);
        if (azimuth_deg) *azimuth_deg = azi;
        return p;
    }
};

// ---------------------------------------------------------------------------------------------
// Adaptive sampling of a curve t -> lon/lat: a chord is kept when its lon/lat-linear points at a
// quarter, a half and three quarters are within `tolerance_m` of the curve at the same parameter.

constexpr int max_depth = 40;
constexpr std::size_t max_vertices = 20'000'000;

class Sampler {
public:
    explicit Sampler(double tolerance_m) : tolerance_m_(tolerance_m) {}

    // Appends the curve's points on (t0, t1] to `out`, whose last point is p0 = curve(t0); the
    // last point appended is exactly p1. `pieces` is the initial number of equal steps.
    template <typename Curve>
    void sample(const Curve& curve, double t0, LonLat p0, double t1, LonLat p1, int pieces, std::vector<LonLat>& out) {
        pieces = std::max(pieces, 1);
        LonLat prev = p0;
        for (int i = 1; i <= pieces; ++i) {
            const double ta = t0 + (t1 - t0) * (i - 1) / pieces;
            const double tb = i == pieces ? t1 : t0 + (t1 - t0) * i / pieces;
            const LonLat next = i == pieces ? p1 : curve(tb);
            refine(curve, ta, prev, tb, next, 0, out);
            prev = next;
        }
    }

    double tolerance_m() const { return tolerance_m_; }

    // Counts the vertices another sampler (a copy of this one, used on another thread) appended.
    void add_vertices_of(const Sampler& copy, std::size_t count_at_copy) {
        count_ += copy.count_ - count_at_copy;
        if (count_ > max_vertices) throw DataError(fmt::format("the buffer needs more than {} vertices; give a larger tolerance", max_vertices));
    }
    std::size_t vertices() const { return count_; }

private:
    template <typename Curve>
    void refine(const Curve& curve, double t0, LonLat p0, double t1, LonLat p1, int depth, std::vector<LonLat>& out) {
        const double tm = 0.5 * (t0 + t1);
        const LonLat pm = curve(tm);
        const auto deviation = [&](double f, LonLat on_curve) {
            const LonLat on_chord{p0.lon + f * (p1.lon - p0.lon), p0.lat + f * (p1.lat - p0.lat)};
            return distance_m(on_chord, on_curve);
        };
        const bool ok = deviation(0.5, pm) <= tolerance_m_ && deviation(0.25, curve(t0 + 0.25 * (t1 - t0))) <= tolerance_m_ &&
                        deviation(0.75, curve(t0 + 0.75 * (t1 - t0))) <= tolerance_m_;
        if (!ok && depth >= max_depth)
            throw DataError(fmt::format("cannot draw the buffer's boundary within {:g} m near ({:.6f}, {:.6f})", tolerance_m_, pm.lon, pm.lat));
        if (ok) {
            if (++count_ > max_vertices)
                throw DataError(fmt::format("the buffer needs more than {} vertices; give a larger tolerance", max_vertices));
            out.push_back(p1);
            return;
        }
        refine(curve, t0, p0, tm, pm, depth + 1, out);
        refine(curve, tm, pm, t1, p1, depth + 1, out);
    }

    double tolerance_m_;
    std::size_t count_ = 0;
};

// Equal steps for an arc of `sweep_deg` of radius `radius_m` whose chords stay within the
// tolerance on a sphere; the sampler refines where the ellipsoid or lon/lat needs more.
int arc_pieces(double sweep_deg, double radius_m, double tolerance_m) {
    const double x = std::min(0.9 * tolerance_m / radius_m, 1.0);
    const double step = 2 * std::acos(1 - x);
    return std::max(1, static_cast<int>(std::ceil(std::fabs(sweep_deg) * M_PI / 180.0 / step)));
}

// Equal steps along a segment, at most 100 km each.
int length_pieces(double length_m) { return std::max(1, static_cast<int>(std::ceil(length_m / 100'000.0))); }

// ---------------------------------------------------------------------------------------------
// GEOS helpers


Geometry ring_polygon(const std::vector<LonLat>& ring) { return Geometry::polygon(ring); }

// GEOSGeom_transformXY callback: x += *userdata.
int move_x(double* x, double* /*y*/, void* userdata) {
    *x += *static_cast<const double*>(userdata);
    return 1;
}


template <typename Fn>
void for_each_part(const GEOSGeometry* g, Fn&& fn) {
    const int type = GEOSGeomTypeId_r(geos::ctx(), g);
    if (type == GEOS_MULTIPOINT || type == GEOS_MULTILINESTRING || type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        const int n = GEOSGetNumGeometries_r(geos::ctx(), g);
        for (int i = 0; i < n; ++i) for_each_part(GEOSGetGeometryN_r(geos::ctx(), g, i), fn);
    } else if (GEOSisEmpty_r(geos::ctx(), g) != 1) {
        fn(g, type);
    }
}

Geometry ring_as_line(const GEOSGeometry* ring) {
    GEOSContextHandle_t h = geos::ctx();
    GEOSCoordSequence* seq = geos::check(GEOSCoordSeq_clone_r(h, GEOSGeom_getCoordSeq_r(h, ring)), "copying coordinates");
    GEOSGeometry* line = GEOSGeom_createLineString_r(h, seq);
    if (!line) GEOSCoordSeq_destroy_r(h, seq);
    return Geometry(geos::check(line, "creating line"));
}

// Polygons (or holes) whose mean width, 2·area/perimeter, is below this many degrees (about 1 cm)
// are rounding debris of an overlay, not parts of a buffer: a buffer is at least as wide as its
// distance, or, where it is cut at ±180°, as wide as the part on that side.
constexpr double sliver_width_deg = 1e-7;

bool is_sliver(const GEOSGeometry* ring) {
    GEOSContextHandle_t h = geos::ctx();
    double length = 0, area = 0;
    GEOSLength_r(h, ring, &length);
    const std::vector<LonLat> pts = geos::coords_of(ring);
    for (std::size_t i = 1; i < pts.size(); ++i) area += pts[i - 1].lon * pts[i].lat - pts[i].lon * pts[i - 1].lat;
    return length == 0 || std::fabs(area) / length < sliver_width_deg;  // |shoelace| / length = 2·area / perimeter
}

// `g` without sliver parts and sliver holes.
Geometry without_slivers(Geometry g) {
    GEOSContextHandle_t h = geos::ctx();
    std::vector<Geometry> polys;
    bool changed = false;
    for_each_part(g.get(), [&](const GEOSGeometry* poly, int type) {
        if (type != GEOS_POLYGON) return;
        if (is_sliver(GEOSGetExteriorRing_r(h, poly))) {
            changed = true;
            return;
        }
        std::vector<Geometry> holes;
        const int n = GEOSGetNumInteriorRings_r(h, poly);
        for (int i = 0; i < n; ++i) {
            const GEOSGeometry* hole = GEOSGetInteriorRingN_r(h, poly, i);
            if (is_sliver(hole)) changed = true;
            else holes.push_back(geos::clone(hole));
        }
        polys.push_back(geos::polygon(geos::clone(GEOSGetExteriorRing_r(h, poly)), std::move(holes), "rebuilding a polygon"));
    });
    if (!changed) return g;
    if (polys.empty()) return geos::empty_polygon();
    if (polys.size() == 1) return std::move(polys.front());
    return geos::collection(std::move(polys), GEOS_MULTIPOLYGON);
}

// The union of overlapping polygonal pieces, noded once: the boundaries of all pieces are noded
// together (identical edges merge), the arrangement is polygonized, the faces inside some piece
// are kept and merged along their shared edges. Robust whatever the pieces share, but its cost
// grows with the number of crossings of all the pieces' boundaries.
Geometry union_noded_once(std::vector<Geometry>& pieces) {
    GEOSContextHandle_t h = geos::ctx();
    std::erase_if(pieces, [&](const Geometry& p) { return !p || GEOSisEmpty_r(h, p.get()) == 1; });
    if (pieces.empty()) return geos::empty_polygon();
    for (auto& p : pieces)
        if (GEOSisValid_r(h, p.get()) != 1) p = geos::polygonal(Geometry(geos::check(GEOSMakeValid_r(h, p.get()), "repairing a buffer piece")));
    if (pieces.size() == 1) {
        Geometry only = std::move(pieces.front());
        pieces.clear();
        return only;
    }
    std::vector<Geometry> lines;
    std::vector<const GEOSGeometry*> polygons;
    for (const auto& p : pieces)
        for_each_part(p.get(), [&](const GEOSGeometry* poly, int type) {
            if (type != GEOS_POLYGON) return;
            polygons.push_back(poly);
            lines.push_back(ring_as_line(GEOSGetExteriorRing_r(h, poly)));
            for (int i = 0; i < GEOSGetNumInteriorRings_r(h, poly); ++i) lines.push_back(ring_as_line(GEOSGetInteriorRingN_r(h, poly, i)));
        });
    const Geometry linework = geos::collection(std::move(lines), GEOS_MULTILINESTRING);
    const Geometry noded(geos::check(GEOSUnaryUnion_r(h, linework.get()), "noding the buffer pieces"));
    const GEOSGeometry* noded_list[] = {noded.get()};
    const Geometry faces(geos::check(GEOSPolygonize_r(h, noded_list, 1), "polygonizing the buffer pieces"));

    geos::STRtreePtr tree(geos::check(GEOSSTRtree_create_r(h, 10), "creating an index"));
    std::vector<geos::PreparedPtr> prepared;
    prepared.reserve(polygons.size());
    for (std::size_t i = 0; i < polygons.size(); ++i) {
        prepared.emplace_back(geos::check(GEOSPrepare_r(h, polygons[i]), "preparing a buffer piece"));
        GEOSSTRtree_insert_r(h, tree.get(), polygons[i], reinterpret_cast<void*>(i));
    }
    struct Query {
        std::vector<std::size_t> hits;
        static void collect(void* item, void* self) { static_cast<Query*>(self)->hits.push_back(reinterpret_cast<std::size_t>(item)); }
    };
    std::vector<Geometry> kept;
    const int count = GEOSGetNumGeometries_r(h, faces.get());
    for (int i = 0; i < count; ++i) {
        const GEOSGeometry* face = GEOSGetGeometryN_r(h, faces.get(), i);
        const Geometry inside(GEOSPointOnSurface_r(h, face));
        if (!inside || GEOSisEmpty_r(h, inside.get()) == 1) continue;
        Query q;
        GEOSSTRtree_query_r(h, tree.get(), inside.get(), &Query::collect, &q);
        const bool covered = std::any_of(q.hits.begin(), q.hits.end(), [&](std::size_t k) { return GEOSPreparedContains_r(h, prepared[k].get(), inside.get()) == 1; });
        if (covered) kept.emplace_back(geos::check(GEOSGeom_clone_r(h, face), "copying geometry"));
    }
    if (kept.empty()) return geos::empty_polygon();
    const Geometry all = geos::collection(std::move(kept), GEOS_MULTIPOLYGON);
    if (GEOSGeometry* merged = GEOSCoverageUnion_r(h, all.get())) return Geometry(merged);
    return Geometry(geos::check(GEOSUnaryUnion_r(h, all.get()), "merging the buffer faces"));
}

// The union of polygonal pieces with GEOS's cascaded union, without slivers; should GEOS fail
// (a topology exception), the union noded once.
Geometry union_all(std::vector<Geometry>& pieces) {
    GEOSContextHandle_t h = geos::ctx();
    std::erase_if(pieces, [&](const Geometry& p) { return !p || GEOSisEmpty_r(h, p.get()) == 1; });
    if (pieces.empty()) return geos::empty_polygon();
    if (pieces.size() == 1 && GEOSisValid_r(h, pieces.front().get()) == 1) {
        Geometry only = std::move(pieces.front());
        pieces.clear();
        return only;
    }
    std::vector<Geometry> copies;
    copies.reserve(pieces.size());
    for (const auto& p : pieces) copies.emplace_back(geos::check(GEOSGeom_clone_r(h, p.get()), "copying geometry"));
    const Geometry all = geos::collection(std::move(pieces));
    if (GEOSGeometry* u = GEOSUnaryUnion_r(h, all.get())) return without_slivers(Geometry(u));
    return without_slivers(union_noded_once(copies));
}

// ---------------------------------------------------------------------------------------------
// Continuous longitudes


// A path with longitudes made continuous (each vertex within 180° of the previous one, the first
// within 180° of `reference`), consecutive vertices closer than 1 mm merged.
std::vector<LonLat> continuous(const std::vector<LonLat>& pts, double reference) {
    std::vector<LonLat> out;
    out.reserve(pts.size());
    for (const LonLat& p : pts) {
        LonLat q{near_lon(p.lon, out.empty() ? reference : out.back().lon), p.lat};
        if (!out.empty() && distance_m(out.back(), q) < 1e-3) continue;
        out.push_back(q);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Poles

// The highest (sign +1) or lowest (-1) latitude a geodesic segment reaches.
double extreme_latitude(const Segment& seg, int sign) {
    double best = sign * std::max(sign * seg.a.lat, sign * seg.b.lat);
    const bool interior = sign > 0 ? (std::fabs(seg.azimuth_a) < 90 && std::fabs(seg.azimuth_b) > 90)
                                   : (std::fabs(seg.azimuth_a) > 90 && std::fabs(seg.azimuth_b) < 90);
    if (!interior) return best;
    // Golden-section search for the extremum of the latitude along the segment.
    const double ratio = (std::sqrt(5.0) - 1) / 2;
    double lo = 0, hi = seg.length_m;
    double x1 = hi - ratio * (hi - lo), x2 = lo + ratio * (hi - lo);
    double f1 = sign * seg.at(x1).lat, f2 = sign * seg.at(x2).lat;
    while (hi - lo > 1.0) {
        if (f1 > f2) {
            hi = x2, x2 = x1, f2 = f1, x1 = hi - ratio * (hi - lo), f1 = sign * seg.at(x1).lat;
        } else {
            lo = x1, x1 = x2, f1 = f2, x2 = lo + ratio * (hi - lo), f2 = sign * seg.at(x2).lat;
        }
    }
    return sign * std::max(sign * best, std::max(f1, f2));
}

// Throws a DataError when a pole lies within the distance (plus 1 km) of the path.
void check_poles(const std::vector<LonLat>& path, bool closed, double buffer_m) {
    double max_lat = -90, min_lat = 90;
    for (const LonLat& p : path) max_lat = std::max(max_lat, p.lat), min_lat = std::min(min_lat, p.lat);
    const std::size_t n = path.size();
    const std::size_t segments = n < 2 ? 0 : (closed ? n : n - 1);
    for (std::size_t i = 0; i < segments; ++i) {
        const Segment seg(path[i], path[(i + 1) % n]);
        max_lat = std::max(max_lat, extreme_latitude(seg, +1));
        min_lat = std::min(min_lat, extreme_latitude(seg, -1));
    }
    const double reach_m = buffer_m + 1000.0;
    const double to_north = distance_m({0, max_lat}, {0, 90});
    const double to_south = distance_m({0, min_lat}, {0, -90});
    if (to_north <= reach_m || to_south <= reach_m) {
        const bool north = to_north <= to_south;
        throw DataError(fmt::format("the buffer would reach the {} pole (the geometry comes within {:.1f} km of it, the distance is {:.1f} km); "
                                    "dza does not buffer around the poles",
                                    north ? "north" : "south", (north ? to_north : to_south) / 1000.0, buffer_m / 1000.0));
    }
}

// ---------------------------------------------------------------------------------------------
// Pieces of a buffer

// Appends to `out` the points of the geodesic circle arc around `center` from azimuth
// `azimuth_start` (point p_start, already in `out`) sweeping `sweep_deg` to p_end.
void arc_to(Sampler& sampler, LonLat center, double radius_m, double azimuth_start, double sweep_deg, LonLat p_start, LonLat p_end,
            std::vector<LonLat>& out) {
    const auto curve = [&](double t) { return direct(center, azimuth_start + t * sweep_deg, radius_m); };
    const int pieces = std::max(arc_pieces(sweep_deg, radius_m, sampler.tolerance_m()), std::fabs(sweep_deg) >= 360 ? 8 : 1);
    sampler.sample(curve, 0.0, p_start, 1.0, p_end, pieces, out);
}

Geometry circle(Sampler& sampler, LonLat center, double radius_m) {
    const LonLat start = direct(center, 0.0, radius_m);
    std::vector<LonLat> ring{start};
    arc_to(sampler, center, radius_m, 0.0, 360.0, start, start, ring);
    return ring_polygon(ring);
}

// Pieces that meet along a shared edge come apart in a cascaded union (each edge is noded anew
// at every level, and rounding splits the two copies into sliver holes). So no two pieces share
// an edge: sectors and end caps reach this far past the segments' perpendiculars, into the
// segments' own pieces, and the perpendiculars end at vertices of the sector's arc.
constexpr double sector_overlap_deg = 2.0;

// The circle sector around `center` from `tip_in` (azimuth `azimuth_in`) sweeping `sweep_deg`
// to `tip_out`, widened by sector_overlap_deg at both ends, with the tips among its vertices.
Geometry sector(Sampler& sampler, LonLat center, double d, double azimuth_in, double sweep_deg, LonLat tip_in, LonLat tip_out) {
    const double s = sweep_deg >= 0 ? 1.0 : -1.0;
    const double first = azimuth_in - s * sector_overlap_deg, last = azimuth_in + sweep_deg + s * sector_overlap_deg;
    const LonLat p_first = direct(center, first, d), p_last = direct(center, last, d);
    std::vector<LonLat> ring{center, p_first};
    arc_to(sampler, center, d, first, s * sector_overlap_deg, p_first, tip_in, ring);
    if (tip_out.lon != tip_in.lon || tip_out.lat != tip_in.lat) arc_to(sampler, center, d, azimuth_in, sweep_deg, tip_in, tip_out, ring);
    arc_to(sampler, center, d, azimuth_in + sweep_deg, s * sector_overlap_deg, tip_out, p_last, ring);
    return ring_polygon(ring);
}

// The densified geodesic path itself (for polygon interiors and the dividing line of one-sided
// buffers). Appends to `out` the points after the first.
void geodesic_path(Sampler& sampler, const std::vector<LonLat>& path, bool closed, std::vector<LonLat>& out) {
    const std::size_t n = path.size();
    out.push_back(path[0]);
    const std::size_t segments = closed ? n : n - 1;
    for (std::size_t i = 0; i < segments; ++i) {
        const Segment seg(path[i], i + 1 < n ? path[i + 1] : LonLat{near_lon(path[0].lon, path[n - 1].lon), path[0].lat});
        sampler.sample([&](double s) { return seg.at(s); }, 0.0, seg.a, seg.length_m, seg.b, length_pieces(seg.length_m), out);
    }
}

struct SegmentOffsets {
    LonLat left_a, left_b, right_a, right_b;  // offset points at both ends
};

// The buffer pieces of a path (a line, or a ring when `closed`): one polygon per segment between
// its two offset curves (closed through the segment's ends), a circle sector at each vertex on
// the side the turn opens, and half circles at the ends of an open path; sectors and half
// circles widened by sector_overlap_deg.
void path_pieces(Sampler& sampler, const std::vector<LonLat>& path, bool closed, double d, std::vector<Geometry>& pieces) {
    const std::size_t n = path.size();
    if (n == 1) {
        pieces.push_back(circle(sampler, path[0], d));
        return;
    }
    std::vector<Segment> segs;
    const std::size_t count = closed ? n : n - 1;
    segs.reserve(count);
    // A closed ring's last segment ends where the first starts, with its longitude continued (it
    // differs by whole turns from the first vertex's when the ring goes round the globe).
    for (std::size_t i = 0; i < count; ++i)
        segs.emplace_back(path[i], i + 1 < n ? path[i + 1] : LonLat{near_lon(path[0].lon, path[n - 1].lon), path[0].lat});
    std::vector<SegmentOffsets> offsets(count);
    for (std::size_t i = 0; i < count; ++i) {
        const Segment& seg = segs[i];
        SegmentOffsets& o = offsets[i];
        o.left_a = direct(seg.a, seg.azimuth_a - 90, d);
        o.right_a = direct(seg.a, seg.azimuth_a + 90, d);
        o.left_b = direct(seg.b, seg.azimuth_b - 90, d);
        o.right_b = direct(seg.b, seg.azimuth_b + 90, d);
        const auto offset_curve = [&](double side) {
            return [&seg, side, d](double s) {
                double azimuth = 0;
                const LonLat p = seg.at(s, &azimuth);
                return direct(p, azimuth + side, d);
            };
        };
        std::vector<LonLat> ring{seg.a, o.left_a};
        sampler.sample(offset_curve(-90), 0.0, o.left_a, seg.length_m, o.left_b, length_pieces(seg.length_m), ring);
        ring.push_back(seg.b);
        std::vector<LonLat> right{o.right_a};
        sampler.sample(offset_curve(+90), 0.0, o.right_a, seg.length_m, o.right_b, length_pieces(seg.length_m), right);
        ring.insert(ring.end(), right.rbegin(), right.rend());
        pieces.push_back(ring_polygon(ring));
    }
    // Joins: at each vertex between two segments, the sector the turn opens on its outer side, and
    // a narrow one on the inner side where the turn is small (so the two segments' perpendiculars
    // there, nearly the same line, lie inside a piece instead of against each other).
    const std::size_t joins = closed ? count : count - 1;
    for (std::size_t j = 0; j < joins; ++j) {
        const std::size_t in = j, out = (j + 1) % count;
        const Segment& s_in = segs[in];
        const double turn = std::remainder(segs[out].azimuth_a - s_in.azimuth_b, 360.0);
        // Built around the incoming segment's end. On a closed ring that goes round the globe the
        // outgoing segment starts a whole turn away: its offsets are shifted here, and the
        // sectors are added there too.
        const double shift = segs[out].a.lon - s_in.b.lon;
        const auto shifted = [shift](LonLat p) { return LonLat{p.lon - shift, p.lat}; };
        std::vector<Geometry> made;
        const bool left_outer = turn >= 0;
        if (left_outer || std::fabs(turn) < 2 * sector_overlap_deg)
            made.push_back(sector(sampler, s_in.b, d, s_in.azimuth_b - 90, turn, offsets[in].left_b, shifted(offsets[out].left_a)));
        if (!left_outer || std::fabs(turn) < 2 * sector_overlap_deg)
            made.push_back(sector(sampler, s_in.b, d, s_in.azimuth_b + 90, turn, offsets[in].right_b, shifted(offsets[out].right_a)));
        for (auto& piece : made) {
            if (shift != 0) {
                double by = shift;
                pieces.emplace_back(geos::check(GEOSGeom_transformXY_r(geos::ctx(), piece.get(), &move_x, &by), "moving a sector"));
            }
            pieces.push_back(std::move(piece));
        }
    }
    if (!closed) {
        const Segment& first = segs.front();
        const Segment& last = segs.back();
        pieces.push_back(sector(sampler, first.a, d, first.azimuth_a + 90, 180.0, offsets.front().right_a, offsets.front().left_a));
        pieces.push_back(sector(sampler, last.b, d, last.azimuth_b - 90, 180.0, offsets.back().left_b, offsets.back().right_b));
    }
}

// ---------------------------------------------------------------------------------------------
// The outline of a line's buffer
//
// The union of a line's pieces (path_pieces, without the widening) is the set of points whose
// winding number about one closed outline is at least 1: with every piece oriented
// counter-clockwise, the sum of their boundaries is that outline, as the perpendiculars between
// neighbouring pieces cancel. The outline runs along the right offsets forward, round the end
// cap, along the left offsets backward and round the start cap; at a vertex it follows the arc
// on the outer side of the turn and goes through the vertex on the inner side. So the buffer is
// drawn as one polygon from one noding of one ring, with the same boundary as the union of the
// pieces, instead of uniting thousands of pieces. Where a triangle between the two offsets' ends
// and the vertex lies inside both segments' pieces, the outline goes straight across it instead:
// its points are covered twice, so they stay covered, and the vertex's long perpendiculars (which
// the noding would have to cross with every edge nearby) are left out.

double orient(LonLat a, LonLat b, LonLat c) { return (b.lon - a.lon) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lon - a.lon); }

bool same_point(LonLat a, LonLat b) { return a.lon == b.lon && a.lat == b.lat; }

// Whether closed segments ab and cd meet.
bool segments_meet(LonLat a, LonLat b, LonLat c, LonLat d) {
    const double o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
    if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return true;
    const auto on = [](LonLat p, LonLat q, LonLat r) {  // r on segment pq, given collinear
        return std::min(p.lon, q.lon) <= r.lon && r.lon <= std::max(p.lon, q.lon) && std::min(p.lat, q.lat) <= r.lat && r.lat <= std::max(p.lat, q.lat);
    };
    return (o1 == 0 && on(a, b, c)) || (o2 == 0 && on(a, b, d)) || (o3 == 0 && on(c, d, a)) || (o4 == 0 && on(c, d, b));
}

// Whether `p` lies strictly inside the simple ring `ring` (not closed: the last vertex joins the first).
bool strictly_inside(LonLat p, const std::vector<LonLat>& ring) {
    bool inside = false;
    const std::size_t n = ring.size();
    for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
        const LonLat a = ring[j], b = ring[i];
        if (segments_meet(a, b, p, p)) return false;  // on the boundary
        if ((a.lat > p.lat) != (b.lat > p.lat) && p.lon < a.lon + (p.lat - a.lat) * (b.lon - a.lon) / (b.lat - a.lat)) inside = !inside;
    }
    return inside;
}

// Whether the triangle (corner, v, free), whose first two vertices are vertices of the simple
// ring `piece`, lies within it: `free` strictly inside, no vertex of the ring strictly inside the
// triangle, and no edge of the ring meeting an edge of the triangle other than at a shared vertex.
bool triangle_within(LonLat corner, LonLat v, LonLat free, const std::vector<LonLat>& piece) {
    if (!strictly_inside(free, piece)) return false;
    const double area = orient(corner, v, free);
    if (area == 0) return false;
    const std::size_t n = piece.size();
    const LonLat tri[3] = {corner, v, free};
    for (std::size_t i = 0; i < n; ++i) {
        const LonLat a = piece[i], b = piece[(i + 1) % n];
        const bool a_shared = same_point(a, corner) || same_point(a, v), b_shared = same_point(b, corner) || same_point(b, v);
        if (!a_shared) {
            const double s0 = orient(corner, v, a) * area, s1 = orient(v, free, a) * area, s2 = orient(free, corner, a) * area;
            if (s0 > 0 && s1 > 0 && s2 > 0) return false;
        }
        for (int k = 0; k < 3; ++k) {
            const LonLat c = tri[k], d = tri[(k + 1) % 3];
            const bool shares = same_point(a, c) || same_point(a, d) || same_point(b, c) || same_point(b, d);
            if (shares) {
                // Sharing an end, the edges may still overlap along a line.
                if (a_shared && b_shared) continue;
                const LonLat common = same_point(a, c) || same_point(a, d) ? a : b;
                const LonLat other_ring = same_point(common, a) ? b : a;
                const LonLat other_tri = same_point(common, c) ? d : c;
                if (orient(common, other_ring, other_tri) == 0 &&
                    (other_ring.lon - common.lon) * (other_tri.lon - common.lon) + (other_ring.lat - common.lat) * (other_tri.lat - common.lat) > 0)
                    return false;
                continue;
            }
            if (segments_meet(a, b, c, d)) return false;
        }
    }
    return true;
}

// One segment's offsets, sampled to the boundary's tolerance: left and right, from a to b.
struct OffsetCurves {
    std::vector<LonLat> left, right;
};

OffsetCurves offset_curves(Sampler& sampler, const Segment& seg, double d) {
    OffsetCurves c;
    const auto offset_curve = [&](double side) {
        return [&seg, side, d](double s) {
            double azimuth = 0;
            const LonLat p = seg.at(s, &azimuth);
            return direct(p, azimuth + side, d);
        };
    };
    c.left = {direct(seg.a, seg.azimuth_a - 90, d)};
    sampler.sample(offset_curve(-90), 0.0, c.left.front(), seg.length_m, direct(seg.b, seg.azimuth_b - 90, d), length_pieces(seg.length_m), c.left);
    c.right = {direct(seg.a, seg.azimuth_a + 90, d)};
    sampler.sample(offset_curve(+90), 0.0, c.right.front(), seg.length_m, direct(seg.b, seg.azimuth_b + 90, d), length_pieces(seg.length_m), c.right);
    return c;
}

// The piece of a segment (as path_pieces draws it) as a ring: a, left offset, b, right offset back.
std::vector<LonLat> segment_piece(const Segment& seg, const OffsetCurves& c) {
    std::vector<LonLat> ring{seg.a};
    ring.insert(ring.end(), c.left.begin(), c.left.end());
    ring.push_back(seg.b);
    ring.insert(ring.end(), c.right.rbegin(), c.right.rend());
    return ring;
}

// The outline of an open path's buffer (see above), a closed ring (first point repeated last).
// For a stretch of a longer path: without `round_start`, the start is cut flat along the first
// segment's perpendicular (the stretch before covers the rest); with a `next` vertex (where the
// path goes on), the end is cut flat along the last segment's perpendicular after the arc on the
// outer side of the turn there, so that the stretches' areas together hold every piece.
std::vector<LonLat> path_outline(Sampler& sampler, const std::vector<LonLat>& path, double d, bool round_start = true,
                                 const std::optional<LonLat>& next = std::nullopt) {
    const std::size_t count = path.size() - 1;
    std::vector<Segment> segs;
    segs.reserve(count);
    for (std::size_t i = 0; i < count; ++i) segs.emplace_back(path[i], path[i + 1]);
    std::vector<OffsetCurves> curves;
    curves.reserve(count);
    for (const Segment& seg : segs) curves.push_back(offset_curves(sampler, seg, d));
    // The way from one segment's offset to the next one's at the vertex between them, on one side
    // (`from` already in the outline): the arc on the outer side of the turn; on the inner side
    // straight across where the triangle cut off lies in both segments' pieces (its points are
    // then covered twice, and stay covered once), else through the vertex.
    const auto join = [&](std::size_t in, std::size_t out, bool right, bool forward, std::vector<LonLat>& outline) {
        const Segment& s_in = segs[in];
        const double turn = std::remainder(segs[out].azimuth_a - s_in.azimuth_b, 360.0);
        const LonLat v = s_in.b;
        const LonLat end_in = right ? curves[in].right.back() : curves[in].left.back();
        const LonLat start_out = right ? curves[out].right.front() : curves[out].left.front();
        const LonLat from = forward ? end_in : start_out, to = forward ? start_out : end_in;
        const bool outer = right ? turn < 0 : turn >= 0;
        if (outer) {
            const double az_in = s_in.azimuth_b + (right ? 90 : -90);
            if (forward) arc_to(sampler, v, d, az_in, turn, from, to, outline);
            else arc_to(sampler, v, d, az_in + turn, -turn, from, to, outline);
            return;
        }
        if (same_point(from, to)) return;
        // A slight turn between segments longer than the triangle is wide: the triangle is a
        // needle inside both pieces but for slivers at its tip (where the offsets' chords sag
        // inside the exact curves), and the straight way between the offsets' ends stays within
        // d·(1 - cos(turn)), 1% of the tolerance, of the distance: it is cut off too.
        const double t = std::fabs(turn) * M_PI / 180.0;
        const bool needle = d * (1 - std::cos(t)) <= 0.01 * sampler.tolerance_m() &&
                            std::min(segs[in].length_m, segs[out].length_m) >= 2 * d * std::sin(t) + 2 * sampler.tolerance_m();
        if (needle || (triangle_within(end_in, v, start_out, segment_piece(segs[in], curves[in])) &&
                       triangle_within(start_out, v, end_in, segment_piece(segs[out], curves[out])))) {
            outline.push_back(to);
            return;
        }
        outline.push_back(v);
        outline.push_back(to);
    };
    std::vector<LonLat> outline;
    // Right side, forward.
    for (std::size_t i = 0; i < count; ++i) {
        const std::vector<LonLat>& r = curves[i].right;
        if (i == 0) outline.push_back(r.front());
        outline.insert(outline.end(), r.begin() + 1, r.end());
        if (i + 1 < count) join(i, i + 1, true, true, outline);
    }
    const Segment& last = segs.back();
    const LonLat right_end = curves.back().right.back(), left_end = curves.back().left.back();
    if (next) {
        // Flat, with the sector on the outer side of the turn to the next segment.
        const Segment after(last.b, *next);
        const double turn = std::remainder(after.azimuth_a - last.azimuth_b, 360.0);
        if (turn < 0) arc_to(sampler, last.b, d, last.azimuth_b + 90, turn, right_end, direct(after.a, after.azimuth_a + 90, d), outline);
        outline.push_back(last.b);
        if (turn >= 0) {
            const LonLat left_next = direct(after.a, after.azimuth_a - 90, d);
            outline.push_back(left_next);
            arc_to(sampler, last.b, d, last.azimuth_b - 90 + turn, -turn, left_next, left_end, outline);
        } else {
            outline.push_back(left_end);
        }
    } else {
        // End cap: from the right offset round the front to the left one.
        arc_to(sampler, last.b, d, last.azimuth_b + 90, -180.0, right_end, left_end, outline);
    }
    // Left side, backward.
    for (std::size_t i = count; i-- > 0;) {
        const std::vector<LonLat>& l = curves[i].left;
        outline.insert(outline.end(), l.rbegin() + 1, l.rend());
        if (i > 0) join(i - 1, i, false, false, outline);
    }
    // Start cap: from the left offset round the back to the right one, closing the outline.
    const Segment& first = segs.front();
    if (round_start) {
        arc_to(sampler, first.a, d, first.azimuth_a - 90, -180.0, curves.front().left.front(), curves.front().right.front(), outline);
    } else {
        outline.push_back(first.a);
        outline.push_back(curves.front().right.front());
    }
    return outline;
}

// The area of winding number 1 or more about a closed outline, as a valid polygon: GEOS's buffer
// by 0 nodes the ring once and keeps the faces of positive depth (depth counts the windings).
Geometry outline_area(const std::vector<LonLat>& outline) {
    const Geometry ring = Geometry::polygon(outline);
    return Geometry(geos::check(GEOSBuffer_r(geos::ctx(), ring.get(), 0.0, 8), "drawing the buffer's outline"));
}

// ---------------------------------------------------------------------------------------------
// One-sided buffers

// The cut line: the path densified along its geodesics; an open path is extended at both ends
// along its geodesics until it leaves the buffer `full`.
std::vector<LonLat> cut_line(Sampler& sampler, const std::vector<LonLat>& path, bool closed, double d, const GEOSPreparedGeometry* full) {
    std::vector<LonLat> middle;
    geodesic_path(sampler, path, closed, middle);
    if (closed) return middle;
    // Far enough to leave the buffer: past the round end, or further where the line curls back
    // toward its end within the distance.
    const auto reach_m = [&](LonLat end, double azimuth) {
        double m = d + 10 * sampler.tolerance_m() + 1.0;
        for (int k = 0; k < 16 && m < 1.5e7; ++k, m *= 1.5) {
            const LonLat p = direct(end, azimuth, m);
            const Geometry point = Geometry::point(p);
            if (GEOSPreparedIntersects_r(geos::ctx(), full, point.get()) != 1) break;
        }
        return m;
    };
    const auto geodesic = [&](LonLat from, LonLat to, std::vector<LonLat>& out) {
        const Segment seg(from, to);
        sampler.sample([&](double s) { return seg.at(s); }, 0.0, seg.a, seg.length_m, seg.b, length_pieces(seg.length_m), out);
    };
    const Segment first(path[0], path[1]);
    const Segment last(path[path.size() - 2], path.back());
    std::vector<LonLat> cut{direct(path.front(), first.azimuth_a + 180, reach_m(path.front(), first.azimuth_a + 180))};
    geodesic(cut.front(), path.front(), cut);
    cut.insert(cut.end(), middle.begin() + 1, middle.end());
    geodesic(path.back(), direct(path.back(), last.azimuth_b, reach_m(path.back(), last.azimuth_b)), cut);
    return cut;
}

// Which side of the path `p` lies on, by its nearest point: +1 left, -1 right, 0 too close to
// tell (on the line, on the switch behind an end, or as near to a stretch that sees it on the
// left as to one that sees it on the right). Nearest points are found in a local lon/lat plane
// scaled by cos(latitude) around `p`; the direction at a vertex between two segments is the
// bisector of theirs, at an end the end segment's.
int side_of(LonLat p, const std::vector<LonLat>& path, bool closed) {
    const double kx = std::cos(p.lat * M_PI / 180.0);
    const std::size_t n = path.size();
    const std::size_t segments = closed ? n : n - 1;
    const auto local = [&](std::size_t i) {
        const LonLat q = i < n ? path[i] : LonLat{near_lon(path[0].lon, path[n - 1].lon), path[0].lat};
        return std::pair<double, double>{(near_lon(q.lon, p.lon) - p.lon) * kx, q.lat - p.lat};
    };
    double best_left = std::numeric_limits<double>::infinity(), best_right = best_left, best_margin = 1;
    const auto consider = [&](double dist, double cross, double norm) {
        const double margin = norm > 0 ? std::fabs(cross) / norm : 0;  // |sin| of the angle from the direction
        double& best = cross > 0 ? best_left : best_right;
        if (dist < std::min(best_left, best_right)) best_margin = margin;
        best = std::min(best, dist);
    };
    for (std::size_t i = 0; i < segments; ++i) {
        const auto [ax, ay] = local(i);
        const auto [bx, by] = local(i + 1);
        const double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
        if (len2 <= 0) continue;
        const double len = std::sqrt(len2);
        const double t = -(ax * dx + ay * dy) / len2;
        if (t <= 0 || t >= 1) continue;  // the nearest point is a vertex: see below
        const double fx = ax + t * dx, fy = ay + t * dy;  // foot; p is the origin
        const double dist = std::hypot(fx, fy);
        consider(dist, dx * (-fy) - dy * (-fx), len * dist);
    }
    // Vertices: the side from the geodesic azimuths at the vertex (exact also far behind an end,
    // where the switch between the sides is the end segment's geodesic continued).
    for (std::size_t v = 0; v < n; ++v) {
        const auto [vx, vy] = local(v);
        const double dist = std::hypot(vx, vy);
        if (dist > std::min(best_left, best_right) * 1.01 + 1e-9) continue;  // cannot be the nearest
        const bool has_in = closed || v > 0, has_out = closed || v + 1 < n;
        const LonLat here = path[v];
        double in_az = 0, out_az = 0, unused = 0, s12 = 0;
        if (has_in) {
            const LonLat prev = v > 0 ? path[v - 1] : path[n - 1];
            geod_inverse(&wgs84_geodesic(), prev.lat, prev.lon, here.lat, here.lon, &s12, &unused, &in_az);
        }
        if (has_out) {
            const LonLat next = v + 1 < n ? path[v + 1] : path[0];
            geod_inverse(&wgs84_geodesic(), here.lat, here.lon, next.lat, next.lon, &s12, &out_az, &unused);
        }
        const double direction = has_in && has_out ? in_az + 0.5 * std::remainder(out_az - in_az, 360.0) : has_in ? in_az : out_az;
        double to_p = 0;
        geod_inverse(&wgs84_geodesic(), here.lat, here.lon, p.lat, p.lon, &s12, &to_p, &unused);
        const double angle = std::remainder(to_p - direction, 360.0) * M_PI / 180.0;  // negative: left
        consider(dist, -std::sin(angle), 1.0);
    }
    const double nearest = std::min(best_left, best_right);
    if (nearest < 1e-9 || best_margin < 1e-3 || std::fabs(best_left - best_right) < 1e-7 + 1e-6 * nearest) return 0;
    return best_left < best_right ? 1 : -1;
}

// The part of `full` (the two-sided buffer of `path`) on one side of the path: the points whose
// nearest point on the path sees them on that side of the path's direction there. The buffer is
// cut along the path, extended at its ends until it leaves the buffer (see cut_line), into faces;
// each face lies on one side, told by the nearest point of points spread over it. A face whose
// points lie on both sides (the line winds back toward itself within the distance, so that the
// sides meet away from the line) is refused rather than guessed.
Geometry one_side(Sampler& sampler, const std::vector<LonLat>& path, bool closed, double d, const GEOSGeometry* full, BufferSide side) {
    GEOSContextHandle_t h = geos::ctx();
    const geos::PreparedPtr full_prepared(geos::check(GEOSPrepare_r(h, full), "preparing the buffer"));
    const Geometry cut = Geometry::line(cut_line(sampler, path, closed, d, full_prepared.get()));
    const Geometry boundary(geos::check(GEOSBoundary_r(h, full), "buffer boundary"));
    const Geometry noded(geos::check(GEOSUnion_r(h, boundary.get(), cut.get()), "cutting the buffer along the line"));
    const GEOSGeometry* linework[] = {noded.get()};
    const Geometry faces(geos::check(GEOSPolygonize_r(h, linework, 1), "splitting the buffer into sides"));

    std::vector<Geometry> kept;
    const int count = GEOSGetNumGeometries_r(h, faces.get());
    for (int i = 0; i < count; ++i) {
        const GEOSGeometry* face = GEOSGetGeometryN_r(h, faces.get(), i);
        const Geometry inside(GEOSPointOnSurface_r(h, face));
        if (!inside || GEOSPreparedContains_r(h, full_prepared.get(), inside.get()) != 1) continue;  // a hole of the buffer
        // Points spread over the face: its point on surface and a 9 x 9 grid over its envelope.
        const geos::PreparedPtr face_prepared(geos::check(GEOSPrepare_r(h, face), "preparing a face"));
        std::vector<LonLat> samples;
        double x = 0, y = 0;
        GEOSGeomGetX_r(h, inside.get(), &x);
        GEOSGeomGetY_r(h, inside.get(), &y);
        samples.push_back({x, y});
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        GEOSGeom_getXMin_r(h, face, &x0);
        GEOSGeom_getYMin_r(h, face, &y0);
        GEOSGeom_getXMax_r(h, face, &x1);
        GEOSGeom_getYMax_r(h, face, &y1);
        for (int a = 1; a < 10; ++a)
            for (int b = 1; b < 10; ++b) {
                const LonLat q{x0 + (x1 - x0) * a / 10.0, y0 + (y1 - y0) * b / 10.0};
                const Geometry point = Geometry::point(q);
                if (GEOSPreparedContains_r(h, face_prepared.get(), point.get()) == 1) samples.push_back(q);
            }
        int left = 0, right = 0;
        std::optional<LonLat> first_left, first_right;
        for (const LonLat& q : samples) {
            const int s = side_of(q, path, closed);
            if (s > 0 && !left++) first_left = q;
            if (s < 0 && !right++) first_right = q;
        }
        if (left > 0 && right > 0) {
            const LonLat a = *first_left, b = *first_right;
            throw DataError(fmt::format("the line winds back toward itself within the buffer distance, {:.3f} km, so that its left and right sides "
                                        "meet away from it (between [{:.6f}, {:.6f}] and [{:.6f}, {:.6f}]); dza does not split such a buffer by "
                                        "side: give a distance under the line's bends, or buffer both sides",
                                        d / 1000.0, near_lon(a.lon, 0.0), a.lat, near_lon(b.lon, 0.0), b.lat));
        }
        if ((side == BufferSide::Left && left > 0) || (side == BufferSide::Right && right > 0))
            kept.emplace_back(geos::check(GEOSGeom_clone_r(h, face), "copying geometry"));
    }
    // The faces come from one noding and share their edges exactly: a coverage.
    if (kept.empty()) return geos::empty_polygon();
    const Geometry all = geos::collection(std::move(kept), GEOS_MULTIPOLYGON);
    if (GEOSGeometry* merged = GEOSCoverageUnion_r(h, all.get())) return without_slivers(Geometry(merged));
    return without_slivers(Geometry(geos::check(GEOSUnaryUnion_r(h, all.get()), "merging the buffer's faces")));
}

// ---------------------------------------------------------------------------------------------
// Finishing: the antimeridian, winding and validity

// A geometry built in continuous longitudes, cut at ±180° (RFC 7946) and moved into [-180, 180]
// (cut_at_antimeridian), its polygonal pieces united.
Geometry wrap_world(Geometry g) {
    if (g.is_empty()) return g;
    const Extent e = g.extent();
    if (e.min_lon >= -180.0 && e.max_lon <= 180.0) return g;
    std::vector<Geometry> parts;
    for (Geometry& piece : cut_at_antimeridian(g)) {
        Geometry polygons = geos::polygonal(std::move(piece));
        if (!polygons.is_empty()) parts.push_back(std::move(polygons));
    }
    return union_all(parts);
}

Geometry oriented_polygon(const GEOSGeometry* poly) {
    GEOSContextHandle_t h = geos::ctx();
    const auto ring_with = [&](const GEOSGeometry* ring, bool want_ccw) {
        char ccw = 0;
        GEOSCoordSeq_isCCW_r(h, GEOSGeom_getCoordSeq_r(h, ring), &ccw);
        return (ccw != 0) == want_ccw ? geos::check(GEOSGeom_clone_r(h, ring), "copying ring") : geos::check(GEOSReverse_r(h, ring), "reversing ring");
    };
    Geometry shell(ring_with(GEOSGetExteriorRing_r(h, poly), true));
    std::vector<Geometry> holes;
    const int n = GEOSGetNumInteriorRings_r(h, poly);
    for (int i = 0; i < n; ++i) holes.emplace_back(ring_with(GEOSGetInteriorRingN_r(h, poly, i), false));
    return geos::polygon(std::move(shell), std::move(holes));
}

// Valid, polygonal, exterior rings counter-clockwise and holes clockwise (RFC 7946).
Geometry finish(Geometry g) {
    GEOSContextHandle_t h = geos::ctx();
    g = geos::polygonal(std::move(g));
    if (GEOSisValid_r(h, g.get()) != 1) g = geos::polygonal(Geometry(geos::check(GEOSMakeValid_r(h, g.get()), "repairing the buffer")));
    if (GEOSisEmpty_r(h, g.get()) == 1) return Geometry(GEOSGeom_createEmptyPolygon_r(h));
    if (GEOSGeomTypeId_r(h, g.get()) == GEOS_POLYGON) return Geometry(oriented_polygon(g.get()).release());
    std::vector<Geometry> polys;
    for_each_part(g.get(), [&](const GEOSGeometry* part, int) { polys.push_back(oriented_polygon(part)); });
    return geos::collection(std::move(polys), GEOS_MULTIPOLYGON);
}

// ---------------------------------------------------------------------------------------------
// Parts

// Set on the threads of geodesic_buffers while it builds several jobs at once: a buffer then
// stays on its thread rather than start threads of its own.
thread_local bool among_jobs = false;

struct Builder {
    double d;
    BufferSide side;
    Sampler sampler;           // the boundary, to max_error_m
    Sampler interior_sampler;  // polygon edges, close enough to their geodesics to stay inside the buffer

    Geometry point(LonLat p) {
        check_poles({p}, false, d);
        return circle(sampler, LonLat{near_lon(p.lon, 0), p.lat}, d);
    }

    // The buffer of a path: the area inside its outline (path_outline), one noding of one ring.
    // A long path, or a closed one, is buffered in open stretches of chunk_segments segments
    // (sharing their end vertices; the buffer of a union is the union of the buffers), then the
    // stretches' buffers are united. Stretches are short because the outline's cost grows with
    // the square of its length on a densely drawn line: its perpendiculars through the vertices on
    // the inner side of turns cross every edge within the distance (8,000 vertices at 100 km:
    // 11.7 s of CPU as one outline, 1.2 s in stretches of 64). The stretches are built on all
    // cores, each on its own (with its own sampler), then united in their order: the same result
    // whatever the number of threads. A short closed path (a small ring) is the union of its
    // pieces (path_pieces), as its two sides need two outlines.
    Geometry path_buffer(const std::vector<LonLat>& path, bool closed) {
        constexpr std::size_t chunk_segments = 64;
        const std::size_t segments = path.size() < 2 ? 0 : path.size() - 1 + (closed ? 1 : 0);
        if (segments <= chunk_segments) {
            if (!closed && segments > 0) return without_slivers(outline_area(path_outline(sampler, path, d)));
            std::vector<Geometry> pieces;
            path_pieces(sampler, path, closed, d, pieces);
            return union_all(pieces);
        }
        std::vector<LonLat> open = path;
        if (closed) open.push_back({near_lon(path[0].lon, path.back().lon), path[0].lat});
        const std::size_t count = (open.size() - 2) / chunk_segments + 1;
        std::vector<Geometry> stretches(count);
        std::vector<Sampler> samplers(count, sampler);
        const std::size_t vertices_before = sampler.vertices();
        parallel_for(
            count,
            [&](std::size_t begin, std::size_t end) {
                for (std::size_t k = begin; k < end; ++k) {
                    const std::size_t start = k * chunk_segments, last = std::min(open.size() - 1, start + chunk_segments);
                    const std::vector<LonLat> stretch(open.begin() + static_cast<std::ptrdiff_t>(start), open.begin() + static_cast<std::ptrdiff_t>(last) + 1);
                    const std::optional<LonLat> next = last + 1 < open.size() ? std::optional<LonLat>(open[last + 1]) : std::nullopt;
                    stretches[k] = outline_area(path_outline(samplers[k], stretch, d, k == 0, next));
                }
            },
            {}, {}, among_jobs ? count : 1);  // among several jobs on all cores already: on this thread
        for (const Sampler& s : samplers) sampler.add_vertices_of(s, vertices_before);
        return union_all(stretches);
    }

    Geometry line(const std::vector<LonLat>& raw) {
        std::vector<LonLat> path = continuous(raw, near_lon(raw.front().lon, 0));
        const bool closed = path.size() >= 4 && distance_m(path.front(), path.back()) < 1e-3;
        if (closed) path.pop_back();
        check_poles(path, closed, d);
        Geometry full = path_buffer(path, closed);
        if (side == BufferSide::Both || path.size() < 2) return full;
        return one_side(sampler, path, closed, d, full.get(), side);
    }

    Geometry polygon(const GEOSGeometry* poly) {
        GEOSContextHandle_t h = geos::ctx();
        std::vector<std::vector<LonLat>> rings;
        rings.push_back(geos::coords_of(GEOSGetExteriorRing_r(h, poly)));
        const int holes = GEOSGetNumInteriorRings_r(h, poly);
        for (int i = 0; i < holes; ++i) rings.push_back(geos::coords_of(GEOSGetInteriorRingN_r(h, poly, i)));
        const double reference = near_lon(rings[0].front().lon, 0);
        std::vector<Geometry> pieces;
        std::vector<LonLat> shell;
        std::vector<std::vector<LonLat>> hole_rings;
        for (std::size_t r = 0; r < rings.size(); ++r) {
            std::vector<LonLat> path = continuous(rings[r], reference);
            if (path.size() >= 2 && distance_m(path.front(), path.back()) < 1e-3) path.pop_back();
            if (path.size() < 3) continue;
            check_poles(path, true, d);
            path_pieces(sampler, path, true, d, pieces);
            std::vector<LonLat> dense;
            geodesic_path(interior_sampler, path, true, dense);
            (r == 0 ? shell : hole_rings.emplace_back()) = std::move(dense);
        }
        if (shell.size() >= 4) {
            Geometry inside(Geometry::polygon(shell, hole_rings).release());
            if (GEOSisValid_r(h, inside.get()) != 1) inside.reset(geos::check(GEOSMakeValid_r(h, inside.get()), "repairing the polygon"));
            pieces.push_back(std::move(inside));
        }
        return union_all(pieces);
    }
};

void check_options(const BufferOptions& options) {
    if (!std::isfinite(options.distance_m) || options.distance_m < 0)
        throw UsageError(fmt::format("buffer distance {} m is not a distance of 0 or more", options.distance_m));
    if (options.distance_m > buffer_max_distance_m)
        throw UsageError(fmt::format("buffer distance {:.1f} km is larger than the {:.0f} km dza buffers by", options.distance_m / 1000.0,
                                     buffer_max_distance_m / 1000.0));
    if (!std::isfinite(options.tolerance_m) || options.tolerance_m < buffer_min_tolerance_m)
        throw UsageError(fmt::format("buffer tolerance {} m is too small; give at least {} m", options.tolerance_m, buffer_min_tolerance_m));
}

}  // namespace

const char* buffer_side_name(BufferSide side) {
    switch (side) {
        case BufferSide::Left: return "left";
        case BufferSide::Right: return "right";
        case BufferSide::Both: break;
    }
    return "both";
}

double buffer_max_error_m(double distance_m, double tolerance_m) {
    return std::min(tolerance_m, 0.75 * std::max(1.0, 1e-4 * distance_m));
}

BufferResult geodesic_buffer(const Geometry& source, const BufferOptions& options) {
    check_options(options);
    GEOSContextHandle_t h = geos::ctx();
    BufferResult result;
    if (source.is_empty()) {
        result.geometry = Geometry(GEOSGeom_createEmptyPolygon_r(h));
        return result;
    }
    if (options.side != BufferSide::Both) {
        for_each_part(source.get(), [&](const GEOSGeometry*, int type) {
            if (type != GEOS_LINESTRING && type != GEOS_LINEARRING)
                throw UsageError(fmt::format("a one-sided ({}) buffer applies to lines only, and this geometry is a {}", buffer_side_name(options.side),
                                             source.type_name()));
        });
    }
    const double d = options.distance_m;
    std::vector<Geometry> parts;
    if (d == 0) {
        // Nothing is within 0 m of a point or a line but itself; polygons stay as they are.
        if (options.side == BufferSide::Both)
            for_each_part(source.get(), [&](const GEOSGeometry* part, int type) {
                if (type == GEOS_POLYGON) parts.emplace_back(geos::check(GEOSGeom_clone_r(h, part), "copying geometry"));
            });
        result.geometry = finish(union_all(parts));
        return result;
    }
    result.max_error_m = buffer_max_error_m(d, options.tolerance_m);
    Builder builder{d, options.side, Sampler(result.max_error_m), Sampler(std::min(result.max_error_m, 0.25 * d))};
    for_each_part(source.get(), [&](const GEOSGeometry* part, int type) {
        switch (type) {
            case GEOS_POINT: {
                double lon = 0, lat = 0;
                GEOSGeomGetX_r(h, part, &lon);
                GEOSGeomGetY_r(h, part, &lat);
                parts.push_back(wrap_world(builder.point({lon, lat})));
                break;
            }
            case GEOS_LINESTRING:
            case GEOS_LINEARRING: parts.push_back(wrap_world(builder.line(geos::coords_of(part)))); break;
            case GEOS_POLYGON: parts.push_back(wrap_world(builder.polygon(part))); break;
            default: break;
        }
    });
    result.geometry = finish(union_all(parts));
    return result;
}

std::vector<BufferResult> geodesic_buffers(const std::vector<BufferJob>& jobs, const Callbacks& callbacks) {
    for (const BufferJob& job : jobs)
        if (job.source) geos::share_between_threads(job.source->get());  // jobs may share a source
    std::vector<BufferResult> results(jobs.size());
    parallel_for(
        jobs.size(),
        [&](std::size_t begin, std::size_t end) {
            const bool was_among_jobs = among_jobs;
            among_jobs = was_among_jobs || jobs.size() > 1;
            struct Restore {
                bool value;
                ~Restore() { among_jobs = value; }
            } restore{was_among_jobs};
            for (std::size_t i = begin; i < end; ++i) {
                const BufferJob& job = jobs[i];
                results[i] = with_context([&] { return job.context; },
                                          [&] { return job.source ? geodesic_buffer(*job.source, job.options) : BufferResult{geos::empty_polygon(), 0.0}; });
            }
        },
        callbacks, "buffering", 1);
    return results;
}

BufferResult buffer_ring(const BufferResult& outer, const BufferResult& inner) {
    BufferResult ring;
    ring.max_error_m = std::max(outer.max_error_m, inner.max_error_m);
    GEOSContextHandle_t h = geos::ctx();
    if (outer.geometry.is_empty()) {
        ring.geometry = Geometry(GEOSGeom_createEmptyPolygon_r(h));
    } else if (inner.geometry.is_empty()) {
        ring.geometry = outer.geometry.clone();
    } else {
        ring.geometry = finish(Geometry(geos::check(GEOSDifference_r(h, outer.geometry.get(), inner.geometry.get()), "ring between buffers")));
    }
    return ring;
}

BufferResult dissolve_buffers(const std::vector<const BufferResult*>& parts) {
    BufferResult out;
    std::vector<Geometry> pieces;
    for (const BufferResult* p : parts) {
        out.max_error_m = std::max(out.max_error_m, p->max_error_m);
        if (!p->geometry.is_empty()) pieces.emplace_back(geos::check(GEOSGeom_clone_r(geos::ctx(), p->geometry.get()), "copying geometry"));
    }
    out.geometry = finish(union_all(pieces));
    return out;
}

void check_buffer_poles(const std::vector<LonLat>& path, bool closed, double buffer_m) { check_poles(path, closed, buffer_m); }

Geometry finish_buffer_geometry(Geometry continuous) { return finish(wrap_world(std::move(continuous))); }

}  // namespace dza
