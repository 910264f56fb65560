// The legend, the scale bar and north arrow, the title and credit, and the map in words.
#include <algorithm>
#include <limits>

#include "map/renderer.hpp"

namespace dza::map_detail {

namespace {

void rounded_box(cairo_t* cr, const PixelRect& r, double radius) {
    cairo_new_path(cr);
    cairo_arc(cr, r.x_px + r.width_px - radius, r.y_px + radius, radius, -M_PI / 2, 0);
    cairo_arc(cr, r.x_px + r.width_px - radius, r.y_px + r.height_px - radius, radius, 0, M_PI / 2);
    cairo_arc(cr, r.x_px + radius, r.y_px + r.height_px - radius, radius, M_PI / 2, M_PI);
    cairo_arc(cr, r.x_px + radius, r.y_px + radius, radius, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
}

void panel(cairo_t* cr, const PixelRect& r, double ui) {
    rounded_box(cr, r, 4 * ui);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.93);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 0.55, 0.55, 0.55, 1);
    cairo_set_line_width(cr, 0.8 * ui);
    cairo_set_dash(cr, nullptr, 0, 0);
    cairo_stroke(cr);
}

}  // namespace

void Renderer::legend_entries() {
    if (!options_.legend) return;
    for (auto it = drawn_.rbegin(); it != drawn_.rend(); ++it) {
        const MapLayer& l = *it->source;
        if (l.title.empty() || it->dimension < 0) continue;
        if (!it->legend_values.empty() && l.legend_values) {
            legend_.push_back({true, it->dimension, it->style, l.title, false, false, {}});
            for (const auto& [value, color] : it->legend_values)
                legend_.push_back({false, it->dimension, with_value(it->style, it->dimension, color), value.empty() ? "(no value)" : value, true, false, {}});
        } else {
            legend_.push_back({false, it->dimension, it->style, l.title, false, false, {}});
        }
        if (it->any_fails) {
            legend_.push_back({false, 0, it->style, l.fail_title, false, true, {}});
        }
    }
    if (!options_.background_title.empty()) {
        ResolvedStyle s;
        s.fill = parse_color(options_.background, "background");
        s.stroke = parse_color("#9a9a94", "background");
        s.style.stroke_width_px = 0.6;
        legend_.push_back({false, 2, s, options_.background_title, false, false, {}});
    }
}

namespace {

// Words of `text` in lines no wider than `max_px` (a longer word has a line of its own).
std::vector<std::string> wrap(cairo_t* cr, const std::string& text, const Font& font, double max_px) {
    std::vector<std::string> lines;
    std::string line;
    std::size_t at = 0;
    while (at <= text.size()) {
        std::size_t end = text.find(' ', at);
        if (end == std::string::npos) end = text.size();
        const std::string word = text.substr(at, end - at);
        const std::string longer = line.empty() ? word : line + " " + word;
        if (!line.empty() && measure(cr, longer, font).width > max_px) {
            lines.push_back(line);
            line = word;
        } else {
            line = longer;
        }
        at = end + 1;
    }
    if (!line.empty() || lines.empty()) lines.push_back(line);
    return lines;
}

}  // namespace

void Renderer::measure_legend(cairo_t* cr, double max_text_px) {
    double width = 0, height = 0;
    for (auto& e : legend_) {
        const Font font{px(12), e.heading};
        const double before = (e.indent ? px(12) : 0) + (e.heading ? 0 : px(34));
        e.lines = wrap(cr, e.text, font, max_text_px - (e.indent ? px(12) : 0));
        for (const auto& line : e.lines) width = std::max(width, before + measure(cr, line, font).width);
        height += px(19) + static_cast<double>(e.lines.size() - 1) * px(14);
    }
    legend_rect_.width_px = width + px(20);
    legend_rect_.height_px = height + px(20);
}

