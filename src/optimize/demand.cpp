// Demand cut into pieces (include/dza/demand.hpp): line pieces as the coverage densifies the
// line, equal-area cells of areas, points; and which pieces each reach covers and touches.
#include "dza/demand.hpp"

#include <fmt/format.h>
#include <proj.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>

#include "coverage/common.hpp"
#include "coverage/envelope_grid.hpp"
#include "coverage/steps.hpp"
#include "dza/distance.hpp"
#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "geos/geos.hpp"
#include "parallel.hpp"

namespace dza {

const char* demand_kind_name(DemandKind kind) {
    switch (kind) {
        case DemandKind::Line: return "line";
        case DemandKind::Area: return "area";
        case DemandKind::Points: return "points";
    }
    return "?";
}

double Demand::total_weight() const {
    double sum = 0;
    for (const DemandLayer& l : layers)
        if (l.total > 0) sum += l.weight;
    return sum;
}

namespace {

constexpr double degree = M_PI / 180.0;
// An area (or the extent of grid points) may span at most this much longitude: the grid is one
// azimuthal projection about its centre.
constexpr double max_span_lon_deg = 170.0;
// More cells than this is a cell size too small for the area (memory, time).
constexpr double max_cells = 5.0e7;

// ---------------------------------------------------------------------------------------------
// Lambert azimuthal equal-area on WGS84 centred on an extent (PROJ).

struct PjContextDeleter {
    void operator()(PJ_CONTEXT* c) const noexcept { proj_context_destroy(c); }
};
struct PjDeleter {
    void operator()(PJ* p) const noexcept { proj_destroy(p); }
};

class Laea {
public:
    explicit Laea(LonLat centre) {
        context_.reset(proj_context_create());
        if (!context_) throw DataError("demand: cannot create a PROJ context");
        proj_log_level(context_.get(), PJ_LOG_NONE);
        definition_ = fmt::format("+proj=laea +lat_0={:.9f} +lon_0={:.9f} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs", centre.lat, centre.lon);
        pj_.reset(proj_create(context_.get(), definition_.c_str()));
        if (!pj_)
            throw DataError(fmt::format("demand: PROJ cannot build \"{}\" ({})", definition_,
                                        proj_context_errno_string(context_.get(), proj_context_errno(context_.get()))));
    }
    // lon/lat degrees to metres in place (NaN where PROJ fails).
    void forward(std::vector<double>& x, std::vector<double>& y) const {
        for (std::size_t i = 0; i < x.size(); ++i) x[i] *= degree, y[i] *= degree;
        trans(PJ_FWD, x, y);
    }
    // Metres to lon/lat degrees in place (NaN where PROJ fails).
    void inverse(std::vector<double>& x, std::vector<double>& y) const {
        trans(PJ_INV, x, y);
        for (std::size_t i = 0; i < x.size(); ++i) x[i] /= degree, y[i] /= degree;
    }

private:
    void trans(PJ_DIRECTION direction, std::vector<double>& x, std::vector<double>& y) const {
        if (x.empty()) return;
        proj_trans_generic(pj_.get(), direction, x.data(), sizeof(double), x.size(), y.data(), sizeof(double), y.size(), nullptr, 0, 0, nullptr, 0,
                           0);
        proj_errno_reset(pj_.get());
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!std::isfinite(x[i]) || !std::isfinite(y[i]) || x[i] == HUGE_VAL || y[i] == HUGE_VAL)
                x[i] = y[i] = std::numeric_limits<double>::quiet_NaN();
    }
    std::unique_ptr<PJ_CONTEXT, PjContextDeleter> context_;
    std::unique_ptr<PJ, PjDeleter> pj_;
    std::string definition_;
};

// A grid of square cells `cell_m` a side in the LAEA plane, covering the projection of an area's
// polygons (their edges densified, so the curved images of long lon/lat edges count) with one
// cell to spare on each side; the origin is a multiple of the cell size from the centre.
struct PlaneGrid {
    std::unique_ptr<Laea> laea;
    double x0 = 0, y0 = 0, cell_m = 0;
    std::size_t nx = 0, ny = 0;
};

PlaneGrid plane_grid(const Geometry& area, double cell_m, const std::string& what) {
    const Extent e = area.extent();
    if (e.max_lon - e.min_lon > max_span_lon_deg)
        throw DataError(fmt::format("{}: spans {:.1f} degrees of longitude, more than the {:.0f} one equal-area grid covers", what,
                                    e.max_lon - e.min_lon, max_span_lon_deg));
    PlaneGrid g;
    g.cell_m = cell_m;
    g.laea = std::make_unique<Laea>(coverage::centre_of(e));
    std::vector<double> x, y;
    for (const auto& path : area.paths())
        for (const LonLat& p : densify_lonlat(path, 0.25)) x.push_back(p.lon), y.push_back(p.lat);
    g.laea->forward(x, y);
    double min_x = HUGE_VAL, max_x = -HUGE_VAL, min_y = HUGE_VAL, max_y = -HUGE_VAL;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (std::isnan(x[i])) continue;
        min_x = std::min(min_x, x[i]), max_x = std::max(max_x, x[i]);
        min_y = std::min(min_y, y[i]), max_y = std::max(max_y, y[i]);
    }
    if (!(min_x <= max_x)) throw DataError(fmt::format("{}: cannot be projected to an equal-area grid", what));
    const double i0 = std::floor(min_x / cell_m) - 1, i1 = std::ceil(max_x / cell_m) + 1;
    const double j0 = std::floor(min_y / cell_m) - 1, j1 = std::ceil(max_y / cell_m) + 1;
    const double cells = (i1 - i0) * (j1 - j0);
    if (cells > max_cells)
        throw DataError(fmt::format("{}: a grid of {:.0f} m would have {:.0f} cells, more than {:.0f}; try a size of {:.0f} m or more", what, cell_m,
                                    cells, max_cells, std::ceil(cell_m * std::sqrt(cells / max_cells))));
    g.x0 = i0 * cell_m, g.y0 = j0 * cell_m;
    g.nx = static_cast<std::size_t>(i1 - i0), g.ny = static_cast<std::size_t>(j1 - j0);
    return g;
}

