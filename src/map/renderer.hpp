#pragma once
// The map renderer's own pieces, shared by the files of src/map/ (not part of the public API):
// colours, text, features projected to pixel paths, the occupancy grid and the Renderer, whose
// steps live in their own files: features.cpp (validate, layout, project), draw.cpp (layers and
// the whole map), labels.cpp (labels and the graticule), legend.cpp (legend, scale bar, north
// arrow, title, credit, description); output.cpp writes SVG and PNG; projection.cpp is
// MapProjection.
#include <cairo.h>
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dza/geodesic.hpp"
#include "dza/map.hpp"
#include "geos/geos.hpp"

namespace dza::map_detail {

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();
inline constexpr double deg = M_PI / 180.0;
inline constexpr double densify_step_deg = 0.2;  // longest lon/lat step before projecting
inline constexpr double min_step_px = 0.5;       // vertices closer than this to the last kept one are dropped

struct CairoDeleter {
    void operator()(cairo_t* c) const noexcept { cairo_destroy(c); }
};
struct SurfaceDeleter {
    void operator()(cairo_surface_t* s) const noexcept { cairo_surface_destroy(s); }
};
struct FontOptionsDeleter {
    void operator()(cairo_font_options_t* o) const noexcept { cairo_font_options_destroy(o); }
};
using CairoPtr = std::unique_ptr<cairo_t, CairoDeleter>;
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;

// "45.7°N", "31.1°E"
std::string format_lat(double lat, int decimals);
std::string format_lon(double lon, int decimals);

// ---------------------------------------------------------------------------------------------
// Colours and sizes (paint.cpp)

struct Rgba {
    double r = 0, g = 0, b = 0, a = 1;
    bool none = false;
};

Rgba parse_color(const std::string& text, const std::string& what);
void set_color(cairo_t* cr, const Rgba& c, double opacity = 1);

// Colours for values the caller gave none, in sorted order of the values.
inline constexpr std::array<const char*, 8> palette = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"};

std::string value_text(const nlohmann::json& v);

inline bool rects_overlap(const PixelRect& a, const PixelRect& b) {
    return a.x_px < b.x_px + b.width_px && b.x_px < a.x_px + a.width_px && a.y_px < b.y_px + b.height_px && b.y_px < a.y_px + a.height_px;
}
// Rectangles placed so far (markers, labels, the legend), indexed by a uniform grid so that asking
// whether a new one overlaps any of them looks only at its neighbours: label placement stays
// linear in the number of labels. The answer is exactly that of comparing with every rectangle.
class RectIndex {
public:
    void add(const PixelRect& r) {
        const std::size_t index = rects_.size();
        rects_.push_back(r);
        const auto cells = cells_of(r);
        if (!cells) {
            large_.push_back(index);
            return;
        }
        for (long y = cells->y0; y <= cells->y1; ++y)
            for (long x = cells->x0; x <= cells->x1; ++x) grid_[key(x, y)].push_back(index);
    }

    bool overlaps(const PixelRect& r) const {
        for (std::size_t i : large_)
            if (rects_overlap(r, rects_[i])) return true;
        const auto cells = cells_of(r);
        if (!cells) {
            for (const auto& other : rects_)
                if (rects_overlap(r, other)) return true;
            return false;
        }
        for (long y = cells->y0; y <= cells->y1; ++y)
            for (long x = cells->x0; x <= cells->x1; ++x) {
                const auto it = grid_.find(key(x, y));
                if (it == grid_.end()) continue;
                for (std::size_t i : it->second)
                    if (rects_overlap(r, rects_[i])) return true;
            }
        return false;
    }

private:
    static constexpr double cell_px = 32;
    static constexpr long max_cells = 4096;  // a rectangle over more cells is checked directly
    struct Cells {
        long x0, y0, x1, y1;
    };
    // The cells a rectangle covers (a point of any overlap lies in one of them), or none for a
    // rectangle too large, odd-shaped or not finite to index.
    static std::optional<Cells> cells_of(const PixelRect& r) {
        if (!std::isfinite(r.x_px) || !std::isfinite(r.y_px) || !std::isfinite(r.width_px) || !std::isfinite(r.height_px) || r.width_px < 0 || r.height_px < 0)
            return std::nullopt;
        constexpr double limit = 1e9;
        if (std::abs(r.x_px) > limit || std::abs(r.y_px) > limit || r.width_px > limit || r.height_px > limit) return std::nullopt;
        const Cells c{static_cast<long>(std::floor(r.x_px / cell_px)), static_cast<long>(std::floor(r.y_px / cell_px)),
                      static_cast<long>(std::floor((r.x_px + r.width_px) / cell_px)), static_cast<long>(std::floor((r.y_px + r.height_px) / cell_px))};
        if ((c.x1 - c.x0 + 1) * (c.y1 - c.y0 + 1) > max_cells) return std::nullopt;
        return c;
    }
    static std::int64_t key(long x, long y) { return (static_cast<std::int64_t>(x) << 32) ^ static_cast<std::int64_t>(static_cast<std::uint32_t>(y)); }

