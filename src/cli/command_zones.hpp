#pragma once
#include <optional>

#include "cli/command.hpp"

namespace dza::cli {

// dza zones: where forces may be based, away from the line.
class ZonesCommand : public Command {
public:
    const char* name() const override { return "zones"; }
    const char* description() const override { return "Eligible basing zones: the controlled side minus a geodesic stand-off from the line"; }
    void setup(CLI::App& app) override;
    void validate() override;
    int run(Io& io) override;

private:
    std::string regions_, line_, occupied_, basing_areas_, keep_, only_regions_text_, standoff_text_, output_, band_output_;
    std::string scenario_ = "data/scenario.yaml";
    std::optional<double> west_of_;
    std::optional<double> standoff_m_;
    std::vector<std::string> only_regions_;
    ControlledSide keep_side_;
    bool json_ = false;
    std::string table_;
    int precision_ = 6;
};

}  // namespace dza::cli
