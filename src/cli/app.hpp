#pragma once
// The whole command line as a function, so tests can run it in-process.
#include <ostream>

namespace dza::cli {

// Parses argv, runs the chosen subcommand, prints errors as one line on `err`.
// Returns the exit code, an ExitCode (dza/error.hpp): 0 ok, 1 bad data or failed analysis, 2 bad usage.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err, bool err_is_terminal);

}  // namespace dza::cli
