#include <catch2/catch.hpp>

#include <cctype>
#include <sstream>

#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/zones.hpp"
#include "helpers.hpp"
#include "reference.hpp"
#include "test_paths.hpp"

using namespace dza;

namespace {
Layer square_regions() {
    return dza::test::named_polygons({{"West", {{20, 45}, {25, 45}, {25, 50}, {20, 50}}}, {"East", {{25, 45}, {30, 45}, {30, 50}, {25, 50}}}});
}

std::vector<LonLat> vertices(const Geometry& g) {
    std::vector<LonLat> out;
    std::string wkt = g.to_wkt(12);
    for (char& c : wkt)
        if (c == '(' || c == ')' || c == ',') c = ' ';
    std::istringstream in(wkt);
    std::string word;
    double lon = 0, lat = 0;
    while (in >> word) {
        if (std::isalpha(static_cast<unsigned char>(word[0]))) continue;
        lon = std::stod(word);
        in >> lat;
        out.push_back({lon, lat});
    }
    return out;
}
}  // namespace

TEST_CASE("eligible zone: the controlled side beyond the stand-off, checked point by point", "[zones]") {
    const Layer regions = square_regions();
    Layer line;
    line.name = "line";
    Feature f;
    f.geometry = Geometry::line({{27, 50.5}, {27, 44.5}});
    line.features.push_back(std::move(f));
    const std::vector<LonLat> line_path = {{27, 50.5}, {27, 44.5}};
    ControlledSide west;
    west.contains = LonLat{21, 46};
    const Territory t = split_territory(regions, line, west);
    ZonesOptions options;
    options.eligibility.standoff_m = 100000.0;
    const ZonesResult z = compute_zones(regions, t, options);

    // Every vertex of the eligible zone is at least the stand-off from the line (GeographicLib),
    // less the band's stated error; vertices not on the territory's edge sit on the band's edge.
    REQUIRE_FALSE(z.eligible.is_empty());
    REQUIRE(z.max_error_m > 0);
    REQUIRE(z.max_error_m <= 10.0);
    int on_band = 0;
    for (const LonLat& v : vertices(z.eligible)) {
        const double d = reference::nearest_on_path_bounded(v, line_path).distance_m;
        CHECK(d >= 100000.0 - z.max_error_m - 1e-3);
        const bool on_territory_edge = std::fabs(v.lon - 20) < 1e-9 || std::fabs(v.lat - 45) < 1e-9 || std::fabs(v.lat - 50) < 1e-9;
        if (!on_territory_edge) {
            CHECK(d == Approx(100000.0).margin(z.max_error_m + 1e-3));
            ++on_band;
        }
    }
    CHECK(on_band > 10);

    // Each region's eligible share, estimated independently on an area-weighted grid of cell
    // centres (GeographicLib distances; the controlled side is west of 27E): agrees within the
    // grid's resolution, 0.5 percentage points.
    REQUIRE(z.regions.size() == 2);
    const auto grid_share = [&](double lon0, double lon1) {
        double eligible_weight = 0, total_weight = 0;
        for (double lat = 45.025; lat < 50; lat += 0.05)
            for (double lon = lon0 + 0.025; lon < lon1; lon += 0.05) {
                const double w = std::cos(lat * M_PI / 180);
                total_weight += w;
                if (lon < 27 && reference::nearest_on_path_bounded({lon, lat}, line_path).distance_m >= 100000.0) eligible_weight += w;
            }
        return 100.0 * eligible_weight / total_weight;
    };
    CHECK(z.regions[0].name == "West");
    CHECK(z.regions[0].eligible_pct == Approx(grid_share(20, 25)).margin(0.5));
    CHECK(z.regions[1].eligible_pct == Approx(grid_share(25, 30)).margin(0.5));

    // Pieces by region and band add up to the eligible area.
    double pieces = 0;
    for (const auto& p : z.pieces) pieces += p.area_km2;
    CHECK(pieces == Approx(z.total_area_km2).epsilon(1e-6));
    CHECK(z.pieces.front().band_min_km == 100.0);

    // Limits: named regions and a meridian.
    options.eligibility.allowed_regions = {"East"};
    const ZonesResult east = compute_zones(regions, t, options);
    CHECK(east.total_area_km2 == Approx(z.regions[1].eligible_km2).epsilon(1e-9));
    // A region not allowed is still listed, with nothing eligible and no pieces.
    REQUIRE(east.regions.size() == 2);
    CHECK(east.regions[0].name == "West");
    CHECK(east.regions[0].area_km2 == Approx(z.regions[0].area_km2).epsilon(1e-12));
    CHECK(east.regions[0].eligible_km2 == 0.0);
    CHECK(east.regions[0].eligible_pct == 0.0);
    CHECK(east.regions[1].eligible_km2 == Approx(z.regions[1].eligible_km2).epsilon(1e-9));
    for (const auto& p : east.pieces) CHECK(p.region == "East");
    options.eligibility.allowed_regions = {"west"};
    options.eligibility.west_of_lon = 22.0;
    const ZonesResult limited = compute_zones(regions, t, options);
    for (const LonLat& v : vertices(limited.eligible)) CHECK(v.lon <= 22.0 + 1e-9);
    options.eligibility.allowed_regions = {"Wset"};
    CHECK_THROWS_AS(compute_zones(regions, t, options), UsageError);
}

