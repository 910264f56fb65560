// dza_bench: times the library's analyses on generated inputs of growing size.
//
// Usage:
//   dza_bench DATA_DIR [--quick] [--markdown] [--only CASE,...] [--pg-timeout S]
//       every case (or those named) at every size, each in a process of its own (so each one's
//       peak memory is its own), then a table: median wall time on all threads and on one, peak
//       memory, growth between sizes, and, when a PostGIS database is given, the same distance
//       and coverage questions as PostGIS SQL on the same data, with the time ratios (a PostGIS
//       run over S seconds, default 120, is stopped and the larger sizes of its case skipped).
//   dza_bench DATA_DIR --case NAME --size N [--runs R]
//       one case in this process (at least R timed runs); prints "median_s=..." and any figures
//       as "key=value" lines.
//
// PostGIS: DZA_PG_PSQL (a psql command line) or DZA_PG (a GDAL "PG:" connection string) names
// the database; scripts/bench starts a throwaway server when neither is set.
// A benchmark, not a test: the numbers depend on the machine and on what else runs on it.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "dza/buffer.hpp"
#include "dza/coverage.hpp"
#include "dza/distance.hpp"
#include "dza/geodesic.hpp"
#include "dza/layer.hpp"
#include "dza/optimize.hpp"
#include "dza/run.hpp"
#include "dza/scenario.hpp"
#include "dza/territory.hpp"
#include "dza/threads.hpp"
#include "dza/zones.hpp"

extern char** environ;

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------------------
// Inputs, generated with fixed seeds so every process (and PostGIS) sees the same data.

struct Data {
    std::string dir;
    dza::LoadOptions quiet;
    dza::Layer load(const std::string& file) const { return dza::load_layer(dza::LayerRef::parse(dir + "/" + file), quiet); }
};

// Points spread over Ukraine and its surroundings (lon 20..42, lat 43..54).
dza::Layer random_points(std::size_t n) {
    dza::Layer layer;
    layer.name = "points";
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> lon(20.0, 42.0), lat(43.0, 54.0);
    layer.features.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        dza::Feature f;
        f.fid = static_cast<std::int64_t>(i);
        const double x = lon(rng), y = lat(rng);
        f.geometry = dza::Geometry::point({x, y});
        layer.features.push_back(std::move(f));
    }
    return layer;
}

// Deployments over western and central Ukraine, reach 50-150 km in `radius_km`.
dza::Layer random_sites(std::size_t n) {
    dza::Layer sites;
    sites.name = "sites";
    sites.fields = {{"radius_km", dza::FieldType::Real}};
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> lon(22.5, 33.0), lat(46.5, 51.5), reach_km(50.0, 150.0);
    for (std::size_t i = 0; i < n; ++i) {
        dza::Feature f;
        f.fid = static_cast<std::int64_t>(i);
        const double x = lon(rng), y = lat(rng);
        f.geometry = dza::Geometry::point({x, y});
        f.values = {reach_km(rng)};
        sites.features.push_back(std::move(f));
    }
    return sites;
}

// The default regions cut by a grid of `cell_deg` cells: more, smaller regions over the same
// territory (0 keeps the regions as they are).
dza::Layer gridded_regions(const dza::Layer& regions, double cell_deg) {
    if (cell_deg <= 0) {
        dza::Layer copy;
        copy.name = regions.name;
        copy.fields = regions.fields;
        copy.name_field = regions.name_field;
        for (const auto& f : regions.features) copy.features.push_back({f.fid, f.values, f.geometry.clone()});
        return copy;
    }
    dza::Layer out;
    out.name = "regions";
    out.fields = {{"name", dza::FieldType::String}};
    for (const auto& f : regions.features) {
        const dza::Extent e = f.geometry.extent();
        const auto i0 = static_cast<long>(std::floor(e.min_lon / cell_deg)), i1 = static_cast<long>(std::floor(e.max_lon / cell_deg));
        const auto j0 = static_cast<long>(std::floor(e.min_lat / cell_deg)), j1 = static_cast<long>(std::floor(e.max_lat / cell_deg));
        for (long j = j0; j <= j1; ++j)
            for (long i = i0; i <= i1; ++i) {
                const double x0 = static_cast<double>(i) * cell_deg, y0 = static_cast<double>(j) * cell_deg;
                const dza::Geometry cell = dza::Geometry::polygon({{x0, y0}, {x0 + cell_deg, y0}, {x0 + cell_deg, y0 + cell_deg}, {x0, y0 + cell_deg}});
                dza::Geometry piece = f.geometry.intersection(cell);
                if (piece.dimension() != 2) continue;
                dza::Feature g;
                g.fid = static_cast<std::int64_t>(out.features.size());
                g.values = {"cell " + std::to_string(out.features.size())};
                g.geometry = std::move(piece);
                out.features.push_back(std::move(g));
            }
    }
    return out;
}

// Grid cells giving about 27 (the regions themselves), 100 and 1,000 regions.
double zones_cell_deg(std::size_t size) { return size >= 1000 ? 0.36 : size >= 100 ? 1.9 : 0.0; }

// ---------------------------------------------------------------------------------------------
// Cases. Each prepares its inputs (untimed), then times at least `runs` runs and returns the
// median; `figures` receives numbers worth comparing with PostGIS.

