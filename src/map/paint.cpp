// Colours and text for the map renderer.
#include <algorithm>
#include <cctype>

#include "dza/error.hpp"
#include "dza/text.hpp"
#include "map/renderer.hpp"

namespace dza::map_detail {

Rgba parse_color(const std::string& text, const std::string& what) {
    Rgba c;
    if (text == "none" || text.empty()) {
        c.none = true;
        return c;
    }
    const bool ok = text[0] == '#' && (text.size() == 7 || text.size() == 9) &&
                    std::all_of(text.begin() + 1, text.end(), [](unsigned char ch) { return std::isxdigit(ch) != 0; });
    if (!ok) throw UsageError(fmt::format("map: {} colour \"{}\" is not #rrggbb, #rrggbbaa or none", what, text));
    auto byte = [&](std::size_t i) { return std::stoi(text.substr(i, 2), nullptr, 16) / 255.0; };
    c.r = byte(1), c.g = byte(3), c.b = byte(5);
    if (text.size() == 9) c.a = byte(7);
    return c;
}

void set_color(cairo_t* cr, const Rgba& c, double opacity) { cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a * opacity); }

std::string value_text(const nlohmann::json& v) {
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    return v.dump();
}

void select_font(cairo_t* cr, const Font& font) {
    cairo_select_font_face(cr, "DejaVu Sans", font.italic ? CAIRO_FONT_SLANT_OBLIQUE : CAIRO_FONT_SLANT_NORMAL,
                           font.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, font.size_px);
}

TextBox measure(cairo_t* cr, const std::string& text, const Font& font) {
    select_font(cr, font);
    cairo_text_extents_t te;
    cairo_text_extents(cr, to_valid_utf8(text).c_str(), &te);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    return {te.x_advance, fe.ascent * 0.8, fe.descent * 0.8};  // cap-height-ish boxes: labels sit tighter
}

// The font, made smaller if need be for the text to fit `max_width`.
Font fit(cairo_t* cr, const std::string& text, Font font, double max_width) {
    const double width = measure(cr, text, font).width;
    if (width > max_width && width > 0) font.size_px *= max_width / width;
    return font;
}

// Draws text with its baseline's left end at (x, y), with an optional white halo. The letters are
// glyphs, the halo an outline.
void draw_text(cairo_t* cr, const std::string& text, double x, double y, const Font& font, const Rgba& color, double halo_px) {
    select_font(cr, font);
    if (halo_px > 0) {
        cairo_new_path(cr);
        cairo_move_to(cr, x, y);
        cairo_text_path(cr, to_valid_utf8(text).c_str());
        cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
        cairo_set_line_width(cr, halo_px);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_dash(cr, nullptr, 0, 0);
        cairo_stroke(cr);
    }
    cairo_new_path(cr);
    cairo_move_to(cr, x, y);
    set_color(cr, color);
    cairo_show_text(cr, to_valid_utf8(text).c_str());
    cairo_new_path(cr);
}

void set_text_options(cairo_t* cr) {
    std::unique_ptr<cairo_font_options_t, FontOptionsDeleter> fo(cairo_font_options_create());
    cairo_font_options_set_hint_metrics(fo.get(), CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo.get(), CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_antialias(fo.get(), CAIRO_ANTIALIAS_GRAY);
    cairo_set_font_options(cr, fo.get());
}

cairo_t* ContextCanvas::begin_group(const std::string&, const std::optional<PixelRect>& clip) {
    cairo_save(cr_);
    if (clip) {
        cairo_new_path(cr_);
        cairo_rectangle(cr_, clip->x_px, clip->y_px, clip->width_px, clip->height_px);
        cairo_clip(cr_);
    }
    return cr_;
}

void ContextCanvas::end_group() { cairo_restore(cr_); }

void ContextCanvas::text(cairo_t* cr, const TextItem& item) { draw_text(cr, item.text, item.x_px, item.y_px, item.font, item.color, item.halo_px); }

void Renderer::put_text(cairo_t* cr, const std::string& text, double x, double y, const Font& font, const Rgba& color, double halo_px) {
    TextItem item{text, x, y, font, color, halo_px, {}};
    cairo_get_matrix(cr, &item.matrix);
    canvas_->text(cr, item);
}

}  // namespace dza::map_detail
