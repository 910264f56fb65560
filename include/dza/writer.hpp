#pragma once
// Writing layers through GDAL/OGR. GeoJSON follows RFC 7946 (WGS84 lon/lat, counter-clockwise
// exterior rings, no `crs` member); other formats are chosen by the output's extension.
// Every write is atomic and checked: the result is built next to the target (every write, fsync
// and close checked), renamed into place and its folder synced, or, for a PostGIS database
// (`PG:...`), written in one transaction that replaces the tables at commit. A failure is a
// DataError naming the output and the system's reason ("No space left on device"), the previous
// file untouched. Writing into an existing GeoPackage adds or replaces the named layers and keeps
// the others; every other format is replaced whole.
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dza/callbacks.hpp"
#include "dza/layer.hpp"

namespace dza {

struct MapStyle;

// How a feature looks where the format keeps styles: KML, for Google Earth (GDAL's LIBKML driver
// turns the OGR style string of each feature into the placemark's <Style>). Colours "#rrggbb",
// opacities from 0 to 1. Lines get the stroke (LineStyle), polygons the stroke and the fill
// (PolyStyle; "none" or opacity 0: an outline only), points the marker (IconStyle).
struct FeatureStyle {
    std::string stroke = "#555555";
    double stroke_opacity = 1;
    double stroke_width_px = 1.5;
    std::string fill = "#555555";
    double fill_opacity = 0.2;
    std::string marker = "#555555";
    // simplestyle-spec's marker-symbol: "" a round marker, "cross" one crossed out (Google Earth's
    // "forbidden" sign in its own red, for a deployment that fails its check).
    std::string marker_symbol;
};
using FeatureStyler = std::function<FeatureStyle(const Layer&, const Feature&)>;

// The style of a map's layer for KML: its stroke, width and opacity; its fill, translucent (a
// map's opaque fill at 0.2, so that the imagery shows through, as in the GeoJSON's simplestyle);
// markers in the fill colour, or by `color_field`'s value from `colors` (deployments by role)
// with the fill as fallback.
FeatureStyler map_feature_style(const MapStyle& style, std::string color_field = {},
                                std::vector<std::pair<std::string, std::string>> colors = {});

// The style a feature's simplestyle-spec properties give it (a layer made by styled_copy: stroke,
// stroke-width, stroke-opacity, fill, fill-opacity, marker-color, marker-symbol), so that the KML
// looks as the styled GeoJSON does. A property missing or of the wrong type keeps FeatureStyle's
// default; a layer without a `fill` column (lines, points) gets no fill.
FeatureStyle simplestyle_feature_style(const Layer& layer, const Feature& feature);

// The OGR style string of `style` for geometries of these dimensions (0 points, 1 lines, 2
// polygons): "PEN(c:#RRGGBBAA,w:2px)", "BRUSH(fc:#RRGGBBAA)", "SYMBOL(id:...,c:#RRGGBBAA)",
// joined with ';'.
std::string ogr_style_string(const FeatureStyle& style, bool points, bool lines, bool polygons);

struct WriteOptions {
    int precision = 6;  // decimals of lon/lat in text formats (GeoJSON, GeoJSONSeq, KML)
    // The table to write in a PG: database, `name` or `schema.name`; several layers go to
    // `name_<layer>` each. Required for PG: outputs, refused for files.
    std::string table;
    // Warnings, e.g. fields renamed for the format (KML's XML-safe names, a Shapefile's 10 bytes).
    Callbacks callbacks;
    // KML: the style of each layer's features, by layer name (as given to LayerWriter); a layer
    // without one gets the neutral FeatureStyle{}. Other formats hold data, not styles.
    std::map<std::string, FeatureStyler> styles;
};

// Whether an output is a PostGIS database (a GDAL `PG:` connection string) rather than a file.
bool is_database_output(const std::string& output);

// Checks the output and table options together, touching nothing: a known file extension, or a
// PG: output with a valid --table name. UsageError otherwise.
void validate_output(const std::string& output, const std::string& table);

// The tables `layer_names` go to in a database: `table` for one layer, `table_<name>` for several.
std::vector<std::string> database_tables(const std::string& table, const std::vector<std::string>& layer_names);

// The OGR driver for a path's extension (".geojson" -> "GeoJSON", ".gpkg" -> "GPKG", ...);
// UsageError for an extension dza does not write.
std::string driver_for_path(const std::string& path);

// Checks before any work that `path` can be written (known extension, existing writable folder;
// for a PG: output, that the server accepts the connection for writing and has PostGIS).
void check_output_path(const std::string& path, const std::string& table = {});

// Checks that a file can be written at `path`: its folder exists and is writable, and `path` is
// neither a folder nor a read-only file. UsageError naming what is wrong otherwise.
void check_writable_file(const std::string& path);

// Checks before any work that a command can write `files` (names in the folder) into `folder`:
// it exists as a writable folder whose files pass check_output_path, or its parent exists and is
// writable so that it can be made. UsageError naming what is wrong otherwise; `what_to_give`
// ends the message for a path that is a file ("give a folder").
void check_output_folder(const std::string& folder, const std::vector<std::string>& files, const std::string& what_to_give = "give a folder");

// A source a command reads, for check_not_an_input: a file, a folder, or a layer reference's
// SOURCE (`X.gpkg`, also written `X.gpkg|layername=...`), and the name messages give it
// ("deployments", "LAYER", "the scenario file").
struct InputSource {
    std::string source;
    std::string name;
};

// The files a write to `output` creates or replaces: the file itself, and for a Shapefile its
// sidecars (.shx, .dbf, .prj, .cpg). None for stdout ("-") or a database.
std::vector<std::string> output_files(const std::string& output);

// Refuses, before any work, an output that would replace one of the inputs: UsageError
// `output "X" is also an input (NAME); write elsewhere`. Files are compared with
// std::filesystem::equivalent (so another spelling, a symbolic or a hard link counts), each
// output with its Shapefile sidecars and each input with its own; a layer reference counts by its
// SOURCE, and an input folder by the files already in it. PG: sources and outputs are not compared.
void check_not_an_input(const std::string& output, const std::vector<InputSource>& inputs);

// KML is written for Google Earth: one <Folder> per layer, each placemark named by the layer's
// label (Layer::label: a field named `name` where there is one, else the label as `name`) and
// styled (WriteOptions::styles), coordinates rounded to WriteOptions::precision decimals.
//
// A Shapefile field name holds 10 bytes. Longer names are shortened word by word (words split at
// `_`): first well-known words are abbreviated (distance -> dist, error -> err, maximum -> max,
// minimum -> min, altitude -> alt, number -> num, percent -> pct, coverage -> cov, population ->
// pop, latitude -> lat, longitude -> lon, elevation -> elev), then, longest word first, the
// vowels after each word's first letter are dropped, then the name is cut at 10 bytes; a name
// met before (ignoring case) gets _2, _3, ... One warning lists every renaming. The .cpg beside
// the .dbf says UTF-8.
//
// Writes layers to `path` feature by feature, with every guarantee above: nothing replaces the
// previous output until commit(), and a writer destroyed before it (an exception, say) discards
// what it wrote. Memory stays small whatever the number of features (a GeoPackage or another file
// is built on disk beside the target; `-` is spooled to a temporary file until commit; KML is the
// exception: libkml holds the document in memory until commit). The layers are
// named up front, in the order they are then begun (several only where the format holds several:
// GeoPackage, KML, or a database; an empty name is "layer"); usage errors come from the
// constructor, before any work.
//
//     LayerWriter out(path, {"distances"}, options);
//     out.begin_layer(schema, "LineString");  // schema: a Layer's name, fields and name field
//     for (...) out.write(feature);           // values aligned with schema.fields
//     out.commit();
class LayerWriter {
public:
    LayerWriter(const std::string& path, std::vector<std::string> layer_names, const WriteOptions& options = {},
                std::ostream* stdout_stream = nullptr);
    ~LayerWriter();
    LayerWriter(const LayerWriter&) = delete;
    LayerWriter& operator=(const LayerWriter&) = delete;

