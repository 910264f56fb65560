#include "dza/writer.hpp"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <atomic>
#include <string_view>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "dza/error.hpp"
#include "dza/map.hpp"
#include "gdal/checked_files.hpp"
#include "gdal/gdal.hpp"
#include "temp_folder.hpp"

namespace fs = std::filesystem;

namespace dza {

namespace {

struct Format {
    const char* extension;
    const char* driver;
    bool multi_layer;
};
constexpr Format formats[] = {
    {".geojson", "GeoJSON", false}, {".json", "GeoJSON", false},       {".gpkg", "GPKG", true},
    {".fgb", "FlatGeobuf", false},  {".shp", "ESRI Shapefile", false}, {".kml", "KML", true},
    {".csv", "CSV", false},         {".geojsonl", "GeoJSONSeq", false}, {".geojsons", "GeoJSONSeq", false},
};

const Format* format_for(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& f : formats)
        if (ext == f.extension) return &f;
    return nullptr;
}

std::string known_extensions() {
    std::string out;
    for (const auto& f : formats) out += (out.empty() ? "" : ", ") + std::string(f.extension);
    return out;
}

// The geometry type to declare: the one type every feature has, Multi* when single and multi
// parts of one kind mix, otherwise "any" (wkbUnknown).
OGRwkbGeometryType layer_geometry_type(const std::vector<gdal::GeometryPtr>& geometries) {
    std::set<OGRwkbGeometryType> types;
    for (const auto& g : geometries)
        if (g) types.insert(wkbFlatten(OGR_G_GetGeometryType(g.get())));
    if (types.empty()) return wkbUnknown;
    if (types.size() == 1) return *types.begin();
    if (types == std::set<OGRwkbGeometryType>{wkbPolygon, wkbMultiPolygon}) return wkbMultiPolygon;
    if (types == std::set<OGRwkbGeometryType>{wkbLineString, wkbMultiLineString}) return wkbMultiLineString;
    if (types == std::set<OGRwkbGeometryType>{wkbPoint, wkbMultiPoint}) return wkbMultiPoint;
    return wkbUnknown;
}

// The dimensions (0 points, 1 lines, 2 polygons) of a geometry's parts, through nested collections.
void part_dimensions(OGRGeometryH g, std::set<int>& out) {
    const OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(g));
    if (type == wkbGeometryCollection || type == wkbMultiPoint || type == wkbMultiLineString || type == wkbMultiPolygon) {
        for (int i = 0; i < OGR_G_GetGeometryCount(g); ++i) part_dimensions(OGR_G_GetGeometryRef(g, i), out);
        return;
    }
    if (!OGR_G_IsEmpty(g)) out.insert(OGR_G_GetDimension(g));
}

std::string dimensions_text(const std::set<int>& dims) {
    static const char* const names[] = {"points", "lines", "polygons"};
    std::string out;
    for (int d : dims) out += (out.empty() ? "" : " and ") + std::string(names[std::clamp(d, 0, 2)]);
    return out;
}

// Geometry parts a format cannot hold are refused, naming the feature, never dropped:
// - a Shapefile holds one kind of geometry per file: a GeometryCollection of one kind is written
//   as its Multi* equivalent, one of several kinds (or features of several kinds) is refused;
// - GDAL's RFC 7946 GeoJSON writer drops the points of a GeometryCollection that also holds lines
//   or polygons: such a collection is refused.
// GeoPackage, FlatGeobuf, GeoJSONSeq, KML, CSV (WKT) and PostGIS hold any collection whole.
// One feature at a time, in layer order; `fit` remembers the kind of the first (Shapefile).
struct GeometryFit {
    std::optional<int> dimension;  // of the layer's first feature with a geometry
    std::string first;             // that feature, described
};

void fit_geometry(gdal::GeometryPtr& g, const Layer& layer, const Feature& feature, const std::string& driver, const std::string& target,
                  GeometryFit& fit) {
    const bool shapefile = driver == "ESRI Shapefile";
    const bool geojson = driver == "GeoJSON";
    if ((!shapefile && !geojson) || !g) return;
    std::set<int> dims;
    part_dimensions(g.get(), dims);
    const bool collection = wkbFlatten(OGR_G_GetGeometryType(g.get())) == wkbGeometryCollection;
    if (collection && geojson && dims.size() > 1 && dims.count(0))
        throw DataError(fmt::format("{}: {} is a GeometryCollection of {}; GeoJSON (RFC 7946) as GDAL writes it would drop its points; write "
                                    ".geojsonl, .gpkg, .fgb, .kml or .csv instead, or split the feature",
                                    target, layer.describe(feature), dimensions_text(dims)));
    if (!shapefile || dims.empty()) return;
    if (dims.size() > 1)
        throw DataError(fmt::format("{}: {} is a GeometryCollection of {}; a Shapefile holds one kind of geometry; write .gpkg, .fgb or .kml instead, "
                                    "or split the feature",
                                    target, layer.describe(feature), dimensions_text(dims)));
    if (fit.dimension && *fit.dimension != *dims.begin())
        throw DataError(fmt::format("{}: {} holds {} while {} holds {}; a Shapefile holds one kind of geometry; write .gpkg, .fgb or .kml instead", target,
                                    layer.describe(feature), dimensions_text(dims), fit.first, dimensions_text({*fit.dimension})));
    if (!fit.dimension) fit.dimension = *dims.begin(), fit.first = layer.describe(feature);
    if (collection) {
        switch (*dims.begin()) {
            case 0: g.reset(OGR_G_ForceToMultiPoint(g.release())); break;
            case 1: g.reset(OGR_G_ForceToMultiLineString(g.release())); break;
            default: g.reset(OGR_G_ForceToMultiPolygon(g.release())); break;
        }
        if (wkbFlatten(OGR_G_GetGeometryType(g.get())) == wkbGeometryCollection)
            throw DataError(fmt::format("{}: {} is a nested GeometryCollection a Shapefile cannot hold; write .gpkg, .fgb or .kml instead", target,
                                        layer.describe(feature)));
    }
}

