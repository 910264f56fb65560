#pragma once
// The lowest covered altitude along a line (the cease-fire line): for each stretch of it, the
// lowest target altitude at which some deployment sees it (dza::lowest_visible_altitude_m).
//
// Samples. Each line feature is followed part by part along the geodesics between its vertices,
// sampled at most `spacing_m` apart (every vertex is a sample; repeated vertices count once). At
// each sample the lowest visible altitude is the minimum over the sensors, and the sensor giving
// it "sees" the sample; of sensors giving the same altitude, the first in the list. Only sensors
// whose maximum range can reach the sample are asked (a lon/lat grid of their envelopes), the
// most promising first, and only while a lower bound of their altitude (from the straight-line
// distance, which no geodesic is shorter than) does not exceed the lowest found: the result is
// the minimum over all sensors, exactly. 10,000 sensors on a 1,500 km line: about 0.1-0.2 s on
// one core.
//
// Refinement. Between two consecutive samples seen by different sensors (or one seen and one
// not), or whose altitudes lie in different bands (below), the piece is bisected until the change
// is bracketed by two points at most `profile_tolerance_m` (0.5 m) apart along the line; both
// points are kept. So where a range or sector edge cuts the line, where the seeing sensor changes
// and where the altitude crosses a band edge is exact to 0.5 m. Changes that start and end
// between two samples (a minimum-range hole or a sector the line crosses within `spacing_m`, or
// a sensor that is lowest only between two samples) are not seen: give a smaller spacing.
//
// Pieces and stretches. Each piece between consecutive points takes the larger of its two ends'
// altitudes (conservative: a target at or above it is seen at both ends, and, since the seeing
// sensor and the band do not change along the piece, all along it). Consecutive pieces of one
// feature part whose altitudes lie in the same band are one stretch. The bands are 0 (seen down
// to the ground), then (0, 10], (10, 20], ... metres, and never seen; a stretch's min_altitude_m
// is the highest of its pieces' altitudes, so a target at or above it is seen all along the
// stretch. Lengths are geodesic, along the feature (over its parts in order).
//
// Threads. Samples and pieces are computed on all cores (DZA_THREADS=1: one), each on its own,
// so results are the same whatever the number of threads.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "dza/geometry.hpp"
#include "dza/layer.hpp"
#include "dza/sensor.hpp"

namespace dza {

// Where a change along the line is found, at most this far from where it is (metres along the line).
inline constexpr double profile_tolerance_m = 0.5;
// Stretches group pieces whose altitudes lie in one band this wide (and 0 on its own).
inline constexpr double profile_band_m = 10.0;

// A point deployment's reach.
struct SitedSensor {
    std::size_t feature = 0;  // index in the deployments layer
    std::string name;         // the deployment's label
    LonLat site;
    SensorReach reach;
};

struct ProfilePoint {
    std::size_t feature = 0;  // index in the line layer
    std::size_t part = 0;     // the part of a multi-part feature, in order
    double along_km = 0;      // geodesic distance along the feature from its first vertex
    LonLat at;
    double min_altitude_m = never_visible_m;  // +infinity: not seen at any altitude
    std::string seen_by;                      // the seeing deployment's name, "" if none
    std::optional<std::size_t> sensor;        // its index in the sensors, if any
};

struct ProfileStretch {
    std::size_t feature = 0;
    std::size_t part = 0;
    double from_km = 0, to_km = 0;  // along the feature
    // The highest of the lowest visible altitudes along it: a target at or above it is seen all
    // along. +infinity where nothing sees it.
    double min_altitude_m = never_visible_m;
    // The deployments that see its pieces at their altitudes, in order along it, each once,
    // joined by ", "; "" where nothing sees it.
    std::string seen_by;
    // LineString through its points (at most spacing_m apart on the geodesics); cut at ±180
    // degrees into a MultiLineString where it crosses the antimeridian.
    Geometry geometry;
};

// A contiguous run of the line, within one feature.
struct UncoveredRun {
    std::size_t feature = 0;
    double from_km = 0, to_km = 0, length_km = 0;
};

struct AltitudeProfile {
    double refraction_k = 4.0 / 3.0;
    double spacing_m = 1000;
    // Samples along each line feature, at most spacing_m apart, plus the points that bracket each
    // change (see above); in order along each feature, features in layer order.
    std::vector<ProfilePoint> points;
    // Consecutive pieces grouped into stretches, in the same order.
    std::vector<ProfileStretch> stretches;

    // The longest stretch not covered below `altitude_m`: longest_uncovered_below(*this, altitude_m).
    std::optional<UncoveredRun> longest_uncovered(double altitude_m = 300) const;
};

// The profile of every line feature of `line` (features that are not lines are skipped; a
// DataError when none is). UsageError for a refraction_k or spacing_m that is not a positive
// number; DataError naming the sensor for a site or reach that is not finite and in range.
// The point deployments that are sensors (a system or a sensor attribute: line_of_sight), sited
// for the profile; `sensors` as deployment_sensors() gives them.
std::vector<SitedSensor> sited_sensors(const Layer& deployments, const std::vector<SensorReach>& sensors);

// The altitude the summary's longest stretch is measured against: targets below it are what
// low-flying threats fly at.
inline constexpr double low_altitude_m = 300.0;

AltitudeProfile altitude_profile(const Layer& line, const std::vector<SitedSensor>& sensors, double refraction_k, double spacing_m = 1000);

// The longest contiguous run of the line where the lowest visible altitude exceeds `altitude_m`
// (or nothing sees it): the union of consecutive pieces whose altitude (the larger of their ends')
// exceeds it. Runs go on from one part of a feature to the next only where the parts touch (within
// 1 m). Exact to profile_tolerance_m when altitude_m is a multiple of profile_band_m (the bands'
// edges are refined); otherwise a run's ends may extend to the ends of the pieces holding the
// crossing, towards the conservative side. The first of equally long runs; none when every piece
// is seen at or below altitude_m.
std::optional<UncoveredRun> longest_uncovered_below(const AltitudeProfile& profile, double altitude_m);

// The profile as layers to write, in this order:
// - "line_altitude": a LineString per stretch with feature (index in the line layer), name (the
//   line feature's label), from_km, to_km, min_altitude_m (null where nothing sees it), seen_by;
// - "line_altitude_profile": a Point per profile point with feature, name, along_km, lon, lat,
//   min_altitude_m (null where nothing sees it), seen_by (a table ready for CSV).
// km are rounded to 0.001, degrees to 1e-7, altitudes to 0.1 m.
std::vector<Layer> altitude_profile_layers(const AltitudeProfile& profile, const Layer& line);

}  // namespace dza
