// Features clipped to the visible area, projected to pixel paths, with their label anchors.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "dza/error.hpp"
#include "map/renderer.hpp"

namespace dza::map_detail {

void collect_parts(const GEOSGeometry* g, const Projector& projector, std::vector<Part>& out) {
    if (!g || GEOSisEmpty_r(geos::ctx(), g) == 1) return;
    const int type = GEOSGeomTypeId_r(geos::ctx(), g);
    switch (type) {
        case GEOS_POINT: {
            const auto c = geos::coords_of(g);
            if (c.empty()) return;
            const PixelXY p = projector.projection().to_pixel(c[0]);
            if (std::isnan(p.x_px)) return;
            out.push_back({0, {{p}}});
            return;
        }
        case GEOS_LINESTRING:
        case GEOS_LINEARRING: {
            auto path = projector.project(geos::coords_of(g), false);
            if (path.size() >= 2) out.push_back({1, {std::move(path)}});
            return;
        }
        case GEOS_POLYGON: {
            Part part;
            part.dimension = 2;
            auto shell = projector.project(geos::coords_of(GEOSGetExteriorRing_r(geos::ctx(), g)), true);
            if (shell.empty()) return;
            part.rings.push_back(std::move(shell));
            const int holes = GEOSGetNumInteriorRings_r(geos::ctx(), g);
            for (int i = 0; i < holes; ++i) {
                auto hole = projector.project(geos::coords_of(GEOSGetInteriorRingN_r(geos::ctx(), g, i)), true);
                if (!hole.empty()) part.rings.push_back(std::move(hole));
            }
            out.push_back(std::move(part));
            return;
        }
        default: {
            const int n = GEOSGetNumGeometries_r(geos::ctx(), g);
            for (int i = 0; i < n; ++i) collect_parts(GEOSGetGeometryN_r(geos::ctx(), g, i), projector, out);
        }
    }
}

bool inside_rect(const std::vector<Part>& parts, const PixelRect& r) {
    for (const auto& part : parts)
        for (const auto& ring : part.rings)
            for (const auto& p : ring)
                if (p.x_px < r.x_px || p.y_px < r.y_px || p.x_px > r.x_px + r.width_px || p.y_px > r.y_px + r.height_px) return false;
    return true;
}

// The largest polygon of a geometry (by lon/lat area), or null.
const GEOSGeometry* largest_polygon(const GEOSGeometry* g) {
    if (!g || GEOSisEmpty_r(geos::ctx(), g) == 1) return nullptr;
    const int type = GEOSGeomTypeId_r(geos::ctx(), g);
    if (type == GEOS_POLYGON) return g;
    if (type != GEOS_MULTIPOLYGON && type != GEOS_GEOMETRYCOLLECTION) return nullptr;
    const GEOSGeometry* best = nullptr;
    double best_area = -1;
    const int n = GEOSGetNumGeometries_r(geos::ctx(), g);
    for (int i = 0; i < n; ++i) {
        const GEOSGeometry* part = largest_polygon(GEOSGetGeometryN_r(geos::ctx(), g, i));
        double area = 0;
        if (part && GEOSArea_r(geos::ctx(), part, &area) && area > best_area) best = part, best_area = area;
    }
    return best;
}

// The centre of the largest circle inside the largest visible polygon, with that circle's radius
// in pixels; none when nothing is visible.
std::optional<std::pair<PixelXY, double>> polygon_anchor(const GEOSGeometry* visible, const MapProjection& projection) {
    const GEOSGeometry* polygon = largest_polygon(visible);
    if (!polygon) return std::nullopt;
    const double px_deg = projection.metres_per_px() / 111320.0;  // about a pixel, in degrees
    Geometry circle(GEOSMaximumInscribedCircle_r(geos::ctx(), polygon, std::max(px_deg, 1e-7)));
    if (!circle) return std::nullopt;
    const auto ends = geos::coords_of(circle.get());
    if (ends.size() < 2) return std::nullopt;
    const PixelXY centre = projection.to_pixel(ends[0]);
    const PixelXY edge = projection.to_pixel(ends[1]);
    if (std::isnan(centre.x_px) || std::isnan(edge.x_px)) return std::nullopt;
    return std::make_pair(centre, std::hypot(edge.x_px - centre.x_px, edge.y_px - centre.y_px));
}

void Renderer::validate() {
    if (options_.width_px < 200 || options_.width_px > 10000 || options_.height_px < 200 || options_.height_px > 10000)
        throw UsageError(fmt::format("map: size {} x {} px is out of range (200 to 10000 each)", options_.width_px, options_.height_px));
    if (options_.dpi < 24 || options_.dpi > 1200) throw UsageError(fmt::format("map: resolution {} dpi is out of range (24 to 1200)", options_.dpi));
    if (!(options_.ui_scale == 0 || (options_.ui_scale >= 0.25 && options_.ui_scale <= 4)))
        throw UsageError(fmt::format("map: size scale {:g} is out of range (0.25 to 4, or 0 to scale with the image)", options_.ui_scale));
    if (!(options_.margin_pct >= 0 && options_.margin_pct <= 40)) throw UsageError(fmt::format("map: margin {}% is out of range (0 to 40)", options_.margin_pct));
    parse_color(options_.background, "background");
    for (const auto& l : layers_) {
        if (!l.layer) throw UsageError(fmt::format("map: layer \"{}\" has no data", l.title));
        parse_color(l.style.stroke, l.title + " stroke");
        parse_color(l.style.fill, l.title + " fill");
        parse_color(l.label.color, l.title + " label");
        for (const auto& [value, color] : l.colors) parse_color(color, fmt::format("{} \"{}\"", l.title, value));
        if (!l.color_field.empty()) l.layer->require_field(l.color_field);
        if (!l.label_field.empty()) l.layer->require_field(l.label_field);
        if (!l.fail_field.empty()) l.layer->require_field(l.fail_field);
        for (double d : l.style.dash_px)
            if (!(d >= 0)) throw UsageError(fmt::format("map: layer \"{}\" has a negative dash", l.title));
    }
}

void Renderer::layout(cairo_t* cr, double right_px) {
    const double w = options_.width_px, h = options_.height_px;
    ui_ = options_.ui_scale > 0 ? options_.ui_scale : std::clamp(std::min(w / 1200.0, h / 900.0), 0.5, 4.0);
    double top = px(10);
    if (!options_.title.empty()) top += measure(cr, options_.title, {px(21), true, false}).height() + px(8);
    if (!options_.subtitle.empty()) top += measure(cr, options_.subtitle, {px(13)}).height() + px(6);
    if (!options_.title.empty() || !options_.subtitle.empty()) top += px(4);
    const double bottom = px(22);
    frame_ = {px(10), top, w - px(20) - right_px, h - top - bottom};
    if (frame_.height_px < 50 || frame_.width_px < 50) throw UsageError("map: the image is too small for its title");
}

void Renderer::project_layers() {
    visible_ = Extent();
    inner_frame_.reset(nullptr);
    // Extent: the one given, else the focus layers', else every layer's.
    Extent extent;
    if (options_.extent) {
        extent = *options_.extent;
    } else {
        const bool any_focus = std::any_of(layers_.begin(), layers_.end(), [](const MapLayer& l) { return l.focus; });
        for (const auto& l : layers_) {
            if (any_focus && !l.focus) continue;
            for (const auto& f : l.layer->features)
                if (!f.geometry.is_empty()) extent.expand(f.geometry.extent());
        }
    }
    if (extent.empty) throw DataError("map: nothing to draw (every layer is empty)");
    const double padding = std::min(frame_.width_px, frame_.height_px) * options_.margin_pct / 100.0;
    projection_.emplace(extent, frame_, padding);
    const MapProjection& proj = *projection_;

    // The lon/lat box around the frame (a degree to spare), to clip features before projecting.
    std::vector<PixelXY> outline;
    constexpr int n = 40;
    for (int i = 0; i < n; ++i) {
        const double f = static_cast<double>(i) / n;
        outline.push_back({frame_.x_px + f * frame_.width_px, frame_.y_px});
        outline.push_back({frame_.x_px + frame_.width_px, frame_.y_px + f * frame_.height_px});
        outline.push_back({frame_.x_px + (1 - f) * frame_.width_px, frame_.y_px + frame_.height_px});
        outline.push_back({frame_.x_px, frame_.y_px + (1 - f) * frame_.height_px});
    }
    for (const auto& p : outline) {
        const LonLat ll = proj.to_lonlat(p);
        if (std::isnan(ll.lon)) continue;
        visible_.expand({ll.lon, ll.lat, ll.lon, ll.lat, false});
    }
    visible_ = {std::max(-180.0, visible_.min_lon - 1), std::max(-90.0, visible_.min_lat - 1), std::min(180.0, visible_.max_lon + 1),
                std::min(90.0, visible_.max_lat + 1), false};

    // The frame, inset, as a lon/lat polygon: labels go inside it.
    {
        const double inset = px(14);
        const PixelRect r{frame_.x_px + inset, frame_.y_px + inset, frame_.width_px - 2 * inset, frame_.height_px - 2 * inset};
        inner_frame_rect_ = r;
        std::vector<LonLat> ring;
        for (int i = 0; i < n; ++i) {
            const double f = static_cast<double>(i) / n;
            for (const PixelXY p : {PixelXY{r.x_px + f * r.width_px, r.y_px}, PixelXY{r.x_px + r.width_px, r.y_px + f * r.height_px},
                                    PixelXY{r.x_px + (1 - f) * r.width_px, r.y_px + r.height_px}, PixelXY{r.x_px, r.y_px + (1 - f) * r.height_px}}) {
                const LonLat ll = proj.to_lonlat(p);
                if (!std::isnan(ll.lon)) ring.push_back(ll);
            }
        }
        // Points were interleaved edge by edge; put them back in order around the frame.
        std::vector<LonLat> ordered;
        for (int edge = 0; edge < 4; ++edge)
            for (std::size_t i = static_cast<std::size_t>(edge); i < ring.size(); i += 4) ordered.push_back(ring[i]);
        if (ring.size() == static_cast<std::size_t>(4 * n)) inner_frame_.reset(Geometry::polygon(ordered).release());
    }

    const Projector projector(proj);
    occupancy_ = Occupancy(options_.width_px, options_.height_px, px(8));
    for (const auto& l : layers_) {
        DrawnLayer d;
        d.source = &l;
        d.style = {parse_color(l.style.stroke, "stroke"), parse_color(l.style.fill, "fill"), l.style};
        // Field positions, npos for none (validate() checked that named fields exist).
        constexpr std::size_t none = std::string::npos;
        const std::size_t color_index = l.color_field.empty() ? none : l.layer->field_index(l.color_field).value_or(none);
        const std::size_t label_index = l.label_field.empty() ? none : l.layer->field_index(l.label_field).value_or(none);
        const std::size_t fail_index = l.fail_field.empty() ? none : l.layer->field_index(l.fail_field).value_or(none);
        std::vector<std::string> values;  // per drawn feature
        for (const auto& f : l.layer->features) {
            if (f.geometry.is_empty()) continue;
            Geometry clipped(GEOSClipByRect_r(geos::ctx(), f.geometry.get(), visible_.min_lon, visible_.min_lat, visible_.max_lon, visible_.max_lat));
            const GEOSGeometry* g = clipped ? clipped.get() : f.geometry.get();
            DrawnFeature df;
            collect_parts(g, projector, df.parts);
            if (df.parts.empty()) continue;
            int dimension = 0;
            for (const auto& part : df.parts) dimension = std::max(dimension, part.dimension);
            d.dimension = std::max(d.dimension, dimension);
            if (color_index != none) values.push_back(color_index < f.values.size() ? value_text(f.values[color_index]) : "");
            if (label_index < f.values.size()) df.label = value_text(f.values[label_index]);
            df.fails = fail_index < f.values.size() && f.values[fail_index].is_boolean() && !f.values[fail_index].get<bool>();
            d.any_fails = d.any_fails || df.fails;
            if (l.label.uppercase)
                std::transform(df.label.begin(), df.label.end(), df.label.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
            if (!df.label.empty()) {
                if (dimension == 0) {
                    df.label_anchor = df.parts.front().rings.front().front();
                } else if (dimension == 2 && inner_frame_) {
                    // Cut to the frame only when the feature reaches beyond it.
                    Geometry inside;
                    if (!inside_rect(df.parts, inner_frame_rect_)) inside.reset(GEOSIntersection_r(geos::ctx(), g, inner_frame_.get()));
                    if (const auto anchor = polygon_anchor(inside ? inside.get() : g, proj)) {
                        df.label_anchor = anchor->first;
                        df.anchor_radius_px = anchor->second;
                    }
                } else if (dimension == 1) {
                    // The middle of the longest visible line.
                    const std::vector<PixelXY>* longest = nullptr;
                    double longest_px = 0;
                    for (const auto& part : df.parts) {
                        if (part.dimension != 1) continue;
                        double len = 0;
                        for (std::size_t i = 1; i < part.rings[0].size(); ++i)
                            len += std::hypot(part.rings[0][i].x_px - part.rings[0][i - 1].x_px, part.rings[0][i].y_px - part.rings[0][i - 1].y_px);
                        if (len > longest_px) longest = &part.rings[0], longest_px = len;
                    }
                    if (longest) df.label_anchor = (*longest)[longest->size() / 2];
                }
            }
            if (!l.background)
                for (const auto& part : df.parts)
                    for (const auto& ring : part.rings) {
                        if (part.dimension == 0) {
                            // Points weigh most: the legend must not hide a deployment among many lines.
                            for (double dx : {-1.0, 0.0, 1.0})
                                for (double dy : {-1.0, 0.0, 1.0}) occupancy_.mark({ring[0].x_px + dx * px(8), ring[0].y_px + dy * px(8)}, 40);
                        } else {
                            occupancy_.mark_path(ring);
                        }
                    }
            d.features.push_back(std::move(df));
        }
        if (color_index != none) {
            // Legend order: the colours given, then other values present, sorted, with palette colours.
            std::map<std::string, Rgba> colors;
            const std::set<std::string> present(values.begin(), values.end());
            for (const auto& [value, color] : l.colors) {
                if (colors.count(value)) continue;
                colors[value] = parse_color(color, value);
                if (present.count(value)) d.legend_values.push_back({value, colors[value]});
            }
            std::size_t next = 0;
            for (const auto& value : present) {
                if (colors.count(value)) continue;
                colors[value] = parse_color(palette[next++ % palette.size()], value);
                d.legend_values.push_back({value, colors[value]});
            }
            for (std::size_t i = 0; i < d.features.size(); ++i) d.features[i].value_color = colors.at(values[i]);
        }
        drawn_.push_back(std::move(d));
    }
}

}  // namespace dza::map_detail
