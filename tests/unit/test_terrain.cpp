// Terrain masking against closed forms: on a flat DEM the smooth-earth radar horizon and lowest
// visible altitude of sensor.hpp; behind a straight ridge the shadow of similar triangles (with
// the curvature drop); and the DEMs it refuses. Every DEM is written here, in a scratch folder.
#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/UTMUPS.hpp>
#include <gdal.h>
#include <ogr_srs_api.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "dza/error.hpp"
#include "dza/sensor.hpp"
#include "dza/terrain.hpp"
#include "geos/geos.hpp"
#include "helpers.hpp"

using namespace dza;

namespace {

// A single-band Float32 GeoTIFF of `width` x `height` cells, cell (col, row) at height
// z(col, row); CRS from `crs` (e.g. "EPSG:4326"), none when empty.
void write_dem(const std::string& path, int width, int height, const double (&transform)[6], const std::string& crs,
               const std::function<float(int, int)>& z, int bands = 1) {
    GDALAllRegister();
    const char* options[] = {"COMPRESS=DEFLATE", "TILED=YES", nullptr};
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path.c_str(), width, height, bands, GDT_Float32, const_cast<char**>(options));
    REQUIRE(ds);
    double gt[6];
    std::copy(std::begin(transform), std::end(transform), gt);
    GDALSetGeoTransform(ds, gt);
    if (!crs.empty()) {
        OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
        REQUIRE(OSRSetFromUserInput(srs, crs.c_str()) == OGRERR_NONE);
        GDALSetSpatialRef(ds, srs);
        OSRRelease(srs);
    }
    std::vector<float> row(static_cast<std::size_t>(width));
    for (int b = 1; b <= bands; ++b)
        for (int r = 0; r < height; ++r) {
            for (int c = 0; c < width; ++c) row[static_cast<std::size_t>(c)] = z(c, r);
            REQUIRE(GDALRasterIO(GDALGetRasterBand(ds, b), GF_Write, 0, r, width, 1, row.data(), width, 1, GDT_Float32, 0, 0) == CE_None);
        }
    GDALClose(ds);
}

LonLat direct(LonLat from, double azimuth_deg, double distance_m) {
    LonLat p;
    GeographicLib::Geodesic::WGS84().Direct(from.lat, from.lon, azimuth_deg, distance_m, p.lat, p.lon);
    return p;
}

// A flat DEM at 0 m in EPSG:4326, 6" cells (185 m x 119 m at 50 N), 1.1 degrees of latitude and
// 1.7 of longitude (over 120 km) each side of (10 E, 50 N).
const LonLat flat_site{10.0, 50.0};
std::string flat_dem(const test::ScratchDir& dir) {
    const std::string path = dir.file("flat.tif");
    const double cell = 6.0 / 3600;
    const int cols = static_cast<int>(std::lround(3.4 / cell)), rows = static_cast<int>(std::lround(2.2 / cell));
    const double gt[6] = {flat_site.lon - 1.7, cell, 0, flat_site.lat + 1.1, 0, -cell};
    write_dem(path, cols, rows, gt, "EPSG:4326", [](int, int) { return 0.0f; });
    return path;
}

}  // namespace

