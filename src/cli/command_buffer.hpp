#pragma once
#include <optional>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "dza/buffer.hpp"
#include "dza/sensor.hpp"

namespace dza::cli {

// dza buffer LAYER (--distance D | --distance-field F | --rings D1,D2,...) [--side left|right]
//            [--sector FROM,TO] [--min-distance D] [--dissolve] [--tolerance D] -o OUT
// Geodesic buffers of every feature, one output feature per source feature (per ring with
// --rings, inner to outer), or one in all (per ring) with --dissolve. Around points, --sector
// and --min-distance draw range fans and annuli (sensor_reach_geometry); around lines and
// polygons, --min-distance gives the ring between two buffers.
class BufferCommand : public Command {
public:
    const char* name() const override { return "buffer"; }
    const char* description() const override {
        return "Geodesic buffers on WGS84: a fixed distance, a distance per feature, or rings; one-sided for lines; range fans and annuli around "
               "points; dissolved on request";
    }
    void setup(CLI::App& app) override;
    void validate() override;
    ExitCode run(Io& io) override;

private:
    std::string layer_;
    LayerRef ref_;
    std::string distance_, distance_field_, rings_, side_, sector_;
    DistanceOption tolerance_, min_distance_;
    CLI::Option* distance_option_ = nullptr;
    CLI::Option* field_option_ = nullptr;
    CLI::Option* rings_option_ = nullptr;
    CLI::Option* sector_option_ = nullptr;
    bool dissolve_ = false;
    std::string output_;
    std::string table_;
    int precision_ = 6;

    // Parsed by validate().
    std::optional<double> distance_m_;
    std::vector<double> rings_m_;
    double tolerance_m_ = 10;
    BufferSide buffer_side_ = BufferSide::Both;
    std::optional<Sector> sector_parsed_;
    double min_distance_m_ = 0;
};

}  // namespace dza::cli
