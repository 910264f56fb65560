// System catalogues, each deployment's reach from its type and attributes, target altitudes, and
// the coverage of a radar against the horizon, checked against values written out here and an
// independent area: GeographicLib's PolygonArea of the horizon-limited disc, its boundary placed
// with GeographicLib's Direct at d_h(az) from the formula in sensor.hpp written out again below.
//
// Tolerances. The horizon-limited disc's area within 0.05 % (dza's reach has every vertex on the
// exact envelope and chords within max_error_m, 10 m at most, of it: a relative error below
// 2 * 10 m / 85 km = 0.024 %).
#include <GeographicLib/PolygonArea.hpp>
#include <catch2/catch.hpp>

#include <cmath>

#include "dza/coverage.hpp"
#include "dza/error.hpp"
#include "dza/scenario.hpp"
#include "dza/systems.hpp"
#include "dza/units.hpp"
#include "helpers.hpp"
#include "reference.hpp"

using namespace dza;
using dza::test::error_of;
using dza::test::ScratchDir;
using dza::test::write_text;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const SystemType& type_of(const SystemCatalogue& c, const std::string& name) {
    const SystemType* t = c.find(name);
    REQUIRE(t != nullptr);
    return *t;
}

// The catalogue every format below spells: a radar with everything, a SAM with defaults.
void check_catalogue(const SystemCatalogue& c) {
    REQUIRE(c.types.size() == 2);
    const SystemType& radar = type_of(c, "radar");
    CHECK(radar.role == "ISR");
    CHECK(radar.reach.max_range_m == 300000);
    CHECK(radar.reach.min_range_m == 2000);
    CHECK(radar.reach.sensor_height_m == 15);
    CHECK(radar.reach.sector.from_deg == 300);
    CHECK(radar.reach.sector.width_deg == 120);
    const SystemType& sam = type_of(c, "sam");
    CHECK(sam.reach.max_range_m == 40000);
    CHECK(sam.reach.min_range_m == 0);
    CHECK(sam.reach.sensor_height_m == 0);
    CHECK(sam.reach.sector.full());
    CHECK(c.find("Radar") == nullptr);
}

// Deployments with the system field and every overriding attribute, all text.
Layer deployments(const std::vector<std::vector<nlohmann::json>>& rows, const std::vector<LonLat>& at = {}) {
    Layer l;
    l.source = "d.geojson";
    l.name = "d";
    l.fields = {{"name", FieldType::String},         {"system", FieldType::String},          {"radius_km", FieldType::Real},
                {"max_range_km", FieldType::String}, {"min_range_km", FieldType::String},    {"sensor_height_m", FieldType::String},
                {"sector_deg", FieldType::String}};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        Feature f;
        f.fid = static_cast<std::int64_t>(i);
        f.values = rows[i];
        f.values.resize(l.fields.size());
        f.geometry = Geometry::point(i < at.size() ? at[i] : LonLat{30, 50});
        l.features.push_back(std::move(f));
    }
    return l;
}

SystemCatalogue radar_catalogue(double max_km = 300, double height_m = 10) {
    SystemCatalogue c;
    c.source = "cat.yaml";
    SystemType t;
    t.name = "radar";
    t.role = "ISR";
    t.reach.max_range_m = max_km * 1000;
    t.reach.sensor_height_m = height_m;
    c.types.push_back(t);
    t.name = "long-range radar";
    c.types.push_back(t);
    return c;
}

