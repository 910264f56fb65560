#include "cli/command_map.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "dza/buffer.hpp"
#include "dza/error.hpp"
#include "dza/inputs.hpp"
#include "dza/map.hpp"
#include "dza/territory.hpp"
#include "dza/version.hpp"
#include "dza/zones.hpp"

namespace dza::cli {

namespace {

// Colours of deployments and their reach by role; other roles get palette colours.
const std::vector<std::pair<std::string, std::string>> role_colors = {
    {"air defence", "#6a3d9a"}, {"air policing", "#e66101"}, {"ground", "#8c510a"}, {"maritime", "#08519c"}, {"ISR", "#c51b7d"}};

MapStyle style(const char* stroke, const char* fill, double fill_opacity, double stroke_width_px) {
    MapStyle s;
    s.stroke = stroke;
    s.fill = fill;
    s.fill_opacity = fill_opacity;
    s.stroke_width_px = stroke_width_px;
    return s;
}

MapLabelStyle label_style(double size_px, const char* color) {
    MapLabelStyle s;
    s.size_px = size_px;
    s.color = color;
    return s;
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

// The reach of each deployment, as in the coverage analysis: the radius of its role, else its
// radius field (km), else the scenario's one radius. Features without one are skipped with a warning.
Layer reach_layer(const Layer& deployments, const ScenarioParameters& p, const Callbacks& callbacks) {
    Layer out;
    out.name = "reach";
    out.source = deployments.source;
    const auto role_index = deployments.field_index("role");
    const std::size_t radius_index = p.radius_field.empty() ? std::string::npos : deployments.require_field(p.radius_field);
    if (role_index) out.fields.push_back({"role", FieldType::String});
    std::size_t skipped = 0;
    for (const auto& f : deployments.features) {
        if (f.geometry.is_empty()) continue;
        std::optional<double> radius_m;
        const nlohmann::json role = role_index && *role_index < f.values.size() ? f.values[*role_index] : nlohmann::json();
        if (role.is_string() && p.radius_by_role_m.count(role.get<std::string>())) radius_m = p.radius_by_role_m.at(role.get<std::string>());
        if (!radius_m && radius_index < f.values.size() && f.values[radius_index].is_number())
            radius_m = f.values[radius_index].get<double>() * 1000.0;
        if (!radius_m && p.radius_m) radius_m = *p.radius_m;
        if (!radius_m || !(*radius_m > 0) || !std::isfinite(*radius_m)) {
            ++skipped;
            continue;
        }
        BufferOptions options;
        options.distance_m = std::min(*radius_m, buffer_max_distance_m);
        options.tolerance_m = 100;  // far below a pixel
        Feature reach;
        reach.fid = f.fid;
        reach.geometry = geodesic_buffer(f.geometry, options).geometry;
        if (role_index) reach.values.push_back(role);
        out.features.push_back(std::move(reach));
    }
    if (skipped > 0)
        callbacks.warning(fmt::format("{}: {} deployment(s) have no reach (no {}); their circles are not drawn", deployments.where_text(), skipped,
                                      p.radius_field.empty() ? "radius" : "value in " + p.radius_field));
    return out;
}

// "Made with Natural Earth" and a caveat for notional layers, from the layers' `source` fields.
std::string credit_for(const std::vector<const Layer*>& layers) {
    bool natural_earth = false, notional = false;
    for (const Layer* layer : layers) {
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

}  // namespace

void MapCommand::setup(CLI::App& app) {
    inputs_.add_scenario(app);
    for (const char* role : {"regions", "neighbours", "line", "occupied", "basing_areas", "deployments", "maritime_zone"}) inputs_.add_scenario_layer(role);
    app.add_option("-o,--output", output_, "the map: .png or .svg")->type_name("FILE")->required();
    app.add_option("--width", width_px_, "image width in pixels")->type_name("PX")->capture_default_str()->check(CLI::Range(200, 10000));
    app.add_option("--height", height_px_, "image height in pixels")->type_name("PX")->capture_default_str()->check(CLI::Range(200, 10000));
    app.add_option("--title", title_, "title above the map (default: the scenario's name)")->type_name("TEXT");
}

void MapCommand::validate() {
    inputs_.validate();
    map_format_for_path(output_);
}

int MapCommand::run(Io& io) {
    check_map_output_path(output_);
    InputRequest request = inputs_.request("map");
    request.uses = {"standoff_km", "controlled_side", "radius_km", "radius_field", "radius_km_by_role", "allowed_regions", "west_of_lon"};
    request.outputs = {output_};
    const AnalysisInputs inputs = resolve(request, io);
    const Scenario& scenario = *inputs.scenario;
    const ScenarioParameters& p = inputs.parameters;
    const Layer& regions = inputs.require("regions", "map");
    const Layer *neighbours = inputs.layer("neighbours"), *line = inputs.layer("line"), *occupied = inputs.layer("occupied"),
                *basing = inputs.layer("basing_areas"), *deployments = inputs.layer("deployments"), *maritime = inputs.layer("maritime_zone");

    // The two sides of the line, the stand-off band and the eligible zone, as `dza zones` finds them.
    std::optional<Layer> other, band, eligible;
    const double standoff_m = p.standoff_m.value_or(0.0);
    if (line || occupied) {
        const Territory& territory = inputs.territory(io.callbacks());
        ZonesOptions zo;
        zo.eligibility = inputs.eligibility();
        zo.tolerance_m = 100;  // far below a pixel
        zo.band_widths_m = {};  // the map shows the eligible zone whole
        zo.callbacks = io.callbacks();
        ZonesResult zones = compute_zones(regions, territory, zo);
        other = geometry_layer("beyond the line", territory.other.clone());
        if (standoff_m > 0) band = geometry_layer("stand-off band", std::move(zones.standoff_band));
        eligible = geometry_layer("eligible", std::move(zones.eligible));
    }
    std::optional<Layer> reach;
    if (deployments) reach = reach_layer(*deployments, p, io.callbacks());

    std::vector<MapLayer> layers;
    std::vector<const Layer*> sources = {&regions};
    if (neighbours) {
        MapLayer l;
        l.title = "Neighbouring countries";
        l.layer = &*neighbours;
        l.style = style("#b9b9b2", "#e6e5df", 1, 0.7);
        if (const auto label = neighbours->label_field()) l.label_field = neighbours->fields[*label].name;
        l.label = label_style(12, "#8f8f88");
        l.label.uppercase = true;
        l.background = true;
        layers.push_back(l);
        sources.push_back(&*neighbours);
    }
    {
        MapLayer l;
        l.title = "Regions";
        l.layer = &regions;
        l.style = style("#9a9a94", "#fbfaf5", 1, 0.6);
        if (const auto label = regions.label_field()) l.label_field = regions.fields[*label].name;
        l.label = label_style(9.5, "#77776f");
        l.label.italic = true;
        l.focus = true;
        layers.push_back(l);
    }
    if (other) {
        MapLayer l;
        l.title = line ? "Beyond the cease-fire line" : "Occupied area";
        l.layer = &*other;
        l.style = style("#9e3d22", "#9e3d22", 0.10, 0);  // hatched, no outline
        l.style.stroke_opacity = 0.55;
        l.style.hatch_spacing_px = 6;
        layers.push_back(l);
    }
    if (eligible) {
        MapLayer l;
        l.title = p.allowed_regions.empty() ? "Eligible for basing" : "Eligible for basing (allowed regions)";
        l.layer = &*eligible;
        l.style = style("#1b7a3a", "#31a354", 0.32, 0.8);
        layers.push_back(l);
    }
    if (band) {
        MapLayer l;
        l.title = fmt::format("Stand-off band ({:g} km from the {})", standoff_m / 1000, line ? "line" : "occupied area");
        l.layer = &*band;
        l.style = style("#d7301f", "#ef6548", 0.32, 0.6);
        layers.push_back(l);
    }
    if (maritime) {
        MapLayer l;
        l.title = "Maritime security zone";
        l.layer = &*maritime;
        l.style = style("#2171b5", "#4292c6", 0.25, 1.2);
        l.style.dash_px = {6, 3};
        layers.push_back(l);
        sources.push_back(&*maritime);
    }
    if (basing) {
        MapLayer l;
        l.title = "Basing areas";
        l.layer = &*basing;
        l.style = style("#00441b", "#00441b", 0.15, 1.6);
        layers.push_back(l);
        sources.push_back(&*basing);
    }
    if (reach && !reach->features.empty()) {
        MapLayer l;
        l.title = p.radius_field.empty() ? "Reach (geodesic circle)" : fmt::format("Reach ({}, geodesic circle)", p.radius_field);
        l.layer = &*reach;
        l.style = style("#555555", "none", 1, 1.1);
        l.style.stroke_opacity = 0.85;
        l.style.dash_px = {5, 3};
        if (reach->field_index("role")) l.color_field = "role", l.colors = role_colors, l.legend_values = false;
        layers.push_back(l);
    }
    if (line) {
        MapLayer l;
        l.title = "Cease-fire line";
        l.layer = &*line;
        l.style = style("#7f0000", "none", 1, 3.2);
        layers.push_back(l);
        sources.push_back(&*line);
    }
    if (deployments) {
        MapLayer l;
        l.title = "Deployments";
        l.layer = &*deployments;
        l.style = style("#ffffff", "#333333", 1, 1.3);  // filled by role, white rim
        l.style.marker_radius_px = 5.5;
        if (deployments->field_index("role")) l.color_field = "role", l.colors = role_colors, l.title = "Deployments by role";
        if (deployments->field_index("id")) l.label_field = "id";
        else if (const auto label = deployments->label_field()) l.label_field = deployments->fields[*label].name;
        l.label = label_style(10.5, "#1a1a1a");
        l.label.bold = true;
        layers.push_back(l);
        sources.push_back(&*deployments);
    }

    MapOptions options;
    options.width_px = width_px_;
    options.height_px = height_px_;
    options.title = title_.empty() ? scenario.name : title_;
    std::string subtitle;
    if (band) subtitle = fmt::format("Stand-off {:g} km from the {}", standoff_m / 1000, line ? "cease-fire line" : "occupied area");
    if (deployments) subtitle += fmt::format("{}{} deployments", subtitle.empty() ? "" : " · ", deployments->features.size());
    options.subtitle = subtitle + (subtitle.empty() ? "" : " · ") + "distances and reach geodesic on WGS84";
    options.credit = credit_for(sources);
    options.background = "#d4e6f1";
    render_map_file(layers, options, output_);
    return 0;
}

}  // namespace dza::cli
