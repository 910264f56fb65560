// Map output: the format of a path, SVG (a <g id> a part of the map, <text> elements,
// deterministic ids, rounded path data, a <title> and a <desc>), PDF and PNG (with its resolution),
// written atomically.
#include <cairo-pdf.h>
#include <cairo-svg.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
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
    if (ext == ".pdf") return MapFormat::Pdf;
    throw UsageError(fmt::format("output \"{}\": unknown map format; name it .png, .svg or .pdf", path));
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

// Ids prefixed, and references to them, so that pieces of several documents fit in one.
void prefix_ids(std::string& svg, const std::string& prefix) {
    if (prefix.empty()) return;
    replace_all(svg, "id=\"", "id=\"" + prefix);
    replace_all(svg, "url(#", "url(#" + prefix);
    replace_all(svg, "href=\"#", "href=\"#" + prefix);
}

// A number for SVG: `decimals` at most (two: a hundredth of a pixel), no trailing zeros.
std::string svg_number(double v, int decimals = 2) {
    std::string r = fmt::format("{:.{}f}", v, decimals);
    while (r.back() == '0') r.pop_back();
    if (r.back() == '.') r.pop_back();
    return r == "-0" ? "0" : r;
}

std::string hex_color(const Rgba& c) {
    auto byte = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); };
    return fmt::format("#{:02x}{:02x}{:02x}", byte(c.r), byte(c.g), byte(c.b));
}

// A <text> element drawn as draw_text draws: baseline's left end at (x, y), the halo a white stroke
// painted under the letters.
std::string svg_text(const TextItem& t) {
    std::string out = fmt::format("<text x=\"{}\" y=\"{}\"", svg_number(t.x_px), svg_number(t.y_px));
    const cairo_matrix_t& m = t.matrix;
    if (m.xx != 1 || m.yx != 0 || m.xy != 0 || m.yy != 1 || m.x0 != 0 || m.y0 != 0)
        out += fmt::format(" transform=\"matrix({} {} {} {} {} {})\"", svg_number(m.xx, 6), svg_number(m.yx, 6), svg_number(m.xy, 6), svg_number(m.yy, 6),
                           svg_number(m.x0), svg_number(m.y0));
    out += fmt::format(" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"{}\"", svg_number(t.font.size_px));
    if (t.font.bold) out += " font-weight=\"bold\"";
    if (t.font.italic) out += " font-style=\"italic\"";
    out += " fill=\"" + hex_color(t.color) + "\"";
    if (t.color.a < 1) out += " fill-opacity=\"" + svg_number(t.color.a) + "\"";
    if (t.halo_px > 0)
        out += fmt::format(" stroke=\"#ffffff\" stroke-opacity=\"0.9\" stroke-width=\"{}\" stroke-linejoin=\"round\" paint-order=\"stroke\"", svg_number(t.halo_px));
    return out + ">" + markup_escape(t.text) + "</text>\n";
}

