#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>

#include "dza/error.hpp"
#include "dza/max_cover.hpp"
#include "helpers.hpp"

using dza::MaxCoverProblem;
using dza::MaxCoverSolution;

namespace {

// The objective of a choice counted directly from the pieces (independent of the solver).
double brute_objective(const MaxCoverProblem& p, std::uint32_t mask) {
    std::vector<unsigned> count(p.weights.size(), 0);
    for (std::size_t i = 0; i < p.fixed.size(); ++i) count[i] = p.fixed[i];
    for (std::size_t j = 0; j < p.covers.size(); ++j)
        if (mask >> j & 1u)
            for (std::uint32_t i : p.covers[j]) ++count[i];
    double total = 0;
    for (std::size_t i = 0; i < p.weights.size(); ++i)
        if (count[i] >= p.depth) total += p.weights[i];
    return total;
}

bool conflict_free(const MaxCoverProblem& p, std::uint32_t mask) {
    for (const auto& [a, b] : p.conflicts)
        if ((mask >> a & 1u) && (mask >> b & 1u)) return false;
    return true;
}

int popcount(std::uint32_t mask) {
    int n = 0;
    for (; mask; mask &= mask - 1) ++n;
    return n;
}

// The best objective of every conflict-free choice of at most p.sites candidates, by brute force.
double brute_best(const MaxCoverProblem& p) {
    double best = -1;
    for (std::uint32_t mask = 0; mask < (1u << p.covers.size()); ++mask)
        if (static_cast<std::size_t>(popcount(mask)) <= p.sites && conflict_free(p, mask)) best = std::max(best, brute_objective(p, mask));
    return best;
}

double total_weight(const MaxCoverProblem& p) {
    double t = 0;
    for (double w : p.weights) t += w;
    return t;
}

MaxCoverProblem random_tiny(std::mt19937& rng) {
    std::uniform_int_distribution<int> n_cand(4, 10), n_piece(5, 30), coin(0, 1), depth_d(1, 2), sites_d(1, 3);
    std::uniform_real_distribution<double> weight(0.0, 1.0);
    MaxCoverProblem p;
    const int m = n_cand(rng), n = n_piece(rng);
    for (int i = 0; i < n; ++i) p.weights.push_back(rng() % 5 == 0 ? 0.5 : weight(rng));  // some equal weights: ties
    const double density = std::uniform_real_distribution<double>(0.1, 0.5)(rng);
    for (int j = 0; j < m; ++j) {
        std::vector<std::uint32_t> cover;
        for (int i = 0; i < n; ++i)
            if (std::bernoulli_distribution(density)(rng)) cover.push_back(static_cast<std::uint32_t>(i));
        p.covers.push_back(cover);
    }
    if (coin(rng)) {
        p.fixed.resize(static_cast<std::size_t>(n));
        for (auto& f : p.fixed) f = static_cast<std::uint8_t>(rng() % 3 == 0 ? rng() % 3 : 0);
    }
    p.depth = static_cast<unsigned>(depth_d(rng));
    p.sites = static_cast<std::size_t>(sites_d(rng));
    if (coin(rng)) {
        const int pairs = static_cast<int>(rng() % 6);
        for (int t = 0; t < pairs; ++t) {
            const auto a = static_cast<std::uint32_t>(rng() % static_cast<unsigned>(m));
            const auto b = static_cast<std::uint32_t>(rng() % static_cast<unsigned>(m));
            if (a != b) p.conflicts.emplace_back(a, b);
        }
    }
    p.time_limit_s = 30;
    return p;
}

// Pieces on a w x h grid; each candidate covers the pieces within `radius` cells of its centre.
MaxCoverProblem grid_instance(std::uint32_t seed, int w, int h, std::size_t candidates, double radius, std::size_t sites) {
    std::mt19937 rng(seed);
    MaxCoverProblem p;
    std::uniform_real_distribution<double> weight(0.5, 1.5);
    for (int i = 0; i < w * h; ++i) p.weights.push_back(weight(rng));
    std::uniform_real_distribution<double> x(0, w), y(0, h);
    const int r = static_cast<int>(std::ceil(radius));
    for (std::size_t j = 0; j < candidates; ++j) {
        const double cx = x(rng), cy = y(rng);
        std::vector<std::uint32_t> cover;
        for (int gy = std::max(0, static_cast<int>(cy) - r); gy <= std::min(h - 1, static_cast<int>(cy) + r); ++gy)
            for (int gx = std::max(0, static_cast<int>(cx) - r); gx <= std::min(w - 1, static_cast<int>(cx) + r); ++gx)
                if (std::hypot(gx + 0.5 - cx, gy + 0.5 - cy) <= radius) cover.push_back(static_cast<std::uint32_t>(gy * w + gx));
        p.covers.push_back(cover);
    }
    p.sites = sites;
    return p;
}

void check_consistent(const MaxCoverProblem& p, const MaxCoverSolution& s) {
    const double tol = 1e-9 * std::max(1.0, total_weight(p));
    CHECK(dza::max_cover_objective(p, s.chosen) == s.objective);
    CHECK(s.bound >= s.objective - tol);
    REQUIRE(s.gain.size() == s.chosen.size());
    double sum = s.fixed_objective;
    for (double g : s.gain) sum += g;
    CHECK(sum == Approx(s.objective).margin(tol));
    std::set<std::uint32_t> distinct(s.chosen.begin(), s.chosen.end());
    CHECK(distinct.size() == s.chosen.size());
    for (const auto& [a, b] : p.conflicts) CHECK_FALSE((distinct.count(a) && distinct.count(b)));
}

}  // namespace