// A prepared geometry, made once per chunk of parallel work: prepared geometries build their
// indexes on first use, so each thread has its own (the geometry itself is readied for sharing
// with geos::share_between_threads).
geos::PreparedPtr prepare(const GEOSGeometry* g, const char* what) { return geos::PreparedPtr(geos::check(GEOSPrepare_r(geos::ctx(), g), what)); }

bool predicate(char result, const char* what) {
    if (result == 2) throw DataError(std::string(what) + ": " + geos::last_error());
    return result == 1;
}

std::size_t chunk_for(std::size_t n) { return std::max<std::size_t>(16, n / (8 * std::max(1u, worker_count())) + 1); }

// ---------------------------------------------------------------------------------------------
// Pieces of each kind, with their measures.

struct Cut {
    std::vector<Geometry> pieces;
    std::vector<double> measures;
};

Cut line_pieces(const Layer& layer, double piece_m) {
    Cut out;
    const std::vector<std::vector<LonLat>> paths = coverage::line_paths(layer);
    if (paths.empty()) throw DataError(fmt::format("{}: no feature is a line", layer.where_text()));
    for (const auto& path : paths)
        for (std::size_t i = 1; i < path.size(); ++i) {
            // The coverage's own pieces (1 km); shorter ones split along the geodesic.
            std::vector<LonLat> stops{path[i - 1], path[i]};
            if (piece_m < coverage::line_spacing_m) stops = geodesic_path(path[i - 1], path[i], piece_m);
            for (std::size_t k = 1; k < stops.size(); ++k) {
                out.measures.push_back(geodesic_inverse(stops[k - 1], stops[k]).distance_m / 1000.0);
                out.pieces.push_back(Geometry::line({stops[k - 1], stops[k]}));
            }
        }
    return out;
}

