#include <catch2/catch.hpp>

#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/territory.hpp"
#include "dza/zones.hpp"
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
    // An isle south of the line's end, 89 km from the western side's southern edge and about
    // 90 m farther from the eastern one: too close a call for bounds, decided by distances.
    const auto with_isle = [](std::vector<LonLat> isle) {
        return dza::test::named_polygons({{"West", {{20, 45}, {25, 45}, {25, 50}, {20, 50}}},
                                          {"East", {{25, 45}, {30, 45}, {30, 50}, {25, 50}}},
                                          {"East isle", {{31, 44}, {31.5, 44}, {31.5, 44.5}, {31, 44.5}}},
                                          {"Close isle", std::move(isle)}});
    };
    const Territory c = split_territory(with_isle({{26.8, 44}, {26.95, 44}, {26.95, 44.2}, {26.8, 44.2}}), line, west);
    CHECK(covers(c.controlled, {26.9, 44.1}));
    CHECK(covers(c.other, {31.2, 44.2}));
    // Mirrored east of the line, it goes east.
    CHECK(covers(split_territory(with_isle({{27.05, 44}, {27.2, 44}, {27.2, 44.2}, {27.05, 44.2}}), line, west).other, {27.1, 44.1}));

    const Layer away = line_layer({{35, 50}, {36, 45}});
    CHECK_THROWS_WITH(split_territory(regions, away, {}), Catch::Contains("does not cross the territory"));
    // A line that only touches a corner from outside cannot split it.
    const Layer corner = line_layer({{19, 44}, {20, 45}, {19, 46}});
    CHECK_THROWS_WITH(split_territory(regions, corner, {}), Catch::Contains("does not split the territory"));
    // A line entering from the north and stopping inside is extended to the south: it splits.
    const Layer stub = line_layer({{27, 50.5}, {27, 49.9}});
    CHECK(split_territory(regions, stub, {}).other_area_km2 > 0);
}

TEST_CASE("an island goes to the side nearest along geodesics, not in degrees", "[territory]") {
    // At 62N a degree of longitude is 52 km: the island lies 1.4 degrees of longitude (73 km)
    // from the northern side and 0.9 degrees of latitude (100 km) from the southern one, which is
    // nearer in degrees. Its nearest sides' edges lie far from either side's bulk of vertices.
    const Layer regions = dza::test::named_polygons({{"Square", {{0, 55}, {30, 55}, {30, 65}, {0, 65}}},
                                                     {"Arm", {{-3, 55}, {0, 55}, {0, 61.1}, {-3, 61.1}}},
                                                     {"Isle", {{-1.6, 62.0}, {-1.4, 62.0}, {-1.4, 62.2}, {-1.6, 62.2}}}});
    const Layer line = line_layer({{20, 65.5}, {20, 61.5}, {-0.5, 61.5}});
    ControlledSide north;
    north.contains = LonLat{10, 63};
    const Territory t = split_territory(regions, line, north);
    CHECK(covers(t.controlled, {-1.5, 62.1}));
    CHECK_FALSE(covers(t.other, {-1.5, 62.1}));
    // The same island moved 0.8 degrees of longitude further west (115 km from the north, still
    // 100 km from the south) goes south.
    const Layer moved = dza::test::named_polygons({{"Square", {{0, 55}, {30, 55}, {30, 65}, {0, 65}}},
                                                   {"Arm", {{-3, 55}, {0, 55}, {0, 61.1}, {-3, 61.1}}},
                                                   {"Isle", {{-2.4, 62.0}, {-2.2, 62.0}, {-2.2, 62.2}, {-2.4, 62.2}}}});
    CHECK(covers(split_territory(moved, line, north).other, {-2.3, 62.1}));
}

TEST_CASE("the default line splits Ukraine; Crimea is on the other side", "[territory]") {
    const Layer regions = dza::test::data_layer("regions.geojson");
    const Layer line = dza::test::data_layer("ceasefire_line.geojson");
    const Territory t = split_territory(regions, line, dza::test::kyiv_side());
    CHECK(covers(t.controlled, {24.03, 49.84}));  // Lviv
    CHECK(covers(t.controlled, {30.73, 46.48}));  // Odesa
    CHECK(covers(t.controlled, {35.05, 48.46}));  // Dnipro
    CHECK(covers(t.other, {34.10, 44.95}));       // Simferopol, Crimea
    CHECK(covers(t.other, {37.80, 48.00}));       // Donetsk
    CHECK(covers(t.other, {35.37, 46.84}));       // Melitopol
    CHECK(t.controlled_area_km2 + t.other_area_km2 == Approx(geodesic_area_m2(t.land) / 1e6).epsilon(1e-6));
    CHECK(t.controlled_area_km2 > 3 * t.other_area_km2);
}

