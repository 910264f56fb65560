#pragma once
// Reading YAML documents (scenarios, system catalogues) with errors that say where:
// `FILE:LINE: KEY: what is wrong, what to try`, as usage errors.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "dza/error.hpp"
#include "dza/geometry.hpp"

namespace dza {

// A key the document does not know: a UsageError a caller that sets keys (dza sweep) can tell apart.
class UnknownKeyError : public UsageError {
public:
    using UsageError::UsageError;
};

// Says where in the scenario a node is, and fails with `FILE:LINE: KEY: what is wrong, what to try`.
class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    std::string at(const YAML::Node& node) const {
        const auto mark = node.Mark();
        return mark.line >= 0 ? fmt::format("{}:{}", file_, mark.line + 1) : file_;
    }

    [[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& message) const {
        throw UsageError(fmt::format("{}: {}: {}", at(node), cut_short(key), message));
    }

    void require_map(const YAML::Node& node, const std::string& key) const {
        if (!node.IsMap()) fail(node, key, "must be a mapping of keys to values, e.g. {key: value}");
        check_unique(node, key);
    }

    // A key given twice is a mistake whichever copy was meant.
    void check_unique(const YAML::Node& node, const std::string& where) const {
        std::map<std::string, int> seen;
        for (const auto& kv : node) {
            const std::string key = key_of(kv.first, where);
            const int line = kv.first.Mark().line + 1;
            const auto [it, fresh] = seen.emplace(key, line);
            if (!fresh)
                fail(kv.first, path(where, key), fmt::format("given twice (first on line {}); keep one", it->second));
        }
    }

    // Every key of `node` must be one of `known`, and given once.
    void check_keys(const YAML::Node& node, const std::string& where, const std::vector<std::string>& known) const {
        check_unique(node, where);
        for (const auto& kv : node) {
            const std::string key = key_of(kv.first, where);
            if (std::find(known.begin(), known.end(), key) != known.end()) continue;
            const std::string guess = closest_match(key, known);
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
            throw UnknownKeyError(fmt::format("{}: {}: unknown key{}{}; known keys: {}", at(kv.first), cut_short(path(where, key)), where.empty() ? "" : " in " + where,
                                              guess.empty() ? "" : " (did you mean \"" + guess + "\"?)", list));
        }
    }

    std::string key_of(const YAML::Node& key, const std::string& where) const {
        if (!key.IsScalar()) fail(key, where.empty() ? "(top level)" : where, "a key must be plain text, not a list or mapping");
        return key.Scalar();
    }

    std::string string(const YAML::Node& node, const std::string& key) const {
        if (!node.IsScalar()) fail(node, key, "must be a text value");
        return node.Scalar();
    }

    double number(const YAML::Node& node, const std::string& key) const {
        if (!node.IsScalar()) fail(node, key, "must be a number");
        double value = 0;
        try {
            value = node.as<double>();
        } catch (const YAML::Exception&) {
            fail(node, key, fmt::format("must be a number, not \"{}\"", cut_short(node.Scalar())));
        }
        if (!std::isfinite(value)) fail(node, key, fmt::format("is {}; give a finite number", cut_short(node.Scalar())));
        return value;
    }

    // A number within [lo, hi]; `unit` and `what_to_try` end the message when it is not.
    double number_in(const YAML::Node& node, const std::string& key, double lo, double hi, const std::string& what_to_try) const {
        const double value = number(node, key);
        if (value < lo || value > hi) fail(node, key, fmt::format("{} is out of range; {}", cut_short(node.Scalar()), what_to_try));
        return value;
    }

    // A distance in km, 0 to the `max_m` dza reaches, as metres.
    double distance_km_m(const YAML::Node& node, const std::string& key, double max_m) const {
        const double km = number(node, key);
        if (km < 0) fail(node, key, fmt::format("is negative ({:g}); give 0 or more km", km));
        if (km * 1000.0 > max_m) fail(node, key, fmt::format("is {:g} km, more than the {:g} km dza reaches; give a smaller distance", km, max_m / 1000.0));
        return km * 1000.0;
    }

    std::vector<std::string> strings(const YAML::Node& node, const std::string& key) const {
        if (!node.IsSequence()) fail(node, key, "must be a list, e.g. [a, b]");
        std::vector<std::string> out;
        for (const auto& item : node) out.push_back(string(item, key + " item"));
        return out;
    }

    LonLat lon_lat(const YAML::Node& node, const std::string& key) const {
        if (!node.IsSequence() || node.size() != 2) fail(node, key, "must be [lon, lat]");
        const LonLat p{number(node[0], key + " lon"), number(node[1], key + " lat")};
        if (p.lon < -180 || p.lon > 180 || p.lat < -90 || p.lat > 90)
            fail(node, key, fmt::format("[{:g}, {:g}] is out of range; give [lon, lat] in degrees (lon -180 to 180, lat -90 to 90)", p.lon, p.lat));
        return p;
    }

    static std::string path(const std::string& where, const std::string& key) { return where.empty() ? key : where + "." + key; }

private:
    std::string file_;
};


}  // namespace dza
