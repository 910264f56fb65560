#include "cli/format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace dza::cli {

namespace {
// Display width of UTF-8 text: counts code points, not bytes.
std::size_t display_width(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
}  // namespace

std::string format_number(double value, int decimals) {
    if (!std::isfinite(value)) return "-";
    const std::string digits = fmt::format("{:.{}f}", std::fabs(value), decimals);
    const std::size_t int_len = std::min(digits.find('.'), digits.size());
    std::string out;
    if (value < 0 && digits.find_first_not_of("0.") != std::string::npos) out += '-';
    for (std::size_t i = 0; i < int_len; ++i) {
        if (i > 0 && (int_len - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    out += digits.substr(int_len);
    return out;
}

void Table::add_column(std::string header, Align align) {
    headers_.push_back(std::move(header));
    aligns_.push_back(align);
}

void Table::add_row(std::vector<std::string> cells) {
    cells.resize(headers_.size());
    rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& out) const { print(out, 0, nullptr); }

void Table::print(std::ostream& out, std::size_t count, const std::function<std::vector<std::string>(std::size_t)>& row) const {
    const auto made = [&](std::size_t i) {
        std::vector<std::string> cells = row(i);
        cells.resize(headers_.size());
        return cells;
    };
    std::vector<std::size_t> widths(headers_.size());
    const auto measure = [&](const std::vector<std::string>& cells) {
        for (std::size_t c = 0; c < headers_.size(); ++c) widths[c] = std::max(widths[c], display_width(cells[c]));
    };
    measure(headers_);
    for (const auto& r : rows_) measure(r);
    for (std::size_t i = 0; i < count; ++i) measure(made(i));
    const auto print_row = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            const std::string pad(widths[c] - display_width(cells[c]), ' ');
            if (c) line += "  ";
            line += aligns_[c] == Align::Right ? pad + cells[c] : cells[c] + (c + 1 < cells.size() ? pad : "");
        }
        out << line << '\n';
    };
    print_row(headers_);
    std::vector<std::string> rule;
    for (auto w : widths) rule.emplace_back(w, '-');
    print_row(rule);
    for (const auto& r : rows_) print_row(r);
    for (std::size_t i = 0; i < count; ++i) print_row(made(i));
}

}  // namespace dza::cli
