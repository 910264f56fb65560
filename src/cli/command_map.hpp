#pragma once
#include <optional>

#include "cli/command.hpp"
#include "cli/options.hpp"

namespace dza::cli {

// dza map: the scenario drawn as a map (PNG, SVG or PDF), for slides and print.
class MapCommand : public Command {
public:
    const char* name() const override { return "map"; }
    const char* description() const override { return "Draw the scenario as a map: PNG, SVG or PDF, with legend, scale bar and graticule"; }
    void setup(CLI::App& app) override;
    void validate() override;
    ExitCode run(Io& io) override;

private:
    InputOptions inputs_;
    std::string output_, title_, altitude_text_;
    std::optional<double> altitude_m_;
    int width_px_ = 1200, height_px_ = 900, dpi_ = 96;
};

}  // namespace dza::cli
