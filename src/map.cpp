// Map rendering: PROJ for the projection, GEOS to clip and place labels, cairo to draw (one
// renderer for SVG and PNG). See include/dza/map.hpp for the choices.
#include "dza/map.hpp"

#include <cairo-svg.h>
#include <cairo.h>
#include <fmt/format.h>
#include <proj.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/text.hpp"
#include "dza/writer.hpp"
#include "geos/geos.hpp"
#include "markup.hpp"
#include "temp_folder.hpp"

namespace fs = std::filesystem;

namespace dza {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double deg = M_PI / 180.0;
constexpr double densify_step_deg = 0.2;  // longest lon/lat step before projecting
constexpr double min_step_px = 0.5;       // vertices closer than this to the last kept one are dropped

// ---------------------------------------------------------------------------------------------
// PROJ and cairo handles

struct PjContextDeleter {
    void operator()(PJ_CONTEXT* c) const noexcept { proj_context_destroy(c); }
};
struct PjDeleter {
    void operator()(PJ* p) const noexcept { proj_destroy(p); }
};
struct CairoDeleter {
    void operator()(cairo_t* c) const noexcept { cairo_destroy(c); }
};
struct SurfaceDeleter {
    void operator()(cairo_surface_t* s) const noexcept { cairo_surface_destroy(s); }
};
struct FontOptionsDeleter {
    void operator()(cairo_font_options_t* o) const noexcept { cairo_font_options_destroy(o); }
};
using PjContextPtr = std::unique_ptr<PJ_CONTEXT, PjContextDeleter>;
using PjPtr = std::unique_ptr<PJ, PjDeleter>;
using CairoPtr = std::unique_ptr<cairo_t, CairoDeleter>;
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;

std::string format_lat(double lat, int decimals) {
    return fmt::format("{:.{}f}°{}", std::fabs(lat), decimals, lat > 0 ? "N" : lat < 0 ? "S" : "");
}
std::string format_lon(double lon, int decimals) {
    return fmt::format("{:.{}f}°{}", std::fabs(lon), decimals, lon > 0 ? "E" : lon < 0 ? "W" : "");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The projection

struct MapProjection::Impl {
    PjContextPtr context;
    PjPtr pj;
    std::string proj_string, description;
    LonLat centre;
    PixelRect frame;
    double px_per_m = 1;
    double centre_x_px = 0, centre_y_px = 0;

    // Projects lon/lat (degrees) to metres on the plane, NaN where PROJ fails.
    void forward(std::vector<double>& x, std::vector<double>& y) const {
        for (std::size_t i = 0; i < x.size(); ++i) {
            x[i] *= deg;
            y[i] *= deg;
        }
        if (!x.empty())
            proj_trans_generic(pj.get(), PJ_FWD, x.data(), sizeof(double), x.size(), y.data(), sizeof(double), y.size(), nullptr, 0, 0, nullptr, 0, 0);
        proj_errno_reset(pj.get());
        for (std::size_t i = 0; i < x.size(); ++i)
            if (x[i] == HUGE_VAL || y[i] == HUGE_VAL || !std::isfinite(x[i]) || !std::isfinite(y[i])) x[i] = y[i] = nan;
    }
    PixelXY to_pixel(double x_m, double y_m) const { return {centre_x_px + x_m * px_per_m, centre_y_px - y_m * px_per_m}; }
};

MapProjection::MapProjection(const Extent& extent_in, const PixelRect& frame, double padding_px) : impl_(std::make_unique<Impl>()) {
    Extent extent = extent_in;
    if (extent.empty || !std::isfinite(extent.min_lon) || !std::isfinite(extent.max_lon) || !std::isfinite(extent.min_lat) ||
        !std::isfinite(extent.max_lat) || extent.min_lon > extent.max_lon || extent.min_lat > extent.max_lat || extent.min_lat < -90 ||
        extent.max_lat > 90)
        throw UsageError("map: the extent is empty or not lon/lat degrees");
    if (frame.width_px <= 2 * padding_px || frame.height_px <= 2 * padding_px) throw UsageError("map: the frame is too small for its padding");
    // A point or a sliver still gets a map about a degree across.
    if (extent.max_lon - extent.min_lon < 0.5) {
        const double mid = (extent.min_lon + extent.max_lon) / 2;
        extent.min_lon = mid - 0.25, extent.max_lon = mid + 0.25;
    }
    if (extent.max_lat - extent.min_lat < 0.5) {
        const double mid = std::clamp((extent.min_lat + extent.max_lat) / 2, -89.0, 89.0);
        extent.min_lat = std::max(-90.0, mid - 0.25), extent.max_lat = std::min(90.0, mid + 0.25);
    }
    Impl& m = *impl_;
    m.frame = frame;
    m.centre = {(extent.min_lon + extent.max_lon) / 2, (extent.min_lat + extent.max_lat) / 2};
    const double span_lat = extent.max_lat - extent.min_lat;
    const bool conic = extent.min_lat * extent.max_lat > 0 && std::fabs(m.centre.lat) >= 5 && span_lat <= 60;
    if (conic) {
        const double lat_1 = std::round((extent.min_lat + span_lat / 6) * 100) / 100;
        const double lat_2 = std::round((extent.max_lat - span_lat / 6) * 100) / 100;
        m.proj_string = fmt::format("+proj=lcc +lat_0={:.6f} +lon_0={:.6f} +lat_1={:.2f} +lat_2={:.2f} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs",
                                    m.centre.lat, m.centre.lon, lat_1, lat_2);
        m.description = fmt::format("Lambert conformal conic (WGS84), standard parallels {} and {}, central meridian {}", format_lat(lat_1, 1),
                                    format_lat(lat_2, 1), format_lon(m.centre.lon, 1));
    } else {
        m.proj_string = fmt::format("+proj=laea +lat_0={:.6f} +lon_0={:.6f} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs", m.centre.lat, m.centre.lon);
        m.description = fmt::format("Lambert azimuthal equal-area (WGS84), centred on {} {}", format_lat(m.centre.lat, 1), format_lon(m.centre.lon, 1));
    }
    m.context.reset(proj_context_create());
    if (!m.context) throw DataError("map: cannot create a PROJ context");
    proj_log_level(m.context.get(), PJ_LOG_NONE);
    m.pj.reset(proj_create(m.context.get(), m.proj_string.c_str()));
    if (!m.pj)
        throw DataError(fmt::format("map: PROJ cannot build \"{}\" ({})", m.proj_string,
                                    proj_context_errno_string(m.context.get(), proj_context_errno(m.context.get()))));

    // Fit the extent's outline (its edges sampled, so curved parallels count) about the centre.
    constexpr int samples = 64;
    std::vector<double> xs, ys;
    for (int i = 0; i <= samples; ++i) {
        const double f = static_cast<double>(i) / samples;
        const double lon = extent.min_lon + f * (extent.max_lon - extent.min_lon);
        const double lat = extent.min_lat + f * (extent.max_lat - extent.min_lat);
        xs.insert(xs.end(), {lon, lon, extent.min_lon, extent.max_lon, lon});
        ys.insert(ys.end(), {extent.min_lat, extent.max_lat, lat, lat, m.centre.lat});
    }
    m.forward(xs, ys);
    double max_x = 0, max_y = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        if (std::isnan(xs[i])) continue;
        max_x = std::max(max_x, std::fabs(xs[i]));
        max_y = std::max(max_y, std::fabs(ys[i]));
    }
    if (max_x <= 0 || max_y <= 0) throw DataError(fmt::format("map: cannot project the extent with \"{}\"", m.proj_string));
    m.px_per_m = std::min((frame.width_px - 2 * padding_px) / (2 * max_x), (frame.height_px - 2 * padding_px) / (2 * max_y));
    m.centre_x_px = frame.x_px + frame.width_px / 2;
    m.centre_y_px = frame.y_px + frame.height_px / 2;
}

MapProjection::~MapProjection() = default;
MapProjection::MapProjection(MapProjection&&) noexcept = default;
MapProjection& MapProjection::operator=(MapProjection&&) noexcept = default;

const std::string& MapProjection::proj_string() const { return impl_->proj_string; }
const std::string& MapProjection::description() const { return impl_->description; }
LonLat MapProjection::centre() const { return impl_->centre; }
const PixelRect& MapProjection::frame() const { return impl_->frame; }
double MapProjection::metres_per_px() const { return 1.0 / impl_->px_per_m; }

PixelXY MapProjection::to_pixel(LonLat p) const { return to_pixels({p})[0]; }

std::vector<PixelXY> MapProjection::to_pixels(const std::vector<LonLat>& points) const {
    std::vector<double> x(points.size()), y(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) x[i] = points[i].lon, y[i] = points[i].lat;
    impl_->forward(x, y);
    std::vector<PixelXY> out(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) out[i] = std::isnan(x[i]) ? PixelXY{nan, nan} : impl_->to_pixel(x[i], y[i]);
    return out;
}

LonLat MapProjection::to_lonlat(PixelXY p) const {
    PJ_COORD c = proj_coord((p.x_px - impl_->centre_x_px) / impl_->px_per_m, (impl_->centre_y_px - p.y_px) / impl_->px_per_m, 0, 0);
    c = proj_trans(impl_->pj.get(), PJ_INV, c);
    proj_errno_reset(impl_->pj.get());
    if (c.lp.lam == HUGE_VAL || !std::isfinite(c.lp.lam) || !std::isfinite(c.lp.phi)) return {nan, nan};
    return {c.lp.lam / deg, c.lp.phi / deg};
}

// ---------------------------------------------------------------------------------------------
// Output paths

MapFormat map_format_for_path(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".png") return MapFormat::Png;
    if (ext == ".svg") return MapFormat::Svg;
    throw UsageError(fmt::format("output \"{}\": unknown map format; name it .png or .svg", path));
}