TEST_CASE("a flat DEM reproduces the smooth-earth radar horizon and lowest visible altitude", "[terrain]") {
    const test::ScratchDir dir;
    const Terrain terrain = Terrain::open(flat_dem(dir));
    const double max_range_m = 120000;
    for (double k : {4.0 / 3.0, 1.0})
        for (double sensor_m : {10.0, 30.0}) {
            const TerrainView view = terrain_view(terrain, flat_site, sensor_m, max_range_m, k);
            CAPTURE(k, sensor_m, view.resolution_m());
            CHECK(view.covers_range());
            // The DEM's own cell size at the site: sqrt(185.3 m * 119.3 m) = 148.7 m (to 1 m).
            CHECK(view.resolution_m() == Approx(148.7).margin(1.0));
            const double cell_m = view.resolution_m() * std::sqrt(2.0);  // a cell's diagonal
            for (double target_m : {50.0, 300.0}) {
                const Geometry seen = view.visible(target_m, AltitudeRef::AboveGround);
                REQUIRE(seen.is_valid());
                const geos::PreparedPtr prepared(GEOSPrepare_r(geos::ctx(), seen.get()));
                for (double azimuth : {0.0, 45.0, 90.0, 135.0, 200.0, 270.0, 330.0}) {
                    const double expected_m = radar_horizon_m(normal_section_radius_m(flat_site.lat, azimuth), k, sensor_m, target_m);
                    // The farthest point seen along the geodesic, in 20 m steps.
                    double farthest_m = 0;
                    for (double d = 0.5 * expected_m; d <= 1.5 * expected_m; d += 20)
                        if (GEOSPreparedCovers_r(geos::ctx(), prepared.get(), Geometry::point(direct(flat_site, azimuth, d)).get()) == 1) farthest_m = d;
                    CAPTURE(target_m, azimuth, expected_m, farthest_m);
                    // Tolerance: 1% of the horizon distance plus a cell's diagonal and a step.
                    CHECK(std::fabs(farthest_m - expected_m) <= 0.01 * expected_m + cell_m + 20);
                }
            }
            // The lowest visible altitude at points, against sensor.hpp's smooth-earth formula.
            SensorReach reach;
            reach.max_range_m = max_range_m;
            reach.sensor_height_m = sensor_m;
            for (double azimuth : {10.0, 100.0, 250.0})
                for (double d : {2000.0, 15000.0, 30000.0, 50000.0, 80000.0, 110000.0}) {
                    const LonLat p = direct(flat_site, azimuth, d);
                    const double expected = lowest_visible_altitude_m(reach, flat_site, p, k);
                    // A cell's worth: how much the expected value changes over a cell's diagonal.
                    const double per_cell = lowest_visible_altitude_m(reach, flat_site, direct(flat_site, azimuth, d + cell_m), k) - expected;
                    const double got = view.lowest_visible_altitude_m(p, AltitudeRef::AboveGround);
                    CAPTURE(azimuth, d, expected, got, per_cell);
                    // Tolerance: 1% plus a cell's worth plus 0.1 m (float storage).
                    CHECK(std::fabs(got - expected) <= 0.01 * expected + per_cell + 0.1);
                    // The ground is at 0 m: above sea level is the same.
                    CHECK(view.lowest_visible_altitude_m(p, AltitudeRef::AboveSeaLevel) == Approx(got).margin(1e-9));
                }
            // Beyond the maximum range nothing is seen.
            CHECK(view.lowest_visible_altitude_m(direct(flat_site, 45, max_range_m - 2000), AltitudeRef::AboveGround) < never_visible_m);
            CHECK(view.lowest_visible_altitude_m(direct(flat_site, 45, max_range_m + 2000), AltitudeRef::AboveGround) == never_visible_m);
        }
}

TEST_CASE("a view is at most max_cells_across cells across, coarser than the DEM when needed", "[terrain]") {
    const test::ScratchDir dir;
    const Terrain terrain = Terrain::open(flat_dem(dir));
    const TerrainView coarse = terrain_view(terrain, flat_site, 10, 120000, 4.0 / 3.0, 101);
    CHECK(coarse.cells_across() == 101);
    // 50 cells and a half each side of the site's cell centre reach the range exactly.
    CHECK(coarse.resolution_m() == Approx(120000 / 50.5).epsilon(1e-12));
    // Fine enough for the DEM's own cells: those (148.7 m), 2 * 10 km / 148.7 m = 135 cells.
    const TerrainView fine = terrain_view(terrain, flat_site, 10, 10000, 4.0 / 3.0, 1001);
    CHECK(fine.resolution_m() == Approx(148.7).margin(1.0));
    // Odd, covering the range, and no cell wider than needed to do so.
    CHECK(fine.cells_across() % 2 == 1);
    CHECK(fine.cells_across() * fine.resolution_m() / 2 >= 10000);
    CHECK((fine.cells_across() - 2) * fine.resolution_m() / 2 < 10000);
}

