#include "dza/max_cover.hpp"

#include <coin/Clp_C_Interface.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <queue>
#include <unordered_map>

#include "dza/error.hpp"
#include "optimize/cbc_model.hpp"

namespace dza {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// CBC's first linear relaxation ignores the time limit and grows faster than its size: about 1 s
// at 0.25 million nonzeros, 20 s at 0.9 to 2.3 million, many minutes at 10 million. Larger
// programs (after the Lagrangian reduction) are left to greedy, swaps and the Lagrangian bound;
// with a short time limit, programs of more than 0.25 million nonzeros per second of it too.
constexpr std::size_t max_program_nonzeros = 1'000'000;
constexpr double program_nonzeros_per_s = 250'000;

std::size_t program_nonzero_limit(double time_limit_s) {
    return static_cast<std::size_t>(std::min(static_cast<double>(max_program_nonzeros), program_nonzeros_per_s * time_limit_s));
}

// Swap rounds stop after this many element visits in all (deterministic, unlike a clock): about
// a second or two of work on one core.
constexpr double swap_work_budget = 1.5e9;

// Cutting planes for the bound: at most this many rounds and about this many element visits in
// all (each round evaluates the cover once and re-solves a master of candidates x cuts), and at
// most half the time limit (5 s without one).
constexpr int cutting_plane_rounds = 400;
constexpr double cutting_plane_min_s = 1;  // the least clock budget, whatever the time limit

// Subgradient steps for the second bound: this many element visits in all, divided by the
// program's nonzeros, between 50 and 1,000 steps.
constexpr double lagrangian_work = 3e9;
constexpr double cutting_plane_work = 4e9;

// ---------------------------------------------------------------------------------------------
// Validation

void validate(const MaxCoverProblem& problem) {
    const std::size_t pieces = problem.weights.size();
    for (std::size_t i = 0; i < pieces; ++i) {
        const double w = problem.weights[i];
        if (!std::isfinite(w) || w < 0)
            throw UsageError(fmt::format("max cover: piece {} has weight {}, expected a finite number >= 0", i, w));
    }
    if (pieces > std::numeric_limits<std::uint32_t>::max())
        throw UsageError(fmt::format("max cover: {} pieces, at most {} are supported", pieces, std::numeric_limits<std::uint32_t>::max()));
    if (problem.covers.size() > static_cast<std::size_t>(std::numeric_limits<int>::max() / 2))
        throw UsageError(fmt::format("max cover: {} candidates, too many for the integer program", problem.covers.size()));
    for (std::size_t j = 0; j < problem.covers.size(); ++j) {
        const auto& cover = problem.covers[j];
        for (std::size_t t = 0; t < cover.size(); ++t) {
            if (cover[t] >= pieces)
                throw UsageError(fmt::format("max cover: candidate {} covers piece {}, but there are {} pieces", j, cover[t], pieces));
            if (t > 0 && cover[t] <= cover[t - 1])
                throw UsageError(fmt::format("max cover: candidate {}'s pieces are not ascending without repeats (piece {} after {})", j,
                                             cover[t], cover[t - 1]));
        }
    }
    if (!problem.fixed.empty() && problem.fixed.size() != pieces)
        throw UsageError(fmt::format("max cover: fixed cover given for {} pieces, expected {} (one per piece) or none", problem.fixed.size(),
                                     pieces));
    if (problem.depth == 0) throw UsageError("max cover: depth is 0, expected 1 (cover) or more (backup)");
    for (const auto& [a, b] : problem.conflicts) {
        if (a >= problem.covers.size() || b >= problem.covers.size())
            throw UsageError(fmt::format("max cover: conflict ({}, {}) names a candidate beyond the {} given", a, b, problem.covers.size()));
        if (a == b) throw UsageError(fmt::format("max cover: conflict ({}, {}) pairs a candidate with itself", a, b));
    }
    if (std::isnan(problem.time_limit_s) || problem.time_limit_s < 0)
        throw UsageError(fmt::format("max cover: time limit {} s, expected a number >= 0", problem.time_limit_s));
    if (!(problem.gap >= 0 && problem.gap < 1)) throw UsageError(fmt::format("max cover: gap {}, expected a fraction in [0, 1)", problem.gap));
    if (problem.target && !std::isfinite(*problem.target))
        throw UsageError(fmt::format("max cover: target {}, expected a finite number", *problem.target));
}

// ---------------------------------------------------------------------------------------------
// The reduced problem: rows are merged pieces that some choice can make count and that the fixed
// sites do not already count.

struct Reduced {
    std::size_t candidates = 0;
    std::vector<double> weight;               // per row
    std::vector<std::uint32_t> need;          // per row, >= 1
    std::vector<std::size_t> row_start;       // rows -> candidates covering them (ascending)
    std::vector<std::uint32_t> row_cand;
    std::vector<std::size_t> cand_start;      // candidates -> rows they cover (ascending)
    std::vector<std::uint32_t> cand_row;
    std::vector<std::vector<std::uint32_t>> conflicts;  // per candidate, ascending, no repeats
    double fixed_objective = 0;
    double total_weight = 0;   // every piece
    double row_weight = 0;     // every row: the most the candidates can add