    std::vector<PixelRect> rects_;
    std::vector<std::size_t> large_;
    std::unordered_map<std::int64_t, std::vector<std::size_t>> grid_;
};

inline bool rect_inside(const PixelRect& inner, const PixelRect& outer) {
    return inner.x_px >= outer.x_px && inner.y_px >= outer.y_px && inner.x_px + inner.width_px <= outer.x_px + outer.width_px &&
           inner.y_px + inner.height_px <= outer.y_px + outer.height_px;
}

// ---------------------------------------------------------------------------------------------
// Text (paint.cpp): cairo's toy API; PNG and PDF get cairo's glyphs (PDF keeps them as text with
// an embedded font subset), SVG gets <text> elements (output.cpp)

struct Font {
    double size_px = 11;
    bool bold = false;
    bool italic = false;
};

void select_font(cairo_t* cr, const Font& font);

struct TextBox {
    double width = 0, ascent = 0, descent = 0;
    double height() const { return ascent + descent; }
};

TextBox measure(cairo_t* cr, const std::string& text, const Font& font);
// The font, made smaller if need be for the text to fit `max_width`.
Font fit(cairo_t* cr, const std::string& text, Font font, double max_width);
// Draws text with its baseline's left end at (x, y), with an optional white halo. The letters are
// glyphs (an SVG defines each once), the halo an outline.
void draw_text(cairo_t* cr, const std::string& text, double x, double y, const Font& font, const Rgba& color, double halo_px);

// One piece of text as the renderer puts it: baseline's left end at (x, y) in the user space of
// `matrix` (the context's transformation when it was put).
struct TextItem {
    std::string text;
    double x_px = 0, y_px = 0;
    Font font;
    Rgba color;
    double halo_px = 0;
    cairo_matrix_t matrix{1, 0, 0, 1, 0, 0};
};

// ---------------------------------------------------------------------------------------------
// Where the renderer draws: in named groups, one after another (the map's layers, labels, legend,
// title...). PNG and PDF draw every group on one context; SVG makes each group a <g id> of its
// own, with its text as <text> elements (output.cpp).
class Canvas {
public:
    virtual ~Canvas() = default;
    // The context that measures text (and draws, for one-context canvases); set up before drawing.
    virtual cairo_t* context() = 0;
    // Starts a group (ids are short words: "layer-regions", "legend"), clipped to `clip` if given;
    // returns the context to draw it on, valid until end_group().
    virtual cairo_t* begin_group(const std::string& id, const std::optional<PixelRect>& clip) = 0;
    virtual void end_group() = 0;
    // Text in the current group, drawn with the state of `cr` (its transformation).
    virtual void text(cairo_t* cr, const TextItem& item) = 0;
};

// A canvas of one cairo context (PNG, PDF): groups are cairo_save/cairo_restore, text is glyphs.
class ContextCanvas : public Canvas {
public:
    explicit ContextCanvas(cairo_t* cr) : cr_(cr) {}
    cairo_t* context() override { return cr_; }
    cairo_t* begin_group(const std::string& id, const std::optional<PixelRect>& clip) override;
    void end_group() override;
    void text(cairo_t* cr, const TextItem& item) override;

private:
    cairo_t* cr_;
};

// Sets up a context the way the renderer measures and draws text (no hinting: the same metrics on
// every surface).
void set_text_options(cairo_t* cr);

// ---------------------------------------------------------------------------------------------
// Features projected to pixel paths

struct Part {
    int dimension = 0;                        // 0 point, 1 line, 2 polygon
    std::vector<std::vector<PixelXY>> rings;  // a point: one ring of one position
};

struct DrawnFeature {
    std::vector<Part> parts;
    std::optional<Rgba> value_color;
    std::string label;
    std::optional<PixelXY> label_anchor;  // polygons: inside the visible part
    double anchor_radius_px = 0;          // polygons: the room around the anchor
    bool fails = false;                   // its layer's fail_field is false: a red ring around the marker
};

struct ResolvedStyle {
    Rgba stroke, fill;
    MapStyle style;
};

struct DrawnLayer {
    const MapLayer* source = nullptr;
    ResolvedStyle style;
    std::vector<DrawnFeature> features;
    std::vector<std::pair<std::string, Rgba>> legend_values;  // values present, in legend order
    int dimension = -1;                                       // the highest dimension present
    bool any_fails = false;
};

// The failing mark around a marker of radius r: its radius and line width (at ui scale 1).
inline constexpr double fail_ring_gap_px = 3.5, fail_ring_width_px = 2.2;
inline constexpr double fail_ring_min_width_px = 2;  // in image pixels, so that small maps show it
inline const Rgba fail_ring_color{0.89, 0.10, 0.11, 1, false};  // #e31a1c

class Projector {
public:
    explicit Projector(const MapProjection& projection) : projection_(projection) {}

