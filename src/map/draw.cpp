// Drawing the layers, and the whole map in order.
#include <algorithm>
#include <cctype>

#include "map/renderer.hpp"

namespace dza::map_detail {

namespace {

void add_rings(cairo_t* cr, const Part& part) {
    for (const auto& ring : part.rings) {
        cairo_move_to(cr, ring[0].x_px, ring[0].y_px);
        for (std::size_t i = 1; i < ring.size(); ++i) cairo_line_to(cr, ring[i].x_px, ring[i].y_px);
        if (part.dimension == 2) cairo_close_path(cr);
    }
}

}  // namespace

// The style of one feature (or legend entry): a value's colour fills points and filled polygons,
// and strokes lines and outlines.
ResolvedStyle with_value(const ResolvedStyle& base, int dimension, const std::optional<Rgba>& value) {
    ResolvedStyle s = base;
    if (!value) return s;
    if (dimension == 0 || !base.fill.none) s.fill = *value;
    else s.stroke = *value;
    return s;
}

void Renderer::draw_hatch(cairo_t* cr, const ResolvedStyle& style) const {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    cairo_clip_extents(cr, &x0, &y0, &x1, &y1);
    const double step = px(style.style.hatch_spacing_px) * std::sqrt(2.0);
    cairo_new_path(cr);
    for (double c = std::floor((x0 + y0) / step) * step; c <= x1 + y1; c += step) {
        cairo_move_to(cr, c - y0, y0);
        cairo_line_to(cr, c - y1, y1);
    }
    set_color(cr, style.stroke, style.style.stroke_opacity);
    cairo_set_line_width(cr, px(0.8));
    cairo_set_dash(cr, nullptr, 0, 0);
    cairo_stroke(cr);
}

void Renderer::draw_layer(cairo_t* cr, const DrawnLayer& layer) const {
    auto set_stroke = [&](const ResolvedStyle& s) {
        set_color(cr, s.stroke, s.style.stroke_opacity);
        cairo_set_line_width(cr, px(s.style.stroke_width_px));
        std::vector<double> dash;
        for (double d : s.style.dash_px) dash.push_back(px(d));
        cairo_set_dash(cr, dash.data(), static_cast<int>(dash.size()), 0);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    };
    for (const auto& f : layer.features) {
        // Polygons: all parts in one path (even-odd, so holes stay open).
        const auto polygons = std::count_if(f.parts.begin(), f.parts.end(), [](const Part& p) { return p.dimension == 2; });
        if (polygons > 0) {
            const ResolvedStyle s = with_value(layer.style, 2, f.value_color);
            auto build = [&] {
                cairo_new_path(cr);
                for (const auto& part : f.parts)
                    if (part.dimension == 2) add_rings(cr, part);
            };
            cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
            const bool hatch = s.style.hatch_spacing_px > 0 && !s.stroke.none, outline = !s.stroke.none && s.style.stroke_width_px > 0;
            build();
            if (!s.fill.none) {
                set_color(cr, s.fill, s.style.fill_opacity);
                cairo_fill_preserve(cr);  // then stroked on the same path: one element in SVG
            }
            if (hatch) {
                cairo_save(cr);
                cairo_clip(cr);
                draw_hatch(cr, s);
                cairo_restore(cr);
                build();
            }
            if (outline) {
                set_stroke(s);
                cairo_stroke(cr);
            }
            cairo_new_path(cr);
        }
        const ResolvedStyle line_style = with_value(layer.style, 1, f.value_color);
        if (!line_style.stroke.none && line_style.style.stroke_width_px > 0) {
            cairo_new_path(cr);
            bool any = false;
            for (const auto& part : f.parts)
                if (part.dimension == 1) add_rings(cr, part), any = true;
            if (any) {
                set_stroke(line_style);
                cairo_stroke(cr);
            }
        }
        const ResolvedStyle point_style = with_value(layer.style, 0, f.value_color);
        for (const auto& part : f.parts) {
            if (part.dimension != 0) continue;
            const PixelXY p = part.rings[0][0];
            cairo_new_path(cr);
            cairo_arc(cr, p.x_px, p.y_px, px(point_style.style.marker_radius_px), 0, 2 * M_PI);
            if (!point_style.fill.none) {
                set_color(cr, point_style.fill, point_style.style.fill_opacity);
                cairo_fill_preserve(cr);
            }
            if (!point_style.stroke.none && point_style.style.stroke_width_px > 0) {
                set_stroke(point_style);
                cairo_set_dash(cr, nullptr, 0, 0);
                cairo_stroke(cr);
            }
            cairo_new_path(cr);
            if (f.fails) {
                // A red ring on a white one, apart from the marker: plain on any fill under it.
                const double r = px(point_style.style.marker_radius_px + fail_ring_gap_px);
                cairo_set_dash(cr, nullptr, 0, 0);
                cairo_arc(cr, p.x_px, p.y_px, r, 0, 2 * M_PI);
                cairo_set_source_rgb(cr, 1, 1, 1);
                const double width = std::max(px(fail_ring_width_px), fail_ring_min_width_px);
                cairo_set_line_width(cr, width + px(1.6));
                cairo_stroke_preserve(cr);
                set_color(cr, fail_ring_color);
                cairo_set_line_width(cr, width);
                cairo_stroke(cr);
            }
        }
    }
    cairo_set_dash(cr, nullptr, 0, 0);
}

std::vector<std::string> Renderer::layer_group_ids() const {
    // Lower-case letters and digits, other runs as one '-'.
    auto slug = [](const std::string& text) {
        std::string out;
        for (const unsigned char c : text) {
            if (std::isalnum(c) && c < 128) out += static_cast<char>(std::tolower(c));
            else if (!out.empty() && out.back() != '-') out += '-';
        }
        while (!out.empty() && out.back() == '-') out.pop_back();
        return out;
    };
    std::vector<std::string> ids;
    for (const auto& layer : drawn_) {
        std::string base = slug(layer.source->id);
        if (base.empty()) base = slug(layer.source->title);
        if (base.empty()) base = fmt::format("{}", ids.size() + 1);
        base = "layer-" + base;
        std::string id = base;
        for (int n = 2; std::find(ids.begin(), ids.end(), id) != ids.end(); ++n) id = fmt::format("{}-{}", base, n);
        ids.push_back(id);
    }
    return ids;
}

void Renderer::draw(Canvas& canvas) {
    canvas_ = &canvas;
    cairo_t* cr = canvas.context();
    set_text_options(cr);

    // The legend goes beside the frame (it hides nothing there) when it is narrow enough: the
    // frame is laid out again, narrower, and the layers projected anew for it.
    layout(cr, 0);
    project_layers();
    legend_entries();
    beside_ = false;
    if (!legend_.empty() && options_.legend_position == LegendPosition::Auto) {
        legend_text_max_px_ = px(220);
        measure_legend(cr, legend_text_max_px_);
        const double panel_px = std::max(legend_rect_.width_px, px(200));
        if (panel_px <= 0.4 * options_.width_px) {
            beside_ = true;
            layout(cr, panel_px + px(10));
            drawn_.clear();
            legend_.clear();
            occupancy_ = Occupancy(1, 1, 1);
            project_layers();
            legend_entries();
            measure_legend(cr, legend_text_max_px_);
            legend_rect_.width_px = panel_px;
        }
    }
    if (!beside_ && !legend_.empty()) measure_legend(cr, px(300));
    place_legend();

    // One group a part of the map, in drawing order (an SVG's <g id>s, for editing).
    const std::optional<PixelRect> whole, in_frame = frame_;
    cr = canvas.begin_group("background", whole);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_new_path(cr);
    cairo_rectangle(cr, frame_.x_px, frame_.y_px, frame_.width_px, frame_.height_px);
    set_color(cr, parse_color(options_.background, "background"));
    cairo_fill(cr);
    canvas.end_group();
    const std::vector<std::string> ids = layer_group_ids();
    for (std::size_t i = 0; i < drawn_.size(); ++i) {
        draw_layer(canvas.begin_group(ids[i], in_frame), drawn_[i]);
        canvas.end_group();
    }
    if (options_.graticule) {
        draw_graticule_lines(canvas.begin_group("graticule", in_frame));
        canvas.end_group();
    }
    draw_labels(canvas.begin_group("labels", in_frame));
    canvas.end_group();
    if (options_.graticule) {
        draw_graticule_labels(canvas.begin_group("graticule-labels", in_frame));
        canvas.end_group();
    }

    cr = canvas.begin_group("frame", whole);
    cairo_new_path(cr);
    cairo_rectangle(cr, frame_.x_px, frame_.y_px, frame_.width_px, frame_.height_px);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    cairo_set_line_width(cr, px(1));
    cairo_stroke(cr);
    canvas.end_group();
    if (!legend_.empty()) {
        draw_legend(canvas.begin_group("legend", whole));
        canvas.end_group();
    }
    if (options_.scale_bar || options_.north_arrow) {
        draw_scale_and_north(canvas.begin_group("scale-bar", whole));
        canvas.end_group();
    }
    if (!options_.title.empty() || !options_.subtitle.empty()) {
        draw_title(canvas.begin_group("title", whole));
        canvas.end_group();
    }
    draw_credit(canvas.begin_group("credit", whole));
    canvas.end_group();
    canvas_ = nullptr;
}

}  // namespace dza::map_detail