TEST_CASE("zones of the default scenario stay beyond the stand-off", "[zones]") {
    const Layer regions = dza::test::data_layer("regions.geojson");
    const Layer line = dza::test::data_layer("ceasefire_line.geojson");
    const Territory t = split_territory(regions, line, dza::test::kyiv_side());
    ZonesOptions options;
    options.eligibility.standoff_m = 100000.0;
    const ZonesResult z = compute_zones(regions, t, options);
    std::vector<LonLat> path;
    for (const LonLat& v : vertices(line.features[0].geometry)) path.push_back(v);
    const auto vs = vertices(z.eligible);
    REQUIRE(vs.size() > 100);
    for (std::size_t i = 0; i < vs.size(); i += 25) CHECK(reference::nearest_on_path_bounded(vs[i], path).distance_m >= 100000.0 - z.max_error_m - 1e-3);
    CHECK(z.total_area_km2 < t.controlled_area_km2);
    CHECK(z.total_area_km2 > 0.5 * t.controlled_area_km2);
}

TEST_CASE("zones without pieces or stand-off band: the same figures, nothing drawn", "[zones]") {
    const Layer regions = dza::test::data_layer("regions.geojson");
    const Layer line = dza::test::data_layer("ceasefire_line.geojson");
    const Territory t = split_territory(regions, line, dza::test::kyiv_side());
    ZonesOptions options;
    options.eligibility.standoff_m = 100000.0;
    const ZonesResult all = compute_zones(regions, t, options);
    options.pieces = false;
    options.standoff_band = false;
    const ZonesResult figures = compute_zones(regions, t, options);

    // The full result has what the figures-only one leaves out.
    REQUIRE(all.pieces.size() > all.regions.size() / 2);
    REQUIRE_FALSE(all.standoff_band.is_empty());
    CHECK(figures.pieces.empty());
    CHECK(figures.standoff_band.is_empty());
    // The figures are bit-identical, and each region's eligible area is the sum of its pieces
    // (to 1e-6: the pieces are cut by each band's own buffer, whose edges the overlays round).
    CHECK(figures.eligible.to_wkb() == all.eligible.to_wkb());
    CHECK(figures.total_area_km2 == all.total_area_km2);
    CHECK(figures.controlled_area_km2 == all.controlled_area_km2);
    CHECK(figures.max_error_m == all.max_error_m);
    CHECK(figures.method == all.method);
    REQUIRE(figures.regions.size() == all.regions.size());
    for (std::size_t i = 0; i < all.regions.size(); ++i) {
        INFO(all.regions[i].name);
        CHECK(figures.regions[i].name == all.regions[i].name);
        CHECK(figures.regions[i].area_km2 == all.regions[i].area_km2);
        CHECK(figures.regions[i].eligible_km2 == all.regions[i].eligible_km2);
        CHECK(figures.regions[i].eligible_pct == all.regions[i].eligible_pct);
        double pieces_km2 = 0;
        for (const ZonePiece& p : all.pieces)
            if (p.region == all.regions[i].name) pieces_km2 += p.area_km2;
        CHECK(pieces_km2 == Approx(all.regions[i].eligible_km2).epsilon(1e-6).margin(1e-4));
    }

    // Only the stand-off band, as `dza zones --band-output` asks: the same band as the full run.
    options.standoff_band = true;
    const ZonesResult band = compute_zones(regions, t, options);
    CHECK(band.pieces.empty());
    CHECK(band.standoff_band.to_wkb() == all.standoff_band.to_wkb());
}

TEST_CASE("zones are bit-identical on one thread and on two", "[zones][threads]") {
    const Layer regions = dza::test::data_layer("regions.geojson");
    const Layer line = dza::test::data_layer("ceasefire_line.geojson");
    const Territory t = split_territory(regions, line, dza::test::kyiv_side());
    // The default regions lie wholly inside a band, wholly outside the eligible zone, or across
    // its edges: every way a region's pieces are found.
    const auto run = [&](const char* threads) {
        const test::ScopedEnv env("DZA_THREADS", threads);
        ZonesOptions options;
        options.eligibility.standoff_m = 100000.0;
        return compute_zones(regions, t, options);
    };
    const ZonesResult one = run("1"), two = run("2");
    CHECK(one.eligible.to_wkb() == two.eligible.to_wkb());
    CHECK(one.standoff_band.to_wkb() == two.standoff_band.to_wkb());
    CHECK(one.total_area_km2 == two.total_area_km2);
    CHECK(one.max_error_m == two.max_error_m);
    REQUIRE(one.regions.size() == regions.features.size());
    REQUIRE(two.regions.size() == one.regions.size());
    for (std::size_t i = 0; i < one.regions.size(); ++i) {
        INFO(one.regions[i].name);
        CHECK(one.regions[i].name == two.regions[i].name);
        CHECK(one.regions[i].area_km2 == two.regions[i].area_km2);
        CHECK(one.regions[i].eligible_km2 == two.regions[i].eligible_km2);
    }
    REQUIRE(one.pieces.size() == two.pieces.size());
    REQUIRE(one.pieces.size() > one.regions.size() / 2);
    for (std::size_t i = 0; i < one.pieces.size(); ++i) {
        INFO(one.pieces[i].region << " from " << one.pieces[i].band_min_km << " km");
        CHECK(one.pieces[i].region == two.pieces[i].region);
        CHECK(one.pieces[i].band_min_km == two.pieces[i].band_min_km);
        CHECK(one.pieces[i].area_km2 == two.pieces[i].area_km2);
        CHECK(one.pieces[i].geometry.to_wkb() == two.pieces[i].geometry.to_wkb());
    }
    // Each region's figures agree with a plain overlay of the region and the eligible zone.
    for (std::size_t i = 0; i < one.regions.size(); ++i) {
        INFO(one.regions[i].name);
        const Geometry overlay = regions.features[i].geometry.intersection(one.eligible);
        const double km2 = overlay.is_empty() ? 0.0 : geodesic_area_m2(overlay) / 1e6;
        CHECK(one.regions[i].eligible_km2 == Approx(km2).epsilon(1e-9).margin(1e-6));
    }
}
