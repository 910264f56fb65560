// dza sweep and dza merge: see include/dza/sweep.hpp.
#include "dza/sweep.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "dza/error.hpp"
#include "dza/run.hpp"
#include "dza/scenario.hpp"
#include "dza/secrets.hpp"
#include "dza/text.hpp"
#include "dza/threads.hpp"
#include "temp_folder.hpp"
#include "yaml_reader.hpp"

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace dza {

namespace {

constexpr std::size_t max_variants = 1000000;
constexpr const char* plan_file = "sweep.json";
constexpr const char* marker_file = "variant.json";
constexpr const char* variant_scenario_file = "scenario.yaml";

std::string trim(const std::string& text) {
    std::size_t b = 0, e = text.size();
    while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
    return text.substr(b, e - b);
}

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t dot = path.find('.', start);
        out.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return out;
}

// A decimal number "-12.50" as an integer count of 10^-scale: exact, no binary rounding.
struct Decimal {
    bool negative = false;
    std::string digits;  // integer part then fraction, no point
    int scale = 0;       // digits after the point
};

std::optional<Decimal> parse_decimal(const std::string& text) {
    Decimal d;
    std::size_t i = 0;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) d.negative = text[i++] == '-';
    bool point = false, any = false;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '.' && !point) {
            point = true;
        } else if (c >= '0' && c <= '9') {
            d.digits += c;
            any = true;
            if (point) ++d.scale;
        } else {
            return std::nullopt;
        }
    }
    if (!any || d.scale > 9 || d.digits.size() > 15) return std::nullopt;
    return d;
}

std::int64_t scaled(const Decimal& d, int scale) {
    std::int64_t v = 0;
    for (char c : d.digits) v = v * 10 + (c - '0');
    for (int s = d.scale; s < scale; ++s) v *= 10;
    return d.negative ? -v : v;
}

// `value` / 10^scale as the shortest decimal text: 75, 0.25, -1.5.
std::string decimal_text(std::int64_t value, int scale) {
    const bool negative = value < 0;
    std::string digits = std::to_string(negative ? -value : value);
    if (scale > 0) {
        if (static_cast<int>(digits.size()) <= scale) digits.insert(0, static_cast<std::size_t>(scale + 1) - digits.size(), '0');
        digits.insert(digits.size() - static_cast<std::size_t>(scale), ".");
        while (digits.back() == '0') digits.pop_back();
        if (digits.back() == '.') digits.pop_back();
    }
    return (negative && digits != "0" ? "-" : "") + digits;
}

std::vector<std::string> parse_range(const std::string& spec, const std::string& key) {
    const auto bad = [&](const std::string& why) {
        return UsageError(fmt::format("--vary {}: \"{}\" {}; give a range FROM..TO:STEP of decimal numbers (e.g. 50..200:25) or a list a,b,c", cut_short(key),
                                      cut_short(spec), why));
    };
    const std::size_t dots = spec.find("..");
    const std::size_t colon = spec.find(':', dots);
    if (colon == std::string::npos) throw bad("has no step");
    const auto from = parse_decimal(trim(spec.substr(0, dots))), to = parse_decimal(trim(spec.substr(dots + 2, colon - dots - 2))),
               step = parse_decimal(trim(spec.substr(colon + 1)));
    if (!from || !to || !step) throw bad("is not a range of decimal numbers (at most 15 digits, 9 after the point)");
    const int scale = std::max({from->scale, to->scale, step->scale});
    const std::int64_t a = scaled(*from, scale), b = scaled(*to, scale), s = scaled(*step, scale);
    if (s <= 0) throw bad("has a step of zero or less; give a positive step (FROM > TO counts down)");
    const std::int64_t span = a <= b ? b - a : a - b;
    if (span / s + 1 > static_cast<std::int64_t>(max_variants)) throw bad(fmt::format("has more than {} values", max_variants));
    std::vector<std::string> out;
    for (std::int64_t k = 0; k * s <= span; ++k) out.push_back(decimal_text(a <= b ? a + k * s : a - k * s, scale));
    return out;
}

