#pragma once
// dza's command line as declarations: the top-level App with its global options and every command
// of registry() set up, exactly as run() parses with. The man pages and the shell completion are
// generated from this tree (src/cli/docs_main.cpp), so they cannot drift from the parser.
#include <CLI/CLI.hpp>

#include <memory>
#include <utility>
#include <vector>

#include "cli/command.hpp"

namespace dza::cli {

struct CommandTree {
    std::unique_ptr<CLI::App> app;
    std::vector<std::unique_ptr<Command>> commands;  // the subcommands' options write into these
    std::vector<std::pair<CLI::App*, Command*>> subcommands;
    const CLI::Option* assume_crs = nullptr;
};

// The global options (--quiet, --assume-crs) write into `io`, which must outlive the tree.
CommandTree make_command_tree(Io& io);

}  // namespace dza::cli