TEST_CASE("max cover: random tiny instances equal the best of every subset", "[max_cover]") {
    std::mt19937 rng(20261128);
    for (int instance = 0; instance < 200; ++instance) {
        MaxCoverProblem p = random_tiny(rng);
        const std::size_t m = p.covers.size();
        const double best = brute_best(p);
        INFO("instance " << instance << ": " << m << " candidates, " << p.weights.size() << " pieces, depth " << p.depth << ", sites "
                         << p.sites << ", " << p.conflicts.size() << " conflicts, fixed " << !p.fixed.empty());
        const MaxCoverSolution s = dza::solve_max_cover(p);
        const double tol = 1e-9 * total_weight(p);
        CHECK(s.objective == Approx(best).margin(tol));
        CHECK(s.optimal);
        CHECK(s.chosen.size() <= p.sites);
        CHECK(s.greedy_objective <= s.objective + tol);
        CHECK(s.fixed_objective == Approx(brute_objective(p, 0)).margin(tol));
        CHECK(s.target_reached);
        check_consistent(p, s);

        // Greedy and swaps alone: feasible, consistent, never above the optimum, bound still valid.
        p.exact = false;
        const MaxCoverSolution g = dza::solve_max_cover(p);
        CHECK(g.objective <= best + tol);
        CHECK(g.objective == Approx(s.greedy_objective).margin(tol));
        CHECK(g.bound >= best - tol);
        CHECK(g.method == "greedy and swaps");
        CHECK(g.chosen.size() <= p.sites);
        check_consistent(p, g);
    }
}

TEST_CASE("max cover: target mode takes the fewest candidates reaching the target", "[max_cover]") {
    std::mt19937 rng(7);
    int unreachable = 0;
    for (int instance = 0; instance < 200; ++instance) {
        MaxCoverProblem p = random_tiny(rng);
        const std::size_t m = p.covers.size();
        double all = 0;  // the best any conflict-free choice achieves
        for (std::uint32_t mask = 0; mask < (1u << m); ++mask)
            if (conflict_free(p, mask)) all = std::max(all, brute_objective(p, mask));
        const double fraction = std::uniform_real_distribution<double>(0.2, 1.05)(rng);
        p.target = fraction * all + (instance % 10 == 0 ? 0.01 : 0.0);  // some targets beyond reach
        const double tol = 1e-12 * total_weight(p);
        int fewest = -1;
        for (std::uint32_t mask = 0; mask < (1u << m); ++mask)
            if (conflict_free(p, mask) && brute_objective(p, mask) >= *p.target - tol && (fewest < 0 || popcount(mask) < fewest))
                fewest = popcount(mask);
        INFO("instance " << instance << ": target " << *p.target << ", best " << all << ", fewest " << fewest << ", depth " << p.depth);
        const MaxCoverSolution s = dza::solve_max_cover(p);
        check_consistent(p, s);
        if (fewest < 0) {
            ++unreachable;
            CHECK_FALSE(s.target_reached);
            CHECK(s.min_sites_bound == 0);
            CHECK(s.optimal);  // proven unreachable
            if (p.conflicts.empty()) CHECK(s.objective == Approx(all).margin(1e-9 * total_weight(p)));
        } else {
            CHECK(s.target_reached);
            CHECK(s.objective >= *p.target - tol);
            CHECK(s.chosen.size() == static_cast<std::size_t>(fewest));
            CHECK(s.min_sites_bound == s.chosen.size());
            CHECK(s.optimal);
        }
    }
    CHECK(unreachable > 0);
}

