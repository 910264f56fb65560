#pragma once
// An owned GEOS geometry in WGS84 lon/lat (x = longitude, y = latitude, degrees).
// GEOS types stay forward-declared here; src/geos/ holds the C API plumbing, private to the library.
#include <cstdint>
#include <string>
#include <vector>

struct GEOSGeom_t;

namespace dza {

struct LonLat {
    double lon = 0;
    double lat = 0;
};

struct Extent {
    double min_lon = 0, min_lat = 0, max_lon = 0, max_lat = 0;
    bool empty = true;
    void expand(const Extent& other);
};

class Geometry {
public:
    Geometry() = default;
    explicit Geometry(GEOSGeom_t* owned) noexcept : geom_(owned) {}
    Geometry(Geometry&& other) noexcept : geom_(other.release()) {}
    Geometry& operator=(Geometry&& other) noexcept;
    Geometry(const Geometry&) = delete;
    Geometry& operator=(const Geometry&) = delete;
    ~Geometry();

    static Geometry from_wkb(const unsigned char* wkb, std::size_t size);
    static Geometry from_wkt(const std::string& wkt);
    static Geometry point(LonLat p);
    static Geometry line(const std::vector<LonLat>& points);
    // A polygon from an exterior ring (closed automatically) and optional holes.
    static Geometry polygon(const std::vector<LonLat>& exterior, const std::vector<std::vector<LonLat>>& holes = {});

    std::vector<unsigned char> to_wkb() const;
    std::string to_wkt(int precision = 6) const;
    Geometry clone() const;

    bool is_null() const noexcept { return geom_ == nullptr; }
    explicit operator bool() const noexcept { return geom_ != nullptr; }
    bool is_empty() const;  // true for a null geometry too
    // "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection".
    std::string type_name() const;
    int dimension() const;  // 0 points, 1 lines, 2 polygons; -1 when null or empty
    Extent extent() const;

    // Coordinates. Multi* geometries and collections are walked part by part, in order.
    // Every point, line and ring as its lon/lat list (a polygon's exterior ring, then its holes).
    std::vector<std::vector<LonLat>> paths() const;
    // Every polygon as its rings: the exterior ring first, then the holes.
    std::vector<std::vector<std::vector<LonLat>>> polygons() const;

    // Predicates and overlays in the plane of lon/lat degrees, as GEOS computes them (the
    // geodesic measures are in dza/geodesic.hpp). A failed overlay is a DataError.
    bool is_valid() const;
    bool contains(const Geometry& other) const;
    bool covers(const Geometry& other) const;
    bool intersects(const Geometry& other) const;
    Geometry intersection(const Geometry& other) const;
    Geometry unite(const Geometry& other) const;
    double planar_area_deg2() const;
    double hausdorff_distance_deg(const Geometry& other) const;

    GEOSGeom_t* get() const noexcept { return geom_; }
    GEOSGeom_t* release() noexcept {
        GEOSGeom_t* g = geom_;
        geom_ = nullptr;
        return g;
    }
    // Takes ownership of `owned` (may be null), freeing the geometry held until now.
    void reset(GEOSGeom_t* owned = nullptr) noexcept { *this = Geometry(owned); }

private:
    GEOSGeom_t* geom_ = nullptr;
};

// `points` with every edge longer than `max_step_deg` (in lon or lat) split evenly along the
// straight lon/lat segment, so that it keeps its shape when measured or projected.
std::vector<LonLat> densify_lonlat(const std::vector<LonLat>& points, double max_step_deg);

// `lon` moved by whole turns to lie within 180 degrees of `reference`.
double near_lon(double lon, double reference);

// A geometry built in continuous longitudes (which may leave [-180, 180]) cut at ±180 degrees
// (RFC 7946) and moved into [-180, 180]; its lines stay lines and its polygons polygons. A
// geometry already within [-180, 180] comes back as a copy.
Geometry wrap_longitudes(const Geometry& geometry);

// The pieces of a geometry in continuous longitudes, one per 360-degree turn it spans, each cut
// at ±180 degrees and moved into [-180, 180] (an overlay's pieces may hold parts of lower
// dimension); a geometry already within [-180, 180] is its own one piece.
std::vector<Geometry> cut_at_antimeridian(const Geometry& geometry);

}  // namespace dza
