#pragma once
// QGIS styles for a GeoPackage dza writes: each layer's default style in the GeoPackage's
// `layer_styles` table, the table QGIS itself reads and writes (QGIS's GeoPackage styling:
// id, f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, styleQML,
// styleSLD, useAsDefault, description, owner, ui, update_time), so that QGIS opens dza.gpkg drawn
// as the map and the report draw it: the same palette (layer_style, role_colors), graded fills
// where a figure matters, labels where they help. The QML is QGIS's own style format, the SLD
// an OGC SE 1.1 StyledLayerDescriptor for other clients.
#include <string>
#include <vector>

#include "dza/layer.hpp"
#include "dza/report.hpp"

namespace dza {

// A layer as written to the GeoPackage, and what kind of layer it is.
struct StyledLayer {
    const Layer* layer = nullptr;
    LayerKind kind = LayerKind::Context;
};

// One layer's style, as QGIS stores it.
struct QgisStyle {
    std::string name;         // styleName
    std::string description;  // what the style shows
    std::string qml;          // QGIS QML (<qgis> document)
    std::string sld;          // OGC SLD 1.1 / SE 1.1
};

// The style of `layer` as a layer of `kind`. The symbol (marker, line or fill) follows the
// layer's geometry (its features', else its declared type, else the kind's usual one).
// - coverage_regions and coverage targets (CoverageRegions, CoverageTargets): graduated on
//   covered_pct in covered_pct_classes(), the layer at 60 % opacity; the copies of an area at
//   several target altitudes drawn highest first, so that the lowest (the hardest case, as on
//   the map) hides the others;
// - eligible zones (Eligible): categorized on band, in eligible_band_color(), nearest lightest;
// - deployments (Deployments): categorized on role in role_colors(), other roles grey; where the
//   plan check ran (a `passed` or `check` column), a red ring and cross on those that failed;
// - every other kind: one symbol, layer_style(kind); where the layer holds several target
//   altitudes (altitude_m: coverage, redundancy, gaps, line gaps), one rule per altitude with
//   the same symbol, only the lowest switched on (the others a tick away in QGIS's Layers panel;
//   the SLD has the lowest only), so that the altitudes do not pile up.
// Regions, neighbours and deployments are labelled by name (deployments by id when they have one).
QgisStyle qgis_style(const Layer& layer, LayerKind kind);

// `layers` in the order to write them to a GeoPackage so that QGIS draws them as the map does:
// QGIS puts a GeoPackage's first layer on top when it adds all of them (it adds them in reverse,
// each on top of the last), so the layers drawn on top of the map (deployments, the line) come
// first and the base (regions, neighbours) last. Stable among layers of the same kind.
std::vector<StyledLayer> qgis_layer_order(std::vector<StyledLayer> layers);

// The layers' pointers, in order (for write_layers).
std::vector<const Layer*> layer_pointers(const std::vector<StyledLayer>& layers);

// Adds each layer's style (qgis_style) to the GeoPackage at `path`, already written with these
// layers, as its default style in `layer_styles` (made as QGIS makes it when missing; a layer's
// earlier default style is replaced). One transaction: all the styles or none. DataError naming
// `path` and the system's reason when the file cannot be opened or written.
void write_qgis_styles(const std::string& path, const std::vector<StyledLayer>& layers);

}  // namespace dza
