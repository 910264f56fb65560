#pragma once
#include "cli/command.hpp"

namespace dza::cli {

// dza info LAYER...: driver, CRS, geometry type, counts, extent, fields, geodesic length/area.
class InfoCommand : public Command {
public:
    const char* name() const override { return "info"; }
    const char* description() const override { return "Describe layers: driver, CRS, geometry, counts, extent, fields, geodesic length or area"; }
    void setup(CLI::App& app) override;
    void validate() override;
    ExitCode run(Io& io) override;

private:
    std::vector<std::string> layers_;
    std::vector<LayerRef> refs_;
    bool json_ = false;
};

}  // namespace dza::cli
