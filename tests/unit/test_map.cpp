// Maps: the projection against GeographicLib's Lambert conformal conic, and the SVG, PDF and PNG
// documents (structure, legend, text as text, layer groups, determinism, size, resolution, atomic
// writes).
#include <catch2/catch.hpp>

#include <GeographicLib/Constants.hpp>
#include <GeographicLib/LambertConformalConic.hpp>

#include <cmath>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "dza/error.hpp"
#include "dza/map.hpp"
#include "helpers.hpp"
#include "reference.hpp"

using namespace dza;

namespace {

Layer polygons_layer() {
    return dza::test::named_polygons({{"West", {{22, 44}, {31, 44}, {31, 52}, {22, 52}}}, {"East", {{31, 44}, {40, 44}, {40, 52}, {31, 52}}}});
}

Layer points_layer() {
    Layer layer;
    layer.name = "bases";
    layer.source = "test";
    layer.fields = {{"id", FieldType::String}, {"role", FieldType::String}};
    const std::vector<std::tuple<std::string, std::string, LonLat>> items = {
        {"A-1", "ground", {24, 49.8}}, {"B-2", "air defence", {26.2, 50.6}}, {"C-3", "logistics", {30.5, 46}}};
    for (std::size_t i = 0; i < items.size(); ++i) {
        Feature f;
        f.fid = static_cast<std::int64_t>(i);
        f.values = {std::get<0>(items[i]), std::get<1>(items[i])};
        f.geometry = Geometry::point(std::get<2>(items[i]));
        layer.features.push_back(std::move(f));
    }
    return layer;
}

Layer line_layer() {
    Layer layer;
    layer.name = "line";
    layer.source = "test";
    Feature f;
    f.geometry = Geometry::line({{32, 46.5}, {35, 47.5}, {38, 49.5}});
    layer.features.push_back(std::move(f));
    return layer;
}

struct Scene {
    Layer regions = polygons_layer(), bases = points_layer(), line = line_layer();
    std::vector<MapLayer> layers() const {
        MapLayer r;
        r.title = "Regions";
        r.layer = &regions;
        r.style.fill = "#fbfaf5";
        r.label_field = "name";
        r.focus = true;
        MapLayer l;
        l.title = "Cease-fire line";
        l.layer = &line;
        l.style.stroke = "#7f0000";
        l.style.stroke_width_px = 3;
        MapLayer b;
        b.title = "Bases by role";
        b.layer = &bases;
        b.color_field = "role";
        b.colors = {{"air defence", "#6a3d9a"}, {"ground", "#8c510a"}, {"maritime", "#08519c"}};
        b.label_field = "id";
        return {r, l, b};
    }
};

MapOptions small_options() {
    MapOptions o;
    o.width_px = 640;
    o.height_px = 480;
    o.title = "Test map";
    return o;
}

// Start and end tags balance, in order (a check that the document is well formed, short of a parser).
bool tags_balance(const std::string& xml) {
    std::vector<std::string> open;
    for (std::size_t i = xml.find('<'); i != std::string::npos; i = xml.find('<', i + 1)) {
        const std::size_t end = xml.find('>', i);
        if (end == std::string::npos) return false;
        const std::string tag = xml.substr(i + 1, end - i - 1);
        if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
        if (tag.back() == '/') continue;
        const std::string name = tag.substr(tag[0] == '/' ? 1 : 0, tag.find_first_of(" \n/", 1) - (tag[0] == '/' ? 1 : 0));
        if (tag[0] == '/') {
            if (open.empty() || open.back() != name) return false;
            open.pop_back();
        } else {
            open.push_back(name);
        }
    }
    return open.empty();
}

std::uint32_t be32(const std::string& bytes, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
}

}  // namespace

