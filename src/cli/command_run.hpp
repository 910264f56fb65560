#pragma once
#include "cli/command.hpp"

namespace dza::cli {

// dza run [SCENARIO] [-o DIR]: the whole scenario in one command.
class RunCommand : public Command {
public:
    const char* name() const override { return "run"; }
    const char* description() const override { return "Run a scenario: every analysis, styled GeoJSON, a GeoPackage, summary.json and report.html"; }
    void setup(CLI::App& app) override;
    void validate() override;
    ExitCode run(Io& io) override;

private:
    std::string scenario_;  // "": the default scenario
    std::string output_ = "out";
    std::string database_, table_ = "dza";
    int precision_ = 6;
    bool kml_ = false;
};

}  // namespace dza::cli
