#include "dza/secrets.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

namespace dza {

namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

char lower_char(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Position of `word` in `s` at or after `from`, ignoring case; npos when absent.
std::size_t find_ci(std::string_view s, std::string_view word, std::size_t from = 0) {
    if (word.size() > s.size()) return std::string_view::npos;
    for (std::size_t i = from; i + word.size() <= s.size(); ++i) {
        std::size_t k = 0;
        while (k < word.size() && lower_char(s[i + k]) == word[k]) ++k;
        if (k == word.size()) return i;
    }
    return std::string_view::npos;
}

bool starts_with_ci(std::string_view s, std::size_t pos, std::string_view word) {
    return pos <= s.size() && find_ci(s.substr(pos, word.size()), word) == 0;
}

std::size_t skip_spaces(std::string_view s, std::size_t pos) {
    while (pos < s.size() && is_space(s[pos])) ++pos;
    return pos;
}

struct Value {
    std::size_t end = 0;  // one past the value (past its closing quote)
    std::string decoded;  // as libpq reads it
};

// One conninfo value from `pos` by libpq's rules (fe-connect.c, conninfo_parse): in single quotes
// with backslash escapes, or up to the next white space with backslash escapes. nullopt when a
// quote never closes.
std::optional<Value> read_value(std::string_view s, std::size_t pos) {
    Value v;
    if (pos < s.size() && s[pos] == '\'') {
        ++pos;
        while (pos < s.size()) {
            if (s[pos] == '\\') {
                if (pos + 1 >= s.size()) return std::nullopt;
                v.decoded += s[pos + 1];
                pos += 2;
            } else if (s[pos] == '\'') {
                v.end = pos + 1;
                return v;
            } else {
                v.decoded += s[pos++];
            }
        }
        return std::nullopt;
    }
    while (pos < s.size() && !is_space(s[pos])) {
        if (s[pos] == '\\') {
            ++pos;
            if (pos < s.size()) v.decoded += s[pos++];
        } else {
            v.decoded += s[pos++];
        }
    }
    v.end = pos;
    return v;
}

// Does `s` from `pos` parse as libpq `key = value ...` pairs? (Unknown keys are fine here: GDAL
// adds its own, such as tables= and schemas=.)
bool conninfo_syntax_ok(std::string_view s, std::size_t pos) {
    for (;;) {
        pos = skip_spaces(s, pos);
        if (pos >= s.size()) return true;
        while (pos < s.size() && s[pos] != '=' && !is_space(s[pos])) ++pos;
        pos = skip_spaces(s, pos);
        if (pos >= s.size() || s[pos] != '=') return false;
        pos = skip_spaces(s, pos + 1);
        const auto v = read_value(s, pos);
        if (!v) return false;
        pos = v->end;
    }
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) && std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

struct Span {
    std::size_t begin = 0, end = 0;
};

struct Analysis {
    std::vector<Span> hide;            // to replace by ***
    std::vector<std::string> secrets;  // decoded values (and their raw forms)
    std::vector<std::string> conninfos;  // strings to hand to PQconninfoParse
};

bool is_uri_at(std::string_view s, std::size_t pos) { return starts_with_ci(s, pos, "postgresql://") || starts_with_ci(s, pos, "postgres://"); }

void analyse_uris(std::string_view s, Analysis& out) {
    std::size_t from = 0;
    for (;;) {
        const std::size_t a = find_ci(s, "postgres", from);
        if (a == std::string_view::npos) return;
        from = a + 1;
        if (!is_uri_at(s, a)) continue;
        const std::size_t authority = s.find("://", a) + 3;
        std::size_t end = authority;
        while (end < s.size() && !is_space(s[end])) ++end;
        const std::string_view token = s.substr(a, end - a);
        out.conninfos.emplace_back(token);
        // userinfo: libpq ends it at the first '@' before any '/'; hide up to the last '@' of the
        // token so that an unencoded '/' or '?' in a password is hidden too.
        const std::size_t at = s.rfind('@', end - 1);
        std::size_t query_from = authority;
        if (at != std::string_view::npos && at >= authority) {
            query_from = at;
            const std::size_t colon = s.find(':', authority);
            if (colon < at) {
                out.hide.push_back({colon + 1, at});
                const std::string_view raw = s.substr(colon + 1, at - colon - 1);
                out.secrets.emplace_back(raw);
                out.secrets.push_back(percent_decode(raw));
                // A driver that misreads the URI may echo a piece of it (as a port, a database).
                std::size_t p = 0;
                while (p < raw.size()) {
                    std::size_t q = raw.find_first_of(":/?#&", p);
                    if (q == std::string_view::npos) q = raw.size();
                    out.secrets.push_back(percent_decode(raw.substr(p, q - p)));
                    p = q + 1;
                }
            }
        }
        const std::size_t question = s.find('?', query_from);
        if (question == std::string_view::npos || question >= end) continue;
        std::size_t p = question + 1;
        while (p < end) {
            std::size_t amp = s.find('&', p);
            if (amp == std::string_view::npos || amp > end) amp = end;
            const std::size_t eq = s.find('=', p);
            if (eq < amp && find_ci(percent_decode(s.substr(p, eq - p)), "password") != std::string_view::npos) {
                out.hide.push_back({eq + 1, amp});
                out.secrets.emplace_back(s.substr(eq + 1, amp - eq - 1));
                out.secrets.push_back(percent_decode(s.substr(eq + 1, amp - eq - 1)));
            }
            p = amp + 1;
        }
    }
}

// `password = value` (also sslpassword, any case) anywhere in `s`, by libpq's value rules.
void analyse_keywords(std::string_view s, Analysis& out) {
    std::size_t from = 0;
    for (;;) {
        const std::size_t k = find_ci(s, "password", from);
        if (k == std::string_view::npos) return;
        from = k + 8;
        // A URI's ?password= parameter ends at '&': analyse_uris hides it.
        if (k > 0 && (s[k - 1] == '?' || s[k - 1] == '&') && find_ci(s.substr(0, k), "postgres") != std::string_view::npos) continue;
        std::size_t p = skip_spaces(s, k + 8);
        if (p >= s.size() || s[p] != '=') continue;
        p = skip_spaces(s, p + 1);
        const auto v = read_value(s, p);
        if (!v) {  // a quote that never closes: everything after is hidden
            out.hide.push_back({p, s.size()});
            out.secrets.emplace_back(s.substr(p));
            out.secrets.emplace_back(s.substr(std::min(p + 1, s.size())));
            return;
        }
        if (v->end > p) out.hide.push_back({p, v->end});
        out.secrets.push_back(v->decoded);
        out.secrets.emplace_back(s.substr(p, v->end - p));
        from = std::max(from, v->end);
    }
}

Analysis analyse(std::string_view s) {
    Analysis out;
    const std::size_t start = skip_spaces(s, 0);
    if (starts_with_ci(s, start, "pg:") && !is_uri_at(s, skip_spaces(s, start + 3))) {
        const std::size_t body = start + 3;
        if (!conninfo_syntax_ok(s, body)) {
            // libpq cannot read it (a quote that never closes, a key without '='): hide
            // everything after the first `password`.
            const std::size_t k = find_ci(s, "password");
            if (k != std::string_view::npos) {
                std::size_t p = skip_spaces(s, k + 8);
                if (p < s.size() && s[p] == '=') p = skip_spaces(s, p + 1);
                out.hide.push_back({p, s.size()});
                out.secrets.emplace_back(s.substr(p));
            }
        }
        out.conninfos.emplace_back(s.substr(body));
    }
    analyse_keywords(s, out);
    analyse_uris(s, out);
    return out;
}

struct ConninfoFree {
    void operator()(PQconninfoOption* o) const noexcept { PQconninfoFree(o); }
};

class SecretStore {
public:
    void add(std::string_view value) {
        std::string v(value);
        while (!v.empty() && is_space(v.back())) v.pop_back();
        v.erase(0, skip_spaces(v, 0));
        if (v.empty() || v == "***") return;
        const std::lock_guard lock(mutex_);
        secrets_.insert(v);
        // The same value as JSON writes it (quotes and backslashes escaped).
        const std::string json = nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (json.size() >= 2) secrets_.insert(json.substr(1, json.size() - 2));
    }

    std::string scrub(std::string_view text) const {
        std::vector<std::string> secrets;
        {
            const std::lock_guard lock(mutex_);
            secrets.assign(secrets_.begin(), secrets_.end());
        }
        std::sort(secrets.begin(), secrets.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
        std::string out(text);
        for (const auto& secret : secrets) {
            if (secret.size() < min_scrubbed_secret) continue;
            for (std::size_t pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 3)) out.replace(pos, secret.size(), "***");
        }
        return out;
    }

private:
    mutable std::mutex mutex_;
    std::set<std::string> secrets_;
};

SecretStore& store() {
    static SecretStore s;
    return s;
}

// A small regular file's lines; nothing for anything else (a FIFO would block).
std::vector<std::string> read_small_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec) || std::filesystem::file_size(path, ec) > (1u << 20) || ec) return {};
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The password of a pg_service.conf entry, from the files libpq reads.
void remember_service(const std::string& name) {
    std::vector<std::filesystem::path> files;
    if (const char* f = std::getenv("PGSERVICEFILE")) {
        files.emplace_back(f);
    } else if (const char* home = std::getenv("HOME")) {
        files.push_back(std::filesystem::path(home) / ".pg_service.conf");
    }
    const char* sysconf = std::getenv("PGSYSCONFDIR");
    files.push_back(std::filesystem::path(sysconf ? sysconf : "/etc/postgresql-common") / "pg_service.conf");
    for (const auto& file : files) {
        bool in_section = false;
        for (std::string line : read_small_file(file)) {
            const std::size_t b = skip_spaces(line, 0);
            line.erase(0, b);
            while (!line.empty() && is_space(line.back())) line.pop_back();
            if (!line.empty() && line.front() == '[') {
                in_section = line == "[" + name + "]";
            } else if (in_section) {
                const std::size_t eq = line.find('=');
                if (eq != std::string::npos && find_ci(line.substr(0, eq), "password") != std::string::npos) store().add(line.substr(eq + 1));
            }
        }
    }
}

