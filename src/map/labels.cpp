// Labels placed where they overlap nothing, and the graticule with its labels along the frame.
#include <algorithm>

#include "map/renderer.hpp"

namespace dza::map_detail {

bool Renderer::place(const PixelRect& r, bool force) {
    const PixelRect inside{frame_.x_px + 1, frame_.y_px + 1, frame_.width_px - 2, frame_.height_px - 2};
    bool free = rect_inside(r, inside);
    if (free) free = !taken_.overlaps(r);
    if (free || force) taken_.add(r);
    return free || force;
}

void Renderer::draw_labels(cairo_t* cr) {
    // Every marker is an obstacle for every label.
    for (const auto& layer : drawn_)
        for (const auto& f : layer.features)
            for (const auto& part : f.parts)
                if (part.dimension == 0) {
                    const double r = px(layer.style.style.marker_radius_px + (f.fails ? fail_ring_gap_px + fail_ring_width_px : 0)) + (f.fails ? 2 : 1);
                    const PixelRect box{part.rings[0][0].x_px - r, part.rings[0][0].y_px - r, 2 * r, 2 * r};
                    taken_.add(box);
                    marker_boxes.push_back(box);
                }
    // Top layers first: their labels matter most.
    for (auto it = drawn_.rbegin(); it != drawn_.rend(); ++it) {
        const MapLayer& l = *it->source;
        if (l.label_field.empty()) continue;
        const Font font{px(l.label.size_px), l.label.bold, l.label.italic};
        const Rgba color = parse_color(l.label.color, "label");
        const double halo = l.label.halo ? px(3) : 0;
        for (const auto& f : it->features) {
            if (f.label.empty() || !f.label_anchor) continue;
            const TextBox tb = measure(cr, f.label, font);
            const double w = tb.width, h = tb.height();
            const PixelXY p = *f.label_anchor;
            std::optional<PixelRect> chosen;
            if (it->dimension == 0) {
                // Beside the marker, in eight directions, nearest first; then farther out with a
                // leader line to the marker, so that labels of close deployments do not overlap.
                // A label with no free place is left out rather than drawn over another.
                const double fail_px = f.fails ? px(fail_ring_gap_px + fail_ring_width_px) : 0;
                const double r = px(l.style.marker_radius_px) + fail_px;
                struct Candidate {
                    PixelRect box;
                    bool leader;
                };
                std::vector<Candidate> candidates;
                for (double gap : {r + px(3), r + px(9), r + px(18), r + px(30), r + px(45)}) {
                    const double d = gap * 0.75;
                    const bool leader = gap > r + px(10);
                    for (const PixelRect& c : {PixelRect{p.x_px + gap, p.y_px - h / 2, w, h},    // right
                                               PixelRect{p.x_px - gap - w, p.y_px - h / 2, w, h},  // left
                                               PixelRect{p.x_px + d, p.y_px - d - h, w, h},        // upper right
                                               PixelRect{p.x_px + d, p.y_px + d, w, h},            // lower right
                                               PixelRect{p.x_px - d - w, p.y_px - d - h, w, h},    // upper left
                                               PixelRect{p.x_px - d - w, p.y_px + d, w, h},        // lower left
                                               PixelRect{p.x_px - w / 2, p.y_px - gap - h, w, h},  // above
                                               PixelRect{p.x_px - w / 2, p.y_px + gap, w, h}})     // below
                        candidates.push_back({c, leader});
                }
                for (const auto& c : candidates)
                    if (place(c.box, false)) {
                        chosen = c.box;
                        if (c.leader) {
                            // From the marker's rim to the label box's nearest point.
                            const double qx = std::clamp(p.x_px, c.box.x_px, c.box.x_px + c.box.width_px);
                            const double qy = std::clamp(p.y_px, c.box.y_px, c.box.y_px + c.box.height_px);
                            const double len = std::hypot(qx - p.x_px, qy - p.y_px);
                            if (len > r + px(2)) {
                                cairo_new_path(cr);
                                cairo_move_to(cr, p.x_px + (qx - p.x_px) * (r + px(1)) / len, p.y_px + (qy - p.y_px) * (r + px(1)) / len);
                                cairo_line_to(cr, qx, qy);
                                set_color(cr, color);
                                cairo_set_line_width(cr, px(0.8));
                                cairo_set_dash(cr, nullptr, 0, 0);
                                cairo_stroke(cr);
                            }
                        }
                        break;
                    }
            } else {
                if (it->dimension == 2 && (f.anchor_radius_px < h * 0.6 || f.anchor_radius_px * 2.6 < w)) continue;
                // At the anchor, else moved a little within the room around it (a deployment's
                // label or marker may sit on the anchor of its region).
                const double room = it->dimension == 2 ? std::min(f.anchor_radius_px * 0.6, 2.5 * h) : 0;
                std::vector<PixelXY> shifts = {{0, 0}};
                for (const double d : {room / 2, room})
                    if (d >= 2) shifts.insert(shifts.end(), {{0, -d}, {0, d}, {-d, 0}, {d, 0}, {-d, -d}, {d, -d}, {-d, d}, {d, d}});
                for (const PixelXY& s : shifts) {
                    const PixelRect c{p.x_px + s.x_px - w / 2, p.y_px + s.y_px - h / 2, w, h};
                    if (place(c, false)) {
                        chosen = c;
                        break;
                    }
                }
            }
            if (chosen) {
                put_text(cr, f.label, chosen->x_px, chosen->y_px + tb.ascent, font, color, halo);
                placed_labels.push_back({*chosen, f.label});
            }
        }
    }
}

void Renderer::draw_graticule_lines(cairo_t* cr) {
    const double span = std::max(visible_.max_lon - visible_.min_lon, visible_.max_lat - visible_.min_lat) - 2;
    graticule_step_ = 30;
    for (double step : {0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0})
        if (span / step <= 14) {
            graticule_step_ = step;
            break;
        }
    const Projector projector(*projection_);
    const double lat_lo = std::max(visible_.min_lat, -89.0), lat_hi = std::min(visible_.max_lat, 89.0);
    for (double lon = std::ceil(visible_.min_lon / graticule_step_) * graticule_step_; lon <= visible_.max_lon + 1e-9; lon += graticule_step_)
        graticule_.push_back({lon, true, projector.project({{lon, lat_lo}, {lon, lat_hi}}, false)});
    for (double lat = std::ceil(lat_lo / graticule_step_) * graticule_step_; lat <= lat_hi + 1e-9; lat += graticule_step_)
        graticule_.push_back({lat, false, projector.project({{visible_.min_lon, lat}, {visible_.max_lon, lat}}, false)});
    cairo_new_path(cr);
    for (const auto& g : graticule_) {
        if (g.path.size() < 2) continue;
        cairo_move_to(cr, g.path[0].x_px, g.path[0].y_px);
        for (std::size_t i = 1; i < g.path.size(); ++i) cairo_line_to(cr, g.path[i].x_px, g.path[i].y_px);
    }
    cairo_set_source_rgba(cr, 0.25, 0.35, 0.5, 0.35);
    cairo_set_line_width(cr, px(0.6));
    cairo_set_dash(cr, nullptr, 0, 0);
    cairo_stroke(cr);
}

void Renderer::draw_graticule_labels(cairo_t* cr) {
    const Font font{px(10)};
    const Rgba color{0.25, 0.32, 0.42, 1, false};
    const int decimals = graticule_step_ < 1 ? 2 : 0;
    const double edge = px(2);
    const double bottom = frame_.y_px + frame_.height_px - edge, top = frame_.y_px + edge;
    const double left = frame_.x_px + edge, right = frame_.x_px + frame_.width_px - edge;
    // Where a graticule line crosses a horizontal (y = at) or vertical (x = at) line, if it does.
    auto crossing = [](const std::vector<PixelXY>& path, bool horizontal, double at) -> std::optional<PixelXY> {
        for (std::size_t i = 1; i < path.size(); ++i) {
            const PixelXY a = path[i - 1], b = path[i];
            const double va = (horizontal ? a.y_px : a.x_px) - at, vb = (horizontal ? b.y_px : b.x_px) - at;
            if ((va < 0) == (vb < 0) || va == vb) continue;
            const double t = va / (va - vb);
            return PixelXY{a.x_px + t * (b.x_px - a.x_px), a.y_px + t * (b.y_px - a.y_px)};
        }
        return std::nullopt;
    };
    for (const auto& g : graticule_) {
        // Meridians along the bottom edge, else the top; parallels along the left edge, else the right.
        const std::string text = g.meridian ? format_lon(g.value, decimals) : format_lat(g.value, decimals);
        const TextBox tb = measure(cr, text, font);
        for (const bool first : {true, false}) {
            const double at = g.meridian ? (first ? bottom : top) : (first ? left : right);
            const auto p = crossing(g.path, g.meridian, at);
            if (!p) continue;
            const PixelRect r = g.meridian ? PixelRect{p->x_px - tb.width / 2, first ? at - px(3) - tb.height() : at + px(3), tb.width, tb.height()}
                                           : PixelRect{first ? at + px(3) : at - px(3) - tb.width, p->y_px - tb.height() / 2, tb.width, tb.height()};
            if (place(r, false)) {
                put_text(cr, text, r.x_px, r.y_px + tb.ascent, font, color, px(3));
                break;
            }
        }
    }
}

}  // namespace dza::map_detail