void Renderer::place_legend() {
    // Scale bar and north arrow: their size first.
    const PixelXY c{frame_.x_px + frame_.width_px / 2, frame_.y_px + frame_.height_px / 2};
    const double half = px(50);
    const LonLat a = projection_->to_lonlat({c.x_px - half, c.y_px}), b = projection_->to_lonlat({c.x_px + half, c.y_px});
    const double m_per_px = geodesic_inverse(a, b).distance_m / (2 * half);
    const double max_km = 0.22 * frame_.width_px * m_per_px / 1000;
    scale_bar_km_ = 0;
    for (double p = std::pow(10.0, std::floor(std::log10(max_km))); scale_bar_km_ == 0; p /= 10)
        for (double m : {5.0, 2.0, 1.0})
            if (m * p <= max_km) {
                scale_bar_km_ = m * p;
                break;
            }
    scale_bar_px_ = scale_bar_km_ * 1000 / m_per_px;
    const LonLat centre = projection_->centre();
    const PixelXY p0 = projection_->to_pixel(centre), p1 = projection_->to_pixel({centre.lon, std::min(89.9, centre.lat + 0.1)});
    north_angle_rad_ = std::atan2(p1.x_px - p0.x_px, p0.y_px - p1.y_px);

    const double inset = px(10);
    auto corner_rect = [&](LegendPosition pos, double w, double h) {
        const bool left = pos == LegendPosition::TopLeft || pos == LegendPosition::BottomLeft;
        const bool top = pos == LegendPosition::TopLeft || pos == LegendPosition::TopRight;
        return PixelRect{left ? frame_.x_px + inset : frame_.x_px + frame_.width_px - inset - w,
                         top ? frame_.y_px + inset : frame_.y_px + frame_.height_px - inset - h, w, h};
    };
    const bool furniture = options_.scale_bar || options_.north_arrow;
    const double scale_h = px(54);
    auto scale_width = [&] { return px(16) + (options_.north_arrow ? px(34) : 0) + (options_.scale_bar ? scale_bar_px_ + px(30) : 0); };
    if (beside_) {
        // The panel right of the frame, from its top; the scale bar under the legend if there is room.
        legend_rect_.x_px = frame_.x_px + frame_.width_px + px(10);
        legend_rect_.y_px = frame_.y_px;
        taken_.add(legend_rect_);
        if (furniture) {
            const double below = legend_rect_.y_px + legend_rect_.height_px + px(10);
            if (below + scale_h <= frame_.y_px + frame_.height_px) {
                // A scale bar that fits the panel's width.
                const double room_px = legend_rect_.width_px - (scale_width() - scale_bar_px_);
                while (scale_bar_px_ > room_px && scale_bar_km_ > 0) {
                    const double p = std::pow(10.0, std::floor(std::log10(scale_bar_km_)));
                    const double m = std::round(scale_bar_km_ / p);
                    scale_bar_km_ = m == 5 ? 2 * p : m == 2 ? p : p / 2;
                    scale_bar_px_ = scale_bar_km_ * 1000 / m_per_px;
                }
                scale_rect_ = {legend_rect_.x_px, below, legend_rect_.width_px, scale_h};
                taken_.add(scale_rect_);
                return;
            }
        }
    } else if (!legend_.empty()) {
        legend_corner_ = options_.legend_position;
        if (legend_corner_ == LegendPosition::Auto) {
            long best = std::numeric_limits<long>::max();
            for (auto pos : {LegendPosition::TopRight, LegendPosition::BottomRight, LegendPosition::TopLeft, LegendPosition::BottomLeft}) {
                const long score = occupancy_.score(corner_rect(pos, legend_rect_.width_px, legend_rect_.height_px));
                if (score < best) best = score, legend_corner_ = pos;
            }
        }
        legend_rect_ = corner_rect(legend_corner_, legend_rect_.width_px, legend_rect_.height_px);
        taken_.add(legend_rect_);
    }
    if (furniture) {
        const bool legend_in_frame = !legend_.empty() && !beside_;
        scale_rect_ = corner_rect(!legend_in_frame || legend_corner_ != LegendPosition::BottomLeft ? LegendPosition::BottomLeft : LegendPosition::BottomRight,
                                  scale_width(), scale_h);
        taken_.add(scale_rect_);
    }
}

