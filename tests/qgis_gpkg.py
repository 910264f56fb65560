"""dza.gpkg in QGIS: default styles from layer_styles, layer order, and the rendered map.

Usage: qgis_gpkg.py DZA_GPKG OUT_PNG (run by qgis_gpkg.sh with QT_QPA_PLATFORM=offscreen).
The expected colours are the palette of the map (src/report_style.cpp), written here again so that
a change on either side shows.
"""
import os
import sqlite3
import sys
import tempfile

from qgis.core import (Qgis, QgsApplication, QgsFeatureRequest, QgsMapLayerType, QgsMapRendererCustomPainterJob, QgsMapSettings,
                       QgsPointXY, QgsProviderRegistry, QgsRectangle, QgsVectorLayer, QgsWkbTypes)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor, QImage, QPainter

gpkg, png = sys.argv[1], sys.argv[2]
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)
    return ok


app = QgsApplication([], False)
app.initQgis()

# The layers as QGIS lists them when it adds every layer of the file (QgsAppLayerHandling::addSublayers
# adds them in reverse, each on top of the last, so the first is the top of the layer tree).
sublayers = [s for s in QgsProviderRegistry.instance().querySublayers(gpkg) if s.type() == QgsMapLayerType.VectorLayer]
names = [s.name() for s in sublayers]
spatial = [s.name() for s in sublayers if QgsWkbTypes.geometryType(s.wkbType()) != QgsWkbTypes.NullGeometry]
print("layers, top first:", ", ".join(spatial))
# layer_styles is there, and QGIS keeps it out of the layers it adds (it is one of its system tables).
everything = [s.name() for s in QgsProviderRegistry.instance().querySublayers(gpkg, Qgis.SublayerQueryFlag.IncludeSystemTables)]
check("layer_styles" in everything, "no layer_styles table")
check("layer_styles" not in names, "QGIS would add layer_styles as a layer")

# The analysis above the base: deployments and the line on top, regions and neighbours at the bottom.
stack = ["deployments", "line", "eligible_zones", "coverage", "coverage_regions", "regions", "neighbours"]
at = [spatial.index(n) for n in stack if check(n in spatial, "dza.gpkg has no layer " + n)]
check(at == sorted(at), "layer order (top first) is not %s: %s" % (stack, spatial))
check(spatial[0] == "deployments" and spatial[-1] == "neighbours", "deployments not on top or neighbours not at the bottom: %s" % spatial)

renderers = {"coverage_regions": "graduatedSymbol", "coverage_targets": "graduatedSymbol", "deployments": "categorizedSymbol",
             "eligible_zones": "categorizedSymbol", "coverage": "RuleRenderer", "gaps": "RuleRenderer", "redundancy": "RuleRenderer",
             "line_gaps": "RuleRenderer"}
layers = {}
for name in spatial:
    layer = QgsVectorLayer("%s|layername=%s" % (gpkg, name), name, "ogr")  # loads the default style, as QGIS does
    if not check(layer.isValid(), name + ": not a valid layer"):
        continue
    count, ids, style_names, descriptions, error = layer.listStylesInDatabase()
    check(count >= 1, "%s: no style in the database (%s)" % (name, error))
    message, loaded = layer.loadDefaultStyle()
    check(loaded, "%s: default style not loaded: %s" % (name, message))
    kind = layer.renderer().type()
    check(kind == renderers.get(name, "singleSymbol"), "%s: renderer %s, expected %s" % (name, kind, renderers.get(name, "singleSymbol")))
    layers[name] = layer
    print("%-18s %-18s %s" % (name, kind, message))
    if kind == "RuleRenderer":
        # One rule per target altitude, only the lowest switched on.
        rules = layer.renderer().rootRule().children()
        check(len(rules) > 1 and [r.active() for r in rules] == [True] + [False] * (len(rules) - 1),
              "%s: rules %s" % (name, [(r.label(), r.active()) for r in rules]))
        check(all("altitude_m" in r.filterExpression() for r in rules), "%s: rules not by altitude" % name)

# The palette: each layer of one symbol has the map's colour.
palette = {"regions": "#fbfaf5", "neighbours": "#e6e5df", "line": "#7f0000", "standoff_band": "#ef6548", "gaps": "#ff7f0e"}
for name, colour in palette.items():
    if name in layers:
        r = layers[name].renderer()
        got = (r.rootRule().children()[0].symbol() if r.type() == "RuleRenderer" else r.symbol()).color().name()
        check(got == colour, "%s: colour %s, expected %s" % (name, got, colour))
if "deployments" in layers:
    cats = {c.value(): c.symbol().color().name() for c in layers["deployments"].renderer().categories()}
    check(cats.get("air defence") == "#6a3d9a" and cats.get("ISR") == "#c51b7d", "deployments: role colours %s" % cats)
    check(layers["deployments"].labelsEnabled(), "deployments: not labelled")