std::string sha256_hex(const std::string& text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
    std::string out;
    for (unsigned i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
    return out;
}

std::string read_text(const fs::path& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DataError(fmt::format("{}: cannot be read; {}", path.string(), what));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

json read_json(const fs::path& path, const char* what) {
    const std::string text = read_text(path, what);
    try {
        return json::parse(text);
    } catch (const json::exception& e) {
        throw DataError(fmt::format("{}: not valid JSON ({}); {}", path.string(), cut_short(e.what(), 120), what));
    }
}

// A YAML value from its text: a scalar, or a list or mapping in flow style.
YAML::Node value_node(const std::string& value, const std::string& key) {
    try {
        return YAML::Load(value);
    } catch (const YAML::Exception& e) {
        throw UsageError(fmt::format("--vary {}: \"{}\" is not a YAML value ({}); quote it or give a plain value", cut_short(key), cut_short(value),
                                     cut_short(e.msg, 100)));
    }
}

// Sets `path` in the document `root` to `value`. A missing mapping on the way is made; a value on
// the way that is not a mapping is a UsageError naming `key`.
void set_path(YAML::Node root, const std::string& key, const std::string& path, const YAML::Node& value) {
    const std::vector<std::string> segments = split_path(path);
    YAML::Node node;
    node.reset(root);
    std::string walked;
    for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
        const std::string& segment = segments[i];
        walked += (walked.empty() ? "" : ".") + segment;
        const YAML::Node found = static_cast<const YAML::Node&>(node)[segment];  // no reset() to a missing one: yaml-cpp throws
        if (!found || found.IsNull()) {
            node[segment] = YAML::Node(YAML::NodeType::Map);
        } else if (!found.IsMap()) {
            throw UsageError(fmt::format("--vary {}: {} is a value in the scenario, not a mapping of keys; give a key the scenario can hold", cut_short(key),
                                         cut_short(walked)));
        }
        YAML::Node child;
        child.reset(static_cast<const YAML::Node&>(node)[segment]);
        node.reset(child);
    }
    const std::string& last = segments.back();
    const YAML::Node existing = static_cast<const YAML::Node&>(node)[last];
    // A layer given as {source: ..., name_field: ...}: a file for it replaces its source.
    if (segments.size() == 2 && segments[0] == "layers" && existing && existing.IsMap() && value.IsScalar()) {
        YAML::Node layer;
        layer.reset(existing);
        layer["source"] = value;
        return;
    }
    node[last] = value;
}

bool path_exists(const YAML::Node& root, const std::string& path) {
    YAML::Node node;
    node.reset(root);
    for (const std::string& segment : split_path(path)) {
        if (!node.IsMap()) return false;
        const YAML::Node child = static_cast<const YAML::Node&>(node)[segment];
        if (!child) return false;
        node.reset(child);
    }
    return true;
}

YAML::Node load_document(const std::string& text, const std::string& file) {
    try {
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw UsageError(fmt::format("{}: cannot be read: {}", file, cut_short(e.what(), 200)));
    }
}

std::string emit(const YAML::Node& root) {
    YAML::Emitter out;
    out << root;
    return std::string(out.c_str()) + "\n";
}

// The rows of a CSV file (RFC 4180: quoted cells may hold commas, quotes doubled, line breaks),
// with the line each starts on. Unquoted cells are trimmed.
std::vector<std::pair<int, std::vector<std::string>>> read_csv(const std::string& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) throw UsageError(fmt::format("--variants \"{}\": no such file; give a CSV file, header = the keys", cut_short(file, 200)));
    if (fs::file_size(file, ec) > (64u << 20)) throw UsageError(fmt::format("--variants \"{}\": is more than 64 MiB", cut_short(file, 200)));
    std::string text = read_text(file, "give a CSV file");
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    std::vector<std::pair<int, std::vector<std::string>>> rows;
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false, was_quoted = false, row_has_content = false;
    int line = 1, row_line = 1;
    const auto end_cell = [&] {
        row.push_back(was_quoted ? cell : trim(cell));
        cell.clear();
        was_quoted = false;
    };
    const auto end_row = [&] {
        end_cell();
        if (row_has_content || row.size() > 1 || !row.front().empty()) rows.emplace_back(row_line, row);
        row.clear();
        row_has_content = false;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') cell += '"', ++i;
            else if (c == '"') quoted = false;
            else {
                if (c == '\n') ++line;
                cell += c;
            }
        } else if (c == '"' && trim(cell).empty()) {
            quoted = was_quoted = row_has_content = true;
            cell.clear();
        } else if (c == ',') {
            end_cell();
            row_has_content = true;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            end_row();
            row_line = ++line;
        } else {
            cell += c;
        }
    }
    if (quoted) throw UsageError(fmt::format("{}:{}: a quoted cell is not closed; end it with \"", file, row_line));
    if (!cell.empty() || !row.empty()) end_row();
    return rows;
}

json values_json(const SweepPlan& plan, const SweepVariant& v) {
    json values = json::object();
    for (std::size_t k = 0; k < plan.keys.size(); ++k) values[plan.keys[k].key] = v.values[k] ? json(*v.values[k]) : json(nullptr);
    return values;
}

