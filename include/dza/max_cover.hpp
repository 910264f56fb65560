#pragma once
// Maximal covering: choose sites among candidates so that the demand they cover weighs the most.
//
// The problem. Demand is cut into pieces, each with a weight (its share of the objective). A
// candidate covers some pieces; fixed sites already cover some pieces a number of times. A piece
// counts when it is covered at least `depth` times by the fixed sites and the chosen candidates
// together (depth 1: covered; depth 2: backed up). Choose at most `sites` candidates, no two of a
// conflicting pair (e.g. closer than a minimum separation), to maximise the weight that counts;
// or, with a `target`, the fewest candidates whose objective reaches it.
//
// The method. First a fast answer: a lazy greedy pass (the candidate adding the most weight,
// gains re-evaluated only when they could lead), then swaps (one chosen candidate for one not
// chosen, the best improving swap each round) until none improves. Then, unless told not to, the
// integer program, solved by CBC (COIN-OR branch and cut) within the time limit, started from the
// greedy answer:
//     maximise  sum_i w_i y_i
//     s.t.      need_i y_i <= sum_{j covers i} x_j   (need_i = depth - fixed cover of i)
//               sum_j x_j <= sites;  x_j + x_k <= 1 for each conflicting pair
//               x_j in {0, 1};  y_i in [0, 1] (binary when need_i > 1)
// Pieces covered by the same candidates are merged first, and pieces the fixed sites already
// count or no candidate can make count are left out of the program (a constant, or nothing).
//
// The bound. `bound` is a proven upper bound on the objective of every feasible choice: CBC's
// best possible value, or without the program (or before it proves more) the least of the sum of
// every reachable piece's weight and, for depth 1, the greedy bound f(S) + the `sites` largest
// gains over the answer S (the objective is submodular). The answer is optimal when the bound
// equals the objective to 1e-9 of the total weight.
//
// Determinism. Ties go to the lowest candidate index; CBC runs on one thread. The same problem
// gives the same answer unless the time limit stops CBC before it proves optimality.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dza/callbacks.hpp"

namespace dza {

struct MaxCoverProblem {
    std::vector<double> weights;                     // per piece, >= 0
    std::vector<std::vector<std::uint32_t>> covers;  // per candidate: the pieces it covers, ascending, no repeats
    std::vector<std::uint8_t> fixed;                 // per piece: times the fixed sites cover it; empty: none
    unsigned depth = 1;                              // times a piece must be covered to count, 1 or more
    std::size_t sites = 1;                           // choose at most this many candidates
    std::optional<double> target;                    // instead: the fewest candidates whose objective reaches this
    std::vector<std::pair<std::uint32_t, std::uint32_t>> conflicts;  // candidate pairs that cannot both be chosen
    double time_limit_s = 60;                        // for the integer program (the greedy pass is not limited)
    bool exact = true;                               // false: the greedy answer and swaps only
};

struct MaxCoverSolution {
    // The candidates chosen, in the order they add the most (each one's gain is what it adds to
    // the fixed sites and the ones before it), ties by index.
    std::vector<std::uint32_t> chosen;
    std::vector<double> gain;       // aligned with chosen
    double objective = 0;           // the weight that counts with the chosen candidates (and the fixed sites)
    double fixed_objective = 0;     // the weight the fixed sites alone make count
    double greedy_objective = 0;    // after the greedy pass and swaps
    double bound = 0;               // proven upper bound on any feasible choice's objective (see above)
    bool optimal = false;           // bound - objective <= 1e-9 * total weight
    // With a target: the proven least number of candidates that can reach it (chosen.size() when
    // optimal); 0 otherwise.
    std::size_t min_sites_bound = 0;
    bool target_reached = true;     // with a target: whether the chosen candidates reach it
    std::string method;             // "greedy and swaps", "greedy and swaps, then CBC: optimal", "... CBC: stopped at the time limit"
    double greedy_s = 0;            // wall time of the greedy pass and swaps
    double solve_s = 0;             // wall time in all
    std::size_t program_rows = 0;   // pieces in the integer program after merging
};

// The weight that counts (see above) for a choice of candidates (any order, no repeats).
double max_cover_objective(const MaxCoverProblem& problem, const std::vector<std::uint32_t>& chosen);

// Solves the problem (see above). UsageError for a malformed problem (a piece index out of range,
// weights not finite or negative, depth 0, a conflict naming an unknown candidate). Progress and
// cancellation through `callbacks`.
MaxCoverSolution solve_max_cover(const MaxCoverProblem& problem, const Callbacks& callbacks = {});

}  // namespace dza