TEST_CASE("max cover: a greedy trap that the program gets right", "[max_cover]") {
    // Ten equal pieces on a line. A covers pieces 1..8 (80%), B pieces 0..4, C pieces 5..9.
    // Greedy takes A, then B (90%); the swap A -> C gives {B, C}: all of it.
    MaxCoverProblem p;
    p.weights.assign(10, 0.1);
    p.covers = {{1, 2, 3, 4, 5, 6, 7, 8}, {0, 1, 2, 3, 4}, {5, 6, 7, 8, 9}};
    p.sites = 2;
    const MaxCoverSolution s = dza::solve_max_cover(p);
    CHECK(s.objective == Approx(1.0).margin(1e-12));
    CHECK(s.optimal);
    CHECK(s.bound == Approx(1.0).margin(1e-12));
    CHECK(s.chosen == std::vector<std::uint32_t>{1, 2});  // both add half; ties by index
    CHECK(s.gain[0] == Approx(0.5));
    CHECK(s.gain[1] == Approx(0.5));

    // The swaps have to find it: without them greedy stops at 90%.
    p.exact = false;
    CHECK(dza::solve_max_cover(p).objective == Approx(1.0).margin(1e-12));

    // A trap no single swap gets out of. Seven pieces weighing 1 2 1 2 2 2 2 (12 in all), two
    // sites. Greedy takes candidate 0 ({1,2,3,4,6}: 9; candidate 4 ties, higher index), then
    // candidate 2 ({1,5}: adds piece 5, tied with 4): 11. Every swap of one for one gives at most
    // 11; only {3, 4} covers all 12.
    MaxCoverProblem q;
    q.weights = {1, 2, 1, 2, 2, 2, 2};
    q.covers = {{1, 2, 3, 4, 6}, {2, 3, 4, 6}, {1, 5}, {0, 1, 3, 4}, {2, 3, 4, 5, 6}};
    q.sites = 2;
    q.exact = false;
    const MaxCoverSolution g = dza::solve_max_cover(q);
    CHECK(g.objective == 11);
    CHECK(g.chosen == std::vector<std::uint32_t>{0, 2});
    CHECK_FALSE(g.optimal);
    q.exact = true;
    const MaxCoverSolution t = dza::solve_max_cover(q);
    CHECK(t.greedy_objective == 11);
    CHECK(t.objective == 12);
    CHECK(t.chosen == std::vector<std::uint32_t>{4, 3});  // 9, then 3 more
    CHECK(t.gain == std::vector<double>{9, 3});
    CHECK(t.optimal);
    CHECK(t.bound == Approx(12).margin(1e-9));
    CHECK(t.method == "greedy and swaps, then CBC: optimal");

}

TEST_CASE("max cover: the program beats greedy and swaps on an instance they cannot solve", "[max_cover]") {
    // Random small instances (depth 1 and 2, conflicts, fixed sites) where greedy and swaps stop
    // short of the brute-force optimum: the program must close the gap and prove it.
    std::mt19937 rng(99);
    int found = 0;
    for (int instance = 0; instance < 400 && found < 5; ++instance) {
        MaxCoverProblem p = random_tiny(rng);
        const double best = brute_best(p);
        const MaxCoverSolution s = dza::solve_max_cover(p);
        if (s.greedy_objective < best - 1e-9) {
            ++found;
            CHECK(s.objective == Approx(best).margin(1e-9));
            CHECK(s.greedy_objective < s.objective);
            CHECK(s.method == "greedy and swaps, then CBC: optimal");
        }
    }
    CHECK(found > 0);
}