// The polygons of a layer's features, united (overlaps counted once) and repaired if need be.
Geometry polygons_of(const Layer& layer) {
    std::vector<Geometry> parts;
    for (const Feature& f : layer.features)
        if (!f.geometry.is_empty() && f.geometry.dimension() == 2) parts.push_back(geos::polygonal(f.geometry.clone()));
    if (parts.empty()) throw DataError(fmt::format("{}: no feature is a polygon", layer.where_text()));
    Geometry u = geos::unite(std::move(parts), "uniting the demand's polygons");
    if (GEOSisValid_r(geos::ctx(), u.get()) != 1) u = geos::own(GEOSMakeValid_r(geos::ctx(), u.get()), "repairing the demand's polygons");
    return geos::polygonal(std::move(u));
}

Cut area_pieces(const Geometry& area, double cell_m, const std::string& what, const Callbacks& callbacks) {
    Cut out;
    if (area.is_empty()) throw DataError(fmt::format("{}: no polygon", what));
    const PlaneGrid grid = plane_grid(area, cell_m, what);
    const std::size_t nx = grid.nx, ny = grid.ny;
    // Every cell corner once, so neighbouring cells share their corners' coordinates exactly.
    std::vector<double> cx((nx + 1) * (ny + 1)), cy(cx.size());
    for (std::size_t j = 0; j <= ny; ++j)
        for (std::size_t i = 0; i <= nx; ++i) {
            cx[j * (nx + 1) + i] = grid.x0 + static_cast<double>(i) * cell_m;
            cy[j * (nx + 1) + i] = grid.y0 + static_cast<double>(j) * cell_m;
        }
    grid.laea->inverse(cx, cy);
    const Extent area_extent = area.extent();
    geos::share_between_threads(area.get());
    std::vector<Geometry> cells(nx * ny);
    std::vector<double> km2(nx * ny, 0);
    parallel_for(
        nx * ny,
        [&](std::size_t begin, std::size_t end) {
            GEOSContextHandle_t h = geos::ctx();
            geos::PreparedPtr prepared;
            for (std::size_t k = begin; k < end; ++k) {
                const std::size_t i = k % nx, j = k / nx;
                const std::size_t c[4] = {j * (nx + 1) + i, j * (nx + 1) + i + 1, (j + 1) * (nx + 1) + i + 1, (j + 1) * (nx + 1) + i};
                std::vector<LonLat> ring;
                Extent e;
                bool ok = true;
                for (std::size_t corner : c) {
                    if (std::isnan(cx[corner])) ok = false;
                    ring.push_back({cx[corner], cy[corner]});
                    e.expand(Extent{cx[corner], cy[corner], cx[corner], cy[corner], false});
                }
                if (!ok || !coverage::overlap(e, area_extent)) continue;
                Geometry cell = Geometry::polygon(ring);
                if (!prepared) prepared = prepare(area.get(), "preparing the demand's area");
                Geometry piece;
                if (predicate(GEOSPreparedContains_r(h, prepared.get(), cell.get()), "testing a cell")) {
                    piece = std::move(cell);
                } else if (predicate(GEOSPreparedIntersects_r(h, prepared.get(), cell.get()), "testing a cell")) {
                    piece = geos::polygonal(geos::intersection(area.get(), cell.get(), "cutting the demand's area into cells"));
                } else {
                    continue;
                }
                if (piece.is_empty()) continue;
                const double a = geodesic_area_m2(piece) / 1e6;
                if (!(a > 0)) continue;  // where the area only touches the cell
                cells[k] = std::move(piece);
                km2[k] = a;
            }
        },
        callbacks, "cutting the demand's areas into cells", chunk_for(nx * ny));
    for (std::size_t k = 0; k < cells.size(); ++k)
        if (cells[k]) {
            out.pieces.push_back(std::move(cells[k]));
            out.measures.push_back(km2[k]);
        }
    return out;
}