void check_map_output_path(const std::string& path) {
    map_format_for_path(path);
    check_writable_file(path);
}

namespace {

// ---------------------------------------------------------------------------------------------
// Colours and sizes

struct Rgba {
    double r = 0, g = 0, b = 0, a = 1;
    bool none = false;
};

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

void set_color(cairo_t* cr, const Rgba& c, double opacity = 1) { cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a * opacity); }

// Colours for values the caller gave none, in sorted order of the values.
constexpr std::array<const char*, 8> palette = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"};

std::string value_text(const nlohmann::json& v) {
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    return v.dump();
}

bool rects_overlap(const PixelRect& a, const PixelRect& b) {
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

bool rect_inside(const PixelRect& inner, const PixelRect& outer) {
    return inner.x_px >= outer.x_px && inner.y_px >= outer.y_px && inner.x_px + inner.width_px <= outer.x_px + outer.width_px &&
           inner.y_px + inner.height_px <= outer.y_px + outer.height_px;
}

// ---------------------------------------------------------------------------------------------
// Text (cairo's toy API, drawn as outlines so SVG output needs no fonts)

struct Font {
    double size_px = 11;
    bool bold = false;
    bool italic = false;
};

void select_font(cairo_t* cr, const Font& font) {
    cairo_select_font_face(cr, "DejaVu Sans", font.italic ? CAIRO_FONT_SLANT_OBLIQUE : CAIRO_FONT_SLANT_NORMAL,
                           font.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, font.size_px);
}

struct TextBox {
    double width = 0, ascent = 0, descent = 0;
    double height() const { return ascent + descent; }
};

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
// glyphs (an SVG defines each once), the halo an outline.
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
};

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

