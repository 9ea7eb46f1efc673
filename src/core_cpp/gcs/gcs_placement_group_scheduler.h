// Gang scheduling of placement groups: picks a node for every bundle of a group at once
// by its strategy (PACK, SPREAD, STRICT_PACK, STRICT_SPREAD), then reserves them with a
// two-phase commit with the raylets: PrepareBundleResources on every chosen node; once all
// succeeded, CommitBundleResources on each. If any prepare (or commit) fails, every bundle
// is cancelled (CancelResourceReserve) before the failure is reported, so a retry never
// races a late rollback. The end of each attempt goes to a PlacementGroupSchedulingListener
// (the manager), which owns the group's record. Example:
//   GcsPlacementGroupScheduler scheduler(nodes, &bundle_client);
//   scheduler.SetListener(&manager);
//   scheduler.Schedule(group);  // places the bundles without a node_id
//
// Runs on the GCS event loop; no locks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.pb.h"
#include "common/id.h"
#include "common/resources.h"
#include "common/status.h"
#include "raylet.pb.h"

namespace colony::gcs {

// Seam: the raylets' bundle API (NodeManagerService). GrpcBundleClient implements it with
// gRPC; tests implement it without processes. Callbacks run on the GCS loop.
class BundleClient {
 public:
  using PrepareCallback = std::function<void(Status, const rpc::PrepareBundleResourcesReply&)>;
  using DoneCallback = std::function<void(Status)>;

  virtual ~BundleClient() = default;
  virtual void PrepareBundleResources(const rpc::Address& raylet,
                                      const std::vector<rpc::Bundle>& bundles,
                                      PrepareCallback callback) = 0;
  virtual void CommitBundleResources(const rpc::Address& raylet,
                                     const std::vector<rpc::Bundle>& bundles,
                                     DoneCallback callback) = 0;
  // Gives the bundles back (prepared or committed). `callback` may be null.
  virtual void CancelResourceReserve(const rpc::Address& raylet,
                                     const std::vector<rpc::Bundle>& bundles,
                                     DoneCallback callback) = 0;
};

// Told how each attempt ended; called after the attempt is gone from the scheduler.
class PlacementGroupSchedulingListener {
 public:
  virtual ~PlacementGroupSchedulingListener() = default;
  // Every bundle asked for is committed; `placed` maps bundle index -> node.
  virtual void OnPlacementCreated(const std::string& pg_id,
                                  const std::map<int, NodeID>& placed) = 0;
  // Nothing was reserved (any reservation was rolled back). `reason` says why, e.g.
  // "bundle 1 {GPU: 1} cannot be placed: no alive node has GPU: 1 in total".
  virtual void OnPlacementFailed(const std::string& pg_id, const std::string& reason) = 0;
};

// Calls `visit` on every node the GCS knows, dead ones included, without copying them: a
// node's resource maps hold every committed bundle's names, thousands with many groups.
using NodeVisitor = std::function<void(const std::function<void(const rpc::NodeInfo&)>& visit)>;

class GcsPlacementGroupScheduler {
 public:
  GcsPlacementGroupScheduler(NodeVisitor nodes, BundleClient* client);

  void SetListener(PlacementGroupSchedulingListener* listener) { listener_ = listener; }

  // Places the group's bundles that have no node_id yet; bundles with one stay where they
  // are (and count for the strict strategies). At most one attempt per group.
  void Schedule(const rpc::PlacementGroupTableData& group);
  // The group was removed: an attempt in flight is rolled back instead of committed, and
  // reports nothing.
  void Cancel(const std::string& pg_id);
  // Gives back committed bundles (a removed group's), on their nodes.
  void ReturnBundles(const std::vector<rpc::Bundle>& bundles);
  // Gives back a group's bundles on every alive node (after a GCS restart, for a group that
  // may have been half prepared); `done` runs once all nodes answered.
  void CancelEverywhere(const rpc::PlacementGroupTableData& group, std::function<void()> done);
  bool IsScheduling(const std::string& pg_id) const { return attempts_.count(pg_id) > 0; }

  // The node's resource figures in the node table are fresh again.
  void OnResourcesReported(const NodeID& node_id) { in_flight_.erase(node_id); }

  // Pure placement (no RPC), for the attempt and for tests: bundle index -> node, or an
  // error whose message names the bundle and what no node has. `wait` is set when the
  // group fits the cluster's totals but not what is free now.
  struct Placement {
    std::map<int, NodeID> nodes;
    std::string error;
    bool wait = false;
  };
  Placement Place(const rpc::PlacementGroupTableData& group);

 private:
  struct Attempt {
    rpc::PlacementGroupTableData group;
    std::map<int, NodeID> placed;                      // the bundles of this attempt
    std::map<NodeID, std::vector<rpc::Bundle>> by_node;
    std::map<NodeID, rpc::Address> raylets;
    int outstanding = 0;
    std::string failure;  // the first failure of the current phase
    bool canceled = false;
  };

  void OnPrepared(const std::string& pg_id);
  void OnCommitted(const std::string& pg_id);
  // Rolls back every bundle of the attempt, then reports `reason` (unless canceled).
  void RollBack(const std::string& pg_id);

  // The raylet address of each alive node.
  std::map<NodeID, rpc::Address> AliveRaylets() const;

  NodeVisitor nodes_;
  BundleClient* client_;
  PlacementGroupSchedulingListener* listener_ = nullptr;
  std::unordered_map<std::string, Attempt> attempts_;
  // Resources reserved on each node since its last resource report.
  std::unordered_map<NodeID, ResourceSet> in_flight_;
};

}  // namespace colony::gcs
