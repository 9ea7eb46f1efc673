// This raylet's picture of the other nodes, fed from the GCS (node changes and periodic
// snapshots); the scheduling policy picks spillback targets from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.pb.h"
#include "common/id.h"
#include "common/resources.h"
#include "common/scheduling_policy.h"

namespace colony::raylet {

struct NodeView {
  NodeID node_id;
  std::string ip;
  int port = 0;
  ResourceSet total;
  ResourceSet available;
  bool alive = false;
  NodeLabels labels;
  rpc::ResourceUsage usage;
};

class ClusterView {
 public:
  explicit ClusterView(const NodeID& self) : self_(self) {}

  // Inserts or refreshes a node. A node once seen dead stays dead: a stale snapshot must
  // not bring it back.
  void UpdateNode(const rpc::NodeInfo& info);

  // Every known node except this one, for the scheduling policy.
  std::vector<NodeLoad> Loads() const;
  // A request was spilled to `node_id`: count it as taken there until the next snapshot,
  // so a burst of requests does not all pick the same node.
  void Reserve(const NodeID& node_id, const ResourceSet& request);

  size_t NumAliveNodes() const;
  std::optional<NodeView> GetNode(const NodeID& node_id) const;

 private:
  NodeID self_;
  std::unordered_map<NodeID, NodeView> nodes_;
};

}  // namespace colony::raylet
