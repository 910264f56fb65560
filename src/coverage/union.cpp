// Steps 2 and 3 of the coverage: circles inside another set aside, then the union.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "coverage/steps.hpp"
#include "geos/geos.hpp"
#include "parallel.hpp"

namespace dza::coverage {

namespace {

using geos::clone;
using geos::polygonal;

// The reaches `members` in up to 8 blocks of neighbours, for uniting block by block: each block
// is halved at the median of its envelopes' centres across its longer side, three times over;
// blocks stay whole below 256 reaches.
std::vector<std::vector<std::size_t>> neighbour_blocks(const std::vector<Reach>& reaches, std::vector<std::size_t> members) {
    constexpr std::size_t min_block = 256;
    std::vector<std::vector<std::size_t>> blocks{std::move(members)};
    for (int level = 0; level < 3; ++level) {
        std::vector<std::vector<std::size_t>> next;
        for (auto& block : blocks) {
            if (block.size() < 2 * min_block) {
                next.push_back(std::move(block));
                continue;
            }
            Extent e;
            for (std::size_t i : block) e.expand(reaches[i].extent);
            const bool by_lon = (e.max_lon - e.min_lon) * std::cos(0.5 * (e.min_lat + e.max_lat) * degree) >= e.max_lat - e.min_lat;
            const auto key = [&](std::size_t i) {
                const LonLat c = centre_of(reaches[i].extent);
                return std::make_pair(by_lon ? c.lon : c.lat, i);
            };
            const auto middle = block.begin() + static_cast<std::ptrdiff_t>(block.size() / 2);
            std::nth_element(block.begin(), middle, block.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
            next.emplace_back(block.begin(), middle);
            next.emplace_back(middle, block.end());
        }
        blocks = std::move(next);
    }
    for (auto& block : blocks) std::sort(block.begin(), block.end());  // each in the layer's order
    return blocks;
}

}  // namespace

std::vector<std::vector<std::size_t>> set_aside_contained(std::vector<Reach>& reaches, EnvelopeGrid& kept, std::size_t& contained) {
    // 2. A point's reach inside the disc another point's reach holds adds nothing to the union.
    // Largest first, so a container is always one that stays in the union; those are indexed on
    // their own as they are found.
    std::vector<std::vector<std::size_t>> inside_of(reaches.size());  // circles found inside each reach
    std::vector<std::size_t> by_size(reaches.size());
    std::iota(by_size.begin(), by_size.end(), 0);
    std::stable_sort(by_size.begin(), by_size.end(), [&](std::size_t a, std::size_t b) { return reaches[a].outer_m > reaches[b].outer_m; });
    for (std::size_t i : by_size) {
        Reach& r = reaches[i];
        if (r.empty) {
            r.in_union = false;
            continue;
        }
        if (r.at_site) {
            const Extent at_centre{r.centre.lon, r.centre.lat, r.centre.lon, r.centre.lat, false};
            for (std::size_t j : kept.query(at_centre)) {
                const Reach& big = reaches[j];
                if (!big.at_site || big.inner_m <= r.outer_m || !contains(big.extent, r.extent)) continue;
                const double margin = 2 * big.max_error_m + r.max_error_m + 1e-3;
                if (rough_distance_m(r.centre, big.centre) > 1.1 * (big.inner_m - r.outer_m) + 10000.0) continue;  // only saves time
                if (geodesic_inverse(r.centre, big.centre).distance_m + r.outer_m + margin <= big.inner_m) {
                    r.in_union = false;
                    inside_of[j].push_back(i);
                    ++contained;
                    break;
                }
            }
        }
        if (r.in_union) kept.insert(i);
    }
    return inside_of;
}

// 3. The union: the reaches in blocks of neighbours, each block united on its own and in
// parallel, then the blocks' unions united. The blocks depend on the reaches only, never on
// the number of threads, so neither does the result.
Geometry union_of_reaches(const std::vector<Reach>& reaches) {
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < reaches.size(); ++i)
        if (reaches[i].in_union) members.push_back(i);
    const std::vector<std::vector<std::size_t>> blocks = neighbour_blocks(reaches, members);
    std::vector<Geometry> block_unions(blocks.size());
    parallel_for(
        blocks.size(),
        [&](std::size_t begin, std::size_t end) {
            for (std::size_t b = begin; b < end; ++b) {
                std::vector<Geometry> parts;
                for (std::size_t i : blocks[b]) parts.push_back(clone(reaches[i].geometry.get()));
                block_unions[b] = geos::unite(std::move(parts), "uniting reaches");
            }
        },
        {}, {}, 1);
    return polygonal(block_unions.size() == 1 ? std::move(block_unions.front()) : geos::unite(std::move(block_unions), "uniting reaches"));
}

}  // namespace dza::coverage