TEST_CASE("map projection: Lambert conformal conic matches GeographicLib to 1 mm", "[map]") {
    // Extent lon 22..40, lat 44..52: centre (31, 48), standard parallels at 1/6 and 5/6 of the span.
    const Extent extent{22, 44, 40, 52, false};
    const PixelRect frame{10, 60, 1180, 820};
    const MapProjection proj(extent, frame, 30);
    CHECK_THAT(proj.proj_string(), Catch::Contains("+proj=lcc") && Catch::Contains("+lat_1=45.33") && Catch::Contains("+lat_2=50.67"));
    CHECK_THAT(proj.description(), Catch::Contains("Lambert conformal conic"));

    const GeographicLib::LambertConformalConic lcc(GeographicLib::Constants::WGS84_a(), GeographicLib::Constants::WGS84_f(), 45.33, 50.67, 1);
    double x0 = 0, y0 = 0;
    lcc.Forward(31, 48, 31, x0, y0);
    const double mpp = proj.metres_per_px();
    const double cx = frame.x_px + frame.width_px / 2, cy = frame.y_px + frame.height_px / 2;
    for (double lon = 20; lon <= 42; lon += 2.75)
        for (double lat = 42; lat <= 54; lat += 1.5) {
            double x = 0, y = 0;
            lcc.Forward(31, lat, lon, x, y);
            const PixelXY p = proj.to_pixel({lon, lat});
            INFO("lon " << lon << " lat " << lat);
            CHECK(std::fabs(p.x_px - (cx + (x - x0) / mpp)) * mpp < 0.001);
            CHECK(std::fabs(p.y_px - (cy - (y - y0) / mpp)) * mpp < 0.001);
            const LonLat back = proj.to_lonlat(p);
            CHECK(std::fabs(back.lon - lon) < 1e-9);
            CHECK(std::fabs(back.lat - lat) < 1e-9);
        }
}

TEST_CASE("map projection: the extent's centre is the frame's centre, north is up there, and the extent fits", "[map]") {
    const Extent extent{22.13, 44.38, 40.16, 52.37, false};
    const PixelRect frame{0, 0, 1200, 900};
    const double padding = 36;
    const MapProjection proj(extent, frame, padding);
    const LonLat c = proj.centre();
    CHECK(c.lon == Approx(31.145).margin(1e-12));
    CHECK(c.lat == Approx(48.375).margin(1e-12));
    const PixelXY p = proj.to_pixel(c);
    CHECK(p.x_px == Approx(600).margin(1e-9));
    CHECK(p.y_px == Approx(450).margin(1e-9));
    // North: straight up along the central meridian, with the scale of the plane (conformal).
    const PixelXY n = proj.to_pixel({c.lon, c.lat + 0.5});
    CHECK(n.x_px == Approx(600).margin(1e-9));
    CHECK(n.y_px < p.y_px);
    // The extent's outline lies within the padding, and touches it on one axis.
    double min_x = 1e9, max_x = -1e9, min_y = 1e9, max_y = -1e9;
    for (int i = 0; i <= 200; ++i) {
        const double f = i / 200.0;
        for (const LonLat q : {LonLat{extent.min_lon + f * (extent.max_lon - extent.min_lon), extent.min_lat},
                               LonLat{extent.min_lon + f * (extent.max_lon - extent.min_lon), extent.max_lat},
                               LonLat{extent.min_lon, extent.min_lat + f * (extent.max_lat - extent.min_lat)},
                               LonLat{extent.max_lon, extent.min_lat + f * (extent.max_lat - extent.min_lat)}}) {
            const PixelXY r = proj.to_pixel(q);
            min_x = std::min(min_x, r.x_px), max_x = std::max(max_x, r.x_px), min_y = std::min(min_y, r.y_px), max_y = std::max(max_y, r.y_px);
        }
    }
    CHECK(min_x >= padding - 1e-6);
    CHECK(max_x <= 1200 - padding + 1e-6);
    CHECK(min_y >= padding - 1e-6);
    CHECK(max_y <= 900 - padding + 1e-6);
    CHECK(std::min({min_x - padding, 1200 - padding - max_x, min_y - padding, 900 - padding - max_y}) < 0.5);
    // True scale on a standard parallel: a short east-west step, measured by GeographicLib.
    const double lat_1 = 45.71;  // 44.38 + 7.99 / 6, rounded to 0.01 as in the projection
    const PixelXY a = proj.to_pixel({c.lon - 0.005, lat_1}), b = proj.to_pixel({c.lon + 0.005, lat_1});
    const double ground_m = reference::distance_m({c.lon - 0.005, lat_1}, {c.lon + 0.005, lat_1});
    CHECK(std::hypot(b.x_px - a.x_px, b.y_px - a.y_px) * proj.metres_per_px() == Approx(ground_m).epsilon(1e-6));
}

TEST_CASE("map projection: an extent across the equator gets Lambert azimuthal equal-area", "[map]") {
    const MapProjection proj({-10, -5, 10, 5, false}, {0, 0, 800, 600}, 0);
    CHECK_THAT(proj.proj_string(), Catch::StartsWith("+proj=laea"));
    const PixelXY p = proj.to_pixel({0, 0});
    CHECK(p.x_px == Approx(400).margin(1e-9));
    CHECK(p.y_px == Approx(300).margin(1e-9));
    CHECK_THROWS_AS(MapProjection({0, 0, 0, 0, true}, {0, 0, 800, 600}, 0), UsageError);
}