// ---------------------------------------------------------------------------------------------
// The renderer

class Renderer {
public:
    Renderer(const std::vector<MapLayer>& layers, const MapOptions& options) : layers_(layers), options_(options) { validate(); }

    void draw(cairo_t* cr);
    // What the map shows, in words (an SVG's <desc>): subtitle, legend, scale bar, projection.
    std::string description() const;

private:
    void validate();
    void layout(cairo_t* cr);
    void project_layers();
    void draw_layer(cairo_t* cr, const DrawnLayer& layer) const;
    void draw_hatch(cairo_t* cr, const ResolvedStyle& style) const;
    void draw_graticule_lines(cairo_t* cr);
    void draw_graticule_labels(cairo_t* cr);
    void draw_labels(cairo_t* cr);
    void legend_entries();
    void place_legend();
    void draw_legend(cairo_t* cr) const;
    void draw_scale_and_north(cairo_t* cr) const;
    void draw_title_and_credit(cairo_t* cr) const;
    bool place(const PixelRect& r, bool force);

    double px(double size_at_1200) const { return size_at_1200 * ui_; }

    const std::vector<MapLayer>& layers_;
    const MapOptions& options_;
    double ui_ = 1;  // sizes are given for a 1200 x 900 map and scale with the image
    PixelRect frame_;
    std::optional<MapProjection> projection_;
    std::vector<DrawnLayer> drawn_;
    Extent visible_;                // lon/lat box around the frame
    Geometry inner_frame_;     // the frame (inset) as a lon/lat polygon, for label anchors
    PixelRect inner_frame_rect_;    // the same in pixels
    RectIndex taken_;               // labels and boxes placed so far
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
    };
    std::vector<LegendEntry> legend_;
    PixelRect legend_rect_, scale_rect_;
    LegendPosition legend_corner_ = LegendPosition::TopRight;
    double scale_bar_km_ = 0, scale_bar_px_ = 0;
    double north_angle_rad_ = 0;  // clockwise from up
    std::string credit_;
};

