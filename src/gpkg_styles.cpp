// QGIS styles in a GeoPackage's layer_styles table. See include/dza/gpkg_styles.hpp.
#include "dza/gpkg_styles.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "dza/error.hpp"
#include "dza/version.hpp"
#include "gdal/gdal.hpp"
#include "markup.hpp"

namespace dza {

namespace {

// ---------------------------------------------------------------------------------------------
// What a style draws, before it is written as QML or SLD

enum class SymbolType { Marker, Line, Fill };

struct Rgb {
    int r = 0, g = 0, b = 0;
};

// "#rrggbb" (or "#rgb"); nullopt for "none" or anything else.
std::optional<Rgb> parse_color(const std::string& hex) {
    unsigned r = 0, g = 0, b = 0;
    if (hex.size() == 7 && std::sscanf(hex.c_str(), "#%2x%2x%2x", &r, &g, &b) == 3) return Rgb{int(r), int(g), int(b)};
    if (hex.size() == 4 && std::sscanf(hex.c_str(), "#%1x%1x%1x", &r, &g, &b) == 3) return Rgb{int(r * 17), int(g * 17), int(b * 17)};
    return std::nullopt;
}

std::string hex(const Rgb& c) { return fmt::format("#{:02x}{:02x}{:02x}", c.r, c.g, c.b); }

// One symbol: the map's MapStyle in QGIS's terms (widths in millimetres, 96 px to the inch).
struct Symbol {
    SymbolType type = SymbolType::Fill;
    std::optional<Rgb> fill;    // none: not filled
    double fill_opacity = 1;
    std::optional<Rgb> stroke;  // none: no outline
    double stroke_opacity = 1;
    double stroke_width_mm = 0.26;
    std::vector<double> dash_mm;  // empty: solid
    bool hatched = false;
    double size_mm = 2.6;         // markers
    std::string failing_when;     // a QGIS expression: a red ring and cross where it holds (deployments that failed the check)
};

constexpr double mm_per_px = 25.4 / 96;
const Rgb white{255, 255, 255};
const Rgb failing_red{215, 25, 28};
constexpr const char* check_field = "check";    // what a plan check found: "ok", or the violations
constexpr const char* passed_field = "passed";  // whether the deployment passed it
constexpr double graded_fill_opacity = 0.6;     // as the graded fills of the styled GeoJSON
constexpr const char* altitude_field = "altitude_m";
constexpr const char* label_font = "DejaVu Sans";  // the map's font

Symbol symbol_from(const MapStyle& s, SymbolType type) {
    Symbol out;
    out.type = type;
    out.fill = parse_color(s.fill);
    out.fill_opacity = s.fill_opacity;
    out.stroke = parse_color(s.stroke);
    out.stroke_opacity = s.stroke_opacity;
    out.stroke_width_mm = std::max(0.1, s.stroke_width_px * mm_per_px);
    if (!(s.stroke_width_px > 0)) out.stroke.reset();
    for (double d : s.dash_px) out.dash_mm.push_back(d * mm_per_px);
    out.hatched = s.hatch_spacing_px > 0;
    out.size_mm = 2 * s.marker_radius_px * mm_per_px * 1.4;
    if (type == SymbolType::Line && !out.stroke) out.stroke = out.fill;  // a line's colour is its stroke
    if (type == SymbolType::Marker) {
        // Points: filled with the fill colour (the stroke where there is none), a white outline.
        if (!out.fill) out.fill = out.stroke;
        out.fill_opacity = 1;
        out.stroke = white;
        out.stroke_opacity = 1;
        out.stroke_width_mm = 0.3;
    }
    return out;
}

std::string qgis_field(const std::string& name);
std::string ogc_compare(const char* op, const std::string& field, const std::string& literal);

// ByAltitude: one symbol, a rule per target altitude (altitude_m), only the lowest switched on.
enum class RendererType { Single, Categorized, Graduated, ByAltitude };

struct Class {
    std::string label;
    std::string value;              // categorized: the value ("" with `other`: every other value)
    bool other = false;             // categorized: the class of values without one of their own
    double lower = 0, upper = 0;    // graduated: [lower, upper), the last class closed
    Symbol symbol;
};

struct LabelSpec {
    std::string field;  // "" for none
    double size_pt = 8;
    Rgb color{34, 34, 34};
    bool italic = false, bold = false, uppercase = false;
};

struct StyleSpec {
    RendererType renderer = RendererType::Single;
    std::string field;           // categorized or graduated on
    Symbol single;               // Single
    std::vector<Class> classes;  // Categorized, Graduated
    bool order_by_altitude = false;
    std::vector<double> altitudes_m;  // ByAltitude: the layer's altitudes, lowest first
    double layer_opacity = 1;
    LabelSpec label;
    std::string failing_when;    // QGIS: the deployments that failed the plan check ("" when not checked)
    std::string failing_filter;  // SLD: the same as an OGC filter
    std::string description;
};

// The symbol type of a layer: from its features' geometry, else its declared type, else its kind.
SymbolType symbol_type(const Layer& layer, LayerKind kind) {
    const auto of_name = [](const std::string& t) -> std::optional<SymbolType> {
        if (t.find("Point") != std::string::npos) return SymbolType::Marker;
        if (t.find("LineString") != std::string::npos || t.find("Curve") != std::string::npos) return SymbolType::Line;
        if (t.find("Polygon") != std::string::npos || t.find("Surface") != std::string::npos) return SymbolType::Fill;
        return std::nullopt;
    };
    for (const Feature& f : layer.features)
        if (!f.geometry.is_empty())
            if (auto t = of_name(f.geometry.type_name())) return *t;
    if (auto t = of_name(layer.declared_geometry_type)) return *t;
    switch (kind) {
        case LayerKind::Deployments: return SymbolType::Marker;
        case LayerKind::Line:
        case LayerKind::LineGaps:
        case LayerKind::Distances: return SymbolType::Line;
        default: return SymbolType::Fill;
    }
}


StyleSpec style_spec(const Layer& layer, LayerKind kind) {
    StyleSpec spec;
    const MapStyle& base = layer_style(kind);
    const SymbolType type = symbol_type(layer, kind);
    spec.single = symbol_from(base, type);
    const auto has = [&](const char* field) { return layer.field_index(field).has_value(); };
    spec.order_by_altitude = has(altitude_field);
    if (kind == LayerKind::Deployments && has(passed_field)) {
        spec.failing_when = qgis_field(passed_field) + " = false";
        // A GeoPackage holds a boolean as the integer 0 or 1; QGIS reads the literal "false" as
        // text, which no boolean equals, so failing deployments would go unmarked.
        spec.failing_filter = ogc_compare("PropertyIsEqualTo", passed_field, "0");
    } else if (kind == LayerKind::Deployments && has(check_field)) {
        spec.failing_when = qgis_field(check_field) + " <> 'ok'";
        spec.failing_filter = ogc_compare("PropertyIsNotEqualTo", check_field, "ok");
    }

    if ((kind == LayerKind::CoverageRegions || kind == LayerKind::CoverageTargets) && has("covered_pct")) {
        // The share covered in the classes of every styled output (covered_pct_classes), opaque
        // within the layer so that the copy at the lowest altitude hides the others, the layer
        // itself at the graded GeoJSON's fill opacity.
        spec.renderer = RendererType::Graduated;
        spec.field = "covered_pct";
        for (const GradedClass& g : covered_pct_classes()) {
            Class c;
            c.lower = g.from;
            c.upper = g.to;
            c.label = g.label + " covered";
            c.symbol = spec.single;
            c.symbol.fill = parse_color(g.color);
            c.symbol.fill_opacity = 1;
            c.symbol.stroke = parse_color(layer_style(LayerKind::Regions).stroke);
            c.symbol.stroke_opacity = 1;
            spec.classes.push_back(c);
        }
        spec.layer_opacity = graded_fill_opacity;
        spec.description = "share of each area covered (covered_pct)";
    } else if (kind == LayerKind::Eligible && has("band")) {
        // One class per band, in the greens of every styled output (eligible_band_color), nearest the line lightest.
        spec.renderer = RendererType::Categorized;
        spec.field = "band";
        const auto band = layer.field_index("band");
        const auto min_km = layer.field_index("band_min_km");
        std::vector<std::pair<double, std::string>> bands;
        std::set<std::string> seen;
        for (const Feature& f : layer.features) {
            if (*band >= f.values.size() || !f.values[*band].is_string()) continue;
            const std::string b = f.values[*band].get<std::string>();
            if (!seen.insert(b).second) continue;
            const double km = min_km && *min_km < f.values.size() && f.values[*min_km].is_number() ? f.values[*min_km].get<double>() : 0;
            bands.emplace_back(km, b);
        }
        std::sort(bands.begin(), bands.end());
        for (std::size_t i = 0; i < bands.size(); ++i) {
            Class c;
            c.value = c.label = bands[i].second;
            c.symbol = spec.single;
            c.symbol.fill = parse_color(eligible_band_color(i, bands.size()));
            c.symbol.fill_opacity = graded_fill_opacity;
            spec.classes.push_back(c);
        }
        Class other;
        other.other = true;
        other.label = "other";
        other.symbol = spec.single;
        spec.classes.push_back(other);
        spec.description = "eligible for basing, by distance band from the line";
    } else if (kind == LayerKind::Deployments && has("role")) {
        spec.renderer = RendererType::Categorized;
        spec.field = "role";
        for (const auto& [role, color] : role_colors()) {
            Class c;
            c.value = c.label = role;
            c.symbol = spec.single;
            if (type == SymbolType::Marker) c.symbol.fill = parse_color(color);
            else c.symbol.stroke = parse_color(color);
            c.symbol.failing_when = spec.failing_when;
            spec.classes.push_back(c);
        }
        Class other;
        other.other = true;
        other.label = "other role";
        other.symbol = spec.single;
        other.symbol.failing_when = spec.failing_when;
        spec.classes.push_back(other);
        spec.description = spec.failing_when.empty() ? "deployments by role" : "deployments by role; ringed and crossed in red where the plan check failed";
    } else {
        spec.single.failing_when = spec.failing_when;
        spec.description = "as on the dza map";
        // Coverage at several target altitudes: the copies would pile up, so each altitude is a
        // rule of its own, the lowest (the hardest case, as on the map) on, the others a tick away.
        if (const auto a = layer.field_index(altitude_field)) {
            std::set<double> altitudes;
            for (const Feature& f : layer.features)
                if (*a < f.values.size() && f.values[*a].is_number()) altitudes.insert(f.values[*a].get<double>());
            if (altitudes.size() > 1) {
                spec.renderer = RendererType::ByAltitude;
                spec.altitudes_m.assign(altitudes.begin(), altitudes.end());
                spec.order_by_altitude = false;
                spec.description += fmt::format("; one rule per target altitude, {:g} m shown", spec.altitudes_m.front());
            }
        }
    }
    if (spec.order_by_altitude) spec.description += "; highest target altitude drawn first, the lowest on top";

    // Labels, as on the map: regions and neighbours by name, deployments by id.
    const auto name_field = [&]() -> std::string {
        const auto i = layer.label_field();
        return i ? layer.fields[*i].name : "";
    };
    if (kind == LayerKind::Regions || kind == LayerKind::CoverageRegions) {
        spec.label.field = name_field();
        spec.label.size_pt = 7.5;
        spec.label.color = Rgb{119, 119, 111};
        spec.label.italic = true;
    } else if (kind == LayerKind::Neighbours) {
        spec.label.field = name_field();
        spec.label.size_pt = 9;
        spec.label.color = Rgb{143, 143, 136};
        spec.label.uppercase = true;
    } else if (kind == LayerKind::Deployments) {
        spec.label.field = has("id") ? std::string("id") : name_field();
        spec.label.size_pt = 8;
        spec.label.color = Rgb{26, 26, 26};
        spec.label.bold = true;
    }
    return spec;
}

// ---------------------------------------------------------------------------------------------
// XML

// Text for XML content and double-quoted attributes: &, <, >, " escaped, invalid UTF-8 replaced,
// control characters XML 1.0 does not allow made spaces.
std::string xml(const std::string& raw) {
    std::string clean = raw;
    for (char& c : clean)
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') c = ' ';
    return markup_escape(clean);
}

// A field in a QGIS expression.
std::string qgis_field(const std::string& name) {
    std::string out = "\"";
    for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string num(double v) { return fmt::format("{:.6g}", v); }

std::string qgis_color(const std::optional<Rgb>& c, double opacity) {
    if (!c) return "0,0,0,0";
    return fmt::format("{},{},{},{}", c->r, c->g, c->b, static_cast<int>(std::lround(std::clamp(opacity, 0.0, 1.0) * 255)));
}

std::string option(const char* name, const std::string& value) {
    return fmt::format("            <Option type=\"QString\" name=\"{}\" value=\"{}\"/>\n", name, xml(value));
}

// The data-defined property that switches a symbol layer on only for failing deployments.
std::string enabled_when(const std::string& expression) {
    return "          <data_defined_properties>\n"
           "            <Option type=\"Map\">\n"
           "              <Option type=\"QString\" name=\"name\" value=\"\"/>\n"
           "              <Option type=\"Map\" name=\"properties\">\n"
           "                <Option type=\"Map\" name=\"enabled\">\n"
           "                  <Option type=\"bool\" name=\"active\" value=\"true\"/>\n" +
           fmt::format("                  <Option type=\"QString\" name=\"expression\" value=\"{}\"/>\n", xml(expression)) +
           "                  <Option type=\"int\" name=\"type\" value=\"3\"/>\n"
           "                </Option>\n"
           "              </Option>\n"
           "              <Option type=\"QString\" name=\"type\" value=\"collection\"/>\n"
           "            </Option>\n"
           "          </data_defined_properties>\n";
}

std::string symbol_layer(const char* cls, const std::string& options, const std::string& extra = {}) {
    return fmt::format("        <layer class=\"{}\" enabled=\"1\" locked=\"0\" pass=\"0\">\n          <Option type=\"Map\">\n{}          </Option>\n{}        </layer>\n",
                       cls, options, extra);
}

std::string dash_pattern(const std::vector<double>& dash_mm) {
    std::string out;
    for (double d : dash_mm) out += (out.empty() ? "" : ";") + num(d);
    return out;
}

std::string qml_symbol(const Symbol& s, const std::string& name) {
    std::string layers;
    switch (s.type) {
        case SymbolType::Fill: {
            std::string o;
            o += option("color", qgis_color(s.fill, s.fill_opacity));
            o += option("style", !s.fill ? "no" : s.hatched ? "f_diagonal" : "solid");
            o += option("outline_color", qgis_color(s.stroke, s.stroke_opacity));
            o += option("outline_style", !s.stroke ? "no" : s.dash_mm.empty() ? "solid" : "dash");
            o += option("outline_width", num(s.stroke_width_mm));
            o += option("outline_width_unit", "MM");
            o += option("joinstyle", "round");
            layers += symbol_layer("SimpleFill", o);
            break;
        }
        case SymbolType::Line: {
            std::string o;
            o += option("line_color", qgis_color(s.stroke, s.stroke_opacity));
            o += option("line_style", s.stroke ? "solid" : "no");
            o += option("line_width", num(s.stroke_width_mm));
            o += option("line_width_unit", "MM");
            o += option("capstyle", "round");
            o += option("joinstyle", "round");
            o += option("use_custom_dash", s.dash_mm.empty() ? "0" : "1");
            o += option("customdash", s.dash_mm.empty() ? "5;2" : dash_pattern(s.dash_mm));
            o += option("customdash_unit", "MM");
            layers += symbol_layer("SimpleLine", o);
            break;
        }
        case SymbolType::Marker: {
            std::string o;
            o += option("name", "circle");
            o += option("color", qgis_color(s.fill, s.fill_opacity));
            o += option("outline_color", qgis_color(s.stroke, s.stroke_opacity));
            o += option("outline_style", s.stroke ? "solid" : "no");
            o += option("outline_width", num(s.stroke_width_mm));
            o += option("outline_width_unit", "MM");
            o += option("size", num(s.size_mm));
            o += option("size_unit", "MM");
            layers += symbol_layer("SimpleMarker", o);
            break;
        }
    }
    if (!s.failing_when.empty()) {
        // A red ring around the feature and a red cross on it, only where the check failed.
        if (s.type == SymbolType::Marker) {
            std::string ring;
            ring += option("name", "circle");
            ring += option("color", "0,0,0,0");
            ring += option("outline_color", qgis_color(failing_red, 1));
            ring += option("outline_style", "solid");
            ring += option("outline_width", "0.7");
            ring += option("outline_width_unit", "MM");
            ring += option("size", num(s.size_mm + 2.6));
            ring += option("size_unit", "MM");
            layers += symbol_layer("SimpleMarker", ring, enabled_when(s.failing_when));
            std::string cross;
            cross += option("name", "cross2");
            cross += option("color", qgis_color(failing_red, 1));
            cross += option("outline_color", qgis_color(failing_red, 1));
            cross += option("outline_style", "solid");
            cross += option("outline_width", "0.5");
            cross += option("outline_width_unit", "MM");
            cross += option("size", num(s.size_mm + 1.2));
            cross += option("size_unit", "MM");
            layers += symbol_layer("SimpleMarker", cross, enabled_when(s.failing_when));
        } else if (s.type == SymbolType::Line) {
            std::string o;
            o += option("line_color", qgis_color(failing_red, 1));
            o += option("line_style", "solid");
            o += option("line_width", "0.9");
            o += option("line_width_unit", "MM");
            layers += symbol_layer("SimpleLine", o, enabled_when(s.failing_when));
        } else {
            std::string o;
            o += option("color", "0,0,0,0");
            o += option("style", "no");
            o += option("outline_color", qgis_color(failing_red, 1));
            o += option("outline_style", "solid");
            o += option("outline_width", "0.9");
            o += option("outline_width_unit", "MM");
            layers += symbol_layer("SimpleFill", o, enabled_when(s.failing_when));
        }
    }
    const char* type = s.type == SymbolType::Fill ? "fill" : s.type == SymbolType::Line ? "line" : "marker";
    return fmt::format("      <symbol type=\"{}\" name=\"{}\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n{}      </symbol>\n", type, xml(name), layers);
}

std::string qml_labeling(const LabelSpec& l, SymbolType type) {
    if (l.field.empty()) return {};
    // Placement: around a point, over a polygon's centroid, along a line (Qgis::LabelPlacement 0, 1, 2).
    const int placement = type == SymbolType::Marker ? 0 : type == SymbolType::Fill ? 1 : 2;
    std::string out = "  <labeling type=\"simple\">\n    <settings calloutType=\"simple\">\n";
    out += fmt::format(
        "      <text-style fieldName=\"{}\" isExpression=\"0\" fontFamily=\"{}\" fontSize=\"{}\" fontSizeUnit=\"Point\" fontItalic=\"{}\" fontWeight=\"{}\" "
        "capitalization=\"{}\" textColor=\"{}\" textOpacity=\"1\" multilineHeight=\"1\" allowHtml=\"0\">\n",
        xml(l.field), label_font, num(l.size_pt), l.italic ? 1 : 0, l.bold ? 75 : 50, l.uppercase ? 1 : 0, qgis_color(l.color, 1));
    out += "        <text-buffer bufferDraw=\"1\" bufferSize=\"0.7\" bufferSizeUnits=\"MM\" bufferColor=\"255,255,255,255\" bufferOpacity=\"0.85\" "
           "bufferNoFill=\"1\" bufferJoinStyle=\"128\"/>\n";
    out += "      </text-style>\n";
    out += "      <text-format wrapChar=\"\" multilineAlign=\"3\" formatNumbers=\"0\" decimals=\"3\" plussign=\"0\"/>\n";
    out += fmt::format("      <placement placement=\"{}\" dist=\"1.2\" distUnits=\"MM\" priority=\"5\" placementFlags=\"10\" overrunDistance=\"0\"/>\n", placement);
    out += "      <rendering obstacle=\"1\" obstacleType=\"1\" displayAll=\"0\" upsidedownLabels=\"0\" labelPerPart=\"0\" mergeLines=\"0\" drawLabels=\"1\" "
           "scaleVisibility=\"0\" fontLimitPixelSize=\"0\" limitNumLabels=\"0\"/>\n";
    out += "    </settings>\n  </labeling>\n";
    return out;
}

int layer_geometry_type(SymbolType t) { return t == SymbolType::Marker ? 0 : t == SymbolType::Line ? 1 : 2; }

std::string qml(const StyleSpec& spec, SymbolType type) {
    std::string renderer;
    const std::string order = spec.order_by_altitude ? " enableorderby=\"1\"" : " enableorderby=\"0\"";
    std::string symbols;
    if (spec.renderer == RendererType::Single) {
        symbols += qml_symbol(spec.single, "0");
        renderer = fmt::format("  <renderer-v2 type=\"singleSymbol\" forceraster=\"0\" symbollevels=\"0\" referencescale=\"-1\"{}>\n    <symbols>\n{}    </symbols>\n",
                               order, symbols);
    } else if (spec.renderer == RendererType::ByAltitude) {
        std::string rules;
        for (std::size_t i = 0; i < spec.altitudes_m.size(); ++i) {
            const double m = spec.altitudes_m[i];
            symbols += qml_symbol(spec.single, std::to_string(i));
            // The filter's number as the file holds it ({} is the shortest text that reads back the same).
            rules += fmt::format("      <rule key=\"altitude_{}\" symbol=\"{}\" label=\"at {:g} m target altitude\" filter=\"{}\" checkstate=\"{}\"/>\n", i, i, m,
                                 xml(fmt::format("{} = {}", qgis_field(altitude_field), m)), i == 0 ? 1 : 0);
        }
        renderer = fmt::format(
            "  <renderer-v2 type=\"RuleRenderer\" forceraster=\"0\" symbollevels=\"0\" referencescale=\"-1\"{}>\n    <rules key=\"altitudes\">\n{}    "
            "</rules>\n    <symbols>\n{}    </symbols>\n",
            order, rules, symbols);
    } else {
        std::string classes;
        for (std::size_t i = 0; i < spec.classes.size(); ++i) {
            const Class& c = spec.classes[i];
            symbols += qml_symbol(c.symbol, std::to_string(i));
            if (spec.renderer == RendererType::Categorized)
                classes += fmt::format("      <category symbol=\"{}\" value=\"{}\" label=\"{}\" render=\"true\"/>\n", i, c.other ? "" : xml(c.value), xml(c.label));
            else
                classes += fmt::format("      <range symbol=\"{}\" lower=\"{:.6f}\" upper=\"{:.6f}\" label=\"{}\" render=\"true\"/>\n", i, c.lower, c.upper, xml(c.label));
        }
        if (spec.renderer == RendererType::Categorized)
            renderer = fmt::format(
                "  <renderer-v2 type=\"categorizedSymbol\" attr=\"{}\" forceraster=\"0\" symbollevels=\"0\" referencescale=\"-1\"{}>\n    <categories>\n{}    "
                "</categories>\n    <symbols>\n{}    </symbols>\n",
                xml(spec.field), order, classes, symbols);
        else
            renderer = fmt::format(
                "  <renderer-v2 type=\"graduatedSymbol\" attr=\"{}\" graduatedMethod=\"GraduatedColor\" forceraster=\"0\" symbollevels=\"0\" "
                "referencescale=\"-1\"{}>\n    <ranges>\n{}    </ranges>\n    <symbols>\n{}    </symbols>\n"
                "    <classificationMethod id=\"Fixed\">\n      <symmetricMode enabled=\"0\" symmetrypoint=\"0\" astride=\"0\"/>\n"
                "      <labelFormat format=\"%1 - %2\" labelprecision=\"0\" trimtrailingzeroes=\"1\"/>\n    </classificationMethod>\n",
                xml(spec.field), order, classes, symbols);
    }
    if (spec.order_by_altitude)
        renderer += fmt::format("    <orderby>\n      <orderByClause asc=\"0\" nullsFirst=\"0\">{}</orderByClause>\n    </orderby>\n", xml(qgis_field(altitude_field)));
    renderer += "  </renderer-v2>\n";
    std::string out = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n";
    out += fmt::format("<qgis version=\"3.22.0\" styleCategories=\"Symbology|Labeling|Rendering\" labelsEnabled=\"{}\">\n", spec.label.field.empty() ? 0 : 1);
    out += renderer;
    out += qml_labeling(spec.label, type);
    out += "  <blendMode>0</blendMode>\n  <featureBlendMode>0</featureBlendMode>\n";
    out += fmt::format("  <layerOpacity>{}</layerOpacity>\n", num(spec.layer_opacity));
    out += fmt::format("  <layerGeometryType>{}</layerGeometryType>\n", layer_geometry_type(type));
    out += "</qgis>\n";
    return out;
}

// ---------------------------------------------------------------------------------------------
// SLD (OGC Symbology Encoding 1.1)

std::string svg(const char* name, const std::string& value) { return fmt::format("<se:SvgParameter name=\"{}\">{}</se:SvgParameter>", name, xml(value)); }

std::string sld_stroke(const std::optional<Rgb>& c, double opacity, double width_mm, const std::vector<double>& dash_mm) {
    if (!c) return {};
    std::string s = "<se:Stroke>" + svg("stroke", hex(*c)) + svg("stroke-opacity", num(opacity)) + svg("stroke-width", num(width_mm / mm_per_px));
    s += svg("stroke-linejoin", "round") + svg("stroke-linecap", "round");
    if (!dash_mm.empty()) {
        std::string d;
        for (double x : dash_mm) d += (d.empty() ? "" : " ") + num(x / mm_per_px);
        s += svg("stroke-dasharray", d);
    }
    return s + "</se:Stroke>";
}

std::string sld_fill(const std::optional<Rgb>& c, double opacity) {
    if (!c) return {};
    return "<se:Fill>" + svg("fill", hex(*c)) + svg("fill-opacity", num(opacity)) + "</se:Fill>";
}

std::string sld_mark(const char* well_known, const std::optional<Rgb>& fill, double fill_opacity, const std::optional<Rgb>& stroke, double width_mm,
                     double size_mm) {
    return fmt::format("<se:PointSymbolizer><se:Graphic><se:Mark><se:WellKnownName>{}</se:WellKnownName>{}{}</se:Mark><se:Size>{}</se:Size></se:Graphic></se:PointSymbolizer>",
                       well_known, sld_fill(fill, fill_opacity), sld_stroke(stroke, 1, width_mm, {}), num(size_mm / mm_per_px));
}

std::string sld_symbolizer(const Symbol& s) {
    switch (s.type) {
        case SymbolType::Fill: return "<se:PolygonSymbolizer>" + sld_fill(s.fill, s.fill_opacity) + sld_stroke(s.stroke, s.stroke_opacity, s.stroke_width_mm, s.dash_mm) + "</se:PolygonSymbolizer>";
        case SymbolType::Line: return "<se:LineSymbolizer>" + sld_stroke(s.stroke, s.stroke_opacity, s.stroke_width_mm, s.dash_mm) + "</se:LineSymbolizer>";
        case SymbolType::Marker: return sld_mark("circle", s.fill, s.fill_opacity, s.stroke, s.stroke_width_mm, s.size_mm);
    }
    return {};
}

std::string ogc_compare(const char* op, const std::string& field, const std::string& literal) {
    return fmt::format("<ogc:{0}><ogc:PropertyName>{1}</ogc:PropertyName><ogc:Literal>{2}</ogc:Literal></ogc:{0}>", op, xml(field), xml(literal));
}

std::string sld_rule(const std::string& title, const std::string& filter, const std::string& symbolizer) {
    std::string r = "      <se:Rule>\n        <se:Name>" + xml(title) + "</se:Name>\n        <se:Description><se:Title>" + xml(title) + "</se:Title></se:Description>\n";
    if (!filter.empty()) r += "        <ogc:Filter>" + filter + "</ogc:Filter>\n";
    return r + "        " + symbolizer + "\n      </se:Rule>\n";
}

std::string sld(const StyleSpec& spec, const std::string& layer_name) {
    std::string rules;
    if (spec.renderer == RendererType::Single) {
        rules += sld_rule(layer_name, "", sld_symbolizer(spec.single));
    } else if (spec.renderer == RendererType::ByAltitude) {
        // SLD has no rule switched off: the lowest altitude only.
        const double m = spec.altitudes_m.front();
        rules += sld_rule(fmt::format("at {:g} m target altitude", m), ogc_compare("PropertyIsEqualTo", altitude_field, fmt::format("{}", m)),
                          sld_symbolizer(spec.single));
    } else if (spec.renderer == RendererType::Categorized) {
        std::string not_listed;
        for (const Class& c : spec.classes) {
            if (c.other) continue;
            not_listed += ogc_compare("PropertyIsNotEqualTo", spec.field, c.value);
        }
        const std::size_t listed = static_cast<std::size_t>(std::count_if(spec.classes.begin(), spec.classes.end(), [](const Class& c) { return !c.other; }));
        for (const Class& c : spec.classes) {
            std::string filter = ogc_compare("PropertyIsEqualTo", spec.field, c.value);
            if (c.other) filter = listed > 1 ? "<ogc:And>" + not_listed + "</ogc:And>" : not_listed;  // every value without a class
            rules += sld_rule(c.label, filter, sld_symbolizer(c.symbol));
        }
    } else {
        for (std::size_t i = 0; i < spec.classes.size(); ++i) {
            const Class& c = spec.classes[i];
            const bool last = i + 1 == spec.classes.size();
            const std::string filter = "<ogc:And>" + ogc_compare("PropertyIsGreaterThanOrEqualTo", spec.field, num(c.lower)) +
                                       ogc_compare(last ? "PropertyIsLessThanOrEqualTo" : "PropertyIsLessThan", spec.field, num(c.upper)) + "</ogc:And>";
            rules += sld_rule(c.label, filter, sld_symbolizer(c.symbol));
        }
    }
    if (!spec.failing_filter.empty())
        rules += sld_rule("plan check failed", spec.failing_filter,
                          sld_mark("circle", std::nullopt, 0, failing_red, 0.7, spec.single.size_mm + 2.6) +
                              sld_mark("x", failing_red, 1, failing_red, 0.3, spec.single.size_mm + 1.2));
    if (!spec.label.field.empty()) {
        const LabelSpec& l = spec.label;
        std::string font = "<se:Font>" + svg("font-family", label_font) + svg("font-size", num(l.size_pt * 96 / 72));
        if (l.italic) font += svg("font-style", "italic");
        if (l.bold) font += svg("font-weight", "bold");
        font += "</se:Font>";
        rules += sld_rule("labels", "",
                          "<se:TextSymbolizer><se:Label><ogc:PropertyName>" + xml(l.field) + "</ogc:PropertyName></se:Label>" + font +
                              "<se:Halo><se:Radius>1.5</se:Radius>" + sld_fill(white, 0.85) + "</se:Halo>" + sld_fill(l.color, 1) + "</se:TextSymbolizer>");
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<StyledLayerDescriptor version=\"1.1.0\" xmlns=\"http://www.opengis.net/sld\" xmlns:se=\"http://www.opengis.net/se\" "
           "xmlns:ogc=\"http://www.opengis.net/ogc\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
           "xsi:schemaLocation=\"http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd\">\n";
    out += "  <NamedLayer>\n    <se:Name>" + xml(layer_name) + "</se:Name>\n    <UserStyle>\n      <se:Name>" + xml(layer_name) + "</se:Name>\n";
    out += "      <se:FeatureTypeStyle>\n" + rules + "      </se:FeatureTypeStyle>\n    </UserStyle>\n  </NamedLayer>\n</StyledLayerDescriptor>\n";
    return out;
}

// ---------------------------------------------------------------------------------------------
// Layer order

// Where each kind is drawn on the map, bottom first (as compose_map stacks them; kinds the map
// does not draw placed beside their nearest relative).
int drawing_rank(LayerKind kind) {
    switch (kind) {
        case LayerKind::Neighbours: return 0;
        case LayerKind::Regions: return 1;
        case LayerKind::CoverageRegions: return 2;
        case LayerKind::OtherSide: return 3;
        case LayerKind::Context: return 4;
        case LayerKind::CoverageTargets: return 5;
        case LayerKind::Coverage: return 6;
        case LayerKind::Redundancy: return 7;
        case LayerKind::Gaps: return 8;
        case LayerKind::Eligible: return 9;
        case LayerKind::StandoffBand: return 10;
        case LayerKind::MaritimeZone: return 11;
        case LayerKind::BasingAreas: return 12;
        case LayerKind::Reach: return 13;
        case LayerKind::Distances: return 14;
        case LayerKind::LineGaps: return 15;
        case LayerKind::Line: return 16;
        case LayerKind::Deployments: return 17;
    }
    return 4;
}

}  // namespace

QgisStyle qgis_style(const Layer& layer, LayerKind kind) {
    const StyleSpec spec = style_spec(layer, kind);
    const SymbolType type = symbol_type(layer, kind);
    QgisStyle out;
    out.name = layer.name + " (dza)";
    out.description = fmt::format("dza {}: {}", version, spec.description);
    out.qml = qml(spec, type);
    out.sld = sld(spec, layer.name);
    return out;
}

std::vector<StyledLayer> qgis_layer_order(std::vector<StyledLayer> layers) {
    std::stable_sort(layers.begin(), layers.end(), [](const StyledLayer& a, const StyledLayer& b) { return drawing_rank(a.kind) > drawing_rank(b.kind); });
    return layers;
}

std::vector<const Layer*> layer_pointers(const std::vector<StyledLayer>& layers) {
    std::vector<const Layer*> out;
    for (const StyledLayer& l : layers) out.push_back(l.layer);
    return out;
}

void write_qgis_styles(const std::string& path, const std::vector<StyledLayer>& layers) {
    gdal::ensure_init();
    gdal::ErrorCapture capture;
    const auto fail = [&](const std::string& what) {
        return DataError(fmt::format("{}: cannot write the QGIS styles ({}): {}", path, what, capture.last_error()));
    };
    const char* const drivers[] = {"GPKG", nullptr};
    gdal::DatasetPtr ds(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, nullptr, nullptr));
    if (!ds) throw fail("cannot open it for update");
    if (GDALDatasetStartTransaction(ds.get(), FALSE) != OGRERR_NONE) throw fail("cannot start a transaction");

    // The table as QGIS makes it (QgsOgrProviderMetadata::saveStyle): an attributes table.
    OGRLayerH table = GDALDatasetGetLayerByName(ds.get(), "layer_styles");
    if (!table) {
        const char* const options[] = {"FID=id", nullptr};
        table = GDALDatasetCreateLayer(ds.get(), "layer_styles", nullptr, wkbNone, const_cast<char**>(options));
        if (!table) throw fail("cannot create the table layer_styles");
        const struct {
            const char* name;
            OGRFieldType type;
            OGRFieldSubType subtype;
            int width;
        } fields[] = {{"f_table_catalog", OFTString, OFSTNone, 256}, {"f_table_schema", OFTString, OFSTNone, 256}, {"f_table_name", OFTString, OFSTNone, 256},
                      {"f_geometry_column", OFTString, OFSTNone, 256}, {"styleName", OFTString, OFSTNone, 30},  {"styleQML", OFTString, OFSTNone, 0},
                      {"styleSLD", OFTString, OFSTNone, 0},         {"useAsDefault", OFTInteger, OFSTBoolean, 0}, {"description", OFTString, OFSTNone, 0},
                      {"owner", OFTString, OFSTNone, 30},           {"ui", OFTString, OFSTNone, 30},           {"update_time", OFTDateTime, OFSTNone, 0}};
        for (const auto& f : fields) {
            gdal::FieldDefnPtr defn(OGR_Fld_Create(f.name, f.type));
            OGR_Fld_SetSubType(defn.get(), f.subtype);
            if (f.type == OFTDateTime) OGR_Fld_SetDefault(defn.get(), "CURRENT_TIMESTAMP");
            if (f.width > 0) OGR_Fld_SetWidth(defn.get(), f.width);
            if (OGR_L_CreateField(table, defn.get(), TRUE) != OGRERR_NONE) throw fail(fmt::format("cannot add the column {} to layer_styles", f.name));
        }
    }
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(table);
    const auto field = [&](const char* name) {
        const int i = OGR_FD_GetFieldIndex(defn, name);
        if (i < 0) throw fail(fmt::format("its layer_styles table has no column {}; it was not made by QGIS or dza", name));
        return i;
    };
    const int catalog = field("f_table_catalog"), schema = field("f_table_schema"), table_name = field("f_table_name"), geometry = field("f_geometry_column"),
              style_name = field("styleName"), style_qml = field("styleQML"), style_sld = field("styleSLD"), use_as_default = field("useAsDefault"),
              description = field("description"), owner = field("owner"), ui = field("ui"), update_time = field("update_time");

    for (const StyledLayer& l : layers) {
        OGRLayerH data = GDALDatasetGetLayerByName(ds.get(), l.layer->name.c_str());
        if (!data) throw fail(fmt::format("it has no layer {}", l.layer->name));
        const char* geometry_column = OGR_L_GetGeometryColumn(data);
        const std::string table_text = OGR_L_GetName(data);
        const QgisStyle style = qgis_style(*l.layer, l.kind);
        // This layer's earlier default (a GeoPackage dza writes into again) gives way to this one.
        std::string where = "f_table_name = '";
        for (char c : table_text) where += c == '\'' ? std::string("''") : std::string(1, c);
        where += "' AND useAsDefault = 1";
        std::vector<GIntBig> earlier;
        OGR_L_SetAttributeFilter(table, where.c_str());
        OGR_L_ResetReading(table);
        while (gdal::FeaturePtr f{OGR_L_GetNextFeature(table)}) earlier.push_back(OGR_F_GetFID(f.get()));
        OGR_L_SetAttributeFilter(table, nullptr);
        for (GIntBig fid : earlier)
            if (OGR_L_DeleteFeature(table, fid) != OGRERR_NONE) throw fail(fmt::format("cannot replace the style of {}", table_text));

        gdal::FeaturePtr f(OGR_F_Create(defn));
        OGR_F_SetFieldString(f.get(), catalog, "");
        OGR_F_SetFieldString(f.get(), schema, "");
        OGR_F_SetFieldString(f.get(), table_name, table_text.c_str());
        OGR_F_SetFieldString(f.get(), geometry, geometry_column ? geometry_column : "");
        OGR_F_SetFieldString(f.get(), style_name, style.name.c_str());
        OGR_F_SetFieldString(f.get(), style_qml, style.qml.c_str());
        OGR_F_SetFieldString(f.get(), style_sld, style.sld.c_str());
        OGR_F_SetFieldInteger(f.get(), use_as_default, 1);
        OGR_F_SetFieldString(f.get(), description, style.description.c_str());
        OGR_F_SetFieldString(f.get(), owner, "");
        OGR_F_SetFieldNull(f.get(), ui);
        // The fixed date dza gives GDAL for gpkg_contents (OGR_CURRENT_DATE): the same run writes the same file.
        OGR_F_SetFieldDateTimeEx(f.get(), update_time, 2000, 1, 1, 0, 0, 0.0f, 100);
        if (OGR_L_CreateFeature(table, f.get()) != OGRERR_NONE) throw fail(fmt::format("cannot add the style of {}", table_text));
    }
    if (GDALDatasetCommitTransaction(ds.get()) != OGRERR_NONE) throw fail("cannot commit");
    CPLErrorReset();
    GDALFlushCache(ds.get());
    const bool flush_failed = CPLGetLastErrorType() >= CE_Failure;
    ds.reset();
    if (flush_failed || CPLGetLastErrorType() >= CE_Failure) throw fail("cannot close it");
}

}  // namespace dza