// What makes two plans the same sweep: the keys' paths, the variants' ids.
json plan_identity(const json& plan) {
    json paths = json::array(), ids = json::array();
    for (const auto& k : plan.at("keys")) paths.push_back(k.at("path"));
    for (const auto& v : plan.at("variants")) ids.push_back(v.at("id"));
    return json{paths, ids};
}

void check_keys_known(const SweepPlan& plan, const std::string& text) {
    const YAML::Node base = load_document(text, plan.scenario);
    const fs::path folder = fs::path(plan.scenario).parent_path();
    for (std::size_t k = 0; k < plan.keys.size(); ++k) {
        const SweepKey& key = plan.keys[k];
        if (path_exists(base, key.path)) continue;
        // A key the scenario does not give: known if the scenario reader does not call it unknown.
        std::optional<std::string> value;
        for (const auto& v : plan.variants)
            if (v.values[k]) {
                value = v.values[k];
                break;
            }
        if (!value) continue;
        YAML::Node doc = load_document(text, plan.scenario);
        set_path(doc, key.key, key.path, value_node(*value, key.key));
        try {
            load_scenario_text(emit(doc), plan.scenario, folder);
        } catch (const UnknownKeyError& e) {
            // "FILE:LINE: KEY: unknown key ...": the line is of the varied document, not of the file.
            std::string message = e.what();
            if (message.rfind(plan.scenario + ":", 0) == 0)
                if (const std::size_t at = message.find(": ", plan.scenario.size() + 1); at != std::string::npos) message.erase(0, at + 2);
            throw UsageError(fmt::format("--vary {}: {}", cut_short(key.key), message));
        } catch (const Error&) {
            // the value's problem, which its variant reports
        }
    }
}

}  // namespace

std::pair<std::string, std::string> parse_vary(const std::string& text) {
    const std::size_t eq = text.find('=');
    if (eq == std::string::npos || trim(text.substr(0, eq)).empty())
        throw UsageError(fmt::format("--vary \"{}\": give KEY=VALUES, e.g. standoff_km=50..200:25 or layers.line=a.geojson,b.geojson", cut_short(text)));
    return {trim(text.substr(0, eq)), trim(text.substr(eq + 1))};
}

std::vector<std::string> parse_sweep_values(const std::string& spec, const std::string& key) {
    const std::string s = trim(spec);
    if (s.empty()) throw UsageError(fmt::format("--vary {}: no values; give a range FROM..TO:STEP or a list a,b,c", cut_short(key)));
    if (s.find("..") != std::string::npos && s.find('/') == std::string::npos && s.find(',') == std::string::npos) return parse_range(s, key);
    std::vector<std::string> out;
    std::string current;
    int depth = 0;
    bool single = false, dbl = false;
    const auto push = [&] {
        const std::string v = trim(current);
        if (v.empty()) throw UsageError(fmt::format("--vary {}: \"{}\" has an empty value; give values separated by commas", cut_short(key), cut_short(s)));
        out.push_back(v);
        current.clear();
    };
    for (const char c : s) {
        if (c == '\'' && !dbl) single = !single;
        else if (c == '"' && !single) dbl = !dbl;
        else if (!single && !dbl && (c == '[' || c == '{')) ++depth;
        else if (!single && !dbl && (c == ']' || c == '}')) --depth;
        if (c == ',' && depth == 0 && !single && !dbl) {
            push();
            continue;
        }
        current += c;
    }
    push();
    std::set<std::string> seen;
    for (const auto& v : out)
        if (!seen.insert(v).second) throw UsageError(fmt::format("--vary {}: \"{}\" is given twice; give each value once", cut_short(key), cut_short(v)));
    return out;
}

std::string sweep_key_path(const std::string& key) {
    const std::string first = split_path(key).front();
    const auto& sections = scenario_sections();
    return std::find(sections.begin(), sections.end(), first) != sections.end() ? key : "parameters." + key;
}

std::string variant_id(const std::vector<SweepKey>& keys, const std::vector<std::optional<std::string>>& values) {
    std::vector<std::pair<std::string, std::string>> canonical;
    for (std::size_t k = 0; k < keys.size(); ++k)
        if (values[k]) canonical.emplace_back(keys[k].path, *values[k]);
    std::sort(canonical.begin(), canonical.end());
    std::string prefix;  // the values, in the order of their keys' paths
    for (const auto& [path, value] : canonical) {
        std::string part;
        for (const char c : value) {
            const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
            if (keep) part += c;
            else if (!part.empty() && part.back() != '_') part += '_';
        }
        while (!part.empty() && (part.back() == '_' || part.back() == '.')) part.pop_back();
        if (part.size() > 24) part.resize(24);
        if (!part.empty()) prefix += (prefix.empty() ? "" : "_") + part;
    }
    json list = json::array();
    for (const auto& [path, value] : canonical) list.push_back(json::array({path, value}));
    while (!prefix.empty() && (prefix.front() == '-' || prefix.front() == '.' || prefix.front() == '_')) prefix.erase(0, 1);
    if (prefix.size() > 48) prefix.resize(48);
    while (!prefix.empty() && (prefix.back() == '_' || prefix.back() == '.' || prefix.back() == '-')) prefix.pop_back();
    if (prefix.empty()) prefix = "base";
    return prefix + "-" + sha256_hex(json_text(list)).substr(0, 12);
}

