// Outputs that must not replace inputs, text that must be UTF-8, fields that must not clash.
#include <catch2/catch.hpp>
#include <gdal.h>
#include <nlohmann/json.hpp>
#include <ogr_api.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "dza/error.hpp"
#include "dza/layer.hpp"
#include "dza/report.hpp"
#include "dza/run.hpp"
#include "dza/scenario.hpp"
#include "dza/text.hpp"
#include "dza/writer.hpp"
#include "helpers.hpp"
#include "test_paths.hpp"

using namespace dza;
using dza::test::ScratchDir;
using dza::test::write_text;
namespace fs = std::filesystem;

namespace {
std::string message_of(const std::function<void()>& fn) { return dza::test::error_of<UsageError>(fn); }
}  // namespace

TEST_CASE("check_not_an_input compares files by identity, with a Shapefile's sidecars", "[outputs]") {
    ScratchDir dir;
    write_text(dir.file("a.geojson"), "{}");
    fs::create_symlink(dir.file("a.geojson"), dir.file("link.geojson"));
    fs::create_hard_link(dir.file("a.geojson"), dir.file("hard.json"));
    const std::vector<InputSource> inputs = {{dir.file("link.geojson"), "LAYER"}};

    CHECK(message_of([&] { check_not_an_input(dir.file("a.geojson"), inputs); }) ==
          "output \"" + dir.file("a.geojson") + "\" is also an input (LAYER); write elsewhere");
    CHECK(message_of([&] { check_not_an_input(dir.file("hard.json"), inputs); }).find("is also an input") != std::string::npos);
    CHECK(message_of([&] { check_not_an_input((dir.path() / "." / "a.geojson").string(), {{dir.file("a.geojson") + "|layername=a", "L"}}); }).find("is also an input") != std::string::npos);
    // A new file, stdout and a database are not inputs.
    CHECK_NOTHROW(check_not_an_input(dir.file("b.geojson"), inputs));
    CHECK_NOTHROW(check_not_an_input("-", inputs));
    CHECK_NOTHROW(check_not_an_input("PG:dbname=x", inputs));

    // Shapefiles: writing s.shp rewrites s.dbf, which is an input here.
    for (const char* ext : {".shp", ".shx", ".dbf"}) write_text(dir.file(std::string("s") + ext), "x");
    CHECK(message_of([&] { check_not_an_input(dir.file("s.shp"), {{dir.file("s.dbf"), "LAYER"}}); }).find("is also an input") != std::string::npos);
    write_text(dir.file("t.dbf"), "x");
    CHECK(message_of([&] { check_not_an_input(dir.file("t.shp"), {{dir.file("s.shp"), "LAYER"}, {dir.file("t.dbf"), "OTHER"}}); }) ==
          "output \"" + dir.file("t.shp") + "\" would replace \"" + dir.file("t.dbf") + "\", part of an input (OTHER); write elsewhere");
    CHECK(output_files(dir.file("t.shp")).size() == 5);
    CHECK(output_files("-").empty());
}

TEST_CASE("A run refuses a folder where it would replace the scenario's own files", "[outputs]") {
    ScratchDir dir;
    for (const auto& entry : fs::directory_iterator(dza::test::data_dir)) fs::copy(entry.path(), dir.path() / entry.path().filename());
    const Scenario scenario = load_scenario(dir.file("scenario.yaml"));
    RunOptions options;
    options.output_dir = dir.path();
    const std::string before = dza::test::read_text(dir.file("deployments.geojson"));
    CHECK_THROWS_AS(run_scenario(scenario, options), UsageError);
    CHECK(dza::test::read_text(dir.file("deployments.geojson")) == before);
    CHECK(!fs::exists(dir.file("summary.json")));

    // Every file a run writes is one run_output_files names, so the check above covers them all.
    ScratchDir out;
    options.output_dir = out.path() / "run";
    const RunResult result = run_scenario(scenario, options);
    const std::vector<std::string> possible = run_output_files(scenario);
    for (const auto& file : result.files) CHECK(std::find(possible.begin(), possible.end(), file) != possible.end());
    // dza.kml only when asked for (RunOptions::kml).
    CHECK(std::find(result.files.begin(), result.files.end(), "dza.kml") == result.files.end());
}