TEST_CASE("map SVG: one well-formed document with title, legend, scale bar and prefixed ids", "[map]") {
    const Scene scene;
    const std::string svg = render_map_svg(scene.layers(), small_options());
    REQUIRE_THAT(svg, Catch::StartsWith("<svg"));
    CHECK_THAT(svg, Catch::EndsWith("</svg>\n"));
    CHECK(tags_balance(svg));
    CHECK_THAT(svg, Catch::Contains("width=\"640px\"") && Catch::Contains("height=\"480px\"") && Catch::Contains("<title>Test map</title>"));
    // The legend, layer by layer from the top, with one entry a value (mapped colours first, then others).
    CHECK_THAT(svg, Catch::Contains("Legend: Bases by role: air defence, ground, logistics; Cease-fire line; Regions."));
    std::smatch m;
    const std::regex scale("Scale bar: ([0-9.]+) km\\.");
    REQUIRE(std::regex_search(svg, m, scale));
    const double km = std::stod(m[1]);
    const double mantissa = km / std::pow(10.0, std::floor(std::log10(km)));
    CHECK((mantissa == Approx(1) || mantissa == Approx(2) || mantissa == Approx(5)));
    CHECK_THAT(svg, Catch::Contains("Projection: Lambert conformal conic"));
    // Every id carries the prefix, so two maps can share a page.
    const std::regex id("id=\"([^\"]*)\"");
    int ids = 0;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), id); it != std::sregex_iterator(); ++it, ++ids) CHECK_THAT((*it)[1].str(), Catch::StartsWith("dza-map-"));
    CHECK(ids > 0);
    MapOptions other = small_options();
    other.svg_id_prefix = "second-";
    const std::string svg2 = render_map_svg(scene.layers(), other);
    CHECK_THAT(svg2, Catch::Contains("id=\"second-") && !Catch::Contains("id=\"dza-map-"));
}

TEST_CASE("map rendering is deterministic: the same input gives the same bytes", "[map]") {
    const Scene scene;
    CHECK(render_map_svg(scene.layers(), small_options()) == render_map_svg(scene.layers(), small_options()));
    CHECK(render_map_png(scene.layers(), small_options()) == render_map_png(scene.layers(), small_options()));
    CHECK(render_map_pdf(scene.layers(), small_options()) == render_map_pdf(scene.layers(), small_options()));
}

TEST_CASE("map PNG: signature and the requested size", "[map]") {
    const Scene scene;
    MapOptions o = small_options();
    o.width_px = 777;
    o.height_px = 333;
    const std::string png = render_map_png(scene.layers(), o);
    REQUIRE(png.size() > 33);
    CHECK(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
    CHECK(png.compare(12, 4, "IHDR") == 0);
    CHECK(be32(png, 16) == 777);
    CHECK(be32(png, 20) == 333);
}

TEST_CASE("map: bad options, colours and fields are usage errors; nothing to draw is a data error", "[map]") {
    const Scene scene;
    MapOptions o = small_options();
    o.width_px = 100;
    CHECK_THROWS_AS(render_map_svg(scene.layers(), o), UsageError);
    auto layers = scene.layers();
    layers[0].style.fill = "green";
    CHECK_THROWS_WITH(render_map_svg(layers, small_options()), Catch::Contains("\"green\" is not #rrggbb"));
    layers = scene.layers();
    layers[2].color_field = "nation";
    CHECK_THROWS_AS(render_map_svg(layers, small_options()), UsageError);
    Layer empty;
    empty.name = "empty";
    MapLayer e;
    e.layer = &empty;
    CHECK_THROWS_AS(render_map_svg({e}, small_options()), DataError);
}

TEST_CASE("map files: format by extension, checked before work, written atomically", "[map]") {
    const Scene scene;
    test::ScratchDir dir;
    CHECK(map_format_for_path("a/b.PNG") == MapFormat::Png);
    CHECK(map_format_for_path("b.svg") == MapFormat::Svg);
    CHECK(map_format_for_path("c.Pdf") == MapFormat::Pdf);
    CHECK_THROWS_WITH(map_format_for_path("b.jpg"), Catch::Contains("name it .png, .svg or .pdf"));
    CHECK_THROWS_WITH(check_map_output_path(dir.file("missing/m.png")), Catch::Contains("does not exist"));
    CHECK_THROWS_AS(render_map_file(scene.layers(), small_options(), dir.file("m.jpg")), UsageError);

    render_map_file(scene.layers(), small_options(), dir.file("m.svg"));
    render_map_file(scene.layers(), small_options(), dir.file("m.png"));
    render_map_file(scene.layers(), small_options(), dir.file("m.pdf"));
    CHECK_THAT(test::read_text(dir.file("m.svg")), Catch::StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg"));
    CHECK(test::read_text(dir.file("m.png")).compare(0, 4, "\x89PNG") == 0);
    CHECK(test::read_text(dir.file("m.pdf")) == render_map_pdf(scene.layers(), small_options()));

    // A failed drawing leaves the old file as it was and no temporary file.
    const std::string before = test::read_text(dir.file("m.svg"));
    auto bad = scene.layers();
    bad[1].style.stroke = "#12345";
    CHECK_THROWS_AS(render_map_file(bad, small_options(), dir.file("m.svg")), UsageError);
    CHECK(test::read_text(dir.file("m.svg")) == before);
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"m.pdf", "m.png", "m.svg"});
}