SweepPlan plan_sweep(const std::string& scenario, const std::vector<std::pair<std::string, std::string>>& vary, const std::string& variants_file) {
    if (vary.empty() == variants_file.empty()) throw UsageError("give the variants: --vary KEY=VALUES (one or more), or --variants FILE, one of them");
    load_scenario(scenario);  // as it is, it must load: its problems are not the variants'
    const std::string text = read_text(scenario, "give a scenario file");
    SweepPlan plan;
    plan.scenario = scenario;
    plan.scenario_text = text;
    plan.scenario_sha256 = sha256_hex(text);

    const auto add_key = [&](const std::string& key) {
        if (key.empty()) throw UsageError("a varied key is empty; give keys such as standoff_km or layers.line");
        const SweepKey k{key, sweep_key_path(key)};
        for (const auto& other : plan.keys) {
            const auto& [shorter, longer] = other.path.size() <= k.path.size() ? std::pair(other.path, k.path) : std::pair(k.path, other.path);
            if (shorter == longer) throw UsageError(fmt::format("--vary {}: the key is varied twice (as {} too); give it once", cut_short(key), cut_short(other.key)));
            if (longer.rfind(shorter + ".", 0) == 0)
                throw UsageError(fmt::format("--vary {}: {} is inside {}; vary one of them", cut_short(key), cut_short(longer), cut_short(shorter)));
        }
        plan.keys.push_back(k);
    };

    if (!vary.empty()) {
        std::vector<std::vector<std::string>> lists;
        std::size_t total = 1;
        for (const auto& [key, spec] : vary) {
            add_key(key);
            lists.push_back(parse_sweep_values(spec, key));
            for (const auto& v : lists.back()) value_node(v, key);
            total *= lists.back().size();
            if (total > max_variants) throw UsageError(fmt::format("the sweep has more than {} variants; split it into several sweeps", max_variants));
        }
        for (std::size_t n = 0; n < total; ++n) {
            SweepVariant v;
            v.index = n;
            v.values.resize(lists.size());
            std::size_t rest = n;
            for (std::size_t k = lists.size(); k-- > 0;) {
                v.values[k] = lists[k][rest % lists[k].size()];
                rest /= lists[k].size();
            }
            plan.variants.push_back(std::move(v));
        }
    } else {
        const auto rows = read_csv(variants_file);
        if (rows.empty()) throw UsageError(fmt::format("--variants \"{}\": is empty; give a header of keys, then one variant a row", cut_short(variants_file, 200)));
        for (const auto& key : rows.front().second) add_key(key);
        if (rows.size() - 1 > max_variants) throw UsageError(fmt::format("--variants: more than {} variants; split it into several sweeps", max_variants));
        for (std::size_t r = 1; r < rows.size(); ++r) {
            const auto& [line, cells] = rows[r];
            if (cells.size() != plan.keys.size())
                throw UsageError(fmt::format("{}:{}: {} cells, the header has {}; give one cell a key (empty: the scenario's value)", variants_file, line,
                                             cells.size(), plan.keys.size()));
            SweepVariant v;
            v.index = r - 1;
            for (std::size_t k = 0; k < cells.size(); ++k) {
                if (cells[k].empty()) v.values.emplace_back();
                else {
                    value_node(cells[k], plan.keys[k].key);
                    v.values.emplace_back(cells[k]);
                }
            }
            plan.variants.push_back(std::move(v));
        }
    }

    // A password in a value would be written into folder names, tables and pages.
    for (const auto& v : plan.variants)
        for (std::size_t k = 0; k < v.values.size(); ++k)
            if (v.values[k] && redact_source(*v.values[k]) != *v.values[k])
                throw UsageError(fmt::format("{}: a value of {} holds a password, which the sweep would write into its folders and tables; give it in PGPASSWORD, "
                                             "~/.pgpass or a service= entry instead",
                                             variants_file.empty() ? "--vary" : "--variants", plan.keys[k].key));

    // The same variant twice, even written differently (75 and 75.0 are the same number), is
    // refused. Each distinct value is read once: a cross product repeats its values many times.
    std::map<std::string, std::string> canonical_of;
    const auto canonical_value = [&](const std::string& value) -> const std::string& {
        auto [it, fresh] = canonical_of.emplace(value, value);
        if (fresh) {
            const YAML::Node node = YAML::Load(value);
            double number = 0;
            if (node.IsScalar() && node.Tag() == "?" && YAML::convert<double>::decode(node, number) && std::isfinite(number)) it->second = fmt::format("{}", number);
        }
        return it->second;
    };
    std::map<std::string, std::size_t> seen;  // canonical id -> index
    for (auto& v : plan.variants) {
        v.id = variant_id(plan.keys, v.values);
        std::vector<std::optional<std::string>> canonical = v.values;
        for (auto& value : canonical)
            if (value) value = canonical_value(*value);
        const auto [other, distinct] = seen.emplace(variant_id(plan.keys, canonical), v.index);
        if (distinct) continue;
        const std::string& first = plan.variants[other->second].id;
        if (first == v.id) throw UsageError(fmt::format("variants {} and {} are the same ({}); give each variant once", other->second + 1, v.index + 1, v.id));
        throw UsageError(fmt::format("variants {} and {} have the same values, written differently ({} and {}); give each variant once, or quote a value that is text",
                                     other->second + 1, v.index + 1, first, v.id));
    }
    check_keys_known(plan, text);
    return plan;
}

