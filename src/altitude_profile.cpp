// The lowest covered altitude along a line: samples, refinement at changes, stretches, layers.
#include "dza/altitude_profile.hpp"

#include <fmt/format.h>
#include <geodesic.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <set>
#include <utility>

#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "geos/geos.hpp"
#include "parallel.hpp"
#include "wgs84.hpp"

namespace dza {

namespace {

constexpr double degree = M_PI / 180.0;
constexpr std::size_t no_sensor = std::numeric_limits<std::size_t>::max();

// What a point of the line sees: its lowest visible altitude and the sensor giving it.
struct Seen {
    double altitude_m = never_visible_m;
    std::size_t sensor = no_sensor;
};

// 0 for the ground, k for (10(k - 1), 10k] metres, +infinity for never seen.
double band_of(double altitude_m) { return altitude_m <= 0 ? 0.0 : std::ceil(altitude_m / profile_band_m); }

// A piece needs no refinement when its ends are seen by the same sensor in the same band.
bool same_state(const Seen& a, const Seen& b) { return a.sensor == b.sensor && band_of(a.altitude_m) == band_of(b.altitude_m); }

struct Ecef {
    double x = 0, y = 0, z = 0;
};

// Earth-centred coordinates of a point on the WGS84 ellipsoid (height 0), metres.
Ecef ecef_of(LonLat p) {
    const geod_geodesic& g = wgs84_geodesic();
    const double e2 = g.f * (2 - g.f);
    const double lat = p.lat * degree, lon = p.lon * degree;
    const double s = std::sin(lat), c = std::cos(lat);
    const double n = g.a / std::sqrt(1 - e2 * s * s);
    return {n * c * std::cos(lon), n * c * std::sin(lon), n * (1 - e2) * s};
}

// The straight-line distance between two points: no path on the surface is shorter.
double chord_m(const Ecef& a, const Ecef& b) {
    const double dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
    return std::sqrt(dx * dx + dy * dy + dz * dz);
}

void check_sensor(const SitedSensor& s) {
    const auto bad = [&](const char* what, double value, const char* expected) {
        return DataError(fmt::format("sensor \"{}\" (deployment feature {}): {} is {}, expected {}", s.name, s.feature, what, value, expected));
    };
    if (!std::isfinite(s.site.lon)) throw bad("the site's longitude", s.site.lon, "a finite number of degrees");
    if (!(std::abs(s.site.lat) <= 90)) throw bad("the site's latitude", s.site.lat, "degrees within [-90, 90]");
    const SensorReach& r = s.reach;
    if (!std::isfinite(r.max_range_m) || r.max_range_m < 0) throw bad("the maximum range (m)", r.max_range_m, "a distance >= 0");
    if (!std::isfinite(r.min_range_m) || r.min_range_m < 0 || r.min_range_m > r.max_range_m)
        throw bad("the minimum range (m)", r.min_range_m, "a distance from 0 to the maximum range");
    if (!std::isfinite(r.sensor_height_m) || r.sensor_height_m < 0) throw bad("the sensor height (m)", r.sensor_height_m, "a height >= 0");
    if (!std::isfinite(r.sector.from_deg) || !std::isfinite(r.sector.width_deg))
        throw bad("the sector", std::isfinite(r.sector.from_deg) ? r.sector.width_deg : r.sector.from_deg, "finite azimuths");
}

// Sensors by the lon/lat cells their maximum ranges' envelopes overlap: a point's cell lists every
// sensor that may reach it.
class CellIndex {
public:
    explicit CellIndex(const std::vector<Extent>& extents) {
        std::vector<double> spans;
        for (const Extent& e : extents) {
            bounds_.expand(e);
            spans.push_back(std::max(e.max_lon - e.min_lon, e.max_lat - e.min_lat));
        }
        if (bounds_.empty) return;
        // Cells a quarter of the typical envelope, fewer than about four million of them.
        std::nth_element(spans.begin(), spans.begin() + static_cast<std::ptrdiff_t>(spans.size() / 2), spans.end());
        cell_ = std::clamp(spans[spans.size() / 2] / 4, 0.02, 30.0);
        const double area = (bounds_.max_lon - bounds_.min_lon + cell_) * (bounds_.max_lat - bounds_.min_lat + cell_);
        cell_ = std::max(cell_, std::sqrt(area / 4e6));
        // Larger cells while the envelopes would fill too many (wide ones near the poles span
        // every longitude).
        const double max_entries = 64.0 * static_cast<double>(extents.size()) + 4e6;
        for (;;) {
            nx_ = static_cast<std::size_t>(std::floor((bounds_.max_lon - bounds_.min_lon) / cell_)) + 1;
            ny_ = static_cast<std::size_t>(std::floor((bounds_.max_lat - bounds_.min_lat) / cell_)) + 1;
            double entries = 0;
            for (const Extent& e : extents)
                entries += static_cast<double>(cell(e.max_lat, bounds_.min_lat, ny_) - cell(e.min_lat, bounds_.min_lat, ny_) + 1) *
                           static_cast<double>(cell(e.max_lon, bounds_.min_lon, nx_) - cell(e.min_lon, bounds_.min_lon, nx_) + 1);
            if (entries <= max_entries || cell_ >= 360) break;
            cell_ *= 2;
        }
        // Counted first, then filled: one flat array of sensor numbers, cell after cell.
        start_.assign(nx_ * ny_ + 1, 0);
        for (int pass = 0; pass < 2; ++pass) {
            std::vector<std::size_t> fill;
            if (pass == 1) {
                for (std::size_t c = 0; c < nx_ * ny_; ++c) start_[c + 1] += start_[c];
                entries_.resize(start_.back());
                fill.assign(start_.begin(), start_.end() - 1);
            }
            for (std::size_t i = 0; i < extents.size(); ++i) {
                const Extent& e = extents[i];
                for (std::size_t y = cell(e.min_lat, bounds_.min_lat, ny_); y <= cell(e.max_lat, bounds_.min_lat, ny_); ++y)
                    for (std::size_t x = cell(e.min_lon, bounds_.min_lon, nx_); x <= cell(e.max_lon, bounds_.min_lon, nx_); ++x) {
                        if (pass == 0) ++start_[y * nx_ + x + 1];
                        else entries_[fill[y * nx_ + x]++] = static_cast<std::uint32_t>(i);
                    }
            }
        }
    }

