#pragma once
// dza check: does a deployment plan respect its constraints? For each deployment: inside the
// territory (or at sea inside the maritime zone), on the controlled side, at least the stand-off
// from the line, west of the meridian, inside a basing area, inside an allowed region: on land,
// the eligibility rule of eligibility.hpp. Every violation names the deployment and the measured figure.
// The plan rules of a scenario (coverage of the line, its longest gap, its depth) are checked
// against the coverage by check_rules.
#include <optional>
#include <string>
#include <vector>

#include "dza/callbacks.hpp"
#include "dza/coverage.hpp"
#include "dza/eligibility.hpp"
#include "dza/layer.hpp"
#include "dza/scenario.hpp"
#include "dza/territory.hpp"

namespace dza {

struct CheckOptions {
    EligibilityRule eligibility;              // basing areas and allowed regions apply to deployments on land
    const Layer* maritime_zone = nullptr;     // deployments at sea must be inside it
    Callbacks callbacks;
};

struct Violation {
    std::string rule;     // territory, controlled_side, standoff, west_of, basing_area, allowed_region, maritime_zone
    std::string message;  // "FR-3 Zaporizhzhia ground is 50.2 km from the line; the stand-off is 100 km"
};

struct DeploymentCheck {
    std::size_t feature = 0;
    std::string name;
    std::string region;        // the region it lies in, "" at sea or outside
    bool at_sea = false;       // outside the territory, inside the maritime zone
    double distance_km = 0;    // to the line (geodesic)
    std::vector<Violation> violations;
    bool passed() const { return violations.empty(); }
};

struct CheckResult {
    std::vector<DeploymentCheck> deployments;
    std::size_t violation_count() const;
    bool passed() const { return violation_count() == 0; }
};

CheckResult check_plan(const Layer& deployments, const Layer& regions, const Layer& line, const Territory& territory, const CheckOptions& options);

// One plan rule (scenario `rules:`) against the coverage.
struct RuleResult {
    std::string rule;     // min_line_covered_pct, max_line_gap_km, min_line_depth
    bool passed = false;
    double measured = 0;  // covered %, the longest gap in km, the length covered fewer than n times in km
    double limit = 0;     // the rule's figure: %, km, or n
    std::string message;  // "the line is 87.3% covered; the rule asks at least 90%"
    std::optional<double> altitude_m;  // the target altitude of the coverage measured, if any
};

// The rules given, in the order min_line_covered_pct, max_line_gap_km, min_line_depth. With
// coverage at several target altitudes, the rules are checked at each (every result names it).
// min_line_depth n is met when less than 1 m of the line lies within reach of fewer than n
// deployments. UsageError when there are rules and the coverage has no line.
std::vector<RuleResult> check_rules(const PlanRules& rules, const CoverageResult& coverage);

bool rules_passed(const std::vector<RuleResult>& rules);

// A rule's limit (or its measured figure) as text in the rule's unit: "90.00%", "12.500 km", "2 deployments".
std::string rule_figure(const RuleResult& rule, bool limit);

}  // namespace dza
