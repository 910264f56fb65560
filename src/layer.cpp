#include "dza/layer.hpp"

#include <cpl_vsi.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <regex>
#include <set>
#include <filesystem>
#include <map>

#include "dza/error.hpp"
#include "dza/text.hpp"
#include "gdal/gdal.hpp"
#include "geos/geos.hpp"

namespace dza {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
    return out;
}

bool has_extension(const std::string& path, const char* ext) {
    const std::string p = lower(path);
    const std::string e = ext;
    return p.size() > e.size() && p.compare(p.size() - e.size(), e.size(), e) == 0;
}

// At most this many warnings of one kind per layer; the rest are counted in one line.
constexpr int max_feature_warnings = 10;

}  // namespace

// ---------------------------------------------------------------------------------------------
// LayerRef

LayerRef LayerRef::parse(std::string_view text) {
    LayerRef ref;
    remember_secrets(text);
    std::size_t bar = source_end(text);
    ref.source = std::string(text.substr(0, bar));
    if (ref.source.empty()) throw UsageError("layer reference \"" + std::string(text) + "\" names no source");
    while (bar != std::string_view::npos) {
        const std::size_t next = text.find('|', bar + 1);
        const std::string_view part = text.substr(bar + 1, next == std::string_view::npos ? std::string_view::npos : next - bar - 1);
        const std::size_t eq = part.find('=');
        const std::string key = lower(part.substr(0, eq));
        const std::string value = eq == std::string_view::npos ? "" : std::string(part.substr(eq + 1));
        if (eq == std::string_view::npos || value.empty())
            throw UsageError(fmt::format("layer reference \"{}\": \"{}\" is not KEY=VALUE (keys: layername, layerid, where, crs)", redact_source(text), part));
        if (key == "layername" || key == "layer") {
            ref.layer_name = value;
        } else if (key == "layerid") {
            int index = -1;
            try {
                std::size_t used = 0;
                index = std::stoi(value, &used);
                if (used != value.size()) index = -1;
            } catch (const std::exception&) {
            }
            if (index < 0) throw UsageError(fmt::format("layer reference \"{}\": layerid \"{}\" is not a layer number (0, 1, ...)", redact_source(text), value));
            ref.layer_index = index;
        } else if (key == "where" || key == "subset") {
            ref.where = value;
        } else if (key == "crs") {
            ref.crs = value;
        } else {
            throw UsageError(fmt::format("layer reference \"{}\": unknown key \"{}\" (keys: layername, layerid, where, crs)", redact_source(text), key));
        }
        bar = next;
    }
    return ref;
}

std::string LayerRef::display() const {
    std::string out = redact_source(source);
    if (!layer_name.empty()) out += "|layername=" + layer_name;
    if (layer_index) out += "|layerid=" + std::to_string(*layer_index);
    if (!where.empty()) out += "|where=" + where;
    if (!crs.empty()) out += "|crs=" + crs;
    return out;
}

// ---------------------------------------------------------------------------------------------
// Layer

const char* field_type_name(FieldType type) {
    switch (type) {
        case FieldType::Integer: return "integer";
        case FieldType::Real: return "real";
        case FieldType::Boolean: return "boolean";
        case FieldType::String: return "string";
    }
    return "string";
}

std::optional<std::size_t> Layer::field_index(std::string_view field) const {
    for (std::size_t i = 0; i < fields.size(); ++i)
        if (fields[i].name == field) return i;
    for (std::size_t i = 0; i < fields.size(); ++i)
        if (lower(fields[i].name) == lower(field)) return i;
    return std::nullopt;
}

std::size_t Layer::require_field(std::string_view field) const {
    if (auto i = field_index(field)) return *i;
    std::vector<std::string> names;
    for (const auto& f : fields) names.push_back(f.name);
    const std::string guess = closest_match(std::string(field), names);
    throw UsageError(fmt::format("{}: no field \"{}\"{}; its fields are: {}", where_text(), field,
                                 guess.empty() ? "" : " (did you mean \"" + guess + "\"?)", names.empty() ? "(none)" : join(names)));
}

std::optional<std::size_t> Layer::label_field() const {
    if (!name_field.empty()) return field_index(name_field);
    for (const char* candidate : {"name", "title", "label", "id"})
        if (auto i = field_index(candidate)) return i;
    return std::nullopt;
}

std::string Layer::label(const Feature& feature) const { return label(feature, label_field()); }

