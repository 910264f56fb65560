#pragma once
// Demand for site optimisation (optimize.hpp): lines, areas and points cut into pieces small
// enough that "a reach covers this piece" is nearly "a reach covers all of it or none of it".
//
// Pieces. A line is densified along its geodesics every line_piece_m (as the coverage measures it:
// the same vertices, coverage.hpp), and each straight lon/lat edge between two of those vertices
// is a piece. An area is cut by an equal-area grid (Lambert azimuthal equal-area, centred on the
// layer's extent, square cells of cell_m a side); each cell's corners are taken back to lon/lat and
// joined by straight lon/lat edges, so the cells tile the plane with shared edges, and each piece
// is a cell's intersection with the area (its polygonal part; where they only touch there is no
// piece). A layer's polygons are united first, so overlapping features count once. A point is a
// piece (each part of a MultiPoint). A piece's measure is its geodesic length (km), its area on
// the ellipsoid (km², as dza::geodesic_area_m2), or the point's weight; its weight is the layer's
// weight times its share of the layer's total measure, so the pieces of a layer weigh the layer's
// weight in all, and the objective of a plan lies between 0 and the sum of the layers' weights.
//
// What a reach does to a piece. It covers the piece when the piece lies within it (GEOS covers,
// in lon/lat) and touches it when they meet (GEOS intersects). The covered share of a layer lies
// between the weight of the pieces some reach covers and the weight of those some reach touches:
// the certified interval optimize reports.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dza/callbacks.hpp"
#include "dza/geometry.hpp"
#include "dza/layer.hpp"

namespace dza {

enum class DemandKind { Line, Area, Points };
const char* demand_kind_name(DemandKind kind);  // "line", "area", "points"

// One layer of demand, as asked for.
struct DemandSpec {
    std::string name;            // how outputs name it: "line", "regions", "maritime_zone", a layer's name
    DemandKind kind = DemandKind::Area;
    const Layer* layer = nullptr;       // its features (lines, polygons or points, by kind; others are ignored)
    const Geometry* area = nullptr;     // Area: instead of a layer, this (multi)polygon (e.g. the controlled side)
    double weight = 1;                  // its weight in the objective, >= 0
    std::string weight_field;           // Points: each point's weight in this field (empty: 1 each)
};

struct DemandOptions {
    double line_piece_m = 1000;  // longest line piece, [1, 1000]: the coverage's own densification is 1 km
    double cell_m = 5000;        // side of an area's equal-area cells, > 0
    Callbacks callbacks;
};

struct DemandLayer {
    std::string name;
    DemandKind kind = DemandKind::Area;
    double weight = 1;
    double total = 0;                 // km of line, km² of area, or the points' weights summed
    std::size_t first_piece = 0;      // its pieces are pieces[first_piece, first_piece + piece_count)
    std::size_t piece_count = 0;
};

struct DemandPiece {
    std::uint32_t layer = 0;  // index in Demand::layers
    double measure = 0;       // km, km² or the point's weight
    double weight = 0;        // the layer's weight * measure / the layer's total (0 when the total is 0)
    Geometry geometry;        // LineString (two vertices), Polygon or MultiPolygon, or Point
    Extent extent;
};

struct Demand {
    std::vector<DemandLayer> layers;
    std::vector<DemandPiece> pieces;  // layer by layer, in the order asked
    double line_piece_m = 1000;
    double cell_m = 5000;
    double total_weight() const;  // the sum of the weights of the layers whose total is more than 0
};

// The demand's pieces (see above), cut on all cores; deterministic. UsageError for a bad option,
// a negative weight or an unknown weight field; DataError naming the layer and feature for a
// point whose weight is not a number >= 0, or a layer with nothing of its kind (a line layer with
// no line, an area with no polygon). An area spanning more than 170 degrees of longitude is a
// DataError (the grid is one azimuthal projection), and so is a cell size that would make more
// than 50 million cells. Pieces come layer by layer; an area's cells row by row of the grid, south
// to north, each row west to east.
Demand discretise_demand(const std::vector<DemandSpec>& specs, const DemandOptions& options);

// Points `spacing_m` apart on an equal-area grid (Lambert azimuthal equal-area centred on the
// area's extent) inside `area` (lon/lat polygons), ordered south to north and west to east, as
// many as fit; at most max_points (a DataError saying the count and what spacing would do).
// The points are the centres of the grid's cells that `area` covers (GEOS covers), row by row of
// the grid; a spacing that is not more than 0 is a UsageError.
std::vector<LonLat> grid_points(const Geometry& area, double spacing_m, std::size_t max_points = 1000000);

// Which pieces each reach covers and touches (see above), on all cores, indexed by extent.
struct PieceCoverage {
    std::vector<std::vector<std::uint32_t>> covers;   // per reach: pieces it covers, ascending
    std::vector<std::vector<std::uint32_t>> touches;  // per reach: pieces it touches, ascending (covers is a subset)
};
// `reaches` may hold null or empty geometries (they cover nothing). Reaches are expected to be
// valid (multi)polygons, as GEOS expects: a piece whose extent no edge of the reach comes near is
// settled by one of its vertices (even-odd rule), the others by GEOS's prepared predicates, which
// agree for valid polygons; any other geometry is left to GEOS alone.
PieceCoverage piece_coverage(const Demand& demand, const std::vector<const Geometry*>& reaches, const Callbacks& callbacks = {});

}  // namespace dza
