#pragma once
// The boundary to GEOS's reentrant C API (private to the library): one context per thread whose
// error handler records the message, owners for GEOS's handles, and the overlay helpers every
// analysis uses. Geometries are owned by dza::Geometry; a helper that returns one transfers its
// ownership and throws DataError("<what>: <GEOS message>") instead of returning null.
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>

// GEOS takes the parts given to GEOSGeom_createCollection_r and GEOSGeom_createPolygon_r even
// when it fails (it frees them then): collection() and polygon() rely on it.
#if GEOS_VERSION_MAJOR < 3 || (GEOS_VERSION_MAJOR == 3 && GEOS_VERSION_MINOR < 10)
#error "dza needs GEOS 3.10 or later"
#endif

#include <memory>
#include <string>

#include <vector>

#include "dza/error.hpp"
#include "dza/geometry.hpp"

namespace dza::geos {

// This thread's GEOS context (created on first use, destroyed with the thread).
GEOSContextHandle_t ctx();

// The last error GEOS reported on this thread.
std::string last_error();

// Throws DataError("<what>: <GEOS message>") when `result` is null.
template <typename T>
T* check(T* result, const char* what) {
    if (!result) throw DataError(std::string(what) + ": " + last_error());
    return result;
}

struct CoordSeqDeleter {
    void operator()(GEOSCoordSequence* s) const noexcept { GEOSCoordSeq_destroy_r(ctx(), s); }
};
struct PreparedDeleter {
    void operator()(const GEOSPreparedGeometry* p) const noexcept { GEOSPreparedGeom_destroy_r(ctx(), p); }
};
struct STRtreeDeleter {
    void operator()(GEOSSTRtree* t) const noexcept { GEOSSTRtree_destroy_r(ctx(), t); }
};
struct WKBWriterDeleter {
    void operator()(GEOSWKBWriter* w) const noexcept { GEOSWKBWriter_destroy_r(ctx(), w); }
};
struct WKBReaderDeleter {
    void operator()(GEOSWKBReader* r) const noexcept { GEOSWKBReader_destroy_r(ctx(), r); }
};
struct WKTWriterDeleter {
    void operator()(GEOSWKTWriter* w) const noexcept { GEOSWKTWriter_destroy_r(ctx(), w); }
};
struct WKTReaderDeleter {
    void operator()(GEOSWKTReader* r) const noexcept { GEOSWKTReader_destroy_r(ctx(), r); }
};
struct BufferParamsDeleter {
    void operator()(GEOSBufferParams* p) const noexcept { GEOSBufferParams_destroy_r(ctx(), p); }
};
struct MakeValidParamsDeleter {
    void operator()(GEOSMakeValidParams* p) const noexcept { GEOSMakeValidParams_destroy_r(ctx(), p); }
};

using CoordSeqPtr = std::unique_ptr<GEOSCoordSequence, CoordSeqDeleter>;
using PreparedPtr = std::unique_ptr<const GEOSPreparedGeometry, PreparedDeleter>;
using STRtreePtr = std::unique_ptr<GEOSSTRtree, STRtreeDeleter>;
using WKBReaderPtr = std::unique_ptr<GEOSWKBReader, WKBReaderDeleter>;
using WKBWriterPtr = std::unique_ptr<GEOSWKBWriter, WKBWriterDeleter>;
using WKTReaderPtr = std::unique_ptr<GEOSWKTReader, WKTReaderDeleter>;
using WKTWriterPtr = std::unique_ptr<GEOSWKTWriter, WKTWriterDeleter>;
using BufferParamsPtr = std::unique_ptr<GEOSBufferParams, BufferParamsDeleter>;
using MakeValidParamsPtr = std::unique_ptr<GEOSMakeValidParams, MakeValidParamsDeleter>;

// Buffers that GEOS allocates (WKB, WKT) are released with GEOSFree_r.
struct BufferDeleter {
    void operator()(void* p) const noexcept { GEOSFree_r(ctx(), p); }
};

// Readies a geometry to be read by several threads at once. GEOS computes some values on first
// use and caches them in the geometry (each part's and ring's envelope, each coordinate
// sequence's dimension); two threads doing so at once would race, so they are computed here.
inline void share_between_threads(const GEOSGeometry* g) {
    if (!g) return;
    GEOSContextHandle_t h = ctx();
    double unused = 0;
    const auto visit = [&](const auto& self, const GEOSGeometry* part) -> void {
        const int type = GEOSGeomTypeId_r(h, part);
        if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION || type == GEOS_MULTILINESTRING || type == GEOS_MULTIPOINT) {
            for (int i = 0; i < GEOSGetNumGeometries_r(h, part); ++i) self(self, GEOSGetGeometryN_r(h, part, i));
        } else if (type == GEOS_POLYGON && GEOSisEmpty_r(h, part) != 1) {
            GEOSGeom_getXMin_r(h, GEOSGetExteriorRing_r(h, part), &unused);
            for (int i = 0; i < GEOSGetNumInteriorRings_r(h, part); ++i) GEOSGeom_getXMin_r(h, GEOSGetInteriorRingN_r(h, part, i), &unused);
        }
        if (GEOSisEmpty_r(h, part) != 1) GEOSGeom_getXMin_r(h, part, &unused);
    };
    visit(visit, g);
    GEOSGeom_getCoordinateDimension_r(h, g);  // walks every ring's coordinate sequence
}

