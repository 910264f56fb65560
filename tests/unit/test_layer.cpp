#include <GeographicLib/UTMUPS.hpp>

#include <catch2/catch.hpp>

#include "dza/error.hpp"
#include "dza/layer.hpp"
#include "helpers.hpp"

using namespace dza;
using dza::test::feature_collection;
using dza::test::error_of;
using dza::test::ScratchDir;
using dza::test::write_text;

namespace {
// Loads with warnings collected instead of printed.
Layer load(const std::string& ref, std::vector<std::string>* warnings = nullptr, LoadOptions options = {}) {
    options.callbacks.warn = [warnings](const std::string& m) {
        if (warnings) warnings->push_back(m);
    };
    return load_layer(LayerRef::parse(ref), options);
}

bool any_contains(const std::vector<std::string>& items, const std::string& part) {
    for (const auto& i : items)
        if (i.find(part) != std::string::npos) return true;
    return false;
}
}  // namespace

TEST_CASE("layer references use the QGIS source syntax", "[layer]") {
    const auto ref = LayerRef::parse("data/world.gpkg|layername=states|where=adm0_a3='UKR'|crs=EPSG:3857");
    CHECK(ref.source == "data/world.gpkg");
    CHECK(ref.layer_name == "states");
    CHECK(ref.where == "adm0_a3='UKR'");
    CHECK(ref.crs == "EPSG:3857");
    CHECK(LayerRef::parse("a.gpkg|layerid=2").layer_index == 2);
    CHECK(LayerRef::parse("a.gpkg|subset=x>1").where == "x>1");
    CHECK_THROWS_AS(LayerRef::parse("a.gpkg|colour=red"), UsageError);
    CHECK_THROWS_AS(LayerRef::parse("a.gpkg|layerid=two"), UsageError);
    CHECK_THROWS_AS(LayerRef::parse("a.gpkg|layername"), UsageError);
}

TEST_CASE("passwords never appear in displayed sources", "[layer]") {
    CHECK(redact_source("PG:host=localhost dbname=gis user=me password=s3cret") == "PG:host=localhost dbname=gis user=me password=***");
    CHECK(redact_source("PG:password='a bQ1' dbname=x") == "PG:password=*** dbname=x");
    CHECK(redact_source("postgresql://me:s3cret@db/gis") == "postgresql://me:***@db/gis");
    const auto ref = LayerRef::parse("PG:dbname=gis password=s3cret|layername=regions");
    CHECK(ref.display().find("s3cret") == std::string::npos);
}

