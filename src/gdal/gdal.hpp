#pragma once
// The boundary to GDAL/OGR: registration, owners for its handles, and routing of its error
// messages into dza's warnings and exceptions.
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_error.h>
#include <cpl_string.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dza/callbacks.hpp"

namespace dza::gdal {

// Registers GDAL's drivers once per process and sets the options dza relies on.
void ensure_init();

struct DatasetCloser {
    void operator()(GDALDatasetH ds) const noexcept { GDALClose(ds); }
};
struct FeatureDeleter {
    void operator()(OGRFeatureH f) const noexcept { OGR_F_Destroy(f); }
};
struct GeometryDeleter {
    void operator()(OGRGeometryH g) const noexcept { OGR_G_DestroyGeometry(g); }
};
struct SrsReleaser {
    void operator()(OGRSpatialReferenceH s) const noexcept { OSRRelease(s); }
};
struct TransformDeleter {
    void operator()(OGRCoordinateTransformationH t) const noexcept { OCTDestroyCoordinateTransformation(t); }
};
struct FieldDefnDeleter {
    void operator()(OGRFieldDefnH f) const noexcept { OGR_Fld_Destroy(f); }
};
struct StringListDeleter {
    void operator()(char** list) const noexcept { CSLDestroy(list); }
};

using DatasetPtr = std::unique_ptr<std::remove_pointer_t<GDALDatasetH>, DatasetCloser>;
using FeaturePtr = std::unique_ptr<std::remove_pointer_t<OGRFeatureH>, FeatureDeleter>;
using GeometryPtr = std::unique_ptr<std::remove_pointer_t<OGRGeometryH>, GeometryDeleter>;
using SrsPtr = std::unique_ptr<std::remove_pointer_t<OGRSpatialReferenceH>, SrsReleaser>;
using TransformPtr = std::unique_ptr<std::remove_pointer_t<OGRCoordinateTransformationH>, TransformDeleter>;
using FieldDefnPtr = std::unique_ptr<std::remove_pointer_t<OGRFieldDefnH>, FieldDefnDeleter>;
using StringListPtr = std::unique_ptr<char*, StringListDeleter>;  // a GDAL string list (char**)

// While alive, GDAL's messages on this thread are collected instead of printed: warnings go to
// `warn` (prefixed with `context`), failures are kept for the exception that follows.
class ErrorCapture {
public:
    explicit ErrorCapture(WarnFn warn = {}, std::string context = {});
    ~ErrorCapture();
    ErrorCapture(const ErrorCapture&) = delete;
    ErrorCapture& operator=(const ErrorCapture&) = delete;

    // The last failure GDAL reported, or `fallback` when it said nothing. When an earlier failure
    // carried GDAL's advice (a configuration option to set), that one: it says what to try; else
    // when one named a system condition (a full disk), that one: later failures follow from it.
    std::string last_error(const std::string& fallback = "unknown GDAL error") const;
    // How many failures GDAL reported so far: a read that reports one is not to be trusted.
    std::size_t failure_count() const { return failures_; }

private:
    static void CPL_STDCALL handler(CPLErr level, CPLErrorNum number, const char* message);
    WarnFn warn_;
    std::string context_;
    std::string last_error_;
    std::string hint_;  // the last failure that names something to set or try
    std::string system_;  // the first failure that names a system condition (see system_reason)
    std::size_t failures_ = 0;
};

// A GDAL or SQLite failure message as one short line: the system's own words where it names a
// system condition ("database or disk is full" is "No space left on device"), the reason without
// the SQL statement it quotes, at most 300 characters.
std::string system_reason(const std::string& message);
// The errno of the system condition a message names (ENOSPC for "database or disk is full"), or 0.
int system_condition(const std::string& message);

// GDAL's messages as dza shows them: passwords hidden, one line, at most this long.
inline constexpr std::size_t max_gdal_message = 400;

// A spatial reference from any user string GDAL understands ("EPSG:32636", WKT, PROJ string),
// with the traditional lon/lat axis order; nullptr when it cannot be parsed.
SrsPtr srs_from_user_input(const std::string& text);
SrsPtr wgs84();
// "EPSG:4326" or the CRS's name when it has no authority code.
std::string srs_code(OGRSpatialReferenceH srs);
std::string srs_name(OGRSpatialReferenceH srs);

// Tables read from PostgreSQL in this process, so that no database write replaces one: a table is
// known by where it lives (the database, its server's start time and port, and the table's oid),
// whatever connection string reached it. `table` is a name as GDAL gives it ("schema.name", or
// "name" on the search path, "name(column)" for one of several geometry columns). "" when the
// table is not one there (a view counts; a query does not) or the server does not say.
std::string database_table_identity(GDALDatasetH ds, const std::string& table);
void note_database_input(const std::string& identity, const std::string& shown);
// How the table was read (its source, password hidden), when it was.
std::optional<std::string> database_input(const std::string& identity);

}  // namespace dza::gdal
