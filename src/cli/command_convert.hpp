#pragma once
#include "cli/command.hpp"

namespace dza::cli {

// dza convert LAYER -o OUT: a layer as dza reads it (WGS84 lon/lat, repaired geometries),
// written as RFC 7946 GeoJSON or any format the output's extension names.
class ConvertCommand : public Command {
public:
    const char* name() const override { return "convert"; }
    const char* description() const override { return "Write a layer as dza reads it (WGS84, repaired) to GeoJSON or another format"; }
    void setup(CLI::App& app) override;
    void validate() override;
    ExitCode run(Io& io) override;

private:
    std::string layer_;
    LayerRef ref_;
    std::string output_;
    std::string table_;
    int precision_ = 6;
};

}  // namespace dza::cli
