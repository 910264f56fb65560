// Distances checked against the brute-force GeographicLib reference (tests/unit/reference.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "dza/distance.hpp"
#include "dza/geodesic.hpp"
#include "dza/layer.hpp"
#include "dza/results_json.hpp"
#include "dza/text.hpp"
#include "helpers.hpp"
#include "reference.hpp"
#include "test_paths.hpp"

using namespace dza;

namespace {
std::vector<LonLat> line_coords(const Geometry& g) {
    std::vector<LonLat> out;
    const std::string wkt = g.to_wkt(12);
    const auto open = wkt.find('(');
    std::string body = wkt.substr(open + 1, wkt.rfind(')') - open - 1);
    std::size_t pos = 0;
    while (pos < body.size()) {
        const auto comma = body.find(',', pos);
        LonLat p;
        std::sscanf(body.substr(pos, comma - pos).c_str(), "%lf %lf", &p.lon, &p.lat);
        out.push_back(p);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

Layer default_line() {
    LoadOptions options;
    return load_layer(LayerRef::parse(std::string(dza::test::data_dir) + "/ceasefire_line.geojson"), options);
}

// Tolerance for comparing with the reference: the reference's golden section stops at 1e-6 m
// along the edge; dza states 1 mm.
constexpr double tolerance_m = 1e-3;
}  // namespace

TEST_CASE("point to the default cease-fire line matches brute force, near and far", "[distance]") {
    const Layer line = default_line();
    const std::vector<LonLat> path = line_coords(line.features.at(0).geometry);
    REQUIRE(path.size() > 100);
    const DistanceIndex index({&line.features[0].geometry});

    // Points over a wide area around Ukraine: from on the line to ~2,500 km away, all sides, and
    // close to the winding stretches where a nearest-edge-in-degrees choice goes wrong.
    std::mt19937 rng(20251122);
    std::uniform_real_distribution<double> lon(5.0, 60.0), lat(30.0, 65.0), jitter(-0.05, 0.05);
    std::vector<LonLat> points;
    for (int i = 0; i < 300; ++i) points.push_back({lon(rng), lat(rng)});
    for (std::size_t i = 0; i < path.size(); i += 7) points.push_back({path[i].lon + jitter(rng), path[i].lat + jitter(rng)});

    for (const auto& p : points) {
        const auto hit = index.nearest(p);
        REQUIRE(hit);
        const auto ref = reference::nearest_on_path_pruned(p, path);
        INFO("point " << p.lon << "," << p.lat << ": dza " << hit->nearest.distance_m << " m, reference " << ref.distance_m << " m");
        CHECK(hit->nearest.distance_m == Approx(ref.distance_m).margin(tolerance_m));
        // The reported nearest point lies on the line, and the reported azimuth points at it.
        CHECK(reference::nearest_on_path_pruned(hit->nearest.to, path).distance_m < tolerance_m);
        double s12 = 0, azi1 = 0, azi2 = 0;
        reference::wgs84().Inverse(p.lat, p.lon, hit->nearest.to.lat, hit->nearest.to.lon, s12, azi1, azi2);
        CHECK(std::remainder(hit->nearest.azimuth_deg - azi1, 360.0) == Approx(0).margin(1e-6));
        CHECK(hit->nearest.azimuth_deg >= 0.0);
        CHECK(hit->nearest.azimuth_deg < 360.0);
    }
}

TEST_CASE("long edges, all quadrants and high latitudes", "[distance]") {
    struct Case {
        std::vector<LonLat> path;
        LonLat point;
    };
    const std::vector<Case> cases = {
        {{{-10, 40}, {25, 55}}, {10, 40}},               // one 2,800 km edge, point south of its middle
        {{{-170, -20}, {-120, -45}}, {-150, -40}},       // south-western quadrant
        {{{120, 10}, {150, -10}}, {130, -15}},           // crossing the equator
        {{{10, 70}, {40, 72}, {60, 69}}, {35, 75}},      // high latitude, north of the line
        {{{20, 80}, {100, 80}}, {60, 85}},               // a geodesic bowing towards the pole
        {{{24, 49}, {24.0001, 49.0001}}, {24.00005, 49}}, // a 13 m edge
        {{{30, 50}, {31, 50}}, {30.5, 50}},              // point on the edge's lon/lat chord, off the geodesic
    };
    for (const auto& c : cases) {
        const Geometry g = Geometry::line(c.path);
        const DistanceIndex index({&g});
        const auto ref = reference::nearest_on_path(c.point, c.path);
        INFO("point " << c.point.lon << "," << c.point.lat);
        CHECK(index.nearest(c.point)->nearest.distance_m == Approx(ref.distance_m).margin(tolerance_m));
    }
}

TEST_CASE("points inside polygons are at 0; outside, the distance is to the boundary", "[distance]") {
    const std::vector<LonLat> outer = {{22, 48}, {26, 48}, {26, 51}, {22, 51}, {22, 48}};
    const std::vector<LonLat> hole = {{23, 49}, {24, 49}, {24, 50}, {23, 50}, {23, 49}};
    const Geometry poly = Geometry::polygon(outer, {hole});
    const DistanceIndex index({&poly});
    const auto inside = index.nearest(LonLat{25, 49.5});
    CHECK(inside->nearest.distance_m == 0);
    CHECK(std::isnan(inside->nearest.azimuth_deg));
    for (LonLat p : {LonLat{23.5, 49.5}, LonLat{27, 49}, LonLat{24, 52}}) {
        const double ref = std::min(reference::nearest_on_path(p, outer).distance_m, reference::nearest_on_path(p, hole).distance_m);
        CHECK(index.nearest(p)->nearest.distance_m == Approx(ref).margin(tolerance_m));
    }
}

TEST_CASE("the nearest of several targets, and distance to each", "[distance]") {
    const Geometry a = Geometry::point({24.03, 49.84});
    const Geometry b = Geometry::line({{30, 50}, {31, 51}});
    const Geometry c = Geometry::point({36.23, 49.99});
    const DistanceIndex index({&a, &b, &c});
    const LonLat p{33, 50};
    const double da = reference::distance_m(p, {24.03, 49.84});
    const double db = reference::nearest_on_path(p, {{30, 50}, {31, 51}}).distance_m;
    const double dc = reference::distance_m(p, {36.23, 49.99});
    const auto hit = index.nearest(p);
    CHECK(hit->target == 1);
    CHECK(hit->nearest.distance_m == Approx(std::min({da, db, dc})).margin(tolerance_m));
    CHECK(index.distance_to(0, p).distance_m == Approx(da).margin(tolerance_m));
    CHECK(index.distance_to(2, p).distance_m == Approx(dc).margin(tolerance_m));
}

TEST_CASE("distances from lines and polygons", "[distance]") {
    const std::vector<LonLat> target_path = {{30, 48}, {32, 49}, {34, 48.5}};
    const Geometry target = Geometry::line(target_path);
    const DistanceIndex index({&target});

    // A crossing line is at 0.
    const Geometry crossing = Geometry::line({{31, 47}, {31, 50}});
    CHECK(index.nearest(crossing)->nearest.distance_m == 0);

    // A line that does not cross: compare with the reference sampled every 500 m along the source.
    const std::vector<LonLat> source_path = {{29, 50}, {33, 50.5}, {35, 50}};
    const Geometry source = Geometry::line(source_path);
    double ref = std::numeric_limits<double>::infinity();
    for (std::size_t i = 1; i < source_path.size(); ++i)
        for (const auto& q : geodesic_path(source_path[i - 1], source_path[i], 500.0))
            ref = std::min(ref, reference::nearest_on_path(q, target_path).distance_m);
    const double ours = index.nearest(source)->nearest.distance_m;
    // Sampling every 500 m can only overestimate, by well under a metre near a smooth minimum.
    CHECK(ours <= ref + tolerance_m);
    CHECK(ours == Approx(ref).margin(1.0));

    // A polygon around the target is at 0.
    const Geometry around = Geometry::polygon({{29, 47}, {35, 47}, {35, 50}, {29, 50}});
    CHECK(index.nearest(around)->nearest.distance_m == 0);
}

TEST_CASE("geodesic paths are densified along the geodesic", "[distance]") {
    const auto path = geodesic_path({24, 50}, {36, 50}, 10000.0);
    CHECK(path.size() > 80);
    for (std::size_t i = 1; i < path.size(); ++i) CHECK(reference::distance_m(path[i - 1], path[i]) <= 10000.0 + 1e-6);
    // Every point lies on the geodesic from the first to the last point.
    const double total = reference::distance_m(path.front(), path.back());
    for (const auto& p : path) CHECK(reference::distance_m(path.front(), p) + reference::distance_m(p, path.back()) == Approx(total).margin(1e-6));
}

TEST_CASE("the distance analysis: nearest, matrix, within, speeds", "[distance]") {
    Layer from;
    from.name = "bases";
    from.fields = {{"name", FieldType::String}, {"speed_kmh", FieldType::Real}};
    const std::vector<std::pair<std::string, LonLat>> bases = {{"west", {24.0, 49.8}}, {"east", {33.0, 50.0}}, {"south", {30.7, 46.5}}};
    for (std::size_t i = 0; i < bases.size(); ++i) {
        Feature f;
        f.fid = static_cast<std::int64_t>(i);
        f.values = {bases[i].first, i == 1 ? nlohmann::json(nullptr) : nlohmann::json(50.0)};
        f.geometry = Geometry::point(bases[i].second);
        from.features.push_back(std::move(f));
    }
    Layer to;
    to.name = "lines";
    to.fields = {{"name", FieldType::String}};
    const std::vector<std::vector<LonLat>> paths = {{{35, 50}, {36, 48}}, {{30, 47}, {32, 46.8}}};
    for (std::size_t i = 0; i < paths.size(); ++i) {
        Feature f;
        f.fid = static_cast<std::int64_t>(i);
        f.values = {i == 0 ? "north" : "south"};
        f.geometry = Geometry::line(paths[i]);
        to.features.push_back(std::move(f));
    }

    const auto nearest = compute_distances(from, to);
    REQUIRE(nearest.size() == 3);
    for (const auto& r : nearest) {
        const double d0 = reference::nearest_on_path(bases[r.source].second, paths[0]).distance_m;
        const double d1 = reference::nearest_on_path(bases[r.source].second, paths[1]).distance_m;
        CHECK(r.target == (d0 < d1 ? 0u : 1u));
        CHECK(r.nearest.distance_m == Approx(std::min(d0, d1)).margin(tolerance_m));
        // Speed from the speed_kmh field; none for the feature whose speed is null.
        if (r.source == 1) CHECK_FALSE(r.time_h);
        else CHECK(*r.time_h == Approx(r.nearest.distance_m / 1000.0 / 50.0));
    }

    DistanceOptions matrix;
    matrix.matrix = true;
    matrix.speed_kmh = 100.0;
    const auto all = compute_distances(from, to, matrix);
    REQUIRE(all.size() == 6);
    CHECK(all[3].source == 1);
    CHECK(all[3].target == 1);
    CHECK(all[3].nearest.distance_m == Approx(reference::nearest_on_path(bases[1].second, paths[1]).distance_m).margin(tolerance_m));
    CHECK(*all[3].time_h == Approx(all[3].nearest.distance_m / 1000.0 / 100.0));

    DistanceOptions within;
    within.within_m = 100000.0;
    for (const auto& r : compute_distances(from, to, within)) CHECK(r.nearest.distance_m <= 100000.0);

    // The output layer: a geodesic LineString from each source to its nearest point.
    const Layer lines = distance_layer(from, to, nearest);
    REQUIRE(lines.features.size() == 3);
    CHECK(lines.features[0].values[*lines.field_index("target")] == (nearest[0].target == 0 ? "north" : "south"));
    CHECK(geodesic_length_m(lines.features[0].geometry) == Approx(nearest[0].nearest.distance_m).epsilon(1e-9));

    // A speed that is not a positive number is a data error naming the feature and field.
    from.features[0].values[1] = "fast";
    CHECK_THROWS_WITH(compute_distances(from, to), Catch::Contains("feature 0 (\"west\"): field speed_kmh is \"fast\""));
}

TEST_CASE("a cancelled distance run is an error, not a short list of results", "[distance]") {
    const Layer line = default_line();
    Layer points;
    points.name = "points";
    for (int i = 0; i < 5000; ++i) {
        Feature f;
        f.fid = i;
        f.geometry = Geometry::point({20.0 + (i % 100) * 0.2, 44.0 + (i / 100) * 0.2});
        points.features.push_back(std::move(f));
    }
    // One thread, so the progress callback is certain to be asked after the first chunk.
    const dza::test::ScopedEnv serial("DZA_THREADS", "1");
    DistanceOptions options;
    options.callbacks.progress = [](double, std::string_view) { return false; };
    CHECK_THROWS_WITH(compute_distances(points, line, options), Catch::Contains("cancelled"));
    options.callbacks.progress = {};
    CHECK(compute_distances(points, line, options).size() == points.features.size());
}

TEST_CASE("the streamed distance JSON is the document to_json builds, byte for byte", "[distance][json]") {
    Layer from;
    from.name = "bases";
    from.fields = {{"name", FieldType::String}, {"note", FieldType::String}, {"crew", FieldType::Integer}};
    const std::vector<LonLat> points = {{24.0, 49.8}, {33.0, 50.0}, {36.0, 48.0}};
    for (std::size_t i = 0; i < points.size(); ++i) {
        Feature f;
        f.fid = static_cast<std::int64_t>(i);
        // A nested quote, a line break and a byte that is not UTF-8, a null, a short row.
        f.values = {i == 0 ? "w\"e\nst" : "b" + std::to_string(i), i == 1 ? nlohmann::json(nullptr) : nlohmann::json("caf\xE9"), 12};
        if (i == 2) f.values.resize(1);
        f.geometry = Geometry::point(points[i]);
        from.features.push_back(std::move(f));
    }
    Layer to;
    to.name = "line";
    to.fields = {{"name", FieldType::String}};
    Feature line;
    line.values = {"front"};
    line.geometry = Geometry::line({{35, 50}, {36, 48}});
    to.features.push_back(std::move(line));

    DistanceOptions options;
    options.speed_kmh = 40.0;
    auto results = compute_distances(from, to, options);
    REQUIRE(results.size() == 3);
    results[2].nearest.azimuth_deg = std::nan("");  // as at distance 0: a null azimuth
    results[2].time_h.reset();                      // no speed: a null time

    const auto streamed = [&](const std::vector<DistanceResult>& rs, const Layer& source) {
        std::string text;
        std::vector<std::string> pieces;
        stream_json(rs, source, to, [&](std::string_view piece) { pieces.emplace_back(piece); });
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            if (i + 1 < pieces.size()) CHECK(pieces[i].back() == '\n');
            text += pieces[i];
        }
        return std::make_pair(text, pieces.size());
    };
    // No results, a few, and enough for several pieces (about 300 bytes a row, 1 MiB a piece).
    std::vector<DistanceResult> many;
    for (int k = 0; k < 4000; ++k) many.insert(many.end(), results.begin(), results.end());
    const auto few = streamed(results, from);
    CHECK(few.first == json_text(to_json(results, from, to), 2));
    CHECK(few.first.find("\"azimuth_deg\": null") != std::string::npos);
    CHECK(few.first.find("\"w\\\"e\\nst\"") != std::string::npos);
    const auto lots = streamed(many, from);
    CHECK(lots.first == json_text(to_json(many, from, to), 2));
    CHECK(lots.second > 1);
    CHECK(streamed({}, from).first == json_text(to_json({}, from, to), 2));
    CHECK(streamed({}, from).first.find("\"results\": []\n}") != std::string::npos);
    // A source without fields: "properties": {}.
    Layer bare;
    bare.name = "bare";
    for (const LonLat& p : points) {
        Feature f;
        f.geometry = Geometry::point(p);
        bare.features.push_back(std::move(f));
    }
    CHECK(streamed(results, bare).first == json_text(to_json(results, bare, to), 2));
}

TEST_CASE("streamed distance JSON is nlohmann's dump of the same results, for random values and extremes", "[distance][json]") {
    std::mt19937_64 rng(20261128);
    const auto pick = [&](const std::vector<double>& values) { return values[rng() % values.size()]; };
    const std::vector<double> extremes = {0.0, -0.0, 1e-320, 5e-324, 1e-7, 0.5e-9, 123.0, 1e15, 1e16, 1e21, 1.7976931348623157e308, -1e300,
                                          std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                                          -std::numeric_limits<double>::infinity(), 359.9999999999, 0.1 + 0.2};
    const std::vector<std::string> texts = {"", "plain", "w\"e\\st", "tab\there\nline", std::string("nul\0byte", 8), "\x01\x1f\x7f", "Київ", "日本",
                                            "bad \xff\xfe utf8", "trail \xd0", "emoji \xf0\x9f\x98\x80", "</script>"};
    const auto random_double = [&]() {
        std::uniform_real_distribution<double> any(-1e6, 1e6);
        return rng() % 3 == 0 ? pick(extremes) : any(rng);
    };
    const auto random_value = [&]() -> nlohmann::json {
        switch (rng() % 6) {
            case 0: return nullptr;
            case 1: return rng() % 2 == 0;
            case 2: return static_cast<std::int64_t>(rng() % 2 ? std::numeric_limits<std::int64_t>::min() + static_cast<std::int64_t>(rng() % 3)
                                                               : static_cast<std::int64_t>(rng()));
            case 3: return std::numeric_limits<std::uint64_t>::max() - rng() % 3;
            case 4: return std::isfinite(random_double()) ? random_double() : 1.5;
            default: return texts[rng() % texts.size()];
        }
    };
    for (int round = 0; round < 40; ++round) {
        Layer from, to;
        from.source = "from \"x\".geojson";
        to.source = "to.geojson";
        const std::size_t field_count = rng() % 5;
        for (std::size_t i = 0; i < field_count; ++i) from.fields.push_back({i == 0 && round % 4 == 0 ? "name" : texts[rng() % texts.size()] + std::to_string(i)});
        if (round % 10 == 9 && !from.fields.empty()) from.fields.push_back(from.fields.front());  // a repeated name: the last value wins
        for (int f = 0; f < 30; ++f) {
            Feature feature;
            feature.fid = static_cast<std::int64_t>(rng() % 1000) - 10;
            for (std::size_t i = 0; i < from.fields.size(); ++i) feature.values.push_back(random_value());
            if (round % 13 == 5 && f == 3 && !feature.values.empty()) feature.values[0] = nlohmann::json::array({1, "two", nullptr});
            from.features.push_back(std::move(feature));
        }
        to.fields.push_back({"name"});
        for (int t = 0; t < 3; ++t) {
            Feature target;
            target.fid = t;
            target.values.push_back(t == 0 ? nlohmann::json(nullptr) : nlohmann::json(texts[rng() % texts.size()]));
            to.features.push_back(std::move(target));
        }
        std::vector<DistanceResult> results;
        for (std::size_t i = 0; i < from.features.size(); ++i) {
            DistanceResult r;
            r.source = i;
            r.target = rng() % to.features.size();
            r.nearest.distance_m = random_double();
            r.nearest.azimuth_deg = random_double();
            r.nearest.to = {random_double(), random_double()};
            if (rng() % 2) r.time_h = random_double();
            results.push_back(r);
        }
        std::string streamed;
        stream_json(results, from, to, [&](std::string_view piece) { streamed += piece; });
        // The document as nlohmann builds and dumps it, independently of the streamed writer.
        REQUIRE(streamed == json_text(to_json(results, from, to), 2));
        // And it reads back as JSON that dumps to the same text.
        CHECK(nlohmann::ordered_json::parse(streamed).dump(2) == streamed);
    }
}