std::string Layer::label(const Feature& feature, std::optional<std::size_t> i) const {
    if (i && *i < feature.values.size() && !feature.values[*i].is_null())
        return feature.values[*i].is_string() ? feature.values[*i].get<std::string>() : feature.values[*i].dump();
    return std::to_string(feature.fid);
}

std::string Layer::describe(const Feature& feature) const {
    std::string out = fmt::format("feature {}", feature.fid);
    if (auto i = label_field(); i && *i < feature.values.size()) {
        const auto& v = feature.values[*i];
        if (!v.is_null()) out += fmt::format(" (\"{}\")", v.is_string() ? v.get<std::string>() : v.dump());
    }
    return out;
}

double field_km_as_m(const Layer& layer, const Feature& feature, std::size_t field, std::string_view expected, double max_m,
                     std::string_view limit_text) {
    const nlohmann::json& v = feature.values[field];
    const std::string& name = layer.fields[field].name;
    const auto bad = [&](const std::string& what) {
        return DataError(fmt::format("{}: {}: field {} {}, expected {} (a number, 0 or more)", layer.where_text(), layer.describe(feature), name, what, expected));
    };
    double km = 0;
    if (v.is_null()) throw bad("is empty");
    if (v.is_number() && !v.is_boolean()) {
        km = v.get<double>();
    } else if (v.is_string()) {
        const std::string& text = v.get_ref<const std::string&>();
        const char* begin = text.data();
        const char* end = text.data() + text.size();
        while (begin < end && std::isspace(static_cast<unsigned char>(*begin))) ++begin;
        while (end > begin && std::isspace(static_cast<unsigned char>(end[-1]))) --end;
        auto [ptr, ec] = std::from_chars(begin, end, km);
        if (ec != std::errc() || ptr != end || begin == end) throw bad(fmt::format("is \"{}\"", text));
    } else {
        throw bad(fmt::format("is {}", v.dump()));
    }
    if (!std::isfinite(km) || km < 0) throw bad(fmt::format("is {:g}", km));
    if (km * 1000 > max_m) throw bad(fmt::format("is {:g}, more than the {:g} km {}", km, max_m / 1000, limit_text));
    return km * 1000;
}

std::size_t rename_clashing_fields(Layer& layer, const std::vector<std::string>& own, const std::string& where, const Callbacks& callbacks) {
    std::set<std::string> taken;  // lower case
    for (const auto& name : own) taken.insert(lower(name));
    std::set<std::string> source_names;
    for (const auto& field : layer.fields) source_names.insert(lower(field.name));
    const auto label = layer.label_field();
    std::vector<std::string> renames;
    for (std::size_t i = 0; i < layer.fields.size(); ++i) {
        FieldDef& field = layer.fields[i];
        if (taken.insert(lower(field.name)).second) continue;
        std::string name = "src_" + field.name;
        for (int n = 2; taken.count(lower(name)) || source_names.count(lower(name)); ++n) name = fmt::format("src_{}_{}", field.name, n);
        taken.insert(lower(name));
        renames.push_back(fmt::format("{} -> {}", field.name, name));
        if (label == i) layer.name_field = name;
        field.name = name;
    }
    if (!renames.empty())
        callbacks.warning(fmt::format("{}: {} clashing with dza's own columns or an earlier field (names ignore case): {}", where,
                                      renames.size() == 1 ? "renamed a field" : "renamed fields", join(renames)));
    return renames.size();
}

void require_unique_names(const Layer& layer, std::size_t field, std::string_view what) {
    const std::string& field_name = layer.fields.at(field).name;
    std::map<std::string, const Feature*> seen;
    for (const Feature& f : layer.features) {
        const nlohmann::json& v = f.values[field];
        std::string name = v.is_null() ? "" : v.is_string() ? v.get<std::string>() : v.dump();
        const auto blank = std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isspace(c) != 0; });
        if (blank)
            throw DataError(fmt::format("{}: feature {}: field {} is empty, but {} names must be set: they select {}s; give every feature a name", layer.where_text(),
                                        f.fid, field_name, what, what));
        const auto [it, fresh] = seen.emplace(name, &f);
        if (!fresh)
            throw DataError(fmt::format("{}: features {} and {} are both named \"{}\" in field {}, but {} names must be unique: they select {}s; rename one or merge them",
                                        layer.where_text(), it->second->fid, f.fid, cut_short(name), field_name, what, what));
    }
}