    // Densifies in lon/lat, projects, and drops vertices closer than min_step_px to the last kept.
    std::vector<PixelXY> project(const std::vector<LonLat>& points, bool closed) const {
        const std::vector<PixelXY> projected = projection_.to_pixels(densify_lonlat(points, densify_step_deg));
        std::vector<PixelXY> out;
        out.reserve(projected.size());
        for (std::size_t i = 0; i < projected.size(); ++i) {
            if (std::isnan(projected[i].x_px)) continue;
            // Quarter pixels: invisible, and short numbers in SVG.
            const PixelXY p{std::round(projected[i].x_px * 4) / 4, std::round(projected[i].y_px * 4) / 4};
            const bool last = i + 1 == projected.size();
            if (!out.empty() && !last && std::hypot(p.x_px - out.back().x_px, p.y_px - out.back().y_px) < min_step_px) continue;
            out.push_back(p);
        }
        if (closed && out.size() < 4) out.clear();
        return out;
    }
    const MapProjection& projection() const { return projection_; }

private:
    const MapProjection& projection_;
};

// (features.cpp)
void collect_parts(const GEOSGeometry* g, const Projector& projector, std::vector<Part>& out);
bool inside_rect(const std::vector<Part>& parts, const PixelRect& r);
// The largest polygon of a geometry (by lon/lat area), or null.
const GEOSGeometry* largest_polygon(const GEOSGeometry* g);
// The centre of the largest circle inside the largest visible polygon, with that circle's radius
// in pixels; none when nothing is visible.
std::optional<std::pair<PixelXY, double>> polygon_anchor(const GEOSGeometry* visible, const MapProjection& projection);

// ---------------------------------------------------------------------------------------------
// A coarse occupancy grid, to put the legend where it hides least

class Occupancy {
public:
    Occupancy(int width_px, int height_px, double cell_px)
        : cell_(cell_px), cols_(static_cast<int>(width_px / cell_px) + 1), rows_(static_cast<int>(height_px / cell_px) + 1),
          cells_(static_cast<std::size_t>(cols_ * rows_), 0) {}
    void mark(PixelXY p, int weight = 1) {
        const int c = static_cast<int>(std::floor(p.x_px / cell_)), r = static_cast<int>(std::floor(p.y_px / cell_));
        if (c < 0 || r < 0 || c >= cols_ || r >= rows_) return;
        auto& cell = cells_[static_cast<std::size_t>(r * cols_ + c)];
        cell = std::max(cell, weight);
    }
    void mark_path(const std::vector<PixelXY>& path) {
        for (std::size_t i = 0; i < path.size(); ++i) {
            mark(path[i]);
            if (i == 0) continue;
            const double len = std::hypot(path[i].x_px - path[i - 1].x_px, path[i].y_px - path[i - 1].y_px);
            const int steps = static_cast<int>(len / (cell_ / 2));
            for (int k = 1; k < steps; ++k) {
                const double f = static_cast<double>(k) / steps;
                mark({path[i - 1].x_px + f * (path[i].x_px - path[i - 1].x_px), path[i - 1].y_px + f * (path[i].y_px - path[i - 1].y_px)});
            }
        }
    }
    long score(const PixelRect& r) const {
        long total = 0;
        const int c0 = std::max(0, static_cast<int>(r.x_px / cell_)), c1 = std::min(cols_ - 1, static_cast<int>((r.x_px + r.width_px) / cell_));
        const int r0 = std::max(0, static_cast<int>(r.y_px / cell_)), r1 = std::min(rows_ - 1, static_cast<int>((r.y_px + r.height_px) / cell_));
        for (int row = r0; row <= r1; ++row)
            for (int col = c0; col <= c1; ++col) total += cells_[static_cast<std::size_t>(row * cols_ + col)];
        return total;
    }

private:
    double cell_;
    int cols_, rows_;
    std::vector<int> cells_;
};

// (draw.cpp)
// The style of one feature (or legend entry): a value's colour fills points and filled polygons,
// and strokes lines and outlines.
ResolvedStyle with_value(const ResolvedStyle& base, int dimension, const std::optional<Rgba>& value);

// ---------------------------------------------------------------------------------------------
// The renderer

class Renderer {
public:
    Renderer(const std::vector<MapLayer>& layers, const MapOptions& options) : layers_(layers), options_(options) { validate(); }