std::string variant_scenario_text(const SweepPlan& plan, const SweepVariant& variant) {
    YAML::Node doc = load_document(plan.scenario_text, plan.scenario);
    for (std::size_t k = 0; k < plan.keys.size(); ++k)
        if (variant.values[k]) set_path(doc, plan.keys[k].key, plan.keys[k].path, value_node(*variant.values[k], plan.keys[k].key));
    make_scenario_paths_absolute(doc, fs::path(plan.scenario).parent_path());
    return fmt::format("# Variant {} of {} (dza sweep). Runs alone: dza run scenario.yaml -o DIR\n", variant.id, plan.scenario) + emit(doc);
}

Shard parse_shard(const std::string& text) {
    const auto bad = [&] { return UsageError(fmt::format("--shard \"{}\": give I/N, the I-th of N parts, 1 <= I <= N (e.g. 2/4)", cut_short(text))); };
    const std::size_t slash = text.find('/');
    if (slash == std::string::npos) throw bad();
    const auto number = [&](const std::string& s) {
        const std::string t = trim(s);
        if (t.empty() || t.size() > 9 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) throw bad();
        return static_cast<std::size_t>(std::stoul(t));
    };
    const Shard shard{number(text.substr(0, slash)), number(text.substr(slash + 1))};
    if (shard.count < 1 || shard.index < 1 || shard.index > shard.count) throw bad();
    return shard;
}

std::vector<std::size_t> shard_variants(std::size_t variant_count, const Shard& shard) {
    std::vector<std::size_t> out;
    for (std::size_t k = shard.index - 1; k < variant_count; k += shard.count) out.push_back(k);
    return out;
}

json sweep_plan_json(const SweepPlan& plan) {
    json keys = json::array(), variants = json::array();
    for (const auto& k : plan.keys) keys.push_back({{"key", k.key}, {"path", k.path}});
    for (const auto& v : plan.variants) variants.push_back({{"index", v.index}, {"id", v.id}, {"values", values_json(plan, v)}});
    return {{"schema", "dza.sweep/1"},
            {"scenario", {{"file", plan.scenario}, {"sha256", plan.scenario_sha256}}},
            {"keys", keys},
            {"variants", variants}};
}

namespace {

// Whether DIR/<id>/variant.json says the variant is complete for this scenario.
bool is_complete(const fs::path& folder, const std::string& scenario_sha256) {
    std::error_code ec;
    if (!fs::is_regular_file(folder / marker_file, ec)) return false;
    try {
        const json marker = json::parse(read_text(folder / marker_file, ""));
        return marker.value("status", "") == "complete" && marker.value("scenario_sha256", "") == scenario_sha256 && fs::is_regular_file(folder / "summary.json", ec);
    } catch (const std::exception&) {
        return false;
    }
}

// An error as the table shows it: the variant's folder named by its id, not by where this part ran.
std::string error_text(std::string message, const fs::path& folder, const std::string& id) {
    const std::string from = folder.string();
    for (auto at = message.find(from); at != std::string::npos; at = message.find(from, at + id.size())) message.replace(at, from.size(), id);
    return scrub_secrets(message);
}

}  // namespace

