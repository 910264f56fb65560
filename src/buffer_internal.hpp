#pragma once
// Steps of geodesic_buffer (src/buffer.cpp) that other shapes drawn the same way share: the
// poles' check and the finishing of a polygon built in continuous longitudes.
#include <vector>

#include "dza/geometry.hpp"

namespace dza {

// DataError when a pole lies within `buffer_m` plus 1 km of the path (a ring when `closed`; one
// vertex for a point), as geodesic_buffer reports it.
void check_buffer_poles(const std::vector<LonLat>& path, bool closed, double buffer_m);

// A polygonal geometry built in continuous longitudes, cut at ±180 degrees (RFC 7946), its
// pieces united, made valid, exterior rings counter-clockwise and holes clockwise.
Geometry finish_buffer_geometry(Geometry continuous);

}  // namespace dza
