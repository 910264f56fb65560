// dza: the executable is a thin shell over dza::cli::run, which tests call in-process.
#include <unistd.h>

#include <iostream>

#include "cli/app.hpp"

int main(int argc, char** argv) {
    std::ios::sync_with_stdio(false);
    const int code = dza::cli::run(argc, argv, std::cout, std::cerr, isatty(STDERR_FILENO) == 1);
    std::cout.flush();
    return code;
}
