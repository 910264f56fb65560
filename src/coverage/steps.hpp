#pragma once
// The steps of compute_coverage (src/coverage.cpp), in order: the reaches (reaches.cpp), the
// circles inside another and the union (union.cpp), the redundancy (redundancy.cpp), and the
// figures per region, target and territory (figures.cpp) with the line's coverage (line.cpp).
#include <cstddef>
#include <string>
#include <vector>

#include "coverage/envelope_grid.hpp"
#include "coverage/reach.hpp"
#include "dza/coverage.hpp"
#include "dza/layer.hpp"

namespace dza::coverage {

// 1. A reach for each deployment with a geometry (one without is left out with a warning), then
// their geometries, built in parallel: a geodesic circle around a point whose reach is a disc
// the horizon does not cut, the sensor's reach (sensor_reach_geometry) around any other point,
// else the geodesic buffer. Each reach's extent is set and its geometry readied for sharing.
std::vector<Reach> reaches_of(const Layer& deployments, const std::vector<SensorReach>& sensors, double tolerance_m, const Callbacks& callbacks);
void build_geometries(std::vector<Reach>& reaches, const Layer& deployments, double tolerance_m, const HorizonModel& horizon,
                      const std::function<const Geometry*(std::size_t)>& terrain_mask);

// 2. Circles inside another circle leave the union (in_union = false); the reaches that stay
// are inserted into `kept`. Returns, for each reach, the circles found inside it; counts them
// in `contained`.
std::vector<std::vector<std::size_t>> set_aside_contained(std::vector<Reach>& reaches, EnvelopeGrid& kept, std::size_t& contained);

// 3. The union of the reaches that stay in it.
Geometry union_of_reaches(const std::vector<Reach>& reaches);

// 4. The area within two or more reaches. `exclusive` receives, per reach, what it alone covers
// (null where nothing: a circle inside another, or a reach wholly overlapped).
Geometry redundancy_of(const std::vector<Reach>& reaches, const EnvelopeGrid& kept, const std::vector<std::vector<std::size_t>>& inside_of,
                       const Geometry& coverage, std::vector<Geometry>& exclusive);

// The area (km²) of each reach's exclusive part within the territory; 0 where it has none.
std::vector<double> exclusive_areas_km2(const std::vector<Geometry>& exclusive, const Geometry& territory);

// The territory and the gaps' area from CoverageOptions::areas: asked for once, on whichever
// thread; what it warns is held, and so is what the coverage warns meanwhile, until passed on
// in that order (the order of a run that made the areas first).
class AreasSource {
public:
    explicit AreasSource(const CoverageOptions& options) : options_(options) {}

    // The coverage's own warning: held until the areas' are passed on.
    void warning(const std::string& message) {
        if (passed_on_) options_.callbacks.warning(message);
        else held_.push_back(message);
    }
    const CoverageAreas& ask() {
        asked_ = true;
        Callbacks callbacks;
        callbacks.warn = [this](const std::string& message) { warnings_.push_back(message); };
        try {
            areas_ = options_.areas(callbacks);
        } catch (...) {
            failed_ = true;
            throw;
        }
        return areas_;
    }
    bool asked() const { return asked_; }
    bool failed() const { return failed_; }
    const CoverageAreas& areas() const { return areas_; }
    // The areas' warnings, then (with `held`) the coverage's; later warnings go straight on.
    void pass_on(bool held) {
        for (const std::string& w : warnings_) options_.callbacks.warning(w);
        if (held)
            for (const std::string& w : held_) options_.callbacks.warning(w);
        warnings_.clear();
        held_.clear();
        passed_on_ = true;
    }

private:
    const CoverageOptions& options_;
    CoverageAreas areas_;
    std::vector<std::string> warnings_, held_;
    bool asked_ = false, failed_ = false, passed_on_ = false;
};

// 5. The figures per region and per target, for the territory, the line's coverage and the gaps,
// into `result` (whose coverage and redundancy are set). With a `source`, the territory and the
// gaps' area come from it, asked for beside the regions' figures.
void measure_figures(CoverageResult& result, const Layer& regions, const std::vector<std::size_t>& region_idx, const Layer* line,
                     const std::vector<const Layer*>& targets, const std::vector<std::vector<std::size_t>>& target_idx,
                     const CoverageOptions& options, const std::vector<Reach>& reaches, const EnvelopeGrid& grid, AreasSource* source,
                     const std::vector<Geometry>& exclusive, std::vector<double>& exclusive_km2);

// The coverage of one line layer: lengths, and the uncovered stretches in order along each feature.
LineCoverage measure_line(const Layer& line, const Geometry& coverage);

// Each part of each line feature, in order, densified along its geodesics as measure_line cuts it.
std::vector<std::vector<LonLat>> line_paths(const Layer& line);

// 6. How deeply the line is covered (depth.cpp): depth_m[n - 1] is the length within at least n
// reaches; alone_m[i] the length within reach i and no other. `grid` indexes every reach.
struct LineDepth {
    std::vector<double> depth_m;
    std::vector<double> alone_m;  // per reach
};
LineDepth measure_depth(const std::vector<std::vector<LonLat>>& paths, const std::vector<Reach>& reaches, const EnvelopeGrid& grid);

}  // namespace dza::coverage
