#pragma once
#include <optional>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/options.hpp"
#include "dza/scenario.hpp"

namespace dza::cli {

// dza optimize [SCENARIO] (--candidates LAYER | --grid SPACING) (--sites N | --target-pct P)
//              [--system NAME | --radius D | --radius-field F] [--existing LAYER | --no-existing]
//              [--demand line=W,regions=W,...] [--objective cover|backup] [--min-separation D]
//              [--cell D] [--time-limit S] [-o DIR] [--json]
// Where the next deployments should go: the candidate sites that cover the most demand, with a
// proven bound and the plan's exact coverage.
class OptimizeCommand : public Command {
public:
    const char* name() const override { return "optimize"; }
    const char* description() const override {
        return "Propose sites: the candidates that, with the deployments already there, cover the most of the line, areas and points, with a proven bound";
    }
    void setup(CLI::App& app) override;
    void validate() override;
    ExitCode run(Io& io) override;

private:
    std::string scenario_positional_;
    InputOptions inputs_;
    SensorOptions sensors_;
    std::vector<std::string> targets_;
    std::string candidates_;
    DistanceOption grid_, radius_, min_separation_, cell_;
    std::optional<std::size_t> sites_;
    std::optional<double> target_pct_;
    std::string system_, radius_field_, demand_text_, objective_ = "cover", points_weight_field_, altitude_text_;
    bool no_existing_ = false, greedy_only_ = false, in_basing_areas_ = false;
    double time_limit_s_ = 60;
    double gap_pct_ = 0;
    std::string output_;
    bool json_ = false;
    int precision_ = 6;

    // Parsed by validate().
    std::vector<DemandTerm> demand_;
    std::optional<double> altitude_m_;
};

}  // namespace dza::cli
