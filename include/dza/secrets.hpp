#pragma once
// Passwords never leave dza. Connection strings (libpq's `key=value` form with its quoting and
// escaping, and `postgresql://` URIs) are parsed by libpq's rules; every password found is hidden
// where it stands and remembered, so that any message, warning or document that would otherwise
// carry it (in whatever form a driver echoes it) has it replaced by `***` on the way out.
#include <string>
#include <string_view>

namespace dza {

// `text` with the value of every `password=` / `sslpassword=` (libpq quoting and escaping) and
// the password of every postgres URI (userinfo and `?password=` parameters) replaced by `***`.
// A quote that never closes hides everything after `password`. Remembers what it hides, then
// also hides every secret already known. For sources and raw driver messages.
std::string redact_source(std::string_view text);

// Finds the passwords in `text` (connection strings, URIs, the `service=` entries they name in
// pg_service.conf) and remembers them for scrub_secrets. Cheap and idempotent.
void remember_secrets(std::string_view text);
void remember_secret(std::string_view value);

// `text` with every remembered secret replaced by `***` (secrets shorter than
// min_scrubbed_secret are hidden only where they stand in a connection string). For every
// message and document that leaves dza.
std::string scrub_secrets(std::string_view text);
inline constexpr std::size_t min_scrubbed_secret = 3;

// Where the connection string at the start of `text` ends: for `PG:key=value ...` the first `|`
// outside a quoted or escaped value, for URIs the first `|` after the userinfo; otherwise the
// first `|`. npos when the whole text is the source.
std::size_t source_end(std::string_view text);

}  // namespace dza
