#include <catch2/catch.hpp>

#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/territory.hpp"
#include "dza/distance.hpp"
#include <GeographicLib/PolygonArea.hpp>
#include <fmt/format.h>
#include "reference.hpp"
#include "test_paths.hpp"
#include "helpers.hpp"

using namespace dza;

namespace {
Layer line_layer(const std::vector<LonLat>& pts) {
    Layer layer;
    layer.name = "line";
    layer.source = "test";
    Feature f;
    f.geometry = Geometry::line(pts);
    layer.features.push_back(std::move(f));
    return layer;
}

// Whether g covers p, by the distance engine's inside test (0 inside or on the boundary).
bool covers(const Geometry& g, LonLat p) {
    if (g.is_empty()) return false;
    const std::vector<const Geometry*> one{&g};
    return DistanceIndex(one).nearest(p)->nearest.distance_m == 0;
}

// Two regions side by side: west 20..25E, east 25..30E, 45..50N.
Layer two_regions() {
    return dza::test::named_polygons({{"West", {{20, 45}, {25, 45}, {25, 50}, {20, 50}}}, {"East", {{25, 45}, {30, 45}, {30, 50}, {25, 50}}}});
}
}  // namespace

TEST_CASE("a line splits the territory; the controlled side is chosen by a point, a region or area", "[territory]") {
    const Layer regions = two_regions();
    // Walking south along 27E: left is east.
    const Layer line = line_layer({{27, 50.5}, {27, 44.5}});
    ControlledSide by_point;
    by_point.contains = LonLat{22, 47};
    const Territory t = split_territory(regions, line, by_point);
    CHECK(covers(t.controlled, {21, 46}));
    CHECK(covers(t.other, {29, 46}));
    CHECK_FALSE(covers(t.controlled, {29, 46}));
    // Areas against GeographicLib on the same outlines; sides add up to the territory.
    const auto ref_area = [](std::vector<LonLat> ring) {
        GeographicLib::PolygonArea poly(reference::wgs84());
        for (const auto& p : ring) poly.AddPoint(p.lat, p.lon);
        double perimeter = 0, area = 0;
        poly.Compute(false, true, perimeter, area);
        return std::fabs(area) / 1e6;
    };
    // The east side's edges along 45N and 50N are straight in lon/lat: the reference follows them.
    std::vector<LonLat> east_side;
    for (int k = 0; k <= 300; ++k) east_side.push_back({27 + 3.0 * k / 300, 45});
    for (int k = 300; k >= 0; --k) east_side.push_back({27 + 3.0 * k / 300, 50});
    CHECK(t.other_area_km2 == Approx(ref_area(east_side)).epsilon(1e-6));
    CHECK(t.controlled_area_km2 + t.other_area_km2 == Approx(geodesic_area_m2(t.land) / 1e6).epsilon(1e-9));

    ControlledSide by_region;
    by_region.region = "East";
    CHECK(covers(split_territory(regions, line, by_region).controlled, {29, 46}));
    ControlledSide larger;  // the west side (20..27E) is larger
    CHECK(covers(split_territory(regions, line, larger).controlled, {21, 46}));
    ControlledSide outside;
    outside.contains = LonLat{40, 47};
    CHECK_THROWS_AS(split_territory(regions, line, outside), UsageError);
    by_region.region = "east";  // names match regardless of case
    CHECK(covers(split_territory(regions, line, by_region).controlled, {29, 46}));
    by_region.region = "Eastt";
    CHECK_THROWS_WITH(split_territory(regions, line, by_region), Catch::Contains("no region \"Eastt\" (did you mean \"East\"?); regions are: West, East"));
}

TEST_CASE("ends that stop short are extended along their last segment, with the gap", "[territory]") {
    const Layer regions = two_regions();
    const Layer line = line_layer({{27, 49}, {27, 46}});
    std::vector<std::string> warnings;
    Callbacks cb;
    cb.warn = [&](const std::string& m) { warnings.push_back(m); };
    const Territory t = split_territory(regions, line, {}, cb);
    REQUIRE(warnings.size() == 2);
    // The gaps along the meridian 27E, from GeographicLib.
    const double north_km = reference::distance_m({27, 49}, {27, 50}) / 1000, south_km = reference::distance_m({27, 46}, {27, 45}) / 1000;
    CHECK_THAT(warnings[0], Catch::Contains(fmt::format("first end stops {:.1f} km short", north_km)));
    CHECK_THAT(warnings[1], Catch::Contains(fmt::format("last end stops {:.1f} km short", south_km)));
    CHECK(t.other_area_km2 > 0);
}

TEST_CASE("islands go to the nearest side; a line that does not cross is an error", "[territory]") {
    Layer regions = two_regions();
    const Layer with_islands = dza::test::named_polygons({{"West", {{20, 45}, {25, 45}, {25, 50}, {20, 50}}},
                                         {"East", {{25, 45}, {30, 45}, {30, 50}, {25, 50}}},
                                         {"East isle", {{31, 44}, {31.5, 44}, {31.5, 44.5}, {31, 44.5}}},
                                         {"West isle", {{19, 44}, {19.5, 44}, {19.5, 44.5}, {19, 44.5}}}});
    const Layer line = line_layer({{27, 50.5}, {27, 44.5}});
    ControlledSide west;
    west.contains = LonLat{21, 46};
    const Territory t = split_territory(with_islands, line, west);
    CHECK(covers(t.other, {31.2, 44.2}));
    CHECK(covers(t.controlled, {19.2, 44.2}));

    const Layer away = line_layer({{35, 50}, {36, 45}});
    CHECK_THROWS_WITH(split_territory(regions, away, {}), Catch::Contains("does not cross the territory"));
    // A line that only touches a corner from outside cannot split it.
    const Layer corner = line_layer({{19, 44}, {20, 45}, {19, 46}});
    CHECK_THROWS_WITH(split_territory(regions, corner, {}), Catch::Contains("does not split the territory"));
    // A line entering from the north and stopping inside is extended to the south: it splits.
    const Layer stub = line_layer({{27, 50.5}, {27, 49.9}});
    CHECK(split_territory(regions, stub, {}).other_area_km2 > 0);
}

TEST_CASE("the default line splits Ukraine; Crimea is on the other side", "[territory]") {
    LoadOptions quiet;
    const Layer regions = load_layer(LayerRef::parse(std::string(dza::test::data_dir) + "/regions.geojson"), quiet);
    const Layer line = load_layer(LayerRef::parse(std::string(dza::test::data_dir) + "/ceasefire_line.geojson"), quiet);
    ControlledSide kyiv;
    kyiv.contains = LonLat{30.52, 50.45};
    const Territory t = split_territory(regions, line, kyiv);
    CHECK(covers(t.controlled, {24.03, 49.84}));  // Lviv
    CHECK(covers(t.controlled, {30.73, 46.48}));  // Odesa
    CHECK(covers(t.controlled, {35.05, 48.46}));  // Dnipro
    CHECK(covers(t.other, {34.10, 44.95}));       // Simferopol, Crimea
    CHECK(covers(t.other, {37.80, 48.00}));       // Donetsk
    CHECK(covers(t.other, {35.37, 46.84}));       // Melitopol
    CHECK(t.controlled_area_km2 + t.other_area_km2 == Approx(geodesic_area_m2(t.land) / 1e6).epsilon(1e-6));
    CHECK(t.controlled_area_km2 > 3 * t.other_area_km2);
}