    // Calls fn(i) for each sensor listed in the cell holding (lon, lat), in ascending order.
    template <typename Fn>
    bool visit(double lon, double lat, Fn&& fn) const {
        if (bounds_.empty || lon < bounds_.min_lon || lon > bounds_.max_lon || lat < bounds_.min_lat || lat > bounds_.max_lat) return false;
        const std::size_t c = cell(lat, bounds_.min_lat, ny_) * nx_ + cell(lon, bounds_.min_lon, nx_);
        for (std::size_t k = start_[c]; k < start_[c + 1]; ++k) fn(entries_[k]);
        return start_[c] < start_[c + 1];
    }

private:
    std::size_t cell(double v, double origin, std::size_t n) const {
        return static_cast<std::size_t>(std::clamp(std::floor((v - origin) / cell_), 0.0, static_cast<double>(n - 1)));
    }

    Extent bounds_;
    double cell_ = 1;
    std::size_t nx_ = 0, ny_ = 0;
    std::vector<std::size_t> start_;      // cell c's sensors are entries_[start_[c], start_[c + 1])
    std::vector<std::uint32_t> entries_;
};

// The sensors, indexed by the envelopes of their maximum ranges, with a lower bound of the
// altitude each sees at a point that costs no geodesic.
//
// The bound: no path on the surface is shorter than the chord c, and the altitude seen grows with
// the distance and falls as the earth flattens, so the altitude at c over the flattest effective
// earth (radius kR_max, R_max = a / (1 - f), at the poles) is no more than the altitude seen. That
// altitude grows with key = c / kR_max - acos(kR_max / (kR_max + h_sensor)), so sensors are
// compared by their keys, and a sensor can see lower than an altitude U only when its key is at
// most acos(kR_max / (kR_max + U)).
class SensorIndex {
public:
    SensorIndex(const std::vector<SitedSensor>& sensors, double refraction_k) : sensors_(sensors), k_(refraction_k) {
        const geod_geodesic& g = wgs84_geodesic();
        kr_max_ = refraction_k * g.a / (1 - g.f);
        // The smallest meridional radius (at the equator) bounds the latitude a range spans, and
        // the radius of a parallel is at least a cos(lat) (no less than the reduced latitude's).
        const double m_min = g.a * (1 - g.f * (2 - g.f));
        std::vector<Extent> extents;
        for (const SitedSensor& s : sensors) {
            check_sensor(s);
            ecef_.push_back(ecef_of(s.site));
            range_m_.push_back(s.reach.max_range_m + 1e-6);
            horizon_angle_.push_back(std::acos(kr_max_ / (kr_max_ + s.reach.sensor_height_m)));
            const double range = s.reach.max_range_m * (1 + 1e-9) + 1e-3;
            const double dlat = range / m_min / degree;
            const double lat_max = std::abs(s.site.lat) + dlat;
            double dlon = 180;
            if (lat_max < 89.999) dlon = std::min(180.0, range / (g.a * std::cos(lat_max * degree)) / degree);
            Extent e;
            e.min_lon = s.site.lon - dlon, e.max_lon = s.site.lon + dlon;
            e.min_lat = s.site.lat - dlat, e.max_lat = s.site.lat + dlat;
            e.empty = false;
            extents.push_back(e);
        }
        cells_ = CellIndex(extents);
    }

