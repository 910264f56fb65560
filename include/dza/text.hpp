#pragma once
// Text as dza writes it: UTF-8. Sources may hold other bytes (a Latin-1 Shapefile without a .cpg
// file, a CSV saved in Windows-1252); the rule is that text is read as UTF-8 and every byte that
// is not part of a valid UTF-8 sequence becomes U+FFFD (the replacement character), once, when
// the layer is read, with a warning naming the first feature and field. Every JSON text dza
// writes goes through json_text, which applies the same rule to anything else (paths, names).
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace dza {

// Whether `text` is valid UTF-8: no stray continuation bytes, truncated or overlong sequences,
// surrogates, or code points above U+10FFFF.
bool is_valid_utf8(std::string_view text);

// `text` with every byte that does not belong to a valid UTF-8 sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

// The JSON text of `value` (indent as nlohmann's dump: -1 for one line), with invalid UTF-8 in
// any string or key replaced by U+FFFD instead of throwing.
std::string json_text(const nlohmann::json& value, int indent = -1);
std::string json_text(const nlohmann::ordered_json& value, int indent = -1);

}  // namespace dza
