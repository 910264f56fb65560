#pragma once
#include <optional>

#include "cli/command.hpp"
#include "cli/options.hpp"

namespace dza::cli {

// dza distance [FROM] [TO]: geodesic distance from every feature to the nearest target feature.
class DistanceCommand : public Command {
public:
    const char* name() const override { return "distance"; }
    const char* description() const override { return "Geodesic distance from each feature to the nearest target (default: deployments to the line)"; }
    void setup(CLI::App& app) override;
    void validate() override;
    ExitCode run(Io& io) override;

private:
    InputOptions inputs_;
    DistanceOption within_;
    std::string output_, speed_text_, speed_field_;
    bool matrix_ = false, json_ = false, csv_ = false;
    std::string table_;
    int precision_ = 6;
    std::optional<double> speed_kmh_;
};

}  // namespace dza::cli