namespace {

// A DEM in UTM zone 32N (EPSG:32632), 20 m cells, ground at 100 m, with a straight wall 50 m
// high (150 m above sea level) along the grid's east-west lines from 2,000 m to 2,200 m north of
// the site, which stands on the zone's central meridian (9 E, 50 N) at a cell's centre. The DEM
// spans 8 km west, east, south and north of the site.
constexpr double ridge_base_m = 100, ridge_height_m = 50, ridge_grid_north_m = 2000, ridge_depth_m = 200;
const LonLat ridge_site{9.0, 50.0};
std::string ridge_dem(const test::ScratchDir& dir) {
    const std::string path = dir.file("ridge.tif");
    int zone = 0;
    bool north = true;
    double e = 0, n = 0;
    GeographicLib::UTMUPS::Forward(ridge_site.lat, ridge_site.lon, zone, north, e, n, 32);
    const double cell = 20;
    const int west = 400, south = 400;  // cells from the DEM's edges to the site's cell
    const int cols = 2 * west + 1, rows = 2 * south + 1;
    const double gt[6] = {e - (west + 0.5) * cell, cell, 0, n + (rows - south - 0.5) * cell, 0, -cell};
    const int site_row = rows - 1 - south;
    write_dem(path, cols, rows, gt, "EPSG:32632", [&](int, int r) {
        const double north_m = (site_row - r) * cell;  // of the cell's centre
        return static_cast<float>(north_m >= ridge_grid_north_m && north_m <= ridge_grid_north_m + ridge_depth_m ? ridge_base_m + ridge_height_m
                                                                                                                   : ridge_base_m);
    });
    return path;
}

// The geodesic distance along `azimuth` from the site to the wall's near face (grid northing of
// the site plus ridge_grid_north_m), by bisection on GeographicLib's UTM.
double distance_to_ridge_m(double azimuth) {
    int zone = 0;
    bool north = true;
    double e0 = 0, n0 = 0;
    GeographicLib::UTMUPS::Forward(ridge_site.lat, ridge_site.lon, zone, north, e0, n0, 32);
    double lo = 0, hi = 10000;
    for (int i = 0; i < 100; ++i) {
        const double mid = 0.5 * (lo + hi);
        const LonLat p = direct(ridge_site, azimuth, mid);
        double e = 0, n = 0;
        GeographicLib::UTMUPS::Forward(p.lat, p.lon, zone, north, e, n, 32);
        (n - n0 < ridge_grid_north_m ? lo : hi) = mid;
    }
    return lo;
}

}  // namespace

TEST_CASE("a straight ridge casts the shadow similar triangles predict", "[terrain]") {
    const test::ScratchDir dir;
    const Terrain terrain = Terrain::open(ridge_dem(dir));
    const double sensor_m = 10, k = 4.0 / 3.0;
    const TerrainView view = terrain_view(terrain, ridge_site, sensor_m, 1900, k);
    CHECK(view.covers_range());
    CHECK(view.ground_at_site_m() == Approx(ridge_base_m).margin(1e-3));
    // The DEM's 20 m grid cells are 20 / 0.9996 m on the ground at the central meridian.
    CHECK(view.resolution_m() == Approx(20 / 0.9996).margin(0.01));

    const TerrainView far = terrain_view(terrain, ridge_site, sensor_m, 7500, k);
    CHECK(far.covers_range());
    const double cell_m = far.resolution_m() * std::sqrt(2.0);
    // The curvature drop over d with the effective earth (radius k M, looking about north).
    const double kr = k * meridional_radius_m(ridge_site.lat);
    const auto drop = [&](double d) { return d * d / (2 * kr); };
    for (double azimuth : {0.0, 30.0, -40.0}) {
        const double ridge_m = distance_to_ridge_m(azimuth);
        // Ridge top and target lowered by the curvature; eye at sensor_m, all above the base.
        const auto hidden_below = [&](double x) { return sensor_m + (ridge_height_m - drop(ridge_m) - sensor_m) * x / ridge_m + drop(x); };
        const double slope = (ridge_height_m - sensor_m) / ridge_m;  // the shadow's rise per metre
        for (double x : {3000.0, 4500.0, 6000.0, 7000.0}) {
            const LonLat p = direct(ridge_site, azimuth, x);
            const double expected = hidden_below(x);
            const double got = far.lowest_visible_altitude_m(p, AltitudeRef::AboveGround);
            CAPTURE(azimuth, ridge_m, x, expected, got);
            // Tolerance: 1% plus a cell's worth of the shadow's rise (on both the ridge's face,
            // resampled from the DEM, and the target's cell) plus 0.1 m. A flat-earth prediction
            // would be off by drop(x) (up to 2.9 m at 7 km): the curvature is in the prediction.
            const double tolerance = 0.01 * expected + 2 * slope * cell_m * x / ridge_m + 0.1;
            CHECK(std::fabs(got - expected) <= tolerance);
            CHECK(far.lowest_visible_altitude_m(p, AltitudeRef::AboveSeaLevel) == Approx(got + ridge_base_m).margin(1e-3));
            // The polygons agree: seen above the shadow, hidden below it (above sea level).
            const Geometry point = Geometry::point(p);
            CHECK(far.visible(ridge_base_m + expected + tolerance + 1, AltitudeRef::AboveSeaLevel).covers(point));
            CHECK_FALSE(far.visible(ridge_base_m + expected - tolerance - 1, AltitudeRef::AboveSeaLevel).covers(point));
        }
        // In front of the ridge the bare ground is seen.
        CHECK(far.lowest_visible_altitude_m(direct(ridge_site, azimuth, 1000), AltitudeRef::AboveGround) == Approx(0).margin(0.1));
        CHECK(far.lowest_visible_altitude_m(direct(ridge_site, azimuth, 1000), AltitudeRef::AboveSeaLevel) == Approx(ridge_base_m).margin(0.1));
    }
    // A target below the ground is never seen; one above the sea and the ground in front is.
    CHECK(far.visible(ridge_base_m - 1, AltitudeRef::AboveSeaLevel).is_empty());
    CHECK(far.visible(ridge_base_m + 1, AltitudeRef::AboveSeaLevel).covers(Geometry::point(direct(ridge_site, 0, 1000))));
}