double point_weight(const Layer& layer, const Feature& f, std::size_t field) {
    const nlohmann::json& v = f.values[field];
    double w = std::numeric_limits<double>::quiet_NaN();
    if (v.is_number()) {
        w = v.get<double>();
    } else if (v.is_string()) {
        const std::string text = v.get<std::string>();
        char* end = nullptr;
        const double parsed = std::strtod(text.c_str(), &end);
        const bool whole = end && end != text.c_str() && std::all_of(static_cast<const char*>(end), text.c_str() + text.size(), [](char ch) { return std::isspace(static_cast<unsigned char>(ch)); });
        if (whole) w = parsed;
    }
    if (!std::isfinite(w) || w < 0)
        throw DataError(fmt::format("{}: {}: field {} is {}, expected a weight (a number >= 0)", layer.where_text(), layer.describe(f),
                                    layer.fields[field].name, v.is_null() ? std::string("not set") : v.dump()));
    return w;
}

Cut point_pieces(const Layer& layer, const std::string& weight_field) {
    Cut out;
    std::optional<std::size_t> field;
    if (!weight_field.empty()) field = layer.require_field(weight_field);
    for (const Feature& f : layer.features) {
        if (f.geometry.is_empty() || f.geometry.dimension() != 0) continue;
        const double w = field ? point_weight(layer, f, *field) : 1.0;
        for (const auto& path : f.geometry.paths())
            for (const LonLat& p : path) {
                out.pieces.push_back(Geometry::point(p));
                out.measures.push_back(w);
            }
    }
    if (out.pieces.empty()) throw DataError(fmt::format("{}: no feature is a point", layer.where_text()));
    return out;
}

}  // namespace

Demand discretise_demand(const std::vector<DemandSpec>& specs, const DemandOptions& options) {
    if (!(options.line_piece_m >= 1 && options.line_piece_m <= coverage::line_spacing_m))
        throw UsageError(fmt::format("demand: the line piece length is {} m; it must be from 1 m to {:.0f} m (the coverage's own spacing)",
                                     options.line_piece_m, coverage::line_spacing_m));
    if (!(options.cell_m > 0) || !std::isfinite(options.cell_m))
        throw UsageError(fmt::format("demand: the cell size is {} m; it must be more than 0", options.cell_m));
    if (specs.empty()) throw UsageError("demand: nothing to cover; give a line, areas or points");
    Demand demand;
    demand.line_piece_m = options.line_piece_m;
    demand.cell_m = options.cell_m;
    for (std::size_t s = 0; s < specs.size(); ++s) {
        const DemandSpec& spec = specs[s];
        if (!(spec.weight >= 0) || !std::isfinite(spec.weight))
            throw UsageError(fmt::format("demand \"{}\": weight {} must be a number >= 0", spec.name, spec.weight));
        if (!spec.layer && !(spec.kind == DemandKind::Area && spec.area))
            throw UsageError(fmt::format("demand \"{}\": no layer given", spec.name));
        Cut cut;
        switch (spec.kind) {
            case DemandKind::Line: cut = line_pieces(*spec.layer, options.line_piece_m); break;
            case DemandKind::Points: cut = point_pieces(*spec.layer, spec.weight_field); break;
            case DemandKind::Area:
                if (spec.area) {
                    cut = area_pieces(geos::polygonal(spec.area->clone()), options.cell_m, fmt::format("demand \"{}\"", spec.name), options.callbacks);
                } else {
                    cut = area_pieces(polygons_of(*spec.layer), options.cell_m, spec.layer->where_text(), options.callbacks);
                }
                break;
        }
        DemandLayer layer;
        layer.name = spec.name;
        layer.kind = spec.kind;
        layer.weight = spec.weight;
        for (double m : cut.measures) layer.total += m;
        layer.first_piece = demand.pieces.size();
        layer.piece_count = cut.pieces.size();
        for (std::size_t i = 0; i < cut.pieces.size(); ++i) {
            DemandPiece piece;
            piece.layer = static_cast<std::uint32_t>(s);
            piece.measure = cut.measures[i];
            piece.weight = layer.total > 0 ? spec.weight * cut.measures[i] / layer.total : 0.0;
            piece.extent = cut.pieces[i].extent();
            piece.geometry = std::move(cut.pieces[i]);
            demand.pieces.push_back(std::move(piece));
        }
        demand.layers.push_back(std::move(layer));
    }
    return demand;
}

