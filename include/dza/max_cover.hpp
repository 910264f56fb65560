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
// gains re-evaluated only when they could lead; with depth > 1, where a piece counts only once
// covered `depth` times, ties in gain go to the candidate bringing the most weight closer to its
// need, and the pass is a heuristic), then swaps (one chosen candidate for one not chosen, or one
// more while fewer than `sites` are chosen, the best improving move each round) until none
// improves by more than 1e-12 of the total weight, at most 50 + 4 * sites rounds and about 1.5e9
// element visits in all. Candidates adding nothing are then dropped. Then, unless told not to or
// the greedy answer is already proven optimal (see the bound), the integer program, solved by CBC
// (COIN-OR branch and cut) within the time limit, on one thread, started from the greedy answer
// where CBC 2.10 can take a start (not with one site or with conflicts, whose clique rows break
// it; there CBC starts on its own):
//     maximise  sum_i w_i y_i
//     s.t.      need_i y_i <= sum_{j covers i} x_j   (need_i = depth - fixed cover of i)
//               sum_j x_j <= sites;  x_j + x_k <= 1 for each conflicting pair
//               x_j in {0, 1};  y_i in [0, 1] (binary when need_i > 1)
// Pieces covered by the same candidates (with the same need) are merged first, and pieces the
// fixed sites already count or no candidate can make count are left out of the program (a
// constant, or nothing). CBC's answer is taken when it is better; never a worse one.
//
// The target. With `target` (in the objective's units, fixed sites included), `sites` does not
// apply: greedy adds until the objective reaches the target to 1e-12 of the total weight, drops
// the candidates it can spare (those losing least first), and the program becomes
//     minimise  sum_j x_j   s.t.  sum_i w_i y_i >= target - fixed_objective  (and the rows above).
// When no choice reaches the target (every candidate at once falls short, or CBC proves it with
// conflicts), `target_reached` is false and `chosen` is greedy's: every candidate that adds weight,
// conflicts honoured. That is not an error; the caller reports it.
//
// The bound. `bound` is a proven upper bound on the objective of every feasible choice, in the
// objective's units (fixed_objective included): the least of the weight of every piece some
// choice can make count, for depth 1 the greedy bound f(S) + the `sites` largest gains over the
// answer S (the objective is submodular), the linear relaxation's bound, and CBC's best possible
// value when it ran. The linear relaxation (the program above with x in [0, 1], y in [0, 1], no
// conflict rows) is solved over the candidates alone by cutting planes: with y eliminated it
// maximises the concave f(x) = sum_i w_i min(1, a_i(x) / need_i), a_i(x) = sum_{j covers i} x_j,
// and at any point x0, f(x) <= C + sum_j g_j x_j (C the weight x0 covers fully, g_j the weight
// per need of the rows j covers that x0 does not), a cut; a master linear program (Clp) over x
// and these cuts is re-cut between its optimum and the best point so far (in-out stabilisation)
// until its value meets the best point's (the relaxation solved), or after 400 rounds, about
// 4e9 element visits, or half the time limit (5 s with none). The bound reported is not the
// master's value but one checked by inspection: the cuts averaged with the master's duals pi
// (>= 0, sum 1) give L = C(pi) + the `sites` largest reduced profits c_j = sum pi g_j (a
// Lagrangian bound, valid for any pi). On the benchmark (10 sites, 1,000 and 10,000 candidates)
// this proves a gap below 1% in about a second and ten seconds, where the subgradient method it
// replaced stalled at the trivial bound (3.1%); the relaxation's own gap there is about 0.14%,
// so a smaller gap needs branching. The answer is optimal when the bound equals the objective to
// 1e-9 of the total weight. With a target, the bound is the first of these, and `optimal` means
// the count is proven least (min_sites_bound == chosen.size()), or, when the target is not
// reached, that no choice does.
//
// The reduction (maximising, before the program; `reduce`). With the averaged cut giving the
// least L, a choice holding candidate j is worth at most UB_j = fixed_objective + L - c_(sites)
// + c_j, c_(sites) the `sites`-th largest reduced profit (j replaces the last of the relaxation's
// picks; every c >= 0). This holds with conflicts (relaxed outright) and any depth (y in [0, 1]
// relaxes y binary). A candidate with UB_j below the greedy answer by more than 1e-9 of the total
// weight cannot be in a better choice, so it is left out of the program (the answer's own are
// always kept); rows no kept candidates can make count are left out, and rows alike are merged
// again. The bound then is the larger of the reduced program's bound and the largest UB_j left
// out (below the answer): every better choice lies in the reduced program.
//
// The time limit. CBC checks it during its search, not while it solves the first linear
// relaxation, which grows faster than the program: about 1 s at 0.25 million nonzeros, 20 s at
// 0.9 to 2.3 million, many minutes at 10 million. So CBC is not run on programs (after the
// reduction) of more than a million nonzeros, nor of more than 0.25 million per second of the
// time limit (counted after merging: twice the candidate-row pairs plus the rows); there the
// answer is greedy's and swaps', with the relaxation's bound.
//
// Determinism. Ties go to the lowest candidate index; CBC runs on one thread (and one solve at a
// time in the process: CBC 2.10's driver keeps state in statics). The same problem gives the same
// answer unless the time limit stops CBC before it proves optimality, or stops the cutting planes
// (then the bound, and through the reduction the program CBC sees, may differ). The library
// prints nothing.
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
    std::size_t sites = 1;                           // choose at most this many candidates (0: none)
    std::optional<double> target;                    // instead: the fewest candidates whose objective reaches this (sites ignored)
    std::vector<std::pair<std::uint32_t, std::uint32_t>> conflicts;  // candidate pairs that cannot both be chosen
    double time_limit_s = 60;                        // for the integer program (the greedy pass is not limited); 0: no program
    bool exact = true;                               // false: the greedy answer and swaps only
    bool reduce = true;                              // the Lagrangian reduction before the program (false: every candidate; for checks)
    double gap = 0;  // maximising: stop once the proven gap (bound - objective) / bound is at most this (0.01: 1%); 0: close it
};

