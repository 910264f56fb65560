// Geodesic buffers checked against an independent computation (tests/unit/reference.hpp:
// GeographicLib and brute force): every vertex of every buffer boundary lies at the requested
// distance from the source within max(1 m, 0.01%), and the lon/lat-linear midpoint of every
// boundary edge within the tolerance + 1 m.
#include <GeographicLib/PolygonArea.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <cmath>
#include <sstream>

#include "cli/app.hpp"
#include "dza/buffer.hpp"
#include "dza/error.hpp"
#include "dza/layer.hpp"
#include "helpers.hpp"
#include "reference.hpp"
#include "test_paths.hpp"

using namespace dza;

namespace {

// The source as the reference sees it: points, and paths of geodesic segments (rings closed).
struct Source {
    std::vector<LonLat> points;
    std::vector<std::vector<LonLat>> paths;
};

double reference_distance_m(LonLat p, const Source& source) {
    double best = std::numeric_limits<double>::infinity();
    for (const LonLat& q : source.points) best = std::min(best, reference::distance_m(p, q));
    for (const auto& path : source.paths) best = std::min(best, reference::nearest_on_path_bounded(p, path).distance_m);
    return best;
}

struct Ring {
    std::vector<LonLat> points;  // closed: last == first
    bool exterior = true;
};

std::vector<Ring> rings_of(const Geometry& g) {
    std::vector<Ring> rings;
    for (const auto& polygon : g.polygons())
        for (std::size_t i = 0; i < polygon.size(); ++i) rings.push_back({polygon[i], i == 0});
    return rings;
}

// Twice the signed area in lon/lat (the plane RFC 7946 winding refers to): > 0 counter-clockwise.
double shoelace(const std::vector<LonLat>& ring) {
    double sum = 0;
    for (std::size_t i = 1; i < ring.size(); ++i) sum += ring[i - 1].lon * ring[i].lat - ring[i].lon * ring[i - 1].lat;
    return sum;
}

// Geodesic area of polygonal rings by GeographicLib (holes subtract).
double reference_area_m2(const std::vector<Ring>& rings) {
    double total = 0;
    for (const Ring& r : rings) {
        GeographicLib::PolygonArea poly(reference::wgs84());
        for (std::size_t i = 0; i + 1 < r.points.size(); ++i) poly.AddPoint(r.points[i].lat, r.points[i].lon);
        double perimeter = 0, area = 0;
        poly.Compute(false, true, perimeter, area);
        total += r.exterior ? std::fabs(area) : -std::fabs(area);
    }
    return total;
}

bool on_antimeridian(LonLat p) { return std::fabs(p.lon) == 180.0; }

// Valid, RFC 7946 winding, and for every ring selected by `use_ring`: every vertex at `d` from
// the source within max(1 m, 0.01%), every edge midpoint within tolerance + 1 m. Vertices on a
// cut at ±180° lie inside the buffer (at most d); edges along the cut are not boundary of the
// buffer on the globe.
struct Stats {
    std::size_t vertices = 0, midpoints = 0;
    double worst_vertex_m = 0, worst_midpoint_m = 0;
};

Stats check_at_distance(const BufferResult& result, const Source& source, double d, double tolerance_m,
                        const std::function<bool(const Ring&)>& use_ring = nullptr) {
    REQUIRE_FALSE(result.geometry.is_empty());
    CHECK(result.geometry.is_valid());
    const double vertex_bound = std::max(1.0, 1e-4 * d), midpoint_bound = tolerance_m + 1.0;
    if (!use_ring) {  // the stated bound is for the whole result; rings mix two distances
        CHECK(result.max_error_m <= vertex_bound);
        CHECK(result.max_error_m <= tolerance_m);
    }
    Stats s;
    for (const Ring& ring : rings_of(result.geometry)) {
        CHECK((shoelace(ring.points) > 0) == ring.exterior);
        if (use_ring && !use_ring(ring)) continue;
        for (std::size_t i = 0; i + 1 < ring.points.size(); ++i) {
            const LonLat a = ring.points[i], b = ring.points[i + 1];
            const double da = reference_distance_m(a, source);
            ++s.vertices;
            if (on_antimeridian(a)) {
                CHECK(da <= d + vertex_bound);
            } else {
                s.worst_vertex_m = std::max(s.worst_vertex_m, std::fabs(da - d));
            }
            if (on_antimeridian(a) && on_antimeridian(b)) continue;
            const LonLat mid{(a.lon + b.lon) / 2, (a.lat + b.lat) / 2};
            ++s.midpoints;
            s.worst_midpoint_m = std::max(s.worst_midpoint_m, std::fabs(reference_distance_m(mid, source) - d));
        }
    }
    INFO("distance " << d << " m: " << s.vertices << " vertices, worst vertex error " << s.worst_vertex_m << " m (bound " << vertex_bound
                     << "), worst midpoint error " << s.worst_midpoint_m << " m (bound " << midpoint_bound << ")");
    CHECK(s.vertices > 8);
    CHECK(s.worst_vertex_m <= vertex_bound);
    CHECK(s.worst_midpoint_m <= midpoint_bound);
    return s;
}

BufferResult buffer_of(const Geometry& g, double d, double tolerance_m = 10, BufferSide side = BufferSide::Both) {
    BufferOptions o;
    o.distance_m = d;
    o.tolerance_m = tolerance_m;
    o.side = side;
    return geodesic_buffer(g, o);
}

Geometry multipoint(const std::vector<LonLat>& pts) {
    std::string wkt = "MULTIPOINT (";
    for (std::size_t i = 0; i < pts.size(); ++i) wkt += (i ? ", " : "") + std::to_string(pts[i].lon) + " " + std::to_string(pts[i].lat);
    return Geometry::from_wkt(wkt + ")");
}

std::vector<LonLat> closed(std::vector<LonLat> ring) {
    ring.push_back(ring.front());
    return ring;
}

}  // namespace

