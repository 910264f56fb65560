// Terrain masking: the DEM resampled around a site in an azimuthal equidistant grid, GDAL's
// viewshed for the lowest visible height of every cell, and per altitude a threshold and polygons.
#include "dza/terrain.hpp"

#include <fmt/format.h>
#include <gdal_alg.h>
#include <gdal_utils.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/sensor.hpp"
#include "gdal/gdal.hpp"
#include "geos/geos.hpp"

namespace dza {

namespace {

constexpr double degree = M_PI / 180.0;
constexpr float no_ground = -32768.0f;  // the warped DEM's no-data value
// What a cell without elevation is given for the viewshed: below any real ground, so it never
// raises the horizon behind it.
constexpr double below_any_ground_m = -12000.0;

std::string site_text(LonLat p) { return fmt::format("({:.6f}, {:.6f})", p.lon, p.lat); }

struct WarpOptionsDeleter {
    void operator()(GDALWarpAppOptions* o) const noexcept { GDALWarpAppOptionsFree(o); }
};

// The DEM's CRS, traditional axis order (x = longitude / easting).
gdal::SrsPtr dem_srs(const Terrain& terrain) {
    gdal::SrsPtr srs(OSRNewSpatialReference(terrain.crs_wkt().c_str()));
    OSRSetAxisMappingStrategy(srs.get(), OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

// Heights that a CRS says are above the ellipsoid: a 3D geographic CRS, or a projected CRS
// derived from one, with no vertical datum of its own.
bool ellipsoidal_heights(OGRSpatialReferenceH srs) {
    if (OSRIsCompound(srs)) return false;
    return (OSRIsGeographic(srs) || OSRIsProjected(srs)) && OSRGetAxesCount(srs) == 3;
}

}  // namespace

AltitudeRef altitude_ref_from_text(const std::string& text, const std::string& what) {
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "agl") return AltitudeRef::AboveGround;
    if (lower == "amsl") return AltitudeRef::AboveSeaLevel;
    throw UsageError(fmt::format("{} \"{}\" is not agl (above the ground) or amsl (above sea level)", what, cut_short(text)));
}

const char* altitude_ref_text(AltitudeRef ref) { return ref == AltitudeRef::AboveGround ? "agl" : "amsl"; }

Terrain Terrain::open(const std::string& path) {
    gdal::ensure_init();
    gdal::ErrorCapture capture;
    const auto fail = [&](const std::string& what) { throw DataError(fmt::format("{}: {}", path, what)); };
    const gdal::DatasetPtr ds(GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    std::error_code ec;
    if (!ds && path.rfind("/vsi", 0) != 0 && !std::filesystem::exists(path, ec)) fail("no such file; give a DEM raster that GDAL reads, e.g. an SRTM GeoTIFF");
    if (!ds) fail(fmt::format("cannot be read as an elevation raster ({}); give a DEM that GDAL reads, e.g. an SRTM GeoTIFF",
                              capture.last_error("not a raster GDAL recognises")));
    const int bands = GDALGetRasterCount(ds.get());
    if (bands != 1) fail(fmt::format("has {} bands; a DEM has one band of elevations", bands));
    GDALRasterBandH band = GDALGetRasterBand(ds.get(), 1);
    const GDALDataType type = GDALGetRasterDataType(band);
    if (GDALDataTypeIsComplex(type) || type == GDT_Unknown)
        fail(fmt::format("band 1 is of type {}; a DEM has real-valued elevations", GDALGetDataTypeName(type)));
    int has_scale = 0, has_offset = 0;
    const double scale = GDALGetRasterScale(band, &has_scale), offset = GDALGetRasterOffset(band, &has_offset);
    if ((has_scale && scale != 1.0) || (has_offset && offset != 0.0))
        fail(fmt::format("band 1 has a scale {:g} and offset {:g}; give elevations in metres without them (gdal_translate -unscale)", scale, offset));
    const std::string unit = GDALGetRasterUnitType(band) ? GDALGetRasterUnitType(band) : "";
    if (!unit.empty() && unit != "m" && unit != "metre" && unit != "meter" && unit != "metres" && unit != "meters")
        fail(fmt::format("elevations are in \"{}\"; give them in metres", cut_short(unit)));
    Terrain t;
    t.path_ = path;
    t.width_ = GDALGetRasterXSize(ds.get());
    t.height_ = GDALGetRasterYSize(ds.get());
    OGRSpatialReferenceH srs = GDALGetSpatialRef(ds.get());
    if (!srs) fail("has no coordinate reference system; assign one (e.g. gdal_edit.py -a_srs EPSG:4326)");
    if (ellipsoidal_heights(srs))
        fail(fmt::format("elevations are ellipsoidal heights ({}); give heights above sea level, e.g. gdalwarp -t_srs EPSG:4326+5773 for EGM96",
                         gdal::srs_name(srs)));
    char* wkt = nullptr;
    const char* const wkt_options[] = {"FORMAT=WKT2_2019", nullptr};
    if (OSRExportToWktEx(srs, &wkt, wkt_options) != OGRERR_NONE || !wkt) {
        CPLFree(wkt);
        fail("its coordinate reference system cannot be written as WKT; assign an EPSG code (gdal_edit.py -a_srs)");
    }
    t.crs_wkt_ = wkt;
    CPLFree(wkt);
    if (GDALGetGeoTransform(ds.get(), t.geo_transform_) != CE_None) fail("has no geotransform (not georeferenced); give a georeferenced DEM");
    double inverse[6];
    if (!GDALInvGeoTransform(t.geo_transform_, inverse)) fail("has a geotransform that cannot be inverted");
    return t;
}

long TerrainView::cell_of(LonLat point) const {
    const GeodesicInverse g = geodesic_inverse(site_, point);
    const double x = g.distance_m * std::sin(g.azimuth1_deg * degree), y = g.distance_m * std::cos(g.azimuth1_deg * degree);
    const double half = cells_across_ / 2.0 * resolution_m_;
    const double col = std::floor((x + half) / resolution_m_), row = std::floor((half - y) / resolution_m_);
    if (col < 0 || row < 0 || col >= cells_across_ || row >= cells_across_) return -1;
    return static_cast<long>(row) * cells_across_ + static_cast<long>(col);
}

double TerrainView::lowest_visible_altitude_m(LonLat point, AltitudeRef ref) const {
    const long cell = cell_of(point);
    if (cell < 0) return never_visible_m;
    const double above_ground = lowest_above_ground_m_[static_cast<std::size_t>(cell)];
    if (!std::isfinite(above_ground)) return never_visible_m;
    return ref == AltitudeRef::AboveGround ? above_ground : above_ground + ground_m_[static_cast<std::size_t>(cell)];
}

Geometry TerrainView::visible(double target_altitude_m, AltitudeRef ref) const {
    gdal::ensure_init();
    gdal::ErrorCapture capture;
    const auto fail = [&](const std::string& what) {
        throw DataError(fmt::format("terrain view from {}: {}: {}", site_text(site_), what, capture.last_error()));
    };
    const int n = cells_across_;
    const std::size_t cells = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
    std::vector<unsigned char> mask(cells, 0);
    bool any = false;
    for (std::size_t i = 0; i < cells; ++i) {
        const double lowest = lowest_above_ground_m_[i];
        if (!std::isfinite(lowest)) continue;
        const double needed = ref == AltitudeRef::AboveGround ? lowest : lowest + ground_m_[i];
        if (needed <= target_altitude_m) mask[i] = 1, any = true;
    }
    if (!any) return geos::empty_polygon();

    // The mask as a raster in the grid's own coordinates (metres east and north of the site).
    const gdal::DatasetPtr raster(GDALCreate(GDALGetDriverByName("MEM"), "", n, n, 1, GDT_Byte, nullptr));
    if (!raster) fail("cannot create the visibility mask");
    const double half = n / 2.0 * resolution_m_;
    double transform[6] = {-half, resolution_m_, 0, half, 0, -resolution_m_};
    GDALSetGeoTransform(raster.get(), transform);
    GDALRasterBandH band = GDALGetRasterBand(raster.get(), 1);
    if (GDALRasterIO(band, GF_Write, 0, 0, n, n, mask.data(), n, n, GDT_Byte, 0, 0) != CE_None) fail("cannot write the visibility mask");
    // GDAL's in-memory vector driver: "Memory" (GDAL 3.11 merged it into "MEM").
    GDALDriverH memory = GDALGetDriverByName("Memory");
    if (!memory) memory = GDALGetDriverByName("MEM");
    const gdal::DatasetPtr vectors(GDALCreate(memory, "", 0, 0, 0, GDT_Unknown, nullptr));
    if (!vectors) fail("cannot create the visibility polygons");
    OGRLayerH layer = GDALDatasetCreateLayer(vectors.get(), "visible", nullptr, wkbPolygon, nullptr);
    if (!layer) fail("cannot create the visibility polygons");
    if (GDALPolygonize(band, band, layer, -1, nullptr, nullptr, nullptr) != CE_None) fail("cannot polygonize the visible cells");

    // Back to lon/lat: a grid point (x, y) is at geodesic distance hypot(x, y) from the site in
    // azimuth atan2(x, y), the azimuthal equidistant projection's definition.
    const double max_step_m = 8 * resolution_m_;
    const auto ring_of = [&](OGRGeometryH ring) {
        const int count = OGR_G_GetPointCount(ring);
        std::vector<LonLat> out;
        out.reserve(static_cast<std::size_t>(count));
        const auto add = [&](double x, double y) {
            const double d = std::hypot(x, y);
            LonLat p = d == 0 ? site_ : geodesic_direct(site_, std::atan2(x, y) / degree, d);
            p.lon = near_lon(p.lon, site_.lon);
            out.push_back(p);
        };
        for (int i = 0; i < count; ++i) {
            const double x = OGR_G_GetX(ring, i), y = OGR_G_GetY(ring, i);
            if (i > 0) {
                const double x0 = OGR_G_GetX(ring, i - 1), y0 = OGR_G_GetY(ring, i - 1);
                const int pieces = static_cast<int>(std::ceil(std::hypot(x - x0, y - y0) / max_step_m));
                for (int k = 1; k < pieces; ++k) add(x0 + (x - x0) * k / pieces, y0 + (y - y0) * k / pieces);
            }
            add(x, y);
        }
        return out;
    };
    std::vector<Geometry> polygons;
    OGR_L_ResetReading(layer);
    while (const gdal::FeaturePtr feature{OGR_L_GetNextFeature(layer)}) {
        OGRGeometryH g = OGR_F_GetGeometryRef(feature.get());
        if (!g || OGR_G_GetGeometryCount(g) == 0) continue;
        std::vector<std::vector<LonLat>> holes;
        for (int r = 1; r < OGR_G_GetGeometryCount(g); ++r) holes.push_back(ring_of(OGR_G_GetGeometryRef(g, r)));
        polygons.push_back(Geometry::polygon(ring_of(OGR_G_GetGeometryRef(g, 0)), holes));
    }
    GEOSContextHandle_t h = geos::ctx();
    Geometry all = geos::collection(std::move(polygons), GEOS_MULTIPOLYGON, "collecting the visible cells");
    if (GEOSisValid_r(h, all.get()) != 1)
        all = geos::polygonal(Geometry(geos::check(GEOSMakeValid_r(h, all.get()), "repairing the visible cells' polygons")));
    return wrap_longitudes(all);
}

TerrainView terrain_view(const Terrain& terrain, LonLat site, double sensor_height_m, double max_range_m, double refraction_k,
                         int max_cells_across) {
    if (!std::isfinite(max_range_m) || max_range_m <= 0)
        throw UsageError(fmt::format("terrain view: maximum range {:g} m is not a positive distance", max_range_m));
    if (!std::isfinite(refraction_k) || refraction_k <= 0)
        throw UsageError(fmt::format("terrain view: refraction factor k {:g} is not positive (4/3 for standard refraction, 1 for none)", refraction_k));
    if (!std::isfinite(sensor_height_m) || sensor_height_m < 0)
        throw UsageError(fmt::format("terrain view: sensor height {:g} m is not a height above the ground (>= 0)", sensor_height_m));
    if (max_cells_across < 3) throw UsageError(fmt::format("terrain view: {} cells across is too few (at least 3)", max_cells_across));
    if (!std::isfinite(site.lon) || !std::isfinite(site.lat) || std::fabs(site.lat) > 90)
        throw DataError(fmt::format("terrain view: site {} is not a longitude and latitude", site_text(site)));
    const auto where = [&] { return fmt::format("{}: terrain view from {}", terrain.path(), site_text(site)); };
    for (double pole : {90.0, -90.0})
        if (geodesic_inverse(site, {site.lon, pole}).distance_m <= max_range_m)
            throw DataError(fmt::format("{}: the maximum range {:g} km reaches the {} pole; terrain views do not cover a pole", where(), max_range_m / 1000,
                                        pole > 0 ? "north" : "south"));

    gdal::ensure_init();
    gdal::ErrorCapture capture;
    const auto fail = [&](const std::string& what) { throw DataError(fmt::format("{}: {}: {}", where(), what, capture.last_error())); };

    // A handle of this call's own: GDAL datasets are not to be read from two threads at once.
    const gdal::DatasetPtr dem(GDALOpenEx(terrain.path().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    if (!dem) fail("cannot open the DEM again");

    // The site on the DEM, and the DEM's cell size there in metres.
    const gdal::SrsPtr srs = dem_srs(terrain);
    const gdal::SrsPtr lonlat = gdal::wgs84();
    const gdal::TransformPtr to_dem(OCTNewCoordinateTransformation(lonlat.get(), srs.get()));
    const gdal::TransformPtr from_dem(OCTNewCoordinateTransformation(srs.get(), lonlat.get()));
    if (!to_dem || !from_dem) fail("cannot transform between lon/lat and the DEM's CRS");
    const double* gt = terrain.geo_transform();
    double inverse[6];
    if (!GDALInvGeoTransform(const_cast<double*>(gt), inverse)) fail("the DEM's geotransform cannot be inverted");
    double sx = site.lon, sy = site.lat;
    if (!OCTTransform(to_dem.get(), 1, &sx, &sy, nullptr)) fail("the site cannot be placed in the DEM's CRS");
    const double col = inverse[0] + inverse[1] * sx + inverse[2] * sy, row = inverse[3] + inverse[4] * sx + inverse[5] * sy;
    if (!(col >= 0 && row >= 0 && col < terrain.width() && row < terrain.height()))
        throw DataError(fmt::format("{}: the site is outside the DEM ({} x {} cells); give a DEM that covers the site and its range", where(),
                                    terrain.width(), terrain.height()));
    const auto lonlat_of = [&](double c, double r) {
        double x = gt[0] + gt[1] * c + gt[2] * r, y = gt[3] + gt[4] * c + gt[5] * r;
        if (!OCTTransform(from_dem.get(), 1, &x, &y, nullptr)) fail("a DEM cell cannot be placed in lon/lat");
        return LonLat{x, y};
    };
    const LonLat corner = lonlat_of(std::floor(col), std::floor(row));
    const double cell_x_m = geodesic_inverse(corner, lonlat_of(std::floor(col) + 1, std::floor(row))).distance_m;
    const double cell_y_m = geodesic_inverse(corner, lonlat_of(std::floor(col), std::floor(row) + 1)).distance_m;
    const double native_m = std::sqrt(cell_x_m * cell_y_m);
    if (!(native_m > 0) || !std::isfinite(native_m)) fail("the DEM's cell size at the site is not a positive distance");

    // An odd number of cells across, at most max_cells_across, the site at the centre of the
    // middle one, covering the range: m cells and a half each side of the site.
    const int most = (max_cells_across - 1) / 2;
    const double resolution_m = std::max(native_m, max_range_m / (most + 0.5));
    const int m = std::min(most, static_cast<int>(std::ceil(max_range_m / resolution_m - 0.5)));
    const int n = 2 * m + 1;
    const double half = n / 2.0 * resolution_m;

    const std::string aeqd = fmt::format("+proj=aeqd +lat_0={:.12g} +lon_0={:.12g} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs", site.lat, site.lon);
    const std::vector<std::string> args = {"-of",      "MEM",    "-t_srs",     aeqd, "-te", fmt::format("{:.17g}", -half), fmt::format("{:.17g}", -half),
                                           fmt::format("{:.17g}", half), fmt::format("{:.17g}", half), "-ts", std::to_string(n), std::to_string(n),
                                           "-r",       "bilinear", "-ot",      "Float32", "-dstnodata", fmt::format("{:g}", no_ground),
                                           "-wm",      "256"};  // MB: a 4,001-cell grid in one pass, 25% faster than 64
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const std::unique_ptr<GDALWarpAppOptions, WarpOptionsDeleter> options(GDALWarpAppOptionsNew(argv.data(), nullptr));
    if (!options) fail("cannot set up the resampling of the DEM");
    GDALDatasetH sources[] = {dem.get()};
    int usage_error = 0;
    const gdal::DatasetPtr grid(GDALWarp("", nullptr, 1, sources, options.get(), &usage_error));
    if (!grid) fail("cannot resample the DEM around the site");

    TerrainView view;
    view.site_ = site;
    view.max_range_m_ = max_range_m;
    view.sensor_height_m_ = sensor_height_m;
    view.refraction_k_ = refraction_k;
    view.resolution_m_ = resolution_m;
    view.cells_across_ = n;
    const std::size_t cells = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
    view.ground_m_.resize(cells);
    GDALRasterBandH ground_band = GDALGetRasterBand(grid.get(), 1);
    if (GDALRasterIO(ground_band, GF_Read, 0, 0, n, n, view.ground_m_.data(), n, n, GDT_Float32, 0, 0) != CE_None) fail("cannot read the resampled DEM");

    // Cells without elevation: NaN in the view, below any ground for the viewshed (row by row).
    const auto centre_distance_m = [&](int r, int c) { return std::hypot((c - m) * resolution_m, (r - m) * resolution_m); };
    std::vector<float> for_viewshed(static_cast<std::size_t>(n));
    for (int r = 0; r < n; ++r) {
        for (int c = 0; c < n; ++c) {
            float& g = view.ground_m_[static_cast<std::size_t>(r) * n + c];
            if (g == no_ground || !std::isfinite(g)) {
                g = std::numeric_limits<float>::quiet_NaN();
                if (centre_distance_m(r, c) <= max_range_m) view.covers_range_ = false;
            }
            for_viewshed[static_cast<std::size_t>(c)] = std::isnan(g) ? static_cast<float>(below_any_ground_m) : g;
        }
        if (GDALRasterIO(ground_band, GF_Write, 0, r, n, 1, for_viewshed.data(), n, 1, GDT_Float32, 0, 0) != CE_None)
            fail("cannot prepare the resampled DEM");
    }
    const float at_site = view.ground_m_[static_cast<std::size_t>(m) * n + m];
    if (std::isnan(at_site))
        throw DataError(fmt::format("{}: the DEM has no elevation at the site; give a DEM with data there", where()));
    view.ground_at_site_m_ = at_site;
    GDALDeleteRasterNoDataValue(ground_band);

    // GDAL lowers every height by curvature_coefficient * d^2 / (2 a), a the CRS's semi-major
    // axis; the effective earth lowers it by d^2 / (2 k R): the coefficient is a / (k R).
    const double gaussian_radius_m = std::sqrt(meridional_radius_m(site.lat) * prime_vertical_radius_m(site.lat));
    const double semi_major_m = OSRGetSemiMajor(lonlat.get(), nullptr);
    const double curvature_coefficient = semi_major_m / (refraction_k * gaussian_radius_m);
    const gdal::DatasetPtr heights(GDALViewshedGenerate(ground_band, "MEM", "", nullptr, 0.0, 0.0, sensor_height_m, 0.0, 255.0, 0.0, 0.0, -1.0,
                                                        curvature_coefficient, GVM_Edge, 0.0, nullptr, nullptr, GVOT_MIN_TARGET_HEIGHT_FROM_GROUND,
                                                        nullptr));
    if (!heights) fail("GDAL's viewshed failed");
    if (GDALGetRasterXSize(heights.get()) != n || GDALGetRasterYSize(heights.get()) != n)
        fail(fmt::format("GDAL's viewshed gave {} x {} cells for {} x {}", GDALGetRasterXSize(heights.get()), GDALGetRasterYSize(heights.get()), n, n));
    view.lowest_above_ground_m_.resize(cells);
    if (GDALRasterIO(GDALGetRasterBand(heights.get(), 1), GF_Read, 0, 0, n, n, view.lowest_above_ground_m_.data(), n, n, GDT_Float32, 0, 0) != CE_None)
        fail("cannot read the viewshed");
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) {
            const std::size_t i = static_cast<std::size_t>(r) * n + c;
            if (std::isnan(view.ground_m_[i]) || centre_distance_m(r, c) > max_range_m) view.lowest_above_ground_m_[i] = std::numeric_limits<float>::infinity();
        }
    return view;
}

}  // namespace dza
