// The private GEOS boundary: failures become DataErrors and parts handed over are never freed
// twice (a sanitizer build reports a double free or a leak here).
#include <catch2/catch.hpp>

#include <vector>

#include "dza/error.hpp"
#include "dza/geometry.hpp"
#include "geos/geos.hpp"

using namespace dza;

TEST_CASE("GEOS collections and polygons take their parts even when they fail", "[geos]") {
    std::vector<Geometry> parts;
    parts.push_back(Geometry::point({1, 2}));
    parts.push_back(Geometry::point({3, 4}));
    // A point is no collection type: GEOS refuses, and frees the parts.
    CHECK_THROWS_AS(geos::collection(std::move(parts), GEOS_POINT, "collecting points"), DataError);

    std::vector<Geometry> two;
    two.push_back(Geometry::point({1, 2}));
    two.push_back(Geometry::point({3, 4}));
    const Geometry both = geos::collection(std::move(two), GEOS_MULTIPOINT);
    CHECK(both.type_name() == "MultiPoint");
    CHECK(both.paths().size() == 2);

    // A shell that is no ring: GEOS refuses the polygon, and frees shell and holes.
    std::vector<Geometry> holes;
    const Geometry square = Geometry::polygon({{0, 0}, {1, 0}, {1, 1}, {0, 1}});
    holes.push_back(geos::clone(GEOSGetExteriorRing_r(geos::ctx(), square.get())));
    try {
        geos::polygon(Geometry::point({0, 0}), std::move(holes), "building a polygon");
        FAIL("no error");
    } catch (const DataError& e) {
        CHECK_THAT(e.what(), Catch::StartsWith("building a polygon: "));
    }
}
