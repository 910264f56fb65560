#include "dza/writer.hpp"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <atomic>
#include <string_view>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "dza/error.hpp"
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
void fit_geometries(std::vector<gdal::GeometryPtr>& geometries, const Layer& layer, const std::string& driver, const std::string& target) {
    const bool shapefile = driver == "ESRI Shapefile";
    const bool geojson = driver == "GeoJSON";
    if (!shapefile && !geojson) return;
    std::optional<int> layer_dimension;
    std::size_t first = 0;
    for (std::size_t i = 0; i < geometries.size(); ++i) {
        auto& g = geometries[i];
        if (!g) continue;
        std::set<int> dims;
        part_dimensions(g.get(), dims);
        const bool collection = wkbFlatten(OGR_G_GetGeometryType(g.get())) == wkbGeometryCollection;
        if (collection && geojson && dims.size() > 1 && dims.count(0))
            throw DataError(fmt::format("{}: {} is a GeometryCollection of {}; GeoJSON (RFC 7946) as GDAL writes it would drop its points; write "
                                        ".geojsonl, .gpkg, .fgb, .kml or .csv instead, or split the feature",
                                        target, layer.describe(layer.features[i]), dimensions_text(dims)));
        if (!shapefile || dims.empty()) continue;
        if (dims.size() > 1)
            throw DataError(fmt::format("{}: {} is a GeometryCollection of {}; a Shapefile holds one kind of geometry; write .gpkg, .fgb or .kml instead, "
                                        "or split the feature",
                                        target, layer.describe(layer.features[i]), dimensions_text(dims)));
        if (layer_dimension && *layer_dimension != *dims.begin())
            throw DataError(fmt::format("{}: {} holds {} while {} holds {}; a Shapefile holds one kind of geometry; write .gpkg, .fgb or .kml instead", target,
                                        layer.describe(layer.features[i]), dimensions_text(dims), layer.describe(layer.features[first]),
                                        dimensions_text({*layer_dimension})));
        if (!layer_dimension) layer_dimension = *dims.begin(), first = i;
        if (collection) {
            switch (*dims.begin()) {
                case 0: g.reset(OGR_G_ForceToMultiPoint(g.release())); break;
                case 1: g.reset(OGR_G_ForceToMultiLineString(g.release())); break;
                default: g.reset(OGR_G_ForceToMultiPolygon(g.release())); break;
            }
            if (wkbFlatten(OGR_G_GetGeometryType(g.get())) == wkbGeometryCollection)
                throw DataError(fmt::format("{}: {} is a nested GeometryCollection a Shapefile cannot hold; write .gpkg, .fgb or .kml instead", target,
                                            layer.describe(layer.features[i])));
        }
    }
}

