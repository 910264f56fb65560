#include "gdal/gdal.hpp"

#include <cpl_conv.h>

#include <cerrno>
#include <cstring>

#include <map>
#include <mutex>
#include <regex>

#include "dza/error.hpp"
#include "dza/layer.hpp"

namespace dza::gdal {

void ensure_init() {
    static std::once_flag once;
    std::call_once(once, [] {
        GDALAllRegister();
        // Fixed timestamps in GeoPackage metadata keep outputs reproducible.
        CPLSetConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
    });
}

ErrorCapture::ErrorCapture(WarnFn warn, std::string context) : warn_(std::move(warn)), context_(std::move(context)) {
    CPLPushErrorHandlerEx(&ErrorCapture::handler, this);
}

ErrorCapture::~ErrorCapture() { CPLPopErrorHandler(); }

// The errno of the system condition a GDAL or SQLite message names in its own words, or 0.
int system_condition(const std::string& message) {
    static const std::pair<const char*, int> known[] = {
        {"database or disk is full", ENOSPC}, {"No space left on device", ENOSPC}, {"Disk quota exceeded", EDQUOT},
        {"disk I/O error", EIO},              {"Input/output error", EIO},         {"Read-only file system", EROFS},
        {"File too large", EFBIG},            {"database is locked", EBUSY}};
    for (const auto& [phrase, error] : known)
        if (message.find(phrase) != std::string::npos) return error;
    return 0;
}

void CPL_STDCALL ErrorCapture::handler(CPLErr level, CPLErrorNum, const char* message) {
    auto* self = static_cast<ErrorCapture*>(CPLGetErrorHandlerUserData());
    if (!self) return;
    // Drivers may quote a connection string back; its password never reaches a message. Server
    // messages span lines (ERROR, DETAIL, HINT); dza's messages are one line.
    static const std::regex spaces(R"(\s+)");
    std::string text = std::regex_replace(redact_source(message ? message : ""), spaces, " ");
    while (!text.empty() && text.back() == ' ') text.pop_back();
    text = cut_short(text, max_gdal_message);
    if (level == CE_Warning) {
        if (self->warn_) self->warn_((self->context_.empty() ? "" : self->context_ + ": ") + text);
    } else if (level >= CE_Failure) {
        ++self->failures_;
        self->last_error_ = text;
        // GDAL's advice, such as "define the OGR_GEOJSON_MAX_OBJ_SIZE configuration option".
        if (text.find("configuration option") != std::string::npos || text.find("You may") != std::string::npos) self->hint_ = text;
        // The first failure naming a system condition (a full disk): what follows it, such as
        // SQLite's "cannot rollback - no transaction is active", is its consequence.
        if (self->system_.empty() && system_condition(text)) self->system_ = text;
    }
}

std::string ErrorCapture::last_error(const std::string& fallback) const {
    if (!hint_.empty()) return hint_;
    if (!system_.empty()) return system_reason(system_);
    return last_error_.empty() ? fallback : system_reason(last_error_);
}

std::string system_reason(const std::string& message) {
    if (const int error = system_condition(message)) return std::strerror(error);
    // "sqlite3_exec(CREATE TABLE ... 5 KB ...) failed: why": the why.
    std::string text = message;
    if (const auto failed = text.find(") failed: "); failed != std::string::npos && text.rfind("sqlite3_", 0) == 0) text = text.substr(failed + 10);
    constexpr std::size_t longest = 300;
    if (text.size() > longest) {
        std::size_t cut = longest;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
        text = text.substr(0, cut) + "...";
    }
    return text;
}

SrsPtr srs_from_user_input(const std::string& text) {
    SrsPtr srs(OSRNewSpatialReference(nullptr));
    if (OSRSetFromUserInput(srs.get(), text.c_str()) != OGRERR_NONE) return nullptr;
    OSRSetAxisMappingStrategy(srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

SrsPtr wgs84() {
    SrsPtr srs(OSRNewSpatialReference(nullptr));
    OSRImportFromEPSG(srs.get(), 4326);
    OSRSetAxisMappingStrategy(srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

std::string srs_code(OGRSpatialReferenceH srs) {
    if (!srs) return "";
    const char* auth = OSRGetAuthorityName(srs, nullptr);
    const char* code = OSRGetAuthorityCode(srs, nullptr);
    if (auth && code) return std::string(auth) + ":" + code;
    // Many files carry a WKT without an authority; ask PROJ for the closest known CRS.
    OGRSpatialReferenceH* matches = nullptr;
    int count = 0;
    int* confidence = nullptr;
    matches = OSRFindMatches(srs, nullptr, &count, &confidence);
    std::string out;
    if (matches && count > 0 && confidence[0] >= 90) {
        const char* a = OSRGetAuthorityName(matches[0], nullptr);
        const char* c = OSRGetAuthorityCode(matches[0], nullptr);
        if (a && c) out = std::string(a) + ":" + c;
    }
    OSRFreeSRSArray(matches);
    CPLFree(confidence);
    return out.empty() ? srs_name(srs) : out;
}

std::string srs_name(OGRSpatialReferenceH srs) {
    if (!srs) return "";
    const char* name = OSRGetName(srs);
    return name ? name : "";
}

namespace {

std::mutex database_inputs_mutex;
std::map<std::string, std::string>& database_inputs() {
    static std::map<std::string, std::string> inputs;
    return inputs;
}

std::string quoted_identifier(const std::string& name) {
    std::string out = "\"";
    for (const char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

}  // namespace

std::string database_table_identity(GDALDatasetH ds, const std::string& table) {
    std::string name = table;
    if (!name.empty() && name.back() == ')' && name.find('(') != std::string::npos) name.erase(name.find('('));
    const auto dot = name.find('.');
    const std::string relation = dot == std::string::npos ? quoted_identifier(name) : quoted_identifier(name.substr(0, dot)) + "." + quoted_identifier(name.substr(dot + 1));
    std::string literal;
    for (const char c : relation) literal += c == '\'' ? std::string("''") : std::string(1, c);
    const std::string sql = "SELECT current_database() || ' ' || pg_postmaster_start_time() || ' ' || current_setting('port') || ' ' || to_regclass('" +
                            literal + "')::oid AS identity";
    ErrorCapture quiet;
    OGRLayerH result = GDALDatasetExecuteSQL(ds, sql.c_str(), nullptr, nullptr);
    if (!result) return "";
    std::string identity;
    if (OGRFeatureH f = OGR_L_GetNextFeature(result)) {
        if (OGR_F_IsFieldSetAndNotNull(f, 0)) identity = OGR_F_GetFieldAsString(f, 0);
        OGR_F_Destroy(f);
    }
    GDALDatasetReleaseResultSet(ds, result);
    CPLErrorReset();
    return identity;
}

void note_database_input(const std::string& identity, const std::string& shown) {
    if (identity.empty()) return;
    std::lock_guard<std::mutex> lock(database_inputs_mutex);
    database_inputs().emplace(identity, shown);
}

std::optional<std::string> database_input(const std::string& identity) {
    if (identity.empty()) return std::nullopt;
    std::lock_guard<std::mutex> lock(database_inputs_mutex);
    const auto it = database_inputs().find(identity);
    if (it == database_inputs().end()) return std::nullopt;
    return it->second;
}

}  // namespace dza::gdal
