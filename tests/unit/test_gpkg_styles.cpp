// QGIS styles in dza.gpkg: the layer order, the QML and SLD documents (read back with GDAL's XML
// parser, not by the code that wrote them), and the layer_styles table.
#include <cpl_conv.h>
#include <cpl_minixml.h>
#include <gdal.h>
#include <ogr_api.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "dza/error.hpp"
#include "dza/gpkg_styles.hpp"
#include "dza/writer.hpp"
#include "helpers.hpp"

using namespace dza;
using namespace dza::test;

namespace {

struct XmlDeleter {
    void operator()(CPLXMLNode* n) const { CPLDestroyXMLNode(n); }
};
using Xml = std::unique_ptr<CPLXMLNode, XmlDeleter>;

Xml parse(const std::string& text) {
    CPLPushErrorHandler(CPLQuietErrorHandler);
    Xml doc(CPLParseXMLString(text.c_str()));
    CPLPopErrorHandler();
    return doc;
}

// Every element named `name` under `node`, depth first.
void collect(const CPLXMLNode* node, const std::string& name, std::vector<const CPLXMLNode*>& out) {
    for (; node; node = node->psNext) {
        if (node->eType == CXT_Element && name == node->pszValue) out.push_back(node);
        collect(node->psChild, name, out);
    }
}
std::vector<const CPLXMLNode*> elements(const Xml& doc, const std::string& name) {
    std::vector<const CPLXMLNode*> out;
    collect(doc.get(), name, out);
    return out;
}

Layer zones_with_bands(const std::vector<std::pair<std::string, double>>& bands) {
    Layer layer;
    layer.name = "eligible_zones";
    layer.fields = {{"band", FieldType::String}, {"band_min_km", FieldType::Real}};
    for (std::size_t i = 0; i < bands.size(); ++i) {
        Feature f;
        f.fid = static_cast<std::int64_t>(i);
        f.values = {bands[i].first, bands[i].second};
        f.geometry = Geometry::polygon({{30, 50}, {31, 50}, {31, 51}, {30, 50}});
        layer.features.push_back(std::move(f));
    }
    return layer;
}

}  // namespace

TEST_CASE("QGIS gets dza.gpkg's layers with the analysis on top", "[gpkg_styles]") {
    Layer a, b, c, d, e;
    const std::vector<StyledLayer> written = {{&a, LayerKind::Deployments}, {&b, LayerKind::Neighbours}, {&c, LayerKind::Regions},
                                              {&d, LayerKind::CoverageRegions}, {&e, LayerKind::Line}};
    const std::vector<StyledLayer> order = qgis_layer_order(written);
    const std::vector<const Layer*> expected = {&a, &e, &d, &c, &b};  // QGIS puts the first on top
    CHECK(layer_pointers(order) == expected);
    // Stable among layers of one kind: the proposed plan after the plan as given.
    Layer p;
    const auto two = qgis_layer_order({{&a, LayerKind::Deployments}, {&p, LayerKind::Deployments}});
    CHECK(two[0].layer == &a);
    CHECK(two[1].layer == &p);
}

