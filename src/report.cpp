// report.html and summary.json's results, from the typed results of a run.
#include <fmt/format.h>

#include <cmath>
#include <ctime>

#include "dza/report.hpp"
#include "dza/results_json.hpp"
#include "dza/version.hpp"
#include "markup.hpp"

namespace dza {

using json = nlohmann::ordered_json;

json results_json(const RunResults& r) {
    json out = json::object();
    if (r.distance) out["distance"] = to_json(r.distance->results, *r.distance->from, *r.distance->to);
    if (r.zones) out["zones"] = to_json(r.zones->result, r.zones->eligibility, r.zones->controlled_side);
    if (r.coverage) {
        out["coverage"] = to_json(r.coverage->all(), *r.coverage->deployments, *r.coverage->regions, r.coverage->line, r.coverage->targets);
        if (r.coverage->line_altitude && r.coverage->line) out["coverage"]["line_altitude"] = to_json(*r.coverage->line_altitude, *r.coverage->line);
    }
    if (r.check) out["check"] = to_json(r.check->result, r.check->eligibility, r.check->controlled_side);
    if (r.rules) out["rules"] = rules_json(*r.rules);
    if (r.optimize) out["optimize"] = to_json(r.optimize->proposal, *r.optimize->regions, r.optimize->line);
    return out;
}

namespace {

struct Method {
    const char* analysis;
    std::string method;
    double max_error_m;
};

std::vector<Method> methods(const RunResults& r) {
    std::vector<Method> out;
    if (r.distance) out.push_back({"distance", distance_method, distance_max_error_m});
    if (r.zones) out.push_back({"zones", r.zones->result.method, r.zones->result.max_error_m});
    if (r.coverage) out.push_back({"coverage", coverage_method, r.coverage->result.max_error_m});
    if (r.check) out.push_back({"check", check_method, distance_max_error_m});
    if (r.optimize)
        out.push_back({"optimize", std::string(optimize_method) + "; " + r.optimize->proposal.result.solution.method, r.optimize->proposal.result.max_error_m});
    return out;
}

// A figure with `decimals` decimals and thousands separated by commas: 12,345.6.
std::string num(double v, int decimals) {
    std::string text = fmt::format("{:.{}f}", v, decimals);
    if (!std::isfinite(v)) return text;
    const std::size_t start = text[0] == '-' ? 1 : 0;
    std::size_t end = text.find('.');
    if (end == std::string::npos) end = text.size();
    for (std::size_t at = end; at > start + 3; at -= 3) text.insert(at - 3, ",");
    return text;
}

std::string check_html(const CheckSection& c) {
    std::string html = "<h2 id=\"check\">Plan check</h2>\n";
    html += c.result.passed() ? "<p class=\"ok\">The plan passes every constraint.</p>\n"
                              : fmt::format("<p class=\"fail\">The plan fails: {} violations.</p>\n", c.result.violation_count());
    html += "<div class=\"scroll\"><table id=\"check-table\"><thead><tr><th>deployment</th><th>where</th><th>to the line, km</th><th>result</th></tr></thead>\n";
    for (const auto& d : c.result.deployments) {
        const std::string where = d.at_sea ? "at sea" : (d.region.empty() ? "-" : d.region);
        std::string res;
        for (const auto& v : d.violations) res += (res.empty() ? "" : "<br>") + markup_escape(v.message);
        html += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"{}\">{}</td></tr>\n", markup_escape(d.name), markup_escape(where),
                            num(d.distance_km, 1), d.passed() ? "ok" : "fail", d.passed() ? "ok" : res);
    }
    return html + "</table></div>\n";
}

std::string rules_html(const std::vector<RuleResult>& rules) {
    std::string html = "<h2 id=\"rules\">Plan rules</h2>\n";
    html += rules_passed(rules) ? "<p class=\"ok\">The plan meets every rule.</p>\n" : "<p class=\"fail\">The plan fails a rule.</p>\n";
    html += "<div class=\"scroll\"><table id=\"rules-table\"><thead><tr><th>rule</th><th>limit</th><th>measured</th><th>result</th></tr></thead>\n";
    for (const auto& r : rules)
        html += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"{}\" title=\"{}\">{}</td></tr>\n",
                            markup_escape(r.altitude_m ? fmt::format("{} at {:g} m", r.rule, *r.altitude_m) : r.rule),
                            markup_escape(rule_figure(r, true)), markup_escape(rule_figure(r, false)), r.passed ? "ok" : "fail", markup_escape(r.message),
                            r.passed ? "pass" : "fail");
    return html + "</table></div>\n";
}

