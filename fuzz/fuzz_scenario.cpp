// The scenario parser (dza::load_scenario) on arbitrary bytes, written to a file of its own.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "dza/scenario.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const dza::fuzz::PrivateFolder folder;
    static const std::string path = (folder.path() / "scenario.yaml").string();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) {
        std::perror("fuzz: writing the scenario");
        std::abort();
    }
    dza::fuzz::expect_dza_errors_only([&] {
        const dza::Scenario s = dza::load_scenario(path);
        for (const auto& [role, layer] : s.layers) (void)layer.ref.display();
    });
    return 0;
}