TEST_CASE("max cover: the same answer twice", "[max_cover]") {
    MaxCoverProblem p = grid_instance(3, 60, 60, 400, 5.5, 8);
    std::mt19937 rng(5);
    for (int t = 0; t < 200; ++t) p.conflicts.emplace_back(static_cast<std::uint32_t>(rng() % 400), static_cast<std::uint32_t>(rng() % 400));
    p.conflicts.erase(std::remove_if(p.conflicts.begin(), p.conflicts.end(), [](const auto& c) { return c.first == c.second; }),
                      p.conflicts.end());
    p.time_limit_s = 20;
    const MaxCoverSolution a = dza::solve_max_cover(p);
    const MaxCoverSolution b = dza::solve_max_cover(p);
    check_consistent(p, a);
    CHECK(a.optimal);  // well within the time limit, so the answer cannot depend on the clock
    CHECK(a.chosen == b.chosen);
    CHECK(a.gain == b.gain);
    CHECK(a.objective == b.objective);
    p.exact = false;
    const MaxCoverSolution c = dza::solve_max_cover(p);
    const MaxCoverSolution d = dza::solve_max_cover(p);
    CHECK(c.chosen == d.chosen);
    CHECK(c.objective == d.objective);
    CHECK(c.bound == d.bound);
}

TEST_CASE("max cover: the time limit holds and the bound is above every choice tried", "[max_cover]") {
    // 2,000 candidates over 20,000 pieces (a 200 x 100 grid), each covering a disc of ~110 pieces.
    MaxCoverProblem p = grid_instance(11, 200, 100, 2000, 6, 25);
    p.time_limit_s = 2;
    const MaxCoverSolution s = dza::solve_max_cover(p);
    check_consistent(p, s);
    INFO("greedy " << s.greedy_s << " s, all " << s.solve_s << " s, " << s.method);
    CHECK(s.solve_s < p.time_limit_s + s.greedy_s + 3.0);  // CBC stops within its limit; 3 s for building the program
    CHECK(s.program_rows <= p.weights.size());
    CHECK(s.objective >= s.greedy_objective);

    // Random feasible choices (and random walks from the answer) never beat the bound.
    std::mt19937 rng(12);
    double best_random = 0;
    for (int t = 0; t < 300; ++t) {
        std::vector<std::uint32_t> choice = s.chosen;
        const int changes = 1 + static_cast<int>(rng() % 5);
        for (int c = 0; c < changes && !choice.empty(); ++c) choice[rng() % choice.size()] = static_cast<std::uint32_t>(rng() % 2000);
        if (t % 2) {
            choice.clear();
            for (std::size_t k = 0; k < p.sites; ++k) choice.push_back(static_cast<std::uint32_t>(rng() % 2000));
        }
        std::sort(choice.begin(), choice.end());
        choice.erase(std::unique(choice.begin(), choice.end()), choice.end());
        best_random = std::max(best_random, dza::max_cover_objective(p, choice));
    }
    CHECK(s.bound >= best_random);
    CHECK(s.bound >= s.objective);
    CHECK(s.bound <= total_weight(p) * (1 + 1e-12));
}

