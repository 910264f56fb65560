#include "dza/check.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "dza/distance.hpp"
#include "dza/error.hpp"
#include "geos/geos.hpp"

namespace dza {

namespace {

struct Prepared {
    geos::PreparedPtr prepared;
    explicit Prepared(const Geometry& g) : prepared(geos::check(GEOSPrepare_r(geos::ctx(), g.get()), "preparing geometry")) {}
    bool covers(const Geometry& g) const { return GEOSPreparedCovers_r(geos::ctx(), prepared.get(), g.get()) == 1; }
};

}  // namespace

std::size_t CheckResult::violation_count() const {
    std::size_t n = 0;
    for (const auto& d : deployments) n += d.violations.size();
    return n;
}

CheckResult check_plan(const Layer& deployments, const Layer& regions, const Layer& line, const Territory& territory, const CheckOptions& options) {
    const EligibilityRule& rule = options.eligibility;
    if (rule.standoff_m < 0) throw UsageError("the stand-off distance is negative; give 0 or more");
    std::vector<std::size_t> allowed;
    for (const auto& name : rule.allowed_regions) allowed.push_back(find_region(regions, name));

    const Prepared land(territory.land), controlled(territory.controlled);
    std::optional<Geometry> basing_union, maritime_union;
    std::optional<Prepared> basing, maritime;
    if (rule.basing_areas) basing.emplace(basing_union.emplace(union_of(*rule.basing_areas)));
    if (options.maritime_zone) maritime.emplace(maritime_union.emplace(union_of(*options.maritime_zone)));
    std::vector<std::unique_ptr<Prepared>> region_shapes;
    for (const auto& r : regions.features) region_shapes.push_back(r.geometry.is_empty() ? nullptr : std::make_unique<Prepared>(r.geometry));
    // The regions by envelope, so each deployment is tested against the few that may hold it.
    GEOSContextHandle_t h = geos::ctx();
    const geos::STRtreePtr region_index(geos::check(GEOSSTRtree_create_r(h, 10), "creating an index"));
    for (std::size_t r = 0; r < regions.features.size(); ++r)
        if (region_shapes[r]) GEOSSTRtree_insert_r(h, region_index.get(), regions.features[r].geometry.get(), reinterpret_cast<void*>(r));
    const auto regions_near = [&](const Geometry& g) {
        std::vector<std::size_t> hits;
        GEOSSTRtree_query_r(
            h, region_index.get(), g.get(), [](void* item, void* out) { static_cast<std::vector<std::size_t>*>(out)->push_back(reinterpret_cast<std::size_t>(item)); },
            &hits);
        std::sort(hits.begin(), hits.end());  // the layer's order, as a plain loop would meet them
        return hits;
    };

    std::vector<const Geometry*> line_parts;
    for (const auto& f : line.features) line_parts.push_back(&f.geometry);
    const DistanceIndex to_line(line_parts);
    std::vector<const Geometry*> basing_parts;
    if (rule.basing_areas)
        for (const auto& f : rule.basing_areas->features) basing_parts.push_back(&f.geometry);
    const DistanceIndex to_basing(basing_parts);

    std::string allowed_list;
    for (const auto& name : rule.allowed_regions) allowed_list += (allowed_list.empty() ? "" : ", ") + name;

    CheckResult result;
    for (std::size_t i = 0; i < deployments.features.size(); ++i) {
        const Feature& f = deployments.features[i];
        if (f.geometry.is_empty()) continue;
        DeploymentCheck c;
        c.feature = i;
        c.name = deployments.label(f);
        const auto add = [&](const char* rule, std::string message) { c.violations.push_back({rule, std::move(message)}); };

        const std::vector<std::size_t> near = regions_near(f.geometry);
        for (std::size_t r : near)
            if (region_shapes[r]->covers(f.geometry)) {
                c.region = regions.label(regions.features[r]);
                break;
            }
        const auto hit = to_line.nearest(f.geometry);
        c.distance_km = hit ? hit->nearest.distance_m / 1000.0 : 0.0;

        const bool on_land = land.covers(f.geometry);
        c.at_sea = !on_land && maritime && maritime->covers(f.geometry);
        if (!on_land && !c.at_sea) {
            add("territory", maritime ? fmt::format("{} is outside the territory and outside the maritime zone", c.name)
                                      : fmt::format("{} is outside the territory", c.name));
        }
        if (on_land && !controlled.covers(f.geometry)) add("controlled_side", fmt::format("{} is on the other side of the line, not the controlled side", c.name));
        if (c.distance_km * 1000.0 < rule.standoff_m)
            add("standoff", fmt::format("{} is {:.1f} km from the line; the stand-off is {:g} km", c.name, c.distance_km, rule.standoff_m / 1000.0));
        if (on_land && rule.west_of_lon && !(f.geometry.extent().max_lon < *rule.west_of_lon))
            add("west_of", fmt::format("{} reaches {:.4f}°E, not west of the meridian {:g}°E", c.name, f.geometry.extent().max_lon, *rule.west_of_lon));
        if (on_land && basing && !basing->covers(f.geometry)) {
            std::string nearest;
            if (const auto b = to_basing.nearest(f.geometry))
                nearest = fmt::format(" (nearest: {}, {:.1f} km away)", rule.basing_areas->label(rule.basing_areas->features[b->target]), b->nearest.distance_m / 1000.0);
            add("basing_area", fmt::format("{} is outside every basing area{}", c.name, nearest));
        }
        if (on_land && !allowed.empty()) {
            bool inside = false;
            for (std::size_t r : allowed)
                inside = inside || (std::binary_search(near.begin(), near.end(), r) && region_shapes[r]->covers(f.geometry));
            if (!inside)
                add("allowed_region", fmt::format("{} is in {}, not in an allowed region ({})", c.name, c.region.empty() ? "no single region" : c.region, allowed_list));
        }
        result.deployments.push_back(std::move(c));
    }
    return result;
}

std::vector<RuleResult> check_rules(const PlanRules& rules, const CoverageResult& coverage) {
    std::vector<RuleResult> out;
    if (rules.empty()) return out;
    if (!coverage.line) throw UsageError("the plan rules (rules:) are about the line, and the coverage has none; give a line or remove the rules");
    const LineCoverage& line = *coverage.line;
    if (rules.min_line_covered_pct) {
        RuleResult r{"min_line_covered_pct", false, line.covered_pct, *rules.min_line_covered_pct, "", std::nullopt};
        r.passed = r.measured >= r.limit;
        r.message = fmt::format("the line is {:.2f}% covered ({:.3f} of {:.3f} km); the rule asks at least {:g}%", r.measured, line.covered_km, line.length_km, r.limit);
        out.push_back(std::move(r));
    }
    if (rules.max_line_gap_km) {
        const LineGap* longest = nullptr;
        for (const auto& g : line.gaps)
            if (!longest || g.length_km > longest->length_km) longest = &g;
        RuleResult r{"max_line_gap_km", false, longest ? longest->length_km : 0.0, *rules.max_line_gap_km, "", std::nullopt};
        r.passed = r.measured <= r.limit;
        r.message = longest ? fmt::format("the longest uncovered stretch of the line is {:.3f} km ({}, km {:.3f} to {:.3f}); the rule allows at most {:g} km", r.measured,
                                          longest->name, longest->from_km, longest->to_km, r.limit)
                            : fmt::format("no stretch of the line is uncovered; the rule allows at most {:g} km", r.limit);
        out.push_back(std::move(r));
    }
    if (rules.min_line_depth) {
        const auto n = static_cast<std::size_t>(*rules.min_line_depth);
        const double at_least_km = n <= line.depth_km.size() ? line.depth_km[n - 1] : 0.0;
        RuleResult r{"min_line_depth", false, std::max(0.0, line.length_km - at_least_km), static_cast<double>(n), "", std::nullopt};
        r.passed = r.measured * 1000.0 < 1.0;
        r.message = fmt::format("{:.3f} km of the line lie within reach of fewer than {} deployment{}; the rule asks every metre within reach of at least {}", r.measured, n,
                                n == 1 ? "" : "s", n);
        out.push_back(std::move(r));
    }
    // At a target altitude, each result says so.
    if (coverage.altitude_m)
        for (RuleResult& r : out) {
            r.altitude_m = coverage.altitude_m;
            r.message = fmt::format("at {:g} m, {}", *coverage.altitude_m, r.message);
        }
    return out;
}

std::string rule_figure(const RuleResult& rule, bool limit) {
    const double value = limit ? rule.limit : rule.measured;
    if (rule.rule == "min_line_covered_pct") return fmt::format("{:.2f}%", value);
    if (rule.rule == "min_line_depth" && limit) return fmt::format("{:g} deployment{}", value, value == 1 ? "" : "s");
    return fmt::format("{:.3f} km", value);
}

bool rules_passed(const std::vector<RuleResult>& rules) {
    return std::all_of(rules.begin(), rules.end(), [](const RuleResult& r) { return r.passed; });
}

}  // namespace dza
