// Hostile inputs to the layer loader: special files, truncated sources, CRSs that are not
// horizontal, geometries GEOS cannot hold, size limits, names that must identify regions.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>

#include "dza/error.hpp"
#include "dza/layer.hpp"
#include "helpers.hpp"

using namespace dza;
using dza::test::feature_collection;
using dza::test::error_of;
using dza::test::ScratchDir;
using dza::test::write_text;

namespace {
Layer quiet_load(const std::string& ref, LoadOptions options = {}) {
    options.callbacks.warn = [](const std::string&) {};
    return load_layer(LayerRef::parse(ref), options);
}

const std::string two_points = feature_collection(R"(
    {"type":"Feature","properties":{"name":"A"},"geometry":{"type":"Point","coordinates":[30,50]}},
    {"type":"Feature","properties":{"name":"B"},"geometry":{"type":"Point","coordinates":[31,51]}})");
}  // namespace

TEST_CASE("special files are refused before GDAL opens them", "[inputs]") {
    ScratchDir dir;
    const std::string fifo = dir.file("a.geojson");
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(error_of<DataError>([&] { quiet_load(fifo); }) == fifo + ": is a FIFO, not a file; give a regular file or a folder of them");
    CHECK_THAT(error_of<DataError>([&] { quiet_load("/dev/zero"); }), Catch::Contains("/dev/zero: is a device, not a file"));
    // A regular file with a FIFO beside it that a driver would open.
    const std::string shp = write_text(dir.file("b.shp"), "");
    const std::string dbf = dir.file("b.dbf");
    REQUIRE(mkfifo(dbf.c_str(), 0600) == 0);
    CHECK_THAT(error_of<DataError>([&] { quiet_load(shp); }), Catch::Contains("the file beside it \"b.dbf\" is a FIFO"));
    // Folders and files with unrelated FIFOs beside them are fine.
    write_text(dir.file("c.geojson"), two_points);
    CHECK(quiet_load(dir.file("c.geojson")).features.size() == 2);
}

TEST_CASE("a truncated FlatGeobuf is an error, not a shorter layer", "[inputs]") {
    ScratchDir dir;
    std::string text = "{\"type\":\"FeatureCollection\",\"features\":[";
    for (int i = 0; i < 200; ++i)
        text += (i ? "," : "") + std::string("{\"type\":\"Feature\",\"properties\":{\"name\":\"f") + std::to_string(i) +
                "\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[30,50],[30.5,50.5],[31," + std::to_string(50 + i * 0.001) + "]]}}";
    text += "]}";
    const std::string src = write_text(dir.file("l.geojson"), text);
    const std::string fgb = dir.file("l.fgb");
    REQUIRE(std::system(("ogr2ogr -f FlatGeobuf '" + fgb + "' '" + src + "' 2>/dev/null").c_str()) == 0);
    CHECK(quiet_load(fgb).features.size() == 200);
    std::filesystem::resize_file(fgb, std::filesystem::file_size(fgb) * 2 / 3);
    const std::string message = error_of<DataError>([&] { quiet_load(fgb); });
    CHECK_THAT(message, Catch::StartsWith(fgb + "|layername=l: reading stopped at feature ") || Catch::Contains("declares 200 features but only"));
}

TEST_CASE("CRSs that are not horizontal are refused; compound CRSs use their horizontal part", "[inputs]") {
    ScratchDir dir;
    const std::string path = write_text(dir.file("p.geojson"), two_points);
    CHECK_THAT(error_of<UsageError>([&] { quiet_load(path + "|crs=EPSG:4978"); }), Catch::Contains("crs EPSG:4978") && Catch::Contains("is a geocentric CRS"));
    CHECK_THAT(error_of<UsageError>([&] { quiet_load(path + "|crs=EPSG:5703"); }), Catch::Contains("is a vertical CRS (heights only)"));
    const std::string csv = write_text(dir.file("p.csv"), "name,lon,lat\nA,30,50\n");
    LoadOptions assume;
    assume.assume_crs = "EPSG:4978";
    CHECK_THAT(error_of<UsageError>([&] { quiet_load(csv, assume); }), Catch::StartsWith("--assume-crs EPSG:4978 is a geocentric CRS"));
    const std::string declared = write_text(dir.file("g.geojson"), R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::5703"}},
        "features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]})");
    CHECK_THAT(error_of<DataError>([&] { quiet_load(declared); }), Catch::Contains("declares EPSG:5703") && Catch::Contains("give its horizontal CRS"));
    // WGS 84 + EGM96 height: the points stay where they are.
    const Layer compound = quiet_load(path + "|crs=EPSG:4326+5773");
    REQUIRE(compound.features.size() == 2);
    CHECK(compound.features[1].geometry.extent().min_lon == Approx(31).margin(1e-12));
    CHECK(compound.features[1].geometry.extent().min_lat == Approx(51).margin(1e-12));
}