TEST_CASE("max cover: a program too large for CBC keeps greedy's answer with the Lagrangian bound", "[max_cover]") {
    // 3,000 candidates over a 150 x 100 grid, discs of ~200 pieces: 1.2 million nonzeros.
    MaxCoverProblem p = grid_instance(21, 150, 100, 3000, 8, 30);
    p.time_limit_s = 1;
    const MaxCoverSolution s = dza::solve_max_cover(p);
    check_consistent(p, s);
    // The reduction leaves about 2,300 candidates, 0.9 million nonzeros: too many for a second.
    CHECK(s.method.find("CBC not run: the program is too large") != std::string::npos);
    CHECK(s.objective == s.greedy_objective);
    // The Lagrangian bound is close (1% here) and above every choice tried: the answer, and each
    // of its neighbours by one swap.
    CHECK(s.bound <= s.objective * 1.01);
    double best_neighbour = 0;
    for (std::size_t t = 0; t < s.chosen.size(); ++t)
        for (std::uint32_t k = 0; k < 3000; k += 7) {
            std::vector<std::uint32_t> choice = s.chosen;
            if (std::find(choice.begin(), choice.end(), k) != choice.end()) continue;
            choice[t] = k;
            best_neighbour = std::max(best_neighbour, dza::max_cover_objective(p, choice));
        }
    CHECK(s.bound >= best_neighbour);
    CHECK(s.bound >= s.objective);
}

TEST_CASE("max cover: the Lagrangian reduction keeps the optimum on small instances", "[max_cover]") {
    // Instances of 12 to 16 candidates (every subset checked), on which greedy and swaps often
    // cannot prove their answer, so the program runs after the reduction.
    std::mt19937 rng(777);
    int reduced = 0;
    for (int instance = 0; instance < 300; ++instance) {
        MaxCoverProblem p = random_tiny(rng);
        const int extra = 4 + static_cast<int>(rng() % 5);
        const auto n = static_cast<std::uint32_t>(p.weights.size());
        for (int e = 0; e < extra; ++e) {
            std::vector<std::uint32_t> cover;
            const std::uint32_t begin = static_cast<std::uint32_t>(rng() % n), length = 1 + static_cast<std::uint32_t>(rng() % 8);
            for (std::uint32_t i = begin; i < std::min(n, begin + length); ++i) cover.push_back(i);
            p.covers.push_back(cover);
        }
        const std::size_t m = p.covers.size();
        const double best = brute_best(p);
        const MaxCoverSolution s = dza::solve_max_cover(p);
        INFO("instance " << instance << ": " << m << " candidates, depth " << p.depth << ", sites " << p.sites << ", " << s.method);
        const double tol = 1e-9 * total_weight(p);
        CHECK(s.objective == Approx(best).margin(tol));
        CHECK(s.bound >= best - tol);
        CHECK(s.optimal);
        check_consistent(p, s);
        if (s.method.find("Lagrangian reduction") != std::string::npos) ++reduced;
    }
    INFO(reduced << " of 300 instances reduced");
    CHECK(reduced >= 10);
}

TEST_CASE("max cover: the Lagrangian reduction gives the unreduced program's optimum", "[max_cover]") {
    // 3,000 candidates over 5,000 pieces (a 100 x 50 grid), discs of ~110 pieces, five sites; the
    // program improves on greedy and swaps here.
    MaxCoverProblem p = grid_instance(2026, 100, 50, 3000, 6, 5);
    p.time_limit_s = 60;
    const MaxCoverSolution s = dza::solve_max_cover(p);
    INFO(s.method);
    check_consistent(p, s);
    CHECK(s.method.find("Lagrangian reduction to ") != std::string::npos);
    CHECK(s.method.find("then CBC: optimal") != std::string::npos);
    CHECK(s.optimal);

    p.reduce = false;
    const MaxCoverSolution full = dza::solve_max_cover(p);
    INFO(full.method);
    check_consistent(p, full);
    CHECK(full.method == "greedy and swaps, then CBC: optimal");
    REQUIRE(full.optimal);
    const double tol = 1e-9 * total_weight(p);
    CHECK(s.objective == Approx(full.objective).margin(tol));
    CHECK(s.bound >= full.objective - tol);
    CHECK(full.bound >= s.objective - tol);

    // Random choices of five (and the answer with one or two sites changed) never beat the bound.
    std::mt19937 rng(32);
    for (int t = 0; t < 2000; ++t) {
        std::vector<std::uint32_t> choice = s.chosen;
        if (t % 2) {
            choice.clear();
            for (std::size_t k = 0; k < p.sites; ++k) choice.push_back(static_cast<std::uint32_t>(rng() % 3000));
        } else {
            const int changes = 1 + static_cast<int>(rng() % 2);
            for (int c = 0; c < changes; ++c) choice[rng() % choice.size()] = static_cast<std::uint32_t>(rng() % 3000);
        }
        std::sort(choice.begin(), choice.end());
        choice.erase(std::unique(choice.begin(), choice.end()), choice.end());
        CHECK(dza::max_cover_objective(p, choice) <= s.bound + tol);
    }
}

