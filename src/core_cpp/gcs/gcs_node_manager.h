// The node table: registration, death (unregistered or timed out), resource reports.
// Dead nodes stay in the table with alive=false and a death reason; a dead node's ID is
// never revived, so every process agrees a node that died stays dead. Changes are
// applied in memory at once (later calls see them) and written through to the NODE
// table; the `persisted` callbacks, and so the replies, wait for the write.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/id.h"
#include "gcs.pb.h"
#include "gcs/store/gcs_table_storage.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

class GcsNodeManager {
 public:
  // Called after each state change (registered, dead) with the node's new state.
  using NodeChangeListener = std::function<void(const rpc::NodeInfo&)>;
  // Called on each resource report of a live node.
  using HeartbeatListener = std::function<void(const NodeID&)>;

  explicit GcsNodeManager(GcsTableStorage* storage) : storage_(storage) {}

  void AddNodeChangeListener(NodeChangeListener listener) {
    change_listeners_.push_back(std::move(listener));
  }
  void AddHeartbeatListener(HeartbeatListener listener) {
    heartbeat_listeners_.push_back(std::move(listener));
  }

  // Takes the reloaded node table and tells the listeners about every node; call once,
  // after adding listeners and before serving.
  Status Initialize(const GcsInitData& data);

  // Adds a node, or refreshes a live one (a raylet retrying its registration). An error
  // returned means nothing changed; on OK `persisted` runs once the record is stored.
  Status RegisterNode(rpc::NodeInfo node, StatusCallback persisted = nullptr);
  // Marks a live node dead; a no-op for a node already dead. Same contract as above.
  Status MarkNodeDead(const NodeID& node_id, const std::string& reason,
                      StatusCallback persisted = nullptr);
  // Sets (or, with an empty value, removes) one label of a live node, a label the GCS owns
  // (colony.io/virtual-cluster), and stores it. Listeners are not told: the caller publishes
  // the change. Returns the updated record; NotFound for an unknown or dead node.
  StatusOr<rpc::NodeInfo> SetNodeLabel(const NodeID& node_id, const std::string& key,
                                       const std::string& value);
  // Returns false if the node is unknown or dead, so the raylet learns it was dropped.
  bool ReportResources(const rpc::ReportResourcesRequest& report);
  // Every node ever registered, dead ones included.
  std::vector<rpc::NodeInfo> GetAllNodes() const;
  // The same, by reference: for callers on the loop that must not copy every node's
  // resource maps (placement groups add names per bundle).
  const std::map<NodeID, rpc::NodeInfo>& AllNodes() const { return nodes_; }

  void HandleRegisterNode(const rpc::RegisterNodeRequest& request, rpc::RegisterNodeReply* reply,
                          rpc::SendReply send_reply);
  void HandleUnregisterNode(const rpc::UnregisterNodeRequest& request,
                            rpc::UnregisterNodeReply* reply, rpc::SendReply send_reply);
  void HandleGetAllNodeInfo(const rpc::GetAllNodeInfoRequest& request,
                            rpc::GetAllNodeInfoReply* reply, rpc::SendReply send_reply);
  void HandleReportResources(const rpc::ReportResourcesRequest& request,
                             rpc::ReportResourcesReply* reply, rpc::SendReply send_reply);

 private:
  void SaveNode(const rpc::NodeInfo& node, StatusCallback persisted);
  void NotifyChange(const rpc::NodeInfo& node);

  GcsTableStorage* storage_;
  std::map<NodeID, rpc::NodeInfo> nodes_;
  std::vector<NodeChangeListener> change_listeners_;
  std::vector<HeartbeatListener> heartbeat_listeners_;
};

}  // namespace colony::gcs
