#include "cli/command_merge.hpp"

#include <fmt/format.h>

#include "dza/sweep.hpp"

namespace dza::cli {

void MergeCommand::setup(CLI::App& app) {
    app.add_option("DIR", dirs_, "folders of the sweep's parts (dza sweep -o), one or more")->type_name("DIR")->required();
    app.add_option("-o,--output", output_, "folder for sweep.csv and sweep.json (created if missing)")->type_name("RESULT_DIR")->required();
    app.add_flag("--allow-missing", allow_missing_, "list the variants no part has run as missing instead of failing");
}

ExitCode MergeCommand::run(Io& io) {
    MergeOptions options;
    for (const auto& d : dirs_) options.sweep_dirs.emplace_back(d);
    options.output_dir = output_;
    options.allow_missing = allow_missing_;
    const MergeOutcome outcome = merge_sweeps(options);
    io.out << fmt::format("{} variants: {} complete, {} failed, {} missing; {}/sweep.csv and {}/sweep.json\n", outcome.variants, outcome.complete,
                          outcome.failed, outcome.missing, output_, output_);
    return ExitCode::Ok;
}

}  // namespace dza::cli