    // The lowest altitude any sensor sees at `p`, and the first sensor that sees it there.
    Seen best(LonLat p) const {
        const Ecef at = ecef_of(p);
        std::vector<std::pair<double, std::size_t>> keys;  // (key, sensor) of the sensors in range of the chord
        int cells = 0;
        for (double shift : {0.0, 360.0, -360.0})  // envelopes may run past ±180 degrees
            cells += cells_.visit(p.lon + shift, p.lat, [&](std::size_t i) {
                const double chord = chord_m(at, ecef_[i]);
                if (chord <= range_m_[i]) keys.emplace_back(chord / kr_max_ - horizon_angle_[i], i);
            });
        if (cells > 1) {
            std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
            keys.erase(std::unique(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.second == b.second; }), keys.end());
        }
        Seen out;
        const auto better = [&](const Seen& s) {
            return s.altitude_m < out.altitude_m || (s.altitude_m == out.altitude_m && s.altitude_m != never_visible_m && s.sensor < out.sensor);
        };
        // The most promising sensors first, until one sees the point: its altitude bounds the rest.
        for (int tries = 0; tries < 8 && !keys.empty() && out.altitude_m == never_visible_m; ++tries) {
            const auto first = std::min_element(keys.begin(), keys.end());
            const Seen s = only(first->second, p);
            if (better(s)) out = s;
            *first = keys.back();
            keys.pop_back();
        }
        // Then the others whose key allows the best so far, in order of key (and number).
        double limit = key_limit(out.altitude_m);
        keys.erase(std::remove_if(keys.begin(), keys.end(), [&](const auto& k) { return k.first > limit; }), keys.end());
        std::sort(keys.begin(), keys.end());
        for (const auto& [key, i] : keys) {
            if (key > limit) break;
            if (out.altitude_m == 0 && i > out.sensor) continue;  // at best equal, and later in the list
            const Seen s = only(i, p);
            if (better(s)) {
                out = s;
                limit = key_limit(out.altitude_m);
            }
        }
        return out;
    }

    // What sensor `i` alone sees at `p`.
    Seen only(std::size_t i, LonLat p) const {
        const double a = lowest_visible_altitude_m(sensors_[i].reach, sensors_[i].site, p, k_);
        return a == never_visible_m ? Seen{} : Seen{a, i};
    }

private:
    // The largest key of a sensor that may see as low as `altitude_m` (with 1e-9 rad, 8 mm at
    // the effective earth's radius, to spare for rounding).
    double key_limit(double altitude_m) const {
        if (altitude_m == never_visible_m) return M_PI / 2 + 1e-9;
        return std::acos(kr_max_ / (kr_max_ + altitude_m)) + 1e-9;
    }

