#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "dza/error.hpp"
#include "dza/writer.hpp"
#include "helpers.hpp"

using namespace dza;
using dza::test::read_text;
using dza::test::ScratchDir;

namespace {
Layer sample_layer() {
    Layer layer;
    layer.name = "sample";
    layer.fields = {{"name", FieldType::String}, {"radius_km", FieldType::Real}, {"personnel", FieldType::Integer}, {"occupied", FieldType::Boolean}};
    Feature a;
    a.fid = 0;
    a.values = {"Lviv area", 120.25, 800, false};
    // Clockwise exterior ring: RFC 7946 output must turn it counter-clockwise.
    a.geometry = Geometry::polygon({{24.0, 49.0}, {24.0, 50.0}, {25.1234567891, 50.0}, {25.1234567891, 49.0}});
    Feature b;
    b.fid = 1;
    b.values = {"Rivne area", nullptr, 1200, true};
    b.geometry = Geometry::polygon({{26.0, 50.5}, {26.5, 50.5}, {26.5, 51.0}, {26.0, 51.0}});
    layer.features.push_back(std::move(a));
    layer.features.push_back(std::move(b));
    return layer;
}

// Twice the signed planar area of a ring: positive when counter-clockwise.
double signed_area(const nlohmann::json& ring) {
    double s = 0;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i)
        s += ring[i][0].get<double>() * ring[i + 1][1].get<double>() - ring[i + 1][0].get<double>() * ring[i][1].get<double>();
    return s;
}

bool has_temp_leftovers(const std::filesystem::path& dir) {
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().filename().string().rfind(".dza-tmp-", 0) == 0) return true;
    return false;
}
}  // namespace

TEST_CASE("GeoJSON output follows RFC 7946", "[writer]") {
    ScratchDir dir;
    const auto path = dir.file("out.geojson");
    write_layer(sample_layer(), path);
    const auto j = nlohmann::json::parse(read_text(path));
    CHECK(j["type"] == "FeatureCollection");
    CHECK_FALSE(j.contains("crs"));
    REQUIRE(j["features"].size() == 2);
    const auto& ring = j["features"][0]["geometry"]["coordinates"][0];
    CHECK(signed_area(ring) > 0);
    CHECK(read_text(path).find("25.123457") != std::string::npos);  // 6 decimals by default
    CHECK(read_text(path).find("25.1234567") == std::string::npos);
    CHECK(j["features"][0]["properties"]["radius_km"] == 120.25);
    CHECK(j["features"][1]["properties"]["radius_km"].is_null());
    CHECK(j["features"][1]["properties"]["occupied"] == true);
    CHECK_FALSE(has_temp_leftovers(dir.path()));
}

TEST_CASE("the precision option sets GeoJSON decimals", "[writer]") {
    ScratchDir dir;
    WriteOptions options;
    options.precision = 3;
    write_layer(sample_layer(), dir.file("p3.geojson"), options);
    const std::string text = read_text(dir.file("p3.geojson"));
    CHECK(text.find("25.123,") != std::string::npos);
    CHECK(text.find("25.1234") == std::string::npos);
}

TEST_CASE("every output format reads back with the same features", "[writer]") {
    ScratchDir dir;
    for (const char* name : {"o.geojson", "o.gpkg", "o.fgb", "o.shp", "o.kml", "o.csv", "o.geojsonl"}) {
        INFO(name);
        const auto path = dir.file(name);
        write_layer(sample_layer(), path);
        LoadOptions quiet;
        const Layer back = load_layer(LayerRef::parse(path), quiet);
        REQUIRE(back.features.size() == 2);
        // FlatGeobuf's spatial index stores features in Hilbert order: find them by name.
        const auto name_field = back.require_field("name");
        const auto rivne = std::find_if(back.features.begin(), back.features.end(),
                                        [&](const Feature& f) { return f.values[name_field] == "Rivne area"; });
        REQUIRE(rivne != back.features.end());
        const Extent e = rivne->geometry.extent();
        CHECK(e.min_lon == Approx(26.0).margin(1e-6));
        CHECK(e.max_lat == Approx(51.0).margin(1e-6));
    }
}

