#pragma once
// How the library talks back without printing: progress and warnings go through callbacks
// that the caller (the CLI, a test) chooses to show, collect or ignore.
#include <functional>
#include <string>
#include <string_view>

namespace dza {

// fraction in [0, 1]; returns false to cancel the work.
using ProgressFn = std::function<bool(double fraction, std::string_view message)>;
using WarnFn = std::function<void(const std::string& message)>;

struct Callbacks {
    ProgressFn progress;
    WarnFn warn;

    bool report(double fraction, std::string_view message) const { return !progress || progress(fraction, message); }
    void warning(const std::string& message) const {
        if (warn) warn(message);
    }
};

}  // namespace dza
