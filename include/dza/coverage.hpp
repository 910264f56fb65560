#pragma once
// Coverage of regions, target areas and a line by the reach of deployments, measured on the
// WGS84 ellipsoid.
//
// Reach. Every deployment with a geometry covers the area within its reach: a geodesic circle
// around a point (vertices by PROJ geod_direct at equal azimuth steps, their number chosen so
// that every straight lon/lat edge stays within max_error_m of the exact circle), the geodesic
// buffer of a line or polygon (dza::geodesic_buffer). The reach of a feature is, in order: its
// system's (systems.hpp: type and overriding attributes, with a minimum range, a sector and a
// sensor height: sensor_reach_geometry), else the radius of its role (`radius_by_role_m`, matched
// on `role_field`), the number in `radius_field` (km), the one `radius_m`. A missing, null,
// non-numeric or negative value where the reach is needed is a DataError naming the layer, the
// feature and the field.
//
// Altitude. With a target altitude (HorizonModel), a point's reach also ends at the radar horizon
// in each azimuth (sensor.hpp). A line or polygon deployment's reach ends at the horizon of the
// most curved normal section at its latitudes (the meridian's at the latitude nearest the
// equator): at most 0.7% short of the exact horizon. A sector applies to points only.
//
// Overlay. Reaches are indexed by envelope; a point's reach (circle or sensor envelope, within the
// disc of its farthest reach) contained in the disc another point's reach holds (its nearest
// reach in any azimuth; none with a sector or minimum range), by the geodesic triangle inequality
// with the chord errors as margin, adds nothing to the union and is left out of it. The coverage is the GEOS union of the rest. The part covered exactly once is
// the union of each reach's exclusive part (the reach minus every other reach it meets, the
// deepest first, stopping as soon as nothing is left); the redundancy (covered by two or more)
// is the coverage minus that part. No area is ever counted twice.
//
// Depth and loss. Each straight lon/lat edge of the densified line is cut where it crosses the
// boundary of any reach that meets it (every reach, the contained circles too); each piece lies
// within as many reaches as hold its midpoint, and its geodesic length adds to the lengths
// covered at least that many times. A piece within exactly one reach is what that deployment
// alone covers of the line; the part of the territory it alone covers is its exclusive part
// (above) within the territory. Losing it loses exactly those.
//
// Error bound. Every vertex of a reach lies on the exact circle (or buffer) and every edge within
// max_error_m of it, so a reach's area is within its perimeter times max_error_m of the exact
// one (about 0.01% for a 100 km circle at the default 10 m tolerance), and a line's crossing of a
// reach moves by at most max_error_m / sin(angle of crossing).
//
// Areas are measured with dza::geodesic_area_m2 (on the ellipsoid, integrated along straight
// lon/lat edges), so the pieces of an overlay add up to the whole. Lines are densified
// along their geodesics every kilometre before they are cut by the coverage, so where a line
// enters or leaves a reach is exact to the reach's chord error; lengths are geodesic.
//
// Threads. The reaches, each reach's exclusive part, and the figures of each region, each
// target, the territory and the line are computed on all cores (DZA_THREADS=1: one), each on its
// own and stored by index, so results are in the layers' order and bit-identical whatever the
// number of threads.
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dza/callbacks.hpp"
#include "dza/geometry.hpp"
#include "dza/layer.hpp"
#include "dza/sensor.hpp"
#include "dza/systems.hpp"
#include "dza/terrain.hpp"

