#pragma once
#include <optional>

#include "cli/command.hpp"
#include "cli/options.hpp"

namespace dza::cli {

// dza zones: where forces may be based, away from the line.
class ZonesCommand : public Command {
public:
    const char* name() const override { return "zones"; }
    const char* description() const override { return "Eligible basing zones: the controlled side minus a geodesic stand-off from the line"; }
    void setup(CLI::App& app) override;
    void validate() override;
    ExitCode run(Io& io) override;

private:
    InputOptions inputs_;
    std::string output_, band_output_;
    bool json_ = false;
    std::string table_;
    int precision_ = 6;
};

}  // namespace dza::cli