namespace {
// Two regions either side of `lon0` (a rectangle 10 degrees wide in all, 60..66N), as RFC 7946
// writes them: each part within [-180, 180].
Layer straddling_regions(double lon0) {
    const auto w = [](double lon) { return near_lon(lon, 0.0); };
    const double a = w(lon0 - 10), b = w(lon0 + 10);
    const double mid_east = lon0 == 180 ? 180.0 : w(lon0), mid_west = lon0 == 180 ? -180.0 : w(lon0);
    return dza::test::named_polygons({{"A", {{a, 60}, {mid_east, 60}, {mid_east, 66}, {a, 66}}}, {"B", {{mid_west, 60}, {b, 60}, {b, 66}, {mid_west, 66}}}});
}
// A line across them from south to north, crossing `lon0` at 63N: cut there into two parts when
// lon0 is 180 (one feature, a MultiLineString, as RFC 7946 asks), else one LineString.
Layer straddling_line(double lon0) {
    const auto w = [](double lon) { return near_lon(lon, 0.0); };
    Layer layer;
    layer.name = "line";
    layer.source = "test";
    Feature f;
    if (lon0 == 180) {
        f.geometry = Geometry::from_wkt("MULTILINESTRING((175 59, 178 61.5, 180 63), (-180 63, -177 64.5, -175 67))");
    } else {
        f.geometry = Geometry::line({{w(lon0 - 5), 59}, {w(lon0 - 2), 61.5}, {w(lon0), 63}, {w(lon0 + 3), 64.5}, {w(lon0 + 5), 67}});
    }
    layer.features.push_back(std::move(f));
    return layer;
}
}  // namespace

TEST_CASE("a line and regions cut at ±180 split as the same shapes away from it", "[territory][antimeridian]") {
    for (const bool by_point : {true, false}) {
        INFO((by_point ? "controlled side by a point" : "the larger side"));
        ControlledSide at_180, away;
        if (by_point) at_180.contains = LonLat{171, 60.5}, away.contains = LonLat{21, 60.5};
        const Territory t = split_territory(straddling_regions(180), straddling_line(180), at_180);
        const Territory s = split_territory(straddling_regions(30), straddling_line(30), away);
        // Shifting longitudes by 150 degrees changes no area on the ellipsoid.
        CHECK(t.controlled_area_km2 == Approx(s.controlled_area_km2).epsilon(1e-6));
        CHECK(t.other_area_km2 == Approx(s.other_area_km2).epsilon(1e-6));
        CHECK(t.controlled_area_km2 + t.other_area_km2 == Approx(geodesic_area_m2(t.land) / 1e6).epsilon(1e-9));
        // The output is back in [-180, 180], cut at the antimeridian.
        for (const Geometry* g : {&t.land, &t.controlled, &t.other, &t.line}) {
            const Extent e = g->extent();
            CHECK(e.min_lon >= -180.0);
            CHECK(e.max_lon <= 180.0);
        }
        CHECK(covers(t.controlled, {171, 60.5}));
        CHECK(covers(t.other, {-171, 65.5}));
        CHECK_FALSE(covers(t.controlled, {-171, 65.5}));
    }
}

TEST_CASE("zones across ±180 give the areas of the same shapes away from it", "[territory][zones][antimeridian]") {
    ControlledSide at_180, away;
    at_180.contains = LonLat{171, 60.5};
    away.contains = LonLat{21, 60.5};
    const Layer regions_180 = straddling_regions(180), regions_30 = straddling_regions(30);
    const Territory t = split_territory(regions_180, straddling_line(180), at_180);
    const Territory s = split_territory(regions_30, straddling_line(30), away);
    ZonesOptions options;
    options.eligibility.standoff_m = 25000;
    const ZonesResult zt = compute_zones(regions_180, t, options);
    const ZonesResult zs = compute_zones(regions_30, s, options);
    CHECK(zt.total_area_km2 == Approx(zs.total_area_km2).epsilon(1e-6));
    REQUIRE(zt.regions.size() == zs.regions.size());
    for (std::size_t i = 0; i < zt.regions.size(); ++i) CHECK(zt.regions[i].eligible_km2 == Approx(zs.regions[i].eligible_km2).epsilon(1e-6));
    // Less than the controlled side by at least the band along the line: 25 km either side of
    // about 560 km of line in the territory, halved (one side).
    CHECK(zt.total_area_km2 < t.controlled_area_km2 - 0.9 * 25 * 560);
}

