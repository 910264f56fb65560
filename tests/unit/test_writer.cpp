#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <gdal.h>
#include <nlohmann/json.hpp>
#include <ogr_api.h>

#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "dza/error.hpp"
#include "dza/map.hpp"
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

// ---------------------------------------------------------------------------------------------
// KML for Google Earth, and Shapefile field names

namespace {
// The features of every layer of a KML as GDAL's LIBKML driver reads them: layer name, then per
// feature its Name and its style string.
struct KmlFeature {
    std::string layer, name, style;
};
std::vector<KmlFeature> read_kml(const std::string& path) {
    const char* const drivers[] = {"LIBKML", nullptr};
    GDALDatasetH ds = GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, nullptr, nullptr);
    REQUIRE(ds != nullptr);
    std::vector<KmlFeature> out;
    for (int i = 0; i < GDALDatasetGetLayerCount(ds); ++i) {
        OGRLayerH layer = GDALDatasetGetLayer(ds, i);
        OGR_L_ResetReading(layer);
        while (OGRFeatureH f = OGR_L_GetNextFeature(layer)) {
            const int name = OGR_F_GetFieldIndex(f, "Name");
            const char* style = OGR_F_GetStyleString(f);
            out.push_back({OGR_L_GetName(layer), name >= 0 && OGR_F_IsFieldSetAndNotNull(f, name) ? OGR_F_GetFieldAsString(f, name) : "",
                           style ? style : ""});
            OGR_F_Destroy(f);
        }
    }
    GDALClose(ds);
    return out;
}

// Every number in the <coordinates> of a KML text.
std::vector<std::string> kml_numbers(const std::string& text) {
    std::vector<std::string> out;
    for (std::size_t at = text.find("<coordinates>"); at != std::string::npos; at = text.find("<coordinates>", at + 1)) {
        const std::size_t begin = at + std::strlen("<coordinates>");
        const std::string block = text.substr(begin, text.find("</coordinates>", begin) - begin);
        std::string number;
        for (char c : block + " ") {
            if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
                if (!number.empty()) out.push_back(number);
                number.clear();
            } else {
                number += c;
            }
        }
    }
    return out;
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

Layer deployments_layer() {
    Layer layer;
    layer.name = "deployments";
    layer.fields = {{"site", FieldType::String}, {"role", FieldType::String}};
    layer.name_field = "site";
    Feature a;
    a.fid = 0;
    a.values = {"Alpha", "air defence"};
    a.geometry = Geometry::point({30.1234567891, 50.9876543219});
    Feature b;
    b.fid = 1;
    b.values = {"Bravo", "unknown role"};
    b.geometry = Geometry::point({31.5, 49.25});
    layer.features.push_back(std::move(a));
    layer.features.push_back(std::move(b));
    return layer;
}
}  // namespace

