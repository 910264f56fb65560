// The area a sensor reaches, drawn as a lon/lat polygon: range fans, annuli and discs limited
// by the radar horizon, with every vertex on the exact envelope.
//
// Construction. The reach's boundary is made of three kinds of curve: the outer arc, at
// reach_limit_m in each azimuth; the inner arc, at the minimum range; and the sector's edges,
// the geodesics leaving the site at the sector's azimuths. Every vertex lies exactly on one of
// them (geodesic_direct from the site). The horizon's distance depends on the azimuth through
// the normal-section radius only, which grows with sin^2(azimuth): it is least due north and
// south and greatest due east and west, monotone in each quadrant. So the azimuths where the
// horizon equals the maximum range (corners of the outer arc) or the minimum range (beyond which
// nothing is reached) are found by bisection in the first quadrant and mirrored into the others.
//
// Where the horizon is nearer than the minimum range in some azimuths, the reach is one piece
// per interval of azimuths where it is not, each closed where its outer and inner arcs meet.
//
// Chords. Arcs are cut into equal azimuth steps of circle_vertex_count's for the largest
// radius, between the corners; a plain disc is geodesic_circle_ring itself. Sector edges are cut
// into equal lengths, halved until the straight lon/lat chord's points at a quarter, a half and
// three quarters lie within the error of the geodesic's points there.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "buffer_internal.hpp"
#include "dza/buffer.hpp"
#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/sensor.hpp"
#include "geodesic_circle.hpp"
#include "geos/geos.hpp"

namespace dza {

namespace {

constexpr double degree = M_PI / 180.0;

}  // namespace

int circle_vertex_count(double radius_m, double max_error_m, double max_abs_lat_deg) {
    const double budget = 0.95 * max_error_m;
    const double tan_lat = std::tan(std::min(max_abs_lat_deg, 89.0) * degree);
    const auto error = [&](int n) {
        const double half = M_PI / n;
        const double chord = 2 * radius_m * std::sin(half);
        return radius_m * (1 - std::cos(half)) + chord * chord * tan_lat / (8 * circle_min_curvature_radius_m);
    };
    int n = 16;
    while (error(n) > budget && n < 1 << 20) n = n + std::max(1, n / 16);
    return n;
}

double circle_max_abs_lat_deg(LonLat centre, double radius_m) {
    const LonLat north = geodesic_direct(centre, 0, radius_m), south = geodesic_direct(centre, 180, radius_m);
    return std::max({std::fabs(north.lat), std::fabs(south.lat), std::fabs(centre.lat)});
}

std::vector<LonLat> geodesic_circle_ring(LonLat centre, double radius_m, double max_error_m) {
    // An even count: the circle is symmetric about the centre's meridian, so the eastern half
    // mirrors the western one computed here.
    int n = circle_vertex_count(radius_m, max_error_m, circle_max_abs_lat_deg(centre, radius_m));
    n += n % 2;
    std::vector<LonLat> ring(static_cast<std::size_t>(n) + 1);
    for (int k = 0; k <= n / 2; ++k) {
        // Azimuths decrease so the ring runs counter-clockwise in lon/lat.
        LonLat p = geodesic_direct(centre, -360.0 * k / n, radius_m);
        p.lon = centre.lon + std::remainder(p.lon - centre.lon, 360.0);
        ring[static_cast<std::size_t>(k)] = p;
        if (k > 0 && k < n / 2) ring[static_cast<std::size_t>(n - k)] = {2 * centre.lon - p.lon, p.lat};
    }
    ring[static_cast<std::size_t>(n)] = ring[0];
    return ring;
}

namespace {

// An interval of azimuths (unrolled: `to_deg` > `from_deg`, both may exceed 360) where the
// reach is drawn; each end is either a sector edge or a tip where the horizon meets the
// minimum range.
struct Span {
    double from_deg, to_deg;
    bool from_edge, to_edge;
};

class ReachDrawer {
public:
    // The inner arc is drawn to `inner_error_m`, the error a reach out to the minimum range has.
    ReachDrawer(LonLat site, const SensorReach& reach, const HorizonModel& horizon, double max_error_m, double inner_error_m)
        : site_(site), reach_(reach), horizon_(horizon), max_error_m_(max_error_m) {
        const double r0 = reach.min_range_m, r1 = reach.max_range_m;
        outer_step_deg_ = 360.0 / circle_vertex_count(r1, max_error_m, circle_max_abs_lat_deg(site, r1));
        inner_step_deg_ = r0 > 0 ? 360.0 / circle_vertex_count(r0, inner_error_m, circle_max_abs_lat_deg(site, r0)) : 360.0;
    }

