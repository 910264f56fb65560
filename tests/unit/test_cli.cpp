// The command line run in-process: exit codes, streams and JSON shape.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "cli/app.hpp"
#include "dza/version.hpp"
#include "helpers.hpp"

namespace {
struct Result {
    int code;
    std::string out, err;
};
Result run(std::vector<std::string> args) {
    args.insert(args.begin(), "dza");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    const int code = dza::cli::run(static_cast<int>(argv.size()), argv.data(), out, err, false);
    return {code, out.str(), err.str()};
}
}  // namespace

TEST_CASE("version and help", "[cli]") {
    auto r = run({"--version"});
    CHECK(r.code == 0);
    CHECK(r.out == std::string("dza ") + dza::version + "\n");
    r = run({"--help"});
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("info") && Catch::Contains("convert"));
    r = run({"info", "--help"});
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("--json"));
}

TEST_CASE("usage errors exit 2 with one line on stderr", "[cli]") {
    auto r = run({"info"});
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    r = run({"frobnicate"});
    CHECK(r.code == 2);
    r = run({"info", "x.geojson|colour=red"});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("unknown key \"colour\""));
    r = run({"convert", "x.geojson", "-o", "out.xyz"});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("unknown format"));
}

TEST_CASE("info --json reports geodesic measures", "[cli]") {
    dza::test::ScratchDir dir;
    const auto path = dza::test::write_text(dir.file("l.geojson"), dza::test::feature_collection(
        R"({"type":"Feature","properties":{"name":"equator"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,0]]}})"));
    const auto r = run({"info", "--json", path});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    REQUIRE(j["layers"].size() == 1);
    const auto& layer = j["layers"][0];
    CHECK(layer["driver"] == "GeoJSON");
    CHECK(layer["crs"] == "EPSG:4326");
    CHECK(layer["geometry_type"] == "LineString");
    CHECK(layer["feature_count"] == 1);
    CHECK(layer["extent"] == nlohmann::json::array({0.0, 0.0, 1.0, 0.0}));
    // One degree of the equator: a * pi / 180.
    CHECK(layer["length_km"].get<double>() == Approx(6378.137 * M_PI / 180.0).margin(1e-9));
    CHECK_FALSE(layer.contains("area_km2"));
}
