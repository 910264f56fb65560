// Uses only the installed public headers: a geodesic distance and a layer of the installed data.
#include <cstdio>

#include <dza/error.hpp>
#include <dza/geodesic.hpp>
#include <dza/layer.hpp>
#include <dza/version.hpp>

int main() {
    try {
        // One degree of longitude along the equator.
        const dza::GeodesicInverse g = dza::geodesic_inverse({0.0, 0.0}, {1.0, 0.0});
        std::printf("version %s\n", dza::version);
        std::printf("equator_degree_m %.6f\n", g.distance_m);
        dza::LayerRef ref;
        ref.source = std::string(DZA_DATA_DIR) + "/regions.geojson";
        const dza::Layer regions = dza::load_layer(ref);
        std::printf("regions %zu\n", regions.features.size());
        return 0;
    } catch (const dza::DataError& e) {
        std::fprintf(stderr, "dza_consumer: %s\n", e.what());
        return 1;
    }
}
