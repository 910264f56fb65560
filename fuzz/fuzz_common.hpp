#pragma once
// What every fuzz target shares: dza's own errors are answers, anything else aborts, which
// libFuzzer reports as a finding with the input that caused it.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <system_error>
#include <typeinfo>

#include "dza/error.hpp"

namespace dza::fuzz {

template <typename Fn>
void expect_dza_errors_only(Fn&& fn) {
    try {
        fn();
    } catch (const dza::DataError&) {
        // The one-line answers a user would see (exit 1 and 2).
    } catch (const dza::UsageError&) {
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz: unexpected exception (%s): %s\n", typeid(e).name(), e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "fuzz: unexpected exception of unknown type\n");
        std::abort();
    }
}

// A folder of this process's own, removed at exit (left behind only when the process crashes).
class PrivateFolder {
public:
    PrivateFolder() {
        std::string pattern = (std::filesystem::temp_directory_path() / "dza-fuzz-XXXXXX").string();
        if (!mkdtemp(pattern.data())) {
            std::perror("fuzz: mkdtemp");
            std::abort();
        }
        path_ = pattern;
    }
    ~PrivateFolder() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    PrivateFolder(const PrivateFolder&) = delete;
    PrivateFolder& operator=(const PrivateFolder&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace dza::fuzz