// The lines of a cyclic projective plane: points 0..n-1, line j = {j + d mod n : d in the
// difference set}; any two lines meet in exactly one point, every point lies on |set| lines.
MaxCoverProblem projective_plane(std::uint32_t n, const std::vector<std::uint32_t>& difference_set, std::size_t sites) {
    MaxCoverProblem p;
    p.weights.assign(n, 1.0);
    for (std::uint32_t j = 0; j < n; ++j) {
        std::vector<std::uint32_t> line;
        for (std::uint32_t d : difference_set) line.push_back((j + d) % n);
        std::sort(line.begin(), line.end());
        p.covers.push_back(line);
    }
    p.sites = sites;
    return p;
}

TEST_CASE("max cover: the bound reaches the linear relaxation, and the program closes its gap", "[max_cover]") {
    // Projective planes (Fano: 7 points, lines of 3; order 3: 13 points, lines of 4), `sites`
    // lines. Every point lies on as many lines as a line has points (s), so with x_j = sites / n
    // each point is covered sites * s / n <= 1 times: the relaxation's value is sites * s (each
    // point counts what covers it, and the lines hold sites * s in all), while any `sites` lines
    // cover fewer points (every two share one): 5 of 7 with two Fano lines, 10 of 13 with three
    // concurrent lines of order 3. Greedy's own bound (answer + the largest gains) is the total
    // there, so only the relaxation proves more.
    struct Plane {
        std::uint32_t n;
        std::vector<std::uint32_t> set;
        std::size_t sites;
    };
    for (const Plane& plane : {Plane{7, {0, 1, 3}, 2}, Plane{13, {0, 1, 3, 9}, 3}}) {
        MaxCoverProblem p = projective_plane(plane.n, plane.set, plane.sites);
        const double s_points = static_cast<double>(plane.set.size());
        const double relaxation = static_cast<double>(plane.sites) * s_points;
        double best = -1;
        for (std::uint32_t mask = 0; mask < (1u << p.covers.size()); ++mask)
            if (static_cast<std::size_t>(popcount(mask)) <= p.sites) best = std::max(best, brute_objective(p, mask));
        REQUIRE(best == (plane.n == 7 ? 5 : 10));  // strictly below the relaxation
        INFO(plane.n << " points, " << plane.sites << " sites");

        p.exact = false;  // greedy, swaps and the bound only
        const MaxCoverSolution g = dza::solve_max_cover(p);
        check_consistent(p, g);
        CHECK(g.objective == best);
        CHECK(g.bound >= relaxation - 1e-9);  // valid: the relaxation's value is reached by x = sites / n
        CHECK(g.bound <= relaxation + 1e-6);  // and reached: not the total (greedy's bound)
        CHECK_FALSE(g.optimal);

        p.exact = true;  // the program (CBC) closes the relaxation's gap
        const MaxCoverSolution s = dza::solve_max_cover(p);
        check_consistent(p, s);
        CHECK(s.objective == best);
        CHECK(s.bound == Approx(best).margin(1e-9 * plane.n));
        CHECK(s.optimal);
        CHECK(s.gap_1pct_s >= 0);
        CHECK(s.gap_1pct_s <= s.solve_s);
    }
}

