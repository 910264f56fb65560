#include "cli/app.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/tree.hpp"
#include "dza/error.hpp"
#include "dza/secrets.hpp"
#include "dza/version.hpp"

namespace dza::cli {

namespace {
// CLI11 messages end with a newline and sometimes carry several lines; keep the first.
std::string first_line(const std::string& s) {
    const auto nl = s.find('\n');
    return nl == std::string::npos ? s : s.substr(0, nl);
}

// The first argument that is neither a global option nor its value: the command's place.
std::string command_word(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--assume-crs") {
            ++i;  // its value
            continue;
        }
        if (arg.empty() || arg.front() != '-') return arg;
    }
    return "";
}

constexpr int usage = exit_status(ExitCode::Usage);
}  // namespace

CommandTree make_command_tree(Io& io) {
    CommandTree tree;
    tree.app = std::make_unique<CLI::App>("dza: geodesic deployment-zone analysis (distances, buffers, eligible zones, coverage) on the WGS84 ellipsoid", "dza");
    CLI::App& app = *tree.app;
    app.set_version_flag("--version", std::string("dza ") + dza::version);
    app.require_subcommand(0, 1);
    app.footer("Run 'dza COMMAND --help' for a command's options. Exit codes: 0 ok, 1 bad data or failed analysis, 2 bad usage.");

    app.add_flag("-q,--quiet", io.quiet, "no progress bar");
    tree.assume_crs = app.add_option("--assume-crs", io.assume_crs, "CRS of sources that declare none")->type_name("CRS")->default_str("EPSG:4326");

    for (auto factory : registry()) {
        tree.commands.push_back(factory());
        Command& command = *tree.commands.back();
        CLI::App* sub = app.add_subcommand(command.name(), command.description());
        sub->fallthrough();  // global options may follow the command name
        command.setup(*sub);
        tree.subcommands.emplace_back(sub, &command);
    }
    return tree;
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err, bool err_is_terminal) {
    // Every password on the command line is known before anything can echo it.
    for (int i = 1; i < argc; ++i) remember_secrets(argv[i]);

    Io io{out, err, err_is_terminal};
    CommandTree tree = make_command_tree(io);
    CLI::App& app = *tree.app;
    const CLI::Option* assume_crs = tree.assume_crs;
    const auto& commands = tree.commands;
    const auto& subcommands = tree.subcommands;

    Command* chosen = nullptr;
    try {
        app.parse(argc, argv);
        io.assume_crs_given = assume_crs->count() > 0;
        for (auto& [sub, command] : subcommands)
            if (sub->parsed()) chosen = command;
        if (!chosen) {
            err << app.help();
            return usage;
        }
        chosen->validate();
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e, out, err);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e, out, err);
    } catch (const CLI::ParseError& e) {
        std::string where = "dza";
        for (auto& [sub, command] : subcommands)
            if (sub->parsed()) where += std::string(" ") + command->name();
        // A word where the command belongs that names none: a mistyped command.
        if (where == "dza") {
            std::vector<std::string> names;
            for (const auto& command : commands) names.push_back(command->name());
            const std::string word = command_word(argc, argv);
            if (!word.empty() && std::find(names.begin(), names.end(), word) == names.end()) {
                const std::string guess = closest_match(word, names);
                err << "dza: unknown command \"" << scrub_secrets(cut_short(word)) << '"'
                    << (guess.empty() ? "; see 'dza --help' for the commands" : "; did you mean \"" + guess + "\"?") << '\n';
                return usage;
            }
        }
        err << "dza: " << scrub_secrets(first_line(e.what())) << "; see '" << where << " --help'\n";
        return usage;
    } catch (const dza::Error& e) {
        err << "dza: " << scrub_secrets(e.what()) << '\n';
        return usage;
    }

    try {
        return exit_status(chosen->run(io));
    } catch (const dza::Error& e) {
        err << "dza: " << scrub_secrets(e.what()) << '\n';
        return exit_status(e.exit_code());
    } catch (const std::bad_alloc&) {
        err << "dza: out of memory; try a smaller input or fewer features\n";
        return exit_status(ExitCode::Data);
    } catch (const std::exception& e) {
        err << "dza: internal error: " << scrub_secrets(e.what()) << '\n';
        return exit_status(ExitCode::Data);
    }
}

}  // namespace dza::cli