TEST_CASE("geometries GEOS cannot hold name the file and the feature", "[inputs]") {
    ScratchDir dir;
    const std::string line = write_text(dir.file("l.geojson"), feature_collection(R"(
        {"type":"Feature","properties":{"name":"stub"},"geometry":{"type":"LineString","coordinates":[[30,50]]}})"));
    CHECK_THAT(error_of<DataError>([&] { quiet_load(line); }),
               Catch::StartsWith(line + "|layername=l: feature 0 (\"stub\"): its LineString cannot be read as a geometry (") &&
                   Catch::Contains("fix it in the source"));
    const std::string tin = write_text(dir.file("t.csv"), "name,wkt\nt,\"TIN (((30 50,31 50,30 51,30 50)))\"\n");
    const Layer t = quiet_load(tin);
    REQUIRE(t.features.size() == 1);
    CHECK(t.features[0].geometry.dimension() == 2);
}

TEST_CASE("size limits fail early with the limit and what to do", "[inputs]") {
    ScratchDir dir;
    const std::string path = write_text(dir.file("l.geojson"), feature_collection(R"(
        {"type":"Feature","properties":{"name":"a"},"geometry":{"type":"LineString","coordinates":[[30,50],[30.1,50],[30.2,50],[30.3,50]]}},
        {"type":"Feature","properties":{"name":"b"},"geometry":{"type":"LineString","coordinates":[[31,50],[31.1,50],[31.2,50]]}})"));
    LoadOptions options;
    options.max_vertices_per_feature = 3;
    CHECK_THAT(error_of<DataError>([&] { quiet_load(path, options); }), Catch::Contains("feature 0 (\"a\"): has 4 vertices, more than the 3 dza takes in one feature"));
    options.max_vertices_per_feature = 4;
    options.max_vertices_total = 6;
    CHECK_THAT(error_of<DataError>([&] { quiet_load(path, options); }), Catch::Contains("more than 6 vertices by feature 1 (\"b\")"));
    options.max_vertices_total = 7;
    CHECK(quiet_load(path, options).features.size() == 2);
}

TEST_CASE("names that select regions must be set and unique", "[inputs]") {
    std::vector<std::pair<std::string, Geometry>> items;
    for (const char* name : {"A", "B", "A"}) items.emplace_back(name, Geometry());
    Layer layer = dza::test::named_layer("regions", std::move(items));
    CHECK(error_of<DataError>([&] { require_unique_names(layer, 0, "region"); }) ==
          "test|layername=regions: features 0 and 2 are both named \"A\" in field name, but region names must be unique: they select regions; rename one or merge them");
    layer.features[2].values[0] = "  ";
    CHECK_THAT(error_of<DataError>([&] { require_unique_names(layer, 0, "region"); }), Catch::StartsWith("test|layername=regions: feature 2: field name is empty"));
    layer.features[2].values[0] = nullptr;
    CHECK_THAT(error_of<DataError>([&] { require_unique_names(layer, 0, "region"); }), Catch::Contains("feature 2: field name is empty"));
    layer.features[2].values[0] = "C";
    CHECK_NOTHROW(require_unique_names(layer, 0, "region"));
}

TEST_CASE("long values are cut short in messages", "[inputs]") {
    CHECK(cut_short("abc", 10) == "abc");
    CHECK(cut_short(std::string(100, 'x'), 10) == "xxxxxxx...");
    CHECK(cut_short("a\nb", 10) == "a b");
    // Never inside a UTF-8 sequence: "ééééé" is 10 bytes.
    CHECK(cut_short("ééééé", 8) == "éé...");
}
