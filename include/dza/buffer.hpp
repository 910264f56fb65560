#pragma once
// Geodesic buffers on the WGS84 ellipsoid: the area within a distance of a geometry, with the
// distance measured along geodesics, never in degrees or in one projection.
//
// Method. Every source edge is a geodesic segment (PROJ geod.h), as for dza's lengths, areas and
// distances: a long edge drawn as a straight line in lon/lat is read as the geodesic between its
// ends. An edge's buffer is the polygon between its two offset curves: the points at the exact
// distance along the geodesics normal to the edge (geod_direct from geod_position). Each vertex
// where the line turns gets the circle sector its outer side needs, the ends of a line get half
// circles, points get whole circles. A line's buffer, the union of its pieces, is drawn as the
// area inside one outline: the right offsets forward, the end's half circle, the left offsets
// back and the start's half circle, with the sector's arc on the outer side of each turn and, on
// the inner side, a way through the vertex (or straight across, where the triangle so cut off is
// inside both segments' pieces); the points whose winding number about that outline is 1 or more
// are the union of the pieces (GEOS nodes the outline once, as a buffer by 0 does). Long lines are
// drawn in stretches of 64 segments whose areas are united. A polygon's buffer is the polygon
// (edges densified along their geodesics) with the pieces of all its rings, unioned with GEOS;
// there sectors reach 2° into the neighbouring pieces so no two pieces share an edge (shared edges
// come apart into sliver holes in a cascaded union). Holes or parts narrower than 1 cm are dropped
// as overlay debris.
//
// Error bound. The boundary is drawn as straight chords in lon/lat (as GEOS and map viewers draw
// it). Each curve is subdivided until the chord's lon/lat-linear points at a quarter, a half and
// three quarters lie within `max_error_m` (measured geodesically) of the exact points of the
// curve. `max_error_m` is the smaller of the tolerance and 3/4 of max(1 m, 0.01% of the
// distance), so every point of the boundary, vertices where GEOS joins pieces included, lies
// within `max_error_m` of the requested distance.
//
// Antimeridian and poles. Features are built in continuous longitudes (a source edge between
// 179° and -179° is the 2° geodesic across the antimeridian) and the result is split at ±180°
// (RFC 7946), so buffers across the antimeridian are correct. A buffer that would reach a pole
// (within the distance plus 1 km) is a DataError.
#include <string>
#include <vector>

#include "dza/callbacks.hpp"
#include "dza/geometry.hpp"

namespace dza {

enum class BufferSide { Both, Left, Right };
const char* buffer_side_name(BufferSide side);  // "both", "left", "right"

// Largest distance dza buffers by, 5000 km: beyond it geodesics normal to an edge start to
// converge and the offset construction no longer holds.
inline constexpr double buffer_max_distance_m = 5.0e6;
// Smallest chord tolerance accepted.
inline constexpr double buffer_min_tolerance_m = 0.01;

struct BufferOptions {
    double distance_m = 0;  // >= 0; 0 keeps polygons as they are and gives an empty area for points and lines
    // One-sided buffers of lines: the points within the distance whose nearest point on the line
    // sees them on its left (or right), walking from its first vertex to its last (at a vertex the
    // direction is the bisector of the two segments', at an end the end segment's, so the round
    // ends are split along the line's geodesics continued). Built by cutting the two-sided buffer
    // along the line so continued, each face taking the side of its points; where the line winds
    // back toward itself within the distance so that its sides meet away from it (a spiral's
    // turns), a DataError. Points and polygons with a side are a UsageError.
    BufferSide side = BufferSide::Both;
    double tolerance_m = 10;  // largest deviation of a chord of the boundary from the exact distance
};

struct BufferResult {
    Geometry geometry;         // valid Polygon or MultiPolygon in lon/lat, RFC 7946 winding; may be empty
    double max_error_m = 0;    // bound on |geodesic distance of any boundary point to the source - distance|
};

// Short statement of the method, for output properties.
inline constexpr const char* buffer_method =
    "geodesic buffer on WGS84: exact offsets along geodesics normal to each edge and circle arcs (PROJ geod_direct), "
    "chords densified to max_error_m, pieces unioned with GEOS";

// The error bound geodesic_buffer states for a distance and tolerance (see above).
double buffer_max_error_m(double distance_m, double tolerance_m);

// The geodesic buffer of any geometry (points, lines, polygons, multi-parts, collections).
// Throws UsageError for a bad distance, tolerance or side, DataError for a buffer that would
// contain a pole or a failed geometry operation.
BufferResult geodesic_buffer(const Geometry& source, const BufferOptions& options);

// One buffer to build among many: a source (which must outlive the call) and its options.
struct BufferJob {
    const Geometry* source = nullptr;
    BufferOptions options;
    std::string context;  // put before the message of an error this job throws, e.g. "roads.shp: feature 7"
};

// The buffers of many jobs, built on all cores (DZA_THREADS=1: one), each on its own: results in
// the jobs' order and bit-identical whatever the number of threads. When several jobs fail, the
// error of the first in order is thrown (the one a serial loop meets first). Progress is
// reported as the fraction of jobs done; a cancel is a DataError.
std::vector<BufferResult> geodesic_buffers(const std::vector<BufferJob>& jobs, const Callbacks& callbacks = {});

// The ring between two buffers of the same source: `outer` minus `inner`.
BufferResult buffer_ring(const BufferResult& outer, const BufferResult& inner);

// The union of several buffers (for dissolving); max_error_m is the largest of theirs.
BufferResult dissolve_buffers(const std::vector<const BufferResult*>& parts);

}  // namespace dza