    std::size_t rows() const { return weight.size(); }
    std::size_t covered_rows(std::uint32_t j) const { return cand_start[j + 1] - cand_start[j]; }
};

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

Reduced reduce(const MaxCoverProblem& problem) {
    Reduced red;
    const std::size_t pieces = problem.weights.size();
    const std::size_t m = problem.covers.size();
    red.candidates = m;

    std::vector<std::uint32_t> degree(pieces, 0);
    for (const auto& cover : problem.covers)
        for (std::uint32_t i : cover) ++degree[i];

    // Pieces kept: need >= 1, enough candidates to reach it, weight > 0.
    std::vector<std::uint32_t> need(pieces, 0);
    std::vector<char> kept(pieces, 0);
    for (std::size_t i = 0; i < pieces; ++i) {
        const double w = problem.weights[i];
        red.total_weight += w;
        const unsigned fixed = problem.fixed.empty() ? 0u : problem.fixed[i];
        if (fixed >= problem.depth) {
            red.fixed_objective += w;
            continue;
        }
        need[i] = problem.depth - fixed;
        kept[i] = degree[i] >= need[i] && w > 0;
    }

    // Pieces -> candidates for the kept pieces (ascending, since candidates are visited in order).
    std::vector<std::size_t> piece_start(pieces + 1, 0);
    for (std::size_t i = 0; i < pieces; ++i) piece_start[i + 1] = piece_start[i] + (kept[i] ? degree[i] : 0);
    std::vector<std::uint32_t> piece_cand(piece_start[pieces]);
    {
        std::vector<std::size_t> fill(piece_start.begin(), piece_start.end() - 1);
        for (std::size_t j = 0; j < m; ++j)
            for (std::uint32_t i : problem.covers[j])
                if (kept[i]) piece_cand[fill[i]++] = static_cast<std::uint32_t>(j);
    }

    // Merge pieces with the same (need, candidates) into rows, in the order of their first piece.
    std::unordered_map<std::uint64_t, std::uint32_t> first_row;  // hash -> first row with it
    std::vector<std::uint32_t> next_row;                          // rows sharing a hash, chained
    std::vector<std::uint64_t> row_piece;                         // a piece of each row (its list)
    first_row.reserve(pieces);
    for (std::size_t i = 0; i < pieces; ++i) {
        if (!kept[i]) continue;
        const std::uint32_t* begin = piece_cand.data() + piece_start[i];
        const std::size_t count = piece_start[i + 1] - piece_start[i];
        std::uint64_t h = mix(0x243f6a8885a308d3ULL, need[i]);
        for (std::size_t t = 0; t < count; ++t) h = mix(h, begin[t]);
        const auto same = [&](std::uint32_t r) {
            const std::size_t p = row_piece[r];
            return need[p] == need[i] && piece_start[p + 1] - piece_start[p] == count &&
                   std::equal(begin, begin + count, piece_cand.data() + piece_start[p]);
        };
        auto it = first_row.find(h);
        std::uint32_t row = std::numeric_limits<std::uint32_t>::max();
        if (it != first_row.end()) {
            for (std::uint32_t r = it->second; r != std::numeric_limits<std::uint32_t>::max(); r = next_row[r])
                if (same(r)) {
                    row = r;
                    break;
                }
        }
        if (row == std::numeric_limits<std::uint32_t>::max()) {
            row = static_cast<std::uint32_t>(red.weight.size());
            red.weight.push_back(0);
            red.need.push_back(need[i]);
            row_piece.push_back(i);
            if (it == first_row.end()) {
                first_row.emplace(h, row);
                next_row.push_back(std::numeric_limits<std::uint32_t>::max());
            } else {
                next_row.push_back(it->second);  // chain in front
                it->second = row;
            }
        }
        red.weight[row] += problem.weights[i];
    }
    first_row = {};
    for (double w : red.weight) red.row_weight += w;

    const std::size_t rows = red.rows();
    red.row_start.assign(rows + 1, 0);
    for (std::size_t r = 0; r < rows; ++r) {
        const std::size_t p = row_piece[r];
        red.row_start[r + 1] = red.row_start[r] + (piece_start[p + 1] - piece_start[p]);
    }
    red.row_cand.resize(red.row_start[rows]);
    for (std::size_t r = 0; r < rows; ++r) {
        const std::size_t p = row_piece[r];
        std::copy(piece_cand.begin() + static_cast<std::ptrdiff_t>(piece_start[p]),
                  piece_cand.begin() + static_cast<std::ptrdiff_t>(piece_start[p + 1]),
                  red.row_cand.begin() + static_cast<std::ptrdiff_t>(red.row_start[r]));
    }
    piece_cand = {};

    red.cand_start.assign(m + 1, 0);
    for (std::uint32_t j : red.row_cand) ++red.cand_start[j + 1];
    for (std::size_t j = 0; j < m; ++j) red.cand_start[j + 1] += red.cand_start[j];
    red.cand_row.resize(red.row_cand.size());
    {
        std::vector<std::size_t> fill(red.cand_start.begin(), red.cand_start.end() - 1);
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t t = red.row_start[r]; t < red.row_start[r + 1]; ++t)
                red.cand_row[fill[red.row_cand[t]]++] = static_cast<std::uint32_t>(r);
    }

    red.conflicts.assign(m, {});
    for (const auto& [a, b] : problem.conflicts) {
        red.conflicts[a].push_back(b);
        red.conflicts[b].push_back(a);
    }
    for (auto& list : red.conflicts) {
        std::sort(list.begin(), list.end());
        list.erase(std::unique(list.begin(), list.end()), list.end());
    }
    return red;
}

// The same rows restricted to the candidates kept (the others cover no row): rows the kept
// candidates cannot make count are left out, and rows that became alike are merged again.
// Candidate indices and conflicts are unchanged.
Reduced restrict_to(const Reduced& red, const std::vector<char>& keep) {
    Reduced sub;
    sub.candidates = red.candidates;
    sub.conflicts = red.conflicts;
    sub.fixed_objective = red.fixed_objective;
    sub.total_weight = red.total_weight;
    constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
    std::unordered_map<std::uint64_t, std::uint32_t> first_row;  // hash -> first new row with it
    std::vector<std::uint32_t> next_row;                          // new rows sharing a hash, chained
    std::vector<std::uint32_t> list;
    sub.row_start.push_back(0);
    for (std::size_t r = 0; r < red.rows(); ++r) {
        list.clear();
        for (std::size_t t = red.row_start[r]; t < red.row_start[r + 1]; ++t)
            if (keep[red.row_cand[t]]) list.push_back(red.row_cand[t]);
        if (list.size() < red.need[r]) continue;
        std::uint64_t h = mix(0x243f6a8885a308d3ULL, red.need[r]);
        for (std::uint32_t j : list) h = mix(h, j);
        auto it = first_row.find(h);
        std::uint32_t row = none;
        if (it != first_row.end())
            for (std::uint32_t q = it->second; q != none; q = next_row[q])
                if (sub.need[q] == red.need[r] && sub.row_start[q + 1] - sub.row_start[q] == list.size() &&
                    std::equal(list.begin(), list.end(), sub.row_cand.begin() + static_cast<std::ptrdiff_t>(sub.row_start[q]))) {
                    row = q;
                    break;
                }
        if (row != none) {
            sub.weight[row] += red.weight[r];
            continue;
        }
        row = static_cast<std::uint32_t>(sub.weight.size());
        sub.weight.push_back(red.weight[r]);
        sub.need.push_back(red.need[r]);
        sub.row_cand.insert(sub.row_cand.end(), list.begin(), list.end());
        sub.row_start.push_back(sub.row_cand.size());
        if (it == first_row.end()) {
            first_row.emplace(h, row);
            next_row.push_back(none);
        } else {
            next_row.push_back(it->second);
            it->second = row;
        }
    }
    for (double w : sub.weight) sub.row_weight += w;
    const std::size_t rows = sub.rows();
    const std::size_t m = sub.candidates;
    sub.cand_start.assign(m + 1, 0);
    for (std::uint32_t j : sub.row_cand) ++sub.cand_start[j + 1];
    for (std::size_t j = 0; j < m; ++j) sub.cand_start[j + 1] += sub.cand_start[j];
    sub.cand_row.resize(sub.row_cand.size());
    std::vector<std::size_t> fill(sub.cand_start.begin(), sub.cand_start.end() - 1);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t t = sub.row_start[r]; t < sub.row_start[r + 1]; ++t)
            sub.cand_row[fill[sub.row_cand[t]]++] = static_cast<std::uint32_t>(r);
    return sub;
}

// ---------------------------------------------------------------------------------------------
// A choice of candidates and how many times each row is covered by it.

class Cover {
public:
    explicit Cover(const Reduced& red) : red_(red), count_(red.rows(), 0), chosen_(red.candidates, 0) {}

    bool chosen(std::uint32_t j) const { return chosen_[j] != 0; }
    void reset(const std::vector<std::uint32_t>& chosen) {
        std::fill(count_.begin(), count_.end(), 0);
        std::fill(chosen_.begin(), chosen_.end(), 0);
        value_ = 0;
        for (std::uint32_t j : chosen) add(j);
    }
    double value() const { return value_; }  // weight of the rows that count (without the fixed)
    std::uint32_t count(std::size_t r) const { return count_[r]; }