TEST_CASE("circles: every vertex and chord midpoint at the distance, all quadrants and latitudes", "[buffer]") {
    struct Case {
        LonLat center;
        double d;
        double tolerance;
    };
    const std::vector<Case> cases = {
        {{24.03, 49.81}, 120e3, 10},   // Lviv, NE quadrant
        {{-70.6, -33.4}, 300e3, 10},   // Santiago, SW
        {{151.2, -33.9}, 50e3, 10},    // Sydney, SE
        {{-122.4, 37.8}, 10e3, 10},    // San Francisco, NW; vertex bound 1 m
        {{25.0, 70.0}, 50e3, 10},      // high latitude
        {{-20.0, -72.0}, 80e3, 2},     // high southern latitude, tight tolerance
        {{0.0, 0.0}, 1e3, 10},         // 1 km at the equator
        {{30.0, 50.0}, 1000e3, 10},    // 1000 km: the tolerance binds, not the 0.01%
        {{30.0, 50.0}, 50e3, 0.5},     // sub-metre tolerance
    };
    for (const auto& c : cases) {
        INFO("center " << c.center.lon << "," << c.center.lat << " radius " << c.d << " m, tolerance " << c.tolerance << " m");
        const BufferResult r = buffer_of(Geometry::point(c.center), c.d, c.tolerance);
        CHECK(r.geometry.type_name() == "Polygon");
        check_at_distance(r, Source{{c.center}, {}}, c.d, c.tolerance);
    }
}

TEST_CASE("lines: short, long (1000+ km, several UTM zones), all quadrants, high latitude, sharp turns", "[buffer]") {
    struct Case {
        const char* what;
        std::vector<LonLat> line;
        double d;
    };
    const std::vector<Case> cases = {
        {"short, Kyiv", {{30.5, 50.4}, {30.7, 50.5}}, 5e3},
        {"1500 km across UTM zones 34-37", {{20, 48}, {28, 49.5}, {36, 50}, {41, 47}}, 50e3},
        {"one 1300 km geodesic segment", {{10, 40}, {25, 45}}, 100e3},
        {"SW quadrant", {{-60, -30}, {-55, -25}, {-58, -20}}, 30e3},
        {"SE quadrant", {{140, -30}, {145, -35}, {146, -34}}, 20e3},
        {"NW quadrant", {{-100, 40}, {-95, 45}, {-90, 42}}, 40e3},
        {"NE quadrant near the equator", {{100, -2}, {110, 3}}, 25e3},
        {"high latitude, 70N", {{10, 70}, {25, 70.5}, {40, 69}}, 25e3},
        {"zigzag with sharp turns", {{30, 48}, {30.5, 48.3}, {30.2, 48.35}, {30.9, 48.6}, {30.85, 48.1}}, 20e3},
        {"hairpin", {{35, 47}, {36, 47}, {35, 47.05}}, 15e3},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const BufferResult r = buffer_of(Geometry::line(c.line), c.d);
        check_at_distance(r, Source{{}, {c.line}}, c.d, 10);
    }
}

TEST_CASE("polygons, one with a hole: the buffer holds the polygon and its boundary is at the distance", "[buffer]") {
    const std::vector<LonLat> outer = {{22, 48}, {26, 48}, {26, 51}, {22, 51}};
    const std::vector<LonLat> hole = {{23, 49}, {24, 49}, {24, 50}, {23, 50}};
    const Geometry poly = Geometry::polygon(outer, {hole});
    const Source source{{}, {closed(outer), closed(hole)}};
    SECTION("20 km: the hole shrinks") {
        const BufferResult r = buffer_of(poly, 20e3);
        check_at_distance(r, source, 20e3, 10);
        const auto rings = rings_of(r.geometry);
        CHECK(std::count_if(rings.begin(), rings.end(), [](const Ring& x) { return !x.exterior; }) == 1);
        CHECK(r.geometry.covers(poly));
    }
    SECTION("50 km: the hole (72 km wide) closes") {
        const BufferResult r = buffer_of(poly, 50e3);
        check_at_distance(r, source, 50e3, 10);
        const auto rings = rings_of(r.geometry);
        CHECK(rings.size() == 1);
    }
    SECTION("a triangle in the southern hemisphere, given clockwise") {
        const std::vector<LonLat> tri = {{-45, -10}, {-44, -12}, {-46, -12}};
        const BufferResult r = buffer_of(Geometry::polygon(tri), 30e3);
        check_at_distance(r, Source{{}, {closed(tri)}}, 30e3, 10);
    }
}