namespace {

// The numbers of an attribute-free path's data, as (x, y) pairs.
std::vector<std::pair<double, double>> path_points(const std::string& d) {
    std::vector<double> numbers;
    const std::regex number("-?[0-9]+(\\.[0-9]+)?");
    for (auto it = std::sregex_iterator(d.begin(), d.end(), number); it != std::sregex_iterator(); ++it) numbers.push_back(std::stod(it->str()));
    std::vector<std::pair<double, double>> points;
    for (std::size_t i = 0; i + 1 < numbers.size(); i += 2) points.emplace_back(numbers[i], numbers[i + 1]);
    return points;
}

// A group's content: from <g id="ID"...> to the first </g> after it (the groups hold no nested <g>
// in this scene but cairo's clip groups, which the check here does not need to see past).
std::string group(const std::string& svg, const std::string& id) {
    const std::size_t start = svg.find("<g id=\"" + id + "\"");
    if (start == std::string::npos) return "";
    const std::size_t end = svg.find("</g>", start);
    return svg.substr(start, end - start);
}

}  // namespace

TEST_CASE("map SVG: text as <text> elements and one group a part of the map, in drawing order", "[map]") {
    const Scene scene;
    const std::string svg = render_map_svg(scene.layers(), small_options());
    CHECK(tags_balance(svg));
    // No glyph outlines: the letters are text in the font named.
    CHECK_THAT(svg, !Catch::Contains("glyph") && !Catch::Contains("<symbol"));
    CHECK_THAT(svg, Catch::Contains("font-family=\"DejaVu Sans, Verdana, sans-serif\""));
    const std::string title = group(svg, "dza-map-title");
    CHECK_THAT(title, Catch::Contains(">Test map</text>") && Catch::Contains("font-weight=\"bold\""));
    // The groups, each once, in drawing order (layers bottom first).
    std::size_t last = 0;
    for (const char* id : {"background", "layer-regions", "layer-cease-fire-line", "layer-bases-by-role", "graticule", "labels", "graticule-labels", "frame",
                           "legend", "scale-bar", "title", "credit"}) {
        const std::string tag = std::string("<g id=\"dza-map-") + id + "\"";
        const std::size_t at = svg.find(tag);
        INFO(id);
        REQUIRE(at != std::string::npos);
        CHECK(at > last);
        CHECK(svg.find(tag, at + 1) == std::string::npos);
        last = at;
    }
    // The map's layers and labels are clipped to the frame; the legend is not.
    CHECK_THAT(svg, Catch::Contains("<g id=\"dza-map-layer-regions\" clip-path=\"url(#dza-map-clip-1)\">"));
    CHECK_THAT(svg, Catch::Contains("<g id=\"dza-map-legend\">"));
    // Legend entries and region labels as text, the labels with their halo.
    CHECK_THAT(group(svg, "dza-map-legend"), Catch::Contains(">Bases by role</text>") && Catch::Contains(">air defence</text>"));
    CHECK_THAT(group(svg, "dza-map-labels"), Catch::Contains(">West</text>") && Catch::Contains("paint-order=\"stroke\""));
    // The label of A-1 sits beside its marker (the first circle of the bases' layer), within the
    // farthest candidate's reach: marker radius (4) + 18 px gap, at this size's scale, plus the label's size.
    const std::string bases = group(svg, "dza-map-layer-bases-by-role");
    std::smatch m;
    REQUIRE(std::regex_search(bases, m, std::regex(" d=\"([^\"]*)\"")));
    double min_x = 1e9, max_x = -1e9, min_y = 1e9, max_y = -1e9;
    for (const auto& [x, y] : path_points(m[1])) min_x = std::min(min_x, x), max_x = std::max(max_x, x), min_y = std::min(min_y, y), max_y = std::max(max_y, y);
    const double cx = (min_x + max_x) / 2, cy = (min_y + max_y) / 2;
    const std::string labels = group(svg, "dza-map-labels");
    REQUIRE(std::regex_search(labels, m, std::regex("<text x=\"([-0-9.]+)\" y=\"([-0-9.]+)\"[^>]*>A-1</text>")));
    const double lx = std::stod(m[1]), ly = std::stod(m[2]);
    const double ui = 480.0 / 900;  // the smaller of 640/1200 and 480/900
    INFO("marker " << cx << "," << cy << " label " << lx << "," << ly);
    CHECK(std::hypot(lx - cx, ly - cy) < (4 + 18) * ui + 30 * ui);
    CHECK(max_x - min_x == Approx(2 * 4 * ui).margin(0.1));  // the marker's diameter: the circle found is the marker
}

