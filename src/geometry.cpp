#include "dza/geometry.hpp"

#include <algorithm>
#include <cmath>

#include "geos/geos.hpp"

namespace dza {

void Extent::expand(const Extent& other) {
    if (other.empty) return;
    if (empty) {
        *this = other;
        return;
    }
    min_lon = std::min(min_lon, other.min_lon);
    min_lat = std::min(min_lat, other.min_lat);
    max_lon = std::max(max_lon, other.max_lon);
    max_lat = std::max(max_lat, other.max_lat);
}

Geometry& Geometry::operator=(Geometry&& other) noexcept {
    if (this != &other) {
        if (geom_) GEOSGeom_destroy_r(geos::ctx(), geom_);
        geom_ = other.release();
    }
    return *this;
}

Geometry::~Geometry() {
    if (geom_) GEOSGeom_destroy_r(geos::ctx(), geom_);
}

Geometry Geometry::from_wkb(const unsigned char* wkb, std::size_t size) {
    geos::WKBReaderPtr reader(GEOSWKBReader_create_r(geos::ctx()));
    return Geometry(geos::check(GEOSWKBReader_read_r(geos::ctx(), reader.get(), wkb, size), "reading WKB"));
}

Geometry Geometry::from_wkt(const std::string& wkt) {
    geos::WKTReaderPtr reader(GEOSWKTReader_create_r(geos::ctx()));
    return Geometry(geos::check(GEOSWKTReader_read_r(geos::ctx(), reader.get(), wkt.c_str()), "reading WKT"));
}

namespace {
geos::CoordSeqPtr make_sequence(const std::vector<LonLat>& points, bool close) {
    const bool add_closing = close && !points.empty() &&
                             (points.front().lon != points.back().lon || points.front().lat != points.back().lat);
    const auto n = static_cast<unsigned>(points.size() + (add_closing ? 1 : 0));
    geos::CoordSeqPtr seq(geos::check(GEOSCoordSeq_create_r(geos::ctx(), n, 2), "creating coordinates"));
    for (unsigned i = 0; i < points.size(); ++i) GEOSCoordSeq_setXY_r(geos::ctx(), seq.get(), i, points[i].lon, points[i].lat);
    if (add_closing) GEOSCoordSeq_setXY_r(geos::ctx(), seq.get(), n - 1, points.front().lon, points.front().lat);
    return seq;
}
}  // namespace

Geometry Geometry::point(LonLat p) { return Geometry(geos::check(GEOSGeom_createPointFromXY_r(geos::ctx(), p.lon, p.lat), "creating point")); }

Geometry Geometry::line(const std::vector<LonLat>& points) {
    auto seq = make_sequence(points, false);
    return Geometry(geos::check(GEOSGeom_createLineString_r(geos::ctx(), seq.release()), "creating line"));
}

Geometry Geometry::polygon(const std::vector<LonLat>& exterior, const std::vector<std::vector<LonLat>>& holes) {
    Geometry shell = geos::own(GEOSGeom_createLinearRing_r(geos::ctx(), make_sequence(exterior, true).release()), "creating ring");
    std::vector<Geometry> hole_rings;
    for (const auto& h : holes) hole_rings.push_back(geos::own(GEOSGeom_createLinearRing_r(geos::ctx(), make_sequence(h, true).release()), "creating ring"));
    return geos::polygon(std::move(shell), std::move(hole_rings));
}

std::vector<unsigned char> Geometry::to_wkb() const {
    if (!geom_) return {};
    geos::WKBWriterPtr writer(GEOSWKBWriter_create_r(geos::ctx()));
    std::size_t size = 0;
    std::unique_ptr<unsigned char, geos::BufferDeleter> buf(geos::check(GEOSWKBWriter_write_r(geos::ctx(), writer.get(), geom_, &size), "writing WKB"));
    return {buf.get(), buf.get() + size};
}

std::string Geometry::to_wkt(int precision) const {
    if (!geom_) return "";
    geos::WKTWriterPtr writer(GEOSWKTWriter_create_r(geos::ctx()));
    GEOSWKTWriter_setRoundingPrecision_r(geos::ctx(), writer.get(), precision);
    GEOSWKTWriter_setTrim_r(geos::ctx(), writer.get(), 1);
    std::unique_ptr<char, geos::BufferDeleter> text(geos::check(GEOSWKTWriter_write_r(geos::ctx(), writer.get(), geom_), "writing WKT"));
    return text.get();
}

Geometry Geometry::clone() const {
    if (!geom_) return {};
    return Geometry(geos::check(GEOSGeom_clone_r(geos::ctx(), geom_), "copying geometry"));
}

bool Geometry::is_empty() const { return !geom_ || GEOSisEmpty_r(geos::ctx(), geom_) == 1; }

std::string Geometry::type_name() const {
    if (!geom_) return "None";
    switch (GEOSGeomTypeId_r(geos::ctx(), geom_)) {
        case GEOS_POINT: return "Point";
        case GEOS_LINESTRING: return "LineString";
        case GEOS_LINEARRING: return "LineString";
        case GEOS_POLYGON: return "Polygon";
        case GEOS_MULTIPOINT: return "MultiPoint";
        case GEOS_MULTILINESTRING: return "MultiLineString";
        case GEOS_MULTIPOLYGON: return "MultiPolygon";
        default: return "GeometryCollection";
    }
}

int Geometry::dimension() const {
    if (is_empty()) return -1;
    return GEOSGeom_getDimensions_r(geos::ctx(), geom_);
}

Extent Geometry::extent() const {
    Extent e;
    if (is_empty()) return e;
    if (GEOSGeom_getXMin_r(geos::ctx(), geom_, &e.min_lon) && GEOSGeom_getYMin_r(geos::ctx(), geom_, &e.min_lat) &&
        GEOSGeom_getXMax_r(geos::ctx(), geom_, &e.max_lon) && GEOSGeom_getYMax_r(geos::ctx(), geom_, &e.max_lat))
        e.empty = false;
    return e;
}

namespace {
// Calls fn(part, type) for each non-empty simple part of `g`.
template <typename Fn>
void for_each_simple(const GEOSGeometry* g, Fn&& fn) {
    GEOSContextHandle_t h = geos::ctx();
    if (!g || GEOSisEmpty_r(h, g) == 1) return;
    const int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_MULTIPOINT || type == GEOS_MULTILINESTRING || type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        for (int i = 0; i < GEOSGetNumGeometries_r(h, g); ++i) for_each_simple(GEOSGetGeometryN_r(h, g, i), fn);
    } else {
        fn(g, type);
    }
}

std::vector<std::vector<LonLat>> rings_of(const GEOSGeometry* polygon) {
    GEOSContextHandle_t h = geos::ctx();
    std::vector<std::vector<LonLat>> rings{geos::coords_of(GEOSGetExteriorRing_r(h, polygon))};
    for (int i = 0; i < GEOSGetNumInteriorRings_r(h, polygon); ++i) rings.push_back(geos::coords_of(GEOSGetInteriorRingN_r(h, polygon, i)));
    return rings;
}

bool predicate(char answer, const char* what) {
    if (answer == 2) throw DataError(std::string(what) + ": " + geos::last_error());
    return answer == 1;
}
}  // namespace