TEST_CASE("the default cease-fire line buffered by 50 km", "[buffer]") {
    const Layer layer = load_layer(LayerRef::parse(std::string(test::data_dir) + "/ceasefire_line.geojson"));
    REQUIRE(layer.features.size() == 1);
    const Geometry& line = layer.features[0].geometry;
    const auto t0 = std::chrono::steady_clock::now();
    const BufferResult r = buffer_of(line, 50e3);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    INFO("cease-fire line, 50 km: " << seconds << " s");
    CHECK(seconds < 5.0);  // well under a second in a release build; generous for sanitizer builds
    REQUIRE(line.type_name() == "LineString");
    const std::vector<LonLat> path = line.paths().at(0);
    check_at_distance(r, Source{{}, {path}}, 50e3, 10);
}

TEST_CASE("across the antimeridian the result is split at ±180 and still exact", "[buffer]") {
    SECTION("a circle") {
        const LonLat center{179.8, -16.5};
        const BufferResult r = buffer_of(Geometry::point(center), 100e3);
        CHECK(r.geometry.type_name() == "MultiPolygon");
        const Extent e = r.geometry.extent();
        CHECK(e.min_lon >= -180.0);
        CHECK(e.max_lon <= 180.0);
        check_at_distance(r, Source{{center}, {}}, 100e3, 10);
        // The two halves hold the whole circle: its area equals that of the same circle elsewhere.
        const BufferResult away = buffer_of(Geometry::point({0.0, -16.5}), 100e3);
        CHECK(reference_area_m2(rings_of(r.geometry)) == Approx(reference_area_m2(rings_of(away.geometry))).epsilon(1e-6));
    }
    SECTION("a line given across the antimeridian") {
        const std::vector<LonLat> line = {{178, 60}, {-177, 61}};
        const BufferResult r = buffer_of(Geometry::line(line), 30e3);
        CHECK(r.geometry.type_name() == "MultiPolygon");
        check_at_distance(r, Source{{}, {line}}, 30e3, 10);
    }
}

TEST_CASE("buffers that would reach a pole are refused", "[buffer]") {
    CHECK_THROWS_WITH(buffer_of(Geometry::point({10, 89.5}), 100e3), Catch::Matchers::Contains("north pole"));
    CHECK_THROWS_AS(buffer_of(Geometry::line({{0, -88}, {180, -88}}), 10e3), DataError);
    CHECK_THROWS_WITH(buffer_of(Geometry::line({{0, -88}, {180, -88}}), 10e3), Catch::Matchers::Contains("south pole"));
    // 200 km from the pole with a 150 km buffer is fine.
    const LonLat near_pole{10, 88.2};
    CHECK_NOTHROW(check_at_distance(buffer_of(Geometry::point(near_pole), 150e3), Source{{near_pole}, {}}, 150e3, 10));
}

namespace {
// Every vertex of a one-sided buffer is on the line (< 1 m), on the line's geodesic extension
// beyond an end, or at the distance on the requested side by the reference side test.
void check_one_side(const BufferResult& r, const std::vector<LonLat>& line, double d, BufferSide side) {
    REQUIRE_FALSE(r.geometry.is_empty());
    CHECK(r.geometry.is_valid());
    const double bound = std::max(1.0, 1e-4 * d);
    std::size_t on_line = 0, at_distance = 0, wrong = 0;
    double worst = 0;
    for (const Ring& ring : rings_of(r.geometry)) {
        CHECK((shoelace(ring.points) > 0) == ring.exterior);
        for (std::size_t i = 0; i + 1 < ring.points.size(); ++i) {
            const reference::NearestSide s = reference::side_of_path(ring.points[i], line);
            if (s.nearest.distance_m < 1.0) {
                ++on_line;
                continue;
            }
            const bool extension = std::fabs(s.angle_deg) < 1e-3 || std::fabs(s.angle_deg) > 180 - 1e-3;
            if (extension) continue;
            const bool right_side = side == BufferSide::Left ? s.angle_deg < 0 : s.angle_deg > 0;
            if (!right_side || std::fabs(s.nearest.distance_m - d) > bound) {
                ++wrong;
                worst = std::max(worst, std::fabs(s.nearest.distance_m - d));
                UNSCOPED_INFO("vertex " << ring.points[i].lon << "," << ring.points[i].lat << " at " << s.nearest.distance_m << " m, angle "
                                        << s.angle_deg);
            } else {
                ++at_distance;
            }
        }
    }
    INFO(on_line << " vertices on the line, " << at_distance << " at the distance, " << wrong << " wrong (worst " << worst << " m)");
    CHECK(wrong == 0);
    CHECK(on_line >= line.size());
    CHECK(at_distance > 8);
}
}  // namespace

