#include "ExactMatching.h"

#ifdef FP_HAVE_LEMON
#include <lemon/list_graph.h>
#include <lemon/matching.h>
#endif

namespace fp::bench {

#ifdef FP_HAVE_LEMON

bool exactMatchingAvailable()
{
    return true;
}

long long maxWeightMatching(int nodes, const std::vector<WeightedEdge> &edges,
                            std::vector<std::pair<int, int>> *pairs)
{
    using Graph = lemon::ListGraph;
    Graph graph;
    std::vector<Graph::Node> node;
    node.reserve(nodes);
    for (int i = 0; i < nodes; ++i)
        node.push_back(graph.addNode());
    Graph::EdgeMap<long long> weight(graph);
    for (const WeightedEdge &e : edges)
        weight[graph.addEdge(node[e.a], node[e.b])] = e.weight;
    lemon::MaxWeightedMatching<Graph, Graph::EdgeMap<long long>> matching(graph, weight);
    matching.run();
    if (pairs) {
        pairs->clear();
        for (int i = 0; i < nodes; ++i) {
            const Graph::Node mate = matching.mate(node[i]);
            if (mate != lemon::INVALID && graph.id(mate) > i)
                pairs->emplace_back(i, graph.id(mate));
        }
    }
    return matching.matchingWeight();
}

#else

bool exactMatchingAvailable()
{
    return false;
}

long long maxWeightMatching(int, const std::vector<WeightedEdge> &,
                            std::vector<std::pair<int, int>> *)
{
    return 0;
}

#endif

} // namespace fp::bench
