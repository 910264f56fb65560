#include "dza/chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <variant>

#include "dza/error.hpp"
#include "map/renderer.hpp"
#include "markup.hpp"
#include "temp_folder.hpp"

namespace dza {

namespace fs = std::filesystem;
using map_detail::CairoPtr;
using map_detail::set_text_options;
using map_detail::SurfacePtr;

AxisName axis_name(const std::string& key) {
    static const std::pair<const char*, const char*> suffixes[] = {{"_km2", "km²"}, {"_kmh", "km/h"}, {"_km", "km"}, {"_pct", "%"}, {"_m", "m"}, {"_s", "s"}};
    AxisName out{key, ""};
    for (const auto& [suffix, unit] : suffixes) {
        const std::string s = suffix;
        if (key.size() > s.size() && key.compare(key.size() - s.size(), s.size(), s) == 0) {
            out = {key.substr(0, key.size() - s.size()), unit};
            break;
        }
    }
    std::replace(out.title.begin(), out.title.end(), '_', ' ');
    return out;
}

namespace {

// 1, 2, 5 or 10 times a power of ten: the nearest (round) or the next at or above x.
double nice_number(double x, bool round) {
    const double exponent = std::floor(std::log10(x));
    const double power = std::pow(10.0, exponent);
    const double f = x / power;
    double n;
    if (round) n = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    else n = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return n * power;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
    if (!std::isfinite(lo) && !std::isfinite(hi)) return {0, 1};
    if (!std::isfinite(lo)) lo = hi;
    if (!std::isfinite(hi)) hi = lo;
    if (lo > hi) std::swap(lo, hi);
    if (hi - lo <= std::abs(hi) * 1e-12) {
        const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
        lo -= pad;
        hi += pad;
    }
    target = std::max(target, 2);
    const double step = nice_number(nice_number(hi - lo, false) / (target - 1), true);
    const double first = std::floor(lo / step + 1e-9);
    const double last = std::ceil(hi / step - 1e-9);
    std::vector<double> ticks;
    // A step below 1 is 1/k for a whole k: i / k is the decimal nearest the tick (0.3, not 0.30000000000000004).
    const double per_unit = step < 1 ? std::round(1 / step) : 0;
    for (double i = first; i <= last + 0.5; ++i) {
        double v = step < 1 ? i / per_unit : i * step;
        if (std::abs(v) < step * 1e-9) v = 0;  // no -0
        ticks.push_back(v);
    }
    return ticks;
}

namespace {

struct Color {
    double r, g, b;
};
constexpr Color palette[] = {{0x1f, 0x77, 0xb4}, {0xff, 0x7f, 0x0e}, {0x2c, 0xa0, 0x2c}, {0xd6, 0x27, 0x28}, {0x94, 0x67, 0xbd},
                             {0x8c, 0x56, 0x4b}, {0xe3, 0x77, 0xc2}, {0x7f, 0x7f, 0x7f}, {0xbc, 0xbd, 0x22}, {0x17, 0xbe, 0xcf}};
constexpr Color ink{0x22, 0x22, 0x22}, grid{0xdd, 0xdd, 0xdd}, axis_color{0x55, 0x55, 0x55};

std::string hex(const Color& c) { return fmt::format("#{:02x}{:02x}{:02x}", static_cast<int>(c.r), static_cast<int>(c.g), static_cast<int>(c.b)); }

// What a chart is made of, drawn the same way on cairo (PNG) and written as SVG.
struct Line {
    std::vector<std::pair<double, double>> points;
    Color color;
    double width;
};
struct Dot {
    double x, y, r;
    Color color;
};
enum class Anchor { Start, Middle, End };
struct Text {
    double x, y;  // the baseline's anchor point
    std::string text;
    double size;
    bool bold;
    Anchor anchor;
    bool vertical;  // read bottom to top
    Color color;
};
using Item = std::variant<Line, Dot, Text>;

constexpr const char* font_family = "DejaVu Sans";

double number_or_nan(const std::string& s) {
    if (s.empty()) return std::numeric_limits<double>::quiet_NaN();
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size() && std::isfinite(v) ? v : std::numeric_limits<double>::quiet_NaN();
}

std::string tick_text(double v, double step) {
    const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
    return fmt::format("{:.{}f}", v, decimals);
}

class Measure {
public:
    Measure() : surface_(cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1)), cr_(cairo_create(surface_.get())) { set_text_options(cr_.get()); }
    double width(const std::string& text, double size, bool bold) {
        cairo_select_font_face(cr_.get(), font_family, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr_.get(), size);
        cairo_text_extents_t e;
        cairo_text_extents(cr_.get(), text.c_str(), &e);
        return e.x_advance;
    }

private:
    SurfacePtr surface_;
    CairoPtr cr_;
};

std::string with_unit(const std::string& title, const std::string& unit) { return unit.empty() ? title : fmt::format("{} ({})", title, unit); }

struct Laid {
    ChartAxes axes;
    std::vector<Item> items;
};

Laid lay_out(const Chart& chart) {
    if (chart.width_px < 200 || chart.height_px < 150) throw UsageError(fmt::format("chart: {} x {} px is too small; give at least 200 x 150", chart.width_px, chart.height_px));
    for (const auto& s : chart.series)
        if (s.y.size() != chart.x.size())
            throw UsageError(fmt::format("chart \"{}\": series \"{}\" has {} values for {} x values", chart.title, s.name, s.y.size(), chart.x.size()));
    Measure measure;
    Laid out;
    ChartAxes& a = out.axes;
    const std::size_t n = chart.x.size();

    std::vector<double> xs(n);
    std::transform(chart.x.begin(), chart.x.end(), xs.begin(), number_or_nan);
    a.categorical = n > 0 && std::any_of(xs.begin(), xs.end(), [](double v) { return std::isnan(v); });

    double y_lo = std::numeric_limits<double>::infinity(), y_hi = -y_lo;
    for (const auto& s : chart.series)
        for (double v : s.y)
            if (std::isfinite(v)) y_lo = std::min(y_lo, v), y_hi = std::max(y_hi, v);
    const std::vector<double> y_ticks = nice_ticks(y_lo, y_hi);
    a.y_min = y_ticks.front();
    a.y_max = y_ticks.back();
    std::vector<double> x_ticks;
    if (!a.categorical) {
        double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
        for (double v : xs) x_lo = std::min(x_lo, v), x_hi = std::max(x_hi, v);
        x_ticks = nice_ticks(x_lo, x_hi);
        a.x_min = x_ticks.front();
        a.x_max = x_ticks.back();
    }

    // The legend: a column on the right, as wide as its longest entry.
    const double font = 12, small = 11;
    double legend_w = 0;
    for (const auto& s : chart.series) legend_w = std::max(legend_w, measure.width(with_unit(s.name, s.unit), font, false));
    legend_w = chart.series.empty() ? 0 : legend_w + 46;
    double tick_w = 0;
    for (double t : y_ticks) tick_w = std::max(tick_w, measure.width(tick_text(t, y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1), small, false));

    a.left_px = std::round(tick_w + 44);
    a.top_px = chart.title.empty() ? 20 : 48;
    a.right_px = std::round(chart.width_px - 20 - legend_w);
    a.bottom_px = chart.height_px - 60;
    if (a.right_px - a.left_px < 60) a.right_px = a.left_px + 60;
    const double plot_w = a.right_px - a.left_px, plot_h = a.bottom_px - a.top_px;
    const auto px_x = [&](std::size_t i) {
        return a.categorical ? a.left_px + (static_cast<double>(i) + 0.5) * plot_w / static_cast<double>(n)
                             : a.left_px + (xs[i] - a.x_min) / (a.x_max - a.x_min) * plot_w;
    };
    const auto px_y = [&](double v) { return a.bottom_px - (v - a.y_min) / (a.y_max - a.y_min) * plot_h; };

    auto& items = out.items;
    // Grid and ticks.
    const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1;
    for (double t : y_ticks) {
        const double y = std::round(px_y(t)) + 0.5;
        items.push_back(Line{{{a.left_px, y}, {a.right_px, y}}, grid, 1});
        items.push_back(Text{a.left_px - 6, y + 4, tick_text(t, y_step), small, false, Anchor::End, false, ink});
    }
    if (a.categorical) {
        for (std::size_t i = 0; i < n; ++i) {
            const double x = std::round(px_x(i)) + 0.5;
            items.push_back(Line{{{x, a.bottom_px}, {x, a.bottom_px + 5}}, axis_color, 1});
            items.push_back(Text{x, a.bottom_px + 18, chart.x[i], small, false, Anchor::Middle, false, ink});
        }
    } else {
        const double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1;
        for (double t : x_ticks) {
            const double x = std::round(a.left_px + (t - a.x_min) / (a.x_max - a.x_min) * plot_w) + 0.5;
            items.push_back(Line{{{x, a.top_px}, {x, a.bottom_px}}, grid, 1});
            items.push_back(Line{{{x, a.bottom_px}, {x, a.bottom_px + 5}}, axis_color, 1});
            items.push_back(Text{x, a.bottom_px + 18, tick_text(t, x_step), small, false, Anchor::Middle, false, ink});
        }
    }
    // Axes.
    items.push_back(Line{{{a.left_px, a.top_px}, {a.left_px, a.bottom_px}, {a.right_px, a.bottom_px}}, axis_color, 1});
    const AxisName xn = axis_name(chart.x_key);
    items.push_back(Text{(a.left_px + a.right_px) / 2, a.bottom_px + 42, with_unit(xn.title, xn.unit), font, false, Anchor::Middle, false, ink});
    std::string y_title = chart.y_title;
    if (y_title.empty()) {
        y_title = chart.series.size() == 1 ? chart.series[0].name : "value";
        const bool same_unit = !chart.series.empty() && std::all_of(chart.series.begin(), chart.series.end(), [&](const ChartSeries& s) { return s.unit == chart.series[0].unit; });
        if (same_unit) y_title = with_unit(y_title, chart.series[0].unit);
    }
    items.push_back(Text{18, (a.top_px + a.bottom_px) / 2, y_title, font, false, Anchor::Middle, true, ink});
    if (!chart.title.empty()) items.push_back(Text{chart.width_px / 2.0, 28, chart.title, 15, true, Anchor::Middle, false, ink});

    // The series: lines through the values in x order (broken where one is missing), a dot at each;
    // categories: dots alone.
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    if (!a.categorical) std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return xs[i] < xs[j]; });
    for (std::size_t k = 0; k < chart.series.size(); ++k) {
        const ChartSeries& s = chart.series[k];
        const Color c = palette[k % std::size(palette)];
        if (!a.categorical) {
            Line run{{}, c, 2};
            for (std::size_t i : order) {
                if (std::isfinite(s.y[i])) {
                    run.points.emplace_back(px_x(i), px_y(s.y[i]));
                } else {
                    if (run.points.size() > 1) items.push_back(run);
                    run.points.clear();
                }
            }
            if (run.points.size() > 1) items.push_back(run);
        }
        for (std::size_t i : order)
            if (std::isfinite(s.y[i])) items.push_back(Dot{px_x(i), px_y(s.y[i]), a.categorical ? 4.5 : 3.5, c});
        // Its legend entry.
        const double lx = a.right_px + 16, ly = a.top_px + 8 + 20 * static_cast<double>(k);
        items.push_back(Line{{{lx, ly}, {lx + 22, ly}}, c, 2});
        items.push_back(Dot{lx + 11, ly, 3.5, c});
        items.push_back(Text{lx + 28, ly + 4, with_unit(s.name, s.unit), font, false, Anchor::Start, false, ink});
    }
    return out;
}

