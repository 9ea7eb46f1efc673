// Picks the node for a lease request or an actor: one policy, used by the raylets (tasks,
// spillback) and by the GCS (actors), over a snapshot of the cluster's loads.
//
//   DEFAULT        the preferred node (the submitter's, or the actor owner's) while the
//                  request fits there now and its utilisation is below spread_threshold;
//                  else the least utilised node that fits now; else, when nothing fits now,
//                  the preferred node if its totals fit (queue there), else the least
//                  utilised node whose totals fit.
//   SPREAD         of the nodes that fit now, the one SPREAD picked least recently; the
//                  least utilised node whose totals fit when none does.
//   NODE_AFFINITY  that node if it is alive and its totals fit; otherwise soft falls back to
//                  DEFAULT and hard is unschedulable.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.pb.h"
#include "common/id.h"
#include "common/resources.h"

namespace colony {

struct NodeLoad {
  NodeID node_id;
  ResourceSet total;
  ResourceSet available;
  bool alive = true;
};

struct SchedulingDecision {
  enum class Kind {
    kNode,           // run on node_id
    kInfeasible,     // no alive node's totals fit: wait for one to join
    kUnschedulable,  // the strategy can never be met: fail with `message`
  };
  Kind kind = Kind::kInfeasible;
  NodeID node_id;
  std::string message;
};

struct SchedulingPolicyOptions {
  double spread_threshold = 0.5;
};

class SchedulingPolicy {
 public:
  explicit SchedulingPolicy(SchedulingPolicyOptions options = {}) : options_(options) {}

  SchedulingDecision Pick(const std::vector<NodeLoad>& nodes, const NodeID& preferred,
                          const ResourceSet& request, const rpc::SchedulingStrategy& strategy);

  // The highest share in use of any resource the node has (a node without resources is
  // full), so a node whose GPUs or custom resources are taken counts as loaded.
  static double Utilization(const NodeLoad& node);

 private:
  SchedulingDecision PickDefault(const std::vector<NodeLoad>& nodes, const NodeID& preferred,
                                 const ResourceSet& request);
  SchedulingDecision PickSpread(const std::vector<NodeLoad>& nodes, const ResourceSet& request);
  SchedulingDecision PickAffinity(const std::vector<NodeLoad>& nodes, const NodeID& preferred,
                                  const ResourceSet& request,
                                  const rpc::SchedulingStrategy& strategy);

  SchedulingPolicyOptions options_;
  uint64_t spread_picks_ = 0;
  std::unordered_map<NodeID, uint64_t> spread_last_pick_;  // node -> its last SPREAD pick
};

}  // namespace colony