    // Starts the next layer with the fields and name field of `schema` (its features are not
    // written; it is copied without them). `geometry_type` is the type declared for the layer:
    // "Point", "LineString", "Polygon", their "Multi" forms, "GeometryCollection", or "Unknown"
    // (any). Under a Multi type a single part is written as a Multi of one; another type is a
    // DataError naming the feature. Fields the format renames are named in one warning.
    void begin_layer(const Layer& schema, std::string_view geometry_type = "Unknown");
    // Writes one feature of the current layer. Geometry parts the format cannot hold are refused
    // (DataError naming the feature), never dropped.
    void write(const Feature& feature);
    // begin_layer with the type the features of `layer` share, then every feature of it.
    void write_layer(const Layer& layer);
    // Puts the output in place (renames the built file over the target, commits the
    // transaction, or writes `-` to its stream). DataError naming the output and the reason.
    void commit();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    template <typename Fn>
    void guarded(Fn&& fn);
};

// Writes layers to `path` (several only where the format holds several: GeoPackage, KML, or a
// database). `path` "-" writes GeoJSON to `stdout_stream` (DataError when the stream fails).
void write_layers(const std::vector<const Layer*>& layers, const std::string& path, const WriteOptions& options = {},
                  std::ostream* stdout_stream = nullptr);

inline void write_layer(const Layer& layer, const std::string& path, const WriteOptions& options = {},
                        std::ostream* stdout_stream = nullptr) {
    write_layers({&layer}, path, options, stdout_stream);
}

}  // namespace dza
