#pragma once
// One class per subcommand (command_<name>.{hpp,cpp}), all listed in commands.cpp.
// setup() declares options with their units and defaults; validate() checks parsed values
// without touching files; run() does the work through the library.
#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "dza/callbacks.hpp"
#include "dza/error.hpp"
#include "dza/layer.hpp"
#include "dza/scenario.hpp"

namespace dza::cli {

// Where a command's output goes: stdout carries data only, stderr messages and progress.
struct Io {
    std::ostream& out;
    std::ostream& err;
    bool err_is_terminal = false;
    bool quiet = false;
    std::string assume_crs = "EPSG:4326";
    bool assume_crs_given = false;  // --assume-crs on the command line: no warning when it is used

    // Warnings on stderr; a progress bar only on a terminal and when not quiet.
    Callbacks callbacks() const;
    LoadOptions load_options() const;
};

class Command {
public:
    virtual ~Command() = default;
    virtual const char* name() const = 0;
    virtual const char* description() const = 0;
    virtual void setup(CLI::App& app) = 0;
    virtual void validate() {}
    virtual ExitCode run(Io& io) = 0;
};

using CommandFactory = std::unique_ptr<Command> (*)();

// Every subcommand, in the order help lists them.
const std::vector<CommandFactory>& registry();

// Shared option declarations, so every command spells them the same way.
// -o/--output (a file, - for stdout, or PG:... for PostGIS) together with --table.
void add_output_option(CLI::App& app, std::string& output, std::string& table, const char* what, bool required);
void add_table_option(CLI::App& app, std::string& table);
void add_precision_option(CLI::App& app, int& precision);

}  // namespace dza::cli