Layer copy_layer(const Layer& layer, const std::function<Geometry(const Geometry&)>& geometry) {
    Layer out;
    out.source = layer.source;
    out.name = layer.name;
    out.driver = layer.driver;
    out.crs = layer.crs;
    out.fields = layer.fields;
    out.name_field = layer.name_field;
    out.features.reserve(layer.features.size());
    for (const Feature& f : layer.features) {
        Feature copy;
        copy.fid = f.fid;
        copy.values = f.values;
        copy.geometry = f.geometry.is_null() ? Geometry() : geometry(f.geometry);
        out.features.push_back(std::move(copy));
    }
    return out;
}

std::string Layer::where_text() const { return name.empty() ? source : source + "|layername=" + name; }

// ---------------------------------------------------------------------------------------------
// Loading

namespace {
void refuse_special_files(const std::string& source);
}

std::vector<std::string> list_layers(const std::string& source) {
    refuse_special_files(source);
    gdal::ensure_init();
    gdal::ErrorCapture capture;
    gdal::DatasetPtr ds(GDALOpenEx(source.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    if (!ds) throw DataError(redact_source(source) + ": " + capture.last_error("cannot be opened as a vector source"));
    std::vector<std::string> names;
    for (int i = 0; i < GDALDatasetGetLayerCount(ds.get()); ++i) names.push_back(OGR_L_GetName(GDALDatasetGetLayer(ds.get(), i)));
    return names;
}

namespace {

// CSV columns that hold longitudes, latitudes and WKT geometries, as GDAL's CSV reader matches them
// (whole name, any case).
const std::vector<std::string> csv_lon_names = {"lon", "longitude", "lng", "x"};
const std::vector<std::string> csv_lat_names = {"lat", "latitude", "y"};

// Two columns that both name the longitude (or the latitude) leave the point ambiguous, and GDAL
// 3.6's CSV reader crashes on them when it drops coordinate columns: such a file is refused.
void refuse_ambiguous_csv_columns(const std::string& source) {
    const char* const csv_only[] = {"CSV", nullptr};
    gdal::DatasetPtr plain(GDALOpenEx(source.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, csv_only, nullptr, nullptr));
    if (!plain || GDALDatasetGetLayerCount(plain.get()) < 1) return;  // the real open says why
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(GDALDatasetGetLayer(plain.get(), 0));
    for (const auto* names : {&csv_lon_names, &csv_lat_names}) {
        std::vector<std::string> matching;
        for (int i = 0; i < OGR_FD_GetFieldCount(defn); ++i) {
            const std::string name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
            if (std::find(names->begin(), names->end(), lower(name)) != names->end()) matching.push_back("\"" + name + "\"");
        }
        if (matching.size() > 1)
            throw DataError(fmt::format("{}: columns {} all name the {}; keep one or rename the others", redact_source(source), join(matching),
                                        names == &csv_lon_names ? "longitude" : "latitude"));
    }
}

}  // namespace

bool is_connection_string(const std::string& source) {
    const std::string l = lower(source);
    return l.rfind("pg:", 0) == 0 || l.rfind("/vsi", 0) == 0 || l.find("://") != std::string::npos;  // postgres URIs have "://"
}

namespace {

const char* special_file_kind(const struct stat& st) {
    if (S_ISFIFO(st.st_mode)) return "a FIFO";
    if (S_ISSOCK(st.st_mode)) return "a socket";
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return "a device";
    return "a special file";
}

// GDAL would block on a FIFO (or read a device forever): a source, the files beside it that a
// driver opens (a Shapefile's .dbf, .shx, ...), and the entries of a source folder must be
// regular files or folders.
void refuse_special_files(const std::string& source) {
    if (is_connection_string(source)) return;
    namespace fs = std::filesystem;
    const auto check = [&](const fs::path& path, const std::string& role) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) return;  // missing: GDAL's open says so
        if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) return;
        throw DataError(fmt::format("{}: {}is {}, not a file; give a regular file or a folder of them", cut_short(source, 200), role, special_file_kind(st)));
    };
    const fs::path path(source);
    check(path, "");
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        std::size_t seen = 0;
        for (fs::directory_iterator it(path, ec), end; !ec && it != end && seen < 10000; it.increment(ec), ++seen)
            check(it->path(), fmt::format("its entry \"{}\" ", cut_short(it->path().filename().string())));
        return;
    }
    // Files sharing the name: a.shp comes with a.dbf, a.shx, a.prj, a.cpg, ...
    const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
    const std::string stem = path.stem().string();
    if (stem.empty()) return;
    std::size_t seen = 0;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end && seen < 10000; it.increment(ec), ++seen) {
        if (it->path() == path || it->path().stem().string() != stem) continue;
        check(it->path(), fmt::format("the file beside it \"{}\" ", cut_short(it->path().filename().string())));
    }
}