TEST_CASE("max cover: the bound without the program is above every choice on small instances", "[max_cover]") {
    // Greedy, swaps and the cutting-plane bound alone (no program): the bound is at least the best
    // of every subset, which is at least the answer.
    std::mt19937 rng(4242);
    for (int instance = 0; instance < 300; ++instance) {
        MaxCoverProblem p = random_tiny(rng);
        const int extra = static_cast<int>(rng() % 7);
        const auto n = static_cast<std::uint32_t>(p.weights.size());
        for (int e = 0; e < extra; ++e) {
            std::vector<std::uint32_t> cover;
            const std::uint32_t begin = static_cast<std::uint32_t>(rng() % n), length = 1 + static_cast<std::uint32_t>(rng() % 10);
            for (std::uint32_t i = begin; i < std::min(n, begin + length); ++i) cover.push_back(i);
            p.covers.push_back(cover);
        }
        p.exact = false;
        const std::size_t m = p.covers.size();
        const double best = brute_best(p);
        const MaxCoverSolution s = dza::solve_max_cover(p);
        INFO("instance " << instance << ": " << m << " candidates, depth " << p.depth << ", sites " << p.sites << ", " << s.method);
        const double tol = 1e-9 * total_weight(p);
        CHECK(s.bound >= best - tol);
        CHECK(s.objective <= best + tol);
        CHECK(s.bound <= total_weight(p) * (1 + 1e-12));
        check_consistent(p, s);
        if (s.bound - s.objective <= 0.01 * s.bound) {
            CHECK(s.gap_1pct_s >= 0);
        } else {
            CHECK(s.gap_1pct_s == -1);
        }
    }
}

TEST_CASE("max cover: a gap asked stops early, and the bound still holds", "[max_cover]") {
    // Projective planes: the answer is optimal at once, but only the integer program proves it
    // (the relaxation is 6 against 5, 12 against 10; see above). A gap wider than the relaxation's
    // needs no program; a narrower one runs CBC with that gap.
    for (const auto& [n, set, sites] : {std::tuple<std::uint32_t, std::vector<std::uint32_t>, std::size_t>{7, {0, 1, 3}, 2},
                                        std::tuple<std::uint32_t, std::vector<std::uint32_t>, std::size_t>{13, {0, 1, 3, 9}, 3}}) {
        MaxCoverProblem p = projective_plane(n, set, sites);
        const double best = n == 7 ? 5 : 10, relaxation = static_cast<double>(sites * set.size());
        INFO(n << " points");
        p.gap = 0.25;
        const MaxCoverSolution wide = dza::solve_max_cover(p);
        check_consistent(p, wide);
        CHECK(wide.method == "greedy and swaps");
        CHECK(wide.objective == best);
        CHECK(wide.bound >= relaxation - 1e-9);
        CHECK(wide.bound - wide.objective <= 0.25 * wide.bound);
        p.gap = 0.05;
        const MaxCoverSolution narrow = dza::solve_max_cover(p);
        check_consistent(p, narrow);
        CHECK_THAT(narrow.method, Catch::Contains("then CBC"));
        CHECK(narrow.objective == best);
        CHECK(narrow.bound >= best - 1e-9);
        CHECK(narrow.bound - narrow.objective <= 0.05 * narrow.bound + 1e-9);
    }

    // Random tiny instances against brute force: the bound is above the best of every subset, the
    // answer below it, and the two within the gap asked.
    std::mt19937 rng(29112026);
    const double gaps[] = {0.001, 0.02, 0.1, 0.3};
    for (int instance = 0; instance < 300; ++instance) {
        MaxCoverProblem p = random_tiny(rng);
        p.gap = gaps[instance % 4];
        const double best = brute_best(p);
        const MaxCoverSolution s = dza::solve_max_cover(p);
        INFO("instance " << instance << ", gap " << p.gap << ": " << s.method);
        const double tol = 1e-9 * std::max(1.0, total_weight(p));
        CHECK(s.bound >= best - tol);
        CHECK(s.objective <= best + tol);
        CHECK(s.bound - s.objective <= p.gap * s.bound + tol);
        check_consistent(p, s);
    }

    // A grid instance too large for brute force, against its proven optimum.
    MaxCoverProblem p = grid_instance(7, 30, 30, 300, 2.6, 12);
    p.time_limit_s = 30;
    const MaxCoverSolution exact = dza::solve_max_cover(p);
    REQUIRE(exact.optimal);
    const double tol = 1e-9 * total_weight(p);
    for (const double gap : {0.0005, 0.005, 0.05}) {
        p.gap = gap;
        const MaxCoverSolution s = dza::solve_max_cover(p);
        INFO("gap " << gap << ": " << s.method);
        check_consistent(p, s);
        CHECK(s.bound >= exact.objective - tol);
        CHECK(s.objective <= exact.objective + tol);
        CHECK(s.bound - s.objective <= gap * s.bound + tol);
    }
}

