// Demand pieces and what reaches do to them, against references that share no code with the
// pieces: GeographicLib's geodesic lengths and polygon areas (tests/unit/reference.hpp), GEOS's
// own predicates applied to every reach and every piece (brute force), and geodesic distances
// between neighbouring grid points.
//
// Tolerances.
// - Pieces of an area add up to its area as dza measures it (geodesic_area_m2 integrates along
//   each straight lon/lat edge, so an overlay's parts add up): 1e-9 relative, the rounding of a
//   sum of some hundred terms. Against GeographicLib's area of the polygon with geodesic edges,
//   its edges split every 0.001 degrees (about 100 m): a straight lon/lat edge of length L strays
//   from the geodesic by at most L^2 tan(lat) / 8R (about 0.2 mm here), so the two areas differ by
//   less than perimeter x 0.2 mm, under 1e-8 of the area; 1e-7 relative is stated.
// - A whole interior cell: LAEA is equal-area on the ellipsoid, so the square of side c in the
//   plane bounds c^2 of the ellipsoid exactly; the cell drawn with straight lon/lat edges between
//   the same corners differs from it only by the slight bend of the square's sides in lon/lat
//   (a few centimetres over a 10 km side this close to the centre). 1e-5 relative is stated (4e-7
//   is seen here); a projection that is not equal-area fails it: the azimuthal equidistant one is
//   already 4e-5 out at 100 km from its centre.
// - Grid points: LAEA's scale along and across the radius is 1/k and k with k - 1 about
//   (rho / 2R)^2 at a distance rho from the centre: 6e-5 at 100 km. Neighbours are compared
//   with the spacing within 1e-3 relative.
// - Line pieces add up to GeographicLib's geodesic length of the original vertices (the pieces'
//   ends lie on those geodesics): 1e-9 relative; each piece is at most the piece length + 1e-6 m.
// - Covers and touches: exact equality with GEOS applied to every reach and piece.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "dza/buffer.hpp"
#include "dza/demand.hpp"
#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/territory.hpp"
#include "helpers.hpp"
#include "reference.hpp"

using namespace dza;

namespace {

// A quadrilateral about 200 km across in western Ukraine, its edges split every 0.001 degrees
// along straight lon/lat lines (closed).
std::vector<LonLat> quad_ring() {
    const std::vector<LonLat> corners{{24.0, 48.5}, {26.6, 48.7}, {26.9, 50.3}, {24.3, 50.1}, {24.0, 48.5}};
    return densify_lonlat(corners, 0.001);
}

Layer polygon_layer(std::vector<Geometry> shapes) {
    std::vector<std::pair<std::string, Geometry>> items;
    for (std::size_t i = 0; i < shapes.size(); ++i) items.emplace_back("p" + std::to_string(i), std::move(shapes[i]));
    return test::named_layer("areas", std::move(items));
}

double sum_measures(const Demand& d, std::size_t layer) {
    double s = 0;
    const DemandLayer& l = d.layers[layer];
    for (std::size_t i = l.first_piece; i < l.first_piece + l.piece_count; ++i) s += d.pieces[i].measure;
    return s;
}

Geometry circle(LonLat centre, double radius_m) {
    BufferOptions o;
    o.distance_m = radius_m;
    o.tolerance_m = 50;
    return geodesic_buffer(Geometry::point(centre), o).geometry;
}

std::size_t vertex_count(const Geometry& g) {
    std::size_t n = 0;
    for (const auto& p : g.paths()) n += p.size();
    return n;
}

}  // namespace

