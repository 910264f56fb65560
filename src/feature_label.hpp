#pragma once
// The text that names a feature in results and reports: the value of its layer's label field
// (Layer::label_field), else its fid.
#include <string>

#include "dza/layer.hpp"

namespace dza {

inline std::string feature_label(const Layer& layer, const Feature& f) {
    if (auto i = layer.label_field(); i && *i < f.values.size() && !f.values[*i].is_null())
        return f.values[*i].is_string() ? f.values[*i].get<std::string>() : f.values[*i].dump();
    return std::to_string(f.fid);
}

}  // namespace dza