void Renderer::validate() {
    if (options_.width_px < 200 || options_.width_px > 10000 || options_.height_px < 200 || options_.height_px > 10000)
        throw UsageError(fmt::format("map: size {} x {} px is out of range (200 to 10000 each)", options_.width_px, options_.height_px));
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
        for (double d : l.style.dash_px)
            if (!(d >= 0)) throw UsageError(fmt::format("map: layer \"{}\" has a negative dash", l.title));
    }
}

void Renderer::layout(cairo_t* cr) {
    const double w = options_.width_px, h = options_.height_px;
    ui_ = std::clamp(std::min(w / 1200.0, h / 900.0), 0.5, 4.0);
    double top = px(10);
    if (!options_.title.empty()) top += measure(cr, options_.title, {px(21), true, false}).height() + px(8);
    if (!options_.subtitle.empty()) top += measure(cr, options_.subtitle, {px(13)}).height() + px(6);
    if (!options_.title.empty() || !options_.subtitle.empty()) top += px(4);
    const double bottom = px(22);
    frame_ = {px(10), top, w - px(20), h - top - bottom};
    if (frame_.height_px < 50 || frame_.width_px < 50) throw UsageError("map: the image is too small for its title");
}

void Renderer::project_layers() {
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
                            for (double dx : {-1.0, 0.0, 1.0})
                                for (double dy : {-1.0, 0.0, 1.0}) occupancy_.mark({ring[0].x_px + dx * px(8), ring[0].y_px + dy * px(8)}, 4);
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

void add_rings(cairo_t* cr, const Part& part) {
    for (const auto& ring : part.rings) {
        cairo_move_to(cr, ring[0].x_px, ring[0].y_px);
        for (std::size_t i = 1; i < ring.size(); ++i) cairo_line_to(cr, ring[i].x_px, ring[i].y_px);
        if (part.dimension == 2) cairo_close_path(cr);
    }
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
        }
    }
    cairo_set_dash(cr, nullptr, 0, 0);
}

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
                    const double r = px(layer.style.style.marker_radius_px) + 1;
                    taken_.add({part.rings[0][0].x_px - r, part.rings[0][0].y_px - r, 2 * r, 2 * r});
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
                std::vector<PixelRect> candidates;
                for (double gap : {px(l.style.marker_radius_px) + px(3), px(l.style.marker_radius_px) + px(9), px(l.style.marker_radius_px) + px(18)}) {
                    const double d = gap * 0.75;
                    candidates.insert(candidates.end(), {
                        {p.x_px + gap, p.y_px - h / 2, w, h},           // right
                        {p.x_px - gap - w, p.y_px - h / 2, w, h},       // left
                        {p.x_px + d, p.y_px - d - h, w, h},             // upper right
                        {p.x_px + d, p.y_px + d, w, h},                 // lower right
                        {p.x_px - d - w, p.y_px - d - h, w, h},         // upper left
                        {p.x_px - d - w, p.y_px + d, w, h},             // lower left
                        {p.x_px - w / 2, p.y_px - gap - h, w, h},       // above
                        {p.x_px - w / 2, p.y_px + gap, w, h},           // below
                    });
                }
                for (const auto& c : candidates)
                    if (place(c, false)) {
                        chosen = c;
                        break;
                    }
                if (!chosen && place(candidates.front(), true)) chosen = candidates.front();
            } else {
                if (it->dimension == 2 && (f.anchor_radius_px < h * 0.6 || f.anchor_radius_px * 2.6 < w)) continue;
                const PixelRect c{p.x_px - w / 2, p.y_px - h / 2, w, h};
                if (place(c, false)) chosen = c;
            }
            if (chosen) draw_text(cr, f.label, chosen->x_px, chosen->y_px + tb.ascent, font, color, halo);
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
                draw_text(cr, text, r.x_px, r.y_px + tb.ascent, font, color, px(3));
                break;
            }
        }
    }
}