std::vector<std::vector<LonLat>> Geometry::paths() const {
    std::vector<std::vector<LonLat>> out;
    for_each_simple(geom_, [&](const GEOSGeometry* part, int type) {
        if (type == GEOS_POLYGON) {
            for (auto& ring : rings_of(part)) out.push_back(std::move(ring));
        } else {
            out.push_back(geos::coords_of(part));
        }
    });
    return out;
}

std::vector<std::vector<std::vector<LonLat>>> Geometry::polygons() const {
    std::vector<std::vector<std::vector<LonLat>>> out;
    for_each_simple(geom_, [&](const GEOSGeometry* part, int type) {
        if (type == GEOS_POLYGON) out.push_back(rings_of(part));
    });
    return out;
}

bool Geometry::is_valid() const { return geom_ && predicate(GEOSisValid_r(geos::ctx(), geom_), "checking validity"); }
bool Geometry::contains(const Geometry& other) const {
    return geom_ && other.geom_ && predicate(GEOSContains_r(geos::ctx(), geom_, other.geom_), "testing containment");
}
bool Geometry::covers(const Geometry& other) const {
    return geom_ && other.geom_ && predicate(GEOSCovers_r(geos::ctx(), geom_, other.geom_), "testing coverage");
}
bool Geometry::intersects(const Geometry& other) const {
    return geom_ && other.geom_ && predicate(GEOSIntersects_r(geos::ctx(), geom_, other.geom_), "testing intersection");
}
Geometry Geometry::intersection(const Geometry& other) const {
    if (!geom_ || !other.geom_) return {};
    return geos::own(GEOSIntersection_r(geos::ctx(), geom_, other.geom_), "intersecting"); }