// The horizon-limited disc's area, m², independently: sensor.hpp's d_h with the WGS84
// normal-section radius, points by GeographicLib's Direct, area by its PolygonArea.
double horizon_disc_area_m2(LonLat site, double max_m, double sensor_m, double target_m, double k) {
    const double a = 6378137.0, f = 1 / 298.257223563, e2 = f * (2 - f);
    const double s2 = std::pow(std::sin(site.lat * M_PI / 180), 2);
    const double M = a * (1 - e2) / std::pow(1 - e2 * s2, 1.5), N = a / std::sqrt(1 - e2 * s2);
    GeographicLib::PolygonArea polygon(reference::wgs84());
    constexpr int n = 20000;
    for (int i = 0; i < n; ++i) {
        const double az = 360.0 * i / n, c2 = std::pow(std::cos(az * M_PI / 180), 2);
        const double kR = k / (c2 / M + (1 - c2) / N);
        const double d = kR * (std::acos(kR / (kR + sensor_m)) + std::acos(kR / (kR + target_m)));
        const LonLat p = reference::direct(site, az, std::min(max_m, d));
        polygon.AddPoint(p.lat, p.lon);
    }
    double perimeter = 0, area = 0;
    polygon.Compute(false, true, perimeter, area);
    return std::fabs(area);
}

Layer big_region() {
    return dza::test::named_polygons({{"big", {{20, 40}, {40, 40}, {40, 58}, {20, 58}}}});
}

}  // namespace

TEST_CASE("catalogues: a YAML mapping, a systems: wrapper, JSON and a CSV table read alike", "[systems]") {
    ScratchDir dir;
    const std::string yaml =
        "radar: {role: ISR, max_range_km: 300, min_range_km: 2, sensor_height_m: 15, sector_deg: [300, 60]}\nsam: {max_range_km: 40}\n";
    check_catalogue(read_systems_file(write_text(dir.file("a.yaml"), yaml)));
    check_catalogue(read_systems_file(write_text(dir.file("b.yml"), "systems:\n  radar: {role: ISR, max_range_km: 300, min_range_km: 2, sensor_height_m: 15, "
                                                                     "sector_deg: [300, 60]}\n  sam: {max_range_km: 40}\n")));
    check_catalogue(read_systems_file(write_text(dir.file("c.json"), R"({"radar": {"role": "ISR", "max_range_km": 300, "min_range_km": 2,
        "sensor_height_m": 15, "sector_deg": [300, 60]}, "sam": {"max_range_km": 40}})")));
    check_catalogue(read_systems_file(write_text(dir.file("d.csv"),
                                                 "name,role,max_range_km,min_range_km,sensor_height_m,sector_from_deg,sector_to_deg\n"
                                                 "radar,ISR,300,2,15,300,60\nsam,,40,,,,\n")));
    // Only the columns needed.
    const SystemCatalogue small = read_systems_file(write_text(dir.file("e.csv"), "name,max_range_km\nsam,40\n"));
    REQUIRE(small.types.size() == 1);
    CHECK(type_of(small, "sam").reach.max_range_m == 40000);
}