namespace dza {

inline constexpr const char* coverage_method =
    "reaches as geodesic circles, sensor envelopes (ranges, sectors, radar horizon) and buffers on WGS84 (PROJ geod_direct), unioned with GEOS; "
    "areas on WGS84 along straight lon/lat edges, "
    "lengths along geodesics; overlaps counted once";

// The territory and the area gaps are measured within (see CoverageOptions).
struct CoverageAreas {
    const Geometry* territory = nullptr;     // null: the union of the regions
    const Geometry* gaps_within = nullptr;   // null or empty: the territory
    std::string gaps_within_name = "territory";
};

struct CoverageOptions {
    std::optional<double> radius_m;                  // one reach for all deployments, >= 0
    std::string radius_field;                        // else each feature's reach in this field, km
    std::map<std::string, double> radius_by_role_m;  // reach by role, before the field and the one radius
    std::string role_field = "role";                 // the field holding the role
    SensorRules sensors;                             // system types, before the reach rules above
    HorizonModel horizon;                            // the target's altitude (none: no horizon) and refraction
    // Terrain: where a point deployment's line of sight reaches over a DEM at this altitude
    // (terrain_masks()), by deployment feature; null or a null result: the smooth earth. A masked
    // reach is the sensor's ranges and sector, without the smooth-earth horizon, within the mask.
    std::function<const Geometry*(std::size_t feature)> terrain_mask;
    double tolerance_m = 10;                         // largest chord error of a reach's boundary (see buffer.hpp)
    // The territory, the union of the regions, when the caller has it (dza::union_of(regions) or
    // Territory::land); null: computed here.
    const Geometry* territory = nullptr;
    // Gaps are measured within this area (e.g. the controlled side); null: the whole territory.
    const Geometry* gaps_within = nullptr;
    std::string gaps_within_name = "territory";  // what gaps_within is, for reports
    // When set, the three above are asked of it instead, once, while the regions' figures are
    // measured (on another thread when there is one): e.g. splitting the territory at a line,
    // which the reaches and their overlay do not wait for. What it warns through the callbacks
    // it is given is passed on before the coverage's own warnings, and its error before the
    // coverage's, as if it had been called first; its geometries must outlive the result's use.
    std::function<CoverageAreas(const Callbacks&)> areas;
    Callbacks callbacks;
};

// Area figures of one region or target feature (or the whole territory).
struct AreaCoverage {
    std::size_t feature = 0;  // index in its layer
    std::string layer;        // the layer's name
    std::size_t target_layer = 0;  // for targets: the index of its layer among the targets
    std::string name;         // the feature's label (or its fid)
    double area_km2 = 0;
    double covered_km2 = 0;    // within the reach of at least one deployment
    double covered_pct = 0;    // covered_km2 / area_km2 * 100; 0 for an empty area
    double redundant_km2 = 0;  // within the reach of two or more
    std::size_t deployments = 0;  // reaches that overlap its interior
};

// An uncovered stretch of the line, in order from the line's first vertex.
struct LineGap {
    std::size_t feature = 0;  // index in the line layer
    std::string name;         // the line feature's label
    double from_km = 0;       // distance along the line (its feature) where the gap starts
    double to_km = 0;
    double length_km = 0;  // geodesic length of the gap
    LonLat start, end;
    Geometry geometry;  // LineString, densified along the geodesics
};

struct LineCoverage {
    std::string layer;
    double length_km = 0;
    double covered_km = 0;
    double covered_pct = 0;
    std::vector<LineGap> gaps;
    // depth_km[n - 1]: the geodesic length of the line within the reach of at least n
    // deployments, for n = 1 up to the greatest depth met (empty when nothing is covered);
    // depth_km[0] is covered_km to within rounding. Circles set aside from the union as contained
    // in another count here: they cover the line too.
    std::vector<double> depth_km;
};

// What the coverage becomes if one deployment is lost (its reach removed, the others kept).
struct DeploymentLoss {
    std::size_t feature = 0;  // index in the deployments layer
    std::string name;         // the deployment's label
    // The line's covered length without it: covered_km less what it alone covers. NaN without a line.
    double line_covered_km = 0;
    // The territory's covered area without it: total.covered_km2 less what it alone covers there.
    double area_covered_km2 = 0;
};

struct CoverageResult {
    std::string deployments_layer;
    std::size_t reaches = 0;        // deployments with a geometry and a reach
    std::size_t contained = 0;      // point reaches left out of the union because another contains them
    std::vector<double> radius_m;   // per deployment feature: its maximum range; NaN where it has no geometry
    std::vector<SensorReach> sensors;  // per deployment feature (max_range_m NaN where it has no geometry)
    std::optional<double> altitude_m;  // the target altitude measured at; none: no horizon
    std::string terrain_dem;           // the DEM point sensors' line of sight was taken over, if any
    AltitudeRef altitude_ref = AltitudeRef::AboveGround;
    double terrain_resolution_m = 0;   // the coarsest cell size of the sites' views over it
    double refraction_k = 4.0 / 3.0;
    std::vector<AreaCoverage> regions;  // one per region with a polygonal geometry, in layer order
    AreaCoverage total;                 // the territory (the union of the regions)
    std::optional<LineCoverage> line;
    // One per reach (deployment with a geometry and a reach), the worst loss first: the smallest
    // line_covered_km, then the smallest area_covered_km2, then the deployments' order.
    std::vector<DeploymentLoss> loss;
    std::vector<AreaCoverage> targets;  // one per polygonal target feature, layer by layer
    std::string gaps_within;            // "territory" or the name given in the options
    double gaps_km2 = 0;
    double max_error_m = 0;  // largest chord error of any reach's boundary
    Geometry coverage;       // union of all reaches
    Geometry redundancy;     // area within two or more reaches
    Geometry gaps;           // gaps_within (or the territory) minus the coverage
};

// Every deployment's reach, checked (max_range_m NaN for features without geometry): its system,
// else role radius, then field, then the one radius. UsageError for an unknown field or a bad
// option, DataError for a feature whose reach is missing or not a distance.
std::vector<SensorReach> deployment_sensors(const Layer& deployments, const CoverageOptions& options);
// Their maximum ranges in metres (NaN for features without geometry).
std::vector<double> deployment_reaches_m(const Layer& deployments, const CoverageOptions& options);

// Each point sensor's line of sight over a DEM (terrain.hpp: GDAL's viewshed, with curvature and
// refraction k) at each target altitude: masks[altitude index][feature], empty Geometry where
// there is no mask (not a point, or not a sensor). Views are made on all cores, one site at a
// time each. Warns (through the callbacks) for a site whose reach goes beyond the DEM.
struct TerrainMasks {
    std::vector<std::vector<Geometry>> masks;
    double resolution_m = 0;  // the coarsest cell size a view was computed at
};
TerrainMasks terrain_masks(const Layer& deployments, const std::vector<SensorReach>& sensors, const Terrain& terrain, const std::vector<double>& altitudes_m,
                           AltitudeRef altitude_ref, double refraction_k, const Callbacks& callbacks = {});

// The coverage analysis. `line` may be null; `targets` are further polygon layers (e.g. a
// maritime zone). DataError when no region has a polygon or a target layer has none.
CoverageResult compute_coverage(const Layer& deployments, const Layer& regions, const Layer* line, const std::vector<const Layer*>& targets,
                                const CoverageOptions& options);

// The coverage at each target altitude, lowest first (none: once, without a horizon), with the
// line of sight over `terrain` when given (which needs altitudes: UsageError otherwise). Each
// result holds its altitude and, over terrain, the DEM, the altitude reference and the views'
// cell size.
std::vector<CoverageResult> coverage_by_altitude(const Layer& deployments, const Layer& regions, const Layer* line, const std::vector<const Layer*>& targets,
                                                 CoverageOptions options, const std::vector<double>& altitudes_m, const Terrain* terrain = nullptr,
                                                 AltitudeRef altitude_ref = AltitudeRef::AboveGround);

// The result as layers to write, in this order and with these names: regions (the regions'
// fields and geometry with area_km2, covered_km2, covered_pct, redundant_km2, deployments),
// coverage, redundancy, gaps (one feature per part, largest first), line_gaps, targets. The
// result's geometries are copied.
// Region fields named like the figures are renamed (rename_clashing_fields), with a warning.
std::vector<Layer> coverage_layers(const CoverageResult& result, const Layer& regions, const std::vector<const Layer*>& targets,
                                   const Callbacks& callbacks = {});
// The layers of the coverage at several altitudes: those of each result, one after the other in
// each layer, with `altitude_m` as their first field. One result without an altitude: as above.
std::vector<Layer> coverage_layers(const std::vector<const CoverageResult*>& results, const Layer& regions, const std::vector<const Layer*>& targets,
                                   const Callbacks& callbacks = {});

}  // namespace dza
