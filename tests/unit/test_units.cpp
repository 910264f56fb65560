#include <catch2/catch.hpp>

#include "dza/error.hpp"
#include "dza/units.hpp"

using dza::parse_distance_m;

TEST_CASE("distances parse with units; a bare number is km", "[units]") {
    CHECK(parse_distance_m("50km") == 50000.0);
    CHECK(parse_distance_m("50") == 50000.0);
    CHECK(parse_distance_m(" 12.5 km ") == 12500.0);
    CHECK(parse_distance_m("1500m") == 1500.0);
    CHECK(parse_distance_m("30mi") == Approx(30 * 1609.344).epsilon(1e-15));  // international mile
    CHECK(parse_distance_m("27nmi") == Approx(27 * 1852.0).epsilon(1e-15));   // international nautical mile
    CHECK(parse_distance_m("0") == 0.0);
    CHECK(parse_distance_m("1e2km") == 100000.0);
}

TEST_CASE("bad distances are usage errors that quote the value", "[units]") {
    const auto message_of = [](const char* text) {
        try {
            parse_distance_m(text, "--standoff");
        } catch (const dza::UsageError& e) {
            CHECK(e.exit_code() == dza::ExitCode::Usage);
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(message_of("abc"), Catch::Contains("--standoff \"abc\" is not a distance"));
    CHECK_THAT(message_of("5 furlongs"), Catch::Contains("unknown unit \"furlongs\""));
    CHECK_THAT(message_of("-5km"), Catch::Contains("negative"));
    CHECK_THAT(message_of(""), Catch::Contains("is not a distance"));
    CHECK_THAT(message_of("km"), Catch::Contains("is not a distance"));
    CHECK(parse_distance_m("-5km", "offset", true) == -5000.0);
    // Finite numbers whose value in metres or km/h is not: an error, never an infinite distance.
    CHECK_THAT(message_of("1e308"), Catch::Contains("--standoff \"1e308\" is too large to be a distance"));
    CHECK_THAT(message_of("1e308nmi"), Catch::Contains("too large"));
    CHECK_THROWS_AS(parse_distance_m("-1e308mi", "offset", true), dza::UsageError);
    CHECK(parse_distance_m("1e300km") == Approx(1e303));
    CHECK_THROWS_WITH(dza::parse_speed_kmh("1e308m/s", "--speed"), Catch::Contains("--speed \"1e308m/s\" is too large to be a speed"));
}

TEST_CASE("distance lists", "[units]") {
    CHECK(dza::parse_distance_list_m("25km,50km,100") == std::vector<double>{25000, 50000, 100000});
    CHECK_THROWS_AS(dza::parse_distance_list_m("25km,,100"), dza::UsageError);
}

TEST_CASE("closest_match suggests near names only", "[units]") {
    CHECK(dza::closest_match("radius_kn", {"radius_km", "name", "role"}) == "radius_km");
    CHECK(dza::closest_match("Regions", {"regions", "line"}) == "regions");
    CHECK(dza::closest_match("zzzzzz", {"regions", "line"}).empty());
}
