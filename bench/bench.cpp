// dza_bench: times the library's analyses on generated inputs of growing size.
// Usage: dza_bench DATA_DIR [--quick]   (scripts/bench builds and runs it)
// Prints one line per case: name, size, median wall time of several runs, throughput.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "dza/buffer.hpp"
#include "dza/coverage.hpp"
#include "dza/distance.hpp"
#include "dza/run.hpp"
#include "dza/scenario.hpp"
#include "dza/territory.hpp"
#include "dza/zones.hpp"
#include "dza/layer.hpp"

namespace {

double median_seconds(int runs, const std::function<void()>& fn) {
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
        const auto start = std::chrono::steady_clock::now();
        fn();
        times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

long peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
}

// Points spread over Ukraine and its surroundings (lon 20..42, lat 43..54), fixed seed.
dza::Layer random_points(std::size_t n) {
    dza::Layer layer;
    layer.name = "points";
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> lon(20.0, 42.0), lat(43.0, 54.0);
    layer.features.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        dza::Feature f;
        f.fid = static_cast<std::int64_t>(i);
        f.geometry = dza::Geometry::point({lon(rng), lat(rng)});
        layer.features.push_back(std::move(f));
    }
    return layer;
}

void report(const char* name, std::size_t size, double seconds, const char* unit) {
    std::printf("%-34s %10zu %10.3f s %12.0f %s/s   peak %ld MB\n", name, size, seconds, static_cast<double>(size) / seconds, unit, peak_rss_mb());
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: dza_bench DATA_DIR [--quick]\n");
        return 2;
    }
    const std::string data = argv[1];
    const bool quick = argc > 2 && std::strcmp(argv[2], "--quick") == 0;
    dza::LoadOptions quiet;
    const dza::Layer line = dza::load_layer(dza::LayerRef::parse(data + "/ceasefire_line.geojson"), quiet);

    std::printf("%-34s %10s %12s %16s\n", "case", "size", "median", "throughput");
    const std::vector<std::size_t> sizes = quick ? std::vector<std::size_t>{10000, 100000} : std::vector<std::size_t>{10000, 100000, 1000000};
    for (std::size_t n : sizes) {
        const dza::Layer points = random_points(n);
        const int runs = n >= 1000000 ? 3 : 5;
        const double t = median_seconds(runs, [&] { dza::compute_distances(points, line); });
        report("distance: points to the line", n, t, "points");
    }

    // Coverage: the default scenario, and 100 to 10k random deployments over western and central
    // Ukraine (reach 50-150 km) over the regions, the line and the maritime zone.
    {
        const dza::Layer cov_regions = dza::load_layer(dza::LayerRef::parse(data + "/regions.geojson"), quiet);
        const dza::Layer cov_deployments = dza::load_layer(dza::LayerRef::parse(data + "/deployments.geojson"), quiet);
        const dza::Layer maritime = dza::load_layer(dza::LayerRef::parse(data + "/maritime_zone.geojson"), quiet);
        dza::CoverageOptions by_field;
        by_field.radius_field = "radius_km";
        report("coverage: default scenario", cov_deployments.features.size(),
               median_seconds(5, [&] { dza::compute_coverage(cov_deployments, cov_regions, &line, {&maritime}, by_field); }), "deployments");
        for (std::size_t n : {100, 1000, 10000}) {
            dza::Layer sites;
            sites.name = "sites";
            sites.fields = {{"radius_km", dza::FieldType::Real}};
            std::mt19937_64 rng(7);
            std::uniform_real_distribution<double> lon(22.5, 33.0), lat(46.5, 51.5), reach_km(50.0, 150.0);
            for (std::size_t i = 0; i < n; ++i) {
                dza::Feature f;
                f.fid = static_cast<std::int64_t>(i);
                f.geometry = dza::Geometry::point({lon(rng), lat(rng)});
                f.values = {reach_km(rng)};
                sites.features.push_back(std::move(f));
            }
            const double t = median_seconds(n >= 10000 ? 3 : 5, [&] { dza::compute_coverage(sites, cov_regions, &line, {&maritime}, by_field); });
            report("coverage: random deployments", n, t, "deployments");
        }
    }

    // Buffers: the line at 50 km, and the default deployments at their radius_km.
    dza::BufferOptions fifty;
    fifty.distance_m = 50000.0;
    report("buffer: the line at 50 km", 1, median_seconds(5, [&] { dza::geodesic_buffer(line.features[0].geometry, fifty); }), "buffers");
    const dza::Layer deployments = dza::load_layer(dza::LayerRef::parse(data + "/deployments.geojson"), quiet);
    const std::size_t radius = deployments.require_field("radius_km");
    const double t_circles = median_seconds(5, [&] {
        for (const auto& f : deployments.features) {
            dza::BufferOptions o;
            o.distance_m = f.values[radius].get<double>() * 1000.0;
            dza::geodesic_buffer(f.geometry, o);
        }
    });
    report("buffer: deployments at radius_km", deployments.features.size(), t_circles, "circles");

    // Zones: split the territory and remove a 100 km stand-off, by region and band.
    const dza::Layer regions = dza::load_layer(dza::LayerRef::parse(data + "/regions.geojson"), quiet);
    dza::ControlledSide kyiv;
    kyiv.contains = dza::LonLat{30.52, 50.45};
    const double t_zones = median_seconds(3, [&] {
        const dza::Territory t = dza::split_territory(regions, line, kyiv);
        dza::ZonesOptions o;
        o.standoff_m = 100000.0;
        dza::compute_zones(regions, t, o);
    });
    report("zones: default scenario", regions.features.size(), t_zones, "regions");

    // The default run: every analysis, every file, the report.
    {
        const dza::Scenario scenario = dza::load_scenario(data + "/scenario.yaml");
        char pattern[] = "/tmp/dza-bench-XXXXXX";
        const std::string dir = mkdtemp(pattern);
        dza::RunOptions o;
        o.output_dir = dir;
        report("run: the default scenario", 1, median_seconds(5, [&] { dza::run_scenario(scenario, o); }), "runs");
        std::filesystem::remove_all(dir);
    }
    return 0;
}