    const std::vector<SitedSensor>& sensors_;
    double k_;
    double kr_max_ = 0;
    std::vector<Ecef> ecef_;
    std::vector<double> range_m_;        // the maximum range, with 1 micrometre to spare
    std::vector<double> horizon_angle_;  // the sensor's own horizon angle on the flattest earth
    CellIndex cells_{{}};
};

// A geodesic between two consecutive vertices of a line part.
struct Segment {
    geod_geodesicline line{};
    std::size_t feature = 0, part = 0;
    double along0_m = 0;  // along the feature at its start
};

LonLat position(const Segment& seg, double s_m) {
    LonLat p;
    geod_position(&seg.line, s_m, &p.lat, &p.lon, nullptr);
    return p;
}

// A point on a segment and what it sees.
struct Found {
    std::size_t segment = 0;
    double s_m = 0;  // along the segment
    LonLat at;
    Seen seen;
    bool part_start = false;
};

// Brackets every change between `a` and `b` (on one segment) by two points at most
// profile_tolerance_m apart, appended to `out` in order (the ends themselves included).
void bisect(const SensorIndex& index, const Segment& seg, const Found& a, const Found& b, std::vector<Found>& out) {
    if (same_state(a.seen, b.seen)) return;
    if (b.s_m - a.s_m <= profile_tolerance_m) {
        if (out.empty() || out.back().s_m < a.s_m) out.push_back(a);
        out.push_back(b);
        return;
    }
    Found m = a;
    m.part_start = false;
    m.s_m = 0.5 * (a.s_m + b.s_m);
    m.at = position(seg, m.s_m);
    m.seen = index.best(m.at);
    bisect(index, seg, a, m, out);
    bisect(index, seg, m, b, out);
}

std::string name_of(const std::vector<SitedSensor>& sensors, std::size_t i) { return i == no_sensor ? std::string() : sensors[i].name; }

}  // namespace

