#pragma once
// Exact geodesic distances from geometries to the nearest of a set of target geometries.
//
// Method: target edges (geodesic segments; edges over 200 km are split) are indexed in a 3D
// bounding-volume tree on earth-centred coordinates. A straight chord is never longer than the
// geodesic, so chord distance to an edge minus the edge's sagitta bound is a rigorous lower
// bound; branch and bound keeps every edge that could be nearest. Candidate edges are then solved
// on the ellipsoid with PROJ's geodesics (geod_inverse / geod_position) by Newton iteration on
// the foot of the perpendicular, to 0.1 mm along the edge.
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "dza/callbacks.hpp"
#include "dza/geometry.hpp"
#include "dza/layer.hpp"

namespace dza {

class LayerWriter;

struct NearestPoint {
    double distance_m = 0;
    LonLat from;               // on the source geometry
    LonLat to;                 // on the target geometry
    double azimuth_deg = 0;    // at `from`, toward `to`, clockwise from north in [0, 360); NaN at distance 0
};

struct NearestHit {
    std::size_t target = 0;  // index into the targets given to the index
    NearestPoint nearest;
};

// The error bound dza states for its distances (the refinement tolerance plus PROJ's accuracy).
inline constexpr double distance_max_error_m = 0.001;
inline constexpr const char* distance_method =
    "geodesic on WGS84 (PROJ geod_inverse), nearest point refined over indexed target edges";

class DistanceIndex {
public:
    // `targets` must outlive the index. Null or empty geometries are never nearest.
    explicit DistanceIndex(const std::vector<const Geometry*>& targets);
    ~DistanceIndex();
    DistanceIndex(DistanceIndex&&) noexcept;
    DistanceIndex& operator=(DistanceIndex&&) noexcept;

    std::size_t size() const;

    // The nearest target to a point or any geometry; nullopt when there are no targets.
    std::optional<NearestHit> nearest(LonLat point) const;
    std::optional<NearestHit> nearest(const Geometry& source) const;

    // Distance to one given target (for all-pairs matrices).
    NearestPoint distance_to(std::size_t target, LonLat point) const;
    NearestPoint distance_to(std::size_t target, const Geometry& source) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// The distance analysis: from every feature of one layer to the nearest feature of another.

struct DistanceOptions {
    bool matrix = false;                // all pairs instead of the nearest target
    std::optional<double> within_m;     // keep results at most this far
    std::optional<double> speed_kmh;    // one speed for all sources
    std::string speed_field;            // else a per-feature speed attribute, km/h
    Callbacks callbacks;
};

struct DistanceResult {
    std::size_t source = 0;  // feature index in the source layer
    std::size_t target = 0;  // feature index in the target layer
    NearestPoint nearest;
    std::optional<double> time_h;  // distance / speed, when a speed is known
};

// Results in source order (and target order within a source for a matrix). Source features
// without geometry are skipped; a bad speed value is a DataError naming the feature and field.
std::vector<DistanceResult> compute_distances(const Layer& from, const Layer& to, const DistanceOptions& options = {});

// The results as a layer of geodesic LineStrings from each source to its nearest point, carrying
// the source's attributes and distance_km, azimuth_deg, nearest_lon, nearest_lat, target, time_h.
// Source fields named like the computed ones are renamed (rename_clashing_fields), with a warning.
Layer distance_layer(const Layer& from, const Layer& to, const std::vector<DistanceResult>& results, const Callbacks& callbacks = {});

// The schema of distance_layer (name, fields, name field; no features), its one warning on
// `callbacks`, and one of its features: the streaming form of distance_layer.
Layer distance_schema(const Layer& from, const Callbacks& callbacks = {});
Feature distance_feature(const Layer& from, const Layer& to, const DistanceResult& result);

// Writes distance_layer's layer to `writer` (begin_layer, then each feature as it is made, never
// the whole layer at once); the caller commits.
void write_distances(const Layer& from, const Layer& to, const std::vector<DistanceResult>& results, LayerWriter& writer,
                     const Callbacks& callbacks = {});

// Points along the geodesic from `a` to `b`, spaced at most `spacing_m` apart (both ends included),
// so that the path draws correctly as straight lon/lat segments.
std::vector<LonLat> geodesic_path(LonLat a, LonLat b, double spacing_m = 5000.0);

}  // namespace dza
