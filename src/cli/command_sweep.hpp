#pragma once
#include "cli/command.hpp"

namespace dza::cli {

// dza sweep [SCENARIO] --vary KEY=VALUES... | --variants FILE [--shard I/N] [--jobs N] -o DIR:
// variants of a scenario, each run as dza run would, into DIR/<variant id>/.
class SweepCommand : public Command {
public:
    const char* name() const override { return "sweep"; }
    const char* description() const override { return "Run variants of a scenario (ranges, lists or a CSV of keys), resumable and shardable, into one folder each"; }
    void setup(CLI::App& app) override;
    void validate() override;
    ExitCode run(Io& io) override;

private:
    std::string scenario_;  // "": the default scenario
    std::vector<std::string> vary_;
    std::vector<std::pair<std::string, std::string>> parsed_vary_;
    std::string variants_;
    std::string shard_text_ = "1/1";
    unsigned jobs_ = 0;
    std::string output_;
    int precision_ = 6;
    bool dry_run_ = false;
};

}  // namespace dza::cli
