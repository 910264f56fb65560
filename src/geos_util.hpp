#pragma once
// The boundary to GEOS's reentrant C API: one context per thread whose error handler records the
// message, and helpers that turn a failed call into a DataError.
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>

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

struct GeomDeleter {
    void operator()(GEOSGeometry* g) const noexcept { GEOSGeom_destroy_r(ctx(), g); }
};
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

using GeomPtr = std::unique_ptr<GEOSGeometry, GeomDeleter>;
using CoordSeqPtr = std::unique_ptr<GEOSCoordSequence, CoordSeqDeleter>;
using PreparedPtr = std::unique_ptr<const GEOSPreparedGeometry, PreparedDeleter>;
using STRtreePtr = std::unique_ptr<GEOSSTRtree, STRtreeDeleter>;

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

}  // namespace dza::geos
