#pragma once
// How many threads dza's analyses use.

namespace dza {

// Threads to use: DZA_THREADS when set (1 = serial), else every core.
unsigned worker_count();

}  // namespace dza