void remember_environment() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (const char* p = std::getenv("PGPASSWORD")) store().add(p);
        if (const char* s = std::getenv("PGSERVICE")) remember_service(s);
    });
}

void remember(const Analysis& a) {
    remember_environment();
    for (const auto& s : a.secrets) store().add(s);
    for (const auto& conninfo : a.conninfos) {
        char* error = nullptr;
        const std::unique_ptr<PQconninfoOption, ConninfoFree> options(PQconninfoParse(conninfo.c_str(), &error));
        PQfreemem(error);
        if (!options) continue;
        for (const PQconninfoOption* o = options.get(); o->keyword; ++o) {
            if (!o->val) continue;
            const std::string_view key = o->keyword;
            if (key == "password" || key == "sslpassword") store().add(o->val);
            if (key == "service") remember_service(o->val);
        }
    }
}

}  // namespace

void remember_secret(std::string_view value) { store().add(value); }

void remember_secrets(std::string_view text) {
    if (find_ci(text, "pass") == std::string_view::npos && find_ci(text, "postgres") == std::string_view::npos &&
        find_ci(text, "service") == std::string_view::npos && find_ci(text, "pg:") == std::string_view::npos) {
        remember_environment();
        return;
    }
    remember(analyse(text));
}

std::string redact_source(std::string_view text) {
    Analysis a = analyse(text);
    remember(a);
    std::sort(a.hide.begin(), a.hide.end(), [](const Span& x, const Span& y) { return x.begin < y.begin; });
    std::string out;
    std::size_t pos = 0;
    for (const Span& span : a.hide) {
        if (span.end <= pos) continue;
        const std::size_t begin = std::max(span.begin, pos);
        out.append(text.substr(pos, begin - pos));
        if (out.size() < 3 || out.compare(out.size() - 3, 3, "***") != 0) out += "***";
        pos = span.end;
    }
    out.append(text.substr(std::min(pos, text.size())));
    return scrub_secrets(out);
}

std::string scrub_secrets(std::string_view text) { return store().scrub(text); }

std::size_t source_end(std::string_view text) {
    const std::size_t start = skip_spaces(text, 0);
    const bool connection = starts_with_ci(text, start, "pg:") || is_uri_at(text, start);
    if (!connection) return text.find('|');
    // A password may hold '|': only a '|' that starts a known key ends a connection string.
    for (std::size_t bar = text.find('|'); bar != std::string_view::npos; bar = text.find('|', bar + 1)) {
        for (const char* key : {"layername=", "layer=", "layerid=", "where=", "subset=", "crs="})
            if (starts_with_ci(text, bar + 1, key)) return bar;
    }
    return std::string_view::npos;
}

}  // namespace dza
