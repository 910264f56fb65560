#include "dza/writer.hpp"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <fmt/format.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <atomic>
#include <string_view>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "dza/error.hpp"
#include "gdal_util.hpp"
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
OGRwkbGeometryType layer_geometry_type(const Layer& layer) {
    std::set<std::string> types;
    for (const auto& f : layer.features)
        if (!f.geometry.is_null()) types.insert(f.geometry.type_name());
    if (types.empty()) return wkbUnknown;
    static const std::map<std::string, OGRwkbGeometryType> by_name = {
        {"Point", wkbPoint},           {"LineString", wkbLineString},           {"Polygon", wkbPolygon},
        {"MultiPoint", wkbMultiPoint}, {"MultiLineString", wkbMultiLineString}, {"MultiPolygon", wkbMultiPolygon},
        {"GeometryCollection", wkbGeometryCollection}};
    if (types.size() == 1) return by_name.at(*types.begin());
    if (types == std::set<std::string>{"Polygon", "MultiPolygon"}) return wkbMultiPolygon;
    if (types == std::set<std::string>{"LineString", "MultiLineString"}) return wkbMultiLineString;
    if (types == std::set<std::string>{"Point", "MultiPoint"}) return wkbMultiPoint;
    return wkbUnknown;
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
void write_one_layer(GDALDatasetH ds, const Layer& layer, const std::string& name, std::vector<std::string> lco, const gdal::ErrorCapture& capture,
                     const std::string& target) {
    std::vector<const char*> lco_list;
    for (const auto& o : lco) lco_list.push_back(o.c_str());
    lco_list.push_back(nullptr);

    gdal::SrsPtr srs = gdal::wgs84();
    const OGRwkbGeometryType gtype = layer_geometry_type(layer);
    OGRLayerH out = GDALDatasetCreateLayer(ds, name.c_str(), srs.get(), gtype, const_cast<char**>(lco_list.data()));
    if (!out) throw DataError(fmt::format("{}: cannot create layer \"{}\" ({})", target, name, capture.last_error()));

    // Drivers may hold fields of their own (KML's Name, Description) or rename ours (Shapefile's
    // 10-character limit), so remember where each of ours landed.
    std::vector<int> out_index;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(out);
    for (const auto& field : layer.fields) {
        const int before = OGR_FD_GetFieldCount(defn);
        std::unique_ptr<std::remove_pointer_t<OGRFieldDefnH>, gdal::FieldDefnDeleter> fd(OGR_Fld_Create(field.name.c_str(), ogr_type(field.type)));
        if (field.type == FieldType::Boolean) OGR_Fld_SetSubType(fd.get(), OFSTBoolean);
        if (OGR_L_CreateField(out, fd.get(), TRUE) != OGRERR_NONE)
            throw DataError(fmt::format("{}: cannot create field \"{}\" ({})", target, field.name, capture.last_error()));
        out_index.push_back(OGR_FD_GetFieldCount(defn) > before ? OGR_FD_GetFieldCount(defn) - 1 : OGR_FD_GetFieldIndex(defn, field.name.c_str()));
    }

    const bool promote_multi = gtype == wkbMultiPolygon || gtype == wkbMultiLineString || gtype == wkbMultiPoint;
    for (const auto& feature : layer.features) {
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
        if (!feature.geometry.is_null()) {
            const std::vector<unsigned char> wkb = feature.geometry.to_wkb();
            OGRGeometryH g = nullptr;
            if (OGR_G_CreateFromWkb(wkb.data(), nullptr, &g, static_cast<int>(wkb.size())) != OGRERR_NONE)
                throw DataError(fmt::format("{}: cannot convert the geometry of {}", target, layer.describe(feature)));
            gdal::GeometryPtr geom(g);
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
    for (const Layer* layer : layers) write_one_layer(ds.get(), *layer, layer->name.empty() ? "layer" : layer->name, lco, capture, target);
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
        char** list = VSIReadDir(path_.c_str());
        for (char** p = list; p && *p; ++p)
            if (std::string(*p) != "." && std::string(*p) != "..") out.push_back(*p);
        CSLDestroy(list);
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
            write_one_layer(ds.get(), *layers[i], t.name, lco, capture, target);
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