std::vector<SweepFailure> check_sweep(const SweepPlan& plan, const Shard& shard) {
    const fs::path base_folder = fs::path(plan.scenario).parent_path();
    std::vector<SweepFailure> failures;
    for (const std::size_t k : shard_variants(plan.variants.size(), shard)) {
        const SweepVariant& v = plan.variants[k];
        try {
            load_scenario_text(variant_scenario_text(plan, v), plan.scenario, base_folder);
        } catch (const Error& e) {
            failures.push_back({v.id, e.what()});
        }
    }
    return failures;
}

SweepOutcome run_sweep(const SweepPlan& plan, const SweepOptions& options) {
    const fs::path& dir = options.output_dir;
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) throw UsageError(fmt::format("output folder \"{}\" is a file; give a folder", dir.string()));
    const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
    if (!fs::is_directory(parent, ec)) throw UsageError(fmt::format("output folder \"{}\": its parent \"{}\" does not exist; create it first", dir.string(), parent.string()));
    fs::create_directories(dir, ec);
    if (ec) throw UsageError(fmt::format("output folder \"{}\" cannot be made: {}", dir.string(), ec.message()));

    // The plan: the same in every part; another sweep's folder is refused.
    const json plan_json = sweep_plan_json(plan);
    const std::string plan_text = json_text(plan_json, 2) + "\n";
    if (fs::exists(dir / plan_file, ec)) {
        json existing;
        try {
            existing = plan_identity(json::parse(read_text(dir / plan_file, "")));
        } catch (const std::exception&) {
            throw UsageError(fmt::format("{}: is not a sweep's plan; give another folder", (dir / plan_file).string()));
        }
        if (existing != plan_identity(plan_json))
            throw UsageError(fmt::format("output folder \"{}\" holds another sweep (other keys or variants); give another folder, or remove it", dir.string()));
    }
    if (!fs::exists(dir / plan_file, ec) || read_text(dir / plan_file, "") != plan_text) write_file_atomic(dir / plan_file, plan_text);

    SweepOutcome outcome;
    std::vector<std::size_t> pending;
    for (const std::size_t k : shard_variants(plan.variants.size(), options.shard)) {
        ++outcome.variants;
        if (is_complete(dir / plan.variants[k].id, plan.scenario_sha256)) ++outcome.skipped;
        else pending.push_back(k);
    }
    const unsigned jobs = static_cast<unsigned>(std::min<std::size_t>(options.jobs > 0 ? options.jobs : worker_count(), std::max<std::size_t>(pending.size(), 1)));
    const fs::path base_folder = fs::path(plan.scenario).parent_path();

    std::mutex mutex;  // the callbacks and the failures
    std::size_t done = 0;
    std::map<std::size_t, SweepFailure> failures;
    std::atomic<std::size_t> next{0};
    const auto run_one = [&](std::size_t k) {
        const SweepVariant& v = plan.variants[k];
        const fs::path folder = dir / v.id;
        std::string error;
        try {
            std::error_code ec;
            fs::create_directories(folder, ec);
            if (ec) throw DataError(fmt::format("{}: cannot be made: {}", folder.string(), ec.message()));
            fs::remove(folder / marker_file, ec);
            const std::string text = variant_scenario_text(plan, v);
            write_file_atomic(folder / variant_scenario_file, redact_source(text));  // passwords stay out of the copy
            const Scenario scenario = load_scenario_text(text, (folder / variant_scenario_file).string(), base_folder);
            RunOptions run;
            run.output_dir = folder;
            run.precision = options.precision;
            run.callbacks.warn = [&, id = v.id](const std::string& message) {
                std::lock_guard<std::mutex> lock(mutex);
                options.callbacks.warning(fmt::format("variant {}: {}", id, message));
            };
            run_scenario(scenario, run);
        } catch (const Error& e) {
            error = e.what();
        } catch (const std::bad_alloc&) {
            error = "out of memory";
        } catch (const std::exception& e) {
            error = std::string("internal error: ") + e.what();
        }
        json marker = {{"schema", "dza.sweep-variant/1"}, {"id", v.id}, {"index", v.index}, {"values", values_json(plan, v)},
                       {"scenario_sha256", plan.scenario_sha256}, {"status", error.empty() ? "complete" : "failed"}};
        if (!error.empty()) marker["error"] = error = error_text(error, folder, v.id);
        try {
            write_file_atomic(folder / marker_file, json_text(marker, 2) + "\n");
        } catch (const Error& e) {
            if (error.empty()) error = e.what();
        }
        std::lock_guard<std::mutex> lock(mutex);
        ++done;
        if (!error.empty()) {
            failures[k] = {v.id, error};
            options.callbacks.warning(fmt::format("variant {} failed: {}", v.id, error));
        }
        options.callbacks.report(static_cast<double>(done) / static_cast<double>(pending.size()),
                                 fmt::format("{} {}", v.id, error.empty() ? "complete" : "failed"));
    };
    const auto work = [&] {
        std::optional<WorkerCountLimit> one_thread;
        if (jobs > 1) one_thread.emplace(1);
        for (std::size_t i = next++; i < pending.size(); i = next++) run_one(pending[i]);
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < jobs; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();

    outcome.ran = pending.size();
    for (auto& [k, f] : failures) outcome.failures.push_back(std::move(f));
    return outcome;
}

