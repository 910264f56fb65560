#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>

#include "dza/chart.hpp"
#include "dza/error.hpp"
#include "helpers.hpp"

using namespace dza;

namespace {

// Is `step` 1, 2 or 5 times a power of ten?
bool nice_step(double step) {
    const double f = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    return std::abs(f - 1) < 1e-9 || std::abs(f - 2) < 1e-9 || std::abs(f - 5) < 1e-9;
}

Chart one_series() {
    Chart c;
    c.title = "Eligible area by stand-off";
    c.x_key = "standoff_km";
    c.x = {"50", "100", "150", "200"};
    c.series = {{"eligible area", "km²", {400, 300, 250, 100}}};
    return c;
}

}  // namespace

TEST_CASE("chart: ticks are nice numbers covering the range", "[chart]") {
    const std::pair<double, double> ranges[] = {{0, 1},      {50, 200},       {0.013, 0.087}, {-3.2, 7.9}, {402291.3, 488120.7},
                                                {99.5, 100}, {-1e-3, -2e-4}, {12, 12},      {0, 0},      {1e6, 3.3e9}};
    for (const auto& [lo, hi] : ranges) {
        INFO(fmt::format("{} .. {}", lo, hi));
        const std::vector<double> t = nice_ticks(lo, hi);
        REQUIRE(t.size() >= 2);
        CHECK(t.size() <= 12);
        CHECK(t.front() <= lo);
        CHECK(t.back() >= hi);
        const double step = t[1] - t[0];
        CHECK(nice_step(step));
        for (std::size_t i = 1; i < t.size(); ++i) CHECK(t[i] - t[i - 1] == Approx(step).epsilon(1e-9));
        // Each tick a whole multiple of the step, and no empty step at either end.
        for (double v : t) CHECK(std::abs(v / step - std::round(v / step)) < 1e-6);
        if (lo != hi) {
            CHECK(t[1] > lo);
            CHECK(t[t.size() - 2] < hi);
        }
    }
    CHECK(nice_ticks(50, 200) == std::vector<double>{50, 100, 150, 200});
    CHECK(nice_ticks(99.5, 100) == std::vector<double>{99.5, 99.6, 99.7, 99.8, 99.9, 100});
    CHECK(nice_ticks(0, 100, 6) == std::vector<double>{0, 20, 40, 60, 80, 100});
}

TEST_CASE("chart: axis names and units from the key's suffix", "[chart]") {
    CHECK(axis_name("standoff_km").title == "standoff");
    CHECK(axis_name("standoff_km").unit == "km");
    CHECK(axis_name("altitude_m").unit == "m");
    CHECK(axis_name("covered_pct").unit == "%");
    CHECK(axis_name("solve_s").unit == "s");
    CHECK(axis_name("area_km2").unit == "km²");
    CHECK(axis_name("layers.line").unit.empty());
    CHECK(axis_name("layers.line").title == "layers.line");
    CHECK(axis_name("max_range_km").title == "max range");
}

TEST_CASE("chart: the SVG names the axes, the title and the series in <text>", "[chart]") {
    Chart c = one_series();
    c.series.push_back({"line coverage & <gaps>", "%", {10, 20, 30, 40}});
    const std::string svg = chart_svg(c);
    CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    CHECK_THAT(svg, Catch::Contains(">standoff (km)</text>"));
    CHECK_THAT(svg, Catch::Contains(">Eligible area by stand-off</text>"));
    CHECK_THAT(svg, Catch::Contains(">eligible area (km²)</text>"));
    CHECK_THAT(svg, Catch::Contains(">line coverage &amp; &lt;gaps&gt; (%)</text>"));
    CHECK_THAT(svg, Catch::Contains(">value</text>"));  // two units: no one unit on the y axis
    CHECK_THAT(svg, Catch::Contains(">200</text>"));    // an x tick
    CHECK(svg == chart_svg(c));                         // deterministic

    // Categories: one label each, in the order given.
    Chart k = one_series();
    k.x_key = "layers.line";
    k.x = {"lines/a.geojson", "lines/b.geojson", "lines/c.geojson", "lines/d.geojson"};
    const std::string ksvg = chart_svg(k);
    const auto a = ksvg.find(">lines/a.geojson</text>"), d = ksvg.find(">lines/d.geojson</text>");
    CHECK(a != std::string::npos);
    CHECK(d != std::string::npos);
    CHECK(a < d);
    CHECK(chart_axes(k).categorical);
}