void Renderer::legend_entries() {
    if (!options_.legend) return;
    for (auto it = drawn_.rbegin(); it != drawn_.rend(); ++it) {
        const MapLayer& l = *it->source;
        if (l.title.empty() || it->dimension < 0) continue;
        if (!it->legend_values.empty() && l.legend_values) {
            legend_.push_back({true, it->dimension, it->style, l.title, false});
            for (const auto& [value, color] : it->legend_values)
                legend_.push_back({false, it->dimension, with_value(it->style, it->dimension, color), value.empty() ? "(no value)" : value, true});
        } else {
            legend_.push_back({false, it->dimension, it->style, l.title, false});
        }
    }
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
    if (!legend_.empty()) {
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
    if (options_.scale_bar || options_.north_arrow) {
        const double w = px(16) + (options_.north_arrow ? px(34) : 0) + (options_.scale_bar ? scale_bar_px_ + px(30) : 0);
        const double h = px(54);
        scale_rect_ = corner_rect(legend_.empty() || legend_corner_ != LegendPosition::BottomLeft ? LegendPosition::BottomLeft : LegendPosition::BottomRight,
                                  w, h);
        taken_.add(scale_rect_);
    }
}

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

void Renderer::draw_legend(cairo_t* cr) const {
    if (legend_.empty()) return;
    panel(cr, legend_rect_, ui_);
    const double pad = px(10), row = px(19), sym_w = px(26), sym_h = px(13), indent = px(12);
    double y = legend_rect_.y_px + pad;
    const Font font{px(12)}, heading{px(12), true};
    const Rgba text_color{0.1, 0.1, 0.1, 1, false};
    for (const auto& e : legend_) {
        const double x = legend_rect_.x_px + pad + (e.indent ? indent : 0);
        const double mid = y + row / 2;
        if (e.heading) {
            const TextBox tb = measure(cr, e.text, heading);
            draw_text(cr, e.text, x, mid + tb.ascent / 2, heading, text_color, 0);
            y += row;
            continue;
        }
        // The symbol, drawn as the layer is (sizes capped to the symbol box).
        ResolvedStyle s = e.style;
        s.style.stroke_width_px = std::min(s.style.stroke_width_px, 4.0);
        s.style.marker_radius_px = std::min(s.style.marker_radius_px, 6.0);
        DrawnLayer one;
        one.style = s;
        DrawnFeature f;
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
        draw_text(cr, e.text, x + sym_w + px(8), mid + tb.ascent / 2, font, text_color, 0);
        y += row;
    }
}

void Renderer::draw_scale_and_north(cairo_t* cr) const {
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
        draw_text(cr, "N", -tb.width / 2, -len - px(3), nf, dark, 0);
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
            draw_text(cr, text, tx, y - px(5), font, dark, 0);
        }
        const Font small{px(9)};
        draw_text(cr, "scale along the map's centre (geodesic)", x, y + h + px(10), small, {0.35, 0.35, 0.35, 1, false}, 0);
    }
}

