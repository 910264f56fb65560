#pragma once
// Eligible basing zones: the controlled side of the territory, minus a geodesic stand-off band
// from the line (or from the occupied area), limited by the eligibility rule (eligibility.hpp) to
// the allowed regions, to the part west of a meridian, and to basing areas; split by region and
// by distance band from the line.
#include <optional>
#include <string>
#include <vector>

#include "dza/callbacks.hpp"
#include "dza/eligibility.hpp"
#include "dza/geometry.hpp"
#include "dza/layer.hpp"
#include "dza/territory.hpp"

namespace dza {

struct ZonesOptions {
    EligibilityRule eligibility;
    // Widths of the distance bands beyond the stand-off, in metres; the last band is open.
    std::vector<double> band_widths_m = {50000.0, 50000.0, 100000.0};
    double tolerance_m = 10;
    // What to draw besides the figures (the total and each region's eligible area, always
    // computed and the same either way): the eligible zone's pieces by region and distance band,
    // for zones_layer (off: `pieces` is empty and no band's buffer is built), and the stand-off
    // band within the territory, for standoff_layer (off: `standoff_band` is an empty polygon).
    bool pieces = true;
    bool standoff_band = true;
    Callbacks callbacks;
};

struct RegionZone {
    std::string name;
    double area_km2 = 0;      // the whole region, on the ellipsoid
    double eligible_km2 = 0;  // of it, eligible
    double eligible_pct = 0;
};

struct ZonePiece {
    std::string region;
    double band_min_km = 0;
    std::optional<double> band_max_km;  // none for the last, open band
    double area_km2 = 0;
    Geometry geometry;
};

struct ZonesResult {
    Geometry standoff_band;  // the part of the territory within the stand-off
    Geometry eligible;
    std::vector<RegionZone> regions;  // in the regions layer's order; a region not allowed has nothing eligible
    std::vector<ZonePiece> pieces;    // by region, then band
    double total_area_km2 = 0;        // eligible, total
    double controlled_area_km2 = 0;
    double max_error_m = 0;           // of the stand-off band's boundary
    std::string method;
};

// `territory` comes from split_territory (the band is measured from its line) or from
// territory_from_occupied (the band is measured from the occupied area).
ZonesResult compute_zones(const Layer& regions, const Territory& territory, const ZonesOptions& options);

// The eligible pieces as a layer (region, band, area_km2), and the stand-off band as a layer.
Layer zones_layer(const ZonesResult& result, double standoff_m);
Layer standoff_layer(const ZonesResult& result, double standoff_m);

}  // namespace dza
