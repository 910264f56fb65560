#pragma once
// A private folder for results that are moved into place only when complete.
#include <fmt/format.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "dza/error.hpp"

namespace dza {

// Made inside `parent` as `<prefix>XXXXXX`; removed with whatever is still in it when destroyed.
class TempFolder {
public:
    TempFolder(const std::filesystem::path& parent, const std::string& prefix) {
        std::string pattern = (parent / (prefix + "XXXXXX")).string();
        if (!mkdtemp(pattern.data()))
            throw UsageError(fmt::format("{}: cannot create a temporary folder there ({})", parent.string(), std::strerror(errno)));
        path_ = pattern;
    }
    ~TempFolder() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace dza