TEST_CASE("the output - writes GeoJSON to the given stream", "[writer]") {
    std::ostringstream out;
    write_layer(sample_layer(), "-", {}, &out);
    const auto j = nlohmann::json::parse(out.str());
    CHECK(j["features"].size() == 2);
}

TEST_CASE("a failed write leaves an existing output untouched and no temporary files", "[writer]") {
    ScratchDir dir;
    const auto path = dir.file("keep.shp");
    Layer first = sample_layer();
    write_layer(first, path);
    const std::string before = read_text(path);

    // A Shapefile holds one geometry type; a point after polygons makes the write fail midway.
    Layer mixed = sample_layer();
    Feature point;
    point.fid = 2;
    point.values = {"point", 1.0, 1, false};
    point.geometry = Geometry::point({24.5, 49.5});
    mixed.features.push_back(std::move(point));
    CHECK_THROWS_AS(write_layer(mixed, path), DataError);
    CHECK(read_text(path) == before);
    CHECK_FALSE(has_temp_leftovers(dir.path()));
}

TEST_CASE("unwritable or unknown outputs are usage errors before any work", "[writer]") {
    ScratchDir dir;
    CHECK_THROWS_AS(check_output_path(dir.file("missing/folder/out.geojson")), UsageError);
    CHECK_THROWS_AS(check_output_path(dir.file("out.xyz")), UsageError);
    CHECK_THROWS_AS(check_output_path(dir.path().string()), UsageError);
    CHECK_NOTHROW(check_output_path(dir.file("out.gpkg")));
    CHECK_NOTHROW(check_output_path("-"));
    CHECK(driver_for_path("x.GeoJSON") == "GeoJSON");
}

TEST_CASE("several layers go into one GeoPackage", "[writer]") {
    ScratchDir dir;
    Layer a = sample_layer();
    Layer b = sample_layer();
    b.name = "second";
    write_layers({&a, &b}, dir.file("all.gpkg"));
    CHECK(list_layers(dir.file("all.gpkg")) == std::vector<std::string>{"sample", "second"});
    CHECK_THROWS_AS(write_layers({&a, &b}, dir.file("all.geojson")), UsageError);
}

TEST_CASE("a PG: output needs a valid --table, and --table needs a PG: output", "[writer][postgis]") {
    CHECK(is_database_output("PG:dbname=gis"));
    CHECK(is_database_output("pg:dbname=gis"));
    CHECK_FALSE(is_database_output("out.geojson"));
    CHECK_FALSE(is_database_output("-"));
    CHECK(driver_for_path("PG:dbname=gis") == "PostgreSQL");

    CHECK_NOTHROW(validate_output("PG:dbname=gis", "plan_a"));
    CHECK_NOTHROW(validate_output("PG:dbname=gis", "analysis.plan_a"));
    CHECK_NOTHROW(validate_output("out.geojson", ""));
    CHECK_THROWS_AS(validate_output("PG:dbname=gis", ""), UsageError);
    CHECK_THROWS_AS(validate_output("out.geojson", "plan_a"), UsageError);
    CHECK_THROWS_AS(validate_output("", "plan_a"), UsageError);
    // Names PostgreSQL would change (case, punctuation, length) or that are not identifiers.
    for (const char* bad : {"Plan", "plan-a", "1plan", "a.b.c", "plan a", "\"plan\"", "plan;drop"})
        CHECK_THROWS_AS(validate_output("PG:dbname=gis", bad), UsageError);
    CHECK_THROWS_AS(validate_output("PG:dbname=gis", std::string(64, 'a')), UsageError);
    CHECK_NOTHROW(validate_output("PG:dbname=gis", std::string(63, 'a')));
    // The message shows the connection without its password.
    try {
        validate_output("PG:dbname=gis password=s3cret", "");
        FAIL("no error");
    } catch (const UsageError& e) {
        CHECK(std::string(e.what()).find("s3cret") == std::string::npos);
        CHECK(std::string(e.what()).find("password=***") != std::string::npos);
    }
}