gdal::DatasetPtr open_source(const std::string& source, const gdal::ErrorCapture& capture) {
    refuse_special_files(source);
    // CSV: geometry from a WKT column or lon/lat columns, whichever the file has.
    std::vector<std::string> csv_options;
    if (has_extension(source, ".csv")) {
        refuse_ambiguous_csv_columns(source);
        csv_options = {"X_POSSIBLE_NAMES=" + join(csv_lon_names, ","), "Y_POSSIBLE_NAMES=" + join(csv_lat_names, ","),
                       "GEOM_POSSIBLE_NAMES=wkt,geometry,geom,the_geom", "KEEP_GEOM_COLUMNS=NO", "AUTODETECT_TYPE=YES"};
    }
    std::vector<const char*> open_options;
    for (const auto& option : csv_options) open_options.push_back(option.c_str());
    open_options.push_back(nullptr);
    gdal::DatasetPtr ds(GDALOpenEx(source.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, open_options.data(), nullptr));
    if (ds) return ds;
    const std::string shown = redact_source(source);
    const bool is_connection = source.find(':') != std::string::npos && !has_extension(source, ".csv") && source.rfind("/", 0) != 0;
    VSIStatBufL stat{};
    if (!is_connection && VSIStatL(source.c_str(), &stat) != 0)
        throw DataError(shown + ": no such file or directory; check the path (relative paths start from the current folder)");
    throw DataError(fmt::format("{}: GDAL cannot read it as a vector layer ({}); give a GeoJSON, GeoPackage, Shapefile, FlatGeobuf, KML or CSV file, or a PG: connection",
                                shown, capture.last_error("unrecognised format")));
}