using Figures = std::map<std::string, double>;

// The median of at least `min_runs` timed runs, after one untimed run that warms caches and
// lazily made state; short cases run on until a second has been timed (25 runs at most), so
// their median is steadier.
double median_seconds(int min_runs, const std::function<void()>& fn) {
    fn();
    std::vector<double> times;
    double total_s = 0;
    while (static_cast<int>(times.size()) < min_runs || (total_s < 1.0 && times.size() < 25)) {
        const auto start = std::chrono::steady_clock::now();
        fn();
        times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        total_s += times.back();
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

struct Case {
    std::string name;
    std::string title;
    std::vector<std::size_t> sizes;
    std::size_t quick_limit;  // --quick skips larger sizes
    std::function<int(std::size_t)> runs;  // timed runs at least (see median_seconds)
    std::function<double(const Data&, std::size_t, int, Figures&)> time;
};

double coverage_case(const Data& data, const dza::Layer& sites, int runs, Figures& figures) {
    const dza::Layer regions = data.load("regions.geojson");
    const dza::Layer line = data.load("ceasefire_line.geojson");
    const dza::Layer maritime = data.load("maritime_zone.geojson");
    dza::CoverageOptions by_field;
    by_field.radius_field = "radius_km";
    std::optional<dza::CoverageResult> last;
    const double t = median_seconds(runs, [&] { last = dza::compute_coverage(sites, regions, &line, {&maritime}, by_field); });
    figures["covered_km2"] = last->total.covered_km2;
    figures["area_km2"] = last->total.area_km2;
    figures["line_covered_km"] = last->line ? last->line->covered_km : 0.0;
    return t;
}

// Random sites as sensors: each with a sensor height (5 to 30 m), a third with a minimum range
// of 3 km and a third with a 120-degree sector, so that every reach is a sensor's envelope.
dza::Layer random_sensors(std::size_t n) {
    dza::Layer sites = random_sites(n);
    sites.fields.push_back({"sensor_height_m", dza::FieldType::Real});
    sites.fields.push_back({"min_range_km", dza::FieldType::Real});
    sites.fields.push_back({"sector_deg", dza::FieldType::String});
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> height_m(5.0, 30.0), azimuth(0.0, 360.0);
    for (std::size_t i = 0; i < n; ++i) {
        auto& v = sites.features[i].values;
        v.push_back(height_m(rng));
        v.push_back(i % 3 == 1 ? nlohmann::json(3.0) : nlohmann::json(nullptr));
        const double from = azimuth(rng);
        v.push_back(i % 3 == 2 ? nlohmann::json(std::to_string(from) + "," + std::to_string(std::fmod(from + 120.0, 360.0))) : nlohmann::json(nullptr));
    }
    return sites;
}

// The coverage at the four target altitudes of the default scenario, all four timed together.
double coverage_altitudes_case(const Data& data, const dza::Layer& sites, int runs, Figures& figures) {
    const dza::Layer regions = data.load("regions.geojson");
    const dza::Layer line = data.load("ceasefire_line.geojson");
    const dza::Layer maritime = data.load("maritime_zone.geojson");
    dza::CoverageOptions by_field;
    by_field.radius_field = "radius_km";
    std::vector<dza::CoverageResult> last;
    const double t = median_seconds(runs, [&] { last = dza::coverage_by_altitude(sites, regions, &line, {&maritime}, by_field, {50, 300, 1000, 3000}); });
    figures["covered_km2"] = last.back().total.covered_km2;
    return t;
}

// Site optimisation: about n grid candidates over the default scenario's allowed (western)
// regions, each reaching 100 km; demand the line, the maritime zone and those regions at 5 km
// cells, equally weighted; 10 sites, at most 300 s for the exact solver.
double optimize_case(const Data& data, std::size_t n, int runs, Figures& figures) {
    const dza::Layer regions = data.load("regions.geojson");
    const dza::Layer line = data.load("ceasefire_line.geojson");
    const dza::Layer maritime = data.load("maritime_zone.geojson");
    const dza::Scenario scenario = dza::load_scenario(data.dir + "/scenario.yaml");
    const std::vector<std::string>& allowed = scenario.parameters.allowed_regions;
    dza::Layer west;
    west.name = "western_regions";
    west.fields = regions.fields;
    west.name_field = "name";
    for (const auto& f : regions.features)
        if (std::find(allowed.begin(), allowed.end(), regions.label(f)) != allowed.end()) west.features.push_back({f.fid, f.values, f.geometry.clone()});
    const dza::Geometry area = dza::union_of(west);
    const double spacing_m = std::sqrt(dza::geodesic_area_m2(area) / static_cast<double>(n));
    dza::Layer candidates;
    candidates.name = "candidates";
    candidates.fields = {{"radius_km", dza::FieldType::Real}};
    for (const dza::LonLat& p : dza::grid_points(area, spacing_m)) {
        dza::Feature f;
        f.fid = static_cast<std::int64_t>(candidates.features.size());
        f.values = {100.0};
        f.geometry = dza::Geometry::point(p);
        candidates.features.push_back(std::move(f));
    }
    dza::OptimizeOptions o;
    o.reach.radius_field = "radius_km";
    o.demand = {{"line", dza::DemandKind::Line, &line, nullptr, 1, ""},
                {"maritime_zone", dza::DemandKind::Area, &maritime, nullptr, 1, ""},
                {"western_regions", dza::DemandKind::Area, &west, nullptr, 1, ""}};
    o.demand_options.cell_m = 5000;
    o.sites = 10;
    o.time_limit_s = 300;
    dza::OptimizeResult last;
    const double t = median_seconds(runs, [&] { last = dza::optimize_sites(candidates, nullptr, o); });
    const dza::MaxCoverSolution& s = last.solution;
    figures["size"] = static_cast<double>(candidates.features.size());
    figures["pieces"] = static_cast<double>(last.demand.pieces.size());
    figures["greedy_s"] = s.greedy_s;
    figures["solve_s"] = s.solve_s;
    figures["gap_pct"] = s.bound > 0 ? 100.0 * (s.bound - s.objective) / s.bound : 0.0;
    figures["greedy_gap_pct"] = s.bound > 0 ? 100.0 * (s.bound - s.greedy_objective) / s.bound : 0.0;
    figures["gap_1pct_s"] = s.gap_1pct_s;
    figures["cbc"] = s.method.find("CBC:") != std::string::npos ? 1.0 : 0.0;
    return t;
}

std::vector<Case> cases() {
    std::vector<Case> all;
    all.push_back({"distance", "distance: random points to the line", {10000, 100000, 1000000}, 100000,
                   [](std::size_t n) { return n >= 1000000 ? 3 : 5; },
                   [](const Data& data, std::size_t n, int runs, Figures&) {
                       const dza::Layer line = data.load("ceasefire_line.geojson");
                       const dza::Layer points = random_points(n);
                       return median_seconds(runs, [&] { dza::compute_distances(points, line); });
                   }});
    all.push_back({"coverage-default", "coverage: the default deployments", {16}, 16, [](std::size_t) { return 5; },
                   [](const Data& data, std::size_t, int runs, Figures& figures) { return coverage_case(data, data.load("deployments.geojson"), runs, figures); }});
    all.push_back({"coverage", "coverage: random deployments", {100, 1000, 10000}, 10000,
                   [](std::size_t n) { return n >= 10000 ? 3 : 5; },
                   [](const Data& data, std::size_t n, int runs, Figures& figures) { return coverage_case(data, random_sites(n), runs, figures); }});
    all.push_back({"coverage-altitudes", "coverage at 4 target altitudes: random sensors", {16, 1000, 10000}, 1000,
                   [](std::size_t n) { return n >= 10000 ? 3 : 5; },
                   [](const Data& data, std::size_t n, int runs, Figures& figures) { return coverage_altitudes_case(data, random_sensors(n), runs, figures); }});
    all.push_back({"buffer-line", "buffer: the line at 50 km", {1}, 1, [](std::size_t) { return 5; },
                   [](const Data& data, std::size_t, int runs, Figures&) {
                       const dza::Layer line = data.load("ceasefire_line.geojson");
                       dza::BufferOptions fifty;
                       fifty.distance_m = 50000.0;
                       return median_seconds(runs, [&] { dza::geodesic_buffer(line.features[0].geometry, fifty); });
                   }});
    all.push_back({"buffer-circles", "buffer: the default deployments", {16}, 16, [](std::size_t) { return 5; },
                   [](const Data& data, std::size_t, int runs, Figures&) {
                       const dza::Layer deployments = data.load("deployments.geojson");
                       const std::size_t radius = deployments.require_field("radius_km");
                       return median_seconds(runs, [&] {
                           for (const auto& f : deployments.features) {
                               dza::BufferOptions o;
                               o.distance_m = f.values[radius].get<double>() * 1000.0;
                               dza::geodesic_buffer(f.geometry, o);
                           }
                       });
                   }});
    all.push_back({"zones", "zones: regions cut by a grid", {27, 100, 1000}, 1000,
                   [](std::size_t) { return 3; },
                   [](const Data& data, std::size_t n, int runs, Figures& figures) {
                       const dza::Layer regions = gridded_regions(data.load("regions.geojson"), zones_cell_deg(n));
                       const dza::Layer line = data.load("ceasefire_line.geojson");
                       figures["size"] = static_cast<double>(regions.features.size());
                       dza::ControlledSide kyiv;
                       kyiv.contains = dza::LonLat{30.52, 50.45};
                       return median_seconds(runs, [&] {
                           const dza::Territory t = dza::split_territory(regions, line, kyiv);
                           dza::ZonesOptions o;
                           o.eligibility.standoff_m = 100000.0;
                           dza::compute_zones(regions, t, o);
                       });
                   }});
    all.push_back({"optimize", "optimize: 10 sites among grid candidates", {1000, 10000}, 1000, [](std::size_t) { return 1; },
                   [](const Data& data, std::size_t n, int runs, Figures& figures) { return optimize_case(data, n, runs, figures); }});
    all.push_back({"run", "run: the default scenario", {1}, 1, [](std::size_t) { return 5; },
                   [](const Data& data, std::size_t, int runs, Figures&) {
                       const dza::Scenario scenario = dza::load_scenario(data.dir + "/scenario.yaml");
                       char pattern[] = "/tmp/dza-bench-XXXXXX";
                       const std::string dir = mkdtemp(pattern);
                       dza::RunOptions o;
                       o.output_dir = dir;
                       const double t = median_seconds(runs, [&] { dza::run_scenario(scenario, o); });
                       fs::remove_all(dir);
                       return t;
                   }});
    return all;
}

// ---------------------------------------------------------------------------------------------
// One case in its own process: the median and the child's peak resident memory (wait4).

struct Measured {
    bool ok = false;
    double median_s = 0;
    double peak_mb = 0;
    Figures figures;
    std::string error;
};

// `one_thread`: with DZA_THREADS=1 in the child's environment.
Measured measure_in_child(const std::string& self, const std::string& data_dir, const std::string& name, std::size_t size, bool one_thread = false) {
    Measured m;
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const std::string size_text = std::to_string(size);
    std::vector<std::string> args = {self, data_dir, "--case", name, "--size", size_text};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_text;
    for (char** e = environ; *e; ++e)
        if (!one_thread || std::strncmp(*e, "DZA_THREADS=", 12) != 0) env_text.emplace_back(*e);
    if (one_thread) env_text.emplace_back("DZA_THREADS=1");
    std::vector<char*> env;
    for (auto& e : env_text) env.push_back(e.data());
    env.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (spawned != 0) {
        close(out[0]);
        m.error = std::string("cannot start ") + self + ": " + std::strerror(spawned);
        return m;
    }
    std::string text;
    char buffer[4096];
    for (ssize_t got; (got = read(out[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(got));
    close(out[0]);
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    m.peak_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = line.substr(0, eq);
        const double value = std::strtod(line.c_str() + eq + 1, nullptr);
        if (key == "median_s") m.median_s = value;
        else m.figures[key] = value;
    }
    m.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && m.median_s > 0;
    if (!m.ok) m.error = "the case failed (run dza_bench " + data_dir + " --case " + name + " --size " + size_text + " to see why)";
    return m;
}

// ---------------------------------------------------------------------------------------------
// PostGIS through psql: the same points, line, regions and deployments, loaded with \copy.

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

class Psql {
public:
    Psql(std::string command, fs::path dir) : command_(std::move(command)), dir_(std::move(dir)) {}

    // Runs a script; returns psql's output (stdout and stderr) and whether it succeeded.
    bool run(const std::string& script, std::string& output) const {
        const fs::path file = dir_ / "script.sql";
        std::ofstream(file) << "\\set ON_ERROR_STOP 1\n" << script;
        const std::string command = command_ + " -X -q -A -t -f " + shell_quote(file.string()) + " 2>&1";
        std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(command.c_str(), "r"), &pclose);
        if (!pipe) return false;
        output.clear();
        char buffer[65536];
        for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0;) output.append(buffer, got);
        const int status = pclose(pipe.release());
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }

    // Times `sql` `runs` times in one session (psql's \timing, client-side wall time of each
    // statement) after one untimed run; empty when a run fails or takes longer than `timeout_s`.
    std::vector<double> time(const std::string& sql, int runs, double timeout_s, std::string& last_output) const {
        // JIT off: it compiles each query anew (0.1-0.3 s here) and cannot speed up PostGIS's C.
        std::string script = "SET statement_timeout = '" + std::to_string(static_cast<long>(timeout_s * 1000)) + "ms';\nSET jit = off;\n\\timing on\n";
        for (int i = 0; i <= runs; ++i) script += sql + ";\n";
        std::string output;
        if (!run(script, output)) {
            last_output = output;
            return {};
        }
        std::vector<double> seconds;
        std::istringstream lines(output);
        std::string rows;
        for (std::string line; std::getline(lines, line);) {
            if (line.rfind("Time: ", 0) == 0) seconds.push_back(std::strtod(line.c_str() + 6, nullptr) / 1000.0);
            else if (line != "SET" && !line.empty() && line.rfind("Timing is", 0) != 0) rows += line + "\n";
        }
        if (seconds.size() != static_cast<std::size_t>(runs) + 1) {
            last_output = output;
            return {};
        }
        seconds.erase(seconds.begin());  // the warm-up
        last_output = rows;
        return seconds;
    }

    const fs::path& dir() const { return dir_; }

private:
    std::string command_;
    fs::path dir_;
};

std::string number17(double v) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    return buffer;
}

// A layer as CSV (id, wkt[, radius_km]) for \copy; coordinates printed to round-trip exactly.
fs::path write_csv(const fs::path& dir, const std::string& name, const dza::Layer& layer, std::optional<std::size_t> radius_field = {}) {
    const fs::path file = dir / (name + ".csv");
    std::ofstream out(file);
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        const auto& f = layer.features[i];
        out << i << ",\"" << f.geometry.to_wkt(17) << '"';
        if (radius_field) out << ',' << number17(f.values[*radius_field].get<double>());
        out << '\n';
    }
    return file;
}