AltitudeProfile altitude_profile(const Layer& line, const std::vector<SitedSensor>& sensors, double refraction_k, double spacing_m) {
    if (!std::isfinite(refraction_k) || refraction_k <= 0)
        throw UsageError(fmt::format("refraction factor k {} is not a positive number; give 1.3333 (4/3) for standard refraction, 1 for none", refraction_k));
    if (!std::isfinite(spacing_m) || spacing_m < 1)
        throw UsageError(fmt::format("profile spacing {} m is not a distance of at least 1 m; give e.g. 1000", spacing_m));
    AltitudeProfile out;
    out.refraction_k = refraction_k;
    out.spacing_m = spacing_m;
    const SensorIndex index(sensors, refraction_k);

    // Segments and samples, feature by feature and part by part.
    std::vector<Segment> segments;
    std::vector<Found> samples;
    bool any = false;
    for (std::size_t fi = 0; fi < line.features.size(); ++fi) {
        const Feature& f = line.features[fi];
        if (f.geometry.is_empty() || f.geometry.dimension() != 1) continue;
        any = true;
        double along_m = 0;
        std::size_t part = 0;
        for (const std::vector<LonLat>& path : f.geometry.paths()) {
            std::vector<LonLat> pts;
            for (const LonLat& p : path)
                if (pts.empty() || p.lon != pts.back().lon || p.lat != pts.back().lat) pts.push_back(p);
            if (pts.size() < 2) continue;
            for (std::size_t i = 1; i < pts.size(); ++i) {
                Segment seg;
                geod_inverseline(&seg.line, &wgs84_geodesic(), pts[i - 1].lat, pts[i - 1].lon, pts[i].lat, pts[i].lon, GEOD_ALL);
                seg.feature = fi;
                seg.part = part;
                seg.along0_m = along_m;
                const double length_m = seg.line.s13;
                const int pieces = std::max(1, static_cast<int>(std::ceil(length_m / spacing_m)));
                for (int k = 0; k < pieces; ++k) {
                    Found s;
                    s.segment = segments.size();
                    s.s_m = k == 0 ? 0.0 : length_m * k / pieces;
                    s.at = k == 0 ? pts[i - 1] : position(seg, s.s_m);
                    s.part_start = i == 1 && k == 0;
                    samples.push_back(s);
                }
                along_m += length_m;
                segments.push_back(seg);
            }
            Found last;  // the part's last vertex, at the end of its last segment
            last.segment = segments.size() - 1;
            last.s_m = segments.back().line.s13;
            last.at = pts.back();
            samples.push_back(last);
            ++part;
        }
    }
    if (!any) throw DataError(fmt::format("{}: no feature is a line", line.where_text()));

    // What each sample sees, then the changes within each piece between two samples.
    parallel_for(samples.size(), [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) samples[i].seen = index.best(samples[i].at);
    }, {}, {}, 64);
    std::vector<std::vector<Found>> inside(samples.size());
    parallel_for(samples.size(), [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            if (i + 1 >= samples.size() || samples[i + 1].part_start) continue;
            const Segment& seg = segments[samples[i].segment];
            Found b = samples[i + 1];
            if (b.segment != samples[i].segment) b.segment = samples[i].segment, b.s_m = seg.line.s13;  // the next segment's start
            std::vector<Found> found;
            bisect(index, seg, samples[i], b, found);
            if (!found.empty() && found.front().s_m == samples[i].s_m) found.erase(found.begin());
            if (!found.empty() && found.back().s_m == b.s_m) found.pop_back();
            inside[i] = std::move(found);
        }
    }, {}, {}, 16);

    // Points in order along each feature.
    const auto point_of = [&](const Found& f) {
        const Segment& seg = segments[f.segment];
        ProfilePoint p;
        p.feature = seg.feature;
        p.part = seg.part;
        p.along_km = (seg.along0_m + f.s_m) / 1000.0;
        p.at = f.at;
        p.min_altitude_m = f.seen.altitude_m;
        p.seen_by = name_of(sensors, f.seen.sensor);
        if (f.seen.sensor != no_sensor) p.sensor = f.seen.sensor;
        return p;
    };
    out.points.reserve(samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
        out.points.push_back(point_of(samples[i]));
        for (const Found& f : inside[i]) out.points.push_back(point_of(f));
    }

    // Stretches: consecutive pieces of one part whose altitudes lie in one band.
    const std::vector<ProfilePoint>& pts = out.points;
    std::size_t j = 0;
    while (j + 1 < pts.size()) {
        const auto same_part = [&](std::size_t a, std::size_t b) { return pts[a].feature == pts[b].feature && pts[a].part == pts[b].part; };
        if (!same_part(j, j + 1)) {
            ++j;
            continue;
        }
        const auto piece_m = [&](std::size_t a) { return std::max(pts[a].min_altitude_m, pts[a + 1].min_altitude_m); };
        const double band = band_of(piece_m(j));
        ProfileStretch s;
        s.feature = pts[j].feature;
        s.part = pts[j].part;
        s.from_km = pts[j].along_km;
        s.min_altitude_m = piece_m(j);
        std::vector<std::size_t> seers;
        std::set<std::size_t> seen;
        const auto add_seer = [&](const ProfilePoint& p) {
            if (p.sensor && seen.insert(*p.sensor).second) seers.push_back(*p.sensor);
        };
        std::vector<LonLat> coords{pts[j].at};
        std::size_t k = j;
        while (k + 1 < pts.size() && same_part(k, k + 1) && band_of(piece_m(k)) == band) {
            const double v = piece_m(k);
            s.min_altitude_m = std::max(s.min_altitude_m, v);
            if (v != never_visible_m) {
                // The end that gives the piece its altitude sees it; both when they are equal.
                if (pts[k].min_altitude_m == v) add_seer(pts[k]);
                if (pts[k + 1].min_altitude_m == v) add_seer(pts[k + 1]);
            }
            LonLat next = pts[k + 1].at;
            next.lon = near_lon(next.lon, coords.back().lon);  // continuous across ±180 degrees
            coords.push_back(next);
            ++k;
        }
        s.to_km = pts[k].along_km;
        for (std::size_t i : seers) s.seen_by += (s.seen_by.empty() ? "" : ", ") + sensors[i].name;
        s.geometry = wrap_longitudes(Geometry::line(coords));
        out.stretches.push_back(std::move(s));
        j = k;
    }
    return out;
}

std::optional<UncoveredRun> AltitudeProfile::longest_uncovered(double altitude_m) const { return longest_uncovered_below(*this, altitude_m); }

