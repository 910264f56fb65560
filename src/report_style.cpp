// The palette, the style of each kind of layer, the styled GeoJSON copies and the map
// composition shared by `dza map` and report.html. See include/dza/report.hpp.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "dza/buffer.hpp"
#include "dza/error.hpp"
#include "dza/inputs.hpp"
#include "dza/report.hpp"
#include "dza/sensor.hpp"
#include "dza/systems.hpp"
#include "dza/version.hpp"

namespace dza {

namespace {

MapStyle style(const char* stroke, const char* fill, double fill_opacity, double stroke_width_px, double stroke_opacity = 1) {
    MapStyle s;
    s.stroke = stroke;
    s.fill = fill;
    s.fill_opacity = fill_opacity;
    s.stroke_width_px = stroke_width_px;
    s.stroke_opacity = stroke_opacity;
    return s;
}

MapStyle dashed(MapStyle s, std::vector<double> dash_px) {
    s.dash_px = std::move(dash_px);
    return s;
}

MapLabelStyle label_style(double size_px, const char* color) {
    MapLabelStyle s;
    s.size_px = size_px;
    s.color = color;
    return s;
}

std::string label_field_name(const Layer& layer) {
    const auto i = layer.label_field();
    return i ? layer.fields[*i].name : "";
}

// "Made with Natural Earth" and a caveat for notional layers, from the layers' `source` fields.
std::string credit_for(const std::vector<const Layer*>& layers) {
    bool natural_earth = false, notional = false;
    for (const Layer* layer : layers) {
        if (!layer) continue;
        const auto index = layer->field_index("source");
        if (!index) continue;
        for (const auto& f : layer->features) {
            if (*index >= f.values.size() || !f.values[*index].is_string()) continue;
            const auto& s = f.values[*index].get_ref<const std::string&>();
            natural_earth = natural_earth || s.find("Natural Earth") != std::string::npos;
            notional = notional || s == "notional";
        }
    }
    std::string credit = fmt::format("dza {}", version);
    if (natural_earth) credit += " · Made with Natural Earth";
    if (notional) credit += " · notional layers: not an authoritative depiction of any line, border or plan";
    return credit;
}

std::string metres_text(double m) { return fmt::format("{:g} m", m); }

// What the reach layer shows, for its legend entry.
std::string reach_title(const MapContent& c) {
    const std::string radius = c.radius_field.empty() ? "radius" : c.radius_field;
    std::string drawn = c.reach_systems ? fmt::format("system envelope: range, sector; {} otherwise", radius)
                                        : (c.radius_field.empty() ? "geodesic circle" : fmt::format("{}, geodesic circle", c.radius_field));
    if (!c.reach_altitude_m) return fmt::format("Reach ({})", drawn);
    return fmt::format("Reach at {} target altitude (to the radar horizon; {})", metres_text(*c.reach_altitude_m),
                       c.reach_systems ? fmt::format("{} where no system", radius) : drawn);
}

// The site of a single-point geometry.
bool single_point(const Geometry& g, LonLat& site) {
    if (g.is_empty() || g.type_name() != "Point") return false;
    const auto paths = g.paths();
    if (paths.size() != 1 || paths[0].size() != 1) return false;
    site = paths[0][0];
    return true;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& role_colors() {
    static const std::vector<std::pair<std::string, std::string>> colors = {
        {"air defence", "#6a3d9a"}, {"air policing", "#e66101"}, {"ground", "#8c510a"}, {"maritime", "#08519c"}, {"ISR", "#c51b7d"}};
    return colors;
}

std::string role_color(const std::string& role, const std::string& fallback) {
    for (const auto& [r, c] : role_colors())
        if (r == role) return c;
    return fallback;
}

const MapStyle& layer_style(LayerKind kind) {
    static const std::vector<std::pair<LayerKind, MapStyle>> styles = [] {
        std::vector<std::pair<LayerKind, MapStyle>> s;
        s.emplace_back(LayerKind::Neighbours, style("#b9b9b2", "#e6e5df", 1, 0.7));
        s.emplace_back(LayerKind::Regions, style("#9a9a94", "#fbfaf5", 1, 0.6));
        MapStyle other = style("#9e3d22", "#9e3d22", 0.10, 0, 0.55);  // hatched, no outline
        other.hatch_spacing_px = 6;
        s.emplace_back(LayerKind::OtherSide, other);
        s.emplace_back(LayerKind::Coverage, style("#1f77b4", "#1f77b4", 0.18, 0.8, 0.6));
        s.emplace_back(LayerKind::Redundancy, style("none", "#9467bd", 0.25, 0));
        s.emplace_back(LayerKind::Gaps, style("#ff7f0e", "#ff7f0e", 0.3, 0.6, 0.8));
        s.emplace_back(LayerKind::Eligible, style("#1b7a3a", "#31a354", 0.32, 0.8));
        s.emplace_back(LayerKind::StandoffBand, style("#d7301f", "#ef6548", 0.32, 0.6));
        s.emplace_back(LayerKind::MaritimeZone, dashed(style("#2171b5", "#4292c6", 0.25, 1.2), {6, 3}));
        s.emplace_back(LayerKind::BasingAreas, style("#00441b", "#00441b", 0.15, 1.6));
        s.emplace_back(LayerKind::Reach, dashed(style("#555555", "none", 1, 1.1, 0.85), {5, 3}));
        s.emplace_back(LayerKind::LineGaps, style("#ff7f0e", "none", 1, 6));
        s.emplace_back(LayerKind::Line, style("#7f0000", "none", 1, 3.2));
        MapStyle deployments = style("#ffffff", "#333333", 1, 1.3);  // filled by role, white rim
        deployments.marker_radius_px = 5.5;
        s.emplace_back(LayerKind::Deployments, deployments);
        s.emplace_back(LayerKind::Distances, style("#444444", "none", 1, 1.5, 0.9));
        s.emplace_back(LayerKind::CoverageRegions, style("#1f77b4", "#1f77b4", 0.15, 1, 0.8));
        s.emplace_back(LayerKind::CoverageTargets, style("#4292c6", "#4292c6", 0.2, 1, 0.8));
        s.emplace_back(LayerKind::Context, style("#17becf", "#17becf", 0.15, 2));
        return s;
    }();
    for (const auto& [k, s] : styles)
        if (k == kind) return s;
    return styles.back().second;
}

const std::vector<std::string>& simplestyle_columns() {
    static const std::vector<std::string> columns = {"title", "stroke", "stroke-width", "stroke-opacity", "fill", "fill-opacity", "marker-color", "marker-symbol"};
    return columns;
}

namespace {

// `a` to `b` (#rrggbb) at t in [0, 1], in sRGB.
std::string mix(const std::string& a, const std::string& b, double t) {
    const auto channel = [](const std::string& c, int i) { return std::stoi(c.substr(1 + 2 * i, 2), nullptr, 16); };
    std::string out = "#";
    for (int i = 0; i < 3; ++i) out += fmt::format("{:02x}", static_cast<int>(std::lround(channel(a, i) + t * (channel(b, i) - channel(a, i)))));
    return out;
}

}  // namespace

const std::vector<GradedClass>& covered_pct_classes() {
    static const std::vector<GradedClass> classes = [] {
        const std::string low = layer_style(LayerKind::Gaps).fill, high = layer_style(LayerKind::Coverage).fill;
        std::vector<GradedClass> out;
        for (int i = 0; i < 5; ++i) out.push_back({20.0 * i, 20.0 * (i + 1), mix(low, high, i / 4.0), fmt::format("{}-{}%", 20 * i, 20 * (i + 1))});
        return out;
    }();
    return classes;
}

std::string covered_pct_color(double pct) {
    for (const GradedClass& c : covered_pct_classes())
        if (pct < c.to) return c.color;
    return covered_pct_classes().back().color;
}

std::string eligible_band_color(std::size_t index, std::size_t count) {
    const std::string& base = layer_style(LayerKind::Eligible).fill;
    if (count <= 1) return base;
    // From a light green (nearest the line) to the eligible zone's own green, darkened a little.
    return mix(mix(base, "#ffffff", 0.55), mix(base, "#000000", 0.25), static_cast<double>(index) / static_cast<double>(count - 1));
}

Layer styled_copy(const Layer& layer, LayerKind kind, const FeatureTitle& title) {
    Layer out = copy_layer(layer, [](const Geometry& g) { return g.clone(); });
    out.name = layer.name;
    rename_clashing_fields(out, simplestyle_columns(), out.where_text(), {});  // the caller warned already
    const MapStyle& s = layer_style(kind);
    const bool points = kind == LayerKind::Deployments;
    const bool filled = !points && s.fill != "none";
    const auto add_field = [&](const char* name, FieldType type) {
        if (!out.field_index(name)) out.fields.push_back({name, type});
        return *out.field_index(name);
    };
    // The map draws land opaque over its sea-blue background; on a web map the basemap must show through.
    constexpr double opaque_fill_opacity = 0.2;
    const auto role = out.field_index("role");
    const auto t = add_field("title", FieldType::String);
    const auto stroke = add_field("stroke", FieldType::String);
    const auto stroke_width = add_field("stroke-width", FieldType::Real);
    const auto stroke_opacity = add_field("stroke-opacity", FieldType::Real);
    std::optional<std::size_t> fill, fill_opacity, marker;
    if (filled) {
        fill = add_field("fill", FieldType::String);
        fill_opacity = add_field("fill-opacity", FieldType::Real);
    }
    std::optional<std::size_t> symbol;
    if (points) {
        marker = add_field("marker-color", FieldType::String);
        symbol = add_field("marker-symbol", FieldType::String);
    }
    // Graded fills: a region's covered share; an eligible band's distance from the line.
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    const auto index_of = [&](bool wanted, const char* field) { return wanted && out.field_index(field) ? *out.field_index(field) : none; };
    const std::size_t pct = index_of(kind == LayerKind::CoverageRegions, "covered_pct");
    const std::size_t band = index_of(kind == LayerKind::Eligible, "band_min_km");
    const std::size_t passed = index_of(points, "passed");
    std::vector<double> bands;
    if (band != none) {
        for (const auto& f : out.features)
            if (band < f.values.size() && f.values[band].is_number()) bands.push_back(f.values[band].get<double>());
        std::sort(bands.begin(), bands.end());
        bands.erase(std::unique(bands.begin(), bands.end()), bands.end());
    }
    for (auto& f : out.features) {
        f.values.resize(out.fields.size());
        f.values[t] = title(out, f);
        f.values[stroke] = s.stroke == "none" ? s.fill : s.stroke;
        f.values[stroke_width] = s.stroke_width_px;
        f.values[stroke_opacity] = s.stroke_opacity;
        if (fill) {
            f.values[*fill] = s.fill;
            f.values[*fill_opacity] = s.fill_opacity < 1 ? s.fill_opacity : opaque_fill_opacity;
            if (pct != none && f.values[pct].is_number()) {
                f.values[*fill] = covered_pct_color(f.values[pct].get<double>());
                f.values[*fill_opacity] = 0.6;
            }
            if (band != none && f.values[band].is_number()) {
                const auto at = std::lower_bound(bands.begin(), bands.end(), f.values[band].get<double>()) - bands.begin();
                f.values[*fill] = eligible_band_color(static_cast<std::size_t>(at), bands.size());
                f.values[*fill_opacity] = 0.6;
            }
        }
        if (marker) {
            const bool has_role = role && *role < f.values.size() && f.values[*role].is_string();
            f.values[*marker] = has_role ? role_color(f.values[*role].get<std::string>(), s.fill) : s.fill;
            const bool fails = passed != none && f.values[passed].is_boolean() && !f.values[passed].get<bool>();
            f.values[*symbol] = fails ? nlohmann::json("cross") : nlohmann::json();
        }
    }
    return out;
}

namespace {

// A map layer's id: its group in an SVG is "layer-" and this.
const char* map_layer_id(LayerKind kind) {
    switch (kind) {
        case LayerKind::Neighbours: return "neighbours";
        case LayerKind::Regions: return "regions";
        case LayerKind::OtherSide: return "other-side";
        case LayerKind::Coverage: return "coverage";
        case LayerKind::Redundancy: return "redundancy";
        case LayerKind::Gaps: return "gaps";
        case LayerKind::Eligible: return "eligible";
        case LayerKind::StandoffBand: return "standoff-band";
        case LayerKind::MaritimeZone: return "maritime-zone";
        case LayerKind::BasingAreas: return "basing-areas";
        case LayerKind::Reach: return "reach";
        case LayerKind::LineGaps: return "line-gaps";
        case LayerKind::Line: return "line";
        case LayerKind::Deployments: return "deployments";
        default: return "";
    }
}

}  // namespace

std::vector<MapLayer> compose_map(const MapContent& c) {
    std::vector<MapLayer> layers;
    const auto add = [&](const Layer* layer, LayerKind kind, std::string title) -> MapLayer* {
        if (!layer || layer->features.empty()) return nullptr;
        MapLayer l;
        l.id = map_layer_id(kind);
        l.title = std::move(title);
        l.layer = layer;
        l.style = layer_style(kind);
        layers.push_back(std::move(l));
        return &layers.back();
    };
    if (MapLayer* l = add(c.neighbours, LayerKind::Neighbours, "Neighbouring countries")) {
        l->label_field = label_field_name(*c.neighbours);
        l->label = label_style(12, "#8f8f88");
        l->label.uppercase = true;
        l->background = true;
    }
    if (MapLayer* l = add(c.regions, LayerKind::Regions, "Regions")) {
        l->label_field = label_field_name(*c.regions);
        l->label = label_style(9.5, "#77776f");
        l->label.italic = true;
        l->focus = true;
    }
    // Fills. Coverage, redundancy and gaps are a partition of the land: covered, covered twice or
    // more (drawn over the coverage, which holds it), not covered; each opaque, in the colour its
    // palette fill has over the regions, so that no two fills mix into a colour the legend does not
    // show. Everything drawn over them (beyond the line, the stand-off band, the eligible zone,
    // basing areas, the maritime zone, reaches) is an outline or hatching in the palette's stroke,
    // which leaves what is under it in its own colour. The region borders are drawn again over the
    // fills. The palette stays the one of layer_style (the GeoJSON and GeoPackage styles').
    const std::string land = layer_style(LayerKind::Regions).fill;
    // (At least 35% of the palette's colour: the coverage's pale blue must not pass for the sea.)
    const auto opaque = [](MapStyle s, const std::string& under) {
        if (s.fill != "none") s.fill = mix(under, s.fill, std::max(s.fill_opacity, 0.35));
        s.fill_opacity = 1;
        return s;
    };
    const auto outline = [](MapStyle s) {
        s.fill = "none";
        return s;
    };
    if (MapLayer* l = add(c.other_side, LayerKind::OtherSide, c.occupied ? "Occupied area" : "Beyond the cease-fire line")) l->style = outline(l->style);
    const bool twice = c.redundancy && !c.redundancy->features.empty();
    const std::string covered = c.coverage_altitude_m ? fmt::format(" at {} target altitude", metres_text(*c.coverage_altitude_m)) : " (within reach)";
    MapStyle coverage_style = opaque(layer_style(LayerKind::Coverage), land);
    if (MapLayer* l = add(c.coverage, LayerKind::Coverage, (twice ? "Covered once" : "Coverage") + covered)) l->style = coverage_style;
    if (MapLayer* l = add(c.redundancy, LayerKind::Redundancy, "Covered twice or more")) l->style = opaque(l->style, coverage_style.fill);
    if (MapLayer* l = add(c.gaps, LayerKind::Gaps, "Not covered (coverage gaps)")) l->style = opaque(l->style, land);
    if (c.regions && (c.coverage || c.redundancy || c.gaps)) {
        MapLayer borders;
        borders.id = "region-borders";
        borders.layer = c.regions;
        borders.style = outline(layer_style(LayerKind::Regions));
        layers.push_back(std::move(borders));
    }
    // The legend names the parts of the eligibility rule that limit the zone beyond the stand-off.
    const char* limits = c.allowed_regions && c.basing_areas ? " (allowed regions, basing areas)"
                         : c.allowed_regions                 ? " (allowed regions)"
                         : c.basing_areas                    ? " (basing areas)"
                                                             : "";
    if (MapLayer* l = add(c.eligible, LayerKind::Eligible, std::string("Eligible for basing") + limits)) {
        l->style = outline(l->style);
        l->style.stroke_width_px = 1.8;
    }
    if (MapLayer* l = add(c.standoff_band, LayerKind::StandoffBand,
                          fmt::format("Stand-off band ({:g} km from the {})", c.standoff_m / 1000, c.occupied ? "occupied area" : "line"))) {
        l->style = outline(l->style);
        l->style.hatch_spacing_px = 4;
    }
    if (MapLayer* l = add(c.maritime_zone, LayerKind::MaritimeZone, "Maritime security zone")) l->style = outline(l->style);
    if (MapLayer* l = add(c.basing_areas, LayerKind::BasingAreas, "Basing areas")) l->style = outline(l->style);
    if (MapLayer* l = add(c.reach, LayerKind::Reach, reach_title(c))) {
        if (c.reach->field_index("role")) l->color_field = "role", l->colors = role_colors(), l->legend_values = false;
    }
    add(c.line_gaps, LayerKind::LineGaps, "Uncovered stretches of the line");
    add(c.line, LayerKind::Line, "Cease-fire line");
    if (MapLayer* l = add(c.deployments, LayerKind::Deployments, "Deployments")) {
        if (c.deployments->field_index("role")) l->color_field = "role", l->colors = role_colors(), l->title = "Deployments by role";
        l->label_field = c.deployments->field_index("id") ? "id" : label_field_name(*c.deployments);
        l->label = label_style(10.5, "#1a1a1a");
        l->label.bold = true;
        const auto passed = c.deployments->field_index("passed");
        if (passed && c.deployments->fields[*passed].type == FieldType::Boolean) {
            l->fail_field = "passed";
            l->fail_title = "Fails the plan check";
        }
    }
    return layers;
}

MapOptions map_options(const MapContent& c, int width_px, int height_px) {
    MapOptions options;
    options.width_px = width_px;
    options.height_px = height_px;
    options.title = c.title;
    std::string subtitle;
    if (c.standoff_band && !c.standoff_band->features.empty())
        subtitle = fmt::format("Stand-off {:g} km from the {}", c.standoff_m / 1000, c.occupied ? "occupied area" : "cease-fire line");
    if (c.deployments) subtitle += fmt::format("{}{} deployments", subtitle.empty() ? "" : " · ", c.deployments->features.size());
    if (c.reach_altitude_m && c.reach && !c.reach->features.empty())
        subtitle += fmt::format("{}reach to the radar horizon for a {} target (k = {:.3g})", subtitle.empty() ? "" : " · ", metres_text(*c.reach_altitude_m),
                                c.refraction_k);
    if (c.coverage_altitude_m && c.coverage && !c.coverage->features.empty())
        subtitle += fmt::format("{}coverage at {} target altitude", subtitle.empty() ? "" : " · ", metres_text(*c.coverage_altitude_m));
    options.subtitle = subtitle + (subtitle.empty() ? "" : " · ") + "distances and reach geodesic on WGS84";
    options.credit = credit_for({c.regions, c.neighbours, c.maritime_zone, c.basing_areas, c.line, c.deployments});
    options.background = "#d4e6f1";
    options.background_title = "Sea";
    return options;
}

Layer geometry_layer(const std::string& name, Geometry geometry) {
    Layer layer;
    layer.name = name;
    layer.source = name;
    if (!geometry.is_empty()) {
        Feature f;
        f.geometry = std::move(geometry);
        layer.features.push_back(std::move(f));
    }
    return layer;
}

Layer features_at_altitude(const Layer& layer, double altitude_m) {
    const auto index = layer.field_index("altitude_m");
    Layer out = copy_layer(layer, [](const Geometry& g) { return g.clone(); });
    out.name = layer.name;
    if (!index) return out;
    std::vector<Feature> kept;
    for (auto& f : out.features)
        if (*index < f.values.size() && f.values[*index].is_number() && f.values[*index].get<double>() == altitude_m) kept.push_back(std::move(f));
    out.features = std::move(kept);
    return out;
}

void make_small_map(std::vector<MapLayer>& layers, MapOptions& options, double ui_scale) {
    for (auto& l : layers) l.label_field.clear();
    options.legend = false;
    options.credit.clear();
    options.projection_note = false;
    options.ui_scale = ui_scale;
}

Layer reach_layer(const Layer& deployments, const ScenarioParameters& p, const Callbacks& callbacks, std::optional<double> target_altitude_m) {
    Layer out;
    out.name = "reach";
    out.source = deployments.source;
    const auto role_index = deployments.field_index("role");
    if (role_index) out.fields.push_back({"role", FieldType::String});
    const CoverageOptions options = coverage_options(p);
    std::vector<SensorReach> sensors;
    try {
        sensors = deployment_sensors(deployments, options);
    } catch (const Error&) {
        // Some feature has no reach: take each one's alone (its system, else the radius rules), and leave out those without one.
        const std::size_t radius_index = p.radius_field.empty() ? std::string::npos : deployments.require_field(p.radius_field);
        for (const auto& f : deployments.features) {
            const auto rule_range_m = [&] {
                const nlohmann::json role = role_index && *role_index < f.values.size() ? f.values[*role_index] : nlohmann::json();
                if (role.is_string() && p.radius_by_role_m.count(role.get<std::string>())) return p.radius_by_role_m.at(role.get<std::string>());
                if (radius_index < f.values.size() && f.values[radius_index].is_number()) return f.values[radius_index].get<double>() * 1000.0;
                if (p.radius_m) return *p.radius_m;
                throw DataError("no reach");
            };
            SensorReach s;
            try {
                s = deployment_sensor(deployments, f, options.sensors, rule_range_m);
            } catch (const Error&) {
                s.max_range_m = std::nan("");
            }
            sensors.push_back(s);
        }
    }
    HorizonModel horizon;
    horizon.target_altitude_m = target_altitude_m;
    horizon.refraction_k = options.horizon.refraction_k;
    constexpr double tolerance_m = 100;  // far below a pixel
    std::size_t skipped = 0;
    for (std::size_t i = 0; i < deployments.features.size(); ++i) {
        const Feature& f = deployments.features[i];
        if (f.geometry.is_empty()) continue;
        SensorReach s = sensors[i];
        if (!(s.max_range_m > 0) || !std::isfinite(s.max_range_m)) {
            ++skipped;
            continue;
        }
        s.max_range_m = std::min(s.max_range_m, buffer_max_distance_m);
        s.min_range_m = std::min(s.min_range_m, s.max_range_m);
        Feature reach;
        reach.fid = f.fid;
        LonLat site;
        if (single_point(f.geometry, site)) {
            reach.geometry = sensor_reach_geometry(site, s, horizon, tolerance_m).geometry;
        } else {
            BufferOptions b;
            b.distance_m = s.max_range_m;
            b.tolerance_m = tolerance_m;
            reach.geometry = geodesic_buffer(f.geometry, b).geometry;
        }
        if (reach.geometry.is_empty()) continue;  // the horizon is nearer than the minimum range all round
        if (role_index) reach.values.push_back(*role_index < f.values.size() ? f.values[*role_index] : nlohmann::json());
        out.features.push_back(std::move(reach));
    }
    if (skipped > 0)
        callbacks.warning(fmt::format("{}: {} deployment(s) have no reach (no system{}); their reaches are not drawn", deployments.where_text(), skipped,
                                      p.radius_field.empty() ? " and no radius" : " and no value in " + p.radius_field));
    return out;
}

}  // namespace dza