    void add(std::uint32_t j) {
        chosen_[j] = 1;
        for (std::size_t t = red_.cand_start[j]; t < red_.cand_start[j + 1]; ++t) {
            const std::uint32_t r = red_.cand_row[t];
            if (++count_[r] == red_.need[r]) value_ += red_.weight[r];
        }
    }
    void remove(std::uint32_t j) {
        chosen_[j] = 0;
        for (std::size_t t = red_.cand_start[j]; t < red_.cand_start[j + 1]; ++t) {
            const std::uint32_t r = red_.cand_row[t];
            if (count_[r]-- == red_.need[r]) value_ -= red_.weight[r];
        }
    }
    // What adding j (not chosen) adds.
    double gain(std::uint32_t j) const {
        double g = 0;
        for (std::size_t t = red_.cand_start[j]; t < red_.cand_start[j + 1]; ++t) {
            const std::uint32_t r = red_.cand_row[t];
            if (count_[r] + 1 == red_.need[r]) g += red_.weight[r];
        }
        return g;
    }
    // With depth > 1: the weight of rows j brings a step closer without making them count, each
    // row's weight shared among the steps it needs. The greedy pass's second key.
    double progress(std::uint32_t j) const {
        double p = 0;
        for (std::size_t t = red_.cand_start[j]; t < red_.cand_start[j + 1]; ++t) {
            const std::uint32_t r = red_.cand_row[t];
            if (count_[r] + 1 < red_.need[r]) p += red_.weight[r] / red_.need[r];
        }
        return p;
    }
    // What removing j (chosen) loses.
    double loss(std::uint32_t j) const {
        double l = 0;
        for (std::size_t t = red_.cand_start[j]; t < red_.cand_start[j + 1]; ++t) {
            const std::uint32_t r = red_.cand_row[t];
            if (count_[r] == red_.need[r]) l += red_.weight[r];
        }
        return l;
    }

private:
    const Reduced& red_;
    std::vector<std::uint32_t> count_;
    std::vector<char> chosen_;
    double value_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Lazy greedy: the candidate adding the most (then, with depth > 1, bringing the most weight
// closer to its need), ties by the lowest index. Keys are re-evaluated only when they could lead;
// with depth > 1, where gains can grow, the candidates whose gain grew are pushed again.

struct Key {
    double gain = 0;
    double progress = 0;
    std::uint32_t candidate = 0;
};
struct KeyLess {  // the heap's top is the best key
    bool operator()(const Key& a, const Key& b) const {
        if (a.gain != b.gain) return a.gain < b.gain;
        if (a.progress != b.progress) return a.progress < b.progress;
        return a.candidate > b.candidate;
    }
};

struct GreedyOptions {
    const std::vector<std::uint32_t>* among = nullptr;  // candidates allowed (all when null)
    std::size_t limit = 0;                              // at most this many added
    bool honour_conflicts = true;
    std::optional<double> target_value;                 // stop once cover.value() reaches it
};

// Adds to `cover` (chosen ones stay) and returns the candidates added with their gains.
std::vector<std::pair<std::uint32_t, double>> greedy(const Reduced& red, Cover& cover, const GreedyOptions& options) {
    const bool deep = std::any_of(red.need.begin(), red.need.end(), [](std::uint32_t n) { return n > 1; });
    std::vector<char> blocked(red.candidates, 0);
    std::vector<std::pair<std::uint32_t, double>> added;
    const auto key_of = [&](std::uint32_t j) { return Key{cover.gain(j), deep ? cover.progress(j) : 0.0, j}; };
    std::priority_queue<Key, std::vector<Key>, KeyLess> heap;
    const auto consider = [&](std::uint32_t j) {
        if (red.covered_rows(j) > 0 && !cover.chosen(j)) heap.push(key_of(j));
    };
    if (options.among) {
        for (std::uint32_t j : *options.among) consider(j);
    } else {
        for (std::uint32_t j = 0; j < red.candidates; ++j) consider(j);
    }
    std::vector<char> allowed;
    if (options.among) {
        allowed.assign(red.candidates, 0);
        for (std::uint32_t j : *options.among) allowed[j] = 1;
    }
    if (options.honour_conflicts)
        for (std::uint32_t j = 0; j < red.candidates; ++j)
            if (cover.chosen(j))
                for (std::uint32_t k : red.conflicts[j]) blocked[k] = 1;

    std::vector<std::uint32_t> stamp(red.candidates, 0);
    std::uint32_t round = 0;
    while (added.size() < options.limit && !heap.empty()) {
        if (options.target_value && cover.value() >= *options.target_value) break;
        const Key top = heap.top();
        heap.pop();
        const std::uint32_t j = top.candidate;
        if (cover.chosen(j) || blocked[j]) continue;
        const Key fresh = key_of(j);
        if (!heap.empty() && KeyLess{}(fresh, heap.top())) {
            heap.push(fresh);
            continue;
        }
        if (fresh.gain <= 0 && fresh.progress <= 0) break;  // nothing left helps
        cover.add(j);
        added.emplace_back(j, fresh.gain);
        if (options.honour_conflicts)
            for (std::uint32_t k : red.conflicts[j]) blocked[k] = 1;
        if (deep) {  // rows now one short of their need raise their other candidates' gains
            ++round;
            for (std::size_t t = red.cand_start[j]; t < red.cand_start[j + 1]; ++t) {
                const std::uint32_t r = red.cand_row[t];
                if (cover.count(r) + 1 != red.need[r]) continue;
                for (std::size_t u = red.row_start[r]; u < red.row_start[r + 1]; ++u) {
                    const std::uint32_t k = red.row_cand[u];
                    if (stamp[k] == round || cover.chosen(k) || blocked[k] || (options.among && !allowed[k])) continue;
                    stamp[k] = round;
                    heap.push(key_of(k));
                }
            }
        }
    }
    return added;
}

// ---------------------------------------------------------------------------------------------
// Swaps: each round the best improving move (one chosen out and one other in, or one in while
// fewer than `sites` are chosen), honouring conflicts, until none improves by more than
// `threshold`, or the work budget is spent.

void swaps(const Reduced& red, Cover& cover, std::vector<std::uint32_t>& chosen, std::size_t sites, double threshold) {
    const std::size_t m = red.candidates;
    std::vector<double> gain(m, 0), corr(m, 0);
    std::vector<std::uint32_t> conflict_count(m, 0), conflict_with(m, 0);
    std::vector<std::uint32_t> touched;
    double work = 0;
    const std::size_t max_rounds = 50 + 4 * sites;
    for (std::size_t round = 0; round < max_rounds && work < swap_work_budget; ++round) {
        std::fill(conflict_count.begin(), conflict_count.end(), 0);
        for (std::uint32_t j : chosen)
            for (std::uint32_t k : red.conflicts[j]) {
                ++conflict_count[k];
                conflict_with[k] = j;
            }
        for (std::uint32_t k = 0; k < m; ++k) gain[k] = cover.chosen(k) || red.covered_rows(k) == 0 ? 0 : cover.gain(k);
        work += static_cast<double>(red.cand_row.size());

        double best = threshold;
        std::optional<std::uint32_t> best_out;
        std::optional<std::uint32_t> best_in;
        if (chosen.size() < sites)
            for (std::uint32_t k = 0; k < m; ++k)
                if (!cover.chosen(k) && conflict_count[k] == 0 && gain[k] > best) {
                    best = gain[k];
                    best_in = k;
                }
        std::vector<std::uint32_t> order = chosen;
        std::sort(order.begin(), order.end());
        for (std::uint32_t j : order) {
            const double loss = cover.loss(j);
            // corr[k]: what k's gain becomes when j leaves, minus its gain now (rows shared with j).
            for (std::size_t t = red.cand_start[j]; t < red.cand_start[j + 1]; ++t) {
                const std::uint32_t r = red.cand_row[t];
                double delta = 0;
                if (cover.count(r) == red.need[r])
                    delta = red.weight[r];
                else if (cover.count(r) + 1 == red.need[r])
                    delta = -red.weight[r];
                else
                    continue;
                for (std::size_t u = red.row_start[r]; u < red.row_start[r + 1]; ++u) {
                    const std::uint32_t k = red.row_cand[u];
                    if (corr[k] == 0) touched.push_back(k);
                    corr[k] += delta;
                }
                work += static_cast<double>(red.row_start[r + 1] - red.row_start[r]);
            }
            for (std::uint32_t k = 0; k < m; ++k) {
                if (cover.chosen(k) || red.covered_rows(k) == 0) continue;
                if (conflict_count[k] > 1 || (conflict_count[k] == 1 && conflict_with[k] != j)) continue;
                const double delta = gain[k] + corr[k] - loss;
                if (delta > best) {
                    best = delta;
                    best_out = j;
                    best_in = k;
                }
            }
            work += static_cast<double>(m);
            for (std::uint32_t k : touched) corr[k] = 0;
            touched.clear();
        }
        if (!best_in) break;
        if (best_out) {
            cover.remove(*best_out);
            chosen.erase(std::find(chosen.begin(), chosen.end(), *best_out));
        }
        cover.add(*best_in);
        chosen.push_back(*best_in);
    }
}

// Removes chosen candidates whose removal keeps the value at least `keep` (a target), those that
// lose least first (ties: the highest index); with no target, those that lose nothing.
void drop_redundant(Cover& cover, std::vector<std::uint32_t>& chosen, double keep) {
    for (;;) {
        std::optional<std::size_t> pick;
        double pick_loss = 0;
        for (std::size_t t = 0; t < chosen.size(); ++t) {
            const double loss = cover.loss(chosen[t]);
            if (cover.value() - loss < keep) continue;
            if (!pick || loss < pick_loss || (loss == pick_loss && chosen[t] > chosen[*pick])) {
                pick = t;
                pick_loss = loss;
            }
        }
        if (!pick) return;
        cover.remove(chosen[*pick]);
        chosen.erase(chosen.begin() + static_cast<std::ptrdiff_t>(*pick));
    }
}

// ---------------------------------------------------------------------------------------------
// The bound: the linear relaxation, by cutting planes over the candidates alone. With x in [0, 1]
// and y eliminated, the relaxation maximises the concave function
//     f(x) = sum_r w_r min(1, a_r(x) / need_r),   a_r(x) = sum_{j covers r} x_j,
// over sum_j x_j <= sites. At any point x0, each row is at most its value there when x0 covers it
// fully (a_r >= need_r), else its linear part, so
//     f(x) <= C + sum_j g_j x_j,  C = the weight of rows x0 covers fully,
//                                 g_j = sum of w_r / need_r over rows j covers that x0 does not,
// a cut valid everywhere (at a choice, the greedy bound: f(S) + every candidate's gain). A master
// linear program (Clp) maximises theta under these cuts; its optimum is re-cut at a point between
// it and the best point so far (in-out stabilisation; at the optimum itself when that does not
// cut), until the master's value meets the best f or a budget is spent (rounds, element visits,
// half the time limit). The relaxation's value bounds every choice (y binary is at most
// min(1, a / need) and conflicts are relaxed), so the linear relaxation of the integer program
// below, without its conflict rows, is what this reaches; the subgradient method it replaces
// stalled at the trivial bound (every reachable row) on the 10-site benchmark.
//
// The bound reported does not trust the master's optimum: its cut duals pi >= 0, normalised to
// sum 1, make the cuts' average C(pi) + sum_j p_j x_j, p_j = sum_t pi_t g_tj, an upper bound on f,
// so on every choice: L = C(pi) + the `sites` largest p_j (a Lagrangian bound, with the p_j as
// reduced profits for the reduction below). The least L over the rounds is kept, with its p.

struct Lagrangian {
    double bound = 0;           // the least L found (rows' value, without the fixed)
    std::vector<double> price;  // p_j at that L
    bool converged = false;     // the cutting planes solved the relaxation (or proved the answer)
    bool enough = false;        // stopped because on_bound said the bound is close enough
};

struct ClpDeleter {
    void operator()(Clp_Simplex* model) const noexcept { Clp_deleteModel(model); }
};

// f at x (per candidate), and the cut there: constant and per-candidate slopes (rows' value).
double cut_at(const Reduced& red, const std::vector<double>& x, std::vector<double>& a, double& constant, std::vector<double>& slope) {
    std::fill(a.begin(), a.end(), 0.0);
    for (std::size_t j = 0; j < red.candidates; ++j)
        if (x[j] > 0)
            for (std::size_t t = red.cand_start[j]; t < red.cand_start[j + 1]; ++t) a[red.cand_row[t]] += x[j];
    double f = 0;
    constant = 0;
    for (std::size_t r = 0; r < red.rows(); ++r) {
        const double need = red.need[r];
        if (a[r] >= need) {
            f += red.weight[r];
            constant += red.weight[r];
            a[r] = 0;  // from here: the row's slope
        } else {
            f += red.weight[r] * a[r] / need;
            a[r] = red.weight[r] / need;
        }
    }
    for (std::size_t j = 0; j < red.candidates; ++j) {
        double sum = 0;
        for (std::size_t t = red.cand_start[j]; t < red.cand_start[j + 1]; ++t) sum += a[red.cand_row[t]];
        slope[j] = sum;
    }
    return f;
}

// The `k` largest of p (all >= 0), summed, and the k-th largest.
std::pair<double, double> top_sum(const std::vector<double>& p, std::size_t k, std::vector<double>& scratch) {
    scratch = p;
    k = std::min(k, scratch.size());
    if (k == 0) return {0.0, 0.0};
    std::nth_element(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(k - 1), scratch.end(), std::greater<>());
    double sum = 0;
    for (std::size_t t = 0; t < k; ++t) sum += scratch[t];
    return {sum, scratch[k - 1]};
}

// `on_bound` is told each new least L (rows' value) and returns true when that is close enough.
template <typename OnBound>
Lagrangian lagrangian_bound(const Reduced& red, std::size_t sites, const std::vector<std::uint32_t>& start, double known, double time_budget_s,
                            OnBound on_bound) {
    const auto begin = Clock::now();
    const std::size_t rows = red.rows();
    const std::size_t m = red.candidates;
    Lagrangian result;
    result.bound = red.row_weight;
    result.price.assign(m, 0);
    if (rows == 0 || sites == 0) {
        result.bound = 0;
        return result;
    }
    std::vector<std::uint32_t> column;  // master column -> candidate (those covering a row)
    for (std::uint32_t j = 0; j < m; ++j)
        if (red.covered_rows(j) > 0) column.push_back(j);
    const std::size_t nx = column.size();
    const double scale = 1 / red.row_weight;

    // Master: columns x (nx), theta; row 0: sum x <= sites; then one row per cut:
    // theta - sum_j g_j x_j <= C (scaled to a total of 1).
    std::unique_ptr<Clp_Simplex, ClpDeleter> master(Clp_newModel());
    if (!master) throw DataError("max cover: Clp could not create a model (out of memory?)");
    Clp_setLogLevel(master.get(), 0);
    {
        std::vector<CoinBigIndex> col_start(nx + 2, 0);
        std::vector<int> index(nx, 0);
        std::vector<double> value(nx, 1), lower(nx + 1, 0), upper(nx + 1, 1), objective(nx + 1, 0);
        for (std::size_t c = 0; c < nx; ++c) col_start[c + 1] = static_cast<CoinBigIndex>(c + 1);
        col_start[nx + 1] = static_cast<CoinBigIndex>(nx);
        objective[nx] = -1;  // Clp minimises
        const double row_lower = -std::numeric_limits<double>::max(), row_upper = static_cast<double>(sites);
        Clp_loadProblem(master.get(), static_cast<int>(nx + 1), 1, col_start.data(), index.data(), value.data(), lower.data(), upper.data(),
                        objective.data(), &row_lower, &row_upper);
    }
    std::vector<double> constants;              // per cut (rows' value)
    std::vector<std::vector<double>> slopes;    // per cut, per master column (rows' value)
    std::vector<double> a(rows), slope(m), x(m, 0), center(m, 0), scratch, p(m);
    std::vector<int> cut_index(nx + 1);
    std::vector<double> cut_value(nx + 1);
    const auto add_cut = [&](double constant) {
        std::vector<double> g(nx);
        int n = 0;
        for (std::size_t c = 0; c < nx; ++c) {
            g[c] = slope[column[c]];
            if (g[c] * scale > 1e-14) {
                cut_index[static_cast<std::size_t>(n)] = static_cast<int>(c);
                cut_value[static_cast<std::size_t>(n)] = -g[c] * scale;
                ++n;
            }
        }
        cut_index[static_cast<std::size_t>(n)] = static_cast<int>(nx);
        cut_value[static_cast<std::size_t>(n)] = 1;
        ++n;
        const CoinBigIndex row_start[2] = {0, static_cast<CoinBigIndex>(n)};
        const double lower = -std::numeric_limits<double>::max(), upper = constant * scale;
        Clp_addRows(master.get(), 1, &lower, &upper, row_start, cut_index.data(), cut_value.data());
        constants.push_back(constant);
        slopes.push_back(std::move(g));
    };

    for (std::uint32_t j : start) center[j] = 1;
    double constant = 0;
    double best_f = cut_at(red, center, a, constant, slope);
    add_cut(constant);
    best_f = std::max(best_f, known);
    double work = 0;
    for (int round = 0; round < cutting_plane_rounds; ++round) {
        Clp_dual(master.get(), 0);
        if (Clp_status(master.get()) != 0) {
            Clp_primal(master.get(), 0);
            if (Clp_status(master.get()) != 0) break;  // numerical trouble: keep the bound so far
        }
        // The bound from the cut duals.
        const double* dual = Clp_getRowPrice(master.get());
        double total = 0;
        for (std::size_t t = 0; t < constants.size(); ++t) total += std::max(0.0, -dual[t + 1]);
        if (total > 0) {
            double c_pi = 0;
            std::fill(p.begin(), p.end(), 0.0);
            for (std::size_t t = 0; t < constants.size(); ++t) {
                const double pi = std::max(0.0, -dual[t + 1]) / total;
                if (pi == 0) continue;
                c_pi += pi * constants[t];
                for (std::size_t c = 0; c < nx; ++c) p[column[c]] += pi * slopes[t][c];
            }
            const double value = c_pi + top_sum(p, sites, scratch).first;
            if (value < result.bound) {
                result.bound = value;
                result.price = p;
                if (on_bound(value * (1 + 1e-12))) {
                    result.enough = true;
                    break;
                }
            }
        }
        work += static_cast<double>(nx) * static_cast<double>(constants.size()) * 4;
        const double theta = -Clp_objectiveValue(master.get()) * red.row_weight;
        if (result.bound - best_f <= 1e-9 * red.row_weight || theta - best_f <= 1e-7 * red.row_weight) {
            result.converged = true;
            break;
        }
        if (work > cutting_plane_work || seconds_since(begin) > time_budget_s) break;
        // Cut between the master's optimum and the best point; at the optimum when that does not cut.
        const double* solution = Clp_getColSolution(master.get());
        for (std::size_t c = 0; c < nx; ++c) x[column[c]] = 0.5 * center[column[c]] + 0.5 * solution[c];
        double f = cut_at(red, x, a, constant, slope);
        work += 4 * static_cast<double>(red.cand_row.size());
        double at_optimum = constant;
        for (std::size_t c = 0; c < nx; ++c) at_optimum += slope[column[c]] * solution[c];
        if (at_optimum >= theta - 1e-9 * red.row_weight) {
            for (std::size_t c = 0; c < nx; ++c) x[column[c]] = solution[c];
            f = cut_at(red, x, a, constant, slope);
            work += 4 * static_cast<double>(red.cand_row.size());
        }
        if (f > best_f) {
            best_f = f;
            center = x;
        }
        add_cut(constant);
    }
    result.bound = std::min(result.bound, red.row_weight) * (1 + 1e-12);  // rounding in the sums
    return result;
}

// ---------------------------------------------------------------------------------------------
// The subgradient bound. Relaxing need_r y_r <= sum_{j covers r} x_j with multipliers u_r >= 0
// (and the conflicts outright) leaves a problem solved by inspection:
//     L(u) = sum_r max(0, w_r - need_r u_r) + the `sites` largest of c_j = sum_{r covered by j} u_r,
// an upper bound on every feasible choice for every u >= 0; subgradient steps (Polyak's, towards
// the greedy value, the step halved after 5 steps without a better bound) lower it towards the
// linear relaxation's value. A number of steps fixed by the program's size (at most 1,000, fewer
// when the program is large), so the bound does not depend on the clock. The multipliers giving
// the least L are kept, with their reduced profits c_j, for the reduction below. Run after the
// cutting planes below when they stop short of the relaxation: on many sites (30 of 3,000) it
// gets close sooner; on the 10-site benchmark it stalls at the trivial bound.


Lagrangian subgradient_bound(const Reduced& red, std::size_t sites, double known) {
    const std::size_t rows = red.rows();
    const std::size_t m = red.candidates;
    Lagrangian result;
    result.price.assign(m, 0);
    if (rows == 0) return result;
    const std::size_t k = std::min(sites, m);
    const double nnz = static_cast<double>(std::max<std::size_t>(red.cand_row.size(), 1));
    const int steps = static_cast<int>(std::clamp(lagrangian_work / nnz, 50.0, 1000.0));
    std::vector<double> u(rows), c(m), g(rows);
    std::vector<std::uint32_t> order(m), cover_count(rows);
    for (std::size_t r = 0; r < rows; ++r) u[r] = 0.9 * red.weight[r] / red.need[r];
    double best = red.row_weight;
    double theta = 2;
    int since_better = 0;
    for (int step = 0; step < steps; ++step) {
        double value = 0;
        for (std::size_t r = 0; r < rows; ++r) value += std::max(0.0, red.weight[r] - red.need[r] * u[r]);
        for (std::size_t j = 0; j < m; ++j) {
            double sum = 0;
            for (std::size_t t = red.cand_start[j]; t < red.cand_start[j + 1]; ++t) sum += u[red.cand_row[t]];
            c[j] = sum;
            order[j] = static_cast<std::uint32_t>(j);
        }
        std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), [&](std::uint32_t a, std::uint32_t b) {
            return c[a] != c[b] ? c[a] > c[b] : a < b;
        });
        std::fill(cover_count.begin(), cover_count.end(), 0);
        for (std::size_t t = 0; t < k; ++t) {
            const std::uint32_t j = order[t];
            value += c[j];
            for (std::size_t e = red.cand_start[j]; e < red.cand_start[j + 1]; ++e) ++cover_count[red.cand_row[e]];
        }
        if (value < best) {
            best = value;
            result.price = c;
            since_better = 0;
        } else if (++since_better >= 5) {
            theta /= 2;
            since_better = 0;
        }
        // Subgradient of L at u: cover_r - need_r y_r; step against it.
        double norm = 0;
        for (std::size_t r = 0; r < rows; ++r) {
            const double y = red.weight[r] > red.need[r] * u[r] ? 1.0 : 0.0;
            g[r] = red.need[r] * y - cover_count[r];
            norm += g[r] * g[r];
        }
        if (norm == 0 || value - known <= 0 || theta < 1e-6) break;
        const double t = theta * (value - known) / norm;
        for (std::size_t r = 0; r < rows; ++r) u[r] = std::max(0.0, u[r] + t * g[r]);
    }
    result.bound = best * (1 + 1e-12);  // rounding in the sums
    return result;
}