TEST_CASE("chart: the PNG's line passes where its values map", "[chart]") {
    const Chart c = one_series();
    const std::string png = chart_png(c);
    REQUIRE(png.size() > 24);
    CHECK(png.substr(1, 3) == "PNG");
    const auto be32 = [&](std::size_t at) {
        unsigned v = 0;
        for (std::size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(png[at + i]);
        return v;
    };
    CHECK(be32(16) == static_cast<unsigned>(c.width_px));
    CHECK(be32(20) == static_cast<unsigned>(c.height_px));
    CHECK(png == chart_png(c));

    const ChartImage image = chart_image(c);
    REQUIRE(image.pixels.size() == static_cast<std::size_t>(c.width_px * c.height_px));
    std::size_t not_white = 0;
    for (auto p : image.pixels) not_white += p != 0xffffff;
    CHECK(not_white > 2000);

    // The axes span the outer ticks of the values' ranges.
    const ChartAxes ax = chart_axes(c);
    CHECK(ax.x_min == nice_ticks(50, 200).front());
    CHECK(ax.x_max == nice_ticks(50, 200).back());
    CHECK(ax.y_min == nice_ticks(100, 400).front());
    CHECK(ax.y_max == nice_ticks(100, 400).back());
    // The series' colour (#1f77b4) in a pixel column: the mean row of the pixels near that colour.
    const auto line_y = [&](int x) {
        double sum = 0, count = 0;
        for (int y = 0; y < image.height_px; ++y) {
            const auto p = image.pixels[static_cast<std::size_t>(y * image.width_px + x)];
            const int r = static_cast<int>(p >> 16 & 0xff), g = static_cast<int>(p >> 8 & 0xff), b = static_cast<int>(p & 0xff);
            if (std::abs(r - 0x1f) + std::abs(g - 0x77) + std::abs(b - 0xb4) < 60) sum += y, count += 1;
        }
        return count ? sum / count : -1.0;
    };
    const auto px_x = [&](double x) { return ax.left_px + (x - ax.x_min) / (ax.x_max - ax.x_min) * (ax.right_px - ax.left_px); };
    const auto px_y = [&](double y) { return ax.bottom_px - (y - ax.y_min) / (ax.y_max - ax.y_min) * (ax.bottom_px - ax.top_px); };
    // At the values and half way between them (the line straight from one to the next).
    const std::pair<double, double> points[] = {{50, 400}, {100, 300}, {150, 250}, {200, 100}, {75, 350}, {125, 275}, {175, 175}};
    for (const auto& [x, y] : points) {
        INFO(fmt::format("x {} y {}", x, y));
        const int column = static_cast<int>(std::floor(px_x(x)));
        CHECK(std::abs(line_y(column) + 0.5 - px_y(y)) <= 2.0);
    }
}

TEST_CASE("chart: written as .png or .svg only", "[chart]") {
    dza::test::ScratchDir dir;
    write_chart(one_series(), dir.file("c.svg"));
    write_chart(one_series(), dir.file("c.png"));
    CHECK(std::filesystem::file_size(dir.file("c.png")) > 1000);
    CHECK_THAT(dza::test::read_text(dir.file("c.svg")), Catch::Contains("</svg>"));
    CHECK_THAT(dza::test::error_of<UsageError>([&] { write_chart(one_series(), dir.file("c.pdf")); }), Catch::Contains(".png or .svg"));
    Chart bad = one_series();
    bad.series[0].y.pop_back();
    CHECK_THAT(dza::test::error_of<UsageError>([&] { chart_svg(bad); }), Catch::Contains("3 values for 4"));
}