std::string distance_html(const DistanceSection& d) {
    std::string html =
        "<h2 id=\"distances\">Distances to the line</h2>\n<div class=\"scroll\"><table id=\"distance-table\"><thead><tr><th>deployment</th><th>distance, km</th><th>bearing</th><th>nearest "
        "point</th><th>time, h</th></tr></thead>\n";
    for (const auto& r : d.results)
        html += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{:.4f}, {:.4f}</td><td class=\"n\">{}</td></tr>\n",
                            markup_escape(d.from->label(d.from->features[r.source])), num(r.nearest.distance_m / 1000.0, 3),
                            std::isnan(r.nearest.azimuth_deg) ? "-" : num(r.nearest.azimuth_deg, 1) + "&deg;", r.nearest.to.lon, r.nearest.to.lat,
                            r.time_h ? num(*r.time_h, 2) : "-");
    return html + "</table></div>\n";
}

// Per altitude: each region's covered share, then the line's coverage.
std::string altitudes_html(const CoverageSection& s) {
    const std::vector<const CoverageResult*> all = s.all();
    std::string html = fmt::format(
        "<h2 id=\"coverage-altitudes\">Coverage by target altitude</h2>\n<p>Sensors reach up to the radar horizon of a target at each altitude "
        "(effective earth radius factor k = {:g}); a reach that is not a sensor's is the same at every altitude.</p>\n"
        "<div class=\"scroll\"><table id=\"coverage-altitude-table\"><thead><tr><th>region</th>",
        s.result.refraction_k);
    for (const CoverageResult* r : all) html += fmt::format("<th>at {} m</th>", num(r->altitude_m.value_or(0), 0));
    html += "</tr></thead>\n";
    const auto row = [&](const std::string& name, const auto& pick, bool bold) {
        html += fmt::format("<tr><td>{}{}{}</td>", bold ? "<b>" : "", markup_escape(name), bold ? "</b>" : "");
        for (const CoverageResult* r : all) html += fmt::format("<td class=\"n\">{}%</td>", num(pick(*r), 1));
        html += "</tr>\n";
    };
    for (std::size_t i = 0; i < s.result.regions.size(); ++i) row(s.result.regions[i].name, [i](const CoverageResult& r) { return r.regions[i].covered_pct; }, false);
    row("total (territory)", [](const CoverageResult& r) { return r.total.covered_pct; }, true);
    for (std::size_t i = 0; i < s.result.targets.size(); ++i) row(s.result.targets[i].name, [i](const CoverageResult& r) { return r.targets[i].covered_pct; }, false);
    if (s.result.line) {
        row("the line", [](const CoverageResult& r) { return r.line->covered_pct; }, true);
        html += "<tr><td>longest uncovered stretch of the line, km</td>";
        for (const CoverageResult* r : all) {
            double longest = 0;
            for (const auto& g : r->line->gaps) longest = std::max(longest, g.length_km);
            html += fmt::format("<td class=\"n\">{}</td>", num(longest, 1));
        }
        html += "</tr>\n";
    }
    html += "</table></div>\n";
    if (s.line_altitude && s.line) {
        const auto run = s.line_altitude->longest_uncovered(low_altitude_m);
        html += run ? fmt::format("<p id=\"line-altitude\">The longest stretch of the line that no sensor sees below {:g} m is {} km long (km {} to {}).</p>\n", low_altitude_m,
                                  num(run->length_km, 1), num(run->from_km, 1), num(run->to_km, 1))
                    : fmt::format("<p id=\"line-altitude\">Sensors see every stretch of the line below {:g} m.</p>\n", low_altitude_m);
    }
    return html;
}