void Renderer::draw_title_and_credit(cairo_t* cr) const {
    double y = px(10);
    const Rgba dark{0.08, 0.08, 0.08, 1, false}, grey{0.33, 0.33, 0.33, 1, false};
    const double width = frame_.width_px;
    if (!options_.title.empty()) {
        const Font f = fit(cr, options_.title, {px(21), true, false}, width);
        const TextBox tb = measure(cr, options_.title, {px(21), true, false});  // the band keeps its height
        draw_text(cr, options_.title, frame_.x_px, y + tb.ascent, f, dark, 0);
        y += tb.height() + px(8);
    }
    if (!options_.subtitle.empty()) {
        const Font f = fit(cr, options_.subtitle, {px(13)}, width);
        draw_text(cr, options_.subtitle, frame_.x_px, y + measure(cr, options_.subtitle, {px(13)}).ascent, f, grey, 0);
    }
    std::string credit = options_.credit;
    if (options_.projection_note) credit += (credit.empty() ? "" : " · ") + projection_->description();
    if (!credit.empty()) {
        const Font f = fit(cr, credit, {px(10)}, width);
        draw_text(cr, credit, frame_.x_px, frame_.y_px + frame_.height_px + px(6) + measure(cr, credit, {px(10)}).ascent, f, grey, 0);
    }
}

void Renderer::draw(cairo_t* cr) {
    std::unique_ptr<cairo_font_options_t, FontOptionsDeleter> fo(cairo_font_options_create());
    cairo_font_options_set_hint_metrics(fo.get(), CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo.get(), CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_antialias(fo.get(), CAIRO_ANTIALIAS_GRAY);
    cairo_set_font_options(cr, fo.get());

    layout(cr);
    project_layers();
    legend_entries();
    if (!legend_.empty()) {
        double width = 0;
        for (const auto& e : legend_)
            width = std::max(width, (e.indent ? px(12) : 0) + (e.heading ? 0 : px(34)) + measure(cr, e.text, {px(12), e.heading}).width);
        legend_rect_.width_px = width + px(20);
        legend_rect_.height_px = static_cast<double>(legend_.size()) * px(19) + px(20);
    }
    place_legend();

    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_save(cr);
    cairo_new_path(cr);
    cairo_rectangle(cr, frame_.x_px, frame_.y_px, frame_.width_px, frame_.height_px);
    cairo_clip(cr);
    set_color(cr, parse_color(options_.background, "background"));
    cairo_paint(cr);
    for (const auto& layer : drawn_) draw_layer(cr, layer);
    if (options_.graticule) draw_graticule_lines(cr);
    draw_labels(cr);
    if (options_.graticule) draw_graticule_labels(cr);
    cairo_restore(cr);

    cairo_new_path(cr);
    cairo_rectangle(cr, frame_.x_px, frame_.y_px, frame_.width_px, frame_.height_px);
    cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
    cairo_set_line_width(cr, px(1));
    cairo_stroke(cr);
    draw_legend(cr);
    draw_scale_and_north(cr);
    draw_title_and_credit(cr);
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

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
}

void check_cairo(cairo_status_t status, const char* what) {
    if (status != CAIRO_STATUS_SUCCESS) throw DataError(fmt::format("map: {} failed ({})", what, cairo_status_to_string(status)));
}

// Path data with two decimals (a hundredth of a pixel): cairo writes six.
std::string round_path_data(const std::string& svg) {
    std::string out;
    out.reserve(svg.size());
    std::size_t i = 0;
    while (i < svg.size()) {
        const std::size_t d = svg.find(" d=\"", i);
        if (d == std::string::npos) break;
        const std::size_t start = d + 4, end = svg.find('"', start);
        if (end == std::string::npos) break;
        out.append(svg, i, start - i);
        for (std::size_t k = start; k < end;) {
            const char c = svg[k];
            if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.') {
                std::size_t stop = k + 1;
                while (stop < end && (std::isdigit(static_cast<unsigned char>(svg[stop])) || svg[stop] == '.')) ++stop;
                const std::string number = svg.substr(k, stop - k);
                if (number.find('.') == std::string::npos) {
                    out += number;
                } else {
                    std::string r = fmt::format("{:.2f}", std::strtod(number.c_str(), nullptr));
                    while (r.back() == '0') r.pop_back();
                    if (r.back() == '.') r.pop_back();
                    if (r == "-0") r = "0";
                    out += r;
                }
                k = stop;
            } else {
                out += c;
                ++k;
            }
        }
        i = end;
    }
    out.append(svg, i, std::string::npos);
    return out;
}

