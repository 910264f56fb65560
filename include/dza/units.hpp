#pragma once
// Distances as users write them: "50km", "50 km", "30mi", "27nmi", "1500m"; a bare number is km.
#include <string>
#include <string_view>
#include <vector>

namespace dza {

// Parses a distance and returns metres. Throws UsageError naming `what` for a malformed value,
// an unknown unit, or a negative value when `allow_negative` is false.
double parse_distance_m(std::string_view text, std::string_view what = "distance", bool allow_negative = false);

// Parses a comma-separated list of distances ("25km,50km,100km"), each in metres.
std::vector<double> parse_distance_list_m(std::string_view text, std::string_view what = "distances");

// Parses a speed and returns km/h: "60", "60km/h", "60kmh", "30kn", "40mph", "10m/s"; a bare
// number is km/h. Throws UsageError for a malformed, unknown-unit or non-positive value.
double parse_speed_kmh(std::string_view text, std::string_view what = "speed");

// Parses a comma-separated list of target altitudes ("50m,300m,1km,10000ft"), each in metres.
// A unit is required (m, km, ft): a bare number could be metres or feet.
std::vector<double> parse_altitude_list_m(std::string_view text, std::string_view what = "altitudes");

// The unit suffixes parse_distance_m understands, for help texts.
inline constexpr const char* distance_units_help = "units m, km, mi, nmi; a bare number is km";

}  // namespace dza
