#include "dza/error.hpp"

#include <algorithm>
#include <cctype>

namespace dza {

namespace {
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}
}  // namespace

std::string cut_short(const std::string& text, std::size_t max_chars) {
    std::string out = text;
    if (out.size() > max_chars) {
        std::size_t end = max_chars > 3 ? max_chars - 3 : 0;
        while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;  // a UTF-8 continuation byte
        out = out.substr(0, end) + "...";
    }
    for (char& c : out)
        if (c == '\n' || c == '\r') c = ' ';
    return out;
}

void rethrow_with_context(const Error& e, std::string_view context) {
    const std::string message = context.empty() ? std::string(e.what()) : std::string(context) + ": " + e.what();
    if (e.exit_code() == ExitCode::Usage) throw UsageError(message);
    throw DataError(message);
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

}  // namespace dza
