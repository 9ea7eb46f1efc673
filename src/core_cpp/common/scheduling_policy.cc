#include "common/scheduling_policy.h"

#include <algorithm>
#include <limits>

namespace colony {
namespace {

SchedulingDecision OnNode(const NodeID& node_id) {
  SchedulingDecision d;
  d.kind = SchedulingDecision::Kind::kNode;
  d.node_id = node_id;
  return d;
}

SchedulingDecision Infeasible() { return SchedulingDecision{}; }

// The least utilised of `nodes` that pass `keep`; ties go to the earlier node.
template <typename Keep>
const NodeLoad* LeastUtilized(const std::vector<NodeLoad>& nodes, Keep keep) {
  const NodeLoad* best = nullptr;
  double best_load = std::numeric_limits<double>::max();
  for (const NodeLoad& node : nodes) {
    if (!keep(node)) continue;
    double load = SchedulingPolicy::Utilization(node);
    if (load < best_load) {
      best = &node;
      best_load = load;
    }
  }
  return best;
}

}  // namespace

bool SchedulingPolicy::AsksForNothing(const ResourceSet& request) {
  for (const auto& [name, amount] : request.ToMap()) {
    if (amount > 0) return false;
  }
  return true;
}

SchedulingDecision SchedulingPolicy::PickActor(const std::vector<NodeLoad>& nodes,
                                               const NodeID& preferred,
                                               const ResourceSet& request,
                                               const rpc::SchedulingStrategy& strategy,
                                               std::optional<double> spread_threshold) {
  for_actor_ = true;
  SchedulingDecision d = Pick(nodes, preferred, request, strategy, spread_threshold);
  for_actor_ = false;
  return d;
}

double SchedulingPolicy::Utilization(const NodeLoad& node) {
  double load = 0;
  bool any = false;
  for (const auto& [name, total] : node.total.ToMap()) {
    if (total <= 0) continue;
    any = true;
    load = std::max(load, 1.0 - node.available.Get(name) / total);
  }
  return any ? std::clamp(load, 0.0, 1.0) : 1.0;
}

SchedulingDecision SchedulingPolicy::Pick(const std::vector<NodeLoad>& nodes,
                                          const NodeID& preferred, const ResourceSet& request,
                                          const rpc::SchedulingStrategy& strategy,
                                          std::optional<double> spread_threshold) {
  spread_threshold_ = spread_threshold.value_or(options_.spread_threshold);
  // NODE_AFFINITY names its node: real usage does not move it (nor fail it).
  if (options_.real_usage && strategy.kind() != rpc::SchedulingStrategy::NODE_AFFINITY) {
    std::vector<NodeLoad> real = WithRealUsage(nodes);
    options_.real_usage = false;  // one level: Pick again over the adjusted loads
    SchedulingDecision d = Pick(real, preferred, request, strategy, spread_threshold);
    options_.real_usage = true;
    if (d.kind == SchedulingDecision::Kind::kInfeasible && d.message.empty()) {
      bool pressured = std::any_of(nodes.begin(), nodes.end(), [&](const NodeLoad& n) {
        return n.alive && n.memory_pressure > options_.memory_pressure_threshold;
      });
      if (pressured) {
        d.message = "every node that could run " + request.ToString() +
                    " is above the memory-pressure threshold";
      }
    }
    return d;
  }
  if (strategy.kind() == rpc::SchedulingStrategy::NODE_AFFINITY) {
    return PickAffinity(nodes, preferred, request, strategy);
  }
  std::vector<NodeLoad> storage;
  const std::vector<NodeLoad>& usable = strategy.kind() == rpc::SchedulingStrategy::NODE_LABEL
                                            ? nodes
                                            : AvoidScarce(nodes, request, &storage);
  switch (strategy.kind()) {
    case rpc::SchedulingStrategy::SPREAD:
      return PickSpread(usable, request);
    case rpc::SchedulingStrategy::NODE_LABEL:
      return PickByLabels(nodes, preferred, request, strategy);  // avoids scarce itself
    default:
      if (for_actor_ && AsksForNothing(request)) return PickEmptyActor(usable, preferred);
      return PickDefault(usable, preferred, request);
  }
}

std::vector<NodeLoad> SchedulingPolicy::WithRealUsage(const std::vector<NodeLoad>& nodes) const {
  std::vector<NodeLoad> real = nodes;
  for (NodeLoad& node : real) {
    if (node.memory_pressure > options_.memory_pressure_threshold) node.alive = false;
    double total = node.total.Get("CPU");
    if (total <= 0) continue;
    // Declared use is total - available; real use may be higher (a num_cpus=0 worker
    // burning a core): the node counts as the higher of the two.
    double free_by_real = std::max(0.0, total - node.real_cpu);
    if (free_by_real < node.available.Get("CPU")) node.available.Set("CPU", free_by_real);
  }
  return real;
}

const std::vector<NodeLoad>& SchedulingPolicy::AvoidScarce(const std::vector<NodeLoad>& nodes,
                                                           const ResourceSet& request,
                                                           std::vector<NodeLoad>* storage) const {
  std::vector<std::string> spare;  // scarce resources this request does not ask for
  for (const std::string& name : options_.scarce_resources) {
    if (request.Get(name) <= 0) spare.push_back(name);
  }
  if (spare.empty()) return nodes;
  std::vector<NodeLoad>& plain = *storage;
  plain.clear();
  bool any_fits = false;
  for (const NodeLoad& node : nodes) {
    bool scarce = std::any_of(spare.begin(), spare.end(),
                              [&](const std::string& name) { return node.total.Get(name) > 0; });
    if (scarce) continue;
    any_fits = any_fits || (node.alive && node.total.Contains(request));
    plain.push_back(node);
  }
  return any_fits ? plain : nodes;
}

SchedulingDecision SchedulingPolicy::PickDefault(const std::vector<NodeLoad>& nodes,
                                                 const NodeID& preferred,
                                                 const ResourceSet& request) {
  const NodeLoad* local = nullptr;
  for (const NodeLoad& node : nodes) {
    if (node.node_id == preferred && node.alive && node.total.Contains(request)) local = &node;
  }
  if (local != nullptr && local->available.Contains(request) &&
      Utilization(*local) < spread_threshold_) {
    return OnNode(local->node_id);
  }
  // Past the threshold the preferred node competes on load like any other; it wins ties.
  auto fits_now = [&](const NodeLoad& n) { return n.alive && n.available.Contains(request); };
  const NodeLoad* best = nullptr;
  if (local != nullptr && fits_now(*local)) best = local;
  const NodeLoad* other = LeastUtilized(nodes, fits_now);
  if (other != nullptr && (best == nullptr || Utilization(*other) < Utilization(*best))) {
    best = other;
  }
  if (best != nullptr) return OnNode(best->node_id);
  if (local != nullptr) return OnNode(local->node_id);
  const NodeLoad* fits_total =
      LeastUtilized(nodes, [&](const NodeLoad& n) { return n.alive && n.total.Contains(request); });
  return fits_total != nullptr ? OnNode(fits_total->node_id) : Infeasible();
}

SchedulingDecision SchedulingPolicy::PickEmptyActor(const std::vector<NodeLoad>& nodes,
                                                    const NodeID& preferred) {
  const NodeLoad* next = nullptr;
  uint64_t oldest = 0;
  auto rank = [&](const NodeLoad& node) {  // lower goes first
    auto it = empty_actor_last_pick_.find(node.node_id);
    return it == empty_actor_last_pick_.end() ? 0 : it->second;
  };
  for (const NodeLoad& node : nodes) {
    if (!node.alive) continue;
    uint64_t when = rank(node);
    bool better = next == nullptr || when < oldest ||
                  (when == oldest && next->node_id != preferred &&
                   (node.node_id == preferred || node.node_id < next->node_id));
    if (better) {
      next = &node;
      oldest = when;
    }
  }
  if (next == nullptr) return Infeasible();
  empty_actor_last_pick_[next->node_id] = ++empty_actor_picks_;
  return OnNode(next->node_id);
}

SchedulingDecision SchedulingPolicy::PickSpread(const std::vector<NodeLoad>& nodes,
                                                const ResourceSet& request) {
  std::vector<const NodeLoad*> fits_now;
  for (const NodeLoad& node : nodes) {
    if (node.alive && node.available.Contains(request)) fits_now.push_back(&node);
  }
  if (!fits_now.empty()) {
    // The node that fits and was picked least recently (never picked: first by id). A plain
    // cursor modulo the number of nodes that fit skipped a node for good when that number
    // kept changing as the local node filled and emptied.
    std::sort(fits_now.begin(), fits_now.end(),
              [](const NodeLoad* a, const NodeLoad* b) { return a->node_id < b->node_id; });
    const NodeLoad* next = nullptr;
    uint64_t oldest = std::numeric_limits<uint64_t>::max();
    for (const NodeLoad* node : fits_now) {
      auto it = spread_last_pick_.find(node->node_id);
      uint64_t when = it == spread_last_pick_.end() ? 0 : it->second;
      if (next == nullptr || when < oldest) {
        next = node;
        oldest = when;
      }
    }
    spread_last_pick_[next->node_id] = ++spread_picks_;
    return OnNode(next->node_id);
  }
  const NodeLoad* fits_total =
      LeastUtilized(nodes, [&](const NodeLoad& n) { return n.alive && n.total.Contains(request); });
  return fits_total != nullptr ? OnNode(fits_total->node_id) : Infeasible();
}

SchedulingDecision SchedulingPolicy::PickAffinity(const std::vector<NodeLoad>& nodes,
                                                  const NodeID& preferred,
                                                  const ResourceSet& request,
                                                  const rpc::SchedulingStrategy& strategy) {
  NodeID target = NodeID::IsValidBinary(strategy.node_id())
                      ? NodeID::FromBinary(strategy.node_id())
                      : NodeID::Nil();
  std::string why = "node " + target.Hex() + " is not in the cluster";
  for (const NodeLoad& node : nodes) {
    if (node.node_id != target) continue;
    if (!node.alive) {
      why = "node " + target.Hex() + " is dead";
    } else if (!node.total.Contains(request)) {
      why = "node " + target.Hex() + " cannot fit " + request.ToString() + " (" +
            node.total.DescribeShortfall(request) + ")";
    } else {
      return OnNode(target);
    }
  }
  if (strategy.soft()) return PickDefault(nodes, preferred, request);
  SchedulingDecision d;
  d.kind = SchedulingDecision::Kind::kUnschedulable;
  d.message = "NodeAffinitySchedulingStrategy(soft=False) cannot be met: " + why;
  return d;
}

SchedulingDecision SchedulingPolicy::PickByLabels(const std::vector<NodeLoad>& nodes,
                                                  const NodeID& preferred,
                                                  const ResourceSet& request,
                                                  const rpc::SchedulingStrategy& strategy) {
  std::vector<NodeLoad> matching, both;
  for (const NodeLoad& node : nodes) {
    if (node.alive && LabelsMatchAll(node.labels, strategy.hard_labels())) {
      matching.push_back(node);
    }
  }
  // Scarce resources are set aside among the nodes the selector allows.
  std::vector<NodeLoad> storage;
  const std::vector<NodeLoad>& hard = AvoidScarce(matching, request, &storage);
  for (const NodeLoad& node : hard) {
    if (LabelsMatchAll(node.labels, strategy.soft_labels())) both.push_back(node);
  }
  auto any_fits_now = [&](const std::vector<NodeLoad>& some) {
    return std::any_of(some.begin(), some.end(),
                       [&](const NodeLoad& n) { return n.available.Contains(request); });
  };
  // Soft conditions only narrow the choice while it costs no waiting.
  const std::vector<NodeLoad>& pool =
      !both.empty() && (any_fits_now(both) || !any_fits_now(hard)) ? both : hard;
  SchedulingDecision d = PickDefault(pool, preferred, request);
  if (d.kind == SchedulingDecision::Kind::kInfeasible && &pool == &both) {
    d = PickDefault(hard, preferred, request);
  }
  if (d.kind == SchedulingDecision::Kind::kInfeasible) {
    d.message = "NodeLabelSchedulingStrategy hard selector " +
                DescribeLabelMatches(strategy.hard_labels()) +
                (hard.empty() ? " matches no alive node"
                              : " matches only nodes that cannot fit " + request.ToString());
  }
  return d;
}

}  // namespace colony