std::optional<UncoveredRun> longest_uncovered_below(const AltitudeProfile& profile, double altitude_m) {
    if (std::isnan(altitude_m)) throw UsageError("altitude for the longest uncovered run is not a number; give metres, e.g. 300");
    std::optional<UncoveredRun> best, run;
    const auto close = [&] {
        if (!run) return;
        run->length_km = run->to_km - run->from_km;
        if (!best || run->length_km > best->length_km) best = run;
        run.reset();
    };
    const std::vector<ProfilePoint>& pts = profile.points;
    for (std::size_t j = 0; j + 1 < pts.size(); ++j) {
        const ProfilePoint &p = pts[j], &q = pts[j + 1];
        if (p.feature != q.feature) {
            close();
            continue;
        }
        if (p.part != q.part) {  // a run goes on only where the parts touch
            if (geodesic_inverse(p.at, q.at).distance_m >= 1.0) close();
            continue;
        }
        if (std::max(p.min_altitude_m, q.min_altitude_m) > altitude_m) {
            if (!run) run = UncoveredRun{p.feature, p.along_km, q.along_km, 0};
            run->to_km = q.along_km;
        } else {
            close();
        }
    }
    close();
    return best;
}

// ---------------------------------------------------------------------------------------------

namespace {
// Fixed decimals printed as the shortest number that reads back the same, so outputs diff cleanly.
double rounded(double value, int decimals) { return std::strtod(fmt::format("{:.{}f}", value, decimals).c_str(), nullptr); }

nlohmann::json altitude_value(double altitude_m) { return altitude_m == never_visible_m ? nlohmann::json() : nlohmann::json(rounded(altitude_m, 1)); }
}  // namespace

std::vector<Layer> altitude_profile_layers(const AltitudeProfile& profile, const Layer& line) {
    const std::optional<std::size_t> label_field = line.label_field();
    const auto label = [&](std::size_t feature) { return feature < line.features.size() ? line.label(line.features[feature], label_field) : std::string(); };
    std::vector<Layer> out;
    {
        Layer l;
        l.name = "line_altitude";
        l.fields = {{"feature", FieldType::Integer}, {"name", FieldType::String},         {"from_km", FieldType::Real},
                    {"to_km", FieldType::Real},      {"min_altitude_m", FieldType::Real}, {"seen_by", FieldType::String}};
        for (const ProfileStretch& s : profile.stretches) {
            Feature f;
            f.fid = static_cast<std::int64_t>(l.features.size());
            f.values = {static_cast<std::int64_t>(s.feature), label(s.feature), rounded(s.from_km, 3), rounded(s.to_km, 3), altitude_value(s.min_altitude_m),
                        s.seen_by};
            f.geometry = s.geometry.clone();
            l.features.push_back(std::move(f));
        }
        out.push_back(std::move(l));
    }
    {
        Layer l;
        l.name = "line_altitude_profile";
        l.fields = {{"feature", FieldType::Integer}, {"name", FieldType::String}, {"along_km", FieldType::Real},      {"lon", FieldType::Real},
                    {"lat", FieldType::Real},        {"min_altitude_m", FieldType::Real}, {"seen_by", FieldType::String}};
        for (const ProfilePoint& p : profile.points) {
            Feature f;
            f.fid = static_cast<std::int64_t>(l.features.size());
            f.values = {static_cast<std::int64_t>(p.feature), label(p.feature), rounded(p.along_km, 3), rounded(p.at.lon, 7), rounded(p.at.lat, 7),
                        altitude_value(p.min_altitude_m), p.seen_by};
            f.geometry = Geometry::point(p.at);
            l.features.push_back(std::move(f));
        }
        out.push_back(std::move(l));
    }
    return out;
}

std::vector<SitedSensor> sited_sensors(const Layer& deployments, const std::vector<SensorReach>& sensors) {
    std::vector<SitedSensor> out;
    for (std::size_t i = 0; i < deployments.features.size() && i < sensors.size(); ++i) {
        const Feature& f = deployments.features[i];
        SitedSensor s;
        if (std::isnan(sensors[i].max_range_m) || !sensors[i].line_of_sight || !geos::single_point(f.geometry.get(), s.site)) continue;
        s.feature = i;
        s.name = deployments.label(f);
        s.reach = sensors[i];
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace dza