// ---------------------------------------------------------------------------------------------
// The integer program, weights scaled to sum 1 over the rows.

struct ProgramResult {
    std::optional<std::vector<std::uint32_t>> chosen;  // CBC's best choice, when it has one
    bool proven_optimal = false;
    bool proven_infeasible = false;
    bool abandoned = false;                            // CBC gave up (numerical trouble): nothing learnt
    bool stopped = false;                              // the time limit stopped it
    bool within_gap = false;                           // it stopped at the fraction gap asked (CBC calls that optimal)
    std::optional<double> bound;                       // max mode: on the rows' scaled value; target mode: on the count
};

// Max mode (target_value empty): maximise the scaled value with at most `sites`.
// Target mode: minimise the count with scaled value >= target_value.
ProgramResult solve_program(const Reduced& red, const std::vector<std::uint32_t>& start, std::size_t sites,
                            std::optional<double> target_value, double time_limit_s, double fraction_gap) {
    const std::size_t m = red.candidates;
    const std::size_t rows = red.rows();
    const double scale = red.row_weight > 0 ? 1 / red.row_weight : 1;
    // Columns: useful candidates (covering a row), then one y per row.
    std::vector<int> column_of(m, -1);
    std::vector<std::uint32_t> candidate_of;
    for (std::uint32_t j = 0; j < m; ++j)
        if (red.covered_rows(j) > 0) {
            column_of[j] = static_cast<int>(candidate_of.size());
            candidate_of.push_back(j);
        }
    const std::size_t nx = candidate_of.size();
    const std::size_t ncols = nx + rows;

    // Program rows: one per reduced row, then the count (or the target), then the conflicts.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
    for (std::uint32_t j = 0; j < m; ++j)
        for (std::uint32_t k : red.conflicts[j])
            if (j < k && column_of[j] >= 0 && column_of[k] >= 0) pairs.emplace_back(j, k);
    const std::size_t link_row = rows;
    const std::size_t nrows = rows + 1 + pairs.size();

    std::vector<int> start_of(ncols + 1, 0);
    std::vector<int> index;
    std::vector<double> value;
    index.reserve(red.cand_row.size() * 2 + rows * 2 + nx + pairs.size() * 2);
    value.reserve(index.capacity());
    std::vector<std::vector<std::uint32_t>> pair_rows_of(m);
    for (std::size_t p = 0; p < pairs.size(); ++p) {
        pair_rows_of[pairs[p].first].push_back(static_cast<std::uint32_t>(rows + 1 + p));
        pair_rows_of[pairs[p].second].push_back(static_cast<std::uint32_t>(rows + 1 + p));
    }
    std::vector<double> col_lower(ncols, 0), col_upper(ncols, 1), objective(ncols, 0);
    std::vector<double> row_lower(nrows, -std::numeric_limits<double>::max()), row_upper(nrows, 0);
    for (std::size_t c = 0; c < nx; ++c) {
        const std::uint32_t j = candidate_of[c];
        for (std::size_t t = red.cand_start[j]; t < red.cand_start[j + 1]; ++t) {
            index.push_back(static_cast<int>(red.cand_row[t]));
            value.push_back(-1);
        }
        index.push_back(static_cast<int>(link_row));
        value.push_back(target_value ? 0 : 1);
        for (std::uint32_t pr : pair_rows_of[j]) {
            index.push_back(static_cast<int>(pr));
            value.push_back(1);
        }
        if (target_value) objective[c] = 1;
        start_of[c + 1] = static_cast<int>(index.size());
    }
    for (std::size_t r = 0; r < rows; ++r) {
        const double w = red.weight[r] * scale;
        index.push_back(static_cast<int>(r));
        value.push_back(static_cast<double>(red.need[r]));
        if (target_value) {
            index.push_back(static_cast<int>(link_row));
            value.push_back(w);
        } else {
            objective[nx + r] = -w;  // CBC minimises
        }
        start_of[nx + r + 1] = static_cast<int>(index.size());
    }
    if (target_value) {
        row_lower[link_row] = *target_value * scale;
        row_upper[link_row] = std::numeric_limits<double>::max();
    } else {
        row_upper[link_row] = static_cast<double>(sites);
    }
    for (std::size_t p = 0; p < pairs.size(); ++p) row_upper[rows + 1 + p] = 1;

    ProgramResult result;
    cbc::Model model;
    Cbc_loadProblem(model.get(), static_cast<int>(ncols), static_cast<int>(nrows), start_of.data(), index.data(), value.data(),
                    col_lower.data(), col_upper.data(), objective.data(), row_lower.data(), row_upper.data());
    for (std::size_t c = 0; c < nx; ++c) Cbc_setInteger(model.get(), static_cast<int>(c));
    for (std::size_t r = 0; r < rows; ++r)
        if (red.need[r] > 1) Cbc_setInteger(model.get(), static_cast<int>(nx + r));
    Cbc_setMaximumSeconds(model.get(), time_limit_s);
    constexpr double allowable_gap = 1e-11;  // of the scaled value (sum 1), or of a count
    Cbc_setAllowableGap(model.get(), target_value ? 0.5 : allowable_gap);
    Cbc_setAllowableFractionGap(model.get(), fraction_gap);
    // A new solution must beat the last by this much (CBC's default, 1e-5 here, would stop short
    // of the optimum and call it proven).
    if (!target_value) Cbc_setParameter(model.get(), "increment", "1e-11");

    // The MIP start: the greedy answer, each row's y as the count makes it. CBC 2.10 cannot take
    // a start on a program with clique rows (at most one site, or a conflict): its preprocessing
    // turns them into equalities with new columns that the start then names wrongly, and the
    // solve is abandoned (Cbc_setInitialSolution instead gives wrong optima and crashes). There
    // CBC starts on its own; the greedy answer is kept whenever CBC does not beat it.
    if (!start.empty() && pairs.empty() && (target_value || sites >= 2)) {
        std::vector<double> initial(ncols, 0);
        std::vector<std::uint32_t> count(rows, 0);
        for (std::uint32_t j : start) {
            if (column_of[j] >= 0) initial[static_cast<std::size_t>(column_of[j])] = 1;
            for (std::size_t t = red.cand_start[j]; t < red.cand_start[j + 1]; ++t) ++count[red.cand_row[t]];
        }
        for (std::size_t r = 0; r < rows; ++r) initial[nx + r] = count[r] >= red.need[r] ? 1 : 0;
        std::vector<int> columns(ncols);
        for (std::size_t c = 0; c < ncols; ++c) columns[c] = static_cast<int>(c);
        Cbc_setMIPStartI(model.get(), static_cast<int>(ncols), columns.data(), initial.data());
    }

    model.solve();

    if (Cbc_isAbandoned(model.get())) {
        result.abandoned = true;
        return result;
    }
    result.proven_optimal = Cbc_isProvenOptimal(model.get()) != 0;
    if (fraction_gap > 0 && result.proven_optimal) {
        // CBC reports a search stopped at the gap as optimal: its incumbent is not a bound then.
        result.proven_optimal = false;
        result.within_gap = true;
    }
    result.proven_infeasible = Cbc_isProvenInfeasible(model.get()) != 0;
    const double incumbent = Cbc_getObjValue(model.get());
    const bool has_solution = std::isfinite(incumbent) && std::abs(incumbent) < 1e20 && !result.proven_infeasible;
    if (has_solution) {
        const double* x = Cbc_getColSolution(model.get());
        if (x) {
            std::vector<std::uint32_t> chosen;
            for (std::size_t c = 0; c < nx; ++c)
                if (x[c] > 0.5) chosen.push_back(candidate_of[c]);
            result.chosen = std::move(chosen);
        }
    }
    const double best_possible = Cbc_getBestPossibleObjValue(model.get());
    std::optional<double> cbc_bound;
    if (result.proven_optimal && has_solution) {
        cbc_bound = target_value ? incumbent : -incumbent + allowable_gap;
    } else if (result.within_gap && has_solution && !target_value) {
        // CBC stops when best possible - incumbent <= max(allowable gap, fraction gap * the larger of
        // the two in magnitude): in the value maximised (v = -incumbent >= 0), at most v / (1 - gap).
        cbc_bound = -incumbent / (1 - fraction_gap) + 2 * allowable_gap;
        if (std::isfinite(best_possible) && best_possible < incumbent - allowable_gap) cbc_bound = std::min(*cbc_bound, -best_possible);
    } else if (std::isfinite(best_possible) && std::abs(best_possible) < 1e20) {
        // Trusted only when it says more than the incumbent: a search stopped early may report the
        // incumbent itself as its best possible value.
        if (!has_solution || best_possible < incumbent - allowable_gap) cbc_bound = target_value ? best_possible : -best_possible;
    }
    result.bound = cbc_bound;
    result.stopped = !result.proven_optimal && !result.proven_infeasible && !result.within_gap;
    return result;
}

