#pragma once
// The WGS84 ellipsoid for PROJ's geodesic routines (geod.h), shared by every geodesic computation.
#include <geodesic.h>

namespace dza {

// Initialised once, read-only afterwards (safe to use from several threads).
const geod_geodesic& wgs84_geodesic();

}  // namespace dza