std::string coverage_html(const CoverageSection& s) {
    const CoverageResult& c = s.result;
    std::string html = s.result.altitude_m ? altitudes_html(s) : std::string();
    if (c.altitude_m) html += fmt::format("<p>The tables below are at {} m.</p>\n", num(*c.altitude_m, 0));
    html +=
        "<h2 id=\"coverage\">Coverage by region</h2>\n<div class=\"scroll\"><table id=\"coverage-table\"><thead><tr><th>region</th><th>area, km&sup2;</th><th>covered, "
        "km&sup2;</th><th>covered</th><th>redundant, km&sup2;</th><th>deployments</th></tr></thead>\n";
    const auto row = [&](const AreaCoverage& a, bool bold) {
        const std::string b = bold ? "<b>" : "", e = bold ? "</b>" : "";
        return fmt::format("<tr><td>{}{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}%</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n", b,
                           markup_escape(a.name), e, num(a.area_km2, 1), num(a.covered_km2, 1), num(a.covered_pct, 1), num(a.redundant_km2, 1), a.deployments);
    };
    for (const auto& a : c.regions) html += row(a, false);
    html += row(c.total, true);
    html += "</table></div>\n";
    html += fmt::format("<p id=\"uncovered\">Not covered within the {}: {} km&sup2;.</p>\n", markup_escape(c.gaps_within), num(c.gaps_km2, 1));
    if (!c.targets.empty()) {
        html += "<div class=\"scroll\"><table id=\"targets-table\"><thead><tr><th>target area</th><th>area, km&sup2;</th><th>covered, "
                "km&sup2;</th><th>covered</th><th>redundant, km&sup2;</th><th>deployments</th></tr></thead>\n";
        for (const auto& a : c.targets) html += row(a, false);
        html += "</table></div>\n";
    }
    // Each deployment's reach as the coverage took it.
    if (s.deployments) {
        html += "<h2 id=\"deployments\">Deployments</h2>\n<div class=\"scroll\"><table id=\"deployments-table\"><thead><tr><th>deployment</th><th>role</th>"
                "<th>system</th><th>range, km</th><th>minimum range, km</th><th>sensor height, m</th><th>sector</th></tr></thead>\n";
        const auto text = [&](const Feature& f, const char* field) {
            const auto i = s.deployments->field_index(field);
            return i && f.values[*i].is_string() ? f.values[*i].get<std::string>() : std::string("-");
        };
        for (std::size_t i = 0; i < s.deployments->features.size() && i < c.sensors.size(); ++i) {
            const Feature& f = s.deployments->features[i];
            const SensorReach& r = c.sensors[i];
            if (std::isnan(r.max_range_m)) continue;
            html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
                                markup_escape(s.deployments->label(f)), markup_escape(text(f, "role")), markup_escape(text(f, "system")),
                                num(r.max_range_m / 1000, 1), r.min_range_m > 0 ? num(r.min_range_m / 1000, 1) : "-",
                                r.line_of_sight ? num(r.sensor_height_m, 0) : "-",
                                r.sector.full() ? std::string("all round") : fmt::format("{:g}&deg; to {:g}&deg;", r.sector.from_deg, r.sector.to_deg()));
        }
        html += "</table></div>\n";
    }
    if (c.line) {
        const LineCoverage& l = *c.line;
        html += "<h2 id=\"line-coverage\">Line coverage</h2>\n";
        html += fmt::format("<p>The line is {} km long; {} km ({}%) lie within reach of a deployment.</p>\n", num(l.length_km, 1), num(l.covered_km, 1),
                            num(l.covered_pct, 1));
        html += "<div class=\"scroll\"><table id=\"line-gaps-table\"><thead><tr><th>uncovered stretch</th><th>from km</th><th>to km</th><th>length, km</th><th>start</th><th>end</th></tr></thead>\n";
        int i = 0;
        for (const auto& g : l.gaps)
            html += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{:.4f}, {:.4f}</td><td>{:.4f}, {:.4f}</td></tr>\n", ++i,
                                num(g.from_km, 1), num(g.to_km, 1), num(g.length_km, 1), g.start.lon, g.start.lat, g.end.lon, g.end.lat);
        html += "</table></div>\n";
    }
    return html;
}

std::string zones_html(const ZonesSection& z) {
    std::string html = "<h2 id=\"zones\">Eligible basing zones</h2>\n";
    html += fmt::format("<p>Stand-off {:g} km; controlled side: {}. Eligible: {} km&sup2;.</p>\n", z.eligibility.standoff_m / 1000.0, markup_escape(z.controlled_side),
                        num(z.result.total_area_km2, 1));
    html += "<div class=\"scroll\"><table id=\"zones-table\"><thead><tr><th>region</th><th>area, km&sup2;</th><th>eligible, km&sup2;</th><th>eligible</th></tr></thead>\n";
    for (const auto& r : z.result.regions)
        html += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}%</td></tr>\n", markup_escape(r.name), num(r.area_km2, 1),
                            num(r.eligible_km2, 1), num(r.eligible_pct, 1));
    return html + "</table></div>\n";
}

