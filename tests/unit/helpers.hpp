#pragma once
// Small helpers shared by the unit tests: a scratch folder and file writing.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "dza/layer.hpp"

namespace dza::test {

class ScratchDir {
public:
    ScratchDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "dza-test-XXXXXX").string();
        path_ = mkdtemp(pattern.data());
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

inline std::string write_text(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
    return path;
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A FeatureCollection of the given features (each a JSON text).
inline std::string feature_collection(const std::string& features) {
    return R"({"type":"FeatureCollection","features":[)" + features + "]}";
}

}  // namespace dza::test
