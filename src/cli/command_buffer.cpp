#include "cli/command_buffer.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <set>

#include "dza/error.hpp"
#include "dza/geodesic.hpp"
#include "dza/units.hpp"
#include "dza/writer.hpp"

namespace dza::cli {

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
    app.add_flag("--dissolve", dissolve_, "union the buffers of all features into one feature (one per ring with --rings); drops the source fields");
    add_tolerance_option(app, tolerance_, "the boundary");
    add_output_option(app, output_, table_, "where to write the buffers", true);
    add_precision_option(app, precision_);
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

    // Every feature's distances, checked before any work.
    const bool rings = !rings_m_.empty();
    std::vector<std::vector<double>> distances(layer.features.size());
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        const Feature& f = layer.features[i];
        distances[i] = rings ? rings_m_ : std::vector<double>{field ? field_distance_m(layer, f, *field) : *distance_m_};
    }

    // Buffers: per feature, one per distance (with rings, the source's own area first), all
    // built on every core; results come back in the jobs' order whatever the number of threads.
    struct Buffered {
        std::size_t feature;
        std::vector<BufferResult> levels;  // with rings: level 0 is the 0 m buffer, then one per ring distance
    };
    std::vector<BufferJob> jobs;
    std::vector<std::size_t> first_job(layer.features.size(), 0);
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        const Feature& f = layer.features[i];
        first_job[i] = jobs.size();
        if (f.geometry.is_empty()) continue;
        BufferJob job;
        job.source = &f.geometry;
        job.options.side = buffer_side_;
        job.options.tolerance_m = tolerance_m_;
        job.context = fmt::format("{}: {}", layer.where_text(), layer.describe(f));
        if (rings) {
            job.options.distance_m = 0;
            jobs.push_back(job);
        }
        for (double d : distances[i]) {
            job.options.distance_m = d;
            jobs.push_back(job);
        }
    }
    std::vector<BufferResult> built = geodesic_buffers(jobs, callbacks);

    std::vector<Buffered> buffered;
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        const Feature& f = layer.features[i];
        if (f.geometry.is_empty()) {
            callbacks.warning(fmt::format("{}: {}: has no geometry; left out", layer.where_text(), layer.describe(f)));
            continue;
        }
        Buffered b{i, {}};
        const std::size_t levels = distances[i].size() + (rings ? 1 : 0);
        for (std::size_t k = 0; k < levels; ++k) b.levels.push_back(std::move(built[first_job[i] + k]));
        if (!rings && b.levels.back().geometry.is_empty()) {
            callbacks.warning(fmt::format("{}: {}: a {:g} km buffer of a {} has no area; {}", layer.where_text(), layer.describe(f), distances[i].back() / 1000.0,
                                          f.geometry.type_name(), dissolve_ ? "it adds nothing" : "left out"));
            if (!dissolve_) continue;
        }
        buffered.push_back(std::move(b));
    }

    // The output layer: source fields (not when dissolving) and the buffer's own.
    Layer out;
    out.name = layer.name.empty() ? "buffer" : layer.name + "_buffer";
    const std::vector<std::string> own = rings ? std::vector<std::string>{"inner_km", "outer_km", "side", "area_km2", "method", "max_error_m", "tolerance_m"}
                                               : std::vector<std::string>{"distance_km", "side", "area_km2", "method", "max_error_m", "tolerance_m"};
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

    const double rounding_m = (driver_for_path(output_) == "GeoJSON" || driver_for_path(output_) == "GeoJSONSeq") ? rounding_error_m(precision_) : 0.0;
    const auto add = [&](const Feature* source, BufferResult result, std::optional<double> inner_m, std::optional<double> outer_m) {
        Feature f;
        f.fid = static_cast<std::int64_t>(out.features.size());
        if (source)
            for (std::size_t k : kept_fields) f.values.push_back(source->values[k]);
        const auto km = [](std::optional<double> m) { return m ? nlohmann::json(*m / 1000.0) : nlohmann::json(); };
        if (rings) f.values.push_back(km(inner_m));
        f.values.push_back(km(outer_m));
        f.values.push_back(buffer_side_name(buffer_side_));
        f.values.push_back(round_to(geodesic_area_m2(result.geometry) / 1e6, 0.001));
        f.values.push_back(buffer_method);
        f.values.push_back(std::ceil((result.max_error_m + rounding_m) * 1000.0) / 1000.0);
        f.values.push_back(tolerance_m_);
        f.geometry = std::move(result.geometry);
        out.features.push_back(std::move(f));
    };

    if (!dissolve_) {
        for (Buffered& b : buffered) {
            const Feature& f = layer.features[b.feature];
            if (!rings) {
                add(&f, std::move(b.levels.back()), std::nullopt, distances[b.feature].front());
                continue;
            }
            for (std::size_t k = 1; k < b.levels.size(); ++k)
                add(&f, with_feature_context(layer, f, [&] { return buffer_ring(b.levels[k], b.levels[k - 1]); }), k >= 2 ? rings_m_[k - 2] : 0.0, rings_m_[k - 1]);
        }
    } else {
        const std::size_t levels = rings ? rings_m_.size() + 1 : 1;
        std::vector<BufferResult> merged;
        for (std::size_t k = 0; k < levels; ++k) {
            std::vector<const BufferResult*> parts;
            for (const Buffered& b : buffered) parts.push_back(&b.levels[k]);
            merged.push_back(dissolve_buffers(parts));
        }
        if (!rings) {
            add(nullptr, std::move(merged.front()), std::nullopt, field ? std::nullopt : distance_m_);
        } else {
            for (std::size_t k = 1; k < levels; ++k)
                add(nullptr, buffer_ring(merged[k], merged[k - 1]), k >= 2 ? rings_m_[k - 2] : 0.0, rings_m_[k - 1]);
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