TEST_CASE("an area's cells add up to it, tile it without overlap and each weigh the cell's area", "[demand]") {
    const std::vector<LonLat> ring = quad_ring();
    const Layer layer = polygon_layer([&] {
        std::vector<Geometry> v;
        v.push_back(Geometry::polygon(ring));
        return v;
    }());
    DemandSpec spec;
    spec.name = "quad";
    spec.kind = DemandKind::Area;
    spec.layer = &layer;
    spec.weight = 2;
    DemandOptions options;
    options.cell_m = 10000;
    const Demand d = discretise_demand({spec}, options);
    REQUIRE(d.layers.size() == 1);
    const DemandLayer& l = d.layers[0];
    REQUIRE(l.piece_count == d.pieces.size());
    REQUIRE(l.piece_count > 300);

    const Geometry whole = Geometry::polygon(ring);
    const double area_km2 = geodesic_area_m2(whole) / 1e6;
    CHECK(sum_measures(d, 0) == Approx(area_km2).epsilon(1e-9));
    CHECK(l.total == Approx(area_km2).epsilon(1e-9));
    CHECK(l.total * 1e6 == Approx(reference::geodesic_polygon_area_m2(ring)).epsilon(1e-7));

    // Weights: the layer's weight shared by area.
    double weights = 0;
    for (const DemandPiece& p : d.pieces) {
        weights += p.weight;
        CHECK(p.weight == Approx(2 * p.measure / l.total).epsilon(1e-12));
        CHECK(p.measure == Approx(geodesic_area_m2(p.geometry) / 1e6).epsilon(1e-12));
    }
    CHECK(weights == Approx(2).epsilon(1e-9));
    CHECK(d.total_weight() == 2);

    // Whole cells (four corners, clear of the area's boundary) weigh the cell's area.
    const Geometry boundary = Geometry::line(ring);
    std::size_t whole_cells = 0;
    double worst = 0;
    for (const DemandPiece& p : d.pieces) {
        if (p.geometry.type_name() != "Polygon" || vertex_count(p.geometry) != 5 || p.geometry.intersects(boundary)) continue;
        ++whole_cells;
        worst = std::max(worst, std::fabs(p.measure / 100.0 - 1));
    }
    CHECK(whole_cells > 200);
    CHECK(worst < 1e-5);

    // No two pieces overlap: every pair whose extents meet shares at most an edge.
    std::size_t neighbours = 0;
    for (std::size_t i = 0; i < d.pieces.size(); ++i)
        for (std::size_t j = i + 1; j < d.pieces.size(); ++j) {
            const Extent& a = d.pieces[i].extent;
            const Extent& b = d.pieces[j].extent;
            if (a.max_lon < b.min_lon || b.max_lon < a.min_lon || a.max_lat < b.min_lat || b.max_lat < a.min_lat) continue;
            ++neighbours;
            const Geometry common = d.pieces[i].geometry.intersection(d.pieces[j].geometry);
            CHECK(geodesic_area_m2(common) < 1e-3);  // m²: nothing but shared edges and corners
        }
    CHECK(neighbours > 4 * whole_cells);  // each cell meets its 8 neighbours (each pair counted once)
}

TEST_CASE("overlapping polygons count once; a given area is cut the same way", "[demand]") {
    const Geometry a = Geometry::polygon({{30.0, 50.0}, {30.6, 50.0}, {30.6, 50.4}, {30.0, 50.4}});
    const Geometry b = Geometry::polygon({{30.3, 50.2}, {30.9, 50.2}, {30.9, 50.6}, {30.3, 50.6}});
    const Layer layer = polygon_layer([&] {
        std::vector<Geometry> v;
        v.push_back(a.clone());
        v.push_back(b.clone());
        return v;
    }());
    const Geometry both = a.unite(b);
    DemandSpec from_layer{"two", DemandKind::Area, &layer, nullptr, 1, ""};
    DemandSpec given{"given", DemandKind::Area, nullptr, &both, 3, ""};
    DemandOptions options;
    options.cell_m = 5000;
    const Demand d = discretise_demand({from_layer, given}, options);
    REQUIRE(d.layers.size() == 2);
    const double union_km2 = geodesic_area_m2(both) / 1e6;
    CHECK(d.layers[0].total == Approx(union_km2).epsilon(1e-9));
    CHECK(d.layers[1].total == Approx(union_km2).epsilon(1e-9));
    CHECK(d.layers[1].first_piece == d.layers[0].piece_count);
    CHECK(d.total_weight() == 4);
    for (std::size_t i = 0; i < d.layers[0].piece_count; ++i) {
        const DemandPiece& p = d.pieces[i];
        const DemandPiece& q = d.pieces[d.layers[1].first_piece + i];
        CHECK(p.layer == 0);
        CHECK(q.layer == 1);
        CHECK(p.geometry.to_wkb() == q.geometry.to_wkb());
    }
}

