// Step 6 of the coverage: how many reaches cover each stretch of the line, and what each reach
// alone covers of it.
//
// The line is cut as measure_line cuts it (densified along its geodesics, then straight lon/lat
// edges, as GEOS sees it). Each edge is cut at every crossing with the boundary of a reach whose
// envelope meets it; a piece lies inside a reach when its midpoint does (even-odd rule over all
// the reach's rings), and its geodesic length (between its ends, as geodesic_length_m measures
// the pieces measure_line cuts) adds to the depth of the number of reaches holding it.
#include <algorithm>
#include <cmath>

#include "coverage/steps.hpp"
#include "dza/geodesic.hpp"
#include "parallel.hpp"

namespace dza::coverage {

namespace {

struct Ring {
    std::vector<LonLat> pts;  // closed
    Extent extent;
};

std::vector<Ring> rings_of(const Geometry& g) {
    std::vector<Ring> out;
    for (const auto& polygon : g.polygons())
        for (const auto& ring : polygon) {
            if (ring.size() < 4) continue;
            Ring r;
            r.pts = ring;
            for (const LonLat& p : ring) r.extent.expand(Extent{p.lon, p.lat, p.lon, p.lat, false});
            out.push_back(std::move(r));
        }
    return out;
}

// Even-odd rule over every ring of a (multi)polygon: holes and separate parts included.
bool inside(const std::vector<Ring>& rings, LonLat p) {
    bool in = false;
    for (const Ring& ring : rings) {
        if (p.lat < ring.extent.min_lat || p.lat > ring.extent.max_lat || p.lon < ring.extent.min_lon || p.lon > ring.extent.max_lon) continue;
        const auto& v = ring.pts;
        for (std::size_t i = 0, j = v.size() - 1; i < v.size(); j = i++) {
            if ((v[i].lat > p.lat) != (v[j].lat > p.lat) &&
                p.lon < (v[j].lon - v[i].lon) * (p.lat - v[i].lat) / (v[j].lat - v[i].lat) + v[i].lon)
                in = !in;
        }
    }
    return in;
}

// The stretches [t0, t1] of the edge a + t (b - a), t in [0, 1], inside the rings.
void inside_stretches(const std::vector<Ring>& rings, LonLat a, LonLat b, const Extent& edge, std::vector<double>& cuts,
                      std::vector<std::pair<double, double>>& out) {
    cuts.assign({0.0, 1.0});
    const double dx = b.lon - a.lon, dy = b.lat - a.lat;
    for (const Ring& ring : rings) {
        if (!overlap(ring.extent, edge)) continue;
        const auto& v = ring.pts;
        for (std::size_t i = 1; i < v.size(); ++i) {
            const LonLat p = v[i - 1], q = v[i];
            if (std::max(p.lon, q.lon) < edge.min_lon || std::min(p.lon, q.lon) > edge.max_lon || std::max(p.lat, q.lat) < edge.min_lat ||
                std::min(p.lat, q.lat) > edge.max_lat)
                continue;
            const double ex = q.lon - p.lon, ey = q.lat - p.lat;
            const double denom = dx * ey - dy * ex;
            if (denom == 0) continue;  // parallel: the midpoints below decide
            const double wx = p.lon - a.lon, wy = p.lat - a.lat;
            const double t = (wx * ey - wy * ex) / denom, u = (wx * dy - wy * dx) / denom;
            if (u >= 0 && u <= 1 && t > 0 && t < 1) cuts.push_back(t);
        }
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    for (std::size_t k = 1; k < cuts.size(); ++k) {
        const double m = 0.5 * (cuts[k - 1] + cuts[k]);
        if (!inside(rings, {a.lon + m * dx, a.lat + m * dy})) continue;
        if (!out.empty() && out.back().second == cuts[k - 1]) out.back().second = cuts[k];
        else out.emplace_back(cuts[k - 1], cuts[k]);
    }
}

struct Edge {
    LonLat a, b;
};

// What one block of edges adds up to.
struct Sums {
    std::vector<double> depth_m;
    std::vector<std::pair<std::size_t, double>> alone_m;  // reach, length
};

}  // namespace

LineDepth measure_depth(const std::vector<std::vector<LonLat>>& paths, const std::vector<Reach>& reaches, const EnvelopeGrid& grid) {
    LineDepth out;
    out.alone_m.assign(reaches.size(), 0.0);
    std::vector<Edge> edges;
    Extent line_extent;
    for (const auto& path : paths)
        for (std::size_t i = 1; i < path.size(); ++i) {
            edges.push_back({path[i - 1], path[i]});
            line_extent.expand(Extent{path[i].lon, path[i].lat, path[i].lon, path[i].lat, false});
            line_extent.expand(Extent{path[i - 1].lon, path[i - 1].lat, path[i - 1].lon, path[i - 1].lat, false});
        }
    if (edges.empty()) return out;

    // The rings of every reach near the line, read once.
    std::vector<std::size_t> near = grid.query(line_extent);
    std::sort(near.begin(), near.end());
    std::vector<std::vector<Ring>> rings(reaches.size());
    parallel_for(
        near.size(),
        [&](std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k)
                if (!reaches[near[k]].empty) rings[near[k]] = rings_of(reaches[near[k]].geometry);
        },
        {}, {}, 64);