// The chosen candidates in greedy order over themselves (conflicts and limit aside), with gains.
void order_by_gain(const Reduced& red, std::vector<std::uint32_t> set, MaxCoverSolution& solution) {
    std::sort(set.begin(), set.end());
    Cover cover(red);
    GreedyOptions options;
    options.among = &set;
    options.limit = set.size();
    options.honour_conflicts = false;
    solution.chosen.clear();
    solution.gain.clear();
    for (const auto& [j, g] : greedy(red, cover, options)) {
        solution.chosen.push_back(j);
        solution.gain.push_back(g);
    }
    // Candidates that add nothing and bring nothing closer (none after dropping the redundant,
    // except those covering no row): at the end, by index.
    std::vector<char> placed(red.candidates, 0);
    for (std::uint32_t j : solution.chosen) placed[j] = 1;
    for (std::uint32_t j : set)
        if (!placed[j]) {
            solution.chosen.push_back(j);
            solution.gain.push_back(0);
        }
}

// Whether CBC's choice keeps the rules exactly (its tolerances are not ours).
bool feasible(const MaxCoverProblem& problem, const std::vector<std::uint32_t>& chosen, std::optional<std::size_t> sites) {
    if (sites && chosen.size() > *sites) return false;
    std::vector<char> in(problem.covers.size(), 0);
    for (std::uint32_t j : chosen) in[j] = 1;
    for (const auto& [a, b] : problem.conflicts)
        if (in[a] && in[b]) return false;
    return true;
}