TEST_CASE("one-sided buffers of lines: every vertex on the requested side, left + right = both", "[buffer]") {
    const std::vector<LonLat> line = {{30, 48}, {31, 48.5}, {32, 48.2}, {33, 48.8}, {33.2, 48.3}, {34, 48.5}};
    const double d = 20e3;
    const Geometry g = Geometry::line(line);
    const BufferResult left = buffer_of(g, d, 10, BufferSide::Left);
    const BufferResult right = buffer_of(g, d, 10, BufferSide::Right);
    const BufferResult both = buffer_of(g, d);
    check_one_side(left, line, d, BufferSide::Left);
    check_one_side(right, line, d, BufferSide::Right);
    // Walking east, the left side is to the north: a point 10 km north of the first segment's middle.
    const Geometry probe = Geometry::point({30.5, 48.34});
    CHECK(left.geometry.contains(probe));
    CHECK_FALSE(right.geometry.contains(probe));
    // The sides do not overlap and together make the two-sided buffer.
    const double a_left = reference_area_m2(rings_of(left.geometry)), a_right = reference_area_m2(rings_of(right.geometry));
    const double a_both = reference_area_m2(rings_of(both.geometry));
    CHECK(a_left + a_right == Approx(a_both).epsilon(1e-6));
    const double overlap_deg2 = left.geometry.intersection(right.geometry).planar_area_deg2();
    CHECK(overlap_deg2 < 1e-9);

    SECTION("the default cease-fire line at 50 km on its right (walking south-west from its north-east end: the controlled side)") {
        const Layer layer = load_layer(LayerRef::parse(std::string(test::data_dir) + "/ceasefire_line.geojson"));
        const Geometry& cfl = layer.features[0].geometry;
        REQUIRE(cfl.type_name() == "LineString");
        const std::vector<LonLat> path = cfl.paths().at(0);
        const BufferResult r = buffer_of(cfl, 50e3, 10, BufferSide::Right);
        check_one_side(r, path, 50e3, BufferSide::Right);
        // Kramatorsk (37.56E 48.72N) is on the controlled side, Donetsk (37.80E 48.00N) on the other.
        CHECK(r.geometry.contains(Geometry::point({37.56, 48.72})));
        CHECK_FALSE(r.geometry.contains(Geometry::point({37.80, 48.00})));
        CHECK(buffer_of(cfl, 50e3, 10, BufferSide::Left).geometry.contains(Geometry::point({37.80, 48.00})));
    }
}

TEST_CASE("rings: each ring's outer boundary at its outer distance, its hole at the inner one", "[buffer]") {
    const std::vector<LonLat> line = {{30, 48}, {32, 49}, {33, 48.5}};
    const Geometry g = Geometry::line(line);
    const Source source{{}, {line}};
    const std::vector<double> distances = {25e3, 50e3, 100e3};
    std::vector<BufferResult> full;
    for (double d : distances) full.push_back(buffer_of(g, d));
    BufferResult none;
    none.geometry = buffer_of(g, 0).geometry.clone();
    double ring_areas = 0;
    for (std::size_t k = 0; k < distances.size(); ++k) {
        const BufferResult ring = buffer_ring(full[k], k == 0 ? none : full[k - 1]);
        INFO("ring " << k);
        check_at_distance(ring, source, distances[k], 10, [](const Ring& r) { return r.exterior; });
        const auto rings = rings_of(ring.geometry);
        const auto holes = std::count_if(rings.begin(), rings.end(), [](const Ring& r) { return !r.exterior; });
        CHECK(holes == (k == 0 ? 0 : 1));
        if (k > 0) check_at_distance(ring, source, distances[k - 1], 10, [](const Ring& r) { return !r.exterior; });
        ring_areas += reference_area_m2(rings);
    }
    CHECK(ring_areas == Approx(reference_area_m2(rings_of(full.back().geometry))).epsilon(1e-9));
}

TEST_CASE("dissolve: overlapping circles become one polygon at the distance from the nearest centre", "[buffer]") {
    const std::vector<LonLat> centers = {{24.0, 49.8}, {25.2, 49.9}, {24.6, 50.5}};
    std::vector<BufferResult> each;
    for (const auto& c : centers) each.push_back(buffer_of(Geometry::point(c), 60e3));
    std::vector<const BufferResult*> ptrs;
    for (const auto& b : each) ptrs.push_back(&b);
    const BufferResult merged = dissolve_buffers(ptrs);
    CHECK(merged.geometry.type_name() == "Polygon");
    check_at_distance(merged, Source{centers, {}}, 60e3, 10);
    double separate = 0;
    for (const auto& b : each) separate += reference_area_m2(rings_of(b.geometry));
    CHECK(reference_area_m2(rings_of(merged.geometry)) < separate);
    // The same as buffering the multipoint at once.
    const BufferResult at_once = buffer_of(multipoint(centers), 60e3);
    CHECK(reference_area_m2(rings_of(at_once.geometry)) == Approx(reference_area_m2(rings_of(merged.geometry))).epsilon(1e-9));
}

