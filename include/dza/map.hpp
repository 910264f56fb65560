#pragma once
// Maps of layers for reports, slides and print: drawn with cairo, as SVG (for inline use in HTML or
// a file), PDF or PNG, in a conformal projection fitted to the area shown.
//
// Projection. A Lambert conformal conic on the WGS84 ellipsoid (PROJ), centred on the middle of
// the map's extent, with standard parallels at 1/6 and 5/6 of its latitude span: shapes and
// bearings are true everywhere, the scale error stays under about 0.5% across an area the size of
// Ukraine, and the central meridian is vertical, so north is up at the centre. An extent that
// reaches the equator or spans more than 60 degrees of latitude gets a Lambert azimuthal
// equal-area projection about its centre instead. Every edge is densified in lon/lat (at most
// 0.2 degrees a step) before it is projected, so parallels and long edges curve as they should.
//
// Map furniture. A title band, a graticule labelled along the frame, a legend (one entry a layer,
// or one a colour value; long entries wrapped), by default in a panel beside the frame, a scale
// bar of a round length measured geodesically along the map's
// centre, a north arrow along the projected meridian at the centre, and a credit line.
//
// Output is deterministic: the same layers and options give the same bytes (a fixed font,
// "DejaVu Sans", no timestamps).
//
// Sizes. A map is width_px x height_px CSS pixels (1/96 inch): the SVG's size, the PDF's page
// (3/4 point a pixel) and, at the default 96 dpi, the PNG's. A PNG at another resolution gets
// dpi/96 times as many pixels and the same layout, and records its dpi (pHYs), so all three print
// at the same size.
//
// Editing. Text stays text: the PDF embeds subsets of DejaVu Sans (text can be searched and
// copied); the SVG has <text> elements ("DejaVu Sans", its halo a white stroke painted first) and
// one <g id> a part of the map, in drawing order: background, layer-<id> for each layer,
// graticule, labels, graticule-labels, frame, legend, scale-bar, title, credit (ids prefixed by
// MapOptions::svg_id_prefix), for Inkscape or a slide program to move, hide or restyle.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dza/geometry.hpp"
#include "dza/layer.hpp"

namespace dza {

// A position on the image in pixels: x to the right, y down, from the top-left corner.
struct PixelXY {
    double x_px = 0;
    double y_px = 0;
};

struct PixelRect {
    double x_px = 0, y_px = 0, width_px = 0, height_px = 0;
};

// The projection of a map: lon/lat to image pixels. It centres `extent`'s middle in `frame` and
// scales the whole extent (with `padding_px` to spare on every side) to fit it.
class MapProjection {
public:
    MapProjection(const Extent& extent, const PixelRect& frame, double padding_px = 0);
    ~MapProjection();
    MapProjection(MapProjection&&) noexcept;
    MapProjection& operator=(MapProjection&&) noexcept;
    MapProjection(const MapProjection&) = delete;
    MapProjection& operator=(const MapProjection&) = delete;

    const std::string& proj_string() const;  // e.g. "+proj=lcc +lat_0=48.4 ... +ellps=WGS84"
    const std::string& description() const;  // e.g. "Lambert conformal conic, standard parallels 45.7°N and 51.0°N"
    LonLat centre() const;                    // the extent's middle, drawn at the frame's centre
    const PixelRect& frame() const;
    double metres_per_px() const;  // on the projection plane (true scale on the standard parallels)