std::string load_sql(const std::string& table, const fs::path& csv, bool with_radius) {
    const std::string staging = table + "_csv";
    std::string sql = "DROP TABLE IF EXISTS " + table + ", " + staging + ";\n";
    sql += "CREATE TABLE " + staging + " (id bigint, wkt text" + (with_radius ? ", radius_km float8" : "") + ");\n";
    sql += "\\copy " + staging + " FROM " + shell_quote(csv.string()) + " CSV\n";
    sql += "CREATE TABLE " + table + " AS SELECT id, ST_GeomFromText(wkt, 4326) AS geom, ST_GeomFromText(wkt, 4326)::geography AS geog" +
           (with_radius ? ", radius_km * 1000 AS radius_m" : "") + " FROM " + staging + ";\n";
    sql += "DROP TABLE " + staging + ";\nCREATE INDEX ON " + table + " USING gist (geog);\nANALYZE " + table + ";\n";
    return sql;
}

// The SQL asked of PostGIS (see README.md, Benchmarks).
std::string distance_sql(std::size_t n) {
    return "SELECT count(*), max(d) FROM (SELECT ST_Distance(p.geog, l.geog) AS d FROM dza_bench_points_" + std::to_string(n) + " p, dza_bench_line l) s";
}

std::string coverage_sql(const std::string& sites) {
    return "WITH cov AS MATERIALIZED (SELECT ST_Union(ST_Buffer(geog, radius_m, 'quad_segs=64')::geometry) AS g FROM " + sites +
           "), terr AS MATERIALIZED (SELECT ST_Union(geom) AS g FROM dza_bench_regions) "
           "SELECT 'region', r.id, ST_Area(r.geog), ST_Area(ST_Intersection(r.geom, cov.g)::geography), "
           "(SELECT count(*) FROM " + sites + " s WHERE ST_DWithin(s.geog, r.geog, s.radius_m)) FROM dza_bench_regions r, cov "
           "UNION ALL SELECT 'total', 0, ST_Area(terr.g::geography), ST_Area(ST_Intersection(terr.g, cov.g)::geography), "
           "ST_Area(ST_Difference(terr.g, cov.g)::geography) FROM terr, cov "
           "UNION ALL SELECT 'line', l.id, ST_Length(l.geog), ST_Length(ST_Intersection(l.geom, cov.g)::geography), 0 FROM dza_bench_line l, cov "
           "UNION ALL SELECT 'target', m.id, ST_Area(m.geog), ST_Area(ST_Intersection(m.geom, cov.g)::geography), 0 FROM dza_bench_maritime m, cov";
}