TEST_CASE("one layer goes to the table named, several to NAME_<layer>", "[writer][postgis]") {
    CHECK(database_tables("plan", {"distances"}) == std::vector<std::string>{"plan"});
    CHECK(database_tables("s.plan", {"coverage", "gaps"}) == std::vector<std::string>{"s.plan_coverage", "s.plan_gaps"});
}

TEST_CASE("an unreachable database fails before any work, its password hidden", "[writer][postgis]") {
    const std::string output = "PG:host=/nonexistent-dza-socket port=1 dbname=gis password=s3cret connect_timeout=2";
    try {
        check_output_path(output, "plan");
        FAIL("no error");
    } catch (const DataError& e) {
        const std::string message = e.what();
        CHECK(message.find("s3cret") == std::string::npos);
        CHECK(message.find("cannot connect") != std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
    }
}

TEST_CASE("a layer written into an existing GeoPackage replaces its namesake and keeps the others", "[writer]") {
    ScratchDir dir;
    const auto path = dir.file("multi.gpkg");
    Layer a = sample_layer();
    Layer b = sample_layer();
    b.name = "second";
    write_layers({&a, &b}, path);
    Layer replacement = sample_layer();
    replacement.name = "Sample";  // GeoPackage names compare without case
    replacement.features.pop_back();
    Layer third = sample_layer();
    third.name = "third";
    write_layer(replacement, path);
    write_layer(third, path);
    std::vector<std::string> names = list_layers(path);
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"Sample", "second", "third"});
    CHECK(load_layer(LayerRef::parse(path + "|layername=Sample")).features.size() == 1);
    CHECK(load_layer(LayerRef::parse(path + "|layername=second")).features.size() == 2);
    CHECK_FALSE(has_temp_leftovers(dir.path()));
}

TEST_CASE("a .gpkg output that is not a GeoPackage is refused and kept", "[writer]") {
    ScratchDir dir;
    const auto path = dza::test::write_text(dir.file("notes.gpkg"), "my notes\n");
    CHECK_THROWS_WITH(write_layer(sample_layer(), path), Catch::Contains("notes.gpkg: exists and is not a GPKG file dza can add a layer to"));
    CHECK(read_text(path) == "my notes\n");
    CHECK_FALSE(has_temp_leftovers(dir.path()));
}

TEST_CASE("GeoJSON that cannot reach its stream is an error naming stdout", "[writer]") {
    std::ostringstream out;
    out.setstate(std::ios::badbit);
    CHECK_THROWS_WITH(write_layer(sample_layer(), "-", {}, &out), Catch::StartsWith("stdout: cannot write: "));
}

namespace {
// A layer of `count` lines, enough to make outputs of some size.
Layer line_layer(int count) {
    Layer layer;
    layer.name = "lines";
    layer.fields = {{"name", FieldType::String}, {"length_km", FieldType::Real}, {"n", FieldType::Integer}};
    for (int i = 0; i < count; ++i) {
        Feature f;
        f.fid = i;
        f.values = {"line \"" + std::to_string(i) + "\"", 0.125 * i, static_cast<std::int64_t>(i)};
        f.geometry = Geometry::line({{24.0 + 0.001 * i, 48.0}, {25.0, 49.0 + 0.0001 * i}, {26.0, 49.5}});
        layer.features.push_back(std::move(f));
    }
    return layer;
}

std::string streamed_to(const Layer& layer, const std::string& path, std::string_view type, std::ostream* stream = nullptr) {
    LayerWriter writer(path, {layer.name}, {}, stream);
    writer.begin_layer(layer, type);
    for (const auto& f : layer.features) writer.write(f);
    writer.commit();
    return path == "-" ? std::string() : read_text(path);
}
}  // namespace

