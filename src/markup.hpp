#pragma once
// Text placed inside SVG and HTML (the map's title, the report's names and messages).
#include <string>

#include "dza/text.hpp"

namespace dza {

// `text` with &, <, > and " escaped, safe in element content and in double-quoted attributes;
// invalid UTF-8 becomes U+FFFD (dza/text.hpp).
inline std::string markup_escape(const std::string& raw) {
    const std::string text = to_valid_utf8(raw);
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace dza