TEST_CASE("QGIS styles are well-formed XML with the data's text escaped", "[gpkg_styles]") {
    const std::string odd = "<50 km & \"near\" 'x'";
    const Layer zones = zones_with_bands({{"over 300 km", 300}, {odd, 0}, {"100-200 km", 100}});
    const QgisStyle style = qgis_style(zones, LayerKind::Eligible);
    const Xml qml = parse(style.qml);
    REQUIRE(qml);
    const auto renderer = elements(qml, "renderer-v2");
    REQUIRE(renderer.size() == 1);
    CHECK(std::string(CPLGetXMLValue(renderer[0], "type", "")) == "categorizedSymbol");
    CHECK(std::string(CPLGetXMLValue(renderer[0], "attr", "")) == "band");
    // One category per band, nearest first, then the one for every other value.
    const auto categories = elements(qml, "category");
    REQUIRE(categories.size() == 4);
    CHECK(std::string(CPLGetXMLValue(categories[0], "value", "?")) == odd);
    CHECK(std::string(CPLGetXMLValue(categories[1], "value", "?")) == "100-200 km");
    CHECK(std::string(CPLGetXMLValue(categories[2], "value", "?")) == "over 300 km");
    CHECK(std::string(CPLGetXMLValue(categories[3], "value", "?")).empty());
    CHECK(elements(qml, "symbol").size() == 4);

    const Xml sld = parse(style.sld);
    REQUIRE(sld);
    const auto literals = elements(sld, "ogc:Literal");
    bool found = false;
    for (const auto* l : literals) found = found || std::string(CPLGetXMLValue(l, "", "")) == odd;
    CHECK(found);
    CHECK(elements(sld, "se:PolygonSymbolizer").size() == 4);
}

TEST_CASE("coverage by region is graduated as the other outputs grade it, lowest altitude on top", "[gpkg_styles]") {
    Layer regions = named_polygons({{"A", {{30, 50}, {31, 50}, {31, 51}, {30, 50}}}});
    regions.name = "coverage_regions";
    regions.fields.push_back({"altitude_m", FieldType::Real});
    regions.fields.push_back({"covered_pct", FieldType::Real});
    regions.features[0].values.push_back(50.0);
    regions.features[0].values.push_back(12.5);
    const QgisStyle style = qgis_style(regions, LayerKind::CoverageRegions);
    const Xml qml = parse(style.qml);
    REQUIRE(qml);
    const auto renderer = elements(qml, "renderer-v2");
    REQUIRE(renderer.size() == 1);
    CHECK(std::string(CPLGetXMLValue(renderer[0], "type", "")) == "graduatedSymbol");
    CHECK(std::string(CPLGetXMLValue(renderer[0], "enableorderby", "")) == "1");
    // Five classes of 20 points, the gaps' orange to the coverage's blue (report.hpp).
    const auto ranges = elements(qml, "range");
    REQUIRE(ranges.size() == 5);
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        CHECK(CPLAtof(CPLGetXMLValue(ranges[i], "lower", "")) == Approx(20.0 * double(i)));
        CHECK(CPLAtof(CPLGetXMLValue(ranges[i], "upper", "")) == Approx(20.0 * double(i + 1)));
    }
    const auto symbols = elements(qml, "symbol");
    REQUIRE(symbols.size() == 5);
    const auto color_of = [](const CPLXMLNode* symbol) {
        std::vector<const CPLXMLNode*> options;
        collect(symbol->psChild, "Option", options);
        for (const auto* o : options)
            if (std::string(CPLGetXMLValue(o, "name", "")) == "color") return std::string(CPLGetXMLValue(o, "value", ""));
        return std::string();
    };
    CHECK(color_of(symbols.front()) == "255,127,14,255");
    CHECK(color_of(symbols.back()) == "31,119,180,255");
    const auto order = elements(qml, "orderByClause");
    REQUIRE(order.size() == 1);
    CHECK(std::string(CPLGetXMLValue(order[0], "asc", "")) == "0");
    CHECK(std::string(CPLGetXMLValue(order[0], "", "")) == "\"altitude_m\"");
    CHECK(elements(qml, "labeling").size() == 1);  // by name
}

