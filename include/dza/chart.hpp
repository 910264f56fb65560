#pragma once
// Line charts of figures against a varied parameter, as PNG or SVG (cairo; the SVG's text is real
// <text>). Output is deterministic: the same chart gives the same bytes.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dza {

// A parameter's key split into a title and a unit by its name's suffix: "standoff_km" ->
// {"standoff", "km"}; _km2 km², _km km, _m m, _s s, _pct %, _kmh km/h; no known suffix: no unit.
// Underscores in the title become spaces.
struct AxisName {
    std::string title;
    std::string unit;
};
AxisName axis_name(const std::string& key);

// Nice tick values (1, 2 or 5 times a power of ten apart) from at or below `lo` to at or above
// `hi`, about `target` of them. lo == hi is widened around the value; no finite bound: {0, 1}.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

struct ChartSeries {
    std::string name;       // the figure, in the legend
    std::string unit;       // "" for a count
    std::vector<double> y;  // one a point of x; NaN where there is no value
};

struct Chart {
    std::string title;
    std::string x_key;           // the varied parameter's key (its title and unit: axis_name)
    std::vector<std::string> x;  // its values: numeric when every one reads as a number, else
                                 // categories at evenly spaced labels, in this order
    std::vector<ChartSeries> series;
    std::string y_title;  // default: the series' name when one, else "value"; with " (unit)" when they share it
    int width_px = 800;
    int height_px = 500;
};

// Where values land: the plot area in pixels and the axes' ranges (the outer ticks). A numeric x
// maps x_min..x_max to left..right; categories i of n sit at left + (i + 0.5) (right - left) / n.
struct ChartAxes {
    double left_px = 0, top_px = 0, right_px = 0, bottom_px = 0;
    double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
    bool categorical = false;
};
ChartAxes chart_axes(const Chart& chart);

// The chart drawn on white: pixels 0xRRGGBB row by row from the top left.
struct ChartImage {
    int width_px = 0;
    int height_px = 0;
    std::vector<std::uint32_t> pixels;
};
ChartImage chart_image(const Chart& chart);
std::string chart_png(const Chart& chart);  // the image above as PNG bytes
std::string chart_svg(const Chart& chart);  // an SVG 1.1 document

// The chart to `path`, as PNG or SVG by its extension (.png, .svg), atomically. UsageError for
// another extension.
void write_chart(const Chart& chart, const std::filesystem::path& path);

}  // namespace dza