TEST_CASE("a range beyond the DEM is flagged and its cells are never visible", "[terrain]") {
    const test::ScratchDir dir;
    const Terrain terrain = Terrain::open(ridge_dem(dir));
    const TerrainView view = terrain_view(terrain, ridge_site, 10, 12000, 4.0 / 3.0);
    CHECK_FALSE(view.covers_range());
    // 9 km west is off the DEM (it spans 8 km west); 7 km west is on it.
    CHECK(view.lowest_visible_altitude_m(direct(ridge_site, 270, 9000), AltitudeRef::AboveGround) == never_visible_m);
    CHECK(view.lowest_visible_altitude_m(direct(ridge_site, 270, 7000), AltitudeRef::AboveGround) < 10);
    CHECK_FALSE(view.visible(10000, AltitudeRef::AboveGround).covers(Geometry::point(direct(ridge_site, 270, 9000))));
    CHECK(view.visible(10000, AltitudeRef::AboveGround).covers(Geometry::point(direct(ridge_site, 270, 7000))));
}

TEST_CASE("terrain views made on several threads at once are the same as made one by one", "[terrain]") {
    const test::ScratchDir dir;
    const Terrain terrain = Terrain::open(ridge_dem(dir));
    const std::vector<double> heights = {5, 10, 20, 40};
    std::vector<double> serial, parallel(heights.size());
    const LonLat probe = direct(ridge_site, 20, 5000);
    for (double h : heights) serial.push_back(terrain_view(terrain, ridge_site, h, 7000, 1.0).lowest_visible_altitude_m(probe, AltitudeRef::AboveGround));
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < heights.size(); ++i)
        threads.emplace_back([&, i] { parallel[i] = terrain_view(terrain, ridge_site, heights[i], 7000, 1.0).lowest_visible_altitude_m(probe, AltitudeRef::AboveGround); });
    for (auto& t : threads) t.join();
    CHECK(parallel == serial);
    // A higher sensor sees lower behind the ridge.
    CHECK(serial[0] > serial[3]);
}