    // Appends the arc at `radius_m(azimuth)` from `hi_deg` down to `lo_deg` (both included) in
    // equal steps of at most `step_deg` between the `corners` (in [0, 360), each turn) inside it.
    template <typename Radius>
    void arc(double hi_deg, double lo_deg, double step_deg, const std::vector<double>& corners, const Radius& radius_m, std::vector<LonLat>& out) const {
        std::vector<double> nodes{hi_deg};
        std::vector<double> inside;
        for (double c : corners)
            for (int turn = -1; turn <= 2; ++turn) {
                const double x = c + 360.0 * turn;
                if (x > lo_deg + 1e-12 && x < hi_deg - 1e-12) inside.push_back(x);
            }
        std::sort(inside.begin(), inside.end(), std::greater<>());
        nodes.insert(nodes.end(), inside.begin(), inside.end());
        nodes.push_back(lo_deg);
        for (std::size_t i = 0; i + 1 < nodes.size(); ++i) {
            const double a0 = nodes[i], a1 = nodes[i + 1];
            const int pieces = std::max(1, static_cast<int>(std::ceil((a0 - a1) / step_deg - 1e-9)));
            for (int j = 0; j < pieces; ++j) {
                const double az = a0 - (a0 - a1) * j / pieces;
                out.push_back(at(az, radius_m(az)));
            }
        }
        out.push_back(at(lo_deg, radius_m(lo_deg)));
    }

    double limit_m(double azimuth_deg) const { return reach_limit_m(reach_, site_, azimuth_deg, horizon_); }
    // The horizon alone (no maximum range); infinite without a target altitude.
    double horizon_m(double azimuth_deg) const {
        if (!horizon_.target_altitude_m) return std::numeric_limits<double>::infinity();
        return radar_horizon_m(normal_section_radius_m(site_.lat, azimuth_deg), horizon_.refraction_k, reach_.sensor_height_m, *horizon_.target_altitude_m);
    }

    // The azimuth in [0, 90] where the horizon (increasing there) reaches `distance_m`, which
    // lies between its values at 0 and 90 degrees.
    double crossing_deg(double distance_m) const {
        double lo = 0, hi = 90;
        for (int i = 0; i < 200 && hi - lo > 1e-13; ++i) {
            const double mid = 0.5 * (lo + hi);
            (horizon_m(mid) < distance_m ? lo : hi) = mid;
        }
        return 0.5 * (lo + hi);
    }

    // The point at `distance_m` from the site in `azimuth_deg`, longitude continuous from the site's.
    LonLat at(double azimuth_deg, double distance_m) const {
        if (distance_m <= 0) return site_;
        LonLat p = geodesic_direct(site_, azimuth_deg, distance_m);
        p.lon = site_.lon + std::remainder(p.lon - site_.lon, 360.0);
        return p;
    }

    // Appends the outer arc from `hi_deg` down to `lo_deg` (both included), with the corners
    // between them among its vertices.
    void outer_arc(double hi_deg, double lo_deg, std::vector<LonLat>& out) const {
        arc(hi_deg, lo_deg, outer_step_deg_, corners_deg, [&](double az) { return limit_m(az); }, out);
    }

    // Appends the inner arc from `lo_deg` up to `hi_deg`, its ends included when asked. Its
    // vertices are those of the outer arc of the same sector with the minimum range as its
    // maximum (drawn to that range's own error), so that the two fit together exactly.
    void inner_arc(double lo_deg, double hi_deg, bool first, bool last, std::vector<LonLat>& out) const {
        std::vector<LonLat> points;
        arc(hi_deg, lo_deg, inner_step_deg_, {}, [&](double) { return reach_.min_range_m; }, points);
        std::reverse(points.begin(), points.end());
        out.insert(out.end(), points.begin() + (first ? 0 : 1), points.end() - (last ? 0 : 1));
    }