TEST_CASE("KML placemarks carry the style of their layer, in Google Earth's aabbggrr colours", "[writer][kml]") {
    ScratchDir dir;
    const auto path = dir.file("styled.kml");
    MapStyle area;  // opacities chosen so that the alpha bytes are exact: 0.6 * 255 = 153 = 0x99, 0.2 * 255 = 51 = 0x33
    area.stroke = "#1f77b4";
    area.stroke_opacity = 0.6;
    area.stroke_width_px = 2;
    area.fill = "#ff7f0e";
    area.fill_opacity = 0.2;
    MapStyle sites;
    sites.stroke = "#ffffff";
    sites.fill = "#333333";
    WriteOptions options;
    options.styles["sample"] = map_feature_style(area);
    options.styles["deployments"] = map_feature_style(sites, "role", {{"air defence", "#6a3d9a"}});
    const Layer polygons = sample_layer();
    const Layer points = deployments_layer();
    write_layers({&polygons, &points}, path, options);

    const std::string text = read_text(path);
    // KML colours are alpha, blue, green, red.
    CHECK(text.find("<color>99b4771f</color>") != std::string::npos);  // the outline: #1f77b4 at 0.6
    CHECK(text.find("<color>330e7fff</color>") != std::string::npos);  // the fill: #ff7f0e at 0.2
    CHECK(text.find("<color>ff9a3d6a</color>") != std::string::npos);  // Alpha's role colour #6a3d9a
    CHECK(text.find("<color>ff333333</color>") != std::string::npos);  // Bravo's role has none: the layer's fill
    CHECK(count_of(text, "<IconStyle>") == 2);
    CHECK(count_of(text, "<PolyStyle>") == 2);

    const auto features = read_kml(path);
    REQUIRE(features.size() == 4);
    for (int i : {0, 1}) {
        INFO(features[i].style);
        CHECK(features[i].style.find("PEN(c:#1F77B499,w:2") != std::string::npos);
        CHECK(features[i].style.find("BRUSH(fc:#FF7F0E33)") != std::string::npos);
    }
    CHECK(features[2].style.find("SYMBOL(") != std::string::npos);
    CHECK(features[2].style.find("c:#6A3D9AFF") != std::string::npos);
    CHECK(features[3].style.find("c:#333333FF") != std::string::npos);
}

TEST_CASE("a KML layer without a style gets the neutral outline, not GDAL's red one", "[writer][kml]") {
    // Without styles (dza convert) KML goes through GDAL's streaming KML driver: lines and
    // outlines in the neutral colour; fills and icons are left to the viewer.
    ScratchDir dir;
    const auto path = dir.file("plain.kml");
    write_layer(sample_layer(), path);
    std::string text = read_text(path);
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    CHECK(text.find("ff0000ff") == std::string::npos);  // GDAL's KML default: opaque red
    const FeatureStyle neutral;
    CHECK(text.find(fmt::format("<color>ff{}{}{}</color>", neutral.stroke.substr(5, 2), neutral.stroke.substr(3, 2), neutral.stroke.substr(1, 2))) !=
          std::string::npos);
}

TEST_CASE("every KML placemark is named by its layer's label", "[writer][kml]") {
    ScratchDir dir;
    const auto path = dir.file("named.kml");
    Layer unnamed;  // no field names it: the feature id is its label
    unnamed.name = "unnamed";
    unnamed.fields = {{"area_km2", FieldType::Real}};
    Feature f;
    f.fid = 7;
    f.values = {1.5};
    f.geometry = Geometry::point({30, 50});
    unnamed.features.push_back(std::move(f));
    const Layer named = sample_layer();  // a `name` field
    const Layer sites = deployments_layer();  // named by `site`
    write_layers({&named, &sites, &unnamed}, path);
    std::vector<std::string> names;
    for (const auto& k : read_kml(path)) names.push_back(k.name);
    CHECK(names == std::vector<std::string>{"Lviv area", "Rivne area", "Alpha", "Bravo", "7"});
    const std::string text = read_text(path);
    CHECK(text.find("<name>Alpha</name>") != std::string::npos);
    // The site is still in the placemark's data.
    CHECK(text.find("<SimpleData name=\"site\">Alpha</SimpleData>") != std::string::npos);
}

TEST_CASE("KML coordinates have at most the precision's decimals", "[writer][kml]") {
    ScratchDir dir;
    for (int precision : {0, 3, 6}) {
        INFO(precision);
        const auto path = dir.file(fmt::format("p{}.kml", precision));
        WriteOptions options;
        options.precision = precision;
        const Layer polygons = sample_layer();
        const Layer points = deployments_layer();
        write_layers({&polygons, &points}, path, options);
        const auto numbers = kml_numbers(read_text(path));
        REQUIRE(numbers.size() >= 10);
        for (const auto& n : numbers) {
            const auto dot = n.find('.');
            const std::size_t decimals = dot == std::string::npos ? 0 : n.size() - dot - 1;
            INFO(n);
            CHECK(decimals <= static_cast<std::size_t>(precision));
        }
        // 25.1234567891 and 50.9876543219 rounded half away from zero, written independently here.
        const char* const lon[] = {"25", "25.123", "25.123457"};
        const char* const lat[] = {"51", "50.988", "50.987654"};
        const int k = precision == 0 ? 0 : precision == 3 ? 1 : 2;
        CHECK(std::count(numbers.begin(), numbers.end(), lon[k]) >= 1);
        CHECK(std::count(numbers.begin(), numbers.end(), lat[k]) >= 1);
    }
}

