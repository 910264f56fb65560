#pragma once
// How many threads dza's analyses use.

namespace dza {

// Threads to use: on a thread under a WorkerCountLimit, its count; else DZA_THREADS when set
// (1 = serial), else every core.
unsigned worker_count();

// While it lives, worker_count() on the thread that made it returns `count` (at least 1): work
// that runs several analyses side by side (dza sweep's variants) gives each one thread.
class WorkerCountLimit {
public:
    explicit WorkerCountLimit(unsigned count);
    ~WorkerCountLimit();
    WorkerCountLimit(const WorkerCountLimit&) = delete;
    WorkerCountLimit& operator=(const WorkerCountLimit&) = delete;

private:
    unsigned previous_;
};

}  // namespace dza
