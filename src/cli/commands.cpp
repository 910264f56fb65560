// The list of subcommands: adding one means its two files and one line here.
#include "cli/command.hpp"
#include "cli/command_buffer.hpp"
#include "cli/command_check.hpp"
#include "cli/command_compare.hpp"
#include "cli/command_convert.hpp"
#include "cli/command_coverage.hpp"
#include "cli/command_distance.hpp"
#include "cli/command_info.hpp"
#include "cli/command_map.hpp"
#include "cli/command_merge.hpp"
#include "cli/command_optimize.hpp"
#include "cli/command_run.hpp"
#include "cli/command_sweep.hpp"
#include "cli/command_zones.hpp"

namespace dza::cli {

namespace {
template <typename T>
std::unique_ptr<Command> make() {
    return std::make_unique<T>();
}
}  // namespace

const std::vector<CommandFactory>& registry() {
    static const std::vector<CommandFactory> commands = {
        &make<InfoCommand>,
        &make<ConvertCommand>,
        &make<DistanceCommand>,
        &make<ZonesCommand>,
        &make<CoverageCommand>,
        &make<CheckCommand>,
        &make<OptimizeCommand>,
        &make<RunCommand>,
        &make<SweepCommand>,
        &make<MergeCommand>,
        &make<MapCommand>,
        &make<BufferCommand>,
        &make<CompareCommand>,
    };
    return commands;
}

}  // namespace dza::cli