TEST_CASE("zero distance and bad requests", "[buffer]") {
    const Geometry poly = Geometry::polygon({{22, 48}, {26, 48}, {26, 51}, {22, 51}});
    const BufferResult same = buffer_of(poly, 0);
    CHECK(reference_area_m2(rings_of(same.geometry)) == Approx(reference_area_m2({Ring{closed({{22, 48}, {26, 48}, {26, 51}, {22, 51}}), true}})));
    CHECK(buffer_of(Geometry::line({{30, 48}, {31, 48}}), 0).geometry.is_empty());
    CHECK(buffer_of(Geometry::point({30, 48}), 0).geometry.is_empty());
    CHECK_THROWS_AS(buffer_of(poly, -5), UsageError);
    CHECK_THROWS_AS(buffer_of(poly, 6000e3), UsageError);
    CHECK_THROWS_AS(buffer_of(poly, 5e3, 0), UsageError);
    CHECK_THROWS_AS(buffer_of(poly, 5e3, 10, BufferSide::Left), UsageError);
    CHECK_THROWS_WITH(buffer_of(poly, 5e3, 10, BufferSide::Left), Catch::Matchers::Contains("lines only"));
    CHECK_THROWS_AS(buffer_of(Geometry::point({30, 48}), 5e3, 10, BufferSide::Right), UsageError);
}

namespace {
struct Run {
    int code;
    std::string out, err;
};
Run run_cli(std::vector<std::string> args) {
    args.insert(args.begin(), "dza");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    const int code = dza::cli::run(static_cast<int>(argv.size()), argv.data(), out, err, false);
    return {code, out.str(), err.str()};
}

// The polygons of a written GeoJSON feature, as dza geometries, with RFC 7946 winding checked.
std::vector<Geometry> written_polygons(const nlohmann::json& geometry) {
    std::vector<nlohmann::json> polys;
    if (geometry["type"] == "Polygon") polys.push_back(geometry["coordinates"]);
    else
        for (const auto& p : geometry["coordinates"]) polys.push_back(p);
    std::vector<Geometry> out;
    for (const auto& p : polys) {
        std::vector<std::vector<LonLat>> rings;
        for (const auto& r : p) {
            std::vector<LonLat> ring;
            for (const auto& c : r) ring.push_back({c[0].get<double>(), c[1].get<double>()});
            CHECK((shoelace(ring) > 0) == rings.empty());  // exterior counter-clockwise, holes clockwise
            rings.push_back(ring);
        }
        out.push_back(Geometry::polygon(rings[0], {rings.begin() + 1, rings.end()}));
        CHECK(out.back().is_valid());
    }
    return out;
}
}  // namespace

TEST_CASE("dza buffer --distance-field: each deployment at its own radius, valid and counter-clockwise as written", "[buffer][cli]") {
    test::ScratchDir dir;
    const std::string out = dir.file("radius.geojson");
    const std::string source = std::string(test::data_dir) + "/deployments.geojson";
    const Run r = run_cli({"buffer", source, "--distance-field", "radius_km", "-o", out});
    REQUIRE(r.code == 0);
    CHECK(r.out.empty());
    const auto written = nlohmann::json::parse(test::read_text(out));
    const auto src = nlohmann::json::parse(test::read_text(source));
    REQUIRE(written["features"].size() == src["features"].size());
    for (std::size_t i = 0; i < src["features"].size(); ++i) {
        const auto& s = src["features"][i];
        const auto& w = written["features"][i];
        INFO(s["properties"]["id"]);
        CHECK(w["properties"]["id"] == s["properties"]["id"]);
        const double d = s["properties"]["radius_km"].get<double>() * 1000;
        const LonLat center{s["geometry"]["coordinates"][0].get<double>(), s["geometry"]["coordinates"][1].get<double>()};
        const double bound = std::max(1.0, 1e-4 * d);
        const double stated = w["properties"]["max_error_m"].get<double>();
        CHECK(stated <= bound);
        double worst = 0;
        for (const Geometry& poly : written_polygons(w["geometry"]))
            for (const Ring& ring : rings_of(poly))
                for (const LonLat& p : ring.points) worst = std::max(worst, std::fabs(reference::distance_m(center, p) - d));
        // As written, 6 decimals: the vertices stay within the stated bound, rounding included.
        CHECK(worst <= stated);
    }
}

TEST_CASE("dza buffer: a polygon with a hole written as GeoJSON keeps RFC 7946 winding and validity", "[buffer][cli]") {
    test::ScratchDir dir;
    const std::string in = test::write_text(dir.file("area.geojson"), test::feature_collection(
        R"({"type":"Feature","properties":{"name":"frame"},"geometry":{"type":"Polygon","coordinates":[[[22,48],[22,51],[26,51],[26,48],[22,48]],[[23,49],[24,49],[24,50],[23,50],[23,49]]]}})"));
    const std::string out = dir.file("out.geojson");
    const Run r = run_cli({"buffer", in, "--distance", "20km", "-o", out});
    REQUIRE(r.code == 0);
    const auto written = nlohmann::json::parse(test::read_text(out));
    REQUIRE(written["features"].size() == 1);
    const auto polys = written_polygons(written["features"][0]["geometry"]);
    REQUIRE(polys.size() == 1);
    CHECK(rings_of(polys[0]).size() == 2);
}

