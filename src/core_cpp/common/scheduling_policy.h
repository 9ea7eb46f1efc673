// Picks the node for a lease request or an actor: one policy, used by the raylets (tasks,
// spillback) and by the GCS (actors), over a snapshot of the cluster's loads.
//
//   DEFAULT        the preferred node (the submitter's, or the actor owner's) while the
//                  request fits there now and its utilisation is below spread_threshold;
//                  else the least utilised node that fits now; else, when nothing fits now,
//                  the preferred node if its totals fit (queue there), else the least
//                  utilised node whose totals fit.
//                  For actors (PickActor) a DEFAULT request that asks for nothing (no
//                  resource > 0, the Python default) never raises a node's utilisation, so
//                  the watermark would keep every such actor on its owner's node: these go
//                  instead to the alive node given such an actor least recently (ties: the
//                  owner's node, then by id), after scarce nodes are set aside.
//   SPREAD         of the nodes that fit now, the one SPREAD picked least recently; the
//                  least utilised node whose totals fit when none does.
//   NODE_AFFINITY  that node if it is alive and its totals fit; otherwise soft falls back to
//                  DEFAULT and hard is unschedulable.
// Before DEFAULT, SPREAD and NODE_LABEL pick, nodes that have a scarce resource (GPU, or
// one named in --scarce-resources) the request does not ask for are set aside, unless no
// other alive node can fit the request in total.
//   NODE_LABEL     DEFAULT over the nodes whose labels match every hard condition, narrowed
//                  to those that also match the soft ones when one of those fits now (or
//                  none fits now anywhere); infeasible, with a message naming the selector,
//                  while no alive node matches the hard conditions and fits in total.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.pb.h"
#include "common/id.h"
#include "common/label_selector.h"
#include "common/resources.h"

namespace colony {

struct NodeLoad {
  NodeID node_id;
  ResourceSet total;
  ResourceSet available;
  bool alive = true;
  NodeLabels labels;  // with the built-in colony.io/node-id and colony.io/hostname
  double real_cpu = 0;         // CPUs its workers really use (ResourceUsage.cpu)
  double memory_pressure = 0;  // share of its machine's memory in use
};

struct SchedulingDecision {
  enum class Kind {
    kNode,           // run on node_id
    kInfeasible,     // no alive node's totals fit: wait for one to join
    kUnschedulable,  // the strategy can never be met: fail with `message`
  };
  Kind kind = Kind::kInfeasible;
  NodeID node_id;
  std::string message;  // why, for kUnschedulable and (when known) kInfeasible
};

struct SchedulingPolicyOptions {
  double spread_threshold = 0.5;
  // Resources kept for the work that asks for them: work that does not ask for one of these
  // avoids the nodes that have it while another alive node can fit it in total. GPU always;
  // more from --scarce-resources.
  std::vector<std::string> scarce_resources = {"GPU"};
  // --scheduler-real-usage: a node whose workers really use more CPU than they declared
  // counts as that loaded, and no new work goes to a node whose memory pressure is above
  // `memory_pressure_threshold`.
  bool real_usage = false;
  double memory_pressure_threshold = 0.95;
};

class SchedulingPolicy {
 public:
  explicit SchedulingPolicy(SchedulingPolicyOptions options = {}) : options_(options) {}

  // `spread_threshold`: the job's own watermark for DEFAULT (JobConfig), if it set one.
  SchedulingDecision Pick(const std::vector<NodeLoad>& nodes, const NodeID& preferred,
                          const ResourceSet& request, const rpc::SchedulingStrategy& strategy,
                          std::optional<double> spread_threshold = std::nullopt);

  // Pick for an actor: as Pick, except that a DEFAULT request that asks for no resource is
  // spread over the alive nodes (see the header comment). Tasks keep Pick.
  SchedulingDecision PickActor(const std::vector<NodeLoad>& nodes, const NodeID& preferred,
                               const ResourceSet& request, const rpc::SchedulingStrategy& strategy,
                               std::optional<double> spread_threshold = std::nullopt);

  // True when `request` asks for no resource at all (every amount is zero).
  static bool AsksForNothing(const ResourceSet& request);

  // The highest share in use of any resource the node has (a node without resources is
  // full), so a node whose GPUs or custom resources are taken counts as loaded.
  static double Utilization(const NodeLoad& node);

 private:
  // Under real_usage: each node's free CPU lowered to what its real use leaves, and the
  // nodes under memory pressure marked not alive (so nothing new goes there).
  std::vector<NodeLoad> WithRealUsage(const std::vector<NodeLoad>& nodes) const;
  // `nodes` without those holding a scarce resource `request` does not use (built in
  // `*storage`), when one of the rest is alive and fits in total; else `nodes` itself.
  const std::vector<NodeLoad>& AvoidScarce(const std::vector<NodeLoad>& nodes,
                                           const ResourceSet& request,
                                           std::vector<NodeLoad>* storage) const;
  SchedulingDecision PickDefault(const std::vector<NodeLoad>& nodes, const NodeID& preferred,
                                 const ResourceSet& request);
  // The watermark of the Pick in progress.
  double spread_threshold_ = 0.5;
  // Whether the Pick in progress is PickActor's.
  bool for_actor_ = false;
  // Of `nodes`, the alive one given an empty-request actor least recently; ties to `preferred`.
  SchedulingDecision PickEmptyActor(const std::vector<NodeLoad>& nodes, const NodeID& preferred);
  SchedulingDecision PickSpread(const std::vector<NodeLoad>& nodes, const ResourceSet& request);
  SchedulingDecision PickAffinity(const std::vector<NodeLoad>& nodes, const NodeID& preferred,
                                  const ResourceSet& request,
                                  const rpc::SchedulingStrategy& strategy);
  SchedulingDecision PickByLabels(const std::vector<NodeLoad>& nodes, const NodeID& preferred,
                                  const ResourceSet& request,
                                  const rpc::SchedulingStrategy& strategy);

  SchedulingPolicyOptions options_;
  uint64_t spread_picks_ = 0;
  std::unordered_map<NodeID, uint64_t> spread_last_pick_;  // node -> its last SPREAD pick
  uint64_t empty_actor_picks_ = 0;
  std::unordered_map<NodeID, uint64_t> empty_actor_last_pick_;  // node -> its last such actor
};

}  // namespace colony