std::vector<LonLat> grid_points(const Geometry& area_in, double spacing_m, std::size_t max_points) {
    if (!(spacing_m > 0) || !std::isfinite(spacing_m)) throw UsageError(fmt::format("grid points: the spacing is {} m; it must be more than 0", spacing_m));
    Geometry area = geos::polygonal(area_in.clone());
    if (area.is_empty()) return {};
    // A first count from the area, before the grid is drawn: a spacing far too small stops here.
    const double estimate = geodesic_area_m2(area) / (spacing_m * spacing_m);
    const auto too_many = [&](double count, const char* about) {
        const double spacing = std::ceil(spacing_m * std::sqrt(count / static_cast<double>(std::max<std::size_t>(max_points, 1))));
        return DataError(fmt::format("grid points: {}{:.0f} points {} m apart, more than {}; try a spacing of {:.0f} m or more", about, count, spacing_m,
                                     max_points, spacing));
    };
    if (estimate > 1.2 * static_cast<double>(max_points) + 1000) throw too_many(estimate, "about ");
    const PlaneGrid grid = plane_grid(area, spacing_m, "grid points");
    const std::size_t nx = grid.nx, ny = grid.ny;
    std::vector<double> x(nx * ny), y(nx * ny);
    for (std::size_t j = 0; j < ny; ++j)
        for (std::size_t i = 0; i < nx; ++i) {
            x[j * nx + i] = grid.x0 + (static_cast<double>(i) + 0.5) * spacing_m;
            y[j * nx + i] = grid.y0 + (static_cast<double>(j) + 0.5) * spacing_m;
        }
    grid.laea->inverse(x, y);
    geos::share_between_threads(area.get());
    const Extent e = area.extent();
    std::vector<char> inside(x.size(), 0);
    parallel_for(
        x.size(),
        [&](std::size_t begin, std::size_t end) {
            geos::PreparedPtr prepared;
            for (std::size_t k = begin; k < end; ++k) {
                if (std::isnan(x[k]) || x[k] < e.min_lon || x[k] > e.max_lon || y[k] < e.min_lat || y[k] > e.max_lat) continue;
                if (!prepared) prepared = prepare(area.get(), "preparing the area");
                const Geometry p = Geometry::point({x[k], y[k]});
                inside[k] = predicate(GEOSPreparedCovers_r(geos::ctx(), prepared.get(), p.get()), "testing a grid point") ? 1 : 0;
            }
        },
        {}, "grid points", chunk_for(x.size()));
    std::vector<LonLat> out;
    for (std::size_t k = 0; k < x.size(); ++k)
        if (inside[k]) out.push_back({x[k], y[k]});
    if (out.size() > max_points) throw too_many(static_cast<double>(out.size()), "");
    return out;
}

// ---------------------------------------------------------------------------------------------
// Which pieces a reach covers and touches.