void set_color(cairo_t* cr, const Color& c) { cairo_set_source_rgb(cr, c.r / 255, c.g / 255, c.b / 255); }

void draw(cairo_t* cr, const Item& item, Measure& measure) {
    if (const auto* l = std::get_if<Line>(&item)) {
        cairo_new_path(cr);
        for (const auto& [x, y] : l->points) cairo_line_to(cr, x, y);
        set_color(cr, l->color);
        cairo_set_line_width(cr, l->width);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
    } else if (const auto* d = std::get_if<Dot>(&item)) {
        cairo_new_path(cr);
        cairo_arc(cr, d->x, d->y, d->r, 0, 2 * M_PI);
        set_color(cr, d->color);
        cairo_fill(cr);
    } else if (const auto* t = std::get_if<Text>(&item)) {
        const double w = measure.width(t->text, t->size, t->bold);
        const double shift = t->anchor == Anchor::Start ? 0 : t->anchor == Anchor::Middle ? w / 2 : w;
        cairo_save(cr);
        cairo_translate(cr, t->x, t->y);
        if (t->vertical) cairo_rotate(cr, -M_PI / 2);
        cairo_move_to(cr, -shift, 0);
        cairo_select_font_face(cr, font_family, CAIRO_FONT_SLANT_NORMAL, t->bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr, t->size);
        set_color(cr, t->color);
        cairo_show_text(cr, t->text.c_str());
        cairo_restore(cr);
    }
}

