#pragma once
// Small helpers shared by the unit tests: a scratch folder, file writing, an environment variable
// set for one test.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>

#include "dza/layer.hpp"
#include "dza/territory.hpp"
#include "test_paths.hpp"

namespace dza::test {

// The message of the E that `fn` throws, or "no error".
template <typename E>
std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const E& e) {
        return e.what();
    }
    return "no error";
}

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

// Sets an environment variable for the lifetime of the object, then puts back what was there.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old_) setenv(name_.c_str(), old_->c_str(), 1);
        else unsetenv(name_.c_str());
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    std::string name_;
    std::optional<std::string> old_;
};

// A layer `name` (source "test") with one field, `name`: a feature per item, fids 0, 1, ...
inline Layer named_layer(const std::string& name, std::vector<std::pair<std::string, Geometry>> items) {
    Layer layer;
    layer.name = name;
    layer.source = "test";
    layer.fields = {{"name", FieldType::String}};
    for (std::size_t i = 0; i < items.size(); ++i) {
        Feature f;
        f.fid = static_cast<std::int64_t>(i);
        f.values = {items[i].first};
        f.geometry = std::move(items[i].second);
        layer.features.push_back(std::move(f));
    }
    return layer;
}

// The layer "regions": a named polygon per item, from its exterior ring.
inline Layer named_polygons(const std::vector<std::pair<std::string, std::vector<LonLat>>>& items) {
    std::vector<std::pair<std::string, Geometry>> shapes;
    for (const auto& [name, ring] : items) shapes.emplace_back(name, Geometry::polygon(ring));
    return named_layer("regions", std::move(shapes));
}

// A FeatureCollection of the given features (each a JSON text).
// A layer of the project's data/ folder, loaded without warnings, e.g. data_layer("regions.geojson").
inline Layer data_layer(const std::string& file) {
    LoadOptions quiet;
    return load_layer(LayerRef::parse(std::string(data_dir) + "/" + file), quiet);
}

// The default scenario's controlled side: the side of the line that holds Kyiv.
inline ControlledSide kyiv_side() {
    ControlledSide side;
    side.contains = LonLat{30.52, 50.45};
    return side;
}

inline std::string feature_collection(const std::string& features) {
    return R"({"type":"FeatureCollection","features":[)" + features + "]}";
}

}  // namespace dza::test