// Field names as the driver can hold them: KML writes them into XML attributes unescaped, so
// & < > " ' and control characters become _; a Shapefile keeps 10 bytes, PostgreSQL 63. Then any name equal to
// an earlier one or the driver's own id and geometry columns (ignoring case except in GeoJSON)
// gets _2, _3, ...
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
    std::vector<std::string> out;
    for (const auto& field : fields) {
        std::string name = field.name;
        if (kml)
            for (char& c : name)
                if (std::strchr("&<>\"'", c) || static_cast<unsigned char>(c) < 0x20) c = '_';
        if (name.empty() && ignore_case) name = "field";  // JSON takes an empty key
        const std::string base = cut(name, max_bytes);
        name = base;
        for (int n = 2; taken.count(lower(name)); ++n) {
            const std::string suffix = fmt::format("_{}", n);
            name = cut(base, max_bytes == std::string::npos ? std::string::npos : max_bytes - suffix.size()) + suffix;
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

// Creates `name` in `ds` with the layer creation options `lco` and writes every feature.
// Fields the format renames (field_names_for) are reported in one warning on `callbacks`.
void write_one_layer(GDALDatasetH ds, const Layer& layer, const std::string& name, std::vector<std::string> lco, const gdal::ErrorCapture& capture,
                     const std::string& target, const Callbacks& callbacks = {}) {
    const std::string driver = GDALGetDriverShortName(GDALGetDatasetDriver(ds));
    // Text is UTF-8 (dza/text.hpp); GDAL's Shapefile default, ISO-8859-1, turns the rest into "?".
    if (driver == "ESRI Shapefile") lco.push_back("ENCODING=UTF-8");
    std::vector<const char*> lco_list;
    for (const auto& o : lco) lco_list.push_back(o.c_str());
    lco_list.push_back(nullptr);

    // Geometries first: parts the format cannot hold are refused before the layer exists.
    std::vector<gdal::GeometryPtr> geometries(layer.features.size());
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        const Feature& feature = layer.features[i];
        if (feature.geometry.is_null()) continue;
        const std::vector<unsigned char> wkb = feature.geometry.to_wkb();
        OGRGeometryH g = nullptr;
        if (OGR_G_CreateFromWkb(wkb.data(), nullptr, &g, static_cast<int>(wkb.size())) != OGRERR_NONE)
            throw DataError(fmt::format("{}: cannot convert the geometry of {}", target, layer.describe(feature)));
        geometries[i].reset(g);
    }
    fit_geometries(geometries, layer, driver, target);

    gdal::SrsPtr srs = gdal::wgs84();
    const OGRwkbGeometryType gtype = layer_geometry_type(geometries);
    OGRLayerH out = GDALDatasetCreateLayer(ds, name.c_str(), srs.get(), gtype, const_cast<char**>(lco_list.data()));
    if (!out) throw DataError(fmt::format("{}: cannot create layer \"{}\" ({})", target, name, capture.last_error()));

    // Drivers may hold fields of their own (KML's Name, Description) or rename ours (Shapefile's
    // 10-character limit), so remember where each of ours landed.
    std::vector<int> out_index;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(out);
    std::vector<std::string> renames;
    const std::vector<std::string> names = field_names_for(driver, layer.fields, renames);
    if (!renames.empty())
        callbacks.warning(fmt::format("{}: {} renamed for the {} format: {}", target, renames.size() == 1 ? "a field" : "fields", driver,
                                      fmt::join(renames, ", ")));
    for (std::size_t k = 0; k < layer.fields.size(); ++k) {
        const FieldDef& field = layer.fields[k];
        const int before = OGR_FD_GetFieldCount(defn);
        gdal::FieldDefnPtr fd(OGR_Fld_Create(names[k].c_str(), ogr_type(field.type)));
        if (field.type == FieldType::Boolean) OGR_Fld_SetSubType(fd.get(), OFSTBoolean);
        if (OGR_L_CreateField(out, fd.get(), TRUE) != OGRERR_NONE)
            throw DataError(fmt::format("{}: cannot create field \"{}\" ({})", target, field.name, capture.last_error()));
        out_index.push_back(OGR_FD_GetFieldCount(defn) > before ? OGR_FD_GetFieldCount(defn) - 1 : OGR_FD_GetFieldIndex(defn, names[k].c_str()));
    }

    const bool promote_multi = gtype == wkbMultiPolygon || gtype == wkbMultiLineString || gtype == wkbMultiPoint;
    for (std::size_t fi = 0; fi < layer.features.size(); ++fi) {
        const Feature& feature = layer.features[fi];
        gdal::FeaturePtr f(OGR_F_Create(defn));
        for (std::size_t i = 0; i < layer.fields.size() && i < feature.values.size(); ++i) {
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
        if (geometries[fi]) {
            gdal::GeometryPtr geom = std::move(geometries[fi]);
            if (promote_multi && OGR_G_GetGeometryType(geom.get()) != gtype) {
                OGRGeometryH multi = nullptr;
                switch (gtype) {
                    case wkbMultiPolygon: multi = OGR_G_ForceToMultiPolygon(geom.release()); break;
                    case wkbMultiLineString: multi = OGR_G_ForceToMultiLineString(geom.release()); break;
                    default: multi = OGR_G_ForceToMultiPoint(geom.release()); break;
                }
                geom.reset(multi);
            }
            OGR_F_SetGeometryDirectly(f.get(), geom.release());
        }
        if (OGR_L_CreateFeature(out, f.get()) != OGRERR_NONE)
            throw DataError(fmt::format("{}: cannot write {} ({})", target, layer.describe(feature), capture.last_error()));
    }
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

// Writes `layers` into the dataset at `path` (a new file, or with `update` an existing GeoPackage
// whose same-named layers are replaced and whose others stay).
void write_dataset(const std::vector<const Layer*>& layers, const std::string& path, const Format& format, const WriteOptions& options,
                   const std::string& target, bool update = false) {
    gdal::ErrorCapture capture;
    GDALDriverH driver = GDALGetDriverByName(format.driver);
    if (!driver) throw DataError(fmt::format("{}: this GDAL has no {} driver", target, format.driver));
    gdal::DatasetPtr ds;
    if (update) {
        const char* const drivers[] = {format.driver, nullptr};
        ds.reset(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, nullptr, nullptr));
        if (!ds)
            throw DataError(fmt::format("{}: exists and is not a {} file dza can add a layer to ({}); remove it or write to another file", target, format.driver,
                                        capture.last_error("GDAL cannot open it")));
    } else {
        ds.reset(GDALCreate(driver, path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        if (!ds) throw DataError(fmt::format("{}: cannot create: {}", target, capture.last_error()));
    }
    const std::string precision = fmt::format("COORDINATE_PRECISION={}", options.precision);
    std::vector<std::string> lco;
    if (std::string(format.driver) == "GeoJSON") lco = {"RFC7946=YES", precision};
    if (std::string(format.driver) == "GeoJSONSeq") lco = {"RS=NO", precision};
    if (std::string(format.driver) == "CSV") lco = {"GEOMETRY=AS_WKT"};
    const bool transaction = GDALDatasetStartTransaction(ds.get(), FALSE) == OGRERR_NONE;
    if (update) {
        // GeoPackage table names are case-insensitive: "Zones" replaces "zones".
        for (const Layer* layer : layers) {
            const std::string name = layer->name.empty() ? "layer" : layer->name;
            for (int i = GDALDatasetGetLayerCount(ds.get()) - 1; i >= 0; --i)
                if (strcasecmp(OGR_L_GetName(GDALDatasetGetLayer(ds.get(), i)), name.c_str()) == 0 && GDALDatasetDeleteLayer(ds.get(), i) != OGRERR_NONE)
                    throw DataError(fmt::format("{}: cannot replace its layer \"{}\": {}", target, name, capture.last_error()));
        }
    }
    for (const Layer* layer : layers) write_one_layer(ds.get(), *layer, layer->name.empty() ? "layer" : layer->name, lco, capture, target, options.callbacks);
    if (transaction && GDALDatasetCommitTransaction(ds.get()) != OGRERR_NONE)
        throw DataError(fmt::format("{}: cannot write: {}", target, capture.last_error()));
    close_dataset(ds, capture, target);
}

// A private folder in GDAL's memory file system, removed with what is in it.
class MemFolder {
public:
    MemFolder() {
        static std::atomic<int> counter{0};
        path_ = fmt::format("/vsimem/dza-{}-{}", getpid(), counter++);
        VSIMkdir(path_.c_str(), 0755);
    }
    ~MemFolder() { VSIRmdirRecursive(path_.c_str()); }
    MemFolder(const MemFolder&) = delete;
    MemFolder& operator=(const MemFolder&) = delete;
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    std::vector<std::string> files() const {
        std::vector<std::string> out;
        const gdal::StringListPtr list(VSIReadDir(path_.c_str()));
        for (char** p = list.get(); p && *p; ++p)
            if (std::string(*p) != "." && std::string(*p) != "..") out.push_back(*p);
        std::sort(out.begin(), out.end());
        return out;
    }
    // The bytes of a file in it, owned by GDAL until the folder goes.
    std::string_view bytes(const std::string& name) const {
        vsi_l_offset size = 0;
        const GByte* data = VSIGetMemFileBuffer(file(name).c_str(), &size, FALSE);
        return data ? std::string_view(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)) : std::string_view();
    }

private:
    std::string path_;
};

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

// All tables in one transaction: every target is dropped first (never with CASCADE: views built
// on it make the write fail instead of vanishing), then each is created anew; any failure rolls
// every table back. The drops come first because GDAL reads the database's table list at the
// first creation and would refuse a name it saw there.
void write_database(const std::vector<const Layer*>& layers, const std::string& output, const WriteOptions& options) {
    const std::string shown = redact_source(output);
    std::vector<std::string> names;
    for (const Layer* layer : layers) names.push_back(layer->name.empty() ? "layer" : layer->name);
    const std::vector<std::string> tables = database_tables(options.table, names);
    for (const auto& table : tables)
        if (split_table(table).name.size() > max_identifier)
            throw UsageError(fmt::format("--table \"{}\": table {} would be longer than PostgreSQL's {} characters; choose a shorter name", options.table,
                                         table, max_identifier));

    gdal::ErrorCapture capture;
    gdal::DatasetPtr ds = open_database(output, capture);
    if (GDALDatasetStartTransaction(ds.get(), FALSE) != OGRERR_NONE)
        throw DataError(fmt::format("output \"{}\": cannot start a transaction ({})", shown, capture.last_error()));
    try {
        for (const auto& table : tables) {
            CPLErrorReset();
            const std::string drop = fmt::format("DROP TABLE IF EXISTS {}", split_table(table).quoted());
            GDALDatasetReleaseResultSet(ds.get(), GDALDatasetExecuteSQL(ds.get(), drop.c_str(), nullptr, nullptr));
            if (CPLGetLastErrorType() >= CE_Failure)
                throw DataError(fmt::format("output \"{}\" table {}: cannot replace it ({}); drop what depends on it or choose another --table", shown,
                                            table, capture.last_error()));
        }
        for (std::size_t i = 0; i < layers.size(); ++i) {
            const TableName t = split_table(tables[i]);
            const std::string target = fmt::format("output \"{}\" table {}", shown, tables[i]);
            std::vector<std::string> lco = {"GEOMETRY_NAME=geom", "LAUNDER=YES", "SPATIAL_INDEX=GIST"};
            if (!t.schema.empty()) lco.push_back("SCHEMA=" + t.schema);
            write_one_layer(ds.get(), *layers[i], t.name, lco, capture, target, options.callbacks);
        }
        if (GDALDatasetCommitTransaction(ds.get()) != OGRERR_NONE)
            throw DataError(fmt::format("output \"{}\": cannot commit ({}); no table was changed", shown, capture.last_error()));
    } catch (...) {
        GDALDatasetRollbackTransaction(ds.get());
        throw;
    }
}

}  // namespace

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

void write_layers(const std::vector<const Layer*>& layers, const std::string& path, const WriteOptions& options, std::ostream* stdout_stream) {
    gdal::ensure_init();
    if (options.precision < 0 || options.precision > 15) throw UsageError(fmt::format("precision {} is out of range (0 to 15)", options.precision));
    if (path == "-") {
        const Format geojson{".geojson", "GeoJSON", false};
        if (layers.size() != 1) throw UsageError("stdout (-) takes one layer; write several to a .gpkg file");
        MemFolder mem;
        write_dataset(layers, mem.file("stdout.geojson"), geojson, options, "stdout");
        if (stdout_stream) {
            const std::string_view bytes = mem.bytes("stdout.geojson");
            errno = 0;
            stdout_stream->write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
            stdout_stream->flush();
            if (!*stdout_stream) throw DataError(fmt::format("stdout: cannot write: {}", std::strerror(errno ? errno : EIO)));
        }
        return;
    }

    if (is_database_output(path)) {
        validate_output(path, options.table);
        write_database(layers, path, options);
        return;
    }
    check_output_path(path);
    const Format& format = *format_for(path);
    if (layers.size() > 1 && !format.multi_layer)
        throw UsageError(fmt::format("output \"{}\": {} holds one layer; write {} layers to a .gpkg file", path, format.driver, layers.size()));

    const fs::path target(path);
    const fs::path folder = target.parent_path();
    const std::string name = target.filename().string();
    if (std::string(format.driver) == "GPKG") {
        // SQLite checks its own writes. An existing GeoPackage keeps its other layers: a copy is
        // updated beside it, then renamed over it.
        check_gpkg_not_in_use<DataError>(path);
        TempFolder temp(folder, ".dza-tmp-", path);
        std::error_code ec;
        const bool update = fs::exists(target, ec) && fs::file_size(target, ec) > 0 && !ec;
        if (update) copy_file_checked(target, temp.path() / name, path);
        write_dataset(layers, (temp.path() / name).string(), format, options, path, update);
        sync_file(temp.path() / name, path);
        temp.move_into_place({name}, folder);
        return;
    }
    // Text drivers ignore failed writes: they write into memory, and dza writes the bytes out,
    // checking every write. The other drivers go the same way, so no file depends on a driver's care.
    MemFolder mem;
    write_dataset(layers, mem.file(name), format, options, path);
    const std::vector<std::string> made = mem.files();  // a Shapefile makes several
    TempFolder temp(folder, ".dza-tmp-", path);
    for (const auto& file : made) write_file_checked(temp.path() / file, mem.bytes(file), path);
    temp.move_into_place(made, folder);
}

}  // namespace dza
