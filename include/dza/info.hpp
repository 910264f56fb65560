#pragma once
// `dza info`: what a layer holds, with lengths and areas measured on the WGS84 ellipsoid.
#include <optional>
#include <string>
#include <vector>

#include "dza/layer.hpp"

namespace dza {

struct LayerInfo {
    std::string source;
    std::string name;
    std::string driver;
    std::string crs;       // source CRS, or the assumed one when crs_assumed
    std::string crs_name;
    bool crs_assumed = false;
    std::string geometry_type;
    std::int64_t feature_count = 0;
    Extent extent;  // WGS84 lon/lat
    std::vector<FieldDef> fields;
    std::int64_t invalid_count = 0;
    std::int64_t empty_count = 0;
    std::optional<double> length_km;  // lines (and polygon perimeters when no area applies)
    std::optional<double> area_km2;   // polygons
};

LayerInfo describe_layer(const Layer& layer);

// Every layer `ref` names: its one layer, or all of a multi-layer source when none is picked.
std::vector<LayerInfo> inspect(const LayerRef& ref, const LoadOptions& options = {});

}  // namespace dza