// The lon/lat coordinates of a point, line or ring.
inline std::vector<LonLat> coords_of(const GEOSGeometry* g) {
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx(), g);
    unsigned n = 0;
    GEOSCoordSeq_getSize_r(ctx(), seq, &n);
    std::vector<LonLat> pts(n);
    for (unsigned i = 0; i < n; ++i) GEOSCoordSeq_getXY_r(ctx(), seq, i, &pts[i].lon, &pts[i].lat);
    return pts;
}

// The point of a Point (or a MultiPoint of one), into `p`; false for anything else or empty.
inline bool single_point(const GEOSGeometry* g, LonLat& p) {
    GEOSContextHandle_t h = ctx();
    if (!g) return false;
    if (GEOSGeomTypeId_r(h, g) == GEOS_MULTIPOINT && GEOSGetNumGeometries_r(h, g) == 1) g = GEOSGetGeometryN_r(h, g, 0);
    if (GEOSGeomTypeId_r(h, g) != GEOS_POINT || GEOSisEmpty_r(h, g) == 1) return false;
    GEOSGeomGetX_r(h, g, &p.lon);
    GEOSGeomGetY_r(h, g, &p.lat);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Owned results. Each takes what it is given as a borrowed pointer (or a Geometry it consumes)
// and returns a new Geometry that the caller owns.

// `g` owned, or DataError("<what>: <GEOS message>") when it is null (the call failed).
inline Geometry own(GEOSGeometry* g, const char* what) { return Geometry(check(g, what)); }
Geometry clone(const GEOSGeometry* g);
Geometry empty_polygon();
inline bool is_empty(const GEOSGeometry* g) { return !g || GEOSisEmpty_r(ctx(), g) == 1; }
Extent extent_of(const GEOSGeometry* g);

// A collection of `parts` (of `type`: GEOS_GEOMETRYCOLLECTION, GEOS_MULTIPOLYGON, ...). The parts
// are taken in every case: by the collection, or freed (by GEOS) when creating it fails.
Geometry collection(std::vector<Geometry> parts, int type = GEOS_GEOMETRYCOLLECTION, const char* what = "collecting geometries");
// A polygon of linear rings, taken in every case like collection()'s parts.
Geometry polygon(Geometry shell, std::vector<Geometry> holes, const char* what = "creating polygon");

// The polygonal parts of a geometry (overlays of polygons with polygons can leave lines and
// points where boundaries touch), as a Polygon or MultiPolygon; an empty polygon when none. With
// `min_area_m2`, polygons of a smaller geodesic area are left out.
Geometry polygonal(Geometry g, double min_area_m2 = 0);

// Overlays; an empty operand gives an empty polygon (intersection) or a copy of `a` (difference).
Geometry intersection(const GEOSGeometry* a, const GEOSGeometry* b, const char* what = "intersecting");
Geometry difference(const GEOSGeometry* a, const GEOSGeometry* b, const char* what = "subtracting");
// The union of `parts` (taken), in one unary union; an empty polygon when there are none.
Geometry unite(std::vector<Geometry> parts, const char* what = "uniting geometries");


}  // namespace dza::geos
