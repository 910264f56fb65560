#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "dza/error.hpp"
#include "gdal/gdal.hpp"
#include "helpers.hpp"
#include "temp_folder.hpp"

using namespace dza;
using dza::test::read_text;
using dza::test::ScratchDir;
namespace fs = std::filesystem;

namespace {
std::vector<std::string> dza_entries(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().rfind(".dza-", 0) == 0) out.push_back(e.path().filename().string());
    return out;
}
}  // namespace

TEST_CASE("write_file_atomic replaces a file whole and leaves nothing beside it", "[atomic]") {
    ScratchDir dir;
    const fs::path path = dir.file("a.txt");
    write_file_atomic(path, "first");
    write_file_atomic(path, std::string(1 << 20, 'x'));
    CHECK(read_text(path.string()) == std::string(1 << 20, 'x'));
    CHECK(dza_entries(dir.path()).empty());
}

TEST_CASE("a failed atomic write names the file, keeps the old one and removes its temporary folder", "[atomic]") {
    ScratchDir dir;
    const fs::path path = dir.file("a.txt");
    write_file_atomic(path, "first");
    fs::create_directory(dir.file("folder.txt"));
    CHECK_THROWS_WITH(write_file_atomic(dir.file("folder.txt"), "x"), Catch::Contains("folder.txt: cannot replace it: it is a folder"));
    CHECK_THROWS_WITH(write_file_atomic(dir.file("missing/a.txt"), "x"), Catch::Contains("missing/a.txt: cannot create a temporary folder"));
    CHECK_THROWS_WITH(write_file_checked(dir.path() / "missing" / "b.txt", "x", "b.txt"), "b.txt: cannot write: No such file or directory");
    CHECK(read_text(path.string()) == "first");
    CHECK(dza_entries(dir.path()).empty());
}

TEST_CASE("a temporary folder removes stale siblings whose lock nobody holds, never live ones", "[atomic]") {
    ScratchDir dir;
    // Stale: a folder with a lock file nobody holds (its process was killed).
    fs::create_directory(dir.file(".dza-run-stale1"));
    dza::test::write_text(dir.file(".dza-run-stale1/.dza-lock"), "");
    dza::test::write_text(dir.file(".dza-run-stale1/big.geojson"), "{}");
    fs::create_directory(dir.file(".dza-tmp-stale2"));
    dza::test::write_text(dir.file(".dza-tmp-stale2/.dza-lock"), "");
    // Live: another holder of the lock (another process, as far as flock can tell).
    fs::create_directory(dir.file(".dza-tmp-live"));
    dza::test::write_text(dir.file(".dza-tmp-live/.dza-lock"), "");
    const int held = ::open(dir.file(".dza-tmp-live/.dza-lock").c_str(), O_RDWR);
    REQUIRE(held >= 0);
    REQUIRE(::flock(held, LOCK_EX) == 0);
    // Not dza's, or without a lock file (being made right now): left alone.
    fs::create_directory(dir.file(".dza-tmp-nolock"));
    fs::create_directory(dir.file("keep"));
    {
        TempFolder live_in_process(dir.path(), ".dza-tmp-", "x");
        TempFolder fresh(dir.path(), ".dza-tmp-", "y");
        CHECK(fs::is_directory(live_in_process.path()));  // held by this process: not stale
        CHECK(fs::exists(fresh.path() / ".dza-lock"));
        CHECK_FALSE(fs::exists(dir.file(".dza-run-stale1")));
        CHECK_FALSE(fs::exists(dir.file(".dza-tmp-stale2")));
        CHECK(fs::exists(dir.file(".dza-tmp-live/.dza-lock")));
        CHECK(fs::exists(dir.file(".dza-tmp-nolock")));
        CHECK(fs::exists(dir.file("keep")));
    }
    ::close(held);
    std::vector<std::string> left = dza_entries(dir.path());
    std::sort(left.begin(), left.end());
    CHECK(left == std::vector<std::string>{".dza-tmp-live", ".dza-tmp-nolock"});
}

TEST_CASE("move_into_place moves files and refuses a folder in the way before moving any", "[atomic]") {
    ScratchDir dir;
    dza::test::write_text(dir.file("b.txt"), "old b");
    fs::create_directory(dir.file("c.txt"));
    TempFolder temp(dir.path(), ".dza-tmp-", "set");
    write_file_checked(temp.path() / "b.txt", "new b", "b");
    write_file_checked(temp.path() / "c.txt", "new c", "c");
    CHECK_THROWS_AS(temp.move_into_place({"b.txt", "c.txt"}, dir.path()), DataError);
    CHECK(read_text(dir.file("b.txt")) == "old b");
    temp.move_into_place({"b.txt"}, dir.path());
    CHECK(read_text(dir.file("b.txt")) == "new b");
}

TEST_CASE("GDAL and SQLite failures boil down to the system's reason, one short line", "[atomic]") {
    CHECK(gdal::system_reason("sqlite3_exec(COMMIT) failed: database or disk is full") == "No space left on device");
    CHECK(gdal::system_reason("Write error: No space left on device") == "No space left on device");
    CHECK(gdal::system_reason("sqlite3_exec(CREATE TABLE \"x\" (" + std::string(5000, 'a') + ")) failed: table x already exists") ==
          "table x already exists");
    const std::string long_message = gdal::system_reason(std::string(1000, 'e'));
    CHECK(long_message.size() <= 303);
    CHECK(long_message.substr(long_message.size() - 3) == "...");
    CHECK(gdal::system_reason("Unknown WKB type 16") == "Unknown WKB type 16");
}