void Renderer::draw_legend(cairo_t* cr) {
    if (legend_.empty()) return;
    panel(cr, legend_rect_, ui_);
    const double pad = px(10), row = px(19), sym_w = px(26), sym_h = px(13), indent = px(12);
    double y = legend_rect_.y_px + pad;
    const Font font{px(12)}, heading{px(12), true};
    const Rgba text_color{0.1, 0.1, 0.1, 1, false};
    for (const auto& e : legend_) {
        const double x = legend_rect_.x_px + pad + (e.indent ? indent : 0);
        const double mid = y + row / 2, line_step = px(14);
        const double advance = row + static_cast<double>(e.lines.size() - 1) * line_step;
        if (e.heading) {
            const TextBox tb = measure(cr, e.text, heading);
            for (std::size_t i = 0; i < e.lines.size(); ++i) put_text(cr, e.lines[i], x, mid + tb.ascent / 2 + i * line_step, heading, text_color, 0);
            y += advance;
            continue;
        }
        // The symbol, drawn as the layer is (sizes capped to the symbol box).
        ResolvedStyle s = e.style;
        s.style.stroke_width_px = std::min(s.style.stroke_width_px, 4.0);
        s.style.marker_radius_px = std::min(s.style.marker_radius_px, e.fails ? 3.5 : 6.0);
        DrawnLayer one;
        one.style = s;
        DrawnFeature f;
        f.fails = e.fails;
        if (e.dimension == 2) {
            const double x0 = x + px(1), y0 = mid - sym_h / 2, x1 = x + sym_w - px(1), y1 = mid + sym_h / 2;
            f.parts.push_back({2, {{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}});
        } else if (e.dimension == 1) {
            f.parts.push_back({1, {{{x + px(1), mid}, {x + sym_w - px(1), mid}}}});
        } else {
            f.parts.push_back({0, {{{x + sym_w / 2, mid}}}});
        }
        one.features.push_back(std::move(f));
        draw_layer(cr, one);
        const TextBox tb = measure(cr, e.text, font);
        for (std::size_t i = 0; i < e.lines.size(); ++i) put_text(cr, e.lines[i], x + sym_w + px(8), mid + tb.ascent / 2 + i * line_step, font, text_color, 0);
        y += advance;
    }
}

void Renderer::draw_scale_and_north(cairo_t* cr) {
    if (!options_.scale_bar && !options_.north_arrow) return;
    panel(cr, scale_rect_, ui_);
    double x = scale_rect_.x_px + px(10);
    const double bottom = scale_rect_.y_px + scale_rect_.height_px;
    const Rgba dark{0.15, 0.15, 0.15, 1, false};
    if (options_.north_arrow) {
        // An arrow along the meridian through the map's centre, "N" at its tip.
        const double cx = x + px(12), cy = scale_rect_.y_px + px(31), len = px(16), wing = px(6);
        cairo_save(cr);
        cairo_translate(cr, cx, cy);
        cairo_rotate(cr, north_angle_rad_);
        cairo_new_path(cr);
        cairo_move_to(cr, 0, -len);
        cairo_line_to(cr, wing, len * 0.7);
        cairo_line_to(cr, 0, len * 0.35);
        cairo_close_path(cr);
        set_color(cr, dark);
        cairo_fill(cr);
        cairo_move_to(cr, 0, -len);
        cairo_line_to(cr, -wing, len * 0.7);
        cairo_line_to(cr, 0, len * 0.35);
        cairo_close_path(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        set_color(cr, dark);
        cairo_set_line_width(cr, px(0.8));
        cairo_stroke(cr);
        const Font nf{px(11), true};
        const TextBox tb = measure(cr, "N", nf);
        put_text(cr, "N", -tb.width / 2, -len - px(3), nf, dark, 0);
        cairo_restore(cr);
        x += px(34);
    }
    if (options_.scale_bar) {
        // Four segments, black and white, labelled at 0, the middle and the end.
        const double y = bottom - px(18), h = px(6);
        const double seg = scale_bar_px_ / 4;
        for (int i = 0; i < 4; ++i) {
            cairo_new_path(cr);
            cairo_rectangle(cr, x + i * seg, y, seg, h);
            if (i % 2 == 0) set_color(cr, dark);
            else cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_fill_preserve(cr);
            set_color(cr, dark);
            cairo_set_line_width(cr, px(0.8));
            cairo_stroke(cr);
        }
        const Font font{px(11)};
        auto km = [](double v) { return fmt::format("{:g}", v); };
        const std::vector<std::pair<double, std::string>> ticks = {
            {0, "0"}, {scale_bar_px_ / 2, km(scale_bar_km_ / 2)}, {scale_bar_px_, km(scale_bar_km_) + " km"}};
        for (const auto& [offset, text] : ticks) {
            const TextBox tb = measure(cr, text, font);
            const double tx = offset == scale_bar_px_ ? x + offset - measure(cr, km(scale_bar_km_), font).width / 2 : x + offset - tb.width / 2;
            put_text(cr, text, tx, y - px(5), font, dark, 0);
        }
        const Font small{px(9)};
        put_text(cr, "scale along the map's centre (geodesic)", x, y + h + px(10), small, {0.35, 0.35, 0.35, 1, false}, 0);
    }
}

void Renderer::draw_title(cairo_t* cr) {
    double y = px(10);
    const Rgba dark{0.08, 0.08, 0.08, 1, false}, grey{0.33, 0.33, 0.33, 1, false};
    const double width = frame_.width_px;
    if (!options_.title.empty()) {
        const Font f = fit(cr, options_.title, {px(21), true, false}, width);
        const TextBox tb = measure(cr, options_.title, {px(21), true, false});  // the band keeps its height
        put_text(cr, options_.title, frame_.x_px, y + tb.ascent, f, dark, 0);
        y += tb.height() + px(8);
    }
    if (!options_.subtitle.empty()) {
        const Font f = fit(cr, options_.subtitle, {px(13)}, width);
        put_text(cr, options_.subtitle, frame_.x_px, y + measure(cr, options_.subtitle, {px(13)}).ascent, f, grey, 0);
    }
}

void Renderer::draw_credit(cairo_t* cr) {
    const Rgba grey{0.33, 0.33, 0.33, 1, false};
    std::string credit = options_.credit;
    if (options_.projection_note) credit += (credit.empty() ? "" : " · ") + projection_->description();
    if (!credit.empty()) {
        const Font f = fit(cr, credit, {px(10)}, frame_.width_px);
        put_text(cr, credit, frame_.x_px, frame_.y_px + frame_.height_px + px(6) + measure(cr, credit, {px(10)}).ascent, f, grey, 0);
    }
}

std::string Renderer::description() const {
    std::string out = options_.subtitle.empty() ? "" : options_.subtitle + ". ";
    if (!legend_.empty()) {
        out += "Legend:";
        for (std::size_t i = 0; i < legend_.size(); ++i) {
            const auto& e = legend_[i];
            const bool next_indented = i + 1 < legend_.size() && legend_[i + 1].indent;
            out += e.indent ? (legend_[i - 1].indent ? ", " : " ") + e.text : (i ? "; " : " ") + e.text + (e.heading && next_indented ? ":" : "");
        }
        out += ". ";
    }
    if (options_.scale_bar) out += fmt::format("Scale bar: {:g} km. ", scale_bar_km_);
    out += "Projection: " + projection_->description() + ".";
    return out;
}

}  // namespace dza::map_detail