struct MaxCoverSolution {
    // The candidates chosen, in the order they add the most (each one's gain is what it adds to
    // the fixed sites and the ones before it; with depth > 1 ties go to the one bringing the most
    // weight closer to its need), then by index.
    std::vector<std::uint32_t> chosen;
    std::vector<double> gain;       // aligned with chosen
    double objective = 0;           // the weight that counts with the chosen candidates (and the fixed sites)
    double fixed_objective = 0;     // the weight the fixed sites alone make count
    double greedy_objective = 0;    // after the greedy pass and swaps
    double bound = 0;               // proven upper bound on any feasible choice's objective (see above)
    bool optimal = false;           // bound - objective <= 1e-9 * total weight
    // With a target reached: the proven least number of candidates that can reach it
    // (chosen.size() when optimal); 0 without a target or when it is not reached.
    std::size_t min_sites_bound = 0;
    bool target_reached = true;     // with a target: whether the chosen candidates reach it
    // "greedy and swaps" (CBC not run: exact false, or the greedy answer proven already),
    // "greedy and swaps, then CBC: optimal", "greedy and swaps, then CBC: stopped at the time limit",
    // "greedy and swaps, then CBC: stopped within the gap asked" (with a gap; the bound is CBC's
    // best possible value, or the Lagrangian one),
    // "greedy and swaps, then CBC: abandoned" (CBC gave up; the greedy answer stands),
    // "greedy and swaps; CBC not run: the program is too large" (see the time limit above);
    // after a reduction that left candidates out, "greedy and swaps, Lagrangian reduction to K of
    // N candidates" comes first (N: those covering a piece), e.g. "greedy and swaps, Lagrangian
    // reduction to 37 of 10000 candidates, then CBC: optimal", or alone when no kept candidate
    // can add to the answer (then proven optimal).
    std::string method;
    double greedy_s = 0;            // wall time of the greedy pass and swaps
    double solve_s = 0;             // wall time in all
    double gap_1pct_s = -1;         // maximising: wall time when the proven gap (bound - objective) / bound first fell to 1% or less; -1: never
    std::size_t program_rows = 0;   // pieces in the integer program after merging (and the reduction, when it left candidates out)
};

// The weight that counts (see above) for a choice of candidates (any order, no repeats).
double max_cover_objective(const MaxCoverProblem& problem, const std::vector<std::uint32_t>& chosen);

// Solves the problem (see above). UsageError for a malformed problem (a piece index out of range
// or pieces not ascending, weights not finite or negative, fixed not one per piece, depth 0, a
// conflict naming an unknown candidate or one candidate twice, a negative time limit, a target not
// finite). Progress ("optimising") between phases through `callbacks`; when it returns false,
// DataError "optimisation cancelled". DataError when CBC fails.
MaxCoverSolution solve_max_cover(const MaxCoverProblem& problem, const Callbacks& callbacks = {});

}  // namespace dza
