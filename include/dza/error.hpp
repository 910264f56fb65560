#pragma once
// Errors the library throws. Each carries the process exit code the CLI should return:
// 1 for data that cannot be read or analysed, 2 for a request that is wrong in itself.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dza {

// The exit codes of the dza command line, one for each kind of outcome.
enum class ExitCode : int {
    Ok = 0,     // done; for dza check, the plan passed
    Data = 1,   // the data cannot be read or analysed, or dza check found a breach
    Usage = 2,  // the request is wrong in itself
};
constexpr int exit_status(ExitCode code) noexcept { return static_cast<int>(code); }

class Error : public std::runtime_error {
public:
    Error(const std::string& message, ExitCode exit_code) : std::runtime_error(message), exit_code_(exit_code) {}
    ExitCode exit_code() const noexcept { return exit_code_; }

private:
    ExitCode exit_code_;
};

// The input data cannot be read or analysed (missing file, unreadable format, empty layer,
// coordinates out of range, failed geometry operation). Exit code 1.
class DataError : public Error {
public:
    explicit DataError(const std::string& message) : Error(message, ExitCode::Data) {}
};

// The request is wrong in itself (bad unit, unknown layer or field, unwritable output). Exit code 2.
class UsageError : public Error {
public:
    explicit UsageError(const std::string& message) : Error(message, ExitCode::Usage) {}
};

// The one way to say where an error happened: `e` thrown again as the same kind (DataError or
// UsageError) with "<context>: " before its message (unchanged when `context` is empty).
[[noreturn]] void rethrow_with_context(const Error& e, std::string_view context);

// Runs fn(); an Error it throws comes out with context() before its message. `context` is
// called only then, so building the text costs nothing on success.
template <typename Fn, typename ContextFn>
auto with_context(ContextFn&& context, Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const Error& e) {
        rethrow_with_context(e, context());
    }
}

// `text` cut to at most `max_chars` bytes (never inside a UTF-8 sequence), ending "..." when cut,
// with line breaks as spaces: values quoted in one-line messages.
std::string cut_short(const std::string& text, std::size_t max_chars = 80);

// The closest of `candidates` to `word` by edit distance, or "" when none is close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace dza