OGRLayerH pick_layer(GDALDatasetH ds, const LayerRef& ref) {
    const int count = GDALDatasetGetLayerCount(ds);
    std::vector<std::string> names;
    for (int i = 0; i < count; ++i) names.push_back(OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
    const std::string shown = redact_source(ref.source);
    if (!ref.layer_name.empty()) {
        if (OGRLayerH layer = GDALDatasetGetLayerByName(ds, ref.layer_name.c_str())) return layer;
        const std::string guess = closest_match(ref.layer_name, names);
        throw UsageError(fmt::format("{}: no layer \"{}\"{}; it has: {}", shown, ref.layer_name,
                                     guess.empty() ? "" : " (did you mean \"" + guess + "\"?)", names.empty() ? "(none)" : join(names)));
    }
    if (ref.layer_index) {
        if (*ref.layer_index < count) return GDALDatasetGetLayer(ds, *ref.layer_index);
        throw UsageError(fmt::format("{}: no layer number {}; it has {} (0 to {}): {}", shown, *ref.layer_index, count, count - 1, join(names)));
    }
    if (count == 0) throw DataError(shown + ": holds no vector layers");
    if (count > 1)
        throw UsageError(fmt::format("{}: holds {} layers ({}); pick one with \"{}|layername={}\"", shown, count, join(names), shown, names.front()));
    return GDALDatasetGetLayer(ds, 0);
}

FieldType field_type_of(OGRFieldDefnH defn) {
    switch (OGR_Fld_GetType(defn)) {
        case OFTInteger:
            return OGR_Fld_GetSubType(defn) == OFSTBoolean ? FieldType::Boolean : FieldType::Integer;
        case OFTInteger64: return FieldType::Integer;
        case OFTReal: return FieldType::Real;
        default: return FieldType::String;
    }
}

nlohmann::json read_value(OGRFeatureH f, int i, FieldType type) {
    if (!OGR_F_IsFieldSetAndNotNull(f, i)) return nullptr;
    switch (type) {
        case FieldType::Integer: return static_cast<std::int64_t>(OGR_F_GetFieldAsInteger64(f, i));
        case FieldType::Boolean: return OGR_F_GetFieldAsInteger(f, i) != 0;
        case FieldType::Real: return OGR_F_GetFieldAsDouble(f, i);
        case FieldType::String: return std::string(OGR_F_GetFieldAsString(f, i));
    }
    return nullptr;
}

std::string geometry_type_name(OGRwkbGeometryType type) {
    switch (wkbFlatten(type)) {
        case wkbPoint: return "Point";
        case wkbLineString: return "LineString";
        case wkbPolygon: return "Polygon";
        case wkbMultiPoint: return "MultiPoint";
        case wkbMultiLineString: return "MultiLineString";
        case wkbMultiPolygon: return "MultiPolygon";
        case wkbGeometryCollection: return "GeometryCollection";
        case wkbNone: return "None";
        case wkbUnknown: return "Unknown";
        default: return OGRGeometryTypeToName(type);
    }
}

// Says what is wrong with coordinates outside lon/lat range, and what to try.
std::string out_of_range_message(const Layer& layer, const Feature& feature, const OGREnvelope& env) {
    const std::string where = layer.where_text() + ": " + layer.describe(feature);
    if (layer.crs_assumed)
        return fmt::format("{}: coordinates ({:.6g}, {:.6g}) are not lon/lat degrees and the source declares no CRS; give its CRS with --assume-crs EPSG:NNNN or \"|crs=EPSG:NNNN\"",
                           where, env.MinX, env.MinY);
    const bool lat_bad = env.MinY < -90.0 || env.MaxY > 90.0;
    const bool lon_ok_as_lat = env.MinX >= -90.0 && env.MaxX <= 90.0;
    if (lat_bad && lon_ok_as_lat)
        return fmt::format("{}: latitude {:.6g} is beyond ±90 while longitudes lie within ±90: the axes look swapped (lat,lon); write coordinates as lon,lat or check the CRS ({})",
                           where, env.MaxY > 90.0 ? env.MaxY : env.MinY, layer.crs);
    return fmt::format("{}: coordinates out of range after transforming to WGS84 (lon {:.6g}..{:.6g}, lat {:.6g}..{:.6g}); check the CRS ({})",
                       where, env.MinX, env.MaxX, env.MinY, env.MaxY, layer.crs.empty() ? "none" : layer.crs);
}

// A Shapefile's count includes records marked deleted in its .dbf, which reading skips: how
// many of the fids 0..expected-1 are such records (GDAL says "marked deleted" for each).
std::int64_t deleted_shapefile_records(OGRLayerH ogr_layer, const Layer& layer, GIntBig expected, const gdal::ErrorCapture& capture) {
    if (layer.driver != "ESRI Shapefile") return 0;
    std::vector<bool> seen(static_cast<std::size_t>(expected), false);
    for (const Feature& f : layer.features)
        if (f.fid >= 0 && f.fid < expected) seen[static_cast<std::size_t>(f.fid)] = true;
    std::int64_t deleted = 0;
    for (GIntBig fid = 0; fid < expected; ++fid) {
        if (seen[static_cast<std::size_t>(fid)]) continue;
        const std::size_t failures = capture.failure_count();
        gdal::FeaturePtr f{OGR_L_GetFeature(ogr_layer, fid)};
        if (f || capture.failure_count() == failures || capture.last_error("").find("marked deleted") == std::string::npos) return deleted;
        ++deleted;
    }
    return deleted;
}

enum class CrsOrigin { Reference, Assumed, File };

// Coordinates are read as lon/lat or easting/northing: a geocentric (X, Y, Z), vertical or
// engineering CRS would move every point silently. A compound CRS keeps its horizontal part.
void require_horizontal_crs(Layer& layer, OGRSpatialReferenceH srs, CrsOrigin origin, const std::string& assume_crs) {
    if (OSRIsCompound(srs)) {
        OSRStripVertical(srs);
        if (OSRIsGeographic(srs) || OSRIsProjected(srs)) return;
    }
    if ((OSRIsGeographic(srs) || OSRIsProjected(srs)) && !OSRIsGeocentric(srs) && !OSRIsVertical(srs)) return;
    const char* kind = OSRIsGeocentric(srs) ? "a geocentric CRS (X, Y, Z from the earth's centre)"
                       : OSRIsVertical(srs) ? "a vertical CRS (heights only)"
                       : OSRIsLocal(srs)    ? "an engineering (local) CRS"
                                            : "not a horizontal CRS";
    const std::string crs = layer.crs.empty() ? layer.crs_name : layer.crs + (layer.crs_name.empty() ? "" : " (" + layer.crs_name + ")");
    switch (origin) {
        case CrsOrigin::Reference:
            throw UsageError(fmt::format("{}: crs {} is {}, not one of lon/lat or easting/northing; give a geographic or projected CRS, e.g. \"|crs=EPSG:4326\"",
                                         layer.where_text(), cut_short(crs, 120), kind));
        case CrsOrigin::Assumed:
            throw UsageError(fmt::format("--assume-crs {} is {}, not one of lon/lat or easting/northing; give a geographic or projected CRS, e.g. EPSG:4326",
                                         cut_short(assume_crs, 120), kind));
        case CrsOrigin::File:
            throw DataError(fmt::format("{}: declares {}, which is {}, not one of lon/lat or easting/northing; give its horizontal CRS with \"|crs=EPSG:NNNN\"",
                                        layer.where_text(), cut_short(crs, 120), kind));
    }
}

}  // namespace

