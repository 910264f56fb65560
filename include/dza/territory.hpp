#pragma once
// The territory (the union of the regions) and its two sides of a cease-fire line.
//
// Splitting. The line's parts are merged; an end that stops inside the territory is extended
// along its last segment (geodesically) to the territory's boundary, with a warning giving the
// gap. The territory is polygonized with the line; each face that borders the line belongs to the
// side of the line it lies on (left or right as seen walking along the line). A piece of territory
// that does not touch the line (an island, a spit) goes to the side that encloses it once the line
// is closed through water and foreign land along the path equidistant from the two sides: that is,
// to the side whose line-bordering part is nearest to it (geodesic distance).
//
// The line. Its parts (of all features) must form one line: parts that touch end to end are
// joined; a line that crosses or touches itself, runs back over itself, or whose parts leave a
// gap is a DataError saying where. Repeated vertices are dropped. Data cut at ±180 degrees (as
// RFC 7946 asks) is made whole before the split and cut again after it, so a line and regions
// across the antimeridian split as they would anywhere else.
//
// The controlled side is the one containing the scenario's point or region; by default the larger.
// A point within side_point_tolerance_m of the line (drawn with geodesic or straight lon/lat
// edges) names no side and is a UsageError.
// Alternatively the occupied area is given as polygons and the controlled side is its complement.
#include <optional>
#include <string>
#include <vector>

#include "dza/callbacks.hpp"
#include "dza/geometry.hpp"
#include "dza/layer.hpp"
#include "dza/scenario.hpp"

namespace dza {

// A point nearer than this to the cease-fire line lies on it and names no side.
inline constexpr double side_point_tolerance_m = 10.0;

struct Territory {
    Geometry land;        // union of all regions
    Geometry controlled;  // the controlled side
    Geometry other;       // the other side (occupied)
    Geometry line;        // the line as used: merged, ends extended where they stopped short; null with an occupied layer
    double controlled_area_km2 = 0;
    double other_area_km2 = 0;
    std::string rule;     // how the controlled side was chosen, for reports
};

// Union of a layer's geometries (GEOS unary union), repaired if needed; DataError when empty.
Geometry union_of(const Layer& layer);

Territory split_territory(const Layer& regions, const Layer& line, const ControlledSide& controlled, const Callbacks& callbacks = {});
Territory territory_from_occupied(const Layer& regions, const Layer& occupied, const Callbacks& callbacks = {});

// The index of the region named `name` (by the layer's label field), or a UsageError listing names.
std::size_t find_region(const Layer& regions, const std::string& name);

}  // namespace dza
