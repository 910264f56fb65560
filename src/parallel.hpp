#pragma once
// Work split across cores with results kept in input order: callers write by index only.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dza/callbacks.hpp"
#include "dza/error.hpp"
#include "dza/threads.hpp"

namespace dza {

// Calls body(begin, end) over [0, n) in chunks on worker_count() threads. Progress is reported
// from the calling thread only. When bodies throw, the exception of the earliest chunk is
// rethrown after all threads stop: chunks are handed out in order and a started chunk always
// finishes, so that is the error a serial run meets first, whatever the number of threads.
// When the progress callback asks to stop, the work stops and a DataError "<message> cancelled"
// is thrown: a caller never sees partial results as if they were whole.
inline void parallel_for(std::size_t n, const std::function<void(std::size_t, std::size_t)>& body, const Callbacks& callbacks = {},
                         const std::string& message = {}, std::size_t chunk = 2048) {
    if (n == 0) return;
    chunk = std::max<std::size_t>(chunk, 1);
    const unsigned threads = static_cast<unsigned>(std::min<std::size_t>(worker_count(), (n + chunk - 1) / chunk));
    std::atomic<std::size_t> next{0}, done{0};
    std::exception_ptr error;
    std::size_t error_begin = n;
    std::mutex error_mutex;
    std::atomic<bool> stop{false};
    bool cancelled = false;  // set and read on this thread only
    const auto work = [&](bool reporter) {
        while (!stop) {
            const std::size_t begin = next.fetch_add(chunk);
            if (begin >= n) break;
            const std::size_t end = std::min(n, begin + chunk);
            try {
                body(begin, end);
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (begin < error_begin) {
                    error = std::current_exception();
                    error_begin = begin;
                }
                stop = true;
            }
            done += end - begin;
            if (reporter && !callbacks.report(static_cast<double>(done) / static_cast<double>(n), message)) stop = cancelled = true;
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, false);
    work(true);
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
    if (cancelled) throw DataError(message.empty() ? std::string("cancelled") : message + " cancelled");
}

}  // namespace dza
