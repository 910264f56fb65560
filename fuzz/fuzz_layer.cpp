// The layer loader (dza::load_layer) on GeoJSON, KML or CSV bytes, kept in GDAL's in-memory file
// system. The first byte that is not white space picks the format: '{' or '[' GeoJSON, '<' KML,
// anything else CSV, so every seed and reproducer is a file `dza info` reads as it is.
#include <cpl_conv.h>
#include <cpl_vsi.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "dza/layer.hpp"
#include "fuzz_common.hpp"

namespace {

const char* path_for(const std::uint8_t* data, std::size_t size) {
    std::size_t i = 0;
    while (i < size && std::isspace(data[i])) ++i;
    if (i < size && (data[i] == '{' || data[i] == '[')) return "/vsimem/fuzz.geojson";
    if (i < size && data[i] == '<') return "/vsimem/fuzz.kml";
    return "/vsimem/fuzz.csv";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const char* path = path_for(data, size);
    // GDAL owns (and frees on unlink) a copy, so drivers never see libFuzzer's buffer.
    auto* copy = static_cast<GByte*>(CPLMalloc(size + 1));
    std::memcpy(copy, data, size);
    copy[size] = 0;
    VSILFILE* f = VSIFileFromMemBuffer(path, copy, size, TRUE);
    if (!f) std::abort();
    VSIFCloseL(f);

    dza::fuzz::expect_dza_errors_only([&] {
        dza::LoadOptions options;
        std::size_t warnings = 0;
        options.callbacks.warn = [&warnings](const std::string&) { ++warnings; };
        const dza::Layer layer = dza::load_layer(dza::LayerRef::parse(path), options);
        for (const auto& feature : layer.features) (void)layer.describe(feature);
    });
    VSIUnlink(path);
    return 0;
}