// Two decimals at most, no trailing zeros.
std::string num(double v) {
    std::string r = fmt::format("{:.2f}", v);
    while (r.back() == '0') r.pop_back();
    if (r.back() == '.') r.pop_back();
    return r == "-0" ? "0" : r;
}

SurfacePtr render(const Chart& chart) {
    const Laid laid = lay_out(chart);
    SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, chart.width_px, chart.height_px));
    CairoPtr cr(cairo_create(surface.get()));
    if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) throw DataError(fmt::format("chart \"{}\": cairo cannot draw: {}", chart.title, cairo_status_to_string(cairo_status(cr.get()))));
    set_text_options(cr.get());
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_paint(cr.get());
    Measure measure;
    for (const Item& item : laid.items) draw(cr.get(), item, measure);
    cr.reset();
    cairo_surface_flush(surface.get());
    return surface;
}

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
}

}  // namespace

ChartAxes chart_axes(const Chart& chart) { return lay_out(chart).axes; }

ChartImage chart_image(const Chart& chart) {
    SurfacePtr surface = render(chart);
    ChartImage image{chart.width_px, chart.height_px, {}};
    image.pixels.reserve(static_cast<std::size_t>(chart.width_px) * static_cast<std::size_t>(chart.height_px));
    const unsigned char* data = cairo_image_surface_get_data(surface.get());
    const int stride = cairo_image_surface_get_stride(surface.get());
    for (int y = 0; y < chart.height_px; ++y) {
        const auto* row = reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
        for (int x = 0; x < chart.width_px; ++x) image.pixels.push_back(row[x] & 0xffffffu);
    }
    return image;
}

