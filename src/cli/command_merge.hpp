#pragma once
#include "cli/command.hpp"

namespace dza::cli {

// dza merge DIR... -o RESULT_DIR: the parts of a sweep as one table, sweep.csv and sweep.json.
class MergeCommand : public Command {
public:
    const char* name() const override { return "merge"; }
    const char* description() const override { return "Combine the parts of a sweep into one table (sweep.csv, sweep.json), the same whatever the number of parts"; }
    void setup(CLI::App& app) override;
    ExitCode run(Io& io) override;

private:
    std::vector<std::string> dirs_;
    std::string output_;
    bool allow_missing_ = false;
};

}  // namespace dza::cli