Layer load_layer(const LayerRef& ref, const LoadOptions& options) {
    gdal::ensure_init();
    const std::string shown = ref.display();
    gdal::ErrorCapture capture(options.callbacks.warn, redact_source(ref.source));
    gdal::DatasetPtr ds = open_source(ref.source, capture);
    OGRLayerH ogr_layer = pick_layer(ds.get(), ref);

    Layer layer;
    layer.source = redact_source(ref.source);
    layer.name = to_valid_utf8(OGR_L_GetName(ogr_layer));
    layer.driver = GDALGetDriverShortName(GDALGetDatasetDriver(ds.get()));
    if (layer.driver == "PostgreSQL") gdal::note_database_input(gdal::database_table_identity(ds.get(), OGR_L_GetName(ogr_layer)), shown);
    layer.declared_geometry_type = geometry_type_name(OGR_L_GetGeomType(ogr_layer));

    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(ogr_layer);
    for (int i = 0; i < OGR_FD_GetFieldCount(defn); ++i) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
        layer.fields.push_back({OGR_Fld_GetNameRef(fd), field_type_of(fd)});
    }
    // Text is UTF-8 (dza/text.hpp): invalid bytes become U+FFFD here, once, with one warning per layer.
    std::int64_t invalid_text = 0;
    std::string first_invalid_text;
    for (auto& field : layer.fields)
        if (!is_valid_utf8(field.name)) {
            if (invalid_text++ == 0) first_invalid_text = fmt::format("the name of field {}", to_valid_utf8(field.name));
            field.name = to_valid_utf8(field.name);
        }

    if (!ref.where.empty() && OGR_L_SetAttributeFilter(ogr_layer, ref.where.c_str()) != OGRERR_NONE) {
        std::vector<std::string> names;
        for (const auto& f : layer.fields) names.push_back(f.name);
        throw UsageError(fmt::format("{}: filter \"{}\" is not valid ({}); its fields are: {}", layer.where_text(), ref.where,
                                     capture.last_error("syntax error"), names.empty() ? "(none)" : join(names)));
    }

    // Source CRS: the reference's override, else the layer's own, else the assumed one.
    gdal::SrsPtr source_srs;
    if (!ref.crs.empty()) {
        source_srs = gdal::srs_from_user_input(ref.crs);
        if (!source_srs) throw UsageError(fmt::format("{}: crs \"{}\" is not a CRS GDAL/PROJ knows; try e.g. EPSG:4326 or EPSG:32636", shown, ref.crs));
    } else if (OGRSpatialReferenceH own = OGR_L_GetSpatialRef(ogr_layer)) {
        source_srs.reset(OSRClone(own));
        OSRSetAxisMappingStrategy(source_srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    } else {
        source_srs = gdal::srs_from_user_input(options.assume_crs);
        if (!source_srs) throw UsageError(fmt::format("--assume-crs \"{}\" is not a CRS GDAL/PROJ knows; try e.g. EPSG:4326", options.assume_crs));
        layer.crs_assumed = true;
        if (options.warn_assumed_crs)
            options.callbacks.warning(fmt::format("{}: declares no CRS; assuming {} ({}); give another with --assume-crs or \"|crs=...\"",
                                              layer.where_text(), gdal::srs_code(source_srs.get()), gdal::srs_name(source_srs.get())));
    }
    layer.crs = gdal::srs_code(source_srs.get());
    layer.crs_name = gdal::srs_name(source_srs.get());
    require_horizontal_crs(layer, source_srs.get(), !ref.crs.empty() ? CrsOrigin::Reference : layer.crs_assumed ? CrsOrigin::Assumed : CrsOrigin::File,
                           options.assume_crs);

    gdal::SrsPtr target = gdal::wgs84();
    gdal::TransformPtr transform;
    if (!OSRIsSame(source_srs.get(), target.get())) {
        transform.reset(OCTNewCoordinateTransformation(source_srs.get(), target.get()));
        if (!transform)
            throw DataError(fmt::format("{}: no transformation from {} to WGS84 ({})", layer.where_text(), layer.crs, capture.last_error("PROJ found none")));
    }

    const GIntBig expected = OGR_L_GetFeatureCount(ogr_layer, FALSE);
    int empty_warnings = 0, invalid_warnings = 0;
    std::int64_t read = 0, vertices_total = 0;
    OGR_L_ResetReading(ogr_layer);
    std::vector<unsigned char> wkb;
    // GDAL reports a read error through its handler and returns what it had: any failure
    // while reading means the features are not all there.
    const auto read_failed = [&](std::int64_t index) {
        return DataError(fmt::format("{}: reading stopped at feature {} ({} read): {}; the source looks damaged or truncated, re-export it",
                                     layer.where_text(), index, index, capture.last_error("read error")));
    };
    for (;;) {
        const std::size_t failures_before = capture.failure_count();
        gdal::FeaturePtr f{OGR_L_GetNextFeature(ogr_layer)};
        if (capture.failure_count() > failures_before) throw read_failed(read);
        if (!f) break;
        ++read;
        Feature feature;
        feature.fid = OGR_F_GetFID(f.get());
        feature.values.reserve(layer.fields.size());
        for (std::size_t i = 0; i < layer.fields.size(); ++i) feature.values.push_back(read_value(f.get(), static_cast<int>(i), layer.fields[i].type));
        std::optional<std::size_t> invalid_field;
        for (std::size_t i = 0; i < feature.values.size(); ++i) {
            auto& v = feature.values[i];
            if (!v.is_string() || is_valid_utf8(v.get_ref<const std::string&>())) continue;
            v = to_valid_utf8(v.get_ref<const std::string&>());
            if (!invalid_field) invalid_field = i;
            ++invalid_text;
        }
        if (invalid_field && first_invalid_text.empty())
            first_invalid_text = fmt::format("{}, field {}", layer.describe(feature), layer.fields[*invalid_field].name);

        OGRGeometryH g = OGR_F_GetGeometryRef(f.get());
        if (!g || OGR_G_IsEmpty(g)) {
            ++layer.stats.empty;
            if (++empty_warnings <= max_feature_warnings)
                options.callbacks.warning(fmt::format("{}: {} has no geometry (null or empty); analyses skip it", layer.where_text(), layer.describe(feature)));
            layer.features.push_back(std::move(feature));
            continue;
        }
        // Curve types (also a MultiSurface of plain polygons) become straight segments GEOS reads.
        gdal::GeometryPtr geom(OGR_G_HasCurveGeometry(g, FALSE) ? OGR_G_GetLinearGeometry(g, 0, nullptr) : OGR_G_Clone(g));
        if (!geom) throw DataError(fmt::format("{}: {}: its {} cannot be converted to straight segments ({}); fix it in the source", layer.where_text(),
                                               layer.describe(feature), geometry_type_name(OGR_G_GetGeometryType(g)), capture.last_error("no reason given")));
        // TINs and polyhedral surfaces are sets of polygons; GEOS reads them as such.
        switch (wkbFlatten(OGR_G_GetGeometryType(geom.get()))) {
            case wkbTIN:
            case wkbPolyhedralSurface: geom.reset(OGR_G_ForceTo(geom.release(), wkbMultiPolygon, nullptr)); break;
            case wkbTriangle: geom.reset(OGR_G_ForceTo(geom.release(), wkbPolygon, nullptr)); break;
            default: break;
        }
        OGR_G_FlattenTo2D(geom.get());
        if (transform && OGR_G_Transform(geom.get(), transform.get()) != OGRERR_NONE)
            throw DataError(fmt::format("{}: {}: cannot transform from {} to WGS84 ({}); check the CRS", layer.where_text(), layer.describe(feature),
                                        layer.crs, capture.last_error("coordinates outside the CRS's area")));
        OGREnvelope env;
        OGR_G_GetEnvelope(geom.get(), &env);
        constexpr double slack = 1e-9;
        if (!(env.MinX >= -180 - slack && env.MaxX <= 180 + slack && env.MinY >= -90 - slack && env.MaxY <= 90 + slack))
            throw DataError(out_of_range_message(layer, feature, env));

        wkb.resize(static_cast<std::size_t>(OGR_G_WkbSize(geom.get())));
        OGR_G_ExportToIsoWkb(geom.get(), wkbNDR, wkb.data());
        try {
            feature.geometry = Geometry::from_wkb(wkb.data(), wkb.size());
        } catch (const std::exception& e) {
            throw DataError(fmt::format("{}: {}: its {} cannot be read as a geometry ({}); fix it in the source (a line needs 2 or more points, a ring 4 or more)",
                                        layer.where_text(), layer.describe(feature), geometry_type_name(OGR_G_GetGeometryType(geom.get())), cut_short(e.what(), 200)));
        }
        const std::int64_t vertices = GEOSGetNumCoordinates_r(geos::ctx(), feature.geometry.get());
        vertices_total += std::max<std::int64_t>(vertices, 0);
        if (vertices > options.max_vertices_per_feature)
            throw DataError(fmt::format("{}: {}: has {} vertices, more than the {} dza takes in one feature; simplify it (e.g. ogr2ogr -simplify) or split it",
                                        layer.where_text(), layer.describe(feature), vertices, options.max_vertices_per_feature));
        if (vertices_total > options.max_vertices_total)
            throw DataError(fmt::format("{}: more than {} vertices by {}; dza takes at most that many in one layer; simplify the layer (e.g. ogr2ogr -simplify) or clip it",
                                        layer.where_text(), options.max_vertices_total, layer.describe(feature)));

        const char valid = GEOSisValid_r(geos::ctx(), feature.geometry.get());
        if (valid != 1) {
            std::string reason;
            if (char* r = GEOSisValidReason_r(geos::ctx(), feature.geometry.get())) {
                reason = r;
                GEOSFree_r(geos::ctx(), r);
            }
            const geos::MakeValidParamsPtr params(geos::check(GEOSMakeValidParams_create_r(geos::ctx()), "creating repair parameters"));
            GEOSMakeValidParams_setMethod_r(geos::ctx(), params.get(), GEOS_MAKE_VALID_STRUCTURE);
            GEOSMakeValidParams_setKeepCollapsed_r(geos::ctx(), params.get(), 0);
            GEOSGeometry* fixed = GEOSMakeValidWithParams_r(geos::ctx(), feature.geometry.get(), params.get());
            if (!fixed)
                throw DataError(fmt::format("{}: {}: invalid geometry ({}) that GEOS MakeValid cannot repair: {}; fix it in the source",
                                            layer.where_text(), layer.describe(feature), reason, geos::last_error()));
            feature.geometry = Geometry(fixed);
            ++layer.stats.invalid_repaired;
            if (++invalid_warnings <= max_feature_warnings)
                options.callbacks.warning(fmt::format("{}: {}: invalid geometry ({}) repaired with GEOS MakeValid", layer.where_text(), layer.describe(feature), reason));
        }
        layer.features.push_back(std::move(feature));
        if (expected > 0 && layer.features.size() % 4096 == 0 &&
            !options.callbacks.report(static_cast<double>(layer.features.size()) / static_cast<double>(expected), "loading " + layer.name))
            throw DataError(layer.where_text() + ": loading cancelled");
    }
    // A driver that declares its count (FlatGeobuf's header, a Shapefile's index) and delivers
    // fewer features has lost some: a truncated file. Only without a filter, which the count ignores.
    if (ref.where.empty() && expected >= 0 && read < expected && read + deleted_shapefile_records(ogr_layer, layer, expected, capture) < expected)
        throw DataError(fmt::format("{}: declares {} features but only {} could be read; the source looks truncated, re-export it", layer.where_text(),
                                    expected, read));
    if (invalid_text > 0)
        options.callbacks.warning(fmt::format("{}: {} text {} not valid UTF-8 (first: {}); invalid bytes replaced by U+FFFD; save the source as UTF-8{}",
                                              layer.where_text(), invalid_text, invalid_text == 1 ? "value is" : "values are", first_invalid_text,
                                              layer.driver == "ESRI Shapefile" ? " or name its encoding in a .cpg file (e.g. ISO-8859-1)" : ""));
    if (empty_warnings > max_feature_warnings)
        options.callbacks.warning(fmt::format("{}: {} more features without geometry", layer.where_text(), empty_warnings - max_feature_warnings));
    if (invalid_warnings > max_feature_warnings)
        options.callbacks.warning(fmt::format("{}: {} more invalid geometries repaired", layer.where_text(), invalid_warnings - max_feature_warnings));
    if (layer.features.empty() && !options.allow_empty_layer)
        throw DataError(fmt::format("{}: has no features{}; check the layer{}", layer.where_text(),
                                    ref.where.empty() ? "" : " matching \"" + ref.where + "\"", ref.where.empty() ? "" : " and the filter"));
    options.callbacks.report(1.0, "loaded " + layer.name);
    return layer;
}

}  // namespace dza