TEST_CASE("several layers go into one KML, a folder each", "[writer][kml]") {
    ScratchDir dir;
    const auto path = dir.file("two.kml");
    const Layer polygons = sample_layer();
    const Layer points = deployments_layer();
    write_layers({&polygons, &points}, path);
    const std::string text = read_text(path);
    CHECK(count_of(text, "<Folder") == 2);
    CHECK(text.find("<name>sample</name>") != std::string::npos);
    CHECK(text.find("<name>deployments</name>") != std::string::npos);
    const auto features = read_kml(path);
    REQUIRE(features.size() == 4);
    CHECK(features[0].layer == "sample");
    CHECK(features[3].layer == "deployments");
}

TEST_CASE("Shapefile field names are shortened by the stated rule, told in one warning, beside a UTF-8 .cpg", "[writer][shapefile]") {
    ScratchDir dir;
    const auto path = dir.file("short.shp");
    Layer layer;
    layer.name = "short";
    // Expected names worked by hand from the rule in writer.hpp.
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"distance_km", "dist_km"},              // an abbreviation
        {"max_error_m", "max_err_m"},            // an abbreviation
        {"population_density", "pop_dnsty"},     // an abbreviation, then the longest word's vowels
        {"eligible_pct", "elgbl_pct"},           // the longest word's vowels
        {"coverage_area_km2", "cov_ar_km2"},     // an abbreviation (12 bytes), then area's vowels
        {"region", "region"},                    // fits
        {"distance_kmx", "dist_kmx"},            // an abbreviation
        {"distance_km_b", "dist_km_b"},          // an abbreviation
        {"redundancy_area_km2", "rdndncy_ar"},   // vowels of both words, then the cut
        {"dist_km", "dist_km_2"},                // meets an earlier name
    };
    for (const auto& [from, to] : expected) layer.fields.push_back({from, FieldType::Real});
    Feature f;
    f.fid = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) f.values.push_back(static_cast<double>(i));
    f.geometry = Geometry::point({30, 50});
    layer.features.push_back(std::move(f));

    std::vector<std::string> warnings;
    WriteOptions options;
    options.callbacks.warn = [&](const std::string& m) { warnings.push_back(m); };
    write_layer(layer, path, options);

    REQUIRE(warnings.size() == 1);
    std::string renames;
    for (const auto& [from, to] : expected)
        if (from != to) renames += (renames.empty() ? "" : ", ") + from + " -> " + to;
    CHECK(warnings[0] == path + ": fields renamed for the ESRI Shapefile format: " + renames);

    const char* const drivers[] = {"ESRI Shapefile", nullptr};
    GDALDatasetH ds = GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, nullptr, nullptr);
    REQUIRE(ds != nullptr);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(GDALDatasetGetLayer(ds, 0));
    REQUIRE(OGR_FD_GetFieldCount(defn) == static_cast<int>(expected.size()));
    OGRFeatureH back = OGR_L_GetNextFeature(GDALDatasetGetLayer(ds, 0));
    REQUIRE(back != nullptr);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        CHECK(std::string(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, static_cast<int>(i)))) == expected[i].second);
        CHECK(OGR_F_GetFieldAsDouble(back, static_cast<int>(i)) == static_cast<double>(i));
    }
    OGR_F_Destroy(back);
    GDALClose(ds);
    CHECK(read_text(dir.file("short.cpg")) == "UTF-8");
}
