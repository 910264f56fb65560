#include "cli/command_buffer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/units.hpp"
#include "dza/writer.hpp"
#include "parallel.hpp"

namespace dza::cli {

namespace {

// --sector "FROM,TO": two azimuths in degrees.
Sector parse_sector(const std::string& text) {
    const auto comma = text.find(',');
    const auto number = [&](std::string part, double& out) {
        part.erase(0, part.find_first_not_of(" \t"));
        part.erase(part.find_last_not_of(" \t") + 1);
        const char* end = part.data() + part.size();
        const auto [ptr, ec] = std::from_chars(part.data(), end, out);
        return !part.empty() && ec == std::errc() && ptr == end;
    };
    double from = 0, to = 0;
    if (comma == std::string::npos || !number(text.substr(0, comma), from) || !number(text.substr(comma + 1), to))
        throw UsageError(fmt::format("--sector \"{}\" is not FROM,TO in degrees clockwise from north; give e.g. --sector 300,60", text));
    try {
        return Sector::from_to(from, to);
    } catch (const UsageError& e) {
        throw UsageError(fmt::format("--sector: {}", e.what()));
    }
}

}  // namespace

void BufferCommand::setup(CLI::App& app) {
    app.add_option("LAYER", layer_, "layer to buffer: SOURCE[|layername=NAME][|where=SQL][|crs=CRS]")->required()->type_name("LAYER");
    distance_option_ = app.add_option("--distance", distance_, fmt::format("buffer every feature by this distance ({})", distance_units_help))
                           ->type_name("D");
    field_option_ = app.add_option("--distance-field", distance_field_, "buffer each feature by the number in this field, in km")->type_name("FIELD");
    rings_option_ = app.add_option("--rings", rings_,
                                   fmt::format("ring polygons 0-D1, D1-D2, ... for increasing distances D1,D2,... ({})", distance_units_help))
                        ->type_name("D1,D2,...");
    app.add_option("--side", side_, "buffer lines on one side only: left or right as seen walking from their first vertex to their last")
        ->check(CLI::IsMember({"left", "right"}))
        ->type_name("left|right");
    sector_option_ = app.add_option("--sector", sector_,
                                    "around points: only azimuths FROM to TO, degrees clockwise from north (a range fan), e.g. --sector 300,60 for "
                                    "the 120 degrees through north; the distance is the maximum range")
                         ->type_name("FROM,TO");
    min_distance_.add(app, "--min-distance",
                      "leave out what lies nearer than this: around points an annulus (or an annular sector with --sector), around lines and "
                      "polygons the ring between the two buffers; with --rings the innermost ring starts here",
                      buffer_max_distance_m);
    app.add_flag("--dissolve", dissolve_, "union the buffers of all features into one feature (one per ring with --rings); drops the source fields");
    add_tolerance_option(app, tolerance_, "the boundary");
    add_output_option(app, output_, table_, "where to write the buffers", true);
    add_precision_option(app, precision_);
    app.footer("Example: radar fans from 5 to 80 km through north, in rings ending at 20, 40, 60 and 80 km:\n"
               "  dza buffer radars.geojson --rings 20km,40km,60km,80km --min-distance 5km --sector 300,60 -o fans.gpkg");
}

void BufferCommand::validate() {
    ref_ = LayerRef::parse(layer_);
    validate_output(output_, table_);
    const int given = (distance_option_->count() > 0) + (field_option_->count() > 0) + (rings_option_->count() > 0);
    if (given == 0) throw UsageError("give one of --distance, --distance-field or --rings");
    if (given > 1) throw UsageError("give only one of --distance, --distance-field and --rings");
    const auto check_max = [](double d_m, const char* option) {
        if (d_m > buffer_max_distance_m)
            throw UsageError(fmt::format("{} {:g} km is larger than the {:g} km dza buffers by", option, d_m / 1000, buffer_max_distance_m / 1000));
    };
    distance_m_.reset();
    rings_m_.clear();
    if (distance_option_->count()) {
        distance_m_ = parse_distance_m(distance_, "--distance");
        check_max(*distance_m_, "--distance");
    }
    if (rings_option_->count()) {
        rings_m_ = parse_distance_list_m(rings_, "--rings");
        for (std::size_t i = 0; i < rings_m_.size(); ++i) {
            if (rings_m_[i] <= (i ? rings_m_[i - 1] : 0.0))
                throw UsageError(fmt::format("--rings \"{}\": distances must be above 0 and increase ({:g} km {})", rings_, rings_m_[i] / 1000,
                                             i ? fmt::format("follows {:g} km", rings_m_[i - 1] / 1000) : std::string("is not above 0")));
            check_max(rings_m_[i], "--rings");
        }
    }
    tolerance_.parse();
    tolerance_m_ = *tolerance_.metres();
    buffer_side_ = side_ == "left" ? BufferSide::Left : side_ == "right" ? BufferSide::Right : BufferSide::Both;
    sector_parsed_.reset();
    if (sector_option_->count()) {
        if (buffer_side_ != BufferSide::Both)
            throw UsageError(fmt::format("--sector draws range fans around points and --side {} buffers one side of lines; give one of them", side_));
        sector_parsed_ = parse_sector(sector_);
    }
    min_distance_.parse();
    min_distance_m_ = min_distance_.metres().value_or(0.0);
    if (min_distance_.metres()) {
        const double first = distance_m_ ? *distance_m_ : rings_m_.empty() ? std::numeric_limits<double>::infinity() : rings_m_.front();
        if (min_distance_m_ >= first)
            throw UsageError(fmt::format("--min-distance {:g} km is not below {} {:g} km; give a smaller --min-distance", min_distance_m_ / 1000,
                                         distance_m_ ? "--distance" : "the first of --rings", first / 1000));
    }
}

namespace {

// A feature's distance from --distance-field: a number of km, or a text holding one.
double field_distance_m(const Layer& layer, const Feature& feature, std::size_t field) {
    return field_km_as_m(layer, feature, field, "a distance in km", buffer_max_distance_m, "dza buffers by;");
}

// Output coordinates rounded to `precision` decimals move a vertex by at most this much.
double rounding_error_m(int precision) { return 0.5 * std::pow(10.0, -precision) * 111'700.0 * std::sqrt(2.0); }

double round_to(double value, double step) { return std::round(value / step) * step; }

}  // namespace

ExitCode BufferCommand::run(Io& io) {
    check_output_path(output_, table_);
    check_not_an_input(output_, {{ref_.source, "LAYER"}});
    const Callbacks callbacks = io.callbacks();
    const Layer layer = load_layer(ref_, io.load_options());

    std::optional<std::size_t> field;
    if (field_option_->count()) field = layer.require_field(distance_field_);
    if (buffer_side_ != BufferSide::Both)
        for (const Feature& f : layer.features)
            if (!f.geometry.is_empty() && f.geometry.dimension() != 1)
                throw UsageError(fmt::format("{}: {}: --side {} buffers lines, and this feature is a {}; leave out --side to buffer all round",
                                             layer.where_text(), layer.describe(f), side_, f.geometry.type_name()));

    // --sector draws range fans around points.
    if (sector_parsed_)
        for (const Feature& f : layer.features)
            if (!f.geometry.is_empty() && f.geometry.dimension() != 0)
                throw DataError(fmt::format("{}: {}: --sector draws range fans around points, and this feature is a {}; select the points "
                                            "(LAYER|where=...) or leave out --sector",
                                            layer.where_text(), layer.describe(f), f.geometry.type_name()));

    // Every feature's distances, checked before any work.
    const bool rings = !rings_m_.empty();
    const bool inner_level = rings || min_distance_m_ > 0;  // a level inside the first distance: the 0 m or --min-distance buffer
    std::vector<std::vector<double>> distances(layer.features.size());
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        const Feature& f = layer.features[i];
        distances[i] = rings ? rings_m_ : std::vector<double>{field ? field_distance_m(layer, f, *field) : *distance_m_};
        if (field && min_distance_m_ > 0 && !f.geometry.is_empty() && distances[i].front() <= min_distance_m_)
            throw DataError(fmt::format("{}: {}: field {} is {:g} km, not beyond --min-distance {:g} km; give a smaller --min-distance",
                                        layer.where_text(), layer.describe(f), distance_field_, distances[i].front() / 1000, min_distance_m_ / 1000));
    }
    // Points with --sector or --min-distance are a sensor's reach: fans and annuli drawn exactly.
    const auto is_reach = [&](const Feature& f) { return (sector_parsed_ || min_distance_m_ > 0) && f.geometry.dimension() == 0; };

