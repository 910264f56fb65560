#include "dza/threads.hpp"

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace dza {

namespace {
thread_local unsigned limit = 0;  // 0: none
}  // namespace

unsigned worker_count() {
    if (limit > 0) return limit;
    if (const char* env = std::getenv("DZA_THREADS")) {
        const int n = std::atoi(env);
        if (n >= 1) return static_cast<unsigned>(n);
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

WorkerCountLimit::WorkerCountLimit(unsigned count) : previous_(limit) { limit = std::max(1u, count); }

WorkerCountLimit::~WorkerCountLimit() { limit = previous_; }

}  // namespace dza
