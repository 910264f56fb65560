#pragma once
// The one eligibility rule. A place is eligible for basing when it is on the controlled side, at
// least the stand-off from the line (or from the occupied area), in an allowed region (when some
// are named), west of the meridian (when one is given) and inside a basing area (when there are
// any). compute_zones draws the eligible zone by it; check_plan reports each deployment that
// breaks a part of it. resolve_inputs (inputs.hpp) builds it from a scenario and a command line.
#include <optional>
#include <string>
#include <vector>

#include "dza/layer.hpp"

namespace dza {

// What "eligible for basing" means; dza zones, dza check, dza map and dza run all apply it.
struct EligibilityRule {
    double standoff_m = 0;                     // least geodesic distance from the line (or occupied area)
    std::vector<std::string> allowed_regions;  // region names; empty: every region
    std::optional<double> west_of_lon;         // degrees east; only the part west of it
    const Layer* basing_areas = nullptr;       // when set, only inside one of them
};

}  // namespace dza