    PixelXY to_pixel(LonLat p) const;   // NaN coordinates where PROJ cannot project the point
    std::vector<PixelXY> to_pixels(const std::vector<LonLat>& points) const;  // the same for many, faster
    LonLat to_lonlat(PixelXY p) const;  // NaN coordinates where PROJ cannot invert the point

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Colours are "#rrggbb" or "#rrggbbaa"; "none" draws nothing. Sizes in pixels are those of a
// 1200 x 900 map: they scale with the image (by the smaller of width/1200 and height/900), so a
// larger image shows the same map in more detail.
struct MapStyle {
    std::string stroke = "#333333";
    std::string fill = "none";
    double fill_opacity = 1;
    double stroke_opacity = 1;
    double stroke_width_px = 1;
    std::vector<double> dash_px;     // dash pattern; empty: solid
    double marker_radius_px = 4;     // points
    double hatch_spacing_px = 0;     // > 0: polygons hatched with diagonal lines of the stroke colour
};

struct MapLabelStyle {
    double size_px = 11;
    std::string color = "#222222";
    bool bold = false;
    bool italic = false;
    bool uppercase = false;
    bool halo = true;  // a white outline around the letters
};

struct MapLayer {
    std::string id;                // the SVG group's id is "layer-" and this (e.g. "regions"); "" for one from the title
    std::string title;             // legend entry; "" keeps the layer out of the legend
    const Layer* layer = nullptr;  // features in WGS84 lon/lat (points, lines, polygons)
    MapStyle style;
    // Colour by value: the value of `color_field` picks the colour (the fill of points and filled
    // polygons, else the stroke). Values without a colour get one from a fixed palette, in sorted
    // order. Text, numbers and booleans ("true", "false") match.
    std::string color_field;
    std::vector<std::pair<std::string, std::string>> colors;  // value -> colour, in legend order
    bool legend_values = true;  // false: one legend entry in the style's colours, not one a value
    std::string label_field;    // text labels from this field; "" for none
    MapLabelStyle label;
    bool focus = false;       // the default extent is the union of the focus layers (all layers when none is)
    bool background = false;  // context only (neighbours): the legend may cover it
    // A boolean field: features where it is false (e.g. deployments that fail a plan check) get a
    // red ring around their marker, and the legend an entry `fail_title` when any is drawn.
    std::string fail_field;
    std::string fail_title = "fails the check";
};

enum class LegendPosition { Auto, TopLeft, TopRight, BottomLeft, BottomRight };

struct MapOptions {
    int width_px = 1200, height_px = 900;  // 200 to 10000
    std::string title;
    std::string subtitle;  // under the title, smaller
    std::string credit;    // a small line at the bottom of the map (sources, caveats)
    bool projection_note = true;  // append the projection's description to the credit
    std::optional<Extent> extent;  // default: the focus layers' extent
    double margin_pct = 4;         // around the extent, in % of the frame
    std::string background = "#ffffff";  // the map frame's background (e.g. the sea's colour)
    bool legend = true, scale_bar = true, north_arrow = true, graticule = true;
    // Auto: a panel beside the map frame (right), with the scale bar and north arrow under it, so
    // that they hide nothing of the map; the emptiest corner inside the frame when the panel would
    // take more than 40% of the width. A corner: inside the frame, there.
    LegendPosition legend_position = LegendPosition::Auto;
    std::string background_title;  // a legend entry for the background (e.g. "Sea"); "" for none
    std::string svg_id_prefix = "dza-map-";  // prefixes ids in the SVG, so several maps fit in one page
    // > 0: sizes in pixels (text, lines, markers) scale by this instead of by the image size
    // (0.25 to 4), e.g. for small maps shown side by side whose text must stay readable.
    double ui_scale = 0;
    // PNG only: dots per inch (24 to 1200). The image gets dpi/96 times width_px x height_px pixels
    // (at most 10000 each) with the same layout, and a pHYs chunk that records the resolution.
    int dpi = 96;
};

enum class MapFormat { Png, Svg, Pdf };

// The format for a path's extension (.png, .svg, .pdf, any case); UsageError for another.
MapFormat map_format_for_path(const std::string& path);
// Checks before any work that a map can be written to `path` (known extension, existing writable folder).
void check_map_output_path(const std::string& path);

// A complete SVG document without an XML declaration (so it can be inlined in HTML), with a
// <title> and a <desc> that says in words what the map shows (legend entries, scale bar,
// projection). UsageError for bad options, colours or fields, DataError for a failed drawing.
std::string render_map_svg(const std::vector<MapLayer>& layers, const MapOptions& options);
// PNG file bytes (8-bit RGB, width_px x height_px times dpi/96, rounded), with a pHYs chunk of the dpi.
std::string render_map_png(const std::vector<MapLayer>& layers, const MapOptions& options);
// PDF file bytes: one page of width_px x height_px at 96 px an inch (0.75 pt a pixel), vector, text
// as text with embedded font subsets; no creation date, so the same map gives the same bytes.
std::string render_map_pdf(const std::vector<MapLayer>& layers, const MapOptions& options);
// The PNG's width and height in pixels for the options' size and dpi; UsageError for a dpi out of
// range or a side over 10000 pixels.
std::pair<int, int> map_png_size_px(const MapOptions& options);
// The map drawn to pixels (as the PNG at 96 dpi), with where its parts went: for checks that a
// map stays readable (labels apart, nothing under the legend, only colours the legend shows).
struct MapRaster {
    int width_px = 0, height_px = 0;
    std::vector<std::uint32_t> pixels;  // 0xRRGGBB, row by row from the top
    PixelRect frame;
    std::optional<PixelRect> legend, scale_bar;
    std::vector<std::pair<std::string, PixelRect>> labels;  // features' labels (not the graticule's)
    std::vector<PixelRect> markers;                         // points' markers, with a failing ring if any
};
MapRaster render_map_raster(const std::vector<MapLayer>& layers, const MapOptions& options);
// Writes .png, .svg or .pdf by the extension, atomically: drawn in full, written next to the target,
// then renamed into place. UsageError for another extension or an unwritable folder.
void render_map_file(const std::vector<MapLayer>& layers, const MapOptions& options, const std::string& path);

}  // namespace dza