TEST_CASE("layer_styles holds one default style per layer, as QGIS reads it", "[gpkg_styles]") {
    ScratchDir dir;
    const std::string path = dir.file("out.gpkg");
    const Layer regions = named_polygons({{"A", {{30, 50}, {31, 50}, {31, 51}, {30, 50}}}});
    const Layer zones = zones_with_bands({{"100-200 km", 100}});
    const std::vector<StyledLayer> layers = {{&regions, LayerKind::Regions}, {&zones, LayerKind::Eligible}};
    write_layers(layer_pointers(layers), path);
    write_qgis_styles(path, layers);
    write_qgis_styles(path, layers);  // again: the earlier defaults give way

    GDALDatasetH ds = GDALOpenEx(path.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
    REQUIRE(ds);
    const auto rows = [&](const std::string& sql) {
        std::vector<std::string> out;
        OGRLayerH result = GDALDatasetExecuteSQL(ds, sql.c_str(), nullptr, "SQLITE");
        REQUIRE(result);
        while (OGRFeatureH f = OGR_L_GetNextFeature(result)) {
            out.push_back(OGR_F_GetFieldAsString(f, 0));
            OGR_F_Destroy(f);
        }
        GDALDatasetReleaseResultSet(ds, result);
        return out;
    };
    CHECK(rows("SELECT f_table_name || '|' || f_geometry_column || '|' || f_table_schema || '|' || useAsDefault FROM layer_styles ORDER BY f_table_name") ==
          std::vector<std::string>{"eligible_zones|geom||1", "regions|geom||1"});
    CHECK(rows("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'") == std::vector<std::string>{"attributes"});
    CHECK(rows("SELECT substr(styleQML, 1, 14) FROM layer_styles WHERE f_table_name = 'regions'") == std::vector<std::string>{"<!DOCTYPE qgis"});
    CHECK(rows("SELECT count(*) FROM layer_styles WHERE styleSLD LIKE '%<StyledLayerDescriptor%'") == std::vector<std::string>{"2"});
    CHECK(rows("PRAGMA integrity_check") == std::vector<std::string>{"ok"});
    GDALClose(ds);
}

TEST_CASE("a GeoPackage that cannot be opened is a DataError naming it", "[gpkg_styles]") {
    ScratchDir dir;
    const std::string path = dir.file("missing.gpkg");
    const Layer regions = named_polygons({{"A", {{30, 50}, {31, 50}, {31, 51}, {30, 50}}}});
    const std::string message = error_of<DataError>([&] { write_qgis_styles(path, {{&regions, LayerKind::Regions}}); });
    CHECK(message.find(path + ": cannot write the QGIS styles") == 0);
}

TEST_CASE("coverage at several altitudes is a rule per altitude, the lowest on", "[gpkg_styles]") {
    Layer coverage;
    coverage.name = "coverage";
    coverage.fields = {{"altitude_m", FieldType::Real}};
    for (double m : {3000.0, 50.0, 312.5}) {
        Feature f;
        f.values = {m};
        f.geometry = Geometry::polygon({{30, 50}, {31, 50}, {31, 51}, {30, 50}});
        coverage.features.push_back(std::move(f));
    }
    const QgisStyle style = qgis_style(coverage, LayerKind::Coverage);
    const Xml qml = parse(style.qml);
    REQUIRE(qml);
    CHECK(std::string(CPLGetXMLValue(elements(qml, "renderer-v2")[0], "type", "")) == "RuleRenderer");
    const auto rules = elements(qml, "rule");
    REQUIRE(rules.size() == 3);
    CHECK(std::string(CPLGetXMLValue(rules[0], "filter", "")) == "\"altitude_m\" = 50");
    CHECK(std::string(CPLGetXMLValue(rules[1], "filter", "")) == "\"altitude_m\" = 312.5");
    CHECK(std::string(CPLGetXMLValue(rules[2], "filter", "")) == "\"altitude_m\" = 3000");
    CHECK(std::string(CPLGetXMLValue(rules[0], "checkstate", "")) == "1");
    CHECK(std::string(CPLGetXMLValue(rules[1], "checkstate", "")) == "0");
    CHECK(std::string(CPLGetXMLValue(rules[2], "checkstate", "")) == "0");
    // The SLD draws the lowest only.
    const Xml sld = parse(style.sld);
    REQUIRE(sld);
    const auto literals = elements(sld, "ogc:Literal");
    REQUIRE(literals.size() == 1);
    CHECK(std::string(CPLGetXMLValue(literals[0], "", "")) == "50");
}
