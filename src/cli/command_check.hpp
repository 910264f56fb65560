#pragma once
#include <optional>

#include "cli/command.hpp"
#include "cli/options.hpp"

namespace dza::cli {

// dza check: validate a deployment plan; exit 1 when any deployment violates a constraint.
class CheckCommand : public Command {
public:
    const char* name() const override { return "check"; }
    const char* description() const override { return "Check a plan: territory, controlled side, stand-off, basing areas, allowed regions (exit 1 on a violation)"; }
    void setup(CLI::App& app) override;
    void validate() override;
    ExitCode run(Io& io) override;

private:
    InputOptions inputs_;
    bool json_ = false;
};

}  // namespace dza::cli