    // Appends the sector edge in `azimuth_deg` from `from_m` to `to_m` from the site, ends
    // excluded, cut into equal lengths whose chords stay within the error of the geodesic.
    void edge(double azimuth_deg, double from_m, double to_m, std::vector<LonLat>& out) const {
        const double budget = 0.95 * max_error_m_;
        const auto chords_fit = [&](int pieces, std::vector<LonLat>& points) {
            points.clear();
            for (int j = 0; j <= pieces; ++j) points.push_back(at(azimuth_deg, from_m + (to_m - from_m) * j / pieces));
            for (int j = 0; j < pieces; ++j) {
                const LonLat a = points[static_cast<std::size_t>(j)], b = points[static_cast<std::size_t>(j) + 1];
                for (double f : {0.25, 0.5, 0.75}) {
                    const LonLat on_chord{a.lon + f * (b.lon - a.lon), a.lat + f * (b.lat - a.lat)};
                    const LonLat on_edge = at(azimuth_deg, from_m + (to_m - from_m) * (j + f) / pieces);
                    if (geodesic_inverse(on_chord, on_edge).distance_m > budget) return false;
                }
            }
            return true;
        };
        std::vector<LonLat> points;
        int pieces = 1;
        while (!chords_fit(pieces, points)) {
            if (pieces >= 1 << 20)
                throw DataError(fmt::format("cannot draw the sector edge at {:g} degrees within {:g} m", azimuth_deg, max_error_m_));
            pieces *= 2;
        }
        out.insert(out.end(), points.begin() + 1, points.end() - 1);
    }

    // The ring of one span, counter-clockwise: the outer arc backwards, the first edge in, the
    // inner arc (or the site) forwards, the last edge out.
    std::vector<LonLat> span_ring(const Span& s) const {
        const double r0 = reach_.min_range_m;
        std::vector<LonLat> ring;
        outer_arc(s.to_deg, s.from_deg, ring);
        if (r0 == 0) {
            edge(s.from_deg, limit_m(s.from_deg), 0, ring);
            ring.push_back(site_);
            edge(s.to_deg, 0, limit_m(s.to_deg), ring);
        } else {
            if (s.from_edge) edge(s.from_deg, limit_m(s.from_deg), r0, ring);
            // At a tip the outer arc's end is the inner arc's (the horizon is the minimum range there).
            inner_arc(s.from_deg, s.to_deg, s.from_edge, s.to_edge, ring);
            if (s.to_edge) edge(s.to_deg, r0, limit_m(s.to_deg), ring);
        }
        ring.push_back(ring.front());
        return ring;
    }

    // The full circle, counter-clockwise, at the reach's limit.
    std::vector<LonLat> outer_ring() const {
        if (corners_deg.empty() && limit_m(0) == reach_.max_range_m) return geodesic_circle_ring(site_, reach_.max_range_m, max_error_m_);
        std::vector<LonLat> ring;
        outer_arc(360.0, 0.0, ring);
        ring.back() = ring.front();
        return ring;
    }

