#include "dza/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include "dza/error.hpp"

namespace dza {

namespace {
struct Unit {
    const char* suffix;
    double metres;
};
// Longer suffixes first so "nmi" is not read as "mi" and "km" not as "m".
constexpr Unit units[] = {{"nmi", 1852.0}, {"km", 1000.0}, {"mi", 1609.344}, {"m", 1.0}};

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}
}  // namespace

double parse_distance_m(std::string_view text, std::string_view what, bool allow_negative) {
    const std::string_view s = trim(text);
    const auto bad = [&](const std::string& why) {
        return UsageError(std::string(what) + " \"" + std::string(text) + "\" " + why);
    };
    double value = 0;
    const char* begin = s.data();
    const char* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr == begin) throw bad("is not a distance: expected a number with a unit, e.g. 100km (" + std::string(distance_units_help) + ")");
    const std::string_view suffix = trim(std::string_view(ptr, static_cast<std::size_t>(end - ptr)));
    double scale = 1000.0;  // a bare number is km
    if (!suffix.empty()) {
        bool known = false;
        for (const auto& u : units) {
            if (suffix == u.suffix) {
                scale = u.metres;
                known = true;
                break;
            }
        }
        if (!known) throw bad("has an unknown unit \"" + std::string(suffix) + "\" (" + distance_units_help + ")");
    }
    if (!std::isfinite(value)) throw bad("is not a finite number");
    if (value < 0 && !allow_negative) throw bad("is negative; give a distance of 0 or more");
    const double metres = value * scale;
    if (!std::isfinite(metres)) throw bad("is too large to be a distance");
    return metres;
}

double parse_speed_kmh(std::string_view text, std::string_view what) {
    const std::string_view s = trim(text);
    const auto bad = [&](const std::string& why) { return UsageError(std::string(what) + " \"" + std::string(text) + "\" " + why); };
    double value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr == s.data()) throw bad("is not a speed: expected e.g. 60km/h (units km/h, kn, mph, m/s; a bare number is km/h)");
    const std::string_view suffix = trim(std::string_view(ptr, static_cast<std::size_t>(s.data() + s.size() - ptr)));
    struct SpeedUnit {
        const char* suffix;
        double kmh;
    };
    static constexpr SpeedUnit speed_units[] = {{"", 1.0}, {"km/h", 1.0}, {"kmh", 1.0}, {"kph", 1.0}, {"kn", 1.852}, {"kt", 1.852}, {"mph", 1.609344}, {"m/s", 3.6}};
    for (const auto& u : speed_units) {
        if (suffix != u.suffix) continue;
        if (!(value > 0) || !std::isfinite(value)) throw bad("must be a positive speed");
        if (!std::isfinite(value * u.kmh)) throw bad("is too large to be a speed");
        return value * u.kmh;
    }
    throw bad("has an unknown unit \"" + std::string(suffix) + "\" (units km/h, kn, mph, m/s)");
}

std::vector<double> parse_distance_list_m(std::string_view text, std::string_view what) {
    std::vector<double> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        out.push_back(parse_distance_m(item, what));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

std::vector<double> parse_altitude_list_m(std::string_view text, std::string_view what) {
    std::vector<double> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::string_view item = trim(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        const auto bad = [&](const std::string& why) { return UsageError(std::string(what) + " \"" + std::string(item) + "\" " + why); };
        double value = 0;
        const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
        if (ec != std::errc() || ptr == item.data()) throw bad("is not an altitude: expected a number with a unit, e.g. 300m (units m, km, ft)");
        const std::string_view suffix = trim(std::string_view(ptr, static_cast<std::size_t>(item.data() + item.size() - ptr)));
        double scale = 0;
        if (suffix == "m") scale = 1.0;
        else if (suffix == "km") scale = 1000.0;
        else if (suffix == "ft") scale = 0.3048;
        else if (suffix.empty()) throw bad("has no unit; give m, km or ft, e.g. 300m");
        else throw bad("has an unknown unit \"" + std::string(suffix) + "\" (units m, km, ft)");
        if (!std::isfinite(value) || value < 0) throw bad("is not an altitude of 0 or more");
        out.push_back(value * scale);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

}  // namespace dza
