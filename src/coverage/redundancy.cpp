// Step 4 of the coverage: the area within two or more reaches.
#include <algorithm>
#include <utility>

#include "coverage/steps.hpp"
#include "geos/geos.hpp"
#include "parallel.hpp"

namespace dza::coverage {

namespace {
using geos::clone;
using geos::difference;
using geos::extent_of;
using geos::is_empty;
using geos::own;
using geos::polygonal;
}  // namespace

// 4. What each reach alone covers: the reach minus every other reach it meets, deepest
// first, until nothing is left. These pieces are disjoint; their union is the area covered
// exactly once. Of the circles left out of the union, only those found inside this reach
// need subtracting: any other lies inside another reach of the union, subtracted anyway.
Geometry redundancy_of(const std::vector<Reach>& reaches, const EnvelopeGrid& kept, const std::vector<std::vector<std::size_t>>& inside_of,
                       const Geometry& coverage, std::vector<Geometry>& exclusive) {
    exclusive.clear();
    exclusive.resize(reaches.size());
    parallel_for(
        reaches.size(),
        [&](std::size_t begin, std::size_t end) {
            GEOSContextHandle_t th = geos::ctx();
            for (std::size_t j = begin; j < end; ++j) {
                const Reach& r = reaches[j];
                if (!r.in_union) continue;  // contained in another circle: covered twice throughout
                const LonLat centre = r.at_site ? r.centre : centre_of(r.extent);
                std::vector<std::size_t> candidates = kept.query(r.extent);
                candidates.insert(candidates.end(), inside_of[j].begin(), inside_of[j].end());
                std::vector<std::pair<double, std::size_t>> others;
                for (std::size_t k : candidates) {
                    if (k == j) continue;
                    const Reach& o = reaches[k];
                    const double apart_m = rough_distance_m(centre, o.at_site ? o.centre : centre_of(o.extent));
                    if (clearly_apart(r, o, apart_m)) continue;
                    others.emplace_back(apart_m - o.outer_m, k);  // the deepest first
                }
                Geometry rest = clone(r.geometry.get());
                std::size_t done = 0;
                while (done < others.size() && !is_empty(rest.get())) {
                    // The next batch of the deepest, sorted.
                    const std::size_t batch = std::min<std::size_t>(others.size() - done, 32);
                    std::partial_sort(others.begin() + static_cast<std::ptrdiff_t>(done), others.begin() + static_cast<std::ptrdiff_t>(done + batch), others.end());
                    for (std::size_t b = done; b < done + batch && !is_empty(rest.get()); ++b) {
                        const Reach& o = reaches[others[b].second];
                        if (!overlap(extent_of(rest.get()), o.extent)) continue;
                        Geometry other = clone(o.geometry.get());
                        rest = own(GEOSDifference_r(th, rest.get(), other.get()), "subtracting reaches");
                    }
                    done += batch;
                }
                if (!is_empty(rest.get())) exclusive[j] = polygonal(std::move(rest));
            }
        },
        {}, {}, 8);
    std::vector<Geometry> parts;
    for (const auto& e : exclusive)
        if (e && !is_empty(e.get())) parts.push_back(clone(e.get()));
    const Geometry once = geos::unite(std::move(parts), "uniting reaches");
    return polygonal(difference(coverage.get(), once.get(), "subtracting the coverage"), debris_area_m2);
}

// Each exclusive part within the territory: a prepared territory tells, on this thread, which
// lie wholly inside or outside it; the others are intersected in parallel.
std::vector<double> exclusive_areas_km2(const std::vector<Geometry>& exclusive, const Geometry& territory) {
    std::vector<double> out(exclusive.size(), 0.0);
    std::vector<std::size_t> across;
    {
        GEOSContextHandle_t h = geos::ctx();
        const geos::PreparedPtr prepared(geos::check(GEOSPrepare_r(h, territory.get()), "preparing the territory"));
        const Extent territory_extent = extent_of(territory.get());
        for (std::size_t j = 0; j < exclusive.size(); ++j) {
            const Geometry& e = exclusive[j];
            if (!e || is_empty(e.get()) || !overlap(territory_extent, e.extent()) || GEOSPreparedIntersects_r(h, prepared.get(), e.get()) != 1) continue;
            if (GEOSPreparedContainsProperly_r(h, prepared.get(), e.get()) == 1) out[j] = area_m2(e) / 1e6;
            else across.push_back(j);
        }
    }
    for (std::size_t j : across) geos::share_between_threads(exclusive[j].get());
    parallel_for(
        across.size(),
        [&](std::size_t begin, std::size_t end) {
            for (std::size_t k = begin; k < end; ++k) {
                const std::size_t j = across[k];
                out[j] = area_m2(geos::intersection(exclusive[j].get(), territory.get(), "intersecting with the territory")) / 1e6;
            }
        },
        {}, {}, 4);
    return out;
}

}  // namespace dza::coverage