std::string pct_or_dash(double v) { return std::isfinite(v) ? num(v, 1) + "%" : "-"; }

// The proposed plan beside the plan as given, the sites chosen, and the map of the proposal.
std::string optimize_html(const OptimizeSection& o, const std::string& map_svg) {
    const PlanProposal& p = o.proposal;
    const OptimizeResult& r = p.result;
    const MaxCoverSolution& sol = r.solution;
    const bool kept = p.parameters.keep_existing;
    std::string html = "<h2 id=\"optimize\">Proposed plan</h2>\n";
    html += fmt::format("<p>{} new site{} chosen among {} eligible candidates ({}){}, to cover {}{}. Objective {} of {} (the weighted share of demand "
                        "pieces wholly within {}), proven bound {}: {}.</p>\n",
                        r.selected.size(), r.selected.size() == 1 ? "" : "s", r.eligible.size(),
                        p.parameters.candidates.empty() ? fmt::format("a {:g} km grid in the eligible zone", p.parameters.grid_m.value_or(0) / 1000)
                                                        : markup_escape(p.candidates.name),
                        kept ? ", added to the deployments there" : "", p.depth == 1 ? "the most" : "the most twice",
                        p.altitude_m ? fmt::format(" at a {:g} m target altitude", *p.altitude_m) : std::string(), num(sol.objective, 4),
                        num(r.demand.total_weight(), 0), p.depth == 1 ? "a reach" : "two reaches", num(sol.bound, 4),
                        sol.optimal ? "optimal" : fmt::format("within {}% of the best", num(p.gap_pct, 2)));
    html += fmt::format("<div class=\"scroll\"><table id=\"optimize-table\"><thead><tr><th>demand</th><th>weight</th><th>plan as given</th><th>{}</th><th>certified interval</th></tr></thead>\n",
                        kept ? "with the proposed sites" : "proposed plan");
    for (std::size_t i = 0; i < r.shares.size(); ++i) {
        const DemandShare& s = r.shares[i];
        html += fmt::format("<tr><td>{}</td><td class=\"n\">{:g}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} to {}</td></tr>\n",
                            markup_escape(s.name), s.weight, pct_or_dash(i < o.given_pct.size() ? o.given_pct[i] : NAN), pct_or_dash(p.exact_pct[i]),
                            num(s.lower_pct, 1) + "%", num(s.upper_pct, 1) + "%");
    }
    html += "</table></div>\n<div class=\"scroll\"><table id=\"optimize-sites\"><thead><tr><th>#</th><th>site</th><th>lon</th><th>lat</th><th>reach</th><th>gain</th></tr></thead>\n";
    const auto system = p.sites.field_index("system");
    for (std::size_t k = 0; k < p.sites.features.size(); ++k) {
        const Feature& f = p.sites.features[k];
        const LonLat at = f.geometry.paths().front().front();
        const std::string reach = system && f.values[*system].is_string() ? f.values[*system].get<std::string>()
                                                                          : num(r.sensors[r.selected[k]].max_range_m / 1000, 1) + " km";
        html += fmt::format("<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{:.4f}</td><td class=\"n\">{:.4f}</td><td>{}</td><td class=\"n\">{}</td></tr>\n", k + 1,
                            markup_escape(p.sites.label(f)), at.lon, at.lat, markup_escape(reach), num(r.gain[k], 4));
    }
    html += "</table></div>\n";
    if (!map_svg.empty()) html += "<figure id=\"map-proposed\" class=\"proposed-map\">" + map_svg + "<figcaption>The proposed plan and its coverage</figcaption></figure>\n";
    return html;
}

}  // namespace

json methods_json(const RunResults& r) {
    json out = json::object();
    for (const auto& m : methods(r)) out[m.analysis] = {{"method", m.method}, {"max_error_m", json_round(m.max_error_m, json_decimals::m)}};
    return out;
}

