// This raylet's picture of the other nodes, fed from the GCS (node changes and periodic
// snapshots); used to pick a node to spill a lease request back to.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

#include "common.pb.h"
#include "common/id.h"
#include "common/resources.h"

namespace colony::raylet {

struct NodeView {
  NodeID node_id;
  std::string ip;
  int port = 0;
  ResourceSet total;
  ResourceSet available;
  bool alive = false;
};

class ClusterView {
 public:
  explicit ClusterView(const NodeID& self) : self_(self) {}

  // Inserts or refreshes a node. A node once seen dead stays dead: a stale snapshot must
  // not bring it back.
  void UpdateNode(const rpc::NodeInfo& info);

  // An alive node other than this one whose totals fit `request`; nodes that have the
  // resources free right now are preferred. Nullopt when there is none.
  std::optional<NodeView> PickSpillbackNode(const ResourceSet& request);

  size_t NumAliveNodes() const;

 private:
  NodeID self_;
  std::unordered_map<NodeID, NodeView> nodes_;
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace colony::raylet
