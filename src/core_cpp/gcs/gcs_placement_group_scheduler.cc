#include "gcs/gcs_placement_group_scheduler.h"

#include <algorithm>
#include <memory>
#include <set>
#include <sstream>

#include "common/logging.h"

namespace colony::gcs {
namespace {

using Group = rpc::PlacementGroupTableData;

struct Candidate {
  NodeID id;
  ResourceSet total;
  ResourceSet available;  // minus what this scheduler reserved since the node's report
  int used = 0;           // bundles of the group on it (placed before, or in this pass)
};

ResourceSet RequestOf(const rpc::Bundle& bundle) {
  return ResourceSet::FromMap(std::map<std::string, double>(bundle.resources().begin(),
                                                            bundle.resources().end()));
}

std::string StrategyName(Group::Strategy strategy) {
  return Group::Strategy_Name(strategy);
}

// The resources of `request` no alive node has enough of in total, e.g.
// "GPU: 1 (the most any alive node has is 0)".
std::string MissingEverywhere(const std::vector<Candidate>& nodes, const ResourceSet& request) {
  std::ostringstream out;
  bool first = true;
  for (const auto& [name, amount] : request.ToMap()) {
    double most = 0;
    for (const Candidate& node : nodes) most = std::max(most, node.total.Get(name));
    if (most >= amount) continue;
    out << (first ? "" : ", ") << name << ": " << amount << " (the most any alive node has is "
        << most << ")";
    first = false;
  }
  return first ? "no single alive node has all of " + request.ToString() + " in total" : out.str();
}

}  // namespace

GcsPlacementGroupScheduler::GcsPlacementGroupScheduler(NodeVisitor nodes, BundleClient* client)
    : nodes_(std::move(nodes)), client_(client) {}

std::map<NodeID, rpc::Address> GcsPlacementGroupScheduler::AliveRaylets() const {
  std::map<NodeID, rpc::Address> raylets;
  nodes_([&](const rpc::NodeInfo& info) {
    if (!info.alive()) return;
    rpc::Address& address = raylets[NodeID::FromBinary(info.node_id())];
    address.set_node_id(info.node_id());
    address.set_ip(info.ip());
    address.set_port(info.raylet_port());
  });
  return raylets;
}

GcsPlacementGroupScheduler::Placement GcsPlacementGroupScheduler::Place(const Group& group) {
  Placement out;
  // Only the resources the group asks for are read from each node.
  std::set<std::string> names;
  for (const rpc::Bundle& bundle : group.bundles()) {
    for (const auto& [name, amount] : bundle.resources()) names.insert(name);
  }
  auto pick = [&names](const google::protobuf::Map<std::string, double>& all) {
    ResourceSet out;
    for (const std::string& name : names) {
      auto it = all.find(name);
      if (it != all.end()) out.Set(name, it->second);
    }
    return out;
  };
  std::vector<Candidate> nodes;
  nodes_([&](const rpc::NodeInfo& info) {
    if (!info.alive()) return;
    Candidate c;
    c.id = NodeID::FromBinary(info.node_id());
    c.total = pick(info.resources_total());
    c.available = pick(info.resources_available());
    auto in_flight = in_flight_.find(c.id);
    if (in_flight != in_flight_.end()) c.available -= in_flight->second;
    nodes.push_back(std::move(c));
  });
  std::sort(nodes.begin(), nodes.end(),
            [](const Candidate& a, const Candidate& b) { return a.id < b.id; });
  auto find = [&](const NodeID& id) -> Candidate* {
    for (Candidate& c : nodes) {
      if (c.id == id) return &c;
    }
    return nullptr;
  };

  // Bundles already placed stay; the others are placed here, largest first.
  std::vector<const rpc::Bundle*> todo;
  std::vector<NodeID> fixed_nodes;
  for (const rpc::Bundle& bundle : group.bundles()) {
    Candidate* at = bundle.node_id().empty() ? nullptr : find(NodeID::FromBinary(bundle.node_id()));
    if (at != nullptr) {
      at->used++;
      fixed_nodes.push_back(at->id);
    } else {
      todo.push_back(&bundle);
    }
  }
  if (todo.empty()) return out;
  if (nodes.empty()) {
    out.error = "no alive node";
    return out;
  }
  for (const rpc::Bundle* bundle : todo) {
    ResourceSet request = RequestOf(*bundle);
    bool fits_somewhere = std::any_of(nodes.begin(), nodes.end(), [&](const Candidate& c) {
      return c.total.Contains(request);
    });
    if (!fits_somewhere) {
      out.error = "bundle " + std::to_string(bundle->index()) + " " + request.ToString() +
                  " cannot be placed: " + MissingEverywhere(nodes, request);
      return out;
    }
  }
  std::stable_sort(todo.begin(), todo.end(), [](const rpc::Bundle* a, const rpc::Bundle* b) {
    double ca = 0, cb = 0;
    for (const auto& [n, v] : a->resources()) ca += v;
    for (const auto& [n, v] : b->resources()) cb += v;
    return ca > cb;
  });

  auto take = [&](Candidate& node, const rpc::Bundle* bundle) {
    node.available -= RequestOf(*bundle);
    node.used++;
    out.nodes[bundle->index()] = node.id;
  };
  ResourceSet sum;
  for (const rpc::Bundle* bundle : todo) sum += RequestOf(*bundle);

  // All the remaining bundles on one node: the node of the placed ones if any, else the
  // first that fits now. Returns false when none does.
  auto pack_on_one = [&](bool must_be_fixed_node) -> bool {
    for (Candidate& node : nodes) {
      if (!fixed_nodes.empty() && must_be_fixed_node && node.id != fixed_nodes.front()) continue;
      if (!node.available.Contains(sum)) continue;
      for (const rpc::Bundle* bundle : todo) take(node, bundle);
      return true;
    }
    return false;
  };
  auto wait = [&](const std::string& why) {
    out.nodes.clear();
    out.wait = true;
    out.error = why;
  };

  switch (group.strategy()) {
    case Group::STRICT_PACK: {
      bool any_total = std::any_of(nodes.begin(), nodes.end(), [&](const Candidate& c) {
        return (fixed_nodes.empty() || c.id == fixed_nodes.front()) && c.total.Contains(sum);
      });
      if (!any_total) {
        out.error = "STRICT_PACK needs " + sum.ToString() + " on one node: " +
                    MissingEverywhere(nodes, sum);
        return out;
      }
      if (!pack_on_one(true)) wait("no node has " + sum.ToString() + " free for STRICT_PACK now");
      return out;
    }
    case Group::PACK: {
      if (pack_on_one(true) || pack_on_one(false)) return out;
      for (const rpc::Bundle* bundle : todo) {
        ResourceSet request = RequestOf(*bundle);
        Candidate* best = nullptr;
        for (Candidate& node : nodes) {
          if (!node.available.Contains(request)) continue;
          if (best == nullptr || node.used > best->used) best = &node;  // fill used nodes first
        }
        if (best == nullptr) {
          wait("bundle " + std::to_string(bundle->index()) + " " + request.ToString() +
               " does not fit the free resources of any node now");
          return out;
        }
        take(*best, bundle);
      }
      return out;
    }
    case Group::SPREAD:
    case Group::STRICT_SPREAD: {
      bool strict = group.strategy() == Group::STRICT_SPREAD;
      if (strict) {
        size_t usable = 0;
        for (const Candidate& node : nodes) usable += node.used == 0 ? 1 : 0;
        if (usable < todo.size()) {
          out.error = "STRICT_SPREAD needs a node for each of its " +
                      std::to_string(group.bundles_size()) + " bundles; only " +
                      std::to_string(nodes.size()) + " alive node(s)";
          return out;
        }
      }
      for (const rpc::Bundle* bundle : todo) {
        ResourceSet request = RequestOf(*bundle);
        Candidate* best = nullptr;
        for (Candidate& node : nodes) {
          if (!node.available.Contains(request)) continue;
          if (strict && node.used > 0) continue;
          if (best == nullptr || node.used < best->used) best = &node;  // fewest of the group
        }
        if (best == nullptr) {
          wait("bundle " + std::to_string(bundle->index()) + " " + request.ToString() +
               (strict ? " has no free node of its own for STRICT_SPREAD now"
                       : " does not fit the free resources of any node now"));
          return out;
        }
        take(*best, bundle);
      }
      return out;
    }
    default:
      out.error = "unknown strategy " + StrategyName(group.strategy());
      return out;
  }
}

void GcsPlacementGroupScheduler::Schedule(const Group& group) {
  const std::string& pg_id = group.placement_group_id();
  if (attempts_.count(pg_id)) return;
  Placement placement = Place(group);
  if (!placement.error.empty()) {
    if (listener_) listener_->OnPlacementFailed(pg_id, placement.error);
    return;
  }
  Attempt& attempt = attempts_[pg_id];
  attempt.group = group;
  attempt.placed = placement.nodes;
  std::map<NodeID, rpc::Address> raylets = AliveRaylets();
  for (const rpc::Bundle& bundle : group.bundles()) {
    auto placed = placement.nodes.find(bundle.index());
    if (placed == placement.nodes.end()) continue;
    rpc::Bundle copy = bundle;
    copy.set_node_id(placed->second.Binary());
    attempt.by_node[placed->second].push_back(copy);
    attempt.raylets[placed->second] = raylets[placed->second];
    in_flight_[placed->second] += RequestOf(bundle);
  }
  if (attempt.by_node.empty()) {  // nothing to place
    std::map<int, NodeID> none;
    attempts_.erase(pg_id);
    if (listener_) listener_->OnPlacementCreated(pg_id, none);
    return;
  }
  attempt.outstanding = static_cast<int>(attempt.by_node.size());
  for (const auto& [node_id, bundles] : attempt.by_node) {
    NodeID node = node_id;
    client_->PrepareBundleResources(
        attempt.raylets[node], bundles,
        [this, pg_id, node](Status status, const rpc::PrepareBundleResourcesReply& reply) {
          auto it = attempts_.find(pg_id);
          if (it == attempts_.end()) return;
          Attempt& a = it->second;
          if (a.failure.empty()) {
            if (!status.ok()) {
              a.failure = "preparing bundles on node " + node.Hex() + " failed: " + status.ToString();
            } else if (!reply.success()) {
              a.failure = "node " + node.Hex() + " could not reserve its bundles: " +
                          reply.failure_message();
            }
          }
          if (--a.outstanding == 0) OnPrepared(pg_id);
        });
  }
}

void GcsPlacementGroupScheduler::OnPrepared(const std::string& pg_id) {
  Attempt& attempt = attempts_[pg_id];
  if (!attempt.failure.empty() || attempt.canceled) return RollBack(pg_id);
  attempt.outstanding = static_cast<int>(attempt.by_node.size());
  for (const auto& [node_id, bundles] : attempt.by_node) {
    NodeID node = node_id;
    client_->CommitBundleResources(attempt.raylets[node], bundles, [this, pg_id, node](Status status) {
      auto it = attempts_.find(pg_id);
      if (it == attempts_.end()) return;
      Attempt& a = it->second;
      if (!status.ok() && a.failure.empty()) {
        a.failure = "committing bundles on node " + node.Hex() + " failed: " + status.ToString();
      }
      if (--a.outstanding == 0) OnCommitted(pg_id);
    });
  }
}

void GcsPlacementGroupScheduler::OnCommitted(const std::string& pg_id) {
  Attempt& attempt = attempts_[pg_id];
  if (!attempt.failure.empty() || attempt.canceled) return RollBack(pg_id);
  std::map<int, NodeID> placed = attempt.placed;
  attempts_.erase(pg_id);
  if (listener_) listener_->OnPlacementCreated(pg_id, placed);
}

void GcsPlacementGroupScheduler::RollBack(const std::string& pg_id) {
  Attempt& attempt = attempts_[pg_id];
  attempt.outstanding = static_cast<int>(attempt.by_node.size());
  for (const auto& [node_id, bundles] : attempt.by_node) {
    client_->CancelResourceReserve(attempt.raylets[node_id], bundles, [this, pg_id](Status) {
      auto it = attempts_.find(pg_id);
      if (it == attempts_.end()) return;
      if (--it->second.outstanding > 0) return;
      std::string reason = it->second.failure;
      bool canceled = it->second.canceled;
      attempts_.erase(it);
      if (!canceled && listener_) listener_->OnPlacementFailed(pg_id, reason);
    });
  }
}

void GcsPlacementGroupScheduler::Cancel(const std::string& pg_id) {
  auto it = attempts_.find(pg_id);
  if (it != attempts_.end()) it->second.canceled = true;
}

void GcsPlacementGroupScheduler::ReturnBundles(const std::vector<rpc::Bundle>& bundles) {
  std::map<std::string, std::vector<rpc::Bundle>> by_node;
  for (const rpc::Bundle& bundle : bundles) {
    if (!bundle.node_id().empty()) by_node[bundle.node_id()].push_back(bundle);
  }
  for (const auto& [node_id, raylet] : AliveRaylets()) {
    auto it = by_node.find(node_id.Binary());
    if (it != by_node.end()) client_->CancelResourceReserve(raylet, it->second, nullptr);
  }
}

void GcsPlacementGroupScheduler::CancelEverywhere(const Group& group, std::function<void()> done) {
  std::vector<rpc::Bundle> bundles(group.bundles().begin(), group.bundles().end());
  auto remaining = std::make_shared<int>(1);
  auto finish = [remaining, done]() {
    if (--*remaining == 0) done();
  };
  for (const auto& [node_id, raylet] : AliveRaylets()) {
    ++*remaining;
    client_->CancelResourceReserve(raylet, bundles, [finish](Status) { finish(); });
  }
  finish();
}

}  // namespace colony::gcs