// The distance from `p` to the nearest of the line's points sampled every 10 m along its
// geodesics: an independent check, within a few micrometres of the exact distance at 1 km and more.
double brute_force_m(const dza::Layer& line, dza::LonLat p) {
    double best = std::numeric_limits<double>::infinity();
    for (const auto& f : line.features) {
        for (const std::vector<dza::LonLat>& pts : f.geometry.paths()) {
            for (std::size_t k = 1; k < pts.size(); ++k)
                for (const dza::LonLat& q : dza::geodesic_path(pts[k - 1], pts[k], 10.0)) best = std::min(best, dza::geodesic_inverse(p, q).distance_m);
        }
    }
    return best;
}

// ---------------------------------------------------------------------------------------------
// Output

std::string with_commas(std::size_t n) {
    const std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string seconds_text(double s) {
    char buffer[32];
    if (s >= 100) std::snprintf(buffer, sizeof buffer, "%.0f s", s);
    else if (s >= 10) std::snprintf(buffer, sizeof buffer, "%.1f s", s);
    else if (s >= 1) std::snprintf(buffer, sizeof buffer, "%.2f s", s);
    else std::snprintf(buffer, sizeof buffer, "%.3f s", s);
    return buffer;
}

std::string format(const char* pattern, double a, double b = 0, double c = 0) {
    char buffer[256];
    std::snprintf(buffer, sizeof buffer, pattern, a, b, c);
    return buffer;
}

// "×9.8 for ×10 → n^0.99": how the time grew from the previous size.
std::string growth_text(double t0, double t1, double n0, double n1) {
    if (t0 <= 0 || t1 <= 0 || n1 <= n0) return "";
    const double exponent = std::log(t1 / t0) / std::log(n1 / n0);
    return format("×%.3g for ×%.3g → n^%.2f", t1 / t0, n1 / n0, exponent);
}

struct Row {
    std::string title;
    std::size_t size = 0;  // as asked of the case
    double count = 0;      // as the case reports it
    std::string size_text;
    Measured dza;
    std::optional<double> one_thread_s;  // the same with DZA_THREADS=1, when dza uses more
    std::string growth;
    std::optional<double> postgis_s;
    std::string postgis_note;  // when PostGIS did not run or did not finish
};

void print_table(const std::vector<Row>& rows, bool markdown, bool with_one_thread, bool with_postgis) {
    std::vector<std::vector<std::string>> cells;
    std::vector<std::string> header = {"case", "size", "median"};
    std::vector<bool> right = {false, true, true};
    const auto column = [&](const char* name, bool right_aligned) {
        header.push_back(name);
        right.push_back(right_aligned);
    };
    if (with_one_thread) column("1 thread", true);
    column("peak MB", true);
    column("growth", false);
    if (with_postgis) {
        column("PostGIS", true);
        column("PostGIS / dza", true);
        if (with_one_thread) column("PostGIS / dza 1 thread", true);
    }
    for (const Row& r : rows) {
        std::vector<std::string> c = {r.title, r.size_text, r.dza.ok ? seconds_text(r.dza.median_s) : "failed"};
        if (with_one_thread) c.push_back(r.one_thread_s ? seconds_text(*r.one_thread_s) : "");
        c.push_back(r.dza.ok ? format("%.0f", r.dza.peak_mb) : "");
        c.push_back(r.growth);
        if (with_postgis) {
            c.push_back(r.postgis_s ? seconds_text(*r.postgis_s) : r.postgis_note);
            c.push_back(r.postgis_s && r.dza.ok ? format("%.1f", *r.postgis_s / r.dza.median_s) : "");
            if (with_one_thread) c.push_back(r.postgis_s && r.one_thread_s ? format("%.1f", *r.postgis_s / *r.one_thread_s) : "");
        }
        cells.push_back(std::move(c));
    }
    if (markdown) {
        std::string line = "|";
        for (const auto& h : header) line += " " + h + " |";
        std::printf("%s\n|", line.c_str());
        for (std::size_t k = 0; k < header.size(); ++k) std::printf(" %s |", right[k] ? "---:" : "---");
        std::printf("\n");
        for (const auto& c : cells) {
            line = "|";
            for (const auto& v : c) line += " " + v + " |";
            std::printf("%s\n", line.c_str());
        }
        return;
    }
    // Column widths in characters (× and → are one column each, three bytes in UTF-8).
    const auto width = [](const std::string& s) {
        std::size_t w = 0;
        for (unsigned char ch : s) w += (ch & 0xC0) != 0x80;
        return w;
    };
    std::vector<std::size_t> widths(header.size(), 0);
    for (std::size_t k = 0; k < header.size(); ++k) widths[k] = width(header[k]);
    for (const auto& c : cells)
        for (std::size_t k = 0; k < c.size(); ++k) widths[k] = std::max(widths[k], width(c[k]));
    const auto print_row = [&](const std::vector<std::string>& c) {
        std::string line;
        for (std::size_t k = 0; k < c.size(); ++k) {
            const std::string pad(widths[k] - width(c[k]), ' ');
            line += (k ? "  " : "") + (right[k] ? pad + c[k] : c[k] + (k + 1 < c.size() ? pad : ""));
        }
        std::printf("%s\n", line.c_str());
    };
    print_row(header);
    std::vector<std::string> rule;
    for (std::size_t w : widths) rule.push_back(std::string(w, '-'));
    print_row(rule);
    for (const auto& c : cells) print_row(c);
}

std::string psql_command() {
    if (const char* psql = std::getenv("DZA_PG_PSQL"); psql && *psql) return psql;
    if (const char* pg = std::getenv("DZA_PG"); pg && *pg) {
        std::string conninfo = pg;
        if (conninfo.rfind("PG:", 0) == 0) conninfo = conninfo.substr(3);
        return "psql " + shell_quote(conninfo);
    }
    return "";
}

int run_one(const Data& data, const std::string& name, std::size_t size, std::optional<int> runs) {
    for (const Case& c : cases()) {
        if (c.name != name) continue;
        Figures figures;
        const double t = c.time(data, size, runs.value_or(c.runs(size)), figures);
        std::printf("median_s=%.9g\n", t);
        for (const auto& [key, value] : figures) std::printf("%s=%.17g\n", key.c_str(), value);
        return 0;
    }
    if (name == "startup") {  // the process floor: libraries and the line loaded, nothing run
        data.load("ceasefire_line.geojson");
        std::printf("median_s=1e-9\n");
        return 0;
    }
    std::fprintf(stderr, "dza_bench: no case \"%s\"\n", name.c_str());
    return 2;
}

int run_all(const std::string& self, const Data& data, bool quick, bool markdown, const std::string& only, double timeout_s) {
    const std::string psql = psql_command();
    const unsigned threads = dza::worker_count();
    std::printf("dza_bench: %u thread%s; each case and size in a process of its own; PostGIS %s\n", threads, threads == 1 ? "" : "s",
                psql.empty() ? "not given (DZA_PG), not compared" : "given, compared");
    std::fflush(stdout);

    const bool with_one_thread = dza::worker_count() > 1;
    std::vector<Row> rows;
    std::map<std::string, std::vector<std::size_t>> row_of;  // case name -> rows
    for (const Case& c : cases()) {
        if (!only.empty() && ("," + only + ",").find("," + c.name + ",") == std::string::npos) continue;
        for (std::size_t n : c.sizes) {
            if (quick && n > c.quick_limit) continue;
            Row r;
            r.size = n;
            r.dza = measure_in_child(self, data.dir, c.name, n);
            // A case may report the size it really had (zones: the regions the grid made).
            r.count = r.dza.figures.count("size") ? r.dza.figures.at("size") : static_cast<double>(n);
            r.size_text = with_commas(static_cast<std::size_t>(r.count));
            if (with_one_thread) {
                const Measured one = measure_in_child(self, data.dir, c.name, n, true);
                if (one.ok) r.one_thread_s = one.median_s;
            }
            if (!row_of[c.name].empty()) {
                const Row& prev = rows[row_of[c.name].back()];
                if (prev.dza.ok && r.dza.ok) r.growth = growth_text(prev.dza.median_s, r.dza.median_s, prev.count, r.count);
            }
            r.title = c.title;
            std::fprintf(stderr, "  %-18s %10s  %s  peak %.0f MB%s%s\n", c.name.c_str(), r.size_text.c_str(), r.dza.ok ? seconds_text(r.dza.median_s).c_str() : "failed",
                         r.dza.peak_mb, r.dza.ok ? "" : "  ", r.dza.error.c_str());
            row_of[c.name].push_back(rows.size());
            rows.push_back(std::move(r));
        }
    }
    const Measured floor = measure_in_child(self, data.dir, "startup", 0);

    // PostGIS: the same distance and coverage questions on the same data.
    std::vector<std::string> notes;
    // Site optimisation: what the time was spent on and how good the answer is proven to be.
    for (std::size_t k : row_of["optimize"]) {
        const Measured& m = rows[k].dza;
        if (!m.ok || !m.figures.count("greedy_s")) continue;
        char text[400];
        const double to_1pct_s = m.figures.count("gap_1pct_s") ? m.figures.at("gap_1pct_s") : -1;
        char to_1pct[64];
        if (to_1pct_s >= 0) std::snprintf(to_1pct, sizeof to_1pct, "proven gap <= 1%% at %.2f s", to_1pct_s);
        else std::snprintf(to_1pct, sizeof to_1pct, "proven gap never <= 1%%");
        std::snprintf(text, sizeof text, "optimize, %s candidates, %.0f demand pieces: greedy and swaps %.2f s (answer within %.3f%% of the final bound), %s, solver %.2f s in all (gap %.3f%%%s)",
                      rows[k].size_text.c_str(), m.figures.at("pieces"), m.figures.at("greedy_s"), m.figures.at("greedy_gap_pct"), to_1pct, m.figures.at("solve_s"),
                      m.figures.at("gap_pct"), m.figures.at("cbc") > 0 ? ", CBC" : ", no CBC: the program is too large");
        notes.push_back(text);
    }
    if (!psql.empty()) {
        char pattern[] = "/tmp/dza-bench-pg-XXXXXX";
        const fs::path dir = mkdtemp(pattern);
        const Psql db(psql, dir);
        std::string output;
        const auto load = [&](const std::string& sql, const char* what) {
            if (db.run(sql, output)) return true;
            notes.push_back(std::string("PostGIS: loading ") + what + " failed: " + output);
            return false;
        };
        const dza::Layer line = data.load("ceasefire_line.geojson"), regions = data.load("regions.geojson"), maritime = data.load("maritime_zone.geojson");
        bool loaded = load(load_sql("dza_bench_line", write_csv(dir, "line", line), false) + load_sql("dza_bench_regions", write_csv(dir, "regions", regions), false) +
                               load_sql("dza_bench_maritime", write_csv(dir, "maritime", maritime), false),
                           "the line, regions and maritime zone");
        std::vector<std::string> tables = {"dza_bench_line", "dza_bench_regions", "dza_bench_maritime"};
        bool gave_up = false;
        for (std::size_t k : row_of["distance"]) {
            Row& r = rows[k];
            if (!loaded) break;
            if (gave_up) {
                r.postgis_note = "skipped";
                continue;
            }
            const std::string table = "dza_bench_points_" + std::to_string(r.size);
            const dza::Layer points = random_points(r.size);
            if (!load(load_sql(table, write_csv(dir, "points", points), false), "points")) break;
            tables.push_back(table);
            const int runs = r.size >= 1000000 ? 3 : 5;
            const std::vector<double> t = db.time(distance_sql(r.size), runs, timeout_s, output);
            if (t.size() == static_cast<std::size_t>(runs)) {
                std::vector<double> sorted = t;
                std::sort(sorted.begin(), sorted.end());
                r.postgis_s = sorted[sorted.size() / 2];
            } else {
                r.postgis_note = output.find("statement timeout") != std::string::npos ? format("> %g s", timeout_s) : "failed";
                notes.push_back(r.postgis_note == "failed" ? "PostGIS distance failed: " + output
                                                           : format("PostGIS: the distance of %.0f points took more than %g s a run; larger sizes skipped",
                                                                    static_cast<double>(r.size), timeout_s));
                gave_up = true;
            }
            // The distances themselves, compared point by point (on 100,000 points at most).
            if (r.size <= 100000 && (r.size == 100000 || k == row_of["distance"].back() || rows[k + 1].size > 100000)) {
                const std::string sql = "\\copy (SELECT p.id, ST_Distance(p.geog, l.geog) FROM " + table + " p, dza_bench_line l ORDER BY p.id) TO STDOUT WITH CSV\n";
                if (db.run(sql, output)) {
                    const auto dza_results = dza::compute_distances(points, line);
                    std::vector<double> dza_m(points.features.size(), 0);
                    for (const auto& d : dza_results) dza_m[d.source] = d.nearest.distance_m;
                    double worst = 0, worst_pg_m = 0, sum = 0;
                    std::size_t worst_at = 0, count = 0, over_1m = 0;
                    std::istringstream lines(output);
                    for (std::string row; std::getline(lines, row);) {
                        const auto comma = row.find(',');
                        if (comma == std::string::npos) continue;
                        const std::size_t id = std::strtoull(row.c_str(), nullptr, 10);
                        const double pg_m = std::strtod(row.c_str() + comma + 1, nullptr);
                        const double diff = std::fabs(pg_m - dza_m.at(id));
                        sum += diff;
                        ++count;
                        if (diff > 1.0) ++over_1m;
                        if (diff > worst) worst = diff, worst_at = id, worst_pg_m = pg_m;
                    }
                    if (count == points.features.size()) {
                        const dza::LonLat at = points.features[worst_at].geometry.paths().at(0).at(0);
                        const double lon = at.lon, lat = at.lat;
                        char text[480];
                        std::snprintf(text, sizeof text,
                                      "distance check: PostGIS ST_Distance(geography) and dza over %s points: mean difference %.3f m, max %.3f m "
                                      "at (%.4f, %.4f): PostGIS %.4f km, dza %.4f km, a brute force over the line sampled every 10 m along its "
                                      "geodesics %.4f km; %zu points differ by more than 1 m",
                                      with_commas(count).c_str(), sum / static_cast<double>(count), worst, lon, lat, worst_pg_m / 1000.0,
                                      dza_m[worst_at] / 1000.0, brute_force_m(line, {lon, lat}) / 1000.0, over_1m);
                        notes.push_back(text);
                    } else {
                        notes.push_back("distance check: PostGIS returned " + std::to_string(count) + " distances for " + std::to_string(points.features.size()) + " points");
                    }
                }
            }
        }
        for (const char* name : {"coverage-default", "coverage"}) {
            gave_up = false;
            for (std::size_t k : row_of[name]) {
                Row& r = rows[k];
                if (!loaded) break;
                if (gave_up) {
                    r.postgis_note = "skipped";
                    continue;
                }
                const dza::Layer sites = std::string(name) == "coverage" ? random_sites(r.size) : data.load("deployments.geojson");
                const std::string table = std::string(name) == "coverage" ? "dza_bench_sites_" + std::to_string(r.size) : "dza_bench_deployments";
                if (!load(load_sql(table, write_csv(dir, "sites", sites, sites.require_field("radius_km")), true), "deployments")) break;
                tables.push_back(table);
                const int runs = r.size >= 10000 ? 3 : 5;
                const std::vector<double> t = db.time(coverage_sql(table), runs, timeout_s, output);
                if (t.size() != static_cast<std::size_t>(runs)) {
                    r.postgis_note = output.find("statement timeout") != std::string::npos ? format("> %g s", timeout_s) : "failed";
                    notes.push_back(r.postgis_note == "failed" ? "PostGIS coverage failed: " + output
                                                               : format("PostGIS: the coverage of %.0f deployments took more than %g s a run; larger sizes skipped",
                                                                        static_cast<double>(r.size), timeout_s));
                    gave_up = true;
                    continue;
                }
                std::vector<double> sorted = t;
                std::sort(sorted.begin(), sorted.end());
                r.postgis_s = sorted[sorted.size() / 2];
                // The territory's covered area, both ways.
                std::istringstream lines(output);
                for (std::string row; std::getline(lines, row);) {
                    if (row.rfind("total|", 0) != 0) continue;
                    std::vector<double> v;
                    std::istringstream cols(row.substr(6));
                    for (std::string col; std::getline(cols, col, '|');) v.push_back(std::strtod(col.c_str(), nullptr));
                    if (v.size() >= 3 && r.dza.figures.count("covered_km2")) {
                        notes.push_back(format("coverage check, %.0f deployments: territory covered %.2f%% (dza) and ", static_cast<double>(r.size),
                                               100.0 * r.dza.figures.at("covered_km2") / r.dza.figures.at("area_km2")) +
                                        format("%.2f%% (PostGIS)", 100.0 * v[2] / v[1]));
                    }
                    break;
                }
            }
        }
        std::string drop = "DROP TABLE IF EXISTS";
        for (std::size_t i = 0; i < tables.size(); ++i) drop += (i ? ", " : " ") + tables[i];
        db.run(drop + ";\n", output);
        fs::remove_all(dir);
    }

    std::printf("\n");
    print_table(rows, markdown, with_one_thread, !psql.empty());
    std::printf("\nprocess floor (libraries and one small layer loaded): %.0f MB\n", floor.peak_mb);
    for (const auto& n : notes) std::printf("%s\n", n.c_str());
    bool all_ok = true;
    for (const Row& r : rows) all_ok = all_ok && r.dza.ok;
    return all_ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') {
        std::fprintf(stderr, "usage: dza_bench DATA_DIR [--quick] [--markdown] [--only CASE,...] [--pg-timeout S]\n       dza_bench DATA_DIR --case NAME --size N [--runs R]\n");
        return 2;
    }
    Data data;
    data.dir = argv[1];
    bool quick = false, markdown = false;
    std::string name, only;
    double pg_timeout_s = 120;
    std::size_t size = 0;
    std::optional<int> runs;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--quick") quick = true;
        else if (a == "--markdown") markdown = true;
        else if (a == "--case" && i + 1 < argc) name = argv[++i];
        else if (a == "--only" && i + 1 < argc) only = argv[++i];
        else if (a == "--pg-timeout" && i + 1 < argc) pg_timeout_s = std::strtod(argv[++i], nullptr);
        else if (a == "--size" && i + 1 < argc) size = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--runs" && i + 1 < argc) runs = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "dza_bench: unknown argument \"%s\"\n", a.c_str());
            return 2;
        }
    }
    try {
        if (!name.empty()) return run_one(data, name, size, runs);
        return run_all(fs::read_symlink("/proc/self/exe").string(), data, quick, markdown, only, pg_timeout_s);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dza_bench: %s\n", e.what());
        return 1;
    }
}