TEST_CASE("dza buffer: distance field values that are not distances name the file, feature and field", "[buffer][cli]") {
    test::ScratchDir dir;
    for (const std::string& value : {std::string("\"abc\""), std::string("null"), std::string("-2")}) {
        INFO(value);
        const std::string in = test::write_text(dir.file("sites.geojson"), test::feature_collection(
            R"({"type":"Feature","properties":{"id":"A","radius_km":5},"geometry":{"type":"Point","coordinates":[24,49]}},)"
            R"({"type":"Feature","properties":{"id":"B","radius_km":)" + value + R"(},"geometry":{"type":"Point","coordinates":[25,49]}})"));
        const std::string out = dir.file("out.geojson");
        const Run r = run_cli({"buffer", in, "--distance-field", "radius_km", "-o", out});
        CHECK(r.code == 1);
        CHECK_THAT(r.err, Catch::Contains(in) && Catch::Contains("feature 1 (\"B\")") && Catch::Contains("field radius_km"));
        CHECK_FALSE(std::filesystem::exists(out));
    }
    // A number written as text is read.
    const std::string in = test::write_text(dir.file("text.geojson"), test::feature_collection(
        R"({"type":"Feature","properties":{"id":"A","radius_km":"12.5"},"geometry":{"type":"Point","coordinates":[24,49]}})"));
    const std::string out = dir.file("text_out.geojson");
    REQUIRE(run_cli({"buffer", in, "--distance-field", "radius_km", "-o", out}).code == 0);
    CHECK(nlohmann::json::parse(test::read_text(out))["features"][0]["properties"]["distance_km"] == 12.5);
}

TEST_CASE("many buffers at once: the same buffers in the same order on any number of threads", "[buffer][threads]") {
    std::vector<Geometry> sources;
    for (int i = 0; i < 12; ++i) sources.push_back(Geometry::point({20.0 + i, 48.0 + 0.25 * i}));
    sources.push_back(Geometry::line({{30, 46}, {31, 47}, {33, 47.5}}));
    std::vector<BufferJob> jobs;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        BufferJob job;
        job.source = &sources[i];
        job.options.distance_m = 20000.0 + 5000.0 * static_cast<double>(i);
        job.context = "job " + std::to_string(i);
        jobs.push_back(job);
    }
    std::vector<BufferResult> serial, parallel;
    {
        const test::ScopedEnv env("DZA_THREADS", "1");
        serial = geodesic_buffers(jobs);
    }
    {
        const test::ScopedEnv env("DZA_THREADS", "2");
        parallel = geodesic_buffers(jobs);
    }
    REQUIRE(serial.size() == jobs.size());
    REQUIRE(parallel.size() == jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        INFO("job " << i);
        const BufferResult alone = geodesic_buffer(sources[i], jobs[i].options);
        CHECK(serial[i].geometry.to_wkb() == alone.geometry.to_wkb());
        CHECK(parallel[i].geometry.to_wkb() == alone.geometry.to_wkb());
        CHECK(parallel[i].max_error_m == alone.max_error_m);
    }

    // Two bad jobs: the error is always the first one's, named by its context.
    jobs[4].options.distance_m = 2 * buffer_max_distance_m;
    jobs[9].options.distance_m = -1;
    for (int attempt = 0; attempt < 5; ++attempt) {
        const test::ScopedEnv env("DZA_THREADS", "2");
        CHECK_THROWS_WITH(geodesic_buffers(jobs), Catch::StartsWith("job 4: "));
    }
}

