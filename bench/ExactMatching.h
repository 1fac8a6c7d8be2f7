#pragma once

// The exact maximum-weight matching the matcher bench compares against (LEMON's
// MaxWeightedMatching, Edmonds' blossom algorithm). Kept behind a plain interface in its own
// target because LEMON 1.3 headers do not compile as C++20.

#include <utility>
#include <vector>

namespace fp::bench {

struct WeightedEdge
{
    int a;
    int b;
    long long weight;
};

/// False when the bench was built without LEMON.
bool exactMatchingAvailable();
/// Total weight of a maximum-weight matching over `nodes` nodes (not necessarily perfect).
long long maxWeightMatching(int nodes, const std::vector<WeightedEdge> &edges,
                            std::vector<std::pair<int, int>> *pairs = nullptr);

} // namespace fp::bench