// Every coordinate of `g` rounded to `decimals` decimals (KML, whose drivers write 15 digits).
void round_coordinates(OGRGeometryH g, int decimals) {
    const int parts = OGR_G_GetGeometryCount(g);
    if (parts > 0) {
        for (int i = 0; i < parts; ++i) round_coordinates(OGR_G_GetGeometryRef(g, i), decimals);
        return;
    }
    const double scale = std::pow(10.0, decimals);
    const auto round = [&](double v) { return std::round(v * scale) / scale; };
    const bool z = OGR_G_CoordinateDimension(g) == 3;
    for (int i = 0; i < OGR_G_GetPointCount(g); ++i) {
        double x = 0, y = 0, h = 0;
        OGR_G_GetPoint(g, i, &x, &y, &h);
        if (z) OGR_G_SetPoint(g, i, round(x), round(y), h);
        else OGR_G_SetPoint_2D(g, i, round(x), round(y));
    }
}

// A name shortened to `limit` bytes word by word (words split at '_'): well-known words
// abbreviated, then the vowels after the first letter dropped from the longest word first (the
// last of equally long ones), until it fits; the caller cuts what is still too long.
std::string shorten_words(const std::string& name, std::size_t limit) {
    if (name.size() <= limit) return name;
    static const std::pair<const char*, const char*> abbreviations[] = {
        {"distance", "dist"}, {"error", "err"},      {"maximum", "max"},     {"minimum", "min"},   {"altitude", "alt"},   {"number", "num"},
        {"percent", "pct"},   {"coverage", "cov"},   {"population", "pop"}, {"latitude", "lat"},  {"longitude", "lon"}, {"elevation", "elev"},
    };
    std::vector<std::string> words;
    for (std::size_t start = 0;;) {
        const std::size_t end = name.find('_', start);
        words.push_back(name.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    const auto joined = [&] {
        std::string out;
        for (std::size_t i = 0; i < words.size(); ++i) out += (i ? "_" : "") + words[i];
        return out;
    };
    for (auto& word : words)
        for (const auto& [full, shorter] : abbreviations)
            if (strcasecmp(word.c_str(), full) == 0) word = shorter;
    const auto is_vowel = [](char c) { return std::strchr("aeiouAEIOU", c) != nullptr && c != '\0'; };
    std::set<std::size_t> done;
    while (joined().size() > limit) {
        std::optional<std::size_t> longest;
        for (std::size_t i = 0; i < words.size(); ++i)
            if (!done.count(i) && words[i].size() > 1 && std::any_of(words[i].begin() + 1, words[i].end(), is_vowel) &&
                (!longest || words[i].size() >= words[*longest].size()))
                longest = i;
        if (!longest) break;
        done.insert(*longest);
        std::string& w = words[*longest];
        w.erase(std::remove_if(w.begin() + 1, w.end(), is_vowel), w.end());
    }
    std::string out = joined();
    if (out.size() > limit) {
        std::size_t n = limit;
        while (n > 0 && (static_cast<unsigned char>(out[n]) & 0xC0) == 0x80) --n;  // not inside a UTF-8 sequence
        out.resize(n);
        while (out.size() > 1 && out.back() == '_') out.pop_back();
    }
    return out;
}

// Field names as the driver can hold them: KML writes them into XML attributes unescaped, so
// & < > " ' and control characters become _, and names LIBKML reads as KML elements are taken; a Shapefile keeps 10 bytes (shorten_words),
// PostgreSQL 63. Then any name equal to an earlier one or the driver's own id and geometry
// columns (ignoring case except in GeoJSON) gets _2, _3, ...
std::vector<std::string> field_names_for(const std::string& driver, const std::vector<FieldDef>& fields, std::vector<std::string>& renames) {
    const bool kml = driver == "KML" || driver == "LIBKML";
    const std::size_t max_bytes = driver == "ESRI Shapefile" ? 10 : driver == "PostgreSQL" ? 63 : std::string::npos;
    const auto cut = [&](std::string name, std::size_t limit) {
        if (limit == std::string::npos || name.size() <= limit) return name;
        std::size_t n = limit;
        while (n > 0 && (static_cast<unsigned char>(name[n]) & 0xC0) == 0x80) --n;  // not inside a UTF-8 sequence
        return name.substr(0, n);
    };
    // JSON keys differ by case; SQL, DBF, KML's name/description mapping and GDAL's own field
    // lookups do not.
    const bool ignore_case = driver != "GeoJSON" && driver != "GeoJSONSeq";
    const auto lower = [&](std::string s) {
        if (ignore_case) std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return s;
    };
    // The columns the driver makes itself: the feature id and the geometry.
    std::set<std::string> taken;
    if (driver == "GPKG") taken = {"fid", "geom"};
    if (driver == "PostgreSQL") taken = {"ogc_fid", "geom"};
    if (driver == "CSV") taken = {"wkt"};  // the geometry column
    // GDAL's LIBKML driver makes KML elements of fields with these names (a `model` replaces the
    // point, `visibility` 0 hides the placemark, `begin` sets a time span): they are renamed to
    // stay data. `name` and `description` keep their KML meaning.
    if (kml)
        taken = {"timestamp", "begin", "end", "altitudemode", "tessellate", "extrude", "visibility", "draworder", "icon", "snippet", "heading", "tilt",
                 "roll", "model", "scale_x", "scale_y", "scale_z", "networklink", "networklink_refreshvisibility", "networklink_flytoview",
                 "networklink_refreshmode", "networklink_refreshinterval", "networklink_viewrefreshmode", "networklink_viewrefreshtime",
                 "networklink_viewboundscale", "networklink_viewformat", "networklink_httpquery", "camera_longitude", "camera_latitude",
                 "camera_altitude", "camera_altitudemode", "photooverlay", "leftfov", "rightfov", "bottomfov", "topfov", "near",
                 "photooverlay_shape", "imagepyramid_tilesize", "imagepyramid_maxwidth", "imagepyramid_maxheight", "imagepyramid_gridorigin"};
    std::vector<std::string> out;
    for (const auto& field : fields) {
        std::string name = field.name;
        if (kml)
            for (char& c : name)
                if (std::strchr("&<>\"'", c) || static_cast<unsigned char>(c) < 0x20) c = '_';
        if (name.empty() && ignore_case) name = "field";  // JSON takes an empty key
        if (driver == "ESRI Shapefile") name = shorten_words(name, max_bytes);
        const std::string base = cut(name, max_bytes);
        name = base;
        for (int n = 2; taken.count(lower(name)); ++n) {
            const std::string suffix = fmt::format("_{}", n);
            name = cut(base, max_bytes == std::string::npos ? std::string::npos : max_bytes - suffix.size());
            if (name.size() < base.size() && name.size() > 1 && name.back() == '_') name.pop_back();  // no "__2"
            name += suffix;
        }
        taken.insert(lower(name));
        if (name != field.name) renames.push_back(fmt::format("{} -> {}", field.name, name));
        out.push_back(name);
    }
    return out;
}

OGRFieldType ogr_type(FieldType t) {
    switch (t) {
        case FieldType::Integer: return OFTInteger64;
        case FieldType::Real: return OFTReal;
        case FieldType::Boolean: return OFTInteger;
        case FieldType::String: return OFTString;
    }
    return OFTString;
}

// A feature's geometry as OGR holds it; null for none.
gdal::GeometryPtr ogr_geometry(const Layer& layer, const Feature& feature, const std::string& target) {
    if (feature.geometry.is_null()) return nullptr;
    const std::vector<unsigned char> wkb = feature.geometry.to_wkb();
    OGRGeometryH g = nullptr;
    if (OGR_G_CreateFromWkb(wkb.data(), nullptr, &g, static_cast<int>(wkb.size())) != OGRERR_NONE)
        throw DataError(fmt::format("{}: cannot convert the geometry of {}", target, layer.describe(feature)));
    return gdal::GeometryPtr(g);
}

OGRwkbGeometryType geometry_type_from_name(std::string_view name) {
    static const std::pair<const char*, OGRwkbGeometryType> types[] = {
        {"Point", wkbPoint},           {"LineString", wkbLineString},           {"Polygon", wkbPolygon},
        {"MultiPoint", wkbMultiPoint}, {"MultiLineString", wkbMultiLineString}, {"MultiPolygon", wkbMultiPolygon},
        {"GeometryCollection", wkbGeometryCollection}, {"Unknown", wkbUnknown}};
    for (const auto& [n, t] : types)
        if (name == n) return t;
    throw std::invalid_argument(fmt::format("LayerWriter: unknown geometry type \"{}\"", name));
}

// A GeoPackage with a write-ahead log beside it is open in another program (QGIS opens them so),
// or was not closed: its latest changes may be only in the log, and a log left beside a new file
// would be replayed into it. `Error` is UsageError before any work, DataError at the write.
template <typename Error>
void check_gpkg_not_in_use(const std::string& path) {
    std::error_code ec;
    const fs::path wal = path + "-wal";
    if (fs::exists(wal, ec) && fs::file_size(wal, ec) > 0 && !ec)
        throw Error(fmt::format("output \"{}\" is in use: {} exists (another program has the GeoPackage open, or did not close it); close it there and try again",
                                path, wal.string()));
}

// Closes `ds`, which writes what the driver still holds; a failure there is a failure of the
// write. (GDAL 3.6's GDALClose returns nothing: its errors are read after it.)
void close_dataset(gdal::DatasetPtr& ds, const gdal::ErrorCapture& capture, const std::string& target) {
    CPLErrorReset();
    GDALFlushCache(ds.get());
    const bool flush_failed = CPLGetLastErrorType() >= CE_Failure;
    ds.reset();
    if (flush_failed || CPLGetLastErrorType() >= CE_Failure) throw DataError(fmt::format("{}: cannot write: {}", target, capture.last_error()));
}

// ---------------------------------------------------------------------------------------------
// PostGIS

// `name` or `schema.name`, each an unquoted PostgreSQL identifier that stays as written.
const std::regex& table_pattern() {
    static const std::regex pattern("^([a-z_][a-z0-9_]*\\.)?[a-z_][a-z0-9_]*$");
    return pattern;
}
constexpr std::size_t max_identifier = 63;  // PostgreSQL truncates longer names

struct TableName {
    std::string schema;  // empty: the connection's search_path decides
    std::string name;
    std::string quoted() const { return schema.empty() ? fmt::format("\"{}\"", name) : fmt::format("\"{}\".\"{}\"", schema, name); }
};

TableName split_table(const std::string& table) {
    const auto dot = table.find('.');
    if (dot == std::string::npos) return {"", table};
    return {table.substr(0, dot), table.substr(dot + 1)};
}

gdal::DatasetPtr open_database(const std::string& output, const gdal::ErrorCapture& capture) {
    const char* const drivers[] = {"PostgreSQL", nullptr};
    gdal::DatasetPtr ds(GDALOpenEx(output.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, nullptr, nullptr));
    if (!ds)
        throw DataError(fmt::format("output \"{}\": cannot connect for writing ({}); check host, port, dbname, user and that PostGIS is installed there",
                                    redact_source(output), capture.last_error("no answer")));
    return ds;
}

// The layer creation options for a driver.
std::vector<std::string> layer_options(const std::string& driver, int precision) {
    const std::string digits = fmt::format("COORDINATE_PRECISION={}", precision);
    if (driver == "GeoJSON") return {"RFC7946=YES", digits};
    if (driver == "GeoJSONSeq") return {"RS=NO", digits};
    if (driver == "CSV") return {"GEOMETRY=AS_WKT"};
    // Text is UTF-8 (dza/text.hpp); GDAL's Shapefile default, ISO-8859-1, turns the rest into "?".
    if (driver == "ESRI Shapefile") return {"ENCODING=UTF-8"};
    return {};
}

// `layer` without its features: what a writer needs to name fields and describe features.
Layer schema_of(const Layer& layer) {
    Layer out;
    out.source = layer.source;
    out.name = layer.name;
    out.driver = layer.driver;
    out.crs = layer.crs;
    out.crs_name = layer.crs_name;
    out.crs_assumed = layer.crs_assumed;
    out.declared_geometry_type = layer.declared_geometry_type;
    out.fields = layer.fields;
    out.name_field = layer.name_field;
    return out;
}
}  // namespace

namespace {
// "#rrggbb" and an opacity as OGR's "#RRGGBBAA"; a colour OGR cannot read becomes the neutral grey.
std::string ogr_color(const std::string& rgb, double opacity) {
    const bool hex = rgb.size() == 7 && rgb[0] == '#' && std::all_of(rgb.begin() + 1, rgb.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
    const int alpha = static_cast<int>(std::lround(std::clamp(opacity, 0.0, 1.0) * 255));
    std::string out = fmt::format("{}{:02X}", hex ? rgb : std::string("#555555"), alpha);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}
}  // namespace

std::string ogr_style_string(const FeatureStyle& style, bool points, bool lines, bool polygons) {
    std::vector<std::string> parts;
    if (lines || polygons)
        parts.push_back(fmt::format("PEN(c:{},w:{:g}px)", ogr_color(style.stroke == "none" ? style.fill : style.stroke, style.stroke == "none" ? 0 : style.stroke_opacity),
                                    std::max(1.0, style.stroke_width_px)));
    if (polygons) parts.push_back(fmt::format("BRUSH(fc:{})", ogr_color(style.fill, style.fill == "none" ? 0 : style.fill_opacity)));
    // LIBKML needs the icon; Google Earth's round one takes the colour whole. A crossed-out marker
    // is Google Earth's "forbidden" sign untinted (white keeps its red), so that it stands out
    // whatever the role's colour.
    if (points) {
        if (style.marker_symbol == "cross")
            parts.push_back("SYMBOL(id:\"http://maps.google.com/mapfiles/kml/shapes/forbidden.png\",c:#FFFFFFFF)");
        else
            parts.push_back(fmt::format("SYMBOL(id:\"http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png\",c:{})", ogr_color(style.marker, 1)));
    }
    return fmt::format("{}", fmt::join(parts, ";"));
}

FeatureStyle simplestyle_feature_style(const Layer& layer, const Feature& feature) {
    const auto value = [&](const char* name) -> const nlohmann::json* {
        const auto i = layer.field_index(name);
        return i && *i < feature.values.size() && !feature.values[*i].is_null() ? &feature.values[*i] : nullptr;
    };
    FeatureStyle out;
    const auto text = [&](const char* name, std::string& to) {
        if (const auto* v = value(name); v && v->is_string()) to = v->get<std::string>();
    };
    const auto number = [&](const char* name, double& to) {
        if (const auto* v = value(name); v && v->is_number()) to = v->get<double>();
    };
    text("stroke", out.stroke);
    number("stroke-width", out.stroke_width_px);
    number("stroke-opacity", out.stroke_opacity);
    if (layer.field_index("fill")) {
        text("fill", out.fill);
        number("fill-opacity", out.fill_opacity);
    } else {
        out.fill = "none";
        out.fill_opacity = 0;
    }
    out.marker = out.stroke;
    text("marker-color", out.marker);
    text("marker-symbol", out.marker_symbol);
    return out;
}

FeatureStyler map_feature_style(const MapStyle& style, std::string color_field, std::vector<std::pair<std::string, std::string>> colors) {
    // As the GeoJSON's simplestyle: an opaque map fill becomes translucent over the imagery.
    constexpr double opaque_fill_opacity = 0.2;
    FeatureStyle base;
    base.stroke = style.stroke == "none" ? style.fill : style.stroke;
    base.stroke_opacity = style.stroke == "none" ? 0 : style.stroke_opacity;
    base.stroke_width_px = style.stroke_width_px;
    base.fill = style.fill;
    base.fill_opacity = style.fill == "none" ? 0 : style.fill_opacity < 1 ? style.fill_opacity : opaque_fill_opacity;
    base.marker = style.fill == "none" ? base.stroke : style.fill;
    return [base, color_field = std::move(color_field), colors = std::move(colors)](const Layer& layer, const Feature& feature) {
        FeatureStyle out = base;
        if (color_field.empty()) return out;
        const auto i = layer.field_index(color_field);
        if (!i || *i >= feature.values.size() || !feature.values[*i].is_string()) return out;
        for (const auto& [value, color] : colors)
            if (value == feature.values[*i].get_ref<const std::string&>()) out.marker = color;
        return out;
    };
}

std::string driver_for_path(const std::string& path) {
    if (path == "-") return "GeoJSON";
    if (is_database_output(path)) return "PostgreSQL";
    if (const Format* f = format_for(path)) return f->driver;
    throw UsageError(fmt::format("output \"{}\": unknown format; name it with one of {} (or - for GeoJSON on stdout, or PG:... with --table for PostGIS)", path, known_extensions()));
}

bool is_database_output(const std::string& output) { return output.size() >= 3 && strncasecmp(output.c_str(), "PG:", 3) == 0; }

std::vector<std::string> database_tables(const std::string& table, const std::vector<std::string>& layer_names) {
    if (layer_names.size() == 1) return {table};
    std::vector<std::string> out;
    for (const auto& name : layer_names) out.push_back(table + "_" + name);
    return out;
}

void validate_output(const std::string& output, const std::string& table) {
    if (!is_database_output(output)) {
        if (!table.empty()) throw UsageError(fmt::format("--table \"{}\" names a database table; it needs -o PG:... (a PostGIS connection)", table));
        driver_for_path(output);
        return;
    }
    if (table.empty()) throw UsageError(fmt::format("output \"{}\": a database output needs --table NAME (the table to create or replace)", redact_source(output)));
    if (!std::regex_match(table, table_pattern()) || split_table(table).name.size() > max_identifier)
        throw UsageError(fmt::format("--table \"{}\": use lower-case letters, digits and _ (optionally schema.name), at most {} characters", table,
                                     max_identifier));
}

void check_output_path(const std::string& path, const std::string& table) {
    if (path == "-") return;
    if (is_database_output(path)) {
        validate_output(path, table);
        gdal::ensure_init();
        gdal::ErrorCapture capture;
        open_database(path, capture);
        return;
    }
    if (!table.empty()) validate_output(path, table);
    const std::string driver = driver_for_path(path);
    check_writable_file(path);
    if (driver == "GPKG") check_gpkg_not_in_use<UsageError>(path);
}

void check_writable_file(const std::string& path) {
    const fs::path p(path);
    const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(parent, ec)) throw UsageError(fmt::format("output \"{}\": folder \"{}\" does not exist; create it first", path, parent.string()));
    if (access(parent.c_str(), W_OK) != 0) throw UsageError(fmt::format("output \"{}\": folder \"{}\" is not writable", path, parent.string()));
    if (fs::is_directory(p, ec)) throw UsageError(fmt::format("output \"{}\" is a folder; give a file name", path));
    if (fs::exists(p, ec) && access(p.c_str(), W_OK) != 0) throw UsageError(fmt::format("output \"{}\" exists and is read-only", path));
}

void check_output_folder(const std::string& folder, const std::vector<std::string>& files, const std::string& what_to_give) {
    const fs::path p(folder);
    std::error_code ec;
    if (fs::exists(p, ec)) {
        if (!fs::is_directory(p, ec)) throw UsageError(fmt::format("output \"{}\" exists and is not a folder; {}", folder, what_to_give));
        for (const std::string& name : files) {
            const std::string path = (p / name).string();
            bool layer_file = true;  // a file a driver writes; else a plain file (scenario.yaml)
            try {
                driver_for_path(path);
            } catch (const UsageError&) {
                layer_file = false;
            }
            if (layer_file) check_output_path(path);
            else check_writable_file(path);
        }
        return;
    }
    const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
    if (!fs::is_directory(parent, ec)) throw UsageError(fmt::format("output \"{}\": folder \"{}\" does not exist; create it first", folder, parent.string()));
    if (access(parent.c_str(), W_OK) != 0) throw UsageError(fmt::format("output \"{}\": folder \"{}\" is not writable", folder, parent.string()));
}

namespace {

std::string lower_extension(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

// A Shapefile is several files; any of them names the whole set.
bool is_shapefile_part(const fs::path& p) {
    const std::string ext = lower_extension(p);
    return ext == ".shp" || ext == ".shx" || ext == ".dbf";
}

// The files a path stands for: a Shapefile's set (in lower and upper case, as either is found),
// else the path alone.
std::vector<fs::path> with_sidecars(const fs::path& p) {
    if (!is_shapefile_part(p)) return {p};
    std::vector<fs::path> out;
    for (const char* ext : {".shp", ".shx", ".dbf", ".prj", ".cpg"}) {
        std::string upper = ext;
        std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        out.push_back(fs::path(p).replace_extension(ext));
        out.push_back(fs::path(p).replace_extension(upper));
    }
    return out;
}

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    return fs::equivalent(a, b, ec) && !ec;
}

}  // namespace

std::vector<std::string> output_files(const std::string& output) {
    if (output.empty() || output == "-" || is_database_output(output)) return {};
    if (lower_extension(output) != ".shp") return {output};
    std::vector<std::string> out;
    for (const char* ext : {".shp", ".shx", ".dbf", ".prj", ".cpg"}) out.push_back(fs::path(output).replace_extension(ext).string());
    return out;
}

void check_not_an_input(const std::string& output, const std::vector<InputSource>& inputs) {
    if (output_files(output).empty()) return;
    for (const auto& input : inputs) {
        if (input.source.empty() || is_database_output(input.source) || input.source.rfind("/vsi", 0) == 0) continue;
        // A layer reference counts by its source.
        const std::string source = input.source.substr(0, input.source.find('|'));
        std::error_code ec;
        const bool folder = fs::is_directory(source, ec);
        // Every file the write replaces, in every spelling the driver may use (the Shapefile driver keeps the case it finds).
        for (const fs::path& o : with_sidecars(output)) {
            if (!fs::exists(o, ec)) continue;
            if (folder) {
                if (same_file(o.has_parent_path() ? o.parent_path() : fs::path("."), source))
                    throw UsageError(fmt::format("output \"{}\" would replace \"{}\" in folder \"{}\", an input ({}); write elsewhere", output,
                                                 o.filename().string(), source, input.name));
                continue;
            }
            for (const fs::path& i : with_sidecars(source)) {
                if (!same_file(o, i)) continue;
                if (o == fs::path(output))
                    throw UsageError(fmt::format("output \"{}\" is also an input ({}); write elsewhere", output, input.name));
                throw UsageError(fmt::format("output \"{}\" would replace \"{}\", part of an input ({}); write elsewhere", output, o.string(),
                                             input.name));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// LayerWriter: the one write path. Files are written by GDAL into a private folder beside the
// target (text and other single-file drivers through the checked file system, a GeoPackage by
// SQLite directly), then renamed into place at commit; `-` is written in the system's temporary
// folder and copied to the stream at commit; a database is written in one transaction.

struct LayerWriter::Impl {
    enum class Kind { File, GeoPackage, Stdout, Database };
    Kind kind = Kind::File;
    std::string path;
    WriteOptions options;
    std::ostream* stdout_stream = nullptr;
    std::string shown;  // how messages name the output
    std::string driver;
    std::vector<std::string> names;   // the layers, in order
    std::vector<std::string> tables;  // a database's tables, by layer
    std::size_t next = 0;             // the next layer to begin
    fs::path folder;                  // the target's folder
    std::string file_name;            // the target's file name
    gdal::ErrorCapture capture;
    std::optional<TempFolder> temp;
    gdal::DatasetPtr ds;
    bool transaction = false;
    bool committed = false;
    bool libkml = false;  // KML written by GDAL's LIBKML driver

    // The layer being written.
    Layer schema;
    std::string target;  // how messages name it: the output, or `output "..." table T`
    OGRLayerH layer = nullptr;
    OGRFeatureDefnH defn = nullptr;
    std::vector<int> out_index;
    OGRwkbGeometryType geometry_type = wkbUnknown;
    GeometryFit fit;
    // KML: the placemarks' style, and the field added to name them (-1: a field of the layer's own
    // is named `name`).
    FeatureStyler styler;
    int kml_name_index = -1;

    Impl(const std::string& path_, std::vector<std::string> layer_names, const WriteOptions& options_, std::ostream* stream)
        : path(path_), options(options_), stdout_stream(stream), names(std::move(layer_names)) {
        gdal::ensure_init();
        if (options.precision < 0 || options.precision > 15) throw UsageError(fmt::format("precision {} is out of range (0 to 15)", options.precision));
        for (auto& name : names)
            if (name.empty()) name = "layer";
        if (path == "-") open_stdout();
        else if (is_database_output(path)) open_database_output();
        else open_file();
    }

    ~Impl() {
        if (committed) return;
        if (kind == Kind::Database && ds) GDALDatasetRollbackTransaction(ds.get());
        ds.reset();  // the temporary folder, and what is in it, goes next
        if (temp) gdal::forget_checked_failures(temp->path());
    }

    // Spooled to a file in the system's temporary folder ($TMPDIR), then copied to the stream at
    // commit: a failure prints nothing, and memory does not grow with the output.
    void open_stdout() {
        kind = Kind::Stdout;
        if (names.size() != 1) throw UsageError("stdout (-) takes one layer; write several to a .gpkg file");
        shown = "stdout";
        driver = "GeoJSON";
        std::error_code ec;
        const fs::path system_temp = fs::temp_directory_path(ec);
        temp.emplace(ec ? fs::path("/tmp") : system_temp, ".dza-tmp-", "stdout");
        create(gdal::checked_path(temp->path() / "stdout.geojson"));
    }

    void open_file() {
        check_output_path(path);
        const Format& format = *format_for(path);
        if (names.size() > 1 && !format.multi_layer)
            throw UsageError(fmt::format("output \"{}\": {} holds one layer; write {} layers to a .gpkg file", path, format.driver, names.size()));
        shown = path;
        driver = format.driver;
        const fs::path target_path(path);
        folder = target_path.parent_path();
        file_name = target_path.filename().string();
        if (driver == "GPKG") {
            // SQLite checks its own writes. An existing GeoPackage keeps its other layers: a copy is
            // updated beside it, then renamed over it.
            kind = Kind::GeoPackage;
            check_gpkg_not_in_use<DataError>(path);
            temp.emplace(folder, ".dza-tmp-", path);
            std::error_code ec;
            const bool update = fs::exists(target_path, ec) && fs::file_size(target_path, ec) > 0 && !ec;
            if (update) {
                copy_file_checked(target_path, temp->path() / file_name, path);
                const char* const drivers[] = {"GPKG", nullptr};
                ds.reset(GDALOpenEx((temp->path() / file_name).c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, nullptr, nullptr));
                if (!ds)
                    throw DataError(fmt::format("{}: exists and is not a GPKG file dza can add a layer to ({}); remove it or write to another file", shown,
                                                capture.last_error("GDAL cannot open it")));
                transaction = GDALDatasetStartTransaction(ds.get(), FALSE) == OGRERR_NONE;
                // GeoPackage table names are case-insensitive: "Zones" replaces "zones".
                for (const auto& name : names)
                    for (int i = GDALDatasetGetLayerCount(ds.get()) - 1; i >= 0; --i)
                        if (strcasecmp(OGR_L_GetName(GDALDatasetGetLayer(ds.get(), i)), name.c_str()) == 0 && GDALDatasetDeleteLayer(ds.get(), i) != OGRERR_NONE)
                            throw DataError(fmt::format("{}: cannot replace its layer \"{}\": {}", shown, name, capture.last_error()));
                return;
            }
            create((temp->path() / file_name).string());
            return;
        }
        // Text drivers ignore failed writes: they write through the checked file system, which
        // remembers every failure; the other drivers go the same way, so no file depends on a
        // driver's care.
        kind = Kind::File;
        temp.emplace(folder, ".dza-tmp-", path);
        create(gdal::checked_path(temp->path() / file_name));
    }

    void create(const std::string& file) {
        // KML with styles (the layers of a command that knows how they are drawn) through libkml
        // where GDAL has it: it writes each feature's style string as the placemark's <Style>
        // (fill and icon included) and a <Folder> per layer. It builds the document whole and
        // slows down sharply with thousands of placemarks (20,000 points: over 100 s), so a layer
        // without styles (dza convert) goes through the streaming KML driver, which draws lines
        // in the neutral colour and leaves fills and icons to the viewer.
        libkml = driver == "KML" && !options.styles.empty() && GDALGetDriverByName("LIBKML") != nullptr;
        GDALDriverH d = GDALGetDriverByName(libkml ? "LIBKML" : driver.c_str());
        if (!d) throw DataError(fmt::format("{}: this GDAL has no {} driver", shown, driver));
        ds.reset(GDALCreate(d, file.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        if (!ds) throw DataError(fmt::format("{}: cannot create: {}", shown, capture.last_error()));
        transaction = GDALDatasetStartTransaction(ds.get(), FALSE) == OGRERR_NONE;
    }

    // All tables in one transaction: every target is dropped first (never with CASCADE: views
    // built on it make the write fail instead of vanishing), then each is created anew; any
    // failure rolls every table back. The drops come first because GDAL reads the database's
    // table list at the first creation and would refuse a name it saw there.
    void open_database_output() {
        kind = Kind::Database;
        driver = "PostgreSQL";
        validate_output(path, options.table);
        shown = redact_source(path);
        tables = database_tables(options.table, names);
        for (const auto& table : tables)
            if (split_table(table).name.size() > max_identifier)
                throw UsageError(fmt::format("--table \"{}\": table {} would be longer than PostgreSQL's {} characters; choose a shorter name", options.table,
                                             table, max_identifier));
        ds = open_database(path, capture);
        // An output is never one of the inputs: a table this process read is not replaced.
        for (const auto& table : tables)
            if (const auto input = gdal::database_input(gdal::database_table_identity(ds.get(), table)))
                throw UsageError(fmt::format("output \"{}\" table {}: it is an input ({}); choose another --table", shown, table, *input));
        if (GDALDatasetStartTransaction(ds.get(), FALSE) != OGRERR_NONE)
            throw DataError(fmt::format("output \"{}\": cannot start a transaction ({})", shown, capture.last_error()));
        for (const auto& table : tables) {
            CPLErrorReset();
            const std::string drop = fmt::format("DROP TABLE IF EXISTS {}", split_table(table).quoted());
            GDALDatasetReleaseResultSet(ds.get(), GDALDatasetExecuteSQL(ds.get(), drop.c_str(), nullptr, nullptr));
            if (CPLGetLastErrorType() >= CE_Failure)
                throw DataError(fmt::format("output \"{}\" table {}: cannot replace it ({}); drop what depends on it or choose another --table", shown, table,
                                            capture.last_error()));
        }
    }

    std::string target_of(std::size_t index) const {
        return kind == Kind::Database ? fmt::format("output \"{}\" table {}", shown, tables[index]) : shown;
    }

    // `in_range`: every geometry of the layer is known to lie within lon -180..180, lat -90..90.
    void begin(const Layer& source, OGRwkbGeometryType type, bool in_range = false) {
        if (committed || !ds) throw std::logic_error("LayerWriter: begin_layer after commit");
        if (next >= names.size()) throw std::logic_error("LayerWriter: more layers than named");
        schema = schema_of(source);
        target = target_of(next);
        std::string name = names[next];
        std::vector<std::string> lco = layer_options(driver, options.precision);
        if (kind == Kind::Database) {
            const TableName t = split_table(tables[next]);
            name = t.name;
            lco = {"GEOMETRY_NAME=geom", "LAUNDER=YES", "SPATIAL_INDEX=GIST"};
            if (!t.schema.empty()) lco.push_back("SCHEMA=" + t.schema);
        }
        if (libkml) lco.push_back("FOLDER=YES");  // Google Earth's layers; a <Document> each otherwise
        // GDAL's RFC 7946 writer passes each geometry through its antimeridian wrapping, which turns
        // a MultiPolygon of one part into a Polygon, so that a layer of MultiPolygons comes out mixed
        // (QGIS then splits it in two). Geometries already within range have nothing to wrap.
        if (driver == "GeoJSON" && in_range) lco.push_back("WRAPDATELINE=NO");
        if (driver == "KML") {
            const auto style = options.styles.find(names[next]);
            styler = style != options.styles.end() && style->second ? style->second : [](const Layer&, const Feature&) { return FeatureStyle{}; };
        }
        ++next;
        std::vector<const char*> lco_list;
        for (const auto& o : lco) lco_list.push_back(o.c_str());
        lco_list.push_back(nullptr);

        gdal::SrsPtr srs = gdal::wgs84();
        geometry_type = type;
        fit = {};
        layer = GDALDatasetCreateLayer(ds.get(), name.c_str(), srs.get(), type, const_cast<char**>(lco_list.data()));
        if (!layer) throw DataError(fmt::format("{}: cannot create layer \"{}\" ({})", target, name, capture.last_error()));

        // Drivers may hold fields of their own (KML's Name, Description) or rename ours (Shapefile's
        // 10-character limit), so remember where each of ours landed.
        out_index.clear();
        defn = OGR_L_GetLayerDefn(layer);
        std::vector<std::string> renames;
        const std::vector<std::string> field_names = field_names_for(driver, schema.fields, renames);
        if (!renames.empty())
            options.callbacks.warning(fmt::format("{}: {} renamed for the {} format: {}", target, renames.size() == 1 ? "a field" : "fields", driver,
                                                  fmt::join(renames, ", ")));
        for (std::size_t k = 0; k < schema.fields.size(); ++k) {
            const FieldDef& field = schema.fields[k];
            const int before = OGR_FD_GetFieldCount(defn);
            gdal::FieldDefnPtr fd(OGR_Fld_Create(field_names[k].c_str(), ogr_type(field.type)));
            if (field.type == FieldType::Boolean) OGR_Fld_SetSubType(fd.get(), OFSTBoolean);
            if (OGR_L_CreateField(layer, fd.get(), TRUE) != OGRERR_NONE)
                throw DataError(fmt::format("{}: cannot create field \"{}\" ({})", target, field.name, capture.last_error()));
            out_index.push_back(OGR_FD_GetFieldCount(defn) > before ? OGR_FD_GetFieldCount(defn) - 1 : OGR_FD_GetFieldIndex(defn, field_names[k].c_str()));
        }
        // KML's <name> comes from the field named `name` (either driver, ignoring case); a layer
        // without one gets it, holding each feature's label.
        kml_name_index = -1;
        if (driver == "KML" && std::none_of(field_names.begin(), field_names.end(), [](const std::string& n) { return strcasecmp(n.c_str(), "name") == 0; })) {
            gdal::FieldDefnPtr fd(OGR_Fld_Create("name", OFTString));
            if (OGR_L_CreateField(layer, fd.get(), TRUE) != OGRERR_NONE)
                throw DataError(fmt::format("{}: cannot create field \"name\" ({})", target, capture.last_error()));
            kml_name_index = OGR_FD_GetFieldIndex(defn, "name");
        }
    }

    // Writes `feature` with `geom`, already fitted to the format.
    void add(const Feature& feature, gdal::GeometryPtr geom) {
        if (!layer) throw std::logic_error("LayerWriter: write before begin_layer");
        gdal::FeaturePtr f(OGR_F_Create(defn));
        for (std::size_t i = 0; i < schema.fields.size() && i < feature.values.size(); ++i) {
            const auto& v = feature.values[i];
            const int idx = out_index[i];
            if (idx < 0) continue;
            if (v.is_null()) OGR_F_SetFieldNull(f.get(), idx);
            else if (v.is_boolean()) OGR_F_SetFieldInteger(f.get(), idx, v.get<bool>() ? 1 : 0);
            else if (v.is_number_integer()) OGR_F_SetFieldInteger64(f.get(), idx, v.get<std::int64_t>());
            else if (v.is_number()) OGR_F_SetFieldDouble(f.get(), idx, v.get<double>());
            else if (v.is_string()) OGR_F_SetFieldString(f.get(), idx, v.get_ref<const std::string&>().c_str());
            else OGR_F_SetFieldString(f.get(), idx, v.dump().c_str());
        }
        if (geom) {
            const OGRwkbGeometryType own = wkbFlatten(OGR_G_GetGeometryType(geom.get()));
            if (own != geometry_type) {
                switch (geometry_type) {
                    case wkbUnknown: break;
                    case wkbMultiPolygon: if (own == wkbPolygon) geom.reset(OGR_G_ForceToMultiPolygon(geom.release())); break;
                    case wkbMultiLineString: if (own == wkbLineString) geom.reset(OGR_G_ForceToMultiLineString(geom.release())); break;
                    case wkbMultiPoint: if (own == wkbPoint) geom.reset(OGR_G_ForceToMultiPoint(geom.release())); break;
                    default: break;
                }
                if (geometry_type != wkbUnknown && wkbFlatten(OGR_G_GetGeometryType(geom.get())) != geometry_type)
                    throw DataError(fmt::format("{}: {} is a {}, but its layer holds {}; write .gpkg, .fgb or .geojson instead", target, schema.describe(feature),
                                                OGRGeometryTypeToName(own), OGRGeometryTypeToName(geometry_type)));
            }
            if (driver == "KML") {
                round_coordinates(geom.get(), options.precision);
                std::set<int> dims;
                part_dimensions(geom.get(), dims);
                const std::string style = ogr_style_string(styler(schema, feature), dims.count(0) > 0, dims.count(1) > 0, dims.count(2) > 0);
                if (!style.empty()) OGR_F_SetStyleString(f.get(), style.c_str());
            }
            OGR_F_SetGeometryDirectly(f.get(), geom.release());
        }
        if (kml_name_index >= 0) OGR_F_SetFieldString(f.get(), kml_name_index, schema.label(feature).c_str());
        if (OGR_L_CreateFeature(layer, f.get()) != OGRERR_NONE)
            throw DataError(fmt::format("{}: cannot write {} ({})", target, schema.describe(feature), capture.last_error()));
    }

    void write(const Feature& feature) {
        if (!layer) throw std::logic_error("LayerWriter: write before begin_layer");
        gdal::GeometryPtr geom = ogr_geometry(schema, feature, target);
        fit_geometry(geom, schema, feature, driver, target, fit);
        add(feature, std::move(geom));
    }

    // A whole layer: geometries first, so that parts the format cannot hold are refused before
    // the layer exists, and the layer declares the one type its features share.
    void write_whole(const Layer& whole) {
        const std::string layer_target = target_of(next);
        std::vector<gdal::GeometryPtr> geometries(whole.features.size());
        GeometryFit whole_fit;
        for (std::size_t i = 0; i < whole.features.size(); ++i) {
            geometries[i] = ogr_geometry(whole, whole.features[i], layer_target);
            fit_geometry(geometries[i], whole, whole.features[i], driver, layer_target, whole_fit);
        }
        bool in_range = true;
        for (const auto& g : geometries) {
            if (!g || OGR_G_IsEmpty(g.get())) continue;
            OGREnvelope e;
            OGR_G_GetEnvelope(g.get(), &e);
            in_range = in_range && e.MinX >= -180 && e.MaxX <= 180 && e.MinY >= -90 && e.MaxY <= 90;
        }
        begin(whole, layer_geometry_type(geometries), in_range);
        for (std::size_t i = 0; i < whole.features.size(); ++i) add(whole.features[i], std::move(geometries[i]));
    }

    void commit() {
        if (committed || !ds) throw std::logic_error("LayerWriter: commit twice");
        if (next != names.size()) throw std::logic_error("LayerWriter: commit before every named layer was begun");
        layer = nullptr;
        if (kind == Kind::Database) {
            if (GDALDatasetCommitTransaction(ds.get()) != OGRERR_NONE)
                throw DataError(fmt::format("output \"{}\": cannot commit ({}); no table was changed", shown, capture.last_error()));
            committed = true;
            ds.reset();
            return;
        }
        if (transaction && GDALDatasetCommitTransaction(ds.get()) != OGRERR_NONE)
            throw DataError(fmt::format("{}: cannot write: {}", shown, capture.last_error()));
        close_dataset(ds, capture, shown);
        switch (kind) {
            case Kind::Stdout: {
                const std::string failure = gdal::checked_failure(temp->path());
                if (!failure.empty()) throw DataError(fmt::format("stdout: cannot write the output to {}: {}", temp->path().string(), failure));
                if (stdout_stream) {
                    std::ifstream spooled(temp->path() / "stdout.geojson", std::ios::binary);
                    std::vector<char> chunk(1 << 20);
                    errno = 0;
                    while (spooled && *stdout_stream) {
                        spooled.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                        stdout_stream->write(chunk.data(), spooled.gcount());
                    }
                    if (*stdout_stream) stdout_stream->flush();
                    if (!*stdout_stream) throw DataError(fmt::format("stdout: cannot write: {}", std::strerror(errno ? errno : EIO)));
                    if (!spooled.eof()) throw DataError(fmt::format("stdout: cannot read back {}: {}", temp->path().string(), std::strerror(errno ? errno : EIO)));
                }
                break;
            }
            case Kind::GeoPackage:
                sync_file(temp->path() / file_name, path);
                temp->move_into_place({file_name}, folder);
                break;
            default: {
                const std::string failure = gdal::checked_failure(temp->path());
                if (!failure.empty()) throw DataError(fmt::format("{}: cannot write: {}", path, failure));
                // A Shapefile makes several files; the lock is the temporary folder's own.
                std::vector<std::string> made;
                for (const auto& entry : fs::directory_iterator(temp->path())) {
                    const std::string name = entry.path().filename().string();
                    if (name.rfind(".dza", 0) != 0) made.push_back(name);
                }
                std::sort(made.begin(), made.end());
                temp->move_into_place(made, folder);
                break;
            }
        }
        committed = true;
    }
};

LayerWriter::LayerWriter(const std::string& path, std::vector<std::string> layer_names, const WriteOptions& options, std::ostream* stdout_stream)
    : impl_(std::make_unique<Impl>(path, std::move(layer_names), options, stdout_stream)) {}
LayerWriter::~LayerWriter() = default;

// A driver that notices a failed write names it in its own words ("cannot write feature 3",
// "Unexpected I/O failure"); the system's reason, when the checked file system saw one, says more.
template <typename Fn>
void LayerWriter::guarded(Fn&& fn) {
    try {
        fn();
    } catch (const DataError&) {
        if (impl_->temp && impl_->kind == Impl::Kind::File) {
            const std::string failure = gdal::checked_failure(impl_->temp->path());
            if (!failure.empty()) throw DataError(fmt::format("{}: cannot write: {}", impl_->path, failure));
        }
        throw;
    }
}

void LayerWriter::begin_layer(const Layer& schema, std::string_view geometry_type) {
    const OGRwkbGeometryType type = geometry_type_from_name(geometry_type);
    guarded([&] { impl_->begin(schema, type); });
}
void LayerWriter::write(const Feature& feature) {
    guarded([&] { impl_->write(feature); });
}
void LayerWriter::write_layer(const Layer& layer) {
    guarded([&] { impl_->write_whole(layer); });
}
void LayerWriter::commit() {
    guarded([&] { impl_->commit(); });
}

void write_layers(const std::vector<const Layer*>& layers, const std::string& path, const WriteOptions& options, std::ostream* stdout_stream) {
    std::vector<std::string> names;
    for (const Layer* layer : layers) names.push_back(layer->name);
    LayerWriter writer(path, names, options, stdout_stream);
    for (const Layer* layer : layers) writer.write_layer(*layer);
    writer.commit();
}

}  // namespace dza