if "regions" in layers:
    check(layers["regions"].labelsEnabled(), "regions: not labelled")
if "coverage_regions" in layers:
    ranges = [(r.lowerValue(), r.upperValue()) for r in layers["coverage_regions"].renderer().ranges()]
    check(ranges == [(0, 20), (20, 40), (40, 60), (60, 80), (80, 100)], "coverage_regions: classes %s" % ranges)


# The SLD of each layer (layer_styles.styleSLD, for clients other than QGIS) read by QGIS's own SLD
# reader into a fresh layer: it loads without error and draws as the QML does. QGIS reads an SLD
# of several rules (graded or categorized, or by target altitude) as rules, one a class or
# category, and one of a single rule as a single symbol.
def symbol_colours(renderer):
    kind = renderer.type()
    if kind == "graduatedSymbol":
        return [(r.lowerValue(), r.symbol().color().name()) for r in renderer.ranges()]
    if kind == "categorizedSymbol":
        return [(c.value(), c.symbol().color().name()) for c in renderer.categories()]
    if kind == "RuleRenderer":
        return [r.symbol().color().name() for r in renderer.rootRule().children() if r.active()]
    return [renderer.symbol().color().name()]


sld_dir = tempfile.mkdtemp()
db = sqlite3.connect(gpkg)
slds = dict(db.execute("SELECT f_table_name, styleSLD FROM layer_styles WHERE useAsDefault"))
db.close()
for name, qml_layer in layers.items():
    if not check(slds.get(name), name + ": no SLD in layer_styles"):
        continue
    path = os.path.join(sld_dir, name + ".sld")
    with open(path, "w", encoding="utf-8") as f:
        f.write(slds[name])
    layer = QgsVectorLayer("%s|layername=%s" % (gpkg, name), name, "ogr")
    message, loaded = layer.loadSldStyle(path)
    if not check(loaded, "%s: the SLD does not load: %s" % (name, message)):
        continue
    qml, sld = qml_layer.renderer(), layer.renderer()
    want = symbol_colours(qml)
    if qml.type() in ("graduatedSymbol", "categorizedSymbol"):
        field = qml.classAttribute()
        rules = sld.rootRule().children() if sld.type() == "RuleRenderer" else []
        check(len(rules) >= len(want) and all(field in r.filterExpression() for r in rules[:len(want)]),
              "%s: the SLD is not %s on %s: %s" % (name, qml.type(), field, [r.filterExpression() for r in rules] or sld.type()))
        got = [r.symbol().color().name() for r in rules[:len(want)]]
        check(got == [c for _, c in want], "%s: SLD colours %s, QML %s" % (name, got, want))
        if name == "deployments" and layer.fields().indexOf("passed") >= 0:
            # The failing ones marked by a rule of their own that selects them in QGIS.
            failing = [f.id() for f in layer.getFeatures() if f["passed"] is False or f["passed"] == 0]
            marked = [r for r in rules[len(want):] if "passed" in r.filterExpression()]
            selected = [f.id() for f in layer.getFeatures(QgsFeatureRequest().setFilterExpression(marked[0].filterExpression()))] if marked else []
            check(failing and sorted(selected) == sorted(failing),
                  "deployments: the SLD's failing rule %s selects %s, failing %s" % ([r.filterExpression() for r in marked], selected, failing))
    elif qml.type() == "RuleRenderer":
        # By target altitude: the SLD has the lowest only, as the QML has it switched on.
        check(sld.type() in ("RuleRenderer", "singleSymbol") and symbol_colours(sld)[:1] == want[:1],
              "%s: SLD %s %s, QML %s" % (name, sld.type(), symbol_colours(sld), want))
    else:
        check(sld.type() == "singleSymbol" and symbol_colours(sld) == want, "%s: SLD %s %s, QML %s" % (name, sld.type(), symbol_colours(sld), want))
    print("%-18s SLD: %s, %d classes" % (name, sld.type(), len(symbol_colours(sld))))


def render(names, size, extent, labels):
    settings = QgsMapSettings()
    settings.setLayers([layers[n] for n in names if n in layers])  # top first
    settings.setDestinationCrs(layers["regions"].crs())
    settings.setOutputSize(size)
    settings.setExtent(extent)
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setFlag(QgsMapSettings.DrawLabeling, labels)
    image = QImage(size, QImage.Format_ARGB32_Premultiplied)
    image.fill(QColor(255, 255, 255))
    painter = QPainter(image)
    job = QgsMapRendererCustomPainterJob(settings, painter)
    job.start()
    job.waitForFinished()
    painter.end()
    return image, settings