TEST_CASE("max cover: malformed problems are usage errors", "[max_cover]") {
    using dza::test::error_of;
    MaxCoverProblem p;
    p.weights = {1, 2};
    p.covers = {{0}, {1}};
    const auto error = [&](MaxCoverProblem q) { return error_of<dza::UsageError>([&] { dza::solve_max_cover(q); }); };
    {
        auto q = p;
        q.covers[1] = {2};
        CHECK(error(q) == "max cover: candidate 1 covers piece 2, but there are 2 pieces");
    }
    {
        auto q = p;
        q.weights[0] = -1;
        CHECK(error(q) == "max cover: piece 0 has weight -1, expected a finite number >= 0");
        q.weights[0] = std::nan("");
        CHECK(error(q) != "no error");
    }
    {
        auto q = p;
        q.depth = 0;
        CHECK(error(q) == "max cover: depth is 0, expected 1 (cover) or more (backup)");
    }
    {
        auto q = p;
        q.conflicts = {{0, 2}};
        CHECK(error(q) == "max cover: conflict (0, 2) names a candidate beyond the 2 given");
    }
    for (const double gap : {-0.1, 1.0, std::nan("")}) {
        auto q = p;
        q.gap = gap;
        CHECK_THAT(error(q), Catch::StartsWith("max cover: gap") && Catch::EndsWith("expected a fraction in [0, 1)"));
    }
    {
        auto q = p;
        q.covers[0] = {1, 0};
        CHECK(error(q) != "no error");
        q.covers[0] = {};
        q.fixed = {1};
        CHECK(error(q) != "no error");
    }
}

TEST_CASE("max cover: fixed sites, nothing to choose, cancellation", "[max_cover]") {
    MaxCoverProblem p;
    p.weights = {1, 2, 3};
    p.covers = {{0, 1}, {1, 2}};
    p.fixed = {1, 0, 0};
    p.sites = 1;
    const MaxCoverSolution s = dza::solve_max_cover(p);
    CHECK(s.fixed_objective == 1);
    CHECK(s.objective == 6);
    CHECK(s.chosen == std::vector<std::uint32_t>{1});
    CHECK(s.gain == std::vector<double>{5});
    CHECK(s.program_rows == 2);  // piece 0 counts already; pieces 1 ({0, 1}) and 2 ({1}) differ
    CHECK(s.optimal);

    p.sites = 0;
    const MaxCoverSolution none = dza::solve_max_cover(p);
    CHECK(none.chosen.empty());
    CHECK(none.objective == 1);
    CHECK(none.bound == 1);
    CHECK(none.optimal);

    p.sites = 2;
    dza::Callbacks cancel;
    cancel.progress = [](double fraction, std::string_view) { return fraction < 0.25; };
    CHECK(dza::test::error_of<dza::DataError>([&] { dza::solve_max_cover(p, cancel); }) == "optimisation cancelled");
}

TEST_CASE("max cover: timing on 1,000 and 10,000 candidates over 30,000 pieces", "[.bench]") {
    // 300 x 100 grid, discs of ~1,000 pieces (radius 17.85 cells), ten sites. Prints its figures.
    for (std::size_t candidates : {1000, 10000}) {
        MaxCoverProblem p = grid_instance(2026, 300, 100, candidates, 17.85, 10);
        const double total = total_weight(p);
        for (bool exact : {false, true}) {
            p.exact = exact;
            const MaxCoverSolution s = dza::solve_max_cover(p);
            std::printf("%zu candidates, exact %d: rows %zu, greedy %.6f in %.2f s, objective %.6f, bound %.6f, gap %.4f%%, all %.2f s, %s\n",
                        candidates, exact, s.program_rows, s.greedy_objective / total, s.greedy_s, s.objective / total, s.bound / total,
                        100 * (s.bound - s.objective) / s.bound, s.solve_s, s.method.c_str());
        }
    }
}
