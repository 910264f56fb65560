// Text a user types: layer references (dza::LayerRef::parse, display, redact_source) and the
// distance and speed parsers of dza/units.hpp. Besides crashes, each parser's promise is checked:
// a distance is finite (and not negative unless asked), a speed finite and positive, and a
// reference without a password reads back the same after display().
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dza/layer.hpp"
#include "dza/units.hpp"
#include "fuzz_common.hpp"

namespace {

void require(bool ok, const char* what, const std::string& input) {
    if (ok) return;
    std::fprintf(stderr, "fuzz: %s for input \"%s\"\n", what, input.c_str());
    std::abort();
}

bool same(const dza::LayerRef& a, const dza::LayerRef& b) {
    return a.source == b.source && a.layer_name == b.layer_name && a.layer_index == b.layer_index && a.where == b.where && a.crs == b.crs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    using dza::fuzz::expect_dza_errors_only;

    expect_dza_errors_only([&] {
        const dza::LayerRef ref = dza::LayerRef::parse(text);
        const std::string shown = ref.display();
        if (dza::redact_source(ref.source) == ref.source) require(same(dza::LayerRef::parse(shown), ref), "display() does not read back", text);
    });
    expect_dza_errors_only([&] { (void)dza::redact_source(text); });

    for (const bool allow_negative : {false, true}) {
        expect_dza_errors_only([&] {
            const double m = dza::parse_distance_m(text, "distance", allow_negative);
            require(std::isfinite(m), "parse_distance_m returned a non-finite distance", text);
            require(allow_negative || m >= 0, "parse_distance_m returned a negative distance", text);
        });
    }
    expect_dza_errors_only([&] {
        for (const double m : dza::parse_distance_list_m(text)) require(std::isfinite(m) && m >= 0, "parse_distance_list_m returned a bad distance", text);
    });
    expect_dza_errors_only([&] {
        const double kmh = dza::parse_speed_kmh(text);
        require(std::isfinite(kmh) && kmh > 0, "parse_speed_kmh returned a bad speed", text);
    });
    return 0;
}