    void draw(Canvas& canvas);
    // What the map shows, in words (an SVG's <desc>): subtitle, legend, scale bar, projection.
    std::string description() const;

private:
    void validate();
    // The frame, leaving `right_px` on its right for the legend panel.
    void layout(cairo_t* cr, double right_px);
    void project_layers();
    void draw_layer(cairo_t* cr, const DrawnLayer& layer) const;
    void draw_hatch(cairo_t* cr, const ResolvedStyle& style) const;
    void draw_graticule_lines(cairo_t* cr);
    void draw_graticule_labels(cairo_t* cr);
    void draw_labels(cairo_t* cr);
    void legend_entries();
    void place_legend();
    void measure_legend(cairo_t* cr, double max_text_px);
    void draw_legend(cairo_t* cr);
    void draw_scale_and_north(cairo_t* cr);
    void draw_title(cairo_t* cr);
    void draw_credit(cairo_t* cr);
    // Text through the canvas: glyphs or <text>.
    void put_text(cairo_t* cr, const std::string& text, double x, double y, const Font& font, const Rgba& color, double halo_px);
    // The SVG group id of each layer: "layer-" and its id (or title), made unique.
    std::vector<std::string> layer_group_ids() const;
    bool place(const PixelRect& r, bool force);

    double px(double size_at_1200) const { return size_at_1200 * ui_; }

    const std::vector<MapLayer>& layers_;
    const MapOptions& options_;
    Canvas* canvas_ = nullptr;  // while drawing
    double ui_ = 1;  // sizes are given for a 1200 x 900 map and scale with the image
    PixelRect frame_;
    std::optional<MapProjection> projection_;
    std::vector<DrawnLayer> drawn_;
    Extent visible_;                // lon/lat box around the frame
    Geometry inner_frame_;          // the frame (inset) as a lon/lat polygon, for label anchors
    PixelRect inner_frame_rect_;    // the same in pixels
    RectIndex taken_;               // labels and boxes placed so far
public:
    // The boxes of what was placed, for tests: labels (with their marker's position), markers,
    // the legend and the scale bar.
    struct PlacedLabel {
        PixelRect box;
        std::string text;
    };
    std::vector<PlacedLabel> placed_labels;
    std::vector<PixelRect> marker_boxes;
    const PixelRect& frame() const { return frame_; }
    const PixelRect& legend_rect() const { return legend_rect_; }
    const PixelRect& scale_rect() const { return scale_rect_; }
    bool has_legend() const { return !legend_.empty(); }
    bool has_scale() const { return options_.scale_bar || options_.north_arrow; }

private:
    Occupancy occupancy_{1, 1, 1};

    struct GratLine {
        double value;
        bool meridian;
        std::vector<PixelXY> path;
    };
    std::vector<GratLine> graticule_;
    double graticule_step_ = 0;

    struct LegendEntry {
        bool heading = false;
        int dimension = 2;
        ResolvedStyle style;
        std::string text;
        bool indent = false;
        bool fails = false;              // the failing mark on the layer's marker
        std::vector<std::string> lines;  // the text wrapped
    };
    std::vector<LegendEntry> legend_;
    PixelRect legend_rect_, scale_rect_;
    bool beside_ = false;            // legend and scale bar in a panel right of the frame
    double legend_text_max_px_ = 0;  // wrap width of the legend's text
    LegendPosition legend_corner_ = LegendPosition::TopRight;
    double scale_bar_km_ = 0, scale_bar_px_ = 0;
    double north_angle_rad_ = 0;  // clockwise from up
    std::string credit_;
};

}  // namespace dza::map_detail