    std::vector<double> corners_deg;  // in [0, 360): where the horizon meets the maximum range

private:
    LonLat site_;
    const SensorReach& reach_;
    const HorizonModel& horizon_;
    double max_error_m_;
    double outer_step_deg_ = 1, inner_step_deg_ = 1;
};

void check_reach(LonLat site, const SensorReach& reach, const HorizonModel& horizon, double tolerance_m) {
    if (!std::isfinite(site.lon) || !std::isfinite(site.lat) || std::fabs(site.lat) > 90)
        throw DataError(fmt::format("the site ({:g}, {:g}) is not a longitude and latitude in degrees", site.lon, site.lat));
    if (!std::isfinite(reach.max_range_m) || reach.max_range_m < 0)
        throw UsageError(fmt::format("maximum range {:g} km is not a range of 0 or more", reach.max_range_m / 1000));
    if (reach.max_range_m > buffer_max_distance_m)
        throw UsageError(fmt::format("maximum range {:g} km is larger than the {:g} km dza draws", reach.max_range_m / 1000, buffer_max_distance_m / 1000));
    if (!std::isfinite(reach.min_range_m) || reach.min_range_m < 0 || reach.min_range_m > reach.max_range_m)
        throw UsageError(fmt::format("minimum range {:g} km is not between 0 and the maximum range, {:g} km", reach.min_range_m / 1000,
                                     reach.max_range_m / 1000));
    if (!std::isfinite(reach.sector.from_deg) || !std::isfinite(reach.sector.width_deg) || reach.sector.width_deg <= 0)
        throw UsageError(fmt::format("sector from {:g} degrees over {:g} degrees is not a sector; give [from, to], e.g. [300, 60]", reach.sector.from_deg,
                                     reach.sector.width_deg));
    if (horizon.target_altitude_m) {
        if (!std::isfinite(*horizon.target_altitude_m) || *horizon.target_altitude_m < 0)
            throw UsageError(fmt::format("target altitude {:g} m is not an altitude of 0 m or more", *horizon.target_altitude_m));
        if (!std::isfinite(horizon.refraction_k) || horizon.refraction_k <= 0)
            throw UsageError(fmt::format("refraction factor k = {:g} is not above 0; give 4/3 for standard refraction, 1 for none", horizon.refraction_k));
        if (!std::isfinite(reach.sensor_height_m) || reach.sensor_height_m < 0)
            throw UsageError(fmt::format("sensor height {:g} m is not a height of 0 m or more", reach.sensor_height_m));
    }
    if (!std::isfinite(tolerance_m) || tolerance_m < buffer_min_tolerance_m)
        throw UsageError(fmt::format("tolerance {:g} m is too small; give at least {:g} m", tolerance_m, buffer_min_tolerance_m));
}

}  // namespace

SensorReachGeometry sensor_reach_geometry(LonLat site, const SensorReach& reach, const HorizonModel& horizon, double tolerance_m) {
    check_reach(site, reach, horizon, tolerance_m);
    SensorReachGeometry out;
    out.geometry = geos::empty_polygon();
    const double r0 = reach.min_range_m, r1 = reach.max_range_m;
    if (r1 == 0 || r0 >= r1) return out;
    site.lon = near_lon(site.lon, 0);
    check_buffer_poles({site}, false, r1);
    out.max_error_m = buffer_max_error_m(r1, tolerance_m);

    // The inner arc as a reach out to the minimum range draws its outer arc: annuli and rings fit
    // the discs and fans inside them exactly.
    const double inner_error_m = r0 > 0 ? buffer_max_error_m(r0, tolerance_m) : 0.0;
    ReachDrawer draw(site, reach, horizon, out.max_error_m, inner_error_m);
    const double nearest_horizon_m = draw.horizon_m(0), farthest_horizon_m = draw.horizon_m(90);
    if (nearest_horizon_m < r1 && farthest_horizon_m > r1) {
        const double c = draw.crossing_deg(r1);
        draw.corners_deg = {c, 180 - c, 180 + c, 360 - c};
    }
    if (r0 > 0 && farthest_horizon_m <= r0) return out;  // the horizon is nearer than the minimum range all round

    // The azimuths reached, within [0, 360]: all, or the two intervals about east and west
    // where the horizon is beyond the minimum range.
    std::vector<std::pair<double, double>> reached{{0.0, 360.0}};
    if (r0 > 0 && nearest_horizon_m < r0) {
        const double a = draw.crossing_deg(r0);
        reached = {{a, 180 - a}, {180 + a, 360 - a}};
    }

    std::vector<std::vector<LonLat>> shells;
    std::vector<LonLat> hole;
    const bool all_round = reached.size() == 1;
    if (reach.sector.full() && all_round) {
        shells.push_back(draw.outer_ring());
        if (r0 > 0) {
            hole = geodesic_circle_ring(site, r0, inner_error_m);
            std::reverse(hole.begin(), hole.end());
        }
    } else {
        const double s = reach.sector.full() ? 0.0 : reach.sector.from_deg, e = s + std::min(reach.sector.width_deg, 360.0);
        std::vector<Span> spans;
        if (all_round) {
            spans.push_back({s, e, true, true});
        } else {
            for (const auto& [lo, hi] : reached)
                for (int turn = 0; turn <= 1; ++turn) {
                    const double from = std::max(lo + 360.0 * turn, s), to = std::min(hi + 360.0 * turn, e);
                    if (to - from > 1e-9) spans.push_back({from, to, from == s && !reach.sector.full(), to == e && !reach.sector.full()});
                }
            std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.from_deg < b.from_deg; });
        }
        for (const Span& span : spans) shells.push_back(draw.span_ring(span));
    }
    if (shells.empty()) return out;

    std::vector<Geometry> polygons;
    for (std::size_t i = 0; i < shells.size(); ++i) {
        if (i == 0 && !hole.empty()) polygons.push_back(Geometry::polygon(shells[i], {hole}));
        else polygons.push_back(Geometry::polygon(shells[i]));
    }
    Geometry continuous = polygons.size() == 1 ? std::move(polygons.front()) : geos::collection(std::move(polygons), GEOS_MULTIPOLYGON);
    // A plain disc away from the antimeridian is geodesic_circle_ring's polygon itself.
    if (shells.size() == 1 && hole.empty() && reach.is_disc()) {
        const Extent e = continuous.extent();
        if (e.min_lon >= -180.0 && e.max_lon <= 180.0) {
            out.geometry = std::move(continuous);
            return out;
        }
    }
    out.geometry = finish_buffer_geometry(std::move(continuous));
    return out;
}

}  // namespace dza