// An SVG canvas: each group drawn on a cairo SVG surface of its own, whose content becomes one
// <g id> of the document (its ids prefixed by the group's), its text <text> elements.
class SvgCanvas : public Canvas {
public:
    SvgCanvas(int width_px, int height_px)
        : width_px_(width_px), height_px_(height_px), measure_surface_(cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1)),
          measure_(cairo_create(measure_surface_.get())) {
        check_cairo(cairo_status(measure_.get()), "creating a context for text");
        set_text_options(measure_.get());
    }

    cairo_t* context() override { return measure_.get(); }

    cairo_t* begin_group(const std::string& id, const std::optional<PixelRect>& clip) override {
        id_ = id;
        clip_id_.clear();
        if (clip) {
            const std::string rect = fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>", svg_number(clip->x_px), svg_number(clip->y_px),
                                                 svg_number(clip->width_px), svg_number(clip->height_px));
            auto it = std::find(clips_.begin(), clips_.end(), rect);
            if (it == clips_.end()) it = clips_.insert(clips_.end(), rect);
            clip_id_ = fmt::format("clip-{}", it - clips_.begin() + 1);
        }
        fragment_.clear();
        texts_.clear();
        surface_.reset(cairo_svg_surface_create_for_stream(&append_bytes, &fragment_, width_px_, height_px_));
        check_cairo(cairo_surface_status(surface_.get()), "creating the SVG surface");
        cairo_svg_surface_restrict_to_version(surface_.get(), CAIRO_SVG_VERSION_1_1);
        cairo_svg_surface_set_document_unit(surface_.get(), CAIRO_SVG_UNIT_PX);
        cr_.reset(cairo_create(surface_.get()));
        set_text_options(cr_.get());
        return cr_.get();
    }

    void end_group() override {
        check_cairo(cairo_status(cr_.get()), "drawing the map");
        cr_.reset();
        cairo_surface_finish(surface_.get());
        check_cairo(cairo_surface_status(surface_.get()), "writing the SVG");
        surface_.reset();
        // The content of cairo's <svg> less its <g id="surfaceN"> wrapper (which has no other attribute).
        std::size_t start = fragment_.find("<svg");
        start = start == std::string::npos ? start : fragment_.find('>', start);
        const std::size_t end = fragment_.rfind("</svg>");
        if (start == std::string::npos || end == std::string::npos || end < start) throw DataError("map: cairo wrote no <svg> element");
        std::string body = fragment_.substr(start + 1, end - start - 1);
        const std::size_t wrapper = body.find("<g id=\"surface");
        const std::size_t wrapper_end = wrapper == std::string::npos ? wrapper : body.find(">\n", wrapper);
        const std::size_t close = body.rfind("</g>");
        if (wrapper != std::string::npos && wrapper_end != std::string::npos && close != std::string::npos && close > wrapper_end) {
            body = body.substr(0, wrapper) + body.substr(wrapper_end + 2, close - wrapper_end - 2) + body.substr(close + 4);
        }
        body = renumber_global_ids(round_path_data(body));
        prefix_ids(body, id_ + "-");
        while (!body.empty() && (body.front() == '\n' || body.front() == ' ')) body.erase(0, 1);
        while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
        groups_ += "<g id=\"" + id_ + "\"" + (clip_id_.empty() ? "" : " clip-path=\"url(#" + clip_id_ + ")\"") + ">\n";
        if (!body.empty()) groups_ += body + "\n";
        for (const auto& t : texts_) groups_ += svg_text(t);
        groups_ += "</g>\n";
    }

    void text(cairo_t*, const TextItem& item) override { texts_.push_back(item); }

    // The document, without an XML declaration.
    std::string document() const {
        std::string svg = fmt::format(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"{0}px\" height=\"{1}px\" viewBox=\"0 0 {0} "
            "{1}\" version=\"1.1\">\n",
            width_px_, height_px_);
        if (!clips_.empty()) {
            svg += "<defs>\n";
            for (std::size_t i = 0; i < clips_.size(); ++i) svg += fmt::format("<clipPath id=\"clip-{}\">{}</clipPath>\n", i + 1, clips_[i]);
            svg += "</defs>\n";
        }
        return svg + groups_ + "</svg>\n";
    }

private:
    int width_px_, height_px_;
    SurfacePtr measure_surface_;
    CairoPtr measure_;
    SurfacePtr surface_;
    CairoPtr cr_;
    std::string id_, clip_id_, fragment_, groups_;
    std::vector<TextItem> texts_;
    std::vector<std::string> clips_;  // distinct clip rectangles, numbered in order
};

// CRC-32 of PNG chunks (ISO 3309, as zlib's crc32).
std::uint32_t png_crc(const std::string& bytes) {
    std::uint32_t c = 0xffffffffu;
    for (const unsigned char b : bytes) {
        c ^= b;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
}

void append_be32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

// A pHYs chunk (pixels per metre, the same both ways) put right after IHDR, before any image data.
std::string with_resolution(const std::string& png, int dpi) {
    constexpr std::size_t ihdr_end = 8 + 4 + 4 + 13 + 4;
    if (png.size() < ihdr_end || png.compare(12, 4, "IHDR") != 0) throw DataError("map: cairo wrote a PNG without an IHDR chunk first");
    const auto per_metre = static_cast<std::uint32_t>(std::lround(dpi / 0.0254));
    std::string chunk = "pHYs";
    append_be32(chunk, per_metre);
    append_be32(chunk, per_metre);
    chunk += '\x01';  // the unit is the metre
    std::string out = png.substr(0, ihdr_end);
    append_be32(out, 9);
    out += chunk;
    append_be32(out, png_crc(chunk));
    return out + png.substr(ihdr_end);
}

// cairo 1.16 dates every PDF (/CreationDate in the document information) and offers no way to
// omit it: the entry is overwritten with spaces, which keeps every byte offset (the xref table)
// valid, so the same map gives the same bytes. Values are literal strings, whose parentheses
// cairo escapes, so the first unescaped "/CreationDate (" is the entry itself.
std::string without_dates(std::string pdf) {
    for (const char* key : {"/CreationDate (", "/ModDate ("}) {
        const std::size_t at = pdf.find(key);
        if (at == std::string::npos) continue;
        const std::size_t end = pdf.find(')', at);
        if (end == std::string::npos) continue;
        std::fill(pdf.begin() + static_cast<std::ptrdiff_t>(at), pdf.begin() + static_cast<std::ptrdiff_t>(end) + 1, ' ');
    }
    return pdf;
}

}  // namespace

std::string render_map_svg(const std::vector<MapLayer>& layers, const MapOptions& options) {
    Renderer renderer(layers, options);
    SvgCanvas canvas(options.width_px, options.height_px);
    renderer.draw(canvas);
    std::string svg = canvas.document();
    prefix_ids(svg, options.svg_id_prefix);
    // A <title> and a <desc>.
    std::string head;
    if (!options.title.empty()) head += "\n<title>" + markup_escape(options.title) + "</title>";
    head += "\n<desc>" + markup_escape(renderer.description()) + "</desc>";
    svg.insert(svg.find('>') + 1, head);
    return svg;
}