namespace {

// A reach's boundary edges indexed on a lon/lat grid, for the test that settles most pieces
// without GEOS: a piece whose extent no boundary edge comes near (by their extents, with a margin
// far above rounding) lies wholly inside or wholly outside the reach, so one of its vertices
// decides (crossing number on a horizontal ray: even-odd over all rings, the reach being a valid
// polygon). Pieces the boundary comes near are left to GEOS.
class BoundaryIndex {
public:
    explicit BoundaryIndex(const Geometry& reach) : extent_(reach.extent()) {
        for (const auto& ring : reach.paths())
            for (std::size_t i = 1; i < ring.size(); ++i) {
                const LonLat a = ring[i - 1], b = ring[i];
                if (a.lon == b.lon && a.lat == b.lat) continue;
                edges_.push_back({a, b, std::min(a.lon, b.lon), std::max(a.lon, b.lon), std::min(a.lat, b.lat), std::max(a.lat, b.lat)});
            }
        n_ = std::clamp<std::size_t>(static_cast<std::size_t>(std::sqrt(static_cast<double>(edges_.size())) * 1.5), 1, 256);
        w_ = std::max((extent_.max_lon - extent_.min_lon) / static_cast<double>(n_), 1e-12);
        h_ = std::max((extent_.max_lat - extent_.min_lat) / static_cast<double>(n_), 1e-12);
        cells_.resize(n_ * n_);
        bands_.resize(n_);
        for (std::uint32_t k = 0; k < edges_.size(); ++k) {
            const Edge& ed = edges_[k];
            const std::size_t x0 = col(ed.min_lon), x1 = col(ed.max_lon), y0 = row(ed.min_lat), y1 = row(ed.max_lat);
            for (std::size_t y = y0; y <= y1; ++y) {
                bands_[y].push_back(k);
                for (std::size_t x = x0; x <= x1; ++x) cells_[y * n_ + x].push_back(k);
            }
        }
    }

    // Whether some boundary edge's extent comes within `margin` of `e`.
    bool near(const Extent& e) const {
        constexpr double margin = 1e-9;  // degrees: far above the rounding of coordinates below 360
        const double min_lon = e.min_lon - margin, max_lon = e.max_lon + margin, min_lat = e.min_lat - margin, max_lat = e.max_lat + margin;
        if (max_lon < extent_.min_lon || min_lon > extent_.max_lon || max_lat < extent_.min_lat || min_lat > extent_.max_lat) return false;
        const std::size_t x0 = col(min_lon), x1 = col(max_lon), y0 = row(min_lat), y1 = row(max_lat);
        for (std::size_t y = y0; y <= y1; ++y)
            for (std::size_t x = x0; x <= x1; ++x)
                for (std::uint32_t k : cells_[y * n_ + x]) {
                    const Edge& ed = edges_[k];
                    if (ed.min_lon <= max_lon && ed.max_lon >= min_lon && ed.min_lat <= max_lat && ed.max_lat >= min_lat) return true;
                }
        return false;
    }

    // Whether `p` lies inside (p far from the boundary: near() is false around it).
    bool inside(LonLat p) const {
        if (p.lon < extent_.min_lon || p.lon > extent_.max_lon || p.lat < extent_.min_lat || p.lat > extent_.max_lat) return false;
        bool in = false;
        for (std::uint32_t k : bands_[row(p.lat)]) {
            const Edge& ed = edges_[k];
            if ((ed.a.lat > p.lat) == (ed.b.lat > p.lat)) continue;
            const double x = ed.a.lon + (p.lat - ed.a.lat) * (ed.b.lon - ed.a.lon) / (ed.b.lat - ed.a.lat);
            if (x > p.lon) in = !in;
        }
        return in;
    }

private:
    struct Edge {
        LonLat a, b;
        double min_lon, max_lon, min_lat, max_lat;
    };
    std::size_t col(double lon) const {
        return static_cast<std::size_t>(std::clamp(std::floor((lon - extent_.min_lon) / w_), 0.0, static_cast<double>(n_ - 1)));
    }
    std::size_t row(double lat) const {
        return static_cast<std::size_t>(std::clamp(std::floor((lat - extent_.min_lat) / h_), 0.0, static_cast<double>(n_ - 1)));
    }
    Extent extent_;
    std::vector<Edge> edges_;
    std::size_t n_ = 1;
    double w_ = 1, h_ = 1;
    std::vector<std::vector<std::uint32_t>> cells_, bands_;
};

// One vertex of a piece (its first).
LonLat first_vertex(const GEOSGeometry* g) {
    GEOSContextHandle_t h = geos::ctx();
    while (true) {
        const int type = GEOSGeomTypeId_r(h, g);
        if (type == GEOS_MULTIPOLYGON || type == GEOS_MULTILINESTRING || type == GEOS_MULTIPOINT || type == GEOS_GEOMETRYCOLLECTION) {
            g = GEOSGetGeometryN_r(h, g, 0);
        } else if (type == GEOS_POLYGON) {
            g = GEOSGetExteriorRing_r(h, g);
        } else {
            break;
        }
    }
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, g);
    LonLat p;
    GEOSCoordSeq_getXY_r(h, seq, 0, &p.lon, &p.lat);
    return p;
}

}  // namespace

