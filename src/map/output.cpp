// Map output: the format of a path, SVG (deterministic ids, rounded path data, a <title> and a
// <desc>) and PNG, written atomically.
#include <cairo-svg.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <map>

#include "dza/error.hpp"
#include "dza/writer.hpp"
#include "map/renderer.hpp"
#include "markup.hpp"
#include "temp_folder.hpp"

namespace fs = std::filesystem;

namespace dza {

using namespace map_detail;

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
