#pragma once
// An index of envelopes on a regular lon/lat grid.
#include <algorithm>
#include <cmath>
#include <vector>

#include "coverage/common.hpp"

namespace dza::coverage {

class EnvelopeGrid {
public:
    // A grid over `bounds` with cells `cell_deg` wide; `extents` (indexed by the numbers
    // inserted) must outlive it.
    EnvelopeGrid(const std::vector<Extent>& extents, const Extent& bounds, double cell_deg) : extents_(extents), bounds_(bounds), cell_(cell_deg) {
        if (bounds_.empty) return;
        nx_ = static_cast<std::size_t>(std::ceil((bounds_.max_lon - bounds_.min_lon) / cell_)) + 1;
        ny_ = static_cast<std::size_t>(std::ceil((bounds_.max_lat - bounds_.min_lat) / cell_)) + 1;
        cells_.resize(nx_ * ny_);
    }

    void insert(std::size_t i) {
        if (extents_[i].empty || bounds_.empty) return;
        const Range r = range(extents_[i]);
        for (std::size_t y = r.y0; y <= r.y1; ++y)
            for (std::size_t x = r.x0; x <= r.x1; ++x) cells_[y * nx_ + x].push_back({i, r.x0, r.y0});
    }

    // Indices of the envelopes that overlap `e`, each once, in a deterministic order. An
    // envelope is reported only from the cell holding the lower-left corner of its overlap with
    // `e`, so no sorting is needed to drop duplicates.
    std::vector<std::size_t> query(const Extent& e) const {
        std::vector<std::size_t> out;
        if (bounds_.empty || !overlap(bounds_, e)) return out;
        const Range q = range(e);
        for (std::size_t y = q.y0; y <= q.y1; ++y)
            for (std::size_t x = q.x0; x <= q.x1; ++x)
                for (const Entry& entry : cells_[y * nx_ + x])
                    if (std::max(entry.x0, q.x0) == x && std::max(entry.y0, q.y0) == y && overlap(extents_[entry.index], e)) out.push_back(entry.index);
        return out;
    }

private:
    struct Entry {
        std::size_t index, x0, y0;  // the envelope and its lower-left cell
    };
    struct Range {
        std::size_t x0, x1, y0, y1;
    };
    Range range(const Extent& e) const {
        const auto cell = [&](double v, double origin, std::size_t n) {
            return static_cast<std::size_t>(std::clamp(std::floor((v - origin) / cell_), 0.0, static_cast<double>(n - 1)));
        };
        return {cell(e.min_lon, bounds_.min_lon, nx_), cell(e.max_lon, bounds_.min_lon, nx_), cell(e.min_lat, bounds_.min_lat, ny_),
                cell(e.max_lat, bounds_.min_lat, ny_)};
    }

    const std::vector<Extent>& extents_;
    Extent bounds_;
    double cell_;
    std::size_t nx_ = 0, ny_ = 0;
    std::vector<std::vector<Entry>> cells_;
};

// A grid's cells about the size of a typical envelope of `extents`, over all of them.
struct GridShape {
    Extent bounds;
    double cell_deg = 1.0;
};
GridShape grid_shape(const std::vector<Extent>& extents);

}  // namespace dza::coverage