TEST_CASE("Invalid UTF-8 becomes U+FFFD, byte by byte; valid text is untouched", "[outputs]") {
    CHECK(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    CHECK(to_valid_utf8("caf\xc3\xa9") == "caf\xc3\xa9");
    CHECK_FALSE(is_valid_utf8("caf\xe9"));
    CHECK(to_valid_utf8("caf\xe9") == "caf\xef\xbf\xbd");
    CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // a surrogate
    CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(is_valid_utf8("\xe2\x82"));          // cut short
    CHECK(to_valid_utf8("a\xe2\x82") == "a\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(is_valid_utf8(to_valid_utf8("\xff\xfe\x80\xc3")));
    // JSON text never throws on what slipped through, and says the same thing.
    nlohmann::ordered_json j = {{"name", std::string("caf\xe9")}};
    CHECK(json_text(j) == "{\"name\":\"caf\xef\xbf\xbd\"}");
    CHECK(json_text(nlohmann::json(std::string("ok"))) == "\"ok\"");
}

TEST_CASE("Text read from a Latin-1 CSV is made UTF-8 once, with one warning naming feature and field", "[outputs]") {
    ScratchDir dir;
    write_text(dir.file("l1.csv"), "name,lon,lat\ncaf\xe9,30,50\nok,31,50\n");
    std::vector<std::string> warnings;
    LoadOptions options;
    options.callbacks.warn = [&](const std::string& w) { warnings.push_back(w); };
    const Layer layer = load_layer(LayerRef::parse(dir.file("l1.csv")), options);
    CHECK(layer.features[0].values[0] == "caf\xef\xbf\xbd");
    CHECK(layer.features[1].values[0] == "ok");
    const auto utf8 = std::count_if(warnings.begin(), warnings.end(), [](const std::string& w) { return w.find("not valid UTF-8") != std::string::npos; });
    CHECK(utf8 == 1);
}

TEST_CASE("rename_clashing_fields renames src_<name>, ignoring case, and follows the name field", "[outputs]") {
    Layer layer;
    layer.fields = {{"Title", FieldType::String}, {"src_title", FieldType::String}, {"check", FieldType::String}, {"Name", FieldType::String},
                    {"name", FieldType::String}, {"keep", FieldType::Real}};
    layer.name_field = "Title";
    std::vector<std::string> warnings;
    Callbacks callbacks;
    callbacks.warn = [&](const std::string& w) { warnings.push_back(w); };
    CHECK(rename_clashing_fields(layer, {"title", "check"}, "x.geojson", callbacks) == 3);
    std::vector<std::string> names;
    for (const auto& f : layer.fields) names.push_back(f.name);
    CHECK(names == std::vector<std::string>{"src_Title_2", "src_title", "src_check", "Name", "src_name", "keep"});
    CHECK(layer.name_field == "src_Title_2");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "x.geojson: renamed fields clashing with dza's own columns or an earlier field (names ignore case): Title -> src_Title_2, "
                         "check -> src_check, name -> src_name");
    // Nothing to rename: no warning.
    warnings.clear();
    CHECK(rename_clashing_fields(layer, {"other"}, "x.geojson", callbacks) == 0);
    CHECK(warnings.empty());
}

namespace {
struct KmlPlacemark {
    std::string folder, name, style;
    std::map<std::string, std::string> data;
};

// dza.kml as GDAL's LIBKML driver reads it: a layer per <Folder>, in order, each placemark's name,
// style string and data.
std::vector<KmlPlacemark> read_kml_back(const std::string& path, std::vector<std::string>& folders) {
    const char* const drivers[] = {"LIBKML", nullptr};
    GDALDatasetH ds = GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, nullptr, nullptr);
    REQUIRE(ds != nullptr);
    std::vector<KmlPlacemark> out;
    for (int i = 0; i < GDALDatasetGetLayerCount(ds); ++i) {
        OGRLayerH layer = GDALDatasetGetLayer(ds, i);
        folders.push_back(OGR_L_GetName(layer));
        OGR_L_ResetReading(layer);
        while (OGRFeatureH f = OGR_L_GetNextFeature(layer)) {
            KmlPlacemark p{folders.back(), "", OGR_F_GetStyleString(f) ? OGR_F_GetStyleString(f) : "", {}};
            for (int k = 0; k < OGR_F_GetFieldCount(f); ++k)
                if (OGR_F_IsFieldSetAndNotNull(f, k)) p.data[OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, k))] = OGR_F_GetFieldAsString(f, k);
            p.name = p.data.count("Name") ? p.data["Name"] : "";
            out.push_back(std::move(p));
            OGR_F_Destroy(f);
        }
    }
    GDALClose(ds);
    return out;
}

// "#1f77b4" as OGR's style strings spell it, "#1F77B4", to find it in one.
std::string ogr_rgb(std::string rgb) {
    std::transform(rgb.begin(), rgb.end(), rgb.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return rgb;
}
}  // namespace