    // Buffers: per feature, one per distance (with an inner level, that one first), all built on
    // every core; results come back in the jobs' order whatever the number of threads.
    struct Buffered {
        std::size_t feature;
        bool reach = false;
        std::vector<BufferResult> levels;  // with an inner level, level 0 is it; then one per distance (reaches: only to dissolve rings)
        std::vector<BufferResult> pieces;  // what is written: one per distance, the ring from the level inside it with an inner level
    };
    std::vector<BufferJob> jobs;
    std::vector<std::size_t> first_job(layer.features.size(), 0);
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        const Feature& f = layer.features[i];
        first_job[i] = jobs.size();
        if (f.geometry.is_empty() || is_reach(f)) continue;
        BufferJob job;
        job.source = &f.geometry;
        job.options.side = buffer_side_;
        job.options.tolerance_m = tolerance_m_;
        job.context = fmt::format("{}: {}", layer.where_text(), layer.describe(f));
        if (inner_level) {
            job.options.distance_m = min_distance_m_;
            jobs.push_back(job);
        }
        for (double d : distances[i]) {
            job.options.distance_m = d;
            jobs.push_back(job);
        }
    }
    std::vector<BufferResult> built = geodesic_buffers(jobs, callbacks);

    // A point feature's reach between two distances (each point's, united).
    const auto reach_of = [&](const Feature& f, double min_m, double max_m) {
        return with_feature_context(layer, f, [&] {
            SensorReach r;
            r.min_range_m = min_m;
            r.max_range_m = max_m;
            if (sector_parsed_) r.sector = *sector_parsed_;
            std::vector<BufferResult> parts;
            for (const auto& path : f.geometry.paths())
                for (const LonLat& p : path) {
                    SensorReachGeometry g = sensor_reach_geometry(p, r, {}, tolerance_m_);
                    parts.push_back({std::move(g.geometry), g.max_error_m});
                }
            if (parts.size() == 1) return std::move(parts.front());
            std::vector<const BufferResult*> all;
            for (const BufferResult& part : parts) all.push_back(&part);
            return dissolve_buffers(all);
        });
    };