TEST_CASE("a layer streamed feature by feature gives the bytes write_layer gives", "[writer]") {
    ScratchDir dir;
    const Layer layer = line_layer(50);
    for (const char* ext : {".geojson", ".geojsonl", ".csv", ".kml", ".fgb", ".shp"}) {
        INFO(ext);
        const std::string whole = dir.file(std::string("whole") + ext);
        const std::string streamed = dir.file(std::string("streamed") + ext);
        write_layer(layer, whole);
        streamed_to(layer, streamed, "LineString");
        CHECK(read_text(streamed) == read_text(whole));
        CHECK_FALSE(has_temp_leftovers(dir.path()));
    }
    // A Shapefile's sidecars too.
    for (const char* ext : {".dbf", ".shx", ".prj", ".cpg"})
        CHECK(read_text(dir.file(std::string("streamed") + ext)) == read_text(dir.file(std::string("whole") + ext)));
    // A GeoPackage holds timestamps: compare what reads back.
    write_layer(layer, dir.file("whole.gpkg"));
    streamed_to(layer, dir.file("streamed.gpkg"), "LineString");
    const Layer a = load_layer(LayerRef::parse(dir.file("whole.gpkg")));
    const Layer b = load_layer(LayerRef::parse(dir.file("streamed.gpkg")));
    REQUIRE(a.features.size() == b.features.size());
    CHECK(a.declared_geometry_type == "LineString");
    CHECK(b.declared_geometry_type == "LineString");
    for (std::size_t i = 0; i < a.features.size(); ++i) {
        CHECK(a.features[i].values == b.features[i].values);
        CHECK(a.features[i].geometry.to_wkb() == b.features[i].geometry.to_wkb());
    }
}

TEST_CASE("the streamed output - reaches its stream only at commit, with write_layer's bytes", "[writer]") {
    const Layer layer = line_layer(20);
    std::ostringstream whole;
    write_layer(layer, "-", {}, &whole);
    std::ostringstream out;
    {
        LayerWriter writer("-", {layer.name}, {}, &out);
        writer.begin_layer(layer, "LineString");
        for (const auto& f : layer.features) writer.write(f);
        CHECK(out.str().empty());
        writer.commit();
    }
    CHECK(out.str() == whole.str());
    CHECK(nlohmann::json::parse(out.str())["features"].size() == 20);
    // An abandoned writer writes nothing.
    std::ostringstream abandoned;
    {
        LayerWriter writer("-", {layer.name}, {}, &abandoned);
        writer.begin_layer(layer, "LineString");
        writer.write(layer.features.front());
    }
    CHECK(abandoned.str().empty());
}

TEST_CASE("a streamed write that stops before commit leaves the previous output and no temporary files", "[writer]") {
    ScratchDir dir;
    const Layer layer = line_layer(10);
    for (const char* ext : {".geojson", ".gpkg", ".shp"}) {
        INFO(ext);
        const std::string path = dir.file(std::string("keep") + ext);
        write_layer(sample_layer(), path);
        const std::string before = read_text(path);
        {
            // Abandoned (an exception elsewhere, say): destroyed without commit.
            LayerWriter writer(path, {layer.name}, {});
            writer.begin_layer(layer, "LineString");
            for (const auto& f : layer.features) writer.write(f);
        }
        CHECK(read_text(path) == before);
        CHECK_FALSE(has_temp_leftovers(dir.path()));
        // A feature of another type than the layer declares is refused, naming it.
        {
            LayerWriter writer(path, {layer.name}, {});
            writer.begin_layer(layer, "LineString");
            writer.write(layer.features.front());
            Feature point;
            point.fid = layer.features.back().fid;
            point.values = layer.features.back().values;
            point.geometry = Geometry::point({24.5, 49.5});
            CHECK_THROWS_WITH(writer.write(point), Catch::Contains("feature 9 (\"line \"9\"\")") &&
                                                       (Catch::Contains("is a Point, but its layer holds Line String") || Catch::Contains("holds points while")));
        }
        CHECK(read_text(path) == before);
        CHECK_FALSE(has_temp_leftovers(dir.path()));
    }
}

