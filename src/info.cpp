#include "dza/info.hpp"

#include <set>

#include "dza/geodesic.hpp"

namespace dza {

LayerInfo describe_layer(const Layer& layer) {
    LayerInfo info;
    info.source = layer.source;
    info.name = layer.name;
    info.driver = layer.driver;
    info.crs = layer.crs;
    info.crs_name = layer.crs_name;
    info.crs_assumed = layer.crs_assumed;
    info.feature_count = static_cast<std::int64_t>(layer.features.size());
    info.fields = layer.fields;
    info.invalid_count = layer.stats.invalid_repaired;
    info.empty_count = layer.stats.empty;

    std::set<std::string> types;
    double length_m = 0, area_m2 = 0;
    int max_dimension = -1;
    for (const auto& f : layer.features) {
        if (f.geometry.is_empty()) continue;
        types.insert(f.geometry.type_name());
        info.extent.expand(f.geometry.extent());
        const int dim = f.geometry.dimension();
        max_dimension = std::max(max_dimension, dim);
        if (dim == 1) length_m += geodesic_length_m(f.geometry);
        if (dim == 2) area_m2 += geodesic_area_m2(f.geometry);
    }
    if (types.size() == 1) {
        info.geometry_type = *types.begin();
    } else if (types.empty()) {
        info.geometry_type = layer.declared_geometry_type;
    } else {
        for (const auto& t : types) info.geometry_type += (info.geometry_type.empty() ? "" : ", ") + t;
    }
    if (max_dimension >= 1 && (length_m > 0 || max_dimension == 1)) info.length_km = length_m / 1000.0;
    if (max_dimension == 2) info.area_km2 = area_m2 / 1e6;
    return info;
}

std::vector<LayerInfo> inspect(const LayerRef& ref, const LoadOptions& options) {
    LoadOptions opts = options;
    opts.allow_empty_layer = true;
    std::vector<LayerInfo> out;
    if (ref.layer_name.empty() && !ref.layer_index) {
        const auto names = list_layers(ref.source);
        if (names.size() > 1) {
            for (const auto& name : names) {
                LayerRef one = ref;
                one.layer_name = name;
                out.push_back(describe_layer(load_layer(one, opts)));
            }
            return out;
        }
    }
    out.push_back(describe_layer(load_layer(ref, opts)));
    return out;
}

}  // namespace dza