TEST_CASE("line pieces are the coverage's 1 km stretches, or shorter ones, and add up to the line", "[demand]") {
    // Two features, one of two parts: long edges along a parallel, a meridian and a diagonal.
    std::vector<std::pair<std::string, Geometry>> items;
    items.emplace_back("a", Geometry::line({{24.0, 48.0}, {27.0, 48.0}, {27.0, 50.5}}));
    items.emplace_back("b", Geometry::from_wkt("MULTILINESTRING ((30 47, 32.5 49.3), (33 50, 33.0004 50.0003))"));
    const Layer line = test::named_layer("line", std::move(items));
    double reference_m = 0;
    for (const std::vector<LonLat>& path : std::vector<std::vector<LonLat>>{
             {{24.0, 48.0}, {27.0, 48.0}, {27.0, 50.5}}, {{30, 47}, {32.5, 49.3}}, {{33, 50}, {33.0004, 50.0003}}})
        for (std::size_t i = 1; i < path.size(); ++i) reference_m += reference::distance_m(path[i - 1], path[i]);

    for (double piece_m : {1000.0, 300.0}) {
        DYNAMIC_SECTION("pieces of " << piece_m << " m") {
            DemandSpec spec{"line", DemandKind::Line, &line, nullptr, 5, ""};
            DemandOptions options;
            options.line_piece_m = piece_m;
            const Demand d = discretise_demand({spec}, options);
            CHECK(d.layers[0].total * 1000 == Approx(reference_m).epsilon(1e-9));
            CHECK(sum_measures(d, 0) * 1000 == Approx(reference_m).epsilon(1e-9));
            CHECK(d.pieces.size() >= static_cast<std::size_t>(reference_m / piece_m));
            double weights = 0;
            for (const DemandPiece& p : d.pieces) {
                REQUIRE(p.geometry.type_name() == "LineString");
                const std::vector<LonLat> ends = p.geometry.paths().at(0);
                REQUIRE(ends.size() == 2);
                const double length_m = reference::distance_m(ends[0], ends[1]);
                CHECK(length_m <= piece_m + 1e-6);
                CHECK(p.measure * 1000 == Approx(length_m).epsilon(1e-12).margin(1e-6));
                weights += p.weight;
            }
            CHECK(weights == Approx(5).epsilon(1e-9));
        }
    }

    // A line demand with no line in its layer.
    const Layer polygons = polygon_layer({});
    CHECK_THROWS_AS(discretise_demand({DemandSpec{"areas", DemandKind::Line, &polygons, nullptr, 1, ""}}, {}), DataError);
}