TEST_CASE("GeoJSON loads with attributes, types and names", "[layer]") {
    ScratchDir dir;
    const auto path = write_text(dir.file("d.geojson"), feature_collection(R"(
        {"type":"Feature","properties":{"name":"FR-1","radius_km":120.5,"personnel":800,"active":true},"geometry":{"type":"Point","coordinates":[24.03,49.84]}},
        {"type":"Feature","properties":{"name":"UK-1","radius_km":80,"personnel":null,"active":false},"geometry":{"type":"Point","coordinates":[25.6,50.6]}})"));
    const Layer layer = load(path);
    REQUIRE(layer.features.size() == 2);
    CHECK(layer.driver == "GeoJSON");
    CHECK(layer.crs == "EPSG:4326");
    CHECK_FALSE(layer.crs_assumed);
    const auto radius = layer.require_field("radius_km");
    CHECK(layer.fields[radius].type == FieldType::Real);
    CHECK(layer.features[0].values[radius].get<double>() == 120.5);
    CHECK(layer.features[1].values[layer.require_field("personnel")].is_null());
    CHECK(layer.describe(layer.features[0]) == "feature 0 (\"FR-1\")");
    CHECK(layer.features[1].geometry.extent().min_lon == 25.6);
    CHECK_THAT(error_of<UsageError>([&] { layer.require_field("radius_kn"); }), Catch::Contains("did you mean \"radius_km\""));
}

TEST_CASE("attribute filters select features; bad filters are usage errors", "[layer]") {
    ScratchDir dir;
    const auto path = write_text(dir.file("d.geojson"), feature_collection(R"(
        {"type":"Feature","properties":{"role":"ground"},"geometry":{"type":"Point","coordinates":[24,49]}},
        {"type":"Feature","properties":{"role":"ISR"},"geometry":{"type":"Point","coordinates":[25,50]}})"));
    CHECK(load(path + "|where=role='ISR'").features.size() == 1);
    CHECK_THAT(error_of<UsageError>([&] { load(path + "|where=colour='red'"); }), Catch::Contains("filter \"colour='red'\" is not valid"));
    CHECK_THAT(error_of<DataError>([&] { load(path + "|where=role='maritime'"); }), Catch::Contains("has no features matching"));
}

TEST_CASE("projected sources are transformed to WGS84 lon/lat", "[layer][crs]") {
    // A point in UTM zone 35N, converted independently with GeographicLib's UTMUPS.
    const double x = 500000 + 12345.6, y = 5520000.0;
    double lat = 0, lon = 0;
    GeographicLib::UTMUPS::Reverse(35, true, x, y, lat, lon);
    ScratchDir dir;
    const auto path = write_text(dir.file("utm.geojson"),
                                 R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32635"}},"features":[)"
                                 R"({"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[)" +
                                     std::to_string(x) + "," + std::to_string(y) + "]}}]}");
    const Layer layer = load(path);
    CHECK(layer.crs == "EPSG:32635");
    const Extent e = layer.features[0].geometry.extent();
    CHECK(e.min_lon == Approx(lon).margin(1e-9));  // 1e-9 degrees is 0.1 mm
    CHECK(e.min_lat == Approx(lat).margin(1e-9));

    // The same coordinates with the CRS given in the reference.
    const auto csv = write_text(dir.file("utm.csv"), "wkt,name\n\"POINT (" + std::to_string(x) + " " + std::to_string(y) + ")\",a\n");
    const Layer from_csv = load(csv + "|crs=EPSG:32635");
    CHECK(from_csv.features[0].geometry.extent().min_lat == Approx(lat).margin(1e-9));
}

TEST_CASE("sources without a CRS are assumed WGS84 with a warning", "[layer][crs]") {
    ScratchDir dir;
    const auto csv = write_text(dir.file("bases.csv"), "name,lon,lat\nLviv,24.03,49.84\nRivne,26.25,50.62\n");
    std::vector<std::string> warnings;
    const Layer layer = load(csv, &warnings);
    CHECK(layer.crs_assumed);
    CHECK(layer.features.size() == 2);
    CHECK(layer.features[1].geometry.extent().min_lon == 26.25);
    CHECK(any_contains(warnings, "declares no CRS; assuming EPSG:4326"));

    // Projected numbers without a CRS cannot be lon/lat: a data error that says what to do.
    const auto utm = write_text(dir.file("utm.csv"), "name,wkt\nA,\"POINT (512345 5520000)\"\n");
    CHECK_THAT(error_of<DataError>([&] { load(utm); }), Catch::Contains("declares no CRS") && Catch::Contains("--assume-crs"));
    LoadOptions options;
    options.assume_crs = "EPSG:32635";
    CHECK(load(utm, nullptr, options).features[0].geometry.extent().min_lat == Approx(49.8).margin(0.1));
}

TEST_CASE("swapped axes and out-of-range coordinates are data errors", "[layer]") {
    ScratchDir dir;
    const auto path = write_text(dir.file("swapped.geojson"), feature_collection(
        R"({"type":"Feature","properties":{"name":"Lviv"},"geometry":{"type":"Point","coordinates":[49.84,124.03]}})"));
    const std::string message = error_of<DataError>([&] { load(path); });
    CHECK_THAT(message, Catch::Contains("swapped") && Catch::Contains("feature 0 (\"Lviv\")") && Catch::Contains("swapped.geojson"));
}

TEST_CASE("invalid geometries are repaired with a warning; empty ones are counted", "[layer]") {
    ScratchDir dir;
    const auto path = write_text(dir.file("bad.geojson"), feature_collection(R"(
        {"type":"Feature","properties":{"name":"bowtie"},"geometry":{"type":"Polygon","coordinates":[[[24,49],[25,50],[25,49],[24,50],[24,49]]]}},
        {"type":"Feature","properties":{"name":"nothing"},"geometry":null})"));
    std::vector<std::string> warnings;
    const Layer layer = load(path, &warnings);
    CHECK(layer.stats.invalid_repaired == 1);
    CHECK(layer.stats.empty == 1);
    CHECK(any_contains(warnings, "feature 0 (\"bowtie\"): invalid geometry (Self-intersection"));
    CHECK(any_contains(warnings, "feature 1 (\"nothing\") has no geometry"));
    CHECK(layer.features[0].geometry.type_name() == "MultiPolygon");
    CHECK(layer.features[1].geometry.is_null());
}

TEST_CASE("missing, unreadable and empty sources are data errors", "[layer]") {
    ScratchDir dir;
    CHECK_THAT(error_of<DataError>([&] { load(dir.file("nope.geojson")); }), Catch::Contains("no such file"));
    const auto junk = write_text(dir.file("junk.geojson"), "this is not geojson");
    CHECK_THAT(error_of<DataError>([&] { load(junk); }), Catch::Contains("GDAL cannot read it"));
    const auto empty = write_text(dir.file("empty.geojson"), feature_collection(""));
    CHECK_THAT(error_of<DataError>([&] { load(empty); }), Catch::Contains("has no features"));
    LoadOptions allow;
    allow.allow_empty_layer = true;
    CHECK(load(empty, nullptr, allow).features.empty());
}

TEST_CASE("a feature's label and an error's feature context", "[layer]") {
    dza::Layer layer;
    layer.source = "plan.geojson";
    layer.fields = {{"name", dza::FieldType::String}, {"radius_km", dza::FieldType::Real}};
    dza::Feature named{7, {"FR-1", 50.0}, {}};
    dza::Feature numbered{8, {12, 50.0}, {}};
    dza::Feature unnamed{9, {nullptr, 50.0}, {}};
    CHECK(layer.label(named) == "FR-1");
    CHECK(layer.label(numbered) == "12");  // a value that is not text: its JSON text
    CHECK(layer.label(unnamed) == "9");    // no name: the fid
    layer.name_field = "radius_km";
    CHECK(layer.label(named) == "50.0");

    layer.name_field.clear();
    const auto fails_with = [&](const dza::Feature& f, auto error) {
        dza::with_feature_context(layer, f, [&]() -> int { throw error; });
    };
    try {
        fails_with(named, dza::UsageError("radius is negative"));
        FAIL("no error");
    } catch (const dza::UsageError& e) {
        CHECK(std::string(e.what()) == layer.where_text() + ": feature 7 (\"FR-1\"): radius is negative");
    }
    try {
        fails_with(unnamed, dza::DataError("cannot buffer"));
        FAIL("no error");
    } catch (const dza::UsageError&) {
        FAIL("a DataError came back as a UsageError");
    } catch (const dza::DataError& e) {
        CHECK(std::string(e.what()) == layer.where_text() + ": feature 9: cannot buffer");
    }
    CHECK(dza::with_feature_context(layer, named, [] { return 3; }) == 3);
}