TEST_CASE("catalogue mistakes name the file, line or row, and key; usage errors", "[systems]") {
    ScratchDir dir;
    const auto error = [&](const std::string& name, const std::string& text) {
        const std::string path = write_text(dir.file(name), text);
        return error_of<UsageError>([&] { read_systems_file(path); });
    };
    std::string e = error("k.yaml", "radar:\n  max_range_km: 300\n  sensor_heigth_m: 10\n");
    CHECK(has(e, "k.yaml:3:"));
    CHECK(has(e, "radar.sensor_heigth_m"));
    CHECK(has(e, "did you mean \"sensor_height_m\""));
    e = error("m.yaml", "sam: {max_range_km: 40}\nradar: {role: ISR}\n");
    CHECK(has(e, "m.yaml:2:"));
    CHECK(has(e, "radar: has no max_range_km"));
    e = error("mm.yaml", "radar: {max_range_km: 30, min_range_km: 40}\n");
    CHECK(has(e, "mm.yaml:1:"));
    CHECK(has(e, "40 km is beyond the maximum range 30 km"));
    e = error("n.yaml", "radar: {max_range_km: -30}\n");
    CHECK(has(e, "radar.max_range_km"));
    CHECK(has(e, "negative"));
    CHECK(has(error("h.yaml", "radar: {max_range_km: 30, sensor_height_m: -1}\n"), "radar.sensor_height_m"));
    e = error("x.json", R"({"radar": {"max_range_km": "30km"}})");
    CHECK(has(e, "x.json:1:"));
    CHECK(has(e, "\"30km\""));
    CHECK(has(error("s.yaml", "radar: {max_range_km: 30, sector_deg: [60, 60]}\n"), "radar.sector_deg: sector [60, 60] is empty"));
    CHECK(has(error("s1.yaml", "radar: {max_range_km: 30, sector_deg: [60]}\n"), "radar.sector_deg"));
    CHECK(has(error("l.yaml", "- radar\n"), "l.yaml:1:"));
    CHECK(has(error("w.yaml", "systems:\n  radar: {max_range_km: 30}\nother: 1\n"), "w.yaml:3:"));
    CHECK(has(error("w.yaml", "systems:\n  radar: {max_range_km: 30}\nother: 1\n"), "other"));
    // Tables: the row and the column.
    e = error("dup.csv", "name,max_range_km\nradar,300\nradar,200\n");
    CHECK(has(e, "dup.csv\": row 2: name \"radar\" is given twice"));
    CHECK(has(error("neg.csv", "name,max_range_km\nradar,-300\n"), "row 1: max_range_km is -300"));
    CHECK(has(error("nan.csv", "name,max_range_km\nradar,abc\n"), "row 1: max_range_km is \"abc\", not a number"));
    CHECK(has(error("miss.csv", "name,max_range_km,role\nradar,,ISR\n"), "row 1: max_range_km is empty"));
    CHECK(has(error("mm.csv", "name,max_range_km,min_range_km\nsam,40,\nradar,30,40\n"), "row 2: min_range_km"));
    CHECK(has(error("sec.csv", "name,max_range_km,sector_from_deg,sector_to_deg\nradar,30,60,60\n"), "row 1: sector_from_deg"));
    CHECK(has(error("sec1.csv", "name,max_range_km,sector_from_deg,sector_to_deg\nradar,30,60,\n"), "row 1: sector_to_deg is empty"));
    e = error("col.csv", "name,max_rang_km\nradar,300\n");
    CHECK(has(e, "unknown column \"max_rang_km\""));
    CHECK(has(e, "did you mean \"max_range_km\""));
    CHECK(has(error_of<UsageError>([&] { read_systems_file(dir.file("none.yaml")); }), "no such file"));
}

TEST_CASE("a scenario's systems: a mapping, a file beside it, a missing file, a list", "[systems][scenario]") {
    ScratchDir dir;
    write_text(dir.file("cat.csv"), "name,max_range_km\nradar,300\n");
    Scenario s = load_scenario(write_text(dir.file("a.yaml"), "systems: cat.csv\n"));
    REQUIRE(s.parameters.systems);
    CHECK(type_of(*s.parameters.systems, "radar").reach.max_range_m == 300000);
    s = load_scenario(write_text(dir.file("b.yaml"), "systems:\n  radar: {max_range_km: 30}\n"));
    REQUIRE(s.parameters.systems);
    CHECK(type_of(*s.parameters.systems, "radar").reach.max_range_m == 30000);
    std::string e = error_of<UsageError>([&] { load_scenario(write_text(dir.file("c.yaml"), "name: x\nsystems: missing.yaml\n")); });
    CHECK(has(e, "c.yaml:2: systems"));
    CHECK(has(e, "missing.yaml"));
    e = error_of<UsageError>([&] { load_scenario(write_text(dir.file("d.yaml"), "systems:\n  - radar\n")); });
    CHECK(has(e, "d.yaml:2: systems"));
}

