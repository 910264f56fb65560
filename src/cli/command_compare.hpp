#pragma once
#include <string>

#include "cli/command.hpp"

namespace dza::cli {

// dza compare A B: what changed from plan A to plan B, two summary.json files of dza run.
class CompareCommand : public Command {
public:
    const char* name() const override { return "compare"; }
    const char* description() const override { return "Compare two plans: the parameters, headline figures, deployments and check results that changed between two summary.json"; }
    void setup(CLI::App& app) override;
    void validate() override;
    ExitCode run(Io& io) override;

private:
    std::string a_, b_;
    std::string output_;
    bool json_ = false;
};

}  // namespace dza::cli
