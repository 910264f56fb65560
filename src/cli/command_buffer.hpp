#pragma once
#include <optional>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "dza/buffer.hpp"

namespace dza::cli {

// dza buffer LAYER (--distance D | --distance-field F | --rings D1,D2,...) [--side left|right]
//            [--dissolve] [--tolerance D] -o OUT
// Geodesic buffers of every feature, one output feature per source feature (per ring with
// --rings, inner to outer), or one in all (per ring) with --dissolve.
class BufferCommand : public Command {
public:
    const char* name() const override { return "buffer"; }
    const char* description() const override {
        return "Geodesic buffers on WGS84: a fixed distance, a distance per feature, or rings; one-sided for lines; dissolved on request";
    }
    void setup(CLI::App& app) override;
    void validate() override;
    ExitCode run(Io& io) override;

private:
    std::string layer_;
    LayerRef ref_;
    std::string distance_, distance_field_, rings_, side_;
    DistanceOption tolerance_;
    CLI::Option* distance_option_ = nullptr;
    CLI::Option* field_option_ = nullptr;
    CLI::Option* rings_option_ = nullptr;
    bool dissolve_ = false;
    std::string output_;
    std::string table_;
    int precision_ = 6;

    // Parsed by validate().
    std::optional<double> distance_m_;
    std::vector<double> rings_m_;
    double tolerance_m_ = 10;
    BufferSide buffer_side_ = BufferSide::Both;
};

}  // namespace dza::cli
