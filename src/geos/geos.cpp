#include "geos/geos.hpp"

#include "dza/geodesic.hpp"

namespace dza::geos {

namespace {
struct ThreadContext {
    GEOSContextHandle_t handle = nullptr;
    std::string message;
    ThreadContext() {
        handle = GEOS_init_r();
        GEOSContext_setErrorMessageHandler_r(handle, &ThreadContext::on_error, this);
    }
    ~ThreadContext() { GEOS_finish_r(handle); }
    ThreadContext(const ThreadContext&) = delete;
    ThreadContext& operator=(const ThreadContext&) = delete;
    static void on_error(const char* message, void* self) { static_cast<ThreadContext*>(self)->message = message; }
};
ThreadContext& thread_context() {
    thread_local ThreadContext context;
    return context;
}
}  // namespace

GEOSContextHandle_t ctx() { return thread_context().handle; }
std::string last_error() {
    const std::string& m = thread_context().message;
    return m.empty() ? "unknown GEOS error" : m;
}

Geometry clone(const GEOSGeometry* g) { return own(GEOSGeom_clone_r(ctx(), g), "copying a geometry"); }

Geometry empty_polygon() { return own(GEOSGeom_createEmptyPolygon_r(ctx()), "creating an empty polygon"); }

Extent extent_of(const GEOSGeometry* g) {
    Extent e;
    if (is_empty(g)) return e;
    GEOSContextHandle_t h = ctx();
    if (GEOSGeom_getXMin_r(h, g, &e.min_lon) && GEOSGeom_getYMin_r(h, g, &e.min_lat) && GEOSGeom_getXMax_r(h, g, &e.max_lon) &&
        GEOSGeom_getYMax_r(h, g, &e.max_lat))
        e.empty = false;
    return e;
}

Geometry collection(std::vector<Geometry> parts, int type, const char* what) {
    std::vector<GEOSGeometry*> raw;
    raw.reserve(parts.size());
    for (auto& p : parts) raw.push_back(p.release());
    // Ownership passes to GEOS here, whatever the outcome.
    return own(GEOSGeom_createCollection_r(ctx(), type, raw.data(), static_cast<unsigned>(raw.size())), what);
}

Geometry polygon(Geometry shell, std::vector<Geometry> holes, const char* what) {
    std::vector<GEOSGeometry*> raw;
    raw.reserve(holes.size());
    for (auto& h : holes) raw.push_back(h.release());
    // Ownership passes to GEOS here, whatever the outcome.
    return own(GEOSGeom_createPolygon_r(ctx(), shell.release(), raw.data(), static_cast<unsigned>(raw.size())), what);
}

Geometry polygonal(Geometry g, double min_area_m2) {
    GEOSContextHandle_t h = ctx();
    const int type = GEOSGeomTypeId_r(h, g.get());
    if (min_area_m2 <= 0 && (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON)) return g;
    std::vector<Geometry> polys;
    const auto visit = [&](const auto& self, const GEOSGeometry* part) -> void {
        const int t = GEOSGeomTypeId_r(h, part);
        if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
            for (int i = 0; i < GEOSGetNumGeometries_r(h, part); ++i) self(self, GEOSGetGeometryN_r(h, part, i));
        } else if (t == GEOS_POLYGON && GEOSisEmpty_r(h, part) != 1) {
            Geometry copy = clone(part);
            if (min_area_m2 > 0 && geodesic_area_m2(copy) < min_area_m2) return;
            polys.push_back(std::move(copy));
        }
    };
    visit(visit, g.get());
    if (polys.empty()) return empty_polygon();
    if (polys.size() == 1) return std::move(polys.front());
    return collection(std::move(polys), GEOS_MULTIPOLYGON, "collecting polygons");
}

Geometry intersection(const GEOSGeometry* a, const GEOSGeometry* b, const char* what) {
    if (is_empty(a) || is_empty(b)) return empty_polygon();
    return own(GEOSIntersection_r(ctx(), a, b), what);
}

Geometry difference(const GEOSGeometry* a, const GEOSGeometry* b, const char* what) {
    if (is_empty(a)) return empty_polygon();
    if (is_empty(b)) return clone(a);
    return own(GEOSDifference_r(ctx(), a, b), what);
}

Geometry unite(std::vector<Geometry> parts, const char* what) {
    if (parts.empty()) return empty_polygon();
    const Geometry all = collection(std::move(parts));
    return own(GEOSUnaryUnion_r(ctx(), all.get()), what);
}


}  // namespace dza::geos