// Cairo numbers some ids (surfaces, images, sources) by process-wide counters; renumber them in
// order of appearance so that the same map gives the same document every time.
std::string renumber_global_ids(const std::string& svg) {
    std::string out;
    out.reserve(svg.size());
    std::map<std::string, std::map<std::string, int>> numbers;  // kind -> old number -> new
    std::size_t i = 0;
    while (i < svg.size()) {
        bool matched = false;
        if (svg[i] == '"' || svg[i] == '#') {
            for (const char* kind : {"surface", "image", "source"}) {
                const std::size_t len = std::strlen(kind);
                if (svg.compare(i + 1, len, kind) != 0) continue;
                std::size_t end = i + 1 + len;
                while (end < svg.size() && std::isdigit(static_cast<unsigned char>(svg[end]))) ++end;
                if (end == i + 1 + len || end >= svg.size() || (svg[end] != '"' && svg[end] != ')')) continue;
                auto& seen = numbers[kind];
                const std::string old = svg.substr(i + 1 + len, end - i - 1 - len);
                const auto it = seen.emplace(old, static_cast<int>(seen.size()) + 1).first;
                out += svg[i];
                out += kind + std::to_string(it->second);
                i = end;
                matched = true;
                break;
            }
        }
        if (!matched) out += svg[i++];
    }
    return out;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
}

}  // namespace

std::string render_map_svg(const std::vector<MapLayer>& layers, const MapOptions& options) {
    Renderer renderer(layers, options);
    std::string svg;
    std::string description;
    {
        SurfacePtr surface(cairo_svg_surface_create_for_stream(&append_bytes, &svg, options.width_px, options.height_px));
        check_cairo(cairo_surface_status(surface.get()), "creating the SVG surface");
        cairo_svg_surface_restrict_to_version(surface.get(), CAIRO_SVG_VERSION_1_1);
        cairo_svg_surface_set_document_unit(surface.get(), CAIRO_SVG_UNIT_PX);
        {
            CairoPtr cr(cairo_create(surface.get()));
            renderer.draw(cr.get());
            check_cairo(cairo_status(cr.get()), "drawing the map");
        }
        description = renderer.description();
        cairo_surface_finish(surface.get());
        check_cairo(cairo_surface_status(surface.get()), "writing the SVG");
    }
    // No XML declaration (the document may be inlined in HTML), ids prefixed, a <title> and a <desc>.
    const auto start = svg.find("<svg");
    if (start == std::string::npos) throw DataError("map: cairo wrote no <svg> element");
    svg.erase(0, start);
    svg = renumber_global_ids(round_path_data(svg));
    if (!options.svg_id_prefix.empty()) {
        replace_all(svg, "id=\"", "id=\"" + options.svg_id_prefix);
        replace_all(svg, "url(#", "url(#" + options.svg_id_prefix);
        replace_all(svg, "href=\"#", "href=\"#" + options.svg_id_prefix);
    }
    std::string head;
    if (!options.title.empty()) head += "\n<title>" + markup_escape(options.title) + "</title>";
    head += "\n<desc>" + markup_escape(description) + "</desc>";
    svg.insert(svg.find('>') + 1, head);
    return svg;
}

std::string render_map_png(const std::vector<MapLayer>& layers, const MapOptions& options) {
    Renderer renderer(layers, options);
    SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, options.width_px, options.height_px));
    check_cairo(cairo_surface_status(surface.get()), "creating the image");
    {
        CairoPtr cr(cairo_create(surface.get()));
        renderer.draw(cr.get());
        check_cairo(cairo_status(cr.get()), "drawing the map");
    }
    cairo_surface_flush(surface.get());
    std::string png;
    check_cairo(cairo_surface_write_to_png_stream(surface.get(), &append_bytes, &png), "encoding the PNG");
    return png;
}

void render_map_file(const std::vector<MapLayer>& layers, const MapOptions& options, const std::string& path) {
    const MapFormat format = map_format_for_path(path);
    check_map_output_path(path);
    const std::string bytes =
        format == MapFormat::Svg ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + render_map_svg(layers, options) : render_map_png(layers, options);
    write_file_atomic(path, bytes);
}

}  // namespace dza