Geometry Geometry::unite(const Geometry& other) const {
    if (!geom_ || !other.geom_) return {};
    return geos::own(GEOSUnion_r(geos::ctx(), geom_, other.geom_), "uniting"); }
double Geometry::planar_area_deg2() const {
    double area = 0;
    if (geom_ && GEOSArea_r(geos::ctx(), geom_, &area) != 1) throw DataError("measuring an area: " + geos::last_error());
    return area;
}
double Geometry::hausdorff_distance_deg(const Geometry& other) const {
    double d = 0;
    if (GEOSHausdorffDistance_r(geos::ctx(), geom_, other.geom_, &d) != 1) throw DataError("measuring a Hausdorff distance: " + geos::last_error());
    return d;
}

std::vector<LonLat> densify_lonlat(const std::vector<LonLat>& points, double max_step_deg) {
    std::vector<LonLat> out;
    out.reserve(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (i > 0) {
            const LonLat a = points[i - 1], b = points[i];
            const double span = std::max(std::fabs(b.lon - a.lon), std::fabs(b.lat - a.lat));
            const int pieces = static_cast<int>(std::ceil(span / max_step_deg));
            for (int k = 1; k < pieces; ++k) {
                const double f = static_cast<double>(k) / pieces;
                out.push_back({a.lon + f * (b.lon - a.lon), a.lat + f * (b.lat - a.lat)});
            }
        }
        out.push_back(points[i]);
    }
    return out;
}

double near_lon(double lon, double reference) { return reference + std::remainder(lon - reference, 360.0); }

namespace {
int shift_lon(double* x, double* /*y*/, void* userdata) {
    *x = std::clamp(*x + *static_cast<const double*>(userdata), -180.0, 180.0);
    return 1;
}
}  // namespace

std::vector<Geometry> cut_at_antimeridian(const Geometry& geometry) {
    std::vector<Geometry> pieces;
    const Extent e = geometry.extent();
    if (e.empty || (e.min_lon >= -180.0 && e.max_lon <= 180.0)) {
        pieces.push_back(geometry.clone());
        return pieces;
    }
    GEOSContextHandle_t h = geos::ctx();
    const int k0 = static_cast<int>(std::floor((e.min_lon + 180.0) / 360.0));
    const int k1 = static_cast<int>(std::floor((e.max_lon + 180.0) / 360.0));
    for (int k = k0; k <= k1; ++k) {
        const double west = -180.0 + 360.0 * k, east = 180.0 + 360.0 * k;
        const Geometry box = Geometry::polygon({{west, -90}, {east, -90}, {east, 90}, {west, 90}});
        const Geometry piece = geos::own(GEOSIntersection_r(h, geometry.get(), box.get()), "cutting at the antimeridian");
        double shift = -360.0 * k;
        pieces.push_back(geos::own(GEOSGeom_transformXY_r(h, piece.get(), &shift_lon, &shift), "moving across the antimeridian"));
    }
    return pieces;
}

Geometry wrap_longitudes(const Geometry& geometry) {
    const Extent e = geometry.extent();
    if (e.empty || (e.min_lon >= -180.0 && e.max_lon <= 180.0)) return geometry.clone();
    GEOSContextHandle_t h = geos::ctx();
    const int dimension = geometry.dimension();
    std::vector<Geometry> parts;
    for (const Geometry& moved : cut_at_antimeridian(geometry)) {
        const auto keep = [&](const auto& self, const GEOSGeometry* g) -> void {
            const int type = GEOSGeomTypeId_r(h, g);
            if (type == GEOS_MULTIPOLYGON || type == GEOS_MULTILINESTRING || type == GEOS_MULTIPOINT || type == GEOS_GEOMETRYCOLLECTION) {
                for (int i = 0; i < GEOSGetNumGeometries_r(h, g); ++i) self(self, GEOSGetGeometryN_r(h, g, i));
            } else if (GEOSisEmpty_r(h, g) != 1 && GEOSGeom_getDimensions_r(h, g) == dimension) {
                parts.push_back(geos::own(GEOSGeom_clone_r(h, g), "copying geometry"));
            }
        };
        keep(keep, moved.get());
    }
    const int type = dimension == 2 ? GEOS_MULTIPOLYGON : dimension == 1 ? GEOS_MULTILINESTRING : GEOS_MULTIPOINT;
    if (parts.size() == 1) return std::move(parts.front());
    return geos::collection(std::move(parts), type, "collecting the parts cut at the antimeridian");
}

}  // namespace dza
