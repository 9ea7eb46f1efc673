#include "common/virtual_cluster.h"

#include <algorithm>

namespace colony {

std::string JobClusterId(const std::string& parent_id, const JobID& job_id) {
  return parent_id + kJobClusterSeparator + job_id.Hex();
}

std::string JobVirtualClusterId(const JobID& job_id, const rpc::JobConfig& config) {
  if (config.virtual_cluster_id().empty()) return "";
  if (config.job_cluster_replica_sets().empty()) return config.virtual_cluster_id();
  return JobClusterId(config.virtual_cluster_id(), job_id);
}

std::string NodeVirtualCluster(const NodeLoad& node) {
  auto it = node.labels.find(kVirtualClusterLabel);
  return it == node.labels.end() ? "" : it->second;
}

std::vector<NodeLoad> NodesInVirtualCluster(const std::vector<NodeLoad>& nodes,
                                            const std::string& virtual_cluster_id) {
  std::vector<NodeLoad> members;
  for (const NodeLoad& node : nodes) {
    if (NodeVirtualCluster(node) == virtual_cluster_id) members.push_back(node);
  }
  return members;
}

SchedulingDecision PickInVirtualCluster(SchedulingPolicy* policy,
                                        const std::vector<NodeLoad>& nodes,
                                        const std::string& virtual_cluster_id, bool for_actor,
                                        const NodeID& preferred, const ResourceSet& request,
                                        const rpc::SchedulingStrategy& strategy,
                                        std::optional<double> spread_threshold) {
  std::vector<NodeLoad> members = NodesInVirtualCluster(nodes, virtual_cluster_id);
  SchedulingDecision d =
      for_actor ? policy->PickActor(members, preferred, request, strategy, spread_threshold)
                : policy->Pick(members, preferred, request, strategy, spread_threshold);
  if (virtual_cluster_id.empty() || d.kind == SchedulingDecision::Kind::kNode) return d;
  size_t alive = std::count_if(members.begin(), members.end(),
                               [](const NodeLoad& n) { return n.alive; });
  std::string where = "virtual cluster '" + virtual_cluster_id + "' (" +
                      std::to_string(alive) + " alive node" + (alive == 1 ? "" : "s") + ")";
  if (d.message.empty()) {
    d.message = "no node of " + where + " can fit " + request.ToString();
  } else {
    d.message += " in " + where;
  }
  return d;
}

}  // namespace colony
