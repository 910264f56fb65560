// MapProjection: PROJ's Lambert conformal conic (or azimuthal equal-area) fitted to a frame.
// See include/dza/map.hpp for the choices.
#include <proj.h>

#include <algorithm>

#include "dza/error.hpp"
#include "map/renderer.hpp"

namespace dza {

namespace map_detail {

std::string format_lat(double lat, int decimals) {
    return fmt::format("{:.{}f}°{}", std::fabs(lat), decimals, lat > 0 ? "N" : lat < 0 ? "S" : "");
}
std::string format_lon(double lon, int decimals) {
    return fmt::format("{:.{}f}°{}", std::fabs(lon), decimals, lon > 0 ? "E" : lon < 0 ? "W" : "");
}

}  // namespace map_detail

using namespace map_detail;

namespace {

// ---------------------------------------------------------------------------------------------
// PROJ handles

struct PjContextDeleter {
    void operator()(PJ_CONTEXT* c) const noexcept { proj_context_destroy(c); }
};
struct PjDeleter {
    void operator()(PJ* p) const noexcept { proj_destroy(p); }
};
using PjContextPtr = std::unique_ptr<PJ_CONTEXT, PjContextDeleter>;
using PjPtr = std::unique_ptr<PJ, PjDeleter>;

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

}  // namespace dza
