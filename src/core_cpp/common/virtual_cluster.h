// Virtual clusters as the schedulers see them (docs/virtual_clusters.md): the GCS labels
// each member node with its innermost cluster's id, and a job's work may only use the
// nodes whose label is its cluster's id, or, for a job in no cluster, the unlabelled ones.
// The raylets (tasks) and the GCS actor scheduler both narrow their node list with this
// before the scheduling policy picks, so the policy itself knows nothing of clusters.
#pragma once

#include <string>
#include <vector>

#include "common.pb.h"
#include "common/id.h"
#include "common/scheduling_policy.h"

namespace colony {

// The dynamic label the GCS sets on member nodes (reserved: colony.io/ keys).
inline constexpr const char kVirtualClusterLabel[] = "colony.io/virtual-cluster";
// A job cluster's id is "<divisible cluster id>##<job id hex>".
inline constexpr const char kJobClusterSeparator[] = "##";

// The cluster a job's work runs in: its job cluster when it asked for one, else the
// virtual cluster it named, else "" (the nodes in no cluster).
std::string JobVirtualClusterId(const JobID& job_id, const rpc::JobConfig& config);
std::string JobClusterId(const std::string& parent_id, const JobID& job_id);

// The virtual cluster `node` belongs to ("" for none).
std::string NodeVirtualCluster(const NodeLoad& node);

// `nodes` narrowed to those in `virtual_cluster_id` ("" keeps the nodes in none).
std::vector<NodeLoad> NodesInVirtualCluster(const std::vector<NodeLoad>& nodes,
                                            const std::string& virtual_cluster_id);

// Picks with `policy` among the nodes of the job's cluster; when nothing there can run the
// request, the decision's message names the cluster and what it has.
SchedulingDecision PickInVirtualCluster(SchedulingPolicy* policy,
                                        const std::vector<NodeLoad>& nodes,
                                        const std::string& virtual_cluster_id, bool for_actor,
                                        const NodeID& preferred, const ResourceSet& request,
                                        const rpc::SchedulingStrategy& strategy,
                                        std::optional<double> spread_threshold);

}  // namespace colony