TEST_CASE("a deployment's reach: its type, its own attributes, or the reach rules", "[systems]") {
    const SystemCatalogue catalogue = radar_catalogue();
    SensorRules rules;
    rules.systems = &catalogue;
    const auto rule_range = [] { return 12345.0; };
    const auto never = []() -> double { throw std::logic_error("the reach rules were asked for a deployment with a type"); };
    const Layer l = deployments({
        {"T", "radar"},
        {"M", "radar", nullptr, "100", " 20 "},
        {"H", "radar", nullptr, nullptr, nullptr, "50"},
        {"S1", "radar", nullptr, nullptr, nullptr, nullptr, "300,60"},
        {"S2", "radar", nullptr, nullptr, nullptr, nullptr, "[300, 60]"},
        {"S3", "radar", nullptr, nullptr, nullptr, nullptr, nlohmann::json::array({300, 60})},
        {"S4", "radar", nullptr, nullptr, nullptr, nullptr, "(2:300,60)"},  // a list field as GDAL gives it as text
        {"G", nullptr, 100.0},
        {"GS", "", 100.0, nullptr, nullptr, nullptr, "0,180"},
    });
    const SensorReach t = deployment_sensor(l, l.features[0], rules, never);
    CHECK(t.max_range_m == 300000);
    CHECK(t.sensor_height_m == 10);
    CHECK(t.line_of_sight);
    const SensorReach m = deployment_sensor(l, l.features[1], rules, never);
    CHECK(m.max_range_m == 100000);
    CHECK(m.min_range_m == 20000);
    CHECK(m.sensor_height_m == 10);
    CHECK(deployment_sensor(l, l.features[2], rules, never).sensor_height_m == 50);
    for (std::size_t i = 3; i <= 6; ++i) {
        INFO(l.features[i].values[0]);
        const SensorReach s = deployment_sensor(l, l.features[i], rules, never);
        CHECK(s.sector.from_deg == 300);
        CHECK(s.sector.width_deg == 120);
        CHECK(s.max_range_m == 300000);
    }
    const SensorReach g = deployment_sensor(l, l.features[7], rules, rule_range);
    CHECK(g.max_range_m == 12345.0);
    CHECK_FALSE(g.line_of_sight);
    CHECK(g.sector.full());
    const SensorReach gs = deployment_sensor(l, l.features[8], rules, rule_range);
    CHECK(gs.max_range_m == 12345.0);
    CHECK(gs.line_of_sight);  // a sector makes it a sensor
    CHECK(gs.sector.width_deg == 180);
}

TEST_CASE("a deployment's bad type or attribute is a data error naming layer, feature, field and value", "[systems]") {
    const SystemCatalogue catalogue = radar_catalogue();
    SensorRules rules;
    rules.systems = &catalogue;
    const auto rule_range = [] { return 1000.0; };
    const Layer l = deployments({
        {"U", "long range radar"},
        {"A", "radar", nullptr, nullptr, nullptr, nullptr, "abc"},
        {"B", "radar", nullptr, "abc"},
        {"C", "radar", nullptr, nullptr, "400"},
        {"D", "radar", nullptr, nullptr, nullptr, "-5"},
        {"E", "radar", nullptr, nullptr, nullptr, nullptr, "300,60,90"},
        {"F", "radar", nullptr, nullptr, nullptr, nullptr, "60,60"},
    });
    const auto error = [&](std::size_t i) { return error_of<DataError>([&] { deployment_sensor(l, l.features[i], rules, rule_range); }); };
    std::string e = error(0);
    CHECK(has(e, "d.geojson"));
    CHECK(has(e, "\"U\""));
    CHECK(has(e, "field system is \"long range radar\""));
    CHECK(has(e, "did you mean \"long-range radar\""));
    CHECK(has(e, "known: \"radar\", \"long-range radar\""));
    CHECK(has(error(1), "field sector_deg is \"abc\""));
    CHECK(has(error(2), "field max_range_km is \"abc\""));
    CHECK(has(error(3), "field min_range_km"));
    CHECK(has(error(4), "field sensor_height_m is -5"));
    CHECK(has(error(5), "field sector_deg is \"300,60,90\""));
    CHECK(has(error(6), "field sector_deg"));
    // A sector on a line or polygon.
    Layer lines = deployments({{"L", "radar", nullptr, nullptr, nullptr, nullptr, "300,60"}});
    lines.features[0].geometry = Geometry::line({{30, 50}, {31, 50}});
    CoverageOptions o;
    o.sensors.systems = &catalogue;
    e = error_of<DataError>([&] { deployment_sensors(lines, o); });
    CHECK(has(e, "\"L\""));
    CHECK(has(e, "LineString with a sector"));
}