    // Blocks of edges of a fixed size, summed on their own and then in order: the same sums on
    // any number of threads.
    constexpr std::size_t block = 256;
    std::vector<Sums> sums((edges.size() + block - 1) / block);
    parallel_for(
        edges.size(),
        [&](std::size_t begin, std::size_t end) {
            Sums& s = sums[begin / block];
            std::vector<double> cuts;
            std::vector<std::pair<double, double>> stretches;
            struct Event {
                double t;
                int step;  // +1 entering a reach, -1 leaving it
                std::size_t reach;
            };
            std::vector<Event> events;
            for (std::size_t e = begin; e < end; ++e) {
                const Edge& edge = edges[e];
                const Extent extent{std::min(edge.a.lon, edge.b.lon), std::min(edge.a.lat, edge.b.lat), std::max(edge.a.lon, edge.b.lon),
                                    std::max(edge.a.lat, edge.b.lat), false};
                events.clear();
                for (std::size_t r : grid.query(extent)) {
                    if (reaches[r].empty) continue;
                    stretches.clear();
                    inside_stretches(rings[r], edge.a, edge.b, extent, cuts, stretches);
                    for (const auto& [t0, t1] : stretches) {
                        events.push_back({t0, +1, r});
                        events.push_back({t1, -1, r});
                    }
                }
                if (events.empty()) continue;
                std::sort(events.begin(), events.end(), [](const Event& x, const Event& y) {
                    return x.t != y.t ? x.t < y.t : (x.step != y.step ? x.step < y.step : x.reach < y.reach);
                });
                const auto at = [&](double t) { return LonLat{edge.a.lon + t * (edge.b.lon - edge.a.lon), edge.a.lat + t * (edge.b.lat - edge.a.lat)}; };
                std::size_t depth = 0, reach_sum = 0;  // while depth is 1, reach_sum is the one reach
                double t_prev = 0;
                LonLat p_prev = edge.a;
                for (std::size_t k = 0; k < events.size();) {
                    const double t = events[k].t;
                    if (depth > 0 && t > t_prev) {
                        const LonLat p = t == 1.0 ? edge.b : at(t);
                        const double length_m = geodesic_inverse(p_prev, p).distance_m;
                        if (s.depth_m.size() < depth) s.depth_m.resize(depth, 0.0);
                        s.depth_m[depth - 1] += length_m;
                        if (depth == 1) s.alone_m.emplace_back(reach_sum, length_m);
                        p_prev = p;
                        t_prev = t;
                    } else if (depth == 0) {
                        p_prev = t == 0.0 ? edge.a : at(t);
                        t_prev = t;
                    }
                    for (; k < events.size() && events[k].t == t; ++k) {
                        if (events[k].step > 0) {
                            ++depth;
                            reach_sum += events[k].reach;
                        } else {
                            --depth;
                            reach_sum -= events[k].reach;
                        }
                    }
                }
            }
        },
        {}, {}, block);

    // Lengths at exactly n, summed block by block in order; then at least n.
    for (const Sums& s : sums) {
        if (out.depth_m.size() < s.depth_m.size()) out.depth_m.resize(s.depth_m.size(), 0.0);
        for (std::size_t n = 0; n < s.depth_m.size(); ++n) out.depth_m[n] += s.depth_m[n];
        for (const auto& [r, m] : s.alone_m) out.alone_m[r] += m;
    }
    for (std::size_t n = out.depth_m.size(); n-- > 1;) out.depth_m[n - 1] += out.depth_m[n];
    return out;
}

}  // namespace dza::coverage
