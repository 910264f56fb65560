#pragma once
#include <optional>

#include "cli/command.hpp"

namespace dza::cli {

// dza check: validate a deployment plan; exit 1 when any deployment violates a constraint.
class CheckCommand : public Command {
public:
    const char* name() const override { return "check"; }
    const char* description() const override { return "Check a plan: territory, controlled side, stand-off, basing areas, allowed regions (exit 1 on a violation)"; }
    void setup(CLI::App& app) override;
    void validate() override;
    int run(Io& io) override;

private:
    std::string deployments_, regions_, line_, basing_areas_, maritime_zone_, allowed_text_, standoff_text_, keep_;
    std::string scenario_ = "data/scenario.yaml";
    std::optional<double> standoff_m_;
    std::vector<std::string> allowed_;
    ControlledSide keep_side_;
    bool json_ = false;
};

}  // namespace dza::cli
