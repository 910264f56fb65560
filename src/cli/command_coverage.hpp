#pragma once
#include <map>
#include <optional>

#include "cli/command.hpp"
#include "cli/options.hpp"

namespace dza::cli {

// dza coverage [DEPLOYMENTS] [--regions R] [--line L] [--target T]... [--radius D | --radius-field F]
//              [--radius-by-role "ROLE=D,..."] [--gaps-within controlled|territory] [-o OUT] [--json]
// Area covered by the deployments' reach per region, in total and per target area; line
// coverage and its gaps; the uncovered part of the territory or the controlled side.
class CoverageCommand : public Command {
public:
    const char* name() const override { return "coverage"; }
    const char* description() const override {
        return "Coverage of regions, target areas and the line by the deployments' reach (geodesic circles and buffers), with redundancy and gaps";
    }
    void setup(CLI::App& app) override;
    void validate() override;
    ExitCode run(Io& io) override;

private:
    InputOptions inputs_;
    std::vector<std::string> targets_;
    SensorOptions sensors_;
    DistanceOption radius_;
    std::string radius_field_, radius_by_role_, role_field_ = "role", gaps_within_;
    DistanceOption tolerance_;
    std::string output_;
    bool json_ = false;
    std::string table_;
    int precision_ = 6;

    // Parsed by validate().
    std::map<std::string, double> radius_by_role_m_;
    double tolerance_m_ = 10;
    bool output_is_dataset_ = false;
};

}  // namespace dza::cli