TEST_CASE("dza run writes dza.kml for Google Earth: the GeoPackage's layers, named and in the report's colours", "[outputs][kml]") {
    ScratchDir out;
    const Scenario scenario = load_scenario(std::string(dza::test::data_dir) + "/scenario.yaml");
    RunOptions options;
    options.output_dir = out.path() / "run";
    options.precision = 5;
    options.kml = true;
    const RunResult result = run_scenario(scenario, options);
    CHECK(std::find(result.files.begin(), result.files.end(), "dza.kml") != result.files.end());
    const std::string kml = (options.output_dir / "dza.kml").string();
    const std::string gpkg = (options.output_dir / "dza.gpkg").string();

    // A folder per layer, in the GeoPackage's order (the analysis on top).
    std::vector<std::string> folders;
    const std::vector<KmlPlacemark> placemarks = read_kml_back(kml, folders);
    std::vector<std::string> gpkg_layers = list_layers(gpkg);
    gpkg_layers.erase(std::remove(gpkg_layers.begin(), gpkg_layers.end(), "layer_styles"), gpkg_layers.end());  // QGIS's styles, not a layer
    CHECK(folders == gpkg_layers);
    REQUIRE(placemarks.size() > 20);
    for (const auto& p : placemarks) {
        INFO(p.folder);
        CHECK(!p.name.empty());
        CHECK(!p.style.empty());
    }
    // A layer at several target altitudes names each copy of an area by its altitude.
    for (const char* layer : {"coverage", "coverage_regions"}) {
        std::map<std::string, int> seen;
        for (const auto& p : placemarks)
            if (p.folder == layer) ++seen[p.name];
        INFO(layer);
        CHECK(seen.size() > 1);
        for (const auto& [name, n] : seen) {
            INFO(name);
            CHECK(n == 1);
            CHECK(name.size() > 2);
            CHECK(name.substr(name.size() - 2) == " m");
        }
    }
    // Each layer in the palette's colours: one colour a layer, coverage regions graded by their
    // covered share, eligible zones by band, deployments by role, those failing marked.
    const auto contains = [](const std::string& style, const std::string& what) { return style.find(what) != std::string::npos; };
    const std::pair<const char*, LayerKind> single[] = {{"regions", LayerKind::Regions},   {"neighbours", LayerKind::Neighbours},
                                                        {"coverage", LayerKind::Coverage}, {"gaps", LayerKind::Gaps},
                                                        {"standoff_band", LayerKind::StandoffBand}};
    std::map<std::string, int> checked;
    for (const auto& p : placemarks) {
        INFO(p.folder << " " << p.name << ": " << p.style);
        for (const auto& [name, kind] : single)
            if (p.folder == name) {
                CHECK(contains(p.style, "BRUSH(fc:" + ogr_rgb(layer_style(kind).fill)));
                ++checked[name];
            }
        if (p.folder == "line") {
            CHECK(contains(p.style, "PEN(c:" + ogr_rgb(layer_style(LayerKind::Line).stroke)));
            ++checked["line"];
        }
        if (p.folder == "coverage_regions") {
            CHECK(contains(p.style, "BRUSH(fc:" + ogr_rgb(covered_pct_color(std::stod(p.data.at("covered_pct"))))));
            ++checked["coverage_regions"];
        }
        if (p.folder == "deployments") {
            const bool passed = p.data.at("passed") == "1";
            CHECK(contains(p.style, "SYMBOL(") == true);
            CHECK(contains(p.style, "c:" + ogr_rgb(role_color(p.data.at("role")))) == passed);
            ++checked[passed ? "passing" : "failing"];
        }
    }
    // The eligible zones: the nearest band the lightest, as eligible_band_color grades them.
    std::vector<double> bands;
    for (const auto& p : placemarks)
        if (p.folder == "eligible_zones") bands.push_back(std::stod(p.data.at("band_min_km")));
    std::sort(bands.begin(), bands.end());
    bands.erase(std::unique(bands.begin(), bands.end()), bands.end());
    REQUIRE(!bands.empty());
    for (const auto& p : placemarks)
        if (p.folder == "eligible_zones") {
            const auto at = std::lower_bound(bands.begin(), bands.end(), std::stod(p.data.at("band_min_km"))) - bands.begin();
            INFO(p.name << ": " << p.style);
            CHECK(contains(p.style, "BRUSH(fc:" + ogr_rgb(eligible_band_color(static_cast<std::size_t>(at), bands.size()))));
            ++checked["eligible_zones"];
        }
    for (const char* name : {"regions", "neighbours", "coverage", "gaps", "standoff_band", "line", "coverage_regions", "eligible_zones", "passing", "failing"}) {
        INFO(name);
        CHECK(checked[name] > 0);
    }
    // A failing deployment's style differs from every passing one's.
    std::set<std::string> passing_styles;
    for (const auto& p : placemarks)
        if (p.folder == "deployments" && p.data.at("passed") == "1") passing_styles.insert(p.style);
    for (const auto& p : placemarks)
        if (p.folder == "deployments" && p.data.at("passed") != "1") CHECK(passing_styles.count(p.style) == 0);
}