TEST_CASE("bad DEMs, sites and requests are refused with the file named", "[terrain]") {
    const test::ScratchDir dir;
    const double gt[6] = {9.0, 0.01, 0, 51.0, 0, -0.01};
    const auto flat = [](int, int) { return 0.0f; };
    const auto data_error = [](const std::function<void()>& fn) { return test::error_of<DataError>(fn); };
    using Catch::Matchers::Contains;

    const std::string missing = dir.file("missing.tif");
    CHECK_THAT(data_error([&] { Terrain::open(missing); }), Contains(missing) && Contains("no such file"));
    const std::string text = test::write_text(dir.file("notes.tif"), "not a raster\n");
    CHECK_THAT(data_error([&] { Terrain::open(text); }), Contains(text));

    const std::string three = dir.file("three.tif");
    write_dem(three, 10, 10, gt, "EPSG:4326", flat, 3);
    CHECK_THAT(data_error([&] { Terrain::open(three); }), Contains(three) && Contains("3 bands"));

    const std::string no_crs = dir.file("no_crs.tif");
    write_dem(no_crs, 10, 10, gt, "", flat);
    CHECK_THAT(data_error([&] { Terrain::open(no_crs); }), Contains(no_crs) && Contains("no coordinate reference system"));

    const std::string ellipsoidal = dir.file("ellipsoidal.tif");
    write_dem(ellipsoidal, 10, 10, gt, "EPSG:4979", flat);
    CHECK_THAT(data_error([&] { Terrain::open(ellipsoidal); }), Contains(ellipsoidal) && Contains("ellipsoidal heights"));

    // Heights above a geoid (EGM96, EPSG:5773) in a compound CRS are accepted.
    const std::string compound = dir.file("compound.tif");
    write_dem(compound, 10, 10, gt, "EPSG:4326+5773", flat);
    const Terrain ok = Terrain::open(compound);
    CHECK_THAT(data_error([&] { terrain_view(ok, {20.0, 50.0}, 10, 5000, 4.0 / 3.0); }), Contains(compound) && Contains("outside the DEM"));
    CHECK_THAT(test::error_of<UsageError>([&] { terrain_view(ok, {9.05, 50.95}, 10, -1, 4.0 / 3.0); }), Contains("maximum range"));
    CHECK_THAT(test::error_of<UsageError>([&] { terrain_view(ok, {9.05, 50.95}, 10, 5000, 0); }), Contains("refraction"));
    CHECK_THAT(data_error([&] { terrain_view(ok, {9.05, 50.95}, 10, 5e6, 1); }), Contains("north pole"));
    CHECK(terrain_view(ok, {9.05, 50.95}, 10, 3000, 1).covers_range());

    CHECK(altitude_ref_from_text("AGL") == AltitudeRef::AboveGround);
    CHECK(altitude_ref_from_text("amsl") == AltitudeRef::AboveSeaLevel);
    CHECK_THAT(test::error_of<UsageError>([] { altitude_ref_from_text("msl", "--altitude-ref"); }), Contains("--altitude-ref") && Contains("\"msl\""));
}

// Not run by default: the time of a 300 km view on a 90 m DEM (a 6,700 x 6,700-cell synthetic
// landscape in UTM written first), printed.
TEST_CASE("terrain view time for 300 km on a 90 m DEM", "[.terrain-bench]") {
    const test::ScratchDir dir;
    const std::string path = dir.file("dem90.tif");
    int zone = 0;
    bool north = true;
    double e = 0, n = 0;
    GeographicLib::UTMUPS::Forward(50.0, 9.0, zone, north, e, n, 32);
    const double cell = 90;
    const int half = 3400, size = 2 * half + 1;
    const double gt[6] = {e - (half + 0.5) * cell, cell, 0, n + (half + 0.5) * cell, 0, -cell};
    write_dem(path, size, size, gt, "EPSG:32632", [](int c, int r) {
        return static_cast<float>(400 + 300 * std::sin(c * 0.013) * std::cos(r * 0.011) + 80 * std::sin(c * 0.11 + r * 0.07));
    });
    const Terrain terrain = Terrain::open(path);
    const auto t0 = std::chrono::steady_clock::now();
    const TerrainView view = terrain_view(terrain, {9.0, 50.0}, 30, 300000, 4.0 / 3.0);
    const auto t1 = std::chrono::steady_clock::now();
    const Geometry seen = view.visible(300, AltitudeRef::AboveGround);
    const auto t2 = std::chrono::steady_clock::now();
    const Geometry seen_high = view.visible(3000, AltitudeRef::AboveSeaLevel);
    const auto t3 = std::chrono::steady_clock::now();
    const auto s = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    WARN("cells across " << view.cells_across() << " at " << view.resolution_m() << " m; terrain_view " << s(t0, t1) << " s; visible(300 agl) "
                         << s(t1, t2) << " s; visible(3000 amsl) " << s(t2, t3) << " s; covers_range " << view.covers_range());
    CHECK(!seen.is_empty());
    CHECK(!seen_high.is_empty());
}