def pixel(image, settings, point):
    p = settings.mapToPixel().transform(QgsPointXY(point))
    c = image.pixelColor(int(round(p.x())), int(round(p.y())))
    return (c.red(), c.green(), c.blue())


extent = QgsRectangle(layers["regions"].extent())
extent.scale(1.1)
size = QSize(1200, 860)

# The whole file, as QGIS shows it.
image, settings = render(spatial, size, extent, True)
check(image.save(png), "cannot save " + png)
colours = {}
for y in range(0, size.height(), 3):
    for x in range(0, size.width(), 3):
        rgb = image.pixel(x, y) & 0xFFFFFF
        colours[rgb] = colours.get(rgb, 0) + 1
sampled = sum(colours.values())
drawn = 1 - colours.get(0xFFFFFF, 0) / sampled
distinct = sum(1 for n in colours.values() if n >= 20)
print("map: %d colours on 20 or more sampled pixels, %.0f %% drawn; %s" % (distinct, 100 * drawn, png))
check(distinct >= 15, "the map has only %d colours" % distinct)
check(drawn > 0.6, "only %.0f %% of the map is drawn" % (100 * drawn))

# Coverage by region: where the share covered at the lowest altitude is high, the coverage blue;
# where it is low, the gaps' orange (the layer at 60 % over the regions); either way the copy at
# the lowest altitude is on top.
def blend(colour, over, opacity):
    return tuple(opacity * a + (1 - opacity) * b for a, b in zip(colour, over))


regions_fill = (251, 250, 245)
expected = {"high": blend((31, 119, 180), regions_fill, 0.6), "low": blend((255, 127, 14), regions_fill, 0.6)}
cr = layers.get("coverage_regions")
if cr:
    features = list(cr.getFeatures())
    lowest = min(f["altitude_m"] for f in features)
    by_name = {}
    for f in features:
        by_name.setdefault(f["name"], {})[f["altitude_m"]] = f
    high = max((f for f in features if f["altitude_m"] == lowest), key=lambda f: f["covered_pct"])
    check(high["covered_pct"] >= 80, "no region covered 80 % or more at the lowest altitude to look at")
    # A low one whose coverage is higher at another altitude, so that the order shows, if there is one.
    lows = [f for f in features if f["altitude_m"] == lowest and f["covered_pct"] < 20]
    lows.sort(key=lambda f: -max(g["covered_pct"] for g in by_name[f["name"]].values()))
    image, settings = render(["coverage_regions", "regions"], size, extent, False)
    for which, f in (("high", high), ("low", lows[0] if lows else None)):
        if not check(f is not None, "no region with little coverage to look at"):
            continue
        got = pixel(image, settings, f.geometry().pointOnSurface().asPoint())
        want = expected[which]
        print("coverage_regions: %s (%.1f %% at %g m): pixel %s, expected about %s" % (f["name"], f["covered_pct"], lowest, got,
                                                                                      tuple(round(v) for v in want)))
        check(all(abs(a - b) <= 12 for a, b in zip(got, want)), "%s: pixel %s is not the %s-coverage colour %s" % (f["name"], got, which, want))

# Failing deployments ringed in red, passing ones not.
dep = layers.get("deployments")
if dep and dep.fields().indexOf("check") >= 0:
    image, settings = render(["deployments"], size, extent, False)
    mpp = settings.mapUnitsPerPixel()

    def red_near(point):
        p = settings.mapToPixel().transform(point)
        n = 0
        for dy in range(-14, 15):
            for dx in range(-14, 15):
                c = image.pixelColor(int(p.x()) + dx, int(p.y()) + dy)
                n += c.red() > 170 and c.green() < 90 and c.blue() < 90
        return n

    failing = [f for f in dep.getFeatures() if f["check"] != "ok"]
    passing = [f for f in dep.getFeatures() if f["check"] == "ok"]
    check(failing, "no failing deployment in the default run to look at")
    for f in failing:
        n = red_near(f.geometry().asPoint())
        check(n >= 20, "%s fails its check but has %d red pixels around it" % (f["name"], n))
    far = [f for f in passing if all(f.geometry().distance(g.geometry()) > 40 * mpp for g in failing)]
    for f in far:
        n = red_near(f.geometry().asPoint())
        check(n == 0, "%s passes its check but has %d red pixels around it" % (f["name"], n))
    print("deployments: %d failing ringed in red, %d passing without" % (len(failing), len(far)))

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
else:
    print("dza.gpkg opens styled in QGIS: %d layers" % len(layers))
# Leave without tearing QGIS down: PyQGIS may crash in exitQgis() while layers are still referenced.
sys.stdout.flush()
os._exit(1 if failures else 0)