TEST_CASE("one-sided buffers of winding lines: membership of sample points by brute force, left + right = both", "[buffer][side]") {
    // The side of a point is read at its nearest point on the line (GeographicLib brute force,
    // reference::side_of_path): left when that point sees it left of the line's direction there.
    struct Case {
        const char* what;
        std::vector<LonLat> line;
        double d;
    };
    std::vector<LonLat> sine;
    for (int i = 0; i < 100; ++i) sine.push_back({30 + i * 0.01, 48 + 0.05 * std::sin(i * 0.5)});
    const std::vector<Case> cases = {
        // Empty on both sides before: the line's end extension stopped inside the buffer.
        {"sine wave, 5 km amplitude, 10 km", sine, 10e3},
        {"zigzag, 30 km", {{30, 48}, {30.05, 48.03}, {30.1, 48}, {30.15, 48.03}, {30.2, 48}, {30.25, 48.03}, {30.3, 48}}, 30e3},
        {"zigzag, 100 km", {{30, 48}, {30.05, 48.03}, {30.1, 48}, {30.15, 48.03}, {30.2, 48}, {30.25, 48.03}, {30.3, 48}}, 100e3},
        {"U-turn 1.5 km wide at 10 km", {{30, 48}, {30, 48.5}, {30.02, 48.5}, {30.02, 48}}, 10e3},
        {"hook at 30 km", {{30, 48}, {30.5, 48}, {30.5, 48.05}, {30.1, 48.05}, {30.1, 48.1}, {30.6, 48.1}}, 30e3},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const Geometry g = Geometry::line(c.line);
        const BufferResult left = buffer_of(g, c.d, 10, BufferSide::Left);
        const BufferResult right = buffer_of(g, c.d, 10, BufferSide::Right);
        const BufferResult both = buffer_of(g, c.d);
        REQUIRE_FALSE(left.geometry.is_empty());
        REQUIRE_FALSE(right.geometry.is_empty());
        const double a_left = reference_area_m2(rings_of(left.geometry)), a_right = reference_area_m2(rings_of(right.geometry));
        CHECK(a_left + a_right == Approx(reference_area_m2(rings_of(both.geometry))).epsilon(1e-6));
        // Sample points over the buffer's envelope: inside one side exactly when within the
        // distance and on that side, except within the error bound of the distance or of the
        // switch between the sides (the line itself, or behind an end).
        const Extent e = both.geometry.extent();
        int checked = 0;
        for (int a = 0; a <= 24; ++a)
            for (int b = 0; b <= 24; ++b) {
                const LonLat p{e.min_lon + (e.max_lon - e.min_lon) * a / 24.0, e.min_lat + (e.max_lat - e.min_lat) * b / 24.0};
                const reference::NearestSide ns = reference::side_of_path(p, c.line);
                const double dist = ns.nearest.distance_m;
                if (std::fabs(dist - c.d) <= left.max_error_m + 1e-3) continue;
                if (dist < 50 || std::fabs(std::sin(ns.angle_deg * M_PI / 180)) < 1e-3) continue;
                const bool within = dist < c.d, on_left = ns.angle_deg < 0;
                const Geometry point = Geometry::point(p);
                INFO("point " << p.lon << ", " << p.lat << " at " << dist << " m, angle " << ns.angle_deg);
                CHECK(left.geometry.contains(point) == (within && on_left));
                CHECK(right.geometry.contains(point) == (within && !on_left));
                ++checked;
            }
        CHECK(checked > 400);
    }
}

TEST_CASE("one-sided buffers where the sides meet away from the line are refused, not guessed", "[buffer][side]") {
    // A spiral: between its turns the points nearer the inner turn lie on its right, those nearer
    // the outer turn on its left; cutting along the line cannot tell them apart.
    std::vector<LonLat> spiral;
    for (int i = 0; i < 200; ++i) {
        const double t = i / 199.0 * 4 * M_PI, r = 0.02 + 0.05 * t / (4 * M_PI);
        spiral.push_back({30 + r * std::cos(t) / std::cos(48 * M_PI / 180), 48 + r * std::sin(t)});
    }
    BufferOptions options;
    options.distance_m = 10e3;
    options.side = BufferSide::Left;
    CHECK_THROWS_AS(geodesic_buffer(Geometry::line(spiral), options), DataError);
    CHECK_THROWS_WITH(geodesic_buffer(Geometry::line(spiral), options), Catch::Contains("its left and right sides meet away from it"));
    options.side = BufferSide::Both;
    CHECK_FALSE(geodesic_buffer(Geometry::line(spiral), options).geometry.is_empty());
}

TEST_CASE("a line of 1500 segments is buffered in stretches: every boundary vertex at the distance, the same polygon as its parts united", "[buffer][long]") {
    // A wave of 1500 segments (many stretches), 2 km buffer.
    std::vector<LonLat> line;
    for (int i = 0; i <= 1500; ++i) line.push_back({30 + i * 0.001, 48 + 0.004 * std::sin(i * 0.3)});
    const double d = 2e3;
    const BufferResult r = buffer_of(Geometry::line(line), d);
    check_at_distance(r, Source{{}, {line}}, d, 10);
    // The union of the stretches' buffers is the buffer of the whole: against the buffer of the
    // first 700 segments and the last 800 built apart (each one stretch) and united here.
    const std::vector<LonLat> head(line.begin(), line.begin() + 701), tail(line.begin() + 700, line.end());
    const BufferResult a = buffer_of(Geometry::line(head), d), b = buffer_of(Geometry::line(tail), d);
    const Geometry united = a.geometry.unite(b.geometry);
    // Grouped differently, the union places the pieces' crossing points on other chords of the
    // boundary: the two may differ by slivers, each side within max_error_m of the exact curve.
    // So the boundaries lie within 2 max_error_m of each other (degrees to metres by a bound
    // above: 111.32 km per degree at most on either axis here), and the areas agree to 1e-6.
    const double hausdorff_deg = r.geometry.hausdorff_distance_deg(united);
    CHECK(hausdorff_deg * 111320.0 <= 2 * r.max_error_m);
    CHECK(reference_area_m2(rings_of(r.geometry)) == Approx(reference_area_m2(rings_of(united))).epsilon(1e-6));
}

