#include "raylet/scheduling/cluster_view.h"

#include <vector>

#include "rpc/grpc_util.h"

namespace colony::raylet {

void ClusterView::UpdateNode(const rpc::NodeInfo& info) {
  if (!NodeID::IsValidBinary(info.node_id())) return;
  NodeID id = NodeID::FromBinary(info.node_id());
  auto [it, inserted] = nodes_.try_emplace(id);
  NodeView& node = it->second;
  if (!inserted && !node.alive) return;
  node.node_id = id;
  node.ip = info.ip();
  node.port = info.raylet_port();
  node.total = rpc::ResourcesFromProto(info.resources_total());
  node.available = rpc::ResourcesFromProto(info.resources_available());
  node.alive = info.alive();
  node.labels = NodeLabels(info.labels().begin(), info.labels().end());
  node.usage = info.usage();
}

std::vector<NodeLoad> ClusterView::Loads() const {
  std::vector<NodeLoad> loads;
  for (const auto& [id, node] : nodes_) {
    if (id == self_) continue;
    loads.push_back(NodeLoad{id, node.total, node.available, node.alive, node.labels,
                             node.usage.cpu(), node.usage.memory_pressure()});
  }
  return loads;
}

void ClusterView::Reserve(const NodeID& node_id, const ResourceSet& request) {
  auto it = nodes_.find(node_id);
  if (it != nodes_.end()) it->second.available -= request;
}

std::optional<NodeView> ClusterView::GetNode(const NodeID& node_id) const {
  auto it = nodes_.find(node_id);
  if (it == nodes_.end()) return std::nullopt;
  return it->second;
}

size_t ClusterView::NumAliveNodes() const {
  size_t n = 0;
  for (const auto& [id, node] : nodes_) n += node.alive ? 1 : 0;
  return n;
}

}  // namespace colony::raylet