TEST_CASE("points weigh one each or their field's value; bad values and fields are errors", "[demand]") {
    Layer pts;
    pts.source = "test";
    pts.name = "sites";
    pts.fields = {{"name", FieldType::String}, {"people", FieldType::String}};
    const auto add = [&](const std::string& name, const nlohmann::json& people, Geometry g) {
        Feature f;
        f.fid = static_cast<std::int64_t>(pts.features.size());
        f.values = {name, people};
        f.geometry = std::move(g);
        pts.features.push_back(std::move(f));
    };
    add("A", 10, Geometry::point({30, 50}));
    add("B", "2.5", Geometry::point({31, 50}));
    add("C", 0, Geometry::point({32, 50}));
    add("D", 4, Geometry::from_wkt("MULTIPOINT ((33 50), (34 50))"));
    add("E", 100, Geometry::polygon({{30, 49}, {31, 49}, {31, 49.5}}));  // not a point: ignored

    DemandSpec spec{"sites", DemandKind::Points, &pts, nullptr, 1, "people"};
    const Demand d = discretise_demand({spec}, {});
    REQUIRE(d.pieces.size() == 5);
    CHECK(d.layers[0].total == 10 + 2.5 + 0 + 4 + 4);
    const std::vector<double> expected{10, 2.5, 0, 4, 4};
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(d.pieces[i].measure == expected[i]);
        CHECK(d.pieces[i].weight == Approx(expected[i] / 20.5));
        CHECK(d.pieces[i].geometry.type_name() == "Point");
    }
    CHECK(d.pieces[4].geometry.paths()[0][0].lon == 34);

    spec.weight_field.clear();
    const Demand ones = discretise_demand({spec}, {});
    CHECK(ones.layers[0].total == 5);

    spec.weight_field = "peple";
    CHECK_THROWS_AS(discretise_demand({spec}, {}), UsageError);
    spec.weight_field = "people";
    pts.features[1].values[1] = "many";
    const std::string bad = test::error_of<DataError>([&] { discretise_demand({spec}, {}); });
    CHECK_THAT(bad, Catch::Contains("feature 1") && Catch::Contains("\"B\"") && Catch::Contains("people") && Catch::Contains("many"));
    pts.features[1].values[1] = -1;
    CHECK_THAT(test::error_of<DataError>([&] { discretise_demand({spec}, {}); }), Catch::Contains("feature 1"));
    pts.features[1].values[1] = nullptr;
    CHECK_THAT(test::error_of<DataError>([&] { discretise_demand({spec}, {}); }), Catch::Contains("feature 1"));
}

TEST_CASE("bad options and empty kinds are errors", "[demand]") {
    const Geometry quad = Geometry::polygon({{30.0, 50.0}, {30.6, 50.0}, {30.6, 50.4}, {30.0, 50.4}});
    DemandSpec spec{"quad", DemandKind::Area, nullptr, &quad, 1, ""};
    DemandOptions o;
    o.cell_m = 0;
    CHECK_THROWS_AS(discretise_demand({spec}, o), UsageError);
    o = {};
    o.line_piece_m = 1500;
    CHECK_THROWS_AS(discretise_demand({spec}, o), UsageError);
    o.line_piece_m = 0;
    CHECK_THROWS_AS(discretise_demand({spec}, o), UsageError);
    spec.weight = -1;
    CHECK_THROWS_AS(discretise_demand({spec}, {}), UsageError);
    CHECK_THROWS_AS(discretise_demand({}, {}), UsageError);
    const Geometry wide = Geometry::polygon({{-100, 10}, {90, 10}, {90, 20}, {-100, 20}});
    CHECK_THROWS_AS(discretise_demand({DemandSpec{"wide", DemandKind::Area, nullptr, &wide, 1, ""}}, {}), DataError);
    const Layer lines = test::named_layer("roads", [] {
        std::vector<std::pair<std::string, Geometry>> v;
        v.emplace_back("r", Geometry::line({{30, 50}, {31, 50}}));
        return v;
    }());
    CHECK_THROWS_AS(discretise_demand({DemandSpec{"roads", DemandKind::Area, &lines, nullptr, 1, ""}}, {}), DataError);
    CHECK_THROWS_AS(discretise_demand({DemandSpec{"roads", DemandKind::Points, &lines, nullptr, 1, ""}}, {}), DataError);
}