TEST_CASE("a long line's stretches, built on several threads: the same buffer as on one", "[buffer][threads]") {
    // 300 segments: five stretches, built in parallel alone and on one thread among other jobs.
    std::vector<LonLat> line;
    for (int i = 0; i <= 300; ++i) line.push_back({30 + i * 0.01, 48 + 0.04 * std::sin(i * 0.3)});
    const Geometry source = Geometry::line(line);
    BufferOptions options;
    options.distance_m = 20000.0;
    BufferResult one, two;
    {
        const test::ScopedEnv env("DZA_THREADS", "1");
        one = geodesic_buffer(source, options);
    }
    {
        const test::ScopedEnv env("DZA_THREADS", "2");
        two = geodesic_buffer(source, options);
    }
    const Geometry point = Geometry::point({20, 48});
    std::vector<BufferJob> jobs(2);
    jobs[0].source = &source;
    jobs[0].options = options;
    jobs[1].source = &point;
    jobs[1].options = options;
    std::vector<BufferResult> among;
    {
        const test::ScopedEnv env("DZA_THREADS", "2");
        among = geodesic_buffers(jobs);
    }
    REQUIRE_FALSE(one.geometry.is_empty());
    CHECK(two.geometry.to_wkb() == one.geometry.to_wkb());
    CHECK(among[0].geometry.to_wkb() == one.geometry.to_wkb());
    CHECK(two.max_error_m == one.max_error_m);
    check_at_distance(two, Source{{}, {line}}, options.distance_m, 10);
}

TEST_CASE("a line's outline: turns of every size, on short segments, give the buffer its segments' buffers give united", "[buffer]") {
    // Each path's buffer is drawn from one outline (joins on the inner side of a turn go straight
    // across, or through the vertex); the union of its segments' own buffers (no joins) is the
    // same area. Checked at every vertex against the brute-force distance, and against that union.
    const auto walk = [](LonLat start, double azimuth_deg, int segments, double step_m, const std::function<double(int)>& turn_deg) {
        std::vector<LonLat> line{start};
        double az = azimuth_deg;
        for (int i = 0; i < segments; ++i) {
            line.push_back(reference::direct(line.back(), az, step_m));
            az += turn_deg(i);
        }
        return line;
    };
    struct Case {
        const char* what;
        std::vector<LonLat> line;
        double d;
    };
    const std::vector<Case> cases = {
        {"nearly straight: turns of 0.001 to 0.05 degrees every 1 km", walk({30, 48}, 80, 120, 1000, [](int i) { return 0.001 + 0.049 * ((i * 7) % 11) / 10.0 * (i % 2 ? 1 : -1); }), 50e3},
        {"zigzag of 500 m segments turning 30 degrees", walk({31, 48}, 60, 80, 500, [](int i) { return i % 4 < 2 ? 30.0 : -30.0; }), 30e3},
        {"a gentle bend: 0.5 degrees a kilometre", walk({32, 47}, 90, 100, 1000, [](int) { return 0.5; }), 50e3},
        {"a curl tighter than the distance: 3 degrees a kilometre", walk({33, 47}, 0, 100, 1000, [](int) { return -3.0; }), 40e3},
        {"hairpins on 2 km segments", walk({34, 47}, 90, 40, 2000, [](int i) { return i % 5 == 4 ? 175.0 : 1.0; }), 10e3},
        {"one sharp turn between two 1 km segments", walk({35, 47}, 10, 2, 1000, [](int) { return 120.0; }), 20e3},
        {"two sharp turns on 1 km segments", walk({36, 47}, 10, 3, 1000, [](int) { return -100.0; }), 20e3},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const BufferResult r = buffer_of(Geometry::line(c.line), c.d);
        check_at_distance(r, Source{{}, {c.line}}, c.d, 10);
        Geometry united = buffer_of(Geometry::line({c.line[0], c.line[1]}), c.d).geometry;
        for (std::size_t i = 1; i + 1 < c.line.size(); ++i) united = united.unite(buffer_of(Geometry::line({c.line[i], c.line[i + 1]}), c.d).geometry);
        // Both within max_error_m of the exact boundary: within 2 max_error_m of each other, and
        // their areas differ by less than a band that wide along the boundary. (Not closer: the
        // segments' own round ends fill other parts of the chords' sag than the outline's arcs.)
        CHECK(r.geometry.hausdorff_distance_deg(united) * 111320.0 <= 2 * r.max_error_m);
        double perimeter_m = 0;
        for (const Ring& ring : rings_of(r.geometry))
            for (std::size_t i = 0; i + 1 < ring.points.size(); ++i) perimeter_m += reference::distance_m(ring.points[i], ring.points[i + 1]);
        CHECK(std::fabs(reference_area_m2(rings_of(r.geometry)) - reference_area_m2(rings_of(united))) <= 2 * r.max_error_m * perimeter_m);
    }
}