TEST_CASE("target altitudes: units, and each once, lowest first", "[systems][units]") {
    CHECK(parse_altitude_list_m("50m,300m") == std::vector<double>{50, 300});
    const std::vector<double> mixed = parse_altitude_list_m("1km, 1000ft");
    REQUIRE(mixed.size() == 2);
    CHECK(mixed[0] == 1000);
    CHECK(mixed[1] == Approx(304.8).margin(1e-9));
    for (const char* bad : {"300", "300yd", "-300m", "", "50m,", "nanm", "infm", "m"}) {
        INFO(bad);
        CHECK(error_of<UsageError>([&] { parse_altitude_list_m(bad, "--altitudes"); }) != "no error");
    }
    const auto check = [](std::vector<double> a) {
        check_altitudes(a, [&](const std::string& m) { throw UsageError(m); });
        return std::string("ok");
    };
    CHECK(check({50, 300}) == "ok");
    CHECK(has(error_of<UsageError>([&] { check({300, 300}); }), "give each altitude once"));
    CHECK(has(error_of<UsageError>([&] { check({300, 50}); }), "lowest first"));
    CHECK(error_of<UsageError>([&] { check({1e6}); }) != "no error");
}

TEST_CASE("a radar alone covers the horizon-limited disc; more with altitude, less without refraction", "[systems][coverage]") {
    const Layer region = big_region();
    const SystemCatalogue catalogue = radar_catalogue(300, 10);
    // A radar, and a deployment without a type 6 degrees west with a radius of 100 km.
    const Layer l = deployments({{"R", "radar"}, {"G", nullptr, 100.0}}, {{30, 50}, {24, 50}});
    CoverageOptions o;
    o.sensors.systems = &catalogue;
    o.radius_field = "radius_km";
    const double disc_m2 = reference::circle_area_m2({24, 50}, 100000);
    const std::vector<CoverageResult> r = coverage_by_altitude(l, region, nullptr, {}, o, {50, 300, 3000}, nullptr, AltitudeRef::AboveGround);
    REQUIRE(r.size() == 3);
    double last_km2 = 0;
    for (const auto& [i, altitude_m] : std::vector<std::pair<std::size_t, double>>{{0, 50}, {1, 300}, {2, 3000}}) {
        const double expected_km2 = (disc_m2 + horizon_disc_area_m2({30, 50}, 300000, 10, altitude_m, 4.0 / 3.0)) / 1e6;
        INFO("altitude " << altitude_m << " m: dza " << r[i].total.covered_km2 << " km², reference " << expected_km2 << " km²");
        REQUIRE(r[i].altitude_m);
        CHECK(*r[i].altitude_m == altitude_m);
        CHECK(r[i].total.covered_km2 == Approx(expected_km2).epsilon(5e-4));
        CHECK(r[i].total.covered_km2 > last_km2);
        last_km2 = r[i].total.covered_km2;
    }
    // Without refraction the horizon is nearer.
    o.horizon.refraction_k = 1;
    const std::vector<CoverageResult> k1 = coverage_by_altitude(l, region, nullptr, {}, o, {300}, nullptr, AltitudeRef::AboveGround);
    REQUIRE(k1.size() == 1);
    CHECK(k1[0].total.covered_km2 == Approx((disc_m2 + horizon_disc_area_m2({30, 50}, 300000, 10, 300, 1)) / 1e6).epsilon(5e-4));
    CHECK(k1[0].total.covered_km2 < 0.9 * r[1].total.covered_km2);
}
