#pragma once
// Vector layers as every command sees them: features with attributes and a GEOS geometry in
// WGS84 lon/lat, loaded through GDAL/OGR from any source it opens, reprojected with PROJ.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dza/callbacks.hpp"
#include "dza/error.hpp"
#include "dza/geometry.hpp"
#include "dza/secrets.hpp"

namespace dza {

// A reference to one layer: `SOURCE[|layername=NAME][|layerid=N][|where=SQL][|crs=CRS]`, the
// QGIS data-source syntax. SOURCE is anything GDAL opens (a file, a folder, `PG:...`).
// `where` is an OGR SQL attribute filter; `crs` overrides the CRS the source declares. In a
// connection string (`PG:...`, `postgresql://...`) only a `|` that starts one of these keys ends
// the source, so a password may hold `|`.
struct LayerRef {
    std::string source;
    std::string layer_name;          // empty: the source's only layer
    std::optional<int> layer_index;  // alternative to layer_name, 0-based
    std::string where;
    std::string crs;

    static LayerRef parse(std::string_view text);  // throws UsageError on an unknown key
    // The reference as a user would write it, with any password in a PG: string hidden.
    std::string display() const;
};

// Whether a source names no file here: a PG: connection or postgres URI, another URL, or a GDAL
// /vsi path. A relative path in a scenario starts from its folder only when this is false.
bool is_connection_string(const std::string& source);

enum class FieldType { Integer, Real, String, Boolean };
const char* field_type_name(FieldType type);

struct FieldDef {
    std::string name;
    FieldType type = FieldType::String;
};

struct Feature {
    std::int64_t fid = 0;
    std::vector<nlohmann::json> values;  // aligned with Layer::fields; null when unset
    Geometry geometry;                   // WGS84 lon/lat; null when the source has none
};

struct LoadStats {
    std::int64_t invalid_repaired = 0;
    std::int64_t empty = 0;
};

struct Layer {
    std::string source;  // as displayed (password hidden)
    std::string name;
    std::string driver;
    std::string crs;        // the source CRS as "AUTH:CODE" or its name; "" when it declares none
    std::string crs_name;   // human name of the source CRS
    bool crs_assumed = false;
    std::string declared_geometry_type;  // from the layer definition, e.g. "MultiPolygon", "Unknown"
    std::vector<FieldDef> fields;
    std::vector<Feature> features;
    LoadStats stats;
    std::string name_field;  // the field that names features, when set; else label_field() guesses

    std::optional<std::size_t> field_index(std::string_view field) const;
    // The index of `field`, or a UsageError naming the layer, the fields it has and the closest one.
    std::size_t require_field(std::string_view field) const;
    // The field that names features: name_field when set, else `name`, `title`, `label`, `id`, or none.
    std::optional<std::size_t> label_field() const;
    // A feature's label, the one name every output gives it: the label field's text (a number or
    // other value as its JSON text), or the fid as a number when it has none or it is empty.
    std::string label(const Feature& feature) const;
    // The same with the label field found once (label_field()), for loops over many features.
    std::string label(const Feature& feature, std::optional<std::size_t> field) const;
    // `feature 7 ("FR-1")` or `feature 7`, for messages.
    std::string describe(const Feature& feature) const;
    // `source|layername=NAME`, for messages.
    std::string where_text() const;
};

// Runs fn(); an Error it throws comes out with the layer and the feature it concerns before its
// message: "data/deployments.geojson: feature 7 ("FR-1"): ...".
template <typename Fn>
auto with_feature_context(const Layer& layer, const Feature& feature, Fn&& fn) -> decltype(fn()) {
    return with_context([&] { return layer.where_text() + ": " + layer.describe(feature); }, std::forward<Fn>(fn));
}

// A feature's value in km (a number, or text holding one) as metres. A null, non-numeric,
// negative or larger-than-`max_m` value is a DataError naming the layer, the feature and the
// field, and saying it expected `expected` ("a distance in km"); `limit_text` ends the message
// for a value over the limit.
double field_km_as_m(const Layer& layer, const Feature& feature, std::size_t field, std::string_view expected, double max_m,
                     std::string_view limit_text);

// Makes room for dza's own columns `own` in a result layer that carries a source's fields: a
// field named like one of them, or like an earlier field, ignoring case (GeoPackage and SQL
// columns ignore it), is renamed src_<name>, or src_<name>_2, _3, ... while that is taken.
// Values stay aligned; a renamed name field is followed. One warning on `callbacks` names
// `where` and every rename ("check -> src_check"). Returns the number of fields renamed.
std::size_t rename_clashing_fields(Layer& layer, const std::vector<std::string>& own, const std::string& where, const Callbacks& callbacks);

struct LoadOptions {
    std::string assume_crs = "EPSG:4326";  // for sources that declare no CRS
    bool warn_assumed_crs = true;          // warn when assume_crs is used (not when the user chose it)
    bool allow_empty_layer = false;        // otherwise a layer with no features is a DataError
    // Size limits, checked while loading so that a huge input fails early with a clear message
    // instead of exhausting memory later.
    std::int64_t max_vertices_per_feature = 10'000'000;
    std::int64_t max_vertices_total = 50'000'000;
    Callbacks callbacks;
};

// Names of the layers a source holds (opens it; DataError when GDAL cannot).
std::vector<std::string> list_layers(const std::string& source);

// Reads every feature, or throws: a source that is not a regular file or folder, a CRS that is not
// horizontal, a read error GDAL reports, fewer features than the driver declares, a geometry
// GEOS cannot hold and a layer over the size limits are errors naming the source and feature.
Layer load_layer(const LayerRef& ref, const LoadOptions& options = {});

// A copy of `layer` (source, name, driver, CRS, fields, name field; each feature's fid and values)
// whose features' geometries are `geometry(g)` of their own; a null geometry stays null.
Layer copy_layer(const Layer& layer, const std::function<Geometry(const Geometry&)>& geometry);

// Names that select features (regions by name) must be set and unique: a DataError naming the
// layer, the field and the features otherwise. `what` is "region", say.
void require_unique_names(const Layer& layer, std::size_t field, std::string_view what);

}  // namespace dza
