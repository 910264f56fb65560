// The merged sweep's charts and comparison page (dza merge): what the table says, drawn.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "dza/chart.hpp"
#include "dza/error.hpp"
#include "dza/sweep.hpp"
#include "markup.hpp"
#include "temp_folder.hpp"

namespace dza {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr std::size_t max_series = 12;  // combinations of the other keys drawn in one chart

// A headline figure: its column, title with unit, and which way is better.
struct Figure {
    std::string column;
    std::string title;
    std::string unit;
    bool higher_is_better = true;
};

// "@50m" -> " at 50 m"; "" -> "".
std::string altitude_words(const std::string& suffix) {
    if (suffix.size() < 3 || suffix.front() != '@' || suffix.back() != 'm') return {};
    return " at " + suffix.substr(1, suffix.size() - 2) + " m";
}

// The figures drawn: the eligible area, the coverage, the line's coverage and its longest gap at
// the first target altitude the table holds, and the violations, where the table has them.
std::vector<Figure> headline_figures(const json& columns) {
    std::set<std::string> have;
    for (const auto& c : columns) have.insert(c.get<std::string>());
    std::string suffix;  // the first altitude's
    bool found = false;
    for (const auto& c : columns) {
        const std::string name = c.get<std::string>();
        if (name.rfind("covered_pct", 0) == 0 && name.find(':') == std::string::npos) {
            suffix = name.substr(std::string("covered_pct").size());
            found = true;
            break;
        }
    }
    std::vector<Figure> wanted = {{"eligible_km2", "eligible area", "km²", true}};
    if (found) {
        const std::string at = altitude_words(suffix);
        wanted.push_back({"covered_pct" + suffix, "coverage" + at, "%", true});
        wanted.push_back({"line_covered_pct" + suffix, "line covered" + at, "%", true});
        wanted.push_back({"longest_line_gap_km" + suffix, "longest line gap" + at, "km", false});
    }
    wanted.push_back({"violations", "plan check violations", "", false});
    std::vector<Figure> out;
    for (auto& f : wanted)
        if (have.count(f.column)) out.push_back(std::move(f));
    return out;
}

std::string value_text(const json& v) {
    if (v.is_null()) return {};
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

double number_of(const json& variant, const std::string& column) {
    if (variant.value("status", "") != "complete" || !variant.contains("figures")) return std::numeric_limits<double>::quiet_NaN();
    const json& f = variant["figures"];
    if (!f.contains(column) || !f[column].is_number()) return std::numeric_limits<double>::quiet_NaN();
    return f[column].get<double>();
}

// A file name's part: letters, digits, - and _, the rest _.
std::string slug(const std::string& text) {
    std::string out;
    for (const unsigned char c : text) out += std::isalnum(c) || c == '-' || c == '_' ? static_cast<char>(c) : '_';
    return out;
}

// `bytes` as a data: URL of type `type`, percent-encoding what a URL may not hold.
std::string data_url(const std::string& type, const std::string& bytes) {
    std::string out = "data:" + type + ";charset=utf-8,";
    for (const unsigned char c : bytes) {
        if (std::isalnum(c) || std::string_view("-_.~ /:=;,'()!*").find(static_cast<char>(c)) != std::string_view::npos)
            out += c == ' ' ? std::string("%20") : std::string(1, static_cast<char>(c));
        else
            out += fmt::format("%{:02X}", c);
    }
    return out;
}

std::string number_text(double v) {
    if (std::isnan(v)) return "";
    if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
    if (std::fabs(v) >= 1000) return fmt::format("{:.1f}", v);
    return fmt::format("{:.2f}", v);
}

}  // namespace

SweepPlots draw_sweep_plots(const nlohmann::ordered_json& result) {
    SweepPlots out;
    const json& keys = result.at("keys");
    const json& variants = result.at("variants");
    const std::vector<Figure> figures = headline_figures(result.at("columns"));
    std::vector<std::string> key_names;
    for (const auto& k : keys) key_names.push_back(k.at("key").get<std::string>());

    struct Drawn {
        std::string title, png, svg_url;
    };
    std::vector<Drawn> drawn;
    for (std::size_t k = 0; k < key_names.size(); ++k) {
        const std::string& key = key_names[k];
        // The key's values, and the combinations of the others', in the sweep's order.
        std::vector<std::string> xs;
        std::vector<std::string> combos;
        std::map<std::string, std::size_t> x_at, combo_at;
        std::vector<std::pair<std::size_t, std::size_t>> cell(variants.size());  // (x, combo) of each variant
        for (std::size_t i = 0; i < variants.size(); ++i) {
            const json& values = variants[i].at("values");
            const std::string x = value_text(values.value(key, json(nullptr)));
            std::string combo;
            for (std::size_t o = 0; o < key_names.size(); ++o)
                if (o != k) combo += (combo.empty() ? "" : ", ") + key_names[o] + "=" + value_text(values.value(key_names[o], json(nullptr)));
            if (!x_at.count(x)) {
                x_at[x] = xs.size();
                xs.push_back(x);
            }
            if (!combo_at.count(combo)) {
                combo_at[combo] = combos.size();
                combos.push_back(combo);
            }
            cell[i] = {x_at[x], combo_at[combo]};
        }
        if (xs.size() < 2) continue;  // nothing varies along this key
        const std::size_t series_count = std::min(combos.size(), max_series);
        for (const Figure& f : figures) {
            Chart chart;
            chart.x_key = key;
            chart.x = xs;
            chart.title = fmt::format("{} by {}", f.title, key);
            if (combos.size() > max_series) chart.title += fmt::format(" (the first {} of {} combinations of the other keys)", max_series, combos.size());
            chart.y_title = f.unit.empty() ? f.title : fmt::format("{} ({})", f.title, f.unit);
            for (std::size_t c = 0; c < series_count; ++c)
                // The unit is the y axis's, not repeated in the legend.
                chart.series.push_back({combos[c].empty() ? f.title : combos[c], "", std::vector<double>(xs.size(), std::numeric_limits<double>::quiet_NaN())});
            for (std::size_t i = 0; i < variants.size(); ++i)
                if (cell[i].second < series_count) chart.series[cell[i].second].y[cell[i].first] = number_of(variants[i], f.column);
            const std::string base = slug(f.column) + "-by-" + slug(key);
            out.charts.emplace_back(base + ".png", chart_png(chart));
            const std::string svg = chart_svg(chart);
            out.charts.emplace_back(base + ".svg", svg);
            drawn.push_back({chart.title, "plots/" + base + ".png", data_url("image/svg+xml", svg)});
        }
    }

    // The comparison page: the variants' table with the best of each figure marked, and the charts.
    std::vector<double> best(figures.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t c = 0; c < figures.size(); ++c) {
        bool differ = false;  // a figure the same in every variant has no best
        for (const auto& v : variants) {
            const double x = number_of(v, figures[c].column);
            if (std::isnan(x)) continue;
            if (!std::isnan(best[c]) && x != best[c]) differ = true;
            if (std::isnan(best[c]) || (figures[c].higher_is_better ? x > best[c] : x < best[c])) best[c] = x;
        }
        if (!differ) best[c] = std::numeric_limits<double>::quiet_NaN();
    }
    std::string html;
    const std::string title = fmt::format("Sweep of {}", result.at("scenario").value("file", std::string("a scenario")));
    html += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    html += "<title>" + markup_escape(title) + "</title>\n<style>\n"
            "body{font-family:'DejaVu Sans',sans-serif;margin:1.5em;color:#222}\n"
            "table{border-collapse:collapse;font-size:0.9em}th,td{border:1px solid #ccc;padding:0.25em 0.5em;text-align:right}\n"
            "th{background:#f3f3f3}td.text,th.text{text-align:left}td.best{background:#d8ecd8;font-weight:bold}\n"
            ".scroll{overflow-x:auto}figure{display:inline-block;margin:0.5em}img{max-width:100%;height:auto}\n"
            "@media print{thead{display:table-header-group}figure{break-inside:avoid}}\n"
            "</style></head><body>\n";
    html += "<h1>" + markup_escape(title) + "</h1>\n";
    const json& counts = result.at("counts");
    html += fmt::format("<p>{} variants: {} complete, {} failed, {} missing. The best value of each figure is marked "
                        "<span style=\"background:#d8ecd8;font-weight:bold\">&#9733; like this</span> (highest for areas and coverage, "
                        "lowest for gaps and violations; none where every variant has the same).</p>\n",
                        counts.value("variants", 0), counts.value("complete", 0), counts.value("failed", 0), counts.value("missing", 0));
    html += "<div class=\"scroll\"><table><thead><tr><th class=\"text\">variant</th>";
    for (const auto& k : key_names) html += "<th class=\"text\">" + markup_escape(k) + "</th>";
    html += "<th class=\"text\">status</th>";
    for (const auto& f : figures) html += "<th>" + markup_escape(f.unit.empty() ? f.title : fmt::format("{} ({})", f.title, f.unit)) + "</th>";
    html += "</tr></thead><tbody>\n";
    for (const auto& v : variants) {
        html += "<tr><td class=\"text\">" + markup_escape(v.value("id", "")) + "</td>";
        for (const auto& k : key_names) html += "<td class=\"text\">" + markup_escape(value_text(v.at("values").value(k, json(nullptr)))) + "</td>";
        const std::string status = v.value("status", "");
        html += "<td class=\"text\">" + markup_escape(status == "failed" ? "failed: " + v.value("error", "") : status) + "</td>";
        for (std::size_t c = 0; c < figures.size(); ++c) {
            const double x = number_of(v, figures[c].column);
            const bool is_best = !std::isnan(x) && x == best[c];
            html += is_best ? "<td class=\"best\">&#9733; " + number_text(x) + "</td>" : "<td>" + number_text(x) + "</td>";
        }
        html += "</tr>\n";
    }
    html += "</tbody></table></div>\n";
    if (!drawn.empty()) html += "<h2>Figures against each varied key</h2>\n";
    for (const auto& d : drawn)
        html += "<figure><img src=\"" + d.svg_url + "\" alt=\"" + markup_escape(d.title) + "\" width=\"800\" height=\"500\"><figcaption>" +
                markup_escape(d.title) + " (<a href=\"" + markup_escape(d.png) + "\">PNG</a>)</figcaption></figure>\n";
    html += "</body></html>\n";
    out.comparison_html = std::move(html);
    return out;
}

void write_sweep_plots(const SweepPlots& drawn, const fs::path& folder) {
    const fs::path plots = folder / "plots";
    std::error_code ec;
    fs::create_directories(plots, ec);
    if (ec) throw DataError(fmt::format("{}: cannot be made: {}; check the folder's permissions", plots.string(), ec.message()));
    std::set<std::string> written;
    for (const auto& [name, bytes] : drawn.charts) {
        write_file_atomic(plots / name, bytes);
        written.insert(name);
    }
    // Charts of an earlier merge into this folder that this one did not draw (another sweep's
    // keys or figures) would pass for this sweep's: they go. Only files named as charts are.
    std::vector<fs::path> stale;
    for (const auto& entry : fs::directory_iterator(plots, ec)) {
        const std::string name = entry.path().filename().string();
        const std::string ext = entry.path().extension().string();
        if (entry.is_regular_file(ec) && (ext == ".png" || ext == ".svg") && name.find("-by-") != std::string::npos && !written.count(name))
            stale.push_back(entry.path());
    }
    for (const auto& p : stale) fs::remove(p, ec);
    write_file_atomic(folder / "comparison.html", drawn.comparison_html);
}

}  // namespace dza