namespace {

// The headline figures of a variant's summary.json, as (column, value) in a stable order.
void add_figures(const json& summary, std::vector<std::pair<std::string, json>>& out) {
    const json results = summary.value("results", json::object());
    if (results.contains("zones")) out.emplace_back("eligible_km2", results["zones"].value("total_area_km2", json(nullptr)));
    if (results.contains("coverage")) {
        const json& c = results["coverage"];
        std::vector<std::pair<std::string, json>> levels;  // (suffix, figures at one altitude)
        if (c.contains("by_altitude")) {
            for (const auto& a : c["by_altitude"])
                levels.emplace_back(a["altitude_m"].is_number() ? fmt::format("@{:g}m", a["altitude_m"].get<double>()) : std::string(), a);
        } else {
            levels.emplace_back("", c);
        }
        for (const auto& [suffix, a] : levels) {
            if (a.contains("total")) out.emplace_back("covered_pct" + suffix, a["total"].value("covered_pct", json(nullptr)));
            if (a.contains("line") && a["line"].is_object()) {
                out.emplace_back("line_covered_pct" + suffix, a["line"].value("covered_pct", json(nullptr)));
                double longest = 0;
                for (const auto& g : a["line"].value("gaps", json::array()))
                    if (g.contains("length_km") && g["length_km"].is_number()) longest = std::max(longest, g["length_km"].get<double>());
                out.emplace_back("longest_line_gap_km" + suffix, longest);
            }
            for (const auto& r : a.value("regions", json::array()))
                out.emplace_back(fmt::format("covered_pct{}:{}", suffix, r.value("name", "")), r.value("covered_pct", json(nullptr)));
            for (const auto& t : a.value("targets", json::array()))
                out.emplace_back(fmt::format("covered_pct{}:{}:{}", suffix, t.value("layer", ""), t.value("name", "")), t.value("covered_pct", json(nullptr)));
        }
    }
    if (results.contains("check")) {
        out.emplace_back("check", results["check"].value("passed", false) ? "passed" : "failed");
        out.emplace_back("violations", results["check"].value("violation_count", json(nullptr)));
    }
    if (results.contains("rules")) {
        std::size_t failed = 0;
        for (const auto& r : results["rules"])
            if (!r.value("passed", false)) ++failed;
        out.emplace_back("rules", failed == 0 ? "passed" : "failed");
        out.emplace_back("rules_failed", failed);
    }
}

std::string csv_cell(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos && (text.empty() || (text.front() != ' ' && text.back() != ' '))) return text;
    std::string out = "\"";
    for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string cell_text(const json& value) {
    if (value.is_null()) return "";
    if (value.is_string()) return value.get<std::string>();
    return json_text(value);
}

}  // namespace