TEST_CASE("grid points lie inside the area, a spacing apart, south to north and west to east", "[demand]") {
    const Geometry area = Geometry::polygon(densify_lonlat({{29.0, 49.0}, {30.4, 49.0}, {30.4, 49.9}, {29.0, 49.9}, {29.0, 49.0}}, 0.01));
    const double spacing_m = 5000;
    const std::vector<LonLat> pts = grid_points(area, spacing_m);
    // About the area over the spacing squared (the rim loses or gains part of a row).
    const double expected = geodesic_area_m2(area) / (spacing_m * spacing_m);
    CHECK(static_cast<double>(pts.size()) == Approx(expected).epsilon(0.1));
    std::size_t row_neighbours = 0;
    const double row_step_deg = spacing_m / 111000.0;
    for (std::size_t i = 0; i < pts.size(); ++i) {
        CHECK(area.covers(Geometry::point(pts[i])));
        if (i == 0) continue;
        const LonLat p = pts[i - 1], q = pts[i];
        if (q.lon > p.lon && std::fabs(q.lat - p.lat) < 0.5 * row_step_deg) {
            ++row_neighbours;
            CHECK(reference::distance_m(p, q) == Approx(spacing_m).epsilon(1e-3));
        } else {
            CHECK(q.lat > p.lat + 0.5 * row_step_deg);  // a new row, to the north
        }
    }
    CHECK(row_neighbours > pts.size() * 3 / 4);
    // Rows apart by the spacing too: the point due north of the first is in the next row.
    const LonLat first = pts.front();
    double nearest_north = 1e300;
    for (const LonLat& p : pts)
        if (p.lat > first.lat + 0.5 * row_step_deg) nearest_north = std::min(nearest_north, reference::distance_m(first, p));
    CHECK(nearest_north == Approx(spacing_m).epsilon(1e-3));

    CHECK_THROWS_AS(grid_points(area, 0), UsageError);
    CHECK_THROWS_AS(grid_points(area, -5), UsageError);
    const std::string too_many = test::error_of<DataError>([&] { grid_points(area, spacing_m, 100); });
    CHECK_THAT(too_many, Catch::Contains(std::to_string(pts.size())) && Catch::Contains("spacing"));
    CHECK_THAT(test::error_of<DataError>([&] { grid_points(area, 10, 1000); }), Catch::Contains("about") && Catch::Contains("spacing"));
    CHECK(grid_points(area, spacing_m, pts.size()).size() == pts.size());
}

TEST_CASE("the pieces a reach covers and touches are GEOS's covers and intersects", "[demand]") {
    const Geometry quad = Geometry::polygon(densify_lonlat({{24.0, 48.5}, {25.6, 48.6}, {25.8, 49.5}, {24.1, 49.4}, {24.0, 48.5}}, 0.01));
    std::vector<std::pair<std::string, Geometry>> items;
    items.emplace_back("l", Geometry::line({{23.8, 48.9}, {26.0, 49.2}, {25.0, 49.8}}));
    const Layer line = test::named_layer("line", std::move(items));
    Layer pts;
    pts.source = "test";
    pts.name = "pts";
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> lon(23.8, 26.0), lat(48.3, 49.8);
    for (int i = 0; i < 40; ++i) {
        Feature f;
        f.fid = i;
        f.geometry = Geometry::point({lon(rng), lat(rng)});
        pts.features.push_back(std::move(f));
    }
    DemandOptions options;
    options.cell_m = 10000;
    const Demand d = discretise_demand({DemandSpec{"quad", DemandKind::Area, nullptr, &quad, 1, ""},
                                        DemandSpec{"line", DemandKind::Line, &line, nullptr, 1, ""},
                                        DemandSpec{"pts", DemandKind::Points, &pts, nullptr, 1, ""}},
                                       options);
    REQUIRE(d.pieces.size() > 300);

    std::vector<Geometry> shapes;
    std::uniform_real_distribution<double> radius(20000, 90000);
    for (int i = 0; i < 12; ++i) shapes.push_back(circle({lon(rng), lat(rng)}, radius(rng)));
    // A ring (a polygon with a hole) and two discs apart (a multipolygon).
    shapes.push_back(Geometry::polygon(circle({25.0, 49.1}, 70000).paths().at(0), {circle({25.0, 49.1}, 30000).paths().at(0)}));
    shapes.push_back(circle({24.2, 48.7}, 25000).unite(circle({25.6, 49.4}, 25000)));
    shapes.push_back(Geometry::polygon({{24.5, 48.8}, {25.0, 48.8}, {25.0, 49.2}, {24.5, 49.2}}));  // edges along cell rows
    std::vector<const Geometry*> reaches;
    for (const Geometry& s : shapes) reaches.push_back(&s);
    const Geometry empty = Geometry::from_wkt("POLYGON EMPTY");
    reaches.insert(reaches.begin() + 3, nullptr);
    reaches.push_back(&empty);
    // Each cell of the quad as a reach: covers its piece exactly, touches its neighbours.
    for (std::size_t i = 0; i < 30; ++i) reaches.push_back(&d.pieces[i * 7].geometry);

    const PieceCoverage pc = piece_coverage(d, reaches);
    REQUIRE(pc.covers.size() == reaches.size());
    REQUIRE(pc.touches.size() == reaches.size());
    std::size_t covered = 0, touched = 0;
    for (std::size_t r = 0; r < reaches.size(); ++r) {
        std::vector<std::uint32_t> covers, touches;
        if (reaches[r] && !reaches[r]->is_empty())
            for (std::uint32_t i = 0; i < d.pieces.size(); ++i) {
                if (reaches[r]->covers(d.pieces[i].geometry)) covers.push_back(i);
                if (reaches[r]->intersects(d.pieces[i].geometry)) touches.push_back(i);
            }
        CHECK(pc.covers[r] == covers);
        CHECK(pc.touches[r] == touches);
        covered += covers.size();
        touched += touches.size();
    }
    CHECK(covered > 500);
    CHECK(touched > covered + 200);
}