std::pair<int, int> map_png_size_px(const MapOptions& options) {
    if (options.dpi < 24 || options.dpi > 1200) throw UsageError(fmt::format("map: resolution {} dpi is out of range (24 to 1200)", options.dpi));
    const double scale = options.dpi / 96.0;
    const auto width = std::lround(options.width_px * scale), height = std::lround(options.height_px * scale);
    if (width > 10000 || height > 10000)
        throw UsageError(fmt::format("map: {} x {} px at {} dpi makes a PNG of {} x {} pixels, over 10000 on a side; lower the resolution or the size",
                                     options.width_px, options.height_px, options.dpi, width, height));
    return {static_cast<int>(std::max(1L, width)), static_cast<int>(std::max(1L, height))};
}

std::string render_map_png(const std::vector<MapLayer>& layers, const MapOptions& options) {
    Renderer renderer(layers, options);
    const auto [width, height] = map_png_size_px(options);
    SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height));
    check_cairo(cairo_surface_status(surface.get()), "creating the image");
    {
        CairoPtr cr(cairo_create(surface.get()));
        // The same layout at dpi/96 times as many pixels.
        cairo_scale(cr.get(), static_cast<double>(width) / options.width_px, static_cast<double>(height) / options.height_px);
        ContextCanvas canvas(cr.get());
        renderer.draw(canvas);
        check_cairo(cairo_status(cr.get()), "drawing the map");
    }
    cairo_surface_flush(surface.get());
    std::string png;
    check_cairo(cairo_surface_write_to_png_stream(surface.get(), &append_bytes, &png), "encoding the PNG");
    return with_resolution(png, options.dpi);
}

MapRaster render_map_raster(const std::vector<MapLayer>& layers, const MapOptions& options) {
    Renderer renderer(layers, options);
    MapRaster out;
    out.width_px = options.width_px;
    out.height_px = options.height_px;
    SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, out.width_px, out.height_px));
    check_cairo(cairo_surface_status(surface.get()), "creating the image");
    {
        CairoPtr cr(cairo_create(surface.get()));
        ContextCanvas canvas(cr.get());
        renderer.draw(canvas);
        check_cairo(cairo_status(cr.get()), "drawing the map");
    }
    cairo_surface_flush(surface.get());
    const unsigned char* data = cairo_image_surface_get_data(surface.get());
    const int stride = cairo_image_surface_get_stride(surface.get());
    out.pixels.reserve(static_cast<std::size_t>(out.width_px) * static_cast<std::size_t>(out.height_px));
    for (int y = 0; y < out.height_px; ++y) {
        const auto* row = reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
        for (int x = 0; x < out.width_px; ++x) out.pixels.push_back(row[x] & 0xffffffu);
    }
    out.frame = renderer.frame();
    if (renderer.has_legend()) out.legend = renderer.legend_rect();
    if (renderer.has_scale()) out.scale_bar = renderer.scale_rect();
    for (const auto& l : renderer.placed_labels) out.labels.emplace_back(l.text, l.box);
    out.markers = renderer.marker_boxes;
    return out;
}

std::string render_map_pdf(const std::vector<MapLayer>& layers, const MapOptions& options) {
    Renderer renderer(layers, options);
    std::string pdf;
    {
        constexpr double pt_per_px = 72.0 / 96.0;
        SurfacePtr surface(cairo_pdf_surface_create_for_stream(&append_bytes, &pdf, options.width_px * pt_per_px, options.height_px * pt_per_px));
        check_cairo(cairo_surface_status(surface.get()), "creating the PDF surface");
        {
            CairoPtr cr(cairo_create(surface.get()));
            cairo_scale(cr.get(), pt_per_px, pt_per_px);
            ContextCanvas canvas(cr.get());
            renderer.draw(canvas);
            check_cairo(cairo_status(cr.get()), "drawing the map");
        }
        if (!options.title.empty()) cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, to_valid_utf8(options.title).c_str());
        cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_SUBJECT, to_valid_utf8(renderer.description()).c_str());
        cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "dza");
        cairo_surface_finish(surface.get());
        check_cairo(cairo_surface_status(surface.get()), "writing the PDF");
    }
    return without_dates(std::move(pdf));
}

void render_map_file(const std::vector<MapLayer>& layers, const MapOptions& options, const std::string& path) {
    const MapFormat format = map_format_for_path(path);
    check_map_output_path(path);
    std::string bytes;
    switch (format) {
        case MapFormat::Svg: bytes = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + render_map_svg(layers, options); break;
        case MapFormat::Png: bytes = render_map_png(layers, options); break;
        case MapFormat::Pdf: bytes = render_map_pdf(layers, options); break;
    }
    write_file_atomic(path, bytes);
}

}  // namespace dza