TEST_CASE("map PDF: one vector page of the map's size at 96 px an inch, text as text, no date", "[map]") {
    const Scene scene;
    const std::string pdf = render_map_pdf(scene.layers(), small_options());
    REQUIRE_THAT(pdf, Catch::StartsWith("%PDF-"));
    CHECK_THAT(pdf, Catch::EndsWith("%%EOF\n"));
    std::smatch m;
    REQUIRE(std::regex_search(pdf, m, std::regex("/MediaBox \\[ *0 0 ([0-9.]+) ([0-9.]+) *\\]")));
    CHECK(std::stod(m[1]) == Approx(640 * 72.0 / 96));  // 480 pt: 6.67 inches, as 640 CSS pixels
    CHECK(std::stod(m[2]) == Approx(480 * 72.0 / 96));
    const std::regex page("/Type */Page[^s]");
    CHECK(std::distance(std::sregex_iterator(pdf.begin(), pdf.end(), page), std::sregex_iterator()) == 1);
    // Text is text: fonts embedded as subsets, with a map back to Unicode (so it can be searched and copied).
    CHECK_THAT(pdf, Catch::Contains("/FontFile") && Catch::Contains("/ToUnicode") && Catch::Contains("DejaVuSans"));
    CHECK_THAT(pdf, Catch::Contains("/Title (Test map)"));
    CHECK_THAT(pdf, !Catch::Contains("/CreationDate") && !Catch::Contains("/ModDate"));
}

TEST_CASE("map PNG: the resolution asked, recorded in pHYs, at dpi/96 times the pixels", "[map]") {
    const Scene scene;
    MapOptions o = small_options();
    for (const int dpi : {96, 150, 192, 300}) {
        o.dpi = dpi;
        const std::string png = render_map_png(scene.layers(), o);
        INFO("dpi " << dpi);
        CHECK(be32(png, 16) == static_cast<std::uint32_t>(std::lround(640 * dpi / 96.0)));
        CHECK(be32(png, 20) == static_cast<std::uint32_t>(std::lround(480 * dpi / 96.0)));
        // pHYs after IHDR, before IDAT: pixels a metre both ways, unit 1 (metre).
        const std::size_t phys = png.find("pHYs"), idat = png.find("IDAT");
        REQUIRE(phys == 37);
        CHECK(phys < idat);
        CHECK(be32(png, phys - 4) == 9);
        CHECK(be32(png, phys + 4) == be32(png, phys + 8));
        CHECK(be32(png, phys + 4) * 0.0254 == Approx(dpi).margin(0.02));  // 1 m = 39.37 in; pixels a metre are whole
        CHECK(png[phys + 12] == 1);
        CHECK(png.find("pHYs", phys + 1) == std::string::npos);
    }
}

TEST_CASE("map: a resolution out of range, or a PNG over 10000 pixels a side, is a usage error", "[map]") {
    const Scene scene;
    MapOptions o = small_options();
    o.dpi = 10;
    CHECK_THROWS_WITH(render_map_png(scene.layers(), o), Catch::Contains("10 dpi is out of range (24 to 1200)"));
    o.dpi = 1200;
    o.width_px = 1000;
    CHECK_THROWS_WITH(map_png_size_px(o), Catch::Contains("12500 x 6000 pixels, over 10000"));
    o.width_px = 800;
    CHECK(map_png_size_px(o) == std::pair<int, int>{10000, 6000});
}