TEST_CASE("under a Multi type a single part is written as a Multi of one", "[writer]") {
    ScratchDir dir;
    const Layer layer = line_layer(3);
    // (GeoJSON as GDAL writes it under RFC 7946 gives a Multi of one as its part: a GeoPackage keeps it.)
    streamed_to(layer, dir.file("multi.gpkg"), "MultiLineString");
    const Layer back = load_layer(LayerRef::parse(dir.file("multi.gpkg")));
    CHECK(back.declared_geometry_type == "MultiLineString");
    REQUIRE(back.features.size() == 3);
    CHECK(back.features[0].geometry.type_name() == "MultiLineString");
    CHECK_THROWS_AS(LayerWriter(dir.file("x.geojson"), {"a"}).begin_layer(layer, "Curve"), std::invalid_argument);
}

namespace {
// Runs `write` while files cannot grow past 64 KiB (EFBIG, SIGXFSZ ignored) and returns the
// DataError's message it ends with ("" when it ends without one).
template <typename Write>
std::string message_when_files_stop_at_64_kib(Write&& write) {
    struct rlimit old {};
    getrlimit(RLIMIT_FSIZE, &old);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = old;
    small.rlim_cur = 64 * 1024;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string message;
    try {
        write();
    } catch (const DataError& e) {
        message = e.what();
    }
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    return message;
}
}  // namespace

TEST_CASE("a write the system refuses midway is an error naming the output and the reason, the previous file kept", "[writer]") {
    ScratchDir dir;
    const std::string path = dir.file("big.geojson");
    write_layer(sample_layer(), path);
    const std::string before = read_text(path);
    // Files over 64 KiB cannot grow (EFBIG): the text driver's writes fail partway, and it does
    // not check them; the checked file system does.
    const std::string message = message_when_files_stop_at_64_kib([&] { write_layer(line_layer(2000), path); });
    CHECK_THAT(message, Catch::Contains(path) && Catch::Contains("cannot write") && Catch::Contains(std::strerror(EFBIG)));
    CHECK(read_text(path) == before);
    CHECK_FALSE(has_temp_leftovers(dir.path()));
}

TEST_CASE("stdout is spooled to a file, not held in memory: a spool the system refuses prints nothing", "[writer]") {
    ScratchDir dir;
    // The spool goes to $TMPDIR: here a scratch folder, where files over 64 KiB cannot grow.
    const char* old_tmpdir = std::getenv("TMPDIR");
    const std::string saved = old_tmpdir ? old_tmpdir : "";
    setenv("TMPDIR", dir.path().c_str(), 1);
    std::ostringstream small_out;
    write_layer(sample_layer(), "-", {}, &small_out);
    CHECK(small_out.str().find("\"FeatureCollection\"") != std::string::npos);
    CHECK_FALSE(has_temp_leftovers(dir.path()));

    std::ostringstream out;
    const std::string message = message_when_files_stop_at_64_kib([&] { write_layer(line_layer(2000), "-", {}, &out); });
    if (old_tmpdir) setenv("TMPDIR", saved.c_str(), 1);
    else unsetenv("TMPDIR");
    CHECK_THAT(message, Catch::StartsWith("stdout: cannot write the output to " + dir.path().string()) && Catch::Contains(std::strerror(EFBIG)));
    CHECK(out.str().empty());
    CHECK_FALSE(has_temp_leftovers(dir.path()));
}