TEST_CASE("a line that crosses or retraces itself, or whose parts leave a gap, is refused saying where", "[territory]") {
    const Layer regions = two_regions();
    // 24,44 -> 26,48 crosses 24,48.5 -> 26,47: where, by the intersection of the two lon/lat segments.
    const Layer crossing = line_layer({{24, 44}, {26, 48}, {24, 48.5}, {26, 47}, {25, 51}});
    {
        const double t = ((24 - 24) * (47 - 48.5) - (48.5 - 44) * (26 - 24)) / ((26 - 24) * (47 - 48.5) - (48 - 44) * (26 - 24));
        const LonLat x{24 + t * 2, 44 + t * 4};
        CHECK_THROWS_WITH(split_territory(regions, crossing, {}), Catch::Contains(fmt::format("test|layername=line: feature 0 crosses itself at [{:.6f}, {:.6f}]", x.lon, x.lat)));
        CHECK_THROWS_AS(split_territory(regions, crossing, {}), DataError);
    }
    // A line that touches itself (a loop closing on its middle) cannot split either.
    const Layer touching = line_layer({{25, 44}, {25, 48}, {26, 49}, {24, 49}, {25, 48}});
    CHECK_THROWS_WITH(split_territory(regions, touching, {}), Catch::Contains("crosses itself at [25.000000, 48.000000]"));
    // Going north to 48N, back south to 47N, then north again: retraced between 47 and 48N.
    const Layer spike = line_layer({{25, 44}, {25, 48}, {25, 47}, {25, 51}});
    CHECK_THROWS_WITH(split_territory(regions, spike, {}), Catch::Contains("runs back over itself at [25.000000, 47."));
    // Two features that do not meet: the gap is named, with its length (GeographicLib).
    Layer gap = line_layer({{25, 44}, {25, 47}});
    Feature second;
    second.fid = 1;
    second.geometry = Geometry::line({{25.1, 47.1}, {25, 51}});
    gap.features.push_back(std::move(second));
    CHECK_THROWS_WITH(split_territory(regions, gap, {}),
                      Catch::Contains(fmt::format("the line has 2 parts that do not join end to end (the nearest ends, [25.000000, 47.000000] and "
                                                  "[25.100000, 47.100000], are {:.3f} km apart)",
                                                  reference::distance_m({25, 47}, {25.1, 47.1}) / 1000)));
    // Two features crossing each other name both.
    Layer two = line_layer({{24, 44}, {26, 51}});
    Feature other;
    other.fid = 1;
    other.geometry = Geometry::line({{26, 44}, {24, 51}});
    two.features.push_back(std::move(other));
    CHECK_THROWS_WITH(split_territory(regions, two, {}), Catch::Contains("feature 0 and feature 1 cross at [25.000000, 47.500000]"));
    // A line of one repeated point has no length.
    CHECK_THROWS_WITH(split_territory(regions, line_layer({{25, 47}, {25, 47}}), {}), Catch::Contains("the line has no length"));
}

TEST_CASE("parts that touch end to end are one line, in any direction, repeated vertices ignored", "[territory]") {
    const Layer regions = two_regions();
    ControlledSide west;
    west.contains = LonLat{21, 46};
    const Territory whole = split_territory(regions, line_layer({{27, 50.5}, {27, 47}, {27, 44.5}}), west);
    Layer parts = line_layer({{27, 50.5}, {27, 50.5}, {27, 47}});
    Feature second;
    second.fid = 1;
    second.geometry = Geometry::line({{27, 44.5}, {27, 47}, {27, 47}});  // drawn the other way
    parts.features.push_back(std::move(second));
    const Territory joined = split_territory(regions, parts, west);
    CHECK(joined.controlled_area_km2 == Approx(whole.controlled_area_km2).epsilon(1e-12));
    CHECK(joined.other_area_km2 == Approx(whole.other_area_km2).epsilon(1e-12));
}

TEST_CASE("a controlled-side point on the line is refused with its distance; one beside it is not", "[territory]") {
    const Layer regions = two_regions();
    const Layer line = line_layer({{27, 50.5}, {27, 44.5}});
    ControlledSide on;
    // 5 m east of the meridian 27E at 47N (GeographicLib direct): on the line.
    double lat = 0, lon = 0;
    reference::wgs84().Direct(47, 27, 90, 5.0, lat, lon);
    on.contains = LonLat{lon, lat};
    CHECK_THROWS_AS(split_territory(regions, line, on), UsageError);
    CHECK_THROWS_WITH(split_territory(regions, line, on), Catch::Contains("lies on the cease-fire line (5.00 m from it; points nearer than 10 m are on it); move it"));
    // 20 m east: on the east side, as the point says.
    reference::wgs84().Direct(47, 27, 90, 20.0, lat, lon);
    on.contains = LonLat{lon, lat};
    CHECK(covers(split_territory(regions, line, on).controlled, {29, 46}));
}