    std::vector<Buffered> buffered;
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        const Feature& f = layer.features[i];
        if (f.geometry.is_empty()) {
            callbacks.warning(fmt::format("{}: {}: has no geometry; left out", layer.where_text(), layer.describe(f)));
            continue;
        }
        Buffered b{i, is_reach(f), {}, {}};
        if (!b.reach) {
            const std::size_t levels = distances[i].size() + (inner_level ? 1 : 0);
            for (std::size_t k = 0; k < levels; ++k) b.levels.push_back(std::move(built[first_job[i] + k]));
            if (!inner_level) b.pieces.push_back(std::move(b.levels.back()));
            for (std::size_t k = 1; inner_level && k < levels; ++k)
                b.pieces.push_back(with_feature_context(layer, f, [&] { return buffer_ring(b.levels[k], b.levels[k - 1]); }));
        }
        buffered.push_back(std::move(b));
    }
    // The reaches, on every core: each piece drawn between its own two distances; to dissolve
    // rings, also the whole reach out to each level (a ring's inner arc is exactly that reach's
    // outer arc).
    const bool reach_levels = dissolve_ && rings;
    parallel_for(
        buffered.size(),
        [&](std::size_t begin, std::size_t end) {
            for (std::size_t n = begin; n < end; ++n) {
                Buffered& b = buffered[n];
                if (!b.reach) continue;
                const Feature& f = layer.features[b.feature];
                const std::vector<double>& d = distances[b.feature];
                for (std::size_t k = 0; k < d.size(); ++k) b.pieces.push_back(reach_of(f, k == 0 ? min_distance_m_ : d[k - 1], d[k]));
                if (!reach_levels) continue;
                b.levels.push_back(reach_of(f, 0, min_distance_m_));  // empty without --min-distance
                for (double level : d) b.levels.push_back(reach_of(f, 0, level));
            }
        },
        callbacks, "drawing reaches", 1);
    // Without rings, a piece with no area is left out (it adds nothing to a dissolve).
    if (!rings) {
        std::erase_if(buffered, [&](const Buffered& b) {
            if (!b.pieces.back().geometry.is_empty()) return false;
            const Feature& f = layer.features[b.feature];
            callbacks.warning(fmt::format("{}: {}: a {:g} km buffer of a {} has no area; {}", layer.where_text(), layer.describe(f), distances[b.feature].back() / 1000.0,
                                          f.geometry.type_name(), dissolve_ ? "it adds nothing" : "left out"));
            return !dissolve_;
        });
    }

    // The output layer: source fields (not when dissolving) and the buffer's own.
    Layer out;
    out.name = layer.name.empty() ? "buffer" : layer.name + "_buffer";
    std::vector<std::string> own = rings ? std::vector<std::string>{"inner_km", "outer_km"} : std::vector<std::string>{"distance_km"};
    if (min_distance_.metres()) own.push_back("min_distance_km");
    if (sector_parsed_) own.insert(own.end(), {"sector_from_deg", "sector_to_deg"});
    own.insert(own.end(), {"side", "area_km2", "method", "max_error_m", "tolerance_m"});
    std::vector<std::size_t> kept_fields;
    if (!dissolve_) {
        out.fields = layer.fields;
        out.name_field = layer.label_field() ? layer.fields[*layer.label_field()].name : "";
        rename_clashing_fields(out, own, layer.where_text(), callbacks);
        for (std::size_t k = 0; k < layer.fields.size(); ++k) kept_fields.push_back(k);
    }
    for (const std::string& name : own) {
        const bool text = name == "side" || name == "method";
        out.fields.push_back({name, text ? FieldType::String : FieldType::Real});
    }

    const std::size_t reaches = static_cast<std::size_t>(std::count_if(buffered.begin(), buffered.end(), [](const Buffered& b) { return b.reach; }));
    const std::string mixed_method = fmt::format("{}; around points: {}", buffer_method, sensor_reach_method);
    const double rounding_m = (driver_for_path(output_) == "GeoJSON" || driver_for_path(output_) == "GeoJSONSeq") ? rounding_error_m(precision_) : 0.0;
    const auto add = [&](const Feature* source, BufferResult result, std::optional<double> inner_m, std::optional<double> outer_m, const std::string& method) {
        Feature f;
        f.fid = static_cast<std::int64_t>(out.features.size());
        if (source)
            for (std::size_t k : kept_fields) f.values.push_back(source->values[k]);
        const auto km = [](std::optional<double> m) { return m ? nlohmann::json(*m / 1000.0) : nlohmann::json(); };
        if (rings) f.values.push_back(km(inner_m));
        f.values.push_back(km(outer_m));
        if (min_distance_.metres()) f.values.push_back(min_distance_m_ / 1000.0);
        if (sector_parsed_) {
            f.values.push_back(sector_parsed_->from_deg);
            f.values.push_back(sector_parsed_->full() ? sector_parsed_->from_deg + 360.0 : sector_parsed_->to_deg());
        }
        f.values.push_back(buffer_side_name(buffer_side_));
        f.values.push_back(round_to(geodesic_area_m2(result.geometry) / 1e6, 0.001));
        f.values.push_back(method);
        f.values.push_back(std::ceil((result.max_error_m + rounding_m) * 1000.0) / 1000.0);
        f.values.push_back(tolerance_m_);
        f.geometry = std::move(result.geometry);
        out.features.push_back(std::move(f));
    };
    // Ring k's inner distance (k from 0).
    const auto inner_of = [&](std::size_t k) { return k == 0 ? min_distance_m_ : rings_m_[k - 1]; };

    if (!dissolve_) {
        for (Buffered& b : buffered) {
            const Feature& f = layer.features[b.feature];
            const std::string method = b.reach ? sensor_reach_method : buffer_method;
            if (!rings) {
                add(&f, std::move(b.pieces.back()), std::nullopt, distances[b.feature].front(), method);
                continue;
            }
            for (std::size_t k = 0; k < b.pieces.size(); ++k) add(&f, std::move(b.pieces[k]), inner_of(k), rings_m_[k], method);
        }
    } else {
        const std::string method = reaches == 0 ? std::string(buffer_method) : reaches == buffered.size() ? std::string(sensor_reach_method) : mixed_method;
        const auto merge = [&](auto&& part_of) {
            std::vector<const BufferResult*> parts;
            for (const Buffered& b : buffered) parts.push_back(&part_of(b));
            return dissolve_buffers(parts);
        };
        if (!rings) {
            add(nullptr, merge([](const Buffered& b) -> const BufferResult& { return b.pieces.back(); }), std::nullopt, field ? std::nullopt : distance_m_,
                method);
        } else {
            // Ring k: what lies within its outer distance of some feature but not within its inner
            // distance of any, the union of the features' rings less the union of their levels inside.
            for (std::size_t k = 0; k < rings_m_.size(); ++k) {
                // (Without reaches, as the union of the levels out to it: the same area.)
                const BufferResult outer = merge([&](const Buffered& b) -> const BufferResult& { return reaches ? b.pieces[k] : b.levels[k + 1]; });
                const BufferResult inner = merge([&](const Buffered& b) -> const BufferResult& { return b.levels[k]; });
                add(nullptr, buffer_ring(outer, inner), inner_of(k), rings_m_[k], method);
            }
        }
    }

    WriteOptions options;
    options.callbacks = callbacks;
    options.precision = precision_;
    options.table = table_;
    write_layer(out, output_, options, &io.out);
    return ExitCode::Ok;
}

}  // namespace dza::cli