std::string chart_png(const Chart& chart) {
    SurfacePtr surface = render(chart);
    std::string png;
    const cairo_status_t status = cairo_surface_write_to_png_stream(surface.get(), &append, &png);
    if (status != CAIRO_STATUS_SUCCESS) throw DataError(fmt::format("chart \"{}\": cannot encode the PNG: {}", chart.title, cairo_status_to_string(status)));
    return png;
}

std::string chart_svg(const Chart& chart) {
    const Laid laid = lay_out(chart);
    std::string svg = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}px\" height=\"{1}px\" viewBox=\"0 0 {0} {1}\" version=\"1.1\">\n"
        "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"#ffffff\"/>\n",
        chart.width_px, chart.height_px);
    for (const Item& item : laid.items) {
        if (const auto* l = std::get_if<Line>(&item)) {
            std::string points;
            for (const auto& [x, y] : l->points) points += (points.empty() ? "" : " ") + num(x) + "," + num(y);
            svg += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" stroke-linejoin=\"round\"/>\n", points, hex(l->color), num(l->width));
        } else if (const auto* d = std::get_if<Dot>(&item)) {
            svg += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"/>\n", num(d->x), num(d->y), num(d->r), hex(d->color));
        } else if (const auto* t = std::get_if<Text>(&item)) {
            svg += fmt::format("<text x=\"{0}\" y=\"{1}\"{2} font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"{3}\"{4} text-anchor=\"{5}\" fill=\"{6}\">{7}</text>\n",
                               num(t->x), num(t->y), t->vertical ? fmt::format(" transform=\"rotate(-90 {} {})\"", num(t->x), num(t->y)) : "", num(t->size),
                               t->bold ? " font-weight=\"bold\"" : "",
                               t->anchor == Anchor::Start ? "start" : t->anchor == Anchor::Middle ? "middle" : "end", hex(t->color), markup_escape(t->text));
        }
    }
    return svg + "</svg>\n";
}

void write_chart(const Chart& chart, const fs::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".png") write_file_atomic(path, chart_png(chart));
    else if (ext == ".svg") write_file_atomic(path, chart_svg(chart));
    else throw UsageError(fmt::format("{}: a chart is written as .png or .svg; give one of those", path.string()));
}

}  // namespace dza
