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
}

std::optional<NodeView> ClusterView::PickSpillbackNode(const ResourceSet& request) {
  std::vector<const NodeView*> free_now;
  std::vector<const NodeView*> fits_total;
  for (const auto& [id, node] : nodes_) {
    if (id == self_ || !node.alive || !node.total.Contains(request)) continue;
    fits_total.push_back(&node);
    if (node.available.Contains(request)) free_now.push_back(&node);
  }
  // Random among equals spreads concurrent spillbacks instead of piling onto one node.
  const auto& pool = free_now.empty() ? fits_total : free_now;
  if (pool.empty()) return std::nullopt;
  std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
  return *pool[pick(rng_)];
}

size_t ClusterView::NumAliveNodes() const {
  size_t n = 0;
  for (const auto& [id, node] : nodes_) n += node.alive ? 1 : 0;
  return n;
}

}  // namespace colony::raylet
