// The node table as the virtual cluster manager sees it: alive nodes from the node manager,
// and a label write that is stored there and then announced (`on_change`: the GCS publishes
// the node to the raylets' cluster views and wakes actors waiting for a node).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "gcs/gcs_node_manager.h"
#include "gcs/gcs_virtual_cluster_manager.h"

namespace colony::gcs {

class GcsVirtualClusterNodes : public VirtualClusterNodes {
 public:
  using ChangeCallback = std::function<void(const rpc::NodeInfo&)>;
  GcsVirtualClusterNodes(GcsNodeManager* nodes, ChangeCallback on_change)
      : nodes_(nodes), on_change_(std::move(on_change)) {}

  std::vector<rpc::NodeInfo> AliveNodes() const override;
  void SetNodeVirtualCluster(const NodeID& node_id,
                             const std::string& virtual_cluster_id) override;

 private:
  GcsNodeManager* nodes_;
  ChangeCallback on_change_;
};

}  // namespace colony::gcs