std::string report_html(const RunResults& results, const std::string& title, const std::string& scenario_file_name, const std::string& map_svg,
                        const std::vector<AltitudeMap>& altitude_maps, const std::string& proposed_map_svg, const std::string& live_map) {
    std::string html;
    html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
            markup_escape(title) + "</title>\n";
    html += R"(<style>
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px auto; padding: 0 12px; max-width: 1240px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; } th { background: #f3f3f3; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.fail { color: #b00; font-weight: bold; } .ok { color: #070; }
.note { color: #666; font-size: 12px; } #map svg { max-width: 100%; height: auto; border: 1px solid #ccc; }
.small-maps { display: flex; flex-wrap: wrap; gap: 10px; } .small-maps figure { margin: 0; flex: 0 1 600px; }
.small-maps svg { width: 100%; height: auto; border: 1px solid #ccc; } .small-maps figcaption { font-size: 13px; color: #444; }
#live-map { height: 640px; max-height: 80vh; border: 1px solid #ccc; background: #c9dbe9; margin-bottom: 12px; }
.leaflet-container table.popup { font-size: 12px; margin: 4px 0 0; } .leaflet-container table.popup th { background: none; }
#map svg, .small-maps svg, .proposed-map svg, #live-map { box-sizing: border-box; }
.scroll { overflow-x: auto; max-width: 100%; } thead { display: table-header-group; } tr { break-inside: avoid; }
@media (max-width: 600px) { body { margin: 8px; } table { font-size: 12px; } th, td { padding: 2px 4px; } }
@media print { body { max-width: none; margin: 0; } #live-map, .screen { display: none; } #map svg, .small-maps svg, .proposed-map svg { max-height: 95vh; width: auto; max-width: 100%; }
  .scroll { overflow: visible; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
.proposed-map { margin: 8px 0; } .proposed-map svg { max-width: 100%; height: auto; border: 1px solid #ccc; } .proposed-map figcaption { font-size: 13px; color: #444; }
</style>
</head>
<body>
)";
    html += "<h1>" + markup_escape(title) + "</h1>\n";
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char generated[32];
    std::strftime(generated, sizeof generated, "%Y-%m-%d %H:%M UTC", &utc);
    html += "<p class=\"note\">Generated " + std::string(generated) + " by dza " + std::string(dza::version) + ", scenario " + markup_escape(scenario_file_name) +
            ". Distances, lengths and areas are geodesic on the WGS84 ellipsoid. The line, basing areas, deployments and maritime zone are notional.</p>\n";
    if (!live_map.empty())
        html += "<h2 id=\"live-map-title\" class=\"screen\">Map</h2>\n<p class=\"note screen\">Drag to pan, scroll or pinch to zoom, switch layers on and off "
                "at the top right, click a feature for its figures. The map below is the same for print.</p>\n" + live_map;
    html += "<div id=\"map\">" + map_svg + "</div>\n";
    if (!altitude_maps.empty()) {
        html += "<h2 id=\"altitude-maps\">Coverage by target altitude</h2>\n<p class=\"note\">One map per target altitude: the coverage at it, and each "
                "deployment's reach to the radar horizon for a target at it. The map above shows the lowest, the hardest case; colours as in its legend.</p>\n"
                "<div class=\"small-maps\">\n";
        for (const auto& m : altitude_maps)
            html += fmt::format("<figure id=\"map-altitude-{0:g}\">{1}<figcaption>Coverage at {0:g} m target altitude</figcaption></figure>\n", m.altitude_m, m.svg);
        html += "</div>\n";
    }
    if (results.check) html += check_html(*results.check);
    if (results.rules) html += rules_html(*results.rules);
    if (results.distance) html += distance_html(*results.distance);
    if (results.coverage) html += coverage_html(*results.coverage);
    if (results.zones) html += zones_html(*results.zones);
    if (results.optimize) html += optimize_html(*results.optimize, proposed_map_svg);
    html += "<h2 id=\"methods\">Methods and error bounds</h2>\n<div class=\"scroll\"><table><thead><tr><th>analysis</th><th>method</th><th>error bound, m</th></tr></thead>\n";
    for (const auto& m : methods(results))
        html += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n", m.analysis, markup_escape(m.method), json(m.max_error_m).dump());
    html += "</table></div>\n<p class=\"note\">Inputs and their SHA-256 checksums are in summary.json.</p>\n</body>\n</html>\n";
    return html;
}

}  // namespace dza
