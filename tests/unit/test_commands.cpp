// Every registered command answers --help: exit 0, its usage line on stdout, nothing on stderr.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "cli/app.hpp"
#include "cli/command.hpp"

TEST_CASE("each command's --help", "[cli]") {
    REQUIRE(dza::cli::registry().size() >= 9);
    for (const auto& factory : dza::cli::registry()) {
        const std::string name = factory()->name();
        INFO(name);
        const std::vector<const char*> argv = {"dza", name.c_str(), "--help"};
        std::ostringstream out, err;
        const int code = dza::cli::run(static_cast<int>(argv.size()), argv.data(), out, err, false);
        CHECK(code == 0);
        CHECK(err.str().empty());
        CHECK(out.str().find("dza " + name) != std::string::npos);
    }
}