PieceCoverage piece_coverage(const Demand& demand, const std::vector<const Geometry*>& reaches, const Callbacks& callbacks) {
    PieceCoverage out;
    out.covers.resize(reaches.size());
    out.touches.resize(reaches.size());
    std::vector<Extent> extents;
    extents.reserve(demand.pieces.size());
    for (const DemandPiece& p : demand.pieces) {
        extents.push_back(p.geometry.is_empty() ? Extent{} : p.extent);
        geos::share_between_threads(p.geometry.get());
    }
    for (const Geometry* r : reaches)
        if (r) geos::share_between_threads(r->get());
    const coverage::GridShape shape = coverage::grid_shape(extents);
    coverage::EnvelopeGrid index(extents, shape.bounds, std::max(shape.cell_deg, 0.25));
    for (std::size_t i = 0; i < extents.size(); ++i) index.insert(i);
    // Piece vertices looked up once (GEOS calls are cheap but not free).
    std::vector<LonLat> vertex(demand.pieces.size());
    for (std::size_t i = 0; i < demand.pieces.size(); ++i)
        if (!extents[i].empty) vertex[i] = first_vertex(demand.pieces[i].geometry.get());

    parallel_for(
        reaches.size(),
        [&](std::size_t begin, std::size_t end) {
            GEOSContextHandle_t h = geos::ctx();
            for (std::size_t r = begin; r < end; ++r) {
                const Geometry* reach = reaches[r];
                if (!reach || reach->is_empty()) continue;
                std::vector<std::size_t> candidates = index.query(reach->extent());
                if (candidates.empty()) continue;
                std::sort(candidates.begin(), candidates.end());
                const std::string type = reach->type_name();
                const bool polygonal = type == "Polygon" || type == "MultiPolygon";
                std::optional<BoundaryIndex> boundary;
                if (polygonal) boundary.emplace(*reach);
                geos::PreparedPtr prepared;
                auto& covers = out.covers[r];
                auto& touches = out.touches[r];
                for (std::size_t i : candidates) {
                    const auto piece = static_cast<std::uint32_t>(i);
                    if (polygonal && !boundary->near(extents[i])) {
                        if (boundary->inside(vertex[i])) covers.push_back(piece), touches.push_back(piece);
                        continue;
                    }
                    if (!prepared) prepared = prepare(reach->get(), "preparing a reach");
                    const GEOSGeometry* g = demand.pieces[i].geometry.get();
                    if (predicate(GEOSPreparedCovers_r(h, prepared.get(), g), "testing a piece")) {
                        covers.push_back(piece), touches.push_back(piece);
                    } else if (predicate(GEOSPreparedIntersects_r(h, prepared.get(), g), "testing a piece")) {
                        touches.push_back(piece);
                    }
                }
            }
        },
        callbacks, "finding the pieces each reach covers", 8);
    return out;
}

}  // namespace dza
