#include "gcs/gcs_virtual_cluster_nodes.h"

#include "common/logging.h"
#include "common/virtual_cluster.h"

namespace colony::gcs {

std::vector<rpc::NodeInfo> GcsVirtualClusterNodes::AliveNodes() const {
  std::vector<rpc::NodeInfo> alive;
  for (rpc::NodeInfo& node : nodes_->GetAllNodes()) {
    if (node.alive()) alive.push_back(std::move(node));
  }
  return alive;
}

void GcsVirtualClusterNodes::SetNodeVirtualCluster(const NodeID& node_id,
                                                   const std::string& virtual_cluster_id) {
  auto before = nodes_->GetAllNodes();
  std::string old;
  for (const rpc::NodeInfo& node : before) {
    if (node.node_id() != node_id.Binary()) continue;
    auto it = node.labels().find(kVirtualClusterLabel);
    if (it != node.labels().end()) old = it->second;
  }
  auto updated = nodes_->SetNodeLabel(node_id, kVirtualClusterLabel, virtual_cluster_id);
  if (!updated.ok()) return;  // died meanwhile: its death reaches the manager on its own
  if (old == virtual_cluster_id) return;
  if (on_change_) on_change_(*updated);
}

}  // namespace colony::gcs
