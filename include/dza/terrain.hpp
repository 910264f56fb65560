#pragma once
// Terrain masking: where a sensor's line of sight reaches over a digital elevation model (DEM).
//
// Heights. The DEM's values are taken as metres above sea level (orthometric heights, as SRTM's
// above the EGM96 geoid). A DEM whose CRS says its heights are ellipsoidal (a 3D geographic or 3D
// projected CRS without a vertical datum) is refused with a DataError rather than converted: give
// it heights above a geoid first (e.g. gdalwarp -t_srs EPSG:4326+5773 for EGM96). A DEM in feet,
// or with a scale or offset on its band, is refused the same way.
//
// Method. terrain_view() resamples the DEM (bilinear) onto a square grid in an azimuthal
// equidistant projection centred on the site (PROJ "+proj=aeqd +lat_0=.. +lon_0=.. +ellps=WGS84"),
// where the distance of a cell from the site is its geodesic distance. The grid covers the
// maximum range; its cell size is the DEM's own cell size at the site in metres (the geometric
// mean of the DEM cell's two sides on the ground), coarsened when needed so the grid is at most
// `max_cells_across` cells across (4,001 by default: 150 m cells at 300 km, where a view takes
// about 3 s on a 90 m DEM and holds 8 bytes a cell, 128 MB; the resampling works in up to 256 MB). GDAL's viewshed (GDALViewshedGenerate, the single-scan method of Wang et al. 2000)
// then gives, for every cell, the lowest target height above the ground at which the target is in
// line of sight from the sensor, `sensor_height_m` above the ground at the site.
//
// Earth curvature and refraction. Heights are lowered by d^2 / (2 k R) at distance d, the
// effective-earth model of sensor.hpp with R the WGS84 Gaussian radius sqrt(M N) at the site's
// latitude (GDAL takes one radius for every azimuth; the normal-section radius of sensor.hpp
// differs from it by at most 0.35% at any latitude, so horizon distances by at most 0.2%). On a
// flat DEM this is the smooth-earth radar horizon of sensor.hpp (tests/unit/test_terrain.cpp).
//
// Coverage of the DEM. The site must lie on the DEM (a DataError otherwise). Cells within the
// maximum range that the DEM does not cover, or where it has no data, never block a line of sight
// and are never visible; covers_range() is then false, for the caller to warn about.
//
// Threads. A Terrain holds no GDAL handle, only what it checked: terrain_view() opens a dataset
// handle of its own for each call, so several threads may call it at once on one Terrain. A
// TerrainView is plain memory: its const methods may be called from several threads at once.
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "dza/geometry.hpp"

namespace dza {

// What a target altitude is measured from: the ground below the target, or sea level (the DEM's
// datum). --altitude-ref agl|amsl.
enum class AltitudeRef { AboveGround, AboveSeaLevel };

// "agl" or "amsl" (any case); UsageError naming `what` otherwise.
AltitudeRef altitude_ref_from_text(const std::string& text, const std::string& what = "altitude reference");
const char* altitude_ref_text(AltitudeRef ref);  // "agl", "amsl"

// A DEM that GDAL reads (any raster driver, e.g. an SRTM GeoTIFF): one band of elevations in
// metres, georeferenced, with a CRS.
class Terrain {
public:
    // DataError naming the file when it cannot be opened as a raster, has more than one band, a
    // band that is not real numbers, no CRS or no geotransform, ellipsoidal heights, heights in
    // another unit than metres, or a scale or offset.
    static Terrain open(const std::string& path);

    const std::string& path() const { return path_; }
    int width() const { return width_; }
    int height() const { return height_; }
    const std::string& crs_wkt() const { return crs_wkt_; }
    const double* geo_transform() const { return geo_transform_; }

private:
    std::string path_;
    std::string crs_wkt_;
    double geo_transform_[6] = {0, 1, 0, 0, 0, 1};
    int width_ = 0;
    int height_ = 0;
};

inline constexpr int default_max_cells_across = 4001;

// What a sensor sees over the terrain out to its maximum range: made once per site and sensor
// height, reused for every target altitude.
class TerrainView {
public:
    // The cells where a target at `target_altitude_m` (above the ground under it, or above sea
    // level) is in line of sight, as lon/lat polygons: the union of the cells' squares in the
    // azimuthal equidistant grid, each vertex mapped back exactly (edges longer than 8 cells
    // are densified first), valid, in continuous longitudes split at the antimeridian. An empty
    // polygon when no cell is visible. A target below the ground is never visible.
    Geometry visible(double target_altitude_m, AltitudeRef ref) const;

    // The lowest altitude (above the ground at `point`, or above sea level) at which a target at
    // `point` is in line of sight: the value of the grid cell containing the point, 0 where the
    // bare ground is seen (AboveGround; the ground's height for AboveSeaLevel). +infinity outside
    // the maximum range (cells whose centre lies beyond it) or where the DEM has no data.
    double lowest_visible_altitude_m(LonLat point, AltitudeRef ref) const;

    double resolution_m() const { return resolution_m_; }  // the grid's cell size
    int cells_across() const { return cells_across_; }     // the grid is square, the site in its centre cell
    // False when some cell within the maximum range has no elevation (outside the DEM or no data):
    // those cells are never visible and block nothing.
    bool covers_range() const { return covers_range_; }
    LonLat site() const { return site_; }
    double max_range_m() const { return max_range_m_; }
    double sensor_height_m() const { return sensor_height_m_; }
    double refraction_k() const { return refraction_k_; }
    double ground_at_site_m() const { return ground_at_site_m_; }  // above sea level

private:
    friend TerrainView terrain_view(const Terrain&, LonLat, double, double, double, int);
    // Index of the cell containing `point`, or -1 outside the grid.
    long cell_of(LonLat point) const;
    LonLat site_;
    double max_range_m_ = 0, sensor_height_m_ = 0, refraction_k_ = 0, resolution_m_ = 0, ground_at_site_m_ = 0;
    int cells_across_ = 0;
    bool covers_range_ = true;
    // Row by row from the north-west corner, cells_across_ squared values each: the lowest visible
    // height above the ground (+inf when never visible) and the ground above sea level (NaN when
    // the DEM has no data there).
    std::vector<float> lowest_above_ground_m_;
    std::vector<float> ground_m_;
};

// The view from `site` with a sensor `sensor_height_m` above the ground, out to `max_range_m`,
// with the effective-earth-radius factor `refraction_k` (4/3 standard refraction, 1 none).
// UsageError for a non-finite or non-positive range or k, or a negative sensor height; DataError
// when the site is not on the DEM, when the range reaches a pole, or when GDAL fails.
TerrainView terrain_view(const Terrain& terrain, LonLat site, double sensor_height_m, double max_range_m, double refraction_k,
                         int max_cells_across = default_max_cells_across);

}  // namespace dza
