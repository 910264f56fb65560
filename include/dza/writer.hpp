#pragma once
// Writing layers through GDAL/OGR. GeoJSON follows RFC 7946 (WGS84 lon/lat, counter-clockwise
// exterior rings, no `crs` member); other formats are chosen by the output's extension.
// Every write is atomic: the result is built next to the target and renamed into place.
#include <ostream>
#include <string>
#include <vector>

#include "dza/layer.hpp"

namespace dza {

struct WriteOptions {
    int precision = 6;  // decimals of lon/lat in text formats
};

// The OGR driver for a path's extension (".geojson" -> "GeoJSON", ".gpkg" -> "GPKG", ...);
// UsageError for an extension dza does not write.
std::string driver_for_path(const std::string& path);

// Checks before any work that `path` can be written (known extension, existing writable folder).
void check_output_path(const std::string& path);

// Writes layers to `path` (several only where the format holds several, e.g. GeoPackage).
// `path` "-" writes GeoJSON to `stdout_stream`.
void write_layers(const std::vector<const Layer*>& layers, const std::string& path, const WriteOptions& options = {},
                  std::ostream* stdout_stream = nullptr);

inline void write_layer(const Layer& layer, const std::string& path, const WriteOptions& options = {},
                        std::ostream* stdout_stream = nullptr) {
    write_layers({&layer}, path, options, stdout_stream);
}

}  // namespace dza