MergeOutcome merge_sweeps(const MergeOptions& options) {
    if (options.sweep_dirs.empty()) throw UsageError("give the folders of the sweep's parts");
    std::error_code ec;
    for (const auto& d : options.sweep_dirs)
        if (fs::exists(options.output_dir, ec) && fs::equivalent(options.output_dir, d, ec))
            throw UsageError(fmt::format("-o \"{}\" is one of the sweep's folders; give another folder for the merged result", options.output_dir.string()));

    json plan;
    std::vector<json> identities;
    for (const auto& d : options.sweep_dirs) {
        if (!fs::is_directory(d, ec)) throw UsageError(fmt::format("\"{}\": no such folder; give folders dza sweep wrote", d.string()));
        if (!fs::is_regular_file(d / plan_file, ec))
            throw DataError(fmt::format("{}: no {}; give folders dza sweep wrote", d.string(), plan_file));
        json p = read_json(d / plan_file, "give folders dza sweep wrote");
        if (p.value("schema", "") != "dza.sweep/1" || !p.contains("keys") || !p.contains("variants"))
            throw DataError(fmt::format("{}: not a sweep's plan (schema dza.sweep/1); give folders dza sweep wrote", (d / plan_file).string()));
        json identity = {plan_identity(p), p["scenario"].value("sha256", "")};
        if (!plan.is_null() && identity != identities.front())
            throw UsageError(fmt::format("\"{}\" and \"{}\" hold different sweeps (keys, variants or scenario); merge the parts of one sweep",
                                         options.sweep_dirs.front().string(), d.string()));
        identities.push_back(identity);
        if (plan.is_null()) plan = std::move(p);
    }
    const std::string sha = plan["scenario"].value("sha256", "");

    struct Row {
        json variant;
        std::string status;
        std::string error;
        std::vector<std::pair<std::string, json>> figures;
    };
    std::vector<Row> rows;
    std::vector<std::string> missing;
    MergeOutcome outcome;
    for (const auto& v : plan["variants"]) {
        Row row{v, "missing", "", {}};
        const std::string id = v.at("id").get<std::string>();
        for (const auto& d : options.sweep_dirs) {
            const fs::path folder = d / id;
            if (!fs::is_regular_file(folder / marker_file, ec)) continue;
            const json marker = read_json(folder / marker_file, "run the variant again");
            if (marker.value("scenario_sha256", "") != sha) continue;  // of another version of the scenario
            const std::string status = marker.value("status", "");
            if (status == "complete") {
                const json summary = read_json(folder / "summary.json", "run the variant again");
                row.status = "complete";
                row.error.clear();
                add_figures(summary, row.figures);
                break;
            }
            if (status == "failed" && row.status == "missing") {
                row.status = "failed";
                row.error = marker.value("error", "");
            }
        }
        ++outcome.variants;
        if (row.status == "complete") ++outcome.complete;
        else if (row.status == "failed") ++outcome.failed;
        else {
            ++outcome.missing;
            missing.push_back(id);
        }
        rows.push_back(std::move(row));
    }
    if (!missing.empty() && !options.allow_missing) {
        std::string list;
        for (std::size_t i = 0; i < missing.size() && i < 5; ++i) list += (i ? ", " : "") + missing[i];
        if (missing.size() > 5) list += fmt::format(" and {} more", missing.size() - 5);
        throw DataError(fmt::format("{} of {} variants are in none of the folders given ({}); run their shards, or give --allow-missing", missing.size(),
                                    outcome.variants, list));
    }

    // Columns: the figures in the order they first appear, in the sweep's order.
    std::vector<std::string> columns;
    std::set<std::string> seen;
    for (const Row& r : rows)
        for (const auto& [column, value] : r.figures)
            if (seen.insert(column).second) columns.push_back(column);

    std::string csv = "id";
    for (const auto& k : plan["keys"]) csv += "," + csv_cell(k.at("key").get<std::string>());
    csv += ",status";
    for (const auto& c : columns) csv += "," + csv_cell(c);
    csv += ",error\n";
    json variants = json::array();
    for (const Row& r : rows) {
        const std::map<std::string, json> figures(r.figures.begin(), r.figures.end());
        csv += csv_cell(r.variant.at("id").get<std::string>());
        for (const auto& k : plan["keys"]) csv += "," + csv_cell(cell_text(r.variant["values"].value(k.at("key").get<std::string>(), json(nullptr))));
        csv += "," + r.status;
        json f = json::object();
        for (const auto& c : columns) {
            const auto it = figures.find(c);
            csv += "," + csv_cell(it == figures.end() ? std::string() : cell_text(it->second));
            if (it != figures.end()) f[c] = it->second;
        }
        csv += "," + csv_cell(r.error) + "\n";
        json one = {{"index", r.variant.at("index")}, {"id", r.variant.at("id")}, {"values", r.variant.at("values")}, {"status", r.status}};
        if (r.status == "complete") one["figures"] = f;
        if (r.status == "failed") one["error"] = r.error;
        variants.push_back(std::move(one));
    }
    const json result = {{"schema", "dza.sweep-result/1"},
                         {"scenario", plan["scenario"]},
                         {"keys", plan["keys"]},
                         {"counts", {{"variants", outcome.variants}, {"complete", outcome.complete}, {"failed", outcome.failed}, {"missing", outcome.missing}}},
                         {"columns", columns},
                         {"variants", variants}};

    const fs::path& out = options.output_dir;
    const fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
    if (!fs::is_directory(parent, ec)) throw UsageError(fmt::format("output folder \"{}\": its parent \"{}\" does not exist; create it first", out.string(), parent.string()));
    if (fs::exists(out, ec) && !fs::is_directory(out, ec)) throw UsageError(fmt::format("output folder \"{}\" is a file; give a folder", out.string()));
    const SweepPlots plots = draw_sweep_plots(result);  // drawn before anything is written
    fs::create_directories(out, ec);
    if (ec) throw DataError(fmt::format("{}: cannot be made: {}; check the folder's permissions", out.string(), ec.message()));
    write_sweep_plots(plots, out);
    write_file_atomic(out / "sweep.json", json_text(result, 2) + "\n");
    write_file_atomic(out / "sweep.csv", csv);
    return outcome;
}

}  // namespace dza
