#include "dza/threads.hpp"

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace dza {

unsigned worker_count() {
    if (const char* env = std::getenv("DZA_THREADS")) {
        const int n = std::atoi(env);
        if (n >= 1) return static_cast<unsigned>(n);
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace dza