TEST_CASE("pieces and their coverage are the same on one thread and on many", "[demand]") {
    const Geometry quad = Geometry::polygon(densify_lonlat({{24.0, 48.5}, {25.6, 48.6}, {25.8, 49.5}, {24.1, 49.4}, {24.0, 48.5}}, 0.01));
    std::vector<Geometry> shapes;
    for (int i = 0; i < 40; ++i) shapes.push_back(circle({24.0 + 0.05 * i, 48.6 + 0.02 * i}, 30000 + 1000 * i));
    std::vector<const Geometry*> reaches;
    for (const Geometry& s : shapes) reaches.push_back(&s);
    const auto run = [&] {
        DemandOptions options;
        options.cell_m = 4000;
        Demand d = discretise_demand({DemandSpec{"quad", DemandKind::Area, nullptr, &quad, 1, ""}}, options);
        PieceCoverage pc = piece_coverage(d, reaches);
        return std::make_pair(std::move(d), std::move(pc));
    };
    const auto serial = [&] {
        test::ScopedEnv one("DZA_THREADS", "1");
        return run();
    }();
    const auto parallel = [&] {
        test::ScopedEnv four("DZA_THREADS", "4");
        return run();
    }();
    REQUIRE(serial.first.pieces.size() == parallel.first.pieces.size());
    for (std::size_t i = 0; i < serial.first.pieces.size(); ++i) {
        CHECK(serial.first.pieces[i].measure == parallel.first.pieces[i].measure);
        CHECK(serial.first.pieces[i].geometry.to_wkb() == parallel.first.pieces[i].geometry.to_wkb());
    }
    CHECK(serial.second.covers == parallel.second.covers);
    CHECK(serial.second.touches == parallel.second.touches);
    // South to north: the first piece lies south of the last.
    CHECK(serial.first.pieces.front().extent.min_lat < serial.first.pieces.back().extent.min_lat);
}

TEST_CASE("the default data: the regions' cells add up to their union, the line's pieces to its length", "[demand]") {
    const Layer regions = test::data_layer("regions.geojson");
    const Layer line = test::data_layer("ceasefire_line.geojson");
    DemandOptions options;
    options.cell_m = 10000;
    const Demand d = discretise_demand({DemandSpec{"regions", DemandKind::Area, &regions, nullptr, 1, ""},
                                        DemandSpec{"line", DemandKind::Line, &line, nullptr, 1, ""}},
                                       options);
    const double union_km2 = geodesic_area_m2(union_of(regions)) / 1e6;
    CHECK(d.layers[0].total == Approx(union_km2).epsilon(1e-9));
    CHECK(d.layers[0].piece_count > 5000);
    double line_m = 0;
    for (const Feature& f : line.features)
        for (const auto& path : f.geometry.paths())
            for (std::size_t i = 1; i < path.size(); ++i) line_m += reference::distance_m(path[i - 1], path[i]);
    CHECK(d.layers[1].total * 1000 == Approx(line_m).epsilon(1e-9));
    CHECK(d.layers[1].piece_count >= static_cast<std::size_t>(line_m / 1000));
    CHECK(d.total_weight() == 2);
}
