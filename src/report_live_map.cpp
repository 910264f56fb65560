// report.html's interactive map: the run's layers as GeoJSON inside the page, drawn by Leaflet.
#include <fmt/format.h>

#include <cmath>

#include "dza/report.hpp"
#include "dza/results_json.hpp"
#include "dza/text.hpp"

namespace dza {

namespace leaflet {
// Leaflet's script and style sheet, from the build's generated leaflet_assets.cpp.
const std::string& script();
const std::string& style();
}  // namespace leaflet

namespace {

using json = nlohmann::json;

double round5(double v) { return std::round(v * 1e5) / 1e5; }

json position(const LonLat& p) { return json::array({round5(p.lon), round5(p.lat)}); }

json ring(const std::vector<LonLat>& points) {
    json out = json::array();
    for (const LonLat& p : points) out.push_back(position(p));
    return out;
}

// A geometry as GeoJSON: every part of its highest dimension, as a Multi* (a single point as a
// Point; null when empty).
json geometry_json(const Geometry& g) {
    if (g.is_empty()) return nullptr;
    switch (g.dimension()) {
        case 0: {
            json points = json::array();
            for (const auto& path : g.paths())
                for (const LonLat& p : path) points.push_back(position(p));
            // One point is a Point, so that it is one marker to click.
            if (points.size() == 1) return {{"type", "Point"}, {"coordinates", points[0]}};
            return {{"type", "MultiPoint"}, {"coordinates", points}};
        }
        case 1: {
            json lines = json::array();
            for (const auto& path : g.paths()) lines.push_back(ring(path));
            return {{"type", "MultiLineString"}, {"coordinates", lines}};
        }
        default: {
            json polygons = json::array();
            for (const auto& rings : g.polygons()) {
                json p = json::array();
                for (const auto& r : rings) p.push_back(ring(r));
                polygons.push_back(p);
            }
            return {{"type", "MultiPolygon"}, {"coordinates", polygons}};
        }
    }
}

json layer_json(const Layer& layer) {
    json features = json::array();
    for (const Feature& f : layer.features) {
        json geometry = geometry_json(f.geometry);
        if (geometry.is_null()) continue;
        json properties = json::object();
        for (std::size_t i = 0; i < layer.fields.size() && i < f.values.size(); ++i) {
            // Figures as summary.json shows them (659.079153 km, not 659.079153231384).
            const std::optional<int> decimals = layer.fields[i].type == FieldType::Real ? figure_decimals(layer.fields[i].name) : std::nullopt;
            const json& v = f.values[i];
            properties[layer.fields[i].name] = decimals && v.is_number_float() && std::isfinite(v.get<double>()) ? json(json_round(v.get<double>(), *decimals)) : v;
        }
        features.push_back({{"type", "Feature"}, {"properties", properties}, {"geometry", geometry}});
    }
    return {{"type", "FeatureCollection"}, {"features", features}};
}

// Drawn from the data in the page: each layer's simplestyle colours, circle markers for points,
// a pop-up with the feature's title and figures, a control to switch layers on and off.
constexpr const char* map_script = R"js(
(function () {
  var data = JSON.parse(document.getElementById('live-map-data').textContent);
  var map = L.map('live-map', {preferCanvas: false, zoomSnap: 0.25});
  var hidden = {'title': 1, 'stroke': 1, 'stroke-width': 1, 'stroke-opacity': 1, 'fill': 1, 'fill-opacity': 1, 'marker-color': 1, 'marker-symbol': 1};
  function esc(v) { return String(v).replace(/[&<>"']/g, function (c) { return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]; }); }
  function figure(v) { return typeof v === 'number' ? (Math.abs(v) >= 1000 ? v.toLocaleString('en', {maximumFractionDigits: 1}) : String(Math.round(v * 1000) / 1000)) : esc(v); }
  function popup(p) {
    var rows = '';
    for (var k in p) if (!hidden[k] && p[k] !== null && p[k] !== '') rows += '<tr><th>' + esc(k) + '</th><td>' + figure(p[k]) + '</td></tr>';
    return '<b>' + esc(p.title || '') + '</b><table class="popup">' + rows + '</table>';
  }
  var overlays = {}, bounds = null;
  data.forEach(function (l, i) {
    // One pane per layer, stacked in the page's order, so a layer switched on again keeps its place.
    var pane = 'dza-' + i;
    map.createPane(pane).style.zIndex = 400 + i;
    var layer = L.geoJSON(l.geojson, {
      pane: pane,
      style: function (f) {
        var p = f.properties;
        if (f.geometry.type === 'Point' || f.geometry.type === 'MultiPoint') return {};  // circle markers keep their own
        return {color: p.stroke || '#555', weight: p['stroke-width'] || 1, opacity: p['stroke-opacity'] === undefined ? 1 : p['stroke-opacity'],
                fillColor: p.fill || p.stroke || '#555', fillOpacity: p['fill-opacity'] === undefined ? 0 : p['fill-opacity']};
      },
      pointToLayer: function (f, at) {
        var p = f.properties, fails = p['marker-symbol'] === 'cross';
        return L.circleMarker(at, {pane: pane, radius: 7, color: fails ? '#b00000' : '#222222', weight: fails ? 3 : 1, fillColor: p['marker-color'] || '#555', fillOpacity: 1});
      },
      onEachFeature: function (f, layer) { layer.bindPopup(popup(f.properties), {maxWidth: 360}); }
    });
    layer.dzaName = l.name;
    if (l.visible) layer.addTo(map);
    overlays[esc(l.title)] = layer;
    if (l.frame) { var b = layer.getBounds(); if (b.isValid()) bounds = bounds ? bounds.extend(b) : b; }
  });
  L.control.layers(null, overlays, {collapsed: false}).addTo(map);
  L.control.scale({imperial: false}).addTo(map);
  map.attributionControl.setPrefix('Leaflet');
  if (bounds) map.fitBounds(bounds, {padding: [10, 10]}); else map.setView([49, 31], 5);
  window.dzaLiveMap = {map: map, overlays: overlays};
})();
)js";

}  // namespace

std::string live_map_html(const std::vector<LiveLayer>& layers) {
    if (layers.empty()) return {};
    json data = json::array();
    for (const LiveLayer& l : layers) {
        // The frame: the territory and what is on it, not the neighbours around it.
        const bool frame = l.layer.name != "neighbours";
        data.push_back({{"name", l.layer.name}, {"title", l.title}, {"visible", l.visible}, {"frame", frame}, {"geojson", layer_json(l.layer)}});
    }
    // Inside <script>, "</" would end the element: JSON allows "<\/".
    std::string text = json_text(data, -1);
    for (std::size_t at = text.find("</"); at != std::string::npos; at = text.find("</", at + 3)) text.replace(at, 2, "<\\/");
    std::string html = "<style>\n" + leaflet::style() + "\n</style>\n";
    html += "<div id=\"live-map\" role=\"application\" aria-label=\"interactive map\"></div>\n";
    html += "<script type=\"application/json\" id=\"live-map-data\">" + text + "</script>\n";
    html += "<script>\n" + leaflet::script() + "\n</script>\n<script>" + std::string(map_script) + "</script>\n";
    return html;
}

}  // namespace dza