void check_cancel(const Callbacks& callbacks, double fraction) {
    if (!callbacks.report(fraction, "optimising")) throw DataError("optimisation cancelled");
}

}  // namespace

double max_cover_objective(const MaxCoverProblem& problem, const std::vector<std::uint32_t>& chosen) {
    const std::size_t pieces = problem.weights.size();
    std::vector<unsigned> count(pieces, 0);
    if (!problem.fixed.empty())
        for (std::size_t i = 0; i < pieces && i < problem.fixed.size(); ++i) count[i] = problem.fixed[i];
    for (std::uint32_t j : chosen) {
        if (j >= problem.covers.size())
            throw UsageError(fmt::format("max cover: candidate {} chosen, but there are {} candidates", j, problem.covers.size()));
        for (std::uint32_t i : problem.covers[j])
            if (i < pieces) ++count[i];
    }
    double total = 0;
    for (std::size_t i = 0; i < pieces; ++i)
        if (count[i] >= problem.depth) total += problem.weights[i];
    return total;
}

MaxCoverSolution solve_max_cover(const MaxCoverProblem& problem, const Callbacks& callbacks) {
    const auto start = Clock::now();
    validate(problem);
    check_cancel(callbacks, 0);
    const Reduced red = reduce(problem);
    check_cancel(callbacks, 0.1);

    MaxCoverSolution solution;
    solution.fixed_objective = red.fixed_objective;
    solution.program_rows = red.rows();
    const double tolerance = 1e-9 * red.total_weight;
    const double reachable = red.fixed_objective + red.row_weight;  // every candidate at once, conflicts aside
    Cover cover(red);
    std::vector<std::uint32_t> chosen;

    if (problem.target) {
        // Target mode: `sites` does not apply; the fewest candidates reaching the target.
        const double target = *problem.target;
        const double slack = 1e-12 * red.total_weight;
        const double needed = target - red.fixed_objective - slack;  // in the rows' value
        solution.bound = reachable;
        if (needed <= 0) {
            solution.objective = red.fixed_objective;
            solution.greedy_objective = red.fixed_objective;
            solution.target_reached = true;
            solution.optimal = true;
            solution.method = "greedy and swaps";
            solution.greedy_s = solution.solve_s = seconds_since(start);
            check_cancel(callbacks, 1);
            return solution;
        }
        GreedyOptions options;
        options.limit = red.candidates;
        options.target_value = needed;
        for (const auto& [j, g] : greedy(red, cover, options)) chosen.push_back(j);
        bool reached = cover.value() >= needed;
        drop_redundant(cover, chosen, reached ? needed : cover.value());
        solution.greedy_objective = max_cover_objective(problem, chosen);
        solution.greedy_s = seconds_since(start);
        check_cancel(callbacks, 0.3);

        // A lower bound on the count without the program (depth 1: the objective is submodular, so
        // k candidates add at most their k largest gains alone).
        std::size_t least = 1;
        if (problem.depth == 1) {
            Cover empty(red);
            std::vector<double> alone;
            for (std::uint32_t j = 0; j < red.candidates; ++j)
                if (red.covered_rows(j) > 0) alone.push_back(empty.gain(j));
            std::sort(alone.begin(), alone.end(), std::greater<>());
            double sum = 0;
            least = 0;
            while (least < alone.size() && sum < needed) sum += alone[least++];
            least = std::max<std::size_t>(least, 1);
        }
        bool proven = reached ? least >= chosen.size() : problem.conflicts.empty();
        solution.method = "greedy and swaps";
        const std::size_t nonzeros = 2 * red.cand_row.size() + red.rows();
        if (problem.exact && problem.time_limit_s > 0 && !proven && red.rows() > 0 && nonzeros > program_nonzero_limit(problem.time_limit_s)) {
            solution.method = "greedy and swaps; CBC not run: the program is too large";
        } else if (problem.exact && problem.time_limit_s > 0 && !proven && red.rows() > 0) {
            const ProgramResult program = solve_program(red, reached ? chosen : std::vector<std::uint32_t>{}, 0, needed, problem.time_limit_s, 0);
            solution.method = std::string("greedy and swaps, then CBC: ") +
                              (program.abandoned ? "abandoned" : program.stopped ? "stopped at the time limit" : "optimal");
            if (program.chosen && feasible(problem, *program.chosen, std::nullopt)) {
                const double value = max_cover_objective(problem, *program.chosen);
                if (value >= target - slack && (!reached || program.chosen->size() < chosen.size())) {
                    chosen = *program.chosen;
                    cover.reset(chosen);
                    reached = true;
                    drop_redundant(cover, chosen, needed);
                }
            }
            if (program.bound) least = std::max<std::size_t>(least, static_cast<std::size_t>(std::ceil(*program.bound - 1e-6)));
            proven = reached ? least >= chosen.size() : program.proven_infeasible;
        }
        check_cancel(callbacks, 0.9);
        order_by_gain(red, chosen, solution);
        solution.objective = max_cover_objective(problem, solution.chosen);
        solution.target_reached = reached;
        solution.min_sites_bound = reached ? std::min(least, solution.chosen.size()) : 0;
        solution.optimal = proven;
        solution.solve_s = seconds_since(start);
        check_cancel(callbacks, 1);
        return solution;
    }

    // Maximise with at most `sites`.
    {
        GreedyOptions options;
        options.limit = problem.sites;
        for (const auto& [j, g] : greedy(red, cover, options)) chosen.push_back(j);
    }
    check_cancel(callbacks, 0.2);
    swaps(red, cover, chosen, problem.sites, 1e-12 * red.total_weight);
    drop_redundant(cover, chosen, cover.value());
    solution.greedy_objective = max_cover_objective(problem, chosen);
    solution.greedy_s = seconds_since(start);
    check_cancel(callbacks, 0.3);

    double bound = reachable;
    // The first time the proven gap (bound - answer) / bound falls to 1% or less.
    const auto note_gap = [&](double upper, double answer) {
        if (solution.gap_1pct_s < 0 && upper - answer <= 0.01 * upper) solution.gap_1pct_s = seconds_since(start);
    };
    // Whether the proven gap is as small as asked (never, without a gap).
    const auto close_enough = [&](double upper, double answer) { return problem.gap > 0 && upper - answer <= problem.gap * upper; };
    if (problem.depth == 1) {
        std::vector<double> gains;
        for (std::uint32_t j = 0; j < red.candidates; ++j)
            if (!cover.chosen(j) && red.covered_rows(j) > 0) gains.push_back(cover.gain(j));
        const std::size_t k = std::min(gains.size(), problem.sites);
        std::partial_sort(gains.begin(), gains.begin() + static_cast<std::ptrdiff_t>(k), gains.end(), std::greater<>());
        double sum = red.fixed_objective + cover.value();
        for (std::size_t t = 0; t < k; ++t) sum += gains[t];
        bound = std::min(bound, sum);
    }
    note_gap(bound, solution.greedy_objective);
    Lagrangian lagrangian;
    if (problem.sites > 0 && red.rows() > 0 && bound - solution.greedy_objective > tolerance) {
        const double budget_s = std::max(cutting_plane_min_s, problem.time_limit_s > 0 ? problem.time_limit_s / 2 : 5.0);
        lagrangian = lagrangian_bound(red, problem.sites, chosen, cover.value(), budget_s, [&](double rows_bound) {
            note_gap(red.fixed_objective + rows_bound, solution.greedy_objective);
            return close_enough(std::min(bound, red.fixed_objective + rows_bound), solution.greedy_objective);
        });
        bound = std::min(bound, red.fixed_objective + lagrangian.bound);
        if (!lagrangian.converged && !lagrangian.enough && bound - solution.greedy_objective > tolerance) {
            Lagrangian second = subgradient_bound(red, problem.sites, cover.value());
            if (second.bound < lagrangian.bound) lagrangian = std::move(second);
            bound = std::min(bound, red.fixed_objective + lagrangian.bound);
            note_gap(bound, solution.greedy_objective);
        }
    } else if (problem.sites == 0) {
        bound = red.fixed_objective;
    }
    check_cancel(callbacks, 0.4);
    double objective = solution.greedy_objective;
    solution.method = "greedy and swaps";
    if (problem.exact && problem.time_limit_s > 0 && problem.sites > 0 && red.rows() > 0 && bound - objective > tolerance && !close_enough(bound, objective)) {
        // The Lagrangian reduction: with the best multipliers, a choice holding candidate j is
        // worth at most UB_j = fixed + L - c_(sites) + c_j (j instead of the last of the `sites`
        // largest reduced profits; every c >= 0). Candidates whose UB_j falls short of the answer
        // by more than 1e-9 of the total weight cannot be in a better choice and are left out of
        // the program; the bound on the full problem is then the larger of the program's bound
        // and the largest UB_j left out (below the answer).
        const Reduced* program_red = &red;
        Reduced sub;
        std::size_t kept = 0, useful = 0;
        double dropped_bound = -std::numeric_limits<double>::infinity();
        if (problem.reduce && !lagrangian.price.empty() && red.candidates > problem.sites) {
            std::vector<double> sorted = lagrangian.price;
            const std::size_t k = problem.sites;
            std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(k - 1), sorted.end(), std::greater<>());
            const double kth = sorted[k - 1];
            const double limit = objective - tolerance;
            std::vector<char> keep(red.candidates, 0);
            for (std::uint32_t j = 0; j < red.candidates; ++j) {
                if (red.covered_rows(j) == 0) continue;
                ++useful;
                const double ub = red.fixed_objective + lagrangian.bound - kth + lagrangian.price[j];
                if (cover.chosen(j) || ub >= limit) {
                    keep[j] = 1;
                    ++kept;
                } else {
                    dropped_bound = std::max(dropped_bound, ub);
                }
            }
            if (kept < useful) {
                sub = restrict_to(red, keep);
                program_red = &sub;
                solution.program_rows = sub.rows();
            }
        }
        const std::string reduction =
            program_red == &red ? std::string() : fmt::format(", Lagrangian reduction to {} of {} candidates", kept, useful);
        const std::size_t nonzeros = 2 * program_red->cand_row.size() + program_red->rows();
        if (program_red->rows() == 0) {
            // No kept candidate can add to the answer: it is optimal.
            bound = std::min(bound, std::max(dropped_bound, objective));
            solution.method = "greedy and swaps" + reduction;
        } else if (nonzeros > program_nonzero_limit(problem.time_limit_s)) {
            solution.method = "greedy and swaps" + reduction + "; CBC not run: the program is too large";
        } else {
            // CBC's relative gap is of the program's value, which leaves out the fixed sites' weight: stopping there
            // leaves a gap on the whole of at most the one asked.
            const ProgramResult program = solve_program(*program_red, chosen, problem.sites, std::nullopt, problem.time_limit_s, problem.gap);
            solution.method = "greedy and swaps" + reduction + ", then CBC: " +
                              (program.abandoned      ? "abandoned"
                               : program.stopped    ? "stopped at the time limit"
                               : program.within_gap ? "stopped within the gap asked"
                                                    : "optimal");
            if (program.chosen && feasible(problem, *program.chosen, problem.sites)) {
                const double value = max_cover_objective(problem, *program.chosen);
                if (value > objective) {
                    chosen = *program.chosen;
                    objective = value;
                    cover.reset(chosen);
                    drop_redundant(cover, chosen, cover.value());
                }
            }
            if (program.bound)
                bound = std::min(bound, std::max(dropped_bound, red.fixed_objective + *program.bound * program_red->row_weight));
        }
    }
    check_cancel(callbacks, 0.9);
    order_by_gain(red, chosen, solution);
    solution.objective = max_cover_objective(problem, solution.chosen);
    solution.bound = std::max(bound, solution.objective);
    note_gap(solution.bound, solution.objective);
    solution.optimal = solution.bound - solution.objective <= tolerance;
    solution.solve_s = seconds_since(start);
    check_cancel(callbacks, 1);
    return solution;
}

}  // namespace dza
